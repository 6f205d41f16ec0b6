/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * faultlat.h - first-touch fault latency, measured against simulated: the calibration on
 * workloads/fault-latency-6.18/ shared by bench/bench-calibrate (prints the table) and
 * tests/e2e/test-fault-latency (asserts the bands).
 *
 * measured.csv holds repeated runs of tools/fault-latency on the recording machine (label
 * 1t-thp-off, 2t-thp-off, 1t-thp-on, 1t-stride64k); a set's figure is, for each percentile, the
 * best (lowest) over its repeats: the machine was shared, and what other work adds to a run
 * (preemption, cache pollution) is not what the model is about (workloads/README.md).
 *
 * The fit uses ONE set, one thread with THP off, and two of its figures:
 *   fault_ns         = p50 - (fast_path_ns + pcp_hit_ns + clear of one 4 KiB page): the median
 *                      fault is a pcp hit that leaves folio_add_lru's batch unfilled;
 *   lru_add_folio_ns = (p99 - p50) / PS_FOLIO_BATCH_SIZE: one fault in 31 (3.2 %, above the
 *                      1 % of p99) fills the batch and pays folio_batch_move_lru for all 31.
 * Every other cost keeps its default. The fitted pair is shipped in FL_CONFIG's "costs" (the
 * x86 machine's config): test-fault-latency fails when it differs from what the fit gives.
 * Everything else is predicted: the 1t p90 and p99.9, every
 * figure of the two-thread recording, the THP fault (p99.9 of the THP-on set: one touch in 512
 * is a 2 MiB fault, 0.2 % of them, so p99.9 is a THP fault's latency) from a simulated touch of
 * a madvised range, and the 64 KiB-stride set (one 4 KiB fault per 64 KiB: the same faults as
 * 1t) from the 1t replay.
 *
 * A replay is the pipeline of a user's own recording: `pagesim import` of the shipped
 * trace.txt.gz, `config from-proc` of its before.zoneinfo with the fitted costs added, and a
 * policy `run` from its snapshot with --proc. Simulated figures are the "fault" row of
 * latency_hist.csv (bucket upper edges: at most 1/16 above the value).
 */
#ifndef PS_FAULTLAT_H
#define PS_FAULTLAT_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "policy/policy.h"

#define FL_BAND 0.25
#define FL_DIR	"workloads/fault-latency-6.18"
/* Where the fitted constants are shipped for users: this config's "costs". */
#define FL_CONFIG "configs/x86_64-4k-16g.json"

enum { FL_P50, FL_P90, FL_P99, FL_P999, FL_NQ };
static const double fl_q[FL_NQ] = {0.5, 0.9, 0.99, 0.999};
static const char *const fl_qname[FL_NQ] = {"p50", "p90", "p99", "p99.9"};

typedef struct {
	uint64_t fault_ns, lru_add_folio_ns;
} FlFit;

static int fl_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The best over the repeats of set `label` in measured.csv of p50, p90, p99, p99.9. */
static gboolean fl_measured(const char *src, const char *label, double q[FL_NQ], GError **error)
{
	g_autofree char *path = g_build_filename(src, FL_DIR, "measured.csv", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	double v[FL_NQ][64];
	int n = 0;

	if (!g_file_get_contents(path, &text, NULL, error))
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	for (int i = 1; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);

		/* label,threads,thp,stride,faults,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns,clock
		 */
		if (g_strv_length(f) < 12 || strcmp(f[0], label) || n == 64)
			continue;
		for (int k = 0; k < FL_NQ; k++)
			v[k][n] = g_ascii_strtod(f[5 + k], NULL);
		n++;
	}
	if (!n) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no rows of %s", path,
			    label);
		return FALSE;
	}
	for (int k = 0; k < FL_NQ; k++) {
		qsort(v[k], (size_t)n, sizeof(double), fl_cmp_double);
		q[k] = v[k][0];
	}
	return TRUE;
}

static void fl_fit(const double q1t[FL_NQ], FlFit *fit)
{
	PsCosts c;

	ps_costs_default(&c);
	fit->fault_ns = (uint64_t)llround(q1t[FL_P50]) - c.fast_path_ns - c.pcp_hit_ns -
			ps_cost_clear_highpage(&c, 4096, 0);
	fit->lru_add_folio_ns =
	    (uint64_t)llround((q1t[FL_P99] - q1t[FL_P50]) / PS_FOLIO_BATCH_SIZE);
}

/* The constants shipped in FL_CONFIG's "costs" (each must be there). */
static gboolean fl_shipped(const char *src, FlFit *fit, GError **error)
{
	g_autofree char *path = g_build_filename(src, FL_CONFIG, NULL);
	g_autofree char *text = NULL;
	cJSON *root, *costs, *f, *l;
	gboolean ok;

	if (!g_file_get_contents(path, &text, NULL, error))
		return FALSE;
	root = cJSON_Parse(text);
	costs = cJSON_GetObjectItemCaseSensitive(root, "costs");
	f = cJSON_GetObjectItemCaseSensitive(costs, "fault_ns");
	l = cJSON_GetObjectItemCaseSensitive(costs, "lru_add_folio_ns");
	ok = cJSON_IsNumber(f) && cJSON_IsNumber(l);
	if (ok) {
		fit->fault_ns = (uint64_t)f->valuedouble;
		fit->lru_add_folio_ns = (uint64_t)l->valuedouble;
	} else {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: costs: fault_ns and lru_add_folio_ns missing", path);
	}
	cJSON_Delete(root);
	return ok;
}

static gboolean fl_exec(const char *const *argv, GError **error)
{
	g_autofree char *err = NULL;
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
			  &err, &status, error))
		return FALSE;
	if (!g_spawn_check_wait_status(status, error)) {
		g_prefix_error(error, "%s %s: %s: ", argv[0], argv[1], err ? err : "");
		return FALSE;
	}
	return TRUE;
}

/* config from-proc of a recording's zoneinfo, with the fitted costs added. */
static gboolean fl_config(const char *exe, const char *recdir, const FlFit *fit, const char *out,
			  GError **error)
{
	g_autofree char *zi = g_build_filename(recdir, "before.zoneinfo", NULL);
	const char *argv[] = {exe, "config", "from-proc", "--zoneinfo", zi, "-o", out, NULL};
	g_autofree char *text = NULL;
	g_autofree char *json = NULL;
	cJSON *root, *costs;

	if (!fl_exec(argv, error) || !g_file_get_contents(out, &text, NULL, error))
		return FALSE;
	root = cJSON_Parse(text);
	if (!root) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not JSON", out);
		return FALSE;
	}
	cJSON_DeleteItemFromObject(root, "costs");
	costs = cJSON_AddObjectToObject(root, "costs");
	cJSON_AddNumberToObject(costs, "fault_ns", (double)fit->fault_ns);
	cJSON_AddNumberToObject(costs, "lru_add_folio_ns", (double)fit->lru_add_folio_ns);
	json = cJSON_Print(root);
	cJSON_Delete(root);
	return g_file_set_contents(out, json, -1, error);
}

/* Nearest-rank quantiles of latency_hist.csv's "fault" row. */
static gboolean fl_hist_quantiles(const char *path, double q[FL_NQ], GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GArray *up = g_array_new(FALSE, FALSE, sizeof(double));
	GArray *cnt = g_array_new(FALSE, FALSE, sizeof(double));
	double total = 0;

	if (!g_file_get_contents(path, &text, NULL, error))
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	for (int i = 1; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
		double u, c;

		if (g_strv_length(f) < 4 || strcmp(f[0], "fault"))
			continue;
		u = g_ascii_strtod(f[1], NULL);
		c = g_ascii_strtod(f[2], NULL);
		g_array_append_val(up, u);
		g_array_append_val(cnt, c);
		total += c;
	}
	for (int k = 0; k < FL_NQ && total > 0; k++) {
		double rank = ceil(fl_q[k] * total - 1e-9), seen = 0;

		for (guint i = 0; i < up->len; i++) {
			seen += g_array_index(cnt, double, i);
			if (seen >= rank) {
				q[k] = g_array_index(up, double, i);
				break;
			}
		}
	}
	g_array_unref(up);
	g_array_unref(cnt);
	if (total <= 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no fault row", path);
		return FALSE;
	}
	return TRUE;
}

/* Import, config and policy replay of recording `rec` (1t or 2t); q: the simulated figures. */
static gboolean fl_replay(const char *exe, const char *src, const char *rec, const FlFit *fit,
			  const char *tmp, double q[FL_NQ], GError **error)
{
	g_autofree char *recdir = g_build_filename(src, FL_DIR, rec, NULL);
	g_autofree char *raw = g_build_filename(recdir, "trace.txt.gz", NULL);
	g_autofree char *snap = g_build_filename(recdir, "before.kpageflags.gz", NULL);
	g_autofree char *trace = g_strdup_printf("%s/%s.jsonl.gz", tmp, rec);
	g_autofree char *cfg = g_strdup_printf("%s/%s.json", tmp, rec);
	g_autofree char *out = g_strdup_printf("%s/%s-out", tmp, rec);
	g_autofree char *hist = g_build_filename(out, "latency_hist.csv", NULL);
	const char *imp[] = {exe, "import", raw, "-o", trace, NULL};
	const char *run[] = {exe,	   "run", "-q",	    "-c",   cfg,  "-t", trace,
			     "--snapshot", snap,  "--proc", recdir, "-o", out,	NULL};

	return fl_exec(imp, error) && fl_config(exe, recdir, fit, cfg, error) &&
	       fl_exec(run, error) && fl_hist_quantiles(hist, q, error);
}

/*
 * The THP fault: one process touches 32 MiB of a madvise(MADV_HUGEPAGE) range on the 1t
 * recording's machine, fitted costs; the simulated figure is the median fault (all THP).
 */
static gboolean fl_thp(const char *exe, const char *src, const FlFit *fit, const char *tmp,
		       double *ns, GError **error)
{
	g_autofree char *recdir = g_build_filename(src, FL_DIR, "1t", NULL);
	g_autofree char *trace = g_strdup_printf("%s/thp.jsonl", tmp);
	g_autofree char *cfg = g_strdup_printf("%s/thp.json", tmp);
	g_autofree char *out = g_strdup_printf("%s/thp-out", tmp);
	g_autofree char *hist = g_build_filename(out, "latency_hist.csv", NULL);
	const char *run[] = {exe, "run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};
	const char *text =
	    "{\"pagesim_trace\":1,\"source\":\"gen:fault-latency\",\"page_size\":4096,\"cpus\":1}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":100,\"comm\":\"fault-latency\"}\n"
	    "{\"t\":1000,\"op\":\"map\",\"pid\":100,\"addr\":140668768878592,\"len\":33554432,"
	    "\"thp\":true}\n"
	    "{\"t\":2000,\"op\":\"touch\",\"pid\":100,\"addr\":140668768878592,\"len\":33554432}\n";
	double q[FL_NQ] = {0};

	if (!g_file_set_contents(trace, text, -1, error) ||
	    !fl_config(exe, recdir, fit, cfg, error) || !fl_exec(run, error) ||
	    !fl_hist_quantiles(hist, q, error))
		return FALSE;
	*ns = q[FL_P50];
	return TRUE;
}

static gboolean fl_in_band(double measured, double sim)
{
	return sim >= measured * (1 - FL_BAND) && sim <= measured * (1 + FL_BAND);
}

#endif
