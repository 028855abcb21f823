-- Every invalid policy row is refused with a message naming what is wrong;
-- nothing is stored.
CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    created_at timestamptz,
    created_local timestamp,
    created_day date,
    epoch_s integer,
    epoch_small smallint,
    label text,
    payload jsonb,
    status text
);
CREATE VIEW jobs_view AS SELECT * FROM jobs;
CREATE MATERIALIZED VIEW jobs_mat AS SELECT * FROM jobs;
CREATE SEQUENCE jobs_seq;
CREATE TEMP TABLE jobs_temp (created_at timestamptz);
CREATE TABLE jobs_archive (LIKE jobs, archived_at timestamptz DEFAULT now());
CREATE TABLE jobs_archive_missing (id bigint, created_at timestamptz);
CREATE TABLE jobs_archive_badtype (LIKE jobs);
ALTER TABLE jobs_archive_badtype ALTER COLUMN payload TYPE point USING NULL;
CREATE TABLE jobs_archive_notnull (LIKE jobs, batch_no integer NOT NULL);
CREATE TABLE jobs_archive_generated (LIKE jobs, label2 text);
ALTER TABLE jobs_archive_generated DROP COLUMN label;
ALTER TABLE jobs_archive_generated ADD COLUMN label text GENERATED ALWAYS AS (label2) STORED;

-- relation
INSERT INTO retention.policies (relation, time_column) VALUES ('no_such_table', 'created_at');
INSERT INTO retention.policies (relation, time_column) VALUES (1, 'created_at');
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs_view', 'created_at');
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs_mat', 'created_at');
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs_seq', 'last_value');
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs_temp', 'created_at');
INSERT INTO retention.policies (relation, time_column) VALUES ('pg_catalog.pg_class', 'relname');
INSERT INTO retention.policies (relation, time_column) VALUES ('retention.runs', 'started_at');
INSERT INTO retention.policies (relation, time_column) VALUES ('information_schema.sql_features', 'comments');

-- time_column and time_unit
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs', 'created');
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs', 'xmin');
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs', 'label');
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs', 'payload');
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs', 'epoch_s');
INSERT INTO retention.policies (relation, time_column, time_unit) VALUES ('jobs', 'epoch_s', 'minutes');
INSERT INTO retention.policies (relation, time_column, time_unit) VALUES ('jobs', 'created_at', 's');
INSERT INTO retention.policies (relation, time_column, time_unit) VALUES ('jobs', 'created_day', 'ms');
\set VERBOSITY terse
INSERT INTO retention.policies (relation, time_column) VALUES ('jobs', NULL);
\set VERBOSITY default

-- retain, batch_size, batch_delay, max_runtime, max_retries, partitions
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('jobs', 'created_at', '-1 day');
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('jobs', 'created_at', '1 month -40 days');
INSERT INTO retention.policies (relation, time_column, batch_size) VALUES ('jobs', 'created_at', 0);
INSERT INTO retention.policies (relation, time_column, batch_size) VALUES ('jobs', 'created_at', -5);
INSERT INTO retention.policies (relation, time_column, batch_delay) VALUES ('jobs', 'created_at', '-1 second');
INSERT INTO retention.policies (relation, time_column, max_runtime) VALUES ('jobs', 'created_at', '-1 minute');
INSERT INTO retention.policies (relation, time_column, max_runtime) VALUES ('jobs', 'created_at', '0');
INSERT INTO retention.policies (relation, time_column, max_retries) VALUES ('jobs', 'created_at', -1);
INSERT INTO retention.policies (relation, time_column, partitions) VALUES ('jobs', 'created_at', 'truncate');
INSERT INTO retention.policies (name, relation, time_column) VALUES ('', 'jobs', 'created_at');
INSERT INTO retention.policies (name, relation, time_column) VALUES (repeat('n', 256), 'jobs', 'created_at');

-- schedule
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '61 * * * *');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '0 24 * * *');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '0 0 32 * *');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '0 0 * 13 *');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '0 0 * * 8');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '*/0 * * * *');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '5-1 * * * *');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '0 0 31 2 *');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '@reboot');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '@fortnightly');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', 'every 5 minutes');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '-5 minutes');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '0 seconds');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '0.5 seconds');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '1 month');
INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('jobs', 'created_at', '');

-- time_zone
INSERT INTO retention.policies (relation, time_column, time_zone) VALUES ('jobs', 'created_at', 'Mars/Olympus_Mons');
INSERT INTO retention.policies (relation, time_column, time_zone) VALUES ('jobs', 'created_at', '');

-- filter: one boolean expression over the table, nothing else
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$true) OR (true$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$status = 'done'; DELETE FROM jobs$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$status = 'done' -- $$);
SELECT filter FROM retention.policies;
DELETE FROM retention.policies;
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$true FROM pg_class$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$true, false$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$true AS t$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$true UNION SELECT false$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$epoch_s + 1$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$label$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$no_such_column = 1$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$status = = 'x'$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$random() < 0.5$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$nextval('jobs_seq') > 0$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$generate_series(1, 2) > 1$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$count(*) > 1$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$row_number() OVER () > 1$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$EXISTS (SELECT 1 FROM jobs j WHERE j.id = jobs.id AND random() < 1)$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', $$$1 = 1$$);
INSERT INTO retention.policies (relation, time_column, filter) VALUES ('jobs', 'created_at', '   ');
-- accepted: stable expressions, subqueries, NULL (no filter)
INSERT INTO retention.policies (name, relation, time_column, filter)
VALUES ('f1', 'jobs', 'created_at', $$status IN ('completed', 'failed') AND payload ? 'done'$$),
       ('f2', 'jobs', 'created_at', $$NOT EXISTS (SELECT 1 FROM jobs_archive a WHERE a.id = jobs.id)$$),
       ('f3', 'jobs', 'created_at', $$created_local < now()::timestamp$$),
       ('f4', 'jobs', 'created_at', NULL);
SELECT name, filter FROM retention.policies ORDER BY name;
DELETE FROM retention.policies;

-- archive_to
INSERT INTO retention.policies (relation, time_column, archive_to) VALUES ('jobs', 'created_at', 'jobs');
INSERT INTO retention.policies (relation, time_column, archive_to) VALUES ('jobs', 'created_at', 'jobs_view');
INSERT INTO retention.policies (relation, time_column, archive_to) VALUES ('jobs', 'created_at', 'jobs_archive_missing');
INSERT INTO retention.policies (relation, time_column, archive_to) VALUES ('jobs', 'created_at', 'jobs_archive_badtype');
INSERT INTO retention.policies (relation, time_column, archive_to) VALUES ('jobs', 'created_at', 'jobs_archive_notnull');
INSERT INTO retention.policies (relation, time_column, archive_to) VALUES ('jobs', 'created_at', 'jobs_archive_generated');
INSERT INTO retention.policies (relation, time_column, archive_to) VALUES ('jobs', 'created_at', 'jobs_archive');

-- UPDATEs are checked the same way and leave the row as it was.
UPDATE retention.policies SET time_column = 'label' WHERE name = 'jobs';
UPDATE retention.policies SET filter = 'true; select 1' WHERE name = 'jobs';
UPDATE retention.policies SET schedule = '* * * *' WHERE name = 'jobs';
UPDATE retention.policies SET relation = 'jobs_view' WHERE name = 'jobs';
SELECT name, relation, time_column, filter, schedule, archive_to FROM retention.policies;

-- The other accepted time column kinds.
INSERT INTO retention.policies (name, relation, time_column, time_unit)
VALUES ('local', 'jobs', 'created_local', NULL), ('day', 'jobs', 'created_day', NULL),
       ('epoch', 'jobs', 'epoch_s', 's'), ('small', 'jobs', 'epoch_small', 'us');
SELECT name, time_column, time_unit FROM retention.policies ORDER BY name;

-- max_rows_per_second: positive, or NULL.
INSERT INTO retention.policies (name, relation, time_column, max_rows_per_second) VALUES ('rate0', 'jobs', 'created_at', 0);
INSERT INTO retention.policies (name, relation, time_column, max_rows_per_second) VALUES ('rate_neg', 'jobs', 'created_at', -5);
INSERT INTO retention.policies (name, relation, time_column, max_rows_per_second) VALUES ('rate1', 'jobs', 'created_at', 1);
UPDATE retention.policies SET max_rows_per_second = 0 WHERE name = 'rate1';
UPDATE retention.policies SET max_rows_per_second = NULL WHERE name = 'rate1';
SELECT name, max_rows_per_second FROM retention.policies WHERE name LIKE 'rate%';
