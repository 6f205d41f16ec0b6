// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-metrics.c - report/metrics.c and what it prints: free pages from buddyinfo counts, the
 * unusable free space index and the fragmentation index (computed by mm/vmstat.c, tested in
 * tests/mm/test-vmstat.c) as debugfs prints them, byte for byte, on the worked examples of
 * kernel-facts §13 (items 8-10),
 * every buddyinfo in ../shared/realdata (and the extfrag_index files recorded beside two of
 * them), and the running kernel's own debugfs when it is readable.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../common/fixture.h"
#include "../common/kf13-zones.h"
#include "report/report.h"

static void test_free_pages_13_8(void)
{
	g_assert_cmpuint(ps_nr_free_pages_from_counts(kf13_dma32_counts, 11), ==, 772918);
	/* 2 * 512 + 752 * 1024 */
	g_assert_cmpuint(ps_nr_free_pages_blocks_from_counts(kf13_dma32_counts, 11, 9), ==, 771072);
	g_assert_cmpuint(ps_nr_free_pages_from_counts(kf13_normal_counts, 11), ==, 331695);
	g_assert_cmpuint(ps_nr_free_pages_from_counts(kf13_dma_counts, 11), ==, 3840);
}

static void test_unusable_13_9(void)
{
	g_autoptr(GString) u = g_string_new(NULL);
	g_autoptr(GString) e = g_string_new(NULL);

	ps_format_unusable_index_line(u, 0, "Normal", kf13_normal_counts, 11);
	g_assert_cmpstr(u->str, ==,
			"Node 0, zone   Normal 0.000 0.004 0.011 0.021 0.037 0.058 0.085 0.115 "
			"0.172 0.288 0.416 \n");
	ps_format_extfrag_index_line(e, 0, "Normal", kf13_normal_counts, 11);
	g_assert_cmpstr(e->str, ==,
			"Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 "
			"-1.000 -1.000 -1.000 -1.000 \n");
}

static void test_extfrag_13_10(void)
{
	g_autoptr(GString) e = g_string_new(NULL);
	g_autoptr(GString) u = g_string_new(NULL);

	g_assert_cmpuint(ps_nr_free_pages_from_counts(kf13_synthetic_counts, 11), ==, 568);
	ps_format_extfrag_index_line(e, 3, "DMA32", kf13_synthetic_counts, 11);
	g_assert_cmpstr(e->str, ==,
			"Node 3, zone    DMA32 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000  "
			"0.972  0.983  0.989  0.992 \n");
	/* Nothing of order >= 7 is free: all free memory is unusable from there up. */
	ps_format_unusable_index_line(u, 3, "DMA32", kf13_synthetic_counts, 11);
	g_assert_cmpstr(u->str, ==,
			"Node 3, zone    DMA32 0.000 0.176 0.352 0.492 0.633 0.774 0.887 1.000 "
			"1.000 1.000 1.000 \n");
}

static void test_edge_cases(void)
{
	static const uint64_t one_page[11] = {1};
	g_autoptr(GString) e = g_string_new(NULL);
	g_autoptr(GString) csv = g_string_new(NULL);

	/*
	 * One order-0 block asked for at order 1 has the index -500. The kernel prints
	 * -500 / 1000 = 0 and -500 % 1000 = -500 as " 0.-500"; the CSV form is a real decimal.
	 */
	ps_format_extfrag_index_line(e, 0, "DMA", one_page, 2);
	g_assert_cmpstr(e->str, ==, "Node 0, zone      DMA -1.000  0.-500 \n");
	ps_format_index(csv, -500);
	g_string_append_c(csv, ' ');
	ps_format_index(csv, -1000);
	g_string_append_c(csv, ' ');
	ps_format_index(csv, 972);
	g_string_append_c(csv, ' ');
	ps_format_index(csv, 1000);
	g_string_append_c(csv, ' ');
	ps_format_index(csv, 4);
	g_assert_cmpstr(csv->str, ==, "-0.500 -1.000 0.972 1.000 0.004");
}

static PsMachine *small_machine(uint32_t page_size)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, page_size, 2);
	if (page_size == 4096) {
		fixture_zone(&spec, 0, PS_ZONE_DMA, 1, 4095, 3840);
		fixture_zone(&spec, 0, PS_ZONE_NORMAL, 4096, 16384, 16384);
	} else {
		/* Two max-order blocks whatever the page size. */
		fixture_zone(&spec, 0, PS_ZONE_NORMAL, 1u << spec.max_order, 2u << spec.max_order,
			     2u << spec.max_order);
	}
	return fixture_machine(&spec);
}

static void test_orders_by_page_size(void)
{
	static const uint32_t sizes[] = {4096, 16384, 65536};
	static const unsigned order_2m[] = {9, 7, 5}, hpage[] = {9, 11, 13};

	for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autoptr(PsMachine) m = small_machine(sizes[i]);

		g_assert_cmpuint(ps_order_2m(m), ==, order_2m[i]);
		g_assert_cmpuint((uint64_t)m->page_size << ps_order_2m(m), ==, 2u << 20);
		g_assert_cmpuint(ps_compaction_hpage_order(m), ==, hpage[i]);
	}
}

/*
 * A fresh 4K machine: DMA [1, 4096) manages its last 3840 pages, freed as blocks of order 8 at
 * 256, 9 at 512 and 10 at 1024, 2048, 3072 (as on the real DMA zone); Normal holds 16 order-10
 * blocks. DMA at order 9: S = 1 + 3 * 2 = 7, (3840 - 3584) * 1000 / 3840 = 66; order 10: 200.
 */
static void test_machine_files(void)
{
	g_autoptr(PsMachine) m = small_machine(4096);
	g_autoptr(GString) u = g_string_new(NULL);
	g_autoptr(GString) e = g_string_new(NULL);
	PsZone *dma = ps_machine_zone(m, 0, PS_ZONE_DMA);

	ps_format_unusable_index(m, u);
	g_assert_cmpstr(u->str, ==,
			"Node 0, zone      DMA 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 "
			"0.000 0.066 0.200 \n"
			"Node 0, zone   Normal 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 "
			"0.000 0.000 0.000 \n");
	ps_format_extfrag_index(m, e);
	g_assert_cmpuint(e->len, ==, 2 * strlen("Node 0, zone      DMA \n") + 2 * 11 * 7);
	g_assert_nonnull(strstr(e->str, "Node 0, zone   Normal -1.000 "));
	/*
	 * Proactive score: DMA 6 weighted by 3840 / (3840 + 16384 + 1) = 1 (23040 / 20225),
	 * Normal 0.
	 */
	g_assert_cmpint(ps_fragmentation_score_zone(m, dma), ==, 6);
	g_assert_cmpuint(ps_fragmentation_score_node(m, 0), ==, 1);
}

static void assert_parse_error(const char *text, const char *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) zones = ps_buddyinfo_parse(text, "bi", &error);

	g_assert_null(zones);
	g_assert_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE);
	if (!g_str_has_prefix(error->message, want))
		g_error("'%s' does not start with '%s'", error->message, want);
}

static void test_buddyinfo_parse(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) zones =
	    ps_buddyinfo_parse("Node 0, zone      DMA      1      0      3 \n"
			       "\n"
			       "Node 12, zone   Normal 130376  36589      7\n",
			       "bi", &error);
	const PsBuddyinfoZone *z;

	g_assert_no_error(error);
	g_assert_cmpuint(zones->len, ==, 2);
	z = &g_array_index(zones, PsBuddyinfoZone, 1);
	g_assert_cmpint(z->node, ==, 12);
	g_assert_cmpstr(z->zone, ==, "Normal");
	g_assert_cmpuint(z->nr_orders, ==, 3);
	g_assert_cmpuint(z->nr_free[0], ==, 130376);
	g_assert_cmpuint(z->nr_free[2], ==, 7);

	assert_parse_error("", "bi:0: no zone lines");
	assert_parse_error("Node x, zone DMA 1 2\n", "bi:1: bad node number");
	assert_parse_error("Node 0 zone DMA 1 2\n", "bi:1: bad node number");
	assert_parse_error("Node 0, DMA 1 2\n", "bi:1: expected 'zone'");
	assert_parse_error("Node 0, zone DMA 1 2\nNode 0, zone Normal 1 2 3\n",
			   "bi:2: 3 free block counts, line 1 has 2");
	assert_parse_error("Node 0, zone DMA 1 -2\n", "bi:1: a free block count is not a number");
	assert_parse_error("Node 0, zone DMA 1 2x\n", "bi:1: a free block count is not a number");
	assert_parse_error("Node 0, zone DMA\n", "bi:1: no free block counts");
	assert_parse_error("Node 0, zone DMA 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
			   "bi:1: more orders than any page size has");
	assert_parse_error("zone DMA 1\n", "bi:1: expected 'Node N, zone NAME counts...'");
}

/* ---- real recordings ------------------------------------------------------------------- */

static const char *realdata(void)
{
	const char *rd = g_getenv("PAGESIM_REALDATA");

	return rd && g_file_test(rd, G_FILE_TEST_IS_DIR) ? rd : NULL;
}

/* "-1.000", "0.981", " 0.972" -> thousandths. */
static int parse_thousandths(const char **p)
{
	const char *s = *p;
	int sign = 1, v = 0;

	while (*s == ' ')
		s++;
	if (*s == '-') {
		sign = -1;
		s++;
	}
	g_assert_true(g_ascii_isdigit(s[0]) && s[1] == '.' && g_ascii_isdigit(s[2]) &&
		      g_ascii_isdigit(s[3]) && g_ascii_isdigit(s[4]));
	v = (s[0] - '0') * 1000 + (s[2] - '0') * 100 + (s[3] - '0') * 10 + (s[4] - '0');
	*p = s + 5;
	return sign * v;
}

/*
 * Every buddyinfo in the recordings: the indices of every zone and order hold the kernel's
 * invariants, and the debugfs text reads back as the same values.
 */
static void test_realdata_all(void)
{
	const char *rd = realdata();
	g_autoptr(GDir) top = NULL;
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	unsigned nzones = 0;

	if (!rd) {
		g_test_skip("PAGESIM_REALDATA not available");
		return;
	}
	top = g_dir_open(rd, 0, NULL);
	g_assert_nonnull(top);
	while ((name = g_dir_read_name(top))) {
		g_autofree char *sub = g_build_filename(rd, name, NULL);
		g_autoptr(GDir) d = g_dir_open(sub, 0, NULL);
		const char *f;

		while (d && (f = g_dir_read_name(d)))
			if (strstr(f, "buddyinfo"))
				g_ptr_array_add(files, g_build_filename(sub, f, NULL));
	}
	/* ftrace-*: 2 x 2, jc, pcp-qa-1node, procfs-fixture, linuxmm-fb: 2 */
	g_assert_cmpuint(files->len, >=, 9);

	for (guint i = 0; i < files->len; i++) {
		const char *path = files->pdata[i];
		g_autofree char *text = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GArray) zones = NULL;

		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		zones = ps_buddyinfo_parse(text, path, &error);
		g_assert_no_error(error);
		/* Every zone line of the file, none skipped. */
		{
			guint lines = 0;

			for (const char *q = text; (q = strstr(q, "Node ")); q++)
				lines++;
			g_assert_cmpuint(zones->len, ==, lines);
		}
		for (guint k = 0; k < zones->len; k++) {
			const PsBuddyinfoZone *z = &g_array_index(zones, PsBuddyinfoZone, k);
			uint64_t free_pages =
			    ps_nr_free_pages_from_counts(z->nr_free, z->nr_orders);
			g_autoptr(GString) u = g_string_new(NULL);
			g_autoptr(GString) e = g_string_new(NULL);
			const char *pu, *pe;
			uint64_t above = 0;
			int prev = 0;

			/* MAX_PAGE_ORDER + 1 of the recording's page size: the qemu-arm64 16K
			 * and 64K kernels have 12 and 14 orders, every other recording 11. */
			g_assert_cmpuint(z->nr_orders, ==,
					 strstr(path, "-16k-")	 ? 12
					 : strstr(path, "-64k-") ? 14
								 : 11);
			ps_format_unusable_index_line(u, z->node, z->zone, z->nr_free,
						      z->nr_orders);
			ps_format_extfrag_index_line(e, z->node, z->zone, z->nr_free, z->nr_orders);
			pu = u->str + strlen("Node 0, zone      DMA");
			pe = e->str + strlen("Node 0, zone      DMA");
			for (unsigned o = z->nr_orders; o-- > 0;)
				above += z->nr_free[o];
			for (unsigned o = 0; o < z->nr_orders; o++) {
				int ui = ps_unusable_index(z->nr_free, z->nr_orders, o);
				int fi = ps_fragmentation_index(z->nr_free, z->nr_orders, o);

				/* Unusable grows with the order; nothing is unusable at order 0. */
				g_assert_cmpint(ui, >=, prev);
				g_assert_cmpint(ui, <=, 1000);
				if (o == 0 && free_pages)
					g_assert_cmpint(ui, ==, 0);
				prev = ui;
				/* -1000 exactly when a block of this order or larger is free. */
				if (above)
					g_assert_cmpint(fi, ==, -1000);
				else
					g_assert_cmpint(fi, >, -1000);
				g_assert_cmpint(fi, <, 1000);
				above -= z->nr_free[o];
				g_assert_cmpint(parse_thousandths(&pu), ==, ui);
				g_assert_cmpint(parse_thousandths(&pe), ==, fi);
			}
			g_assert_cmpstr(pu, ==, " \n");
			g_assert_cmpstr(pe, ==, " \n");
			nzones++;
		}
	}
	g_test_message("%u buddyinfo files, %u zones", files->len, nzones);
	g_assert_cmpuint(nzones, >=, files->len);
}

/*
 * linuxmm-fb-2node-3.10-vs-4.0 recorded buddyinfo and extfrag_index one after the other, not at
 * the same instant (its SOURCE.md). Computed from buddyinfo with the kernel's formula, each zone
 * agrees with the extfrag_index file on the orders in `match` and differs on the others:
 *
 *  3.10 DMA          all orders -1.000 in both.
 *  3.10 DMA32        orders 0-6 -1.000 in both; orders 7-10 computed -1.000 0.979 0.990 0.995,
 *                    file 0.981 0.991 0.996 0.998. buddyinfo still had its one order-7 block
 *                    (F 34968, B 6480); when extfrag_index was read it was gone, and the file's
 *                    values imply about 2 free pages per block instead of 5.4.
 *  3.10 Normal 0     orders 0-6 match; 7-10 computed -1.000 -1.000 0.985 0.993 (109 order-8
 *                    blocks in buddyinfo), file 0.977 0.989 0.995 0.998 (none above order 6).
 *  3.10 Normal 1     orders 0-6 match; 7-10 computed 0.992 0.996 0.998 0.999, file 0.982 0.991
 *                    0.996 0.998 (F 6790, B 6025: 5956 order-0 blocks in buddyinfo).
 *  4.0  DMA          all orders -1.000 in both.
 *  4.0  DMA32        orders 0-3 match; 4-10 computed 0.892 0.946 0.973 0.987 0.994 0.997
 *                    0.999, file 0.868 0.934 0.967 0.984 0.992 0.996 0.998 (F 31162, B 17934).
 *  4.0  Normal 0     orders 0-4 and 10 match; 5-9 computed 0.960 0.980 0.990 0.995 0.998, file
 *                    -1.000 0.972 0.986 0.993 0.997: buddyinfo's largest block is order 4, the
 *                    file was read while an order-5 block existed. Order 10 is 0.999 in both.
 *  4.0  Normal 1     the same pattern: orders 0-4 and 10 match; 5-9 computed 0.959 0.980 0.990
 *                    0.995 0.998, file -1.000 0.972 0.986 0.993 0.997.
 *
 * Every -1.000 that follows from buddyinfo below its smallest missing order agrees; none of the
 * positive values below order 10 does, so the test asserts the formula's values for the whole
 * rows and equality with the file only where the two snapshots agree. The files are in the 3.10
 * and 4.0 print format ("%d.%03d" for extfrag too, no padding), so they are compared as numbers.
 */
typedef struct {
	const char *version;
	int node;
	const char *zone;
	int computed[11];
	unsigned match; /* bit o: the file equals the computed value at order o */
} ExtfragExpect;

#define M 1000
static const ExtfragExpect fb_expect[] = {
    {"3.10", 0, "DMA", {-M, -M, -M, -M, -M, -M, -M, -M, -M, -M, -M}, 0x7ff},
    {"3.10", 0, "DMA32", {-M, -M, -M, -M, -M, -M, -M, -M, 979, 990, 995}, 0x07f},
    {"3.10", 0, "Normal", {-M, -M, -M, -M, -M, -M, -M, -M, -M, 985, 993}, 0x07f},
    {"3.10", 1, "Normal", {-M, -M, -M, -M, -M, -M, -M, 992, 996, 998, 999}, 0x07f},
    {"4.0", 0, "DMA", {-M, -M, -M, -M, -M, -M, -M, -M, -M, -M, -M}, 0x7ff},
    {"4.0", 0, "DMA32", {-M, -M, -M, -M, 892, 946, 973, 987, 994, 997, 999}, 0x00f},
    {"4.0", 0, "Normal", {-M, -M, -M, -M, -M, 960, 980, 990, 995, 998, 999}, 0x41f},
    {"4.0", 1, "Normal", {-M, -M, -M, -M, -M, 959, 980, 990, 995, 998, 999}, 0x41f},
};
#undef M

static void test_realdata_extfrag_files(void)
{
	const char *rd = realdata();
	unsigned matched = 0, differed = 0;

	if (!rd) {
		g_test_skip("PAGESIM_REALDATA not available");
		return;
	}
	for (const char *const *v = (const char *const[]){"3.10", "4.0", NULL}; *v; v++) {
		g_autofree char *bname = g_strdup_printf("buddyinfo-%s.txt", *v);
		g_autofree char *ename = g_strdup_printf("extfrag_index-%s.txt", *v);
		g_autofree char *bpath =
		    g_build_filename(rd, "linuxmm-fb-2node-3.10-vs-4.0", bname, NULL);
		g_autofree char *epath =
		    g_build_filename(rd, "linuxmm-fb-2node-3.10-vs-4.0", ename, NULL);
		g_autofree char *btext = NULL, *etext = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GArray) zones = NULL;
		g_auto(GStrv) elines = NULL;

		g_assert_true(g_file_get_contents(bpath, &btext, NULL, NULL));
		g_assert_true(g_file_get_contents(epath, &etext, NULL, NULL));
		zones = ps_buddyinfo_parse(btext, bpath, &error);
		g_assert_no_error(error);
		elines = g_strsplit(etext, "\n", -1);
		g_assert_cmpuint(zones->len, ==, 4);

		for (guint k = 0; k < zones->len; k++) {
			const PsBuddyinfoZone *z = &g_array_index(zones, PsBuddyinfoZone, k);
			const ExtfragExpect *x = NULL;
			g_autofree char *prefix =
			    g_strdup_printf("Node %d, zone %8s ", z->node, z->zone);
			const char *p = elines[k];

			for (gsize i = 0; i < G_N_ELEMENTS(fb_expect); i++)
				if (!strcmp(fb_expect[i].version, *v) &&
				    fb_expect[i].node == z->node &&
				    !strcmp(fb_expect[i].zone, z->zone))
					x = &fb_expect[i];
			g_assert_nonnull(x);
			g_assert_true(g_str_has_prefix(p, prefix));
			p += strlen(prefix);
			for (unsigned o = 0; o < z->nr_orders; o++) {
				int fi = ps_fragmentation_index(z->nr_free, z->nr_orders, o);
				int file = parse_thousandths(&p);

				g_assert_cmpint(fi, ==, x->computed[o]);
				if (x->match & (1u << o)) {
					g_assert_cmpint(file, ==, fi);
					matched++;
				} else {
					g_assert_cmpint(file, !=, fi);
					differed++;
				}
			}
		}
	}
	g_test_message("extfrag_index vs buddyinfo: %u entries equal, %u differ", matched,
		       differed);
	g_assert_cmpuint(matched, ==, 59);
	g_assert_cmpuint(differed, ==, 29);
}

/* ---- the running kernel ---------------------------------------------------------------- */

#define DEBUGFS_EXTFRAG "/sys/kernel/debug/extfrag"

static gboolean debugfs_available(void)
{
	g_autofree char *path = g_build_filename(DEBUGFS_EXTFRAG, "unusable_index", NULL);

	if (g_file_test(path, G_FILE_TEST_EXISTS))
		return g_access(path, R_OK) == 0;
	/* debugfs not mounted: as root, mount it where the kernel documents it. */
	if (geteuid() == 0 && g_file_test("/sys/kernel/debug", G_FILE_TEST_IS_DIR) &&
	    mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) == 0)
		return g_access(path, R_OK) == 0;
	return FALSE;
}

static char *format_all(const char *buddyinfo, gboolean extfrag)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) zones = ps_buddyinfo_parse(buddyinfo, "/proc/buddyinfo", &error);
	GString *out = g_string_new(NULL);

	g_assert_no_error(error);
	for (guint k = 0; k < zones->len; k++) {
		const PsBuddyinfoZone *z = &g_array_index(zones, PsBuddyinfoZone, k);

		if (extfrag)
			ps_format_extfrag_index_line(out, z->node, z->zone, z->nr_free,
						     z->nr_orders);
		else
			ps_format_unusable_index_line(out, z->node, z->zone, z->nr_free,
						      z->nr_orders);
	}
	return g_string_free(out, FALSE);
}

/*
 * Reads /proc/buddyinfo, both debugfs files, and /proc/buddyinfo again; when the two buddyinfo
 * reads agree, nothing moved in between, and our text must equal the kernel's. Other reads are
 * retried: a machine that is never still for a few microseconds cannot be checked.
 */
static void test_live_debugfs(void)
{
	unsigned consistent = 0, mismatched = 0;

	if (!debugfs_available()) {
		g_test_skip(DEBUGFS_EXTFRAG " is not readable");
		return;
	}
	for (int attempt = 0; attempt < 200; attempt++) {
		g_autofree char *b1 = NULL, *b2 = NULL, *u = NULL, *e = NULL;
		g_autofree char *mine_u = NULL, *mine_e = NULL;

		g_assert_true(g_file_get_contents("/proc/buddyinfo", &b1, NULL, NULL));
		g_assert_true(
		    g_file_get_contents(DEBUGFS_EXTFRAG "/unusable_index", &u, NULL, NULL));
		g_assert_true(
		    g_file_get_contents(DEBUGFS_EXTFRAG "/extfrag_index", &e, NULL, NULL));
		g_assert_true(g_file_get_contents("/proc/buddyinfo", &b2, NULL, NULL));
		if (strcmp(b1, b2) != 0)
			continue;
		consistent++;
		mine_u = format_all(b1, FALSE);
		mine_e = format_all(b1, TRUE);
		if (!strcmp(mine_u, u) && !strcmp(mine_e, e)) {
			g_test_message("matched debugfs after %d reads (%u consistent, %u of them "
				       "different):\n%s%s",
				       attempt + 1, consistent, mismatched, u, e);
			return;
		}
		mismatched++;
		if (mismatched >= 20) {
			g_assert_cmpstr(mine_u, ==, u);
			g_assert_cmpstr(mine_e, ==, e);
		}
	}
	if (!consistent) {
		g_test_skip("/proc/buddyinfo never stayed still across two reads");
		return;
	}
	g_error("no consistent read matched debugfs (%u consistent)", consistent);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/metrics/free-pages-13.8", test_free_pages_13_8);
	g_test_add_func("/report/metrics/unusable-13.9", test_unusable_13_9);
	g_test_add_func("/report/metrics/extfrag-13.10", test_extfrag_13_10);
	g_test_add_func("/report/metrics/edge-cases", test_edge_cases);
	g_test_add_func("/report/metrics/orders-by-page-size", test_orders_by_page_size);
	g_test_add_func("/report/metrics/machine-files", test_machine_files);
	g_test_add_func("/report/metrics/buddyinfo-parse", test_buddyinfo_parse);
	g_test_add_func("/report/metrics/realdata/all-buddyinfo", test_realdata_all);
	g_test_add_func("/report/metrics/realdata/extfrag-files", test_realdata_extfrag_files);
	g_test_add_func("/report/metrics/live-debugfs", test_live_debugfs);
	return g_test_run();
}
