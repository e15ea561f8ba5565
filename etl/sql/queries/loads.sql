-- loads: every file of every load, newest load first (grain: load_id, file), with its row
-- accounting. Not area data: no $areas. Parameters: none. Reader: the Data quality page
-- (dashboard/data.py last_loads).
SELECT load_id, finished_at, source, file, encoding, rows_read, loaded, duplicates,
       quarantined, inserted, updated, unchanged
FROM load_log
ORDER BY load_id DESC, file
