-- follow_up_reviews: for follow-ups whose run of flags has ended, what ended it. One row per
-- asked (investigation_id, since, flag): the first entry dated on or after `since` and on or
-- before $as_of that clears that flag (a DS-review flag: an entry that restarts the DS clock,
-- restarts_ds_clock.sql; response_unsupervised: an entry by any of $supervisor_ranks), and
-- whether the case (as known on $as_of) was closed by then. Grain: investigation_id, since.
-- Parameters: $as_of (the newest day of data), $areas, $follow_up_ids, $follow_up_since,
-- $follow_up_flags (three lists of one length, read in step). Reader: dashboard/followup.py
-- reconcile.
WITH asked AS (
  SELECT unnest(CAST($follow_up_ids AS VARCHAR[])) AS investigation_id,
         unnest(CAST($follow_up_since AS DATE[])) AS since,
         unnest(CAST($follow_up_flags AS VARCHAR[])) AS flag
),
known AS (
  SELECT h.investigation_id, h.area, h.closed_on
  FROM case_history AS h
  WHERE h.valid_from <= $as_of AND (h.valid_to IS NULL OR h.valid_to > $as_of)
    AND list_contains($areas, h.area)
)
SELECT a.investigation_id, a.since, a.flag, any_value(k.area) AS area,
       min(r.reviewed_on) AS reviewed_on,
       any_value(k.closed_on) FILTER (WHERE k.closed_on <= $as_of) AS closed_on
FROM asked AS a
JOIN known AS k USING (investigation_id)
LEFT JOIN review_facts AS r
  ON r.investigation_id = a.investigation_id
 AND r.reviewed_on >= a.since AND r.reviewed_on <= $as_of
 AND CASE WHEN a.flag = 'response_unsupervised'
          THEN list_contains($supervisor_ranks, r.reviewer_rank)
          ELSE {restarts_ds_clock} END
GROUP BY a.investigation_id, a.since, a.flag
