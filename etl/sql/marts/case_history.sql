-- case_history: one row per version of each investigation (grain: investigation_id, version),
-- with the days it describes the case: valid_from (inclusive; -infinity for the first version,
-- the record as first known) to valid_to (exclusive; NULL for the version known now). A replay
-- of day D reads the one version per case with valid_from <= D < valid_to (both worked out at
-- load time: etl/history.py).
-- Columns as case_facts.
SELECT
  i.investigation_id,
  i.version,
  i.valid_from,
  i.valid_to,
  i.incident_id,
  i.area,
  i.team,
  i.team_type,
  i.officer_id,
  i.offence,
  i.opened_at,
  i.closed_at,
  i.opened_at_utc,
  i.closed_at_utc,
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
FROM investigation_versions AS i
LEFT JOIN incidents AS inc ON inc.incident_id = i.incident_id
