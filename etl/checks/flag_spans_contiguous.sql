-- Every span of materialised flags (etl/daily.py) covers consecutive days: the pieces a span
-- was joined from (runs of flag_spans.sql from different loads or ranges) meet without a gap
-- or an overlap, else the span would show a flag on days the rule does not.
SELECT * FROM flag_spans WHERE days_in_span <> date_diff('day', first_day, last_day) + 1
