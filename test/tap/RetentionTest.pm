# Helpers shared by the TAP tests of retention's background workers.
package RetentionTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(time usleep);

our @EXPORT = qw(
  retention_node
  poll_until
  poll_value
  worker_databases
  worker_pid
  wait_for_worker
  worker_count
  log_count
  wait_for_log_count
);

# A new, started node with retention preloaded; %options:
#   preload    shared_preload_libraries (default 'retention')
#   conf       more postgresql.conf lines
#   init       options for init (e.g. allows_streaming => 1)
sub retention_node
{
	my ($name, %options) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%{ $options{init} // {} });
	my $preload = $options{preload} // 'retention';
	my $conf = $options{conf} // '';
	$node->append_conf(
		'postgresql.conf', qq(
shared_preload_libraries = '$preload'
max_worker_processes = 16
timezone = 'UTC'
log_min_messages = info
$conf
));
	$node->start;
	return $node;
}

# Runs $sql in $db every 200 ms until its output is $expected, for at most
# $seconds. True if it got there. A query error (e.g. while the server
# restarts) counts as "not yet". On timeout the last output goes to diag.
sub poll_until
{
	my ($node, $db, $sql, $expected, $seconds) = @_;
	my $deadline = time() + $seconds;
	my ($ret, $out, $err);
	for (;;)
	{
		($ret, $out, $err) = $node->psql($db, $sql);
		return 1 if $ret == 0 && $out eq $expected;
		last if time() >= $deadline;
		usleep(200_000);
	}
	diag("poll_until timed out after $seconds s: $sql\n"
		  . "  wanted: '$expected'\n  last:   '"
		  . ($out // '')
		  . "' (psql exit $ret) "
		  . ($err // ''));
	return 0;
}

# Runs $sql in $db every 200 ms until it returns a non-empty result, for at
# most $seconds; returns that result, or '' on timeout.
sub poll_value
{
	my ($node, $db, $sql, $seconds) = @_;
	my $deadline = time() + $seconds;
	for (;;)
	{
		my ($ret, $out) = $node->psql($db, $sql);
		return $out if $ret == 0 && $out ne '';
		last if time() >= $deadline;
		usleep(200_000);
	}
	diag("poll_value timed out after $seconds s: $sql");
	return '';
}

# The databases with a retention worker connected, comma-separated, sorted.
sub worker_databases
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce(string_agg(DISTINCT datname, ',' ORDER BY datname), '') FROM pg_stat_activity WHERE backend_type = 'retention worker'"
	);
}

# The pid of a retention worker of $db (the oldest), or ''.
sub worker_pid
{
	my ($node, $db) = @_;
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'retention worker' AND datname = '$db' ORDER BY backend_start LIMIT 1"
	);
}

# How many retention workers are connected (to $db, if given).
sub worker_count
{
	my ($node, $db) = @_;
	my $where = defined $db ? " AND datname = '$db'" : '';
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker'$where");
}

# Waits up to $seconds for a retention worker in $db; returns its pid or ''.
sub wait_for_worker
{
	my ($node, $db, $seconds) = @_;
	return ''
	  unless poll_until($node, 'postgres',
		"SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'retention worker' AND datname = '$db'",
		't', $seconds);
	return worker_pid($node, $db);
}

# How many times $regex matches the server log after byte $offset.
sub log_count
{
	my ($node, $regex, $offset) = @_;
	my $log = PostgreSQL::Test::Utils::slurp_file($node->logfile, $offset);
	my $count = () = $log =~ /$regex/g;
	return $count;
}

# Waits up to $seconds until $regex matched at least $count times in the
# server log after $offset.
sub wait_for_log_count
{
	my ($node, $regex, $count, $offset, $seconds) = @_;
	my $deadline = time() + $seconds;
	for (;;)
	{
		return 1 if log_count($node, $regex, $offset) >= $count;
		last if time() >= $deadline;
		usleep(200_000);
	}
	diag("wait_for_log_count timed out: $regex x $count");
	return 0;
}

1;
