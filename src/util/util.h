/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - cross-cutting file I/O that every module needs and none owns: reading text plain or
 * gzip line by line with file:line positions, writing a file atomically, parsing JSON with
 * positions and exact 64-bit integers, and reading CSV.
 *
 * Each piece is hand-written where GLib and cJSON stop short: GDataInputStream allocates per line
 * and has no bound on a line's length; g_file_set_contents() cannot stream; cJSON keeps neither
 * positions nor integers above 2^53; GLib has no CSV reader. util/ depends on GLib, GIO and cJSON
 * only, so any module may use it.
 *
 * Errors: I/O failures are G_IO_ERROR (code from errno), bad input is PS_UTIL_ERROR; both carry
 * complete "file:line: ..." messages. A module whose callers expect its own error domain moves
 * the error into it with ps_util_error_to_domain().
 */
#ifndef PS_UTIL_H
#define PS_UTIL_H

#include <cjson/cJSON.h>
#include <gio/gio.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

G_BEGIN_DECLS

#define PS_UTIL_ERROR (ps_util_error_quark())
GQuark ps_util_error_quark(void);
enum {
	PS_UTIL_ERROR_PARSE, /* not the expected syntax (JSON, CSV, gzip, an over-long line) */
	PS_UTIL_ERROR_TYPE,  /* a JSON value of the wrong type */
	PS_UTIL_ERROR_RANGE, /* an integer outside the accepted range */
};

/*
 * Moves an error of G_IO_ERROR into (domain, io_code) and one of PS_UTIL_ERROR into (domain,
 * parse_code), keeping the message. Errors of other domains, and no error, are left alone.
 */
void ps_util_error_to_domain(GError **error, GQuark domain, int io_code, int parse_code);

/* ---- reading: lines of a plain or gzip file (util/lines.c) ------------------------------- */

/*
 * A file read line by line in constant memory: path "-" is standard input, and input whose first
 * two bytes are the gzip magic is inflated (concatenated members as one stream, as gzip -d
 * does). A line is handed out without its newline (nor a '\r' before it), NUL-terminated in
 * place; it stays valid and writable until the next call.
 */
typedef struct PsLineReader PsLineReader;

/* Lines longer than max_line bytes are an error (PS_UTIL_ERROR_PARSE). */
PsLineReader *ps_line_reader_open(const char *path, gsize max_line, GError **error);
/*
 * The same, for a file read more than once: its decoded text is kept in memory (up to keep_max
 * bytes) and each line is handed out as a copy (valid and writable until the next call), so that
 * ps_line_reader_rewind can start the text again without reading or inflating the file twice.
 */
PsLineReader *ps_line_reader_open_kept(const char *path, gsize max_line, gsize keep_max,
				       GError **error);
/*
 * Back to the first line when all text read so far is kept: true, and the lines come again (and
 * then the rest of the input); false (nothing changed) when it is not (standard input, a text
 * past keep_max, or a reader not opened kept). in_place: the last pass, lines are handed out in
 * place as by a reader not kept, and the text is no longer kept.
 */
bool ps_line_reader_rewind(PsLineReader *r, bool in_place);
/* 1 = a line, 0 = end of input, -1 = error ("NAME:LINE: ..."). */
int ps_line_reader_next(PsLineReader *r, char **line, gsize *len, GError **error);
/*
 * A second cursor over a kept text, behind the first: true, both start again at the first line
 * (as by a rewind), and ps_line_reader_next_behind hands out in place (writable, valid until its
 * next call) each line ps_line_reader_next has handed out since and it has not: 1 a line, 0 none
 * (it has caught up: read on with ps_line_reader_next; once that returns 0, the end). The text
 * between the two is kept however long it grows, past keep_max too; rewind refuses from then on.
 * false (nothing changed) when the text is not kept, as for rewind. For a first pass that must
 * read ahead of the pass that uses its findings, by as far as they need, inflating once.
 */
bool ps_line_reader_follow(PsLineReader *r);
int ps_line_reader_next_behind(PsLineReader *r, char **line, gsize *len);
/*
 * The bytes the last line ps_line_reader_next handed out took in the text (its newline
 * included; never 0 for a line). Given to ps_line_reader_next_behind_span for that same line,
 * the follower takes the line's end from it instead of searching the text for it again.
 */
gsize ps_line_reader_span(const PsLineReader *r);
int ps_line_reader_next_behind_span(PsLineReader *r, gsize span, char **line, gsize *len);
uint64_t ps_line_reader_behind_line(const PsLineReader *r); /* the follower's lines so far */
const char *ps_line_reader_name(const PsLineReader *r);	    /* path, or "<stdin>" */
const char *ps_line_reader_path(const PsLineReader *r);	    /* as given ("-" for standard input) */
uint64_t ps_line_reader_line(const PsLineReader *r);	    /* number of the last line handed out */
/* Whether the last line handed out ended in a newline (false only for a cut last line). */
bool ps_line_reader_line_complete(const PsLineReader *r);
void ps_line_reader_close(PsLineReader *r); /* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsLineReader, ps_line_reader_close)

/* A whole file, plain or gzip (binary is fine), into memory; "-" is standard input. */
GBytes *ps_file_read_all(const char *path, GError **error);
/* "sha256:HEX" of a file's bytes as stored (not decompressed): how inputs are named in outputs. */
char *ps_file_digest(const char *path, GError **error);
/*
 * ps_file_digest remembered in cache_dir (util/filecache.c): cache_dir/DEV-INODE.digest keeps the
 * digest with the file's device, inode, size, mtime, ctime and a checksum of 30 sampled blocks
 * (its ends among them); a later call whose file matches all of them takes the digest from there
 * instead of hashing the whole file. Never stale: a file changed less than 2 s before the hash
 * is not remembered, and any later change to it (even one that keeps its size and sets its
 * mtime back) gets a new ctime. *hit (may be NULL) says whether the memo answered. cache_dir
 * NULL or standard input: ps_file_digest.
 */
char *ps_file_digest_cached(const char *path, const char *cache_dir, bool *hit, GError **error);
/* sha256 of len bytes as 64 lower-case hex digits and a NUL; false only if OpenSSL fails. */
bool ps_sha256_hex(const void *data, gsize len, char hex[static 65]);

/*
 * ps_file_read_all through a cache of inflated copies (util/filecache.c): a gzip file's bytes are
 * kept inflated in cache_dir/HEX.raw (HEX: its sha256 as stored) and mapped by later reads, which
 * check the copy's digest, size and checksum (a stale or corrupt copy is reported on stderr and
 * rewritten). Other files, standard input, or cache_dir NULL: ps_file_read_all.
 */
GBytes *ps_file_read_all_cached(const char *path, const char *cache_dir, GError **error);

/*
 * The cache directory's size cap (util/filecache.c). ps_cache_max_bytes: $PAGESIM_CACHE_MAX
 * (bytes, or with a K, M, G or T suffix, 1024-based; "off" or 0: no cap; unset or empty: 8 GiB;
 * anything else, a sign or a leading space too: said on stderr once a process, the default).
 * ps_cache_trim: when the cache's entries in cache_dir (the names its writers give: .start, .pstc,
 * .raw, .snap, .memcg, .stale, .pcp, .walk, .digest; no other file) pass the cap, removes those
 * used longest ago (the later of atime and mtime, then by name) until they fit, never keep (the
 * entry just written; a path or a name), and says so on stderr; returns how many it removed. An
 * entry another run has open or mapped stays readable to it (an unlinked file lives while it is
 * open).
 */
uint64_t ps_cache_max_bytes(void);
guint ps_cache_trim(const char *cache_dir, const char *keep);
/*
 * Marks the cache entry used now (its atime; mtime stays), for ps_cache_trim's order.
 * Every reader calls it on a hit: under a relatime mount a read alone does not always move
 * atime. Errors are ignored (the entry is read all the same).
 */
void ps_cache_touch(const char *entry);
/* A fast 64-bit checksum of data (not cryptographic: against bit rot and cut files). */
uint64_t ps_checksum64(const void *data, gsize len);
/*
 * A cheaper one for large cache entries: position-weighted sums of 64-bit words (Fletcher's
 * scheme, four lanes). Catches cut files and changed, lost or swapped words, as the cache needs;
 * not a hash. AVX2 on an x86-64 CPU that has it (chosen at run time), else SSE2 where the
 * target has it; _scalar is the same sum word by word (the other targets', and the test's
 * reference). Instructions a byte (callgrind, gcc -O2 on x86-64): 0.125 with AVX2 (a 103 MB
 * started-state entry), 0.31 with SSE2, 0.69 word by word. From 16 MiB the second half is summed
 * on a thread of its own, the halves combined exactly (filecache.c): the same value.
 */
uint64_t ps_checksum_sum(const void *data, gsize len);
uint64_t ps_checksum_sum_scalar(const void *data, gsize len);
#if defined(__SSE2__)
/* The SSE2 loop alone (what a CPU without AVX2 runs), for the test to compare. */
uint64_t ps_checksum_sum_sse2(const void *data, gsize len);
#endif

/*
 * A table of saved arrays (util/state.c): a run's state as named byte arrays. One walk per
 * owner names its arrays in a fixed order; on a table made by _new_save the walk copies them
 * into the table, on one made by _new_load (a saved table's payload) it copies them back in
 * the same order. ps_state_array: len bytes at p; ps_state_sparse: the same for an array that
 * is all zero before a restore (only its nonzero 4 KiB chunks are kept and written back);
 * ps_state_count: a number that sizes later arrays (returns n when saving, the saved one when
 * loading, so the owner can size the arrays before they are named). A load that meets another
 * name or size than the walk's stops there: _error says what (NULL: all of it matched).
 */
typedef struct PsStateTable PsStateTable;
PsStateTable *ps_state_table_new_save(void);
PsStateTable *ps_state_table_new_load(const void *payload, gsize len);
void ps_state_table_free(PsStateTable *t);
bool ps_state_loading(const PsStateTable *t);
const char *ps_state_table_error(const PsStateTable *t);
/* A saving table that would have passed 4 GiB (it keeps nothing then: not to be written). */
bool ps_state_table_too_large(const PsStateTable *t);
const uint8_t *ps_state_table_bytes(const PsStateTable *t, gsize *len);
uint64_t ps_state_table_entries(const PsStateTable *t);
void ps_state_array(PsStateTable *t, const char *name, void *p, gsize len);
void ps_state_sparse(PsStateTable *t, const char *name, void *p, gsize len);
/*
 * ps_state_mapped: the same for a large array that the owner mapped itself (mmap, so p is
 * page-aligned and munmap frees it): a table read from a file (_set_file: its descriptor, kept
 * open while the table is used, and the payload's offset in it) maps the saved bytes over the
 * array copy-on-write instead of copying them. Its old contents are replaced whole; its zero
 * pages past the last one that is not are not stored, and come back as fresh anonymous pages.
 */
void ps_state_mapped(PsStateTable *t, const char *name, void *p, gsize len);
/*
 * ps_state_room: an array at the start of a PsRoom (page-aligned, all zero past what the walk
 * restores): mapped when it is large (up to its last 2 MiB boundary, the rest copied into the
 * room's huge pages), sparse otherwise (state.c says where and why).
 */
void ps_state_room(PsStateTable *t, const char *name, void *p, gsize len);
void ps_state_table_set_file(PsStateTable *t, int fd, uint64_t offset);
uint64_t ps_state_count(PsStateTable *t, const char *name, uint64_t n);
/* A string (NULL kept as NULL): a copy of str when saving, of the saved one when loading. */
char *ps_state_string(PsStateTable *t, const char *name, const char *str);
/* The arrays of a saved payload; UINT64_MAX when its entries do not end where it does. */
uint64_t ps_state_table_count(const void *payload, gsize len);
/* Two saved payloads: NULL when they are the same bytes, else which array differs first. */
char *ps_state_table_diff(const void *a, gsize alen, const void *b, gsize blen);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsStateTable, ps_state_table_free)

/*
 * Transparent huge pages for a large array not touched yet (util/mem.c): ps_advise_huge asks for
 * them on the 2 MiB-aligned interior of [p, p + bytes) (fewer page faults when it is filled);
 * ps_malloc0_huge is g_malloc0 followed by that advice, freed with g_free.
 */
void ps_advise_huge(void *p, gsize bytes);
void *ps_malloc0_huge(gsize bytes);
/*
 * ps_map0_huge: bytes of zeroed memory of their own anonymous mapping (page-aligned, huge pages
 * asked for from 2 MiB), or NULL when it cannot be mapped; a ps_state_mapped array can be one.
 * Freed with ps_unmap_huge and the same size (NULL is ignored).
 */
void *ps_map0_huge(gsize bytes);
void ps_unmap_huge(void *p, gsize bytes);

/*
 * An array that grows in place (util/mem.c): address space is reserved once (PROT_NONE, 2 MiB
 * aligned, huge pages asked for on all of it) and made readable and writable as it grows, so a
 * growth copies nothing and touches nothing; memory is faulted (zeroed) only where it is written.
 * ps_room_grow makes at least `bytes` usable from base (doubling); only a growth past the
 * reservation maps a larger one and copies. Aborts when out of memory, as g_malloc does.
 * Zero-initialise a PsRoom; ps_room_free unmaps it and leaves it zeroed.
 */
typedef struct {
	void *base;
	gsize reserved;	 /* bytes of address space from base */
	gsize committed; /* bytes readable and writable from base */
} PsRoom;
void ps_room_grow(PsRoom *r, gsize bytes);
void ps_room_free(PsRoom *r);

/* ---- writing: atomic output files (util/atomic.c) ----------------------------------------- */

/*
 * An output file written under a temporary name (".NAME.XXXXXX") in its final directory and
 * renamed into place by commit (after an fsync when ps_atomic_durable); abort, an error or a
 * crash leaves nothing under the final name. The file gets mode 0666 less the umask, like any file
 * the user creates. Writes are buffered; an error is returned by the write that met it.
 */
typedef struct PsAtomicFile PsAtomicFile;
PsAtomicFile *ps_atomic_file_new(const char *path, GError **error);
gboolean ps_atomic_file_write(PsAtomicFile *f, const void *data, gsize len, GError **error);
const char *ps_atomic_file_path(const PsAtomicFile *f);		 /* the final name */
gboolean ps_atomic_file_commit(PsAtomicFile *f, GError **error); /* frees f */
void ps_atomic_file_abort(PsAtomicFile *f);			 /* frees f; NULL is a no-op */
/* data in front of what f holds (a copy of the file; see util/atomic.c) */
gboolean ps_atomic_file_prepend(PsAtomicFile *f, const void *data, gsize len, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsAtomicFile, ps_atomic_file_abort)
/*
 * Commits on this thread between begin and batch_commit are deferred: batch_commit renames them
 * into place in commit order (when durable: each file's data starts going to disk at its commit,
 * and batch_commit fsyncs each before its rename and each directory once after them). A
 * file is under its final name only after batch_commit; on an error there, the files not yet
 * renamed are removed. batch_abort drops every deferred file. Batches do not nest.
 */
void ps_atomic_batch_begin(void);
gboolean ps_atomic_batch_commit(GError **error);
void ps_atomic_batch_abort(void);
/*
 * Whether commits fsync: PAGESIM_FSYNC set to anything but "" or "0" (read at each commit). Off
 * by default: the rename alone keeps a half-written file from any final name; the fsync only
 * adds survival of a power loss (util/atomic.c).
 */
gboolean ps_atomic_durable(void);
/* new + write + commit. */
gboolean ps_write_file_atomic(const char *path, const char *data, gsize len, GError **error);

/* write(2) all of data to fd, retrying on EINTR; errors name the file "name". */
gboolean ps_write_all_fd(int fd, const char *name, const void *data, gsize len, GError **error);

/* ---- JSON with positions and exact integers (util/json.c) --------------------------------- */

/* "a number", "a string", ... for messages about a JSON item of the wrong type. */
const char *ps_json_type_name(const cJSON *item);

/*
 * A parsed JSON text that remembers where each item came from. cJSON keeps neither positions nor
 * the text of numbers (only a double), so a scanner walks the text in step with the tree and
 * records, for every item in document order, the line of its key (object members) or of its
 * first character (array elements, the root), and where its value's text starts and ends. Exact
 * integers are read from that text, never from the double.
 */
typedef struct PsJsonDoc PsJsonDoc;

/*
 * Parses text that must hold one JSON value and nothing after it. Errors are PS_UTIL_ERROR_PARSE
 * "FILENAME:LINE: (json): syntax error near '...'".
 */
PsJsonDoc *ps_json_doc_parse(const char *text, gsize len, const char *filename, GError **error);
void ps_json_doc_free(PsJsonDoc *doc); /* NULL is a no-op; frees the tree unless stolen */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsJsonDoc, ps_json_doc_free)
cJSON *ps_json_doc_root(const PsJsonDoc *doc);
const char *ps_json_doc_filename(const PsJsonDoc *doc);
/* The line of item (its key's for an object member); 1 for NULL or an item not of this doc. */
int ps_json_doc_line(const PsJsonDoc *doc, const cJSON *item);
/* The text of item's value (a number's token exactly as written); NULL if not of this doc. */
const char *ps_json_doc_value_text(const PsJsonDoc *doc, const cJSON *item, gsize *len);

/*
 * An integer item in [min, max], read exactly from its text (doc may be NULL: then from a raw
 * item's text, or the double). Integer notation is exact to 64 bits; "1.0" or "5e3" are taken
 * when the double is an integer up to 2^53 (as JSON writers produce them). On failure returns FALSE
 * with *code PS_UTIL_ERROR_TYPE ("expected an integer, got a string" / "... got 1.5") or
 * PS_UTIL_ERROR_RANGE ("9223372036854775808 is out of range [0, 9223372036854775807]") and the
 * reason in *why (free it).
 */
gboolean ps_json_doc_int(const PsJsonDoc *doc, const cJSON *item, int64_t min, int64_t max,
			 int64_t *out, int *code, char **why);
gboolean ps_json_doc_uint(const PsJsonDoc *doc, const cJSON *item, uint64_t min, uint64_t max,
			  uint64_t *out, int *code, char **why);

/*
 * A JSON integer token: -?(0|[1-9][0-9]*) with magnitude up to 2^64-1. Anything else (fraction,
 * exponent, leading zeros, '+', overflow) is not one.
 */
bool ps_json_integer_token(const char *tok, gsize len, bool *neg, uint64_t *mag);
/* Whether the token is a JSON integer too large for 64 bits (for "out of range" messages). */
bool ps_json_integer_token_overflows(const char *tok, gsize len);

/*
 * Exact integers out: from 10^15 on a raw item holding the decimal text, so cJSON's printers
 * write every digit (cJSON_CreateNumber goes through a double and "%1.15g": 9007199254740993
 * would print as 9007199254740992, 10^15 as 1e+15). Re-parsing gives a number item again.
 * Smaller integers are plain number items and print as cJSON always printed them.
 */
cJSON *ps_json_create_int(int64_t v);
cJSON *ps_json_create_uint(uint64_t v);
cJSON *ps_json_add_int(cJSON *obj, const char *name, int64_t v);
cJSON *ps_json_add_uint(cJSON *obj, const char *name, uint64_t v);
/*
 * Turns every number item of doc whose text is an integer a double would round (beyond 2^53)
 * into a raw item holding that text, so copies and prints of the tree keep every digit. Read such
 * items with ps_json_doc_int/uint or ps_json_item_int64/uint64, not valuedouble.
 */
void ps_json_doc_make_exact(PsJsonDoc *doc);
/*
 * Turns every number item under item (item too) that holds an integer of magnitude below 10^15
 * (not -0) into a raw item of its digits: the text cJSON_Print writes for it ("%1.15g"), without
 * the sprintf and sscanf round trip cJSON makes for each number (~3,500 instructions: a run's
 * summary has ~2,000 of them). Other numbers stay as they are. For a tree about to be printed.
 */
void ps_json_integers_raw(cJSON *item);
/* Parse + make_exact, keeping only the tree (for JSON that is read by key, then copied). */
cJSON *ps_json_parse_exact(const char *text, gsize len, const char *filename, GError **error);
/* An integral number item, or a raw item holding an integer, exactly; FALSE for anything else. */
bool ps_json_item_int64(const cJSON *item, int64_t *out);
bool ps_json_item_uint64(const cJSON *item, uint64_t *out);

/*
 * Steps through the members of one JSON object text that cJSON has already accepted, handing
 * back each value's raw text, in the order cJSON lists the members. Used where building a
 * position table would cost too much (one trace line at a time). Never reads outside [p, end).
 * nul_escape is set when a string holds "\u0000", which cJSON silently cuts short at.
 */
typedef struct {
	const char *p;
	const char *end;
	bool nul_escape;
} PsJsonCursor;
void ps_json_cursor_next_value(PsJsonCursor *c, const char **tok, gsize *len);

/* ---- CSV (util/csv.c) -------------------------------------------------------------------- */

/*
 * A CSV table (RFC 4180: quoted cells may hold commas, doubled quotes and newlines), every row
 * as wide as the header. A file whose last row has no newline, or any row with another number of
 * cells, is refused with "FILE:LINE: ..." (PS_UTIL_ERROR_PARSE): a table being written when it
 * was read is cut, not short.
 */
typedef struct {
	GPtrArray *header; /* char * */
	GPtrArray *rows;   /* GPtrArray of char *, each header->len long */
	GArray *lines;	   /* guint: the line each row starts on, for messages */
} PsCsvTable;

PsCsvTable *ps_csv_load(const char *path, GError **error);
PsCsvTable *ps_csv_parse(const char *text, gsize len, const char *filename, GError **error);
void ps_csv_free(PsCsvTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsCsvTable, ps_csv_free)
int ps_csv_column(const PsCsvTable *t, const char *name); /* -1 if absent */
static inline const char *ps_csv_cell(const PsCsvTable *t, guint row, guint col)
{
	return g_ptr_array_index((GPtrArray *)g_ptr_array_index(t->rows, row), col);
}
/* Appends one cell, quoted when it must be, after a ',' unless first. */
void ps_csv_append_cell(GString *out, const char *cell, bool first);

/* ---- byte arrays, 8 bytes a step (util.h only) ---------------------------------------------- */

/*
 * Bit k set when byte k of the 8 at a has (a[k] & mask) == value: the walks over the per-pfn
 * byte arrays (page flags, snapshot states) of a whole machine, which look at every page at
 * start-up. One SSE2 compare where the target has SSE2 (every x86-64: 5 instructions against
 * the word-at-a-time form's 12, ~60 M instructions of a 25 GiB machine's snapshot start),
 * word-at-a-time on other little-endian hosts, byte by byte otherwise; same answer.
 */
static inline unsigned ps_bytes8_match(const uint8_t *a, uint8_t mask, uint8_t value)
{
#if defined(__SSE2__)
	__m128i w = _mm_loadl_epi64((const __m128i *)(const void *)a); /* the 8 bytes, then 0s */
	__m128i eq =
	    _mm_cmpeq_epi8(_mm_and_si128(w, _mm_set1_epi8((char)mask)), _mm_set1_epi8((char)value));

	return (unsigned)_mm_movemask_epi8(eq) & 0xffu; /* the upper 8 lanes compared 0s */
#elif G_BYTE_ORDER == G_LITTLE_ENDIAN
	const uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full;
	uint64_t w, t;

	memcpy(&w, a, 8);
	w = (w & (ones * mask)) ^ (ones * value); /* a zero byte where it matches */
	t = ~(((w & low7) + low7) | w | low7);	  /* 0x80 in exactly those bytes */
	/* byte k's bit to bit k of the top byte (no two products share a bit: no carries) */
	return (unsigned)(((t >> 7) * 0x0102040810204080ull) >> 56);
#else
	unsigned r = 0;

	for (unsigned k = 0; k < 8; k++)
		r |= (unsigned)((a[k] & mask) == value) << k;
	return r;
#endif
}

/*
 * How many bytes of a[0..n) have (byte & mask) == value: 16 a step with SSE2 (a byte counter per
 * lane, summed every 255 steps before it can wrap), byte by byte otherwise; same answer.
 */
static inline uint64_t ps_bytes_count_match(const uint8_t *a, uint64_t n, uint8_t mask,
					    uint8_t value)
{
	uint64_t count = 0, i = 0;
#if defined(__SSE2__)
	const __m128i vm = _mm_set1_epi8((char)mask), vv = _mm_set1_epi8((char)value);
	const __m128i zero = _mm_setzero_si128();

	while (i + 16 <= n) {
		__m128i acc = zero;

		/* a match is -1 in its lane: subtracting counts it */
		for (unsigned k = 0; k < 255 && i + 16 <= n; k++, i += 16) {
			__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(a + i));

			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_and_si128(w, vm), vv));
		}
		acc = _mm_sad_epu8(acc, zero); /* two sums of 8 lanes, each below 2^11 */
		count += (uint64_t)_mm_cvtsi128_si32(acc) + (uint64_t)_mm_extract_epi16(acc, 4);
	}
#endif
	for (; i < n; i++)
		count += (a[i] & mask) == value;
	return count;
}

/* The first index from i on whose byte of a[0..n) has (byte & mask) == value; n when none. */
static inline uint64_t ps_bytes_next_match(const uint8_t *a, uint64_t i, uint64_t n, uint8_t mask,
					   uint8_t value)
{
	for (; i < n && (i & 7); i++)
		if ((a[i] & mask) == value)
			return i;
	for (; i + 8 <= n; i += 8) {
		unsigned hit = ps_bytes8_match(a + i, mask, value);

		if (hit)
			return i + (uint64_t)__builtin_ctz(hit);
	}
	for (; i < n; i++)
		if ((a[i] & mask) == value)
			return i;
	return n;
}

G_END_DECLS

#endif /* PS_UTIL_H */
