// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_run.c - `pagesim run -c CONFIG -t TRACE -o OUTDIR [--seed N] [--until T] [--sample-ns N]
 * [--placement recorded|sticky] [--check] [--quiet]`: replays a trace on a config and writes the
 * run directory.
 *
 * The wall clock is read here only: for the progress line on a terminal and for the "wall"
 * section of summary.json.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/sim.h"

typedef struct {
	gint64 start_us;
	gint64 last_us;
	bool tty;
} Progress;

static uint64_t wall_ns(void *data)
{
	Progress *p = data;

	return (uint64_t)(g_get_monotonic_time() - p->start_us) * 1000u;
}

static void progress(void *data, uint64_t events, uint64_t t_ns)
{
	Progress *p = data;
	gint64 now = g_get_monotonic_time();
	double secs = (double)(now - p->start_us) / 1e6;

	if (!p->tty || now - p->last_us < 250000)
		return;
	p->last_us = now;
	fprintf(stderr, "\r%12" G_GUINT64_FORMAT " events  sim %10.3f s  %8.2f M events/s ", events,
		(double)t_ns / 1e9, secs > 0 ? (double)events / secs / 1e6 : 0.0);
}

/* "123" (ns), "10ns", "5us", "250ms", "2s", "1.5s", "3m" -> ns. */
gboolean ps_parse_duration_ns(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	char *end = NULL;
	double v = g_ascii_strtod(s, &end);

	if (end == s || v < 0 || v != v)
		return FALSE;
	if (!*end) {
		*out = (uint64_t)v;
		return TRUE;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
		if (!g_strcmp0(end, units[i].suffix)) {
			*out = (uint64_t)(v * units[i].mult);
			return TRUE;
		}
	return FALSE;
}

/*
 * SIGINT, SIGTERM and SIGHUP while a run or sweep writes: the handler only records the signal;
 * the replay sees it before its next record and stops, its temporary files removed, so that a
 * killed run leaves no .tmp files and no summary.json (sim/output.c cleared the older run's).
 * The simulation itself never looks at anything else of the outside world.
 */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

const volatile sig_atomic_t *ps_cli_catch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	return &interrupted;
}

/*
 * Memory this machine can give a run: MemAvailable of /proc/meminfo, else physical memory.
 * PAGESIM_MEM_AVAILABLE (bytes) replaces it, so that tests can play a small machine.
 */
static uint64_t mem_available(void)
{
	const char *env = g_getenv("PAGESIM_MEM_AVAILABLE");
	g_autofree char *text = NULL;
	const char *p;

	if (env)
		return g_ascii_strtoull(env, NULL, 10);
	if (g_file_get_contents("/proc/meminfo", &text, NULL, NULL) &&
	    (p = strstr(text, "MemAvailable:")))
		return g_ascii_strtoull(p + strlen("MemAvailable:"), NULL, 10) * 1024;
	return (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* MiB or GiB, one decimal, with a plain space (g_format_size puts a no-break space). */
static char *format_mem(uint64_t bytes)
{
	if (bytes >= 1ull << 30)
		return g_strdup_printf("%.1f GiB", (double)bytes / (1ull << 30));
	return g_strdup_printf("%.1f MiB", (double)bytes / (1ull << 20));
}

gboolean ps_cli_memory_ok(const char *what, uint64_t need, gboolean force, GError **error)
{
	uint64_t have = mem_available();
	g_autofree char *need_s = NULL, *have_s = NULL;

	if (need <= have)
		return TRUE;
	need_s = format_mem(need);
	have_s = format_mem(have);
	if (force) {
		fprintf(
		    stderr,
		    "pagesim: warning (--force): %s needs %s of page state, this machine has %s "
		    "available\n",
		    what, need_s, have_s);
		return TRUE;
	}
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
		    "%s needs %s (%" G_GUINT64_FORMAT
		    " bytes) of page state, more than the %s this machine has available; --force "
		    "to try anyway",
		    what, need_s, need, have_s);
	return FALSE;
}

/* The closing line of a run: what was replayed, how far and how fast. */
static void print_done(const PsRunTotals *t, Progress *prog, const char *out)
{
	double secs = (double)wall_ns(prog) / 1e9;

	fprintf(stderr,
		"pagesim run: %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT
		" allocations (%" G_GUINT64_FORMAT " failed), simulated %.3f s in %.2f s "
		"(%.2f M events/s) -> %s\n",
		t->events, t->allocs, t->alloc_failed + t->alloc_invalid, (double)t->end_ns / 1e9,
		secs, secs > 0 ? (double)t->events / secs / 1e6 : 0, out);
}

/* --compare-at WHEN=KPAGEFLAGS, WHEN a duration from the trace's first record or pid:N. */
static gboolean parse_compare_at(const char *arg, PsRunOptions *opts)
{
	const char *eq = strchr(arg, '=');
	g_autofree char *when = eq ? g_strndup(arg, (gsize)(eq - arg)) : NULL;
	guint64 pid = 0;

	if (!eq || !eq[1]) {
		fprintf(stderr, "pagesim run: --compare-at: '%s' is not WHEN=KPAGEFLAGS\n", arg);
		return FALSE;
	}
	if (g_str_has_prefix(when, "pid:")) {
		if (!g_ascii_string_to_unsigned(when + 4, 10, 1, G_MAXINT, &pid, NULL)) {
			fprintf(stderr, "pagesim run: --compare-at: '%s' is not pid:N\n", when);
			return FALSE;
		}
		opts->compare_at_pid = (int)pid;
	} else if (!ps_parse_duration_ns(when, &opts->compare_at_ns)) {
		fprintf(stderr,
			"pagesim run: --compare-at: '%s' is neither a duration (3.39s) nor pid:N\n",
			when);
		return FALSE;
	}
	opts->compare_at_kpageflags = eq + 1;
	return TRUE;
}

char *ps_cli_trace_cache_dir(const char *dir, gboolean off)
{
	if (off)
		return NULL;
	return dir ? g_strdup(dir) : ps_trace_cache_dir_default();
}

int ps_cmd_run(int argc, char **argv)
{
	g_autofree char *config = NULL, *trace = NULL, *out = NULL, *until = NULL;
	g_autofree char *snapshot = NULL, *proc_dir = NULL, *mode = NULL, *after = NULL;
	g_autofree char *at = NULL, *settle = NULL, *placement = NULL;
	g_autofree char *cache_opt = NULL, *cache_dir = NULL;
	gint64 seed = 0, sample_ns = 0;
	gboolean check = FALSE, quiet = FALSE, force = FALSE, no_cache = FALSE;
	gboolean skip_migrated_snapshot = FALSE;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "Machine config (JSON)", "CONFIG"},
	    {"trace", 't', 0, G_OPTION_ARG_FILENAME, &trace, "Trace to replay (- = stdin)",
	     "TRACE"},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Run directory to write", "OUTDIR"},
	    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed (default: the config's)", "N"},
	    {"until", 0, 0, G_OPTION_ARG_STRING, &until, "Stop at this simulated time (10s, 500ms)",
	     "T"},
	    {"sample-ns", 0, 0, G_OPTION_ARG_INT64, &sample_ns,
	     "Timeline sample interval in ns (default: the config's)", "N"},
	    {"placement", 0, 0, G_OPTION_ARG_STRING, &placement,
	     "Cpus of task records: recorded (default) or sticky (each task on one cpu: a "
	     "forked child's the one with the fewest tasks, another task's its first record's; "
	     "an idle machine's scheduler, for portable replays)",
	     "PLACEMENT"},
	    {"check", 0, 0, G_OPTION_ARG_NONE, &check,
	     "Run the invariant checker after every event (slow)", NULL},
	    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress line", NULL},
	    {"force", 0, 0, G_OPTION_ARG_NONE, &force,
	     "Run even when the machine needs more memory than this one has available", NULL},
	    {"snapshot", 0, 0, G_OPTION_ARG_FILENAME, &snapshot,
	     "Start from this /proc/kpageflags dump (.gz ok) instead of a fresh boot",
	     "KPAGEFLAGS"},
	    {"proc", 0, 0, G_OPTION_ARG_FILENAME, &proc_dir,
	     "Directory with the same moment's pagetypeinfo, to check pageblock types", "DIR"},
	    {"mode", 0, 0, G_OPTION_ARG_STRING, &mode,
	     "policy (default: the model places pages) or pinned (the recorded pfns)", "MODE"},
	    {"compare-after", 0, 0, G_OPTION_ARG_FILENAME, &after,
	     "pinned: compare the final free set with this kpageflags dump", "KPAGEFLAGS"},
	    {"compare-at", 0, 0, G_OPTION_ARG_FILENAME, &at,
	     "pinned: compare the free set with a dump taken during the run, at a time from the "
	     "trace's first record (3.39s) or at the first record of the process that read it "
	     "(pid:284)",
	     "WHEN=KPAGEFLAGS"},
	    {"settle", 0, 0, G_OPTION_ARG_STRING, &settle,
	     "pinned: the idle machine's vmstat passes (pcp decay and remote drains) on each cpu's "
	     "stat_interval grid up to this long after the last record, before --compare-after: "
	     "when the dump was read (no default); auto: until the dump's end derived from its "
	     "NAME.uptime and the --compare-at pid:N dump's (offset and length), the pcp lists "
	     "first set from its NAME.zoneinfo",
	     "SECONDS"},
	    {"trace-cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_opt,
	     "Binary trace cache directory (default: $PAGESIM_TRACE_CACHE, else "
	     "~/.cache/pagesim)",
	     "DIR"},
	    {"no-trace-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache,
	     "Parse the trace without reading or writing the binary trace cache", NULL},
	    {"skip-migrated-snapshot", 0, 0, G_OPTION_ARG_NONE, &skip_migrated_snapshot,
	     "Policy replay: do not replay frees with reason migrated of pages allocated before "
	     "the trace either (they stay until the model's reclaim takes them)",
	     NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- replay a trace on a machine");
	g_autoptr(GError) error = NULL;
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(PsSim) sim = NULL;
	PsRunOptions opts = {0};
	Progress prog = {0};
	uint64_t until_ns = 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim run: %s\n", error->message);
		return 2;
	}
	if (!config || !trace || !out) {
		fprintf(stderr, "pagesim run: -c CONFIG, -t TRACE and -o OUTDIR are required\n");
		return 2;
	}
	if (until && !ps_parse_duration_ns(until, &until_ns)) {
		fprintf(stderr, "pagesim run: --until: '%s' is not a duration (e.g. 10s, 500ms)\n",
			until);
		return 2;
	}
	if (seed < 0 || sample_ns < 0) {
		fprintf(stderr, "pagesim run: --seed and --sample-ns must not be negative\n");
		return 2;
	}
	if (!ps_config_load(cfg, config, &error) ||
	    !ps_cli_memory_ok(config, ps_sim_state_bytes(cfg), force, &error)) {
		fprintf(stderr, "pagesim run: %s\n", error->message);
		return 1;
	}
	prog.start_us = g_get_monotonic_time();
	prog.tty = !quiet && isatty(STDERR_FILENO);
	opts.config_path = config;
	opts.out_dir = out;
	opts.seed = (uint64_t)seed;
	opts.until_ns = until_ns;
	opts.skip_migrated_snapshot = skip_migrated_snapshot;
	opts.sample_ns = (uint64_t)sample_ns;
	opts.check = check;
	opts.progress = progress;
	opts.progress_data = &prog;
	opts.wall_ns = wall_ns;
	opts.wall_data = &prog;
	opts.interrupted = ps_cli_catch_signals();
	opts.trace_cache_dir = cache_dir = ps_cli_trace_cache_dir(cache_opt, no_cache);
	opts.trace_path = trace;
	if (mode && strcmp(mode, "policy") != 0 && strcmp(mode, "pinned") != 0) {
		fprintf(stderr, "pagesim run: --mode: '%s' is not policy or pinned\n", mode);
		return 2;
	}
	if (placement && !ps_placement_parse(placement, &opts.placement)) {
		fprintf(stderr, "pagesim run: --placement: '%s' is not recorded or sticky\n",
			placement);
		return 2;
	}
	if (opts.placement == PS_PLACEMENT_STICKY && mode && !strcmp(mode, "pinned")) {
		fprintf(stderr, "pagesim run: --placement sticky moves records off their recorded "
				"cpus; --mode pinned replays the recorded pfns on them: use one\n");
		return 2;
	}
	if (at && (!mode || strcmp(mode, "pinned") != 0)) {
		fprintf(stderr, "pagesim run: --compare-at needs --mode pinned\n");
		return 2;
	}
	if (at && !parse_compare_at(at, &opts))
		return 2;
	if (settle && (!mode || strcmp(mode, "pinned") != 0)) {
		fprintf(stderr, "pagesim run: --settle needs --mode pinned\n");
		return 2;
	}
	if (settle && !strcmp(settle, "auto"))
		opts.settle_auto = true;
	else if (settle && !ps_parse_duration_ns(settle, &opts.settle_ns)) {
		fprintf(stderr, "pagesim run: --settle: '%s' is not a duration (2s, 1500ms)\n",
			settle);
		return 2;
	}
	if (opts.settle_auto && (opts.compare_at_pid <= 0 || !after)) {
		fprintf(stderr,
			"pagesim run: --settle auto needs --compare-at pid:N=KPAGEFLAGS and "
			"--compare-after\n");
		return 2;
	}
	if (mode && !strcmp(mode, "pinned")) {
		/* the recorded placement: the pinned strategy of sim/pinned.c */
		g_autofree char *rpath = g_build_filename(out, "pinned.txt", NULL);
		g_autofree char *report = NULL;

		if (!ps_pinned_run(cfg, &opts, trace, snapshot, proc_dir, after, &error)) {
			fprintf(stderr, "pagesim run: %s\n", error->message);
			return 1;
		}
		if (!quiet && g_file_get_contents(rpath, &report, NULL, NULL))
			fputs(report, stderr);
		return 0;
	}
	sim = ps_sim_new(cfg, &opts, &error);
	if (sim && snapshot && !ps_sim_load_snapshot(sim, snapshot, proc_dir, &error)) {
		fprintf(stderr, "pagesim run: %s\n", error->message);
		return 1;
	}
	if (!sim || !ps_sim_run(sim, trace, &error)) {
		if (prog.tty)
			fprintf(stderr, "\n");
		fprintf(stderr, "pagesim run: %s\n", error->message);
		/* the files are gone with sim; then exit as the signal would have */
		g_clear_pointer(&sim, ps_sim_free);
		return interrupted ? 128 + interrupted : 1;
	}
	if (prog.tty)
		fprintf(stderr, "\n");
	if (!quiet)
		print_done(ps_sim_totals(sim), &prog, out);
	return 0;
}
