-- review_facts: one row per supervisory (or other) entry, with its local calendar date and its
-- instant (reviewed_at_utc: order entries by it; wall-clock times repeat in October).
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
  s.note
FROM supervision AS s
