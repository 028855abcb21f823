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
