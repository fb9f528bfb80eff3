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
       -- sums per customer and month (party_month), added up over the months
       sum(n_30d) AS txn_count_30d,
       sum(n_90d) AS txn_count_90d,
       sum(n_365d) AS txn_count_365d,
       sum(out_30d) AS spend_30d,
       sum(out_90d) AS spend_90d,
       sum(out_365d) AS spend_365d,
       sum(in_90d) AS inflow_90d,
       sum(in_365d) AS inflow_365d,
       -- the youngest transaction's age: the age of the latest one
       date_diff('day', CAST(max(last_at) AS DATE), CAST({as_of} AS DATE)) AS days_since_last_txn
FROM party_month
GROUP BY party_id
