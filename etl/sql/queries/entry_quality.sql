-- entry_quality: how well supervisors supervise, per supervisor, per team and in all (grain:
-- grouping + reviewer_id, grouping + area + team, or the one 'all' row), over the entries dated
-- after $since and on or before $as_of on investigations in $areas, each read under the version
-- of its case valid on $as_of (the record as then known, as entries_known_on.sql reads the case
-- log; the pairs made at load: etl/sql/entry_readings.sql), optionally only $team /
-- $team_type. Counted: entries that count for their case's rule, or would but for being thin
-- or repeated (thin text is measured even when thin_reviews_count is off); per supervisor only
-- $supervisor_ranks, each with the rank of their latest entry counted in the window (an officer
-- promoted within it shows the new rank; of two ranks at one instant, the greater name).
-- Shares are of those entries; `child` coverage is of the entries on child-related cases.
-- median_days_between: days since the previous entry on the same case by anyone.
-- non_supervisor_share_child (teams): of all entries on the team's child-related cases, the
-- share by ranks outside $supervisor_ranks. concern: the share thin or repeated (either).
-- The row in all is the PVP pack's: the quality page reads the query without it (the include
-- quality_in_all.sql left out).
-- Reader: dashboard/data.py (quality page, PVP pack).
WITH readings AS (
  -- A range of days of a table stored by day, and the versions valid on $as_of.
  SELECT * FROM entry_readings
  WHERE reviewed_on <= $as_of AND ($since IS NULL OR reviewed_on > $since)
    AND valid_from <= $as_of AND (valid_to IS NULL OR valid_to > $as_of)
    AND list_contains($areas, area)
    AND ($team IS NULL OR team = $team) AND ($team_type IS NULL OR team_type = $team_type)
),
in_window AS MATERIALIZED (
  -- Made once: the three groupings and the child cases' shares each read it.
  SELECT investigation_id, reviewed_at_utc, reviewer_id, reviewer_rank, grade, n_applicable,
         repeated, days_since_previous, area, team, has_risk, has_actions, has_plan,
         has_next_review, has_child,
         coalesce(starts_with({does_not_count}, 'thin'), true) AS counting
  FROM readings
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
  FROM in_window WHERE counting AND {quality_in_all}
),
child_cases_entries AS (
  SELECT area, team, avg((NOT list_contains($supervisor_ranks, reviewer_rank))::INTEGER)
           AS non_supervisor_share_child
  FROM in_window WHERE n_applicable = 5 GROUP BY ALL
)
SELECT
  c.grouping, c.reviewer_id,
  -- The latest entry's rank (of two at one instant, the greater name): any_value showed
  -- whichever was read first, which moved with the table's order.
  arg_max(c.reviewer_rank, (c.reviewed_at_utc, c.reviewer_rank)) AS reviewer_rank,
  c.area, c.team,
  count(*) AS entries,
  count(DISTINCT c.investigation_id) AS cases,
  avg((c.grade = 'substantive')::INTEGER) AS substantive_share,
  avg((c.grade = 'partial')::INTEGER) AS partial_share,
  avg((c.grade = 'thin')::INTEGER) AS thin_share,
  avg(c.repeated::INTEGER) AS repeated_share,
  avg((c.grade = 'thin' OR c.repeated)::INTEGER) AS concern,
  sum(c.repeated::INTEGER) AS repeated_entries,
  avg(c.has_risk::INTEGER) AS risk_share,
  avg(c.has_actions::INTEGER) AS actions_share,
  avg(c.has_plan::INTEGER) AS plan_share,
  avg(c.has_next_review::INTEGER) AS next_review_share,
  avg(c.has_child::INTEGER) FILTER (WHERE c.n_applicable = 5)
    AS child_share,
  median(c.days_since_previous) AS median_days_between,
  any_value(n.non_supervisor_share_child) AS non_supervisor_share_child
FROM counted AS c
LEFT JOIN child_cases_entries AS n
  ON c.grouping = 'team' AND n.area = c.area AND n.team = c.team
GROUP BY c.grouping, c.reviewer_id, c.area, c.team
