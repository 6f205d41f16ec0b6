// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * emit.c - a plan as jobs for other machines: jobs.txt with one `pagesim run` a line, and a
 * script that runs them with GNU parallel over ssh logins or as a Slurm job array.
 *
 * Each job is exactly what the thread pool would have run: the run directory is prepared here
 * (config.json and sweep.json written) and the job replays its trace into it, so `pagesim sweep
 * --collect DIR` builds the same results.csv. Paths in jobs.txt are relative to DIR (generated
 * traces live under it) except trace files named by the spec, which are absolute: the jobs run
 * with DIR as their working directory, which every host must see at the same path (a shared file
 * system, or a copy made before and collected after).
 *
 * Only incomplete runs become jobs, so emitting again after a partial cluster run hands out what
 * is left - the cluster counterpart of resuming.
 */
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "report/report.h"
#include "sim/sim.h"
#include "sweep/sweep.h"
#include "trace/trace.h"

/* The trace path a job names: relative to DIR when it is under DIR/traces. */
static char *job_trace_path(const PsSweepPlan *plan, guint trace)
{
	const PsSweepTrace *st = g_ptr_array_index(plan->spec->traces, trace);
	g_autofree char *base = NULL;

	if (!st->gen)
		return g_canonicalize_filename(plan->trace_paths[trace], NULL);
	base = g_path_get_basename(plan->trace_paths[trace]);
	return g_build_filename("traces", base, NULL);
}

static void append_job(GString *out, const PsSweepPlan *plan, const PsSweepRun *run,
		       const char *pagesim, bool trace_cache)
{
	g_autofree char *q_pagesim = g_shell_quote(pagesim);
	g_autofree char *trace = job_trace_path(plan, run->trace);
	g_autofree char *q_trace = g_shell_quote(trace);

	g_string_append_printf(out, "%s run -q -c runs/%s/config.json -t %s -o runs/%s", q_pagesim,
			       run->digest, q_trace, run->digest);
	if (plan->spec->until_ns)
		g_string_append_printf(out, " --until %" G_GUINT64_FORMAT, plan->spec->until_ns);
	if (plan->spec->sample_ns)
		g_string_append_printf(out, " --sample-ns %" G_GUINT64_FORMAT,
				       plan->spec->sample_ns);
	if (plan->spec->placement)
		g_string_append_printf(out, " --placement %s",
				       ps_placement_name((enum ps_placement)plan->spec->placement));
	g_string_append(out,
			trace_cache ? " --trace-cache " PS_SWEEP_TRACE_CACHE : " --no-trace-cache");
	g_string_append_c(out, '\n');
}

static gboolean write_script(const char *path, const char *text, GError **error)
{
	if (!ps_write_file_atomic(path, text, strlen(text), error))
		return FALSE;
	if (g_chmod(path, 0755) != 0) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s: %s", path,
			    g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

static char *parallel_script(const char *abs_dir, guint nr_jobs, char **command)
{
	g_autofree char *q_dir = g_shell_quote(abs_dir);

	*command = g_strdup_printf("cd %s && parallel --sshloginfile HOSTS --workdir %s "
				   "--joblog parallel.log < jobs.txt",
				   q_dir, q_dir);
	return g_strdup_printf(
	    "#!/bin/sh\n"
	    "# Written by pagesim sweep --emit parallel: runs the %u jobs of jobs.txt with GNU\n"
	    "# parallel on the ssh logins listed in the file HOSTS (sh run-parallel.sh HOSTS;\n"
	    "# default: hosts beside this script; a line ':' is this machine).\n"
	    "# Every host must see this directory at the same path. Then collect with\n"
	    "#   pagesim sweep --collect %s\n"
	    "set -eu\n"
	    "hosts=${1:-%s/hosts}\n"
	    "case $hosts in /*) ;; *) hosts=$PWD/$hosts ;; esac\n"
	    "cd %s\n"
	    "exec parallel --sshloginfile \"$hosts\" --workdir %s --joblog parallel.log "
	    "< jobs.txt\n",
	    nr_jobs, abs_dir, q_dir, q_dir, q_dir);
}

static char *slurm_script(const PsSweepPlan *plan, const char *abs_dir, guint nr_jobs,
			  char **command)
{
	g_autofree char *q_dir = g_shell_quote(abs_dir);
	g_autofree char *sbatch = g_build_filename(abs_dir, "sweep.sbatch", NULL);
	g_autofree char *q_sbatch = g_shell_quote(sbatch);
	const char *name = plan->spec->name ? plan->spec->name : "sweep";
	g_autofree char *job_name = g_strdup_printf("pagesim-%s", name);

	g_strcanon(job_name, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-_.", '_');
	*command = g_strdup_printf("sbatch %s", q_sbatch);
	return g_strdup_printf(
	    "#!/bin/bash\n"
	    "# Written by pagesim sweep --emit slurm: one array task a line of jobs.txt (%u "
	    "jobs).\n"
	    "# Every node must see this directory at the same path. Then collect with\n"
	    "#   pagesim sweep --collect %s\n"
	    "#SBATCH --job-name=%s\n"
	    "#SBATCH --array=1-%u\n"
	    "#SBATCH --ntasks=1\n"
	    "#SBATCH --cpus-per-task=1\n"
	    "#SBATCH --output=%s/slurm/%%A_%%a.out\n"
	    "set -euo pipefail\n"
	    "cd %s\n"
	    "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" jobs.txt)\n"
	    "if [ -z \"$line\" ]; then\n"
	    "\techo \"jobs.txt has no line ${SLURM_ARRAY_TASK_ID}\" >&2\n"
	    "\texit 1\n"
	    "fi\n"
	    "eval \"$line\"\n",
	    nr_jobs, abs_dir, job_name, nr_jobs, abs_dir, q_dir);
}

/* The traces of the jobs into DIR/trace-cache, once; a trace that fails fails its jobs. */
static void compile_traces(const PsSweepPlan *plan, const bool *want)
{
	g_autofree char *dir = g_build_filename(plan->dir, PS_SWEEP_TRACE_CACHE, NULL);

	for (guint i = 0; plan->trace_paths[i]; i++)
		if (want[i])
			ps_trace_compile(plan->trace_paths[i], NULL, dir, plan->trace_digests[i],
					 NULL, NULL, NULL);
}

gboolean ps_sweep_emit(const PsSweepPlan *plan, enum ps_sweep_emit_kind kind, const char *pagesim,
		       bool trace_cache, guint *nr_jobs, char **command, GError **error)
{
	g_autofree bool *want = g_new0(bool, g_strv_length(plan->trace_paths) + 1);
	g_autofree char *abs_dir = g_canonicalize_filename(plan->dir, NULL);
	g_autofree char *jobs_path = g_build_filename(plan->dir, "jobs.txt", NULL);
	g_autofree char *script = NULL, *script_path = NULL;
	g_autoptr(GString) jobs = g_string_new(NULL);

	*nr_jobs = 0;
	*command = NULL;
	for (guint i = 0; i < plan->runs->len; i++) {
		const PsSweepRun *run = g_ptr_array_index(plan->runs, i);

		if (ps_sweep_run_complete(plan, run))
			continue;
		if (!ps_sweep_run_prepare(plan, run, error))
			return FALSE;
		append_job(jobs, plan, run, pagesim, trace_cache);
		want[run->trace] = true;
		(*nr_jobs)++;
	}
	if (trace_cache)
		compile_traces(plan, want);
	if (!ps_write_file_atomic(jobs_path, jobs->str, jobs->len, error))
		return FALSE;
	if (!*nr_jobs)
		return TRUE;
	if (kind == PS_SWEEP_EMIT_PARALLEL) {
		script = parallel_script(abs_dir, *nr_jobs, command);
		script_path = g_build_filename(plan->dir, "run-parallel.sh", NULL);
	} else {
		g_autofree char *logs = g_build_filename(plan->dir, "slurm", NULL);

		if (g_mkdir_with_parents(logs, 0755) != 0) {
			g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s: %s", logs,
				    g_strerror(errno));
			return FALSE;
		}
		script = slurm_script(plan, abs_dir, *nr_jobs, command);
		script_path = g_build_filename(plan->dir, "sweep.sbatch", NULL);
	}
	return write_script(script_path, script, error);
}
