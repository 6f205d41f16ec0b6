// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_import.c - `pagesim import [--format ftrace|perf|trace-cmd] IN -o OUT.jsonl[.gz]`:
 * converts a text recording of the kernel's page-allocator tracepoints, or trace-cmd's binary
 * trace.dat (trace/tracedat.c), into a pagesim trace (trace/import.c does the work). The importer's
 * counters go to standard error: the trace header has a fixed set of keys.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "trace/trace.h"

int ps_cmd_import(int argc, char **argv)
{
	g_autofree char *out = NULL, *format = NULL, *machine_path = NULL, *tasks_path = NULL;
	char machine[sizeof(((PsTraceHeader *)0)->machine)] = "";
	gint64 cpus = 0, page_size = 0;
	gboolean quiet = FALSE, portable = FALSE, observed = FALSE;
	g_auto(GStrv) mempolicy = NULL;
	g_autofree PsImportMempolicy *mpols = NULL;
	GOptionEntry entries[] = {
	    {"portable", 0, 0, G_OPTION_ARG_NONE, &portable,
	     "What memory is for (a pagesim-capture --portable recording): mappings, first "
	     "touches, page-cache ranges, kernel memory as bytes+kind; replays at any page size",
	     NULL},
	    {"observed", 0, 0, G_OPTION_ARG_NONE, &observed,
	     "With --portable: also keep the recording's allocator events and the first allocation "
	     "or free of each pfn as observed records (pfns of the recording machine: for replays "
	     "from its own snapshot and pagesim fidelity)",
	     NULL},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Trace to write (.gz compresses)",
	     "OUT"},
	    {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
	     "ftrace, perf or trace-cmd (default: detected from the text)", "FMT"},
	    {"cpus", 0, 0, G_OPTION_ARG_INT64, &cpus,
	     "CPUs of the recording machine (default: from the text)", "N"},
	    {"page-size", 0, 0, G_OPTION_ARG_INT64, &page_size,
	     "Page size of the recording machine in bytes (default 4096)", "BYTES"},
	    {"mempolicy", 0, 0, G_OPTION_ARG_STRING_ARRAY, &mempolicy,
	     "From the recording's timestamp SECONDS on, task PID has memory policy POLICY "
	     "(numactl spelling, e.g. interleave:0-1, bind:1; empty or default = default); "
	     "repeatable",
	     "PID@SECONDS=POLICY"},
	    {"machine", 0, 0, G_OPTION_ARG_FILENAME, &machine_path,
	     "The recording machine for the trace header, from this pagesim-capture MACHINE file "
	     "(default: MACHINE beside IN when there is one)",
	     "FILE"},
	    {"tasks", 0, 0, G_OPTION_ARG_FILENAME, &tasks_path,
	     "Each task's memory cgroup when tracing started, from this pagesim-capture "
	     "before.tasks file: proc records carry it, cgroup_attach_task lines move it "
	     "(default: before.tasks beside IN when there is one)",
	     "FILE"},
	    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No counters on standard error", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new(
	    "IN - convert a tracefs, perf script or trace-cmd report text, or a trace.dat");
	g_autoptr(GError) error = NULL;
	PsImportOptions opts = {0};
	PsImportStats st;
	gint64 t0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(
	    ctx,
	    "Reads kmem:mm_page_alloc, mm_page_free, mm_page_free_batched,\n"
	    "mm_page_alloc_zone_locked, mm_page_pcpu_drain, mm_page_alloc_extfrag, the\n"
	    "compaction events and the vmscan kswapd and direct-reclaim events. IN may be\n"
	    "gzip-compressed; '-' reads standard input (then give --cpus).\n"
	    "With --portable it also reads page_fault_user, the mmap, munmap, brk, mremap and\n"
	    "madvise syscalls, sched_process_fork/exec/exit and the filemap page-cache\n"
	    "events, and writes map/touch/unmap, cache_add/cache_remove and kernel memory as\n"
	    "alloc bytes+kind instead of the recorded pages.\n"
	    "tracefs shows no set_mempolicy()/mbind() without syscall tracepoints: give a\n"
	    "task's policies with --mempolicy (e.g. --mempolicy 257@6.733527=interleave:0-1),\n"
	    "or have the program write \"pagesim-mempolicy: POLICY\" to trace_marker after each\n"
	    "set_mempolicy() (tools/lab/numa-policies.c does).\n");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim import: %s\n", error->message);
		return 2;
	}
	if (argc != 2 || !out) {
		fprintf(stderr, "pagesim import: one input and -o OUT are required\n");
		return 2;
	}
	if (format) {
		int f;

		for (f = PS_IMPORT_FTRACE; f < PS_NR_IMPORT_FORMATS; f++)
			if (!strcmp(format, ps_import_format_names[f]))
				break;
		if (f == PS_NR_IMPORT_FORMATS) {
			fprintf(stderr,
				"pagesim import: --format: '%s' is not ftrace, perf or trace-cmd\n",
				format);
			return 2;
		}
		opts.format = (PsImportFormat)f;
	}
	if (cpus < 0 || cpus > PS_TRACE_MAX_CPUS) {
		fprintf(stderr, "pagesim import: --cpus: must be 1..%d\n", PS_TRACE_MAX_CPUS);
		return 2;
	}
	if (page_size && (page_size < PS_TRACE_MIN_PAGE_SIZE ||
			  page_size > PS_TRACE_MAX_PAGE_SIZE || (page_size & (page_size - 1)))) {
		fprintf(stderr, "pagesim import: --page-size: a power of two %d..%d\n",
			PS_TRACE_MIN_PAGE_SIZE, PS_TRACE_MAX_PAGE_SIZE);
		return 2;
	}
	opts.cpus = (int)cpus;
	opts.page_size = (uint32_t)page_size;
	opts.portable = portable;
	opts.portable_observed = observed;
	if (observed && !portable) {
		fprintf(stderr, "pagesim import: --observed: only with --portable (an exact import "
				"keeps the observed records anyway)\n");
		return 2;
	}
	if (mempolicy) {
		int n = (int)g_strv_length(mempolicy);

		mpols = g_new0(PsImportMempolicy, n);
		for (int i = 0; i < n; i++) {
			if (!ps_import_mempolicy_parse(mempolicy[i], &mpols[i], &error)) {
				fprintf(stderr, "pagesim import: %s\n", error->message);
				return 2;
			}
			/* in time order (insertion sort: a handful of changes) */
			for (int j = i; j > 0 && mpols[j].ts_ns < mpols[j - 1].ts_ns; j--) {
				PsImportMempolicy tmp = mpols[j];

				mpols[j] = mpols[j - 1];
				mpols[j - 1] = tmp;
			}
		}
		opts.mempolicies = mpols;
		opts.n_mempolicies = n;
	}
	if (!machine_path && strcmp(argv[1], "-") != 0) {
		g_autofree char *dir = g_path_get_dirname(argv[1]);
		g_autofree char *beside = g_build_filename(dir, "MACHINE", NULL);

		if (g_file_test(beside, G_FILE_TEST_EXISTS))
			machine_path = g_steal_pointer(&beside);
	}
	if (machine_path) {
		if (!ps_trace_machine_read(machine_path, machine, sizeof(machine), &error)) {
			fprintf(stderr, "pagesim import: --machine: %s\n", error->message);
			return 2;
		}
		opts.machine = machine;
	}
	if (!tasks_path && strcmp(argv[1], "-") != 0) {
		/* pagesim-capture's task memcgs beside the input: proc records carry them */
		g_autofree char *dir = g_path_get_dirname(argv[1]);
		g_autofree char *beside = g_build_filename(dir, "before.tasks", NULL);

		if (g_file_test(beside, G_FILE_TEST_EXISTS))
			tasks_path = g_steal_pointer(&beside);
	}
	opts.tasks = tasks_path;
	t0 = g_get_monotonic_time();
	if (!ps_trace_import(argv[1], out, &opts, &st, &error)) {
		fprintf(stderr, "pagesim import: %s\n", error->message);
		return 1;
	}
	if (!quiet) {
		g_autoptr(GString) text = g_string_new(NULL);
		double secs = (double)(g_get_monotonic_time() - t0) / 1e6;

		ps_import_stats_format(&st, text);
		fprintf(stderr, "pagesim import: %s -> %s\n%s", argv[1], out, text->str);
		fprintf(stderr, "  %.2f s, %.2f M lines/s\n", secs,
			secs > 0 ? (double)st.lines / secs / 1e6 : 0.0);
	}
	return 0;
}
