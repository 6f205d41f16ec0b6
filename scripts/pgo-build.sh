#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pgo-build.sh [DIR]: a profile-guided build of pagesim and bench-replay in DIR (default
# build-pgo), trained on replays of the shipped portable recordings and kbuild-10s from a trace
# cache of its own. Nothing is simulated differently: profile feedback moves code (branch layout,
# inlining), not results; the run directories of the trained and untrained binaries compare equal.
# Measured at session 23 (callgrind, whole `pagesim run` from the cache, each recording on its
# before.zoneinfo's config): build-portable 423.3 M -> 401.8 M instructions, churn-portable
# 316.1 M -> 309.1 M, compact-portable 305.9 M -> 283.7 M (trained on them); on recordings it was
# not trained on, ftrace-build-6.18 227.7 M -> 218.6 M, churn256-thp-portable 166.5 M -> 158.5 M.
# The default build (build/, the tests) is not affected.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build-pgo}
cd "$src"
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export PAGESIM_TRACE_CACHE=$cache

# -fprofile-use makes gcc warn "may be used uninitialized" where it did not before (a false
# positive in util/filecache.c): not an error in this build only.
if [ -d "$dir" ]; then
	meson configure "$dir" -Db_pgo=generate -Dc_args=-Wno-error=maybe-uninitialized >/dev/null
else
	meson setup "$dir" -Db_pgo=generate -Dc_args=-Wno-error=maybe-uninitialized >/dev/null
fi
find "$dir" -name '*.gcda' -delete
ninja -C "$dir" -t clean >/dev/null
ninja -C "$dir" src/cli/pagesim bench/bench-replay

# The training runs: each recording on the config its before.zoneinfo gives, twice (the first
# run fills the cache, the second replays from it, as bench-replay does), and kbuild-10s.
p=$dir/src/cli/pagesim
for n in build-portable churn-portable compact-portable; do
	"$p" config from-proc --zoneinfo "workloads/$n/before.zoneinfo" -o "$cache/$n.json" 2>/dev/null
	for i in 1 2; do
		"$p" run -q -c "$cache/$n.json" -t "workloads/$n.jsonl.gz" -o "$cache/run" >/dev/null
	done
done
for i in 1 2; do
	"$p" run -q -c configs/x86_64-4k-16g.json -t workloads/kbuild-10s.jsonl.gz -o "$cache/run" \
		>/dev/null
done

meson configure "$dir" -Db_pgo=use >/dev/null
ninja -C "$dir" -t clean >/dev/null
ninja -C "$dir" src/cli/pagesim bench/bench-replay
echo "pgo-build: $dir/src/cli/pagesim, $dir/bench/bench-replay"
