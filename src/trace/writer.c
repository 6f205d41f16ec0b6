// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * writer.c - trace writer: canonical lines (format.c) into a buffer, optionally through GIO's
 * GZlibCompressor, out with write(2) to a temporary file that becomes the trace on close.
 *
 * The temporary file is ".NAME.tmp-XXXXXX" in the target's directory, so the final rename(2) is
 * atomic and an interrupted or aborted run leaves no half-written trace under the final name.
 * g_file_replace() would do the same dance, but how it treats a cancelled close is not something
 * to lean on for ps_trace_writer_abort(), and writing through GOutputStream adds a copy and a
 * virtual call per chunk for nothing.
 *
 * gzip output is deterministic: GZlibCompressor writes zlib's default gzip header (mtime 0, no
 * file name) unless given a GFileInfo, which this never does, and the level is fixed. The writer
 * checks every event (ps_trace_event_check), that time never goes backwards and that cpu is below
 * the header's cpus, so what it writes is what the reader accepts.
 */
#include "trace/trace.h"

#include <gio/gio.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PS_WRITER_BUF_SIZE (64 * 1024) /* text gathered before compressing or writing */
#define PS_WRITER_GZ_LEVEL 6	       /* gzip -6, the default: never change (output bytes) */

/*
 * One trace being written. buf[0, len) is formatted text not yet handed on; zbuf stages
 * compressed output. tmp_path is NULL when writing to standard output.
 */
struct PsTraceWriter {
	char *path;
	char *tmp_path;
	const char *name; /* for messages: path, or "<stdout>" */
	int fd;
	GConverter *gz;
	char *buf;
	gsize len;
	char *zbuf;
	uint64_t count;
	uint64_t last_t_ns;
	int cpus;
	bool failed; /* an I/O error: the output is in an unknown state, close only aborts */
};

static gboolean ps_writer_write_fd(PsTraceWriter *w, const char *data, gsize len, GError **error)
{
	while (len > 0) {
		ssize_t n = write(w->fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO, "%s: write: %s",
				    w->name, g_strerror(errno));
			return FALSE;
		}
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* Hands buf on (compressed or not); with at_end, also finishes the gzip stream. */
static gboolean ps_writer_flush(PsTraceWriter *w, bool at_end, GError **error)
{
	gsize pos = 0;

	w->failed = true; /* until proven otherwise */

	if (w->gz == NULL) {
		if (!ps_writer_write_fd(w, w->buf, w->len, error))
			return FALSE;
		w->len = 0;
		w->failed = false;
		return TRUE;
	}
	for (;;) {
		GError *local = NULL;
		gsize nread = 0, nwritten = 0;
		GConverterResult res;

		res = g_converter_convert(w->gz, w->buf + pos, w->len - pos, w->zbuf,
					  PS_WRITER_BUF_SIZE,
					  at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
					  &nread, &nwritten, &local);
		if (res == G_CONVERTER_ERROR) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO, "%s: gzip: %s",
				    w->name, local->message);
			g_error_free(local);
			return FALSE;
		}
		pos += nread;
		if (!ps_writer_write_fd(w, w->zbuf, nwritten, error))
			return FALSE;
		if (res == G_CONVERTER_FINISHED)
			break;
		if (!at_end && pos == w->len)
			break;
	}
	w->len = 0;
	w->failed = false;
	return TRUE;
}

static void ps_writer_free(PsTraceWriter *w)
{
	if (w->tmp_path != NULL && w->fd >= 0)
		close(w->fd);
	g_clear_object(&w->gz);
	g_free(w->buf);
	g_free(w->zbuf);
	g_free(w->tmp_path);
	g_free(w->path);
	g_free(w);
}

PsTraceWriter *ps_trace_writer_new(const char *path, const PsTraceHeader *hdr, GError **error)
{
	PsTraceWriter *w;

	g_return_val_if_fail(path != NULL && hdr != NULL, NULL);

	if (!ps_trace_header_check(hdr, error)) {
		g_prefix_error(error, "%s: header: ", path);
		return NULL;
	}

	w = g_new0(PsTraceWriter, 1);
	w->path = g_strdup(path);
	w->fd = -1;
	w->cpus = hdr->cpus;
	w->buf = g_malloc(PS_WRITER_BUF_SIZE + PS_TRACE_EVENT_MAX);

	if (strcmp(path, "-") == 0) {
		w->name = "<stdout>";
		w->fd = STDOUT_FILENO;
	} else {
		g_autofree char *dir = g_path_get_dirname(path);
		g_autofree char *base = g_path_get_basename(path);
		g_autofree char *tmpl_base = g_strdup_printf(".%s.tmp-XXXXXX", base);

		w->name = w->path;
		w->tmp_path = g_build_filename(dir, tmpl_base, NULL);
		/* mode 0666 goes through the umask like any file the user creates */
		w->fd = g_mkstemp_full(w->tmp_path, O_WRONLY | O_CLOEXEC, 0666);
		if (w->fd < 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
				    "%s: cannot create a temporary file beside it: %s", path,
				    g_strerror(errno));
			g_clear_pointer(&w->tmp_path, g_free);
			ps_writer_free(w);
			return NULL;
		}
	}
	if (g_str_has_suffix(path, ".gz")) {
		w->gz = G_CONVERTER(
		    g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, PS_WRITER_GZ_LEVEL));
		w->zbuf = g_malloc(PS_WRITER_BUF_SIZE);
	}
	w->len = ps_trace_format_header(hdr, w->buf);
	return w;
}

gboolean ps_trace_writer_write(PsTraceWriter *w, const PsTraceEvent *ev, GError **error)
{
	g_return_val_if_fail(w != NULL && ev != NULL, FALSE);

	if (w->failed) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
			    "%s: not written after an earlier write error", w->name);
		return FALSE;
	}
	if (!ps_trace_event_check(ev, error)) {
		g_prefix_error(error, "%s: event %" PRIu64 ": ", w->name, w->count + 1);
		return FALSE;
	}
	if (ev->t_ns < w->last_t_ns) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: event %" PRIu64 ": t: time goes backwards (%" PRIu64 " < %" PRIu64
			    ")",
			    w->name, w->count + 1, ev->t_ns, w->last_t_ns);
		return FALSE;
	}
	if (ev->cpu >= w->cpus) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: event %" PRIu64 ": cpu: %d is not below the header's cpus (%d)",
			    w->name, w->count + 1, ev->cpu, w->cpus);
		return FALSE;
	}
	w->len += ps_trace_format_event(ev, w->buf + w->len);
	w->last_t_ns = ev->t_ns;
	w->count++;
	if (w->len >= PS_WRITER_BUF_SIZE)
		return ps_writer_flush(w, false, error);
	return TRUE;
}

gboolean ps_trace_writer_close(PsTraceWriter *w, GError **error)
{
	g_return_val_if_fail(w != NULL, FALSE);

	if (w->failed) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
			    "%s: not written: an earlier write failed", w->name);
		ps_trace_writer_abort(w);
		return FALSE;
	}
	if (!ps_writer_flush(w, true, error)) {
		ps_trace_writer_abort(w);
		return FALSE;
	}
	if (w->tmp_path == NULL) {
		ps_writer_free(w);
		return TRUE;
	}
	/* on disk before it takes the final name, so a crash leaves the old file or the new one */
	if (fsync(w->fd) < 0 && errno != EINVAL) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO, "%s: fsync: %s", w->name,
			    g_strerror(errno));
		ps_trace_writer_abort(w);
		return FALSE;
	}
	if (close(w->fd) < 0) {
		w->fd = -1;
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO, "%s: close: %s", w->name,
			    g_strerror(errno));
		ps_trace_writer_abort(w);
		return FALSE;
	}
	w->fd = -1;
	if (rename(w->tmp_path, w->path) < 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO, "%s: rename from %s: %s",
			    w->name, w->tmp_path, g_strerror(errno));
		ps_trace_writer_abort(w);
		return FALSE;
	}
	ps_writer_free(w);
	return TRUE;
}

void ps_trace_writer_abort(PsTraceWriter *w)
{
	if (w == NULL)
		return;
	if (w->tmp_path != NULL)
		unlink(w->tmp_path);
	ps_writer_free(w);
}

uint64_t ps_trace_writer_count(const PsTraceWriter *w)
{
	return w->count;
}
