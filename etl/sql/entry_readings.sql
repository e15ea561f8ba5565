-- entry_readings: each supervisory entry paired with each version of its case that can read
-- it (grain: review_id + version): a version valid on some day on or after the entry's day
-- (valid_to after it, or open), under which the entry is read (etl/sql/entry_known_under.sql).
-- The columns its readers need from the entry, the version and the entry's assessment, with
-- nothing that depends on a setting: the rank rule is applied by the reader
-- (etl/sql/does_not_count.sql). Parameters: $investigation_ids (only these cases; NULL: every
-- case). Made at load time into the table entry_readings (etl/readings.py), stored by
-- reviewed_on. Readers: entry_quality.sql and last_supervisory_entry.sql (the version valid on
-- the as-of day, as entries_known_on.sql reads the case log) and flag_spans.sql (each open
-- version's entries).
SELECT
  s.reviewed_on, v.version, v.valid_from, v.valid_to, s.review_id, s.investigation_id, v.area,
  v.team, v.team_type, s.reviewer_id, s.reviewer_rank, s.reviewed_at, s.reviewed_at_utc, a.grade,
  coalesce(a.has_risk, false) AS has_risk,
  coalesce(a.has_actions, false) AS has_actions,
  coalesce(a.has_plan, false) AS has_plan,
  coalesce(a.has_next_review, false) AS has_next_review,
  coalesce(a.has_child, false) AS has_child,
  a.n_applicable, a.repeated, a.days_since_previous,
  s.reviewed_at_utc < v.opened_at_utc AS before_open,
  s.reviewed_at_utc > v.closed_at_utc AS after_close,
  coalesce(a.restarts_clock, true) AS restarts_clock
FROM (SELECT review_id, investigation_id, reviewer_id, reviewer_rank, reviewed_at,
             reviewed_at_utc, CAST(reviewed_at AS DATE) AS reviewed_on
      FROM supervision
      WHERE $investigation_ids IS NULL
         OR investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[])))) AS s
JOIN investigation_versions AS v
  ON v.investigation_id = s.investigation_id
 AND (v.valid_to IS NULL OR v.valid_to > s.reviewed_on)
LEFT JOIN entry_assessment AS a USING (review_id)
LEFT JOIN entry_arrivals AS ar USING (review_id)
WHERE {entry_known_under}
