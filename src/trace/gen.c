// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen.c - the generator registry and what the generators share: parameters, the time-ordering
 * emitter, page cache folios and tasks (page tables are the simulator's, not the trace's).
 *
 * Generators model no single kernel file; they imitate what user space and the kernel's own
 * call sites (fork, exec, page faults, readahead, write_begin, slab growth) ask of the page
 * allocator. Every number a generator uses is explained where it is defined. All randomness
 * comes from named PsRng streams of the run seed, so one (seconds, seed, params) gives the same
 * bytes everywhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace/gen-private.h"

/* Checklist: a new generator is listed here and in tests/trace/test-gen.c gens[]. */
const PsGenerator *const ps_generators[] = {
    &ps_gen_kbuild,	 &ps_gen_pagecache_stream, &ps_gen_thp_fault,	   &ps_gen_fragmenter,
    &ps_gen_mallocbench, &ps_gen_oom_hog,	   &ps_gen_numa_imbalance,
};
const size_t ps_nr_generators = G_N_ELEMENTS(ps_generators);

const PsGenerator *ps_generator_find(const char *name)
{
	for (size_t i = 0; i < ps_nr_generators; i++)
		if (!strcmp(ps_generators[i]->name, name))
			return ps_generators[i];
	return NULL;
}

/* ---- parameters ------------------------------------------------------------------------------ */

/* qsort over an array of strings: the elements are pointers to the strings. */
static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

gboolean ps_gen_params_check(GHashTable *params, const char *const *known, GError **error)
{
	g_autofree gpointer *keys = NULL;
	guint n = 0;

	if (!params)
		return TRUE;
	keys = g_hash_table_get_keys_as_array(params, &n);
	/* Sorted so that with several unknown keys the same one is named every time. */
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (guint i = 0; i < n; i++) {
		const char *key = keys[i];
		gboolean ok = FALSE;
		g_autofree char *list = NULL;

		for (const char *const *k = known; *k; k++)
			if (!strcmp(*k, key))
				ok = TRUE;
		if (ok)
			continue;
		list = g_strjoinv(", ", (char **)known);
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "param %s: unknown (this generator takes: %s)", key,
			    *known ? list : "no params");
		return FALSE;
	}
	return TRUE;
}

gboolean ps_gen_parse_size(const char *s, uint64_t *bytes)
{
	char *end = NULL;
	guint64 v;
	unsigned shift = 0;

	if (!s || !g_ascii_isdigit(*s))
		return FALSE;
	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno)
		return FALSE;
	switch (g_ascii_toupper(*end)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return FALSE;
	}
	if (shift) {
		end++;
		if (*end == 'i')
			end++;
		if (g_ascii_toupper(*end) == 'B')
			end++;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return FALSE;
	*bytes = v << shift;
	return TRUE;
}

/*
 * params[key] parsed as a size (bytes with K/M/G/T suffixes) or a plain integer, in [min, max],
 * or def when absent: the one place a generator parameter is read and refused.
 */
static gboolean param_u64(GHashTable *params, const char *key, bool size, uint64_t def,
			  uint64_t min, uint64_t max, uint64_t *out, GError **error)
{
	const char *s = params ? g_hash_table_lookup(params, key) : NULL;
	guint64 v;

	if (!s) {
		*out = def;
		return TRUE;
	}
	if (size && !ps_gen_parse_size(s, &v)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "param %s: expected a size like 512M, got '%s'", key, s);
		return FALSE;
	}
	if (size && (v < min || v > max)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "param %s: %s is out of range %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
			    " bytes",
			    key, s, min, max);
		return FALSE;
	}
	if (!size && !g_ascii_string_to_unsigned(s, 10, min, max, &v, NULL)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "param %s: expected an integer %" G_GUINT64_FORMAT
			    "..%" G_GUINT64_FORMAT ", got '%s'",
			    key, min, max, s);
		return FALSE;
	}
	*out = v;
	return TRUE;
}

gboolean ps_gen_param_size(GHashTable *params, const char *key, uint64_t def, uint64_t min,
			   uint64_t max, uint64_t *out, GError **error)
{
	return param_u64(params, key, true, def, min, max, out, error);
}

gboolean ps_gen_param_uint(GHashTable *params, const char *key, uint64_t def, uint64_t min,
			   uint64_t max, uint64_t *out, GError **error)
{
	return param_u64(params, key, false, def, min, max, out, error);
}

uint64_t ps_gen_log_uniform(PsRng *r, uint64_t lo, uint64_t hi)
{
	/*
	 * Piecewise: an octave [lo 2^k, lo 2^(k+1)) chosen uniformly, then a value uniform in it.
	 * Integer-only, so no libm rounding can make two platforms disagree.
	 */
	unsigned octaves = 0;
	uint64_t base;
	uint64_t top;

	g_assert(lo > 0 && lo <= hi);
	while ((lo << (octaves + 1)) <= hi && octaves < 62)
		octaves++;
	base = lo << ps_rng_below(r, octaves + 1);
	top = MIN(hi, 2 * base - 1);
	return ps_gen_uniform(r, base, top);
}

/* ---- emitter --------------------------------------------------------------------------------- */

typedef struct {
	uint64_t seq;
	PsTraceEvent ev;
} PsGenPending;

static bool pending_before(const PsGenPending *a, const PsGenPending *b)
{
	if (a->ev.t_ns != b->ev.t_ns)
		return a->ev.t_ns < b->ev.t_ns;
	return a->seq < b->seq;
}

static PsGenPending *pending_at(PsGenEmitter *e, guint i)
{
	return &g_array_index(e->pending, PsGenPending, i);
}

static void pending_swap(PsGenEmitter *e, guint i, guint j)
{
	PsGenPending tmp = *pending_at(e, i);

	*pending_at(e, i) = *pending_at(e, j);
	*pending_at(e, j) = tmp;
}

static void pending_push(PsGenEmitter *e, const PsTraceEvent *ev)
{
	PsGenPending p = {.seq = e->seq++, .ev = *ev};
	guint i = e->pending->len;

	g_array_append_val(e->pending, p);
	while (i > 0) {
		guint parent = (i - 1) / 2;

		if (!pending_before(pending_at(e, i), pending_at(e, parent)))
			break;
		pending_swap(e, i, parent);
		i = parent;
	}
}

static void pending_pop(PsGenEmitter *e, PsGenPending *out)
{
	guint n = e->pending->len - 1;
	guint i = 0;

	*out = *pending_at(e, 0);
	*pending_at(e, 0) = *pending_at(e, n);
	g_array_set_size(e->pending, n);
	for (;;) {
		guint l = 2 * i + 1;
		guint r = l + 1;
		guint m = i;

		if (l < n && pending_before(pending_at(e, l), pending_at(e, m)))
			m = l;
		if (r < n && pending_before(pending_at(e, r), pending_at(e, m)))
			m = r;
		if (m == i)
			break;
		pending_swap(e, i, m);
		i = m;
	}
}

/* Writes every pending event at or before until_ns. */
static void emitter_flush(PsGenEmitter *e, uint64_t until_ns)
{
	PsGenPending p;

	while (!e->error && e->pending->len && pending_at(e, 0)->ev.t_ns <= until_ns) {
		pending_pop(e, &p);
		g_assert_cmpuint(p.ev.t_ns, >=, e->written_ns);
		e->written_ns = p.ev.t_ns;
		ps_trace_writer_write(e->w, &p.ev, &e->error);
	}
}

/*
 * Memory no user process owns - page cache, slab pages that outlive the task that filled them -
 * belongs to pid 0 ("0 is the kernel", workloads/README.md), announced first in every generated
 * trace and never exiting, so no exit frees it: reclaim or an explicit free does. oom_score_adj
 * -1000 because the OOM killer never picks kernel threads.
 */
static void ps_gen_kernel_proc(PsGenEmitter *e)
{
	PsTraceEvent ev;

	ps_trace_event_init(&ev);
	ev.op = PS_OP_PROC;
	ev.t_ns = 0;
	ev.pid = PS_GEN_PID_KERNEL;
	g_strlcpy(ev.comm, "swapper/0", sizeof(ev.comm));
	ev.oom_score_adj = -1000;
	pending_push(e, &ev);
}

PsGenEmitter *ps_gen_emitter_new(const char *gen_name, const char *out_path, int nr_cpus,
				 int nr_lanes, double seconds, GError **error)
{
	PsTraceHeader hdr = {
	    .version = PS_TRACE_VERSION, .page_size = PS_GEN_PAGE_SIZE, .cpus = nr_cpus};
	PsGenEmitter *e;

	g_assert(nr_cpus > 0 && nr_lanes > 0);
	if (!(seconds > 0) || seconds > 1e6) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "seconds: must be more than 0 and at most 1000000, got %g", seconds);
		return NULL;
	}
	g_snprintf(hdr.source, sizeof(hdr.source), "gen:%s", gen_name);
	e = g_new0(PsGenEmitter, 1);
	e->w = ps_trace_writer_new(out_path, &hdr, error);
	if (!e->w) {
		g_free(e);
		return NULL;
	}
	/* The only floating point: the command line's seconds, rounded once to integer ns. */
	e->end_ns = (uint64_t)(seconds * 1e9 + 0.5);
	e->nr_cpus = nr_cpus;
	e->nr_lanes = nr_lanes;
	e->lane_ns = g_new0(uint64_t, nr_lanes);
	e->lane_cpu = g_new0(int, nr_lanes);
	for (int i = 0; i < nr_lanes; i++)
		e->lane_cpu[i] = i % nr_cpus;
	e->next_id = 1;
	e->next_pid = 1000;
	e->pending = g_array_new(FALSE, FALSE, sizeof(PsGenPending));
	ps_gen_kernel_proc(e);
	return e;
}

static void emitter_free(PsGenEmitter *e)
{
	g_array_unref(e->pending);
	g_free(e->lane_ns);
	g_free(e->lane_cpu);
	g_clear_error(&e->error);
	g_free(e);
}

gboolean ps_gen_emitter_finish(PsGenEmitter *e, GError **error)
{
	emitter_flush(e, e->end_ns);
	if (e->error) {
		g_propagate_error(error, g_steal_pointer(&e->error));
		ps_trace_writer_abort(e->w);
		emitter_free(e);
		return FALSE;
	}
	if (!ps_trace_writer_close(e->w, error)) {
		emitter_free(e);
		return FALSE;
	}
	emitter_free(e);
	return TRUE;
}

void ps_gen_emitter_abort(PsGenEmitter *e)
{
	ps_trace_writer_abort(e->w);
	emitter_free(e);
}

int ps_gen_next_lane(PsGenEmitter *e)
{
	int best = 0;

	for (int l = 1; l < e->nr_lanes; l++)
		if (e->lane_ns[l] < e->lane_ns[best])
			best = l;
	if (e->error || e->lane_ns[best] > e->end_ns)
		return -1;
	/* Every later event is stamped at some lane clock, and none is behind lane_ns[best]. */
	emitter_flush(e, e->lane_ns[best]);
	return e->error ? -1 : best;
}

static void emit(PsGenEmitter *e, PsTraceEvent *ev)
{
	if (e->error || ev->t_ns > e->end_ns)
		return;
	pending_push(e, ev);
}

static void event_init(PsGenEmitter *e, PsTraceEvent *ev, enum ps_trace_op op, int lane)
{
	g_assert(lane >= 0 && lane < e->nr_lanes);
	g_assert(e->lane_cpu[lane] >= 0 && e->lane_cpu[lane] < e->nr_cpus);
	ps_trace_event_init(ev);
	ev->op = op;
	ev->t_ns = e->lane_ns[lane];
}

uint64_t ps_gen_alloc(PsGenEmitter *e, int lane, int pid, int order, uint64_t bytes, uint64_t gfp,
		      enum ps_alloc_kind kind)
{
	PsTraceEvent ev;

	g_assert((order >= 0) != (bytes > 0));
	event_init(e, &ev, PS_OP_ALLOC, lane);
	ev.id = e->next_id++;
	ev.cpu = e->lane_cpu[lane];
	ev.pid = pid;
	ev.order = order;
	ev.bytes = bytes;
	ev.gfp = gfp;
	ev.has_gfp = true;
	ev.kind = kind;
	emit(e, &ev);
	return ev.id;
}

void ps_gen_free_at(PsGenEmitter *e, uint64_t t_ns, int lane, uint64_t id)
{
	PsTraceEvent ev;

	event_init(e, &ev, PS_OP_FREE, lane);
	g_assert_cmpuint(t_ns, >=, ev.t_ns);
	ev.t_ns = t_ns;
	ev.id = id;
	ev.cpu = e->lane_cpu[lane];
	emit(e, &ev);
}

void ps_gen_free(PsGenEmitter *e, int lane, uint64_t id)
{
	ps_gen_free_at(e, e->lane_ns[lane], lane, id);
}

int ps_gen_proc(PsGenEmitter *e, int lane, const char *comm, int oom_score_adj)
{
	PsTraceEvent ev;

	g_assert(oom_score_adj >= -1000 && oom_score_adj <= 1000);
	event_init(e, &ev, PS_OP_PROC, lane);
	ev.pid = e->next_pid++;
	g_strlcpy(ev.comm, comm, sizeof(ev.comm));
	ev.oom_score_adj = oom_score_adj;
	emit(e, &ev);
	return ev.pid;
}

void ps_gen_exit(PsGenEmitter *e, int lane, int pid)
{
	PsTraceEvent ev;

	event_init(e, &ev, PS_OP_EXIT, lane);
	ev.pid = pid;
	emit(e, &ev);
}

static void emit_range(PsGenEmitter *e, enum ps_trace_op op, int lane, int pid, uint64_t addr,
		       uint64_t len, bool thp)
{
	PsTraceEvent ev;

	g_assert(len > 0);
	event_init(e, &ev, op, lane);
	ev.pid = pid;
	ev.addr = addr;
	ev.len = len;
	ev.thp = thp;
	emit(e, &ev);
}

void ps_gen_map(PsGenEmitter *e, int lane, int pid, uint64_t addr, uint64_t len, bool thp)
{
	emit_range(e, PS_OP_MAP, lane, pid, addr, len, thp);
}

void ps_gen_touch(PsGenEmitter *e, int lane, int pid, uint64_t addr, uint64_t len)
{
	emit_range(e, PS_OP_TOUCH, lane, pid, addr, len, false);
}

void ps_gen_unmap(PsGenEmitter *e, int lane, int pid, uint64_t addr, uint64_t len)
{
	emit_range(e, PS_OP_UNMAP, lane, pid, addr, len, false);
}

unsigned ps_gen_pagecache(PsGenEmitter *e, int lane, uint64_t off, uint64_t len, uint64_t gfp)
{
	uint64_t end = off + len;
	unsigned n = 0;

	while (off < end) {
		uint64_t chunk_end = MIN(end, (off / PS_GEN_FOLIO_MAX + 1) * PS_GEN_FOLIO_MAX);
		uint64_t bytes =
		    (chunk_end - off + PS_GEN_PAGE_SIZE - 1) / PS_GEN_PAGE_SIZE * PS_GEN_PAGE_SIZE;

		ps_gen_alloc(e, lane, PS_GEN_PID_KERNEL, -1, bytes, gfp, PS_KIND_FILE);
		off = chunk_end;
		n++;
	}
	return n;
}

/* ---- tasks ------------------------------------------------------------------------------------
 */

PsGenTask *ps_gen_task_new(PsGenEmitter *e, int lane, const char *comm, int oom_score_adj)
{
	PsGenTask *t = g_new0(PsGenTask, 1);

	t->lane = lane;
	t->pid = ps_gen_proc(e, lane, comm, oom_score_adj);
	return t;
}

void ps_gen_task_touch(PsGenEmitter *e, PsGenTask *t, uint64_t addr, uint64_t len)
{
	g_assert(len > 0);
	ps_gen_touch(e, t->lane, t->pid, addr, len);
}

void ps_gen_task_free(PsGenTask *t)
{
	g_free(t);
}

void ps_gen_task_exit(PsGenEmitter *e, PsGenTask *t)
{
	ps_gen_exit(e, t->lane, t->pid);
	ps_gen_task_free(t);
}
