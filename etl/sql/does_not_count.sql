-- does_not_count: why an entry counts for nothing in its case's rule (NULL: it counts), read
-- under one version of its case: before the opening, after the close, a rank below the rule
-- ($ds_review_ranks on $specialist_team_types, else $supervisor_ranks), or thin/repeated with
-- thin_reviews_count off (restarts_clock false, from the entry assessment). An expression over
-- `before_open` and `after_close` (the entry's instant against the version's opening and
-- close; NULL when either is unknown), the version's `team_type`, the entry's `reviewer_rank`
-- and `restarts_clock`, not a query: entries_known_on.sql (the case log) and entry_quality.sql
-- (over entry_readings) include it by name in braces.
CASE WHEN before_open THEN 'before the case opened'
     WHEN after_close THEN 'after the case closed'
     WHEN NOT CASE WHEN list_contains($specialist_team_types, team_type)
                   THEN list_contains($ds_review_ranks, reviewer_rank)
                   ELSE list_contains($supervisor_ranks, reviewer_rank) END
       THEN 'rank below the rule'
     WHEN list_contains($specialist_team_types, team_type) AND NOT restarts_clock
       THEN 'thin or repeated, and thin_reviews_count is off'
END
