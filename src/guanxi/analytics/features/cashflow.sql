-- group: cashflow
-- owner: transactions
-- features:
--   net_flow_avg_12m: {unit: base currency, en: "Average monthly net flow (in minus out), 12 months", zh: "12個月平均每月淨流入"}
--   net_flow_volatility: {unit: base currency, en: "Standard deviation of monthly net flow, 12 months", zh: "12個月每月淨流入標準差"}
WITH monthly AS (
    SELECT party_id, months_ago,
           sum(CASE WHEN direction = 'credit' THEN amount_base ELSE -amount_base END) AS net
    FROM my_txn
    WHERE age_days < 380
    GROUP BY party_id, months_ago
)
SELECT party_id, avg(net) AS net_flow_avg_12m, stddev_samp(net) AS net_flow_volatility
FROM monthly
WHERE months_ago BETWEEN 1 AND 12
GROUP BY party_id
