-- review_intervals: for every investigation open at some point up to $as_of (its record as
-- known on $as_of: case_history), the intervals between the entries that count for its rule:
-- from opening to the first qualifying entry, between qualifying entries, and from the last one
-- to $as_of or the day it closed (still running when open on $as_of). Specialist cases count
-- $ds_review_ranks; other cases $supervisor_ranks. Entries after the close (or before the
-- opening) stay on the record but count for nothing. `days` is in calendar days; a breach is
-- longer than $review_window_days.
WITH cases AS (
  SELECT investigation_id, area, team, team_type, opened_on, closed_on, opened_at_utc,
         closed_at_utc, list_contains($specialist_team_types, team_type) AS is_specialist
  FROM case_history
  WHERE valid_from <= $as_of AND (valid_to IS NULL OR valid_to > $as_of) AND opened_on <= $as_of
),
qualifying AS (
  SELECT r.investigation_id, r.reviewed_on
  FROM review_facts AS r JOIN cases AS c USING (investigation_id)
  WHERE r.reviewed_on <= $as_of AND r.reviewed_at_utc >= c.opened_at_utc
    AND (c.closed_at_utc IS NULL OR r.reviewed_at_utc <= c.closed_at_utc)
    AND CASE WHEN c.is_specialist THEN list_contains($ds_review_ranks, r.reviewer_rank)
             ELSE list_contains($supervisor_ranks, r.reviewer_rank) END
),
marks AS (
  SELECT investigation_id, opened_on AS on_day, 0 AS kind FROM cases
  UNION ALL
  SELECT investigation_id, reviewed_on, 1 FROM qualifying
),
ordered AS (
  SELECT investigation_id, on_day AS started_on, kind AS started_by_review,
         lead(on_day) OVER (PARTITION BY investigation_id ORDER BY on_day, kind) AS next_on
  FROM marks
)
SELECT
  o.investigation_id, c.area, c.team, c.team_type, c.is_specialist,
  o.started_on,
  o.started_by_review = 1 AS started_by_review,
  coalesce(o.next_on, least(coalesce(c.closed_on, $as_of), $as_of)) AS ended_on,
  o.next_on IS NULL AND (c.closed_on IS NULL OR c.closed_on > $as_of) AS still_running,
  date_diff('day', o.started_on,
            coalesce(o.next_on, least(coalesce(c.closed_on, $as_of), $as_of))) AS days,
  date_diff('day', o.started_on,
            coalesce(o.next_on, least(coalesce(c.closed_on, $as_of), $as_of)))
    > $review_window_days AS is_breach
FROM ordered AS o JOIN cases AS c USING (investigation_id)
