-- Runs act with the privileges of the policy's owner, never more: the
-- privilege-escalation attack that worked on another TTL extension fails.
SET client_min_messages = warning;
SELECT setval('retention.runs_id_seq', 2000) > 0 AS numbered;  -- run ids in messages stay the same
CREATE ROLE regress_mallory;
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
GRANT CREATE ON SCHEMA public TO regress_mallory, regress_alice;

SET ROLE regress_mallory;
CREATE TABLE mallory_logs (id int, created_at timestamptz);
INSERT INTO mallory_logs SELECT i, now() - (i || ' days')::interval FROM generate_series(1, 10) i;
-- A trigger that tries to make its owner a superuser when rows are deleted.
CREATE FUNCTION mallory_escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    ALTER ROLE regress_mallory SUPERUSER;
    RETURN OLD;
END $$;
CREATE TRIGGER escalate BEFORE DELETE ON mallory_logs FOR EACH ROW EXECUTE FUNCTION mallory_escalate();
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('mallory_logs', 'created_at', '1 day');
RESET ROLE;

-- A superuser prunes everything: the trigger runs as regress_mallory and fails.
SELECT policy, status, rows_pruned, sqlstate FROM retention.run_all();
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_mallory';
SELECT count(*) FROM mallory_logs;

-- A policy a superuser owns on regress_mallory's table acts as the table's
-- owner, as VACUUM does: still no escalation.
INSERT INTO retention.policies (name, relation, time_column, retain, owner)
VALUES ('mallory_by_superuser', 'mallory_logs', 'created_at', '1 day', 'postgres');
SELECT status, rows_pruned FROM retention.run('mallory_by_superuser', dry_run => true);
\set VERBOSITY terse
SELECT * FROM retention.run('mallory_by_superuser');
\set VERBOSITY default
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_mallory';
SELECT count(*) FROM mallory_logs;

-- Functions in a filter run as the owner too (dry runs evaluate filters as well).
SET ROLE regress_mallory;
CREATE FUNCTION mallory_filter(int) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RAISE EXCEPTION 'filter runs as %', current_user;
END $$;
UPDATE retention.policies SET filter = 'public.mallory_filter(id)' WHERE name = 'mallory_logs';
RESET ROLE;
\set VERBOSITY terse
SELECT * FROM retention.run('mallory_logs', dry_run => true);
\set VERBOSITY default
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_mallory';

-- Who may run a policy: members of its owner role (and superusers).
SET ROLE regress_alice;
CREATE TABLE alice_logs (id int, created_at timestamptz);
INSERT INTO alice_logs SELECT i, now() - (i || ' days')::interval FROM generate_series(1, 10) i;
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('alice_logs', 'created_at', '5 days 12 hours');
SELECT status, rows_pruned, owner FROM retention.run('alice_logs');
SELECT count(*) FROM alice_logs;
RESET ROLE;
SET ROLE regress_bob;
SELECT * FROM retention.run('alice_logs');
SELECT count(*) FROM retention.run_all(dry_run => true);
RESET ROLE;
-- A run needs the owner's privileges at run time, too.
REVOKE DELETE ON alice_logs FROM regress_alice;
\set VERBOSITY terse
SELECT * FROM retention.run('alice_logs');
\set VERBOSITY default

DELETE FROM retention.policies;
DELETE FROM retention.runs;
DROP TABLE mallory_logs, alice_logs;
DROP FUNCTION mallory_escalate(), mallory_filter(int);
REVOKE CREATE ON SCHEMA public FROM regress_mallory, regress_alice;
DROP ROLE regress_mallory, regress_alice, regress_bob;
