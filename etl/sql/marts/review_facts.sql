-- review_facts: one row per supervisory (or other) entry, with its local calendar date, its
-- instant (reviewed_at_utc: order entries by it; wall-clock times repeat in October) and its
-- assessment against the reviewing-officer checklist (entry_assessment, made at load time).
SELECT
  s.review_id,
  s.investigation_id,
  s.reviewed_at,
  s.reviewed_at_utc,
  CAST(s.reviewed_at AS DATE) AS reviewed_on,
  s.reviewer_id,
  s.reviewer_rank,
  s.review_type,
  s.actions_set,
  s.note,
  s.next_review_due,
  a.elements,
  a.n_elements,
  a.n_applicable,
  a.grade,
  a.repeated,
  a.repeated_cases,
  a.days_since_previous,
  -- Whether this entry may restart a review clock at all (thin_reviews_count, at load time).
  coalesce(a.restarts_clock, true) AS restarts_clock
FROM supervision AS s
LEFT JOIN entry_assessment AS a USING (review_id)
