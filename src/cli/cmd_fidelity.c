// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_fidelity.c - `pagesim fidelity RUN_DIR [--json]`: the "fidelity" section of a run's
 * summary.json as a table: per allocator-internal counter, what the model did, what the kernel
 * recorded on the same trace, and the ratio. The section exists when the trace had observed
 * records (an imported recording); sim/fidelity.c explains how each counter is measured.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int ps_cmd_fidelity(int argc, char **argv)
{
	gboolean as_json = FALSE;
	GOptionEntry entries[] = {
	    {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print the section as JSON", NULL}, {NULL}};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("RUN_DIR - simulated vs observed allocator counters of a run");
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL, *text = NULL;
	cJSON *root, *fid, *row;
	int width = (int)strlen("counter");

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim fidelity: %s\n", error->message);
		return 2;
	}
	if (argc != 2) {
		fprintf(stderr, "pagesim fidelity: one run directory is required\n");
		return 2;
	}
	path = g_build_filename(argv[1], "summary.json", NULL);
	if (!g_file_get_contents(path, &text, NULL, &error)) {
		fprintf(stderr, "pagesim fidelity: %s\n", error->message);
		return 1;
	}
	root = cJSON_Parse(text);
	if (!root) {
		fprintf(stderr, "pagesim fidelity: %s: not JSON\n", path);
		return 1;
	}
	fid = cJSON_GetObjectItemCaseSensitive(root, "fidelity");
	if (!cJSON_IsArray(fid)) {
		fprintf(
		    stderr,
		    "pagesim fidelity: %s: no fidelity section (the trace had no observed records, "
		    "or the run was pinned)\n",
		    path);
		cJSON_Delete(root);
		return 1;
	}
	if (as_json) {
		char *s = cJSON_Print(fid);

		printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(root);
		return 0;
	}
	/* the counter column as wide as its longest name (27 today: nr_vmscan_immediate_reclaim) */
	cJSON_ArrayForEach(row, fid)
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(row, "counter");

		if (cJSON_IsString(c))
			width = MAX(width, (int)strlen(c->valuestring));
	}
	printf("%-*s %14s %14s %9s  %s\n", width, "counter", "simulated", "observed", "ratio",
	       "source");
	cJSON_ArrayForEach(row, fid)
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(row, "counter");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(row, "simulated");
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(row, "observed");
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(row, "ratio");
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(row, "source");

		if (!cJSON_IsString(c) || !cJSON_IsNumber(s) || !cJSON_IsNumber(o))
			continue;
		printf("%-*s %14.0f %14.0f ", width, c->valuestring, s->valuedouble,
		       o->valuedouble);
		if (cJSON_IsNumber(r))
			printf("%9.3f", r->valuedouble);
		else
			printf("%9s", "-");
		printf("  %s\n", cJSON_IsString(src) ? src->valuestring : "-");
	}
	cJSON_Delete(root);
	return 0;
}
