-- published_crime: published crimes and anti-social behaviour (data.police.uk) per month,
-- type and area over the $months months to the month of $until (the page's as-of day or the
-- PVP month), so the context follows the day asked about (grain: month, crime_type, area).
-- Only when police_uk_crimes is loaded (dashboard/data.py checks).
-- Parameters: $until, $months, $areas. Reader: the published-crime panel (Today, PVP page).
SELECT month, crime_type, area, count(*) AS crimes
FROM police_uk_crimes
WHERE list_contains($areas, area)
  AND month <= date_trunc('month', CAST($until AS DATE))
  AND month > date_trunc('month', CAST($until AS DATE)) - to_months(CAST($months AS INTEGER))
GROUP BY ALL
ORDER BY month, crimes DESC, crime_type, area
