// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-sweep.c - how well a sweep uses the cores: the same 16 runs (a fragmenting fill of MEM
 * on the 4 GiB sweep machine, 16 seeds) at -j JOBS_A and -j JOBS_B (default 1 and 2), each into
 * a fresh directory; first with every run parsing the JSONL trace, then with the binary trace
 * cache (cold: the one compile before the first run is timed). Target on 2 idle cores: >= 1.8x.
 *
 * What is timed is what `pagesim sweep` does after the trace exists: the plan (trace hash,
 * every point's config), the runs, the trace compile, results.csv - the serial parts once per
 * sweep, as a sweep has them. The trace is generated once, before any timing, and hard-linked
 * into each sweep directory (generation is a one-off per trace: a later sweep of the same spec
 * reuses the file). Each configuration runs ROUNDS times (default 3), the two job counts
 * alternating in each round so that a change of load hits both alike; the best round counts.
 *
 * A shared machine inflates wall times, more at -j 2 (both cores wanted) than at -j 1. So the
 * bench also accounts for the time each thread of the sweep waited for a core
 * (/proc/self/task/TID/schedstat: run and run-queue delay, ns): the runs' threads are the pool's
 * workers ("pool-..." threads), the serial parts run on this thread. The "idle" wall is the wall
 * less this thread's waits in the plan and results.csv and less the workers' waits shared over
 * the workers: what the wall would be if nothing else wanted the cores (an estimate; it takes
 * the workers' waits as evenly spread). Runs share nothing (one PsSim per worker), so what is
 * left between the idle speed-up and JOBS_B/JOBS_A is the serial part, imbalance at the end,
 * contention (the CPU ratio: extra CPU at -j JOBS_B is memory bandwidth, caches, page faults
 * and unmaps in one shared address space) and waits for the disk (with PAGESIM_FSYNC=1, the
 * fsyncs of each run's outputs, which overlap at -j 2 and flatter it).
 * A benchmark prints figures and asserts nothing.
 *
 * Usage: bench-sweep [JOBS_A JOBS_B [MEM [ROUNDS]]] (default 1 2 3G 3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "sweep/sweep.h"

#ifndef PS_SOURCE_DIR
#define PS_SOURCE_DIR "."
#endif

static uint64_t now_ns(void *data)
{
	return (uint64_t)g_get_monotonic_time() * 1000u;
}

typedef struct {
	double user, sys;
	long minflt;
} Cpu;

static Cpu cpu_now(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (Cpu){(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_minflt};
}

/* A thread's CPU (run may be NULL) and run-queue delay so far, s, from its schedstat. */
static bool sched_of(const char *tid, double *run, double *delay)
{
	g_autofree char *path = g_strdup_printf("/proc/self/task/%s/schedstat", tid);
	g_autofree char *text = NULL;
	unsigned long long r, d;

	if (!g_file_get_contents(path, &text, NULL, NULL) || sscanf(text, "%llu %llu", &r, &d) != 2)
		return false;
	if (run)
		*run = (double)r / 1e9;
	*delay = (double)d / 1e9;
	return true;
}

/*
 * The pool's worker threads (GLib names them "pool-..."), watched by a sampler thread every
 * SAMPLE_US: each one's CPU and run-queue delay since the sweep began (a thread the pool made
 * during the sweep counts from zero; one that GLib kept from an earlier pool from where it was
 * at the first look). A worker may end before the sweep does, so its last look stands for its
 * end: the figures miss at most one interval of it. The sampler's own CPU is reported.
 */
#define SAMPLE_US 50000

typedef struct {
	long tid;
	bool pool;
	double run0, delay0, run, delay;
} Seen;

typedef struct {
	volatile gint stop;
	GArray *seen; /* Seen */
	double cpu;   /* the sampler's own, s */
} Sampler;

static void sample(Sampler *sm, bool first)
{
	g_autoptr(GDir) d = g_dir_open("/proc/self/task", 0, NULL);
	const char *tid;

	while (d && (tid = g_dir_read_name(d))) {
		long t = atol(tid);
		Seen *s = NULL;

		for (guint i = 0; i < sm->seen->len && !s; i++)
			if (g_array_index(sm->seen, Seen, i).tid == t)
				s = &g_array_index(sm->seen, Seen, i);
		if (!s) {
			Seen n = {.tid = t};

			g_array_append_val(sm->seen, n);
			s = &g_array_index(sm->seen, Seen, sm->seen->len - 1);
		}
		/*
		 * Asked again until it says "pool": a new thread has its creator's name until
		 * GLib renames it from inside.
		 */
		if (!s->pool) {
			g_autofree char *comm_path =
			    g_strdup_printf("/proc/self/task/%s/comm", tid);
			g_autofree char *comm = NULL;

			s->pool = g_file_get_contents(comm_path, &comm, NULL, NULL) &&
				  g_str_has_prefix(comm, "pool");
			if (!s->pool)
				continue;
			if (first)
				sched_of(tid, &s->run0, &s->delay0);
		}
		sched_of(tid, &s->run, &s->delay);
	}
}

static gpointer sampler(gpointer data)
{
	Sampler *sm = data;

	while (!g_atomic_int_get(&sm->stop)) {
		sample(sm, false);
		g_usleep(SAMPLE_US);
	}
	sample(sm, false);
	sm->cpu = cpu_now(RUSAGE_THREAD).user + cpu_now(RUSAGE_THREAD).sys;
	return NULL;
}

static bool self_sched(double *run, double *delay)
{
	g_autofree char *tid = g_strdup_printf("%ld", (long)gettid());

	return sched_of(tid, run, delay);
}

/* One sweep's figures. */
typedef struct {
	double wall, idle_wall;		  /* s; idle: less the waits for a core */
	double plan, exec, collect;	  /* wall of each phase, s */
	double serial_cpu;		  /* this thread: plan, compile, dispatching, collect */
	double workers_cpu, workers_wait; /* the runs */
	Cpu cpu;			  /* the whole process */
	double sampler_cpu;		  /* of that, the bench's sampler */
} Sweep;

/* Hard links to the generated traces of from/traces in dir/traces: the plan finds them made. */
static void link_traces(const char *from, const char *dir)
{
	g_autofree char *src = g_build_filename(from, "traces", NULL);
	g_autofree char *dst = g_build_filename(dir, "traces", NULL);
	g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
	const char *name;

	if (!d || g_mkdir_with_parents(dst, 0755) != 0) {
		fprintf(stderr, "bench-sweep: %s: %s\n", dst, g_strerror(errno));
		exit(1);
	}
	while ((name = g_dir_read_name(d))) {
		g_autofree char *a = g_build_filename(src, name, NULL);
		g_autofree char *b = g_build_filename(dst, name, NULL);

		if (link(a, b) != 0) {
			fprintf(stderr, "bench-sweep: link %s: %s\n", b, g_strerror(errno));
			exit(1);
		}
	}
}

static void die(const char *what, const GError *error)
{
	fprintf(stderr, "bench-sweep: %s: %s\n", what, error ? error->message : "failed");
	exit(1);
}

/* The sweep of spec into dir (made here) at jobs workers; traces: a directory to link from. */
static void sweep(const PsSweepSpec *spec, const char *dir, int jobs, const char *cache,
		  const char *traces, Sweep *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepPlan) plan = NULL;
	PsSweepExecOptions eo = {.jobs = jobs, .wall_ns = now_ns, .trace_cache_dir = cache};
	PsSweepCollectStats st;
	guint skipped, failed;
	Sampler sm = {.seen = g_array_new(FALSE, FALSE, sizeof(Seen))};
	GThread *sampler_thread;
	double r0 = 0, d0 = 0, d1 = 0, d2 = 0, r3 = 0, d3 = 0;
	gint64 t0, t1, t2, t3;
	Cpu c0, c1;

	if (traces)
		link_traces(traces, dir);
	sample(&sm, true);
	sampler_thread = g_thread_new("sampler", sampler, &sm);
	self_sched(&r0, &d0);
	c0 = cpu_now(RUSAGE_SELF);
	t0 = g_get_monotonic_time();
	plan = ps_sweep_plan_new(spec, dir, NULL, NULL, &error);
	if (!plan)
		die("plan", error);
	t1 = g_get_monotonic_time();
	self_sched(NULL, &d1);
	if (!ps_sweep_execute(plan, &eo, &skipped, &failed, &error) || failed || skipped)
		die("execute", error);
	t2 = g_get_monotonic_time();
	self_sched(NULL, &d2);
	if (!ps_sweep_collect(dir, plan, &st, &error))
		die("collect", error);
	t3 = g_get_monotonic_time();
	c1 = cpu_now(RUSAGE_SELF);
	self_sched(&r3, &d3);
	g_atomic_int_set(&sm.stop, 1);
	g_thread_join(sampler_thread);
	s->workers_cpu = s->workers_wait = 0;
	for (guint i = 0; i < sm.seen->len; i++) {
		const Seen *w = &g_array_index(sm.seen, Seen, i);

		if (w->pool) {
			s->workers_cpu += w->run - w->run0;
			s->workers_wait += w->delay - w->delay0;
		}
	}
	s->sampler_cpu = sm.cpu;
	g_array_free(sm.seen, TRUE);
	s->wall = (double)(t3 - t0) / 1e6;
	s->plan = (double)(t1 - t0) / 1e6;
	s->exec = (double)(t2 - t1) / 1e6;
	s->collect = (double)(t3 - t2) / 1e6;
	s->serial_cpu = r3 - r0;
	/*
	 * The plan and results.csv are this thread's alone; the runs end with the last worker,
	 * and the workers' waits are taken as evenly spread over them.
	 */
	s->idle_wall =
	    s->plan - (d1 - d0) + s->exec - s->workers_wait / jobs + s->collect - (d3 - d2);
	s->cpu = (Cpu){c1.user - c0.user, c1.sys - c0.sys, c1.minflt - c0.minflt};
}

static void print_sweep(int jobs, const Sweep *s)
{
	printf("  -j %d: %6.2f s wall, %6.2f s idle (plan %.2f, runs %.2f, results %.2f); CPU "
	       "%.2f user %.2f sys, %ld faults; this thread %.2f, workers %.2f + %.2f waiting, "
	       "sampler %.2f\n",
	       jobs, s->wall, s->idle_wall, s->plan, s->exec, s->collect, s->cpu.user, s->cpu.sys,
	       s->cpu.minflt, s->serial_cpu, s->workers_cpu, s->workers_wait, s->sampler_cpu);
}

int main(int argc, char **argv)
{
	int jobs[2] = {argc >= 3 ? MAX(atoi(argv[1]), 1) : 1,
		       argc >= 3 ? MAX(atoi(argv[2]), 1) : 2};
	/* 3G: runs of ~0.15 s CPU, long enough that per-run set-up and output do not dominate. */
	const char *mem = argc >= 4 ? argv[3] : "3G";
	int rounds = argc >= 5 ? MAX(atoi(argv[4]), 1) : 3;
	g_autofree char *tmp = g_dir_make_tmp("pagesim-bench-sweep-XXXXXX", NULL);
	g_autofree char *cfg = g_build_filename(PS_SOURCE_DIR, "sweeps", "machine-4g.json", NULL);
	g_autofree char *spec_text =
	    g_strdup_printf("{\"name\": \"bench\", \"configs\": [\"%s\"],"
			    " \"traces\": [{\"gen\": \"fragmenter\", \"seconds\": 2,"
			    " \"params\": {\"mem\": \"%s\", \"grain\": \"64K\"}}],"
			    " \"seeds\": {\"from\": 1, \"to\": 16, \"step\": 1}}",
			    cfg, mem);
	g_autofree char *spec_path = g_build_filename(tmp, "bench.json", NULL);
	g_autofree char *warm = g_strdup_printf("%s/warm", tmp);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = NULL;
	Sweep warm_s;

	setvbuf(stdout, NULL, _IOLBF, 0); /* each sweep's line as it ends */
	g_assert_true(g_file_set_contents(spec_path, spec_text, -1, NULL));
	spec = ps_sweep_spec_load(spec_path, &error);
	if (!spec)
		die(spec_path, error);
	printf("bench-sweep: 16 runs (fragmenter mem=%s on sweeps/machine-4g.json), %u cpus, best "
	       "of %d rounds\n",
	       mem, g_get_num_processors(), rounds);
	/* Generates the trace (into the warm-up directory) and warms the page cache. */
	sweep(spec, warm, jobs[1], NULL, NULL, &warm_s);
	for (int c = 0; c < 2; c++) {
		/* best of the rounds, each figure on its own: wall, idle wall, CPU */
		double wall[2] = {G_MAXDOUBLE, G_MAXDOUBLE}, idle[2] = {G_MAXDOUBLE, G_MAXDOUBLE};
		double cpu[2] = {G_MAXDOUBLE, G_MAXDOUBLE}, serial = G_MAXDOUBLE;

		printf(" %s\n", c ? "binary trace cache (cold: the one compile is timed)"
				  : "no trace cache: every run parses the trace");
		for (int r = 0; r < rounds; r++)
			for (int k = 0; k < 2; k++) {
				int i = r % 2 ? 1 - k : k; /* alternate which goes first */
				g_autofree char *dir =
				    g_strdup_printf("%s/c%d-j%d-r%d", tmp, c, jobs[i], r);
				g_autofree char *cache =
				    c ? g_strdup_printf("%s/cache", dir) : NULL;
				Sweep s;

				sweep(spec, dir, jobs[i], cache, warm, &s);
				print_sweep(jobs[i], &s);
				wall[i] = MIN(wall[i], s.wall);
				idle[i] = MIN(idle[i], s.idle_wall);
				cpu[i] = MIN(cpu[i], s.cpu.user + s.cpu.sys);
				if (!i)
					serial = MIN(serial, s.serial_cpu);
			}
		printf(
		    "  speed-up -j %d over -j %d, best of each: %.2fx wall, %.2fx idle (target >= "
		    "1.8x on 2 idle cores)\n",
		    jobs[1], jobs[0], wall[0] / wall[1], idle[0] / idle[1]);
		printf(
		    "  CPU -j %d / -j %d: %.2f (1.00: no contention); serial part %.2f s of %.2f s "
		    "CPU at -j %d\n",
		    jobs[1], jobs[0], cpu[1] / cpu[0], serial, cpu[0], jobs[0]);
	}
	if (system(cmd) != 0)
		fprintf(stderr, "bench-sweep: could not remove %s\n", tmp);
	return 0;
}
