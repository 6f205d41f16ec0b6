// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_trace.c - `pagesim trace compile TRACE [-o FILE]`: parses a JSONL trace once into the binary
 * trace cache (trace/cache.c), or into FILE, a compiled trace that `pagesim run -t FILE` reads
 * directly. `run` and `sweep` fill the cache by themselves; this is for doing it ahead of time
 * (before a batch of runs, or to time the parse alone).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "trace/trace.h"

static int trace_compile(int argc, char **argv)
{
	g_autofree char *out = NULL, *cache_opt = NULL, *cache_dir = NULL, *written = NULL;
	gboolean quiet = FALSE;
	GOptionEntry entries[] = {
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
	     "Write a compiled trace here instead of into the cache", "FILE"},
	    {"trace-cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_opt,
	     "Binary trace cache directory (default: $PAGESIM_TRACE_CACHE, else "
	     "~/.cache/pagesim)",
	     "DIR"},
	    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("TRACE - parse a trace once into the binary trace cache");
	g_autoptr(GError) error = NULL;
	uint64_t records = 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim trace compile: %s\n", error->message);
		return 2;
	}
	if (argc != 2) {
		fprintf(stderr, "pagesim trace compile: usage: pagesim trace compile TRACE "
				"[-o FILE]\n");
		return 2;
	}
	if (!out) {
		cache_dir = ps_cli_trace_cache_dir(cache_opt, FALSE);
		if (!cache_dir) {
			fprintf(stderr,
				"pagesim trace compile: the cache is off "
				"(PAGESIM_TRACE_CACHE); give --trace-cache DIR or -o FILE\n");
			return 2;
		}
	}
	if (!ps_trace_compile(argv[1], out, cache_dir, NULL, &written, &records, &error)) {
		fprintf(stderr, "pagesim trace compile: %s\n", error->message);
		return 1;
	}
	if (!quiet)
		printf("%s: %" G_GUINT64_FORMAT " records\n", written, records);
	return 0;
}

int ps_cmd_trace(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "compile"))
		return trace_compile(argc - 1, argv + 1);
	fprintf(stderr, "Usage: pagesim trace compile TRACE [-o FILE] [--trace-cache DIR]\n"
			"  compile   parse a JSONL trace once into the binary trace cache\n");
	return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2;
}
