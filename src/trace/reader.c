// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reader.c - streaming trace reader: a file or standard input, plain or gzip, one event at a
 * time in constant memory.
 *
 * Lines come from util's line reader (plain or gzip, cut in place, capped at PS_TRACE_LINE_MAX);
 * this file adds the header, blank lines, and the checks that span lines: time never goes
 * backwards and cpu is below the header's cpus. Through the binary cache (cache.c) the events
 * come from a mapped entry instead, or the parse writes one as it goes.
 */
#include "trace/cache-private.h"

#include "util/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/*
 * One open trace: either the line reader under it, and what the checks between lines need, or
 * a cache entry (cin) that had them made when it was written. cout, while parsing, is the entry
 * being written beside the parse; it is committed at the end of the trace, dropped on an error
 * or an early close.
 */
struct PsTraceReader {
	PsLineReader *lines; /* NULL when reading cin */
	PsCacheIn *cin;
	PsCacheOut *cout;
	char *path;	    /* as given */
	char *digest;	    /* open_cached: the trace's digest */
	char *cache_dir;    /* open_cached writing cout: the directory it goes into */
	uint64_t last_t_ns; /* time of the previous event */
	uint64_t count;	    /* events handed out (reading cin: the decoder counts) */
	PsTraceHeader hdr;
	PsTraceEvent ev; /* reading JSONL: the last event parsed, what next_ref hands out */
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

/* A compiled trace named directly: no digest to match (it is its own source). */
static PsTraceReader *open_compiled(const char *path, PsTraceHeader *hdr, GError **error)
{
	g_autofree char *why = NULL;
	PsTraceReader *r;
	PsTraceHeader h;
	bool absent;
	PsCacheIn *cin = ps_cache_in_open(path, NULL, 0, &h, &why, &absent);

	if (!cin) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s: %s", path, why);
		return NULL;
	}
	r = g_new0(PsTraceReader, 1);
	r->cin = cin;
	r->path = g_strdup(path);
	r->hdr = h;
	if (hdr)
		*hdr = h;
	return r;
}

PsTraceReader *ps_trace_reader_open(const char *path, PsTraceHeader *hdr, GError **error)
{
	g_autoptr(PsTraceReader) r = NULL;
	char *line = NULL;
	gsize len = 0;
	int rc;

	g_return_val_if_fail(path != NULL, NULL);

	if (strcmp(path, "-") && ps_cache_file_is_compiled(path))
		return open_compiled(path, hdr, error);
	r = g_new0(PsTraceReader, 1);
	r->path = g_strdup(path);
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

PsTraceReader *ps_trace_reader_open_cached(const char *path, const char *cache_dir,
					   const char *digest, PsTraceHeader *hdr, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *own_digest = NULL, *entry = NULL, *why = NULL;
	PsTraceReader *r;
	PsTraceHeader h;
	PsCacheIn *cin;
	struct stat st;
	bool absent;

	g_return_val_if_fail(path != NULL, NULL);
	if (!cache_dir || !strcmp(path, "-") || ps_cache_file_is_compiled(path) ||
	    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return ps_trace_reader_open(path, hdr, error);
	if (!digest)
		digest = own_digest = ps_file_digest_cached(path, cache_dir, NULL, NULL);
	if (!digest)
		return ps_trace_reader_open(path, hdr, error);
	entry = ps_trace_cache_entry_path(cache_dir, digest);
	cin = ps_cache_in_open(entry, digest, (uint64_t)st.st_size, &h, &why, &absent);
	if (cin) {
		r = g_new0(PsTraceReader, 1);
		r->cin = cin;
		r->path = g_strdup(path);
		r->digest = g_strdup(digest);
		r->hdr = h;
		if (hdr)
			*hdr = h;
		return r;
	}
	if (!absent)
		fprintf(stderr, "pagesim: trace cache %s: %s; ignored, parsing %s again\n", entry,
			why, path);
	r = ps_trace_reader_open(path, hdr, error);
	if (!r)
		return NULL;
	r->digest = g_strdup(digest);
	if (g_mkdir_with_parents(cache_dir, 0777) != 0) {
		fprintf(stderr, "pagesim: trace cache %s: %s; reading without it\n", cache_dir,
			g_strerror(errno));
		return r;
	}
	r->cout = ps_cache_out_new(entry, digest, (uint64_t)st.st_size, &r->hdr, &local);
	if (!r->cout)
		fprintf(stderr, "pagesim: trace cache: %s; reading without it\n", local->message);
	else
		r->cache_dir = g_strdup(cache_dir);
	return r;
}

/* The parse reached the end: the entry written beside it goes into place. */
static void commit_cache(PsTraceReader *r)
{
	g_autoptr(GError) local = NULL;

	g_autofree char *entry = ps_trace_cache_entry_path(r->cache_dir, r->digest);

	if (!ps_cache_out_commit(g_steal_pointer(&r->cout), &local))
		fprintf(stderr, "pagesim: trace cache: %s; not kept\n", local->message);
	else
		ps_cache_trim(r->cache_dir, entry);
}

static void drop_cache_out(PsTraceReader *r)
{
	g_clear_pointer(&r->cout, ps_cache_out_abort);
}

/*
 * The next event parsed from the JSONL (and added to the entry written beside the parse). Not
 * inlined into ps_trace_reader_next_ref: its frame (six saved registers, the line and its
 * length) cost a replay from the cache ~25 instructions a record it never used.
 */
static G_GNUC_NO_INLINE int next_parsed(PsTraceReader *r, const PsTraceEvent **out, GError **error)
{
	PsTraceEvent *ev = &r->ev;
	const char *name;
	uint64_t nr;
	char *line;
	gsize len;
	int rc;

	do {
		rc = ps_reader_next_line(r, &line, &len, error);
		if (rc <= 0) {
			if (rc == 0 && r->cout)
				commit_cache(r);
			drop_cache_out(r);
			return rc;
		}
	} while (ps_line_is_blank(line, len));

	name = ps_line_reader_name(r->lines);
	nr = ps_line_reader_line(r->lines);
	if (!ps_trace_parse_line(line, len, ev, error)) {
		g_prefix_error(error, "%s:%" PRIu64 ": ", name, nr);
		drop_cache_out(r);
		return -1;
	}
	ev->line = nr;
	if (ev->t_ns < r->last_t_ns) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:%" PRIu64 ": t: time goes backwards (%" PRIu64 " < %" PRIu64 ")",
			    name, nr, ev->t_ns, r->last_t_ns);
		drop_cache_out(r);
		return -1;
	}
	if (ev->cpu >= r->hdr.cpus) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:%" PRIu64 ": cpu: %d is not below the header's cpus (%d)", name, nr,
			    ev->cpu, r->hdr.cpus);
		drop_cache_out(r);
		return -1;
	}
	r->last_t_ns = ev->t_ns;
	r->count++;
	if (r->cout) {
		g_autoptr(GError) local = NULL;

		if (!ps_cache_out_add(r->cout, ev, &local)) {
			fprintf(stderr, "pagesim: trace cache: %s; not kept\n", local->message);
			drop_cache_out(r);
		}
	}
	*out = ev;
	return 1;
}

int ps_trace_reader_next_ref(PsTraceReader *r, const PsTraceEvent **out, GError **error)
{
	g_return_val_if_fail(r != NULL && out != NULL, -1);

	/*
	 * A cache entry's next event, with the line it had in the JSONL: the decoder keeps the
	 * count and the line (ps_trace_reader_count and _line ask it), so a jump to it, not a
	 * frame a record of its own.
	 */
	if (r->cin)
		return ps_cache_in_next(r->cin, out, error);
	return next_parsed(r, out, error);
}

PsCacheIn *ps_trace_reader_cache_in(PsTraceReader *r)
{
	return r->cin;
}

int ps_trace_reader_next(PsTraceReader *r, PsTraceEvent *ev, GError **error)
{
	const PsTraceEvent *ref;
	int rc;

	g_return_val_if_fail(ev != NULL, -1);
	rc = ps_trace_reader_next_ref(r, &ref, error);
	if (rc == 1)
		*ev = *ref;
	return rc;
}

uint64_t ps_trace_reader_line(const PsTraceReader *r)
{
	/* exactly one of the two is open for the reader's life */
	return r->lines ? ps_line_reader_line(r->lines) : ps_cache_in_line(r->cin);
}

const char *ps_trace_reader_path(const PsTraceReader *r)
{
	return r->path;
}

uint64_t ps_trace_reader_count(const PsTraceReader *r)
{
	return r->cin ? ps_cache_in_read(r->cin) : r->count;
}

uint64_t ps_trace_reader_total(const PsTraceReader *r)
{
	return r->cin ? ps_cache_in_count(r->cin) : 0;
}

bool ps_trace_reader_cached(const PsTraceReader *r)
{
	return r->cin != NULL;
}

const char *ps_trace_reader_digest(const PsTraceReader *r)
{
	return r->digest;
}

void ps_trace_reader_mark(const PsTraceReader *r, PsTraceReaderMark *m)
{
	g_return_if_fail(r->cin != NULL);
	ps_cache_in_mark(r->cin, m);
}

void ps_trace_reader_rewind(PsTraceReader *r, const PsTraceReaderMark *m)
{
	g_return_if_fail(r->cin != NULL);
	ps_cache_in_rewind(r->cin, m);
}

void ps_trace_reader_close(PsTraceReader *r)
{
	if (r == NULL)
		return;
	drop_cache_out(r);
	/* a parsed header owns its pcp_start; a cache entry's points into the entry's map */
	if (!r->cin)
		ps_trace_header_clear(&r->hdr);
	ps_cache_in_close(r->cin);
	ps_line_reader_close(r->lines);
	g_free(r->path);
	g_free(r->digest);
	g_free(r->cache_dir);
	g_free(r);
}
