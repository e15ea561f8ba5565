-- last_supervisory_entry: per investigation in $areas (its record as known on $as_of), the
-- last entry dated on or before $as_of by one of $supervisor_ranks: who, rank, when and its
-- grade (grain: investigation_id). Ordered by the instant: wall-clock times repeat in the hour
-- summer time ends. Parameters: $as_of, $areas, $supervisor_ranks, $investigation_ids (only
-- these cases; NULL: every case). Reader: the Today list's "last supervisory entry" columns
-- (dashboard/data.py action_list, which asks for the flagged cases only).
-- The last entry is chosen from supervision alone, then joined to its assessment. Of entries
-- at one instant, the greatest review_id.
WITH last AS (
  SELECT s.investigation_id, any_value(h.area) AS area,
         arg_max(s.review_id, (s.reviewed_at_utc, s.review_id)) AS review_id
  FROM supervision AS s
  -- The versions themselves, not case_history: only the area is needed, not the incident.
  JOIN investigation_versions AS h
    ON h.investigation_id = s.investigation_id
   AND h.valid_from <= $as_of AND (h.valid_to IS NULL OR h.valid_to > $as_of)
  WHERE CAST(s.reviewed_at AS DATE) <= $as_of
    AND list_contains($supervisor_ranks, s.reviewer_rank)
    AND ($investigation_ids IS NULL
         OR s.investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
    AND list_contains($areas, h.area)
  GROUP BY s.investigation_id
)
-- review_facts' grade read from its own table (etl/sql/marts/review_facts.sql): through the
-- view, DuckDB joins every entry of the history to its assessment before it keeps these.
SELECT l.investigation_id, l.area, s.reviewer_id AS last_reviewer,
       s.reviewer_rank AS last_rank, s.reviewed_at AS last_at, a.grade AS last_grade
FROM last AS l
JOIN supervision AS s USING (review_id)
LEFT JOIN entry_assessment AS a USING (review_id)
