# Scheduled runs across stops, crashes, terminated workers and failover:
# a run cut short by an immediate shutdown is settled as 'failed' when the
# server comes back and the next scheduled run finishes the job; a fast
# shutdown or a terminated worker cancels the run in flight after its
# batch ('cancelled', committed batches counted) and the launcher brings the
# worker back; a hot standby runs no worker until it is promoted, and then
# prunes on schedule.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use RetentionTest;

my $test_start = time();

# A table of $count expired rows (distinct times, with an index, so batches
# walk the index and each holds exactly batch_size rows) and a slow policy:
# 10 rows a batch, 300 ms apart, so a run of 200 rows takes about 6 s.
sub create_slow_policy
{
	my ($node, $count) = @_;
	$node->safe_psql(
		'postgres', qq{
CREATE EXTENSION retention;
CREATE TABLE slow (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL);
CREATE INDEX ON slow (created_at);
INSERT INTO slow (created_at) SELECT now() - interval '2 hours' - g * interval '1 second' FROM generate_series(1, $count) g;
INSERT INTO slow (created_at) SELECT now() FROM generate_series(1, 5);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, batch_size, batch_delay)
	VALUES ('slow', 'slow', 'created_at', '1 hour', '2 seconds', 10, '300 ms');
});
}

sub add_expired_rows
{
	my ($node, $count) = @_;
	$node->safe_psql('postgres',
		"INSERT INTO slow (created_at) SELECT now() - interval '3 hours' - g * interval '1 second' FROM generate_series(1, $count) g"
	);
}

# Waits for a scheduled run of "slow" newer than $after_id that is running
# and has committed a batch; returns its id or ''.
sub wait_for_run_in_flight
{
	my ($node, $after_id) = @_;
	return poll_value($node, 'postgres',
		"SELECT id FROM retention.runs WHERE policy = 'slow' AND triggered_by = 'schedule' AND status = 'running' AND batches > 0 AND id > $after_id",
		20);
}

# Waits until no expired row of "slow" is left and the run that pruned the
# last ones has completed its record.
sub wait_until_all_pruned
{
	my ($node, $seconds) = @_;
	return poll_until(
		$node, 'postgres', q{
SELECT NOT EXISTS (SELECT 1 FROM slow WHERE created_at < now() - interval '1 hour')
   AND NOT EXISTS (SELECT 1 FROM retention.runs WHERE policy = 'slow' AND status = 'running' AND rows_pruned > 0)},
		't', $seconds);
}

sub max_run_id
{
	my ($node) = @_;
	return $node->safe_psql('postgres', 'SELECT coalesce(max(id), 0) FROM retention.runs');
}

########################################################################
# 9b (started first, finished last). pg_terminate_backend() of the
# worker during a scheduled run: the run is cancelled after its batch in
# flight, and the launcher starts a new worker (the terminated one had not
# said when its database is due next: it is due at once). The other cases
# run meanwhile.
########################################################################
my $lone = retention_node('terminated');
create_slow_policy($lone, 200);
my $lone_launcher = $lone->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'retention launcher'");
my $lone_run = wait_for_run_in_flight($lone, 0);
like($lone_run, qr/^\d+$/, 'terminate: a scheduled run is in flight');
my $lone_worker = $lone->safe_psql('postgres', "SELECT pid FROM retention.runs WHERE id = $lone_run");
is($lone->safe_psql('postgres', "SELECT backend_type FROM pg_stat_activity WHERE pid = $lone_worker"),
	'retention worker', 'terminate: a retention worker runs it');
is($lone->safe_psql('postgres', "SELECT pg_terminate_backend($lone_worker)"),
	't', 'terminate: pg_terminate_backend() signals the worker');
my $terminated_at = time();
ok( poll_until(
		$lone, 'postgres',
		"SELECT status, error IS NULL, rows_pruned = 10 * batches, batches BETWEEN 1 AND 19 FROM retention.runs WHERE id = $lone_run",
		'cancelled|t|t|t', 10),
	'terminate: the run becomes cancelled after whole batches, before the end'
);
ok( poll_until(
		$lone, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE pid = $lone_worker",
		'0', 10),
	'terminate: the worker is gone');
is( $lone->safe_psql(
		'postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'retention launcher'"),
	$lone_launcher,
	'terminate: the launcher is unaffected');
my $lone_left = $lone->safe_psql('postgres', "SELECT 200 - sum(rows_pruned) FROM retention.runs WHERE id <= $lone_run");
cmp_ok($lone_left, '>', 0, "terminate: expired rows were left for later ($lone_left)");

########################################################################
# 8. Immediate shutdown in the middle of a scheduled run.
########################################################################
my $node = retention_node('crashy');
create_slow_policy($node, 200);
my $run = wait_for_run_in_flight($node, 0);
like($run, qr/^\d+$/, 'immediate: a scheduled run is in flight');
my $offset = -s $node->logfile;
$node->stop('immediate');
$node->start;
ok( poll_until(
		$node, 'postgres',
		"SELECT status, finished_at IS NOT NULL, rows_pruned = 10 * batches, batches BETWEEN 0 AND 19 FROM retention.runs WHERE id = $run",
		'failed|t|t|t', 15),
	# The run row commits durably; batches do not wait for their WAL flush
	# (retention.batch_synchronous_commit = off), so the last ones may be
	# undone by the crash, their counts with them.
	'immediate: after the restart the interrupted run is settled as failed, its surviving batches counted'
);
like(
	$node->safe_psql('postgres', "SELECT error FROM retention.runs WHERE id = $run"),
	qr/server stopped during the run/,
	'immediate: its error says the server stopped during the run');
ok( wait_for_log_count(
		$node, qr/settled 1 runs left running by a stopped server as failed/,
		1, $offset, 5),
	'immediate: the first worker logged that it settled the run at its start');
ok(wait_until_all_pruned($node, 20),
	'immediate: a later scheduled run prunes the rest');
is( $node->safe_psql(
		'postgres',
		"SELECT sum(rows_pruned), count(*) FILTER (WHERE status = 'failed'), bool_and(triggered_by = 'schedule') FROM retention.runs WHERE policy = 'slow'"
	),
	'200|1|t',
	'immediate: the runs pruned 200 rows in all, exactly the expired ones, with one failed run');
is( $node->safe_psql(
		'postgres',
		"SELECT status, rows_pruned > 0 FROM retention.runs WHERE policy = 'slow' AND id > $run AND rows_pruned > 0"
	),
	'succeeded|t',
	'immediate: the run that finished the job succeeded');
is($node->safe_psql('postgres', 'SELECT count(*) FROM slow'),
	'5', 'immediate: the rows that had not expired are kept');

########################################################################
# 9a. Fast shutdown in the middle of a scheduled run: SIGTERM, the run
#     stops after its batch and records 'cancelled'.
########################################################################
my $before = max_run_id($node);
add_expired_rows($node, 200);
$run = wait_for_run_in_flight($node, $before);
like($run, qr/^\d+$/, 'fast: a scheduled run is in flight');
$offset = -s $node->logfile;
$node->stop('fast');
ok( $node->log_contains(qr/retention: slow: run $run cancelled: \d+ rows pruned/, $offset),
	'fast: the run worker logged its cancellation before the server stopped');
$node->start;
is( $node->safe_psql(
		'postgres',
		"SELECT status, finished_at IS NOT NULL, error IS NULL, rows_pruned = 10 * batches, batches BETWEEN 1 AND 19 FROM retention.runs WHERE id = $run"
	),
	'cancelled|t|t|t|t',
	'fast: after the restart the run is cancelled (not failed), rows_pruned = 10 x batches');
ok(wait_until_all_pruned($node, 20), 'fast: a later scheduled run prunes the rest');
is( $node->safe_psql(
		'postgres',
		"SELECT sum(rows_pruned), count(*) FILTER (WHERE status IN ('failed', 'partial')) FROM retention.runs WHERE policy = 'slow' AND id > $before"
	),
	'200|0',
	'fast: the runs since pruned 200 rows in all, none failed');
ok(!$node->log_contains(qr/settled \d+ runs left running/, $offset),
	'fast: nothing was left running to settle');

########################################################################
# 10. A hot standby runs no worker; after promotion it prunes on schedule.
########################################################################
my $primary = retention_node('primary', init => { allows_streaming => 1 });
$primary->safe_psql('postgres', 'CREATE EXTENSION retention');
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# The primary must not prune: retention.enabled = off in its own
# configuration (ALTER SYSTEM after the backup: not in the standby's).
$primary->safe_psql('postgres', 'ALTER SYSTEM SET retention.enabled = off');
$primary->reload;
ok( poll_until(
		$primary, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker'",
		'0', 10),
	'standby: the primary stops scheduling');
$primary->safe_psql(
	'postgres', q{
CREATE TABLE sessions (id bigserial PRIMARY KEY, expires_at timestamptz NOT NULL);
INSERT INTO sessions (expires_at) SELECT now() - interval '1 day' FROM generate_series(1, 25);
INSERT INTO sessions (expires_at) SELECT now() + interval '1 day' FROM generate_series(1, 5);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule)
	VALUES ('sessions', 'sessions', 'expires_at', '0', '2 seconds');
});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'standby: it is in recovery');
is($standby->safe_psql('postgres', 'SHOW retention.enabled'),
	'on', 'standby: retention.enabled is on in its own configuration');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM sessions'),
	'30', 'standby: the rows have been replicated');
sleep(5);
is( $standby->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'retention%'"),
	'0',
	'standby: no retention launcher or worker runs during recovery');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM sessions'),
	'30', 'standby: after 5 s the expired rows are still there');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM retention.runs'),
	'0', 'standby: the primary has not run the policy either');
ok(!$standby->log_contains(qr/retention launcher started/),
	'standby: its log shows no launcher start before the promotion');

$primary->stop;
$standby->promote;
my $promoted_at = time();
ok( poll_until(
		$standby, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention launcher'",
		'1', 20),
	'standby: after promotion a launcher starts');
like(wait_for_worker($standby, 'postgres', 20),
	qr/^\d+$/, 'standby: and a worker for its database');
ok(poll_until($standby, 'postgres', 'SELECT count(*) FROM sessions', '5', 20),
	'standby: the expired rows are pruned after the promotion');
note(sprintf('standby: pruned %.1f s after promotion', time() - $promoted_at));
is( $standby->safe_psql(
		'postgres',
		"SELECT triggered_by, status, rows_pruned FROM retention.runs WHERE policy = 'sessions' ORDER BY id LIMIT 1"
	),
	'schedule|succeeded|25',
	'standby: by a scheduled run that pruned exactly the 25 expired rows');
$standby->stop;

########################################################################
# 9b, continued: a new worker prunes the rest.
########################################################################
ok(wait_until_all_pruned($lone, 20), 'terminate: a new worker prunes the rest');
my $new_worker = $lone->safe_psql('postgres', "SELECT pid FROM retention.runs WHERE id > $lone_run AND rows_pruned > 0 ORDER BY id LIMIT 1");
like($new_worker, qr/^\d+$/, 'terminate: in a run of its own');
isnt($new_worker, $lone_worker, 'terminate: by a new process');
is( $lone->safe_psql(
		'postgres',
		"SELECT sum(rows_pruned), count(*) FILTER (WHERE status = 'cancelled'), count(*) FILTER (WHERE status = 'failed') FROM retention.runs WHERE policy = 'slow'"
	),
	'200|1|0',
	'terminate: 200 rows pruned in all, one cancelled run, none failed');
$lone->stop;

########################################################################
# The logs.
########################################################################
$node->stop;
for my $n ($lone, $node, $primary, $standby)
{
	unlike(slurp_file($n->logfile), qr/PANIC|TRAP/,
		$n->name . ': no PANIC or TRAP in the server log');
}
# The immediate stop is the only crash recovery.
my $crashy_log = slurp_file($node->logfile);
my $recoveries = () = $crashy_log =~ /database system was not properly shut down/g;
is($recoveries, 1, 'crashy: one crash recovery, after the immediate stop only');
note(sprintf('003_failover took %.0f s', time() - $test_start));

done_testing();
