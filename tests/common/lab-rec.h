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
#include <zlib.h>

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

/*
 * The free blocks per order of a kpageflags dump (raw u64 per pfn from pfn 0, gzipped): every
 * page of a free buddy block carries KPF_BUDDY (10) on these kernels, and __free_one_page
 * merges a block with its free buddy whenever both are free (the lab kernels have no isolated
 * or CMA pageblocks), so the free pages split into the largest aligned blocks up to max_order.
 * The lab machines have one zone, so the whole dump is it. Unlike a buddyinfo file written by an
 * earlier process of the same snapshot, this is the free set at the instant its reader ran.
 */
static inline void ps_test_kpageflags_blocks(const char *path, unsigned max_order, uint64_t *blocks)
{
	gzFile gz = gzopen(path, "rb");
	g_autoptr(GByteArray) bits = g_byte_array_new();
	uint64_t buf[4096], n = 0;
	int got;

	g_assert_nonnull(gz);
	while ((got = gzread(gz, buf, sizeof(buf))) > 0) {
		g_assert_cmpint(got % 8, ==, 0);
		for (int i = 0; i < got / 8; i++, n++) {
			guint8 b = (GUINT64_FROM_LE(buf[i]) >> 10) & 1;

			g_byte_array_append(bits, &b, 1);
		}
	}
	g_assert_cmpint(got, ==, 0);
	gzclose(gz);
	memset(blocks, 0, sizeof(uint64_t) * PS_NR_ORDERS_MAX);
	g_assert_cmpuint(max_order, <, PS_NR_ORDERS_MAX);
	for (uint64_t p = 0; p < n;) {
		unsigned o = 0;

		if (!bits->data[p]) {
			p++;
			continue;
		}
		while (o < max_order && p % (2ull << o) == 0 && p + (2ull << o) <= n) {
			bool all = true;

			for (uint64_t q = p + (1ull << o); all && q < p + (2ull << o); q++)
				all = bits->data[q];
			if (!all)
				break;
			o++;
		}
		blocks[o]++;
		p += 1ull << o;
	}
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
