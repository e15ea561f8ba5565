-- entries_known_on: one row per entry on an investigation's log (grain: review_id), dated on
-- or before $as_of (and after $since, when it is not NULL), on investigations in $areas (all of
-- them, or only $investigation_id when it is not NULL), with the record as known on $as_of (the
-- version valid that day) and the entry's assessment (review_facts' columns), in no order; its
-- instant is reviewed_at_utc. `does_not_count` says why an entry counts for nothing in its
-- case's rule (NULL: it counts; etl/sql/does_not_count.sql). Reader: case_entries.sql (the
-- log, in order). The quality measures read the same pairs of entry and version from a table
-- made at load (etl/sql/entry_readings.sql; tests/test_entry_quality.py compares the two).
-- An entry that arrived later under another area than the version's is not read under it
-- (etl/sql/entry_known_under.sql).
-- The versions are read from investigation_versions, not case_history: the columns used here
-- are the version's own, and case_history's join to every incident cost a third of the query.
WITH cases AS (
  SELECT investigation_id, area, team, team_type, opened_at_utc, closed_at_utc, valid_from
  FROM investigation_versions
  WHERE valid_from <= $as_of AND (valid_to IS NULL OR valid_to > $as_of)
    AND list_contains($areas, area)
    AND ($investigation_id IS NULL OR investigation_id = $investigation_id)
)
SELECT * EXCLUDE (before_open, after_close, restarts_clock),
       {does_not_count} AS does_not_count
FROM (
  SELECT
    r.review_id, r.investigation_id, r.reviewed_at, r.reviewed_on, r.reviewer_id,
    r.reviewer_rank, r.review_type, r.actions_set, r.note, r.grade, r.elements, r.n_applicable,
    r.repeated, r.repeated_cases, r.days_since_previous, c.area, c.team, c.team_type,
    r.reviewed_at_utc, r.reviewed_at_utc < c.opened_at_utc AS before_open,
    r.reviewed_at_utc > c.closed_at_utc AS after_close, r.restarts_clock
  FROM (
    -- review_facts, read from its two tables as it defines them
    -- (etl/sql/marts/review_facts.sql), each kept to the window first: through the view, every
    -- entry of the history was joined to its assessment before the window kept a few.
    SELECT s.review_id, s.investigation_id, s.reviewed_at, s.reviewed_on, s.reviewer_id,
           s.reviewer_rank, s.review_type, s.actions_set, s.note, a.grade, a.elements,
           a.n_applicable, a.repeated, a.repeated_cases, a.days_since_previous, s.reviewed_at_utc,
           coalesce(a.restarts_clock, true) AS restarts_clock
    FROM (SELECT *, CAST(reviewed_at AS DATE) AS reviewed_on FROM supervision
          WHERE CAST(reviewed_at AS DATE) <= $as_of
            AND ($since IS NULL OR CAST(reviewed_at AS DATE) > $since)) AS s
    LEFT JOIN (SELECT * FROM entry_assessment
               WHERE reviewed_on <= $as_of AND ($since IS NULL OR reviewed_on > $since)) AS a
      USING (review_id)
  ) AS r JOIN cases AS c USING (investigation_id)
  LEFT JOIN entry_arrivals AS ar USING (review_id)
  WHERE {entry_known_under}
)
