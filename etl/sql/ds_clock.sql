-- ds_clock: the review clock of specialist cases, as phases: runs of days on which the last
-- review that restarts the clock stays the same and the case stays on one side of the window.
-- One row per phase of each row of the including query's clock_spans CTE (columns clock_key,
-- span_from and span_to: the first and last day the row covers, inclusive; opened_on; any
-- others, kept), from its clock_reviews CTE (clock_key, reviewed_on: the entries that restart
-- a clock, chosen with restarts_ds_clock.sql). On each day D of a phase, last_ds_on is the last
-- of those reviews with the same clock_key on or before D (NULL: none since the opening),
-- the days since it (or since the opening) are D - clock_from, and within_window says whether
-- that is at most $review_window_days. The one definition of "days since the last DS review
-- against the window": flag_spans.sql reads it per case version (its clock_key is the version:
-- entries count between that version's opening and close), daily_compliance.sql too, each with
-- its own days. Added columns: last_ds_on, clock_from, within_window, phase_from, phase_to.
WITH clock_anchors AS (
  -- The clock's segments: from each review day to the day before the next, and from the
  -- beginning to the day before the first (no review yet).
  SELECT clock_key, reviewed_on AS last_ds_on,
         lead(reviewed_on) OVER (PARTITION BY clock_key ORDER BY reviewed_on) AS next_on
  FROM (SELECT DISTINCT clock_key, reviewed_on FROM clock_reviews)
  UNION ALL
  SELECT clock_key, NULL, min(reviewed_on) FROM clock_reviews GROUP BY clock_key
),
clock_segments AS (
  SELECT c.*, a.last_ds_on, coalesce(a.last_ds_on, c.opened_on) AS clock_from,
         greatest(c.span_from, coalesce(a.last_ds_on, c.span_from)) AS segment_from,
         least(c.span_to, coalesce(CAST(a.next_on - 1 AS DATE), c.span_to)) AS segment_to
  FROM clock_spans AS c
  LEFT JOIN clock_anchors AS a
    ON a.clock_key = c.clock_key AND (a.last_ds_on IS NULL OR a.last_ds_on <= c.span_to)
   AND (a.next_on IS NULL OR a.next_on > c.span_from)
),
clock_phases AS (
  SELECT s.* EXCLUDE (segment_from, segment_to), w.within_window,
         CASE WHEN w.within_window THEN s.segment_from
              ELSE greatest(s.segment_from, CAST(s.clock_from + $review_window_days + 1 AS DATE))
         END AS phase_from,
         CASE WHEN w.within_window
              THEN least(s.segment_to, CAST(s.clock_from + $review_window_days AS DATE))
              ELSE s.segment_to END AS phase_to
  FROM clock_segments AS s, (VALUES (true), (false)) AS w(within_window)
)
SELECT * FROM clock_phases WHERE phase_from <= phase_to
