-- published_crime: published crimes and anti-social behaviour (data.police.uk) per month,
-- type and area over the last $months months of the published data (grain: month,
-- crime_type, area). Only when police_uk_crimes is loaded (dashboard/data.py checks).
-- Parameters: $months, $areas. Reader: the published-crime panel (Today, PVP page).
SELECT month, crime_type, area, count(*) AS crimes
FROM police_uk_crimes
WHERE list_contains($areas, area)
  AND month > (SELECT max(month) FROM police_uk_crimes) - to_months(CAST($months AS INTEGER))
GROUP BY ALL
ORDER BY month, crimes DESC, crime_type, area
