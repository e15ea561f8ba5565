-- flags: one row per (open investigation, flag) on the as-of date $as_of.
-- The record of each case is the version known on $as_of (case_history). Open = opened on or
-- before $as_of and not closed on or before it. Entries dated after $as_of are ignored, so any
-- past day can be replayed; entries before the opening or after the close never count. All
-- dates are local calendar dates; entries are compared with the opening and close as instants.
-- A thin or repeated DS review (review_facts.restarts_clock false) does not restart the clock
-- when thin_reviews_count is off; ds_review_not_substantive marks an open specialist case whose
-- latest DS-or-above review is thin or repeated, either way.
-- due_on: the day the case's DS review falls (or fell) due, its last review by a DS-review
-- rank (or its opening) plus $review_window_days, for the DS-review flags; the day it opened
-- for response_unsupervised (it needed a supervisor from then); none for child_related.
-- flagged_since: the first day of the flag's current run, i.e. the first day this case has been
-- on the list for it without a break: the last review by a DS-review rank (or the opening)
-- plus $due_soon_from_days for the DS-review clock; the day of the thin or repeated review;
-- the opening plus $response_min_days_open for response_unsupervised; the opening for
-- child_related. Follow-ups (dashboard/followup.py) measure the days from it to the review.
-- Grain: investigation_id, flag; only investigations in $areas (the asker's scope).
-- Parameters: $as_of, $areas; the rest are settings (etl/settings.py) bound by etl/queries.py.
-- The child_cases placeholder below is etl/sql/child_cases.sql, the definition of
-- child-related. Rows come worst first: this ORDER BY is the one order of the flags.
-- Readers: `python -m etl flags` (etl/flags.py), the dashboard (Today, child-related, case
-- page, PVP pack: dashboard/data.py).
WITH open_cases AS (
  SELECT c.*, date_diff('day', c.opened_on, $as_of) AS days_open
  FROM ({child_cases}) AS c
  WHERE c.valid_from <= $as_of AND (c.valid_to IS NULL OR c.valid_to > $as_of)
    AND c.opened_on <= $as_of AND (c.closed_on IS NULL OR c.closed_on > $as_of)
    AND list_contains($areas, c.area)
),
reviews AS (
  SELECT r.* FROM review_facts AS r JOIN open_cases AS o USING (investigation_id)
  WHERE r.reviewed_on <= $as_of AND r.reviewed_at_utc >= o.opened_at_utc
    AND (o.closed_at_utc IS NULL OR r.reviewed_at_utc <= o.closed_at_utc)
),
-- The latest review by a DS-or-above rank, whatever its substance: is it thin or repeated?
latest_ds_entry AS (
  SELECT investigation_id, grade, repeated, note, reviewed_on
  FROM reviews WHERE list_contains($ds_review_ranks, reviewer_rank)
  QUALIFY row_number() OVER (PARTITION BY investigation_id ORDER BY reviewed_at_utc DESC) = 1
),
supervised AS (
  SELECT DISTINCT investigation_id FROM reviews
  WHERE list_contains($supervisor_ranks, reviewer_rank)
),
clock_days AS (
  SELECT o.*, CAST($as_of AS DATE) AS day FROM open_cases AS o
  WHERE list_contains($specialist_team_types, o.team_type)
),
clock_reviews AS (
  SELECT investigation_id, reviewed_on FROM reviews WHERE {restarts_ds_clock}
),
-- Each open specialist case's review clock on the day (etl/sql/ds_clock.sql).
specialist AS ({ds_clock}),
flags AS (
  SELECT investigation_id, 'child_related' AS flag, days_open AS days,
         array_to_string(child_reasons, ';') AS reasons, NULL::DATE AS last_ds_review_on,
         area, team, team_type, officer_id, opened_on, NULL::DATE AS due_on,
         opened_on AS flagged_since
  FROM open_cases WHERE len(child_reasons) > 0
  UNION ALL
  SELECT investigation_id,
         CASE WHEN NOT within_window THEN 'ds_review_overdue' ELSE 'ds_review_due_soon' END,
         days_since_ds,
         CASE WHEN last_ds_on IS NULL THEN 'no_ds_review_since_opening'
              ELSE 'since_last_ds_review' END,
         last_ds_on, area, team, team_type, officer_id, opened_on,
         CAST(coalesce(last_ds_on, opened_on) + $review_window_days AS DATE),
         CAST(coalesce(last_ds_on, opened_on) + $due_soon_from_days AS DATE)
  FROM specialist WHERE days_since_ds >= $due_soon_from_days
  UNION ALL
  SELECT s.investigation_id, 'ds_review_not_substantive',
         date_diff('day', e.reviewed_on, $as_of),
         array_to_string(list_filter([CASE WHEN e.grade = 'thin' THEN 'thin_review' END,
                                      CASE WHEN e.repeated THEN 'repeated_text' END],
                                     lambda r: r IS NOT NULL), ';'),
         e.reviewed_on, s.area, s.team, s.team_type, s.officer_id, s.opened_on,
         CAST(coalesce(s.last_ds_on, s.opened_on) + $review_window_days AS DATE),
         e.reviewed_on
  FROM specialist AS s JOIN latest_ds_entry AS e USING (investigation_id)
  WHERE e.grade = 'thin' OR e.repeated
  UNION ALL
  SELECT o.investigation_id, 'response_unsupervised', o.days_open,
         array_to_string(o.child_reasons, ';'), NULL, o.area, o.team, o.team_type,
         o.officer_id, o.opened_on, o.opened_on,
         CAST(o.opened_on + $response_min_days_open AS DATE)
  FROM open_cases AS o ANTI JOIN supervised AS s USING (investigation_id)
  WHERE list_contains($response_team_types, o.team_type)
    AND len(o.child_reasons) > 0
    AND o.days_open >= $response_min_days_open
)
SELECT f.investigation_id, f.flag, f.area, f.team, f.team_type, f.officer_id, f.days, f.reasons,
       f.opened_on, f.last_ds_review_on, f.due_on, f.flagged_since,
       -- The note of a thin or repeated review, quoted in the flag's reasons.
       left(e.note, 200) AS quoted_note
FROM flags AS f
LEFT JOIN latest_ds_entry AS e
  ON f.flag = 'ds_review_not_substantive' AND e.investigation_id = f.investigation_id
WHERE list_contains($areas, f.area)
ORDER BY
  CASE f.flag WHEN 'ds_review_overdue' THEN 1 WHEN 'response_unsupervised' THEN 2
            WHEN 'ds_review_due_soon' THEN 3 WHEN 'ds_review_not_substantive' THEN 4 ELSE 5 END,
  f.days DESC, f.investigation_id
