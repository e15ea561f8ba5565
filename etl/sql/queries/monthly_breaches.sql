-- monthly_breaches: for the end of each month in $as_of_days, every interval between counting
-- reviews on a specialist case longer than $review_window_days (review_intervals.sql: the
-- record and entries as known at that month end) that ended in the month or was still running
-- at its end (grain: month, investigation_id, started_on). Counted and their median taken in
-- dashboard/measures.py. Parameters: $as_of_days, $areas, $open_in_month (true: the cases
-- closed before a month cannot have an interval ending in it), the rule's settings. Reader: the
-- PVP page and pack (review gaps over the window).
SELECT CAST(date_trunc('month', as_of) AS DATE) AS month, area, investigation_id, started_on,
       days
FROM ({review_intervals}) AS i
WHERE is_specialist AND is_breach AND ended_on >= date_trunc('month', as_of)
ORDER BY month, investigation_id, started_on
