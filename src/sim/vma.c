// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vma.c - a process's mappings (the `map` records it has not unmapped): disjoint [start, end)
 * ranges of virtual bytes, kept sorted by start address in blocks of up to SIM_VMA_BLOCK.
 *
 * Kernel counterpart: the mm's maple tree of vm_area_structs (find_vma, vma_lookup, the splits
 * of __split_vma and the removals of do_vmi_munmap). Like it, a lookup is a search of a shallow
 * tree of sorted arrays; unlike it there are two levels only (the array of blocks and a block),
 * since a process of a recording has tens to thousands of mappings.
 *
 * Why blocks and not one sorted array: a map or unmap in the middle moved every mapping above
 * it, and a process with thousands of mappings (an allocator's arenas, the fragmenter's tens of
 * thousands of holes in one mapping) spent a fifth of a portable replay moving them. Here it
 * moves at most a block's, and a full block splits in two.
 * Why not GLib's GTree (what process.c had): each lookup was a call, a comparison through a
 * function pointer per level and a node walk for the neighbour, each mapping a heap object of
 * its own. Replacing it cut build-portable's policy replay from 522.1 to 506.7 M instructions
 * (churn-portable 419.5 -> 407.6 M; outputs the same).
 *
 * Invariants: no block is empty; blocks[b]'s mappings all start below blocks[b + 1]'s; within
 * the set, starts increase and so do ends (the ranges are disjoint and not empty).
 */
#include <string.h>

#include "sim/sim-private.h"

/* Room for n blocks: the power of two at or above n (at least 1). */
static uint32_t blocks_room(uint32_t n)
{
	return n <= 1 ? 1 : 1u << (32 - __builtin_clz(n - 1));
}

void sim_vmas_clear(SimVmas *vs)
{
	for (uint32_t b = 0; b < vs->nr_blocks; b++)
		g_free(vs->blocks[b]);
	g_clear_pointer(&vs->blocks, g_free);
	vs->nr_blocks = 0;
	vs->hit = 0;
}

/*
 * The first mapping that ends above addr, as its block and index; false when there is none.
 * Ends increase, so both levels are a binary search for the first end above addr.
 */
static bool lower(const SimVmas *vs, uint64_t addr, uint32_t *bp, uint32_t *ip)
{
	uint32_t lo = 0, hi = vs->nr_blocks;
	const SimVmaBlock *blk;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (vs->blocks[mid]->v[vs->blocks[mid]->n - 1].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == vs->nr_blocks)
		return false;
	*bp = lo;
	blk = vs->blocks[lo];
	lo = 0;
	hi = blk->n - 1; /* the last one ends above addr */
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (blk->v[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	*ip = lo;
	return true;
}

const PsVma *sim_vma_lower(const SimVmas *vs, uint64_t addr, const PsVma **prev)
{
	uint32_t b, i;

	if (!lower(vs, addr, &b, &i)) {
		const SimVmaBlock *last = vs->nr_blocks ? vs->blocks[vs->nr_blocks - 1] : NULL;

		*prev = last ? &last->v[last->n - 1] : NULL;
		return NULL;
	}
	if (i)
		*prev = &vs->blocks[b]->v[i - 1];
	else
		*prev = b ? &vs->blocks[b - 1]->v[vs->blocks[b - 1]->n - 1] : NULL;
	return &vs->blocks[b]->v[i];
}

const PsVma *sim_vma_find(SimVmas *vs, uint64_t addr)
{
	uint32_t b, i;
	const PsVma *v;

	if (vs->hit) {
		b = (vs->hit - 1) >> SIM_VMA_BLOCK_SHIFT;
		i = (vs->hit - 1) & (SIM_VMA_BLOCK - 1);
		v = &vs->blocks[b]->v[i];
		if (v->start <= addr && addr < v->end)
			return v;
	}
	if (!lower(vs, addr, &b, &i))
		return NULL;
	v = &vs->blocks[b]->v[i];
	if (v->start > addr)
		return NULL;
	vs->hit = (b << SIM_VMA_BLOCK_SHIFT | i) + 1;
	return v;
}

/* Takes the mapping at (b, i) out; a block left empty goes. */
static void delete_at(SimVmas *vs, uint32_t b, uint32_t i)
{
	SimVmaBlock *blk = vs->blocks[b];

	memmove(&blk->v[i], &blk->v[i + 1], (blk->n - i - 1) * sizeof(PsVma));
	if (--blk->n)
		return;
	g_free(blk);
	memmove(&vs->blocks[b], &vs->blocks[b + 1], (vs->nr_blocks - b - 1) * sizeof(blk));
	vs->nr_blocks--;
}

/* A new block at b, its room made in the array of blocks. */
static SimVmaBlock *block_new_at(SimVmas *vs, uint32_t b)
{
	SimVmaBlock *blk = g_new(SimVmaBlock, 1);

	if (vs->nr_blocks == blocks_room(vs->nr_blocks) || !vs->blocks)
		vs->blocks = g_renew(SimVmaBlock *, vs->blocks, blocks_room(vs->nr_blocks + 1));
	memmove(&vs->blocks[b + 1], &vs->blocks[b], (vs->nr_blocks - b) * sizeof(blk));
	vs->blocks[b] = blk;
	vs->nr_blocks++;
	blk->n = 0;
	return blk;
}

/* Puts v at (b, i), before the mapping there (i == n: after the block's last), splitting a full
 * block in halves first. */
static void insert_at(SimVmas *vs, uint32_t b, uint32_t i, const PsVma *v)
{
	SimVmaBlock *blk = vs->blocks[b];

	if (blk->n == SIM_VMA_BLOCK) {
		SimVmaBlock *upper = block_new_at(vs, b + 1);
		uint32_t half = SIM_VMA_BLOCK / 2;

		memcpy(upper->v, &blk->v[half], (SIM_VMA_BLOCK - half) * sizeof(PsVma));
		upper->n = SIM_VMA_BLOCK - half;
		blk->n = half;
		if (i > half) {
			blk = upper;
			i -= half;
		}
	}
	memmove(&blk->v[i + 1], &blk->v[i], (blk->n - i) * sizeof(PsVma));
	blk->v[i] = *v;
	blk->n++;
}

void sim_vma_insert(SimVmas *vs, const PsVma *v)
{
	uint32_t b, i;

	g_assert(v->end > v->start);
	vs->hit = 0; /* mappings move */
	if (!vs->nr_blocks) {
		block_new_at(vs, 0);
		b = i = 0;
	} else if (!lower(vs, v->start, &b, &i)) {
		/* above every mapping: after the last */
		b = vs->nr_blocks - 1;
		i = vs->blocks[b]->n;
	} else {
		/* the first mapping ending above v's start starts at v's end or above */
		g_assert(vs->blocks[b]->v[i].start >= v->end);
	}
	insert_at(vs, b, i, v);
}

bool sim_vma_remove(SimVmas *vs, uint64_t start, uint64_t end)
{
	bool found = false;
	uint32_t b, i;

	/* each step removes or trims the first mapping that ends above start, or stops */
	while (lower(vs, start, &b, &i)) {
		PsVma *v = &vs->blocks[b]->v[i];

		if (v->start >= end)
			break;
		found = true;
		if (v->start >= start && v->end <= end) {
			vs->hit = 0;
			delete_at(vs, b, i);
		} else if (v->start < start && v->end > end) {
			/* cut in the middle (__split_vma twice): the tail is a mapping of its own
			 */
			PsVma tail = {end, v->end, v->hugepage, v->file};

			v->end = start;
			vs->hit = 0;
			insert_at(vs, b, i + 1, &tail);
			break;
		} else if (v->start < start) {
			v->end = start;
		} else {
			v->start = end;
			break;
		}
	}
	return found;
}
