-- custody_checks: for each as-of day of $as_of_days, every detention of a child (child_age
-- under $child_age_under, or unknown) that began in the $window_days days to it (that day
-- included), with the custody checks (issue 17) as known at the end of the day (local
-- midnight): what is dated after it has not happened yet, so a past period replays as it was
-- known then. Several days run together (Today's cards: a day and the day before). When bail
-- was refused after charge:
--   accommodation_late: local-authority accommodation was not requested (not_requested), was
--     requested more than $accommodation_request_hours after charge (requested_late), or was
--     requested at night, from $night_from_hour:00 to before $night_until_hour:00 local time
--     (requested_at_night); accommodation_reasons lists every one that applies.
--   certificate_missing: the child was not moved to local-authority accommodation (outcome not
--     secured) and no s38(6) certificate was completed (no_certificate), or it has no
--     rationale (no_rationale).
--   overnight: still detained at the end of the day of charge (released on a later day, or not
--     yet released).
-- hours_to_request: whole hours from charge to the request.
-- investigation_id: the case the detention names, left empty when that case is loaded and is
-- now outside $areas (a West detention must not tell a West user of an East case).
-- Grain: as_of, custody_id. Parameters: $as_of_days, $window_days, $areas, $timezone and the
-- settings named above. Readers: dashboard/data.py (Today, the custody page, the case page,
-- the pack).
WITH day_end AS (
  SELECT d AS as_of, d - ($window_days - 1) AS first_day,
         timezone('UTC', timezone($timezone, CAST(d + 1 AS TIMESTAMP))) AS at_utc
  FROM (SELECT unnest(CAST($as_of_days AS DATE[])) AS d)
),
known AS (
  SELECT e.as_of, k.custody_id,
         CASE WHEN elsewhere.investigation_id IS NULL THEN k.investigation_id END
           AS investigation_id,
         k.area, k.detained_at, k.child_age,
         CAST(k.detained_at AS DATE) AS detained_on,
         CASE WHEN k.charged_at_utc < e.at_utc THEN k.charged_at END AS charged_at,
         CASE WHEN k.charged_at_utc < e.at_utc THEN k.charged_at_utc END AS charged_at_utc,
         k.bail_refused AND k.charged_at_utc < e.at_utc AS refused_after_charge,
         CASE WHEN k.accommodation_requested_at_utc < e.at_utc
              THEN k.accommodation_requested_at END AS accommodation_requested_at,
         CASE WHEN k.accommodation_requested_at_utc < e.at_utc
              THEN k.accommodation_requested_at_utc END AS requested_utc,
         k.accommodation_outcome, k.certificate_completed, k.certificate_rationale,
         CASE WHEN k.released_at_utc < e.at_utc THEN k.released_at END AS released_at,
         k.bail_refused
  FROM custody AS k JOIN day_end AS e
    ON CAST(k.detained_at AS DATE) BETWEEN e.first_day AND e.as_of
  -- Only the cases outside $areas are looked at (none, for an asker holding every area).
  LEFT JOIN (SELECT investigation_id FROM investigations
             WHERE NOT list_contains($areas, area)) AS elsewhere
    ON elsewhere.investigation_id = k.investigation_id
  WHERE (k.child_age IS NULL OR k.child_age < $child_age_under)
    AND list_contains($areas, k.area)
),
checked AS (
  SELECT *,
         date_diff('minute', charged_at_utc, requested_utc) // 60 AS hours_to_request,
         CASE WHEN refused_after_charge THEN list_filter([
           CASE WHEN requested_utc IS NULL THEN 'not_requested' END,
           -- Instants compared whole: date_diff('minute') drops the seconds (12:00:59 is
           -- 120 minutes after 10:00:00, yet later than two hours).
           CASE WHEN requested_utc
                     > charged_at_utc + to_hours(CAST($accommodation_request_hours AS BIGINT))
                THEN 'requested_late' END,
           CASE WHEN hour(accommodation_requested_at) >= $night_from_hour
                  OR hour(accommodation_requested_at) < $night_until_hour
                THEN 'requested_at_night' END
         ], lambda r: r IS NOT NULL) ELSE [] END AS accommodation_list,
         CASE WHEN refused_after_charge AND accommodation_outcome IS DISTINCT FROM 'secured'
              THEN CASE WHEN certificate_completed IS NOT TRUE THEN 'no_certificate'
                        WHEN trim(coalesce(certificate_rationale, '')) = '' THEN 'no_rationale'
                   END
         END AS certificate_reason,
         refused_after_charge
           AND (released_at IS NULL OR CAST(released_at AS DATE) > CAST(charged_at AS DATE))
           AS overnight
  FROM known
)
SELECT as_of, custody_id, investigation_id, area, detained_at, detained_on, child_age, charged_at,
       bail_refused, accommodation_requested_at, hours_to_request, accommodation_outcome,
       certificate_completed, certificate_rationale, released_at,
       len(accommodation_list) > 0 AS accommodation_late,
       array_to_string(accommodation_list, ';') AS accommodation_reasons,
       certificate_reason IS NOT NULL AS certificate_missing, certificate_reason, overnight
FROM checked
ORDER BY as_of, detained_at DESC, custody_id
