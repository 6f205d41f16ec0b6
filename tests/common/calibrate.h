/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * calibrate.h - the latency calibration against a measured malloc benchmark, shared by
 * bench/bench-calibrate (prints the table) and tests/sim/test-calibrate (checks its directions).
 *
 * For each row, `pagesim gen mallocbench` writes the trace of loops of 1024 x malloc(size), a
 * write of the first byte and free, as glibc turns them into brk/mmap, faults and unmaps; it is
 * replayed with the default costs on configs/arm64-4k-16g.json and configs/arm64-64k-16g.json
 * (the same machine but for the page size). Simulated us per operation = the steady-state
 * modelled kernel time per malloc+free pair - (totals.latency_ns of CAL_LOOPS loops minus that
 * of one loop) / ((CAL_LOOPS - 1) x 1024), leaving out glibc's one-off arena set-up in the first
 * loop as a benchmark averaging many loops does - plus the measured user-space floor (the 64 B
 * row: glibc's malloc and free from its caches, no kernel work once the arena is faulted in, the
 * same on both page sizes). A row's
 * direction: 64K / 4K below 0.9 "4K slower", above 1.1 "64K slower", else "equal" - the 10 %
 * band, which for the 64 B row means the kernel time on either page size stays below 10 % of the
 * measured operation (the simulator models the kernel only). Measured values: configs/README.md.
 */
#ifndef PS_CALIBRATE_H
#define PS_CALIBRATE_H

#include <glib/gstdio.h>

#include "config/config.h"
#include "sim/sim.h"
#include "trace/trace.h"

/* Loops of the long trace. More change no row's direction; each costs time quadratic in the
 * replay's backlog (the trace issues work faster than the modelled kernel serves it). */
#define CAL_LOOPS     8
#define CAL_USER_US   0.023
#define CAL_EQUAL_TOL 0.10
/* A simulated row's magnitude: within 25 % of the measured one (issue 15's band). */
#define CAL_BAND 0.25

typedef struct {
	const char *size; /* generator param */
	const char *label;
	double measured_4k, measured_64k; /* us per malloc + write + free */
	double sim_4k, sim_64k;
	/* The cells the default costs were fitted on (configs/README.md "costs"); the rest are
	 * predictions. fault_ns and clear_kib_ns: 4 KiB on 4K, 64 KiB on 64K; mmap_ns: 512 KiB
	 * on 4K; the 64 B row is the measured user-space floor every row adds. */
	bool fitted_4k, fitted_64k;
} CalRow;

static CalRow cal_rows[] = {
    {"64", "64 B", 0.023, 0.023, 0, 0, true, true},
    {"1K", "1 KiB", 0.290, 0.092, 0, 0, false, false},
    {"4K", "4 KiB", 1.17, 0.27, 0, 0, true, false},
    {"64K", "64 KiB", 1.58, 3.68, 0, 0, false, true},
    {"512K", "512 KiB", 3.75, 4.47, 0, 0, true, false},
};

/* Whether sim is within CAL_BAND of measured. */
static inline bool cal_in_band(double measured, double sim)
{
	return sim >= measured * (1 - CAL_BAND) && sim <= measured * (1 + CAL_BAND);
}

/* -1: 4K slower, 0: equal within the band, +1: 64K slower. */
static int cal_direction(double us_4k, double us_64k)
{
	double r = us_64k / us_4k;

	return r < 1 - CAL_EQUAL_TOL ? -1 : r > 1 + CAL_EQUAL_TOL ? 1 : 0;
}

static const char *cal_direction_name(int d)
{
	return d < 0 ? "4K slower" : d > 0 ? "64K slower" : "equal";
}

/* Removes a scratch directory and everything below it. */
static void cal_rm_rf(const char *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const char *name;

		while (d && (name = g_dir_read_name(d))) {
			g_autofree char *child = g_build_filename(path, name, NULL);

			cal_rm_rf(child);
		}
		g_rmdir(path);
	} else {
		g_unlink(path);
	}
}

/* Modelled kernel ns of one trace on one config. */
static gboolean cal_replay(const char *src_dir, const char *config, const char *trace,
			   const char *out, double *ns, GError **error)
{
	g_autofree char *cfg_path = g_build_filename(src_dir, "configs", config, NULL);
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(PsSim) sim = NULL;
	PsRunOptions opts = {0};

	if (!ps_config_load(cfg, cfg_path, error))
		return FALSE;
	opts.config_path = cfg_path;
	opts.out_dir = out;
	sim = ps_sim_new(cfg, &opts, error);
	if (!sim || !ps_sim_run(sim, trace, error))
		return FALSE;
	*ns = (double)ps_sim_totals(sim)->latency_ns;
	return TRUE;
}

/* Generates the mallocbench trace of one row with `loops` loops. */
static gboolean cal_trace(const char *size, unsigned loops, const char *path, GError **error)
{
	const PsGenerator *gen = ps_generator_find("mallocbench");
	g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
	char n[16];

	g_assert(gen);
	g_snprintf(n, sizeof(n), "%u", loops);
	g_hash_table_insert(params, (char *)"size", (char *)size);
	g_hash_table_insert(params, (char *)"loops", n);
	/* Seconds only bound the trace; 1000 s is far more than the loops need. */
	return gen->run(path, 1000, 1, params, error);
}

/* Fills sim_4k / sim_64k of every row (user floor included); work files go under tmp_dir. */
static gboolean cal_run(const char *src_dir, const char *tmp_dir, GError **error)
{
	static const char *const configs[2] = {"arm64-4k-16g.json", "arm64-64k-16g.json"};

	for (size_t i = 0; i < G_N_ELEMENTS(cal_rows); i++) {
		CalRow *r = &cal_rows[i];
		double *us[2] = {&r->sim_4k, &r->sim_64k};
		g_autofree char *t1 = g_strdup_printf("%s/mb-%s-1.jsonl.gz", tmp_dir, r->size);
		g_autofree char *tn = g_strdup_printf("%s/mb-%s-n.jsonl.gz", tmp_dir, r->size);

		if (!cal_trace(r->size, 1, t1, error) || !cal_trace(r->size, CAL_LOOPS, tn, error))
			return FALSE;
		for (int c = 0; c < 2; c++) {
			g_autofree char *o1 = g_strdup_printf("%s/%s-%d-1", tmp_dir, r->size, c);
			g_autofree char *on = g_strdup_printf("%s/%s-%d-n", tmp_dir, r->size, c);
			double ns1, nsn;

			if (!cal_replay(src_dir, configs[c], t1, o1, &ns1, error) ||
			    !cal_replay(src_dir, configs[c], tn, on, &nsn, error))
				return FALSE;
			*us[c] = (nsn - ns1) / ((CAL_LOOPS - 1) * 1024.0) / 1000.0 + CAL_USER_US;
		}
	}
	return TRUE;
}

#endif
