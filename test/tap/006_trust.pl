# Trust, where the server's life is involved: the settings a database's
# owner attaches to her database (ALTER DATABASE ... SET) do not reach the
# extension's workers; commands PostgreSQL refuses disturb no worker; a
# launcher restarted after an error starts no second worker where one
# serves; a manual run finds a slot when retention's worker holds the last
# one the postmaster has; a policy
# whose cutoff cannot be computed fails on record and backs off; a policy's
# owner can stop a scheduled run; DROP EXTENSION does not wait for a run.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use RetentionTest;

my $node = retention_node('trust');
$node->safe_psql('postgres', q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE DATABASE alicedb OWNER alice;
});

########################################################################
# 1. The database's owner sets search_path (through her schema, full of
# look-alikes of what the extension's statements call) and TimeZone
# for her database before the extension is created: the workers and the
# runs keep the server's settings.
########################################################################
$node->safe_psql('alicedb', q{
SET ROLE alice;
CREATE SCHEMA alice;
CREATE TABLE alice.caught (what text, as_role name);
CREATE FUNCTION alice.trap(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user) THEN
		INSERT INTO alice.caught VALUES (what, current_user);
		EXECUTE 'ALTER ROLE alice SUPERUSER';
	END IF;
END $$;
CREATE FUNCTION alice.now() RETURNS timestamptz LANGUAGE plpgsql AS
	$$BEGIN PERFORM alice.trap('now()'); RETURN pg_catalog.now(); END$$;
CREATE FUNCTION alice.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
	$$BEGIN PERFORM alice.trap('clock_timestamp()'); RETURN pg_catalog.clock_timestamp(); END$$;
CREATE FUNCTION alice.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS
	$$BEGIN PERFORM alice.trap('='); RETURN $1 OPERATOR(pg_catalog.=) $2; END$$;
CREATE OPERATOR alice.= (LEFTARG = text, RIGHTARG = text, FUNCTION = alice.text_eq);
CREATE FUNCTION alice.tz_le(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql AS
	$$BEGIN PERFORM alice.trap('<='); RETURN $1 OPERATOR(pg_catalog.<=) $2; END$$;
CREATE OPERATOR alice.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = alice.tz_le);
CREATE FUNCTION alice.plus(bigint, bigint) RETURNS bigint LANGUAGE plpgsql AS
	$$BEGIN PERFORM alice.trap('+'); RETURN $1 OPERATOR(pg_catalog.+) $2; END$$;
CREATE OPERATOR alice.+ (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = alice.plus);
-- Local times, 0.5 .. 47.5 hours old.
CREATE TABLE alice.local_events (id int, at timestamp);
INSERT INTO alice.local_events
	SELECT g, localtimestamp - (g || ' hours')::interval - interval '30 minutes' FROM generate_series(0, 47) g;
ALTER DATABASE alicedb SET search_path = alice, pg_catalog;
ALTER DATABASE alicedb SET TimeZone = 'Etc/GMT-14';
});
# From here on, this test's own sessions in alicedb set their search_path
# first (alice's look-alikes would catch them too).
my $safe = 'SET search_path = pg_catalog, public; ';
$node->safe_psql('alicedb', $safe . 'CREATE EXTENSION retention');
ok(wait_for_worker($node, 'alicedb', 20), 'a worker serves alicedb');
$node->safe_psql('alicedb', $safe . q{
SET ROLE alice;
INSERT INTO retention.policies (name, relation, time_column, retain, schedule)
VALUES ('local_events', 'alice.local_events', 'at', '24 hours', '2 seconds');
});
ok( poll_until(
		$node, 'alicedb',
		$safe . "SELECT count(*) >= 2 FROM retention.runs WHERE policy = 'local_events' AND status = 'succeeded'",
		't', 30),
	'the worker ran the policy twice');
is($node->safe_psql('alicedb', $safe . 'SELECT count(*) FROM alice.caught'), '0',
	'no look-alike in the owner\'s schema ran as a superuser');
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'alice'"), 'f',
	'alice is no superuser');
# Compared in the server's zone (UTC): the 24 rows 24.5 .. 47.5 hours old
# went, and none younger (in her zone, 14 hours east, rows 10.5 hours old
# would have looked expired).
is($node->safe_psql('alicedb', $safe . 'SELECT count(*), min(id), max(id) FROM alice.local_events'), '24|0|23',
	'the runs compared local times in the server\'s time zone');
is( $node->safe_psql('alicedb',
		$safe . "SELECT string_agg(DISTINCT owner::text, ',') FROM retention.runs WHERE policy = 'local_events'"),
	'alice', 'the runs ran as the policy\'s owner');
# Idle between runs, the worker shows no statement of its own (the last
# batch's text stayed in pg_stat_activity.query).
ok( poll_until(
		$node, 'postgres',
		"SELECT string_agg(backend_type || ':' || state || ':' || query, ',' ORDER BY backend_type) FROM pg_stat_activity "
		  . "WHERE datname = 'alicedb' AND backend_type LIKE 'retention%' AND state = 'idle'",
		'retention worker:idle:', 10),
	'the idle worker shows no query text');

########################################################################
# 2. Commands PostgreSQL refuses stop no worker: bob's DROP DATABASE,
# RENAME and SET TABLESPACE of alice's database, alice's RENAME without
# CREATEDB; nor does an ALTER DATABASE option that needs no exclusivity.
########################################################################
my $workers = sub {
	return $node->safe_psql('postgres',
		"SELECT string_agg(backend_type || ':' || pid, ',' ORDER BY backend_type, pid) FROM pg_stat_activity "
		  . "WHERE datname = 'alicedb' AND backend_type LIKE 'retention%'");
};
ok( poll_until(
		$node, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE datname = 'alicedb' AND backend_type LIKE 'retention%'",
		'1', 20),
	'alicedb has its worker');
my $before = $workers->();
for my $attempt (
	[ 'bob',   'DROP DATABASE alicedb' ],
	[ 'bob',   'DROP DATABASE alicedb WITH (FORCE)' ],
	[ 'bob',   'ALTER DATABASE alicedb RENAME TO bobdb' ],
	[ 'bob',   'ALTER DATABASE alicedb SET TABLESPACE pg_global' ],
	[ 'alice', 'ALTER DATABASE alicedb RENAME TO alicedb2' ])
{
	my ($role, $sql) = @$attempt;
	my ($ret) = $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
	isnt($ret, 0, "$role: \"$sql\" is refused");
}
$node->safe_psql('postgres', 'ALTER DATABASE alicedb CONNECTION LIMIT 50', extra_params => [ '-U', 'alice' ]);
usleep(1_500_000);
is($workers->(), $before, 'the refused commands, and CONNECTION LIMIT, left alicedb\'s workers alone');

########################################################################
# 3. A launcher that ends with an error is started again by the postmaster
# and finds the workers in the table of workers: it starts no second one
# where one serves, and the runs go on.
########################################################################
my $offset = -s $node->logfile;
my $alice_worker = $workers->();
my $alice_runs = $node->safe_psql('alicedb', $safe . "SELECT sum(repeats) FROM retention.runs WHERE policy = 'local_events'");
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE backend_type = 'retention launcher'");
ok(wait_for_log_count($node, qr/retention launcher started/, 1, $offset, 30), 'the launcher was started again');
usleep(3_000_000);
is($workers->(), $alice_worker, 'alicedb has the same one worker');
cmp_ok($node->safe_psql('alicedb', $safe . "SELECT sum(repeats) FROM retention.runs WHERE policy = 'local_events'"),
	'>', $alice_runs, 'and its policy ran on meanwhile');

########################################################################
# 4. A policy whose cutoff cannot be computed (its validation bypassed by a
# superuser) fails on record, naming the policy, and the scheduler backs
# off (it retried several times a second, with no record, before).
########################################################################
$node->safe_psql('alicedb', $safe . q{
CREATE TABLE public.odd (id int, at timestamptz);
-- Every minute, last edited two minutes ago: due at once; after a failure
-- the retry waits (at most half the period: 30 s). One transaction: a
-- worker may run the policy as soon as its row commits.
BEGIN;
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, updated_at)
VALUES ('odd', 'public.odd', 'at', '1 day', '1 minute', now() - interval '2 minutes');
ALTER TABLE retention.policies DISABLE TRIGGER validate;
UPDATE retention.policies SET retain = '178000000 years' WHERE name = 'odd';
ALTER TABLE retention.policies ENABLE TRIGGER validate;
COMMIT;
});
ok(poll_until($node, 'alicedb', $safe . "SELECT count(*) > 0 FROM retention.runs WHERE policy = 'odd'", 't', 15),
	'the worker tried the policy');
usleep(5_000_000);
is( $node->safe_psql('alicedb',
		$safe
		  . "SELECT status || '|' || repeats || '|' || (error LIKE 'retention policy \"odd\": invalid retain:%')::int "
		  . "FROM retention.runs WHERE policy = 'odd'"),
	'failed|1|1',
	'one failed run on record, naming the policy; the next waits for its back-off');
$node->safe_psql('alicedb', $safe . "DELETE FROM retention.policies WHERE name = 'odd'");

########################################################################
# 5. The owner of a policy stops its scheduled run with retention.cancel().
########################################################################
$node->safe_psql('alicedb', $safe . q{
SET ROLE alice;
CREATE TABLE alice.slow (id int, at timestamptz);
CREATE INDEX ON alice.slow (at);
INSERT INTO alice.slow SELECT g, pg_catalog.now() - interval '2 days' - g * interval '1 second' FROM generate_series(1, 2000) g;
CREATE FUNCTION alice.slow_delete() RETURNS trigger LANGUAGE plpgsql AS
	$$BEGIN PERFORM pg_catalog.pg_sleep(0.02); RETURN OLD; END$$;
CREATE TRIGGER slow_delete BEFORE DELETE ON alice.slow FOR EACH ROW EXECUTE FUNCTION alice.slow_delete();
-- Hourly, last edited two hours ago: due at once, and not again for an hour.
INSERT INTO retention.policies (name, relation, time_column, retain, batch_size, schedule, updated_at)
VALUES ('slow', 'alice.slow', 'at', '1 day', 10, '1 hour', pg_catalog.now() - interval '2 hours');
});
ok( poll_until(
		$node, 'alicedb',
		$safe . "SELECT count(*) FROM retention.runs WHERE policy = 'slow' AND status = 'running' AND batches >= 2",
		'1', 30),
	'the scheduled run of alice\'s policy is under way');
is($node->safe_psql('alicedb', $safe . "SELECT retention.cancel('slow')", extra_params => [ '-U', 'alice' ]),
	't', 'alice may cancel her scheduled run');
ok( poll_until(
		$node, 'alicedb',
		$safe . "SELECT status || '|' || triggered_by || '|' || error FROM retention.runs WHERE policy = 'slow'",
		'cancelled|schedule|cancelled by role "alice" with retention.cancel()', 10),
	'the scheduled run ended cancelled, saying by whom');
my $left = $node->safe_psql('alicedb', $safe . 'SELECT count(*) FROM alice.slow');
cmp_ok($left, '>', 0, 'it stopped before the end');
is( $node->safe_psql('alicedb',
		$safe . "SELECT 2000 - rows_pruned FROM retention.runs WHERE policy = 'slow'"),
	$left, 'and its record says what the table lost');

########################################################################
# 6. DROP EXTENSION while a manual run prunes: the run stops after its batch
# (recorded cancelled, its caller told so) and the DROP goes ahead at once.
# (It waited for the whole run, then failed with a deadlock.)
########################################################################
$node->safe_psql('alicedb', $safe . q{
UPDATE retention.policies SET enabled = false WHERE name = 'slow';
INSERT INTO alice.slow SELECT g, pg_catalog.now() - interval '2 days' - g * interval '1 second' FROM generate_series(1, 2000) g;
});
my $caller = $node->background_psql('alicedb', on_error_stop => 0);
$caller->query_until(qr/started/, $safe . q(\echo started
SELECT status FROM retention.run('slow');
));
ok( poll_until(
		$node, 'alicedb',
		$safe . "SELECT count(*) FROM retention.runs WHERE policy = 'slow' AND status = 'running' AND batches >= 2",
		'1', 20),
	'a manual run is under way');
my $start = time();
my ($ret, $out, $err) = $node->psql('alicedb', $safe . "SET statement_timeout = '30s'; DROP EXTENSION retention");
my $took = time() - $start;
is($ret, 0, 'DROP EXTENSION succeeded') or diag($err);
cmp_ok($took, '<', 5, sprintf('DROP EXTENSION did not wait for the run (%.1f s)', $took));
$caller->quit;
like($caller->{stdout}, qr/cancelled/, 'the run\'s caller got its run back, cancelled');
is($node->safe_psql('alicedb', $safe . "SELECT count(*) FROM pg_extension WHERE extname = 'retention'"), '0',
	'the extension is gone');
ok( poll_until(
		$node, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE datname = 'alicedb' AND backend_type LIKE 'retention%'",
		'0', 15),
	'no worker of the extension stays in alicedb');

########################################################################
# 7. The history stays bounded: runs that pruned something each keep a row,
# up to retention.history_runs_per_policy per policy; a reload applies a
# new limit at once, newest rows kept.
########################################################################
$node->safe_psql('postgres', 'CREATE DATABASE history');
$node->safe_psql('history', q{
CREATE EXTENSION retention;
CREATE TABLE t (id int, at timestamptz);
INSERT INTO retention.policies (relation, time_column, retain, enabled) VALUES ('t', 'at', '1 day', false);
});
for my $i (1 .. 6)
{
	$node->safe_psql('history', "INSERT INTO t VALUES ($i, now() - interval '2 days'); SELECT retention.run('t')");
}
is($node->safe_psql('history', "SELECT count(*) FROM retention.runs WHERE policy = 't'"), '6',
	'six runs that pruned a row each, six rows');
my $newest = $node->safe_psql('history', "SELECT string_agg(id::text, ',' ORDER BY id) FROM (SELECT id FROM retention.runs ORDER BY id DESC LIMIT 3) r");
$node->safe_psql('postgres', 'ALTER SYSTEM SET retention.history_runs_per_policy = 3');
$node->reload;
ok( poll_until(
		$node, 'history',
		"SELECT string_agg(id::text, ',' ORDER BY id) FROM retention.runs WHERE policy = 't'", $newest, 15),
	'after a reload with retention.history_runs_per_policy = 3, the newest three remain');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET retention.history_runs_per_policy');
# A run older than retention.history_retention (90 days) goes too.
$node->safe_psql('history',
	"UPDATE retention.runs SET started_at = started_at - interval '100 days', finished_at = finished_at - interval '100 days' WHERE id = 4");
$node->reload;
ok( poll_until(
		$node, 'history',
		"SELECT string_agg(id::text, ',' ORDER BY id) FROM retention.runs WHERE policy = 't'", '5,6', 15),
	'a run older than retention.history_retention is gone');
# The counters do not go down: what history pruning removed is in run_totals.
is( $node->safe_psql('history',
		"SELECT sum(runs) || '|' || sum(rows_pruned) || '|' || sum(batches) FROM retention.counters WHERE policy = 't' AND status = 'succeeded'"),
	'6|6|6', 'after history pruning, retention.counters still counts the six runs, rows and batches');
is($node->safe_psql('history', "SELECT runs || '|' || rows_pruned FROM retention.run_totals WHERE policy = 't'"),
	'4|4', 'the four runs history pruning removed are summed in retention.run_totals');
like($node->safe_psql('history', 'SELECT retention.metrics()'),
	qr/^retention_rows_pruned_total\{policy="t",relation="public.t"\} 6$/m,
	'retention.metrics() still says 6 rows pruned');

$node->stop;

########################################################################
# 8. The postmaster has one background worker slot besides the launcher
# (max_worker_processes = 2), and retention's idle worker in "tight" holds
# it: a manual run in another database asks it to leave, and gets the slot.
########################################################################
my $tight = retention_node('tight',
	conf => "max_worker_processes = 2\nmax_logical_replication_workers = 0\nretention.worker_idle_timeout = '1h'");
$tight->safe_psql('postgres', 'CREATE DATABASE tight');
$tight->safe_psql('postgres', 'CREATE DATABASE other');
for my $db ('tight', 'other')
{
	$tight->safe_psql($db, q{
CREATE EXTENSION retention;
CREATE TABLE t (id int, at timestamptz);
INSERT INTO t VALUES (1, now() - interval '2 days');
});
}
$tight->safe_psql('tight',
	"INSERT INTO retention.policies (relation, time_column, retain, schedule) VALUES ('t', 'at', '1 day', '1 second')");
$tight->safe_psql('other',
	"INSERT INTO retention.policies (relation, time_column, retain, enabled) VALUES ('t', 'at', '1 day', false)");
ok(poll_until($tight, 'tight', 'SELECT count(*) FROM t', '0', 20), 'tight: its scheduled run pruned');
ok(poll_until($tight, 'postgres',
	"SELECT string_agg(datname || ':' || state, ',') FROM pg_stat_activity WHERE backend_type = 'retention worker'",
	'tight:idle', 10), 'tight: its worker waits, idle, holding the last slot');
($ret, $out, $err) = $tight->psql('other', "SET statement_timeout = '20s'; SELECT status, rows_pruned FROM retention.run('t')");
is("$ret|$out", '0|succeeded|1', 'other: a manual run got the slot and pruned') or diag($err);
my $tight_runs = $tight->safe_psql('tight', "SELECT sum(repeats) FROM retention.runs");
ok(poll_until($tight, 'tight', "SELECT sum(repeats) > $tight_runs FROM retention.runs", 't', 20),
	'tight: its scheduled runs go on afterwards');
$tight->stop;
unlike(slurp_file($tight->logfile), qr/PANIC|TRAP/, 'tight: no PANIC or TRAP');

done_testing();
