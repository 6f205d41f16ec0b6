// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fallbacks.c - the migratetype fallback matrix of a run: how often an allocation of one
 * migratetype was served from a free block of another, whether the fallback was fragmenting
 * (the block taken was smaller than a pageblock, so two mobilities now share that pageblock),
 * and whether the pageblock was claimed (its type changed to the allocation's).
 *
 * Mirrors what the mm_page_alloc_extfrag tracepoint reports from __rmqueue_claim and
 * __rmqueue_steal (mm/page_alloc.c): alloc_migratetype, fallback_migratetype, change_ownership,
 * and fallback_order < pageblock_order as "fragmenting". It observes through the mm extfrag hook
 * and never changes an outcome. Counts are machine-wide: the per-zone split is in the timeline's
 * mixed_pageblocks, and a matrix per zone would be mostly zeros.
 *
 * fallbacks.csv: alloc_mt,fallback_mt,fragmenting,claimed,count - one row for every combination
 * of the three pcp migratetypes (zeros included, the diagonal too, so that a plot of the matrix
 * always has the same cells), migratetype names in lower case as in timeline.csv.
 */
#include <string.h>

#include "report/report.h"
#include "util/util.h"

struct PsFallbackStats {
	unsigned pageblock_order;
	/* [alloc_mt][fallback_mt][fragmenting][claimed] */
	uint64_t count[PS_MT_PCPTYPES][PS_MT_PCPTYPES][2][2];
};

PsFallbackStats *ps_fallback_stats_new(const PsMachine *m)
{
	PsFallbackStats *f = g_new0(PsFallbackStats, 1);

	f->pageblock_order = m->pageblock_order;
	return f;
}

void ps_fallback_stats_state(PsFallbackStats *f, PsStateTable *t)
{
	ps_state_array(t, "fallbacks.count", f->count, sizeof(f->count));
}

void ps_fallback_stats_free(PsFallbackStats *f)
{
	g_free(f);
}

static void on_extfrag(void *data, PsZone *z, ps_pfn_t pfn, unsigned order, unsigned fb_order,
		       enum ps_migratetype alloc_mt, enum ps_migratetype fb_mt, bool claimed)
{
	PsFallbackStats *f = data;

	/* Highatomic and isolate blocks are never fallback sources (the fallbacks table). */
	if (alloc_mt >= PS_MT_PCPTYPES || fb_mt >= PS_MT_PCPTYPES)
		return;
	f->count[alloc_mt][fb_mt][fb_order < f->pageblock_order][claimed]++;
}

void ps_fallback_stats_attach(PsFallbackStats *f, PsMachine *m)
{
	PsMmHooks h = {.data = f, .extfrag = on_extfrag};

	ps_machine_set_hooks(m, &h);
}

uint64_t ps_fallback_stats_count(const PsFallbackStats *f, enum ps_migratetype alloc_mt,
				 enum ps_migratetype fb_mt, bool fragmenting, bool claimed)
{
	g_assert(alloc_mt < PS_MT_PCPTYPES && fb_mt < PS_MT_PCPTYPES);
	return f->count[alloc_mt][fb_mt][fragmenting][claimed];
}

gboolean ps_fallback_stats_write(const PsFallbackStats *f, const char *path, GError **error)
{
	g_autoptr(GString) s = g_string_new("alloc_mt,fallback_mt,fragmenting,claimed,count\n");

	for (int a = 0; a < PS_MT_PCPTYPES; a++) {
		g_autofree char *an = g_ascii_strdown(ps_migratetype_names[a], -1);

		for (int b = 0; b < PS_MT_PCPTYPES; b++) {
			g_autofree char *bn = g_ascii_strdown(ps_migratetype_names[b], -1);

			for (int fr = 0; fr < 2; fr++)
				for (int cl = 0; cl < 2; cl++)
					g_string_append_printf(
					    s, "%s,%s,%d,%d,%" G_GUINT64_FORMAT "\n", an, bn, fr,
					    cl, f->count[a][b][fr][cl]);
		}
	}
	return ps_write_file_atomic(path, s->str, s->len, error);
}
