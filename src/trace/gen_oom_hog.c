// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen_oom_hog.c - a runaway process on an otherwise quiet server: the machine must OOM.
 *
 * Three ordinary services keep running: sshd (oom_score_adj -1000, as its systemd unit sets, so
 * it is never chosen), systemd-journald (-250, its unit's default) and a database worker (0).
 * Each touches a resident set at start (8 MiB, 24 MiB, mem/8) and then, every 20..80 ms, maps
 * and touches a 1 MiB buffer that it unmaps 10..40 ms later - the small, steady allocation of a
 * live system that keeps asking for memory while the hog is eating it.
 *
 * After 100 ms the hog (oom_score_adj 500: a batch job its owner marked expendable) starts to
 * touch anonymous memory at rate= bytes/s, 2 MiB a step, and never gives any back, until it has
 * touched twice mem= or the trace ends. With no swap there is nothing to reclaim but page
 * cache, so once the hog's touches exceed what the machine has, allocation must end in the OOM
 * killer, whose badness (RSS + oom_score_adj * totalpages / 1000) names the hog. mem should be
 * the simulated machine's memory.
 */
#include "trace/gen-private.h"

#define HOG_BASE    0x7f0000000000ull
#define SVC_BASE    0x555556000000ull
#define SVC_BUF	    0x7ffff0000000ull
#define HOG_STEP    PS_GEN_PMD_SIZE
#define HOG_MS	    1000000ull
#define NR_SERVICES 3

static const struct {
	const char *comm;
	int oom_score_adj;
	uint64_t rss_bytes; /* 0 = mem / 8 */
} hog_services[NR_SERVICES] = {
    {"sshd", -1000, 8ull << 20},
    {"systemd-journal", -250, 24ull << 20},
    {"postgres", 0, 0},
};

typedef struct {
	PsGenTask *task;
	bool buf_mapped; /* services: the 1 MiB buffer is mapped */
	uint64_t touched;
} HogProc;

static gboolean oom_hog_run(const char *out_path, double seconds, uint64_t seed, GHashTable *params,
			    GError **error)
{
	static const char *const known[] = {"mem", "rate", "cpus", NULL};
	uint64_t mem, rate, cpus, step_ns;
	HogProc p[NR_SERVICES + 1] = {{0}};
	const int hog = NR_SERVICES;
	PsGenEmitter *e;
	PsRng rng;
	int lane;

	if (!ps_gen_params_check(params, known, error) ||
	    !ps_gen_param_size(params, "mem", 1ull << 30, 64ull << 20, 1ull << 44, &mem, error) ||
	    !ps_gen_param_size(params, "rate", 1ull << 30, 1ull << 20, 1ull << 40, &rate, error) ||
	    !ps_gen_param_uint(params, "cpus", 2, 1, 1024, &cpus, error))
		return FALSE;
	step_ns = HOG_STEP * PS_GEN_NS_PER_S / rate;
	e = ps_gen_emitter_new("oom-hog", out_path, (int)cpus, NR_SERVICES + 1, seconds, error);
	if (!e)
		return FALSE;
	ps_rng_init(&rng, seed, "oom-hog");
	/* The hog on the last cpu, services spread over the rest (all on cpu 0 if there is one). */
	e->lane_cpu[hog] = (int)cpus - 1;
	for (int i = 0; i < NR_SERVICES; i++)
		e->lane_cpu[i] = cpus > 1 ? i % ((int)cpus - 1) : 0;
	for (int i = 0; i < NR_SERVICES; i++)
		ps_gen_advance(e, i, ps_gen_uniform(&rng, 0, 5 * HOG_MS));
	ps_gen_advance(e, hog, 100 * HOG_MS);
	while ((lane = ps_gen_next_lane(e)) >= 0) {
		HogProc *h = &p[lane];

		if (lane == hog) {
			if (!h->task) {
				h->task = ps_gen_task_new(e, lane, "hog", 500);
				ps_gen_map(e, lane, h->task->pid, HOG_BASE, 2 * mem, false);
			}
			ps_gen_task_touch(e, h->task, HOG_BASE + h->touched, HOG_STEP);
			h->touched += HOG_STEP;
			ps_gen_advance(e, lane, step_ns);
			if (h->touched >= 2 * mem)
				ps_gen_park(e, lane);
			continue;
		}
		if (!h->task) {
			uint64_t rss =
			    hog_services[lane].rss_bytes ? hog_services[lane].rss_bytes : mem / 8;

			h->task = ps_gen_task_new(e, lane, hog_services[lane].comm,
						  hog_services[lane].oom_score_adj);
			ps_gen_map(e, lane, h->task->pid, SVC_BASE, rss, false);
			ps_gen_task_touch(e, h->task, SVC_BASE, rss);
			ps_gen_advance(e, lane, rss / HOG_STEP * 500000);
		} else if (!h->buf_mapped) {
			ps_gen_map(e, lane, h->task->pid, SVC_BUF, 1ull << 20, false);
			ps_gen_task_touch(e, h->task, SVC_BUF, 1ull << 20);
			h->buf_mapped = true;
			ps_gen_advance(e, lane, ps_gen_uniform(&rng, 10 * HOG_MS, 40 * HOG_MS));
		} else {
			ps_gen_unmap(e, lane, h->task->pid, SVC_BUF, 1ull << 20);
			h->buf_mapped = false;
			ps_gen_advance(e, lane, ps_gen_uniform(&rng, 20 * HOG_MS, 80 * HOG_MS));
		}
	}
	for (int i = 0; i <= NR_SERVICES; i++)
		ps_gen_task_free(p[i].task);
	return ps_gen_emitter_finish(e, error);
}

const PsGenerator ps_gen_oom_hog = {
    .name = "oom-hog",
    .summary = "three services and one hog touching anonymous memory past mem: the machine "
	       "must OOM",
    .params_help = "mem=1G: memory of the simulated machine; the hog touches up to 2 x mem\n"
		   "rate=1G: bytes per second the hog touches\n"
		   "cpus=2: cpus of the recording; the hog runs on the last one\n",
    .run = oom_hog_run,
};
