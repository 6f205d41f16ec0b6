// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oom.c - the OOM killer: oom_badness, /proc/PID/oom_score, constrained_alloc's constraint and
 * totalpages, and select_bad_process / oom_kill_process over the host's tasks.
 *
 * Mirrors mm/oom_kill.c and fs/proc/base.c of Linux 6.18 (kernel-facts §9): points = rss + swap
 * entries + page-table pages, plus oom_score_adj * (totalpages / 1000); tasks with
 * OOM_SCORE_ADJ_MIN, init and kernel threads are never chosen; the scan keeps a task unless its
 * points are lower than the best so far, so on a tie the later task wins; a victim not yet reaped
 * makes the killer back off (report progress) instead of killing again. Under
 * CONSTRAINT_MEMORY_POLICY a task whose MPOL_BIND nodemask misses the allocation's nodemask is
 * passed over (oom_cpuset_eligible -> mempolicy_in_oom_domain: killing it frees nothing there).
 *
 * Simplifications (why acceptable): no memcg OOM, no cpuset constraint, no panic_on_oom or
 * oom_kill_allocating_task (their defaults are off); with no eligible task the kernel panics,
 * the simulator fails the allocation and logs "oom_no_victim".
 */
#include "policy/policy-private.h"

int64_t ps_oom_badness(const PsOomTask *t, uint64_t totalpages)
{
	int64_t points, adj;

	if (t->unkillable || t->oom_score_adj <= -1000 || t->victim)
		return INT64_MIN;
	points = (int64_t)(t->rss_pages + t->swap_pages + t->pgtable_pages);
	adj = (int64_t)t->oom_score_adj * (int64_t)(totalpages / 1000);
	return points + adj;
}

int64_t ps_oom_score(const PsOomTask *t, uint64_t totalpages)
{
	int64_t badness = ps_oom_badness(t, totalpages);

	if (badness == INT64_MIN || !totalpages)
		return 0;
	return (1000 + badness * 1000 / (int64_t)totalpages) * 2 / 3;
}

uint64_t ps_oom_totalpages(const PsMachine *m)
{
	const PsPolicy *p = m->policy;
	uint64_t total = 0;

	for (int i = 0; i < m->nr_zones; i++)
		total += m->zones[i].managed;
	return total + (p ? p->rc.swap_pages : 0);
}

const char *const ps_oom_constraint_names[PS_NR_OOM_CONSTRAINTS] = {
    [PS_CONSTRAINT_NONE] = "CONSTRAINT_NONE",
    [PS_CONSTRAINT_MEMORY_POLICY] = "CONSTRAINT_MEMORY_POLICY",
};

/*
 * constrained_alloc: __GFP_THISNODE is CONSTRAINT_NONE; a nodemask that N_MEMORY is not a subset
 * of (a memory policy is in effect) is CONSTRAINT_MEMORY_POLICY; else CONSTRAINT_NONE.
 */
enum ps_oom_constraint ps_oom_constraint(const PsMachine *m, const PsAllocContext *ac)
{
	uint64_t all = 0;

	if (!ac->nodemask || (ac->gfp & PS_GFP_THISNODE))
		return PS_CONSTRAINT_NONE;
	for (int i = 0; i < m->nr_zones; i++)
		all |= m->zones[i].present ? 1ull << m->zones[i].node : 0;
	return (ac->nodemask & all) == all ? PS_CONSTRAINT_NONE : PS_CONSTRAINT_MEMORY_POLICY;
}

/* constrained_alloc: under CONSTRAINT_MEMORY_POLICY totalpages is the mask's present + swap. */
static uint64_t constrained_totalpages(PsPolicy *p, const PsAllocContext *ac)
{
	PsMachine *m = p->m;
	uint64_t mask_pages = 0;

	if (ps_oom_constraint(m, ac) == PS_CONSTRAINT_NONE)
		return ps_oom_totalpages(m);
	for (int i = 0; i < m->nr_zones; i++) {
		if (ac->nodemask & (1ull << m->zones[i].node))
			mask_pages += m->zones[i].present;
	}
	return mask_pages + p->rc.swap_pages;
}

bool ps_out_of_memory(PsPolicy *p, const PsAllocContext *ac, uint64_t *wait_until)
{
	const PsOomTask *tasks = NULL;
	size_t n = p->host.oom_tasks ? p->host.oom_tasks(p->host.data, &tasks) : 0;
	uint64_t totalpages = constrained_totalpages(p, ac);
	/* out_of_memory keeps oc->nodemask only under CONSTRAINT_MEMORY_POLICY */
	uint64_t domain =
	    ps_oom_constraint(p->m, ac) == PS_CONSTRAINT_MEMORY_POLICY ? ac->nodemask : 0;
	int64_t best = INT64_MIN;
	size_t chosen = SIZE_MAX;
	uint64_t reap_at;

	for (size_t i = 0; i < n; i++) {
		int64_t points;

		/*
		 * oom_evaluate_task -> oom_cpuset_eligible -> mempolicy_in_oom_domain (Linux 6.14
		 * mm/mempolicy.c, AOSC-Tracking/ubuntu-kernel-next-linux): only an MPOL_BIND task
		 * is tested, and it is eligible when its nodes intersect the mask; any other policy
		 * may have memory on every node. Before the victim test, as there: a victim
		 * outside the domain does not hold back this request (slowpath.c may_oom).
		 */
		if (domain && tasks[i].bind_nodes && !(tasks[i].bind_nodes & domain))
			continue;
		if (tasks[i].victim) {
			/* A victim is still exiting: wait for it rather than kill another. */
			*wait_until = MAX(p->oom_victim_until, ps_engine_now(p->e));
			return true;
		}
		points = ps_oom_badness(&tasks[i], totalpages);
		if (points == INT64_MIN || points < best)
			continue;
		best = points;
		chosen = i;
	}
	if (chosen == SIZE_MAX) {
		static const char *const keys[] = {"order", NULL};
		int64_t vals[1] = {ac->order};

		ps_host_event(p, "oom_no_victim", keys, vals);
		return false;
	}
	/*
	 * The victim exits when it next returns to user space, exit_mmap freeing its memory; the
	 * reaper (after OOM_REAPER_DELAY) stands in for a victim that is busy elsewhere. The task
	 * that allocates now exits as soon as this allocation returns.
	 */
	reap_at = ps_engine_now(p->e) + (tasks[chosen].current ? 0 : p->rc.oom_reap_delay_ns);
	p->oom_victim_until = reap_at;
	p->m->vm_events[PS_OOM_KILL]++;
	p->host.oom_kill(p->host.data, chosen, (uint64_t)MAX(best, 0), reap_at, ac);
	*wait_until = reap_at;
	return true;
}
