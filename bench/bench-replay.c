// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-replay.c - end-to-end replay speed against the cost of just parsing the same trace.
 *
 * Writes a generated trace of N events (default 5 M: allocations of all kinds and orders, frees,
 * user-memory touches, process churn), then in the same run:
 *   parse-only: the streaming reader (cJSON per line) over the whole file, no simulation;
 *   replay:     `pagesim run` on x86_64-4k-16g with every output file written.
 * and prints events/s of each and their ratio (target: replay time <= 1.5 x parse-only time).
 * Two generated traces: frees of uniformly random live allocations (the worst case for caches:
 * every free touches a cold record), and frees mostly of recent allocations (short-lived
 * objects, the common pattern of real allocators).
 * First, the headline replay rate (target >= 25 M): simulated page operations (base pages
 * allocated plus freed) per wall second replaying `pagesim gen kbuild --seconds 60 --seed 3`, a
 * fault-heavy workload (13.8 M pages allocated by 117 k records), best of 3 replays, parsing
 * the JSONL each time and then from the binary trace cache (`pagesim run`'s default path).
 * Then the shipped real recordings (`bench-replay recordings` runs only these), each on the
 * config of its own before.zoneinfo, best of 3 each: the JSONL parse alone and a policy replay
 * parsing the JSONL (their ratio: target <= 1.3), a policy replay from the binary trace cache
 * (records/s: target >= 10 M), and from the cache with the recording's snapshot and /proc files
 * (--snapshot --proc), against the recording's own duration (target >= 10x faster); the
 * pressure recordings (kswapd reclaim, THP direct compaction, slab and page-cache churn, zone
 * growth, OOM kills at 4K and 64K) too.
 * The closing table also gives the minor page faults of each best run (the start's fresh
 * arrays: huge pages cut them, util/mem.c), and the CPU seconds of the machine's set-up and
 * snapshot load (the part of a run before ps_sim_run; the pcp prefill, stale pass and LRU seed
 * come at the start of ps_sim_run, with the replay; from the started-state cache, which the
 * first run of each recording writes, the load restores all of them and ps_sim_run builds none).
 * A benchmark prints figures and asserts nothing. Usage: bench-replay [N | TRACE | kbuild |
 * recordings] [CONFIG] (an existing trace file instead of a count replays that file; kbuild runs
 * only the first figure), or bench-replay snapshot [NAME...]: only the closing table, of the
 * named recordings (all when none is named), or bench-replay cached [NAME...]: only the replay
 * from the trace cache, best of 5, with the best round's system CPU seconds and minor faults.
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "config/config.h"
#include "core/core.h"
#include "sim/sim.h"
#include "trace/trace.h"

#ifndef PS_SOURCE_DIR
#define PS_SOURCE_DIR "."
#endif

static double now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

/*
 * CPU seconds of this thread: what a replay costs without the time it waits for the disk (its
 * outputs, fsync'd only with PAGESIM_FSYNC=1) or for a core other processes hold.
 */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One recording's --snapshot --proc row of the closing table (bench-replay recordings). */
typedef struct {
	const char *name;
	double real_s, wall, cpu;
	double load_cpu; /* of cpu: ps_sim_new and ps_sim_load_snapshot (best of 3) */
	long faults;	 /* minor page faults of the best run */
	bool snapshot;
} XRow;
static XRow xrows[16];
static guint nr_xrows;

static double last_cpu;	      /* CPU seconds of the last replay_with */
static long last_faults;      /* minor page faults of the last replay_with (the process's) */
static double last_sys;	      /* of last_cpu: system CPU seconds (the process's; page faults) */
static double last_setup_cpu; /* of which ps_sim_new: the machine's arrays, zeroed */
static double last_load_cpu;  /* ps_sim_new and ps_sim_load_snapshot: before ps_sim_run */

static void write_trace(const char *path, uint64_t n, bool recent)
{
	static const uint64_t gfps[] = {PS_GFP_KERNEL, PS_GFP_HIGHUSER_MOVABLE | PS_GFP_ZERO,
					PS_GFP_KERNEL | PS_GFP_RECLAIMABLE, PS_GFP_HIGHUSER_MOVABLE,
					PS_GFP_KERNEL_ACCOUNT | PS_GFP_ZERO};
	PsTraceHeader hdr = {.version = 1, .page_size = 4096, .cpus = 2};
	GError *error = NULL;
	PsTraceWriter *w;
	GArray *live = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	PsRng r;
	uint64_t t = 0, next_id = 0;
	int pid = 100;

	g_strlcpy(hdr.source, "gen:bench", sizeof(hdr.source));
	w = ps_trace_writer_new(path, &hdr, &error);
	g_assert_no_error(error);
	ps_rng_init(&r, 1, "bench-replay");
	for (uint64_t i = 0; i < n; i++) {
		PsTraceEvent ev;
		uint64_t x = ps_rng_below(&r, 1000);

		ps_trace_event_init(&ev);
		t += 200 + ps_rng_below(&r, 800);
		ev.t_ns = t;
		if (x < 2) {
			ev.op = PS_OP_EXIT;
			ev.pid = pid++;
		} else if (x < 4) {
			ev.op = PS_OP_PROC;
			ev.pid = pid;
			g_strlcpy(ev.comm, "cc1", sizeof(ev.comm));
		} else if (x < 60) {
			ev.op = PS_OP_TOUCH;
			ev.pid = pid;
			ev.addr = (1ull << 32) + (ps_rng_below(&r, 1u << 16) << 12);
			ev.len = 4096;
		} else if (x < 540 || live->len < 64) {
			ev.op = PS_OP_ALLOC;
			ev.id = next_id++;
			ev.cpu = (int)ps_rng_below(&r, 2);
			ev.pid = pid;
			ev.order = ps_rng_below(&r, 10) ? 0 : (int)ps_rng_below(&r, 4);
			ev.gfp = gfps[ps_rng_below(&r, G_N_ELEMENTS(gfps))];
			ev.has_gfp = true;
			g_array_append_val(live, ev.id);
		} else {
			/* random: any live allocation; recent: mostly one of the last 256
			 * (short-lived objects, as allocators see them), now and then an old one.
			 */
			guint k = recent && ps_rng_below(&r, 10)
				      ? live->len - 1 - (guint)ps_rng_below(&r, MIN(live->len, 256))
				      : (guint)ps_rng_below(&r, live->len);

			ev.op = PS_OP_FREE;
			ev.id = g_array_index(live, uint64_t, k);
			g_array_remove_index_fast(live, k);
		}
		if (!ps_trace_writer_write(w, &ev, &error))
			g_error("%s", error->message);
	}
	if (!ps_trace_writer_close(w, &error))
		g_error("%s", error->message);
	g_array_unref(live);
}

/*
 * One full replay of trace with every output written (through the trace cache in cache_dir when
 * not NULL, from the snapshot kpageflags and /proc dir when not NULL); returns its wall seconds.
 */
static double replay_with(const char *trace, const PsConfig *cfg, const char *cfg_path,
			  const char *out, const char *cache_dir, const char *kpf,
			  const char *proc_dir, PsRunTotals *totals)
{
	g_autoptr(PsSim) sim = NULL;
	GError *error = NULL;
	PsRunOptions opts = {0};
	struct rusage ru;
	double t0, c0, s0;
	long f0;

	getrusage(RUSAGE_SELF, &ru);
	f0 = ru.ru_minflt;
	s0 = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	opts.config_path = cfg_path;
	opts.out_dir = out;
	opts.trace_cache_dir = cache_dir;
	/* as `pagesim run` sets it: a snapshot start restored from the started-state cache */
	opts.trace_path = trace;
	t0 = now_s();
	c0 = cpu_s();
	sim = ps_sim_new(cfg, &opts, &error);
	last_setup_cpu = cpu_s() - c0;
	if (sim && kpf && !ps_sim_load_snapshot(sim, kpf, proc_dir, &error))
		g_error("%s", error->message);
	last_load_cpu = cpu_s() - c0;
	if (!sim || !ps_sim_run(sim, trace, &error))
		g_error("%s", error->message);
	*totals = *ps_sim_totals(sim);
	g_clear_pointer(&sim, ps_sim_free);
	last_cpu = cpu_s() - c0;
	getrusage(RUSAGE_SELF, &ru);
	last_faults = ru.ru_minflt - f0;
	last_sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6 - s0;
	return now_s() - t0;
}

static double replay(const char *trace, const char *cfg_path, const char *out, PsRunTotals *totals)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	GError *error = NULL;

	if (!ps_config_load(cfg, cfg_path, &error))
		g_error("%s", error->message);
	return replay_with(trace, cfg, cfg_path, out, NULL, NULL, NULL, totals);
}

/* Seconds to read every record of trace (through the cache in cache_dir when not NULL). */
static double read_trace(const char *trace, const char *cache_dir, uint64_t *n, uint64_t *first_t,
			 uint64_t *last_t)
{
	GError *error = NULL;
	double t0 = now_s(), c0 = cpu_s();
	PsTraceReader *rd = ps_trace_reader_open_cached(trace, cache_dir, NULL, NULL, &error);
	PsTraceEvent ev;
	int rc;

	g_assert_no_error(error);
	*n = 0;
	while ((rc = ps_trace_reader_next(rd, &ev, &error)) == 1) {
		if (!(*n)++)
			*first_t = ev.t_ns;
		*last_t = ev.t_ns;
	}
	g_assert_cmpint(rc, ==, 0);
	ps_trace_reader_close(rd);
	last_cpu = cpu_s() - c0;
	return now_s() - t0;
}

/*
 * The --snapshot --proc figure of one recording (the policy replay from the cache when it has no
 * kpageflags dump), best of 3 after the caches are written, as a row of the closing table.
 */
static void measure_snapshot(const char *name, const char *trace, const PsConfig *cfg,
			     const char *rec, const char *kpf, bool has_kpf, const char *cache,
			     const char *out, double real_s, double *snap, double *snap_cpu)
{
	PsRunTotals t;
	long faults = 0;
	double load = 1e9;

	*snap = *snap_cpu = 1e9;
	/* the first run writes what later runs read: trace cache, snapshot state, derived entries
	 */
	replay_with(trace, cfg, NULL, out, cache, has_kpf ? kpf : NULL, has_kpf ? rec : NULL, &t);
	for (int i = 0; i < 3; i++) {
		double w = replay_with(trace, cfg, NULL, out, cache, has_kpf ? kpf : NULL,
				       has_kpf ? rec : NULL, &t);

		if (w < *snap)
			faults = last_faults;
		*snap = MIN(*snap, w);
		*snap_cpu = MIN(*snap_cpu, last_cpu);
		load = MIN(load, last_load_cpu);
	}
	if (nr_xrows < G_N_ELEMENTS(xrows))
		xrows[nr_xrows++] = (XRow){name, real_s, *snap, *snap_cpu, load, faults, has_kpf};
}

/*
 * A shipped recording: workloads/NAME.jsonl.gz with workloads/NAME/, or workloads/NAME/
 * trace.jsonl.gz (the pressure recordings keep their trace in their directory); its trace path
 * (free it) and its config from its before.zoneinfo.
 */
static char *recording_open(const char *name, PsConfig *cfg)
{
	g_autofree char *rec = g_strdup_printf("%s/workloads/%s", PS_SOURCE_DIR, name);
	g_autofree char *inside = g_build_filename(rec, "trace.jsonl.gz", NULL);
	g_autofree char *zi_path = g_build_filename(rec, "before.zoneinfo", NULL);
	g_autofree char *zi_text = NULL;
	GError *error = NULL;
	PsProcInput in;

	if (!g_file_get_contents(zi_path, &zi_text, NULL, &error))
		g_error("%s", error->message);
	ps_proc_input_init(&in);
	in.zoneinfo_text = zi_text;
	in.zoneinfo_path = zi_path;
	if (!ps_config_from_proc(&in, cfg, &error))
		g_error("%s", error->message);
	return g_file_test(inside, G_FILE_TEST_IS_REGULAR)
		   ? g_strdup(inside)
		   : g_strdup_printf("%s/workloads/%s.jsonl.gz", PS_SOURCE_DIR, name);
}

static void measure_recording(const char *name, const char *dir, bool snapshot_only)
{
	g_autofree char *rec = g_strdup_printf("%s/workloads/%s", PS_SOURCE_DIR, name);
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autofree char *trace = recording_open(name, cfg);
	g_autofree char *kpf = g_build_filename(rec, "before.kpageflags.gz", NULL);
	g_autofree char *cache = g_build_filename(dir, "trace-cache", NULL);
	g_autofree char *out = g_build_filename(dir, name, NULL);
	PsRunTotals t;
	double parse = 1e9, json = 1e9, cached = 1e9, snap = 1e9, real_s;
	double parse_cpu = 1e9, json_cpu = 1e9, cached_cpu = 1e9, snap_cpu = 1e9, setup = 1e9;
	bool has_kpf = g_file_test(kpf, G_FILE_TEST_IS_REGULAR);
	uint64_t n = 0, first_t = 0, last_t = 0;

	if (snapshot_only) {
		read_trace(trace, cache, &n, &first_t, &last_t); /* writes the entry */
		real_s = (double)(last_t - first_t) / 1e9;
		measure_snapshot(name, trace, cfg, rec, kpf, has_kpf, cache, out, real_s, &snap,
				 &snap_cpu);
		return;
	}
	for (int i = 0; i < 3; i++) {
		parse = MIN(parse, read_trace(trace, NULL, &n, &first_t, &last_t));
		parse_cpu = MIN(parse_cpu, last_cpu);
		json = MIN(json, replay_with(trace, cfg, NULL, out, NULL, NULL, NULL, &t));
		json_cpu = MIN(json_cpu, last_cpu);
	}
	read_trace(trace, cache, &n, &first_t, &last_t); /* writes the entry */
	for (int i = 0; i < 3; i++) {
		cached = MIN(cached, replay_with(trace, cfg, NULL, out, cache, NULL, NULL, &t));
		cached_cpu = MIN(cached_cpu, last_cpu);
		setup = MIN(setup, last_setup_cpu);
	}
	real_s = (double)(last_t - first_t) / 1e9;
	/* a recording without a kpageflags dump: --proc alone is not a run option, so the policy
	 * replay from the cache is its snapshot-less figure */
	measure_snapshot(name, trace, cfg, rec, kpf, has_kpf, cache, out, real_s, &snap, &snap_cpu);
	printf("bench-replay: %s, %" G_GUINT64_FORMAT " records over %.2f s recorded, config from "
	       "its before.zoneinfo (best of 3)\n",
	       name, n, real_s);
	printf("  parse-only (JSONL)          %6.3f s (%6.3f s CPU)  %6.2f M records/s\n", parse,
	       parse_cpu, (double)n / parse / 1e6);
	printf("  replay, parsing the JSONL   %6.3f s (%6.3f s CPU)  ratio to parse-only %.2f, "
	       "CPU %.2f (target <= 1.3)\n",
	       json, json_cpu, json / parse, json_cpu / parse_cpu);
	printf(
	    "  replay from the trace cache %6.3f s (%6.3f s CPU)  %6.2f M records/s, CPU %.2f M/s "
	    "(target >= 10)\n",
	    cached, cached_cpu, (double)n / cached / 1e6, (double)n / cached_cpu / 1e6);
	printf(
	    "    of which machine set-up   %6.3f s CPU; the replay after it %.2f M records/s CPU\n",
	    setup, (double)n / (cached_cpu - setup) / 1e6);
	printf("  %s %6.3f s (%6.3f s CPU)  %6.1fx faster than recorded, "
	       "CPU %.1fx (target >= 10x)\n",
	       has_kpf ? "+ --snapshot --proc        " : "(no kpageflags dump: cache)", snap,
	       snap_cpu, real_s / snap, real_s / snap_cpu);
}

/*
 * bench-replay cached [NAME...]: only the replay from the trace cache of the named recordings
 * (all when none is named), best of 5 (the figure of issue 16 item 2, quicker to repeat).
 */
static void measure_cached(const char *name, const char *dir)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autofree char *trace = recording_open(name, cfg);
	g_autofree char *cache = g_build_filename(dir, "trace-cache", NULL);
	g_autofree char *out = g_build_filename(dir, name, NULL);
	PsRunTotals t;
	double wall = 1e9, cpu = 1e9, setup = 1e9, sys = 1e9;
	uint64_t n = 0, first_t = 0, last_t = 0;
	long faults = 0;

	read_trace(trace, cache, &n, &first_t, &last_t); /* writes the entry */
	for (int i = 0; i < 5; i++) {
		double w = replay_with(trace, cfg, NULL, out, cache, NULL, NULL, &t);

		if (w < wall)
			faults = last_faults;
		wall = MIN(wall, w);
		cpu = MIN(cpu, last_cpu);
		setup = MIN(setup, last_setup_cpu);
		sys = MIN(sys, last_sys);
	}
	printf("  %-26s %8" G_GUINT64_FORMAT " records  %6.3f s (%6.3f s CPU, set-up %6.3f, "
	       "system %6.3f, %5ld faults)  %6.2f M records/s, CPU %.2f M/s\n",
	       name, n, wall, cpu, setup, sys, faults, (double)n / wall / 1e6,
	       (double)n / cpu / 1e6);
}

/* Every recording's replay against its recorded duration, one line each. */
static void print_xrows(void)
{
	printf(
	    "bench-replay: policy replay from the trace cache with --snapshot --proc (the snapshot "
	    "state and the pcp prefill from their cache), best of 3, against the recorded "
	    "duration (target >= 10x); load CPU s: of CPU s, the machine's set-up and the snapshot "
	    "load (ps_sim_new, ps_sim_load_snapshot), before the run's own start (pcp prefill, "
	    "stale pass, LRU seed) and replay\n");
	printf("  %-26s %9s %9s %9s %10s %8s %8s %8s\n", "recording", "real s", "wall s", "CPU s",
	       "load CPU s", "x wall", "x CPU", "faults");
	for (guint i = 0; i < nr_xrows; i++)
		printf("  %-26s %9.3f %9.3f %9.3f %10.3f %7.1fx %7.1fx %8ld%s\n", xrows[i].name,
		       xrows[i].real_s, xrows[i].wall, xrows[i].cpu, xrows[i].load_cpu,
		       xrows[i].real_s / xrows[i].wall, xrows[i].real_s / xrows[i].cpu,
		       xrows[i].faults,
		       xrows[i].snapshot ? "" : "  (no kpageflags dump: no snapshot)");
}

/*
 * The kbuild-60 figure: page operations per wall second, best of 3 replays; and per CPU second of
 * the replaying thread, what a replay costs without waiting for a core (the load of a shared VM).
 * Twice: parsing the gzip'd JSONL on every replay, and from the binary trace cache, which is what
 * `pagesim run` does by default from its second run of a trace (the first run writes the entry,
 * not timed here). The target is read against the second, the product's normal path.
 */
static void kbuild_rounds(const char *trace, const char *cfg_path, const char *out,
			  const char *cache, const char *what, const char *target)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	GError *error = NULL;
	double best = 0, best_cpu = 0;
	uint64_t ops = 0;

	if (!ps_config_load(cfg, cfg_path, &error))
		g_error("%s", error->message);
	printf("  %s\n", what);
	if (cache) {
		PsRunTotals t;

		replay_with(trace, cfg, cfg_path, out, cache, NULL, NULL, &t);
	}
	for (int i = 0; i < 3; i++) {
		PsRunTotals t;
		double s = replay_with(trace, cfg, cfg_path, out, cache, NULL, NULL, &t);

		ops = t.pages_allocated + t.pages_freed_trace + t.pages_freed_exit +
		      t.pages_freed_reclaim + t.pages_freed_oom;
		printf("  replay %d     %8.2f s  %8.2f M page operations/s  (%6.2f s CPU; "
		       "%" G_GUINT64_FORMAT " pages allocated, %" G_GUINT64_FORMAT " freed)\n",
		       i + 1, s, (double)ops / s / 1e6, last_cpu, t.pages_allocated,
		       ops - t.pages_allocated);
		best = i ? MIN(best, s) : s;
		best_cpu = i ? MIN(best_cpu, last_cpu) : last_cpu;
	}
	printf("  best of 3    %8.2f s  %8.2f M page operations/s%s; CPU %.2f s, %.2f M/s\n", best,
	       (double)ops / best / 1e6, target, best_cpu, (double)ops / best_cpu / 1e6);
}

static void measure_kbuild(const char *dir, const char *cfg_path, const char *out)
{
	g_autofree char *trace = g_build_filename(dir, "kbuild60.jsonl.gz", NULL);
	g_autofree char *cache = g_build_filename(dir, "trace-cache", NULL);
	g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
	const PsGenerator *g = ps_generator_find("kbuild");
	GError *error = NULL;

	printf("bench-replay: gen kbuild --seconds 60 --seed 3, config %s\n", cfg_path);
	if (!g->run(trace, 60, 3, params, &error))
		g_error("%s", error->message);
	kbuild_rounds(trace, cfg_path, out, NULL,
		      "parsing the JSONL on every replay (--no-trace-cache)", "");
	kbuild_rounds(trace, cfg_path, out, cache,
		      "from the trace cache (pagesim run's default once the entry exists)",
		      " (target >= 25)");
}

/* Parse-only pass, then a full replay of the same file; prints both and their ratio. */
static void measure(const char *trace, const char *cfg_path, const char *out)
{
	GError *error = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	PsRunTotals totals;
	PsTraceReader *rd;
	double t0, t_parse, t_replay;
	uint64_t parsed = 0;
	int rc;

	t0 = now_s();
	rd = ps_trace_reader_open(trace, &hdr, &error);
	g_assert_no_error(error);
	while ((rc = ps_trace_reader_next(rd, &ev, &error)) == 1)
		parsed++;
	g_assert_cmpint(rc, ==, 0);
	ps_trace_reader_close(rd);
	t_parse = now_s() - t0;

	t_replay = replay(trace, cfg_path, out, &totals);

	printf("  parse-only   %8.2f s  %8.2f M events/s\n", t_parse,
	       (double)parsed / t_parse / 1e6);
	printf("  replay       %8.2f s  %8.2f M events/s  (%" G_GUINT64_FORMAT
	       " allocations, %" G_GUINT64_FORMAT " failed)\n",
	       t_replay, (double)totals.events / t_replay / 1e6, totals.allocs,
	       totals.alloc_failed);
	printf("  replay / parse-only time ratio: %.2f (target <= 1.5)\n", t_replay / t_parse);
}

/* The shipped real recordings: two ordinary ones, then the ones made under memory pressure. */
static const char *const recordings[] = {
    "ftrace-build-6.18",      "ftrace-compact-6.18",	"ftrace-press-kswapd-6.18",
    "ftrace-press-thp-6.18",  "ftrace-press-thp2-6.18", "ftrace-press-slab-6.18",
    "ftrace-press-grow-6.18", "qemu-press-oom-4k-6.18", "qemu-press-oom-64k-6.18",
    "build-portable",	      "compact-portable",	"churn-portable",
};

int main(int argc, char **argv)
{
	bool given = argc > 1 && g_file_test(argv[1], G_FILE_TEST_IS_REGULAR);
	bool kbuild_only = argc > 1 && !given && !strcmp(argv[1], "kbuild");
	bool recordings_only = argc > 1 && !given && !strcmp(argv[1], "recordings");
	bool snapshot_only = argc > 1 && !given && !strcmp(argv[1], "snapshot");
	bool cached_only = argc > 1 && !given && !strcmp(argv[1], "cached");
	uint64_t n = argc > 1 && !given ? g_ascii_strtoull(argv[1], NULL, 10) : 5000000;
	g_autofree char *cfg_path =
	    argc > 2 ? g_strdup(argv[2])
		     : g_build_filename(PS_SOURCE_DIR, "configs", "x86_64-4k-16g.json", NULL);
	g_autofree char *dir = g_dir_make_tmp("pagesim-bench-XXXXXX", NULL);
	g_autofree char *out = g_build_filename(dir, "run", NULL);

	if (given) {
		printf("bench-replay: %s, config %s\n", argv[1], cfg_path);
		measure(argv[1], cfg_path, out);
	} else if (kbuild_only) {
		measure_kbuild(dir, cfg_path, out);
	} else if (cached_only) {
		printf(
		    "bench-replay: policy replay from the trace cache, best of 5 (target >= 10 M "
		    "records/s)\n");
		for (gsize i = 0; i < G_N_ELEMENTS(recordings); i++) {
			bool named = argc < 3;

			for (int a = 2; a < argc && !named; a++)
				named = !strcmp(argv[a], recordings[i]);
			if (named)
				measure_cached(recordings[i], dir);
		}
	} else if (recordings_only || snapshot_only) {
		/* bench-replay snapshot [NAME...]: only the closing table, of the named ones */
		for (gsize i = 0; i < G_N_ELEMENTS(recordings); i++) {
			bool named = !snapshot_only || argc < 3;

			for (int a = 2; a < argc && !named; a++)
				named = !strcmp(argv[a], recordings[i]);
			if (named)
				measure_recording(recordings[i], dir, snapshot_only);
		}
		print_xrows();
	} else {
		static const char *const kinds[] = {"random", "recent"};

		measure_kbuild(dir, cfg_path, out);
		for (int i = 0; i < 2; i++) {
			g_autofree char *trace = g_build_filename(dir, "trace.jsonl", NULL);
			double t0;

			printf("bench-replay: %" G_GUINT64_FORMAT
			       " events, frees of %s allocations, "
			       "config %s\n",
			       n, kinds[i], cfg_path);
			t0 = now_s();
			write_trace(trace, n, i == 1);
			printf("  write        %8.2f s\n", now_s() - t0);
			measure(trace, cfg_path, out);
		}
		for (gsize i = 0; i < G_N_ELEMENTS(recordings); i++)
			measure_recording(recordings[i], dir, false);
		print_xrows();
	}
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			fprintf(stderr, "bench-replay: could not remove %s\n", dir);
	}
	return 0;
}
