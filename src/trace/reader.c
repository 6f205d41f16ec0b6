// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reader.c - streaming trace reader: a file or standard input, plain or gzip, one event at a
 * time in constant memory.
 *
 * Lines come from util's line reader (plain or gzip, cut in place, capped at PS_TRACE_LINE_MAX);
 * this file adds the header, blank lines, and the checks that span lines: time never goes
 * backwards and cpu is below the header's cpus.
 */
#include "trace/trace.h"

#include "util/util.h"

#include <inttypes.h>
#include <string.h>

/*
 * One open trace: the line reader under it, and what the checks between lines need.
 */
struct PsTraceReader {
	PsLineReader *lines;
	uint64_t last_t_ns; /* time of the previous event */
	PsTraceHeader hdr;
};

/* The next line; util's errors become PS_TRACE_ERROR ones. */
static int ps_reader_next_line(PsTraceReader *r, char **line, gsize *len, GError **error)
{
	int rc = ps_line_reader_next(r->lines, line, len, error);

	if (rc < 0)
		ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
					PS_TRACE_ERROR_PARSE);
	return rc;
}

static bool ps_line_is_blank(const char *line, gsize len)
{
	gsize i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

PsTraceReader *ps_trace_reader_open(const char *path, PsTraceHeader *hdr, GError **error)
{
	g_autoptr(PsTraceReader) r = NULL;
	char *line = NULL;
	gsize len = 0;
	int rc;

	g_return_val_if_fail(path != NULL, NULL);

	r = g_new0(PsTraceReader, 1);
	r->lines = ps_line_reader_open(path, PS_TRACE_LINE_MAX, error);
	if (r->lines == NULL) {
		ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
					PS_TRACE_ERROR_PARSE);
		return NULL;
	}
	rc = ps_reader_next_line(r, &line, &len, error);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:1: missing header: the trace is empty",
			    ps_line_reader_name(r->lines));
		return NULL;
	}
	if (!ps_trace_parse_header(line, len, &r->hdr, error)) {
		g_prefix_error(error, "%s:1: ", ps_line_reader_name(r->lines));
		return NULL;
	}
	if (hdr != NULL)
		*hdr = r->hdr;
	return g_steal_pointer(&r);
}

int ps_trace_reader_next(PsTraceReader *r, PsTraceEvent *ev, GError **error)
{
	const char *name = ps_line_reader_name(r->lines);
	uint64_t nr;
	char *line;
	gsize len;
	int rc;

	g_return_val_if_fail(r != NULL && ev != NULL, -1);

	do {
		rc = ps_reader_next_line(r, &line, &len, error);
		if (rc <= 0)
			return rc;
	} while (ps_line_is_blank(line, len));

	nr = ps_line_reader_line(r->lines);
	if (!ps_trace_parse_line(line, len, ev, error)) {
		g_prefix_error(error, "%s:%" PRIu64 ": ", name, nr);
		return -1;
	}
	ev->line = nr;
	if (ev->t_ns < r->last_t_ns) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:%" PRIu64 ": t: time goes backwards (%" PRIu64 " < %" PRIu64 ")",
			    name, nr, ev->t_ns, r->last_t_ns);
		return -1;
	}
	if (ev->cpu >= r->hdr.cpus) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:%" PRIu64 ": cpu: %d is not below the header's cpus (%d)", name, nr,
			    ev->cpu, r->hdr.cpus);
		return -1;
	}
	r->last_t_ns = ev->t_ns;
	return 1;
}

uint64_t ps_trace_reader_line(const PsTraceReader *r)
{
	return ps_line_reader_line(r->lines);
}

const char *ps_trace_reader_path(const PsTraceReader *r)
{
	return ps_line_reader_path(r->lines);
}

void ps_trace_reader_close(PsTraceReader *r)
{
	if (r == NULL)
		return;
	ps_line_reader_close(r->lines);
	g_free(r);
}
