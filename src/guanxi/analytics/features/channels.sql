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
WITH by_party AS (
    -- counts per customer, month and channel (party_month), added up: a customer with no
    -- customer-initiated transaction in 90 days has no row, so the shares stay unknown
    SELECT party_id, sum(ch_all) AS n, sum(ch_branch) AS branch, sum(ch_atm) AS atm,
           sum(ch_online) AS online, sum(ch_mobile) AS mobile, sum(ch_wechat_pay) AS wechat_pay,
           sum(ch_pos) AS pos
    FROM party_month
    WHERE ch_all > 0
    GROUP BY party_id
)
SELECT party_id,
       branch / NULLIF(CAST(n AS DOUBLE), 0) AS share_branch,
       atm / NULLIF(CAST(n AS DOUBLE), 0) AS share_atm,
       online / NULLIF(CAST(n AS DOUBLE), 0) AS share_online,
       mobile / NULLIF(CAST(n AS DOUBLE), 0) AS share_mobile,
       wechat_pay / NULLIF(CAST(n AS DOUBLE), 0) AS share_wechat_pay,
       pos / NULLIF(CAST(n AS DOUBLE), 0) AS share_pos,
       (online + mobile + wechat_pay) / NULLIF(CAST(n AS DOUBLE), 0) AS digital_share
FROM by_party
