-- last_supervisory_entry: per investigation in $areas (its record as known on $as_of), the
-- last entry dated on or before $as_of by one of $supervisor_ranks: who, rank, when and its
-- grade (grain: investigation_id). Ordered by the instant: wall-clock times repeat in the hour
-- summer time ends. Parameters: $as_of, $areas, $supervisor_ranks, $investigation_ids (only
-- these cases; NULL: every case). Reader: the Today list's "last supervisory entry" columns
-- (dashboard/data.py action_list, which asks for the flagged cases only).
-- Read from entry_readings (etl/sql/entry_readings.sql): each entry already paired with the
-- versions of its case that read it (etl/sql/entry_known_under.sql) and with its grade, so the
-- last entry is one pass over one table, its columns carried by arg_max. Of entries at one
-- instant, the greatest review_id.
WITH last AS (
  SELECT investigation_id, any_value(area) AS area,
         arg_max({'reviewer_id': reviewer_id, 'reviewer_rank': reviewer_rank,
                  'reviewed_at': reviewed_at, 'grade': grade},
                 (reviewed_at_utc, review_id)) AS entry
  FROM entry_readings
  WHERE reviewed_on <= $as_of
    AND valid_from <= $as_of AND (valid_to IS NULL OR valid_to > $as_of)
    AND list_contains($areas, area)
    AND list_contains($supervisor_ranks, reviewer_rank)
    AND ($investigation_ids IS NULL
         OR investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
  GROUP BY investigation_id
)
SELECT investigation_id, area, entry.reviewer_id AS last_reviewer,
       entry.reviewer_rank AS last_rank, entry.reviewed_at AS last_at, entry.grade AS last_grade
FROM last
