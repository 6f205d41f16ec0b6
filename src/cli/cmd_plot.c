// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_plot.c - `pagesim plot RUN_DIR [--format png,svg] [--only NAME]`: renders the figures of a
 * run directory into RUN_DIR/plots/ by running the gnuplot scripts of plots/ on its CSV files.
 *
 * Data and presentation stay apart: the simulator writes CSV and JSON, the scripts in plots/
 * draw them, and this file only runs `gnuplot -e "run='DIR'; out='FILE'; fmt='png'" SCRIPT`,
 * never writing a gnuplot command itself. Each image is written under a temporary name and
 * renamed into place when gnuplot succeeded, so a failed or interrupted render never leaves a
 * truncated figure under the final name. Scripts run in parallel, one per cpu.
 *
 * A sweep directory (results.csv, no timeline.csv) is handed to ps_plot_sweep().
 *
 * The scripts are found in PAGESIM_DATADIR/plots, else in the source tree the binary was built
 * from (PS_SOURCE_DIR), like the shipped configs of `pagesim demo`.
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef PS_SOURCE_DIR
#define PS_SOURCE_DIR "."
#endif

char *ps_cli_data_path(const char *sub, const char *name)
{
	const char *dir = g_getenv("PAGESIM_DATADIR");

	return g_build_filename(dir && *dir ? dir : PS_SOURCE_DIR, sub, name, NULL);
}

/* A string as a gnuplot single-quoted literal: a quote inside is written twice. */
static char *gp_quote(const char *s)
{
	g_autoptr(GString) q = g_string_new("'");

	for (; *s; s++) {
		if (*s == '\'')
			g_string_append_c(q, '\'');
		g_string_append_c(q, *s);
	}
	g_string_append_c(q, '\'');
	return g_string_free(g_steal_pointer(&q), FALSE);
}

static int strcmp_indirect(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The figure scripts of a directory: NAME.gp, sorted; sweep-*.gp belong to `pagesim sweep`. */
static GPtrArray *list_scripts(const char *dir, const char *only, GError **error)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, error);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	if (!d) {
		g_prefix_error(error, "gnuplot scripts: ");
		g_ptr_array_unref(names);
		return NULL;
	}
	while ((n = g_dir_read_name(d))) {
		if (!g_str_has_suffix(n, ".gp") || g_str_has_prefix(n, "sweep-"))
			continue;
		if (only && (strlen(n) != strlen(only) + 3 || strncmp(n, only, strlen(only))))
			continue;
		g_ptr_array_add(names, g_strndup(n, strlen(n) - 3));
	}
	g_ptr_array_sort(names, strcmp_indirect);
	return names;
}

typedef struct {
	GSubprocess *proc;
	char *tmp, *final, *what;
} Job;

static void job_clear(Job *j)
{
	g_clear_object(&j->proc);
	g_clear_pointer(&j->tmp, g_free);
	g_clear_pointer(&j->final, g_free);
	g_clear_pointer(&j->what, g_free);
}

/* Waits for a job; renames its image into place on success. */
static gboolean job_finish(Job *j, GError **error)
{
	g_autofree char *err_text = NULL;
	g_autoptr(GError) local = NULL;
	GStatBuf st;

	if (!g_subprocess_communicate_utf8(j->proc, NULL, NULL, NULL, &err_text, &local)) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", j->what);
		g_unlink(j->tmp);
		return FALSE;
	}
	if (!g_subprocess_get_if_exited(j->proc) || g_subprocess_get_exit_status(j->proc) != 0 ||
	    g_stat(j->tmp, &st) != 0 || st.st_size == 0) {
		g_autofree char *msg = g_strstrip(g_strdup(err_text ? err_text : ""));

		g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s: gnuplot failed%s%s",
			    j->what, *msg ? ":\n" : "", msg);
		g_unlink(j->tmp);
		return FALSE;
	}
	if (g_rename(j->tmp, j->final) != 0) {
		int saved = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: rename: %s",
			    j->final, g_strerror(saved));
		g_unlink(j->tmp);
		return FALSE;
	}
	return TRUE;
}

gboolean ps_cli_render(const char *scripts_dir, const char *data_dir, const char *out_dir,
		       const char *only, const char *const *formats, GPtrArray *written,
		       GError **error)
{
	g_autofree char *gnuplot = g_find_program_in_path("gnuplot");
	g_autoptr(GPtrArray) names = NULL;
	g_autofree char *qdata = gp_quote(data_dir);
	guint nformats = g_strv_length((char **)formats);
	guint total, next = 0, done = 0;
	guint width = MAX(1u, g_get_num_processors());
	Job *jobs;
	gboolean ok = TRUE;

	if (!gnuplot) {
		g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
			    "gnuplot not found in PATH (install gnuplot-nox: scripts/deps.sh)");
		return FALSE;
	}
	names = list_scripts(scripts_dir, only, error);
	if (!names)
		return FALSE;
	if (!names->len) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no figure script%s%s",
			    scripts_dir, only ? " named " : "", only ? only : "");
		return FALSE;
	}
	if (g_mkdir_with_parents(out_dir, 0755) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", out_dir,
			    g_strerror(errno));
		return FALSE;
	}
	total = names->len * nformats;
	jobs = g_new0(Job, width);
	/* A sliding window of `width` gnuplot processes, finished in the order they started. */
	while (done < total) {
		while (ok && next < total && next - done < width) {
			Job *j = &jobs[next % width];
			const char *name = g_ptr_array_index(names, next / nformats);
			const char *fmt = formats[next % nformats];
			g_autofree char *script = NULL, *file = NULL, *tmpname = NULL, *qout = NULL;
			g_autofree char *qfmt = NULL, *assign = NULL;

			script = g_strdup_printf("%s/%s.gp", scripts_dir, name);
			file = g_strdup_printf("%s.%s", name, fmt);
			tmpname = g_strdup_printf(".%s.%d.tmp", file, (int)getpid());
			j->final = g_build_filename(out_dir, file, NULL);
			j->tmp = g_build_filename(out_dir, tmpname, NULL);
			j->what = g_strdup_printf("%s (%s)", j->final, script);
			qout = gp_quote(j->tmp);
			qfmt = gp_quote(fmt);
			assign = g_strdup_printf("run=%s; out=%s; fmt=%s", qdata, qout, qfmt);
			j->proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
						       G_SUBPROCESS_FLAGS_STDERR_PIPE,
						   error, gnuplot, "-e", assign, script, NULL);
			if (!j->proc) {
				job_clear(j);
				ok = FALSE;
				total = next; /* wait for those running, start no more */
				break;
			}
			next++;
		}
		if (done >= next)
			break;
		{
			Job *j = &jobs[done % width];

			if (ok) {
				if (job_finish(j, error)) {
					if (written)
						g_ptr_array_add(written, g_strdup(j->final));
				} else {
					ok = FALSE;
					total = next;
				}
			} else {
				job_finish(j, NULL);
			}
			job_clear(j);
			done++;
		}
	}
	g_free(jobs);
	return ok;
}

int ps_cmd_plot(int argc, char **argv)
{
	g_autofree char *formats = NULL, *only = NULL;
	GOptionEntry entries[] = {{"format", 'f', 0, G_OPTION_ARG_STRING, &formats,
				   "Image formats, comma-separated (default png,svg)", "png,svg"},
				  {"only", 0, 0, G_OPTION_ARG_STRING, &only,
				   "Render one figure (a plots/NAME.gp)", "NAME"},
				  {NULL}};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("RUN_DIR - render a run's figures into RUN_DIR/plots/");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) fmts = NULL;
	g_autofree char *scripts = ps_cli_data_path("plots", NULL);
	g_autofree char *timeline = NULL, *results = NULL, *out = NULL;

	g_option_context_set_summary(ctx, "Figures: free memory and watermarks, free memory by "
					  "order, fragmentation indices,\npageblock types, "
					  "fallbacks, latency over time and its CDF, reclaim and "
					  "compaction\nactivity (plots/*.gp). PNG and SVG.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim plot: %s\n", error->message);
		return 2;
	}
	if (argc != 2) {
		fprintf(stderr, "pagesim plot: give one run directory (pagesim plot --help)\n");
		return 2;
	}
	fmts = g_strsplit(formats ? formats : "png,svg", ",", -1);
	for (int i = 0; fmts[i]; i++)
		if (strcmp(fmts[i], "png") && strcmp(fmts[i], "svg")) {
			fprintf(stderr, "pagesim plot: --format: '%s' is not png or svg\n",
				fmts[i]);
			return 2;
		}
	timeline = g_build_filename(argv[1], "timeline.csv", NULL);
	results = g_build_filename(argv[1], "results.csv", NULL);
	if (!g_file_test(timeline, G_FILE_TEST_IS_REGULAR) &&
	    g_file_test(results, G_FILE_TEST_IS_REGULAR))
		return ps_plot_sweep(argv[1], FALSE); /* a sweep directory (cli/plot_sweep.c) */
	if (!g_file_test(timeline, G_FILE_TEST_IS_REGULAR)) {
		fprintf(stderr, "pagesim plot: %s: not a run directory (no timeline.csv)\n",
			argv[1]);
		return 1;
	}
	out = g_build_filename(argv[1], "plots", NULL);
	if (!ps_cli_render(scripts, argv[1], out, only, (const char *const *)fmts, written,
			   &error)) {
		fprintf(stderr, "pagesim plot: %s\n", error->message);
		return 1;
	}
	printf("%u figures in %s/\n", written->len, out);
	return 0;
}
