-- restarts_ds_clock: whether an entry restarts a specialist case's review clock: made by one of
-- $ds_review_ranks, and counting (review_facts.restarts_clock: a thin or repeated review does
-- not when thin_reviews_count is off). An expression over review_facts' columns, not a query:
-- flag_spans.sql, daily_compliance.sql, review_intervals.sql and follow_up_reviews.sql include it
-- by name in braces, so the four read one rule.
(list_contains($ds_review_ranks, reviewer_rank) AND restarts_clock)
