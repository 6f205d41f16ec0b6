// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host.c - sim/ as the host of policy/'s reclaim, OOM killer and compaction (PsHostOps): the
 * policy decides which folio to evict, which task to kill and which block to move; the host owns
 * the records behind them and carries the decision out.
 *
 * Kernel counterparts: shrink_folio_list's unmap and free (evict), select_bad_process's task walk
 * (oom_tasks), oom_kill_process and the OOM reaper (oom_kill, on_reap), and the rmap walk that
 * lets migrate_pages find a page's mappings (migrated).
 *
 * Simplifications (why acceptable):
 * - Reclaimed pages leave their record in place (REC_GONE): a later free is "already reclaimed",
 *   a touch refaults. The kernel keeps a shadow entry in the page cache or a swap entry in the
 *   page table for the same purpose.
 * - An OOM victim's pages all go back at once: when the victim was the allocating task, as that
 *   allocation returns (its exit); else at the reap delay, and an allocation waiting for them
 *   runs again then (the kernel's victim exits at its next return to user space, its waiters
 *   retry as it frees, usually within the delay).
 * - Pages freed outside a record go to the running cpu's pcp, else (kswapd's reclaim) the running
 *   kswapd's cpu (kswapd.c kswapd_wake_cpu), else (the OOM reaper) the first cpu of the node.
 */
#include <string.h>

#include "sim/sim-private.h"

/* Frees a resident record's pages on behalf of reclaim or the reaper; the record stays. */
static void rec_drop_pages(PsSim *s, uint32_t ri, int cpu)
{
	Rec *r = rec_at(s, ri);
	uint64_t pages = 1ull << r->order;

	ps_lru_del(s->policy, ri);
	ps_free_pages(s->m, r->pfn, r->order, cpu);
	sim_pb_account(s, r->pfn, r->order, r->mt, -1);
	if (r->kind == PS_KIND_SLAB)
		s->m->nodes[ps_pfn_zone(s->m, r->pfn)->node].stat[PS_NR_SLAB_UNRECLAIMABLE_B] -=
		    (int64_t)pages;
	if (r->proc >= 0) {
		Proc *p = proc_at(s, r->proc);

		p->rss_pages -= pages;
		p->kind_pages[r->kind] -= pages;
	}
	r->flags |= REC_GONE;
	r->pfn = PS_PFN_NONE;
}

/* The cpu whose pcp gets pages freed outside a record: the running one, else the node's first. */
static int reclaim_cpu(PsSim *s, ps_pfn_t pfn)
{
	PsZone *z = ps_pfn_zone(s->m, pfn);

	if (s->cur_cpu >= 0)
		return s->cur_cpu;
	for (int c = 0; c < s->m->nr_cpus; c++)
		if (s->m->spec.cpu_node[c] == z->node)
			return c;
	return 0;
}

/* The cpu a reclaimed folio is freed on: direct reclaim's (the running one), else kswapd's. */
static int evict_cpu(PsSim *s, ps_pfn_t pfn)
{
	int kcpu = s->cur_cpu < 0 ? ps_kswapd_cpu(s->policy, ps_pfn_zone(s->m, pfn)->node) : -1;

	return kcpu >= 0 ? kcpu : reclaim_cpu(s, pfn);
}

static void host_evict(void *data, uint32_t h, bool swapped)
{
	PsSim *s = data;
	Rec *r = rec_at(s, h);
	uint64_t pages = 1ull << r->order;

	rec_drop_pages(s, h, evict_cpu(s, r->pfn));
	s->totals.pages_freed_reclaim += pages;
	if (swapped) {
		r->flags |= REC_SWAPPED;
		if (r->proc >= 0)
			proc_at(s, r->proc)->swap_pages += pages;
	}
}

static size_t host_oom_tasks(void *data, const PsOomTask **tasks)
{
	PsSim *s = data;

	g_array_set_size(s->oom_tasks, 0);
	g_array_set_size(s->oom_task_proc, 0);
	for (guint i = 0; i < s->procs->len; i++) {
		Proc *p = proc_at(s, (int)i);
		PsOomTask t = {0};

		if (p->exited)
			continue;
		t.pid = p->pid;
		t.comm = p->comm;
		t.oom_score_adj = p->oom_score_adj;
		/* rss: mapped user memory; page tables are kind pagetable, and kind kernel stands
		 * in for them in traces that do not say (older generated ones). */
		t.rss_pages = p->kind_pages[PS_KIND_ANON] + p->kind_pages[PS_KIND_FILE];
		t.swap_pages = p->swap_pages;
		t.pgtable_pages = p->kind_pages[PS_KIND_KERNEL] + p->kind_pages[PS_KIND_PAGETABLE];
		t.unkillable = p->pid <= 1; /* the kernel (pid 0) and init */
		t.victim = p->killed;
		t.current = (int)i == s->cur_proc;
		t.bind_nodes = p->pol.mode == PS_MPOL_BIND ? p->pol.nodes : 0;
		g_array_append_val(s->oom_tasks, t);
		g_array_append_val(s->oom_task_proc, i);
	}
	*tasks = (const PsOomTask *)s->oom_tasks->data;
	return s->oom_tasks->len;
}

static void host_oom_kill(void *data, size_t i, uint64_t badness, uint64_t reap_at,
			  const PsAllocContext *ac)
{
	PsSim *s = data;
	int pi = g_array_index(s->oom_task_proc, int, i);
	Proc *p = proc_at(s, pi);
	cJSON *f = cJSON_CreateObject();
	g_autofree char *gfp = ps_gfp_format(ac->gfp);

	p->killed = true;
	g_hash_table_add(s->killed_pids, GINT_TO_POINTER(p->pid));
	s->any_killed = true;
	s->obs_plain = false; /* exec_event looks for the victim's records now */
	s->totals.oom_kills++;
	s->oom_since_sample++;
	cJSON_AddNumberToObject(f, "pid", p->pid);
	cJSON_AddStringToObject(f, "comm", p->comm);
	cJSON_AddNumberToObject(f, "oom_score_adj", p->oom_score_adj);
	cJSON_AddNumberToObject(f, "badness", (double)badness);
	cJSON_AddNumberToObject(f, "rss_pages", (double)p->rss_pages);
	cJSON_AddNumberToObject(f, "swap_pages", (double)p->swap_pages);
	cJSON_AddNumberToObject(f, "freed_bytes",
				(double)((p->rss_pages + 0) * (uint64_t)s->m->page_size));
	cJSON_AddNumberToObject(f, "reap_at_ns", (double)reap_at);
	cJSON_AddNumberToObject(f, "trigger_pid",
				s->cur_proc >= 0 ? proc_at(s, s->cur_proc)->pid : -1);
	cJSON_AddNumberToObject(f, "trigger_order", ac->order);
	cJSON_AddStringToObject(f, "trigger_gfp", gfp);
	/* as the kernel's "oom-kill:constraint=...,nodemask=..." line prints them */
	cJSON_AddStringToObject(f, "constraint",
				ps_oom_constraint_names[ps_oom_constraint(s->m, ac)]);
	if (ps_oom_constraint(s->m, ac) == PS_CONSTRAINT_MEMORY_POLICY) {
		g_autoptr(GString) mask = g_string_new(NULL);

		for (int n = 0; n < s->m->nr_nodes; n++)
			if (ac->nodemask & (1ull << n))
				g_string_append_printf(mask, "%s%d", mask->len ? "," : "", n);
		cJSON_AddStringToObject(f, "nodemask", mask->str);
	}
	ps_event_log_write(s->evlog, ps_engine_now(s->e), "oom_kill", f);
	ps_engine_schedule(s->e, reap_at, s->ev_reap, (uint32_t)pi, 0);
}

/* tsk_is_oom_victim(current): the running record's task was killed and is not reaped yet. */
static bool host_current_is_oom_victim(void *data)
{
	PsSim *s = data;

	return s->cur_proc >= 0 && proc_at(s, s->cur_proc)->killed;
}

/* The reaper: everything the victim still holds goes back; the task is gone. */
static void on_reap(PsEngine *e, const PsEvent *ev, void *data)
{
	PsSim *s = data;
	int pi = (int)ev->arg0;
	Proc *p = proc_at(s, pi);
	uint64_t freed = 0;
	cJSON *f;

	/* newest first; dropping pages leaves the records in p->own */
	for (uint32_t i = p->own_len; i-- > 0;) {
		uint32_t ri = p->own[i];
		Rec *r;

		if (ri == REC_NONE)
			continue;
		r = rec_at(s, ri);
		if (r->flags & REC_GONE)
			continue;
		freed += 1ull << r->order;
		rec_drop_pages(s, ri, reclaim_cpu(s, r->pfn));
	}
	s->totals.pages_freed_oom += freed;
	p = proc_at(s, pi);
	p->exited = true;
	p->killed = false;
	g_hash_table_remove(s->pid_map, GINT_TO_POINTER(p->pid));
	sim_proc_cache_reset(s);
	f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "pid", p->pid);
	cJSON_AddNumberToObject(f, "freed_bytes", (double)(freed * s->m->page_size));
	ps_event_log_write(s->evlog, ps_engine_now(e), "oom_reaped", f);
}

/* Compaction moved record h's pages: follow them (pfn, pageblock accounting, LRU zone). */
static void host_migrated(void *data, uint32_t h, ps_pfn_t old_pfn, ps_pfn_t new_pfn)
{
	PsSim *s = data;
	Rec *r;

	if (h == PS_OWNER_UNKNOWN_AT_START) {
		ps_snapshot_moved(s->snap, s->m, old_pfn, new_pfn);
		return;
	}
	r = rec_at(s, h);
	g_assert((r->flags & REC_LIVE) && !(r->flags & REC_GONE) && r->pfn == old_pfn);
	sim_pb_account(s, old_pfn, r->order, r->mt, -1);
	r->pfn = new_pfn;
	sim_pb_account(s, new_pfn, r->order, r->mt, +1);
	ps_lru_move(s->policy, h, new_pfn);
}

/* Compaction splits a folio it found no target for: the host follows snapshot LRU folios. */
static bool host_split(void *data, uint32_t h, ps_pfn_t pfn)
{
	PsSim *s = data;

	if (h == PS_OWNER_UNKNOWN_AT_START)
		return s->snap && ps_snapshot_split(s->snap, s->m, pfn);
	return sim_snap_rec_split(data, h, pfn);
}

/* A compact_zone run's zone and scanner starts (policy/compaction.c note_compact_zone's keys)
 * to the fidelity report, which pairs them with the recording's mm_compaction_begin. */
static void note_compact_start(PsSim *s, const char *const *keys, const int64_t *vals)
{
	int64_t node = -1, zone = -1, migrate = -1, free = -1;

	for (int i = 0; keys[i]; i++) {
		if (!strcmp(keys[i], "node"))
			node = vals[i];
		else if (!strcmp(keys[i], "zone_idx"))
			zone = vals[i];
		else if (!strcmp(keys[i], "migrate_start_pfn"))
			migrate = vals[i];
		else if (!strcmp(keys[i], "free_start_pfn"))
			free = vals[i];
	}
	g_assert(node >= 0 && node < s->m->nr_nodes && zone >= 0 && zone < PS_MAX_NR_ZONES &&
		 migrate >= 0 && free >= 0);
	ps_fidelity_compact_run(s->fid, ps_machine_zone(s->m, (int)node, (enum ps_zone_type)zone),
				(ps_pfn_t)migrate, (ps_pfn_t)free);
}

static void host_event(void *data, const char *type, const char *const *keys, const int64_t *vals,
		       uint64_t after_ns)
{
	PsSim *s = data;
	cJSON *f;

	/* Bounded as allocation failures are (output.c): the count goes to summary.json. */
	if (!strcmp(type, "oom_no_victim") && ++s->oom_no_victim > SIM_MAX_FAIL_EVENTS)
		return;
	f = cJSON_CreateObject();
	for (int i = 0; keys && keys[i]; i++)
		cJSON_AddNumberToObject(f, keys[i], (double)vals[i]);
	if (s->fid && !strcmp(type, "compact_zone"))
		note_compact_start(s, keys, vals);
	ps_event_log_write(s->evlog, ps_engine_now(s->e) + after_ns, type, f);
}

void sim_host_attach(PsSim *s)
{
	PsHostOps host = {
	    .data = s,
	    .evict = host_evict,
	    .oom_tasks = host_oom_tasks,
	    .oom_kill = host_oom_kill,
	    .current_is_oom_victim = host_current_is_oom_victim,
	    .event = host_event,
	    .migrated = host_migrated,
	    .split = host_split,
	};

	s->ev_reap = ps_engine_register(s->e, "oom-reap", on_reap, s);
	s->oom_tasks = g_array_new(FALSE, FALSE, sizeof(PsOomTask));
	s->oom_task_proc = g_array_new(FALSE, FALSE, sizeof(int));
	s->policy = ps_policy_new(s->m, s->e, &s->cfg->reclaim, &host);
	s->lru_view = ps_lru_view(s->policy);
}

void sim_host_detach(PsSim *s)
{
	s->lru_view = NULL;
	g_clear_pointer(&s->policy, ps_policy_free);
	g_clear_pointer(&s->oom_tasks, g_array_unref);
	g_clear_pointer(&s->oom_task_proc, g_array_unref);
}
