-- published_months: the first and last month of the published crime data (grain: one row;
-- NULLs when none), so a page can say what the data covers. No case data, no $areas.
-- Parameters: none. Reader: the published-crime panel (dashboard/data.py published_months).
SELECT CAST(min(month) AS DATE) AS first_month, CAST(max(month) AS DATE) AS last_month
FROM police_uk_crimes
