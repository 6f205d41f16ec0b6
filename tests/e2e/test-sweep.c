// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-sweep.c - end-to-end tests of `pagesim sweep`: the thread-pool run and its results.csv,
 * resuming (complete runs skipped, a run with a missing summary or leftover temporary files
 * redone, a sweep killed with SIGKILL finished by the next invocation), the same runs through
 * GNU parallel on localhost collected into the same results.csv, the Slurm script, and the
 * figures. The cases share one directory and run in the order added (one suite, no
 * sub-suites: GLib runs a suite's own cases before its sub-suites').
 *
 * argv[1] is the pagesim binary (meson passes it). Every sweep here replays short generated
 * traces on the small shipped config, 16 runs of well under a second each.
 */
#include <cjson/cJSON.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../common/test-util.h"

static const char *pagesim;
static char *tmp_dir;
static char *spec_path;
static char *reference_csv; /* results.csv of the first, uninterrupted sweep */

/* Runs pagesim (or, with shell, a /bin/sh command line); the exit status; stdout/stderr. */
static int run(const char *const *args, char **out, char **err)
{
	return ps_test_spawn(tmp_dir, pagesim, args, out, err);
}

static int sh(const char *cmd, char **err)
{
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_assert_true(g_spawn_sync(tmp_dir, (char *[]){"/bin/sh", "-c", (char *)cmd, NULL}, NULL, 0,
				   NULL, NULL, NULL, err, &status, &error));
	g_assert_no_error(error);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *path_in(const char *dir, const char *name)
{
	return g_build_filename(tmp_dir, dir, name, NULL);
}

static char *read_text(const char *path)
{
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		g_error("cannot read %s", path);
	return text;
}

static guint count_lines(const char *text)
{
	guint n = 0;

	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}

/* Run directories of DIR with a summary.json, and all of them. */
static guint count_complete(const char *dir, guint *total)
{
	g_autofree char *runs = path_in(dir, "runs");
	g_autoptr(GDir) d = g_dir_open(runs, 0, NULL);
	const char *name;
	guint n = 0;

	*total = 0;
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *sum = g_build_filename(runs, name, "summary.json", NULL);

		(*total)++;
		n += g_file_test(sum, G_FILE_TEST_IS_REGULAR);
	}
	return n;
}

static gint cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *first_run(const char *dir, guint skip)
{
	g_autofree char *runs = path_in(dir, "runs");
	g_autoptr(GDir) d = g_dir_open(runs, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	while ((name = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, cmp_strp);
	g_assert_cmpuint(names->len, >, skip);
	return g_build_filename(runs, g_ptr_array_index(names, skip), NULL);
}

static void assert_same_results(const char *dir)
{
	g_autofree char *path = path_in(dir, "results.csv");
	g_autofree char *text = read_text(path);

	g_assert_cmpstr(text, ==, reference_csv);
}

/* The spec: 2 traces x 2 seeds x 2 page sizes x 2 min_free_kbytes = 16 runs. */
static void write_spec(void)
{
	g_autofree char *cfg =
	    g_build_filename(g_getenv("PAGESIM_SRCDIR"), "configs", "small-4k-64m.json", NULL);
	g_autofree char *text = g_strdup_printf(
	    "{\n"
	    "\t\"name\": \"e2e\",\n"
	    "\t\"configs\": [\"%s\"],\n"
	    "\t\"traces\": [\n"
	    "\t\t{\"gen\": \"fragmenter\", \"seconds\": 1, \"params\": {\"mem\": \"16M\"}},\n"
	    "\t\t{\"gen\": \"kbuild\", \"seconds\": 0.5, \"seed\": 3, \"params\": {\"jobs\": 2}}\n"
	    "\t],\n"
	    "\t\"seeds\": [1, 2],\n"
	    "\t\"axes\": {\n"
	    "\t\t\"page_size\": [4096, 16384],\n"
	    "\t\t\"sysctl.min_free_kbytes\": {\"from\": 1024, \"to\": 4096, \"factor\": 4}\n"
	    "\t}\n"
	    "}\n",
	    cfg);

	spec_path = g_build_filename(tmp_dir, "spec.json", NULL);
	g_assert_true(g_file_set_contents(spec_path, text, -1, NULL));
}

static void test_thread_pool(void)
{
	g_autofree char *err = NULL, *csv_path = path_in("a", "results.csv");
	g_autofree char *first = NULL;
	guint total;
	int rc =
	    run((const char *[]){"sweep", "spec.json", "-o", "a", "-j", "2", NULL}, NULL, &err);

	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(strstr(err, "16 runs: 16 run now, 0 already complete, 0 failed"));
	g_assert_cmpuint(count_complete("a", &total), ==, 16);
	g_assert_cmpuint(total, ==, 16);
	reference_csv = read_text(csv_path);
	g_assert_cmpuint(count_lines(reference_csv), ==, 17);
	g_assert_true(g_str_has_prefix(reference_csv,
				       "run,config,trace,seed,page_size,sysctl.min_free_kbytes,"
				       "page_size_bytes,min_free_kbytes,"));
	/* product order: the first row is fragmenter, seed 1, 4K, 1024 */
	first = g_strdup(strchr(reference_csv, '\n') + 1);
	g_assert_nonnull(strstr(first, ",small-4k-64m,fragmenter,1,4096,1024,4096,1024,"));
	/* each run's config carries its point */
	{
		g_autofree char *run_dir = first_run("a", 0);
		g_autofree char *cfg = g_build_filename(run_dir, "config.json", NULL);
		g_autofree char *pt = g_build_filename(run_dir, "sweep.json", NULL);
		g_autofree char *text = read_text(cfg);

		g_assert_nonnull(strstr(text, "\"min_free_kbytes\""));
		g_assert_true(g_file_test(pt, G_FILE_TEST_IS_REGULAR));
	}
	/*
	 * slow_path_allocs counts allocations of the slow paths only: not the "fault" latency
	 * row, whose first-touch faults are in the pcp and buddy rows already.
	 */
	{
		g_auto(GStrv) lines = g_strsplit(reference_csv, "\n", 3);
		g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
		g_auto(GStrv) row = g_strsplit(lines[1], ",", -1);
		g_autofree char *sum =
		    g_build_filename(tmp_dir, "a", "runs", row[0], "summary.json", NULL);
		g_autofree char *text = read_text(sum);
		cJSON *root = cJSON_Parse(text), *lat = cJSON_GetObjectItem(root, "latency");
		double slow = 0;
		int col = -1;

		for (int i = 0; head[i]; i++)
			if (!strcmp(head[i], "slow_path_allocs"))
				col = i;
		g_assert_cmpint(col, >=, 0);
		g_assert_nonnull(lat);
		g_assert_cmpfloat(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(lat, "fault"), "count")->valuedouble, >,
		    0);
		for (const char *const *p =
			 (const char *const[]){"slow", "reclaim", "compaction", NULL};
		     *p; p++)
			slow +=
			    cJSON_GetObjectItem(cJSON_GetObjectItem(lat, *p), "count")->valuedouble;
		g_assert_cmpfloat(g_ascii_strtod(row[col], NULL), ==, slow);
		cJSON_Delete(root);
	}
}

static void test_resume_skips(void)
{
	g_autofree char *err = NULL;
	g_autofree char *run_dir = first_run("a", 3);
	g_autofree char *sum = g_build_filename(run_dir, "summary.json", NULL);
	GStatBuf before, after;
	int rc;

	g_assert_cmpint(g_stat(sum, &before), ==, 0);
	rc = run((const char *[]){"sweep", "spec.json", "-o", "a", NULL}, NULL, &err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(strstr(err, "0 run now, 16 already complete"));
	g_assert_cmpint(g_stat(sum, &after), ==, 0);
	g_assert_cmpint(before.st_mtime, ==, after.st_mtime);
	g_assert_cmpuint(before.st_ino, ==, after.st_ino);
	assert_same_results("a");
}

/* What a kill leaves: a run without summary.json, one with a temporary file and a truncated
 * output, one whose summary.json is "{}" (it counted as complete and was collected as zeros),
 * and a results.csv from an earlier state. The next sweep redoes exactly those three. */
static void test_resume_partial(void)
{
	g_autofree char *err = NULL;
	g_autofree char *r1 = first_run("a", 5), *r2 = first_run("a", 9), *r3 = first_run("a", 12);
	g_autofree char *s3 = g_build_filename(r3, "summary.json", NULL);
	g_autofree char *s1 = g_build_filename(r1, "summary.json", NULL);
	g_autofree char *s2 = g_build_filename(r2, "summary.json", NULL);
	g_autofree char *tl2 = g_build_filename(r2, "timeline.csv", NULL);
	g_autofree char *tmp2 = g_build_filename(r2, ".latency.csv.4242-0.tmp", NULL);
	g_autofree char *csv = path_in("a", "results.csv");
	int rc;

	g_assert_cmpint(g_unlink(s1), ==, 0);
	g_assert_cmpint(g_unlink(s2), ==, 0);
	g_assert_true(g_file_set_contents(tl2, "t_ns,node\n0,", -1, NULL));
	g_assert_true(g_file_set_contents(tmp2, "half a file", -1, NULL));
	g_assert_true(g_file_set_contents(s3, "{}", -1, NULL));
	g_assert_true(g_file_set_contents(csv, "stale\n", -1, NULL));
	rc = run((const char *[]){"sweep", "spec.json", "-o", "a", "-j", "2", NULL}, NULL, &err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(strstr(err, "3 run now, 13 already complete, 0 failed"));
	g_assert_false(g_file_test(tmp2, G_FILE_TEST_EXISTS));
	assert_same_results("a");
}

/* A real SIGKILL in the middle: only the runs in flight are lost. */
static void test_sigkill(void)
{
	g_autoptr(GError) error = NULL;
	const char *argv[] = {pagesim, "sweep", "spec.json", "-o", "k", "-j", "1", "-q", NULL};
	g_autofree char *err = NULL;
	GPid pid;
	guint done = 0, total = 0;
	int status, rc;

	g_assert_true(g_spawn_async(tmp_dir, (char **)argv, NULL,
				    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
				    NULL, &pid, &error));
	g_assert_no_error(error);
	for (int i = 0; i < 20000 && done < 3; i++) {
		g_usleep(500);
		done = count_complete("k", &total);
	}
	kill(pid, SIGKILL);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_spawn_close_pid(pid);
	done = count_complete("k", &total);
	g_test_message("killed with %u of 16 runs complete", done);
	rc = run((const char *[]){"sweep", "spec.json", "-o", "k", NULL}, NULL, &err);
	g_assert_cmpint(rc, ==, 0);
	{
		g_autofree char *want = g_strdup_printf("%u already complete", done);

		g_assert_nonnull(strstr(err, want));
	}
	assert_same_results("k");
}

static bool have(const char *program)
{
	g_autofree char *p = g_find_program_in_path(program);

	return p != NULL;
}

static void test_emit_parallel(void)
{
	g_autofree char *out = NULL, *err = NULL, *jobs = NULL;
	g_autofree char *jobs_path = path_in("p", "jobs.txt");
	g_autofree char *script = path_in("p", "run-parallel.sh");
	g_autofree char *hosts = path_in("p", "hosts");
	int rc = run((const char *[]){"sweep", "spec.json", "-o", "p", "--emit", "parallel", NULL},
		     &out, &err);
	guint total;

	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(strstr(out, "parallel --sshloginfile HOSTS --workdir "));
	jobs = read_text(jobs_path);
	g_assert_cmpuint(count_lines(jobs), ==, 16);
	g_assert_nonnull(strstr(jobs, " run -q -c runs/"));
	g_assert_true(g_file_test(script, G_FILE_TEST_IS_EXECUTABLE));
	g_assert_cmpuint(count_complete("p", &total), ==, 0);
	g_assert_cmpuint(total, ==, 16);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(sh("bash -n p/run-parallel.sh", &err), ==, 0);
	if (!have("parallel")) {
		g_test_skip("GNU parallel is not installed (scripts/deps.sh installs it)");
		return;
	}
	/* localhost as the only "host": the same command line a cluster gets */
	g_assert_true(g_file_set_contents(hosts, "2/:\n", -1, NULL));
	g_clear_pointer(&err, g_free);
	rc = sh("sh p/run-parallel.sh p/hosts", &err);
	if (rc)
		g_error("GNU parallel failed (%d): %s", rc, err);
	g_assert_cmpuint(count_complete("p", &total), ==, 16);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(run((const char *[]){"sweep", "--collect", "p", NULL}, NULL, &err), ==, 0);
	assert_same_results("p");
}

/* Overwrites every entry of a trace cache directory with bytes that are not an entry. */
static void spoil_cache_entries(const char *dir)
{
	g_autofree char *path = g_build_filename(tmp_dir, dir, NULL);
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;
	guint n = 0;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d))) {
		g_autofree char *entry = g_build_filename(path, name, NULL);

		if (!g_str_has_suffix(name, ".pstc"))
			continue;
		g_assert_true(g_file_set_contents(entry, "not a trace cache entry", -1, NULL));
		n++;
	}
	g_assert_cmpuint(n, ==, 2); /* one a trace of the spec */
}

static void test_emit_slurm(void)
{
	g_autofree char *err = NULL, *jobs = NULL, *sbatch = NULL;
	g_autofree char *jobs_path = path_in("s", "jobs.txt");
	g_autofree char *sbatch_path = path_in("s", "sweep.sbatch");
	g_autofree char *want = NULL;
	int rc = run((const char *[]){"sweep", "spec.json", "-o", "s", "--emit", "slurm", NULL},
		     NULL, &err);

	g_assert_cmpint(rc, ==, 0);
	jobs = read_text(jobs_path);
	sbatch = read_text(sbatch_path);
	want = g_strdup_printf("#SBATCH --array=1-%u\n", count_lines(jobs));
	g_assert_nonnull(strstr(sbatch, want));
	g_assert_nonnull(strstr(sbatch, "sed -n \"${SLURM_ARRAY_TASK_ID}p\" jobs.txt"));
	g_clear_pointer(&err, g_free);
	if (sh("bash -n s/sweep.sbatch", &err) != 0)
		g_error("bash -n s/sweep.sbatch: %s", err);
	/*
	 * One array task by hand (what Slurm would run as task 1), then emit again: only the
	 * runs still to do become jobs, and the array shrinks with them. The task reads its trace
	 * from the entry emit compiled into s/trace-cache: with the entries spoilt here, it says
	 * so (and parses the JSONL instead).
	 */
	spoil_cache_entries("s/trace-cache");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(sh("cd s && SLURM_ARRAY_TASK_ID=1 bash sweep.sbatch", &err), ==, 0);
	g_assert_nonnull(strstr(err, "pagesim: trace cache trace-cache/"));
	g_assert_nonnull(strstr(err, "; ignored, parsing traces/"));
	g_clear_pointer(&err, g_free);
	rc = run((const char *[]){"sweep", "spec.json", "-o", "s", "--emit", "slurm", NULL}, NULL,
		 &err);
	g_assert_cmpint(rc, ==, 0);
	g_free(jobs);
	g_free(sbatch);
	jobs = read_text(jobs_path);
	sbatch = read_text(sbatch_path);
	g_assert_cmpuint(count_lines(jobs), ==, 15);
	g_assert_nonnull(strstr(sbatch, "#SBATCH --array=1-15\n"));
}

static void test_plot(void)
{
	g_autofree char *err = NULL;
	g_autofree char *over = path_in("a", "plots/sweep-page_size.png");
	g_autofree char *one = path_in("a", "plots/sysctl_min_free_kbytes/unusable_index_2m.png");
	g_autofree char *head = NULL;
	gsize len;

	if (!have("gnuplot")) {
		g_test_skip("gnuplot is not installed");
		return;
	}
	if (run((const char *[]){"plot", "a", NULL}, NULL, &err) != 0)
		g_error("pagesim plot (a sweep directory): %s", err);
	g_assert_true(g_file_get_contents(over, &head, &len, NULL));
	g_assert_cmpuint(len, >, 10000);
	g_assert_cmpmem(head, 8, "\x89PNG\r\n\x1a\n", 8);
	g_assert_true(g_file_test(one, G_FILE_TEST_IS_REGULAR));
}

static void test_bad_spec(void)
{
	g_autofree char *err = NULL;
	g_autofree char *bad = g_build_filename(tmp_dir, "bad.json", NULL);

	g_assert_true(g_file_set_contents(
	    bad, "{\n\t\"configs\": [\"x.json\"],\n\t\"traces\": 1\n}\n", -1, NULL));
	g_assert_cmpint(run((const char *[]){"sweep", "bad.json", "-o", "b", NULL}, NULL, &err), ==,
			1);
	g_assert_true(g_str_has_prefix(err, "pagesim sweep: bad.json:2: configs[0]: "));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    run((const char *[]){"sweep", "--collect", "nonexistent", NULL}, NULL, &err), ==, 1);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(argc, >=, 2);
	pagesim = argv[1];
	tmp_dir = g_dir_make_tmp("pagesim-sweep-XXXXXX", NULL);
	write_spec();
	g_test_add_func("/e2e/sweep/thread-pool", test_thread_pool);
	g_test_add_func("/e2e/sweep/resume-skips-complete", test_resume_skips);
	g_test_add_func("/e2e/sweep/resume-redoes-partial", test_resume_partial);
	g_test_add_func("/e2e/sweep/resume-after-sigkill", test_sigkill);
	g_test_add_func("/e2e/sweep/emit-parallel-collect", test_emit_parallel);
	g_test_add_func("/e2e/sweep/emit-slurm", test_emit_slurm);
	g_test_add_func("/e2e/sweep/plot", test_plot);
	g_test_add_func("/e2e/sweep/errors", test_bad_spec);
	rc = g_test_run();
	if (!g_getenv("PAGESIM_KEEP_TMP")) {
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp_dir);

		g_assert_cmpint(system(cmd), ==, 0);
	}
	g_free(tmp_dir);
	g_free(spec_path);
	g_free(reference_csv);
	return rc;
}
