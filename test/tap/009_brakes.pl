# The brakes: max_rows_per_second paces a run to the rate it says;
# retention.pause holds runs in flight between batches and starts no
# scheduled run, until a reload turns it off; waiting counts against
# max_runtime; retention.max_replica_lag holds a run while a streaming
# standby whose replay is paused falls behind, and lets it finish once
# replay resumes, or once the standby is gone.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use RetentionTest;

my $node = retention_node('brakes', init => { allows_streaming => 1 });
$node->safe_psql('postgres', q{
CREATE EXTENSION retention;
CREATE FUNCTION rows_of(p text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT coalesce((SELECT rows_pruned FROM retention.progress WHERE policy = p), -1) $$;
});

# A table of $rows expired rows (and 10 young ones), indexed on its time.
sub expired_table
{
	my ($name, $rows) = @_;
	$node->safe_psql('postgres', qq{
CREATE TABLE $name (id int PRIMARY KEY, at timestamptz NOT NULL);
CREATE INDEX ON $name (at);
INSERT INTO $name SELECT g, now() - interval '3 days' FROM generate_series(1, $rows) g;
INSERT INTO $name SELECT g, now() FROM generate_series($rows + 1, $rows + 10) g;
ANALYZE $name;
});
}

sub set_and_reload
{
	my ($setting) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET $setting");
	$node->reload;
	usleep(300_000);
}

########################################################################
# 1. max_rows_per_second: 600 rows at 200 a second take 3 s.
########################################################################
expired_table('paced', 600);
$node->safe_psql('postgres', q{
INSERT INTO retention.policies (name, relation, time_column, retain, batch_size, max_rows_per_second, enabled)
VALUES ('paced', 'paced', 'at', '1 day', 1000, 200, false);
});
my ($status, $rows, $seconds) = split /\|/, $node->safe_psql('postgres', q{
SELECT status, rows_pruned, extract(epoch FROM finished_at - started_at)
FROM retention.run('paced')});
is("$status|$rows", 'succeeded|600', 'the rate-limited run pruned its 600 rows');
note(sprintf('600 rows at 200 rows/s took %.2f s', $seconds));
cmp_ok($seconds, '>=', 2.7, 'it took at least 600 / 200 s, less 10%');
cmp_ok($seconds, '<=', 3.6, 'and not much more');
is($node->safe_psql('postgres', q{SELECT pg_catalog.max(batches) FROM retention.runs WHERE policy = 'paced'}),
	'3', 'in batches of at most a second of the rate');
my ($ret, $out, $err) =
  $node->psql('postgres', "UPDATE retention.policies SET max_rows_per_second = 0 WHERE name = 'paced'");
like($err, qr/invalid max_rows_per_second 0: must be positive/, 'a rate of 0 is refused');

########################################################################
# 1b. retention.max_wal_per_second: a run writes no more WAL a second than
#     it says (its batches then hold at most a hundredth of a second of it);
#     0 lets it go as fast as it can.
########################################################################
expired_table('walpaced', 40000);
$node->safe_psql('postgres', q{
INSERT INTO retention.policies (name, relation, time_column, retain, enabled)
VALUES ('walpaced', 'walpaced', 'at', '1 day', false);
CHECKPOINT;
});
set_and_reload("retention.max_wal_per_second = '1MB'");
my $lsn_before = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');
my ($wal_status, $wal_rows, $wal_batches, $wal_seconds) = split /\|/, $node->safe_psql('postgres', q{
SELECT status, rows_pruned, batches, extract(epoch FROM finished_at - started_at)
FROM retention.run('walpaced')});
my $wal_bytes = $node->safe_psql('postgres', "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn_before')");
is("$wal_status|$wal_rows", 'succeeded|40000', 'the WAL-paced run pruned its rows');
note(sprintf('%d rows, %.1f MB of WAL (the whole server\'s) at 1 MB/s: %.2f s in %d batches',
	$wal_rows, $wal_bytes / 1048576, $wal_seconds, $wal_batches));
# The server's WAL over the run includes the run row and the checkpoint's
# records, a little more than the run's own: allow 25%.
cmp_ok($wal_seconds, '>=', 0.75 * $wal_bytes / 1048576 - 0.2, 'the run took about its WAL / 1 MB/s');
cmp_ok($wal_batches, '>', 4, 'in batches of a hundredth of a second of WAL each, not 10 000 rows');
set_and_reload("retention.max_wal_per_second = 0");
$node->safe_psql('postgres', q{
INSERT INTO walpaced SELECT g, now() - interval '3 days' FROM generate_series(100001, 140000) g;
CHECKPOINT;
});
my ($fast_rows, $fast_batches, $fast_seconds) = split /\|/, $node->safe_psql('postgres', q{
SELECT rows_pruned, batches, extract(epoch FROM finished_at - started_at) FROM retention.run('walpaced')});
note(sprintf('as fast as it can: %d rows in %.2f s, %d batches', $fast_rows, $fast_seconds, $fast_batches));
is($fast_rows, 40000, 'with retention.max_wal_per_second = 0 the run pruned them too');
cmp_ok($fast_seconds, '<', $wal_seconds / 2, 'much faster');
is($fast_batches, 4, 'in batches of batch_size');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET retention.max_wal_per_second');
$node->reload;

########################################################################
# 2. retention.pause holds a run in flight and scheduled runs; off, they go on.
########################################################################
expired_table('held', 300);
$node->safe_psql('postgres', q{
CREATE TABLE ticks (id int, at timestamptz NOT NULL);
INSERT INTO retention.policies (name, relation, time_column, retain, batch_size, batch_delay, enabled)
VALUES ('held', 'held', 'at', '1 day', 10, '200 ms', false);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule)
VALUES ('tick', 'ticks', 'at', '1 day', '1 second');
});
ok( poll_until(
		$node, 'postgres', q{SELECT sum(repeats) >= 2 FROM retention.runs WHERE policy = 'tick'}, 't', 30),
	'the 1-second policy runs');
my $runner = $node->background_psql('postgres', on_error_stop => 0);
$runner->query_until(qr/started/, "\\echo started\nSELECT status, rows_pruned FROM retention.run('held');\n");
ok(poll_until($node, 'postgres', q{SELECT rows_of('held') >= 30}, 't', 30), 'the run is under way');
set_and_reload('retention.pause = on');
ok( poll_until(
		$node, 'postgres', q{SELECT waiting_for FROM retention.progress WHERE policy = 'held'},
		'pause: retention.pause is on', 10),
	'paused: the run says it waits for the pause');
my $ticks_before = $node->safe_psql('postgres', q{SELECT sum(repeats) FROM retention.runs WHERE policy = 'tick'});
my $held_rows = $node->safe_psql('postgres', q{SELECT rows_of('held')});
sleep(3);
is($node->safe_psql('postgres', q{SELECT rows_of('held')}), $held_rows, "paused: no batch in 3 s (still $held_rows rows)");
is($node->safe_psql('postgres', q{SELECT sum(repeats) FROM retention.runs WHERE policy = 'tick'}),
	$ticks_before, 'paused: the 1-second policy did not run in 3 s');

# Waiting counts against max_runtime: a run that can only wait ends 'partial'.
expired_table('short', 50);
$node->safe_psql('postgres', q{
INSERT INTO retention.policies (name, relation, time_column, retain, max_runtime, enabled)
VALUES ('short', 'short', 'at', '1 day', '2 seconds', false);
});
my $t0 = time();
($status, $rows) = split /\|/, $node->safe_psql('postgres', q{SELECT status, rows_pruned FROM retention.run('short')});
my $took = time() - $t0;
is("$status|$rows", 'partial|0', 'paused, a run with max_runtime 2 s ends partial, nothing pruned');
cmp_ok($took, '<', 6, sprintf('after about its max_runtime (%.1f s)', $took));
is($node->safe_psql('postgres', q{SELECT count(*) FROM retention.run('short', dry_run => true)}),
	'1', 'a dry run is not held');

set_and_reload('retention.pause = off');
ok( poll_until(
		$node, 'postgres', q{SELECT status || '|' || rows_pruned FROM retention.runs WHERE policy = 'held'},
		'succeeded|300', 30),
	'pause off: the held run goes on and prunes its 300 rows');
ok( poll_until(
		$node, 'postgres', "SELECT sum(repeats) > $ticks_before FROM retention.runs WHERE policy = 'tick'", 't', 15),
	'pause off: the 1-second policy runs again');
$runner->quit;
$node->safe_psql('postgres', q{UPDATE retention.policies SET enabled = false WHERE name = 'tick'});

########################################################################
# 3. retention.max_replica_lag: a standby whose replay is paused holds a
#    run; replay resumed, the run finishes; a standby gone does not hold.
########################################################################
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
set_and_reload("retention.max_replica_lag = '1s'");

expired_table('lagged', 400);
$node->safe_psql('postgres', q{
INSERT INTO retention.policies (name, relation, time_column, retain, batch_size, batch_delay, enabled)
VALUES ('lagged', 'lagged', 'at', '1 day', 10, '100 ms', false);
});
$node->wait_for_catchup($standby);
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$runner = $node->background_psql('postgres', on_error_stop => 0);
$runner->query_until(qr/started/, "\\echo started\nSELECT status, rows_pruned FROM retention.run('lagged');\n");
ok( poll_until(
		$node, 'postgres', q{SELECT waiting_for LIKE 'replica lag: standby (%) is % s behind (retention.max_replica_lag = 1.0 s)'
		                    FROM retention.progress WHERE policy = 'lagged'}, 't', 20),
	'replay paused: the run waits, saying which standby is how far behind');
my $lag_rows = $node->safe_psql('postgres', q{SELECT rows_of('lagged')});
sleep(2);
is($node->safe_psql('postgres', q{SELECT rows_of('lagged')}), $lag_rows, "no batch while it is behind (still $lag_rows rows)");
cmp_ok($lag_rows, '<', 400, 'the run is held mid-way');
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
ok( poll_until(
		$node, 'postgres', q{SELECT status || '|' || rows_pruned FROM retention.runs WHERE policy = 'lagged'},
		'succeeded|400', 60),
	'replay resumed: the run finishes, 400 rows');
$runner->quit;

# A standby that is gone does not hold a run for ever.
$node->safe_psql('postgres', q{INSERT INTO lagged SELECT g, now() - interval '3 days' FROM generate_series(1001, 1300) g});
$node->wait_for_catchup($standby);
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$runner = $node->background_psql('postgres', on_error_stop => 0);
$runner->query_until(qr/started/, "\\echo started\nSELECT status, rows_pruned FROM retention.run('lagged');\n");
ok( poll_until(
		$node, 'postgres', q{SELECT waiting_for LIKE 'replica lag:%' FROM retention.progress WHERE policy = 'lagged'},
		't', 20),
	'held again by the paused standby');
$standby->stop('immediate');
ok( poll_until(
		$node, 'postgres',
		q{SELECT status || '|' || rows_pruned FROM retention.runs WHERE policy = 'lagged' ORDER BY id DESC LIMIT 1},
		'succeeded|300', 60),
	'the standby gone (disconnected), the run finishes');
$runner->quit;

$node->stop;
done_testing();
