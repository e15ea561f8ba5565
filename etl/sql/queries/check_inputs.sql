-- check_inputs: for each file name in the load log, the newest load that brought it and the
-- optional columns that load's file lacked (grain: file). Which checks are on follows from it
-- (dashboard/data.py checks_off): an optional file never loaded, or a column the newest
-- extract lacked, turns its checks off. Not area data: no $areas. Parameters: none. Reader:
-- dashboard/data.py (Today, the theme pages, Data quality).
SELECT file, max(load_id) AS load_id,
       arg_max(missing_optional_columns, load_id) AS missing_columns
FROM load_log
GROUP BY file
ORDER BY file
