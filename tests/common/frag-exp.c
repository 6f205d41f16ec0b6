// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frag-exp.c - published anti-fragmentation effects (Gorman, Gupta) as runnable experiments.
 *
 * A workload is the time-merge of one or more generated traces (trace/gen_*.c) and a probe phase
 * written here: a process that maps a THP-madvised range and faults it one PMD-sized huge page at
 * a time (GFP_TRANSHUGE: direct reclaim and compaction allowed), the "huge-page allocations" the
 * papers measure. The merge shifts each input's ids and pids apart so they never collide. Each
 * experiment replays its workload twice in-process (sim/), under a baseline and a changed
 * setting, and reads the figures from the run's machine and summary.json.
 *
 * The probe's huge page is the simulated machine's PMD size (2 MiB at 4K, 512 MiB at 64K), so the
 * same experiment runs on 4K and 64K configs; at 64K the fragmenter's grain is 64 KiB (see
 * gen_fragmenter.c for why).
 */
#include <cjson/cJSON.h>
#include <glib/gstdio.h>
#include <string.h>

#include "test-util.h"
#include "frag-exp.h"
#include "sim/sim.h"

#define PROBE_PID  900000
#define PROBE_BASE 0x400000000000ull /* 512 GiB-aligned: aligned for any PMD size */
#define NS_PER_MS  1000000ull
#define NS_PER_S   1000000000ull

/* ---- workloads ---------------------------------------------------------------------------- */

static char *src_path(const char *rel)
{
	const char *dir = g_getenv("PAGESIM_SRCDIR");

#ifdef PS_SOURCE_DIR
	if (!dir)
		dir = PS_SOURCE_DIR;
#endif
	return g_build_filename(dir ? dir : ".", rel, NULL);
}

/* Runs generator `name` with "k=v" params (NULL-terminated) into path. */
static gboolean gen(const char *name, const char *const *params, double seconds, uint64_t seed,
		    const char *path, GError **error)
{
	const PsGenerator *g = ps_generator_find(name);
	g_autoptr(GHashTable) h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	g_assert(g != NULL);
	for (int i = 0; params && params[i]; i++) {
		const char *eq = strchr(params[i], '=');

		g_hash_table_insert(h, g_strndup(params[i], (gsize)(eq - params[i])),
				    g_strdup(eq + 1));
	}
	return g->run(path, seconds, seed, h, error);
}

/*
 * The probe: one process faulting `n` huge pages of `pmd_bytes`, one every gap_ns from start.
 * With `hugetlb`, it asks for them as the hugetlb pool does instead (echo N > nr_hugepages:
 * GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, kept until the end).
 */
static GArray *probe_events(uint64_t start_ns, unsigned n, uint64_t gap_ns, uint64_t pmd_bytes,
			    bool hugetlb)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(PsTraceEvent));
	PsTraceEvent ev;

	ps_trace_event_init(&ev);
	ev.t_ns = start_ns;
	ev.op = PS_OP_PROC;
	ev.pid = PROBE_PID;
	g_strlcpy(ev.comm, "hugeprobe", sizeof(ev.comm));
	g_array_append_val(a, ev);
	ps_trace_event_init(&ev);
	ev.t_ns = start_ns;
	ev.op = PS_OP_MAP;
	ev.pid = PROBE_PID;
	ev.addr = PROBE_BASE;
	ev.len = n * pmd_bytes;
	ev.thp = true;
	g_array_append_val(a, ev);
	for (unsigned i = 0; i < n; i++) {
		ps_trace_event_init(&ev);
		ev.t_ns = start_ns + 1000 + i * gap_ns;
		if (hugetlb) {
			ev.op = PS_OP_ALLOC;
			ev.id = (7ull << 48) + i;
			ev.cpu = 0;
			ev.pid = PROBE_PID;
			ev.bytes = pmd_bytes;
			ev.gfp = PS_GFP_HIGHUSER_MOVABLE | PS_GFP_COMP | PS_GFP_RETRY_MAYFAIL |
				 PS_GFP_NOWARN;
			ev.has_gfp = true;
			ev.kind = PS_KIND_KERNEL;
			g_array_append_val(a, ev);
			continue;
		}
		ev.op = PS_OP_TOUCH;
		ev.pid = PROBE_PID;
		ev.addr = PROBE_BASE + i * pmd_bytes;
		ev.len = 4096; /* the first byte faults the whole huge page */
		g_array_append_val(a, ev);
	}
	return a;
}

/* One input of a merge: a trace file or an array of events, shifted in time, ids and pids. */
typedef struct {
	PsTraceReader *r;
	GArray *events;
	guint next;
	uint64_t t_off, id_off;
	int pid_off;
	PsTraceEvent head;
	bool have;
} MergeIn;

static int merge_pull(MergeIn *in, GError **error)
{
	int rc;

	if (in->events) {
		if (in->next >= in->events->len)
			return in->have = false, 0;
		in->head = g_array_index(in->events, PsTraceEvent, in->next++);
		in->have = true;
		return 1;
	}
	rc = ps_trace_reader_next(in->r, &in->head, error);
	in->have = rc == 1;
	if (rc == 1) {
		in->head.t_ns += in->t_off;
		if (in->head.op == PS_OP_ALLOC || in->head.op == PS_OP_FREE)
			in->head.id += in->id_off;
		if (in->head.pid >= 0)
			in->head.pid += in->pid_off;
	}
	return rc;
}

/*
 * Writes the time-merge of the traces paths[] (each shifted by offs[] ns) and the probe events
 * to out. Inputs k > 0 get ids + k * 2^40 and pids + k * 100000.
 */
static gboolean merge(const char *out, const char *const *paths, const uint64_t *offs,
		      GArray *probe, GError **error)
{
	MergeIn in[5];
	int n = 0, cpus = 1;
	PsTraceHeader hdr = {.version = 1, .page_size = 4096}, h;
	PsTraceWriter *w;
	gboolean ok = TRUE;

	memset(in, 0, sizeof(in));
	for (; paths[n]; n++) {
		in[n].r = ps_trace_reader_open(paths[n], &h, error);
		if (!in[n].r)
			return FALSE;
		cpus = MAX(cpus, h.cpus);
		in[n].t_off = offs[n];
		in[n].id_off = (uint64_t)n << 40;
		in[n].pid_off = n * 100000;
	}
	if (probe)
		in[n++].events = probe;
	g_strlcpy(hdr.source, "gen:frag-exp", sizeof(hdr.source));
	hdr.cpus = cpus;
	w = ps_trace_writer_new(out, &hdr, error);
	for (int i = 0; i < n && w; i++)
		if (merge_pull(&in[i], error) < 0)
			ok = FALSE;
	while (ok && w) {
		int best = -1;

		for (int i = 0; i < n; i++)
			if (in[i].have && (best < 0 || in[i].head.t_ns < in[best].head.t_ns))
				best = i;
		if (best < 0)
			break;
		ok = ps_trace_writer_write(w, &in[best].head, error) &&
		     merge_pull(&in[best], error) >= 0;
	}
	for (int i = 0; i < n; i++)
		if (in[i].r)
			ps_trace_reader_close(in[i].r);
	if (!w)
		return FALSE;
	if (!ok) {
		ps_trace_writer_abort(w);
		return FALSE;
	}
	return ps_trace_writer_close(w, error);
}

/* ---- runs -------------------------------------------------------------------------------- */

/* Settings an experiment changes; -1 keeps the config's. */
typedef struct {
	int boost_factor;
	int proactiveness;
	int grouping;
	int compaction;
} Knobs;

#define KNOBS_NONE                                                                                 \
	{                                                                                          \
		-1, -1, -1, -1                                                                     \
	}

static double json_num(const cJSON *o, const char *a, const char *b, const char *c)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	if (c)
		x = cJSON_GetObjectItemCaseSensitive(x, c);
	return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

/* hugetlb_n: the probe asked for that many hugetlb pages (counted as live PMD-order blocks). */
static gboolean run(const char *config, const Knobs *k, const char *trace, const char *dir,
		    uint64_t seed, unsigned hugetlb_n, FragRun *r, GError **error)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autofree char *cfg_path = src_path(config);
	g_autofree char *out = g_build_filename(dir, "run", NULL);
	g_autofree char *sum_path = g_build_filename(out, "summary.json", NULL);
	g_autofree char *text = NULL;
	g_autoptr(PsSim) sim = NULL;
	PsRunOptions opts = {.out_dir = out, .seed = seed, .sample_ns = 100 * NS_PER_MS};
	const PsRunTotals *t;
	PsMachine *m;
	cJSON *sum, *fb;
	uint64_t blocks = 0, unmov = 0;

	memset(r, 0, sizeof(*r));
	if (!ps_config_load(cfg, cfg_path, error))
		return FALSE;
	if (k->boost_factor >= 0)
		cfg->spec.sysctl.watermark_boost_factor = k->boost_factor;
	if (k->proactiveness >= 0)
		cfg->spec.sysctl.compaction_proactiveness = k->proactiveness;
	if (k->grouping == 0)
		cfg->spec.sysctl.page_group_by_mobility_disabled = true;
	if (k->compaction >= 0)
		cfg->reclaim.compaction = (unsigned)k->compaction;
	sim = ps_sim_new(cfg, &opts, error);
	if (!sim || !ps_sim_run(sim, trace, error))
		return FALSE;
	t = ps_sim_totals(sim);
	m = ps_sim_machine(sim);
	r->probe_ok = t->thp_faults;
	r->probe_fail = t->thp_fallbacks;
	if (hugetlb_n) {
		r->probe_ok = 0;
		for (ps_pfn_t p = m->map.base_pfn; p < m->map.end_pfn; p++)
			if (ps_page_state(m, p) == PS_PAGE_ALLOCATED &&
			    ps_page_order(m, p) == m->spec.thp_order)
				r->probe_ok++;
		r->probe_fail = hugetlb_n - MIN(r->probe_ok, hugetlb_n);
	}
	r->probe_success = r->probe_ok + r->probe_fail
			       ? (double)r->probe_ok / (double)(r->probe_ok + r->probe_fail)
			       : 0;
	r->pgsteal = m->vm_events[PS_PGSTEAL_KSWAPD] + m->vm_events[PS_PGSTEAL_DIRECT];
	r->pgsteal_kswapd = m->vm_events[PS_PGSTEAL_KSWAPD];
	r->compact_stall = m->vm_events[PS_COMPACT_STALL];
	r->compact_success = m->vm_events[PS_COMPACT_SUCCESS];
	r->migrated = m->vm_events[PS_PGMIGRATE_SUCCESS];
	r->kswapd_runs = m->vm_events[PS_PAGEOUTRUN];
	r->kcompactd_wakes = m->vm_events[PS_COMPACT_DAEMON_WAKE];
	r->daemon_scanned = m->vm_events[PS_COMPACT_DAEMON_MIGRATE_SCANNED] +
			    m->vm_events[PS_COMPACT_DAEMON_FREE_SCANNED];
	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];

		if (!ps_zone_populated(z))
			continue;
		for (ps_pfn_t b = ps_zone_managed_start_pfn(z); b < ps_zone_end_pfn(z);
		     b += (ps_pfn_t)m->pageblock_nr_pages) {
			enum ps_migratetype mt = ps_pageblock_mt(m, b);

			blocks++;
			unmov += mt == PS_MT_UNMOVABLE || mt == PS_MT_RECLAIMABLE;
		}
	}
	r->unmovable_block_share = blocks ? (double)unmov / (double)blocks : 0;

	if (!g_file_get_contents(sum_path, &text, NULL, error))
		return FALSE;
	sum = cJSON_Parse(text);
	g_assert(sum != NULL);
	r->slow_count = (uint64_t)json_num(sum, "latency", "compaction", "count");
	r->compaction_p50_ns = (uint64_t)json_num(sum, "latency", "compaction", "p50_ns");
	r->fast_p50_ns = (uint64_t)json_num(sum, "latency", "buddy", "p50_ns");
	fb = cJSON_GetObjectItemCaseSensitive(sum, "fallbacks");
	for (const cJSON *row = fb ? fb->child : NULL; row; row = row->next) {
		uint64_t n = (uint64_t)cJSON_GetObjectItemCaseSensitive(row, "count")->valuedouble;

		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "fragmenting")))
			r->frag_fallbacks += n;
		else
			r->claims += n;
	}
	cJSON_Delete(sum);
	return TRUE;
}

/* Runs the trace under knobs a and b; the scratch directory is removed afterwards. */
static gboolean run_pair(const char *config, const Knobs *ka, const Knobs *kb, const char *trace,
			 const char *dir, uint64_t seed, unsigned hugetlb_n, FragExp *x,
			 GError **error)
{
	g_autofree char *da = g_build_filename(dir, "a", NULL);
	g_autofree char *db = g_build_filename(dir, "b", NULL);
	gboolean ok = run(config, ka, trace, da, seed, hugetlb_n, &x->a, error) &&
		      (!kb || run(config, kb, trace, db, seed, hugetlb_n, &x->b, error));

	ps_test_rm_rf(dir);
	return ok;
}

static uint64_t pmd_bytes(const FragOpts *o)
{
	return o->page_size == 65536 ? 512ull << 20 : 2ull << 20;
}

static const char *config_for(const FragOpts *o)
{
	if (o->page_size == 65536)
		return "configs/arm64-64k-16g.json";
	return o->big ? "configs/x86_64-4k-16g.json" : "configs/small-4k-256m.json";
}

/* Memory of the config in bytes (managed), to size the workloads. */
static uint64_t config_bytes(const FragOpts *o)
{
	if (o->page_size == 65536)
		return 16ull << 30;
	return o->big ? 16ull << 30 : 256ull << 20;
}

/* The grouping experiment needs room for a build: 1 GiB at 4K in the tests. */
static const char *grouping_config(const FragOpts *o)
{
	return o->page_size == 4096 && !o->big ? "configs/small-4k-1g.json" : config_for(o);
}

static uint64_t grouping_bytes(const FragOpts *o)
{
	return o->page_size == 4096 && !o->big ? 1ull << 30 : config_bytes(o);
}

/* fragmenter over `fill` of memory, then `n` probe faults every gap_ns from start_ns. */
static gboolean frag_then_probe(const FragOpts *o, const char *dir, double fill, unsigned n,
				uint64_t rest_ns, uint64_t gap_ns, char **trace, GError **error)
{
	/* The fragmenter fills 2 MiB every 0.64 ms, then punches each region in < 0.2 ms. */
	uint64_t steps = (uint64_t)((double)config_bytes(o) * fill) / (2ull << 20);
	uint64_t start_ns = NS_PER_S + steps * NS_PER_MS + rest_ns;
	g_autofree char *fp = g_build_filename(dir, "fragmenter.jsonl", NULL);
	g_autofree char *mem =
	    g_strdup_printf("mem=%" G_GUINT64_FORMAT, (uint64_t)((double)config_bytes(o) * fill));
	const char *grain = o->page_size == 65536 ? "grain=64K" : "grain=4K";
	const char *params[] = {mem, grain, NULL};
	const char *paths[] = {fp, NULL};
	uint64_t offs[] = {0};
	g_autoptr(GArray) probe = probe_events(start_ns, n, gap_ns, pmd_bytes(o), false);

	*trace = g_build_filename(dir, "workload.jsonl", NULL);
	return gen("fragmenter", params, (double)start_ns / NS_PER_S, o->seed, fp, error) &&
	       merge(*trace, paths, offs, probe, error);
}

/*
 * Sustained unmovable kernel allocations of `order` (network buffers, slab pages) from start_ns
 * to end_ns, one every gap_ns, each held hold_ns; with keep_every > 0 every keep_every-th one is
 * kept to the end (a slab cache that grows).
 */
static GArray *kernel_events(uint64_t start_ns, uint64_t end_ns, uint64_t gap_ns, int cpus,
			     int order, uint64_t gfp, uint64_t hold_ns, unsigned keep_every)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(PsTraceEvent));
	PsTraceEvent ev;
	uint64_t id = 1ull << 50, t;
	GQueue live = G_QUEUE_INIT;

	for (t = start_ns; t < end_ns; t += gap_ns) {
		/* Frees of allocations held long enough come first, in order. */
		while (!g_queue_is_empty(&live) &&
		       *(uint64_t *)g_queue_peek_head(&live) + hold_ns <= t) {
			uint64_t *rec = g_queue_pop_head(&live);

			ps_trace_event_init(&ev);
			ev.t_ns = t;
			ev.op = PS_OP_FREE;
			ev.id = rec[1];
			g_array_append_val(a, ev);
			g_free(rec);
		}
		ps_trace_event_init(&ev);
		ev.t_ns = t;
		ev.op = PS_OP_ALLOC;
		ev.id = id;
		ev.cpu = (int)(id % (uint64_t)cpus);
		ev.pid = PROBE_PID;
		ev.order = order;
		ev.gfp = gfp;
		ev.has_gfp = true;
		ev.kind = PS_KIND_KERNEL;
		g_array_append_val(a, ev);
		if (keep_every && id % keep_every == 0) {
			id++;
			continue;
		}
		{
			uint64_t *rec = g_new(uint64_t, 2);

			rec[0] = t;
			rec[1] = id++;
			g_queue_push_tail(&live, rec);
		}
	}
	g_queue_clear_full(&live, g_free);
	return a;
}

/* ---- the experiments --------------------------------------------------------------------- */

gboolean frag_exp_compaction(const FragOpts *o, FragExp *x, GError **error)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-frag-XXXXXX", error);
	g_autofree char *trace = NULL;
	Knobs ka = KNOBS_NONE, kb = KNOBS_NONE;
	/* Huge pages for 40 % of memory after the fragmenter kept a quarter of 85 %. */
	unsigned n = (unsigned)(config_bytes(o) * 2 / 5 / pmd_bytes(o));

	if (!dir || !frag_then_probe(o, dir, 0.85, n, 0, 20 * NS_PER_MS, &trace, error))
		return FALSE;
	ka.compaction = 0;
	kb.compaction = 1;
	x->name = "compaction";
	x->what = "fragmenter (85% filled, 3/4 freed), then THP faults for 40% of memory";
	x->metric = "THP fault success";
	x->label_a = "no compaction";
	x->label_b = "compaction";
	x->published = "Gorman 2010: most failures become successes; same success with 2-7x "
		       "less reclaim";
	if (!run_pair(config_for(o), &ka, &kb, trace, dir, o->seed, 0, x, error))
		return FALSE;
	x->sim_a = x->a.probe_success;
	x->sim_b = x->b.probe_success;
	return TRUE;
}

gboolean frag_exp_proactive(const FragOpts *o, FragExp *x, GError **error)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-frag-XXXXXX", error);
	g_autofree char *trace = NULL;
	Knobs ka = KNOBS_NONE, kb = KNOBS_NONE;
	unsigned n = (unsigned)(config_bytes(o) * 2 / 5 / pmd_bytes(o));

	/* A slowly growing huge-page heap: one fault every 100 ms, 1 s after the fragmenter. */
	if (!dir || !frag_then_probe(o, dir, 0.85, n, NS_PER_S, 100 * NS_PER_MS, &trace, error))
		return FALSE;
	ka.proactiveness = 0;
	kb.proactiveness = 20;
	x->name = "proactive";
	x->what = "fragmenter (all movable), rest, then THP faults: compaction_proactiveness";
	x->metric = "THP success / faults stalled in direct compaction";
	x->label_a = "proactiveness 0";
	x->label_b = "proactiveness 20";
	x->published = "Gupta 2020: ~98% success either way; latency moves from direct "
		       "compaction (tens of ms) to free blocks (us)";
	if (!run_pair(config_for(o), &ka, &kb, trace, dir, o->seed, 0, x, error))
		return FALSE;
	x->sim_a = x->a.probe_success;
	x->sim_b = x->b.probe_success;
	return TRUE;
}

gboolean frag_exp_boost(const FragOpts *o, FragExp *x, GError **error)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-frag-XXXXXX", error);
	g_autofree char *fp = g_build_filename(dir, "fragmenter.jsonl", NULL);
	g_autofree char *pc = g_build_filename(dir, "pagecache.jsonl", NULL);
	g_autofree char *trace = g_build_filename(dir, "workload.jsonl", NULL);
	g_autofree char *mem = g_strdup_printf("mem=%" G_GUINT64_FORMAT, config_bytes(o) / 4 * 3);
	const char *grain = o->page_size == 65536 ? "grain=64K" : "grain=4K";
	const char *f_params[] = {mem, grain, NULL};
	g_autofree char *fsize =
	    g_strdup_printf("file-size=%" G_GUINT64_FORMAT, config_bytes(o) / 4);
	g_autofree char *rate = g_strdup_printf("rate=%" G_GUINT64_FORMAT, config_bytes(o));
	const char *pc_params[] = {"streams=2", rate, fsize, "cpus=2", NULL};
	const char *paths[] = {fp, pc, NULL};
	double seconds = o->big ? 20 : 10;
	uint64_t start_ns = NS_PER_S / 2, end_ns = (uint64_t)(seconds * NS_PER_S);
	uint64_t offs[] = {0, start_ns};
	Knobs ka = KNOBS_NONE, kb = KNOBS_NONE;
	g_autoptr(GArray) slab = NULL;

	if (!dir)
		return FALSE;
	/*
	 * The mechanism Gorman 2018 measures: once the unmovable pageblocks are full, an unmovable
	 * request steals from a movable block, and when no whole free pageblock is there to claim
	 * the steal is a fragmenting fallback. With boosting, each such fallback raises the zone's
	 * watermark by a pageblock and wakes kswapd, which reclaims the boost (clean page cache,
	 * no writeback or swap) and then wakes kcompactd at pageblock order, so the next fallbacks
	 * find whole free pageblocks to claim. The workload makes each step happen in the main
	 * zone (DMA32), not in the 16 MiB DMA zone an exhausted DMA32 spills into: the fragmenter
	 * keeps one grain in four of 3/4 of memory mapped (free memory in pieces, movable pages
	 * compaction can move), a page-cache reader at memory's size a second fills the rest
	 * (kswapd keeps free memory near the watermarks), and a slab cache grows: a page every
	 * 200 us held 100 ms, every 16th kept to the end.
	 */
	slab = kernel_events(start_ns, end_ns, 200000, 2, 0, PS_GFP_KERNEL, 100 * NS_PER_MS, 16);
	if (!gen("fragmenter", f_params, seconds, o->seed, fp, error) ||
	    !gen("pagecache-stream", pc_params, seconds - 0.5, o->seed, pc, error) ||
	    !merge(trace, paths, offs, slab, error))
		return FALSE;
	ka.boost_factor = 0;
	kb.boost_factor = 15000;
	x->name = "boost";
	x->what = "fragmented memory + page-cache reader + growing slab: watermark_boost_factor";
	x->metric = "fragmenting fallbacks (below pageblock order)";
	x->label_a = "boost 0";
	x->label_b = "boost 15000";
	x->published = "Gorman 2018: 804694 -> 18421 and 215698 -> 14263 (-98%, -93%)";
	if (!run_pair(config_for(o), &ka, &kb, trace, dir, o->seed, 0, x, error))
		return FALSE;
	x->sim_a = (double)x->a.frag_fallbacks;
	x->sim_b = (double)x->b.frag_fallbacks;
	return TRUE;
}

gboolean frag_exp_grouping(const FragOpts *o, FragExp *x, GError **error)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-frag-XXXXXX", error);
	g_autofree char *kb_path = g_build_filename(dir, "kbuild.jsonl", NULL);
	g_autofree char *pc = g_build_filename(dir, "pagecache.jsonl", NULL);
	g_autofree char *trace = g_build_filename(dir, "workload.jsonl", NULL);
	g_autofree char *fsize =
	    g_strdup_printf("file-size=%" G_GUINT64_FORMAT, grouping_bytes(o) / 4);
	const char *params[] = {"jobs=2", NULL};
	g_autofree char *rate = g_strdup_printf("rate=%" G_GUINT64_FORMAT, grouping_bytes(o) / 2);
	const char *pc_params[] = {"streams=2", rate, fsize, "cpus=2", NULL};
	const char *paths[] = {kb_path, pc, NULL};
	uint64_t offs[] = {0, 0};
	Knobs ka = KNOBS_NONE, kb = KNOBS_NONE;
	double seconds = o->big ? 30 : 10;
	unsigned n = (unsigned)(grouping_bytes(o) * 3 / 5 / pmd_bytes(o));
	g_autoptr(GArray) probe = NULL;

	/*
	 * A build with its sources streaming through the page cache fills memory with page cache,
	 * slab and page tables; at rest (everything stopped) ask the hugetlb pool for 60 % of
	 * memory.
	 */
	probe = probe_events((uint64_t)(seconds * NS_PER_S) + NS_PER_S, n, 50 * NS_PER_MS,
			     pmd_bytes(o), true);
	if (!dir || !gen("kbuild", params, seconds, o->seed, kb_path, error) ||
	    !gen("pagecache-stream", pc_params, seconds, o->seed, pc, error) ||
	    !merge(trace, paths, offs, probe, error))
		return FALSE;
	/*
	 * Compaction stays on in both runs (a 6.18 machine): without grouping its free scanner
	 * finds no MOVABLE pageblocks to migrate into, as in the kernel. Without compaction, as in
	 * the 2005-2007 kernels, reclaim alone frees the same blocks either way in this model.
	 */
	ka.grouping = 0;
	kb.grouping = 1;
	x->name = "grouping";
	x->what = "kbuild-like mixed load, then huge pages at rest: grouping by mobility";
	x->metric = "huge-page success at rest";
	x->label_a = "grouping off";
	x->label_b = "grouping on";
	x->published = "Gorman 2005-2007: 1% -> 40-66%";
	if (!run_pair(grouping_config(o), &ka, &kb, trace, dir, o->seed, n, x, error))
		return FALSE;
	x->sim_a = x->a.probe_success;
	x->sim_b = x->b.probe_success;
	return TRUE;
}

gboolean frag_exp_stealing(const FragOpts *o, FragExp *x, GError **error)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-frag-XXXXXX", error);
	g_autofree char *pc = g_build_filename(dir, "pagecache.jsonl", NULL);
	g_autofree char *trace = g_build_filename(dir, "workload.jsonl", NULL);
	g_autofree char *fsize = g_strdup_printf(
	    "file-size=%" G_GUINT64_FORMAT, (uint64_t)(o->big ? (4ull << 30) : (256ull << 20)));
	g_autofree char *rate =
	    g_strdup_printf("rate=%" G_GUINT64_FORMAT,
			    (uint64_t)(o->page_size == 65536 ? 16ull << 30 : 1ull << 30));
	const char *pc_params[] = {"streams=4", rate, fsize, "cpus=4", NULL};
	const char *paths[] = {pc, NULL};
	uint64_t offs[] = {0};
	Knobs ka = KNOBS_NONE;
	double seconds = o->big ? 60 : 6;
	g_autoptr(GArray) probe = NULL;
	g_autoptr(GArray) o3 = NULL;
	PsTraceEvent proc;
	const char *config = o->page_size == 65536 ? "configs/arm64-64k-16g.json"
			     : o->big		   ? "configs/numa-2node-4k-64g.json"
						   : "configs/numa-2node-4k-1g.json";

	if (!dir)
		return FALSE;
	/* order-3 unmovable allocations (network buffers, slabs) held ~50 ms each */
	o3 = kernel_events(1000, (uint64_t)(seconds * NS_PER_S), 200000, 4, 3,
			   PS_GFP_KERNEL | PS_GFP_COMP | PS_GFP_NOWARN | PS_GFP_NORETRY,
			   50 * NS_PER_MS, 0);
	ps_trace_event_init(&proc);
	proc.t_ns = 0;
	proc.op = PS_OP_PROC;
	proc.pid = PROBE_PID;
	g_strlcpy(proc.comm, "netrx", sizeof(proc.comm));
	g_array_prepend_val(o3, proc);
	probe = g_steal_pointer(&o3);
	if (!gen("pagecache-stream", pc_params, seconds, o->seed, pc, error) ||
	    !merge(trace, paths, offs, probe, error))
		return FALSE;
	x->name = "stealing";
	x->what = "order-3 unmovable allocations + page-cache churn, 2-node server";
	x->metric = "Unmovable+Reclaimable pageblock share";
	x->label_a = "6.18 rules";
	x->label_b = "-";
	x->published = "FB 2016: 5% on 3.10, 33% on 4.0 (more eager stealing)";
	if (!run_pair(config, &ka, NULL, trace, dir, o->seed, 0, x, error))
		return FALSE;
	x->sim_a = x->a.unmovable_block_share;
	x->sim_b = -1;
	return TRUE;
}
