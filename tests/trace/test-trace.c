// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-trace.c - trace format v1, reader and writer: every op parses and formats back to the
 * same bytes, every kind of bad line is refused with a message naming the field, and traces
 * written plain or gzip-compressed read back as the same events, with file:line in errors, no
 * temporary file left behind on abort, and bounded memory on a long trace.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mm/mm.h"
#include "util/util.h"
#include "trace/trace.h"

/* One canonical line per op and per optional field; order matters only for the file tests. */
static const char *const canonical[] = {
    "{\"t\":0,\"op\":\"proc\",\"pid\":42,\"comm\":\"cc1\",\"oom_score_adj\":0}",
    "{\"t\":5,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\\\"b\\\\c\\n\\u0001\",\"oom_score_adj\":-"
    "1000}",
    "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":42,\"order\":0,"
    "\"gfp\":\"GFP_HIGHUSER_MOVABLE|__GFP_ZERO\"}",
    "{\"t\":1800,\"op\":\"alloc\",\"id\":2,\"cpu\":1,\"pid\":42,\"bytes\":20480,"
    "\"gfp\":\"GFP_KERNEL\",\"kind\":\"kernel\"}",
    "{\"t\":1800,\"op\":\"alloc\",\"id\":18446744073709551615,\"cpu\":1,\"pid\":0,\"order\":15,"
    "\"gfp\":\"GFP_TRANSHUGE\",\"kind\":\"anon\",\"node\":1,\"pfn\":18446744073709551615}",
    "{\"t\":1900,\"op\":\"alloc\",\"id\":3,\"cpu\":0,\"pid\":7,\"order\":3,\"gfp\":\"none\","
    "\"kind\":\"slab_reclaimable\",\"pfn\":0}",
    "{\"t\":1900,\"op\":\"alloc\",\"id\":4,\"cpu\":0,\"pid\":7,\"order\":1,\"gfp\":\"GFP_NOFS\","
    "\"kind\":\"file\"}",
    "{\"t\":9000,\"op\":\"free\",\"id\":1,\"cpu\":0}",
    "{\"t\":9001,\"op\":\"free\",\"id\":2}",
    "{\"t\":9900,\"op\":\"map\",\"pid\":42,\"addr\":140737488355328,\"len\":2097152,\"thp\":true}",
    "{\"t\":9900,\"op\":\"map\",\"pid\":42,\"addr\":4096,\"len\":4096}",
    "{\"t\":9950,\"op\":\"touch\",\"pid\":42,\"addr\":140737488355328,\"len\":65536}",
    "{\"t\":9960,\"op\":\"unmap\",\"pid\":42,\"addr\":18446744073709543424,\"len\":4096}",
    "{\"t\":10000,\"op\":\"compact\"}",
    "{\"t\":10001,\"op\":\"compact\",\"order\":9}",
    "{\"t\":10002,\"op\":\"sysctl\",\"name\":\"min_free_kbytes\",\"value\":67584}",
    "{\"t\":10003,\"op\":\"sysctl\",\"name\":\"watermark_scale_factor\","
    "\"value\":-9223372036854775808}",
    "{\"t\":10004,\"op\":\"drop_caches\",\"value\":3}",
    "{\"t\":10005,\"op\":\"drop_caches\",\"value\":1}",
    "{\"t\":10006,\"op\":\"cache_add\",\"file\":\"8:1:1234\",\"offset\":0,\"len\":6144,"
    "\"pid\":42,\"cpu\":1}",
    "{\"t\":10006,\"op\":\"cache_add\",\"file\":\"f\",\"offset\":18446744073709551614,"
    "\"len\":2}",
    "{\"t\":10007,\"op\":\"cache_remove\",\"file\":\"8:1:1234\",\"offset\":4096,"
    "\"len\":4096,\"reason\":\"truncate\",\"pid\":42}",
    "{\"t\":10008,\"op\":\"cache_remove\",\"file\":\"8:1:1234\",\"offset\":0,"
    "\"reason\":\"unlink\"}",
    "{\"t\":10009,\"op\":\"cache_remove\",\"file\":\"f\",\"offset\":0,\"reason\":\"drop\","
    "\"cpu\":0}",
    "{\"t\":10009,\"op\":\"cache_remove\",\"file\":\"f\",\"offset\":0,\"reason\":\"reclaim\"}",
    "{\"t\":10010,\"op\":\"alloc\",\"id\":5,\"cpu\":0,\"pid\":7,\"bytes\":16384,"
    "\"gfp\":\"GFP_KERNEL\",\"kind\":\"stack\"}",
    "{\"t\":10010,\"op\":\"alloc\",\"id\":6,\"cpu\":0,\"pid\":7,\"bytes\":4096,"
    "\"gfp\":\"GFP_KERNEL\",\"kind\":\"pagetable\"}",
    "{\"t\":10010,\"op\":\"alloc\",\"id\":7,\"cpu\":0,\"pid\":7,\"bytes\":8192,"
    "\"gfp\":\"GFP_KERNEL\",\"kind\":\"slab\"}",
    "{\"t\":10011,\"op\":\"zone_grow\",\"node\":0,\"zone\":\"Normal\",\"pages\":32768,"
    "\"pfn\":6062080}",
    "{\"t\":10011,\"op\":\"zone_grow\",\"node\":1023,\"zone\":\"Movable\",\"pages\":1}",
    "{\"t\":12000,\"op\":\"exit\",\"pid\":42}",
    "{\"t\":9223372036854775807,\"op\":\"exit\",\"pid\":4194304}",
    "{\"t\":9223372036854775807,\"op\":\"free\",\"id\":3,\"cpu\":1,\"order\":3,\"pfn\":77,"
    "\"reason\":\"reclaim_kswapd\"}",
    "{\"t\":9223372036854775807,\"op\":\"free\",\"id\":4,\"reason\":\"reclaim_direct\"}",
    "{\"t\":9223372036854775807,\"op\":\"alloc\",\"id\":8,\"cpu\":1,\"pid\":7,\"order\":9,"
    "\"gfp\":\"GFP_TRANSHUGE\",\"failed\":true}",
    "{\"t\":9223372036854775807,\"op\":\"proc\",\"pid\":43,\"comm\":\"db\",\"oom_score_adj\":-500,"
    "\"mempolicy\":\"interleave:0,2-3\"}",
    "{\"t\":9223372036854775807,\"op\":\"proc\",\"pid\":44,\"comm\":\"db\",\"oom_score_adj\":0,"
    "\"parent\":43}",
    "{\"t\":9223372036854775807,\"op\":\"proc\",\"pid\":45,\"comm\":\"sh\",\"oom_score_adj\":0,"
    "\"parent\":44,\"memcg\":\"/process_api/6f9baa525fa227ad9a99665415864981\"}",
    "{\"t\":9223372036854775807,\"op\":\"proc\",\"pid\":46,\"comm\":\"sh\",\"oom_score_adj\":0,"
    "\"memcg\":\"/\"}",
    "{\"t\":9223372036854775807,\"op\":\"proc\",\"pid\":47,\"comm\":\"sh\",\"oom_score_adj\":0,"
    "\"forked_by\":46,\"memcg\":\"/\"}",
    /* a portable record's recorded cpu, last */
    "{\"t\":9223372036854775807,\"op\":\"map\",\"pid\":42,\"addr\":8192,\"len\":4096,"
    "\"thp\":true,\"cpu\":1}",
    "{\"t\":9223372036854775807,\"op\":\"touch\",\"pid\":42,\"addr\":8192,\"len\":4096,"
    "\"cpu\":0}",
    "{\"t\":9223372036854775807,\"op\":\"unmap\",\"pid\":42,\"addr\":8192,\"len\":4096,"
    "\"cpu\":1}",
    "{\"t\":9223372036854775807,\"op\":\"map\",\"pid\":42,\"addr\":8192,\"len\":8192,"
    "\"kind\":\"file\"}",
    "{\"t\":9223372036854775807,\"op\":\"touch\",\"pid\":42,\"addr\":8192,\"len\":4096,"
    "\"kind\":\"anon\"}",
    "{\"t\":9223372036854775807,\"op\":\"touch\",\"pid\":42,\"addr\":8192,\"len\":4096,"
    "\"kind\":\"file\"}",
    "{\"t\":9223372036854775807,\"op\":\"exit\",\"pid\":41,\"cpu\":0}",
    /* the context a recorded event ran in, last */
    "{\"t\":9223372036854775807,\"op\":\"free\",\"id\":3,\"cpu\":1,\"order\":0,\"pfn\":77,"
    "\"irq\":\"softirq\",\"pcp_locked\":true}",
    "{\"t\":9223372036854775807,\"op\":\"alloc\",\"id\":9,\"cpu\":1,\"pid\":7,\"order\":0,"
    "\"gfp\":\"GFP_ATOMIC\",\"irq\":\"hardirq\"}",
    "{\"t\":9223372036854775807,\"op\":\"observed\",\"event\":\"mm_page_pcpu_drain\","
    "\"cpu\":1,\"pid\":7,\"pfn\":78,\"order\":0,\"migratetype\":1,\"irq\":\"nmi\"}",
};

static const PsTraceHeader test_hdr = {
    .version = 1, .source = "test", .page_size = 4096, .cpus = 2};

static void parse_ok(const char *line, PsTraceEvent *ev)
{
	g_autoptr(GError) error = NULL;

	if (!ps_trace_parse_line(line, strlen(line), ev, &error))
		g_error("'%s' did not parse: %s", line, error->message);
}

static char *format(const PsTraceEvent *ev)
{
	char buf[PS_TRACE_EVENT_MAX];
	gsize len = ps_trace_format_event(ev, buf);

	g_assert_cmpuint(len, >, 0);
	g_assert_cmpint(buf[len - 1], ==, '\n');
	return g_strndup(buf, len - 1);
}

/*
 * Unsigned numbers at every digit-count edge (10^k - 1, 10^k, 2^k - 1, 2^k, up to UINT64_MAX) are
 * written as printf writes them: the writer takes a number's digit count from its bit length.
 */
static void test_format_digits(void)
{
	GArray *vs = g_array_new(FALSE, FALSE, sizeof(uint64_t));

	for (uint64_t p = 1;; p *= 10) {
		uint64_t v[] = {p - 1, p, p + 1};

		g_array_append_vals(vs, v, 3);
		if (p > UINT64_MAX / 10)
			break;
	}
	for (int b = 1; b < 64; b++) {
		uint64_t v[] = {(1ull << b) - 1, 1ull << b, (1ull << b) + 1};

		g_array_append_vals(vs, v, 3);
	}
	for (guint i = 0; i < vs->len; i++) {
		uint64_t v = g_array_index(vs, uint64_t, i);
		PsTraceEvent ev;
		g_autofree char *got = NULL, *want = NULL;

		ps_trace_event_init(&ev);
		ev.t_ns = v;
		ev.op = PS_OP_FREE;
		ev.id = v;
		got = format(&ev);
		want =
		    g_strdup_printf("{\"t\":%" PRIu64 ",\"op\":\"free\",\"id\":%" PRIu64 "}", v, v);
		g_assert_cmpstr(got, ==, want);
	}
	g_array_unref(vs);
}

static void test_round_trip(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(canonical); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *out = NULL;
		PsTraceEvent ev;

		parse_ok(canonical[i], &ev);
		g_assert_true(ps_trace_event_check(&ev, &error));
		out = format(&ev);
		g_assert_cmpstr(out, ==, canonical[i]);
	}
}

/* The canonical records with a kind on map or touch, counted from the end of the list. */
static const struct {
	size_t from_end;
	enum ps_trace_op op;
	enum ps_alloc_kind kind;
} kinds[] = {
    {5, PS_OP_TOUCH, PS_KIND_FILE},
    {6, PS_OP_TOUCH, PS_KIND_ANON},
    {7, PS_OP_MAP, PS_KIND_FILE},
};

static void test_fields(void)
{
	PsTraceEvent ev;

	parse_ok(canonical[2], &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_ALLOC);
	g_assert_cmpuint(ev.t_ns, ==, 1000);
	g_assert_cmpuint(ev.id, ==, 1);
	g_assert_cmpint(ev.cpu, ==, 0);
	g_assert_cmpint(ev.pid, ==, 42);
	g_assert_cmpint(ev.order, ==, 0);
	g_assert_cmpuint(ev.bytes, ==, 0);
	g_assert_true(ev.has_gfp);
	g_assert_cmphex(ev.gfp, ==, PS_GFP_HIGHUSER_MOVABLE | PS_GFP_ZERO);
	g_assert_cmpint(ev.kind, ==, PS_KIND_UNSPEC);
	g_assert_cmpint(ev.node, ==, -1);
	g_assert_false(ev.has_pfn);

	parse_ok(canonical[3], &ev);
	g_assert_cmpint(ev.order, ==, -1);
	g_assert_cmpuint(ev.bytes, ==, 20480);
	g_assert_cmpint(ev.kind, ==, PS_KIND_KERNEL);

	parse_ok(canonical[4], &ev);
	g_assert_cmpuint(ev.id, ==, UINT64_MAX);
	g_assert_true(ev.has_pfn);
	g_assert_cmpuint(ev.pfn, ==, UINT64_MAX);
	g_assert_cmpint(ev.node, ==, 1);

	parse_ok("{\"t\":3,\"op\":\"cache_add\",\"cpu\":1,\"len\":6144,\"offset\":8192,"
		 "\"file\":\"8:1:1234\",\"pid\":42}",
		 &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_CACHE_ADD);
	g_assert_cmpstr(ev.file, ==, "8:1:1234");
	g_assert_cmpuint(ev.offset, ==, 8192);
	g_assert_cmpuint(ev.len, ==, 6144);
	g_assert_cmpint(ev.pid, ==, 42);
	g_assert_cmpint(ev.cpu, ==, 1);
	parse_ok("{\"t\":3,\"op\":\"cache_remove\",\"file\":\"x\",\"offset\":1,"
		 "\"reason\":\"unlink\"}",
		 &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_CACHE_REMOVE);
	g_assert_cmpint(ev.reason, ==, PS_CACHE_UNLINK);
	g_assert_cmpuint(ev.len, ==, 0);
	g_assert_cmpint(ev.pid, ==, -1);

	parse_ok(canonical[1], &ev);
	g_assert_cmpstr(ev.comm, ==, "a\"b\\c\n\001");
	g_assert_cmpint(ev.oom_score_adj, ==, -1000);

	parse_ok(canonical[8], &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_FREE);
	g_assert_cmpint(ev.cpu, ==, -1);
	g_assert_cmpint(ev.pid, ==, -1);
	g_assert_cmpint(ev.free_reason, ==, PS_FREE_UNSPEC);
	parse_ok("{\"t\":3,\"reason\":\"reclaim_direct\",\"op\":\"free\",\"id\":5}", &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_FREE);
	g_assert_cmpint(ev.free_reason, ==, PS_FREE_RECLAIM_DIRECT);
	g_assert_cmpint(ev.reason, ==, PS_CACHE_TRUNCATE); /* the cache_remove field is untouched */

	parse_ok("{\"t\":3,\"op\":\"alloc\",\"failed\":true,\"id\":5,\"cpu\":0,\"pid\":1,"
		 "\"order\":9,\"gfp\":\"GFP_TRANSHUGE\"}",
		 &ev);
	g_assert_true(ev.failed);
	g_assert_false(ev.has_pfn);
	parse_ok("{\"t\":3,\"op\":\"alloc\",\"failed\":false,\"id\":5,\"cpu\":0,\"pid\":1,"
		 "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pfn\":9}",
		 &ev);
	g_assert_false(ev.failed);

	parse_ok(canonical[9], &ev);
	g_assert_true(ev.thp);
	g_assert_cmpuint(ev.addr, ==, 140737488355328ull);
	g_assert_cmpuint(ev.len, ==, 2097152);
	parse_ok(canonical[11], &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_TOUCH);
	g_assert_false(ev.thp);
	g_assert_cmpint(ev.cpu, ==, -1); /* none recorded: the simulator picks pid % cpus */
	parse_ok("{\"cpu\":1,\"t\":3,\"op\":\"touch\",\"pid\":7,\"addr\":0,\"len\":4096}", &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_TOUCH);
	g_assert_cmpint(ev.cpu, ==, 1);
	g_assert_cmpint(ev.pid, ==, 7);
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		parse_ok(canonical[G_N_ELEMENTS(canonical) - kinds[i].from_end], &ev);
		g_assert_cmpint(ev.op, ==, kinds[i].op);
		g_assert_cmpint(ev.kind, ==, kinds[i].kind);
	}
	parse_ok(canonical[G_N_ELEMENTS(canonical) - 4], &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_EXIT);
	g_assert_cmpint(ev.cpu, ==, 0);
	g_assert_cmpint(ev.pid, ==, 41);
	g_assert_cmpint(ev.irq, ==, PS_IRQ_NONE);
	parse_ok(canonical[G_N_ELEMENTS(canonical) - 3], &ev);
	g_assert_cmpint(ev.op, ==, PS_OP_FREE);
	g_assert_cmpint(ev.irq, ==, PS_IRQ_SOFTIRQ);
	g_assert_cmpint(ev.pcp_locked, ==, 1);
	parse_ok(canonical[G_N_ELEMENTS(canonical) - 2], &ev);
	g_assert_cmpint(ev.irq, ==, PS_IRQ_HARDIRQ);
	g_assert_cmpint(ev.pcp_locked, ==, 0);
	parse_ok(canonical[G_N_ELEMENTS(canonical) - 1], &ev);
	g_assert_cmpint(ev.event, ==, PS_OBS_PCPU_DRAIN);
	g_assert_cmpint(ev.irq, ==, PS_IRQ_NMI);

	parse_ok(canonical[13], &ev);
	g_assert_cmpint(ev.value, ==, -1);
	g_assert_cmpint(ev.order, ==, -1);
	parse_ok(canonical[14], &ev);
	g_assert_cmpint(ev.value, ==, 9);

	parse_ok(canonical[15], &ev);
	g_assert_cmpstr(ev.name, ==, "min_free_kbytes");
	g_assert_cmpint(ev.value, ==, 67584);
	parse_ok(canonical[16], &ev);
	g_assert_cmpint(ev.value, ==, INT64_MIN);

	parse_ok("{\"t\":1,\"op\":\"drop_caches\"}", &ev);
	g_assert_cmpint(ev.value, ==, 3);
	parse_ok("{\"t\":1,\"op\":\"proc\",\"pid\":3,\"comm\":\"\"}", &ev);
	g_assert_cmpint(ev.oom_score_adj, ==, 0);

	parse_ok(canonical[G_N_ELEMENTS(canonical) - 2], &ev);
	g_assert_cmpuint(ev.t_ns, ==, INT64_MAX);
}

/* Other key orders, spacing and spellings parse and come back canonical. */
static void test_normalise(void)
{
	static const char *const cases[][2] = {
	    {" { \"op\" : \"free\" , \"id\" : 7 , \"t\" : 3 } \r",
	     "{\"t\":3,\"op\":\"free\",\"id\":7}"},
	    {"{\"gfp\":\"__GFP_ZERO|GFP_HIGHUSER_MOVABLE\",\"pid\":1,\"cpu\":1,\"order\":2,"
	     "\"id\":9,\"op\":\"alloc\",\"t\":4}",
	     "{\"t\":4,\"op\":\"alloc\",\"id\":9,\"cpu\":1,\"pid\":1,\"order\":2,"
	     "\"gfp\":\"GFP_HIGHUSER_MOVABLE|__GFP_ZERO\"}"},
	    {"{\"t\":4,\"op\":\"alloc\",\"id\":9,\"cpu\":1,\"pid\":1,\"order\":2,"
	     "\"gfp\":\"0xcc0\"}",
	     "{\"t\":4,\"op\":\"alloc\",\"id\":9,\"cpu\":1,\"pid\":1,\"order\":2,"
	     "\"gfp\":\"GFP_KERNEL\"}"},
	    {"{\"t\":0,\"op\":\"map\",\"pid\":1,\"addr\":0,\"len\":1,\"thp\":false}",
	     "{\"t\":0,\"op\":\"map\",\"pid\":1,\"addr\":0,\"len\":1}"},
	    {"{\"t\":1,\"op\":\"compact\",\"order\":-1}", "{\"t\":1,\"op\":\"compact\"}"},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":2,\"comm\":\"\\u00e9t\\u00e9\"}",
	     "{\"t\":1,\"op\":\"proc\",\"pid\":2,\"comm\":\"\xc3\xa9t\xc3\xa9\","
	     "\"oom_score_adj\":0}"},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *out = NULL;
		PsTraceEvent ev;

		parse_ok(cases[i][0], &ev);
		out = format(&ev);
		g_assert_cmpstr(out, ==, cases[i][1]);
	}
}

/* Bad lines: the message contains every given substring (field name first, then the reason). */
static void parse_fails_len(const char *line, gsize len, const char *what1, const char *what2)
{
	g_autoptr(GError) error = NULL;
	PsTraceEvent ev;

	if (ps_trace_parse_line(line, len, &ev, &error))
		g_error("'%.*s' parsed but should not", (int)MIN(len, 200), line);
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE);
	g_test_message("%s", error->message);
	if (!strstr(error->message, what1) || (what2 && !strstr(error->message, what2)))
		g_error("message '%s' lacks '%s'/'%s'", error->message, what1, what2 ? what2 : "");
}

static void parse_fails(const char *line, const char *what1, const char *what2)
{
	parse_fails_len(line, strlen(line), what1, what2);
}

#define ALLOC_HEAD "{\"t\":1,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,"

static void test_errors(void)
{
	static const char *const cases[][3] = {
	    {ALLOC_HEAD "\"order\":99,\"gfp\":\"GFP_KERNEL\"}",
	     "order: must be an integer 0..15, got 99", NULL},
	    {ALLOC_HEAD "\"order\":-1,\"gfp\":\"GFP_KERNEL\"}", "order: must be an integer 0..15",
	     "got -1"},
	    {ALLOC_HEAD "\"order\":0,\"gfp\":\"GFP_KERNEL|__GFP_FOO\"}", "gfp: ", "__GFP_FOO"},
	    {ALLOC_HEAD "\"order\":0,\"gfp\":\"\"}", "gfp: ", "empty"},
	    {ALLOC_HEAD "\"order\":0,\"gfp\":7}", "gfp: must be a string", "a number"},
	    {ALLOC_HEAD "\"order\":0,\"bytes\":4096,\"gfp\":\"GFP_KERNEL\"}",
	     "bytes: only one of order and bytes may be given", NULL},
	    {ALLOC_HEAD "\"gfp\":\"GFP_KERNEL\"}", "order: missing", "order or bytes"},
	    {ALLOC_HEAD "\"order\":0}", "gfp: missing", "alloc"},
	    {ALLOC_HEAD "\"bytes\":0,\"gfp\":\"GFP_KERNEL\"}", "bytes: must be an integer > 0",
	     "got 0"},
	    {ALLOC_HEAD "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"kind\":\"weird\"}",
	     "kind: unknown kind \"weird\"", NULL},
	    {ALLOC_HEAD "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"kind\":\"\"}", "kind: unknown kind",
	     NULL},
	    {ALLOC_HEAD "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"node\":1024}",
	     "node: must be an integer 0..1023, got 1024", NULL},
	    {ALLOC_HEAD "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pfn\":-5}",
	     "pfn: must be an integer >= 0, got -5", NULL},
	    /* -0 was taken as 0: a damaged value, not one a writer makes */
	    {"{\"t\":-0,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,"
	     "\"gfp\":\"GFP_KERNEL\"}",
	     "t: must be an integer >= 0, got -0", NULL},
	    {ALLOC_HEAD "\"order\":-0,\"gfp\":\"GFP_KERNEL\"}",
	     "order: must be an integer 0..15, got -0", NULL},
	    {"{\"t\":1,\"op\":\"alloc\",\"id\":1,\"cpu\":8192,\"pid\":1,\"order\":0,"
	     "\"gfp\":\"GFP_KERNEL\"}",
	     "cpu: must be an integer 0..8191, got 8192", NULL},
	    {"{\"t\":1,\"op\":\"alloc\",\"id\":1,\"pid\":1,\"order\":0,\"gfp\":\"GFP_KERNEL\"}",
	     "cpu: missing (required by op \"alloc\")", NULL},
	    {"{\"t\":1,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":4194305,\"order\":0,"
	     "\"gfp\":\"GFP_KERNEL\"}",
	     "pid: must be an integer 0..4194304, got 4194305", NULL},
	    {ALLOC_HEAD "\"order\":\"3\",\"gfp\":\"GFP_KERNEL\"}",
	     "order: must be an integer 0..15, got a string", NULL},
	    {ALLOC_HEAD "\"order\":null,\"gfp\":\"GFP_KERNEL\"}", "order: must be an integer",
	     "got null"},
	    {ALLOC_HEAD "\"order\":true,\"gfp\":\"GFP_KERNEL\"}", "order: must be an integer",
	     "got true"},
	    {ALLOC_HEAD "\"order\":[1],\"gfp\":\"GFP_KERNEL\"}", "order: must be an integer",
	     "got an array"},
	    {ALLOC_HEAD "\"order\":{\"a\":[1,{\"b\":2}]},\"gfp\":\"GFP_KERNEL\"}",
	     "order: must be an integer", "got an object"},
	    /* integers: no fraction, exponent, leading zero or overflow; NaN/Infinity not JSON */
	    {"{\"t\":1.5,\"op\":\"exit\",\"pid\":1}", "t: must be an integer >= 0, got 1.5", NULL},
	    {"{\"t\":1.0,\"op\":\"exit\",\"pid\":1}", "t: must be an integer >= 0, got 1.0", NULL},
	    {"{\"t\":1e3,\"op\":\"exit\",\"pid\":1}", "t: must be an integer >= 0, got 1e3", NULL},
	    {"{\"t\":1e999,\"op\":\"exit\",\"pid\":1}", "t: must be an integer", "1e999"},
	    {"{\"t\":007,\"op\":\"exit\",\"pid\":1}", "t: must be an integer", "got 007"},
	    {"{\"t\":-1,\"op\":\"exit\",\"pid\":1}", "t: must be an integer >= 0, got -1", NULL},
	    {"{\"t\":18446744073709551616,\"op\":\"exit\",\"pid\":1}", "t: must be an integer",
	     "18446744073709551616"},
	    {"{\"t\":NaN,\"op\":\"exit\",\"pid\":1}", "not valid JSON", NULL},
	    {"{\"t\":Infinity,\"op\":\"exit\",\"pid\":1}", "not valid JSON", NULL},
	    {"{\"t\":-Infinity,\"op\":\"exit\",\"pid\":1}", "not valid JSON", NULL},
	    {"{\"t\":1,\"op\":\"sysctl\",\"name\":\"x\",\"value\":9223372036854775808}",
	     "value: must be a 64-bit integer, got 9223372036854775808", NULL},
	    {"{\"t\":1,\"op\":\"sysctl\",\"name\":\"x\",\"value\":-9223372036854775809}",
	     "value: must be a 64-bit integer", NULL},
	    {"{\"t\":1,\"op\":\"sysctl\",\"name\":\"Min-Free\",\"value\":1}",
	     "name: ", "not a vm sysctl name"},
	    {"{\"t\":1,\"op\":\"sysctl\",\"name\":\"\",\"value\":1}", "name: must not be empty",
	     NULL},
	    {"{\"t\":1,\"op\":\"sysctl\",\"name\":\"min_free_kbytes\"}", "value: missing", NULL},
	    /* keys and ops */
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1,\"foo\":2}", "\"foo\": unknown key", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1,\"pid\":2}", "pid: given twice", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"op\":\"exit\",\"pid\":1}", "op: given twice", NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"pid\":1}", "pid: not a field of op \"free\"",
	     NULL},
	    {"{\"t\":1,\"op\":\"fork\",\"pid\":1}", "op: unknown op \"fork\"", NULL},
	    {"{\"t\":1,\"op\":3}", "op: must be a string", NULL},
	    {"{\"t\":1,\"pid\":1}", "op: missing", NULL},
	    {"{\"op\":\"exit\",\"pid\":1}", "t: missing", NULL},
	    {"{\"t\":1,\"op\":\"free\"}", "id: missing", NULL},
	    /* proc */
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"0123456789abcdef\"}",
	     "comm: at most 15 bytes, got 16", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"oom_score_adj\":1001}",
	     "oom_score_adj: must be an integer -1000..1000, got 1001", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1}", "comm: missing", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"mempolicy\":\"spread:0\"}",
	     "mempolicy: unknown policy mode", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"mempolicy\":\"bind\"}",
	     "mempolicy: 'bind' needs a node list", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"mempolicy\":\"bind:3-1\"}",
	     "mempolicy: bad node list", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1,\"mempolicy\":\"local\"}", "mempolicy", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"parent\":0}",
	     "parent: must be an integer 1..4194304, got 0", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1,\"parent\":2}", "parent", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"forked_by\":0}",
	     "forked_by: must be an integer 1..4194304, got 0", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"parent\":2,\"forked_by\":2}",
	     "forked_by: not with parent", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"forked_by\":1}",
	     "forked_by: 1 is the task itself", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"parent\":1}",
	     "parent: 1 is the task itself", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1,\"forked_by\":2}", "forked_by", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"memcg\":\"a/b\"}",
	     "memcg: \"a/b\" must start with /", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"memcg\":\"/a/\"}",
	     "memcg: \"/a/\" must not end with /", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"memcg\":\"/a/../b\"}",
	     "has an empty, . or .. name", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"memcg\":\"/a b\"}",
	     "must be printable ASCII without spaces", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1,\"memcg\":\"/\"}", "memcg", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"\xff\xfe\"}", "comm: not valid UTF-8",
	     NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\\u0000b\"}", "escaped NUL", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"c\\u0000omm\":\"ab\"}", "escaped NUL", NULL},
	    /* ranges */
	    {"{\"t\":9223372036854775808,\"op\":\"compact\"}",
	     "t: 9223372036854775808 is beyond the simulated clock", NULL},
	    {"{\"t\":1,\"op\":\"touch\",\"pid\":1,\"addr\":4096,\"len\":0}",
	     "len: must be an integer > 0, got 0", NULL},
	    {"{\"t\":1,\"op\":\"touch\",\"pid\":1,\"addr\":18446744073709551615,\"len\":2}",
	     "len: addr + len reaches 2^64", NULL},
	    /* a range ending at 2^64 exactly: its end would wrap to 0 in map and unmap */
	    {"{\"t\":1,\"op\":\"map\",\"pid\":1,\"addr\":18446744073709547520,\"len\":4096}",
	     "len: addr + len reaches 2^64", NULL},
	    {"{\"t\":1,\"op\":\"unmap\",\"pid\":1,\"addr\":18446744073709547520,\"len\":4096}",
	     "len: addr + len reaches 2^64", NULL},
	    {"{\"t\":1,\"op\":\"touch\",\"pid\":1,\"addr\":0,\"len\":4096,\"thp\":true}",
	     "thp: not a field of op \"touch\"", NULL},
	    {"{\"t\":1,\"op\":\"touch\",\"pid\":1,\"addr\":0,\"len\":4096,\"kind\":\"slab\"}",
	     "kind: op \"touch\" takes only kind \"file\" or \"anon\"", NULL},
	    {"{\"t\":1,\"op\":\"map\",\"pid\":1,\"addr\":0,\"len\":4096,\"kind\":\"anon\"}",
	     "kind: op \"map\" takes only kind \"file\"", NULL},
	    {"{\"t\":1,\"op\":\"unmap\",\"pid\":1,\"addr\":0,\"len\":4096,\"kind\":\"file\"}",
	     "kind: not a field of op \"unmap\"", NULL},
	    {"{\"t\":1,\"op\":\"map\",\"pid\":1,\"addr\":0,\"len\":4096,\"kind\":\"paper\"}",
	     "kind: ", NULL},
	    {"{\"t\":1,\"op\":\"touch\",\"pid\":1,\"addr\":0,\"len\":4096,\"cpu\":8192}",
	     "cpu: must be an integer 0..8191, got 8192", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1,\"cpu\":-1}",
	     "cpu: must be an integer 0..8191, got -1", NULL},
	    {"{\"t\":1,\"op\":\"unmap\",\"pid\":1,\"addr\":0,\"len\":4096,\"cpu\":\"0\"}",
	     "cpu: must be an integer", NULL},
	    {"{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\",\"cpu\":0}",
	     "cpu: not a field of op \"proc\"", NULL},
	    {"{\"t\":1,\"op\":\"map\",\"pid\":1,\"addr\":0,\"len\":4096,\"thp\":1}",
	     "thp: must be true or false, got a number", NULL},
	    {"{\"t\":1,\"op\":\"map\",\"pid\":1,\"len\":4096}", "addr: missing", NULL},
	    {"{\"t\":1,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,\"gfp\":\"GFP_"
	     "KERNEL\","
	     "\"failed\":\"yes\"}",
	     "failed: must be true or false, got a string", NULL},
	    {"{\"t\":1,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":9,\"gfp\":\"GFP_"
	     "KERNEL\","
	     "\"failed\":true,\"pfn\":512}",
	     "pfn: a failed allocation has no pfn", NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"failed\":true}",
	     "failed: not a field of op \"free\"", NULL},
	    {"{\"t\":1,\"op\":\"compact\",\"order\":16}",
	     "order: must be an integer -1..15, got 16", NULL},
	    {"{\"t\":1,\"op\":\"drop_caches\",\"value\":4}",
	     "value: must be an integer 1..3, got 4", NULL},
	    {"{\"t\":1,\"op\":\"drop_caches\",\"value\":0}", "value: must be an integer 1..3",
	     NULL},
	    /* page cache ranges */
	    {"{\"t\":1,\"op\":\"cache_add\",\"file\":\"f\",\"offset\":0}", "len: missing", NULL},
	    {"{\"t\":1,\"op\":\"cache_add\",\"file\":\"f\",\"len\":1}", "offset: missing", NULL},
	    {"{\"t\":1,\"op\":\"cache_add\",\"offset\":0,\"len\":1}", "file: missing", NULL},
	    {"{\"t\":1,\"op\":\"cache_add\",\"file\":\"\",\"offset\":0,\"len\":1}",
	     "file: must not be empty", NULL},
	    {"{\"t\":1,\"op\":\"cache_add\",\"file\":\"a b\",\"offset\":0,\"len\":1}",
	     "file: \"a b\" must be printable ASCII without spaces", NULL},
	    {"{\"t\":1,\"op\":\"cache_add\",\"file\":\"f\",\"offset\":-1,\"len\":1}",
	     "offset: must be an integer >= 0, got -1", NULL},
	    {"{\"t\":1,\"op\":\"cache_add\",\"file\":\"f\",\"offset\":0,\"len\":0}",
	     "len: must be an integer > 0, got 0", NULL},
	    {"{\"t\":1,\"op\":\"cache_add\",\"file\":\"f\",\"offset\":18446744073709551615,"
	     "\"len\":2}",
	     "len: offset + len runs past the largest file offset", NULL},
	    {"{\"t\":1,\"op\":\"cache_add\",\"file\":\"f\",\"offset\":0,\"len\":1,"
	     "\"reason\":\"drop\"}",
	     "reason: unknown reason \"drop\" of a cache_add (fault, exec, write, shmem)", NULL},
	    {"{\"t\":1,\"op\":\"cache_remove\",\"file\":\"f\",\"offset\":0,\"reason\":\"fault\"}",
	     "reason: unknown reason \"fault\" (truncate, unlink, drop, reclaim)", NULL},
	    {"{\"t\":1,\"op\":\"cache_remove\",\"file\":\"f\",\"offset\":0}",
	     "reason: missing (required by op \"cache_remove\")", NULL},
	    {"{\"t\":1,\"op\":\"cache_remove\",\"file\":\"f\",\"offset\":0,\"reason\":\"evict\"}",
	     "reason: unknown reason \"evict\" (truncate, unlink, drop, reclaim)", NULL},
	    {"{\"t\":1,\"op\":\"cache_remove\",\"file\":\"f\",\"offset\":0,"
	     "\"reason\":\"reclaim_kswapd\"}",
	     "reason: unknown reason \"reclaim_kswapd\" (truncate, unlink, drop, reclaim)", NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"reason\":\"reclaim\"}",
	     "reason: unknown reason \"reclaim\" of a free (reclaim_kswapd, reclaim_direct)", NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"reason\":\"\"}",
	     "reason: unknown reason \"\" of a free", NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"reason\":3}", "reason: must be a string", NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"irq\":\"irq\"}",
	     "irq: unknown context \"irq\" (softirq, hardirq, nmi)", NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"irq\":\"\"}", "irq: unknown context \"\"", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1,\"irq\":\"softirq\"}",
	     "irq: not a field of op \"exit\"", NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"pcp_locked\":true}",
	     "pcp_locked: only an interrupt's free (with irq) finds its cpu's pcp lock taken",
	     NULL},
	    {"{\"t\":1,\"op\":\"free\",\"id\":1,\"irq\":\"softirq\",\"pcp_locked\":1}",
	     "pcp_locked: must be true or false, got a number", NULL},
	    {ALLOC_HEAD
	     "\"order\":0,\"gfp\":\"GFP_ATOMIC\",\"irq\":\"softirq\",\"pcp_locked\":true}",
	     "pcp_locked: not a field of op \"alloc\"", NULL},
	    {"{\"t\":1,\"op\":\"cache_remove\",\"file\":\"f\",\"offset\":0,\"reason\":\"drop\","
	     "\"addr\":0}",
	     "addr: not a field of op \"cache_remove\"", NULL},
	    {ALLOC_HEAD "\"bytes\":1,\"gfp\":\"GFP_KERNEL\",\"kind\":\"stacks\"}",
	     "kind: unknown kind \"stacks\"", "pagetable"},
	    {"{\"t\":1,\"op\":\"zone_grow\",\"node\":0,\"zone\":\"HighMem\",\"pages\":1}",
	     "zone: unknown zone \"HighMem\" (DMA, DMA32, Normal, Movable, Device)", NULL},
	    {"{\"t\":1,\"op\":\"zone_grow\",\"node\":0,\"zone\":3,\"pages\":1}",
	     "zone: must be a string", NULL},
	    {"{\"t\":1,\"op\":\"zone_grow\",\"node\":0,\"zone\":\"Normal\",\"pages\":0}",
	     "pages: must be an integer > 0, got 0", NULL},
	    {"{\"t\":1,\"op\":\"zone_grow\",\"node\":0,\"pages\":1}",
	     "zone: missing (required by op \"zone_grow\")", NULL},
	    {"{\"t\":1,\"op\":\"zone_grow\",\"zone\":\"Normal\",\"pages\":1}",
	     "node: missing (required by op \"zone_grow\")", NULL},
	    {"{\"t\":1,\"op\":\"zone_grow\",\"node\":1024,\"zone\":\"Normal\",\"pages\":1}",
	     "node: must be an integer 0..1023, got 1024", NULL},
	    {"{\"t\":1,\"op\":\"zone_grow\",\"node\":0,\"zone\":\"Normal\",\"pages\":2,"
	     "\"pfn\":18446744073709551615}",
	     "pages: pfn + pages runs past the largest pfn", NULL},
	    {"{\"t\":1,\"op\":\"zone_grow\",\"node\":0,\"zone\":\"Normal\",\"pages\":1,"
	     "\"order\":0}",
	     "order: not a field of op \"zone_grow\"", NULL},
	    /* not an event line at all */
	    {"", "empty line", NULL},
	    {"   ", "not valid JSON", NULL},
	    {"{\"t\":1,\"op\":\"al", "not valid JSON", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1", "not valid JSON", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1}}", "unexpected text after the JSON object", NULL},
	    {"{\"t\":1,\"op\":\"exit\",\"pid\":1} {}", "unexpected text", "column 29"},
	    {"[1,2]", "not a JSON object", NULL},
	    {"\"x\"", "not a JSON object", NULL},
	    {"\x89PNG\r\n\x1a\n\xff\xd8", "not valid JSON", NULL},
	    {"{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":1}",
	     "op: missing (a trace header", NULL},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		parse_fails(cases[i][0], cases[i][1], cases[i][2]);

	/* an embedded NUL byte, and a line that is not NUL-terminated at len */
	parse_fails_len("{\"t\":1,\"op\":\"exit\",\0\"pid\":1}", 28, "NUL byte", "column 20");
	parse_fails_len("{\"t\":1,\"op\":\"exit\",\"pid\":1}xxxx", 20, "not valid JSON", NULL);
}

/*
 * An observed mm_compaction_begin's scanner starts (PsTraceEvent.compact): the five keys parse
 * into the record and come back in the writer's order; partial sets, other events, starts
 * outside the zone and a non-boolean sync are refused, by the reader and (on a filled-in
 * event) by the writer's check.
 */
static void test_compaction_start(void)
{
	static const char line[] =
	    "{\"t\":5,\"op\":\"observed\",\"event\":\"mm_compaction_begin\",\"cpu\":0,\"pid\":7,"
	    "\"zone_start\":4096,\"migrate_pfn\":8192,\"free_pfn\":1048064,\"zone_end\":1048576,"
	    "\"sync\":false}";
	static const char *const bad[][2] = {
	    {"\"zone_start\":1,\"migrate_pfn\":1,\"free_pfn\":512,\"zone_end\":4096",
	     "sync: missing (zone_start, migrate_pfn, free_pfn, zone_end and sync come together)"},
	    {"\"migrate_pfn\":1", "zone_start: missing"},
	    {"\"zone_start\":1,\"migrate_pfn\":0,\"free_pfn\":512,\"zone_end\":4096,"
	     "\"sync\":true",
	     "migrate_pfn: must be in [zone_start, zone_end)"},
	    {"\"zone_start\":1,\"migrate_pfn\":4096,\"free_pfn\":512,\"zone_end\":4096,"
	     "\"sync\":true",
	     "migrate_pfn: must be in [zone_start, zone_end)"},
	    {"\"zone_start\":1,\"migrate_pfn\":1,\"free_pfn\":4096,\"zone_end\":4096,"
	     "\"sync\":true",
	     "free_pfn: must be below zone_end"},
	    {"\"zone_start\":9,\"migrate_pfn\":9,\"free_pfn\":0,\"zone_end\":9,\"sync\":true",
	     "zone_end: must be above zone_start"},
	    {"\"zone_start\":1,\"migrate_pfn\":1,\"free_pfn\":512,\"zone_end\":4096,"
	     "\"sync\":1",
	     "sync: must be true or false, got a number"},
	};
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	PsTraceEvent ev;

	parse_ok(line, &ev);
	g_assert_true(ev.compact.has_start);
	g_assert_cmpuint(ev.compact.zone_start, ==, 4096);
	g_assert_cmpuint(ev.compact.migrate_pfn, ==, 8192);
	g_assert_cmpuint(ev.compact.free_pfn, ==, 1048064);
	g_assert_cmpuint(ev.compact.zone_end, ==, 1048576);
	g_assert_false(ev.compact.sync);
	out = format(&ev);
	g_assert_cmpstr(out, ==, line);
	/* the writer refuses a start on any other event */
	ev.event = PS_OBS_COMPACTION_END;
	g_assert_false(ps_trace_event_check(&ev, &error));
	g_assert_nonnull(strstr(error->message, "zone_start: not a field of observed event "
						"\"mm_compaction_end\""));
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *l = g_strdup_printf("{\"t\":5,\"op\":\"observed\",\"event\":"
						     "\"mm_compaction_begin\",%s}",
						     bad[i][0]);

		parse_fails(l, bad[i][1], NULL);
	}
	parse_fails("{\"t\":5,\"op\":\"observed\",\"event\":\"mm_compaction_end\",\"zone_start\":1,"
		    "\"migrate_pfn\":1,\"free_pfn\":512,\"zone_end\":4096,\"sync\":true}",
		    "zone_start: not a field of observed event \"mm_compaction_end\"", NULL);
	parse_fails("{\"t\":5,\"op\":\"compact\",\"zone_start\":1}",
		    "zone_start: not a field of op \"compact\"", NULL);
}

/* Nesting far past cJSON's limit is an error, not a stack overflow; huge lines are just long. */
static void test_hostile(void)
{
	GString *s = g_string_new(NULL);
	int i;

	for (i = 0; i < 100000; i++)
		g_string_append_c(s, '[');
	parse_fails(s->str, "not valid JSON", NULL);

	g_string_assign(s, "{\"t\":1,\"op\":\"exit\",\"pid\":");
	for (i = 0; i < 100000; i++)
		g_string_append(s, "{\"a\":");
	parse_fails(s->str, "not valid JSON", NULL);

	g_string_assign(s, "{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"");
	for (i = 0; i < 4 << 20; i++)
		g_string_append_c(s, 'x');
	g_string_append(s, "\"}");
	parse_fails(s->str, "comm: at most 15 bytes", NULL);

	g_string_assign(s, "{\"t\":1,\"op\":\"exit\",\"pid\":");
	for (i = 0; i < 100000; i++)
		g_string_append_c(s, '9');
	g_string_append(s, "}");
	parse_fails(s->str, "pid: must be an integer 0..4194304, got 9999", "...");

	/* every prefix of a valid line is refused without reading past its end */
	for (i = 0; i < (int)strlen(canonical[4]); i++) {
		g_autoptr(GError) error = NULL;
		char *copy = g_memdup2(canonical[4], (gsize)i);
		PsTraceEvent ev;

		g_assert_false(ps_trace_parse_line(copy, (gsize)i, &ev, &error));
		g_assert_nonnull(error);
		g_free(copy);
	}
	g_string_free(s, TRUE);
}

static void header_fails(const char *line, const char *what)
{
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;

	g_assert_false(ps_trace_parse_header(line, strlen(line), &hdr, &error));
	g_test_message("%s", error->message);
	if (!strstr(error->message, what))
		g_error("message '%s' lacks '%s'", error->message, what);
}

/* line parses into hdr and formats back to itself. */
static void header_round_trip(const char *line, PsTraceHeader *hdr)
{
	g_autoptr(GError) error = NULL;
	char buf[PS_TRACE_EVENT_MAX];
	gsize len;

	ps_trace_header_clear(hdr); /* the header parsed before */
	g_assert_true(ps_trace_parse_header(line, strlen(line), hdr, &error));
	g_assert_no_error(error);
	len = ps_trace_format_header(hdr, buf);
	g_assert_cmpmem(buf, len - 1, line, strlen(line));
}

static void test_header(void)
{
	static const char *line =
	    "{\"pagesim_trace\":1,\"source\":\"gen:kbuild\",\"page_size\":4096,\"cpus\":2}";
	g_autoptr(GError) error = NULL;
	char buf[PS_TRACE_EVENT_MAX];
	PsTraceHeader hdr;
	gsize len;

	g_assert_true(ps_trace_parse_header(line, strlen(line), &hdr, &error));
	g_assert_cmpint(hdr.version, ==, 1);
	g_assert_cmpstr(hdr.source, ==, "gen:kbuild");
	g_assert_cmpuint(hdr.page_size, ==, 4096);
	g_assert_cmpint(hdr.cpus, ==, 2);
	g_assert_cmpstr(hdr.machine, ==, "");
	len = ps_trace_format_header(&hdr, buf);
	g_assert_cmpmem(buf, len - 1, line, strlen(line));

	/* the optional machine (pagesim-capture's MACHINE line), written back only when given */
	header_round_trip("{\"pagesim_trace\":1,\"source\":\"ftrace\",\"page_size\":4096,"
			  "\"cpus\":2,\"machine\":\"host=vm boot_id=b-1 kernel=6.18\"}",
			  &hdr);
	g_assert_cmpstr(hdr.machine, ==, "host=vm boot_id=b-1 kernel=6.18");
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":1,"
		     "\"machine\":1}",
		     "machine: must be a string");
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":1,"
		     "\"machine\":\"a\",\"machine\":\"b\"}",
		     "machine: given twice");
	/* the optional vmstat_update_ns (import.c, vmstat_note), written back only when given */
	header_round_trip("{\"pagesim_trace\":1,\"source\":\"ftrace\",\"page_size\":16384,"
			  "\"cpus\":2,\"vmstat_update_ns\":2315378000}",
			  &hdr);
	g_assert_true(hdr.has_vmstat_update);
	g_assert_cmpuint(hdr.vmstat_update_ns, ==, 2315378000u);
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":1,"
		     "\"vmstat_update_ns\":-1}",
		     "vmstat_update_ns: must be an integer");
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":1,"
		     "\"vmstat_update_ns\":1,\"vmstat_update_ns\":2}",
		     "vmstat_update_ns: given twice");

	/* the optional pcp_start (import.c, note_pcp_start), written back only when given */
	header_round_trip(
	    "{\"pagesim_trace\":1,\"source\":\"ftrace\",\"page_size\":4096,"
	    "\"cpus\":2,\"pcp_start\":[[0,3,2,32768],[1,0,0,2252800],[1,0,1,13119488]]}",
	    &hdr);
	g_assert_true(hdr.has_pcp_start);
	g_assert_cmpint(hdr.n_pcp_start, ==, 3);
	g_assert_cmpuint(hdr.pcp_start[0].order, ==, 3);
	g_assert_cmpuint(hdr.pcp_start[0].migratetype, ==, 2);
	g_assert_cmpuint(hdr.pcp_start[2].cpu, ==, 1);
	g_assert_cmpuint(hdr.pcp_start[2].bytes, ==, 13119488u);
	/* known and empty (a portable import that found no start page) differs from absent */
	header_round_trip("{\"pagesim_trace\":1,\"source\":\"ftrace\",\"page_size\":4096,"
			  "\"cpus\":2,\"pcp_start\":[]}",
			  &hdr);
	g_assert_true(hdr.has_pcp_start);
	g_assert_cmpint(hdr.n_pcp_start, ==, 0);
	{
		static const struct {
			const char *value, *what;
		} bad[] = {
		    {"{}", "pcp_start: must be an array of [cpu, order, migratetype, bytes], got "
			   "an object"},
		    {"[[0,0,1]]", "pcp_start: list 1: must be [cpu, order, migratetype, bytes]"},
		    {"[[0,0,1,4096,1]]", "pcp_start: list 1: must be"},
		    {"[[0,0,1,4096.5]]", "pcp_start: list 1: must be"},
		    {"[[0,0,1,-4096]]", "pcp_start: list 1: must be"},
		    {"[[0,0,1,\"4096\"]]", "pcp_start: list 1: must be"},
		    {"[[2,0,1,4096]]", "pcp_start: list 1: cpu: not below the header's cpus"},
		    {"[[0,4,1,65536]]", "pcp_start: list 1: order: above PAGE_ALLOC_COSTLY_ORDER"},
		    {"[[0,0,3,4096]]", "pcp_start: list 1: migratetype: not a pcp list's"},
		    {"[[0,0,1,0]]", "pcp_start: list 1: bytes: not a positive multiple"},
		    {"[[0,0,1,4095]]", "pcp_start: list 1: bytes: not a positive multiple"},
		    {"[[1,0,1,4096],[0,0,1,4096]]", "pcp_start: list 2: not after the list before"},
		    {"[[0,0,1,4096],[0,0,1,4096]]", "pcp_start: list 2: not after the list before"},
		    {"[[0,1,0,8192],[0,0,1,4096]]", "pcp_start: list 2: not after the list before"},
		};

		for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_autofree char *l = g_strdup_printf(
			    "{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":2,"
			    "\"pcp_start\":%s}",
			    bad[i].value);

			header_fails(l, bad[i].what);
		}
	}

	header_fails("{\"pagesim_trace\":2,\"source\":\"x\",\"page_size\":4096,\"cpus\":2}",
		     "pagesim_trace: version 2 is not supported");
	header_fails("{\"t\":1,\"op\":\"exit\",\"pid\":1}", "pagesim_trace: missing");
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":5000,\"cpus\":2}",
		     "page_size: must be a power of two 4096..65536, got 5000");
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":131072,\"cpus\":2}",
		     "page_size: must be a power of two");
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":0}",
		     "cpus: must be an integer 1..8192, got 0");
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096}",
		     "cpus: missing from the header");
	header_fails("{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":1,\"y\":1}",
		     "\"y\": unknown key in the header");
	header_fails("{\"pagesim_trace\":1,\"source\":\"0123456789012345678901234567890123\","
		     "\"page_size\":4096,\"cpus\":1}",
		     "source: at most 31 bytes");
	header_fails("{\"pagesim_trace\":1.0,\"source\":\"x\",\"page_size\":4096,\"cpus\":1}",
		     "pagesim_trace: must be an integer");
	header_fails("", "missing header");
	header_fails("\x1f\x8b\x08", "not valid JSON");
	ps_trace_header_clear(&hdr);
}

/* A MACHINE file: one line, its newline dropped; anything else says file:line: machine: why. */
static void test_machine_file(void)
{
	static const struct {
		const char *text, *want, *error;
	} cases[] = {
	    {"host=vm boot_id=b-1 kernel=6.18\n", "host=vm boot_id=b-1 kernel=6.18", NULL},
	    {"host=vm", "host=vm", NULL},
	    {"host=vm\nhost=other\n", NULL, "MACHINE:2: machine: one line expected"},
	    {"\n", NULL, "MACHINE:1: machine: empty"},
	    {"host=\xff\n", NULL, "MACHINE:1: machine: not valid UTF-8"},
	};
	g_autofree char *dir = g_dir_make_tmp("ps-machine-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "MACHINE", NULL);
	char out[sizeof(((PsTraceHeader *)0)->machine)];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_true(g_file_set_contents(path, cases[i].text, -1, NULL));
		if (cases[i].want) {
			g_assert_true(ps_trace_machine_read(path, out, sizeof(out), &error));
			g_assert_no_error(error);
			g_assert_cmpstr(out, ==, cases[i].want);
			continue;
		}
		g_assert_false(ps_trace_machine_read(path, out, sizeof(out), &error));
		g_assert_nonnull(strstr(error->message, cases[i].error));
	}
	g_assert_true(g_file_set_contents(path, "host=vm\n", -1, NULL));
	{
		g_autoptr(GError) error = NULL;

		/* longer than the buffer given */
		g_assert_false(ps_trace_machine_read(path, out, 4, &error));
		g_assert_nonnull(strstr(error->message, "MACHINE:1: machine: longer than"));
	}
	g_unlink(path);
	g_rmdir(dir);
}

/* What the writer refuses: events the parser would refuse, and out-of-order ones. */
static void test_event_check(void)
{
	g_autoptr(GError) error = NULL;
	PsTraceEvent ev;

	ps_trace_event_init(&ev);
	ev.op = PS_OP_ALLOC;
	ev.cpu = 0;
	ev.pid = 1;
	ev.order = 0;
	g_assert_false(ps_trace_event_check(&ev, &error));
	g_assert_nonnull(strstr(error->message, "gfp: missing"));
	g_clear_error(&error);

	ev.has_gfp = true;
	ev.bytes = 4096;
	g_assert_false(ps_trace_event_check(&ev, &error));
	g_assert_nonnull(strstr(error->message, "bytes: only one of order and bytes"));
	g_clear_error(&error);

	ev.bytes = 0;
	ev.order = 16;
	g_assert_false(ps_trace_event_check(&ev, &error));
	g_assert_nonnull(strstr(error->message, "order: must be an integer 0..15, got 16"));
	g_clear_error(&error);

	ev.order = 0;
	g_assert_true(ps_trace_event_check(&ev, &error));
	g_assert_no_error(error);

	ps_trace_event_init(&ev);
	ev.op = PS_OP_SYSCTL;
	g_assert_false(ps_trace_event_check(&ev, &error));
	g_assert_nonnull(strstr(error->message, "name: must not be empty"));
	g_clear_error(&error);

	ps_trace_event_init(&ev);
	ev.op = PS_OP_TOUCH;
	ev.pid = 1;
	ev.len = 4096;
	ev.thp = true;
	g_assert_false(ps_trace_event_check(&ev, &error));
	g_assert_nonnull(strstr(error->message, "thp: not a field of op \"touch\""));
	g_clear_error(&error);

	/* a map ending at 2^64 exactly (its end would wrap to 0); a page lower is written */
	ps_trace_event_init(&ev);
	ev.op = PS_OP_MAP;
	ev.pid = 1;
	ev.addr = UINT64_MAX - 4095;
	ev.len = 4096;
	g_assert_false(ps_trace_event_check(&ev, &error));
	g_assert_nonnull(strstr(error->message, "len: addr + len reaches 2^64"));
	g_clear_error(&error);
	ev.addr -= 4096;
	g_assert_true(ps_trace_event_check(&ev, &error));
	g_assert_no_error(error);

	ps_trace_event_init(&ev);
	ev.op = PS_OP_PROC;
	ev.pid = 1;
	memset(ev.comm, 'x', sizeof(ev.comm));
	g_assert_false(ps_trace_event_check(&ev, &error));
	g_assert_nonnull(strstr(error->message, "comm:"));
	g_clear_error(&error);
}

/* ---- files -------------------------------------------------------------------------------- */

static char *make_tmpdir(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("test-trace-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

static void rm_rf(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(dir, name, NULL);

		g_unlink(p);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(dir);
}

static unsigned count_dir_entries(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	unsigned n = 0;

	g_assert_nonnull(d);
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	return n;
}

static void write_canonical(const char *path)
{
	g_autoptr(GError) error = NULL;
	PsTraceWriter *w = ps_trace_writer_new(path, &test_hdr, &error);
	size_t i;

	g_assert_no_error(error);
	for (i = 0; i < G_N_ELEMENTS(canonical); i++) {
		PsTraceEvent ev;

		parse_ok(canonical[i], &ev);
		g_assert_true(ps_trace_writer_write(w, &ev, &error));
		g_assert_no_error(error);
	}
	g_assert_cmpuint(ps_trace_writer_count(w), ==, G_N_ELEMENTS(canonical));
	g_assert_true(ps_trace_writer_close(w, &error));
	g_assert_no_error(error);
}

static void read_canonical(const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	size_t i;

	r = ps_trace_reader_open(path, &hdr, &error);
	g_assert_no_error(error);
	g_assert_nonnull(r);
	g_assert_cmpstr(ps_trace_reader_path(r), ==, path);
	g_assert_cmpstr(hdr.source, ==, "test");
	g_assert_cmpint(hdr.cpus, ==, 2);
	for (i = 0; i < G_N_ELEMENTS(canonical); i++) {
		g_autofree char *out = NULL;

		g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 1);
		g_assert_no_error(error);
		g_assert_cmpuint(ps_trace_reader_line(r), ==, i + 2);
		out = format(&ev);
		g_assert_cmpstr(out, ==, canonical[i]);
	}
	g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 0);
	g_assert_no_error(error);
	g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 0);
}

static void test_file_plain(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "t.jsonl", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GString) expect = g_string_new(
	    "{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,\"cpus\":2}\n");
	g_autoptr(GError) error = NULL;
	gsize len;
	size_t i;

	write_canonical(path);
	g_assert_cmpuint(count_dir_entries(dir), ==, 1);
	g_assert_true(g_file_get_contents(path, &text, &len, &error));
	for (i = 0; i < G_N_ELEMENTS(canonical); i++)
		g_string_append_printf(expect, "%s\n", canonical[i]);
	g_assert_cmpstr(text, ==, expect->str);
	read_canonical(path);
	rm_rf(dir);
}

static void test_file_gzip(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "t.jsonl.gz", NULL);
	g_autofree char *path2 = g_build_filename(dir, "u.jsonl.gz", NULL);
	g_autofree char *a = NULL, *b = NULL;
	g_autoptr(GError) error = NULL;
	gsize alen, blen;

	write_canonical(path);
	write_canonical(path2);
	g_assert_true(g_file_get_contents(path, &a, &alen, &error));
	g_assert_true(g_file_get_contents(path2, &b, &blen, &error));
	/* gzip: magic, deflate, no FNAME/FCOMMENT/FEXTRA flags, mtime 0; same bytes every time */
	g_assert_cmpuint(alen, >, 18);
	g_assert_cmphex((guchar)a[0], ==, 0x1f);
	g_assert_cmphex((guchar)a[1], ==, 0x8b);
	g_assert_cmphex((guchar)a[2], ==, 8);
	g_assert_cmphex((guchar)a[3], ==, 0);
	g_assert_cmphex((guchar)a[4] | (guchar)a[5] | (guchar)a[6] | (guchar)a[7], ==, 0);
	g_assert_cmpmem(a, alen, b, blen);
	read_canonical(path);
	rm_rf(dir);
}

/* Two gzip members back to back read as one trace, as with `cat a.gz b.gz`. */
static void test_gzip_members(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "t.jsonl.gz", NULL);
	g_autofree char *cat = g_build_filename(dir, "cat.jsonl.gz", NULL);
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) both = g_string_new(NULL);
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceEvent ev;
	gsize len;
	unsigned n = 0;
	int rc;

	write_canonical(path);
	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	g_string_append_len(both, data, (gssize)len);
	/* the second member: header-less events, times continuing */
	{
		GConverter *z =
		    G_CONVERTER(g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6));
		const char *more = "\n{\"t\":9223372036854775807,\"op\":\"exit\",\"pid\":5}\n";
		char out[256];
		gsize nread, nwritten;

		g_assert_cmpint(g_converter_convert(z, more, strlen(more), out, sizeof(out),
						    G_CONVERTER_INPUT_AT_END, &nread, &nwritten,
						    &error),
				==, G_CONVERTER_FINISHED);
		g_string_append_len(both, out, (gssize)nwritten);
		g_object_unref(z);
	}
	g_assert_true(g_file_set_contents(cat, both->str, (gssize)both->len, &error));
	r = ps_trace_reader_open(cat, NULL, &error);
	g_assert_no_error(error);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		n++;
	g_assert_no_error(error);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(canonical) + 1);
	g_assert_cmpint(ev.pid, ==, 5);
	rm_rf(dir);
}

/* Reads a file whose contents are given, expecting an error containing all of `what`. */
static void read_fails(const char *dir, const char *contents, gssize len, const char *what1,
		       const char *what2)
{
	g_autofree char *path = g_build_filename(dir, "bad.jsonl", NULL);
	g_autofree char *prefix = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceEvent ev;
	int rc = 1;

	g_assert_true(g_file_set_contents(path, contents, len, &error));
	r = ps_trace_reader_open(path, NULL, &error);
	while (r != NULL && (rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		;
	g_assert_true(r == NULL || rc == -1);
	g_assert_nonnull(error);
	g_test_message("%s", error->message);
	prefix = g_strdup_printf("%s:", path);
	if (!g_str_has_prefix(error->message, prefix) || !strstr(error->message, what1) ||
	    (what2 && !strstr(error->message, what2)))
		g_error("message '%s' lacks '%s', '%s' or '%s'", error->message, prefix, what1,
			what2 ? what2 : "");
}

#define HDR "{\"pagesim_trace\":1,\"source\":\"x\",\"page_size\":4096,\"cpus\":2}\n"

static void test_reader_errors(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *missing = g_build_filename(dir, "nope.jsonl", NULL);
	g_autoptr(GError) error = NULL;
	GString *big;
	int i;

	read_fails(
	    dir, HDR "{\"t\":10,\"op\":\"exit\",\"pid\":1}\n{\"t\":5,\"op\":\"exit\",\"pid\":1}\n",
	    -1, ":3: t: time goes backwards (5 < 10)", NULL);
	read_fails(dir, HDR "\n\n{\"t\":1,\"op\":\"exit\",\"pid\":1,\"order\":1}\n", -1,
		   ":4: order: not a field of op \"exit\"", NULL);
	read_fails(dir, HDR "{\"t\":1,\"op\":\"free\",\"id\":1,\"cpu\":2}\n", -1,
		   ":2: cpu: 2 is not below the header's cpus (2)", NULL);
	read_fails(dir,
		   HDR "{\"t\":1,\"op\":\"exit\",\"pid\":1}\n"
		       "{\"t\":1,\"op\":\"touch\",\"pid\":1,\"addr\":0,\"len\":1,\"cpu\":3}\n",
		   -1, ":3: cpu: 3 is not below the header's cpus (2)", NULL);
	read_fails(dir, "", 0, ":1: missing header", NULL);
	read_fails(dir, "\n" HDR, -1, ":1: missing header", NULL);
	read_fails(dir, "{\"t\":1,\"op\":\"exit\",\"pid\":1}\n", -1, ":1: pagesim_trace: missing",
		   NULL);
	read_fails(dir, "{\"pagesim_trace\":1,\"source\":\"x\",\"page_", -1, ":1: not valid JSON",
		   NULL);
	read_fails(dir, HDR "{\"t\":1,\"op\":\"exit\",\"pid\":1}\n{\"t\":2,\"op\":\"ex", -1,
		   ":3: not valid JSON", NULL);
	read_fails(dir, HDR "{\"t\":1,\"op\":\"exit\",\0\"pid\":1}\n", (gssize)sizeof(HDR) + 28,
		   ":2: line contains a NUL byte", NULL);
	read_fails(dir, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", 18, ":1: gzip", NULL);

	big = g_string_new(HDR "{\"t\":1,\"op\":\"proc\",\"pid\":1,\"comm\":\"");
	for (i = 0; i < PS_TRACE_LINE_MAX + 10; i++)
		g_string_append_c(big, 'x');
	g_string_append(big, "\"}\n");
	read_fails(dir, big->str, (gssize)big->len, ":2: line is longer than 1048576 bytes", NULL);
	g_string_free(big, TRUE);

	g_assert_null(ps_trace_reader_open(missing, NULL, &error));
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO);
	g_assert_true(g_str_has_prefix(error->message, missing));
	rm_rf(dir);
}

/* Blank and CRLF lines, and a last line without a newline, are fine. */
static void test_reader_lines(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "t.jsonl", NULL);
	static const char text[] = HDR "\n  \r\n{\"t\":1,\"op\":\"exit\",\"pid\":1}\r\n\n"
				       "{\"t\":1,\"op\":\"exit\",\"pid\":2}";
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceEvent ev;

	g_assert_true(g_file_set_contents(path, text, -1, &error));
	r = ps_trace_reader_open(path, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 1);
	g_assert_cmpint(ev.pid, ==, 1);
	g_assert_cmpuint(ps_trace_reader_line(r), ==, 4);
	g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 1);
	g_assert_cmpint(ev.pid, ==, 2);
	g_assert_cmpuint(ps_trace_reader_line(r), ==, 6);
	g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 0);
	g_assert_no_error(error);
	rm_rf(dir);
}

static void test_writer_abort(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "t.jsonl.gz", NULL);
	g_autoptr(GError) error = NULL;
	PsTraceWriter *w;
	PsTraceEvent ev;
	GDir *d;
	const char *name;
	int i;

	w = ps_trace_writer_new(path, &test_hdr, &error);
	g_assert_no_error(error);
	for (i = 0; i < 50000; i++) {
		parse_ok(canonical[2], &ev);
		ev.id = (uint64_t)i;
		ev.t_ns = (uint64_t)i;
		g_assert_true(ps_trace_writer_write(w, &ev, &error));
	}
	/* in flight: one temporary file beside the target, nothing under the final name */
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	d = g_dir_open(dir, 0, NULL);
	name = g_dir_read_name(d);
	g_assert_nonnull(name);
	g_assert_true(g_str_has_prefix(name, ".t.jsonl.gz.") && g_str_has_suffix(name, ".tmp"));
	g_assert_null(g_dir_read_name(d));
	g_dir_close(d);

	/* a bad event is refused, and the writer can still be aborted */
	ev.t_ns = 1;
	g_assert_false(ps_trace_writer_write(w, &ev, &error));
	g_assert_nonnull(strstr(error->message, "t: time goes backwards (1 < 49999)"));
	g_clear_error(&error);
	ev.t_ns = 50000;
	ev.cpu = 2;
	g_assert_false(ps_trace_writer_write(w, &ev, &error));
	g_assert_nonnull(strstr(error->message, "cpu: 2 is not below the header's cpus (2)"));
	g_clear_error(&error);

	ps_trace_writer_abort(w);
	g_assert_cmpuint(count_dir_entries(dir), ==, 0);

	/* an existing trace is untouched by an aborted rewrite */
	write_canonical(path);
	w = ps_trace_writer_new(path, &test_hdr, &error);
	ps_trace_writer_abort(w);
	g_assert_cmpuint(count_dir_entries(dir), ==, 1);
	read_canonical(path);

	/* a bad header is refused before anything is created */
	{
		PsTraceHeader bad = test_hdr;

		bad.page_size = 3000;
		g_assert_null(ps_trace_writer_new(path, &bad, &error));
		g_assert_nonnull(strstr(error->message, "page_size:"));
		g_clear_error(&error);
	}
	g_assert_null(ps_trace_writer_new("/nonexistent-dir/t.jsonl", &test_hdr, &error));
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO);
	rm_rf(dir);
}

/*
 * A header written last (ps_trace_writer_new_header_last, the importer's): the same text as the
 * writer given that header first, plain and gzip'd, over several gzip chunks; no temporary left
 * behind; a header with other cpus than the records were checked against, and standard output,
 * refused.
 */
static void test_writer_header_last(void)
{
	g_autofree char *dir = make_tmpdir();
	PsTraceHeader last = test_hdr;
	g_autoptr(GError) error = NULL;

	last.has_vmstat_update = true;
	last.vmstat_update_ns = 2315378000u;
	for (int gz = 0; gz < 2; gz++) {
		g_autofree char *first = g_build_filename(dir, gz ? "a.jsonl.gz" : "a.jsonl", NULL);
		g_autofree char *after = g_build_filename(dir, gz ? "b.jsonl.gz" : "b.jsonl", NULL);
		g_autoptr(GBytes) want = NULL, got = NULL;
		PsTraceWriter *w[2];

		w[0] = ps_trace_writer_new(first, &last, &error);
		g_assert_no_error(error);
		w[1] = ps_trace_writer_new_header_last(after, &test_hdr, &error);
		g_assert_no_error(error);
		for (int i = 0; i < 20000; i++) {
			PsTraceEvent ev;

			parse_ok(canonical[2], &ev);
			ev.id = (uint64_t)i;
			ev.t_ns = (uint64_t)i;
			for (int k = 0; k < 2; k++)
				g_assert_true(ps_trace_writer_write(w[k], &ev, &error));
		}
		g_assert_true(ps_trace_writer_close(w[0], &error));
		g_assert_true(ps_trace_writer_close_header(w[1], &last, &error));
		g_assert_no_error(error);
		want = ps_file_read_all(first, &error);
		g_assert_no_error(error);
		got = ps_file_read_all(after, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(want), >, 1000000);
		g_assert_true(g_bytes_equal(want, got));
		g_assert_cmpuint(count_dir_entries(dir), ==, 2 * (gz + 1));
	}
	{
		g_autofree char *path = g_build_filename(dir, "c.jsonl.gz", NULL);
		PsTraceWriter *w = ps_trace_writer_new_header_last(path, &test_hdr, &error);
		PsTraceHeader other = last;

		g_assert_no_error(error);
		other.cpus = 4;
		g_assert_false(ps_trace_writer_close_header(w, &other, &error));
		g_assert_nonnull(
		    strstr(error->message, "cpus: 4, but the records were written for 2"));
		g_clear_error(&error);
		g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
		g_assert_cmpuint(count_dir_entries(dir), ==, 4);
	}
	g_assert_null(ps_trace_writer_new_header_last("-", &test_hdr, &error));
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO);
	rm_rf(dir);
}

/* A full disk (standard output on /dev/full): an error, and every later call fails. */
static void test_writer_io_error(void)
{
	g_autoptr(GError) error = NULL;
	PsTraceWriter *w;
	PsTraceEvent ev;
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	int saved;
	gboolean ok = TRUE;
	unsigned i;

	if (full < 0) {
		g_test_skip("no /dev/full");
		return;
	}
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	g_assert_cmpint(dup2(full, STDOUT_FILENO), ==, STDOUT_FILENO);
	w = ps_trace_writer_new("-", &test_hdr, &error);
	g_assert_nonnull(w);
	for (i = 0; i < 100000 && ok; i++) {
		parse_ok(canonical[7], &ev);
		ev.t_ns = i;
		ok = ps_trace_writer_write(w, &ev, &error);
	}
	if (ok)
		ok = ps_trace_writer_close(w, &error);
	else
		g_assert_false(ps_trace_writer_close(w, NULL));
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(full);
	g_assert_false(ok);
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO);
	g_assert_nonnull(strstr(error->message, "<stdout>: write: "));
	g_assert_nonnull(strstr(error->message, g_strerror(ENOSPC)));
}

/* Cut a gzip trace short: an error naming the file, never a crash or a silent short read. */
static void test_gzip_truncated(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "t.jsonl.gz", NULL);
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	PsTraceWriter *w;
	PsTraceEvent ev;
	gsize len, cut;
	int i;

	w = ps_trace_writer_new(path, &test_hdr, &error);
	for (i = 0; i < 20000; i++) {
		parse_ok(canonical[2], &ev);
		ev.id = (uint64_t)i * 7919;
		ev.t_ns = (uint64_t)i * 13;
		ev.cpu = i & 1;
		ps_trace_writer_write(w, &ev, &error);
	}
	g_assert_true(ps_trace_writer_close(w, &error));
	g_assert_true(g_file_get_contents(path, &data, &len, &error));

	for (cut = 1; cut < len; cut = cut < 64 ? cut + 1 : cut * 3 / 2) {
		g_autoptr(PsTraceReader) r = NULL;
		g_autoptr(GError) err = NULL;
		int rc = 1;

		g_assert_true(g_file_set_contents(path, data, (gssize)cut, &err));
		r = ps_trace_reader_open(path, NULL, &err);
		while (r != NULL && (rc = ps_trace_reader_next(r, &ev, &err)) == 1)
			;
		g_assert_nonnull(err);
		g_assert_true(g_str_has_prefix(err->message, path));
	}
	/* the last 8 bytes are the CRC and length: the data is all there, the stream is not */
	{
		g_autoptr(PsTraceReader) r = NULL;
		g_autoptr(GError) err = NULL;
		int rc;

		g_assert_true(g_file_set_contents(path, data, (gssize)len - 4, &err));
		r = ps_trace_reader_open(path, NULL, &err);
		g_assert_nonnull(r);
		while ((rc = ps_trace_reader_next(r, &ev, &err)) == 1)
			;
		g_assert_cmpint(rc, ==, -1);
		g_assert_nonnull(strstr(err->message, "gzip"));
	}
	/* a flipped byte in the middle */
	{
		g_autoptr(PsTraceReader) r = NULL;
		g_autoptr(GError) err = NULL;
		int rc;

		data[len / 2] ^= 0x55;
		g_assert_true(g_file_set_contents(path, data, (gssize)len, &err));
		r = ps_trace_reader_open(path, NULL, &err);
		g_assert_nonnull(r);
		while ((rc = ps_trace_reader_next(r, &ev, &err)) == 1)
			;
		g_assert_cmpint(rc, ==, -1);
		g_assert_nonnull(err);
	}
	rm_rf(dir);
}

/* AddressSanitizer keeps freed memory in quarantine, so peak RSS says nothing under it. */
#if defined(__SANITIZE_ADDRESS__)
#define PS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PS_TEST_ASAN 1
#endif
#endif

static long vm_hwm_kb(void)
{
	g_autofree char *status = NULL;
	const char *p;

	if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
		return -1;
	p = strstr(status, "VmHWM:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

/*
 * 300k events (~30 MB of text) written and read back: counts and content match, and reading
 * raises the peak RSS by far less than the text would take if it were held.
 */
static void test_large(void)
{
	g_autofree char *dir = make_tmpdir();
	const char *names[] = {"big.jsonl", "big.jsonl.gz"};
	const unsigned n = 300000;
	size_t k;

	for (k = 0; k < G_N_ELEMENTS(names); k++) {
		g_autofree char *path = g_build_filename(dir, names[k], NULL);
		g_autoptr(GError) error = NULL;
		PsTraceWriter *w;
		PsTraceReader *r;
		PsTraceEvent ev;
		unsigned i = 0;
		long before, after;
		int rc;

		w = ps_trace_writer_new(path, &test_hdr, &error);
		g_assert_no_error(error);
		for (i = 0; i < n; i++) {
			ps_trace_event_init(&ev);
			ev.t_ns = (uint64_t)i * 1000;
			ev.op = i % 2 ? PS_OP_FREE : PS_OP_ALLOC;
			ev.id = i / 2;
			ev.cpu = (int)(i / 2 % 2);
			if (ev.op == PS_OP_ALLOC) {
				ev.pid = 1000 + (int)(i % 50);
				ev.order = (int)(i % 4);
				ev.has_gfp = true;
				ev.gfp = i % 3 ? PS_GFP_HIGHUSER_MOVABLE : PS_GFP_KERNEL;
			}
			g_assert_true(ps_trace_writer_write(w, &ev, &error));
		}
		g_assert_true(ps_trace_writer_close(w, &error));

		before = vm_hwm_kb();
		r = ps_trace_reader_open(path, NULL, &error);
		g_assert_no_error(error);
		i = 0;
		while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
			g_assert_cmpuint(ev.t_ns, ==, (uint64_t)i * 1000);
			g_assert_cmpuint(ev.id, ==, i / 2);
			i++;
		}
		g_assert_no_error(error);
		g_assert_cmpint(rc, ==, 0);
		g_assert_cmpuint(i, ==, n);
		ps_trace_reader_close(r);
		after = vm_hwm_kb();
		g_test_message("%s: peak RSS %ld -> %ld kB", names[k], before, after);
#ifndef PS_TEST_ASAN
		if (before > 0 && after > 0)
			g_assert_cmpint(after - before, <, 16 * 1024);
#endif
		g_unlink(path);
	}
	rm_rf(dir);
}

/*
 * The enums of workloads/trace.schema.json against the parser's name tables: every op, every
 * cache_add and cache_remove reason and every free reason the code reads is in the schema, and
 * the schema names nothing the code rejects, so a new name cannot land in one and not the other.
 */
static const cJSON *schema_path(const cJSON *root, const char *const *keys)
{
	const cJSON *o = root;

	for (; *keys && o; keys++)
		o = cJSON_GetObjectItemCaseSensitive(o, *keys);
	g_assert_nonnull(o);
	return o;
}

static void assert_enum_is(const cJSON *e, const char *const *names, int first, int end)
{
	const cJSON *it;
	int n = 0;

	g_assert_true(cJSON_IsArray(e));
	cJSON_ArrayForEach(it, e)
	{
		bool found = false;

		g_assert_true(cJSON_IsString(it));
		for (int i = first; i < end; i++)
			found = found || strcmp(it->valuestring, names[i]) == 0;
		if (!found)
			g_error("schema names \"%s\", the code does not", it->valuestring);
		n++;
	}
	for (int i = first; i < end; i++) {
		bool found = false;

		cJSON_ArrayForEach(it, e) found = found || strcmp(it->valuestring, names[i]) == 0;
		if (!found)
			g_error("the code reads \"%s\", the schema does not name it", names[i]);
	}
	g_assert_cmpint(n, ==, end - first);
}

static void test_schema_enums(void)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");
	g_autofree char *path =
	    g_build_filename(src ? src : ".", "workloads", "trace.schema.json", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	cJSON *root, *ops;
	const cJSON *defs, *def;
	int n = 0;

	g_assert_true(g_file_get_contents(path, &text, NULL, &err));
	root = cJSON_Parse(text);
	g_assert_nonnull(root);
	defs = schema_path(root, (const char *const[]){"$defs", NULL});

	/* one op_NAME definition a record kind, each with "op": {"const": NAME} */
	ops = cJSON_CreateArray();
	cJSON_ArrayForEach(def, defs)
	{
		const cJSON *c;

		if (!g_str_has_prefix(def->string, "op_"))
			continue;
		c = schema_path(def, (const char *const[]){"properties", "op", "const", NULL});
		g_assert_true(cJSON_IsString(c));
		g_assert_cmpstr(c->valuestring, ==, def->string + 3);
		cJSON_AddItemToArray(ops, cJSON_CreateString(c->valuestring));
		n++;
	}
	g_assert_cmpint(n, >, 0);
	assert_enum_is(ops, ps_trace_op_names, 0, PS_NR_TRACE_OPS);
	cJSON_Delete(ops);

	assert_enum_is(schema_path(defs, (const char *const[]){"op_cache_add", "properties",
							       "reason", "enum", NULL}),
		       ps_cache_reason_names, PS_CACHE_FAULT, PS_NR_CACHE_REASONS);
	/* cache_remove's reason is the shared "$defs/reason" */
	assert_enum_is(schema_path(defs, (const char *const[]){"reason", "enum", NULL}),
		       ps_cache_reason_names, 0, PS_NR_CACHE_REMOVE_REASONS);
	g_assert_cmpstr(schema_path(defs, (const char *const[]){"op_cache_remove", "properties",
								"reason", "$ref", NULL})
			    ->valuestring,
			==, "#/$defs/reason");
	assert_enum_is(schema_path(defs, (const char *const[]){"op_free", "properties", "reason",
							       "enum", NULL}),
		       ps_free_reason_names, PS_FREE_RECLAIM_KSWAPD, PS_NR_FREE_REASONS);
	cJSON_Delete(root);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/trace/format/round-trip", test_round_trip);
	g_test_add_func("/trace/format/digits", test_format_digits);
	g_test_add_func("/trace/format/schema-enums", test_schema_enums);
	g_test_add_func("/trace/format/machine-file", test_machine_file);
	g_test_add_func("/trace/format/fields", test_fields);
	g_test_add_func("/trace/format/compaction-start", test_compaction_start);
	g_test_add_func("/trace/format/normalise", test_normalise);
	g_test_add_func("/trace/format/errors", test_errors);
	g_test_add_func("/trace/format/hostile", test_hostile);
	g_test_add_func("/trace/format/header", test_header);
	g_test_add_func("/trace/format/event-check", test_event_check);
	g_test_add_func("/trace/file/plain", test_file_plain);
	g_test_add_func("/trace/file/gzip", test_file_gzip);
	g_test_add_func("/trace/file/gzip-members", test_gzip_members);
	g_test_add_func("/trace/file/gzip-truncated", test_gzip_truncated);
	g_test_add_func("/trace/reader/errors", test_reader_errors);
	g_test_add_func("/trace/reader/lines", test_reader_lines);
	g_test_add_func("/trace/writer/abort", test_writer_abort);
	g_test_add_func("/trace/writer/io-error", test_writer_io_error);
	g_test_add_func("/trace/writer/header-last", test_writer_header_last);
	g_test_add_func("/trace/large", test_large);
	return g_test_run();
}
