-- custody_checks_on_days: custody_checks.sql's rows for the days $as_of_days over the
-- recent_days to each (the window Today reads), read from custody_days (the rule run at load
-- over every day for every area: etl/custody_days.py), so a first visit to a day costs a range
-- filter, not planning the rule. The same columns, rows and order as the rule: a detention
-- outside $areas is left out by its own area, and the case it names is left empty when that
-- case is now outside $areas (case_area, the case's area when the load ran), as the rule does.
-- Only for days up to custody_days_build's `through` and the settings it was made with
-- (dashboard/data.py decides, else runs the rule).
-- Grain: as_of, custody_id. Parameters: $as_of_days, $areas. Readers: dashboard/data.py
-- (Today's cards, checks list and case page).
SELECT * EXCLUDE (case_area) REPLACE (
         CASE WHEN case_area IS NULL OR list_contains($areas, case_area) THEN investigation_id
         END AS investigation_id)
FROM custody_days
WHERE as_of IN (SELECT unnest(CAST($as_of_days AS DATE[]))) AND list_contains($areas, area)
ORDER BY as_of, detained_at DESC, custody_id
