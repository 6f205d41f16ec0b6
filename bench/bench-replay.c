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
 * fault-heavy workload (13.8 M pages allocated by 117 k records), best of 3 replays.
 * A benchmark prints figures and asserts nothing. Usage: bench-replay [N | TRACE | kbuild]
 * [CONFIG] (an existing trace file instead of a count replays that file; kbuild runs only the
 * first figure).
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* One full replay of trace with every output written; returns its wall seconds. */
static double replay(const char *trace, const char *cfg_path, const char *out, PsRunTotals *totals)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(PsSim) sim = NULL;
	GError *error = NULL;
	PsRunOptions opts = {0};
	double t0;

	if (!ps_config_load(cfg, cfg_path, &error))
		g_error("%s", error->message);
	opts.config_path = cfg_path;
	opts.out_dir = out;
	t0 = now_s();
	sim = ps_sim_new(cfg, &opts, &error);
	if (!sim || !ps_sim_run(sim, trace, &error))
		g_error("%s", error->message);
	*totals = *ps_sim_totals(sim);
	return now_s() - t0;
}

/* The kbuild-60 figure: page operations per wall second, best of 3 replays. */
static void measure_kbuild(const char *dir, const char *cfg_path, const char *out)
{
	g_autofree char *trace = g_build_filename(dir, "kbuild60.jsonl.gz", NULL);
	g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
	const PsGenerator *g = ps_generator_find("kbuild");
	GError *error = NULL;
	double best = 0;
	uint64_t ops = 0;

	printf("bench-replay: gen kbuild --seconds 60 --seed 3, config %s\n", cfg_path);
	if (!g->run(trace, 60, 3, params, &error))
		g_error("%s", error->message);
	for (int i = 0; i < 3; i++) {
		PsRunTotals t;
		double s = replay(trace, cfg_path, out, &t);

		ops = t.pages_allocated + t.pages_freed_trace + t.pages_freed_exit +
		      t.pages_freed_reclaim + t.pages_freed_oom;
		printf("  replay %d     %8.2f s  %8.2f M page operations/s  (%" G_GUINT64_FORMAT
		       " pages allocated, %" G_GUINT64_FORMAT " freed)\n",
		       i + 1, s, (double)ops / s / 1e6, t.pages_allocated, ops - t.pages_allocated);
		best = i ? MIN(best, s) : s;
	}
	printf("  best of 3    %8.2f s  %8.2f M page operations/s (target >= 25)\n", best,
	       (double)ops / best / 1e6);
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

int main(int argc, char **argv)
{
	bool given = argc > 1 && g_file_test(argv[1], G_FILE_TEST_IS_REGULAR);
	bool kbuild_only = argc > 1 && !given && !strcmp(argv[1], "kbuild");
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
	}
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			fprintf(stderr, "bench-replay: could not remove %s\n", dir);
	}
	return 0;
}
