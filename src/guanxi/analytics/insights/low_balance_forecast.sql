-- low_balance_forecast: the account's balance now, less the recurring debits falling due in the
-- next {forecast_days} days, is below zero. A recurring debit is a payee paid at least
-- {forecast_min_payments} times, about monthly ({gap_min}-{gap_max} days apart), for amounts within
-- {forecast_spread_pct} % of each other; it falls due a calendar month after its last payment, for
-- that payment's amount. Accounts already below zero (cards, loans) are not forecast.
WITH gaps AS (
    SELECT account_id, payee, booked_at, source_key, amount, currency,
           date_diff('day', lag(booked_at) OVER w, booked_at) AS gap
    FROM debit_txn
    WINDOW w AS (PARTITION BY account_id, payee ORDER BY booked_at, source_key)
),
series AS (
    -- over this payment and the ones just before it, and over the gaps between them
    SELECT *,
           count(*) OVER latest AS payments,
           min(amount) OVER latest AS low,
           max(amount) OVER latest AS high,
           min(gap) OVER spacing AS shortest_gap,
           max(gap) OVER spacing AS longest_gap,
           row_number() OVER (PARTITION BY account_id, payee ORDER BY booked_at DESC, source_key DESC) AS newest
    FROM gaps
    WINDOW latest AS (PARTITION BY account_id, payee ORDER BY booked_at, source_key
                      ROWS BETWEEN {forecast_rows} PRECEDING AND CURRENT ROW),
           spacing AS (PARTITION BY account_id, payee ORDER BY booked_at, source_key
                       ROWS BETWEEN {forecast_gap_rows} PRECEDING AND CURRENT ROW)
),
due AS (
    SELECT account_id, payee, amount, currency, source_key,
           CAST(CAST(booked_at AS DATE) + INTERVAL 1 MONTH AS DATE) AS due_on
    FROM series
    WHERE newest = 1 AND payments = {forecast_min_payments}
      AND shortest_gap >= {gap_min} AND longest_gap <= {gap_max}
      AND CAST(high AS DOUBLE) <= CAST(low AS DOUBLE) * (1 + {forecast_spread})
),
upcoming AS (
    SELECT *, sum(amount) OVER (PARTITION BY account_id ORDER BY due_on, source_key) AS running
    FROM due
    WHERE due_on >= CAST({as_of} AS DATE) AND due_on < CAST({as_of} AS DATE) + {forecast_days}
),
balance AS (
    SELECT account_id, arg_max(balance_after, struct_pack(t := booked_at, k := source_key)) AS balance
    FROM txn
    -- a series falling due was paid within the last month: the latest balance is that recent
    WHERE account_id IN (SELECT account_id FROM upcoming) AND balance_after IS NOT NULL
      AND booked_at >= {as_of} - INTERVAL {recurring_recent_days} DAY
    GROUP BY account_id
),
forecast AS (
    SELECT u.account_id, any_value(u.currency) AS currency, any_value(b.balance) AS balance,
           sum(u.amount) AS due_total,
           min(u.due_on) FILTER (WHERE u.running > b.balance) AS below_zero_on,
           list(json_object('payee', u.payee, 'amount', CAST(u.amount AS VARCHAR),
                            'due_on', CAST(u.due_on AS VARCHAR)) ORDER BY u.due_on, u.source_key) AS debits
    FROM upcoming u
    JOIN balance b USING (account_id)
    GROUP BY u.account_id
)
SELECT h.party_id, f.account_id, CAST({as_of} AS DATE) AS occurred_on, f.due_total - f.balance AS amount, f.currency,
       json_object(
           'balance', CAST(f.balance AS VARCHAR),
           'due_total', CAST(f.due_total AS VARCHAR),
           'below_zero_on', CAST(f.below_zero_on AS VARCHAR),
           'debits', f.debits
       ) AS details
FROM forecast f
JOIN holders h USING (account_id)
WHERE f.balance >= 0 AND f.balance < f.due_total
