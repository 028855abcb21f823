-- The demo: tables like the ones in the seed documents, and their retention
-- written as policy rows instead of cron jobs.
CREATE EXTENSION IF NOT EXISTS retention;

CREATE TABLE background_jobs (
    id bigserial PRIMARY KEY,
    status text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE data_import_jobs (
    id bigserial PRIMARY KEY,
    status text NOT NULL,
    is_scheduled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE system_logs (
    id bigserial PRIMARY KEY,
    level text,
    message text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON system_logs (created_at);
CREATE TABLE flow_runs (
    id bigserial PRIMARY KEY,
    status text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE flow_run_steps (
    id bigserial PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES flow_runs (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE presence_entries (
    client_id text PRIMARY KEY,
    expires_at_ms bigint NOT NULL
);
CREATE TABLE ai_usage_logs (
    id bigserial PRIMARY KEY,
    credits integer,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Some old rows and some young ones.
INSERT INTO background_jobs (status, created_at)
SELECT (ARRAY['completed', 'failed', 'running'])[1 + i % 3], now() - i * interval '1 hour'
FROM generate_series(1, 300) i;
INSERT INTO data_import_jobs (status, is_scheduled, created_at)
SELECT (ARRAY['completed', 'failed'])[1 + i % 2], i % 5 = 0, now() - i * interval '1 day'
FROM generate_series(1, 20) i;
INSERT INTO system_logs (level, message, created_at)
SELECT 'info', 'request ' || i, now() - i * interval '1 minute'
FROM generate_series(1, 60000) i;
INSERT INTO flow_runs (status, created_at)
SELECT 'completed', now() - i * interval '1 day' FROM generate_series(1, 60) i;
INSERT INTO flow_run_steps (run_id, created_at)
SELECT r.id, r.created_at FROM flow_runs r, generate_series(1, 3);
INSERT INTO presence_entries
SELECT 'client-' || i, (extract(epoch FROM now()) * 1000)::bigint + (i - 50) * 60000
FROM generate_series(1, 100) i;
INSERT INTO ai_usage_logs (credits, created_at)
SELECT i, now() - i * interval '1 day' FROM generate_series(1, 400) i;

-- Seed 000: a platform's retention table.
INSERT INTO retention.policies (relation, time_column, retain, filter, schedule, reason) VALUES
    ('background_jobs', 'created_at', '5 days', $$status IN ('completed', 'failed')$$, '0 3 * * 0',
     'Short-lived job records; no value after completion'),
    ('data_import_jobs', 'created_at', '5 days', $$status IN ('completed', 'failed') AND NOT is_scheduled$$, '0 3 * * 0',
     'One-off import runs; scheduled jobs are kept'),
    ('system_logs', 'created_at', '30 days', NULL, '0 2 * * *',
     'Operational API logs (~77k rows/day); kept 30 days for debugging'),
    ('flow_run_steps', 'created_at', '30 days', NULL, '0 3 * * 0',
     'Step-level execution details; parent run is enough after 30 days'),
    ('flow_runs', 'created_at', '30 days', $$status IN ('completed', 'failed', 'cancelled')$$, '0 3 * * 0',
     'Old automation run history; summarised by stats');
-- Seed 003: a TTL column in epoch milliseconds, swept every 5 minutes.
INSERT INTO retention.policies (relation, time_column, time_unit, retain, schedule, reason) VALUES
    ('presence_entries', 'expires_at_ms', 'ms', '0', '5 minutes',
     'Presence is derived inventory: delete only rows whose TTL has expired');
-- Kept forever, and written down why.
INSERT INTO retention.policies (relation, time_column, retain, reason) VALUES
    ('ai_usage_logs', 'created_at', NULL, 'Billing audit log: required for disputes and revenue reporting');
-- Short-lived sessions with an expiry instant, swept every 5 seconds, to see
-- the scheduler at work in the demo.
CREATE TABLE demo_sessions (token text PRIMARY KEY, expires_at timestamptz NOT NULL);
INSERT INTO demo_sessions SELECT 'token-' || i, now() + (i - 100) * interval '1 second' FROM generate_series(1, 200) i;
INSERT INTO retention.policies (relation, time_column, retain, schedule, reason) VALUES
    ('demo_sessions', 'expires_at', '0', '5 seconds', 'Expired sessions are useless');
