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
),
families AS (
    -- each family a customer holds once: counting these rows counts distinct families without a
    -- distinct aggregate (which costs more than the rest of the group)
    SELECT party_id, family FROM held GROUP BY party_id, family
),
by_family AS (
    SELECT party_id,
           count(family) AS products_held,
           max(CASE WHEN family = 'current' THEN 1 ELSE 0 END) AS holds_current,
           max(CASE WHEN family = 'savings' THEN 1 ELSE 0 END) AS holds_savings,
           max(CASE WHEN family = 'time_deposit' THEN 1 ELSE 0 END) AS holds_time_deposit,
           max(CASE WHEN family = 'credit_card' THEN 1 ELSE 0 END) AS holds_credit_card,
           max(CASE WHEN family = 'mortgage' THEN 1 ELSE 0 END) AS holds_mortgage,
           max(CASE WHEN family = 'personal_loan' THEN 1 ELSE 0 END) AS holds_personal_loan,
           max(CASE WHEN family = 'wealth_fund' THEN 1 ELSE 0 END) AS holds_wealth_fund,
           max(CASE WHEN family = 'insurance' THEN 1 ELSE 0 END) AS holds_insurance
    FROM families
    GROUP BY party_id
),
arrears AS (
    -- the loans among the accounts held
    SELECT h.party_id,
           sum(CASE WHEN l.status IN ('in_arrears', 'defaulted') THEN 1 ELSE 0 END) AS loans_in_arrears,
           max(l.days_past_due) AS max_days_past_due
    FROM held h
    JOIN loans l ON l.account_id = h.account_id
    GROUP BY h.party_id
)
SELECT f.party_id, f.products_held, f.holds_current, f.holds_savings, f.holds_time_deposit, f.holds_credit_card,
       f.holds_mortgage, f.holds_personal_loan, f.holds_wealth_fund, f.holds_insurance,
       coalesce(a.loans_in_arrears, 0) AS loans_in_arrears,
       coalesce(a.max_days_past_due, 0) AS max_days_past_due
FROM by_family f
LEFT JOIN arrears a ON a.party_id = f.party_id
