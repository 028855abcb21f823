# Server life cycle with retention preloaded: the launcher worker starts,
# survives reloads, comes back after restarts and crashes; the settings are
# validated; the catalog survives restarts, crash recovery and
# pg_dump/pg_restore; and the SQL API works without preloading.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

use RetentionTest;

my $launcher_query =
  "SELECT pid FROM pg_stat_activity WHERE backend_type = 'retention launcher' ORDER BY pid";

# The pids of the running launchers, as a comma-separated string.
sub launcher_pids
{
	my ($node) = @_;
	return join(',',
		split(/\n/, $node->safe_psql('postgres', $launcher_query)));
}

# Waits up to $seconds for exactly one launcher whose pid is not $old_pid;
# returns its pid, or '' on timeout.
sub wait_for_new_launcher
{
	my ($node, $old_pid, $seconds) = @_;
	my $deadline = time() + $seconds;
	while (time() < $deadline)
	{
		my $pids = launcher_pids($node);
		return $pids if $pids =~ /^\d+$/ && $pids ne $old_pid;
		usleep(200_000);
	}
	return '';
}

# Runs SQL that must fail; returns its stderr.
sub psql_error
{
	my ($node, $db, $sql) = @_;
	my ($ret, $stdout, $stderr) = $node->psql($db, $sql);
	isnt($ret, 0, "fails: $sql");
	return $stderr;
}

########################################################################
# A node with retention in shared_preload_libraries.
########################################################################
my $node = PostgreSQL::Test::Cluster->new('preloaded');
$node->init;
$node->append_conf(
	'postgresql.conf', qq(
shared_preload_libraries = 'retention'
max_worker_processes = 8
log_min_messages = info
));
$node->start;

ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'retention launcher'"
	),
	'the retention launcher appears in pg_stat_activity');
my $pid1 = launcher_pids($node);
like($pid1, qr/^\d+$/, 'exactly one retention launcher runs');
is( $node->safe_psql(
		'postgres',
		"SELECT datid IS NULL AND datname IS NULL FROM pg_stat_activity WHERE pid = $pid1"
	),
	't',
	'the launcher is connected to no database');

# The catalog and its validation trigger.
$node->safe_psql(
	'postgres', q(
CREATE EXTENSION retention;
CREATE TABLE public.events (id bigint, created_at timestamptz NOT NULL);
INSERT INTO retention.policies (name, relation, time_column, retain)
	VALUES ('events_30d', 'public.events', 'created_at', '30 days');
));
is( $node->safe_psql(
		'postgres',
		"SELECT name, relation, time_column, retain, schedule, batch_size FROM retention.policies"
	),
	'events_30d|events|created_at|30 days|0 3 * * *|10000',
	'a policy row can be inserted, with its defaults');
like(
	psql_error(
		$node, 'postgres',
		"INSERT INTO retention.policies (name, relation, time_column, batch_size) VALUES ('bad', 'public.events', 'created_at', 0)"
	),
	qr/invalid batch_size 0: must be at least 1/,
	'the validation trigger refuses a bad row');
is($node->safe_psql('postgres', 'SELECT count(*) FROM retention.policies'),
	'1', 'the refused row was not stored');

# retention.enabled: on by default, reloadable, not settable per session.
is($node->safe_psql('postgres', 'SHOW retention.enabled'),
	'on', 'retention.enabled is on by default');
like(
	psql_error($node, 'postgres', 'SET retention.enabled = off'),
	qr/parameter "retention.enabled" cannot be changed now/,
	'retention.enabled cannot be SET in a session');
$node->safe_psql('postgres', 'ALTER SYSTEM SET retention.enabled = off');
$node->reload;
ok( $node->poll_query_until(
		'postgres', "SELECT current_setting('retention.enabled')", 'off'),
	'after ALTER SYSTEM and reload, retention.enabled is off in a new session');
is(launcher_pids($node), $pid1, 'the launcher survives the reload');

# retention.databases: a list of identifiers.
like(
	psql_error(
		$node, 'postgres',
		q(ALTER SYSTEM SET retention.databases = '"unterminated')),
	qr/invalid value for parameter "retention.databases"/,
	'ALTER SYSTEM refuses an unterminated quoted name');
like(
	psql_error(
		$node, 'postgres', q(ALTER SYSTEM SET retention.databases = 'a,,b')),
	qr/invalid value for parameter "retention.databases"/,
	'ALTER SYSTEM refuses an empty list element');
unlike(
	slurp_file($node->data_dir . '/postgresql.auto.conf'),
	qr/retention\.databases/,
	'the refused values were not written to postgresql.auto.conf');
like(
	psql_error($node, 'postgres', q(SET retention.databases = 'db1')),
	qr/parameter "retention.databases" cannot be changed now/,
	'retention.databases cannot be SET in a session');
$node->safe_psql('postgres',
	q(ALTER SYSTEM SET retention.databases = 'db1, db2'));
$node->reload;
ok( $node->poll_query_until(
		'postgres', "SELECT current_setting('retention.databases')",
		'db1, db2'),
	'retention.databases accepts a list of names after reload');
is(launcher_pids($node), $pid1, 'the launcher survives the second reload');

########################################################################
# Restart: clean shutdown, the launcher comes back as a new process.
########################################################################
my $offset = -s $node->logfile;
$node->restart;
my $pid2 = wait_for_new_launcher($node, $pid1, 60);
like($pid2, qr/^\d+$/, 'after restart a launcher runs again');
isnt($pid2, $pid1, 'it is a new process');
ok($node->log_contains(qr/retention launcher shutting down/, $offset),
	'the launcher logged its shutdown');
ok(!$node->log_contains(qr/automatic recovery in progress/, $offset),
	'the restart needed no crash recovery');
is($node->safe_psql('postgres', 'SHOW retention.enabled'),
	'off', 'retention.enabled = off persists across the restart');
is($node->safe_psql('postgres', 'SELECT name FROM retention.policies'),
	'events_30d', 'the policy survives the restart');

########################################################################
# SIGTERM to the launcher: bgw_restart_time is 10 s, so the postmaster
# should start a new one.
########################################################################
$offset = -s $node->logfile;
is($node->safe_psql('postgres', "SELECT pg_terminate_backend($pid2)"),
	't', 'pg_terminate_backend signals the launcher');
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid2"),
	'the terminated launcher exits');
ok($node->log_contains(qr/retention launcher shutting down/, $offset),
	'the launcher logged that it is shutting down');
my $pid3 = wait_for_new_launcher($node, $pid2, 20);
like($pid3, qr/^\d+$/, 'a new launcher starts within 20 s of the terminated one');
ok(!$node->log_contains(qr/terminating any other active server processes/, $offset),
	'terminating the launcher did not crash the server');
is($node->safe_psql('postgres', 'SELECT 1'), '1',
	'the server still answers queries');

########################################################################
# Immediate stop: crash recovery, committed policies survive, the launcher
# comes back.
########################################################################
$node->safe_psql('postgres',
	q(INSERT INTO retention.policies (name, relation, time_column, retain)
	  VALUES ('events_1y', 'public.events', 'created_at', '1 year')));
$offset = -s $node->logfile;
$node->stop('immediate');
$node->start;
ok($node->log_contains(qr/automatic recovery in progress/, $offset),
	'the immediate stop was followed by crash recovery');
my $pid4 = wait_for_new_launcher($node, $pid2, 60);
like($pid4, qr/^\d+$/, 'after crash recovery a launcher runs again');
is( $node->safe_psql(
		'postgres', 'SELECT string_agg(name, \',\' ORDER BY name) FROM retention.policies'),
	'events_1y,events_30d',
	'both policies survive the immediate stop');
like(
	psql_error(
		$node, 'postgres',
		"UPDATE retention.policies SET schedule = 'not a schedule' WHERE name = 'events_1y'"
	),
	qr/invalid schedule "not a schedule"/,
	'the validation trigger still works after recovery');

########################################################################
# pg_dump / pg_restore keep the policies, the runs and the run id sequence.
########################################################################
$node->safe_psql('postgres', 'CREATE DATABASE dump_source');
$node->safe_psql(
	'dump_source', q(
CREATE EXTENSION retention;
CREATE TABLE public.logins (id bigint, at timestamptz NOT NULL, epoch bigint);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, batch_size, reason)
	VALUES ('p', 'public.logins', 'at', '90 days', '@daily', 500, 'GDPR');
INSERT INTO retention.policies (relation, time_column, time_unit, retain)
	VALUES ('public.logins', 'epoch', 'ms', '1 day');
INSERT INTO retention.runs (policy, triggered_by, owner) VALUES ('p', 'manual', 'postgres');
INSERT INTO retention.runs (policy, triggered_by, owner, status, rows_pruned)
	VALUES ('p', 'schedule', 'postgres', 'succeeded', 42);
));
my $policies_query =
  q(SELECT name, relation, time_column, time_unit, retain, schedule, batch_size, reason, owner, created_at
	FROM retention.policies ORDER BY name);
my $runs_query =
  q(SELECT id, policy, triggered_by, status, rows_pruned, owner, started_at FROM retention.runs ORDER BY id);
my $policies_before = $node->safe_psql('dump_source', $policies_query);
my $runs_before     = $node->safe_psql('dump_source', $runs_query);
my @policy_rows = split /\n/, $policies_before;
my @run_rows    = split /\n/, $runs_before;
is(scalar(@policy_rows), 2, 'two policies to dump');
is(scalar(@run_rows),    2, 'two runs to dump');

my $dump = $PostgreSQL::Test::Utils::tmp_check . '/retention.dump';
$node->command_ok(
	[ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('dump_source') ],
	'pg_dump -Fc of a database with retention');
$node->safe_psql('postgres', 'CREATE DATABASE dump_target');
is( $node->safe_psql(
		'dump_target',
		"SELECT count(*) FROM pg_extension WHERE extname = 'retention'"),
	'0',
	'the target database has no extension yet');
$node->command_ok(
	[
		'pg_restore', '--exit-on-error', '-d', $node->connstr('dump_target'),
		$dump
	],
	'pg_restore into a fresh database');
is( $node->safe_psql(
		'dump_target',
		"SELECT extversion FROM pg_extension WHERE extname = 'retention'"),
	'0.3.0',
	'pg_restore created the extension');
is($node->safe_psql('dump_target', $policies_query),
	$policies_before, 'the policy rows came back unchanged');
is($node->safe_psql('dump_target', $runs_query),
	$runs_before, 'the run rows came back unchanged');
is( $node->safe_psql(
		'dump_target',
		q(INSERT INTO retention.runs (policy, triggered_by, owner)
		  VALUES ('p', 'manual', 'postgres') RETURNING id > 2)),
	't',
	'the run id sequence continues after the restored ids');
is( $node->safe_psql(
		'dump_target',
		"SELECT count(*) FROM pg_trigger WHERE tgrelid = 'retention.policies'::regclass AND tgname = 'validate'"
	),
	'1',
	'the validation trigger exists once after the restore');
like(
	psql_error(
		$node, 'dump_target',
		"INSERT INTO retention.policies (relation, time_column) VALUES ('public.logins', 'id')"
	),
	qr/needs a time_unit/,
	'the validation trigger works in the restored database');

########################################################################
# A node without shared_preload_libraries: the SQL API works, no launcher.
########################################################################
my $plain = PostgreSQL::Test::Cluster->new('not_preloaded');
$plain->init;
$plain->start;
$plain->safe_psql(
	'postgres', q(
CREATE EXTENSION retention;
CREATE TABLE public.events (id bigint, created_at timestamptz NOT NULL);
INSERT INTO retention.policies (relation, time_column, retain)
	VALUES ('public.events', 'created_at', '7 days');
));
is($plain->safe_psql('postgres', 'SELECT name, retain FROM retention.policies'),
	'events|7 days',
	'without preloading, CREATE EXTENSION works and a policy can be inserted');
like(
	psql_error(
		$plain, 'postgres',
		"INSERT INTO retention.policies (name, relation, time_column, time_zone) VALUES ('x', 'public.events', 'created_at', 'Mars/Olympus')"
	),
	qr/invalid time_zone "Mars\/Olympus"/,
	'without preloading, the validation trigger works');
# Give a (wrongly registered) launcher time to show up before checking.
$plain->safe_psql('postgres', 'SELECT pg_sleep(2)');
is( $plain->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention launcher'"
	),
	'0',
	'without preloading there is no launcher');
is($plain->safe_psql('postgres', "LOAD 'retention'; SHOW retention.enabled"),
	'on', 'the settings exist once the library is loaded');

# Without preloading there is no table of runs in flight: retention.cancel()
# finds a real run by its run lock and stops its worker after the batch.
$plain->safe_psql('postgres', q{
CREATE TABLE slow (id int, at timestamptz);
CREATE INDEX ON slow (at);
INSERT INTO slow SELECT g, now() - interval '2 days' - g * interval '1 second' FROM generate_series(1, 2000) g;
CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN PERFORM pg_sleep(0.02); RETURN OLD; END$$;
CREATE TRIGGER slow_delete BEFORE DELETE ON slow FOR EACH ROW EXECUTE FUNCTION slow_delete();
INSERT INTO retention.policies (relation, time_column, retain, batch_size) VALUES ('slow', 'at', '1 day', 10);
});
my $caller = $plain->background_psql('postgres', on_error_stop => 0);
$caller->query_until(qr/started/, q(\echo started
SELECT status FROM retention.run('slow');
));
ok( poll_until(
		$plain, 'postgres',
		"SELECT count(*) FROM retention.runs WHERE policy = 'slow' AND status = 'running' AND batches >= 2",
		'1', 20),
	'without preloading, a run is under way');
is($plain->safe_psql('postgres', "SELECT retention.cancel('slow')"), 't',
	'without preloading, retention.cancel() finds the run');
$caller->quit;
like($caller->{stdout}, qr/cancelled/, 'the run stopped, cancelled');
cmp_ok($plain->safe_psql('postgres', 'SELECT count(*) FROM slow'), '>', 0, 'before its end');
is($plain->safe_psql('postgres', "SELECT retention.cancel('slow')"), 'f',
	'with nothing running, retention.cancel() says false');
$plain->stop;
my $plain_log = slurp_file($plain->logfile);
unlike($plain_log, qr/retention launcher started/,
	'the node without preloading never started a launcher');
unlike($plain_log, qr/PANIC|TRAP/, 'no PANIC or TRAP without preloading');

########################################################################
# Clean stop, and the whole log.
########################################################################
ok($node->stop, 'the preloaded node stops cleanly');
my $log = slurp_file($node->logfile);
my $starts = () = $log =~ /retention launcher started/g;
cmp_ok($starts, '>=', 3,
	'the log shows the launcher starting at each of the three server starts');
unlike($log, qr/PANIC|TRAP/, 'no PANIC or TRAP in the server log');

done_testing();
