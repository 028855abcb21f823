-- Trust: what ordinary roles cannot do to the extension, its runs, or other
-- roles' policies, and inputs that validated but could not run (or ran
-- where they should not). Each block failed before the fix it tests.
SET client_min_messages = warning;
SET TIME ZONE 'UTC';
SELECT setval('retention.runs_id_seq', 4000) > 0 AS numbered;  -- run ids in messages stay the same
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
CREATE SCHEMA alice AUTHORIZATION regress_alice;
CREATE SCHEMA bob AUTHORIZATION regress_bob;

-- 1. The extension's internal functions: not executable by other roles, and
-- the validation trigger refuses any table but retention.policies (attached
-- by a superuser to a look-alike table, it used to crash the server).
SET ROLE regress_alice;
CREATE TEMP TABLE lookalike (name int, relation int, time_column int, owner int);
CREATE TRIGGER validate BEFORE INSERT ON lookalike FOR EACH ROW EXECUTE FUNCTION retention.validate_policy();
CREATE TRIGGER wake AFTER INSERT ON lookalike FOR EACH STATEMENT EXECUTE FUNCTION retention.wake_scheduler();
SELECT retention.wake_scheduler_now();
RESET ROLE;
SELECT p.oid::regprocedure AS function, has_function_privilege('regress_alice', p.oid, 'EXECUTE') AS alice_may_execute
FROM pg_proc p WHERE p.pronamespace = 'retention'::regnamespace ORDER BY p.oid::regprocedure::text COLLATE "C";
CREATE TEMP TABLE lookalike_too (name int, relation int, time_column int, owner int);
CREATE TRIGGER validate BEFORE INSERT ON lookalike_too FOR EACH ROW EXECUTE FUNCTION retention.validate_policy();
INSERT INTO lookalike_too VALUES (1, 2, 3, 4);
CREATE TEMP TABLE policies (name text, relation regclass, time_column name, owner regrole);
CREATE TRIGGER validate BEFORE INSERT ON policies FOR EACH ROW EXECUTE FUNCTION retention.validate_policy();
INSERT INTO policies VALUES ('x', 'pg_class', 'relname', 'postgres');
SELECT 'the server is still up' AS alive;
-- The one computing function every role may call never wraps around: an
-- anchor at the ends of time gives no next run.
SELECT s.schedule, s.anchor, s.failures, retention.next_run_time(s.schedule, 'UTC', s.anchor, s.failures, 3) AS next
FROM (VALUES ('0 3 * * *', 'infinity'::timestamptz, 0), ('5 minutes', 'infinity', 0), ('5 minutes', '-infinity', 0),
             ('5 minutes', '294276-12-31 23:59:59+00', 0), ('0 3 * * *', '294276-12-31 23:59:59+00', 0),
             ('0 3 * * *', '294276-12-31 23:59:59+00', 1), ('15250284 weeks', '2026-01-01 00:00+00', 0))
     AS s(schedule, anchor, failures);
DROP TABLE pg_temp.lookalike, pg_temp.lookalike_too, pg_temp.policies;

-- 2. No run starts from code a run executes: a trigger that calls
-- retention.run() (which used to start a worker per level until no slot
-- was left) fails the batch; nothing is deleted.
SET ROLE regress_alice;
CREATE TABLE alice.nest (id int, at timestamptz);
INSERT INTO alice.nest SELECT g, now() - interval '2 days' FROM generate_series(1, 5) g;
CREATE FUNCTION alice.recurse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM retention.run('nest'); RETURN OLD; END $$;
CREATE TRIGGER recurse BEFORE DELETE ON alice.nest FOR EACH ROW EXECUTE FUNCTION alice.recurse();
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('nest', 'alice.nest', 'at', '1 day');
\set VERBOSITY terse
SELECT status FROM retention.run('nest');
\set VERBOSITY default
CREATE OR REPLACE FUNCTION alice.recurse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM count(*) FROM retention.run_all(dry_run => true); RETURN OLD; END $$;
SELECT status, error FROM retention.run('nest');
SELECT count(*) AS kept FROM alice.nest;
RESET ROLE;
SELECT count(*) AS busy_run_workers FROM pg_stat_activity
WHERE backend_type = 'retention worker' AND datname = current_database() AND state IS DISTINCT FROM 'idle';

-- 3. retain: checked with the arithmetic runs use. No part may be negative
-- ('-1 year 361 days' passed "not negative", but now() - retain was 4 days
-- ahead), and now() - retain must be computable (178000000 years was
-- accepted, then every run failed with a bare "timestamp out of range").
SET ROLE regress_alice;
CREATE TABLE alice.times (id int, at timestamptz);
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('future', 'alice.times', 'at', '-1 year 361 days');
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('future', 'alice.times', 'at', '1 mon -30 days');
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('future', 'alice.times', 'at', '1 day -1 second');
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('future', 'alice.times', 'at', '178000000 years');
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('future', 'alice.times', 'at', '6000 years');
UPDATE retention.policies SET retain = '-2 mons 59 days' WHERE name = 'future';
SELECT name, retain FROM retention.policies WHERE name = 'future';
RESET ROLE;
-- A retain that got past validation (its trigger disabled by a superuser)
-- fails its run on record, naming the policy, instead of being refused
-- without a trace.
ALTER TABLE retention.policies DISABLE TRIGGER validate;
UPDATE retention.policies SET retain = '-1 year 361 days' WHERE name = 'future';
ALTER TABLE retention.policies ENABLE TRIGGER validate;
\set VERBOSITY terse
SELECT status FROM retention.run('future');
\set VERBOSITY default
SELECT policy, status, cutoff, error, sqlstate FROM retention.runs WHERE policy = 'future';
DELETE FROM retention.policies WHERE name = 'future';

-- 4. Code hidden in a filter: a volatile function in a domain's CHECK (or
-- the CHECK of the domain a domain is based on), in a view a subquery reads
-- (or the view that view reads); a locking clause, which a dry run cannot
-- run. The same things without volatile functions are fine.
SET ROLE regress_alice;
CREATE TABLE alice.jobs (id int, status text, at timestamptz);
INSERT INTO alice.jobs SELECT g, 'done', now() - interval '2 days' FROM generate_series(1, 4) g;
CREATE TABLE alice.side_effects (n int);
CREATE FUNCTION alice.writes(text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN INSERT INTO alice.side_effects VALUES (1); RETURN true; END $$;
CREATE DOMAIN alice.checked AS text CHECK (alice.writes(VALUE));
CREATE DOMAIN alice.checked_again AS alice.checked;
CREATE VIEW alice.noisy AS SELECT 1 AS one WHERE alice.writes('x');
CREATE VIEW alice.noisy_again AS SELECT * FROM alice.noisy;
CREATE DOMAIN alice.quiet AS text CHECK (VALUE <> '');
CREATE VIEW alice.quiet_view AS SELECT id FROM alice.jobs WHERE status <> '';
INSERT INTO retention.policies (name, relation, time_column, retain, filter) VALUES ('f', 'alice.jobs', 'at', '1 day', 'status::alice.checked IS NOT NULL');
INSERT INTO retention.policies (name, relation, time_column, retain, filter) VALUES ('f', 'alice.jobs', 'at', '1 day', 'status::alice.checked_again IS NOT NULL');
INSERT INTO retention.policies (name, relation, time_column, retain, filter) VALUES ('f', 'alice.jobs', 'at', '1 day', 'EXISTS (SELECT 1 FROM alice.noisy_again)');
INSERT INTO retention.policies (name, relation, time_column, retain, filter) VALUES ('f', 'alice.jobs', 'at', '1 day', 'EXISTS (SELECT 1 FROM alice.jobs j WHERE j.id = jobs.id FOR UPDATE)');
INSERT INTO retention.policies (name, relation, time_column, retain, filter) VALUES ('f', 'alice.jobs', 'at', '1 day', 'id IN (SELECT j.id FROM alice.jobs j FOR KEY SHARE)');
INSERT INTO retention.policies (name, relation, time_column, retain, filter)
VALUES ('f', 'alice.jobs', 'at', '1 day', 'status::alice.quiet IS NOT NULL AND EXISTS (SELECT 1 FROM alice.quiet_view v WHERE v.id = jobs.id)');
SELECT status, rows_pruned FROM retention.run('f', dry_run => true);
SELECT status, rows_pruned FROM retention.run('f');
-- A view the filter reads that turns noisy later makes runs fail, and run nothing of it.
CREATE OR REPLACE VIEW alice.quiet_view AS SELECT id FROM alice.jobs WHERE alice.writes(status);
INSERT INTO alice.jobs SELECT g, 'done', now() - interval '2 days' FROM generate_series(5, 6) g;
\set VERBOSITY terse
SELECT status FROM retention.run('f');
\set VERBOSITY default
SELECT count(*) AS side_effects FROM alice.side_effects;
RESET ROLE;

-- 5. A strong lock on retention's tables would hold up every run of the
-- database: ordinary roles may not take one (their privileges on
-- retention.policies allowed it); the lock their own statements take they may.
SET ROLE regress_bob;
BEGIN;
LOCK TABLE retention.policies IN ACCESS EXCLUSIVE MODE;
ROLLBACK;
BEGIN;
LOCK TABLE retention.policies IN SHARE MODE;
ROLLBACK;
BEGIN;
LOCK TABLE retention.policies IN ROW EXCLUSIVE MODE;
ROLLBACK;
RESET ROLE;
BEGIN;
LOCK TABLE retention.policies IN ACCESS EXCLUSIVE MODE;
ROLLBACK;

-- 6. A policy name another role uses: a clear error that says nothing of
-- that policy (it used to be a primary-key violation).
SET ROLE regress_bob;
CREATE TABLE bob.nest (id int, at timestamptz);
INSERT INTO retention.policies (name, relation, time_column) VALUES ('nest', 'bob.nest', 'at');
INSERT INTO retention.policies (relation, time_column) VALUES ('bob.nest', 'at');
SELECT name FROM retention.policies ORDER BY name;
RESET ROLE;

-- 7. retention.cancel(): only for whoever may run the policy; false when
-- nothing of it runs.
SET ROLE regress_bob;
SELECT retention.cancel('f');
SELECT retention.cancel('nest');
SET ROLE regress_alice;
SELECT retention.cancel('f');
RESET ROLE;

-- 8. Consecutive runs that did nothing fold into one row, which counts
-- them; a run that prunes starts a new row. Consecutive failures count
-- every failed run folded into a row.
SET ROLE regress_alice;
DELETE FROM retention.policies WHERE name IN ('nest', 'f');
CREATE TABLE alice.quiet_table (id int, at timestamptz);
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('quiet', 'alice.quiet_table', 'at', '1 day');
SELECT count(*) FROM (SELECT retention.run('quiet') FROM generate_series(1, 5)) runs;
INSERT INTO alice.quiet_table VALUES (1, now() - interval '2 days');
SELECT rows_pruned FROM retention.run('quiet');
SELECT count(*) FROM (SELECT retention.run('quiet') FROM generate_series(1, 3)) runs;
SELECT count(*) FROM (SELECT retention.run('quiet', dry_run => true) FROM generate_series(1, 2)) runs;
SELECT status, rows_pruned, repeats, first_started_at <= started_at AS first_before_last, dry_run
FROM retention.runs WHERE policy = 'quiet' ORDER BY id;
CREATE FUNCTION alice.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'not today'; END $$;
CREATE TRIGGER refuse BEFORE DELETE ON alice.quiet_table FOR EACH ROW EXECUTE FUNCTION alice.refuse();
INSERT INTO alice.quiet_table VALUES (2, now() - interval '2 days');
\set VERBOSITY terse
SELECT retention.run('quiet');
SELECT retention.run('quiet');
SELECT retention.run('quiet');
\set VERBOSITY default
SELECT status, repeats, error FROM retention.runs WHERE policy = 'quiet' AND NOT dry_run ORDER BY id;
SELECT consecutive_failures, last_status FROM retention.status WHERE policy = 'quiet';
RESET ROLE;

DELETE FROM retention.policies;
DELETE FROM retention.runs;
DROP SCHEMA alice, bob CASCADE;
DROP ROLE regress_alice, regress_bob;
