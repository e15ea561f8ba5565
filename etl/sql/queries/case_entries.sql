-- case_entries: one row per entry on an investigation's log (grain: review_id), dated on or
-- before $as_of (and after $since, when it is not NULL), on investigations in $areas (all of
-- them, or only $investigation_id when it is not NULL), with the record as known on $as_of and
-- the entry's assessment, in the log's order (case by case, by instant). The rows and their
-- `does_not_count` are etl/sql/entries_known_on.sql's; the text and template columns are the
-- entry's own (supervision). Readers: `python -m etl entries`, the
-- case page, case audits (dashboard/data.py).
SELECT e.review_id, e.investigation_id, s.reviewed_at, e.reviewed_on, e.reviewer_id,
       e.reviewer_rank, s.review_type, s.actions_set, s.note, e.grade, e.elements,
       e.n_applicable, e.repeated, e.repeated_cases, e.days_since_previous, e.area, e.team,
       e.team_type, e.does_not_count
FROM ({entries_known_on}) AS e
JOIN supervision AS s USING (review_id)
ORDER BY e.investigation_id, e.reviewed_at_utc, e.review_id
