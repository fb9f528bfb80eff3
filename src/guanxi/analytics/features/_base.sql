-- Shared tables every feature query can use; {as_of} is the cut-off: nothing at or after it counts.
-- my_txn is materialised once, with each row's age in days and months, so the groups do not
-- each repeat the join or the date arithmetic.
-- my_txn: transactions of accounts a party owns or co-owns, before the cut-off, in base currency.
CREATE OR REPLACE TEMP TABLE my_txn AS
SELECT r.party_id, t.account_id, t.booked_at, t.source_key, t.direction, t.channel, t.txn_type, t.merchant_category,
       CAST(t.amount AS DOUBLE) * fx.rate AS amount_base,
       CAST(t.balance_after AS DOUBLE) * fx.rate AS balance_base,
       date_diff('day', CAST(t.booked_at AS DATE), CAST({as_of} AS DATE)) AS age_days,
       -- calendar months back: month boundaries crossed, as year * 12 + month arithmetic
       (year(CAST({as_of} AS DATE)) * 12 + month(CAST({as_of} AS DATE)))
           - (year(CAST(t.booked_at AS DATE)) * 12 + month(CAST(t.booked_at AS DATE))) AS months_ago
FROM transactions t
JOIN account_roles r ON r.account_id = t.account_id AND r.role IN ('owner', 'joint')
JOIN fx ON fx.currency = t.currency
WHERE t.booked_at < {as_of} AND t.booked_at >= {as_of} - INTERVAL 400 DAY;
