-- case_facts: one row per investigation, joined to its incident (which may have arrived in a
-- later load), with local calendar dates for day arithmetic. No thresholds here: those are
-- settings, applied in etl/sql/flags.sql.
SELECT
  i.investigation_id,
  i.incident_id,
  i.area,
  i.team,
  i.team_type,
  i.officer_id,
  i.offence,
  i.opened_at,
  i.closed_at,
  CAST(i.opened_at AS DATE) AS opened_on,
  CAST(i.closed_at AS DATE) AS closed_on,
  i.victim_age,
  i.suspect_age,
  i.child_protection_concern,
  inc.reported_at AS incident_reported_at,
  inc.incident_type,
  inc.child_linked AS incident_child_linked,
  inc.children_present AS incident_children_present,
  inc.incident_id IS NOT NULL AS has_incident
FROM investigations AS i
LEFT JOIN incidents AS inc ON inc.incident_id = i.incident_id
