-- group: cashflow
-- owner: transactions
-- features:
--   net_flow_avg_12m: {unit: base currency, en: "Average monthly net flow (in minus out), 12 months", zh: "12個月平均每月淨流入"}
--   net_flow_volatility: {unit: base currency, en: "Standard deviation of monthly net flow, 12 months", zh: "12個月每月淨流入標準差"}
SELECT party_id, avg(net_380d) AS net_flow_avg_12m, stddev_samp(net_380d) AS net_flow_volatility
FROM party_month
-- a month counts when it has a transaction within 380 days (party_month: per customer and month)
WHERE n_380d > 0 AND months_ago BETWEEN 1 AND 12
GROUP BY party_id
