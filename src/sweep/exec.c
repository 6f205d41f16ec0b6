// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exec.c - runs a plan's incomplete runs in a GLib thread pool.
 *
 * The calling thread is the dispatcher: it prepares each run's directory, parses its config and
 * hands it to the pool, keeping at most two runs per worker queued or running, and reports each
 * finished run from its own thread. Each worker builds one PsSim, replays the trace and frees it
 * before taking the next run, so memory stays at one machine model per worker whatever the size
 * of the product. A run shares nothing with another (ps_sim_run keeps no global state), so the
 * outcome of a run does not depend on -j or on what ran beside it.
 *
 * Configs are parsed here, on the dispatcher, and not in the workers: the parse is cheap, and the
 * workers then only touch their own PsSim. Rejected: one GThreadPool task per run pushed all at
 * once - simpler, but it would hold every parsed config of a large product in memory and report
 * completions from worker threads.
 */
#include <string.h>

#include "config/config.h"
#include "sim/sim.h"
#include "sweep/sweep.h"
#include "trace/trace.h"

/* One run handed to the pool; the worker fills error and hands it back through done. */
typedef struct {
	const PsSweepPlan *plan;
	const PsSweepRun *run;
	PsConfig *cfg;
	GError *error;
	uint64_t start_ns;
	const PsSweepExecOptions *opts;
	GAsyncQueue *done; /* Task * back to the dispatcher */
} Task;

static uint64_t task_wall_ns(void *data)
{
	Task *t = data;

	return t->opts->wall_ns(t->opts->wall_data) - t->start_ns;
}

static void worker(gpointer data, gpointer pool_data)
{
	Task *t = data;
	const PsSweepPlan *plan = t->plan;
	g_autofree char *dir = ps_sweep_run_dir(plan, t->run);
	g_autofree char *cfg_path = g_build_filename(dir, "config.json", NULL);
	PsRunOptions ro = {0};
	PsSim *sim;

	ro.config_path = cfg_path;
	ro.out_dir = dir;
	ro.until_ns = plan->spec->until_ns;
	ro.sample_ns = plan->spec->sample_ns;
	ro.trace_digest = plan->trace_digests[t->run->trace]; /* hashed once for the plan */
	ro.trace_cache_dir = t->opts->trace_cache_dir;
	ro.interrupted = t->opts->interrupted;
	if (t->opts->wall_ns) {
		t->start_ns = t->opts->wall_ns(t->opts->wall_data);
		ro.wall_ns = task_wall_ns;
		ro.wall_data = t;
	}
	sim = ps_sim_new(t->cfg, &ro, &t->error);
	if (sim) {
		ps_sim_run(sim, plan->trace_paths[t->run->trace], &t->error);
		ps_sim_free(sim);
	}
	g_async_queue_push(t->done, t);
}

static void task_free(Task *t)
{
	ps_config_free(t->cfg);
	g_clear_error(&t->error);
	g_free(t);
}

static void report(const PsSweepExecOptions *opts, const PsSweepRun *run, guint nr_done,
		   guint nr_todo, const GError *error)
{
	if (opts->done)
		opts->done(opts->done_data, run, nr_done, nr_todo, error);
}

/* Prepares a run's directory and parses its config; NULL (and a report) if that fails. */
static Task *task_new(const PsSweepPlan *plan, const PsSweepRun *run,
		      const PsSweepExecOptions *opts, GAsyncQueue *done, GError **error)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autofree char *dir = ps_sweep_run_dir(plan, run);
	g_autofree char *cfg_path = g_build_filename(dir, "config.json", NULL);
	Task *t;

	if (!ps_sweep_run_prepare(plan, run, error) ||
	    !ps_config_parse(cfg, run->config_json, strlen(run->config_json), cfg_path, error))
		return NULL;
	t = g_new0(Task, 1);
	t->plan = plan;
	t->run = run;
	t->cfg = g_steal_pointer(&cfg);
	t->opts = opts;
	t->done = done;
	return t;
}

/*
 * Each trace the runs to do replay, into the cache before any run starts: otherwise the first
 * runs, starting together, would each parse it. A trace that fails here fails its runs with the
 * parser's message.
 */
static void compile_traces(const PsSweepPlan *plan, const PsSweepExecOptions *opts,
			   const GPtrArray *todo)
{
	guint n = g_strv_length(plan->trace_paths);
	g_autofree bool *want = g_new0(bool, n);

	if (!opts->trace_cache_dir)
		return;
	for (guint i = 0; i < todo->len; i++)
		want[((const PsSweepRun *)g_ptr_array_index(todo, i))->trace] = true;
	for (guint i = 0; i < n; i++)
		if (want[i])
			ps_trace_compile(plan->trace_paths[i], NULL, opts->trace_cache_dir,
					 plan->trace_digests[i], NULL, NULL, NULL);
}

gboolean ps_sweep_execute(const PsSweepPlan *plan, const PsSweepExecOptions *opts,
			  guint *nr_skipped, guint *nr_failed, GError **error)
{
	int jobs = opts->jobs > 0 ? opts->jobs : (int)g_get_num_processors();
	g_autoptr(GPtrArray) todo = g_ptr_array_new();
	g_autoptr(GAsyncQueue) done = g_async_queue_new();
	GThreadPool *pool;
	guint next = 0, in_flight = 0, nr_done = 0;

	*nr_skipped = *nr_failed = 0;
	for (guint i = 0; i < plan->runs->len; i++) {
		PsSweepRun *run = g_ptr_array_index(plan->runs, i);

		if (ps_sweep_run_complete(plan, run))
			(*nr_skipped)++;
		else
			g_ptr_array_add(todo, run);
	}
	if (!todo->len)
		return TRUE;
	compile_traces(plan, opts, todo);
	pool = g_thread_pool_new(worker, NULL, MIN(jobs, (int)todo->len), TRUE, error);
	if (!pool)
		return FALSE;
	while (nr_done < todo->len) {
		/* Interrupted: no new run starts; those in flight stop and are waited for. */
		if (opts->interrupted && *opts->interrupted && !in_flight)
			break;
		while (next < todo->len && in_flight < 2u * (guint)jobs &&
		       !(opts->interrupted && *opts->interrupted)) {
			const PsSweepRun *run = g_ptr_array_index(todo, next++);
			g_autoptr(GError) local = NULL;
			Task *t = task_new(plan, run, opts, done, &local);

			if (!t) {
				(*nr_failed)++;
				report(opts, run, ++nr_done, todo->len, local);
				continue;
			}
			g_thread_pool_push(pool, t, NULL);
			in_flight++;
		}
		if (in_flight) {
			Task *t = g_async_queue_pop(done);

			in_flight--;
			if (t->error)
				(*nr_failed)++;
			report(opts, t->run, ++nr_done, todo->len, t->error);
			task_free(t);
		}
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	return TRUE;
}
