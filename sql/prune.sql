-- CALL retention.prune(): retention.run() as a procedure. It commits the
-- CALL's transaction before the run, so the waiting session holds no
-- snapshot (test/harness checks that part while a run is in flight); here:
-- it prunes exactly the expired rows, writes the same audit row, reports
-- with NOTICEs, and refuses what run() refuses.
SET client_min_messages = warning;  -- NOTICEs carry timings
SET TIME ZONE 'UTC';
SELECT setval('retention.runs_id_seq', 3000);

CREATE TABLE sessions (id int PRIMARY KEY, expires_at timestamptz NOT NULL);
CREATE INDEX ON sessions (expires_at);
INSERT INTO sessions SELECT i, now() - (i || ' hours')::interval - interval '1 minute' FROM generate_series(0, 99) i;
INSERT INTO retention.policies (relation, time_column, retain, batch_size) VALUES ('sessions', 'expires_at', '24 hours', 10);
-- Rows 24..99 are expired: 76 rows.
CALL retention.prune('sessions', dry_run => true);
SELECT count(*) FROM sessions;
CALL retention.prune('sessions');
SELECT count(*) AS remaining, max(id) AS oldest_kept FROM sessions;
SELECT id, policy, triggered_by, dry_run, status, rows_pruned, batches, method, finished_at >= started_at AS ordered
FROM retention.runs WHERE policy = 'sessions' ORDER BY id;
-- Its NOTICE says what run() says.
SET client_min_messages = notice;
CALL retention.prune('sessions');
SET client_min_messages = warning;

-- A real run commits the CALL's transaction: not inside a transaction
-- block, nor from a function; a dry run may.
BEGIN;
CALL retention.prune('sessions');
ROLLBACK;
BEGIN;
CALL retention.prune('sessions', true);
ROLLBACK;
CREATE FUNCTION call_prune() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CALL retention.prune('sessions'); END $$;
SELECT call_prune();
-- A DO block outside a transaction block may commit, so it may CALL it.
DO $$ BEGIN CALL retention.prune('sessions'); END $$;

-- Bad input and privileges, as for run().
CALL retention.prune(NULL);
CALL retention.prune('sessions', NULL);
CALL retention.prune('no_such_policy');
CREATE ROLE regress_prune_stranger;
GRANT USAGE ON SCHEMA public TO regress_prune_stranger;
SET ROLE regress_prune_stranger;
CALL retention.prune('sessions');
RESET ROLE;
-- A failed run is the CALL's error, and its committed batches stay.
CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.id = 70 THEN RAISE EXCEPTION 'session 70 is kept'; END IF;
  RETURN OLD;
END $$;
INSERT INTO sessions SELECT i, now() - (i || ' hours')::interval - interval '1 minute' FROM generate_series(60, 99) i;
CREATE TRIGGER refuse BEFORE DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CALL retention.prune('sessions');
SELECT status, rows_pruned, batches, sqlstate FROM retention.runs WHERE policy = 'sessions' ORDER BY id DESC LIMIT 1;
SELECT count(*) AS expired_left FROM sessions WHERE expires_at < now() - interval '24 hours';

DROP TABLE sessions;
DROP FUNCTION call_prune();
DROP FUNCTION refuse_delete();
REVOKE USAGE ON SCHEMA public FROM regress_prune_stranger;
DROP ROLE regress_prune_stranger;
