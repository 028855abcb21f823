-- Who may do what with retention's catalog: PUBLIC's grants, and row-level
-- security plus the validation trigger keeping each role to the policies of
-- tables it owns and roles it is a member of. Roles alice and bob (and carol,
-- a member of alice) each own a table; everything is rolled back at the end.
BEGIN;
SELECT plan(61);

CREATE ROLE alice NOLOGIN;
CREATE ROLE bob NOLOGIN;
CREATE ROLE carol NOLOGIN IN ROLE alice;   -- inherits alice's privileges
CREATE TABLE public.alice_events (id bigint, created_at timestamptz NOT NULL);
CREATE TABLE public.bob_events (id bigint, created_at timestamptz NOT NULL);
ALTER TABLE public.alice_events OWNER TO alice;
ALTER TABLE public.bob_events OWNER TO bob;

-- How many rows a statement touched, run with the caller's privileges.
CREATE FUNCTION public.rows_affected(statement text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE statement;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- What PUBLIC may do -----------------------------------------------------------
SELECT schema_privs_are('retention', 'public', ARRAY['USAGE'],
                        'PUBLIC has USAGE, and only USAGE, on schema retention');
SELECT table_privs_are('retention', 'policies', 'public', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
                       'PUBLIC may SELECT, INSERT, UPDATE and DELETE policies (row security narrows it)');
SELECT table_privs_are('retention', 'runs', 'public', ARRAY['SELECT'],
                       'PUBLIC may only SELECT the run history');
SELECT table_privs_are('retention', 'run_shards', 'public', ARRAY['SELECT'],
                       'PUBLIC may only SELECT the shards of runs (Citus)');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'retention.run_shards'::regclass),
          'row level security is enabled on retention.run_shards');
SELECT table_privs_are('retention', 'status', 'public', ARRAY['SELECT'],
                       'PUBLIC may only SELECT retention.status');
SELECT ok(has_table_privilege('alice', 'retention.runs', 'SELECT'), 'an ordinary role may read retention.runs');
SELECT ok(NOT has_table_privilege('alice', 'retention.runs', 'INSERT, UPDATE, DELETE, TRUNCATE'),
          'an ordinary role cannot write the run history');
SELECT ok(NOT has_sequence_privilege('alice', 'retention.runs_id_seq', 'USAGE, UPDATE'),
          'an ordinary role cannot advance the run id sequence');

-- Functions: the SQL API for everyone, the internal ones for nobody but the extension.
SELECT function_privs_are('retention', 'run', ARRAY['text', 'boolean'], 'public', ARRAY['EXECUTE'],
                          'PUBLIC may call retention.run()');
SELECT function_privs_are('retention', 'run_all', ARRAY['boolean'], 'public', ARRAY['EXECUTE'],
                          'PUBLIC may call retention.run_all()');
SELECT function_privs_are('retention', 'prune', ARRAY['text', 'boolean'], 'public', ARRAY['EXECUTE'],
                          'PUBLIC may CALL retention.prune()');
SELECT function_privs_are('retention', 'cancel', ARRAY['text'], 'public', ARRAY['EXECUTE'],
                          'PUBLIC may call retention.cancel() (it checks who may run the policy)');
SELECT function_privs_are('retention', 'validate_policy', ARRAY[]::text[], 'public', ARRAY[]::text[],
                          'PUBLIC may not use the validation trigger function');
SELECT function_privs_are('retention', 'wake_scheduler', ARRAY[]::text[], 'public', ARRAY[]::text[],
                          'PUBLIC may not use the wake-up trigger function');
SELECT function_privs_are('retention', 'wake_scheduler_now', ARRAY[]::text[], 'public', ARRAY[]::text[],
                          'PUBLIC may not wake the launcher');
SELECT function_privs_are('retention', 'forget_dropped_tables', ARRAY[]::text[], 'public', ARRAY[]::text[],
                          'PUBLIC may not use the event trigger function');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
           WHERE p.pronamespace = 'retention'::regnamespace AND p.prosecdef),
          ARRAY['coverage_decisions', 'forget_dropped_tables'],
          'two SECURITY DEFINER functions: the event trigger''s, and the decisions of retention.coverage (no names)');
SELECT is((SELECT count(*) FROM pg_proc p
           WHERE p.pronamespace = 'retention'::regnamespace AND p.prosecdef
             AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)),
          0::bigint, 'each with search_path = pg_catalog, pg_temp');
SELECT ok(has_table_privilege('alice', 'retention.status', 'SELECT'), 'an ordinary role may read retention.status');

-- The superuser records a run of alice's future policy, to see who can read it.
INSERT INTO retention.runs (policy, triggered_by, status, owner, finished_at, rows_pruned)
VALUES ('alice_events', 'manual', 'succeeded', 'alice', now(), 7);
-- And a shard of it that a Citus node pruned (retention.run_shards).
INSERT INTO retention.run_shards (run_id, node, shard, status, rows_pruned, batches, started_at, finished_at, owner)
SELECT max(id), '10.0.0.1:5432', 102008, 'succeeded', 7, 1, now(), now(), 'alice' FROM retention.runs;

-- alice ---------------------------------------------------------------------------
SET ROLE alice;
SELECT lives_ok($$INSERT INTO retention.policies (relation, time_column, retain)
                  VALUES ('public.alice_events', 'created_at', '30 days')$$,
                'alice can create a policy on her own table');
SELECT is((SELECT owner::text FROM retention.policies WHERE name = 'alice_events'), 'alice',
          'the policy''s owner defaults to alice');
SELECT throws_ok($$INSERT INTO retention.policies (name, relation, time_column, retain)
                   VALUES ('alice_on_bob', 'public.bob_events', 'created_at', '1 day')$$,
                 '42501', NULL, 'alice cannot create a policy on bob''s table');
SELECT throws_ok($$INSERT INTO retention.policies (name, relation, time_column, retain, owner)
                   VALUES ('alice_as_bob', 'public.alice_events', 'created_at', '1 day', 'bob')$$,
                 '42501', NULL, 'alice cannot create a policy with owner => bob');
SELECT throws_ok($$UPDATE retention.policies SET owner = 'bob' WHERE name = 'alice_events'$$,
                 '42501', NULL, 'alice cannot hand her policy to bob');
SELECT throws_ok($$UPDATE retention.policies SET relation = 'public.bob_events' WHERE name = 'alice_events'$$,
                 '42501', NULL, 'alice cannot point her policy at bob''s table');
SELECT throws_ok($$INSERT INTO retention.runs (policy, triggered_by, owner) VALUES ('alice_events', 'manual', 'alice')$$,
                 '42501', NULL, 'alice cannot forge run history');
SELECT throws_ok($$UPDATE retention.runs SET status = 'failed'$$,
                 '42501', NULL, 'alice cannot rewrite run history');
SELECT is(rows_affected($$UPDATE retention.policies SET batch_size = 500 WHERE name = 'alice_events'$$), 1::bigint,
          'alice can change her own policy');
SELECT is((SELECT batch_size FROM retention.policies WHERE name = 'alice_events'), 500,
          'alice''s change is stored');
SELECT is((SELECT count(*) FROM retention.policies), 1::bigint, 'alice sees exactly her policy');
SELECT is((SELECT count(*) FROM retention.runs), 1::bigint, 'alice sees the run of her policy');
SELECT is((SELECT shards FROM retention.run_nodes), 1::bigint, 'alice sees the shard of her run, per node');
SELECT is((SELECT last_status FROM retention.status WHERE policy = 'alice_events'), 'succeeded',
          'alice sees her policy''s last run in retention.status');
RESET ROLE;

-- bob -----------------------------------------------------------------------------
SET ROLE bob;
SELECT is((SELECT count(*) FROM retention.policies), 0::bigint, 'bob cannot see alice''s policy');
SELECT is((SELECT count(*) FROM retention.status), 0::bigint, 'bob cannot see alice''s policy in retention.status');
SELECT is((SELECT count(*) FROM retention.runs), 0::bigint, 'bob cannot see the runs of alice''s policy');
SELECT is((SELECT count(*) FROM retention.run_shards), 0::bigint, 'nor their shards');
SELECT is(rows_affected($$UPDATE retention.policies SET enabled = false WHERE name = 'alice_events'$$), 0::bigint,
          'bob''s UPDATE of alice''s policy affects no row');
SELECT is(rows_affected($$UPDATE retention.policies SET owner = 'bob', retain = '1 second'$$), 0::bigint,
          'bob''s unqualified UPDATE affects no row');
SELECT is(rows_affected($$DELETE FROM retention.policies WHERE name = 'alice_events'$$), 0::bigint,
          'bob''s DELETE of alice''s policy affects no row');
SELECT is(rows_affected($$DELETE FROM retention.policies$$), 0::bigint,
          'bob''s unqualified DELETE affects no row');
SELECT throws_ok($$INSERT INTO retention.policies (name, relation, time_column, retain)
                   VALUES ('bob_on_alice', 'public.alice_events', 'created_at', '1 day')$$,
                 '42501', NULL, 'bob cannot create a policy on alice''s table');
SELECT throws_ok($$INSERT INTO retention.policies (relation, time_column, retain, owner)
                   VALUES ('public.bob_events', 'created_at', '1 day', 'alice')$$,
                 '42501', NULL, 'bob cannot create a policy owned by alice, even on his own table');
SELECT lives_ok($$INSERT INTO retention.policies (relation, time_column, retain)
                  VALUES ('public.bob_events', 'created_at', '7 days')$$,
                'bob can create a policy on his own table');
SELECT is((SELECT array_agg(name ORDER BY name) FROM retention.policies), ARRAY['bob_events'],
          'bob sees only his own policy');
RESET ROLE;

-- the superuser ----------------------------------------------------------------------
SELECT is((SELECT array_agg(name ORDER BY name) FROM retention.policies
            WHERE name IN ('alice_events', 'bob_events')),
          ARRAY['alice_events', 'bob_events'], 'the superuser sees both policies');
SELECT is((SELECT count(*) FROM retention.status WHERE policy IN ('alice_events', 'bob_events')), 2::bigint,
          'the superuser sees both policies in retention.status');
SELECT is((SELECT row(enabled, owner::text, retain, batch_size)::text FROM retention.policies
            WHERE name = 'alice_events'),
          row(true, 'alice', '30 days'::interval, 500)::text,
          'alice''s policy is untouched by bob''s attempts');
SELECT is((SELECT owner::text FROM retention.policies WHERE name = 'bob_events'), 'bob',
          'bob''s policy is owned by bob');

-- carol, a member of alice ---------------------------------------------------------------
SET ROLE carol;
SELECT is((SELECT array_agg(name ORDER BY name) FROM retention.policies), ARRAY['alice_events'],
          'carol, a member of alice, sees alice''s policy and not bob''s');
SELECT is((SELECT count(*) FROM retention.runs), 1::bigint, 'carol sees the runs of alice''s policy');
SELECT is(rows_affected($$UPDATE retention.policies SET reason = 'audit requirement' WHERE name = 'alice_events'$$),
          1::bigint, 'carol may change the policy of alice''s table');
SELECT throws_ok($$INSERT INTO retention.policies (name, relation, time_column, retain)
                   VALUES ('carol_on_bob', 'public.bob_events', 'created_at', '1 day')$$,
                 '42501', NULL, 'carol cannot create a policy on bob''s table');
SELECT throws_ok($$UPDATE retention.policies SET owner = 'bob' WHERE name = 'alice_events'$$,
                 '42501', NULL, 'carol cannot hand alice''s policy to bob');
RESET ROLE;

-- alice again: ownership of the table matters, not only of the policy ------------------------
SET ROLE alice;
SELECT is((SELECT count(*) FROM retention.policies WHERE name = 'bob_events'), 0::bigint,
          'alice still cannot see bob''s policy');
RESET ROLE;
ALTER TABLE public.alice_events OWNER TO bob;
SET ROLE alice;
SELECT throws_ok($$UPDATE retention.policies SET batch_size = 10 WHERE name = 'alice_events'$$,
                 '42501', NULL, 'once the table belongs to bob, alice cannot change its policy');
SELECT throws_ok($$DELETE FROM retention.policies WHERE name = 'alice_events'$$,
                 '42501', NULL, 'once the table belongs to bob, alice cannot delete its policy');
RESET ROLE;
ALTER TABLE public.alice_events OWNER TO alice;
SET ROLE alice;
SELECT is(rows_affected($$DELETE FROM retention.policies WHERE name = 'alice_events'$$), 1::bigint,
          'alice can delete her own policy');
RESET ROLE;
SELECT is((SELECT array_agg(name ORDER BY name) FROM retention.policies
            WHERE name IN ('alice_events', 'bob_events')),
          ARRAY['bob_events'], 'only bob''s policy remains');
SELECT is(current_user::text, session_user::text, 'the role is reset at the end');

SELECT * FROM finish();
ROLLBACK;
