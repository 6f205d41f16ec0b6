// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-sweep.c - how well a sweep uses the cores: the same 16 short runs (a fragmenting fill of
 * 1 GiB on the 4 GiB sweep machine, 16 seeds) at -j 1 and at -j 2, each into a fresh directory,
 * printing the wall time of each and the speed-up (target on 2 idle cores: >= 1.8x); first with
 * every run parsing the JSONL trace, then with the binary trace cache (the sweep parses the trace
 * once, before the first run, and every run maps the entry).
 *
 * Runs share nothing (one PsSim per worker, no global state), so the speed-up is bounded by the
 * cores, the memory bandwidth and the file system (each run writes about ten files, fsync'd with
 * PAGESIM_FSYNC=1). Whatever else loads the machine shows up here: measure on an idle one. A
 * benchmark prints figures and asserts nothing. Usage: bench-sweep [JOBS_A JOBS_B] [MEM]
 * (default 1 2 1G).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sweep/sweep.h"

#ifndef PS_SOURCE_DIR
#define PS_SOURCE_DIR "."
#endif

static uint64_t now_ns(void *data)
{
	return (uint64_t)g_get_monotonic_time() * 1000u;
}

static double cpu_s(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds of a plan: all threads, and the dispatcher (this thread: configs, the compile). */
typedef struct {
	double all, dispatcher;
	double disk_wait; /* worker-seconds in uninterruptible sleep (D: fsync, reads), sampled */
} PlanCpu;

/*
 * A sampler of the pool's worker threads (GThreadPool names them "pool-..."): about every
 * SAMPLE_US it reads each one's state from /proc/self/task/TID/stat and, for each one in D (the
 * uninterruptible sleep of a thread waiting for the disk: fsync of the run's outputs, a read),
 * adds the time since its previous sample (on a loaded machine the sampler itself waits for a
 * core, so the interval is measured, not assumed). That time is waiting that stays on an idle
 * machine; time runnable but not running is the load's and goes away.
 */
#define SAMPLE_US 2000

typedef struct {
	volatile gint stop;
	gint64 disk_us;
} Sampler;

static gpointer sampler(gpointer data)
{
	Sampler *s = data;
	gint64 last = g_get_monotonic_time();

	while (!g_atomic_int_get(&s->stop)) {
		gint64 now = g_get_monotonic_time();
		g_autoptr(GDir) d = g_dir_open("/proc/self/task", 0, NULL);
		const char *tid;

		while (d && (tid = g_dir_read_name(d))) {
			g_autofree char *comm_path =
			    g_strdup_printf("/proc/self/task/%s/comm", tid);
			g_autofree char *stat_path =
			    g_strdup_printf("/proc/self/task/%s/stat", tid);
			g_autofree char *comm = NULL, *stat = NULL;
			const char *p;

			if (!g_file_get_contents(comm_path, &comm, NULL, NULL) ||
			    !g_str_has_prefix(comm, "pool") ||
			    !g_file_get_contents(stat_path, &stat, NULL, NULL))
				continue;
			p = strrchr(stat, ')');
			if (p && p[1] == ' ' && p[2] == 'D')
				s->disk_us += now - last;
		}
		last = now;
		g_usleep(SAMPLE_US);
	}
	return NULL;
}

/* Wall seconds of the whole plan at jobs workers, into dir (which must not exist yet). */
static double run_plan(const PsSweepSpec *spec, const char *dir, int jobs, const char *cache,
		       PlanCpu *cpu)
{
	double c0, d0;
	Sampler smp = {0};
	GThread *st = g_thread_new("sampler", sampler, &smp);

	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepPlan) plan = ps_sweep_plan_new(spec, dir, NULL, NULL, &error);
	PsSweepExecOptions eo = {.jobs = jobs, .wall_ns = now_ns, .trace_cache_dir = cache};
	guint skipped, failed;
	gint64 t0;

	if (!plan) {
		fprintf(stderr, "bench-sweep: %s\n", error->message);
		exit(1);
	}
	t0 = g_get_monotonic_time();
	c0 = cpu_s(RUSAGE_SELF);
	d0 = cpu_s(RUSAGE_THREAD);
	if (!ps_sweep_execute(plan, &eo, &skipped, &failed, &error) || failed || skipped) {
		fprintf(stderr, "bench-sweep: %u failed, %u skipped%s%s\n", failed, skipped,
			error ? ": " : "", error ? error->message : "");
		exit(1);
	}
	if (cpu) {
		cpu->all = cpu_s(RUSAGE_SELF) - c0;
		cpu->dispatcher = cpu_s(RUSAGE_THREAD) - d0;
	}
	g_atomic_int_set(&smp.stop, 1);
	g_thread_join(st);
	if (cpu)
		cpu->disk_wait = (double)smp.disk_us / 1e6;
	return (double)(g_get_monotonic_time() - t0) / 1e6;
}

int main(int argc, char **argv)
{
	int ja = argc >= 3 ? atoi(argv[1]) : 1, jb = argc >= 3 ? atoi(argv[2]) : 2;
	/* 3G: runs of ~0.3 s, long enough that per-run set-up and output do not dominate. */
	const char *mem = argc >= 4 ? argv[3] : "3G";
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

	g_assert_true(g_file_set_contents(spec_path, spec_text, -1, NULL));
	spec = ps_sweep_spec_load(spec_path, &error);
	if (!spec) {
		fprintf(stderr, "bench-sweep: %s\n", error->message);
		return 1;
	}
	printf("bench-sweep: 16 runs (fragmenter mem=%s on sweeps/machine-4g.json), %u cpus\n", mem,
	       g_get_num_processors());
	/* Generates the trace (into the warm-up directory) and warms the page cache. */
	run_plan(spec, warm, jb, NULL, NULL);
	for (int c = 0; c < 2; c++) {
		g_autofree char *cache = c ? g_strdup_printf("%s/cache-%d", tmp, c) : NULL;
		g_autofree char *cache_b = c ? g_strdup_printf("%s/cache-%d-b", tmp, c) : NULL;
		g_autofree char *dir_a = g_strdup_printf("%s/j%d-%d", tmp, ja, c);
		g_autofree char *dir_b = g_strdup_printf("%s/j%d-%d-b", tmp, jb, c);
		double ta, tb;
		PlanCpu ca, cb;

		printf(" %s\n", c ? "binary trace cache (cold: the one parse is timed)"
				  : "no trace cache: every run parses the trace");
		ta = run_plan(spec, dir_a, ja, cache, &ca);
		printf(
		    "  -j %d: %7.2f s  (%.3f s a run)  CPU %.2f s (dispatcher %.2f s), disk wait "
		    "%.2f s\n",
		    ja, ta, ta / 16, ca.all, ca.dispatcher, ca.disk_wait);
		tb = run_plan(spec, dir_b, jb, cache_b, &cb);
		printf(
		    "  -j %d: %7.2f s  (%.3f s a run)  CPU %.2f s (dispatcher %.2f s), disk wait "
		    "%.2f s\n",
		    jb, tb, tb / 16, cb.all, cb.dispatcher, cb.disk_wait);
		printf("  speed-up -j %d over -j %d: %.2fx wall (target >= 1.8x on 2 idle cores)\n",
		       jb, ja, ta / tb);
		/*
		 * What the accounting allows on idle cores: a worker's time is its CPU plus its
		 * disk waits (the load's waiting for a core goes away), so -j ja takes
		 * (CPU + disk) / ja and -j jb (CPU + disk) / jb, the dispatcher (one thread) not
		 * below its own CPU time. Extra CPU at -j jb is contention (memory bandwidth,
		 * caches, locks); extra disk wait is fsyncs queueing behind each other.
		 */
		printf(
		    "  CPU -j %d / -j %d: %.2f (1.00: no contention), disk wait %.2f; by CPU and "
		    "disk accounting on idle cores: %.2fx\n",
		    jb, ja, cb.all / ca.all, cb.disk_wait / MAX(ca.disk_wait, 1e-9),
		    MAX((ca.all + ca.disk_wait) / ja, ca.dispatcher) /
			MAX((cb.all + cb.disk_wait) / jb, cb.dispatcher));
	}
	if (system(cmd) != 0)
		fprintf(stderr, "bench-sweep: could not remove %s\n", tmp);
	return 0;
}
