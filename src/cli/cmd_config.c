// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_config.c - `pagesim config show CONFIG` and `pagesim config from-proc ... -o CONFIG`.
 *
 * show builds the machine a config describes, runs the kernel's boot-time setup on it and prints
 * the result in /proc/zoneinfo layout (or buddyinfo, pagetypeinfo, vmstat), so it can be diffed
 * against a real machine's file. Without --format it prints the zoneinfo and then, after a blank
 * line and a '#' heading, what zoneinfo has no line for (min_free_kbytes, totalreserve_pages, the
 * values carried from a mirrored machine's boot history), all on stdout; with --format FILE it
 * prints exactly that /proc file, for diffing.
 *
 * from-proc gathers what is known about a machine (its zoneinfo; sysctls, cpus, page size and THP
 * mode from a /proc-like directory or the running system; command-line overrides) and lets
 * config/ infer the rest. The zoneinfo is read in one go: on kernels whose zones grow at run time
 * (kernel-facts §0.1) two reads may disagree.
 */
#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "policy/policy.h"
#include "report/report.h"

static void config_usage(FILE *f)
{
	fprintf(f, "Usage: pagesim config show [--format zoneinfo|buddyinfo|pagetypeinfo|vmstat] "
		   "CONFIG\n"
		   "       pagesim config from-proc [--proc DIR] [--zoneinfo FILE] [OPTIONS...] "
		   "-o CONFIG\n\n"
		   "Run 'pagesim config SUBCOMMAND --help' for the options.\n");
}

static int cmd_show(int argc, char **argv)
{
	g_autofree char *format = NULL;
	GOptionEntry entries[] = {
	    {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
	     "what to print: zoneinfo (default), buddyinfo, pagetypeinfo or vmstat", "FMT"},
	    G_OPTION_ENTRY_NULL};
	g_autoptr(GOptionContext) ctx = g_option_context_new("CONFIG");
	g_autoptr(GError) error = NULL;
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(PsMachine) m = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *carried = NULL;

	g_option_context_set_summary(
	    ctx,
	    "Print the watermarks, reserves and pcp limits the kernel would derive for the "
	    "machine of CONFIG, in /proc/zoneinfo layout, followed by min_free_kbytes, "
	    "totalreserve_pages, the deferred pages a zone starts without (key \"deferred\") and "
	    "the values carried from a mirrored machine's boot history. "
	    "With --format, exactly that /proc file and nothing else (to diff with a real "
	    "machine's).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim config show: %s\n", error->message);
		return 2;
	}
	if (argc != 2) {
		fprintf(stderr, "pagesim config show: expected one CONFIG argument\n");
		return 2;
	}
	if (!ps_config_load(cfg, argv[1], &error)) {
		fprintf(stderr, "pagesim config show: %s\n", error->message);
		return 1;
	}
	m = ps_machine_setup(&cfg->spec, &error);
	if (!m) {
		fprintf(stderr, "pagesim config show: %s: %s\n", argv[1], error->message);
		return 1;
	}
	if (!format || !strcmp(format, "zoneinfo"))
		ps_format_zoneinfo(m, out);
	else if (!strcmp(format, "buddyinfo"))
		ps_format_buddyinfo(m, out);
	else if (!strcmp(format, "pagetypeinfo"))
		ps_format_pagetypeinfo(m, out);
	else if (!strcmp(format, "vmstat"))
		ps_format_vmstat(m, out);
	else {
		fprintf(stderr, "pagesim config show: unknown format '%s'\n", format);
		return 2;
	}
	if (!format) {
		g_string_append_printf(
		    out,
		    "\n# not in /proc/zoneinfo\nmin_free_kbytes %" G_GINT64_FORMAT
		    "\ntotalreserve_pages %" G_GUINT64_FORMAT "\n",
		    m->sysctl.min_free_kbytes, m->totalreserve_pages);
		for (int i = 0; i < m->nr_zones; i++) {
			const PsZone *z = &m->zones[i];

			if (z->first_deferred_pfn == PS_PFN_NONE)
				continue;
			g_string_append_printf(
			    out,
			    "deferred pages: node %d %s %" G_GUINT64_FORMAT
			    " from first_deferred_pfn %u, grown on demand in sections of "
			    "%" G_GUINT64_FORMAT " pages\n",
			    z->node, ps_zone_names[z->type],
			    (uint64_t)(ps_zone_end_pfn(z) - z->first_deferred_pfn),
			    z->first_deferred_pfn, ps_pages_per_section(m->page_size));
		}
		carried = ps_boot_history_describe(&cfg->spec);
		if (carried)
			g_string_append_printf(
			    out,
			    "boot history: printed values carried where the formulas differ:\n%s",
			    carried);
	}
	fwrite(out->str, 1, out->len, stdout);
	return 0;
}

/* The first integer of a small file, or -1 when it does not exist or holds none. */
static int64_t read_int_file(const char *path)
{
	g_autofree char *text = NULL;
	char *end;
	int64_t v;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	v = g_ascii_strtoll(text, &end, 10);
	return end == text ? -1 : v;
}

/* Parses a kernel cpulist ("0-3,8,10-11"); returns the number of cpus or -1. */
static int cpulist_parse(const char *s, int *cpus, int max)
{
	int n = 0;

	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s)
			return -1;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1)
				return -1;
			s = end;
		}
		for (long c = a; c <= b; c++) {
			if (n >= max)
				return -1;
			cpus[n++] = (int)c;
		}
		if (*s == ',')
			s++;
	}
	return n;
}

/* Number of cpus in a cpulist file, or -1. */
static int cpulist_count(const char *path)
{
	g_autofree char *text = NULL;
	g_autofree int *cpus = g_new(int, PS_MAX_CPUS);

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	return cpulist_parse(text, cpus, PS_MAX_CPUS);
}

/* cpu -> node from sys/devices/system/node/node<N>/cpulist; FALSE if incomplete. */
static gboolean read_cpu_nodes(const char *sysdir, int nr_cpus, int *cpu_node)
{
	g_autofree int *cpus = g_new(int, PS_MAX_CPUS);
	int found = 0;

	for (int c = 0; c < nr_cpus; c++)
		cpu_node[c] = -1;
	for (int n = 0; n < PS_MAX_NODES; n++) {
		g_autofree char *path =
		    g_strdup_printf("%s/devices/system/node/node%d/cpulist", sysdir, n);
		g_autofree char *text = NULL;
		int k;

		if (!g_file_get_contents(path, &text, NULL, NULL))
			continue;
		k = cpulist_parse(text, cpus, PS_MAX_CPUS);
		for (int i = 0; i < k; i++)
			if (cpus[i] < nr_cpus && cpu_node[cpus[i]] < 0) {
				cpu_node[cpus[i]] = n;
				found++;
			}
	}
	return found == nr_cpus;
}

static int parse_thp_mode(const char *s)
{
	/* Either a plain name or the sysfs form "always [madvise] never". */
	const char *sel = strchr(s, '[');

	if (sel)
		s = sel + 1;
	if (g_str_has_prefix(s, "always"))
		return 2;
	if (g_str_has_prefix(s, "madvise"))
		return 1;
	if (g_str_has_prefix(s, "never"))
		return 0;
	if (g_str_has_prefix(s, "off"))
		return 3;
	return -1;
}

/* The command line of from-proc, and the strings the PsProcInput built from it points to. */
typedef struct {
	char *proc_dir, *zoneinfo, *output, *name, *cpu_nodes, *lrr, *thp;
	int page_size, cpus, wsf, wbf, hfrac, slice_kib;
	int64_t mfk;
	char *sysctl_src, *cpus_src, *nodes_src, *thp_src, *shmem_src, *sysdir;
	char *defrag_src, *sizes_src, *khugepaged_src;
	int cpu_node[PS_MAX_CPUS];
	PsThpSettings thp_settings; /* what the THP files gave; its sizes' paths in thp_paths */
	GPtrArray *thp_paths;
} FromProcArgs;

static void from_proc_args_clear(FromProcArgs *a)
{
	g_free(a->proc_dir);
	g_free(a->zoneinfo);
	g_free(a->output);
	g_free(a->name);
	g_free(a->cpu_nodes);
	g_free(a->lrr);
	g_free(a->thp);
	g_free(a->sysctl_src);
	g_free(a->cpus_src);
	g_free(a->nodes_src);
	g_free(a->thp_src);
	g_free(a->shmem_src);
	g_free(a->sysdir);
	g_free(a->defrag_src);
	g_free(a->sizes_src);
	g_free(a->khugepaged_src);
	if (a->thp_paths)
		g_ptr_array_unref(a->thp_paths);
}

/* Sysctls from DIR/sys/vm when the tree has them (the live /proc always does). */
static void read_sysctl_dir(FromProcArgs *a, const char *dir, PsProcInput *in)
{
	static const struct {
		const char *file;
		size_t offset;
	} ints[] = {
	    {"watermark_scale_factor", offsetof(PsProcInput, watermark_scale_factor)},
	    {"watermark_boost_factor", offsetof(PsProcInput, watermark_boost_factor)},
	    {"percpu_pagelist_high_fraction", offsetof(PsProcInput, percpu_pagelist_high_fraction)},
	    {"extfrag_threshold", offsetof(PsProcInput, extfrag_threshold)},
	    {"compaction_proactiveness", offsetof(PsProcInput, compaction_proactiveness)},
	    {"swappiness", offsetof(PsProcInput, swappiness)},
	    {"zone_reclaim_mode", offsetof(PsProcInput, zone_reclaim_mode)},
	    {"defrag_mode", offsetof(PsProcInput, defrag_mode)},
	};
	g_autofree char *vm = g_build_filename(dir, "sys", "vm", NULL);
	g_autofree char *lp = g_build_filename(vm, "lowmem_reserve_ratio", NULL);
	g_autofree char *mp = g_build_filename(vm, "min_free_kbytes", NULL);
	g_autofree char *lt = NULL;

	if (!g_file_test(vm, G_FILE_TEST_IS_DIR))
		return;
	in->min_free_kbytes = read_int_file(mp);
	for (gsize i = 0; i < G_N_ELEMENTS(ints); i++) {
		g_autofree char *p = g_build_filename(vm, ints[i].file, NULL);

		*(int *)(void *)((char *)in + ints[i].offset) = (int)read_int_file(p);
	}
	if (g_file_get_contents(lp, &lt, NULL, NULL)) {
		char *s = lt;

		for (int i = 0; i < PS_MAX_NR_ZONES; i++) {
			char *end;
			int64_t v = g_ascii_strtoll(s, &end, 10);

			in->lowmem_reserve_ratio[i] = end == s ? 0 : (int)v;
			s = end;
		}
	}
	a->sysctl_src = g_strdup_printf("%s/*", vm);
	in->sysctl_source = a->sysctl_src;
}

/* Command-line sysctls override the tree's. */
static void apply_sysctl_options(FromProcArgs *a, PsProcInput *in)
{
	if (a->mfk >= 0 || a->wsf > 0 || a->wbf >= 0 || a->hfrac >= 0 || a->lrr)
		in->sysctl_source = a->sysctl_src ? a->sysctl_src : "command line";
	if (a->mfk >= 0)
		in->min_free_kbytes = a->mfk;
	if (a->wsf > 0)
		in->watermark_scale_factor = a->wsf;
	if (a->wbf >= 0)
		in->watermark_boost_factor = a->wbf;
	if (a->hfrac >= 0)
		in->percpu_pagelist_high_fraction = a->hfrac;
	if (a->lrr) {
		g_auto(GStrv) parts = g_strsplit_set(a->lrr, " ,\t", -1);
		int n = 0;

		for (int i = 0; parts[i] && n < PS_MAX_NR_ZONES; i++)
			if (*parts[i])
				in->lowmem_reserve_ratio[n++] = atoi(parts[i]);
		for (; n < PS_MAX_NR_ZONES; n++)
			in->lowmem_reserve_ratio[n] = 0;
	}
}

/*
 * Cpus, their nodes and --thp: options first, then the sysfs beside the /proc tree (THP's files:
 * read_thp_settings).
 */
static gboolean read_cpus_and_thp(FromProcArgs *a, PsProcInput *in)
{
	g_autofree char *online =
	    a->sysdir ? g_build_filename(a->sysdir, "devices/system/cpu/online", NULL) : NULL;
	int n;

	if (a->cpus > 0) {
		in->nr_cpus = a->cpus;
		in->nr_cpus_source = "--cpus";
	} else if (online && (n = cpulist_count(online)) > 0) {
		in->nr_cpus = n;
		a->cpus_src = g_strdup_printf("file: %s", online);
		in->nr_cpus_source = a->cpus_src;
	}
	if (a->cpu_nodes) {
		g_auto(GStrv) parts = g_strsplit(a->cpu_nodes, ",", -1);

		n = (int)g_strv_length(parts);
		if (n < 1 || n > PS_MAX_CPUS || (in->nr_cpus && n != in->nr_cpus)) {
			fprintf(stderr, "pagesim config from-proc: --cpu-nodes lists %d cpus\n", n);
			return FALSE;
		}
		for (int i = 0; i < n; i++)
			a->cpu_node[i] = atoi(parts[i]);
		in->nr_cpus = n;
		in->cpu_node = a->cpu_node;
		in->cpu_node_source = "--cpu-nodes";
	} else if (a->sysdir && in->nr_cpus &&
		   read_cpu_nodes(a->sysdir, in->nr_cpus, a->cpu_node)) {
		a->nodes_src =
		    g_strdup_printf("file: %s/devices/system/node/node*/cpulist", a->sysdir);
		in->cpu_node = a->cpu_node;
		in->cpu_node_source = a->nodes_src;
	}
	if (a->thp) {
		in->thp_mode = parse_thp_mode(a->thp);
		in->thp_source = "--thp";
		if (in->thp_mode < 0) {
			fprintf(stderr,
				"pagesim config from-proc: --thp %s: not always, madvise, never or "
				"off\n",
				a->thp);
			return FALSE;
		}
	}
	return TRUE;
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The sysfs THP directory of a /proc tree (or the live one) as a capture's THP would hold it:
 * enabled, defrag and every hugepages-<size>kB/enabled there (in name order, for the same
 * provenance and errors each run). A file missing is a setting unknown.
 */
static gboolean read_thp_sysfs(FromProcArgs *a, const char *dir, GError **error)
{
	PsThpSettings *t = &a->thp_settings;
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *enabled = g_build_filename(dir, "enabled", NULL);
	g_autofree char *defrag = g_build_filename(dir, "defrag", NULL);
	g_autofree char *text = NULL;
	const char *name;

	memset(t, 0, sizeof(*t));
	t->enabled = t->defrag = -1;
	if (g_file_get_contents(enabled, &text, NULL, NULL)) {
		if (!ps_thp_enabled_value_parse(text, enabled, 1, &t->enabled, error))
			return FALSE;
		a->thp_src = g_strdup_printf("file: %s", enabled);
	}
	g_clear_pointer(&text, g_free);
	if (g_file_get_contents(defrag, &text, NULL, NULL)) {
		if (!ps_thp_defrag_value_parse(text, defrag, 1, &t->defrag, error))
			return FALSE;
		a->defrag_src = g_steal_pointer(&defrag);
	}
	for (int k = 0; k < PS_NR_KHUGEPAGED_KEYS; k++) {
		/* kept with the sizes' paths: an error found later names this file */
		char *path = g_build_filename(dir, "khugepaged", ps_khugepaged_key_names[k], NULL);

		g_ptr_array_add(a->thp_paths, path);
		g_clear_pointer(&text, g_free);
		if (!g_file_get_contents(path, &text, NULL, NULL))
			continue;
		if (!ps_khugepaged_value_parse(t, ps_khugepaged_key_names[k], text, path, 1, error))
			return FALSE;
		if (!a->khugepaged_src)
			a->khugepaged_src = g_build_filename(dir, "khugepaged", NULL);
	}
	while (d && (name = g_dir_read_name(d)))
		if (g_str_has_prefix(name, "hugepages-") && g_str_has_suffix(name, "kB"))
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, cmp_names);
	for (guint i = 0; i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);
		char *path = g_build_filename(dir, n, "enabled", NULL);
		g_autofree char *field = g_strdup_printf("%s/enabled", n);
		g_autofree char *v = NULL;

		g_ptr_array_add(a->thp_paths, path);
		/* the file sizes (order 1 on 4 KiB pages) have only shmem_enabled */
		if (!g_file_get_contents(path, &v, NULL, NULL))
			continue;
		if (!ps_thp_settings_add_size(t,
					      g_ascii_strtoull(n + strlen("hugepages-"), NULL, 10),
					      v, path, 1, field, error))
			return FALSE;
	}
	if (t->nr_sizes)
		a->sizes_src = g_strdup_printf("%s/hugepages-<size>kB/enabled", dir);
	return TRUE;
}

/*
 * THP's enabled (unless --thp gave it), defrag and hugepages-<size>kB/enabled: the sysfs files
 * beside the /proc tree (or the live ones), else the lines of the THP a capture writes beside the
 * zoneinfo (its enabled, defrag and hugepages-<size>kB/enabled lines), as shmem_enabled is read.
 * Neither: enabled is inferred from min_free_kbytes, the others keep the defaults. A value that
 * selects nothing is an error naming the file and line.
 */
static gboolean read_thp_settings(FromProcArgs *a, const char *zpath, PsProcInput *in)
{
	g_autofree char *dir =
	    a->sysdir ? g_build_filename(a->sysdir, "kernel", "mm", "transparent_hugepage", NULL)
		      : NULL;
	g_autofree char *zdir = g_path_get_dirname(zpath);
	g_autofree char *capture = g_build_filename(zdir, "THP", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	PsThpSettings *t = &a->thp_settings;

	a->thp_paths = g_ptr_array_new_with_free_func(g_free);
	if (dir && g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		if (!read_thp_sysfs(a, dir, &error))
			goto bad;
	} else if (!a->proc_dir && a->zoneinfo && g_file_get_contents(capture, &text, NULL, NULL)) {
		if (!ps_thp_settings_parse(text, capture, t, &error))
			goto bad;
		if (t->enabled >= 0)
			a->thp_src = g_strdup_printf("file: %s", capture);
		if (t->defrag >= 0)
			a->defrag_src = g_strdup(capture);
		if (t->nr_sizes) {
			/* the sizes' paths point at the capture's name, kept with the others */
			g_ptr_array_add(a->thp_paths, g_strdup(capture));
			for (int i = 0; i < t->nr_sizes; i++)
				t->sizes[i].path = g_ptr_array_index(a->thp_paths, 0);
			a->sizes_src = g_strdup(capture);
		}
		for (int k = 0; k < PS_NR_KHUGEPAGED_KEYS; k++)
			if (t->khugepaged_given[k]) {
				g_ptr_array_add(a->thp_paths, g_strdup(capture));
				for (int j = 0; j < PS_NR_KHUGEPAGED_KEYS; j++)
					t->khugepaged_path[j] =
					    g_ptr_array_index(a->thp_paths, a->thp_paths->len - 1);
				break;
			}
	} else {
		return TRUE;
	}
	if (!a->thp && t->enabled >= 0) {
		in->thp_mode = t->enabled;
		in->thp_source = a->thp_src;
	}
	if (t->defrag >= 0) {
		in->thp_defrag = t->defrag;
		in->thp_defrag_source = a->defrag_src;
		if (t->defrag != PS_THP_DEFRAG_MADVISE)
			fprintf(stderr,
				"pagesim config from-proc: %s: THP defrag is %s; the model's THP "
				"faults follow madvise (no config key)\n",
				a->defrag_src, ps_thp_defrag_names[t->defrag]);
	}
	if (t->nr_sizes) {
		in->thp_sizes = t->sizes;
		in->nr_thp_sizes = t->nr_sizes;
		in->thp_sizes_source = a->sizes_src;
	}
	for (int k = 0; k < PS_NR_KHUGEPAGED_KEYS; k++)
		if (t->khugepaged_given[k]) {
			memcpy(in->khugepaged, t->khugepaged, sizeof(in->khugepaged));
			memcpy(in->khugepaged_given, t->khugepaged_given,
			       sizeof(in->khugepaged_given));
			memcpy(in->khugepaged_path, t->khugepaged_path,
			       sizeof(in->khugepaged_path));
			memcpy(in->khugepaged_line, t->khugepaged_line,
			       sizeof(in->khugepaged_line));
			in->khugepaged_source = a->khugepaged_src
						    ? a->khugepaged_src
						    : (a->khugepaged_src = g_strdup(capture));
			break;
		}
	return TRUE;
bad:
	fprintf(stderr, "pagesim config from-proc: %s\n", error->message);
	return FALSE;
}

static gboolean parse_from_proc_options(FromProcArgs *a, int argc, char **argv)
{
	GOptionEntry entries[] = {
	    {"proc", 0, 0, G_OPTION_ARG_FILENAME, &a->proc_dir,
	     "a /proc tree (default /proc): zoneinfo, sys/vm/*; DIR/../sys for cpus and THP",
	     "DIR"},
	    {"zoneinfo", 0, 0, G_OPTION_ARG_FILENAME, &a->zoneinfo,
	     "a saved zoneinfo (default DIR/zoneinfo)", "FILE"},
	    {"page-size", 0, 0, G_OPTION_ARG_INT, &a->page_size,
	     "page size in bytes (default: this machine's for the live /proc, else inferred from "
	     "the zoneinfo)",
	     "N"},
	    {"cpus", 0, 0, G_OPTION_ARG_INT, &a->cpus, "number of cpus", "N"},
	    {"cpu-nodes", 0, 0, G_OPTION_ARG_STRING, &a->cpu_nodes,
	     "node of each cpu, comma separated (e.g. 0,0,1,1)", "LIST"},
	    {"min-free-kbytes", 0, 0, G_OPTION_ARG_INT64, &a->mfk, "vm.min_free_kbytes", "N"},
	    {"watermark-scale-factor", 0, 0, G_OPTION_ARG_INT, &a->wsf, "vm.watermark_scale_factor",
	     "N"},
	    {"watermark-boost-factor", 0, 0, G_OPTION_ARG_INT, &a->wbf, "vm.watermark_boost_factor",
	     "N"},
	    {"lowmem-reserve-ratio", 0, 0, G_OPTION_ARG_STRING, &a->lrr,
	     "vm.lowmem_reserve_ratio, one per zone type, e.g. \"256 256 32 0 0\"", "LIST"},
	    {"percpu-pagelist-high-fraction", 0, 0, G_OPTION_ARG_INT, &a->hfrac,
	     "vm.percpu_pagelist_high_fraction", "N"},
	    {"thp", 0, 0, G_OPTION_ARG_STRING, &a->thp, "always, madvise, never or off", "MODE"},
	    {"cpu-data-slice-kib", 0, 0, G_OPTION_ARG_INT, &a->slice_kib,
	     "the CPU's data-cache slice in KiB (0: no cache hierarchy found; default: a "
	     "dmesg.txt beside the zoneinfo that says so, else 2048)",
	     "N"},
	    {"name", 0, 0, G_OPTION_ARG_STRING, &a->name, "the config's name", "NAME"},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a->output,
	     "where to write the config ('-' for stdout)", "CONFIG"},
	    G_OPTION_ENTRY_NULL};
	g_autoptr(GOptionContext) ctx = g_option_context_new("");
	g_autoptr(GError) error = NULL;

	g_option_context_set_summary(
	    ctx, "Write a config that mirrors a real machine. Values that are not given or found "
		 "are inferred from the zoneinfo where the kernel's formulas allow it, else set "
		 "to the kernel default; the config's \"provenance\" records which is which.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pagesim config from-proc: %s\n", error->message);
		return FALSE;
	}
	if (argc != 1 || !a->output) {
		fprintf(stderr, "pagesim config from-proc: -o CONFIG is required and no other "
				"argument is taken\n");
		return FALSE;
	}
	return TRUE;
}

static int write_config(const PsConfig *cfg, const char *output)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *json = ps_config_to_json_full(cfg);

	if (!strcmp(output, "-")) {
		fputs(json, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (!ps_config_write_atomic(output, json, &error)) {
		fprintf(stderr, "pagesim config from-proc: %s\n", error->message);
		return 1;
	}
	return 0;
}

/*
 * The path of the pagetypeinfo of the same moment as zoneinfo path zpath: "pagetypeinfo" beside a
 * file named "zoneinfo", "X.pagetypeinfo" beside "X.zoneinfo" (capture and lab snapshots).
 */
static char *sibling_pagetypeinfo(const char *zpath)
{
	g_autofree char *dir = g_path_get_dirname(zpath);
	g_autofree char *base = g_path_get_basename(zpath);

	if (!strcmp(base, "zoneinfo"))
		return g_build_filename(dir, "pagetypeinfo", NULL);
	if (g_str_has_suffix(base, ".zoneinfo")) {
		base[strlen(base) - strlen(".zoneinfo")] = '\0';
		{
			g_autofree char *name = g_strconcat(base, ".pagetypeinfo", NULL);

			return g_build_filename(dir, name, NULL);
		}
	}
	return NULL;
}

/*
 * This machine's readahead window, for the live /proc: the read_ahead_kb of the disk (its bdi)
 * that holds the working directory, the device pagesim-capture names in READ_AHEAD_KB. Where
 * sysfs has none (a tmpfs or overlay directory, no /sys), the config keeps the kernel default
 * and says so; *path is set to the file read.
 */
static void live_read_ahead_kb(PsProcInput *in, char **path)
{
	struct stat st;

	if (stat(".", &st) == 0) {
		unsigned maj = major(st.st_dev), min = minor(st.st_dev);
		g_autofree char *bdi = g_strdup_printf("/sys/class/bdi/%u:%u", maj, min);
		g_autofree char *blk = g_strdup_printf("/sys/dev/block/%u:%u", maj, min);
		/* the disk's bdi; a partition's is its disk's, one directory up */
		char *cand[] = {g_build_filename(bdi, "read_ahead_kb", NULL),
				g_build_filename(blk, "bdi", "read_ahead_kb", NULL),
				g_build_filename(blk, "..", "bdi", "read_ahead_kb", NULL)};

		/* the first one that reads and parses; a bad one is said and the next tried */
		for (gsize i = 0; i < G_N_ELEMENTS(cand) && !*path; i++) {
			g_autofree char *text = NULL;
			g_autoptr(GError) error = NULL;

			if (!g_file_get_contents(cand[i], &text, NULL, NULL))
				continue;
			if (ps_read_ahead_kb_value_parse(text, cand[i], &in->read_ahead_kb,
							 &error)) {
				*path = g_strdup(cand[i]);
				in->read_ahead_kb_source = *path;
			} else {
				fprintf(stderr, "pagesim config from-proc: %s\n", error->message);
			}
		}
		for (gsize i = 0; i < G_N_ELEMENTS(cand); i++)
			g_free(cand[i]);
		if (*path)
			return;
	}
	fprintf(stderr,
		"pagesim config from-proc: no read_ahead_kb in sysfs for the working directory's "
		"disk: page_cache.read_ahead_kb left at the kernel default, 128 KiB\n");
}

/*
 * shmem_enabled: the sysfs file beside the /proc tree (or the live one), else the "shmem_enabled"
 * line of the THP a capture writes beside the zoneinfo; neither: the config's default (never).
 * A value that does not parse is an error.
 */
static gboolean read_shmem_enabled(FromProcArgs *a, const char *zpath, PsProcInput *in)
{
	g_autofree char *sys = a->sysdir
				   ? g_build_filename(a->sysdir, "kernel", "mm",
						      "transparent_hugepage", "shmem_enabled", NULL)
				   : NULL;
	g_autofree char *zdir = g_path_get_dirname(zpath);
	g_autofree char *capture = g_build_filename(zdir, "THP", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	gboolean ok;

	if (sys && g_file_get_contents(sys, &text, NULL, NULL)) {
		ok = ps_shmem_enabled_value_parse(text, sys, 1, &in->shmem_enabled, &error);
		a->shmem_src = g_steal_pointer(&sys);
	} else if (!a->proc_dir && a->zoneinfo && g_file_get_contents(capture, &text, NULL, NULL)) {
		ok = ps_thp_settings_shmem_parse(text, capture, &in->shmem_enabled, &error);
		a->shmem_src = g_steal_pointer(&capture);
	} else {
		return TRUE;
	}
	if (!ok) {
		fprintf(stderr, "pagesim config from-proc: %s\n", error->message);
		return FALSE;
	}
	if (in->shmem_enabled >= 0)
		in->shmem_enabled_source = a->shmem_src;
	return TRUE;
}

static int cmd_from_proc(int argc, char **argv)
{
	FromProcArgs a = {.mfk = -1, .wsf = -1, .wbf = -1, .hfrac = -1, .slice_kib = -1};
	g_autoptr(GError) error = NULL;
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autofree char *text = NULL, *zpath = NULL, *pti_text = NULL, *pti_path = NULL;
	g_autofree char *dmesg_path = NULL, *dmesg_text = NULL, *slice_src = NULL;
	g_autofree char *ra_path = NULL, *ra_text = NULL;
	const char *dir;
	bool live;
	int rc = 1;
	PsProcInput in;

	if (!parse_from_proc_options(&a, argc, argv)) {
		from_proc_args_clear(&a);
		return 2;
	}
	live = !a.proc_dir && !a.zoneinfo;
	dir = a.proc_dir ? a.proc_dir : "/proc";
	zpath = a.zoneinfo ? g_strdup(a.zoneinfo) : g_build_filename(dir, "zoneinfo", NULL);
	if (!g_file_get_contents(zpath, &text, NULL, &error)) {
		fprintf(stderr, "pagesim config from-proc: %s\n", error->message);
		goto out;
	}
	ps_proc_input_init(&in);
	in.zoneinfo_text = text;
	in.zoneinfo_path = zpath;
	/* Page size: given, this machine's for the live /proc, else inferred by config/. */
	in.page_size = a.page_size > 0 ? (uint32_t)a.page_size
		       : live	       ? (uint32_t)sysconf(_SC_PAGESIZE)
				       : 0;
	in.page_size_source =
	    a.page_size > 0 ? "--page-size" : "sysconf(_SC_PAGESIZE) of this machine";
	/* MIGRATE_TYPES (mobility grouping's threshold) from the same moment's pagetypeinfo */
	pti_path = sibling_pagetypeinfo(zpath);
	if (pti_path && g_file_get_contents(pti_path, &pti_text, NULL, NULL)) {
		in.pagetypeinfo_text = pti_text;
		in.pagetypeinfo_path = pti_path;
	}
	/*
	 * The data-cache slice (PCPF_FREE_HIGH_BATCH): given, or 0 when the kernel log beside the
	 * zoneinfo (lab and capture folders keep dmesg.txt) says it found no cache hierarchy.
	 */
	if (a.slice_kib >= 0) {
		in.cpu_data_slice_kib = a.slice_kib;
		in.cpu_data_slice_source = "--cpu-data-slice-kib";
	} else {
		g_autofree char *zdir = g_path_get_dirname(zpath);

		dmesg_path = g_build_filename(zdir, "dmesg.txt", NULL);
		if (g_file_get_contents(dmesg_path, &dmesg_text, NULL, NULL) &&
		    strstr(dmesg_text, "cacheinfo: Unable to detect cache hierarchy")) {
			in.cpu_data_slice_kib = 0;
			slice_src = g_strdup_printf(
			    "%s: \"cacheinfo: Unable to detect cache hierarchy\"", dmesg_path);
			in.cpu_data_slice_source = slice_src;
		}
	}
	/*
	 * The disk's readahead window: the READ_AHEAD_KB a capture writes beside the zoneinfo;
	 * without one the config keeps the kernel default (VM_READAHEAD_PAGES, 128 KiB), and says
	 * so.
	 */
	if (live) {
		live_read_ahead_kb(&in, &ra_path);
	} else {
		g_autofree char *zdir = g_path_get_dirname(zpath);

		ra_path = g_build_filename(zdir, "READ_AHEAD_KB", NULL);
		if (g_file_get_contents(ra_path, &ra_text, NULL, NULL)) {
			if (!ps_read_ahead_kb_parse(ra_text, ra_path, &in.read_ahead_kb, &error)) {
				fprintf(stderr, "pagesim config from-proc: %s\n", error->message);
				goto out;
			}
			in.read_ahead_kb_source = ra_path;
		} else {
			fprintf(stderr,
				"pagesim config from-proc: no %s: page_cache.read_ahead_kb left at "
				"the kernel default, 128 KiB\n",
				ra_path);
		}
	}
	if (!a.zoneinfo || a.proc_dir)
		read_sysctl_dir(&a, dir, &in);
	apply_sysctl_options(&a, &in);
	a.sysdir = live		? g_strdup("/sys")
		   : a.proc_dir ? g_build_filename(a.proc_dir, "..", "sys", NULL)
				: NULL;
	if (!read_cpus_and_thp(&a, &in)) {
		rc = 2;
		goto out;
	}
	if (!read_thp_settings(&a, zpath, &in) || !read_shmem_enabled(&a, zpath, &in))
		goto out;
	if (!ps_config_from_proc(&in, cfg, &error)) {
		fprintf(stderr, "%s\n", error->message);
		goto out;
	}
	if (a.name) {
		g_free(cfg->name);
		cfg->name = g_strdup(a.name);
	}
	rc = write_config(cfg, a.output);
out:
	from_proc_args_clear(&a);
	return rc;
}

int ps_cmd_config(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		config_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "from-proc"))
		return cmd_from_proc(argc - 1, argv + 1);
	fprintf(stderr, "pagesim config: unknown subcommand '%s'\n", argv[1]);
	config_usage(stderr);
	return 2;
}
