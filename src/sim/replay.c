// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * replay.c - the replay loop: the trace is read once, one record ahead, and each record is
 * scheduled on the engine at its recorded time, or later if its CPU is still busy with the latency
 * of its previous work: a CPU that stalls carries the delay forward, and the delay is reported.
 * Sampling ticks write the timeline and close a latency window; a stat_interval tick runs the pcp
 * decay (refresh_cpu_vm_stats), on the grid of the recording's vmstat_update runs when its header
 * gives one (decay_at_or_after). Records that change the machine as a whole (sysctl, compact,
 * drop_caches) are carried out here; the rest go to the process model (process.c).
 *
 * The engine only orders events; this file owns the loop, as the kernel's scheduler owns which
 * task runs: records of one CPU run in trace order, one at a time.
 *
 * Simplifications (why acceptable):
 * - A `touch`, `map`, `unmap`, `exit` or `cache_*` record runs on its recorded `cpu`; one without
 *   runs on CPU pid mod nr_cpus, a fixed choice that keeps replays deterministic. Records with
 *   recorded cpus run in each cpu's order, as the kernel ran them; a task's record can only
 *   overtake its earlier one on another cpu when that cpu is stalled past the later record's
 *   time (modelled kernel latency, microseconds, against a task that migrated in between); a
 *   touch that comes after its task's exit so is charged to the exited task (proc_get).
 * - A `compact` record compacts every zone fully, as writing /proc/sys/vm/compact_memory does,
 *   its cost charged to the record; a `drop_caches` record frees clean page cache and/or
 *   reclaimable slab through the reclaim model, as writing /proc/sys/vm/drop_caches does.
 * - A CPU's busy time is the modelled kernel time of its records only: user time between
 *   records is already in the recorded timestamps.
 * - --placement=sticky (PS_PLACEMENT_STICKY) is a placement *model* of an otherwise idle machine:
 *   every record of a task runs on the cpu of the task's first record (its recorded cpu, else
 *   pid mod nr_cpus), folded into the config's cpus. On an idle machine the kernel leaves a
 *   lone busy task where it runs: a wakeup goes back to the task's previous cpu while that cpu
 *   is idle (select_task_rq_fair -> select_idle_sibling), and the periodic balance
 *   (sched_balance_rq) finds no imbalance to move it for; a child's cpu is chosen once, at fork
 *   (wake_up_new_task -> select_task_rq_fair with WF_FORK -> sched_balance_find_dst_cpu ->
 *   sched_balance_find_dst_group), by the replayed machine's load, not the recording's: a
 *   child forked with its parent's memory (a proc record with `parent`) or without it (a vfork
 *   or a thread, `forked_by`: wake_up_new_task places every new task) goes to the cpu with
 *   the fewest live tasks placed on it (its parent counted), ties to the parent's cpu, else to
 *   the lowest-numbered (sticky_fork_cpu). What it does not match: on churn-portable it puts
 *   phase C's four children three away from the parent's cpu and one beside it (2776 forks
 *   after the others exited), where every 16K lab run whose parent stayed on one cpu split them
 *   two and two (other, other, parent, parent: tests/data/lab-churn-repeats/<run>/placement);
 *   16K order 3 at mid comes out inside the kernel's range with either split, so that figure
 *   does not show the rule right. Read in fair.c of the AOSC-Tracking/linux tree
 *   (6.18-era): each cpu a group of one; an idle cpu is group_has_spare and wins over a busy
 *   local one; one task makes it fully busy, two or more overloaded (update_pick_idlest: the
 *   lower type, then the lower avg_load); at equal type the local group is kept unless the
 *   other's avg_load is lower by more than imbalance_pct (117 %: with NICE_0 tasks, fewer
 *   tasks). Simplifications: a live task is one placed and not exited, running or not (the
 *   replay does not know when a task sleeps), every task weighs NICE_0_LOAD, and a new task's
 *   PELT utilisation, which can keep a cpu with one young task group_has_spare (the lab
 *   kernels put the second of churn's children beside the first in some runs), is not
 *   modelled. A task with no fork record (the first task; a vfork or thread of a trace
 *   imported before forked_by, Dec 2026) is placed by its first record's cpu. Read in the
 *   6.14 tree (AOSC-Tracking/ubuntu-kernel-next-linux kernel/sched/fair.c names; the rename
 *   of find_idlest_cpu is 6.10). Left out: migrations under load (two busy tasks on one cpu,
 *   an overloaded cpu pulled by the idle one, exec's sched_exec balance), wakeups that pick
 *   another idle cpu when the previous one is busy. Acceptable for portable replays at
 *   another page size: the recorded cpus are the recording machine's scheduling, which its
 *   kernel did not have to repeat (the qemu lab's 4K, 16K and 64K kernels placed churn's
 *   parent differently run to run, tests/data/lab-churn-repeats), so a replay can only claim
 *   a placement the kernel would plausibly choose, and this one is the idle machine's. The
 *   fork rule covers vforks because kernel_clone (_do_fork in older trees, read in
 *   torvalds/linux kernel/fork.c) calls wake_up_new_task for every new task before a
 *   CLONE_VFORK parent waits for its child. Records that name no task
 *   (frees; a free without a cpu runs where its allocation ran), interrupt-context records
 *   and kernel threads' (kswapd, kcompactd, khugepaged, kworkers, ksoftirqd: by the `proc`
 *   record's comm) keep their recorded cpus. The pinned replay refuses it (the recorded pfns
 *   are the recorded cpus' pcp lists).
 */
#include <gio/gio.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim-private.h"

/* ---- records read ahead ------------------------------------------------------------------- */

/*
 * The trace is read once. Records that must be seen before their time (the snapshot's pcp
 * prefill needs the records up to the point where it has found its pages, before the first one
 * runs) are kept here, in chunks so a long look-ahead never moves, and handed to the loop first.
 * Reading twice was the alternative: a second parse of the trace (and impossible from stdin).
 * The cost is memory while the look-ahead lasts: sizeof(PsTraceEvent) per record, at most
 * PREFILL_MAX_RECORDS of them; the shipped recordings' prefills read them whole (300k records).
 */
#define LOOKAHEAD_CHUNK 4096

struct SimLookahead {
	GPtrArray *chunks;  /* PsTraceEvent[LOOKAHEAD_CHUNK] each; handed-out ones freed */
	uint64_t len, next; /* records held, records handed out */
	int rc;		    /* the reader after the last one held: 1 more, 0 end, -1 error */
	GError *error;	    /* with rc -1 */
};

static void lookahead_free(SimLookahead *la)
{
	if (!la)
		return;
	g_ptr_array_unref(la->chunks);
	g_clear_error(&la->error);
	g_free(la);
}

/*
 * From a cache entry the look-ahead costs nothing: the prefill reads ahead through the mapped
 * entry and the reader goes back to where it was. Reading ahead is needed only once per trace and
 * machine: the first run reads to the prefill's limit and keeps its candidates in the cache
 * (snapshot-cache.c), later runs apply them without reading the trace twice.
 */
/*
 * The pcp start-count walk from the cache (.walk): true when its steps were restored, so the
 * trace need not be walked again (~120 M instructions on press-kswapd's session 8 recording, about
 * a tenth of a warm run). The walk ends where it ends whether or not the prefill read the trace, so
 * an entry written by either path serves both.
 */
static bool walk_cached(PsSim *s, PsPcpPrefill *pf, const char *digest)
{
	g_autofree char *entry = NULL;
	const void *words = NULL;
	uint64_t n = 0;
	GMappedFile *map =
	    ps_derived_cache_lookup(s->opts.trace_cache_dir, PS_DERIVED_WALK, digest,
				    ps_snapshot_prefill_walk_key(pf), &entry, &words, &n);
	bool ok;

	if (!map)
		return false;
	ok = ps_snapshot_prefill_walks_load(pf, words, n);
	if (!ok)
		fprintf(stderr,
			"pagesim: cache %s: does not fit this machine's walks; walking the "
			"trace again\n",
			entry);
	g_mapped_file_unref(map);
	return ok;
}

/* Keeps the walk just made in the cache (when there is one). */
static void walk_keep(PsSim *s, const PsPcpPrefill *pf, const char *digest)
{
	uint64_t key = ps_snapshot_prefill_walk_key(pf);
	g_autofree char *entry = NULL;
	g_autoptr(GArray) words = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	const void *items = NULL;
	uint64_t n = 0;
	GMappedFile *map = ps_derived_cache_lookup(s->opts.trace_cache_dir, PS_DERIVED_WALK, digest,
						   key, &entry, &items, &n);

	if (map) { /* already kept (a cold run of another snapshot with the same walks) */
		g_mapped_file_unref(map);
		return;
	}
	if (!entry)
		return;
	ps_snapshot_prefill_walks_save(pf, words);
	ps_derived_cache_write(entry, PS_DERIVED_WALK, digest, key, words->data, words->len);
}

static void prefill_rewind(PsSim *s, PsPcpPrefill *pf)
{
	const char *digest = ps_trace_reader_digest(s->reader);
	uint64_t key = ps_snapshot_prefill_machine_key(s->m);
	g_autofree char *entry = NULL;
	const void *cands = NULL;
	uint64_t n = 0;
	GMappedFile *map = ps_derived_cache_lookup(s->opts.trace_cache_dir, PS_DERIVED_PCP, digest,
						   key, &entry, &cands, &n);
	PsTraceReaderMark mark;
	const PsTraceEvent *ev;

	if (map) {
		ps_snapshot_prefill_apply(pf, cands, n);
		g_mapped_file_unref(map);
		if (!walk_cached(s, pf, digest)) {
			ps_trace_reader_mark(s->reader, &mark);
			while (ps_snapshot_prefill_walking(pf) &&
			       ps_trace_reader_next_ref(s->reader, &ev, NULL) == 1)
				ps_snapshot_prefill_walk(pf, ev);
			ps_trace_reader_rewind(s->reader, &mark);
			walk_keep(s, pf, digest);
		} else if (ps_snapshot_prefill_naming(pf)) {
			ps_trace_reader_mark(s->reader, &mark);
			while (ps_snapshot_prefill_naming(pf) &&
			       ps_trace_reader_next_ref(s->reader, &ev, NULL) == 1)
				ps_snapshot_prefill_name(pf, ev);
			ps_trace_reader_rewind(s->reader, &mark);
		}
		ps_snapshot_prefill_end(pf);
		return;
	}
	if (entry)
		ps_snapshot_prefill_collect(pf);
	ps_trace_reader_mark(s->reader, &mark);
	while (ps_snapshot_prefill_wants(pf) && ps_trace_reader_next_ref(s->reader, &ev, NULL) == 1)
		ps_snapshot_prefill_feed(pf, ev);
	ps_trace_reader_rewind(s->reader, &mark);
	if (entry) {
		const GArray *kept = ps_snapshot_prefill_candidates(pf);

		ps_derived_cache_write(entry, PS_DERIVED_PCP, digest, key, kept->data, kept->len);
		walk_keep(s, pf, digest);
	}
	ps_snapshot_prefill_end(pf);
}

static void lookahead_prefill(PsSim *s)
{
	PsPcpPrefill *pf = ps_snapshot_prefill_begin(s->snap, s->m);
	SimLookahead *la;

	if (!pf)
		return;
	ps_snapshot_prefill_header(pf, &s->hdr);
	if (ps_trace_reader_cached(s->reader)) {
		prefill_rewind(s, pf);
		return;
	}
	la = s->lookahead = g_new0(SimLookahead, 1);
	la->chunks = g_ptr_array_new_with_free_func(g_free);
	la->rc = 1;
	while (ps_snapshot_prefill_wants(pf)) {
		PsTraceEvent *ev;

		if (la->len % LOOKAHEAD_CHUNK == 0)
			g_ptr_array_add(la->chunks, g_new(PsTraceEvent, LOOKAHEAD_CHUNK));
		ev = (PsTraceEvent *)la->chunks->pdata[la->len / LOOKAHEAD_CHUNK] +
		     la->len % LOOKAHEAD_CHUNK;
		la->rc = ps_trace_reader_next(s->reader, ev, &la->error);
		if (la->rc != 1)
			break;
		la->len++;
		ps_snapshot_prefill_feed(pf, ev);
	}
	ps_snapshot_prefill_end(pf);
}

/* next_record while a look-ahead is held: its records, then the reader's. */
static G_GNUC_NO_INLINE int next_lookahead(PsSim *s, const PsTraceEvent **ev, GError **error)
{
	SimLookahead *la = s->lookahead;
	int rc;

	if (la->next < la->len) {
		guint c = (guint)(la->next / LOOKAHEAD_CHUNK);

		/* the chunk before holds only records handed out and done with */
		if (c > 0 && la->next % LOOKAHEAD_CHUNK == 0)
			g_clear_pointer(&la->chunks->pdata[c - 1], g_free);
		*ev = (const PsTraceEvent *)la->chunks->pdata[c] + la->next % LOOKAHEAD_CHUNK;
		la->next++;
		return 1;
	}
	rc = la->rc;
	if (rc < 0)
		g_propagate_error(error, g_steal_pointer(&la->error));
	g_clear_pointer(&s->lookahead, lookahead_free);
	return rc == 1 ? ps_trace_reader_next_ref(s->reader, ev, error) : rc;
}

/*
 * The next record of the trace: ps_trace_reader_next_ref (from a cache entry, its decoder's
 * ps_cache_in_next without the reader's frame), the look-ahead's records first. *ev
 * stays valid until the next call (the record before it is done with by then: take_ahead has
 * run it or copied it into a slot), so no record is copied on its way to exec_event. Inline,
 * the look-ahead out of line: a frame of its own cost ~20 instructions a record.
 */
static inline int next_record(PsSim *s, const PsTraceEvent **ev, GError **error)
{
	if (G_LIKELY(!s->lookahead))
		return G_LIKELY(s->cin) ? ps_cache_in_next(s->cin, ev, error)
					: ps_trace_reader_next_ref(s->reader, ev, error);
	return next_lookahead(s, ev, error);
}

static int fold_cpu(PsSim *s, int cpu)
{
	if (cpu < 0)
		return 0;
	if (cpu >= s->m->nr_cpus) {
		s->anomalies[PS_ANOM_CPU_OUT_OF_RANGE]++;
		return cpu % s->m->nr_cpus;
	}
	return cpu;
}

gboolean sim_fail(PsSim *s, const PsTraceEvent *ev, const char *field, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	g_autofree char *where =
	    ev && ev->line ? g_strdup_printf("%s:%" G_GUINT64_FORMAT, s->trace_path, ev->line)
			   : g_strdup(s->trace_path);

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (!s->error)
		g_set_error(&s->error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s: %s: %s", where,
			    field, msg);
	return FALSE;
}

static void op_sysctl(PsSim *s, const PsTraceEvent *ev)
{
	PsSysctl *sc = &s->m->sysctl;
	const char *n = ev->name;
	int64_t v = ev->value;
	const PsSysctlRange *r = ps_sysctl_range(n);
	cJSON *f = cJSON_CreateObject();

	s->sysctl_writes++;
	cJSON_AddStringToObject(f, "name", n);
	cJSON_AddNumberToObject(f, "value", (double)v);
	if (!r) {
		s->anomalies[PS_ANOM_SYSCTL_UNKNOWN]++;
		cJSON_AddBoolToObject(f, "known", FALSE);
	} else if (!ps_sysctl_accepts(r, v)) {
		/* -EINVAL: the write has no effect */
		s->anomalies[PS_ANOM_SYSCTL_REFUSED]++;
		cJSON_AddBoolToObject(f, "refused", TRUE);
		ps_event_log_write(s->evlog, ps_engine_now(s->e), "sysctl", f);
		return;
	} else if (!strcmp(n, "min_free_kbytes")) {
		sc->min_free_kbytes = sc->user_min_free_kbytes = v;
	} else if (!strcmp(n, "watermark_scale_factor")) {
		sc->watermark_scale_factor = (int)v;
	} else if (!strcmp(n, "watermark_boost_factor")) {
		sc->watermark_boost_factor = (int)v;
	} else if (!strcmp(n, "percpu_pagelist_high_fraction")) {
		sc->percpu_pagelist_high_fraction = (int)v;
	} else if (!strcmp(n, "extfrag_threshold")) {
		sc->extfrag_threshold = (int)v;
	} else if (!strcmp(n, "compaction_proactiveness")) {
		sc->compaction_proactiveness = (int)v;
	} else if (!strcmp(n, "swappiness")) {
		sc->swappiness = (int)v;
	} else if (!strcmp(n, "zone_reclaim_mode")) {
		/* the kernel keeps the value; only RECLAIM_ZONE|WRITE|UNMAP mean anything */
		sc->zone_reclaim_mode = (int)(v & 7);
	} else if (!strcmp(n, "defrag_mode")) {
		sc->defrag_mode = (int)v;
	}
	/* The sysctl handlers recompute watermarks, reserves and pcp limits. */
	ps_init_per_zone_tunables(s->m);
	ps_event_log_write(s->evlog, ps_engine_now(s->e), "sysctl", f);
}

/* The event log's zone_grow line (pinned replay writes no event log). */
static void zone_grow_log(PsSim *s, cJSON *f)
{
	if (s->evlog)
		ps_event_log_write(s->evlog, ps_engine_now(s->e), "zone_grow", f);
	else
		cJSON_Delete(f);
}

/*
 * zone_grow: pages came online in a zone. What online_pages() (mm/memory_hotplug.c, 6.18) does
 * to the allocator, in its order: the range joins the zone as reserved pages (memmap_init_range,
 * pageblocks isolated), online_pages_range() frees it in MAX_PAGE_ORDER chunks through
 * generic_online_page() -> __free_pages_core() (managed grows, pgfree counted; onto the
 * isolated free list), adjust_present_page_count(), undo_isolate_page_range() (every
 * pageblock MIGRATE_MOVABLE, the free pages at the tail of the movable lists); shuffle_zone()
 * (no-op without page shuffling, which pagesim does not model), then init_per_zone_wmark_min():
 * min_free_kbytes recalculated, setup_per_zone_wmarks() (which resets watermark_boost and
 * updates every zone's pcp batch and high), setup_per_zone_lowmem_reserve(), totalreserve;
 * kswapd_run()/kcompactd_run() start threads the model always has. ps_zone_grow does the first
 * part, ps_init_per_zone_tunables the second. Simplification: a user-set min_free_kbytes (every
 * config from /proc sets one) stays as it is, where calculate_min_free_kbytes() takes the new
 * square-root value when it is larger and khugepaged_min_free_kbytes_update() THP's
 * recommendation when that is larger; on the machines recorded the value is the recommendation,
 * which depends on managed only through its cap at 5 % of the lowmem pages.
 * The recorded pfns are used when the model holds them as reserved (a run from a snapshot taken
 * while they were offline). Otherwise a policy replay grows the zone at its highest reserved
 * pfns (at boot the model's reserved pages are the start of each zone, so those next to its
 * managed ones), counted as moved; pinned replay, which follows recorded pfns, refuses it. A
 * growth the model has no reserved room for, or into a zone with no managed page, is refused
 * and counted.
 */
void sim_zone_grow(PsSim *s, const PsTraceEvent *ev, bool exact)
{
	PsMachine *m = s->m;
	PsZone *z;
	enum ps_zone_grow_result r = PS_ZONE_GROW_OUTSIDE_SPAN;
	ps_pfn_t pfn = 0;
	bool moved = false;
	cJSON *f;

	if (ev->node < 0 || ev->node >= m->nr_nodes) {
		s->anomalies[PS_ANOM_NODE_OUT_OF_RANGE]++;
		s->zone_grow_refused++;
		return;
	}
	z = ps_machine_zone(m, ev->node, (enum ps_zone_type)ev->value);
	if (ev->has_pfn && ev->pfn <= PS_PFN_NONE && ev->len <= PS_PFN_NONE - ev->pfn)
		r = ps_zone_grow(m, z, (ps_pfn_t)ev->pfn, ev->len);
	if (r != PS_ZONE_GROW_OK && r != PS_ZONE_GROW_EMPTY_ZONE && !exact &&
	    ps_zone_reserved_top(m, z, ev->len, &pfn)) {
		r = ps_zone_grow(m, z, pfn, ev->len);
		moved = r == PS_ZONE_GROW_OK;
	} else if (r == PS_ZONE_GROW_OK) {
		pfn = (ps_pfn_t)ev->pfn;
	}
	f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "node", ev->node);
	cJSON_AddStringToObject(f, "zone", ps_zone_names[z->type]);
	cJSON_AddNumberToObject(f, "pages", (double)ev->len);
	if (r != PS_ZONE_GROW_OK) {
		s->zone_grow_refused++;
		cJSON_AddBoolToObject(f, "refused", TRUE);
		zone_grow_log(s, f);
		return;
	}
	s->zone_grows++;
	s->zone_grow_pages += ev->len;
	s->zone_grow_moved += moved ? ev->len : 0;
	ps_init_per_zone_tunables(m);
	cJSON_AddNumberToObject(f, "pfn", pfn);
	cJSON_AddNumberToObject(f, "managed", (double)z->managed);
	zone_grow_log(s, f);
}

/* ---- engine handlers ---------------------------------------------------------------------- */

static const char *const placement_names[] = {
    [PS_PLACEMENT_RECORDED] = "recorded",
    [PS_PLACEMENT_STICKY] = "sticky",
};

gboolean ps_placement_parse(const char *name, enum ps_placement *out)
{
	for (size_t i = 0; i < G_N_ELEMENTS(placement_names); i++)
		if (!g_strcmp0(name, placement_names[i])) {
			*out = (enum ps_placement)i;
			return TRUE;
		}
	return FALSE;
}

const char *ps_placement_name(enum ps_placement p)
{
	return (size_t)p < G_N_ELEMENTS(placement_names) ? placement_names[p] : "?";
}

/* A kernel thread's name (the `proc` record's comm): its records keep their recorded cpus. */
static bool kthread_comm(const char *comm)
{
	static const char *const prefixes[] = {"kswapd",     "kcompactd",  "khugepaged", "kworker/",
					       "ksoftirqd/", "migration/", "cpuhp/",	 "swapper"};

	for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++)
		if (g_str_has_prefix(comm, prefixes[i]))
			return true;
	return false;
}

/*
 * The cpu of a child forked on parent_cpu (see the header: sched_balance_find_dst_group with
 * every task NICE_0): the fewest live tasks, the parent's cpu on a tie, else the lowest.
 */
static int sticky_fork_cpu(const PsSim *s, int parent_cpu)
{
	int best = parent_cpu;

	for (int c = 0; c < s->m->nr_cpus; c++)
		if (s->sticky_live[c] < s->sticky_live[best])
			best = c;
	return best;
}

/* A task placed on cpu c (c + 1 in task_cpu; 0, a kernel thread, is not counted). */
static void sticky_place(PsSim *s, gpointer key, int c1)
{
	gpointer v;

	if (g_hash_table_lookup_extended(s->task_cpu, key, NULL, &v) && GPOINTER_TO_INT(v))
		s->sticky_live[GPOINTER_TO_INT(v) - 1]--;
	g_hash_table_replace(s->task_cpu, key, GINT_TO_POINTER(c1));
	if (c1)
		s->sticky_live[c1 - 1]++;
}

/*
 * --placement=sticky (see the header): the cpu of a task's record, the one a fork placed it on
 * (sticky_fork_cpu) or else the one its first record ran on (cpu, as the recorded placement
 * chose it); an exit forgets the task, so a reused pid is placed anew. At most one table lookup a
 * record: the last task looked up is kept beside it (runs of one task's records are the rule:
 * churn-portable 154.6 M -> 137.5 M instructions on the 64K lab machine, the recorded placement
 * 134.3 M).
 */
static int sticky_cpu(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	gpointer key = GINT_TO_POINTER(ev->pid), v;
	int c;

	if (ev->op == PS_OP_PROC) {
		if (kthread_comm(ev->comm)) {
			sticky_place(s, key, 0);
			if (s->sticky_pid == ev->pid)
				s->sticky_pid = 0;
		} else if (sim_proc_forker(ev) && !g_hash_table_contains(s->task_cpu, key) &&
			   g_hash_table_lookup_extended(
			       s->task_cpu, GINT_TO_POINTER(sim_proc_forker(ev)), NULL, &v) &&
			   GPOINTER_TO_INT(v)) {
			/* a fork, vfork or thread: the child's cpu by the load (sticky_fork_cpu) */
			sticky_place(s, key, sticky_fork_cpu(s, GPOINTER_TO_INT(v) - 1) + 1);
		}
		return cpu;
	}
	if (cpu < 0 || ev->pid <= 0 || ev->irq != PS_IRQ_NONE || ev->op == PS_OP_OBSERVED)
		return cpu;
	if (ev->pid == s->sticky_pid && ev->op != PS_OP_EXIT)
		return s->sticky_cpu;
	if (!g_hash_table_lookup_extended(s->task_cpu, key, NULL, &v)) {
		if (ev->op == PS_OP_EXIT)
			return cpu;
		sticky_place(s, key, cpu + 1);
		v = GINT_TO_POINTER(cpu + 1);
	}
	c = GPOINTER_TO_INT(v);
	if (!c) /* a kernel thread's record: its own cpu */
		return cpu;
	if (ev->op == PS_OP_EXIT) {
		s->sticky_live[c - 1]--;
		g_hash_table_remove(s->task_cpu, key);
		if (s->sticky_pid == ev->pid)
			s->sticky_pid = 0;
	} else {
		s->sticky_pid = ev->pid;
		s->sticky_cpu = c - 1;
	}
	return c - 1;
}

static int recorded_cpu(PsSim *s, const PsTraceEvent *ev)
{
	switch (ev->op) {
	case PS_OP_ALLOC:
		return fold_cpu(s, ev->cpu);
	case PS_OP_FREE:
		if (ev->cpu >= 0)
			return fold_cpu(s, ev->cpu);
		{
			uint32_t v = sim_id_lookup(s, ev->id);

			return v ? rec_at(s, v - 1)->cpu : 0;
		}
	case PS_OP_TOUCH:
	case PS_OP_UNMAP:
	case PS_OP_MAP:
	case PS_OP_EXIT:
		/*
		 * The recorded cpu (the fault's, the syscall's; an exit's is sched_process_exit's,
		 * which do_exit fires just before exit_mm, kernel/exit.c, so exit_mmap's frees
		 * reach that cpu's pcp lists); without one, the task's maps,
		 * touches and exit share the queue of cpu pid % cpus (sim_op_exit frees on it
		 * too), so that the exit never overtakes its own touches queued behind a busy cpu.
		 */
		if (ev->cpu >= 0)
			return fold_cpu(s, ev->cpu);
		return ev->pid >= 0 ? ev->pid % s->m->nr_cpus : 0;
	case PS_OP_CACHE_ADD:
	case PS_OP_CACHE_REMOVE:
		/*
		 * A task's record in the queue of its recorded cpu when it has one (as its
		 * touches); a task's without: in its pid's queue, beside its cpu-less exit.
		 */
		if (ev->cpu >= 0)
			return fold_cpu(s, ev->cpu);
		return ev->pid >= 0 ? ev->pid % s->m->nr_cpus : 0;
	case PS_OP_OBSERVED:
		/* a direct reclaim's begin and end in its cpu's order, for the frees between them
		 */
		if (ev->cpu >= 0 && (ev->event == PS_OBS_DIRECT_RECLAIM_BEGIN ||
				     ev->event == PS_OBS_DIRECT_RECLAIM_END))
			return fold_cpu(s, ev->cpu);
		return -1;
	default:
		return -1;
	}
}

/* The cpu whose queue a record waits in, -1 for none (exec_event runs it at once). */
static inline int event_cpu(PsSim *s, const PsTraceEvent *ev)
{
	int cpu = recorded_cpu(s, ev);

	return G_UNLIKELY(s->task_cpu) ? sticky_cpu(s, ev, cpu) : cpu;
}

/* The ops whose records carry no text: nothing reads a slot's texts when it holds one. */
#define SLOT_NO_TEXT_OPS                                                                           \
	((1u << PS_OP_ALLOC) | (1u << PS_OP_FREE) | (1u << PS_OP_EXIT) | (1u << PS_OP_MAP) |       \
	 (1u << PS_OP_TOUCH) | (1u << PS_OP_UNMAP))

/*
 * A record into a free slot (a new one when none is free). A record without text is copied
 * without the texts (PS_TRACE_EV_SEG*: 156 of 376 bytes); the slot keeps an earlier record's,
 * which its ops never read. The whole-struct copy was a rep movsq of 47 words, ~1.2 % of a
 * build-portable replay's time in perf and more on churn-portable, where 45 % of the records
 * wait for their cpu.
 */
static uint32_t slot_put(PsSim *s, const PsTraceEvent *ev)
{
	unsigned char *d;
	const unsigned char *e = (const unsigned char *)ev;
	uint32_t i;

	if (!s->nr_free_slots) {
		g_array_append_val(s->slots, *ev);
		return s->slots->len - 1;
	}
	i = s->free_slots[--s->nr_free_slots];
	d = (unsigned char *)&g_array_index(s->slots, PsTraceEvent, i);
	if ((unsigned)ev->op < 32 && (SLOT_NO_TEXT_OPS >> ev->op & 1)) {
		memcpy(d, e, PS_TRACE_EV_SEG1_END);
		memcpy(d + PS_TRACE_EV_SEG2, e + PS_TRACE_EV_SEG2,
		       PS_TRACE_EV_SEG2_END - PS_TRACE_EV_SEG2);
		memcpy(d + PS_TRACE_EV_SEG3, e + PS_TRACE_EV_SEG3,
		       PS_TRACE_EV_SEG3_END - PS_TRACE_EV_SEG3);
		memcpy(d + PS_TRACE_EV_SEG4, e + PS_TRACE_EV_SEG4,
		       sizeof(PsTraceEvent) - PS_TRACE_EV_SEG4);
	} else {
		memcpy(d, e, sizeof(PsTraceEvent));
	}
	return i;
}

G_ALWAYS_INLINE static inline bool exec_event(PsSim *s, const PsTraceEvent *ev, int cpu);
static inline void note_interrupt(PsSim *s);
static inline void exec_observed(PsSim *s, const PsTraceEvent *ev);
G_ALWAYS_INLINE static inline void exec_done(PsSim *s, const PsTraceEvent *ev, ps_time_t now,
					     int cpu, uint64_t ns);
G_ALWAYS_INLINE static inline uint64_t policy_exec_inline(PsSim *s, const PsTraceEvent *ev,
							  int cpu);

/*
 * Records wait for their CPU in a per-cpu FIFO; only the head has an engine event, so a long
 * queue behind a stalled CPU costs O(1) per record, not a reschedule of everything behind it.
 */
#define EXEC_NOCPU UINT32_MAX

static void cq_grow(CpuQueue *q)
{
	uint32_t cap = q->cap ? q->cap * 2 : 64;
	uint32_t *buf = g_new(uint32_t, cap);

	for (uint32_t i = 0; i < q->len; i++)
		buf[i] = q->buf[(q->head + i) % q->cap];
	g_free(q->buf);
	q->buf = buf;
	q->cap = cap;
	q->head = 0;
}

static void cq_push_back(CpuQueue *q, uint32_t slot)
{
	if (q->len == q->cap)
		cq_grow(q);
	q->buf[(q->head + q->len++) % q->cap] = slot;
}

static void cq_push_front(CpuQueue *q, uint32_t slot)
{
	if (q->len == q->cap)
		cq_grow(q);
	q->head = (q->head + q->cap - 1) % q->cap;
	q->buf[q->head] = slot;
	q->len++;
}

static uint32_t cq_pop_front(CpuQueue *q)
{
	uint32_t slot = q->buf[q->head];

	q->head = (q->head + 1) % q->cap;
	q->len--;
	return slot;
}

/*
 * The held exec event (hold_kick) into the queue, with the sequence number it was given when it
 * was held: its place among ties is the one cpu_kick would have given it then.
 */
static void held_flush(PsSim *s)
{
	if (!s->held_cpu)
		return;
	ps_engine_schedule_seq(s->e, s->held_at, s->held_seq, s->ev_exec, s->held_cpu - 1, 0);
	s->held_cpu = 0;
}

/*
 * cpu_kick for the read loop: the exec event is held out of the queue (one at a time, an
 * earlier one queued first). The loop runs it itself when it is the next event due
 * (read_after_execs), ~190 instructions of heap push and pop saved a record that waits for its
 * cpu (nearly every other record of churn-portable); every handler queues what it still holds
 * before it returns to the engine (held_flush), so the engine sees the same events in the same
 * order.
 */
static void hold_kick(PsSim *s, int cpu)
{
	CpuQueue *q = &s->cpuq[cpu];
	const PsTraceEvent *head = &g_array_index(s->slots, PsTraceEvent, q->buf[q->head]);

	held_flush(s);
	s->held_at = MAX(MAX(head->t_ns, s->busy_until[cpu]), ps_engine_now(s->e));
	s->held_seq = ps_engine_reserve_seq(s->e);
	s->held_cpu = (uint32_t)cpu + 1;
}

/* The time of the next event, the held exec event's included. */
static inline ps_time_t next_time(const PsSim *s)
{
	ps_time_t t = ps_engine_next_time(s->e);

	return s->held_cpu ? MIN(t, s->held_at) : t;
}

/*
 * A record in a slot that must run again later (an allocation waiting for an OOM victim). On a
 * cpu it stays first in the queue, its task's later records behind it, and its retry is due
 * when the reaper has given the victim's memory back (s->retry_at) unless oom_wait_bypass
 * brings it forward.
 */
static void requeue_slot(PsSim *s, uint32_t slot, int cpu)
{
	OomWait *w;

	if (cpu < 0) {
		ps_engine_schedule(s->e, s->retry_at, s->ev_exec, EXEC_NOCPU, slot);
		return;
	}
	w = &s->oom_wait[cpu];
	s->busy_until[cpu] = MAX(s->busy_until[cpu], s->retry_at);
	cq_push_front(&s->cpuq[cpu], slot);
	if (!w->on)
		s->oom_waits_on++;
	w->on = true;
	w->pid = g_array_index(s->slots, PsTraceEvent, slot).pid;
	w->next_try = ps_engine_now(s->e) + s->retry_cost_ns;
	w->stall_to = s->retry_at;
	w->nodemask = s->retry_nodemask;
	w->highest_zoneidx = s->retry_highest_zoneidx;
	w->wake_at = MAX(s->busy_until[cpu], ps_engine_now(s->e));
	ps_engine_schedule(s->e, w->wake_at, s->ev_exec, (uint32_t)cpu, ++w->gen);
}

/*
 * NR_FREE_PAGES of the zones the waiting allocation may take pages from (its zonelist: the nodes
 * of its nodemask, the zone types up to its highest_zoneidx): what a free raised there, for
 * oom_wait_bypass. A free elsewhere (a bound task's victim freeing on another node) cannot let
 * the retry succeed, so it does not bring the retry forward.
 */
static int64_t free_pages_usable(const PsMachine *m, const OomWait *w)
{
	int64_t n = 0;

	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];

		if ((w->nodemask && !(w->nodemask & (1ull << z->node))) ||
		    z->type > w->highest_zoneidx)
			continue;
		n += z->vm_stat[PS_NR_FREE_PAGES];
	}
	return n;
}

/*
 * The victim's exit on the waiting allocation's cpu. A task whose allocation waits for an OOM
 * victim loops in __alloc_pages_slowpath (__alloc_pages_may_oom: out_of_memory finds the victim and
 * aborts, reporting progress; direct reclaim again) and lets the scheduler run other tasks on its
 * cpu; the victim, woken by its SIGKILL, runs do_exit -> exit_mm -> exit_mmap there and frees its
 * memory through that cpu's pcp lists, long before the oom_reaper's OOM_REAPER_DELAY (Linux 6.14
 * mm/oom_kill.c, AOSC-Tracking/ubuntu-kernel-next-linux; kernel-facts §9). The recording holds
 * those frees, pid-less, at the times the victim made them. So a free for a cpu with a waiting
 * allocation runs at its time instead of queueing behind the waiting task's records when what it
 * frees is allocated already (a free of a page whose allocation is still queued waits for it) and
 * is not the waiting task's: a free record names no task, so the freed allocation's owner (its
 * Rec.proc) decides. The waiting task frees nothing until its allocation returns
 * (__alloc_pages_slowpath loops in it), so its own frees keep their place behind it.
 * Simplification: Rec.proc is the process, so a free of its memory by another thread of it waits
 * too (the model keeps no owning thread). When it raised the free count of a zone the waiting
 * allocation may use (a drain, or a free to the buddy: pages on a pcp list do not count for the
 * watermark check) it brings the retry forward to when it is done, not before the last attempt's
 * end; the retries the kernel's task makes in between fail, and the victim runs through them (zrm1:
 * 83 direct reclaims before the victim's first free, none after); the reaper (host.c on_reap) takes
 * only what the frees left. Only frees: another task's allocations keep their place in the queue (a
 * task's records stay in order). When the model chose another victim than the kernel, the kernel's
 * victim's exit frees still come from the recording (that task is not killed here and frees what it
 * freed), the model's victim's memory comes back at its reap, and the waiting task retries after
 * the frees on its cpu all the same. zrm1 (lab-numa-policies): the kernel's child took the victim's
 * pages off cpu 0's pcp list between the victim's slices of frees (1 refill after the kill); before
 * this rule (288645f) the model's child waited 2 s for the reaper and refilled 39 times.
 */
static bool oom_wait_bypass(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	OomWait *w = &s->oom_wait[cpu];
	ps_time_t busy = s->busy_until[cpu], at;
	int64_t before;
	uint32_t v;
	int wp;

	/* only a free of an allocation that has run: one still queued must come first */
	if (!w->on || ev->op != PS_OP_FREE || !(v = sim_id_lookup(s, ev->id)))
		return false;
	/* a free record names no task: the freed allocation's owner says whose memory it is */
	wp = sim_proc_find(s, w->pid);
	if (wp >= 0 && rec_at(s, v - 1)->proc == wp)
		return false;
	before = free_pages_usable(s->m, w);
	if (!exec_event(s, ev, cpu)) /* a free never waits */
		g_assert_not_reached();
	at = MAX(s->busy_until[cpu], w->next_try);
	s->busy_until[cpu] = busy;
	if (free_pages_usable(s->m, w) > before && at < w->wake_at) {
		/* the attempt counted its wait up to stall_to: take back what is not waited */
		uint64_t early = w->stall_to > at ? w->stall_to - at : 0;

		s->totals.stall_ns -= early;
		s->oom_wait_ns[cpu] -= MIN(early, s->oom_wait_ns[cpu]);
		w->stall_to = MIN(w->stall_to, at);
		w->wake_at = at;
		s->busy_until[cpu] = at;
		ps_engine_schedule(s->e, at, s->ev_exec, (uint32_t)cpu, ++w->gen);
	}
	return true;
}

/* A record that must run again later (an allocation waiting for an OOM victim's memory). */
static void requeue(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	requeue_slot(s, slot_put(s, ev), cpu);
}

/*
 * Whether an interrupt's free finds its cpu's pcp lock taken (Linux 6.18 mm/page_alloc.c; the
 * rule pinned.c's note_context follows for the same records): the task holds the lock while it
 * drains (free_frozen_page_commit -> free_pcppages_bulk: mm_page_pcpu_drain) and refills
 * (rmqueue_bulk: zone_locked with percpu_refill=1), and through free_unref_folios' whole loop
 * of commits (the importer marks an interrupt's free there itself: pcp_locked in the record,
 * kept as read); an interrupt that arrives meanwhile runs with the lock still held, and its
 * softirqs (RCU callbacks freeing pages) on its exit. __free_frozen_pages then frees through
 * free_one_page: the page goes to the buddy, not to the pcp list, and the pcp count and
 * free_count do not move. So an interrupt-context free whose cpu's last task-context record is
 * a drain or a refill is marked (pcp_locked) and ps_free_pages frees it to the buddy. An
 * interrupt that records a drain or a refill of its own, or a record of another pid than the
 * holder's (a softirq run by ksoftirqd or the idle task), shows the lock free for the rest of
 * it. On lab-churn-migrate/4k cpu 1 at 2.711 s, 22 softirq frees came between a drain of the
 * task's folio batch and its next commits: with them on the pcp list the model's count stood 22
 * above the kernel's and its next drain came 22 frees early. Simplification: pinned.c also
 * takes an interrupt's earlier frees back to the pcp when a later record of it shows the lock
 * free; here they stay in the buddy (the model has moved on by then).
 */
G_ALWAYS_INLINE static inline const PsTraceEvent *note_pcp_lock(PsSim *s, const PsTraceEvent *ev,
								PsTraceEvent *copy)
{
	SimPcpLock *l;
	bool takes;

	if (ev->cpu < 0 || ev->cpu >= s->m->nr_cpus)
		return ev;
	l = &s->pcp_lock[ev->cpu];
	takes = sim_pcp_lock_takes(ev);
	if (ev->irq == PS_IRQ_NONE) {
		sim_pcp_lock_task(l, ev, takes);
		return ev;
	}
	if (!l->locked)
		return ev;
	if (ev->op == PS_OP_FREE) {
		*copy = *ev;
		copy->pcp_locked = 1;
		return copy;
	}
	if (sim_pcp_lock_shown_free(l, ev, takes))
		l->locked = false;
	return ev;
}

/*
 * Runs or queues the record in s->ahead, which is due now. Inline in on_read, its one caller
 * (~16 instructions a record as a call).
 */
G_ALWAYS_INLINE static inline void take_ahead(PsSim *s)
{
	PsTraceEvent copy;
	const PsTraceEvent *ev = note_pcp_lock(s, s->ahead, &copy);
	int cpu = event_cpu(s, ev);

	if (s->fid)
		ps_fidelity_note(s->fid, ev);
	/*
	 * An order is that many pages of the recorded page size, except order 0 in a generated
	 * trace: the generators give it only to what is one page at any page size (pipe
	 * buffers), as the kernel allocates them; page tables are the simulator's.
	 */
	if (!s->page_size_bound && ev->op != PS_OP_OBSERVED &&
	    (ev->order > 0 || (ev->order == 0 && !s->generated)))
		s->page_size_bound = true;
	s->pending++;
	if (cpu < 0) {
		if (!exec_event(s, ev, cpu))
			requeue(s, ev, cpu);
	} else if (!s->cpuq[cpu].len && s->busy_until[cpu] <= ps_engine_now(s->e)) {
		/* The common case: nothing in the way, run it now without a second event. */
		if (!exec_event(s, ev, cpu))
			requeue(s, ev, cpu);
	} else if (G_UNLIKELY(s->oom_waits_on) && oom_wait_bypass(s, ev, cpu)) {
		/* ran past an allocation waiting for an OOM victim */
	} else {
		/* Behind earlier work of its CPU: wait in order for the CPU to be free. */
		bool idle = !s->cpuq[cpu].len;

		cq_push_back(&s->cpuq[cpu], slot_put(s, ev));
		if (idle)
			hold_kick(s, cpu);
	}
}

static void ticks_resume(PsSim *s);
static void on_exec(PsEngine *e, const PsEvent *pev, void *data);

/*
 * Whether take_observed_run may run ev: an observed record (a kernel tracepoint the policy
 * replay only counts) that waits in no cpu's queue (recorded_cpu: all but a direct reclaim's
 * begin and end with a cpu), in a replay without task placement (sticky_cpu), while no task was
 * killed (exec_event's skip of a victim's records): s->obs_plain.
 */
static inline bool observed_plain(const PsSim *s, const PsTraceEvent *ev)
{
	G_STATIC_ASSERT(PS_OBS_DIRECT_RECLAIM_END == PS_OBS_DIRECT_RECLAIM_BEGIN + 1);
	return ev->op == PS_OP_OBSERVED && s->obs_plain &&
	       (ev->cpu < 0 || (unsigned)ev->event - PS_OBS_DIRECT_RECLAIM_BEGIN > 1u);
}

/*
 * take_ahead for s->ahead, an observed_plain record due now, and for the records after it while
 * they are observed_plain and due before anything else on the queue, the clock moved forward to
 * each (on_read's loop, for a run of them): what take_ahead and exec_event do for such a record
 * in their order, without the tests that cannot hold for it (its cpu's queue, the page size,
 * the killed tasks, policy_exec). Nothing it runs queues an event or holds one, so the next
 * event's time is taken once a run. Returns what next_record returned for the record after the
 * last one run (in s->ahead, the clock not moved to it: on_read's loop tests it), or 2 when a
 * record raised an error (s->error; nothing more is read, as in on_read's loop). Three quarters
 * of press-thp2's records and half of press-kswapd's are observed.
 */
static int take_observed_run(PsSim *s, ps_time_t until)
{
	PsEngine *e = s->e;
	const PsTraceEvent *ev = s->ahead;
	ps_time_t limit = next_time(s);
	int rc;

	for (;;) {
		/* an observed record is no free: note_pcp_lock never copies it */
		ev = note_pcp_lock(s, ev, NULL);
		if (s->fid)
			ps_fidelity_observed(s->fid, ev);
		note_interrupt(s);
		exec_observed(s, ev);
		exec_done(s, ev, ps_engine_now(e), -1, 0);
		if (G_UNLIKELY(s->error))
			return 2;
		rc = next_record(s, &s->ahead, &s->error);
		if (rc != 1)
			return rc;
		ev = s->ahead;
		if (!observed_plain(s, ev) || ev->t_ns >= limit || ev->t_ns > until ||
		    ev->t_ns < ps_engine_now(e))
			return 1;
		ps_engine_advance(e, ev->t_ns);
	}
}

/*
 * s->ahead is not due before the next queued event: its read event would be scheduled now. The
 * queued records of busy cpus (exec events) that would be dispatched before it run from here
 * instead, in the same order; true when nothing else comes before it, so it runs now too, false
 * when its read event had to be queued after all (with the place among ties it has now). Each
 * record that waits for a busy cpu cost two trips through the queue (its exec and the read after
 * it), ~400 instructions, on a dense recording (churn-portable) nearly every other record.
 */
static bool read_after_execs(PsSim *s)
{
	PsEngine *e = s->e;
	ps_time_t t = s->ahead->t_ns, until = s->opts.until_ns ? s->opts.until_ns : PS_TIME_NEVER;
	uint64_t seq = ps_engine_reserve_seq(e);
	PsEvent ev;

	/* on_exec runs a cpu's next record back to back only when it comes before this read */
	s->read_waiting = true;
	for (;;) {
		/*
		 * the held exec event when it is the next one and comes before the read: on_exec
		 * holds a cpu's next record due at t itself (at >= ahead's t) with a number after
		 * seq, and that one runs after the read, as the engine would order the two
		 */
		bool held = s->held_cpu &&
			    (s->held_at < t || (s->held_at == t && s->held_seq < seq)) &&
			    !ps_engine_next_before(e, s->held_at, s->held_seq);

		if (!held && !ps_engine_next_before(e, t, seq))
			break;
		if (s->error ||
		    (held ? s->held_at > until
			  : !ps_engine_take_before(e, s->ev_exec, t, seq, until, &ev))) {
			ps_engine_schedule_seq(e, t, seq, s->ev_read, 0, 0);
			s->read_waiting = false;
			return false;
		}
		if (held) {
			/* as ps_engine_take_before would have handed it out */
			ev = (PsEvent){.time = s->held_at,
				       .seq = s->held_seq,
				       .type = s->ev_exec,
				       .arg0 = s->held_cpu - 1};
			s->held_cpu = 0;
			ps_engine_advance(e, ev.time);
		}
		on_exec(e, &ev, s);
	}
	s->read_waiting = false;
	return !s->error;
}

static void on_read(PsEngine *e, const PsEvent *pev, void *data)
{
	PsSim *s = data;
	ps_time_t until = s->opts.until_ns ? s->opts.until_ns : PS_TIME_NEVER;

	if (s->ticks_paused)
		ticks_resume(s);

	/*
	 * Records due before anything else on the queue run straight from here, the clock moved
	 * forward to each: a record costs no heap operation unless something is due first.
	 */
	for (;;) {
		int rc;

		if (observed_plain(s, s->ahead)) {
			rc = take_observed_run(s, until);
			if (rc == 2)
				break;
		} else {
			take_ahead(s);
			if (s->error)
				break;
			rc = next_record(s, &s->ahead, &s->error);
		}
		s->have_ahead = rc == 1;
		if (rc != 1)
			break;
		if (s->ahead->t_ns > until || s->ahead->t_ns < ps_engine_now(e)) {
			ps_engine_schedule(e, MAX(s->ahead->t_ns, ps_engine_now(e)), s->ev_read, 0,
					   0);
			break;
		}
		if (s->ahead->t_ns >= next_time(s) && !read_after_execs(s))
			break;
		ps_engine_advance(e, s->ahead->t_ns);
	}
	held_flush(s);
	if (s->error || (!s->have_ahead && s->pending == 0))
		ps_engine_stop(e);
}

static void on_exec(PsEngine *e, const PsEvent *pev, void *data)
{
	PsSim *s = data;
	uint32_t slot;
	int cpu = pev->arg0 == EXEC_NOCPU ? -1 : (int)pev->arg0;
	ps_time_t until = s->opts.until_ns ? s->opts.until_ns : PS_TIME_NEVER;

	if (cpu < 0) {
		slot = (uint32_t)pev->arg1;
	} else {
		OomWait *w = &s->oom_wait[cpu];

		/* an OOM wait's retry that oom_wait_bypass moved forward: the earlier one ran */
		if (G_UNLIKELY(pev->arg1) && pev->arg1 != w->gen)
			return;
		/* The CPU is still busy (an OOM wait moved its clock): try again then. */
		if (s->busy_until[cpu] > ps_engine_now(e)) {
			ps_engine_schedule(e, s->busy_until[cpu], s->ev_exec, (uint32_t)cpu,
					   pev->arg1);
			return;
		}
		if (G_UNLIKELY(w->on)) {
			/* the waiting record is tried again (requeue_slot sets this again) */
			w->on = false;
			s->oom_waits_on--;
		}
		slot = cq_pop_front(&s->cpuq[cpu]);
	}
	for (;;) {
		ps_time_t at;

		/*
		 * Run in place, not copied out: nothing exec_event does puts a record into a slot
		 * (the slots cannot move under it), and a record that must wait keeps its slot.
		 */
		if (!exec_event(s, &g_array_index(s->slots, PsTraceEvent, slot), cpu)) {
			requeue_slot(s, slot, cpu);
			break;
		}
		if (s->nr_free_slots == s->free_slots_cap) {
			s->free_slots_cap = MAX(2 * s->free_slots_cap, 256u);
			s->free_slots = g_renew(uint32_t, s->free_slots, s->free_slots_cap);
		}
		s->free_slots[s->nr_free_slots++] = slot;
		if (cpu < 0 || !s->cpuq[cpu].len)
			break;
		/*
		 * The CPU's next record, when it is due before anything else on the queue, runs
		 * from here, the clock moved forward to it: the event cpu_kick would schedule is
		 * the one the engine would dispatch next (its time is the least, and ties go to
		 * the earlier scheduled), so the order of everything is the same without a heap
		 * push and pop a waiting record (as on_read does for the trace's records).
		 */
		at = MAX(
		    MAX(g_array_index(s->slots, PsTraceEvent, s->cpuq[cpu].buf[s->cpuq[cpu].head])
			    .t_ns,
			s->busy_until[cpu]),
		    ps_engine_now(e));
		/* a read event the read loop holds back (read_after_execs) has a lower seq */
		if (s->error || at >= next_time(s) || at > until ||
		    (s->read_waiting && at >= s->ahead->t_ns)) {
			hold_kick(s, cpu);
			break;
		}
		ps_engine_advance(e, at);
		slot = cq_pop_front(&s->cpuq[cpu]);
	}
	/* the read loop that called it runs or queues what it holds */
	if (!s->read_waiting)
		held_flush(s);
	if (s->error || (!s->have_ahead && s->pending == 0))
		ps_engine_stop(e);
}

/* A signal asked the run to stop: the record being run is the last one. */
static inline void note_interrupt(PsSim *s)
{
	if (s->opts.interrupted && *s->opts.interrupted && !s->error)
		g_set_error(&s->error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
			    "interrupted by a signal at %s record %" G_GUINT64_FORMAT,
			    s->trace_path, s->totals.events + 1);
}

/*
 * What the policy replay does for an observed record on no cpu's queue: nothing but follow
 * kswapd's cpu (take_ahead's or take_observed_run's fidelity count is all the rest of it).
 */
static inline void exec_observed(PsSim *s, const PsTraceEvent *ev)
{
	G_STATIC_ASSERT(PS_OBS_KSWAPD_SLEEP == PS_OBS_KSWAPD_WAKE + 1);
	if ((unsigned)ev->event - PS_OBS_KSWAPD_WAKE <= 1u && ev->cpu >= 0)
		ps_kswapd_note_cpu(s->policy, fold_cpu(s, ev->cpu));
}

/*
 * A record that ran at now, taking ns on cpu (-1 none): its delay, the run's counts, the
 * invariants under --check, the progress callback.
 */
G_ALWAYS_INLINE static inline void exec_done(PsSim *s, const PsTraceEvent *ev, ps_time_t now,
					     int cpu, uint64_t ns)
{
	uint64_t delay = now - ev->t_ns;

	if (delay) {
		s->totals.delayed_events++;
		s->totals.carried_delay_ns += delay;
		s->totals.max_delay_ns = MAX(s->totals.max_delay_ns, delay);
	}
	s->totals.events++;
	if (cpu >= 0)
		s->busy_until[cpu] = now + ns;
	s->totals.latency_ns += ns;
	if (s->opts.check && !s->error && !ps_machine_check(s->m, &s->error))
		g_prefix_error(&s->error, "invariant broken after %s:%" G_GUINT64_FORMAT ": ",
			       s->trace_path, s->totals.events);
	/* the count first: it is in a register, the callback is not (pagesim run always sets it) */
	if (G_UNLIKELY((s->totals.events & 0xffff) == 0) && s->opts.progress)
		s->opts.progress(s->opts.progress_data, s->totals.events, now);
}

/*
 * Runs one record; false when it must run again at s->retry_at (OOM reap pending). Inline in
 * its three callers: its frame (saved registers, the arguments moved) cost ~30 instructions a
 * record (ftrace-build 1283 -> 1251 a record, press-thp 675 -> 644).
 */
G_ALWAYS_INLINE static inline bool exec_event(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	ps_time_t now = ps_engine_now(s->e);
	uint64_t ns;

	note_interrupt(s);
	/* The OOM killer's victims do nothing more; a new `proc` for the pid is a new task. */
	if (G_UNLIKELY(s->any_killed) && ev->pid >= 0 && ev->op != PS_OP_PROC &&
	    g_hash_table_size(s->killed_pids) &&
	    g_hash_table_contains(s->killed_pids, GINT_TO_POINTER(ev->pid))) {
		s->totals.events_skipped_killed++;
		s->pending--;
		return true;
	}
	if (G_UNLIKELY(s->any_killed) && ev->op == PS_OP_PROC && g_hash_table_size(s->killed_pids))
		g_hash_table_remove(s->killed_pids, GINT_TO_POINTER(ev->pid));
	s->retry_at = 0;
	if (ev->op == PS_OP_OBSERVED && cpu < 0 && s->place == &sim_placement_policy) {
		/*
		 * policy_exec has nothing to do for it (take_ahead's fidelity count is all it is):
		 * no process lookup and no call, ~40 instructions of each of the quarter of a
		 * recording's records that are observed
		 */
		ns = 0;
		exec_observed(s, ev);
	} else {
		s->cur_cpu = cpu;
		s->cur_proc = ev->pid >= 0 ? sim_proc_find_exited(s, ev->pid) : -1;
		/*
		 * The policy replay's records go straight to policy_exec's switch, inline here:
		 * the call through the placement's pointer and policy_exec's frame were ~15
		 * instructions a record (build-portable); the pinned replay keeps the pointer.
		 */
		ns = s->place == &sim_placement_policy ? policy_exec_inline(s, ev, cpu)
						       : s->place->exec(s, ev, cpu);
		s->cur_cpu = -1;
		s->cur_proc = -1;
	}
	if (s->retry_at)
		return false;
	s->pending--;
	exec_done(s, ev, now, cpu, ns);
	return true;
}

/*
 * Idle gaps. A trace may leave hours or years between two records (t is any time up to
 * PS_TIME_MAX); sampling every sample_ns through such a gap writes rows that repeat one state
 * and never ends. After IDLE_SAMPLES_MAX samples in a row with no record run and none waiting,
 * the sample tick stops, and so does the pcp-decay tick once no CPU has work for it
 * (ps_pcp_decay does nothing then); both start again on their own grid (multiples of their
 * interval) when the next record is read, so a run without such a gap samples exactly as
 * before. The rows left out are counted in summary.json (totals.samples_skipped_idle) and each
 * gap is an events.jsonl "sampling_paused" / "sampling_resumed" pair.
 * The alternative, writing every idle row, costs ~28 MB/s of timeline for nothing.
 */
#define IDLE_SAMPLES_MAX 600

static bool replay_idle(PsSim *s)
{
	ps_time_t now = ps_engine_now(s->e);

	if (s->pending || s->totals.events != s->events_at_sample)
		return false;
	return !s->have_ahead || s->ahead->t_ns > now + s->cfg->sampling.sample_ns;
}

static bool decay_idle(const PsMachine *m)
{
	for (int c = 0; c < m->nr_cpus; c++)
		if (m->cpu_vmstat_dirty[c])
			return false;
	return true;
}

/* The first multiple of interval at or after t. */
static ps_time_t next_on_grid(ps_time_t t, uint64_t interval)
{
	return (t + interval - 1) / interval * interval;
}

/*
 * The pcp decay's grid: vmstat_update's runs, every stat_interval, at the phase of a run the
 * recording shows (the trace header's vmstat_update_ns: mm/vmstat.c re-arms the work with
 * round_jiffies_relative, so every cpu's runs keep one phase), else from the trace's start. The
 * first point of it at or after t. On the qemu lab's 16K recording the kernel's cpu 1 ran it
 * at 2.315 s; the grid from the start decayed cpu 1's high at 2.0 s, from a list the kernel
 * left alone until then, and its pcp sequence left the kernel's there (pages_migrated 904 where
 * the kernel migrated 480; 512 on the recording's grid).
 */
static ps_time_t decay_at_or_after(const PsSim *s, ps_time_t t)
{
	uint64_t iv = s->m->sysctl.stat_interval_ns;
	uint64_t phase = s->hdr.has_vmstat_update ? s->hdr.vmstat_update_ns % iv : 0;

	if (t <= phase)
		return phase;
	return phase + next_on_grid(t - phase, iv);
}

/* An events.jsonl line for a gap's start or end (the pinned replay writes no events). */
static void idle_event(PsSim *s, const char *type)
{
	cJSON *f;

	if (!s->evlog)
		return;
	f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "samples_skipped", (double)s->samples_skipped_idle);
	ps_event_log_write(s->evlog, ps_engine_now(s->e), type, f);
}

/* The rows between the last sample and `to` (not included) that were left out. */
void sim_count_skipped_samples(PsSim *s, ps_time_t to)
{
	if (s->ticks_paused && to > s->last_sample)
		s->samples_skipped_idle += (to - 1 - s->last_sample) / s->cfg->sampling.sample_ns;
}

static void ticks_resume(PsSim *s)
{
	ps_time_t now = ps_engine_now(s->e), at = next_on_grid(now, s->cfg->sampling.sample_ns);

	sim_count_skipped_samples(s, at);
	s->ticks_paused = false;
	s->idle_samples = 0;
	ps_kcompactd_set_idle(s->policy, false);
	idle_event(s, "sampling_resumed");
	ps_engine_schedule(s->e, at, s->ev_sample, 0, 0);
	if (s->decay_paused) {
		s->decay_paused = false;
		ps_engine_schedule(s->e, decay_at_or_after(s, now), s->ev_decay, 0, 0);
	}
}

static void on_sample(PsEngine *e, const PsEvent *pev, void *data)
{
	PsSim *s = data;

	s->idle_samples = replay_idle(s) ? s->idle_samples + 1 : 0;
	s->events_at_sample = s->totals.events;
	sim_sample(s, ps_engine_now(e));
	if (s->idle_samples >= IDLE_SAMPLES_MAX) {
		s->ticks_paused = true;
		s->idle_gaps++;
		ps_kcompactd_set_idle(s->policy, true);
		idle_event(s, "sampling_paused");
		return;
	}
	ps_engine_schedule(e, ps_engine_now(e) + s->cfg->sampling.sample_ns, s->ev_sample, 0, 0);
}

static void on_decay(PsEngine *e, const PsEvent *pev, void *data)
{
	PsSim *s = data;

	ps_pcp_decay(s->m);
	if (s->ticks_paused && decay_idle(s->m)) {
		s->decay_paused = true;
		return;
	}
	ps_engine_schedule(e, ps_engine_now(e) + s->m->sysctl.stat_interval_ns, s->ev_decay, 0, 0);
}

/* ---- the policy placement: the modelled allocator places every page -------------------- */

/* One record of the policy replay: inline in exec_event, policy_exec for the placement's table. */
G_ALWAYS_INLINE static inline uint64_t policy_exec_inline(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	uint64_t ns = 0;

	switch (ev->op) {
	case PS_OP_ALLOC:
		ns = sim_op_alloc(s, ev, cpu);
		break;
	case PS_OP_FREE:
		ns = sim_op_free(s, ev, cpu);
		break;
	case PS_OP_PROC:
		sim_op_proc(s, ev);
		break;
	case PS_OP_EXIT:
		sim_op_exit(s, ev, cpu);
		break;
	case PS_OP_MAP:
		ns = sim_op_map(s, ev);
		break;
	case PS_OP_TOUCH:
		ns = sim_op_touch(s, ev, cpu);
		break;
	case PS_OP_UNMAP:
		ns = sim_op_unmap(s, ev, cpu);
		break;
	case PS_OP_COMPACT:
		/* echo 1 > /proc/sys/vm/compact_memory: every zone, fully. */
		s->compact_requests++;
		ps_event_log_write(s->evlog, ps_engine_now(s->e), "compact_request", NULL);
		/*
		 * On the writer's cpu (the record's, as the importer writes it: the migrated
		 * folios' old pages go to its pcp lists), cpu 0 without one. The record is
		 * machine-wide, in no cpu's queue.
		 */
		ns += ps_compact_memory(s->m, cpu >= 0 ? cpu : fold_cpu(s, ev->cpu));
		break;
	case PS_OP_SYSCTL:
		op_sysctl(s, ev);
		break;
	case PS_OP_DROP_CACHES: {
		cJSON *f = cJSON_CreateObject();
		int what = ev->value >= 1 && ev->value <= 3 ? (int)ev->value : 3;

		s->drop_caches_requests++;
		cJSON_AddNumberToObject(f, "value", what);
		cJSON_AddNumberToObject(f, "freed_pages", (double)ps_drop_caches(s->policy, what));
		ps_event_log_write(s->evlog, ps_engine_now(s->e), "drop_caches", f);
		break;
	}
	case PS_OP_OBSERVED:
		/* what the kernel did: counted in trace order by on_read, never replayed here; a
		 * direct reclaim's window is kept per cpu for sim_op_free */
		if (cpu >= 0 && ev->event == PS_OBS_DIRECT_RECLAIM_BEGIN)
			s->direct_reclaim_pid[cpu] = ev->pid > 0 ? ev->pid : -1;
		else if (cpu >= 0 && ev->event == PS_OBS_DIRECT_RECLAIM_END)
			s->direct_reclaim_pid[cpu] = 0;
		break;
	case PS_OP_CACHE_ADD:
		ns = sim_op_cache_add(s, ev, cpu);
		break;
	case PS_OP_CACHE_REMOVE:
		ns = sim_op_cache_remove(s, ev, cpu);
		break;
	case PS_OP_ZONE_GROW:
		sim_zone_grow(s, ev, false);
		break;
	case PS_NR_TRACE_OPS:
		g_assert_not_reached();
	}
	return ns;
}

static uint64_t policy_exec(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	return policy_exec_inline(s, ev, cpu);
}

static gboolean policy_start(PsSim *s, GError **error)
{
	if (s->snap && !s->started) {
		lookahead_prefill(s);
		/* after the prefill: a page it puts on a pcp list at the start is not freed here */
		sim_snapshot_free_stale(s);
		/* after both: a page on a pcp list or free at the start is on no LRU list */
		sim_snapshot_lru_seed(s);
		/* each of those folios to its memcg's lruvec (none without kpagecgroup) */
		sim_memcg_seed(s);
		/* then the dirty file folios, the most recently dirtied, to their lists' heads */
		ps_lru_start_dirty_to_head(s->policy);
		/* after both: the kernel's reclaim order is within each folio's own lruvec */
		sim_snapshot_lru_order(s);
		/* the state built so far, for the next run of the same inputs (start-cache.c) */
		/* read by nothing from here on (13 MB on ftrace-press-thp-6.18), nor saved */
		ps_snapshot_drop_start_arrays(s->snap);
		sim_start_keep(s, s->start_entry, s->snap->path);
	}
	sim_start_digest(s, s->trace_path);
	return TRUE;
}

/* The run ends at the last record or at --until, whichever is later, with a sample there. */
static gboolean policy_finish(PsSim *s, GError **error)
{
	ps_time_t end = ps_engine_now(s->e);

	if (s->opts.until_ns && end < s->opts.until_ns)
		end = s->opts.until_ns;
	s->totals.end_ns = end;
	sim_count_skipped_samples(s, end);
	for (int i = 0; i < s->m->nr_zones; i++)
		s->totals.pages_live += s->m->zones[i].nr_allocated;
	/*
	 * The flusher's pass is lazy (reclaim catches it up before it reads the lists): catch it up
	 * once here, at the end, for the final /proc files. Not at each sample, where the catching
	 * up would make the run's outcome depend on the sample interval.
	 */
	ps_writeback_advance(s->policy);
	if (end != s->last_sample)
		sim_sample(s, end);
	return TRUE;
}

const SimPlacement sim_placement_policy = {
    .name = "policy",
    .model = true,
    .start = policy_start,
    .exec = policy_exec,
    .finish = policy_finish,
    .summary = sim_policy_summary,
};

/* ---- setup ------------------------------------------------------------------------------- */

PsSim *ps_sim_new(const PsConfig *cfg, const PsRunOptions *opts, GError **error)
{
	g_autoptr(PsSim) s = g_new0(PsSim, 1);
	PsMachineSpec spec = cfg->spec;
	uint64_t nblocks;

	s->cfg = ps_config_new();
	s->cfg->spec = cfg->spec;
	s->cfg->costs = cfg->costs;
	s->cfg->sampling = cfg->sampling;
	s->cfg->reclaim = cfg->reclaim;
	s->cfg->name = g_strdup(cfg->name);
	s->opts = *opts;
	s->out_dir = g_strdup(opts->out_dir);
	s->touch_run_off = opts->touch_run_off || !g_strcmp0(g_getenv("PAGESIM_TOUCH_RUN"), "off");
	s->exit_run_off = opts->exit_run_off || !g_strcmp0(g_getenv("PAGESIM_EXIT_RUN"), "off");
	s->config_path = g_strdup(opts->config_path);
	s->opts.out_dir = s->out_dir;
	s->opts.config_path = s->config_path;
	s->after_path = g_strdup(opts->after_kpageflags);
	s->opts.after_kpageflags = s->after_path;
	s->at_path = g_strdup(opts->compare_at_kpageflags);
	s->opts.compare_at_kpageflags = s->at_path;
	s->start_trace = g_strdup(opts->trace_path);
	s->opts.trace_path = s->start_trace;
	s->place = opts->pinned ? &sim_placement_pinned : &sim_placement_policy;
	if (opts->placement == PS_PLACEMENT_STICKY) {
		if (opts->pinned) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "--placement=sticky moves task records off their recorded "
				    "cpus, whose pcp lists the pinned replay follows: use it with "
				    "the policy replay only");
			return NULL;
		}
		s->task_cpu = g_hash_table_new(g_direct_hash, g_direct_equal);
		s->sticky_live = g_new0(int, PS_MAX_CPUS);
	}
	s->obs_plain = s->place == &sim_placement_policy && !s->task_cpu;
	if (opts->sample_ns)
		s->cfg->sampling.sample_ns = opts->sample_ns;
	if (opts->seed)
		spec.seed = opts->seed;
	s->cfg->spec.seed = spec.seed;

	/*
	 * Unbooted: a start restored from the cache (ps_sim_load_snapshot) maps the page arrays
	 * over the machine's, so the boot's frees would only fault in and write pages that are
	 * thrown away (ftrace-press-thp-6.18: 58 MB of link and flag arrays, ~2 ms a warm run).
	 * Every other path boots it first (ps_machine_boot: the cold snapshot load, ps_sim_run,
	 * ps_sim_machine).
	 */
	s->m = ps_machine_setup_unbooted(&spec, error);
	if (!s->m)
		return NULL;
	s->e = ps_engine_new();
	s->ev_read = ps_engine_register(s->e, "trace-read", on_read, s);
	s->ev_exec = ps_engine_register(s->e, "trace-exec", on_exec, s);
	s->ev_sample = ps_engine_register(s->e, "sample", on_sample, s);
	s->ev_decay = ps_engine_register(s->e, "pcp-decay", on_decay, s);
	s->ev_rcu_tables = ps_engine_register(s->e, "rcu-table-free", sim_on_rcu_tables, s);
	s->ev_khugepaged = ps_engine_register(s->e, "khugepaged", sim_on_khugepaged, s);
	sim_khugepaged_init(s);
	s->rcu_tables = g_queue_new();
	/* The model's observers (mm hooks): the pinned replay writes neither section. */
	if (s->place->model)
		s->fid = ps_fidelity_new(s->m);
	s->slots = g_array_new(FALSE, FALSE, sizeof(PsTraceEvent));
	s->id_map = g_array_new(FALSE, TRUE, sizeof(uint32_t));
	s->id_big = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->thp_fallback = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
						(GDestroyNotify)g_array_unref);
	s->procs = g_array_new(FALSE, FALSE, sizeof(Proc));
	sim_pgt_pool_init(&s->pgt_pool, s->m->spec.thp_order);
	s->pid_map = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->exited_map = g_hash_table_new(g_direct_hash, g_direct_equal);
	sim_proc_cache_reset(s);
	s->thp_memo.pi = -1;
	s->fa_memo.pi = -1;
	s->busy_until = g_new0(uint64_t, s->m->nr_cpus);
	s->direct_reclaim_pid = g_new0(int, s->m->nr_cpus);
	s->pcp_lock = g_new0(SimPcpLock, s->m->nr_cpus);
	s->lru_batch = g_new0(uint8_t, s->m->nr_cpus);
	s->oom_wait_ns = g_new0(uint64_t, s->m->nr_cpus);
	s->oom_wait = g_new0(OomWait, s->m->nr_cpus);
	s->pte_pending_ns = g_new0(uint64_t, s->m->nr_cpus);
	s->pte_pending_pid = g_new0(int, s->m->nr_cpus);
	s->zone_lock_free = g_malloc0(sizeof(*s->zone_lock_free) * (gsize)s->m->nr_zones);
	s->lru_lock_free = g_malloc0(sizeof(*s->lru_lock_free) * (gsize)s->m->nr_nodes);
	s->cpuq = g_new0(CpuQueue, s->m->nr_cpus);
	nblocks = (s->m->map.end_pfn - s->m->map.base_pfn) >> s->m->pageblock_order;
	s->pb_alloc = g_new0(uint32_t, nblocks * PS_MT_PCPTYPES);
	s->pb_types = g_new0(uint8_t, nblocks);
	s->extra = g_new0(PsZoneSampleExtra, s->m->nr_zones);
	for (int p = 0; p < PS_NR_LAT_ROWS; p++) {
		ps_hist_reset(&s->hists[p]);
		ps_hist_reset(&s->run_hists[p]);
	}
	if (s->place->model) {
		s->fallbacks = ps_fallback_stats_new(s->m);
		ps_fallback_stats_attach(s->fallbacks, s->m);
	}
	s->cur_cpu = s->cur_proc = -1;
	s->killed_pids = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (s->place->model)
		sim_host_attach(s);
	return g_steal_pointer(&s);
}

uint64_t ps_sim_state_bytes(const PsConfig *cfg)
{
	uint64_t pages, bytes = ps_machine_state_bytes(&cfg->spec, &pages);

	/* s->pb_alloc of ps_sim_new */
	return bytes + (pages >> cfg->spec.pageblock_order) * PS_MT_PCPTYPES * sizeof(uint32_t);
}

void ps_sim_free(PsSim *s)
{
	if (!s)
		return;
	if (s->place && s->place->free)
		s->place->free(s);
	if (s->report)
		g_string_free(s->report, TRUE);
	g_free(s->after_path);
	g_free(s->at_path);
	if (s->digest_thread)
		g_free(g_thread_join(s->digest_thread));
	if (s->tl)
		ps_timeline_abort(s->tl);
	if (s->lat)
		ps_latency_log_abort(s->lat);
	if (s->evlog)
		ps_event_log_abort(s->evlog);
	lookahead_free(s->lookahead);
	if (s->reader)
		ps_trace_reader_close(s->reader);
	sim_host_detach(s);
	g_clear_pointer(&s->killed_pids, g_hash_table_unref);
	g_clear_pointer(&s->task_cpu, g_hash_table_unref);
	g_clear_pointer(&s->sticky_live, g_free);
	sim_process_free(s);
	g_clear_pointer(&s->slots, g_array_unref);
	g_clear_pointer(&s->free_slots, g_free);
	g_free(s->busy_until);
	g_free(s->direct_reclaim_pid);
	g_free(s->pcp_lock);
	g_free(s->lru_batch);
	g_free(s->oom_wait_ns);
	g_free(s->oom_wait);
	g_free(s->pte_pending_ns);
	g_free(s->pte_pending_pid);
	g_free(s->zone_lock_free);
	g_free(s->lru_lock_free);
	if (s->cpuq)
		for (int c = 0; c < s->m->nr_cpus; c++)
			g_free(s->cpuq[c].buf);
	g_free(s->cpuq);
	g_free(s->pb_alloc);
	g_free(s->pb_types);
	g_free(s->extra);
	g_clear_pointer(&s->fallbacks, ps_fallback_stats_free);
	g_clear_pointer(&s->snap, ps_snapshot_free);
	if (s->snap_rec)
		ps_unmap_huge(s->snap_rec,
			      sizeof(uint32_t) * (s->m->map.end_pfn - s->m->map.base_pfn));
	sim_memcg_free(s);
	sim_khugepaged_free(s);
	g_clear_pointer(&s->snap_split, g_hash_table_unref);
	g_clear_pointer(&s->fid, ps_fidelity_free);
	ps_engine_free(s->e);
	ps_machine_free(s->m);
	ps_config_free(s->cfg);
	g_free(s->out_dir);
	g_free(s->config_path);
	g_free(s->trace_path);
	g_free(s->start_trace);
	g_free(s->start_entry);
	g_clear_error(&s->error);
	g_free(s);
}

/*
 * Room for the records in flight (read, not yet executed) before the first one: under pressure
 * many wait at once (press-thp: 172 k records, 64 MB, behind direct compaction stalls), and an
 * array grown by doubling is copied on the way and faulted in 4 KiB at a time (58 % of that
 * run's minor faults). From a cache entry the trace's record count bounds them: that many slots
 * (at most SLOTS_RESERVE_MAX) are reserved untouched, with huge pages asked for, so the array
 * never moves and is faulted 2 MiB at a time. Without a count the array grows as before.
 */
#define SLOTS_RESERVE_MAX ((guint)1 << 20)

static void reserve_slots(PsSim *s)
{
	uint64_t n = MIN(ps_trace_reader_total(s->reader), (uint64_t)SLOTS_RESERVE_MAX);

	if (n <= s->slots->len)
		return;
	/* sized, not cleared: the new part stays untouched until a record is put there */
	g_array_set_size(s->slots, (guint)n);
	ps_advise_huge(s->slots->data, (gsize)n * sizeof(PsTraceEvent));
	g_array_set_size(s->slots, 0);
}

gboolean ps_sim_run(PsSim *s, const char *trace_path, GError **error)
{
	PsEngine *e = s->e;
	int rc;

	if (s->opts.trace_path && strcmp(s->opts.trace_path, trace_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "%s: not the trace the run was set up for (%s)", trace_path,
			    s->opts.trace_path);
		return FALSE;
	}
	/* a run without a restored start: the machine as booted (ps_sim_new) */
	ps_machine_boot(s->m);
	s->trace_path = g_strdup(trace_path);
	s->reader = ps_trace_reader_open_cached(trace_path, s->opts.trace_cache_dir,
						s->opts.trace_digest, &s->hdr, error);
	if (!s->reader)
		return FALSE;
	s->cin = ps_trace_reader_cache_in(s->reader);
	if (s->snap)
		ps_snapshot_check_machine(s->snap, s->hdr.machine);
	reserve_slots(s);
	if (!s->place->start(s, error))
		return FALSE;
	s->generated = g_str_has_prefix(s->hdr.source, "gen");
	s->strict_ids = s->generated || g_str_has_prefix(s->hdr.source, "pagesim");
	if (!sim_open_outputs(s, error))
		return FALSE;

	sim_sample(s, 0);
	ps_engine_schedule(e, s->cfg->sampling.sample_ns, s->ev_sample, 0, 0);
	if (s->place->model)
		ps_engine_schedule(e, decay_at_or_after(s, 1), s->ev_decay, 0, 0);
	rc = next_record(s, &s->ahead, error);
	if (rc < 0)
		return FALSE;
	s->have_ahead = rc == 1;
	if (s->have_ahead) {
		ps_engine_schedule(e, s->ahead->t_ns, s->ev_read, 0, 0);
		ps_engine_run_until(e, s->opts.until_ns ? s->opts.until_ns : PS_TIME_NEVER);
	}
	if (s->error) {
		g_propagate_error(error, g_steal_pointer(&s->error));
		return FALSE;
	}
	/* The run's outputs in one batch: one fsync a file and one for the directory. */
	ps_atomic_batch_begin();
	if (!s->place->finish(s, error) || !sim_finish_outputs(s, error)) {
		ps_atomic_batch_abort();
		return FALSE;
	}
	return ps_atomic_batch_commit(error);
}

const PsRunTotals *ps_sim_totals(const PsSim *s)
{
	return &s->totals;
}

uint64_t ps_sim_anomaly(const PsSim *s, enum ps_anomaly a)
{
	return s->anomalies[a];
}

PsMachine *ps_sim_machine(PsSim *s)
{
	ps_machine_boot(s->m);
	return s->m;
}

/* ---- snapshot start (the work is in sim/snapshot.c) ---------------------------------------- */

/*
 * The fidelity report's vmstat deltas: PREFIXvmstat beside the snapshot (before.vmstat) and the
 * same name with "before" made "after". A recording without both files has no such rows.
 */
static gboolean fidelity_vmstat(PsSim *s, const char *proc_dir, GError **error)
{
	g_autofree char *before = ps_snapshot_sibling(s->snap->path, proc_dir, "vmstat");
	g_autofree char *base = g_path_get_basename(before);
	g_autofree char *name = NULL, *after = NULL;

	if (!g_str_has_prefix(base, "before"))
		return TRUE;
	name = g_strconcat("after", base + strlen("before"), NULL);
	after = g_build_filename(proc_dir, name, NULL);
	if (!g_file_test(before, G_FILE_TEST_EXISTS) || !g_file_test(after, G_FILE_TEST_EXISTS))
		return TRUE;
	return ps_fidelity_read_vmstat(s->fid, before, after, error);
}

gboolean ps_sim_load_snapshot(PsSim *s, const char *kpageflags, const char *proc_dir,
			      GError **error)
{
	g_autofree char *entry = NULL;

	g_return_val_if_fail(s->snap == NULL, FALSE);
	/* the whole started state of an earlier run of the same inputs (start-cache.c) */
	entry = sim_start_entry(s, kpageflags, proc_dir);
	if (entry && sim_start_restore(s, entry, kpageflags, proc_dir)) {
		s->snap->machine_dir =
		    proc_dir ? g_strdup(proc_dir) : g_path_get_dirname(kpageflags);
		return TRUE;
	}
	s->start_entry = g_steal_pointer(&entry);
	ps_machine_boot(s->m);
	s->snap =
	    ps_snapshot_load_cached(s->m, kpageflags, proc_dir, s->opts.trace_cache_dir, error);
	if (s->snap)
		s->snap->machine_dir =
		    proc_dir ? g_strdup(proc_dir) : g_path_get_dirname(kpageflags);
	if (s->snap && s->place->model && !sim_memcg_load(s, kpageflags, error))
		return FALSE;
	if (s->snap && proc_dir && s->place->model &&
	    !ps_snapshot_seed_pcp(s->snap, s->m, proc_dir, error))
		return FALSE;
	if (s->snap && proc_dir && s->place->model)
		ps_snapshot_seed_kcompactd(s->snap, s->policy, proc_dir);
	if (s->snap && proc_dir && s->fid && !fidelity_vmstat(s, proc_dir, error))
		return FALSE;
	return s->snap != NULL;
}
