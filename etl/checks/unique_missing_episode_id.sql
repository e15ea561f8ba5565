-- Fails when missing.episode_id is missing or not unique.
SELECT episode_id, count(*) AS copies FROM missing GROUP BY episode_id HAVING count(*) > 1 OR episode_id IS NULL
