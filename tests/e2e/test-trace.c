// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-trace.c - end-to-end tests of the binary trace cache through the pagesim binary:
 * `pagesim trace compile` fills the cache or writes a compiled trace, and `pagesim run` gives
 * the same outputs whether it parses the JSONL, writes the cache, reads it, or reads a compiled
 * trace, with and without a snapshot (whose pcp prefill reads ahead: buffered from the JSONL,
 * rewound in the cache; whose kpageflags dump is inflated, or mapped from the cache's inflated
 * copy; whose stale-LRU pass keeps its runs so that a cached run reads the trace once); a
 * corrupt entry is reported, ignored and replaced.
 *
 * argv[1] is the pagesim binary (meson passes it).
 */
#include <cjson/cJSON.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <string.h>

#include "../common/test-util.h"

static const char *pagesim;
static char *tmp_dir;

static char *src_path(const char *rel)
{
	return g_build_filename(g_getenv("PAGESIM_SRCDIR"), rel, NULL);
}

/* Runs pagesim with args; returns the exit status, stdout and stderr into out and err if given. */
static int run_pagesim(const char *const *args, char **out, char **err)
{
	return ps_test_spawn(NULL, pagesim, args, out, err);
}

/*
 * summary.json without its wall-clock section (a policy run's; a pinned run has none) and, when
 * asked, without the trace's name.
 */
static char *summary_text(const char *dir, bool drop_trace)
{
	g_autofree char *p = g_build_filename(dir, "summary.json", NULL);
	g_autofree char *text = ps_test_slurp(p);
	cJSON *root = cJSON_Parse(text);
	char *s;

	g_assert_nonnull(root);
	cJSON_DeleteItemFromObject(root, "wall");
	if (drop_trace)
		cJSON_DeleteItemFromObject(root, "trace");
	s = cJSON_Print(root);
	cJSON_Delete(root);
	return s;
}

/* Every output of two run directories is the same but for the wall section of summary.json. */
static void assert_same_run(const char *a, const char *b, bool drop_trace)
{
	g_autofree char *la = ps_test_dir_listing(a), *lb = ps_test_dir_listing(b);
	g_auto(GStrv) names = g_strsplit(la, " ", -1);
	g_autofree char *sa = summary_text(a, drop_trace), *sb = summary_text(b, drop_trace);

	g_assert_cmpstr(la, ==, lb);
	for (int i = 0; names[i]; i++) {
		g_autofree char *pa = g_build_filename(a, names[i], NULL);
		g_autofree char *pb = g_build_filename(b, names[i], NULL);
		g_autofree char *ta = NULL, *tb = NULL;
		gsize na, nb;

		if (!strcmp(names[i], "summary.json") || g_file_test(pa, G_FILE_TEST_IS_DIR))
			continue;
		g_assert_true(g_file_get_contents(pa, &ta, &na, NULL));
		g_assert_true(g_file_get_contents(pb, &tb, &nb, NULL));
		if (na != nb || memcmp(ta, tb, na))
			g_error("%s differs between %s and %s", names[i], a, b);
	}
	g_assert_cmpstr(sa, ==, sb);
}

static char *tmp(const char *name)
{
	return g_build_filename(tmp_dir, name, NULL);
}

/* Cache entries of dir: the digest memos (DEV-INODE.digest, util/filecache.c) are not counted. */
static guint count_entries(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	guint n = 0;

	while (d && (name = g_dir_read_name(d)))
		n += !g_str_has_suffix(name, ".digest");
	return n;
}

/* The one entry of dir whose name ends in suffix. */
static char *find_entry(const char *dir, const char *suffix)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	char *found = NULL;

	while (d && (name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, suffix)) {
			g_assert_null(found);
			found = g_build_filename(dir, name, NULL);
		}
	g_assert_nonnull(found);
	return found;
}

static void test_compile(void)
{
	g_autofree char *trace = src_path("workloads/kbuild-10s.jsonl.gz");
	g_autofree char *cache = tmp("compile-cache");
	g_autofree char *file = tmp("kbuild.pstc");
	g_autofree char *out = NULL, *err = NULL;

	g_assert_cmpint(
	    run_pagesim((const char *[]){"trace", "compile", trace, "--trace-cache", cache, NULL},
			&out, NULL),
	    ==, 0);
	g_assert_true(g_str_has_prefix(out, cache));
	g_assert_nonnull(strstr(out, ".pstc: 15646 records"));
	g_assert_cmpuint(count_entries(cache), ==, 1);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(
	    run_pagesim((const char *[]){"trace", "compile", trace, "-o", file, NULL}, &out, NULL),
	    ==, 0);
	g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
	/* a compiled trace is not compiled again; a missing one is an error naming it */
	g_assert_cmpint(
	    run_pagesim((const char *[]){"trace", "compile", file, "-o", "x", NULL}, NULL, &err),
	    ==, 1);
	g_assert_nonnull(strstr(err, "already a compiled trace"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    run_pagesim((const char *[]){"trace", "compile", "/nonexistent.jsonl", "-o", "x", NULL},
			NULL, &err),
	    ==, 1);
	g_assert_nonnull(strstr(err, "/nonexistent.jsonl"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(run_pagesim((const char *[]){"trace", "bogus", NULL}, NULL, &err), ==, 2);
}

/*
 * The header's vmstat_update_ns (import.c, vmstat_note) found in the import's one pass, the
 * header put in front at the end, and by a first pass when the output is standard output: the
 * same trace either way, the drain's instant from the first record.
 */
static void test_import_header_last(void)
{
	g_autofree char *in = tmp("vmstat.txt");
	g_autofree char *file = tmp("vmstat.jsonl");
	g_autofree char *out = NULL, *text = NULL;
	GString *rec = g_string_new("# tracer: nop\n#P:2\n");

	for (int i = 0; i < 3000; i++)
		g_string_append_printf(rec,
				       "  cc-9  [001] .....  %d.%06d: mm_page_alloc: page=01 "
				       "pfn=0x%x order=0 migratetype=1 gfp_flags=GFP_KERNEL\n",
				       1 + i / 1000, i % 1000, 0x1000 + i);
	g_string_append(rec, "  kworker/1:0-22  [001] d..2.  4.315379: mm_page_pcpu_drain: "
			     "page=01 pfn=0x200 order=0 migratetype=1\n");
	g_assert_true(g_file_set_contents(in, rec->str, (gssize)rec->len, NULL));
	g_string_free(rec, TRUE);
	g_assert_cmpint(run_pagesim((const char *[]){"import", in, "-o", file, NULL}, NULL, NULL),
			==, 0);
	g_assert_cmpint(run_pagesim((const char *[]){"import", in, "-o", "-", NULL}, &out, NULL),
			==, 0);
	text = ps_test_slurp(file);
	g_assert_true(g_str_has_prefix(text, "{\"pagesim_trace\":1,\"source\":\"ftrace\","
					     "\"page_size\":4096,\"cpus\":2,"
					     "\"vmstat_update_ns\":3315379000}\n"));
	g_assert_cmpstr(out, ==, text);
}

/* Plain runs: parse only, parse + write, read the entry, read a compiled trace. */
static void test_run_same_outputs(void)
{
	g_autofree char *trace = src_path("workloads/kbuild-10s.jsonl.gz");
	g_autofree char *config = src_path("configs/small-4k-1g.json");
	g_autofree char *cache = tmp("run-cache");
	g_autofree char *file = tmp("run.pstc");
	g_autofree char *a = tmp("run-a"), *b = tmp("run-b"), *c = tmp("run-c"), *d = tmp("run-d");

	g_assert_cmpint(run_pagesim((const char *[]){"run", "-q", "-c", config, "-t", trace, "-o",
						     a, "--no-trace-cache", NULL},
				    NULL, NULL),
			==, 0);
	g_assert_cmpuint(count_entries(cache), ==, 0);
	g_assert_cmpint(run_pagesim((const char *[]){"run", "-q", "-c", config, "-t", trace, "-o",
						     b, "--trace-cache", cache, NULL},
				    NULL, NULL),
			==, 0);
	g_assert_cmpuint(count_entries(cache), ==, 1);
	g_assert_cmpint(run_pagesim((const char *[]){"run", "-q", "-c", config, "-t", trace, "-o",
						     c, "--trace-cache", cache, NULL},
				    NULL, NULL),
			==, 0);
	assert_same_run(a, b, false);
	assert_same_run(a, c, false);
	g_assert_cmpint(
	    run_pagesim((const char *[]){"trace", "compile", trace, "-o", file, NULL}, NULL, NULL),
	    ==, 0);
	g_assert_cmpint(run_pagesim((const char *[]){"run", "-q", "-c", config, "-t", file, "-o", d,
						     "--no-trace-cache", NULL},
				    NULL, NULL),
			==, 0);
	assert_same_run(a, d, true); /* the summary names another file */
}

/* A policy run from rec's before.kpageflags.gz with --proc rec into out, through cache (NULL:
 * none). */
static void snapshot_run(const char *config, const char *trace, const char *rec, const char *out,
			 const char *cache, char **err)
{
	g_autofree char *kpf = g_build_filename(rec, "before.kpageflags.gz", NULL);
	const char *args[] = {"run", "-q",     "-c", config, "-t", trace,     "--snapshot",
			      kpf,   "--proc", rec,  "-o",   out,  "--force", "--no-trace-cache",
			      NULL,  NULL};

	if (cache) { /* in place of --no-trace-cache */
		args[13] = "--trace-cache";
		args[14] = cache;
	}
	g_assert_cmpint(run_pagesim(args, NULL, err), ==, 0);
}

/* Flips a bit two thirds into the one entry of cache whose name ends in suffix. */
static void corrupt_entry(const char *cache, const char *suffix)
{
	g_autofree char *path = find_entry(cache, suffix), *data = NULL;
	gsize len;

	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	data[len - len / 3] ^= 0x10;
	g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

/*
 * The shipped recording NAME: *trace (workloads/NAME.jsonl.gz), *rec (workloads/NAME), and a
 * config from its before.zoneinfo written at tmp(config_name), returned.
 */
static char *recording_config(const char *name, const char *config_name, char **trace, char **rec)
{
	g_autofree char *t = g_strdup_printf("workloads/%s.jsonl.gz", name);
	g_autofree char *r = g_strdup_printf("workloads/%s", name), *zoneinfo = NULL;
	char *config = tmp(config_name);

	*trace = src_path(t);
	*rec = src_path(r);
	zoneinfo = g_build_filename(*rec, "before.zoneinfo", NULL);
	g_assert_cmpint(run_pagesim((const char *[]){"config", "from-proc", "--zoneinfo", zoneinfo,
						     "-o", config, NULL},
				    NULL, NULL),
			==, 0);
	return config;
}

/*
 * A snapshot start with --proc: the pcp prefill reads ahead (buffered vs rewound), or applies the
 * candidates a run from the trace cache kept.
 */
static void test_run_snapshot(void)
{
	g_autofree char *trace = NULL, *rec = NULL;
	g_autofree char *config =
	    recording_config("ftrace-compact-6.18", "compact.json", &trace, &rec);
	g_autofree char *cache = tmp("snap-cache");
	g_autofree char *a = tmp("snap-a"), *b = tmp("snap-b"), *c = tmp("snap-c");
	g_autofree char *d = tmp("snap-d"), *err = NULL;
	const struct {
		const char *suffix, *fallback;
	} bad[] = {{".pcp", "reading the trace ahead"},
		   {".stale", "reading the trace again"},
		   {".walk", "walking the trace again"},
		   {".snap", NULL}};

	snapshot_run(config, trace, rec, a, NULL, NULL);
	snapshot_run(config, trace, rec, b, cache, NULL);
	/*
	 * the trace, the inflated dump, the dump's loaded state, the stale pass's runs (the trace
	 * was read as JSONL)
	 */
	g_assert_cmpuint(count_entries(cache), ==, 4);
	/*
	 * from the trace's entry: the pcp prefill reads ahead once and keeps its candidates and
	 * the start-count walk's steps
	 */
	snapshot_run(config, trace, rec, c, cache, &err);
	g_assert_cmpstr(err, ==, "");
	g_clear_pointer(&err, g_free);
	g_assert_cmpuint(count_entries(cache), ==, 6);
	assert_same_run(a, b, false);
	assert_same_run(a, c, false);
	/* the kept candidates instead of the read-ahead: the same outputs */
	snapshot_run(config, trace, rec, d, cache, &err);
	g_assert_cmpstr(err, ==, "");
	g_clear_pointer(&err, g_free);
	assert_same_run(a, d, false);
	/*
	 * a corrupt entry (the candidates, the stale runs, the dump's loaded state): a message,
	 * the trace or the dump read again, the same outputs; then good entries again
	 */
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		corrupt_entry(cache, bad[i].suffix);
		snapshot_run(config, trace, rec, c, cache, &err);
		g_assert_nonnull(strstr(err, "checksum mismatch"));
		if (bad[i].fallback)
			g_assert_nonnull(strstr(err, bad[i].fallback));
		assert_same_run(a, c, false);
		g_clear_pointer(&err, g_free);
	}
	/* a loaded-state entry cut short inside its arrays (format 2 keeps them as they are) */
	{
		g_autofree char *snap = find_entry(cache, ".snap"), *data = NULL;
		gsize len;

		g_assert_true(g_file_get_contents(snap, &data, &len, NULL));
		g_assert_true(g_file_set_contents(snap, data, (gssize)(len - 4096), NULL));
		snapshot_run(config, trace, rec, c, cache, &err);
		g_assert_nonnull(strstr(err, "the header says"));
		assert_same_run(a, c, false);
		g_clear_pointer(&err, g_free);
	}
	/*
	 * one cut short whose header's payload size (SnapHead.size, at byte 40) was made to agree:
	 * the layout check, not the size check, rejects it
	 */
	{
		g_autofree char *snap = find_entry(cache, ".snap"), *data = NULL;
		gsize len;
		uint64_t size;

		g_assert_true(g_file_get_contents(snap, &data, &len, NULL));
		memcpy(&size, data + 40, sizeof(size));
		g_assert_cmpuint(size, ==, len - 144);
		size -= 4096;
		memcpy(data + 40, &size, sizeof(size));
		g_assert_true(g_file_set_contents(snap, data, (gssize)(len - 4096), NULL));
		snapshot_run(config, trace, rec, c, cache, &err);
		g_assert_nonnull(strstr(err, "this layout needs"));
		assert_same_run(a, c, false);
		g_clear_pointer(&err, g_free);
	}
	snapshot_run(config, trace, rec, c, cache, &err);
	g_assert_cmpstr(err, ==, "");
	assert_same_run(a, c, false);
	g_assert_cmpuint(count_entries(cache), ==, 6);
}

/*
 * The start-count walk from the cache where it finds a count (ftrace-build-6.18: zone 2, cpu 1):
 * the summary's pcp_start_count_from_first_drain of a run that walked the trace and of one that
 * restored the walk are the same, and not empty.
 */
static void test_run_snapshot_walk(void)
{
	g_autofree char *trace = NULL, *rec = NULL;
	g_autofree char *config = recording_config("ftrace-build-6.18", "build.json", &trace, &rec);
	g_autofree char *cache = tmp("walk-cache");
	g_autofree char *a = tmp("walk-a"), *b = tmp("walk-b"), *c = tmp("walk-c"), *err = NULL;
	g_autofree char *sum = NULL, *summary = NULL, *walk = NULL;

	snapshot_run(config, trace, rec, a, NULL, NULL);
	snapshot_run(config, trace, rec, b, cache, NULL); /* JSONL: writes the trace's entry */
	snapshot_run(config, trace, rec, b, cache, NULL); /* walks, keeps the walk */
	walk = find_entry(cache, ".walk");		  /* asserts there is one */
	snapshot_run(config, trace, rec, c, cache, &err); /* restores it */
	g_assert_cmpstr(err, ==, "");
	assert_same_run(a, b, false);
	assert_same_run(a, c, false);
	summary = g_build_filename(c, "summary.json", NULL);
	g_assert_true(g_file_get_contents(summary, &sum, NULL, NULL));
	g_assert_nonnull(strstr(sum, "\"implied\""));
}

/* A pinned run's --compare-after dump is inflated once into the cache too; outputs unchanged. */
static void test_run_pinned_after(void)
{
	g_autofree char *trace = src_path("workloads/ftrace-compact-6.18.jsonl.gz");
	g_autofree char *rec = src_path("workloads/ftrace-compact-6.18");
	g_autofree char *zoneinfo = g_build_filename(rec, "before.zoneinfo", NULL);
	g_autofree char *kpf = g_build_filename(rec, "before.kpageflags.gz", NULL);
	g_autofree char *after = g_build_filename(rec, "after.kpageflags.gz", NULL);
	g_autofree char *config = tmp("pinned.json");
	g_autofree char *cache = tmp("pinned-cache");
	g_autofree char *a = tmp("pinned-a"), *b = tmp("pinned-b");

	g_assert_cmpint(run_pagesim((const char *[]){"config", "from-proc", "--zoneinfo", zoneinfo,
						     "-o", config, NULL},
				    NULL, NULL),
			==, 0);
	g_assert_cmpint(
	    run_pagesim((const char *[]){"run", "-q", "-c", config, "-t", trace, "--mode", "pinned",
					 "--snapshot", kpf, "--proc", rec, "--compare-after", after,
					 "-o", a, "--no-trace-cache", "--force", NULL},
			NULL, NULL),
	    ==, 0);
	g_assert_cmpint(run_pagesim((const char *[]){"run",
						     "-q",
						     "-c",
						     config,
						     "-t",
						     trace,
						     "--mode",
						     "pinned",
						     "--snapshot",
						     kpf,
						     "--proc",
						     rec,
						     "--compare-after",
						     after,
						     "-o",
						     b,
						     "--trace-cache",
						     cache,
						     "--force",
						     NULL},
				    NULL, NULL),
			==, 0);
	/* the trace; the starting and the after dump, each inflated and its loaded state */
	g_assert_cmpuint(count_entries(cache), ==, 5);
	assert_same_run(a, b, false);
}

/* A corrupt entry: a message, the same outputs, a good entry again. */
static void test_run_corrupt_entry(void)
{
	g_autofree char *trace = src_path("workloads/mallocbench-4k.jsonl.gz");
	g_autofree char *config = src_path("configs/small-4k-1g.json");
	g_autofree char *cache = tmp("corrupt-cache");
	g_autofree char *a = tmp("corrupt-a"), *b = tmp("corrupt-b"), *c = tmp("corrupt-c");
	g_autofree char *out = NULL, *err = NULL, *entry = NULL, *data = NULL;
	gsize len;

	g_assert_cmpint(
	    run_pagesim((const char *[]){"trace", "compile", trace, "--trace-cache", cache, NULL},
			&out, NULL),
	    ==, 0);
	entry = g_strndup(out, strstr(out, ": ") - out);
	g_assert_true(g_file_get_contents(entry, &data, &len, NULL));
	data[len / 2] ^= 0x40;
	g_assert_true(g_file_set_contents(entry, data, (gssize)len, NULL));
	g_assert_cmpint(run_pagesim((const char *[]){"run", "-q", "-c", config, "-t", trace, "-o",
						     a, "--trace-cache", cache, NULL},
				    NULL, &err),
			==, 0);
	g_assert_nonnull(strstr(err, "checksum mismatch"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(run_pagesim((const char *[]){"run", "-q", "-c", config, "-t", trace, "-o",
						     b, "--trace-cache", cache, NULL},
				    NULL, &err),
			==, 0);
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpint(run_pagesim((const char *[]){"run", "-q", "-c", config, "-t", trace, "-o",
						     c, "--no-trace-cache", NULL},
				    NULL, NULL),
			==, 0);
	assert_same_run(a, b, false);
	assert_same_run(a, c, false);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	/*
	 * These tests are about the cache entries of a snapshot start's parts (trace, dump, pcp
	 * candidates, stale runs, walk); a run that restored the whole started state
	 * (sim/start-cache.c, tests/sim/test-start-cache.c) would read none of them.
	 */
	g_setenv("PAGESIM_START_CACHE", "off", TRUE);
	g_assert_cmpint(argc, >=, 2);
	pagesim = argv[1];
	tmp_dir = ps_test_make_dir("pagesim-e2e-trace-XXXXXX");
	g_test_add_func("/e2e/trace/compile", test_compile);
	g_test_add_func("/e2e/trace/import-header-last", test_import_header_last);
	g_test_add_func("/e2e/trace/run-same-outputs", test_run_same_outputs);
	g_test_add_func("/e2e/trace/run-snapshot", test_run_snapshot);
	g_test_add_func("/e2e/trace/run-snapshot-walk", test_run_snapshot_walk);
	g_test_add_func("/e2e/trace/run-pinned-after", test_run_pinned_after);
	g_test_add_func("/e2e/trace/run-corrupt-entry", test_run_corrupt_entry);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
