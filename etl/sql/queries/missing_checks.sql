-- missing_checks: for each as-of day of $as_of_days, every missing episode of a child
-- (child_age under $child_age_under, or unknown) reported in the $window_days days to it (that
-- day included), with the missing-children checks (issue 17) as known at the end of the day
-- (local midnight): what is dated after it has not happened yet. Several days run together
-- (Today's cards: a day and the day before).
--   absent_category_used: recorded in the "absent" category, withdrawn nationally.
--   rhi_state: still_missing; not_yet_due (returned, no interview offered, within
--     $rhi_hours hours of the end of the day); overdue (returned more than $rhi_hours hours
--     before it and none offered: the rhi_overdue check); offered_in_time (within $rhi_hours
--     hours of the return); offered_late.
--   hours_since_return: whole hours from the return to the offer, or else to the end of the
--     day. rhi_due_on: the local day the interview fell due (returned only).
--   episodes_in_window: the child's episodes (person_ref) in the areas asked for, reported in
--     the $repeat_missing_days days to this one's report (this one included): the include
--     missing_repeats.sql, left out (NULL) where Today reads the checks.
-- Grain: as_of, episode_id. Parameters: $as_of_days, $window_days, $areas, $timezone and the
-- settings named above. Readers: dashboard/data.py (Today, the missing page, the pack).
WITH day_end AS (
  SELECT d AS as_of, d - ($window_days - 1) AS first_day,
         timezone('UTC', timezone($timezone, CAST(d + 1 AS TIMESTAMP))) AS at_utc
  FROM (SELECT unnest(CAST($as_of_days AS DATE[])) AS d)
),
scoped AS (
  SELECT e.as_of, e.first_day, e.at_utc, m.*, CAST(m.reported_at AS DATE) AS reported_on
  FROM missing AS m JOIN day_end AS e ON m.reported_at_utc < e.at_utc
    -- The window's own episodes, and the earlier ones episodes_in_window can count (it looks
    -- back $repeat_missing_days from each; 0 counts none): an older one is left out, so a day
    -- reads the same rows at ten years.
    AND CAST(m.reported_at AS DATE)
        >= e.first_day - greatest(CAST($repeat_missing_days AS INTEGER) - 1, 0)
  WHERE list_contains($areas, m.area)
    AND (m.child_age IS NULL OR m.child_age < $child_age_under)
),
counted AS (
  SELECT s.*,
         {missing_repeats} AS episodes_in_window
  FROM scoped AS s
  WHERE s.reported_on BETWEEN s.first_day AND s.as_of
),
known AS (
  SELECT c.*,
         CASE WHEN c.returned_at_utc < c.at_utc THEN c.returned_at_utc END AS returned_utc,
         CASE WHEN c.return_interview_offered_at_utc < c.at_utc
              THEN c.return_interview_offered_at_utc END AS offered_utc,
         c.at_utc AS end_utc
  FROM counted AS c
)
SELECT as_of, episode_id, person_ref, area, reported_at, reported_on, child_age, risk_category,
       CASE WHEN returned_utc IS NOT NULL THEN returned_at END AS returned_at,
       CASE WHEN offered_utc IS NOT NULL THEN return_interview_offered_at END
         AS return_interview_offered_at,
       risk_category = 'absent' AS absent_category_used,
       date_diff('minute', returned_utc, coalesce(offered_utc, end_utc)) // 60
         AS hours_since_return,
       CASE WHEN returned_utc IS NULL THEN 'still_missing'
            WHEN offered_utc IS NOT NULL
              THEN CASE WHEN offered_utc > returned_utc + to_hours(CAST($rhi_hours AS BIGINT))
                        THEN 'offered_late' ELSE 'offered_in_time' END
            WHEN end_utc > returned_utc + to_hours(CAST($rhi_hours AS BIGINT)) THEN 'overdue'
            ELSE 'not_yet_due' END AS rhi_state,
       -- The local day the interview fell due: the instant $rhi_hours after the return, in
       -- local time (hours are real hours: across a clock change, not the wall clock's).
       CAST(timezone($timezone, timezone('UTC', returned_utc
                                         + to_hours(CAST($rhi_hours AS BIGINT)))) AS DATE)
         AS rhi_due_on,
       episodes_in_window
FROM known
ORDER BY as_of, reported_at DESC, episode_id
