-- case_areas: the area one investigation is in now (its latest version) and the area it was in
-- on $as_of (the version known that day), when either is in $areas; no row otherwise
-- (grain: investigation_id). The case page admits a user by either: the area holding the case
-- now reads its whole past, an area it has left reads the days it held it. Neither says where
-- the case went: current_area is NULL when outside $areas, day_area too unless current_area is
-- in them (the area holding the case reads it under the area it had that day).
-- Parameters: $investigation_id, $as_of, $areas. Reader: dashboard/data.py case_scope.
WITH areas AS (
  SELECT any_value(area) FILTER (WHERE valid_to IS NULL) AS now_in,
         any_value(area) FILTER (WHERE valid_from <= $as_of
                                   AND (valid_to IS NULL OR valid_to > $as_of)) AS then_in
  FROM investigation_versions
  WHERE investigation_id = $investigation_id
)
SELECT CASE WHEN list_contains($areas, now_in) THEN now_in END AS current_area,
       CASE WHEN list_contains($areas, now_in) OR list_contains($areas, then_in) THEN then_in
       END AS day_area
FROM areas
WHERE list_contains($areas, now_in) OR list_contains($areas, then_in)
