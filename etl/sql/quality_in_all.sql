-- quality_in_all: whether entry_quality.sql makes its one row in all (grouping 'all', which
-- only the PVP pack shows): TRUE. An expression, not a query: entry_quality.sql includes it by
-- name in braces in that row's WHERE, and the quality page reads the query with it left out
-- (etl/queries.py left_out gives NULL: the branch is folded away when the query is planned,
-- a quarter of the query's cost for one area at force).
TRUE
