-- daily_compliance: for every day from $start to $end and every specialist case open on that
-- day (opened on or before it, not closed on or before it, as the record was known that day:
-- case_history), whether it was within $review_window_days of its last review by a
-- $ds_review_ranks officer on or before that day (or of its opening, if none): the 28-day rule
-- of flags.sql, replayed for each day at once. Grain: day, investigation_id; only cases in
-- $areas. Reader: daily_compliance_by_area.sql (the PVP page and pack).
WITH clock_spans AS (
  -- Each version's open days within the period; its clock is its own, as in flag_spans.sql
  -- (the versions of a case cover separate days, so a case still has one row a day).
  SELECT dense_rank() OVER (ORDER BY investigation_id, version) AS clock_key, investigation_id,
         version, area, team, opened_on, valid_from,
         greatest(opened_on, valid_from, CAST($start AS DATE)) AS span_from,
         least(CAST(coalesce(closed_on, DATE 'infinity') - 1 AS DATE),
               CAST(coalesce(valid_to, DATE 'infinity') - 1 AS DATE),
               CAST($end AS DATE)) AS span_to
  FROM case_history
  WHERE list_contains($specialist_team_types, team_type) AND list_contains($areas, area)
    AND opened_on <= $end AND (closed_on IS NULL OR closed_on > $start)
    AND valid_from <= $end AND (valid_to IS NULL OR valid_to > $start)
),
clock_reviews AS (
  -- Entries before the opening were quarantined by the load; open days end before the close.
  -- Each read under the versions of its case that can read it: the pairs made at load
  -- (etl/sql/entry_readings.sql, which applies etl/sql/entry_known_under.sql), as flag_spans.sql
  -- reads them. An entry dated after a version ended, or after $end, cannot move that version's
  -- days in the period; every entry of the history joined with its assessment (review_facts)
  -- cost the ten-year pack most of its time and memory (docs/benchmarks.md, session 20).
  SELECT v.clock_key, r.reviewed_on
  FROM entry_readings AS r JOIN clock_spans AS v USING (investigation_id, version)
  WHERE r.reviewed_on <= $end AND {restarts_ds_clock}
),
-- Each case's review clock in phases (etl/sql/ds_clock.sql), given a row per day.
clock AS ({ds_clock})
SELECT CAST(d.day AS DATE) AS day, c.investigation_id, c.area, c.team,
       date_diff('day', c.clock_from, CAST(d.day AS DATE)) AS days_since_ds, c.within_window
FROM clock AS c,
     range(CAST(c.phase_from AS TIMESTAMP), CAST(c.phase_to AS TIMESTAMP) + INTERVAL 1 DAY,
           INTERVAL 1 DAY) AS d(day)
