// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-gen.c - the workload generators (trace/gen*.c).
 *
 * Every generator: its output reads back through ps_trace_reader as a valid trace (times never
 * go backwards, a free names a live id, no id is reused while live, every pid is announced by
 * proc before it is used and not used after its exit, cpus below the header's), the same seed
 * gives the same bytes and another seed other bytes, and bad params are refused by name. Then
 * what each generator promises: fragmenter unmaps exactly 3/4 of every 2 MiB region it filled,
 * mallocbench makes the brk/mmap/trim moves glibc would, oom-hog's hog touches more than mem,
 * thp-fault's THP ranges are 2 MiB-aligned, and so on.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mm/mm.h"
#include "trace/trace.h"
#include "util/util.h"

#include "shipped.h"

#define MiB (1ull << 20)

static char *tmp_dir;

/* ---- running and reading ---------------------------------------------------------------- */

static char *gen_path(const char *tag)
{
	static unsigned n;

	return g_strdup_printf("%s/%s-%u.jsonl", tmp_dir, tag, n++);
}

/* Runs generator name into path; params is a NULL-terminated list of "k=v". */
static void gen_run_to(const char *name, const char *path, double seconds, uint64_t seed,
		       const char *const *params)
{
	const PsGenerator *g = ps_generator_find(name);
	g_autoptr(GHashTable) p = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(g);
	for (const char *const *kv = params; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');

		g_assert_nonnull(eq);
		g_hash_table_insert(p, g_strndup(*kv, eq - *kv), g_strdup(eq + 1));
	}
	g_assert_true(g->run(path, seconds, seed, p, &error));
	g_assert_no_error(error);
}

/* gen_run_to a new path in the test's directory; returns it. */
static char *gen_run(const char *name, double seconds, uint64_t seed, const char *const *params)
{
	char *path = gen_path(name);

	gen_run_to(name, path, seconds, seed, params);
	return path;
}

/* What a trace contains, after the validity checks. */
typedef struct {
	PsTraceHeader hdr;
	uint64_t nr_events;
	uint64_t nr_op[PS_NR_TRACE_OPS];
	uint64_t nr_kind[PS_NR_ALLOC_KINDS];
	uint64_t nr_file_freed; /* frees of file-kind allocations */
	uint64_t nr_gfp_write;	/* allocations with __GFP_WRITE */
	uint64_t nr_bytes16k;	/* 16 KiB kernel allocations: fork's kernel stacks */
	int max_cpu;
	GArray *ranges;	     /* PsTraceEvent: every map, touch and unmap, in trace order */
	GHashTable *comm;    /* pid -> comm (g_strdup) */
	GHashTable *oom_adj; /* pid -> oom_score_adj */
} GenStats;

static void stats_clear(GenStats *s)
{
	g_array_unref(s->ranges);
	g_hash_table_unref(s->comm);
	g_hash_table_unref(s->oom_adj);
}

typedef struct {
	int pid;
	enum ps_alloc_kind kind;
} LiveAlloc;

static void check_pid(GHashTable *procs, int pid, const PsTraceEvent *ev)
{
	gpointer state;

	if (!g_hash_table_lookup_extended(procs, GINT_TO_POINTER(pid), NULL, &state))
		g_error("t=%" G_GUINT64_FORMAT " %s: pid %d not announced by proc", ev->t_ns,
			ps_trace_op_names[ev->op], pid);
	if (GPOINTER_TO_INT(state) != 1)
		g_error("t=%" G_GUINT64_FORMAT " %s: pid %d used after its exit", ev->t_ns,
			ps_trace_op_names[ev->op], pid);
}

/* Reads path back and checks every cross-record rule; fills *s. */
static void gen_read(const char *path, const char *name, GenStats *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	g_autoptr(GHashTable) live = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
							   g_free); /* id -> LiveAlloc */
	g_autoptr(GHashTable) procs = g_hash_table_new(g_direct_hash, g_direct_equal); /* 1 live */
	g_autofree char *source = g_strdup_printf("gen:%s", name);
	PsTraceEvent ev;
	uint64_t last_t = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	s->max_cpu = -1;
	s->ranges = g_array_new(FALSE, FALSE, sizeof(PsTraceEvent));
	s->comm = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	s->oom_adj = g_hash_table_new(g_direct_hash, g_direct_equal);
	r = ps_trace_reader_open(path, &s->hdr, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(s->hdr.source, ==, source);
	g_assert_cmpuint(s->hdr.page_size, ==, 4096);
	g_assert_cmpint(s->hdr.cpus, >, 0);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		s->nr_events++;
		s->nr_op[ev.op]++;
		g_assert_cmpuint(ev.t_ns, >=, last_t);
		last_t = ev.t_ns;
		switch (ev.op) {
		case PS_OP_ALLOC: {
			uint64_t *key = g_new(uint64_t, 1);
			LiveAlloc *a = g_new(LiveAlloc, 1);

			check_pid(procs, ev.pid, &ev);
			g_assert_cmpint(ev.cpu, >=, 0);
			g_assert_cmpint(ev.cpu, <, s->hdr.cpus);
			s->max_cpu = MAX(s->max_cpu, ev.cpu);
			if (g_hash_table_contains(live, &ev.id))
				g_error("alloc of id %" G_GUINT64_FORMAT " while it is live",
					ev.id);
			g_assert_true(ev.has_gfp);
			*key = ev.id;
			a->pid = ev.pid;
			a->kind = ev.kind;
			g_hash_table_insert(live, key, a);
			s->nr_kind[ev.kind]++;
			if (ev.gfp & PS_GFP_WRITE)
				s->nr_gfp_write++;
			if (ev.bytes == 16384 && ev.kind == PS_KIND_STACK)
				s->nr_bytes16k++;
			break;
		}
		case PS_OP_FREE: {
			LiveAlloc *a = g_hash_table_lookup(live, &ev.id);

			if (!a)
				g_error("free of id %" G_GUINT64_FORMAT " that is not live", ev.id);
			if (a->kind == PS_KIND_FILE)
				s->nr_file_freed++;
			g_assert_cmpint(ev.cpu, <, s->hdr.cpus);
			g_hash_table_remove(live, &ev.id);
			break;
		}
		case PS_OP_PROC:
			if (g_hash_table_contains(procs, GINT_TO_POINTER(ev.pid)))
				g_error("pid %d announced twice", ev.pid);
			g_hash_table_insert(procs, GINT_TO_POINTER(ev.pid), GINT_TO_POINTER(1));
			g_hash_table_insert(s->comm, GINT_TO_POINTER(ev.pid), g_strdup(ev.comm));
			g_hash_table_insert(s->oom_adj, GINT_TO_POINTER(ev.pid),
					    GINT_TO_POINTER(ev.oom_score_adj));
			break;
		case PS_OP_EXIT: {
			GHashTableIter it;
			gpointer k, v;

			check_pid(procs, ev.pid, &ev);
			g_hash_table_insert(procs, GINT_TO_POINTER(ev.pid), GINT_TO_POINTER(2));
			/* exit frees what the process owns: a later free of it is an error. */
			g_hash_table_iter_init(&it, live);
			while (g_hash_table_iter_next(&it, &k, &v))
				if (((LiveAlloc *)v)->pid == ev.pid)
					g_hash_table_iter_remove(&it);
			break;
		}
		case PS_OP_MAP:
		case PS_OP_TOUCH:
		case PS_OP_UNMAP:
			check_pid(procs, ev.pid, &ev);
			g_assert_cmpuint(ev.len, >, 0);
			g_array_append_val(s->ranges, ev);
			break;
		default:
			break;
		}
	}
	g_assert_no_error(error);
	g_assert_cmpint(rc, ==, 0);
}

static gboolean files_equal(const char *a, const char *b)
{
	g_autofree char *da = NULL, *db = NULL;
	gsize la, lb;

	g_assert_true(g_file_get_contents(a, &da, &la, NULL));
	g_assert_true(g_file_get_contents(b, &db, &lb, NULL));
	return la == lb && !memcmp(da, db, la);
}

/* ---- every generator -------------------------------------------------------------------- */

/* Short but non-trivial runs: every generator gets past its start-up in this time. */
static const struct {
	const char *name;
	double seconds;
	const char *params[4];
} gens[] = {
    {"kbuild", 3.0, {"jobs=4", NULL}},
    {"pagecache-stream", 0.5, {NULL}},
    {"thp-fault", 3.0, {"size=64M", NULL}},
    {"fragmenter", 2.0, {"mem=64M", NULL}},
    {"mallocbench", 1.0, {"size=4K", "loops=5", NULL}},
    {"oom-hog", 1.0, {"mem=256M", NULL}},
    {"numa-imbalance", 0.5, {NULL}},
};

static void test_valid(gconstpointer data)
{
	unsigned i = GPOINTER_TO_UINT(data);
	g_autofree char *path = gen_run(gens[i].name, gens[i].seconds, 1, gens[i].params);
	GenStats s;

	gen_read(path, gens[i].name, &s);
	/* Something happened: processes, and memory asked for one way or the other. */
	g_assert_cmpuint(s.nr_op[PS_OP_PROC], >=, 2);
	g_assert_cmpuint(s.nr_op[PS_OP_ALLOC] + s.nr_op[PS_OP_TOUCH], >=, 10);
	stats_clear(&s);
}

static void test_deterministic(gconstpointer data)
{
	unsigned i = GPOINTER_TO_UINT(data);
	g_autofree char *a = gen_run(gens[i].name, gens[i].seconds, 7, gens[i].params);
	g_autofree char *b = gen_run(gens[i].name, gens[i].seconds, 7, gens[i].params);
	g_autofree char *c = gen_run(gens[i].name, gens[i].seconds, 8, gens[i].params);

	g_assert_true(files_equal(a, b));
	g_assert_false(files_equal(a, c));
}

/* --seconds bounds the trace: nothing after it, and a longer run starts with the same events. */
static void test_seconds_bound(gconstpointer data)
{
	unsigned i = GPOINTER_TO_UINT(data);
	double half = gens[i].seconds / 2;
	g_autofree char *path = gen_run(gens[i].name, half, 3, gens[i].params);
	g_autofree char *full = gen_run(gens[i].name, gens[i].seconds, 3, gens[i].params);
	g_autofree char *dp = NULL, *df = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	gsize lp, lf;

	r = ps_trace_reader_open(path, &hdr, NULL);
	g_assert_nonnull(r);
	while (ps_trace_reader_next(r, &ev, NULL) == 1)
		g_assert_cmpuint(ev.t_ns, <=, (uint64_t)(half * 1e9 + 0.5));
	/* Same seed, shorter time: the shorter trace is a prefix of the longer one. */
	g_assert_true(g_file_get_contents(path, &dp, &lp, NULL));
	g_assert_true(g_file_get_contents(full, &df, &lf, NULL));
	g_assert_cmpuint(lp, <=, lf);
	g_assert_true(!memcmp(dp, df, lp));
}

static void test_registry(void)
{
	g_assert_cmpuint(ps_nr_generators, ==, G_N_ELEMENTS(gens));
	for (size_t i = 0; i < ps_nr_generators; i++) {
		const PsGenerator *g = ps_generators[i];

		g_assert_true(ps_generator_find(g->name) == g);
		g_assert_nonnull(g->summary);
		g_assert_nonnull(g->params_help);
		g_assert_true(g_str_has_suffix(g->params_help, "\n"));
	}
	g_assert_null(ps_generator_find("no-such-generator"));
}

static void expect_param_error(const char *name, const char *kv, const char *message)
{
	const PsGenerator *g = ps_generator_find(name);
	g_autoptr(GHashTable) p = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GError) error = NULL;
	g_autofree char *path = gen_path("bad");
	const char *eq = strchr(kv, '=');

	g_hash_table_insert(p, g_strndup(kv, eq - kv), g_strdup(eq + 1));
	g_assert_false(g->run(path, 1.0, 1, p, &error));
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE);
	if (!strstr(error->message, message))
		g_error("%s %s: '%s' does not say '%s'", name, kv, error->message, message);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void test_param_errors(void)
{
	expect_param_error("fragmenter", "mem=lots", "param mem: expected a size like 512M");
	expect_param_error("fragmenter", "mem=12X", "param mem: expected a size like 512M");
	expect_param_error("fragmenter", "colour=red", "param colour: unknown");
	{
		/* With several unknown keys the error names the first in alphabetical order. */
		const PsGenerator *g = ps_generator_find("fragmenter");
		g_autoptr(GHashTable) p =
		    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		g_autoptr(GError) error = NULL;
		g_autofree char *path = gen_path("bad2");
		static const char *const keys[] = {"zeta", "omega", "beta", "kappa", "alpha"};

		for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
			g_hash_table_insert(p, g_strdup(keys[i]), g_strdup("1"));
		g_assert_false(g->run(path, 1.0, 1, p, &error));
		g_assert_nonnull(strstr(error->message, "param alpha: unknown"));
	}
	expect_param_error("kbuild", "jobs=0", "param jobs: expected an integer 1..");
	expect_param_error("kbuild", "jobs=-3", "param jobs");
	expect_param_error("mallocbench", "size=", "param size: expected a size");
	expect_param_error("fragmenter", "grain=12K", "param grain: must be a power of two");
	expect_param_error("numa-imbalance", "cpus=3", "param cpus");
}

static void test_bad_seconds(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = gen_path("bad");

	g_assert_false(ps_generator_find("kbuild")->run(path, 0, 1, NULL, &error));
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE);
}

/* ---- what each generator promises ---------------------------------------------------------- */

static void test_fragmenter_grain(const char *grain_kv, uint64_t grain)
{
	const char *params[] = {"mem=16M", grain_kv, NULL};
	g_autofree char *path = gen_run("fragmenter", 5.0, 1, params);
	uint64_t touched[8] = {0}, unmapped[8] = {0}, base = 0;
	GenStats s;

	gen_read(path, "fragmenter", &s);
	g_assert_cmpuint(s.nr_op[PS_OP_MAP], ==, 1);
	for (guint i = 0; i < s.ranges->len; i++) {
		const PsTraceEvent *ev = &g_array_index(s.ranges, PsTraceEvent, i);
		uint64_t region;

		if (ev->op == PS_OP_MAP) {
			base = ev->addr;
			g_assert_cmpuint(base % (2 * MiB), ==, 0);
			g_assert_cmpuint(ev->len, ==, 16 * MiB);
			g_assert_false(ev->thp);
			continue;
		}
		region = (ev->addr - base) / (2 * MiB);
		g_assert_cmpuint(region, <, 8);
		/* No event straddles a region. */
		g_assert_cmpuint((ev->addr + ev->len - 1 - base) / (2 * MiB), ==, region);
		if (ev->op == PS_OP_TOUCH) {
			touched[region] += ev->len;
		} else {
			/* Three grains, at the start of a group of four: one grain in four stays.
			 */
			g_assert_cmpuint(ev->len, ==, 3 * grain);
			g_assert_cmpuint((ev->addr - base) % (4 * grain), ==, 0);
			/* All touching is done before the first hole is punched. */
			g_assert_cmpuint(touched[7], ==, 2 * MiB);
			unmapped[region] += ev->len;
		}
	}
	for (int r = 0; r < 8; r++) {
		g_assert_cmpuint(touched[r], ==, 2 * MiB);
		g_assert_cmpuint(unmapped[r], ==, 2 * MiB / 4 * 3);
	}
	stats_clear(&s);
}

static void test_fragmenter(void)
{
	test_fragmenter_grain("grain=4K", 4096);
	test_fragmenter_grain("grain=64K", 65536);
}

/*
 * thp=6M wait-ms=250: after the 16 MiB fill and its holes, a second process maps 6 MiB with
 * MADV_HUGEPAGE (2 MiB-aligned) and touches it 2 MiB a step, the first touch 250 ms after the
 * last hole.
 */
static void test_fragmenter_thp(void)
{
	const char *params[] = {"mem=16M", "thp=5M", "wait-ms=250", NULL};
	g_autofree char *path = gen_run("fragmenter", 5.0, 1, params);
	uint64_t thp_base = 0, thp_touched = 0, last_unmap_ns = 0, first_thp_touch_ns = 0;
	int thp_pid = -1;
	GenStats s;

	gen_read(path, "fragmenter", &s);
	g_assert_cmpuint(s.nr_op[PS_OP_MAP], ==, 2);
	g_assert_cmpuint(s.nr_op[PS_OP_PROC], ==, 3); /* swapper/0, fragmenter, thp-after */
	for (guint i = 0; i < s.ranges->len; i++) {
		const PsTraceEvent *ev = &g_array_index(s.ranges, PsTraceEvent, i);

		if (ev->op == PS_OP_MAP && ev->thp) {
			thp_pid = ev->pid;
			thp_base = ev->addr;
			g_assert_cmpuint(ev->addr % (2 * MiB), ==, 0);
			g_assert_cmpuint(ev->len, ==, 6 * MiB); /* 5M rounded up to 2 MiB */
		} else if (ev->op == PS_OP_UNMAP) {
			g_assert_cmpint(thp_pid, ==, -1); /* every hole before the huge pages */
			last_unmap_ns = ev->t_ns;
		} else if (ev->op == PS_OP_TOUCH && ev->pid == thp_pid) {
			g_assert_cmpuint(ev->addr, ==, thp_base + thp_touched);
			g_assert_cmpuint(ev->len, ==, 2 * MiB);
			if (!thp_touched)
				first_thp_touch_ns = ev->t_ns;
			thp_touched += ev->len;
		}
	}
	g_assert_cmpint(thp_pid, >, 0);
	g_assert_cmpuint(thp_touched, ==, 6 * MiB);
	g_assert_cmpuint(first_thp_touch_ns - last_unmap_ns, >=, 250000000ull);
	g_assert_cmpuint(first_thp_touch_ns - last_unmap_ns, <, 251000000ull);
	stats_clear(&s);
}

/* Distinct 4 KiB pages covered by the touches of a trace. */
static uint64_t touched_pages(const GenStats *s)
{
	g_autoptr(GHashTable) pages = g_hash_table_new(g_direct_hash, g_direct_equal);

	for (guint i = 0; i < s->ranges->len; i++) {
		const PsTraceEvent *ev = &g_array_index(s->ranges, PsTraceEvent, i);

		if (ev->op != PS_OP_TOUCH)
			continue;
		for (uint64_t pg = ev->addr / 4096; pg <= (ev->addr + ev->len - 1) / 4096; pg++)
			g_hash_table_add(pages, GSIZE_TO_POINTER(pg));
	}
	return g_hash_table_size(pages);
}

static void mallocbench_stats(const char *size_kv, const char *loops_kv, const char *dyn_kv,
			      GenStats *s)
{
	const char *params[] = {size_kv, loops_kv, dyn_kv, NULL};
	g_autofree char *path = gen_run("mallocbench", 100.0, 1, params);

	gen_read(path, "mallocbench", s);
}

/*
 * size=64: 80-byte chunks from fastbins/tcache. Loop 1 grows the arena once (one brk map of
 * 132 KiB) and writes the tcache struct (656 bytes) and 1024 chunks: ceil((656 + 1024 * 80 +
 * 16) / 4096) = 21 pages. Frees keep the chunks in tcache and fastbins, so later loops reuse
 * them: no event at all after loop 1.
 */
static void test_mallocbench_small(void)
{
	GenStats one, ten;

	mallocbench_stats("size=64", "loops=1", NULL, &one);
	mallocbench_stats("size=64", "loops=10", NULL, &ten);
	g_assert_cmpuint(one.nr_op[PS_OP_MAP], ==, 1);
	g_assert_cmpuint(g_array_index(one.ranges, PsTraceEvent, 0).len, ==, 135168);
	g_assert_cmpuint(one.nr_op[PS_OP_UNMAP], ==, 0);
	g_assert_cmpuint(touched_pages(&one), ==, (656 + 1024 * 80 + 16 + 4095) / 4096);
	g_assert_cmpuint(ten.nr_events, ==, one.nr_events);
	g_assert_cmpuint(ten.nr_op[PS_OP_TOUCH], ==, one.nr_op[PS_OP_TOUCH]);
	stats_clear(&one);
	stats_clear(&ten);
}

/*
 * A brk-style trace: the maps extend the break, the unmaps shrink it (systrim), nothing else.
 * Returns the number of trims.
 */
static uint64_t check_brk_style(const GenStats *s)
{
	uint64_t brk = 0, trims = 0;

	for (guint i = 0; i < s->ranges->len; i++) {
		const PsTraceEvent *ev = &g_array_index(s->ranges, PsTraceEvent, i);

		if (ev->op == PS_OP_MAP) {
			g_assert_true(brk == 0 || ev->addr == brk);
			g_assert_cmpuint(ev->len % 4096, ==, 0);
			brk = ev->addr + ev->len;
		} else if (ev->op == PS_OP_UNMAP) {
			g_assert_cmpuint(ev->addr + ev->len, ==, brk);
			brk = ev->addr;
			trims++;
		} else {
			g_assert_cmpuint(ev->addr + ev->len, <=, brk);
		}
	}
	return trims;
}

/*
 * size=4K: 4112-byte chunks, too big for tcache and fastbins. Frees merge every chunk into top
 * at the last free, top is then far above M_TRIM_THRESHOLD and is trimmed: one unmap a loop,
 * and the next loop faults the arena in again, all but what the 128 KiB pad kept resident.
 */
static void test_mallocbench_brk(void)
{
	GenStats one, five;

	mallocbench_stats("size=4K", "loops=1", NULL, &one);
	mallocbench_stats("size=4K", "loops=5", NULL, &five);
	g_assert_cmpuint(check_brk_style(&one), ==, 1);
	g_assert_cmpuint(check_brk_style(&five), ==, 5);
	g_assert_cmpuint(one.nr_op[PS_OP_TOUCH], >=, 1024);
	/* Each later loop refaults all but the chunks in the 128 KiB pad the trim kept resident. */
	g_assert_cmpuint(five.nr_op[PS_OP_TOUCH], >=,
			 one.nr_op[PS_OP_TOUCH] + 4 * (1024 - (128 << 10) / 4112 - 1));
	/* Later loops grow by nb + M_TOP_PAD steps from the pad the trim left: ~33 maps a loop. */
	g_assert_cmpuint(five.nr_op[PS_OP_MAP], >, 4 * 30 + one.nr_op[PS_OP_MAP]);
	stats_clear(&one);
	stats_clear(&five);
	/* 1K: tcache keeps 7 chunks, the other 1017 merge into top and are trimmed. */
	mallocbench_stats("size=1K", "loops=3", NULL, &five);
	g_assert_cmpuint(check_brk_style(&five), ==, 3);
	stats_clear(&five);
}

/*
 * mmap-style ops of a trace: maps away from the program break (the first map starts the break;
 * a map at the break extends it, an unmap ending at it is a trim), each of exactly len, touched
 * on its first page right away and unmapped whole later.
 */
static uint64_t count_mmaps(const GenStats *s, uint64_t len)
{
	uint64_t n = 0, brk = 0;

	for (guint i = 0; i < s->ranges->len; i++) {
		const PsTraceEvent *ev = &g_array_index(s->ranges, PsTraceEvent, i);
		const PsTraceEvent *touch, *unmap = NULL;

		if (ev->op == PS_OP_UNMAP && ev->addr + ev->len == brk)
			brk = ev->addr;
		if (ev->op != PS_OP_MAP)
			continue;
		if (brk == 0 || ev->addr == brk) {
			brk = ev->addr + ev->len;
			continue;
		}
		n++;
		g_assert_cmpuint(ev->len, ==, len);
		g_assert_cmpuint(ev->addr % 65536, ==, 0);
		touch = &g_array_index(s->ranges, PsTraceEvent, i + 1);
		g_assert_cmpint(touch->op, ==, PS_OP_TOUCH);
		g_assert_cmpuint(touch->addr / 4096, ==, ev->addr / 4096);
		for (guint j = i + 1; j < s->ranges->len && !unmap; j++) {
			const PsTraceEvent *u = &g_array_index(s->ranges, PsTraceEvent, j);

			if (u->op == PS_OP_UNMAP && u->addr == ev->addr)
				unmap = u;
		}
		g_assert_nonnull(unmap);
		g_assert_cmpuint(unmap->len, ==, len);
	}
	return n;
}

/*
 * size=512K: nb 524304 >= M_MMAP_THRESHOLD, so loop 1 mmaps each chunk (524304 + 8 rounded up
 * to a page: 528384 bytes) and munmaps it on free. The first such free raises the dynamic
 * threshold to 528384, so from loop 2 glibc serves 512K from the brk heap; with dynamic=0 (a
 * fixed threshold) every loop is mmap-style.
 */
static void test_mallocbench_mmap(void)
{
	GenStats one, three, fixed;

	mallocbench_stats("size=512K", "loops=1", NULL, &one);
	g_assert_cmpuint(count_mmaps(&one, 528384), ==, 1024);
	g_assert_cmpuint(one.nr_op[PS_OP_MAP], ==, 1 + 1024); /* + the tcache struct's brk */
	g_assert_cmpuint(one.nr_op[PS_OP_UNMAP], ==, 1024);
	g_assert_cmpuint(one.nr_op[PS_OP_TOUCH], ==, 1 + 1024);
	stats_clear(&one);

	mallocbench_stats("size=512K", "loops=3", NULL, &three);
	g_assert_cmpuint(count_mmaps(&three, 528384), ==, 1024);
	/* Loops 2 and 3: each ends in one trim of the brk heap. */
	g_assert_cmpuint(three.nr_op[PS_OP_UNMAP], ==, 1024 + 2);
	stats_clear(&three);

	mallocbench_stats("size=512K", "loops=3", "dynamic=0", &fixed);
	g_assert_cmpuint(count_mmaps(&fixed, 528384), ==, 3 * 1024);
	g_assert_cmpuint(fixed.nr_op[PS_OP_UNMAP], ==, 3 * 1024);
	stats_clear(&fixed);
}

static void test_oom_hog(void)
{
	const char *params[] = {"mem=256M", NULL};
	g_autofree char *path = gen_run("oom-hog", 2.0, 1, params);
	g_autoptr(GHashTable) adj_seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	uint64_t hog_touched = 0;
	int hog = -1;
	GHashTableIter it;
	gpointer k, v;
	GenStats s;

	gen_read(path, "oom-hog", &s);
	g_hash_table_iter_init(&it, s.comm);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		int adj = GPOINTER_TO_INT(g_hash_table_lookup(s.oom_adj, k));

		if (!strcmp(v, "hog")) {
			hog = GPOINTER_TO_INT(k);
			g_assert_cmpint(adj, >, 0);
		}
		if (GPOINTER_TO_INT(k) == 0)
			continue;
		/* The hog and each service have an oom_score_adj of their own. */
		g_assert_false(g_hash_table_contains(adj_seen, GINT_TO_POINTER(adj)));
		g_hash_table_add(adj_seen, GINT_TO_POINTER(adj));
	}
	g_assert_cmpint(hog, >, 0);
	g_assert_cmpuint(g_hash_table_size(adj_seen), >=, 4);
	for (guint i = 0; i < s.ranges->len; i++) {
		const PsTraceEvent *ev = &g_array_index(s.ranges, PsTraceEvent, i);

		if (ev->op == PS_OP_TOUCH && ev->pid == hog)
			hog_touched += ev->len;
		if (ev->pid == hog)
			g_assert_cmpint(ev->op, !=, PS_OP_UNMAP);
	}
	g_assert_cmpuint(hog_touched, >, 256 * MiB);
	stats_clear(&s);
}

static void test_thp_fault(void)
{
	const char *params[] = {"size=64M", NULL};
	g_autofree char *path = gen_run("thp-fault", 6.0, 1, params);
	uint64_t thp_maps = 0, thp_touches = 0;
	g_autoptr(GHashTable) thp_base = g_hash_table_new(g_direct_hash, g_direct_equal);
	GenStats s;

	gen_read(path, "thp-fault", &s);
	for (guint i = 0; i < s.ranges->len; i++) {
		const PsTraceEvent *ev = &g_array_index(s.ranges, PsTraceEvent, i);
		gpointer base;

		if (ev->op == PS_OP_MAP && ev->thp) {
			g_assert_cmpuint(ev->addr % (2 * MiB), ==, 0);
			g_assert_cmpuint(ev->len, ==, 64 * MiB);
			g_hash_table_insert(thp_base, GINT_TO_POINTER(ev->pid),
					    GSIZE_TO_POINTER(ev->addr));
			thp_maps++;
			continue;
		}
		base = g_hash_table_lookup(thp_base, GINT_TO_POINTER(ev->pid));
		if (!base || ev->addr < GPOINTER_TO_SIZE(base) ||
		    ev->addr >= GPOINTER_TO_SIZE(base) + 64 * MiB)
			continue;
		/* Inside a THP range every touch and unmap is whole, aligned 2 MiB extents. */
		g_assert_cmpuint(ev->addr % (2 * MiB), ==, 0);
		g_assert_cmpuint(ev->len, ==, 2 * MiB);
		if (ev->op == PS_OP_TOUCH)
			thp_touches++;
	}
	/* 4 processes filled their 32 extents, some exited and were followed by new ones. */
	g_assert_cmpuint(thp_maps, >, 4);
	g_assert_cmpuint(thp_touches, >=, 4 * 32);
	g_assert_cmpuint(s.nr_op[PS_OP_EXIT], >, 0);
	g_assert_cmpuint(s.nr_op[PS_OP_UNMAP], >, 0);
	stats_clear(&s);
}

static void test_kbuild(void)
{
	const char *params[] = {"jobs=4", "cpus=6", NULL};
	g_autofree char *path = gen_run("kbuild", 5.0, 1, params);
	GenStats s;

	gen_read(path, "kbuild", &s);
	g_assert_cmpint(s.hdr.cpus, ==, 6);
	g_assert_cmpint(s.max_cpu, ==, 3); /* cpus 4 and 5 stay idle */
	/* Many short processes, each with a kernel stack from fork, most of them gone. */
	g_assert_cmpuint(s.nr_op[PS_OP_PROC], >, 20);
	g_assert_cmpuint(s.nr_bytes16k, ==, s.nr_op[PS_OP_PROC] - 1);
	g_assert_cmpuint(s.nr_op[PS_OP_EXIT], >, s.nr_op[PS_OP_PROC] / 2);
	g_assert_cmpuint(s.nr_kind[PS_KIND_FILE], >, 100);
	g_assert_cmpuint(s.nr_kind[PS_KIND_SLAB_RECLAIMABLE], >, 0);
	g_assert_cmpuint(s.nr_kind[PS_KIND_KERNEL], >, 0);
	g_assert_cmpuint(s.nr_gfp_write, >, 10);
	/* Slab pages are freed when emptied; page cache is left to reclaim. */
	g_assert_cmpuint(s.nr_op[PS_OP_FREE], >, 0);
	g_assert_cmpuint(s.nr_file_freed, ==, 0);
	stats_clear(&s);
}

static void test_pagecache_stream(void)
{
	const char *params[] = {"rate=64M", "streams=2", "file-size=16M", NULL};
	g_autofree char *path = gen_run("pagecache-stream", 2.0, 1, params);
	GenStats s;

	gen_read(path, "pagecache-stream", &s);
	/* 64 MiB/s for 2 s in 64 KiB folios: ~2048, give or take the jitter and the start. */
	g_assert_cmpuint(s.nr_kind[PS_KIND_FILE], >, 1800);
	g_assert_cmpuint(s.nr_kind[PS_KIND_FILE], <, 2200);
	g_assert_cmpuint(s.nr_file_freed, ==, 0);
	/* 16 MiB files: readers exit and are replaced (~8 files read). */
	g_assert_cmpuint(s.nr_op[PS_OP_EXIT], >=, 6);
	stats_clear(&s);
}

static void test_numa_imbalance(void)
{
	const char *params[] = {"cpus=8", "nodes=2", NULL};
	g_autofree char *path = gen_run("numa-imbalance", 0.5, 1, params);
	GenStats s;

	gen_read(path, "numa-imbalance", &s);
	g_assert_cmpint(s.hdr.cpus, ==, 8);
	/* Only node 0's cpus 0-3 allocate, and all of them do. */
	g_assert_cmpint(s.max_cpu, ==, 3);
	g_assert_cmpuint(s.nr_kind[PS_KIND_FILE], >, 1000);
	g_assert_cmpuint(s.nr_op[PS_OP_TOUCH], >, 10);
	stats_clear(&s);
}

/*
 * The generated workloads shipped in workloads/ come back from the commands in
 * workloads/README.md ("same seed, same records"): the inflated text is compared, not the gzip
 * bytes (tests/common/shipped.h says why).
 */
static void test_shipped(void)
{
	static const struct {
		const char *file, *gen;
		const char *params[3];
	} shipped[] = {
	    {"kbuild-10s.jsonl.gz", "kbuild", {NULL}},
	    {"fragmenter-1g.jsonl.gz", "fragmenter", {"mem=1G", NULL}},
	    {"mallocbench-4k.jsonl.gz", "mallocbench", {"size=4K", "loops=20", NULL}},
	};
	const char *src = g_getenv("PAGESIM_SRCDIR");

	if (!src) {
		g_test_skip("PAGESIM_SRCDIR is not set");
		return;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(shipped); i++) {
		g_autofree char *want = g_build_filename(src, "workloads", shipped[i].file, NULL);
		g_autofree char *got = g_build_filename(tmp_dir, shipped[i].file, NULL);

		gen_run_to(shipped[i].gen, got, 10, 1, shipped[i].params);
		ps_test_same_records(want, got);
	}
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = g_dir_make_tmp("pagesim-test-gen-XXXXXX", &error);
	g_assert_no_error(error);
	g_test_add_func("/trace/gen/registry", test_registry);
	g_test_add_func("/trace/gen/params/errors", test_param_errors);
	g_test_add_func("/trace/gen/params/seconds", test_bad_seconds);
	for (unsigned i = 0; i < G_N_ELEMENTS(gens); i++) {
		g_autofree char *v = g_strdup_printf("/trace/gen/%s/valid", gens[i].name);
		g_autofree char *d = g_strdup_printf("/trace/gen/%s/deterministic", gens[i].name);
		g_autofree char *b = g_strdup_printf("/trace/gen/%s/seconds-bound", gens[i].name);

		g_test_add_data_func(v, GUINT_TO_POINTER(i), test_valid);
		g_test_add_data_func(d, GUINT_TO_POINTER(i), test_deterministic);
		g_test_add_data_func(b, GUINT_TO_POINTER(i), test_seconds_bound);
	}
	g_test_add_func("/trace/gen/fragmenter/three-of-four", test_fragmenter);
	g_test_add_func("/trace/gen/fragmenter/thp-after-wait", test_fragmenter_thp);
	g_test_add_func("/trace/gen/mallocbench/below-threshold-reuse", test_mallocbench_small);
	g_test_add_func("/trace/gen/mallocbench/brk-trim", test_mallocbench_brk);
	g_test_add_func("/trace/gen/mallocbench/mmap-threshold", test_mallocbench_mmap);
	g_test_add_func("/trace/gen/oom-hog/past-mem", test_oom_hog);
	g_test_add_func("/trace/gen/thp-fault/aligned", test_thp_fault);
	g_test_add_func("/trace/gen/kbuild/shape", test_kbuild);
	g_test_add_func("/trace/gen/pagecache-stream/rate", test_pagecache_stream);
	g_test_add_func("/trace/gen/numa-imbalance/node0-only", test_numa_imbalance);
	g_test_add_func("/trace/gen/shipped/same-records", test_shipped);
	rc = g_test_run();
	{
		g_autoptr(GDir) d = g_dir_open(tmp_dir, 0, NULL);
		const char *n;

		while (d && (n = g_dir_read_name(d))) {
			g_autofree char *p = g_build_filename(tmp_dir, n, NULL);

			g_unlink(p);
		}
		g_rmdir(tmp_dir);
	}
	g_free(tmp_dir);
	return rc;
}
