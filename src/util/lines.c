// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lines.c - a file or standard input, plain or gzip, one line at a time in constant memory; and
 * a whole file, plain or gzip, into memory.
 *
 * The input is read with plain read(2) into a fixed buffer and, when the first two bytes are the
 * gzip magic (0x1f 0x8b), inflated by zlib (a gzip stream, windowBits 15 + 16). zlib's own check
 * of the gzip trailer is off (inflateValidate): its crc32 took 45 % of the inflate, 6 % of an
 * import's instructions; the CRC-32 is computed by libdeflate_crc32 (PCLMUL, a small fraction of
 * that) and checked against the trailer's CRC-32 and ISIZE here, so a damaged member is still
 * refused. GIO's GZlibDecompressor, used before, computes zlib's. Lines are cut out of the decoded
 * buffer in place and handed out without copying. GDataInputStream's read_line was the obvious
 * alternative; it allocates a string per line and has no bound on a line's length, and standard
 * input would need gio-unix, which the build does not pull in. Memory is the input buffer plus a
 * line buffer that grows only as far as the longest line, which the caller caps.
 *
 * Concatenated gzip members (`cat a.gz b.gz`) are read as one stream, as gzip -d does.
 *
 * A gzip regular file is inflated on a thread of its own, a few chunks ahead of the reader
 * (inflate is most of the cost of reading a .gz trace or tracefs text: the caller parses while
 * the next chunk inflates). The chunks come back in order, so what the caller sees, errors and
 * their line numbers included, is what one thread would give. Standard input and other
 * non-regular files inflate inline: a thread blocked in read(2) on a pipe could not be joined.
 * A kept text (ps_line_reader_open_kept) is inflated straight into the reader's buffer as far as
 * its size hint goes (inflate_direct): the reader's copy of each chunk (47 MB on the import of
 * ftrace-build-6.18) cost the import's parsing thread 2-5 %.
 */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libdeflate.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define PS_LINES_IN_SIZE  (128 * 1024) /* compressed input chunk */
#define PS_LINES_BUF_SIZE (256 * 1024) /* initial decoded buffer; grows for long lines */
#define PS_LINES_CHUNK	  (256 * 1024) /* inflated by the thread, handed over whole */
#define PS_LINES_NCHUNKS  4

/* A chunk of inflated text, or the end of the input, or the error that stopped the inflate. */
typedef struct {
	guint8 *data;
	gsize len, pos; /* data[pos, len) not yet copied into the line buffer */
	/*
	 * direct: the text was inflated straight into the reader's kept buffer (base), at off, not
	 * into data: it is in place, or is moved down to the reader's end if the reader has since
	 * stopped keeping the text (see inflate_thread)
	 */
	bool direct;
	char *base;
	gsize off;
	bool eof;
	GError *read_error; /* complete message */
	GError *gz_error;   /* the converter's, formatted with the line by the reader */
} PsLinesChunk;

/*
 * One open input. buf[start, end) is decoded text not yet handed out; buf[start, scan) is known
 * to hold no newline. For a gzip input in[in_pos, in_len) is compressed input not yet inflated.
 */
struct PsLineReader {
	char *path;	  /* as given, "-" for standard input */
	const char *name; /* for messages: path, or "<stdin>" */
	int fd;
	bool own_fd;
	gsize max_line;
	z_stream *gz;	  /* NULL for plain input */
	bool gz_finished; /* the current gzip member is complete */
	uint32_t gz_crc;  /* CRC-32 of the current member's output so far */
	guint8
	    gz_tail[8]; /* the last 8 input bytes inflate consumed: a member's trailer at its end */
	guint8 *in;
	gsize in_pos, in_len;
	bool in_eof; /* read(2) returned 0 */
	char *buf;
	gsize buf_size, start, end, scan;
	bool eof;      /* no more decoded text will come */
	bool complete; /* the last line handed out ended in a newline */
	gsize span;    /* the bytes the last line handed out took in the text, its newline too */
	uint64_t line; /* lines handed out so far (the last one's number) */
	/*
	 * Kept (ps_line_reader_open_kept): buf holds all decoded text from the input's first byte
	 * (never moved to the front), while it stays within keep_max bytes; lines go out as copies
	 * in lbuf (max_line + 2 bytes), so that the text stays as read for ps_line_reader_rewind.
	 */
	bool kept;
	gsize keep_max;
	char *lbuf;
	/*
	 * The kept buffer the inflate thread faults in ahead of the reader's copies (pf_size bytes;
	 * NULL when none or once it is to move), and the decoded bytes handed over so far (its
	 * own).
	 */
	gpointer pf_buf;
	gsize pf_size, pf_off;
	/* inflate thread (gzip regular files): state above from gz to in_eof is its own */
	GThread *thread;
	GAsyncQueue *filled,
	    *empty; /* PsLinesChunk *: in order to the reader, back to the thread */
	PsLinesChunk chunks[PS_LINES_NCHUNKS];
	PsLinesChunk stop_chunk; /* pushed to empty by close: the thread ends */
	PsLinesChunk *cur;	 /* the chunk the reader is copying out, NULL none */
	gint stop;
	bool z_eof; /* the thread's own end of input (eof is the reader's) */
	/*
	 * Following (ps_line_reader_follow): a second cursor behind the first over the kept text.
	 * buf[b_start, start) is text the reader has handed out and the follower not yet; b_line
	 * the follower's lines so far. retired: the buffer the follower's last line is in, when the
	 * text has since moved to a larger one (follow_grow); freed at the follower's next line.
	 */
	bool follow;
	gsize b_start;
	uint64_t b_line;
	char *retired;
};

static gboolean set_read_error(PsLineReader *r, GError **error)
{
	int err = errno;

	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s: read: %s", r->name,
		    g_strerror(err));
	return FALSE;
}

static ssize_t read_retry(int fd, void *buf, gsize len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* read(2) into in[]; FALSE on error. Sets in_eof when the input ends. */
static gboolean read_in(PsLineReader *r, GError **error)
{
	ssize_t n;

	if (r->in_pos == r->in_len)
		r->in_pos = r->in_len = 0;
	n = read_retry(r->fd, r->in + r->in_len, PS_LINES_IN_SIZE - r->in_len);
	if (n < 0)
		return set_read_error(r, error);
	if (n == 0)
		r->in_eof = true;
	r->in_len += (gsize)n;
	return TRUE;
}

static gboolean set_gzip_error(PsLineReader *r, GError *local, GError **error)
{
	if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
			    "%s:%" PRIu64 ": gzip: data ends early (truncated file?)", r->name,
			    r->line + 1);
	else
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%" PRIu64 ": gzip: %s",
			    r->name, r->line + 1, local->message);
	g_error_free(local);
	return FALSE;
}

/*
 * Inflates into dst[0, cap) until at least one byte comes out or the input ends (*eof). FALSE on
 * a read error (*read_error) or a gzip error (*gz_error, the converter's own). Uses only the
 * reader's input state (gz, in, fd), which belongs to the inflate thread when there is one.
 */
static gboolean inflate_to(PsLineReader *r, guint8 *dst, gsize cap, gsize *n, bool *eof,
			   GError **read_error, GError **gz_error)
{
	*n = 0;
	*eof = false;
	for (;;) {
		gsize avail = r->in_len - r->in_pos, nread, nwritten;
		int ret;

		if (r->gz_finished) {
			/* another member may follow: anything left but EOF starts one */
			if (r->in_pos == r->in_len && !r->in_eof && !read_in(r, read_error))
				return FALSE;
			if (r->in_pos == r->in_len) {
				*eof = true;
				return TRUE;
			}
			inflateReset(r->gz);
			r->gz_crc = 0;
			r->gz_finished = false;
			continue;
		}
		if (avail == 0 && !r->in_eof) {
			if (!read_in(r, read_error))
				return FALSE;
			continue;
		}
		r->gz->next_in = r->in + r->in_pos;
		r->gz->avail_in = (uInt)MIN(avail, (gsize)UINT_MAX);
		r->gz->next_out = dst;
		r->gz->avail_out = (uInt)MIN(cap, (gsize)UINT_MAX);
		ret = inflate(r->gz, Z_NO_FLUSH);
		nread = avail - r->gz->avail_in;
		nwritten = MIN(cap, (gsize)UINT_MAX) - r->gz->avail_out;
		if (nread >= sizeof(r->gz_tail)) {
			memcpy(r->gz_tail, r->in + r->in_pos + nread - sizeof(r->gz_tail),
			       sizeof(r->gz_tail));
		} else if (nread > 0) {
			memmove(r->gz_tail, r->gz_tail + nread, sizeof(r->gz_tail) - nread);
			memcpy(r->gz_tail + sizeof(r->gz_tail) - nread, r->in + r->in_pos, nread);
		}
		r->in_pos += nread;
		if (nwritten > 0)
			r->gz_crc = (uint32_t)libdeflate_crc32(r->gz_crc, dst, nwritten);
		if (ret == Z_STREAM_END) {
			const guint8 *t = r->gz_tail;
			uint32_t crc = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
				       (uint32_t)t[3] << 24;
			uint32_t size = (uint32_t)t[4] | (uint32_t)t[5] << 8 |
					(uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;

			if (crc != r->gz_crc || size != (uint32_t)r->gz->total_out) {
				g_set_error(gz_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
					    crc != r->gz_crc ? "incorrect data check"
							     : "incorrect length check");
				return FALSE;
			}
			r->gz_finished = true;
		} else if (ret == Z_BUF_ERROR || (ret == Z_OK && nread == 0 && nwritten == 0)) {
			/* no progress: more input, or the member was cut short */
			if (r->in_eof && r->in_pos == r->in_len) {
				g_set_error(gz_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
					    "Not enough input");
				return FALSE;
			}
			if (r->in_pos < r->in_len) {
				/* zlib takes all the input it is given while it has room */
				g_set_error(gz_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					    "inflate made no progress");
				return FALSE;
			}
			if (!read_in(r, read_error))
				return FALSE;
		} else if (ret != Z_OK) {
			g_set_error(gz_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
				    r->gz->msg ? r->gz->msg : "invalid compressed data");
			return FALSE;
		}
		if (nwritten > 0) {
			*n = nwritten;
			return TRUE;
		}
	}
}

/* Inflates into buf[end, buf_size) on the reader's own thread. */
static gboolean inflate_line_buf(PsLineReader *r, GError **error)
{
	GError *gz_error = NULL;
	gsize n;
	bool eof;

	if (r->eof)
		return TRUE;
	if (!inflate_to(r, (guint8 *)r->buf + r->end, r->buf_size - 1 - r->end, &n, &eof, error,
			&gz_error))
		return gz_error ? set_gzip_error(r, gz_error, error) : FALSE;
	r->end += n;
	r->eof = eof;
	return TRUE;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/*
 * On the inflate thread: the pages of the kept buffer the next len bytes go to, faulted in before
 * the reader copies them there. Fresh 4 KiB pages faulted by the reader's copy were 12 k faults on
 * ftrace-build-6.18's 47 MB, 0.02-0.03 s of system time on the parsing thread; asking for huge
 * pages instead cost more (compaction). The advice changes no content; a buffer the reader has
 * since moved is at worst advised once more, harmlessly, and a kernel without it refuses.
 */
static void prefault(PsLineReader *r, gsize len)
{
	char *buf = g_atomic_pointer_get(&r->pf_buf);
	uintptr_t start, end;

	if (buf && r->pf_off < r->pf_size) {
		start = (uintptr_t)(buf + r->pf_off) & ~(uintptr_t)4095;
		end = (uintptr_t)(buf + MIN(r->pf_off + len, r->pf_size));
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
	}
	r->pf_off += len;
}

/*
 * Inflates the next up to PS_LINES_CHUNK bytes straight into the kept buffer buf (its pages faulted
 * in first), where the reader would copy them: text byte k is at buf[k] while the text is kept.
 * Only below the buffer's size hint less 2 bytes: the reader moves the buffer (realloc) only once
 * its text reaches that far, so never while a direct chunk waits; when it stops keeping the text
 * it moves its lines down within the same buffer and moves a direct chunk's text down after them
 * (take_chunk). Past the hint the thread uses the chunks' own buffers from then on.
 */
static void inflate_direct(PsLineReader *r, char *buf, PsLinesChunk *c)
{
	gsize cap = r->pf_size - 2, room = MIN((gsize)PS_LINES_CHUNK, cap - r->pf_off), len = 0;
	uintptr_t start = (uintptr_t)(buf + r->pf_off) & ~(uintptr_t)4095;

	(void)madvise((void *)start, (uintptr_t)(buf + r->pf_off + room) - start,
		      MADV_POPULATE_WRITE);
	c->direct = true;
	c->base = buf;
	c->off = r->pf_off;
	while (len < room && !c->eof && !c->read_error && !c->gz_error) {
		gsize n;

		if (!inflate_to(r, (guint8 *)buf + r->pf_off + len, room - len, &n, &c->eof,
				&c->read_error, &c->gz_error))
			break;
		len += n;
	}
	c->len = len;
	r->pf_off += len;
}

/* The inflate thread: fills empty chunks in order until the input ends, fails, or close. */
static gpointer inflate_thread(gpointer data)
{
	PsLineReader *r = data;

	for (;;) {
		PsLinesChunk *c = g_async_queue_pop(r->empty);
		char *direct = g_atomic_pointer_get(&r->pf_buf);
		gsize len = 0;

		if (c == &r->stop_chunk || g_atomic_int_get(&r->stop))
			return NULL;
		c->len = c->pos = 0;
		c->eof = c->direct = false;
		if (direct && r->pf_off + 2 < r->pf_size) {
			inflate_direct(r, direct, c);
			g_async_queue_push(r->filled, c);
			if (c->eof || c->read_error || c->gz_error)
				return NULL;
			continue;
		}
		/* several inflate calls a chunk: one hand-over per PS_LINES_CHUNK bytes */
		while (len < PS_LINES_CHUNK / 2 && !c->eof && !c->read_error && !c->gz_error) {
			gsize n;

			if (!inflate_to(r, c->data + len, PS_LINES_CHUNK - len, &n, &c->eof,
					&c->read_error, &c->gz_error))
				break;
			len += n;
		}
		c->len = len;
		prefault(r, len);
		g_async_queue_push(r->filled, c);
		if (c->eof || c->read_error || c->gz_error)
			return NULL;
	}
}

/* Inflated text from the thread into buf[end, buf_size), in the order it was inflated. */
static gboolean take_chunk(PsLineReader *r, GError **error)
{
	while (!r->eof) {
		PsLinesChunk *c;

		if (!r->cur)
			r->cur = g_async_queue_pop(r->filled);
		c = r->cur;
		if (c->pos < c->len && c->direct) {
			/* in place while kept; else behind the lines the reader moved down */
			gsize take = MIN(c->len - c->pos, r->buf_size - 1 - r->end);

			g_assert(c->base == r->buf && c->off + c->pos >= r->end);
			if (c->off + c->pos != r->end)
				memmove(r->buf + r->end, r->buf + c->off + c->pos, take);
			c->pos += take;
			r->end += take;
			return TRUE;
		}
		if (c->pos < c->len) {
			gsize take = MIN(c->len - c->pos, r->buf_size - 1 - r->end);

			memcpy(r->buf + r->end, c->data + c->pos, take);
			c->pos += take;
			r->end += take;
			return TRUE;
		}
		/*
		 * All of its text is out and more is wanted: now its end or error (after the lines
		 * before it, as inline inflate reports it), else it goes back to be filled.
		 */
		r->cur = NULL;
		if (c->read_error) {
			g_propagate_error(error, g_steal_pointer(&c->read_error));
			return FALSE;
		}
		if (c->gz_error)
			return set_gzip_error(r, g_steal_pointer(&c->gz_error), error);
		if (c->eof)
			r->eof = true;
		else
			g_async_queue_push(r->empty, c);
	}
	return TRUE;
}

/*
 * The kept buffer full while a follower reads behind: the text moves to a buffer twice the size
 * (past keep_max, without the text both cursors have passed: the follower's lines are what still
 * needs it, however far ahead the reader is), and the old buffer stays until the follower's next
 * line, as the line it handed out last is in it and its caller may still be reading it. Only
 * once the text passes the buffer's size, the hint when there was one: no direct chunk waits then
 * (see inflate_direct).
 */
static void follow_grow(PsLineReader *r)
{
	gsize drop = r->end >= r->keep_max ? r->b_start : 0;
	gsize size = (r->end - drop) * 2 >= r->buf_size ? r->buf_size * 2 : r->buf_size;
	char *nb = g_malloc(size);

	memcpy(nb, r->buf + drop, r->end - drop);
	if (r->retired)
		g_free(r->buf); /* the follower's line is in the retired one */
	else
		r->retired = r->buf;
	r->buf = nb;
	r->buf_size = size;
	r->start -= drop;
	r->scan -= drop;
	r->end -= drop;
	r->b_start -= drop;
}

/*
 * More decoded text into buf, after moving what is pending to the front; grows buf when full,
 * and always leaves one byte free for the NUL after a last line without a newline.
 */
static gboolean fill(PsLineReader *r, GError **error)
{
	ssize_t n;

	/* kept text at its bound: from here on the text before start is dropped as usual */
	if (r->kept && !r->follow && r->end + 1 >= r->buf_size && r->end >= r->keep_max)
		r->kept = false;
	if (r->start > 0 && !r->kept) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->end + 1 >= r->buf_size) {
		g_atomic_pointer_set(&r->pf_buf, NULL); /* the buffer moves */
		if (r->follow) {
			follow_grow(r);
		} else {
			r->buf_size =
			    r->kept ? MIN(r->buf_size * 2, r->keep_max + 2) : r->buf_size * 2;
			r->buf = g_realloc(r->buf, r->buf_size);
		}
	}
	if (r->thread)
		return take_chunk(r, error);
	if (r->gz)
		return inflate_line_buf(r, error);

	/* plain: bytes the magic sniffing left in in[] first, then straight into buf */
	if (r->in_pos < r->in_len) {
		gsize take = MIN(r->in_len - r->in_pos, r->buf_size - 1 - r->end);

		memcpy(r->buf + r->end, r->in + r->in_pos, take);
		r->in_pos += take;
		r->end += take;
		return TRUE;
	}
	n = read_retry(r->fd, r->buf + r->end, r->buf_size - 1 - r->end);
	if (n < 0)
		return set_read_error(r, error);
	if (n == 0)
		r->eof = true;
	r->end += (gsize)n;
	return TRUE;
}

/*
 * Hands out buf[start, stop) as the next line (a copy in lbuf when kept); next_start is where the
 * one after begins.
 */
static void take_line(PsLineReader *r, gsize stop, gsize next_start, char **line, gsize *len)
{
	*line = r->buf + r->start;
	*len = stop - r->start;
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	if (r->kept) {
		memcpy(r->lbuf, *line, *len);
		*line = r->lbuf;
	}
	(*line)[*len] = '\0';
	r->complete = next_start > stop;
	r->span = next_start - r->start;
	r->start = r->scan = next_start;
	r->line++;
}

int ps_line_reader_next(PsLineReader *r, char **line, gsize *len, GError **error)
{
	for (;;) {
		const char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		gsize pending = (nl != NULL ? (gsize)(nl - r->buf) : r->end) - r->start;

		if (pending > r->max_line) {
			g_set_error(error, PS_UTIL_ERROR, PS_UTIL_ERROR_PARSE,
				    "%s:%" PRIu64 ": line is longer than %" G_GSIZE_FORMAT " bytes",
				    r->name, r->line + 1, r->max_line);
			return -1;
		}
		if (nl != NULL) {
			take_line(r, (gsize)(nl - r->buf), (gsize)(nl - r->buf) + 1, line, len);
			return 1;
		}
		r->scan = r->end;
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			/* a last line without a newline; fill() left room for its NUL */
			take_line(r, r->end, r->end, line, len);
			return 1;
		}
		if (!fill(r, error))
			return -1;
	}
}

PsLineReader *ps_line_reader_open(const char *path, gsize max_line, GError **error)
{
	g_autoptr(PsLineReader) r = NULL;

	g_return_val_if_fail(path != NULL, NULL);

	r = g_new0(PsLineReader, 1);
	r->path = g_strdup(path);
	r->name = strcmp(path, "-") == 0 ? "<stdin>" : r->path;
	r->fd = -1;
	r->max_line = max_line;
	r->in = g_malloc(PS_LINES_IN_SIZE);
	r->buf_size = PS_LINES_BUF_SIZE;
	r->buf = g_malloc(r->buf_size);

	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			int err = errno;

			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s: %s",
				    r->name, g_strerror(err));
			return NULL;
		}
		r->own_fd = true;
	}

	/* sniff the magic: gzip starts 1f 8b */
	while (r->in_len < 2 && !r->in_eof)
		if (!read_in(r, error))
			return NULL;
	if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
		struct stat st;

		r->gz = g_new0(z_stream, 1);
		if (inflateInit2(r->gz, 15 + 16) != Z_OK)
			g_error("inflateInit2: out of memory");
		inflateValidate(r->gz, 0); /* the trailer is checked in inflate_to */
		if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode)) {
			r->filled = g_async_queue_new();
			r->empty = g_async_queue_new();
			for (int i = 0; i < PS_LINES_NCHUNKS; i++) {
				r->chunks[i].data = g_malloc(PS_LINES_CHUNK);
				g_async_queue_push(r->empty, &r->chunks[i]);
			}
			r->thread = g_thread_new("ps-inflate", inflate_thread, r);
		}
	} else if (r->in_eof && r->in_len == 0)
		r->eof = true;
	return g_steal_pointer(&r);
}

/*
 * The size of the decoded text of an open regular file, as far as it is known without reading it:
 * the file's size when plain, the last gzip member's ISIZE (RFC 1952 §2.3.1: the member's input
 * size mod 2^32, the whole text's for a file of one member under 4 GiB) when gzip'd; 0 unknown. A
 * hint only: kept text grows past it when it is wrong.
 */
static gsize decoded_size_hint(PsLineReader *r)
{
	struct stat st;
	guint8 t[4];

	if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!r->gz)
		return (gsize)st.st_size;
	if (st.st_size < 18 || pread(r->fd, t, sizeof(t), st.st_size - 4) != (ssize_t)sizeof(t))
		return 0;
	return (gsize)t[0] | (gsize)t[1] << 8 | (gsize)t[2] << 16 | (gsize)t[3] << 24;
}

PsLineReader *ps_line_reader_open_kept(const char *path, gsize max_line, gsize keep_max,
				       GError **error)
{
	PsLineReader *r = ps_line_reader_open(path, max_line, error);
	gsize hint;

	if (!r || r->fd == STDIN_FILENO)
		return r;
	hint = decoded_size_hint(r);
	/*
	 * a text the hint already puts past the bound would be copied into a growing buffer up to
	 * keep_max, then dropped: read as usual from the start (the caller reopens for each pass)
	 */
	if (hint > keep_max)
		return r;
	r->kept = true;
	r->keep_max = keep_max;
	r->lbuf = g_malloc(max_line + 2);
	/*
	 * room for all of it when the hint is right (no copy as the buffer grows), and a byte more:
	 * the read that finds the end needs one byte of room
	 */
	if (hint + 2 > r->buf_size && hint <= keep_max) {
		r->buf_size = hint + 2;
		r->buf = g_realloc(r->buf, r->buf_size);
		if (r->thread) {
			r->pf_size = r->buf_size;
			g_atomic_pointer_set(&r->pf_buf, r->buf);
		}
	}
	return r;
}

bool ps_line_reader_rewind(PsLineReader *r, bool in_place)
{
	if (!r->kept || r->follow)
		return false;
	r->start = r->scan = 0;
	r->line = 0;
	r->complete = false;
	if (in_place)
		r->kept = false;
	return true;
}

bool ps_line_reader_follow(PsLineReader *r)
{
	if (!ps_line_reader_rewind(r, false))
		return false;
	r->follow = true;
	r->b_start = 0;
	r->b_line = 0;
	return true;
}

/*
 * The follower's next line: the reader's line that starts at b_start, found again (the reader
 * checked its length), ended in place as take_line ends it.
 */
int ps_line_reader_next_behind(PsLineReader *r, char **line, gsize *len)
{
	return ps_line_reader_next_behind_span(r, 0, line, len);
}

/*
 * As ps_line_reader_next_behind; span: the line's ps_line_reader_span when the reader handed it
 * out (0: not known), so its end is not searched for again (memchr over each line: 36 M of
 * ftrace-build-6.18's import parse thread, the follower's own cost included).
 */
int ps_line_reader_next_behind_span(PsLineReader *r, gsize span, char **line, gsize *len)
{
	const char *nl;
	gsize stop, next;

	g_clear_pointer(&r->retired, g_free);
	if (!r->follow || r->b_start >= r->start)
		return 0;
	if (span && span <= r->start - r->b_start) {
		/* the line's bytes, its newline last unless it is a last line without one */
		next = r->b_start + span;
		stop = r->buf[next - 1] == '\n' ? next - 1 : next;
	} else {
		nl = memchr(r->buf + r->b_start, '\n', r->start - r->b_start);
		stop = nl ? (gsize)(nl - r->buf) : r->start;
		next = nl ? stop + 1 : stop;
	}
	*line = r->buf + r->b_start;
	*len = stop - r->b_start;
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	(*line)[*len] = '\0';
	r->b_start = next;
	r->b_line++;
	return 1;
}

gsize ps_line_reader_span(const PsLineReader *r)
{
	return r->span;
}

uint64_t ps_line_reader_behind_line(const PsLineReader *r)
{
	return r->b_line;
}

const char *ps_line_reader_name(const PsLineReader *r)
{
	return r->name;
}

const char *ps_line_reader_path(const PsLineReader *r)
{
	return r->path;
}

uint64_t ps_line_reader_line(const PsLineReader *r)
{
	return r->line;
}

bool ps_line_reader_line_complete(const PsLineReader *r)
{
	return r->complete;
}

void ps_line_reader_close(PsLineReader *r)
{
	if (r == NULL)
		return;
	if (r->thread) {
		/* the thread is either inflating or waiting for an empty chunk: wake it, wait */
		g_atomic_int_set(&r->stop, 1);
		g_async_queue_push(r->empty, &r->stop_chunk);
		g_thread_join(r->thread);
		for (int i = 0; i < PS_LINES_NCHUNKS; i++) {
			g_clear_error(&r->chunks[i].read_error);
			g_clear_error(&r->chunks[i].gz_error);
			g_free(r->chunks[i].data);
		}
	}
	g_clear_pointer(&r->filled, g_async_queue_unref);
	g_clear_pointer(&r->empty, g_async_queue_unref);
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	if (r->gz) {
		inflateEnd(r->gz);
		g_free(r->gz);
	}
	g_free(r->in);
	g_free(r->buf);
	g_free(r->retired);
	g_free(r->lbuf);
	g_free(r->path);
	g_free(r);
}

/*
 * The whole input through the same machinery: the line buffer is filled and never cut, so it
 * grows to the file's decoded size. Binary input (kpageflags) is fine, since nothing looks for
 * newlines.
 */
GBytes *ps_file_read_all(const char *path, GError **error)
{
	g_autoptr(PsLineReader) r = ps_line_reader_open(path, G_MAXSIZE, error);
	gsize size;

	if (r == NULL)
		return NULL;
	while (!r->eof)
		if (!fill(r, error))
			return NULL;
	size = r->end;
	return g_bytes_new_take(g_realloc(g_steal_pointer(&r->buf), MAX(size, 1)), size);
}

char *ps_file_digest(const char *path, GError **error)
{
	g_autoptr(GMappedFile) mf = g_mapped_file_new(path, FALSE, error);
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (!mf)
		return NULL;
	if (!ps_sha256_hex(g_mapped_file_get_contents(mf), g_mapped_file_get_length(mf), hex)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: sha256 failed", path);
		return NULL;
	}
	return g_strdup_printf("sha256:%s", hex);
}

/*
 * Below this many bytes GLib hashes: OpenSSL 3's first EVP_Digest in a process fetches the
 * provider's implementation, ~5.3 M instructions (measured, callgrind: a cached replay of
 * qemu-press-oom-64k-6.18 spent 6.6 % of its run hashing the 3 KB config that way), and GLib's
 * ~20 cycles a byte cost as much only at a few hundred KiB.
 */
#define SHA256_GLIB_MAX (64 * 1024)

/* sha256, lower-case hex: OpenSSL's (SHA-NI where the CPU has it; GLib's is ~10x slower) for
 * large inputs, GLib's for small ones. */
bool ps_sha256_hex(const void *data, gsize len, char hex[static 65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (len < SHA256_GLIB_MAX) {
		g_autofree char *h = g_compute_checksum_for_data(
		    G_CHECKSUM_SHA256, (const guchar *)(len ? data : ""), len);

		if (!h || strlen(h) != 64)
			return false;
		memcpy(hex, h, 65);
		return true;
	}

	if (!EVP_Digest(len ? data : "", len, md, &n, EVP_sha256(), NULL) || n != 32)
		return false;
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}
