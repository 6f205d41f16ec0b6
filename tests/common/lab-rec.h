/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lab-rec.h - reading the qemu lab's recordings (../shared/realdata/qemu-arm64-*) in tests:
 * their machines have one zone (DMA), and a mid-run dump is placed by the first record of the
 * process that read it.
 */
#ifndef PS_TEST_LAB_REC_H
#define PS_TEST_LAB_REC_H

#include <glib.h>
#include <string.h>

#include "mm/mm.h"
#include "trace/trace.h"

/* The free blocks per order of a buddyinfo file's DMA zone (the lab machines' only zone). */
static inline void ps_test_buddyinfo_dma(const char *path, uint64_t *blocks)
{
	g_autofree char *text = NULL;
	char *e;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	e = strstr(text, "zone      DMA ");
	g_assert_nonnull(e);
	e += strlen("zone      DMA ");
	for (unsigned i = 0; i < PS_NR_ORDERS_MAX; i++)
		blocks[i] = g_ascii_strtoull(e, &e, 10);
}

/* The time of pid's first record in trace: where a run stops to meet a dump that pid read. */
static inline uint64_t ps_test_first_record_ns(const char *trace, int pid)
{
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;
	g_autoptr(PsTraceReader) r = ps_trace_reader_open(trace, &hdr, &error);
	PsTraceEvent ev;

	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1)
		if (ev.pid == pid)
			return ev.t_ns;
	g_assert_not_reached();
	return 0;
}

#endif
