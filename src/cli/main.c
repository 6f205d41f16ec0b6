// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - `pagesim SUBCOMMAND ...`: looks the subcommand up in one table and hands it the rest of
 * the command line.
 */
#include <errno.h>
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} PsCommand;

static const PsCommand commands[] = {
    {"demo", ps_cmd_demo, "run a workload on the shipped 4K, 16K and 64K configs"},
    {"gen", ps_cmd_gen, "generate a synthetic workload trace (pagesim gen --list)"},
    {"run", ps_cmd_run, "replay a trace on a machine config and write a run directory"},
    {"config", ps_cmd_config, "show a config's derived values, or make one from /proc"},
    {"index", ps_cmd_index, "fragmentation indices of a buddyinfo, as debugfs prints them"},
    {"import", ps_cmd_import, "convert an ftrace, perf script or trace-cmd recording to a trace"},
    {"trace", ps_cmd_trace, "compile a trace into the binary trace cache (trace compile)"},
    {"fidelity", ps_cmd_fidelity, "simulated vs observed allocator counters of a run"},
    {"plot", ps_cmd_plot, "render a run's figures (gnuplot) into RUN_DIR/plots/"},
    {"compare", ps_cmd_compare,
     "compare runs of one trace on different configs: table and figures"},
    {"sweep", ps_cmd_sweep, "run a configuration sweep in parallel, or emit it for parallel/Slurm"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: pagesim COMMAND [OPTIONS...]\n\nCommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'pagesim COMMAND --help' for a command's options.\n");
}

/*
 * Every command's printed output (a table, a config in zoneinfo form, the generator list) is
 * only written when stdout is flushed: a full device or a closed pipe shows up here, once, for
 * all of them, and turns a success into a failure with a message instead of a silent loss.
 */
static int finish_stdout(const char *prgname, int rc)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;

	if (!failed)
		return rc;
	fprintf(stderr, "%s: writing standard output: %s\n", prgname, g_strerror(err));
	return rc ? rc : 1;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C");
	/* Characters as UTF-8 (GOption's "[OPTION…]" is not "[OPTION?]"); numbers stay in the C
	 * locale, so outputs do not depend on the user's locale. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			/* --help of a command reads "Usage: pagesim run [OPTION…]". */
			g_autofree char *prgname = g_strdup_printf("pagesim %s", argv[1]);

			g_set_prgname(prgname);
			return finish_stdout(prgname, commands[i].fn(argc - 1, argv + 1));
		}
	fprintf(stderr, "pagesim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
