-- missing_repeats: a missing episode's count of the child's episodes (person_ref) reported in
-- the $repeat_missing_days days to its own report (itself included), among the episodes
-- missing_checks.sql scoped for the same as-of day. An expression over missing_checks.sql's
-- `scoped` rows (its episode as `s`), not a query: missing_checks.sql includes it by name in
-- braces, and Today's checks read that query with it left out (etl/queries.py left_out: the
-- count is the missing page's, and cost a first visit to a day 6-8 ms of planning and work).
(SELECT count(*) FROM scoped AS o
 WHERE o.as_of = s.as_of AND o.person_ref = s.person_ref
   AND o.reported_on <= s.reported_on
   AND o.reported_on > s.reported_on - $repeat_missing_days)
