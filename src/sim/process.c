// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * process.c - the processes of a trace and the memory they own: allocations by trace id, the
 * virtual mappings (VMAs) of `map`, the base pages and THPs `touch` faults in, `unmap`, `exit`.
 * This is the home of page-size-portable replay: a fault is one page of the *simulated* machine.
 *
 * Kernel counterparts: do_anonymous_page / do_huge_pmd_anonymous_page for a first touch (the
 * THP decision is policy/huge_memory.c's), zap_pte_range for unmap, exit_mmap for exit,
 * workingset_refault and do_swap_page for a touch of a page reclaim took.
 *
 * User memory is faulted one page of the simulated machine at a time, so a trace recorded on
 * 4 KiB pages faults 16 times less often on a 64 KiB machine and clears 16 times more per fault.
 * Where THP applies a fault whose PMD-sized, PMD-aligned range lies inside the mapping and has
 * nothing mapped yet takes a PMD-order page first, falling back to a base page.
 *
 * Simplifications (why acceptable):
 * - Unmapping part of a THP leaves the huge page mapped until the whole PMD range is unmapped or
 *   the process exits (the kernel splits it and frees the unmapped part later, via the deferred
 *   split queue); the difference is transient.
 * - Page tables: one PTE page (GFP_PGTABLE_USER, kind pagetable) per PMD range of the simulated
 *   machine (page_size / 8 entries: 2 MiB at 4 KiB, 32 MiB at 16 KiB, 512 MiB at 64 KiB) that a
 *   fault maps first, a THP fault included (do_huge_pmd_anonymous_page deposits one);
 *   __pte_alloc. It goes when an unmap leaves its range empty (free_pgtables frees it with the
 *   VMA; the kernel keeps it after MADV_DONTNEED, which the simulator does not tell apart) or
 *   at exit. Above it the levels of the machine's geometry (config `va_bits`, default 48:
 *   ARM64_HW_PGTABLE_LEVELS = (va_bits - 4) / (page_shift - 3), 4 at 4K and 16K, 3 at 64K;
 *   x86-64 4-level is the 4K case): __pmd_alloc / __pud_alloc / __p4d_alloc make a table
 *   page when a walk first needs it, the PGD (pgd_alloc) is a page only where it fills one
 *   (4K; a pgd_cache slab object at 16K and 64K, not modelled), all GFP_PGTABLE_USER order 0.
 *   A table goes when no table is left under it (free_pgd_range frees it when no VMA is left
 *   in its range); the PGD with the last one, which is exec's unmap of the old image: the next
 *   fault allocates the new mm's, as execve's mm_alloc does. x86 with page-table isolation
 *   allocates an order-1 PGD; the VM the recordings come from runs without it. A `proc` with
 *   a `parent` (a fork that copied the parent's mm, dup_mm) gets the PGD and copies of the
 *   parent's PTE pages where the parent has anonymous pages mapped, with the tables above
 *   (copy_page_range, vma_needs_copy; see fork_copy). Generated traces get their tables here
 *   too: the generators write no page-table records.
 * - mmu_gather (mm/mmu_gather.c): an unmap or exit gathers the pages it unmaps in batch pages of
 * the simulated size, allocated GFP_NOWAIT before the pages are freed and freed after them (see
 * gather_batch_pages). Each unmap record is a gather of its own (the kernel gathers one munmap's
 * VMAs, or a whole exec's or exit's mm, in one): it differs by a page now and then.
 * - Page-table pages an unmap or exit frees go through tlb_remove_table (6.18 x86 and arm64 both
 *   select MMU_GATHER_RCU_TABLE_FREE): a batch page, GFP_NOWAIT, per MAX_TABLE_BATCH tables,
 *   and tlb_table_flush's call_rcu; tlb_remove_table_rcu frees the tables and then the batch
 *   page in the RCU softirq of the cpu that queued them, after a grace period (see
 *   RCU_TABLE_GP_NS). Until then they are nobody's pages but still allocated, and their frees
 *   come between the later records' allocations of that cpu, each halving its pcp alloc_factor
 *   (free_frozen_page_commit). When the batch page cannot be had, tlb_remove_table hands that
 *   one table to tlb_remove_table_one and asks for a batch page again at the next table. On
 *   x86-64 (6.18 selects ARCH_SUPPORTS_PT_RECLAIM there, and PT_RECLAIM defaults to y)
 *   __tlb_remove_table_one is a call_rcu of the table alone, so it waits a grace period too,
 *   queued between the batches; the model does that on every machine. Simplifications: arm64
 *   6.18 has no PT_RECLAIM and frees such a table at once (after tlb_remove_table_sync_one's
 *   IPI); the difference is only for a GFP_NOWAIT order-0 allocation that failed, rare even
 *   under pressure. Every batch waits the same fixed time (the kernel ends one grace period
 *   for all callbacks queued before it, so their waits differ), and what is still waiting
 *   when the trace ends stays allocated, as the kernel's frees after tracing stopped are not
 *   in the recording either.
 * - File mappings (`map` and `touch` of kind file): a read fault maps the page-cache page at the
 *   address (do_read_fault) and, where fault_around_bytes (64 KiB) is more than one page, the
 *   pages around it that do_fault_around's window allows, inside the mapping and the PTE page;
 *   no allocation but the PTE page, and each mapped page is an mmu_gather entry at unmap or exit.
 *   filemap_map_pages maps only pages in the page cache and uptodate; the simulator does not key
 *   its page cache by the mapped file (the recording gives an fd, not the inode) and maps the
 *   whole window: program text and libraries, which most read faults are for, stay cached. A
 *   write (copy) touch in a file mapping takes an order-0 anonymous page in place of the file
 *   page (do_cow_fault, wp_page_copy). Large file folios are mapped a PTE and a gather entry a
 *   page (folio_pte_batch would make it two entries a folio).
 * - A `touch` of kind anon (a write fault that copies a page the task shares with a forked
 *   child: wp_page_copy) allocates an order-0 page for a present one and frees the old record
 *   at once; the kernel's old page stays with the child until it writes, execs or exits. The
 *   simulator gives a child no copy of its parent's pages, so the page count holds and the
 *   allocations are the kernel's; the free comes earlier.
 * - A task's allocations after its `exit` (exit_mm runs after sched_process_exit) stay the
 *   exited process's: no second, nameless process for its pid.
 * - The kind of an allocation without one is derived from its GFP flags: __GFP_MOVABLE with
 *   __GFP_WRITE -> file, __GFP_MOVABLE -> anon, __GFP_RECLAIMABLE -> slab_reclaimable,
 *   otherwise kernel.
 */
#include <string.h>

#include "sim/sim-private.h"

/* ---- records and processes -------------------------------------------------------------- */

/*
 * Room for twice the records there are (at least RECS_RESERVE_MIN), in a PsRoom (util/mem.c):
 * every page operation reads or writes a record at a scattered place in the array (a kbuild
 * replay has ~16 MB of them), so it is in huge pages, faulted 2 MiB at a time where records are
 * first written; growing copies nothing (the GArray this was moved whole at each doubling, into
 * fresh 4 KiB pages: glibc's mremap failed on the mapping madvise had split).
 */
#define RECS_RESERVE_MIN ((guint)1 << 16)

static void rec_reserve(PsSim *s, guint want)
{
	guint n = MAX(2 * want, RECS_RESERVE_MIN);

	ps_room_grow(&s->recs_room, (gsize)n * sizeof(Rec));
	s->recs = s->recs_room.base;
	s->recs_reserved = (guint)MIN(s->recs_room.committed / sizeof(Rec), (gsize)G_MAXUINT);
}

/* A record to fill. Inline (as rec_put, proc_link, proc_unlink): once per allocation. */
static inline uint32_t rec_new(PsSim *s)
{
	if (s->nr_free_recs) {
		uint32_t i = s->free_recs[--s->nr_free_recs];
		Rec *q = rec_at(s, i);

		/*
		 * Field by field, not a struct copy: the copy read back a stack temporary that was
		 * written in pieces, a failed store forward on every allocation.
		 */
		q->pfn = PS_PFN_NONE;
		q->order = q->mt = q->kind = q->flags = 0;
		q->cpu = 0;
		q->proc = -1;
		q->own = REC_NONE;
		q->id = 0;
		return i;
	}
	if (s->nr_recs >= s->recs_reserved)
		rec_reserve(s, s->nr_recs);
	/* a record of its own, as the recycled one above is reset */
	s->recs[s->nr_recs] = (Rec){.pfn = PS_PFN_NONE, .proc = -1, .own = REC_NONE};
	return s->nr_recs++;
}

static inline void rec_put(PsSim *s, uint32_t ri)
{
	if (s->nr_free_recs == s->free_recs_cap) {
		s->free_recs_cap = MAX(2 * s->free_recs_cap, 4096u);
		s->free_recs = g_renew(uint32_t, s->free_recs, s->free_recs_cap);
	}
	s->free_recs[s->nr_free_recs++] = ri;
}

void sim_proc_cache_reset(PsSim *s)
{
	for (gsize i = 0; i < SIM_PID_CACHE; i++)
		s->pid_cache[i] = (SimPidSlot){.pid = -1, .pi = -1};
}

const SimPidSlot *sim_proc_fill(PsSim *s, int pid)
{
	SimPidSlot *c = &s->pid_cache[(unsigned)pid & (SIM_PID_CACHE - 1)];
	gpointer v = g_hash_table_lookup(s->pid_map, GINT_TO_POINTER(pid));

	c->pid = pid;
	c->live = v != NULL;
	if (!v)
		v = g_hash_table_lookup(s->exited_map, GINT_TO_POINTER(pid));
	c->pi = GPOINTER_TO_INT(v) - 1;
	return c;
}

static int proc_create(PsSim *s, int pid, const char *comm, int adj)
{
	Proc p = {.pid = pid, .oom_score_adj = adj};

	ps_mempolicy_init(&p.pol);
	g_strlcpy(p.comm, comm, sizeof(p.comm));
	sim_pgt_init(&p.pgt, &s->pgt_pool);
	sim_pgt_init(&p.ptes, &s->pgt_pool);
	g_array_append_val(s->procs, p);
	g_hash_table_insert(s->pid_map, GINT_TO_POINTER(pid), GINT_TO_POINTER(s->procs->len));
	g_hash_table_remove(s->exited_map, GINT_TO_POINTER(pid));
	sim_proc_cache_reset(s);
	s->totals.procs++;
	return (int)s->procs->len - 1;
}

/* The process of a record that names a pid, created on first sight. -1 for pid -1. */
static int proc_get(PsSim *s, int pid)
{
	int i;

	if (pid < 0)
		return -1;
	/* exit_mm and what follows it run after sched_process_exit: still that process */
	i = sim_proc_find_exited(s, pid);
	if (i >= 0)
		return i;
	s->anomalies[PS_ANOM_PID_WITHOUT_PROC]++;
	return proc_create(s, pid, "", 0);
}

/*
 * proc_get of the record being run: exec_event has looked its pid up already (s->cur_proc, what
 * sim_proc_find_exited answers until a record creates a process); proc_get when it found none
 * (and creates it). ~23 instructions a touch record.
 */
static inline int rec_proc_get(PsSim *s, const PsTraceEvent *ev)
{
	return s->cur_proc >= 0 ? s->cur_proc : proc_get(s, ev->pid);
}

/*
 * Room for one more entry in p->own, which is full: the array is squeezed (live entries keep
 * their order) when at least half of it is holes, else it grows. Out of line: proc_link tests
 * for room itself, and the call with its frame was ~14 instructions an allocation.
 */
static G_GNUC_NO_INLINE void own_reserve(PsSim *s, Proc *p)
{
	uint32_t n = 0;

	if (!p->own_len || p->own_live > p->own_len / 2) {
		p->own_cap = MAX(2 * p->own_cap, 64u);
		p->own = g_renew(uint32_t, p->own, p->own_cap);
		return;
	}
	for (uint32_t i = 0; i < p->own_len; i++) {
		uint32_t ri = p->own[i];

		if (ri == REC_NONE)
			continue;
		rec_at(s, ri)->own = n;
		p->own[n++] = ri;
	}
	p->own_len = n;
}

/* p is process pi (the caller has it at hand) */
G_ALWAYS_INLINE static inline void proc_link(PsSim *s, Proc *p, int pi, uint32_t ri)
{
	Rec *r = rec_at(s, ri);

	if (G_UNLIKELY(p->own_len >= p->own_cap))
		own_reserve(s, p);
	r->proc = pi;
	r->own = p->own_len;
	p->own[p->own_len++] = ri;
	p->own_live++;
	p->rss_pages += 1ull << r->order;
	p->kind_pages[r->kind] += 1ull << r->order;
	if (r->kind == PS_KIND_ANON && p->kind_pages[PS_KIND_ANON] > p->anon_peak_pages)
		p->anon_peak_pages = p->kind_pages[PS_KIND_ANON];
	if (r->kind == PS_KIND_PAGETABLE && p->kind_pages[r->kind] > p->pgtable_peak_pages)
		p->pgtable_peak_pages = p->kind_pages[r->kind];
}

/* r, one of p's records, leaves p's counts and is nobody's; its p->own entry is the caller's */
G_ALWAYS_INLINE static inline void proc_unlink_counts(Proc *p, Rec *r)
{
	if (!(r->flags & REC_GONE)) {
		p->rss_pages -= 1ull << r->order;
		p->kind_pages[r->kind] -= 1ull << r->order;
	}
	if (r->flags & REC_SWAPPED)
		p->swap_pages -= 1ull << r->order;
	r->proc = -1;
	r->own = REC_NONE;
}

G_ALWAYS_INLINE static inline void proc_unlink(PsSim *s, uint32_t ri)
{
	Rec *r = rec_at(s, ri);
	Proc *p;
	uint32_t *own, n;

	if (r->proc < 0)
		return;
	p = proc_at(s, r->proc);
	own = p->own;
	own[r->own] = REC_NONE;
	p->own_live--;
	/*
	 * the newest entries are holes: drop them, so the last entry is always a live one (in
	 * locals: a store to own_len could alias own[], which was read again each step)
	 */
	n = p->own_len; /* at least 1: r is in own */
	if (own[n - 1] == REC_NONE)
		do
			n--;
		while (n && own[n - 1] == REC_NONE);
	p->own_len = n;
	proc_unlink_counts(p, r);
}

/* ---- trace id map ------------------------------------------------------------------------ */

uint32_t sim_id_lookup(PsSim *s, uint64_t id)
{
	if (id < ID_ARRAY_MAX)
		return id < s->id_map->len ? g_array_index(s->id_map, uint32_t, id) : 0;
	return GPOINTER_TO_UINT(g_hash_table_lookup(s->id_big, (gpointer)(uintptr_t)id));
}

static void id_set(PsSim *s, uint64_t id, uint32_t v)
{
	if (id < ID_ARRAY_MAX) {
		if (id >= s->id_map->len)
			g_array_set_size(s->id_map, MAX((guint)id + 1, s->id_map->len * 2));
		g_array_index(s->id_map, uint32_t, id) = v;
	} else if (v) {
		g_hash_table_insert(s->id_big, (gpointer)(uintptr_t)id, GUINT_TO_POINTER(v));
	} else {
		g_hash_table_remove(s->id_big, (gpointer)(uintptr_t)id);
	}
}

/* ---- model actions ------------------------------------------------------------------------ */

void sim_pb_account_blocks(PsSim *s, ps_pfn_t pfn, unsigned order, unsigned mt, int sign)
{
	PsMachine *m = s->m;
	uint64_t pb = (pfn - m->map.base_pfn) >> m->pageblock_order;
	uint64_t n = 1ull << (order - m->pageblock_order);
	uint32_t pages = (uint32_t)m->pageblock_nr_pages;

	for (uint64_t i = 0; i < n; i++) {
		uint32_t *c = &s->pb_alloc[(pb + i) * PS_MT_PCPTYPES + mt];
		uint8_t *t = &s->pb_types[pb + i];
		uint32_t old = *c;

		*c = sign > 0 ? old + pages : old - pages;
		if (!old || !*c)
			*t ^= (uint8_t)(1u << mt);
	}
}

static enum ps_alloc_kind kind_from_gfp(uint64_t gfp)
{
	if (gfp & PS_GFP_MOVABLE)
		return (gfp & PS_GFP_WRITE) ? PS_KIND_FILE : PS_KIND_ANON;
	if (gfp & PS_GFP_RECLAIMABLE)
		return PS_KIND_SLAB_RECLAIMABLE;
	return PS_KIND_KERNEL;
}

/*
 * zone->lock and a node's lru_lock as resources: a cpu that needs one at simulated time `at`
 * while another cpu holds it waits until it is free, then holds it for `hold` ns. Requests are
 * served in the order the simulator runs them, which is time order and deterministic; the
 * kernel's queued spinlock serves waiters first come, first served as well. Returns the wait,
 * which is added to the latency of the allocation or free that needed the lock and counted in
 * totals.lock_wait_ns. One cpu never waits for itself: its next record starts after its
 * previous one ended.
 *
 * A lock remembers its last hold only, [l[0], l[1]). Requests mostly come in time order, but
 * one record can run ahead: a touch of many pages runs all its faults at once, taking the lock
 * at times up to its end. A request that falls before the last hold started is assumed to fit
 * in a gap between holds (simplification: no list of holds per lock), so that a long touch on
 * one cpu does not make every other cpu wait for its last fault.
 */
static uint64_t lock_take(PsSim *s, uint64_t *l, uint64_t at, uint64_t hold)
{
	uint64_t wait = 0;

	if (at < l[0])
		return 0;
	if (at < l[1])
		wait = l[1] - at;
	l[0] = at + wait;
	l[1] = at + wait + hold;
	s->totals.lock_wait_ns += wait;
	s->totals.lock_waits += wait != 0;
	return wait;
}

/*
 * Frees a live record's pages at simulated time `at`; returns the latency of the free. Inline
 * into exit's walk (every page of a kbuild replay is freed there) and unmap's free of the
 * gathered pages (~19 instructions a page of churn-portable as a call); rec_free is the
 * out-of-line copy for the other callers. owner: the process whose exit walk frees the record,
 * which empties its own[] itself (the record leaves only its counts), or NULL.
 */
G_ALWAYS_INLINE static inline uint64_t free_rec(PsSim *s, uint32_t ri, int cpu, uint64_t at,
						Proc *owner)
{
	Rec *r = rec_at(s, ri);
	uint64_t before, merges = s->m->buddy_merges_total, merged, ns;
	PsZone *z;

	g_assert(r->flags & REC_LIVE);
	if (r->flags & REC_GONE) {
		/* Reclaim or the reaper already freed the pages; give back a swap slot. */
		if (r->flags & REC_SWAPPED)
			ps_swap_release(s->policy, 1ull << r->order);
		if (owner)
			proc_unlink_counts(owner, r);
		else
			proc_unlink(s, ri);
		r->flags = 0;
		rec_put(s, ri);
		return 0;
	}
	/*
	 * The pages that reached the buddy: only z's free count moves (a free and the pcp drain
	 * it may cause stay in the zone of the page).
	 */
	z = ps_pfn_zone(s->m, r->pfn);
	g_assert(z != NULL);
	before = (uint64_t)z->vm_stat[PS_NR_FREE_PAGES];
	ps_lru_del(s->policy, ri);
	ps_free_pages_zone(s->m, z, r->pfn, r->order, cpu);
	sim_pb_account(s, r->pfn, r->order, r->mt, -1);
	if (r->kind == PS_KIND_SLAB)
		s->m->nodes[z->node].stat[PS_NR_SLAB_UNRECLAIMABLE_B] -= 1ll << r->order;
	if (owner)
		proc_unlink_counts(owner, r);
	else
		proc_unlink(s, ri);
	r->flags = 0;
	r->pfn = PS_PFN_NONE;
	rec_put(s, ri);
	merged = (uint64_t)z->vm_stat[PS_NR_FREE_PAGES] - before;
	merges = s->m->buddy_merges_total - merges;
	ns = ps_cost_free_pages(&s->cfg->costs, merged, merges);
	/* free_pcppages_bulk or free_one_page: the pages reached the buddy under zone->lock. */
	if (merged)
		ns += lock_take(s, s->zone_lock_free[z - s->m->zones], at,
				ps_cost_zone_lock_hold_free(&s->cfg->costs, merged, merges));
	s->totals.allocator_ns += ns;
	return ns;
}

static uint64_t rec_free(PsSim *s, uint32_t ri, int cpu, uint64_t at)
{
	return free_rec(s, ri, cpu, at, NULL);
}

/* clear_highpage / folio_zero_user of a folio of 2^order pages, counted in totals.zeroing_ns. */
static uint64_t zero_folio(PsSim *s, unsigned order)
{
	uint64_t ns = ps_cost_clear_highpage(&s->cfg->costs, s->m->page_size, order);

	s->totals.zeroing_ns += ns;
	return ns;
}

/*
 * folio_add_lru: the folio joins the cpu's batch; when the batch is full
 * (PS_FOLIO_BATCH_SIZE), or the folio is large (folio_may_be_lru_cached() keeps large folios
 * out of the batch), folio_batch_move_lru moves the whole batch onto the LRU lists under the
 * lruvec's lru_lock, and the allocation that filled it pays for all of it. The simulator's LRU
 * lists themselves are updated at once (ps_lru_add); only the cost is batched, so reclaim and
 * placement do not move. Inline: every anonymous and page-cache allocation calls it.
 */
G_ALWAYS_INLINE static inline uint64_t folio_add_lru(PsSim *s, int cpu, unsigned order, uint64_t at)
{
	uint64_t hold;
	unsigned n;

	if (cpu < 0)
		return 0;
	n = ++s->lru_batch[cpu];
	if (n < PS_FOLIO_BATCH_SIZE && order == 0)
		return 0;
	s->lru_batch[cpu] = 0;
	/* One lruvec per node: the simulator has no memory cgroups. */
	hold = ps_cost_folio_batch_move_lru(&s->cfg->costs, n);
	return lock_take(s, s->lru_lock_free[s->m->spec.cpu_node[cpu]], at, hold) + hold;
}

static bool anon_fault_alloc(uint64_t gfp, unsigned order, enum ps_alloc_kind kind);

/*
 * A touch's run of order-0 anonymous faults that the pcp list served (sim_op_touch, pages in a
 * row of one record). The request is the same for each (gfp, cpu, no mempolicy), and so is
 * ps_alloc_pcp_hit's zone and watermark test: no take from a pcp list changes what it reads
 * (ps_alloc_pcp_hit_zone), so it is asked at the run's first fault and holds to its end; each
 * page still takes its list's head (an empty list ends the run: a refill), with the counters,
 * the record, its LRU link and page-table entry, in the kernel's order. The latency samples of
 * the pcp path and of the fault go into their histograms as runs of one value (a kbuild fault
 * costs what the one before did ~14 times in 15), in the order they came, and its folios join the
 * LRU at its end (ps_lru_add_run: at the heads in the same order, the counts once; only reclaim
 * and the outputs read the LRU, and neither runs inside a run). A run ends
 * (touch_run_end) before anything else can run: a fault on any other path (a present or file
 * page, a refault, a page-table allocation, a THP or mTHP fault, a copy and its free), an
 * allocation the pcp list does not serve, the record's end. The differential test
 * (tests/sim/test-touch-run.c) replays with PsRunOptions.touch_run_off (every fault one at a time,
 * through ps_alloc_pcp_hit) and requires the same outputs.
 */
#define TOUCH_RUN_LRU 64
typedef struct {
	uint64_t path_v, fault_v; /* the pcp path's and the fault's sample runs: value, count */
	uint32_t path_n, fault_n;
	/* ps_alloc_pcp_hit_zone's answer for the run's gfp and cpu, asked at its first fault */
	PsZone *zone;
	unsigned alloc_flags;
	int pindex;
	bool zone_known;
	/* the run's folios still to join the LRU (charged to memcg), flushed when full */
	uint16_t memcg;
	unsigned lru_n;
	uint32_t lru_h[TOUCH_RUN_LRU];
	ps_pfn_t lru_pfn[TOUCH_RUN_LRU];
} TouchRun;

/* The run's folios join the LRU (TouchRun). */
static void touch_run_lru(PsSim *s, TouchRun *run)
{
	ps_lru_add_run(s->policy, run->lru_h, run->lru_pfn, run->lru_n, run->memcg);
	run->lru_n = 0;
}

/* One sample of a run of *v (n of them so far) that h gets at the run's end. */
G_ALWAYS_INLINE static inline void touch_run_sample(PsHist *h, uint64_t *v, uint32_t *n,
						    uint64_t sample)
{
	if (*n && sample != *v) {
		ps_hist_add_n(h, *v, *n);
		*n = 0;
	}
	*v = sample;
	(*n)++;
}

/* The end of a run: its samples added, its zone to be asked again. */
static void touch_run_end(PsSim *s, TouchRun *run)
{
	if (run->lru_n)
		touch_run_lru(s, run);
	run->zone_known = false;
	ps_hist_add_n(&s->hists[PS_PATH_PCP], run->path_v, run->path_n);
	ps_hist_add_n(&s->hists[PS_LAT_FAULT], run->fault_v, run->fault_n);
	run->path_n = run->fault_n = 0;
}

G_ALWAYS_INLINE static inline uint32_t alloc_done(PsSim *s, const PsAllocOutcome *o, uint64_t gfp,
						  unsigned order, int cpu, int pi, Proc *p,
						  enum ps_alloc_kind kind, const char *what,
						  uint64_t *ns, TouchRun *run);

/*
 * One allocation through the model. Returns the record (REC_NONE on failure) and adds the
 * latency to *ns. The body is inline: an order-0 anonymous fault (sim_op_touch, every page a
 * kbuild replay allocates) gets a copy with its order, kind and node folded in; do_alloc is the
 * out-of-line copy for every other caller. An order-0 request without a mempolicy that the pcp
 * list serves (ps_alloc_pcp_hit: nearly every one) gets the outcome's bookkeeping (alloc_done)
 * with that outcome's constants folded in: no latency branches of the slow path, a refill or an
 * OOM wait.
 */
G_ALWAYS_INLINE static inline uint32_t alloc_rec(PsSim *s, uint64_t gfp, unsigned order, int cpu,
						 int pi, enum ps_alloc_kind kind, int node,
						 uint64_t ilx, const char *what, uint64_t *ns,
						 TouchRun *run)
{
	PsAllocOutcome out;
	PsMempolicy pol, *polp = NULL;
	/* valid across the calls below: only a trace record creates a process (proc_create) */
	Proc *p = pi >= 0 ? proc_at(s, pi) : NULL;

	/* (node >= 0 first: a caller's -1 folds the test away) */
	if (node >= 0 && node >= s->m->nr_nodes) {
		/* alloc_pages_node() of a node that is not online: counted, then ignored. */
		s->anomalies[PS_ANOM_NODE_OUT_OF_RANGE]++;
		node = -1;
	}
	if (node >= 0) {
		/* alloc_pages_node(): that node's zonelist first. */
		ps_mempolicy_init(&pol);
		pol.mode = PS_MPOL_PREFERRED;
		pol.nodes = 1ull << node;
		polp = &pol;
	} else if (p && p->pol.mode != PS_MPOL_DEFAULT) {
		/* The task's mempolicy (kernel allocations without a node follow it too). */
		polp = &p->pol;
	}
	/*
	 * The record the allocation after this one will fill was freed long ago, by an exit, a
	 * free or a reap: its cache lines (and its LRU state) load while this allocation and the
	 * next run (the one this allocation fills was loaded by the one before, unless a free
	 * pushed a record, which is then warm).
	 */
	if (s->nr_free_recs > 1) {
		uint32_t after = s->free_recs[s->nr_free_recs - 2];

		__builtin_prefetch(rec_at(s, after), 1);
		ps_lru_prefetch(s->lru_view, after);
	}
	if (!order && !polp && run) {
		/*
		 * a run's faults have one gfp and cpu: the zone and watermark tests hold from its
		 * first fault until something else runs, which ends the run (TouchRun)
		 */
		ps_pfn_t pfn = PS_PFN_NONE;

		if (!run->zone_known) {
			run->zone =
			    ps_alloc_pcp_hit_zone(s->m, gfp, cpu, &run->alloc_flags, &run->pindex);
			run->zone_known = true;
		}
		if (run->zone)
			pfn = ps_alloc_pcp_hit_take(s->m, run->zone, gfp, cpu, run->alloc_flags,
						    run->pindex);
		if (pfn != PS_PFN_NONE) {
			ps_alloc_pcp_hit_outcome(&out, pfn, run->zone->idx);
			return alloc_done(s, &out, gfp, 0, cpu, pi, p, kind, what, ns, run);
		}
	} else if (!order && !polp) {
		int zone;
		ps_pfn_t pfn = ps_alloc_pcp_hit(s->m, gfp, cpu, &zone);

		if (pfn != PS_PFN_NONE) {
			ps_alloc_pcp_hit_outcome(&out, pfn, zone);
			return alloc_done(s, &out, gfp, 0, cpu, pi, p, kind, what, ns, NULL);
		}
	}
	/* a touch's run ends before the rest of the allocator runs */
	if (run)
		touch_run_end(s, run);
	/* A THP fault's folio comes through vma_alloc_folio (alloc_pages_mpol's THP first try). */
	if (order && order == s->m->spec.thp_order && anon_fault_alloc(gfp, order, kind))
		ps_vma_alloc_pages(s->m, gfp, order, cpu, polp, ilx, &out);
	else
		ps_alloc_pages_ilx(s->m, gfp, order, cpu, polp, ilx, &out);
	return alloc_done(s, &out, gfp, order, cpu, pi, p, kind, what, ns, NULL);
}

/*
 * alloc_rec's bookkeeping of the allocator's outcome o: latency, counters, the record. run: the
 * touch's run (TouchRun) an order-0 anonymous pcp hit joins, or NULL.
 */
G_ALWAYS_INLINE static inline uint32_t alloc_done(PsSim *s, const PsAllocOutcome *o, uint64_t gfp,
						  unsigned order, int cpu, int pi, Proc *p,
						  enum ps_alloc_kind kind, const char *what,
						  uint64_t *ns, TouchRun *run)
{
	PsAllocOutcome out = *o;
	uint64_t at, hold, alloc_ns;
	uint32_t ri;
	Rec *r;

	at = ps_engine_now(s->e) + *ns;
	/* the allocator's own work; __GFP_ZERO's clearing is counted apart (zero_folio) */
	alloc_ns =
	    ps_cost_alloc_pages(&s->cfg->costs, &out, gfp & ~PS_GFP_ZERO, s->m->page_size, order);
	/* rmqueue_bulk or rmqueue_buddy held zone->lock: wait while another cpu holds it. */
	if (out.result == PS_ALLOC_OK &&
	    (hold = ps_cost_zone_lock_hold(&s->cfg->costs, &out, order)))
		alloc_ns += lock_take(s, s->zone_lock_free[out.zone], at + out.slow_ns, hold);
	s->totals.allocator_ns += alloc_ns;
	*ns += alloc_ns + out.slow_ns;
	if (out.result == PS_ALLOC_OK && (gfp & PS_GFP_ZERO))
		*ns += zero_folio(s, order);
	s->totals.stall_ns += out.slow_ns;
	if (out.direct_reclaim) {
		s->totals.direct_reclaims++;
		s->node_direct[s->m->spec.cpu_node[cpu]]++;
	}
	if (out.result == PS_ALLOC_OOM_WAIT) {
		/* The OOM victim's memory is back at stall_until: the record waits for it. */
		s->totals.oom_waits++;
		s->retry_at = MAX(out.stall_until, ps_engine_now(s->e) + 1);
		s->retry_cost_ns = *ns;
		s->retry_nodemask = out.wait_nodemask;
		s->retry_highest_zoneidx = out.wait_highest_zoneidx;
		s->totals.stall_ns += s->retry_at - ps_engine_now(s->e);
		/*
		 * The record runs again on this cpu, first, at retry_at; its allocation's latency
		 * sample includes the wait and this attempt (the cpu was busy for them already).
		 */
		if (cpu >= 0)
			s->oom_wait_ns[cpu] += s->retry_at - ps_engine_now(s->e) + *ns;
		return REC_RETRY;
	}
	s->oom_wait_sampled = 0;
	if (cpu >= 0 && s->oom_wait_ns[cpu]) {
		s->oom_wait_sampled = s->oom_wait_ns[cpu];
		s->oom_wait_ns[cpu] = 0;
	}
	s->totals.allocs++;
	if (out.result != PS_ALLOC_OK) {
		if (out.result == PS_ALLOC_INVALID)
			s->totals.alloc_invalid++;
		else
			s->totals.alloc_failed++;
		ps_hist_add(&s->hists[PS_PATH_SLOW], *ns + s->oom_wait_sampled);
		sim_log_failure(s, what, gfp, order, cpu, p ? p->pid : -1, out.result);
		return REC_NONE;
	}
	if (kind == PS_KIND_UNSPEC)
		kind = kind_from_gfp(gfp);
	/* Anon and page-cache folios join the LRU through folio_add_lru's per-cpu batch. */
	if (kind == PS_KIND_ANON || kind == PS_KIND_FILE)
		*ns += folio_add_lru(s, cpu, order, ps_engine_now(s->e) + *ns);
	if (run) /* (given for a pcp hit only) */
		touch_run_sample(&s->hists[PS_PATH_PCP], &run->path_v, &run->path_n,
				 *ns + s->oom_wait_sampled);
	else
		ps_hist_add(&s->hists[out.path], *ns + s->oom_wait_sampled);
	s->totals.alloc_ok++;
	s->totals.pages_allocated += 1ull << order;
	s->totals.allocs_by_order[order]++;
	ri = rec_new(s);
	r = rec_at(s, ri);
	r->pfn = out.pfn;
	r->order = (uint8_t)order;
	r->mt = (uint8_t)(s->m->sysctl.page_group_by_mobility_disabled ? PS_MT_UNMOVABLE
								       : ps_gfp_migratetype(gfp));
	r->kind = (uint8_t)kind;
	r->flags = REC_LIVE;
	r->cpu = (uint16_t)cpu;
	/* The reverse map compaction uses to report a move (host_migrated). */
	ps_page_set_owner(s->m, r->pfn, ri);
	sim_pb_account(s, r->pfn, order, r->mt, +1);
	/* account_slab's NR_SLAB_UNRECLAIMABLE_B (the reclaimable ones: the slab list's) */
	if (kind == PS_KIND_SLAB)
		s->m->nodes[ps_pfn_zone(s->m, r->pfn)->node].stat[PS_NR_SLAB_UNRECLAIMABLE_B] +=
		    1ll << order;
	if (p)
		proc_link(s, p, pi, ri);
	/* Page cache, anon and reclaimable slab go where reclaim can find them. */
	if (run) {
		/* a run's order-0 anonymous folio of p (given for a pcp hit only): at its end */
		uint16_t memcg = p ? p->memcg : PS_MEMCG_ROOT;

		/* one touch record's run: one process, one memcg */
		g_assert(kind == PS_KIND_ANON && !order && (!run->lru_n || memcg == run->memcg));
		if (run->lru_n == TOUCH_RUN_LRU)
			touch_run_lru(s, run);
		run->memcg = memcg;
		run->lru_h[run->lru_n] = ri;
		run->lru_pfn[run->lru_n++] = r->pfn;
	} else if (kind == PS_KIND_ANON || kind == PS_KIND_FILE || kind == PS_KIND_SLAB_RECLAIMABLE)
		ps_lru_add(s->policy, ri, r->pfn, order,
			   kind == PS_KIND_ANON	  ? PS_FOLIO_ANON
			   : kind == PS_KIND_FILE ? PS_FOLIO_FILE
						  : PS_FOLIO_SLAB,
			   kind == PS_KIND_FILE && (gfp & PS_GFP_WRITE),
			   /* mem_cgroup_charge: the allocating task's memcg; a kernel thread's the
			    * root's */
			   p ? p->memcg : PS_MEMCG_ROOT);
	return ri;
}

static uint32_t do_alloc(PsSim *s, uint64_t gfp, unsigned order, int cpu, int pi,
			 enum ps_alloc_kind kind, int node, uint64_t ilx, const char *what,
			 uint64_t *ns)
{
	return alloc_rec(s, gfp, order, cpu, pi, kind, node, ilx, what, ns, NULL);
}

uint32_t sim_alloc_rec(PsSim *s, uint64_t gfp, unsigned order, int cpu, int pi,
		       enum ps_alloc_kind kind, const char *what, uint64_t *ns)
{
	return do_alloc(s, gfp, order, cpu, pi, kind, -1, PS_NO_INTERLEAVE_INDEX, what, ns);
}

uint64_t sim_rec_free(PsSim *s, uint32_t ri, int cpu)
{
	return rec_free(s, ri, cpu, ps_engine_now(s->e));
}

int sim_proc_get(PsSim *s, int pid)
{
	return proc_get(s, pid);
}

/*
 * The order that holds `bytes`. Rounded up without adding page_size - 1 first, which wrapped
 * sizes from 2^64 - page_size + 1 up to a one-page order; such sizes now come out above any
 * max_order and fail as invalid, as the kernel's __alloc_pages refuses order > MAX_PAGE_ORDER.
 */
static unsigned order_for_bytes(const PsMachine *m, uint64_t bytes)
{
	uint64_t pages = (bytes >> m->page_shift) + ((bytes & (m->page_size - 1)) != 0);
	unsigned order = 0;

	while ((1ull << order) < pages && order < 63)
		order++;
	return order;
}

/*
 * Whether an `alloc` record is the allocation of an anonymous page fault: do_anonymous_page's
 * vma_alloc_zeroed_movable_folio (GFP_HIGHUSER_MOVABLE | __GFP_ZERO, order 0), or a THP or mTHP
 * fault's vma_thp_gfp_mask (GFP_TRANSHUGE_LIGHT and up: __GFP_NOMEMALLOC, order > 0), which
 * zeroes the folio with folio_zero_user afterwards. Page-cache allocations carry
 * GFP_HIGHUSER_MOVABLE too, but neither __GFP_ZERO nor __GFP_NOMEMALLOC.
 */
static bool anon_fault_alloc(uint64_t gfp, unsigned order, enum ps_alloc_kind kind)
{
	const uint64_t user = (PS_GFP_HIGHUSER_MOVABLE & ~PS_GFP_RECLAIM);

	if ((gfp & user) != user || (gfp & PS_GFP_WRITE) ||
	    (kind != PS_KIND_UNSPEC && kind != PS_KIND_ANON))
		return false;
	return order == 0 ? (gfp & PS_GFP_ZERO) != 0 : (gfp & PS_GFP_NOMEMALLOC) != 0;
}

/*
 * Whether an `alloc` record is a user page-table page: pte_alloc_one's pagetable_alloc with
 * GFP_PGTABLE_USER (GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT, and __GFP_COMP), order 0.
 */
static bool pgtable_alloc(uint64_t gfp, unsigned order)
{
	return order == 0 && (gfp & ~PS_GFP_COMP) == PS_GFP_PGTABLE_USER;
}

/*
 * do_anonymous_page calls pte_alloc() before it allocates the folio: the fault that found its
 * PMD empty (one in 512 on 4 KiB pages) pays __pte_alloc -> pte_alloc_one (an allocation,
 * zeroed, memcg-charged) and pmd_populate. A recording holds the page-table page and the
 * folio as two allocations on the same cpu, in that order; the page-table page's latency is
 * kept per cpu and reported in the fault sample of the next anonymous-fault allocation of the
 * same pid on that cpu (any other allocation on the cpu first drops it: it was not a fault's).
 * Only the sample: the cpu was busy for the page-table record already.
 */
static uint64_t pte_alloc_take(PsSim *s, int cpu, int pid, bool fault)
{
	uint64_t ns;

	if (cpu < 0 || !s->pte_pending_ns[cpu])
		return 0;
	ns = fault && s->pte_pending_pid[cpu] == pid ? s->pte_pending_ns[cpu] : 0;
	s->pte_pending_ns[cpu] = 0;
	return ns;
}

/*
 * do_huge_pmd_anonymous_page returned VM_FAULT_FALLBACK: the recording kernel got the huge page,
 * the model did not, so the fault goes on as do_anonymous_page does, one base page
 * (vma_alloc_zeroed_movable_folio: GFP_HIGHUSER_MOVABLE | __GFP_ZERO, its own fault each) for
 * every page of the range. Without them the model would run with 2^order pages more free than
 * the kernel had, and never feel its pressure. The records stay together under the trace id:
 * the recorded free of the huge page frees them all (thp_fallback_free).
 *
 * Simplifications (why acceptable): the pages are faulted in at once, at the recorded fault,
 * where the task touched them one by one afterwards (a first-writing task covers a 2 MiB range
 * within milliseconds); an allocation that must wait for an OOM victim gives back the pages
 * taken so far and the whole record runs again (REC_RETRY), so a retried fault does not hold
 * memory twice; one that fails ends the fallback there (counted by do_alloc as failed).
 */
static uint32_t thp_fallback(PsSim *s, const PsTraceEvent *ev, unsigned order, int cpu, int pi,
			     uint64_t *ns)
{
	GArray *recs = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), 1u << order);
	uint64_t *key;

	for (uint64_t i = 0; i < (1ull << order); i++) {
		uint64_t fns = ps_cost_handle_mm_fault(&s->cfg->costs);
		uint32_t ri =
		    do_alloc(s, PS_GFP_HIGHUSER_MOVABLE | PS_GFP_ZERO, 0, cpu, pi, PS_KIND_ANON,
			     ev->node, PS_NO_INTERLEAVE_INDEX, "thp_fallback", &fns);

		if (ri == REC_RETRY) {
			for (guint k = 0; k < recs->len; k++) {
				uint32_t rk = g_array_index(recs, uint32_t, k);

				*ns += rec_free(s, rk, cpu, ps_engine_now(s->e) + *ns);
			}
			*ns += fns;
			g_array_unref(recs);
			return REC_RETRY;
		}
		*ns += fns;
		if (ri == REC_NONE)
			break;
		fns += zero_folio(s, 0);
		ps_hist_add(&s->hists[PS_LAT_FAULT], fns + s->oom_wait_sampled);
		rec_at(s, ri)->flags |= REC_THP;
		rec_at(s, ri)->id = ev->id;
		g_array_append_val(recs, ri);
	}
	if (!recs->len) {
		g_array_unref(recs);
		return REC_NONE;
	}
	key = g_new(uint64_t, 1);
	*key = ev->id;
	g_hash_table_replace(s->thp_fallback, key, recs);
	s->totals.thp_fallback_pages += recs->len;
	return g_array_index(recs, uint32_t, 0);
}

/* The recorded free of a huge page the model had served with base pages: all of them go. */
static uint64_t thp_fallback_free(PsSim *s, uint64_t id, int cpu)
{
	GArray *recs = g_hash_table_lookup(s->thp_fallback, &id);
	uint64_t ns = 0;

	if (!recs)
		return 0;
	for (guint k = 0; k < recs->len; k++) {
		uint32_t ri = g_array_index(recs, uint32_t, k);
		Rec *r = rec_at(s, ri);

		/* one the process's exit or an OOM kill already took is not ours any more */
		if (!(r->flags & REC_LIVE) || (r->flags & (REC_THP | REC_TOUCH)) != REC_THP ||
		    r->id != id)
			continue;
		if (r->flags & REC_GONE)
			s->totals.frees_already_reclaimed++;
		else
			s->totals.pages_freed_trace += 1;
		ns += rec_free(s, ri, cpu < 0 ? r->cpu : cpu, ps_engine_now(s->e) + ns);
	}
	g_hash_table_remove(s->thp_fallback, &id);
	return ns;
}

/*
 * A recorded allocation that failed (mm_page_alloc with no page; the importer writes it with
 * failed: true). Its reclaim and compaction stalls happened in the kernel, so the model makes
 * the attempt too, with the recorded mask, and frees what it gets at once: the kernel went on
 * without the memory (the fallback it took, order 0 faults for a THP fault or a smaller folio
 * for readahead, is in the records that follow). A THP fault's failed first try
 * (alloc_pages_mpol's __GFP_THISNODE | __GFP_NORETRY, when the fault's mask may direct-reclaim)
 * is not made: the fault's next record is its retry, and the model makes both tries for it
 * (ps_vma_alloc_pages). A failed THP fault's last try is the whole fault in the model, counted
 * in thp_fault_alloc or thp_fault_fallback as do_huge_pmd_anonymous_page counts it; a THP the
 * model gets there is kept by the process (mapped, as the kernel would have kept it) until its
 * exit. Simplification: the fallback's base pages of the records that follow are allocated as
 * well, so the process holds one THP more than the kernel's did per such fault (the model's
 * THP successes the kernel did not have are rare: one block's worth of memory each). No fault
 * cost is charged: the records of the fallback carry the fault.
 */
static uint64_t failed_alloc(PsSim *s, const PsTraceEvent *ev, int cpu, uint64_t gfp,
			     unsigned order, bool thp)
{
	uint64_t ns = 0;
	uint32_t ri;

	if (thp &&
	    (gfp & (PS_GFP_THISNODE | PS_GFP_NORETRY)) == (PS_GFP_THISNODE | PS_GFP_NORETRY)) {
		gfp &= ~(PS_GFP_THISNODE | PS_GFP_NORETRY);
		if (gfp & PS_GFP_DIRECT_RECLAIM) {
			s->totals.failed_allocs_first_try++;
			return 0;
		}
	}
	ri = do_alloc(s, gfp, order, cpu, proc_get(s, ev->pid), ev->kind, ev->node,
		      PS_NO_INTERLEAVE_INDEX, "failed_alloc", &ns);
	if (ri == REC_RETRY)
		return ns;
	if (thp)
		ps_thp_fault_account(s->m, ri != REC_NONE);
	if (ri == REC_NONE) {
		s->totals.failed_allocs_both_failed++;
		return ns;
	}
	s->totals.failed_allocs_model_ok++;
	if (thp) {
		/*
		 * do_huge_pmd_anonymous_page maps the folio: the process keeps it until its exit
		 * (no record of the trace frees it, and the failed record's id names nothing).
		 * Freed at once, its block was free again for the next fault the kernel failed:
		 * on ftrace-press-thp-6.18 in the start's reclaim order one block served 121.
		 */
		s->totals.failed_allocs_model_kept++;
		return ns;
	}
	return ns + rec_free(s, ri, cpu, ps_engine_now(s->e) + ns);
}

uint64_t sim_op_alloc(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	uint64_t gfp = ev->has_gfp ? ev->gfp : PS_GFP_KERNEL, ns = 0;
	/* A kernel stack given in bytes is one THREAD_SIZE of the simulated machine. */
	uint64_t bytes = ev->kind == PS_KIND_STACK ? ps_thread_size(&s->m->spec) : ev->bytes;
	unsigned order = ev->order >= 0 ? (unsigned)ev->order : order_for_bytes(s->m, bytes);
	uint32_t old = sim_id_lookup(s, ev->id), ri;
	int pi = proc_get(s, ev->pid);
	bool thp = order && order == s->m->spec.thp_order && anon_fault_alloc(gfp, order, ev->kind);

	if (ev->failed)
		return failed_alloc(s, ev, cpu, gfp, order, thp);
	if (sim_slab_takes(ev))
		return sim_slab_alloc(s, ev, cpu, gfp);
	/*
	 * A THP fault's folio recorded with __GFP_THISNODE | __GFP_NORETRY is alloc_pages_mpol's
	 * first try on the node; the model makes that try itself (ps_vma_alloc_pages), from the
	 * fault's own mask. (A mask that had __GFP_NORETRY already, defrag "always" outside
	 * MADV_HUGEPAGE, cannot be told apart and loses it for the second try.)
	 */
	if (thp && (gfp & (PS_GFP_THISNODE | PS_GFP_NORETRY)) == (PS_GFP_THISNODE | PS_GFP_NORETRY))
		gfp &= ~(PS_GFP_THISNODE | PS_GFP_NORETRY);
	if (old) {
		if (s->strict_ids) {
			sim_fail(s, ev, "id", "%" G_GUINT64_FORMAT " is reused while still live",
				 ev->id);
			return 0;
		}
		/* A recorder missed the free: release the old one first. */
		s->anomalies[PS_ANOM_ALLOC_LIVE_ID]++;
		rec_free(s, old - 1, cpu, ps_engine_now(s->e));
		id_set(s, ev->id, 0);
	}
	if (anon_fault_alloc(gfp, order, ev->kind)) {
		/* A recording holds the fault's allocation, not the fault: it pays for both. */
		ns = ps_cost_handle_mm_fault(&s->cfg->costs);
		if (!(gfp & PS_GFP_ZERO))
			ns += zero_folio(s, order);
	}
	ri = do_alloc(s, gfp, order, cpu, pi, ev->kind, ev->node, PS_NO_INTERLEAVE_INDEX, "alloc",
		      &ns);
	/* do_huge_pmd_anonymous_page: THP_FAULT_ALLOC, or THP_FAULT_FALLBACK when it failed */
	if (thp && ri != REC_RETRY)
		ps_thp_fault_account(s->m, ri != REC_NONE);
	if (thp && ri == REC_NONE) {
		/* the fallback's faults are sampled one by one, and the record holds the first */
		ri = thp_fallback(s, ev, order, cpu, pi, &ns);
		if (ri != REC_NONE && ri != REC_RETRY)
			id_set(s, ev->id, ri + 1);
		return ns;
	}
	if (ri != REC_NONE && ri != REC_RETRY) {
		bool fault = anon_fault_alloc(gfp, order, ev->kind);
		uint64_t pte_ns = pte_alloc_take(s, cpu, ev->pid, fault);

		if (fault)
			ps_hist_add(&s->hists[PS_LAT_FAULT], ns + s->oom_wait_sampled + pte_ns);
		if (pgtable_alloc(gfp, order) && cpu >= 0 && ev->pid >= 0) {
			s->pte_pending_ns[cpu] = ns + s->oom_wait_sampled;
			s->pte_pending_pid[cpu] = ev->pid;
		}
		rec_at(s, ri)->id = ev->id;
		id_set(s, ev->id, ri + 1);
	}
	return ns;
}

/*
 * The starting snapshot's LRU folios (PsSnapshot.lru) become records on the model's LRU lists,
 * so reclaim can take them as the kernel's took them. Order: pfn order, each linked at the list
 * head as lruvec_add_folio links a new folio. kpageflags does not say where on its list a folio
 * was; this makes the lowest pfns the oldest (first at the tail to be scanned), which is the order
 * a machine that filled its memory from the bottom up would show. The dirty ones count as dirtied
 * at the start (their real age is unknown), so they are written back writeback_delay later; once
 * all are linked (and given their memcgs), ps_lru_start_dirty_to_head puts them at their lists'
 * heads, the most recent.
 * Unevictable folios stay outside (PsSnapshot.lru leaves them out).
 */

/* The seed's walk: where records go, the zone of the last folio, the folios not linked yet. */
typedef struct {
	bool bulk; /* records appended at len (no free records to reuse) */
	guint len; /* s->nr_recs, the records in use */
	PsZone *z; /* the zone of the last folio, its first pfn, spanned pages, node's cpu */
	ps_pfn_t z_start;
	uint64_t z_pages;
	uint16_t cpu;
	uint16_t node_cpu[PS_MAX_NODES]; /* a folio's cpu: the first of its zone's node */
	PsZone *batch_z;		 /* folios to link: handles h0 .. h0 + nbatch - 1 of it */
	uint32_t h0, nbatch;
	uint64_t folios, pages;
	PsLruStart batch[1024];
} Seed;

/* The zone of the folio at pfn: the previous folio's nearly always (zones do not overlap). */
G_ALWAYS_INLINE static inline void seed_zone(PsMachine *m, Seed *sd, ps_pfn_t pfn)
{
	if ((uint64_t)(pfn - sd->z_start) >= sd->z_pages) {
		sd->z = ps_pfn_zone(m, pfn);
		sd->z_start = sd->z->start_pfn;
		sd->z_pages = sd->z->spanned;
		sd->cpu = sd->node_cpu[sd->z->node];
	}
}

/*
 * The record of the folio at pfn (lru byte l) in zone sd->z, queued to be linked; its handle.
 * Records and lists only: the caller disowns its pages, names the owner and counts them.
 */
G_ALWAYS_INLINE static inline uint32_t seed_rec(PsSim *s, Seed *sd, uint64_t i, ps_pfn_t pfn,
						uint8_t l)
{
	unsigned order = l & PS_SNAP_LRU_ORDER;
	unsigned type = l & PS_SNAP_LRU_TYPE;
	/* a shmem folio's record is page cache, as pagecache.c's (sim_alloc_rec kind file) */
	bool anon = type == PS_SNAP_LRU_ANON;
	uint32_t ri;
	Rec *r;

	if (sd->bulk) {
		ri = sd->len++;
		r = rec_at(s, ri);
		*r = (Rec){.pfn = pfn,
			   .order = (uint8_t)order,
			   .mt = PS_MT_MOVABLE,
			   .kind = (uint8_t)(anon ? PS_KIND_ANON : PS_KIND_FILE),
			   .flags = REC_LIVE | REC_SNAP,
			   .cpu = sd->cpu,
			   .proc = -1,
			   .own = REC_NONE,
			   .id = pfn};
	} else {
		ri = rec_new(s);
		r = rec_at(s, ri);
		r->pfn = pfn;
		r->order = (uint8_t)order;
		r->mt = PS_MT_MOVABLE;
		r->kind = (uint8_t)(anon ? PS_KIND_ANON : PS_KIND_FILE);
		r->flags = REC_LIVE | REC_SNAP;
		r->cpu = sd->cpu;
		r->id = pfn;
	}
	/* linked in batches of consecutive handles of one zone (nothing here reads the lists) */
	if (sd->nbatch && (sd->nbatch == G_N_ELEMENTS(sd->batch) || sd->z != sd->batch_z ||
			   ri != sd->h0 + sd->nbatch)) {
		ps_lru_add_start(s->policy, sd->batch_z, sd->h0, sd->batch, sd->nbatch);
		sd->nbatch = 0;
	}
	if (!sd->nbatch) {
		sd->h0 = ri;
		sd->batch_z = sd->z;
	}
	sd->batch[sd->nbatch++] = (PsLruStart){.order = (uint8_t)order,
					       .kind = anon			   ? PS_FOLIO_ANON
						       : type == PS_SNAP_LRU_SHMEM ? PS_FOLIO_SHMEM
										   : PS_FOLIO_FILE,
					       .active = l & PS_SNAP_LRU_ACTIVE,
					       .dirty = type == PS_SNAP_LRU_DIRTY};
	for (unsigned j = 0; j < 1u << order; j++)
		s->snap_rec[i + j] = ri + 1;
	return ri;
}

/* The folio at index i of the map (lru byte l, checked: owned, allocated, of its order) seeded. */
static void seed_one(PsSim *s, Seed *sd, uint64_t i, uint8_t l)
{
	PsMachine *m = s->m;
	ps_pfn_t pfn = m->map.base_pfn + (ps_pfn_t)i;
	unsigned order = l & PS_SNAP_LRU_ORDER;
	uint32_t ri;

	seed_zone(m, sd, pfn);
	ri = seed_rec(s, sd, i, pfn, l);
	ps_snapshot_disown(s->snap, m, pfn, order);
	ps_page_set_owner(m, pfn, ri);
	sim_pb_account(s, pfn, order, PS_MT_MOVABLE, +1);
	sd->pages += 1ull << order;
	sd->folios++;
}

/*
 * The order-0 folios at the bits of heads among the 8 pages from index k (checked, one pageblock,
 * one byte of the owned bitmap), seeded as seed_one would seed each in turn: their owned bits
 * cleared and their pageblock's Movable count raised at once (sim_pb_account's type bit flips
 * only when the count leaves 0).
 */
G_ALWAYS_INLINE static inline void seed_word0(PsSim *s, Seed *sd, uint64_t k, unsigned heads)
{
	PsMachine *m = s->m;
	uint64_t b = k >> m->pageblock_order;
	uint32_t *c = &s->pb_alloc[b * PS_MT_PCPTYPES + PS_MT_MOVABLE], old = *c;
	unsigned n = (unsigned)__builtin_popcount(heads);

	s->snap->owned[k / 8] &= (uint8_t)~heads;
	*c = old + n;
	if (!old || !*c)
		s->pb_types[b] ^= (uint8_t)(1u << PS_MT_MOVABLE);
	for (; heads; heads &= heads - 1) {
		uint64_t i = k + (uint64_t)__builtin_ctz(heads);
		ps_pfn_t pfn = m->map.base_pfn + (ps_pfn_t)i;

		seed_zone(m, sd, pfn);
		ps_page_set_owner(m, pfn, seed_rec(s, sd, i, pfn, s->snap->lru[i]));
	}
	sd->pages += n;
	sd->folios += n;
}

/* The folio headed at index i, checked and seeded (a word of the walk with a larger folio). */
static void seed_checked(PsSim *s, Seed *sd, uint64_t i)
{
	PsMachine *m = s->m;
	uint8_t l = s->snap->lru[i];
	ps_pfn_t pfn = m->map.base_pfn + (ps_pfn_t)i;
	unsigned order = l & PS_SNAP_LRU_ORDER;

	if (!(l & PS_SNAP_LRU_ON) || !ps_snapshot_owns(s->snap, m, pfn, order) ||
	    ps_page_state(m, pfn) != PS_PAGE_ALLOCATED || ps_page_order(m, pfn) != order)
		return;
	seed_one(s, sd, i, l);
}

/*
 * The snapshot's shmem pages on no evictable list (PS_SNAP_LRU_SHMEM alone: unevictable, or in
 * a folio_batch) among the pages k .. k + n - 1 (n <= 8, one byte of the owned bitmap), still the
 * snapshot's (owned: not freed by the stale pass): page cache to the kernel's counters
 * (shmem_add_to_page_cache -> shmem_update_stats added them to NR_FILE_PAGES and NR_SHMEM when
 * they joined the file), so added to their nodes' here. Not linked: reclaim cannot take them.
 */
static void seed_unlisted_shmem(PsSim *s, uint64_t k, unsigned n)
{
	PsMachine *m = s->m;
	const uint8_t *lru = s->snap->lru;
	unsigned hits = 0;

	for (unsigned j = 0; j < n; j++)
		hits |= (unsigned)(lru[k + j] == PS_SNAP_LRU_SHMEM) << j;
	for (hits &= s->snap->owned[k / 8]; hits; hits &= hits - 1) {
		ps_pfn_t pfn = m->map.base_pfn + (ps_pfn_t)(k + (uint64_t)__builtin_ctz(hits));
		int64_t *stat = m->nodes[ps_pfn_zone(m, pfn)->node].stat;

		stat[PS_NR_FILE_PAGES]++;
		stat[PS_NR_SHMEM]++;
	}
}

/* Whether any of the 8 lru bytes in w has both type bits: a shmem folio or page. */
#define SEED_SHMEM_TYPE(w) ((w) & ((w) << 1) & 0x8080808080808080ull)

void sim_snapshot_lru_seed(PsSim *s)
{
	PsMachine *m = s->m;
	uint64_t npages = m->map.end_pfn - m->map.base_pfn, listed = 0;
	const uint8_t *lru = s->snap->lru;
	const uint8_t *owned = s->snap->owned, *flags = m->map.flags;
	Seed *sd = g_new0(Seed, 1);
	uint64_t k = 0;
	bool word0;

	sd->len = s->nr_recs;
	for (int c = m->nr_cpus; c-- > 0;)
		if (m->spec.cpu_node[c] >= 0 && m->spec.cpu_node[c] < PS_MAX_NODES)
			sd->node_cpu[m->spec.cpu_node[c]] = (uint16_t)c;
	s->snap_rec = ps_map0_huge(npages * sizeof(uint32_t));
	if (!s->snap_rec)
		g_error("%s: cannot map %" G_GUINT64_FORMAT " pfns", G_STRLOC, npages);
	/*
	 * Room for every folio first (a bound: the pages marked on a list): the record and LRU
	 * arrays then grow once instead of doubling (and copying) ~7 times on the way to 500 k.
	 */
	listed = ps_bytes_count_match(lru, npages, PS_SNAP_LRU_ON, PS_SNAP_LRU_ON);
	/*
	 * Without free records, rec_new appends: the folios get len, len + 1, ... here directly,
	 * in room for all of them, and the array is cut back to those used at the end.
	 */
	sd->bulk = !s->nr_free_recs;
	if (sd->bulk) {
		/*
		 * reserved as rec_new reserves (twice the records, huge pages for the new part):
		 * sized to just the folios, the first rec_new of the replay grew the array by a
		 * realloc that copied the ~1 M records (35 MB) into freshly faulted 4 KiB pages,
		 * ~23 k faults on ftrace-press-kswapd
		 */
		if (sd->len + (guint)listed > s->recs_reserved)
			rec_reserve(s, sd->len + (guint)listed);
		s->nr_recs = sd->len + (guint)listed;
	}
	ps_lru_reserve(s->policy, sd->len + (uint32_t)listed);
	/* whole words of order-0 folios at once: appended records, 8 pages in one pageblock */
	word0 = sd->bulk && m->pageblock_order >= 3;
	/*
	 * The folios in pfn order, 8 pages a step (one byte of the owned bitmap). In a word whose
	 * folios are all of order 0 (nearly every word) the checks of each are byte matches of
	 * the whole word: on a list, still the snapshot's, an allocated block of order 0; a word
	 * with a larger folio checks each head alone. Seeding a folio changes none of the checks
	 * of another (order-0 folios of one word do not overlap), so the order is the same.
	 */
	for (k = 0; k < npages; k += 8) {
		unsigned heads;
		uint64_t w;

		if (k + 8 > npages) {
			for (uint64_t i = k; i < npages; i++)
				seed_checked(s, sd, i);
			seed_unlisted_shmem(s, k, (unsigned)(npages - k));
			break;
		}
		memcpy(&w, lru + k, 8);
		if (!w)
			continue;
		if (G_UNLIKELY(SEED_SHMEM_TYPE(w)))
			seed_unlisted_shmem(s, k, 8);
		if (w & 0x0101010101010101ull * PS_SNAP_LRU_ORDER) {
			for (heads = ps_bytes8_match(lru + k, PS_SNAP_LRU_ON, PS_SNAP_LRU_ON);
			     heads; heads &= heads - 1)
				seed_checked(s, sd, k + (uint64_t)__builtin_ctz(heads));
			continue;
		}
		heads = ps_bytes8_match(lru + k, PS_SNAP_LRU_ON, PS_SNAP_LRU_ON) & owned[k / 8] &
			ps_bytes8_match(flags + k, PS_PAGE_STATE_MASK | PS_PAGE_ORDER_MASK,
					PS_PAGE_ALLOCATED << PS_PAGE_STATE_SHIFT);
		if (heads && word0)
			seed_word0(s, sd, k, heads);
		for (heads = word0 ? 0 : heads; heads; heads &= heads - 1) {
			uint64_t i = k + (uint64_t)__builtin_ctz(heads);

			seed_one(s, sd, i, lru[i]);
		}
	}
	ps_lru_add_start(s->policy, sd->batch_z, sd->h0, sd->batch, sd->nbatch);
	s->snapshot_lru_folios += sd->folios;
	s->snapshot_lru_pages += sd->pages;
	if (sd->bulk)
		s->nr_recs = sd->len;
	g_free(sd);
}

/* The record of the snapshot LRU folio that had pfn at the start, REC_NONE when none. */
static uint32_t snap_rec_at(PsSim *s, uint64_t pfn)
{
	const PsMachine *m = s->m;
	uint32_t v;

	if (!s->snap_rec || pfn < m->map.base_pfn || pfn >= m->map.end_pfn)
		return REC_NONE;
	v = s->snap_rec[pfn - m->map.base_pfn];
	return v ? v - 1 : REC_NONE;
}

static void snap_rec_clear(PsSim *s, ps_pfn_t orig, unsigned order)
{
	memset(s->snap_rec + (orig - s->m->map.base_pfn), 0, sizeof(uint32_t) << order);
}

/*
 * A recorded free of part of a snapshot LRU folio (the kernel split it first, split_folio), or
 * of a block larger than it (kpageflags was read while the folio changed): not one folio. The
 * model takes the folio off its lists and gives its pages back to the snapshot's "unknown at
 * start" pages, whose frees reshape blocks (ps_snapshot_free_pages). Returns the pfn of the freed
 * part where the folio is now.
 */
static ps_pfn_t snap_rec_split(PsSim *s, uint32_t ri, ps_pfn_t orig, ps_pfn_t pfn)
{
	Rec *r = rec_at(s, ri);
	ps_pfn_t now = r->pfn + (pfn - orig);

	snap_rec_clear(s, orig, r->order);
	ps_lru_del(s->policy, ri);
	sim_pb_account(s, r->pfn, r->order, r->mt, -1);
	ps_snapshot_own(s->snap, s->m, r->pfn, r->order);
	ps_page_set_owner(s->m, r->pfn, PS_OWNER_UNKNOWN_AT_START);
	r->flags = 0;
	r->pfn = PS_PFN_NONE;
	rec_put(s, ri);
	return now;
}

bool sim_snap_rec_split(PsSim *s, uint32_t ri, ps_pfn_t pfn)
{
	PsMachine *m = s->m;
	Rec *r = rec_at(s, ri);
	unsigned order = r->order;
	uint32_t n = (1u << order) - 1;
	ps_pfn_t orig = (ps_pfn_t)r->id;
	g_autofree uint32_t *pieces = NULL;

	if ((r->flags & (REC_LIVE | REC_SNAP | REC_GONE)) != (REC_LIVE | REC_SNAP) || !order ||
	    r->pfn != pfn)
		return false;
	pieces = g_new(uint32_t, n);
	ps_page_split_allocated(m, pfn, order);
	ps_page_set_owner(m, pfn, ri);
	for (uint32_t j = 1; j <= n; j++) {
		uint32_t qi = rec_new(s);
		Rec *q = rec_at(s, qi);

		r = rec_at(s, ri); /* rec_new may have moved the array */
		q->pfn = pfn + j;
		q->order = 0;
		q->mt = r->mt;
		q->kind = r->kind;
		q->flags = r->flags;
		q->cpu = r->cpu;
		q->id = orig + j;
		ps_page_set_owner(m, pfn + j, qi);
		s->snap_rec[orig + j - m->map.base_pfn] = qi + 1;
		pieces[j - 1] = qi;
	}
	r = rec_at(s, ri);
	r->order = 0;
	ps_lru_split(s->policy, ri, pieces, n);
	if (!s->snap_split)
		s->snap_split = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_hash_table_insert(s->snap_split, GUINT_TO_POINTER(orig), GUINT_TO_POINTER(order + 1));
	s->snapshot_folios_split++;
	return true;
}

/*
 * A recorded free of a whole snapshot LRU folio the model split (sim_snap_rec_split): each piece
 * still there is freed (or was reclaimed), where compaction left it. false when the free is not
 * of such a folio.
 */
static bool snap_split_free(PsSim *s, const PsTraceEvent *ev, int cpu, uint64_t *ns)
{
	gpointer v;
	ps_pfn_t orig = (ps_pfn_t)ev->pfn;

	if (!s->snap_split ||
	    !g_hash_table_lookup_extended(s->snap_split, GUINT_TO_POINTER(orig), NULL, &v) ||
	    GPOINTER_TO_UINT(v) != (unsigned)ev->order + 1)
		return false;
	g_hash_table_remove(s->snap_split, GUINT_TO_POINTER(orig));
	for (ps_pfn_t q = orig; q < orig + (1u << ev->order); q++) {
		uint32_t qi = snap_rec_at(s, q);
		Rec *r;

		if (qi == REC_NONE)
			continue; /* freed on its own before */
		r = rec_at(s, qi);
		snap_rec_clear(s, q, 0);
		if (r->flags & REC_GONE)
			s->totals.frees_already_reclaimed++;
		*ns += rec_free(s, qi, ev->cpu < 0 ? r->cpu : cpu, ps_engine_now(s->e));
	}
	s->snapshot_frees++;
	return true;
}

/*
 * A recorded free of a pfn that was a snapshot LRU folio's at the start (the kernel reclaimed or
 * truncated it): frees the model's record, or part of the folio after a split. *done when the
 * free is accounted; else *ev2 is the event to give the snapshot (the pfn where the part is now).
 */
static uint64_t snap_rec_free(PsSim *s, const PsTraceEvent *ev, int cpu, PsTraceEvent *ev2,
			      bool *done)
{
	uint32_t ri = ev->has_pfn && ev->order >= 0 ? snap_rec_at(s, ev->pfn) : REC_NONE;
	Rec *r;
	ps_pfn_t orig;

	*done = false;
	*ev2 = *ev;
	if (ri == REC_NONE)
		return 0;
	r = rec_at(s, ri);
	orig = (ps_pfn_t)r->id;
	if (ev->order > (int)r->order) {
		uint64_t ns = 0;

		*done = snap_split_free(s, ev, cpu, &ns);
		if (*done)
			return ns;
	}
	if (ev->pfn == orig && ev->order == (int)r->order) {
		snap_rec_clear(s, orig, r->order);
		*done = true;
		s->snapshot_frees++;
		if (r->flags & REC_GONE)
			s->totals.frees_already_reclaimed++;
		return rec_free(s, ri, ev->cpu < 0 ? r->cpu : cpu, ps_engine_now(s->e));
	}
	if (r->flags & REC_GONE) {
		/* part of a folio the model reclaimed whole: nothing left to free */
		snap_rec_clear(s, orig, r->order);
		*done = true;
		s->snapshot_frees++;
		s->totals.frees_already_reclaimed++;
		if (r->flags & REC_SWAPPED)
			ps_swap_release(s->policy, 1ull << r->order);
		r->flags = 0;
		rec_put(s, ri);
		return 0;
	}
	ev2->pfn = snap_rec_split(s, ri, orig, (ps_pfn_t)ev->pfn);
	/* the other snapshot folios in a larger freed block go back too */
	for (uint64_t q = ev->pfn + 1; q < ev->pfn + (1ull << ev->order); q++) {
		uint32_t qi = snap_rec_at(s, q);

		if (qi != REC_NONE && !(rec_at(s, qi)->flags & REC_GONE))
			snap_rec_split(s, qi, (ps_pfn_t)rec_at(s, qi)->id, (ps_pfn_t)q);
	}
	return 0;
}

/*
 * A free the recording kernel's reclaim made (free reason reclaim_kswapd / reclaim_direct, the
 * importer's mark for a free in a kswapd task or inside a task's direct reclaim): not replayed
 * when the page is one the model's own reclaim can take, i.e. still live on the model's LRU
 * (anon, file and reclaimable slab records, the snapshot's LRU folios). The model reclaims by its
 * own decisions; replaying the kernel's reclaim as well would free the same memory twice. Any
 * other page (one the model already reclaimed, kernel memory kswapd freed on the way) is freed
 * as recorded. Counted in pages_kernel_reclaim_skipped and its _kswapd / _direct split.
 */
static bool kernel_reclaim_skip(PsSim *s, const PsTraceEvent *ev, uint32_t v)
{
	uint64_t pages = 1ull << MAX(ev->order, 0);
	const Rec *r = NULL;

	s->free_reasons_seen = true;
	if (v) {
		r = rec_at(s, v - 1);
		if (r->kind != PS_KIND_ANON && r->kind != PS_KIND_FILE &&
		    r->kind != PS_KIND_SLAB_RECLAIMABLE)
			return false;
		pages = 1ull << r->order;
	} else if (ev->has_pfn) {
		uint32_t ri = snap_rec_at(s, ev->pfn);

		if (ri == REC_NONE)
			return false;
		r = rec_at(s, ri);
	}
	if (!r || (r->flags & REC_GONE))
		return false;
	s->totals.pages_kernel_reclaim_skipped += pages;
	if (ev->free_reason == PS_FREE_RECLAIM_KSWAPD)
		s->totals.pages_kernel_reclaim_skipped_kswapd += pages;
	else
		s->totals.pages_kernel_reclaim_skipped_direct += pages;
	return true;
}

/*
 * A free of a block the model holds on a pcp list, which the importer could not match to a live
 * allocation: the trace freed it before and has no allocation of it since. The kernel allocated
 * it with no record: alloc_pages_bulk takes pages off the pcp list in __rmqueue_pcplist, under the
 * pcp lock and with no tracepoint (64K realdata: pfn 0x6aa3, freed on cpu 1 at 2.812232 s, freed
 * again on cpu 0 at 2.824074 s). The model takes the block off its list as that loop does
 * (ps_pcp_take_untraced: count down, free_count unchanged) and frees it as recorded, so the
 * freeing cpu's free_count grows as the kernel's did: dropping the free (as an unknown id) left
 * cpu 0's free_count one short of the trace's, its first drain took 24 pages where the kernel's
 * took 23, and every later drain size followed. When the bulk allocation ran is not in the trace:
 * the model's list holds the block until the free, one page more than the kernel's in between.
 */
static bool untraced_refree(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	PsZone *z;

	if (!ev->has_pfn || ev->order < 0 || ev->pfn < s->m->map.base_pfn ||
	    ev->pfn >= s->m->map.end_pfn)
		return false;
	z = ps_pfn_zone(s->m, (ps_pfn_t)ev->pfn);
	if (!z || ps_pcp_take_untraced(s->m, z, (ps_pfn_t)ev->pfn, (unsigned)ev->order) < 0)
		return false;
	ps_free_pages(s->m, (ps_pfn_t)ev->pfn, (unsigned)ev->order, cpu);
	s->snap->pcp_untraced_refreed += 1ull << ev->order;
	return true;
}

static uint64_t op_free(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	uint32_t v = sim_id_lookup(s, ev->id);
	bool migrated = ev->free_reason == PS_FREE_MIGRATED;
	Rec *r;
	uint64_t pages;

	if (!v && sim_slab_free(s, ev, cpu, &pages))
		return pages;

	/*
	 * The recording kernel's migration freed a folio's old pages; the allocation lives on
	 * (the importer moved its id to the new pfn). The model's own compaction moves its own.
	 * A snapshot page's (the pfn still holds one, allocated before the trace started) is
	 * replayed as an ordinary free unless skip_migrated_snapshot: no later record can name its
	 * data at the new pfn (sim.h).
	 */
	if (migrated && (v || s->opts.skip_migrated_snapshot)) {
		s->totals.pages_kernel_migration_skipped += 1ull << MAX(ev->order, 0);
		return 0;
	}
	if (!migrated && ev->free_reason != PS_FREE_UNSPEC && kernel_reclaim_skip(s, ev, v))
		return 0;
	if (!v) {
		PsTraceEvent part;
		bool done;
		uint64_t ns;

		/*
		 * The recording kernel's direct reclaim freed a snapshot LRU folio:
		 * shrink_folio_list runs in the allocating task (try_to_free_pages from
		 * __alloc_pages_direct_reclaim, between mm_vmscan_direct_reclaim_begin and _end),
		 * so its frees are recorded on that task's cpu inside the window. Replaying them
		 * would free memory the model has not reclaimed (the model never felt the pressure
		 * the kernel did); the folio stays on the model's LRU for the model's own reclaim.
		 * A free by another task on that cpu in the window (preemption) is taken for
		 * reclaim too: the window is a few ms. Only for traces whose frees carry no
		 * reason: once one has (kernel_reclaim_skip), the importer has marked them all.
		 */
		if (!migrated && !s->free_reasons_seen && cpu >= 0 && s->direct_reclaim_pid[cpu] &&
		    ev->has_pfn && snap_rec_at(s, ev->pfn) != REC_NONE) {
			s->totals.pages_kernel_reclaim_skipped += 1ull << MAX(ev->order, 0);
			s->totals.pages_kernel_reclaim_skipped_direct += 1ull << MAX(ev->order, 0);
			return 0;
		}
		ns = snap_rec_free(s, ev, cpu, &part, &done);

		if (done) {
			if (migrated)
				s->totals.pages_kernel_migration_replayed += 1ull
									     << MAX(ev->order, 0);
			return ns;
		}
		/* a page allocated before the trace started, which the snapshot left allocated */
		if (s->snap && ps_snapshot_free_pages(s->snap, s->m, &part, cpu)) {
			s->snapshot_frees++;
			if (migrated)
				s->totals.pages_kernel_migration_replayed += 1ull
									     << MAX(ev->order, 0);
			return ps_cost_free_pages(&s->cfg->costs, 0, 0); /* merging not measured */
		}
		/* the old pages of an allocation the trace made: it lives on under its id */
		if (migrated) {
			s->totals.pages_kernel_migration_skipped += 1ull << MAX(ev->order, 0);
			return 0;
		}
		if (s->snap && untraced_refree(s, &part, cpu))
			return ps_cost_free_pages(&s->cfg->costs, 0, 0);
		s->anomalies[PS_ANOM_FREE_UNKNOWN_ID]++;
		return 0;
	}
	r = rec_at(s, v - 1);
	pages = 1ull << r->order;
	if (ev->cpu < 0)
		cpu = r->cpu;
	id_set(s, ev->id, 0);
	s->totals.frees++;
	if ((r->flags & (REC_THP | REC_TOUCH)) == REC_THP)
		return thp_fallback_free(s, ev->id, ev->cpu < 0 ? -1 : cpu);
	if (r->flags & REC_GONE)
		s->totals.frees_already_reclaimed++;
	else
		s->totals.pages_freed_trace += pages;
	return rec_free(s, v - 1, cpu, ps_engine_now(s->e));
}

/*
 * A free made in a kswapd task, replayed while the model's kswapd is failing (its last run
 * reclaimed nothing), is committed with ZONE_RECLAIM_ACTIVE set on its zone. The kernel's kswapd
 * frees inside balance_pgdat, between set_reclaim_active and clear_reclaim_active, and
 * free_frozen_page_commit's nr_pcp_high then keeps at most batch << 2 pages on the pcp and
 * lowers pcp->high: such frees drain. The model's kswapd sets the flag for its own runs, which
 * last as long as their scan work costs (policy/kswapd.c); a run with nothing to scan takes
 * 1 us a priority, where the kernel's still walks the shrinkers and memcgs: on
 * qemu-press-oom-4k-6.18 its first hopeless run lasted 31 ms (TCG), its shrinkers freed ten
 * kernel pages on cpu 1 in it, each drained a batch (630 pages), and the next refill took the
 * zone below min. The recorded free's context stands for the time the model's run lacks. While
 * the model's kswapd reclaims, its own runs stand for the kernel's and the flag is left to them
 * (forcing it there too moved ftrace-press-kswapd-6.18's fallbacks from 1.08 to 1.73 of the
 * kernel's: the two kswapds are not in step there). Simplification: only the freed page's zone
 * (balance_pgdat flags every zone up to kswapd's highest_zoneidx, which the free does not name).
 */
uint64_t sim_op_free(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	PsZone *z = NULL;
	uint64_t ns;

	/* an interrupt's free while its cpu's task holds the pcp lock (replay.c, note_pcp_lock) */
	if (ev->pcp_locked && cpu >= 0) {
		s->m->pcp_lock_held = cpu + 1;
		s->totals.interrupt_frees_pcp_locked++;
		ns = op_free(s, ev, cpu);
		s->m->pcp_lock_held = 0;
		return ns;
	}
	if (ev->free_reason == PS_FREE_RECLAIM_KSWAPD && ev->has_pfn)
		z = ps_pfn_zone(s->m, ev->pfn);
	if (!z || (z->flags & PS_ZONE_RECLAIM_ACTIVE) || !ps_kswapd_failing(s->policy, z->node))
		return op_free(s, ev, cpu);
	z->flags |= PS_ZONE_RECLAIM_ACTIVE;
	ns = op_free(s, ev, cpu);
	z->flags &= ~PS_ZONE_RECLAIM_ACTIVE;
	s->totals.kswapd_frees_reclaim_active++;
	return ns;
}

/*
 * The mapping a THP fault in vpn's PMD range would fill when policy allows one there, else NULL.
 * The fault also needs the range empty (pmd_none).
 * The mapping is looked up at vpn, not at the range's start: one that allows the THP holds the
 * whole range (thp_vma_suitable_order), vpn included, and mappings are disjoint, so it is the
 * mapping at vpn or there is none. At the range's start the last-found hint missed whenever a
 * mapping starts inside a PMD range (most of a portable recording's small mmaps), a tree search
 * of ~230 instructions a touch.
 */
static const PsVma *thp_range_vma(PsSim *s, Proc *p, uint64_t vpn)
{
	unsigned shift = s->m->spec.thp_order;
	uint64_t haddr = ((vpn >> shift) << shift) << s->m->page_shift;
	const PsVma *v = sim_vma_find(&p->vmas, vpn << s->m->page_shift);

	return ps_thp_vma_allowable(s->m, v, haddr) ? v : NULL;
}

/*
 * Process pi's mappings change (map, unmap, exit): thp_range_cached's answers go (all of them, by
 * vma_gen) and fault_around's last bounds if they are pi's.
 */
static inline void vmas_changed(PsSim *s, int pi)
{
	s->vma_gen++;
	if (s->fa_memo.pi == pi)
		s->fa_memo.pi = -1;
}

/*
 * thp_range_vma of process pi's PMD range key, the last answer kept: touches come page after
 * page through one PMD range, one record each, and the answer moves only when a mapping does
 * (any map, unmap or exit bumps vma_gen) or with the THP settings, fixed for a run. The lookup
 * and the policy test were ~100 instructions a touch.
 */
static const PsVma *thp_range_cached(PsSim *s, int pi, uint64_t vpn)
{
	uint64_t key = vpn >> s->m->spec.thp_order;

	if (s->thp_memo.pi != pi || s->thp_memo.key != key || s->thp_memo.gen != s->vma_gen) {
		s->thp_memo.vma = thp_range_vma(s, proc_at(s, pi), vpn);
		s->thp_memo.pi = pi;
		s->thp_memo.key = key;
		s->thp_memo.gen = s->vma_gen;
	}
	return s->thp_memo.vma;
}

/*
 * A touched page whose copy reclaim took: the old record goes (its swap slot with it) and the
 * fault below allocates a new page: workingset_refault, and a major fault from swap for anon.
 */
static uint64_t refault(PsSim *s, Proc *p, uint32_t ri, int cpu)
{
	Rec *r = rec_at(s, ri);
	uint64_t pages = 1ull << r->order, ns = 0;
	PsNode *node = &s->m->nodes[s->m->spec.cpu_node[cpu]];

	s->totals.refaults++;
	if (r->flags & REC_SWAPPED) {
		node->stat[PS_WORKINGSET_REFAULT_ANON] += (int64_t)pages;
		s->m->vm_events[PS_PSWPIN] += pages;
		s->m->vm_events[PS_PGMAJFAULT]++;
		ns += ps_cost_do_swap_page(&s->cfg->reclaim, pages);
	} else {
		node->stat[r->kind == PS_KIND_ANON ? PS_WORKINGSET_REFAULT_ANON
						   : PS_WORKINGSET_REFAULT_FILE] += (int64_t)pages;
	}
	/* a large folio (PMD or mTHP) maps 2^order pages from its first one */
	for (uint64_t u = r->id; u < r->id + pages; u++)
		sim_pgt_clear(&p->pgt, u);
	rec_free(s, ri, cpu, ps_engine_now(s->e));
	return ns;
}

/*
 * do_huge_pmd_anonymous_page: a PMD-order folio for the range around vpn, mapped whole. Returns
 * the record, REC_NONE when the fault falls back to a base page, REC_RETRY when it must wait;
 * adds the allocation's latency to *fns.
 */
static uint32_t thp_fault(PsSim *s, int pi, const PsVma *v, uint64_t vpn, int cpu, uint64_t *fns)
{
	unsigned pmd_shift = s->m->spec.thp_order;
	uint64_t base = (vpn >> pmd_shift) << pmd_shift;
	uint32_t ri;

	/* do_huge_pmd_anonymous_page's khugepaged_enter_vma, before the allocation */
	if (!s->pin)
		sim_khugepaged_thp_fault(s, pi);
	ri = do_alloc(s, ps_thp_fault_gfp(s->m, v), pmd_shift, cpu, pi, PS_KIND_ANON, -1,
		      ps_vma_interleave_index(v->start >> s->m->page_shift, base, pmd_shift),
		      "thp_fault", fns);

	if (ri == REC_RETRY)
		return ri;
	ps_thp_fault_account(s->m, ri != REC_NONE);
	if (ri == REC_NONE) {
		s->totals.thp_fallbacks++;
		return ri;
	}
	s->totals.thp_faults++;
	proc_at(s, pi)->thp_faults[pmd_shift]++;
	rec_at(s, ri)->flags |= REC_TOUCH | REC_THP;
	rec_at(s, ri)->id = base;
	for (uint64_t u = base; u < base + (1ull << pmd_shift); u++)
		sim_pgt_set(&proc_at(s, pi)->pgt, u, ri + 1);
	return ri;
}

/*
 * The page-table levels of the simulated machine, PTE level included: ARM64_HW_PGTABLE_LEVELS
 * (va_bits - 4) / (PAGE_SHIFT - 3), each level page_shift - 3 bits (a table is one page of
 * 8-byte entries); x86-64's 4-level paging is the 4K, 48-bit case.
 */
static unsigned pgtable_levels(const PsMachine *m)
{
	return ((m->spec.va_bits ? m->spec.va_bits : 48) - 4) / (m->page_shift - 3);
}

/*
 * Whether the top level takes a page: arm64's pgdir_is_page_size (PGD_SIZE == PAGE_SIZE), x86's
 * pgd_alloc a page (order 0 without PTI, the order this VM's recordings show); a smaller PGD
 * is a pgd_cache slab object, whose slab pages are not modelled.
 */
static bool pgd_is_page(const PsMachine *m)
{
	unsigned va = m->spec.va_bits ? m->spec.va_bits : 48, bits = m->page_shift - 3;

	return va - m->page_shift - (pgtable_levels(m) - 1) * bits == bits;
}

static SimUpperTable *upper_find(Proc *p, unsigned level, uint64_t key)
{
	for (uint32_t i = 0; i < p->nr_upper; i++)
		if (p->upper[i].level == level && p->upper[i].key == key)
			return &p->upper[i];
	return NULL;
}

/*
 * __pud_alloc / __pmd_alloc (and pgd_alloc, which mm_alloc runs for a new mm): the tables above
 * the PTE level that vpn's walk lacks, top down, as __handle_mm_fault allocates them before
 * __pte_alloc. GFP_PGTABLE_USER order 0, owned by the process (kind pagetable). REC_RETRY when
 * an allocation must wait (the ones made stay), else REC_NONE (a failure is counted and the
 * walk goes on, as pte_alloc's).
 */
static uint32_t pgtable_upper_alloc(PsSim *s, int pi, uint64_t vpn, unsigned min_level, int cpu,
				    uint64_t *fns)
{
	unsigned levels = pgtable_levels(s->m), bits = s->m->page_shift - 3;

	for (unsigned level = levels - 1; level >= min_level; level--) {
		/* at most 5 levels of at most 13 bits: the shift stays below 64 */
		uint64_t key = vpn >> ((level + 1) * bits);
		Proc *p = proc_at(s, pi);
		uint32_t ri = REC_NONE;

		if (upper_find(p, level, key))
			continue;
		if (level < levels - 1 || pgd_is_page(s->m)) {
			ri = do_alloc(s, PS_GFP_PGTABLE_USER, 0, cpu, pi, PS_KIND_PAGETABLE, -1,
				      PS_NO_INTERLEAVE_INDEX,
				      level == levels - 1 ? "pgd_alloc" : "pmd_alloc", fns);
			if (ri == REC_RETRY)
				return ri;
			if (ri == REC_NONE) {
				s->pte_alloc_failed++;
			} else {
				s->pgtable_pages++;
				rec_at(s, ri)->flags |= REC_TOUCH | REC_PGTABLE;
				rec_at(s, ri)->id = key;
			}
		}
		p = proc_at(s, pi);
		if (p->nr_upper == p->upper_cap) {
			p->upper_cap = MAX(2 * p->upper_cap, 8u);
			p->upper = g_renew(SimUpperTable, p->upper, p->upper_cap);
		}
		p->upper[p->nr_upper++] = (SimUpperTable){key, ri, level};
	}
	return REC_NONE;
}

/*
 * Whether the table at (level, key) still has a table under it. A PMD table's PTE pages are the
 * ptes entries of keys [key << bits, (key + 1) << bits): one leaf of ptes, whose count answers,
 * when a leaf has as many entries as a table page (thp_order = page_shift - 3, as at 4K, 16K
 * and 64K); the search of the leaf's entries was ~450 instructions an unmap's table.
 */
static bool upper_has_lower(Proc *p, unsigned level, uint64_t key, unsigned bits)
{
	if (level == 1 && bits == p->ptes.leaf_shift)
		return sim_pgt_pmd_mapped(&p->ptes, key << bits) != 0;
	if (level == 1)
		return sim_pgt_next_mapped(&p->ptes, key << bits, (key + 1) << bits) < (key + 1)
											   << bits;
	for (uint32_t i = 0; i < p->nr_upper; i++)
		if (p->upper[i].level == level - 1 && p->upper[i].key >> bits == key)
			return true;
	return false;
}

/*
 * free_pgd_range's upper half: after the PTE pages of [first, end) went, each table above them
 * with no table left under it goes, level by level upwards, in the order they were made. The
 * kernel frees a PMD/PUD table when no VMA is left in its range (floor/ceiling); the simulator
 * makes tables only for ranges a fault mapped, so "no table under it" stands for that. The PGD
 * goes when the last table under it does: exec's unmap of the whole old image (the importer's
 * form of exec) then frees it and the next fault allocates the new mm's, as execve does. The
 * tables go to *tables, their process unlinked, for tlb_remove_table (tables_free).
 */
static void pgtable_upper_free(PsSim *s, int pi, uint64_t first, uint64_t end, GArray *tables)
{
	unsigned levels = pgtable_levels(s->m), bits = s->m->page_shift - 3;

	for (unsigned level = 1; level < levels; level++) {
		unsigned shift = (level + 1) * bits;
		uint64_t lo = first >> shift, hi = (end - 1) >> shift;

		for (uint32_t i = 0; i < proc_at(s, pi)->nr_upper;) {
			Proc *p = proc_at(s, pi);
			SimUpperTable t = p->upper[i];

			if (t.level != level || t.key < lo || t.key > hi ||
			    upper_has_lower(p, level, t.key, bits)) {
				i++;
				continue;
			}
			/* keep the order of the rest: the frees reach the outputs */
			memmove(&p->upper[i], &p->upper[i + 1],
				(p->nr_upper - i - 1) * sizeof(*p->upper));
			p->nr_upper--;
			if (t.ri != REC_NONE) {
				proc_unlink(s, t.ri);
				g_array_append_val(tables, t.ri);
			}
		}
	}
}

/*
 * __pte_alloc: the PTE page of vpn's PMD range, when the range has none yet, after the tables
 * above it (pgtable_upper_alloc). Returns REC_NONE when there was one or one was made (a
 * failure is counted: the fault goes on, as if the table had been there), REC_RETRY when the
 * allocation must wait.
 */
static uint32_t pte_alloc(PsSim *s, int pi, uint64_t vpn, int cpu, uint64_t *fns)
{
	uint64_t key = vpn >> s->m->spec.thp_order;
	uint32_t ri;

	if (sim_pgt_get(&proc_at(s, pi)->ptes, key))
		return REC_NONE;
	if (pgtable_upper_alloc(s, pi, vpn, 1, cpu, fns) == REC_RETRY)
		return REC_RETRY;
	ri = do_alloc(s, PS_GFP_PGTABLE_USER, 0, cpu, pi, PS_KIND_PAGETABLE, -1,
		      PS_NO_INTERLEAVE_INDEX, "pte_alloc", fns);
	if (ri == REC_RETRY)
		return ri;
	if (ri == REC_NONE) {
		s->pte_alloc_failed++;
		return REC_NONE;
	}
	s->pgtable_pages++;
	rec_at(s, ri)->flags |= REC_TOUCH | REC_PGTABLE;
	rec_at(s, ri)->id = key;
	sim_pgt_set(&proc_at(s, pi)->ptes, key, ri + 1);
	return REC_NONE;
}

/*
 * dup_mm for a `proc` with a parent (a fork that copied the parent's memory): mm_init's
 * pgd_alloc, then dup_mmap's copy_page_range for each VMA that vma_needs_copy lets through,
 * one with an anon_vma (anonymous pages, or private file pages written). copy_pmd_range skips
 * a PMD range with no PTE page (pmd_none) and copy_pte_range allocates the child's, with the
 * tables above it; a THP's deposited PTE page is copied by copy_huge_pmd. The simulator copies
 * each of the parent's PTE pages whose range has an anonymous page mapped, with the tables
 * above it (pte_alloc), on the parent's cpu queue (pid % cpus: `proc` records carry no cpu);
 * the child gets no copy of the pages themselves (see the header). false when an allocation
 * must wait: the record runs again and goes on where it stopped (pte_alloc skips what exists).
 */
static bool fork_copy(PsSim *s, int pi)
{
	Proc *c = proc_at(s, pi);
	int ppid = c->fork_parent, parent = sim_proc_find(s, ppid);
	int cpu = ppid % s->m->nr_cpus;
	unsigned bits = s->m->spec.thp_order;
	uint64_t ns = 0, key, end = UINT64_MAX >> bits;

	if (pgtable_upper_alloc(s, pi, 0, pgtable_levels(s->m) - 1, cpu, &ns) == REC_RETRY)
		return false;
	for (key = 0; parent >= 0 && parent != pi &&
		      (key = sim_pgt_next_mapped(&proc_at(s, parent)->ptes, key, end)) < end;
	     key++) {
		SimPgTable *pgt = &proc_at(s, parent)->pgt;
		uint64_t vpn = key << bits, last = (key + 1) << bits;
		bool anon = false;

		/*
		 * the first mapped entry found, the rest of its leaf is read in place (the search
		 * leaves it cached, as sim_op_unmap reads it): a search an entry was ~95
		 * instructions over ranges of page-cache entries (~6 M of a build-portable replay)
		 */
		while (!anon && (vpn = sim_pgt_next_mapped(pgt, vpn, last)) < last) {
			const SimPgLeaf *l = sim_pgt_cached(pgt, vpn);
			uint64_t mask = (1ull << pgt->leaf_shift) - 1;
			uint64_t stop = MIN(last, (vpn | mask) + 1);

			g_assert(l != NULL);
			for (; vpn < stop && !anon; vpn++)
				anon = l->ent[vpn & mask] && l->ent[vpn & mask] != PGT_FILE;
		}
		if (anon && pte_alloc(s, pi, key << bits, cpu, &ns) == REC_RETRY)
			return false;
	}
	c = proc_at(s, pi);
	s->fork_copies++;
	s->fork_pgtables += c->kind_pages[PS_KIND_PAGETABLE]; /* all it has: it has not run yet */
	c->fork_parent = 0;
	return true;
}

/*
 * free_pgtables: the PTE pages of [first, end) whose PMD range nothing is mapped in any more, in
 * address order (the frees reach the outputs), to *tables, their process unlinked, for
 * tlb_remove_table (tables_free).
 */
static void pte_free_empty(PsSim *s, int pi, uint64_t first, uint64_t end, GArray *tables)
{
	unsigned shift = s->m->spec.thp_order;
	uint64_t key = first >> shift, hi = (end + (1ull << shift) - 1) >> shift;

	while ((key = sim_pgt_next_mapped(&proc_at(s, pi)->ptes, key, hi)) < hi) {
		Proc *p = proc_at(s, pi);
		uint32_t ri;

		if (sim_pgt_pmd_mapped(&p->pgt, key << shift)) {
			key++;
			continue;
		}
		ri = sim_pgt_get(&p->ptes, key) - 1;
		sim_pgt_clear(&p->ptes, key);
		proc_unlink(s, ri);
		g_array_append_val(tables, ri);
		key++;
	}
}

/* pte_range_none: nothing mapped in the 2^order pages from base. */
static bool pte_range_none(SimPgTable *t, uint64_t base, unsigned order)
{
	return sim_pgt_next_mapped(t, base, base + (1ull << order)) >= base + (1ull << order);
}

/*
 * alloc_anon_folio: the largest allowed mTHP order whose aligned range around vpn is empty,
 * falling back order by order (each fallback counted for its size). Returns the record,
 * REC_NONE when a base page must serve the fault, REC_RETRY when it must wait.
 */
static uint32_t mthp_fault(PsSim *s, int pi, const PsVma *v, uint64_t vpn, int cpu, uint64_t *fns)
{
	PsMachine *m = s->m;
	uint64_t orders = ps_thp_anon_orders(m, v, vpn << m->page_shift);
	Proc *p = proc_at(s, pi);
	int order;

	/* the highest order whose range is none; lower ones are inside it */
	while (orders) {
		order = 63 - __builtin_clzll(orders);
		if (pte_range_none(&p->pgt, (vpn >> order) << order, (unsigned)order))
			break;
		orders &= ~(1ull << order);
	}
	while (orders) {
		uint64_t base;
		uint32_t ri;

		order = 63 - __builtin_clzll(orders);
		base = (vpn >> order) << order;
		ri = do_alloc(
		    s, ps_thp_fault_gfp(m, v), (unsigned)order, cpu, pi, PS_KIND_ANON, -1,
		    ps_vma_interleave_index(v->start >> m->page_shift, base, (unsigned)order),
		    "mthp_fault", fns);
		if (ri == REC_RETRY)
			return ri;
		ps_mthp_fault_account(m, (unsigned)order, ri != REC_NONE);
		if (ri != REC_NONE) {
			p = proc_at(s, pi);
			p->thp_faults[order]++;
			rec_at(s, ri)->flags |= REC_TOUCH | REC_THP;
			rec_at(s, ri)->id = base;
			for (uint64_t u = base; u < base + (1ull << order); u++)
				sim_pgt_set(&p->pgt, u, ri + 1);
			return ri;
		}
		orders &= ~(1ull << order);
	}
	return REC_NONE;
}

/*
 * do_fault_around's window for a read fault at vpn: [*from, *to) of the pages around it that
 * filemap_map_pages may map. fault_around_pages = fault_around_bytes (65536, rounded down to a
 * power of two) / PAGE_SIZE, none when that is 1 page or less (should_fault_around); the window
 * is aligned to it, moved up to the mapping's start, and cut at the mapping's end and the PTE
 * page's. The mapping: the file mapping at vpn, else the gap between the known ones around it
 * (the ELF image and interpreter execve maps without a syscall of the recording). The bounds
 * found are kept (fa_memo) with the addresses they hold for, the mapping or the gap, until pi's
 * mappings change (vmas_changed): a file touch's next fault is mostly in the same one, and the
 * lookup was ~110 instructions a fault (30,746 faults of build-portable, half of them now).
 */
#define FAULT_AROUND_BYTES 65536u
static void fault_around(PsSim *s, int pi, uint64_t vpn, uint64_t *from, uint64_t *to)
{
	unsigned shift = s->m->page_shift;
	uint64_t nr = FAULT_AROUND_BYTES >> shift, ptrs = 1ull << s->m->spec.thp_order;
	uint64_t lo, hi, pte_off = vpn & (ptrs - 1), start, end, addr = vpn << shift;

	*from = vpn;
	*to = vpn + 1;
	if (nr <= 1)
		return;
	if (s->fa_memo.pi != pi || addr < s->fa_memo.from || addr >= s->fa_memo.to) {
		const PsVma *prev, *v = sim_vma_lower(&proc_at(s, pi)->vmas, addr, &prev);

		/* v: the first mapping ending above addr; prev: the one before it */
		if (v && v->start <= addr) {
			s->fa_memo.from = v->start;
			s->fa_memo.to = v->end;
			s->fa_memo.lo = v->start >> shift;
			s->fa_memo.hi = (v->end + s->m->page_size - 1) >> shift;
		} else {
			s->fa_memo.from = prev ? prev->end : 0;
			s->fa_memo.to = v ? v->start : UINT64_MAX;
			s->fa_memo.lo = prev ? (prev->end + s->m->page_size - 1) >> shift : 0;
			s->fa_memo.hi = v ? v->start >> shift : UINT64_MAX;
		}
		s->fa_memo.pi = pi;
	}
	lo = s->fa_memo.lo;
	hi = s->fa_memo.hi;
	lo = MIN(lo, vpn);
	hi = MAX(hi, vpn + 1);
	start = MAX(pte_off & ~(nr - 1), pte_off - MIN(pte_off, vpn - lo));
	end = MIN(MIN(start + nr, ptrs), pte_off + (hi - vpn));
	*from = vpn - pte_off + start;
	*to = vpn - pte_off + end;
}

/*
 * A `touch` of kind file: do_read_fault for each page of the range not mapped yet, which maps
 * page-cache pages (fault_around) and allocates only the PTE page.
 */
static uint64_t file_touch(PsSim *s, int pi, const PsTraceEvent *ev, int cpu)
{
	PsMachine *m = s->m;
	unsigned shift = m->page_shift;
	uint64_t first = ev->addr >> shift, last = (ev->addr + ev->len - 1) >> shift, ns = 0;
	Proc *p;

	for (uint64_t vpn = first; vpn <= last; vpn++) {
		uint64_t fns = ps_cost_handle_mm_fault(&s->cfg->costs), from, to;
		uint32_t v = sim_pgt_get(&proc_at(s, pi)->pgt, vpn);

		if (v) {
			if (v != PGT_FILE && !(rec_at(s, v - 1)->flags & REC_GONE))
				ps_lru_mark_accessed(s->policy, v - 1);
			continue;
		}
		s->file_faults++;
		if (!sim_pgt_pmd_mapped(&proc_at(s, pi)->pgt, vpn) &&
		    pte_alloc(s, pi, vpn, cpu, &fns) == REC_RETRY)
			return ns + fns;
		fault_around(s, pi, vpn, &from, &to);
		/*
		 * The window lies in vpn's PTE page (fault_around cuts it there): one leaf,
		 * which mapping vpn (not mapped: v is 0) makes if need be and the cached one.
		 */
		p = proc_at(s, pi);
		sim_pgt_set(&p->pgt, vpn, PGT_FILE);
		p->file_ptes += 1 + sim_pgt_leaf_fill(&p->pgt, sim_pgt_cached(&p->pgt, vpn), from,
						      to, PGT_FILE);
		ps_hist_add(&s->hists[PS_LAT_FILE_FAULT], fns + s->oom_wait_sampled);
		ns += fns;
	}
	return ns;
}

/*
 * An mTHP fault at vpn (mthp_fault) in the mapping there; REC_NONE when there is none. Out of
 * line, though the loop calls it only with an mTHP size enabled: with the lookup in
 * sim_op_touch's loop, its order-0 faults cost ~6 instructions a page more (kbuild-15 on
 * x86_64-4k-16g, no mTHP size: 4,408 -> 4,388 M instructions).
 */
static G_GNUC_NO_INLINE uint32_t mthp_try(PsSim *s, int pi, uint64_t vpn, int cpu, uint64_t *fns)
{
	const PsVma *vma = sim_vma_find(&proc_at(s, pi)->vmas, vpn << s->m->page_shift);

	return vma ? mthp_fault(s, pi, vma, vpn, cpu, fns) : REC_NONE;
}

/*
 * sim_op_touch's faults of pages first..last of process pi; with `runs` (a constant of each
 * copy), in runs of pcp-served faults (TouchRun), else each one by one.
 */
G_ALWAYS_INLINE static inline uint64_t touch_pages(PsSim *s, const PsTraceEvent *ev, int cpu,
						   int pi, uint64_t first, uint64_t last, bool runs)
{
	unsigned pmd_shift = s->m->spec.thp_order;
	uint64_t ns = 0;
	const PsCosts *c = &s->cfg->costs;
	Proc *p;
	bool mthp = s->mthp;
	TouchRun run = {0}, *rp = runs ? &run : NULL;

	/*
	 * p stays valid across the loop's calls: only a trace record creates a process (the
	 * array of processes grows in proc_create alone)
	 */
	p = proc_at(s, pi);
	for (uint64_t vpn = first; vpn <= last; vpn++) {
		/*
		 * vpn's leaf, asked once: the paths below that edit the table ask again, and the
		 * allocation in between edits no process's table (reclaim and the OOM reaper mark
		 * records REC_GONE and leave the entries)
		 */
		SimPgLeaf *l = sim_pgt_leaf(&p->pgt, vpn);
		uint32_t v = l ? *sim_pgt_leaf_ent(&p->pgt, l, vpn) : 0;
		bool found = v != 0;
		const PsVma *thp_vma;
		uint64_t sample;
		uint32_t ri;
		/* This fault's latency: the histograms get each fault, not the touch's total. */
		uint64_t fns = ps_cost_handle_mm_fault(c);
		/* kind anon on a present page: the record a copy replaces */
		uint32_t cow = REC_NONE;
		uint32_t mapped;

		/*
		 * The run goes on only through a fault that finds its leaf with entries and no
		 * entry for vpn, with no mTHP size to try (TouchRun)
		 */
		if (rp && (v || !l || !l->nr_mapped || mthp))
			touch_run_end(s, rp);
		if (v == PGT_FILE) {
			/* a copy of the page-cache page replaces its PTE (wp_page_copy) */
			sim_pgt_clear(&p->pgt, vpn);
			p->file_ptes--;
			v = 0;
		}
		if (v && !(rec_at(s, v - 1)->flags & REC_GONE)) {
			if (ev->kind != PS_KIND_ANON || (rec_at(s, v - 1)->flags & REC_THP)) {
				/* Present: an access the reclaim model sees as a reference. */
				ps_lru_mark_accessed(s->policy, v - 1);
				continue;
			}
			/* a copy (wp_page_copy): a new page, then the old one goes */
			cow = v - 1;
			sim_pgt_clear(&p->pgt, vpn);
			v = 0;
		}
		if (v)
			fns += refault(s, p, v - 1, cpu);
		/* an entry found was cleared above (refault too): the leaf may have gone with it */
		if (found)
			l = sim_pgt_leaf(&p->pgt, vpn);
		s->totals.touch_faults++;
		/* the range's count is asked again only when pte_alloc ran in between */
		mapped = l ? l->nr_mapped : 0;
		if (!mapped) {
			if (pte_alloc(s, pi, vpn, cpu, &fns) == REC_RETRY) {
				ns += fns;
				goto out;
			}
			l = sim_pgt_leaf(&p->pgt, vpn);
			mapped = l ? l->nr_mapped : 0;
		}
		/* a copy is order 0 */
		thp_vma = cow == REC_NONE && !mapped ? thp_range_cached(s, pi, vpn) : NULL;
		if (thp_vma) {
			ri = thp_fault(s, pi, thp_vma, vpn, cpu, &fns);
			if (ri == REC_RETRY) {
				ns += fns;
				goto out;
			}
			if (ri != REC_NONE) {
				fns += zero_folio(s, pmd_shift);
				ps_hist_add(&s->hists[PS_LAT_FAULT], fns + s->oom_wait_sampled);
				ns += fns;
				continue;
			}
		}
		if (mthp && cow == REC_NONE) {
			ri = mthp_try(s, pi, vpn, cpu, &fns);
			if (ri == REC_RETRY) {
				ns += fns;
				goto out;
			}
			if (ri != REC_NONE) {
				fns += zero_folio(s, rec_at(s, ri)->order);
				ps_hist_add(&s->hists[PS_LAT_FAULT], fns + s->oom_wait_sampled);
				ns += fns;
				vpn = rec_at(s, ri)->id + (1ull << rec_at(s, ri)->order) - 1;
				continue;
			}
		}
		/* get_vma_policy's interleave index of an order-0 anonymous fault: its page */
		ri = alloc_rec(s, PS_GFP_HIGHUSER_MOVABLE | (cow == REC_NONE ? PS_GFP_ZERO : 0), 0,
			       cpu, pi, PS_KIND_ANON, -1, ps_vma_interleave_index(vpn, vpn, 0),
			       "fault", &fns, rp);
		ns += fns;
		if ((ri == REC_RETRY || ri == REC_NONE) && cow != REC_NONE)
			sim_pgt_set(&p->pgt, vpn, cow + 1); /* the old page stays */
		if (ri == REC_RETRY)
			goto out;
		if (ri == REC_NONE) {
			/*
			 * VM_FAULT_OOM: the kernel's task would retry this fault until memory comes
			 * back (or panic with no OOM victim); it never reaches the rest of the
			 * range. Going on faulting it page by page failed and logged once per page.
			 */
			s->touches_cut++;
			break;
		}
		sample = fns + s->oom_wait_sampled;
		if (rp)
			touch_run_sample(&s->hists[PS_LAT_FAULT], &rp->fault_v, &rp->fault_n,
					 sample);
		else
			ps_hist_add(&s->hists[PS_LAT_FAULT], sample);
		rec_at(s, ri)->flags |= REC_TOUCH;
		rec_at(s, ri)->id = vpn;
		p->anon_faults++;
		sim_pgt_leaf_set(&p->pgt, l, vpn, ri + 1);
		if (cow != REC_NONE) {
			/* the copy's free may drain the pcp list: the run ends */
			if (rp)
				touch_run_end(s, rp);
			s->cow_copies++;
			s->totals.pages_freed_trace += 1;
			ns += rec_free(s, cow, cpu, ps_engine_now(s->e) + ns);
			cow = REC_NONE;
		}
	}
out:
	if (rp)
		touch_run_end(s, rp);
	return ns;
}

/*
 * touch_pages with runs, out of line: sim_op_touch with both copies inline cost the one-page
 * touches of build-portable ~6 instructions each (424.7 -> 426.1 M for the whole run)
 */
static G_GNUC_NO_INLINE uint64_t touch_in_runs(PsSim *s, const PsTraceEvent *ev, int cpu, int pi,
					       uint64_t first, uint64_t last)
{
	return touch_pages(s, ev, cpu, pi, first, last, true);
}

/* A `touch` record: handle_mm_fault for each page of the range not mapped yet. */
uint64_t sim_op_touch(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	PsMachine *m = s->m;
	int pi = rec_proc_get(s, ev);
	unsigned shift = m->page_shift, pmd_shift = m->spec.thp_order;
	uint64_t first = ev->addr >> shift, last = (ev->addr + ev->len - 1) >> shift;

	if (ev->kind == PS_KIND_FILE)
		return file_touch(s, pi, ev, cpu);
	/*
	 * any anonymous size below the PMD one not "never": alloc_anon_folio has orders to try
	 * (the config's sizes, fixed for the run: looked at once)
	 */
	if (!s->mthp_known) {
		s->mthp = false;
		for (unsigned o = 2; o < pmd_shift && m->spec.thp_built; o++)
			s->mthp |= ps_thp_size_mode(&m->spec, o) != PS_THP_SIZE_NEVER;
		s->mthp_known = true;
	}
	/*
	 * a one-page touch has no run to make: the copy without the run's bookkeeping (and every
	 * touch under PAGESIM_TOUCH_RUN=off: the differential test's side one page at a time)
	 */
	if (last > first && !s->touch_run_off)
		return touch_in_runs(s, ev, cpu, pi, first, last);
	return touch_pages(s, ev, cpu, pi, first, last, false);
}

/*
 * mmu_gather's batch pages for `entries` gathered entries (mm/mmu_gather.c, 6.18): the first
 * ones sit in the on-stack bundle (MMU_GATHER_BUNDLE, 8); __tlb_remove_folio_pages_size moves on
 * to the next batch as soon as one holds max - 1 (room for a two-entry add), and tlb_next_batch
 * allocates each further batch as a page of its own, __get_free_page(GFP_NOWAIT | __GFP_NOWARN),
 * holding MAX_GATHER_BATCH = (PAGE_SIZE - sizeof(struct mmu_gather_batch)) / sizeof(void *)
 * entries (16-byte header: 510 at 4 KiB, 2046 at 16 KiB, 8190 at 64 KiB), at most
 * MAX_GATHER_BATCH_COUNT = 10000 / MAX_GATHER_BATCH of them (19, 4, 1); then it gives up, the
 * caller flushes what is gathered and the batches are reused.
 */
#define MMU_GATHER_BUNDLE 8
static uint64_t gather_batch_pages(const PsMachine *m, uint64_t entries)
{
	uint64_t max = (m->page_size - 16) / 8, count = 10000 / max;

	if (entries < MMU_GATHER_BUNDLE - 1)
		return 0;
	return MIN(1 + (entries - (MMU_GATHER_BUNDLE - 1)) / (max - 1), count);
}

/*
 * The entries from which gather_batch_pages gives its most (MAX_GATHER_BATCH_COUNT batches):
 * counting past them changes nothing (a kbuild exit then skips thousands of cold records).
 */
static uint64_t gather_entries_enough(const PsMachine *m)
{
	uint64_t max = (m->page_size - 16) / 8, count = 10000 / max;

	return MMU_GATHER_BUNDLE - 1 + (count ? count - 1 : 0) * (max - 1);
}

/* The entries a mapped record takes: a PTE-mapped large folio two (page, count), else one. */
static unsigned gather_entries(const PsSim *s, const Rec *r)
{
	if (r->flags & REC_GONE)
		return 0; /* not present: nothing to free */
	return (r->flags & REC_THP) && r->order != s->m->spec.thp_order ? 2 : 1;
}

/*
 * One batch page of an mmu_gather or of tlb_remove_table, __get_free_page(GFP_NOWAIT |
 * __GFP_NOWARN)
 * (`what` names the kernel function): a kernel allocation of the task's cpu, owned by nobody.
 * Counted in *made, or in *failed when it cannot be had (then REC_NONE); the time in *ns.
 */
static uint32_t batch_page_alloc(PsSim *s, int cpu, const char *what, uint64_t *made,
				 uint64_t *failed, uint64_t *ns)
{
	uint32_t ri = do_alloc(s, PS_GFP_NOWAIT, 0, cpu, -1, PS_KIND_KERNEL, -1,
			       PS_NO_INTERLEAVE_INDEX, what, ns);

	if (ri == REC_NONE || ri == REC_RETRY) {
		(*failed)++;
		return REC_NONE;
	}
	(*made)++;
	return ri;
}

/*
 * One of the unmap's and exit's scratch arrays of records, made at its first use. Empty at the
 * start of each record: gather_free and tables_free empty what they are given, and no record
 * returns between filling one and handing it to them.
 */
static GArray *scratch(GArray **a)
{
	if (!*a)
		*a = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_assert((*a)->len == 0);
	return *a;
}

/*
 * tlb_next_batch's pages for an unmap or exit of `entries` entries, allocated before the
 * gathered pages are freed.
 */
static uint64_t gather_alloc(PsSim *s, uint64_t entries, int cpu, GArray *pages)
{
	uint64_t n = gather_batch_pages(s->m, entries), ns = 0;

	/* tlb_next_batch gives up at the first page it cannot have: the gather flushes early */
	for (uint64_t i = 0; i < n; i++) {
		uint32_t ri = batch_page_alloc(s, cpu, "mmu_gather", &s->gather_pages,
					       &s->gather_failed, &ns);

		if (ri == REC_NONE)
			break;
		g_array_append_val(pages, ri);
	}
	return ns;
}

/*
 * tlb_finish_mmu's tlb_batch_list_free: the batch pages go after the pages they held, counted
 * in *freed (the unmap's or the exit's pages_freed total).
 */
static uint64_t gather_free(PsSim *s, GArray *pages, int cpu, uint64_t ns, uint64_t *freed)
{
	*freed += pages->len;
	for (guint i = 0; i < pages->len; i++)
		ns += rec_free(s, g_array_index(pages, uint32_t, i), cpu, ps_engine_now(s->e) + ns);
	g_array_set_size(pages, 0);
	return ns;
}

/*
 * The grace period a page-table batch waits from tlb_table_flush's call_rcu to
 * tlb_remove_table_rcu. compact-portable's recording (Linux 6.18 x86-64, 2 cpus, idle) shows 39
 * batch pages of its munmaps freed in the RCU softirq of their cpu 20.4 to 27.9 ms after they
 * were allocated (one after 12.2 ms; the others' frees ran in other tasks' softirqs, outside its
 * tree-filtered trace): 24 ms, their median.
 */
#define RCU_TABLE_GP_NS 24000000ull

/* Page tables waiting for a grace period: each batch's tables, then its page. */
typedef struct {
	int cpu;
	GArray *recs;	 /* uint32_t records */
	uint64_t *freed; /* the total their pages count in as they are freed */
} SimRcuTables;

/*
 * MAX_TABLE_BATCH: (PAGE_SIZE - sizeof(struct mmu_table_batch)) / sizeof(void *), a 24-byte
 * header (rcu_head, nr): 509 tables a batch page at 4 KiB.
 */
static uint64_t table_batch_max(const PsMachine *m)
{
	return (m->page_size - 24) / 8;
}

/*
 * tlb_remove_table's batch pages for `tables` page tables, allocated as free_pgtables removes
 * the tables (before tlb_finish_mmu frees the gathered pages). While it holds no batch,
 * tlb_remove_table asks for a page at each table: one it gets takes that table and the next
 * ones up to MAX_TABLE_BATCH (then tlb_table_flush, and the next table asks again); one it
 * cannot have is counted, and that table goes alone (tlb_remove_table_one). *slots gets one
 * entry an attempt, in table order: the batch page's record, or REC_NONE for a table alone.
 */
static uint64_t table_batch_alloc(PsSim *s, uint64_t tables, int cpu, GArray *slots)
{
	uint64_t max = table_batch_max(s->m), ns = 0;

	while (tables) {
		uint32_t ri = batch_page_alloc(s, cpu, "tlb_remove_table", &s->table_batch_pages,
					       &s->table_batch_failed, &ns);

		g_array_append_val(slots, ri);
		tables -= ri == REC_NONE ? 1 : MIN(tables, max);
	}
	return ns;
}

/*
 * tlb_table_flush and tlb_remove_table_one: the page tables in `tables` (records no process
 * owns any more) wait for a grace period (sim_on_rcu_tables) in the order their call_rcu
 * queues them, each batch's tables followed by its page, a table alone
 * (__tlb_remove_table_one's call_rcu on x86-64, PT_RECLAIM) by itself; `slots` is
 * table_batch_alloc's. Each page counts in *freed as it is freed (the unmap's or the exit's
 * total; one still waiting at the end of the run is live). Both arrays are emptied.
 */
static void tables_free(PsSim *s, GArray *tables, GArray *slots, int cpu, uint64_t *freed)
{
	uint64_t max = table_batch_max(s->m);
	SimRcuTables *b;
	guint i = 0;

	if (!tables->len && !slots->len)
		return;
	b = g_new(SimRcuTables, 1);
	b->cpu = cpu;
	b->freed = freed;
	b->recs = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), tables->len + slots->len);
	for (guint k = 0; k < slots->len; k++) {
		uint32_t page = g_array_index(slots, uint32_t, k);
		guint n = (guint)MIN((uint64_t)(tables->len - i), page == REC_NONE ? 1 : max);

		g_array_append_vals(b->recs, &g_array_index(tables, uint32_t, i), n);
		i += n;
		if (page != REC_NONE)
			g_array_append_val(b->recs, page);
	}
	/* tables past the count table_batch_alloc was given: each alone, as after a failure */
	g_array_append_vals(b->recs, &g_array_index(tables, uint32_t, i), tables->len - i);
	g_queue_push_tail(s->rcu_tables, b);
	ps_engine_schedule(s->e, ps_engine_now(s->e) + RCU_TABLE_GP_NS, s->ev_rcu_tables, 0,
			   (uint64_t)(uintptr_t)b);
	g_array_set_size(tables, 0);
	g_array_set_size(slots, 0);
}

void sim_on_rcu_tables(PsEngine *e, const PsEvent *ev, void *data)
{
	PsSim *s = data;
	SimRcuTables *b = (SimRcuTables *)(uintptr_t)ev->arg1;

	/*
	 * __tlb_remove_table_free: a batch's tables in order, then its page;
	 * __tlb_remove_table_one_rcu: a table alone
	 */
	for (guint i = 0; i < b->recs->len; i++)
		rec_free(s, g_array_index(b->recs, uint32_t, i), b->cpu, ps_engine_now(e));
	s->tables_rcu_freed += b->recs->len;
	*b->freed += b->recs->len; /* all order 0 */
	/* a fixed delay after increasing times: the batches expire in the order they were queued */
	g_assert(g_queue_peek_head(s->rcu_tables) == b);
	g_queue_pop_head(s->rcu_tables);
	g_array_unref(b->recs);
	g_free(b);
}

uint64_t sim_op_unmap(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	PsMachine *m = s->m;
	int pi = sim_proc_find(s, ev->pid);
	unsigned shift = m->page_shift;
	/* Only pages whose whole extent lies inside the range are freed. */
	uint64_t first = (ev->addr + m->page_size - 1) >> shift,
		 end = (ev->addr + ev->len) >> shift;
	uint64_t ns = 0, entries = 0;
	GArray *batch = scratch(&s->scratch_batch), *tables = scratch(&s->scratch_tables),
	       *tbatch = scratch(&s->scratch_tslots);
	bool any;

	if (pi < 0) {
		s->anomalies[PS_ANOM_UNMAP_UNKNOWN]++;
		return 0;
	}
	vmas_changed(s, pi);
	any = sim_vma_remove(&proc_at(s, pi)->vmas, ev->addr, ev->addr + ev->len);
	s->nr_gather = 0;
	/*
	 * zap_pte_range: the mapped pages in address order are gathered, then freed in that
	 * order (the order of the frees reaches the outputs). The table is searched for the first
	 * mapped page of a PMD range and the rest of the range is read from its leaf in place,
	 * as long as the leaf holds something: a search a page cost ~90 instructions (a tenth of
	 * an unmap on churn-portable).
	 */
	for (uint64_t vpn = first;
	     (vpn = sim_pgt_next_mapped(&proc_at(s, pi)->pgt, vpn, end)) < end;) {
		SimPgTable *pgt = &proc_at(s, pi)->pgt;
		SimPgLeaf *l = sim_pgt_cached(pgt, vpn);
		uint64_t stop = MIN(end, ((vpn >> pgt->leaf_shift) + 1) << pgt->leaf_shift);
		/* the leaf goes when its last entry is cleared: its range holds nothing more */
		bool held = true;

		any = true;
		for (; vpn < stop && held; vpn++) {
			uint32_t ri = *sim_pgt_leaf_ent(pgt, l, vpn) - 1;
			Rec *r;

			if (ri + 1 == 0)
				continue;
			if (ri + 1 == PGT_FILE) {
				/* a page-cache page: gathered, its reference dropped, the page
				 * stays */
				held = sim_pgt_leaf_clear(pgt, l, vpn);
				proc_at(s, pi)->file_ptes--;
				entries++;
				continue;
			}
			r = rec_at(s, ri);
			if (r->flags & REC_THP) {
				uint64_t base = r->id;

				/*
				 * A huge page goes only when its whole range is unmapped. Its range
				 * is aligned to its size, within one PMD range: l's.
				 */
				if (base < first || base + (1ull << r->order) > end)
					continue;
				for (uint64_t u = base; u < base + (1ull << r->order); u++)
					held = sim_pgt_leaf_clear(pgt, l, u);
			} else {
				held = sim_pgt_leaf_clear(pgt, l, vpn);
			}
			if (!(r->flags & REC_GONE))
				s->totals.pages_freed_trace += 1ull << r->order;
			entries += gather_entries(s, r);
			if (s->nr_gather == s->gather_cap) {
				s->gather_cap = MAX(2 * s->gather_cap, 1024u);
				s->gather = g_renew(uint32_t, s->gather, s->gather_cap);
			}
			s->gather[s->nr_gather++] = ri;
		}
	}
	ns += gather_alloc(s, entries, cpu, batch);
	/* free_pgtables, then tlb_finish_mmu: the gathered pages, the tables' call_rcu */
	if (first < end) {
		pte_free_empty(s, pi, first, end, tables);
		pgtable_upper_free(s, pi, first, end, tables);
		ns += table_batch_alloc(s, tables->len, cpu, tbatch);
	}
	for (uint32_t i = 0; i < s->nr_gather; i++)
		ns += free_rec(s, s->gather[i], cpu, ps_engine_now(s->e) + ns, NULL);
	tables_free(s, tables, tbatch, cpu, &s->totals.pages_freed_trace);
	ns = gather_free(s, batch, cpu, ns, &s->totals.pages_freed_trace);
	if (!any) {
		s->anomalies[PS_ANOM_UNMAP_UNKNOWN]++;
		return ns;
	}
	return ns + ps_cost_do_vmi_munmap(&s->cfg->costs);
}

/* How far ahead of its free the exit walk loads a record. */
#define EXIT_AHEAD 8
/* How far ahead the exit's count of gather entries loads a record (a test and an add each). */
#define EXIT_COUNT_AHEAD 16

/*
 * A run of an exit's frees (issue 16): order-0 pages of one zone that a touch faulted in (not
 * page tables, not reclaimed, swapped or slab), in the walk's order, freed on the exit's cpu.
 * free_rec's steps for each page, arranged per run: ps_free_pcp_run frees the pages to the pcp
 * up to and including the first free that drains it (free_pcppages_bulk), then the same pages
 * leave the LRU (ps_lru_del_run: the list, zone and node counts once), the pageblock counts,
 * their records and the process's rss (once). Each piece changes state the others do not read
 * (the pcp and buddy, the LRU lists, the sim's pageblock and record arrays, the process), so
 * the order within a run does not show. Only the drain at a run's last free can merge: the
 * others cost ps_cost_free_pages(0, 0) each, the last its merges and the zone lock. The rest
 * (a page the pcp would not take, another zone, another kind of record) goes through free_rec.
 * PsRunOptions.exit_run_off (PAGESIM_EXIT_RUN=off) makes no runs: tests/sim/test-exit-run.c
 * replays both ways and requires the same outputs.
 */
#define EXIT_RUN_MAX 64
typedef struct {
	PsZone *z;
	unsigned n;
	uint32_t ri[EXIT_RUN_MAX];
	ps_pfn_t pfn[EXIT_RUN_MAX];
} ExitRun;

/* A record the exit walk may free in a run (its zone still to be checked). */
static inline bool exit_run_fits(const Rec *r)
{
	return (r->flags & (REC_TOUCH | REC_PGTABLE | REC_GONE | REC_SWAPPED)) == REC_TOUCH &&
	       r->order == 0 && r->kind != PS_KIND_SLAB;
}

/* Frees the run's pages (see ExitRun) and empties it. */
static G_GNUC_NO_INLINE void exit_run_end(PsSim *s, ExitRun *run, int cpu, Proc *p)
{
	PsMachine *m = s->m;
	PsZone *z = run->z;
	uint64_t c0 = ps_cost_free_pages(&s->cfg->costs, 0, 0), at = ps_engine_now(s->e);
	unsigned i = 0;

	while (i < run->n) {
		uint64_t before = (uint64_t)z->vm_stat[PS_NR_FREE_PAGES],
			 merges = m->buddy_merges_total, merged, ns;
		unsigned k = ps_free_pcp_run(m, z, cpu, run->pfn + i, run->n - i);

		if (!k) {
			/* the pcp does not take it: free_rec's buddy free */
			s->totals.pages_freed_exit++;
			free_rec(s, run->ri[i], cpu, at, p);
			i++;
			continue;
		}
		merged = (uint64_t)z->vm_stat[PS_NR_FREE_PAGES] - before;
		merges = m->buddy_merges_total - merges;
		ps_lru_del_run(s->policy, run->ri + i, k);
		for (unsigned j = i; j < i + k; j++) {
			Rec *r = rec_at(s, run->ri[j]);

			sim_pb_account(s, run->pfn[j], 0, r->mt, -1);
			p->kind_pages[r->kind]--;
			r->proc = -1;
			r->own = REC_NONE;
			r->flags = 0;
			r->pfn = PS_PFN_NONE;
			rec_put(s, run->ri[j]);
		}
		p->rss_pages -= k;
		s->totals.pages_freed_exit += k;
		ns = ps_cost_free_pages(&s->cfg->costs, merged, merges);
		if (merged)
			ns +=
			    lock_take(s, s->zone_lock_free[z - m->zones], at,
				      ps_cost_zone_lock_hold_free(&s->cfg->costs, merged, merges));
		s->totals.allocator_ns += (k - 1) * c0 + ns;
		i += k;
	}
	run->n = 0;
}

void sim_op_exit(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	int pi = sim_proc_find(s, ev->pid);
	GArray *batch = scratch(&s->scratch_batch), *tables = scratch(&s->scratch_tables),
	       *tbatch = scratch(&s->scratch_tslots);
	uint64_t entries = 0, enough = gather_entries_enough(s->m);
	ExitRun run;
	Proc *p;

	run.n = 0;
	run.z = NULL;
	if (pi < 0) {
		s->anomalies[PS_ANOM_PID_WITHOUT_PROC]++;
		return;
	}
	if (cpu < 0)
		cpu = ev->pid % s->m->nr_cpus;
	proc_at(s, pi)->anon_final_pages = proc_at(s, pi)->kind_pages[PS_KIND_ANON];
	/* exit_mmap's gather: the entries of the mapped user pages (not page tables) */
	p = proc_at(s, pi);
	for (uint32_t i = 0; i < p->own_len && entries < enough; i++) {
		/* the records are scattered over the record array: load them ahead of the test */
		if (i + EXIT_COUNT_AHEAD < p->own_len && p->own[i + EXIT_COUNT_AHEAD] != REC_NONE)
			__builtin_prefetch(rec_at(s, p->own[i + EXIT_COUNT_AHEAD]));
		if (p->own[i] != REC_NONE &&
		    (rec_at(s, p->own[i])->flags & (REC_TOUCH | REC_PGTABLE)) == REC_TOUCH)
			entries += gather_entries(s, rec_at(s, p->own[i]));
	}
	entries += p->file_ptes;
	p->file_ptes = 0;
	gather_alloc(s, entries, cpu, batch);
	/* free_pgtables' tlb_remove_table: the batch pages for the process's page tables */
	table_batch_alloc(s, proc_at(s, pi)->kind_pages[PS_KIND_PAGETABLE], cpu, tbatch);
	/*
	 * exit_mmap and friends: everything still owned goes back, newest first. The walk reads
	 * p->own from its end and empties it once after the last record: each record leaves only
	 * p's counts (proc_unlink_counts), not its own[] entry with the trim of the holes behind
	 * it (~20 instructions a page of a kbuild exit). Nothing the walk calls reads or adds to
	 * p->own (a free allocates nothing), and p stays valid: only a trace record creates a
	 * process.
	 */
	p = proc_at(s, pi);
	for (uint32_t n = p->own_len; n; n--) {
		uint32_t ri = p->own[n - 1];
		Rec *r;

		if (ri == REC_NONE)
			continue;
		r = rec_at(s, ri);

		/*
		 * The walk reads cold records: load the one EXIT_AHEAD places on (and its LRU
		 * state) now, and the page and LRU neighbours of the one half as far on, whose
		 * record came in then.
		 */
		if (n > EXIT_AHEAD) {
			uint32_t ra = p->own[n - 1 - EXIT_AHEAD];

			if (ra != REC_NONE) {
				__builtin_prefetch(rec_at(s, ra), 1);
				ps_lru_prefetch(s->lru_view, ra);
			}
		}
		if (n > EXIT_AHEAD / 2 && p->own[n - 1 - EXIT_AHEAD / 2] != REC_NONE) {
			ps_pfn_t pfn = rec_at(s, p->own[n - 1 - EXIT_AHEAD / 2])->pfn;

			ps_lru_prefetch_neighbours(s->lru_view, p->own[n - 1 - EXIT_AHEAD / 2]);
			if (pfn >= s->m->map.base_pfn && pfn < s->m->map.end_pfn) {
				__builtin_prefetch(&s->m->map.flags[pfn - s->m->map.base_pfn], 1);
				__builtin_prefetch(&s->m->map.link[pfn - s->m->map.base_pfn], 1);
			}
		}
		g_assert(r->flags & REC_LIVE);
		if (!s->exit_run_off && exit_run_fits(r)) {
			PsZone *z = ps_pfn_zone(s->m, r->pfn);

			g_assert(z != NULL);
			if (run.n && (z != run.z || run.n == EXIT_RUN_MAX))
				exit_run_end(s, &run, cpu, p);
			run.z = z;
			run.ri[run.n] = ri;
			run.pfn[run.n++] = r->pfn;
			continue;
		}
		if (run.n)
			exit_run_end(s, &run, cpu, p);
		if ((r->flags & (REC_PGTABLE | REC_GONE)) == REC_PGTABLE) {
			/* counted in pages_freed_exit as it is freed (tables_free) */
			proc_unlink_counts(p, r);
			g_array_append_val(tables, ri);
			continue;
		}
		if (!(r->flags & REC_GONE))
			s->totals.pages_freed_exit += 1ull << r->order;
		if (!(r->flags & REC_TOUCH))
			id_set(s, r->id, 0);
		if ((r->flags & (REC_THP | REC_TOUCH)) == REC_THP)
			g_hash_table_remove(s->thp_fallback, &r->id);
		free_rec(s, ri, cpu, ps_engine_now(s->e), p);
	}
	if (run.n)
		exit_run_end(s, &run, cpu, p);
	p->own_len = 0;
	p->own_live = 0;
	tables_free(s, tables, tbatch, cpu, &s->totals.pages_freed_exit);
	gather_free(s, batch, cpu, 0, &s->totals.pages_freed_exit);
	p = proc_at(s, pi);
	p->exited = true;
	sim_khugepaged_exit(s, pi);
	g_clear_pointer(&p->own, g_free);
	p->own_cap = 0;
	sim_pgt_clear_all(&p->ptes);
	g_clear_pointer(&p->upper, g_free);
	p->nr_upper = p->upper_cap = 0;
	sim_pgt_clear_all(&p->pgt);
	sim_vmas_clear(&p->vmas);
	vmas_changed(s, pi);
	g_hash_table_remove(s->pid_map, GINT_TO_POINTER(ev->pid));
	g_hash_table_insert(s->exited_map, GINT_TO_POINTER(ev->pid), GINT_TO_POINTER(pi + 1));
	sim_proc_cache_reset(s);
}

/* The nodes of the machine as a mempolicy mask. */
static uint64_t machine_nodes(const PsMachine *m)
{
	return m->nr_nodes >= 64 ? ~0ull : (1ull << m->nr_nodes) - 1;
}

/* A `proc` record: a new task, or new comm, oom_score_adj and mempolicy for a known one. */
void sim_op_proc(PsSim *s, const PsTraceEvent *ev)
{
	int pi = sim_proc_find(s, ev->pid);
	Proc *p;

	if (pi < 0) {
		int forker = sim_proc_forker(ev);
		int parent = forker ? sim_proc_find(s, forker) : -1;

		pi = proc_create(s, ev->pid, ev->comm, ev->oom_score_adj);
		proc_at(s, pi)->fork_parent = (int)ev->value;
		/* a forked task, with a copy of the memory or not, starts in its forker's memcg
		 * (cgroup_post_fork) */
		if (parent >= 0)
			proc_at(s, pi)->memcg = proc_at(s, parent)->memcg;
	}
	p = proc_at(s, pi);
	/* where it was at the start, or moved to (cgroup_attach_task); what it has stays put */
	if (ev->memcg[0])
		p->memcg = sim_memcg_of_path(s, ev->memcg);
	g_strlcpy(p->comm, ev->comm, sizeof(p->comm));
	p->oom_score_adj = ev->oom_score_adj;
	/* The reader validated the policy's spelling; the nodes are this machine's question. */
	if (!ev->mempolicy[0] || !ps_mempolicy_parse(ev->mempolicy, &p->pol, NULL))
		ps_mempolicy_init(&p->pol);
	if (p->pol.nodes & ~machine_nodes(s->m)) {
		/*
		 * set_mempolicy() keeps the nodes that have memory and fails with EINVAL when none
		 * is left; the task then runs under the default policy. Counted either way.
		 */
		s->anomalies[PS_ANOM_NODE_OUT_OF_RANGE]++;
		p->pol.nodes &= machine_nodes(s->m);
		if (!p->pol.nodes)
			ps_mempolicy_init(&p->pol);
	}
	/* an allocation that must wait sets s->retry_at: the record runs again */
	if (p->fork_parent) {
		/* dup_mmap's khugepaged_fork: a copy of a registered mm is registered */
		if (!s->pin)
			sim_khugepaged_fork(s, sim_proc_find(s, p->fork_parent), pi);
		fork_copy(s, pi);
	}
}

/* A `map` record: the range replaces whatever the process had mapped there. */
uint64_t sim_op_map(PsSim *s, const PsTraceEvent *ev)
{
	/* the reader rejects addr + len reaching 2^64, so the end does not wrap to 0 */
	PsVma v = {ev->addr, ev->addr + ev->len, ev->thp, ev->kind == PS_KIND_FILE};
	int pi = rec_proc_get(s, ev);
	Proc *p = proc_at(s, pi);

	vmas_changed(s, pi);
	sim_vma_remove(&p->vmas, v.start, v.end);
	sim_vma_insert(&p->vmas, &v);
	/* vma_merge_new_range / hugepage_madvise: khugepaged_enter_vma of the merged mapping */
	if (!s->pin)
		sim_khugepaged_enter_vma(s, pi, &v);
	return ps_cost_do_mmap(&s->cfg->costs);
}

cJSON *sim_procs_to_json(PsSim *s)
{
	cJSON *a = cJSON_CreateArray();
	uint64_t ps = s->m->page_size;

	for (guint i = 0; s->procs && i < s->procs->len; i++) {
		const Proc *p = proc_at(s, (int)i);
		cJSON *o = cJSON_CreateObject(), *t;
		uint64_t final = p->exited ? p->anon_final_pages : p->kind_pages[PS_KIND_ANON];

		cJSON_AddNumberToObject(o, "pid", p->pid);
		cJSON_AddStringToObject(o, "comm", p->comm);
		cJSON_AddNumberToObject(o, "anon_faults", (double)p->anon_faults);
		cJSON_AddNumberToObject(o, "anon_peak_bytes", (double)(p->anon_peak_pages * ps));
		cJSON_AddNumberToObject(o, "anon_final_bytes", (double)(final * ps));
		cJSON_AddNumberToObject(o, "file_added_bytes", (double)(p->file_added_pages * ps));
		cJSON_AddNumberToObject(o, "pagetable_peak_bytes",
					(double)(p->pgtable_peak_pages * ps));
		t = cJSON_AddObjectToObject(o, "thp_faults");
		for (int k = 0; k < PS_NR_ORDERS_MAX; k++)
			if (p->thp_faults[k]) {
				char key[24];

				g_snprintf(key, sizeof(key), "%" G_GUINT64_FORMAT "kB",
					   (ps << k) / 1024);
				cJSON_AddNumberToObject(t, key, (double)p->thp_faults[k]);
			}
		cJSON_AddBoolToObject(o, "exited", p->exited);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* Frees the processes, the records and the id map. */
void sim_recs_state(PsSim *s, PsStateTable *t)
{
	uint64_t npages = s->m->map.end_pfn - s->m->map.base_pfn;
	uint64_t nrecs = ps_state_count(t, "recs.n", s->nr_recs);
	uint64_t reserved = ps_state_count(t, "recs.reserved", s->recs_reserved);
	uint64_t nfree = ps_state_count(t, "recs.free.n", s->nr_free_recs);
	uint64_t nid = ps_state_count(t, "recs.id_map.n", s->id_map->len);
	uint64_t snap_rec = ps_state_count(t, "recs.snap_rec.n", s->snap_rec ? npages : 0);

	/* a start has no process, file or trace id beyond the flat map yet */
	g_assert(!s->procs->len && !s->files && !g_hash_table_size(s->id_big) &&
		 !g_hash_table_size(s->thp_fallback) && !s->snap_split);
	if (ps_state_loading(t)) {
		g_assert(!s->nr_recs && !s->nr_free_recs && !s->snap_rec);
		if (reserved)
			rec_reserve(s, (guint)(reserved / 2));
		s->nr_recs = (guint)nrecs;
		if (nfree > s->free_recs_cap) {
			s->free_recs_cap = (uint32_t)nfree;
			s->free_recs = g_renew(uint32_t, s->free_recs, s->free_recs_cap);
		}
		s->nr_free_recs = (uint32_t)nfree;
		g_array_set_size(s->id_map, (guint)nid);
		if (snap_rec && !(s->snap_rec = ps_map0_huge(npages * sizeof(uint32_t))))
			g_error("%s: cannot map %" G_GUINT64_FORMAT " pfns", G_STRLOC, npages);
	}
	/*
	 * In the room (util/mem.c): mapped when large, so a warm start neither zeroes nor copies
	 * the ~1.2 M records of a snapshot's folios (press-thp: 39 MB). Rec's padding is zero as
	 * written.
	 */
	ps_state_room(t, "recs", s->recs, sizeof(Rec) * nrecs);
	ps_state_array(t, "recs.free", s->free_recs, sizeof(uint32_t) * nfree);
	ps_state_array(t, "recs.id_map", s->id_map->data, sizeof(uint32_t) * nid);
	if (snap_rec)
		ps_state_mapped(t, "recs.snap_rec", s->snap_rec, sizeof(uint32_t) * npages);
}

void sim_process_free(PsSim *s)
{
	if (s->procs)
		for (guint i = 0; i < s->procs->len; i++) {
			sim_vmas_clear(&proc_at(s, (int)i)->vmas);
			g_free(proc_at(s, (int)i)->own);
			sim_pgt_clear_all(&proc_at(s, (int)i)->ptes);
			g_free(proc_at(s, (int)i)->upper);
			sim_pgt_clear_all(&proc_at(s, (int)i)->pgt);
		}
	sim_cache_free(s);
	sim_pgt_pool_clear(&s->pgt_pool);
	g_clear_pointer(&s->procs, g_array_unref);
	g_clear_pointer(&s->pid_map, g_hash_table_unref);
	g_clear_pointer(&s->exited_map, g_hash_table_unref);
	g_clear_pointer(&s->gather, g_free);
	g_clear_pointer(&s->scratch_batch, g_array_unref);
	g_clear_pointer(&s->scratch_tables, g_array_unref);
	g_clear_pointer(&s->scratch_tslots, g_array_unref);
	ps_room_free(&s->recs_room);
	s->recs = NULL;
	s->nr_recs = s->recs_reserved = 0;
	g_clear_pointer(&s->free_recs, g_free);
	g_clear_pointer(&s->id_map, g_array_unref);
	g_clear_pointer(&s->id_big, g_hash_table_unref);
	sim_slab_clear(s);
	g_clear_pointer(&s->thp_fallback, g_hash_table_unref);
	/* batches whose grace period the run did not reach */
	while (s->rcu_tables && !g_queue_is_empty(s->rcu_tables)) {
		SimRcuTables *b = g_queue_pop_head(s->rcu_tables);

		g_array_unref(b->recs);
		g_free(b);
	}
	g_clear_pointer(&s->rcu_tables, g_queue_free);
}
