#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab-record.sh - run.sh of ../shared/qemu-lab with the snapshot order of tools/pagesim-capture.
#
#   lab-record.sh KERNEL MEM OUTDIR WORKLOAD.c [ARGS...]      (as qemu-lab/run.sh)
#
# The lab's own snap.sh reads zoneinfo, buddyinfo, pagetypeinfo, vmstat and meminfo first and
# kpageflags last, into the initramfs's memory (2 MiB per GiB uncompressed), before tracing
# starts: the zoneinfo a config is made from then misses what the kpageflags copy and the
# other reads took. lab-snap.sh reads as pagesim-capture does: before tracing, kpageflags
# (gzip'ed in the guest) first and vmstat last; after it, vmstat first and kpageflags last;
# each read's guest uptime in TAG.uptimes. This copies the lab (kernels and scripts, not
# modified) to a temporary directory with lab-snap.sh as its snap.sh and runs its run.sh there.
# LAB (default: ../../../shared/qemu-lab from this folder) is where the lab is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=${LAB:-$here/../../../shared/qemu-lab}
[ -x "$lab/run.sh" ] || { echo "lab-record.sh: no qemu lab at $lab (LAB=...)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$lab"/. "$tmp"/
chmod -R u+w "$tmp"
cp "$here/lab-snap.sh" "$tmp/snap.sh"
"$tmp/run.sh" "$@"
