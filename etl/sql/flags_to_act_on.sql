-- flags_to_act_on: whether a flag_spans row is one a supervisor acts on: every flag but
-- child_related (dashboard/words.py ACTION_FLAGS lists them in the Today list's order). An
-- expression over flag_spans' `flag`, not a query: last_entry_spans.sql (which cases keep runs)
-- and etl/last_entries.py (which cases a load on top flags for the first time) include it by
-- name in braces.
flag <> 'child_related'
