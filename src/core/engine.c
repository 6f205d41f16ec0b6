// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine.c - the discrete-event engine: clock, future-event queue and dispatch.
 *
 * Models nothing of the kernel by itself; it is the loop every other part of the simulator runs
 * in. The queue is a binary min-heap of PsEvent held by value in one growable array, ordered by
 * (time, seq). seq is a per-engine counter taken at scheduling time, so the order is total and
 * two events at the same nanosecond are dispatched in the order they were scheduled - which is
 * what makes a run reproducible without relying on heap internals.
 *
 * Why a plain binary heap: pushes and pops are O(log n) with no per-event allocation, and the
 * queue rarely holds more than a few events per cpu plus the daemons' timers. A calendar queue
 * or a pairing heap would win only for queues orders of magnitude larger; it is not worth the
 * extra code until a benchmark says otherwise.
 *
 * The engine owns the clock: it moves only when an event is dispatched or when
 * ps_engine_run_until reaches its bound, and it never moves backwards (asserted on every
 * schedule and every dispatch).
 */
#include "core/core.h"

#include <string.h>

#include "util/util.h"

/* One entry of the dispatch table. */
typedef struct {
	char *name;
	PsEventHandler fn;
	void *data;
} PsHandler;

struct PsEngine {
	PsEngineHead h;	  /* heap, nr, now, seq: first, as core.h's inline readers take it */
	size_t cap;	  /* slots allocated in heap */
	GArray *handlers; /* of PsHandler, indexed by event type */
	bool stop;	  /* set by ps_engine_stop, cleared when a run starts */
};

static void ps_heap_sift_up(PsEvent *heap, size_t i)
{
	PsEvent ev = heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!ps_event_before(&ev, &heap[parent]))
			break;
		heap[i] = heap[parent];
		i = parent;
	}
	heap[i] = ev;
}

static void ps_heap_sift_down(PsEvent *heap, size_t nr, size_t i)
{
	PsEvent ev = heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= nr)
			break;
		if (child + 1 < nr && ps_event_before(&heap[child + 1], &heap[child]))
			child++;
		if (!ps_event_before(&heap[child], &ev))
			break;
		heap[i] = heap[child];
		i = child;
	}
	heap[i] = ev;
}

static void ps_handler_clear(gpointer p)
{
	PsHandler *h = p;

	g_free(h->name);
}

PsEngine *ps_engine_new(void)
{
	PsEngine *e = g_new0(PsEngine, 1);

	e->cap = 64;
	e->h.heap = g_new(PsEvent, e->cap);
	e->handlers = g_array_new(FALSE, TRUE, sizeof(PsHandler));
	g_array_set_clear_func(e->handlers, ps_handler_clear);
	return e;
}

void ps_engine_free(PsEngine *e)
{
	if (!e)
		return;
	g_array_unref(e->handlers);
	g_free(e->h.heap);
	g_free(e);
}

uint32_t ps_engine_register(PsEngine *e, const char *name, PsEventHandler fn, void *data)
{
	PsHandler h = {
	    .name = g_strdup(name ? name : ""),
	    .fn = fn,
	    .data = data,
	};

	g_assert(fn != NULL);
	g_assert(e->handlers->len < UINT32_MAX);
	g_array_append_val(e->handlers, h);
	return e->handlers->len - 1;
}

const char *ps_engine_type_name(const PsEngine *e, uint32_t type)
{
	if (type >= e->handlers->len)
		return NULL;
	return g_array_index(e->handlers, PsHandler, type).name;
}

/* Queues an event with a sequence number already taken. */
static void push(PsEngine *e, ps_time_t at, uint64_t seq, uint32_t type, uint32_t arg0,
		 uint64_t arg1)
{
	PsEvent *ev;

	/* Scheduling in the past would make the clock run backwards at dispatch. */
	g_assert_cmpuint(at, >=, e->h.now);
	/* PS_TIME_NEVER means "no event" to ps_engine_next_time; it cannot be a real time. */
	g_assert_cmpuint(at, !=, PS_TIME_NEVER);
	g_assert_cmpuint(type, <, e->handlers->len);

	if (e->h.nr == e->cap) {
		e->cap *= 2;
		e->h.heap = g_renew(PsEvent, e->h.heap, e->cap);
	}
	ev = &e->h.heap[e->h.nr];
	ev->time = at;
	ev->seq = seq;
	ev->type = type;
	ev->arg0 = arg0;
	ev->arg1 = arg1;
	ps_heap_sift_up(e->h.heap, e->h.nr);
	e->h.nr++;
}

uint64_t ps_engine_schedule(PsEngine *e, ps_time_t at, uint32_t type, uint32_t arg0, uint64_t arg1)
{
	uint64_t seq = e->h.seq++;

	push(e, at, seq, type, arg0, arg1);
	return seq;
}

void ps_engine_schedule_seq(PsEngine *e, ps_time_t at, uint64_t seq, uint32_t type, uint32_t arg0,
			    uint64_t arg1)
{
	g_assert_cmpuint(seq, <, e->h.seq); /* taken with ps_engine_reserve_seq */
	push(e, at, seq, type, arg0, arg1);
}

void ps_engine_state(PsEngine *e, PsStateTable *t)
{
	uint64_t nr = ps_state_count(t, "engine.nr", e->h.nr);

	if (ps_state_loading(t) && nr > e->cap) {
		e->cap = nr;
		e->h.heap = g_renew(PsEvent, e->h.heap, e->cap);
	}
	e->h.nr = nr;
	ps_state_array(t, "engine.heap", e->h.heap, sizeof(PsEvent) * nr);
	ps_state_array(t, "engine.now", &e->h.now, sizeof(e->h.now));
	ps_state_array(t, "engine.seq", &e->h.seq, sizeof(e->h.seq));
}

size_t ps_engine_pending(const PsEngine *e)
{
	return e->h.nr;
}

size_t ps_engine_pending_type(const PsEngine *e, uint32_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < e->h.nr; i++)
		n += e->h.heap[i].type == type;
	return n;
}

/* The next event off the heap; the clock moves to it. */
void ps_engine_pop_next(PsEngine *e, PsEvent *out)
{
	*out = e->h.heap[0];
	e->h.nr--;
	if (e->h.nr) {
		e->h.heap[0] = e->h.heap[e->h.nr];
		ps_heap_sift_down(e->h.heap, e->h.nr, 0);
	}
	g_assert_cmpuint(out->time, >=, e->h.now);
	e->h.now = out->time;
}

bool ps_engine_step(PsEngine *e)
{
	PsEvent ev;
	const PsHandler *h;

	if (e->h.nr == 0)
		return false;

	/* Copy out before dispatch: the handler may schedule and so reallocate the heap. */
	ps_engine_pop_next(e, &ev);

	h = &g_array_index(e->handlers, PsHandler, ev.type);
	h->fn(e, &ev, h->data);
	return true;
}

uint64_t ps_engine_run_until(PsEngine *e, ps_time_t until)
{
	uint64_t dispatched = 0;

	e->stop = false;
	while (!e->stop && e->h.nr && e->h.heap[0].time <= until) {
		ps_engine_step(e);
		dispatched++;
	}

	/*
	 * The bound was reached when nothing at or before it is left to dispatch. A stopped run
	 * has not reached it and keeps the time of its last event. PS_TIME_NEVER means "drain the
	 * queue", not "advance to the end of time", which would forbid scheduling afterwards.
	 */
	if (!e->stop && until != PS_TIME_NEVER && until > e->h.now)
		e->h.now = until;
	e->stop = false;
	return dispatched;
}

void ps_engine_stop(PsEngine *e)
{
	e->stop = true;
}
