# A scheduler that scales: 60 databases, each with a policy due every 5
# seconds, on a server with max_worker_processes = 16 and the default
# retention.max_workers = 4. Throughout, pg_stat_activity is sampled every
# 100 ms: retention never has more workers than its budget (nor a second
# launcher). Stated bound: every policy runs at most 10 s after it is due.
# Manual runs in any database succeed meanwhile. Policies of one database
# run in parallel, parents after their children. Launcher and workers terminated over and over mid-run: no run
# is left 'running', no policy ever has two runs at once, nothing is lost.
# A lower budget applies after a reload; a database with long runs leaves
# a slot to the others (the fair share).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use Time::Local qw(timegm);

use RetentionTest;

my $test_start = time();
my $databases = 60;
my $interval = 5;       # seconds between runs of each policy
my $late_bound = 10;    # seconds a run may start after it is due
my $budget = 4;

my $node = retention_node('scale', conf => "max_worker_processes = 16\nlog_min_messages = info");
$node->safe_psql('postgres', q{
CREATE TABLE samples (at timestamptz NOT NULL, workers int NOT NULL, launchers int NOT NULL);
});

# The sampler: a session that counts retention's processes every 100 ms,
# each sample committed, until it is told to stop.
my $sampler = $node->background_psql('postgres', on_error_stop => 0, timeout => 900);
$sampler->set_query_timer_restart();
$sampler->query_until(qr/sampling/, q(\echo sampling
CREATE TABLE stop_sampling (stop boolean);
DO $$
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		INSERT INTO samples
		SELECT clock_timestamp(),
		       count(*) FILTER (WHERE backend_type = 'retention worker'),
		       count(*) FILTER (WHERE backend_type = 'retention launcher')
		FROM pg_stat_activity;
		COMMIT;
		EXIT WHEN EXISTS (SELECT FROM stop_sampling);
		PERFORM pg_sleep(0.1);
	END LOOP;
END $$;
\echo stopped
));

sub most_workers_between
{
	my ($from, $to) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce(max(workers), 0) || '|' || coalesce(max(launchers), 0) || '|' || count(*) FROM samples "
		  . "WHERE at BETWEEN to_timestamp($from) AND to_timestamp($to)");
}

########################################################################
# 1. 60 databases, one policy each, due every 5 s; a second, disabled
#    policy in each for manual runs.
########################################################################
my @dbs = map { sprintf('db%02d', $_) } 1 .. $databases;
for my $db (@dbs)
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, qq{
CREATE EXTENSION retention;
CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz NOT NULL);
INSERT INTO events (at) SELECT now() - interval '2 days' FROM generate_series(1, 10);
INSERT INTO events (at) SELECT now() FROM generate_series(1, 3);
CREATE TABLE manual (id bigserial PRIMARY KEY, at timestamptz NOT NULL);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule)
	VALUES ('p_$db', 'events', 'at', '1 day', '$interval seconds');
INSERT INTO retention.policies (name, relation, time_column, retain, enabled)
	VALUES ('m_$db', 'manual', 'at', '1 day', false);
});
}
my $created = time();
note(sprintf('%d databases created in %.0f s', $databases, $created - $test_start));
# Every database pruned once.
my $all_pruned = 1;
for my $db (@dbs)
{
	$all_pruned &&= poll_until($node, $db, 'SELECT count(*) FROM events', '3', 60);
}
ok($all_pruned, "every one of the $databases databases was pruned on schedule");
note(sprintf('all pruned %.0f s after the last database was created', time() - $created));

# The window: 40 s of steady state, with manual runs in random databases.
my $window_start = time();
my $manual_ok = 0;
my $manual_tries = 0;
my $manual_slowest = 0;
while (time() - $window_start < 40)
{
	my $db = $dbs[ int(rand($databases)) ];
	$node->safe_psql($db, "INSERT INTO manual (at) VALUES (now() - interval '2 days')");
	my $t = time();
	my ($ret, $out, $err) = $node->psql($db, "SET statement_timeout = '30s'; SELECT status, rows_pruned FROM retention.run('m_$db')");
	my $took = time() - $t;
	$manual_slowest = $took if $took > $manual_slowest;
	$manual_tries++;
	if ($ret == 0 && $out eq 'succeeded|1') { $manual_ok++; }
	else { diag("manual run in $db: $ret $out $err"); }
	usleep(700_000);
}
my $window_end = time();
is($manual_ok, $manual_tries, "all $manual_tries manual runs in random databases succeeded during the window");
note(sprintf('slowest manual run: %.2f s', $manual_slowest));

my ($most, $launchers, $samples) = split /\|/, most_workers_between($created, $window_end);
cmp_ok($samples, '>', 100, "pg_stat_activity was sampled ($samples samples)");
cmp_ok($most, '<=', $budget, "never more than retention.max_workers = $budget workers ($most at most)");
cmp_ok($most, '>=', 2, "several workers at once ($most)");
is($launchers, 1, 'one launcher');

# Lateness, from the server log (its time stamps are UTC): for each run of
# a policy that ended in the window, the gap since the policy's run before
# is the interval plus how late this one started (runs take milliseconds).
my $log = slurp_file($node->logfile);
my %ends;
while ($log =~ /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d\.\d+) UTC \[\d+\] LOG:  retention: (p_db\d\d): run \d+ succeeded/mg)
{
	push @{ $ends{$7} }, timegm(0, $5, $4, $3, $2 - 1, $1) + $6;
}
my @late;
my ($fewest, $fewest_policy) = (1e9, '');
for my $db (@dbs)
{
	my @t = @{ $ends{"p_$db"} // [] };
	my $count = 0;
	for my $i (1 .. $#t)
	{
		next if $t[$i] < $window_start || $t[$i] > $window_end;
		push @late, $t[$i] - $t[ $i - 1 ] - $interval;
		$count++;
	}
	($fewest, $fewest_policy) = ($count, "p_$db") if $count < $fewest;
}
@late = sort { $a <=> $b } @late;
my $p50 = $late[ int(@late * 0.5) ] // -1;
my $p99 = $late[ int(@late * 0.99) ] // -1;
my $max = $late[-1] // -1;
note(sprintf('lateness over %d runs: p50 %.2f s, p99 %.2f s, max %.2f s', scalar(@late), $p50, $p99, $max));
cmp_ok($fewest, '>=', 4, "every policy ran at least 4 times in 40 s (fewest: $fewest_policy, $fewest)");
cmp_ok($max, '<=', $late_bound, "every run started at most $late_bound s after it was due (max $max s)");

########################################################################
# 2. Policies of one database run in parallel, parents after their
#    children.
########################################################################
$node->safe_psql('postgres', 'CREATE DATABASE fk');
$node->safe_psql('fk', q{
CREATE EXTENSION retention;
CREATE TABLE parent (id int PRIMARY KEY, at timestamptz NOT NULL);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, at timestamptz NOT NULL);
CREATE TABLE solo (id int PRIMARY KEY, at timestamptz NOT NULL);
INSERT INTO parent SELECT g, now() - interval '2 days' FROM generate_series(1, 40) g;
INSERT INTO child SELECT g, g, now() - interval '2 days' FROM generate_series(1, 40) g;
INSERT INTO solo SELECT g, now() - interval '2 days' FROM generate_series(1, 40) g;
-- Hourly, last edited two hours ago: due at once, in one transaction.
BEGIN;
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, batch_size, batch_delay, updated_at)
	VALUES ('a_parent', 'parent', 'at', '1 day', '1 hour', 100, '0', now() - interval '2 hours'),
	       ('z_child', 'child', 'at', '1 day', '1 hour', 5, '300 ms', now() - interval '2 hours'),
	       ('solo', 'solo', 'at', '1 day', '1 hour', 5, '300 ms', now() - interval '2 hours');
COMMIT;
});
ok( poll_until(
		$node, 'fk',
		"SELECT count(*) FROM retention.runs WHERE status = 'succeeded' AND rows_pruned = 40",
		'3', 60),
	'fk: the three policies ran, each pruning its 40 rows');
is( $node->safe_psql('fk', q{
SELECT p.started_at >= c.finished_at
FROM retention.runs p, retention.runs c WHERE p.policy = 'a_parent' AND c.policy = 'z_child'}),
	't', 'fk: the parent\'s run started after its child\'s ended (children first, though "a_parent" sorts first)');
is( $node->safe_psql('fk', q{
SELECT s.started_at < c.finished_at AND c.started_at < s.finished_at AND s.pid <> c.pid
FROM retention.runs s, retention.runs c WHERE s.policy = 'solo' AND c.policy = 'z_child'}),
	't', 'fk: the unrelated policy ran at the same time as the child, in another worker');
is($node->safe_psql('fk', 'SELECT count(*) FROM child') . '|' . $node->safe_psql('fk', 'SELECT count(*) FROM parent'),
	'0|0', 'fk: both tables pruned, no foreign key error');

########################################################################
# 3. Kills: the launcher and the workers terminated over and over, mid-run.
########################################################################
# Slow runs in ten databases: 30 batches each, 200 ms apart.
my @slow = @dbs[ 0 .. 9 ];
for my $db (@slow)
{
	$node->safe_psql($db, q{
CREATE TABLE slow (id bigserial PRIMARY KEY, at timestamptz NOT NULL, keep boolean NOT NULL);
INSERT INTO slow (at, keep) SELECT now() - interval '2 days', false FROM generate_series(1, 150);
INSERT INTO slow (at, keep) SELECT now(), true FROM generate_series(1, 20);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, batch_size, batch_delay)
	VALUES ('slow', 'slow', 'at', '1 day', '2 seconds', 5, '200 ms');
});
}
my $storm_start = time();
my $terminated = 0;
for my $round (1 .. 12)
{
	usleep(1_500_000);
	$terminated += $node->safe_psql('postgres',
		"SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'retention worker' AND state = 'active' ORDER BY random() LIMIT 2) t");
	if ($round % 4 == 0)
	{
		$node->safe_psql('postgres',
			"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'retention launcher'");
	}
}
my $storm_end = time();
note("terminated $terminated workers and the launcher 3 times in " . sprintf('%.0f s', $storm_end - $storm_start));
cmp_ok($terminated, '>', 0, 'workers were terminated mid-run');
my $all_slow_done = 1;
for my $db (@slow)
{
	$all_slow_done &&= poll_until($node, $db,
		"SELECT count(*) FILTER (WHERE keep) || '|' || count(*) FILTER (WHERE NOT keep) FROM slow", '20|0', 90);
}
ok($all_slow_done, 'after the storm every expired row of the slow tables is pruned, every young one kept');
my ($running_left, $overlaps, $cancelled) = (0, 0, 0);
for my $db (@slow)
{
	$running_left += $node->safe_psql($db,
		"SELECT count(*) FROM retention.runs WHERE status = 'running' AND pid NOT IN (SELECT pid FROM pg_stat_activity)");
	$overlaps += $node->safe_psql($db, q{
SELECT count(*) FROM retention.runs a JOIN retention.runs b ON a.policy = b.policy AND a.id < b.id
WHERE NOT a.dry_run AND NOT b.dry_run AND b.started_at < coalesce(a.finished_at, 'infinity')});
	$cancelled += $node->safe_psql($db, "SELECT count(*) FROM retention.runs WHERE policy = 'slow' AND status = 'cancelled'");
}
is($running_left, 0, 'no run is left running by a worker that is gone');
is($overlaps, 0, 'no policy ever had two runs at once');
cmp_ok($cancelled, '>', 0, "terminated runs were recorded cancelled ($cancelled)");
($most, $launchers) = split /\|/, most_workers_between($storm_start, time());
cmp_ok($most, '<=', $budget, "during and after the storm, at most $budget workers ($most)");
is($launchers, 1, 'never two launchers');
my $late_run = $node->safe_psql($dbs[-1], "SELECT max(started_at) > now() - interval '20 seconds' FROM retention.runs WHERE policy = 'p_$dbs[-1]'");
is($late_run, 't', 'the 5-second policies still run');

########################################################################
# 4. A lower budget after a reload.
########################################################################
$node->safe_psql('postgres', 'ALTER SYSTEM SET retention.max_workers = 2');
$node->reload;
sleep(5);
my $low_start = time();
sleep(15);
($most) = split /\|/, most_workers_between($low_start, time());
cmp_ok($most, '<=', 2, "with retention.max_workers = 2, at most 2 workers ($most)");
cmp_ok($most, '>=', 1, 'and still some');
my $still = $node->safe_psql($dbs[5], "SELECT max(started_at) > now() - interval '20 seconds' FROM retention.runs WHERE policy = 'p_$dbs[5]'");
is($still, 't', 'policies still run within the lower budget');

########################################################################
# 5. The fair share: with a budget of 2, a database with two long runs
#    due at once runs them one after the other, leaving the other slot to
#    the 59 databases whose policies are due every 5 s.
########################################################################
my $hog = $dbs[20];
$node->safe_psql($hog, q{
CREATE TABLE long_a (id bigserial PRIMARY KEY, at timestamptz NOT NULL);
CREATE TABLE long_b (id bigserial PRIMARY KEY, at timestamptz NOT NULL);
INSERT INTO long_a (at) SELECT now() - interval '2 days' FROM generate_series(1, 120);
INSERT INTO long_b (at) SELECT now() - interval '2 days' FROM generate_series(1, 120);
BEGIN;
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, batch_size, batch_delay, updated_at)
	VALUES ('long_a', 'long_a', 'at', '1 day', '1 hour', 4, '200 ms', now() - interval '2 hours'),
	       ('long_b', 'long_b', 'at', '1 day', '1 hour', 4, '200 ms', now() - interval '2 hours');
COMMIT;
});
ok( poll_until(
		$node, $hog,
		"SELECT count(*) FROM retention.runs WHERE policy IN ('long_a', 'long_b') AND status = 'succeeded' AND rows_pruned = 120",
		'2', 90),
	'fair share: both long runs ended, each pruning its 120 rows');
is( $node->safe_psql($hog, q{
SELECT a.started_at >= b.finished_at OR b.started_at >= a.finished_at
FROM retention.runs a, retention.runs b WHERE a.policy = 'long_a' AND b.policy = 'long_b'}),
	't', 'fair share: with a budget of 2 and other databases due, the two long runs did not hold both slots at once');
my ($long_from, $long_to) = split /\|/, $node->safe_psql($hog, q{
SELECT extract(epoch FROM min(started_at)) || '|' || extract(epoch FROM max(finished_at))
FROM retention.runs WHERE policy IN ('long_a', 'long_b')});
# Runs that prune nothing fold into one row of retention.runs: count the
# other databases' runs in the server log.
my $others_ran = 0;
$log = slurp_file($node->logfile);
while ($log =~ /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d\.\d+) UTC \[\d+\] LOG:  retention: p_db\d\d: run \d+ succeeded/mg)
{
	my $at = timegm(0, $5, $4, $3, $2 - 1, $1) + $6;
	$others_ran++ if $at > $long_from && $at < $long_to;
}
note(sprintf('long runs took %.1f s in all; the other databases had %d runs meanwhile', $long_to - $long_from, $others_ran));
cmp_ok($others_ran, '>=', 20, 'fair share: the other databases kept running their 5-second policies meanwhile');

$node->safe_psql('postgres', 'ALTER SYSTEM RESET retention.max_workers');
$node->reload;

$node->safe_psql('postgres', 'INSERT INTO stop_sampling VALUES (true)');
$sampler->query_until(qr/stopped/, '');
$sampler->quit;
$node->stop;
unlike(slurp_file($node->logfile), qr/PANIC|TRAP|terminating any other active server processes/,
	'no crash in the server log');
note(sprintf('007_scale took %.0f s', time() - $test_start));

done_testing();
