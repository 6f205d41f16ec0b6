// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-vma.c - sim/vma.c, a process's mappings, against a plain model: a byte per page of a
 * small address space saying which mapping (by the map that made it) covers it. Random maps
 * (each replacing what it covers, as sim_op_map does) and unmaps, enough of them to fill and
 * split blocks and to empty blocks again, checking after every step each page's mapping
 * (sim_vma_find), each page's lower and previous mapping (sim_vma_lower) and the block
 * invariants; now and then the set is cleared (an exit).
 */
#include "sim/sim-private.h"

#define PAGES 4096u
#define PAGE  4096u

/* The model: owner[page] = the map (1..) that covers it, 0 for none; the maps' flags. */
typedef struct {
	uint32_t owner[PAGES];
	bool hugepage[1u << 16];
} Model;

/* The set's structure: blocks non-empty and full of increasing, disjoint, non-empty ranges. */
static void check_blocks(const SimVmas *vs)
{
	uint64_t last_end = 0;

	for (uint32_t b = 0; b < vs->nr_blocks; b++) {
		g_assert_cmpuint(vs->blocks[b]->n, >=, 1);
		g_assert_cmpuint(vs->blocks[b]->n, <=, SIM_VMA_BLOCK);
		for (uint32_t i = 0; i < vs->blocks[b]->n; i++) {
			const PsVma *v = &vs->blocks[b]->v[i];

			g_assert_cmpuint(v->start, >=, last_end);
			g_assert_cmpuint(v->end, >, v->start);
			last_end = v->end;
		}
	}
}

/*
 * Every page's answers against the model's runs: lo[pg], hi[pg] the run of pg's map around pg
 * (pages), next[pg] the first mapped page at or above pg (PAGES: none), last[pg] the last mapped
 * page below pg + 1 (-1: none).
 */
static void check(SimVmas *vs, const Model *m)
{
	static uint32_t lo[PAGES], hi[PAGES], next[PAGES + 1];
	static int64_t last[PAGES];

	check_blocks(vs);
	for (uint32_t pg = 0; pg < PAGES; pg++) {
		lo[pg] = pg && m->owner[pg] && m->owner[pg - 1] == m->owner[pg] ? lo[pg - 1] : pg;
		last[pg] = m->owner[pg] ? pg : pg ? last[pg - 1] : -1;
	}
	next[PAGES] = PAGES;
	for (uint32_t pg = PAGES; pg-- > 0;) {
		hi[pg] = pg + 1 < PAGES && m->owner[pg] && m->owner[pg + 1] == m->owner[pg]
			     ? hi[pg + 1]
			     : pg + 1;
		next[pg] = m->owner[pg] ? pg : next[pg + 1];
	}
	for (uint32_t pg = 0; pg < PAGES; pg++) {
		uint64_t addr = (uint64_t)pg * PAGE + pg % PAGE;
		const PsVma *v = sim_vma_find(vs, addr), *prev, *low;
		uint32_t q;

		g_assert_true((v != NULL) == (m->owner[pg] != 0));
		if (v) {
			g_assert_cmpuint(v->start, ==, (uint64_t)lo[pg] * PAGE);
			g_assert_cmpuint(v->end, ==, (uint64_t)hi[pg] * PAGE);
			g_assert_true(v->hugepage == m->hugepage[m->owner[pg]]);
		}
		/* the first mapping ending above addr: pg's, else the next page mapped's */
		low = sim_vma_lower(vs, addr, &prev);
		q = next[pg];
		if (q == PAGES) {
			g_assert_null(low);
		} else {
			g_assert_nonnull(low);
			g_assert_cmpuint(low->start, ==, (uint64_t)lo[q] * PAGE);
		}
		/* the one before it: the last mapped page below its start */
		q = q == PAGES ? PAGES : lo[q];
		if (q == 0 || last[q - 1] < 0) {
			g_assert_null(prev);
		} else {
			g_assert_nonnull(prev);
			g_assert_cmpuint(prev->end, ==, (uint64_t)hi[last[q - 1]] * PAGE);
		}
	}
}

static void test_random(void)
{
	GRand *rand = g_rand_new_with_seed(17);
	Model *m = g_new0(Model, 1);
	SimVmas vs = {0};
	uint32_t next_id = 1, max_blocks = 0;

	for (int step = 0; step < 3000; step++) {
		uint32_t pg = (uint32_t)g_rand_int_range(rand, 0, PAGES);
		/* mostly short ranges, so that many mappings stand side by side */
		uint32_t len = g_rand_int_range(rand, 0, 8)
				   ? (uint32_t)g_rand_int_range(rand, 1, 4)
				   : (uint32_t)g_rand_int_range(rand, 1, 300);
		uint64_t start = (uint64_t)pg * PAGE, end = (uint64_t)MIN(pg + len, PAGES) * PAGE;
		int what = g_rand_int_range(rand, 0, 100);
		bool any = false;

		if (what < 1) {
			sim_vmas_clear(&vs);
			memset(m->owner, 0, sizeof(m->owner));
		} else if (what < 70) {
			/* a map: the range is one mapping, whatever was there goes */
			PsVma v = {start, end, g_rand_boolean(rand), false};

			g_assert_cmpuint(next_id, <, G_N_ELEMENTS(m->hugepage));
			m->hugepage[next_id] = v.hugepage;
			for (uint64_t q = start / PAGE; q < end / PAGE; q++)
				m->owner[q] = next_id;
			next_id++;
			sim_vma_remove(&vs, start, end);
			sim_vma_insert(&vs, &v);
		} else {
			/* an unmap (the two sides of a cut keep the map's id: a gap parts them) */
			for (uint64_t q = start / PAGE; q < end / PAGE; q++) {
				any |= m->owner[q] != 0;
				m->owner[q] = 0;
			}
			g_assert_true(sim_vma_remove(&vs, start, end) == any);
		}
		max_blocks = MAX(max_blocks, vs.nr_blocks);
		check(&vs, m);
	}
	/* the steps filled several blocks at once (splits, and removals of emptied blocks) */
	g_assert_cmpuint(max_blocks, >=, 4);
	sim_vmas_clear(&vs);
	g_assert_cmpuint(vs.nr_blocks, ==, 0);
	g_free(m);
	g_rand_free(rand);
}

/* Thousands of holes punched into one mapping, as the fragmenter does: the splits stay ordered. */
static void test_holes(void)
{
	SimVmas vs = {0};
	PsVma all = {0, (uint64_t)PAGES * PAGE, false, false};
	const PsVma *prev;

	sim_vma_insert(&vs, &all);
	for (uint32_t pg = 1; pg < PAGES; pg += 2)
		g_assert_true(sim_vma_remove(&vs, (uint64_t)pg * PAGE, (uint64_t)(pg + 1) * PAGE));
	check_blocks(&vs);
	g_assert_cmpuint(vs.nr_blocks, >=, PAGES / 2 / SIM_VMA_BLOCK);
	for (uint32_t pg = 0; pg < PAGES; pg++) {
		const PsVma *v = sim_vma_find(&vs, (uint64_t)pg * PAGE);

		if (pg % 2) {
			g_assert_null(v);
		} else {
			g_assert_nonnull(v);
			g_assert_cmpuint(v->start, ==, (uint64_t)pg * PAGE);
			g_assert_cmpuint(v->end, ==, (uint64_t)(pg + 1) * PAGE);
		}
	}
	g_assert_null(sim_vma_lower(&vs, (uint64_t)PAGES * PAGE, &prev));
	g_assert_nonnull(prev);
	g_assert_cmpuint(prev->start, ==, (uint64_t)(PAGES - 2) * PAGE);
	/* one unmap over all of them empties every block */
	g_assert_true(sim_vma_remove(&vs, 0, UINT64_MAX));
	g_assert_cmpuint(vs.nr_blocks, ==, 0);
	g_assert_null(sim_vma_lower(&vs, 0, &prev));
	g_assert_null(prev);
	sim_vmas_clear(&vs);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/vma/random-against-model", test_random);
	g_test_add_func("/sim/vma/holes", test_holes);
	return g_test_run();
}
