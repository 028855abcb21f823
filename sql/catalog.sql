-- The catalog: defaults, the name default, updates, the status view.

CREATE TABLE background_jobs (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL,
    is_scheduled boolean NOT NULL DEFAULT false
);
CREATE TABLE presence_entries (id text PRIMARY KEY, expires_at_ms bigint);
CREATE TABLE daily_stats (day date PRIMARY KEY, hits integer);
CREATE TABLE "Mixed Case" ("Created At" timestamp);

-- The issue's example row: every other column takes its default.
INSERT INTO retention.policies (relation, time_column, retain, filter, schedule)
VALUES ('background_jobs', 'created_at', '5 days', $$status IN ('completed','failed')$$, '0 3 * * 0');

SELECT name, relation, time_column, retain, time_unit, filter, schedule, time_zone, batch_size, batch_delay,
       max_runtime, enabled, archive_to, partitions, max_retries, owner, reason
FROM retention.policies;

-- Integer epochs with a unit, an expiry-instant column (retain 0), dates, quoted names.
INSERT INTO retention.policies (relation, time_column, retain, time_unit, schedule, reason)
VALUES ('presence_entries', 'expires_at_ms', '0', 'ms', '5 minutes', 'TTL column: expired rows are derived state');
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, time_zone)
VALUES ('stats', 'daily_stats', 'day', '90 days', '@weekly', 'Europe/Berlin');
INSERT INTO retention.policies (relation, time_column, schedule)
VALUES ('"Mixed Case"', 'Created At', '30 seconds');

-- retain NULL keeps rows forever: a documented decision.
INSERT INTO retention.policies (name, relation, time_column, retain, reason)
VALUES ('billing_forever', 'daily_stats', 'day', NULL, 'Billing audit log: never deleted');

SELECT name, relation, time_column, retain, time_unit, schedule, time_zone, reason
FROM retention.policies ORDER BY name;

-- The name defaults to the table's name, so a second policy on one table needs a name.
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('background_jobs', 'created_at', '1 day');

-- UPDATE is validated like INSERT and moves updated_at.
SELECT updated_at = created_at AS untouched FROM retention.policies WHERE name = 'stats';
UPDATE retention.policies SET batch_size = 500, schedule = '*/15 2-4 * jan,jul mon-fri' WHERE name = 'stats';
SELECT batch_size, schedule, updated_at > created_at AS moved FROM retention.policies WHERE name = 'stats';
UPDATE retention.policies SET batch_size = 0 WHERE name = 'stats';
SELECT batch_size FROM retention.policies WHERE name = 'stats';

-- Every macro and a few cron and interval forms are accepted.
DO $$
DECLARE
    s text;
BEGIN
    FOREACH s IN ARRAY ARRAY['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually',
                             '0 2 * * *', '*/5 * * * *', '0 0 1,15 * *', '0 0 * * 7', '0 0 29 2 *',
                             '0 9-17/2 * * MON-FRI', '1 hour 30 minutes', '00:10:00', '2 days', '30 seconds'] LOOP
        UPDATE retention.policies SET schedule = s WHERE name = 'stats';
        RAISE NOTICE 'accepted %', (SELECT schedule FROM retention.policies WHERE name = 'stats');
    END LOOP;
END
$$;

-- The status view: one row per policy, last run from the audit trail (dry runs excluded).
INSERT INTO retention.runs (policy, triggered_by, dry_run, status, owner, rows_pruned, error)
VALUES ('stats', 'manual', false, 'failed', 'postgres', 0, 'boom'),
       ('stats', 'manual', true, 'succeeded', 'postgres', 7, NULL);
SELECT policy, enabled, schedule, next_run_at IS NOT NULL AS scheduled, last_status, last_error,
       last_run_at IS NOT NULL AS has_run, consecutive_failures, running
FROM retention.status ORDER BY policy;

-- Deleting a policy is a plain DELETE.
DELETE FROM retention.policies WHERE name = 'billing_forever';
SELECT count(*) FROM retention.policies;

-- A policy goes away with its table; an archive table in use cannot be dropped.
CREATE TABLE events (at timestamptz);
CREATE TABLE events_archive (at timestamptz);
INSERT INTO retention.policies (relation, time_column, archive_to) VALUES ('events', 'at', 'events_archive');
DROP TABLE events_archive;
DROP TABLE "Mixed Case";
ALTER TABLE events DROP COLUMN at;
ALTER TABLE events ADD COLUMN other int;
ALTER TABLE events DROP COLUMN other;
SELECT name FROM retention.policies ORDER BY name;
DROP TABLE events, events_archive;
SELECT name FROM retention.policies ORDER BY name;
CREATE SCHEMA app;
CREATE TABLE app.sessions (expires_at timestamptz);
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('app.sessions', 'expires_at', '0');
DROP SCHEMA app CASCADE;
SELECT name FROM retention.policies ORDER BY name;

DELETE FROM retention.policies;
DELETE FROM retention.runs;
DROP TABLE background_jobs, presence_entries, daily_stats;

-- When a policy is due: retention.next_run_time(schedule, time_zone, anchor,
-- failures, max_retries, salt) is what retention.status and the scheduler use.
SET TIME ZONE 'UTC';
SELECT s.schedule, s.zone, s.anchor, retention.next_run_time(s.schedule, s.zone, s.anchor) AS next
FROM (VALUES
    ('0 3 * * *', 'UTC', '2026-03-01 04:00+00'::timestamptz),
    ('0 3 * * *', 'UTC', '2026-03-01 02:59:59+00'),
    ('0 3 * * *', 'UTC', '2026-03-01 03:00:00.5+00'),            -- a run that started at 03:00 is not due again
    ('0 3 * * 0', 'UTC', '2026-11-23 12:00+00'),                 -- Sundays
    ('@monthly', 'UTC', '2026-01-31 00:00:01+00'),
    ('0 0 29 2 *', 'UTC', '2026-03-01 00:00+00'),                -- next leap day
    ('30 2 * * *', 'Europe/Berlin', '2026-03-28 12:00+00'),      -- 02:30 does not exist on 2026-03-29: 03:00 local
    ('30 2 * * *', 'Europe/Berlin', '2026-03-29 01:00+00'),
    ('30 2 * * *', 'Europe/Berlin', '2026-10-24 12:00+00'),      -- 02:30 happens twice on 2026-10-25: the first
    ('30 2 * * *', 'Europe/Berlin', '2026-10-25 00:30+00'),      -- and not the second time
    ('0 9 * * mon-fri', 'America/New_York', '2026-11-23 12:00+00'),
    ('5 minutes', 'UTC', '2026-11-23 12:00+00'),
    ('30 seconds', 'UTC', '2026-11-23 12:00:10.25+00'),
    ('61 * * * *', 'UTC', '2026-11-23 12:00+00')                 -- no longer parses: never due
) AS s(schedule, zone, anchor);
-- After failures: retries back off (1, 2, 4 minutes and up, with a little
-- jitter), capped below the schedule's own period, then the regular time.
SELECT f AS failures,
       retention.next_run_time('0 3 * * *', 'UTC', '2026-11-23 03:00+00', f, 3, 'p') - '2026-11-23 03:00+00' AS daily_after,
       retention.next_run_time('5 minutes', 'UTC', '2026-11-23 03:00+00', f, 3, 'p') - '2026-11-23 03:00+00' AS five_minutes_after
FROM generate_series(0, 4) f;
-- Interval schedules are read by the extension's own parser where it knows
-- the form, by PostgreSQL's interval input where it does not: either way
-- exactly as PostgreSQL reads the interval.
SELECT t AS schedule,
       retention.next_run_time(t, 'UTC', '2026-01-01 00:00+00') - '2026-01-01 00:00+00' = t::interval AS as_postgresql
FROM unnest(ARRAY['5 minutes', '30 seconds', '1 hour 30 minutes', '30 minutes 1 hour', '1.5 hours', '2d 12h',
                  '90 s', '1 week', '0.5 days', '1.5 weeks', '10min', '3 hrs', '1 h 1 m 1 s',
                  '1.25 seconds', '1 second 500 ms', '2 mins 30 secs', '7 D', '.25 minutes',
                  '1.0000005 seconds', '1.0000006 seconds', '1.33333333 weeks', '2.7182818 days',
                  '1.0000015 minutes', '00:05:00', '1 day 02:00', 'PT5M']) t;
RESET TIME ZONE;
