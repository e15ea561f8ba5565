-- monthly_new_child_cases: child-related investigations opened from $start to $end, each as
-- known at the end of the month it opened in (a later move does not change it), per month,
-- area and team type (grain: month, area, team_type): how many, and of the response ones
-- ($response_team_types) how many had an entry by $supervisor_ranks within each of
-- $response_entry_within_days (1 and 7) days of opening and by the month's end (entries after it are not known at month end; entries
-- after the close never count). Parameters: $start, $end, $areas, $response_team_types,
-- $supervisor_ranks, $response_entry_within_days, child_cases' settings. Reader: the PVP page
-- and pack (new child cases, response cases supervised within the two spans; shares in
-- dashboard/measures.py).
WITH first_entry AS (
  SELECT r.investigation_id, min(r.reviewed_on) AS first_on
  FROM review_facts AS r JOIN case_facts AS k USING (investigation_id)
  WHERE list_contains($supervisor_ranks, r.reviewer_rank)
    AND (k.closed_at_utc IS NULL OR r.reviewed_at_utc <= k.closed_at_utc)
  GROUP BY ALL
),
opened AS (
  SELECT c.*, list_contains($response_team_types, c.team_type) AS is_response
  FROM ({child_cases}) AS c
  WHERE c.valid_from <= last_day(c.opened_on)
    AND (c.valid_to IS NULL OR c.valid_to > last_day(c.opened_on))
    AND len(c.child_reasons) > 0 AND list_contains($areas, c.area)
    AND c.opened_on BETWEEN $start AND $end
)
SELECT CAST(date_trunc('month', o.opened_on) AS DATE) AS month, o.area, o.team_type,
       count(*) AS new_child_related,
       count(*) FILTER (WHERE o.is_response) AS new_response_child,
       count(*) FILTER (WHERE o.is_response
                          AND f.first_on <= least(o.opened_on + $response_entry_within_days[1],
                                                  last_day(o.opened_on)))
         AS response_within_first,
       count(*) FILTER (WHERE o.is_response
                          AND f.first_on <= least(o.opened_on + $response_entry_within_days[2],
                                                  last_day(o.opened_on)))
         AS response_within_second
FROM opened AS o LEFT JOIN first_entry AS f USING (investigation_id)
GROUP BY ALL
ORDER BY month, area, team_type
