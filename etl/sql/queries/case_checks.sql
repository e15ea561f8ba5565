-- case_checks: the inspection's findings on a case's own record (issue 17), one row per (as-of
-- day, open child-related investigation, failing check) on each day of $as_of_days: the runs
-- of check_spans.sql (the rule, and what each check means), one row per day. The runs are read
-- from the table check_spans when $materialised, which the reader sets when the load made it
-- for days up to the last asked with these settings (etl/check_days.py covers); else worked out
-- for $first_day..$last_day, which must hold every day asked (from the load's child_related
-- spans when $from_spans, else from child_cases). Today's cards ask a day and the day before in
-- one run. tests/test_checks.py checks the ways give the same rows, edge by edge.
-- Grain: as_of, investigation_id, check_name. Parameters: $as_of_days, $areas, $materialised,
-- $first_day, $last_day, $from_spans, $timezone and check_spans.sql's settings.
-- Readers: dashboard/data.py (Today, the case page, the PVP pack).
WITH days AS (
  SELECT as_of, timezone('UTC', timezone($timezone, CAST(as_of + 1 AS TIMESTAMP))) AS at_utc
  FROM (SELECT unnest(CAST($as_of_days AS DATE[])) AS as_of)
),
spans AS (
  SELECT investigation_id, check_name, reasons, area, team, team_type, officer_id, opened_on,
         days_from, days_down, opened_at_utc, due_on, first_day, last_day
  FROM check_spans
  WHERE $materialised AND list_contains($areas, area)
  UNION ALL
  SELECT investigation_id, check_name, reasons, area, team, team_type, officer_id, opened_on,
         days_from, days_down, opened_at_utc, due_on, first_day, last_day
  FROM ({check_spans})
  WHERE NOT $materialised
)
SELECT d.as_of, s.investigation_id, s.check_name, s.area, s.team, s.team_type, s.officer_id,
       CASE WHEN s.days_down THEN date_diff('day', d.as_of, s.days_from)
            ELSE date_diff('day', s.days_from, d.as_of) END AS days,
       date_diff('minute', s.opened_at_utc, d.at_utc) // 60 AS hours,
       s.due_on, s.reasons, s.opened_on
FROM spans AS s JOIN days AS d ON s.first_day <= d.as_of AND s.last_day >= d.as_of
ORDER BY d.as_of, s.check_name, days DESC, s.investigation_id
