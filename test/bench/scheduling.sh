#!/usr/bin/env bash
# The scheduling benchmark of issue 12: how soon a due policy starts, and
# what an idle cluster costs, with 1, 10 and 100 databases.
#
#   bash test/bench/scheduling.sh [--dbs 1,10,100] [--interval S] [--seconds S]
#                                 [--idle-seconds S] [--port P] [--markdown FILE]
#
# For each count of databases, a fresh throwaway cluster (scripts/lib-cluster.sh,
# max_worker_processes = 16, retention.max_workers = 4, the defaults
# otherwise) gets that many databases, each with the extension and one
# policy due every --interval seconds (default 10). After a warm-up of one
# interval, for --seconds (default 60):
#   - scheduling latency: for every scheduled run, how long after its due
#     time it started (the worker logs both at DEBUG1); p50, p99, max;
#   - slots held: retention workers in pg_stat_activity, sampled every
#     200 ms (most, mean).
# Then the idle cost, on the cluster with the most databases: the policies
# are made daily (nothing is due), the workers leave after
# retention.worker_idle_timeout, and for --idle-seconds (default 60) the CPU
# time of the launcher and of any worker (from /proc) is measured, and that
# of the whole cluster for comparison. Prints a report and writes it as
# Markdown (default build-bench/scheduling-latest.md). Run as root (the
# cluster runs as the postgres OS user) after `make install`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
command_line="bash test/bench/scheduling.sh${*:+ $*}"
counts=1,10,100
interval=10
seconds=60
idle_seconds=60
port=${RETENTION_BENCH_PORT:-55497}
markdown=$root/build-bench/scheduling-latest.md

while [ $# -gt 0 ]; do
	case $1 in
	--dbs) counts=$2; shift ;;
	--interval) interval=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--idle-seconds) idle_seconds=$2; shift ;;
	--port) port=$2; shift ;;
	--markdown) markdown=$(realpath -m "$2"); shift ;;
	-h | --help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
	shift
done

source "$root/scripts/lib-cluster.sh"
work=$(mktemp -d /tmp/retention-sched-bench.XXXXXX)
chmod 755 "$work"
trap 'cluster_stop "$work/cluster"; rm -rf "$work"' EXIT
clk=$(getconf CLK_TCK)

sql() { as_postgres psql -X -q -At -h "$work/cluster" -p "$port" -U postgres -d "${DB:-postgres}" -c "$1"; }

# CPU seconds of a process (utime + stime), or of it and its reaped
# children (with "children"); 0 when it is gone.
cpu_of() {
	local pid=$1 with_children=${2:-}
	[ -r "/proc/$pid/stat" ] || { echo 0; return; }
	awk -v clk="$clk" -v kids="$with_children" '{ sub(/^.*\) /, ""); t = $12 + $13; if (kids != "") t += $14 + $15; printf "%.3f\n", t / clk }' "/proc/$pid/stat"
}

percentile() { # P FILE (one number per line)
	sort -g "$2" | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.3f\n", v[i] }'
}

report=$work/report.md
{
	echo "# Scheduling benchmark"
	echo
	echo "- Command: \`$command_line\`"
	echo "- Tree: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$( [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' + uncommitted changes')"
	echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); PostgreSQL $(pg_config --version | awk '{ print $2 }')"
	echo "- Each database: one policy due every $interval s; measured for $seconds s after a warm-up of $interval s; max_worker_processes = 16, retention.max_workers = 4"
	echo
	echo "| databases | runs measured | latency p50 | p99 | max | workers at most | workers on average |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
} >"$report"

last_count=0
for count in ${counts//,/ }; do
	cluster_stop "$work/cluster"
	rm -rf "$work/cluster"
	cluster_start "$work/cluster" "$port" "log_min_messages = debug1
log_line_prefix = '%m [%p] '" || { cat "$work/cluster/server.log" >&2; exit 1; }
	echo "== $count databases: creating them"
	for i in $(seq 1 "$count"); do
		db=$(printf 'sched%03d' "$i")
		sql "CREATE DATABASE $db"
		DB=$db sql "CREATE EXTENSION retention;
CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz NOT NULL);
INSERT INTO retention.policies (name, relation, time_column, retain, schedule)
VALUES ('p_$db', 'events', 'at', '1 day', '$interval seconds');"
	done
	sleep "$interval"
	echo "== $count databases: measuring for $seconds s"
	log=$work/cluster/server.log
	from=$(stat -c %s "$log")
	samples=$work/samples.$count
	: >"$samples"
	end=$((SECONDS + seconds))
	while [ $SECONDS -lt $end ]; do
		sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker'" >>"$samples"
		sleep 0.2
	done
	lat=$work/latency.$count
	tail -c +"$((from + 1))" "$log" | sed -n 's/.*retention worker: scheduled run of .* starts \([0-9.-]*\) s later.*/\1/p' >"$lat"
	runs=$(wc -l <"$lat")
	p50=$(percentile 50 "$lat")
	p99=$(percentile 99 "$lat")
	max=$(percentile 100 "$lat")
	most=$(sort -n "$samples" | tail -1)
	mean=$(awk '{ s += $1 } END { printf "%.2f", NR ? s / NR : 0 }' "$samples")
	printf '%s databases: %s runs, latency p50 %s s, p99 %s s, max %s s; workers at most %s, mean %s\n' \
		"$count" "$runs" "$p50" "$p99" "$max" "$most" "$mean"
	echo "| $count | $runs | $p50 s | $p99 s | $max s | $most | $mean |" >>"$report"
	last_count=$count
done

echo "== idle: $last_count databases, nothing due"
for i in $(seq 1 "$last_count"); do
	DB=$(printf 'sched%03d' "$i") sql "UPDATE retention.policies SET schedule = '1 day'"
done
# The workers leave once idle for retention.worker_idle_timeout (1 min).
for _ in $(seq 1 120); do
	[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker'")" = 0 ] && break
	sleep 1
done
launcher=$(sql "SELECT pid FROM pg_stat_activity WHERE backend_type = 'retention launcher'")
postmaster=$(head -1 "$work/cluster/data/postmaster.pid")
launcher_before=$(cpu_of "$launcher")
cluster_before=$(cpu_of "$postmaster" children)
workers_seen=0
end=$((SECONDS + idle_seconds))
while [ $SECONDS -lt $end ]; do
	n=$(sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker'")
	[ "$n" -gt "$workers_seen" ] && workers_seen=$n
	sleep 1
done
launcher_cpu=$(awk -v a="$(cpu_of "$launcher")" -v b="$launcher_before" 'BEGIN { printf "%.3f", a - b }')
cluster_cpu=$(awk -v a="$(cpu_of "$postmaster" children)" -v b="$cluster_before" 'BEGIN { printf "%.3f", a - b }')
share=$(awk -v c="$launcher_cpu" -v s="$idle_seconds" 'BEGIN { printf "%.3f", 100 * c / s }')
echo "idle $idle_seconds s: launcher ${launcher_cpu} s CPU (${share}% of a core), workers at most $workers_seen; postmaster and reaped children ${cluster_cpu} s"
{
	echo
	echo "Idle, $last_count databases with nothing due, $idle_seconds s: the launcher used ${launcher_cpu} s of CPU (${share}% of one core); retention workers connected at most: $workers_seen (so their CPU is 0). The postmaster with its reaped children (autovacuum launches, the sampling psql sessions) used ${cluster_cpu} s."
} >>"$report"

mkdir -p "$(dirname "$markdown")"
cp "$report" "$markdown"
echo "== report written to $markdown"
cat "$report"
