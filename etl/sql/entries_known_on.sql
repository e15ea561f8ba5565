-- entries_known_on: one row per entry on an investigation's log (grain: review_id), dated on
-- or before $as_of (and after $since, when it is not NULL), on investigations in $areas (all of
-- them, or only $investigation_id when it is not NULL), with the record as known on $as_of (the
-- version valid that day) and the entry's assessment (review_facts' columns), in no order; its
-- instant is reviewed_at_utc. `does_not_count` says why an entry counts for nothing in its
-- case's rule (NULL: it counts): before the opening, after the close, a rank below the rule
-- ($ds_review_ranks on $specialist_team_types, else $supervisor_ranks), or thin/repeated with
-- thin_reviews_count off. Readers: case_entries.sql (the log, in order, with each entry's own
-- text from supervision) and entry_quality.sql (aggregates: sorting every entry of the window
-- first cost a tenth of it).
-- The entries are read from entry_assessment alone, which carries supervision's columns used
-- here (etl/checks/entries_assessed.sql: they agree): joining supervision to it for a window
-- cost the quality measures a third of their time.
-- The versions are read from investigation_versions, not case_history: the columns used here
-- are the version's own, and case_history's join to every incident cost a third of the query.
WITH cases AS (
  SELECT investigation_id, area, team, team_type, opened_at_utc, closed_at_utc,
         list_contains($specialist_team_types, team_type) AS is_specialist
  FROM investigation_versions
  WHERE valid_from <= $as_of AND (valid_to IS NULL OR valid_to > $as_of)
    AND list_contains($areas, area)
    AND ($investigation_id IS NULL OR investigation_id = $investigation_id)
)
SELECT
  a.review_id, a.investigation_id, a.reviewed_on, a.reviewer_id, a.reviewer_rank, a.grade,
  a.elements, a.n_applicable, a.repeated, a.repeated_cases, a.days_since_previous, c.area, c.team,
  c.team_type, a.reviewed_at_utc,
  CASE WHEN a.reviewed_at_utc < c.opened_at_utc THEN 'before the case opened'
       WHEN a.reviewed_at_utc > c.closed_at_utc THEN 'after the case closed'
       WHEN NOT CASE WHEN c.is_specialist THEN list_contains($ds_review_ranks, a.reviewer_rank)
                     ELSE list_contains($supervisor_ranks, a.reviewer_rank) END
         THEN 'rank below the rule'
       WHEN c.is_specialist AND NOT a.restarts_clock
         THEN 'thin or repeated, and thin_reviews_count is off'
  END AS does_not_count
FROM (SELECT * FROM entry_assessment
      WHERE reviewed_on <= $as_of AND ($since IS NULL OR reviewed_on > $since)) AS a
JOIN cases AS c USING (investigation_id)
