-- Every span of materialised flags (etl/daily.py) holds a row of flags.sql on each day it
-- covers: a span with a gap would show a flag on days flags.sql does not.
SELECT * FROM flag_spans WHERE days_in_span <> date_diff('day', first_day, last_day) + 1
