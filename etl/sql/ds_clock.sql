-- ds_clock: the review clock of specialist cases, one row per row of the including query's
-- clock_days CTE (columns clock_key, day, opened_on, and any others, kept), from its
-- clock_reviews CTE (clock_key, reviewed_on: the entries that restart a clock, chosen with
-- restarts_ds_clock.sql): the last of them with the same clock_key on or before that day, the
-- days since it (or since the opening, if none), and whether that is within $review_window_days. The one
-- definition of "days since the last DS review against the window": flags.sql reads it per case
-- version and day (its clock_key is the version: entries count between that version's opening
-- and close), daily_compliance.sql per case and day (clock_key = investigation_id).
SELECT c.*, r.reviewed_on AS last_ds_on,
       date_diff('day', coalesce(r.reviewed_on, c.opened_on), c.day) AS days_since_ds,
       date_diff('day', coalesce(r.reviewed_on, c.opened_on), c.day) <= $review_window_days
         AS within_window
FROM clock_days AS c
ASOF LEFT JOIN clock_reviews AS r
  ON c.clock_key = r.clock_key AND c.day >= r.reviewed_on
