-- flags_on_day: flags.sql's rows for the one day $as_of, read from flag_spans (flags.sql run
-- over every day at load time and folded into spans of days: etl/daily.py), so a page's first
-- visit to a day costs a range filter, not the rule. The same columns, rows and order as
-- flags.sql for that day (flag_order is flags.sql's); only for days up to flag_spans_build's
-- `through` and the settings it was made with (etl/flags.py decides, else runs flags.sql).
-- Grain: investigation_id, flag. Parameters: $as_of, $areas. Readers: etl/flags.py (the
-- dashboard and `python -m etl flags`).
SELECT investigation_id, flag, area, team, team_type, officer_id,
       date_diff('day', counted_from, $as_of) AS days, reasons, opened_on, last_ds_review_on,
       due_on, flagged_since, quoted_note
FROM flag_spans
WHERE first_day <= $as_of AND last_day >= $as_of AND list_contains($areas, area)
ORDER BY flag_order, days DESC, investigation_id
