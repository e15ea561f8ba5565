-- The last supervisory entry as last_supervisory_entry.sql chose it before it read the pairs of
-- entry and version made at load (etl/sql/entry_readings.sql): entries, versions and
-- assessments joined on the spot. An independent form kept as the oracle of
-- tests/test_entry_quality.py; not read by the product.
WITH wanted AS (
  -- The versions themselves, not case_history: only the area is needed, not the incident.
  SELECT investigation_id, area, valid_from FROM investigation_versions
  WHERE valid_from <= $as_of AND (valid_to IS NULL OR valid_to > $as_of)
    AND list_contains($areas, area)
    AND ($investigation_ids IS NULL
         OR investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
),
last AS (
  SELECT s.investigation_id, any_value(w.area) AS area,
         arg_max({'review_id': s.review_id, 'reviewer_id': s.reviewer_id,
                  'reviewer_rank': s.reviewer_rank, 'reviewed_at': s.reviewed_at},
                 (s.reviewed_at_utc, s.review_id)) AS entry
  FROM supervision AS s JOIN wanted AS w USING (investigation_id)
  LEFT JOIN entry_arrivals AS ar USING (review_id)
  WHERE CAST(s.reviewed_at AS DATE) <= $as_of
    AND list_contains($supervisor_ranks, s.reviewer_rank) AND {entry_known_under}
  GROUP BY s.investigation_id
)
-- review_facts' grade read from its own table (etl/sql/marts/review_facts.sql): through the
-- view, DuckDB joins every entry of the history to its assessment before it keeps these.
SELECT l.investigation_id, l.area, l.entry.reviewer_id AS last_reviewer,
       l.entry.reviewer_rank AS last_rank, l.entry.reviewed_at AS last_at, a.grade AS last_grade
FROM last AS l
LEFT JOIN entry_assessment AS a ON a.review_id = l.entry.review_id
