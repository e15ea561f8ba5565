-- child_cases_opened: child-related investigations (etl/sql/child_cases.sql, the record as now
-- known) opened on each day from $first_day to $last_day, per team type and area (grain:
-- opened_on, team_type, area). Narrowed by $team, $team_type, $officer_id when not NULL.
-- Parameters: $first_day, $last_day, $areas, $team, $team_type, $officer_id, child_cases'
-- settings. Reader: the child-related page's weekly chart (dashboard/data.py
-- new_child_cases_by_week): it keeps each calendar year, runs the years it lacks (one or two
-- at a time) and takes the 365 days to the as-of day from the as-of year and the one before.
SELECT opened_on, team_type, area, count(*) AS cases
FROM ({child_cases}) AS c
WHERE valid_to IS NULL AND len(child_reasons) > 0 AND list_contains($areas, area)
  AND opened_on BETWEEN $first_day AND $last_day
  AND ($team IS NULL OR team = $team) AND ($team_type IS NULL OR team_type = $team_type)
  AND ($officer_id IS NULL OR officer_id = $officer_id)
GROUP BY ALL
ORDER BY opened_on, team_type, area
