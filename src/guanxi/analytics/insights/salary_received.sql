-- salary_received: salary credited in the window to an account with a regular salary, as
-- features/salary.sql detects it: salary credits in at least {salary_min_months} of the
-- {salary_months} calendar months before the cut-off's month. One insight per account and day
-- (a year-end bonus paid with the salary is part of it).
WITH salary AS (
    SELECT account_id, booked_at, source_key, amount, currency, counterparty,
           (year(CAST({as_of} AS DATE)) * 12 + month(CAST({as_of} AS DATE)))
               - (year(CAST(booked_at AS DATE)) * 12 + month(CAST(booked_at AS DATE))) AS months_ago
    FROM txn
    WHERE direction = 'credit' AND txn_type = 'salary'
),
regular AS (
    SELECT account_id, count(DISTINCT months_ago) AS months_paid
    FROM salary
    WHERE months_ago BETWEEN 1 AND {salary_months}
    GROUP BY account_id
    HAVING count(DISTINCT months_ago) >= {salary_min_months}
),
paid AS (
    SELECT s.account_id, CAST(s.booked_at AS DATE) AS occurred_on, s.currency, sum(s.amount) AS amount,
           any_value(r.months_paid) AS months_paid,
           list(DISTINCT s.counterparty) FILTER (WHERE s.counterparty IS NOT NULL) AS payers,
           list(s.source_key ORDER BY s.booked_at, s.source_key) AS refs
    FROM salary s
    JOIN regular r USING (account_id)
    WHERE s.booked_at >= {since}
    GROUP BY s.account_id, CAST(s.booked_at AS DATE), s.currency
)
SELECT h.party_id, p.account_id, p.occurred_on, p.amount, p.currency,
       json_object('payers', p.payers, 'references', p.refs, 'months_paid', p.months_paid) AS details
FROM paid p
JOIN holders h USING (account_id)
