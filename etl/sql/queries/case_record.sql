-- case_record: one investigation as now known (its latest version) joined with its incident,
-- with its child_reasons (etl/sql/child_cases.sql) and the optional columns of the extract
-- (issue 17: suspect status, bail, CAWN, online, allocation, plan; empty when absent). When the
-- latest version is outside $areas, the version valid on $as_of (when given) if that one is in
-- them: an area the case has left reads it as it was on a day it held it, never as it is now.
-- `latest_version` says which. No row when neither is in $areas, so a case outside the scope
-- answers like one that does not exist (grain: investigation_id).
-- With $known_on, the version known that day only (a case audit keeps the record as of its
-- sampled day, not as a later extract changed it).
-- Parameters: $investigation_id, $areas, $as_of (NULL: the latest version only), $known_on, and
-- child_cases' settings. Readers: the case page and case audits (dashboard/data.py
-- case_record).
SELECT c.* EXCLUDE (version, valid_from, valid_to), c.valid_to IS NULL AS latest_version,
       v.suspect_status, v.bail_until, v.cawn_issued, v.online, v.allocated_at,
       v.plan_recorded_at
FROM ({child_cases}) AS c
JOIN investigation_versions AS v USING (investigation_id, version)
WHERE c.investigation_id = $investigation_id AND list_contains($areas, c.area)
  AND CASE WHEN $known_on IS NOT NULL
           THEN c.valid_from <= CAST($known_on AS DATE)
                AND (c.valid_to IS NULL OR c.valid_to > CAST($known_on AS DATE))
           ELSE c.valid_to IS NULL
                OR (c.valid_from <= CAST($as_of AS DATE) AND c.valid_to > CAST($as_of AS DATE))
      END
ORDER BY c.valid_to IS NULL DESC
LIMIT 1
