/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-private.h - what the workload generators (trace/gen_*.c) share: parameter parsing and the
 * emitter that turns a generator's per-lane view of time into one time-ordered trace.
 *
 * A generator thinks like a scheduler: each lane of activity (a job slot, a reader) has its own
 * clock, and the generator repeatedly takes the lane that is furthest behind and lets it run one
 * step (a few events at and after that lane's clock). Steps of different lanes overlap in time,
 * so the emitter keeps the events it is handed in a small heap ordered by (time, emission
 * sequence) and writes an event only once no lane can produce an earlier one any more (its time
 * is at or below every lane clock).
 * Rejected: asking each generator to produce globally sorted output itself (every generator
 * would need its own event queue) and sorting the whole trace at the end (memory grows with the
 * trace length; a 60 s kbuild trace is millions of events).
 */
#ifndef PS_TRACE_GEN_PRIVATE_H
#define PS_TRACE_GEN_PRIVATE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "mm/mm.h"
#include "trace/trace.h"

G_BEGIN_DECLS

#define PS_GEN_PAGE_SIZE  4096u		/* page size generated traces are written for */
#define PS_GEN_PMD_SIZE	  (2ull << 20)	/* a PMD range at 4 KiB pages: the THP and step size */
#define PS_GEN_FOLIO_MAX  (64ull << 10) /* largest page cache folio the generators emit */
#define PS_GEN_NS_PER_S	  1000000000ull
#define PS_GEN_PID_KERNEL 0 /* owner of memory no process owns (see gen.c) */

/* GFP masks the generators use, named after the kernel call sites they copy. */
#define PS_GEN_GFP_ANON	     (PS_GFP_HIGHUSER_MOVABLE | PS_GFP_ZERO) /* do_anonymous_page */
#define PS_GEN_GFP_READAHEAD (PS_GFP_HIGHUSER_MOVABLE | PS_GFP_NORETRY | PS_GFP_NOWARN)
#define PS_GEN_GFP_WRITE     (PS_GFP_HIGHUSER_MOVABLE | PS_GFP_WRITE) /* write_begin */

/* ---- parameters ------------------------------------------------------------------------------ */

/*
 * Every key of params must be in known (NULL-terminated); otherwise an error naming the key and
 * the keys the generator knows.
 */
gboolean ps_gen_params_check(GHashTable *params, const char *const *known, GError **error);
/* "512M", "1G", "64", "4k", "2MiB": bytes with binary K/M/G/T suffixes. */
gboolean ps_gen_parse_size(const char *s, uint64_t *bytes);
/* params[key] as a size in [min, max], or def when absent. */
gboolean ps_gen_param_size(GHashTable *params, const char *key, uint64_t def, uint64_t min,
			   uint64_t max, uint64_t *out, GError **error);
/* params[key] as an integer in [min, max], or def when absent. */
gboolean ps_gen_param_uint(GHashTable *params, const char *key, uint64_t def, uint64_t min,
			   uint64_t max, uint64_t *out, GError **error);

/* ---- emitter --------------------------------------------------------------------------------- */

/*
 * One generator run's output. Time is kept per lane: a lane is a thread of activity with its own
 * clock (a make -j job slot, one reader stream) running on a cpu of the recording (lane_cpu,
 * lane i on cpu i % nr_cpus unless the generator says otherwise). The generator moves the lane
 * clocks forward; the emitter stamps every event with the clock of its lane, hands out
 * ids and pids (never reused), and writes events in (time, emission order). Events later than
 * end_ns are dropped, so a run ends as an exact time prefix of the unbounded workload, and a
 * time prefix of a valid trace is valid. The first write error is kept in error and every later
 * call becomes a no-op; ps_gen_emitter_finish reports it.
 */
typedef struct {
	PsTraceWriter *w;
	uint64_t end_ns; /* --seconds: nothing at a later time is written */
	int nr_cpus;	 /* cpus of the recording: the header's cpus */
	int nr_lanes;
	uint64_t *lane_ns;   /* per lane: time of that lane's next event, ns */
	int *lane_cpu;	     /* per lane: the cpu its events carry */
	uint64_t next_id;    /* next allocation id */
	int next_pid;	     /* next pid handed out by ps_gen_proc */
	uint64_t seq;	     /* emission sequence, breaks ties in time */
	GArray *pending;     /* binary heap of events not yet written, by (t_ns, seq) */
	uint64_t written_ns; /* time of the last event written */
	GError *error;
} PsGenEmitter;

PsGenEmitter *ps_gen_emitter_new(const char *gen_name, const char *out_path, int nr_cpus,
				 int nr_lanes, double seconds, GError **error);
/* Writes what is left (up to end_ns) and closes the trace; frees e. */
gboolean ps_gen_emitter_finish(PsGenEmitter *e, GError **error);
/* Removes the partial output and frees e. */
void ps_gen_emitter_abort(PsGenEmitter *e);

/*
 * The lane whose clock is furthest behind (lowest index on ties), after writing every event that
 * no lane can precede any more. -1 once every lane clock has passed end_ns or after an error:
 * the generator's loop ends there.
 */
int ps_gen_next_lane(PsGenEmitter *e);
static inline void ps_gen_advance(PsGenEmitter *e, int lane, uint64_t ns)
{
	e->lane_ns[lane] += ns;
}
/* Parks a lane for good: it is never chosen again and holds back no output. */
static inline void ps_gen_park(PsGenEmitter *e, int lane)
{
	e->lane_ns[lane] = UINT64_MAX;
}

/*
 * Event helpers: each stamps its event with lane_ns[lane] and lane_cpu[lane]. The _at form takes
 * an explicit time at or after lane_ns[lane] (a free scheduled for later).
 */
uint64_t ps_gen_alloc(PsGenEmitter *e, int lane, int pid, int order, uint64_t bytes, uint64_t gfp,
		      enum ps_alloc_kind kind);
void ps_gen_free(PsGenEmitter *e, int lane, uint64_t id);
void ps_gen_free_at(PsGenEmitter *e, uint64_t t_ns, int lane, uint64_t id);
int ps_gen_proc(PsGenEmitter *e, int lane, const char *comm, int oom_score_adj);
void ps_gen_exit(PsGenEmitter *e, int lane, int pid);
void ps_gen_map(PsGenEmitter *e, int lane, int pid, uint64_t addr, uint64_t len, bool thp);
void ps_gen_touch(PsGenEmitter *e, int lane, int pid, uint64_t addr, uint64_t len);
void ps_gen_unmap(PsGenEmitter *e, int lane, int pid, uint64_t addr, uint64_t len);

/*
 * Reads or writes [off, off + len) of a file into the page cache: one folio a 64 KiB-aligned
 * chunk of the file, `bytes` = the chunk's data rounded up to 4 KiB, kind file, no owner (page
 * cache outlives the process that read it: pid 0, and reclaim, not the trace, frees it). Why 64 KiB
 * chunks: 6.18 readahead and write_begin allocate large folios on ext4, xfs and btrfs, and a
 * 64K-page machine holds such a chunk in exactly one page; a 4K machine rounds a partial tail
 * chunk up to a power of two (a 20 KiB file becomes one order-3 folio where the kernel might use
 * order 2 + order 0), which overstates small-file cache by less than 2x. Returns the number of
 * folios emitted.
 */
unsigned ps_gen_pagecache(PsGenEmitter *e, int lane, uint64_t off, uint64_t len, uint64_t gfp);

/*
 * One simulated task. Its page tables are not in the trace: the simulator makes them for the
 * pages the task's touches fault in, at the simulated page size (sim/process.c), as it does for
 * an imported portable recording.
 */
typedef struct {
	int pid;
	int lane;
} PsGenTask;

/* Announces a new process (proc) on lane. */
PsGenTask *ps_gen_task_new(PsGenEmitter *e, int lane, const char *comm, int oom_score_adj);
/* Touches [addr, addr + len). */
void ps_gen_task_touch(PsGenEmitter *e, PsGenTask *t, uint64_t addr, uint64_t len);
/* exit, and frees t. */
void ps_gen_task_exit(PsGenEmitter *e, PsGenTask *t);
/* Frees t without an exit event (the process outlives the trace). */
void ps_gen_task_free(PsGenTask *t);

/* A value uniform in [lo, hi] (lo <= hi). */
static inline uint64_t ps_gen_uniform(PsRng *r, uint64_t lo, uint64_t hi)
{
	return lo + ps_rng_below(r, hi - lo + 1);
}
/* A log-uniform value in [lo, hi] (0 < lo <= hi): many small, a few large, like file sizes. */
uint64_t ps_gen_log_uniform(PsRng *r, uint64_t lo, uint64_t hi);

/* ---- the generators ------------------------------------------------------------------------- */

extern const PsGenerator ps_gen_kbuild;
extern const PsGenerator ps_gen_pagecache_stream;
extern const PsGenerator ps_gen_thp_fault;
extern const PsGenerator ps_gen_fragmenter;
extern const PsGenerator ps_gen_mallocbench;
extern const PsGenerator ps_gen_oom_hog;
extern const PsGenerator ps_gen_numa_imbalance;

G_END_DECLS

#endif
