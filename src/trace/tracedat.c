// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tracedat.c - trace-cmd's binary trace.dat as a source of event lines for the importer
 * (import.c), read with libtracecmd and libtraceevent.
 *
 * Each event becomes the line `trace-cmd report -t` prints for it: "COMM-PID [CPU]
 * SECONDS.NANOSECONDS: EVENT: PAYLOAD", the payload printed by libtraceevent from the event's
 * print format (the same code that prints it for `trace-cmd report`), and a CPU's dropped events
 * the "CPU:N [M EVENTS DROPPED]" line report prints before the next event of that CPU. The first
 * line is report's "cpus=N". So `pagesim import trace.dat` gives the trace that importing
 * `trace-cmd report -t trace.dat` gives (tests/e2e/test-import-tracedat.sh proves it), without
 * printing, compressing and re-reading the text; the time is the full nanosecond timestamp
 * (report without -t truncates it to microseconds).
 *
 * libtraceevent's printing costs ~15 k instructions an event (it interprets the print format
 * and its __print_flags table each time), more than the rest of the import together, so the
 * three events that are nearly all of a recording (kmem's mm_page_alloc, mm_page_free,
 * mm_page_free_batched) are printed here from their fields (pfn, order, migratetype: the values
 * the format prints), and only gfp_flags' text comes from libtraceevent, once per distinct mask
 * (a handful in a recording). Each fast event's first records (and every record of a new mask)
 * are also printed by libtraceevent and checked token by token against the fast text; a
 * difference (another kernel's format, a plugin's printer) turns the fast path off for that
 * event, for good, and libtraceevent prints it from then on.
 *
 * The records are read, merged and printed on a thread of their own ("trace-dat"), a few
 * chunks of lines ahead of the importer (as util/lines.c inflates a .gz): on a second core the
 * two overlap. The chunks come back in order, so the importer sees what one thread would give.
 *
 * Events are merged across CPUs in timestamp order, a tie going to the lower CPU (as report's
 * tracecmd_peek_next_data does). A file with buffer instances (trace-cmd record -B, trace-cmd
 * extract -B: pagesim-capture records into its own instance) is read from its instance when it
 * has exactly one; the top-level buffer of such a file holds whatever the machine's top-level
 * buffer held, which is not the recording. Several instances are refused, naming them.
 */
#include "trace/trace.h"

#include "util/util.h"

#include <stdio.h>
#include <string.h>

#ifdef PS_HAVE_TRACECMD
#include <trace-cmd/trace-cmd.h>
#include <traceevent/event-parse.h>
#include <traceevent/trace-seq.h>
#endif

#include "trace/tracedat-private.h"

bool ps_tracedat_is(const char *path)
{
	static const char magic[] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
	char buf[sizeof(magic)];
	FILE *f;
	bool is;

	if (!path || strcmp(path, "-") == 0)
		return false;
	f = fopen(path, "rb");
	if (!f)
		return false;
	is = fread(buf, 1, sizeof(buf), f) == sizeof(buf) && memcmp(buf, magic, sizeof(buf)) == 0;
	fclose(f);
	return is;
}

#ifdef PS_HAVE_TRACECMD

/* The fast events (see above) and what their lines need. */
enum { FAST_ALLOC, FAST_FREE, FAST_BATCHED, NR_FAST };
#define FAST_CHECKS 64 /* records of each fast event checked against libtraceevent's text */

typedef struct {
	int id; /* the event's id in this file, -1 if absent or turned off */
	struct tep_format_field *pfn, *order, *migratetype, *gfp;
	int checked;
} Fast;

#define DAT_CHUNK   (256 * 1024) /* bytes of lines handed over at once */
#define DAT_NCHUNKS 4

/* Lines on their way to the importer, '\n'-terminated; the last chunk has end set. */
typedef struct {
	GString *text;
	gsize pos; /* text[pos, len): lines not yet handed out */
	bool end;  /* nothing follows: rc is the producer's 0 (end) or -1 (error) */
	int rc;
	GError *error;
} DatChunk;

struct PsTraceDat {
	char *path;
	GThread *thread;
	GAsyncQueue *full, *empty; /* DatChunk * */
	DatChunk *cur;		   /* the importer's */
	gint stop;		   /* close before the end: the producer stops */
	uint64_t handed;	   /* event lines handed to the importer */
	Fast fast[NR_FAST];
	GHashTable *gfp_text; /* raw gfp_flags mask -> libtraceevent's text of it (g_strdup) */
	struct tracecmd_input *top;
	struct tracecmd_input *in; /* top, or its one buffer instance */
	struct tep_handle *tep;
	int cpus;
	struct tep_record **next; /* per cpu: its next record, NULL when done */
	bool header_done;
	struct tep_record *pending; /* the record whose line follows a dropped-events line */
	GString *line;
	struct trace_seq seq;
	uint64_t events;
};

static gpointer producer(gpointer data);

PsTraceDat *ps_tracedat_open(const char *path, GError **error)
{
	PsTraceDat *d = g_new0(PsTraceDat, 1);
	int n;

	d->path = g_strdup(path);
	trace_seq_init(&d->seq);
	d->line = g_string_sized_new(256);
	tracecmd_set_loglevel(TEP_LOG_CRITICAL);
	d->top = tracecmd_open(path, 0);
	if (!d->top) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: libtracecmd cannot read this trace.dat (a damaged or truncated "
			    "file, or a version this libtracecmd does not know)",
			    path);
		goto fail;
	}
	d->in = d->top;
	n = tracecmd_buffer_instances(d->top);
	if (n > 1) {
		GString *names = g_string_new(NULL);

		for (int i = 0; i < n; i++)
			g_string_append_printf(names, "%s'%s'", i ? ", " : "",
					       tracecmd_buffer_instance_name(d->top, i));
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: %d buffer instances (%s): record one (trace-cmd record -B NAME) "
			    "or extract one (trace-cmd extract -B NAME)",
			    path, n, names->str);
		g_string_free(names, TRUE);
		goto fail;
	}
	if (n == 1) {
		d->in = tracecmd_buffer_instance_handle(d->top, 0);
		if (!d->in) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: buffer instance '%s' cannot be read", path,
				    tracecmd_buffer_instance_name(d->top, 0));
			goto fail;
		}
	}
	d->tep = tracecmd_get_tep(d->in);
	d->cpus = tep_get_cpus(d->tep);
	if (d->cpus <= 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: the trace.dat says it has %d CPUs", path, d->cpus);
		goto fail;
	}
	{
		static const char *const names[NR_FAST] = {"mm_page_alloc", "mm_page_free",
							   "mm_page_free_batched"};

		for (int k = 0; k < NR_FAST; k++) {
			struct tep_event *e = tep_find_event_by_name(d->tep, "kmem", names[k]);
			Fast *f = &d->fast[k];

			f->id = -1;
			if (!e)
				continue;
			f->pfn = tep_find_field(e, "pfn");
			f->order = tep_find_field(e, "order");
			f->migratetype = tep_find_field(e, "migratetype");
			f->gfp = tep_find_field(e, "gfp_flags");
			if (f->pfn && (k == FAST_BATCHED || f->order) &&
			    (k != FAST_ALLOC || (f->migratetype && f->gfp)))
				f->id = e->id;
		}
		d->gfp_text = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	}
	d->next = g_new0(struct tep_record *, d->cpus);
	for (int c = 0; c < d->cpus; c++)
		d->next[c] = tracecmd_read_data(d->in, c);
	d->full = g_async_queue_new();
	d->empty = g_async_queue_new();
	for (int i = 0; i < DAT_NCHUNKS; i++) {
		DatChunk *c = g_new0(DatChunk, 1);

		c->text = g_string_sized_new(DAT_CHUNK + 4096);
		g_async_queue_push(d->empty, c);
	}
	d->thread = g_thread_new("trace-dat", producer, d);
	return d;
fail:
	ps_tracedat_close(d);
	return NULL;
}

int ps_tracedat_cpus(const PsTraceDat *d)
{
	return d->cpus;
}

uint64_t ps_tracedat_events(const PsTraceDat *d)
{
	return d->handed;
}

/*
 * n bytes at p appended to s: in place while s has room (GLib 2.74's g_string_append and
 * _append_len always call g_string_insert_len, ~100 instructions; 9 M calls on a 1.35 M-event
 * file were a fifth of this thread), else by GLib.
 */
static void put_mem(GString *s, const char *p, gsize n)
{
	if (s->len + n < s->allocated_len) {
		memcpy(s->str + s->len, p, n);
		s->len += n;
		s->str[s->len] = '\0';
	} else {
		g_string_append_len(s, p, (gssize)n);
	}
}

#define PUT_LIT(s, lit) put_mem((s), "" lit, sizeof(lit) - 1)

static void put_str(GString *s, const char *p)
{
	put_mem(s, p, strlen(p));
}

/* v in base 10 or 16 (constant divisors: a division by a variable base costs ~40 cycles). */
static void put_u64(GString *s, uint64_t v, int base)
{
	char b[24];
	int n = (int)sizeof(b);

	if (base == 16) {
		do {
			b[--n] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
	} else {
		do {
			b[--n] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
	}
	put_mem(s, b + n, sizeof(b) - (gsize)n);
}

static uint64_t field(struct tep_format_field *f, struct tep_record *r)
{
	unsigned long long v = 0;

	tep_read_number_field(f, r->data, &v);
	return v;
}

/* libtraceevent's payload of r ("page=... pfn=0x..."), NUL-terminated in d->seq. */
static const char *tep_payload(PsTraceDat *d, struct tep_record *r)
{
	trace_seq_reset(&d->seq);
	tep_print_event(d->tep, &d->seq, r, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&d->seq);
	return d->seq.buffer;
}

/* Whether every key=value token of fast (from start) is in full with the same value. */
static bool same_tokens(const char *fast, const char *full)
{
	g_auto(GStrv) ft = g_strsplit(fast, " ", -1);
	g_auto(GStrv) tt = g_strsplit(full, " ", -1);

	for (int i = 0; ft[i]; i++) {
		bool found = false;

		if (!*ft[i])
			continue;
		for (int j = 0; tt[j] && !found; j++)
			found = strcmp(ft[i], tt[j]) == 0;
		if (!found)
			return false;
	}
	return true;
}

/*
 * The payload of a fast event k appended to d->line from the record's fields; false if the
 * event's fast path is (now) off and libtraceevent must print it.
 */
static bool fast_payload(PsTraceDat *d, int k, struct tep_record *r)
{
	Fast *f = &d->fast[k];
	gsize start = d->line->len;
	uint64_t pfn = field(f->pfn, r);
	const char *gfp = NULL;
	bool check = f->checked < FAST_CHECKS;

	if (k == FAST_ALLOC && pfn == UINT64_MAX)
		pfn = 0; /* the format prints a failed allocation's -1 as 0 */
	PUT_LIT(d->line, "pfn=0x");
	put_u64(d->line, pfn, 16);
	PUT_LIT(d->line, " order=");
	if (k == FAST_BATCHED) {
		g_string_append_c(d->line, '0');
	} else {
		put_u64(d->line, field(f->order, r) & 0xffffffffu, 10);
	}
	if (k == FAST_ALLOC) {
		int64_t mt = (int32_t)field(f->migratetype, r);
		gint64 mask = (gint64)field(f->gfp, r);

		PUT_LIT(d->line, " migratetype=");
		if (mt < 0) {
			g_string_append_c(d->line, '-');
			mt = -mt;
		}
		put_u64(d->line, (uint64_t)mt, 10);
		gfp = g_hash_table_lookup(d->gfp_text, &mask);
		if (!gfp) {
			const char *full = tep_payload(d, r);
			const char *g = strstr(full, "gfp_flags=");

			if (!g)
				goto off;
			gfp = g_strdup(g + 10);
			g_hash_table_insert(d->gfp_text, g_memdup2(&mask, sizeof(mask)),
					    (char *)gfp);
			check = true;
		}
		PUT_LIT(d->line, " gfp_flags=");
		put_str(d->line, gfp);
	}
	if (check) {
		if (!same_tokens(d->line->str + start, tep_payload(d, r)))
			goto off;
		f->checked++;
	}
	return true;
off:
	g_string_truncate(d->line, start);
	f->id = -1;
	return false;
}

/* The line of one event, as `trace-cmd report -t` prints it (spacing aside). */
static void event_line(PsTraceDat *d, struct tep_record *r)
{
	int pid = tep_data_pid(d->tep, r);
	int type = tep_data_type(d->tep, r);

	g_string_truncate(d->line, 0);
	put_str(d->line, tep_data_comm_from_pid(d->tep, pid));
	g_string_append_c(d->line, '-');
	if (pid < 0) {
		g_string_append_c(d->line, '-');
		pid = -pid;
	}
	put_u64(d->line, (uint64_t)pid, 10);
	PUT_LIT(d->line, " [");
	put_u64(d->line, (uint64_t)r->cpu, 10);
	PUT_LIT(d->line, "] ");
	put_u64(d->line, r->ts / 1000000000ULL, 10);
	{
		char ns[12];
		uint64_t v = r->ts % 1000000000ULL;

		ns[0] = '.';
		for (int i = 9; i >= 1; i--, v /= 10)
			ns[i] = (char)('0' + v % 10);
		ns[10] = ':';
		ns[11] = ' ';
		put_mem(d->line, ns, sizeof(ns));
	}
	for (int k = 0; k < NR_FAST; k++) {
		if (d->fast[k].id >= 0 && type == d->fast[k].id) {
			static const char *const names[NR_FAST] = {
			    "mm_page_alloc: ", "mm_page_free: ", "mm_page_free_batched: "};

			put_str(d->line, names[k]);
			if (fast_payload(d, k, r))
				return;
			g_string_truncate(d->line, d->line->len - strlen(names[k]));
			break;
		}
	}
	trace_seq_reset(&d->seq);
	tep_print_event(d->tep, &d->seq, r, "%s: %s", TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_terminate(&d->seq);
	put_str(d->line, d->seq.buffer);
}

/* The next line, on the producer thread: as ps_tracedat_next. */
static int produce_line(PsTraceDat *d, char **line, gsize *len, GError **error)
{
	struct tep_record *r;
	int best = -1;

	if (!d->header_done) {
		d->header_done = true;
		g_string_printf(d->line, "cpus=%d", d->cpus);
		goto out;
	}
	if (d->pending) {
		r = g_steal_pointer(&d->pending);
	} else {
		for (int c = 0; c < d->cpus; c++)
			if (d->next[c] && (best < 0 || d->next[c]->ts < d->next[best]->ts))
				best = c;
		if (best < 0)
			return 0;
		r = d->next[best];
		d->next[best] = tracecmd_read_data(d->in, best);
		if (r->missed_events) {
			/* trace-cmd report's notice, then the event */
			if (r->missed_events > 0)
				g_string_printf(d->line, "CPU:%d [%lld EVENTS DROPPED]", r->cpu,
						r->missed_events);
			else
				g_string_printf(d->line, "CPU:%d [EVENTS DROPPED]", r->cpu);
			d->pending = r;
			goto out;
		}
	}
	trace_seq_reset(&d->seq);
	event_line(d, r);
	tracecmd_free_record(r);
	d->events++;
	if (d->seq.state != TRACE_SEQ__GOOD) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
			    "%s: event %" G_GUINT64_FORMAT ": libtraceevent could not print it",
			    d->path, d->events);
		return -1;
	}
out:
	*line = d->line->str;
	*len = d->line->len;
	return 1;
}

/* The producer: lines into chunks, in order, until the end, an error or stop. */
static gpointer producer(gpointer data)
{
	PsTraceDat *d = data;

	for (;;) {
		DatChunk *c = g_async_queue_pop(d->empty);
		char *line;
		gsize len;
		int rc = 1;

		g_string_truncate(c->text, 0);
		c->pos = 0;
		while (c->text->len < DAT_CHUNK && !g_atomic_int_get(&d->stop)) {
			rc = produce_line(d, &line, &len, &c->error);
			if (rc != 1)
				break;
			put_mem(c->text, line, len);
			g_string_append_c(c->text, '\n');
		}
		if (rc != 1 || g_atomic_int_get(&d->stop)) {
			c->end = true;
			c->rc = rc == 1 ? 0 : rc;
			g_async_queue_push(d->full, c);
			return NULL;
		}
		g_async_queue_push(d->full, c);
	}
}

int ps_tracedat_next(PsTraceDat *d, char **line, gsize *len, GError **error)
{
	for (;;) {
		DatChunk *c = d->cur;

		if (!c) {
			if (!d->thread)
				return 0;
			c = d->cur = g_async_queue_pop(d->full);
		}
		if (c->pos < c->text->len) {
			char *s = c->text->str + c->pos;
			char *nl = memchr(s, '\n', c->text->len - c->pos);

			*nl = '\0';
			*line = s;
			*len = (gsize)(nl - s);
			c->pos += *len + 1;
			if (!g_str_has_prefix(s, "cpus=") && !g_str_has_prefix(s, "CPU:"))
				d->handed++;
			return 1;
		}
		if (c->end) {
			/* the thread has ended: join it, keep the chunk for close */
			if (d->thread)
				g_thread_join(g_steal_pointer(&d->thread));
			if (c->rc < 0) {
				g_propagate_error(error, g_steal_pointer(&c->error));
				c->rc = 0;
				return -1;
			}
			return 0;
		}
		d->cur = NULL;
		g_async_queue_push(d->empty, c);
	}
}

static void chunk_free(gpointer p)
{
	DatChunk *c = p;

	g_string_free(c->text, TRUE);
	g_clear_error(&c->error);
	g_free(c);
}

void ps_tracedat_close(PsTraceDat *d)
{
	if (!d)
		return;
	if (d->thread) {
		/* stop the producer: it ends with a chunk marked end */
		g_atomic_int_set(&d->stop, 1);
		if (d->cur && !d->cur->end)
			g_async_queue_push(d->empty, g_steal_pointer(&d->cur));
		while (d->thread) {
			DatChunk *c = g_async_queue_pop(d->full);

			if (c->end) {
				g_thread_join(g_steal_pointer(&d->thread));
				if (d->cur)
					chunk_free(d->cur);
				d->cur = c;
			} else {
				g_async_queue_push(d->empty, c);
			}
		}
	}
	if (d->cur)
		chunk_free(d->cur);
	if (d->full) {
		DatChunk *c;

		while ((c = g_async_queue_try_pop(d->full)))
			chunk_free(c);
		while ((c = g_async_queue_try_pop(d->empty)))
			chunk_free(c);
		g_async_queue_unref(d->full);
		g_async_queue_unref(d->empty);
	}
	if (d->next)
		for (int c = 0; c < d->cpus; c++)
			if (d->next[c])
				tracecmd_free_record(d->next[c]);
	if (d->pending)
		tracecmd_free_record(d->pending);
	g_free(d->next);
	if (d->gfp_text)
		g_hash_table_unref(d->gfp_text);
	if (d->in && d->in != d->top)
		tracecmd_close(d->in);
	if (d->top)
		tracecmd_close(d->top);
	trace_seq_destroy(&d->seq);
	g_string_free(d->line, TRUE);
	g_free(d->path);
	g_free(d);
}

#else /* !PS_HAVE_TRACECMD */

struct PsTraceDat {
	int unused;
};

PsTraceDat *ps_tracedat_open(const char *path, GError **error)
{
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
		    "%s: a trace-cmd trace.dat, and this pagesim was built without libtracecmd "
		    "(scripts/deps.sh installs libtracecmd-dev; then meson setup --reconfigure): "
		    "import `trace-cmd report -t %s` text instead",
		    path, path);
	return NULL;
}

int ps_tracedat_cpus(const PsTraceDat *d)
{
	return 0;
}

uint64_t ps_tracedat_events(const PsTraceDat *d)
{
	return 0;
}

int ps_tracedat_next(PsTraceDat *d, char **line, gsize *len, GError **error)
{
	return 0;
}

void ps_tracedat_close(PsTraceDat *d)
{
	g_free(d);
}

#endif
