-- case_versions: every version of one investigation's record, oldest first, with the day each
-- became known (grain: version). The case's current area decides the scope, as for the case
-- page. Parameters: $investigation_id, $areas. Reader: the case page's record history.
SELECT h.version, CASE WHEN h.version > 1 THEN h.valid_from END AS known_from,
       h.team, h.team_type, h.area, h.opened_at, h.closed_at, c.area AS current_area
FROM case_history AS h JOIN case_facts AS c USING (investigation_id)
WHERE h.investigation_id = $investigation_id AND list_contains($areas, c.area)
ORDER BY h.version
