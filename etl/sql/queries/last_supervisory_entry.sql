-- last_supervisory_entry: per investigation in $areas (its record as known on $as_of), the
-- last entry dated on or before $as_of by one of $supervisor_ranks: who, rank, when and its
-- grade (grain: investigation_id). Ordered by the instant: wall-clock times repeat in the hour
-- summer time ends. Parameters: $as_of, $areas, $supervisor_ranks, $investigation_ids (only
-- these cases; NULL: every case). Reader: the Today list's "last supervisory entry" columns
-- (dashboard/data.py action_list, which asks for the flagged cases only).
-- The last entry is chosen in one pass over entry_assessment, which holds each entry's own
-- columns beside its grade (no join to supervision), for the asked cases' versions only. Of
-- entries at one instant, the greatest review_id.
WITH wanted AS (
  -- The versions themselves, not case_history: only the area is needed, not the incident.
  SELECT investigation_id, area FROM investigation_versions
  WHERE valid_from <= $as_of AND (valid_to IS NULL OR valid_to > $as_of)
    AND list_contains($areas, area)
    AND ($investigation_ids IS NULL
         OR investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
),
last AS (
  SELECT a.investigation_id, any_value(w.area) AS area,
         arg_max({'reviewer_id': a.reviewer_id, 'reviewer_rank': a.reviewer_rank,
                  'reviewed_at': a.reviewed_at, 'grade': a.grade},
                 (a.reviewed_at_utc, a.review_id)) AS entry
  FROM entry_assessment AS a JOIN wanted AS w USING (investigation_id)
  WHERE a.reviewed_on <= $as_of AND list_contains($supervisor_ranks, a.reviewer_rank)
  GROUP BY a.investigation_id
)
SELECT investigation_id, area, entry.reviewer_id AS last_reviewer,
       entry.reviewer_rank AS last_rank, entry.reviewed_at AS last_at, entry.grade AS last_grade
FROM last
