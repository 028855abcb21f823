-- retention 0.2.0 -> 0.3.0: trust. Internal functions are not executable by
-- other roles.
\echo Use "ALTER EXTENSION retention UPDATE TO '0.3.0'" to load this file. \quit

-- Trigger functions of the extension's own tables: nobody attaches them to
-- another table (CREATE TRIGGER needs EXECUTE; each also refuses any table
-- but retention.policies).
REVOKE EXECUTE ON FUNCTION retention.validate_policy() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION retention.wake_scheduler() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION retention.forget_dropped_tables() FROM PUBLIC;

-- The owner of a policy (any member of its owner role) may stop its runs,
-- scheduled ones included.
CREATE FUNCTION retention.cancel(policy text) RETURNS boolean
    LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'retention_cancel';
COMMENT ON FUNCTION retention.cancel(text) IS
    'Ask the runs of a policy in flight to stop after their batch; true when one was asked';

-- A bounded history: consecutive runs of a policy that did nothing (pruned
-- no row, or failed the same way) fold into one row, which counts them.
ALTER TABLE retention.runs
    ADD COLUMN repeats integer NOT NULL DEFAULT 1,   -- how many consecutive runs, ended the same way, this row stands for
    ADD COLUMN first_started_at timestamptz;         -- when the first of them started (NULL when repeats = 1)
COMMENT ON COLUMN retention.runs.repeats IS
    'How many consecutive runs this row stands for: runs that pruned nothing, or failed the same way, fold into one row';

-- Consecutive failures count the runs folded into each row.
CREATE OR REPLACE VIEW retention.status WITH (security_invoker = true) AS
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
    SELECT coalesce(sum(r.repeats), 0)::integer AS consecutive
    FROM retention.runs r
    WHERE r.policy = p.name AND NOT r.dry_run AND r.status = 'failed'
      AND r.id > coalesce((SELECT max(ok.id) FROM retention.runs ok
                           WHERE ok.policy = p.name AND NOT ok.dry_run
                             AND ok.status IN ('succeeded', 'partial', 'cancelled')), 0)
) failures;

-- Visibility ------------------------------------------------------------

-- Counters that only grow. retention.runs is bounded (history_retention,
-- history_runs_per_policy): what history pruning deletes from it is added
-- here first, in the same statement, so that the totals of
-- retention.counters (and the metrics) never go down.
CREATE TABLE retention.run_totals (
    policy               text NOT NULL,
    relation             text NOT NULL,
    status               text NOT NULL,
    owner                regrole NOT NULL,       -- of the newest run added: who may see the row
    runs                 bigint NOT NULL,
    rows_pruned          bigint NOT NULL,
    batches              bigint NOT NULL,
    partitions_dropped   bigint NOT NULL,
    last_finished_at     timestamptz,
    PRIMARY KEY (policy, relation, status)
);
COMMENT ON TABLE retention.run_totals IS
    'What history pruning removed from retention.runs, summed per policy, relation and status (the counters never go down)';
ALTER TABLE retention.run_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_members ON retention.run_totals FOR SELECT
    USING (pg_has_role(owner, 'MEMBER'));
GRANT SELECT ON retention.run_totals TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('retention.run_totals', '');

-- Monitoring roles (members of pg_read_all_stats, such as pg_monitor, the
-- role postgres_exporter is usually given) read every policy, run and
-- total, as they read every session's query in pg_stat_activity: the
-- metrics of every policy, without the owners' privileges.
CREATE POLICY monitors ON retention.policies FOR SELECT
    USING (pg_has_role('pg_read_all_stats', 'MEMBER'));
CREATE POLICY monitors ON retention.runs FOR SELECT
    USING (pg_has_role('pg_read_all_stats', 'MEMBER'));
CREATE POLICY monitors ON retention.run_totals FOR SELECT
    USING (pg_has_role('pg_read_all_stats', 'MEMBER'));

-- Every real run ever recorded, per policy, relation and status: the rows
-- of retention.runs (a folded row counts its repeats) plus run_totals. A
-- run in flight counts its committed batches (status 'running').
CREATE VIEW retention.counters WITH (security_invoker = true) AS
SELECT policy, relation, status,
       sum(runs)::bigint               AS runs,
       sum(rows_pruned)::bigint        AS rows_pruned,
       sum(batches)::bigint            AS batches,
       sum(partitions_dropped)::bigint AS partitions_dropped,
       max(last_finished_at)           AS last_finished_at
FROM (
    SELECT r.policy, coalesce(r.relation, '') AS relation, r.status, r.repeats::bigint AS runs,
           r.rows_pruned, r.batches::bigint, r.partitions_dropped::bigint, r.finished_at AS last_finished_at
    FROM retention.runs r
    WHERE NOT r.dry_run
    UNION ALL
    SELECT t.policy, t.relation, t.status, t.runs, t.rows_pruned, t.batches, t.partitions_dropped, t.last_finished_at
    FROM retention.run_totals t
) c
GROUP BY policy, relation, status;
COMMENT ON VIEW retention.counters IS
    'Totals of every real run per policy, relation and status, history pruning included: they only grow';
GRANT SELECT ON retention.counters TO PUBLIC;

-- Whether a column's name says it holds a time (integer columns such as
-- expires_at_ms, created_epoch), and whether it says expiry.
CREATE FUNCTION retention.name_says_time(column_name name) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN column_name::text ~* '(^|_)(at|on|time|timestamp|ts|date|day|epoch|expires?|expiry|expiration|until|deadline)(_|$)|^(created|updated|deleted|expired|modified|inserted|finished|started|ended|last_seen|seen)|expir|epoch'
        OR column_name::text ~ '[a-z0-9](At|On|Time|Date|Until|Ts)([A-Z_]|$)';
CREATE FUNCTION retention.name_says_expiry(column_name name) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN column_name::text ~* '(expir|(^|_)ttl(_|$)|until|deadline|valid_to|purge|delete_after)';

-- Every user table and the decision about it. The decision comes from
-- every policy (a table another role prunes is 'pruned' for everyone: that
-- is not a secret worth a wrong answer); the policy names and reasons
-- listed are those the caller may see (row-level security).
CREATE FUNCTION retention.coverage_decisions() RETURNS TABLE (relation oid, decision text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT p.relation::oid,
           CASE WHEN bool_or(p.enabled AND p.retain IS NOT NULL) THEN 'pruned'
                WHEN bool_or(p.retain IS NULL) THEN 'kept'
                ELSE 'disabled' END
    FROM retention.policies p
    GROUP BY p.relation
    $$;
COMMENT ON FUNCTION retention.coverage_decisions() IS
    'The decision about each table that has a policy, from every policy whoever owns it (no names)';

CREATE VIEW retention.coverage WITH (security_invoker = true) AS
SELECT c.oid::regclass AS relation,
       coalesce(d.decision, 'none') AS decision,
       coalesce(seen.policies, '{}') AS policies,
       seen.reason,
       coalesce(cols.expiry_columns, '{}') AS expiry_columns,
       seen.retain,
       c.reltuples::bigint AS estimated_rows,
       pg_total_relation_size(c.oid) AS total_bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN retention.coverage_decisions() d ON d.relation = c.oid
LEFT JOIN LATERAL (
    SELECT array_agg(p.name ORDER BY p.name) AS policies,
           string_agg(p.reason, '; ' ORDER BY p.name) FILTER (WHERE p.retain IS NULL) AS reason,
           min(p.retain) FILTER (WHERE p.enabled) AS retain
    FROM retention.policies p
    WHERE p.relation = c.oid
) seen ON true
LEFT JOIN LATERAL (
    SELECT array_agg(a.attname ORDER BY retention.name_says_expiry(a.attname) DESC, a.attnum) AS expiry_columns,
           bool_or(retention.name_says_expiry(a.attname)) AS says_expiry
    FROM pg_attribute a
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      AND (a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
           OR (a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)
               AND retention.name_says_time(a.attname)))
) cols ON true
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'retention')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e
                  WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY coalesce(d.decision, 'none') = 'none' DESC,
         coalesce(cols.says_expiry, false) DESC,
         cardinality(cols.expiry_columns) DESC NULLS LAST,
         n.nspname, c.relname;
COMMENT ON VIEW retention.coverage IS
    'Every user table of the database, its retention decision (pruned, kept, disabled, none), its policies and the columns that look like creation or expiry times';
GRANT SELECT ON retention.coverage TO PUBLIC;

-- A label value in the Prometheus text format.
CREATE FUNCTION retention.prometheus_label(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN '"' || replace(replace(replace(value, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n') || '"';

-- The metrics of the policies the caller may see, one row per sample:
-- retention.metrics() prints them in the Prometheus text format, and the
-- postgres_exporter query file (contrib/prometheus/) selects them, so both
-- say the same (docs/monitoring.md). Counters come from retention.counters:
-- they only grow.
CREATE FUNCTION retention.metric_samples()
    RETURNS TABLE (metric text, kind text, help text, policy text, relation text, status text, decision text,
                   value numeric)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
WITH policy AS (
    SELECT s.policy, s.relation::text AS relation, s.enabled, s.schedule, s.time_zone, s.next_run_at,
           s.consecutive_failures, s.running
    FROM retention.status s
),
totals AS (
    SELECT c.* FROM policy p JOIN retention.counters c ON c.policy = p.policy
),
by_relation AS (
    -- Every policy has a series for its current table, 0 before its first run.
    SELECT p.policy, r.relation,
           coalesce(sum(t.rows_pruned), 0) AS rows_pruned,
           coalesce(sum(t.batches), 0) AS batches,
           coalesce(sum(t.partitions_dropped), 0) AS partitions_dropped
    FROM policy p
    CROSS JOIN LATERAL (SELECT p.relation UNION SELECT t2.relation FROM totals t2 WHERE t2.policy = p.policy) r
    LEFT JOIN totals t ON t.policy = p.policy AND t.relation = r.relation
    GROUP BY p.policy, r.relation
),
by_status AS (
    SELECT p.policy, st.status, coalesce(sum(t.runs), 0) AS runs
    FROM policy p
    CROSS JOIN (VALUES ('succeeded'), ('failed'), ('cancelled'), ('partial')) st(status)
    LEFT JOIN totals t ON t.policy = p.policy AND t.status = st.status
    GROUP BY p.policy, st.status
),
last_run AS (
    SELECT p.policy, l.started_at, l.finished_at, l.rows_kept_referenced
    FROM policy p
    CROSS JOIN LATERAL (SELECT r.started_at, r.finished_at, r.rows_kept_referenced FROM retention.runs r
                        WHERE r.policy = p.policy AND NOT r.dry_run AND r.status <> 'running'
                        ORDER BY r.id DESC LIMIT 1) l
),
typical AS (
    SELECT r.policy,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.finished_at - r.started_at)) AS seconds
    FROM policy p JOIN retention.runs r ON r.policy = p.policy
    WHERE NOT r.dry_run AND r.status = 'succeeded' AND r.repeats = 1
    GROUP BY r.policy
),
in_flight AS (
    SELECT p.policy, coalesce(max(extract(epoch FROM clock_timestamp() - r.started_at)), 0) AS seconds
    FROM policy p LEFT JOIN retention.runs r ON r.policy = p.policy AND r.status = 'running' AND NOT r.dry_run
    GROUP BY p.policy
),
period AS (
    SELECT p.policy, extract(epoch FROM retention.next_run_time(p.schedule, p.time_zone, n.at) - n.at) AS seconds
    FROM policy p
    CROSS JOIN LATERAL (SELECT retention.next_run_time(p.schedule, p.time_zone, now()) AS at) n
    WHERE n.at IS NOT NULL
),
coverage AS (
    SELECT d.decision, count(c.relation) AS tables,
           count(c.relation) FILTER (WHERE cardinality(c.expiry_columns) > 0) AS with_time_columns
    FROM (VALUES ('pruned'), ('kept'), ('disabled'), ('none')) d(decision)
    LEFT JOIN retention.coverage c ON c.decision = d.decision
    GROUP BY d.decision
)
SELECT 'retention_rows_pruned_total', 'counter', 'Rows pruned by the real runs of a policy, per table.',
       policy, relation, NULL, NULL, rows_pruned FROM by_relation
UNION ALL
SELECT 'retention_batches_total', 'counter', 'Batch transactions committed by the real runs of a policy, per table.',
       policy, relation, NULL, NULL, batches FROM by_relation
UNION ALL
SELECT 'retention_partitions_dropped_total', 'counter', 'Whole partitions dropped or detached by the runs of a policy, per table.',
       policy, relation, NULL, NULL, partitions_dropped FROM by_relation
UNION ALL
SELECT 'retention_runs_total', 'counter', 'Real runs of a policy that ended, by outcome.',
       policy, NULL, status, NULL, runs FROM by_status
UNION ALL
SELECT 'retention_last_success_timestamp_seconds', 'gauge',
       'When the last successful run of a policy ended (Unix time); absent before the first.',
       policy, NULL, NULL, NULL, round(extract(epoch FROM max(last_finished_at)), 3)
FROM totals WHERE status = 'succeeded' GROUP BY policy
UNION ALL
SELECT 'retention_last_run_duration_seconds', 'gauge', 'How long the last ended run of a policy took.',
       policy, NULL, NULL, NULL, round(extract(epoch FROM finished_at - started_at), 3) FROM last_run
UNION ALL
SELECT 'retention_typical_run_duration_seconds', 'gauge',
       'The median duration of the successful runs of a policy in the run history.',
       policy, NULL, NULL, NULL, round(seconds::numeric, 3) FROM typical
UNION ALL
SELECT 'retention_consecutive_failures', 'gauge', 'Real runs of a policy that failed since its last run that did not.',
       policy, NULL, NULL, NULL, consecutive_failures FROM policy
UNION ALL
SELECT 'retention_running', 'gauge', '1 while a real run of the policy is in flight.',
       policy, NULL, NULL, NULL, running::int FROM policy
UNION ALL
SELECT 'retention_running_seconds', 'gauge',
       'How long the real run of a policy in flight has been running; 0 when none is.',
       policy, NULL, NULL, NULL, round(seconds::numeric, 3) FROM in_flight
UNION ALL
SELECT 'retention_waiting_seconds', 'gauge',
       'How long the run of a policy in flight has been waiting (retention.progress says for what); 0 when it works or none runs.',
       p.policy, NULL, NULL, NULL,
       coalesce(round(extract(epoch FROM clock_timestamp() - w.since)::numeric, 3), 0)
FROM policy p
LEFT JOIN LATERAL (SELECT min(g.waiting_since) AS since FROM retention.progress_rows() g
                   WHERE g.policy = p.policy AND NOT g.dry_run) w ON true
UNION ALL
SELECT 'retention_rows_kept_referenced', 'gauge',
       'Expired rows the last run of a policy kept because other rows still reference them.',
       policy, NULL, NULL, NULL, rows_kept_referenced FROM last_run
UNION ALL
SELECT 'retention_policy_enabled', 'gauge', '1 when the policy is enabled (scheduled), 0 when not.',
       policy, NULL, NULL, NULL, enabled::int FROM policy
UNION ALL
SELECT 'retention_next_run_timestamp_seconds', 'gauge',
       'When the policy is next due (Unix time); absent when it is not scheduled.',
       policy, NULL, NULL, NULL, round(extract(epoch FROM next_run_at), 3) FROM policy WHERE next_run_at IS NOT NULL
UNION ALL
SELECT 'retention_schedule_period_seconds', 'gauge',
       'The time between two runs of the policy''s schedule (for a cron schedule: its next two).',
       policy, NULL, NULL, NULL, round(seconds::numeric, 3) FROM period
UNION ALL
SELECT 'retention_coverage_tables', 'gauge', 'User tables of the database by retention decision (retention.coverage).',
       NULL, NULL, NULL, decision, tables FROM coverage
UNION ALL
SELECT 'retention_coverage_with_time_columns', 'gauge',
       'User tables by retention decision that have columns looking like creation or expiry times.',
       NULL, NULL, NULL, decision, with_time_columns FROM coverage
$$;
COMMENT ON FUNCTION retention.metric_samples() IS
    'The samples of retention.metrics(), one row each, for collectors that read rows (postgres_exporter)';

CREATE FUNCTION retention.metrics() RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
WITH sample AS (
    SELECT s.metric, s.kind, s.help,
           s.metric || coalesce('{' || nullif(concat_ws(',',
               'policy=' || retention.prometheus_label(s.policy),
               'relation=' || retention.prometheus_label(s.relation),
               'status=' || retention.prometheus_label(s.status),
               'decision=' || retention.prometheus_label(s.decision)), '') || '}', '')
               || ' ' || s.value::text AS line
    FROM retention.metric_samples() s
),
family AS (
    SELECT metric, min(kind) AS kind, min(help) AS help, string_agg(line, E'\n' ORDER BY line) AS lines
    FROM sample GROUP BY metric
)
SELECT coalesce(string_agg(format(E'# HELP %s %s\n# TYPE %s %s\n%s', metric, help, metric, kind, lines), E'\n'
                           ORDER BY metric) || E'\n', '')
FROM family
$$;
COMMENT ON FUNCTION retention.metrics() IS
    'Prometheus text exposition of the policies the caller may see: rows pruned, runs by outcome, last success, durations, failures, coverage';

-- The runs in flight in this database that the caller may see (as
-- row-level security on retention.runs decides: members of the policy's
-- owner role, and monitoring roles), from the table of runs in flight in
-- shared memory, which a run's worker updates after every batch and while
-- it waits.
CREATE FUNCTION retention.progress_rows()
    RETURNS TABLE (run_id bigint, policy text, pid integer, triggered_by text, dry_run boolean,
                   started_at timestamptz, phase text, rows_pruned bigint, batches bigint,
                   rows_remaining_estimate bigint, waiting_for text, waiting_since timestamptz)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'retention_progress_rows';
COMMENT ON FUNCTION retention.progress_rows() IS
    'The runs in flight in this database that the caller may see (the rows of retention.progress)';

-- Whether the library was loaded by shared_preload_libraries (the launcher,
-- the budget of workers and the table of runs in flight exist).
CREATE FUNCTION retention.preloaded() RETURNS boolean
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'retention_preloaded';
COMMENT ON FUNCTION retention.preloaded() IS
    'Whether retention is in shared_preload_libraries (scheduling, the worker budget, retention.progress in full)';

-- Without shared_preload_libraries there is no table of runs in flight:
-- the rows then come from retention.runs (counts as of the last committed
-- batch; no phase, estimate or wait).
CREATE VIEW retention.progress WITH (security_invoker = true) AS
SELECT p.run_id, p.policy, p.pid, p.triggered_by, p.dry_run, p.started_at,
       clock_timestamp() - p.started_at AS elapsed,
       p.phase, p.rows_pruned, p.batches, p.rows_remaining_estimate,
       p.waiting_for, p.waiting_since
FROM retention.progress_rows() p
UNION ALL
SELECT r.id, r.policy, r.pid, r.triggered_by, r.dry_run, r.started_at, clock_timestamp() - r.started_at,
       NULL, r.rows_pruned, r.batches, NULL, NULL, NULL
FROM retention.runs r
WHERE r.status = 'running' AND NOT retention.preloaded();
COMMENT ON VIEW retention.progress IS
    'One row per run in flight: rows pruned and batches so far, an estimate of what is left, the phase, and what it waits for';
GRANT SELECT ON retention.progress TO PUBLIC;

-- What a run of the policy would do now, and why; deletes nothing.
CREATE FUNCTION retention.explain(policy text) RETURNS SETOF text
    LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'retention_explain';
COMMENT ON FUNCTION retention.explain(text) IS
    'What a run of the policy would do now, and why: the cutoff, the rows it would prune, its path, what keeps rows, what would make it wait. Deletes nothing';

-- Brakes ------------------------------------------------------------------

-- A run of the policy never prunes faster than this (paced between batches,
-- read again before every batch); NULL: no limit.
ALTER TABLE retention.policies ADD COLUMN max_rows_per_second integer;
COMMENT ON COLUMN retention.policies.max_rows_per_second IS
    'A run of this policy never prunes faster than this many rows a second (paced between batches); NULL: no limit';

-- Citus (docs/citus.md) ----------------------------------------------------

-- Each shard a run of a distributed table pruned, on the node that held it:
-- one row per shard and node (a shard moved during the run has two).
CREATE TABLE retention.run_shards (
    run_id       bigint NOT NULL REFERENCES retention.runs (id) ON DELETE CASCADE,
    node         text NOT NULL,          -- host:port, as pg_dist_node names it
    shard        bigint NOT NULL,        -- pg_dist_shard.shardid
    status       text NOT NULL CHECK (status IN ('succeeded', 'moved', 'partial', 'cancelled', 'failed')),
    rows_pruned  bigint NOT NULL,
    batches      bigint NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    error        text,
    owner        regrole NOT NULL        -- the run's: who may see the row
);
CREATE INDEX run_shards_run_idx ON retention.run_shards (run_id);
COMMENT ON TABLE retention.run_shards IS
    'Each shard a run of a distributed table (Citus) pruned, on the node that held it; moved: the shard had left that node';
ALTER TABLE retention.run_shards ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_members ON retention.run_shards FOR SELECT
    USING (pg_has_role(owner, 'MEMBER'));
CREATE POLICY monitors ON retention.run_shards FOR SELECT
    USING (pg_has_role('pg_read_all_stats', 'MEMBER'));
GRANT SELECT ON retention.run_shards TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('retention.run_shards', '');

-- Per run and node: the shards it pruned there and their totals.
CREATE VIEW retention.run_nodes WITH (security_invoker = true) AS
SELECT run_id, node, count(*) AS shards, sum(rows_pruned)::bigint AS rows_pruned, sum(batches)::bigint AS batches,
       min(started_at) AS started_at, max(finished_at) AS finished_at,
       count(*) FILTER (WHERE status = 'moved') AS shards_moved,
       count(*) FILTER (WHERE status = 'failed') AS shards_failed
FROM retention.run_shards
GROUP BY run_id, node;
COMMENT ON VIEW retention.run_nodes IS
    'Per run of a distributed table (Citus) and node: shards pruned there, rows and batches';
GRANT SELECT ON retention.run_nodes TO PUBLIC;

-- On a Citus node: prunes one shard of a distributed table that this node
-- holds, with the plain engine, for a run of the coordinator (which calls
-- it as the run's role). Acts as the caller; deletes nothing where the
-- node holds no active placement of the shard (here = false).
CREATE FUNCTION retention.prune_shard(
    policy text, run_id bigint, relation regclass, shard bigint, time_column name, cutoff timestamptz,
    time_unit text, filter text, batch_size integer, batch_delay interval, max_runtime interval,
    max_rows_per_second integer,
    OUT here boolean, OUT rows_pruned bigint, OUT batches bigint, OUT status text, OUT error text,
    OUT sqlstate text)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'retention_prune_shard';
COMMENT ON FUNCTION retention.prune_shard(text, bigint, regclass, bigint, name, timestamptz, text, text, integer, interval, interval, integer) IS
    'On a Citus node: prunes one shard of a distributed table held here, for a run of the coordinator (docs/citus.md)';
