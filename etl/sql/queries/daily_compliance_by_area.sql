-- daily_compliance_by_area: for each day from $start to $end with open specialist cases, per
-- area, how many were open and how many within the review window (daily_compliance.sql, the
-- rule replayed day by day) (grain: day, area). Shares are summed over areas in
-- dashboard/measures.py. Parameters: $start, $end, $areas, and the rule's settings. Reader:
-- the PVP page and pack (DS-review compliance).
SELECT day, area, count(*) AS open_cases,
       count(*) FILTER (WHERE within_window) AS within_window
FROM ({daily_compliance}) AS d
GROUP BY ALL
ORDER BY day, area
