-- entry_assessment: one row per entry on any investigation's log (grain: review_id), assessed
-- against the reviewing-officer checklist. Worked out at load time (etl/assessment.py) into the
-- table of the same name; review_facts carries it to every reader.
-- Elements, in this order: risk, actions, plan, next_review, child (child only on child-related
-- cases; elsewhere not applicable, NULL). A known template value decides (risk_reviewed,
-- plan_updated, child_seen_or_heard true or false); when it is unknown the note's words do
-- ($*_pattern: whole-word phrase lists from the settings). actions: actions_set > 0 or the
-- words; next_review: next_review_due set or the words.
-- grade: substantive = at least $substantive_min_elements applicable elements; thin = none and
-- a note shorter than $thin_note_chars; otherwise partial.
-- repeated: the same note (trimmed, case and spaces folded) by the same reviewer on at least
-- $repeated_min_cases different cases within $repeated_within_days days (one window holding
-- them all, this entry among them). repeated_cases: the most cases in such a window.
-- days_since_previous: days since the case's previous entry by anyone (fixed once loaded).
-- restarts_clock: whether the entry may restart a review clock; a thin or repeated entry does
-- not when $thin_reviews_count is false. (Rank and open dates are the rules' own business.)
-- reviewed_on: the entry's local day (supervision's reviewed_at), for readers of a window of days.
-- Parameters also $child_age_under, $specialist_team_types (child_cases.sql).
-- Incremental (etl/assessment.py): $case_scope (NULL: every case) limits the entries assessed
-- to those cases' (all their entries: days_since_previous looks at the case's previous one);
-- the temp table carried_entry_keys adds the keys (review_id, investigation_id, reviewer_id,
-- note_key, reviewed_on, grade) of other entries already assessed in the groups those entries'
-- notes fall in, so each repeated-text window sees every entry of its group. Those carried
-- entries come out too, with only repeated, repeated_cases and restarts_clock (carried true).
WITH cases AS (
  SELECT investigation_id, len(child_reasons) > 0 AS child_related
  FROM ({child_cases}) AS child_cases WHERE valid_to IS NULL
    AND ($case_scope IS NULL
         OR investigation_id IN (SELECT unnest(CAST($case_scope AS VARCHAR[]))))
),
entries AS (
  SELECT s.review_id, s.investigation_id, s.reviewer_id,
         CAST(s.reviewed_at AS DATE) AS reviewed_on, c.child_related,
         date_diff('day', lag(CAST(s.reviewed_at AS DATE)) OVER (
           PARTITION BY s.investigation_id ORDER BY s.reviewed_at_utc, s.review_id),
           CAST(s.reviewed_at AS DATE)) AS days_since_previous,
         -- Notes are stored without surrounding spaces (validate.py cleans every value).
         coalesce(s.note, '') AS text,
         length(text) AS note_chars,
         coalesce(s.risk_reviewed, regexp_matches(text, $risk_pattern, 'i'))
           AS has_risk,
         -- CASE, not OR: the words are read only where the template does not decide.
         CASE WHEN coalesce(s.actions_set, 0) > 0 THEN true
              ELSE regexp_matches(text, $actions_pattern, 'i') END AS has_actions,
         coalesce(s.plan_updated, regexp_matches(text, $plan_pattern, 'i'))
           AS has_plan,
         CASE WHEN s.next_review_due IS NOT NULL THEN true
              ELSE regexp_matches(text, $next_review_pattern, 'i') END AS has_next_review,
         CASE WHEN c.child_related THEN
           coalesce(s.child_seen_or_heard,
                    regexp_matches(text, $child_pattern, 'i')) END AS has_child,
         -- The note folded and hashed (etl/sql/note_key.sql).
         {note_key} AS note_key
  FROM supervision AS s JOIN cases AS c USING (investigation_id)
),
counted AS (
  SELECT *,
         has_risk::INTEGER + has_actions::INTEGER + has_plan::INTEGER
           + has_next_review::INTEGER + coalesce(has_child, false)::INTEGER AS n_elements,
         CASE WHEN child_related THEN 5 ELSE 4 END AS n_applicable
  FROM entries
),
-- Each entry with a note opens a window [its day, its day + $repeated_within_days]; a window
-- holding the same reviewer's same note on enough cases marks every entry inside it.
-- A group (reviewer, note) and a case are windowed as 64-bit hashes: sorting and counting
-- numbers costs less than text. Two groups or two cases of one group sharing a hash: about
-- 1 in 10^9 for a force's year, as note_key.sql's fold.
grouped AS (
  SELECT review_id, hash(investigation_id) AS case_key, hash(reviewer_id, note_key) AS group_key,
         reviewed_on
  FROM (SELECT review_id, investigation_id, reviewer_id, note_key, reviewed_on FROM counted
        WHERE note_key IS NOT NULL
        UNION ALL
        SELECT review_id, investigation_id, reviewer_id, note_key, reviewed_on
        FROM carried_entry_keys)
),
candidates AS (
  -- Only notes a reviewer wrote on enough cases at all can be repeated within a window.
  SELECT group_key FROM grouped
  GROUP BY ALL HAVING count(DISTINCT case_key) >= $repeated_min_cases
),
keyed AS (
  SELECT g.* FROM grouped AS g SEMI JOIN candidates USING (group_key)
),
windows AS (
  -- Cases in the window that starts at each entry: [its day, its day + $repeated_within_days].
  SELECT *,
         count(DISTINCT case_key) OVER (
           PARTITION BY group_key ORDER BY reviewed_on
           RANGE BETWEEN CURRENT ROW AND $repeated_within_days FOLLOWING) AS cases_from_here
  FROM keyed
),
repeats AS (
  -- An entry is in every window that starts within $repeated_within_days before it: the most
  -- cases in any of them decides.
  SELECT review_id,
         max(cases_from_here) OVER (
           PARTITION BY group_key ORDER BY reviewed_on
           RANGE BETWEEN $repeated_within_days PRECEDING AND CURRENT ROW) AS repeated_cases
  FROM windows
  QUALIFY repeated_cases >= $repeated_min_cases
),
assessed AS (
  SELECT
    c.review_id,
    c.has_risk, c.has_actions, c.has_plan, c.has_next_review, c.has_child,
    array_to_string(list_filter(
      [CASE WHEN c.has_risk THEN 'risk' END, CASE WHEN c.has_actions THEN 'actions' END,
       CASE WHEN c.has_plan THEN 'plan' END, CASE WHEN c.has_next_review THEN 'next_review' END,
       CASE WHEN c.has_child THEN 'child' END], lambda e: e IS NOT NULL), ';') AS elements,
    c.n_elements,
    c.n_applicable,
    CASE WHEN c.n_elements >= $substantive_min_elements THEN 'substantive'
         WHEN c.n_elements = 0 AND c.note_chars < $thin_note_chars THEN 'thin'
         ELSE 'partial' END AS grade,
    c.days_since_previous,
    c.note_key,
    c.reviewed_on,
    false AS carried
  FROM counted AS c
  UNION ALL
  SELECT review_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, grade, NULL, note_key, NULL,
         true
  FROM carried_entry_keys
)
SELECT a.* EXCLUDE (carried),
       r.review_id IS NOT NULL AS repeated,
       coalesce(r.repeated_cases, 0) AS repeated_cases,
       $thin_reviews_count
         OR NOT (a.grade = 'thin' OR r.review_id IS NOT NULL) AS restarts_clock,
       a.carried
FROM assessed AS a LEFT JOIN repeats AS r USING (review_id)
