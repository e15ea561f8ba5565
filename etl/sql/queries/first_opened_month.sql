-- first_opened_month: the month the first investigation opened, as now known (grain: one
-- row; NULL when none). Where every PVP trend starts, force-wide so that each area's trend
-- starts in the same month: a date, no case-level data, no $areas. Parameters: none.
-- Reader: dashboard/data.py (PVP months).
SELECT CAST(date_trunc('month', min(CAST(opened_at AS DATE))) AS DATE) AS month
FROM investigations
