// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen_fragmenter.c - the classic fragmentation test program: fill memory with order-0 movable
 * pages, then free three of every four, so that free memory is plentiful but no 2 MiB region -
 * and on a 4K machine not even an order-2 block - is free as a whole until compaction moves the
 * survivors.
 *
 * One process maps mem= bytes of anonymous memory (no THP) and touches all of it, 2 MiB a step,
 * so the fill is made of base-page faults (GFP_HIGHUSER_MOVABLE|__GFP_ZERO, movable, anon).
 * Then, region by 2 MiB region, it unmaps the first three of every four grain= pieces (one
 * munmap/MADV_DONTNEED of 3 x grain a group) and keeps the fourth until the trace ends.
 *
 * Why touch/unmap and not alloc/free: the touch form is what a real program does, it replays on
 * any page size (each machine faults its own base pages), and it keeps the trace small (one
 * event a hole group, not one a page). The price is explicit: with grain=4K, a 16K or 64K
 * machine frees nothing, because no whole page of it lies in a 12 KiB hole - exactly what
 * MADV_DONTNEED of sub-page ranges does on a real kernel. To fragment a 64K machine the same
 * way, use grain=64K (or grain=16K for 16K).
 *
 * With thp=SIZE, a second process then maps SIZE of MADV_HUGEPAGE memory and touches it 2 MiB a
 * step: the huge-page faults that meet the fragmented memory, so direct compaction, THP fallbacks
 * and (when SIZE exceeds what is free) reclaim and OOM follow - what a sweep over
 * min_free_kbytes or the page size is about. Default 0: no second process (the shipped
 * fragmenter-1g trace is made without it). wait-ms=N leaves the fragmented memory idle that long
 * before: time for kcompactd's proactive compaction to act first.
 *
 * Costs: a base-page fault with clearing ~1.25 us, so 640 us a 2 MiB step at 4 KiB; a munmap of
 * a small range with its TLB flush ~1.5 us; a 2 MiB huge-page fault with clearing ~100 us.
 */
#include "trace/gen-private.h"

#define FRAG_BASE     0x7f0000000000ull /* 2 MiB-aligned */
#define FRAG_FILL_NS  640000ull
#define FRAG_UNMAP_NS 1500ull
#define FRAG_THP_BASE 0x7e0000000000ull /* 2 MiB-aligned, below the fill */
#define FRAG_THP_NS   100000ull

static gboolean fragmenter_run(const char *out_path, double seconds, uint64_t seed,
			       GHashTable *params, GError **error)
{
	static const char *const known[] = {"mem", "grain", "cpus", "thp", "wait-ms", NULL};
	uint64_t mem, grain, cpus, thp, wait_ms, filled = 0, punched = 0, faulted = 0;
	PsGenEmitter *e;
	PsGenTask *t;
	PsRng rng;

	if (!ps_gen_params_check(params, known, error) ||
	    !ps_gen_param_size(params, "mem", 1ull << 30, PS_GEN_PMD_SIZE, 1ull << 44, &mem,
			       error) ||
	    !ps_gen_param_size(params, "grain", 4096, 4096, PS_GEN_PMD_SIZE / 4, &grain, error) ||
	    !ps_gen_param_uint(params, "cpus", 1, 1, 1024, &cpus, error) ||
	    !ps_gen_param_size(params, "thp", 0, 0, 1ull << 44, &thp, error) ||
	    !ps_gen_param_uint(params, "wait-ms", 0, 0, 3600000, &wait_ms, error))
		return FALSE;
	if (grain & (grain - 1)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "param grain: must be a power of two like 4K or 64K");
		return FALSE;
	}
	mem = mem / PS_GEN_PMD_SIZE * PS_GEN_PMD_SIZE;
	thp = (thp + PS_GEN_PMD_SIZE - 1) / PS_GEN_PMD_SIZE * PS_GEN_PMD_SIZE;
	e = ps_gen_emitter_new("fragmenter", out_path, (int)cpus, 1, seconds, error);
	if (!e)
		return FALSE;
	/* The only random choice: when the program starts. Different seeds, different traces. */
	ps_rng_init(&rng, seed, "fragmenter");
	ps_gen_advance(e, 0, ps_gen_uniform(&rng, 1000000, 10000000));
	t = ps_gen_task_new(e, 0, "fragmenter", 0);
	ps_gen_map(e, 0, t->pid, FRAG_BASE, mem, false);
	while (ps_gen_next_lane(e) >= 0 && punched < mem) {
		if (filled < mem) {
			ps_gen_task_touch(e, t, FRAG_BASE + filled, PS_GEN_PMD_SIZE);
			filled += PS_GEN_PMD_SIZE;
			ps_gen_advance(e, 0, FRAG_FILL_NS);
			continue;
		}
		for (uint64_t off = 0; off < PS_GEN_PMD_SIZE; off += 4 * grain) {
			ps_gen_unmap(e, 0, t->pid, FRAG_BASE + punched + off, 3 * grain);
			ps_gen_advance(e, 0, FRAG_UNMAP_NS);
		}
		punched += PS_GEN_PMD_SIZE;
	}
	if (thp && ps_gen_next_lane(e) >= 0) {
		PsGenTask *h;

		ps_gen_advance(e, 0, wait_ms * 1000000ull);
		h = ps_gen_task_new(e, 0, "thp-after", 0);

		ps_gen_map(e, 0, h->pid, FRAG_THP_BASE, thp, true);
		while (faulted < thp && ps_gen_next_lane(e) >= 0) {
			ps_gen_task_touch(e, h, FRAG_THP_BASE + faulted, PS_GEN_PMD_SIZE);
			faulted += PS_GEN_PMD_SIZE;
			ps_gen_advance(e, 0, FRAG_THP_NS);
		}
		ps_gen_task_free(h);
	}
	/* The survivors (and the huge-page process) stay mapped to the end of the trace: no exit.
	 */
	ps_gen_task_free(t);
	return ps_gen_emitter_finish(e, error);
}

const PsGenerator ps_gen_fragmenter = {
    .name = "fragmenter",
    .summary = "fill memory with order-0 movable pages, then free 3 of every 4 base pages of "
	       "each 2 MiB region",
    .params_help = "mem=1G: memory to fill (rounded down to 2 MiB)\n"
		   "grain=4K: the base page being fragmented: 3 of every 4 grain-sized pieces "
		   "are unmapped (use 64K for a 64K machine)\n"
		   "cpus=1: cpus of the recording (the program runs on cpu 0)\n"
		   "thp=0: then fault this much MADV_HUGEPAGE memory in a second process (the "
		   "huge-page faults that meet the fragmentation)\n"
		   "wait-ms=0: idle time between the fragmenting and the huge-page faults\n",
    .run = fragmenter_run,
};
