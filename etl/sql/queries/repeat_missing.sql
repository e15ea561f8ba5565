-- repeat_missing: children (person_ref) reported missing $repeat_missing_episodes or more times
-- in the $repeat_missing_days days to $as_of (reported on a day after $as_of minus
-- $repeat_missing_days, up to $as_of), in the areas asked for: the pattern a missing-from-home
-- co-ordinator looks for. area: the area of the child's latest episode; episodes: how many;
-- absent_episodes: how many recorded "absent"; still_missing: whether the latest has no
-- return by the end of $as_of.
-- Grain: person_ref. Parameters: $as_of, $areas, $timezone, $child_age_under,
-- $repeat_missing_episodes, $repeat_missing_days. Readers: dashboard/checks.py (the missing
-- page, the PVP pack).
WITH day_end AS (
  SELECT timezone('UTC', timezone($timezone, CAST(CAST($as_of AS DATE) + 1 AS TIMESTAMP)))
           AS at_utc
)
SELECT m.person_ref, arg_max(m.area, m.reported_at_utc) AS area, count(*) AS episodes,
       min(m.reported_at) AS first_reported_at, max(m.reported_at) AS last_reported_at,
       count(*) FILTER (WHERE m.risk_category = 'absent') AS absent_episodes,
       arg_max(m.returned_at_utc IS NULL OR m.returned_at_utc >= e.at_utc, m.reported_at_utc)
         AS still_missing
FROM missing AS m, day_end AS e
WHERE list_contains($areas, m.area) AND m.reported_at_utc < e.at_utc
  AND CAST(m.reported_at AS DATE) > CAST($as_of AS DATE) - $repeat_missing_days
  AND (m.child_age IS NULL OR m.child_age < $child_age_under)
GROUP BY m.person_ref
HAVING count(*) >= $repeat_missing_episodes
ORDER BY episodes DESC, last_reported_at DESC, person_ref
