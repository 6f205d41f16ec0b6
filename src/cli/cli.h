/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - the pagesim subcommands. Each takes the arguments after its own name (argv[0] is the
 * subcommand name) and returns the process exit status. cli/ is the only place that may read the
 * wall clock (progress and elapsed time).
 */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <glib.h>
#include <signal.h>
#include <stdint.h>

int ps_cmd_config(int argc, char **argv);
int ps_cmd_demo(int argc, char **argv);
int ps_cmd_run(int argc, char **argv);

/*
 * A run's page state (`need` bytes, ps_sim_state_bytes) against the memory this machine has
 * available: FALSE with an error giving both figures, unless force (then a warning on stderr).
 * `what` names the config in the message. Used by pagesim run and sweep (cli/cmd_run.c).
 */
gboolean ps_cli_memory_ok(const char *what, uint64_t need, gboolean force, GError **error);

/*
 * Installs the SIGINT, SIGTERM and SIGHUP handlers of a run or sweep; returns the flag they set
 * (the signal's number), for PsRunOptions.interrupted (cli/cmd_run.c).
 */
const volatile sig_atomic_t *ps_cli_catch_signals(void);

/*
 * The binary trace cache's directory for --trace-cache DIR / --no-trace-cache: dir if given,
 * NULL when off, else ps_trace_cache_dir_default() ($PAGESIM_TRACE_CACHE, ~/.cache/pagesim).
 */
char *ps_cli_trace_cache_dir(const char *dir, gboolean off);

/* "10s", "500ms", "123" (ns) -> nanoseconds. */
gboolean ps_parse_duration_ns(const char *s, uint64_t *out);
int ps_cmd_index(int argc, char **argv);
int ps_cmd_gen(int argc, char **argv);
int ps_cmd_import(int argc, char **argv);
int ps_cmd_trace(int argc, char **argv);
int ps_cmd_fidelity(int argc, char **argv);
int ps_cmd_sweep(int argc, char **argv);

/* The figures of a sweep directory (one with results.csv), for pagesim plot (cli/plot_sweep.c). */
int ps_plot_sweep(const char *dir, gboolean quiet);

/* Figures and comparisons (cli/cmd_plot.c, cli/cmd_compare.c). */
int ps_cmd_plot(int argc, char **argv);
int ps_cmd_compare(int argc, char **argv);
/* PAGESIM_DATADIR/sub/name, else the source tree's (name may be NULL): configs/, plots/. */
char *ps_cli_data_path(const char *sub, const char *name);
/*
 * Runs every figure script SCRIPTS_DIR/NAME.gp (or only `only`) on the data of DATA_DIR, one
 * image OUT_DIR/NAME.FORMAT per format ("png", "svg"), in parallel; adds the images' paths to
 * `written` (may be NULL). FALSE with a message naming the script when gnuplot fails or is absent.
 */
gboolean ps_cli_render(const char *scripts_dir, const char *data_dir, const char *out_dir,
		       const char *only, const char *const *formats, GPtrArray *written,
		       GError **error);
/*
 * pagesim compare without the command line: DIRS NULL-terminated, OUT created; plots: render;
 * force: compare a page-size-bound trace across page sizes, with a warning.
 */
gboolean ps_cli_compare(const char *const *dirs, const char *out, gboolean plots, gboolean force,
			GError **error);

#endif
