-- case_record: one investigation as now known (its latest version) joined with its incident,
-- with its child_reasons (etl/sql/child_cases.sql); no row when it is not in $areas, so a case
-- outside the scope answers like one that does not exist (grain: investigation_id).
-- Parameters: $investigation_id, $areas, and child_cases' settings. Reader: the case page and
-- case audits (dashboard/data.py case_record).
SELECT * EXCLUDE (version, valid_from, valid_to)
FROM ({child_cases}) AS child_cases
WHERE valid_to IS NULL AND investigation_id = $investigation_id AND list_contains($areas, area)
