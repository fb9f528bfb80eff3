-- group: profile
-- owner: parties
-- features:
--   tenure_days: {unit: days, en: "Days as a customer", zh: "成為客戶的天數"}
--   age: {unit: years, en: "Age (from the birth year)", zh: "年齡（按出生年份）"}
--   income_band_rank: {unit: rank 0-6, en: "Income band (0 none … 6 very high)", zh: "收入級別（0 無 … 6 非常高）"}
--   risk_tolerance: {unit: 1-5, en: "Stated risk tolerance", zh: "申報的風險承受能力"}
--   is_closed: {unit: flag, en: "Relationship closed by the cut-off", zh: "截止時已結束關係"}
SELECT id AS party_id,
       date_diff('day', customer_since, CAST({as_of} AS DATE)) AS tenure_days,
       CASE WHEN birth_year IS NOT NULL THEN year(CAST({as_of} AS DATE)) - birth_year END AS age,
       CASE income_band WHEN 'none' THEN 0 WHEN 'low' THEN 1 WHEN 'lower_middle' THEN 2 WHEN 'middle' THEN 3
            WHEN 'upper_middle' THEN 4 WHEN 'high' THEN 5 WHEN 'very_high' THEN 6 END AS income_band_rank,
       risk_tolerance,
       CASE WHEN closed_on < CAST({as_of} AS DATE) OR (status = 'closed' AND closed_on IS NULL) THEN 1 ELSE 0 END
           AS is_closed
FROM parties
