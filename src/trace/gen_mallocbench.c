// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen_mallocbench.c - a malloc microbenchmark as the kernel sees it through glibc.
 *
 * The program: for each of loops= loops, p[i] = malloc(size) for i = 0..1023, write the first
 * byte of each, then free(p[i]) for i = 0..1023. The kernel never sees malloc, only what glibc's
 * allocator does with memory: brk/mmap to get address space, page faults on first writes (its
 * own chunk headers and the program's byte), munmap, and brk shrinking. This file replays the
 * main arena of glibc 2.35..2.41 with default tunables (Debian 12, Ubuntu 22.04/24.04, RHEL 9)
 * for this one pattern, so that the faults and unmaps are the ones glibc would cause:
 *
 *  - chunk size nb = request + 8 rounded up to 16 (minimum 32); a chunk's size word sits 8 bytes
 *    before the pointer malloc returns. The arena starts with the 656-byte tcache struct.
 *  - tcache: up to 7 freed chunks a size, for nb <= 1040 (requests up to 1032); reused first.
 *  - fastbins: nb <= 128 (requests up to 120); freed chunks are kept as they are, never merged
 *    into top, and reused next (refilling the tcache from them).
 *  - other chunks are merged with free neighbours on free; a free chunk next to top merges into
 *    top. A merged chunk of 64 KiB or more (FASTBIN_CONSOLIDATION_THRESHOLD) makes glibc check
 *    the top: if it is at least M_TRIM_THRESHOLD (128 KiB), systrim gives all of it back to the
 *    kernel except M_TOP_PAD (128 KiB), page-aligned: brk shrinks, an unmap of the tail.
 *  - malloc takes a free chunk (lowest address here; glibc's bins pick among equal-sized
 *    candidates in an order that does not change the pages used), else splits top; when top is
 *    short it grows brk by nb + M_TOP_PAD + 32 - top, page-aligned: a map.
 *  - nb >= M_MMAP_THRESHOLD (128 KiB) is mmap'd on its own: a map of nb + 8 rounded up to a page,
 *    header and first byte on its first page; free munmaps it. The threshold is dynamic unless
 *    set by mallopt: freeing an mmap'd chunk bigger than the threshold (and at most 32 MiB)
 *    raises the threshold to that size and M_TRIM_THRESHOLD to twice it. So glibc's default for
 *    size=512K is: loop 1 mmap-style, loops 2+ brk-style with a 1 MiB trim threshold. dynamic=0
 *    gives the fixed threshold (as with MALLOC_MMAP_THRESHOLD_=131072): mmap-style every loop.
 *
 * What it means for the trace: size=64 faults the arena in during loop 1 (21 pages: the tcache
 * struct and 1024 x 80 bytes) and later loops reuse it: no events. size=1K or 4K regrow the
 * arena every loop (tcache keeps 7, the rest merge into top and are trimmed) - one unmap and a
 * few dozen maps a loop, a fault per page touched. size >= 128K: a map/touch/unmap per malloc.
 *
 * Writes are emitted as touches of the bytes written (the header word and the first byte, the
 * new top's header word), and only when they reach a 4 KiB page not written since it was mapped:
 * a touch of a resident page changes nothing on any machine whose page is 4 KiB or more, so
 * leaving it out keeps the trace small. Mappings start 64 KiB-aligned (brk start, mmap
 * addresses) so that unmaps free whole pages on 16K and 64K machines too.
 *
 * Costs: 20 ns a malloc or free from the bins, 50 ns from top, 1 us a brk/mmap/munmap syscall.
 */
#include "trace/gen-private.h"

#define MB_OBJS		 1024
#define MB_SIZE_SZ	 8ull
#define MB_MINSIZE	 32ull
#define MB_TCACHE_FILL	 7u
#define MB_TCACHE_MAX_NB 1040ull
#define MB_MAX_FAST_NB	 128ull
#define MB_TCACHE_STRUCT 656ull /* chunk of tcache_perthread_struct */
#define MB_TOP_PAD	 (128ull << 10)
#define MB_MMAP_THRESH	 (128ull << 10)
#define MB_MMAP_MAX_DYN	 (32ull << 20) /* DEFAULT_MMAP_THRESHOLD_MAX on 64-bit */
#define MB_CONSOLIDATE	 (64ull << 10)
#define MB_PAGE		 4096ull
#define MB_BRK_START	 0x555555560000ull /* 64 KiB-aligned */
#define MB_MMAP_TOP	 0x7ffff7c00000ull
#define MB_ALIGN_64K(x)	 (((x) + 0xffffull) & ~0xffffull)
#define MB_PAGE_UP(x)	 (((x) + MB_PAGE - 1) & ~(MB_PAGE - 1))

enum mb_slot { MB_INUSE, MB_TCACHE, MB_FAST, MB_FREE };

/*
 * The main arena for one chunk size. Slots: the chunks carved from top, nb bytes each, from
 * heap (just after the tcache struct) up to top; the pattern allocates one size only, so every
 * chunk ever carved is one slot and top always starts on a slot boundary.
 */
typedef struct {
	PsGenEmitter *e;
	PsGenTask *task;
	uint64_t nb;
	bool tcachable, fast, dynamic;
	uint64_t heap;	   /* address of slot 0 */
	uint64_t brk_end;  /* program break */
	uint64_t nr_slots; /* slots below top: top starts at heap + nr_slots * nb */
	GArray *slots;	   /* enum mb_slot as uint8_t, nr_slots of them */
	GArray *tcache;	   /* slot indices, a stack */
	GArray *fastbin;   /* slot indices, a stack */
	uint64_t nr_free;  /* MB_FREE slots */
	uint64_t mmap_threshold, trim_threshold;
	GHashTable *written; /* 4 KiB page numbers written since mapped (lookups only) */
	uint64_t nr_touches; /* touch events emitted */
} MbArena;

static uint64_t mb_top(const MbArena *a)
{
	return a->heap + a->nr_slots * a->nb;
}

static uint64_t mb_top_size(const MbArena *a)
{
	return a->brk_end - mb_top(a);
}

static uint8_t *mb_slot(MbArena *a, uint64_t i)
{
	return &g_array_index(a->slots, uint8_t, i);
}

/* The program (or glibc) writes [addr, addr + len): a touch if a page of it is new. */
static void mb_write(MbArena *a, uint64_t addr, uint64_t len)
{
	bool fresh = false;

	for (uint64_t pg = addr / MB_PAGE; pg <= (addr + len - 1) / MB_PAGE; pg++)
		if (!g_hash_table_contains(a->written, (gpointer)(uintptr_t)pg)) {
			g_hash_table_add(a->written, (gpointer)(uintptr_t)pg);
			fresh = true;
		}
	if (fresh) {
		ps_gen_task_touch(a->e, a->task, addr, len);
		a->nr_touches++;
	}
}

static void mb_unmap(MbArena *a, uint64_t addr, uint64_t len)
{
	for (uint64_t pg = addr / MB_PAGE; pg < (addr + len) / MB_PAGE; pg++)
		g_hash_table_remove(a->written, (gpointer)(uintptr_t)pg);
	ps_gen_unmap(a->e, a->task->lane, a->task->pid, addr, len);
	ps_gen_advance(a->e, a->task->lane, 1000);
}

/* sysmalloc for the main arena: grow brk so that top can give nb and keep MINSIZE. */
static void mb_grow(MbArena *a, uint64_t nb)
{
	uint64_t size = MB_PAGE_UP(nb + MB_TOP_PAD + MB_MINSIZE - mb_top_size(a));

	ps_gen_map(a->e, a->task->lane, a->task->pid, a->brk_end, size, false);
	ps_gen_advance(a->e, a->task->lane, 1000);
	a->brk_end += size;
}

/* Splits nb off top for a new slot; writes its size word and the new top's. */
static uint64_t mb_from_top(MbArena *a)
{
	uint8_t inuse = MB_INUSE;
	uint64_t chunk;

	if (mb_top_size(a) < a->nb + MB_MINSIZE)
		mb_grow(a, a->nb);
	chunk = mb_top(a);
	g_array_append_val(a->slots, inuse);
	a->nr_slots++;
	mb_write(a, chunk + MB_SIZE_SZ, MB_SIZE_SZ);
	mb_write(a, mb_top(a) + MB_SIZE_SZ, MB_SIZE_SZ);
	ps_gen_advance(a->e, a->task->lane, 50);
	return a->nr_slots - 1;
}

static uint64_t mb_pop(GArray *stack)
{
	uint64_t i = g_array_index(stack, uint64_t, stack->len - 1);

	g_array_set_size(stack, stack->len - 1);
	return i;
}

/* malloc(size): the user pointer, or for an mmap'd chunk its mapping in *mmap_len. */
static uint64_t mb_malloc(MbArena *a, uint64_t mmap_addr, uint64_t *mmap_len)
{
	uint64_t slot;

	*mmap_len = 0;
	if (a->tcachable && a->tcache->len) {
		slot = mb_pop(a->tcache);
	} else if (a->fast && a->fastbin->len) {
		slot = mb_pop(a->fastbin);
		while (a->tcache->len < MB_TCACHE_FILL && a->fastbin->len) {
			uint64_t s = mb_pop(a->fastbin);

			*mb_slot(a, s) = MB_TCACHE;
			g_array_append_val(a->tcache, s);
		}
	} else if (a->nb >= a->mmap_threshold) {
		*mmap_len = MB_PAGE_UP(a->nb + MB_SIZE_SZ);
		ps_gen_map(a->e, a->task->lane, a->task->pid, mmap_addr, *mmap_len, false);
		ps_gen_advance(a->e, a->task->lane, 1000);
		mb_write(a, mmap_addr + MB_SIZE_SZ, MB_SIZE_SZ);
		return mmap_addr + 2 * MB_SIZE_SZ;
	} else if (a->nr_free) {
		for (slot = 0; *mb_slot(a, slot) != MB_FREE; slot++)
			;
		a->nr_free--;
		mb_write(a, a->heap + slot * a->nb + MB_SIZE_SZ, MB_SIZE_SZ);
	} else {
		slot = mb_from_top(a);
	}
	*mb_slot(a, slot) = MB_INUSE;
	ps_gen_advance(a->e, a->task->lane, 20);
	return a->heap + slot * a->nb + 2 * MB_SIZE_SZ;
}

/* systrim(M_TOP_PAD): give back top beyond the pad, whole pages. */
static void mb_systrim(MbArena *a)
{
	uint64_t top_size = mb_top_size(a);
	uint64_t extra;

	if (top_size < MB_MINSIZE + 1 + MB_TOP_PAD)
		return;
	extra = (top_size - MB_MINSIZE - 1 - MB_TOP_PAD) & ~(MB_PAGE - 1);
	if (!extra)
		return;
	mb_unmap(a, a->brk_end - extra, extra);
	a->brk_end -= extra;
}

static void mb_free(MbArena *a, uint64_t ptr, uint64_t mmap_len)
{
	uint64_t slot, lo, hi, merged;

	ps_gen_advance(a->e, a->task->lane, 20);
	if (mmap_len) {
		mb_unmap(a, ptr - 2 * MB_SIZE_SZ, mmap_len);
		if (a->dynamic && mmap_len > a->mmap_threshold && mmap_len <= MB_MMAP_MAX_DYN) {
			a->mmap_threshold = mmap_len;
			a->trim_threshold = 2 * mmap_len;
		}
		return;
	}
	slot = (ptr - 2 * MB_SIZE_SZ - a->heap) / a->nb;
	g_assert(*mb_slot(a, slot) == MB_INUSE);
	if (a->tcachable && a->tcache->len < MB_TCACHE_FILL) {
		*mb_slot(a, slot) = MB_TCACHE;
		g_array_append_val(a->tcache, slot);
		return;
	}
	if (a->fast) {
		*mb_slot(a, slot) = MB_FAST;
		g_array_append_val(a->fastbin, slot);
		return;
	}
	/* Merge with free neighbours (a one-size arena never holds fast chunks here). */
	*mb_slot(a, slot) = MB_FREE;
	a->nr_free++;
	for (lo = slot; lo > 0 && *mb_slot(a, lo - 1) == MB_FREE; lo--)
		;
	for (hi = slot; hi + 1 < a->nr_slots && *mb_slot(a, hi + 1) == MB_FREE; hi++)
		;
	merged = (hi - lo + 1) * a->nb;
	if (hi + 1 == a->nr_slots) {
		merged += mb_top_size(a);
		a->nr_free -= hi - lo + 1;
		a->nr_slots = lo;
		g_array_set_size(a->slots, lo);
	}
	if (merged >= MB_CONSOLIDATE && mb_top_size(a) >= a->trim_threshold)
		mb_systrim(a);
}

static gboolean mallocbench_run(const char *out_path, double seconds, uint64_t seed,
				GHashTable *params, GError **error)
{
	static const char *const known[] = {"size", "loops", "dynamic", NULL};
	uint64_t size, loops, dynamic, ptr[MB_OBJS], mlen[MB_OBJS], first = 0;
	MbArena a = {0};
	PsRng rng;

	if (!ps_gen_params_check(params, known, error) ||
	    !ps_gen_param_size(params, "size", 4096, 1, 1ull << 30, &size, error) ||
	    !ps_gen_param_uint(params, "loops", 100, 1, 100000000, &loops, error) ||
	    !ps_gen_param_uint(params, "dynamic", 1, 0, 1, &dynamic, error))
		return FALSE;
	a.e = ps_gen_emitter_new("mallocbench", out_path, 1, 1, seconds, error);
	if (!a.e)
		return FALSE;
	/* The start time is the seed's only effect: the benchmark itself is deterministic. */
	ps_rng_init(&rng, seed, "mallocbench");
	ps_gen_advance(a.e, 0, ps_gen_uniform(&rng, 1000000, 10000000));
	a.nb = MAX(MB_MINSIZE, (size + MB_SIZE_SZ + 15) & ~15ull);
	a.tcachable = a.nb <= MB_TCACHE_MAX_NB;
	a.fast = a.nb <= MB_MAX_FAST_NB;
	a.dynamic = dynamic;
	a.mmap_threshold = MB_MMAP_THRESH;
	a.trim_threshold = MB_MMAP_THRESH;
	a.slots = g_array_new(FALSE, FALSE, sizeof(uint8_t));
	a.tcache = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	a.fastbin = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	a.written = g_hash_table_new(g_direct_hash, g_direct_equal);
	a.task = ps_gen_task_new(a.e, 0, "mallocbench", 0);
	/* tcache_init: the tcache struct is the arena's first chunk, calloc'd (all written). */
	a.brk_end = MB_BRK_START;
	a.heap = MB_BRK_START;
	mb_grow(&a, MB_TCACHE_STRUCT);
	mb_write(&a, MB_BRK_START, MB_TCACHE_STRUCT);
	a.heap = MB_BRK_START + MB_TCACHE_STRUCT;
	mb_write(&a, a.heap + MB_SIZE_SZ, MB_SIZE_SZ);
	for (uint64_t l = 0; l < loops && ps_gen_next_lane(a.e) >= 0; l++) {
		/* mmap'd chunks go top-down from mmap_base; freed, their addresses are reused. */
		uint64_t mmap_addr = MB_MMAP_TOP;

		for (unsigned i = 0; i < MB_OBJS; i++) {
			if (a.nb >= a.mmap_threshold)
				mmap_addr -= MB_ALIGN_64K(MB_PAGE_UP(a.nb + MB_SIZE_SZ));
			ptr[i] = mb_malloc(&a, mmap_addr, &mlen[i]);
			mb_write(&a, ptr[i], 1);
		}
		for (unsigned i = 0; i < MB_OBJS; i++)
			mb_free(&a, ptr[i], mlen[i]);
		if (l == 0)
			first = a.nr_touches;
	}
	g_debug("mallocbench: %" G_GUINT64_FORMAT " touches, %" G_GUINT64_FORMAT " in loop 1",
		a.nr_touches, first);
	ps_gen_task_free(a.task);
	g_array_unref(a.slots);
	g_array_unref(a.tcache);
	g_array_unref(a.fastbin);
	g_hash_table_unref(a.written);
	return ps_gen_emitter_finish(a.e, error);
}

const PsGenerator ps_gen_mallocbench = {
    .name = "mallocbench",
    .summary = "loops of 1024 x malloc(size), first-byte write, free, as glibc's main arena "
	       "turns them into brk/mmap, faults and trims",
    .params_help = "size=4K: bytes a malloc (64, 1K, 4K, 64K, 512K ...)\n"
		   "loops=100: loops of 1024 mallocs then 1024 frees\n"
		   "dynamic=1: glibc's dynamic mmap threshold (0: fixed at 128 KiB, as after "
		   "mallopt)\n",
    .run = mallocbench_run,
};
