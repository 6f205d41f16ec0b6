// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reader.c - streaming trace reader: a file or standard input, plain or gzip, one event at a
 * time in constant memory.
 *
 * The input is read with plain read(2) into a fixed buffer and, when the first two bytes are the
 * gzip magic (0x1f 0x8b), inflated through GIO's GZlibDecompressor driven directly with
 * g_converter_convert(). Lines are cut out of the decoded buffer in place and handed to the
 * parser without copying. GDataInputStream's read_line was the obvious alternative; it allocates
 * a string per line and has no bound on a line's length, and standard input would need
 * gio-unix, which the build does not pull in. Memory is the input buffer plus a line buffer that
 * grows only as far as the longest line, which is capped at PS_TRACE_LINE_MAX.
 *
 * Concatenated gzip members (`cat a.gz b.gz`) are read as one stream, as gzip -d does.
 */
#include "trace/trace.h"

#include <gio/gio.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#define PS_READER_IN_SIZE  (128 * 1024) /* compressed input chunk */
#define PS_READER_BUF_SIZE (256 * 1024) /* initial decoded buffer; grows for long lines */

/*
 * One open trace. buf[start, end) is decoded text not yet handed out; buf[start, scan) is known
 * to hold no newline. For a gzip trace in[in_pos, in_len) is compressed input not yet inflated.
 */
struct PsTraceReader {
	char *path;	  /* as given, "-" for standard input */
	const char *name; /* for messages: path, or "<stdin>" */
	int fd;
	bool own_fd;
	GConverter *gz;	  /* NULL for a plain trace */
	bool gz_finished; /* the current gzip member is complete */
	guint8 *in;
	gsize in_pos, in_len;
	bool in_eof; /* read(2) returned 0 */
	char *buf;
	gsize buf_size, start, end, scan;
	bool eof;	    /* no more decoded text will come */
	uint64_t line;	    /* lines handed out so far (the last one's number) */
	uint64_t last_t_ns; /* time of the previous event */
	PsTraceHeader hdr;
};

static void ps_reader_set_io_error(PsTraceReader *r, GError **error, const char *what, int err)
{
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO, "%s: %s: %s", r->name, what,
		    g_strerror(err));
}

/* read(2) into in[]; FALSE on error. Sets in_eof when the input ends. */
static gboolean ps_reader_read_in(PsTraceReader *r, GError **error)
{
	ssize_t n;

	if (r->in_pos == r->in_len)
		r->in_pos = r->in_len = 0;
	do
		n = read(r->fd, r->in + r->in_len, PS_READER_IN_SIZE - r->in_len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ps_reader_set_io_error(r, error, "read", errno);
		return FALSE;
	}
	if (n == 0)
		r->in_eof = true;
	r->in_len += (gsize)n;
	return TRUE;
}

/* Inflates into buf[end, buf_size) until at least one byte comes out or the input ends. */
static gboolean ps_reader_inflate(PsTraceReader *r, GError **error)
{
	while (!r->eof) {
		GError *local = NULL;
		gsize nread = 0, nwritten = 0;
		GConverterResult res;

		if (r->gz_finished) {
			/* another member may follow: anything left but EOF starts one */
			if (r->in_pos == r->in_len && !r->in_eof && !ps_reader_read_in(r, error))
				return FALSE;
			if (r->in_pos == r->in_len) {
				r->eof = true;
				return TRUE;
			}
			g_converter_reset(r->gz);
			r->gz_finished = false;
		}
		if (r->in_pos == r->in_len && !r->in_eof && !ps_reader_read_in(r, error))
			return FALSE;

		res =
		    g_converter_convert(r->gz, r->in + r->in_pos, r->in_len - r->in_pos,
					r->buf + r->end, r->buf_size - r->end,
					r->in_eof ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
					&nread, &nwritten, &local);
		if (res == G_CONVERTER_ERROR) {
			if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) &&
			    !r->in_eof) {
				g_error_free(local);
				if (!ps_reader_read_in(r, error))
					return FALSE;
				continue;
			}
			if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
				g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
					    "%s:%" PRIu64
					    ": gzip data ends early (truncated file?)",
					    r->name, r->line + 1);
			else
				g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
					    "%s:%" PRIu64 ": gzip: %s", r->name, r->line + 1,
					    local->message);
			g_error_free(local);
			return FALSE;
		}
		r->in_pos += nread;
		r->end += nwritten;
		if (res == G_CONVERTER_FINISHED)
			r->gz_finished = true;
		if (nwritten > 0)
			return TRUE;
	}
	return TRUE;
}

/* More decoded text into buf, after moving what is pending to the front (growing if full). */
static gboolean ps_reader_fill(PsTraceReader *r, GError **error)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->end == r->buf_size) {
		r->buf_size *= 2;
		r->buf = g_realloc(r->buf, r->buf_size);
	}
	if (r->gz)
		return ps_reader_inflate(r, error);

	/* plain: bytes the magic sniffing left in in[] first, then straight into buf */
	if (r->in_pos < r->in_len) {
		gsize n = MIN(r->in_len - r->in_pos, r->buf_size - r->end);

		memcpy(r->buf + r->end, r->in + r->in_pos, n);
		r->in_pos += n;
		r->end += n;
		return TRUE;
	}
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->end, r->buf_size - r->end);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ps_reader_set_io_error(r, error, "read", errno);
			return FALSE;
		}
		if (n == 0)
			r->eof = true;
		r->end += (gsize)n;
		return TRUE;
	}
}

/* The next line, without its newline: 1 = got one, 0 = end of input, -1 = error. */
static int ps_reader_next_line(PsTraceReader *r, const char **line, gsize *len, GError **error)
{
	for (;;) {
		const char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		gsize pending = (nl != NULL ? (gsize)(nl - r->buf) : r->end) - r->start;

		if (pending > PS_TRACE_LINE_MAX) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s:%" PRIu64 ": line is longer than %d bytes", r->name,
				    r->line + 1, PS_TRACE_LINE_MAX);
			return -1;
		}
		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (gsize)(nl - *line);
			r->start = r->scan = (gsize)(nl - r->buf) + 1;
			r->line++;
			return 1;
		}
		r->scan = r->end;
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			/* a last line without a newline */
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->scan = r->end;
			r->line++;
			return 1;
		}
		if (!ps_reader_fill(r, error))
			return -1;
	}
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
	const char *line = NULL;
	gsize len = 0;
	int rc;

	g_return_val_if_fail(path != NULL, NULL);

	r = g_new0(PsTraceReader, 1);
	r->path = g_strdup(path);
	r->name = strcmp(path, "-") == 0 ? "<stdin>" : r->path;
	r->fd = -1;
	r->in = g_malloc(PS_READER_IN_SIZE);
	r->buf_size = PS_READER_BUF_SIZE;
	r->buf = g_malloc(r->buf_size);

	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO, "%s: %s", r->name,
				    g_strerror(errno));
			return NULL;
		}
		r->own_fd = true;
	}

	/* sniff the magic: gzip starts 1f 8b, a plain trace with '{' */
	while (r->in_len < 2 && !r->in_eof)
		if (!ps_reader_read_in(r, error))
			return NULL;
	if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b)
		r->gz = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP));
	else if (r->in_eof && r->in_len == 0)
		r->eof = true;

	rc = ps_reader_next_line(r, &line, &len, error);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:1: missing header: the trace is empty", r->name);
		return NULL;
	}
	if (!ps_trace_parse_header(line, len, &r->hdr, error)) {
		g_prefix_error(error, "%s:1: ", r->name);
		return NULL;
	}
	if (hdr != NULL)
		*hdr = r->hdr;
	return g_steal_pointer(&r);
}

int ps_trace_reader_next(PsTraceReader *r, PsTraceEvent *ev, GError **error)
{
	const char *line;
	gsize len;
	int rc;

	g_return_val_if_fail(r != NULL && ev != NULL, -1);

	do {
		rc = ps_reader_next_line(r, &line, &len, error);
		if (rc <= 0)
			return rc;
	} while (ps_line_is_blank(line, len));

	if (!ps_trace_parse_line(line, len, ev, error)) {
		g_prefix_error(error, "%s:%" PRIu64 ": ", r->name, r->line);
		return -1;
	}
	if (ev->t_ns < r->last_t_ns) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:%" PRIu64 ": t: time goes backwards (%" PRIu64 " < %" PRIu64 ")",
			    r->name, r->line, ev->t_ns, r->last_t_ns);
		return -1;
	}
	if (ev->cpu >= r->hdr.cpus) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:%" PRIu64 ": cpu: %d is not below the header's cpus (%d)", r->name,
			    r->line, ev->cpu, r->hdr.cpus);
		return -1;
	}
	r->last_t_ns = ev->t_ns;
	return 1;
}

uint64_t ps_trace_reader_line(const PsTraceReader *r)
{
	return r->line;
}

const char *ps_trace_reader_path(const PsTraceReader *r)
{
	return r->path;
}

void ps_trace_reader_close(PsTraceReader *r)
{
	if (r == NULL)
		return;
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	g_clear_object(&r->gz);
	g_free(r->in);
	g_free(r->buf);
	g_free(r->path);
	g_free(r);
}
