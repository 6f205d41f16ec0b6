// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-import.c - libFuzzer harness for the importer (ps_trace_import): the input is a recording's
 * text (tracefs, perf script or trace-cmd report style), written to a scratch file and converted.
 *
 * Beyond "does not crash", it checks the importer's promises: a refused text says why; an
 * accepted one gives a trace the reader takes back whole, in time order (frees moved to their
 * mm_page_free_batched commits included).
 */
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *in_path, *out_path;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	PsImportOptions opts = {0};
	PsImportStats st;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	PsTraceReader *r;
	GError *error = NULL;
	uint64_t last = 0, n = 0;
	int rc;

	if (!in_path) {
		char *dir = g_dir_make_tmp("pagesim-fuzz-import-XXXXXX", NULL);

		g_assert_nonnull(dir);
		in_path = g_build_filename(dir, "in.txt", NULL);
		out_path = g_build_filename(dir, "out.jsonl", NULL);
		g_free(dir);
	}
	if (!g_file_set_contents(in_path, (const char *)data, (gssize)size, NULL))
		return 0;
	if (!ps_trace_import(in_path, out_path, &opts, &st, &error)) {
		if (error == NULL || error->message[0] == '\0')
			g_error("import refused the text without a message");
		g_clear_error(&error);
		return 0;
	}
	r = ps_trace_reader_open(out_path, &hdr, &error);
	if (!r)
		g_error("imported trace does not open: %s", error->message);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		if (ev.t_ns < last)
			g_error("imported trace goes back in time at record %" G_GUINT64_FORMAT, n);
		last = ev.t_ns;
		n++;
	}
	if (rc < 0)
		g_error("imported trace does not read back: %s", error->message);
	if (n != st.records)
		g_error("imported %" G_GUINT64_FORMAT " records, read %" G_GUINT64_FORMAT,
			st.records, n);
	ps_trace_reader_close(r);
	g_unlink(out_path);
	return 0;
}
