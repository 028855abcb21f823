#!/usr/bin/env bash
# Runs every test suite of retention on a throwaway PostgreSQL cluster:
#   unit (GoogleTest/ctest), regress (pg_regress), isolation, pgtap (pg_prove),
#   tap (PostgreSQL::Test::Cluster), harness (libpqxx), fuzz (libFuzzer, 60 s
#   per target; FUZZ_SECONDS changes it).
# Usage: bash test/run-all.sh [--pg VERSIONS] [suite ...]
#   --pg 15          the host's PostgreSQL 15 (the default)
#   --pg 17, --pg 18 the same suites in a Debian root with that version
#                    (test/run-in-root.sh; made the first time, about 1 min)
#   --pg all         15, 17 and 18, one after another (what CI runs)
# As root on Debian 12 (or as a user who can `make install` into
# PostgreSQL's directories, for the host's version only).
# Ends with a line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
versions=15
suites=()
while [ $# -gt 0 ]; do
	case $1 in
	--pg)
		versions=${2:?--pg needs versions: 15, 17, 18, a comma list, or all}
		shift 2
		;;
	*)
		suites+=("$1")
		shift
		;;
	esac
done
[ "$versions" = all ] && versions=15,17,18

# Several versions, or another than the host's: each version's run ends
# with its own summary, summed here.
if [ -z "${RETENTION_ONE_VERSION:-}" ] && [ "$versions" != 15 ]; then
	total_passed=0
	total_failed=0
	declare -a lines
	for version in ${versions//,/ }; do
		echo "==== PostgreSQL $version"
		log=$(mktemp /tmp/retention-run-$version.XXXXXX)
		if [ "$version" = 15 ]; then
			RETENTION_ONE_VERSION=1 bash "$0" "${suites[@]}" 2>&1 | tee "$log"
		else
			# No fuzz in the roots: the fuzzed code is pure C++, the same on every version.
			in_root=()
			for suite in "${suites[@]}"; do [ "$suite" != fuzz ] && in_root+=("$suite"); done
			[ ${#suites[@]} -eq 0 ] && in_root=(unit regress isolation pgtap tap harness)
			if [ ${#in_root[@]} -eq 0 ]; then rm -f "$log"; continue; fi
			bash "$root/test/run-in-root.sh" "$version" "${in_root[@]}" 2>&1 | tee "$log"
		fi
		while read -r line; do lines+=("$version $line"); done < <(sed -n '/^== summary$/,$p' "$log" | grep -E '^[a-z]+ +[0-9]+ passed')
		read -r p f < <(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | grep -Eo '[0-9]+' | xargs)
		if [ -z "${p:-}" ]; then p=0 f=1; lines+=("$version did not finish"); fi
		total_passed=$((total_passed + p))
		total_failed=$((total_failed + f))
		rm -f "$log"
	done
	echo
	echo "==== summary"
	printf '%s\n' "${lines[@]}"
	echo "$total_passed passed, $total_failed failed"
	[ "$total_failed" -eq 0 ]
	exit
fi

[ ${#suites[@]} -eq 0 ] && suites=(unit regress isolation pgtap tap harness fuzz)
port=${RETENTION_TEST_PORT:-55432}
build=${RETENTION_BUILD_DIR:-$root/build}

[ -n "${RETENTION_SKIP_DEPS:-}" ] || bash "$root/scripts/install-deps.sh" || exit 1
source "$root/scripts/lib-cluster.sh"

passed=0
failed=0
declare -a report
count() { # count SUITE PASSED FAILED
	passed=$((passed + $2))
	failed=$((failed + $3))
	report+=("$(printf '%-10s %4d passed, %d failed' "$1" "$2" "$3")")
}

buildlog=$(mktemp)
echo "== build and install"
(cd "$root" && make -s -j2 && make -s install) >"$buildlog" 2>&1 || {
	cat "$buildlog"
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
	cmake --build "$build" -j2 >"$buildlog" 2>&1 || {
	cat "$buildlog"
	echo "cmake build failed"
	echo "0 passed, 1 failed"
	exit 1
}

# The suites that need a server run as the postgres OS user in a copy of the
# tree it owns (pg_regress writes results next to its inputs).
work=$(mktemp -d /tmp/retention-test.XXXXXX)
trap 'cluster_stop "$work/cluster"; rm -rf "$work"' EXIT
cp -a "$root/." "$work/src"
cp "$build/retention_harness" "$work/" 2>/dev/null
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$work"
socket="$work/cluster"
server_suites=" ${suites[*]} "
if [[ "$server_suites" =~ \ (regress|isolation|pgtap|harness)\  ]]; then
	# The suites' own databases are not scheduled (retention.databases), so
	# no scheduled run races a test; the worker is tested by the TAP suite.
	cluster_start "$work/cluster" "$port" "retention.databases = 'postgres'" || {
		cat "$work/cluster/"*.log
		echo "0 passed, 1 failed"
		exit 1
	}
fi
export PGHOST=$socket PGPORT=$port PGUSER=postgres

# pg_regress and the isolation tester summarise as "All N tests passed." or
# "M of N tests failed."
count_regress() { # SUITE LOGFILE
	local all fails
	all=$(grep -Eo 'All [0-9]+ tests passed' "$2" | grep -Eo '[0-9]+' | head -1)
	if [ -n "$all" ]; then count "$1" "$all" 0; return; fi
	read -r fails all < <(grep -Eo '[0-9]+ of [0-9]+ tests failed' "$2" | grep -Eo '[0-9]+' | head -2 | xargs)
	if [ -n "${all:-}" ]; then count "$1" $((all - fails)) "$fails"; else count "$1" 0 1; fi
}

# prove and pg_prove, run verbosely: every "ok N" and "not ok N" line is one
# test; a file that died or ran fewer tests than planned counts one failure more.
count_prove() { # SUITE LOGFILE EXIT_STATUS
	local ok notok
	ok=$(grep -Ec '^[[:space:]]*ok [0-9]+' "$2")
	notok=$(grep -E '^[[:space:]]*not ok [0-9]+' "$2" | grep -vc '# TODO')
	if [ "$3" -ne 0 ] && [ "$notok" -eq 0 ]; then notok=1; fi
	count "$1" "$ok" "$notok"
}

for suite in "${suites[@]}"; do
	echo "== $suite"
	log="$work/$suite.log"
	case $suite in
	unit)
		(cd "$build" && ctest --output-on-failure) >"$log" 2>&1
		status=$?
		total=$(grep -Eo 'out of [0-9]+' "$log" | grep -Eo '[0-9]+' | tail -1)
		fails=$(grep -Eo '[0-9]+ tests failed' "$log" | grep -Eo '[0-9]+' | tail -1)
		if [ -z "$total" ]; then count unit 0 1; else count unit $((total - ${fails:-0})) "${fails:-0}"; fi
		;;
	regress)
		as_postgres make -C "$work/src" -s installcheck PGHOST="$socket" PGPORT="$port" >"$log" 2>&1
		status=$?
		count_regress regress "$log"
		[ $status -ne 0 ] && [ -f "$work/src/regression.diffs" ] && cat "$work/src/regression.diffs"
		;;
	isolation)
		as_postgres make -C "$work/src" -s installcheck-isolation PGHOST="$socket" PGPORT="$port" >"$log" 2>&1
		status=$?
		count_regress isolation "$log"
		[ $status -ne 0 ] && [ -f "$work/src/test/isolation/output_iso/regression.diffs" ] &&
			cat "$work/src/test/isolation/output_iso/regression.diffs"
		;;
	pgtap)
		as_postgres psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS retention_pgtap" \
			-c "CREATE DATABASE retention_pgtap" >"$log" 2>&1 &&
			as_postgres psql -X -q -v ON_ERROR_STOP=1 -d retention_pgtap \
				-c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION retention" >>"$log" 2>&1 &&
			(cd "$work/src" && as_postgres pg_prove --verbose -h "$socket" -p "$port" -U postgres -d retention_pgtap \
				test/pgtap/*.sql) >>"$log" 2>&1
		status=$?
		count_prove pgtap "$log" $status
		;;
	tap)
		as_postgres make -C "$work/src" -s installcheck-tap PROVE_FLAGS=--verbose >"$log" 2>&1
		status=$?
		count_prove tap "$log" $status
		[ $status -ne 0 ] && cat "$work/src/tmp_check/log/"*.log 2>/dev/null | tail -100
		;;
	harness)
		as_postgres "$work/retention_harness" >"$log" 2>&1
		status=$?
		read -r hp hf < <(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | grep -Eo '[0-9]+' | xargs)
		if [ -n "${hp:-}" ]; then count harness "$hp" "$hf"; else count harness 0 1; fi
		[ $status -ne 0 ] && [ "${hf:-0}" -eq 0 ] && count harness 0 1
		;;
	fuzz)
		bash "$root/test/fuzz/run.sh" >"$log" 2>&1
		status=$?
		read -r fp ff < <(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | grep -Eo '[0-9]+' | xargs)
		if [ -n "${fp:-}" ]; then count fuzz "$fp" "$ff"; else count fuzz 0 1; fi
		;;
	*)
		echo "unknown suite: $suite" >"$log"
		status=1
		count "$suite" 0 1
		;;
	esac
	if [ $status -ne 0 ]; then cat "$log"; else tail -3 "$log"; fi
done

echo
echo "== summary"
printf '%s\n' "${report[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
