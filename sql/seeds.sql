-- The five seed documents' hand-written cleanup jobs, as the policy rows of
-- docs/recipes.md (copied here verbatim), run against small copies of their
-- tables. Every count and id list below fails if one row too many or too few
-- is deleted. Rows sit more than an hour away from every cutoff.
SET client_min_messages = warning;  -- NOTICEs carry timings
SET TIME ZONE 'UTC';                -- runs compute cutoffs in the server's zone, UTC on the test cluster

--------------------------------------------------------------------------
-- Seed 000: a platform's retention table (a weekly job, a daily system_logs job).
--------------------------------------------------------------------------
CREATE TABLE background_jobs (id int PRIMARY KEY, job_type text, status text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE scraping_sessions (id int PRIMARY KEY, url text, status text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE data_import_jobs (id int PRIMARY KEY, source text, status text NOT NULL, is_scheduled boolean NOT NULL DEFAULT false,
                               created_at timestamptz NOT NULL);
CREATE TABLE job_checkpoints (id int PRIMARY KEY, job_id int, state jsonb, created_at timestamptz NOT NULL);
CREATE TABLE job_progress (id int PRIMARY KEY, job_id int, percent int, updated_at timestamptz NOT NULL);
CREATE TABLE vr_worlds (id int PRIMARY KEY, status text NOT NULL, asset_url text, created_at timestamptz NOT NULL);
CREATE TABLE generation_3d (id int PRIMARY KEY, product_id int, saved_to_moodboard boolean NOT NULL DEFAULT false,
                            crop_image_path text, created_at timestamptz NOT NULL);
CREATE TABLE generation_3d_segments (id int PRIMARY KEY, generation_id int NOT NULL REFERENCES generation_3d ON DELETE CASCADE,
                                     label text);
-- What the storage sweeper reads: the pruned generation_3d rows, file paths included.
CREATE TABLE generation_3d_storage_purge (LIKE generation_3d, archived_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE data_import_history (id int PRIMARY KEY, import_job_id int, rows_imported int, created_at timestamptz NOT NULL);
CREATE TABLE agent_checkpoints (id int PRIMARY KEY, thread_id text, snapshot jsonb, created_at timestamptz NOT NULL);
CREATE TABLE flow_definitions (id int PRIMARY KEY, name text, created_at timestamptz NOT NULL);
CREATE TABLE flow_runs (id int PRIMARY KEY, flow_id int REFERENCES flow_definitions, status text NOT NULL,
                        created_at timestamptz NOT NULL);
CREATE TABLE flow_run_steps (id int PRIMARY KEY, run_id int NOT NULL REFERENCES flow_runs, step text, created_at timestamptz NOT NULL);
CREATE TABLE system_logs (id bigint PRIMARY KEY, level text, message text, created_at timestamptz NOT NULL);
CREATE INDEX ON system_logs (created_at);
CREATE TABLE ai_call_logs (id int PRIMARY KEY, model text, request jsonb, response jsonb, created_at timestamptz NOT NULL);
CREATE TABLE search_query_tracking (id int PRIMARY KEY, query text, created_at timestamptz NOT NULL);
CREATE TABLE ai_usage_logs (id int PRIMARY KEY, user_id int, credits int, created_at timestamptz NOT NULL);
CREATE TABLE agent_chat_conversations (id int PRIMARY KEY, user_id int, created_at timestamptz NOT NULL);
CREATE TABLE agent_chat_messages (id int PRIMARY KEY, conversation_id int NOT NULL REFERENCES agent_chat_conversations ON DELETE CASCADE,
                                  body text, created_at timestamptz NOT NULL);
CREATE TABLE products (id int PRIMARY KEY, name text, created_at timestamptz NOT NULL);
CREATE TABLE user_credits (user_id int PRIMARY KEY, balance int, updated_at timestamptz NOT NULL);
CREATE TABLE credit_transactions (id int PRIMARY KEY, user_id int, amount int, created_at timestamptz NOT NULL);

INSERT INTO background_jobs VALUES
    (1, 'scrape', 'completed', now() - interval '1 day'),
    (2, 'scrape', 'failed', now() - interval '4 days'),
    (3, 'scrape', 'completed', now() - interval '6 days'),     -- expired
    (4, 'import', 'failed', now() - interval '10 days'),       -- expired
    (5, 'import', 'running', now() - interval '10 days'),      -- old, not finished
    (6, 'render', 'pending', now() - interval '30 days');      -- old, not finished
INSERT INTO scraping_sessions VALUES
    (1, 'a', 'completed', now() - interval '2 days'),
    (2, 'b', 'failed', now() - interval '7 days'),             -- expired
    (3, 'c', 'in_progress', now() - interval '7 days'),
    (4, 'd', 'completed', now() - interval '20 days');         -- expired
INSERT INTO data_import_jobs VALUES
    (1, 'csv', 'completed', false, now() - interval '3 days'),
    (2, 'csv', 'completed', false, now() - interval '6 days'), -- expired
    (3, 'api', 'failed', false, now() - interval '9 days'),    -- expired
    (4, 'api', 'completed', true, now() - interval '9 days'),  -- scheduled: kept
    (5, 'api', 'failed', true, now() - interval '40 days'),    -- scheduled: kept
    (6, 'csv', 'running', false, now() - interval '9 days');
INSERT INTO job_checkpoints VALUES
    (1, 1, '{}', now() - interval '6 days'),
    (2, 3, '{}', now() - interval '8 days'),                   -- expired
    (3, 5, '{}', now() - interval '1 day');
INSERT INTO job_progress VALUES
    (1, 5, 40, now() - interval '2 days'),
    (2, 3, 100, now() - interval '8 days'),                    -- expired
    (3, 9, 70, now() - interval '30 days');                    -- expired
INSERT INTO vr_worlds VALUES
    (1, 'failed', NULL, now() - interval '3 days'),
    (2, 'failed', NULL, now() - interval '8 days'),            -- expired
    (3, 'ready', 'https://cdn.example/w3.glb', now() - interval '8 days'),
    (4, 'ready', 'https://cdn.example/w4.glb', now() - interval '100 days');
INSERT INTO generation_3d VALUES
    (1, 10, false, 'crops/1.png', now() - interval '10 days'),
    (2, 10, false, 'crops/2.png', now() - interval '16 days'), -- expired
    (3, 11, true, 'crops/3.png', now() - interval '16 days'),  -- saved: kept
    (4, 11, false, 'crops/4.png', now() - interval '60 days'), -- expired
    (5, 12, true, 'crops/5.png', now() - interval '60 days');  -- saved: kept
INSERT INTO generation_3d_segments SELECT g * 10 + s, g, 'segment ' || s FROM generate_series(1, 5) g, generate_series(1, 2) s;
INSERT INTO data_import_history VALUES
    (1, 1, 500, now() - interval '29 days'),
    (2, 2, 800, now() - interval '31 days');                   -- expired
INSERT INTO agent_checkpoints VALUES
    (1, 't1', '{}', now() - interval '10 days'),
    (2, 't2', '{}', now() - interval '45 days');               -- expired
INSERT INTO flow_definitions VALUES (1, 'nightly sync', now() - interval '1000 days'), (2, 'welcome mail', now() - interval '400 days');
INSERT INTO flow_runs VALUES
    (1, 1, 'completed', now() - interval '10 days'),
    (2, 1, 'completed', now() - interval '40 days'),           -- expired
    (3, 1, 'failed', now() - interval '40 days'),              -- expired
    (4, 2, 'cancelled', now() - interval '40 days'),           -- expired
    (5, 2, 'running', now() - interval '40 days'),             -- old, not finished
    (6, 2, 'completed', now() - interval '40 days');           -- expired, but a young step still references it
INSERT INTO flow_run_steps VALUES
    (11, 1, 'fetch', now() - interval '10 days'), (12, 1, 'store', now() - interval '10 days'),
    (21, 2, 'fetch', now() - interval '40 days'), (22, 2, 'store', now() - interval '40 days'),
    (31, 3, 'fetch', now() - interval '40 days'), (41, 4, 'fetch', now() - interval '40 days'),
    (51, 5, 'fetch', now() - interval '40 days'),
    (61, 6, 'fetch', now() - interval '40 days'), (62, 6, 'retry', now() - interval '20 days');
-- One row every 6 hours for 40 days, 3 hours off the hour: ids 121..160 are older than 30 days.
INSERT INTO system_logs SELECT i + 1, 'info', 'request ' || i, now() - i * interval '6 hours' - interval '3 hours'
FROM generate_series(0, 159) i;
INSERT INTO ai_call_logs VALUES
    (1, 'gpt', '{}', '{}', now() - interval '1 day'),
    (2, 'gpt', '{}', '{}', now() - interval '29 days'),
    (3, 'gpt', '{}', '{}', now() - interval '31 days'),        -- expired
    (4, 'gpt', '{}', '{}', now() - interval '100 days');       -- expired
INSERT INTO search_query_tracking VALUES
    (1, 'chairs', now() - interval '89 days'),
    (2, 'tables', now() - interval '91 days'),                 -- expired
    (3, 'lamps', now() - interval '365 days');                 -- expired
-- Kept forever, however old.
INSERT INTO ai_usage_logs VALUES (1, 1, 5, now() - interval '1 day'), (2, 1, 7, now() - interval '400 days'), (3, 2, 9, now() - interval '1000 days');
INSERT INTO agent_chat_conversations VALUES (1, 1, now() - interval '1 day'), (2, 2, now() - interval '500 days');
INSERT INTO agent_chat_messages VALUES (1, 1, 'hi', now() - interval '1 day'), (2, 2, 'hello', now() - interval '500 days'),
    (3, 2, 'again', now() - interval '499 days');
INSERT INTO products VALUES (1, 'chair', now() - interval '2000 days'), (2, 'lamp', now() - interval '3 days');
INSERT INTO user_credits VALUES (1, 100, now() - interval '900 days'), (2, 0, now() - interval '1 day');
INSERT INTO credit_transactions VALUES (1, 1, -5, now() - interval '800 days'), (2, 2, 50, now() - interval '1 day');

-- docs/recipes.md, seed 000:
INSERT INTO retention.policies (relation, time_column, retain, filter, schedule, time_zone, archive_to, reason) VALUES
    ('background_jobs', 'created_at', '5 days', $$status IN ('completed', 'failed')$$, '0 3 * * 0', 'UTC', NULL,
     'Short-lived job records; no value after completion'),
    ('scraping_sessions', 'created_at', '5 days', $$status IN ('completed', 'failed')$$, '0 3 * * 0', 'UTC', NULL,
     'Temporary session state; content is already in products'),
    ('data_import_jobs', 'created_at', '5 days', $$status IN ('completed', 'failed') AND NOT is_scheduled$$, '0 3 * * 0', 'UTC', NULL,
     'One-off import runs; scheduled (recurring) jobs are kept'),
    ('job_checkpoints', 'created_at', '7 days', NULL, '0 3 * * 0', 'UTC', NULL,
     'Resume checkpoints lose value once the job finishes'),
    ('job_progress', 'updated_at', '7 days', NULL, '0 3 * * 0', 'UTC', NULL,
     'Progress rows are only useful while the job runs; orphaned after the parent job is deleted'),
    ('vr_worlds', 'created_at', '7 days', $$status = 'failed'$$, '0 3 * * 0', 'UTC', NULL,
     'Failed renders have no asset URLs; saved worlds are user work and kept'),
    ('generation_3d', 'created_at', '15 days', $$NOT saved_to_moodboard$$, '0 3 * * 0', 'UTC', 'generation_3d_storage_purge',
     'Unsaved renders are temporary workspace; renders saved to a moodboard are user-owned and kept'),
    ('data_import_history', 'created_at', '30 days', NULL, '0 3 * * 0', 'UTC', NULL,
     'Import audit trail useful short-term; not needed long-term'),
    ('agent_checkpoints', 'created_at', '30 days', NULL, '0 3 * * 0', 'UTC', NULL,
     'Conversation state snapshots; stale after a month'),
    ('flow_run_steps', 'created_at', '30 days', NULL, '0 3 * * 0', 'UTC', NULL,
     'Step-level execution details; the parent run is enough after 30 days'),
    ('flow_runs', 'created_at', '30 days', $$status IN ('completed', 'failed', 'cancelled')$$, '0 3 * * 0', 'UTC', NULL,
     'Old automation run history; summarised by stats'),
    ('system_logs', 'created_at', '30 days', NULL, '0 2 * * *', 'UTC', NULL,
     'Operational API logs (~77k rows/day); kept 30 days for debugging'),
    ('ai_call_logs', 'created_at', '30 days', NULL, '0 3 * * 0', 'UTC', NULL,
     'Raw per-call AI API debug logs with payloads; distinct from the billing log ai_usage_logs'),
    ('search_query_tracking', 'created_at', '90 days', NULL, '0 3 * * 0', 'UTC', NULL,
     'Search analytics; the longer window serves trend analysis');

INSERT INTO retention.policies (relation, time_column, retain, reason) VALUES
    ('ai_usage_logs', 'created_at', NULL,
     'Billing audit log: every credit debit; needed for analytics, disputes and revenue reporting'),
    ('agent_chat_conversations', 'created_at', NULL,
     'User conversation history; small volume, users refer back to previous sessions'),
    ('agent_chat_messages', 'created_at', NULL,
     'Messages are kept together with their conversations'),
    ('products', 'created_at', NULL, 'Core product catalogue; never cleaned automatically'),
    ('user_credits', 'updated_at', NULL, 'Credit balances; financial data, never deleted'),
    ('credit_transactions', 'created_at', NULL, 'Credit debit/top-up history; financial audit trail'),
    ('flow_definitions', 'created_at', NULL, 'Automation flow blueprints; configuration, not transient data');
-- A dry run counts what a real run would remove now: the old runs are still
-- referenced by their steps at this point, so flow_runs counts none of them.
SELECT policy, status, rows_pruned, rows_kept_referenced FROM retention.run_all(dry_run => true) ORDER BY policy COLLATE "C";
SELECT policy, status, rows_pruned, rows_kept_referenced FROM retention.run_all() ORDER BY policy COLLATE "C";
-- Children first: the steps' run started before the runs' run.
SELECT (SELECT id FROM retention.runs WHERE policy = 'flow_run_steps' AND NOT dry_run)
     < (SELECT id FROM retention.runs WHERE policy = 'flow_runs' AND NOT dry_run) AS steps_before_runs,
       (SELECT id FROM retention.runs WHERE policy = 'flow_runs' AND NOT dry_run)
     < (SELECT id FROM retention.runs WHERE policy = 'flow_definitions' AND NOT dry_run) AS runs_before_definitions;
SELECT 'background_jobs' AS t, array_agg(id ORDER BY id) AS kept FROM background_jobs
UNION ALL SELECT 'scraping_sessions', array_agg(id ORDER BY id) FROM scraping_sessions
UNION ALL SELECT 'data_import_jobs', array_agg(id ORDER BY id) FROM data_import_jobs
UNION ALL SELECT 'job_checkpoints', array_agg(id ORDER BY id) FROM job_checkpoints
UNION ALL SELECT 'job_progress', array_agg(id ORDER BY id) FROM job_progress
UNION ALL SELECT 'vr_worlds', array_agg(id ORDER BY id) FROM vr_worlds
UNION ALL SELECT 'generation_3d', array_agg(id ORDER BY id) FROM generation_3d
UNION ALL SELECT 'generation_3d_segments', array_agg(id ORDER BY id) FROM generation_3d_segments
UNION ALL SELECT 'data_import_history', array_agg(id ORDER BY id) FROM data_import_history
UNION ALL SELECT 'agent_checkpoints', array_agg(id ORDER BY id) FROM agent_checkpoints
UNION ALL SELECT 'flow_runs', array_agg(id ORDER BY id) FROM flow_runs
UNION ALL SELECT 'flow_run_steps', array_agg(id ORDER BY id) FROM flow_run_steps
UNION ALL SELECT 'ai_call_logs', array_agg(id ORDER BY id) FROM ai_call_logs
UNION ALL SELECT 'search_query_tracking', array_agg(id ORDER BY id) FROM search_query_tracking
UNION ALL SELECT 'ai_usage_logs', array_agg(id ORDER BY id) FROM ai_usage_logs
UNION ALL SELECT 'agent_chat_conversations', array_agg(id ORDER BY id) FROM agent_chat_conversations
UNION ALL SELECT 'agent_chat_messages', array_agg(id ORDER BY id) FROM agent_chat_messages
UNION ALL SELECT 'products', array_agg(id ORDER BY id) FROM products
UNION ALL SELECT 'user_credits', array_agg(user_id ORDER BY user_id) FROM user_credits
UNION ALL SELECT 'credit_transactions', array_agg(id ORDER BY id) FROM credit_transactions
UNION ALL SELECT 'flow_definitions', array_agg(id ORDER BY id) FROM flow_definitions;
SELECT count(*) AS system_logs, min(id), max(id), bool_and(created_at >= now() - interval '30 days') AS all_young FROM system_logs;
-- The storage sweeper's list: exactly the pruned unsaved renders, with their paths.
SELECT id, crop_image_path, saved_to_moodboard, archived_at IS NOT NULL AS stamped FROM generation_3d_storage_purge ORDER BY id;
-- Keep-forever runs have no cutoff.
SELECT policy, status, rows_pruned, cutoff FROM retention.runs
WHERE NOT dry_run AND policy IN ('ai_usage_logs', 'products', 'user_credits') ORDER BY policy COLLATE "C";

--------------------------------------------------------------------------
-- Seed 001: delete jobs older than 7 days daily at 3 AM; logs cascade.
--------------------------------------------------------------------------
CREATE TABLE jobs (id int PRIMARY KEY, status text NOT NULL, output_path text, created_at timestamptz NOT NULL);
CREATE TABLE job_logs (id int PRIMARY KEY, job_id int NOT NULL REFERENCES jobs ON DELETE CASCADE, line text, created_at timestamptz NOT NULL);
INSERT INTO jobs VALUES
    (1, 'completed', 'out/1.mp4', now() - interval '1 day'),
    (2, 'failed', NULL, now() - interval '6 days'),
    (3, 'completed', 'out/3.mp4', now() - interval '8 days'),  -- expired
    (4, 'failed', NULL, now() - interval '30 days');           -- expired
INSERT INTO job_logs SELECT j * 10 + l, j, 'line ' || l, now() FROM generate_series(1, 4) j, generate_series(1, 2) l;

-- docs/recipes.md, seed 001:
INSERT INTO retention.policies (relation, time_column, retain, schedule, time_zone, reason) VALUES
    ('jobs', 'created_at', '7 days', '0 3 * * *', 'UTC',
     'Job history: 7 days then auto-delete, so the database does not grow without bound; logs go with their job');
SELECT status, rows_pruned FROM retention.run('jobs', dry_run => true);
SELECT status, rows_pruned, rows_kept_referenced FROM retention.run('jobs');
SELECT array_agg(id ORDER BY id) AS jobs FROM jobs;
SELECT array_agg(id ORDER BY id) AS job_logs FROM job_logs;

--------------------------------------------------------------------------
-- Seed 002: an expiresAt nothing enforced, and a 90-day table with no policy
-- (Prisma: quoted camelCase names, DateTime as timestamp(3) holding UTC).
--------------------------------------------------------------------------
CREATE TABLE "ConversationTrace" (
    id text PRIMARY KEY,
    "sessionId" text NOT NULL,
    "encryptedPayload" bytea,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" timestamp(3)
);
CREATE TABLE "AgentUsage" (
    id text PRIMARY KEY,
    "userId" text NOT NULL,
    tokens integer NOT NULL,
    "timestamp" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "ConversationTrace" (id, "sessionId", "expiresAt") VALUES
    ('t1', 's1', (now() AT TIME ZONE 'UTC') + interval '89 days'),
    ('t2', 's1', (now() AT TIME ZONE 'UTC') + interval '1 day'),
    ('t3', 's2', (now() AT TIME ZONE 'UTC') - interval '2 hours'),  -- expired
    ('t4', 's3', (now() AT TIME ZONE 'UTC') - interval '30 days'),  -- expired
    ('t5', 's4', NULL);                                              -- never expires
INSERT INTO "AgentUsage" (id, "userId", tokens, "timestamp") VALUES
    ('u1', 'a', 10, (now() AT TIME ZONE 'UTC') - interval '1 day'),
    ('u2', 'a', 20, (now() AT TIME ZONE 'UTC') - interval '89 days'),
    ('u3', 'b', 30, (now() AT TIME ZONE 'UTC') - interval '91 days'),  -- expired
    ('u4', 'b', 40, (now() AT TIME ZONE 'UTC') - interval '200 days'); -- expired

-- docs/recipes.md, seed 002:
INSERT INTO retention.policies (relation, time_column, retain, schedule, reason) VALUES
    ('"ConversationTrace"', 'expiresAt', '0', '@daily',
     'Traces carry encrypted PII and must be purged once expiresAt (set 90 days ahead by the tracer) has passed'),
    ('"AgentUsage"', 'timestamp', '90 days', '@daily',
     'Agent usage records are kept 90 days');
SELECT name, relation, time_column FROM retention.policies WHERE relation IN ('"ConversationTrace"'::regclass, '"AgentUsage"'::regclass)
ORDER BY name COLLATE "C";
SELECT status, rows_pruned FROM retention.run('ConversationTrace', dry_run => true);
SELECT status, rows_pruned FROM retention.run('ConversationTrace');
SELECT status, rows_pruned FROM retention.run('AgentUsage');
SELECT array_agg(id ORDER BY id) AS traces FROM "ConversationTrace";
SELECT array_agg(id ORDER BY id) AS usage FROM "AgentUsage";

--------------------------------------------------------------------------
-- Seed 003: TTLs in epoch ms, a 5-minute sweep, terminal-status windows,
-- completed inbox rows only after their outbox rows are gone.
--------------------------------------------------------------------------
CREATE FUNCTION pg_temp.ms(offset_ interval) RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT (extract(epoch FROM now() + offset_) * 1000)::bigint $$;
CREATE TABLE presence_entries (client_id text PRIMARY KEY, instance_id text, expires_at_ms bigint NOT NULL);
CREATE TABLE connections (connection_id text PRIMARY KEY, edge_id text, expires_at_ms bigint NOT NULL);
CREATE TABLE channel_inbound_dedupe (dedupe_key text PRIMARY KEY, expires_at_ms bigint NOT NULL);
CREATE TABLE channel_inbox (id bigint PRIMARY KEY, channel text, status text NOT NULL, updated_at_ms bigint NOT NULL);
CREATE TABLE channel_outbox (id bigint PRIMARY KEY, inbox_id bigint NOT NULL, status text NOT NULL, updated_at_ms bigint NOT NULL);
CREATE TABLE lane_leases (lane_id text PRIMARY KEY, owner text NOT NULL, lease_expires_at_ms bigint NOT NULL);
CREATE TABLE workspace_leases (workspace_id text PRIMARY KEY, owner text NOT NULL, lease_expires_at_ms bigint NOT NULL);
CREATE TABLE oauth_pending (state text PRIMARY KEY, provider text, code_verifier text, expires_at timestamptz NOT NULL);
CREATE TABLE oauth_refresh_leases (account_id text PRIMARY KEY, owner text NOT NULL, lease_expires_at_ms bigint NOT NULL);
CREATE TABLE models_dev_refresh_leases (id int PRIMARY KEY, owner text NOT NULL, lease_expires_at_ms bigint NOT NULL);
CREATE TABLE models_dev_cache (id int PRIMARY KEY CHECK (id = 1), payload jsonb, fetched_at timestamptz NOT NULL);
CREATE TABLE outbox (id bigint PRIMARY KEY, topic text, payload jsonb, created_at timestamptz NOT NULL);
CREATE TABLE outbox_consumers (consumer_id text PRIMARY KEY, last_outbox_id bigint, updated_at timestamptz NOT NULL);

INSERT INTO presence_entries VALUES
    ('p1', 'i1', pg_temp.ms('2 hours')), ('p2', 'i1', pg_temp.ms('-2 hours')),  -- p2 expired
    ('p3', 'i2', pg_temp.ms('-3 days')), ('p4', 'i2', pg_temp.ms('1 day'));     -- p3 expired
INSERT INTO connections VALUES ('c1', 'e1', pg_temp.ms('-2 hours')), ('c2', 'e1', pg_temp.ms('2 hours'));  -- c1 expired
INSERT INTO channel_inbound_dedupe VALUES
    ('d1', pg_temp.ms('-1 day')), ('d2', pg_temp.ms('2 hours')), ('d3', pg_temp.ms('-2 hours'));           -- d1, d3 expired
INSERT INTO channel_inbox VALUES
    (1, 'slack', 'failed', pg_temp.ms('-8 days')),      -- failed past the window
    (2, 'slack', 'failed', pg_temp.ms('-6 days')),
    (3, 'slack', 'completed', pg_temp.ms('-8 days')),   -- completed past the window, no outbox rows
    (4, 'mail', 'completed', pg_temp.ms('-8 days')),    -- its outbox row is still pending
    (5, 'mail', 'completed', pg_temp.ms('-8 days')),    -- its only outbox row is an old failure
    (6, 'mail', 'completed', pg_temp.ms('-2 days')),
    (7, 'mail', 'processing', pg_temp.ms('-30 days'));  -- not terminal
INSERT INTO channel_outbox VALUES
    (41, 4, 'pending', pg_temp.ms('-1 day')),
    (51, 5, 'failed', pg_temp.ms('-8 days')),           -- expired
    (61, 6, 'failed', pg_temp.ms('-6 days')),
    (71, 1, 'failed', pg_temp.ms('-10 days'));          -- expired
INSERT INTO lane_leases VALUES ('l1', 'w1', pg_temp.ms('-2 hours')), ('l2', 'w2', pg_temp.ms('2 hours'));             -- l1 expired
INSERT INTO workspace_leases VALUES ('w1', 'n1', pg_temp.ms('2 hours')), ('w2', 'n2', pg_temp.ms('-1 day'));          -- w2 expired
INSERT INTO oauth_pending VALUES ('s1', 'github', 'v1', now() + interval '2 hours'), ('s2', 'github', 'v2', now() - interval '2 hours');  -- s2 expired
INSERT INTO oauth_refresh_leases VALUES ('o1', 'n1', pg_temp.ms('-2 hours')), ('o2', 'n2', pg_temp.ms('2 hours'));    -- o1 expired
INSERT INTO models_dev_refresh_leases VALUES (1, 'n1', pg_temp.ms('-2 hours'));                                        -- expired
INSERT INTO models_dev_cache VALUES (1, '{}', now() - interval '10 days');
INSERT INTO outbox VALUES
    (1, 'a', '{}', now() - interval '1 hour'), (2, 'a', '{}', now() - interval '12 hours'), (3, 'a', '{}', now() - interval '22 hours'),
    (4, 'a', '{}', now() - interval '26 hours'), (5, 'a', '{}', now() - interval '30 hours'),                          -- expired
    (6, 'a', '{}', now() - interval '47 hours'), (7, 'a', '{}', now() - interval '100 hours');                         -- expired
INSERT INTO outbox_consumers VALUES
    ('k1', 3, now() - interval '1 hour'), ('k2', 3, now() - interval '22 hours'),
    ('k3', 1, now() - interval '26 hours'), ('k4', 0, now() - interval '10 days');                                     -- k3, k4 stale

-- docs/recipes.md, seed 003:
INSERT INTO retention.policies (name, relation, time_column, time_unit, retain, filter, schedule, reason) VALUES
    (NULL, 'presence_entries', 'expires_at_ms', 'ms', '0', NULL, '5 minutes',
     'Presence is derived inventory, not durable truth: delete only rows whose TTL has expired'),
    (NULL, 'connections', 'expires_at_ms', 'ms', '0', NULL, '5 minutes',
     'Directory rows: delete only expired ones; active connections keep refreshing their TTL'),
    (NULL, 'channel_inbound_dedupe', 'expires_at_ms', 'ms', '0', NULL, '5 minutes',
     'Dedupe keys: replay safety is bounded to the configured dedupe window'),
    ('channel_inbox.failed', 'channel_inbox', 'updated_at_ms', 'ms', '7 days', $$status = 'failed'$$, '5 minutes',
     'Failed rows age out after the terminal window (lifecycle.channels.terminalRetentionDays, default 7)'),
    ('channel_inbox.completed', 'channel_inbox', 'updated_at_ms', 'ms', '7 days',
     $$status = 'completed' AND NOT EXISTS (SELECT 1 FROM channel_outbox o WHERE o.inbox_id = channel_inbox.id)$$, '5 minutes',
     'Completed rows go after the terminal window, and only once their dependent channel_outbox rows are gone'),
    ('channel_outbox.failed', 'channel_outbox', 'updated_at_ms', 'ms', '7 days', $$status = 'failed'$$, '5 minutes',
     'Failed sends stay available through the terminal window for debugging and retry analysis'),
    (NULL, 'lane_leases', 'lease_expires_at_ms', 'ms', '0', NULL, '5 minutes',
     'Expired leases only; workers reacquire before serialized lane work'),
    (NULL, 'workspace_leases', 'lease_expires_at_ms', 'ms', '0', NULL, '5 minutes',
     'Expired leases only; active owners keep renewing'),
    (NULL, 'oauth_pending', 'expires_at', NULL, '0', NULL, '5 minutes',
     'Expired authorization requests; live handshakes complete inside the advertised expiry window'),
    (NULL, 'oauth_refresh_leases', 'lease_expires_at_ms', 'ms', '0', NULL, '5 minutes',
     'Expired refresh leases only; active refresh owners renew or reacquire'),
    (NULL, 'models_dev_refresh_leases', 'lease_expires_at_ms', 'ms', '0', NULL, '5 minutes',
     'Expired catalog-refresh leases only; the cache row is bounded separately'),
    (NULL, 'models_dev_cache', 'fetched_at', NULL, NULL, NULL, DEFAULT,
     'Bounded by its singleton primary key (id = 1); cannot grow without limit'),
    (NULL, 'outbox', 'created_at', NULL, '24 hours', NULL, '5 minutes',
     'Bounds replay history; recovery must remain possible from durable StateStore truth'),
    (NULL, 'outbox_consumers', 'updated_at', NULL, '24 hours', NULL, '5 minutes',
     'Stale consumer cursors that have not advanced inside the outbox retention window');
SELECT name, relation, schedule, time_unit, retain FROM retention.policies
WHERE relation IN ('presence_entries'::regclass, 'channel_inbox'::regclass, 'channel_outbox'::regclass, 'models_dev_cache'::regclass)
ORDER BY name COLLATE "C";
-- In a fixed order, so that channel_inbox.completed runs both before and
-- after channel_outbox.failed: row 5 goes only once its outbox row is gone.
SELECT p.n, r.policy, r.status, r.rows_pruned
FROM unnest(ARRAY['presence_entries', 'connections', 'channel_inbound_dedupe', 'channel_inbox.failed', 'channel_inbox.completed',
                  'channel_outbox.failed', 'channel_inbox.completed', 'lane_leases', 'workspace_leases', 'oauth_pending',
                  'oauth_refresh_leases', 'models_dev_refresh_leases', 'models_dev_cache', 'outbox', 'outbox_consumers'])
     WITH ORDINALITY p(name, n),
     LATERAL retention.run(p.name) r
ORDER BY p.n;
SELECT 'presence_entries' AS t, array_agg(client_id ORDER BY client_id) AS kept FROM presence_entries
UNION ALL SELECT 'connections', array_agg(connection_id ORDER BY connection_id) FROM connections
UNION ALL SELECT 'channel_inbound_dedupe', array_agg(dedupe_key ORDER BY dedupe_key) FROM channel_inbound_dedupe
UNION ALL SELECT 'channel_inbox', array_agg(id::text ORDER BY id) FROM channel_inbox
UNION ALL SELECT 'channel_outbox', array_agg(id::text ORDER BY id) FROM channel_outbox
UNION ALL SELECT 'lane_leases', array_agg(lane_id ORDER BY lane_id) FROM lane_leases
UNION ALL SELECT 'workspace_leases', array_agg(workspace_id ORDER BY workspace_id) FROM workspace_leases
UNION ALL SELECT 'oauth_pending', array_agg(state ORDER BY state) FROM oauth_pending
UNION ALL SELECT 'oauth_refresh_leases', array_agg(account_id ORDER BY account_id) FROM oauth_refresh_leases
UNION ALL SELECT 'models_dev_refresh_leases', array_agg(id::text ORDER BY id) FROM models_dev_refresh_leases
UNION ALL SELECT 'models_dev_cache', array_agg(id::text ORDER BY id) FROM models_dev_cache
UNION ALL SELECT 'outbox', array_agg(id::text ORDER BY id) FROM outbox
UNION ALL SELECT 'outbox_consumers', array_agg(consumer_id ORDER BY consumer_id) FROM outbox_consumers;
-- The per-table prune metric, from the run history.
SELECT policy, sum(rows_pruned) AS lifecycle_prune_rows_total FROM retention.runs
WHERE NOT dry_run AND policy LIKE 'channel\_%' GROUP BY policy ORDER BY policy COLLATE "C";

--------------------------------------------------------------------------
-- Seed 004: request logs (30 days, 02:00, batches of 10000 with 100 ms
-- pauses, soft-deleted rows), endpoint probe logs (1 day, every 24 hours).
--------------------------------------------------------------------------
CREATE TABLE message_request (
    id bigint PRIMARY KEY,
    user_id int NOT NULL,
    provider_id int,
    status_code int,
    cost_usd numeric(21, 15),
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX idx_message_request_created_at ON message_request (created_at);
CREATE INDEX idx_message_request_deleted_at ON message_request (deleted_at);
CREATE TABLE provider_endpoint_probe_logs (id bigint PRIMARY KEY, endpoint_id int NOT NULL, ok boolean, latency_ms int,
                                           created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON provider_endpoint_probe_logs (created_at);
-- Row i+1 was created i days and 12 hours ago: ids 31..60 are older than 30
-- days. Every fourth row was soft-deleted i/2 days and 6 hours ago: of the
-- young ones, ids 17, 21, 25, 29 longer than 7 days ago; ids 1, 5, 9, 13 less.
INSERT INTO message_request (id, user_id, provider_id, status_code, cost_usd, created_at, deleted_at)
SELECT i + 1, i % 3, i % 2, 200, 0.001, now() - i * interval '1 day' - interval '12 hours',
       CASE WHEN i % 4 = 0 THEN now() - (i / 2) * interval '1 day' - interval '6 hours' END
FROM generate_series(0, 59) i;
-- One probe every 3 hours, 90 minutes off: ids 9..24 are older than 1 day.
INSERT INTO provider_endpoint_probe_logs SELECT i + 1, 1, true, 40, now() - i * interval '3 hours' - interval '90 minutes'
FROM generate_series(0, 23) i;

-- docs/recipes.md, seed 004:
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, batch_size, batch_delay, reason) VALUES
    ('message_request', 'message_request', 'created_at', '30 days', '0 2 * * *', 10000, '100 milliseconds',
     'Request logs kept 30 days (cleanupRetentionDays); bounds storage, query and backup cost and privacy exposure'),
    ('message_request_soft_deleted', 'message_request', 'deleted_at', '7 days', '0 2 * * *', 10000, '100 milliseconds',
     'Rows the user deleted in the UI (soft delete) are hard-deleted 7 days later instead of waiting for the 30-day pass'),
    ('provider_endpoint_probe_logs', 'provider_endpoint_probe_logs', 'created_at', '1 day', '24 hours', 10000, '0',
     'Endpoint health-check results (ENDPOINT_PROBE_LOG_RETENTION_DAYS=1); only recent probes matter');
SELECT status, rows_pruned FROM retention.run('message_request', dry_run => true);
SELECT status, rows_pruned, batches FROM retention.run('message_request');
SELECT status, rows_pruned FROM retention.run('message_request_soft_deleted');
SELECT count(*) AS remaining, min(id), max(id), array_agg(id ORDER BY id) FILTER (WHERE deleted_at IS NOT NULL) AS soft_deleted_kept
FROM message_request;
SELECT array_agg(id ORDER BY id) FILTER (WHERE id > 30) AS old_left,
       array_agg(id ORDER BY id) FILTER (WHERE id IN (17, 21, 25, 29)) AS soft_deleted_left FROM message_request;
SELECT status, rows_pruned FROM retention.run('provider_endpoint_probe_logs');
SELECT count(*), min(id), max(id) FROM provider_endpoint_probe_logs;

--------------------------------------------------------------------------
-- Every policy as stored, and its last outcome.
--------------------------------------------------------------------------
SELECT p.name, p.relation, p.time_column, p.retain, p.time_unit, p.schedule, p.time_zone, p.batch_size, p.batch_delay,
       p.archive_to, p.enabled, p.reason IS NOT NULL AS has_reason, s.last_status, s.last_rows_pruned
FROM retention.policies p JOIN retention.status s ON s.policy = p.name
ORDER BY p.name COLLATE "C";
SELECT dry_run, status, triggered_by, count(*) FROM retention.runs GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

DELETE FROM retention.policies;
DELETE FROM retention.runs;
DROP TABLE background_jobs, scraping_sessions, data_import_jobs, job_checkpoints, job_progress, vr_worlds,
           generation_3d_segments, generation_3d, generation_3d_storage_purge, data_import_history, agent_checkpoints,
           flow_run_steps, flow_runs, flow_definitions, system_logs, ai_call_logs, search_query_tracking, ai_usage_logs,
           agent_chat_messages, agent_chat_conversations, products, user_credits, credit_transactions;
DROP TABLE jobs, job_logs;
DROP TABLE "ConversationTrace", "AgentUsage";
DROP TABLE presence_entries, connections, channel_inbound_dedupe, channel_inbox, channel_outbox, lane_leases,
           workspace_leases, oauth_pending, oauth_refresh_leases, models_dev_refresh_leases, models_dev_cache, outbox,
           outbox_consumers;
DROP TABLE message_request, provider_endpoint_probe_logs;
