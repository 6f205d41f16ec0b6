/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core.h - the discrete-event engine: integer nanosecond clock, one binary heap of future events
 * ordered by (time, insertion sequence), a dispatch table, and a seeded random generator with
 * named streams.
 *
 * The queue only orders events; the engine owns the clock and the loop (ns-3 style). Time never
 * goes backwards: scheduling in the past is an assertion failure.
 */
#ifndef PS_CORE_H
#define PS_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef uint64_t ps_time_t; /* simulated nanoseconds */
#define PS_TIME_NEVER UINT64_MAX
/*
 * The latest time an input may name (about 292 years): half the clock's range, so that such a time
 * plus any modelled delay or sampling interval still lies below PS_TIME_NEVER.
 */
#define PS_TIME_MAX ((ps_time_t)INT64_MAX)

/* One future event. `type` indexes the engine's dispatch table; arg0/arg1 are the payload. */
typedef struct {
	ps_time_t time;
	uint64_t seq; /* insertion sequence: ties in time are dispatched in insertion order */
	uint32_t type;
	uint32_t arg0;
	uint64_t arg1;
} PsEvent;

typedef struct PsEngine PsEngine;
typedef void (*PsEventHandler)(PsEngine *engine, const PsEvent *ev, void *data);

PsEngine *ps_engine_new(void);
void ps_engine_free(PsEngine *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsEngine, ps_engine_free)

/* Registers a handler; returns the event type id to schedule with. */
uint32_t ps_engine_register(PsEngine *e, const char *name, PsEventHandler fn, void *data);
const char *ps_engine_type_name(const PsEngine *e, uint32_t type);

/* Schedules an event at absolute time `at` (>= now, asserted). Returns its sequence number. */
uint64_t ps_engine_schedule(PsEngine *e, ps_time_t at, uint32_t type, uint32_t arg0, uint64_t arg1);

/*
 * The start of every PsEngine, public so that the clock and the next event's time read inline:
 * a replay asks for them several times a record (~50 instructions a record as calls).
 */
typedef struct {
	PsEvent *heap; /* heap[0] is the next event; children of i are 2i+1 and 2i+2 */
	size_t nr;     /* events queued */
	ps_time_t now; /* simulated nanoseconds; never decreases */
	uint64_t seq;  /* sequence number the next scheduled event gets */
} PsEngineHead;

/* Strict (time, seq) order: a total order, since seq is unique within an engine. */
static inline bool ps_event_before(const PsEvent *a, const PsEvent *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	return a->seq < b->seq;
}

static inline ps_time_t ps_engine_now(const PsEngine *e)
{
	return ((const PsEngineHead *)(const void *)e)->now;
}

size_t ps_engine_pending(const PsEngine *e);
/* Queued events of one type (a walk over the queue: for checks, not the hot path). */
size_t ps_engine_pending_type(const PsEngine *e, uint32_t type);
/*
 * The queue, clock and sequence as a table of saved arrays (util/state.c): the handlers stay
 * (registered in the same order, the event types are the same numbers).
 */
typedef struct PsStateTable PsStateTable; /* util/util.h */
void ps_engine_state(PsEngine *e, PsStateTable *t);
/* Time of the next event, or PS_TIME_NEVER. */
static inline ps_time_t ps_engine_next_time(const PsEngine *e)
{
	const PsEngineHead *h = (const PsEngineHead *)(const void *)e;

	return h->nr ? h->heap[0].time : PS_TIME_NEVER;
}

/*
 * Moves the clock forward to `to` without dispatching anything, for a caller that runs work of
 * its own between events. Asserted: `to` is not before now and no queued event is due before it.
 */
static inline void ps_engine_advance(PsEngine *e, ps_time_t to)
{
	PsEngineHead *h = (PsEngineHead *)(void *)e;

	g_assert_cmpuint(to, >=, h->now);
	g_assert_true(h->nr == 0 || h->heap[0].time >= to);
	h->now = to;
}

/*
 * For a handler that runs some of what the queue holds itself (the replay's read loop): a
 * sequence number taken now, as ps_engine_schedule would give the event it stands for, so that
 * the event keeps its place among ties when it is scheduled later (ps_engine_schedule_seq) or,
 * when nothing comes before it, runs at once; whether the next event comes before an event at
 * (time, seq); and that event taken off the queue, the clock moved to it, when it is of `type`,
 * comes before (time, seq) and is due at or before `until` (what ps_engine_step would dispatch
 * next), false and nothing moved otherwise.
 */
void ps_engine_schedule_seq(PsEngine *e, ps_time_t at, uint64_t seq, uint32_t type, uint32_t arg0,
			    uint64_t arg1);
/* The next event taken off the queue, the clock moved to it; the queue must not be empty. */
void ps_engine_pop_next(PsEngine *e, PsEvent *out);

/* Inline, as the replay's read loop runs them for every record that waits for its cpu. */
static inline uint64_t ps_engine_reserve_seq(PsEngine *e)
{
	return ((PsEngineHead *)(void *)e)->seq++;
}

static inline bool ps_engine_next_before(const PsEngine *e, ps_time_t time, uint64_t seq)
{
	const PsEngineHead *h = (const PsEngineHead *)(const void *)e;
	const PsEvent key = {.time = time, .seq = seq};

	return h->nr && ps_event_before(&h->heap[0], &key);
}

static inline bool ps_engine_take_before(PsEngine *e, uint32_t type, ps_time_t time, uint64_t seq,
					 ps_time_t until, PsEvent *out)
{
	const PsEngineHead *h = (const PsEngineHead *)(const void *)e;

	if (!ps_engine_next_before(e, time, seq) || h->heap[0].type != type ||
	    h->heap[0].time > until)
		return false;
	ps_engine_pop_next(e, out);
	return true;
}

/* Dispatches one event; returns false if the queue is empty. */
bool ps_engine_step(PsEngine *e);
/* Dispatches events while the next one is at or before `until`; the clock ends at `until` if it
 * was reached (never moves backwards). Returns the number of events dispatched. */
uint64_t ps_engine_run_until(PsEngine *e, ps_time_t until);
/* Asks a running loop to return after the current event. */
void ps_engine_stop(PsEngine *e);

/* ---- random numbers ------------------------------------------------------------------------ */

/*
 * xoshiro256** seeded through splitmix64. A named stream's state derives from (seed, name) only,
 * so adding draws in one stream never shifts another. No wall clock, no global state.
 */
typedef struct {
	uint64_t s[4];
} PsRng;

void ps_rng_init(PsRng *r, uint64_t seed, const char *stream_name);
uint64_t ps_rng_next(PsRng *r);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint64_t ps_rng_below(PsRng *r, uint64_t bound);
/* Uniform double in [0, 1). For workload generation only, never in the model's decisions. */
double ps_rng_double(PsRng *r);

G_END_DECLS

#endif
