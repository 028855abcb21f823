-- Visibility: retention.coverage, retention.counters, retention.metrics(),
-- and what one role sees of another's.
SET client_min_messages = warning;
CREATE ROLE regress_vis_alice;
CREATE ROLE regress_vis_bob;
CREATE SCHEMA vis;
GRANT USAGE, CREATE ON SCHEMA vis TO regress_vis_alice, regress_vis_bob;

-- Seed 002: a trace table whose expiresAt nobody enforces, a usage table
-- with no policy; seed 000: billing kept forever; a pruned job table; a
-- disabled policy; an integer epoch column; a table with no time at all.
CREATE TABLE vis.conversation_trace (id bigint, "createdAt" timestamptz, "expiresAt" timestamptz, body text);
CREATE TABLE vis.agent_usage (id bigint, created_at timestamptz, tokens int);
CREATE TABLE vis.billing (id bigint, created_at timestamptz, amount numeric);
CREATE TABLE vis.jobs (id bigint, finished_at timestamptz);
CREATE TABLE vis.audit (id bigint, logged_at timestamp);
CREATE TABLE vis.sessions (id bigint, expires_at_ms bigint, user_id bigint, tries int);
CREATE TABLE vis.settings (key text, value text, version int);
CREATE TABLE vis.events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE vis.events_2026 PARTITION OF vis.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO vis.jobs SELECT g, now() - interval '10 days' FROM generate_series(1, 5) g;
INSERT INTO vis.jobs SELECT g, now() FROM generate_series(6, 7) g;
INSERT INTO retention.policies (name, relation, time_column, retain, reason)
VALUES ('vis_billing', 'vis.billing', 'created_at', NULL, 'invoices: kept 10 years by law, never pruned here'),
       ('vis_jobs', 'vis.jobs', 'finished_at', '5 days', 'finished jobs are only read for a few days');
INSERT INTO retention.policies (name, relation, time_column, retain, enabled)
VALUES ('vis_audit', 'vis.audit', 'logged_at', '30 days', false);

-- Every table once, partitions under their table; the first undecided
-- table is the one whose expiry column nobody enforces.
SELECT relation, decision, policies, reason, expiry_columns, retain
FROM retention.coverage WHERE relation::text LIKE 'vis.%';
SELECT relation FROM retention.coverage WHERE decision = 'none' AND relation::text LIKE 'vis.%' LIMIT 1;

-- Integer columns count when their names say time.
SELECT name, retention.name_says_time(name) AS says_time, retention.name_says_expiry(name) AS says_expiry
FROM unnest(ARRAY['expires_at_ms', 'created_epoch', 'ttl', 'user_id', 'tries', 'version', 'updated_at_s',
                  'expiresAt', 'valid_until', 'amount', 'status', 'createdOn', 'version', 'timeout_ms', 'lastSeenAt', 'item_ttl']::name[]) name;

-- Counters and metrics after runs.
SELECT status, rows_pruned FROM retention.run('vis_jobs');
SELECT status, rows_pruned FROM retention.run('vis_jobs');
SELECT status, rows_pruned FROM retention.run('vis_jobs', dry_run => true);
SELECT policy, relation, status, runs, rows_pruned, batches, last_finished_at IS NOT NULL AS finished
FROM retention.counters WHERE policy LIKE 'vis_%' ORDER BY 1, 2, 3;

-- The metrics lines of vis_jobs (times and durations only checked for
-- shape; the next run time only exists where the scheduler serves the
-- database).
SELECT regexp_replace(line, ' [0-9]+\.[0-9]+$', ' <seconds>') AS line
FROM regexp_split_to_table(retention.metrics(), E'\n') line
WHERE line LIKE '%"vis_jobs"%' AND line NOT LIKE 'retention_next_run_timestamp_seconds%';
-- Each family once, HELP and TYPE; ends with a newline.
SELECT count(*) FILTER (WHERE line LIKE '# HELP %') = count(*) FILTER (WHERE line LIKE '# TYPE %') AS help_and_type,
       count(*) FILTER (WHERE line LIKE '# TYPE %') = count(DISTINCT split_part(line, ' ', 3)) FILTER (WHERE line LIKE '# TYPE %')
           AS each_family_once,
       count(*) FILTER (WHERE line LIKE '# TYPE %') >= 16 AS families
FROM regexp_split_to_table(retention.metrics(), E'\n') line;
SELECT right(retention.metrics(), 1) = E'\n' AS ends_with_newline;
-- Label values are escaped.
INSERT INTO retention.policies (name, relation, time_column, retain, enabled)
VALUES (E'vis_we"ird\\na\nme', 'vis.jobs', 'finished_at', '5 days', false);
SELECT line FROM regexp_split_to_table(retention.metrics(), E'\n') line
WHERE line LIKE 'retention_policy_enabled{policy="vis_we%';
DELETE FROM retention.policies WHERE name LIKE E'vis\\_we%';

-- explain: what a run would do now, and why; then the run does it.
CREATE TABLE vis.orders (id bigint PRIMARY KEY, placed_at timestamptz NOT NULL, kind text);
CREATE INDEX orders_placed_at ON vis.orders (placed_at);
INSERT INTO vis.orders SELECT g, now() - (g % 20) * interval '1 day', CASE WHEN g % 3 = 0 THEN 'test' END
FROM generate_series(1, 2000) g;
CREATE TABLE vis.order_notes (id int, order_id bigint REFERENCES vis.orders);
INSERT INTO vis.order_notes SELECT g, g * 3 FROM generate_series(1, 4) g WHERE (g * 3) % 20 >= 10;
INSERT INTO retention.policies (name, relation, time_column, retain, filter, batch_size, batch_delay, max_runtime, enabled)
VALUES ('vis_orders', 'vis.orders', 'placed_at', '10 days', 'kind = ''test''', 500, '20 ms', '1 hour', false);
CREATE TABLE vis.clicks (id int, at timestamptz NOT NULL);
INSERT INTO vis.clicks SELECT g, now() - g * interval '1 hour' FROM generate_series(1, 500) g;
INSERT INTO retention.policies (name, relation, time_column, retain, enabled) VALUES ('vis_clicks', 'vis.clicks', 'at', '1 day', false);
CREATE TABLE vis.hits (id int, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE vis.hits_2020 PARTITION OF vis.hits FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE vis.hits_later PARTITION OF vis.hits FOR VALUES FROM ('2021-01-01') TO (MAXVALUE);
INSERT INTO vis.hits SELECT g, '2020-03-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 40) g;
INSERT INTO vis.hits SELECT g, now() - g * interval '1 day' FROM generate_series(1, 60) g;
INSERT INTO retention.policies (name, relation, time_column, retain, partitions, enabled)
VALUES ('vis_hits', 'vis.hits', 'at', '30 days', 'detach', false);
SELECT regexp_replace(line, 'cutoff: [^(]*\(', 'cutoff: <cutoff> (') AS line FROM retention.explain('vis_orders') line;
SELECT line FROM retention.explain('vis_clicks') line WHERE line NOT LIKE 'cutoff:%';
SELECT line FROM retention.explain('vis_hits') line WHERE line NOT LIKE 'cutoff:%';
SELECT line FROM retention.explain('vis_billing') line;
-- The brakes that would act: a rate limit.
UPDATE retention.policies SET max_rows_per_second = 100 WHERE name = 'vis_clicks';
SELECT line FROM retention.explain('vis_clicks') line WHERE line LIKE 'rate limit%';
UPDATE retention.policies SET max_rows_per_second = NULL WHERE name = 'vis_clicks';
-- The runs do what explain said: its counts, its paths.
SELECT policy, rows_pruned, partitions_dropped, rows_kept_referenced, method FROM retention.run('vis_orders');
SELECT policy, rows_pruned, partitions_dropped, method FROM retention.run('vis_clicks');
SELECT policy, rows_pruned, partitions_dropped, method FROM retention.run('vis_hits');
SELECT line FROM retention.explain('vis_orders') line WHERE line LIKE 'a run would prune%';
-- Nothing of explain is left behind: no run row, no lock.
SELECT count(*) AS explain_rows FROM retention.runs WHERE policy = 'vis_billing';
-- Explaining needs the right to run the policy; unknown policies are named.
SET ROLE regress_vis_bob;
SELECT * FROM retention.explain('vis_orders');
RESET ROLE;
SELECT * FROM retention.explain('vis_nope');
-- Nothing is in flight now; progress is empty.
SELECT count(*) AS in_flight FROM retention.progress;

-- What one role sees of another's: alice's policy on alice's table.
SET ROLE regress_vis_alice;
CREATE TABLE vis.alice_logs (id bigint, created_at timestamptz);
INSERT INTO vis.alice_logs VALUES (1, now() - interval '3 days');
INSERT INTO retention.policies (name, relation, time_column, retain) VALUES ('vis_alice', 'vis.alice_logs', 'created_at', '1 day');
SELECT status, rows_pruned FROM retention.run('vis_alice');
SELECT relation, decision, policies FROM retention.coverage WHERE relation::text IN ('vis.alice_logs', 'vis.jobs');
SELECT count(*) AS lines_of_others FROM regexp_split_to_table(retention.metrics(), E'\n') line WHERE line LIKE '%"vis_jobs"%';
SELECT line FROM regexp_split_to_table(retention.metrics(), E'\n') line WHERE line LIKE 'retention_rows_pruned_total%';
SELECT policy, status, runs, rows_pruned FROM retention.counters;
SET ROLE regress_vis_bob;
-- bob sees that alice_logs is pruned, not by which policy.
SELECT relation, decision, policies FROM retention.coverage WHERE relation::text IN ('vis.alice_logs', 'vis.jobs');
SELECT count(*) AS lines_of_others FROM regexp_split_to_table(retention.metrics(), E'\n') line WHERE line LIKE '%policy=%';
SELECT count(*) AS counters_of_others FROM retention.counters;
SELECT count(*) AS totals_of_others FROM retention.run_totals;
-- The decisions function names no policy.
SELECT decision FROM retention.coverage_decisions() WHERE relation = 'vis.alice_logs'::regclass;
RESET ROLE;

DELETE FROM retention.policies WHERE name LIKE 'vis\_%';
DROP SCHEMA vis CASCADE;
DROP ROLE regress_vis_alice;
DROP ROLE regress_vis_bob;
