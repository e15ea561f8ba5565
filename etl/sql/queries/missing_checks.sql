-- missing_checks: every missing episode of a child (child_age under $child_age_under, or
-- unknown) reported on a day from $first_day to $last_day, with the missing-children checks
-- (issue 17). What is dated after the end of $last_day (local midnight) has not happened yet.
--   absent_category_used: recorded in the "absent" category, withdrawn nationally.
--   rhi_state: still_missing; not_yet_due (returned, no interview offered, within
--     $rhi_hours hours of the end of $last_day); overdue (returned more than $rhi_hours hours
--     before it and none offered: the rhi_overdue check); offered_in_time (within $rhi_hours
--     hours of the return); offered_late.
--   hours_since_return: whole hours from the return to the offer, or else to the end of
--     $last_day.
--   episodes_in_window: the child's episodes (person_ref) in the areas asked for, reported in
--     the $repeat_missing_days days to this one's report (this one included).
-- Grain: episode_id. Parameters: $first_day, $last_day, $areas, $timezone and the settings
-- named above. Readers: dashboard/checks.py (Today, the missing page, the pack).
WITH day_end AS (
  SELECT timezone('UTC', timezone($timezone, CAST(CAST($last_day AS DATE) + 1 AS TIMESTAMP)))
           AS at_utc
),
scoped AS (
  SELECT m.*, CAST(m.reported_at AS DATE) AS reported_on
  FROM missing AS m, day_end AS e
  WHERE list_contains($areas, m.area) AND m.reported_at_utc < e.at_utc
    AND (m.child_age IS NULL OR m.child_age < $child_age_under)
),
counted AS (
  SELECT s.*,
         (SELECT count(*) FROM scoped AS o
          WHERE o.person_ref = s.person_ref AND o.reported_on <= s.reported_on
            AND o.reported_on > s.reported_on - $repeat_missing_days) AS episodes_in_window
  FROM scoped AS s
  WHERE s.reported_on BETWEEN $first_day AND $last_day
),
known AS (
  SELECT c.*,
         CASE WHEN c.returned_at_utc < e.at_utc THEN c.returned_at_utc END AS returned_utc,
         CASE WHEN c.return_interview_offered_at_utc < e.at_utc
              THEN c.return_interview_offered_at_utc END AS offered_utc,
         e.at_utc AS end_utc
  FROM counted AS c, day_end AS e
)
SELECT episode_id, person_ref, area, reported_at, reported_on, child_age, risk_category,
       CASE WHEN returned_utc IS NOT NULL THEN returned_at END AS returned_at,
       CASE WHEN offered_utc IS NOT NULL THEN return_interview_offered_at END
         AS return_interview_offered_at,
       risk_category = 'absent' AS absent_category_used,
       date_diff('minute', returned_utc, coalesce(offered_utc, end_utc)) // 60
         AS hours_since_return,
       CASE WHEN returned_utc IS NULL THEN 'still_missing'
            WHEN offered_utc IS NOT NULL
              THEN CASE WHEN date_diff('minute', returned_utc, offered_utc) > $rhi_hours * 60
                        THEN 'offered_late' ELSE 'offered_in_time' END
            WHEN date_diff('minute', returned_utc, end_utc) > $rhi_hours * 60 THEN 'overdue'
            ELSE 'not_yet_due' END AS rhi_state,
       episodes_in_window
FROM known
ORDER BY reported_at DESC, episode_id
