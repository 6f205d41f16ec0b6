// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_index.c - `pagesim index [BUDDYINFO] [--extfrag|--unusable]`: the unusable free space index
 * and the fragmentation index of every zone of a /proc/buddyinfo, printed as the kernel prints
 * /sys/kernel/debug/extfrag/unusable_index and extfrag_index (kernel-facts §8.3, §10.5).
 *
 * With one flag the output is exactly that debugfs file, so that it can be diffed against a
 * machine's; by default both are printed, each under a heading line. Without BUDDYINFO the
 * running system's /proc/buddyinfo is read ("-" reads stdin). The indices need nothing but the
 * per-order free block counts, so no machine config is involved.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"

static char *read_input(const char *path, GError **error)
{
	g_autoptr(GString) s = NULL;
	char buf[4096];
	size_t n;

	if (strcmp(path, "-") != 0) {
		char *text = NULL;

		/* g_file_get_contents reads /proc files (size 0 in stat) to their end too. */
		return g_file_get_contents(path, &text, NULL, error) ? text : NULL;
	}
	s = g_string_new(NULL);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		g_string_append_len(s, buf, (gssize)n);
	if (ferror(stdin)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "-: read error on stdin");
		return NULL;
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

int ps_cmd_index(int argc, char **argv)
{
	gboolean extfrag = FALSE, unusable = FALSE;
	GOptionEntry entries[] = {{"extfrag", 'e', 0, G_OPTION_ARG_NONE, &extfrag,
				   "print only extfrag_index, exactly as debugfs does", NULL},
				  {"unusable", 'u', 0, G_OPTION_ARG_NONE, &unusable,
				   "print only unusable_index, exactly as debugfs does", NULL},
				  G_OPTION_ENTRY_NULL};
	g_autoptr(GOptionContext) ctx = g_option_context_new("[BUDDYINFO]");
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) zones = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *text = NULL;
	const char *path;
	gboolean both;

	g_option_context_set_summary(
	    ctx, "Compute the unusable free space index and the fragmentation index of every zone "
		 "of a /proc/buddyinfo file (default: this machine's /proc/buddyinfo, '-' for "
		 "stdin), in the layout of /sys/kernel/debug/extfrag/{unusable_index,"
		 "extfrag_index}. By default both are printed, each under a heading line.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim index: %s\n", error->message);
		return 2;
	}
	if (argc > 2) {
		fprintf(stderr, "pagesim index: expected at most one BUDDYINFO argument\n");
		return 2;
	}
	path = argc == 2 ? argv[1] : "/proc/buddyinfo";
	text = read_input(path, &error);
	if (!text) {
		fprintf(stderr, "pagesim index: %s\n", error->message);
		return 1;
	}
	zones = ps_buddyinfo_parse(text, path, &error);
	if (!zones) {
		fprintf(stderr, "pagesim index: %s\n", error->message);
		return 1;
	}

	both = extfrag == unusable;
	if (both || unusable) {
		if (both)
			g_string_append(out, "unusable_index:\n");
		for (guint i = 0; i < zones->len; i++) {
			const PsBuddyinfoZone *bz = &g_array_index(zones, PsBuddyinfoZone, i);

			ps_format_unusable_index_line(out, bz->node, bz->zone, bz->nr_free,
						      bz->nr_orders);
		}
	}
	if (both || extfrag) {
		if (both)
			g_string_append(out, "extfrag_index:\n");
		for (guint i = 0; i < zones->len; i++) {
			const PsBuddyinfoZone *bz = &g_array_index(zones, PsBuddyinfoZone, i);

			ps_format_extfrag_index_line(out, bz->node, bz->zone, bz->nr_free,
						     bz->nr_orders);
		}
	}
	fwrite(out->str, 1, out->len, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
