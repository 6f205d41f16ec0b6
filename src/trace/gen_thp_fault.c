// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen_thp_fault.c - processes that want transparent huge pages: a JVM or database heap, an HPC
 * array, anything that mmaps a big anonymous range, calls madvise(MADV_HUGEPAGE) and fills it.
 *
 * procs=N processes run side by side, one lane each. A process maps a range of size= bytes at a
 * 2 MiB-aligned address with thp:true (the madvise; THP mode is "madvise" on the reference
 * machine, kernel-facts §0.1) and touches it 2 MiB at a time, as memset would, so that on a 4K
 * machine every touch is one PMD-sized fault: do_huge_pmd_anonymous_page asks for an order-9
 * folio (GFP_TRANSHUGE_LIGHT or GFP_TRANSHUGE depending on the defrag setting; the simulator
 * decides) and falls back to 512 base pages when there is none. Each process also has a small
 * ordinary heap (4..32 MiB, no THP) touched first, which is how such programs interleave order-0
 * movable pages with their huge ones. Once filled, the process holds its memory for 0.5..4 s
 * (log-uniform), gives back a random half of its 2 MiB extents (madvise(MADV_DONTNEED) of a
 * shrinking heap: whole, aligned extents, so whole huge pages are freed), holds the rest 0.2..1 s
 * more and exits; a new process takes its lane.
 *
 * Fault cost: clearing 2 MiB at ~10 GB/s plus the fault itself is ~250 us, the spacing of the
 * touches. Page tables are the simulator's (it deposits a PTE page with each huge PMD, as the
 * kernel does).
 */
#include "trace/gen-private.h"

#define THP_SIZE      PS_GEN_PMD_SIZE
#define THP_FAULT_NS  250000ull
#define THP_AREA_BASE 0x7e0000000000ull /* mmap area; the offset within it is random */
#define THP_HEAP_BASE 0x555556000000ull

enum thp_phase { THP_START, THP_FILL, THP_HOLD, THP_SHRUNK };

typedef struct {
	enum thp_phase phase;
	PsGenTask *task;
	uint64_t base;	 /* 2 MiB-aligned start of the THP range */
	uint64_t filled; /* bytes touched so far */
} ThpProc;

static gboolean thp_fault_run(const char *out_path, double seconds, uint64_t seed,
			      GHashTable *params, GError **error)
{
	static const char *const known[] = {"procs", "size", "cpus", NULL};
	uint64_t procs, size, cpus;
	PsGenEmitter *e;
	ThpProc *p;
	PsRng rng;
	int lane;

	if (!ps_gen_params_check(params, known, error) ||
	    !ps_gen_param_uint(params, "procs", 4, 1, 1024, &procs, error) ||
	    !ps_gen_param_size(params, "size", 256ull << 20, THP_SIZE, 1ull << 40, &size, error) ||
	    !ps_gen_param_uint(params, "cpus", procs, 1, 1024, &cpus, error))
		return FALSE;
	size = (size + THP_SIZE - 1) / THP_SIZE * THP_SIZE;
	e = ps_gen_emitter_new("thp-fault", out_path, (int)cpus, (int)procs, seconds, error);
	if (!e)
		return FALSE;
	ps_rng_init(&rng, seed, "thp-fault");
	p = g_new0(ThpProc, procs);
	for (uint64_t i = 0; i < procs; i++)
		ps_gen_advance(e, (int)i, ps_rng_below(&rng, 10 * THP_FAULT_NS));
	while ((lane = ps_gen_next_lane(e)) >= 0) {
		ThpProc *t = &p[lane];

		switch (t->phase) {
		case THP_START: {
			uint64_t heap = ps_gen_uniform(&rng, 4, 32) << 20;

			t->task = ps_gen_task_new(e, lane, "java", 0);
			t->base = THP_AREA_BASE + ps_rng_below(&rng, 512) * THP_SIZE;
			t->filled = 0;
			ps_gen_map(e, lane, t->task->pid, THP_HEAP_BASE, heap, false);
			ps_gen_task_touch(e, t->task, THP_HEAP_BASE, heap);
			ps_gen_map(e, lane, t->task->pid, t->base, size, true);
			ps_gen_advance(e, lane, heap / THP_SIZE * THP_FAULT_NS);
			t->phase = THP_FILL;
			break;
		}
		case THP_FILL:
			ps_gen_task_touch(e, t->task, t->base + t->filled, THP_SIZE);
			t->filled += THP_SIZE;
			ps_gen_advance(e, lane, THP_FAULT_NS);
			if (t->filled == size) {
				ps_gen_advance(
				    e, lane, ps_gen_log_uniform(&rng, 500000000ull, 4000000000ull));
				t->phase = THP_HOLD;
			}
			break;
		case THP_HOLD:
			for (uint64_t off = 0; off < size; off += THP_SIZE)
				if (ps_rng_below(&rng, 2))
					ps_gen_unmap(e, lane, t->task->pid, t->base + off,
						     THP_SIZE);
			ps_gen_advance(e, lane,
				       ps_gen_log_uniform(&rng, 200000000ull, 1000000000ull));
			t->phase = THP_SHRUNK;
			break;
		case THP_SHRUNK:
			ps_gen_task_exit(e, t->task);
			t->task = NULL;
			ps_gen_advance(e, lane, ps_gen_uniform(&rng, 1000000, 20000000));
			t->phase = THP_START;
			break;
		}
	}
	for (uint64_t i = 0; i < procs; i++)
		ps_gen_task_free(p[i].task);
	g_free(p);
	return ps_gen_emitter_finish(e, error);
}

const PsGenerator ps_gen_thp_fault = {
    .name = "thp-fault",
    .summary = "processes filling 2 MiB-aligned MADV_HUGEPAGE ranges, holding, shrinking and "
	       "exiting",
    .params_help = "procs=4: processes running side by side\n"
		   "size=256M: THP range of each process (rounded up to 2 MiB)\n"
		   "cpus=PROCS: cpus of the recording; process i runs on cpu i % cpus\n",
    .run = thp_fault_run,
};
