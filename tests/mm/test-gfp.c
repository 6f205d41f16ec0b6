// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-gfp.c - GFP masks: composite values (kernel-facts §10.7, §13.16), the printer's table
 * order, parse errors that name the bad token, gfp_zone() and gfp_migratetype() tables, and
 * the round trip of every gfp_flags string of the real 6.18 ftrace recordings.
 */
#include "mm/mm.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t parse_ok(const char *s)
{
	g_autoptr(GError) error = NULL;
	uint64_t gfp = 0xdeadbeef;

	if (!ps_gfp_parse(s, &gfp, &error))
		g_error("parsing \"%s\" failed: %s", s, error->message);
	return gfp;
}

static void assert_format(uint64_t gfp, const char *expected)
{
	g_autofree char *s = ps_gfp_format(gfp);

	g_assert_cmpstr(s, ==, expected);
}

/* Values written out as numbers, from kernel-facts §10.7 and §13.16, not from mm.h. */
static void test_composites(void)
{
	static const struct {
		const char *name;
		uint64_t value;
	} table[] = {
	    {"GFP_ATOMIC", 0x820},
	    {"GFP_NOWAIT", 0x2800},
	    {"GFP_NOIO", 0xc00},
	    {"GFP_NOFS", 0xc40},
	    {"GFP_KERNEL", 0xcc0},
	    {"GFP_KERNEL_ACCOUNT", 0x400cc0},
	    {"GFP_USER", 0x100cc0},
	    {"GFP_HIGHUSER", 0x100cc2},
	    {"GFP_HIGHUSER_MOVABLE", 0x100cca},
	    {"GFP_TRANSHUGE_LIGHT", 0x1c20ca},
	    {"GFP_TRANSHUGE", 0x1c24ca},
	    {"GFP_DMA", 0x1},
	    {"GFP_DMA32", 0x4},
	    {"__GFP_RECLAIM", 0xc00},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(table); i++)
		g_assert_cmphex(parse_ok(table[i].name), ==, table[i].value);

	/* The header's macros agree with the same numbers. */
	g_assert_cmphex(PS_GFP_KERNEL, ==, 0xcc0);
	g_assert_cmphex(PS_GFP_ATOMIC, ==, 0x820);
	g_assert_cmphex(PS_GFP_NOWAIT, ==, 0x2800);
	g_assert_cmphex(PS_GFP_HIGHUSER_MOVABLE, ==, 0x100cca);
	g_assert_cmphex(PS_GFP_TRANSHUGE, ==, 0x1c24ca);
	g_assert_cmphex(PS_GFP_TRANSHUGE_LIGHT, ==, 0x1c20ca);
	g_assert_cmphex(PS_GFP_KERNEL_ACCOUNT, ==, 0x400cc0);
}

/* Every single flag of §10.7, by name, to its bit; each prints as its own name. */
static void test_single_flags(void)
{
	static const struct {
		const char *name;
		uint64_t value;
		const char *printed; /* NULL: printed as the name */
	} table[] = {
	    {"__GFP_DMA", 0x1, "GFP_DMA"},
	    {"__GFP_HIGHMEM", 0x2, NULL},
	    {"__GFP_DMA32", 0x4, "GFP_DMA32"},
	    {"__GFP_MOVABLE", 0x8, NULL},
	    {"__GFP_RECLAIMABLE", 0x10, NULL},
	    {"__GFP_HIGH", 0x20, NULL},
	    {"__GFP_IO", 0x40, NULL},
	    {"__GFP_FS", 0x80, NULL},
	    {"__GFP_ZERO", 0x100, NULL},
	    {"__GFP_DIRECT_RECLAIM", 0x400, NULL},
	    {"__GFP_KSWAPD_RECLAIM", 0x800, NULL},
	    {"__GFP_WRITE", 0x1000, NULL},
	    {"__GFP_NOWARN", 0x2000, NULL},
	    {"__GFP_RETRY_MAYFAIL", 0x4000, NULL},
	    {"__GFP_NOFAIL", 0x8000, NULL},
	    {"__GFP_NORETRY", 0x10000, NULL},
	    {"__GFP_MEMALLOC", 0x20000, NULL},
	    {"__GFP_COMP", 0x40000, NULL},
	    {"__GFP_NOMEMALLOC", 0x80000, NULL},
	    {"__GFP_HARDWALL", 0x100000, NULL},
	    {"__GFP_THISNODE", 0x200000, NULL},
	    {"__GFP_ACCOUNT", 0x400000, NULL},
	    {"__GFP_ZEROTAGS", 0x800000, NULL},
	    {"__GFP_NO_OBJ_EXT", 0x1000000, NULL},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(table); i++) {
		g_assert_cmphex(parse_ok(table[i].name), ==, table[i].value);
		assert_format(table[i].value, table[i].printed ? table[i].printed : table[i].name);
	}
}

/* Table order decides names: first composite whose bits are all set, then the rest. */
static void test_format_order(void)
{
	assert_format(0, "none");
	assert_format(0xcc0, "GFP_KERNEL");
	/* Both reclaim bits alone: GFP_NOIO comes before __GFP_RECLAIM in the table. */
	assert_format(0xc00, "GFP_NOIO");
	assert_format(0x820, "GFP_ATOMIC");
	/* USER before KERNEL: not "GFP_KERNEL|__GFP_HARDWALL". */
	assert_format(0x100cc0, "GFP_USER");
	/* KERNEL_ACCOUNT before KERNEL. */
	assert_format(0x400cc0, "GFP_KERNEL_ACCOUNT");
	/* HIGHUSER + ACCOUNT: not KERNEL_ACCOUNT, whose bits are taken by HIGHUSER first. */
	assert_format(0x100cc2 | 0x400000, "GFP_HIGHUSER|__GFP_ACCOUNT");
	assert_format(0x1c24ca, "GFP_TRANSHUGE");
	assert_format(0x1c20ca, "GFP_TRANSHUGE_LIGHT");
	/* TRANSHUGE_LIGHT + KSWAPD reclaim: LIGHT, then the leftover single. */
	assert_format(0x1c20ca | 0x800, "GFP_TRANSHUGE_LIGHT|__GFP_KSWAPD_RECLAIM");
	/* Singles in bit order, whatever order they were written in. */
	assert_format(parse_ok("__GFP_COMP|__GFP_ZERO|GFP_HIGHUSER_MOVABLE"),
		      "GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP");
	/* Bit 9 is unused and bits above 24 are unknown: printed as hex, lower case. */
	assert_format(0x200, "0x200");
	assert_format(0xcc0 | 0x200 | 0xA000000ull, "GFP_KERNEL|0xa000200");
	assert_format(0x1 | 0x2, "GFP_DMA|__GFP_HIGHMEM");
	assert_format(0x4 | 0x8 | 0x10, "GFP_DMA32|__GFP_MOVABLE|__GFP_RECLAIMABLE");
}

static void test_parse_forms(void)
{
	g_assert_cmphex(parse_ok("none"), ==, 0);
	g_assert_cmphex(parse_ok("0"), ==, 0);
	g_assert_cmphex(parse_ok("0x0"), ==, 0);
	g_assert_cmphex(parse_ok("0x100cca"), ==, 0x100cca);
	g_assert_cmphex(parse_ok("0X100CCA"), ==, 0x100cca);
	g_assert_cmphex(parse_ok("3264"), ==, 0xcc0);
	g_assert_cmphex(parse_ok("GFP_KERNEL|0x2000000"), ==, 0x2000cc0);
	g_assert_cmphex(parse_ok(" GFP_KERNEL | __GFP_ZERO "), ==, 0xdc0);
	g_assert_cmphex(parse_ok("GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|"
				 "__GFP_COMP|__GFP_HARDWALL"),
			==, 0xc40 | 0x2 | 0x8 | 0x2000 | 0x10000 | 0x40000 | 0x100000);
	/* Redundant names are fine: the mask is a union. */
	g_assert_cmphex(parse_ok("GFP_KERNEL|__GFP_IO|__GFP_RECLAIM"), ==, 0xcc0);
}

static void assert_parse_error(const char *s, const char *token)
{
	g_autoptr(GError) error = NULL;
	uint64_t gfp = 0x1234;

	g_assert_false(ps_gfp_parse(s, &gfp, &error));
	g_assert_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC);
	g_assert_cmphex(gfp, ==, 0x1234); /* untouched on failure */
	if (token && !strstr(error->message, token))
		g_error("error for \"%s\" does not name \"%s\": %s", s, token, error->message);
}

static void test_parse_errors(void)
{
	assert_parse_error("GFP_KERNEL|__GFP_BOGUS", "\"__GFP_BOGUS\"");
	assert_parse_error("gfp_kernel", "\"gfp_kernel\"");
	assert_parse_error("GFP_KERNEL|0xZZ", "\"0xZZ\"");
	assert_parse_error("0x", "\"0x\"");
	assert_parse_error("12abc", "\"12abc\"");
	assert_parse_error("-1", "\"-1\"");
	assert_parse_error("0x10000000000000000", "\"0x10000000000000000\"");
	/* Not on this build (KASAN_HW_TAGS / LOCKDEP only). */
	assert_parse_error("__GFP_SKIP_KASAN", "\"__GFP_SKIP_KASAN\"");
	assert_parse_error("__GFP_NOLOCKDEP", "\"__GFP_NOLOCKDEP\"");
	assert_parse_error("", NULL);
	assert_parse_error("   ", NULL);
	assert_parse_error("GFP_KERNEL|", "empty");
	assert_parse_error("GFP_KERNEL||__GFP_ZERO", "empty");
	/* "none" is only the whole mask. */
	assert_parse_error("GFP_KERNEL|none", "\"none\"");
}

/* format(x) parses back to x, for random masks over the known bits and some unknown ones. */
static void test_roundtrip_random(void)
{
	GRand *rand = g_rand_new_with_seed(2024); /* test data only */
	int i;

	for (i = 0; i < 20000; i++) {
		uint64_t x = ((uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand));
		g_autofree char *s = NULL;
		g_autofree char *again = NULL;

		/* Mostly known bits, sometimes unknown ones too. */
		if (i % 4)
			x &= 0x1fffdffull;
		s = ps_gfp_format(x);
		g_assert_cmphex(parse_ok(s), ==, x);
		again = ps_gfp_format(parse_ok(s));
		g_assert_cmpstr(again, ==, s);
	}
	g_rand_free(rand);
}

/* gfp_zone over all 16 zone-modifier combinations (kernel-facts §1.1). */
static void test_gfp_zone(void)
{
	static const enum ps_zone_type expect[16] = {
	    [0x0] = PS_ZONE_NORMAL,  [0x1] = PS_ZONE_DMA,
	    [0x2] = PS_ZONE_NORMAL, /* HIGHMEM folds into Normal on 64-bit */
	    [0x3] = PS_MAX_NR_ZONES, [0x4] = PS_ZONE_DMA32,
	    [0x5] = PS_MAX_NR_ZONES, [0x6] = PS_MAX_NR_ZONES,
	    [0x7] = PS_MAX_NR_ZONES, [0x8] = PS_ZONE_NORMAL, /* MOVABLE alone */
	    [0x9] = PS_ZONE_DMA,     [0xa] = PS_ZONE_MOVABLE,
	    [0xb] = PS_MAX_NR_ZONES, [0xc] = PS_ZONE_DMA32,
	    [0xd] = PS_MAX_NR_ZONES, [0xe] = PS_MAX_NR_ZONES,
	    [0xf] = PS_MAX_NR_ZONES,
	};
	uint64_t bits;

	for (bits = 0; bits < 16; bits++) {
		g_assert_cmpint(ps_gfp_zone(bits), ==, expect[bits]);
		/* Non-zone bits never change the answer. */
		g_assert_cmpint(ps_gfp_zone(bits | 0x1fffff0ull), ==, expect[bits]);
	}
	/* §13.16 */
	g_assert_cmpint(ps_gfp_zone(PS_GFP_KERNEL), ==, 2);
	g_assert_cmpint(ps_gfp_zone(PS_GFP_HIGHUSER_MOVABLE), ==, 3);
	g_assert_cmpint(ps_gfp_zone(PS_GFP_DMA32), ==, 1);
	g_assert_cmpint(ps_gfp_zone(PS_GFP_USER), ==, PS_ZONE_NORMAL);
	g_assert_cmpint(ps_gfp_zone(PS_GFP_HIGHUSER), ==, PS_ZONE_NORMAL);
	g_assert_cmpint(ps_gfp_zone(PS_GFP_TRANSHUGE), ==, PS_ZONE_MOVABLE);
	g_assert_cmpint(ps_gfp_zone(PS_GFP_KERNEL | PS_GFP_DMA), ==, PS_ZONE_DMA);
}

static void test_gfp_migratetype(void)
{
	/* §13.16 */
	g_assert_cmpint(ps_gfp_migratetype(PS_GFP_HIGHUSER_MOVABLE), ==, 1);
	g_assert_cmpint(ps_gfp_migratetype(PS_GFP_RECLAIMABLE), ==, 2);
	g_assert_cmpint(ps_gfp_migratetype(PS_GFP_KERNEL), ==, 0);
	g_assert_cmpint(ps_gfp_migratetype(PS_GFP_KERNEL | PS_GFP_RECLAIMABLE), ==,
			PS_MT_RECLAIMABLE);
	g_assert_cmpint(ps_gfp_migratetype(PS_GFP_ATOMIC), ==, PS_MT_UNMOVABLE);
	g_assert_cmpint(ps_gfp_migratetype(PS_GFP_TRANSHUGE), ==, PS_MT_MOVABLE);
	/* Both mobility bits: a caller bug in the kernel; never HIGHATOMIC here. */
	g_assert_cmpint(ps_gfp_migratetype(PS_GFP_MOVABLE | PS_GFP_RECLAIMABLE), ==,
			PS_MT_UNMOVABLE);
}

/* Collects the distinct "gfp_flags=" values of a gzip-compressed tracefs text file. */
static guint collect_gfp_strings(const char *path, GHashTable *seen)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GError) error = NULL;
	g_autoptr(GFileInputStream) raw = g_file_read(file, NULL, &error);
	g_autoptr(GZlibDecompressor) gunzip = NULL;
	g_autoptr(GInputStream) plain = NULL;
	g_autoptr(GDataInputStream) lines = NULL;
	guint nr_lines = 0;
	char *line;

	g_assert_no_error(error);
	gunzip = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
	plain = g_converter_input_stream_new(G_INPUT_STREAM(raw), G_CONVERTER(gunzip));
	lines = g_data_input_stream_new(plain);
	g_buffered_input_stream_set_buffer_size(G_BUFFERED_INPUT_STREAM(lines), 1 << 16);

	while ((line = g_data_input_stream_read_line(lines, NULL, NULL, &error))) {
		const char *p = strstr(line, " gfp_flags=");

		nr_lines++;
		if (p) {
			const char *v = p + strlen(" gfp_flags=");
			size_t len = strcspn(v, " \t\r");

			g_hash_table_add(seen, g_strndup(v, len));
		}
		g_free(line);
	}
	g_assert_no_error(error);
	return nr_lines;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_realdata_roundtrip(void)
{
	static const char *const recordings[] = {"ftrace-build-6.18", "ftrace-compact-6.18"};
	const char *dir = g_getenv("PAGESIM_REALDATA");
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree const char **sorted = NULL;
	guint nr_found = 0;
	guint n;
	size_t i;

	if (!dir) {
		g_test_skip("PAGESIM_REALDATA is not set");
		return;
	}
	for (i = 0; i < G_N_ELEMENTS(recordings); i++) {
		g_autofree char *path = g_build_filename(dir, recordings[i], "trace.txt.gz", NULL);

		if (!g_file_test(path, G_FILE_TEST_EXISTS))
			continue;
		g_assert_cmpuint(collect_gfp_strings(path, seen), >, 1000);
		nr_found++;
	}
	if (!nr_found) {
		g_test_skip("no ftrace recording under PAGESIM_REALDATA");
		return;
	}

	/* Sorted so that a failure always reports the same string first. */
	sorted = (const char **)g_hash_table_get_keys_as_array(seen, &n);
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	/* The build recording alone has 12 distinct strings. */
	g_assert_cmpuint(n, >=, 12);
	g_test_message("%u distinct gfp_flags strings in %u recordings", n, nr_found);
	for (i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *again = NULL;
		uint64_t gfp;

		if (!ps_gfp_parse(sorted[i], &gfp, &error))
			g_error("realdata gfp_flags=%s: %s", sorted[i], error->message);
		again = ps_gfp_format(gfp);
		g_assert_cmpstr(again, ==, sorted[i]);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mm/gfp/composites", test_composites);
	g_test_add_func("/mm/gfp/single-flags", test_single_flags);
	g_test_add_func("/mm/gfp/format-order", test_format_order);
	g_test_add_func("/mm/gfp/parse-forms", test_parse_forms);
	g_test_add_func("/mm/gfp/parse-errors", test_parse_errors);
	g_test_add_func("/mm/gfp/roundtrip-random", test_roundtrip_random);
	g_test_add_func("/mm/gfp/zone", test_gfp_zone);
	g_test_add_func("/mm/gfp/migratetype", test_gfp_migratetype);
	g_test_add_func("/mm/gfp/realdata-roundtrip", test_realdata_roundtrip);
	return g_test_run();
}
