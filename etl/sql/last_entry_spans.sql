-- last_entry_spans: last_supervisory_entry.sql's answer as runs of as-of days, for the cases the
-- Today list can name: those flag_spans gives a flag to act on (every flag but child_related)
-- on some day. One row per (investigation_id, version) and entry by one of $supervisor_ranks
-- that a day could name as the case's last: from_day..to_day (inclusive) are the as-of days on
-- which it is the last entry dated on or before the day, read under that version, while the
-- version is valid and its case open. Grain: investigation_id, from_day.
-- An entry is the last of its case from its own day (or the version's first day, when it was
-- read under a version made after it) until the day before the version's next entry's day,
-- the day before the version ends or the day before its case closed (closed_on: the local date
-- of closed_at, as case_history.sql has it), whichever comes first. Entries are ordered by
-- instant, then review_id, as last_supervisory_entry.sql orders them; a later instant never has
-- an earlier local date, so of one day's entries the last in that order is the day's, and the
-- others hold no day (to_day before from_day: left out).
-- Closed days and cases never flagged are left out on purpose: the reader asks only for the
-- day's flagged cases, open on it (flags.sql), and a closed case's last entry would otherwise
-- be a run to the end of time, read by every later day (docs/benchmarks.md, session 20).
-- Parameters: $supervisor_ranks (a setting); $investigation_ids (only these cases; NULL: every
-- flagged case). Reads entry_readings (etl/sql/entry_readings.sql), which pairs each entry with
-- the versions of its case that read it, investigation_versions for the close, and the
-- flag_spans the load has just made (etl/daily.py).
-- Made at load time into the table last_entry_spans (etl/last_entries.py), stored by to_day;
-- read back by last_entry_on_day.sql. tests/test_last_entries.py checks it against
-- last_supervisory_entry.sql, day by day.
WITH entries AS (
  SELECT r.investigation_id, r.version, r.area, r.valid_from, r.valid_to, r.reviewed_on,
         r.reviewer_id, r.reviewer_rank, r.reviewed_at, r.grade,
         lead(r.reviewed_on) OVER (PARTITION BY r.investigation_id, r.version
                                   ORDER BY r.reviewed_at_utc, r.review_id) AS next_on
  FROM entry_readings AS r
  WHERE list_contains($supervisor_ranks, r.reviewer_rank)
    AND r.investigation_id IN (SELECT investigation_id FROM flag_spans
                               WHERE {flags_to_act_on})
    AND ($investigation_ids IS NULL
         OR r.investigation_id IN (SELECT unnest(CAST($investigation_ids AS VARCHAR[]))))
),
runs AS (
  SELECT e.investigation_id, e.area, e.reviewer_id, e.reviewer_rank, e.reviewed_at, e.grade,
         greatest(e.reviewed_on, e.valid_from) AS from_day,
         least(coalesce(e.next_on - 1, DATE 'infinity'),
               coalesce(e.valid_to - 1, DATE 'infinity'),
               coalesce(CAST(v.closed_at AS DATE) - 1, DATE 'infinity')) AS to_day
  FROM entries AS e
  JOIN investigation_versions AS v USING (investigation_id, version)
)
SELECT investigation_id, area, CAST(from_day AS DATE) AS from_day, CAST(to_day AS DATE) AS to_day,
       reviewer_id, reviewer_rank, reviewed_at, grade
FROM runs
WHERE from_day <= to_day
