// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-messages.c - what a user reads when a command line is wrong: every subcommand's error
 * starts "pagesim CMD:", nothing runs on an argument it does not take, and --help's usage line
 * reads "pagesim CMD [OPTION…]", and output that cannot be written (a full device) fails with a
 * message. The binary is argv[1].
 */
#include <glib.h>
#include <string.h>

#include "../common/test-util.h"

static const char *pagesim;

/* Runs pagesim with args; returns the exit status, stdout and stderr. */
static int run(const char *const *args, char **out, char **err)
{
	return ps_test_spawn(NULL, pagesim, args, out, err);
}

static const char *const commands[] = {"demo",	 "gen",	     "run",  "config",	"index",
				       "import", "fidelity", "plot", "compare", "sweep"};

/* An unknown option: refused with a message that names the command. */
static void test_unknown_option(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autofree char *out = NULL, *err = NULL;
		g_autofree char *prefix = g_strdup_printf("pagesim %s: ", commands[i]);
		const char *args[] = {commands[i], "--no-such-option", NULL};

		g_assert_cmpint(run(args, &out, &err), !=, 0);
		if (!g_str_has_prefix(err, prefix))
			g_error("%s: stderr does not start with '%s': %s", commands[i], prefix,
				err);
		g_assert_cmpstr(out, ==, "");
	}
}

/* A path that does not exist where the command takes one (or an argument it does not take). */
static void test_bad_argument(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autofree char *out = NULL, *err = NULL;
		g_autofree char *prefix = g_strdup_printf("pagesim %s: ", commands[i]);
		const char *args[] = {commands[i], "/nonexistent/pagesim-test", NULL};

		g_assert_cmpint(run(args, &out, &err), !=, 0);
		if (!g_str_has_prefix(err, prefix))
			g_error("%s: stderr does not start with '%s': %s", commands[i], prefix,
				err);
	}
}

/* The GOption-parsed commands print their own name in the usage line, with a real ellipsis. */
static void test_help_usage(void)
{
	static const char *const goption[] = {"demo",	"gen",	    "run",  "index",
					      "import", "fidelity", "plot", "compare"};

	for (size_t i = 0; i < G_N_ELEMENTS(goption); i++) {
		g_autofree char *out = NULL, *err = NULL;
		g_autofree char *usage = g_strdup_printf("pagesim %s [OPTION…]", goption[i]);
		const char *args[] = {goption[i], "--help", NULL};

		g_assert_cmpint(run(args, &out, &err), ==, 0);
		if (!strstr(out, usage))
			g_error("%s --help: no '%s' in:\n%s", goption[i], usage, out);
	}
}

/* Output that cannot be written is a failure with a message, not a silent loss. */
static void test_full_device(void)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");
	g_autofree char *cfg = g_build_filename(src, "configs", "small-4k-64m.json", NULL);
	g_autofree char *bi = g_build_filename(src, "tests", "e2e", "buddyinfo-sample", NULL);
	g_autofree char *show = g_strdup_printf("config show %s", cfg);
	g_autofree char *index = g_strdup_printf("index %s", bi);
	const char *const cmds[] = {"gen --list", show, index};

	if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
		g_test_skip("no /dev/full");
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *quoted = g_shell_quote(pagesim);
		g_autofree char *cmd = g_strdup_printf("%s %s >/dev/full", quoted, cmds[i]);
		g_autofree char *err = NULL;
		int status = 0;

		g_assert_true(g_spawn_sync(NULL, (char *[]){"/bin/sh", "-c", cmd, NULL}, NULL, 0,
					   NULL, NULL, NULL, &err, &status, &error));
		g_assert_no_error(error);
		g_assert_true(WIFEXITED(status));
		g_assert_cmpint(WEXITSTATUS(status), ==, 1);
		if (!strstr(err, "writing standard output: No space left on device"))
			g_error("%s: %s", cmd, err);
	}
}

/*
 * run --settle: pinned only, a duration or auto, and auto only with a dump read by a known
 * process during the trace and an after dump; refused before anything runs.
 */
static void test_settle(void)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");
	g_autofree char *cfg = g_build_filename(src, "configs", "small-4k-64m.json", NULL);
	g_autofree char *dir = ps_test_make_dir("pagesim-settle-XXXXXX");
	g_autofree char *outdir = g_build_filename(dir, "run", NULL);
	static const char *const want[] = {
	    "pagesim run: --settle needs --mode pinned\n",
	    "pagesim run: --settle: '2x' is not a duration (2s, 1500ms)\n",
	    "pagesim run: --settle auto needs --compare-at pid:N=KPAGEFLAGS and --compare-after\n"};
	const char *const *args[] = {
	    (const char *[]){"run", "-c", cfg, "-t", "-", "-o", outdir, "--settle", "2s", NULL},
	    (const char *[]){"run", "-c", cfg, "-t", "-", "-o", outdir, "--mode", "pinned",
			     "--settle", "2x", NULL},
	    (const char *[]){"run", "-c", cfg, "-t", "-", "-o", outdir, "--mode", "pinned",
			     "--settle", "auto", "--compare-after", "a.kpageflags", NULL}};

	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		g_autofree char *out = NULL, *err = NULL;

		g_assert_cmpint(run(args[i], &out, &err), ==, 2);
		g_assert_cmpstr(err, ==, want[i]);
		g_assert_false(g_file_test(outdir, G_FILE_TEST_EXISTS));
	}
	ps_test_rm_rf(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(argc, ==, 2);
	pagesim = argv[1];
	g_test_add_func("/cli/messages/unknown-option", test_unknown_option);
	g_test_add_func("/cli/messages/bad-argument", test_bad_argument);
	g_test_add_func("/cli/messages/help-usage", test_help_usage);
	g_test_add_func("/cli/messages/full-device", test_full_device);
	g_test_add_func("/cli/messages/settle", test_settle);
	return g_test_run();
}
