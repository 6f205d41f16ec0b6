#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-snap.sh TAG [full] (the lab's /snap.sh when lab-record.sh runs it): copies the
# allocator's state into /out/TAG.* in pagesim-capture's order:
# before: kpageflags (gzip'ed in the guest, so the copy takes ~no memory) first, then
# pagetypeinfo, buddyinfo, meminfo, zoneinfo, vmstat, right before tracing on; after (and boot):
# vmstat, zoneinfo, meminfo, buddyinfo, pagetypeinfo, then kpageflags. Each read's uptime lands
# in /out/TAG.uptimes.
t=$1; o=/out
up() { echo "$1 $(cut -d' ' -f1 /proc/uptime)" >> $o/$t.uptimes; }
kpf() { up kpageflags; dd if=/proc/kpageflags bs=65536 2>/dev/null | gzip -1 > $o/$t.kpageflags.gz; up kpageflags-done; }
if [ "$t" = before ]; then
	kpf
	for f in pagetypeinfo buddyinfo meminfo zoneinfo vmstat; do up $f; cat /proc/$f > $o/$t.$f; done
else
	for f in vmstat zoneinfo meminfo buddyinfo pagetypeinfo; do up $f; cat /proc/$f > $o/$t.$f; done
	kpf
fi
for f in unusable_index extfrag_index; do cat /sys/kernel/debug/extfrag/$f > $o/$t.$f 2>/dev/null; done
cat /proc/uptime > $o/$t.uptime
if [ "$2" = full ]; then
	for f in /proc/sys/vm/*; do [ -r $f ] && echo "$(basename $f): $(cat $f 2>/dev/null | tr '\n\t' '  ')"; done > $o/$t.sysctl_vm
	for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag \
		 /sys/kernel/mm/transparent_hugepage/hugepages-*/enabled; do
		[ -f $f ] && echo "${f#/sys/kernel/mm/transparent_hugepage/}: $(cat $f)"; done > $o/$t.thp
fi
