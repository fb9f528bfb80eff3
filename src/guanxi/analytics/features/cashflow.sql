-- group: cashflow
-- owner: transactions
-- features:
--   net_flow_avg_12m: {unit: base currency, en: "Average monthly net flow (in minus out), 12 months", zh: "12個月平均每月淨流入"}
--   net_flow_volatility: {unit: base currency, en: "Standard deviation of monthly net flow, 12 months", zh: "12個月每月淨流入標準差"}
WITH monthly AS (
    -- a month counts when it has a transaction within 380 days
    SELECT h.party_id, m.months_ago, sum(m.net_380d) AS net
    FROM account_month m
    JOIN holder h ON h.account_id = m.account_id
    WHERE m.n_380d > 0
    GROUP BY h.party_id, m.months_ago
)
SELECT party_id, avg(net) AS net_flow_avg_12m, stddev_samp(net) AS net_flow_volatility
FROM monthly
WHERE months_ago BETWEEN 1 AND 12
GROUP BY party_id
