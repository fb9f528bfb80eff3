-- Shared tables every feature query can use; {as_of} is the cut-off: nothing at or after it counts.
-- The transactions are read twice, summed per account and calendar month and per account's spending
-- by category, before any owner is joined: an account-month is about a seventh of the rows, joint
-- accounts no longer double them, and the groups read these small tables instead of every
-- transaction; the month sums are joined to the owners once (party_month) for every group.
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
       -- counts are cast to BIGINT: DuckDB sums integers into 128-bit numbers, slower to add up again
       max(booked_at) AS last_at,
       -- recency, frequency, money (rfm)
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 29 DAY THEN 1 ELSE 0 END) AS BIGINT) AS n_30d,
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY THEN 1 ELSE 0 END) AS BIGINT) AS n_90d,
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 364 DAY THEN 1 ELSE 0 END) AS BIGINT) AS n_365d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 29 DAY AND direction = 'debit' THEN amount_base ELSE 0 END) AS out_30d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND direction = 'debit' THEN amount_base ELSE 0 END) AS out_90d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 364 DAY AND direction = 'debit' THEN amount_base ELSE 0 END) AS out_365d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND direction = 'credit' THEN amount_base ELSE 0 END) AS in_90d,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 364 DAY AND direction = 'credit' THEN amount_base ELSE 0 END) AS in_365d,
       -- net flow over 380 days (cashflow)
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 379 DAY THEN 1 ELSE 0 END) AS BIGINT) AS n_380d,
       sum(CASE WHEN booked_at < {as_of} - INTERVAL 379 DAY THEN 0 WHEN direction = 'credit' THEN amount_base
                ELSE -amount_base END) AS net_380d,
       -- salary credits over 200 days
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 199 DAY AND direction = 'credit' AND txn_type = 'salary'
                THEN 1 ELSE 0 END) AS BIGINT) AS salary_n,
       sum(CASE WHEN booked_at >= {as_of} - INTERVAL 199 DAY AND direction = 'credit' AND txn_type = 'salary'
                THEN amount_base ELSE 0 END) AS salary,
       -- customer-initiated transactions by channel over 90 days
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel <> 'system' THEN 1 ELSE 0 END) AS BIGINT) AS ch_all,
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'branch' THEN 1 ELSE 0 END) AS BIGINT) AS ch_branch,
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'atm' THEN 1 ELSE 0 END) AS BIGINT) AS ch_atm,
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'online' THEN 1 ELSE 0 END) AS BIGINT) AS ch_online,
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'mobile' THEN 1 ELSE 0 END) AS BIGINT) AS ch_mobile,
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'wechat_pay' THEN 1 ELSE 0 END) AS BIGINT) AS ch_wechat_pay,
       CAST(sum(CASE WHEN booked_at >= {as_of} - INTERVAL 89 DAY AND channel = 'pos' THEN 1 ELSE 0 END) AS BIGINT) AS ch_pos,
       -- the month's last balance (postings at the same instant are ordered by their source key, so
       -- the result depends on neither the engine nor the run); NULL when no posting had one
       arg_max(balance_base, struct_pack(at := booked_at, seq := source_key))
           FILTER (WHERE balance_base IS NOT NULL) AS balance
FROM t
GROUP BY account_id, months_ago;
-- account_spend: card and bill spending per account over 365 days, in base currency: in all and in
-- each merchant category the spending group reports, one row per account (not one per category),
-- so the group joins a few hundred thousand rows to the owners instead of millions.
CREATE OR REPLACE TEMP TABLE account_spend AS
WITH t AS (
    SELECT t.account_id, t.merchant_category, CAST(t.amount AS DOUBLE) * fx.rate AS spent
    FROM transactions t
    JOIN fx ON fx.currency = t.currency
    WHERE t.booked_at < {as_of} AND t.booked_at >= {as_of} - INTERVAL 364 DAY
      AND t.direction = 'debit' AND t.merchant_category IS NOT NULL
)
SELECT account_id,
       sum(spent) AS spent,
       sum(CASE WHEN merchant_category = 'groceries' THEN spent ELSE 0 END) AS spent_groceries,
       sum(CASE WHEN merchant_category = 'restaurants' THEN spent ELSE 0 END) AS spent_restaurants,
       sum(CASE WHEN merchant_category = 'transport' THEN spent ELSE 0 END) AS spent_transport,
       sum(CASE WHEN merchant_category = 'fuel' THEN spent ELSE 0 END) AS spent_fuel,
       sum(CASE WHEN merchant_category = 'utilities' THEN spent ELSE 0 END) AS spent_utilities,
       sum(CASE WHEN merchant_category = 'telecom' THEN spent ELSE 0 END) AS spent_telecom,
       sum(CASE WHEN merchant_category = 'retail' THEN spent ELSE 0 END) AS spent_retail,
       sum(CASE WHEN merchant_category = 'electronics' THEN spent ELSE 0 END) AS spent_electronics,
       sum(CASE WHEN merchant_category = 'travel' THEN spent ELSE 0 END) AS spent_travel,
       sum(CASE WHEN merchant_category = 'health' THEN spent ELSE 0 END) AS spent_health,
       sum(CASE WHEN merchant_category = 'education' THEN spent ELSE 0 END) AS spent_education,
       sum(CASE WHEN merchant_category = 'entertainment' THEN spent ELSE 0 END) AS spent_entertainment,
       sum(CASE WHEN merchant_category = 'insurance' THEN spent ELSE 0 END) AS spent_insurance,
       sum(CASE WHEN merchant_category = 'cash' THEN spent ELSE 0 END) AS spent_cash
FROM t
WHERE spent > 0
GROUP BY account_id;
-- holder: who owns or co-owns each account (a joint account counts for each of its holders).
CREATE OR REPLACE TEMP TABLE holder AS
SELECT party_id, account_id FROM account_roles WHERE role IN ('owner', 'joint');
-- party_month: account_month added up per owner and month, joined to the owners once for the groups
-- that add up every account of a customer (rfm, channels, cash flow, salary, month-end balances).
-- An account-month without a posting in a window adds only zeros to that window's sums, so the
-- groups' "months with …" filters read these sums (n_380d > 0, salary_n > 0, ch_all > 0, balance_n > 0).
CREATE OR REPLACE TEMP TABLE party_month AS
SELECT h.party_id, m.months_ago,
       max(m.last_at) AS last_at,
       CAST(sum(m.n_30d) AS BIGINT) AS n_30d, CAST(sum(m.n_90d) AS BIGINT) AS n_90d, CAST(sum(m.n_365d) AS BIGINT) AS n_365d,
       sum(m.out_30d) AS out_30d, sum(m.out_90d) AS out_90d, sum(m.out_365d) AS out_365d,
       sum(m.in_90d) AS in_90d, sum(m.in_365d) AS in_365d,
       CAST(sum(m.n_380d) AS BIGINT) AS n_380d, sum(m.net_380d) AS net_380d,
       CAST(sum(m.salary_n) AS BIGINT) AS salary_n, sum(m.salary) AS salary,
       CAST(sum(m.ch_all) AS BIGINT) AS ch_all, CAST(sum(m.ch_branch) AS BIGINT) AS ch_branch, CAST(sum(m.ch_atm) AS BIGINT) AS ch_atm,
       CAST(sum(m.ch_online) AS BIGINT) AS ch_online, CAST(sum(m.ch_mobile) AS BIGINT) AS ch_mobile, CAST(sum(m.ch_wechat_pay) AS BIGINT) AS ch_wechat_pay,
       CAST(sum(m.ch_pos) AS BIGINT) AS ch_pos,
       -- the month-end balances of the accounts that had one (sum skips the others)
       sum(m.balance) AS balance, count(m.balance) AS balance_n
FROM account_month m
JOIN holder h ON h.account_id = m.account_id
GROUP BY h.party_id, m.months_ago;
