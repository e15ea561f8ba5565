-- daily_compliance: for every day from $start to $end and every specialist case open on that
-- day (opened on or before it, not closed on or before it, as the record was known that day:
-- case_history), whether it was within $review_window_days of its last review by a
-- $ds_review_ranks officer on or before that day (or of its opening, if none): the 28-day rule
-- of flags.sql, replayed for each day at once. Grain: day, investigation_id; only cases in
-- $areas. Reader: daily_compliance_by_area.sql (the PVP page and pack).
WITH days AS (
  SELECT CAST(d AS DATE) AS day
  FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY)
       AS t(d)
),
cases AS (
  SELECT investigation_id, area, team, opened_on, closed_on, valid_from, valid_to
  FROM case_history
  WHERE list_contains($specialist_team_types, team_type) AND list_contains($areas, area)
    AND opened_on <= $end AND (closed_on IS NULL OR closed_on > $start)
    AND valid_from <= $end AND (valid_to IS NULL OR valid_to > $start)
),
clock_days AS (
  SELECT c.*, c.investigation_id AS clock_key, d.day FROM cases AS c
  JOIN days AS d ON d.day >= c.opened_on AND (c.closed_on IS NULL OR c.closed_on > d.day)
   AND d.day >= c.valid_from AND (c.valid_to IS NULL OR c.valid_to > d.day)
),
clock_reviews AS (
  -- Entries before the opening were quarantined by the load; open days end before the close.
  SELECT investigation_id AS clock_key, reviewed_on FROM review_facts WHERE {restarts_ds_clock}
),
-- Each case's review clock on each day it was open (etl/sql/ds_clock.sql).
clock AS ({ds_clock})
SELECT day, investigation_id, area, team, days_since_ds, within_window
FROM clock
