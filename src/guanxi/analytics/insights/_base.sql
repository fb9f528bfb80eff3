-- Shared tables of the insight rules. {as_of} is the cut-off: nothing at or after it counts;
-- {since} opens the window of recent events ({as_of} less the lookback).
-- txn (a view, defined by the caller) already holds only the accounts and dates detection needs.
-- card_recent: card purchases and refunds in the window (and the minutes before it, where the
-- first of a duplicate may lie), with the amount in the base currency for comparisons.
CREATE OR REPLACE TEMP TABLE card_recent AS
SELECT t.account_id, t.booked_at, t.source_key, t.amount, t.currency, t.direction, t.counterparty,
       CAST(t.amount AS DOUBLE) * fx.rate AS amount_base
FROM txn t
LEFT JOIN fx ON fx.currency = t.currency
WHERE t.txn_type = 'card_purchase' AND t.booked_at >= {since} - INTERVAL {duplicate_minutes} MINUTE;
-- debit_txn: debits that may recur, keyed by payee (the counterparty, else the description), of
-- the series paid at least {series_min_payments} times with a payment in the last
-- {recurring_recent_days} days: no other series can be a rise in the window or fall due soon.
CREATE OR REPLACE TEMP TABLE debit_txn AS
WITH debits AS MATERIALIZED (
    SELECT account_id, booked_at, source_key, amount, currency,
           coalesce(counterparty, description) AS payee
    FROM txn
    WHERE direction = 'debit' AND txn_type IN ({recurring_types})
      AND coalesce(counterparty, description) IS NOT NULL
),
live AS (
    SELECT account_id, payee
    FROM debits
    GROUP BY account_id, payee
    HAVING count(*) >= {series_min_payments}
       AND max(booked_at) >= {as_of} - INTERVAL {recurring_recent_days} DAY
)
SELECT d.* FROM debits d JOIN live USING (account_id, payee);
