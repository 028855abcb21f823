# Monitoring as an operator wires it: Debian's prometheus-postgres-exporter
# with contrib/prometheus/queries.yaml, connected as a pg_monitor role and
# scraped over loopback with curl, says what retention.metrics() says;
# counters grow with runs; `promtool check metrics` accepts the output of
# retention.metrics(); `promtool check rules` and `promtool test rules`
# accept the alert rules and their unit tests.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(time usleep);

use RetentionTest;

my $exporter_bin = '/usr/bin/prometheus-postgres-exporter';
my $promtool = '/usr/bin/promtool';
my $curl = '/usr/bin/curl';
# The Prometheus tools are installed on the host (scripts/install-deps.sh),
# not in the Debian roots of other PostgreSQL versions: there, the sections
# that need them are skipped, saying so.
my @missing = grep { !-x $_ } ($exporter_bin, $promtool, $curl);
my $no_tools = @missing
  ? 'not installed here: ' . join(', ', @missing) . ' (Debian: apt-get install prometheus prometheus-postgres-exporter curl)'
  : '';
diag("Prometheus sections skipped: $no_tools") if $no_tools;
my $contrib = ($ENV{TESTDIR} // '.') . '/contrib/prometheus';

my $node = retention_node('monitoring');
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', q{
CREATE EXTENSION retention;
CREATE ROLE exporter LOGIN IN ROLE pg_monitor;
CREATE TABLE jobs (id int PRIMARY KEY, finished_at timestamptz NOT NULL);
INSERT INTO jobs SELECT g, now() - interval '10 days' FROM generate_series(1, 20) g;
INSERT INTO jobs SELECT g, now() FROM generate_series(21, 25) g;
CREATE TABLE logs (id int, at timestamptz NOT NULL);
INSERT INTO logs VALUES (1, now() - interval '90 days');
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'logs are append-only'; END$$;
CREATE TRIGGER refuse BEFORE DELETE ON logs FOR EACH ROW EXECUTE FUNCTION refuse();
CREATE TABLE usage (id int, "createdAt" timestamptz);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, enabled)
VALUES ('jobs', 'jobs', 'finished_at', '5 days', '@daily', true),
       ('logs', 'logs', 'at', '30 days', '@hourly', false);
});
$node->safe_psql('app', "SELECT retention.run('jobs')");
$node->psql('app', "SELECT retention.run('logs')") for 1 .. 2;

# Samples of a text exposition, keyed by name and labels (without the
# labels the exporter adds: database, server).
sub samples
{
	my ($text) = @_;
	my %samples;
	for my $line (split /\n/, $text)
	{
		next unless $line =~ /^(retention_\w+)(?:\{(.*)\})? (\S+)$/;
		my ($name, $labels, $value) = ($1, $2 // '', $3);
		my @pairs;
		while ($labels =~ /(\w+)="((?:[^"\\]|\\.)*)"/g)
		{
			push @pairs, "$1=$2" unless $1 eq 'database' || $1 eq 'server';
		}
		$samples{ $name . '{' . join(',', sort @pairs) . '}' } = $value;
	}
	return \%samples;
}

########################################################################
# 1. retention.metrics(), as the exporter's role sees it, passes promtool.
########################################################################
my $metrics = $node->safe_psql('app', 'SET ROLE exporter; SELECT retention.metrics()');
my $metrics_file = PostgreSQL::Test::Utils::tempdir() . '/metrics.txt';
PostgreSQL::Test::Utils::append_to_file($metrics_file, "$metrics\n");
my ($lint_out, $lint_err) = ('', '');
SKIP:
{
	skip $no_tools, 2 if $no_tools;
	my $lint_ok =
	  IPC::Run::run([ $promtool, 'check', 'metrics' ], '<', $metrics_file, '>', \$lint_out, '2>', \$lint_err);
	ok($lint_ok, 'promtool check metrics accepts retention.metrics()') or diag("$lint_out$lint_err");
	is("$lint_out$lint_err", '', 'promtool check metrics has no remark');
}
my $direct = samples($metrics);
is($direct->{'retention_rows_pruned_total{policy=jobs,relation=public.jobs}'}, '20', 'metrics(): 20 rows pruned by jobs');
is($direct->{'retention_consecutive_failures{policy=logs}'}, '2', 'metrics(): logs failed twice in a row');
is($direct->{'retention_runs_total{policy=logs,status=failed}'}, '2', 'metrics(): two failed runs of logs');
is($direct->{'retention_coverage_with_time_columns{decision=none}'}, '1', 'metrics(): one undecided table with a time column');

########################################################################
# 2. The exporter, with the project's query file, as a pg_monitor role.
########################################################################
SKIP:
{
	skip $no_tools, 5 if $no_tools;
	my $port = PostgreSQL::Test::Cluster::get_free_port();
	my $exporter_log = $node->basedir . '/exporter.log';
	local $ENV{DATA_SOURCE_NAME} =
	  sprintf('host=%s port=%d user=exporter dbname=app sslmode=disable', $node->host, $node->port);
	my $exporter = IPC::Run::start(
		[
			$exporter_bin, "--web.listen-address=127.0.0.1:$port", "--extend.query-path=$contrib/queries.yaml",
			'--disable-default-metrics', '--disable-settings-metrics'
		],
		'<', \undef, '>', $exporter_log, '2>&1');

	my $scrape = sub
	{
		my ($want) = @_;
		my $deadline = time() + 30;
		my $body = '';
		while (time() < $deadline)
		{
			$body = '';
			IPC::Run::run([ $curl, '-s', '--max-time', '10', "http://127.0.0.1:$port/metrics" ], '>', \$body);
			return $body if $body =~ $want;
			usleep(300_000);
		}
		diag('exporter log: ' . slurp_file($exporter_log));
		return $body;
	};

	my $scraped = $scrape->(qr/^retention_rows_pruned_total/m);
	like($scraped, qr/^retention_rows_pruned_total\{database="app",policy="jobs",relation="public.jobs",server="[^"]*"\} 20$/m,
		'the exporter serves retention_rows_pruned_total of jobs: 20');
	my $via_exporter = samples($scraped);
	$direct = samples($node->safe_psql('app', 'SET ROLE exporter; SELECT retention.metrics()'));
	my @differ;
	for my $key (sort keys %$direct)
	{
		next if $key =~ /^retention_(running|waiting)_seconds/;    # grow by the second
		my $theirs = $via_exporter->{$key};
		push @differ, "$key: metrics() $direct->{$key}, exporter " . ($theirs // 'absent')
		  unless defined $theirs && $theirs == $direct->{$key};
	}
	is(join("\n", @differ), '', 'every sample of retention.metrics() is served by the exporter with the same value');
	cmp_ok(scalar(keys %$direct), '>=', 30, 'and there are many (' . scalar(keys %$direct) . ')');

	# Counters grow with runs.
	$node->safe_psql('app', "INSERT INTO jobs SELECT g, now() - interval '10 days' FROM generate_series(100, 102) g");
	$node->safe_psql('app', "SELECT retention.run('jobs')");
	$scraped = $scrape->(qr/^retention_rows_pruned_total\{[^}]*policy="jobs"[^}]*\} 23$/m);
	like($scraped, qr/^retention_rows_pruned_total\{[^}]*policy="jobs"[^}]*\} 23$/m, 'after another run, the exporter says 23');
	like($scraped, qr/^retention_runs_total\{[^}]*policy="jobs"[^}]*status="succeeded"[^}]*\} 2$/m,
		'and two succeeded runs of jobs');

	$exporter->kill_kill;
}

########################################################################
# 3. retention.progress mid-run: a manual run of 30 batches, 300 ms apart.
########################################################################
$node->safe_psql('app', q{
CREATE ROLE outsider LOGIN;
CREATE TABLE slow (id int PRIMARY KEY, at timestamptz NOT NULL);
CREATE INDEX ON slow (at);
INSERT INTO slow SELECT g, now() - interval '3 days' FROM generate_series(1, 300) g;
ANALYZE slow;
INSERT INTO retention.policies (name, relation, time_column, retain, batch_size, batch_delay, enabled)
VALUES ('slow', 'slow', 'at', '1 day', 10, '300 ms', false);
});
my $runner = $node->background_psql('app', on_error_stop => 0);
$runner->query_until(qr/started/, "\\echo started\nSELECT status, rows_pruned FROM retention.run('slow');\n");
ok( poll_until(
		$node, 'app', "SELECT rows_pruned >= 50 AND batches >= 5 FROM retention.progress WHERE policy = 'slow'", 't', 30),
	'progress: rows and batches of the run in flight');
my $row = $node->safe_psql('app',
	"SELECT run_id > 0, pid > 0, triggered_by, dry_run, phase, rows_remaining_estimate + rows_pruned FROM retention.progress WHERE policy = 'slow'");
is($row, 't|t|manual|f|pruning (index)|300', 'progress: its run, its phase, and an estimate of what is left that adds up');
ok( poll_until(
		$node, 'app', "SELECT waiting_for FROM retention.progress WHERE policy = 'slow' AND waiting_for IS NOT NULL LIMIT 1",
		'batch_delay (300 ms between batches)', 10),
	'progress: between batches it says what it waits for');
my ($first, $later) = map {
	my $n = $node->safe_psql('app', "SELECT rows_pruned FROM retention.progress WHERE policy = 'slow'");
	usleep(1_000_000);
	$n
} 1 .. 2;
cmp_ok($later, '>', $first, "progress: rows_pruned grows ($first, then $later)");
like($node->safe_psql('app', 'SELECT retention.metrics()'), qr/^retention_running\{policy="slow"\} 1$/m,
	'metrics: the run is in flight');
is($node->safe_psql('app', "SET ROLE exporter; SELECT count(*) FROM retention.progress WHERE policy = 'slow'"),
	'1', 'a pg_monitor role sees the run in flight');
is($node->safe_psql('app', "SET ROLE outsider; SELECT count(*) FROM retention.progress"),
	'0', 'a role that may not see the policy does not see its run');
ok(poll_until($node, 'app', "SELECT count(*) FROM retention.progress", '0', 30), 'progress: empty once the run ended');
$runner->quit;
is($node->safe_psql('app', "SELECT rows_pruned FROM retention.runs WHERE policy = 'slow'"), '300', 'the run pruned its 300 rows');

########################################################################
# 4. The alert rules.
########################################################################
SKIP:
{
	skip $no_tools, 2 if $no_tools;
	my ($out, $err) = ('', '');
	ok(IPC::Run::run([ $promtool, 'check', 'rules', "$contrib/alerts.yml" ], '>', \$out, '2>', \$err),
		'promtool check rules accepts contrib/prometheus/alerts.yml')
	  or diag("$out$err");
	($out, $err) = ('', '');
	ok(IPC::Run::run([ $promtool, 'test', 'rules', "$contrib/alerts_test.yml" ], '>', \$out, '2>', \$err),
		'promtool test rules: every alert fires when it should and only then')
	  or diag("$out$err");
}

$node->stop;
done_testing();
