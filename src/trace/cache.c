// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cache.c - the binary trace cache: a JSONL trace's records once parsed, kept in a compact
 * binary file so that the next replay of the same trace maps it instead of parsing it again.
 *
 * JSONL stays the interchange format; an entry is a private, machine-local copy of what the
 * parser made of one JSONL file, keyed by that file's digest, and is never required: a missing,
 * unreadable, stale or corrupt entry is ignored (the last two with a message) and the JSONL is
 * parsed, writing a new entry beside the parse.
 *
 * Where: $PAGESIM_TRACE_CACHE if set ("" or "off": no cache), else g_get_user_cache_dir()/pagesim
 * ($XDG_CACHE_HOME/pagesim, ~/.cache/pagesim); an entry is DIR/HEX-KEY.pstc, HEX the sha256 of
 * the JSONL file's bytes as stored (ps_file_digest, gzip or not), KEY this build's layout key:
 * builds with different parsers (two checkouts, a rebuild) keep their own entries instead of
 * rewriting each other's; entries of old builds stay until the directory is cleared.
 *
 * Format (native byte order and struct layout: an entry never leaves the machine that wrote it):
 *   prologue  CacheHead: magic "PSTRACE\x01", byte-order mark, format, sizeof(PsTraceEvent),
 *             the layout key, the JSONL's size and digest, the trace header (its pcp_start
 *             pointer written as NULL)
 *   payload   the header's pcp_start lists (n_pcp_start PsTracePcpStart, as long as the
 *             recording's: format 8; format 7 held at most 96 inside the header), then one
 *             encoded record after another
 *   epilogue  CacheTail: record count, payload length, payload checksum, end magic
 * A varint here is a prefix varint: a value of 7n bits or fewer (n 1-8) takes n bytes, little
 * endian, the first byte's low n - 1 bits ones and the next a zero, the value above them; a
 * larger one takes 9, 0xff then its 8 bytes. Its length is in its first byte, so it decodes
 * from one 8-byte load in a few steps. Varints carry the shape numbers and the shape
 * definitions below; the differences themselves are fixed-width.
 * A record is encoded generically, as the memory image of its PsTraceEvent (the parser zeroes
 * every record before filling it, so padding is zero too) seen as W 64-bit words, against a
 * base: the last record of the same op with the time of the record just before it and the line
 * after that one's (a record on the next line changes no word for its line; the first of an op
 * against ps_trace_event_init's with that op). The base of the same op, not the record before:
 * a recording that interleaves ops (a portable build's touches between observed allocator
 * events) changed 8-10 words a record against the one before, most of them back and forth
 * between the two ops' unset values. What a record changes is its shape: its op, the words that
 * differ from its base and, for each, the width of its difference, 1, 2, 4 or 8 bytes: the
 * fewest whose signed range holds it. Shapes are numbered in the order they first occur; a record
 * is the varint shape * 2 + D, where D 1 means the shape's definition follows (its first record):
 * the varint op, per group of 64 words a varint bit mask of the words it changes, then the widths,
 * two bits a word in word order, four to a byte. Then each changed word's difference in excess-K
 * form (plus K, half its width's range: 2^7, 2^15, 2^31 or 2^63, mod 2^64), little endian in its
 * width, in word order: a mask and a subtraction undo it (format 9's zigzag took five steps a
 * word). A shape's words, widths and offsets are worked out once,
 * when its definition is read, so a record decodes with one varint and one fixed-size load per
 * word (format 5's per-word prefix varints and word-mask walk cost ~170 instructions a record
 * on build-portable; the records of a recording take a few hundred shapes). A rewind may read a
 * definition again: it must match the shape as known. Nothing in the encoder names a field, so
 * a field or op added to PsTraceEvent is carried without a change here. The layout key
 * (scripts/trace-cache-key.py: a hash of trace.h, the parser and what it calls in mm/ and
 * util/, the reader and this file; src/trace/meson.build lists them) changes with any of those
 * sources, so an entry from another build is stale, never misread. Consecutive records share
 * most words (op, cpu, the unset fields) and their times, ids, lines and pfns are close, so a
 * record takes ~10-20 bytes against ~70 in JSONL.
 *
 * Checks on open: magic, byte order, format, record size, key, digest and size of the JSONL, the
 * payload's length and a 64-bit checksum over it; while reading, every varint and difference
 * stays inside the payload and every record passes the checks that keep later code in bounds
 * (op, kind and event in range, cpu below the header's cpus, time never backwards, strings
 * NUL-terminated).
 *
 * Writing goes through util's PsAtomicFile: a temporary name in the cache directory, renamed
 * into place (fsync'd first only with PAGESIM_FSYNC=1, util/atomic.c), so concurrent writers
 * of one entry (sweep jobs starting together) each rename a complete, identical file and a
 * reader never sees half of one.
 */
#include "trace/cache-private.h"

#include "mm/mm.h"

#include "util/util.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_MAGIC	"PSTRACE\x01"
#define CACHE_END_MAGIC "PSTREND\x01"
/* 9: PsTraceEvent's union holds observed compaction starts (8-byte aligned: file moved)
 * 10: differences in excess-K form instead of zigzag'd */
#define CACHE_FORMAT	 10
#define CACHE_BYTE_ORDER 0x0102030405060708ULL
#define CACHE_SUFFIX	 ".pstc"

#define EV_WORDS (sizeof(PsTraceEvent) / sizeof(uint64_t))
#define EV_MASKS ((EV_WORDS + 63) / 64)
G_STATIC_ASSERT(sizeof(PsTraceEvent) % sizeof(uint64_t) == 0);

/* The prologue: everything known before the first record. */
typedef struct {
	char magic[8];
	uint64_t byte_order; /* CACHE_BYTE_ORDER as written */
	uint32_t format;     /* CACHE_FORMAT */
	uint32_t event_size; /* sizeof(PsTraceEvent) */
	uint64_t key;	     /* ps_trace_cache_key */
	uint64_t source_size;
	char digest[80]; /* "sha256:HEX" of the JSONL file, NUL-padded; "" for none */
	PsTraceHeader hdr;
	uint32_t pad;
} CacheHead;
/* the pcp_start lists right after it, read in place from the map: 8-byte aligned */
G_STATIC_ASSERT(sizeof(CacheHead) % G_ALIGNOF(PsTracePcpStart) == 0);

/* The epilogue: what only the end of the parse knows. */
typedef struct {
	uint64_t nr_records;
	uint64_t payload_bytes;
	uint64_t checksum;
	char magic[8];
} CacheTail;

/* ---- shared --------------------------------------------------------------------------------- */

static inline uint64_t sum_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

/*
 * The payload's checksum, against bit rot and cut files, not malice (the decoder is
 * bounds-checked anyway): util's ps_checksum_sum (position-weighted word sums, SIMD) of each
 * SUM_CHUNK bytes in turn, the last piece shorter, chained through sum_word, so the writer sums
 * what it writes piece by piece. Format 6 chained sum_word over every 8-byte word, a multiply
 * after a multiply: ~6 instructions a word, 4.3 M of a build-portable replay's 523 M on open;
 * ps_checksum_sum is ~0.125 instructions a byte with AVX2, 0.31 with SSE2.
 */
#define SUM_CHUNK ((gsize)1 << 20)
static uint64_t sum_payload(uint64_t h, const uint8_t *p, gsize len)
{
	for (gsize off = 0; off < len; off += SUM_CHUNK)
		h = sum_word(h, ps_checksum_sum(p + off, MIN(SUM_CHUNK, len - off)));
	return h;
}

static inline uint64_t ev_word(const PsTraceEvent *ev, gsize i)
{
	uint64_t w;

	memcpy(&w, (const char *)ev + i * 8, 8);
	return w;
}

static inline void ev_set_word(PsTraceEvent *ev, gsize i, uint64_t w)
{
	memcpy((char *)ev + i * 8, &w, 8);
}

/* ---- reading -------------------------------------------------------------------------------- */

/*
 * The base a record of op is a delta on, as the encoder (ps_cache_out_add) and the decoder
 * (ps_cache_in_next) both take it: that op's last record, at the previous record's time and on
 * the line after the previous record's (so neither costs a word a record).
 */
static inline PsTraceEvent *record_base(PsTraceEvent prev[PS_NR_TRACE_OPS], uint64_t op,
					uint64_t last_t_ns, uint64_t last_line)
{
	PsTraceEvent *base = &prev[op];

	base->t_ns = last_t_ns;
	base->line = last_line + 1;
	return base;
}

/* The next word a mask of group m names, taken off *bits (not 0). */
static inline gsize mask_next(uint64_t *bits, gsize m)
{
	gsize i = m * 64 + (gsize)__builtin_ctzll(*bits);

	*bits &= *bits - 1;
	return i;
}

/* A word mask naming a word past the event's end. */
static inline bool masks_out_of_range(const uint64_t masks[EV_MASKS])
{
	return EV_WORDS % 64 && masks[EV_MASKS - 1] >> (EV_WORDS % 64);
}

/* A difference's width code (0-3: 1, 2, 4, 8 bytes) and what it means. */
static const uint8_t width_bytes[4] = {1, 2, 4, 8};
static const uint64_t width_mask[4] = {0xff, 0xffff, 0xffffffff, ~0ULL};
/* K of each width: a difference d is stored as d + K, so [-K, K) fits */
static const uint64_t width_excess[4] = {1ULL << 7, 1ULL << 15, 1ULL << 31, 1ULL << 63};

/*
 * The most bytes one record can take: its shape, a definition (op, masks, widths) and every word
 * 8 bytes (and the 8-byte load of a varint's first byte or of a 1-byte difference reads 8 on).
 */
#define RECORD_MAX_BYTES ((2 + EV_MASKS) * 9 + (EV_WORDS + 3) / 4 + EV_WORDS * 8 + 8)

/*
 * A changed word of a shape as the decoder applies it: the mask and K of its difference's width,
 * the word's byte offset in the record, the difference's in the record's differences.
 */
typedef struct {
	uint64_t mask, excess;
	uint16_t word_off, diff_off;
	uint32_t width; /* code 0-3 */
} ShapeEnt;

/*
 * A shape as the decoder uses it: its entries in PsCacheIn.ents, in word order, and the record its
 * records are deltas on (&PsCacheIn.prev[op]: PsCacheIn never moves, so the address is worked out
 * once, when the shape is defined, not as op * sizeof(PsTraceEvent) three times a record).
 */
typedef struct {
	PsTraceEvent *base;
	/* its entries [ents, ents_end) in PsCacheIn.ents: set again when that array moves */
	const ShapeEnt *ents, *ents_end;
	uint32_t first; /* its first entry */
	uint16_t n;	/* words it changes */
	uint16_t bytes; /* its differences' bytes */
	uint8_t op;
	uint8_t check; /* SHAPE_CHECK_*: what of record_check its changed words can break */
} Shape;

/*
 * A record of a checked base (PsCacheIn.checked) whose changed words hold nothing record_check
 * reads needs only its time checked; one whose only such word is the cpu's (the pid's and the
 * cpu's on a third of build-portable's records), its time and its cpu (inline in
 * ps_cache_in_next: hand_out's call and full check were ~60 instructions a record); any other,
 * the full record_check.
 */
enum { SHAPE_CHECK_TIME, SHAPE_CHECK_CPU, SHAPE_CHECK_ALL };
G_STATIC_ASSERT(EV_WORDS <= 256 && EV_WORDS * 8 < 65536);

struct PsCacheIn {
	char *path;
	GMappedFile *map;
	const uint8_t *start, *p, *end; /* the payload; p: the next record */
	const uint8_t *fast_end; /* a record starting before it lies inside: no bounds to check */
	uint64_t nr_records, count; /* in the entry, handed out */
	uint64_t fast_count;	    /* nr_records, 0 once broken: one test for both */
	uint64_t last_t_ns;
	int cpus;
	bool broken;	    /* a record failed its checks: nothing more is handed out */
	uint64_t last_line; /* of the last record handed out */
	/* per op, the last record of it handed out (the base of the next one's delta) */
	PsTraceEvent prev[PS_NR_TRACE_OPS];
	/* the shapes defined so far (kept through a rewind: a definition read again must match) */
	Shape *shapes;
	ShapeEnt *ents;
	uint32_t nr_shapes, shapes_cap, nr_ents, ents_cap;
	/* per op: prev[op] passed record_check (it was handed out since the open or a rewind) */
	bool checked[PS_NR_TRACE_OPS];
	/* per op: SHAPE_CHECK_ALL while !checked[op], else 0: or'ed with a shape's check */
	uint8_t unchecked[PS_NR_TRACE_OPS];
	const uint64_t *check_words;	     /* checked_words(false) */
	const uint64_t *check_words_but_cpu; /* checked_words(true) */
};
/* ps_cache_in_mark / _rewind copy these whole into a PsTraceReaderMark (trace.h) */
G_STATIC_ASSERT(sizeof(((PsTraceReaderMark *)NULL)->prev) == sizeof(((PsCacheIn *)NULL)->prev));

/* Whether two word masks share a word. */
static inline bool masks_meet(const uint64_t *a, const uint64_t *b)
{
	uint64_t any = 0;

	for (gsize m = 0; m < EV_MASKS; m++)
		any |= a[m] & b[m];
	return any != 0;
}

/* The bases of a stream before its first record: unset fields, each op's own. */
static void bases_init(PsTraceEvent prev[PS_NR_TRACE_OPS])
{
	for (int op = 0; op < PS_NR_TRACE_OPS; op++) {
		ps_trace_event_init(&prev[op]);
		prev[op].op = (enum ps_trace_op)op;
	}
}

bool ps_cache_file_is_compiled(const char *path)
{
	char buf[8];
	FILE *f = fopen(path, "rb");
	bool yes;

	if (!f)
		return false;
	yes = fread(buf, 1, 8, f) == 8 && memcmp(buf, CACHE_MAGIC, 8) == 0;
	fclose(f);
	return yes;
}

static char *check_head(const CacheHead *h, const char *digest, uint64_t source_size)
{
	if (memcmp(h->magic, CACHE_MAGIC, 8))
		return g_strdup("not a pagesim trace cache file");
	if (h->byte_order != CACHE_BYTE_ORDER)
		return g_strdup("written on a machine of another byte order");
	if (h->format != CACHE_FORMAT || h->event_size != sizeof(PsTraceEvent) ||
	    h->key != ps_trace_cache_key)
		return g_strdup_printf(
		    "written by another pagesim build (format %u, key %016" PRIx64
		    ", this build %u, %016" PRIx64 ")",
		    h->format, h->key, CACHE_FORMAT, ps_trace_cache_key);
	if (memchr(h->digest, 0, sizeof(h->digest)) == NULL)
		return g_strdup("digest field not terminated");
	if (digest && strcmp(h->digest, digest))
		return g_strdup_printf("made from %s, not from this trace (%s)", h->digest, digest);
	if (digest && h->source_size != source_size)
		return g_strdup_printf("made from a trace of %" PRIu64
				       " bytes, this one has %" PRIu64,
				       h->source_size, source_size);
	if (h->hdr.cpus < 1 || h->hdr.cpus > PS_TRACE_MAX_CPUS ||
	    memchr(h->hdr.source, 0, sizeof(h->hdr.source)) == NULL ||
	    memchr(h->hdr.machine, 0, sizeof(h->hdr.machine)) == NULL || h->hdr.n_pcp_start < 0 ||
	    h->hdr.n_pcp_start > PS_TRACE_PCP_START_MAX ||
	    (!h->hdr.has_pcp_start && h->hdr.n_pcp_start))
		return g_strdup("trace header out of range");
	return NULL;
}

/* Sets the bit of each word that holds part of bytes [off, off + len) of a record. */
static void words_add(uint64_t words[EV_MASKS], gsize off, gsize len)
{
	for (gsize w = off / 8; w <= (off + len - 1) / 8; w++)
		words[w / 64] |= 1ull << (w % 64);
}

#define WORDS_ADD(words, field)                                                                    \
	words_add(words, offsetof(PsTraceEvent, field), sizeof(((PsTraceEvent *)0)->field))

/*
 * The words of a record that record_check reads, the time's aside; but_cpu: but for the cpu's
 * (a word the cpu shares with another checked field stays in).
 */
static const uint64_t *checked_words(bool but_cpu)
{
	static uint64_t words[2][EV_MASKS];
	static gsize once;

	if (g_once_init_enter(&once)) {
		for (int b = 0; b < 2; b++) {
			WORDS_ADD(words[b], op);
			WORDS_ADD(words[b], kind);
			WORDS_ADD(words[b], event);
			WORDS_ADD(words[b], free_reason);
			WORDS_ADD(words[b], irq);
			WORDS_ADD(words[b], value);
			if (!b)
				WORDS_ADD(words[b], cpu);
			WORDS_ADD(words[b], comm);
			WORDS_ADD(words[b], mempolicy);
			WORDS_ADD(words[b], name);
			WORDS_ADD(words[b], file);
		}
		g_once_init_leave(&once, 1);
	}
	return words[but_cpu];
}

PsCacheIn *ps_cache_in_open(const char *path, const char *digest, uint64_t source_size,
			    PsTraceHeader *hdr, char **why, bool *absent)
{
	g_autoptr(GError) local = NULL;
	GMappedFile *map;
	const uint8_t *data;
	gsize size, lists;
	CacheHead head;
	CacheTail tail;
	PsCacheIn *c;

	*absent = false;
	*why = NULL;
	map = g_mapped_file_new(path, FALSE, &local);
	if (!map) {
		*absent = g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT);
		*why = g_strdup(local->message);
		return NULL;
	}
	data = (const uint8_t *)g_mapped_file_get_contents(map);
	size = g_mapped_file_get_length(map);
	if (size < sizeof(head) + sizeof(tail)) {
		*why = g_strdup_printf("cut short (%zu bytes)", size);
		g_mapped_file_unref(map);
		return NULL;
	}
	memcpy(&head, data, sizeof(head));
	memcpy(&tail, data + size - sizeof(tail), sizeof(tail));
	*why = check_head(&head, digest, source_size);
	if (!*why && memcmp(tail.magic, CACHE_END_MAGIC, 8))
		*why = g_strdup("cut short (no end mark)");
	if (!*why && tail.payload_bytes != size - sizeof(head) - sizeof(tail))
		*why = g_strdup_printf("payload of %zu bytes, the end mark says %" PRIu64,
				       size - sizeof(head) - sizeof(tail), tail.payload_bytes);
	lists = (gsize)head.hdr.n_pcp_start * sizeof(PsTracePcpStart);
	if (!*why && lists > tail.payload_bytes)
		*why = g_strdup_printf("payload of %" PRIu64 " bytes, the header's %d pcp_start "
				       "lists take more",
				       tail.payload_bytes, head.hdr.n_pcp_start);
	if (!*why && sum_payload(0, data + sizeof(head), tail.payload_bytes) != tail.checksum)
		*why = g_strdup("checksum mismatch: the file is corrupt");
	/* the lists are read where they lie, for as long as the entry stays mapped */
	head.hdr.pcp_start = lists ? (PsTracePcpStart *)(data + sizeof(head)) : NULL;
	if (!*why && !ps_trace_header_check(&head.hdr, &local))
		*why = g_strdup_printf("trace header: %s", local->message);
	if (*why) {
		g_mapped_file_unref(map);
		return NULL;
	}
	ps_cache_touch(path);
	c = g_new0(PsCacheIn, 1);
	c->path = g_strdup(path);
	c->map = map;
	c->start = c->p = data + sizeof(head) + lists;
	c->end = data + sizeof(head) + tail.payload_bytes;
	c->fast_end = (gsize)(c->end - c->start) >= RECORD_MAX_BYTES ? c->end - RECORD_MAX_BYTES + 1
								     : c->start;
	c->nr_records = c->fast_count = tail.nr_records;
	c->cpus = head.hdr.cpus;
	c->check_words = checked_words(false);
	c->check_words_but_cpu = checked_words(true);
	bases_init(c->prev);
	memset(c->unchecked, SHAPE_CHECK_ALL, sizeof(c->unchecked));
	if (hdr)
		*hdr = head.hdr;
	return c;
}

/* Bytes of the varint whose first byte is b0: 1-9. */
static inline unsigned varint_len(uint8_t b0)
{
	return (unsigned)__builtin_ctz(~(unsigned)b0) + 1; /* 0xff: 9 */
}

/* A varint inside [*p, end); false when it runs past end. */
static inline bool get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	unsigned n;

	if (p >= end)
		return false;
	n = varint_len(*p);
	if ((size_t)(end - p) < n)
		return false;
	if (n == 9) {
		for (unsigned i = 0; i < 8; i++)
			x |= (uint64_t)p[1 + i] << (8 * i);
	} else {
		for (unsigned i = 0; i < n; i++)
			x |= (uint64_t)p[i] << (8 * i);
		x = (x >> n) & (~0ULL >> (64 - 7 * n));
	}
	*pp = p + n;
	*v = x;
	return true;
}

/* A varint known to lie inside the payload (at least RECORD_MAX_BYTES before its end). */
static inline uint64_t get_varint_unchecked(const uint8_t **pp)
{
	const uint8_t *p = *pp;
	uint64_t w;
	unsigned n;

	if (G_LIKELY(!(*p & 1))) {
		*pp = p + 1;
		return *p >> 1;
	}
	if (G_UNLIKELY(*p == 0xff)) {
		memcpy(&w, p + 1, 8);
		*pp = p + 9;
		return GUINT64_FROM_LE(w);
	}
	memcpy(&w, p, 8);
	w = GUINT64_FROM_LE(w);
	n = (unsigned)__builtin_ctzll(~w) + 1; /* the first byte has a zero bit: 2..8 */
	*pp = p + n;
	return (w >> n) & (~0ULL >> (64 - 7 * n));
}

static int corrupt(PsCacheIn *c, GError **error, const char *what)
{
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s: record %" PRIu64 ": %s",
		    c->path, c->count + 1, what);
	return -1;
}

/*
 * corrupt, and nothing more is handed out (the reader is broken). Out of line: inline in
 * ps_cache_in_next, its call made the fast path save and restore three registers a record.
 */
static G_GNUC_NO_INLINE int corrupt_broken(PsCacheIn *c, GError **error, const char *what)
{
	c->broken = true;
	c->fast_count = 0;
	return corrupt(c, error, what);
}

/* The checks that keep the code reading a record in bounds (the parser made them first). */
static const char *record_check(const PsCacheIn *c, const PsTraceEvent *ev)
{
	if ((unsigned)ev->op >= PS_NR_TRACE_OPS)
		return "op out of range";
	if ((unsigned)ev->kind >= PS_NR_ALLOC_KINDS)
		return "kind out of range";
	if (ev->op == PS_OP_OBSERVED && (unsigned)ev->event >= PS_NR_OBSERVED_EVENTS)
		return "event out of range";
	if ((unsigned)ev->free_reason >= PS_NR_FREE_REASONS)
		return "reason of a free out of range";
	if ((unsigned)ev->irq >= PS_NR_IRQ_CTX)
		return "irq context out of range";
	if (ev->op == PS_OP_ZONE_GROW && (uint64_t)ev->value >= PS_MAX_NR_ZONES)
		return "zone out of range";
	if (ev->cpu >= c->cpus || ev->cpu < -1)
		return "cpu out of range";
	if (ev->t_ns < c->last_t_ns)
		return "time goes backwards";
	if (ev->comm[sizeof(ev->comm) - 1] || ev->mempolicy[sizeof(ev->mempolicy) - 1] ||
	    ev->name[sizeof(ev->name) - 1] || ev->file[sizeof(ev->file) - 1])
		return "string not terminated";
	return NULL;
}

/* A little-endian value of n bytes (1-8) at p. */
static inline uint64_t load_le(const uint8_t *p, unsigned n)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < n; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return x;
}

/*
 * A shape's definition at *pp (bounds-checked: definitions are rare), numbered id: a new shape
 * when id is the next number, else one read before (a rewind), which it must match. NULL when
 * it reads, else what is wrong.
 */
static G_GNUC_NO_INLINE const char *shape_read(PsCacheIn *c, uint64_t id, const uint8_t **pp)
{
	const uint8_t *p = *pp;
	uint64_t op, masks[EV_MASKS];
	ShapeEnt ents[EV_WORDS];
	unsigned n = 0, bytes = 0, k = 0;
	Shape sh;

	if (id > c->nr_shapes)
		return "shape defined out of order";
	if (!get_varint(&p, c->end, &op))
		return "cut short";
	if (op >= PS_NR_TRACE_OPS)
		return "op out of range";
	for (gsize m = 0; m < EV_MASKS; m++) {
		if (!get_varint(&p, c->end, &masks[m]))
			return "cut short";
		n += (unsigned)__builtin_popcountll(masks[m]);
	}
	if (masks_out_of_range(masks))
		return "word mask out of range";
	if ((size_t)(c->end - p) < (n + 3) / 4)
		return "cut short";
	for (gsize m = 0; m < EV_MASKS; m++) {
		for (uint64_t bits = masks[m]; bits; k++) {
			gsize i = mask_next(&bits, m);
			unsigned w = (p[k / 4] >> (2 * (k % 4))) & 3;

			ents[k] = (ShapeEnt){.mask = width_mask[w],
					     .excess = width_excess[w],
					     .word_off = (uint16_t)(i * 8),
					     .diff_off = (uint16_t)bytes,
					     .width = w};
			bytes += width_bytes[w];
		}
	}
	p += (n + 3) / 4;
	sh = (Shape){.base = &c->prev[op],
		     .first = c->nr_ents,
		     .n = (uint16_t)n,
		     .bytes = (uint16_t)bytes,
		     .op = (uint8_t)op,
		     .check = !masks_meet(masks, c->check_words)	   ? SHAPE_CHECK_TIME
			      : !masks_meet(masks, c->check_words_but_cpu) ? SHAPE_CHECK_CPU
									   : SHAPE_CHECK_ALL};
	if (id < c->nr_shapes) {
		const Shape *old = &c->shapes[id];

		if (old->op != sh.op || old->n != sh.n ||
		    memcmp(&c->ents[old->first], ents, n * sizeof(ents[0])))
			return "shape defined again differently";
	} else {
		if (c->nr_shapes == c->shapes_cap) {
			c->shapes_cap = MAX(2 * c->shapes_cap, 64u);
			c->shapes = g_renew(Shape, c->shapes, c->shapes_cap);
		}
		if (c->nr_ents + n > c->ents_cap) {
			while (c->nr_ents + n > c->ents_cap)
				c->ents_cap = MAX(2 * c->ents_cap, 512u);
			c->ents = g_renew(ShapeEnt, c->ents, c->ents_cap);
			for (uint32_t i = 0; i < c->nr_shapes; i++) {
				c->shapes[i].ents = c->ents + c->shapes[i].first;
				c->shapes[i].ents_end = c->shapes[i].ents + c->shapes[i].n;
			}
		}
		memcpy(&c->ents[c->nr_ents], ents, n * sizeof(ents[0]));
		sh.ents = &c->ents[c->nr_ents];
		sh.ents_end = sh.ents + n;
		c->nr_ents += n;
		c->shapes[c->nr_shapes++] = sh;
	}
	*pp = p;
	return NULL;
}

/*
 * Applies the differences at p (far from the payload's end: 8-byte loads need no bounds) of the
 * shape entries [e, e_end) to cur, a record's base (record_base: its op's last record, set to the
 * time of the last record handed out and the line after its line here). The callers read what
 * they need of the shape before: each store below, through a char pointer, may alias it.
 */
static inline void apply_ents(PsTraceEvent *cur, const ShapeEnt *e, const ShapeEnt *e_end,
			      const uint8_t *p, uint64_t last_t_ns, uint64_t last_line)
{
	char *words = (char *)cur;

	cur->t_ns = last_t_ns;
	cur->line = last_line + 1;
	for (; e < e_end; e++) {
		uint64_t d, w;

		memcpy(&d, p + e->diff_off, 8);
		d = GUINT64_FROM_LE(d) & e->mask;
		memcpy(&w, words + e->word_off, 8);
		w += d - e->excess;
		memcpy(words + e->word_off, &w, 8);
	}
}

/* apply_ents for a record of shape sh at p; returns the end of the record. */
static inline const uint8_t *apply_shape(PsCacheIn *c, const Shape *sh, const uint8_t *p)
{
	const uint8_t *end = p + sh->bytes;

	apply_ents(sh->base, sh->ents, sh->ents_end, p, c->last_t_ns, c->last_line);
	return end;
}

/*
 * A record near the end of the payload (or of a broken or finished reader): every read
 * bounds-checked. Returns what ps_cache_in_next returns; *shp gets the shape.
 */
static G_GNUC_NO_INLINE int next_checked(PsCacheIn *c, const uint8_t **pp, const Shape **shp,
					 GError **error)
{
	const uint8_t *p = *pp;
	PsTraceEvent *cur;
	const Shape *sh;
	const char *bad;
	uint64_t head;

	if (c->broken)
		return corrupt(c, error, "unreadable after an inconsistent record");
	if (c->count == c->nr_records)
		return p == c->end ? 0 : corrupt(c, error, "bytes after the last record");
	if (!get_varint(&p, c->end, &head))
		return corrupt(c, error, "cut short");
	if ((head & 1) && (bad = shape_read(c, head >> 1, &p)) != NULL)
		return corrupt_broken(c, error, bad);
	if (head >> 1 >= c->nr_shapes)
		return corrupt_broken(c, error, "shape not defined");
	sh = &c->shapes[head >> 1];
	if ((size_t)(c->end - p) < sh->bytes)
		return corrupt_broken(c, error, "cut short");
	cur = record_base(c->prev, sh->op, c->last_t_ns, c->last_line);
	for (unsigned k = 0; k < sh->n; k++) {
		const ShapeEnt *e = &c->ents[sh->first + k];
		gsize i = e->word_off / 8;

		ev_set_word(cur, i,
			    ev_word(cur, i) +
				(load_le(p + e->diff_off, width_bytes[e->width]) - e->excess));
	}
	*pp = p + sh->bytes;
	*shp = sh;
	return 1;
}

/*
 * A decoded record's checks, then it is handed out (or the reader is broken). A failed check
 * leaves the reader broken: the entry passed its checksum, so it was written wrong, and nothing
 * after this record can be trusted either. A record whose changed words hold nothing
 * record_check reads is its checked base but for the time: only the time is checked (the full
 * check was ~30 instructions a record).
 */
static G_GNUC_NO_INLINE int hand_out(PsCacheIn *c, PsTraceEvent *cur, const Shape *sh,
				     const uint8_t *p, const PsTraceEvent **ev, GError **error)
{
	uint64_t op = sh->op;
	const char *bad;

	if (c->checked[op] && sh->check == SHAPE_CHECK_TIME)
		bad = cur->t_ns < c->last_t_ns ? "time goes backwards" : NULL;
	else
		bad = (uint64_t)cur->op != op ? "op of a record not its base's"
					      : record_check(c, cur);
	if (G_UNLIKELY(bad != NULL))
		return corrupt_broken(c, error, bad);
	c->p = p;
	c->last_t_ns = cur->t_ns;
	c->last_line = cur->line;
	c->count++;
	c->checked[op] = true;
	c->unchecked[op] = 0;
	*ev = cur; /* no copy: the caller reads the decoder's own record */
	return 1;
}

/* Any record but the common one: a definition, near the end, broken, or to be fully checked. */
static G_GNUC_NO_INLINE int next_slow(PsCacheIn *c, const PsTraceEvent **ev, GError **error)
{
	const uint8_t *p = c->p;
	const Shape *sh;
	int rc;

	if (c->count < c->fast_count && p < c->fast_end) {
		/* far from the end: no bounds to check inside the record */
		uint64_t head = get_varint_unchecked(&p), id = head >> 1;
		const char *bad;

		if ((head & 1) && (bad = shape_read(c, id, &p)) != NULL)
			return corrupt_broken(c, error, bad);
		if (id >= c->nr_shapes)
			return corrupt_broken(c, error, "shape not defined");
		sh = &c->shapes[id];
		p = apply_shape(c, sh, p);
	} else if ((rc = next_checked(c, &p, &sh, error)) != 1) {
		return rc;
	}
	return hand_out(c, &c->prev[sh->op], sh, p, ev, error);
}

/*
 * The common record, far from the payload's end, of a shape known: no call and few registers,
 * unless it must be checked in full (hand_out, out of line); a definition, a record near the
 * end and a broken reader go to next_slow, which reads the record from its start.
 */
int ps_cache_in_next(PsCacheIn *c, const PsTraceEvent **ev, GError **error)
{
	const uint8_t *p = c->p;
	PsTraceEvent *cur; /* decoded in place: a record is its delta on its op's last one */
	const Shape *sh;
	uint64_t head, id;
	unsigned chk;

	if (G_UNLIKELY(c->count >= c->fast_count || p >= c->fast_end))
		return next_slow(c, ev, error);
	head = get_varint_unchecked(&p);
	id = head >> 1;
	if (G_UNLIKELY((head & 1) || id >= c->nr_shapes))
		return next_slow(c, ev, error);
	sh = &c->shapes[id];
	p = apply_shape(c, sh, p);
	cur = sh->base;
	/* a cpu out of range: record_check reports it (the base's other fields passed) */
	chk = sh->check | c->unchecked[sh->op];
	if (G_UNLIKELY(chk != SHAPE_CHECK_TIME) &&
	    (chk != SHAPE_CHECK_CPU || (unsigned)cur->cpu + 1u > (unsigned)c->cpus))
		return hand_out(c, cur, sh, p, ev, error);
	if (G_UNLIKELY(cur->t_ns < c->last_t_ns))
		return corrupt_broken(c, error, "time goes backwards");
	c->p = p;
	c->last_t_ns = cur->t_ns;
	c->last_line = cur->line;
	c->count++;
	*ev = cur;
	return 1;
}

void ps_cache_in_mark(const PsCacheIn *c, PsTraceReaderMark *m)
{
	m->pos = (uint64_t)(c->p - c->start);
	m->count = c->count;
	m->last_t_ns = c->last_t_ns;
	m->last_line = c->last_line;
	memcpy(m->prev, c->prev, sizeof(c->prev));
}

void ps_cache_in_rewind(PsCacheIn *c, const PsTraceReaderMark *m)
{
	g_return_if_fail(m->pos <= (uint64_t)(c->end - c->start));
	c->p = c->start + m->pos;
	c->count = m->count;
	c->last_t_ns = m->last_t_ns;
	c->last_line = m->last_line;
	memcpy(c->prev, m->prev, sizeof(c->prev));
	/* the mark's bases were checked when handed out, but checking them again is simpler */
	memset(c->checked, 0, sizeof(c->checked));
	memset(c->unchecked, SHAPE_CHECK_ALL, sizeof(c->unchecked));
	c->broken = false;
	c->fast_count = c->nr_records;
}

uint64_t ps_cache_in_count(const PsCacheIn *c)
{
	return c->nr_records;
}

uint64_t ps_cache_in_read(const PsCacheIn *c)
{
	return c->count;
}

uint64_t ps_cache_in_line(const PsCacheIn *c)
{
	return c->last_line;
}

void ps_cache_in_close(PsCacheIn *c)
{
	if (!c)
		return;
	g_mapped_file_unref(c->map);
	g_free(c->shapes);
	g_free(c->ents);
	g_free(c->path);
	g_free(c);
}

/* ---- writing -------------------------------------------------------------------------------- */

#define OUT_FLUSH SUM_CHUNK /* bytes buffered before a write: whole pieces of the checksum */

struct PsCacheOut {
	PsAtomicFile *file;
	GByteArray *buf; /* encoded, not yet written */
	uint64_t nr_records, payload_bytes, checksum;
	uint64_t last_t_ns, last_line;	    /* of the last record added */
	PsTraceEvent prev[PS_NR_TRACE_OPS]; /* per op, its last record added */
	/* the shapes written so far: ShapeKey -> its number + 1 (numbered as first written) */
	GHashTable *shapes;
};

/* A shape as the encoder looks it up: op, word masks, each changed word's width code. */
typedef struct {
	uint64_t op;
	uint64_t masks[EV_MASKS];
	uint8_t widths[EV_WORDS]; /* in word order, as many as the masks name; the rest 0 */
} ShapeKey;

static guint shape_key_hash(gconstpointer k)
{
	const uint8_t *b = k;
	guint h = 2166136261u;

	for (gsize i = 0; i < sizeof(ShapeKey); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static gboolean shape_key_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(ShapeKey)) == 0;
}

/* The width code of a difference d: the fewest of 1, 2, 4, 8 bytes that hold it as d + K. */
static inline unsigned width_code(uint64_t d)
{
	for (unsigned w = 0; w < 3; w++)
		if (d + width_excess[w] <= width_mask[w])
			return w;
	return 3;
}

PsCacheOut *ps_cache_out_new(const char *path, const char *digest, uint64_t source_size,
			     const PsTraceHeader *hdr, GError **error)
{
	CacheHead head;
	PsCacheOut *c;
	PsAtomicFile *f = ps_atomic_file_new(path, error);

	if (!f)
		return NULL;
	memset(&head, 0, sizeof(head));
	memcpy(head.magic, CACHE_MAGIC, 8);
	head.byte_order = CACHE_BYTE_ORDER;
	head.format = CACHE_FORMAT;
	head.event_size = sizeof(PsTraceEvent);
	head.key = ps_trace_cache_key;
	head.source_size = source_size;
	if (digest)
		g_strlcpy(head.digest, digest, sizeof(head.digest));
	head.hdr = *hdr;
	head.hdr.pcp_start = NULL; /* the lists follow, at the payload's start */
	if (!ps_atomic_file_write(f, &head, sizeof(head), error)) {
		ps_atomic_file_abort(f);
		return NULL;
	}
	c = g_new0(PsCacheOut, 1);
	c->file = f;
	c->buf = g_byte_array_sized_new(OUT_FLUSH + 1024);
	if (hdr->n_pcp_start > 0)
		g_byte_array_append(c->buf, (const guint8 *)hdr->pcp_start,
				    (guint)((gsize)hdr->n_pcp_start * sizeof(PsTracePcpStart)));
	bases_init(c->prev);
	c->shapes = g_hash_table_new_full(shape_key_hash, shape_key_equal, g_free, NULL);
	return c;
}

static inline void put_varint(GByteArray *b, uint64_t v)
{
	uint8_t tmp[9];
	unsigned n = 1;

	while (n < 9 && v >> (7 * n))
		n++;
	if (n == 9) {
		tmp[0] = 0xff;
		for (unsigned i = 0; i < 8; i++)
			tmp[1 + i] = (uint8_t)(v >> (8 * i));
	} else {
		uint64_t w = v << n | ((1ull << (n - 1)) - 1);

		for (unsigned i = 0; i < n; i++)
			tmp[i] = (uint8_t)(w >> (8 * i));
	}
	g_byte_array_append(b, tmp, n);
}

/*
 * Writes the buffer's whole SUM_CHUNK pieces (all of it when last), so the checksum sees the
 * pieces the reader sums (sum_payload).
 */
static gboolean out_flush(PsCacheOut *c, bool last, GError **error)
{
	gsize n = last ? c->buf->len : c->buf->len - c->buf->len % SUM_CHUNK;

	if (!n)
		return TRUE;
	c->checksum = sum_payload(c->checksum, c->buf->data, n);
	c->payload_bytes += n;
	if (!ps_atomic_file_write(c->file, c->buf->data, n, error))
		return FALSE;
	g_byte_array_remove_range(c->buf, 0, (guint)n);
	return TRUE;
}

gboolean ps_cache_out_add(PsCacheOut *c, const PsTraceEvent *ev, GError **error)
{
	ShapeKey key;
	uint64_t z[EV_WORDS];
	PsTraceEvent *base;
	gpointer found;
	uint64_t id;
	unsigned n = 0;

	g_assert((unsigned)ev->op < PS_NR_TRACE_OPS); /* the parser checked it */
	memset(&key, 0, sizeof(key));
	key.op = (uint64_t)ev->op;
	base = record_base(c->prev, key.op, c->last_t_ns, c->last_line);
	for (gsize i = 0; i < EV_WORDS; i++) {
		if (ev_word(ev, i) == ev_word(base, i))
			continue;
		key.masks[i / 64] |= 1ULL << (i % 64);
		z[n] = ev_word(ev, i) - ev_word(base, i);
		key.widths[n] = (uint8_t)width_code(z[n]);
		z[n] += width_excess[key.widths[n]];
		n++;
	}
	found = g_hash_table_lookup(c->shapes, &key);
	if (found) {
		put_varint(c->buf, (uint64_t)(GPOINTER_TO_SIZE(found) - 1) << 1);
	} else {
		id = g_hash_table_size(c->shapes);
		g_hash_table_insert(c->shapes, g_memdup2(&key, sizeof(key)),
				    GSIZE_TO_POINTER((gsize)id + 1));
		put_varint(c->buf, id << 1 | 1);
		put_varint(c->buf, key.op);
		for (gsize m = 0; m < EV_MASKS; m++)
			put_varint(c->buf, key.masks[m]);
		for (unsigned k = 0; k < n; k += 4) {
			uint8_t b = 0;

			for (unsigned j = k; j < n && j < k + 4; j++)
				b |= (uint8_t)(key.widths[j] << (2 * (j - k)));
			g_byte_array_append(c->buf, &b, 1);
		}
	}
	for (unsigned k = 0; k < n; k++) {
		uint8_t le[8];

		for (unsigned i = 0; i < 8; i++)
			le[i] = (uint8_t)(z[k] >> (8 * i));
		g_byte_array_append(c->buf, le, width_bytes[key.widths[k]]);
	}
	*base = *ev;
	c->last_t_ns = ev->t_ns;
	c->last_line = ev->line;
	c->nr_records++;
	return c->buf->len < OUT_FLUSH || out_flush(c, false, error);
}

gboolean ps_cache_out_commit(PsCacheOut *c, GError **error)
{
	CacheTail tail;
	gboolean ok;

	if (!out_flush(c, true, error)) {
		ps_cache_out_abort(c);
		return FALSE;
	}
	memset(&tail, 0, sizeof(tail));
	tail.nr_records = c->nr_records;
	tail.payload_bytes = c->payload_bytes;
	tail.checksum = c->checksum;
	memcpy(tail.magic, CACHE_END_MAGIC, 8);
	if (!ps_atomic_file_write(c->file, &tail, sizeof(tail), error)) {
		ps_cache_out_abort(c);
		return FALSE;
	}
	ok = ps_atomic_file_commit(g_steal_pointer(&c->file), error);
	g_byte_array_unref(c->buf);
	g_hash_table_unref(c->shapes);
	g_free(c);
	return ok;
}

void ps_cache_out_abort(PsCacheOut *c)
{
	if (!c)
		return;
	ps_atomic_file_abort(c->file);
	g_byte_array_unref(c->buf);
	g_hash_table_unref(c->shapes);
	g_free(c);
}

/* ---- the cache directory -------------------------------------------------------------------- */

char *ps_trace_cache_dir_default(void)
{
	const char *env = g_getenv("PAGESIM_TRACE_CACHE");

	if (env)
		return *env && strcmp(env, "off") ? g_strdup(env) : NULL;
	return g_build_filename(g_get_user_cache_dir(), "pagesim", NULL);
}

char *ps_trace_cache_entry_path(const char *cache_dir, const char *digest)
{
	const char *hex = strchr(digest, ':');
	g_autofree char *name = g_strdup_printf("%s-%016" PRIx64 "%s", hex ? hex + 1 : digest,
						ps_trace_cache_key, CACHE_SUFFIX);

	return g_build_filename(cache_dir, name, NULL);
}

gboolean ps_trace_compile(const char *path, const char *out_path, const char *cache_dir,
			  const char *digest, char **written, uint64_t *records, GError **error)
{
	g_autoptr(PsTraceReader) r = NULL;
	g_autofree char *own_digest = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	PsCacheOut *out;
	struct stat st;
	int rc;

	g_return_val_if_fail(out_path || cache_dir, FALSE);
	if (!strcmp(path, "-")) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
			    "trace compile: needs a file, not standard input");
		return FALSE;
	}
	if (ps_cache_file_is_compiled(path)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: already a compiled trace", path);
		return FALSE;
	}
	if (!out_path) {
		/* Into the cache: the reader writes the entry beside its parse if it is missing. */
		r = ps_trace_reader_open_cached(path, cache_dir, digest, &hdr, error);
		if (!r)
			return FALSE;
		while ((rc = ps_trace_reader_next(r, &ev, error)) == 1)
			;
		if (rc < 0)
			return FALSE;
		if (written)
			*written = ps_trace_cache_entry_path(cache_dir, ps_trace_reader_digest(r));
		if (records)
			*records = ps_trace_reader_count(r);
		return TRUE;
	}
	if (!digest)
		digest = own_digest = ps_file_digest(path, error);
	if (!digest)
		return FALSE;
	if (stat(path, &st) != 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO, "%s: %s", path,
			    g_strerror(errno));
		return FALSE;
	}
	r = ps_trace_reader_open(path, &hdr, error);
	if (!r)
		return FALSE;
	out = ps_cache_out_new(out_path, digest, (uint64_t)st.st_size, &hdr, error);
	if (!out)
		return FALSE;
	while ((rc = ps_trace_reader_next(r, &ev, error)) == 1)
		if (!ps_cache_out_add(out, &ev, error)) {
			ps_cache_out_abort(out);
			return FALSE;
		}
	if (rc < 0) {
		ps_cache_out_abort(out);
		return FALSE;
	}
	if (records)
		*records = ps_trace_reader_count(r);
	if (written)
		*written = g_strdup(out_path);
	return ps_cache_out_commit(out, error);
}
