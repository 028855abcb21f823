# What a run's batches write and wait for: with the server's wal_compression
# off, run workers compress the full-page images of their WAL
# (retention.compress_wal, on by default), which the same run on an
# identical table without it shows; the server's and other sessions'
# wal_compression stay off. retention.batch_synchronous_commit only changes
# durability (test/harness kills a worker mid-run under both settings): a
# run prunes exactly the expired rows either way.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use RetentionTest;

my $node = retention_node('run_wal', conf => "retention.databases = ''\nwal_compression = off");
$node->safe_psql('postgres', 'CREATE EXTENSION retention');

# 20 000 rows, the oldest 10 000 expired, rows in time order; a disabled
# policy per table (only manual runs prune).
sub fresh_table
{
	my ($name) = @_;
	$node->safe_psql(
		'postgres', qq(
CREATE TABLE $name (id int PRIMARY KEY, created_at timestamptz NOT NULL, payload text);
INSERT INTO $name SELECT i, now() - interval '20 days' + i * interval '1 minute' * 1.44,
                         md5(i::text) || repeat(' ', 60) || md5((i * 7)::text)
FROM generate_series(1, 20000) i;
CREATE INDEX ON $name (created_at);
VACUUM ANALYZE $name;
INSERT INTO retention.policies (name, relation, time_column, retain, batch_size, enabled)
VALUES ('$name', '$name', 'created_at', '10 days', 1000, false);
));
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM $name WHERE created_at < now() - interval '10 days'");
}

# WAL bytes of one run right after a checkpoint (every page it touches
# first writes a full-page image), and what it pruned.
sub run_wal
{
	my ($name) = @_;
	$node->safe_psql('postgres', 'CHECKPOINT');
	my $before = $node->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
	my $pruned = $node->safe_psql('postgres',
		"SELECT status || ' ' || rows_pruned FROM retention.run('$name')");
	my $bytes = $node->safe_psql('postgres',
		"SELECT pg_current_wal_insert_lsn() - '$before'::pg_lsn");
	return ($bytes, $pruned);
}

my $expired_a = fresh_table('wal_a');
my $expired_b = fresh_table('wal_b');
is($expired_a, $expired_b, 'the two tables expire alike');
cmp_ok($expired_a, '>', 9000, 'about half of each table is expired');

my ($compressed, $pruned_a) = run_wal('wal_a');
is($pruned_a, "succeeded $expired_a", 'the run with compress_wal on pruned exactly the expired rows');

$node->safe_psql('postgres',
	"ALTER SYSTEM SET retention.compress_wal = off; SELECT pg_reload_conf()");
my ($plain, $pruned_b) = run_wal('wal_b');
is($pruned_b, "succeeded $expired_b", 'the run with compress_wal off pruned exactly the expired rows');

note("WAL of the run: $compressed bytes compressed, $plain bytes not");
cmp_ok($compressed, '<', 0.8 * $plain,
	'compressed full-page images: the run wrote under 80% of the WAL of the same run without');
is($node->safe_psql('postgres', 'SHOW wal_compression'), 'off',
	"the server's wal_compression is unchanged for other sessions");

# Batches that wait for their flush prune the same rows.
$node->safe_psql('postgres', q(
ALTER SYSTEM RESET retention.compress_wal;
ALTER SYSTEM SET retention.batch_synchronous_commit = on;
SELECT pg_reload_conf();
));
my $expired_c = fresh_table('wal_c');
my (undef, $pruned_c) = run_wal('wal_c');
is($pruned_c, "succeeded $expired_c",
	'with retention.batch_synchronous_commit = on a run prunes exactly the expired rows');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM wal_c WHERE created_at >= now() - interval '10 days'"),
	20000 - $expired_c, 'and keeps every young row');

$node->stop;
done_testing();
