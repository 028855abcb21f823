# pg_cron instead of the background worker: a pg_cron job in "postgres"
# runs SELECT retention.run(...) in another database ("app", which the
# retention worker does not serve). The run commits batch by batch even
# though pg_cron sends it as a plain statement, is recorded as a manual
# run, and pg_cron records the job as succeeded.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use RetentionTest;

my $test_start = time();

# pg_cron connects with libpq to cron.host: our socket directory (the test
# cluster trusts local connections).
my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
my $host = $node->host;
$node->append_conf(
	'postgresql.conf', qq(
shared_preload_libraries = 'retention,pg_cron'
max_worker_processes = 16
timezone = 'UTC'
log_min_messages = info
cron.database_name = 'postgres'
cron.host = '$host'
retention.databases = 'postgres'
));
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron');
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql(
	'app', q{
CREATE EXTENSION retention;
CREATE TABLE jobs (id bigserial PRIMARY KEY, finished_at timestamptz NOT NULL);
INSERT INTO jobs (finished_at) SELECT now() - interval '40 days' FROM generate_series(1, 45);
INSERT INTO jobs (finished_at) SELECT now() FROM generate_series(1, 6);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule, batch_size)
	VALUES ('jobs', 'jobs', 'finished_at', '30 days', '2 seconds', 10);
});

# The worker does not serve "app": nothing but pg_cron runs the policy.
is( $node->safe_psql(
		'app', "SELECT next_run_at IS NULL FROM retention.status WHERE policy = 'jobs'"),
	't',
	'"app" is not served by the retention worker (retention.databases)');

# pg_cron 1.5 and later take intervals in seconds; older ones only cron
# expressions, whose finest step is a minute.
my $cron_version = $node->safe_psql('postgres',
	"SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'");
my ($major, $minor) = $cron_version =~ /^(\d+)\.(\d+)/;
my $every = ($major > 1 || ($major == 1 && $minor >= 5)) ? '2 seconds' : '* * * * *';
note("pg_cron $cron_version: schedule '$every'");
my $job = $node->safe_psql('postgres',
	"SELECT cron.schedule_in_database('prune-jobs', '$every', \$\$SELECT retention.run('jobs')\$\$, 'app')"
);
like($job, qr/^\d+$/, 'the pg_cron job is scheduled in database "app"');

my $deadline = $every eq '* * * * *' ? 75 : 20;
ok( poll_until(
		$node, 'postgres',
		"SELECT status FROM cron.job_run_details WHERE jobid = $job AND status NOT IN ('starting', 'running', 'sending', 'connecting') ORDER BY runid LIMIT 1",
		'succeeded', $deadline),
	'cron.job_run_details records the first run of the job as succeeded');
note(sprintf('pg_cron ran the job after %.0f s', time() - $test_start));
is($node->safe_psql('app', 'SELECT count(*) FROM jobs'),
	'6', 'the expired rows are gone, the recent ones kept');
is( $node->safe_psql(
		'app',
		"SELECT triggered_by, status, dry_run, rows_pruned, batches, error IS NULL FROM retention.runs WHERE policy = 'jobs' ORDER BY id LIMIT 1"
	),
	'manual|succeeded|f|45|5|t',
	'the run is recorded as manual and succeeded: 45 rows in 5 batches of at most 10');
is( $node->safe_psql(
		'postgres',
		"SELECT return_message FROM cron.job_run_details WHERE jobid = $job ORDER BY runid LIMIT 1"
	),
	'1 row',
	'pg_cron got the one result row of retention.run()');
ok( poll_until(
		$node, 'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker' AND datname = 'app'",
		'0', 5),
	'no retention worker stays in "app" (not scheduled) after the run');

$node->safe_psql('postgres', "SELECT cron.unschedule($job)");
$node->stop;
unlike(slurp_file($node->logfile), qr/PANIC|TRAP/, 'no PANIC or TRAP in the server log');
note(sprintf('004_pg_cron took %.0f s', time() - $test_start));

done_testing();
