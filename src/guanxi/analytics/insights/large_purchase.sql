-- large_purchase: a card purchase of at least {large_floor} in the base currency, at least
-- {large_multiple} times the customer's median purchase of the {large_baseline_days} days before
-- the window and at least {large_over_largest} times the largest one then (the floor alone for a
-- customer with fewer than {large_min_baseline} such purchases). The habits are read only for
-- customers with a purchase above the floor.
WITH candidates AS (
    SELECT h.party_id, c.account_id, c.booked_at, c.source_key, c.amount, c.currency, c.counterparty, c.amount_base
    FROM card_recent c
    JOIN holders h USING (account_id)
    WHERE c.direction = 'debit' AND c.booked_at >= {since} AND c.amount_base >= {large_floor}
),
held AS (
    SELECT DISTINCT account_id, party_id FROM holders WHERE party_id IN (SELECT party_id FROM candidates)
),
usual AS (
    SELECT held.party_id, count(*) AS purchases,
           median(CAST(t.amount AS DOUBLE) * fx.rate) AS median_base,
           max(CAST(t.amount AS DOUBLE) * fx.rate) AS largest_base
    FROM txn t
    JOIN held USING (account_id)
    JOIN fx ON fx.currency = t.currency
    WHERE t.txn_type = 'card_purchase' AND t.direction = 'debit'
      AND t.booked_at < {since} AND t.booked_at >= {since} - INTERVAL {large_baseline_days} DAY
    GROUP BY held.party_id
)
SELECT c.party_id, c.account_id, CAST(c.booked_at AS DATE) AS occurred_on, c.amount, c.currency,
       json_object(
           'merchant', c.counterparty,
           'reference', c.source_key,
           'usual_purchase_base', round(u.median_base, 2),
           'largest_before_base', round(u.largest_base, 2),
           'times_usual', round(c.amount_base / u.median_base, 1)
       ) AS details
FROM candidates c
LEFT JOIN usual u USING (party_id)
WHERE coalesce(u.purchases, 0) < {large_min_baseline}
   OR (c.amount_base >= {large_multiple} * u.median_base AND c.amount_base >= {large_over_largest} * u.largest_base)
