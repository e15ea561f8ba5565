-- newest_load: when the newest load finished (grain: one row; NULL before any load). Not area
-- data: no $areas. Parameters: none. Reader: the stale-data banner (dashboard/data.py).
SELECT max(finished_at) AS at FROM load_log
