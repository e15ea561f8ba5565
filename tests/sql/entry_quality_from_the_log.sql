-- The window of entries entry_quality.sql measures, as it was made before the pairs of entry and
-- version were made at load (etl/sql/entry_readings.sql): the case log's entries
-- (entries_known_on.sql, joined on the spot), their elements read from the assessment's text.
-- tests/test_entry_quality.py puts it in place of the query's own window (everything before
-- `counted AS (`) and keeps the query's aggregation, so the two differ only in where the
-- entries come from. An oracle; not read by the product.
WITH in_window AS (
  SELECT e.investigation_id, e.reviewed_at_utc, e.reviewer_id, e.reviewer_rank, e.grade,
         e.n_applicable, e.repeated, e.days_since_previous, e.area, e.team,
         list_contains(e.element_list, 'risk') AS has_risk,
         list_contains(e.element_list, 'actions') AS has_actions,
         list_contains(e.element_list, 'plan') AS has_plan,
         list_contains(e.element_list, 'next_review') AS has_next_review,
         list_contains(e.element_list, 'child') AS has_child,
         e.does_not_count IS NULL OR starts_with(e.does_not_count, 'thin') AS counting
  FROM (SELECT *, string_split(coalesce(elements, ''), ';') AS element_list
        FROM ({entries_known_on})) AS e
  WHERE ($team IS NULL OR e.team = $team) AND ($team_type IS NULL OR e.team_type = $team_type)
),
