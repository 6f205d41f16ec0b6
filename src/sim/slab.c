// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * slab.c - slab memory given in bytes (`alloc` of kind slab or slab_reclaimable with `bytes`, as
 * a portable import writes each recorded slab) kept at the simulated page size.
 *
 * A recorded slab is a block of the recording machine's pages (4 KiB << the recorded order)
 * that one kmem_cache filled with objects (allocate_slab, mm/slub.c). On a machine with larger
 * pages the cache's slab is larger (calculate_order / calc_slab_order size it from the object
 * size, slub_min_objects and the page size) and holds the objects of several recorded slabs:
 * on 64 KiB pages the lab kernels made 26 slab pages for churn where the 4 KiB recording made
 * 375. Here a slab page of the simulated machine holds the bytes of several recorded slabs of
 * the same kind and size: a new page is allocated (with the recorded slab's GFP flags, as
 * new_slab's allocation) only when no page of that kind and size has room, and a page is freed
 * when the last recorded slab it holds is freed.
 *
 * Simplifications (why acceptable):
 * - The slab page's order is the smallest whose size holds the recorded slab's bytes: order 0
 *   when the machine's page is at least the recorded slab. The kernel's calc_slab_order picks
 *   from the object size, which the recording does not give (only the slab's); for the small
 *   caches that make most slab pages both give order 0 at 16 KiB and 64 KiB.
 * - Slots, not objects: a recorded slab takes a whole slot of its page (its bytes) from its
 *   allocation to its free, as the recording's page was. The kernel frees a slab when its
 *   last object goes, and keeps up to min_partial empty slabs per node (discard_slab from
 *   __slab_free only beyond it); here a page goes as soon as it holds no recorded slab.
 * - Which page takes a recorded slab: the oldest page of its kind and size with a free slot
 *   (the kernel fills the cpu slab, then the node's partial list). Caches of the same slab size
 *   and kind share pages here; the kernel's do not share slabs, so a page can hold slots of
 *   caches the kernel would keep apart.
 * - A slab page belongs to no process (kmem_cache memory outlives the task whose allocation
 *   made the slab): a task's exit does not free it, at every page size (the kernel frees a
 *   slab page only from __slab_free -> discard_slab, mm/slub.c). A recorded slab whose free
 *   the trace does not hold stays allocated to the end of the replay. Reclaimable slab pages
 *   join the node's reclaimable slab list as any slab_reclaimable allocation (shrink_slab may
 *   free one; its slots stay counted until their recorded frees).
 * - Where a slab page holds one recorded slab (the recording's page size, or a recorded slab
 *   larger than half the machine's page) it is that slab's page alone: allocated with it,
 *   freed with it, as the recording's page was.
 */
#include "sim/sim-private.h"

/* One slab page of the simulated machine: its record, the recorded slabs it holds. */
typedef struct {
	uint32_t ri;   /* its record; REC_NONE once freed */
	uint32_t used; /* recorded slabs held */
	uint32_t cap;  /* recorded slabs it can hold */
	uint32_t pool; /* index in s->slab_pools */
} SlabPage;

/* The live slab pages of one kind and recorded slab size that hold more than one, oldest first. */
typedef struct {
	uint64_t bytes;
	uint8_t kind;
	GArray *pages; /* uint32_t: indices in s->slab_pages */
} SlabPool;

/* The page order and slots per page for a recorded slab of `bytes` (cap >= 1 when bytes). */
static unsigned slab_order(const PsSim *s, uint64_t bytes, uint32_t *cap)
{
	unsigned order = 0;

	while ((s->m->page_size << order) < bytes && order < 63)
		order++;
	*cap = bytes ? (uint32_t)MIN((s->m->page_size << order) / bytes, (uint64_t)UINT32_MAX) : 0;
	return order;
}

/* A recorded slab: an allocation of slab memory given in bytes, placed here at any page size. */
bool sim_slab_takes(const PsTraceEvent *ev)
{
	return ev->order < 0 && !ev->failed && ev->bytes &&
	       (ev->kind == PS_KIND_SLAB || ev->kind == PS_KIND_SLAB_RECLAIMABLE);
}

static uint32_t pool_get(PsSim *s, uint8_t kind, uint64_t bytes)
{
	SlabPool np;

	if (!s->slab_pools) {
		s->slab_pools = g_array_new(FALSE, FALSE, sizeof(SlabPool));
		s->slab_pages = g_array_new(FALSE, FALSE, sizeof(SlabPage));
		s->slab_ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	}
	for (guint i = 0; i < s->slab_pools->len; i++) {
		SlabPool *p = &g_array_index(s->slab_pools, SlabPool, i);

		if (p->kind == kind && p->bytes == bytes)
			return i;
	}
	np.bytes = bytes;
	np.kind = kind;
	np.pages = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_array_append_val(s->slab_pools, np);
	return s->slab_pools->len - 1;
}

/* One recorded slab leaves its page; the page goes with its last one. */
static uint64_t slot_put(PsSim *s, uint32_t pi, int cpu)
{
	SlabPage *pg = &g_array_index(s->slab_pages, SlabPage, pi);
	SlabPool *pool = &g_array_index(s->slab_pools, SlabPool, pg->pool);
	uint32_t ri = pg->ri;

	if (--pg->used)
		return 0;
	for (guint i = 0; i < pool->pages->len; i++)
		if (g_array_index(pool->pages, uint32_t, i) == pi) {
			g_array_remove_index(pool->pages, i);
			break;
		}
	pg->ri = REC_NONE;
	if (cpu < 0)
		cpu = rec_at(s, ri)->cpu;
	if (rec_at(s, ri)->flags & REC_GONE)
		s->totals.frees_already_reclaimed++;
	else
		s->totals.pages_freed_trace += 1ull << rec_at(s, ri)->order;
	s->totals.slab_pages_freed++;
	return sim_rec_free(s, ri, cpu);
}

uint64_t sim_slab_alloc(PsSim *s, const PsTraceEvent *ev, int cpu, uint64_t gfp)
{
	uint32_t cap, pid, v;
	unsigned order = slab_order(s, ev->bytes, &cap);
	SlabPool *pool;
	uint64_t ns = 0;
	SlabPage pg;

	pid = pool_get(s, (uint8_t)ev->kind, ev->bytes);
	pool = &g_array_index(s->slab_pools, SlabPool, pid);
	v = GPOINTER_TO_UINT(g_hash_table_lookup(s->slab_ids, (gpointer)(uintptr_t)ev->id));
	if (v) {
		/* a recorder missed the free: release the old slot first */
		s->anomalies[PS_ANOM_ALLOC_LIVE_ID]++;
		g_hash_table_remove(s->slab_ids, (gpointer)(uintptr_t)ev->id);
		slot_put(s, v - 1, cpu);
	}
	for (guint i = 0; i < pool->pages->len; i++) {
		uint32_t pi = g_array_index(pool->pages, uint32_t, i);
		SlabPage *p = &g_array_index(s->slab_pages, SlabPage, pi);

		/* a page shrink_slab took keeps its slots until their frees, and takes no more */
		if (p->used < p->cap && !(rec_at(s, p->ri)->flags & REC_GONE)) {
			p->used++;
			s->totals.slab_slots_shared++;
			g_hash_table_insert(s->slab_ids, (gpointer)(uintptr_t)ev->id,
					    GUINT_TO_POINTER(pi + 1));
			return 0;
		}
	}
	/* new_slab: a page of this machine for the recorded slab and the ones that follow */
	pg.ri = sim_alloc_rec(s, gfp, order, cpu, -1, (enum ps_alloc_kind)ev->kind, "slab", &ns);
	if (pg.ri == REC_NONE || pg.ri == REC_RETRY)
		return ns;
	rec_at(s, pg.ri)->id = ev->id;
	pg.used = 1;
	pg.cap = cap;
	pg.pool = pid;
	g_array_append_val(s->slab_pages, pg);
	pool = &g_array_index(s->slab_pools, SlabPool, pid);
	v = s->slab_pages->len - 1;
	/* a page of one slot never has room: kept off the pool's list (its walks stay short) */
	if (cap > 1)
		g_array_append_val(pool->pages, v);
	g_hash_table_insert(s->slab_ids, (gpointer)(uintptr_t)ev->id, GUINT_TO_POINTER(v + 1));
	s->totals.slab_pages_allocated++;
	return ns;
}

bool sim_slab_free(PsSim *s, const PsTraceEvent *ev, int cpu, uint64_t *ns)
{
	uint32_t v;

	if (!s->slab_ids)
		return false;
	v = GPOINTER_TO_UINT(g_hash_table_lookup(s->slab_ids, (gpointer)(uintptr_t)ev->id));
	if (!v)
		return false;
	g_hash_table_remove(s->slab_ids, (gpointer)(uintptr_t)ev->id);
	s->totals.frees++;
	*ns = slot_put(s, v - 1, ev->cpu < 0 ? -1 : cpu);
	return true;
}

void sim_slab_clear(PsSim *s)
{
	if (s->slab_pools)
		for (guint i = 0; i < s->slab_pools->len; i++)
			g_array_unref(g_array_index(s->slab_pools, SlabPool, i).pages);
	g_clear_pointer(&s->slab_pools, g_array_unref);
	g_clear_pointer(&s->slab_pages, g_array_unref);
	g_clear_pointer(&s->slab_ids, g_hash_table_unref);
}
