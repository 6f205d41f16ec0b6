/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-util.h - small helpers shared by the test programs and benchmarks.
 */
#ifndef PS_TEST_UTIL_H
#define PS_TEST_UTIL_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

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

#endif
