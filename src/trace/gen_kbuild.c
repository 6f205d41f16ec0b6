// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen_kbuild.c - `make -jN` of a kernel tree: many short compile processes.
 *
 * Each of the N lanes (job slots, lane i on cpu i) runs compile jobs back to back. A job is what
 * kbuild does for one translation unit: the gcc driver is forked and exec'd, forks cc1 (preprocess
 * and compile: reads the .c file and a few hundred headers, grows its heap to tens of MiB, writes
 * assembly into a pipe and a .d file), then as (assembles, writes the .o), then gcc exits and
 * fixdep turns the .d into a .cmd file. What the page allocator sees from that:
 *
 *  - fork: a task_struct (~9.5 KiB, 3 to an order-3 slab) and an mm_struct (~1.3 KiB, 24 to an
 *    order-3 slab) from unmovable accounted caches, ~20-40 vm_area_structs (208 B, 19 to a 4 KiB
 *    slab), the kernel stack (THREAD_SIZE 16 KiB, order 2, GFP_KERNEL_ACCOUNT|__GFP_ZERO as
 *    alloc_thread_stack_node does without VMAP_STACK), the PGD and PUD. Slab pages belong to no
 *    process: the cache keeps them while any object on them lives, so one long-lived object pins
 *    an unmovable page after its neighbours' processes are gone - a main source of unmovable
 *    pages scattered through memory in real build machines.
 *  - exec: the binary's text read into the page cache on the first exec only (later execs hit
 *    the cache); file kind, readahead GFP. Touched text: cc1 12 MiB of its ~30 MiB, the rest
 *    1-2 MiB; libc 2 MiB shared by all.
 *  - running: anonymous memory touched as the heap grows (cc1's GC arena in 1 MiB chunks; cc1
 *    RSS log-uniform 24..256 MiB, median ~90 MiB, as gcc -O2 on kernel sources shows; the
 *    simulator adds its page tables), pipe pages (alloc_page(GFP_HIGHUSER|__GFP_ACCOUNT)) churned
 * as cc1 writes assembly and as reads it.
 *  - files: source (log-uniform 1..120 KiB, each read once), headers from a pool of 4000
 *    (1..64 KiB) chosen with a strong skew towards the popular ones so the cache warms up, each
 *    new file with a dentry (192 B, 21 to a 4 KiB slab) and an ext4 inode (~1.1 KiB, 29 to an
 *    order-3 slab), both reclaimable; outputs (.o 8..512 KiB, .d and .cmd 4..40 KiB) written
 *    through the page cache with __GFP_WRITE. Nothing of the page cache is freed by the trace.
 *  - exit: everything the process owns (anon, stack, and the page tables the simulator made
 *    for its faults) by the exit event; its slab objects are returned, and an emptied slab
 *    page is freed.
 *
 * Durations: cc1 log-uniform 150 ms..3 s (kernel TUs at -O2 on a current x86 core), as 20..120
 * ms, driver and fixdep a few ms, fork+exec ~1 ms.
 *
 * Time order with shared state: lanes run as steps of a per-lane state machine, always the lane
 * furthest behind first (gen-private.h). Every event that touches state shared between lanes
 * (slab caches, the page cache index) is emitted at the very start of a step, before the lane's
 * clock moves, so shared state is always changed in time order.
 */
#include <string.h>

#include "trace/gen-private.h"

#define KB_HEADERS	 4000
#define KB_GGC_CHUNK	 (1ull << 20)  /* cc1's GC arena grows by 1 MiB chunks */
#define KB_PIPE_BYTES	 (64ull << 10) /* assembly written between two pipe buffer pages */
#define KB_MS		 1000000ull
#define KB_HEAP_BASE	 0x555555a00000ull /* brk heap, after a PIE binary */
#define KB_MMAP_BASE	 0x7fffc0000000ull /* cc1's GC arena: anonymous mmap */
#define KB_LIBC_DATA	 0x7ffff7e00000ull /* libc .data/.bss and ld.so state */
#define KB_STACK_TOP	 0x7ffffffff000ull
#define KB_GFP_SLAB	 (PS_GFP_KERNEL | PS_GFP_COMP)
#define KB_GFP_SLAB_RECL (PS_GFP_KERNEL | PS_GFP_RECLAIMABLE | PS_GFP_COMP)
#define KB_GFP_STACK	 (PS_GFP_KERNEL_ACCOUNT | PS_GFP_ZERO)
#define KB_GFP_PIPE	 (PS_GFP_HIGHUSER | PS_GFP_ACCOUNT)

/* ---- slab caches ---------------------------------------------------------------------------- */

typedef struct {
	uint64_t id;	/* the slab page's allocation id */
	uint32_t inuse; /* objects allocated from it */
	bool live;	/* the page is allocated */
} KbSlab;

/*
 * One kmem_cache as far as pages go: objects fill the current slab; a slab whose objects are all
 * freed is given back (SLUB keeps a few empty slabs per node; ignoring that frees pages a little
 * early). Slab pages are pid 0's.
 */
typedef struct {
	uint32_t objs_per_slab;
	uint32_t slab_bytes;
	uint64_t gfp;
	enum ps_alloc_kind kind;
	GArray *slabs; /* KbSlab; an index is the handle of an object's slab */
	int cur;       /* slab receiving objects, -1 = none */
} KbCache;

static void cache_init(KbCache *c, uint32_t objs, uint32_t slab_bytes, uint64_t gfp,
		       enum ps_alloc_kind kind)
{
	c->objs_per_slab = objs;
	c->slab_bytes = slab_bytes;
	c->gfp = gfp;
	c->kind = kind;
	c->slabs = g_array_new(FALSE, TRUE, sizeof(KbSlab));
	c->cur = -1;
}

static int cache_alloc(PsGenEmitter *e, int lane, KbCache *c)
{
	KbSlab *s;

	if (c->cur < 0 || g_array_index(c->slabs, KbSlab, c->cur).inuse == c->objs_per_slab) {
		KbSlab n = {.live = true};

		n.id = ps_gen_alloc(e, lane, PS_GEN_PID_KERNEL, -1, c->slab_bytes, c->gfp, c->kind);
		g_array_append_val(c->slabs, n);
		c->cur = (int)c->slabs->len - 1;
	}
	s = &g_array_index(c->slabs, KbSlab, c->cur);
	s->inuse++;
	return c->cur;
}

static void cache_free(PsGenEmitter *e, int lane, KbCache *c, int slab)
{
	KbSlab *s = &g_array_index(c->slabs, KbSlab, slab);

	g_assert(s->live && s->inuse > 0);
	if (--s->inuse == 0 && slab != c->cur) {
		ps_gen_free(e, lane, s->id);
		s->live = false;
	}
}

/* ---- jobs ------------------------------------------------------------------------------------ */

enum kb_binary { KB_BIN_GCC, KB_BIN_CC1, KB_BIN_AS, KB_BIN_FIXDEP, KB_BIN_LIBC, KB_NR_BINS };

static const struct {
	const char *comm;
	uint64_t text_bytes; /* page cache its first exec reads */
} kb_bins[KB_NR_BINS] = {
    [KB_BIN_GCC] = {"gcc", 1ull << 20},	       [KB_BIN_CC1] = {"cc1", 12ull << 20},
    [KB_BIN_AS] = {"as", 1ull << 20},	       [KB_BIN_FIXDEP] = {"fixdep", 64ull << 10},
    [KB_BIN_LIBC] = {"libc.so.6", 2ull << 20},
};

enum kb_phase {
	KB_START,     /* fork + exec gcc */
	KB_CC1_START, /* gcc forks cc1; cc1 reads its inputs */
	KB_CC1_GROW,  /* cc1 computes: heap chunks and pipe pages, one step each */
	KB_CC1_EXIT,  /* cc1 writes the .d file and exits */
	KB_AS_START,  /* gcc forks as */
	KB_AS_EXIT,   /* as writes the .o and exits */
	KB_GCC_EXIT,  /* the driver exits */
	KB_FIXDEP,    /* fixdep: reads .d, writes .cmd, exits */
};

/* A process of a job: the task and the slab objects fork gave it. */
typedef struct {
	PsGenTask *task;
	int task_slab, mm_slab;
	GArray *vma_slabs;   /* int */
	uint64_t heap_bytes; /* touched so far */
} KbProc;

typedef struct {
	PsGenEmitter *e;
	PsRng rng;
	KbCache task_cache, mm_cache, vma_cache, dentry_cache, inode_cache;
	bool bin_cached[KB_NR_BINS];
	uint32_t header_bytes[KB_HEADERS];
	bool header_cached[KB_HEADERS];
} KbBuild;

typedef struct {
	enum kb_phase phase;
	KbProc gcc, child;
	uint64_t target_bytes; /* cc1: heap size it reaches */
	uint64_t step_ns;      /* cc1: time between heap chunks */
	uint64_t asm_bytes;    /* cc1: assembly still to write into the pipe */
	uint64_t dep_bytes;    /* size of the .d file */
} KbLane;

/* A new file in the dcache and icache. */
static void kb_new_file(KbBuild *b, int lane)
{
	cache_alloc(b->e, lane, &b->dentry_cache);
	cache_alloc(b->e, lane, &b->inode_cache);
}

static void kb_read_binary(KbBuild *b, int lane, enum kb_binary bin)
{
	if (b->bin_cached[bin])
		return;
	b->bin_cached[bin] = true;
	kb_new_file(b, lane);
	ps_gen_pagecache(b->e, lane, 0, kb_bins[bin].text_bytes, PS_GEN_GFP_READAHEAD);
}

/* fork + exec of bin: the task, what fork allocates, the text, stack and libc data touched. */
static void kb_spawn(KbBuild *b, int lane, KbProc *p, enum kb_binary bin, unsigned nr_vmas)
{
	PsGenEmitter *e = b->e;

	p->task = ps_gen_task_new(e, lane, kb_bins[bin].comm, 0);
	p->task_slab = cache_alloc(e, lane, &b->task_cache);
	p->mm_slab = cache_alloc(e, lane, &b->mm_cache);
	p->vma_slabs = g_array_new(FALSE, FALSE, sizeof(int));
	for (unsigned i = 0; i < nr_vmas; i++) {
		int s = cache_alloc(e, lane, &b->vma_cache);

		g_array_append_val(p->vma_slabs, s);
	}
	p->heap_bytes = 0;
	/* the kernel stack: THREAD_SIZE of the simulated machine (kind stack) */
	ps_gen_alloc(e, lane, p->task->pid, -1, 16384, KB_GFP_STACK, PS_KIND_STACK);
	kb_read_binary(b, lane, bin);
	kb_read_binary(b, lane, KB_BIN_LIBC);
	ps_gen_map(e, lane, p->task->pid, KB_STACK_TOP - (8ull << 20), 8ull << 20, false);
	ps_gen_task_touch(e, p->task, KB_STACK_TOP - (32ull << 10), 32ull << 10);
	ps_gen_map(e, lane, p->task->pid, KB_LIBC_DATA, 64ull << 10, false);
	ps_gen_task_touch(e, p->task, KB_LIBC_DATA, 64ull << 10);
}

/* Grows a brk heap by len (the map is the brk extension, the touch the program using it). */
static void kb_brk(KbBuild *b, KbProc *p, uint64_t len)
{
	ps_gen_map(b->e, p->task->lane, p->task->pid, KB_HEAP_BASE + p->heap_bytes, len, false);
	ps_gen_task_touch(b->e, p->task, KB_HEAP_BASE + p->heap_bytes, len);
	p->heap_bytes += len;
}

static void kb_exit(KbBuild *b, int lane, KbProc *p)
{
	PsGenEmitter *e = b->e;

	ps_gen_task_exit(e, p->task);
	p->task = NULL;
	cache_free(e, lane, &b->task_cache, p->task_slab);
	cache_free(e, lane, &b->mm_cache, p->mm_slab);
	for (guint i = 0; i < p->vma_slabs->len; i++)
		cache_free(e, lane, &b->vma_cache, g_array_index(p->vma_slabs, int, i));
	g_array_unref(p->vma_slabs);
	p->vma_slabs = NULL;
}

/* A new output file of len bytes written through the page cache. */
static void kb_write_file(KbBuild *b, int lane, uint64_t len)
{
	kb_new_file(b, lane);
	ps_gen_pagecache(b->e, lane, 0, len, PS_GEN_GFP_WRITE);
}

static uint64_t kb_ms(KbBuild *b, uint64_t lo, uint64_t hi)
{
	return ps_gen_log_uniform(&b->rng, lo * KB_MS, hi * KB_MS);
}

/* Preprocessing: the source file and the headers it includes, new ones into the page cache. */
static void kb_read_inputs(KbBuild *b, int lane)
{
	unsigned nr = (unsigned)ps_gen_uniform(&b->rng, 200, 800);

	kb_new_file(b, lane);
	ps_gen_pagecache(b->e, lane, 0, ps_gen_log_uniform(&b->rng, 1024, 120 << 10),
			 PS_GEN_GFP_READAHEAD);
	for (unsigned i = 0; i < nr; i++) {
		/* Log-uniform index: header k is included ~1/k as often as header 1. */
		unsigned h = (unsigned)ps_gen_log_uniform(&b->rng, 1, KB_HEADERS) - 1;

		if (b->header_cached[h])
			continue;
		b->header_cached[h] = true;
		kb_new_file(b, lane);
		ps_gen_pagecache(b->e, lane, 0, b->header_bytes[h], PS_GEN_GFP_READAHEAD);
	}
}

static void kb_step(KbBuild *b, KbLane *l, int lane)
{
	PsGenEmitter *e = b->e;

	switch (l->phase) {
	case KB_START:
		kb_spawn(b, lane, &l->gcc, KB_BIN_GCC, 22);
		kb_brk(b, &l->gcc, ps_gen_uniform(&b->rng, 1, 4) << 20);
		ps_gen_advance(e, lane, kb_ms(b, 1, 4));
		l->phase = KB_CC1_START;
		break;
	case KB_CC1_START:
		kb_spawn(b, lane, &l->child, KB_BIN_CC1, 40);
		kb_read_inputs(b, lane);
		l->target_bytes = ps_gen_log_uniform(&b->rng, 24, 256) << 20;
		l->step_ns = kb_ms(b, 150, 3000) / (l->target_bytes / KB_GGC_CHUNK);
		l->asm_bytes = ps_gen_log_uniform(&b->rng, 32 << 10, 2 << 20);
		l->dep_bytes = ps_gen_log_uniform(&b->rng, 4 << 10, 40 << 10);
		ps_gen_map(e, lane, l->child.task->pid, KB_MMAP_BASE, l->target_bytes, false);
		ps_gen_advance(e, lane, kb_ms(b, 2, 20));
		l->phase = KB_CC1_GROW;
		break;
	case KB_CC1_GROW:
		ps_gen_task_touch(e, l->child.task, KB_MMAP_BASE + l->child.heap_bytes,
				  KB_GGC_CHUNK);
		l->child.heap_bytes += KB_GGC_CHUNK;
		if (l->asm_bytes) {
			/* A pipe buffer page, filled by cc1 and freed once as has read it. */
			uint64_t id = ps_gen_alloc(e, lane, l->child.task->pid, -1,
						   PS_GEN_PAGE_SIZE, KB_GFP_PIPE, PS_KIND_KERNEL);

			ps_gen_advance(e, lane, l->step_ns / 2);
			ps_gen_free(e, lane, id);
			ps_gen_advance(e, lane, l->step_ns - l->step_ns / 2);
			l->asm_bytes -= MIN(l->asm_bytes, KB_PIPE_BYTES);
		} else {
			ps_gen_advance(e, lane, l->step_ns);
		}
		if (l->child.heap_bytes >= l->target_bytes)
			l->phase = KB_CC1_EXIT;
		break;
	case KB_CC1_EXIT:
		kb_write_file(b, lane, l->dep_bytes);
		kb_exit(b, lane, &l->child);
		ps_gen_advance(e, lane, kb_ms(b, 1, 2));
		l->phase = KB_AS_START;
		break;
	case KB_AS_START:
		kb_spawn(b, lane, &l->child, KB_BIN_AS, 24);
		kb_brk(b, &l->child, ps_gen_uniform(&b->rng, 4, 24) << 20);
		ps_gen_advance(e, lane, kb_ms(b, 20, 120));
		l->phase = KB_AS_EXIT;
		break;
	case KB_AS_EXIT:
		kb_write_file(b, lane, ps_gen_log_uniform(&b->rng, 8 << 10, 512 << 10));
		kb_exit(b, lane, &l->child);
		ps_gen_advance(e, lane, kb_ms(b, 1, 2));
		l->phase = KB_GCC_EXIT;
		break;
	case KB_GCC_EXIT:
		kb_exit(b, lane, &l->gcc);
		ps_gen_advance(e, lane, kb_ms(b, 1, 3));
		l->phase = KB_FIXDEP;
		break;
	case KB_FIXDEP:
		kb_spawn(b, lane, &l->child, KB_BIN_FIXDEP, 16);
		kb_brk(b, &l->child, 256ull << 10);
		kb_write_file(b, lane, l->dep_bytes);
		ps_gen_advance(e, lane, kb_ms(b, 1, 4));
		kb_exit(b, lane, &l->child);
		ps_gen_advance(e, lane, kb_ms(b, 1, 5));
		l->phase = KB_START;
		break;
	}
}

static void kb_proc_release(KbProc *p)
{
	ps_gen_task_free(p->task);
	if (p->vma_slabs)
		g_array_unref(p->vma_slabs);
}

static gboolean kbuild_run(const char *out_path, double seconds, uint64_t seed, GHashTable *params,
			   GError **error)
{
	static const char *const known[] = {"jobs", "cpus", NULL};
	uint64_t jobs, cpus;
	KbBuild b = {0};
	KbLane *lanes;
	PsRng sizes;
	int lane;

	if (!ps_gen_params_check(params, known, error) ||
	    !ps_gen_param_uint(params, "jobs", 8, 1, 1024, &jobs, error) ||
	    !ps_gen_param_uint(params, "cpus", jobs, 1, 1024, &cpus, error))
		return FALSE;
	if (jobs > cpus) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "param jobs: %" G_GUINT64_FORMAT " jobs need at least as many cpus, "
			    "cpus is %" G_GUINT64_FORMAT,
			    jobs, cpus);
		return FALSE;
	}
	b.e = ps_gen_emitter_new("kbuild", out_path, (int)cpus, (int)cpus, seconds, error);
	if (!b.e)
		return FALSE;
	ps_rng_init(&b.rng, seed, "kbuild");
	ps_rng_init(&sizes, seed, "kbuild-header-sizes");
	for (unsigned i = 0; i < KB_HEADERS; i++)
		b.header_bytes[i] = (uint32_t)ps_gen_log_uniform(&sizes, 1024, 64 << 10);
	cache_init(&b.task_cache, 3, 32768, KB_GFP_SLAB | PS_GFP_ACCOUNT, PS_KIND_KERNEL);
	cache_init(&b.mm_cache, 24, 32768, KB_GFP_SLAB | PS_GFP_ACCOUNT, PS_KIND_KERNEL);
	cache_init(&b.vma_cache, 19, 4096, PS_GFP_KERNEL | PS_GFP_ACCOUNT, PS_KIND_KERNEL);
	cache_init(&b.dentry_cache, 21, 4096, PS_GFP_KERNEL | PS_GFP_RECLAIMABLE,
		   PS_KIND_SLAB_RECLAIMABLE);
	cache_init(&b.inode_cache, 29, 32768, KB_GFP_SLAB_RECL, PS_KIND_SLAB_RECLAIMABLE);
	lanes = g_new0(KbLane, cpus);
	/* Lane i runs on cpu i; lanes of idle cpus (cpus > jobs) never run a job. */
	for (uint64_t c = jobs; c < cpus; c++)
		ps_gen_park(b.e, (int)c);
	/* make starts the jobs a few ms apart, not all in the same nanosecond. */
	for (uint64_t c = 1; c < jobs; c++)
		ps_gen_advance(b.e, (int)c, ps_gen_uniform(&b.rng, 1, 3 * KB_MS));
	while ((lane = ps_gen_next_lane(b.e)) >= 0)
		kb_step(&b, &lanes[lane], lane);
	for (uint64_t c = 0; c < cpus; c++) {
		kb_proc_release(&lanes[c].gcc);
		kb_proc_release(&lanes[c].child);
	}
	g_free(lanes);
	g_array_unref(b.task_cache.slabs);
	g_array_unref(b.mm_cache.slabs);
	g_array_unref(b.vma_cache.slabs);
	g_array_unref(b.dentry_cache.slabs);
	g_array_unref(b.inode_cache.slabs);
	return ps_gen_emitter_finish(b.e, error);
}

const PsGenerator ps_gen_kbuild = {
    .name = "kbuild",
    .summary = "make -jN of a kernel tree: fork/exec, compiler heaps, headers and objects "
	       "through the page cache, slab churn",
    .params_help = "jobs=8: parallel compile jobs (make -jN), one lane a cpu\n"
		   "cpus=JOBS: cpus of the recording (cpus beyond jobs stay idle)\n",
    .run = kbuild_run,
};
