-- Trust: user code a run executes (functions in the filter, triggers on the
-- pruned table and on archive_to, deferred constraint triggers) cannot
-- change what the extension's own statements do, and no schema an ordinary
-- role can create objects in is ever searched by them. Every attack below
-- made its role a superuser, or made a run delete rows its policy does not
-- cover, before the fix.
SET client_min_messages = warning;
SET TIME ZONE 'UTC';
SELECT setval('retention.runs_id_seq', 3000) > 0 AS numbered;  -- run ids in messages stay the same
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
CREATE SCHEMA alice AUTHORIZATION regress_alice;
CREATE SCHEMA bob AUTHORIZATION regress_bob;
GRANT CREATE ON SCHEMA public TO regress_bob;
-- Whoever a trap catches writes here: every row is a trap that fired as a superuser.
CREATE TABLE public.caught (trap text, as_role name);
GRANT INSERT ON public.caught TO PUBLIC;

-- Traps: functions and operators named like the ones internal SQL uses, in
-- schemas ordinary roles own. Each becomes a superuser's act if it ever
-- runs as one.
CREATE FUNCTION public.trap_body(trap text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user) THEN
        INSERT INTO public.caught VALUES (trap, current_user);
        EXECUTE 'ALTER ROLE regress_alice SUPERUSER';
        EXECUTE 'ALTER ROLE regress_bob SUPERUSER';
    END IF;
END $$;
ALTER FUNCTION public.trap_body(text) OWNER TO regress_bob;

SET ROLE regress_alice;
CREATE FUNCTION alice.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap_body('alice.clock_timestamp'); RETURN pg_catalog.clock_timestamp(); END $$;
CREATE FUNCTION alice.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap_body('alice.now'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION alice.plus(bigint, bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap_body('alice.+'); RETURN $1 OPERATOR(pg_catalog.+) $2; END $$;
CREATE OPERATOR alice.+ (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = alice.plus);
CREATE FUNCTION alice.plus(integer, integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap_body('alice.+'); RETURN $1 OPERATOR(pg_catalog.+) $2; END $$;
CREATE OPERATOR alice.+ (LEFTARG = integer, RIGHTARG = integer, FUNCTION = alice.plus);
CREATE FUNCTION alice.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap_body('alice.='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR alice.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = alice.eq);
CREATE FUNCTION alice.eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap_body('alice.='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR alice.= (LEFTARG = text, RIGHTARG = text, FUNCTION = alice.eq);

-- 1. A STABLE filter function that changes search_path for the rest of the session.
CREATE TABLE alice.t (id int, created_at timestamptz);
INSERT INTO alice.t SELECT g, now() - interval '10 days' FROM generate_series(1, 3) g;
INSERT INTO alice.t SELECT g, now() FROM generate_series(4, 5) g;
CREATE FUNCTION alice.innocent(i int) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN PERFORM pg_catalog.set_config('search_path', 'alice, pg_catalog', false); RETURN true; END $$;
INSERT INTO retention.policies (name, relation, time_column, retain, filter)
VALUES ('t', 'alice.t', 'created_at', '1 day', 'alice.innocent(id)');
SELECT status, rows_pruned FROM retention.run('t', dry_run => true);
-- explain plans and counts with the same filter, then reads pg_locks and the
-- run lock as the worker: nothing the filter set reaches those statements.
SELECT line FROM retention.explain('t') line WHERE line LIKE 'a run would prune%' OR line LIKE 'locks on%';
SELECT status, rows_pruned FROM retention.run('t');
SELECT count(*) AS kept FROM alice.t;

-- 2. The same from a BEFORE DELETE trigger, with SET LOCAL and a plain SET
-- of other settings the worker's statements depend on.
CREATE TABLE alice.u (id int, created_at timestamptz);
INSERT INTO alice.u SELECT g, now() - interval '10 days' FROM generate_series(1, 30) g;
CREATE FUNCTION alice.meddle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'alice, pg_catalog', false);
    PERFORM pg_catalog.set_config('default_transaction_read_only', 'on', false);
    PERFORM pg_catalog.set_config('statement_timeout', '1ms', false);
    PERFORM pg_catalog.set_config('lock_timeout', '1ms', true);
    PERFORM pg_catalog.set_config('regress.custom', 'x', false);
    RETURN OLD;
END $$;
CREATE TRIGGER meddle BEFORE DELETE ON alice.u FOR EACH ROW EXECUTE FUNCTION alice.meddle();
-- Before each batch's rows: nothing the last batch's rows set is left.
CREATE FUNCTION alice.pristine() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('search_path') <> 'pg_catalog, pg_temp' OR current_setting('default_transaction_read_only') <> 'off'
       OR current_setting('statement_timeout') <> '0' OR current_setting('regress.custom', true) = 'x' THEN
        RAISE EXCEPTION 'a setting leaked from the batch before: search_path %, default_transaction_read_only %, '
                        'statement_timeout %, regress.custom %', current_setting('search_path'),
                        current_setting('default_transaction_read_only'), current_setting('statement_timeout'),
                        current_setting('regress.custom', true);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER pristine BEFORE DELETE ON alice.u FOR EACH STATEMENT EXECUTE FUNCTION alice.pristine();
INSERT INTO retention.policies (name, relation, time_column, retain, batch_size)
VALUES ('u', 'alice.u', 'created_at', '1 day', 7);
SELECT status, rows_pruned, batches FROM retention.run('u');
SELECT count(*) AS kept FROM alice.u;
-- Each completed its audit row although the trigger asked for read-only transactions.
SELECT policy, status, rows_pruned, finished_at IS NOT NULL AS completed FROM retention.runs
WHERE policy IN ('t', 'u') ORDER BY id;

-- 3. A trigger on the archive table (another role's: bob's trigger runs as alice).
RESET ROLE;
SET ROLE regress_bob;
CREATE TABLE bob.archive (id int, created_at timestamptz);
GRANT USAGE ON SCHEMA bob TO regress_alice;
GRANT INSERT ON bob.archive TO regress_alice;
CREATE FUNCTION bob.meddle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_catalog.set_config('search_path', 'alice, pg_catalog', false); RETURN NEW; END $$;
CREATE TRIGGER meddle BEFORE INSERT ON bob.archive FOR EACH ROW EXECUTE FUNCTION bob.meddle();
RESET ROLE;
SET ROLE regress_alice;
CREATE TABLE alice.v (id int, created_at timestamptz);
INSERT INTO alice.v SELECT g, now() - interval '10 days' FROM generate_series(1, 4) g;
INSERT INTO retention.policies (name, relation, time_column, retain, archive_to)
VALUES ('v', 'alice.v', 'created_at', '1 day', 'bob.archive');
SELECT status, rows_pruned FROM retention.run('v');
RESET ROLE;
SELECT count(*) AS archived FROM bob.archive;

-- 4. A deferred constraint trigger: the BEFORE trigger defers every
-- constraint, so the constraint trigger would fire at commit, after the run
-- left the owner's identity. It fires before the run leaves it, where
-- PostgreSQL refuses to fire deferred triggers (a security-restricted
-- operation): the batch fails and deletes nothing.
SET ROLE regress_alice;
CREATE TABLE alice.w (id int, created_at timestamptz);
INSERT INTO alice.w SELECT g, now() - interval '10 days' FROM generate_series(1, 5) g;
CREATE TABLE alice.fired (as_role name);
CREATE FUNCTION alice.defer_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN SET CONSTRAINTS ALL DEFERRED; RETURN OLD; END $$;
CREATE FUNCTION alice.at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO alice.fired VALUES (current_user);
    PERFORM public.trap_body('deferred constraint trigger');
    RETURN NULL;
END $$;
CREATE TRIGGER defer_all BEFORE DELETE ON alice.w FOR EACH ROW EXECUTE FUNCTION alice.defer_all();
CREATE CONSTRAINT TRIGGER at_commit AFTER DELETE ON alice.w DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION alice.at_commit();
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('w', 'alice.w', 'created_at', '1 day');
\set VERBOSITY terse
SELECT status, rows_pruned FROM retention.run('w');
\set VERBOSITY default
SELECT as_role, count(*) FROM alice.fired GROUP BY as_role;
SELECT count(*) AS kept FROM alice.w;
DELETE FROM retention.policies WHERE name = 'w';

-- 5. A trigger that moves the session's time zone half-way through a batch
-- (14 hours east: every later row would look 14 hours older): timestamp
-- columns are compared with the cutoff computed when the run began, in the
-- server's zone, whatever the zone is later. Rows 0.5..47.5 hours old,
-- oldest first, retain 24 hours: the 24 rows 24.5..47.5 hours old go.
CREATE TABLE alice.local (id int, at timestamp);
INSERT INTO alice.local SELECT g, localtimestamp - (g || ' hours')::interval - interval '30 minutes' FROM generate_series(47, 0, -1) g;
CREATE FUNCTION alice.shift_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_catalog.set_config('TimeZone', 'Etc/GMT-14', false); RETURN OLD; END $$;
CREATE TRIGGER shift_zone BEFORE DELETE ON alice.local FOR EACH ROW EXECUTE FUNCTION alice.shift_zone();
INSERT INTO retention.policies (name, relation, time_column, retain, batch_size)
VALUES ('local', 'alice.local', 'at', '24 hours', 1000);
SELECT status, rows_pruned FROM retention.run('local');
SELECT count(*) AS kept, min(id), max(id) FROM alice.local;
RESET ROLE;

-- 6. Database settings: ALTER DATABASE ... SET (its owner may run it) does
-- not reach a run worker, which keeps the server's settings: search_path,
-- role and the time zone in which timestamp columns are compared (UTC here).
SELECT format('ALTER DATABASE %I SET search_path = alice, pg_catalog', current_database()) \gexec
SELECT format('ALTER DATABASE %I SET role = regress_alice', current_database()) \gexec
SELECT format('ALTER DATABASE %I SET TimeZone = %L', current_database(), 'Etc/GMT-14') \gexec
SET ROLE regress_alice;
DROP TRIGGER shift_zone ON alice.local;
DELETE FROM alice.local;
INSERT INTO alice.local SELECT g, localtimestamp - (g || ' hours')::interval - interval '30 minutes' FROM generate_series(47, 0, -1) g;
SELECT status, rows_pruned FROM retention.run('local');
SELECT count(*) AS kept, min(id), max(id) FROM alice.local;
RESET ROLE;
SELECT format('ALTER DATABASE %I RESET ALL', current_database()) \gexec

-- 7. Names internal SQL resolves, put by bob into a schema a superuser's
-- search_path includes (public): an exact-match quote_ident(name), and an
-- exact-match = (regclass, oid). A superuser's policy on a superuser's
-- table with a foreign key, run by a superuser with run_all().
SET ROLE regress_bob;
CREATE FUNCTION public.quote_ident(name) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap_body('public.quote_ident(name)'); RETURN pg_catalog.quote_ident($1::text); END $$;
CREATE FUNCTION public.regclass_eq(regclass, oid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.trap_body('public.=(regclass, oid)'); RETURN $1::oid OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = regclass, RIGHTARG = oid, FUNCTION = public.regclass_eq);
RESET ROLE;
CREATE TABLE public.parents (id int PRIMARY KEY, created_at timestamptz);
CREATE TABLE public.children (id int, parent_id int REFERENCES public.parents, created_at timestamptz);
INSERT INTO public.parents SELECT g, now() - interval '10 days' FROM generate_series(1, 4) g;
INSERT INTO public.children VALUES (1, 1, now());
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('public.parents', 'created_at', '1 day'),
                                                                      ('public.children', 'created_at', '1 day');
SET search_path = public, pg_catalog;
SELECT policy, status, rows_pruned FROM retention.run_all() WHERE policy IN ('parents', 'children') ORDER BY policy;
SELECT status, rows_pruned FROM retention.run('parents', dry_run => true);
RESET search_path;

-- 8. The run lock cannot be taken from SQL: bob holding the advisory lock
-- that used to be a policy's run lock does not keep alice's run from starting.
SET ROLE regress_alice;
INSERT INTO alice.t SELECT g, now() - interval '10 days' FROM generate_series(10, 11) g;
RESET ROLE;
SET ROLE regress_bob;
SELECT pg_advisory_lock(1380275269, hashtext('t')) IS NOT NULL AS held;
SET ROLE regress_alice;
SELECT status, rows_pruned FROM retention.run('t');
RESET ROLE;
SELECT pg_advisory_unlock_all();

-- No trap fired as a superuser, and nobody became one.
SELECT * FROM public.caught;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname IN ('regress_alice', 'regress_bob') ORDER BY 1;

DELETE FROM retention.policies;
DELETE FROM retention.runs;
DROP TABLE public.caught, public.children, public.parents;
DROP SCHEMA alice, bob CASCADE;
DROP FUNCTION public.quote_ident(name);
DROP OPERATOR public.= (regclass, oid);
DROP FUNCTION public.regclass_eq(regclass, oid), public.trap_body(text);
REVOKE CREATE ON SCHEMA public FROM regress_bob;
DROP ROLE regress_alice, regress_bob;
