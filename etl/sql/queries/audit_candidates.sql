-- audit_candidates: child-related investigations in $areas active between $first and $last
-- (opened by $last, not closed before $first), each as known on $last (the end of the month
-- drawn from): the pool a month's case audits are drawn from (grain: investigation_id).
-- detained_in_month: a child (under $child_age_under, or of unknown age) detained on the case
-- from $first to $last (custody.csv); custody_loaded: whether any load brought custody records
-- (the custody category falls back to offence words without them).
-- Parameters: $first, $last, $areas, $child_age_under, child_cases' settings. Reader:
-- dashboard/audits/sampling.py (through dashboard/data.py audit_candidates).
SELECT investigation_id, area, team, team_type, officer_id, offence, incident_type,
       child_reasons, opened_on, closed_on,
       EXISTS (SELECT 1 FROM custody AS k
               WHERE k.investigation_id = c.investigation_id
                 AND CAST(k.detained_at AS DATE) BETWEEN $first AND $last
                 AND (k.child_age IS NULL OR k.child_age < $child_age_under))
         AS detained_in_month,
       EXISTS (SELECT 1 FROM custody) AS custody_loaded
FROM ({child_cases}) AS c
WHERE valid_from <= $last AND (valid_to IS NULL OR valid_to > $last)
  AND len(child_reasons) > 0 AND list_contains($areas, area)
  AND opened_on <= $last AND (closed_on IS NULL OR closed_on >= $first)
ORDER BY area, investigation_id
