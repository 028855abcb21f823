#!/usr/bin/env bash
# The Citus benchmark of issue 15 (docs/citus.md, docs/benchmarks.md): a
# coordinator and two workers on this machine, a distributed table of 1M
# rows in 32 shards, half of them expired, pruned by a plain distributed
# DELETE through the coordinator and by retention.run(), with and without an
# index on the time column; and a parent with a colocated child, against a
# hand-written DELETE ... NOT EXISTS. Prints seconds per repetition and
# the ratio run / DELETE (medians).
#
#   bash test/bench/citus.sh [--rows N] [--reps N] [--markdown FILE]
#
# Needs Citus installed into this PostgreSQL (no Debian package: see
# docs/citus.md); says so and exits 0 without it. Builds and installs the
# extension first. The clusters: fsync on, retention.max_wal_per_second = 0
# (the engine as fast as it goes, as the prune benchmark measures it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rows=1000000
reps=3
markdown=
while [ $# -gt 0 ]; do
	case $1 in
	--rows) rows=$2; shift ;;
	--reps) reps=$2; shift ;;
	--markdown) markdown=$(realpath -m "$2"); shift ;;
	-h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

if [ ! -e "$(pg_config --pkglibdir)/citus.so" ]; then
	echo "citus benchmark skipped: Citus is not installed in $(pg_config --pkglibdir) (docs/citus.md)"
	exit 0
fi

source "$root/scripts/lib-cluster.sh"
make -C "$root" -s -j2 >/dev/null && make -C "$root" -s install >/dev/null

base=$(mktemp -d /tmp/retention-citus-bench.XXXXXX)
chmod 755 "$base"
ports=(55611 55612 55613)
cleanup() { for p in "${ports[@]}"; do cluster_stop "$base/$p"; done; rm -rf "$base"; }
trap cleanup EXIT

for p in "${ports[@]}"; do
	cluster_start "$base/$p" "$p" "
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus,retention'
max_worker_processes = 32
fsync = on
shared_buffers = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
autovacuum = off
retention.max_wal_per_second = 0"
done
q() { # PORT SQL...: psql on that node, quiet, unaligned
	local port=$1
	shift
	PGOPTIONS="-c client_min_messages=warning" as_postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}
for p in 55612 55613 55611; do q $p -c "CREATE EXTENSION citus" -c "CREATE EXTENSION retention"; done
q 55611 -c "SELECT citus_set_coordinator_host('127.0.0.1', 55611)" >/dev/null
q 55611 -c "SELECT citus_add_node('127.0.0.1', 55612)" -c "SELECT citus_add_node('127.0.0.1', 55613)" >/dev/null

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# load NAME INDEX: the table, 1M rows in 32 shards, half of them 10-19 days old.
load() {
	local name=$1 index=$2
	local make_index=(-c "SELECT 1")
	[ "$index" = 1 ] && make_index=(-c "CREATE INDEX ON $name (at)")
	q 55611 -c "DROP TABLE IF EXISTS $name CASCADE" -c "DELETE FROM retention.policies WHERE name = '$name'" \
		-c "CREATE TABLE $name (tenant int NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL, payload text,
		                       PRIMARY KEY (tenant, id))" \
		"${make_index[@]}" \
		-c "SELECT create_distributed_table('$name', 'tenant', shard_count => 32)" \
		-c "INSERT INTO $name SELECT g % 10007, g, now() - (g % 20) * interval '1 day', repeat('x', 60)
		    FROM generate_series(1, $rows) g" \
		-c "INSERT INTO retention.policies (relation, time_column, retain, enabled) VALUES ('$name', 'at', '10 days', false)" \
		-c "VACUUM ANALYZE $name" -c "CHECKPOINT" >/dev/null
	for p in 55612 55613; do q $p -c "CHECKPOINT"; done
}

# The parent of a colocated child: 1M parents (half expired), every 10th
# expired parent referenced.
load_parents() {
	q 55611 -c "DROP TABLE IF EXISTS kids, parents CASCADE" -c "DELETE FROM retention.policies WHERE name = 'parents'" \
		-c "CREATE TABLE parents (tenant int NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL, payload text,
		                          PRIMARY KEY (tenant, id))" \
		-c "CREATE TABLE kids (tenant int NOT NULL, id bigint NOT NULL, parent_id bigint NOT NULL, PRIMARY KEY (tenant, id))" \
		-c "SELECT create_distributed_table('parents', 'tenant', shard_count => 32)" \
		-c "SELECT create_distributed_table('kids', 'tenant', colocate_with => 'parents')" \
		-c "CREATE INDEX ON kids (tenant, parent_id)" \
		-c "ALTER TABLE kids ADD FOREIGN KEY (tenant, parent_id) REFERENCES parents (tenant, id)" \
		-c "INSERT INTO parents SELECT g % 10007, g, now() - (g % 20) * interval '1 day', repeat('x', 60)
		    FROM generate_series(1, $rows) g" \
		-c "INSERT INTO kids SELECT tenant, id, id FROM parents WHERE id % 20 = 10" \
		-c "INSERT INTO retention.policies (relation, time_column, retain, enabled) VALUES ('parents', 'at', '10 days', false)" \
		-c "VACUUM ANALYZE parents" -c "VACUUM ANALYZE kids" -c "CHECKPOINT" >/dev/null
	for p in 55612 55613; do q $p -c "CHECKPOINT"; done
}

declare -A results
measure() { # CASE METHOD LOADER SQL EXPECTED_CHECK
	local case=$1 method=$2 loader=$3 sql=$4
	local times=()
	for ((r = 1; r <= reps; r++)); do
		$loader
		local t0 t1
		t0=$(now)
		q 55611 -c "$sql" >/dev/null
		t1=$(now)
		times+=("$(seconds "$t0" "$t1")")
		local left
		left=$(q 55611 -c "$5")
		[ "$left" = 0 ] || { echo "$case/$method: $left expired rows left after the run" >&2; exit 1; }
	done
	results[$case/$method]=$(median "${times[@]}")
	printf '%-22s %-34s %s  (median %s s)\n' "$case" "$method" "${times[*]}" "${results[$case/$method]}"
}

echo "rows: $rows in 32 shards on 2 workers, half expired; $reps repetitions; seconds"
for shape in indexed:1 noindex:0; do
	name=ev_${shape%%:*}
	index=${shape##*:}
	check="SELECT count(*) FROM $name WHERE at < now() - interval '10 days'"
	measure "$name" "distributed DELETE" "load $name $index" \
		"DELETE FROM $name WHERE at < now() - interval '10 days'" "$check"
	measure "$name" "retention.run()" "load $name $index" "SELECT retention.run('$name')" "$check"
done
check="SELECT count(*) FROM parents p WHERE at < now() - interval '10 days'
       AND NOT EXISTS (SELECT 1 FROM kids k WHERE k.tenant = p.tenant AND k.parent_id = p.id)"
measure parents "DELETE ... NOT EXISTS" load_parents \
	"DELETE FROM parents p WHERE at < now() - interval '10 days'
	 AND NOT EXISTS (SELECT 1 FROM kids k WHERE k.tenant = p.tenant AND k.parent_id = p.id)" "$check"
measure parents "retention.run()" load_parents "SELECT retention.run('parents')" "$check"

report=$(
	echo "| case | distributed DELETE (s) | retention.run() (s) | run / DELETE |"
	echo "|---|---|---|---|"
	for c in ev_indexed ev_noindex; do
		d=${results[$c/distributed DELETE]}
		r=${results[$c/retention.run()]}
		echo "| $c | $d | $r | $(awk -v a="$r" -v b="$d" 'BEGIN { printf "%.2f", a / b }')× |"
	done
	d=${results[parents/DELETE ... NOT EXISTS]}
	r=${results[parents/retention.run()]}
	echo "| parents (colocated child) | $d (NOT EXISTS) | $r | $(awk -v a="$r" -v b="$d" 'BEGIN { printf "%.2f", a / b }')× |"
)
echo
echo "$report"
[ -n "$markdown" ] && { mkdir -p "$(dirname "$markdown")"; echo "$report" >"$markdown"; }
exit 0
