-- case_checks: the inspection's findings on a case's own record (issue 17), one row per (as-of
-- day, open child-related investigation, failing check) on each day of $as_of_days. The record
-- is the version known on the day (child_cases over case_history; the optional columns from
-- investigation_versions); a timestamp after the end of the day has not happened yet. Hours are
-- counted to the end of the day (local midnight, as an instant): what the force could have
-- seen at the end of the day. Today's cards ask a day and the day before in one run.
-- Checks (an absent column reads as empty, so unallocated and no_plan would flag every case:
-- dashboard/checks.py drops the rows of a check that is off, and says so):
--   rui_with_cawn  suspect released under investigation while a CAWN was issued
--   cse_allocation a CSE case (cse team type, or an offence with $cse_offence_phrases) held by
--                  a team type the allocation rules do not give it: a suspect under
--                  $child_age_under -> $cse_child_suspect_team_types; else online ->
--                  $cse_online_team_types; else not online -> $cse_not_online_team_types
--                  (online unknown and an adult or unknown suspect: not decided, no row)
--   unallocated    no allocated_at more than $unallocated_hours after opening
--   no_plan        no plan_recorded_at more than $plan_days days after opening
--   bail_expiring  suspect bailed and bail ending within $bail_warning_days days (bail_ending;
--                  today counts) or already ended (bail_lapsed)
-- days: days open (rui_with_cawn, cse_allocation, unallocated, no_plan), days to the end of
-- bail (bail_ending; 0 = today) or since it ended (bail_lapsed). hours: hours since opening
-- (unallocated only). due_on: the day the check fell or falls due.
-- The open child-related versions on a day are read from the load's child_related spans
-- (flag_spans: child_cases over every day) when $from_spans, which the reader sets when the
-- spans hold the days with its settings (etl/daily.py covers); else from child_cases, which
-- joins every incident (a first visit to a day: 65 ms against 15 ms at force). The two give
-- the same rows (tests/test_checks.py).
-- Grain: as_of, investigation_id, check_name. Parameters: $as_of_days, $areas, $from_spans,
-- $timezone and the settings named above. Readers: dashboard/data.py (Today, the case page, the PVP pack).
WITH day_end AS (
  SELECT as_of, timezone('UTC', timezone($timezone, CAST(as_of + 1 AS TIMESTAMP))) AS at_utc
  FROM (SELECT unnest(CAST($as_of_days AS DATE[])) AS as_of)
),
open_child AS (
  SELECT d.as_of, f.investigation_id, f.version FROM flag_spans AS f
  JOIN day_end AS d ON f.first_day <= d.as_of AND f.last_day >= d.as_of
  WHERE $from_spans AND f.flag = 'child_related' AND list_contains($areas, f.area)
  UNION ALL
  SELECT d.as_of, c.investigation_id, c.version FROM ({child_cases}) AS c
  JOIN day_end AS d
    ON c.valid_from <= d.as_of AND (c.valid_to IS NULL OR c.valid_to > d.as_of)
   AND c.opened_on <= d.as_of AND (c.closed_on IS NULL OR c.closed_on > d.as_of)
  WHERE NOT $from_spans AND len(c.child_reasons) > 0 AND list_contains($areas, c.area)
),
cases AS (
  SELECT c.as_of, v.investigation_id, v.area, v.team, v.team_type, v.officer_id, v.offence,
         CAST(v.opened_at AS DATE) AS opened_on, v.opened_at, v.opened_at_utc, v.suspect_age,
         v.suspect_status, CAST(v.bail_until AS DATE) AS bail_until_on, v.cawn_issued, v.online,
         v.allocated_at_utc < e.at_utc AS allocated,
         v.plan_recorded_at_utc < e.at_utc AS planned,
         date_diff('minute', v.opened_at_utc, e.at_utc) AS minutes_open,
         date_diff('day', CAST(v.opened_at AS DATE), c.as_of) AS days_open,
         v.team_type = 'cse' OR len(list_filter($cse_offence_phrases,
           lambda p: contains(lower(coalesce(v.offence, '')), lower(p)))) > 0 AS is_cse
  FROM open_child AS c
  JOIN investigation_versions AS v USING (investigation_id, version)
  JOIN day_end AS e USING (as_of)
),
cse AS (
  SELECT *, CASE WHEN suspect_age < $child_age_under THEN 'child_suspect'
                 WHEN online THEN 'online' WHEN NOT online THEN 'not_online' END AS cse_kind
  FROM cases WHERE is_cse
),
found AS (
  SELECT *, 'rui_with_cawn' AS check_name, days_open AS days, NULL::BIGINT AS hours,
         opened_on AS due_on, 'rui_with_cawn' AS reasons
  FROM cases WHERE suspect_status = 'rui' AND cawn_issued
  UNION ALL BY NAME
  SELECT * EXCLUDE (cse_kind), 'cse_allocation' AS check_name, days_open AS days,
         NULL::BIGINT AS hours, opened_on AS due_on, 'cse_' || cse_kind AS reasons
  FROM cse
  WHERE (cse_kind = 'child_suspect' AND NOT list_contains($cse_child_suspect_team_types, team_type))
     OR (cse_kind = 'online' AND NOT list_contains($cse_online_team_types, team_type))
     OR (cse_kind = 'not_online' AND NOT list_contains($cse_not_online_team_types, team_type))
  UNION ALL BY NAME
  SELECT *, 'unallocated' AS check_name, days_open AS days, minutes_open // 60 AS hours,
         CAST(opened_at + to_hours($unallocated_hours) AS DATE) AS due_on,
         'unallocated' AS reasons
  FROM cases
  WHERE allocated IS NOT TRUE AND minutes_open > $unallocated_hours * 60
  UNION ALL BY NAME
  SELECT *, 'no_plan' AS check_name, days_open AS days, NULL::BIGINT AS hours,
         opened_on + $plan_days AS due_on, 'no_plan' AS reasons
  FROM cases WHERE planned IS NOT TRUE AND days_open > $plan_days
  UNION ALL BY NAME
  SELECT *, 'bail_expiring' AS check_name,
         abs(date_diff('day', as_of, bail_until_on)) AS days,
         NULL::BIGINT AS hours, bail_until_on AS due_on,
         CASE WHEN bail_until_on < as_of THEN 'bail_lapsed' ELSE 'bail_ending' END AS reasons
  FROM cases
  WHERE suspect_status = 'bailed' AND bail_until_on <= as_of + $bail_warning_days
)
SELECT as_of, investigation_id, check_name, area, team, team_type, officer_id, days, hours,
       due_on, reasons, opened_on
FROM found
ORDER BY as_of, check_name, days DESC, investigation_id
