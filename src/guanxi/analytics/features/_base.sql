-- Shared tables every feature query can use; {as_of} is the cut-off: nothing at or after it counts.
-- The transactions are read once and summed per account and calendar month, before any owner is
-- joined: an account-month is about a seventh of the rows, joint accounts no longer double them,
-- and the groups read these small tables, joined to the owners, instead of every transaction.
-- Windows compare timestamps with the cut-off (age in days < 30 is booked_at >= cut-off - 29 days)
-- instead of computing each row's age: dates of a timestamp cost more than the rest of the scan.
-- account_month: per account and months back (calendar months, 0 the cut-off's own), in base currency.
CREATE OR REPLACE TEMP TABLE account_month AS
WITH t AS (
    SELECT t.account_id, t.booked_at, t.source_key, t.direction, t.channel, t.txn_type,
           CAST(t.amount AS DOUBLE) * fx.rate AS amount_base,
           CAST(t.balance_after AS DOUBLE) * fx.rate AS balance_base,
           -- month boundaries crossed back from the cut-off's month, by comparing with month starts
           CASE WHEN t.booked_at >= date_trunc('month', {as_of}) THEN 0
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 1 MONTH THEN 1
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 2 MONTH THEN 2
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 3 MONTH THEN 3
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 4 MONTH THEN 4
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 5 MONTH THEN 5
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 6 MONTH THEN 6
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 7 MONTH THEN 7
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 8 MONTH THEN 8
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 9 MONTH THEN 9
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 10 MONTH THEN 10
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 11 MONTH THEN 11
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 12 MONTH THEN 12
                WHEN t.booked_at >= date_trunc('month', {as_of}) - INTERVAL 13 MONTH THEN 13
                ELSE 14 END AS months_ago
    FROM transactions t
    JOIN fx ON fx.currency = t.currency
    WHERE t.booked_at < {as_of} AND t.booked_at >= {as_of} - INTERVAL 400 DAY
)
SELECT account_id, months_ago,
       max(booked_at) AS last_at,
       -- recency, frequency, money (rfm)
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 29 DAY THEN 1 ELSE 0 END) AS n_30d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY THEN 1 ELSE 0 END) AS n_90d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 364 DAY THEN 1 ELSE 0 END) AS n_365d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 29 DAY AND direction = 'debit' THEN amount_base ELSE 0 END) AS out_30d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND direction = 'debit' THEN amount_base ELSE 0 END) AS out_90d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 364 DAY AND direction = 'debit' THEN amount_base ELSE 0 END) AS out_365d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND direction = 'credit' THEN amount_base ELSE 0 END) AS in_90d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 364 DAY AND direction = 'credit' THEN amount_base ELSE 0 END) AS in_365d,
       -- net flow over 380 days (cashflow)
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 379 DAY THEN 1 ELSE 0 END) AS n_380d,
       sum(CASE WHEN booked_at < {as_of} - INTERVAL 379 DAY THEN 0 WHEN direction = 'credit' THEN amount_base
                ELSE -amount_base END) AS net_380d,
       -- salary credits over 200 days
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 199 DAY AND direction = 'credit' AND txn_type = 'salary'
                THEN 1 ELSE 0 END) AS salary_n,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 199 DAY AND direction = 'credit' AND txn_type = 'salary'
                THEN amount_base ELSE 0 END) AS salary,
       -- customer-initiated transactions by channel over 90 days
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel <> 'system' THEN 1 ELSE 0 END) AS ch_all,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'branch' THEN 1 ELSE 0 END) AS ch_branch,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'atm' THEN 1 ELSE 0 END) AS ch_atm,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'online' THEN 1 ELSE 0 END) AS ch_online,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'mobile' THEN 1 ELSE 0 END) AS ch_mobile,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'wechat_pay' THEN 1 ELSE 0 END) AS ch_wechat_pay,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'pos' THEN 1 ELSE 0 END) AS ch_pos,
       -- the month's last balance (postings at the same instant are ordered by their source key, so
       -- the result depends on neither the engine nor the run); NULL when no posting had one
       arg_max(balance_base, struct_pack(at := booked_at, seq := source_key))
           FILTER (WHERE balance_base IS NOT NULL) AS balance
FROM t
GROUP BY account_id, months_ago;
-- account_category: card and bill spending per account and merchant category, 365 days, in base currency.
CREATE OR REPLACE TEMP TABLE account_category AS
SELECT t.account_id, t.merchant_category, sum(CAST(t.amount AS DOUBLE) * fx.rate) AS spent
FROM transactions t
JOIN fx ON fx.currency = t.currency
WHERE t.booked_at < {as_of} AND t.booked_at >= {as_of} - INTERVAL 364 DAY
  AND t.direction = 'debit' AND t.merchant_category IS NOT NULL AND CAST(t.amount AS DOUBLE) * fx.rate > 0
GROUP BY t.account_id, t.merchant_category;
-- holder: who owns or co-owns each account (a joint account counts for each of its holders).
CREATE OR REPLACE TEMP TABLE holder AS
SELECT party_id, account_id FROM account_roles WHERE role IN ('owner', 'joint');
