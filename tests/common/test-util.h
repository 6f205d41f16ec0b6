/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-util.h - small helpers shared by the test programs and benchmarks.
 */
#ifndef PS_TEST_UTIL_H
#define PS_TEST_UTIL_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

/* Removes a file or a directory tree (temporary test directories). Symlinks are not followed. */
static inline void ps_test_rm_rf(const char *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const char *name;

		while (d && (name = g_dir_read_name(d))) {
			g_autofree char *child = g_build_filename(path, name, NULL);

			ps_test_rm_rf(child);
		}
		g_rmdir(path);
	} else {
		g_unlink(path);
	}
}

/* A fresh temporary directory named after the test (prefix "pagesim-NAME-XXXXXX"). */
static inline char *ps_test_make_dir(const char *tmpl)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp(tmpl, &error);

	g_assert_no_error(error);
	return dir;
}

/* A whole file, which must be readable. */
static inline char *ps_test_slurp(const char *path)
{
	char *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/*
 * The value of "NAME SEP N" on any line of a "key value" text: SEP is " " for vmstat text
 * (/proc/vmstat or a run's vmstat file), ": " for a sysctl dump. -1 when no line has it. A NAME
 * ending in '*' sums every line whose key starts with the rest ("allocstall_*": the per-zone
 * allocstall rows), 0 when none does.
 */
static inline int64_t ps_test_kv_in(const char *text, const char *name, const char *sep)
{
	size_t len = strlen(name), seplen = strlen(sep);
	bool prefix = len && name[len - 1] == '*';
	int64_t sum = 0;
	bool found = false;

	if (prefix)
		len--;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');

		if (!strncmp(line, name, len) && (prefix ? strncmp(line + len, sep, seplen)
							 : !strncmp(line + len, sep, seplen))) {
			const char *v = prefix ? strstr(line + len, sep) : line + len;

			if (v && (!nl || v < nl)) {
				sum += g_ascii_strtoll(v + seplen, NULL, 10);
				found = true;
				if (!prefix)
					break;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return found || prefix ? sum : -1;
}

static inline int64_t ps_test_vmstat_in(const char *text, const char *name)
{
	return ps_test_kv_in(text, name, " ");
}

/* The value of KEY in a "KEY SEP N" file (ps_test_kv_in), which must be readable and have it. */
static inline int64_t ps_test_file_value(const char *path, const char *key, const char *sep)
{
	g_autofree char *text = ps_test_slurp(path);
	int64_t v = ps_test_kv_in(text, key, sep);

	if (v < 0)
		g_error("no %s in %s", key, path);
	return v;
}

/* ps_test_vmstat_in on the file at path, which must be readable and have the row. */
static inline int64_t ps_test_vmstat_file(const char *path, const char *name)
{
	return ps_test_file_value(path, name, " ");
}

/* The count of vm event `name` in the vmstat file a run wrote into run_dir. */
static inline uint64_t ps_test_run_vmstat(const char *run_dir, const char *name)
{
	g_autofree char *path = g_build_filename(run_dir, "vmstat", NULL);

	return (uint64_t)ps_test_vmstat_file(path, name);
}

static inline gint ps_test_cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in dir, sorted, one string "a b c" (what a directory holds after a write or an abort). */
static inline char *ps_test_dir_listing(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	g_assert_nonnull(d);
	while ((n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, ps_test_cmp_names);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (char **)names->pdata);
}

/* The JSON document in dir/name (a run's summary.json), parsed; asserts that it is there. */
static inline cJSON *ps_test_json_file(const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename(dir, name, NULL);
	g_autofree char *text = NULL;
	cJSON *j;

	if (!g_file_get_contents(p, &text, NULL, NULL))
		g_error("missing %s", p);
	j = cJSON_Parse(text);
	g_assert_nonnull(j);
	return j;
}

/*
 * Runs prog with args (NULL-terminated) in cwd (NULL: the current directory): the exit status,
 * -1 when it did not exit (a signal). Its stdout and stderr go to *out and *err when those are
 * given; a failed run's stderr that nobody asked for goes to the test log.
 */
static inline int ps_test_spawn(const char *cwd, const char *prog, const char *const *args,
				char **out, char **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *o = NULL, *e = NULL;
	int status = 0;

	g_ptr_array_add(argv, (char *)prog);
	for (int i = 0; args[i]; i++)
		g_ptr_array_add(argv, (char *)args[i]);
	g_ptr_array_add(argv, NULL);
	g_assert_true(
	    g_spawn_sync(cwd, (char **)argv->pdata, NULL, 0, NULL, NULL, &o, &e, &status, &error));
	g_assert_no_error(error);
	if (!err && status && e && *e)
		g_test_message("%s %s: %s", prog, args[0] ? args[0] : "", e);
	if (out)
		*out = g_steal_pointer(&o);
	if (err)
		*err = g_steal_pointer(&e);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
