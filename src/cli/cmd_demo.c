// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_demo.c - `pagesim demo [-o DIR] [--trace T | --workload NAME [--seconds S]]`: the main
 * job in one command. Replays a page-size-portable trace on the shipped 4K, 16K and 64K machine
 * configs and prints a side-by-side table of what changed with the page size; then compares the
 * runs (`pagesim compare`: compare.md, compare.csv and overlays) and renders every run's figures
 * (`pagesim plot`), and prints where they all are. Figures are skipped, with a note, when
 * gnuplot is not installed; the runs and the comparison table do not need it.
 *
 * The default trace is workloads/build-portable.jsonl.gz: a real build (29 compiles) recorded
 * with `pagesim-capture --portable`, so each machine faults its own pages, makes its own page
 * tables and picks its own page-cache folio sizes - what a 16K or 64K kernel would do with the
 * same program, not the 4K recording's pages blown up. --workload generates a synthetic trace
 * instead (the generators are portable too); --trace takes any trace, and the comparison step
 * refuses a page-size-bound one, saying why.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/sim.h"

/* The same arm64 machine at each page size, so that only the page size differs between runs
 * (the x86 config has another zone layout and 870 MiB less memory). */
static const char *const demo_configs[] = {
    "arm64-4k-16g.json",
    "arm64-16k-16g.json",
    "arm64-64k-16g.json",
};

/* configs/ of this checkout, or of $PAGESIM_DATADIR. */
static char *config_path(const char *name)
{
	return ps_cli_data_path("configs", name);
}

typedef struct {
	char name[64];
	uint32_t page_size;
	PsRunTotals t;
	uint64_t free_bytes, largest_free;
	/* over summary.json's procs: sums of anon_peak_bytes, file_added_bytes and
	 * pagetable_peak_bytes */
	double anon_peak, file_added, pgtable_peak;
} DemoRow;

/* The per-process sums of DemoRow from the run's summary.json. */
static gboolean read_procs(const char *out, DemoRow *row, GError **error)
{
	g_autofree char *path = g_build_filename(out, "summary.json", NULL);
	g_autofree char *text = NULL;
	cJSON *sum, *procs, *p;

	if (!g_file_get_contents(path, &text, NULL, error))
		return FALSE;
	sum = cJSON_Parse(text);
	procs = cJSON_GetObjectItemCaseSensitive(sum, "procs");
	cJSON_ArrayForEach(p, procs)
	{
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, "anon_peak_bytes"),
			    *f = cJSON_GetObjectItemCaseSensitive(p, "file_added_bytes"),
			    *t = cJSON_GetObjectItemCaseSensitive(p, "pagetable_peak_bytes");

		row->anon_peak += cJSON_IsNumber(a) ? a->valuedouble : 0;
		row->file_added += cJSON_IsNumber(f) ? f->valuedouble : 0;
		row->pgtable_peak += cJSON_IsNumber(t) ? t->valuedouble : 0;
	}
	cJSON_Delete(sum);
	return TRUE;
}

static gboolean run_one(const char *cfg_file, const char *trace, const char *out, DemoRow *row,
			GError **error)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(PsSim) sim = NULL;
	PsRunOptions opts = {0};
	PsMachine *m;

	if (!ps_config_load(cfg, cfg_file, error))
		return FALSE;
	opts.config_path = cfg_file;
	opts.out_dir = out;
	sim = ps_sim_new(cfg, &opts, error);
	if (!sim || !ps_sim_run(sim, trace, error))
		return FALSE;
	m = ps_sim_machine(sim);
	g_strlcpy(row->name, cfg->name ? cfg->name : cfg_file, sizeof(row->name));
	row->page_size = m->page_size;
	row->t = *ps_sim_totals(sim);
	row->free_bytes = 0;
	row->largest_free = 0;
	row->anon_peak = row->file_added = row->pgtable_peak = 0;
	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];

		row->free_bytes += (uint64_t)z->vm_stat[PS_NR_FREE_PAGES] * m->page_size;
		for (unsigned o = 0; o < m->nr_orders; o++)
			if (z->free_area[o].nr_free)
				row->largest_free =
				    MAX(row->largest_free, (uint64_t)m->page_size << o);
	}
	g_clear_pointer(&sim, ps_sim_free);
	return read_procs(out, row, error);
}

/* The figures of each run, one row a config, and where the run directories are. */
static void print_table(const DemoRow *rows, const char *out)
{
	printf("\n%-14s %5s %9s %7s %8s %9s %5s %10s %8s %8s %9s %8s\n", "config", "page", "allocs",
	       "failed", "MiB", "faults", "THP", "anon peak", "cache", "ptables", "free MiB",
	       "largest");
	printf("%-14s %5s %9s %7s %8s %9s %5s %10s %8s %8s %9s %8s\n", "", "", "", "", "alloc'd",
	       "", "", "MiB", "MiB", "MiB", "", "MiB");
	for (size_t i = 0; i < G_N_ELEMENTS(demo_configs); i++) {
		const DemoRow *r = &rows[i];

		printf("%-14s %4uK %9" G_GUINT64_FORMAT " %7" G_GUINT64_FORMAT
		       " %8.1f %9" G_GUINT64_FORMAT " %5" G_GUINT64_FORMAT
		       " %10.1f %8.1f %8.1f %9.1f %8.1f\n",
		       r->name, r->page_size / 1024, r->t.allocs,
		       r->t.alloc_failed + r->t.alloc_invalid,
		       (double)(r->t.pages_allocated * r->page_size) / (1 << 20), r->t.touch_faults,
		       r->t.thp_faults, r->anon_peak / (1 << 20), r->file_added / (1 << 20),
		       r->pgtable_peak / (1 << 20), (double)r->free_bytes / (1 << 20),
		       (double)r->largest_free / (1 << 20));
	}
	printf("\nanon peak, cache and ptables: sums over the processes of summary.json's procs "
	       "(anon_peak_bytes, file_added_bytes: page cache the process brought in, "
	       "pagetable_peak_bytes)\n");
	printf("\nRun directories (summary.json, timeline.csv, latency.csv, events.jsonl, "
	       "buddyinfo, pagetypeinfo, zoneinfo, vmstat):\n");
	for (size_t i = 0; i < G_N_ELEMENTS(demo_configs); i++) {
		g_autofree char *base = g_strndup(demo_configs[i], strlen(demo_configs[i]) - 5);

		printf("  %s/%s\n", out, base);
	}
}

/* compare.md and its overlays over the runs, and each run's figures when gnuplot is there. */
static gboolean compare_and_plot(const char *out, GError **error)
{
	static const char *const formats[] = {"png", "svg", NULL};
	g_autofree char *gnuplot = g_find_program_in_path("gnuplot");
	g_autofree char *cmp = g_build_filename(out, "compare", NULL);
	g_autofree char *scripts = ps_cli_data_path("plots", NULL);
	g_autoptr(GPtrArray) run_dirs = g_ptr_array_new_with_free_func(g_free);
	const char *const *dirs;

	for (size_t i = 0; i < G_N_ELEMENTS(demo_configs); i++) {
		g_autofree char *b = g_strndup(demo_configs[i], strlen(demo_configs[i]) - 5);

		g_ptr_array_add(run_dirs, g_build_filename(out, b, NULL));
	}
	g_ptr_array_add(run_dirs, NULL);
	dirs = (const char *const *)run_dirs->pdata;
	fprintf(stderr, "pagesim demo: comparing -> %s\n", cmp);
	if (!ps_cli_compare(dirs, cmp, gnuplot != NULL, FALSE, error))
		return FALSE;
	for (size_t i = 0; gnuplot && i < G_N_ELEMENTS(demo_configs); i++) {
		g_autofree char *pd = g_build_filename(dirs[i], "plots", NULL);

		fprintf(stderr, "pagesim demo: plotting -> %s\n", pd);
		if (!ps_cli_render(scripts, dirs[i], pd, NULL, formats, NULL, error))
			return FALSE;
	}
	printf("\nComparison: %s/compare.md (table), %s/compare.csv", cmp, cmp);
	if (gnuplot)
		printf(", %s/plots/ (overlays)\nFigures of each run: RUN/plots/*.png and "
		       "*.svg (free memory, free memory by order, fragmentation, pageblocks,\n"
		       "fallbacks, latency, latency CDF, reclaim and compaction activity)\n",
		       cmp);
	else
		printf("\nNo figures: gnuplot is not installed (scripts/deps.sh installs "
		       "gnuplot-nox)\n");
	return TRUE;
}

int ps_cmd_demo(int argc, char **argv)
{
	g_autofree char *out = NULL, *workload = NULL, *trace = NULL;
	double seconds = 20;
	gint64 seed = 1;
	GOptionEntry entries[] = {
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Directory (default out/demo)", "DIR"},
	    {"trace", 't', 0, G_OPTION_ARG_FILENAME, &trace,
	     "Trace to replay (default workloads/build-portable.jsonl.gz, a real build)", "T"},
	    {"workload", 'w', 0, G_OPTION_ARG_STRING, &workload,
	     "Generate this workload instead of replaying a recording (pagesim gen --list)",
	     "NAME"},
	    {"seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds,
	     "Simulated seconds of a --workload (default 20)", "S"},
	    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of a --workload (default 1)", "N"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- one workload on 4K, 16K and 64K");
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
	const char *name;
	DemoRow rows[G_N_ELEMENTS(demo_configs)];
	gint64 t0 = g_get_monotonic_time();

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim demo: %s\n", error->message);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr, "pagesim demo: unexpected argument '%s' (pagesim demo --help)\n",
			argv[1]);
		return 2;
	}
	if (trace && workload) {
		fprintf(stderr, "pagesim demo: --trace and --workload: give one of them\n");
		return 2;
	}
	if (!out)
		out = g_strdup("out/demo");
	if (g_mkdir_with_parents(out, 0755) != 0) {
		fprintf(stderr, "pagesim demo: %s: %s\n", out, g_strerror(errno));
		return 1;
	}
	if (workload) {
		const PsGenerator *gen = ps_generator_find(workload);

		if (!gen) {
			fprintf(stderr, "pagesim demo: no generator '%s' (pagesim gen --list)\n",
				workload);
			return 2;
		}
		trace = g_strdup_printf("%s/%s.jsonl.gz", out, workload);
		fprintf(stderr,
			"pagesim demo: generating %s (%.0f simulated s, seed %" G_GINT64_FORMAT
			") -> %s\n",
			workload, seconds, seed, trace);
		if (!gen->run(trace, seconds, (uint64_t)seed, params, &error)) {
			fprintf(stderr, "pagesim demo: %s\n", error->message);
			return 1;
		}
	} else if (!trace) {
		trace = ps_cli_data_path("workloads", "build-portable.jsonl.gz");
	}
	name = workload ? workload : trace;
	for (size_t i = 0; i < G_N_ELEMENTS(demo_configs); i++) {
		g_autofree char *cfg = config_path(demo_configs[i]);
		g_autofree char *base = g_strndup(demo_configs[i], strlen(demo_configs[i]) - 5);
		g_autofree char *dir = g_build_filename(out, base, NULL);

		fprintf(stderr, "pagesim demo: running %s on %s -> %s\n", name, base, dir);
		if (!run_one(cfg, trace, dir, &rows[i], &error)) {
			fprintf(stderr, "pagesim demo: %s\n", error->message);
			return 1;
		}
	}

	print_table(rows, out);
	if (!compare_and_plot(out, &error)) {
		fprintf(stderr, "pagesim demo: %s\n", error->message);
		return 1;
	}
	printf("Done in %.1f s.\n", (double)(g_get_monotonic_time() - t0) / 1e6);
	return 0;
}
