/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - observing a simulated machine: its state in the kernel's own /proc formats, and
 * (later) counters, fragmentation metrics, latency histograms, timelines and the run summary.
 *
 * report/ reads the machine and never changes it.
 */
#ifndef PS_REPORT_H
#define PS_REPORT_H

#include <glib.h>

#include "mm/mm.h"

G_BEGIN_DECLS

/* ---- /proc formats (report/procfs.c), byte-for-byte in the layout of Linux 6.18 ----------- */

/* /proc/zoneinfo: every zone of every node, populated or not (kernel-facts §10.3). */
void ps_format_zoneinfo(PsMachine *m, GString *out);
/* /proc/buddyinfo: free blocks per order, populated zones only (§10.1). */
void ps_format_buddyinfo(PsMachine *m, GString *out);
/* /proc/pagetypeinfo: free blocks per order and migratetype, pageblocks per type (§10.2). */
void ps_format_pagetypeinfo(PsMachine *m, GString *out);
/* /proc/vmstat: zone, NUMA and node counters, then vm events, 6.18 names and order (§10.4). */
void ps_format_vmstat(PsMachine *m, GString *out);

G_END_DECLS

#endif
