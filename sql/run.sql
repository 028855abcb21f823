-- retention.run() and run_all(): exactly the expired rows go, batch by batch,
-- with an audit row per run. Every count below fails if one row too many or
-- too few is deleted.
SET client_min_messages = warning;  -- NOTICEs carry timings
-- Runs compute their cutoff in the server's time zone (UTC on the test
-- cluster); this session reads times the same way.
SET TIME ZONE 'UTC';
SELECT setval('retention.runs_id_seq', 1000);

-- timestamptz with an index: keyset batches, oldest first.
CREATE TABLE logs (id int PRIMARY KEY, created_at timestamptz, status text);
CREATE INDEX ON logs (created_at);
INSERT INTO logs SELECT i, now() - (i || ' days')::interval - interval '1 hour', CASE WHEN i % 3 = 0 THEN 'open' ELSE 'done' END
FROM generate_series(0, 99) i;
INSERT INTO logs VALUES (1000, NULL, 'done');  -- NULL times never expire
INSERT INTO retention.policies (relation, time_column, retain, batch_size) VALUES ('logs', 'created_at', '30 days', 7);
-- Rows 30..99 are older than 30 days: 70 rows.
SELECT dry_run, status, rows_pruned, batches, triggered_by, error FROM retention.run('logs', dry_run => true);
SELECT count(*) FROM logs;
SELECT status, rows_pruned, batches, partitions_dropped, error, sqlstate, relation, owner FROM retention.run('logs');
SELECT count(*) AS remaining, max(id) FILTER (WHERE id < 1000) AS newest_kept_id, count(*) FILTER (WHERE created_at IS NULL) AS null_times
FROM logs;
-- Nothing left to do: a second run prunes nothing.
SELECT status, rows_pruned, batches FROM retention.run('logs');
-- The audit trail: one row per run, dry runs included, each completed.
SELECT policy, triggered_by, dry_run, status, rows_pruned, batches, finished_at >= started_at AS ordered,
       cutoff < now() - interval '30 days' + interval '1 minute' AS cutoff_fixed_at_start
FROM retention.runs WHERE policy = 'logs' ORDER BY id;

-- The filter narrows a run, never widens it, even with OR inside.
UPDATE retention.policies SET retain = '10 days', filter = $$status = 'done' OR status = 'open' AND id % 2 = 0$$ WHERE name = 'logs';
SELECT count(*) AS expected FROM logs WHERE created_at < now() - interval '10 days' AND (status = 'done' OR status = 'open' AND id % 2 = 0);
SELECT status, rows_pruned FROM retention.run('logs');
SELECT count(*) AS young_survivors FROM logs WHERE created_at >= now() - interval '10 days';
SELECT id FROM logs WHERE created_at < now() - interval '10 days' ORDER BY id;

-- No index: the heap is walked once in block ranges.
CREATE TABLE events (id int, at timestamptz);
INSERT INTO events SELECT i, now() - (i || ' hours')::interval - interval '1 minute' FROM generate_series(0, 4999) i;
INSERT INTO retention.policies (relation, time_column, retain, batch_size) VALUES ('events', 'at', '48 hours', 100);
SELECT status, rows_pruned, batches >= 50 AS at_most_batch_size_per_batch, method FROM retention.run('events');
SELECT count(*), max(id) FROM events;

-- The path: with an index on the time column, slices of it, whether few or
-- most rows are expired (without one, block ranges: see events above).
CREATE TABLE paths (id int, created_at timestamptz);
CREATE INDEX ON paths (created_at);
INSERT INTO paths SELECT i, now() - (i || ' minutes')::interval - interval '30 seconds' FROM generate_series(1, 20000) i;
ANALYZE paths;
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES
    ('paths_dense', 'paths', 'created_at', '2 days'),     -- rows 2880..20000: 17121 of 20000
    ('paths_sparse', 'paths', 'created_at', '13 days');   -- rows 18720..20000: 1281 of 20000
SELECT policy, rows_pruned, method FROM retention.run('paths_dense', dry_run => true)
UNION ALL
SELECT policy, rows_pruned, method FROM retention.run('paths_sparse', dry_run => true);
SELECT status, rows_pruned, method FROM retention.run('paths_sparse');
SELECT status, rows_pruned, method FROM retention.run('paths_dense');
SELECT count(*), min(id), max(id) FROM paths;

-- timestamp (compared in the server's time zone), date, and integer epochs.
CREATE TABLE kinds (id int, local_at timestamp, day date, epoch_s bigint, epoch_ms bigint, epoch_us bigint, small_s integer);
INSERT INTO kinds
SELECT i, localtimestamp - (i || ' days')::interval - interval '1 hour', current_date - i,
       extract(epoch FROM now() - (i || ' days')::interval - interval '1 hour')::bigint,
       (extract(epoch FROM now() - (i || ' days')::interval - interval '1 hour') * 1000)::bigint,
       (extract(epoch FROM now() - (i || ' days')::interval - interval '1 hour') * 1000000)::bigint,
       extract(epoch FROM now() - (i || ' days')::interval - interval '1 hour')::integer
FROM generate_series(0, 19) i;
INSERT INTO retention.policies (name, relation, time_column, retain, time_unit) VALUES
    ('kinds_local', 'kinds', 'local_at', '5 days', NULL),
    ('kinds_day', 'kinds', 'day', '5 days', NULL),
    ('kinds_s', 'kinds', 'epoch_s', '5 days', 's'),
    ('kinds_ms', 'kinds', 'epoch_ms', '5 days', 'ms'),
    ('kinds_us', 'kinds', 'epoch_us', '5 days', 'us'),
    ('kinds_int', 'kinds', 'small_s', '5 days', 's');
-- Each counts rows 5..19 (15 rows): the date current_date - 5 (at midnight) is older than now() - 5 days.
SELECT r.policy, r.rows_pruned FROM unnest(ARRAY['kinds_local', 'kinds_day', 'kinds_s', 'kinds_ms', 'kinds_us', 'kinds_int']) p,
     LATERAL retention.run(p, dry_run => true) r ORDER BY 1;
SELECT status, rows_pruned FROM retention.run('kinds_ms');
SELECT min(id), max(id), count(*) FROM kinds;

-- An expiry-instant column: retain '0' prunes rows whose instant has passed.
CREATE TABLE sessions (token text PRIMARY KEY, expires_at_ms bigint);
INSERT INTO sessions SELECT 's' || i, (extract(epoch FROM now()) * 1000)::bigint + (i - 10) * 60000 FROM generate_series(0, 19) i;
INSERT INTO retention.policies (relation, time_column, retain, time_unit) VALUES ('sessions', 'expires_at_ms', '0', 'ms');
SELECT status, rows_pruned FROM retention.run('sessions');
SELECT min(token), count(*) FROM sessions;

-- Keep forever: a run succeeds, has no cutoff and deletes nothing.
CREATE TABLE billing (id int, created_at timestamptz);
INSERT INTO billing SELECT i, now() - (i || ' years')::interval FROM generate_series(1, 5) i;
INSERT INTO retention.policies (relation, time_column, retain, reason) VALUES ('billing', 'created_at', NULL, 'billing audit');
SELECT status, rows_pruned, cutoff FROM retention.run('billing');
SELECT count(*) FROM billing;

-- More rows with one time value than a batch holds: batches take them by
-- ctid, batch_size at a time, and still exactly the expired ones go.
CREATE TABLE bursts (id int, created_at timestamptz);
CREATE INDEX ON bursts (created_at);
INSERT INTO bursts SELECT i, date_trunc('day', now()) - interval '10 days' FROM generate_series(1, 30) i;
INSERT INTO bursts SELECT i, now() FROM generate_series(31, 35) i;
INSERT INTO retention.policies (relation, time_column, retain, batch_size) VALUES ('bursts', 'created_at', '1 day', 7);
SELECT status, rows_pruned, batches, method FROM retention.run('bursts');
SELECT count(*), min(id), max(id) FROM bursts;

-- max_runtime: a run stops after that long as 'partial'; the rest waits for the next run.
CREATE TABLE slow_logs (id int PRIMARY KEY, created_at timestamptz);
CREATE INDEX ON slow_logs (created_at);
INSERT INTO slow_logs SELECT i, now() - (i || ' days')::interval FROM generate_series(1, 100) i;
INSERT INTO retention.policies (relation, time_column, retain, batch_size, batch_delay, max_runtime)
VALUES ('slow_logs', 'created_at', '12 hours', 10, '200 ms', '500 ms');
SELECT status, rows_pruned < 100 AS rows_remain, rows_pruned = 10 * batches AS whole_batches, error
FROM retention.run('slow_logs');
SELECT 100 - count(*) = (SELECT rows_pruned FROM retention.runs WHERE policy = 'slow_logs') AS counted_exactly FROM slow_logs;
UPDATE retention.policies SET max_runtime = NULL, batch_delay = '0' WHERE name = 'slow_logs';
SELECT status FROM retention.run('slow_logs');
SELECT count(*) FROM slow_logs;

-- Errors: unknown policy, NULL, a real run in a transaction block (a dry run is fine there).
SELECT * FROM retention.run('no_such_policy');
SELECT * FROM retention.run(NULL);
SELECT * FROM retention.run('billing', NULL);
SELECT * FROM retention.run_all(NULL);
BEGIN;
SELECT status, rows_pruned FROM retention.run('billing', dry_run => true);
SELECT * FROM retention.run('billing');
ROLLBACK;
BEGIN;
SELECT * FROM retention.run_all();
ROLLBACK;

-- A failing run: the batches committed before the failure stay committed and counted.
CREATE TABLE fragile (id int PRIMARY KEY, created_at timestamptz);
CREATE INDEX ON fragile (created_at);
INSERT INTO fragile SELECT i, now() - (i || ' days')::interval FROM generate_series(1, 50) i;
CREATE FUNCTION refuse_id_25() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.id = 25 THEN RAISE EXCEPTION 'row 25 is precious'; END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER refuse BEFORE DELETE ON fragile FOR EACH ROW EXECUTE FUNCTION refuse_id_25();
INSERT INTO retention.policies (relation, time_column, retain, batch_size) VALUES ('fragile', 'created_at', '12 hours', 10);
-- Oldest first: ids 50..41, 40..31 commit; the batch with id 25 fails.
SELECT * FROM retention.run('fragile');
SELECT status, rows_pruned, batches, error, sqlstate FROM retention.runs WHERE policy = 'fragile';
SELECT count(*), max(id) FROM fragile;
SELECT policy, last_status, last_error FROM retention.status WHERE policy = 'fragile';

-- The table changed under the policy: the run fails with a clear message.
CREATE TABLE drifting (id int, created_at timestamptz);
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('drifting', 'created_at', '1 day');
ALTER TABLE drifting ALTER COLUMN created_at TYPE text;
SELECT * FROM retention.run('drifting');

-- Archive: rows move in the same transaction that deletes them; a failing
-- archive insert loses nothing and duplicates nothing.
CREATE TABLE jobs (id int PRIMARY KEY, created_at timestamptz, payload text);
CREATE TABLE jobs_archive (archived_at timestamptz DEFAULT now(), id int, payload text, created_at timestamptz);
INSERT INTO jobs SELECT i, now() - (i || ' days')::interval, 'payload ' || i FROM generate_series(1, 40) i;
INSERT INTO retention.policies (relation, time_column, retain, archive_to, batch_size)
VALUES ('jobs', 'created_at', '25 days 12 hours', 'jobs_archive', 4);
SELECT status, rows_pruned FROM retention.run('jobs');
SELECT count(*), max(id) FROM jobs;
SELECT count(*), min(id), max(id), count(archived_at) AS stamped,
       count(*) FILTER (WHERE payload = 'payload ' || id) AS intact FROM jobs_archive;
ALTER TABLE jobs_archive ADD CONSTRAINT no_old CHECK (id < 20) NOT VALID;
UPDATE retention.policies SET retain = '5 days 12 hours' WHERE name = 'jobs';
\set VERBOSITY terse
SELECT * FROM retention.run('jobs');
\set VERBOSITY default
SELECT count(*) FROM jobs;
SELECT count(*) FROM jobs_archive;

DELETE FROM retention.policies WHERE name IN ('fragile', 'drifting', 'jobs');

-- Foreign keys: referenced rows are kept (NO ACTION / RESTRICT), cascading
-- children go with their parent, and run_all prunes children first.
CREATE TABLE flow_runs (id int PRIMARY KEY, created_at timestamptz);
CREATE TABLE flow_run_steps (id int PRIMARY KEY, run_id int NOT NULL REFERENCES flow_runs, created_at timestamptz);
CREATE TABLE flow_run_notes (id int, run_id int REFERENCES flow_runs ON DELETE CASCADE);
CREATE TABLE pinned (run_id int REFERENCES flow_runs ON DELETE RESTRICT);
INSERT INTO flow_runs SELECT i, now() - (i || ' days')::interval FROM generate_series(1, 60) i;
INSERT INTO flow_run_steps SELECT i * 10 + s, i, now() - (i || ' days')::interval FROM generate_series(1, 60) i, generate_series(1, 3) s;
INSERT INTO flow_run_notes SELECT i, i FROM generate_series(1, 60) i;
INSERT INTO pinned VALUES (55);
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('flow_runs', 'created_at', '30 days 12 hours');
-- Alone, the parent keeps its referenced rows: runs 31..60 expired, all referenced by steps.
SELECT status, rows_pruned, rows_kept_referenced FROM retention.run('flow_runs');
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('flow_run_steps', 'created_at', '30 days 12 hours');
-- run_all: steps before runs, in one pass; run 55 stays pinned.
SELECT policy, status, rows_pruned, rows_kept_referenced FROM retention.run_all()
WHERE policy IN ('flow_runs', 'flow_run_steps');
SELECT count(*) AS runs, count(*) FILTER (WHERE id > 30) AS old_runs FROM flow_runs;
SELECT count(*) AS steps FROM flow_run_steps;
SELECT count(*) AS notes, max(run_id) FROM flow_run_notes;

-- Partitioned tables: each partition is pruned.
CREATE TABLE metrics (id int, at timestamptz) PARTITION BY RANGE (at);
CREATE TABLE metrics_old PARTITION OF metrics FOR VALUES FROM (MINVALUE) TO ('2026-11-01');
CREATE TABLE metrics_new PARTITION OF metrics FOR VALUES FROM ('2026-11-01') TO (MAXVALUE);
INSERT INTO metrics SELECT i, now() - (i || ' days')::interval - interval '1 hour' FROM generate_series(0, 99) i;
INSERT INTO retention.policies (relation, time_column, retain, partitions, batch_size) VALUES ('metrics', 'at', '7 days', 'rows', 9);
SELECT status, rows_pruned FROM retention.run('metrics');
SELECT count(*), max(id) FROM metrics;

-- partitions 'drop' (the default) and 'detach': a partition whose bounds lie
-- entirely before the cutoff goes whole; the others lose their expired rows.
CREATE TABLE samples (id int, at timestamptz) PARTITION BY RANGE (at);
CREATE TABLE samples_archive (id int, at timestamptz) PARTITION BY RANGE (at);
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['samples', 'samples_archive'] LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (MINVALUE) TO (%L)',
                       t || '_old', t, now() - interval '60 days');
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                       t || '_mid', t, now() - interval '60 days', now() - interval '20 days');
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (MAXVALUE)',
                       t || '_new', t, now() - interval '20 days');
        EXECUTE format($q$INSERT INTO %I SELECT i, now() - (i || ' days')::interval - interval '1 hour'
                          FROM generate_series(0, 99) i$q$, t);
    END LOOP;
END
$$;
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('samples', 'at', '30 days');
INSERT INTO retention.policies (relation, time_column, retain, partitions)
VALUES ('samples_archive', 'at', '30 days', 'detach');
-- samples_old (rows 60..99) goes whole; samples_mid loses rows 30..59; samples_new keeps rows 0..19.
SELECT status, rows_pruned, partitions_dropped FROM retention.run('samples', dry_run => true);
SELECT status, rows_pruned, partitions_dropped FROM retention.run('samples');
SELECT tableoid::regclass AS partition, count(*), min(id), max(id) FROM samples GROUP BY 1 ORDER BY 1;
SELECT count(*) AS dropped_tables_left FROM pg_class WHERE relname = 'samples_old';
SELECT status, rows_pruned, partitions_dropped FROM retention.run('samples_archive');
SELECT tableoid::regclass AS partition, count(*) FROM samples_archive GROUP BY 1 ORDER BY 1;
SELECT relispartition, (SELECT count(*) FROM samples_archive_old) AS rows_kept FROM pg_class WHERE relname = 'samples_archive_old';
-- With a filter, no partition can go whole: rows only.
UPDATE retention.policies SET filter = 'id % 2 = 0', retain = '10 days' WHERE name = 'samples';
SELECT status, rows_pruned, partitions_dropped FROM retention.run('samples');
SELECT count(*) FROM samples;

-- Disabled policies run when asked by name, never in run_all.
UPDATE retention.policies SET enabled = false WHERE name = 'billing';
SELECT status FROM retention.run('billing');
SELECT count(*) FROM retention.run_all(dry_run => true) WHERE policy = 'billing';

DELETE FROM retention.policies;
DELETE FROM retention.runs;
DROP TABLE logs, events, paths, bursts, slow_logs, kinds, sessions, billing, fragile, drifting, jobs, jobs_archive, flow_run_steps, flow_run_notes,
           pinned, flow_runs, metrics, samples, samples_archive, samples_archive_old;
DROP FUNCTION refuse_id_25();
