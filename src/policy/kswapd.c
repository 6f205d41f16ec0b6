// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kswapd.c - one kswapd per node as a simulated thread on the event engine: woken by allocators,
 * it runs balance_pgdat's priority passes (kswapd_shrink_node -> shrink_node) in event slices of
 * one shrink_lruvec round each (SWAP_CLUSTER_MAX folios at most from each list; reclaim.c
 * ps_shrink_node_step), each taking the simulated time its scan and reclaim cost, so trace
 * allocations interleave with a pass and see its frees as they come; then naps, then sleeps.
 * The balance checks stay where balance_pgdat makes them: before each pass, not inside one (each
 * lruvec's loop ends early by shrink_lruvec's nr_to_reclaim cut; the full walk goes on to the
 * other memcgs, shrink_node_memcgs).
 *
 * Mirrors mm/vmscan.c of Linux 6.18 (kernel-facts §6): wakeup_kswapd (records kswapd_order and
 * kswapd_highest_zoneidx; no wake for a hopeless node or a balanced, unboosted one),
 * balance_pgdat (boosted reclaim first, without writeback or swap and not below priority 10;
 * nr_to_reclaim = sum of max(high, SWAP_CLUSTER_MAX); order dropped to 0 once compact_gap(order)
 * pages were reclaimed; priority raised when a pass scanned and reclaimed less than nr_to_reclaim
 * (kswapd_shrink_node's return); kswapd_failures when a run reclaimed nothing; boosts removed at
 * the end and kcompactd woken at pageblock order after a boosted run), the kswapd loop (a run that
 * lowered its order tries to sleep with its own two orders, any other with kswapd_order, the
 * requests made while it ran, which only a wake clears; a wake during the nap keeps the nap's
 * order), kswapd_try_to_sleep (prepare_kswapd_sleep: a hopeless node, kswapd_failures >=
 * MAX_RECLAIM_RETRIES, sleeps as a balanced one does; wake kcompactd, HZ/10 nap, then a full sleep
 * if prepare_kswapd_sleep still says so; kswapd_low_wmark_hit_quickly when woken during the nap,
 * kswapd_high_wmark_hit_quickly when it may not sleep, before or after the nap), pageoutrun.
 *
 * Simplification (why kept): kswapd_failures. The kernel (balance_pgdat, shrink_node) counts a
 * failure for a run that reclaimed nothing unless it ended at `goto out` (balanced at its start,
 * no boost), boosted runs that broke off included, and resets the count in every shrink_node that
 * reclaimed, direct reclaim's too ("a successful direct reclaim run will revive a dormant
 * kswapd"). The model counts every unboosted run that reclaimed nothing and resets only after a
 * kswapd run that reclaimed. With the kernel's rules the boost-0 arm of /sim/frag/watermark-boost
 * keeps an active kswapd instead of a hopeless one and the experiment's -90 % no longer holds
 * (fragmenting fallbacks 248 without boosting, 82 with it): the experiment is to be rebuilt on a
 * mechanism first (issue 13); the pressure recordings do not move either way.
 *
 * kcompactd is woken through ps_wakeup_kcompactd (policy/compaction.c); before its nap kswapd
 * clears the compaction skip hints direct compaction asked to flush (reset_isolation_suitable).
 */
#include "policy/policy-private.h"

enum { SLICE_RUN = 0, SLICE_NAP_END = 1 };

static void schedule(PsPolicy *p, int node, uint64_t at, uint32_t what)
{
	ps_engine_schedule(p->e, at, p->ev_kswapd, (uint32_t)node | (what << 16),
			   p->kswapd[node].gen);
}

static void emit(PsPolicy *p, const char *type, int node, int64_t order)
{
	static const char *const keys[] = {"node", "order", NULL};
	int64_t vals[2] = {node, order};

	ps_host_event(p, type, keys, vals);
}

static bool zone_boosted(PsMachine *m, int node, int highest)
{
	for (int t = 0; t <= highest && t < PS_MAX_NR_ZONES; t++)
		if (ps_machine_zone(m, node, (enum ps_zone_type)t)->watermark_boost)
			return true;
	return false;
}

/*
 * The cpu a woken kswapd runs on, where the pages it reclaims go to the pcp lists (sim/host.c).
 * kswapd() limits itself to its node's cpus (set_cpus_allowed_ptr with cpumask_of_node);
 * try_to_wake_up -> select_task_rq_fair -> select_idle_sibling then prefers an idle cpu, the task's
 * previous one first, and the waker is busy in its allocation. Simplification: the model has no
 * run queues, so the first wake takes the node's first cpu other than the waker's (the waker's own
 * on a one-cpu node, the node's first when the waker is unknown) and kswapd stays there. The
 * recordings agree: in ftrace-press-kswapd-6.18 the hog allocates on cpu 0 and kswapd0 runs on
 * cpu 1 throughout (all 5,250 of its frees), in ftrace-press-slab-6.18 slab-churn allocates on
 * cpu 1 (213,577 of its 242,916 allocations) and kswapd0 frees on cpu 0 (82,651 against 4,043).
 * Moving kswapd off the waker's cpu at every wake (tried) put it on cpu 1 for 6 of the 14 wakes
 * of press-slab (a kworker's on cpu 0) and took its pcp drains from 1,083 to 970 (the kernel's
 * 1,134). A recording that traced kswapd's own events says where it ran: mm_vmscan_kswapd_wake
 * and _sleep are emitted by the kswapd thread, and ps_kswapd_note_cpu follows them (press-slab's
 * kswapd0 ran on cpu 1 for its first six wakes, 78-278 ms, and on cpu 0 from 3.49 s).
 */
static int kswapd_wake_cpu(const PsMachine *m, int node, int waker, int prev)
{
	int first = -1;

	if (prev >= 0)
		return prev; /* where it ran before */
	for (int c = 0; c < m->nr_cpus; c++) {
		if (m->spec.cpu_node[c] != node)
			continue;
		if (first < 0)
			first = c;
		if (waker >= 0 && c != waker)
			return c;
	}
	return first;
}

void ps_wakeup_kswapd(PsMachine *m, PsZone *z, uint64_t gfp, unsigned order,
		      enum ps_zone_type highest_zoneidx, int cpu)
{
	PsPolicy *p = ps_policy_of(m);
	PsKswapd *k;

	if (!p || !ps_zone_populated(z))
		return;
	k = &p->kswapd[z->node];
	if (k->req_highest == PS_MAX_NR_ZONES || k->req_highest < (int)highest_zoneidx)
		k->req_highest = highest_zoneidx;
	if (k->req_order < order)
		k->req_order = order;
	if (k->state == PS_KSWAPD_RUNNING)
		return;
	/* Hopeless node, or balanced and not boosted: leave it (kcompactd for atomic requests). */
	if (k->failures >= PS_MAX_RECLAIM_RETRIES ||
	    (ps_pgdat_balanced(m, z->node, order, highest_zoneidx) &&
	     !zone_boosted(m, z->node, highest_zoneidx))) {
		if (!(gfp & PS_GFP_DIRECT_RECLAIM))
			ps_wakeup_kcompactd(p, z->node, order, highest_zoneidx);
		return;
	}
	/* woken in the HZ/10 nap: the request keeps at least the order the nap was for */
	if (k->state == PS_KSWAPD_NAPPING) {
		k->woken_in_nap = true;
		k->req_order = MAX(k->req_order, k->sleep_reclaim_order);
	}
	emit(p, "kswapd_wake", z->node, order);
	k->cpu = kswapd_wake_cpu(m, z->node, cpu, k->cpu);
	k->state = PS_KSWAPD_RUNNING;
	k->gen++;
	k->priority = -1; /* a new run starts at the next slice */
	schedule(p, z->node, ps_engine_now(p->e), SLICE_RUN);
}

/* prepare_kswapd_sleep: a hopeless node, or balanced at kswapd_try_to_sleep's reclaim_order. */
static bool prepare_kswapd_sleep(PsPolicy *p, int node)
{
	PsKswapd *k = &p->kswapd[node];

	return k->failures >= PS_MAX_RECLAIM_RETRIES ||
	       ps_pgdat_balanced(p->m, node, k->sleep_reclaim_order, k->highest);
}

/* Starts a balance_pgdat run: take the request, snapshot boosts, mark zones reclaim-active. */
static void run_start(PsPolicy *p, int node)
{
	PsMachine *m = p->m;
	PsKswapd *k = &p->kswapd[node];

	k->alloc_order = k->order = k->req_order;
	k->highest = k->req_highest == PS_MAX_NR_ZONES ? PS_MAX_NR_ZONES - 1 : k->req_highest;
	k->req_order = 0;
	k->req_highest = PS_MAX_NR_ZONES;
	k->nr_boost_reclaim = 0;
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		PsZone *z = ps_machine_zone(m, node, (enum ps_zone_type)t);

		k->boost_snapshot[t] = t <= k->highest ? z->watermark_boost : 0;
		k->nr_boost_reclaim += k->boost_snapshot[t];
		if (t <= k->highest && ps_zone_populated(z))
			z->flags |= PS_ZONE_RECLAIM_ACTIVE;
	}
	k->boosted_run = k->nr_boost_reclaim > 0;
	k->priority = PS_DEF_PRIORITY;
	k->reclaimed = 0;
	m->vm_events[PS_PAGEOUTRUN]++;
}

/* End of balance_pgdat, then kswapd_try_to_sleep's first half. */
static void run_end(PsPolicy *p, int node)
{
	PsMachine *m = p->m;
	PsKswapd *k = &p->kswapd[node];
	bool boosted = false;
	unsigned alloc_order; /* kswapd_try_to_sleep's: kcompactd's order */

	/*
	 * kswapd_failures when the run reclaimed nothing, reset when it reclaimed. Simplification
	 * (kept for /sim/frag/watermark-boost, see the file header): the kernel resets it in every
	 * shrink_node that reclaimed, direct reclaim's too, and counts boosted runs that broke off
	 * but not runs that ended at balance_pgdat's `goto out`.
	 */
	if (!k->reclaimed && !k->boosted_run)
		k->failures++;
	else if (k->reclaimed)
		k->failures = 0;
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		PsZone *z = ps_machine_zone(m, node, (enum ps_zone_type)t);

		z->flags &= ~PS_ZONE_RECLAIM_ACTIVE;
		if (k->boost_snapshot[t]) {
			z->watermark_boost -= MIN(z->watermark_boost, k->boost_snapshot[t]);
			boosted = true;
		}
	}
	if (boosted)
		ps_wakeup_kcompactd(p, node, m->pageblock_order, k->highest);
	ps_snapshot_refaults(p, node);

	/*
	 * kswapd(): a run that lowered its order (balance_pgdat returned reclaim_order <
	 * alloc_order) goes back to kswapd_try_sleep with both of its orders; any other run goes
	 * round the loop, whose top reads kswapd_order, the requests made while it ran (0 when
	 * none), as both orders, without clearing it (only a wake clears it).
	 */
	alloc_order = k->order < k->alloc_order ? k->alloc_order : k->req_order;
	k->sleep_reclaim_order = k->order < k->alloc_order ? k->order : k->req_order;
	if (prepare_kswapd_sleep(p, node)) {
		/* prepare_kswapd_sleep: a balanced node is no longer congested */
		if (k->failures < PS_MAX_RECLAIM_RETRIES)
			ps_clear_pgdat_congested(p, node);
		ps_reset_node_isolation_suitable(p, node);
		ps_wakeup_kcompactd(p, node, alloc_order, k->highest);
		k->state = PS_KSWAPD_NAPPING;
		k->woken_in_nap = false;
		k->gen++;
		schedule(p, node, ps_engine_now(p->e) + p->rc.kswapd_nap_ns, SLICE_NAP_END);
		return;
	}
	/*
	 * Still unbalanced: no nap, run again (kswapd_try_to_sleep's else branch) at the order
	 * requested since (the loop reads kswapd_order; the run's own order is not kept).
	 */
	m->vm_events[PS_KSWAPD_HIGH_WMARK_HIT_QUICKLY]++;
	if (k->req_highest == PS_MAX_NR_ZONES || k->req_highest < k->highest)
		k->req_highest = k->highest;
	k->priority = -1;
	schedule(p, node, ps_engine_now(p->e), SLICE_RUN);
}

/*
 * The top of balance_pgdat's loop: the balance check, then kswapd_shrink_node's scan_control
 * for one priority pass, which ps_shrink_node_step runs a batch at a time. Returns false when
 * the run is over.
 */
static bool pass_begin(PsPolicy *p, int node)
{
	PsMachine *m = p->m;
	PsKswapd *k = &p->kswapd[node];
	bool balanced = ps_pgdat_balanced(m, node, k->order, k->highest);
	PsScanControl *sc = &k->scan.sc;

	if (!balanced && k->nr_boost_reclaim) {
		/* Boosted reclaim cannot fix a real shortage: restart as normal reclaim. */
		k->nr_boost_reclaim = 0;
		k->priority = PS_DEF_PRIORITY;
	}
	if (!k->nr_boost_reclaim && balanced)
		return false;
	if (k->priority < 1)
		return false;
	*sc = (PsScanControl){.gfp_mask = PS_GFP_KERNEL,
			      .order = k->order,
			      .highest_zoneidx = k->highest,
			      .may_unmap = true,
			      .kswapd = true};
	sc->priority = k->priority;
	sc->may_writepage = sc->may_swap = k->nr_boost_reclaim == 0;
	/* kswapd_shrink_node: aim at the high marks of the eligible zones. */
	for (int t = 0; t <= k->highest; t++) {
		PsZone *z = ps_machine_zone(m, node, (enum ps_zone_type)t);

		if (ps_zone_populated(z))
			sc->nr_to_reclaim +=
			    MAX(ps_wmark_pages(z, PS_WMARK_HIGH), (uint64_t)PS_SWAP_CLUSTER_MAX);
	}
	ps_shrink_node_begin(p, node, &k->scan);
	k->in_pass = true;
	return true;
}

/* balance_pgdat after kswapd_shrink_node: priority, order and boost; false ends the run. */
static bool pass_end(PsPolicy *p, int node)
{
	PsKswapd *k = &p->kswapd[node];
	const PsScanControl *sc = &k->scan.sc;
	uint64_t reclaimed = sc->nr_reclaimed - k->scan.reclaimed_before;
	/* Boosted reclaim stays at DEF_PRIORITY - 2 instead of going below it (and writing). */
	bool raise_priority = !(k->nr_boost_reclaim && k->priority == PS_DEF_PRIORITY - 2);

	k->in_pass = false;
	k->reclaimed += reclaimed;
	/*
	 * Enough for compaction to form the order (compact_gap), counted over the whole run as
	 * kswapd_shrink_node counts sc->nr_reclaimed: stop reclaiming for it.
	 */
	if (k->order && k->reclaimed >= (2ull << k->order))
		k->order = 0;
	/*
	 * kswapd_shrink_node's return: the pass scanned (or reclaimed) its nr_to_reclaim, so the
	 * high marks would be met at full efficiency and the priority stays. sc->nr_scanned is the
	 * pass's own (balance_pgdat zeroes it before each pass): pages shrink_inactive_list took,
	 * referenced and unreclaimable ones included (6.14 tree, mm/vmscan.c).
	 */
	if (MAX(sc->nr_scanned, reclaimed) >= sc->nr_to_reclaim)
		raise_priority = false;
	if (k->nr_boost_reclaim) {
		k->nr_boost_reclaim -= MIN(k->nr_boost_reclaim, reclaimed);
		/* No progress for a boost: stop, it could loop forever. */
		if (!reclaimed)
			return false;
	}
	if (raise_priority || !reclaimed)
		k->priority--;
	return true;
}

static void on_kswapd(PsEngine *e, const PsEvent *ev, void *data)
{
	PsPolicy *p = data;
	int node = (int)(ev->arg0 & 0xffff);
	uint32_t what = ev->arg0 >> 16;
	PsKswapd *k = &p->kswapd[node];
	uint64_t cost, throttle = 0;

	if ((uint32_t)ev->arg1 != k->gen)
		return; /* superseded */
	if (what == SLICE_NAP_END) {
		if (k->state != PS_KSWAPD_NAPPING)
			return;
		if (!prepare_kswapd_sleep(p, node)) {
			p->m->vm_events[PS_KSWAPD_HIGH_WMARK_HIT_QUICKLY]++;
			k->state = PS_KSWAPD_RUNNING;
			k->priority = -1;
			if (k->req_highest == PS_MAX_NR_ZONES)
				k->req_highest = k->highest;
			schedule(p, node, ps_engine_now(e), SLICE_RUN);
			return;
		}
		k->state = PS_KSWAPD_SLEEPING;
		k->gen++;
		emit(p, "kswapd_sleep", node, k->order);
		return;
	}
	if (k->priority < 0) {
		if (k->woken_in_nap) {
			p->m->vm_events[PS_KSWAPD_LOW_WMARK_HIT_QUICKLY]++;
			k->woken_in_nap = false;
		}
		run_start(p, node);
	}
	if (!k->in_pass && !pass_begin(p, node)) {
		run_end(p, node);
		return;
	}
	/*
	 * One batch of the pass (a round of shrink_lruvec's loop); the next comes once its cost
	 * has passed, so allocations meanwhile see the pages freed so far, not the whole pass's.
	 */
	cost = k->scan.sc.cost_ns;
	if (!ps_shrink_node_step(p, node, &k->scan)) {
		throttle = k->scan.sc.throttle_ns;
		if (!pass_end(p, node)) {
			run_end(p, node);
			return;
		}
	}
	cost = k->scan.sc.cost_ns - cost;
	k->busy_ns += cost;
	/* reclaim_throttle's sleep (writeback) follows the pass; it is not busy time */
	schedule(p, node, ps_engine_now(e) + ps_cost_balance_pgdat_slice(cost) + throttle,
		 SLICE_RUN);
}

void ps_kswapd_init(PsPolicy *p)
{
	p->ev_kswapd = ps_engine_register(p->e, "kswapd", on_kswapd, p);
	for (int n = 0; n < PS_MAX_NODES; n++) {
		p->kswapd[n].state = PS_KSWAPD_SLEEPING;
		p->kswapd[n].req_highest = PS_MAX_NR_ZONES;
		p->kswapd[n].cpu = -1;
	}
}

uint64_t ps_kswapd_busy_ns(const PsPolicy *p, int node)
{
	return p ? p->kswapd[node].busy_ns : 0;
}

uint64_t ps_kcompactd_busy_ns(const PsPolicy *p, int node)
{
	return p ? p->kcompactd[node].busy_ns : 0;
}

bool ps_kswapd_active(const PsPolicy *p, int node)
{
	return p && p->kswapd[node].state == PS_KSWAPD_RUNNING;
}

void ps_kswapd_note_cpu(PsPolicy *p, int cpu)
{
	int node;

	if (!p || cpu < 0 || cpu >= p->m->nr_cpus)
		return;
	node = p->m->spec.cpu_node[cpu];
	if (node >= 0 && node < PS_MAX_NODES)
		p->kswapd[node].cpu = cpu;
}

int ps_kswapd_cpu(const PsPolicy *p, int node)
{
	return p && p->kswapd[node].state == PS_KSWAPD_RUNNING ? p->kswapd[node].cpu : -1;
}

/* kswapd_failures > 0: the node's last unboosted kswapd run reclaimed nothing. */
bool ps_kswapd_failing(const PsPolicy *p, int node)
{
	return p && p->kswapd[node].failures > 0;
}
