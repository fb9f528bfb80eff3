-- group: digital
-- owner: digital_events
-- features:
--   logins_30d: {unit: count, en: "App and web log-ins in the last 30 days", zh: "近30天應用程式及網頁登入次數"}
--   sessions_90d: {unit: count, en: "App and web sessions in the last 90 days", zh: "近90天應用程式及網頁訪問次數"}
--   product_views_90d: {unit: count, en: "Product pages viewed in the last 90 days", zh: "近90天瀏覽產品頁次數"}
--   days_since_last_login: {unit: days, en: "Days since the last log-in", zh: "距上次登入天數"}
SELECT party_id,
       -- windows compare timestamps with the cut-off (age in days < 30 is occurred_at >= cut-off - 29
       -- days); the last log-in's age is the youngest log-in's age
       sum(CASE WHEN event_type = 'login' AND occurred_at >= {as_of} - INTERVAL 29 DAY THEN 1 ELSE 0 END) AS logins_30d,
       sum(CASE WHEN event_type = 'session_start' AND occurred_at >= {as_of} - INTERVAL 89 DAY THEN 1 ELSE 0 END)
           AS sessions_90d,
       sum(CASE WHEN event_type = 'product_view' AND occurred_at >= {as_of} - INTERVAL 89 DAY THEN 1 ELSE 0 END)
           AS product_views_90d,
       date_diff('day', CAST(max(CASE WHEN event_type = 'login' THEN occurred_at END) AS DATE), CAST({as_of} AS DATE))
           AS days_since_last_login
FROM digital_events
WHERE occurred_at < {as_of} AND occurred_at >= {as_of} - INTERVAL 400 DAY
GROUP BY party_id
