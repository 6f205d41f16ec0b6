// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-qemu.c - the recordings of one program (churn.c) on real Linux 6.18.2 arm64 kernels with
 * 4K, 16K and 64K pages (realdata/qemu-arm64-{4k,16k,64k}-6.18.2, made by qemu-lab/run.sh):
 * pinned replay against the snapshot taken in the middle of the run and after it, and policy
 * replay against the kernel's own counters, at each page size; and the NUMA recording
 * (qemu-arm64-4k-numa-6.18.2) pinned (numa_rec) and in policy replay against its NUMA counters
 * and item 3's bands (test_numa).
 *
 * The mid snapshot is read by the lab's snap.sh; its kpageflags dump is written by the first
 * `dd` process of the trace (tracing is on during `mid`, off during `before` and `after`), so
 * the comparison point is that process's first record (--compare-at pid:N).
 *
 * What the recordings cannot show, and the tests therefore allow (see pinned.c):
 *   4K mid: 2408 pages free in before.kpageflags are allocated file pages (flags uptodate,
 *     dirty, lru, swapbacked) in mid.kpageflags, and no record of the trace names them before
 *     the point. They are the `before` snapshot's own output: dd writes before.kpageflags (and
 *     then before.kpagecount) to the tmpfs being dumped, 64 KiB at a time, with tracing still
 *     off, so pages it takes after their chunk was read are free in before.kpageflags but
 *     allocated when the trace starts (6 MiB per file at 4K; at 16K and 64K the files are 16 and
 *     256 times smaller and come from pages already on pcp lists). The trace frees them later
 *     (the files' removal), each a free or drain of a page free in the replay and named by no
 *     earlier record: the replay counts such pages allocated at the point (pinned.c,
 *     on_untraced_alloc), and the test asserts their number and that nothing else differs.
 *   after: compaction's free scanner (isolate_freepages_block) takes free pages with no
 *     per-page record. The 4K and 64K recordings have mm_compaction_isolate_freepages (the
 *     walked range and nr_taken), which the replay follows (pinned.c): 1.80 % -> 0.05 % and
 *     4.74 % -> 0.60 %. The 16K one was recorded without that event (the lab's default list):
 *     its targets stay free in the replay, 0.29 %. The bounds below are those figures, but for
 *     64K, which runs with --settle auto (pinned.c settle_observe): after.zoneinfo has cpu 0's
 *     list at count 1,729, the replay's at 1,832, and the in-trace dump's processes allocated
 *     36 pages on cpu 0 before their zoneinfo read, so the list gave back pages with no record:
 *     the replay drains its 103 oldest, 91 of them free in the dump (it shows 142 of the list's
 *     given back), 12 not: 0.595 % -> 0.305 %. At 4K and 16K the replay's lists hold fewer pages
 *     than zoneinfo's and nothing is drained.
 *     The 12 have no kernel reason yet, so settle_not_free 12 is a regression guard at the
 *     model's current count, not a kernel fact. What they are: 12 of the 21 pages of the
 *     replay's cpu 0 order-0 Unmovable list (pindex 0), which settle_drain gives back first
 *     (list 0, then 82 of the next list's oldest); the other 9 are free in the dump. All 12 are
 *     flagless in after.kpageflags (a page still on a pcp list and an untyped allocation, e.g.
 *     vmalloc's, look the same there). 0x6a9b's last record is sleep-298's percpu_refill at
 *     6.057883 s (0x6212 and 0x6a83 of the same refill are free in the dump); ten are softirq
 *     frees by <idle>-0 (0x624c, 0x6a51, 0x6a64, 0x6a89, 0x6a99 at 6.0643 s; 0x6a50, 0x6a63,
 *     0x6a6f, 0x6a73, 0x6a8c at 6.0759 s; six were page tables in before or mid, 0x6a51 slab
 *     at mid); 0x6242 (a page table in before) is freed by sleep-298 at 8.060779 s, the last
 * record. No record names any of them later, and mid (5.12 s) is before all. Draining fewer (count
 * - kc - allowed, 67) leaves the same 12 (review s19 item 5), so the amount is not the cause. A
 *     lead, not checked: the kernel's free-path drain starts at the list after the freed
 *     page's (free_pcppages_bulk's ++pindex) and the dump's processes allocate from the lists'
 *     heads, where settle_drain starts at list 0 (pinned.c's stated simplification).
 *
 * The same program recorded again with compaction's and migration's events
 * (tests/data/lab-churn-migrate/, README there): `after` 0.045 % / 0.50 % / 0.33 % (64K was
 * 0.32 % before the importer marked the six softirq frees at 10.6999 s that interrupted
 * workload-238's free_unref_folios between two commits (pcp_locked, import.c in_commit_loop):
 * they go to the buddy now, and after.kpageflags, read after tracing stopped, shows four of them
 * as page tables and one flagless, taken again untraced). At mid, besides
 * the dump's own pages (742 at 4K, found as above), 238 pages at 4K were freed in softirq context
 * right after the interrupted task's pcp drain (its pcp lock still held), so free_one_page put them
 * in the buddy with no tracepoint: the importer keeps the irq column and the replay follows that
 * rule (pinned.c, note_context), so none is left (the test asserts the rule fired). At 64K a
 * softirq run of 26 frees on cpu 0 at 9.682679-9.682830 s interrupted cat-252 after an ordinary
 * mm_page_alloc (no drain, no refill, so note_context cannot tell the lock was taken); 9 of the run
 * are taken by a zone_locked refill at 10.6097 s while the replay still holds them on cpu 0's pcp
 * list, which proves them in the buddy (on_cut_pcp_pages), so the whole run found the lock taken
 * (the task cannot run during the run) and its other 17 pages were in the buddy at mid too
 * (pinned.c, on_cut_irq_runs); they are the 17 pages mid used to differ by. The lock was likely
 * held by alloc_pages_bulk's __rmqueue_pcplist loop, which has no tracepoint: cat-252 frees 16
 * pages from 9.683841 s (0x69c1-3, 0x69e0-2, 0x69f1-6, 0x69fa-d) that sat on cpu 0's pcp list
 * with no allocation record since (an untraced allocation took them; not the 17). All six mids
 * are exact; the test asserts that, and the pages each rule found.
 *
 * The free lists' order: every mm_page_alloc_zone_locked is one __rmqueue_smallest, which takes
 * the head of the lowest-order non-empty list of its type, so the pinned replay, whose lists the
 * model's own placement rules order (__free_one_page's head/tail rule with buddy_merge_likely,
 * expand), checks each recorded block against its list head (pinned.c, list_head_check). At 16K
 * all of them are there: 43157 on realdata, 36227 on the shipped recording. So the 16K policy
 * replay's different free layout at `mid` (test_policy's pages_migrated) does not come from the
 * buddy's placement: it came from which pages its pcp lists drain when: the pcp decay ran on a
 * grid from the trace's start, not on the kernel's vmstat_update grid (sim/replay.c). At 64K 5 and
 * 22 are not: the order of the snapshot's own free blocks on their lists, which kpageflags cannot
 * show (the first is at 44.6 ms: the kernel takes 0xa040 where the replay's list starts with
 * 0x4840). At 4K about half were not while the `before` dump's own pages (above) were free in
 * the replay: once one of them headed the order-0 Movable list, which the kernel never takes
 * (0x4aeab from 33.7 ms on realdata: free in before.kpageflags, a file page in mid, first named
 * by a free at 3.98 s), every order-0 take after it was counted (72,579 realdata, 37,119
 * shipped). Such a take shows the kernel's lower lists empty, so the replay now takes the pages
 * no record named off the lists the kernel passed over (pinned.c, on_lists_passed_over): 1,384
 * of realdata's 2,408 and all 742 shipped are found so, before their frees, the same pages the
 * frees find (the totals are unchanged), and 172 and 0 takes are elsewhere. The bounds are those
 * figures.
 *
 * The NUMA recording (qemu-arm64-4k-numa-6.18.2, numa_rec: 2 nodes of 1 GiB, numa.c), pinned:
 *   mid: the `before` dump's own pages again: 691 on node 0, free in before.kpageflags and shmem
 *     file pages (uptodate, dirty, lru, swapbacked) in mid and after. The files stay in the tmpfs
 *     to the end, so no free names them; the lists the kernel's zone_locked takes pass over find
 *     all 691 (the first at 0.029603 s: an order-0 Movable take from an order-2 block while the
 *     replay's order-0 and order-1 Movable lists held four of them). That needs each node's
 *     pageblock types right: snapshot.c fits each node to its own pagetypeinfo table (node 1
 *     took node 0's before, 512 zone_locked records of another type), node 1's wholly free
 *     Reclaimable pageblock is 0x80a00 beside the partly free 0x80800 (fit_free_areas), and a
 *     drain naming another type retypes its block (0x85600, drained Unmovable from 2.84 s).
 *     Both nodes exact (6,627 and 95,975 free pages); 17 zone_locked takes in 0x80c00, which
 *     the fit types Unmovable and the kernel takes as Movable, are not at a list head.
 *   after: without --settle node 1 differs by 5,049 pages (2.32 %), 4,893 of them free in
 *     after.kpageflags and on a replay pcp list at the last record: cpu 0's frees of node-1
 *     pages at 7.73-7.75 s, on its remote list (about 22,900 pages at the last record). The
 *     vmstat worker's passes (refresh_cpu_vm_stats -> decay_pcp_high) drain that list at most
 *     2,016 pages (batch 63 << PCP_BATCH_SCALE_MAX) at a time; two are records (9.869 s,
 *     10.961 s), then tracing stops (the lab's init: sleep 2, tracing_on 0, then snap.sh).
 *     snap.sh reads zoneinfo first, then buddyinfo and the rest, uptime (11.85 s), and the
 *     kpageflags dd last. after.zoneinfo has cpu 0's node-1 list at count 20,899 under high
 *     22,911, the high the 10.961 s pass left: a pass would have lowered it (decay_pcp_high),
 *     so none ran yet, and the 2,012 pages gone from the list went back in one free-path
 *     drain (free_frozen_page_commit at count >= high drains nr_pcp_free, its free_count at
 *     the batch << 5 cap; high as after.zoneinfo shows it, unchanged) by the snapshot's own
 *     processes.
 *     The one pass the timing allows comes during the dd: cpu 0's next grid point after the
 *     last record (11.846 s) is 11.961 s, the one after 12.961 s, and the dd takes ~0.3 s
 *     as mid's did. It lowers high to max(20,899 - 2,016, 22,911 - 22,911 / 8) = 20,048 and
 *     drains 851; at count == high the dump's next free drains nr_pcp_free again (its
 *     free_count halves only on an allocation from the list, and cpu 0's own node 0 had
 *     228,387 free pages to allocate from). --settle auto (pinned.c settle_auto, settle_observe)
 *     does exactly that from the recording: the read from the dumps' uptimes (11.903-12.138 s), the
 *     lists from after.zoneinfo (the replay's list holds 22,212 where the kernel's held
 *     22,911 at the 10.961 s pass: it drains the kernel's 2,012 from its oldest pages), the
 *     pass (851) and the free-path drain (2,012): 4,875 of the 4,893, every one free in the
 *     dump, node 1 0.080 % (18 still on the list, 156 as before), node 0 0.191 % (436 pages
 *     free in the replay, allocated after tracing stopped: flagless in after.kpageflags,
 *     page tables at mid). For comparison (not asserted): the pass alone 1.394 %; --settle
 *     1s/2s/3s (passes on the grid, no zoneinfo) 1.394/0.467/0.602 %, the 2 s being the best
 *     of three against this very dump, dropped for the derived figure. The dump shows the
 *     oldest 4,893 pages of the replay's list given back and none of the rest: the kernel's
 *     drains take the tail, as free_pcppages_bulk does, and the 699 pages the replay's list
 *     lacks were not among them. lab-numa-settle shows such free-path drains in every traced
 *     snapshot window (480 = 15 << 5 node-1 pages on cpu 0, by cat, dd, idle) and has the
 *     passes as records (test_pinned_settle).
 */
#include <glib/gstdio.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../common/lab-rec.h"
#include "../common/policy-run.h"
#include "../common/test-util.h"
#include "config/config.h"
#include "policy/policy.h"
#include "sim/sim.h"
#include "trace/trace.h"
#include "util/util.h"
#include "mm/mm.h"

typedef struct {
	const char *name;      /* realdata directory, or tests/data/lab-churn-migrate/NAME */
	bool shipped;	       /* in tests/data/lab-churn-migrate (always there) */
	uint32_t page_size;    /* of the recording */
	uint64_t mid_untraced; /* allocated before the trace, free in before.kpageflags (above) */
	uint64_t mid_run;      /* softirq frees found in the buddy by their run (see above) */
	double after_max_pct;  /* differing pages after the run, % of the real free pages */
	uint64_t zl_elsewhere; /* zone_locked blocks not at their free list's head (bound) */
	unsigned fit_wrong;    /* pageblocks the fit types otherwise than the trace names */
	/*
	 * after: the pages not on a replay pcp list at the end (those the kernel's pcp drains after
	 * tracing stopped may explain), % of the real free pages; 0: not asserted
	 */
	double after_rest_max_pct;
	/* --settle before the after comparison (seconds; 0: none), or --settle auto */
	double settle_s;
	bool settle_auto;
	/*
	 * pages the settle drains that the after dump shows still allocated (settle_all_free): a
	 * regression guard at the model's current count, not a kernel fact (64K's 12, see above)
	 */
	double settle_not_free;
} QemuRec;

/* The realdata three first, then the shipped three, each 4K, 16K, 64K (test_ratios). */
static const QemuRec recs[] = {
    {"qemu-arm64-4k-6.18.2", false, 4096, 2408, 0, 0.06, 172, 1, 0, 0, false, 0},
    {"qemu-arm64-16k-6.18.2", false, 16384, 0, 0, 0.3, 0, 0, 0, 0, false, 0},
    {"qemu-arm64-64k-6.18.2", false, 65536, 0, 0, 0.31, 5, 0, 0, 0, true, 12},
    {"4k", true, 4096, 742, 0, 0.05, 0, 0, 0, 0, false, 0},
    {"16k", true, 16384, 0, 0, 0.51, 0, 0, 0, 0, false, 0},
    {"64k", true, 65536, 0, 17, 0.335, 22, 0, 0, 0, false, 0},
};

/*
 * The NUMA recording (2 nodes, numa.c), pinned only: mid exact per node; after with --settle
 * auto (see above: the dump's read and after.zoneinfo's pcp lists derived from the recording,
 * nothing chosen): node 0 0.191 %, node 1 0.080 % (was 2.320 % without --settle, 1.394 % with
 * the derived pass alone), so <= 0.2 % on both; besides the replay's pcp lists at the end
 * <= 0.2 % (0.072 %); and every page the settle drains free in the dump (settle_all_free).
 */
static const QemuRec numa_rec = {
    "qemu-arm64-4k-numa-6.18.2", false, 4096, 691, 0, 0.2, 17, 0, 0.2, 0, true, 0};

/* One recording imported and mirrored: the trace, the config, the mid dump's reader. */
typedef struct {
	char *dir, *tmp, *trace, *before, *mid, *after;
	PsConfig *cfg;
	int mid_pid;
} Prepared;

static void prepared_clear(Prepared *p)
{
	if (p->tmp)
		ps_test_rm_rf(p->tmp);
	g_free(p->dir);
	g_free(p->tmp);
	g_free(p->trace);
	g_free(p->before);
	g_free(p->mid);
	g_free(p->after);
	g_clear_pointer(&p->cfg, ps_config_free);
}

/*
 * Calls fn on each event of an imported trace, in order, until it returns FALSE; returns FALSE
 * when fn stopped it.
 */
static gboolean trace_each(const char *trace, gboolean (*fn)(const PsTraceEvent *, gpointer),
			   gpointer data)
{
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;
	g_autoptr(PsTraceReader) r = ps_trace_reader_open(trace, &hdr, &error);
	PsTraceEvent ev;
	int rc;

	g_assert_no_error(error);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		if (!fn(&ev, data))
			return FALSE;
	g_assert_cmpint(rc, ==, 0);
	g_assert_no_error(error);
	return TRUE;
}

static gboolean dd_pid(const PsTraceEvent *ev, gpointer data)
{
	if (ev->op != PS_OP_PROC || strcmp(ev->comm, "dd"))
		return TRUE;
	*(int *)data = ev->pid;
	return FALSE;
}

/* The pid of the first `dd` in the imported trace (its proc records), or -1. */
static int first_dd(const char *trace)
{
	int pid = -1;

	trace_each(trace, dd_pid, &pid);
	return pid;
}

/*
 * The lab kernels find no cache hierarchy under QEMU (dmesg: "cacheinfo: Unable to detect cache
 * hierarchy for CPU 0"), so per_cpu_data_slice_size is 0 and setup_pcp_cacheinfo leaves
 * PCPF_FREE_HIGH_BATCH clear: the config says so (cpu_data_slice_kib 0).
 */
static void lab_cache_slice(const char *dir, PsConfig *cfg)
{
	g_autofree char *path = g_build_filename(dir, "dmesg.txt", NULL);
	g_autofree char *dmesg = ps_test_slurp(path);

	g_assert_nonnull(strstr(dmesg, "cacheinfo: Unable to detect cache hierarchy for CPU 0"));
	cfg->spec.cpu_data_slice_kib = 0;
	cfg->spec.cpu_data_slice_given = true;
}

static bool prepare(const QemuRec *rec, Prepared *p)
{
	const char *root = g_getenv("PAGESIM_REALDATA");
	const char *srcdir = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *shipped =
	    g_build_filename(srcdir, "tests", "data", "lab-churn-migrate", NULL);
	g_autofree char *trace_txt = NULL;
	g_autoptr(GError) error = NULL;
	PsImportOptions iopts = {.page_size = rec->page_size};
	PsImportStats st;

	memset(p, 0, sizeof(*p));
	if (rec->shipped)
		root = shipped;
	p->dir = root ? g_build_filename(root, rec->name, NULL) : NULL;
	trace_txt = p->dir ? g_build_filename(p->dir, "trace.txt.gz", NULL) : NULL;
	if (!trace_txt || !g_file_test(trace_txt, G_FILE_TEST_EXISTS)) {
		g_test_skip("realdata/qemu-arm64-* not available (PAGESIM_REALDATA)");
		g_clear_pointer(&p->dir, g_free);
		return false;
	}
	p->tmp = ps_test_make_dir("pagesim-qemu-XXXXXX");
	p->trace = g_build_filename(p->tmp, "trace.jsonl.gz", NULL);
	p->before = g_build_filename(p->dir, "before.kpageflags.gz", NULL);
	p->mid = g_build_filename(p->dir, "mid.kpageflags.gz", NULL);
	p->after = g_build_filename(p->dir, "after.kpageflags.gz", NULL);
	g_assert_true(ps_trace_import(trace_txt, p->trace, &iopts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.entries_in_buffer, ==, st.entries_written);

	/* pagesim config from-proc --zoneinfo before.zoneinfo --cpus 2 */
	p->cfg = ps_test_config_from_dir(p->dir, 2);
	g_assert_cmpuint(p->cfg->spec.page_size, ==, rec->page_size);
	/* no CMA, no MEMORY_ISOLATION: no Isolate column in pagetypeinfo */
	g_assert_cmpint(p->cfg->spec.migrate_types, ==, 4);
	lab_cache_slice(p->dir, p->cfg);
	p->mid_pid = first_dd(p->trace);
	g_assert_cmpint(p->mid_pid, >, 0);
	return true;
}

/* compare_after's free_only_in_replay per node of a run's summary, into out[PS_MAX_NODES]. */
static void after_only_in_replay(cJSON *js, double *out)
{
	cJSON *z;

	memset(out, 0, PS_MAX_NODES * sizeof(*out));
	cJSON_ArrayForEach(z,
			   cJSON_GetObjectItem(cJSON_GetObjectItem(js, "compare_after"), "zones"))
	{
		int node = (int)ps_test_json_num(z, "node");

		g_assert_cmpint(node, >=, 0);
		g_assert_cmpint(node, <, PS_MAX_NODES);
		out[node] += ps_test_json_num(z, "free_only_in_replay");
	}
}

/*
 * --settle's kernel-side check: every page its passes drain is free in the after dump, so the
 * pages free only in the replay are those of the same run without --settle, on every node (and
 * it drained some: the check is not empty), but for the recording's settle_not_free. Three
 * passes on the NUMA recording break it (node 1 156 -> 1,311: drained pages the dump shows
 * still allocated). settle_not_free is the model's own count (64K: 12), kept as a regression
 * guard until the kernel's reason for those pages is known; it is 0 where the check is exact.
 */
static void settle_all_free(const QemuRec *rec, Prepared *p, cJSON *js)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *run = g_build_filename(p->tmp, "pinned-no-settle", NULL);
	cJSON *drained =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(js, "settle"), "pages_drained_by_node");
	PsRunOptions o = {0};
	double with[PS_MAX_NODES], without[PS_MAX_NODES], total = 0;
	cJSON *n, *js0;

	cJSON_ArrayForEach(n, drained) total += n->valuedouble;
	g_assert_cmpfloat(total, >, 0);
	o.out_dir = run;
	g_assert_true(ps_pinned_run(p->cfg, &o, p->trace, p->before, p->dir, p->after, &error));
	g_assert_no_error(error);
	js0 = ps_test_read_summary(run);
	after_only_in_replay(js, with);
	after_only_in_replay(js0, without);
	for (int i = 0; i < PS_MAX_NODES; i++) {
		if (g_test_verbose() && (with[i] || without[i]))
			g_printerr("%s after node %d: free only in the replay %.0f with --settle "
				   "%s (drained %.0f), %.0f without\n",
				   rec->name, i, with[i], rec->settle_auto ? "auto" : "SECONDS",
				   cJSON_GetArrayItem(drained, i)
				       ? cJSON_GetArrayItem(drained, i)->valuedouble
				       : 0,
				   without[i]);
		g_assert_cmpfloat(with[i], >=, without[i]);
		g_assert_cmpfloat(with[i] - without[i], <=, rec->settle_not_free);
	}
	cJSON_Delete(js0);
}

/*
 * With --settle the passes drain after the last record, and the final buddyinfo shows them: the
 * timeline's last row is at the dump's modelled time (trace end plus the settle seconds) and
 * its free pages are buddyinfo's, zone by zone (review s18 item 10; before, the row was at the
 * last record, node 1 short of the 4,032 pages the passes drained).
 */
static void settle_last_row(const char *run, cJSON *js)
{
	g_autofree char *tl_path = g_build_filename(run, "timeline.csv", NULL);
	g_autofree char *bi_path = g_build_filename(run, "buddyinfo", NULL);
	g_autofree char *tl = NULL, *bi = NULL;
	g_auto(GStrv) rows = NULL, lines = NULL;
	double end = ps_test_json_num(cJSON_GetObjectItem(js, "totals"), "end_ns") +
		     ps_test_json_num(cJSON_GetObjectItem(js, "settle"), "seconds") * 1e9;
	guint64 last = 0;
	int zones = 0;

	g_assert_true(g_file_get_contents(tl_path, &tl, NULL, NULL));
	g_assert_true(g_file_get_contents(bi_path, &bi, NULL, NULL));
	rows = g_strsplit(tl, "\n", -1);
	for (int i = 1; rows[i] && rows[i][0]; i++)
		last = MAX(last, g_ascii_strtoull(rows[i], NULL, 10));
	g_assert_cmpfloat(fabs((double)last - end), <, 1e3);
	lines = g_strsplit(bi, "\n", -1);
	for (int i = 0; lines[i] && lines[i][0]; i++) {
		int node, off = 0;
		char zone[32], *e;
		const char *c;
		guint64 pages = 0;
		g_autofree char *want = NULL;
		gboolean found = FALSE;

		g_assert_cmpint(sscanf(lines[i], "Node %d, zone %31s%n", &node, zone, &off), ==, 2);
		c = lines[i] + off;
		for (int o = 0;; o++, c = e) {
			guint64 n = g_ascii_strtoull(c, &e, 10);

			if (e == c)
				break;
			pages += n << o;
		}
		want = g_strdup_printf("%" G_GUINT64_FORMAT ",%d,%s,%" G_GUINT64_FORMAT ",", last,
				       node, zone, pages);
		for (int r = 1; rows[r] && !found; r++)
			found = g_str_has_prefix(rows[r], want);
		if (!found)
			g_printerr("timeline has no row %s\n", want);
		g_assert_true(found);
		zones++;
	}
	g_assert_cmpint(zones, >, 0);
}

/* Item 2 of issue 18: the pinned replay at the mid snapshot and after the run. */
static void test_pinned(gconstpointer data)
{
	const QemuRec *rec = data;
	Prepared p;
	g_autoptr(GError) error = NULL;
	g_autofree char *run = NULL;
	PsRunOptions o = {0};
	cJSON *js, *z;
	double zl_head, zl_else;

	if (!prepare(rec, &p))
		return;
	run = g_build_filename(p.tmp, "pinned", NULL);
	o.out_dir = run;
	o.compare_at_kpageflags = p.mid;
	o.compare_at_pid = p.mid_pid;
	o.settle_ns = (uint64_t)(rec->settle_s * 1e9);
	o.settle_auto = rec->settle_auto;
	g_assert_true(ps_pinned_run(p.cfg, &o, p.trace, p.before, p.dir, p.after, &error));
	g_assert_no_error(error);
	js = ps_test_read_summary(run);
	if (rec->settle_s > 0 || rec->settle_auto) {
		settle_all_free(rec, &p, js);
		settle_last_row(run, js);
	}
	if (rec->settle_auto) {
		g_autofree char *rp = g_build_filename(run, "pinned.txt", NULL);
		g_autofree char *report = ps_test_slurp(rp);

		/* snap.sh's sh and cats were found: the lists come from after.zoneinfo */
		g_assert_nonnull(strstr(report, "pcp lists set from"));
		g_assert_null(strstr(report, "were not recognised"));
	}
	cJSON_ArrayForEach(z, cJSON_GetObjectItem(cJSON_GetObjectItem(js, "compare_at"), "zones"))
	{
		if (g_test_verbose())
			g_printerr("%s mid node %.0f %s: real free %.0f replay %.0f differing %.0f "
				   "(never named %.0f), pcp frees found in the buddy %.0f\n",
				   rec->name, ps_test_json_num(z, "node"),
				   cJSON_GetObjectItem(z, "zone")->valuestring,
				   ps_test_json_num(z, "real_free_pages"),
				   ps_test_json_num(z, "replay_free_pages"),
				   ps_test_json_num(z, "differing_pages"),
				   ps_test_json_num(z, "free_only_in_replay_never_named"),
				   ps_test_json_num(z, "pcp_frees_found_in_buddy"));
		/* exact: every page is where the kernel had it */
		g_assert_cmpfloat(ps_test_json_num(z, "free_only_in_replay"), ==, 0);
		g_assert_cmpfloat(ps_test_json_num(z, "free_only_in_real"), ==, 0);
	}
	g_assert_cmpfloat(ps_test_json_num(cJSON_GetObjectItem(js, "compare_at"),
					   "interrupt_run_pages_found_in_buddy"),
			  ==, (double)rec->mid_run);
	/* the free lists' order (see above): exact at 16K, bounded where the start is unknown */
	zl_head =
	    ps_test_json_num(cJSON_GetObjectItem(js, "totals"), "zone_locked_at_free_list_head");
	zl_else = ps_test_json_num(cJSON_GetObjectItem(js, "totals"),
				   "zone_locked_not_at_free_list_head");
	if (g_test_verbose())
		g_printerr("%s zone_locked blocks at their free list's head %.0f, elsewhere %.0f\n",
			   rec->name, zl_head, zl_else);
	g_assert_cmpfloat(zl_head, >, 0);
	g_assert_cmpfloat(zl_else, <=, (double)rec->zl_elsewhere);
	/* the before dump's own pages, found allocated at the point (see above) */
	if (g_test_verbose())
		g_printerr("%s pages allocated before the trace %.0f, %.0f of them found by the "
			   "lists a zone_locked passed over\n",
			   rec->name,
			   ps_test_json_num(cJSON_GetObjectItem(js, "compare_at"),
					    "pages_allocated_before_trace"),
			   ps_test_json_num(cJSON_GetObjectItem(js, "compare_at"),
					    "pages_allocated_before_trace_by_list_order"));
	g_assert_cmpfloat(
	    ps_test_json_num(cJSON_GetObjectItem(js, "compare_at"), "pages_allocated_before_trace"),
	    ==, (double)rec->mid_untraced);
	/* no free names the NUMA recording's (see above): the lists passed over find them all */
	if (rec == &numa_rec)
		g_assert_cmpfloat(ps_test_json_num(cJSON_GetObjectItem(js, "compare_at"),
						   "pages_allocated_before_trace_by_list_order"),
				  ==, (double)rec->mid_untraced);
	/* the shipped 4K recording's softirq frees after a drain (see above) went to the buddy */
	if (rec->shipped && rec->page_size == 4096)
		g_assert_cmpfloat(ps_test_json_num(cJSON_GetObjectItem(js, "totals"),
						   "interrupt_frees_pcp_locked"),
				  >=, 238);
	cJSON_ArrayForEach(z,
			   cJSON_GetObjectItem(cJSON_GetObjectItem(js, "compare_after"), "zones"))
	{
		double pct = ps_test_json_num(z, "differing_pct_of_real_free");
		double rest = ps_test_json_num(z, "differing_pct_besides_pcp_at_end");

		if (g_test_verbose())
			g_printerr(
			    "%s after node %.0f %s: differing %.0f pages, %.3f %% of the real "
			    "free; on a replay pcp list at the end %.0f, the rest %.3f %%\n",
			    rec->name, ps_test_json_num(z, "node"),
			    cJSON_GetObjectItem(z, "zone")->valuestring,
			    ps_test_json_num(z, "differing_pages"), pct,
			    ps_test_json_num(z, "free_only_in_real_on_replay_pcp_at_end"), rest);
		g_assert_cmpfloat(pct, <=, rec->after_max_pct);
		if (rec->after_rest_max_pct > 0)
			g_assert_cmpfloat(rest, <=, rec->after_rest_max_pct);
	}
	cJSON_Delete(js);
	prepared_clear(&p);
}

/*
 * The NUMA recording's `after` is read after tracing stopped, so the pcp drains of the kernel's
 * idle vmstat passes that come first (refresh_cpu_vm_stats: decay_pcp_high, and drain_zone_pages
 * on a remote pcp whose expire ran out) have no record. tests/data/lab-numa-settle (README
 * there; tools/lab/numa-settle.c, 2 nodes of 256 MiB) keeps tracing on while the machine idles
 * after the workload and snapshots it twice inside the traced window, so those drains are
 * records (the kworker's mm_page_pcpu_drain: 1,628 of them on cpu 0 and 1 between the
 * workload's exit and the second snapshot, 1,597 of node-1 pages from cpu 0's remote pcp list).
 * The pinned replay compared with the second snapshot at its dump's end (the dd's last record:
 * kpageflags is read over ~0.36 s and nothing moves on node 1 meanwhile) is within
 * SETTLE_MAX_PCT on both nodes (9 and 1 pages). The first snapshot's dump has a vmstat pass
 * inside it (40.381 s: 480 node-1 pages drained while dd read), so no one point fits it: node 1
 * differs by 152 pages at the dump's start, 961 at its end; it is not asserted.
 */
#define SETTLE_MAX_PCT 0.05

typedef struct {
	int dd[2]; /* the first two dd processes: the two snapshots' kpageflags readers */
	int nr_dd;
	uint64_t dd_end;  /* the second one's last record */
	GArray *kworkers; /* pids whose comm is kworker/... */
	uint64_t kworker_drains;
} SettleWalk;

static gboolean settle_walk(const PsTraceEvent *ev, gpointer data)
{
	SettleWalk *w = data;

	if (ev->op == PS_OP_PROC && strcmp(ev->comm, "dd") == 0 && w->nr_dd < 2 &&
	    (w->nr_dd == 0 || w->dd[0] != ev->pid))
		w->dd[w->nr_dd++] = ev->pid;
	if (ev->op == PS_OP_PROC && g_str_has_prefix(ev->comm, "kworker/"))
		g_array_append_val(w->kworkers, ev->pid);
	if (w->nr_dd == 2 && ev->pid == w->dd[1])
		w->dd_end = ev->t_ns;
	if (ev->op == PS_OP_OBSERVED && ev->event == PS_OBS_PCPU_DRAIN)
		for (guint i = 0; i < w->kworkers->len; i++)
			w->kworker_drains += g_array_index(w->kworkers, int, i) == ev->pid;
	return TRUE;
}

/* tests/data/lab-numa-settle imported and mirrored, with the paths its tests read. */
typedef struct {
	char *dir, *tmp, *trace, *run, *before, *settle2;
	PsConfig *cfg;
} SettleRec;

static void settle_prepare(SettleRec *r)
{
	const char *srcdir = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *trace_txt = NULL;
	g_autoptr(GError) error = NULL;
	PsImportOptions iopts = {.page_size = 4096};
	PsImportStats st;

	r->dir = g_build_filename(srcdir, "tests", "data", "lab-numa-settle", NULL);
	trace_txt = g_build_filename(r->dir, "trace.txt.gz", NULL);
	r->tmp = ps_test_make_dir("pagesim-qemu-settle-XXXXXX");
	r->trace = g_build_filename(r->tmp, "trace.jsonl.gz", NULL);
	r->run = g_build_filename(r->tmp, "pinned", NULL);
	r->before = g_build_filename(r->dir, "before.kpageflags.gz", NULL);
	r->settle2 = g_build_filename(r->dir, "settle2.kpageflags.gz", NULL);
	g_assert_true(ps_trace_import(trace_txt, r->trace, &iopts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.entries_in_buffer, ==, st.entries_written);
	r->cfg = ps_test_config_from_dir(r->dir, 2);
	lab_cache_slice(r->dir, r->cfg);
}

static void settle_clear(SettleRec *r)
{
	ps_test_rm_rf(r->tmp);
	ps_config_free(r->cfg);
	g_free(r->dir);
	g_free(r->tmp);
	g_free(r->trace);
	g_free(r->run);
	g_free(r->before);
	g_free(r->settle2);
}

/*
 * The model of those passes (pinned.c settle_passes) against their records: the replay cut at
 * the second idle window's start (the "numa-settle: idle2" marker, 40.568080 s on the trace
 * clock, 20.482956 s after the first record) and settled for the passes cpu 0 ran in it (five,
 * 41.613-47.695 s: the work is deferrable, so 8 s of idle time held five), compared with
 * settle2.kpageflags. The kernel's passes drained 1,293 node-1 pages there (0, 382, 345, 302,
 * 264); the model drains 1,272, every one of them free in the dump. The dump's other 502 are
 * the 480 of settle2's first cat (a free-path drain at 48.657 s, after the window) and 22.
 */
static void test_settle_model(void)
{
	SettleRec r;
	g_autoptr(GError) error = NULL;
	PsRunOptions o = {0};
	cJSON *js, *z, *drained;

	settle_prepare(&r);
	o.out_dir = r.run;
	o.until_ns = 20482956000ull;
	o.settle_ns = 5000000000ull;
	g_assert_true(ps_pinned_run(r.cfg, &o, r.trace, r.before, r.dir, r.settle2, &error));
	g_assert_no_error(error);
	js = ps_test_read_summary(r.run);
	drained = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "settle"), "pages_drained_by_node");
	if (g_test_verbose())
		g_printerr(
		    "lab-numa-settle model: drained node 0 %.0f node 1 %.0f (kernel: 1293)\n",
		    cJSON_GetArrayItem(drained, 0)->valuedouble,
		    cJSON_GetArrayItem(drained, 1)->valuedouble);
	g_assert_cmpfloat(fabs(cJSON_GetArrayItem(drained, 1)->valuedouble - 1293), <=,
			  1293 * 0.02);
	cJSON_ArrayForEach(z,
			   cJSON_GetObjectItem(cJSON_GetObjectItem(js, "compare_after"), "zones"))
	{
		if (ps_test_json_num(z, "node") != 1)
			continue;
		g_assert_cmpfloat(ps_test_json_num(z, "free_only_in_replay"), ==, 0);
		g_assert_cmpfloat(ps_test_json_num(z, "free_only_in_real"), <=, 502);
	}
	cJSON_Delete(js);
	settle_clear(&r);
}

static gboolean dd_pids(const PsTraceEvent *ev, gpointer data)
{
	if (ev->op == PS_OP_PROC && !strcmp(ev->comm, "dd"))
		g_array_append_val((GArray *)data, ev->pid);
	return TRUE;
}

/*
 * --settle auto on the lab recording's untraced `after` (pinned.c settle_auto): settle2's dd
 * gives the offset (settle2.uptime 45.28 s, its first record 28.703 s after the trace's first)
 * and the read's length, so after.uptime 48.50 s puts the after read at 31.92-32.28 s from the
 * first record; cpu 0's last traced pass was 31.346 s (51.431 s on the trace clock), its next
 * grid point 32.346 s is after the read: no pass, nothing drained. The kernel agrees:
 * after.zoneinfo shows cpu 0's node-1 list at high 1419, the high that pass left (decay_pcp_high
 * of 1621, README there); the 475 pages it gave back (count 944) are a free-path drain by the
 * dump's own processes, which the model leaves out.
 */
static void test_settle_auto_lab(void)
{
	SettleRec r;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) dds = g_array_new(FALSE, FALSE, sizeof(int));
	g_autofree char *after = NULL;
	PsRunOptions o = {0};
	cJSON *js, *st, *drained, *n;

	settle_prepare(&r);
	trace_each(r.trace, dd_pids, dds);
	g_assert_cmpuint(dds->len, ==, 2); /* settle1's and settle2's */
	after = g_build_filename(r.dir, "after.kpageflags.gz", NULL);
	o.out_dir = r.run;
	o.compare_at_kpageflags = r.settle2;
	o.compare_at_pid = g_array_index(dds, int, 1);
	o.settle_auto = true;
	g_assert_true(ps_pinned_run(r.cfg, &o, r.trace, r.before, r.dir, after, &error));
	g_assert_no_error(error);
	js = ps_test_read_summary(r.run);
	st = cJSON_GetObjectItem(js, "settle");
	if (g_test_verbose())
		g_printerr("lab-numa-settle --settle auto: after read %.3f-%.3f s\n",
			   ps_test_json_num(st, "dump_start_s"),
			   ps_test_json_num(st, "dump_end_s"));
	g_assert_cmpfloat(fabs(ps_test_json_num(st, "dump_start_s") - 31.923), <, 0.005);
	g_assert_cmpfloat(fabs(ps_test_json_num(st, "dump_end_s") - 32.282), <, 0.005);
	drained = cJSON_GetObjectItem(st, "pages_drained_by_node");
	cJSON_ArrayForEach(n, drained) g_assert_cmpfloat(n->valuedouble, ==, 0);
	cJSON_Delete(js);
	settle_clear(&r);
}

static void test_pinned_settle(void)
{
	SettleRec r;
	g_autoptr(GError) error = NULL;
	SettleWalk w = {.kworkers = g_array_new(FALSE, FALSE, sizeof(int))};
	PsRunOptions o = {0};
	cJSON *js, *z;
	int nodes = 0;

	settle_prepare(&r);
	trace_each(r.trace, settle_walk, &w);
	g_assert_cmpint(w.nr_dd, ==, 2);
	g_assert_cmpuint(w.dd_end, >, 0);
	/* every kworker drain of the recording (the idle windows' 1,628 among them) */
	g_assert_cmpuint(w.kworker_drains, ==, 2623);
	o.out_dir = r.run;
	o.compare_at_kpageflags = r.settle2;
	o.compare_at_ns = w.dd_end + 1;
	g_assert_true(ps_pinned_run(r.cfg, &o, r.trace, r.before, r.dir, NULL, &error));
	g_assert_no_error(error);
	js = ps_test_read_summary(r.run);
	cJSON_ArrayForEach(z, cJSON_GetObjectItem(cJSON_GetObjectItem(js, "compare_at"), "zones"))
	{
		double real = ps_test_json_num(z, "real_free_pages");
		double diff = ps_test_json_num(z, "differing_pages");

		if (g_test_verbose())
			g_printerr("lab-numa-settle settle2 node %.0f: real free %.0f replay %.0f "
				   "differing %.0f (%.3f %%)\n",
				   ps_test_json_num(z, "node"), real,
				   ps_test_json_num(z, "replay_free_pages"), diff,
				   100.0 * diff / real);
		g_assert_cmpfloat(real, >, 0);
		g_assert_cmpfloat(100.0 * diff / real, <=, SETTLE_MAX_PCT);
		nodes++;
	}
	g_assert_cmpint(nodes, ==, 2);
	cJSON_Delete(js);
	g_array_free(w.kworkers, TRUE);
	settle_clear(&r);
}

/* Copies an imported trace with every `sh` process renamed `bash` (not the lab's snap.sh). */
static void trace_without_sh(const char *from, const char *to)
{
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;
	g_autoptr(PsTraceReader) r = ps_trace_reader_open(from, &hdr, &error);
	PsTraceWriter *w;
	PsTraceEvent ev;
	int rc, renamed = 0;

	g_assert_no_error(error);
	w = ps_trace_writer_new(to, &hdr, &error);
	g_assert_no_error(error);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		if (ev.op == PS_OP_PROC && !strcmp(ev.comm, "sh")) {
			g_strlcpy(ev.comm, "bash", sizeof(ev.comm));
			renamed++;
		}
		g_assert_true(ps_trace_writer_write(w, &ev, &error));
	}
	g_assert_cmpint(rc, ==, 0);
	g_assert_true(ps_trace_writer_close(w, &error));
	g_assert_no_error(error);
	g_assert_cmpint(renamed, >, 0);
}

/*
 * --settle auto where the in-trace dump's processes are not the lab's snap.sh (its `sh` renamed
 * in a copy of lab-numa-settle's trace; the compare-at pid the second dump's dd): the window in
 * which they allocate before the zoneinfo read is unknown, so the run says so and does not set
 * the lists from after.zoneinfo (review s19 item 6; before, it drained nothing without a word).
 * The same run on the trace as recorded sets them.
 */
static void test_pinned_settle_unknown(void)
{
	SettleRec r;
	SettleWalk w = {.kworkers = g_array_new(FALSE, FALSE, sizeof(int))};
	g_autofree char *after = NULL, *nosh = NULL;

	settle_prepare(&r);
	trace_each(r.trace, settle_walk, &w);
	g_assert_cmpint(w.nr_dd, ==, 2);
	after = g_build_filename(r.dir, "after.kpageflags.gz", NULL);
	nosh = g_build_filename(r.tmp, "nosh.jsonl.gz", NULL);
	trace_without_sh(r.trace, nosh);
	for (int k = 0; k < 2; k++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *run = g_strdup_printf("%s-%d", r.run, k);
		g_autofree char *rp = g_build_filename(run, "pinned.txt", NULL);
		g_autofree char *report = NULL;
		PsRunOptions o = {0};

		o.out_dir = run;
		o.compare_at_kpageflags = r.settle2;
		o.compare_at_pid = w.dd[1];
		o.settle_auto = true;
		g_assert_true(
		    ps_pinned_run(r.cfg, &o, k ? nosh : r.trace, r.before, r.dir, after, &error));
		g_assert_no_error(error);
		report = ps_test_slurp(rp);
		if (g_test_verbose())
			g_printerr("%s trace:\n%s", k ? "sh renamed" : "recorded", report);
		g_assert_true(!strstr(report, "were not recognised") == !k);
		g_assert_true(!strstr(report, "pcp lists set from") == !!k);
	}
	g_array_free(w.kworkers, TRUE);
	settle_clear(&r);
}

/*
 * build_all_zonelists' decision: the three kernels print "mobility grouping on" (dmesg.txt) with
 * "Total pages" equal to the zones' present pages; at 64K that is exactly 4 pageblocks of 8192,
 * on only because this build has 4 migratetypes (5 would need 40960 pages).
 */
static void test_mobility(gconstpointer data)
{
	const QemuRec *rec = data;
	Prepared p;
	g_autoptr(GError) error = NULL;
	g_autofree char *dmesg_path = NULL, *dmesg = NULL;
	PsMachine *m;

	if (!prepare(rec, &p))
		return;
	dmesg_path = g_build_filename(p.dir, "dmesg.txt", NULL);
	dmesg = ps_test_slurp(dmesg_path);
	g_assert_nonnull(strstr(dmesg, "mobility grouping on."));
	m = ps_machine_setup(&p.cfg->spec, &error);
	g_assert_no_error(error);
	g_assert_false(m->sysctl.page_group_by_mobility_disabled);
	ps_machine_free(m);
	if (rec->page_size == 65536) {
		p.cfg->spec.migrate_types = 5;
		m = ps_machine_setup(&p.cfg->spec, &error);
		g_assert_no_error(error);
		g_assert_true(m->sysctl.page_group_by_mobility_disabled);
		ps_machine_free(m);
	}
	prepared_clear(&p);
}

/*
 * The trace names pageblock types: mm_page_pcpu_drain's migratetype is the pageblock's
 * (free_pcppages_bulk: get_pfnblock_migratetype) and mm_page_alloc_zone_locked's the free list
 * __rmqueue_smallest took the block from, which is its pageblock's (since 6.10 a free block sits
 * on its pageblock's list). Until a record that can retype a block (a claim: mm_page_alloc_extfrag
 * with change_ownership; compaction's free scanner; a zone growing; a highatomic reserve, seen as
 * a record of that type), they are the types the blocks had when the trace began.
 */
typedef struct {
	PsMachine *m;
	GHashTable *named; /* pageblock pfn -> the type the trace names + 1 */
	uint64_t records;
} NamedTypes;

static gboolean named_type(const PsTraceEvent *ev, gpointer data)
{
	NamedTypes *nt = data;
	ps_pfn_t b;

	if (ev->op == PS_OP_COMPACT || ev->op == PS_OP_ZONE_GROW)
		return FALSE;
	if (ev->op != PS_OP_OBSERVED)
		return TRUE;
	if (ev->event == PS_OBS_EXTFRAG ? ev->change_ownership == 1
					: ev->event == PS_OBS_COMPACTION_BEGIN ||
					      ev->event == PS_OBS_COMPACTION_ISOLATE_FREEPAGES)
		return FALSE;
	if (ev->event != PS_OBS_PCPU_DRAIN && ev->event != PS_OBS_ZONE_LOCKED)
		return TRUE;
	if (ev->migratetype < 0 || ev->migratetype >= PS_MT_PCPTYPES)
		return FALSE;
	b = (ps_pfn_t)ev->pfn & ~(ps_pfn_t)(nt->m->pageblock_nr_pages - 1);
	nt->records++;
	g_hash_table_insert(nt->named, GSIZE_TO_POINTER(b), GINT_TO_POINTER(ev->migratetype + 1));
	return TRUE;
}

/* The named blocks whose type in nt->m is another (after a walk of the trace with named_type). */
static guint named_wrong(const NamedTypes *nt)
{
	GHashTableIter it;
	gpointer key, val;
	guint wrong = 0;

	g_hash_table_iter_init(&it, nt->named);
	while (g_hash_table_iter_next(&it, &key, &val))
		wrong += (int)ps_pageblock_mt(nt->m, (ps_pfn_t)GPOINTER_TO_SIZE(key)) !=
			 GPOINTER_TO_INT(val) - 1;
	return wrong;
}

/*
 * The snapshot fit's pageblock types (snapshot.c: pagetypeinfo's counts, placed by its free
 * areas, then by the votes) against every type the trace names before anything retypes a block:
 * at 4K, 16K and 64K, realdata and shipped, every named block has the named type (16K realdata:
 * 21 blocks, among them 0x13800, the Unmovable block holding the zone's free Unmovable pages, and
 * 0x11000, the Reclaimable one), except 0x48000 on the 4K realdata recording, which the free
 * areas make Unmovable and the kernel drains as Movable from 2.55 s (the recording traces claims:
 * none). So the 16K replay's layout does not depart through the start's pageblock types. The
 * x86 recordings disagree more (named blocks typed otherwise at the run's start, after the pcp
 * prefill's fit: ftrace-build-6.18 3 of 210, ftrace-compact-6.18 2 of 381,
 * ftrace-press-kswapd-6.18 15 of 1751 (its session 8 recording), ftrace-press-slab-6.18 19 of
 * 2038, qemu-press-oom-4k-6.18 3 of 423). Giving named blocks their type in the fit was
 * measured, not kept: after the free areas it fixes ftrace-build's 3 (fallbacks 1 -> 2, the
 * kernel's 2) and compact's 2 but takes ftrace-compact-6.18's unmovable refilled pages from 1.04
 * to 1.16 of the kernel's; before them it also fixes 0x48000 (the 4K compact_memory run
 * migrates 18,313 of the kernel's 18,541 pages instead of 17,175) but doubles
 * ftrace-press-slab-6.18's Movable steals from Reclaimable blocks (fallbacks 6,127 -> 11,957,
 * the kernel's 7,779).
 */
static void test_fit_named(gconstpointer data)
{
	const QemuRec *rec = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *run = NULL;
	PsRunOptions o = {0};
	NamedTypes nt = {0};
	guint wrong;
	Prepared p;
	PsSim *sim;

	if (!prepare(rec, &p))
		return;
	run = g_build_filename(p.tmp, "fit", NULL);
	o.out_dir = run;
	sim = ps_sim_new(p.cfg, &o, &error);
	g_assert_no_error(error);
	g_assert_true(ps_sim_load_snapshot(sim, p.before, p.dir, &error));
	g_assert_no_error(error);
	nt.m = ps_sim_machine(sim);
	nt.named = g_hash_table_new(g_direct_hash, g_direct_equal);
	trace_each(p.trace, named_type, &nt);
	wrong = named_wrong(&nt);
	if (g_test_verbose())
		g_printerr("%s: %u pageblocks named by %" PRIu64 " records, %u of another type "
			   "in the fit\n",
			   rec->name, g_hash_table_size(nt.named), nt.records, wrong);
	g_assert_cmpuint(g_hash_table_size(nt.named), >, 0);
	g_assert_cmpuint(wrong, ==, rec->fit_wrong);
	g_hash_table_destroy(nt.named);
	ps_sim_free(sim);
	prepared_clear(&p);
}

/* The fidelity table of a policy run: simulated and observed of counter, which must be there. */
static void fidelity_pair(const cJSON *sum, const char *counter, double *sim, double *obs)
{
	if (!ps_test_fidelity_pair(sum, counter, sim, obs))
		g_error("no fidelity counter %s", counter);
}

/*
 * Item 3 of issue 18: the band each counter is held to (issue 18: 10 % for the pcp traffic and
 * direct buddy allocations, 25 % for fallbacks and compaction, equal where the kernel made at most
 * 5). A counter whose band does not hold yet carries the bound it is held to instead (a
 * regression still fails) and the reason, in `why`.
 */
typedef struct {
	const char *counter;
	double band;	 /* the issue's band, as |ratio - 1| */
	double held[6];	 /* per recording (recs[]' order): the bound asserted, |ratio - 1| */
	const char *why; /* why the band is not held where held[] > band */
} Band;

static const Band bands[] = {
    {"pcp_refills", 0.10, {0.10, 0.10, 0.10, 0.10, 0.10, 0.10}, NULL},
    {"pcp_refill_pages", 0.10, {0.10, 0.10, 0.10, 0.10, 0.10, 0.10}, NULL},
    {"pcp_drains", 0.10, {0.10, 0.10, 0.10, 0.10, 0.10, 0.10}, NULL},
    {"pcp_drain_pages", 0.10, {0.10, 0.10, 0.10, 0.10, 0.10, 0.10}, NULL},
    {"direct_buddy_allocs", 0.10, {0.10, 0.10, 0.10, 0.10, 0.10, 0.10}, NULL},
    {"fallbacks", 0.25, {0.25, 0.25, 0.25, 0.25, 0.25, 0.25}, NULL},
    {"compaction_runs", 0.25, {0.25, 0.25, 0.25, 0.25, 0.25, 0.25}, NULL},
    {"pages_migrated", 0.25, {0.25, 0.25, 0.25, 0.25, 0.25, 0.25}, NULL},
};

static void check_vmstat_rows(const Prepared *p, const cJSON *sum);

/*
 * The pcp start counts the first free-triggered drains imply (snapshot-pcp.c), per recording
 * (recs[]' order) and cpu, -1 where the walk finds none. The 64K realdata cpu 0 figure was
 * first counted by hand from the trace text: 1664 pages net onto the list up to its first drain,
 * which fires at high_max 2029 (365 = 2029 - 1664); 16K cpu 1 and 4K cpu 0 the same way (362,
 * 1912). 16K cpu 0: the rebuilt list alone already drains 468 steps early, no count fits.
 * Realdata 4K cpu 0: 1928, 16 above the count by hand, since the walk takes the 16 pages that
 * alloc_pages_bulk took off the list untraced (each freed twice with no allocation between,
 * snapshot-pcp.c, note_untraced_take); with 1912 the replay drained 16 frees after the kernel.
 * Shipped 4K cpu 1: 582, not the 584 the walk found before it counted the two pages its
 * Unmovable refill at 1.62 s took by claiming order-10 Movable blocks (mm_page_alloc_extfrag, no
 * zone_locked: snapshot-pcp.c, refill_fallback); with 584 the replay drained two frees before
 * the kernel at 2.626 s. Realdata 4K cpu 1: 1197, 210 above the 987 it was while the walk
 * counted the 210 softirq frees at 2.4708 s between two commits of churn-271's free_unref_folios
 * batch onto the pcp list; they found its lock taken and went to the buddy (the importer marks
 * them pcp_locked), and the first drain (2.548927 s) freed the free_count the trace gives without
 * them (1612).
 */
static const int start_counts[6][2] = {
    {1928, 1197}, {-1, 362}, {365, -1}, {-1, 582}, {-1, -1}, {-1, -1},
};

/*
 * Pages free in before.kpageflags whose first record is a free (snapshot-stale.c): allocated
 * when the trace began, taken out of the buddy at the start so that their frees reach the pcp
 * lists as the kernel's did. Per recording (recs[]' order); at least the pinned replay's
 * mid_untraced (the same pages, counted up to `mid`).
 */
static const double freed_first_pages[6] = {2410, 0, 0, 744, 0, 0};

static void check_start_counts(const QemuRec *rec, const cJSON *sum)
{
	const cJSON *a = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "snapshot"),
					     "pcp_start_count_from_first_drain");
	const cJSON *c;
	int got[2] = {-1, -1};

	g_assert_nonnull(a);
	cJSON_ArrayForEach(c, a)
	{
		int cpu = (int)ps_test_json_num(c, "cpu");

		g_assert_cmpint(cpu, >=, 0);
		g_assert_cmpint(cpu, <, 2);
		got[cpu] = (int)ps_test_json_num(c, "implied");
		/* the lists hold the implied count: unnamed flagless pages made up the difference
		 */
		g_assert_cmpint((int)ps_test_json_num(c, "rebuilt") +
				    (int)ps_test_json_num(c, "unnamed_added"),
				==, got[cpu]);
		if (g_test_verbose())
			g_printerr(
			    "%s cpu %d pcp start: rebuilt %d, implied by the first drain %d\n",
			    rec->name, cpu, (int)ps_test_json_num(c, "rebuilt"), got[cpu]);
	}
	for (int cpu = 0; cpu < 2; cpu++)
		g_assert_cmpint(got[cpu], ==, start_counts[rec - recs][cpu]);
}

/*
 * A /proc directory for a replay in the recording's tmp dir SUB: each of names copied from the
 * recording's FROM.name to before.name.
 */
static char *proc_copy(const Prepared *p, const char *sub, const char *from_prefix,
		       const char *const *names, size_t n)
{
	char *dir = g_build_filename(p->tmp, sub, NULL);

	g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
	for (size_t i = 0; i < n; i++) {
		g_autofree char *from = g_strdup_printf("%s/%s.%s", p->dir, from_prefix, names[i]);
		g_autofree char *to = g_strdup_printf("%s/before.%s", dir, names[i]);
		gchar *data;
		gsize len;

		g_assert_true(g_file_get_contents(from, &data, &len, NULL));
		g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
		g_free(data);
	}
	return dir;
}

/* NAME in the vmstat file PATH, 0 when absent ("allocstall": the allocstall_* rows summed). */
static int64_t vmstat_value(const char *path, const char *name)
{
	g_autofree char *text = ps_test_slurp(path);
	int64_t v = ps_test_vmstat_in(text, strcmp(name, "allocstall") ? name : "allocstall_*");

	return v < 0 ? 0 : v;
}

/*
 * The compact_memory write alone, from the kernel's own layout just before it: the mid snapshot
 * (kpageflags and /proc files as the `before` of a replay) and a trace of that one record. The
 * kernel migrated postcompact - mid pgmigrate_success pages. Each of the kernel's runs ends with
 * migrate_pages out of targets (-ENOMEM) as the scanners meet, so the pages migrated are the
 * free pages the free scanner isolated, and that is decided by where the free pages are and how
 * the sync scanner's stride (doubled by every suitable block that yields nothing) samples them.
 * On the 16K recording the policy replay of the whole trace migrated 2x the kernel's while its
 * pcp decay ran on the grid from the trace's start (512 of 480 on the recording's grid:
 * sim/replay.c, decay_at_or_after); from the kernel's layout the same code migrates 416 of 480: the
 * 64 missing are pageblock 0x1a000's order-6 block, a block the pagetypeinfo fit makes UNMOVABLE
 * (it cannot tell which 5 of the 64 are) where the kernel's was MOVABLE (its 64 free pages are gone
 * in postcompact). 4K 18505 / 18541, 64K 3198 / 3191.
 */
static void test_compact_from_mid(gconstpointer data)
{
	const QemuRec *rec = data;
	static const char *const files[] = {"buddyinfo", "extfrag_index", "kpageflags.gz",
					    "meminfo",	 "pagetypeinfo",  "unusable_index",
					    "uptime",	 "vmstat",	  "zoneinfo"};
	Prepared p;
	g_autofree char *proc = NULL, *trace = NULL, *run = NULL, *head = NULL;
	g_autofree char *mid_vm = NULL, *post_vm = NULL, *run_vm = NULL, *snap = NULL;
	g_autoptr(GError) error = NULL;
	int64_t kernel, model;
	cJSON *sum;

	if (!prepare(rec, &p))
		return;
	proc = proc_copy(&p, "mid-as-before", "mid", files, G_N_ELEMENTS(files));
	trace = g_build_filename(p.tmp, "compact.jsonl", NULL);
	head = g_strdup_printf("{\"pagesim_trace\":1,\"source\":\"ftrace\",\"page_size\":%u,"
			       "\"cpus\":2}\n{\"t\":1000,\"op\":\"compact\"}\n",
			       rec->page_size);
	g_assert_true(g_file_set_contents(trace, head, -1, &error));
	g_assert_no_error(error);
	run = g_build_filename(p.tmp, "compact", NULL);
	snap = g_build_filename(proc, "before.kpageflags.gz", NULL);
	sum = ps_test_policy_run(p.cfg, trace, snap, proc, run);
	cJSON_Delete(sum);
	mid_vm = g_build_filename(p.dir, "mid.vmstat", NULL);
	post_vm = g_build_filename(p.dir, "postcompact.vmstat", NULL);
	run_vm = g_build_filename(run, "vmstat", NULL);
	kernel =
	    vmstat_value(post_vm, "pgmigrate_success") - vmstat_value(mid_vm, "pgmigrate_success");
	model = vmstat_value(run_vm, "pgmigrate_success");
	ps_test_band_assert(rec->name, "pages_migrated(mid)", (double)model, (double)kernel, 0.25,
			    0.25);
	prepared_clear(&p);
}

static void test_policy(gconstpointer data)
{
	const QemuRec *rec = data;
	int ri = (int)(rec - recs);
	Prepared p;
	g_autofree char *run = NULL;
	cJSON *sum;

	if (!prepare(rec, &p))
		return;
	run = g_build_filename(p.tmp, "policy", NULL);
	sum = ps_test_policy_run(p.cfg, p.trace, p.before, p.dir, run);
	check_vmstat_rows(&p, sum);
	check_start_counts(rec, sum);
	g_assert_cmpfloat(ps_test_json_num(cJSON_GetObjectItem(sum, "snapshot"),
					   "free_in_snapshot_freed_first_pages"),
			  ==, freed_first_pages[ri]);
	g_assert_cmpfloat(freed_first_pages[ri], >=, (double)rec->mid_untraced);
	for (size_t i = 0; i < G_N_ELEMENTS(bands); i++) {
		const Band *b = &bands[i];
		double sim_v, obs_v, bound = b->held[ri];

		fidelity_pair(sum, b->counter, &sim_v, &obs_v);
		ps_test_band_assert(rec->name, b->counter, sim_v, obs_v, b->band, bound);
	}
	cJSON_Delete(sum);
	prepared_clear(&p);
}

/*
 * Issue 14 item 2: counters without a tracepoint are reported with the recording's vmstat
 * delta (after - before) as the observed side, each row naming its source.
 */
static void check_vmstat_rows(const Prepared *p, const cJSON *sum)
{
	static const char *const names[] = {
	    "pgsteal_kswapd",	  "pgsteal_direct", "allocstall",	 "compact_stall",
	    "compact_success",	  "compact_fail",   "pgmigrate_success", "thp_fault_alloc",
	    "thp_fault_fallback", "pageoutrun",	    "oom_kill",
	};
	g_autofree char *bpath = g_build_filename(p->dir, "before.vmstat", NULL);
	g_autofree char *apath = g_build_filename(p->dir, "after.vmstat", NULL);
	const cJSON *c;
	int tracepoints = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		double sim_v, obs_v;
		const cJSON *row = NULL;

		fidelity_pair(sum, names[i], &sim_v, &obs_v);
		g_assert_cmpfloat(
		    obs_v, ==,
		    (double)(vmstat_value(apath, names[i]) - vmstat_value(bpath, names[i])));
		cJSON_ArrayForEach(
		    c, cJSON_GetObjectItem(
			   sum,
			   "fidelity")) if (!strcmp(cJSON_GetObjectItem(c, "counter")->valuestring,
						    names[i])) row = c;
		g_assert_nonnull(row);
		g_assert_true(
		    g_str_has_prefix(cJSON_GetObjectItem(row, "source")->valuestring, "vmstat:"));
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(sum, "fidelity"))
	{
		const char *src = cJSON_GetObjectItem(c, "source")->valuestring;

		/* the two compaction-start rows come only with a recording whose begins carry
		 * the scanners' starts (imports since Dec 2026, as this one) */
		tracepoints += g_str_has_prefix(src, "tracepoint:mm_");
	}
	{
		double sim_v = 0, obs_v = 0;

		g_assert_true(
		    ps_test_fidelity_pair(sum, "compaction_migrate_starts", &sim_v, &obs_v));
		g_assert_cmpfloat(obs_v, >, 0);
	}
	/* 18 + watermark_boosts and boosting_claims, + the two compaction-start rows */
	g_assert_cmpint(tracepoints, ==, 20 + 2);
}

/* A bad vmstat line is reported as file:line: field: what is wrong, and the run refused. */
static void test_vmstat_error(void)
{
	const QemuRec *rec = &recs[0];
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = NULL, *bad = NULL, *run = NULL;
	static const char *const copy[] = {"kpageflags.gz", "pagetypeinfo", "zoneinfo", "vmstat"};
	PsRunOptions o = {0};
	Prepared p;
	PsSim *sim;

	if (!prepare(rec, &p))
		return;
	dir = proc_copy(&p, "proc", "before", copy, G_N_ELEMENTS(copy));
	bad = g_build_filename(dir, "after.vmstat", NULL);
	g_assert_true(g_file_set_contents(bad, "nr_free_pages 10\npgsteal_kswapd x1\n", -1, NULL));
	run = g_build_filename(p.tmp, "policy", NULL);
	o.out_dir = run;
	sim = ps_sim_new(p.cfg, &o, &error);
	g_assert_no_error(error);
	{
		g_autofree char *kpf = g_build_filename(dir, "before.kpageflags.gz", NULL);

		g_assert_false(ps_sim_load_snapshot(sim, kpf, dir, &error));
	}
	g_assert_nonnull(error);
	g_assert_true(
	    g_str_has_suffix(error->message, "after.vmstat:2: pgsteal_kswapd: not an integer"));
	ps_sim_free(sim);
	prepared_clear(&p);
}

/* A policy run of rec, to the end or (until_ns > 0) to that time; its summary and buddyinfo. */
static cJSON *policy_run(const QemuRec *rec, Prepared *p, uint64_t until_ns, uint64_t *blocks)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *run = g_build_filename(p->tmp, until_ns ? "policy-mid" : "policy", NULL);
	g_autofree char *bi_path = g_build_filename(run, "buddyinfo", NULL);
	PsRunOptions o = {.out_dir = run, .until_ns = until_ns};
	PsSim *sim = ps_sim_new(p->cfg, &o, &error);

	g_assert_no_error(error);
	g_assert_true(ps_sim_load_snapshot(sim, p->before, p->dir, &error));
	g_assert_true(ps_sim_run(sim, p->trace, &error));
	g_assert_no_error(error);
	ps_sim_free(sim);
	ps_test_buddyinfo_dma(bi_path, blocks);
	return ps_test_read_summary(run);
}

/*
 * Item 5 of issue 18: the same program at 4K, 16K and 64K; the model's change between page sizes
 * against the kernels'. agreement = (model X / model 4K) / (kernel X / kernel 4K), to be within
 * 15 %. Held (asserted at 15 %): refills and refilled pages, drains and drained pages,
 * compaction runs and pages migrated at 16K and 64K, the free pages at mid in total and at the
 * orders held_orders names. What the replays rest on: each replay's pcp decay runs on the grid
 * of the recording's vmstat_update (sim/replay.c: the trace header's vmstat_update_ns, the first
 * kworker pcp drain); the unnamed start pages snapshot-pcp.c adds go to the high-order pcp lists
 * first (add_unnamed) and only to lists the trace never shows empty (note_list_empty); and
 * interrupt frees inside a free_unref_folios loop go to the buddy (pcp_locked). With that, 16K
 * pages migrated is the kernel's 480 and its free blocks at mid at orders 0..5 are 5, 5, 12, 10,
 * 9, 5 against 5, 4, 13, 10, 9, 6, and the per-cpu pcp sequences (every refill and drain at the
 * kernel's record, of the kernel's size) follow the trace to 2.50 s on 16K cpu 1 and to 3.97 s on
 * 4K cpu 0 (16K: each cpu's allocations give the kernel's pages to 2.59 s on cpu 0 and 4.91 s on
 * cpu 1 since bulk_refill_end). The 64K replay's free blocks at `mid` equal the kernel's at every
 * order (asserted: mid_blocks 0), since the pcp start count comes from the kernel's first drain
 * (snapshot-pcp.c) and a page the trace frees twice is taken off the model's pcp list as
 * alloc_pages_bulk did untraced (process.c); its run of refills and drains per cpu leaves the
 * trace's at 3.02 s on cpu 0 (the kernel drains 96 pages at a free of churn, where the model's
 * count has not reached high). The importer writes the allocations alloc_pages_bulk made with no
 * record (import.c, bulk_take: on the 4K recording 11 kernel stacks of 4 pages, at forks), and
 * 4K's mid is the kernel's at orders 2..10, with 125 and 169 blocks at orders 0 and 1 against
 * 123 and 170 (129, 169, 114, 89, 11 at orders 0..4 before: a page held on a pcp list in the
 * middle of a free order-4 block is four blocks of orders 0..3, so single pages move these
 * orders). The kernel's free blocks at mid are those of mid.kpageflags, the free set at the
 * instant the run stops (dd's first record; ps_test_kpageflags_blocks): mid.buddyinfo was read
 * by an earlier cat, and at 16K cat-245 read it at 2.4744 s, between cpu 0's refill that ends at
 * 2.474429 s and cpu 1's drain at 2.474511 s (the replay stopped there has mid.buddyinfo's 5, 4,
 * 13, 10, 9, 6, 9 at orders 0..6 exactly); 79 pages went by dd's start (4, 5, 11, 9, 9, 6, 8).
 * At 4K and 64K the two are the same (asserted). With the refills alloc_pages_bulk needed
 * (import.c, bulk_refill_end), the 16K replay's free blocks at mid are the kernel's at every
 * order (asserted: mid_blocks 0); before, 5, 5, 12, 10, 9, 5, 9 (its own blocks in pageblock 39).
 * Held: 64K/4K and 16K/4K at every order. Order 9 has 1 or 2 blocks on each kernel. Fallbacks and
 * direct buddy allocations were 0 on every kernel: no ratio. The shipped recordings
 * (lab-churn-migrate, the same program again): all six counters held, 16K pages migrated at 0.911;
 * free pages at mid in total held, per order at 16K orders 6..10 and 64K orders 7, 8, 10: in that
 * run the kernels' 4K low orders hold a few blocks each (their ratios are of single digits), so
 * the ratios say nothing there; the blocks themselves are held instead (mid_blocks: every order
 * within 2 blocks of the kernel's on realdata 4K and shipped 16K, exact on shipped 4K and
 * realdata 16K and 64K, and within 10 on shipped 64K: the softirq run below). Shipped 64K's
 * mid.buddyinfo has 1, 1, 2 blocks at orders 0..2 where mid.kpageflags has 13, 4, 4: 26 pages more
 * free at dd's start, the softirq run of 26 frees at 9.6827 s (above). How these figures came to
 * be: workloads/README.md ("qemu-arm64 churn replays").
 */
typedef struct {
	const QemuRec *first;	     /* the 4K recording in recs[]; 16K and 64K follow */
	double migrated_bound[2];    /* pages_migrated |agreement - 1|, 16K/4K and 64K/4K */
	unsigned held_orders[2][11]; /* free pages at mid per order held at 15 % */
	int nr_held[2];
	/* |model - kernel| free blocks at mid, at most, at every order (0: the kernel's) */
	unsigned mid_blocks[3];
	bool bi_moved[3]; /* mid.buddyinfo is not mid.kpageflags' free set (see above) */
} RatioSet;

static const RatioSet ratio_sets[] = {
    {&recs[0],
     {0.15, 0.15},
     {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
     {11, 11},
     {2, 0, 0},
     {false, true, false}},
    {&recs[3],
     {0.15, 0.15},
     {{6, 7, 8, 9, 10}, {7, 8, 10}},
     {5, 3},
     {0, 2, 10},
     {false, false, true}},
};

static void test_ratios(gconstpointer data)
{
	const RatioSet *rs = data;
	const QemuRec *set = rs->first;
	const struct {
		const char *counter;
		double bound[2]; /* |agreement - 1| for 16K/4K and 64K/4K */
	} counters[] = {
	    {"pcp_refills", {0.15, 0.15}},
	    {"pcp_refill_pages", {0.15, 0.15}},
	    {"pcp_drains", {0.15, 0.15}},
	    {"pcp_drain_pages", {0.15, 0.15}},
	    {"compaction_runs", {0.15, 0.15}},
	    {"pages_migrated", {rs->migrated_bound[0], rs->migrated_bound[1]}},
	};
	Prepared p[3];
	cJSON *sum[3];
	uint64_t sim_mid[3][PS_NR_ORDERS_MAX], real_mid[3][PS_NR_ORDERS_MAX];
	uint64_t sim_total[3] = {0}, real_total[3] = {0};

	for (int i = 0; i < 3; i++) {
		uint64_t unused[PS_NR_ORDERS_MAX], bi_mid[PS_NR_ORDERS_MAX];
		unsigned max_order, pb_order, thp_order;
		g_autofree char *mid_bi = NULL;
		cJSON *mid;

		if (!prepare(&set[i], &p[i])) {
			for (int j = 0; j < i; j++) {
				cJSON_Delete(sum[j]);
				prepared_clear(&p[j]);
			}
			return;
		}
		sum[i] = policy_run(&set[i], &p[i], 0, unused);
		mid = policy_run(&set[i], &p[i], ps_test_first_record_ns(p[i].trace, p[i].mid_pid),
				 sim_mid[i]);
		cJSON_Delete(mid);
		mid_bi = g_build_filename(p[i].dir, "mid.buddyinfo", NULL);
		ps_test_buddyinfo_dma(mid_bi, bi_mid);
		g_assert_true(
		    ps_page_size_defaults(set[i].page_size, &max_order, &pb_order, &thp_order));
		ps_test_kpageflags_blocks(p[i].mid, max_order, real_mid[i]);
		/* the mid.buddyinfo it stands for, read by an earlier process (see above) */
		for (unsigned o = 0; o < PS_NR_ORDERS_MAX; o++) {
			if (g_test_verbose() && (bi_mid[o] || real_mid[i][o]))
				g_printerr("%s mid.buddyinfo order %2u: %" PRIu64
					   " blocks, mid.kpageflags %" PRIu64 "\n",
					   set[i].name, o, bi_mid[o], real_mid[i][o]);
			if (!rs->bi_moved[i])
				g_assert_cmpuint(bi_mid[o], ==, real_mid[i][o]);
		}
		for (unsigned o = 0; o < PS_NR_ORDERS_MAX; o++)
			g_assert_cmpuint(MAX(sim_mid[i][o], real_mid[i][o]) -
					     MIN(sim_mid[i][o], real_mid[i][o]),
					 <=, rs->mid_blocks[i]);
		for (unsigned o = 0; o < PS_NR_ORDERS_MAX; o++) {
			if (g_test_verbose() && (sim_mid[i][o] || real_mid[i][o]))
				g_printerr("%s free blocks at mid, order %2u: model %" PRIu64
					   " kernel %" PRIu64 "\n",
					   set[i].name, o, sim_mid[i][o], real_mid[i][o]);
			sim_total[i] += sim_mid[i][o] << o;
			real_total[i] += real_mid[i][o] << o;
		}
	}
	for (int x = 1; x < 3; x++) {
		for (size_t c = 0; c < G_N_ELEMENTS(counters); c++) {
			double s4, o4, sx, ox, agr;

			fidelity_pair(sum[0], counters[c].counter, &s4, &o4);
			fidelity_pair(sum[x], counters[c].counter, &sx, &ox);
			agr = (sx / s4) / (ox / o4);
			if (g_test_verbose())
				g_printerr("%s/4K %-18s model %.3f kernel %.3f agreement %.3f\n",
					   x == 1 ? "16K" : "64K", counters[c].counter, sx / s4,
					   ox / o4, agr);
			g_assert_cmpfloat(fabs(agr - 1.0), <=, counters[c].bound[x - 1]);
		}
		g_assert_cmpfloat(fabs(((double)sim_total[x] / (double)sim_total[0]) /
					   ((double)real_total[x] / (double)real_total[0]) -
				       1.0),
				  <=, 0.15);
		for (unsigned o = 0; o <= 10; o++) { /* the orders all three kernels have */
			double sr = (double)(sim_mid[x][o] << o) / (double)(sim_mid[0][o] << o);
			double rr = (double)(real_mid[x][o] << o) / (double)(real_mid[0][o] << o);
			bool held = false;

			for (int h = 0; h < rs->nr_held[x - 1]; h++)
				held |= rs->held_orders[x - 1][h] == o;
			if (g_test_verbose())
				g_printerr(
				    "%s/4K free pages at mid, order %2u: model %.3f kernel %.3f "
				    "agreement %.3f%s\n",
				    x == 1 ? "16K" : "64K", o, sr, rr, sr / rr,
				    held ? "" : " (not held)");
			if (held)
				g_assert_cmpfloat(fabs(sr / rr - 1.0), <=, 0.15);
		}
	}
	for (int i = 0; i < 3; i++) {
		cJSON_Delete(sum[i]);
		prepared_clear(&p[i]);
	}
}

/*
 * The sum of a zoneinfo file's `key` lines node by node: a zone stat over the node's zones, a
 * per-node stat (printed once a node) as it is.
 */
static void node_sum(const char *path, const char *key, uint64_t out[PS_MAX_NODES])
{
	g_autofree char *text = ps_test_slurp(path);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	size_t len = strlen(key);
	int node = -1;

	memset(out, 0, sizeof(uint64_t) * PS_MAX_NODES);
	for (char **l = lines; *l; l++) {
		const char *s = g_strstrip(*l);

		if (g_str_has_prefix(s, "Node "))
			node = atoi(s + 5);
		else if (node >= 0 && node < PS_MAX_NODES && g_str_has_prefix(s, key) &&
			 s[len] == ' ')
			out[node] += g_ascii_strtoull(s + len, NULL, 10);
	}
}

/* Per node: pages allocated (numa_hit + numa_miss of its zones) in a zoneinfo. */
static void node_allocs(const char *path, uint64_t out[PS_MAX_NODES])
{
	uint64_t miss[PS_MAX_NODES];

	node_sum(path, "numa_hit", out);
	node_sum(path, "numa_miss", miss);
	for (int n = 0; n < PS_MAX_NODES; n++)
		out[n] += miss[n];
}

typedef struct {
	const PsMachineSpec *spec;
	uint64_t *out;
} NodeCount;

static gboolean count_node_alloc(const PsTraceEvent *ev, gpointer data)
{
	NodeCount *c = data;

	if (ev->op != PS_OP_ALLOC || !ev->has_pfn)
		return TRUE;
	for (int n = 0; n < c->spec->nr_nodes; n++)
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			const PsZoneSpec *zs = &c->spec->zones[n][t];

			if (ev->pfn >= zs->start_pfn && ev->pfn - zs->start_pfn < zs->spanned)
				c->out[n]++;
		}
	return TRUE;
}

/* Per node: the allocations of a trace whose recorded page lies in that node's zones. */
static void traced_node_allocs(const char *trace, const PsMachineSpec *spec,
			       uint64_t out[PS_MAX_NODES])
{
	NodeCount c = {spec, out};

	memset(out, 0, sizeof(uint64_t) * PS_MAX_NODES);
	trace_each(trace, count_node_alloc, &c);
}

/*
 * Pages allocated per node of a 2-node recording in dir: the kernel's against the model's (the
 * run's own zoneinfo, numa_hit + numa_miss), node n within bound[n]. The kernel's count is that
 * of the traced allocations (mm_page_alloc records whose page is on the node): the window the
 * model replays. The zoneinfo delta (after.zoneinfo minus before.zoneinfo) spans more: the lab
 * reads before.* before tracing starts and after.* after it stops, and the allocations of those
 * reads (and of whatever else ran then) are in the delta but in no record. It is printed, and
 * it can only be larger.
 */
static void check_node_allocs(const char *name, const char *dir, const char *run, const char *trace,
			      const PsMachineSpec *spec, const double bound[2])
{
	g_autofree char *zi_before = g_build_filename(dir, "before.zoneinfo", NULL);
	g_autofree char *zi_after = g_build_filename(dir, "after.zoneinfo", NULL);
	g_autofree char *zi_run = g_build_filename(run, "zoneinfo", NULL);
	uint64_t k_before[PS_MAX_NODES], k_after[PS_MAX_NODES], model[PS_MAX_NODES];
	uint64_t traced[PS_MAX_NODES];

	node_allocs(zi_before, k_before);
	node_allocs(zi_after, k_after);
	node_allocs(zi_run, model);
	traced_node_allocs(trace, spec, traced);
	for (int n = 0; n < 2; n++) {
		double k = (double)traced[n];

		if (g_test_verbose())
			g_printerr(
			    "%s node %d allocations model %" PRIu64 " kernel %.0f ratio %.3f "
			    "(zoneinfo delta %" PRIu64 ")\n",
			    name, n, model[n], k, (double)model[n] / k, k_after[n] - k_before[n]);
		g_assert_cmpfloat(k, >, 1000);
		g_assert_cmpuint(k_after[n] - k_before[n], >=, traced[n]);
		g_assert_cmpfloat(fabs((double)model[n] / k - 1.0), <=, bound[n]);
	}
}

/*
 * Item 4 of issue 18 on the NUMA recording (qemu-arm64-4k-numa-6.18.2: 2 nodes of 1 GiB, cpu N
 * on node N; numa.c: A 1024 MiB default policy on cpu 0, B 256 MiB MPOL_INTERLEAVE 0-1, C 128
 * MiB MPOL_BIND 1 from cpu 0). The recording has no event for set_mempolicy() (the lab kernel
 * has no syscall tracepoints), so the policies are given to the importer as `pagesim import
 * --mempolicy` would: the times are where numa.c's phases start in the trace, the first user
 * page (GFP_HIGHUSER_MOVABLE) of pid 257 after 262144 (A) and 327680 (A+B) of them, and after
 * C's last one.
 * Held (asserted at the issue's 10 %): numa_hit, numa_miss, numa_foreign, numa_interleave,
 * numa_local, numa_other of the whole run against after.vmstat - before.vmstat, and the pages
 * allocated on each node (numa_hit + numa_miss per node, zoneinfo after - before); the node
 * fallback order equals the kernel's "Fallback order for Node N" lines. Not asserted: per-node
 * numa_local/numa_other, where node 1's local count is the few hundred allocations the kernel
 * made on cpu 1 (238; the model 65), noise against the 140 thousand of numa_other. No OOM in
 * this recording (C binds to node 1, which has room): the OOM victim and constraint need a
 * recording with BIND_NODE 0 (a new issue).
 * Item 3 on the same run: each counter of bands[] at the issue's band, none loosened (model /
 * kernel: refills 191/190, pages refilled 364,896/364,831, drains 166/168, pages drained
 * 336,416/338,751, direct buddy 0/0, fallbacks 2/2, compaction runs 0/0, migrated 0/0).
 */
static void test_numa(void)
{
	static const char *const mpol_args[] = {"257@6.733527=interleave:0-1",
						"257@7.893008=bind:1", "257@8.449702=default"};
	static const char *const counters[] = {"numa_hit",	  "numa_miss",	"numa_foreign",
					       "numa_interleave", "numa_local", "numa_other"};
	const char *root = g_getenv("PAGESIM_REALDATA");
	g_autofree char *dir =
	    root ? g_build_filename(root, "qemu-arm64-4k-numa-6.18.2", NULL) : NULL;
	g_autofree char *trace_txt = dir ? g_build_filename(dir, "trace.txt.gz", NULL) : NULL;
	g_autofree char *tmp = NULL, *trace = NULL, *zi_path = NULL, *zi_text = NULL, *run = NULL;
	g_autofree char *before = NULL, *dmesg = NULL, *dmesg_path = NULL;
	g_autoptr(GError) error = NULL;
	PsImportMempolicy mp[G_N_ELEMENTS(mpol_args)];
	PsImportOptions iopts = {.mempolicies = mp, .n_mempolicies = G_N_ELEMENTS(mpol_args)};
	PsImportStats st;
	PsProcInput in;
	PsConfig *cfg;
	PsMachine *m;
	cJSON *sum;

	if (!trace_txt || !g_file_test(trace_txt, G_FILE_TEST_EXISTS)) {
		g_test_skip("realdata/qemu-arm64-4k-numa-6.18.2 not available (PAGESIM_REALDATA)");
		return;
	}
	tmp = ps_test_make_dir("pagesim-qemu-numa-XXXXXX");
	trace = g_build_filename(tmp, "trace.jsonl.gz", NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(mpol_args); i++) {
		g_assert_true(ps_import_mempolicy_parse(mpol_args[i], &mp[i], &error));
		g_assert_no_error(error);
	}
	g_assert_true(ps_trace_import(trace_txt, trace, &iopts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.mempolicy_changes, ==, 3);

	/* pagesim config from-proc --zoneinfo before.zoneinfo --cpus 2 (cpu nodes inferred) */
	zi_path = g_build_filename(dir, "before.zoneinfo", NULL);
	zi_text = ps_test_slurp(zi_path);
	ps_proc_input_init(&in);
	in.zoneinfo_text = zi_text;
	in.zoneinfo_path = zi_path;
	in.nr_cpus = 2;
	in.nr_cpus_source = "--cpus";
	cfg = ps_config_new();
	g_assert_true(ps_config_from_proc(&in, cfg, &error));
	g_assert_no_error(error);
	g_assert_cmpint(cfg->spec.nr_nodes, ==, 2);
	g_assert_cmpint(cfg->spec.cpu_node[0], ==, 0);
	g_assert_cmpint(cfg->spec.cpu_node[1], ==, 1);
	lab_cache_slice(dir, cfg);

	/* the fallback order the kernel printed while booting */
	dmesg_path = g_build_filename(dir, "dmesg.txt", NULL);
	dmesg = ps_test_slurp(dmesg_path);
	m = ps_machine_new(&cfg->spec, &error);
	g_assert_no_error(error);
	ps_build_zonelists(m);
	for (int n = 0; n < m->nr_nodes; n++) {
		g_autoptr(GString) want = g_string_new(NULL);

		g_string_printf(want, "Fallback order for Node %d:", n);
		for (int i = 0; i < m->nr_nodes; i++)
			g_string_append_printf(want, " %d", m->nodes[n].node_order[i]);
		g_string_append(want, " \n");
		g_assert_nonnull(strstr(dmesg, want->str));
	}
	ps_machine_free(m);

	/* pagesim run --snapshot before.kpageflags.gz --proc DIR (policy mode) */
	run = g_build_filename(tmp, "policy", NULL);
	before = g_build_filename(dir, "before.kpageflags.gz", NULL);
	sum = ps_test_policy_run(cfg, trace, before, dir, run);
	for (size_t i = 0; i < G_N_ELEMENTS(counters); i++) {
		double sim_v, obs_v;

		fidelity_pair(sum, counters[i], &sim_v, &obs_v);
		if (g_test_verbose())
			g_printerr("numa %-16s model %8.0f kernel %8.0f ratio %.3f\n", counters[i],
				   sim_v, obs_v, sim_v / obs_v);
		g_assert_cmpfloat(obs_v, >, 1000);
		g_assert_cmpfloat(fabs(sim_v / obs_v - 1.0), <=, 0.10);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bands); i++) {
		double sim_v, obs_v;

		fidelity_pair(sum, bands[i].counter, &sim_v, &obs_v);
		ps_test_band_assert("numa", bands[i].counter, sim_v, obs_v, bands[i].band,
				    bands[i].band);
	}
	cJSON_Delete(sum);

	/* pages allocated per node: the traced allocations, the model's own zoneinfo */
	check_node_allocs("numa", dir, run, trace, &cfg->spec, (const double[2]){0.10, 0.10});
	ps_config_free(cfg);
	ps_test_rm_rf(tmp);
}

/* One recording of tools/lab/numa-policies.c (tests/data/lab-numa-policies/NAME). */
typedef struct {
	const char *name;
	int zone_reclaim_mode;
	bool node_reclaim; /* the kernel's node reclaim scanned (KEEP_DISK 1) */
	bool model_kills;  /* the model's OOM kill matches the kernel's (else a known miss) */
	/* node reclaim recordings: the bound on |ratio - 1| of each of check_node_reclaim's
	 * counters (pgsteal_file, zone_reclaim_success, pgsteal_kswapd, pgsteal_direct) */
	double reclaim_bound[4];
	int victim; /* the kernel's OOM victim, the parent (dmesg.txt) */
	/* mm_vmscan_node_reclaim_begin/_end pairs in the trace (0: recorded without them) */
	unsigned node_reclaims;
} NumaPolRec;

static const NumaPolRec numa_pol_recs[] = {
    {"zrm0", 0, false, true, {0}, 257, 0},
    {"zrm1", 1, false, true, {0}, 256, 0},
    {"nr1", 1, true, true, {0.25, 0.30, 0.47, 0.33}, 256, 0},
    {"nr2", 1, true, true, {0.25, 2.25, 0.25, 0.59}, 256, 8},
    {"nr3", 1, true, true, {0.25, 0.40, 0.82, 0.48}, 258, 15},
};

/*
 * item 3: per recording (numa_pol_recs' order), the bound each of bands[]' counters is held to.
 * Where a bound is above the counter's band it is the model's own figure when it was taken, a
 * regression guard and not a kernel fact: `taken` names the commit it was measured at, and every
 * run tells each row outside its band (g_test_message, "OUT OF BAND", in meson's testlog.txt).
 * A bound moves only toward the band, with the commit that moves it, unless a kernel rule moves
 * the row away and says so: nr2's refills 0.12 -> 0.15 with the shrinker's pages no longer counted
 * as reclaim progress (policy/reclaim.c shrink_slab: 293 -> 300 against the kernel's 262).
 */
static const struct {
	const char *taken; /* the commit the bounds above their band were measured at */
	double bound[8];   /* bands[]' order, |ratio - 1| (pages where the kernel made none) */
} numa_pol_held[] = {
    {"288645f", {0.10, 0.11, 0.10, 0.12, 0.10, 0.25, 0.25, 1}},	   /* zrm0 */
    {"288645f", {0.19, 0.10, 0.18, 0.10, 0.10, 0.25, 1, 0.25}},	   /* zrm1 */
    {"5aaf6f9", {0.42, 0.12, 0.10, 0.10, 0.10, 0.29, 0.25, 1}},	   /* nr1 */
    {"5aaf6f9", {0.15, 0.10, 0.21, 0.10, 0.10, 0.27, 0.25, 352}},  /* nr2 */
    {"379b681", {0.10, 0.10, 0.26, 0.10, 0.10, 0.61, 0.25, 0.81}}, /* nr3 */
};
G_STATIC_ASSERT(G_N_ELEMENTS(numa_pol_held) == G_N_ELEMENTS(numa_pol_recs));
G_STATIC_ASSERT(G_N_ELEMENTS(bands) == G_N_ELEMENTS(numa_pol_held[0].bound));

/*
 * Item 3 (policy replay counters, bands[]) on these recordings: held to the band where it holds
 * (zrm0: refills 245 / 235, drains 192 / 190; zrm1: pages refilled 71,469 / 69,670, drained
 * 65,868 / 60,098; nr1: drains 268 / 248, drained 79,222 / 73,395; nr2: pages refilled 84,219 /
 * 78,828, drained 86,071 / 79,019), elsewhere to the bound it holds now, a regression guard, not
 * a kernel fact. After the OOM kill the victim's exit frees come from the recording on the
 * waiting child's cpu (replay.c oom_wait_bypass), so the child takes them off cpu 0's pcp list
 * as the kernel's did (zrm1 after the kill: 35 refills of 2,355 pages, kernel 1 of 15; before,
 * the reaper gave everything back at once 2 s later and the child refilled 16,319 pages). What
 * is left: the model kills early (zrm1 ~20 ms: ~13 ms is the kernel's OOM report on the serial
 * console between the child's direct reclaim and mark_victim, the rest the 465 Movable node-0
 * pages the kernel's cpu 0 held at the child's marker, left by its last refill of phase A, when a
 * boost sent the parent to node 1). nr2's drains (284 kernel, 220 model) miss in phase A:
 * kswapd0's frees of R's small folios drain in batches of 15-45 under ZONE_RECLAIM_ACTIVE (90
 * drains, 3,722 pages; 81 drains at 60.88-61.13 s where the model makes 12). The model's kswapd
 * takes R's folios in the kernel's order, small ones first, but in slices beside the records;
 * the lab kernel is PREEMPT_NONE and kswapd0 shares cpu 0 with the workload, so its frees come
 * in uninterrupted bursts: free_count climbs and nr_pcp_high cuts pcp->high by it at every free,
 * down to high_min, while the model's allocations between its slices halve free_count
 * (rmqueue_pcplist) and its pcp->high stays at 5,000-7,000. The same burst makes nr1's refills
 * (467 kernel, 271 model): after it a page-table refill fills cpu 0's list with 420 unmovable
 * pages (high_min - count - batch) and every movable refill is then capped at batch, 228
 * refills at 43.77-44.4 s against the model's 43 (a kswapd that keeps its cpu busy through each
 * slice, tried: nr1 662, nr2 277, not kept).
 * The kernel's schedule, from kswapd0's own events (no sched events were recorded; the irq-flags
 * field's N is need_resched): every kswapd0 run on cpu 0 is one block of its events with no
 * record of the workload inside. nr1 43.6989-43.6999 s: the wake, 88 folio frees and the HZ/10
 * nap, a whole balance_pgdat run; its wake came from rmqueue's ZONE_BOOSTED_WATERMARK
 * (mm_vmscan_wakeup_kswapd with gfp none after a fragmenting fallback) and the waker's next
 * record already carries N: kswapd ran as soon as the fault returned. nr2 60.9448-60.9595 and
 * 60.9884-61.0168 s, nr1 43.3708-43.4026 s: 15-32 ms runs ending with N set (the workload
 * blocked meanwhile, as its records stop). A burst with no allocation between its frees is the same
 * under every preemption model (EEVDF gives kswapd its slice, 0.7 ms x (1 + ilog2 ncpus)
 * since 6.15, checked at the tick; PREEMPT_NONE only defers the switch to the next cond_resched,
 * one per folio in shrink_folio_list). nr2's 81 drains at 60.88-61.13 s are such frees on a full
 * list: each of kswapd0's order-0 frees drains clamp(free_count, batch, high - batch) pages because
 * ZONE_RECLAIM_ACTIVE makes the effective high min(batch * 4, pcp->high) = 60 while cpu 0's list
 * held over 700 pages (741 drained by 34 frees in the first run); the model's list held 116 at
 * its kswapd's first free (15.045 s): its own node reclaim at 14.994 s (nr2 time = kernel time -
 * 45.868 s) freed 352 page-cache pages to cpu 0 where the kernel refilled 480 pages from node 0
 * without one (its node 0 above the low mark, the model's below), and the next free, under
 * ZONE_BELOW_HIGH, drained 353 at once (clamp(free_count, batch, high - batch)). Tried (k18,
 * session 23; the patch stayed in that session's notes): a kswapd whose node has one
 * cpu runs its batches back to back in one event until the run ends, a throttle or the slice (the
 * model's runs take at most 0.3 ms, so the slice never ends one). Per 0.1 s window, sum of |model -
 * kernel|: nr2 refills 121 -> 95, drains 358 -> 329, fallbacks 396 -> 200 (15.2 s: 26 -> 67 against
 * 250; 15.6 s: 153 -> 1 against 1; the total 210 -> 98 because the old 210 summed two misses); nr1
 * toward until 16.5 s (cpu 0's node-1 pages per 0.5 s, kernel / model before / after: 14.5 s
 * 1679 / 962 / 1049, 15.5 s 1026 / 1332 / 1004, 16 s 901 / 578 / 1068), then away: an order-9
 * free of the trace at 14.505 s (the kernel's node reclaim, not labelled in nr1) stays on cpu 0's
 * THP list because the model's node 0 is then above its high mark (ZONE_BELOW_HIGH and
 * ZONE_RECLAIM_ACTIVE clear, count 831 < pcp->high 1298), where the kernel drained all 12 of its
 * order-9 frees on cpu 0 at once; from 19.9 s each fault then refills 15 and each free drains 15
 * (305 refills at 20.1 s, kernel none), nr1 refills 662, drains 583, numa_miss 1.116 (fails).
 * zrm0, zrm1 and fid.sh's set: unchanged. Not kept until nr1's node 0 holds the kernel's level
 * there. zrm0's pages refilled and drained and zrm1's
 * refills and drains miss after the kill. In zrm1 the kernel's victim's first frees drained an
 * order-9 page left on cpu 0's THP list since the disk's close, node 0 went above high and
 * ZONE_BELOW_HIGH was cleared, so the victim's frees stayed on the list for the child (no
 * refill); the model's list had lost that page to an earlier drain (a slab-shrinker free of an
 * order-1 page, drained round robin into the THP list), so BELOW_HIGH holds and the child
 * refills and the victim drains 15 pages at a time. In zrm0 both clear BELOW_HIGH; the kernel's
 * child then refilled five times (15 to 240, pcp->high +465) before the victim's next slice,
 * the model's four. nr2's refills (262 kernel, 293 model) miss
 * after the kill: 55 there against the kernel's 37 (before oom_wait_bypass 47,
 * of more pages: 16,830, now 15,719, kernel 8,804). nr3 (nr1 recorded again with the node
 * reclaim and sched events, README there): refills 240 / 249, pages refilled 71,261 / 71,388,
 * pages drained 67,575 / 67,559 held; drains 203 / 271 (0.749) and fallbacks 359 / 224 miss,
 * pages migrated 32 / 160 (one compaction run each). Its sched_switch lines show the schedule
 * inferred above: each kswapd0 run preempts the workload on cpu 0 and keeps the cpu until it
 * sleeps or, after 4-9 ms, is preempted. The kept burst patch on nr3 (k18, session 24):
 * drains 0.838, fallbacks 0.576, pgsteal_kswapd 1.814 -> 1.038 and
 * pgsteal_direct 0.524 -> 1.070, but no OOM kill: the child's one direct reclaim freed a slab
 * page (shrink_slab: the trace's one order-1 __GFP_RECLAIMABLE allocation, a radix_tree_node
 * slab of phase R; the model never shrinks the snapshot's slab), counted it as progress,
 * drained the pcp lists and lived until the victim's exit frees came. The kernel's child's
 * reclaim returned 0: the shrinkers' pages come back in RCU callbacks, as a rule not the
 * reclaimer's progress (only when such a callback runs in softirq on the reclaimer's own stack,
 * which the model leaves out), and the model counts none of them since 5aaf6f9
 * (policy/reclaim.c shrink_slab). With
 * that the burst keeps nr3's kill (drains 0.900, pgsteal_kswapd 1.038, pgsteal_direct 1.070)
 * but nr1 moves away (drains 2.35, numa_miss 1.116) and nr2's fallbacks drop to 0.349: not
 * landed (session 25). With no slab shrinking (reclaim.slab_shrink_permille 0)
 * zrm1's pcp rows all fall in the band (the order-9 page stays on cpu 0's THP list, as the
 * kernel's did) but it no longer kills; zrm0's fallbacks go to 216 (25). Each bound is
 * |ratio - 1| (pages of the model where the kernel made none).
 */

/*
 * The node reclaim recordings, model against kernel (after - before vmstat): the page cache R
 * read is 198 folios (10,240 pages) the import writes with kind file, which the model's
 * node_reclaim and kswapd take as the kernel's did. Each counter's bound is |ratio - 1|: the
 * issue's 25 % where it holds, else the bound it holds now (a regression still fails):
 *   pgsteal_file: held. nr1 9216 / 9216 (1.000). Charged per page, the model reclaimed 8192
 *     pages and the trace's own frees took 2048 before it did: the disk's close truncating the
 *     last two folios, and frees of the kernel's node reclaim, which carry no reason in nr1
 *     (recorded without mm_vmscan_node_reclaim_begin/_end, so the import cannot tell them from
 *     a truncation) and replay as ordinary frees. nr2 (recorded with them: its node-reclaim
 *     frees have reason reclaim_direct and are left to the model's own reclaim) 10240 / 9216
 *     (1.111; 9728 charged per page). The model's node_reclaim goes on to 512 pages left where
 *     the kernel's stopped at 1024: node_pagecache_reclaimable subtracts NR_FILE_MAPPED, which
 *     the model holds at the snapshot's 351 (1024 - 351 = 673 is over min_unmapped_pages 628),
 *     while the kernel's had grown with the program's own mappings (mid.zoneinfo 481: 543,
 *     NODE_RECLAIM_FULL); a raw recording does not show those.
 *   zone_reclaim_success, pgsteal_kswapd, pgsteal_direct: not held, the split of the page cache
 *     between kswapd and node reclaim. The kernel's own split moves a lot between two runs of
 *     the same program: node reclaims 17 (nr1) and 8 (nr2), pgsteal_kswapd 3808 and 6080,
 *     pgsteal_direct 5408 and 3136. The kernel's kswapd0 takes R's small folios first (nr1: 36,
 *     652, 368 pages in its first three runs, whole priority loops of a thread that shares cpu
 *     0 with the allocating task, which waits meanwhile), so its node reclaims meet order-6 to
 *     order-9 folios, one a call. The model's kswapd runs beside the allocations in slices of
 *     one shrink_lruvec round (policy/kswapd.c); with reclaim charged per folio
 *     (policy/cost.c) it takes R's large folios about as fast as the kernel's (nr1: 16 node
 *     reclaims, pgsteal_kswapd 5568, pgsteal_direct 4160; nr2: 26, 5150, 4578; in
 *     one-priority slices 22, 5564, 3652 and 25, 5278, 4962, nr2's bound 2.13). Charged per page,
 * it balanced the node after a few dozen pages and 23 node reclaims took 32 order-0/2 pages each
 * (nr1: 46, 1375, 6817; nr2: 43, 2078, 7650).
 */
static void check_node_reclaim(const NumaPolRec *rec, const char *dir, const char *run)
{
	static const char *const counters[] = {"pgsteal_file", "zone_reclaim_success",
					       "pgsteal_kswapd", "pgsteal_direct"};
	g_autofree char *vm_before = g_build_filename(dir, "before.vmstat", NULL);
	g_autofree char *vm_after = g_build_filename(dir, "after.vmstat", NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(counters); i++) {
		double sim_v = (double)ps_test_run_vmstat(run, counters[i]);
		double obs_v = (double)(vmstat_value(vm_after, counters[i]) -
					vmstat_value(vm_before, counters[i]));

		if (g_test_verbose())
			g_printerr("%s %-20s model %8.0f kernel %8.0f ratio %.3f\n", rec->name,
				   counters[i], sim_v, obs_v, sim_v / obs_v);
		g_assert_cmpfloat(obs_v, >, 0);
		g_assert_cmpfloat(fabs(sim_v / obs_v - 1.0), <=, rec->reclaim_bound[i]);
	}
}

/*
 * Issue 18 item 4 on recordings of our own (tests/data/lab-numa-policies/, README there):
 * tools/lab/numa-policies.c on the lab's 4k-numa kernel, 512 MiB in 2 nodes, cpu N on node N,
 * with vm.zone_reclaim_mode 0 (zrm0) and 1 (zrm1). Its policies come from the program's own
 * trace_marker lines (preferred:1, default, and bind:0 in the child), not from --mempolicy.
 * The kernel's OOM kill is constrained by the child's MPOL_BIND (CONSTRAINT_MEMORY_POLICY,
 * nodemask 0) and takes the largest task, the parent (pid 256; 257 in zrm0), not the allocating
 * child.
 * Node reclaim never scanned in either run (zone_reclaim_success and _failed stay 0): with
 * zone_reclaim_mode 1, node_reclaim found the node's unmapped page cache below
 * min_unmapped_pages (R's /dev/vda cache is dropped when the program closes the disk) and its
 * reclaimable slab below min_slab_pages, so it returned NODE_RECLAIM_FULL and the zonelist went
 * on to node 1, as with mode 0. zrm1's 84 direct reclaims (zrm0: 152) are not node reclaim: one is
 * the child's before the kill, 83 are the same child retrying, each nr_reclaimed=0, in the 10 ms
 * between mark_victim and the victim's first free on the same cpu (zrm0's victim ran at once):
 * the scheduler's doing, not a rule the model could follow.
 * Held (asserted at 10 %): the six numa_* counters and the pages allocated on each node (the
 * traced allocations: check_node_allocs). zrm0 and zrm1 differ by about 700 pages put on node 0
 * in phase A: the kernel leaves node 0 when its free count falls below low (plus the boost of a
 * fragmenting fallback), and what is on the pcp lists of node 0 then stays there. The kernel's
 * runs kept 1,080 (the first zrm0, below) and 1,561 (zrm1) pages there at mid, the model 1,797 and
 * 677: in zrm0 the kernel's cpu 1 list was drained of 413 pages in softirq at 1.007 s (count 417,
 * below its high of 436: not explained by a traced free), the model's kept them; in zrm1 the kernel
 * had just refilled 480 pages when a boost sent it to node 1. Node 0's free count at mid: kernel
 * 239 and 421, model 148 and 382. OOM: the model kills the same victim with the same constraint and
 * nodemask in all of them. The first zrm0 was a known miss: its child met the OOM killer at a fault
 * after set_mempolicy() but before its "bind:0" marker (mark_victim at 2.2819 s, the marker
 * at 2.2921 s), so the replay ran that fault under the default policy. zrm0 was recorded again with
 * the marker first (as numa-policies.c writes it now); the model kills there 315 ms before the
 * kernel's first direct reclaim (README there: its cpu 0 had no Movable node-0 pages on the pcp
 * list the kernel's had). nr1: the same program with KEEP_DISK 1 and zone_reclaim_mode 1 (written
 * with the marker first): the disk stays open through A, so node 0 holds 10,240 pages of clean,
 * unmapped block-device cache, and the kernel's node_reclaim takes them (zone_reclaim_success 17,
 * 9216 file pages reclaimed with kswapd's) and keeps A's pages local: numa_miss 6637 against 7840
 * in zrm0. The import writes those folios' allocations with kind file (mm_filemap_add_to_page_cache
 * follows each), so the model's node_reclaim takes them too: the numa_* counters and the
 * per-node allocations within 10 % (were numa_miss 1.254 with the page cache as kernel memory),
 * and the same OOM kill. check_node_reclaim compares the reclaim counts.
 */
static void test_numa_policies(gconstpointer data)
{
	const NumaPolRec *rec = data;
	const char *name = rec->name;
	static const char *const counters[] = {"numa_hit",	  "numa_miss",	"numa_foreign",
					       "numa_interleave", "numa_local", "numa_other"};
	const char *srcdir = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *dir =
	    g_build_filename(srcdir, "tests", "data", "lab-numa-policies", name, NULL);
	g_autofree char *trace_txt = g_build_filename(dir, "trace.txt.gz", NULL);
	g_autofree char *tmp = NULL, *trace = NULL, *run = NULL;
	g_autofree char *before = NULL, *dmesg = NULL;
	g_autofree char *dmesg_path = NULL, *sysctl = NULL;
	g_autofree char *vm_after = NULL, *events_path = NULL, *victim = NULL;
	char *events = NULL;
	g_autoptr(GError) error = NULL;
	PsImportOptions iopts = {0};
	PsImportStats st;
	PsConfig *cfg;
	cJSON *sum;
	int zrm = rec->zone_reclaim_mode;
	const char *kill;

	g_assert_true(g_file_test(trace_txt, G_FILE_TEST_EXISTS));
	tmp = ps_test_make_dir("pagesim-qemu-npol-XXXXXX");
	trace = g_build_filename(tmp, "trace.jsonl.gz", NULL);
	g_assert_true(ps_trace_import(trace_txt, trace, &iopts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.entries_in_buffer, ==, st.entries_written);
	/* preferred:1 and default in the parent, bind:0 in the child */
	g_assert_cmpuint(st.mempolicy_markers, ==, 3);
	g_assert_cmpuint(st.page_cache_allocs, ==, 198);
	g_assert_cmpuint(st.page_cache_pages, ==, 10240);
	if (rec->node_reclaims > 0) {
		/* recorded with mm_vmscan_node_reclaim_begin/_end: their windows' frees are the
		 * kernel's pgsteal_direct, page for page (its direct reclaims reclaimed nothing) */
		g_autofree char *vb = g_build_filename(dir, "before.vmstat", NULL);
		g_autofree char *va = g_build_filename(dir, "after.vmstat", NULL);

		g_assert_cmpuint(st.node_reclaims, ==, rec->node_reclaims);
		g_assert_cmpint((int64_t)st.free_reclaim_direct, ==,
				vmstat_value(va, "pgsteal_direct") -
				    vmstat_value(vb, "pgsteal_direct"));
	} else {
		g_assert_cmpuint(st.node_reclaims, ==, 0);
	}

	/* pagesim config from-proc --zoneinfo before.zoneinfo --cpus 2 */
	cfg = ps_test_config_from_dir(dir, 2);
	g_assert_cmpint(cfg->spec.nr_nodes, ==, 2);
	lab_cache_slice(dir, cfg);
	/* the program set vm.zone_reclaim_mode before its first allocation */
	sysctl = g_build_filename(dir, "after.sysctl_vm", NULL);
	g_assert_cmpint(ps_test_file_value(sysctl, "zone_reclaim_mode", ": "), ==, zrm);
	cfg->spec.sysctl.zone_reclaim_mode = zrm;

	/* the kernel: node reclaim scanned or not; one OOM kill, its victim and constraint */
	vm_after = g_build_filename(dir, "after.vmstat", NULL);
	if (rec->node_reclaim) {
		/* nr1: 17 successful node reclaims, 9216 file pages reclaimed in all */
		g_assert_cmpint(vmstat_value(vm_after, "zone_reclaim_success"), >, 0);
		g_assert_cmpint(vmstat_value(vm_after, "pgsteal_file"), >, 8192);
	} else {
		g_assert_cmpint(vmstat_value(vm_after, "zone_reclaim_success"), ==, 0);
		g_assert_cmpint(vmstat_value(vm_after, "zone_reclaim_failed"), ==, 0);
	}
	g_assert_cmpint(vmstat_value(vm_after, "oom_kill"), ==, 1);
	dmesg_path = g_build_filename(dir, "dmesg.txt", NULL);
	dmesg = ps_test_slurp(dmesg_path);
	victim = g_strdup_printf("oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=0,"
				 "task=workload,pid=%d,",
				 rec->victim);
	g_assert_nonnull(strstr(dmesg, victim));

	/* pagesim run --snapshot before.kpageflags.gz --proc DIR (policy mode) */
	run = g_build_filename(tmp, "policy", NULL);
	before = g_build_filename(dir, "before.kpageflags.gz", NULL);
	sum = ps_test_policy_run(cfg, trace, before, dir, run);
	for (size_t i = 0; i < G_N_ELEMENTS(counters); i++) {
		double sim_v, obs_v;

		fidelity_pair(sum, counters[i], &sim_v, &obs_v);
		if (g_test_verbose())
			g_printerr("%s %-16s model %8.0f kernel %8.0f ratio %.3f\n", name,
				   counters[i], sim_v, obs_v, sim_v / obs_v);
		if (obs_v == 0) { /* no interleave here */
			g_assert_cmpfloat(sim_v, ==, 0);
			continue;
		}
		g_assert_cmpfloat(obs_v, >, 1000);
		g_assert_cmpfloat(fabs(sim_v / obs_v - 1.0), <=, 0.10);
	}
	/*
	 * allocstall: each of these kernels' direct reclaims reclaimed nothing (nr_reclaimed=0),
	 * and do_try_to_free_pages counts ALLOCSTALL again on its memcg_full_walk retry: two a
	 * call (zrm1 168 for 84). The model's fruitless calls count two as well (zrm0 and zrm1:
	 * node reclaim in nr1 puts pages into pgsteal_direct, so not told apart there).
	 */
	{
		double sim_stall, obs_stall, sim_dr, obs_dr;

		fidelity_pair(sum, "allocstall", &sim_stall, &obs_stall);
		fidelity_pair(sum, "direct_reclaims", &sim_dr, &obs_dr);
		if (g_test_verbose())
			g_printerr(
			    "%s allocstall model %.0f kernel %.0f; direct reclaims model %.0f "
			    "kernel %.0f\n",
			    name, sim_stall, obs_stall, sim_dr, obs_dr);
		g_assert_cmpfloat(obs_dr, >, 0);
		g_assert_cmpfloat(obs_stall, ==, 2 * obs_dr);
		if (!rec->node_reclaim)
			g_assert_cmpfloat(sim_stall, ==, 2 * sim_dr);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bands); i++) {
		double sim_v, obs_v;

		fidelity_pair(sum, bands[i].counter, &sim_v, &obs_v);
		ps_test_band_assert_held(name, bands[i].counter, sim_v, obs_v, bands[i].band,
					 numa_pol_held[rec - numa_pol_recs].bound[i],
					 numa_pol_held[rec - numa_pol_recs].taken);
	}
	cJSON_Delete(sum);
	if (rec->node_reclaim)
		check_node_reclaim(rec, dir, run);
	else
		g_assert_cmpuint(ps_test_run_vmstat(run, "zone_reclaim_success"), ==, 0);

	/* pages allocated per node: the traced allocations, the model's own zoneinfo */
	check_node_allocs(name, dir, run, trace, &cfg->spec, (const double[2]){0.10, 0.10});
	/*
	 * NR_FILE_MAPPED, which node_reclaim leaves out of the page cache it may take: the
	 * snapshot's zoneinfo count (node 0: the lab's shmem rootfs the tasks had mapped), held
	 * for the run (policy/reclaim.c)
	 */
	{
		g_autofree char *zi_before = g_build_filename(dir, "before.zoneinfo", NULL);
		g_autofree char *zi_run = g_build_filename(run, "zoneinfo", NULL);
		uint64_t k_mapped[PS_MAX_NODES], model_mapped[PS_MAX_NODES];

		node_sum(zi_before, "nr_mapped", k_mapped);
		node_sum(zi_run, "nr_mapped", model_mapped);
		g_assert_cmpuint(k_mapped[0], >, 0);
		for (int n = 0; n < 2; n++)
			g_assert_cmpuint(model_mapped[n], ==, k_mapped[n]);
	}

	/* the model's OOM kill */
	events_path = g_build_filename(run, "events.jsonl", NULL);
	g_assert_true(g_file_get_contents(events_path, &events, NULL, NULL));
	kill = strstr(events, "\"type\":\"oom_kill\"");
	if (g_test_verbose())
		g_printerr("%s model oom_kill: %.*s\n", name, kill ? 200 : 4, kill ? kill : "none");
	if (rec->model_kills) {
		g_autofree char *pid = g_strdup_printf("\"pid\":%d,", rec->victim);

		g_assert_nonnull(kill);
		g_assert_nonnull(strstr(kill, pid));
		g_assert_nonnull(strstr(kill, "\"constraint\":\"CONSTRAINT_MEMORY_POLICY\""));
		g_assert_nonnull(strstr(kill, "\"nodemask\":\"0\""));
		g_assert_null(strstr(kill + 1, "\"type\":\"oom_kill\""));
	} else {
		g_assert_null(kill); /* the known miss above */
	}
	g_free(events);
	ps_config_free(cfg);
	ps_test_rm_rf(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(recs); i++) {
		const char *n = recs[i].shipped ? "lab-churn-migrate-" : "";
		g_autofree char *path = g_strdup_printf("/sim/qemu/pinned/%s%s", n, recs[i].name);
		g_autofree char *mpath =
		    g_strdup_printf("/sim/qemu/mobility/%s%s", n, recs[i].name);
		g_autofree char *ppath = g_strdup_printf("/sim/qemu/policy/%s%s", n, recs[i].name);
		g_autofree char *fpath =
		    g_strdup_printf("/sim/qemu/fit-named/%s%s", n, recs[i].name);

		g_test_add_data_func(path, &recs[i], test_pinned);
		g_test_add_data_func(mpath, &recs[i], test_mobility);
		g_test_add_data_func(fpath, &recs[i], test_fit_named);
		g_test_add_data_func(ppath, &recs[i], test_policy);
	}
	for (size_t i = 0; i < 3; i++) {
		g_autofree char *path =
		    g_strdup_printf("/sim/qemu/compact-from-mid/%s", recs[i].name);

		g_test_add_data_func(path, &recs[i], test_compact_from_mid);
	}
	g_test_add_data_func("/sim/qemu/ratios/realdata", &ratio_sets[0], test_ratios);
	g_test_add_data_func("/sim/qemu/ratios/shipped", &ratio_sets[1], test_ratios);
	g_test_add_func("/sim/qemu/vmstat-error", test_vmstat_error);
	g_test_add_func("/sim/qemu/numa", test_numa);
	g_test_add_data_func("/sim/qemu/pinned/qemu-arm64-4k-numa-6.18.2", &numa_rec, test_pinned);
	g_test_add_func("/sim/qemu/pinned/lab-numa-settle", test_pinned_settle);
	g_test_add_func("/sim/qemu/pinned/lab-numa-settle-unknown", test_pinned_settle_unknown);
	g_test_add_func("/sim/qemu/settle-model/lab-numa-settle", test_settle_model);
	g_test_add_func("/sim/qemu/settle-auto/lab-numa-settle", test_settle_auto_lab);
	for (size_t i = 0; i < G_N_ELEMENTS(numa_pol_recs); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sim/qemu/numa-policies/%s", numa_pol_recs[i].name);

		g_test_add_data_func(path, &numa_pol_recs[i], test_numa_policies);
	}
	return g_test_run();
}
