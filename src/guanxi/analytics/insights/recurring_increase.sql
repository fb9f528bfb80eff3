-- recurring_increase: a payment to a payee paid about monthly ({gap_min}-{gap_max} days apart) at
-- least {recurring_min_prior} times before at a steady price (within {recurring_stable_pct} %),
-- now at least {recurring_min_rise_pct} % (and at most {recurring_max_rise_pct} %) dearer than the
-- payment before.
WITH gaps AS (
    SELECT account_id, payee, booked_at, source_key, amount, currency,
           date_diff('day', lag(booked_at) OVER w, booked_at) AS gap,
           lag(amount) OVER w AS previous_amount,
           lag(source_key) OVER w AS previous_key
    FROM debit_txn
    WINDOW w AS (PARTITION BY account_id, payee ORDER BY booked_at, source_key)
),
series AS (
    -- over the payments before this one, and over the gaps between them and this one
    SELECT *,
           count(*) OVER before AS prior_payments,
           min(amount) OVER before AS prior_low,
           max(amount) OVER before AS prior_high,
           min(gap) OVER spacing AS shortest_gap,
           max(gap) OVER spacing AS longest_gap
    FROM gaps
    WINDOW before AS (PARTITION BY account_id, payee ORDER BY booked_at, source_key
                      ROWS BETWEEN {recurring_min_prior} PRECEDING AND 1 PRECEDING),
           spacing AS (PARTITION BY account_id, payee ORDER BY booked_at, source_key
                       ROWS BETWEEN {recurring_gap_rows} PRECEDING AND CURRENT ROW)
)
SELECT h.party_id, s.account_id, CAST(s.booked_at AS DATE) AS occurred_on, s.amount, s.currency,
       json_object(
           'payee', s.payee,
           'reference', s.source_key,
           'previous_reference', s.previous_key,
           'previous_amount', CAST(s.previous_amount AS VARCHAR),
           'increase_pct', round((CAST(s.amount AS DOUBLE) / CAST(s.previous_amount AS DOUBLE) - 1) * 100, 1)
       ) AS details
FROM series s
JOIN holders h USING (account_id)
WHERE s.booked_at >= {since} AND s.prior_payments = {recurring_min_prior}
  AND s.shortest_gap >= {gap_min} AND s.longest_gap <= {gap_max}
  AND CAST(s.prior_high AS DOUBLE) <= CAST(s.prior_low AS DOUBLE) * (1 + {recurring_stable})
  AND CAST(s.amount AS DOUBLE) >= CAST(s.previous_amount AS DOUBLE) * (1 + {recurring_min_rise})
  AND CAST(s.amount AS DOUBLE) <= CAST(s.previous_amount AS DOUBLE) * (1 + {recurring_max_rise})
