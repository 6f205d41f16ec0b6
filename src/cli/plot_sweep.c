// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * plot_sweep.c - the figures of a sweep directory: every metric of results.csv against every
 * axis, one line per combination of the other axes (and of the traces and configs when the
 * sweep has several), each point the mean over seeds.
 *
 * The C code only shapes data: for each axis it writes DIR/plots/data/AXIS.csv (one block per
 * line of the figures, blocks two blank lines apart as gnuplot's `index` wants them) and
 * AXIS.gpi (labels, line titles and tic positions as gnuplot assignments). plots/sweep-metrics.gp
 * draws one figure per metric from them and plots/sweep-overview.gp the main metrics on one page.
 * One gnuplot process per axis and script, not one per figure: a sweep has dozens of figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cli/cli.h"
#include "sweep/sweep.h"

#ifndef PS_SOURCE_DIR
#define PS_SOURCE_DIR "."
#endif

/* A dimension of the table: a column whose distinct values tell rows apart. */
typedef struct {
	int col;
	const char *name;
	GPtrArray *values; /* distinct cells, in order: numeric ascending, else first seen */
	bool numeric;
} Dim;

static bool is_number(const char *s, double *v)
{
	char *end = NULL;

	if (!*s)
		return false;
	*v = g_ascii_strtod(s, &end);
	return end && !*end && isfinite(*v);
}

static gint cmp_numeric(gconstpointer a, gconstpointer b)
{
	double x = g_ascii_strtod(*(char *const *)a, NULL);
	double y = g_ascii_strtod(*(char *const *)b, NULL);

	return x < y ? -1 : x > y;
}

static void dim_init(Dim *d, const PsCsvTable *t, int col)
{
	double v;

	d->col = col;
	d->name = g_ptr_array_index(t->header, col);
	d->values = g_ptr_array_new();
	d->numeric = true;
	for (guint r = 0; r < t->rows->len; r++) {
		const char *cell =
		    g_ptr_array_index((GPtrArray *)g_ptr_array_index(t->rows, r), col);
		bool seen = false;

		for (guint i = 0; i < d->values->len && !seen; i++)
			seen = !strcmp(g_ptr_array_index(d->values, i), cell);
		if (!seen)
			g_ptr_array_add(d->values, (gpointer)cell);
		d->numeric &= is_number(cell, &v);
	}
	if (d->numeric)
		g_ptr_array_sort(d->values, cmp_numeric);
}

static char *gp_quote(const char *s)
{
	GString *q = g_string_new("'");

	for (; *s; s++) {
		if (*s == '\'')
			g_string_append_c(q, '\'');
		g_string_append_c(q, *s);
	}
	g_string_append_c(q, '\'');
	return g_string_free(q, FALSE);
}

static char *file_name_of(const char *key)
{
	char *s = g_strdup(key);

	g_strcanon(s, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-_", '_');
	return s;
}

/* The key of a row in the other dimensions (all but x): which line of the figure it is on. */
static char *group_title(const Dim *dims, guint nr_dims, guint x, GPtrArray *row)
{
	GString *s = g_string_new(NULL);

	for (guint d = 0; d < nr_dims; d++) {
		if (d == x)
			continue;
		if (s->len)
			g_string_append(s, ", ");
		/* the sysctl. of a key is implied; the key stays short enough for the legend */
		g_string_append_printf(s, "%s=%s",
				       g_str_has_prefix(dims[d].name, "sysctl.") ? dims[d].name + 7
										 : dims[d].name,
				       (char *)g_ptr_array_index(row, dims[d].col));
	}
	if (!s->len)
		g_string_append(s, "all runs");
	return g_string_free(s, FALSE);
}

/* Writes AXIS.csv and AXIS.gpi for dimension x. */
static gboolean write_axis_data(const PsCsvTable *t, const Dim *dims, guint nr_dims, guint x,
				int first_metric, const char *csv_path, const char *gpi_path,
				GError **error)
{
	const Dim *dx = &dims[x];
	guint nr_metrics = t->header->len - (guint)first_metric;
	g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) csv = g_string_new(NULL);
	g_autoptr(GString) gpi = g_string_new(NULL);
	g_autofree guint *row_group = g_new0(guint, t->rows->len + 1);
	g_autofree char *q = gp_quote(dx->name);
	double lo = INFINITY, hi = -INFINITY;

	for (guint r = 0; r < t->rows->len; r++) {
		g_autofree char *title =
		    group_title(dims, nr_dims, x, g_ptr_array_index(t->rows, r));
		guint g;

		for (g = 0; g < groups->len; g++)
			if (!strcmp(g_ptr_array_index(groups, g), title))
				break;
		if (g == groups->len)
			g_ptr_array_add(groups, g_steal_pointer(&title));
		row_group[r] = g;
	}
	for (guint g = 0; g < groups->len; g++) {
		if (g)
			g_string_append(csv, "\n\n");
		for (guint xi = 0; xi < dx->values->len; xi++) {
			const char *xv = g_ptr_array_index(dx->values, xi);
			double xnum = xi;

			if (dx->numeric) {
				xnum = g_ascii_strtod(xv, NULL);
				lo = MIN(lo, xnum);
				hi = MAX(hi, xnum);
			}
			g_string_append_printf(csv, "%.17g", xnum);
			for (guint m = 0; m < nr_metrics; m++) {
				double sum = 0, v;
				guint n = 0;

				for (guint r = 0; r < t->rows->len; r++) {
					GPtrArray *row = g_ptr_array_index(t->rows, r);

					if (row_group[r] != g ||
					    strcmp(g_ptr_array_index(row, dx->col), xv) ||
					    !is_number(
						g_ptr_array_index(row, first_metric + (int)m), &v))
						continue;
					sum += v;
					n++;
				}
				if (n)
					g_string_append_printf(csv, ",%.9g", sum / n);
				else
					g_string_append(csv, ",NaN");
			}
			g_string_append_c(csv, '\n');
		}
	}

	g_string_append_printf(gpi, "# Written by pagesim plot for %s: the layout of %s.\n", q,
			       csv_path);
	g_string_append_printf(gpi, "xlabel = %s\n", q);
	g_string_append_printf(gpi, "logx = %d\n", dx->numeric && lo > 0 && hi / lo >= 16 ? 1 : 0);
	g_string_append_printf(gpi, "ngroups = %u\narray groups[%u]\n", groups->len, groups->len);
	for (guint g = 0; g < groups->len; g++) {
		g_autofree char *gq = gp_quote(g_ptr_array_index(groups, g));

		g_string_append_printf(gpi, "groups[%u] = %s\n", g + 1, gq);
	}
	g_string_append_printf(gpi,
			       "nmetrics = %u\narray metrics[%u]\narray hasdata[%u]\n"
			       "array ylo[%u]\narray yhi[%u]\n",
			       nr_metrics, nr_metrics, nr_metrics, nr_metrics, nr_metrics);
	for (guint m = 0; m < nr_metrics; m++) {
		g_autofree char *mq = gp_quote(g_ptr_array_index(t->header, first_metric + (int)m));
		double v, ymin = INFINITY, ymax = -INFINITY;

		for (guint r = 0; r < t->rows->len; r++)
			if (is_number(g_ptr_array_index((GPtrArray *)g_ptr_array_index(t->rows, r),
							first_metric + (int)m),
				      &v)) {
				ymin = MIN(ymin, v);
				ymax = MAX(ymax, v);
			}
		g_string_append_printf(gpi, "metrics[%u] = %s\nhasdata[%u] = %d\n", m + 1, mq,
				       m + 1, ymin <= ymax);
		if (ymin <= ymax)
			g_string_append_printf(gpi, "ylo[%u] = %.9g\nyhi[%u] = %.9g\n", m + 1, ymin,
					       m + 1, ymax);
	}
	/* Tics at the swept values (categories by position); gnuplot's own beyond a dozen. */
	g_string_append_printf(gpi, "nxtics = %u\n",
			       dx->values->len <= 12 || !dx->numeric ? dx->values->len : 0);
	g_string_append_printf(gpi, "array xtic_at[%u]\narray xtic_label[%u]\n",
			       MAX(dx->values->len, 1u), MAX(dx->values->len, 1u));
	for (guint xi = 0; xi < dx->values->len; xi++) {
		const char *xv = g_ptr_array_index(dx->values, xi);
		g_autofree char *lq = gp_quote(xv);
		g_autofree char *at = dx->numeric ? g_strdup(xv) : g_strdup_printf("%u", xi);

		g_string_append_printf(gpi, "xtic_at[%u] = %s\nxtic_label[%u] = %s\n", xi + 1, at,
				       xi + 1, lq);
	}
	return ps_write_file_atomic(csv_path, csv->str, csv->len, error) &&
	       ps_write_file_atomic(gpi_path, gpi->str, gpi->len, error);
}

/* Runs gnuplot on a script of plots/ with the given assignments. */
static gboolean gnuplot(const char *script, const char *assign, GError **error)
{
	const char *datadir = g_getenv("PAGESIM_DATADIR");
	g_autofree char *path =
	    g_build_filename(datadir ? datadir : PS_SOURCE_DIR, "plots", script, NULL);
	const char *argv[] = {"gnuplot", "-e", assign, path, NULL};
	g_autofree char *err = NULL;
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
			  &status, error))
		return FALSE;
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "gnuplot %s: %s", path,
			    err && *err ? g_strchomp(err) : "failed");
		return FALSE;
	}
	if (err && *err)
		fprintf(stderr, "pagesim plot: gnuplot %s: %s\n", path, g_strchomp(err));
	return TRUE;
}

static gboolean plot_axis(const char *dir, const PsCsvTable *t, const Dim *dims, guint nr_dims,
			  guint x, int first_metric, guint *nr_figures, GError **error)
{
	g_autofree char *name = file_name_of(dims[x].name);
	g_autofree char *data_dir = g_build_filename(dir, "plots", "data", NULL);
	g_autofree char *fig_dir = g_build_filename(dir, "plots", name, NULL);
	g_autofree char *csv_base = g_strdup_printf("%s.csv", name);
	g_autofree char *gpi_base = g_strdup_printf("%s.gpi", name);
	g_autofree char *over_base = g_strdup_printf("sweep-%s.png", name);
	g_autofree char *csv = g_build_filename(data_dir, csv_base, NULL);
	g_autofree char *gpi = g_build_filename(data_dir, gpi_base, NULL);
	g_autofree char *over = g_build_filename(dir, "plots", over_base, NULL);
	g_autofree char *q_csv = gp_quote(csv), *q_gpi = gp_quote(gpi), *q_over = gp_quote(over);
	g_autofree char *q_fig = gp_quote(fig_dir);
	g_autofree char *a_metrics = NULL, *a_over = NULL;

	if (g_mkdir_with_parents(data_dir, 0755) || g_mkdir_with_parents(fig_dir, 0755)) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s: cannot create", fig_dir);
		return FALSE;
	}
	if (!write_axis_data(t, dims, nr_dims, x, first_metric, csv, gpi, error))
		return FALSE;
	a_metrics = g_strdup_printf("data=%s; meta=%s; outdir=%s", q_csv, q_gpi, q_fig);
	a_over = g_strdup_printf("data=%s; meta=%s; out=%s", q_csv, q_gpi, q_over);
	if (!gnuplot("sweep-metrics.gp", a_metrics, error) ||
	    !gnuplot("sweep-overview.gp", a_over, error))
		return FALSE;
	*nr_figures += t->header->len - (guint)first_metric + 1;
	return TRUE;
}

int ps_plot_sweep(const char *dir, gboolean quiet)
{
	g_autofree char *results = g_build_filename(dir, "results.csv", NULL);
	g_autoptr(PsCsvTable) t = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree Dim *dims = NULL;
	int nr_keys = 0, first_metric, seed_col;
	guint nr_dims = 0, nr_axes, nr_figures = 0;
	gboolean ok = TRUE;

	t = ps_csv_load(results, &error);
	if (!t) {
		fprintf(stderr, "pagesim plot: %s\n", error->message);
		return 1;
	}
	while (ps_sweep_key_names[nr_keys])
		nr_keys++;
	first_metric = ps_csv_column(t, ps_sweep_metric_names[0]);
	seed_col = ps_csv_column(t, "seed");
	if (first_metric < nr_keys || seed_col != nr_keys - 1) {
		fprintf(stderr, "pagesim plot: %s: not the results.csv of a sweep\n", results);
		return 1;
	}
	if (!t->rows->len) {
		fprintf(stderr, "pagesim plot: %s: no complete runs yet\n", results);
		return 1;
	}
	/* The axes first (they are what is swept), then configs and traces when there are several.
	 */
	dims = g_new0(Dim, (gsize)first_metric);
	for (int c = nr_keys; c < first_metric; c++)
		dim_init(&dims[nr_dims++], t, c);
	nr_axes = nr_dims;
	for (int c = 1; c <= 2; c++) {
		dim_init(&dims[nr_dims], t, c);
		if (dims[nr_dims].values->len > 1)
			nr_dims++;
		else
			g_ptr_array_unref(dims[nr_dims].values);
	}
	/* Without axes, the configs or traces are the x axis. */
	for (guint x = 0; x < (nr_axes ? nr_axes : nr_dims) && ok; x++)
		ok = plot_axis(dir, t, dims, nr_dims, x, first_metric, &nr_figures, &error);
	for (guint d = 0; d < nr_dims; d++)
		g_ptr_array_unref(dims[d].values);
	if (!ok) {
		fprintf(stderr, "pagesim plot: %s\n", error->message);
		return 1;
	}
	if (!nr_figures) {
		fprintf(stderr,
			"pagesim plot: %s: one config, one trace and no axes: nothing to "
			"draw against\n",
			results);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "pagesim plot: %u figures in %s/plots\n", nr_figures, dir);
	return 0;
}
