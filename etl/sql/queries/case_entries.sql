-- case_entries: one row per entry on an investigation's log (grain: review_id), dated on or
-- before $as_of (and after $since, when it is not NULL), on investigations in $areas (all of
-- them, or only $investigation_id when it is not NULL), with the record as known on $as_of and
-- the entry's assessment, in the log's order (case by case, by instant). The rows and their
-- `does_not_count` are etl/sql/entries_known_on.sql's. Readers: `python -m etl entries`, the
-- case page, case audits (dashboard/data.py).
SELECT * EXCLUDE (reviewed_at_utc)
FROM ({entries_known_on})
ORDER BY investigation_id, reviewed_at_utc
