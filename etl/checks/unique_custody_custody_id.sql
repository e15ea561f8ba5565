-- Fails when custody.custody_id is missing or not unique.
SELECT custody_id, count(*) AS copies FROM custody GROUP BY custody_id HAVING count(*) > 1 OR custody_id IS NULL
