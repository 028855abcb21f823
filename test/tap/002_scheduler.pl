# The background workers schedule policies on their own: a retention worker
# in each database that has the extension and something due (picked up at
# once when CREATE EXTENSION or CREATE DATABASE commits), scheduled runs
# recorded with triggered_by = 'schedule', retention.status in step with
# them, retention.databases and retention.enabled obeyed after a reload,
# policy edits taking effect without a restart, and failed runs retried
# after a back-off without holding up the other policies.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use RetentionTest;

my $test_start = time();

# debug1: the postmaster logs every dynamic worker it starts and forgets,
# which tells us when the launcher has looked at a new database.
my $node = retention_node('scheduler', conf => 'log_min_messages = debug1');
my $worker_exit = qr/unregistering background worker "retention worker"/;

ok( poll_until(
		$node, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention launcher'",
		'1', 30),
	'the launcher runs');
# Its first look: "postgres" has no extension, so the worker it starts
# there leaves at once.
ok(wait_for_log_count($node, $worker_exit, 1, 0, 15),
	'the launcher tried a worker in "postgres", which left (no extension there)');

########################################################################
# 1. A new database is picked up at once when CREATE EXTENSION commits.
########################################################################
my $offset = -s $node->logfile;
$node->safe_psql('postgres', 'CREATE DATABASE db1');
$node->safe_psql('postgres', 'CREATE DATABASE db2');
# CREATE DATABASE makes the launcher look at pg_database when it commits:
# the workers it starts in both leave (no extension), and the databases are
# due "never" until a wake-up.
ok(wait_for_log_count($node, $worker_exit, 2, $offset, 15),
	'the launcher tried db1 and db2 before they had the extension');
is(worker_databases($node), '', 'no worker stays in a database without the extension');
sleep(3);
is(log_count($node, $worker_exit, $offset), 2, 'and it does not try them again while nothing wakes it');

my $t0 = time();
$node->safe_psql('db1', 'CREATE EXTENSION retention');
my $db1_worker = wait_for_worker($node, 'db1', 10);
like($db1_worker, qr/^\d+$/,
	'a worker for db1 starts within 10 s of CREATE EXTENSION (wake-up at commit)');
note(sprintf('db1 worker after %.1f s', time() - $t0));

# db1: events that expire at expires_at (retain '0'): 30 expired, 5 not yet.
# Two policies whose every run fails (a trigger refuses the DELETE), with
# updated_at (the anchor of their schedule) set in the past so that they are
# due at once: "doomed" is hourly with 2 retries, "flaky" every 20 s with 1.
$node->safe_psql(
	'db1', q{
CREATE TABLE events (id bigserial PRIMARY KEY, expires_at timestamptz NOT NULL);
INSERT INTO events (expires_at) SELECT now() - interval '1 hour' FROM generate_series(1, 30);
INSERT INTO events (expires_at) SELECT now() + interval '1 day' FROM generate_series(1, 5);
CREATE TABLE doomed (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL);
INSERT INTO doomed (created_at) SELECT now() - interval '2 days' FROM generate_series(1, 3);
CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql
	AS $$BEGIN RAISE EXCEPTION 'doomed rows cannot be deleted'; END$$;
CREATE TRIGGER refuse BEFORE DELETE ON doomed FOR EACH ROW EXECUTE FUNCTION refuse_delete();
BEGIN;
INSERT INTO retention.policies (name, relation, time_column, retain, schedule)
	VALUES ('events', 'events', 'expires_at', '0', '2 seconds');
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, max_retries, updated_at)
	VALUES ('doomed', 'doomed', 'created_at', '1 day', '1 hour', 2, now() - interval '2 hours');
COMMIT;
CREATE TABLE flaky (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL);
INSERT INTO flaky (created_at) SELECT now() - interval '2 days' FROM generate_series(1, 2);
CREATE TRIGGER refuse BEFORE DELETE ON flaky FOR EACH ROW EXECUTE FUNCTION refuse_delete();
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, max_retries, updated_at)
	VALUES ('flaky', 'flaky', 'created_at', '1 day', '20 seconds', 1, now() - interval '1 minute');
});

########################################################################
# 2. Two databases served at once, each pruning its own policies.
########################################################################
# db2: logs older than an hour expire: 20 expired, 4 recent. "audit" is
# scheduled hourly, so it does not run during this test until edited.
$node->safe_psql(
	'db2', q{
CREATE EXTENSION retention;
CREATE TABLE logs (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL);
INSERT INTO logs (created_at) SELECT now() - interval '2 hours' FROM generate_series(1, 20);
INSERT INTO logs (created_at) SELECT now() FROM generate_series(1, 4);
CREATE TABLE audit (created_at timestamptz NOT NULL);
INSERT INTO audit SELECT now() - interval '2 hours' FROM generate_series(1, 6);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule)
	VALUES ('logs', 'logs', 'created_at', '1 hour', '2 seconds'),
	       ('audit', 'audit', 'created_at', '1 hour', '1 hour');
});
ok( poll_until(
		$node, 'postgres',
		"SELECT string_agg(DISTINCT datname, ',' ORDER BY datname) FROM pg_stat_activity WHERE backend_type = 'retention worker'",
		'db1,db2', 10),
	'workers serve db1 and db2 at the same time');

ok(poll_until($node, 'db1', 'SELECT count(*) FROM events', '5', 15),
	'db1: the expired events are pruned without anyone calling run()');
is( $node->safe_psql(
		'db1',
		"SELECT triggered_by, status, dry_run, rows_pruned, batches, error IS NULL FROM retention.runs WHERE policy = 'events' ORDER BY id LIMIT 1"
	),
	'schedule|succeeded|f|30|1|t',
	'db1: the first run of "events" is a scheduled run that pruned exactly the 30 expired rows');
is($node->safe_psql('db1', 'SELECT min(expires_at) > now() FROM events'),
	't', 'db1: only the rows that had not expired are left');
ok( poll_until(
		$node, 'db1',
		"SELECT last_status, next_run_at > now(), next_run_at = last_run_at + interval '2 seconds', enabled FROM retention.status WHERE policy = 'events'",
		'succeeded|t|t|t', 10),
	'db1: retention.status shows the last run succeeded and the next one 2 s after it, in the future');

ok(poll_until($node, 'db2', 'SELECT count(*) FROM logs', '4', 15),
	'db2: the expired logs are pruned on schedule');
is( $node->safe_psql(
		'db2',
		"SELECT triggered_by, status, rows_pruned FROM retention.runs WHERE policy = 'logs' ORDER BY id LIMIT 1"
	),
	'schedule|succeeded|20',
	'db2: the first run of "logs" is a scheduled run that pruned exactly 20 rows');
is($node->safe_psql('db2', 'SELECT string_agg(DISTINCT policy, \',\') FROM retention.runs'),
	'logs', 'db2: only its own due policy ran there ("audit" is not due)');
is($node->safe_psql('db2', 'SELECT count(*) FROM audit'),
	'6', 'db2: the rows of the hourly policy are untouched');

########################################################################
# 7. A failing policy is retried after a back-off (1 min, not its hourly
#    period), and does not hold up the healthy policy next to it.
########################################################################
ok( poll_until(
		$node, 'db1',
		"SELECT string_agg(status, ',') FROM retention.runs WHERE policy = 'doomed'",
		'failed', 10),
	'db1: the failing policy ran once on schedule and failed');
my ($doomed_id, $doomed_row) = split /\|/, $node->safe_psql(
	'db1',
	"SELECT id, triggered_by || ',' || rows_pruned || ',' || error FROM retention.runs WHERE policy = 'doomed'"
), 2;
like($doomed_row, qr/^schedule,0,.*doomed rows cannot be deleted/,
	'db1: its run row records the trigger error and no rows pruned');
my $doomed_status = $node->safe_psql(
	'db1',
	"SELECT consecutive_failures, last_status, next_run_at > now(), extract(epoch FROM next_run_at - last_run_at)::numeric(10,1) FROM retention.status WHERE policy = 'doomed'"
);
my ($failures, $last_status, $in_future, $retry_after) = split /\|/, $doomed_status;
is("$failures|$last_status|$in_future", '1|failed|t',
	'db1: retention.status shows one consecutive failure and a retry in the future');
ok($retry_after >= 55 && $retry_after <= 80,
	"db1: the retry is due about a minute after the failed run ($retry_after s), not an hour");
is($node->safe_psql('db1', 'SELECT count(*) FROM doomed'),
	'3', 'db1: the failed run deleted nothing');

# The healthy policy keeps pruning meanwhile.
$node->safe_psql('db1',
	"INSERT INTO events (expires_at) SELECT now() - interval '1 minute' FROM generate_series(1, 7)");
ok(poll_until($node, 'db1', 'SELECT count(*) FROM events', '5', 10),
	'db1: new expired events are pruned while the other policy is failing');
is( $node->safe_psql(
		'db1',
		"SELECT count(*) FROM retention.runs WHERE policy = 'events' AND id > $doomed_id AND triggered_by = 'schedule' AND status = 'succeeded' AND rows_pruned = 7"
	),
	'1',
	'db1: a scheduled run after the failure pruned those 7 rows');
is($node->safe_psql('db1', "SELECT count(*) FROM retention.runs WHERE policy = 'doomed'"),
	'1', 'db1: the failing policy was not retried at once');

# A retry is never later than half the schedule's period: "flaky" (every
# 20 s) retries 10 s after its failure; once its max_retries (1) retry has
# failed too, it is back to its regular period. Its two failures, alike,
# fold into one row of the history (repeats 2, first_started_at the first).
ok( poll_until(
		$node, 'db1',
		"SELECT sum(repeats) >= 2 AND bool_and(status = 'failed' AND triggered_by = 'schedule') FROM retention.runs WHERE policy = 'flaky'",
		't', 20),
	'db1: the 20 s policy failed on schedule and was retried on schedule');
is($node->safe_psql('db1', "SELECT count(*) || '|' || sum(repeats) FROM retention.runs WHERE policy = 'flaky'"),
	'1|2', 'db1: its two failures, alike, are one row of the history');
my $flaky_gap = $node->safe_psql(
	'db1',
	"SELECT extract(epoch FROM started_at - first_started_at)::numeric(10,1) FROM retention.runs WHERE policy = 'flaky'"
);
ok($flaky_gap >= 10 && $flaky_gap < 15,
	"db1: the retry came 10 s (half the period) after the failure, not 20 s or a minute ($flaky_gap s)");
is( $node->safe_psql(
		'db1',
		"SELECT consecutive_failures, next_run_at - last_run_at FROM retention.status WHERE policy = 'flaky'"),
	'2|00:00:20',
	'db1: retries exhausted (max_retries 1), the next run is a regular one, 20 s later');
$node->safe_psql('db1', "UPDATE retention.policies SET enabled = false WHERE name IN ('doomed', 'flaky')");

########################################################################
# 3. A database created later from a template that has the extension and a
#    policy: no CREATE EXTENSION wakes the launcher, CREATE DATABASE does.
#    The template itself is never served.
########################################################################
$node->safe_psql('postgres', 'CREATE DATABASE tmpl IS_TEMPLATE = true');
$node->safe_psql(
	'tmpl', q{
CREATE EXTENSION retention;
CREATE TABLE notes (created_at timestamptz NOT NULL);
INSERT INTO notes SELECT now() - interval '2 hours' FROM generate_series(1, 12);
INSERT INTO notes SELECT now() FROM generate_series(1, 3);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule)
	VALUES ('notes', 'notes', 'created_at', '1 hour', '2 seconds');
});
$t0 = time();
$node->safe_psql('postgres', 'CREATE DATABASE db3 TEMPLATE tmpl');
like(wait_for_worker($node, 'db3', 12), qr/^\d+$/,
	'a worker starts for db3, created from a template that has the extension');
note(sprintf('db3 worker after %.1f s', time() - $t0));
ok(poll_until($node, 'db3', 'SELECT count(*) FROM notes', '3', 10),
	'db3: its expired rows are pruned on schedule');
is( $node->safe_psql(
		'db3',
		"SELECT triggered_by, status, rows_pruned FROM retention.runs WHERE policy = 'notes' ORDER BY id LIMIT 1"
	),
	'schedule|succeeded|12',
	'db3: by a scheduled run that pruned exactly 12 rows');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE datname = 'tmpl' AND backend_type LIKE 'retention%'"
	),
	'0',
	'no retention worker is connected to the template database');
is($node->safe_psql('tmpl', 'SELECT count(*) FROM notes'),
	'15', 'the template database was never pruned');
is($node->safe_psql('tmpl', 'SELECT count(*) FROM retention.runs'),
	'0', 'the template database has no runs');

########################################################################
# 6. Live policy edits take effect without a restart.
########################################################################
# A shorter schedule: "audit" (hourly, not due for an hour) every 2 s.
$node->safe_psql('db2', "UPDATE retention.policies SET schedule = '2 seconds' WHERE name = 'audit'");
ok(poll_until($node, 'db2', 'SELECT count(*) FROM audit', '0', 8),
	'db2: after its schedule is shortened to 2 seconds, "audit" is pruned within seconds');
is( $node->safe_psql(
		'db2',
		"SELECT triggered_by, status, rows_pruned FROM retention.runs WHERE policy = 'audit' ORDER BY id LIMIT 1"
	),
	'schedule|succeeded|6',
	'db2: by a scheduled run');

# enabled = false: no more scheduled runs of that policy.
$node->safe_psql('db2', "UPDATE retention.policies SET enabled = false WHERE name = 'logs'");
ok( poll_until(
		$node, 'db2',
		"SELECT enabled, next_run_at IS NULL, running FROM retention.status WHERE policy = 'logs'",
		'f|t|f', 5),
	'db2: a disabled policy has no next run in retention.status');
# A run that had already started when the UPDATE committed may finish.
usleep(1_200_000);
my $logs_max = $node->safe_psql('db2', "SELECT max(id) FROM retention.runs WHERE policy = 'logs'");
$node->safe_psql('db2',
	"INSERT INTO logs (created_at) SELECT now() - interval '3 hours' FROM generate_series(1, 5)");
sleep(5);
is($node->safe_psql('db2', "SELECT count(*) FROM retention.runs WHERE policy = 'logs' AND id > $logs_max"),
	'0', 'db2: the disabled policy did not run for 5 s');
is($node->safe_psql('db2', 'SELECT count(*) FROM logs'),
	'9', 'db2: its expired rows stay');
$node->safe_psql('db2', "UPDATE retention.policies SET enabled = true WHERE name = 'logs'");
ok(poll_until($node, 'db2', 'SELECT count(*) FROM logs', '4', 8),
	'db2: enabled again, the policy prunes within seconds');

# A long run does not hold up the other policies of its database: while
# "a_slow" runs (20 batches, 500 ms apart), "b_quick" (every 2 s) keeps its
# schedule, run by another worker. Disabled meanwhile, it runs no more.
$node->safe_psql(
	'db2', q{
CREATE TABLE slow_rows (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL);
INSERT INTO slow_rows (created_at) SELECT now() - interval '2 hours' FROM generate_series(1, 200);
CREATE TABLE quick_rows (created_at timestamptz NOT NULL);
INSERT INTO quick_rows SELECT now() - interval '2 hours' FROM generate_series(1, 8);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, batch_size, batch_delay, updated_at)
	VALUES ('a_slow', 'slow_rows', 'created_at', '1 hour', '1 hour', 10, '500 ms', now() - interval '2 hours'),
	       ('b_quick', 'quick_rows', 'created_at', '1 hour', '2 seconds', 10000, '0', now());
});
ok( poll_until(
		$node, 'db2',
		"SELECT count(*) FROM retention.runs WHERE policy = 'a_slow' AND status = 'running'",
		'1', 8),
	'db2: the slow policy is running');
my $slow_pid = $node->safe_psql('db2', "SELECT pid FROM retention.runs WHERE policy = 'a_slow'");
ok( poll_until(
		$node, 'db2',
		"SELECT count(*) >= 2 FROM retention.runs r WHERE policy = 'b_quick' AND pid <> $slow_pid",
		't', 5),
	'db2: meanwhile the 2-second policy ran on schedule (twice), in another worker');
is($node->safe_psql('db2', "SELECT status FROM retention.runs WHERE policy = 'a_slow'"),
	'running', 'db2: while the slow run was still going');
$node->safe_psql('db2', "UPDATE retention.policies SET enabled = false WHERE name = 'b_quick'");
# A run that had started when the UPDATE committed may finish.
usleep(300_000);
my $quick_runs = $node->safe_psql('db2', "SELECT sum(repeats) FROM retention.runs WHERE policy = 'b_quick'");
ok( poll_until(
		$node, 'db2',
		"SELECT status FROM retention.runs WHERE policy = 'a_slow' ORDER BY id LIMIT 1",
		'succeeded', 20),
	'db2: the slow run finishes');
sleep(2);
is($node->safe_psql('db2', "SELECT sum(repeats) FROM retention.runs WHERE policy = 'b_quick'"),
	$quick_runs, 'db2: the policy disabled during the slow run did not run again');
$node->safe_psql('db2', "UPDATE retention.policies SET enabled = false WHERE name = 'a_slow'");

########################################################################
# 4. retention.databases: only db1 is served, then every database again.
########################################################################
$node->safe_psql('postgres', "ALTER SYSTEM SET retention.databases = 'db1'");
$node->reload;
ok( poll_until(
		$node, 'postgres',
		"SELECT string_agg(DISTINCT datname, ',' ORDER BY datname) FROM pg_stat_activity WHERE backend_type = 'retention worker'",
		'db1', 10),
	'with retention.databases = db1, the workers of db2 and db3 leave');
ok( poll_until(
		$node, 'db2',
		"SELECT bool_and(next_run_at IS NULL) AND NOT bool_or(running) FROM retention.status",
		't', 5),
	'db2: retention.status shows no next run while db2 is not served');
my $db2_max = $node->safe_psql('db2', 'SELECT max(id) FROM retention.runs');
my $db1_max = $node->safe_psql('db1', 'SELECT max(id) FROM retention.runs');
$node->safe_psql('db2',
	"INSERT INTO logs (created_at) SELECT now() - interval '3 hours' FROM generate_series(1, 3)");
$node->safe_psql('db1',
	"INSERT INTO events (expires_at) SELECT now() - interval '1 minute' FROM generate_series(1, 4)");
ok(poll_until($node, 'db1', 'SELECT count(*) FROM events', '5', 8),
	'db1 is still served: its new expired rows are pruned');
sleep(5);
is($node->safe_psql('db2', "SELECT count(*) FROM retention.runs WHERE id > $db2_max"),
	'0', 'db2: no run while it is not served');
is($node->safe_psql('db2', 'SELECT count(*) FROM logs'),
	'7', 'db2: its new expired rows stay');
is( $node->safe_psql(
		'db1',
		"SELECT count(*) > 0 FROM retention.runs WHERE id > $db1_max AND policy = 'events' AND triggered_by = 'schedule'"
	),
	't',
	'db1: scheduled runs went on meanwhile');

$node->safe_psql('postgres', 'ALTER SYSTEM RESET retention.databases');
$node->reload;
$t0 = time();
like(wait_for_worker($node, 'db2', 10), qr/^\d+$/,
	'after RESET retention.databases, db2 has a worker again');
note(sprintf('db2 worker back after %.1f s', time() - $t0));
ok(poll_until($node, 'db2', 'SELECT count(*) FROM logs', '4', 8),
	'db2: its expired rows are pruned again');
is( $node->safe_psql(
		'db2',
		"SELECT triggered_by, status, rows_pruned FROM retention.runs WHERE policy = 'logs' AND id > $db2_max AND rows_pruned > 0"
	),
	'schedule|succeeded|3',
	'db2: by a scheduled run that pruned the 3 rows');
like(wait_for_worker($node, 'db3', 10), qr/^\d+$/, 'db3 has a worker again');

########################################################################
# 5. retention.enabled = off: nothing is scheduled; on: runs resume.
########################################################################
$node->safe_psql('postgres', 'ALTER SYSTEM SET retention.enabled = off');
$node->reload;
ok( poll_until(
		$node, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker'",
		'0', 10),
	'with retention.enabled = off, every worker leaves');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention launcher'"),
	'1',
	'the launcher stays');
ok( poll_until(
		$node, 'db1',
		"SELECT bool_and(next_run_at IS NULL) AND NOT bool_or(running) FROM retention.status",
		't', 5),
	'db1: retention.status shows no next run while retention.enabled is off');
my $db1_runs = $node->safe_psql('db1', 'SELECT count(*) FROM retention.runs');
my $db2_runs = $node->safe_psql('db2', 'SELECT count(*) FROM retention.runs');
$node->safe_psql('db1',
	"INSERT INTO events (expires_at) SELECT now() - interval '1 minute' FROM generate_series(1, 6)");
$node->safe_psql('db2',
	"INSERT INTO logs (created_at) SELECT now() - interval '3 hours' FROM generate_series(1, 6)");
sleep(8);
is($node->safe_psql('db1', 'SELECT count(*) FROM retention.runs'),
	$db1_runs, 'db1: no run in 8 s while retention.enabled is off');
is($node->safe_psql('db2', 'SELECT count(*) FROM retention.runs'),
	$db2_runs, 'db2: no run in 8 s while retention.enabled is off');
is($node->safe_psql('db1', 'SELECT count(*) FROM events'),
	'11', 'db1: the expired rows stay');

$node->safe_psql('postgres', 'ALTER SYSTEM RESET retention.enabled');
$node->reload;
$t0 = time();
ok( poll_until(
		$node, 'postgres',
		"SELECT string_agg(DISTINCT datname, ',' ORDER BY datname) FROM pg_stat_activity WHERE backend_type = 'retention worker'",
		'db1,db2,db3', 15),
	'retention.enabled on again: workers serve db1, db2 and db3 within 15 s');
note(sprintf('workers back after %.1f s', time() - $t0));
ok(poll_until($node, 'db1', 'SELECT count(*) FROM events', '5', 10),
	'db1: scheduled runs resume and prune');
ok(poll_until($node, 'db2', 'SELECT count(*) FROM logs', '4', 10),
	'db2: scheduled runs resume and prune');

########################################################################
# The log.
########################################################################
$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/PANIC|TRAP|terminating any other active server processes/,
	'no crash in the server log');
unlike($log, qr/retention worker: .* not run:/,
	'no scheduled run was refused');
note(sprintf('002_scheduler took %.0f s', time() - $test_start));

done_testing();
