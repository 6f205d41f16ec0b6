#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# record.sh - record prog.c (press-hog) under memory pressure on a shared machine (root).
#
#   record.sh OUTDIR HOG_MIB [thp]
#   PROG=slab-churn.c record.sh OUTDIR ARGS...     another program of this folder, with ARGS
#   OFFLINE="196 197" PROG=zone-grow.c record.sh OUTDIR MIB 196 197   zone growth (recording (d))
#
# 0. with OFFLINE (memory block numbers of /sys/devices/system/memory), takes those blocks
#    offline first (the program onlines them while recorded; ZONE_MS, default 20, is the capture's
#    --zone-sample-ms);
# 1. fills the page cache with CACHE_MIB (default 4096) MiB of a clean file (CACHE, default
#    /var/tmp/pagesim-press.dat), which kswapd can reclaim;
# 2. shrinks free memory to about FREE_MIB (default 400) MiB with a vm.nr_hugepages reservation
#    (asked again while it grows), and what it could not take (free blocks below the huge page
#    size) with FILL, a second clean file written to the page cache;
# 3. records press-hog HOG_MIB [thp] (PROG ARGS) with tools/pagesim-capture; EVENTS (one
#    pagesim-capture --event argument a line, SYSTEM[/EVENT][=FILTER]) records more tracepoints.
# On exit (also on error or a signal) vm.nr_hugepages goes back to what it was and FILL is
# removed. A watchdog
# releases the reservation at once if MemAvailable falls below KEEP_MIB (default 4096) MiB, so
# the other users of the machine always keep that much; press-hog sets its oom_score_adj to 1000.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '4,8p' "$0" >&2; exit 2; }
out="$1"; shift
prog="${PROG:-prog.c}"
here="$(cd "$(dirname "$0")" && pwd)"
capture="$here/../../tools/pagesim-capture"
cache="${CACHE:-/var/tmp/pagesim-press.dat}"
fill="${FILL:-/var/tmp/pagesim-press-fill.dat}"
cache_mib="${CACHE_MIB:-4096}"
free_mib="${FREE_MIB:-400}"
keep_mib="${KEEP_MIB:-4096}"
offline="${OFFLINE:-}"
zone_ms="${ZONE_MS:-20}"

orig=$(cat /proc/sys/vm/nr_hugepages)
wd=""
restore() {
	[ -n "$wd" ] && kill "$wd" 2>/dev/null || true
	rm -f "$fill"
	echo "$orig" >/proc/sys/vm/nr_hugepages
	echo "record.sh: vm.nr_hugepages back to $orig" >&2
	local b st
	for b in $offline; do
		st=/sys/devices/system/memory/memory$b/state
		[ "$(cat "$st")" = online ] || echo online >"$st" || echo "record.sh: memory$b: online failed" >&2
	done
}
trap restore EXIT
trap 'exit 130' INT TERM HUP

meminfo() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' /proc/meminfo; }

gcc -O2 -Wall -o "$out.hog" "$here/$prog"
if [ "$(stat -c %s "$cache" 2>/dev/null || echo 0)" -ne $((cache_mib << 20)) ]; then
	dd if=/dev/zero of="$cache" bs=1M count="$cache_mib" status=none
	sync "$cache"
fi
cat "$cache" >/dev/null

for b in $offline; do
	[ "$(cat "/sys/devices/system/memory/memory$b/state")" = offline ] ||
		echo offline >"/sys/devices/system/memory/memory$b/state" ||
		{ echo "record.sh: memory$b: offline refused" >&2; exit 1; }
	echo "record.sh: memory$b offline" >&2
done

hp_mib=$(awk '$1 == "Hugepagesize:" { print int($2 / 1024) }' /proc/meminfo)
nr=$(( ($(meminfo MemFree) - free_mib) / hp_mib ))
[ "$nr" -gt 0 ] || { echo "record.sh: already less than $free_mib MiB free" >&2; exit 1; }
echo "$nr" >/proc/sys/vm/nr_hugepages
# The pool takes fewer pages than asked when free memory is fragmented or others allocate
# meanwhile: ask again for what is still above FREE_MIB, a few times, while it still grows.
for _ in 1 2 3 4 5; do
	got=$(cat /proc/sys/vm/nr_hugepages)
	more=$(( ($(meminfo MemFree) - free_mib) / hp_mib ))
	[ "$more" -gt 0 ] || break
	echo $((got + more)) >/proc/sys/vm/nr_hugepages
	[ "$(cat /proc/sys/vm/nr_hugepages)" -gt "$got" ] || break
done
# What the pool could not take (free memory in blocks below the huge page size) is filled with
# more clean page cache: FILL (default /var/tmp/pagesim-press-fill.dat), removed on exit.
fill_mib=$(( $(meminfo MemFree) - free_mib ))
if [ "$fill_mib" -gt 64 ]; then
	dd if=/dev/zero of="$fill" bs=1M count="$fill_mib" status=none
	sync "$fill"
	echo "record.sh: $fill_mib MiB more page cache in $fill" >&2
fi
echo "record.sh: reserved $(cat /proc/sys/vm/nr_hugepages) huge pages; MemFree $(meminfo MemFree) MiB," \
	"MemAvailable $(meminfo MemAvailable) MiB" >&2
[ "$(meminfo MemAvailable)" -ge "$keep_mib" ] || { echo "record.sh: MemAvailable below $keep_mib MiB" >&2; exit 1; }

( while sleep 0.2; do
	if [ "$(meminfo MemAvailable)" -lt "$keep_mib" ]; then
		echo 0 >/proc/sys/vm/nr_hugepages
		echo "record.sh: watchdog: MemAvailable below $keep_mib MiB, reservation released" >&2
		exit 0
	fi
done ) &
wd=$!

# Filling the page cache leaves kswapd reclaiming for a while; kpageflags read meanwhile
# differs from buddyinfo by 10-20 %. Wait (at most SETTLE_S seconds, default 10) until MemFree
# moves by less than 1 MiB in half a second, so the snapshots describe one state.
prev=$(meminfo MemFree)
for _ in $(seq $((2 * ${SETTLE_S:-10}))); do
	sleep 0.5
	now=$(meminfo MemFree)
	[ $((now - prev)) -le 1 ] && [ $((prev - now)) -le 1 ] && break
	prev=$now
done
echo "record.sh: MemFree $(meminfo MemFree) MiB when recording starts" >&2

zone=()
[ -z "$offline" ] || zone=(--zone-sample-ms "$zone_ms")
more=()
while IFS= read -r ev; do
	[ -z "$ev" ] || more+=(--event "$ev")
done <<<"${EVENTS:-}"
"$capture" --buffer-kb 262144 "${zone[@]}" "${more[@]}" "$out" -- "$out.hog" "$@"
rm -f "$out.hog"
