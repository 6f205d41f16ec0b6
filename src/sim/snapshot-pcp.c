// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * snapshot-pcp.c - the per-cpu page lists at the snapshot moment: their dynamic `high` and page
 * counts from the same moment's /proc/zoneinfo (ps_snapshot_seed_pcp), and which pages sat on
 * them, rebuilt from the trace (ps_snapshot_prefill_*). The kernel side is mm/page_alloc.c's pcp
 * lists (rmqueue_pcplist takes from the head, free_pcppages_bulk drains from the tail) and
 * zoneinfo_show_print's pcp lines.
 *
 * Simplifications (why acceptable): a page on a pcp list has no kpageflags flag, so what the
 * trace never names stays unknown and zoneinfo's count is only an upper bound; a drain recorded
 * by one cpu for another's lists (drain_all_pages) may land on the wrong cpu here, within the
 * per-cpu counts. Both were measured against the recordings (numbers below). A list counts as
 * shown empty (note_list_empty) at a refill of it, or where a run of drain records moves on from
 * it to a list of higher pindex, both records' traced type being their pageblock's here; other
 * emptying drains are missed, so such a list may still get unnamed pages: free_pcppages_bulk's
 * round robin wrapping round to a lower pindex (a free-triggered drain starts at the freed page's
 * list), drain_pages_zone's bulks of batch << CONFIG_PCP_BATCH_SCALE_MAX, each restarting at
 * pindex 0 (a backward move there says nothing), and a drained page whose block changed type
 * while it sat on the list (the trace names get_pfnblock_migratetype's type, not the list).
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "sim/sim-private.h"
#include "util/util.h"

/*
 * The pcp count at the start, as the trace implies it. zoneinfo's count was read before the trace
 * began (the capture's own dumps run in between), and the rebuilt lists hold only pages a record
 * names: one deep behind a list's head that no drain reaches stays unnamed. The count decides
 * where a list first reaches `high`: free_frozen_page_commit drains (free_pcppages_bulk;
 * mm_page_pcpu_drain records right after the free) at the first free that takes pcp->count to
 * nr_pcp_high's value. So each cpu's records up to its first free-triggered drain are kept as
 * count steps (refill blocks +, those a refill took by a fallback included (refill_fallback),
 * pcp allocations -, frees + with the free-side rules, other drains -), and the implied start
 * count is the smallest, from the rebuilt count up to
 * zoneinfo's, with which pcp.c's own rules (ps_pcp_nr_alloc, ps_pcp_free_high on a copy of the
 * restored pcp) first reach `high` at that very free. The lists are filled up to it with
 * unnamed pages: flagless kernel pages of the snapshot (on no LRU) that no record names while the
 * walks run, on their pageblock's list, behind the pages the trace allocates and ahead of those
 * it drains (the kernel's drains never reached them). Only pages whose list (order 0, the
 * pageblock's type) the trace never shows empty: __rmqueue_pcplist refills a list only when it is
 * empty, and free_pcppages_bulk goes on to the next list only from an empty one, so what such a
 * list held at the start the trace allocated or drained, naming it. On
 * lab-churn-migrate/4k cpu 1 the 182 unnamed pages went to the Unmovable list, which the kernel
 * refilled empty at 1.62 s while the model still held them, and the model's count stayed 2,016
 * short (the refill it skipped) until the kernel's drains at 2.63 s; in Reclaimable blocks (the
 * lists cpu 1 never allocates from) its sequence follows the kernel's to 2.71 s.
 * summary.json lists each pcp's rebuilt,
 * implied and added counts (snapshot.pcp_start_count_from_first_drain). The periodic decay of
 * `high` is not walked (no record shows it): a walk it would have changed finds no exact count
 * and adds nothing.
 * Measured (policy replay, config from before.zoneinfo; rebuilt / implied / zoneinfo): 64K
 * realdata cpu 0 321 / 365 / 427; 16K cpu 1 324 / 362 / 369; 4K cpu 0 1685 / 1928 / 2036, cpu 1
 * 954 / 987 / 1237; shipped 4K cpu 1 400 / 582 / 585. With it, and the untraced bulk allocation
 * a double free shows (process.c, untraced_refree), the 64K replay's cpu 0 follows the trace's
 * pcp sequence through `mid`, and its free blocks at `mid` are the kernel's at every order
 * (36 order-0 blocks against 1 before).
 */
enum { STEP_REFILL_FIRST, STEP_REFILL, STEP_ALLOC, STEP_FREE, STEP_DRAIN, STEP_TAKE, STEP_OTHER };

typedef struct {
	uint8_t kind; /* STEP_* */
	uint8_t order;
	uint8_t mt; /* a refill's migratetype (its list) */
} PcpStep;

struct PcpWalk {
	GArray *steps; /* PcpStep, up to the free that first drained */
	uint8_t last;  /* the previous record's step on this cpu and zone */
	bool done;     /* that free was found */
	/*
	 * note_list_empty, over every record the walks read (past this walk's end too): the lists
	 * (bit order * PS_MT_PCPTYPES + mt, orders up to PAGE_ALLOC_COSTLY_ORDER) shown empty, and
	 * the list the last record took from while a run of drain records goes on (1 + that bit;
	 * 0 otherwise).
	 */
	uint16_t emptied;
	uint8_t drain_list;
};
#define EMPTIED_ALL ((1u << ((PS_PAGE_ALLOC_COSTLY_ORDER + 1) * PS_MT_PCPTYPES)) - 1)

/* A page the trace shows on a pcp list at the start: one of the prefill's findings. */
typedef struct {
	ps_pfn_t pfn;
	int cpu;
	unsigned order;
	enum ps_migratetype mt;
} StartPcpPage;

/*
 * Takes pfn (a block of order) out of the unknown-at-start pages, or out of the free lists, for
 * cpu's pcp list of mt in its zone, within what zoneinfo says that pcp held: false when it does
 * not fit or is neither. The block's votes move from Unmovable (a flagless page's vote) to mt: a
 * pcp page belongs to its list's type. A wholly flagless block on ftrace-compact-6.18 was the
 * kernel's movable pcp refill and took an Unmovable slot in the fit.
 */
static bool take_start_pcp_page(PsSnapshot *snap, PsMachine *m, const StartPcpPage *p, bool *retype)
{
	PsZone *z = ps_pfn_zone(m, p->pfn);
	int *left;
	uint16_t *v, moved;

	if (!z || !z->pcp)
		return false;
	left = &snap->pcp_start[z->idx * m->nr_cpus + p->cpu];
	if (*left < (1 << p->order))
		return false;
	v = ps_snapshot_block_votes(snap, m, p->pfn);
	if (ps_snapshot_owns(snap, m, p->pfn, p->order)) {
		if (!ps_alloc_reshape(m, z, p->pfn, p->order))
			return false;
		ps_snapshot_disown(snap, m, p->pfn, p->order);
		/* a flagless page voted Unmovable */
		moved = MIN(v[PS_MT_UNMOVABLE], (uint16_t)(1u << p->order));
		v[PS_MT_UNMOVABLE] -= moved;
	} else if (ps_enclosing_free_block(m, z, p->pfn, p->order) != PS_PFN_NONE) {
		/*
		 * Free when the snapshot was read, on a pcp list when the trace began: the kernel
		 * refilled it in between (a live capture reads /proc/kpageflags first).
		 */
		ps_alloc_take_range(m, z, p->pfn, p->order);
		snap->pcp_taken_free += 1ull << p->order;
		/* free pages vote Movable */
		moved = MIN(v[PS_MT_MOVABLE], (uint16_t)(1u << p->order));
		v[PS_MT_MOVABLE] -= moved;
	} else {
		return false;
	}
	v[p->mt] += moved;
	retype[z->idx] = true;
	*left -= 1 << p->order;
	snap->pcp_adopted += 1ull << p->order;
	return true;
}

/*
 * The pcp lists at the start, rebuilt from the trace. A page is known to have been on cpu's list
 * when the recording started if the first record naming it is
 *   - an allocation of a pcp order on that cpu (no refill or free put it there first): it sat
 *     near the head, where rmqueue_pcplist takes from, so it is added at the tail in the order
 *     the trace takes them;
 *   - a pcp drain (mm_page_pcpu_drain, kept as an observed record): free_pcppages_bulk takes
 *     from the tail, so these go behind the others, the first one drained last. A drain is
 *     named after the cpu that ran it; drain_all_pages empties the other cpu's lists from the
 *     caller's, so its pages may land on the wrong cpu here (the counts still bound each cpu).
 * Pages the recording never names stay unknown: zoneinfo's count is an upper bound. The drained
 * ones matter: ftrace-build-6.18's cpu 1 started with 7856 pcp pages, the allocations showed
 * 6350 of them, and kdamond.0's batch of frees then drained 6500 through free_high in five
 * calls; with 1500 pages short the model drained 4300 in three. With them: the same five.
 */
typedef struct PcpWalk PcpWalk;

/*
 * start_count's last answer for one cpu's pcp in one zone, with what it was worked out from (the
 * listed pages, the pcp as it was, the walk's length): ps_snapshot_prefill_naming asks it on a warm
 * run and ps_snapshot_prefill_end asks it again with nothing changed in between, each answer a
 * binary search of walks over up to a million steps (57 M instructions of ftrace-build-6.18's
 * 615 M). Any change to the pcp or the walk misses, and the count is worked out again. Not in
 * the key, because neither changes between the two asks: the zone's flags and the cpu's start
 * count from zoneinfo, which the search also reads; a new caller asking at another moment must
 * add them.
 */
typedef struct {
	bool valid;
	int listed, count;
	guint steps;
	PsPcp pcp;
} StartMemo;

struct PsPcpPrefill {
	PsSnapshot *snap;
	PsMachine *m;
	uint64_t *touched;   /* bitmap over the memory map's pfns: named by a record before */
	GArray *drained;     /* StartPcpPage, in drain order */
	bool *retype;	     /* per zone: a block's votes changed */
	uint64_t budget;     /* zoneinfo's pcp pages */
	uint64_t scanned;    /* records seen */
	GArray *cands;	     /* PsPrefillCand: every candidate of the trace, when collecting */
	PcpWalk *walks;	     /* [zone idx * nr_cpus + cpu]: the count walk (start_count) */
	int walks_open;	     /* walks whose first free-triggered drain is still ahead */
	uint64_t walked;     /* records walked */
	uint64_t *named;     /* bitmap over the map's pfns: named by a record the walks read */
	uint16_t *freed_on;  /* per pfn of the map: cpu + 1 whose pcp list its last walked record
				(a free of a pcp order) put it on; 0 otherwise */
	uint64_t named_read; /* records read into it, when a restored walk left it empty */
	bool named_unread;   /* the walk was restored from the cache (.walk): names not read yet */
	StartMemo *memo;     /* [zone idx * nr_cpus + cpu]: start_count's last answer */
	const PsTraceHeader *hdr; /* the trace's header, for its pcp_start (NULL: not given) */
};

/* Pages that sat on a pcp list are taken early; the first few million records tell. */
#define PREFILL_MAX_RECORDS 4000000

PsPcpPrefill *ps_snapshot_prefill_begin(PsSnapshot *snap, PsMachine *m)
{
	PsPcpPrefill *pf;

	if (!snap->pcp_start)
		return NULL;
	pf = g_new0(PsPcpPrefill, 1);
	pf->snap = snap;
	pf->m = m;
	pf->retype = g_new0(bool, m->nr_zones);
	for (int i = 0; i < m->nr_zones * m->nr_cpus; i++)
		pf->budget += (uint64_t)snap->pcp_start[i];
	pf->touched = g_new0(uint64_t, (m->map.end_pfn - m->map.base_pfn + 63) / 64);
	pf->drained = g_array_new(FALSE, FALSE, sizeof(StartPcpPage));
	pf->named = g_new0(uint64_t, (m->map.end_pfn - m->map.base_pfn + 63) / 64);
	pf->freed_on = ps_malloc0_huge((m->map.end_pfn - m->map.base_pfn) * sizeof(uint16_t));
	if (!snap->pcp_start_counts)
		snap->pcp_start_counts = g_array_new(FALSE, FALSE, sizeof(PsPcpStartCount));
	pf->walks = g_new0(PcpWalk, m->nr_zones * m->nr_cpus);
	pf->memo = g_new0(StartMemo, m->nr_zones * m->nr_cpus);
	for (int i = 0; i < m->nr_zones * m->nr_cpus; i++) {
		if (!m->zones[i / m->nr_cpus].pcp || snap->pcp_start[i] <= 0) {
			pf->walks[i].done = true;
			continue;
		}
		pf->walks[i].steps = g_array_new(FALSE, FALSE, sizeof(PcpStep));
		pf->walks[i].last = STEP_OTHER;
		pf->walks_open++;
	}
	return pf;
}

void ps_snapshot_prefill_header(PsPcpPrefill *pf, const PsTraceHeader *hdr)
{
	pf->hdr = hdr;
}

/*
 * While collecting (ps_snapshot_prefill_collect), the records are read to PREFILL_MAX_RECORDS
 * whatever the budget, so that the candidates do not depend on the snapshot.
 */
bool ps_snapshot_prefill_wants(const PsPcpPrefill *pf)
{
	return pf->scanned < PREFILL_MAX_RECORDS &&
	       (pf->cands || pf->snap->pcp_adopted < pf->budget || pf->walks_open);
}

bool ps_snapshot_prefill_walking(const PsPcpPrefill *pf)
{
	return pf->walked < PREFILL_MAX_RECORDS && pf->walks_open;
}

/* The pfn ev names into pf->named: false when it names none of the map. */
static bool mark_named(PsPcpPrefill *pf, const PsTraceEvent *ev)
{
	const PsMachine *m = pf->m;

	if (!ev->has_pfn || ev->pfn < m->map.base_pfn || ev->pfn >= m->map.end_pfn)
		return false;
	pf->named[(ev->pfn - m->map.base_pfn) / 64] |= 1ull << ((ev->pfn - m->map.base_pfn) % 64);
	return true;
}

/*
 * Whether ev is a block a pcp refill took from another migratetype's free list with no
 * mm_page_alloc_zone_locked of its own: rmqueue_bulk's __rmqueue falls back to __rmqueue_claim or
 * __rmqueue_steal when the type's free lists are empty, and in 6.18 both return the block
 * themselves after mm_page_alloc_extfrag (try_to_claim_block takes a whole pageblock or more with
 * expand(); __rmqueue_steal takes the block found). Only a claim of part of a pageblock ends in
 * __rmqueue_smallest, whose zone_locked names the block a second time. A fallback for an order
 * the pcp lists hold is a refill's: rmqueue tries rmqueue_pcplist first. On
 * lab-churn-migrate/4k cpu 1 the Unmovable refill at 1.62 s took 2,016 pages, 2,014 named by
 * zone_locked and 2 by claims of order-10 Movable blocks; counting only the first, the walk
 * implied a start count 2 pages too high.
 */
static bool refill_fallback(const PsMachine *m, const PsTraceEvent *ev)
{
	return ev->event == PS_OBS_EXTFRAG && ev->migratetype >= 0 &&
	       ev->migratetype < PS_MT_PCPTYPES &&
	       !(ev->change_ownership == 1 && ev->fallback_order >= 0 &&
		 (unsigned)ev->fallback_order < m->pageblock_order);
}

/*
 * A pcp-order free of a block the walk last saw freed to a pcp list, with no allocation, drain
 * or refill of it since: alloc_pages_bulk took it off that list in between, in
 * __rmqueue_pcplist with no tracepoint and no free_count halving (process.c, untraced_refree,
 * does the same to the model's list at this free). The list's walk gets a step that takes the
 * block (STEP_TAKE), at this free, as the replay takes it. On the realdata 4K recording cpu 0's
 * list lost 16 pages so before its first drain: the walk, blind to them, implied a start count
 * 16 short and the replay drained 16 frees after the kernel.
 */
static void note_untraced_take(PsPcpPrefill *pf, const PsZone *z, const PsTraceEvent *ev)
{
	const PsMachine *m = pf->m;
	uint64_t i = ev->pfn - m->map.base_pfn;
	bool pcp_order = ev->order >= 0 && ps_pcp_allowed_order(m, (unsigned)ev->order);

	/* a free that found the pcp lock taken (pcp_locked) went to the buddy */
	if (ev->op == PS_OP_FREE && pcp_order && !ev->pcp_locked) {
		if (pf->freed_on[i]) {
			PcpWalk *w = &pf->walks[z->idx * m->nr_cpus + pf->freed_on[i] - 1];
			PcpStep st = {STEP_TAKE, (uint8_t)ev->order, PS_MT_UNMOVABLE};

			if (w->steps && !w->done)
				g_array_append_val(w->steps, st);
		}
		pf->freed_on[i] = (uint16_t)(ev->cpu + 1);
	} else if (ev->op == PS_OP_ALLOC || ev->op == PS_OP_FREE ||
		   (ev->op == PS_OP_OBSERVED &&
		    (ev->event == PS_OBS_ZONE_LOCKED || ev->event == PS_OBS_PCPU_DRAIN ||
		     ev->event == PS_OBS_EXTFRAG))) {
		pf->freed_on[i] = 0;
	}
}

/*
 * The lists of a cpu's pcp that the records the walks read show empty at some moment: a pcp refill
 * of one (rmqueue_bulk runs only for an empty list, __rmqueue_pcplist), or a drain that goes on
 * from one to a later one (free_pcppages_bulk takes a list's tail until the list is empty or the
 * count is drained, then goes round to the next list with pages, pindex = order *
 * MIGRATE_PCPTYPES + type). Only a move to a higher pindex counts, between two records whose
 * traced type is their pageblock's (see the file header). A page on such a list at the start was
 * named before that moment: taken from the head by an allocation, or from the tail by a drain.
 * add_unnamed puts none there. On the realdata 4K recording the kworker's decay at 2.243 s drained
 * cpu 0's Unmovable order-0 list of its 360 named pages and moved on to Movable; the unnamed page
 * the model had put there was drained with them, came back from the buddy at the next Unmovable
 * refill (2.2456 s) ahead of the kernel's pages, and every Unmovable allocation of cpu 0 after it
 * got the kernel's page of the one before.
 */
static void note_list_empty(PsPcpPrefill *pf, PcpWalk *w, const PsTraceEvent *ev)
{
	bool drain = ev->op == PS_OP_OBSERVED && ev->event == PS_OBS_PCPU_DRAIN;
	bool refill = ev->op == PS_OP_OBSERVED &&
		      ((ev->event == PS_OBS_ZONE_LOCKED && ev->percpu_refill == 1) ||
		       refill_fallback(pf->m, ev));
	unsigned list;

	if ((!drain && !refill) || ev->order < 0 || ev->order > PS_PAGE_ALLOC_COSTLY_ORDER ||
	    ev->migratetype < 0 || ev->migratetype >= PS_MT_PCPTYPES) {
		w->drain_list = 0;
		return;
	}
	list = 1 + (unsigned)ev->order * PS_MT_PCPTYPES + (unsigned)ev->migratetype;
	if (refill) {
		w->emptied |= (uint16_t)(1u << (list - 1));
		w->drain_list = 0;
		return;
	}
	/*
	 * free_pcppages_bulk traces get_pfnblock_migratetype, the block's type as it is now: the
	 * page's list only when that is the block's type here
	 */
	if (ps_pageblock_mt(pf->m, ev->pfn) != (enum ps_migratetype)ev->migratetype) {
		w->drain_list = 0;
		return;
	}
	/*
	 * Forward only (pindex up, no wrap): drain_pages_zone's next bulk starts again at
	 * pindex 0 while the list before may still hold pages
	 */
	if (w->drain_list && list > w->drain_list)
		w->emptied |= (uint16_t)(1u << (w->drain_list - 1));
	w->drain_list = (uint8_t)list;
}

/* ev (a record the prefill reads) as a count step of its cpu's walk. */
void ps_snapshot_prefill_walk(PsPcpPrefill *pf, const PsTraceEvent *ev)
{
	PsMachine *m = pf->m;
	PsZone *z;
	PcpWalk *w;
	PcpStep st;

	if (!ps_snapshot_prefill_walking(pf))
		return;
	pf->walked++;
	if (!mark_named(pf, ev) || ev->cpu < 0 || ev->cpu >= m->nr_cpus)
		return;
	z = ps_pfn_zone(m, ev->pfn);
	if (!z || !z->pcp)
		return;
	note_untraced_take(pf, z, ev);
	w = &pf->walks[z->idx * m->nr_cpus + ev->cpu];
	if (w->steps)
		note_list_empty(pf, w, ev);
	if (w->done)
		return;
	st.order = (uint8_t)MAX(ev->order, 0);
	st.kind = STEP_OTHER;
	st.mt = ev->migratetype >= 0 && ev->migratetype < PS_MT_PCPTYPES ? (uint8_t)ev->migratetype
									 : PS_MT_UNMOVABLE;
	if (ev->order >= 0 && ps_pcp_allowed_order(m, (unsigned)ev->order)) {
		if (ev->op == PS_OP_ALLOC)
			st.kind = STEP_ALLOC;
		else if (ev->op == PS_OP_FREE && !ev->pcp_locked)
			st.kind = STEP_FREE; /* pcp_locked: free_one_page, the count stays */
		else if (ev->op == PS_OP_OBSERVED &&
			 ((ev->event == PS_OBS_ZONE_LOCKED && ev->percpu_refill == 1) ||
			  refill_fallback(m, ev)))
			st.kind = (w->last == STEP_REFILL_FIRST || w->last == STEP_REFILL)
				      ? STEP_REFILL
				      : STEP_REFILL_FIRST;
		else if (ev->op == PS_OP_OBSERVED && ev->event == PS_OBS_PCPU_DRAIN)
			st.kind = STEP_DRAIN;
	}
	if (st.kind == STEP_DRAIN && w->last == STEP_FREE) {
		/* free_frozen_page_commit drained at the free before: the walk ends there */
		w->done = true;
		pf->walks_open--;
		return;
	}
	w->last = st.kind;
	if (st.kind != STEP_OTHER)
		g_array_append_val(w->steps, st);
}

/*
 * Whether ev (the record at index pf->scanned) is a candidate: the first record naming its pfn
 * that the prefill could use. This depends only on the trace and the machine's cpus, memory map
 * and pcp orders, so a list of them is valid for any snapshot of that machine.
 */
static bool prefill_candidate(PsPcpPrefill *pf, const PsTraceEvent *ev, PsPrefillCand *c)
{
	PsMachine *m = pf->m;
	uint64_t bit, *word;
	bool seen, drain = ev->op == PS_OP_OBSERVED && ev->event == PS_OBS_PCPU_DRAIN;
	/* a portable import keeps the first allocation naming a pfn as an observed one */
	bool alloc =
	    ev->op == PS_OP_ALLOC || (ev->op == PS_OP_OBSERVED && ev->event == PS_OBS_PAGE_ALLOC);
	bool pcp_order = ev->order >= 0 && ps_pcp_allowed_order(m, (unsigned)ev->order);

	/* a pfn outside the memory map has no zone: nothing to take */
	if (ev->cpu < 0 || ev->cpu >= m->nr_cpus || !ev->has_pfn || ev->pfn < m->map.base_pfn ||
	    ev->pfn >= m->map.end_pfn)
		return false;
	/*
	 * Only the first record naming a pfn can show it on a start pcp list: a refill or a free
	 * before it put it there itself, and any other record before it makes the list state
	 * unknowable. So one bit per pfn is the whole state. A drain the prefill cannot use (not
	 * a pcp order, no pcp migratetype) leaves that state as it was.
	 */
	if (drain && (!pcp_order || ev->migratetype < 0 || ev->migratetype >= PS_MT_PCPTYPES))
		return false;
	bit = ev->pfn - m->map.base_pfn;
	word = &pf->touched[bit / 64];
	seen = *word & (1ull << (bit % 64));
	*word |= 1ull << (bit % 64);
	if (seen || (!drain && (!alloc || !pcp_order)))
		return false;
	c->index = pf->scanned;
	c->pfn = ev->pfn;
	c->cpu = ev->cpu;
	c->order = (uint8_t)MAX(ev->order, 0);
	c->drain = drain;
	if (drain)
		c->mt = (uint8_t)ev->migratetype;
	else
		c->mt = (uint8_t)(ev->has_gfp ? ps_gfp_migratetype(ev->gfp) : PS_MT_MOVABLE);
	c->pad = 0;
	return true;
}

/* A candidate's page onto the start pcp lists, when the snapshot and zoneinfo allow it. */
static void prefill_take(PsPcpPrefill *pf, const PsPrefillCand *c)
{
	StartPcpPage p = {(ps_pfn_t)c->pfn, c->cpu, c->order, (enum ps_migratetype)c->mt};

	if (!take_start_pcp_page(pf->snap, pf->m, &p, pf->retype))
		return;
	if (c->drain)
		g_array_append_val(pf->drained, p);
	else
		ps_pcp_adopt(pf->m, ps_pfn_zone(pf->m, p.pfn), p.cpu, p.pfn, p.order, p.mt);
}

void ps_snapshot_prefill_feed(PsPcpPrefill *pf, const PsTraceEvent *ev)
{
	bool take = pf->snap->pcp_adopted < pf->budget;
	PsPrefillCand c;

	ps_snapshot_prefill_walk(pf, ev);
	if (!prefill_candidate(pf, ev, &c)) {
		pf->scanned++;
		return;
	}
	pf->scanned++;
	if (pf->cands)
		g_array_append_val(pf->cands, c);
	if (take)
		prefill_take(pf, &c);
}

void ps_snapshot_prefill_collect(PsPcpPrefill *pf)
{
	if (!pf->cands)
		pf->cands = g_array_new(FALSE, FALSE, sizeof(PsPrefillCand));
}

const GArray *ps_snapshot_prefill_candidates(const PsPcpPrefill *pf)
{
	return pf->cands;
}

void ps_snapshot_prefill_apply(PsPcpPrefill *pf, const PsPrefillCand *cands, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		if (cands[i].index >= PREFILL_MAX_RECORDS || pf->snap->pcp_adopted >= pf->budget)
			break;
		prefill_take(pf, &cands[i]);
	}
}

uint64_t ps_snapshot_prefill_machine_key(const PsMachine *m)
{
	uint64_t v[4] = {m->map.base_pfn, m->map.end_pfn, (uint64_t)m->nr_cpus, 0};

	for (unsigned o = 0; o <= m->max_order && o < 64; o++)
		if (ps_pcp_allowed_order(m, o))
			v[3] |= 1ull << o;
	return ps_checksum64(v, sizeof(v));
}

uint64_t ps_snapshot_prefill_walk_key(const PsPcpPrefill *pf)
{
	const PsMachine *m = pf->m;
	g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	uint64_t k = ps_snapshot_prefill_machine_key(m), h;

	g_array_append_val(v, k);
	for (int i = 0; i < m->nr_zones; i++) {
		uint64_t z[3] = {m->zones[i].start_pfn, m->zones[i].spanned,
				 m->zones[i].pcp != NULL};

		g_array_append_vals(v, z, 3);
	}
	/* the walks the snapshot's counts open (done at _begin: never walked) */
	for (int i = 0; i < m->nr_zones * m->nr_cpus; i++) {
		uint64_t open = pf->walks[i].steps != NULL;

		g_array_append_val(v, open);
	}
	h = ps_checksum64(v->data, v->len * sizeof(uint64_t));
	return h;
}

/*
 * Words: walked (low, high), walks_open, then per walk (zone idx * nr_cpus + cpu): a header
 * (steps, or 0xffffffff for a walk without steps), done, last | emptied << 8, then one word per
 * step (kind | order << 8 | migratetype << 16).
 */
void ps_snapshot_prefill_walks_save(const PsPcpPrefill *pf, GArray *out)
{
	const PsMachine *m = pf->m;
	uint32_t head[3] = {(uint32_t)pf->walked, (uint32_t)(pf->walked >> 32),
			    (uint32_t)pf->walks_open};

	g_array_append_vals(out, head, 3);
	for (int i = 0; i < m->nr_zones * m->nr_cpus; i++) {
		const PcpWalk *w = &pf->walks[i];
		uint32_t wh[3] = {w->steps ? w->steps->len : G_MAXUINT32, w->done,
				  w->last | (uint32_t)w->emptied << 8};

		g_array_append_vals(out, wh, 3);
		for (guint j = 0; w->steps && j < w->steps->len; j++) {
			const PcpStep *st = &g_array_index(w->steps, PcpStep, j);
			uint32_t word =
			    st->kind | (uint32_t)st->order << 8 | (uint32_t)st->mt << 16;

			g_array_append_val(out, word);
		}
	}
}

bool ps_snapshot_prefill_walks_load(PsPcpPrefill *pf, const uint32_t *w, uint64_t n)
{
	const PsMachine *m = pf->m;
	int nw = m->nr_zones * m->nr_cpus;
	uint64_t at = 3;

	/* check the whole list first: a walk restored halfway would be a walk half done */
	if (n < 3 || w[2] > (uint32_t)nw)
		return false;
	for (int i = 0; i < nw; i++) {
		if (n - at < 3 || (w[at] == G_MAXUINT32) != (pf->walks[i].steps == NULL) ||
		    w[at + 1] > 1 || (w[at + 2] & 0xff) > STEP_OTHER ||
		    w[at + 2] >> 8 > EMPTIED_ALL)
			return false;
		if (w[at] != G_MAXUINT32) {
			if (w[at] > n - at - 3)
				return false;
			for (uint64_t j = 0; j < w[at]; j++)
				if ((w[at + 3 + j] & 0xff) >= STEP_OTHER ||
				    (w[at + 3 + j] >> 16) >= PS_MT_PCPTYPES)
					return false;
			at += w[at];
		}
		at += 3;
	}
	if (at != n)
		return false;
	pf->walked = w[0] | (uint64_t)w[1] << 32;
	pf->walks_open = (int)w[2];
	pf->named_unread = true;
	at = 3;
	for (int i = 0; i < nw; i++) {
		PcpWalk *wk = &pf->walks[i];

		wk->done = w[at + 1];
		wk->last = (uint8_t)(w[at + 2] & 0xff);
		wk->emptied = (uint16_t)(w[at + 2] >> 8);
		if (wk->steps) {
			g_array_set_size(wk->steps, w[at]);
			for (uint32_t j = 0; j < w[at]; j++) {
				PcpStep *st = &g_array_index(wk->steps, PcpStep, j);

				st->kind = (uint8_t)(w[at + 3 + j] & 0xff);
				st->order = (uint8_t)(w[at + 3 + j] >> 8);
				st->mt = (uint8_t)(w[at + 3 + j] >> 16);
			}
			at += w[at];
		}
		at += 3;
	}
	return true;
}

/*
 * The step of w at which a copy of pcp, starting with `count` pages, first reaches its high at a
 * free (w->steps->len when it does not).
 */
static guint walk_first_drain(const PsMachine *m, const PsZone *z, const PsPcp *pcp, int count,
			      const PcpWalk *w)
{
	PsPcp p = *pcp;
	bool free_high;

	p.count = count;
	for (guint i = 0; i < w->steps->len; i++) {
		const PcpStep *st = &g_array_index(w->steps, PcpStep, i);
		int pages = 1 << st->order;

		switch (st->kind) {
		case STEP_REFILL_FIRST:
			ps_pcp_nr_alloc(m, &p, z, st->order);
			p.count += pages;
			break;
		case STEP_REFILL:
			p.count += pages;
			break;
		case STEP_ALLOC:
			p.free_count >>= 1;
			p.count -= pages;
			break;
		case STEP_DRAIN:
		case STEP_TAKE:
			p.count -= pages;
			break;
		case STEP_FREE:
			p.count += pages;
			if (p.count >= ps_pcp_free_high(m, &p, z, st->order, &free_high))
				return i;
			break;
		}
	}
	return w->steps->len;
}

/*
 * The start count of cpu's pcp in z its walk implies (see PcpWalk above), from the `listed` pages
 * on its lists to zoneinfo's count: -1 when the walk did not reach a drain or no count in that
 * range drains at that free (the rebuilt lists alone drain earlier: a count below theirs is not
 * looked for, the pages are known).
 */
static int start_count_search(PsPcpPrefill *pf, PsZone *z, int cpu, int listed)
{
	PsMachine *m = pf->m;
	const PcpWalk *w = &pf->walks[z->idx * m->nr_cpus + cpu];
	/* pcp_start is what the rebuilt lists left of zoneinfo's count */
	int lo = listed, hi = listed + MAX(pf->snap->pcp_start[z->idx * m->nr_cpus + cpu], 0);
	guint want;

	if (!w->steps || !w->done || !w->steps->len)
		return -1;
	want = w->steps->len - 1; /* the free that drained */
	if (walk_first_drain(m, z, &z->pcp[cpu], hi, w) > want)
		return -1;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (walk_first_drain(m, z, &z->pcp[cpu], mid, w) <= want)
			hi = mid;
		else
			lo = mid + 1;
	}
	return walk_first_drain(m, z, &z->pcp[cpu], lo, w) == want ? lo : -1;
}

static int start_count(PsPcpPrefill *pf, PsZone *z, int cpu, int listed)
{
	int zc = z->idx * pf->m->nr_cpus + cpu;
	const PcpWalk *w = &pf->walks[zc];
	StartMemo *mo = &pf->memo[zc];
	guint steps = w->steps && w->done ? w->steps->len : 0;

	/* the pcp compared byte for byte: a copy of an unchanged one is equal, padding too */
	if (mo->valid && mo->listed == listed && mo->steps == steps &&
	    !memcmp(&mo->pcp, &z->pcp[cpu], sizeof(PsPcp)))
		return mo->count;
	mo->count = start_count_search(pf, z, cpu, listed);
	mo->valid = true;
	mo->listed = listed;
	mo->steps = steps;
	memcpy(&mo->pcp, &z->pcp[cpu], sizeof(PsPcp));
	return mo->count;
}

/* Whether the block of order at pfn can start on a pcp list unnamed (see add_unnamed). */
static bool unnamed_block(const PsPcpPrefill *pf, ps_pfn_t pfn, unsigned order)
{
	const PsSnapshot *snap = pf->snap;
	const PsMachine *m = pf->m;

	for (uint64_t i = pfn - m->map.base_pfn; i < pfn + (1u << order) - m->map.base_pfn; i++)
		if ((pf->named[i / 64] & (1ull << (i % 64))) || snap->kind[i] != PS_KIND_KERNEL ||
		    (snap->lru && snap->lru[i]))
			return false;
	return ps_snapshot_owns(snap, m, pfn, order);
}

/*
 * Puts unnamed pages on cpu's lists in z until they hold `want` (see PcpWalk above): flagless
 * kernel pages of the snapshot (on no LRU) that no record names while the walks run, ascending
 * pfn, each on its pageblock's list behind the pages the trace allocates (the drained ones go
 * behind them after), and only on a list the records the walks read never show empty (a refill
 * finds its list empty, a drain moves on from an empty one: what it held at the start the trace
 * allocated or drained, naming it; note_list_empty). Returns the pages added.
 *
 * The high-order lists (orders 1 to PAGE_ALLOC_COSTLY_ORDER) come first, as aligned blocks of
 * their order, largest first; order-0 pages make up the rest. A free of such an order goes to
 * its pcp list (kernel stacks, slab pages) and only an allocation of the same order takes it
 * back, so blocks freed before the trace stay there, while the order-0 lists turn over within
 * the trace. The recordings show the order-0 lists holding no unnamed page: a drain that moves
 * on from a list to the next (free_pcppages_bulk's round robin) emptied it, and on every realdata
 * recording the first such drain after the walk empties the Unmovable order-0 list that order-0
 * placement filled, of the rebuilt pages only (named by earlier records or by the drain itself):
 * 4K cpu 0 at 2.243 s (kworker's decay: 360 Unmovable pages, then 1656 Movable, where the model
 * drained 243 unnamed ones before moving on), 16K cpu 1 at 1.948 s (12, then Movable: session
 * 11), 64K cpu 0 at 3.199 s (13, then Movable). Placed on the high-order lists, the 16K replay
 * migrates the kernel's 480 pages (512 with them at order 0) and 4K 17781 of 18541 (16578).
 * What did not fit there went to order 0 in pfn order, and on 4K cpu 0 one page landed on the
 * Unmovable list that the decay at 2.243 s shows empty; it now goes to Reclaimable (a list cpu 0
 * never shows empty), and cpu 0 hands out the kernel's pages to 2.2514 s (was 2.2456 s), cpu 1 to
 * 2.5111 s (was 2.2578 s; 8,546 allocations where it was 578).
 */
static int add_unnamed_to(PsPcpPrefill *pf, PsZone *z, int cpu, int listed, int want,
			  int only_order, int only_mt)
{
	PsSnapshot *snap = pf->snap;
	PsMachine *m = pf->m;
	const PcpWalk *w = &pf->walks[z->idx * m->nr_cpus + cpu];
	int added = 0;
	for (int o = PS_PAGE_ALLOC_COSTLY_ORDER; o >= 0; o--) {
		uint64_t size = 1ull << o;
		ps_pfn_t pfn = (z->start_pfn + size - 1) & ~(size - 1);

		if (only_order >= 0 && o != only_order)
			continue;
		for (; pfn + size <= ps_zone_end_pfn(z) && want - (listed + added) >= (int)size;
		     pfn += size) {
			StartPcpPage p = {pfn, cpu, (unsigned)o, ps_pageblock_mt(m, pfn)};

			/* a list shown empty held only pages named before (note_list_empty) */
			if (p.mt >= PS_MT_PCPTYPES || (only_mt >= 0 && (int)p.mt != only_mt) ||
			    (w->emptied >> (o * PS_MT_PCPTYPES + p.mt) & 1) ||
			    !unnamed_block(pf, pfn, (unsigned)o) ||
			    !take_start_pcp_page(snap, m, &p, pf->retype))
				continue;
			ps_pcp_adopt(m, z, cpu, pfn, (unsigned)o, p.mt);
			added += (int)size;
		}
	}
	return added;
}

static int add_unnamed(PsPcpPrefill *pf, PsZone *z, int cpu, int listed, int want)
{
	return add_unnamed_to(pf, z, cpu, listed, want, -1, -1);
}

/* The pages cpu's lists in z hold once the drained ones are adopted (their tail). */
static int pcp_rebuilt(const PsPcpPrefill *pf, const PsZone *z, int cpu)
{
	int n = z->pcp[cpu].count;

	for (guint d = 0; d < pf->drained->len; d++) {
		const StartPcpPage *p = &g_array_index(pf->drained, StartPcpPage, d);

		if (p->cpu == cpu && ps_pfn_zone(pf->m, p->pfn) == z)
			n += 1 << p->order;
	}
	return n;
}

/*
 * Whether the start comes from the trace header's pcp_start (start_from_header) instead of
 * the count walks: a portable import at the recording's page size (its snapshot's). A portable
 * import writes pcp_start whenever it follows the recording (import.c, pcp_start_header), so
 * an empty one ("pcp_start":[]) says the recording named no page on any list at the start:
 * nothing is filled, and the walks, which need the per-page frees a portable trace lacks, are
 * not asked either. ps_snapshot_prefill_naming and _end both decide by this.
 */
static bool start_from_header_wanted(const PsPcpPrefill *pf)
{
	return pf->hdr && pf->hdr->has_pcp_start && pf->hdr->page_size == pf->m->page_size;
}

/*
 * Whether the records the prefill read name no page of this machine: no walk got a step and no
 * page was taken from a record. A trace of what memory is for (a portable import without the
 * header's pcp_start, or one replayed at another page size than its recording's) has no pfn at
 * all: nothing in it can show which pages sat on the snapshot's pcp lists or imply a start count,
 * yet zoneinfo says the kernel held `count` pages on them, and kpageflags shows those pages
 * flagless (a page on a pcp list has no PG_buddy), so without a rule they would stay allocated
 * "unknown at start" pages for the whole run. start_names_nothing fills such a trace's lists.
 */
static bool trace_names_no_page(const PsPcpPrefill *pf)
{
	const PsMachine *m = pf->m;

	if (pf->snap->pcp_adopted || pf->drained->len)
		return false;
	for (int i = 0; i < m->nr_zones * m->nr_cpus; i++)
		if (pf->walks[i].steps && pf->walks[i].steps->len)
			return false;
	return true;
}

/*
 * A walk restored from the cache carries no names. They are read again (the walked records
 * from the start: ps_snapshot_prefill_naming / _name) only when some list is to be filled,
 * so that a warm run picks the unnamed pages a cold one does.
 */
bool ps_snapshot_prefill_naming(PsPcpPrefill *pf)
{
	PsMachine *m = pf->m;
	bool header = start_from_header_wanted(pf), want = false;

	if (!pf->named_unread)
		return false;
	if (pf->named_read >= pf->walked) {
		pf->named_unread = false;
		return false;
	}
	if (pf->named_read > 0)
		return true;
	/* a portable trace's pcp_start fills with unnamed pages (start_from_header), if any */
	if (header)
		want = pf->hdr->n_pcp_start > 0;
	else if (trace_names_no_page(pf))
		want = true;
	for (int i = 0; i < m->nr_zones && !header && !want; i++)
		for (int c = 0; m->zones[i].pcp && c < m->nr_cpus && !want; c++) {
			int rebuilt = pcp_rebuilt(pf, &m->zones[i], c);

			want = start_count(pf, &m->zones[i], c, rebuilt) > rebuilt;
		}
	if (!want)
		pf->named_unread = false;
	return want;
}

void ps_snapshot_prefill_name(PsPcpPrefill *pf, const PsTraceEvent *ev)
{
	mark_named(pf, ev);
	if (++pf->named_read >= pf->walked)
		pf->named_unread = false;
}

/*
 * The zone of cpu whose pcp lists a portable trace's pcp_start fills: the one whose zoneinfo
 * count for cpu is the largest (the higher zone on a tie), -1 when all are empty. The header
 * has no zone (a portable import does not know the recording machine's zones); the pages a
 * pcp allocation names come from the zone the zonelist tries first, whose pcp is the one in
 * use. On the recordings it is Normal, where all of cpu 1's 7,347 pages of compact-portable
 * were.
 */
static int start_zone(const PsPcpPrefill *pf, int cpu)
{
	const PsMachine *m = pf->m;
	int best = -1, best_count = 0;

	for (int i = 0; i < m->nr_zones; i++) {
		/* pcp_start is what the pages taken so far left of zoneinfo's count */
		int count = m->zones[i].pcp ? pcp_rebuilt(pf, &m->zones[i], cpu) +
						  MAX(pf->snap->pcp_start[i * m->nr_cpus + cpu], 0)
					    : 0;

		if (count > 0 && count >= best_count) {
			best = i;
			best_count = count;
		}
	}
	return best;
}

/* The pages on cpu's list of (order, mt) in z, the drained ones to come (their tail) too. */
static int list_pages(const PsPcpPrefill *pf, const PsZone *z, int cpu, unsigned order,
		      enum ps_migratetype mt)
{
	int n = (int)z->pcp[cpu].lists[ps_pcp_list_index(pf->m, order, mt)].len << order;

	for (guint d = 0; d < pf->drained->len; d++) {
		const StartPcpPage *p = &g_array_index(pf->drained, StartPcpPage, d);

		if (p->cpu == cpu && p->order == order && p->mt == mt &&
		    ps_pfn_zone(pf->m, p->pfn) == z)
			n += 1 << order;
	}
	return n;
}

/*
 * A portable trace's pcp lists at the start (the header's pcp_start, import.c's
 * note_pcp_start): the trace has no per-page allocations and frees of user memory, so the walk
 * that implies a start count from the first free-triggered drain cannot be made; the import
 * counted the pages the recording names on each list instead. Each listed cpu's lists in its
 * start zone get those pages (named pages the trace's observed records rebuilt count, unnamed
 * ones of the list's order and pageblock type make up the rest), and the cpu's lists are then
 * filled with unnamed pages to zoneinfo's count, read just before the recording began (10.7 ms
 * on compact-portable): the count the kernel's cpu held, where a walk of an exact trace finds
 * the count the trace implies. The other cpus start with what the trace rebuilt and no more:
 * no walk runs for them (it needs the per-page frees a portable trace lacks), so where an
 * exact import's walk would have implied a start count, they lose it.
 * Measured on compact-portable (session 15): cpu 1 3,753 rebuilt -> 7,347 (zoneinfo's); the
 * model's first drains come after the same munmap as the kernel's, pcp drains 1,065 -> 1,159
 * of the kernel's 1,209. An exact import's walk of the same tree finds no count: no start
 * count from the rebuilt 3,753 to 36,438 reaches the walk's high (43,008) at the free the
 * kernel drained at (count 5,093 with zoneinfo's start), the kernel having drained with the
 * zone below its high watermark (ZONE_BELOW_HIGH, nr_pcp_high's high = count), which the walk,
 * with the zone's flags of the start, does not see.
 */
static void start_from_header(PsPcpPrefill *pf)
{
	const PsTraceHeader *h = pf->hdr;
	PsMachine *m = pf->m;

	for (int i = 0; i < h->n_pcp_start; i++) {
		const PsTracePcpStart *e = &h->pcp_start[i];
		int zi, have, rebuilt, listed;
		PsZone *z;
		PsPcpStartCount sc;

		if (e->cpu >= m->nr_cpus || (zi = start_zone(pf, e->cpu)) < 0)
			continue;
		z = &m->zones[zi];
		have = list_pages(pf, z, e->cpu, e->order, (enum ps_migratetype)e->migratetype);
		listed = (int)MIN(e->bytes / h->page_size, (uint64_t)INT_MAX);
		/* names unread (a caller that did not read them): nothing is added */
		if (listed > have && !pf->named_unread) {
			rebuilt = pcp_rebuilt(pf, z, e->cpu);
			add_unnamed_to(pf, z, e->cpu, rebuilt, rebuilt + listed - have, e->order,
				       e->migratetype);
		}
		if (i + 1 < h->n_pcp_start && h->pcp_start[i + 1].cpu == e->cpu)
			continue;
		/* the cpu's last list: the rest up to zoneinfo's count */
		rebuilt = pcp_rebuilt(pf, z, e->cpu);
		sc = (PsPcpStartCount){
		    zi, e->cpu, rebuilt,
		    rebuilt + MAX(pf->snap->pcp_start[zi * m->nr_cpus + e->cpu], 0), 0};
		if (!pf->named_unread)
			sc.added = add_unnamed(pf, z, e->cpu, sc.rebuilt, sc.implied);
		g_array_append_val(pf->snap->pcp_start_counts, sc);
	}
}

/*
 * The pcp lists at the start of a trace that names no page (trace_names_no_page): every cpu's
 * lists in every zone hold zoneinfo's count for them, as the kernel's did when the recording
 * began; rmqueue_pcplist serves an allocation from its list before any rmqueue_bulk refill, and
 * nr_pcp_high / free_frozen_page_commit's drains count them in pcp->count. Which pages, no record
 * says; kpageflags shows them flagless (no PG_buddy on a pcp page). The choice (add_unnamed_to,
 * ascending pfn, each page on its pageblock's list):
 * - order 0 only: the exact imports of the lab's realdata recordings show the kernel's start
 *   lists almost all order-0 (of the pages their prefill rebuilt, 395 of 439 at 64K, 554 of 592
 *   at 16K; the rest five or six order-2..3 blocks). add_unnamed's high-order lists first are for
 *   what an exact trace leaves unnamed once its order-0 pages were named.
 * - first the flagless pages of Movable pageblocks, for every cpu in turn, then the others. The
 *   kernel's own allocations that carry no page flag (vmalloc and kernel stacks among them) are
 *   unmovable: __rmqueue serves them from Unmovable blocks and reaches a Movable one only by a
 *   fallback (__rmqueue_claim, which takes the block over when try_to_claim_block can, or
 *   __rmqueue_steal). User and page-cache pages there are flagged (anon, LRU), free ones buddy, so
 *   a flagless page in a Movable block is a free page on a pcp list or one in transit. On the
 *   realdata snapshots (pageblock types as the start fits them): 16K 427 such pages, 412 of them
 *   on the kernel's lists (blocks 32, 36 and the last, 95, whose 64 were all there), 64K 117 and
 *   116. The rest of the kernel's pages were in Unmovable blocks (16K 180 among their 2,419
 *   flagless pages, 64K 323 among 2,531), where nothing tells a pcp page from a kernel one.
 * Measured on churn-portable replayed to mid on the lab's machines (before.zoneinfo: 4K 2,036 +
 * 1,237, 16K 231 + 369, 64K 427 + 74 pages; tests/sim/test-churn-portable.c): without them those
 * pages stayed allocated to the end, free + pcp pages at mid were 0.6 % (16K) and 2.2 % (64K)
 * below the kernel's (now +0.0 % and -0.1 %), and 16K's last pageblock could never be whole
 * again: 38 free order-11 blocks at mid against the kernel's 39 (now 39; ascending pfn alone,
 * block 95 left out, still 38).
 */
static void start_names_nothing(PsPcpPrefill *pf)
{
	PsMachine *m = pf->m;
	g_autofree PsPcpStartCount *sc = g_new0(PsPcpStartCount, m->nr_zones * m->nr_cpus);

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < m->nr_zones; i++) {
			PsZone *z = &m->zones[i];

			for (int c = 0; z->pcp && c < m->nr_cpus; c++) {
				int left = MAX(pf->snap->pcp_start[i * m->nr_cpus + c], 0);
				PsPcpStartCount *e = &sc[i * m->nr_cpus + c];

				if (!left)
					continue;
				if (!pass) {
					*e = (PsPcpStartCount){i, c, pcp_rebuilt(pf, z, c), -1, 0};
					e->implied = e->rebuilt + left;
				}
				/* names unread (a caller that did not read them): none added */
				if (!pf->named_unread)
					e->added += add_unnamed_to(pf, z, c, e->rebuilt + e->added,
								   e->implied, 0,
								   pass ? -1 : PS_MT_MOVABLE);
				if (pass)
					g_array_append_val(pf->snap->pcp_start_counts, *e);
			}
		}
	}
}

void ps_snapshot_prefill_end(PsPcpPrefill *pf)
{
	PsMachine *m = pf->m;
	bool from_header = start_from_header_wanted(pf);
	bool names_nothing = !from_header && trace_names_no_page(pf);

	if (from_header)
		start_from_header(pf);
	else if (names_nothing)
		start_names_nothing(pf);
	for (int i = 0; i < m->nr_zones && !from_header && !names_nothing; i++) {
		PsZone *z = &m->zones[i];

		for (int c = 0; z->pcp && c < m->nr_cpus; c++) {
			PsPcpStartCount sc = {i, c, pcp_rebuilt(pf, z, c), -1, 0};

			sc.implied = start_count(pf, z, c, sc.rebuilt);
			if (sc.implied < 0)
				continue;
			/* names unread (a caller that did not read them): nothing is added */
			if (sc.implied > sc.rebuilt && !pf->named_unread)
				sc.added = add_unnamed(pf, z, c, sc.rebuilt, sc.implied);
			g_array_append_val(pf->snap->pcp_start_counts, sc);
		}
	}
	for (guint i = pf->drained->len; i-- > 0;) {
		const StartPcpPage *p = &g_array_index(pf->drained, StartPcpPage, i);

		ps_pcp_adopt(m, ps_pfn_zone(m, p->pfn), p->cpu, p->pfn, p->order, p->mt);
	}
	for (int i = 0; i < m->nr_zones; i++)
		if (pf->retype[i] && pf->snap->have_real[i])
			ps_snapshot_fit_block_counts(pf->snap, m, &m->zones[i]);
	g_free(pf->touched);
	g_free(pf->named);
	g_free(pf->freed_on);
	for (int i = 0; i < m->nr_zones * m->nr_cpus; i++)
		if (pf->walks[i].steps)
			g_array_unref(pf->walks[i].steps);
	g_free(pf->walks);
	g_free(pf->memo);
	if (pf->cands)
		g_array_unref(pf->cands);
	g_array_unref(pf->drained);
	g_free(pf->retype);
	g_free(pf);
}

/*
 * The pcp state at the snapshot: /proc/zoneinfo prints each cpu's pcp `count` and dynamic `high`.
 * `high` is restored (it sizes the next refills and drains) and the counts are kept per cpu and
 * zone. The pages themselves cannot be read here: a page on a pcp list has no kpageflags flag, and
 * zoneinfo gives only the total, not which order and migratetype lists hold them. Putting all
 * `count` pages on the order-0 movable lists was tried and was wrong for ftrace-compact-6.18 (it
 * refilled half as often as the kernel); ps_snapshot_prefill_* rebuild the lists from what
 * the trace shows instead. The same read takes each zone's watermark boost and free count and
 * each node's nr_mapped.
 */
gboolean ps_snapshot_seed_pcp(PsSnapshot *snap, PsMachine *m, const char *proc_dir, GError **error)
{
	g_autofree char *path = ps_snapshot_sibling(snap->path, proc_dir, "zoneinfo");
	g_autofree char *text = NULL;
	char **lines;
	PsZone *z = NULL;
	int cpu = -1;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return TRUE; /* no zoneinfo: the pcps start empty */
	snap->zoneinfo_path = g_strdup(path);
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		const char *l = lines[i];
		char zname[16];
		int node, v;

		if (sscanf(l, "Node %d, zone %15s", &node, zname) == 2) {
			int t = ps_config_zone_type_from_name(zname);

			z = (t >= 0 && node < m->nr_nodes) ? ps_machine_zone(m, node, t) : NULL;
			if (z && !ps_zone_populated(z))
				z = NULL;
			cpu = -1;
			continue;
		}
		if (!z)
			continue;
		/*
		 * The zone's watermark boost at the snapshot: zoneinfo_show_print prints
		 * zone->watermark_boost, and min/low/high with it added (min_wmark_pages and
		 * friends), so a boosted zone wakes kswapd earlier and balance_pgdat reclaims for
		 * the boost. The config holds the unboosted marks (from_proc takes the boost out);
		 * starting from boost 0 had the model's kswapd asleep where the recording's woke.
		 * The ZONE_BOOSTED_WATERMARK flag is not printed: it starts clear (no wake on the
		 * first allocation), the boost still counts in every watermark check.
		 */
		if (cpu < 0 && sscanf(l, " pages free %d", &v) == 1) {
			if (!snap->zoneinfo_free) {
				snap->zoneinfo_free = g_new(int64_t, m->nr_zones);
				for (int k = 0; k < m->nr_zones; k++)
					snap->zoneinfo_free[k] = -1;
			}
			snap->zoneinfo_free[z->idx] = MAX(v, 0);
			continue;
		}
		/*
		 * NR_FILE_MAPPED, in the per-node stats printed under the node's first populated
		 * zone: the page cache the node's tasks had mapped (their text, libraries, mapped
		 * tmpfs), which node_reclaim's node_unmapped_file_pages leaves out. Held for the
		 * run (mm.h): a raw recording names no file mapping and the portable replay's file
		 * PTEs are not keyed to page-cache pages (sim/process.c).
		 */
		if (cpu < 0 && sscanf(l, " nr_mapped %d", &v) == 1) {
			m->nodes[z->node].stat[PS_NR_FILE_MAPPED] = MAX(v, 0);
			continue;
		}
		if (cpu < 0 && sscanf(l, " boost %d", &v) == 1) {
			z->watermark_boost = (uint64_t)MAX(v, 0);
			snap->boost_at_start += (uint64_t)MAX(v, 0);
			continue;
		}
		if (sscanf(l, " cpu: %d", &v) == 1) {
			cpu = v < m->nr_cpus ? v : -1;
			continue;
		}
		if (cpu < 0)
			continue;
		if (sscanf(l, " high: %d", &v) == 1) {
			ps_pcp_restore_high(z, cpu, v);
			continue;
		}
		if (sscanf(l, " count: %d", &v) == 1) {
			snap->pcp_count_at_start += (uint64_t)MAX(v, 0);
			if (!snap->pcp_start)
				snap->pcp_start = g_new0(int, m->nr_zones * m->nr_cpus);
			snap->pcp_start[z->idx * m->nr_cpus + cpu] = MAX(v, 0);
		}
	}
	g_strfreev(lines);
	(void)error;
	return TRUE;
}

/*
 * kcompactd at the snapshot moment: vmstat's compact_daemon_migrate_scanned says whether it had
 * compacted proactively before (kcompactd_do_work's runs also count there, but a machine whose
 * score is above the high mark compacts proactively within 500 ms of booting anyway); policy/
 * decides from the score whether that left it in its back-off (ps_kcompactd_snapshot_deferred).
 */
void ps_snapshot_seed_kcompactd(PsSnapshot *snap, PsPolicy *policy, const char *proc_dir)
{
	g_autofree char *path = ps_snapshot_sibling(snap->path, proc_dir, "vmstat");
	g_autofree char *text = NULL;
	const char *l;
	uint64_t scanned = 0;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return;
	l = strstr(text, "\ncompact_daemon_migrate_scanned ");
	if (l)
		scanned =
		    g_ascii_strtoull(l + strlen("\ncompact_daemon_migrate_scanned "), NULL, 10);
	/* a direct compaction since boot: the evidence snapshot-stale.c's FirstKcompactd needs */
	l = strstr(text, "\ncompact_stall ");
	if (l)
		snap->compact_stall_at_start =
		    g_ascii_strtoull(l + strlen("\ncompact_stall "), NULL, 10);
	snap->vmstat_path = g_strdup(path);
	snap->kcompactd_deferred = ps_kcompactd_snapshot_deferred(policy, scanned);
}
