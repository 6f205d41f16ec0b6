#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# trace-cmd's binary trace.dat: records a short live trace with `pagesim-capture --trace-dat`
# twice, as the capture chooses (trace-cmd record of its tracefs instance where that runs, else
# extract) and with PAGESIM_CAPTURE_DAT=extract; each time imports the trace.dat directly and the
# `trace-cmd report -t` text of the same file: the two traces must be the same bytes, and the
# recording must hold the workload's allocations and the zone sampler's markers. A damaged
# trace.dat must be refused with the file named. Skipped (77) without root, tracefs, trace-cmd, or a pagesim built without
# libtracecmd.
# args: PAGESIM_BINARY CAPTURE_SCRIPT
set -euo pipefail
pagesim=$1
capture=$2
[ "$(id -u)" -eq 0 ] || { echo "not root: skipped"; exit 77; }
[ -r /proc/kpageflags ] || { echo "no /proc/kpageflags: skipped"; exit 77; }
command -v trace-cmd >/dev/null || { echo "no trace-cmd (scripts/deps.sh installs it): skipped"; exit 77; }
if [ ! -e /sys/kernel/tracing/trace ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || { echo "no tracefs: skipped"; exit 77; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mode in "" extract; do
rec="$tmp/rec-${mode:-auto}"
PAGESIM_CAPTURE_DAT=$mode "$capture" --trace-dat --buffer-kb 8192 --zone-sample-ms 60000 "$rec" -- \
	sh -c "head -c 4194304 /dev/zero | od >/dev/null" 2>"$tmp/capture.err" || { cat "$tmp/capture.err"; exit 1; }
cat "$tmp/capture.err"
if grep -q "tracing on: by trace-cmd record" "$rec/SNAPSHOTS"; then how=record; else how=extract; fi
echo "trace.dat by trace-cmd $how (PAGESIM_CAPTURE_DAT='$mode')"
[ "$mode" != extract ] || [ "$how" = extract ]
# every after.* file read, and what the ring buffer kept
grep -q "^after.kpageflags.gz: read at" "$rec/SNAPSHOTS"
grep -q "entries-in-buffer/entries-written" "$rec/ENTRIES"
dat="$rec/trace.dat"
test -s "$dat"
if ! "$pagesim" import "$dat" -o "$tmp/dat.jsonl" 2>"$tmp/err"; then
	cat "$tmp/err"
	if grep -q "built without libtracecmd" "$tmp/err"; then
		echo "pagesim built without libtracecmd: skipped"
		exit 77
	fi
	exit 1
fi
# The capture's instance is the file's one buffer instance: report prefixes its lines with the
# instance's name (the top-level buffer's lines, if the machine's had any, are not the recording).
trace-cmd report -t -i "$dat" >"$tmp/report.all" 2>/dev/null
name=$(trace-cmd dump --summary "$dat" 2>&1 | sed -n 's/.*\[buffer "\(pagesim-capture-[0-9]*\)".*/\1/p')
test -n "$name"
{
	grep '^cpus=' "$tmp/report.all"
	grep "^$name:" "$tmp/report.all" | sed "s/^$name://"
} >"$tmp/report.txt"
# the trace.dat's import took the capture's MACHINE beside it into the header; the report text,
# elsewhere, is given it
test -s "$rec/MACHINE"
head -1 "$tmp/dat.jsonl" | grep -qF "\"machine\":\"$(cat "$rec/MACHINE")\""
"$pagesim" import -q --machine "$rec/MACHINE" $([ -e "$rec/before.tasks" ] && echo --tasks "$rec/before.tasks") \
	"$tmp/report.txt" -o "$tmp/report.jsonl"
allocs=$(grep -c '"op":"alloc"' "$tmp/dat.jsonl" || true)
echo "trace.dat: $(wc -l <"$tmp/report.txt") report lines, $allocs allocations"
[ "$allocs" -gt 300 ]
cmp "$tmp/dat.jsonl" "$tmp/report.jsonl"
# the zone sampler's trace_marker lines, which trace-cmd names "print" events: with a 60 s
# interval and a short command exactly two rounds, the first when tracing is on (by trace-cmd,
# in record mode) and the last before it goes off; none refused (the ring buffer is on for both)
zones=$(grep -c '^Node' /proc/zoneinfo)
samples=$(sed -n 's/.*zone samples (trace_marker): \([0-9]*\);.*/\1/p' "$tmp/err")
echo "zone samples $samples, zones $zones"
[ "${samples:-0}" -eq $((2 * zones)) ]
if grep -q "sampling rounds failed" "$tmp/capture.err"; then echo "a sampling round failed"; exit 1; fi
done
# damaged: the magic kept, the rest cut short
head -c 4096 "$dat" >"$tmp/cut.dat"
if "$pagesim" import -q "$tmp/cut.dat" -o "$tmp/cut.jsonl" 2>"$tmp/err"; then
	echo "a truncated trace.dat was accepted"
	exit 1
fi
cat "$tmp/err"
grep -q "cut.dat" "$tmp/err"
test ! -e "$tmp/cut.jsonl"
