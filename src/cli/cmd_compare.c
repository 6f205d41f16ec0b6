// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_compare.c - `pagesim compare RUN_A RUN_B [...] -o DIR [--no-plots]`: runs of one trace on
 * different configs (typically 4K, 16K and 64K pages) side by side.
 *
 * Runs are compared only when their summary.json name the same trace digest: a comparison of
 * different workloads would look meaningful and mean nothing, so it is refused. So is a
 * page-size-bound trace (summary.json trace.page_size_bound: a record has an `order`, which
 * means a different size on each page size) replayed at different page sizes, unless --force,
 * which compares them with a warning row at the top of compare.md's table. Everything is
 * machine-wide and in bytes, so that page sizes compare directly; the indices at 2 MiB and at
 * each run's own pageblock are recomputed from the free blocks of all zones together (the
 * kernel's integer arithmetic, mm/vmstat.c), not averaged over zones.
 *
 * Time alignment: every run's series is sampled on the first run's sample times, each run
 * holding its last sample at or before the time (runs with the same sampling interval line up
 * exactly). Time averages weight each of a run's own samples by the time until its next one.
 *
 * DIR gets:
 *   compare.md, compare.csv   final and time-averaged metrics per run and ratios to the first
 *                             (compare.csv: metric,unit,run,label,value,ratio_to_first)
 *   compare_timeline.csv      run,label,t_ns,free_bytes,used_bytes,largest_free_bytes,
 *                             unusable_2m,unusable_pb,allocs_per_s (the aligned series)
 *   compare_latency.csv       run,label,t_ns,path,count,p50_ns,p99_ns (window midpoints)
 *   plots/                    the overlays of the scripts in plots/compare/ (unless --no-plots)
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"

/* One machine-wide sample of a run. */
typedef struct {
	uint64_t t_ns;
	uint64_t free_bytes;
	uint64_t largest_bytes;
	int unusable_2m; /* thousandths */
	int unusable_pb;
} CmpSample;

/* One latency window, all paths together (the allocation rate). */
typedef struct {
	uint64_t t_start, t_end;
	uint64_t count;
} CmpWindow;

/* One run directory, loaded. */
typedef struct {
	char *dir;
	char *label;
	cJSON *summary;
	uint32_t page_size;
	unsigned pageblock_order;
	uint64_t managed_bytes;
	double present_bytes; /* NAN when summary.json predates present_pages */
	bool page_size_bound; /* summary.json trace.page_size_bound */
	GArray *samples;      /* CmpSample, by time */
	GArray *windows;      /* CmpWindow, by time */
	GString *latency_rows;
} CmpRun;

static void cmp_run_free(CmpRun *r)
{
	g_free(r->dir);
	g_free(r->label);
	cJSON_Delete(r->summary);
	if (r->samples)
		g_array_unref(r->samples);
	if (r->windows)
		g_array_unref(r->windows);
	if (r->latency_rows)
		g_string_free(r->latency_rows, TRUE);
	g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CmpRun, cmp_run_free)

static const cJSON *jget(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	return b ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

static double jnum(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = jget(o, a, b);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/*
 * A CSV output of a run (util's reader: a row cut short, as by a run still writing it or a full
 * disk, is an error rather than a row of zeros).
 */
static PsCsvTable *read_csv(const char *dir, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	PsCsvTable *t = ps_csv_load(path, error);

	if (!t)
		ps_util_error_to_domain(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE,
					PS_REPORT_ERROR_PARSE);
	return t;
}

/* The header's names from column `from` on that start with prefix, consecutively. */
static unsigned count_prefixed(const PsCsvTable *t, int from, const char *prefix)
{
	unsigned n = 0;

	while (from >= 0 && from + n < t->header->len &&
	       g_str_has_prefix(g_ptr_array_index(t->header, from + n), prefix))
		n++;
	return n;
}

static gboolean load_timeline(CmpRun *r, GError **error)
{
	g_autoptr(PsCsvTable) t = read_csv(r->dir, "timeline.csv", error);
	int ct, cfree, o0;
	unsigned nr_orders = 0, o2m = 0;
	uint64_t nr_free[PS_NR_ORDERS_MAX] = {0};
	CmpSample cur = {0};
	bool have = false;

	if (!t)
		return FALSE;
	ct = ps_csv_column(t, "t_ns");
	cfree = ps_csv_column(t, "free_bytes");
	o0 = ps_csv_column(t, "free_blocks_o0");
	nr_orders = count_prefixed(t, o0, "free_blocks_o");
	if (ct < 0 || cfree < 0 || o0 < 0 || nr_orders > PS_NR_ORDERS_MAX) {
		g_set_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE,
			    "%s/timeline.csv: not a pagesim timeline (columns)", r->dir);
		return FALSE;
	}
	/* The order of a 2 MiB block at this page size (order 0 when pages are larger). */
	while (((uint64_t)r->page_size << o2m) < (2u << 20) && o2m + 1 < nr_orders)
		o2m++;
	r->pageblock_order = MIN(r->pageblock_order, nr_orders - 1);
	r->samples = g_array_new(FALSE, FALSE, sizeof(CmpSample));
	for (guint row = 0; row < t->rows->len; row++) {
		uint64_t t_ns = g_ascii_strtoull(ps_csv_cell(t, row, ct), NULL, 10);

		if (have && t_ns != cur.t_ns) {
			cur.unusable_2m = ps_unusable_index(nr_free, nr_orders, o2m);
			cur.unusable_pb = ps_unusable_index(nr_free, nr_orders, r->pageblock_order);
			g_array_append_val(r->samples, cur);
			memset(&cur, 0, sizeof(cur));
			memset(nr_free, 0, sizeof(nr_free));
		}
		have = true;
		cur.t_ns = t_ns;
		cur.free_bytes += g_ascii_strtoull(ps_csv_cell(t, row, cfree), NULL, 10);
		for (unsigned o = 0; o < nr_orders; o++) {
			uint64_t n = g_ascii_strtoull(ps_csv_cell(t, row, o0 + o), NULL, 10);

			nr_free[o] += n;
			if (n)
				cur.largest_bytes =
				    MAX(cur.largest_bytes, (uint64_t)r->page_size << o);
		}
	}
	if (have) {
		cur.unusable_2m = ps_unusable_index(nr_free, nr_orders, o2m);
		cur.unusable_pb = ps_unusable_index(nr_free, nr_orders, r->pageblock_order);
		g_array_append_val(r->samples, cur);
	}
	if (!r->samples->len) {
		g_set_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE,
			    "%s/timeline.csv: no samples", r->dir);
		return FALSE;
	}
	return TRUE;
}

static gboolean load_latency(CmpRun *r, guint index, GError **error)
{
	g_autoptr(PsCsvTable) t = read_csv(r->dir, "latency.csv", error);
	int cs, ce, cp, cc, c50, c99;
	CmpWindow w = {0};
	bool have = false;

	if (!t)
		return FALSE;
	cs = ps_csv_column(t, "t_start_ns");
	ce = ps_csv_column(t, "t_end_ns");
	cp = ps_csv_column(t, "path");
	cc = ps_csv_column(t, "count");
	c50 = ps_csv_column(t, "p50_ns");
	c99 = ps_csv_column(t, "p99_ns");
	if (cs < 0 || ce < 0 || cp < 0 || cc < 0 || c50 < 0 || c99 < 0) {
		g_set_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE,
			    "%s/latency.csv: not a pagesim latency file (columns)", r->dir);
		return FALSE;
	}
	r->windows = g_array_new(FALSE, FALSE, sizeof(CmpWindow));
	r->latency_rows = g_string_new(NULL);
	for (guint row = 0; row < t->rows->len; row++) {
		uint64_t ts = g_ascii_strtoull(ps_csv_cell(t, row, cs), NULL, 10);
		uint64_t te = g_ascii_strtoull(ps_csv_cell(t, row, ce), NULL, 10);

		if (have && (ts != w.t_start || te != w.t_end)) {
			g_array_append_val(r->windows, w);
			memset(&w, 0, sizeof(w));
		}
		have = true;
		w.t_start = ts;
		w.t_end = te;
		/* the fault rows count faults whose allocations are in the path rows already */
		if (!ps_lat_row_is_fault(ps_csv_cell(t, row, cp)))
			w.count += g_ascii_strtoull(ps_csv_cell(t, row, cc), NULL, 10);
		g_string_append_printf(r->latency_rows, "%u,%s,%" G_GUINT64_FORMAT ",%s,%s,%s,%s\n",
				       index + 1, r->label, (ts + te) / 2, ps_csv_cell(t, row, cp),
				       ps_csv_cell(t, row, cc), ps_csv_cell(t, row, c50),
				       ps_csv_cell(t, row, c99));
	}
	if (have)
		g_array_append_val(r->windows, w);
	return TRUE;
}

static CmpRun *load_run(const char *dir, guint index, GError **error)
{
	g_autoptr(CmpRun) r = g_new0(CmpRun, 1);
	g_autofree char *path = g_build_filename(dir, "summary.json", NULL);
	g_autofree char *text = NULL;
	const cJSON *name, *final, *z;

	r->dir = g_strdup(dir);
	if (!g_file_get_contents(path, &text, NULL, error))
		return NULL;
	r->summary = cJSON_Parse(text);
	if (!r->summary || isnan(jnum(r->summary, "config", "page_size"))) {
		g_set_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE,
			    "%s: not a pagesim run summary", path);
		return NULL;
	}
	r->page_size = (uint32_t)jnum(r->summary, "config", "page_size");
	r->pageblock_order = (unsigned)jnum(r->summary, "config", "pageblock_order");
	name = jget(r->summary, "config", "name");
	r->label = cJSON_IsString(name) ? g_strdup(name->valuestring) : g_path_get_basename(dir);
	r->page_size_bound = cJSON_IsTrue(jget(r->summary, "trace", "page_size_bound"));
	final = jget(r->summary, "final", NULL);
	cJSON_ArrayForEach(z, final)
	{
		double managed = jnum(z, "managed_pages", NULL);

		if (!isnan(managed))
			r->managed_bytes += (uint64_t)managed * r->page_size;
		/* NAN stays NAN: a summary without present_pages shows "-" */
		r->present_bytes += jnum(z, "present_pages", NULL) * r->page_size;
	}
	if (!load_timeline(r, error) || !load_latency(r, index, error))
		return NULL;
	return g_steal_pointer(&r);
}

/* The sample of r in force at time t (the last at or before it, else the first). */
static const CmpSample *sample_at(const CmpRun *r, uint64_t t)
{
	guint lo = 0, hi = r->samples->len;

	while (hi - lo > 1) {
		guint mid = (lo + hi) / 2;

		if (g_array_index(r->samples, CmpSample, mid).t_ns <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &g_array_index(r->samples, CmpSample, lo);
}

static double window_rate_at(const CmpRun *r, uint64_t t)
{
	for (guint i = 0; i < r->windows->len; i++) {
		const CmpWindow *w = &g_array_index(r->windows, CmpWindow, i);

		if (t >= w->t_start && t < w->t_end)
			return (double)w->count * 1e9 / (double)(w->t_end - w->t_start);
	}
	return 0;
}

enum cmp_field { F_FREE, F_USED, F_LARGEST, F_UNUSABLE_2M, F_UNUSABLE_PB };

static double sample_value(const CmpRun *r, const CmpSample *s, enum cmp_field f)
{
	switch (f) {
	case F_FREE:
		return (double)s->free_bytes;
	case F_USED:
		return (double)(r->managed_bytes > s->free_bytes ? r->managed_bytes - s->free_bytes
								 : 0);
	case F_LARGEST:
		return (double)s->largest_bytes;
	case F_UNUSABLE_2M:
		return s->unusable_2m / 1000.0;
	case F_UNUSABLE_PB:
		return s->unusable_pb / 1000.0;
	}
	return NAN;
}

/* Time average over the run: each sample holds until the next; a single sample is its value. */
static double time_average(const CmpRun *r, enum cmp_field f)
{
	const GArray *a = r->samples;
	double sum = 0, span;

	if (a->len == 1)
		return sample_value(r, &g_array_index(a, CmpSample, 0), f);
	span = (double)(g_array_index(a, CmpSample, a->len - 1).t_ns -
			g_array_index(a, CmpSample, 0).t_ns);
	for (guint i = 0; i + 1 < a->len; i++) {
		const CmpSample *s = &g_array_index(a, CmpSample, i);
		double dt = (double)(g_array_index(a, CmpSample, i + 1).t_ns - s->t_ns);

		sum += sample_value(r, s, f) * dt;
	}
	return span > 0 ? sum / span : sample_value(r, &g_array_index(a, CmpSample, 0), f);
}

static double final_value(const CmpRun *r, enum cmp_field f)
{
	return sample_value(r, &g_array_index(r->samples, CmpSample, r->samples->len - 1), f);
}

static void add_row(GString *md, GString *csv, GPtrArray *runs, const char *metric,
		    const char *unit, const double *v)
{
	g_string_append_printf(md, "| %s | %s |", metric, unit);
	for (guint i = 0; i < runs->len; i++) {
		const CmpRun *r = g_ptr_array_index(runs, i);
		char num[64], ratio[64];

		if (isnan(v[i]))
			g_strlcpy(num, "-", sizeof(num));
		else
			g_ascii_formatd(num, sizeof(num), fabs(v[i]) >= 100 ? "%.0f" : "%.3g",
					v[i]);
		if (i > 0 && !isnan(v[i]) && !isnan(v[0]) && v[0] != 0)
			g_ascii_formatd(ratio, sizeof(ratio), "%.3g", v[i] / v[0]);
		else
			g_strlcpy(ratio, i == 0 ? "1" : "-", sizeof(ratio));
		if (i == 0)
			g_string_append_printf(md, " %s |", num);
		else
			g_string_append_printf(md, " %s (x%s) |", num, ratio);
		g_string_append_printf(csv, "%s,%s,%u,%s,%s,%s\n", metric, unit, i + 1, r->label,
				       isnan(v[i]) ? "" : num, isnan(v[i]) ? "" : ratio);
	}
	g_string_append_c(md, '\n');
}

/* compare.md's title, what it compares, the table's head and the --force warning row. */
static void table_header(GString *md, GPtrArray *runs, const char *trace, const char *warning)
{
	g_string_append_printf(md,
			       "# pagesim compare\n\nTrace: `%s`, replayed on %u configs. "
			       "Values are machine-wide; ratios (xR) are to the first run. "
			       "Time averages weight each sample by the time until the next.\n\n",
			       trace, runs->len);
	g_string_append(md, "| metric | unit |");
	for (guint i = 0; i < runs->len; i++)
		g_string_append_printf(md, " %s |", ((CmpRun *)g_ptr_array_index(runs, i))->label);
	g_string_append(md, "\n|---|---|");
	for (guint i = 0; i < runs->len; i++)
		g_string_append(md, "---:|");
	g_string_append_c(md, '\n');
	if (warning) {
		g_string_append_printf(md, "| **warning: %s** | |", warning);
		for (guint i = 0; i < runs->len; i++)
			g_string_append(md, " - |");
		g_string_append_c(md, '\n');
	}
}

/*
 * Per latency row of summary.json (the paths, then first-touch faults and file read faults
 * whole) that any run has:
 * p50 and p99; then the shares of the modelled kernel time spent zeroing pages and in the page
 * allocator itself (the rest: fault entry and PTE install, LRU batches, mmap/munmap, reclaim
 * and compaction). 64K pays more per fault and faults 16x less: both read from here.
 */
static void latency_rows(GString *md, GString *csv, GPtrArray *runs, double *v)
{
	static const char *const rows[] = {"pcp",	 "buddy", "slow",      "reclaim",
					   "compaction", "fault", "file_fault"};
	static const char *const q[2] = {"p50_ns", "p99_ns"};

	for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
		bool any = false;

		for (guint i = 0; i < runs->len; i++) {
			const CmpRun *r = g_ptr_array_index(runs, i);

			any |= jnum(jget(r->summary, "latency", NULL), rows[k], "count") > 0;
		}
		if (!any)
			continue;
		for (int j = 0; j < 2; j++) {
			const char *what = !strcmp(rows[k], "fault")	    ? "first-touch faults"
					   : !strcmp(rows[k], "file_fault") ? "file read faults"
									    : rows[k];
			g_autofree char *name =
			    g_strdup_printf("latency %s, %s", j ? "p99" : "p50", what);

			for (guint i = 0; i < runs->len; i++) {
				const CmpRun *r = g_ptr_array_index(runs, i);
				const cJSON *l = jget(r->summary, "latency", NULL);
				double n = jnum(l, rows[k], "count");

				v[i] = n > 0 ? jnum(l, rows[k], q[j]) / 1000.0 : NAN;
			}
			add_row(md, csv, runs, name, "us", v);
		}
	}
	for (int j = 0; j < 2; j++) {
		for (guint i = 0; i < runs->len; i++) {
			const CmpRun *r = g_ptr_array_index(runs, i);
			double all = jnum(r->summary, "totals", "latency_ns");

			v[i] = all > 0 ? 100 *
					     jnum(r->summary, "totals",
						  j ? "allocator_ns" : "zeroing_ns") /
					     all
				       : NAN;
		}
		add_row(md, csv, runs,
			j ? "share of kernel time in the page allocator"
			  : "share of kernel time zeroing pages",
			"%", v);
	}
}

static gboolean write_table(GPtrArray *runs, const char *out, const char *warning, GError **error)
{
	g_autoptr(GString) md = g_string_new(NULL);
	g_autoptr(GString) csv = g_string_new("metric,unit,run,label,value,ratio_to_first\n");
	g_autofree char *mdp = g_build_filename(out, "compare.md", NULL);
	g_autofree char *csvp = g_build_filename(out, "compare.csv", NULL);
	g_autofree double *v = g_new(double, runs->len);
	const CmpRun *r0 = g_ptr_array_index(runs, 0);
	const cJSON *tp = jget(r0->summary, "trace", "path");
	static const struct {
		const char *metric, *unit;
		enum cmp_field f;
		bool average;
		double scale;
	} series[] = {
	    {"free memory, final", "MiB", F_FREE, false, 1 << 20},
	    {"free memory, time average", "MiB", F_FREE, true, 1 << 20},
	    {"memory used, final", "MiB", F_USED, false, 1 << 20},
	    {"memory used, time average", "MiB", F_USED, true, 1 << 20},
	    {"largest free block, final", "MiB", F_LARGEST, false, 1 << 20},
	    {"largest free block, time average", "MiB", F_LARGEST, true, 1 << 20},
	    {"unusable index at 2 MiB, final", "0..1", F_UNUSABLE_2M, false, 1},
	    {"unusable index at 2 MiB, time average", "0..1", F_UNUSABLE_2M, true, 1},
	    {"unusable index at own pageblock, final", "0..1", F_UNUSABLE_PB, false, 1},
	    {"unusable index at own pageblock, time average", "0..1", F_UNUSABLE_PB, true, 1},
	};
	static const struct {
		const char *metric, *unit, *obj, *key;
		double scale;
	} totals[] = {
	    {"allocations", "count", "totals", "allocs", 1},
	    {"allocation failures", "count", "totals", "alloc_failed", 1},
	    {"page faults (touch)", "count", "totals", "touch_faults", 1},
	    {"THP faults", "count", "totals", "thp_faults", 1},
	    {"memory allocated", "MiB", "totals", "bytes_allocated", 1 << 20},
	    {"modelled kernel time", "ms", "totals", "latency_ns", 1e6},
	    {"stall time (slow path, OOM waits)", "ms", "totals", "stall_ns", 1e6},
	    {"lock wait time (zone->lock, lru_lock)", "ms", "totals", "lock_wait_ns", 1e6},
	    {"delay carried by busy cpus", "ms", "totals", "carried_delay_ns", 1e6},
	    {"compaction stalls", "count", "vm_events", "compact_stall", 1},
	    {"direct reclaim stalls", "count", "vm_events", "allocstall_", 1}, /* all zones */
	};

	table_header(md, runs, cJSON_IsString(tp) ? tp->valuestring : "?", warning);

	for (guint i = 0; i < runs->len; i++)
		v[i] = ((CmpRun *)g_ptr_array_index(runs, i))->page_size / 1024.0;
	add_row(md, csv, runs, "page size", "KiB", v);
	for (guint i = 0; i < runs->len; i++) {
		const CmpRun *r = g_ptr_array_index(runs, i);

		v[i] = (double)((uint64_t)r->page_size << r->pageblock_order) / (1 << 20);
	}
	add_row(md, csv, runs, "pageblock", "MiB", v);
	for (guint i = 0; i < runs->len; i++)
		v[i] = ((CmpRun *)g_ptr_array_index(runs, i))->present_bytes / (1 << 20);
	add_row(md, csv, runs, "total memory (present)", "MiB", v);
	for (guint i = 0; i < runs->len; i++)
		v[i] = (double)((CmpRun *)g_ptr_array_index(runs, i))->managed_bytes / (1 << 20);
	add_row(md, csv, runs, "managed memory", "MiB", v);
	for (size_t k = 0; k < G_N_ELEMENTS(series); k++) {
		for (guint i = 0; i < runs->len; i++) {
			const CmpRun *r = g_ptr_array_index(runs, i);

			v[i] = (series[k].average ? time_average(r, series[k].f)
						  : final_value(r, series[k].f)) /
			       series[k].scale;
		}
		add_row(md, csv, runs, series[k].metric, series[k].unit, v);
	}
	for (size_t k = 0; k < G_N_ELEMENTS(totals); k++) {
		for (guint i = 0; i < runs->len; i++) {
			const CmpRun *r = g_ptr_array_index(runs, i);

			const char *key = totals[k].key;

			if (g_str_has_suffix(key, "_")) {
				const cJSON *e;

				v[i] = 0;
				cJSON_ArrayForEach(
				    e, jget(r->summary, totals[k].obj,
					    NULL)) if (g_str_has_prefix(e->string, key) &&
						       cJSON_IsNumber(e)) v[i] += e->valuedouble;
			} else {
				v[i] = jnum(r->summary, totals[k].obj, key) / totals[k].scale;
			}
		}
		add_row(md, csv, runs, totals[k].metric, totals[k].unit, v);
	}
	for (guint i = 0; i < runs->len; i++) {
		const CmpRun *r = g_ptr_array_index(runs, i);
		const cJSON *lat = jget(r->summary, "latency", NULL), *p;
		double n = 0, sum = 0;

		cJSON_ArrayForEach(p, lat)
		{
			/* the fault rows' allocations are in the path rows already */
			if (ps_lat_row_is_fault(p->string))
				continue;
			n += jnum(p, "count", NULL);
			sum += jnum(p, "sum_ns", NULL);
		}
		v[i] = n > 0 ? sum / n / 1000.0 : NAN;
	}
	add_row(md, csv, runs, "mean allocation latency", "us", v);
	latency_rows(md, csv, runs, v);
	return ps_write_file_atomic(mdp, md->str, md->len, error) &&
	       ps_write_file_atomic(csvp, csv->str, csv->len, error);
}

static gboolean write_series(GPtrArray *runs, const char *out, GError **error)
{
	g_autoptr(GString) tl = g_string_new("run,label,t_ns,free_bytes,used_bytes,"
					     "largest_free_bytes,unusable_2m,unusable_pb,"
					     "allocs_per_s\n");
	g_autoptr(GString) lat = g_string_new("run,label,t_ns,path,count,p50_ns,p99_ns\n");
	g_autofree char *tlp = g_build_filename(out, "compare_timeline.csv", NULL);
	g_autofree char *latp = g_build_filename(out, "compare_latency.csv", NULL);
	const CmpRun *r0 = g_ptr_array_index(runs, 0);

	for (guint i = 0; i < runs->len; i++) {
		const CmpRun *r = g_ptr_array_index(runs, i);

		for (guint k = 0; k < r0->samples->len; k++) {
			uint64_t t = g_array_index(r0->samples, CmpSample, k).t_ns;
			const CmpSample *s = sample_at(r, t);
			char rate[32];

			g_ascii_formatd(rate, sizeof(rate), "%.1f", window_rate_at(r, t));
			g_string_append_printf(tl,
					       "%u,%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
					       ",%.0f,%" G_GUINT64_FORMAT ",",
					       i + 1, r->label, t, s->free_bytes,
					       sample_value(r, s, F_USED), s->largest_bytes);
			ps_format_index(tl, s->unusable_2m);
			g_string_append_c(tl, ',');
			ps_format_index(tl, s->unusable_pb);
			g_string_append_printf(tl, ",%s\n", rate);
		}
		g_string_append(lat, r->latency_rows->str);
	}
	return ps_write_file_atomic(tlp, tl->str, tl->len, error) &&
	       ps_write_file_atomic(latp, lat->str, lat->len, error);
}

/*
 * A page-size-bound trace at different page sizes: NULL when the runs may be compared as they
 * are, else why not (the error without --force, compare.md's warning with it).
 */
static char *page_size_mismatch(GPtrArray *runs)
{
	const CmpRun *r0 = g_ptr_array_index(runs, 0), *bound = NULL, *other = NULL;

	for (guint i = 0; i < runs->len; i++) {
		const CmpRun *r = g_ptr_array_index(runs, i);

		if (r->page_size_bound && !bound)
			bound = r;
		if (r->page_size != r0->page_size && !other)
			other = r;
	}
	if (!bound || !other)
		return NULL;
	return g_strdup_printf(
	    "the trace is page-size-bound (%s: its records give orders, recorded at %.0f-byte "
	    "pages) and is replayed at %u and %u bytes a page, where one order is a different "
	    "size",
	    bound->dir, jnum(bound->summary, "trace", "recorded_page_size"), r0->page_size,
	    other->page_size);
}

gboolean ps_cli_compare(const char *const *dirs, const char *out, gboolean plots, gboolean force,
			GError **error)
{
	g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func((GDestroyNotify)cmp_run_free);
	g_autofree char *mismatch = NULL;
	const char *digest0 = NULL;

	for (guint i = 0; dirs[i]; i++) {
		CmpRun *r = load_run(dirs[i], i, error);
		const cJSON *d;

		if (!r)
			return FALSE;
		g_ptr_array_add(runs, r);
		d = jget(r->summary, "trace", "digest");
		if (!cJSON_IsString(d)) {
			g_set_error(
			    error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE,
			    "%s: summary.json has no trace digest (trace read from standard "
			    "input?); compare needs runs of one trace file",
			    dirs[i]);
			return FALSE;
		}
		if (!digest0) {
			digest0 = d->valuestring;
		} else if (strcmp(digest0, d->valuestring)) {
			g_set_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE,
				    "%s and %s replay different traces (%.20s... vs %.20s...); "
				    "compare only runs of the same trace",
				    dirs[0], dirs[i], digest0, d->valuestring);
			return FALSE;
		}
		/* Same label twice (one config, two seeds): tell them apart by position. */
		for (guint k = 0; k < i; k++)
			if (!strcmp(((CmpRun *)g_ptr_array_index(runs, k))->label, r->label)) {
				char *l = g_strdup_printf("%s#%u", r->label, i + 1);

				g_free(r->label);
				r->label = l;
				break;
			}
	}
	mismatch = page_size_mismatch(runs);
	if (mismatch && !force) {
		g_set_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE,
			    "%s; compare it at one page size, or give --force", mismatch);
		return FALSE;
	}
	if (mismatch)
		fprintf(stderr, "pagesim compare: warning (--force): %s\n", mismatch);
	if (g_mkdir_with_parents(out, 0755) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", out,
			    g_strerror(errno));
		return FALSE;
	}
	if (!write_series(runs, out, error) || !write_table(runs, out, mismatch, error))
		return FALSE;
	if (plots) {
		static const char *const formats[] = {"png", "svg", NULL};
		g_autofree char *scripts = ps_cli_data_path("plots", "compare");
		g_autofree char *pdir = g_build_filename(out, "plots", NULL);

		return ps_cli_render(scripts, out, pdir, NULL, formats, NULL, error);
	}
	return TRUE;
}

int ps_cmd_compare(int argc, char **argv)
{
	g_autofree char *out = NULL;
	gboolean no_plots = FALSE, force = FALSE;
	GOptionEntry entries[] = {
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Directory to write", "DIR"},
	    {"force", 0, 0, G_OPTION_ARG_NONE, &force,
	     "Compare a page-size-bound trace across page sizes (with a warning)", NULL},
	    {"no-plots", 0, 0, G_OPTION_ARG_NONE, &no_plots, "Tables and CSV only, no gnuplot",
	     NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new(
	    "RUN_A RUN_B [...] - compare runs of one trace on different configs");
	g_autoptr(GError) error = NULL;
	g_autofree char *md = NULL;

	g_option_context_set_summary(ctx, "Writes compare.md and compare.csv (final and "
					  "time-averaged metrics, ratios to RUN_A),\nthe aligned "
					  "series, and overlays of them in DIR/plots/.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim compare: %s\n", error->message);
		return 2;
	}
	if (argc < 3 || !out) {
		fprintf(stderr, "pagesim compare: give two or more run directories and -o DIR\n");
		return 2;
	}
	if (!ps_cli_compare((const char *const *)argv + 1, out, !no_plots, force, &error)) {
		fprintf(stderr, "pagesim compare: %s\n", error->message);
		return 1;
	}
	md = g_build_filename(out, "compare.md", NULL);
	{
		g_autofree char *text = NULL;

		if (g_file_get_contents(md, &text, NULL, NULL))
			fputs(text, stdout);
	}
	printf("\n%s: compare.md, compare.csv%s\n", out, no_plots ? "" : ", plots/");
	return 0;
}
