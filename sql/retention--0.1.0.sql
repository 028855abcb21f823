-- retention 0.1.0: the catalog (policies, runs, status) and its validation.
\echo Use "CREATE EXTENSION retention" to load this file. \quit

-- One row per retention rule. Rows are checked by the trigger below at every
-- INSERT and UPDATE (and DELETE needs the table's owner); see README "Policy reference" for each column.
CREATE TABLE retention.policies (
    name        text PRIMARY KEY,               -- NULL on INSERT: the table's name
    relation    regclass NOT NULL,
    time_column name NOT NULL,
    retain      interval,                       -- NULL: keep forever
    time_unit   text,                           -- 's', 'ms', 'us' for integer epochs
    filter      text,
    schedule    text NOT NULL DEFAULT '0 3 * * *',
    time_zone   text NOT NULL DEFAULT 'UTC',
    batch_size  integer NOT NULL DEFAULT 10000,
    batch_delay interval NOT NULL DEFAULT '0',
    max_runtime interval,
    enabled     boolean NOT NULL DEFAULT true,
    archive_to  regclass,
    partitions  text NOT NULL DEFAULT 'drop',
    max_retries integer NOT NULL DEFAULT 3,
    owner       regrole NOT NULL DEFAULT quote_ident(current_user)::regrole,
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE retention.policies IS 'Retention rules: which rows of which table expire, and when they are pruned';

CREATE FUNCTION retention.validate_policy() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'retention_validate_policy';

CREATE TRIGGER validate BEFORE INSERT OR UPDATE OR DELETE ON retention.policies
    FOR EACH ROW EXECUTE FUNCTION retention.validate_policy();

-- A committed policy edit (or CREATE EXTENSION, at the end of this script)
-- lets the launcher start this database's scheduler at once.
CREATE FUNCTION retention.wake_scheduler() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'retention_wake_scheduler';
CREATE TRIGGER wake_scheduler AFTER INSERT OR UPDATE ON retention.policies
    FOR EACH STATEMENT EXECUTE FUNCTION retention.wake_scheduler();

-- One audit row per run, dry runs included. Written by the prune engine.
CREATE SEQUENCE retention.runs_id_seq;
CREATE TABLE retention.runs (
    id                 bigint PRIMARY KEY DEFAULT nextval('retention.runs_id_seq'),
    policy             text NOT NULL,
    triggered_by       text NOT NULL CHECK (triggered_by IN ('manual', 'schedule')),
    dry_run            boolean NOT NULL DEFAULT false,
    status             text NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'partial')),
    started_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at        timestamptz,
    cutoff             timestamptz,
    rows_pruned        bigint NOT NULL DEFAULT 0,
    batches            integer NOT NULL DEFAULT 0,
    partitions_dropped integer NOT NULL DEFAULT 0,
    error              text,
    sqlstate           text,
    -- beyond the contract
    relation           text,                    -- the table's name when the run started
    owner              regrole NOT NULL,        -- whose privileges the run used
    pid                integer DEFAULT pg_backend_pid(),
    rows_kept_referenced bigint NOT NULL DEFAULT 0, -- expired rows kept because rows still reference them
    longest_batch_ms   integer NOT NULL DEFAULT 0,   -- the longest batch transaction
    method             text                          -- how the tables were walked: index, blocks, partitions
);
ALTER SEQUENCE retention.runs_id_seq OWNED BY retention.runs.id;
CREATE INDEX runs_policy_id_idx ON retention.runs (policy, id DESC);
CREATE INDEX runs_running_idx ON retention.runs (id) WHERE status = 'running';

COMMENT ON TABLE retention.runs IS 'Audit trail: one row per retention run, written when it starts and completed when it ends';

-- Scheduling, computed from the catalog alone: the scheduler runs what
-- retention.status says is due, so the view and the worker always agree.
CREATE FUNCTION retention.next_run_time(schedule text, time_zone text, anchor timestamptz,
                                        failures integer DEFAULT 0, max_retries integer DEFAULT 0,
                                        salt text DEFAULT '')
    RETURNS timestamptz
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'retention_next_run_time';
COMMENT ON FUNCTION retention.next_run_time(text, text, timestamptz, integer, integer, text) IS
    'When a schedule is due next after anchor (after failures consecutive failures: a growing back-off)';

CREATE FUNCTION retention.scheduling_active() RETURNS boolean
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'retention_scheduling_active';
COMMENT ON FUNCTION retention.scheduling_active() IS
    'Whether the background worker schedules this database''s policies now';

-- One row per policy: when it runs next and how its last run went.
CREATE VIEW retention.status WITH (security_invoker = true) AS
SELECT p.name          AS policy,
       p.relation,
       p.enabled,
       p.schedule,
       p.time_zone,
       p.retain,
       CASE WHEN p.enabled AND retention.scheduling_active() THEN
           retention.next_run_time(p.schedule, p.time_zone, greatest(last.started_at, p.updated_at),
                                   failures.consecutive, p.max_retries, p.name)
       END               AS next_run_at,
       last.started_at   AS last_run_at,
       last.status       AS last_status,
       last.error        AS last_error,
       last.rows_pruned  AS last_rows_pruned,
       last.finished_at  AS last_finished_at,
       failures.consecutive AS consecutive_failures,
       EXISTS (SELECT 1 FROM retention.runs r WHERE r.policy = p.name AND r.status = 'running' AND NOT r.dry_run)
                         AS running
FROM retention.policies p
LEFT JOIN LATERAL (
    SELECT r.started_at, r.finished_at, r.status, r.error, r.rows_pruned
    FROM retention.runs r
    WHERE r.policy = p.name AND NOT r.dry_run
    ORDER BY r.id DESC
    LIMIT 1
) last ON true
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS consecutive
    FROM retention.runs r
    WHERE r.policy = p.name AND NOT r.dry_run AND r.status = 'failed'
      AND r.id > coalesce((SELECT max(ok.id) FROM retention.runs ok
                           WHERE ok.policy = p.name AND NOT ok.dry_run
                             AND ok.status IN ('succeeded', 'partial', 'cancelled')), 0)
) failures;

COMMENT ON VIEW retention.status IS 'One row per retention policy: schedule, next run, and the outcome of the last run';
GRANT EXECUTE ON FUNCTION retention.next_run_time(text, text, timestamptz, integer, integer, text) TO PUBLIC;

-- Who may do what: every role may use the extension; row-level security
-- limits each role to the policies (and runs) of roles it is a member of.
-- The trigger additionally requires ownership of the pruned table.
GRANT USAGE ON SCHEMA retention TO PUBLIC;
ALTER TABLE retention.policies ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_members ON retention.policies
    USING (pg_has_role(owner, 'MEMBER'))
    WITH CHECK (pg_has_role(owner, 'MEMBER'));
GRANT SELECT, INSERT, UPDATE, DELETE ON retention.policies TO PUBLIC;

ALTER TABLE retention.runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_members ON retention.runs FOR SELECT
    USING (pg_has_role(owner, 'MEMBER'));
GRANT SELECT ON retention.runs TO PUBLIC;
GRANT SELECT ON retention.status TO PUBLIC;

-- pg_dump keeps the policies and the audit trail.
SELECT pg_catalog.pg_extension_config_dump('retention.policies', '');
SELECT pg_catalog.pg_extension_config_dump('retention.runs', '');
SELECT pg_catalog.pg_extension_config_dump('retention.runs_id_seq', '');

CREATE FUNCTION retention.wake_scheduler_now() RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'retention_wake_scheduler';
REVOKE EXECUTE ON FUNCTION retention.wake_scheduler_now() FROM PUBLIC;
SELECT retention.wake_scheduler_now();

-- A policy goes away with its table, like the table's triggers do. Dropping
-- an archive table that a remaining policy still writes to is refused:
-- silently pruning without the archive would lose rows. So is dropping a
-- policy's time column.
CREATE FUNCTION retention.forget_dropped_tables() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
    dropped oid[];
    orphan record;
BEGIN
    -- A policy's time column cannot be dropped from under it.
    SELECT p.name, d.object_identity INTO orphan
    FROM retention.policies p
    JOIN pg_event_trigger_dropped_objects() d
      ON d.classid = 'pg_class'::regclass AND d.objid = p.relation::oid AND d.objsubid > 0
     AND d.address_names[3] = p.time_column::text
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot drop column %: retention policy "%" uses it as its time column',
                        orphan.object_identity, orphan.name
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Change or delete the policy first.';
    END IF;

    SELECT array_agg(objid) INTO dropped
    FROM pg_event_trigger_dropped_objects()
    WHERE classid = 'pg_class'::regclass AND objsubid = 0 AND object_type IN ('table', 'partitioned table');
    IF dropped IS NULL THEN
        RETURN;
    END IF;

    SELECT p.name, d.object_identity INTO orphan
    FROM retention.policies p
    JOIN pg_event_trigger_dropped_objects() d ON d.classid = 'pg_class'::regclass AND d.objid = p.archive_to::oid
    WHERE NOT p.relation::oid = ANY (dropped)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot drop table %: retention policy "%" archives into it', orphan.object_identity, orphan.name
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Set archive_to of that policy to another table (or NULL), or delete the policy first.';
    END IF;

    DELETE FROM retention.policies WHERE relation::oid = ANY (dropped);
END
$$;

CREATE EVENT TRIGGER retention_forget_dropped_tables ON sql_drop
    WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP OWNED', 'ALTER TABLE')
    EXECUTE FUNCTION retention.forget_dropped_tables();

-- Running policies. A real run commits every batch on its own (in a
-- background worker) and refuses to start inside a transaction block; a dry
-- run counts what a real run would prune now and deletes nothing.
CREATE FUNCTION retention.run(policy text, dry_run boolean DEFAULT false)
    RETURNS retention.runs
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'retention_run';
COMMENT ON FUNCTION retention.run(text, boolean) IS 'Prune one policy now (dry_run => true: count only)';

CREATE FUNCTION retention.run_all(dry_run boolean DEFAULT false)
    RETURNS SETOF retention.runs
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'retention_run_all';
COMMENT ON FUNCTION retention.run_all(boolean) IS 'Prune every enabled policy the caller may run, children before parents';
