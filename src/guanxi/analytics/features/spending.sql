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
WITH by_category AS (
    -- one sum per customer and category first (from the sums per account, account_category): the
    -- shares below then read a few rows per customer
    SELECT h.party_id, c.merchant_category, sum(c.spent) AS spent
    FROM account_category c
    JOIN holder h ON h.account_id = c.account_id
    GROUP BY h.party_id, c.merchant_category
)
SELECT party_id,
       sum(CASE WHEN merchant_category = 'groceries' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_groceries,
       sum(CASE WHEN merchant_category = 'restaurants' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_restaurants,
       sum(CASE WHEN merchant_category = 'transport' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_transport,
       sum(CASE WHEN merchant_category = 'fuel' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_fuel,
       sum(CASE WHEN merchant_category = 'utilities' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_utilities,
       sum(CASE WHEN merchant_category = 'telecom' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_telecom,
       sum(CASE WHEN merchant_category = 'retail' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_retail,
       sum(CASE WHEN merchant_category = 'electronics' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_electronics,
       sum(CASE WHEN merchant_category = 'travel' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_travel,
       sum(CASE WHEN merchant_category = 'health' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_health,
       sum(CASE WHEN merchant_category = 'education' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_education,
       sum(CASE WHEN merchant_category = 'entertainment' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_entertainment,
       sum(CASE WHEN merchant_category = 'insurance' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_insurance,
       sum(CASE WHEN merchant_category = 'cash' THEN spent ELSE 0 END) / NULLIF(sum(spent), 0) AS spend_share_cash
FROM by_category
GROUP BY party_id
