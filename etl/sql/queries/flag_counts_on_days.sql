-- flag_counts_on_days: how many cases carry each flag on each of $as_of_days, per area (grain:
-- as_of, flag, area), read from flag_spans as flags_on_day.sql reads a day's rows, and
-- narrowed by $team, $team_type and $officer_id when they are not NULL. Today's cards count a
-- day and the day before this way: a first visit to a day then costs a count over the spans,
-- not the day's rows fetched and counted. The same numbers as counting flags_on_day.sql's rows
-- (tests/test_dashboard_data.py); only for days the load materialised with these settings
-- (etl/daily.py covers; dashboard/data.py counts flags.sql's rows on other days).
-- Parameters: $as_of_days, $areas, $team, $team_type, $officer_id. Readers: dashboard/data.py
-- flag_counts (Today's cards).
SELECT CAST(d.day AS DATE) AS as_of, f.flag, f.area, count(*) AS cases
FROM (SELECT unnest(CAST($as_of_days AS DATE[])) AS day) AS d
JOIN flag_spans AS f ON f.first_day <= d.day AND f.last_day >= d.day
WHERE list_contains($areas, f.area)
  AND ($team IS NULL OR f.team = $team)
  AND ($team_type IS NULL OR f.team_type = $team_type)
  AND ($officer_id IS NULL OR f.officer_id = $officer_id)
GROUP BY ALL
