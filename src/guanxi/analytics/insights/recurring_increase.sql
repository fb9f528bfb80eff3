-- recurring_increase: a payment to a payee paid about monthly ({gap_min}-{gap_max} days apart) at
-- least {recurring_min_prior} times before at a steady price (within {recurring_stable_pct} %),
-- now at least {recurring_min_rise_pct} % dearer than the payment before.
WITH series AS (
    SELECT account_id, payee, booked_at, source_key, amount, currency,
           lag(booked_at, 1) OVER w AS at1, lag(booked_at, 2) OVER w AS at2, lag(booked_at, 3) OVER w AS at3,
           lag(amount, 1) OVER w AS a1, lag(amount, 2) OVER w AS a2, lag(amount, 3) OVER w AS a3,
           lag(source_key, 1) OVER w AS k1
    FROM debit_txn
    WINDOW w AS (PARTITION BY account_id, payee ORDER BY booked_at, source_key)
)
SELECT h.party_id, s.account_id, CAST(s.booked_at AS DATE) AS occurred_on, s.amount, s.currency,
       json_object(
           'payee', s.payee,
           'reference', s.source_key,
           'previous_reference', s.k1,
           'previous_amount', CAST(s.a1 AS VARCHAR),
           'increase_pct', round((CAST(s.amount AS DOUBLE) / CAST(s.a1 AS DOUBLE) - 1) * 100, 1)
       ) AS details
FROM series s
JOIN holders h USING (account_id)
WHERE s.booked_at >= {since} AND s.at3 IS NOT NULL
  AND date_diff('day', s.at1, s.booked_at) BETWEEN {gap_min} AND {gap_max}
  AND date_diff('day', s.at2, s.at1) BETWEEN {gap_min} AND {gap_max}
  AND date_diff('day', s.at3, s.at2) BETWEEN {gap_min} AND {gap_max}
  AND CAST(greatest(s.a1, s.a2, s.a3) AS DOUBLE) <= CAST(least(s.a1, s.a2, s.a3) AS DOUBLE) * (1 + {recurring_stable})
  AND CAST(s.amount AS DOUBLE) >= CAST(s.a1 AS DOUBLE) * (1 + {recurring_min_rise})
