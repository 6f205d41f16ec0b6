// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-trace-line.c - libFuzzer harness for the trace format: the input is one line handed to
 * both ps_trace_parse_line and ps_trace_parse_header, without a terminating NUL (so reading past
 * len is caught by AddressSanitizer).
 *
 * Beyond "does not crash", it checks the format's promise: whatever parses passes the writer's
 * check, and formatting it gives a canonical line that parses back to the same canonical line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const char *line, size_t size)
{
	char buf[PS_TRACE_EVENT_MAX], again[PS_TRACE_EVENT_MAX];
	GError *error = NULL;
	PsTraceEvent ev, ev2;
	gsize len, len2;

	if (!ps_trace_parse_line(line, size, &ev, &error)) {
		if (error == NULL || error->message[0] == '\0')
			g_error("parse failed without a message");
		g_clear_error(&error);
		return;
	}
	if (!ps_trace_event_check(&ev, &error))
		g_error("parsed, but the writer would refuse it: %s", error->message);
	len = ps_trace_format_event(&ev, buf);
	if (!ps_trace_parse_line(buf, len - 1, &ev2, &error))
		g_error("canonical line '%.*s' does not parse: %s", (int)len - 1, buf,
			error->message);
	len2 = ps_trace_format_event(&ev2, again);
	if (len != len2 || memcmp(buf, again, len) != 0)
		g_error("not canonical: '%.*s' became '%.*s'", (int)len - 1, buf, (int)len2 - 1,
			again);
}

static void check_header(const char *line, size_t size)
{
	GError *error = NULL;
	PsTraceHeader hdr, hdr2;
	char *buf, *again;
	gsize len, len2;

	if (!ps_trace_parse_header(line, size, &hdr, &error)) {
		if (error == NULL || error->message[0] == '\0')
			g_error("header parse failed without a message");
		g_clear_error(&error);
		return;
	}
	/* a pcp_start as long as the line's: the buffers follow the header */
	buf = g_malloc(ps_trace_header_max_len(&hdr));
	len = ps_trace_format_header(&hdr, buf);
	if (!ps_trace_parse_header(buf, len - 1, &hdr2, &error))
		g_error("canonical header '%.*s' does not parse: %s", (int)len - 1, buf,
			error->message);
	again = g_malloc(ps_trace_header_max_len(&hdr2));
	len2 = ps_trace_format_header(&hdr2, again);
	if (len != len2 || memcmp(buf, again, len) != 0)
		g_error("header not canonical: '%.*s'", (int)len - 1, buf);
	g_free(buf);
	g_free(again);
	ps_trace_header_clear(&hdr);
	ps_trace_header_clear(&hdr2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy of exactly size bytes: no NUL after it for the parser to lean on */
	char *line = malloc(size ? size : 1);

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	check_event(line, size);
	check_header(line, size);
	free(line);
	return 0;
}
