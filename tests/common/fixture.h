/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fixture.h - small machines for mm/ and policy/ unit tests, built straight from a PsMachineSpec
 * so these tests do not depend on the config parser, and a fake host (FixtureHost) that attaches
 * the policy (slow path, reclaim, kswapd, kcompactd, OOM) to such a machine on its own engine.
 */
#ifndef PS_TEST_FIXTURE_H
#define PS_TEST_FIXTURE_H

#include <string.h>

#include "core/core.h"
#include "policy/policy.h"

/* Kernel-default sysctls (kernel-facts §0.1) with min_free_kbytes left to the kernel's rule. */
static inline void fixture_default_sysctl(PsSysctl *s)
{
	static const int ratio[PS_MAX_NR_ZONES] = {256, 256, 32, 0, 0};

	memset(s, 0, sizeof(*s));
	s->min_free_kbytes = -1;
	s->user_min_free_kbytes = -1;
	s->watermark_scale_factor = 10;
	s->watermark_boost_factor = 15000;
	memcpy(s->lowmem_reserve_ratio, ratio, sizeof(ratio));
	s->extfrag_threshold = 500;
	s->compaction_proactiveness = 20;
	s->swappiness = 60;
	s->stat_interval_ns = 1000000000ull;
}

/* One node; zones given as {start_pfn, spanned, managed} (present = managed). */
static inline void fixture_spec_1node(PsMachineSpec *spec, uint32_t page_size, int ncpus)
{
	memset(spec, 0, sizeof(*spec));
	spec->page_size = page_size;
	g_assert_true(ps_page_size_defaults(page_size, &spec->max_order, &spec->pageblock_order,
					    &spec->thp_order));
	spec->thp_built = true;
	spec->thp_mode = 1;
	spec->nr_cpus = ncpus;
	spec->nr_nodes = 1;
	spec->distance[0][0] = 10;
	spec->pcp_batch_scale_max = 5;
	spec->seed = 1;
	fixture_default_sysctl(&spec->sysctl);
}

static inline void fixture_zone(PsMachineSpec *spec, int node, enum ps_zone_type t, ps_pfn_t start,
				uint64_t spanned, uint64_t managed)
{
	spec->zones[node][t].start_pfn = start;
	spec->zones[node][t].spanned = spanned;
	spec->zones[node][t].present = managed;
	spec->zones[node][t].managed = managed;
}

static inline PsMachine *fixture_machine(const PsMachineSpec *spec)
{
	GError *error = NULL;
	PsMachine *m = ps_machine_setup(spec, &error);

	g_assert_no_error(error);
	g_assert_nonnull(m);
	return m;
}

/* A 4K machine with one CPU and one Normal zone of `pages` pages at `start`. */
static inline PsMachine *fixture_normal_only(ps_pfn_t start, uint64_t pages)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 1);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, start, pages, pages);
	return fixture_machine(&spec);
}

static inline void fixture_check(PsMachine *m)
{
	GError *error = NULL;

	if (!ps_machine_check(m, &error))
		g_error("invariant: %s", error->message);
}

/* Takes order-0 pages straight from the buddy until the zone has `free` pages left. */
static inline void fixture_take_to(PsMachine *m, PsZone *z, int64_t free)
{
	while (z->vm_stat[PS_NR_FREE_PAGES] > free) {
		ps_pfn_t pfn = PS_PFN_NONE;

		for (int mt = 0; mt < PS_MT_PCPTYPES && pfn == PS_PFN_NONE; mt++)
			pfn = ps_rmqueue_smallest(m, z, 0, (enum ps_migratetype)mt);
		g_assert_cmpuint(pfn, !=, PS_PFN_NONE);
		ps_page_mark_allocated(m, z, pfn, 0);
	}
}

/* What prepare_alloc_pages builds for a request from CPU 0 on node 0 (no memory policy). */
static inline void fixture_alloc_context(PsMachine *m, uint64_t gfp, unsigned order,
					 PsAllocContext *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->gfp = gfp;
	ac->order = order;
	ac->highest_zoneidx = ps_gfp_zone(gfp);
	ac->migratetype = ps_gfp_migratetype(gfp);
	ac->zonelist = (gfp & PS_GFP_THISNODE) ? &m->nodes[0].zonelist_nofallback
					       : &m->nodes[0].zonelist_fallback;
	ac->preferred_zone = ac->zonelist->zones[0];
}

/* ---- a fake host -------------------------------------------------------------------------- */

#define FIXTURE_NO_HANDLE UINT32_MAX
#define FIXTURE_MAX_TASKS 8

/* One block the host holds, by handle. */
typedef struct {
	ps_pfn_t pfn;
	unsigned order;
	bool live;
} FixtureBlock;

/*
 * The host side of PsHostOps for policy tests: it owns the machine, the engine and the policy,
 * hands out handles for the blocks it allocates (the owner compaction reports moves of), frees
 * what reclaim evicts, gives the OOM killer `tasks` and records what the policy did. Freed pages
 * go straight to the buddy unless `via_pcp` is set, so that NR_FREE_PAGES counts them at once and
 * an expected value follows from the watermark rules alone (the kernel parks them on the per-cpu
 * list first, up to pcp->high).
 */
typedef struct {
	PsMachine *m;
	PsEngine *e;
	PsPolicy *p;
	bool via_pcp;
	GArray *blocks; /* FixtureBlock, index = handle */
	PsOomTask tasks[FIXTURE_MAX_TASKS];
	size_t nr_tasks;
	/* What the policy did through the callbacks. */
	uint64_t evicted_pages, swapped_pages, migrated_blocks;
	bool may_split;	       /* the split callback splits (else it refuses, as no host did) */
	uint64_t split_folios; /* folios split through it */
	int current;	       /* 1 + the task index of the allocating task; 0: none */
	unsigned kills;
	size_t killed;	       /* task index of the last kill */
	uint64_t kill_badness; /* its points as the killer passed them */
	uint64_t kill_reap_at;
	GHashTable *events; /* event type -> count */
	/* The last event: its type, keys (the policy's static array) and values. */
	const char *last_event;
	const char *const *last_keys;
	int64_t last_vals[32];
	uint64_t last_after_ns; /* its time past the engine's now (PsHostOps.event) */
} FixtureHost;

static inline void fixture_host_release(FixtureHost *h, uint32_t handle)
{
	FixtureBlock *b = &g_array_index(h->blocks, FixtureBlock, handle);
	PsZone *z = ps_pfn_zone(h->m, b->pfn);

	g_assert_true(b->live);
	b->live = false;
	if (h->via_pcp) {
		ps_free_pages(h->m, b->pfn, b->order, 0);
		return;
	}
	g_assert_cmpuint(z->nr_allocated, >=, 1ull << b->order);
	z->nr_allocated -= 1ull << b->order;
	ps_buddy_free(h->m, z, b->pfn, b->order, PS_FPI_NONE);
}

static inline void fixture_host_evict(void *data, uint32_t handle, bool swapped)
{
	FixtureHost *h = data;
	uint64_t pages = 1ull << g_array_index(h->blocks, FixtureBlock, handle).order;

	fixture_host_release(h, handle);
	h->evicted_pages += pages;
	if (swapped)
		h->swapped_pages += pages;
}

static inline size_t fixture_host_oom_tasks(void *data, const PsOomTask **tasks)
{
	FixtureHost *h = data;

	for (size_t i = 0; i < h->nr_tasks; i++)
		h->tasks[i].current = h->current == (int)i + 1;
	*tasks = h->tasks;
	return h->nr_tasks;
}

static inline void fixture_host_oom_kill(void *data, size_t i, uint64_t badness,
					 uint64_t reap_at_ns, const PsAllocContext *ac)
{
	FixtureHost *h = data;

	h->tasks[i].victim = true;
	h->kills++;
	h->killed = i;
	h->kill_badness = badness;
	h->kill_reap_at = reap_at_ns;
}

static inline bool fixture_host_current_is_oom_victim(void *data)
{
	FixtureHost *h = data;

	return h->current > 0 && h->tasks[h->current - 1].victim;
}

static inline void fixture_host_migrated(void *data, uint32_t handle, ps_pfn_t old_pfn,
					 ps_pfn_t new_pfn)
{
	FixtureHost *h = data;
	FixtureBlock *b = &g_array_index(h->blocks, FixtureBlock, handle);

	g_assert_true(b->live);
	g_assert_cmpuint(b->pfn, ==, old_pfn);
	b->pfn = new_pfn;
	ps_lru_move(h->p, handle, new_pfn);
	h->migrated_blocks++;
}

/* A folio split to base pages: the first keeps its handle, the others get new ones in order. */
static inline bool fixture_host_split(void *data, uint32_t handle, ps_pfn_t pfn)
{
	FixtureHost *h = data;
	unsigned order = g_array_index(h->blocks, FixtureBlock, handle).order;
	uint32_t n = (1u << order) - 1, pieces[512];

	if (!h->may_split || n >= G_N_ELEMENTS(pieces))
		return false;
	ps_page_split_allocated(h->m, pfn, order);
	ps_page_set_owner(h->m, pfn, handle);
	g_array_index(h->blocks, FixtureBlock, handle).order = 0;
	for (uint32_t j = 1; j <= n; j++) {
		FixtureBlock b = {pfn + j, 0, true};

		pieces[j - 1] = h->blocks->len;
		g_array_append_val(h->blocks, b);
		ps_page_set_owner(h->m, pfn + j, pieces[j - 1]);
	}
	ps_lru_split(h->p, handle, pieces, n);
	h->split_folios++;
	return true;
}

static inline void fixture_host_event(void *data, const char *type, const char *const *keys,
				      const int64_t *vals, uint64_t after_ns)
{
	FixtureHost *h = data;
	gpointer n = g_hash_table_lookup(h->events, type);

	g_hash_table_insert(h->events, (gpointer)type, GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
	h->last_event = type;
	h->last_keys = keys;
	h->last_after_ns = after_ns;
	for (unsigned i = 0; keys && keys[i]; i++) {
		g_assert_cmpuint(i, <, G_N_ELEMENTS(h->last_vals));
		h->last_vals[i] = vals[i];
	}
}

/* The value of `key` in the last event, which must be of `type` and have the key. */
static inline int64_t fixture_host_last(const FixtureHost *h, const char *type, const char *key)
{
	g_assert_nonnull(h->last_event);
	g_assert_cmpstr(h->last_event, ==, type);
	for (unsigned i = 0; h->last_keys[i]; i++)
		if (!strcmp(h->last_keys[i], key))
			return h->last_vals[i];
	g_assert_not_reached();
	return 0;
}

/* How many events of `type` the policy reported. */
static inline unsigned fixture_host_events(const FixtureHost *h, const char *type)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(h->events, type));
}

/* Attaches the policy to m (taken over) with rc, or the default reclaim config if NULL. */
static inline FixtureHost *fixture_host_new(PsMachine *m, const PsReclaimConfig *rc)
{
	FixtureHost *h = g_new0(FixtureHost, 1);
	PsReclaimConfig def;
	PsHostOps ops = {
	    .data = h,
	    .evict = fixture_host_evict,
	    .oom_tasks = fixture_host_oom_tasks,
	    .oom_kill = fixture_host_oom_kill,
	    .current_is_oom_victim = fixture_host_current_is_oom_victim,
	    .migrated = fixture_host_migrated,
	    .split = fixture_host_split,
	    .event = fixture_host_event,
	};

	if (!rc) {
		ps_reclaim_config_default(&def);
		rc = &def;
	}
	h->m = m;
	h->e = ps_engine_new();
	h->blocks = g_array_new(FALSE, TRUE, sizeof(FixtureBlock));
	h->events = g_hash_table_new(g_str_hash, g_str_equal);
	h->p = ps_policy_new(m, h->e, rc, &ops);
	return h;
}

static inline void fixture_host_free(FixtureHost *h)
{
	ps_policy_free(h->p);
	ps_engine_free(h->e);
	ps_machine_free(h->m);
	g_array_unref(h->blocks);
	g_hash_table_unref(h->events);
	g_free(h);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FixtureHost, fixture_host_free)

/* The Normal zone of node 0, where most policy fixtures keep their memory. */
static inline PsZone *fixture_host_normal(FixtureHost *h)
{
	return ps_machine_zone(h->m, 0, PS_ZONE_NORMAL);
}

/* A vm event counter of the host's machine. */
static inline uint64_t fixture_host_vm(const FixtureHost *h, enum ps_vm_event e)
{
	return h->m->vm_events[e];
}

/* Registers the allocated block at pfn under a new handle (its owner), on an LRU if kind < NR. */
static inline uint32_t fixture_host_own(FixtureHost *h, ps_pfn_t pfn, unsigned order,
					enum ps_folio_kind kind, bool dirty)
{
	FixtureBlock b = {pfn, order, true};
	uint32_t handle = h->blocks->len;

	g_array_append_val(h->blocks, b);
	ps_page_set_owner(h->m, pfn, handle);
	if (kind < PS_NR_FOLIO_KINDS)
		ps_lru_add(h->p, handle, pfn, order, kind, dirty, PS_MEMCG_ROOT);
	return handle;
}

/* ps_alloc_pages from CPU 0; the block, if any, is owned as fixture_host_own does. */
static inline uint32_t fixture_host_alloc(FixtureHost *h, uint64_t gfp, unsigned order,
					  enum ps_folio_kind kind, bool dirty, PsAllocOutcome *out)
{
	ps_alloc_pages(h->m, gfp, order, 0, NULL, out);
	if (out->result != PS_ALLOC_OK)
		return FIXTURE_NO_HANDLE;
	return fixture_host_own(h, out->pfn, order, kind, dirty);
}

/* Puts `pages` order-0 folios of `kind` on the LRU, taken straight from the buddy of z. */
static inline void fixture_host_add_lru(FixtureHost *h, PsZone *z, uint64_t pages,
					enum ps_folio_kind kind, bool dirty)
{
	for (uint64_t i = 0; i < pages; i++) {
		ps_pfn_t pfn = PS_PFN_NONE;

		for (int mt = 0; mt < PS_MT_PCPTYPES && pfn == PS_PFN_NONE; mt++)
			pfn = ps_rmqueue_smallest(h->m, z, 0, (enum ps_migratetype)mt);
		g_assert_cmpuint(pfn, !=, PS_PFN_NONE);
		ps_page_mark_allocated(h->m, z, pfn, 0);
		ps_page_set_movable(h->m, pfn, true);
		fixture_host_own(h, pfn, 0, kind, dirty);
	}
}

/* Adds a task for the OOM killer. */
static inline PsOomTask *fixture_host_task(FixtureHost *h, int pid, uint64_t rss, int adj)
{
	PsOomTask *t;

	g_assert_cmpuint(h->nr_tasks, <, FIXTURE_MAX_TASKS);
	t = &h->tasks[h->nr_tasks++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->rss_pages = rss;
	t->oom_score_adj = adj;
	return t;
}

#endif
