-- audit_candidates: child-related investigations in $areas active between $first and $last
-- (opened by $last, not closed before $first), each as known on $last (the end of the month
-- drawn from): the pool a month's case audits are drawn from (grain: investigation_id).
-- Parameters: $first, $last, $areas, child_cases' settings. Reader: dashboard/audits/sampling.py
-- (through dashboard/data.py audit_candidates).
SELECT investigation_id, area, team, team_type, officer_id, offence, incident_type,
       child_reasons, opened_on, closed_on
FROM ({child_cases}) AS c
WHERE valid_from <= $last AND (valid_to IS NULL OR valid_to > $last)
  AND len(child_reasons) > 0 AND list_contains($areas, area)
  AND opened_on <= $last AND (closed_on IS NULL OR closed_on >= $first)
ORDER BY area, investigation_id
