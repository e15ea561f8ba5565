-- weekly_new_child_cases: child-related investigations (etl/sql/child_cases.sql, the record
-- as now known) opened in the 365 days to $as_of, per week (Monday), team type and area
-- (grain: week, team_type, area). Narrowed by $team, $team_type, $officer_id when not NULL.
-- Parameters: $as_of, $areas, $team, $team_type, $officer_id, child_cases' settings.
-- Reader: the child-related page's weekly chart (dashboard/data.py new_child_cases_by_week).
SELECT date_trunc('week', opened_on) AS week, team_type, area, count(*) AS cases
FROM ({child_cases}) AS c
WHERE valid_to IS NULL AND len(child_reasons) > 0 AND list_contains($areas, area)
  AND opened_on > $as_of - INTERVAL 365 DAY AND opened_on <= $as_of
  AND ($team IS NULL OR team = $team) AND ($team_type IS NULL OR team_type = $team_type)
  AND ($officer_id IS NULL OR officer_id = $officer_id)
GROUP BY ALL
ORDER BY week, team_type, area
