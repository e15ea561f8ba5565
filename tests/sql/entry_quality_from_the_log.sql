-- The quality measures as entry_quality.sql gave them before its pairs of entry and version
-- were made at load (etl/sql/entry_readings.sql): the case log's entries (entries_known_on.sql,
-- joined on the spot) aggregated the same way. An independent form kept as the oracle of
-- tests/test_entry_quality.py; not read by the product.
WITH in_window AS (
  -- The columns measured (not the notes: a copy of each would ride through every step).
  SELECT e.review_id, e.reviewed_at_utc, e.investigation_id, e.reviewer_id, e.reviewer_rank,
         e.grade, e.n_applicable, e.repeated, e.days_since_previous, e.area, e.team, e.team_type,
         e.does_not_count IS NULL OR starts_with(e.does_not_count, 'thin') AS counting,
         string_split(coalesce(e.elements, ''), ';') AS element_list
  FROM ({entries_known_on}) AS e
  WHERE ($team IS NULL OR e.team = $team) AND ($team_type IS NULL OR e.team_type = $team_type)
),
counted AS (
  SELECT 'reviewer' AS grouping, reviewer_id, reviewer_rank, NULL AS area, NULL AS team, *
    EXCLUDE (reviewer_id, reviewer_rank, area, team)
  FROM in_window WHERE counting AND list_contains($supervisor_ranks, reviewer_rank)
  UNION ALL
  SELECT 'team', NULL, NULL, area, team, * EXCLUDE (reviewer_id, reviewer_rank, area, team)
  FROM in_window WHERE counting
  UNION ALL
  SELECT 'all', NULL, NULL, NULL, NULL, * EXCLUDE (reviewer_id, reviewer_rank, area, team)
  FROM in_window WHERE counting
),
child_cases_entries AS (
  SELECT area, team, avg((NOT list_contains($supervisor_ranks, reviewer_rank))::INTEGER)
           AS non_supervisor_share_child
  FROM in_window WHERE n_applicable = 5 GROUP BY ALL
)
SELECT
  c.grouping, c.reviewer_id,
  arg_max(c.reviewer_rank, (c.reviewed_at_utc, c.reviewer_rank)) AS reviewer_rank, c.area,
  c.team,
  count(*) AS entries,
  count(DISTINCT c.investigation_id) AS cases,
  avg((c.grade = 'substantive')::INTEGER) AS substantive_share,
  avg((c.grade = 'partial')::INTEGER) AS partial_share,
  avg((c.grade = 'thin')::INTEGER) AS thin_share,
  avg(c.repeated::INTEGER) AS repeated_share,
  avg((c.grade = 'thin' OR c.repeated)::INTEGER) AS concern,
  sum(c.repeated::INTEGER) AS repeated_entries,
  avg(list_contains(c.element_list, 'risk')::INTEGER) AS risk_share,
  avg(list_contains(c.element_list, 'actions')::INTEGER) AS actions_share,
  avg(list_contains(c.element_list, 'plan')::INTEGER) AS plan_share,
  avg(list_contains(c.element_list, 'next_review')::INTEGER) AS next_review_share,
  avg(list_contains(c.element_list, 'child')::INTEGER) FILTER (WHERE c.n_applicable = 5)
    AS child_share,
  median(c.days_since_previous) AS median_days_between,
  any_value(n.non_supervisor_share_child) AS non_supervisor_share_child
FROM counted AS c
LEFT JOIN child_cases_entries AS n
  ON c.grouping = 'team' AND n.area = c.area AND n.team = c.team
GROUP BY c.grouping, c.reviewer_id, c.area, c.team
