-- Fails when investigations.investigation_id is missing or not unique.
SELECT investigation_id, count(*) AS copies FROM investigations GROUP BY investigation_id HAVING count(*) > 1 OR investigation_id IS NULL
