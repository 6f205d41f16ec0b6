// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-cache.c - the binary trace cache (trace/cache.c) and the reader's use of it.
 *
 * The round trip reads every shipped workload, a trace of every generator, and the real
 * recordings of tests/data imported here, once through the JSONL parser and once through the
 * cache, and compares every record: field by field for a readable failure, then the whole
 * PsTraceEvent image, so a field added to the struct that the cache failed to carry fails here.
 * Then what makes the cache safe to leave on: an entry is only written by a read that reached the
 * end without error, a stale, cut or corrupt entry is ignored and rewritten, concurrent writers of
 * one entry leave one valid file, and a rewind reads the same records again.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "trace/cache-private.h"
#include "trace/trace.h"
#include "util/util.h"

#include "test-util.h"

static char *tmp_dir;

/* ---- reading ------------------------------------------------------------------------------ */

/* Every event of a trace through the plain reader (JSONL parse). */
static GArray *read_plain(const char *path, PsTraceHeader *hdr)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = ps_trace_reader_open(path, hdr, &error);
	GArray *evs = g_array_new(FALSE, FALSE, sizeof(PsTraceEvent));
	PsTraceEvent ev;
	int rc;

	g_assert_no_error(error);
	g_assert_nonnull(r);
	g_assert_false(ps_trace_reader_cached(r));
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		g_array_append_val(evs, ev);
	g_assert_no_error(error);
	g_assert_cmpint(rc, ==, 0);
	/* the reader's pcp_start ends with it: hdr gets its own (ps_trace_header_clear) */
	hdr->pcp_start =
	    g_memdup2(hdr->pcp_start, (gsize)hdr->n_pcp_start * sizeof(*hdr->pcp_start));
	return evs;
}

/* Two headers alike: every field, and the pcp_start lists by value (not where they lie). */
static void assert_same_header(const PsTraceHeader *a, const PsTraceHeader *b)
{
	PsTraceHeader x = *a, y = *b;

	g_assert_cmpint(a->n_pcp_start, ==, b->n_pcp_start);
	if (a->n_pcp_start)
		g_assert_cmpmem(a->pcp_start, (gsize)a->n_pcp_start * sizeof(*a->pcp_start),
				b->pcp_start, (gsize)b->n_pcp_start * sizeof(*b->pcp_start));
	x.pcp_start = y.pcp_start = NULL;
	g_assert_cmpmem(&x, sizeof(x), &y, sizeof(y));
}

#define CMP_U(f) g_assert_cmpuint(a->f, ==, b->f)
#define CMP_I(f) g_assert_cmpint(a->f, ==, b->f)
#define CMP_S(f) g_assert_cmpstr(a->f, ==, b->f)

/* Every field by name, then the whole image (a field not listed here still counts). */
static void assert_same_event(const PsTraceEvent *a, const PsTraceEvent *b, guint i)
{
	if (memcmp(a, b, sizeof(*a)) == 0)
		return;
	g_test_message("record %u (line %" G_GUINT64_FORMAT ") differs", i, a->line);
	CMP_U(t_ns);
	CMP_I(op);
	CMP_U(id);
	CMP_I(cpu);
	CMP_I(pid);
	CMP_I(order);
	CMP_U(bytes);
	CMP_U(gfp);
	CMP_I(has_gfp);
	CMP_I(kind);
	CMP_I(node);
	CMP_U(pfn);
	CMP_I(has_pfn);
	CMP_S(comm);
	CMP_S(mempolicy);
	CMP_I(oom_score_adj);
	CMP_U(addr);
	CMP_U(len);
	CMP_I(thp);
	CMP_S(name);
	CMP_S(file);
	CMP_U(offset);
	CMP_I(reason);
	CMP_I(value);
	CMP_I(event);
	CMP_I(migratetype);
	CMP_I(fallback_order);
	CMP_I(fallback_migratetype);
	CMP_I(percpu_refill);
	CMP_I(fragmenting);
	CMP_I(change_ownership);
	CMP_U(line);
	/* A field this list does not name (or padding the parser left dirty). */
	g_assert_cmpmem(a, sizeof(*a), b, sizeof(*b));
}

/* Reads path through the cache in dir and compares with want; returns whether it was cached. */
static bool read_cached_compare(const char *path, const char *dir, const GArray *want,
				const PsTraceHeader *want_hdr)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	guint i = 0;
	bool cached;
	int rc;

	r = ps_trace_reader_open_cached(path, dir, NULL, &hdr, &error);
	g_assert_no_error(error);
	g_assert_nonnull(r);
	g_assert_nonnull(ps_trace_reader_digest(r));
	cached = ps_trace_reader_cached(r);
	assert_same_header(&hdr, want_hdr);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		g_assert_cmpuint(i, <, want->len);
		assert_same_event(&g_array_index(want, PsTraceEvent, i), &ev, i);
		g_assert_cmpuint(ps_trace_reader_line(r), ==, ev.line);
		i++;
	}
	g_assert_no_error(error);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpuint(i, ==, want->len);
	g_assert_cmpuint(ps_trace_reader_count(r), ==, want->len);
	return cached;
}

/* The JSONL and the cache give the same records: first read writes the entry, second uses it. */
static void round_trip(const char *path)
{
	g_autofree char *dir = g_build_filename(tmp_dir, "rt-cache", NULL);
	PsTraceHeader hdr;
	g_autoptr(GArray) want = read_plain(path, &hdr);

	g_test_message("%s: %u records", path, want->len);
	g_assert_cmpuint(want->len, >, 0);
	g_assert_false(read_cached_compare(path, dir, want, &hdr));
	g_assert_true(read_cached_compare(path, dir, want, &hdr));
	g_assert_true(read_cached_compare(path, dir, want, &hdr));
	ps_trace_header_clear(&hdr);
}

/* ---- traces ------------------------------------------------------------------------------- */

static char *src_path(const char *rel)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");

	return g_build_filename(src ? src : ".", rel, NULL);
}

static void test_round_trip_shipped(void)
{
	g_autofree char *wdir = src_path("workloads");
	g_autoptr(GDir) d = g_dir_open(wdir, 0, NULL);
	const char *name;
	guint n = 0;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d))) {
		g_autofree char *p = NULL;

		if (!g_str_has_suffix(name, ".jsonl.gz") && !g_str_has_suffix(name, ".jsonl"))
			continue;
		p = g_build_filename(wdir, name, NULL);
		round_trip(p);
		n++;
	}
	g_assert_cmpuint(n, >=, 5);
}

static void test_round_trip_generated(void)
{
	for (size_t i = 0; i < ps_nr_generators; i++) {
		const PsGenerator *g = ps_generators[i];
		g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
		g_autoptr(GError) error = NULL;
		g_autofree char *p = g_strdup_printf("%s/gen-%s.jsonl.gz", tmp_dir, g->name);

		g_assert_true(g->run(p, 2.0, 7, params, &error));
		g_assert_no_error(error);
		round_trip(p);
	}
}

/* The recordings of tests/data (perf script, trace-cmd report), imported: observed records. */
static void test_round_trip_imported(void)
{
	static const char *const inputs[] = {"perf-script-6.18.txt.gz",
					     "trace-cmd-report-6.18.txt.gz"};
	const char *tsrc = g_getenv("G_TEST_SRCDIR");

	for (size_t i = 0; i < G_N_ELEMENTS(inputs); i++) {
		g_autofree char *in =
		    g_build_filename(tsrc ? tsrc : "tests", "data", inputs[i], NULL);
		g_autofree char *out = g_strdup_printf("%s/imported-%zu.jsonl", tmp_dir, i);
		PsImportOptions opts = {0};
		PsImportStats stats;
		g_autoptr(GError) error = NULL;

		g_assert_true(ps_trace_import(in, out, &opts, &stats, &error));
		g_assert_no_error(error);
		round_trip(out);
	}
}

/* Every kind of record, by hand: the string fields and the rarely used ones. */
static void test_round_trip_every_op(void)
{
	static const char *const lines[] = {
	    "{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,\"cpus\":4}",
	    "{\"t\":1,\"op\":\"proc\",\"pid\":7,\"comm\":\"cc1\",\"mempolicy\":\"interleave:0\","
	    "\"oom_score_adj\":-500}",
	    "{\"t\":2,\"op\":\"alloc\",\"id\":1,\"cpu\":3,\"pid\":7,\"order\":2,\"gfp\":\"0xcc0\","
	    "\"kind\":\"slab_reclaimable\",\"node\":0,\"pfn\":123456}",
	    "{\"t\":3,\"op\":\"map\",\"pid\":7,\"addr\":4096,\"len\":2097152,\"thp\":true}",
	    "{\"t\":4,\"op\":\"touch\",\"pid\":7,\"addr\":4096,\"len\":8192}",
	    "{\"t\":5,\"op\":\"sysctl\",\"name\":\"min_free_kbytes\",\"value\":65536}",
	    "{\"t\":6,\"op\":\"compact\",\"order\":3}",
	    "{\"t\":7,\"op\":\"drop_caches\",\"value\":3}",
	    "{\"t\":8,\"op\":\"unmap\",\"pid\":7,\"addr\":4096,\"len\":2097152}",
	    "{\"t\":9,\"op\":\"free\",\"id\":1,\"cpu\":2}",
	    "{\"t\":9,\"op\":\"free\",\"id\":3,\"order\":1,\"pfn\":5,\"reason\":\"reclaim_"
	    "kswapd\"}",
	    "{\"t\":9,\"op\":\"free\",\"id\":4,\"cpu\":1,\"reason\":\"reclaim_direct\"}",
	    "{\"t\":9,\"op\":\"alloc\",\"id\":5,\"cpu\":1,\"pid\":7,\"order\":9,"
	    "\"gfp\":\"GFP_TRANSHUGE\",\"failed\":true}",
	    "{\"t\":10,\"op\":\"cache_add\",\"file\":\"8:1:1234\",\"offset\":8192,\"len\":6144,"
	    "\"pid\":7,\"cpu\":1}",
	    "{\"t\":10,\"op\":\"cache_remove\",\"file\":\"8:1:1234\",\"offset\":4096,"
	    "\"reason\":\"unlink\"}",
	    "{\"t\":10,\"op\":\"alloc\",\"id\":2,\"cpu\":0,\"pid\":7,\"bytes\":16384,"
	    "\"gfp\":\"GFP_KERNEL\",\"kind\":\"stack\"}",
	    "{\"t\":10,\"op\":\"exit\",\"pid\":7}",
	};
	g_autofree char *p = g_build_filename(tmp_dir, "every-op.jsonl", NULL);
	g_autoptr(GString) text = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
		g_string_append_printf(text, "%s\n", lines[i]);
	g_assert_true(g_file_set_contents(p, text->str, (gssize)text->len, NULL));
	round_trip(p);
}

/*
 * Differences of every width (1, 2, 4 and 8 bytes): touches alternating between address 0 and
 * 4096 << k, both ways.
 */
static void test_round_trip_varint_lengths(void)
{
	g_autofree char *p = g_build_filename(tmp_dir, "varints.jsonl", NULL);
	g_autoptr(GString) text =
	    g_string_new("{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,\"cpus\":1}\n"
			 "{\"t\":1,\"op\":\"proc\",\"pid\":7,\"comm\":\"a\"}\n");

	/* the long deltas first, then the short ones, then records of no address change: every
	 * length far from the payload's end too, where the decoder reads without bounds checks */
	for (unsigned i = 0; i < 2 * 51 + 64; i++) {
		unsigned k = i < 51 ? 50 - i : i < 102 ? i - 51 : 0;

		for (unsigned back = 0; back < 2; back++)
			g_string_append_printf(
			    text,
			    "{\"t\":%u,\"op\":\"touch\",\"pid\":7,\"addr\":%" G_GUINT64_FORMAT
			    ",\"len\":4096}\n",
			    2 + 2 * i + back, back || i >= 102 ? 0 : (uint64_t)4096 << k);
	}
	g_assert_true(g_file_set_contents(p, text->str, (gssize)text->len, NULL));
	round_trip(p);
}

/* ---- safety ------------------------------------------------------------------------------- */

static char *make_trace(const char *name, double seconds, uint64_t seed)
{
	const PsGenerator *g = ps_generator_find("kbuild");
	g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GError) error = NULL;
	char *p = g_build_filename(tmp_dir, name, NULL);

	g_assert_true(g->run(p, seconds, seed, params, &error));
	g_assert_no_error(error);
	return p;
}

static char *entry_of(const char *dir, const char *trace)
{
	g_autofree char *digest = ps_file_digest(trace, NULL);

	return ps_trace_cache_entry_path(dir, digest);
}

/* Opens through the cache and reads n records (all if n < 0); returns whether it was cached. */
static bool read_some(const char *path, const char *dir, int n)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = ps_trace_reader_open_cached(path, dir, NULL, NULL, &error);
	PsTraceEvent ev;
	int rc = 1;

	g_assert_no_error(error);
	for (int i = 0; (n < 0 || i < n) && (rc = ps_trace_reader_next(r, &ev, &error)) == 1; i++)
		;
	g_assert_no_error(error);
	return ps_trace_reader_cached(r);
}

static void test_partial_read_writes_nothing(void)
{
	g_autofree char *dir = g_build_filename(tmp_dir, "partial", NULL);
	g_autofree char *p = make_trace("partial.jsonl", 1.0, 11);
	g_autofree char *entry = entry_of(dir, p);

	g_assert_false(read_some(p, dir, 10));
	g_assert_false(g_file_test(entry, G_FILE_TEST_EXISTS));
	g_assert_false(read_some(p, dir, -1));
	g_assert_true(g_file_test(entry, G_FILE_TEST_IS_REGULAR));
	g_assert_true(read_some(p, dir, -1));
}

static void test_bad_trace_writes_nothing(void)
{
	g_autofree char *dir = g_build_filename(tmp_dir, "bad", NULL);
	g_autofree char *p = g_build_filename(tmp_dir, "bad.jsonl", NULL);
	const char *text =
	    "{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":5,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\"}\n"
	    "{\"t\":4,\"op\":\"exit\",\"pid\":1}\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	g_autofree char *entry = NULL;
	PsTraceEvent ev;

	g_assert_true(g_file_set_contents(p, text, -1, NULL));
	entry = entry_of(dir, p);
	r = ps_trace_reader_open_cached(p, dir, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 1);
	g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, -1);
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE);
	g_assert_nonnull(strstr(error->message, "bad.jsonl:3: t: time goes backwards"));
	g_clear_pointer(&r, ps_trace_reader_close);
	g_assert_false(g_file_test(entry, G_FILE_TEST_EXISTS));
}

/* Damage the entry with f, then: ignored (parsed again), rewritten, used again. */
static void damage_and_recover(const char *tag, void (*f)(char *data, gsize *len))
{
	g_autofree char *dir = g_build_filename(tmp_dir, tag, NULL);
	g_autofree char *name = g_strdup_printf("%s.jsonl.gz", tag);
	g_autofree char *p = make_trace(name, 1.0, 12);
	g_autofree char *entry = entry_of(dir, p);
	PsTraceHeader hdr;
	g_autoptr(GArray) want = read_plain(p, &hdr);
	char *data = NULL;
	gsize len;

	g_assert_false(read_cached_compare(p, dir, want, &hdr));
	g_assert_true(g_file_get_contents(entry, &data, &len, NULL));
	f(data, &len);
	g_assert_true(g_file_set_contents(entry, data, (gssize)len, NULL));
	g_free(data);
	g_assert_false(read_cached_compare(p, dir, want, &hdr));
	g_assert_true(read_cached_compare(p, dir, want, &hdr));
}

static void flip_payload_byte(char *data, gsize *len)
{
	data[*len / 2] ^= 0x10;
}

static void cut_short(char *data, gsize *len)
{
	*len -= 100;
}

static void other_key(char *data, gsize *len)
{
	data[24] ^= 1; /* CacheHead.key: magic 8, byte order 8, format 4, record size 4 */
}

static void other_digest(char *data, gsize *len)
{
	data[40 + 10] ^= 1; /* CacheHead.digest, after key and source_size */
}

static void older_format(char *data, gsize *len)
{
	uint32_t five = 5;

	/* CacheHead.format after magic 8 and byte order 8: format 5 (word masks and varints) */
	memcpy(data + 16, &five, sizeof(five));
}

static void tiny(char *data, gsize *len)
{
	*len = 3;
}

static void test_corrupt_flip(void)
{
	damage_and_recover("flip", flip_payload_byte);
}

static void test_corrupt_cut(void)
{
	damage_and_recover("cut", cut_short);
}

static void test_stale_key(void)
{
	damage_and_recover("key", other_key);
}

/* An entry of the format before (5): rejected as stale, the JSONL parsed, a new entry written. */
static void test_stale_format(void)
{
	damage_and_recover("format", older_format);
}

static void test_stale_digest(void)
{
	damage_and_recover("digest", other_digest);
}

static void test_corrupt_tiny(void)
{
	damage_and_recover("tiny", tiny);
}

/*
 * The checks on each record of an entry whose checksum holds (written wrong, not damaged): the
 * entry is written with the encoder directly, so the parser's own checks do not stop the bad
 * record first. Records 1-3 are good touches; record 4 changes only the cpu word, to a cpu the
 * header does not have, on a base that passed its checks: the decoder must still look at it.
 * Then the same for the first record of an op (a free of reason out of range).
 */
static void check_bad_record(const char *tag, const PsTraceEvent *evs, int n, int bad_at,
			     const char *why)
{
	g_autofree char *path = g_build_filename(tmp_dir, tag, NULL);
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr = {.version = 1, .page_size = 4096, .cpus = 2};
	PsCacheOut *out;
	PsCacheIn *in;
	const PsTraceEvent *got;
	g_autofree char *whynot = NULL;
	bool absent;
	int rc = 1, i;

	g_strlcpy(hdr.source, "test", sizeof(hdr.source));
	out = ps_cache_out_new(path, NULL, 0, &hdr, &error);
	g_assert_no_error(error);
	for (i = 0; i < n; i++)
		g_assert_true(ps_cache_out_add(out, &evs[i], &error));
	g_assert_true(ps_cache_out_commit(out, &error));
	g_assert_no_error(error);
	in = ps_cache_in_open(path, NULL, 0, NULL, &whynot, &absent);
	g_assert_null(whynot);
	g_assert_nonnull(in);
	for (i = 0; i < n && (rc = ps_cache_in_next(in, &got, &error)) == 1; i++)
		g_assert_cmpuint(got->t_ns, ==, evs[i].t_ns);
	g_assert_cmpint(i, ==, bad_at);
	g_assert_cmpint(rc, ==, -1);
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE);
	g_assert_nonnull(strstr(error->message, why));
	g_clear_error(&error);
	/* nothing more is handed out after an inconsistent record */
	g_assert_cmpint(ps_cache_in_next(in, &got, &error), ==, -1);
	ps_cache_in_close(in);
}

static void test_bad_record(void)
{
	PsTraceEvent evs[5];

	for (int i = 0; i < 5; i++) {
		ps_trace_event_init(&evs[i]);
		evs[i].t_ns = 10 * (uint64_t)(i + 1);
		evs[i].op = PS_OP_TOUCH;
		evs[i].pid = 7;
		evs[i].cpu = 1;
		evs[i].addr = 4096 * (uint64_t)(i + 1);
		evs[i].len = 4096;
	}
	evs[3].cpu = 2; /* the header has cpus 0 and 1 */
	check_bad_record("bad-cpu.pstc", evs, 5, 3, "cpu out of range");
	evs[3].cpu = 1;
	evs[3].t_ns = 5; /* only the time changes: still checked */
	check_bad_record("bad-time.pstc", evs, 5, 3, "time goes backwards");
	evs[3].t_ns = 40;
	evs[4].op = PS_OP_FREE;
	evs[4].id = 1;
	evs[4].free_reason = PS_NR_FREE_REASONS; /* the first free: its base never handed out */
	check_bad_record("bad-reason.pstc", evs, 5, 4, "reason of a free out of range");
}

/*
 * A record far from the entry's end (the decoder's fast path) whose only checked word that
 * changes is the cpu's: its cpu still checked, and a later one whose pid alone changes too.
 */
static void test_bad_cpu_fast(void)
{
	enum { N = 3000, BAD = 1500 };
	g_autofree PsTraceEvent *evs = g_new(PsTraceEvent, N);

	for (int i = 0; i < N; i++) {
		ps_trace_event_init(&evs[i]);
		evs[i].t_ns = 10 * (uint64_t)(i + 1);
		evs[i].op = PS_OP_TOUCH;
		evs[i].pid = 7 + i % 3;
		evs[i].cpu = i % 2;
		evs[i].addr = 4096 * (uint64_t)(i + 1);
		evs[i].len = 4096;
	}
	evs[BAD].cpu = 2; /* the header has cpus 0 and 1 */
	check_bad_record("bad-cpu-fast.pstc", evs, N, BAD, "cpu out of range");
	evs[BAD].cpu = -2;
	check_bad_record("bad-cpu-fast-neg.pstc", evs, N, BAD, "cpu out of range");
}

/* The JSONL changed under the same name: its digest moves, the old entry is never used. */
static void test_changed_trace(void)
{
	g_autofree char *dir = g_build_filename(tmp_dir, "changed", NULL);
	g_autofree char *p = make_trace("changed.jsonl", 1.0, 13);
	g_autofree char *q = make_trace("changed-2.jsonl", 1.0, 14);
	PsTraceHeader hdr;
	g_autoptr(GArray) want1 = read_plain(p, &hdr);
	g_autoptr(GArray) want2 = read_plain(q, &hdr);

	g_assert_false(read_cached_compare(p, dir, want1, &hdr));
	g_assert_true(read_cached_compare(p, dir, want1, &hdr));
	g_assert_cmpint(g_rename(q, p), ==, 0);
	g_assert_false(read_cached_compare(p, dir, want2, &hdr));
	g_assert_true(read_cached_compare(p, dir, want2, &hdr));
}

static gpointer concurrent_reader(gpointer data)
{
	const char *const *args = data;

	read_some(args[0], args[1], -1);
	return NULL;
}

static void test_concurrent_writers(void)
{
	g_autofree char *dir = g_build_filename(tmp_dir, "concurrent", NULL);
	g_autofree char *p = make_trace("concurrent.jsonl.gz", 2.0, 15);
	g_autofree char *entry = entry_of(dir, p);
	const char *args[] = {p, dir};
	GThread *t[4];
	g_autofree char *listing = NULL, *want_listing = NULL;
	g_autofree char *base = g_path_get_basename(entry);
	PsTraceHeader hdr;
	g_autoptr(GArray) want = read_plain(p, &hdr);

	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("reader", concurrent_reader, args);
	for (int i = 0; i < 4; i++)
		g_thread_join(t[i]);
	listing = ps_test_dir_listing(dir);
	g_assert_cmpstr(listing, ==, base); /* one entry, no temporary file left */
	g_assert_true(read_cached_compare(p, dir, want, &hdr));
}

static void test_rewind(void)
{
	g_autofree char *dir = g_build_filename(tmp_dir, "rewind", NULL);
	g_autofree char *p = make_trace("rewind.jsonl", 1.0, 16);
	PsTraceHeader hdr;
	g_autoptr(GArray) want = read_plain(p, &hdr);
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceReaderMark mark;
	PsTraceEvent ev;
	guint at = want->len / 3, i;

	read_some(p, dir, -1);
	r = ps_trace_reader_open_cached(p, dir, NULL, NULL, &error);
	g_assert_true(ps_trace_reader_cached(r));
	for (i = 0; i < at; i++)
		g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 1);
	ps_trace_reader_mark(r, &mark);
	for (int pass = 0; pass < 2; pass++) {
		for (i = at; ps_trace_reader_next(r, &ev, &error) == 1; i++)
			assert_same_event(&g_array_index(want, PsTraceEvent, i), &ev, i);
		g_assert_no_error(error);
		g_assert_cmpuint(i, ==, want->len);
		ps_trace_reader_rewind(r, &mark);
		g_assert_cmpuint(ps_trace_reader_count(r), ==, at);
	}
}

/* pagesim trace compile -o: a file that reads as the trace by itself, by either open. */
static void test_compile_file(void)
{
	g_autofree char *p = make_trace("compile.jsonl.gz", 1.0, 17);
	g_autofree char *out = g_build_filename(tmp_dir, "compile.pstc", NULL);
	g_autofree char *written = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceHeader hdr, chdr;
	g_autoptr(GArray) want = read_plain(p, &hdr);
	uint64_t records = 0;
	PsTraceEvent ev;
	guint i = 0;

	g_assert_true(ps_trace_compile(p, out, NULL, NULL, &written, &records, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(written, ==, out);
	g_assert_cmpuint(records, ==, want->len);
	r = ps_trace_reader_open(out, &chdr, &error);
	g_assert_no_error(error);
	g_assert_true(ps_trace_reader_cached(r));
	assert_same_header(&hdr, &chdr);
	ps_trace_header_clear(&hdr);
	while (ps_trace_reader_next(r, &ev, &error) == 1) {
		assert_same_event(&g_array_index(want, PsTraceEvent, i), &ev, i);
		i++;
	}
	g_assert_no_error(error);
	g_assert_cmpuint(i, ==, want->len);
	/* compiling a compiled trace is refused */
	g_assert_false(ps_trace_compile(out, NULL, tmp_dir, NULL, NULL, NULL, &error));
	g_assert_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE);
}

static void test_compile_into_cache(void)
{
	g_autofree char *dir = g_build_filename(tmp_dir, "compile-cache", NULL);
	g_autofree char *p = make_trace("compile2.jsonl", 1.0, 18);
	g_autofree char *entry = entry_of(dir, p);
	g_autofree char *written = NULL;
	g_autoptr(GError) error = NULL;
	uint64_t records = 0;

	g_assert_true(ps_trace_compile(p, NULL, dir, NULL, &written, &records, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(written, ==, entry);
	g_assert_cmpuint(records, >, 0);
	g_assert_true(read_some(p, dir, -1));
}

static void test_cache_dir(void)
{
	g_autofree char *d = NULL;

	g_setenv("PAGESIM_TRACE_CACHE", "off", TRUE);
	g_assert_null(ps_trace_cache_dir_default());
	g_setenv("PAGESIM_TRACE_CACHE", "", TRUE);
	g_assert_null(ps_trace_cache_dir_default());
	g_setenv("PAGESIM_TRACE_CACHE", "/some/where", TRUE);
	d = ps_trace_cache_dir_default();
	g_assert_cmpstr(d, ==, "/some/where");
	g_clear_pointer(&d, g_free);
	g_unsetenv("PAGESIM_TRACE_CACHE");
	d = ps_trace_cache_dir_default();
	g_assert_true(g_str_has_suffix(d, "/pagesim"));
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-cache-XXXXXX");
	g_test_add_func("/trace/cache/round-trip-shipped", test_round_trip_shipped);
	g_test_add_func("/trace/cache/round-trip-generated", test_round_trip_generated);
	g_test_add_func("/trace/cache/round-trip-imported", test_round_trip_imported);
	g_test_add_func("/trace/cache/round-trip-every-op", test_round_trip_every_op);
	g_test_add_func("/trace/cache/round-trip-varint-lengths", test_round_trip_varint_lengths);
	g_test_add_func("/trace/cache/partial-read-writes-nothing",
			test_partial_read_writes_nothing);
	g_test_add_func("/trace/cache/bad-trace-writes-nothing", test_bad_trace_writes_nothing);
	g_test_add_func("/trace/cache/corrupt-flip", test_corrupt_flip);
	g_test_add_func("/trace/cache/corrupt-cut", test_corrupt_cut);
	g_test_add_func("/trace/cache/corrupt-tiny", test_corrupt_tiny);
	g_test_add_func("/trace/cache/bad-record", test_bad_record);
	g_test_add_func("/trace/cache/bad-cpu-fast", test_bad_cpu_fast);
	g_test_add_func("/trace/cache/stale-key", test_stale_key);
	g_test_add_func("/trace/cache/stale-digest", test_stale_digest);
	g_test_add_func("/trace/cache/stale-format", test_stale_format);
	g_test_add_func("/trace/cache/changed-trace", test_changed_trace);
	g_test_add_func("/trace/cache/concurrent-writers", test_concurrent_writers);
	g_test_add_func("/trace/cache/rewind", test_rewind);
	g_test_add_func("/trace/cache/compile-file", test_compile_file);
	g_test_add_func("/trace/cache/compile-into-cache", test_compile_into_cache);
	g_test_add_func("/trace/cache/cache-dir", test_cache_dir);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
