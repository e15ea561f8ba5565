-- check_spans: the inspection's findings on a case's own record (issue 17), as runs of days:
-- one row per (investigation_id, version, check_name, reasons) and run of consecutive as-of
-- days, first_day to last_day (inclusive, within $first_day..$last_day), on which the open
-- child-related case fails the check. case_checks.sql gives these rows one per day.
-- The record on a day is the version known that day (child_cases over case_history; the
-- optional columns from investigation_versions); a timestamp after the end of the day has not
-- happened yet. Hours are counted to the end of the day (local midnight, as an instant): what
-- the force could have seen at the end of the day. An absent column reads as empty, so
-- unallocated and no_plan would flag every case: dashboard/data.py drops the rows of a check
-- that is off, and says so.
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
-- On a day D: days = D - days_from (days open; days since bail ended), or days_from - D when
-- days_down (days until bail ends; 0 = today); hours (unallocated) = whole hours from
-- opened_at_utc to the end of D. due_on: the day the check fell or falls due.
-- A run's first or last day that hangs on an instant (the hours after opening; the day an
-- officer was allocated or a plan recorded) is the first of three days around that instant's
-- local date on which a single day's test holds (the test of case_checks.sql's days, so the
-- night the clocks change is no special case).
-- The open child-related versions are read as runs from the load's child_related spans
-- (flag_spans) when $from_spans (etl/check_days.py, at load), else from child_cases.
-- Grain: investigation_id, version, check_name, reasons, first_day. Parameters: $first_day,
-- $last_day, $areas, $from_spans, $timezone and the settings named above. Readers:
-- case_checks.sql (any days) and etl/check_days.py (every day, at load: table check_spans).
WITH runs AS (
  SELECT investigation_id, version, greatest(first_day, CAST($first_day AS DATE)) AS run_from,
         least(last_day, CAST($last_day AS DATE)) AS run_to
  FROM flag_spans
  WHERE $from_spans AND flag = 'child_related' AND list_contains($areas, area)
    AND first_day <= $last_day AND last_day >= $first_day
  UNION ALL
  SELECT investigation_id, version,
         greatest(opened_on, valid_from, CAST($first_day AS DATE)) AS run_from,
         least(CAST(coalesce(closed_on, DATE 'infinity') - 1 AS DATE),
               CAST(coalesce(valid_to, DATE 'infinity') - 1 AS DATE),
               CAST($last_day AS DATE)) AS run_to
  FROM ({child_cases})
  WHERE NOT $from_spans AND len(child_reasons) > 0 AND list_contains($areas, area)
    AND opened_on <= $last_day AND (closed_on IS NULL OR closed_on > $first_day)
    AND valid_from <= $last_day AND (valid_to IS NULL OR valid_to > $first_day)
),
cases AS (
  SELECT r.run_from, r.run_to, v.investigation_id, v.version, v.area, v.team, v.team_type,
         v.officer_id, CAST(v.opened_at AS DATE) AS opened_on, v.opened_at, v.opened_at_utc,
         v.suspect_age, v.suspect_status, CAST(v.bail_until AS DATE) AS bail_until_on,
         v.cawn_issued, v.online, v.allocated_at, v.allocated_at_utc, v.plan_recorded_at,
         v.plan_recorded_at_utc,
         v.team_type = 'cse' OR len(list_filter($cse_offence_phrases,
           lambda p: contains(lower(coalesce(v.offence, '')), lower(p)))) > 0 AS is_cse
  FROM runs AS r JOIN investigation_versions AS v USING (investigation_id, version)
  WHERE r.run_from <= r.run_to
),
-- The end of each day of the period and two either side, as an instant (local midnight).
ends AS (
  SELECT CAST(d AS DATE) AS day,
         timezone('UTC', timezone($timezone, d + INTERVAL 1 DAY)) AS end_utc
  FROM range(CAST(CAST($first_day AS DATE) - 2 AS TIMESTAMP),
             CAST(CAST($last_day AS DATE) + 3 AS TIMESTAMP), INTERVAL 1 DAY) AS t(d)
),
-- The local dates around which a run starts or ends: when the hours after opening have passed,
-- when an officer was allocated, when a plan was recorded.
marks AS (
  SELECT *, CAST(opened_at + to_hours($unallocated_hours) AS DATE) AS waited_x,
         CAST(allocated_at AS DATE) AS allocated_x, CAST(plan_recorded_at AS DATE) AS planned_x
  FROM cases
),
-- The first day the test of a single day holds, of the three around each date (NULL when
-- there is no such instant: greatest() and least() skip a NULL, so a run needing one says
-- so). A date two days or more outside the period is kept as it is: a day either way changes
-- nothing there.
turns AS MATERIALIZED (
  SELECT m.*,
         CASE WHEN w0.end_utc IS NULL OR w2.end_utc IS NULL THEN m.waited_x
              WHEN w0.end_utc > m.opened_at_utc + to_hours(CAST($unallocated_hours AS BIGINT))
                THEN m.waited_x - 1
              WHEN w1.end_utc > m.opened_at_utc + to_hours(CAST($unallocated_hours AS BIGINT))
                THEN m.waited_x
              WHEN w2.end_utc > m.opened_at_utc + to_hours(CAST($unallocated_hours AS BIGINT))
                THEN m.waited_x + 1 END AS waited_from,
         CASE WHEN a0.end_utc IS NULL OR a2.end_utc IS NULL THEN m.allocated_x
              WHEN m.allocated_at_utc < a0.end_utc THEN m.allocated_x - 1
              WHEN m.allocated_at_utc < a1.end_utc THEN m.allocated_x
              WHEN m.allocated_at_utc < a2.end_utc THEN m.allocated_x + 1 END AS allocated_on,
         CASE WHEN p0.end_utc IS NULL OR p2.end_utc IS NULL THEN m.planned_x
              WHEN m.plan_recorded_at_utc < p0.end_utc THEN m.planned_x - 1
              WHEN m.plan_recorded_at_utc < p1.end_utc THEN m.planned_x
              WHEN m.plan_recorded_at_utc < p2.end_utc THEN m.planned_x + 1 END AS planned_on,
         CASE WHEN m.suspect_age < $child_age_under THEN 'child_suspect'
              WHEN m.online THEN 'online' WHEN NOT m.online THEN 'not_online' END AS cse_kind
  FROM marks AS m
  LEFT JOIN ends AS w0 ON w0.day = m.waited_x - 1
  LEFT JOIN ends AS w1 ON w1.day = m.waited_x
  LEFT JOIN ends AS w2 ON w2.day = m.waited_x + 1
  LEFT JOIN ends AS a0 ON a0.day = m.allocated_x - 1
  LEFT JOIN ends AS a1 ON a1.day = m.allocated_x
  LEFT JOIN ends AS a2 ON a2.day = m.allocated_x + 1
  LEFT JOIN ends AS p0 ON p0.day = m.planned_x - 1
  LEFT JOIN ends AS p1 ON p1.day = m.planned_x
  LEFT JOIN ends AS p2 ON p2.day = m.planned_x + 1
),
found AS (
  SELECT *, 'rui_with_cawn' AS check_name, 'rui_with_cawn' AS reasons, run_from AS from_day,
         run_to AS to_day, opened_on AS days_from, false AS days_down, opened_on AS due_on
  FROM turns WHERE suspect_status = 'rui' AND cawn_issued
  UNION ALL BY NAME
  SELECT *, 'cse_allocation' AS check_name, 'cse_' || cse_kind AS reasons, run_from AS from_day,
         run_to AS to_day, opened_on AS days_from, false AS days_down, opened_on AS due_on
  FROM turns
  WHERE is_cse AND (
        (cse_kind = 'child_suspect' AND NOT list_contains($cse_child_suspect_team_types, team_type))
     OR (cse_kind = 'online' AND NOT list_contains($cse_online_team_types, team_type))
     OR (cse_kind = 'not_online' AND NOT list_contains($cse_not_online_team_types, team_type)))
  UNION ALL BY NAME
  SELECT *, 'unallocated' AS check_name, 'unallocated' AS reasons,
         greatest(run_from, waited_from) AS from_day,
         least(run_to, coalesce(allocated_on - 1, run_to)) AS to_day, opened_on AS days_from,
         false AS days_down, CAST(opened_at + to_hours($unallocated_hours) AS DATE) AS due_on
  FROM turns WHERE waited_from IS NOT NULL
  UNION ALL BY NAME
  SELECT *, 'no_plan' AS check_name, 'no_plan' AS reasons,
         greatest(run_from, opened_on + $plan_days + 1) AS from_day,
         least(run_to, coalesce(planned_on - 1, run_to)) AS to_day, opened_on AS days_from,
         false AS days_down, opened_on + $plan_days AS due_on
  FROM turns
  UNION ALL BY NAME
  SELECT *, 'bail_expiring' AS check_name, 'bail_ending' AS reasons,
         greatest(run_from, bail_until_on - $bail_warning_days) AS from_day,
         least(run_to, bail_until_on) AS to_day, bail_until_on AS days_from, true AS days_down,
         bail_until_on AS due_on
  FROM turns WHERE suspect_status = 'bailed' AND bail_until_on IS NOT NULL
  UNION ALL BY NAME
  SELECT *, 'bail_expiring' AS check_name, 'bail_lapsed' AS reasons,
         greatest(run_from, bail_until_on + 1) AS from_day, run_to AS to_day,
         bail_until_on AS days_from, false AS days_down, bail_until_on AS due_on
  FROM turns WHERE suspect_status = 'bailed' AND bail_until_on IS NOT NULL
)
SELECT investigation_id, version, check_name, reasons, area, team, team_type, officer_id,
       opened_on, days_from, days_down,
       CASE WHEN check_name = 'unallocated' THEN opened_at_utc END AS opened_at_utc, due_on,
       from_day AS first_day, to_day AS last_day
FROM found
WHERE from_day <= to_day
