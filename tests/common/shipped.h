/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shipped.h - compares a trace file made again by a README command with the one shipped in
 * workloads/: the records (the inflated text) must be equal. The gzip bytes are not compared:
 * the shipped files were written at gzip level 5 and the writer writes level 1 since session 24
 * (src/trace/writer.c), and writing them again would change every run output that names its
 * trace (summary.json carries the trace file's sha256) for the same records. That the writer
 * writes the same bytes every time for the same records is tests/trace/test-trace.c's canonical
 * test (/trace/file/gzip).
 */
#ifndef PS_TEST_SHIPPED_H
#define PS_TEST_SHIPPED_H

#include <glib.h>

#include "util/util.h"

/* Fails the test when the records of WANT (shipped) and GOT (made again) differ. */
static inline void ps_test_same_records(const char *want, const char *got)
{
	g_autoptr(GBytes) ta = NULL, tb = NULL;
	g_autoptr(GError) error = NULL;

	ta = ps_file_read_all(want, &error);
	g_assert_no_error(error);
	tb = ps_file_read_all(got, &error);
	g_assert_no_error(error);
	if (!g_bytes_equal(ta, tb))
		g_test_fail_printf("%s: made again, the records differ (%" G_GSIZE_FORMAT
				   " inflated bytes shipped, %" G_GSIZE_FORMAT " made)",
				   want, g_bytes_get_size(ta), g_bytes_get_size(tb));
}

#endif
