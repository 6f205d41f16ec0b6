// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-start-cache.c - the started-state cache (sim/start-cache.c) on a pressure recording
 * (workloads/ftrace-press-kswapd-6.18): a run that restores the started state writes the same
 * files, byte for byte, as one that builds it; the compare mode (PAGESIM_START_CACHE=compare)
 * builds it both ways and aborts unless they are the same bytes array by array; a corrupt entry
 * is ignored (the run starts cold, the same files) and written again. Each run asserts whether it
 * restored (ps_sim_start_restored): an entry that is never read would pass the byte comparisons.
 * The same on workloads/qemu-press-oom-64k-6.18, whose start has free blocks on another type's
 * list (PsZone.foreign, saved by ps_machine_state).
 *
 * On a copy of the recording: a start saved from workloads/ is restored from the copy and
 * writes what a run of the copy without the cache does (the --proc paths in summary.json are
 * the copy's); a changed config field, a changed file beside the dump and a changed file in
 * the --proc directory each miss (a new entry). Through the pagesim binary (argv[1]), in
 * processes of its own: cold, then warm, told apart by PAGESIM_START_CACHE=verbose's line on
 * stderr, the same files as PAGESIM_START_CACHE=off but for summary.json's wall section.
 */
#include <glib.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "policy-run.h"
#include "sim/sim.h"
#include "test-util.h"

#define REC "ftrace-press-kswapd-6.18"

static const char *pagesim; /* the binary, argv[1] */
/*
 * run_from's runs with the invariant checker (PsRunOptions.check): on the 64K recording a start
 * restored without PsZone.foreign writes the same files (its one claim takes a pageblock whose
 * free blocks are all on the Movable list), but its lists break rule 2 at the first event.
 */
static bool check_runs;

typedef struct {
	char *dir, *trace, *kpf, *cache;
	PsConfig *cfg;
} Rec;

static bool rec_open(Rec *r, const char *rec)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");

	if (!src)
		return false;
	r->dir = g_build_filename(src, "workloads", rec, NULL);
	r->trace = g_build_filename(r->dir, "trace.jsonl.gz", NULL);
	r->kpf = g_build_filename(r->dir, "before.kpageflags.gz", NULL);
	if (!g_file_test(r->trace, G_FILE_TEST_EXISTS) || !g_file_test(r->kpf, G_FILE_TEST_EXISTS))
		return false;
	r->cfg = ps_test_config_from_dir(r->dir, 0);
	r->cache = ps_test_make_dir("pagesim-start-cache-XXXXXX");
	return true;
}

static void rec_close(Rec *r)
{
	ps_test_rm_rf(r->cache);
	g_free(r->cache);
	g_free(r->dir);
	g_free(r->trace);
	g_free(r->kpf);
	ps_config_free(r->cfg);
}

/*
 * `pagesim run` as cmd_run sets it up (trace cache, trace path; PAGESIM_START_CACHE=mode) from
 * the dump kpf with --proc proc: whether the start was restored.
 */
static bool run_from(const Rec *r, const char *kpf, const char *proc, const char *out,
		     const char *mode)
{
	g_autoptr(GError) error = NULL;
	PsRunOptions o = {0};
	PsSim *sim;
	bool restored, ok;

	if (mode)
		g_setenv("PAGESIM_START_CACHE", mode, TRUE);
	else
		g_unsetenv("PAGESIM_START_CACHE");
	o.out_dir = out;
	o.trace_cache_dir = r->cache;
	o.trace_path = r->trace;
	o.check = check_runs;
	sim = ps_sim_new(r->cfg, &o, &error);
	g_assert_no_error(error);
	g_assert_true(ps_sim_load_snapshot(sim, kpf, proc, &error));
	g_assert_no_error(error);
	restored = ps_sim_start_restored(sim);
	ok = ps_sim_run(sim, r->trace, &error);
	g_assert_no_error(error); /* before ok: a broken invariant says which */
	g_assert_true(ok);
	ps_sim_free(sim);
	g_unsetenv("PAGESIM_START_CACHE");
	return restored;
}

static bool run(const Rec *r, const char *out, const char *mode)
{
	return run_from(r, r->kpf, r->dir, out, mode);
}

/* summary.json without its wall-clock section (a run of the binary has one). */
static char *summary_text(const char *path)
{
	g_autofree char *text = ps_test_slurp(path);
	cJSON *root = cJSON_Parse(text);
	char *out;

	g_assert_nonnull(root);
	cJSON_DeleteItemFromObject(root, "wall");
	out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}

/*
 * Every file of run a is in run b with the same bytes, and b has no other (in-process runs have
 * no wall section: no wall_ns given; of a binary's, wall: summary.json compared without it).
 */
static void assert_same_files(const char *a, const char *b, bool wall)
{
	g_autoptr(GDir) d = g_dir_open(a, 0, NULL);
	const char *n;
	guint files = 0;

	g_assert_nonnull(d);
	while ((n = g_dir_read_name(d))) {
		g_autofree char *pa = g_build_filename(a, n, NULL),
				*pb = g_build_filename(b, n, NULL);
		g_autofree char *ta = NULL, *tb = NULL;
		gsize la = 0, lb = 0;

		if (!g_file_test(pa, G_FILE_TEST_IS_REGULAR))
			continue;
		if (wall && !strcmp(n, "summary.json")) {
			g_free(ta);
			g_free(tb);
			ta = summary_text(pa);
			if (!g_file_test(pb, G_FILE_TEST_EXISTS))
				g_error("%s: missing", pb);
			tb = summary_text(pb);
			la = strlen(ta);
			lb = strlen(tb);
		} else {
			g_assert_true(g_file_get_contents(pa, &ta, &la, NULL));
			if (!g_file_get_contents(pb, &tb, &lb, NULL))
				g_error("%s: missing", pb);
		}
		if (la != lb || memcmp(ta, tb, la))
			g_error("%s and %s differ", pa, pb);
		files++;
	}
	g_assert_cmpuint(files, >=, 5);
	{
		g_autoptr(GDir) e = g_dir_open(b, 0, NULL);
		guint bfiles = 0;

		while ((n = g_dir_read_name(e))) {
			g_autofree char *pb = g_build_filename(b, n, NULL);

			bfiles += g_file_test(pb, G_FILE_TEST_IS_REGULAR);
		}
		g_assert_cmpuint(bfiles, ==, files);
	}
}

static void assert_same_run(const char *a, const char *b)
{
	assert_same_files(a, b, false);
}

/* The .start entries in the cache directory. */
static guint count_entries(const char *cache)
{
	g_autoptr(GDir) d = g_dir_open(cache, 0, NULL);
	const char *n;
	guint k = 0;

	while (d && (n = g_dir_read_name(d)))
		k += g_str_has_suffix(n, ".start");
	return k;
}

/* A copy of every regular file of src in a new directory dst. */
static void copy_dir(const char *src, const char *dst)
{
	g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
	const char *n;

	g_assert_nonnull(d);
	g_assert_cmpint(g_mkdir_with_parents(dst, 0755), ==, 0);
	while ((n = g_dir_read_name(d))) {
		g_autofree char *from = g_build_filename(src, n, NULL),
				*to = g_build_filename(dst, n, NULL), *bytes = NULL;
		gsize len = 0;

		if (!g_file_test(from, G_FILE_TEST_IS_REGULAR))
			continue;
		g_assert_true(g_file_get_contents(from, &bytes, &len, NULL));
		g_assert_true(g_file_set_contents(to, bytes, (gssize)len, NULL));
	}
}

/* One more byte at the end of dir/name (a text file the start reads or only the key hashes). */
static void touch_byte(const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename(dir, name, NULL), *text = ps_test_slurp(p),
			*more = g_strconcat(text, "\n", NULL);

	g_assert_true(g_file_set_contents(p, more, -1, NULL));
}

/* The .start entry in the cache directory (there must be one). */
static char *start_entry(const char *cache)
{
	g_autoptr(GDir) d = g_dir_open(cache, 0, NULL);
	const char *n;
	char *found = NULL;

	while ((n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".start")) {
			g_assert_null(found);
			found = g_build_filename(cache, n, NULL);
		}
	if (!found)
		g_error("no started-state entry in %s", cache);
	return found;
}

/* The latest access time of the files in cache, ns. */
static int64_t cache_last_atime(const char *cache)
{
	g_autoptr(GDir) d = g_dir_open(cache, 0, NULL);
	const char *n;
	int64_t last = 0;

	while ((n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(cache, n, NULL);
		struct stat st;

		g_assert_cmpint(stat(p, &st), ==, 0);
		last = MAX(last, (int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec);
	}
	return last;
}

/*
 * After a run that read every entry of cache but the started state, a second such run: the
 * entries it reads are stamped used again (ps_cache_touch), where relatime alone leaves an
 * atime later than mtime and ctime as it is for a day: the trace's, the snapshot state and the
 * derived ones (every one such a run writes; the inflated dump is not read when the snapshot
 * state is: test-util's /util/cache/touch has it), and the digest memo of at least the trace
 * (others remember the digests of files only a started-state key reads). Each entry's mtime
 * stays. before: the latest atime before the second run. Returns the entries stamped.
 */
static guint assert_cache_touched(const char *cache, int64_t before)
{
	static const char *const read[] = {".pstc", ".snap", ".pcp", ".walk", ".stale", ".memcg"};
	g_autoptr(GDir) d = g_dir_open(cache, 0, NULL);
	const char *n;
	guint touched = 0, memos = 0;

	while ((n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(cache, n, NULL);
		struct stat st;
		bool must = false;
		int64_t at;

		g_assert_cmpint(stat(p, &st), ==, 0);
		at = (int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec;
		g_assert_cmpint((int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, <=,
				before);
		for (gsize i = 0; i < G_N_ELEMENTS(read); i++)
			must |= g_str_has_suffix(n, read[i]);
		if (must && at <= before)
			g_error("cache entry %s read by the run but not marked used", n);
		if (at > before) {
			touched++;
			memos += g_str_has_suffix(n, ".digest");
		}
	}
	g_assert_cmpuint(memos, >=, 1);
	return touched;
}

static void test_restored_same(gconstpointer rec)
{
	Rec r = {0};
	g_autofree char *tmp = NULL, *off = NULL, *cold = NULL, *warm = NULL, *cmp = NULL;
	g_autofree char *bad = NULL, *entry = NULL, *bytes = NULL, *again = NULL, *other = NULL;
	gsize len = 0, len2 = 0;
	int64_t before;

	if (!rec_open(&r, rec)) {
		g_autofree char *why =
		    g_strdup_printf("workloads/%s is not there", (const char *)rec);

		g_test_skip(why);
		return;
	}
	tmp = ps_test_make_dir("pagesim-start-run-XXXXXX");
	off = g_build_filename(tmp, "off", NULL);
	cold = g_build_filename(tmp, "cold", NULL);
	warm = g_build_filename(tmp, "warm", NULL);
	cmp = g_build_filename(tmp, "compare", NULL);
	bad = g_build_filename(tmp, "bad", NULL);
	/* off: no entry written */
	g_assert_false(run(&r, off, "off"));
	{
		g_autoptr(GDir) d = g_dir_open(r.cache, 0, NULL);
		const char *n;

		while ((n = g_dir_read_name(d)))
			g_assert_false(g_str_has_suffix(n, ".start"));
	}
	g_assert_false(run(&r, cold, NULL)); /* builds the state and keeps it */
	entry = start_entry(r.cache);
	/*
	 * every reader marks its hit used: a run without the started state reads all the other
	 * entries (trace, inflated dump, snapshot state, the derived ones, digest memos), one
	 * with it its entry too
	 */
	{
		g_autofree char *off2 = g_build_filename(tmp, "off2", NULL),
				*off3 = g_build_filename(tmp, "off3", NULL);
		struct stat st, st2;

		g_assert_false(run(&r, off2, "off"));
		g_usleep(30 * 1000); /* a tick of its own of the file system's clock */
		before = cache_last_atime(r.cache);
		g_assert_false(run(&r, off3, "off"));
		g_assert_cmpuint(assert_cache_touched(r.cache, before), >=, 5);
		/* the started state: read by a warm run only */
		g_assert_cmpint(stat(entry, &st), ==, 0);
		g_assert_cmpint((int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec, <=,
				before);
		g_assert_true(run(&r, warm, NULL)); /* restores it */
		g_usleep(30 * 1000);
		before = cache_last_atime(r.cache);
		g_assert_true(run(&r, warm, NULL)); /* and again: stamped again */
		g_assert_cmpint(stat(entry, &st2), ==, 0);
		g_assert_cmpint((int64_t)st2.st_atim.tv_sec * 1000000000 + st2.st_atim.tv_nsec, >,
				before);
		g_assert_cmpint(st2.st_mtim.tv_sec, ==, st.st_mtim.tv_sec);
		g_assert_cmpint(st2.st_mtim.tv_nsec, ==, st.st_mtim.tv_nsec);
	}
	assert_same_run(off, cold);
	assert_same_run(off, warm);
	/* both ways, compared array by array (aborts on a difference) */
	g_assert_false(run(&r, cmp, "compare"));
	assert_same_run(off, cmp);
	/*
	 * a corrupt entry: ignored, the run starts cold, the entry is written again, and an entry
	 * of the same inputs from another build (another name after the '-') is removed
	 */
	{
		g_autofree char *stem = g_path_get_basename(entry);

		*strchr(stem, '-') = 0;
		other = g_strdup_printf("%s/%s-0123456789abcdef.start", r.cache, stem);
		g_assert_true(g_file_set_contents(other, "old build", -1, NULL));
	}
	g_assert_true(g_file_get_contents(entry, &bytes, &len, NULL));
	bytes[len / 2] ^= 0x40;
	g_assert_true(g_file_set_contents(entry, bytes, (gssize)len, NULL));
	g_assert_false(run(&r, bad, NULL));
	assert_same_run(off, bad);
	g_assert_true(g_file_get_contents(entry, &again, &len2, NULL));
	g_assert_cmpuint(len2, ==, len);
	bytes[len / 2] ^= 0x40;
	g_assert_cmpmem(bytes, len, again, len2);
	g_assert_false(g_file_test(other, G_FILE_TEST_EXISTS));
	/* a header whose array count is not the table's: ignored, built, rewritten */
	{
		g_autofree char *hbytes = NULL, *bad2 = g_build_filename(tmp, "bad2", NULL),
				*warm2 = g_build_filename(tmp, "warm2", NULL);
		gsize hlen = 0;
		uint64_t entries;

		g_assert_true(g_file_get_contents(entry, &hbytes, &hlen, NULL));
		memcpy(&entries, hbytes + 24, 8); /* StartHead: magic, size, checksum, entries */
		entries++;
		memcpy(hbytes + 24, &entries, 8);
		g_assert_true(g_file_set_contents(entry, hbytes, (gssize)hlen, NULL));
		g_assert_false(run(&r, bad2, NULL));
		assert_same_run(off, bad2);
		g_assert_true(run(&r, warm2, NULL)); /* written again */
	}
	ps_test_rm_rf(tmp);
	rec_close(&r);
}

/*
 * Outputs do not depend on where the recording is, and the key covers what the start reads:
 * workloads/REC (A) builds the entry; a copy B restores it with B's paths; B's dump with a
 * copy P of the directory as --proc restores it too, with P's; then a changed config field, a
 * changed file in P and one beside the dump in B each miss, and the last inputs hit again.
 */
static void test_copied(void)
{
	Rec r = {0};
	g_autofree char *tmp = NULL, *b = NULL, *p = NULL, *bkpf = NULL;
	g_autofree char *cold = NULL, *warm = NULL, *off = NULL, *warm_p = NULL, *off_p = NULL;
	g_autofree char *cfg_miss = NULL, *proc_miss = NULL, *dir_miss = NULL, *off_miss = NULL,
			*hit = NULL;
	int old;

	if (!rec_open(&r, REC)) {
		g_test_skip("workloads/" REC " is not there");
		return;
	}
	tmp = ps_test_make_dir("pagesim-start-copy-XXXXXX");
	b = g_build_filename(tmp, "B", NULL);
	p = g_build_filename(tmp, "P", NULL);
	copy_dir(r.dir, b);
	copy_dir(r.dir, p);
	bkpf = g_build_filename(b, "before.kpageflags.gz", NULL);
#define OUT(v) v = g_build_filename(tmp, #v, NULL)
	OUT(cold);
	OUT(warm);
	OUT(off);
	OUT(warm_p);
	OUT(off_p);
	OUT(cfg_miss);
	OUT(proc_miss);
	OUT(dir_miss);
	OUT(off_miss);
	OUT(hit);
#undef OUT
	g_assert_false(run(&r, cold, NULL));
	g_assert_cmpuint(count_entries(r.cache), ==, 1);
	g_assert_true(run_from(&r, bkpf, b, warm, NULL));
	g_assert_false(run_from(&r, bkpf, b, off, "off"));
	assert_same_run(off, warm);
	g_assert_true(run_from(&r, bkpf, p, warm_p, NULL));
	g_assert_false(run_from(&r, bkpf, p, off_p, "off"));
	assert_same_run(off_p, warm_p);
	g_assert_cmpuint(count_entries(r.cache), ==, 1);
	/* a config field: the key has the whole config */
	old = r.cfg->spec.sysctl.extfrag_threshold;
	r.cfg->spec.sysctl.extfrag_threshold = 400;
	g_assert_false(run_from(&r, bkpf, p, cfg_miss, NULL));
	r.cfg->spec.sysctl.extfrag_threshold = old;
	g_assert_cmpuint(count_entries(r.cache), ==, 2);
	/* a file of the --proc directory (not beside the dump) */
	touch_byte(p, "before.buddyinfo");
	g_assert_false(run_from(&r, bkpf, p, proc_miss, NULL));
	g_assert_cmpuint(count_entries(r.cache), ==, 3);
	/* a file beside the dump (not in the --proc directory) */
	touch_byte(b, "before.buddyinfo");
	g_assert_false(run_from(&r, bkpf, p, dir_miss, NULL));
	g_assert_cmpuint(count_entries(r.cache), ==, 4);
	g_assert_false(run_from(&r, bkpf, p, off_miss, "off"));
	assert_same_run(off_miss, dir_miss);
	g_assert_true(run_from(&r, bkpf, p, hit, NULL));
	assert_same_run(off_miss, hit);
	g_assert_cmpuint(count_entries(r.cache), ==, 4);
	ps_test_rm_rf(tmp);
	rec_close(&r);
}

/* pagesim run ... with PAGESIM_START_CACHE=mode: its stderr. */
static char *run_binary(const Rec *r, const char *cfg, const char *out, const char *mode)
{
	const char *args[] = {
	    "run", "-q",	 "-c",	 cfg,	   "-t",   r->trace,	    "-o",
	    out,   "--snapshot", r->kpf, "--proc", r->dir, "--trace-cache", r->cache,
	    NULL};
	char *err = NULL;
	int rc;

	g_setenv("PAGESIM_START_CACHE", mode, TRUE);
	rc = ps_test_spawn(NULL, pagesim, args, NULL, &err);
	g_unsetenv("PAGESIM_START_CACHE");
	if (rc != 0)
		g_error("pagesim run (%s): exit %d: %s", mode, rc, err);
	return err;
}

static void test_binary(void)
{
	Rec r = {0};
	g_autofree char *tmp = NULL, *cfg = NULL, *json = NULL, *cold = NULL, *warm = NULL,
			*off = NULL;
	g_autofree char *e_cold = NULL, *e_warm = NULL, *e_off = NULL;

	if (!pagesim || !rec_open(&r, REC)) {
		g_test_skip("no pagesim binary or workloads/" REC " is not there");
		return;
	}
	tmp = ps_test_make_dir("pagesim-start-bin-XXXXXX");
	cfg = g_build_filename(tmp, "config.json", NULL);
	json = ps_config_to_json_full(r.cfg);
	g_assert_true(g_file_set_contents(cfg, json, -1, NULL));
	cold = g_build_filename(tmp, "cold", NULL);
	warm = g_build_filename(tmp, "warm", NULL);
	off = g_build_filename(tmp, "off", NULL);
	e_cold = run_binary(&r, cfg, cold, "verbose");
	e_warm = run_binary(&r, cfg, warm, "verbose");
	e_off = run_binary(&r, cfg, off, "off");
	if (!strstr(e_cold, "pagesim: started state built, kept in "))
		g_error("cold run: no \"built\" line: %s", e_cold);
	g_assert_null(strstr(e_cold, "restored"));
	if (!strstr(e_warm, "pagesim: started state restored from "))
		g_error("warm run: no \"restored\" line: %s", e_warm);
	g_assert_null(strstr(e_off, "started state"));
	assert_same_files(off, cold, true);
	assert_same_files(off, warm, true);
	ps_test_rm_rf(tmp);
	rec_close(&r);
}

/* test_restored_same, every run checked: the restored table is the one the lists need */
static void test_restored_same_checked(gconstpointer rec)
{
	check_runs = true;
	test_restored_same(rec);
	check_runs = false;
}

int main(int argc, char **argv)
{
	const char *build = g_getenv("G_TEST_BUILDDIR");

	g_test_init(&argc, &argv, NULL);
	pagesim = argc > 1 ? argv[1] : NULL;
	/*
	 * the runs and caches (~400 MB) in one directory of the build tree, emptied first: a
	 * failed run aborts without its teardown and would otherwise leave them in /tmp
	 */
	if (build) {
		g_autofree char *dir = g_build_filename(build, "start-cache-tmp", NULL);

		ps_test_rm_rf(dir);
		g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
		g_setenv("TMPDIR", dir, TRUE);
	}
	g_test_add_data_func("/sim/start-cache/restored-same", REC, test_restored_same);
	g_test_add_data_func("/sim/start-cache/restored-same-foreign-lists",
			     "qemu-press-oom-64k-6.18", test_restored_same_checked);
	g_test_add_func("/sim/start-cache/copied-recording", test_copied);
	g_test_add_func("/sim/start-cache/binary", test_binary);
	return g_test_run();
}
