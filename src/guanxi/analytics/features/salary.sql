-- group: salary
-- owner: transactions
-- features:
--   salary_months_6m: {unit: months, en: "Months with a salary credit, of the last 6", zh: "近6個月有薪金入帳的月數"}
--   salary_detected: {unit: flag, en: "Regular salary detected (4 of the last 6 months)", zh: "偵測到固定薪金（近6個月中4個月）"}
--   salary_avg_3m: {unit: base currency, en: "Average monthly salary, last 3 months", zh: "近3個月平均月薪"}
--   salary_change: {unit: share, en: "Salary change, last 3 months against the 3 before", zh: "近3個月薪金相對前3個月的變化"}
WITH monthly AS (
    -- a month counts when it has a salary credit within 200 days (party_month: per customer and month)
    SELECT party_id, months_ago, salary
    FROM party_month
    WHERE salary_n > 0
)
SELECT party_id,
       sum(CASE WHEN months_ago BETWEEN 1 AND 6 THEN 1 ELSE 0 END) AS salary_months_6m,
       CASE WHEN sum(CASE WHEN months_ago BETWEEN 1 AND 6 THEN 1 ELSE 0 END) >= 4 THEN 1 ELSE 0 END AS salary_detected,
       sum(CASE WHEN months_ago BETWEEN 1 AND 3 THEN salary ELSE 0 END) / 3.0 AS salary_avg_3m,
       CASE WHEN sum(CASE WHEN months_ago BETWEEN 4 AND 6 THEN salary ELSE 0 END) > 0
            THEN sum(CASE WHEN months_ago BETWEEN 1 AND 3 THEN salary ELSE 0 END)
                 / NULLIF(sum(CASE WHEN months_ago BETWEEN 4 AND 6 THEN salary ELSE 0 END), 0) - 1 END AS salary_change
FROM monthly
GROUP BY party_id
