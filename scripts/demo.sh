#!/usr/bin/env bash
# The retention demo on a throwaway cluster:
#   bash scripts/demo.sh          install what is missing, build, start PostgreSQL 15
#                                 with retention preloaded, create seed-like tables
#                                 and policies, and show them
#   bash scripts/demo.sh stop     stop the demo cluster and remove it
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${RETENTION_DEMO_DIR:-/tmp/retention-demo}
port=${RETENTION_DEMO_PORT:-55400}

bash "$root/scripts/install-deps.sh"
source "$root/scripts/lib-cluster.sh"

cluster_stop "$dir"
rm -rf "$dir"
if [ "${1:-}" = stop ]; then
	echo "demo cluster stopped and removed"
	exit 0
fi

echo "== building and installing retention"
(cd "$root" && make -s -j2 && make -s install) >/dev/null

echo "== starting PostgreSQL 15 in $dir (port $port, unix socket only)"
cluster_start "$dir" "$port"
run_psql() { as_postgres psql -X -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"; }

echo "== creating seed-like tables and their policies"
cp "$root/scripts/demo-seed.sql" "$dir/seed.sql"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/seed.sql"
run_psql -q -f "$dir/seed.sql"

echo "== the background worker"
run_psql -c "SELECT pid, backend_type FROM pg_stat_activity WHERE backend_type LIKE 'retention%'"
echo "== retention.policies"
run_psql -c "SELECT name, relation, time_column, retain, time_unit, filter, schedule, reason FROM retention.policies ORDER BY name"
echo "== a policy that makes no sense is refused"
run_psql -c "INSERT INTO retention.policies (relation, time_column, schedule) VALUES ('system_logs', 'created_at', '61 * * * *')" || true
echo "== a dry run of every enabled policy: what would go now"
run_psql -c "SELECT policy, rows_pruned AS would_prune, rows_kept_referenced FROM retention.run_all(dry_run => true)"
echo "== what a run of flow_runs would do now, and why (retention.explain)"
run_psql -At -c "SELECT * FROM retention.explain('flow_runs')"
echo "== every table and its retention decision (retention.coverage)"
run_psql -c "SELECT relation, decision, policies, expiry_columns, reason FROM retention.coverage"
echo "== pruning system_logs now, in batches"
run_psql -c "SELECT policy, status, rows_pruned, batches, cutoff FROM retention.run('system_logs')"
echo "== waiting for the scheduler to sweep demo_sessions (schedule '5 seconds')"
for _ in $(seq 1 30); do
	n=$(run_psql -At -c "SELECT count(*) FROM retention.runs WHERE policy = 'demo_sessions' AND triggered_by = 'schedule'")
	[ "$n" -ge 1 ] && break
	sleep 1
done
run_psql -c "SELECT id, policy, triggered_by, dry_run, status, rows_pruned, batches FROM retention.runs ORDER BY id"
echo "== the metrics Prometheus would scrape (a few lines of retention.metrics())"
run_psql -At -c "SELECT line FROM regexp_split_to_table(retention.metrics(), E'\\n') line WHERE line LIKE 'retention_rows_pruned_total%' OR line LIKE 'retention_runs_total%succeeded%'"
echo "== retention.status"
run_psql -c "SELECT policy, enabled, schedule, next_run_at, last_run_at, last_status, consecutive_failures FROM retention.status ORDER BY policy"

cat <<MSG

The demo cluster keeps running. Connect with:
  runuser -u postgres -- psql -h $dir -p $port -d postgres
Stop and remove it with:
  bash scripts/demo.sh stop
MSG
