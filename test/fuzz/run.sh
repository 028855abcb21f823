#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (address and undefined-behaviour
# sanitizers) and runs each for FUZZ_SECONDS (default 60) from its seed
# corpus. A crash, a sanitizer report or a property that fails (a parse/print
# round trip that disagrees, say) fails the target; libFuzzer leaves the
# input that did it in the work directory, printed below.
# Usage: bash test/fuzz/run.sh [target ...]      (cron interval_schedule arithmetic)
# Ends with a line "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${RETENTION_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(cron interval_schedule arithmetic)

if ! cmake -S "$root/test/fuzz" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.log" 2>&1 ||
	! cmake --build "$build" -j2 >>"$build.log" 2>&1; then
	cat "$build.log"
	echo "fuzz targets did not build"
	echo "0 passed, 1 failed"
	exit 1
fi

passed=0
failed=0
for target in "${targets[@]}"; do
	work=$(mktemp -d /tmp/retention-fuzz-$target.XXXXXX)
	cp "$root/test/fuzz/corpus/$target/"* "$work/" 2>/dev/null
	mkdir -p "$work/artifacts"
	if "$build/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$work" >"$work/log" 2>&1; then
		runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/log" | grep -Eo '[0-9]+$')
		echo "ok   fuzz_$target: ${runs:-?} inputs in ${seconds} s"
		passed=$((passed + 1))
		rm -rf "$work"
	else
		echo "FAIL fuzz_$target (inputs kept in $work/artifacts):"
		grep -E "property failed|ERROR: |SUMMARY|runtime error" "$work/log" | head -20
		for artifact in "$work/artifacts/"*; do
			[ -f "$artifact" ] && printf '  input: %q\n' "$(cat "$artifact")"
		done
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
