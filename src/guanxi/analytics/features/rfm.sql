-- group: rfm
-- owner: transactions
-- features:
--   txn_count_30d: {unit: count, en: "Transactions in the last 30 days", zh: "近30天交易筆數"}
--   txn_count_90d: {unit: count, en: "Transactions in the last 90 days", zh: "近90天交易筆數"}
--   txn_count_365d: {unit: count, en: "Transactions in the last 365 days", zh: "近365天交易筆數"}
--   spend_30d: {unit: base currency, en: "Money out in the last 30 days", zh: "近30天支出"}
--   spend_90d: {unit: base currency, en: "Money out in the last 90 days", zh: "近90天支出"}
--   spend_365d: {unit: base currency, en: "Money out in the last 365 days", zh: "近365天支出"}
--   inflow_90d: {unit: base currency, en: "Money in over the last 90 days", zh: "近90天收入"}
--   inflow_365d: {unit: base currency, en: "Money in over the last 365 days", zh: "近365天收入"}
--   days_since_last_txn: {unit: days, en: "Days since the last transaction", zh: "距上次交易天數"}
SELECT party_id,
       sum(CASE WHEN age_days < 30 THEN 1 ELSE 0 END) AS txn_count_30d,
       sum(CASE WHEN age_days < 90 THEN 1 ELSE 0 END) AS txn_count_90d,
       sum(CASE WHEN age_days < 365 THEN 1 ELSE 0 END) AS txn_count_365d,
       sum(CASE WHEN age_days < 30 AND direction = 'debit' THEN amount_base ELSE 0 END) AS spend_30d,
       sum(CASE WHEN age_days < 90 AND direction = 'debit' THEN amount_base ELSE 0 END) AS spend_90d,
       sum(CASE WHEN age_days < 365 AND direction = 'debit' THEN amount_base ELSE 0 END) AS spend_365d,
       sum(CASE WHEN age_days < 90 AND direction = 'credit' THEN amount_base ELSE 0 END) AS inflow_90d,
       sum(CASE WHEN age_days < 365 AND direction = 'credit' THEN amount_base ELSE 0 END) AS inflow_365d,
       min(age_days) AS days_since_last_txn
FROM my_txn
GROUP BY party_id
