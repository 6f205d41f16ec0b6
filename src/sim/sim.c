// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sim.c - replaying a trace on a simulated machine.
 *
 * Trace records are read one ahead and each is scheduled on the engine at its recorded time, or
 * later if its CPU is still busy with the latency of its previous work: a CPU that stalls carries
 * the delay forward, and the delay is reported. Sampling ticks write the timeline and close a
 * latency window; a stat_interval tick runs the pcp decay (refresh_cpu_vm_stats).
 *
 * Processes own the allocations they make, and the base pages their `touch` records fault in;
 * `exit` frees what a process still owns. User memory is faulted one page of the *simulated*
 * machine at a time, so a trace recorded on 4 KiB pages faults 16 times less often on a 64 KiB
 * machine and clears 16 times more per fault. Where THP applies (thp "always", or "madvise" and
 * the mapping asked for it) a fault whose PMD-sized, PMD-aligned range lies inside the mapping
 * and has nothing mapped yet takes a PMD-order page first, falling back to a base page.
 *
 * Simplifications (why acceptable):
 * - A `touch` or `unmap` record has no CPU; it runs on CPU pid mod nr_cpus, a fixed choice that
 *   keeps replays deterministic.
 * - Unmapping part of a THP leaves the huge page mapped until the whole PMD range is unmapped or
 *   the process exits (the kernel splits it and frees the unmapped part later, via the deferred
 *   split queue); the difference is transient.
 * - A `compact` record compacts every zone fully, as writing /proc/sys/vm/compact_memory does,
 *   its cost charged to the record; a `drop_caches` record frees clean page cache and/or
 *   reclaimable slab through the reclaim model, as writing /proc/sys/vm/drop_caches does.
 * - The host of policy/'s reclaim and OOM killer: reclaimed pages leave their record in place
 *   (a later free is "already reclaimed", a touch refaults); an OOM victim's pages go back after
 *   the reap delay, and an allocation waiting for them runs again then.
 * - The kind of an allocation without one is derived from its GFP flags: __GFP_MOVABLE with
 *   __GFP_WRITE -> file, __GFP_MOVABLE -> anon, __GFP_RECLAIMABLE -> slab_reclaimable,
 *   otherwise kernel.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "report/report.h"
#include "sim/sim.h"
#include "sim/sim-private.h"

#define REC_NONE    UINT32_MAX
#define REC_LIVE    0x1
#define REC_TOUCH   0x2 /* faulted in by a touch record */
#define REC_THP	    0x4
#define REC_GONE    0x8		   /* reclaimed or reaped: the owner's copy has no pages */
#define REC_SWAPPED 0x10	   /* ... and its content is in swap */
#define REC_RETRY   (REC_NONE - 1) /* do_alloc: retry the record later (OOM reap pending) */
/* Trace ids below this go in a flat array; larger ones in a hash table. */
#define ID_ARRAY_MAX (1u << 26)
/* Allocation failures logged one by one in events.jsonl; the rest are only counted. */
#define MAX_FAIL_EVENTS 10000

static const char *const anomaly_names[PS_NR_ANOMALIES] = {
    [PS_ANOM_FREE_UNKNOWN_ID] = "free_unknown_id",   [PS_ANOM_ALLOC_LIVE_ID] = "alloc_live_id",
    [PS_ANOM_PID_WITHOUT_PROC] = "pid_without_proc", [PS_ANOM_CPU_OUT_OF_RANGE] = "cpu_folded",
    [PS_ANOM_UNMAP_UNKNOWN] = "unmap_unknown",	     [PS_ANOM_SYSCTL_UNKNOWN] = "sysctl_unknown",
};

/* One allocation of the trace or one faulted user page; index = record number. */
typedef struct {
	ps_pfn_t pfn;
	uint8_t order;
	uint8_t mt; /* request migratetype */
	uint8_t kind;
	uint8_t flags;
	uint16_t cpu;
	int32_t proc;	     /* owning process index, -1 none */
	uint32_t next, prev; /* the owner's list */
	uint64_t id;	     /* trace id (not REC_TOUCH) or vpn (REC_TOUCH) */
} Rec;

typedef struct {
	uint64_t start, end; /* [start, end) virtual bytes */
	bool thp;
} Vma;

/* A ring of slot indices. */
typedef struct {
	uint32_t *buf;
	uint32_t cap, head, len;
} CpuQueue;

/* A process of the trace. */
typedef struct {
	int pid;
	char comm[16];
	int oom_score_adj;
	bool exited;
	bool killed;   /* chosen by the OOM killer; its later records are skipped */
	uint32_t head; /* owned records */
	uint64_t rss_pages;
	uint64_t kind_pages[PS_NR_ALLOC_KINDS]; /* resident pages by kind */
	PsMempolicy pol;			/* the task's policy (set_mempolicy), from `proc` */
	uint64_t swap_pages;
	GArray *vmas;	 /* Vma */
	GHashTable *vpn; /* vpn -> record + 1; PMD index | PMD_KEY -> mapped base pages */
} Proc;
#define PMD_KEY (1ull << 62)

struct PsSim {
	PsConfig *cfg;
	PsRunOptions opts;
	char *out_dir;
	char *config_path;
	PsMachine *m;
	PsEngine *e;
	uint32_t ev_read, ev_exec, ev_sample, ev_decay, ev_reap;
	PsPolicy *policy;
	GArray *oom_tasks;     /* PsOomTask, rebuilt for each OOM */
	GArray *oom_task_proc; /* int: process index of each task */
	int cur_proc;	       /* process of the record being executed, -1 none */
	int cur_cpu;	       /* its cpu, -1 outside a record */
	uint64_t retry_at;     /* set by do_alloc when the record must be retried later */
	uint64_t node_direct[PS_MAX_NODES]; /* direct reclaims since the last sample, per node */
	uint64_t kswapd_busy_seen[PS_MAX_NODES], kcompactd_busy_seen[PS_MAX_NODES]; /* at it */
	uint64_t oom_since_sample;

	PsTraceReader *reader;
	PsTraceHeader hdr;
	char *trace_path;
	bool strict_ids; /* generated traces: a reused live id is an error, not an anomaly */
	PsTraceEvent ahead;
	bool have_ahead;
	GArray *slots;	    /* PsTraceEvent waiting to execute */
	GArray *free_slots; /* uint32_t */
	uint64_t pending;   /* scheduled executions */

	GArray *recs;	   /* Rec */
	GArray *free_recs; /* uint32_t */
	GArray *id_map;	   /* uint32_t record + 1, by trace id < ID_ARRAY_MAX */
	GHashTable *id_big;
	GArray *procs;	       /* Proc */
	GHashTable *pid_map;   /* pid -> proc index + 1 (live processes) */
	int last_pid, last_pi; /* proc_find's one-entry cache; last_pid -1 when empty */

	uint64_t *busy_until; /* per cpu, ns */
	CpuQueue *cpuq;	      /* per cpu: records waiting for the cpu, in order */
	uint32_t *pb_alloc;   /* [pageblock][3]: allocated pages per request type */
	PsZoneSampleExtra *extra;

	PsHist hists[PS_NR_ALLOC_PATHS];
	PsHist run_hists[PS_NR_ALLOC_PATHS]; /* the whole run: latency_hist.csv, summary */
	PsFallbackStats *fallbacks;	     /* fallbacks.csv */
	uint64_t window_start;
	uint64_t last_sample;
	PsTimeline *tl;
	PsLatencyLog *lat;
	PsEventLog *evlog;

	PsRunTotals totals;
	uint64_t anomalies[PS_NR_ANOMALIES];
	uint64_t compact_requests, drop_caches_requests, sysctl_writes;
	GHashTable *killed_pids; /* pids the OOM killer took, until a `proc` reuses them */
	GError *error;		 /* first error raised inside a handler; stops the run */
	GThread *digest_thread;	 /* computes the trace file's sha256 while the replay runs */
	/* real traces (issue 6): snapshot start and fidelity counters, see sim/snapshot.c,
	 * fidelity.c */
	PsSnapshot *snap;
	PsFidelity *fid;
	uint64_t snapshot_frees;
};

/* ---- records and processes -------------------------------------------------------------- */

static Rec *rec_at(PsSim *s, uint32_t i)
{
	return &g_array_index(s->recs, Rec, i);
}

static uint32_t rec_new(PsSim *s)
{
	Rec r = {.pfn = PS_PFN_NONE, .proc = -1, .next = REC_NONE, .prev = REC_NONE};

	if (s->free_recs->len) {
		uint32_t i = g_array_index(s->free_recs, uint32_t, s->free_recs->len - 1);

		g_array_set_size(s->free_recs, s->free_recs->len - 1);
		*rec_at(s, i) = r;
		return i;
	}
	g_array_append_val(s->recs, r);
	return s->recs->len - 1;
}

static Proc *proc_at(PsSim *s, int i)
{
	return &g_array_index(s->procs, Proc, i);
}

static int proc_find(PsSim *s, int pid)
{
	gpointer v;

	/* Records come in runs of one task: skip the hash table for a repeat. */
	if (pid == s->last_pid)
		return s->last_pi;
	v = g_hash_table_lookup(s->pid_map, GINT_TO_POINTER(pid));
	if (!v)
		return -1;
	s->last_pid = pid;
	s->last_pi = GPOINTER_TO_INT(v) - 1;
	return s->last_pi;
}

static int proc_create(PsSim *s, int pid, const char *comm, int adj)
{
	Proc p = {.pid = pid, .oom_score_adj = adj, .head = REC_NONE};

	ps_mempolicy_init(&p.pol);
	g_strlcpy(p.comm, comm, sizeof(p.comm));
	p.vmas = g_array_new(FALSE, FALSE, sizeof(Vma));
	p.vpn = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_array_append_val(s->procs, p);
	g_hash_table_insert(s->pid_map, GINT_TO_POINTER(pid), GINT_TO_POINTER(s->procs->len));
	s->totals.procs++;
	return (int)s->procs->len - 1;
}

/* The process of a record that names a pid, created on first sight. -1 for pid -1. */
static int proc_get(PsSim *s, int pid)
{
	int i;

	if (pid < 0)
		return -1;
	i = proc_find(s, pid);
	if (i >= 0)
		return i;
	s->anomalies[PS_ANOM_PID_WITHOUT_PROC]++;
	return proc_create(s, pid, "", 0);
}

static void proc_link(PsSim *s, int pi, uint32_t ri)
{
	Proc *p = proc_at(s, pi);
	Rec *r = rec_at(s, ri);

	r->proc = pi;
	r->prev = REC_NONE;
	r->next = p->head;
	if (p->head != REC_NONE)
		rec_at(s, p->head)->prev = ri;
	p->head = ri;
	p->rss_pages += 1ull << r->order;
	p->kind_pages[r->kind] += 1ull << r->order;
}

static void proc_unlink(PsSim *s, uint32_t ri)
{
	Rec *r = rec_at(s, ri);
	Proc *p;

	if (r->proc < 0)
		return;
	p = proc_at(s, r->proc);
	if (r->prev != REC_NONE)
		rec_at(s, r->prev)->next = r->next;
	else
		p->head = r->next;
	if (r->next != REC_NONE)
		rec_at(s, r->next)->prev = r->prev;
	if (!(r->flags & REC_GONE)) {
		p->rss_pages -= 1ull << r->order;
		p->kind_pages[r->kind] -= 1ull << r->order;
	}
	if (r->flags & REC_SWAPPED)
		p->swap_pages -= 1ull << r->order;
	r->proc = -1;
}

/* ---- trace id map ------------------------------------------------------------------------ */

static uint32_t id_lookup(PsSim *s, uint64_t id)
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

static void pb_account(PsSim *s, ps_pfn_t pfn, unsigned order, unsigned mt, int sign)
{
	PsMachine *m = s->m;
	uint64_t pb = (pfn - m->map.base_pfn) >> m->pageblock_order;
	uint64_t n = order >= m->pageblock_order ? 1ull << (order - m->pageblock_order) : 1;
	uint32_t pages =
	    order >= m->pageblock_order ? (uint32_t)m->pageblock_nr_pages : 1u << order;

	if (mt >= PS_MT_PCPTYPES)
		return;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t *c = &s->pb_alloc[(pb + i) * PS_MT_PCPTYPES + mt];

		*c = sign > 0 ? *c + pages : *c - pages;
	}
}

static uint64_t clear_ns(const PsSim *s, unsigned order)
{
	return s->cfg->costs.clear_kib_ns * (((uint64_t)s->m->page_size << order) >> 10);
}

/* The latency of one allocation along the path it took (config "costs"). */
static uint64_t alloc_cost(const PsSim *s, const PsAllocOutcome *o, uint64_t gfp, unsigned order)
{
	const PsCosts *c = &s->cfg->costs;
	uint64_t ns = c->fast_path_ns;

	if (o->zones_tried > 1)
		ns += (o->zones_tried - 1) * c->zone_step_ns;
	if (o->result != PS_ALLOC_OK)
		return ns;
	if (o->path == PS_PATH_PCP) {
		ns += c->pcp_hit_ns;
		if (o->pcp_refill)
			ns += c->zone_lock_ns + o->refill_pages * c->pcp_refill_page_ns;
	} else {
		ns += c->zone_lock_ns;
	}
	ns += o->split_levels * c->buddy_split_ns;
	if (gfp & PS_GFP_ZERO)
		ns += clear_ns(s, order);
	return ns;
}

static enum ps_alloc_kind kind_from_gfp(uint64_t gfp)
{
	if (gfp & PS_GFP_MOVABLE)
		return (gfp & PS_GFP_WRITE) ? PS_KIND_FILE : PS_KIND_ANON;
	if (gfp & PS_GFP_RECLAIMABLE)
		return PS_KIND_SLAB_RECLAIMABLE;
	return PS_KIND_KERNEL;
}

static uint64_t total_free_pages(const PsMachine *m)
{
	uint64_t n = 0;

	for (int i = 0; i < m->nr_zones; i++)
		n += (uint64_t)m->zones[i].vm_stat[PS_NR_FREE_PAGES];
	return n;
}

/* Frees a live record's pages; returns the latency of the free. */
static uint64_t rec_free(PsSim *s, uint32_t ri, int cpu)
{
	Rec *r = rec_at(s, ri);
	uint64_t before = total_free_pages(s->m), merged;
	const PsCosts *c = &s->cfg->costs;

	g_assert(r->flags & REC_LIVE);
	if (r->flags & REC_GONE) {
		/* Reclaim or the reaper already freed the pages; give back a swap slot. */
		if (r->flags & REC_SWAPPED)
			ps_swap_release(s->policy, 1ull << r->order);
		proc_unlink(s, ri);
		r->flags = 0;
		g_array_append_val(s->free_recs, ri);
		return 0;
	}
	ps_lru_del(s->policy, ri);
	ps_free_pages(s->m, r->pfn, r->order, cpu);
	pb_account(s, r->pfn, r->order, r->mt, -1);
	proc_unlink(s, ri);
	r->flags = 0;
	r->pfn = PS_PFN_NONE;
	g_array_append_val(s->free_recs, ri);
	merged = total_free_pages(s->m) - before;
	return c->free_pcp_ns + (merged ? c->zone_lock_ns + merged * c->free_buddy_page_ns : 0);
}

static void log_failure(PsSim *s, const char *what, uint64_t gfp, unsigned order, int cpu, int pid,
			enum ps_alloc_result res)
{
	cJSON *f;
	g_autofree char *gfps = NULL;

	if (s->totals.alloc_failed + s->totals.alloc_invalid > MAX_FAIL_EVENTS)
		return;
	gfps = ps_gfp_format(gfp);
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "what", what);
	cJSON_AddStringToObject(f, "gfp", gfps);
	cJSON_AddNumberToObject(f, "order", order);
	cJSON_AddNumberToObject(f, "cpu", cpu);
	cJSON_AddNumberToObject(f, "pid", pid);
	cJSON_AddStringToObject(f, "result",
				res == PS_ALLOC_INVALID ? "invalid" : "fast_path_failed");
	ps_event_log_write(s->evlog, ps_engine_now(s->e), "alloc_fail", f);
}

/*
 * One allocation through the model. Returns the record (REC_NONE on failure) and adds the
 * latency to *ns.
 */
static uint32_t do_alloc(PsSim *s, uint64_t gfp, unsigned order, int cpu, int pi,
			 enum ps_alloc_kind kind, int node, const char *what, uint64_t *ns)
{
	PsAllocOutcome out;
	PsMempolicy pol, *polp = NULL;
	uint32_t ri;
	Rec *r;

	if (node >= 0 && node < s->m->nr_nodes) {
		/* alloc_pages_node(): that node's zonelist first. */
		ps_mempolicy_init(&pol);
		pol.mode = PS_MPOL_PREFERRED;
		pol.nodes = 1ull << node;
		polp = &pol;
	} else if (pi >= 0 && proc_at(s, pi)->pol.mode != PS_MPOL_DEFAULT) {
		/* The task's mempolicy (kernel allocations without a node follow it too). */
		polp = &proc_at(s, pi)->pol;
	}
	ps_alloc_pages(s->m, gfp, order, cpu, polp, &out);
	*ns += alloc_cost(s, &out, gfp, order) + out.slow_ns;
	if (out.direct_reclaim) {
		s->totals.direct_reclaims++;
		s->node_direct[s->m->spec.cpu_node[cpu]]++;
	}
	if (out.result == PS_ALLOC_OOM_WAIT) {
		/* The OOM victim's memory is back at stall_until: the record waits for it. */
		s->totals.oom_waits++;
		s->retry_at = MAX(out.stall_until, ps_engine_now(s->e) + 1);
		return REC_RETRY;
	}
	s->totals.allocs++;
	if (out.result != PS_ALLOC_OK) {
		if (out.result == PS_ALLOC_INVALID)
			s->totals.alloc_invalid++;
		else
			s->totals.alloc_failed++;
		ps_hist_add(&s->hists[PS_PATH_SLOW], *ns);
		log_failure(s, what, gfp, order, cpu, pi >= 0 ? proc_at(s, pi)->pid : -1,
			    out.result);
		return REC_NONE;
	}
	ps_hist_add(&s->hists[out.path], *ns);
	s->totals.alloc_ok++;
	s->totals.pages_allocated += 1ull << order;
	if (kind == PS_KIND_UNSPEC)
		kind = kind_from_gfp(gfp);
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
	pb_account(s, r->pfn, order, r->mt, +1);
	if (pi >= 0)
		proc_link(s, pi, ri);
	/* Page cache, anon and reclaimable slab go where reclaim can find them. */
	if (kind == PS_KIND_ANON || kind == PS_KIND_FILE || kind == PS_KIND_SLAB_RECLAIMABLE)
		ps_lru_add(s->policy, ri, r->pfn, order,
			   kind == PS_KIND_ANON	  ? PS_FOLIO_ANON
			   : kind == PS_KIND_FILE ? PS_FOLIO_FILE
						  : PS_FOLIO_SLAB,
			   kind == PS_KIND_FILE && (gfp & PS_GFP_WRITE));
	return ri;
}

static unsigned order_for_bytes(const PsMachine *m, uint64_t bytes)
{
	uint64_t pages = (bytes + m->page_size - 1) >> m->page_shift;
	unsigned order = 0;

	while ((1ull << order) < pages && order < 63)
		order++;
	return order;
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

static gboolean fail(PsSim *s, const char *field, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean fail(PsSim *s, const char *field, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (!s->error)
		g_set_error(&s->error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s: %s: %s",
			    s->trace_path, field, msg);
	return FALSE;
}

static uint64_t op_alloc(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	uint64_t gfp = ev->has_gfp ? ev->gfp : PS_GFP_KERNEL, ns = 0;
	unsigned order = ev->order >= 0 ? (unsigned)ev->order : order_for_bytes(s->m, ev->bytes);
	uint32_t old = id_lookup(s, ev->id), ri;
	int pi = proc_get(s, ev->pid);

	if (old) {
		if (s->strict_ids) {
			fail(s, "id", "%" G_GUINT64_FORMAT " is reused while still live", ev->id);
			return 0;
		}
		/* A recorder missed the free: release the old one first. */
		s->anomalies[PS_ANOM_ALLOC_LIVE_ID]++;
		rec_free(s, old - 1, cpu);
		id_set(s, ev->id, 0);
	}
	ri = do_alloc(s, gfp, order, cpu, pi, ev->kind, ev->node, "alloc", &ns);
	if (ri != REC_NONE && ri != REC_RETRY) {
		rec_at(s, ri)->id = ev->id;
		id_set(s, ev->id, ri + 1);
	}
	return ns;
}

static uint64_t op_free(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	uint32_t v = id_lookup(s, ev->id);
	Rec *r;
	uint64_t pages;

	if (!v) {
		/* a page allocated before the trace started, which the snapshot left allocated */
		if (s->snap && ps_snapshot_free_pages(s->snap, s->m, ev, cpu)) {
			s->snapshot_frees++;
			return s->cfg->costs.free_pcp_ns;
		}
		s->anomalies[PS_ANOM_FREE_UNKNOWN_ID]++;
		return 0;
	}
	r = rec_at(s, v - 1);
	pages = 1ull << r->order;
	if (ev->cpu < 0)
		cpu = r->cpu;
	id_set(s, ev->id, 0);
	s->totals.frees++;
	if (r->flags & REC_GONE)
		s->totals.frees_already_reclaimed++;
	else
		s->totals.pages_freed_trace += pages;
	return rec_free(s, v - 1, cpu);
}

/*
 * A process's mappings are kept sorted by address and disjoint, so lookups are a binary search:
 * workloads like the fragmenter punch tens of thousands of holes into one mapping.
 */
static guint vma_lower(const Proc *p, uint64_t addr)
{
	guint lo = 0, hi = p->vmas->len;

	/* the first mapping that ends above addr */
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(p->vmas, Vma, mid).end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const Vma *vma_find(const Proc *p, uint64_t addr)
{
	guint i = vma_lower(p, addr);
	const Vma *v;

	if (i >= p->vmas->len)
		return NULL;
	v = &g_array_index(p->vmas, Vma, i);
	return v->start <= addr ? v : NULL;
}

static void vpn_map(Proc *p, uint64_t vpn, uint32_t ri, unsigned pmd_shift)
{
	uint64_t pmd = PMD_KEY | (vpn >> pmd_shift);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(p->vpn, (gpointer)(uintptr_t)pmd));

	g_hash_table_insert(p->vpn, (gpointer)(uintptr_t)vpn, GUINT_TO_POINTER(ri + 1));
	g_hash_table_insert(p->vpn, (gpointer)(uintptr_t)pmd, GUINT_TO_POINTER(n + 1));
}

static void vpn_unmap(Proc *p, uint64_t vpn, unsigned pmd_shift)
{
	uint64_t pmd = PMD_KEY | (vpn >> pmd_shift);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(p->vpn, (gpointer)(uintptr_t)pmd));

	g_hash_table_remove(p->vpn, (gpointer)(uintptr_t)vpn);
	if (n <= 1)
		g_hash_table_remove(p->vpn, (gpointer)(uintptr_t)pmd);
	else
		g_hash_table_insert(p->vpn, (gpointer)(uintptr_t)pmd, GUINT_TO_POINTER(n - 1));
}

/* A THP may back this fault: THP on for the mapping, its PMD range inside it and still empty. */
static bool thp_eligible(PsSim *s, const Proc *p, uint64_t vpn, bool *madvised)
{
	const PsMachineSpec *spec = &s->m->spec;
	unsigned shift = spec->thp_order;
	uint64_t start = (vpn >> shift) << shift, end = start + (1ull << shift);
	const Vma *v = vma_find(p, start << s->m->page_shift);

	*madvised = false;
	if (!spec->thp_built || spec->thp_mode == 0 || !v)
		return false;
	if (spec->thp_mode == 1 && !v->thp)
		return false;
	if ((end << s->m->page_shift) > v->end)
		return false;
	*madvised = v->thp;
	return !g_hash_table_contains(p->vpn, (gpointer)(uintptr_t)(PMD_KEY | (vpn >> shift)));
}

/*
 * A touched page whose copy reclaim took: the old record goes (its swap slot with it) and the
 * fault below allocates a new page: workingset_refault, and a major fault from swap for anon.
 */
static uint64_t refault(PsSim *s, Proc *p, uint32_t ri, int cpu)
{
	Rec *r = rec_at(s, ri);
	unsigned pmd_shift = s->m->spec.thp_order;
	uint64_t pages = 1ull << r->order, ns = 0;
	PsNode *node = &s->m->nodes[s->m->spec.cpu_node[cpu]];

	s->totals.refaults++;
	if (r->flags & REC_SWAPPED) {
		node->stat[PS_WORKINGSET_REFAULT_ANON] += (int64_t)pages;
		s->m->vm_events[PS_PSWPIN] += pages;
		s->m->vm_events[PS_PGMAJFAULT]++;
		ns += pages * s->cfg->reclaim.swapin_page_ns;
	} else {
		node->stat[r->kind == PS_KIND_ANON ? PS_WORKINGSET_REFAULT_ANON
						   : PS_WORKINGSET_REFAULT_FILE] += (int64_t)pages;
	}
	if (r->flags & REC_THP) {
		for (uint64_t u = r->id; u < r->id + (1ull << pmd_shift); u++)
			vpn_unmap(p, u, pmd_shift);
	} else {
		vpn_unmap(p, r->id, pmd_shift);
	}
	rec_free(s, ri, cpu);
	return ns;
}

static uint64_t op_touch(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	PsMachine *m = s->m;
	int pi = proc_get(s, ev->pid);
	unsigned shift = m->page_shift, pmd_shift = m->spec.thp_order;
	uint64_t first = ev->addr >> shift, last = (ev->addr + ev->len - 1) >> shift, ns = 0;
	const PsCosts *c = &s->cfg->costs;

	for (uint64_t vpn = first; vpn <= last; vpn++) {
		Proc *p = proc_at(s, pi);
		uint32_t ri = REC_NONE;
		bool madvised;
		/* This fault's latency: the histograms get each fault, not the touch's total. */
		uint64_t fns = c->fault_ns;

		{
			gpointer v = g_hash_table_lookup(p->vpn, (gpointer)(uintptr_t)vpn);

			if (v && !(rec_at(s, GPOINTER_TO_UINT(v) - 1)->flags & REC_GONE)) {
				/* Present: an access the reclaim model sees as a reference. */
				ps_lru_mark_accessed(s->policy, GPOINTER_TO_UINT(v) - 1);
				continue;
			}
			if (v)
				fns += refault(s, p, GPOINTER_TO_UINT(v) - 1, cpu);
		}
		p = proc_at(s, pi);
		s->totals.touch_faults++;
		if (thp_eligible(s, p, vpn, &madvised)) {
			/* defrag "madvise" (the default): direct reclaim only for madvised VMAs. */
			uint64_t gfp = madvised ? PS_GFP_TRANSHUGE : PS_GFP_TRANSHUGE_LIGHT;

			ri = do_alloc(s, gfp, pmd_shift, cpu, pi, PS_KIND_ANON, -1, "thp_fault",
				      &fns);
			if (ri == REC_RETRY)
				return ns + fns;
			if (ri != REC_NONE) {
				uint64_t base = (vpn >> pmd_shift) << pmd_shift;

				ns += fns + clear_ns(s, pmd_shift);
				rec_at(s, ri)->flags |= REC_TOUCH | REC_THP;
				rec_at(s, ri)->id = base;
				p = proc_at(s, pi);
				for (uint64_t v = base; v < base + (1ull << pmd_shift); v++)
					vpn_map(p, v, ri, pmd_shift);
				s->totals.thp_faults++;
				s->m->vm_events[PS_THP_FAULT_ALLOC]++;
				continue;
			}
			s->totals.thp_fallbacks++;
			s->m->vm_events[PS_THP_FAULT_FALLBACK]++;
		}
		ri = do_alloc(s, PS_GFP_HIGHUSER_MOVABLE | PS_GFP_ZERO, 0, cpu, pi, PS_KIND_ANON,
			      -1, "fault", &fns);
		ns += fns;
		if (ri == REC_RETRY)
			return ns;
		if (ri == REC_NONE)
			continue;
		rec_at(s, ri)->flags |= REC_TOUCH;
		rec_at(s, ri)->id = vpn;
		vpn_map(proc_at(s, pi), vpn, ri, pmd_shift);
	}
	return ns;
}

/* Removes [start, end) from the process's mappings, splitting a mapping cut in the middle. */
static bool vma_remove(Proc *p, uint64_t start, uint64_t end)
{
	bool found = false;

	for (guint i = vma_lower(p, start); i < p->vmas->len;) {
		Vma *v = &g_array_index(p->vmas, Vma, i);

		if (v->start >= end)
			break;
		found = true;
		if (v->start >= start && v->end <= end) {
			g_array_remove_index(p->vmas, i);
			continue;
		}
		if (v->start < start && v->end > end) {
			Vma tail = {end, v->end, v->thp};

			v->end = start;
			g_array_insert_val(p->vmas, i + 1, tail);
			i += 2;
			continue;
		}
		if (v->start < start)
			v->end = start;
		else
			v->start = end;
		i++;
	}
	return found;
}

static uint64_t op_unmap(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	PsMachine *m = s->m;
	int pi = proc_find(s, ev->pid);
	unsigned shift = m->page_shift, pmd_shift = m->spec.thp_order;
	/* Only pages whose whole extent lies inside the range are freed. */
	uint64_t first = (ev->addr + m->page_size - 1) >> shift,
		 end = (ev->addr + ev->len) >> shift;
	uint64_t ns = 0;
	bool any;

	if (pi < 0) {
		s->anomalies[PS_ANOM_UNMAP_UNKNOWN]++;
		return 0;
	}
	any = vma_remove(proc_at(s, pi), ev->addr, ev->addr + ev->len);
	for (uint64_t vpn = first; vpn < end; vpn++) {
		Proc *p = proc_at(s, pi);
		gpointer v = g_hash_table_lookup(p->vpn, (gpointer)(uintptr_t)vpn);
		uint32_t ri;
		Rec *r;

		if (!v)
			continue;
		any = true;
		ri = GPOINTER_TO_UINT(v) - 1;
		r = rec_at(s, ri);
		if (r->flags & REC_THP) {
			uint64_t base = r->id;

			/* A huge page goes only when its whole range is unmapped. */
			if (base < first || base + (1ull << pmd_shift) > end)
				continue;
			for (uint64_t u = base; u < base + (1ull << pmd_shift); u++)
				vpn_unmap(p, u, pmd_shift);
		} else {
			vpn_unmap(p, vpn, pmd_shift);
		}
		if (!(r->flags & REC_GONE))
			s->totals.pages_freed_trace += 1ull << r->order;
		ns += rec_free(s, ri, cpu);
	}
	if (!any)
		s->anomalies[PS_ANOM_UNMAP_UNKNOWN]++;
	return ns;
}

static void op_exit(PsSim *s, const PsTraceEvent *ev)
{
	int pi = proc_find(s, ev->pid);
	Proc *p;
	int cpu;

	if (pi < 0) {
		s->anomalies[PS_ANOM_PID_WITHOUT_PROC]++;
		return;
	}
	cpu = ev->pid % s->m->nr_cpus;
	/* exit_mmap and friends: everything still owned goes back, newest first. */
	while ((p = proc_at(s, pi))->head != REC_NONE) {
		uint32_t ri = p->head;
		Rec *r = rec_at(s, ri);

		if (!(r->flags & REC_GONE))
			s->totals.pages_freed_exit += 1ull << r->order;
		if (!(r->flags & REC_TOUCH))
			id_set(s, r->id, 0);
		rec_free(s, ri, cpu);
	}
	p = proc_at(s, pi);
	p->exited = true;
	g_hash_table_remove_all(p->vpn);
	g_array_set_size(p->vmas, 0);
	g_hash_table_remove(s->pid_map, GINT_TO_POINTER(ev->pid));
	s->last_pid = -1;
}

static void op_sysctl(PsSim *s, const PsTraceEvent *ev)
{
	PsSysctl *sc = &s->m->sysctl;
	const char *n = ev->name;
	int64_t v = ev->value;
	cJSON *f = cJSON_CreateObject();

	s->sysctl_writes++;
	cJSON_AddStringToObject(f, "name", n);
	cJSON_AddNumberToObject(f, "value", (double)v);
	if (!strcmp(n, "min_free_kbytes"))
		sc->min_free_kbytes = sc->user_min_free_kbytes = v;
	else if (!strcmp(n, "watermark_scale_factor"))
		sc->watermark_scale_factor = (int)CLAMP(v, 1, 3000);
	else if (!strcmp(n, "watermark_boost_factor"))
		sc->watermark_boost_factor = (int)MAX(v, 0);
	else if (!strcmp(n, "percpu_pagelist_high_fraction"))
		sc->percpu_pagelist_high_fraction = (v > 0 && v < 8) ? 8 : (int)MAX(v, 0);
	else if (!strcmp(n, "extfrag_threshold"))
		sc->extfrag_threshold = (int)CLAMP(v, 0, 1000);
	else if (!strcmp(n, "compaction_proactiveness"))
		sc->compaction_proactiveness = (int)CLAMP(v, 0, 100);
	else if (!strcmp(n, "swappiness"))
		sc->swappiness = (int)CLAMP(v, 0, 200);
	else if (!strcmp(n, "zone_reclaim_mode"))
		sc->zone_reclaim_mode = (int)CLAMP(v, 0, 7);
	else if (!strcmp(n, "defrag_mode"))
		sc->defrag_mode = v != 0;
	else {
		s->anomalies[PS_ANOM_SYSCTL_UNKNOWN]++;
		cJSON_AddBoolToObject(f, "known", FALSE);
	}
	/* The sysctl handlers recompute watermarks, reserves and pcp limits. */
	ps_init_per_zone_tunables(s->m);
	ps_event_log_write(s->evlog, ps_engine_now(s->e), "sysctl", f);
}

/* ---- engine handlers ---------------------------------------------------------------------- */

static int event_cpu(PsSim *s, const PsTraceEvent *ev)
{
	switch (ev->op) {
	case PS_OP_ALLOC:
		return fold_cpu(s, ev->cpu);
	case PS_OP_FREE:
		if (ev->cpu >= 0)
			return fold_cpu(s, ev->cpu);
		{
			uint32_t v = id_lookup(s, ev->id);

			return v ? rec_at(s, v - 1)->cpu : 0;
		}
	case PS_OP_TOUCH:
	case PS_OP_UNMAP:
	case PS_OP_MAP:
		return ev->pid >= 0 ? ev->pid % s->m->nr_cpus : 0;
	default:
		return -1;
	}
}

static uint32_t slot_put(PsSim *s, const PsTraceEvent *ev)
{
	uint32_t i;

	if (s->free_slots->len) {
		i = g_array_index(s->free_slots, uint32_t, s->free_slots->len - 1);
		g_array_set_size(s->free_slots, s->free_slots->len - 1);
		g_array_index(s->slots, PsTraceEvent, i) = *ev;
		return i;
	}
	g_array_append_val(s->slots, *ev);
	return s->slots->len - 1;
}

static bool exec_event(PsSim *s, const PsTraceEvent *ev, int cpu);

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

/* Schedules the CPU's head record for when both it and the CPU are ready. */
static void cpu_kick(PsSim *s, int cpu)
{
	CpuQueue *q = &s->cpuq[cpu];
	const PsTraceEvent *head = &g_array_index(s->slots, PsTraceEvent, q->buf[q->head]);
	ps_time_t at = MAX(MAX(head->t_ns, s->busy_until[cpu]), ps_engine_now(s->e));

	ps_engine_schedule(s->e, at, s->ev_exec, (uint32_t)cpu, 0);
}

/* A record that must run again later (an allocation waiting for an OOM victim's memory). */
static void requeue(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	uint32_t slot = slot_put(s, ev);

	if (cpu < 0) {
		ps_engine_schedule(s->e, s->retry_at, s->ev_exec, EXEC_NOCPU, slot);
		return;
	}
	s->busy_until[cpu] = MAX(s->busy_until[cpu], s->retry_at);
	cq_push_front(&s->cpuq[cpu], slot);
	cpu_kick(s, cpu);
}

/* Runs or queues the record in s->ahead, which is due now. */
static void take_ahead(PsSim *s)
{
	int cpu = event_cpu(s, &s->ahead);

	if (s->fid)
		ps_fidelity_record(s->fid, &s->ahead);
	s->pending++;
	if (cpu < 0) {
		if (!exec_event(s, &s->ahead, cpu))
			requeue(s, &s->ahead, cpu);
	} else if (!s->cpuq[cpu].len && s->busy_until[cpu] <= ps_engine_now(s->e)) {
		/* The common case: nothing in the way, run it now without a second event. */
		if (!exec_event(s, &s->ahead, cpu))
			requeue(s, &s->ahead, cpu);
	} else {
		/* Behind earlier work of its CPU: wait in order for the CPU to be free. */
		bool idle = !s->cpuq[cpu].len;

		cq_push_back(&s->cpuq[cpu], slot_put(s, &s->ahead));
		if (idle)
			cpu_kick(s, cpu);
	}
}

static void on_read(PsEngine *e, const PsEvent *pev, void *data)
{
	PsSim *s = data;
	ps_time_t until = s->opts.until_ns ? s->opts.until_ns : PS_TIME_NEVER;

	/*
	 * Records due before anything else on the queue run straight from here, the clock moved
	 * forward to each: a record costs no heap operation unless something is due first.
	 */
	for (;;) {
		int rc;

		take_ahead(s);
		if (s->error)
			break;
		rc = ps_trace_reader_next(s->reader, &s->ahead, &s->error);
		s->have_ahead = rc == 1;
		if (rc != 1)
			break;
		if (s->ahead.t_ns >= ps_engine_next_time(e) || s->ahead.t_ns > until ||
		    s->ahead.t_ns < ps_engine_now(e)) {
			ps_engine_schedule(e, MAX(s->ahead.t_ns, ps_engine_now(e)), s->ev_read, 0,
					   0);
			break;
		}
		ps_engine_advance(e, s->ahead.t_ns);
	}
	if (s->error || (!s->have_ahead && s->pending == 0))
		ps_engine_stop(e);
}

static void on_exec(PsEngine *e, const PsEvent *pev, void *data)
{
	PsSim *s = data;
	uint32_t slot;
	PsTraceEvent ev;
	int cpu = pev->arg0 == EXEC_NOCPU ? -1 : (int)pev->arg0;

	if (cpu < 0) {
		slot = (uint32_t)pev->arg1;
	} else {
		/* The CPU is still busy (an OOM wait moved its clock): try again then. */
		if (s->busy_until[cpu] > ps_engine_now(e)) {
			ps_engine_schedule(e, s->busy_until[cpu], s->ev_exec, (uint32_t)cpu, 0);
			return;
		}
		slot = cq_pop_front(&s->cpuq[cpu]);
	}
	ev = g_array_index(s->slots, PsTraceEvent, slot);
	g_array_append_val(s->free_slots, slot);
	if (!exec_event(s, &ev, cpu))
		requeue(s, &ev, cpu);
	else if (cpu >= 0 && s->cpuq[cpu].len)
		cpu_kick(s, cpu);
	if (s->error || (!s->have_ahead && s->pending == 0))
		ps_engine_stop(e);
}

/* Runs one record; false when it must run again at s->retry_at (OOM reap pending). */
static bool exec_event(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	ps_time_t now = ps_engine_now(s->e);
	uint64_t ns = 0, delay;

	/* The OOM killer's victims do nothing more; a new `proc` for the pid is a new task. */
	if (ev->pid >= 0 && ev->op != PS_OP_PROC && g_hash_table_size(s->killed_pids) &&
	    g_hash_table_contains(s->killed_pids, GINT_TO_POINTER(ev->pid))) {
		s->totals.events_skipped_killed++;
		s->pending--;
		return true;
	}
	if (ev->op == PS_OP_PROC && g_hash_table_size(s->killed_pids))
		g_hash_table_remove(s->killed_pids, GINT_TO_POINTER(ev->pid));
	s->retry_at = 0;
	s->cur_cpu = cpu;
	s->cur_proc = ev->pid >= 0 ? proc_find(s, ev->pid) : -1;

	switch (ev->op) {
	case PS_OP_ALLOC:
		ns = op_alloc(s, ev, cpu);
		break;
	case PS_OP_FREE:
		ns = op_free(s, ev, cpu);
		break;
	case PS_OP_PROC: {
		int pi = proc_find(s, ev->pid);

		if (pi < 0) {
			pi = proc_create(s, ev->pid, ev->comm, ev->oom_score_adj);
		} else {
			g_strlcpy(proc_at(s, pi)->comm, ev->comm, sizeof(proc_at(s, pi)->comm));
			proc_at(s, pi)->oom_score_adj = ev->oom_score_adj;
		}
		/* The reader validated the policy; nodes the machine lacks are ignored there. */
		if (!ev->mempolicy[0] ||
		    !ps_mempolicy_parse(ev->mempolicy, &proc_at(s, pi)->pol, NULL))
			ps_mempolicy_init(&proc_at(s, pi)->pol);
		break;
	}
	case PS_OP_EXIT:
		op_exit(s, ev);
		break;
	case PS_OP_MAP: {
		Vma v = {ev->addr, ev->addr + ev->len, ev->thp};
		Proc *p = proc_at(s, proc_get(s, ev->pid));

		vma_remove(p, v.start, v.end);
		g_array_insert_val(p->vmas, vma_lower(p, v.start), v);
		break;
	}
	case PS_OP_TOUCH:
		ns = op_touch(s, ev, cpu);
		break;
	case PS_OP_UNMAP:
		ns = op_unmap(s, ev, cpu);
		break;
	case PS_OP_COMPACT:
		/* echo 1 > /proc/sys/vm/compact_memory: every zone, fully. */
		s->compact_requests++;
		ps_event_log_write(s->evlog, now, "compact_request", NULL);
		ns += ps_compact_memory(s->m);
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
		ps_event_log_write(s->evlog, now, "drop_caches", f);
		break;
	}
	case PS_OP_OBSERVED:
		/* what the kernel did: counted in trace order by on_read, never replayed here */
		break;
	case PS_NR_TRACE_OPS:
		g_assert_not_reached();
	}
	s->cur_cpu = -1;
	s->cur_proc = -1;
	if (s->retry_at)
		return false;
	delay = now - ev->t_ns;
	if (delay) {
		s->totals.delayed_events++;
		s->totals.carried_delay_ns += delay;
		s->totals.max_delay_ns = MAX(s->totals.max_delay_ns, delay);
	}
	s->totals.events++;
	if (cpu >= 0)
		s->busy_until[cpu] = now + ns;
	s->totals.latency_ns += ns;
	s->pending--;
	if (s->opts.check && !s->error && !ps_machine_check(s->m, &s->error))
		g_prefix_error(&s->error, "invariant broken after %s:%" G_GUINT64_FORMAT ": ",
			       s->trace_path, s->totals.events);
	if (s->opts.progress && (s->totals.events & 0xffff) == 0)
		s->opts.progress(s->opts.progress_data, s->totals.events, now);
	return true;
}

static void sample(PsSim *s, ps_time_t now)
{
	PsMachine *m = s->m;

	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];
		ps_pfn_t pb_mask = (ps_pfn_t)m->pageblock_nr_pages - 1;
		uint64_t mixed = 0;

		if (!ps_zone_populated(z))
			continue;
		for (ps_pfn_t p = z->start_pfn & ~pb_mask; p < ps_zone_end_pfn(z);
		     p += (ps_pfn_t)m->pageblock_nr_pages) {
			uint64_t b = (p - m->map.base_pfn) >> m->pageblock_order;
			enum ps_migratetype t = ps_pageblock_mt(m, p);

			if (t >= PS_MT_PCPTYPES)
				continue;
			for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
				if (mt != (int)t && s->pb_alloc[b * PS_MT_PCPTYPES + mt]) {
					mixed++;
					break;
				}
		}
		s->extra[i].mixed_pageblocks = mixed;
		/* "active": it is running now, or it worked since the previous sample. */
		s->extra[i].kswapd_active =
		    ps_kswapd_active(s->policy, z->node) ||
		    ps_kswapd_busy_ns(s->policy, z->node) > s->kswapd_busy_seen[z->node];
		s->extra[i].kcompactd_active =
		    ps_kcompactd_busy_ns(s->policy, z->node) > s->kcompactd_busy_seen[z->node];
		s->extra[i].direct_reclaims = s->node_direct[z->node];
		s->extra[i].oom_kills = s->oom_since_sample;
	}
	ps_timeline_sample(s->tl, now, m, s->extra);
	for (int n = 0; n < m->nr_nodes; n++) {
		s->kswapd_busy_seen[n] = ps_kswapd_busy_ns(s->policy, n);
		s->kcompactd_busy_seen[n] = ps_kcompactd_busy_ns(s->policy, n);
	}
	memset(s->node_direct, 0, sizeof(s->node_direct));
	s->oom_since_sample = 0;
	ps_latency_log_window(s->lat, s->window_start, now, s->hists);
	for (int p = 0; p < PS_NR_ALLOC_PATHS; p++) {
		ps_hist_merge(&s->run_hists[p], &s->hists[p]);
		ps_hist_reset(&s->hists[p]);
	}
	s->window_start = now;
	s->last_sample = now;
}

static void on_sample(PsEngine *e, const PsEvent *pev, void *data)
{
	PsSim *s = data;

	sample(s, ps_engine_now(e));
	ps_engine_schedule(e, ps_engine_now(e) + s->cfg->sampling.sample_ns, s->ev_sample, 0, 0);
}

static void on_decay(PsEngine *e, const PsEvent *pev, void *data)
{
	PsSim *s = data;

	ps_pcp_decay(s->m);
	ps_engine_schedule(e, ps_engine_now(e) + s->m->sysctl.stat_interval_ns, s->ev_decay, 0, 0);
}

/* ---- the host side of reclaim and OOM (PsHostOps) ---------------------------------------- */

/* Frees a resident record's pages on behalf of reclaim or the reaper; the record stays. */
static void rec_drop_pages(PsSim *s, uint32_t ri, int cpu)
{
	Rec *r = rec_at(s, ri);
	uint64_t pages = 1ull << r->order;

	ps_lru_del(s->policy, ri);
	ps_free_pages(s->m, r->pfn, r->order, cpu);
	pb_account(s, r->pfn, r->order, r->mt, -1);
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

static void host_evict(void *data, uint32_t h, bool swapped)
{
	PsSim *s = data;
	Rec *r = rec_at(s, h);
	uint64_t pages = 1ull << r->order;

	rec_drop_pages(s, h, reclaim_cpu(s, r->pfn));
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
		/* rss: mapped user memory; the task's kernel allocations stand in for its page
		 * tables (generators emit page tables and stacks as kind kernel). */
		t.rss_pages = p->kind_pages[PS_KIND_ANON] + p->kind_pages[PS_KIND_FILE];
		t.swap_pages = p->swap_pages;
		t.pgtable_pages = p->kind_pages[PS_KIND_KERNEL];
		t.unkillable = p->pid <= 1; /* the kernel (pid 0) and init */
		t.victim = p->killed;
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
	ps_event_log_write(s->evlog, ps_engine_now(s->e), "oom_kill", f);
	ps_engine_schedule(s->e, reap_at, s->ev_reap, (uint32_t)pi, 0);
}

/* The reaper: everything the victim still holds goes back; the task is gone. */
static void on_reap(PsEngine *e, const PsEvent *ev, void *data)
{
	PsSim *s = data;
	int pi = (int)ev->arg0;
	Proc *p = proc_at(s, pi);
	uint64_t freed = 0;
	cJSON *f;

	for (uint32_t ri = p->head; ri != REC_NONE; ri = rec_at(s, ri)->next) {
		Rec *r = rec_at(s, ri);

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
	s->last_pid = -1;
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
	pb_account(s, old_pfn, r->order, r->mt, -1);
	r->pfn = new_pfn;
	pb_account(s, new_pfn, r->order, r->mt, +1);
	ps_lru_move(s->policy, h, new_pfn);
}

static void host_event(void *data, const char *type, const char *const *keys, const int64_t *vals)
{
	PsSim *s = data;
	cJSON *f = cJSON_CreateObject();

	for (int i = 0; keys && keys[i]; i++)
		cJSON_AddNumberToObject(f, keys[i], (double)vals[i]);
	ps_event_log_write(s->evlog, ps_engine_now(s->e), type, f);
}

/* ---- setup and outputs ------------------------------------------------------------------ */

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
	s->config_path = g_strdup(opts->config_path);
	s->opts.out_dir = s->out_dir;
	s->opts.config_path = s->config_path;
	if (opts->sample_ns)
		s->cfg->sampling.sample_ns = opts->sample_ns;
	if (opts->seed)
		spec.seed = opts->seed;
	s->cfg->spec.seed = spec.seed;

	s->m = ps_machine_setup(&spec, error);
	if (!s->m)
		return NULL;
	s->e = ps_engine_new();
	s->ev_read = ps_engine_register(s->e, "trace-read", on_read, s);
	s->ev_exec = ps_engine_register(s->e, "trace-exec", on_exec, s);
	s->ev_sample = ps_engine_register(s->e, "sample", on_sample, s);
	s->ev_decay = ps_engine_register(s->e, "pcp-decay", on_decay, s);
	s->fid = ps_fidelity_new(s->m);
	s->slots = g_array_new(FALSE, FALSE, sizeof(PsTraceEvent));
	s->free_slots = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	s->recs = g_array_new(FALSE, FALSE, sizeof(Rec));
	s->free_recs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	s->id_map = g_array_new(FALSE, TRUE, sizeof(uint32_t));
	s->id_big = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->procs = g_array_new(FALSE, FALSE, sizeof(Proc));
	s->pid_map = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->last_pid = -1;
	s->busy_until = g_new0(uint64_t, s->m->nr_cpus);
	s->cpuq = g_new0(CpuQueue, s->m->nr_cpus);
	nblocks = (s->m->map.end_pfn - s->m->map.base_pfn) >> s->m->pageblock_order;
	s->pb_alloc = g_new0(uint32_t, nblocks * PS_MT_PCPTYPES);
	s->extra = g_new0(PsZoneSampleExtra, s->m->nr_zones);
	for (int p = 0; p < PS_NR_ALLOC_PATHS; p++) {
		ps_hist_reset(&s->hists[p]);
		ps_hist_reset(&s->run_hists[p]);
	}
	s->fallbacks = ps_fallback_stats_new(s->m);
	ps_fallback_stats_attach(s->fallbacks, s->m);
	s->ev_reap = ps_engine_register(s->e, "oom-reap", on_reap, s);
	s->killed_pids = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->oom_tasks = g_array_new(FALSE, FALSE, sizeof(PsOomTask));
	s->oom_task_proc = g_array_new(FALSE, FALSE, sizeof(int));
	s->cur_cpu = s->cur_proc = -1;
	{
		PsHostOps host = {
		    .data = s,
		    .evict = host_evict,
		    .oom_tasks = host_oom_tasks,
		    .oom_kill = host_oom_kill,
		    .event = host_event,
		    .migrated = host_migrated,
		};

		s->policy = ps_policy_new(s->m, s->e, &s->cfg->reclaim, &host);
	}
	return g_steal_pointer(&s);
}

void ps_sim_free(PsSim *s)
{
	if (!s)
		return;
	if (s->digest_thread)
		g_free(g_thread_join(s->digest_thread));
	if (s->tl)
		ps_timeline_abort(s->tl);
	if (s->lat)
		ps_latency_log_abort(s->lat);
	if (s->evlog)
		ps_event_log_abort(s->evlog);
	if (s->reader)
		ps_trace_reader_close(s->reader);
	ps_policy_free(s->policy);
	if (s->killed_pids)
		g_hash_table_unref(s->killed_pids);
	if (s->oom_tasks)
		g_array_unref(s->oom_tasks);
	if (s->oom_task_proc)
		g_array_unref(s->oom_task_proc);
	if (s->procs) {
		for (guint i = 0; i < s->procs->len; i++) {
			g_array_unref(proc_at(s, (int)i)->vmas);
			g_hash_table_unref(proc_at(s, (int)i)->vpn);
		}
		g_array_unref(s->procs);
	}
	if (s->pid_map)
		g_hash_table_unref(s->pid_map);
	if (s->slots)
		g_array_unref(s->slots);
	if (s->free_slots)
		g_array_unref(s->free_slots);
	if (s->recs)
		g_array_unref(s->recs);
	if (s->free_recs)
		g_array_unref(s->free_recs);
	if (s->id_map)
		g_array_unref(s->id_map);
	if (s->id_big)
		g_hash_table_unref(s->id_big);
	g_free(s->busy_until);
	if (s->cpuq)
		for (int c = 0; c < s->m->nr_cpus; c++)
			g_free(s->cpuq[c].buf);
	g_free(s->cpuq);
	g_free(s->pb_alloc);
	g_free(s->extra);
	g_clear_pointer(&s->fallbacks, ps_fallback_stats_free);
	g_clear_pointer(&s->snap, ps_snapshot_free);
	g_clear_pointer(&s->fid, ps_fidelity_free);
	ps_engine_free(s->e);
	ps_machine_free(s->m);
	ps_config_free(s->cfg);
	g_free(s->out_dir);
	g_free(s->config_path);
	g_free(s->trace_path);
	g_clear_error(&s->error);
	g_free(s);
}

static char *file_digest(const char *path)
{
	g_autoptr(GChecksum) ck = NULL;
	g_autoptr(GMappedFile) mf = NULL;

	if (!path || !strcmp(path, "-"))
		return NULL;
	mf = g_mapped_file_new(path, FALSE, NULL);
	if (!mf)
		return NULL;
	ck = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(ck, (const guchar *)g_mapped_file_get_contents(mf),
			  (gssize)g_mapped_file_get_length(mf));
	return g_strdup_printf("sha256:%s", g_checksum_get_string(ck));
}

/* The trace's digest is worked out beside the replay, on another core: it reads the whole file. */
static gpointer digest_thread_fn(gpointer path)
{
	char *d = file_digest(path);

	g_free(path);
	return d;
}

static char *out_path(const PsSim *s, const char *name)
{
	return g_build_filename(s->out_dir, name, NULL);
}

static gboolean write_proc_file(PsSim *s, const char *name, void (*fmt)(PsMachine *, GString *),
				GError **error)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree char *path = out_path(s, name);

	fmt(s->m, text);
	return ps_write_file_atomic(path, text->str, text->len, error);
}

static cJSON *zone_final(PsSim *s, PsZone *z)
{
	PsMachine *m = s->m;
	cJSON *o = cJSON_CreateObject();
	uint64_t nr_free[PS_NR_ORDERS_MAX];
	uint64_t free_pages = (uint64_t)z->vm_stat[PS_NR_FREE_PAGES];
	int largest = -1;

	for (unsigned i = 0; i < m->nr_orders; i++) {
		nr_free[i] = z->free_area[i].nr_free;
		if (nr_free[i])
			largest = (int)i;
	}
	cJSON_AddNumberToObject(o, "node", z->node);
	cJSON_AddStringToObject(o, "zone", ps_zone_names[z->type]);
	cJSON_AddNumberToObject(o, "managed_pages", (double)z->managed);
	cJSON_AddNumberToObject(o, "free_pages", (double)free_pages);
	cJSON_AddNumberToObject(o, "free_bytes", (double)(free_pages * m->page_size));
	cJSON_AddNumberToObject(o, "pcp_pages", (double)z->nr_pcp);
	cJSON_AddNumberToObject(o, "allocated_pages", (double)z->nr_allocated);
	cJSON_AddNumberToObject(o, "largest_free_bytes",
				largest < 0 ? 0 : (double)((uint64_t)m->page_size << largest));
	cJSON_AddNumberToObject(o, "unusable_index_pageblock",
				ps_unusable_index(nr_free, m->nr_orders, m->pageblock_order) /
				    1000.0);
	cJSON_AddNumberToObject(o, "fragmentation_index_pageblock",
				ps_fragmentation_index(nr_free, m->nr_orders, m->pageblock_order) /
				    1000.0);
	cJSON_AddNumberToObject(o, "unusable_index_2m",
				ps_unusable_index(nr_free, m->nr_orders, ps_order_2m(m)) / 1000.0);
	cJSON_AddNumberToObject(o, "fragmentation_index_2m",
				ps_fragmentation_index(nr_free, m->nr_orders, ps_order_2m(m)) /
				    1000.0);
	cJSON_AddNumberToObject(o, "watermark_boost", (double)z->watermark_boost);
	cJSON_AddNumberToObject(o, "nr_reserved_highatomic", (double)z->nr_reserved_highatomic);
	return o;
}

static gboolean write_summary(PsSim *s, GError **error)
{
	PsMachine *m = s->m;
	const PsRunTotals *t = &s->totals;
	cJSON *root = cJSON_CreateObject(), *o, *zones, *ev;
	g_autofree char *cdig = file_digest(s->config_path);
	g_autofree char *tdig = s->digest_thread ? g_thread_join(g_steal_pointer(&s->digest_thread))
						 : g_strdup(s->opts.trace_digest);
	g_autofree char *path = out_path(s, "summary.json");
	char *text;
	gboolean ok;

	cJSON_AddStringToObject(root, "pagesim_summary", "1");
	o = cJSON_AddObjectToObject(root, "config");
	if (s->config_path)
		cJSON_AddStringToObject(o, "path", s->config_path);
	if (s->cfg->name)
		cJSON_AddStringToObject(o, "name", s->cfg->name);
	if (cdig)
		cJSON_AddStringToObject(o, "digest", cdig);
	cJSON_AddNumberToObject(o, "page_size", m->page_size);
	cJSON_AddNumberToObject(o, "max_order", m->max_order);
	cJSON_AddNumberToObject(o, "pageblock_order", m->pageblock_order);
	cJSON_AddNumberToObject(o, "cpus", m->nr_cpus);
	cJSON_AddNumberToObject(o, "nodes", m->nr_nodes);
	cJSON_AddNumberToObject(o, "min_free_kbytes", (double)m->sysctl.min_free_kbytes);
	cJSON_AddBoolToObject(o, "mobility_grouping", !m->sysctl.page_group_by_mobility_disabled);
	o = cJSON_AddObjectToObject(root, "trace");
	cJSON_AddStringToObject(o, "path", s->trace_path);
	if (tdig)
		cJSON_AddStringToObject(o, "digest", tdig);
	cJSON_AddStringToObject(o, "source", s->hdr.source);
	cJSON_AddNumberToObject(o, "page_size", s->hdr.page_size);
	cJSON_AddNumberToObject(o, "cpus", s->hdr.cpus);
	cJSON_AddNumberToObject(root, "seed", (double)m->spec.seed);

	o = cJSON_AddObjectToObject(root, "totals");
	cJSON_AddNumberToObject(o, "events", (double)t->events);
	cJSON_AddNumberToObject(o, "end_ns", (double)t->end_ns);
	cJSON_AddNumberToObject(o, "allocs", (double)t->allocs);
	cJSON_AddNumberToObject(o, "alloc_ok", (double)t->alloc_ok);
	cJSON_AddNumberToObject(o, "alloc_failed", (double)t->alloc_failed);
	cJSON_AddNumberToObject(o, "alloc_invalid", (double)t->alloc_invalid);
	cJSON_AddNumberToObject(o, "frees", (double)t->frees);
	cJSON_AddNumberToObject(o, "pages_allocated", (double)t->pages_allocated);
	cJSON_AddNumberToObject(o, "bytes_allocated",
				(double)(t->pages_allocated * (uint64_t)m->page_size));
	cJSON_AddNumberToObject(o, "pages_freed_trace", (double)t->pages_freed_trace);
	cJSON_AddNumberToObject(o, "pages_freed_exit", (double)t->pages_freed_exit);
	cJSON_AddNumberToObject(o, "pages_freed_reclaim", (double)t->pages_freed_reclaim);
	cJSON_AddNumberToObject(o, "pages_freed_oom", (double)t->pages_freed_oom);
	cJSON_AddNumberToObject(o, "frees_already_reclaimed", (double)t->frees_already_reclaimed);
	cJSON_AddNumberToObject(o, "refaults", (double)t->refaults);
	cJSON_AddNumberToObject(o, "direct_reclaims", (double)t->direct_reclaims);
	cJSON_AddNumberToObject(o, "oom_kills", (double)t->oom_kills);
	cJSON_AddNumberToObject(o, "oom_waits", (double)t->oom_waits);
	cJSON_AddNumberToObject(o, "events_skipped_killed", (double)t->events_skipped_killed);
	cJSON_AddNumberToObject(o, "swap_used_pages", (double)ps_swap_used(s->policy));
	cJSON_AddNumberToObject(o, "pages_live", (double)t->pages_live);
	cJSON_AddNumberToObject(o, "touch_faults", (double)t->touch_faults);
	cJSON_AddNumberToObject(o, "thp_faults", (double)t->thp_faults);
	cJSON_AddNumberToObject(o, "thp_fallbacks", (double)t->thp_fallbacks);
	cJSON_AddNumberToObject(o, "procs", (double)t->procs);
	cJSON_AddNumberToObject(o, "delayed_events", (double)t->delayed_events);
	cJSON_AddNumberToObject(o, "carried_delay_ns", (double)t->carried_delay_ns);
	cJSON_AddNumberToObject(o, "max_delay_ns", (double)t->max_delay_ns);
	cJSON_AddNumberToObject(o, "latency_ns", (double)t->latency_ns);
	cJSON_AddNumberToObject(o, "compact_requests", (double)s->compact_requests);
	cJSON_AddNumberToObject(o, "drop_caches_requests", (double)s->drop_caches_requests);
	cJSON_AddNumberToObject(o, "sysctl_writes", (double)s->sysctl_writes);
	cJSON_AddNumberToObject(o, "pcp_refills", (double)m->pcp_refills_total);
	cJSON_AddNumberToObject(o, "pcp_refill_pages", (double)m->pcp_refill_pages_total);

	/* Whole-run latency per path: count, sum, p50, p99 and max in ns (latency_hist.csv). */
	o = cJSON_AddObjectToObject(root, "latency");
	for (int p = 0; p < PS_NR_ALLOC_PATHS; p++) {
		const PsHist *h = &s->run_hists[p];
		cJSON *lp = cJSON_AddObjectToObject(o, ps_alloc_path_names[p]);

		cJSON_AddNumberToObject(lp, "count", (double)h->count);
		cJSON_AddNumberToObject(lp, "sum_ns", (double)h->sum);
		cJSON_AddNumberToObject(lp, "p50_ns", (double)ps_hist_quantile(h, 0.5));
		cJSON_AddNumberToObject(lp, "p99_ns", (double)ps_hist_quantile(h, 0.99));
		cJSON_AddNumberToObject(lp, "max_ns", (double)h->max);
	}

	o = cJSON_AddObjectToObject(root, "anomalies");
	for (int a = 0; a < PS_NR_ANOMALIES; a++)
		cJSON_AddNumberToObject(o, anomaly_names[a], (double)s->anomalies[a]);
	if (s->snap) {
		o = ps_snapshot_to_json(s->snap, m);
		cJSON_AddNumberToObject(o, "unknown_at_start_frees", (double)s->snapshot_frees);
		cJSON_AddItemToObject(root, "snapshot", o);
	}
	if (ps_fidelity_has_observed(s->fid))
		cJSON_AddItemToObject(root, "fidelity", ps_fidelity_to_json(s->fid));

	zones = cJSON_AddArrayToObject(root, "final");
	for (int i = 0; i < m->nr_zones; i++)
		if (ps_zone_populated(&m->zones[i]))
			cJSON_AddItemToArray(zones, zone_final(s, &m->zones[i]));
	ev = cJSON_AddObjectToObject(root, "vm_events");
	for (int i = 0; i < PS_NR_VM_EVENTS; i++)
		cJSON_AddNumberToObject(ev, ps_vm_event_names[i], (double)m->vm_events[i]);
	/* mm_page_alloc_extfrag as a matrix, the same counts as fallbacks.csv. */
	ev = cJSON_AddArrayToObject(root, "fallbacks");
	for (int a = 0; a < PS_MT_PCPTYPES; a++)
		for (int f = 0; f < PS_MT_PCPTYPES; f++)
			for (int fr = 1; fr >= 0 && a != f; fr--)
				for (int cl = 1; cl >= 0; cl--) {
					cJSON *row = cJSON_CreateObject();

					cJSON_AddStringToObject(row, "alloc_migratetype",
								ps_migratetype_names[a]);
					cJSON_AddStringToObject(row, "fallback_migratetype",
								ps_migratetype_names[f]);
					cJSON_AddBoolToObject(row, "fragmenting", fr);
					cJSON_AddBoolToObject(row, "change_ownership", cl);
					cJSON_AddNumberToObject(
					    row, "count",
					    (double)ps_fallback_stats_count(
						s->fallbacks, (enum ps_migratetype)a,
						(enum ps_migratetype)f, fr, cl));
					cJSON_AddItemToArray(ev, row);
				}

	if (s->opts.wall_ns) {
		uint64_t wall = s->opts.wall_ns(s->opts.wall_data);

		o = cJSON_AddObjectToObject(root, "wall");
		cJSON_AddNumberToObject(o, "seconds", (double)wall / 1e9);
		cJSON_AddNumberToObject(o, "events_per_s",
					wall ? (double)t->events * 1e9 / (double)wall : 0.0);
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	{
		g_autofree char *full = g_strconcat(text, "\n", NULL);

		ok = ps_write_file_atomic(path, full, strlen(full), error);
	}
	cJSON_free(text);
	return ok;
}

static gboolean open_outputs(PsSim *s, GError **error)
{
	g_autofree char *tl = out_path(s, "timeline.csv");
	g_autofree char *lat = out_path(s, "latency.csv");
	g_autofree char *evl = out_path(s, "events.jsonl");

	if (g_mkdir_with_parents(s->out_dir, 0755) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s",
			    s->out_dir, g_strerror(errno));
		return FALSE;
	}
	s->tl = ps_timeline_new(tl, s->m, error);
	if (!s->tl)
		return FALSE;
	s->lat = ps_latency_log_new(lat, error);
	if (!s->lat)
		return FALSE;
	s->evlog = ps_event_log_new(evl, error);
	return s->evlog != NULL;
}

static gboolean finish_outputs(PsSim *s, GError **error)
{
	PsTimeline *tl = g_steal_pointer(&s->tl);
	PsLatencyLog *lat = g_steal_pointer(&s->lat);
	PsEventLog *evl = g_steal_pointer(&s->evlog);

	if (!ps_timeline_close(tl, error)) {
		ps_latency_log_abort(lat);
		ps_event_log_abort(evl);
		return FALSE;
	}
	if (!ps_latency_log_close(lat, error)) {
		ps_event_log_abort(evl);
		return FALSE;
	}
	if (!ps_event_log_close(evl, error))
		return FALSE;
	{
		g_autofree char *fb = out_path(s, "fallbacks.csv");
		g_autofree char *lh = out_path(s, "latency_hist.csv");

		if (!ps_fallback_stats_write(s->fallbacks, fb, error) ||
		    !ps_latency_hist_write(lh, s->run_hists, error))
			return FALSE;
	}
	return write_proc_file(s, "buddyinfo", ps_format_buddyinfo, error) &&
	       write_proc_file(s, "pagetypeinfo", ps_format_pagetypeinfo, error) &&
	       write_proc_file(s, "zoneinfo", ps_format_zoneinfo, error) &&
	       write_proc_file(s, "vmstat", ps_format_vmstat, error) && write_summary(s, error);
}

gboolean ps_sim_run(PsSim *s, const char *trace_path, GError **error)
{
	PsEngine *e = s->e;
	ps_time_t end;
	int rc;

	s->trace_path = g_strdup(trace_path);
	if (s->snap)
		ps_snapshot_prefill_pcp(s->snap, s->m, trace_path);
	if (strcmp(trace_path, "-") && !s->opts.trace_digest)
		s->digest_thread =
		    g_thread_new("trace-digest", digest_thread_fn, g_strdup(trace_path));
	s->reader = ps_trace_reader_open(trace_path, &s->hdr, error);
	if (!s->reader)
		return FALSE;
	s->strict_ids =
	    g_str_has_prefix(s->hdr.source, "gen") || g_str_has_prefix(s->hdr.source, "pagesim");
	if (!open_outputs(s, error))
		return FALSE;

	sample(s, 0);
	ps_engine_schedule(e, s->cfg->sampling.sample_ns, s->ev_sample, 0, 0);
	ps_engine_schedule(e, s->m->sysctl.stat_interval_ns, s->ev_decay, 0, 0);
	rc = ps_trace_reader_next(s->reader, &s->ahead, error);
	if (rc < 0)
		return FALSE;
	s->have_ahead = rc == 1;
	if (s->have_ahead) {
		ps_engine_schedule(e, s->ahead.t_ns, s->ev_read, 0, 0);
		ps_engine_run_until(e, s->opts.until_ns ? s->opts.until_ns : PS_TIME_NEVER);
	}
	if (s->error) {
		g_propagate_error(error, g_steal_pointer(&s->error));
		return FALSE;
	}
	end = ps_engine_now(e);
	if (s->opts.until_ns && end < s->opts.until_ns)
		end = s->opts.until_ns;
	s->totals.end_ns = end;
	for (int i = 0; i < s->m->nr_zones; i++)
		s->totals.pages_live += s->m->zones[i].nr_allocated;
	if (end != s->last_sample)
		sample(s, end);
	return finish_outputs(s, error);
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
	return s->m;
}

/* ---- snapshot start (issue 6; the work is in sim/snapshot.c) ---------------------------- */

gboolean ps_sim_load_snapshot(PsSim *s, const char *kpageflags, const char *proc_dir,
			      GError **error)
{
	g_return_val_if_fail(s->snap == NULL, FALSE);
	s->snap = ps_snapshot_load(s->m, kpageflags, proc_dir, error);
	if (s->snap && proc_dir && !ps_snapshot_seed_pcp(s->snap, s->m, proc_dir, error))
		return FALSE;
	return s->snap != NULL;
}
