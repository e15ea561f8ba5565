-- case_facts: one row per investigation **as now known** (its latest version in case_history),
-- joined to its incident (which may have arrived in a later load), with local calendar dates
-- for day arithmetic and the instants (_utc) for ordering. No thresholds here: those are
-- settings, applied in etl/sql/queries/flag_spans.sql. Replays of a past day read case_history instead.
SELECT * EXCLUDE (version, valid_from, valid_to) FROM case_history WHERE valid_to IS NULL
