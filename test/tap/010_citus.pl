# Citus: a coordinator and two workers (PostgreSQL::Test::Cluster nodes),
# docs/citus.md. A policy on a distributed table prunes every shard on the
# node that holds it: exactly the expired rows, checked by content, with and
# without an index on the time column; a locked row on one shard is skipped;
# a colocated child keeps its parents; a moved shard is pruned where it is
# now, and a stale placement deletes nothing; reference tables and
# partitioned distributed tables work; the scheduler runs it; policies on
# workers or on shards, and a reference parent of a distributed child, are
# refused.
#
# Skipped when Citus is not installed (there is no Debian package: see
# docs/citus.md for building it).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use RetentionTest;

my $pkglibdir = `pg_config --pkglibdir`;
chomp $pkglibdir;
plan skip_all => "Citus is not installed ($pkglibdir/citus.so): see docs/citus.md"
  unless -e "$pkglibdir/citus.so";

my %conf = (
	preload => 'citus,retention',
	conf => qq(
listen_addresses = '127.0.0.1'
max_worker_processes = 32
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
retention.max_wal_per_second = 0
citus.shard_count = 8
));
my $coordinator = retention_node('coordinator', %conf);
my @workers = (retention_node('worker1', %conf), retention_node('worker2', %conf));

# CREATE EXTENSION citus on each worker first: it turns SSL on, which the
# coordinator's connections require.
for my $node (@workers, $coordinator)
{
	$node->safe_psql('postgres', 'CREATE EXTENSION citus; CREATE EXTENSION retention;');
}
$coordinator->safe_psql('postgres',
	"SELECT citus_set_coordinator_host('127.0.0.1', " . $coordinator->port . ')');
$coordinator->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $_->port . ')') for @workers;

sub c { return $coordinator->safe_psql('postgres', $_[0]); }

# A distributed table of 4 000 rows in 8 shards: ids 1..2000 expired (3 to
# 12 days old), 2001..4000 young; 'with_index' adds an index on the time.
sub events_table
{
	my ($name, $with_index) = @_;
	c(qq{
CREATE TABLE $name (tenant int NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL, body text,
                    PRIMARY KEY (tenant, id));
} . ($with_index ? "CREATE INDEX ON $name (at);" : '') . qq{
SELECT create_distributed_table('$name', 'tenant');
INSERT INTO $name SELECT g % 97, g, now() - interval '3 days' - (g % 10) * interval '1 day', 'old'
FROM generate_series(1, 2000) g;
INSERT INTO $name SELECT g % 97, g, now() - (g % 20) * interval '1 hour', 'young'
FROM generate_series(2001, 4000) g;
INSERT INTO retention.policies (relation, time_column, retain, enabled) VALUES ('$name', 'at', '2 days', false);
});
}

# Young rows, by content: their count and the sum of their ids.
sub young_of { return c("SELECT count(*) || '/' || sum(id) FROM $_[0] WHERE body = 'young'"); }

########################################################################
# 1. Distributed tables, through the index and through blocks: exactly the
#    expired rows go, on both workers, and the run says where.
########################################################################
for my $case ([ 'ev_index', 1 ], [ 'ev_blocks', 0 ])
{
	my ($name, $with_index) = @$case;
	events_table($name, $with_index);
	my $young = young_of($name);
	is(c("SELECT rows_pruned FROM retention.run('$name', dry_run => true)"), '2000', "$name: the dry run counts 2000");
	my ($status, $rows) = split /\|/, c("SELECT status, rows_pruned FROM retention.run('$name')");
	is("$status|$rows", 'succeeded|2000', "$name: the run pruned the 2000 expired rows");
	is(c("SELECT count(*) FROM $name WHERE body = 'old'"), '0', "$name: no expired row is left");
	is(young_of($name), $young, "$name: every young row is kept");
	is( c(qq{SELECT count(DISTINCT node) || '/' || sum(shards) || '/' || sum(rows_pruned)
FROM retention.run_nodes WHERE run_id = (SELECT max(id) FROM retention.runs WHERE policy = '$name')}),
		'2/8/2000', "$name: retention.run_nodes: both workers, 8 shards, 2000 rows");
	is($workers[0]->safe_psql('postgres', 'SELECT count(*) FROM retention.runs'), '0',
		"$name: the workers keep no run rows of their own");
}

# A filter and an epoch time column go to the nodes as the policy says.
c(q{
CREATE TABLE jobs (tenant int NOT NULL, id bigint NOT NULL, finished_ms bigint NOT NULL, state text NOT NULL,
                   PRIMARY KEY (tenant, id));
SELECT create_distributed_table('jobs', 'tenant');
INSERT INTO jobs SELECT g % 41, g, ((extract(epoch FROM now()) - 5 * 86400) * 1000)::bigint,
                        CASE WHEN g % 3 = 0 THEN 'running' ELSE 'done' END
FROM generate_series(1, 3000) g;
INSERT INTO jobs SELECT g % 41, g, (extract(epoch FROM now()) * 1000)::bigint, 'done' FROM generate_series(3001, 3500) g;
INSERT INTO retention.policies (relation, time_column, time_unit, retain, filter, enabled)
VALUES ('jobs', 'finished_ms', 'ms', '2 days', $$state = 'done'$$, false);
});
is(c(q{SELECT rows_pruned FROM retention.run('jobs')}), '2000', 'jobs: the 2000 old finished jobs pruned');
is( c(q{SELECT count(*) FILTER (WHERE state = 'running') || '/' || count(*) FILTER (WHERE id > 3000) || '/' || count(*) FROM jobs}),
	'1000/500/1500', 'jobs: the running ones and the young ones are kept');

# An owner that may not log in (a group role owning the tables): the nodes
# see it as the role of a session of the worker's own user.
c(q{
CREATE ROLE app_owner NOLOGIN;
CREATE TABLE owned (tenant int NOT NULL, id bigint NOT NULL, at date NOT NULL, PRIMARY KEY (tenant, id));
SELECT create_distributed_table('owned', 'tenant', colocate_with => 'none');  -- Citus moves colocated shards as their owners
ALTER TABLE owned OWNER TO app_owner;
INSERT INTO owned SELECT g % 11, g, current_date - 10 FROM generate_series(1, 600) g;
INSERT INTO owned SELECT g % 11, g, current_date FROM generate_series(601, 700) g;
INSERT INTO retention.policies (relation, time_column, retain, owner, enabled) VALUES ('owned', 'at', '2 days', 'app_owner', false);
});
is(c(q{SELECT status || '/' || rows_pruned || '/' || owner FROM retention.run('owned')}), 'succeeded/600/app_owner',
	'a NOLOGIN owner\'s distributed table is pruned');
is(c(q{SELECT count(*) || '/' || min(id) FROM owned}), '100/601', 'exactly its young rows are left');

########################################################################
# 2. A locked row on one shard is skipped, not waited for.
########################################################################
c(q{INSERT INTO ev_index SELECT g % 97, g, now() - interval '5 days', 'old' FROM generate_series(5001, 5300) g});
my $holder = $coordinator->background_psql('postgres', on_error_stop => 0);
$holder->query_safe(q{BEGIN; SELECT id FROM ev_index WHERE tenant = 5001 % 97 AND id = 5001 FOR UPDATE;});
my $start = time();
my ($status, $rows) = split /\|/, c(q{SELECT status, rows_pruned FROM retention.run('ev_index')});
my $took = time() - $start;
is("$status|$rows", 'succeeded|299', 'the run pruned every expired row but the locked one');
cmp_ok($took, '<', 5, sprintf('without waiting for the lock (%.1f s)', $took));
$holder->query_safe('COMMIT');
$holder->quit;
is(c(q{SELECT string_agg(id::text, ',') FROM ev_index WHERE body = 'old'}), '5001', 'the locked row is still there');
is(c(q{SELECT rows_pruned FROM retention.run('ev_index')}), '1', 'and the next run prunes it');

########################################################################
# 3. A colocated child keeps its parents; the rest go.
########################################################################
c(q{
CREATE TABLE parents (tenant int NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (tenant, id));
CREATE TABLE children (tenant int NOT NULL, id bigint NOT NULL, parent_id bigint NOT NULL, PRIMARY KEY (tenant, id));
SELECT create_distributed_table('parents', 'tenant');
SELECT create_distributed_table('children', 'tenant', colocate_with => 'parents');
ALTER TABLE children ADD FOREIGN KEY (tenant, parent_id) REFERENCES parents (tenant, id);
INSERT INTO parents SELECT g % 31, g, now() - interval '10 days' FROM generate_series(1, 1000) g;
INSERT INTO parents SELECT g % 31, g, now() FROM generate_series(1001, 1100) g;
INSERT INTO children SELECT g % 31, g, g FROM generate_series(1, 1000, 10) g;
INSERT INTO retention.policies (relation, time_column, retain, enabled) VALUES ('parents', 'at', '1 day', false);
});
($status, $rows, my $kept) = split /\|/, c(q{SELECT status, rows_pruned, rows_kept_referenced FROM retention.run('parents')});
is("$status|$rows|$kept", 'succeeded|900|100', 'parents: 900 pruned, the 100 referenced kept (and counted)');
is( c(q{SELECT count(*) FROM parents p WHERE p.at < now() - interval '1 day'
        AND NOT EXISTS (SELECT 1 FROM children c WHERE c.tenant = p.tenant AND c.parent_id = p.id)}),
	'0', 'no unreferenced expired parent is left');
is(c(q{SELECT count(*) FROM parents}), '200', 'the referenced and the young parents are kept');
is(c(q{SELECT count(*) FROM children}), '100', 'no child was touched');

########################################################################
# 4. A shard moved between runs is pruned where it is now; the node it left
#    deletes nothing for it.
########################################################################
my ($shard, $from_port) = split /\|/, c(q{
SELECT s.shardid, n.nodeport FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
JOIN pg_dist_node n USING (groupid) WHERE s.logicalrelid = 'ev_blocks'::regclass ORDER BY s.shardid LIMIT 1});
my ($from, $to) = $from_port == $workers[0]->port ? @workers : reverse @workers;
c(qq{SELECT citus_move_shard_placement($shard, '127.0.0.1', $from_port, '127.0.0.1', } . $to->port
	  . q{, shard_transfer_mode => 'block_writes')});
is(c(qq{SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) WHERE p.shardid = $shard}),
	$to->port, "shard $shard moved");
c(q{INSERT INTO ev_blocks SELECT g % 97, g, now() - interval '4 days', 'old' FROM generate_series(6001, 6400) g});
my $in_moved = c(qq{SELECT count(*) FROM ev_blocks WHERE body = 'old' AND get_shard_id_for_distribution_column('ev_blocks', tenant) = $shard});
cmp_ok($in_moved, '>', 0, "the moved shard holds $in_moved expired rows");
my $young = young_of('ev_blocks');
is(c(q{SELECT rows_pruned FROM retention.run('ev_blocks')}), '400', 'the run after the move pruned all 400');
is(c(q{SELECT count(*) FROM ev_blocks WHERE body = 'old'}), '0', 'none is left, in the moved shard either');
is(young_of('ev_blocks'), $young, 'young rows kept');
is( c(qq{SELECT node FROM retention.run_shards WHERE shard = $shard
         AND run_id = (SELECT max(id) FROM retention.runs WHERE policy = 'ev_blocks')}),
	'127.0.0.1:' . $to->port, 'the shard was pruned on its new node');
is( $from->safe_psql('postgres', qq{
SELECT here, rows_pruned FROM retention.prune_shard('ev_blocks', 0, 'ev_blocks', $shard, 'at', now(), NULL, NULL,
                                                    1000, '0', NULL, NULL)}),
	'f|0', 'the node the shard left says it is not here and deletes nothing');

# A shard moved while a run is under way: the node it left says so when its
# turn comes, and the coordinator sends it to the node that holds it now.
# Paced runs: each worker's last shard (by id, pruned last there) comes
# after about 7 s; the shard moves in the first second.
events_table('ev_moving', 1);
c(q{UPDATE retention.policies SET max_rows_per_second = 200, batch_size = 100 WHERE name = 'ev_moving'});
my ($moving, $moving_from) = split /\|/, c(q{
SELECT s.shardid, n.nodeport FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
JOIN pg_dist_node n USING (groupid) WHERE s.logicalrelid = 'ev_moving'::regclass AND n.nodeport = } . $workers[0]->port . q{
ORDER BY s.shardid DESC LIMIT 1});
$young = young_of('ev_moving');
my $mover = $coordinator->background_psql('postgres', on_error_stop => 0);
$mover->query_until(qr/started/, q(\echo started
SELECT status, rows_pruned FROM retention.run('ev_moving');
));
ok(poll_until($coordinator, 'postgres', q{SELECT rows_pruned > 0 FROM retention.progress WHERE policy = 'ev_moving'}, 't', 20),
	'the paced run is under way');
c(qq{SELECT citus_move_shard_placement($moving, '127.0.0.1', $moving_from, '127.0.0.1', } . $workers[1]->port
	  . q{, shard_transfer_mode => 'block_writes')});
ok( poll_until(
		$coordinator, 'postgres',
		q{SELECT status || '/' || rows_pruned FROM retention.runs WHERE policy = 'ev_moving' ORDER BY id DESC LIMIT 1},
		'succeeded/2000', 40),
	"the run pruned all 2000 expired rows although shard $moving moved during it");
$mover->quit;
is(c(q{SELECT count(*) FROM ev_moving WHERE body = 'old'}), '0', 'no expired row is left');
is(young_of('ev_moving'), $young, 'young rows kept');
is( c(qq{SELECT string_agg(status || '\@' || split_part(node, ':', 2), ',' ORDER BY finished_at) FROM retention.run_shards
         WHERE shard = $moving AND run_id = (SELECT max(id) FROM retention.runs WHERE policy = 'ev_moving')}),
	"moved\@$moving_from,succeeded\@" . $workers[1]->port,
	'run_shards: moved on the node it left, pruned on its new node');

# A shard that moves while its node is pruning it (logical replication
# carries that node's deletes until the cutover): its node stops at the next
# batch, and its new node prunes the rest. Two shards, one per worker, each
# pruned at 100 rows a second.
c(q{
CREATE TABLE ev_live (tenant int NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL, body text, PRIMARY KEY (tenant, id));
SELECT create_distributed_table('ev_live', 'tenant', shard_count => 2);
INSERT INTO ev_live SELECT g % 97, g, now() - interval '3 days', 'old' FROM generate_series(1, 3000) g;
INSERT INTO ev_live SELECT g % 97, g, now(), 'young' FROM generate_series(3001, 3500) g;
INSERT INTO retention.policies (relation, time_column, retain, batch_size, max_rows_per_second, enabled)
VALUES ('ev_live', 'at', '2 days', 50, 200, false);
});
my ($live, $live_from) = split /\|/, c(q{
SELECT s.shardid, n.nodeport FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
JOIN pg_dist_node n USING (groupid) WHERE s.logicalrelid = 'ev_live'::regclass AND n.nodeport = } . $workers[0]->port);
$young = young_of('ev_live');
$mover = $coordinator->background_psql('postgres', on_error_stop => 0);
$mover->query_until(qr/started/, q(\echo started
SELECT status, rows_pruned FROM retention.run('ev_live');
));
ok(poll_until($workers[0], 'postgres', q{SELECT rows_pruned > 0 FROM retention.progress WHERE policy = 'ev_live'}, 't', 20),
	"worker1 is pruning shard $live");
c(qq{SELECT citus_move_shard_placement($live, '127.0.0.1', $live_from, '127.0.0.1', } . $workers[1]->port
	  . q{, shard_transfer_mode => 'force_logical')});
ok( poll_until(
		$coordinator, 'postgres',
		q{SELECT status FROM retention.runs WHERE policy = 'ev_live' ORDER BY id DESC LIMIT 1}, 'succeeded', 60),
	"the run succeeded although shard $live moved while it was pruned");
$mover->quit;
is( c(qq{SELECT string_agg(status || '\@' || split_part(node, ':', 2), ',' ORDER BY finished_at) FROM retention.run_shards
         WHERE shard = $live AND run_id = (SELECT max(id) FROM retention.runs WHERE policy = 'ev_live')}),
	"moved\@$live_from,succeeded\@" . $workers[1]->port,
	'its old node stopped (moved), its new node pruned the rest');
c(q{UPDATE retention.policies SET max_rows_per_second = NULL WHERE name = 'ev_live'});
my $second = c(q{SELECT rows_pruned FROM retention.run('ev_live')});
note("rows the next run found (deleted on the old placement between the cutover and its next batch): $second");
is(c(q{SELECT count(*) FROM ev_live WHERE body = 'old'}), '0', 'no expired row is left after the next run');
is(young_of('ev_live'), $young, 'young rows kept');

# A table distributed after its policy was written: the run refuses what it
# cannot do (here an archive), on record.
c(q{
CREATE TABLE late (tenant int NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (tenant, id));
CREATE TABLE late_archive (tenant int, id bigint, at timestamptz);
INSERT INTO retention.policies (relation, time_column, retain, archive_to, enabled) VALUES ('late', 'at', '1 day', 'late_archive', false);
SELECT create_distributed_table('late', 'tenant');
});
my ($ret, $out, $err) = $coordinator->psql('postgres', q{SELECT retention.run('late')});
like($err, qr/archive_to is not supported for distributed table public\.late/, 'the run of a policy that no longer fits fails clearly');
is(c(q{SELECT status FROM retention.runs WHERE policy = 'late' ORDER BY id DESC LIMIT 1}), 'failed', 'on record');

########################################################################
# 5. Reference tables, with and without an index on the time column.
########################################################################
for my $case ([ 'ref_index', 1 ], [ 'ref_plain', 0 ])
{
	my ($name, $with_index) = @$case;
	c(qq{
CREATE TABLE $name (id bigint PRIMARY KEY, at timestamptz NOT NULL, body text);
} . ($with_index ? "CREATE INDEX ON $name (at);" : '') . qq{
SELECT create_reference_table('$name');
INSERT INTO $name SELECT g, now() - interval '5 days', 'old' FROM generate_series(1, 700) g;
INSERT INTO $name SELECT g, now(), 'young' FROM generate_series(701, 1000) g;
INSERT INTO retention.policies (relation, time_column, retain, batch_size, enabled) VALUES ('$name', 'at', '1 day', 250, false);
});
	is(c(qq{SELECT status || '|' || rows_pruned FROM retention.run('$name')}), 'succeeded|700',
		"$name: the 700 expired rows pruned");
	is(c(qq{SELECT count(*) || '/' || min(id) FROM $name}), '300/701', "$name: exactly the young rows are left");
	for my $worker (@workers)
	{
		# Every copy of the reference table is the same.
		is(
			$worker->safe_psql('postgres',
				"SET citus.override_table_visibility = off; SELECT count(*) FROM $name"),
			'300', "$name: the copy on the worker on port " . $worker->port . ' too');
	}
}

# The copies of a reference table stay the same when a run stops half-way:
# no batch picks rows by ctid (each copy has its own). The worker1 copy's
# rows are rewritten in another physical order first.
c(q{
CREATE TABLE ref_ties (id bigint PRIMARY KEY, at timestamptz NOT NULL);
SELECT create_reference_table('ref_ties');
INSERT INTO ref_ties SELECT g, now() - interval '5 days' FROM generate_series(1, 700) g;
INSERT INTO retention.policies (relation, time_column, retain, batch_size, max_rows_per_second, max_runtime, enabled)
VALUES ('ref_ties', 'at', '1 day', 250, 250, '1500 ms', false);
});
my $ref_shard = c(q{SELECT shard_name('ref_ties', shardid) FROM pg_dist_shard WHERE logicalrelid = 'ref_ties'::regclass});
$workers[0]->safe_psql('postgres', "UPDATE $ref_shard SET id = id WHERE id <= 300");
c(q{SELECT retention.run('ref_ties')});
is( $workers[0]->safe_psql('postgres', "SELECT count(*) || ':' || coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM $ref_shard"),
	$workers[1]->safe_psql('postgres', "SELECT count(*) || ':' || coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM $ref_shard"),
	'a run that stopped half-way left every copy of the reference table the same');

########################################################################
# 6. A partitioned distributed table: whole partitions past the cutoff are
#    dropped (on every node, by the coordinator), the partition the cutoff
#    crosses is pruned row by row on the shards.
########################################################################
c(q{
CREATE TABLE pev (tenant int NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL, body text) PARTITION BY RANGE (at);
CREATE TABLE pev_old PARTITION OF pev FOR VALUES FROM ('2000-01-01') TO ('2001-01-01');
CREATE TABLE pev_now PARTITION OF pev FOR VALUES FROM ('2001-01-01') TO (MAXVALUE);
SELECT create_distributed_table('pev', 'tenant');
INSERT INTO pev SELECT g % 13, g, '2000-06-01'::timestamptz + g * interval '1 minute', 'old' FROM generate_series(1, 500) g;
INSERT INTO pev SELECT g % 13, g, now() - interval '3 days', 'old' FROM generate_series(501, 800) g;
INSERT INTO pev SELECT g % 13, g, now(), 'young' FROM generate_series(801, 1000) g;
INSERT INTO retention.policies (relation, time_column, retain, partitions, enabled) VALUES ('pev', 'at', '1 day', 'drop', false);
});
($status, $rows, my $dropped) = split /\|/, c(q{SELECT status, rows_pruned, partitions_dropped FROM retention.run('pev')});
is("$status|$rows|$dropped", 'succeeded|300|1', 'pev: one whole partition dropped, 300 rows pruned in the other');
is(c(q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'pev'::regclass}), '1', 'pev_old is gone');
is(c(q{SELECT count(*) || '/' || min(id) FROM pev}), '200/801', 'pev: exactly the young rows are left');

########################################################################
# 7. The scheduler runs a policy on a distributed table from the
#    coordinator.
########################################################################
c(q{INSERT INTO ev_index SELECT g % 97, g, now() - interval '4 days', 'old' FROM generate_series(7001, 7200) g});
c(q{UPDATE retention.policies SET enabled = true, schedule = '1 second' WHERE name = 'ev_index'});
ok( poll_until(
		$coordinator, 'postgres',
		q{SELECT count(*) > 0 FROM retention.runs WHERE policy = 'ev_index' AND triggered_by = 'schedule' AND rows_pruned = 200},
		't', 30),
	'a scheduled run pruned the 200 new expired rows');
c(q{UPDATE retention.policies SET enabled = false WHERE name = 'ev_index'});
is(c(q{SELECT count(*) FROM ev_index WHERE body = 'old'}), '0', 'none is left');

########################################################################
# 8. explain says how; retention.cancel() on the coordinator stops the
#    shards in flight on the workers; max_runtime ends a run 'partial'.
########################################################################
like(c(q{SELECT string_agg(l, E'\n') FROM retention.explain('ev_blocks') l}),
	qr/Citus: each of its 8 shards is pruned on the node that holds it \(2 nodes now\)/,
	'explain says each shard is pruned on its node');
c(q{INSERT INTO ev_blocks SELECT g % 97, g, now() - interval '4 days', 'old' FROM generate_series(10001, 14000) g});
c(q{UPDATE retention.policies SET max_rows_per_second = 400, batch_size = 100 WHERE name = 'ev_blocks'});
my $runner = $coordinator->background_psql('postgres', on_error_stop => 0);
$runner->query_until(qr/started/, q(\echo started
SELECT status FROM retention.run('ev_blocks');
));
ok(poll_until($coordinator, 'postgres', q{SELECT rows_pruned > 0 FROM retention.progress WHERE policy = 'ev_blocks'}, 't', 20),
	'the slow run is under way');
ok( poll_until(
		$workers[0], 'postgres', q{SELECT count(*) FROM retention.progress WHERE policy = 'ev_blocks'}, '1', 10),
	'a worker shows its shard run in retention.progress');
$start = time();
c(q{SELECT retention.cancel('ev_blocks')});
ok(poll_until($coordinator, 'postgres', q{SELECT status FROM retention.runs WHERE policy = 'ev_blocks' ORDER BY id DESC LIMIT 1}, 'cancelled', 15),
	'the run is recorded cancelled');
cmp_ok(time() - $start, '<', 5, 'soon after the cancel');
$runner->quit;
for my $worker (@workers)
{
	ok(poll_until($worker, 'postgres', q{SELECT count(*) FROM retention.progress}, '0', 10),
		'no shard run goes on on the worker on port ' . $worker->port);
}
is( c(q{SELECT sum(rows_pruned) = (SELECT rows_pruned FROM retention.runs WHERE policy = 'ev_blocks' ORDER BY id DESC LIMIT 1)
        FROM retention.run_shards WHERE run_id = (SELECT max(id) FROM retention.runs WHERE policy = 'ev_blocks')}),
	't', 'the run row counts what its shards pruned');
c(q{UPDATE retention.policies SET max_runtime = '1 second' WHERE name = 'ev_blocks'});
($status, $rows) = split /\|/, c(q{SELECT status, rows_pruned FROM retention.run('ev_blocks')});
is($status, 'partial', "max_runtime ends the run 'partial' ($rows rows)");
c(q{UPDATE retention.policies SET max_runtime = NULL, max_rows_per_second = NULL, batch_size = 10000 WHERE name = 'ev_blocks'});
is(c(q{SELECT status FROM retention.run('ev_blocks')}), 'succeeded', 'the next run finishes');
is(c(q{SELECT count(*) FROM ev_blocks WHERE body = 'old'}), '0', 'and no expired row is left');

# retention.pause on the coordinator holds a run before its first shard.
c(q{INSERT INTO ev_blocks SELECT g % 97, g, now() - interval '4 days', 'old' FROM generate_series(20001, 20300) g});
$coordinator->safe_psql('postgres', 'ALTER SYSTEM SET retention.pause = on; SELECT pg_reload_conf()');
$runner = $coordinator->background_psql('postgres', on_error_stop => 0);
$runner->query_until(qr/started/, q(\echo started
SELECT status, rows_pruned FROM retention.run('ev_blocks');
));
ok( poll_until(
		$coordinator, 'postgres',
		q{SELECT waiting_for LIKE '%pause%' AND rows_pruned = 0 FROM retention.progress WHERE policy = 'ev_blocks'}, 't', 20),
	'with retention.pause on, the run waits before its first shard');
$coordinator->safe_psql('postgres', 'ALTER SYSTEM RESET retention.pause; SELECT pg_reload_conf()');
ok(poll_until($coordinator, 'postgres', q{SELECT status || '/' || rows_pruned FROM retention.runs WHERE policy = 'ev_blocks' ORDER BY id DESC LIMIT 1}, 'succeeded/300', 20),
	'and prunes its 300 rows once the pause is off');
$runner->quit;

########################################################################
# 9. Refused, clearly: a policy on a worker (a second node would prune the
#    same table), on a shard, and a reference parent of a distributed child.
########################################################################
($ret, $out, $err) = $workers[0]->psql('postgres',
	q{INSERT INTO retention.policies (relation, time_column, retain) VALUES ('ev_index', 'at', '1 day')});
like($err, qr/is a distributed table, and this node is not the Citus coordinator/,
	'a policy on a worker is refused');
my $shard_name = $workers[0]->safe_psql('postgres', q{
SELECT shard_name('ev_index', s.shardid) FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
WHERE s.logicalrelid = 'ev_index'::regclass AND p.groupid = (SELECT groupid FROM pg_dist_local_group) LIMIT 1});
($ret, $out, $err) = $workers[0]->psql('postgres',
	qq{INSERT INTO retention.policies (relation, time_column, retain) VALUES ('$shard_name', 'at', '1 day')});
like($err, qr/is a shard of a Citus table/, "a policy on shard $shard_name is refused");
c(q{
CREATE TABLE kinds (id int PRIMARY KEY, at timestamptz NOT NULL);
SELECT create_reference_table('kinds');
CREATE TABLE things (tenant int NOT NULL, id int NOT NULL, kind int REFERENCES kinds (id), PRIMARY KEY (tenant, id));
SELECT create_distributed_table('things', 'tenant');
});
($ret, $out, $err) = $coordinator->psql('postgres',
	q{INSERT INTO retention.policies (relation, time_column, retain) VALUES ('kinds', 'at', '1 day')});
like($err, qr/reference table public\.kinds is referenced by distributed table things/,
	'a reference parent of a distributed child is refused');
($ret, $out, $err) = $coordinator->psql('postgres',
	q{INSERT INTO retention.policies (relation, time_column, retain, archive_to) VALUES ('ev_blocks', 'at', '1 day', 'ev_index')});
like($err, qr/archive_to is not supported for distributed table/, 'archiving a distributed table is refused');
is(c(q{SELECT count(*) FROM retention.runs WHERE status = 'failed' AND policy <> 'late'}), '0', 'no other run failed');
is(c(q{SELECT count(*) FROM retention.run_shards WHERE status = 'failed'}), '0', 'no shard failed');

done_testing();
