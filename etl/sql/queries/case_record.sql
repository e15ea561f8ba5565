-- case_record: one investigation as now known (its latest version) joined with its incident,
-- with its child_reasons (etl/sql/child_cases.sql) and the optional columns of the extract
-- (issue 17: suspect status, bail, CAWN, online, allocation, plan; empty when absent); no row
-- when it is not in $areas, so a case outside the scope answers like one that does not exist
-- (grain: investigation_id).
-- Parameters: $investigation_id, $areas, and child_cases' settings. Reader: the case page and
-- case audits (dashboard/data.py case_record).
SELECT c.* EXCLUDE (version, valid_from, valid_to),
       v.suspect_status, v.bail_until, v.cawn_issued, v.online, v.allocated_at,
       v.plan_recorded_at
FROM ({child_cases}) AS c
JOIN investigation_versions AS v USING (investigation_id, version)
WHERE c.valid_to IS NULL AND c.investigation_id = $investigation_id
  AND list_contains($areas, c.area)
