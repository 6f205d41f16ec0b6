// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-pcp-start.c - a portable import's pcp lists at the start (the trace header's pcp_start)
 * on a machine of 16 cpus, from the import to the replay's restored lists.
 *
 * A synthetic ftrace text of 16 cpus names one block on every pcp list of each (orders 0-3,
 * Unmovable, Movable, Reclaimable: 192 lists) by the first pcp allocation of it; the portable
 * import writes all 192 lists into the header (import.c, note_pcp_start), and a policy replay
 * from an all-free snapshot whose zoneinfo gives each cpu those 45 pages fills each list with
 * one block of its order (snapshot-pcp.c, start_from_header). The replay stops before the
 * allocations, so the lists are as the start left them. Before the header's lists were a flat
 * array sized from the recording, they were at most 96 (8 cpus): cpus 8-15 started empty.
 *
 * /sim/pcp-start/names-nothing: a trace that names no page (a portable one without the header's
 * lists, or replayed at another page size) on the same snapshot, whose zoneinfo gives cpu 0 200
 * pages and cpu 1 100: each cpu's lists hold its count (snapshot-pcp.c, start_names_nothing),
 * order-0 pages only, the flagless pages of the Movable pageblock first (cpu 0 200 of its 240,
 * cpu 1 the other 40), then the lowest flagless pages of another pcp type (cpu 1 60 of the
 * Unmovable pageblock 0). Before, both cpus started empty and those pages stayed allocated.
 */
#include "config/config.h"
#include "mm/mm.h"
#include "sim/sim.h"
#include "policy-run.h"
#include "test-util.h"
#include "trace/trace.h"

#define NR_CPUS	     16
#define START_PFN    262144u /* Normal at 1 GiB */
#define NR_PAGES     16384u  /* 64 MiB */
#define KPF_SLAB     (1ull << 7)
#define KPF_BUDDY    (1ull << 10)
#define KPF_RESERVED (1ull << 32)

static const char *const gfp_of_mt[PS_MT_PCPTYPES] = {
    [PS_MT_UNMOVABLE] = "GFP_KERNEL",
    [PS_MT_MOVABLE] = "GFP_HIGHUSER_MOVABLE",
    [PS_MT_RECLAIMABLE] = "GFP_KERNEL|__GFP_RECLAIMABLE",
};

/*
 * The recording: a buddy allocation of order 4 at 1.000000 (the first record, t 0, no pcp
 * list's), then from 1.000100 one pcp allocation a list, cpu by cpu, of a block of its order.
 */
static char *recording_text(void)
{
	GString *s = g_string_new("# tracer: nop\n#P:16\n  cc-9  [000] .....  1.000000: "
				  "mm_page_alloc: page=01 pfn=0x40000 order=4 migratetype=0 "
				  "gfp_flags=GFP_KERNEL\n");
	unsigned k = 0;

	for (int c = 0; c < NR_CPUS; c++)
		for (int o = 0; o <= PS_TRACE_PCP_START_ORDER; o++)
			for (int mt = 0; mt < PS_MT_PCPTYPES; mt++, k++)
				g_string_append_printf(
				    s,
				    "  cc-9  [%03d] .....  1.%06u: mm_page_alloc: page=01 pfn=0x%x "
				    "order=%d migratetype=%d gfp_flags=%s\n",
				    c, 100 + k, START_PFN + 1024 + 8 * k, o, mt, gfp_of_mt[mt]);
	return g_string_free(s, FALSE);
}

/*
 * The snapshot: pages on a pcp list are flagless in kpageflags, and the start fills a list with
 * flagless pages of a pageblock of the list's type (snapshot-pcp.c, add_unnamed_to). Pageblock 0
 * all flagless (Unmovable), pageblock 1 240 flagless pages and the rest slab (Reclaimable),
 * pageblock 2 240 flagless and the rest free (Movable), the others free; each type's 16 cpus
 * take 240 pages (15 a cpu). zoneinfo gives each cpu its 45 pages, pagetypeinfo the types.
 */
static void write_snapshot(const char *dir)
{
	static const char pagetypeinfo[] = "Number of blocks type     Unmovable      Movable  "
					   "Reclaimable   HighAtomic      Isolate \n"
					   "Node 0, zone   Normal            1           30        "
					   "    1            0            0 \n";
	uint64_t n = START_PFN + NR_PAGES;
	g_autofree uint64_t *f = g_new(uint64_t, n);
	g_autofree char *kpf = g_build_filename(dir, "before.kpageflags", NULL);
	g_autofree char *zi = g_build_filename(dir, "before.zoneinfo", NULL);
	g_autofree char *pti = g_build_filename(dir, "before.pagetypeinfo", NULL);
	GString *z = g_string_new("Node 0, zone   Normal\n  pages free     15600\n  pagesets\n");

	for (uint64_t p = 0; p < n; p++) {
		uint64_t off = p - START_PFN;

		if (p < START_PFN)
			f[p] = KPF_RESERVED;
		else if (off < 512 || (off < 1536 && off % 512 < 240))
			f[p] = 0;
		else if (off < 1024)
			f[p] = KPF_SLAB;
		else
			f[p] = KPF_BUDDY;
		f[p] = GUINT64_TO_LE(f[p]);
	}
	g_assert_true(g_file_set_contents(kpf, (const char *)f, (gssize)(n * 8), NULL));
	for (int c = 0; c < NR_CPUS; c++)
		g_string_append_printf(z,
				       "    cpu: %d\n              count: 45\n              high:  "
				       "1000\n              batch: 63\n",
				       c);
	g_assert_true(g_file_set_contents(zi, z->str, (gssize)z->len, NULL));
	g_string_free(z, TRUE);
	g_assert_true(g_file_set_contents(pti, pagetypeinfo, -1, NULL));
}

/*
 * A policy replay of jsonl from the snapshot in dir, stopped before the allocations (the trace
 * cache in cache, which the first replay writes and the second reads: the header's lists then
 * come from the entry): one block on every list of every cpu.
 */
static void replay_and_check(const char *dir, const char *jsonl, const char *cache)
{
	g_autofree char *out = g_build_filename(dir, "run", NULL);
	g_autofree char *kpf = g_build_filename(dir, "before.kpageflags", NULL);
	g_autoptr(PsConfig) cfg = ps_test_config_text(
	    "{\"page_size\":4096,\"cpus\":16,\"nodes\":[{\"zones\":{\"Normal\":{\"start_bytes\":"
	    "1073741824,\"spanned_bytes\":67108864}}}]}");
	PsRunOptions opts = {
	    .out_dir = out, .seed = 1, .until_ns = 50000, .trace_cache_dir = cache};
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSim) s = ps_sim_new(cfg, &opts, &error);
	PsMachine *m;
	PsZone *z;

	g_assert_no_error(error);
	if (!ps_sim_load_snapshot(s, kpf, dir, &error))
		g_error("snapshot: %s", error->message);
	if (!ps_sim_run(s, jsonl, &error))
		g_error("run: %s", error->message);
	m = ps_sim_machine(s);
	z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	for (int c = 0; c < NR_CPUS; c++)
		for (unsigned o = 0; o <= PS_TRACE_PCP_START_ORDER; o++)
			for (int mt = 0; mt < PS_MT_PCPTYPES; mt++) {
				const PsList *l =
				    &z->pcp[c]
					 .lists[ps_pcp_list_index(m, o, (enum ps_migratetype)mt)];

				if (l->len != 1)
					g_error("cpu %d order %u type %d: %u blocks at the start, "
						"want 1",
						c, o, mt, (unsigned)l->len);
			}
	ps_test_rm_rf(out);
}

static void test_pcp_start_16_cpus(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-pcp-start-XXXXXX");
	g_autofree char *txt = g_build_filename(dir, "trace.txt", NULL);
	g_autofree char *jsonl = g_build_filename(dir, "t.jsonl", NULL);
	g_autofree char *cache = g_build_filename(dir, "cache", NULL);
	g_autofree char *text = recording_text();
	PsImportOptions iopts = {.portable = true};
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	PsTraceHeader hdr;
	PsTraceReader *r;

	g_assert_true(g_file_set_contents(txt, text, -1, NULL));
	if (!ps_trace_import(txt, jsonl, &iopts, &st, &error))
		g_error("import: %s", error->message);
	r = ps_trace_reader_open(jsonl, &hdr, &error);
	g_assert_no_error(error);
	g_assert_cmpint(hdr.cpus, ==, NR_CPUS);
	g_assert_true(hdr.has_pcp_start);
	g_assert_cmpint(hdr.n_pcp_start, ==, NR_CPUS * 12);
	g_assert_cmpuint(st.port.pcp_start_left_out, ==, 0);
	g_assert_cmpuint(hdr.pcp_start[191].cpu, ==, 15);
	g_assert_cmpuint(hdr.pcp_start[191].bytes, ==, 8 * 4096);
	ps_trace_reader_close(r);

	write_snapshot(dir);
	replay_and_check(dir, jsonl, NULL);
	replay_and_check(dir, jsonl, cache); /* parses, writes the entry */
	replay_and_check(dir, jsonl, cache); /* from the entry */
	r = ps_trace_reader_open_cached(jsonl, cache, NULL, &hdr, &error);
	g_assert_no_error(error);
	g_assert_true(ps_trace_reader_cached(r));
	g_assert_cmpint(hdr.n_pcp_start, ==, NR_CPUS * 12);
	g_assert_cmpuint(hdr.pcp_start[191].cpu, ==, 15);
	ps_trace_reader_close(r);
	ps_test_rm_rf(dir);
}

/* The pages on z's pcp lists of cpu of order and mt. */
static unsigned list_pages(const PsMachine *m, const PsZone *z, int cpu, unsigned order,
			   enum ps_migratetype mt)
{
	return (unsigned)z->pcp[cpu].lists[ps_pcp_list_index(m, order, mt)].len << order;
}

/* A replay as replay_and_check's of a trace that names no page, on 2 cpus (200 and 100 pages). */
static void replay_names_nothing(const char *dir, const char *jsonl, const char *cache)
{
	g_autofree char *out = g_build_filename(dir, "run", NULL);
	g_autofree char *kpf = g_build_filename(dir, "before.kpageflags", NULL);
	g_autoptr(PsConfig) cfg = ps_test_config_text(
	    "{\"page_size\":4096,\"cpus\":2,\"nodes\":[{\"zones\":{\"Normal\":{\"start_bytes\":"
	    "1073741824,\"spanned_bytes\":67108864}}}]}");
	PsRunOptions opts = {
	    .out_dir = out, .seed = 1, .until_ns = 50000, .trace_cache_dir = cache};
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSim) s = ps_sim_new(cfg, &opts, &error);
	const PsMachine *m;
	const PsZone *z;

	g_assert_no_error(error);
	if (!ps_sim_load_snapshot(s, kpf, dir, &error))
		g_error("snapshot: %s", error->message);
	if (!ps_sim_run(s, jsonl, &error))
		g_error("run: %s", error->message);
	m = ps_sim_machine(s);
	z = ps_machine_zone(ps_sim_machine(s), 0, PS_ZONE_NORMAL);
	g_assert_cmpint(z->pcp[0].count, ==, 200);
	g_assert_cmpint(z->pcp[1].count, ==, 100);
	g_assert_cmpuint(list_pages(m, z, 0, 0, PS_MT_MOVABLE), ==, 200);
	g_assert_cmpuint(list_pages(m, z, 1, 0, PS_MT_MOVABLE), ==, 40);
	g_assert_cmpuint(list_pages(m, z, 1, 0, PS_MT_UNMOVABLE), ==, 60);
	/* the Movable lists hold pageblock 2's pages (its flagless 240), the Unmovable one 0's */
	for (int c = 0; c < 2; c++)
		for (int mt = PS_MT_UNMOVABLE; mt <= PS_MT_MOVABLE; mt++) {
			const PsList *l =
			    &z->pcp[c].lists[ps_pcp_list_index(m, 0, (enum ps_migratetype)mt)];

			for (ps_pfn_t p = l->head; p != PS_PFN_NONE; p = ps_list_next(m, l, p))
				g_assert_cmpuint((p - START_PFN) / 512, ==,
						 mt == PS_MT_MOVABLE ? 2 : 0);
		}
	ps_test_rm_rf(out);
}

static void test_pcp_start_names_nothing(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-pcp-start-XXXXXX");
	g_autofree char *jsonl = g_build_filename(dir, "t.jsonl", NULL);
	g_autofree char *cache = g_build_filename(dir, "cache", NULL);
	g_autofree char *zi = g_build_filename(dir, "before.zoneinfo", NULL);
	static const char trace[] =
	    "{\"pagesim_trace\":1,\"source\":\"ftrace\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":5,\"comm\":\"a\"}\n"
	    "{\"t\":100000,\"op\":\"map\",\"pid\":5,\"addr\":4194304,\"len\":65536,"
	    "\"cpu\":0}\n"
	    "{\"t\":100000,\"op\":\"touch\",\"pid\":5,\"addr\":4194304,\"len\":4096,"
	    "\"cpu\":0}\n";
	static const char zoneinfo[] = "Node 0, zone   Normal\n  pages free     15600\n  pagesets\n"
				       "    cpu: 0\n              count: 200\n              high:  "
				       "1000\n              batch: 63\n"
				       "    cpu: 1\n              count: 100\n              high:  "
				       "1000\n              batch: 63\n";

	write_snapshot(dir);
	g_assert_true(g_file_set_contents(zi, zoneinfo, -1, NULL));
	g_assert_true(g_file_set_contents(jsonl, trace, -1, NULL));
	replay_names_nothing(dir, jsonl, NULL);
	replay_names_nothing(dir, jsonl, cache); /* parses, writes the entry */
	replay_names_nothing(dir, jsonl, cache); /* from the entry */
	ps_test_rm_rf(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/pcp-start/16-cpus", test_pcp_start_16_cpus);
	g_test_add_func("/sim/pcp-start/names-nothing", test_pcp_start_names_nothing);
	return g_test_run();
}
