/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-util.h - small helpers shared by the test programs and benchmarks.
 */
#ifndef PS_TEST_UTIL_H
#define PS_TEST_UTIL_H

#include <glib.h>
#include <glib/gstdio.h>

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

#endif
