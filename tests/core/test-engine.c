// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-engine.c - the event engine: dispatch order (time, then scheduling order), run_until
 * bounds and the clock, stop, dispatch-table names, and the assertion on scheduling in the past.
 */
#include "core/core.h"

#include <stdlib.h>

/* What a handler saw: one record per dispatched event. */
typedef struct {
	ps_time_t time;
	ps_time_t now;
	uint64_t seq;
	uint32_t type;
	uint32_t arg0;
	uint64_t arg1;
} Seen;

typedef struct {
	GArray *seen;	       /* of Seen */
	uint32_t stop_at_arg0; /* call ps_engine_stop when this arg0 is dispatched (0 = never) */
	uint32_t self_type;    /* for handlers that reschedule themselves */
	int reschedule;	       /* how many more times to reschedule */
} Log;

static void record(PsEngine *e, const PsEvent *ev, void *data)
{
	Log *log = data;
	Seen s = {
	    .time = ev->time,
	    .now = ps_engine_now(e),
	    .seq = ev->seq,
	    .type = ev->type,
	    .arg0 = ev->arg0,
	    .arg1 = ev->arg1,
	};

	g_array_append_val(log->seen, s);
	if (log->stop_at_arg0 && ev->arg0 == log->stop_at_arg0)
		ps_engine_stop(e);
}

static Log *log_new(void)
{
	Log *log = g_new0(Log, 1);

	log->seen = g_array_new(FALSE, TRUE, sizeof(Seen));
	return log;
}

static void log_free(Log *log)
{
	g_array_unref(log->seen);
	g_free(log);
}

/* A reference event for the sorted copy. */
typedef struct {
	ps_time_t time;
	uint64_t seq;
	uint32_t arg0;
} Ref;

static int ref_cmp(const void *a, const void *b)
{
	const Ref *x = a;
	const Ref *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

/*
 * Many events at few distinct times (so ties are common), scheduled in a random order, some
 * of them from inside handlers: the dispatch order must equal a stable sort by time of the
 * scheduling order.
 */
static void test_order_random(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	GRand *rand = g_rand_new_with_seed(12345); /* test data only, not the simulator's rng */
	uint32_t type = ps_engine_register(e, "record", record, log);
	const guint n = 20000;
	Ref *ref = g_new(Ref, n);
	guint i;

	for (i = 0; i < n; i++) {
		ps_time_t t = (ps_time_t)g_rand_int_range(rand, 0, 500) * 10;
		uint64_t seq = ps_engine_schedule(e, t, type, i + 1, t ^ 0xabcdef);

		ref[i] = (Ref){.time = t, .seq = seq, .arg0 = i + 1};
	}
	g_assert_cmpuint(ps_engine_pending(e), ==, n);

	qsort(ref, n, sizeof(*ref), ref_cmp);
	g_assert_cmpuint(ps_engine_next_time(e), ==, ref[0].time);
	g_assert_cmpuint(ps_engine_run_until(e, PS_TIME_NEVER), ==, n);
	g_assert_cmpuint(ps_engine_pending(e), ==, 0);
	g_assert_cmpuint(log->seen->len, ==, n);
	for (i = 0; i < n; i++) {
		Seen *s = &g_array_index(log->seen, Seen, i);

		g_assert_cmpuint(s->time, ==, ref[i].time);
		g_assert_cmpuint(s->seq, ==, ref[i].seq);
		g_assert_cmpuint(s->arg0, ==, ref[i].arg0);
		g_assert_cmpuint(s->arg1, ==, s->time ^ 0xabcdef);
		g_assert_cmpuint(s->type, ==, type);
		/* The handler sees the clock at its event's time. */
		g_assert_cmpuint(s->now, ==, s->time);
	}
	/* Draining with PS_TIME_NEVER leaves the clock at the last event. */
	g_assert_cmpuint(ps_engine_now(e), ==, ref[n - 1].time);
	g_assert_cmpuint(ps_engine_next_time(e), ==, PS_TIME_NEVER);
	g_assert_false(ps_engine_step(e));

	g_free(ref);
	g_rand_free(rand);
	log_free(log);
}

/* Sequence numbers are consecutive from 0 and ties at one time dispatch FIFO. */
static void test_order_ties(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	uint32_t type = ps_engine_register(e, "record", record, log);
	guint i;

	for (i = 0; i < 100; i++)
		g_assert_cmpuint(ps_engine_schedule(e, 7, type, 100 - i, 0), ==, i);
	while (ps_engine_step(e))
		;
	for (i = 0; i < 100; i++)
		g_assert_cmpuint(g_array_index(log->seen, Seen, i).arg0, ==, 100 - i);
	log_free(log);
}

/* A handler that schedules a follow-up at now + arg1 (possibly at the same time). */
static void chain(PsEngine *e, const PsEvent *ev, void *data)
{
	Log *log = data;

	record(e, ev, data);
	if (log->reschedule-- > 0)
		ps_engine_schedule(e, ps_engine_now(e) + ev->arg1, log->self_type, ev->arg0 + 1,
				   ev->arg1);
}

/* Events scheduled from handlers, including at the current time, are dispatched in order. */
static void test_schedule_from_handler(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	uint32_t type = ps_engine_register(e, "chain", chain, log);
	uint32_t other = ps_engine_register(e, "record", record, log);

	log->self_type = type;
	log->reschedule = 3;
	ps_engine_schedule(e, 100, type, 1, 0);	  /* chain at 100, 100, 100, 100 */
	ps_engine_schedule(e, 100, other, 50, 0); /* scheduled before the follow-ups */
	ps_engine_run_until(e, 1000);
	g_assert_cmpuint(log->seen->len, ==, 5);
	g_assert_cmpuint(g_array_index(log->seen, Seen, 0).arg0, ==, 1);
	g_assert_cmpuint(g_array_index(log->seen, Seen, 1).arg0, ==, 50);
	g_assert_cmpuint(g_array_index(log->seen, Seen, 2).arg0, ==, 2);
	g_assert_cmpuint(g_array_index(log->seen, Seen, 3).arg0, ==, 3);
	g_assert_cmpuint(g_array_index(log->seen, Seen, 4).arg0, ==, 4);
	g_assert_cmpuint(ps_engine_now(e), ==, 1000);
	log_free(log);
}

static void test_run_until(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	uint32_t type = ps_engine_register(e, "record", record, log);

	g_assert_cmpuint(ps_engine_now(e), ==, 0);
	g_assert_cmpuint(ps_engine_next_time(e), ==, PS_TIME_NEVER);
	ps_engine_schedule(e, 10, type, 1, 0);
	ps_engine_schedule(e, 20, type, 2, 0);
	ps_engine_schedule(e, 20, type, 3, 0);
	ps_engine_schedule(e, 30, type, 4, 0);

	/* Before the first event: nothing runs, the clock advances to the bound. */
	g_assert_cmpuint(ps_engine_run_until(e, 9), ==, 0);
	g_assert_cmpuint(ps_engine_now(e), ==, 9);
	/* The bound is inclusive: both events at 20 run. */
	g_assert_cmpuint(ps_engine_run_until(e, 20), ==, 3);
	g_assert_cmpuint(ps_engine_now(e), ==, 20);
	g_assert_cmpuint(ps_engine_next_time(e), ==, 30);
	g_assert_cmpuint(ps_engine_pending(e), ==, 1);
	/* A bound in the past does nothing and the clock stays. */
	g_assert_cmpuint(ps_engine_run_until(e, 5), ==, 0);
	g_assert_cmpuint(ps_engine_now(e), ==, 20);
	/* Between events. */
	g_assert_cmpuint(ps_engine_run_until(e, 29), ==, 0);
	g_assert_cmpuint(ps_engine_now(e), ==, 29);
	/* Past the last event: the clock ends at the bound, not at the event. */
	g_assert_cmpuint(ps_engine_run_until(e, 1000), ==, 1);
	g_assert_cmpuint(ps_engine_now(e), ==, 1000);
	g_assert_cmpuint(ps_engine_pending(e), ==, 0);
	/* Scheduling exactly at now is allowed. */
	ps_engine_schedule(e, 1000, type, 5, 0);
	g_assert_cmpuint(ps_engine_run_until(e, 1000), ==, 1);
	g_assert_cmpuint(log->seen->len, ==, 5);
	log_free(log);
}

static void test_stop(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	uint32_t type = ps_engine_register(e, "record", record, log);
	uint32_t i;

	for (i = 1; i <= 10; i++)
		ps_engine_schedule(e, i * 100, type, i, 0);
	log->stop_at_arg0 = 4;
	/* Returns right after the event that asked to stop; the clock stays at that event. */
	g_assert_cmpuint(ps_engine_run_until(e, 10000), ==, 4);
	g_assert_cmpuint(ps_engine_now(e), ==, 400);
	g_assert_cmpuint(ps_engine_pending(e), ==, 6);
	/* The stop request does not outlive the run it stopped. */
	log->stop_at_arg0 = 0;
	g_assert_cmpuint(ps_engine_run_until(e, 10000), ==, 6);
	g_assert_cmpuint(ps_engine_now(e), ==, 10000);
	log_free(log);
}

/* Two handlers of the same log, types *a and *b. */
static void register_two(PsEngine *e, Log *log, const char *na, const char *nb, uint32_t *a,
			 uint32_t *b)
{
	*a = ps_engine_register(e, na, record, log);
	*b = ps_engine_register(e, nb, record, log);
}

static void test_names(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	uint32_t a, b;

	register_two(e, log, "kswapd", "trace", &a, &b);
	g_assert_cmpuint(a, ==, 0);
	g_assert_cmpuint(b, ==, 1);
	g_assert_cmpstr(ps_engine_type_name(e, a), ==, "kswapd");
	g_assert_cmpstr(ps_engine_type_name(e, b), ==, "trace");
	g_assert_null(ps_engine_type_name(e, 2));
	log_free(log);
}

/* Growth of the heap far past its initial capacity keeps every event. */
static void test_many_pending(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	uint32_t type = ps_engine_register(e, "record", record, log);
	uint32_t i;

	for (i = 0; i < 100000; i++)
		ps_engine_schedule(e, 100000 - i, type, i, 0);
	g_assert_cmpuint(ps_engine_pending(e), ==, 100000);
	g_assert_cmpuint(ps_engine_next_time(e), ==, 1);
	g_assert_cmpuint(ps_engine_run_until(e, PS_TIME_NEVER), ==, 100000);
	for (i = 0; i < 100000; i++)
		g_assert_cmpuint(g_array_index(log->seen, Seen, i).time, ==, i + 1);
	log_free(log);
}

static void test_past_asserts(void)
{
	if (g_test_subprocess()) {
		g_autoptr(PsEngine) e = ps_engine_new();
		Log *log = log_new();
		uint32_t type = ps_engine_register(e, "record", record, log);

		ps_engine_run_until(e, 500);
		ps_engine_schedule(e, 499, type, 1, 0); /* must abort */
		log_free(log);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr("*assertion failed*at >= e->h.now*");
}

/* The control case for the trap above: scheduling at the present does not abort. */
static void test_present_ok(void)
{
	if (g_test_subprocess()) {
		g_autoptr(PsEngine) e = ps_engine_new();
		Log *log = log_new();
		uint32_t type = ps_engine_register(e, "record", record, log);

		ps_engine_run_until(e, 500);
		ps_engine_schedule(e, 500, type, 1, 0);
		log_free(log);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

/*
 * A reserved sequence number keeps its place among ties: an event scheduled with it later
 * dispatches after the events scheduled before the reservation and before those scheduled
 * after it, at the same time.
 */
static void test_reserved_seq(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	uint32_t type = ps_engine_register(e, "record", record, log);
	uint64_t seq;

	ps_engine_schedule(e, 5, type, 1, 0);
	seq = ps_engine_reserve_seq(e);
	ps_engine_schedule(e, 5, type, 3, 0);
	ps_engine_schedule(e, 4, type, 0, 0);
	ps_engine_schedule_seq(e, 5, seq, type, 2, 0);
	g_assert_cmpuint(ps_engine_run_until(e, PS_TIME_NEVER), ==, 4);
	for (guint i = 0; i < 4; i++)
		g_assert_cmpuint(g_array_index(log->seen, Seen, i).arg0, ==, i);
	log_free(log);
}

/*
 * ps_engine_take_before hands out what ps_engine_step would dispatch next, and only that: an
 * event of the type asked for, before (time, seq), due by `until`; the clock moves to it.
 */
static void test_take_before(void)
{
	g_autoptr(PsEngine) e = ps_engine_new();
	Log *log = log_new();
	uint32_t a, b;
	uint64_t seq;
	PsEvent ev;

	register_two(e, log, "a", "b", &a, &b);
	ps_engine_schedule(e, 10, a, 1, 0);
	ps_engine_schedule(e, 20, b, 2, 0);
	ps_engine_schedule(e, 30, a, 3, 0);
	seq = ps_engine_reserve_seq(e);
	ps_engine_schedule(e, 30, a, 4, 0);
	/* before (30, seq): 10/a, 20/b, 30/a (1, 2, 3); not 30/a scheduled after the reservation */
	g_assert_true(ps_engine_next_before(e, 30, seq));
	g_assert_false(ps_engine_take_before(e, a, 30, seq, 9, &ev)); /* not due by until */
	g_assert_false(
	    ps_engine_take_before(e, b, 30, seq, 100, &ev));	      /* not the next one's type */
	g_assert_false(ps_engine_take_before(e, a, 10, 0, 100, &ev)); /* (10, 0) comes first */
	g_assert_cmpuint(ps_engine_now(e), ==, 0);
	g_assert_true(ps_engine_take_before(e, a, 30, seq, 100, &ev));
	g_assert_cmpuint(ev.arg0, ==, 1);
	g_assert_cmpuint(ps_engine_now(e), ==, 10);
	g_assert_false(ps_engine_take_before(e, a, 30, seq, 100, &ev));
	g_assert_true(ps_engine_step(e)); /* 20/b */
	g_assert_true(ps_engine_take_before(e, a, 30, seq, 100, &ev));
	g_assert_cmpuint(ev.arg0, ==, 3);
	g_assert_cmpuint(ps_engine_now(e), ==, 30);
	g_assert_false(ps_engine_next_before(e, 30, seq));
	g_assert_false(ps_engine_take_before(e, a, 30, seq, 100, &ev));
	g_assert_cmpuint(ps_engine_pending(e), ==, 1);
	g_assert_cmpuint(log->seen->len, ==, 1); /* taken events are not dispatched */
	log_free(log);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/engine/order-random", test_order_random);
	g_test_add_func("/core/engine/order-ties-fifo", test_order_ties);
	g_test_add_func("/core/engine/reserved-seq", test_reserved_seq);
	g_test_add_func("/core/engine/take-before", test_take_before);
	g_test_add_func("/core/engine/schedule-from-handler", test_schedule_from_handler);
	g_test_add_func("/core/engine/run-until", test_run_until);
	g_test_add_func("/core/engine/stop", test_stop);
	g_test_add_func("/core/engine/names", test_names);
	g_test_add_func("/core/engine/many-pending", test_many_pending);
	g_test_add_func("/core/engine/past-asserts", test_past_asserts);
	g_test_add_func("/core/engine/present-ok", test_present_ok);
	return g_test_run();
}
