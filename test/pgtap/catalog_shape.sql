-- The shape of the retention catalog, checked against the contract (CONTRACT.md): the
-- schema, the policies and runs tables with every contract column (type,
-- NOT NULL, default), their keys, the status view, the validation trigger,
-- pg_dump configuration and row-level security.
BEGIN;
SELECT plan(146);

-- The schema and its objects --------------------------------------------------
SELECT has_schema('retention', 'schema retention exists');
SELECT has_table('retention', 'policies', 'retention.policies is a table');
SELECT has_table('retention', 'runs', 'retention.runs is a table');
SELECT has_view('retention', 'status', 'retention.status is a view');
SELECT is((SELECT e.extnamespace::regnamespace::text FROM pg_extension e WHERE e.extname = 'retention'),
          'retention', 'the extension lives in schema retention');
SELECT is((SELECT e.extrelocatable FROM pg_extension e WHERE e.extname = 'retention'),
          false, 'the extension is not relocatable');

-- retention.policies: every contract column with its type --------------------
SELECT col_type_is('retention', 'policies', 'name', 'text', 'policies.name is text');
SELECT col_type_is('retention', 'policies', 'relation', 'regclass', 'policies.relation is regclass');
SELECT col_type_is('retention', 'policies', 'time_column', 'name', 'policies.time_column is name');
SELECT col_type_is('retention', 'policies', 'retain', 'interval', 'policies.retain is interval');
SELECT col_type_is('retention', 'policies', 'time_unit', 'text', 'policies.time_unit is text');
SELECT col_type_is('retention', 'policies', 'filter', 'text', 'policies.filter is text');
SELECT col_type_is('retention', 'policies', 'schedule', 'text', 'policies.schedule is text');
SELECT col_type_is('retention', 'policies', 'time_zone', 'text', 'policies.time_zone is text');
SELECT col_type_is('retention', 'policies', 'batch_size', 'integer', 'policies.batch_size is integer');
SELECT col_type_is('retention', 'policies', 'batch_delay', 'interval', 'policies.batch_delay is interval');
SELECT col_type_is('retention', 'policies', 'max_runtime', 'interval', 'policies.max_runtime is interval');
SELECT col_type_is('retention', 'policies', 'enabled', 'boolean', 'policies.enabled is boolean');
SELECT col_type_is('retention', 'policies', 'archive_to', 'regclass', 'policies.archive_to is regclass');
SELECT col_type_is('retention', 'policies', 'partitions', 'text', 'policies.partitions is text');
SELECT col_type_is('retention', 'policies', 'max_retries', 'integer', 'policies.max_retries is integer');
SELECT col_type_is('retention', 'policies', 'owner', 'regrole', 'policies.owner is regrole');
SELECT col_type_is('retention', 'policies', 'reason', 'text', 'policies.reason is text');
SELECT col_type_is('retention', 'policies', 'max_rows_per_second', 'integer', 'policies.max_rows_per_second is integer');

-- NOT NULL where the contract says so, nullable where NULL has a meaning
SELECT col_not_null('retention', 'policies', 'name', 'policies.name is NOT NULL');
SELECT col_not_null('retention', 'policies', 'relation', 'policies.relation is NOT NULL');
SELECT col_not_null('retention', 'policies', 'time_column', 'policies.time_column is NOT NULL');
SELECT col_is_null ('retention', 'policies', 'retain', 'policies.retain is nullable');
SELECT col_is_null ('retention', 'policies', 'time_unit', 'policies.time_unit is nullable');
SELECT col_is_null ('retention', 'policies', 'filter', 'policies.filter is nullable');
SELECT col_not_null('retention', 'policies', 'schedule', 'policies.schedule is NOT NULL');
SELECT col_not_null('retention', 'policies', 'time_zone', 'policies.time_zone is NOT NULL');
SELECT col_not_null('retention', 'policies', 'batch_size', 'policies.batch_size is NOT NULL');
SELECT col_not_null('retention', 'policies', 'batch_delay', 'policies.batch_delay is NOT NULL');
SELECT col_is_null ('retention', 'policies', 'max_runtime', 'policies.max_runtime is nullable');
SELECT col_not_null('retention', 'policies', 'enabled', 'policies.enabled is NOT NULL');
SELECT col_is_null ('retention', 'policies', 'archive_to', 'policies.archive_to is nullable');
SELECT col_not_null('retention', 'policies', 'partitions', 'policies.partitions is NOT NULL');
SELECT col_not_null('retention', 'policies', 'max_retries', 'policies.max_retries is NOT NULL');
SELECT col_not_null('retention', 'policies', 'owner', 'policies.owner is NOT NULL');
SELECT col_is_null ('retention', 'policies', 'reason', 'policies.reason is nullable');
SELECT col_is_null ('retention', 'policies', 'max_rows_per_second', 'policies.max_rows_per_second is nullable');

-- Defaults
SELECT col_default_is('retention', 'policies', 'schedule', '0 3 * * *'::text, 'policies.schedule defaults to ''0 3 * * *''');
SELECT col_default_is('retention', 'policies', 'time_zone', 'UTC'::text, 'policies.time_zone defaults to ''UTC''');
SELECT col_default_is('retention', 'policies', 'batch_size', 10000, 'policies.batch_size defaults to 10000');
SELECT col_default_is('retention', 'policies', 'batch_delay', '00:00:00'::interval, 'policies.batch_delay defaults to ''00:00:00''');
SELECT col_default_is('retention', 'policies', 'enabled', true, 'policies.enabled defaults to true');
SELECT col_default_is('retention', 'policies', 'partitions', 'drop'::text, 'policies.partitions defaults to ''drop''');
SELECT col_default_is('retention', 'policies', 'max_retries', 3, 'policies.max_retries defaults to 3');
SELECT col_has_default('retention', 'policies', 'owner', 'policies.owner has a default');
SELECT col_hasnt_default('retention', 'policies', 'retain', 'policies.retain has no default (NULL)');
SELECT col_hasnt_default('retention', 'policies', 'time_unit', 'policies.time_unit has no default (NULL)');
SELECT col_hasnt_default('retention', 'policies', 'filter', 'policies.filter has no default (NULL)');
SELECT col_hasnt_default('retention', 'policies', 'max_runtime', 'policies.max_runtime has no default (NULL)');
SELECT col_hasnt_default('retention', 'policies', 'archive_to', 'policies.archive_to has no default (NULL)');
SELECT col_hasnt_default('retention', 'policies', 'reason', 'policies.reason has no default (NULL)');
SELECT col_hasnt_default('retention', 'policies', 'max_rows_per_second', 'policies.max_rows_per_second has no default (NULL)');

-- Keys
SELECT has_pk('retention', 'policies', 'retention.policies has a primary key');
SELECT col_is_pk('retention', 'policies', 'name', 'name is the primary key of policies');

-- The defaults in action: a row given only relation and time_column gets the
-- contract's defaults, the table's name as its name, and the inserting role
-- as its owner.
CREATE TABLE public.shape_events (id bigint, created_at timestamptz);
SELECT lives_ok($$INSERT INTO retention.policies (relation, time_column) VALUES ('public.shape_events', 'created_at')$$,
                'a policy given only relation and time_column is accepted');
SELECT is((SELECT count(*) FROM retention.policies WHERE relation = 'public.shape_events'::regclass),
          1::bigint, 'a minimal policy row is accepted');
SELECT is((SELECT name FROM retention.policies WHERE relation = 'public.shape_events'::regclass),
          'shape_events', 'name defaults to the table''s name');
SELECT is((SELECT owner::text FROM retention.policies WHERE name = 'shape_events'),
          current_user::text, 'owner defaults to current_user');
SELECT is((SELECT schedule FROM retention.policies WHERE name = 'shape_events'), '0 3 * * *', 'stored schedule default');
SELECT is((SELECT time_zone FROM retention.policies WHERE name = 'shape_events'), 'UTC', 'stored time_zone default');
SELECT is((SELECT batch_size FROM retention.policies WHERE name = 'shape_events'), 10000, 'stored batch_size default');
SELECT is((SELECT batch_delay FROM retention.policies WHERE name = 'shape_events'), '0'::interval,
          'stored batch_delay default');
SELECT is((SELECT enabled FROM retention.policies WHERE name = 'shape_events'), true, 'stored enabled default');
SELECT is((SELECT partitions FROM retention.policies WHERE name = 'shape_events'), 'drop', 'stored partitions default');
SELECT is((SELECT max_retries FROM retention.policies WHERE name = 'shape_events'), 3, 'stored max_retries default');
SELECT ok((SELECT retain IS NULL AND time_unit IS NULL AND filter IS NULL AND max_runtime IS NULL
                  AND archive_to IS NULL AND reason IS NULL
             FROM retention.policies WHERE name = 'shape_events'),
          'retain, time_unit, filter, max_runtime, archive_to and reason default to NULL');
SELECT throws_ok($$INSERT INTO retention.policies (relation, time_column) VALUES ('public.shape_events', 'created_at')$$,
                 '23505', NULL, 'a second policy with the same (defaulted) name violates the primary key');
SELECT lives_ok($$INSERT INTO retention.policies (name, relation, time_column)
                  VALUES ('shape_events_2', 'public.shape_events', 'created_at')$$,
                'a second policy on the same table under another name is accepted');
SELECT throws_ok($$INSERT INTO retention.policies (name, time_column) VALUES ('no_relation', 'created_at')$$,
                 '23502', NULL, 'relation is required');
SELECT throws_ok($$INSERT INTO retention.policies (name, relation) VALUES ('no_column', 'public.shape_events')$$,
                 '23502', NULL, 'time_column is required');
SELECT throws_ok($$INSERT INTO retention.policies (name, relation, time_column, schedule)
                   VALUES ('null_schedule', 'public.shape_events', 'created_at', NULL)$$,
                 '23502', NULL, 'an explicit NULL schedule is refused');

-- retention.runs: every contract column -----------------------------------------
SELECT col_type_is('retention', 'runs', 'id', 'bigint', 'runs.id is bigint');
SELECT col_type_is('retention', 'runs', 'policy', 'text', 'runs.policy is text');
SELECT col_type_is('retention', 'runs', 'triggered_by', 'text', 'runs.triggered_by is text');
SELECT col_type_is('retention', 'runs', 'dry_run', 'boolean', 'runs.dry_run is boolean');
SELECT col_type_is('retention', 'runs', 'status', 'text', 'runs.status is text');
SELECT col_type_is('retention', 'runs', 'started_at', 'timestamp with time zone', 'runs.started_at is timestamp with time zone');
SELECT col_type_is('retention', 'runs', 'finished_at', 'timestamp with time zone', 'runs.finished_at is timestamp with time zone');
SELECT col_type_is('retention', 'runs', 'cutoff', 'timestamp with time zone', 'runs.cutoff is timestamp with time zone');
SELECT col_type_is('retention', 'runs', 'rows_pruned', 'bigint', 'runs.rows_pruned is bigint');
SELECT col_type_is('retention', 'runs', 'batches', 'integer', 'runs.batches is integer');
SELECT col_type_is('retention', 'runs', 'partitions_dropped', 'integer', 'runs.partitions_dropped is integer');
SELECT col_type_is('retention', 'runs', 'error', 'text', 'runs.error is text');
SELECT col_type_is('retention', 'runs', 'sqlstate', 'text', 'runs.sqlstate is text');
SELECT col_type_is('retention', 'runs', 'repeats', 'integer', 'runs.repeats is integer (runs folded into the row)');
SELECT col_default_is('retention', 'runs', 'repeats', '1', 'runs.repeats defaults to 1');
SELECT col_type_is('retention', 'runs', 'first_started_at', 'timestamp with time zone',
                   'runs.first_started_at is timestamp with time zone');
SELECT has_function('retention', 'cancel', ARRAY['text'], 'retention.cancel(text) exists');

SELECT col_not_null('retention', 'runs', 'id', 'runs.id is NOT NULL');
SELECT col_not_null('retention', 'runs', 'policy', 'runs.policy is NOT NULL');
SELECT col_not_null('retention', 'runs', 'triggered_by', 'runs.triggered_by is NOT NULL');
SELECT col_not_null('retention', 'runs', 'dry_run', 'runs.dry_run is NOT NULL');
SELECT col_not_null('retention', 'runs', 'status', 'runs.status is NOT NULL');
SELECT col_not_null('retention', 'runs', 'started_at', 'runs.started_at is NOT NULL');
SELECT col_is_null ('retention', 'runs', 'finished_at', 'runs.finished_at is nullable');
SELECT col_is_null ('retention', 'runs', 'error', 'runs.error is nullable');
SELECT col_is_null ('retention', 'runs', 'sqlstate', 'runs.sqlstate is nullable');
SELECT col_has_default('retention', 'runs', 'id', 'runs.id has a default');
SELECT col_default_is('retention', 'runs', 'status', 'running'::text, 'runs.status defaults to ''running''');
SELECT col_default_is('retention', 'runs', 'dry_run', false, 'runs.dry_run defaults to false');

SELECT has_pk('retention', 'runs', 'retention.runs has a primary key');
SELECT col_is_pk('retention', 'runs', 'id', 'id is the primary key of runs');

-- Run ids increase, and status/triggered_by only take the contract's values.
INSERT INTO retention.runs (policy, triggered_by, owner) VALUES ('shape_events', 'manual', current_user::regrole);
INSERT INTO retention.runs (policy, triggered_by, owner) VALUES ('shape_events', 'schedule', current_user::regrole);
SELECT ok((SELECT max(id) > min(id) FROM retention.runs WHERE policy = 'shape_events'),
          'run ids increase');
SELECT is((SELECT status FROM retention.runs WHERE policy = 'shape_events' ORDER BY id LIMIT 1), 'running',
          'a new run row starts as running');
SELECT lives_ok($$UPDATE retention.runs SET status = 'succeeded', finished_at = now() WHERE policy = 'shape_events'$$,
                'status may become succeeded');
SELECT lives_ok($$UPDATE retention.runs SET status = 'partial' WHERE policy = 'shape_events'$$,
                'status may become partial');
SELECT lives_ok($$UPDATE retention.runs SET status = 'cancelled' WHERE policy = 'shape_events'$$,
                'status may become cancelled');
SELECT lives_ok($$UPDATE retention.runs SET status = 'failed' WHERE policy = 'shape_events'$$,
                'status may become failed');
SELECT throws_ok($$UPDATE retention.runs SET status = 'done' WHERE policy = 'shape_events'$$,
                 '23514', NULL, 'status outside the contract is refused');
SELECT throws_ok($$INSERT INTO retention.runs (policy, triggered_by, owner) VALUES ('shape_events', 'cron', current_user::regrole)$$,
                 '23514', NULL, 'triggered_by outside manual/schedule is refused');

-- retention.status ----------------------------------------------------------------
SELECT has_column('retention', 'status', 'policy',      'status has policy');
SELECT has_column('retention', 'status', 'enabled',     'status has enabled');
SELECT has_column('retention', 'status', 'schedule',    'status has schedule');
SELECT has_column('retention', 'status', 'next_run_at', 'status has next_run_at');
SELECT has_column('retention', 'status', 'last_run_at', 'status has last_run_at');
SELECT has_column('retention', 'status', 'last_status', 'status has last_status');
SELECT has_column('retention', 'status', 'last_error',  'status has last_error');
SELECT col_type_is('retention', 'status', 'policy', 'text', 'status.policy is text');
SELECT col_type_is('retention', 'status', 'enabled', 'boolean', 'status.enabled is boolean');
SELECT col_type_is('retention', 'status', 'schedule', 'text', 'status.schedule is text');
SELECT col_type_is('retention', 'status', 'next_run_at', 'timestamp with time zone', 'status.next_run_at is timestamp with time zone');
SELECT col_type_is('retention', 'status', 'last_run_at', 'timestamp with time zone', 'status.last_run_at is timestamp with time zone');
SELECT col_type_is('retention', 'status', 'last_status', 'text', 'status.last_status is text');
SELECT col_type_is('retention', 'status', 'last_error', 'text', 'status.last_error is text');
SELECT is((SELECT count(*) FROM retention.status WHERE policy IN ('shape_events', 'shape_events_2')), 2::bigint,
          'status has one row per policy');
SELECT is((SELECT last_status FROM retention.status WHERE policy = 'shape_events'), 'failed',
          'status shows the last run''s status');
SELECT is((SELECT last_status FROM retention.status WHERE policy = 'shape_events_2'), NULL,
          'a policy that never ran has no last_status');

-- The validation trigger ------------------------------------------------------------
SELECT has_trigger('retention', 'policies', 'validate', 'retention.policies has trigger validate');
SELECT trigger_is('retention', 'policies', 'validate', 'retention', 'validate_policy');
-- tgtype bits: ROW 1, BEFORE 2, INSERT 4, DELETE 8 (allowed: DELETE checks
-- table ownership too), UPDATE 16, TRUNCATE 32, INSTEAD 64
SELECT is((SELECT t.tgtype & (1 | 2 | 4 | 16 | 32 | 64) FROM pg_trigger t
            WHERE t.tgrelid = 'retention.policies'::regclass AND t.tgname = 'validate')::int,
          1 | 2 | 4 | 16, 'validate fires BEFORE INSERT OR UPDATE FOR EACH ROW');
SELECT is((SELECT t.tgenabled FROM pg_trigger t
            WHERE t.tgrelid = 'retention.policies'::regclass AND t.tgname = 'validate'),
          'O'::"char", 'validate is enabled');
SELECT throws_ok($$UPDATE retention.policies SET batch_size = 0 WHERE name = 'shape_events'$$,
                 '22023', NULL, 'the trigger also checks updates');
SELECT ok((SELECT updated_at >= created_at FROM retention.policies WHERE name = 'shape_events'),
          'updated_at is not before created_at');

-- Extension membership and pg_dump ---------------------------------------------------
SELECT ok((SELECT 'retention.policies'::regclass::oid = ANY (e.extconfig) FROM pg_extension e
            WHERE e.extname = 'retention'),
          'retention.policies is an extension configuration table (dumped by pg_dump)');
SELECT ok((SELECT 'retention.runs'::regclass::oid = ANY (e.extconfig) FROM pg_extension e
            WHERE e.extname = 'retention'),
          'retention.runs is an extension configuration table (dumped by pg_dump)');
SELECT ok((SELECT count(*) = 1 FROM pg_depend d
            WHERE d.classid = 'pg_class'::regclass AND d.objid = 'retention.policies'::regclass
              AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
              AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'retention')),
          'retention.policies belongs to the extension');

-- Row-level security ------------------------------------------------------------------
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'retention.policies'::regclass),
          'row level security is enabled on retention.policies');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'retention.runs'::regclass),
          'row level security is enabled on retention.runs');
SELECT ok((SELECT count(*) > 0 FROM pg_policy WHERE polrelid = 'retention.policies'::regclass),
          'retention.policies has at least one row security policy');
SELECT ok((SELECT count(*) > 0 FROM pg_policy WHERE polrelid = 'retention.runs'::regclass),
          'retention.runs has at least one row security policy');
SELECT ok((SELECT reloptions @> ARRAY['security_invoker=true'] FROM pg_class
            WHERE oid = 'retention.status'::regclass),
          'retention.status is security_invoker, so row security applies through it');

SELECT * FROM finish();
ROLLBACK;
