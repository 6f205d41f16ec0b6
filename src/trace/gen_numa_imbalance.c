// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen_numa_imbalance.c - all the work on one node: processes pinned (taskset, cpuset) to the
 * cpus of node 0 allocate heavily while the cpus of the other nodes idle.
 *
 * The trace cannot name nodes - the config maps cpus to nodes - so this generator assumes the
 * usual enumeration: cpus split into equal contiguous blocks, block k on node k (cpus=4, nodes=2:
 * cpus 0-1 on node 0, 2-3 on node 1), as the shipped 2-node configs do. One worker runs on each
 * node-0 cpu. A worker reads files sequentially at file-rate= bytes/s (page cache, 64 KiB
 * readahead folios, explicit allocations carrying the worker's cpu) and grows an anonymous
 * working set at anon-rate= bytes/s in 2 MiB steps up to its share of mem=, after which it
 * keeps it and only reads. Its page-table pages are allocations on its cpu too, so the faults of
 * its touches happen on node 0. With the default local-first zonelists and zone_reclaim_mode 0
 * node 0 fills first; the interesting part is what follows - kswapd on node 0 evicting the
 * worker's own page cache, or allocations spilling to node 1, depending on the config.
 * The cpus of node 1 and beyond never appear in an event.
 */
#include "trace/gen-private.h"

#define NUMA_ANON_BASE 0x7f0000000000ull
#define NUMA_STEP      PS_GEN_PMD_SIZE

typedef struct {
	PsGenTask *task;
	uint64_t anon;	  /* bytes touched */
	uint64_t file;	  /* bytes read of the current file */
	uint64_t next_ns; /* when the next anonymous step is due */
} NumaWorker;

static gboolean numa_imbalance_run(const char *out_path, double seconds, uint64_t seed,
				   GHashTable *params, GError **error)
{
	static const char *const known[] = {"cpus", "nodes", "mem", "anon-rate", "file-rate", NULL};
	uint64_t cpus, nodes, mem, anon_rate, file_rate, workers, share, read_ns, anon_ns;
	NumaWorker *w;
	PsGenEmitter *e;
	PsRng rng;
	int lane;

	if (!ps_gen_params_check(params, known, error) ||
	    !ps_gen_param_uint(params, "cpus", 4, 1, 1024, &cpus, error) ||
	    !ps_gen_param_uint(params, "nodes", 2, 1, 64, &nodes, error) ||
	    !ps_gen_param_size(params, "mem", 1ull << 30, 16ull << 20, 1ull << 44, &mem, error) ||
	    !ps_gen_param_size(params, "anon-rate", 256ull << 20, 1ull << 20, 1ull << 40,
			       &anon_rate, error) ||
	    !ps_gen_param_size(params, "file-rate", 128ull << 20, 1ull << 20, 1ull << 40,
			       &file_rate, error))
		return FALSE;
	if (cpus % nodes) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "param cpus: %" G_GUINT64_FORMAT
			    " cpus do not split evenly over %" G_GUINT64_FORMAT " nodes",
			    cpus, nodes);
		return FALSE;
	}
	workers = cpus / nodes;
	share = MAX(NUMA_STEP, mem / workers / NUMA_STEP * NUMA_STEP);
	read_ns = PS_GEN_FOLIO_MAX * PS_GEN_NS_PER_S / file_rate;
	anon_ns = NUMA_STEP * PS_GEN_NS_PER_S / anon_rate;
	e = ps_gen_emitter_new("numa-imbalance", out_path, (int)cpus, (int)workers, seconds, error);
	if (!e)
		return FALSE;
	ps_rng_init(&rng, seed, "numa-imbalance");
	w = g_new0(NumaWorker, workers);
	for (uint64_t i = 0; i < workers; i++)
		ps_gen_advance(e, (int)i, ps_rng_below(&rng, 2 * read_ns));
	while ((lane = ps_gen_next_lane(e)) >= 0) {
		NumaWorker *k = &w[lane];

		if (!k->task) {
			k->task = ps_gen_task_new(e, lane, "worker", 0);
			ps_gen_map(e, lane, k->task->pid, NUMA_ANON_BASE, share, false);
			k->next_ns = e->lane_ns[lane];
		}
		if (k->anon < share && e->lane_ns[lane] >= k->next_ns) {
			ps_gen_task_touch(e, k->task, NUMA_ANON_BASE + k->anon, NUMA_STEP);
			k->anon += NUMA_STEP;
			k->next_ns += anon_ns;
		}
		/* A new 1 GiB file every 16384 folios; the offset only shapes the folio split. */
		ps_gen_pagecache(e, lane, k->file, PS_GEN_FOLIO_MAX, PS_GEN_GFP_READAHEAD);
		k->file = (k->file + PS_GEN_FOLIO_MAX) % (1ull << 30);
		ps_gen_advance(e, lane,
			       read_ns - read_ns / 8 + ps_rng_below(&rng, read_ns / 4 + 1));
	}
	for (uint64_t i = 0; i < workers; i++)
		ps_gen_task_free(w[i].task);
	g_free(w);
	return ps_gen_emitter_finish(e, error);
}

const PsGenerator ps_gen_numa_imbalance = {
    .name = "numa-imbalance",
    .summary = "workers pinned to node 0's cpus allocate page cache and anon heavily while "
	       "the other nodes' cpus idle",
    .params_help = "cpus=4: cpus of the recording, split into equal contiguous blocks, one a "
		   "node\n"
		   "nodes=2: nodes; one worker runs on each cpu of node 0\n"
		   "mem=1G: anonymous working set of all workers together\n"
		   "anon-rate=256M: bytes per second each worker touches until it has its share\n"
		   "file-rate=128M: bytes per second each worker reads into the page cache\n",
    .run = numa_imbalance_run,
};
