// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_gen.c - `pagesim gen NAME [--seconds S] [--seed N] [--param k=v ...] -o TRACE` and
 * `pagesim gen --list`: writes a synthetic workload trace with one of trace/'s generators.
 *
 * The generators are pure functions of (seconds, seed, params): this command only parses the
 * command line into those and reports errors; it reads no clock.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "trace/trace.h"

static void gen_list(FILE *f)
{
	fprintf(f, "Generators (pagesim gen NAME --param KEY=VALUE ...):\n");
	for (size_t i = 0; i < ps_nr_generators; i++) {
		const PsGenerator *g = ps_generators[i];
		g_auto(GStrv) lines = g_strsplit(g->params_help, "\n", -1);

		fprintf(f, "\n  %s - %s\n", g->name, g->summary);
		for (char **l = lines; *l; l++)
			if (**l)
				fprintf(f, "      %s\n", *l);
	}
}

/* "k=v" strings into a key -> value table; a repeated key is an error, not a silent override. */
static GHashTable *gen_params(char **kv, GError **error)
{
	g_autoptr(GHashTable) params =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (char **p = kv; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		g_autofree char *key = NULL;

		if (!eq || eq == *p) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--param '%s': expected KEY=VALUE", *p);
			return NULL;
		}
		key = g_strndup(*p, eq - *p);
		if (g_hash_table_contains(params, key)) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--param '%s': key given twice", *p);
			return NULL;
		}
		g_hash_table_insert(params, g_steal_pointer(&key), g_strdup(eq + 1));
	}
	return g_steal_pointer(&params);
}

int ps_cmd_gen(int argc, char **argv)
{
	gboolean list = FALSE;
	double seconds = 10.0;
	g_autofree char *seed_str = NULL;
	g_autofree char *out = NULL;
	g_auto(GStrv) kv = NULL;
	GOptionEntry entries[] = {
	    {"list", 'l', 0, G_OPTION_ARG_NONE, &list, "list the generators and their params",
	     NULL},
	    {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
	     "simulated time the trace covers (default 10)", "S"},
	    {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_str,
	     "seed of the random choices (default 1); same seed, same bytes", "N"},
	    {"param", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &kv,
	     "a generator parameter, repeatable (see --list)", "KEY=VALUE"},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
	     "trace to write ('-' = standard output; .gz = compressed)", "TRACE"},
	    G_OPTION_ENTRY_NULL};
	g_autoptr(GOptionContext) ctx = g_option_context_new("NAME");
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) params = NULL;
	const PsGenerator *g;
	guint64 seed = 1;

	g_option_context_set_summary(ctx, "Write a synthetic workload trace. 'pagesim gen --list' "
					  "shows the generators and their params.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim gen: %s\n", error->message);
		return 2;
	}
	if (list) {
		gen_list(stdout);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "pagesim gen: expected one generator NAME (pagesim gen --list)\n");
		return 2;
	}
	g = ps_generator_find(argv[1]);
	if (!g) {
		fprintf(stderr, "pagesim gen: unknown generator '%s'\n", argv[1]);
		gen_list(stderr);
		return 2;
	}
	if (!out) {
		fprintf(stderr, "pagesim gen: -o TRACE is required ('-' for standard output)\n");
		return 2;
	}
	if (seed_str && !g_ascii_string_to_unsigned(seed_str, 10, 0, G_MAXUINT64, &seed, NULL)) {
		fprintf(stderr, "pagesim gen: --seed: expected a non-negative integer, got '%s'\n",
			seed_str);
		return 2;
	}
	params = gen_params(kv, &error);
	if (!params) {
		fprintf(stderr, "pagesim gen: %s\n", error->message);
		return 2;
	}
	if (!g->run(out, seconds, seed, params, &error)) {
		fprintf(stderr, "pagesim gen %s: %s\n", g->name, error->message);
		return 1;
	}
	return 0;
}
