// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zonelist.c - build_all_zonelists (node order with the node_load round robin, zones from
 * the highest type down, own-node lists) and task memory policies (local, preferred, bind with
 * policy_zone, interleave and weighted interleave round robin and by interleave index,
 * preferred-many, __GFP_THISNODE).
 *
 * Machines are built by hand with only the fields ps_build_zonelists and ps_mempolicy_node read
 * (nr_nodes, spec.distance, spec.cpu_node/nr_cpus, zones[].managed), so these tests do not
 * depend on machine.c.
 */
#include "policy/policy.h"

#include <string.h>

static PsMachine *machine_new(int nr_nodes)
{
	PsMachine *m = g_new0(PsMachine, 1);
	int nid;
	int t;

	m->nr_nodes = nr_nodes;
	m->spec.nr_nodes = nr_nodes;
	m->nr_zones = nr_nodes * PS_MAX_NR_ZONES;
	m->zones = g_new0(PsZone, m->nr_zones);
	for (nid = 0; nid < nr_nodes; nid++) {
		m->nodes[nid].id = nid;
		for (t = 0; t < PS_MAX_NR_ZONES; t++) {
			PsZone *z = ps_machine_zone(m, nid, t);

			z->node = nid;
			z->type = t;
			z->idx = nid * PS_MAX_NR_ZONES + t;
		}
	}
	return m;
}

static void machine_free(PsMachine *m)
{
	g_free(m->zones);
	g_free(m);
}

static void set_distances(PsMachine *m, const uint8_t *d)
{
	int i;
	int j;

	for (i = 0; i < m->nr_nodes; i++)
		for (j = 0; j < m->nr_nodes; j++)
			m->spec.distance[i][j] = d[i * m->nr_nodes + j];
}

/* One cpu per listed node, in order. */
static void set_cpus(PsMachine *m, const int *cpu_node, int nr_cpus)
{
	int cpu;

	m->nr_cpus = nr_cpus;
	m->spec.nr_cpus = nr_cpus;
	for (cpu = 0; cpu < nr_cpus; cpu++)
		m->spec.cpu_node[cpu] = cpu_node[cpu];
}

static void populate(PsMachine *m, int nid, enum ps_zone_type t, uint64_t pages)
{
	PsZone *z = ps_machine_zone(m, nid, t);

	z->spanned = pages;
	z->present = pages;
	z->managed = pages;
}

/* Compares a -1 terminated zonelist with `expect` (zone indices, -1 terminated). */
static void assert_zonelist(const PsZonelist *zl, const int *expect)
{
	int n = 0;
	int i;

	while (expect[n] >= 0)
		n++;
	g_assert_cmpint(zl->nr, ==, n);
	for (i = 0; i <= n; i++)
		g_assert_cmpint(zl->zones[i], ==, expect[i]);
}

static void assert_node_order(const PsMachine *m, int nid, const int *expect)
{
	int i;

	for (i = 0; expect[i] >= 0; i++)
		g_assert_cmpint(m->nodes[nid].node_order[i], ==, expect[i]);
	for (; i < m->nr_nodes; i++)
		g_assert_cmpint(m->nodes[nid].node_order[i], ==, -1);
}

#define Z(nid, type) ((nid)*PS_MAX_NR_ZONES + (type))

/* kernel-facts §13.18: one node, Normal(2) -> DMA32(1) -> DMA(0). */
static void test_single_node(void)
{
	PsMachine *m = machine_new(1);
	static const int cpus[] = {0, 0};
	static const uint8_t d[] = {10};

	set_distances(m, d);
	set_cpus(m, cpus, 2);
	populate(m, 0, PS_ZONE_DMA, 3840);
	populate(m, 0, PS_ZONE_DMA32, 772918);
	populate(m, 0, PS_ZONE_NORMAL, 524288);
	/* Stale contents must be overwritten. */
	memset(&m->nodes[0].zonelist_fallback, 0x55, sizeof(PsZonelist));

	ps_build_zonelists(m);
	assert_zonelist(&m->nodes[0].zonelist_fallback,
			(const int[]){PS_ZONE_NORMAL, PS_ZONE_DMA32, PS_ZONE_DMA, -1});
	assert_zonelist(&m->nodes[0].zonelist_nofallback,
			(const int[]){PS_ZONE_NORMAL, PS_ZONE_DMA32, PS_ZONE_DMA, -1});
	assert_node_order(m, 0, (const int[]){0, -1});
	machine_free(m);
}

/* An unpopulated zone between populated ones is skipped; Movable comes before Normal. */
static void test_zone_order_within_node(void)
{
	PsMachine *m = machine_new(1);
	static const int cpus[] = {0};
	static const uint8_t d[] = {10};

	set_distances(m, d);
	set_cpus(m, cpus, 1);
	populate(m, 0, PS_ZONE_DMA, 4000);
	populate(m, 0, PS_ZONE_NORMAL, 100000);
	populate(m, 0, PS_ZONE_MOVABLE, 50000);

	ps_build_zonelists(m);
	assert_zonelist(&m->nodes[0].zonelist_fallback,
			(const int[]){PS_ZONE_MOVABLE, PS_ZONE_NORMAL, PS_ZONE_DMA, -1});
	machine_free(m);
}

/* Two nodes: each lists itself first, then the other; own-node lists hold only themselves. */
static void test_two_nodes(void)
{
	PsMachine *m = machine_new(2);
	static const int cpus[] = {0, 0, 1, 1};
	static const uint8_t d[] = {10, 21, 21, 10};

	set_distances(m, d);
	set_cpus(m, cpus, 4);
	populate(m, 0, PS_ZONE_DMA, 3840);
	populate(m, 0, PS_ZONE_DMA32, 700000);
	populate(m, 0, PS_ZONE_NORMAL, 1000000);
	populate(m, 1, PS_ZONE_NORMAL, 2000000);
	populate(m, 1, PS_ZONE_MOVABLE, 100000);

	ps_build_zonelists(m);
	assert_node_order(m, 0, (const int[]){0, 1, -1});
	assert_node_order(m, 1, (const int[]){1, 0, -1});
	assert_zonelist(&m->nodes[0].zonelist_fallback,
			(const int[]){Z(0, PS_ZONE_NORMAL), Z(0, PS_ZONE_DMA32), Z(0, PS_ZONE_DMA),
				      Z(1, PS_ZONE_MOVABLE), Z(1, PS_ZONE_NORMAL), -1});
	assert_zonelist(&m->nodes[1].zonelist_fallback,
			(const int[]){Z(1, PS_ZONE_MOVABLE), Z(1, PS_ZONE_NORMAL),
				      Z(0, PS_ZONE_NORMAL), Z(0, PS_ZONE_DMA32), Z(0, PS_ZONE_DMA),
				      -1});
	assert_zonelist(
	    &m->nodes[0].zonelist_nofallback,
	    (const int[]){Z(0, PS_ZONE_NORMAL), Z(0, PS_ZONE_DMA32), Z(0, PS_ZONE_DMA), -1});
	assert_zonelist(&m->nodes[1].zonelist_nofallback,
			(const int[]){Z(1, PS_ZONE_MOVABLE), Z(1, PS_ZONE_NORMAL), -1});
	machine_free(m);
}

/*
 * Four nodes, every node has cpus and one Normal zone, asymmetric distances (node 1 sees node 0
 * at 25, node 0 sees node 1 at 20):
 *
 *	     0   1   2   3
 *	0   10  20  20  30
 *	1   25  10  30  20
 *	2   20  30  10  20
 *	3   30  20  20  10
 *
 * A candidate n of node N has class distance(N, n) + [n < N] (no node counts as having cpus at
 * the boot build: zonelist.c); the lowest (class, node_load[n]) wins, ties to the lower id.
 *node_load starts at 0 and a picked node gets +1 when its distance differs from the previous pick's
 *(the local node counts as the first previous pick, at distance 10).
 *
 * Node 0: 0; then 1 (20, 0), 2 (20, 0), 3 (30, 0) -> 1, 20 != 10 so load[1] = 1; then 2 (20)
 *	   beats 3 (30), 20 == 20 no bump; then 3, 30 != 20 so load[3] = 1.
 *	   Order 0 1 2 3, load = {0, 1, 0, 1}.
 * Node 1: 1; then 0 (25+1 = 26, 0), 2 (30, 0), 3 (20, 1) -> 3, load[3] = 2; then 0 (26) beats
 *	   2 (30), 25 != 20 so load[0] = 1; then 2, 30 != 25 so load[2] = 1.
 *	   Order 1 3 0 2, load = {1, 1, 1, 2}.
 * Node 2: 2; then 0 (20+1 = 21, 1), 1 (31, 1), 3 (20, 2) -> 3, load[3] = 3; then 0 (21) beats
 *	   1 (31), no bump (20 == 20); then 1, 30 != 20 so load[1] = 2.
 *	   Order 2 3 0 1, load = {1, 2, 1, 3}.
 * Node 3: 3; then 0 (31, 1), 1 (21, 2), 2 (21, 1): 1 and 2 tie on class and node_load breaks
 *	   the tie for 2 -> load[2] = 2; then 1 (21) beats 0 (31), no bump; then 0.
 *	   Order 3 2 1 0.
 *
 * Without node_load node 3 would get 3 1 2 0 (the lower id wins the tie): this is the case
 * where the round robin shows.
 */
static void test_four_nodes_node_load(void)
{
	PsMachine *m = machine_new(4);
	static const int cpus[] = {0, 1, 2, 3};
	static const uint8_t d[] = {
	    10, 20, 20, 30, /* */
	    25, 10, 30, 20, /* */
	    20, 30, 10, 20, /* */
	    30, 20, 20, 10,
	};
	int nid;

	set_distances(m, d);
	set_cpus(m, cpus, 4);
	for (nid = 0; nid < 4; nid++)
		populate(m, nid, PS_ZONE_NORMAL, 1000);

	ps_build_zonelists(m);
	assert_node_order(m, 0, (const int[]){0, 1, 2, 3, -1});
	assert_node_order(m, 1, (const int[]){1, 3, 0, 2, -1});
	assert_node_order(m, 2, (const int[]){2, 3, 0, 1, -1});
	assert_node_order(m, 3, (const int[]){3, 2, 1, 0, -1});
	assert_zonelist(&m->nodes[3].zonelist_fallback,
			(const int[]){Z(3, PS_ZONE_NORMAL), Z(2, PS_ZONE_NORMAL),
				      Z(1, PS_ZONE_NORMAL), Z(0, PS_ZONE_NORMAL), -1});
	assert_zonelist(&m->nodes[3].zonelist_nofallback, (const int[]){Z(3, PS_ZONE_NORMAL), -1});

	/* Rebuilding starts node_load from zero again: same result. */
	ps_build_zonelists(m);
	assert_node_order(m, 3, (const int[]){3, 2, 1, 0, -1});
	machine_free(m);
}

/*
 * Three nodes at equal distance 20, cpus on nodes 0 and 1 only. The headless node 2 is not
 * preferred: at the boot build no node counts as having cpus (zonelist.c). Node 0: 1 (20, 0)
 * and 2 (20, 0) tie -> 1, load[1] = 1; node 1: 0 (21) vs 2 (20) -> 2, load[2] = 1; node 2: 0
 * (21, 0) vs 1 (21, 1) -> 0. A memoryless node appears in nobody's list, its own included, but
 * still gets a fallback list.
 */
static void test_headless_and_memoryless(void)
{
	static const uint8_t d[] = {10, 20, 20, 20, 10, 20, 20, 20, 10};
	PsMachine *m = machine_new(3);
	int nid;

	set_distances(m, d);
	set_cpus(m, (const int[]){0, 1}, 2); /* node 2 has no cpus */
	for (nid = 0; nid < 3; nid++)
		populate(m, nid, PS_ZONE_NORMAL, 1000);
	ps_build_zonelists(m);
	assert_node_order(m, 0, (const int[]){0, 1, 2, -1});
	assert_node_order(m, 1, (const int[]){1, 2, 0, -1});
	assert_node_order(m, 2, (const int[]){2, 0, 1, -1});
	machine_free(m);

	m = machine_new(3);
	set_distances(m, d);
	set_cpus(m, (const int[]){0, 1, 2}, 3);
	populate(m, 0, PS_ZONE_NORMAL, 1000);
	populate(m, 2, PS_ZONE_NORMAL, 1000);
	ps_build_zonelists(m);
	/* Node 1 has no memory: 0 (20+1) vs 2 (20) -> 2 first. */
	assert_node_order(m, 0, (const int[]){0, 2, -1});
	assert_node_order(m, 1, (const int[]){2, 0, -1});
	assert_node_order(m, 2, (const int[]){2, 0, -1});
	assert_zonelist(&m->nodes[1].zonelist_fallback,
			(const int[]){Z(2, PS_ZONE_NORMAL), Z(0, PS_ZONE_NORMAL), -1});
	assert_zonelist(&m->nodes[1].zonelist_nofallback, (const int[]){-1});
	machine_free(m);
}

/*
 * The 4-node arm64 lab kernel (Linux 6.18.2, qemu-lab `run.sh 4k-numa 4G` with NODES=4: 1 GiB a
 * node, distances 10/20, 2 cpus dealt to nodes 0 and 1) printed while booting:
 *	Fallback order for Node 0: 0 1 2 3
 *	Fallback order for Node 1: 1 2 3 0
 *	Fallback order for Node 2: 2 3 0 1
 *	Fallback order for Node 3: 3 0 1 2
 * Counting nodes 0 and 1 as having cpus would give 0 2 3 1, 1 3 2 0, 2 3 0 1, 3 2 0 1.
 */
static void test_lab_four_nodes_two_cpus(void)
{
	static const uint8_t d[] = {
	    10, 20, 20, 20, /* */
	    20, 10, 20, 20, /* */
	    20, 20, 10, 20, /* */
	    20, 20, 20, 10,
	};
	PsMachine *m = machine_new(4);
	int nid;

	set_distances(m, d);
	set_cpus(m, (const int[]){0, 1}, 2);
	for (nid = 0; nid < 4; nid++) {
		if (nid == 0)
			populate(m, nid, PS_ZONE_DMA, 262144);
		else
			populate(m, nid, PS_ZONE_NORMAL, 262144);
	}
	ps_build_zonelists(m);
	assert_node_order(m, 0, (const int[]){0, 1, 2, 3, -1});
	assert_node_order(m, 1, (const int[]){1, 2, 3, 0, -1});
	assert_node_order(m, 2, (const int[]){2, 3, 0, 1, -1});
	assert_node_order(m, 3, (const int[]){3, 0, 1, 2, -1});
	machine_free(m);
}

/* ---- memory policies ------------------------------------------------------------------- */

/* Four nodes, Normal everywhere, DMA32 on node 0, node 3 Movable only. */
static PsMachine *policy_machine(void)
{
	PsMachine *m = machine_new(4);
	int nid;

	set_cpus(m, (const int[]){0, 1, 2, 3}, 4);
	populate(m, 0, PS_ZONE_DMA32, 1000);
	for (nid = 0; nid < 3; nid++)
		populate(m, nid, PS_ZONE_NORMAL, 1000);
	populate(m, 3, PS_ZONE_MOVABLE, 1000);
	return m;
}

static void test_mpol_names(void)
{
	g_assert_cmpstr(ps_mpol_mode_names[PS_MPOL_DEFAULT], ==, "default");
	g_assert_cmpstr(ps_mpol_mode_names[PS_MPOL_PREFERRED], ==, "preferred");
	g_assert_cmpstr(ps_mpol_mode_names[PS_MPOL_BIND], ==, "bind");
	g_assert_cmpstr(ps_mpol_mode_names[PS_MPOL_INTERLEAVE], ==, "interleave");
	g_assert_cmpstr(ps_mpol_mode_names[PS_MPOL_LOCAL], ==, "local");
	g_assert_cmpstr(ps_mpol_mode_names[PS_MPOL_PREFERRED_MANY], ==, "preferred_many");
	g_assert_cmpstr(ps_mpol_mode_names[PS_MPOL_WEIGHTED_INTERLEAVE], ==, "weighted_interleave");
}

static void test_mpol_local(void)
{
	PsMachine *m = policy_machine();
	PsMempolicy pol;
	uint64_t mask = 0xff;

	memset(&pol, 0x5a, sizeof(pol));
	ps_mempolicy_init(&pol);
	g_assert_cmpint(pol.mode, ==, PS_MPOL_DEFAULT);
	g_assert_cmpint(pol.il_prev, ==, -1);
	g_assert_cmpint(pol.il_weight, ==, 0);
	g_assert_cmphex(pol.nodes, ==, 0);
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 2, PS_GFP_KERNEL, &mask), ==, 2);
	g_assert_cmphex(mask, ==, 0);

	pol.mode = PS_MPOL_LOCAL;
	mask = 0xff;
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 1, PS_GFP_HIGHUSER_MOVABLE, &mask), ==, 1);
	g_assert_cmphex(mask, ==, 0);

	/* No policy at all is the default policy. */
	mask = 0xff;
	g_assert_cmpint(ps_mempolicy_node(m, NULL, 3, PS_GFP_KERNEL, &mask), ==, 3);
	g_assert_cmphex(mask, ==, 0);
	machine_free(m);
}

static void test_mpol_preferred(void)
{
	PsMachine *m = policy_machine();
	PsMempolicy pol;
	uint64_t mask = 0xff;

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_PREFERRED;
	pol.nodes = 0xc; /* nodes 2, 3: the first one is preferred, no mask */
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 0, PS_GFP_KERNEL, &mask), ==, 2);
	g_assert_cmphex(mask, ==, 0);

	/* preferred-many: local node stays preferred, the mask is for the first pass. */
	pol.mode = PS_MPOL_PREFERRED_MANY;
	mask = 0;
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 0, PS_GFP_KERNEL, &mask), ==, 0);
	g_assert_cmphex(mask, ==, 0xc);
	machine_free(m);
}

static void test_mpol_bind(void)
{
	PsMachine *m = policy_machine();
	PsMempolicy pol;
	uint64_t mask = 0;

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_BIND;
	pol.nodes = 0x6; /* nodes 1, 2 */
	/* policy_zone is Normal: Normal and Movable requests are bound, the local node stays. */
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 0, PS_GFP_KERNEL, &mask), ==, 0);
	g_assert_cmphex(mask, ==, 0x6);
	mask = 0;
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 3, PS_GFP_HIGHUSER_MOVABLE, &mask), ==, 3);
	g_assert_cmphex(mask, ==, 0x6);
	/* A DMA32 request is below policy_zone: not restricted. */
	mask = 0xff;
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 0, PS_GFP_KERNEL | PS_GFP_DMA32, &mask), ==, 0);
	g_assert_cmphex(mask, ==, 0);

	/* A mask of movable-only nodes binds only Movable requests (apply_policy_zone). */
	pol.nodes = 0x8;
	mask = 0xff;
	ps_mempolicy_node(m, &pol, 0, PS_GFP_KERNEL, &mask);
	g_assert_cmphex(mask, ==, 0);
	ps_mempolicy_node(m, &pol, 0, PS_GFP_HIGHUSER_MOVABLE, &mask);
	g_assert_cmphex(mask, ==, 0x8);
	machine_free(m);

	/* A machine with nothing above DMA32 has policy_zone DMA32: DMA32 requests are bound. */
	m = machine_new(2);
	populate(m, 0, PS_ZONE_DMA32, 1000);
	populate(m, 1, PS_ZONE_DMA32, 1000);
	pol.nodes = 0x2;
	mask = 0;
	ps_mempolicy_node(m, &pol, 0, PS_GFP_DMA32, &mask);
	g_assert_cmphex(mask, ==, 0x2);
	ps_mempolicy_node(m, &pol, 0, PS_GFP_DMA, &mask);
	g_assert_cmphex(mask, ==, 0);
	machine_free(m);
}

static void test_mpol_interleave(void)
{
	static const int expect[] = {0, 1, 3, 0, 1, 3, 0};
	PsMachine *m = policy_machine();
	PsMempolicy pol;
	uint64_t mask;
	size_t i;

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_INTERLEAVE;
	pol.nodes = 0xb | (1ull << 40); /* nodes 0, 1, 3 and one this machine does not have */
	for (i = 0; i < G_N_ELEMENTS(expect); i++) {
		mask = 0xff;
		g_assert_cmpint(ps_mempolicy_node(m, &pol, 2, PS_GFP_KERNEL, &mask), ==, expect[i]);
		g_assert_cmphex(mask, ==, 0);
		g_assert_cmpint(pol.il_prev, ==, expect[i]);
	}

	/* __GFP_THISNODE ignores the task policy: local node, round robin not advanced. */
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 2, PS_GFP_KERNEL | PS_GFP_THISNODE, &mask), ==,
			2);
	g_assert_cmpint(pol.il_prev, ==, 0);
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 2, PS_GFP_KERNEL, &mask), ==, 1);

	/* il_prev no longer in the mask: continue with the next node after it. */
	pol.nodes = 0x5; /* nodes 0, 2; il_prev is 1 */
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 3, PS_GFP_KERNEL, &mask), ==, 2);
	g_assert_cmpint(ps_mempolicy_node(m, &pol, 3, PS_GFP_KERNEL, &mask), ==, 0);
	machine_free(m);
}

static void test_mpol_weighted_interleave(void)
{
	/* weights 3, 0 (counts as 1), -, 2 over nodes 0, 1, 3 */
	static const int expect[] = {0, 0, 0, 1, 3, 3, 0, 0, 0, 1, 3, 3, 0};
	/* il_weight after each draw: what il_prev still has to serve. */
	static const int left[] = {2, 1, 0, 0, 1, 0, 2, 1, 0, 0, 1, 0, 2};
	PsMachine *m = policy_machine();
	PsMempolicy pol;
	uint64_t mask;
	size_t i;

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_WEIGHTED_INTERLEAVE;
	pol.nodes = 0xb;
	pol.weights[0] = 3;
	pol.weights[1] = 0;
	pol.weights[2] = 9; /* not in the mask */
	pol.weights[3] = 2;
	for (i = 0; i < G_N_ELEMENTS(expect); i++) {
		mask = 0xff;
		g_assert_cmpint(ps_mempolicy_node(m, &pol, 2, PS_GFP_HIGHUSER_MOVABLE, &mask), ==,
				expect[i]);
		g_assert_cmphex(mask, ==, 0);
		g_assert_cmpint(pol.il_prev, ==, expect[i]);
		g_assert_cmpint(pol.il_weight, ==, left[i]);
	}
	machine_free(m);
}

/*
 * A fault in a VMA carries get_vma_policy's interleave index: interleave_nid takes node number
 * ilx mod the mask's weight, weighted_interleave_nid walks the weights; neither moves il_prev.
 */
static void test_mpol_interleave_index(void)
{
	/* nodes 0, 1, 3 */
	static const uint64_t ilx[] = {0, 1, 2, 3, 5, 7, 1000001};
	static const int expect[] = {0, 1, 3, 0, 3, 1, 3};
	/* weights 3, 0 (counts as 1), 2 over nodes 0, 1, 3: a cycle of 6 */
	static const int wexpect[] = {0, 0, 0, 1, 3, 3, 0, 0, 0, 1, 3, 3, 0};
	PsMachine *m = policy_machine();
	PsMempolicy pol;
	uint64_t mask;

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_INTERLEAVE;
	pol.nodes = 0xb | (1ull << 40);
	for (size_t i = 0; i < G_N_ELEMENTS(ilx); i++) {
		mask = 0xff;
		g_assert_cmpint(
		    ps_mempolicy_node_ilx(m, &pol, 2, PS_GFP_HIGHUSER_MOVABLE, ilx[i], &mask), ==,
		    expect[i]);
		g_assert_cmphex(mask, ==, 0);
		g_assert_cmpint(pol.il_prev, ==, -1);
	}
	/* no index: the round robin, as ps_mempolicy_node */
	g_assert_cmpint(
	    ps_mempolicy_node_ilx(m, &pol, 2, PS_GFP_KERNEL, PS_NO_INTERLEAVE_INDEX, &mask), ==, 0);
	g_assert_cmpint(pol.il_prev, ==, 0);
	/* __GFP_THISNODE ignores the policy, index or not */
	g_assert_cmpint(
	    ps_mempolicy_node_ilx(m, &pol, 2, PS_GFP_KERNEL | PS_GFP_THISNODE, 1, &mask), ==, 2);

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_WEIGHTED_INTERLEAVE;
	pol.nodes = 0xb;
	pol.weights[0] = 3;
	pol.weights[2] = 9; /* not in the mask */
	pol.weights[3] = 2;
	for (size_t i = 0; i < G_N_ELEMENTS(wexpect); i++) {
		g_assert_cmpint(
		    ps_mempolicy_node_ilx(m, &pol, 2, PS_GFP_HIGHUSER_MOVABLE, i, &mask), ==,
		    wexpect[i]);
		g_assert_cmpint(pol.il_prev, ==, -1);
		g_assert_cmpint(pol.il_weight, ==, 0);
	}

	/* the index of a fault: an anonymous VMA's vm_pgoff is its start page */
	g_assert_cmpuint(ps_vma_interleave_index(100, 107, 0), ==, 107);
	g_assert_cmpuint(ps_vma_interleave_index(0x300, 0x400, 9), ==, 1 + 0);
	g_assert_cmpuint(ps_vma_interleave_index(0x300, 0x500, 9), ==, 1 + 1);
	g_assert_cmpuint(ps_vma_interleave_index(0x400, 0x600, 9), ==, 2 + 1);
	machine_free(m);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/zonelist/single-node", test_single_node);
	g_test_add_func("/policy/zonelist/zone-order-within-node", test_zone_order_within_node);
	g_test_add_func("/policy/zonelist/two-nodes", test_two_nodes);
	g_test_add_func("/policy/zonelist/four-nodes-node-load", test_four_nodes_node_load);
	g_test_add_func("/policy/zonelist/headless-and-memoryless", test_headless_and_memoryless);
	g_test_add_func("/policy/zonelist/lab-four-nodes-two-cpus", test_lab_four_nodes_two_cpus);
	g_test_add_func("/policy/zonelist/mempolicy-names", test_mpol_names);
	g_test_add_func("/policy/zonelist/mempolicy-local", test_mpol_local);
	g_test_add_func("/policy/zonelist/mempolicy-preferred", test_mpol_preferred);
	g_test_add_func("/policy/zonelist/mempolicy-bind", test_mpol_bind);
	g_test_add_func("/policy/zonelist/mempolicy-interleave", test_mpol_interleave);
	g_test_add_func("/policy/zonelist/mempolicy-weighted-interleave",
			test_mpol_weighted_interleave);
	g_test_add_func("/policy/zonelist/mempolicy-interleave-index", test_mpol_interleave_index);
	return g_test_run();
}
