-- last_entry_on_day: last_supervisory_entry.sql's rows for the one day $as_of and the cases
-- open on it, read from last_entry_spans (last_entry_spans.sql run at load time:
-- etl/last_entries.py), so a first visit to a day costs a range of that table, not a pass over
-- every entry before the day. The same columns; only where the table was made with the
-- running settings (etl/last_entries.py decides, else last_supervisory_entry.sql runs).
-- Grain: investigation_id. Parameters: $as_of, $areas, $investigation_ids (only these cases;
-- NULL: every case). Reader: the Today list (dashboard/data.py action_list, which asks for
-- the day's flagged cases, open on it).
SELECT investigation_id, area, reviewer_id AS last_reviewer, reviewer_rank AS last_rank,
       reviewed_at AS last_at, grade AS last_grade
FROM last_entry_spans
WHERE from_day <= $as_of AND to_day >= $as_of AND list_contains($areas, area)
  AND ($investigation_ids IS NULL
       OR investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
