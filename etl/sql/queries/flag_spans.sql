-- flag_spans: the flags rule, as runs of days. One row per (investigation_id, version, flag,
-- counted_from) and run of consecutive as-of days from first_day to last_day (inclusive,
-- within $first_day..$last_day) on which the case carries the flag with the same attributes,
-- its `days` on a day D being D - counted_from. flags.sql gives these rows one per day.
-- For each day D, the record of each case is the version known on D (case_history). Open =
-- opened on or before D and not closed on or before it. Entries dated after D are ignored, so
-- any past day can be replayed; entries before the version's opening or after its close never
-- count. All dates are local calendar dates; entries are compared with the opening and close
-- as instants.
-- child_related: every open day of a version with a child reason (etl/sql/child_cases.sql).
-- ds_review_due_soon / ds_review_overdue: an open specialist case from $due_soon_from_days
-- days after its last review by a DS-review rank (or its opening: etl/sql/ds_clock.sql)
-- until the next; overdue beyond $review_window_days. A thin or repeated DS review
-- (review_facts.restarts_clock false) does not restart the clock when thin_reviews_count is
-- off. ds_review_not_substantive: an open specialist case whose latest DS-or-above review (by
-- instant, then review_id, of its day) is thin or repeated, either way.
-- response_unsupervised: an open child-related case of a $response_team_types team from
-- $response_min_days_open days after opening until the day before its first entry by one of
-- $supervisor_ranks.
-- due_on: the day the case's DS review falls (or fell) due, its last review by a DS-review
-- rank (or its opening) plus $review_window_days, for the DS-review flags; the day it opened
-- for response_unsupervised (it needed a supervisor from then); none for child_related.
-- flagged_since: the first day of the flag's current run, i.e. the first day this case has been
-- on the list for it without a break: the last review by a DS-review rank (or the opening)
-- plus $due_soon_from_days for the DS-review clock; the day of the thin or repeated review;
-- the opening plus $response_min_days_open for response_unsupervised; the opening for
-- child_related. Follow-ups (dashboard/followup.py) measure the days from it to the review.
-- flag_order: the one order of the flags, worst first.
-- Grain: investigation_id, version, flag, counted_from, first_day; only investigations in
-- $areas (the asker's scope) and, unless $investigation_ids is NULL, in that list.
-- Parameters: $first_day, $last_day, $areas, $investigation_ids; the rest are settings
-- (etl/settings.py) bound by etl/queries.py.
-- Readers: flags.sql (one row per day, for any range of days) and etl/daily.py, which runs it
-- over every day at load time into the table flag_spans (read back by flags_on_day.sql).
-- tests/test_daily_flags.py checks it, day by day, against tests/sql/flags_day_by_day.sql.
WITH versions AS (
  -- clock_key: one number per version. span_from..span_to: its open days in the period.
  SELECT c.*, dense_rank() OVER (ORDER BY c.investigation_id, c.version) AS clock_key,
         greatest(c.opened_on, c.valid_from, CAST($first_day AS DATE)) AS span_from,
         least(CAST(coalesce(c.closed_on, DATE 'infinity') - 1 AS DATE),
               CAST(coalesce(c.valid_to, DATE 'infinity') - 1 AS DATE),
               CAST($last_day AS DATE)) AS span_to
  FROM ({child_cases}) AS c
  WHERE c.opened_on <= $last_day AND (c.closed_on IS NULL OR c.closed_on > $first_day)
    AND c.valid_from <= $last_day AND (c.valid_to IS NULL OR c.valid_to > $first_day)
    AND list_contains($areas, c.area)
    AND ($investigation_ids IS NULL
         OR c.investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
),
open_versions AS (
  SELECT * FROM versions WHERE span_from <= span_to
),
-- The entries that count for a version: between its opening and close (instants), and read
-- under it: the pairs of entry and version made at load (etl/sql/entry_readings.sql, which
-- applies etl/sql/entry_known_under.sql), each with its assessment. Only the columns the rule
-- reads (not the notes: a thin review's note is fetched for its rows alone). The pairs hold an
-- entry under the versions valid on or after its day; one dated after a version ended cannot
-- move that version's days. tests/sql/flags_day_by_day.sql, the oracle, joins the entries,
-- their assessments and the versions itself.
reviews AS (
  SELECT r.review_id, r.reviewed_on, r.reviewed_at_utc, r.reviewer_rank, v.clock_key, r.grade,
         r.repeated, r.restarts_clock
  FROM entry_readings AS r
  JOIN open_versions AS v ON v.investigation_id = r.investigation_id AND v.version = r.version
  WHERE r.reviewed_on <= $last_day AND NOT r.before_open AND r.after_close IS NOT TRUE
),
-- The latest review by a DS-or-above rank of each day that has one, whatever its substance,
-- until the day before the next such day: is the latest one thin or repeated?
ds_entries AS (
  SELECT *, lead(reviewed_on) OVER (PARTITION BY clock_key ORDER BY reviewed_on) AS next_on
  FROM (SELECT clock_key, reviewed_on, grade, repeated, review_id
        FROM reviews WHERE list_contains($ds_review_ranks, reviewer_rank)
        QUALIFY row_number() OVER (PARTITION BY clock_key, reviewed_on
                                   ORDER BY reviewed_at_utc DESC, review_id DESC) = 1)
),
-- Supervised from a day: an entry by a supervisor rank on or before it.
first_supervised AS (
  SELECT clock_key, min(reviewed_on) AS supervised_from FROM reviews
  WHERE list_contains($supervisor_ranks, reviewer_rank) GROUP BY clock_key
),
clock_spans AS (
  SELECT * FROM open_versions WHERE list_contains($specialist_team_types, team_type)
),
clock_reviews AS (
  SELECT clock_key, reviewed_on FROM reviews WHERE {restarts_ds_clock}
),
-- Each open specialist version's review clock, in phases (etl/sql/ds_clock.sql).
specialist AS ({ds_clock}),
-- A thin or repeated latest DS review, from its day to the day before the next DS-or-above
-- review, on the specialist days it covers: one run, though it may cross from inside the window
-- into beyond it (two clock phases with the same last review).
not_substantive AS (
  SELECT s.investigation_id, s.version, 'ds_review_not_substantive' AS flag,
         e.reviewed_on AS counted_from,
         min(greatest(s.phase_from, e.reviewed_on)) AS first_day,
         max(least(s.phase_to, coalesce(CAST(e.next_on - 1 AS DATE), s.phase_to))) AS last_day,
         array_to_string(list_filter([CASE WHEN e.grade = 'thin' THEN 'thin_review' END,
                                      CASE WHEN e.repeated THEN 'repeated_text' END],
                                     lambda r: r IS NOT NULL), ';') AS reasons,
         e.reviewed_on AS last_ds_review_on, s.area, s.team, s.team_type, s.officer_id,
         s.opened_on, CAST(s.clock_from + $review_window_days AS DATE) AS due_on,
         e.reviewed_on AS flagged_since,
         -- The note of a thin or repeated review, quoted in the flag's reasons.
         left(n.note, 200) AS quoted_note
  FROM specialist AS s
  JOIN ds_entries AS e
    ON e.clock_key = s.clock_key AND e.reviewed_on <= s.phase_to
   AND (e.next_on IS NULL OR e.next_on > s.phase_from)
  JOIN supervision AS n ON n.review_id = e.review_id
  WHERE e.grade = 'thin' OR e.repeated
  GROUP BY ALL
),
flags AS (
  SELECT investigation_id, version, 'child_related' AS flag, opened_on AS counted_from,
         span_from AS first_day, span_to AS last_day,
         array_to_string(child_reasons, ';') AS reasons, NULL::DATE AS last_ds_review_on,
         area, team, team_type, officer_id, opened_on, NULL::DATE AS due_on,
         opened_on AS flagged_since, NULL::VARCHAR AS quoted_note
  FROM open_versions WHERE len(child_reasons) > 0
  UNION ALL
  SELECT investigation_id, version,
         CASE WHEN NOT within_window THEN 'ds_review_overdue' ELSE 'ds_review_due_soon' END,
         clock_from,
         greatest(phase_from, CAST(clock_from + $due_soon_from_days AS DATE)), phase_to,
         CASE WHEN last_ds_on IS NULL THEN 'no_ds_review_since_opening'
              ELSE 'since_last_ds_review' END,
         last_ds_on, area, team, team_type, officer_id, opened_on,
         CAST(clock_from + $review_window_days AS DATE),
         CAST(clock_from + $due_soon_from_days AS DATE), NULL
  FROM specialist
  WHERE greatest(phase_from, CAST(clock_from + $due_soon_from_days AS DATE)) <= phase_to
  UNION ALL
  SELECT * FROM not_substantive
  UNION ALL
  SELECT o.investigation_id, o.version, 'response_unsupervised', o.opened_on,
         greatest(o.span_from, CAST(o.opened_on + $response_min_days_open AS DATE)),
         least(o.span_to, coalesce(CAST(s.supervised_from - 1 AS DATE), o.span_to)),
         array_to_string(o.child_reasons, ';'), NULL, o.area, o.team, o.team_type,
         o.officer_id, o.opened_on, o.opened_on,
         CAST(o.opened_on + $response_min_days_open AS DATE), NULL
  FROM open_versions AS o LEFT JOIN first_supervised AS s USING (clock_key)
  WHERE list_contains($response_team_types, o.team_type) AND len(o.child_reasons) > 0
)
SELECT investigation_id, version, flag,
       CASE flag WHEN 'ds_review_overdue' THEN 1 WHEN 'response_unsupervised' THEN 2
                 WHEN 'ds_review_due_soon' THEN 3 WHEN 'ds_review_not_substantive' THEN 4
                 ELSE 5 END AS flag_order,
       area, team, team_type, officer_id, reasons, opened_on, last_ds_review_on, due_on,
       flagged_since, quoted_note, counted_from, first_day, last_day
FROM flags WHERE first_day <= last_day
