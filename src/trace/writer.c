// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * writer.c - trace writer: canonical lines (format.c) into a buffer, optionally gzip'd, out to an
 * atomic file (util/atomic.c) that becomes the trace on close, or to standard output. An
 * interrupted or aborted run leaves no half-written trace under the final name. The writer
 * checks every event (ps_trace_event_check), that time never goes backwards and that cpu is below
 * the header's cpus, so what it writes is what the reader accepts.
 *
 * gzip: each chunk of text (a little over PS_WRITER_BUF_SIZE bytes, cut after the line that
 * crosses it) is compressed whole by libdeflate at PS_WRITER_GZ_LEVEL (trace.h) into a gzip
 * member of its own, and the members follow each other in the file: a valid gzip file (RFC 1952
 * §2.2: a file is a series of members; gzip -d, zcat, Python's gzip and util/lines.c read them all
 * as one stream). libdeflate compresses a whole buffer 2-3 times faster than zlib's streaming
 * deflate at the same level (zlib took 40 % of an import's instructions, more than the parse),
 * and the output stays deterministic: the chunks are cut at fixed byte counts of the text,
 * libdeflate writes mtime 0 and no name, and the level is fixed. The size is within a fraction of
 * a percent of one zlib stream (each member starts with an empty 32 KiB window, 1 in 8 of a chunk).
 *
 * Level 1 (session 24; level 5 before, gzip's default 6 before session 12): an import is the
 * product's entry point for every real recording, and on two cores its speed is bounded by the
 * sum of its threads' CPU, of which compression was the second largest part. The imports of
 * ftrace-build-6.18 / ftrace-compact-6.18 (32.0 / 35.5 MB of text, 256 KiB chunks, libdeflate
 * 1.14), size, then instructions (callgrind), then CPU (best of 5, machine shared, load ~15):
 *   level 1: 2.17 / 2.24 MB,   516 /   566 M, 0.071 / 0.070 s
 *   level 4: 2.13 / 2.22 MB, 1,008 / 1,107 M, 0.159 / 0.148 s
 *   level 5: 1.90 / 2.00 MB, 1,111 / 1,214 M, 0.168 / 0.180 s
 * Level 4 costs nearly level 5's time for level 1's size. Level 1 halves the compression's
 * instructions (-595 M on ftrace-build, 22 % of the whole import at level 5: parse thread
 * 1,323 M, inflate 229 M, deflate 1,113 M) and cuts its CPU 2.4 times, for files 14 / 12 %
 * larger; a reader inflates level 1 about as fast (gzip -d of ftrace-build's trace: 411 M
 * instructions at level 1, 387 M at level 5; the trace cache reads it once). The traces shipped
 * in workloads/ were written at level 5 and were not written again: a reader reads any level,
 * and the same command now gives the same records (the inflated text) in other gzip bytes
 * (tests/common/shipped.h).
 *
 * A writer made by ps_trace_writer_new_header_last writes its records first and the header line
 * at close, in front of them (ps_atomic_file_prepend: one copy of the compressed file): the
 * importer learns some of the header (vmstat_update_ns) from the records it writes, and a second
 * pass over the input to find it first cost more than the copy (see import.c). Gzip'd, the
 * header is then a member of its own, so the compressed bytes differ from a writer given the
 * same header first; the text is the same.
 *
 * Compression runs on threads of their own ("trace-gzip", PS_WRITER_THREADS of them), so that on
 * a second core it overlaps the formatting. Each chunk is a member of its own, compressed by
 * whichever thread takes it with that thread's compressor (a member's bytes depend only on its
 * text and the level), and the members are written in the order of their chunks: a thread that
 * finishes a chunk writes every finished chunk that is next in order. With one thread the
 * import's compression (39 % of ftrace-build-6.18's import CPU, session 23) ran after the parse
 * had ended on its last chunks and bounded the import's speed on two cores by its own; with two,
 * the scheduler spreads it over both cores. The chunks go over at most PS_WRITER_CHUNKS in
 * flight (constant memory). A write error met by a thread is the next call's error.
 */
#include "trace/trace.h"

#include "util/util.h"

#include <inttypes.h>
#include <libdeflate.h>
#include <string.h>
#include <unistd.h>

#define PS_WRITER_BUF_SIZE (256 * 1024) /* text gathered before compressing or writing */
#define PS_WRITER_CHUNKS   6		/* text buffers: one being filled, the rest queued */
#define PS_WRITER_THREADS  2		/* compressing threads */

/* A buffer of text on its way to a compressing thread, and its member once compressed. */
typedef struct {
	char *data; /* PsTraceWriter.buf_bytes */
	gsize len;
	char *zbuf; /* PsTraceWriter.zbuf_size bytes: the member */
	gsize zlen;
	uint64_t seq; /* its place in the output */
	bool done;    /* compressed (or dropped), waits its turn to be written */
} WriterChunk;

/*
 * One trace being written. buf[0, len) is formatted text not yet handed on (with gz: the data of
 * chunk cur). out is NULL when writing to standard output. The thread owns out, gz and zbuf
 * while it runs; error is set by it (under lock) and read by the writer.
 */
struct PsTraceWriter {
	char *path;
	PsAtomicFile *out;
	const char *name; /* for messages: path, or "<stdout>" */
	bool gz;
	struct libdeflate_compressor *deflater; /* the header's (writer_put_header) */
	char *buf;
	gsize len;
	/*
	 * buf's size: PS_WRITER_BUF_SIZE and an event, and a header written first (its pcp_start
	 * as long as the recording's: ps_trace_header_max_len), which the first flush sends on.
	 */
	gsize buf_bytes;
	gsize zbuf_size; /* libdeflate's bound for a chunk */
	uint64_t count;
	uint64_t last_t_ns;
	int cpus;
	bool failed;	  /* an I/O error: the output is in an unknown state, close only aborts */
	bool header_last; /* the header line is put in front at close (close_header) */
	/* gz only: the compressing threads */
	GThread *threads[PS_WRITER_THREADS];
	int nthreads;
	GAsyncQueue *full, *empty; /* WriterChunk * to compress; free ones back */
	WriterChunk *cur;	   /* being filled */
	WriterChunk stop_chunk;	   /* pushed once per thread: the thread ends */
	uint64_t seq;		   /* the next chunk handed on */
	GMutex lock;
	/* under lock: */
	GError *error;				/* the threads' first error */
	bool abort;				/* drop everything (ps_writer_free) */
	uint64_t next;				/* the next chunk to write out */
	WriterChunk *pending[PS_WRITER_CHUNKS]; /* in flight, at seq % PS_WRITER_CHUNKS */
};

static gboolean ps_writer_write_fd(PsTraceWriter *w, const char *data, gsize len, GError **error)
{
	gboolean ok = w->out ? ps_atomic_file_write(w->out, data, len, error)
			     : ps_write_all_fd(STDOUT_FILENO, w->name, data, len, error);

	if (!ok)
		ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
					PS_TRACE_ERROR_IO);
	return ok;
}

/*
 * A compressing thread: takes chunks as they come and compresses each into a gzip member with a
 * compressor of its own (nothing for an empty chunk); then, under the lock, writes out every
 * finished chunk that is next in order, this one or the ones other threads finished before it,
 * and hands them back. After an error or an abort it drops what it takes.
 */
static gpointer ps_writer_thread(gpointer data)
{
	PsTraceWriter *w = data;
	struct libdeflate_compressor *deflater = libdeflate_alloc_compressor(PS_WRITER_GZ_LEVEL);

	if (!deflater)
		g_error("libdeflate_alloc_compressor: out of memory");
	for (;;) {
		WriterChunk *c = g_async_queue_pop(w->full);
		bool drop;

		if (c == &w->stop_chunk)
			break;
		g_mutex_lock(&w->lock);
		drop = w->error || w->abort;
		g_mutex_unlock(&w->lock);
		c->zlen = 0;
		if (!drop && c->len > 0) {
			c->zlen = libdeflate_gzip_compress(deflater, c->data, c->len, c->zbuf,
							   w->zbuf_size);
			/* zbuf has libdeflate's bound for the largest chunk: cannot happen */
			g_assert(c->zlen > 0);
		}
		g_mutex_lock(&w->lock);
		c->done = true;
		for (;;) {
			WriterChunk *n = w->pending[w->next % PS_WRITER_CHUNKS];

			if (!n || n->seq != w->next || !n->done)
				break;
			if (!w->error && !w->abort && n->zlen > 0) {
				GError *local = NULL;

				if (!ps_writer_write_fd(w, n->zbuf, n->zlen, &local))
					w->error = local;
			}
			w->pending[w->next % PS_WRITER_CHUNKS] = NULL;
			w->next++;
			n->len = 0;
			g_async_queue_push(w->empty, n);
		}
		g_mutex_unlock(&w->lock);
	}
	libdeflate_free_compressor(deflater);
	return NULL;
}

/* Ends the compressing threads once they have taken every chunk handed on. */
static void ps_writer_join(PsTraceWriter *w)
{
	for (int i = 0; i < w->nthreads; i++)
		g_async_queue_push(w->full, &w->stop_chunk);
	for (int i = 0; i < w->nthreads; i++)
		g_thread_join(g_steal_pointer(&w->threads[i]));
	w->nthreads = 0;
}

/* The thread's error, if it met one: copied into error. */
static gboolean ps_writer_thread_ok(PsTraceWriter *w, GError **error)
{
	gboolean ok;

	g_mutex_lock(&w->lock);
	ok = w->error == NULL;
	if (!ok)
		g_propagate_error(error, g_error_copy(w->error));
	g_mutex_unlock(&w->lock);
	return ok;
}

/* Hands buf on (to the threads, or written as is); with at_end, the last of it. */
static gboolean ps_writer_flush(PsTraceWriter *w, bool at_end, GError **error)
{
	w->failed = true; /* until proven otherwise */

	if (!w->gz) {
		if (!ps_writer_write_fd(w, w->buf, w->len, error))
			return FALSE;
		w->len = 0;
		w->failed = false;
		return TRUE;
	}
	if (!ps_writer_thread_ok(w, error))
		return FALSE;
	w->cur->len = w->len;
	w->cur->seq = w->seq++;
	w->cur->done = false;
	g_mutex_lock(&w->lock);
	w->pending[w->cur->seq % PS_WRITER_CHUNKS] = w->cur;
	g_mutex_unlock(&w->lock);
	g_async_queue_push(w->full, g_steal_pointer(&w->cur));
	if (at_end) {
		ps_writer_join(w);
		if (!ps_writer_thread_ok(w, error))
			return FALSE;
	} else {
		w->cur = g_async_queue_pop(w->empty);
		w->buf = w->cur->data;
	}
	w->len = 0;
	w->failed = false;
	return TRUE;
}

static void chunk_free(gpointer p)
{
	WriterChunk *c = p;

	g_free(c->data);
	g_free(c->zbuf);
	g_free(c);
}

static void ps_writer_free(PsTraceWriter *w)
{
	if (w->nthreads > 0) {
		g_mutex_lock(&w->lock);
		w->abort = true;
		g_mutex_unlock(&w->lock);
		ps_writer_join(w);
	}
	if (w->gz) {
		WriterChunk *c;

		if (w->cur)
			chunk_free(w->cur);
		while ((c = g_async_queue_try_pop(w->empty)))
			chunk_free(c);
		g_async_queue_unref(w->full);
		g_async_queue_unref(w->empty);
	} else {
		g_free(w->buf);
	}
	g_clear_error(&w->error);
	g_mutex_clear(&w->lock);
	ps_atomic_file_abort(w->out);
	if (w->deflater)
		libdeflate_free_compressor(w->deflater);
	g_free(w->path);
	g_free(w);
}

/* A writer for path; the header line goes first unless header_last (writer_close_header). */
static PsTraceWriter *writer_new(const char *path, const PsTraceHeader *hdr, bool header_last,
				 GError **error)
{
	PsTraceWriter *w;

	g_return_val_if_fail(path != NULL && hdr != NULL, NULL);

	if (!ps_trace_header_check(hdr, error)) {
		g_prefix_error(error, "%s: header: ", path);
		return NULL;
	}
	if (header_last && strcmp(path, "-") == 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
			    "<stdout>: a header written last needs a file to put it in front of");
		return NULL;
	}

	w = g_new0(PsTraceWriter, 1);
	w->path = g_strdup(path);
	w->cpus = hdr->cpus;
	w->buf_bytes = PS_WRITER_BUF_SIZE + PS_TRACE_EVENT_MAX +
		       (header_last ? 0 : ps_trace_header_max_len(hdr));
	g_mutex_init(&w->lock);

	if (strcmp(path, "-") == 0) {
		w->name = "<stdout>";
	} else {
		w->name = w->path;
		w->out = ps_atomic_file_new(path, error);
		if (w->out == NULL) {
			ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
						PS_TRACE_ERROR_IO);
			ps_writer_free(w);
			return NULL;
		}
	}
	if (g_str_has_suffix(path, ".gz")) {
		w->gz = true;
		w->deflater = libdeflate_alloc_compressor(PS_WRITER_GZ_LEVEL);
		if (!w->deflater)
			g_error("libdeflate_alloc_compressor: out of memory");
		w->zbuf_size = libdeflate_gzip_compress_bound(w->deflater, w->buf_bytes);
		w->full = g_async_queue_new();
		w->empty = g_async_queue_new();
		for (int i = 0; i < PS_WRITER_CHUNKS; i++) {
			WriterChunk *c = g_new0(WriterChunk, 1);

			c->data = g_malloc(w->buf_bytes);
			c->zbuf = g_malloc(w->zbuf_size);
			g_async_queue_push(w->empty, c);
		}
		w->cur = g_async_queue_pop(w->empty);
		w->buf = w->cur->data;
		for (int i = 0; i < PS_WRITER_THREADS; i++)
			w->threads[w->nthreads++] = g_thread_new("trace-gzip", ps_writer_thread, w);
	} else {
		w->buf = g_malloc(w->buf_bytes);
	}
	w->header_last = header_last;
	if (!header_last)
		w->len = ps_trace_format_header(hdr, w->buf);
	return w;
}

PsTraceWriter *ps_trace_writer_new(const char *path, const PsTraceHeader *hdr, GError **error)
{
	return writer_new(path, hdr, false, error);
}

PsTraceWriter *ps_trace_writer_new_header_last(const char *path, const PsTraceHeader *hdr,
					       GError **error)
{
	return writer_new(path, hdr, true, error);
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

/*
 * The header line of a header_last writer, put in front of the records written: as text, or
 * gzip'd into a member of its own (the records' members follow it; the text is the same).
 */
static gboolean writer_put_header(PsTraceWriter *w, const PsTraceHeader *hdr, GError **error)
{
	g_autofree char *line = NULL, *zbuf = NULL;
	gsize len, n, zbuf_size;

	if (!ps_trace_header_check(hdr, error)) {
		g_prefix_error(error, "%s: header: ", w->name);
		return FALSE;
	}
	if (hdr->cpus != w->cpus) {
		/* the records were checked against the first header's cpus */
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: header: cpus: %d, but the records were written for %d", w->name,
			    hdr->cpus, w->cpus);
		return FALSE;
	}
	line = g_malloc(ps_trace_header_max_len(hdr));
	len = ps_trace_format_header(hdr, line);
	if (!w->gz)
		return ps_atomic_file_prepend(w->out, line, len, error);
	/* its own buffer: a long pcp_start can outgrow a chunk's */
	zbuf_size = libdeflate_gzip_compress_bound(w->deflater, len);
	zbuf = g_malloc(zbuf_size);
	n = libdeflate_gzip_compress(w->deflater, line, len, zbuf, zbuf_size);
	g_assert(n > 0);
	return ps_atomic_file_prepend(w->out, zbuf, n, error);
}

static gboolean writer_close(PsTraceWriter *w, const PsTraceHeader *hdr, GError **error)
{
	gboolean ok;

	g_return_val_if_fail(w != NULL, FALSE);

	if (w->failed) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
			    "%s: not written: an earlier write failed", w->name);
		ps_trace_writer_abort(w);
		return FALSE;
	}
	if (!ps_writer_flush(w, true, error) || (hdr && !writer_put_header(w, hdr, error))) {
		ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
					PS_TRACE_ERROR_IO);
		ps_trace_writer_abort(w);
		return FALSE;
	}
	/* commit frees the atomic file whether it succeeds or not */
	ok = w->out == NULL || ps_atomic_file_commit(g_steal_pointer(&w->out), error);
	if (!ok)
		ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
					PS_TRACE_ERROR_IO);
	ps_writer_free(w);
	return ok;
}

gboolean ps_trace_writer_close(PsTraceWriter *w, GError **error)
{
	g_return_val_if_fail(w != NULL && !w->header_last, FALSE);
	return writer_close(w, NULL, error);
}

gboolean ps_trace_writer_close_header(PsTraceWriter *w, const PsTraceHeader *hdr, GError **error)
{
	g_return_val_if_fail(w != NULL && w->header_last && hdr != NULL, FALSE);
	return writer_close(w, hdr, error);
}

void ps_trace_writer_abort(PsTraceWriter *w)
{
	if (w == NULL)
		return;
	ps_writer_free(w); /* aborts the atomic file: its temporary goes */
}

uint64_t ps_trace_writer_count(const PsTraceWriter *w)
{
	return w->count;
}
