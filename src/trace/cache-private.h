/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cache-private.h - the binary trace cache's two halves as reader.c uses them: an entry read
 * through an mmap (PsCacheIn) and an entry written beside a JSONL parse (PsCacheOut). The format
 * is documented at the top of cache.c.
 */
#ifndef PS_TRACE_CACHE_PRIVATE_H
#define PS_TRACE_CACHE_PRIVATE_H

#include "trace/trace.h"

/* Generated from the sources that define a record (scripts/trace-cache-key.py). */
extern const uint64_t ps_trace_cache_key;

typedef struct PsCacheOut PsCacheOut;

/* Whether the file starts with the cache's magic (a compiled trace); false if unreadable. */
bool ps_cache_file_is_compiled(const char *path);

/*
 * Maps and checks an entry: magic, byte order, format, record size, layout key, the payload's
 * length and checksum, and, when digest is not NULL, that it was made from a JSONL file with
 * that digest and source_size bytes. NULL with *why set (free it) when absent or not usable;
 * *absent tells the two apart (an absent entry is no news).
 */
PsCacheIn *ps_cache_in_open(const char *path, const char *digest, uint64_t source_size,
			    PsTraceHeader *hdr, char **why, bool *absent);
void ps_cache_in_mark(const PsCacheIn *c, PsTraceReaderMark *m);
void ps_cache_in_rewind(PsCacheIn *c, const PsTraceReaderMark *m);
uint64_t ps_cache_in_count(const PsCacheIn *c); /* records in the entry */
uint64_t ps_cache_in_read(const PsCacheIn *c);	/* records handed out */
uint64_t ps_cache_in_line(const PsCacheIn *c);	/* the JSONL line of the last one handed out */
void ps_cache_in_close(PsCacheIn *c);

/* A new entry at path (atomically: nothing appears there until commit). */
PsCacheOut *ps_cache_out_new(const char *path, const char *digest, uint64_t source_size,
			     const PsTraceHeader *hdr, GError **error);
gboolean ps_cache_out_add(PsCacheOut *c, const PsTraceEvent *ev, GError **error);
gboolean ps_cache_out_commit(PsCacheOut *c, GError **error); /* frees c */
void ps_cache_out_abort(PsCacheOut *c);			     /* frees c; NULL is a no-op */

#endif
