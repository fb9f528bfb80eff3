-- group: holdings
-- owner: accounts
-- features:
--   products_held: {unit: count, en: "Products held", zh: "持有產品數"}
--   holds_current: {unit: flag, en: "Holds a current account", zh: "持有往來帳戶"}
--   holds_savings: {unit: flag, en: "Holds savings", zh: "持有儲蓄"}
--   holds_time_deposit: {unit: flag, en: "Holds a time deposit", zh: "持有定期存款"}
--   holds_credit_card: {unit: flag, en: "Holds a credit card", zh: "持有信用卡"}
--   holds_mortgage: {unit: flag, en: "Holds a mortgage", zh: "持有按揭"}
--   holds_personal_loan: {unit: flag, en: "Holds a personal loan", zh: "持有私人貸款"}
--   holds_wealth_fund: {unit: flag, en: "Holds a wealth fund", zh: "持有理財基金"}
--   holds_insurance: {unit: flag, en: "Holds insurance", zh: "持有保險"}
--   loans_in_arrears: {unit: count, en: "Loans in arrears or defaulted", zh: "逾期或違約貸款數"}
--   max_days_past_due: {unit: days, en: "Most days past due on any loan", zh: "貸款最長逾期天數"}
WITH held AS (
    -- accounts open at the cut-off
    SELECT DISTINCT r.party_id, a.id AS account_id, p.family
    FROM account_roles r
    JOIN accounts a ON a.id = r.account_id
    JOIN products p ON p.id = a.product_id
    WHERE r.role IN ('owner', 'joint')
      AND a.opened_on < CAST({as_of} AS DATE)
      AND (a.closed_on IS NULL OR a.closed_on >= CAST({as_of} AS DATE))
)
SELECT h.party_id,
       count(DISTINCT h.family) AS products_held,
       max(CASE WHEN h.family = 'current' THEN 1 ELSE 0 END) AS holds_current,
       max(CASE WHEN h.family = 'savings' THEN 1 ELSE 0 END) AS holds_savings,
       max(CASE WHEN h.family = 'time_deposit' THEN 1 ELSE 0 END) AS holds_time_deposit,
       max(CASE WHEN h.family = 'credit_card' THEN 1 ELSE 0 END) AS holds_credit_card,
       max(CASE WHEN h.family = 'mortgage' THEN 1 ELSE 0 END) AS holds_mortgage,
       max(CASE WHEN h.family = 'personal_loan' THEN 1 ELSE 0 END) AS holds_personal_loan,
       max(CASE WHEN h.family = 'wealth_fund' THEN 1 ELSE 0 END) AS holds_wealth_fund,
       max(CASE WHEN h.family = 'insurance' THEN 1 ELSE 0 END) AS holds_insurance,
       sum(CASE WHEN l.status IN ('in_arrears', 'defaulted') THEN 1 ELSE 0 END) AS loans_in_arrears,
       coalesce(max(l.days_past_due), 0) AS max_days_past_due
FROM held h
LEFT JOIN loans l ON l.account_id = h.account_id
GROUP BY h.party_id
