-- Fails when incidents.incident_id is missing or not unique.
SELECT incident_id, count(*) AS copies FROM incidents GROUP BY incident_id HAVING count(*) > 1 OR incident_id IS NULL
