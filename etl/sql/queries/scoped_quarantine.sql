-- scoped_quarantine: the quarantined rows the asker may see (grain: source, line, load). A row
-- mentions its own `area`, and the area of each loaded record it names: the case, incident,
-- review, detention or missing episode with its id (a duplicate_id row names the kept row),
-- the case a review is on, the incident a case links to. It is shown when every area it
-- mentions is in $areas (any case), so a West user never learns of an East record through
-- it; rows with no recognisable area
-- only when $areas holds every area in $all_areas (force-wide roles). `mentioned_areas` lists
-- what it mentions (lower case) when $areas lacks an area; an asker who holds every area sees
-- every row, so nothing is looked up for them (ten years' rows took 1.5 s) and it is empty.
-- Parameters: $areas, $all_areas (the areas setting). Reader: the Data quality page
-- (dashboard/data.py quarantine).
WITH everything AS (
  SELECT bool_and(list_contains(list_transform($areas, lambda a: lower(a)), lower(a))) AS yes
  FROM unnest(list_transform($all_areas, lambda a: lower(a))) AS t(a)),
q AS (SELECT row_number() OVER () AS qid, q.* FROM quarantine AS q),
-- The rows whose areas are looked up: none for an asker who holds every area.
asked AS (
  SELECT qid, extract, record_id,
         json_extract_string(raw, '$.area') AS raw_area,
         json_extract_string(raw, '$.investigation_id') AS raw_investigation,
         json_extract_string(raw, '$.incident_id') AS raw_incident
  FROM q WHERE NOT coalesce((SELECT yes FROM everything), false)),
mentions AS (
  SELECT qid, raw_area AS area FROM asked AS q WHERE raw_area IS NOT NULL
  UNION ALL
  -- Each id a row names, joined on its own (an equality join: `id IN (a, b)` made DuckDB
  -- compare every quarantined row with every case, a minute at force scale).
  SELECT qid, i.area FROM asked AS q
    JOIN investigations AS i ON i.investigation_id = q.raw_investigation
  UNION ALL
  SELECT qid, i.area FROM asked AS q JOIN investigations AS i
    ON q.extract = 'investigations' AND i.investigation_id = q.record_id
  UNION ALL
  SELECT qid, n.area FROM asked AS q JOIN incidents AS n ON n.incident_id = q.raw_incident
  UNION ALL
  SELECT qid, n.area FROM asked AS q JOIN incidents AS n
    ON q.extract = 'incidents' AND n.incident_id = q.record_id
  UNION ALL
  SELECT qid, i.area FROM asked AS q
    JOIN supervision AS r ON q.extract = 'supervision' AND r.review_id = q.record_id
    JOIN investigations AS i ON i.investigation_id = r.investigation_id
  UNION ALL
  -- The optional extracts' kept rows (a duplicate custody_id or episode_id names the kept
  -- one, which may be another area's).
  SELECT qid, c.area FROM asked AS q
    JOIN custody AS c ON q.extract = 'custody' AND c.custody_id = q.record_id
  UNION ALL
  SELECT qid, m.area FROM asked AS q
    JOIN missing AS m ON q.extract = 'missing' AND m.episode_id = q.record_id),
judged AS (
  SELECT qid, list_distinct(list(lower(trim(area)))) AS mentioned_areas,
         bool_and(list_contains(list_transform($areas, lambda a: lower(a)), lower(trim(area))))
           AS all_in_scope
  FROM mentions GROUP BY qid)
SELECT source, line, record_id, reason, detail, first_load_id, load_id, resolved_load_id,
       coalesce(mentioned_areas, []) AS mentioned_areas
FROM q LEFT JOIN judged USING (qid), everything
WHERE everything.yes OR coalesce(judged.all_in_scope, false)
ORDER BY source, line, first_load_id, record_id
