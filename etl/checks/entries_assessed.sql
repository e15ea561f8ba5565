-- Fails for an entry without its one assessment, an assessment without its entry, or an
-- assessment whose copies of the entry's columns (case, reviewer, rank, instant, day) differ
-- from supervision's: entries_known_on.sql reads the assessment alone.
SELECT coalesce(s.review_id, a.review_id) AS review_id
FROM supervision AS s
FULL JOIN entry_assessment AS a USING (review_id)
WHERE s.review_id IS NULL OR a.review_id IS NULL
   OR a.investigation_id IS DISTINCT FROM s.investigation_id
   OR a.reviewer_id IS DISTINCT FROM s.reviewer_id
   OR a.reviewer_rank IS DISTINCT FROM s.reviewer_rank
   OR a.reviewed_at_utc IS DISTINCT FROM s.reviewed_at_utc
   OR a.reviewed_on IS DISTINCT FROM CAST(s.reviewed_at AS DATE)
UNION ALL
-- Every entry (unique: unique_supervision_review_id.sql) has an assessment and every assessment
-- an entry: as many rows in each means one assessment each.
SELECT NULL WHERE (SELECT count(*) FROM supervision) <> (SELECT count(*) FROM entry_assessment)
