// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mem.c - transparent huge pages for large heap arrays.
 *
 * A run from a snapshot fills several arrays of one entry per pfn or per folio (6-67 MB on a
 * 24 GiB machine) right after allocating them. Fresh anonymous memory is faulted in 4 KiB at a
 * time; with THP in "madvise" mode (the usual distribution default) each of those faults is
 * taken unless the range asks for huge pages. On ftrace-press-kswapd (its session 8 recording)
 * ~28,700 minor faults were about a third of a warm run's CPU time. ps_advise_huge asks for huge
 * pages on the 2 MiB-aligned interior of a range that has not been touched yet; it changes no
 * content, so the malloc'd array is used and freed as before (glibc serves such sizes from their
 * own mmap, and mremap keeps the advice when the array grows). Where the kernel has no THP the call
 * fails quietly and nothing changes.
 *
 * An array that grows while it is used (the run's records) is a PsRoom instead: a realloc of a
 * mapping that madvise had split could not be an mremap, so glibc copied the whole array into
 * freshly faulted pages at each doubling (73-91 % of a sweep run's remaining page faults). The
 * room's address space is reserved once and made writable in place as it grows.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "util/util.h"

#define HUGE_SIZE ((uintptr_t)2 << 20)

void ps_advise_huge(void *p, gsize bytes)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = ((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(HUGE_SIZE - 1);

	if (p && end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p;
	(void)bytes;
#endif
}

void *ps_malloc0_huge(gsize bytes)
{
	void *p = g_malloc0(bytes);

	ps_advise_huge(p, bytes);
	return p;
}

void *ps_map0_huge(gsize bytes)
{
	void *p =
	    mmap(NULL, MAX(bytes, 1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (bytes >= HUGE_SIZE)
		(void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

void ps_unmap_huge(void *p, gsize bytes)
{
	if (p)
		munmap(p, MAX(bytes, 1));
}

/*
 * PsRoom's first reservation: 16 GiB of address space (half a billion 32-byte records), which
 * costs nothing until used. Where it cannot be mapped (an address-space limit, valgrind's
 * smaller address space) the request halves down to what is needed.
 */
#define ROOM_RESERVE ((gsize)1 << 34)

static gsize round_huge(gsize bytes)
{
	return (bytes + HUGE_SIZE - 1) & ~(gsize)(HUGE_SIZE - 1);
}

/* A PROT_NONE reservation of `bytes` (a multiple of 2 MiB), 2 MiB-aligned, or NULL. */
static void *room_map(gsize bytes)
{
	char *p = mmap(NULL, bytes + HUGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *start;

	if (p == MAP_FAILED)
		return NULL;
	start = (char *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
	if (start > p)
		munmap(p, (gsize)(start - p));
	munmap(start + bytes, (gsize)(p + HUGE_SIZE - start));
#ifdef MADV_HUGEPAGE
	/* the whole mapping: the advice splits nothing, and the parts made writable keep it */
	(void)madvise(start, bytes, MADV_HUGEPAGE);
#endif
	return start;
}

void ps_room_grow(PsRoom *r, gsize bytes)
{
	gsize want;

	if (bytes <= r->committed)
		return;
	want = round_huge(MAX(bytes, 2 * r->committed));
	if (want > r->reserved) {
		gsize size = MAX(ROOM_RESERVE, 2 * want);
		void *p = NULL;

		for (; size >= want && !(p = room_map(size)); size /= 2)
			;
		if (!p && (p = room_map(want)))
			size = want;
		if (!p)
			g_error("%s: failed to reserve %" G_GSIZE_FORMAT " bytes", G_STRLOC, want);
		if (r->base) {
			if (mprotect(p, r->committed, PROT_READ | PROT_WRITE))
				g_error("%s: failed to allocate %" G_GSIZE_FORMAT " bytes",
					G_STRLOC, r->committed);
			memcpy(p, r->base, r->committed);
			munmap(r->base, r->reserved);
		}
		r->base = p;
		r->reserved = size;
	}
	if (mprotect((char *)r->base + r->committed, want - r->committed, PROT_READ | PROT_WRITE))
		g_error("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC,
			want - r->committed);
	r->committed = want;
}

void ps_room_free(PsRoom *r)
{
	if (r->base)
		munmap(r->base, r->reserved);
	*r = (PsRoom){0};
}
