// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-snapshot-lru.c - a policy run started from a hand-made kpageflags snapshot puts the
 * snapshot's LRU folios on the model's LRU lists (issue 14): file pages on the file lists,
 * swap-backed ones on the anon lists, PG_active on the active list, PG_dirty counted dirty, a
 * compound folio as one folio of its order, unevictable and slab pages not at all; a recorded
 * free of such a folio's pfn frees the model's record (no "free of unknown id"), except one
 * recorded on a cpu inside a recorded direct reclaim, which the kernel's reclaim freed and the
 * policy replay leaves to its own reclaim. The expected
 * counts are worked out from the flags written below, not read back from a run.
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "../common/test-util.h"
#include "config/config.h"
#include "sim/sim.h"
#include "util/util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(cJSON, cJSON_Delete)

/* include/uapi/linux/kernel-page-flags.h */
#define KPF(b)		  (1ull << (b))
#define KPF_DIRTY	  KPF(4)
#define KPF_LRU		  KPF(5)
#define KPF_ACTIVE	  KPF(6)
#define KPF_SLAB	  KPF(7)
#define KPF_BUDDY	  KPF(10)
#define KPF_ANON	  KPF(12)
#define KPF_SWAPCACHE	  KPF(13)
#define KPF_SWAPBACKED	  KPF(14)
#define KPF_COMPOUND_HEAD KPF(15)
#define KPF_COMPOUND_TAIL KPF(16)
#define KPF_UNEVICTABLE	  KPF(18)
#define KPF_THP		  KPF(22)
#define KPF_RESERVED	  KPF(32)

#define START_PFN 262144u /* Normal at 1 GiB */
#define NR_PAGES  16384u  /* 64 MiB */
#define A	  (START_PFN + 4096u)

static char *tmp_dir;
/* the next snapshots also hold the shmem pages of test_shmem (write_kpageflags) */
static bool with_shmem;
/* the trace cache of the runs (NULL: none) */
static char *cache_dir;

static PsConfig *make_config(void)
{
	static const char text[] =
	    "{\"page_size\":4096,\"cpus\":2,\"nodes\":[{\"zones\":{\"Normal\":{\"start_bytes\":"
	    "1073741824,\"spanned_bytes\":67108864}}}]}";
	g_autoptr(GError) error = NULL;
	PsConfig *cfg = ps_config_new();

	if (!ps_config_parse(cfg, text, strlen(text), "test.json", &error))
		g_error("config: %s", error->message);
	return cfg;
}

/* Everything free but the folios of the test, at A. */
static char *write_kpageflags(void)
{
	uint64_t n = START_PFN + NR_PAGES;
	g_autofree uint64_t *f = g_new(uint64_t, n);
	char *path = g_build_filename(tmp_dir, "before.kpageflags", NULL);

	for (uint64_t p = 0; p < n; p++)
		f[p] = p < START_PFN ? KPF_RESERVED : KPF_BUDDY;
	f[A + 0] = KPF_LRU;				     /* inactive file */
	f[A + 1] = KPF_LRU | KPF_ACTIVE;		     /* active file */
	f[A + 2] = KPF_LRU | KPF_DIRTY;			     /* inactive file, dirty */
	f[A + 4] = KPF_LRU | KPF_ACTIVE | KPF_COMPOUND_HEAD; /* an order-2 active file folio */
	for (int i = 5; i < 8; i++)
		f[A + i] = KPF_LRU | KPF_ACTIVE | KPF_COMPOUND_TAIL;
	f[A + 8] = KPF_LRU | KPF_ANON | KPF_SWAPBACKED; /* inactive anon */
	f[A + 9] = KPF_LRU | KPF_UNEVICTABLE;		/* mlocked: not on an evictable list */
	f[A + 10] = KPF_SLAB;
	f[A + 11] = KPF_SLAB;
	if (with_shmem) {
		/* swap-backed without KPF_ANON: tmpfs/shmem page cache */
		f[A + 12] = KPF_LRU | KPF_SWAPBACKED | KPF_DIRTY;	/* inactive anon list */
		f[A + 13] = KPF_LRU | KPF_SWAPBACKED | KPF_ACTIVE;	/* active anon list */
		f[A + 14] = KPF_LRU | KPF_SWAPBACKED | KPF_UNEVICTABLE; /* on no evictable list */
		f[A + 15] = KPF_SWAPBACKED | KPF_DIRTY;			/* not on a list yet */
		/* an order-2 unevictable shmem folio: 4 pages of page cache */
		f[A + 16] = KPF_LRU | KPF_SWAPBACKED | KPF_UNEVICTABLE | KPF_COMPOUND_HEAD;
		for (int i = 17; i < 20; i++)
			f[A + i] = KPF_LRU | KPF_SWAPBACKED | KPF_UNEVICTABLE | KPF_COMPOUND_TAIL;
		/* read ahead from swap, no anon mapping yet: anon, not page cache */
		f[A + 20] = KPF_LRU | KPF_SWAPBACKED | KPF_SWAPCACHE;
		/* a dirty anon page: anon (its dirty bit is no file dirtiness) */
		f[A + 21] = KPF_LRU | KPF_ANON | KPF_SWAPBACKED | KPF_DIRTY;
	}
	for (uint64_t p = 0; p < n; p++)
		f[p] = GUINT64_TO_LE(f[p]);
	g_assert_true(g_file_set_contents(path, (const char *)f, (gssize)(n * 8), NULL));
	return path;
}

/* The pages on pcp lists: the sum of zoneinfo's "count:" rows. */
static int64_t pcp_count(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "zoneinfo", NULL);
	g_autofree char *text = ps_test_slurp(path);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	int64_t n = 0;

	for (int i = 0; lines[i]; i++) {
		const char *c = strstr(lines[i], "count:");

		if (c)
			n += g_ascii_strtoll(c + strlen("count:"), NULL, 10);
	}
	return n;
}

/* A policy run from the snapshot (and the /proc files beside it when proc) over the trace lines;
 * its output directory. */
/* reclaim.start_reclaim_order of the next runs (test_reclaim_order turns it off once) */
static unsigned start_reclaim_order = 1;
/* PsRunOptions.skip_migrated_snapshot of the next runs (test_migrated_free) */
static bool skip_migrated_snapshot;

static char *run_proc(const char *name, const char *const *lines, size_t n, bool proc)
{
	g_autoptr(PsConfig) cfg = make_config();
	g_autofree char *kpf = write_kpageflags();
	g_autofree char *trace = g_build_filename(tmp_dir, "t.jsonl", NULL);
	char *out = g_build_filename(tmp_dir, name, NULL);
	GString *text = g_string_new("{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,"
				     "\"cpus\":2}\n");
	PsRunOptions opts = {.out_dir = out,
			     .seed = 1,
			     .trace_cache_dir = cache_dir,
			     .skip_migrated_snapshot = skip_migrated_snapshot};
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSim) s = NULL;

	cfg->reclaim.start_reclaim_order = start_reclaim_order;
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(text, "%s\n", lines[i]);
	g_assert_true(g_file_set_contents(trace, text->str, (gssize)text->len, NULL));
	g_string_free(text, TRUE);
	s = ps_sim_new(cfg, &opts, &error);
	g_assert_no_error(error);
	if (!ps_sim_load_snapshot(s, kpf, proc ? tmp_dir : NULL, &error))
		g_error("snapshot: %s", error->message);
	if (!ps_sim_run(s, trace, &error))
		g_error("run: %s", error->message);
	return out;
}

static char *run(const char *name, const char *const *lines, size_t n)
{
	return run_proc(name, lines, n, false);
}

static double snap_field(const cJSON *sum, const char *name)
{
	const cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "snapshot"), name);

	g_assert_nonnull(o);
	return o->valuedouble;
}

static double anomaly(const cJSON *sum, const char *name)
{
	const cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "anomalies"), name);

	g_assert_nonnull(o);
	return o->valuedouble;
}

static void test_placement(void)
{
	/* one recorded allocation and its free, far from the snapshot's folios */
	static const char *const lines[] = {
	    "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pid\":1,"
	    "\"cpu\":0}",
	    "{\"t\":2000,\"op\":\"free\",\"id\":1,\"cpu\":0}",
	};
	g_autofree char *out = run("placement", lines, G_N_ELEMENTS(lines));
	g_autoptr(cJSON) sum = ps_test_json_file(out, "summary.json");

	/* A, A+1, A+2, the order-2 folio at A+4 and the anon page at A+8 */
	g_assert_cmpfloat(snap_field(sum, "lru_folios"), ==, 5);
	g_assert_cmpfloat(snap_field(sum, "lru_pages"), ==, 8);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_file"), ==, 2);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_active_file"), ==, 1 + 4);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_anon"), ==, 1);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_active_anon"), ==, 0);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_file_pages"), ==, 7);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_dirty"), ==, 1);
	/* putting them on the lists is no activation */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "pgactivate"), ==, 0);
	ps_test_rm_rf(out);
}

/*
 * Shmem in the snapshot (review s20 item 9): a swap-backed page without KPF_ANON, not in the
 * swap cache, is tmpfs/shmem page cache. Listed, it is seeded on the anon lists as a shmem folio;
 * listed or not (unevictable, not yet on a list), its pages count in NR_FILE_PAGES and NR_SHMEM
 * (shmem_update_stats), not NR_ANON_PAGES. The kernel frees A+12 (truncated): one page less.
 */
static void test_shmem(void)
{
	g_autofree char *l1 = g_strdup_printf(
	    "{\"t\":1000,\"op\":\"free\",\"id\":7,\"pfn\":%u,\"order\":0,\"cpu\":0}", A + 12);
	const char *const lines[] = {l1};
	g_autofree char *out = NULL;
	g_autoptr(cJSON) sum = NULL;

	with_shmem = true;
	out = run("shmem", lines, G_N_ELEMENTS(lines));
	with_shmem = false;
	sum = ps_test_json_file(out, "summary.json");
	/* test_placement's 5 folios (8 pages), shmem A+12 and A+13, anon A+20 and A+21 */
	g_assert_cmpfloat(snap_field(sum, "lru_folios"), ==, 5 + 4);
	g_assert_cmpfloat(snap_field(sum, "lru_pages"), ==, 8 + 4);
	g_assert_cmpfloat(anomaly(sum, "free_unknown_id"), ==, 0);
	/* shmem: A+13 listed, A+14, A+15 and A+16..19 not (A+12 freed) */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_shmem"), ==, 1 + 1 + 1 + 4);
	/* test_placement's 7 file pages and the shmem pages */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_file_pages"), ==, 7 + 7);
	/* A+8, A+20, A+21 */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_anon_pages"), ==, 3);
	/* the anon lists hold anon and listed shmem folios; A+12 left the inactive one */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_anon"), ==, 3);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_active_anon"), ==, 1);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_file"), ==, 2);
	/* shmem and anon dirtiness is no file dirtiness (shmem's dirty_folio is a no-op) */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_dirty"), ==, 1);
	ps_test_rm_rf(out);
}

static void test_recorded_free(void)
{
	/* the kernel freed the active page and the order-2 folio (ids the import made up) */
	g_autofree char *l1 = g_strdup_printf(
	    "{\"t\":1000,\"op\":\"free\",\"id\":7,\"pfn\":%u,\"order\":0,\"cpu\":0}", A + 1);
	g_autofree char *l2 = g_strdup_printf(
	    "{\"t\":2000,\"op\":\"free\",\"id\":8,\"pfn\":%u,\"order\":2,\"cpu\":1}", A + 4);
	const char *const lines[] = {l1, l2};
	g_autofree char *out = run("free", lines, G_N_ELEMENTS(lines));
	g_autoptr(cJSON) sum = ps_test_json_file(out, "summary.json");

	g_assert_cmpfloat(snap_field(sum, "unknown_at_start_frees"), ==, 2);
	g_assert_cmpfloat(anomaly(sum, "free_unknown_id"), ==, 0);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_active_file"), ==, 0);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_file"), ==, 2);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_file_pages"), ==, 2);
	/*
	 * The five pages are free again, in the buddy or on a pcp list: at the start, 11 pages of
	 * the zone were not free (A+3 is).
	 */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_free_pages") + pcp_count(out), ==,
			NR_PAGES - 11 + 5);
	ps_test_rm_rf(out);
}

/* cpu 0's recorded direct reclaim, from 1000 to 3000 ns, in the two tests of reclaim frees */
static const char dr_begin[] =
    "{\"t\":1000,\"op\":\"observed\",\"event\":"
    "\"mm_vmscan_direct_reclaim_begin\",\"cpu\":0,\"pid\":5,\"order\":0}";
static const char dr_end[] = "{\"t\":3000,\"op\":\"observed\",\"event\":"
			     "\"mm_vmscan_direct_reclaim_end\",\"cpu\":0,\"pid\":5,\"value\":1}";

static void test_direct_reclaim_free(void)
{
	/*
	 * cpu 0 is in a direct reclaim from 1000 to 3000: its free of A+1 in between is the
	 * kernel's reclaim (skipped); cpu 1's free of A+0 in the window and cpu 0's free of A+2
	 * after it are replayed.
	 */
	g_autofree char *l1 = g_strdup_printf(
	    "{\"t\":2000,\"op\":\"free\",\"id\":7,\"pfn\":%u,\"order\":0,\"cpu\":0}", A + 1);
	g_autofree char *l2 = g_strdup_printf(
	    "{\"t\":2500,\"op\":\"free\",\"id\":8,\"pfn\":%u,\"order\":0,\"cpu\":1}", A + 0);
	g_autofree char *l3 = g_strdup_printf(
	    "{\"t\":4000,\"op\":\"free\",\"id\":9,\"pfn\":%u,\"order\":0,\"cpu\":0}", A + 2);
	const char *const lines[] = {dr_begin, l1, l2, dr_end, l3};
	g_autofree char *out = run("direct", lines, G_N_ELEMENTS(lines));
	g_autoptr(cJSON) sum = ps_test_json_file(out, "summary.json");
	const cJSON *skipped =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "totals"), "pages_kernel_reclaim_skipped");

	g_assert_nonnull(skipped);
	g_assert_cmpfloat(skipped->valuedouble, ==, 1);
	g_assert_cmpfloat(snap_field(sum, "unknown_at_start_frees"), ==, 2);
	g_assert_cmpfloat(anomaly(sum, "free_unknown_id"), ==, 0);
	/* A+1 is still on the active list with the order-2 folio; A and A+2 are gone */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_active_file"), ==, 1 + 4);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_file"), ==, 0);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_free_pages") + pcp_count(out), ==,
			NR_PAGES - 11 + 2);
	ps_test_rm_rf(out);
}

/*
 * The start's LRU order (snapshot-stale.c, sim_snapshot_lru_order): the kernel's reclaim freed
 * the active A+1, then the active order-2 folio at A+4, then the slab page A+10 (on no LRU list).
 * With a task in a memcg of its own (pid 9's proc record) the two folios go to the inactive
 * tail, deactivated: 2 folios, 5 pages; with it but reclaim.start_reclaim_order 0 (the second
 * run), and without it (the third), the lists are left in pfn order and both stay active.
 */
static void test_reclaim_order(void)
{
	static const char proc[] = "{\"t\":0,\"op\":\"proc\",\"pid\":9,\"comm\":\"t\","
				   "\"oom_score_adj\":0,\"memcg\":\"/t\"}";
	g_autofree char *l1 =
	    g_strdup_printf("{\"t\":1500,\"op\":\"free\",\"id\":7,\"pfn\":%u,"
			    "\"order\":0,\"cpu\":0,\"reason\":\"reclaim_kswapd\"}",
			    A + 1);
	g_autofree char *l2 =
	    g_strdup_printf("{\"t\":2500,\"op\":\"free\",\"id\":9,\"pfn\":%u,"
			    "\"order\":2,\"cpu\":1,\"reason\":\"reclaim_kswapd\"}",
			    A + 4);
	g_autofree char *l3 =
	    g_strdup_printf("{\"t\":2600,\"op\":\"free\",\"id\":10,\"pfn\":%u,"
			    "\"order\":0,\"cpu\":1,\"reason\":\"reclaim_kswapd\"}",
			    A + 10);
	const char *const lines[] = {proc, l1, l2, l3};

	for (int mode = 0; mode < 3; mode++) {
		bool with_memcg = mode < 2, ordered = mode == 0;
		g_autofree char *out = NULL;
		g_autoptr(cJSON) sum = NULL;

		start_reclaim_order = mode != 1;
		out = run("order", lines + !with_memcg, G_N_ELEMENTS(lines) - !with_memcg);
		start_reclaim_order = 1;
		sum = ps_test_json_file(out, "summary.json");

		g_assert_cmpfloat(snap_field(sum, "lru_reclaim_ordered_folios"), ==,
				  ordered ? 2 : 0);
		g_assert_cmpfloat(snap_field(sum, "lru_reclaim_ordered_pages"), ==,
				  ordered ? 5 : 0);
		g_assert_cmpfloat(snap_field(sum, "lru_reclaim_ordered_deactivated"), ==,
				  ordered ? 5 : 0);
		/* at the start: A+1 and the order-2 folio active, A+0 and A+2 inactive */
		g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_active_file"), ==,
				ordered ? 0 : 5);
		g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_file"), ==,
				ordered ? 7 : 2);
		ps_test_rm_rf(out);
	}
}

/*
 * LRU folios the trace proves free at its start (snapshot-stale.c): A's page, a tail page of the
 * order-2 folio at A+4 (the 8 pages from A: a word with a larger folio) and A+8 (a word of
 * order-0 folios) are first named by an allocation, so the three folios are freed to the buddy
 * before the seed; A+1 is first named by a free (it stays, and that free frees it); A+2 is not
 * named. Read from the trace, then (second run) from the cache's runs.
 */
static void test_stale(void)
{
	g_autofree char *l1 = g_strdup_printf("{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"pfn\":%u,"
					      "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pid\":1,"
					      "\"cpu\":0}",
					      A + 0);
	g_autofree char *l2 = g_strdup_printf(
	    "{\"t\":1500,\"op\":\"free\",\"id\":7,\"pfn\":%u,\"order\":0,\"cpu\":0}", A + 1);
	g_autofree char *l3 = g_strdup_printf("{\"t\":2000,\"op\":\"alloc\",\"id\":2,\"pfn\":%u,"
					      "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pid\":1,"
					      "\"cpu\":1}",
					      A + 6);
	g_autofree char *l4 = g_strdup_printf("{\"t\":2500,\"op\":\"alloc\",\"id\":3,\"pfn\":%u,"
					      "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pid\":1,"
					      "\"cpu\":1}",
					      A + 8);
	const char *const lines[] = {l1, l2, l3, l4};

	cache_dir = g_build_filename(tmp_dir, "cache", NULL);
	for (int pass = 0; pass < 2; pass++) {
		g_autofree char *out = run("stale", lines, G_N_ELEMENTS(lines));
		g_autoptr(cJSON) sum = ps_test_json_file(out, "summary.json");

		g_assert_cmpfloat(snap_field(sum, "stale_lru_freed_folios"), ==, 3);
		g_assert_cmpfloat(snap_field(sum, "stale_lru_freed_pages"), ==, 1 + 4 + 1);
		/* seeded: A+1 and A+2 */
		g_assert_cmpfloat(snap_field(sum, "lru_folios"), ==, 2);
		g_assert_cmpfloat(snap_field(sum, "lru_pages"), ==, 2);
		g_assert_cmpfloat(snap_field(sum, "unknown_at_start_frees"), ==, 1);
		g_assert_cmpfloat(anomaly(sum, "free_unknown_id"), ==, 0);
		g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_active_file"), ==, 0);
		g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_file"), ==, 1);
		g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_anon"), ==, 0);
		g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_dirty"), ==, 1);
		ps_test_rm_rf(out);
	}
	ps_test_rm_rf(cache_dir);
	g_clear_pointer(&cache_dir, g_free);
}

/* A run of the trace lines whose start has the stale pass's figures but no skip hints. */
static void assert_no_skip_hints(const char *name, const char *const *lines, size_t n)
{
	g_autofree char *out = run(name, lines, n);
	g_autoptr(cJSON) sum = ps_test_json_file(out, "summary.json");
	const cJSON *snap = cJSON_GetObjectItem(sum, "snapshot");

	g_assert_nonnull(cJSON_GetObjectItem(snap, "stale_lru_freed_folios"));
	g_assert_null(cJSON_GetObjectItem(snap, "compaction_skip_hint_blocks_at_start"));
	g_assert_null(cJSON_GetObjectItem(snap, "compaction_resume_pfn_at_start"));
	g_assert_null(cJSON_GetObjectItem(snap, "compaction_resume_blocks_at_start"));
	ps_test_rm_rf(out);
}

/*
 * The skip hints at the start (snapshot-stale.c, FirstCompaction): the recording's first
 * compaction run (pid 5) ends COMPLETE (status 5, written + 1) with no migrate_pages call, and
 * pid 5's next record is the order-9 THP allocation that compacted: every pageblock of the
 * zone (64 MiB, 32 of them) starts marked, read from the trace, then from the cache. A
 * migrate_pages call inside the run, or a next record that is no allocation that could compact
 * (compact_memory's writer), leaves them unmarked.
 */
static void test_compaction_skip_hints(void)
{
	const char *const begin =
	    "{\"t\":1000,\"op\":\"observed\",\"event\":\"mm_compaction_begin\",\"cpu\":0,"
	    "\"pid\":5}";
	const char *const migrate =
	    "{\"t\":1200,\"op\":\"observed\",\"event\":"
	    "\"mm_compaction_migratepages\",\"cpu\":0,\"pid\":5,\"value\":3}";
	const char *const end = "{\"t\":1500,\"op\":\"observed\",\"event\":\"mm_compaction_end\","
				"\"cpu\":0,\"pid\":5,\"value\":6}";
	const char *const thp =
	    "{\"t\":1600,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":5,"
	    "\"order\":9,\"gfp\":\"GFP_TRANSHUGE|__GFP_NORETRY|__GFP_THISNODE\","
	    "\"failed\":true}";
	/* the format as a literal: -Wformat-nonliteral (format=2) in the debug builds */
	g_autofree char *small_at =
	    g_strdup_printf("{\"t\":1600,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":5,"
			    "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pfn\":%u}",
			    A + 100);
	const char *const hinted[] = {begin, end, thp};
	const char *const migrated[] = {begin, migrate, end, thp};
	const char *const sysctl[] = {begin, end, small_at};

	cache_dir = g_build_filename(tmp_dir, "cache", NULL);
	for (int pass = 0; pass < 2; pass++) {
		g_autofree char *out = run("skip-hints", hinted, G_N_ELEMENTS(hinted));
		g_autoptr(cJSON) sum = ps_test_json_file(out, "summary.json");

		g_assert_cmpfloat(snap_field(sum, "compaction_skip_hint_blocks_at_start"), ==,
				  NR_PAGES / 512);
		ps_test_rm_rf(out);
	}
	ps_test_rm_rf(cache_dir);
	g_clear_pointer(&cache_dir, g_free);
	assert_no_skip_hints("skip-hints", migrated, G_N_ELEMENTS(migrated));
	assert_no_skip_hints("skip-hints", sysctl, G_N_ELEMENTS(sysctl));
}

/*
 * A run of the kcompactd-resume lines, from the trace then from the cache: the resume seed's own
 * summary keys (its position at block 10 of the zone, the 10 blocks below marked, the shift),
 * and no skip hints.
 */
static void assert_resume(const char *const *lines, size_t n, double shift)
{
	cache_dir = g_build_filename(tmp_dir, "cache", NULL);
	for (int pass = 0; pass < 2; pass++) {
		g_autofree char *out = run("kcompactd-resume", lines, n);
		g_autoptr(cJSON) sum = ps_test_json_file(out, "summary.json");
		const cJSON *snap = cJSON_GetObjectItem(sum, "snapshot");

		g_assert_cmpfloat(snap_field(sum, "compaction_resume_pfn_at_start"), ==,
				  START_PFN + 10 * 512);
		g_assert_cmpfloat(snap_field(sum, "compaction_resume_blocks_at_start"), ==, 10);
		g_assert_cmpfloat(snap_field(sum, "compaction_defer_shift_at_start"), ==, shift);
		g_assert_null(cJSON_GetObjectItem(snap, "compaction_skip_hint_blocks_at_start"));
		ps_test_rm_rf(out);
	}
	ps_test_rm_rf(cache_dir);
	g_clear_pointer(&cache_dir, g_free);
}

/*
 * Where the first kcompactd run resumed (snapshot-stale.c, FirstKcompactd): kcompactd (pid 9, as
 * its wake names it) compacts on cpu 1 and frees the old page of the folio it migrated, at
 * block 10 of the zone's 32, then ends PARTIAL_SKIPPED (status 6, written + 1): its migrate
 * scanner had resumed there, and the 10 blocks below start marked, read from the trace, then
 * from the cache, at their own summary keys. Six wakes without a run come before the next run,
 * whose wake was not refused: shift 2 after the run, 1 before it (a lost decrement would count 7
 * and give 2). With another task's compaction (pid 5) between the run and the next, the
 * deferral is not inferred (shift 0). The next run ends COMPLETE: a
 * __reset_isolation_suitable walk had run, so partial_skipped meant a resumed start. A run that
 * ends COMPLETE (it began at the zone's start) leaves them unmarked, and so does a free on the
 * other cpu (no page of the run), a next run that ends PARTIAL_SKIPPED too or one that never
 * begins (no evidence of a walk, and no vmstat here to show a compact_stall), and another task's
 * compaction (pid 5) beginning inside the run (it moves the cached position).
 */
static void test_kcompactd_resume(void)
{
	const unsigned src = START_PFN + 10 * 512 + 3;
	g_autofree char *alloc = g_strdup_printf("{\"t\":500,\"op\":\"alloc\",\"id\":1,\"cpu\":0,"
						 "\"pid\":1,\"order\":0,\"gfp\":"
						 "\"GFP_HIGHUSER_MOVABLE\",\"pfn\":%u}",
						 src);
	const char *const wake =
	    "{\"t\":1000,\"op\":\"observed\",\"event\":"
	    "\"mm_compaction_kcompactd_wake\",\"cpu\":1,\"pid\":9,\"order\":9}";
	const char *const begin = "{\"t\":1100,\"op\":\"observed\",\"event\":"
				  "\"mm_compaction_begin\",\"cpu\":1,\"pid\":9}";
	g_autofree char *free1 = g_strdup_printf(
	    "{\"t\":1200,\"op\":\"free\",\"id\":1,\"cpu\":1,\"order\":0,\"pfn\":%u}", src);
	g_autofree char *free0 = g_strdup_printf(
	    "{\"t\":1200,\"op\":\"free\",\"id\":1,\"cpu\":0,\"order\":0,\"pfn\":%u}", src);
	const char *const partial = "{\"t\":1300,\"op\":\"observed\",\"event\":"
				    "\"mm_compaction_end\",\"cpu\":1,\"pid\":9,\"value\":7}";
	const char *const complete = "{\"t\":1300,\"op\":\"observed\",\"event\":"
				     "\"mm_compaction_end\",\"cpu\":1,\"pid\":9,\"value\":6}";
	const char *const later[] = {
	    "{\"t\":1700,\"op\":\"observed\",\"event\":\"mm_compaction_kcompactd_wake\","
	    "\"cpu\":1,\"pid\":9,\"order\":9}",
	    "{\"t\":1800,\"op\":\"observed\",\"event\":\"mm_compaction_kcompactd_wake\","
	    "\"cpu\":1,\"pid\":9,\"order\":9}",
	    "{\"t\":1900,\"op\":\"observed\",\"event\":\"mm_compaction_kcompactd_wake\","
	    "\"cpu\":1,\"pid\":9,\"order\":9}",
	    "{\"t\":2000,\"op\":\"observed\",\"event\":\"mm_compaction_kcompactd_wake\","
	    "\"cpu\":1,\"pid\":9,\"order\":9}",
	    "{\"t\":3000,\"op\":\"observed\",\"event\":\"mm_compaction_kcompactd_wake\","
	    "\"cpu\":1,\"pid\":9,\"order\":9}",
	    "{\"t\":4000,\"op\":\"observed\",\"event\":\"mm_compaction_kcompactd_wake\","
	    "\"cpu\":1,\"pid\":9,\"order\":9}",
	    "{\"t\":5000,\"op\":\"observed\",\"event\":\"mm_compaction_kcompactd_wake\","
	    "\"cpu\":1,\"pid\":9,\"order\":9}",
	    "{\"t\":5100,\"op\":\"observed\",\"event\":\"mm_compaction_begin\",\"cpu\":1,"
	    "\"pid\":9}",
	};
	const char *const next_complete = "{\"t\":5300,\"op\":\"observed\",\"event\":"
					  "\"mm_compaction_end\",\"cpu\":1,\"pid\":9,\"value\":6}";
	const char *const next_partial = "{\"t\":5300,\"op\":\"observed\",\"event\":"
					 "\"mm_compaction_end\",\"cpu\":1,\"pid\":9,\"value\":7}";
	const char *const direct = "{\"t\":1250,\"op\":\"observed\",\"event\":"
				   "\"mm_compaction_begin\",\"cpu\":0,\"pid\":5}";
	const char *const direct_after = "{\"t\":1600,\"op\":\"observed\",\"event\":"
					 "\"mm_compaction_begin\",\"cpu\":0,\"pid\":5}";
	enum { NL = G_N_ELEMENTS(later), N = 5 + NL + 1 };
	const char *resumed[N] = {alloc, wake, begin, free1, partial};
	const char *crossed[N] = {alloc, wake, begin, free1, complete};
	const char *elsewhere[N] = {alloc, wake, begin, free0, partial};
	const char *unproven[N] = {alloc, wake, begin, free1, partial};
	const char *no_next[5] = {alloc, wake, begin, free1, partial};
	const char *shared[N + 1] = {alloc, wake, begin, free1, direct, partial};
	const char *shared_after[N + 1] = {alloc, wake, begin, free1, partial, direct_after};

	for (int i = 0; i < NL; i++) {
		resumed[5 + i] = crossed[5 + i] = elsewhere[5 + i] = unproven[5 + i] = later[i];
		shared[6 + i] = shared_after[6 + i] = later[i];
	}
	resumed[N - 1] = crossed[N - 1] = elsewhere[N - 1] = next_complete;
	shared[N] = shared_after[N] = next_complete;
	unproven[N - 1] = next_partial;
	assert_resume(resumed, N, 1);
	assert_resume(shared_after, N + 1, 0);
	assert_no_skip_hints("kcompactd-resume", crossed, N);
	assert_no_skip_hints("kcompactd-resume", elsewhere, N);
	assert_no_skip_hints("kcompactd-resume", unproven, N);
	assert_no_skip_hints("kcompactd-resume", no_next, G_N_ELEMENTS(no_next));
	assert_no_skip_hints("kcompactd-resume", shared, N + 1);
}

static double total(const cJSON *sum, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "totals"), name);

	g_assert_nonnull(v);
	return v->valuedouble;
}

static void test_reason_free(void)
{
	/*
	 * Frees the importer marked as the kernel's reclaim (reason reclaim_kswapd /
	 * reclaim_direct): those of pages on the model's LRU are skipped (the snapshot's A+1 and
	 * the order-2 folio at A+4, the trace's file page id 21); those of pages the model cannot
	 * reclaim are replayed (the snapshot's slab page A+10, the trace's kernel page id 20).
	 * Once a free has carried a reason the cpu-window rule is off: cpu 0's free of A+0 inside
	 * its recorded direct reclaim, without a reason, is replayed.
	 */
	static const char a20[] = "{\"t\":500,\"op\":\"alloc\",\"id\":20,\"cpu\":1,\"pid\":6,"
				  "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"kind\":\"kernel\"}";
	static const char a21[] = "{\"t\":600,\"op\":\"alloc\",\"id\":21,\"cpu\":1,\"pid\":6,"
				  "\"order\":0,\"gfp\":\"GFP_HIGHUSER_MOVABLE\",\"kind\":\"file\"}";
	static const char f20[] =
	    "{\"t\":3500,\"op\":\"free\",\"id\":20,\"cpu\":1,\"reason\":\"reclaim_kswapd\"}";
	static const char f21[] =
	    "{\"t\":3600,\"op\":\"free\",\"id\":21,\"cpu\":1,\"reason\":\"reclaim_kswapd\"}";
	g_autofree char *l1 =
	    g_strdup_printf("{\"t\":1500,\"op\":\"free\",\"id\":7,\"pfn\":%u,"
			    "\"order\":0,\"cpu\":0,\"reason\":\"reclaim_kswapd\"}",
			    A + 1);
	g_autofree char *l2 = g_strdup_printf(
	    "{\"t\":2000,\"op\":\"free\",\"id\":8,\"pfn\":%u,\"order\":0,\"cpu\":0}", A + 0);
	g_autofree char *l3 =
	    g_strdup_printf("{\"t\":2500,\"op\":\"free\",\"id\":9,\"pfn\":%u,"
			    "\"order\":2,\"cpu\":1,\"reason\":\"reclaim_direct\"}",
			    A + 4);
	g_autofree char *l4 =
	    g_strdup_printf("{\"t\":2600,\"op\":\"free\",\"id\":10,\"pfn\":%u,"
			    "\"order\":0,\"cpu\":1,\"reason\":\"reclaim_kswapd\"}",
			    A + 10);
	const char *const lines[] = {a20, a21, dr_begin, l1, l2, l3, l4, dr_end, f20, f21};
	g_autofree char *out = run("reason", lines, G_N_ELEMENTS(lines));
	g_autoptr(cJSON) sum = ps_test_json_file(out, "summary.json");

	g_assert_cmpfloat(total(sum, "pages_kernel_reclaim_skipped"), ==, 1 + 4 + 1);
	g_assert_cmpfloat(total(sum, "pages_kernel_reclaim_skipped_kswapd"), ==, 1 + 1);
	g_assert_cmpfloat(total(sum, "pages_kernel_reclaim_skipped_direct"), ==, 4);
	g_assert_cmpfloat(anomaly(sum, "free_unknown_id"), ==, 0);
	/* A+1 and the folio at A+4 are still active; A+0, A+10 and id 20 are free again */
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_active_file"), ==, 1 + 4);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_free_pages") + pcp_count(out), ==,
			NR_PAGES - 11 - 2 + 3);
	ps_test_rm_rf(out);
}

/*
 * Frees with reason migrated (the importer's: the recording kernel's migration put a folio's old
 * pages, under a new id): one of an allocation the trace made (id 20, at a pfn the snapshot left
 * free) is never replayed, the allocation lives on; one of a snapshot page (the inactive file page
 * at A+0) is replayed as an ordinary free and counted, unless skip_migrated_snapshot, when it stays
 * on the model's LRU.
 */
static void test_migrated_free(void)
{
	g_autofree char *a20 =
	    g_strdup_printf("{\"t\":500,\"op\":\"alloc\",\"id\":20,\"cpu\":1,\"pid\":6,"
			    "\"order\":0,\"gfp\":\"GFP_HIGHUSER_MOVABLE\",\"kind\":\"anon\","
			    "\"pfn\":%u}",
			    A + 300);
	g_autofree char *f20 = g_strdup_printf("{\"t\":1000,\"op\":\"free\",\"id\":30,\"pfn\":%u,"
					       "\"order\":0,\"cpu\":1,\"reason\":\"migrated\"}",
					       A + 300);
	g_autofree char *f0 = g_strdup_printf("{\"t\":1500,\"op\":\"free\",\"id\":31,\"pfn\":%u,"
					      "\"order\":0,\"cpu\":0,\"reason\":\"migrated\"}",
					      A + 0);
	const char *lines[] = {a20, f20, f0};
	g_autofree char *out = NULL;
	g_autoptr(cJSON) sum = NULL;
	g_autoptr(cJSON) sum2 = NULL;

	out = run("migrated", lines, G_N_ELEMENTS(lines));
	sum = ps_test_json_file(out, "summary.json");
	g_assert_cmpfloat(total(sum, "pages_kernel_migration_skipped"), ==, 1);
	g_assert_cmpfloat(total(sum, "pages_kernel_migration_replayed"), ==, 1);
	g_assert_cmpfloat(anomaly(sum, "free_unknown_id"), ==, 0);
	g_assert_null(cJSON_GetObjectItem(sum, "skip_migrated_snapshot"));
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_file"), ==, 1);
	ps_test_rm_rf(out);
	g_free(out);

	skip_migrated_snapshot = true;
	out = run("migrated-skip", lines, G_N_ELEMENTS(lines));
	skip_migrated_snapshot = false;
	sum2 = ps_test_json_file(out, "summary.json");
	g_assert_cmpfloat(total(sum2, "pages_kernel_migration_skipped"), ==, 2);
	g_assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(sum2, "totals"),
					  "pages_kernel_migration_replayed"));
	g_assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sum2, "skip_migrated_snapshot")));
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "nr_inactive_file"), ==, 2);
	ps_test_rm_rf(out);
}

/* The boost column of the timeline's first Normal row. */
/*
 * Allocations that failed in the recording (failed: true): a THP fault's first try with
 * __GFP_THISNODE | __GFP_NORETRY under a mask that may direct-reclaim is left to the fault's
 * retry; a THP fault's last try the model can serve is served and kept by the process (a THP
 * fault alloc in the model: freed at once, its block would serve every later such fault); once
 * the zone is full of that folio and the trace's own order-9 blocks, one that cannot be served
 * fails in the model too (a THP fault fallback).
 */
static void test_failed_alloc(void)
{
	static const char first[] = "{\"t\":100,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":6,"
				    "\"order\":9,\"gfp\":\"GFP_TRANSHUGE|__GFP_NORETRY|"
				    "__GFP_THISNODE\",\"failed\":true}";
	static const char last[] = "{\"t\":200,\"op\":\"alloc\",\"id\":2,\"cpu\":0,\"pid\":6,"
				   "\"order\":9,\"gfp\":\"GFP_TRANSHUGE\",\"failed\":true}";
	static const char full[] = "{\"t\":9000,\"op\":\"alloc\",\"id\":3,\"cpu\":0,\"pid\":6,"
				   "\"order\":9,\"gfp\":\"GFP_TRANSHUGE_LIGHT|__GFP_NORETRY|"
				   "__GFP_THISNODE\",\"failed\":true}";
	const char *lines[3 + 30];
	g_autofree char *out = NULL;
	g_autoptr(cJSON) sum = NULL;
	size_t n = 0;
	int64_t free_before;

	lines[n++] = first;
	lines[n++] = last;
	/* 31 free order-9 blocks at the start: the kept THP and these 30 fill the zone */
	for (int i = 0; i < 30; i++)
		lines[n++] = g_strdup_printf("{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"cpu\":1,"
					     "\"pid\":7,\"order\":9,\"gfp\":\"GFP_NOWAIT\","
					     "\"kind\":\"kernel\"}",
					     1000 + i, 10 + i);
	lines[n++] = full;
	out = run("failed-first", lines, 2);
	sum = ps_test_json_file(out, "summary.json");
	g_assert_cmpfloat(total(sum, "failed_allocs_first_try"), ==, 1);
	g_assert_cmpfloat(total(sum, "failed_allocs_model_ok"), ==, 1);
	g_assert_cmpfloat(total(sum, "failed_allocs_both_failed"), ==, 0);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "thp_fault_alloc"), ==, 1);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "thp_fault_fallback"), ==, 0);
	g_assert_cmpfloat(total(sum, "failed_allocs_model_kept"), ==, 1);
	/* the THP kept: 512 pages fewer free (buddy or pcp) than the 11 in use at the start left */
	free_before = (int64_t)ps_test_run_vmstat(out, "nr_free_pages") + pcp_count(out);
	g_assert_cmpint(free_before, ==, NR_PAGES - 11 - 512);
	ps_test_rm_rf(out);
	g_clear_pointer(&sum, cJSON_Delete);
	g_free(out);

	out = run("failed-full", lines, n);
	sum = ps_test_json_file(out, "summary.json");
	g_assert_cmpfloat(total(sum, "failed_allocs_first_try"), ==, 1);
	g_assert_cmpfloat(total(sum, "failed_allocs_model_ok"), ==, 1);
	g_assert_cmpfloat(total(sum, "failed_allocs_both_failed"), ==, 1);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "thp_fault_alloc"), ==, 1);
	g_assert_cmpint((int64_t)ps_test_run_vmstat(out, "thp_fault_fallback"), ==, 1);
	ps_test_rm_rf(out);
	for (size_t i = 2; i < n - 1; i++)
		g_free((char *)lines[i]);
}

static int64_t first_normal_boost(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "timeline.csv", NULL);
	g_autofree char *text = ps_test_slurp(path);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
	int col = -1;

	for (int i = 0; head[i]; i++)
		if (!strcmp(head[i], "boost"))
			col = i;
	g_assert_cmpint(col, >=, 0);
	for (int i = 1; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);

		if (g_strv_length(f) > (guint)col && !strcmp(f[2], "Normal"))
			return g_ascii_strtoll(f[col], NULL, 10);
	}
	g_error("no Normal row in %s", path);
	return -1;
}

static void test_boost_at_start(void)
{
	/* zoneinfo beside the snapshot says Normal was boosted by two pageblocks */
	static const char zoneinfo[] = "Node 0, zone   Normal\n  pages free     16000\n"
				       "        boost    1024\n        min      1100\n";
	static const char *const lines[] = {
	    "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pid\":1,"
	    "\"cpu\":0}",
	};
	/* 64 MiB of Normal: 32 pageblocks, all Movable */
	static const char pagetypeinfo[] = "Number of blocks type     Unmovable      Movable  "
					   "Reclaimable   HighAtomic      Isolate \n"
					   "Node 0, zone   Normal            0           32        "
					   "    0            0            0 \n";
	g_autofree char *zi = g_build_filename(tmp_dir, "before.zoneinfo", NULL);
	g_autofree char *pti = g_build_filename(tmp_dir, "before.pagetypeinfo", NULL);
	g_autofree char *out = NULL;
	g_autoptr(cJSON) sum = NULL;

	g_assert_true(g_file_set_contents(zi, zoneinfo, -1, NULL));
	g_assert_true(g_file_set_contents(pti, pagetypeinfo, -1, NULL));
	out = run_proc("boost", lines, G_N_ELEMENTS(lines), true);
	sum = ps_test_json_file(out, "summary.json");
	g_assert_cmpfloat(snap_field(sum, "watermark_boost_at_start"), ==, 1024);
	g_assert_cmpint(first_normal_boost(out), ==, 1024);
	g_assert_cmpint(g_unlink(zi), ==, 0);
	g_assert_cmpint(g_unlink(pti), ==, 0);
	ps_test_rm_rf(out);
}

static double memcg_field(const cJSON *sum, const char *name)
{
	const cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "memcgs"), name);

	g_assert_nonnull(o);
	return o->valuedouble;
}

/*
 * Rewrites the derived cache entry at path (snapshot-cache.c's DerivedHead: magic, key, machine,
 * count at byte 24, checksum at 32; 120 bytes, then the items) as a valid entry without items.
 */
static void empty_memcg_entry(const char *path)
{
	g_autofree char *bytes = ps_test_slurp(path);
	uint64_t zero = 0, sum = ps_checksum64(bytes, 0);

	memcpy(bytes + 24, &zero, 8);
	memcpy(bytes + 32, &sum, 8);
	g_assert_true(g_file_set_contents(path, bytes, 120, NULL));
}

/*
 * The snapshot's memcgs (sim/memcg.c): kpagecgroup beside kpageflags charges A and the order-2
 * folio at A+4 to /a, A+1 and A+8 to /b, A+2 to an inode the memcgs file does not list, the
 * pages below A to the root; the dump ends 64 pages after A, so the rest of the zone is past its
 * end. Read from the dump without a cache, then with one (the first run keeps the dump's memcg
 * runs, the second reads them back): the same counts each time. A third cached run, whose
 * entry was rewritten (valid, no runs), charges nothing and counts no unknown or missing pages:
 * so the second run did read the entry, not the dump.
 */
static void test_memcgs(void)
{
	static const char memcgs[] = "# INODE LIMIT PATH\n1 max /\n100 max /a\n200 max /b\n";
	const uint64_t n = A + 64;
	g_autofree uint64_t *ino = g_new0(uint64_t, n);
	g_autofree char *tree = g_build_filename(tmp_dir, "before.memcgs", NULL);
	g_autofree char *kpc = g_build_filename(tmp_dir, "before.kpagecgroup", NULL);
	g_autofree char *entry = NULL;
	static const char *const lines[] = {
	    "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"order\":0,\"gfp\":\"GFP_KERNEL\",\"pid\":1,"
	    "\"cpu\":0}",
	};

	for (uint64_t p = START_PFN; p < A; p++)
		ino[p] = 1;
	ino[A + 0] = 100;
	ino[A + 1] = 200;
	ino[A + 2] = 999;
	for (int i = 4; i < 8; i++)
		ino[A + i] = 100;
	ino[A + 8] = 200;
	for (uint64_t p = 0; p < n; p++)
		ino[p] = GUINT64_TO_LE(ino[p]);
	g_assert_true(g_file_set_contents(tree, memcgs, -1, NULL));
	g_assert_true(g_file_set_contents(kpc, (const char *)ino, (gssize)(n * 8), NULL));
	for (int pass = 0; pass < 4; pass++) {
		g_autofree char *out = NULL;
		g_autoptr(cJSON) sum = NULL;

		if (pass == 1)
			cache_dir = g_build_filename(tmp_dir, "cache", NULL);
		if (pass == 3)
			empty_memcg_entry(entry);
		out = run("memcgs", lines, G_N_ELEMENTS(lines));
		sum = ps_test_json_file(out, "summary.json");
		g_assert_cmpfloat(memcg_field(sum, "snapshot_memcgs"), ==, 3);
		g_assert_cmpfloat(memcg_field(sum, "count"), ==, 3);
		g_assert_cmpfloat(memcg_field(sum, "unknown_inode_pages"), ==, pass < 3 ? 1 : 0);
		g_assert_cmpfloat(memcg_field(sum, "beyond_dump_pages"), ==,
				  pass < 3 ? START_PFN + NR_PAGES - n : 0);
		/* the LRU folios of /a and /b: A, A+1, the order-2 folio and A+8 */
		g_assert_cmpfloat(memcg_field(sum, "snapshot_charged_folios"), ==,
				  pass < 3 ? 4 : 0);
		g_assert_cmpfloat(memcg_field(sum, "snapshot_charged_pages"), ==,
				  pass < 3 ? 1 + 1 + 4 + 1 : 0);
		ps_test_rm_rf(out);
		if (pass == 1) {
			g_autoptr(GDir) d = g_dir_open(cache_dir, 0, NULL);
			const char *name;

			g_assert_nonnull(d);
			while ((name = g_dir_read_name(d)))
				if (g_str_has_suffix(name, ".memcg")) {
					g_assert_null(entry);
					entry = g_build_filename(cache_dir, name, NULL);
				}
			g_assert_nonnull(entry);
		}
	}
	ps_test_rm_rf(cache_dir);
	g_clear_pointer(&cache_dir, g_free);
	g_assert_cmpint(g_unlink(tree), ==, 0);
	g_assert_cmpint(g_unlink(kpc), ==, 0);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-snap-lru-XXXXXX");
	g_test_add_func("/sim/snapshot-lru/placement", test_placement);
	g_test_add_func("/sim/snapshot-lru/memcgs", test_memcgs);
	g_test_add_func("/sim/snapshot-lru/recorded-free", test_recorded_free);
	g_test_add_func("/sim/snapshot-lru/shmem", test_shmem);
	g_test_add_func("/sim/snapshot-lru/direct-reclaim-free", test_direct_reclaim_free);
	g_test_add_func("/sim/snapshot-lru/reason-free", test_reason_free);
	g_test_add_func("/sim/snapshot-lru/migrated-free", test_migrated_free);
	g_test_add_func("/sim/snapshot-lru/failed-alloc", test_failed_alloc);
	g_test_add_func("/sim/snapshot-lru/boost-at-start", test_boost_at_start);
	g_test_add_func("/sim/snapshot-lru/stale", test_stale);
	g_test_add_func("/sim/snapshot-lru/reclaim-order", test_reclaim_order);
	g_test_add_func("/sim/snapshot-lru/compaction-skip-hints", test_compaction_skip_hints);
	g_test_add_func("/sim/snapshot-lru/kcompactd-resume", test_kcompactd_resume);
	rc = g_test_run();

	ps_test_rm_rf(tmp_dir);
	return rc;
}
