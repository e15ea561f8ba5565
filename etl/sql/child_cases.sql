-- child_cases: every version of every investigation (open or not; grain: investigation_id,
-- version, as case_history) with the reasons it is child-related, as a list in a fixed order.
-- The one definition of "child-related"; flag_spans.sql and the dashboard both read it, choosing
-- the version known on a day (etl/flags.py child_cases_sql). Parameters: $child_age_under,
-- $specialist_team_types.
SELECT
  c.*,
  list_filter([
    CASE WHEN c.incident_child_linked THEN 'child_marker' END,
    CASE WHEN c.incident_children_present > 0 THEN 'children_present' END,
    CASE WHEN c.victim_age < $child_age_under THEN 'child_victim' END,
    CASE WHEN c.suspect_age < $child_age_under THEN 'child_suspect' END,
    CASE WHEN list_contains($specialist_team_types, c.team_type) THEN 'specialist_team' END,
    CASE WHEN c.child_protection_concern THEN 'cp_concern' END
  ], lambda r: r IS NOT NULL) AS child_reasons
FROM case_history AS c
