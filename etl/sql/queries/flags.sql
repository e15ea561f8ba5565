-- flags: one row per (as-of day, open investigation, flag) for every day from $first_day to
-- $last_day (one day: both the same): flag_spans.sql, the rule, given one row per day of each
-- run, its `days` the days from counted_from to that day. `version` is the record's version
-- used on that day. Grain: as_of, investigation_id, flag; only investigations in $areas and,
-- unless $investigation_ids is NULL, in that list. Parameters: those of flag_spans.sql.
-- Rows come worst first within a day: flag_order and this ORDER BY are the one order of the
-- flags.
-- Readers: etl/flags.py (`python -m etl flags` and the dashboard, for a day the load did not
-- materialise); the materialised days are read by flags_on_day.sql.
SELECT CAST(d.day AS DATE) AS as_of, s.investigation_id, s.flag, s.area, s.team, s.team_type,
       s.officer_id, date_diff('day', s.counted_from, CAST(d.day AS DATE)) AS days, s.reasons,
       s.opened_on, s.last_ds_review_on, s.due_on, s.flagged_since, s.quoted_note, s.version,
       s.flag_order
FROM ({flag_spans}) AS s,
     range(CAST(s.first_day AS TIMESTAMP), CAST(s.last_day AS TIMESTAMP) + INTERVAL 1 DAY,
           INTERVAL 1 DAY) AS d(day)
ORDER BY as_of, flag_order, days DESC, investigation_id
