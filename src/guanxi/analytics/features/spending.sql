-- group: spending
-- owner: transactions
-- features:
--   spend_share_groceries: {unit: share, en: "Share of 365-day card and bill spending on groceries", zh: "365天消費中日用品佔比"}
--   spend_share_restaurants: {unit: share, en: "Share of 365-day card and bill spending on restaurants", zh: "365天消費中餐飲佔比"}
--   spend_share_transport: {unit: share, en: "Share of 365-day card and bill spending on transport", zh: "365天消費中交通佔比"}
--   spend_share_fuel: {unit: share, en: "Share of 365-day card and bill spending on fuel", zh: "365天消費中燃油佔比"}
--   spend_share_utilities: {unit: share, en: "Share of 365-day card and bill spending on utilities", zh: "365天消費中公用事業佔比"}
--   spend_share_telecom: {unit: share, en: "Share of 365-day card and bill spending on telecoms", zh: "365天消費中電訊佔比"}
--   spend_share_retail: {unit: share, en: "Share of 365-day card and bill spending on shopping", zh: "365天消費中購物佔比"}
--   spend_share_electronics: {unit: share, en: "Share of 365-day card and bill spending on electronics", zh: "365天消費中電子產品佔比"}
--   spend_share_travel: {unit: share, en: "Share of 365-day card and bill spending on travel", zh: "365天消費中旅遊佔比"}
--   spend_share_health: {unit: share, en: "Share of 365-day card and bill spending on health", zh: "365天消費中醫療佔比"}
--   spend_share_education: {unit: share, en: "Share of 365-day card and bill spending on education", zh: "365天消費中教育佔比"}
--   spend_share_entertainment: {unit: share, en: "Share of 365-day card and bill spending on entertainment", zh: "365天消費中娛樂佔比"}
--   spend_share_insurance: {unit: share, en: "Share of 365-day card and bill spending on insurance", zh: "365天消費中保險佔比"}
--   spend_share_cash: {unit: share, en: "Share of 365-day card and bill spending on cash", zh: "365天消費中現金佔比"}
SELECT h.party_id,
       -- sums per account (account_spend), added up over each customer's accounts
       sum(s.spent_groceries) / NULLIF(sum(s.spent), 0) AS spend_share_groceries,
       sum(s.spent_restaurants) / NULLIF(sum(s.spent), 0) AS spend_share_restaurants,
       sum(s.spent_transport) / NULLIF(sum(s.spent), 0) AS spend_share_transport,
       sum(s.spent_fuel) / NULLIF(sum(s.spent), 0) AS spend_share_fuel,
       sum(s.spent_utilities) / NULLIF(sum(s.spent), 0) AS spend_share_utilities,
       sum(s.spent_telecom) / NULLIF(sum(s.spent), 0) AS spend_share_telecom,
       sum(s.spent_retail) / NULLIF(sum(s.spent), 0) AS spend_share_retail,
       sum(s.spent_electronics) / NULLIF(sum(s.spent), 0) AS spend_share_electronics,
       sum(s.spent_travel) / NULLIF(sum(s.spent), 0) AS spend_share_travel,
       sum(s.spent_health) / NULLIF(sum(s.spent), 0) AS spend_share_health,
       sum(s.spent_education) / NULLIF(sum(s.spent), 0) AS spend_share_education,
       sum(s.spent_entertainment) / NULLIF(sum(s.spent), 0) AS spend_share_entertainment,
       sum(s.spent_insurance) / NULLIF(sum(s.spent), 0) AS spend_share_insurance,
       sum(s.spent_cash) / NULLIF(sum(s.spent), 0) AS spend_share_cash
FROM account_spend s
JOIN holder h ON h.account_id = s.account_id
GROUP BY h.party_id
