-- group: balances
-- owner: transactions
-- features:
--   balance_eom: {unit: base currency, en: "Balance at the last month-end", zh: "上月末結餘"}
--   balance_avg_6m: {unit: base currency, en: "Average month-end balance, 6 months", zh: "6個月平均月末結餘"}
--   balance_min_6m: {unit: base currency, en: "Lowest month-end balance, 6 months", zh: "6個月最低月末結餘"}
--   balance_trend_6m: {unit: share per month, en: "Month-end balance trend, 6 months (change per month relative to the average)", zh: "6個月月末結餘趨勢（每月變動佔平均比例）"}
--   aum: {unit: base currency, en: "Assets held with the bank (last known balances)", zh: "管理資產（最近結餘）"}
--   liabilities: {unit: base currency, en: "Amounts owed to the bank", zh: "負債"}
WITH totals AS (
    -- the month-end total of the accounts that had a balance, per customer and month (party_month)
    SELECT party_id, months_ago, balance AS total
    FROM party_month
    WHERE balance_n > 0 AND months_ago BETWEEN 1 AND 6
),
latest AS (
    SELECT party_id, min(months_ago) AS months_ago FROM totals GROUP BY party_id
),
account_now AS (
    -- each account's last known balance before the cut-off: its latest month's (quiet accounts keep theirs)
    SELECT account_id, arg_min(balance, months_ago) FILTER (WHERE balance IS NOT NULL) AS balance
    FROM account_month
    WHERE balance IS NOT NULL
    GROUP BY account_id
),
owned_now AS (
    -- with its owners (an owner counts an account once, whatever their roles on it)
    SELECT h.party_id, a.account_id, max(a.balance) AS balance
    FROM account_now a
    JOIN holder h ON h.account_id = a.account_id
    GROUP BY h.party_id, a.account_id
),
position AS (
    SELECT party_id,
           sum(CASE WHEN balance > 0 THEN balance ELSE 0 END) AS aum,
           sum(CASE WHEN balance < 0 THEN -balance ELSE 0 END) AS liabilities
    FROM owned_now GROUP BY party_id
),
shape AS (
    SELECT m.party_id,
           max(CASE WHEN m.months_ago = l.months_ago THEN m.total END) AS balance_eom,
           avg(m.total) AS balance_avg_6m,
           min(m.total) AS balance_min_6m,
           -- a trend needs three month-ends at least
           CASE WHEN count(*) >= 3 AND abs(avg(m.total)) > 0
                THEN -regr_slope(m.total, m.months_ago) / NULLIF(abs(avg(m.total)), 0) END AS balance_trend_6m
    FROM totals m
    JOIN latest l ON l.party_id = m.party_id
    GROUP BY m.party_id
)
SELECT p.party_id, s.balance_eom, s.balance_avg_6m, s.balance_min_6m, s.balance_trend_6m, p.aum, p.liabilities
FROM position p
LEFT JOIN shape s ON s.party_id = p.party_id
