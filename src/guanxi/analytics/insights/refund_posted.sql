-- refund_posted: a merchant's credit back onto a card (a card_purchase credit); the purchase it
-- refunds, where found, is the latest one at that merchant on that account, within
-- {refund_match_days} days before and for at least the refunded amount.
WITH refunds AS (
    SELECT account_id, booked_at, source_key, amount, currency, counterparty
    FROM card_recent
    WHERE direction = 'credit' AND booked_at >= {since}
),
originals AS (
    SELECT r.source_key,
           arg_max(p.source_key, struct_pack(t := p.booked_at, k := p.source_key)) AS original,
           arg_max(p.amount, struct_pack(t := p.booked_at, k := p.source_key)) AS original_amount,
           max(p.booked_at) AS original_at
    FROM refunds r
    JOIN txn p
      ON p.account_id = r.account_id AND p.counterparty = r.counterparty
     AND p.txn_type = 'card_purchase' AND p.direction = 'debit'
     AND p.amount >= r.amount AND p.booked_at < r.booked_at
     AND p.booked_at >= r.booked_at - INTERVAL {refund_match_days} DAY
    GROUP BY r.source_key
)
SELECT h.party_id, r.account_id, CAST(r.booked_at AS DATE) AS occurred_on, r.amount, r.currency,
       json_object(
           'merchant', r.counterparty,
           'reference', r.source_key,
           'original_reference', o.original,
           'original_amount', CAST(o.original_amount AS VARCHAR),
           'original_on', CAST(CAST(o.original_at AS DATE) AS VARCHAR)
       ) AS details
FROM refunds r
LEFT JOIN originals o USING (source_key)
JOIN holders h USING (account_id)
