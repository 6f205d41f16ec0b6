// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-cli.c - the pagesim binary (path in argv[1]): `config show` prints zoneinfo on stdout and
 * the two extra figures on stderr; `config from-proc` writes a config that shows back the
 * original watermarks; bad configs exit non-zero with `file:line: key: ...`.
 */
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *pagesim;

static int run(const char *const *args, char **out, char **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_ptr_array_add(argv, (gpointer)pagesim);
	for (int i = 0; args[i]; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
			  &status, &error))
		g_error("spawn: %s", error->message);
	return g_spawn_check_wait_status(status, NULL) ? 0 : 1;
}

static char *shipped(const char *name)
{
	return g_build_filename(g_getenv("PAGESIM_SRCDIR"), "configs", name, NULL);
}

static void test_show(void)
{
	g_autofree char *cfg = shipped("small-4k-64m.json");
	g_autofree char *out = NULL, *err = NULL;
	const char *args[] = {"config", "show", cfg, NULL};

	g_assert_cmpint(run(args, &out, &err), ==, 0);
	g_assert_true(g_str_has_prefix(out, "Node 0, zone      DMA\n  per-node stats\n"));
	g_assert_nonnull(strstr(out, "Node 0, zone   Device\n  pages free     0\n"));
	/* Everything on stdout: the zoneinfo, then what zoneinfo has no line for. */
	g_assert_nonnull(strstr(out, "\n\n# not in /proc/zoneinfo\nmin_free_kbytes "));
	g_assert_nonnull(strstr(out, "\ntotalreserve_pages "));
	g_assert_cmpstr(err, ==, "");
}

/* --format zoneinfo: exactly the /proc file, to diff with a real machine's. */
static void test_show_zoneinfo_exact(void)
{
	g_autofree char *cfg = shipped("small-4k-64m.json");
	g_autofree char *out = NULL, *err = NULL;
	const char *args[] = {"config", "show", "--format", "zoneinfo", cfg, NULL};

	g_assert_cmpint(run(args, &out, &err), ==, 0);
	g_assert_true(g_str_has_prefix(out, "Node 0, zone      DMA\n  per-node stats\n"));
	g_assert_null(strstr(out, "min_free_kbytes"));
	g_assert_null(strstr(out, "#"));
	g_assert_cmpstr(err, ==, "");
}

static void test_show_formats(void)
{
	g_autofree char *cfg = shipped("small-4k-64m.json");
	static const char *const fmts[] = {"buddyinfo", "pagetypeinfo", "vmstat"};
	static const char *const first[] = {"Node 0, zone      DMA ", "Page block order: 9\n",
					    "nr_free_pages "};

	for (gsize i = 0; i < G_N_ELEMENTS(fmts); i++) {
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"config", "show", "--format", fmts[i], cfg, NULL};

		g_assert_cmpint(run(args, &out, &err), ==, 0);
		g_assert_true(g_str_has_prefix(out, first[i]));
	}
}

static void test_from_proc_roundtrip(void)
{
	const char *rd = g_getenv("PAGESIM_REALDATA");
	g_autofree char *zi =
	    rd ? g_build_filename(rd, "ftrace-build-6.18", "before.zoneinfo", NULL) : NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("pagesim-cli-XXXXXX", &error);
	g_autofree char *cfg = g_build_filename(dir, "mirror.json", NULL);
	g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *orig = NULL;
	const char *args[] = {"config", "from-proc", "--zoneinfo", zi,	"--page-size",
			      "4096",	"-o",	     cfg,	   NULL};
	const char *show[] = {"config", "show", cfg, NULL};
	const char *show_exact[] = {"config", "show", "--format", "zoneinfo", cfg, NULL};
	g_autofree char *out3 = NULL, *err3 = NULL;
	g_auto(GStrv) a = NULL, b = NULL;

	if (!zi || !g_file_get_contents(zi, &orig, NULL, NULL)) {
		g_test_skip("realdata not available");
		return;
	}
	g_assert_cmpint(run(args, &out, &err), ==, 0);
	g_assert_true(g_file_test(cfg, G_FILE_TEST_EXISTS));
	g_assert_cmpint(run(show, &out2, &err2), ==, 0);
	g_assert_nonnull(strstr(out2, "\nmin_free_kbytes 67584\n"));
	g_assert_nonnull(strstr(out2, "\ntotalreserve_pages 31155\n"));
	/* Every watermark, protection and pcp limit line equals the real file's. */
	g_assert_cmpint(run(show_exact, &out3, &err3), ==, 0);
	a = g_strsplit(orig, "\n", -1);
	b = g_strsplit(out3, "\n", -1);
	g_assert_cmpuint(g_strv_length(a), ==, g_strv_length(b));
	for (int i = 0; a[i]; i++) {
		const char *s = a[i] + strspn(a[i], " ");

		if (g_str_has_prefix(s, "min ") || g_str_has_prefix(s, "low ") ||
		    g_str_has_prefix(s, "high ") || g_str_has_prefix(s, "promo ") ||
		    g_str_has_prefix(s, "protection:") || g_str_has_prefix(s, "batch:") ||
		    g_str_has_prefix(s, "high_min:") || g_str_has_prefix(s, "high_max:") ||
		    g_str_has_prefix(s, "managed ") || g_str_has_prefix(s, "start_pfn:") ||
		    g_str_has_prefix(s, "vm stats threshold:") || g_str_has_prefix(s, "Node "))
			g_assert_cmpstr(a[i], ==, b[i]);
	}
	g_unlink(cfg);
	g_rmdir(dir);
}

/*
 * A new temporary directory (returned) holding a copy of ftrace-build-6.18's before.zoneinfo
 * (*zcopy), for from-proc to look beside; NULL when realdata is not available.
 */
static char *zoneinfo_dir(char **zcopy)
{
	const char *rd = g_getenv("PAGESIM_REALDATA");
	g_autofree char *zi =
	    rd ? g_build_filename(rd, "ftrace-build-6.18", "before.zoneinfo", NULL) : NULL;
	g_autofree char *orig = NULL;
	char *dir;

	if (!zi || !g_file_get_contents(zi, &orig, NULL, NULL))
		return NULL;
	dir = g_dir_make_tmp("pagesim-cli-XXXXXX", NULL);
	*zcopy = g_build_filename(dir, "before.zoneinfo", NULL);
	g_assert_true(g_file_set_contents(*zcopy, orig, -1, NULL));
	return dir;
}

/*
 * A from-proc run of the zoneinfo copy in its own directory, at 4 KiB pages, with a file name
 * beside it (file) for the test to write: what the capture-file tests share.
 */
typedef struct {
	char *zcopy, *dir, *file, *cfg;
	const char *args[11]; /* room for one option with its value at 8, 9 */
} Beside;

static bool beside_init(Beside *b, const char *name)
{
	const char *args[] = {"config", "from-proc", "--zoneinfo", NULL, "--page-size", "4096",
			      "-o",	NULL,	     NULL,	   NULL, NULL};

	memset(b, 0, sizeof(*b));
	b->dir = zoneinfo_dir(&b->zcopy);
	if (!b->dir) {
		g_test_skip("realdata not available");
		return false;
	}
	b->file = g_build_filename(b->dir, name, NULL);
	b->cfg = g_build_filename(b->dir, "c.json", NULL);
	memcpy(b->args, args, sizeof(args));
	b->args[3] = b->zcopy;
	b->args[7] = b->cfg;
	return true;
}

static void beside_clear(Beside *b)
{
	g_unlink(b->cfg);
	g_unlink(b->file);
	g_unlink(b->zcopy);
	g_rmdir(b->dir);
	g_free(b->cfg);
	g_free(b->file);
	g_free(b->zcopy);
	g_free(b->dir);
}

/*
 * The data-cache slice (PCPF_FREE_HIGH_BATCH): 0 when a dmesg.txt beside the zoneinfo says the
 * kernel found no cache hierarchy (the qemu lab's), --cpu-data-slice-kib over that, absent else.
 */
static void test_from_proc_cache_slice(void)
{
	g_autofree char *zcopy = NULL;
	g_autofree char *dir = zoneinfo_dir(&zcopy);
	g_autofree char *dmesg = dir ? g_build_filename(dir, "dmesg.txt", NULL) : NULL;
	g_autofree char *cfg = dir ? g_build_filename(dir, "c.json", NULL) : NULL;
	g_autofree char *text = NULL;
	const char *args[] = {"config", "from-proc", "--zoneinfo", zcopy, "--page-size", "4096",
			      "-o",	cfg,	     NULL,	   NULL,  NULL};

	if (!dir) {
		g_test_skip("realdata not available");
		return;
	}
	g_assert_cmpint(run(args, NULL, NULL), ==, 0);
	g_assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
	g_assert_null(strstr(text, "cpu_data_slice_kib"));
	g_free(text);
	g_assert_true(g_file_set_contents(
	    dmesg, "[    0.01] cacheinfo: Unable to detect cache hierarchy for CPU 0\n", -1, NULL));
	g_assert_cmpint(run(args, NULL, NULL), ==, 0);
	g_assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, "\"cpu_data_slice_kib\":\t0,"));
	g_assert_nonnull(strstr(text, "dmesg.txt: \\\"cacheinfo: Unable to detect"));
	g_free(text);
	args[8] = "--cpu-data-slice-kib";
	args[9] = "1024";
	g_assert_cmpint(run(args, NULL, NULL), ==, 0);
	g_assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, "\"cpu_data_slice_kib\":\t1024,"));
	g_assert_nonnull(strstr(text, "given: --cpu-data-slice-kib"));
	g_unlink(cfg);
	g_unlink(dmesg);
	g_unlink(zcopy);
	g_rmdir(dir);
}

/*
 * shmem_enabled from the THP a capture writes beside the zoneinfo: its own "shmem_enabled" line
 * (the bracketed value), not the per-size hugepages-<size>kB/shmem_enabled ones; without the
 * file or the line the default never (no key, no provenance). Only deny and force are taken: the
 * others govern shm_mnt, while tmpfs files follow their mount's huge= (shmem_huge_global_enabled),
 * so within_size keeps never and says why. A line selecting nothing is an error naming the file,
 * line and field.
 */
/*
 * One from-proc run with THP holding HEAD then LINE (neither: no THP file); the config's text in
 * *text when it exits 0, its stderr in *err. Both are freed first.
 */
static void thp_case(Beside *b, const char *head, const char *line, int want_rc, char **text,
		     char **err)
{
	g_clear_pointer(text, g_free);
	g_clear_pointer(err, g_free);
	if (head) {
		g_autofree char *t = g_strconcat(head, line, NULL);

		g_assert_true(g_file_set_contents(b->file, t, -1, NULL));
	}
	g_assert_cmpint(run(b->args, NULL, err), ==, want_rc);
	if (want_rc == 0)
		g_assert_true(g_file_get_contents(b->cfg, text, NULL, NULL));
}

static void test_from_proc_shmem_enabled(void)
{
	g_autofree char *text = NULL, *err = NULL;
	Beside b;
	static const char head[] =
	    "enabled: always [madvise] never\n"
	    "hugepages-2048kB/shmem_enabled: always [inherit] within_size advise never\n"
	    "hugepages-64kB/shmem_enabled: [always] inherit within_size advise never\n";

	if (!beside_init(&b, "THP"))
		return;
	thp_case(&b, NULL, NULL, 0, &text, &err);
	g_assert_null(strstr(text, "shmem_enabled"));
	/* no shmem_enabled line: the default */
	thp_case(&b, head, "", 0, &text, &err);
	g_assert_null(strstr(text, "shmem_enabled"));
	thp_case(&b, head, "shmem_enabled: always [within_size] advise never deny force\n", 0,
		 &text, &err);
	g_assert_null(strstr(text, "\"shmem_enabled\":\t\"within_size\""));
	g_assert_nonnull(strstr(text, "\"shmem_enabled\":\t\"default never: "));
	g_assert_nonnull(strstr(text, "says within_size"));
	thp_case(&b, head, "shmem_enabled: always within_size advise never deny [force]\n", 0,
		 &text, &err);
	g_assert_nonnull(strstr(text, "\"shmem_enabled\":\t\"force\""));
	g_assert_nonnull(strstr(text, "\"shmem_enabled\":\t\"file: "));
	thp_case(&b, head, "shmem_enabled: always within_size advise never\n", 1, &text, &err);
	g_assert_nonnull(strstr(err, "THP:4: shmem_enabled: \"always within_size advise never\" "
				     "selects none of"));
	thp_case(&b, "shmem_enabled: [sometimes]\n", "", 1, &text, &err);
	g_assert_nonnull(strstr(err, "THP:1: shmem_enabled: "));
	beside_clear(&b);
}

/*
 * THP's enabled, defrag and hugepages-<size>kB/enabled from the same THP file (shmem2's item 1
 * carried on): enabled sets "thp" (file: in the provenance; --thp still wins); a size's value
 * sets "hugepages" where it is not the boot default (inherit for the PMD size, 2048kB at 4 KiB,
 * never for the others); the per-size shmem_enabled lines and order-1 sizes without an enabled
 * line are not read; defrag goes to the provenance (the model follows madvise) and, when it is
 * not madvise, to stderr. Without the file: enabled inferred from min_free_kbytes, no
 * "hugepages", no defrag. A value selecting nothing, or a size that is no anonymous THP size of
 * the page size (8kB at 4 KiB: order 1), is an error naming the file and line.
 */
static void test_from_proc_thp_settings(void)
{
	g_autofree char *text = NULL, *err = NULL;
	Beside b;
	static const char set[] =
	    "anon_beside_full: 0\n"
	    "defrag: always defer [defer+madvise] madvise never\n"
	    "enabled: [always] madvise never\n"
	    "hugepages-16kB/enabled: always inherit [madvise] never\n"
	    "hugepages-16kB/shmem_enabled: [always] inherit within_size advise never\n"
	    "hugepages-2048kB/enabled: always [inherit] madvise never\n"
	    "hugepages-64kB/enabled: [always] inherit madvise never\n"
	    "hugepages-8kB/shmem_enabled: always inherit within_size advise [never]\n"
	    "khugepaged/defrag: 1\n";

	if (!beside_init(&b, "THP"))
		return;
	thp_case(&b, NULL, NULL, 0, &text, &err);
	g_assert_nonnull(strstr(text, "\"thp\":\t\"inferred: "));
	g_assert_null(strstr(text, "\"hugepages\""));
	g_assert_null(strstr(text, "\"thp_defrag\""));
	thp_case(&b, set, "", 0, &text, &err);
	g_assert_nonnull(strstr(text, "\"thp\":\t\"always\""));
	g_assert_nonnull(strstr(text, "\"thp\":\t\"file: "));
	g_assert_nonnull(strstr(
	    text, "\"hugepages\":\t{\n\t\t\"16kB\":\t\"madvise\",\n\t\t\"64kB\":\t\"always\"\n"
		  "\t}"));
	g_assert_nonnull(strstr(text, "THP (2 of 3 sizes not at the boot default"));
	g_assert_nonnull(strstr(text, "\"thp_defrag\":\t\"file: "));
	g_assert_nonnull(strstr(text, "says defer+madvise; the model's THP faults follow madvise"));
	g_assert_nonnull(strstr(err, "THP defrag is defer+madvise"));
	/* --thp over the file */
	b.args[8] = "--thp";
	b.args[9] = "never";
	thp_case(&b, set, "", 0, &text, &err);
	g_assert_nonnull(strstr(text, "\"thp\":\t\"never\""));
	g_assert_nonnull(strstr(text, "\"thp\":\t\"--thp\""));
	g_assert_nonnull(strstr(text, "\"64kB\":\t\"always\""));
	b.args[8] = NULL;
	/* the shipped captures' settings: every size at its default, defrag madvise */
	thp_case(&b,
		 "defrag: always defer defer+madvise [madvise] never\n"
		 "enabled: always [madvise] never\n"
		 "hugepages-2048kB/enabled: always [inherit] madvise never\n"
		 "hugepages-64kB/enabled: always inherit madvise [never]\n",
		 "", 0, &text, &err);
	g_assert_nonnull(strstr(text, "\"thp\":\t\"madvise\""));
	g_assert_nonnull(strstr(text, "\"hugepages\":\t\"file: "));
	g_assert_null(strstr(text, "\"hugepages\":\t{"));
	g_assert_nonnull(strstr(text, "(madvise, the model's rule)"));
	g_assert_null(strstr(err, "THP defrag"));
	/* errors: file, line, field */
	thp_case(&b, set, "enabled: always madvise never\n", 1, &text, &err);
	g_assert_nonnull(strstr(err, "THP:10: enabled: \"always madvise never\" selects none of "
				     "always, madvise, never"));
	thp_case(&b, "defrag: [often]\n", "", 1, &text, &err);
	g_assert_nonnull(strstr(err, "THP:1: defrag: \"[often]\" selects none of always, defer, "
				     "defer+madvise, madvise, never"));
	thp_case(&b, "enabled: [madvise]\n", "hugepages-64kB/enabled: always [default] never\n", 1,
		 &text, &err);
	g_assert_nonnull(strstr(err, "THP:2: hugepages-64kB/enabled: \"always [default] never\" "
				     "selects none of always, inherit, madvise, never"));
	thp_case(&b, "hugepages-8kB/enabled: [always] inherit madvise never\n", "", 1, &text, &err);
	g_assert_nonnull(strstr(err, "THP:1: hugepages-8kB/enabled: not an anonymous THP size of "
				     "4096-byte pages (16kB..2048kB, powers of two)"));
	thp_case(&b, "hugepages-64KB/enabled: [always]\n", "", 1, &text, &err);
	g_assert_nonnull(
	    strstr(err, "THP:1: hugepages-64KB/enabled: not hugepages-<size>kB/enabled"));
	/* a khugepaged value its sysfs file refuses at this page size: the file's line too */
	thp_case(&b, set, "khugepaged/max_ptes_none: 512\n", 1, &text, &err);
	g_assert_nonnull(strstr(err, "THP:10: khugepaged/max_ptes_none: 512 is outside 0..511 at "
				     "this page size"));
	thp_case(&b, set, "khugepaged/pages_to_scan: 0\n", 1, &text, &err);
	g_assert_nonnull(strstr(err, "THP:10: khugepaged/pages_to_scan: 0 is outside 1.."));
	beside_clear(&b);
}

/*
 * The recording disk's readahead window: page_cache.read_ahead_kb from the READ_AHEAD_KB
 * ("MAJ:MIN KB", pagesim-capture) beside the zoneinfo; without one the default, said on stderr;
 * a bad one an error naming the file, line and field.
 */
static void test_from_proc_read_ahead(void)
{
	g_autofree char *text = NULL, *err = NULL;
	Beside b;

	if (!beside_init(&b, "READ_AHEAD_KB"))
		return;
	g_assert_cmpint(run(b.args, NULL, &err), ==, 0);
	g_assert_nonnull(strstr(err, "READ_AHEAD_KB: page_cache.read_ahead_kb left at the kernel "
				     "default, 128 KiB"));
	g_assert_true(g_file_get_contents(b.cfg, &text, NULL, NULL));
	g_assert_null(strstr(text, "read_ahead_kb"));
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_true(g_file_set_contents(b.file, "254:0 8192\n", -1, NULL));
	g_assert_cmpint(run(b.args, NULL, &err), ==, 0);
	g_assert_null(strstr(err, "READ_AHEAD_KB"));
	g_assert_true(g_file_get_contents(b.cfg, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, "\"read_ahead_kb\":\t8192"));
	g_assert_nonnull(strstr(text, "\"page_cache.read_ahead_kb\":\t\"file: "));
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_true(g_file_set_contents(b.file, "254:0 0\n", -1, NULL));
	g_assert_cmpint(run(b.args, NULL, &err), ==, 1);
	g_assert_nonnull(
	    strstr(err, "READ_AHEAD_KB:1: read_ahead_kb: not an integer from 1 to 1048576"));
	g_clear_pointer(&err, g_free);
	g_assert_true(g_file_set_contents(b.file, "sda 8192\n", -1, NULL));
	g_assert_cmpint(run(b.args, NULL, &err), ==, 1);
	g_assert_nonnull(strstr(err, "READ_AHEAD_KB:1: device: not \"MAJ:MIN KB\""));
	beside_clear(&b);
}

/*
 * The live /proc: page_cache.read_ahead_kb is this machine's, the bdi's read_ahead_kb of the disk
 * holding the working directory (checked here against /sys/class/bdi, one of the places read).
 */
static void test_from_proc_live_read_ahead(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("pagesim-cli-XXXXXX", &error);
	g_autofree char *cfg = g_build_filename(dir, "live.json", NULL);
	g_autofree char *bdi = NULL, *kb = NULL, *text = NULL, *err = NULL, *want = NULL;
	const char *args[] = {"config", "from-proc", "-o", cfg, NULL};
	struct stat st;

	g_assert_no_error(error);
	g_assert_cmpint(stat(".", &st), ==, 0);
	bdi = g_strdup_printf("/sys/class/bdi/%u:%u/read_ahead_kb", major(st.st_dev),
			      minor(st.st_dev));
	if (!g_file_test("/proc/zoneinfo", G_FILE_TEST_IS_REGULAR) ||
	    !g_file_get_contents(bdi, &kb, NULL, NULL)) {
		g_test_skip("no /proc/zoneinfo or no bdi read_ahead_kb for the working directory");
		g_rmdir(dir);
		return;
	}
	g_assert_cmpint(run(args, NULL, &err), ==, 0);
	g_assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
	want = g_strdup_printf("\"read_ahead_kb\":\t%d", atoi(kb));
	g_assert_nonnull(strstr(text, want));
	g_assert_nonnull(strstr(text, "\"page_cache.read_ahead_kb\":\t\"file: /sys/"));
	g_assert_null(strstr(err, "read_ahead_kb left at the kernel default"));
	g_unlink(cfg);
	g_rmdir(dir);
}

static void test_bad_config(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("pagesim-cli-XXXXXX", &error);
	g_autofree char *cfg = g_build_filename(dir, "bad.json", NULL);
	g_autofree char *out = NULL, *err = NULL, *want = NULL;
	const char *args[] = {"config", "show", cfg, NULL};

	g_assert_true(g_file_set_contents(
	    cfg, "{\n  \"nodes\": [{\"zones\": {\"DMA\": {\"spanned\": 8}}}],\n  \"cpu\": 2\n}\n",
	    -1, NULL));
	g_assert_cmpint(run(args, &out, &err), !=, 0);
	want = g_strdup_printf("pagesim config show: %s:3: cpu: unknown key", cfg);
	g_assert_true(g_str_has_prefix(err, want));
	g_assert_cmpstr(out, ==, "");
	g_unlink(cfg);
	g_rmdir(dir);
}

/* A zoneinfo cut short was reported against "(generated config)", a text nobody saw. */
static void test_from_proc_truncated(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("pagesim-cli-XXXXXX", &error);
	g_autofree char *zi = g_build_filename(dir, "cut.zoneinfo", NULL);
	g_autofree char *cfg = g_build_filename(dir, "cut.json", NULL);
	g_autofree char *out = NULL, *err = NULL, *want = NULL;
	const char *args[] = {"config", "from-proc", "--zoneinfo", zi,	"--page-size",
			      "4096",	"-o",	     cfg,	   NULL};

	g_assert_true(g_file_set_contents(zi,
					  "Node 0, zone      DMA\n"
					  "  per-node stats\n"
					  "      nr_inactive_anon 0\n"
					  "  pages free     3968\n",
					  -1, NULL));
	g_assert_cmpint(run(args, &out, &err), !=, 0);
	want = g_strdup_printf("%s:4: zoneinfo: ", zi);
	if (!strstr(err, want) || strstr(err, "(generated config)"))
		g_error("'%s' does not say '%s'", err, want);
	g_assert_false(g_file_test(cfg, G_FILE_TEST_EXISTS));
	g_unlink(zi);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (argc < 2)
		g_error("usage: test-config-cli PATH-TO-PAGESIM");
	pagesim = argv[1];
	g_test_add_func("/config/cli/show-zoneinfo-exact", test_show_zoneinfo_exact);
	g_test_add_func("/config/cli/show", test_show);
	g_test_add_func("/config/cli/show-formats", test_show_formats);
	g_test_add_func("/config/cli/from-proc-roundtrip", test_from_proc_roundtrip);
	g_test_add_func("/config/cli/from-proc-cache-slice", test_from_proc_cache_slice);
	g_test_add_func("/config/cli/from-proc-read-ahead", test_from_proc_read_ahead);
	g_test_add_func("/config/cli/from-proc-shmem-enabled", test_from_proc_shmem_enabled);
	g_test_add_func("/config/cli/from-proc-thp-settings", test_from_proc_thp_settings);
	g_test_add_func("/config/cli/from-proc-live-read-ahead", test_from_proc_live_read_ahead);
	g_test_add_func("/config/cli/bad-config", test_bad_config);
	g_test_add_func("/config/cli/from-proc-truncated", test_from_proc_truncated);
	return g_test_run();
}
