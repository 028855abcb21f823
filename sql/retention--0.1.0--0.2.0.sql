-- retention 0.1.0 -> 0.2.0: retention.prune(), retention.run() as a procedure.
\echo Use "ALTER EXTENSION retention UPDATE TO '0.2.0'" to load this file. \quit

-- The waiting session of retention.run() holds its statement's snapshot for
-- the whole run, which holds back vacuum's horizon like a long transaction.
-- CALL retention.prune() commits before the run starts and waits holding
-- no snapshot; it reports with NOTICEs (the run's row is in retention.runs).
CREATE PROCEDURE retention.prune(policy text, dry_run boolean DEFAULT false)
    LANGUAGE c AS 'MODULE_PATHNAME', 'retention_prune';
COMMENT ON PROCEDURE retention.prune(text, boolean) IS
    'Prune one policy now, like retention.run(), without holding a snapshot while the run prunes';
