#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer harnesses (clang, -Dfuzzers=true) into build-fuzz/ and runs each for
# SECONDS (default 60). Exits non-zero if any harness crashes; the input that did it is left in
# build-fuzz/artifacts/. New corpus entries go to build-fuzz/corpus-*, never into the source
# tree; copy an interesting one into tests/fuzz/corpus-trace/ by hand.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}

case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS]" >&2
	exit 2
	;;
esac

PAGESIM_WITH_CLANG=1 "$top/scripts/deps.sh"
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$top" -Dfuzzers=true -Db_lundef=false >&2
fi
# only the harnesses: the rest of the tree need not build with clang for this
ninja -C "$build" tests/fuzz/fuzz-trace-line tests/fuzz/fuzz-config tests/fuzz/fuzz-import >&2

mkdir -p "$build/artifacts" "$build/corpus-trace" "$build/corpus-config" "$build/corpus-import"
status=0
run() {
	local name=$1
	shift
	echo "fuzz: $name for ${secs}s" >&2
	if ! "$build/tests/fuzz/fuzz-$name" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$name-" "$@" >"$build/fuzz-$name.log" 2>&1; then
		echo "fuzz: $name FAILED; see $build/fuzz-$name.log and $build/artifacts/" >&2
		tail -n 40 "$build/fuzz-$name.log" >&2
		status=1
	else
		grep -E '^stat::(number_of_executed_units|new_units_added)' "$build/fuzz-$name.log" >&2 || true
	fi
}
run trace-line -max_len=4096 -dict="$top/tests/fuzz/trace.dict" \
	"$build/corpus-trace" "$top/tests/fuzz/corpus-trace"
run config -max_len=16384 "$build/corpus-config" "$top/configs"
run import -max_len=8192 "$build/corpus-import" "$top/tests/fuzz/corpus-import"
exit $status
