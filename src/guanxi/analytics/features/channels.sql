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
WITH recent AS (
    SELECT party_id, channel FROM my_txn WHERE age_days < 90 AND channel <> 'system'
)
SELECT party_id,
       avg(CAST(CASE WHEN channel = 'branch' THEN 1 ELSE 0 END AS DOUBLE)) AS share_branch,
       avg(CAST(CASE WHEN channel = 'atm' THEN 1 ELSE 0 END AS DOUBLE)) AS share_atm,
       avg(CAST(CASE WHEN channel = 'online' THEN 1 ELSE 0 END AS DOUBLE)) AS share_online,
       avg(CAST(CASE WHEN channel = 'mobile' THEN 1 ELSE 0 END AS DOUBLE)) AS share_mobile,
       avg(CAST(CASE WHEN channel = 'wechat_pay' THEN 1 ELSE 0 END AS DOUBLE)) AS share_wechat_pay,
       avg(CAST(CASE WHEN channel = 'pos' THEN 1 ELSE 0 END AS DOUBLE)) AS share_pos,
       avg(CAST(CASE WHEN channel IN ('online', 'mobile', 'wechat_pay') THEN 1 ELSE 0 END AS DOUBLE)) AS digital_share
FROM recent
GROUP BY party_id
