/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim.h - the replay: one simulated machine, the event engine, the processes of a trace and the
 * allocations they own, the latency model, sampling, and the run's output directory.
 *
 * sim/ ties the modules together: it reads a trace (trace/), drives the model (policy/, mm/) on
 * the engine's clock (core/), and hands what it observes to report/. It is the only module that
 * knows them all; none of them knows sim/.
 */
#ifndef PS_SIM_H
#define PS_SIM_H

#include <glib.h>
#include <signal.h>

#include "config/config.h"
#include "core/core.h"
#include "policy/policy.h"
#include "trace/trace.h"

G_BEGIN_DECLS

typedef struct PsSim PsSim;

/*
 * Which cpu a task's records run on (pagesim run --placement; replay.c, task_cpu): the recorded
 * one, or the cpu of the task's first record for all of them (a placement model of an idle
 * machine, for portable replays; replay.c's header says what it leaves out).
 */
enum ps_placement {
	PS_PLACEMENT_RECORDED = 0,
	PS_PLACEMENT_STICKY,
};

typedef struct {
	const char *config_path; /* for the summary's digest; may be NULL */
	const char *out_dir;	 /* created if missing */
	uint64_t seed;
	uint64_t until_ns;  /* stop at this simulated time; 0 = run the whole trace */
	uint64_t sample_ns; /* timeline and latency window; 0 = the config's sampling */
	bool check;	    /* run the invariant checker after every event */
	/* Called every few thousand events with the count and simulated time (cli: progress). */
	void (*progress)(void *data, uint64_t events, uint64_t t_ns);
	void *progress_data;
	/*
	 * Wall-clock nanoseconds since the run started, supplied by cli/ (sim/ never reads a
	 * clock). When set, summary.json gets a "wall" section: the only part of the outputs that
	 * differs between two runs of the same inputs.
	 */
	uint64_t (*wall_ns)(void *data);
	void *wall_data;
	/* The trace's "sha256:..." when the caller already has it (sweeps); else computed. */
	const char *trace_digest;
	/*
	 * The trace ps_sim_run will replay, when known before ps_sim_load_snapshot (may be NULL):
	 * a policy run from a snapshot then restores its whole started state from the
	 * started-state cache in trace_cache_dir when an earlier run of the same inputs kept it
	 * (sim/start-cache.c). ps_sim_run refuses another trace.
	 */
	const char *trace_path;
	/*
	 * The binary trace cache's directory (ps_trace_cache_dir_default; NULL: none): the trace
	 * is read from its cache entry when there is a valid one, else parsed and the entry
	 * written. Outputs are the same either way.
	 */
	const char *trace_cache_dir;
	/*
	 * Pinned replay (--mode pinned): the recorded pfns are honoured instead of the model
	 * placing pages (sim/pinned.c); needs ps_sim_load_snapshot. after_kpageflags (may be NULL)
	 * is compared with the final free set.
	 */
	bool pinned;
	const char *after_kpageflags;
	/*
	 * Pinned replay: compare the free set with compare_at_kpageflags (may be NULL), a dump
	 * taken during the recording, at the first record of process compare_at_pid (when > 0:
	 * the process that read the dump) or else at the first record at or after compare_at_ns
	 * (nanoseconds from the trace's first record).
	 */
	const char *compare_at_kpageflags;
	uint64_t compare_at_ns;
	int compare_at_pid;
	/*
	 * Pinned replay: before the comparison with after_kpageflags, the vmstat passes of an idle
	 * machine for settle_ns after the last record (0: none; sim/pinned.c settle_passes).
	 */
	uint64_t settle_ns;
	/*
	 * Pinned replay: settle until the after dump's end derived from the recording (the
	 * in-trace dump's and the after dump's NAME.uptime; sim/pinned.c settle_auto); settle_ns is
	 * then not used.
	 */
	bool settle_auto;
	/*
	 * Set (non-zero) by the caller's signal handler (cli: SIGINT, SIGTERM, SIGHUP): the replay
	 * stops before its next record and ps_sim_run fails with G_IO_ERROR_CANCELLED, its
	 * temporary files removed. May be NULL. Read only, so a run nobody stops is unchanged.
	 */
	const volatile sig_atomic_t *interrupted;
	/* policy replay only: the cpus task records run on (ps_sim_new refuses sticky pinned) */
	enum ps_placement placement;
	/*
	 * Policy replay (--skip-migrated-snapshot): a free with reason migrated of a page the
	 * model holds no allocation for (allocated before the trace started: a snapshot page) is
	 * not replayed either, as the kernel moved that data and did not free it. Off by default:
	 * the later free of the data's new pfn names nothing the model holds, so the page would
	 * stay allocated in the model until its own reclaim takes it (process.c, op_free).
	 */
	bool skip_migrated_snapshot;
	/*
	 * Every fault of a multi-page touch one at a time, none in runs (process.c sim_op_touch):
	 * the same outputs, slower; the side of tests/sim/test-touch-run.c's differential test
	 * that runs the per-page code. The environment's PAGESIM_TOUCH_RUN=off sets it too.
	 */
	bool touch_run_off;
	/*
	 * Every page of an exit freed one at a time, none in runs (process.c sim_op_exit): the
	 * same outputs, slower; the per-page side of tests/sim/test-exit-run.c. The environment's
	 * PAGESIM_EXIT_RUN=off sets it too.
	 */
	bool exit_run_off;
} PsRunOptions;

/* The totals of a run, as summary.json reports them. */
typedef struct {
	uint64_t events;
	uint64_t allocs, alloc_ok, alloc_failed, alloc_invalid;
	uint64_t frees;
	uint64_t pages_allocated; /* base pages of the simulated machine, all successful allocs */
	/* successful allocs per order (summary "allocs_by_order"): what issue 13's portable
	 * replays are held to against the exact import's, order by order */
	uint64_t allocs_by_order[PS_NR_ORDERS_MAX];
	uint64_t pages_freed_trace;
	uint64_t pages_freed_exit;
	uint64_t pages_freed_reclaim;	  /* taken by kswapd, direct reclaim or slab shrinking */
	uint64_t pages_freed_oom;	  /* freed by the OOM reaper */
	uint64_t frees_already_reclaimed; /* trace frees of allocations reclaim had taken */
	/* slab records given in bytes, packed into slab pages of the simulated size (slab.c):
	 * pages allocated and freed, records placed in a page that had room */
	uint64_t slab_pages_allocated, slab_pages_freed, slab_slots_shared;
	/* pages the recording kernel's reclaim freed that the model could reclaim itself: frees
	 * with reason reclaim_kswapd / reclaim_direct of live LRU pages, and, in traces without
	 * reasons, frees of the snapshot's LRU folios on a cpu inside a recorded direct reclaim;
	 * not replayed, the model reclaims its own. _kswapd + _direct = the total */
	uint64_t pages_kernel_reclaim_skipped;
	uint64_t pages_kernel_reclaim_skipped_kswapd, pages_kernel_reclaim_skipped_direct;
	/* replayed frees of a kswapd task met while the model's kswapd was failing, committed
	 * reclaim-active as the kernel's were, inside balance_pgdat (sim_op_free) */
	uint64_t kswapd_frees_reclaim_active;
	/* replayed interrupt frees whose cpu's task held the pcp lock: freed to the buddy
	 * (replay.c, note_pcp_lock) */
	uint64_t interrupt_frees_pcp_locked;
	/* pages of frees with reason migrated (the recording's migration), not replayed */
	uint64_t pages_kernel_migration_skipped;
	/* pages of such frees of snapshot pages, replayed (PsRunOptions.skip_migrated_snapshot) */
	uint64_t pages_kernel_migration_replayed;
	/* base pages the model faulted in for recorded THP faults it could not serve huge */
	uint64_t thp_fallback_pages;
	/* records of allocations that failed in the recording (alloc with failed: true): THP
	 * first tries the fault's next record makes again in the model; attempts the model served
	 * (freed at once: the kernel went on without the memory; a THP fault's folio is kept by
	 * the process, failed_allocs_model_kept of them); attempts that failed in both */
	uint64_t failed_allocs_first_try, failed_allocs_model_ok, failed_allocs_both_failed;
	uint64_t failed_allocs_model_kept;
	uint64_t refaults;	  /* touches of pages reclaim had taken */
	uint64_t direct_reclaims; /* allocations that entered direct reclaim */
	uint64_t oom_kills;
	uint64_t oom_waits;		/* records that waited for an OOM victim's memory */
	uint64_t events_skipped_killed; /* records of OOM-killed tasks, skipped */
	uint64_t pages_live;		/* still allocated at the end */
	uint64_t touch_faults, thp_faults, thp_fallbacks;
	/* sim/khugepaged.c: processes registered, passes, full scans (khugepaged/full_scans),
	 * ranges collapsed (khugepaged/pages_collapsed) and when the first one was */
	uint64_t khugepaged_mms, khugepaged_passes, khugepaged_full_scans;
	uint64_t khugepaged_collapsed, khugepaged_first_collapse_ns;
	uint64_t procs;
	uint64_t delayed_events;
	uint64_t carried_delay_ns; /* sum over events of (start - recorded time) */
	uint64_t lock_wait_ns;	   /* time cpus waited for zone->lock or lru_lock held by another */
	uint64_t lock_waits;	   /* lock acquisitions that waited */
	uint64_t stall_ns;   /* allocations' time in the slow path and waiting for OOM victims */
	uint64_t zeroing_ns; /* clear_highpage / folio_zero_user: part of latency_ns */
	uint64_t
	    allocator_ns; /* page allocator fast path, lock waits and frees: part of latency_ns */
	uint64_t max_delay_ns;
	uint64_t latency_ns; /* modelled kernel time of every event: allocs, faults, frees */
	uint64_t end_ns;
} PsRunTotals;

/* Anomalies of real traces: counted, never fatal. Checklist: names in output.c anomaly_names[]. */
enum ps_anomaly {
	PS_ANOM_FREE_UNKNOWN_ID,
	PS_ANOM_ALLOC_LIVE_ID,
	PS_ANOM_PID_WITHOUT_PROC,
	PS_ANOM_CPU_OUT_OF_RANGE,
	PS_ANOM_UNMAP_UNKNOWN,
	PS_ANOM_SYSCTL_UNKNOWN,
	PS_ANOM_NODE_OUT_OF_RANGE, /* an alloc's node or a mempolicy's node the machine lacks */
	PS_ANOM_SYSCTL_REFUSED,	   /* a sysctl write the kernel refuses with -EINVAL */
	PS_NR_ANOMALIES
};

/* "recorded" or "sticky" (pagesim run --placement): false for another name. */
gboolean ps_placement_parse(const char *name, enum ps_placement *out);
const char *ps_placement_name(enum ps_placement p);

PsSim *ps_sim_new(const PsConfig *cfg, const PsRunOptions *opts, GError **error);
/*
 * Bytes of memory a run of cfg needs before its first record: the machine's per-pfn arrays and
 * the replay's per-pageblock ones (what grows with the machine, not with the trace).
 */
uint64_t ps_sim_state_bytes(const PsConfig *cfg);
void ps_sim_free(PsSim *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsSim, ps_sim_free)

/*
 * Replays the trace ("-" = standard input) and writes every output file into the run directory.
 * FALSE with an error for bad input, I/O failure or (with check) a broken invariant; the
 * simulated outcome never makes it fail.
 */
gboolean ps_sim_run(PsSim *s, const char *trace_path, GError **error);

const PsRunTotals *ps_sim_totals(const PsSim *s);
uint64_t ps_sim_anomaly(const PsSim *s, enum ps_anomaly a);
PsMachine *ps_sim_machine(PsSim *s);

/*
 * Real traces. ps_sim_load_snapshot replaces the boot-time free lists with the free set
 * of a /proc/kpageflags dump (plain or gzip), before ps_sim_run; the other pages become
 * allocations owned by the run ("unknown at start"), freed when the trace frees their pfns.
 * proc_dir (may be NULL) holds the same moment's pagetypeinfo to check pageblock types against.
 * ps_pinned_run is ps_sim_new, ps_sim_load_snapshot and ps_sim_run of a pinned replay (see
 * sim/pinned.c); after_kpageflags (may be NULL) is compared with the final free set.
 */
gboolean ps_sim_load_snapshot(PsSim *s, const char *kpageflags, const char *proc_dir,
			      GError **error);
/*
 * Whether ps_sim_load_snapshot restored the started state from the started-state cache (see
 * trace_path) rather than building it; the outputs are the same either way (for tests).
 */
bool ps_sim_start_restored(const PsSim *s);
gboolean ps_pinned_run(const PsConfig *cfg, const PsRunOptions *opts, const char *trace_path,
		       const char *kpageflags, const char *proc_dir, const char *after_kpageflags,
		       GError **error);

G_END_DECLS

#endif
