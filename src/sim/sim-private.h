/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim-private.h - what sim.c shares with its helpers in sim/: the snapshot start (snapshot.c),
 * the fidelity counters (fidelity.c) and the pinned replay (pinned.c). Not a public API.
 */
#ifndef PS_SIM_PRIVATE_H
#define PS_SIM_PRIVATE_H

#include <cjson/cJSON.h>

#include "sim/sim.h"

G_BEGIN_DECLS

#define PS_SIM_SNAPSHOT_ERROR (ps_sim_snapshot_error_quark())
GQuark ps_sim_snapshot_error_quark(void);

/*
 * A loaded /proc/kpageflags snapshot and the pages it left allocated. owned has one bit per pfn
 * of the machine's map: set while the page belongs to an allocation made before the trace
 * started ("unknown at start"). Written by snapshot.c at load and when such pages are freed or
 * compaction moves them.
 */
typedef struct {
	char *path;
	char *pagetypeinfo_path; /* NULL without --proc */
	guint8 *kpf;		 /* the raw dump while loading, then NULL */
	uint64_t nr_pfns;
	uint8_t *owned;
	uint8_t *kind; /* enum ps_alloc_kind per pfn of the map */
	uint64_t free_pages[PS_MAX_NR_ZONES];
	uint64_t allocated_pages[PS_MAX_NR_ZONES];
	uint64_t flagless_taken[PS_MAX_NR_ZONES];
	uint64_t blocks[PS_MAX_NR_ZONES][PS_MT_TYPES];	    /* by the vote rule */
	uint64_t real_blocks[PS_MAX_NR_ZONES][PS_MT_TYPES]; /* pagetypeinfo */
	bool have_real[PS_MAX_NR_ZONES];
	/* pagetypeinfo's "Free pages count per migrate type at order" (node 0), when it has one */
	uint64_t real_free[PS_MAX_NR_ZONES][PS_MT_PCPTYPES][PS_NR_ORDERS_MAX];
	bool have_real_free[PS_MAX_NR_ZONES];
	uint16_t *votes; /* [pageblock * 3]: pages voting Unmovable, Movable, Reclaimable */
	uint64_t nr_blocks;
	uint64_t freed_pages;	     /* unknown-at-start pages the trace freed */
	uint64_t freed;		     /* and the frees that did it */
	char *zoneinfo_path;	     /* the pcp state came from here (policy runs with --proc) */
	uint64_t pcp_count_at_start; /* pcp pages it lists */
	int *pcp_start;		     /* [zone idx * nr_cpus + cpu]: zoneinfo's pcp count */
	uint64_t pcp_adopted;	 /* pcp pages rebuilt from the trace (ps_snapshot_prefill_pcp) */
	uint64_t pcp_taken_free; /* of those, free in the snapshot (refilled before the trace) */
	/* unknown-at-start blocks compaction moved: pfn at the snapshot <-> pfn now */
	GHashTable *moved_to, *moved_from;
	uint64_t moved_pages; /* base pages of such moves */
} PsSnapshot;

/* Reads the dump and loads it into m (ps_machine_load_state); --proc DIR checks pagetypeinfo. */
PsSnapshot *ps_snapshot_load(PsMachine *m, const char *path, const char *proc_dir, GError **error);
void ps_snapshot_free(PsSnapshot *snap);
/* Restores the snapshot moment's pcp high (proc_dir's zoneinfo); see snapshot.c. */
gboolean ps_snapshot_seed_pcp(PsSnapshot *snap, PsMachine *m, const char *proc_dir, GError **error);
/*
 * Rebuilds the pcp lists of the snapshot moment from the trace: a page the trace allocates on a
 * cpu that neither a recorded refill nor a free put on that cpu's lists was already there. Such
 * pages (unknown-at-start allocations in the snapshot) move onto the list the allocation takes
 * them from, in the order it does, up to zoneinfo's count per cpu and zone.
 */
void ps_snapshot_prefill_pcp(PsSnapshot *snap, PsMachine *m, const char *trace_path);
bool ps_snapshot_owns(const PsSnapshot *snap, const PsMachine *m, ps_pfn_t pfn, unsigned order);
void ps_snapshot_own(PsSnapshot *snap, const PsMachine *m, ps_pfn_t pfn, unsigned order);
void ps_snapshot_disown(PsSnapshot *snap, const PsMachine *m, ps_pfn_t pfn, unsigned order);
cJSON *ps_snapshot_to_json(const PsSnapshot *snap, const PsMachine *m);
void ps_snapshot_format(const PsSnapshot *snap, GString *out);
/*
 * A trace free whose id is unknown but whose pfn and order name pages the snapshot left
 * allocated: reshapes them into one block and frees it on cpu. FALSE when the pages are not
 * (all) unknown-at-start allocations; nothing is changed then.
 */
bool ps_snapshot_free_pages(PsSnapshot *snap, PsMachine *m, const PsTraceEvent *ev, int cpu);
/* Compaction moved an unknown-at-start block (owner PS_OWNER_UNKNOWN_AT_START) from old to new. */
void ps_snapshot_moved(PsSnapshot *snap, PsMachine *m, ps_pfn_t old_pfn, ps_pfn_t new_pfn);

/*
 * Fidelity: the allocator-internal counters the model produced, through PsMmHooks, next to the
 * ones the kernel recorded (observed records, seen in trace order).
 */
typedef struct PsFidelity PsFidelity;
PsFidelity *ps_fidelity_new(PsMachine *m);
void ps_fidelity_free(PsFidelity *f);
/* Every trace record, in trace order (groups observed refills and drains per cpu). */
void ps_fidelity_record(PsFidelity *f, const PsTraceEvent *ev);
bool ps_fidelity_has_observed(const PsFidelity *f);
/* The "fidelity" section: [{counter, simulated, observed, ratio}, ...]. */
cJSON *ps_fidelity_to_json(const PsFidelity *f);

G_END_DECLS

#endif
