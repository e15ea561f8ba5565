-- flags_day_by_day: the test oracle for etl/sql/queries/flag_spans.sql. The flags rule as the
-- README states it, one day at a time: every open version on every day from $first_day to
-- $last_day, its DS clock by an ASOF join per day. This is the product's flags.sql as it was
-- before the rule was written over runs of days (commit 6850855), kept only so that
-- tests/test_daily_flags.py can check the interval form against a form written independently.
-- Never read by the product. Same parameters and columns as flags.sql.
WITH versions AS (
  -- clock_key: one number per version (an integer key keeps the ASOF joins below fast).
  SELECT c.*, dense_rank() OVER (ORDER BY c.investigation_id, c.version) AS clock_key
  FROM ({child_cases}) AS c
  WHERE c.opened_on <= $last_day AND (c.closed_on IS NULL OR c.closed_on > $first_day)
    AND c.valid_from <= $last_day AND (c.valid_to IS NULL OR c.valid_to > $first_day)
    AND list_contains($areas, c.area)
    AND ($investigation_ids IS NULL
         OR c.investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
),
-- Each version on each day of the period it describes and the case was open.
open_cases AS (
  SELECT v.*, d.day,
         date_diff('day', v.opened_on, d.day) AS days_open
  FROM versions AS v,
       LATERAL (SELECT CAST(unnest(generate_series(
                  CAST(greatest(v.opened_on, v.valid_from, CAST($first_day AS DATE)) AS TIMESTAMP),
                  CAST(least(coalesce(v.closed_on, DATE 'infinity'),
                             coalesce(v.valid_to, DATE 'infinity'),
                             CAST($last_day AS DATE) + 1) AS TIMESTAMP) - INTERVAL 1 DAY,
                  INTERVAL 1 DAY)) AS DATE) AS day) AS d
),
-- The entries that count for a version: between its opening and close (instants). Only the
-- columns the rule reads (not the notes: a thin review's note is fetched for its rows alone).
reviews AS (
  SELECT r.review_id, r.investigation_id, r.reviewed_on, r.reviewed_at_utc, r.reviewer_rank,
         r.grade, r.repeated, r.restarts_clock, v.clock_key
  FROM review_facts AS r JOIN versions AS v USING (investigation_id)
  LEFT JOIN entry_arrivals AS ar USING (review_id)
  WHERE r.reviewed_on <= $last_day AND r.reviewed_at_utc >= v.opened_at_utc
    AND (v.closed_at_utc IS NULL OR r.reviewed_at_utc <= v.closed_at_utc)
    AND {entry_known_under}
),
-- The latest review by a DS-or-above rank on each day that has one, whatever its substance;
-- the ASOF join below carries it to the days after (is the latest one thin or repeated?).
ds_entries AS (
  SELECT clock_key, reviewed_on, grade, repeated, review_id
  FROM reviews WHERE list_contains($ds_review_ranks, reviewer_rank)
  QUALIFY row_number() OVER (PARTITION BY clock_key, reviewed_on
                             ORDER BY reviewed_at_utc DESC, review_id DESC) = 1
),
-- Supervised on a day: an entry by a supervisor rank on or before it.
first_supervised AS (
  SELECT clock_key, min(reviewed_on) AS supervised_from FROM reviews
  WHERE list_contains($supervisor_ranks, reviewer_rank) GROUP BY clock_key
),
clock_days AS (
  SELECT * FROM open_cases WHERE list_contains($specialist_team_types, team_type)
),
clock_reviews AS (
  SELECT clock_key, reviewed_on FROM reviews WHERE {restarts_ds_clock}
),
-- Each open specialist case's review clock on each day (etl/sql/ds_clock.sql).
specialist AS (SELECT c.*, r.reviewed_on AS last_ds_on,
       date_diff('day', coalesce(r.reviewed_on, c.opened_on), c.day) AS days_since_ds,
       date_diff('day', coalesce(r.reviewed_on, c.opened_on), c.day) <= $review_window_days
         AS within_window
FROM clock_days AS c
ASOF LEFT JOIN clock_reviews AS r
  ON c.clock_key = r.clock_key AND c.day >= r.reviewed_on),
latest_ds_entry AS (
  SELECT s.clock_key, s.day, e.grade, e.repeated, e.review_id, e.reviewed_on
  FROM specialist AS s
  ASOF JOIN ds_entries AS e ON s.clock_key = e.clock_key AND s.day >= e.reviewed_on
),
flags AS (
  SELECT day, investigation_id, version, 'child_related' AS flag, days_open AS days,
         array_to_string(child_reasons, ';') AS reasons, NULL::DATE AS last_ds_review_on,
         area, team, team_type, officer_id, opened_on, NULL::DATE AS due_on,
         opened_on AS flagged_since, NULL::VARCHAR AS quoted_note
  FROM open_cases WHERE len(child_reasons) > 0
  UNION ALL
  SELECT day, investigation_id, version,
         CASE WHEN NOT within_window THEN 'ds_review_overdue' ELSE 'ds_review_due_soon' END,
         days_since_ds,
         CASE WHEN last_ds_on IS NULL THEN 'no_ds_review_since_opening'
              ELSE 'since_last_ds_review' END,
         last_ds_on, area, team, team_type, officer_id, opened_on,
         CAST(coalesce(last_ds_on, opened_on) + $review_window_days AS DATE),
         CAST(coalesce(last_ds_on, opened_on) + $due_soon_from_days AS DATE), NULL
  FROM specialist WHERE days_since_ds >= $due_soon_from_days
  UNION ALL
  SELECT s.day, s.investigation_id, s.version, 'ds_review_not_substantive',
         date_diff('day', e.reviewed_on, s.day),
         array_to_string(list_filter([CASE WHEN e.grade = 'thin' THEN 'thin_review' END,
                                      CASE WHEN e.repeated THEN 'repeated_text' END],
                                     lambda r: r IS NOT NULL), ';'),
         e.reviewed_on, s.area, s.team, s.team_type, s.officer_id, s.opened_on,
         CAST(coalesce(s.last_ds_on, s.opened_on) + $review_window_days AS DATE),
         e.reviewed_on,
         -- The note of a thin or repeated review, quoted in the flag's reasons.
         left(n.note, 200)
  FROM specialist AS s
  JOIN latest_ds_entry AS e ON e.clock_key = s.clock_key AND e.day = s.day
  JOIN review_facts AS n ON n.review_id = e.review_id
  WHERE e.grade = 'thin' OR e.repeated
  UNION ALL
  SELECT o.day, o.investigation_id, o.version, 'response_unsupervised', o.days_open,
         array_to_string(o.child_reasons, ';'), NULL, o.area, o.team, o.team_type,
         o.officer_id, o.opened_on, o.opened_on,
         CAST(o.opened_on + $response_min_days_open AS DATE), NULL
  FROM open_cases AS o LEFT JOIN first_supervised AS s USING (clock_key)
  WHERE (s.supervised_from IS NULL OR s.supervised_from > o.day)
    AND list_contains($response_team_types, o.team_type)
    AND len(o.child_reasons) > 0
    AND o.days_open >= $response_min_days_open
)
SELECT day AS as_of, investigation_id, flag, area, team, team_type, officer_id, days, reasons,
       opened_on, last_ds_review_on, due_on, flagged_since, quoted_note, version,
       CASE flag WHEN 'ds_review_overdue' THEN 1 WHEN 'response_unsupervised' THEN 2
                 WHEN 'ds_review_due_soon' THEN 3 WHEN 'ds_review_not_substantive' THEN 4
                 ELSE 5 END AS flag_order
FROM flags
ORDER BY as_of, flag_order, days DESC, investigation_id
