-- quarantine_counts: how many quarantined rows the asker may see, per file, reason and the
-- areas the rows mention (grain: source, reason, mentioned_areas):
-- etl/sql/queries/scoped_quarantine.sql's rows counted, without bringing each one to the
-- dashboard (ten years' rows are half a million). Parameters: $areas, $all_areas.
-- Reader: the Data quality page's chart (dashboard/data.py quarantine_by_reason).
SELECT source, reason, mentioned_areas, count(*) AS rows
FROM ({scoped_quarantine}) AS q
GROUP BY ALL
ORDER BY source, reason, mentioned_areas
