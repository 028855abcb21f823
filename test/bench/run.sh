#!/usr/bin/env bash
# The prune benchmark of issue 5 in one command: installs what is missing
# (scripts/install-deps.sh), builds and installs the extension, builds
# retention_bench into build-bench/, starts a throwaway cluster tuned for a
# benchmark, runs it as the postgres OS user, prints the report, writes it as
# Markdown and stops the cluster.
#
#   bash test/bench/run.sh [--quick] [--reps N] [--cases a,b,c] [--markdown FILE]
#                          [--port P] [--fsync on|off] [--fg-clients N] [--fg-rate OPS]
#                          [--max-minutes M] [--impact]
#
#   --quick      every case at 1/20 of its size, 1 repetition: a smoke run (~1-2 min)
#   --reps N     repetitions per case (default 3; scale_10m and noindex_10m run twice unless --reps is given)
#   --cases      dense_indexed,dense_noindex,sparse_indexed,scale_1m,scale_10m,noindex_1m,noindex_10m,
#                partitioned,foreground,
#                fixed_cost (also measured with sparse_indexed)
#   --markdown   where the Markdown report goes (default build-bench/benchmarks-latest.md)
#   --port       the cluster's port, used for its unix socket name only (default 55499)
#   --fsync      the cluster's fsync (default on, so commits cost what they cost)
#   --impact     the benchmark of issue 13 instead: a streaming standby is started
#                beside the cluster, and writers and the standby are measured during the
#                lz4 single DELETE and runs with the brakes at their defaults and off
#
# The cluster (scripts/lib-cluster.sh: unix socket only, no TCP) gets
# shared_buffers=8GB (the 10M cases' tables, about 3.8 GB with their
# indexes, fit as the 1M cases' do, so a scaling pair compares like with
# like), max_wal_size=8GB, checkpoint_timeout=30min,
# synchronous_commit=on, fsync=on, track_io_timing=on and autovacuum=off:
# nothing vacuums the tables during the measurements, so the dead tuples a
# prune leaves can be counted. The scheduler serves the benchmark's database
# (retention.databases), so its warm run worker serves the runs as it would
# in production (retention.warm_worker, on by default), as fast as they can
# (retention.max_wal_per_second = 0; --impact keeps the default); the benchmark's
# policies are created with enabled = false, so only its own retention.run()
# calls prune.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
command_line="bash test/bench/run.sh${*:+ $*}"
port=${RETENTION_BENCH_PORT:-55499}
markdown=$root/build-bench/benchmarks-latest.md
fsync=on
quick=0
impact=0
pass=()

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--impact)
		impact=1
		pass+=(--impact)
		;;
	--quick)
		quick=1
		pass+=(--quick)
		;;
	--reps | --cases | --fg-clients | --fg-rate | --max-minutes)
		[ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
		pass+=("$1" "$2")
		shift
		;;
	--markdown)
		[ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
		markdown=$(realpath -m "$2")
		shift
		;;
	--port)
		[ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
		port=$2
		shift
		;;
	--fsync)
		[ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
		fsync=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "unknown option: $1" >&2
		usage >&2
		exit 2
		;;
	esac
	shift
done

# Hard limits, on top of the benchmark's own time budget: it stops by itself.
if [ $quick -eq 1 ]; then limit=420; else limit=6000; fi

bash "$root/scripts/install-deps.sh"
source "$root/scripts/lib-cluster.sh"

if [ "${RETENTION_BENCH_NO_BUILD:-}" = 1 ]; then
	echo "== RETENTION_BENCH_NO_BUILD=1: the installed extension and build-bench/retention_bench as they are"
else
log=$(mktemp)
echo "== build and install the extension"
(cd "$root" && make -s -j2 && make -s install) >"$log" 2>&1 || {
	cat "$log"
	echo "build of the extension failed" >&2
	exit 1
}
echo "== build retention_bench (build-bench/)"
{ cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release &&
	cmake --build "$root/build-bench" --target retention_bench -j2; } >"$log" 2>&1 || {
	cat "$log"
	echo "build of retention_bench failed" >&2
	exit 1
}
rm -f "$log"
fi

tree="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	tree="$tree + uncommitted changes (diff $(git -C "$root" diff HEAD | sha1sum | cut -c1-10))"
fi
module="$(pg_config --pkglibdir)/retention.so"

work=$(mktemp -d /tmp/retention-bench.XXXXXX)
trap 'cluster_stop "$work/standby" 2>/dev/null; cluster_stop "$work/cluster"; rm -rf "$work"' EXIT
cp "$root/build-bench/retention_bench" "$work/"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$work"

# The prune benchmark measures the engine's own speed: runs go as fast as
# they can. The impact benchmark measures the default pace, and turns it
# off itself where it says so.
pace="retention.max_wal_per_second = 0"
[ $impact -eq 1 ] && pace=""
echo "== start a throwaway cluster (port $port, socket in $work/cluster)"
cluster_start "$work/cluster" "$port" "shared_buffers = 8GB
max_wal_size = 8GB
checkpoint_timeout = 30min
synchronous_commit = on
fsync = $fsync
autovacuum = off
track_io_timing = on
retention.databases = 'retention_bench'
$pace" || {
	cat "$work/cluster/"*.log >&2
	exit 1
}
# The postmaster loaded the module at start (shared_preload_libraries) and
# every backend and run worker inherits that copy, so other work that
# reinstalls the extension meanwhile (a test run) does not change what is
# measured; the end of this script checks that this held.
if [ $impact -eq 1 ]; then
	echo "== start a streaming standby (port $((port + 1)), socket in $work/standby)"
	cluster_start_standby "$work/standby" "$((port + 1))" "$work/cluster" "$port" || {
		cat "$work/standby/"*.log >&2
		exit 1
	}
	pass+=(--standby "host=$work/standby port=$((port + 1)) user=postgres dbname=postgres")
	[ "$(basename "$markdown")" = benchmarks-latest.md ] && markdown=$root/build-bench/impact-latest.md
fi
module_sum=$(md5sum <"$module")
postmaster=$(head -1 "$work/cluster/data/postmaster.pid")

echo "== run the benchmark"
status=0
(cd "$work" && as_postgres env PGHOST="$work/cluster" PGPORT="$port" PGUSER=postgres ${RETENTION_IMPACT_TRY:+RETENTION_IMPACT_TRY="$RETENTION_IMPACT_TRY"} \
	timeout --kill-after=30 "$limit" "$work/retention_bench" "${pass[@]}" \
	--markdown "$work/report.md" --command "$command_line" --tree "$tree") || status=$?
if [ "$(md5sum <"$module")" != "$module_sum" ]; then
	if grep -q "retention.so (deleted)" "/proc/$postmaster/maps" 2>/dev/null; then
		note="Note: $module was reinstalled by other work while the benchmark ran; the server kept the module it had loaded at start (the postmaster maps the replaced file), so every measurement used the same build."
	else
		note="WARNING: $module was reinstalled while the benchmark ran and the server's copy could not be checked; measurements may mix builds."
		[ $status -eq 0 ] && status=3
	fi
	echo "$note" >&2
	[ -s "$work/report.md" ] && printf '\n%s\n' "$note" >>"$work/report.md"
fi
if [ -s "$work/report.md" ]; then
	mkdir -p "$(dirname "$markdown")"
	cp "$work/report.md" "$markdown"
	echo "== report written to $markdown"
fi
[ $status -eq 124 ] && echo "the benchmark ran past its hard limit of $limit s and was stopped" >&2
echo "== total $((SECONDS / 60)) min $((SECONDS % 60)) s (exit $status)"
exit $status
