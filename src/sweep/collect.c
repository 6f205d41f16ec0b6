// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collect.c - results.csv from run directories: one row per complete run (summary.json present),
 * the run's point from its sweep.json and the metrics from its summary.json and latency.csv.
 *
 * results.csv is always rebuilt from the directories and replaced atomically, never appended to:
 * a sweep killed while writing it, or runs finished elsewhere (GNU parallel, Slurm) and copied in,
 * give the same table as an uninterrupted run on one machine. Nothing in it depends on where or
 * when a run ran: no paths, no wall times.
 *
 * Rows are in product order (sweep.json "index"), then by digest, so a table collected from
 * another machine's runs compares byte for byte.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "sweep/sweep.h"

const char *const ps_sweep_key_names[] = {"run", "config", "trace", "seed", NULL};

/* Checklist: a metric here has a case in metrics_row() and a line in sweeps/README.md. */
const char *const ps_sweep_metric_names[] = {
    "page_size_bytes",
    "min_free_kbytes",
    "events",
    "allocs",
    "alloc_failed",
    "alloc_failed_pct",
    "thp_faults",
    "thp_fallbacks",
    "delayed_events",
    "carried_delay_ns",
    "max_delay_ns",
    "allocstall",
    "compact_stall",
    "pgsteal",
    "oom_kill",
    "free_bytes",
    "largest_free_bytes",
    "unusable_index_2m",
    "fragmentation_index_2m",
    "watermark_boost_pages",
    "highatomic_pages",
    "slow_path_allocs",
    "p50_ns",
    "p99_ns",
    "p99_worst_window_ns",
    "latency_max_ns",
    NULL,
};

/* ---- metrics ------------------------------------------------------------------------------ */

static cJSON *load_json(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize len;
	cJSON *root;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s", local->message);
		return NULL;
	}
	root = ps_json_parse_exact(text, len, path, NULL);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s: not a JSON object",
			    path);
		return NULL;
	}
	return root;
}

/* A number at "a.b" in root; NAN if absent. */
static double num_at(const cJSON *root, const char *section, const char *key)
{
	const cJSON *o = section ? cJSON_GetObjectItemCaseSensitive(root, section) : root;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static char *num_cell(double v)
{
	if (isnan(v))
		return g_strdup("");
	if (v == floor(v) && fabs(v) < 9.2e18)
		return g_strdup_printf("%" G_GINT64_FORMAT, (int64_t)v);
	return g_strdup_printf("%.6g", v);
}

/* An integer exactly (a seed above 2^53 is a raw item), else "". */
static char *uint_cell(const cJSON *item)
{
	uint64_t v;

	if (ps_json_item_uint64(item, &v))
		return g_strdup_printf("%" G_GUINT64_FORMAT, v);
	return num_cell(cJSON_IsNumber(item) ? item->valuedouble : NAN);
}

/* latency.csv: slow-path allocations, the worst window's p99 and the largest latency. */
typedef struct {
	double slow, p99, max;
} LatencySummary;

/*
 * A run's CSV that older runs may lack: *t is NULL (and TRUE returned) when the file is not
 * there; a file that is there must read whole.
 */
static gboolean load_optional_csv(const char *path, PsCsvTable **t, GError **error)
{
	*t = NULL;
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	*t = ps_csv_load(path, error);
	if (*t)
		return TRUE;
	ps_util_error_to_domain(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, PS_SWEEP_ERROR_IO);
	return FALSE;
}

static gboolean latency_summary(const char *path, LatencySummary *ls, GError **error)
{
	g_autoptr(PsCsvTable) t = NULL;
	int path_col, count_col, p99_col, max_col;

	ls->slow = ls->p99 = ls->max = NAN;
	if (!load_optional_csv(path, &t, error))
		return FALSE;
	if (!t)
		return TRUE;
	path_col = ps_csv_column(t, "path");
	count_col = ps_csv_column(t, "count");
	p99_col = ps_csv_column(t, "p99_ns");
	max_col = ps_csv_column(t, "max_ns");
	if (path_col < 0 || count_col < 0 || p99_col < 0 || max_col < 0)
		return TRUE;
	ls->slow = ls->p99 = ls->max = 0;
	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);
		const char *p = g_ptr_array_index(row, path_col);
		double count = g_ascii_strtod(g_ptr_array_index(row, count_col), NULL);

		/* the fault rows count faults whose allocations are in the path rows already */
		if (ps_lat_row_is_fault(p))
			continue;
		if (strcmp(p, "pcp") && strcmp(p, "buddy"))
			ls->slow += count;
		if (count > 0) {
			ls->p99 =
			    MAX(ls->p99, g_ascii_strtod(g_ptr_array_index(row, p99_col), NULL));
			ls->max =
			    MAX(ls->max, g_ascii_strtod(g_ptr_array_index(row, max_col), NULL));
		}
	}
	return TRUE;
}

/*
 * latency_hist.csv: whole-run histograms per path on shared bucket edges, so merging the paths
 * bucket by bucket is exact at bucket resolution. The quantile is the upper edge of the bucket
 * where the cumulative count reaches it, as ps_hist_quantile() reports it.
 */
typedef struct {
	double upper, count;
} Bucket;

static gint bucket_cmp(gconstpointer a, gconstpointer b)
{
	const Bucket *x = a, *y = b;

	return x->upper < y->upper ? -1 : x->upper > y->upper;
}

static gboolean hist_quantiles(const char *path, const double *q, double *out, int n,
			       GError **error)
{
	g_autoptr(PsCsvTable) t = NULL;
	g_autoptr(GArray) b = g_array_new(FALSE, FALSE, sizeof(Bucket));
	int upper_col, count_col, path_col;
	double total = 0, cum = 0;
	guint i = 0;

	for (int k = 0; k < n; k++)
		out[k] = NAN;
	if (!load_optional_csv(path, &t, error))
		return FALSE;
	if (!t)
		return TRUE;
	upper_col = ps_csv_column(t, "upper_ns");
	count_col = ps_csv_column(t, "count");
	path_col = ps_csv_column(t, "path");
	if (upper_col < 0 || count_col < 0)
		return TRUE;
	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);
		Bucket k;

		/* allocations only: the fault rows' allocations are in the path rows already */
		if (path_col >= 0 && ps_lat_row_is_fault(g_ptr_array_index(row, path_col)))
			continue;
		k = (Bucket){g_ascii_strtod(g_ptr_array_index(row, upper_col), NULL),
			     g_ascii_strtod(g_ptr_array_index(row, count_col), NULL)};

		g_array_append_val(b, k);
		total += k.count;
	}
	if (total <= 0)
		return TRUE;
	g_array_sort(b, bucket_cmp);
	for (int k = 0; k < n; k++) {
		while (i < b->len && cum + g_array_index(b, Bucket, i).count < q[k] * total)
			cum += g_array_index(b, Bucket, i++).count;
		out[k] = g_array_index(b, Bucket, MIN(i, b->len - 1)).upper;
	}
	return TRUE;
}

/* Per-zone finals: sums, the largest block, and the indices of the zone with most pages. */
typedef struct {
	double free_bytes, largest, boost, highatomic, unusable, fragmentation;
} ZoneSummary;

static void zone_summary(const cJSON *summary, ZoneSummary *zs)
{
	const cJSON *zones = cJSON_GetObjectItemCaseSensitive(summary, "final");
	const cJSON *z;
	double most = -1;

	memset(zs, 0, sizeof(*zs));
	zs->unusable = zs->fragmentation = NAN;
	cJSON_ArrayForEach(z, zones)
	{
		double managed = num_at(z, NULL, "managed_pages");

		zs->free_bytes += num_at(z, NULL, "free_bytes");
		zs->largest = MAX(zs->largest, num_at(z, NULL, "largest_free_bytes"));
		zs->boost += num_at(z, NULL, "watermark_boost");
		zs->highatomic += num_at(z, NULL, "nr_reserved_highatomic");
		if (managed > most) {
			most = managed;
			zs->unusable = num_at(z, NULL, "unusable_index_2m");
			zs->fragmentation = num_at(z, NULL, "fragmentation_index_2m");
		}
	}
}

static double vm_events_sum(const cJSON *summary, const char *prefix)
{
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(summary, "vm_events");
	const cJSON *e;
	double sum = 0;

	cJSON_ArrayForEach(e, ev) if (g_str_has_prefix(e->string, prefix) && cJSON_IsNumber(e))
	    sum += e->valuedouble;
	return sum;
}

/* The metric cells of one run, in ps_sweep_metric_names order. */
static gboolean metrics_row(const char *run_dir, GPtrArray *cells, GError **error)
{
	g_autofree char *sum_path = g_build_filename(run_dir, "summary.json", NULL);
	g_autofree char *lat_path = g_build_filename(run_dir, "latency.csv", NULL);
	g_autofree char *hist_path = g_build_filename(run_dir, "latency_hist.csv", NULL);
	static const double quantiles[] = {0.5, 0.99};
	double qv[G_N_ELEMENTS(quantiles)];
	cJSON *s = load_json(sum_path, error);
	LatencySummary ls;
	ZoneSummary zs;
	double allocs, failed;

	if (!s)
		return FALSE;
	if (!latency_summary(lat_path, &ls, error) ||
	    !hist_quantiles(hist_path, quantiles, qv, G_N_ELEMENTS(quantiles), error)) {
		cJSON_Delete(s);
		return FALSE;
	}
	zone_summary(s, &zs);
	allocs = num_at(s, "totals", "allocs");
	failed = num_at(s, "totals", "alloc_failed");
	{
		const double v[] = {
		    num_at(s, "config", "page_size"),
		    num_at(s, "config", "min_free_kbytes"),
		    num_at(s, "totals", "events"),
		    allocs,
		    failed,
		    allocs > 0 ? 100.0 * failed / allocs : NAN,
		    num_at(s, "totals", "thp_faults"),
		    num_at(s, "totals", "thp_fallbacks"),
		    num_at(s, "totals", "delayed_events"),
		    num_at(s, "totals", "carried_delay_ns"),
		    num_at(s, "totals", "max_delay_ns"),
		    vm_events_sum(s, "allocstall_"),
		    num_at(s, "vm_events", "compact_stall"),
		    vm_events_sum(s, "pgsteal_kswapd") + vm_events_sum(s, "pgsteal_direct"),
		    num_at(s, "vm_events", "oom_kill"),
		    zs.free_bytes,
		    zs.largest,
		    zs.unusable,
		    zs.fragmentation,
		    zs.boost,
		    zs.highatomic,
		    ls.slow,
		    qv[0],
		    qv[1],
		    ls.p99,
		    ls.max,
		};

		G_STATIC_ASSERT(G_N_ELEMENTS(v) + 1 == G_N_ELEMENTS(ps_sweep_metric_names));
		for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
			g_ptr_array_add(cells, num_cell(v[i]));
	}
	cJSON_Delete(s);
	return TRUE;
}

static gint cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the table ---------------------------------------------------------------------------- */

typedef struct {
	double index;
	char *digest;
	GPtrArray *cells;
} Row;

static void row_clear(Row *r)
{
	g_free(r->digest);
	g_ptr_array_unref(r->cells);
}

static gint row_cmp(gconstpointer a, gconstpointer b)
{
	const Row *x = a, *y = b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return strcmp(x->digest, y->digest);
}

/* The axis keys of a run's sweep.json, in order. */
static char **point_axes(const cJSON *point)
{
	const cJSON *axes = cJSON_GetObjectItemCaseSensitive(point, "axes");
	const cJSON *a;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

	cJSON_ArrayForEach(a, axes)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "key");

		g_ptr_array_add(keys, g_strdup(cJSON_IsString(k) ? k->valuestring : "?"));
	}
	g_ptr_array_add(keys, NULL);
	return (char **)g_ptr_array_steal(keys, NULL);
}

static const char *str_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/*
 * One run directory: FALSE on a read error; row->cells NULL if it is not complete. With a plan,
 * the point (labels, index, axis values) is the plan's run; otherwise the run's sweep.json.
 */
static gboolean read_run(const char *run_dir, const PsSweepPlan *plan, const PsSweepRun *run,
			 char ***axes, Row *row, GError **error)
{
	g_autofree char *point_path = g_build_filename(run_dir, "sweep.json", NULL);
	g_autofree char *sum_path = g_build_filename(run_dir, "summary.json", NULL);
	g_auto(GStrv) keys = NULL;
	cJSON *point = load_json(point_path, error);
	const cJSON *a;

	if (!point)
		return FALSE;
	keys = point_axes(point);
	if (!*axes) {
		*axes = g_strdupv(keys);
	} else if (!run && !g_strv_equal((const char *const *)*axes, (const char *const *)keys)) {
		g_autofree char *mine = g_strjoinv(", ", keys);
		g_autofree char *first = g_strjoinv(", ", *axes);

		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_RUN,
			    "%s: axes (%s) differ from those of other runs (%s): runs of "
			    "different sweeps in one directory",
			    run_dir, mine, first);
		cJSON_Delete(point);
		return FALSE;
	}
	row->index = run ? run->index : num_at(point, NULL, "index");
	row->digest = g_path_get_basename(run_dir);
	if (!g_file_test(sum_path, G_FILE_TEST_IS_REGULAR)) {
		cJSON_Delete(point);
		return TRUE;
	}
	row->cells = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(row->cells, g_strdup(row->digest));
	if (run) {
		const PsSweepConfig *sc = g_ptr_array_index(plan->spec->configs, run->config);
		const PsSweepTrace *st = g_ptr_array_index(plan->spec->traces, run->trace);

		g_ptr_array_add(row->cells, g_strdup(sc->label));
		g_ptr_array_add(row->cells, g_strdup(st->label));
		g_ptr_array_add(row->cells, g_strdup_printf("%" G_GUINT64_FORMAT, run->seed));
		for (guint i = 0; run->values[i]; i++)
			g_ptr_array_add(row->cells, g_strdup(run->values[i]));
	} else {
		g_ptr_array_add(row->cells, g_strdup(str_at(point, "config")));
		g_ptr_array_add(row->cells, g_strdup(str_at(point, "trace")));
		g_ptr_array_add(row->cells,
				uint_cell(cJSON_GetObjectItemCaseSensitive(point, "seed")));
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(point, "axes"))
		    g_ptr_array_add(row->cells, g_strdup(str_at(a, "value")));
	}
	cJSON_Delete(point);
	return metrics_row(run_dir, row->cells, error);
}

gboolean ps_sweep_collect(const char *dir, const PsSweepPlan *plan, PsSweepCollectStats *stats,
			  GError **error)
{
	g_autofree char *runs_dir = g_build_filename(dir, "runs", NULL);
	g_autofree char *out_path = g_build_filename(dir, "results.csv", NULL);
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(Row));
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) local = NULL;
	g_autoptr(GDir) d = NULL;
	g_auto(GStrv) axes = NULL;
	g_autoptr(GHashTable) in_plan = g_hash_table_new(g_str_hash, g_str_equal);
	const char *name;
	gboolean ok = TRUE;
	bool first = true;

	memset(stats, 0, sizeof(*stats));
	g_array_set_clear_func(rows, (GDestroyNotify)row_clear);
	d = g_dir_open(runs_dir, 0, &local);
	if (!d) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s", local->message);
		return FALSE;
	}
	/* Directory order is the file system's: sort the names before anything depends on it. */
	while ((name = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, cmp_strp);
	if (plan) {
		axes = g_new0(char *, plan->spec->axes->len + 1);
		for (guint a = 0; a < plan->spec->axes->len; a++)
			axes[a] =
			    g_strdup(((PsSweepAxis *)g_ptr_array_index(plan->spec->axes, a))->key);
		for (guint r = 0; r < plan->runs->len; r++) {
			PsSweepRun *run = g_ptr_array_index(plan->runs, r);

			g_hash_table_insert(in_plan, run->digest, run);
		}
	}
	for (guint i = 0; i < names->len && ok; i++) {
		const char *base = g_ptr_array_index(names, i);
		g_autofree char *run_dir = g_build_filename(runs_dir, base, NULL);
		g_autofree char *point = g_build_filename(run_dir, "sweep.json", NULL);
		const PsSweepRun *run = g_hash_table_lookup(in_plan, base);
		Row row = {0};

		if (!g_file_test(point, G_FILE_TEST_IS_REGULAR) || (plan && !run))
			continue;
		ok = read_run(run_dir, plan, run, &axes, &row, error);
		if (ok && row.cells) {
			g_array_append_val(rows, row);
			stats->nr_rows++;
		} else {
			if (ok)
				stats->nr_incomplete++;
			g_free(row.digest);
			if (row.cells)
				g_ptr_array_unref(row.cells);
		}
	}
	if (!ok)
		return FALSE;
	if (plan)
		stats->nr_incomplete = plan->runs->len - stats->nr_rows;
	g_array_sort(rows, row_cmp);
	for (int i = 0; ps_sweep_key_names[i]; i++, first = false)
		ps_csv_append_cell(out, ps_sweep_key_names[i], first);
	for (int i = 0; axes && axes[i]; i++)
		ps_csv_append_cell(out, axes[i], false);
	for (int i = 0; ps_sweep_metric_names[i]; i++)
		ps_csv_append_cell(out, ps_sweep_metric_names[i], false);
	g_string_append_c(out, '\n');
	for (guint r = 0; r < rows->len; r++) {
		const Row *row = &g_array_index(rows, Row, r);

		for (guint c = 0; c < row->cells->len; c++)
			ps_csv_append_cell(out, g_ptr_array_index(row->cells, c), c == 0);
		g_string_append_c(out, '\n');
	}
	return ps_write_file_atomic(out_path, out->str, out->len, error);
}
