-- group: service
-- owner: cases
-- features:
--   cases_365d: {unit: count, en: "Cases opened in the last 365 days", zh: "近365天開立個案數"}
--   complaints_365d: {unit: count, en: "Complaints in the last 365 days", zh: "近365天投訴數"}
--   open_cases: {unit: count, en: "Cases open at the cut-off", zh: "截止時未結個案數"}
SELECT party_id,
       sum(CASE WHEN opened_at >= {as_of} - INTERVAL 365 DAY THEN 1 ELSE 0 END) AS cases_365d,
       sum(CASE WHEN opened_at >= {as_of} - INTERVAL 365 DAY AND case_type = 'complaint' THEN 1 ELSE 0 END)
           AS complaints_365d,
       sum(CASE WHEN closed_at IS NULL OR closed_at >= {as_of} THEN 1 ELSE 0 END) AS open_cases
FROM cases
WHERE opened_at < {as_of}
GROUP BY party_id
