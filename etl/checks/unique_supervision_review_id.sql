-- Fails when supervision.review_id is missing or not unique.
SELECT review_id, count(*) AS copies FROM supervision GROUP BY review_id HAVING count(*) > 1 OR review_id IS NULL
