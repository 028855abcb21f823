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
