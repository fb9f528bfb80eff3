-- duplicate_charge: a card purchase repeated on the same account, at the same merchant, for the
-- same amount, within {duplicate_minutes} minutes of the first; one insight per repeat.
WITH purchases AS (
    SELECT account_id, booked_at, source_key, amount, currency, counterparty
    FROM card_recent
    WHERE direction = 'debit' AND counterparty IS NOT NULL
),
repeats AS (
    SELECT b.account_id, b.booked_at, b.source_key, b.amount, b.currency, b.counterparty,
           arg_max(a.source_key, struct_pack(t := a.booked_at, k := a.source_key)) AS original,
           max(a.booked_at) AS original_at
    FROM purchases b
    JOIN purchases a
      ON a.account_id = b.account_id AND a.counterparty = b.counterparty AND a.amount = b.amount
     AND (a.booked_at < b.booked_at OR (a.booked_at = b.booked_at AND a.source_key < b.source_key))
     AND a.booked_at >= b.booked_at - INTERVAL {duplicate_minutes} MINUTE
    WHERE b.booked_at >= {since}
    GROUP BY ALL
)
SELECT h.party_id, r.account_id, CAST(r.booked_at AS DATE) AS occurred_on, r.amount, r.currency,
       json_object(
           'merchant', r.counterparty,
           'reference', r.source_key,
           'original_reference', r.original,
           'minutes_apart', round(date_diff('second', r.original_at, r.booked_at) / 60.0, 1)
       ) AS details
FROM repeats r
JOIN holders h USING (account_id)
