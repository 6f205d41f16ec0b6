/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shipped.h - compares a trace file made again by a README command with the one shipped in
 * workloads/: the records (the inflated text) must be equal; the gzip bytes are compared only
 * when the system's libdeflate is PS_SHIPPED_LIBDEFLATE and the writer's level
 * (PS_WRITER_GZ_LEVEL) is PS_SHIPPED_GZ_LEVEL, the version and level the shipped files were
 * written with (workloads/README.md says so), since libdeflate's output at one level may
 * change between its releases. The shipped files were written at level 5 and the writer writes
 * level 1 since session 24 (src/trace/writer.c): their bytes are not compared until they are
 * written again at the writer's level.
 */
#ifndef PS_TEST_SHIPPED_H
#define PS_TEST_SHIPPED_H

#include <glib.h>
#include <libdeflate.h>
#include <string.h>

#include "trace/trace.h"
#include "util/util.h"

#define PS_SHIPPED_LIBDEFLATE "1.14"
#define PS_SHIPPED_GZ_LEVEL   5

/*
 * Fails the test when the records of WANT (shipped) and GOT (made) differ, or, under
 * PS_SHIPPED_LIBDEFLATE at PS_SHIPPED_GZ_LEVEL, when their gzip bytes do. Returns FALSE when only
 * the gzip bytes differ under another libdeflate or level, which the caller reports as a skip
 * (*why set).
 */
static inline gboolean ps_test_same_shipped(const char *want, const char *got, char **why)
{
	g_autofree char *za = NULL, *zb = NULL;
	g_autoptr(GBytes) ta = NULL, tb = NULL;
	g_autoptr(GError) error = NULL;
	gsize la = 0, lb = 0;
	gboolean gz_same;

	g_assert_true(g_file_get_contents(want, &za, &la, NULL));
	g_assert_true(g_file_get_contents(got, &zb, &lb, NULL));
	gz_same = la == lb && !memcmp(za, zb, la);
	ta = ps_file_read_all(want, &error);
	g_assert_no_error(error);
	tb = ps_file_read_all(got, &error);
	g_assert_no_error(error);
	if (!g_bytes_equal(ta, tb)) {
		g_test_fail_printf("%s: made again, the records differ (%" G_GSIZE_FORMAT
				   " inflated bytes shipped, %" G_GSIZE_FORMAT " made)",
				   want, g_bytes_get_size(ta), g_bytes_get_size(tb));
		return TRUE;
	}
	if (gz_same)
		return TRUE;
	if (PS_WRITER_GZ_LEVEL != PS_SHIPPED_GZ_LEVEL) {
		g_free(*why);
		*why =
		    g_strdup_printf("%s: records equal; gzip bytes not compared: the writer writes "
				    "level %d, the shipped files were written at level %d",
				    want, PS_WRITER_GZ_LEVEL, PS_SHIPPED_GZ_LEVEL);
		return FALSE;
	}
	if (strcmp(LIBDEFLATE_VERSION_STRING, PS_SHIPPED_LIBDEFLATE) == 0) {
		g_test_fail_printf("%s: made again, only the gzip bytes differ (%" G_GSIZE_FORMAT
				   " shipped, %" G_GSIZE_FORMAT " made) under libdeflate %s",
				   want, la, lb, LIBDEFLATE_VERSION_STRING);
		return TRUE;
	}
	g_free(*why);
	*why = g_strdup_printf("%s: records equal; gzip bytes not compared: libdeflate %s here, "
			       "the shipped files were written with %s",
			       want, LIBDEFLATE_VERSION_STRING, PS_SHIPPED_LIBDEFLATE);
	return FALSE;
}

#endif
