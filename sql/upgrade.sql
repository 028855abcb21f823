-- The upgrade path: a database created at 0.1.0 and updated gets what a
-- fresh CREATE EXTENSION gets (0.2.0 adds the procedure retention.prune()),
-- and its policies and runs stay. It recreates the extension: the tests
-- after it run against an updated install.
SET client_min_messages = warning;
DROP EXTENSION retention CASCADE;
CREATE EXTENSION retention VERSION '0.1.0';
SELECT extversion, to_regprocedure('retention.prune(text, boolean)') AS prune FROM pg_extension WHERE extname = 'retention';
CREATE TABLE upgrade_events (id int, at timestamptz);
INSERT INTO upgrade_events SELECT i, now() - (i || ' days')::interval - interval '1 minute' FROM generate_series(0, 9) i;
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('upgrade_events', 'at', '5 days');
SELECT status, rows_pruned FROM retention.run('upgrade_events');
ALTER EXTENSION retention UPDATE;
SELECT extversion, to_regprocedure('retention.prune(text, boolean)') AS prune FROM pg_extension WHERE extname = 'retention';
-- 0.3.0: cancel(), the folded history's columns (old rows count one run
-- each), internal functions closed to PUBLIC.
SELECT to_regprocedure('retention.cancel(text)') AS cancel,
       (SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
        WHERE attrelid = 'retention.runs'::regclass AND attname IN ('repeats', 'first_started_at')) AS columns,
       (SELECT bool_and(repeats = 1 AND first_started_at IS NULL) FROM retention.runs) AS old_rows_count_one,
       has_function_privilege('public', 'retention.validate_policy()', 'EXECUTE') AS public_may_validate;
SELECT name, retain FROM retention.policies;
SELECT policy, status, rows_pruned FROM retention.runs;
-- The procedure belongs to the extension, like a fresh install's.
SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'retention')
  AND classid = 'pg_proc'::regclass AND objid = 'retention.prune(text, boolean)'::regprocedure;
INSERT INTO upgrade_events VALUES (100, now() - interval '30 days');
CALL retention.prune('upgrade_events');
SELECT count(*) FROM upgrade_events;
DROP TABLE upgrade_events;
