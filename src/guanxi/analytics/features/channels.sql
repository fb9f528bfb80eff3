-- group: channels
-- owner: transactions
-- features:
--   share_branch: {unit: share, en: "Share of transactions at a branch, 90 days", zh: "90天分行交易佔比"}
--   share_atm: {unit: share, en: "Share of transactions at an ATM, 90 days", zh: "90天自動櫃員機交易佔比"}
--   share_online: {unit: share, en: "Share of transactions in online banking, 90 days", zh: "90天網上銀行交易佔比"}
--   share_mobile: {unit: share, en: "Share of transactions in the mobile app, 90 days", zh: "90天手機銀行交易佔比"}
--   share_wechat_pay: {unit: share, en: "Share of transactions by WeChat Pay, 90 days", zh: "90天微信支付交易佔比"}
--   share_pos: {unit: share, en: "Share of card-terminal transactions, 90 days", zh: "90天刷卡交易佔比"}
--   digital_share: {unit: share, en: "Share of customer-initiated transactions made digitally, 90 days", zh: "90天數碼渠道交易佔比"}
WITH by_channel AS (
    -- one count per customer and channel first: the shares below then read a few rows per customer
    SELECT party_id, channel, count(*) AS n FROM my_txn WHERE age_days < 90 AND channel <> 'system'
    GROUP BY party_id, channel
)
SELECT party_id,
       sum(CASE WHEN channel = 'branch' THEN n ELSE 0 END) / NULLIF(CAST(sum(n) AS DOUBLE), 0) AS share_branch,
       sum(CASE WHEN channel = 'atm' THEN n ELSE 0 END) / NULLIF(CAST(sum(n) AS DOUBLE), 0) AS share_atm,
       sum(CASE WHEN channel = 'online' THEN n ELSE 0 END) / NULLIF(CAST(sum(n) AS DOUBLE), 0) AS share_online,
       sum(CASE WHEN channel = 'mobile' THEN n ELSE 0 END) / NULLIF(CAST(sum(n) AS DOUBLE), 0) AS share_mobile,
       sum(CASE WHEN channel = 'wechat_pay' THEN n ELSE 0 END) / NULLIF(CAST(sum(n) AS DOUBLE), 0) AS share_wechat_pay,
       sum(CASE WHEN channel = 'pos' THEN n ELSE 0 END) / NULLIF(CAST(sum(n) AS DOUBLE), 0) AS share_pos,
       sum(CASE WHEN channel IN ('online', 'mobile', 'wechat_pay') THEN n ELSE 0 END) / NULLIF(CAST(sum(n) AS DOUBLE), 0) AS digital_share
FROM by_channel
GROUP BY party_id
