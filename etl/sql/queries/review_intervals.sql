-- review_intervals: for each day in $as_of_days (grain: as_of, investigation_id, started_on)
-- and every investigation open at some point up to it (its record as known on that day:
-- case_history), the intervals between the entries that count for its rule: from opening to
-- the first qualifying entry, between qualifying entries, and from the last one to the day or
-- the day it closed (still running when open on the day). Specialist cases count
-- $ds_review_ranks; other cases $supervisor_ranks. Entries after the close (or before the
-- opening) stay on the record but count for nothing. `days` is in calendar days; a breach is
-- longer than $review_window_days. Several days at once let the PVP pack replay each month
-- from its own end in one query. Only investigations in $areas, and only $investigation_id
-- when it is not NULL. With $open_in_month, only the cases not closed before the month of the
-- day (monthly_breaches.sql: a case closed earlier has no interval ending in the month, and
-- ten years of closed cases cost the pack most of its time). Readers: dashboard/data.py (case
-- page, audits), monthly_breaches.sql.
WITH days AS (
  SELECT DISTINCT CAST(unnest($as_of_days) AS DATE) AS as_of
),
cases AS (
  SELECT d.as_of, h.investigation_id, h.version, h.area, h.team, h.team_type, h.opened_on,
         h.closed_on, h.opened_at_utc, h.closed_at_utc, h.valid_from,
         list_contains($specialist_team_types, h.team_type) AS is_specialist
  FROM case_history AS h
  JOIN days AS d
    ON h.valid_from <= d.as_of AND (h.valid_to IS NULL OR h.valid_to > d.as_of)
   AND h.opened_on <= d.as_of
  WHERE list_contains($areas, h.area)
    AND ($investigation_id IS NULL OR h.investigation_id = $investigation_id)
    AND ($open_in_month IS NOT TRUE OR h.closed_on IS NULL
         OR h.closed_on >= date_trunc('month', d.as_of))
),
qualifying AS (
  -- The entries read under the version of the day: the pairs made at load
  -- (etl/sql/entry_readings.sql applies etl/sql/entry_known_under.sql; a version valid on the
  -- day is paired with every entry dated on or before it).
  SELECT c.as_of, r.investigation_id, r.reviewed_on
  FROM entry_readings AS r JOIN cases AS c USING (investigation_id, version)
  WHERE r.reviewed_on <= c.as_of AND r.reviewed_at_utc >= c.opened_at_utc
    AND (c.closed_at_utc IS NULL OR r.reviewed_at_utc <= c.closed_at_utc)
    AND CASE WHEN c.is_specialist
             THEN {restarts_ds_clock}
             ELSE list_contains($supervisor_ranks, r.reviewer_rank) END
),
marks AS (
  SELECT as_of, investigation_id, opened_on AS on_day, 0 AS kind FROM cases
  UNION ALL
  SELECT as_of, investigation_id, reviewed_on, 1 FROM qualifying
),
ordered AS (
  SELECT as_of, investigation_id, on_day AS started_on, kind AS started_by_review,
         lead(on_day) OVER (PARTITION BY as_of, investigation_id ORDER BY on_day, kind)
           AS next_on
  FROM marks
),
ends AS (
  SELECT o.*, coalesce(o.next_on, least(coalesce(c.closed_on, c.as_of), c.as_of)) AS ended_on,
         c.area, c.team, c.team_type, c.is_specialist, c.closed_on
  FROM ordered AS o JOIN cases AS c USING (as_of, investigation_id)
)
SELECT
  as_of, investigation_id, area, team, team_type, is_specialist, started_on,
  started_by_review = 1 AS started_by_review,
  ended_on,
  next_on IS NULL AND (closed_on IS NULL OR closed_on > as_of) AS still_running,
  date_diff('day', started_on, ended_on) AS days,
  date_diff('day', started_on, ended_on) > $review_window_days AS is_breach
FROM ends
ORDER BY investigation_id, started_on
