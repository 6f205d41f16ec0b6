// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonelist.c - per-node zonelists and task memory policies: which zones an allocation may use,
 * in which order, and which node it is for.
 *
 * Zonelists mirror build_all_zonelists() of mm/page_alloc.c: __build_all_zonelists clears
 * node_load[] and runs build_zonelists() for every node in id order; build_zonelists asks
 * find_next_best_node() for the next node until none is left, and bumps node_load[] of the first
 * node of every new distance group; build_zonelists_in_node_order / build_zonerefs_node list the
 * populated zones of each node from the highest zone type down; build_thisnode_zonelists makes
 * the own-node ZONELIST_NOFALLBACK list. node_load[] outlives one node's build on purpose: the
 * bumps made while building node A's list push that node back in later nodes' lists among
 * equally distant candidates, which spreads fallback allocations round-robin (kernel-facts
 * §1.2).
 *
 * find_next_best_node's headless preference ([n has cpus], PENALTY_FOR_NODE_WITH_CPUS) counts
 * cpumask_of_node(n) as it is when the lists are built. At the boot build (build_all_zonelists
 * from mm_core_init in start_kernel) no node's mask holds a cpu yet, the boot cpu's included
 * (cpus join their node's mask later, numa_add_cpu), and cpus coming online do not rebuild the
 * lists. So every node counts as headless and the term is 0 for all. The 4-node arm64 lab kernel
 * (6.18.2, qemu-lab run.sh 4k-numa 4G with NODES=4: 2 cpus on nodes 0 and 1, distances 10/20)
 * prints "Fallback order for Node N:" 0 1 2 3 / 1 2 3 0 / 2 3 0 1 / 3 0 1 2, which is this rule;
 * the penalty on nodes 0 and 1 would give 0 2 3 1 / 1 3 2 0 / 2 3 0 1 / 3 2 0 1, and on node 0
 * alone (the boot cpu) node 3 would start 3 1. With one cpu on every node, or two nodes, the
 * term never changes an order.
 *
 * Simplifications:
 * - The kernel scores a candidate as (distance + lower + has_cpus) * MAX_NUMNODES + node_load.
 *   node_load never exceeds the number of nodes built so far, which is below MAX_NUMNODES, so
 *   the score is the lexicographic pair (distance class, node_load); that pair is compared here
 *   directly instead of depending on the build's MAX_NUMNODES.
 * - "Has memory" (N_MEMORY) and "populated" use managed pages (ps_zone_populated); the kernel
 *   looks at present pages. They differ only for a zone whose pages are all reserved, which
 *   could never serve an allocation anyway.
 *
 * Memory policies mirror policy_nodemask() / alloc_pages_mpol() / alloc_frozen_pages_noprof()
 * of mm/mempolicy.c. Interleave has two forms, as policy_nodemask chooses: an allocation without
 * a VMA (ilx == NO_INTERLEAVE_INDEX: kernel pages, page tables, and every allocation record of
 * an imported trace, which names no address) takes the task's round robin through il_prev
 * (interleave_nodes, weighted_interleave_nodes); a user-page fault in a VMA carries the
 * interleave index get_vma_policy computes, (vm_pgoff >> order) + ((addr - vm_start) >>
 * (PAGE_SHIFT + order)), and takes node ilx mod the policy's nodes (interleave_nid), or by
 * weight (weighted_interleave_nid), leaving il_prev alone. There are no cpusets and no
 * home_node, so a BIND mask always applies when the zone allows it (apply_policy_zone), and the
 * preferred node of BIND and PREFERRED_MANY stays the local node.
 */
#include "policy/policy.h"

#include <gio/gio.h>
#include <string.h>

/* ---- zonelists ------------------------------------------------------------------------- */

/* N_MEMORY: the node has at least one populated zone. */
static bool ps_node_has_memory(const PsMachine *m, int nid)
{
	int t;

	for (t = 0; t < PS_MAX_NR_ZONES; t++) {
		if (ps_zone_populated(&m->zones[nid * PS_MAX_NR_ZONES + t]))
			return true;
	}
	return false;
}

/*
 * find_next_best_node: the local node first if it has memory, then the unused node with memory
 * that minimises (distance + [n < local] + [n has cpus], node_load[n]), [n has cpus] being 0 at
 * the boot build (see the header); ties go to the lowest node id, as the kernel's strict "<"
 * over an ascending scan does. Marks the node used; returns -1 when none is left.
 */
static int ps_find_next_best_node(const PsMachine *m, int local, uint64_t *used,
				  const int *node_load, const bool *has_memory)
{
	int best = -1;
	int best_class = 0;
	int best_load = 0;
	int n;

	if (!(*used & (1ull << local)) && has_memory[local]) {
		*used |= 1ull << local;
		return local;
	}

	for (n = 0; n < m->nr_nodes; n++) {
		int class;

		if (!has_memory[n] || (*used & (1ull << n)))
			continue;
		class = m->spec.distance[local][n] + (n < local);
		if (best < 0 || class < best_class ||
		    (class == best_class && node_load[n] < best_load)) {
			best = n;
			best_class = class;
			best_load = node_load[n];
		}
	}
	if (best >= 0)
		*used |= 1ull << best;
	return best;
}

/* build_zonerefs_node: the node's populated zones, highest type first. */
static void ps_zonelist_add_node(const PsMachine *m, PsZonelist *zl, int nid)
{
	int t;

	for (t = PS_MAX_NR_ZONES - 1; t >= 0; t--) {
		int idx = nid * PS_MAX_NR_ZONES + t;

		if (!ps_zone_populated(&m->zones[idx]))
			continue;
		g_assert_cmpint(zl->nr, <, (int)G_N_ELEMENTS(zl->zones) - 1);
		zl->zones[zl->nr++] = idx;
	}
	zl->zones[zl->nr] = -1;
}

static void ps_zonelist_reset(PsZonelist *zl)
{
	zl->nr = 0;
	zl->zones[0] = -1;
}

void ps_build_zonelists(PsMachine *m)
{
	int node_load[PS_MAX_NODES] = {0};
	bool has_memory[PS_MAX_NODES];
	int nid;

	g_assert(m->nr_nodes > 0 && m->nr_nodes <= PS_MAX_NODES);

	for (nid = 0; nid < m->nr_nodes; nid++)
		has_memory[nid] = ps_node_has_memory(m, nid);

	for (nid = 0; nid < m->nr_nodes; nid++) {
		PsNode *node = &m->nodes[nid];
		uint64_t used = 0;
		int prev = nid;
		int nr = 0;
		int n;
		int i;

		ps_zonelist_reset(&node->zonelist_fallback);
		ps_zonelist_reset(&node->zonelist_nofallback);
		for (i = 0; i < PS_MAX_NODES; i++)
			node->node_order[i] = -1;

		while ((n = ps_find_next_best_node(m, nid, &used, node_load, has_memory)) >= 0) {
			if (m->spec.distance[nid][n] != m->spec.distance[nid][prev])
				node_load[n]++;
			node->node_order[nr++] = n;
			prev = n;
		}

		for (i = 0; i < nr; i++)
			ps_zonelist_add_node(m, &node->zonelist_fallback, node->node_order[i]);
		ps_zonelist_add_node(m, &node->zonelist_nofallback, nid);
	}
}

/* ---- memory policies ------------------------------------------------------------------- */

gboolean ps_mempolicy_parse(const char *s, PsMempolicy *pol, GError **error)
{
	ps_mempolicy_init(pol);
	return ps_mpol_parse_str(s, &pol->mode, &pol->nodes, error);
}

void ps_mempolicy_init(PsMempolicy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->mode = PS_MPOL_DEFAULT;
	pol->il_prev = -1;
	pol->il_weight = 0;
}

/* Nodes that exist on this machine. */
static uint64_t ps_machine_node_mask(const PsMachine *m)
{
	return m->nr_nodes >= 64 ? ~0ull : (1ull << m->nr_nodes) - 1;
}

static int ps_first_node(uint64_t mask)
{
	return mask ? __builtin_ctzll(mask) : -1;
}

/* next_node_in: the first node of mask after prev, wrapping around; -1 if mask is empty. */
static int ps_next_node_in(int prev, uint64_t mask)
{
	uint64_t after;

	if (!mask)
		return -1;
	after = prev >= 63 ? 0 : mask & (~0ull << (prev + 1));
	return ps_first_node(after ? after : mask);
}

/*
 * policy_zone: the highest populated zone type other than Movable (check_highest_zone while
 * building the zonelists). apply_policy_zone raises it to Movable when no node of the mask has
 * memory below Movable, so that a mask of movable-only nodes still binds movable requests.
 */
static bool ps_apply_policy_zone(const PsMachine *m, uint64_t mask, enum ps_zone_type zone)
{
	enum ps_zone_type policy_zone = PS_ZONE_DMA;
	bool normal_memory = false;
	int nid;
	int t;

	for (nid = 0; nid < m->nr_nodes; nid++) {
		for (t = 0; t < PS_MAX_NR_ZONES; t++) {
			if (t == PS_ZONE_MOVABLE ||
			    !ps_zone_populated(&m->zones[nid * PS_MAX_NR_ZONES + t]))
				continue;
			if ((enum ps_zone_type)t > policy_zone)
				policy_zone = (enum ps_zone_type)t;
			if (t < PS_ZONE_MOVABLE && (mask & (1ull << nid)))
				normal_memory = true;
		}
	}
	if (!normal_memory)
		policy_zone = PS_ZONE_MOVABLE;
	return zone >= policy_zone;
}

/* interleave_nodes: the next node of the mask after il_prev. */
static int ps_interleave_nodes(PsMempolicy *pol, uint64_t mask)
{
	int nid = ps_next_node_in(pol->il_prev, mask);

	if (nid >= 0)
		pol->il_prev = nid;
	return nid;
}

/*
 * weighted_interleave_nodes: il_prev serves il_weight more allocations; when that is used up
 * (or il_prev left the mask) move to the next node and load its weight, 0 counting as 1.
 */
static int ps_weighted_interleave_nodes(PsMempolicy *pol, uint64_t mask)
{
	int nid = pol->il_prev;

	if (pol->il_weight <= 0 || nid < 0 || nid >= 64 || !(mask & (1ull << nid))) {
		nid = ps_next_node_in(nid, mask);
		if (nid < 0)
			return -1;
		pol->il_prev = nid;
		pol->il_weight = pol->weights[nid] ? pol->weights[nid] : 1;
	}
	pol->il_weight--;
	return nid;
}

/* interleave_nid: node number ilx mod the mask's weight, counted from the first. */
static int ps_interleave_nid(uint64_t mask, uint64_t ilx)
{
	uint64_t target = ilx % (uint64_t)__builtin_popcountll(mask);
	int nid = ps_first_node(mask);

	while (target--)
		nid = ps_next_node_in(nid, mask);
	return nid;
}

/*
 * weighted_interleave_nid: ilx mod the total weight of the mask's nodes, then walk the nodes
 * from the first, each taking its weight (0 counting as 1), to the one the remainder falls in.
 */
static int ps_weighted_interleave_nid(const PsMempolicy *pol, uint64_t mask, uint64_t ilx)
{
	uint64_t total = 0, target;
	int nid;

	for (int n = 0; n < 64; n++)
		if (mask & (1ull << n))
			total += n < PS_MAX_NODES && pol->weights[n] ? pol->weights[n] : 1;
	target = ilx % total;
	nid = ps_first_node(mask);
	while (target) {
		uint64_t w = nid < PS_MAX_NODES && pol->weights[nid] ? pol->weights[nid] : 1;

		if (target < w)
			break;
		target -= w;
		nid = ps_next_node_in(nid, mask);
	}
	return nid;
}

int ps_mempolicy_node(const PsMachine *m, PsMempolicy *pol, int local_nid, uint64_t gfp,
		      uint64_t *nodemask)
{
	return ps_mempolicy_node_ilx(m, pol, local_nid, gfp, PS_NO_INTERLEAVE_INDEX, nodemask);
}

int ps_mempolicy_node_ilx(const PsMachine *m, PsMempolicy *pol, int local_nid, uint64_t gfp,
			  uint64_t ilx, uint64_t *nodemask)
{
	uint64_t mask;
	int nid = local_nid;

	*nodemask = 0;
	/* alloc_frozen_pages_noprof: __GFP_THISNODE requests ignore the task policy. */
	if (!pol || (gfp & PS_GFP_THISNODE))
		return local_nid;

	/*
	 * The kernel refuses to create a policy with an empty mask (other than default/local);
	 * a mask naming no node of this machine is treated the same way, as the local policy.
	 */
	mask = pol->nodes & ps_machine_node_mask(m);

	switch (pol->mode) {
	case PS_MPOL_DEFAULT:
	case PS_MPOL_LOCAL:
		break;
	case PS_MPOL_PREFERRED:
		if (mask)
			nid = ps_first_node(mask);
		break;
	case PS_MPOL_PREFERRED_MANY:
		/* First pass only; the caller retries with no mask (alloc_pages_preferred_many). */
		*nodemask = mask;
		break;
	case PS_MPOL_BIND:
		/* Restrict to the mask, but not for requests below policy_zone. */
		if (mask && ps_apply_policy_zone(m, mask, ps_gfp_zone(gfp)))
			*nodemask = mask;
		break;
	case PS_MPOL_INTERLEAVE:
		if (mask)
			nid = ilx == PS_NO_INTERLEAVE_INDEX ? ps_interleave_nodes(pol, mask)
							    : ps_interleave_nid(mask, ilx);
		break;
	case PS_MPOL_WEIGHTED_INTERLEAVE:
		if (mask)
			nid = ilx == PS_NO_INTERLEAVE_INDEX
				  ? ps_weighted_interleave_nodes(pol, mask)
				  : ps_weighted_interleave_nid(pol, mask, ilx);
		break;
	default:
		g_assert_not_reached();
	}
	return nid;
}
