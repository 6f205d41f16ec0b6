// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_sweep.c - `pagesim sweep SPEC.json -o DIR [-j N]`, `pagesim sweep SPEC.json -o DIR --emit
 * parallel|slurm` and `pagesim sweep --collect DIR`. The figures are `pagesim plot DIR`, which
 * hands a sweep directory to cli/plot_sweep.c.
 *
 * The sweep itself is sweep/; this file parses the command line, reads the wall clock (for the
 * progress line and the wall section of each run's summary) and prints. A re-run of the same
 * command resumes: complete runs are skipped, partial ones redone, results.csv rebuilt.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "sim/sim.h"
#include "sweep/sweep.h"

typedef struct {
	gint64 start_us;
	gint64 last_us;
	bool tty;
	bool quiet;
	const PsSweepPlan *plan;
	guint nr_failed;
} SweepProgress;

static uint64_t now_ns(void *data)
{
	SweepProgress *p = data;

	return (uint64_t)(g_get_monotonic_time() - p->start_us) * 1000u;
}

static void log_msg(void *data, const char *msg)
{
	SweepProgress *p = data;

	if (!p->quiet)
		fprintf(stderr, "pagesim sweep: %s\n", msg);
}

/* "config=small, trace=kbuild, seed=1, page_size=4096": a run as the user wrote it. */
static char *run_point(const PsSweepPlan *plan, const PsSweepRun *run)
{
	const PsSweepSpec *spec = plan->spec;
	const PsSweepConfig *sc = g_ptr_array_index(spec->configs, run->config);
	const PsSweepTrace *st = g_ptr_array_index(spec->traces, run->trace);
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "config=%s, trace=%s, seed=%" G_GUINT64_FORMAT, sc->label,
			       st->label, run->seed);
	for (guint a = 0; a < spec->axes->len; a++)
		g_string_append_printf(s, ", %s=%s",
				       ((PsSweepAxis *)g_ptr_array_index(spec->axes, a))->key,
				       run->values[a]);
	return g_string_free(s, FALSE);
}

static void run_done(void *data, const PsSweepRun *run, guint nr_done, guint nr_todo,
		     const GError *error)
{
	SweepProgress *p = data;
	gint64 now = g_get_monotonic_time();
	double secs = (double)(now - p->start_us) / 1e6;

	if (error) {
		g_autofree char *point = run_point(p->plan, run);

		p->nr_failed++;
		fprintf(stderr, "%spagesim sweep: run %s (%s) failed: %s\n", p->tty ? "\r" : "",
			run->digest, point, error->message);
	}
	if (!p->tty || (now - p->last_us < 250000 && nr_done < nr_todo))
		return;
	p->last_us = now;
	fprintf(stderr, "\r[%u/%u] %u failed  %.0f s elapsed, about %.0f s to go ", nr_done,
		nr_todo, p->nr_failed, secs, secs / nr_done * (nr_todo - nr_done));
	if (nr_done == nr_todo)
		fprintf(stderr, "\n");
}

static int collect(const char *dir, const PsSweepPlan *plan, bool quiet)
{
	g_autoptr(GError) error = NULL;
	PsSweepCollectStats st;

	if (!ps_sweep_collect(dir, plan, &st, &error)) {
		fprintf(stderr, "pagesim sweep: %s\n", error->message);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "pagesim sweep: %u runs in %s/results.csv%s", st.nr_rows, dir,
			st.nr_incomplete ? "" : "\n");
	if (st.nr_incomplete) {
		if (!quiet)
			fprintf(stderr, ", %u incomplete (no summary.json)\n", st.nr_incomplete);
		return 1;
	}
	return 0;
}

/* The largest run's page state times the runs at a time, against this machine's memory. */
static gboolean sweep_memory_ok(const PsSweepPlan *plan, int jobs, gboolean force, GError **error)
{
	uint64_t need = 0;
	guint at_once;
	g_autofree char *what = NULL;

	/* the plan measured every point's machine when it validated its config */
	for (guint i = 0; i < plan->runs->len; i++)
		need =
		    MAX(need, ((const PsSweepRun *)g_ptr_array_index(plan->runs, i))->state_bytes);
	at_once = MIN(jobs > 0 ? (guint)jobs : g_get_num_processors(), plan->runs->len);
	what = g_strdup_printf("the sweep (%u runs at a time)", at_once);
	return ps_cli_memory_ok(what, need * at_once, force, error);
}

/* The command that emitted jobs start with: this very binary, by absolute path. */
static char *self_path(void)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);

	return exe ? exe : g_strdup("pagesim");
}

/* --emit: jobs.txt and the GNU parallel or Slurm script, and the command that runs them. */
static int emit_jobs(PsSweepPlan *plan, const char *emit, const char *pagesim_cmd,
		     gboolean trace_cache, const char *out, gboolean quiet)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *command = NULL, *self = NULL;
	guint nr_jobs;

	if (!pagesim_cmd)
		pagesim_cmd = self = self_path();
	if (!ps_sweep_emit(plan,
			   !strcmp(emit, "slurm") ? PS_SWEEP_EMIT_SLURM : PS_SWEEP_EMIT_PARALLEL,
			   pagesim_cmd, trace_cache, &nr_jobs, &command, &error)) {
		fprintf(stderr, "pagesim sweep: %s\n", error->message);
		return 1;
	}
	if (!nr_jobs) {
		fprintf(stderr, "pagesim sweep: all %u runs are complete; nothing to emit\n",
			plan->runs->len);
		return collect(out, plan, quiet);
	}
	if (!quiet)
		fprintf(stderr, "pagesim sweep: %u of %u runs in %s/jobs.txt; run them with\n",
			nr_jobs, plan->runs->len, out);
	printf("%s\n", command);
	if (!quiet)
		fprintf(stderr, "(saved as %s/%s), then: pagesim sweep --collect %s\n", out,
			strcmp(emit, "slurm") ? "run-parallel.sh" : "sweep.sbatch", out);
	return 0;
}

int ps_cmd_sweep(int argc, char **argv)
{
	g_autofree char *out = NULL, *emit = NULL, *collect_dir = NULL;
	g_autofree char *pagesim = NULL, *cache_opt = NULL, *cache_dir = NULL;
	gint jobs = 0;
	gboolean quiet = FALSE, force = FALSE, no_cache = FALSE;
	GOptionEntry entries[] = {
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Sweep directory to write", "DIR"},
	    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
	     "Runs at a time (default: the number of cpus)", "N"},
	    {"emit", 0, 0, G_OPTION_ARG_STRING, &emit,
	     "Write jobs.txt and a script for GNU parallel or Slurm instead of running",
	     "parallel|slurm"},
	    {"pagesim", 0, 0, G_OPTION_ARG_FILENAME, &pagesim,
	     "Command the emitted jobs start with (default: this binary's absolute path)", "CMD"},
	    {"collect", 0, 0, G_OPTION_ARG_FILENAME, &collect_dir,
	     "Rebuild DIR/results.csv from the run directories under DIR/runs", "DIR"},
	    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only errors", NULL},
	    {"force", 0, 0, G_OPTION_ARG_NONE, &force,
	     "Run even when the runs need more memory than this machine has available", NULL},
	    {"trace-cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_opt,
	     "Binary trace cache directory (default: $PAGESIM_TRACE_CACHE, else "
	     "~/.cache/pagesim; --emit: DIR/trace-cache)",
	     "DIR"},
	    {"no-trace-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache,
	     "Parse every trace in every run, without the binary trace cache", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("SPEC.json - run a configuration sweep (see sweeps/README.md)");
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = NULL;
	g_autoptr(PsSweepPlan) plan = NULL;
	SweepProgress prog = {0};
	PsSweepExecOptions eo = {0};
	guint skipped, failed;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim sweep: %s\n", error->message);
		return 2;
	}
	if (collect_dir) {
		if (argc > 1 || out || emit) {
			fprintf(stderr, "pagesim sweep: --collect takes only a DIR\n");
			return 2;
		}
		return collect(collect_dir, NULL, quiet);
	}
	if (argc != 2 || !out) {
		fprintf(stderr, "pagesim sweep: usage: pagesim sweep SPEC.json -o DIR [-j N] "
				"[--emit parallel|slurm] | --collect DIR\n");
		return 2;
	}
	if (jobs < 0 || jobs > 4096) {
		fprintf(stderr, "pagesim sweep: -j: expected 1..4096 (0: the number of cpus)\n");
		return 2;
	}
	if (emit && strcmp(emit, "parallel") && strcmp(emit, "slurm")) {
		fprintf(stderr, "pagesim sweep: --emit: expected parallel or slurm, not '%s'\n",
			emit);
		return 2;
	}
	prog.start_us = g_get_monotonic_time();
	prog.quiet = quiet;
	prog.tty = !quiet && isatty(STDERR_FILENO);
	spec = ps_sweep_spec_load(argv[1], &error);
	if (spec)
		plan = ps_sweep_plan_new(spec, out, log_msg, &prog, &error);
	if (!plan) {
		fprintf(stderr, "pagesim sweep: %s\n", error->message);
		return 1;
	}
	prog.plan = plan;

	if (emit)
		return emit_jobs(plan, emit, pagesim, !no_cache, out, quiet);

	if (!sweep_memory_ok(plan, jobs, force, &error)) {
		fprintf(stderr, "pagesim sweep: %s\n", error->message);
		return 1;
	}
	eo.jobs = jobs;
	eo.done = run_done;
	eo.done_data = &prog;
	eo.wall_ns = now_ns;
	eo.wall_data = &prog;
	eo.interrupted = ps_cli_catch_signals();
	eo.trace_cache_dir = cache_dir = ps_cli_trace_cache_dir(cache_opt, no_cache);
	if (!ps_sweep_execute(plan, &eo, &skipped, &failed, &error)) {
		fprintf(stderr, "pagesim sweep: %s\n", error->message);
		return 1;
	}
	if (*eo.interrupted) {
		fprintf(stderr, "pagesim sweep: interrupted; runs left incomplete are run again by "
				"the same command\n");
		return 128 + *eo.interrupted;
	}
	if (!quiet)
		fprintf(stderr,
			"pagesim sweep: %u runs: %u run now, %u already complete, %u failed "
			"(%.1f s)\n",
			plan->runs->len, plan->runs->len - skipped, skipped, failed,
			(double)now_ns(&prog) / 1e9);
	rc = collect(out, plan, quiet);
	return failed ? 1 : rc;
}
