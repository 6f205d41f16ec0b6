// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mem.c - transparent huge pages for large heap arrays.
 *
 * A run from a snapshot fills several arrays of one entry per pfn or per folio (6-67 MB on a
 * 24 GiB machine) right after allocating them. Fresh anonymous memory is faulted in 4 KiB at a
 * time; with THP in "madvise" mode (the usual distribution default) each of those faults is
 * taken unless the range asks for huge pages. On ftrace-press-kswapd (new, s8) ~28,700 minor
 * faults were about a third of a warm run's CPU time. ps_advise_huge asks for huge pages on the
 * 2 MiB-aligned interior of a range that has not been touched yet; it changes no content, so the
 * malloc'd array is used and freed as before (glibc serves such sizes from their own mmap, and
 * mremap keeps the advice when the array grows). Where the kernel has no THP the call fails
 * quietly and nothing changes.
 */
#include <stdint.h>
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
