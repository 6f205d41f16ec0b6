// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exec.c - runs a plan's incomplete runs in a GLib thread pool.
 *
 * The calling thread is the dispatcher: it hands the runs to the pool, longest first, keeping at
 * most two runs per worker queued or running, and reports each finished run from its own thread.
 * A worker prepares its run's directory (leftovers removed, config.json and sweep.json written),
 * parses the config, builds one PsSim, replays the trace and frees it before taking the next
 * run, so memory stays at one machine model per worker whatever the size of the product. A run
 * shares nothing with another (ps_sim_run keeps no global state), so the outcome of a run does not
 * depend on -j, on the order or on what ran beside it.
 *
 * Where two cores lose time against one (bench/bench-sweep.c measures it):
 * - Serial work. Directories were prepared and configs parsed on the dispatcher, one thread
 *   for every run (with PAGESIM_FSYNC=1 two fsyncs a run), and the second worker's first run
 *   waited for the first's. The workers do it now, side by side. What stays serial is the
 *   plan (one hash of each trace), the compile of each trace into the cache before the first
 *   run, and results.csv.
 * - The end. The last runs leave cores idle until the longest of them ends, so the runs go
 *   out longest first (LPT): by estimate, a run's cost is its trace's size times its machine's
 *   state bytes (records to replay times pages each touches: a 64 KiB-page point of a
 *   page-size axis replays the same records over 16x fewer pages). Ties keep product order.
 * - Fresh memory. Each run allocates and frees the same large arrays (records, LRU, slots):
 *   glibc gives sizes above its mmap threshold their own mapping, so every run faulted them in
 *   (the kernel zeroing each page) and unmapped them at the end, and an unmap in one worker
 *   flushes the TLB of the core running the other. keep_freed_memory has malloc (process-wide,
 *   for the rest of the process) serve sizes up to 32 MiB from the worker's arena and keep what
 *   is freed there, so the next run on that worker reuses pages already mapped: `pagesim sweep
 *   -j 1` of bench-sweep's 16 runs took ~133 k page faults and 0.55-0.78 s system time, now
 *   ~80 k and 0.25-0.34 s (of ~2.3 s CPU). Since then the record and LRU handle arrays are
 *   PsRooms (util/mem.c: address space reserved per run and made writable as it grows, not
 *   malloc's), mapped and unmapped with each run: ~4.6 k page faults a sweep in all. The
 *   machine state arrays (mm/machine.c) also keep their own mappings.
 *
 * Rejected: every run pushed to the pool at once - simpler, but after an interrupt every queued
 * run would still start (and stop at once); the dispatcher's window hands out two a worker.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/stat.h>

#include "config/config.h"
#include "sim/sim.h"
#include "sweep/sweep.h"
#include "trace/trace.h"

/* One run handed to the pool; the worker fills error and hands it back through done. */
typedef struct {
	const PsSweepPlan *plan;
	const PsSweepRun *run;
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
	g_autoptr(PsConfig) cfg = ps_config_new();
	PsRunOptions ro = {0};
	PsSim *sim;

	if (!ps_sweep_run_prepare(plan, t->run, &t->error) ||
	    !ps_config_parse(cfg, t->run->config_json, strlen(t->run->config_json), cfg_path,
			     &t->error)) {
		g_async_queue_push(t->done, t);
		return;
	}
	ro.config_path = cfg_path;
	ro.out_dir = dir;
	ro.until_ns = plan->spec->until_ns;
	ro.sample_ns = plan->spec->sample_ns;
	ro.placement = (enum ps_placement)plan->spec->placement;
	ro.trace_digest = plan->trace_digests[t->run->trace]; /* hashed once for the plan */
	ro.trace_cache_dir = t->opts->trace_cache_dir;
	ro.interrupted = t->opts->interrupted;
	if (t->opts->wall_ns) {
		t->start_ns = t->opts->wall_ns(t->opts->wall_data);
		ro.wall_ns = task_wall_ns;
		ro.wall_data = t;
	}
	sim = ps_sim_new(cfg, &ro, &t->error);
	if (sim) {
		ps_sim_run(sim, plan->trace_paths[t->run->trace], &t->error);
		ps_sim_free(sim);
	}
	g_async_queue_push(t->done, t);
}

static void task_free(Task *t)
{
	g_clear_error(&t->error);
	g_free(t);
}

static void report(const PsSweepExecOptions *opts, const PsSweepRun *run, guint nr_done,
		   guint nr_todo, const GError *error)
{
	if (opts->done)
		opts->done(opts->done_data, run, nr_done, nr_todo, error);
}

/* A run's cost by estimate, for the order: its trace's size times its machine's state bytes. */
typedef struct {
	const PsSweepRun *run;
	double cost;
} Todo;

static int by_cost(const void *a, const void *b)
{
	const Todo *x = a, *y = b;

	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1;
	return x->run->index < y->run->index ? -1 : x->run->index > y->run->index;
}

static void longest_first(const PsSweepPlan *plan, GPtrArray *todo)
{
	guint n = g_strv_length(plan->trace_paths);
	g_autofree double *trace_bytes = g_new0(double, n + 1);
	g_autofree Todo *v = g_new(Todo, todo->len + 1);

	for (guint i = 0; i < n; i++) {
		struct stat st;

		trace_bytes[i] = stat(plan->trace_paths[i], &st) == 0 ? (double)st.st_size : 1;
	}
	for (guint i = 0; i < todo->len; i++) {
		const PsSweepRun *run = g_ptr_array_index(todo, i);

		v[i].run = run;
		v[i].cost = trace_bytes[run->trace] * (double)MAX(run->state_bytes, 1u);
	}
	qsort(v, todo->len, sizeof(*v), by_cost);
	for (guint i = 0; i < todo->len; i++)
		g_ptr_array_index(todo, i) = (gpointer)v[i].run;
}

/* The heap of each worker keeps what a run frees for the next run (see the file header). */
static void keep_freed_memory(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
	/* 32 MiB: the largest threshold glibc takes (half its arena heap size on 64-bit). */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, G_MAXINT);
#endif
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
	longest_first(plan, todo);
	keep_freed_memory();
	pool = g_thread_pool_new(worker, NULL, MIN(jobs, (int)todo->len), TRUE, error);
	if (!pool)
		return FALSE;
	while (nr_done < todo->len) {
		/* Interrupted: no new run starts; those in flight stop and are waited for. */
		if (opts->interrupted && *opts->interrupted && !in_flight)
			break;
		while (next < todo->len && in_flight < 2u * (guint)jobs &&
		       !(opts->interrupted && *opts->interrupted)) {
			Task *t = g_new0(Task, 1);

			t->plan = plan;
			t->run = g_ptr_array_index(todo, next++);
			t->opts = opts;
			t->done = done;
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
