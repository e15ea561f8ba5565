-- last_supervisory_entry: per investigation in $areas (its record as known on $as_of), the
-- last entry dated on or before $as_of by one of $supervisor_ranks: who, rank, when and its
-- grade (grain: investigation_id). Ordered by the instant: wall-clock times repeat in the hour
-- summer time ends. Parameters: $as_of, $areas, $supervisor_ranks, $investigation_ids (only
-- these cases; NULL: every case). Reader: the Today list's "last supervisory entry" columns
-- (dashboard/data.py action_list, which asks for the flagged cases only).
SELECT r.investigation_id, any_value(h.area) AS area,
       arg_max(r.reviewer_id, r.reviewed_at_utc) AS last_reviewer,
       arg_max(r.reviewer_rank, r.reviewed_at_utc) AS last_rank,
       arg_max(r.reviewed_at, r.reviewed_at_utc) AS last_at,
       arg_max(r.grade, r.reviewed_at_utc) AS last_grade
FROM review_facts AS r
-- The versions themselves, not case_history: only the area is needed, not the incident.
JOIN investigation_versions AS h
  ON h.investigation_id = r.investigation_id
 AND h.valid_from <= $as_of AND (h.valid_to IS NULL OR h.valid_to > $as_of)
WHERE r.reviewed_on <= $as_of AND list_contains($supervisor_ranks, r.reviewer_rank)
  AND ($investigation_ids IS NULL
       OR r.investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
  AND list_contains($areas, h.area)
GROUP BY r.investigation_id
