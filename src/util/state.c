// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state.c - a table of saved arrays: the run's state as named byte arrays, written in the order
 * its owners name them, and read back in the same order into the same places (the started-state
 * cache of sim/start-cache.c is one such table).
 *
 * Each module that holds state names its arrays itself (ps_machine_state, ps_policy_state, ...),
 * next to the structs they belong to, through the one walk that both saves and restores: the
 * order, the names and the sizes of a restore are those of the save by construction, and a
 * mismatch (a table of another build) stops the restore at the first entry that differs.
 *
 * Entry layout in the payload (native byte order, 8-aligned):
 *   char name[32]; uint64_t len; uint64_t kind; then the data:
 *   PS_STATE_BYTES   len bytes, padded to 8
 *   PS_STATE_SPARSE  a bitmap of the 4 KiB chunks of the array that are not all zero (padded to
 *                    8 bytes), then those chunks (the last one cut to len), padded to 8
 *   PS_STATE_MAPPED  uint64_t stored, uint64_t skip, skip zero bytes that bring the data to a
 *                    multiple of STATE_PAGE from the payload's start, the first `stored` bytes
 *                    of the array (a multiple of STATE_PAGE: up to its last page that is not
 *                    all zero, so at most len rounded up), zeros from len to the next multiple
 *                    of STATE_PAGE when stored reaches past len
 * A sparse array is restored into memory that is all zero already (the owner says so): only its
 * nonzero chunks are written, so a large array that is mostly zero is neither stored nor faulted
 * in whole. A mapped array is a large one that is mostly nonzero (a machine's page links and
 * flags) in memory the owner mapped itself: a table read from a file (ps_state_table_set_file)
 * maps the file's bytes over it copy-on-write (mmap MAP_PRIVATE | MAP_FIXED), so nothing is
 * zeroed or copied and only the pages the run writes become its own; without a file, or where
 * the offsets do not fall on the system's pages, it is copied. Its zero pages past the last
 * nonzero one are not stored: a restore maps fresh anonymous memory there (zero, nothing read or
 * checksummed; the LRU handles of a start fill about 60 % of their room, whose rest a stored
 * copy made ftrace-press-thp-6.18's started-state entry 14 MB larger).
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/util.h"

#define STATE_CHUNK 4096u
#define STATE_PAGE  4096u

enum { PS_STATE_BYTES = 1, PS_STATE_SPARSE = 2, PS_STATE_MAPPED = 3 };

typedef struct {
	char name[32];
	uint64_t len;
	uint64_t kind;
} StateEntryHead;
G_STATIC_ASSERT(sizeof(StateEntryHead) == 48);

struct PsStateTable {
	bool loading;
	bool too_large;	 /* saving: the payload would pass G_MAXUINT bytes (a GByteArray's limit) */
	GByteArray *out; /* saving: the payload */
	const uint8_t *in, *end; /* loading: the payload left */
	const uint8_t *start;	 /* loading: the payload's first byte */
	int fd;			 /* loading: the file the payload was read from, or -1 */
	uint64_t file_off;	 /* loading: the payload's offset in it */
	char *error;		 /* loading: the first mismatch */
	uint64_t entries;
};

PsStateTable *ps_state_table_new_save(void)
{
	PsStateTable *t = g_new0(PsStateTable, 1);

	t->out = g_byte_array_new();
	return t;
}

PsStateTable *ps_state_table_new_load(const void *payload, gsize len)
{
	PsStateTable *t = g_new0(PsStateTable, 1);

	t->loading = true;
	t->in = t->start = payload;
	t->end = t->in + len;
	t->fd = -1;
	return t;
}

void ps_state_table_set_file(PsStateTable *t, int fd, uint64_t offset)
{
	t->fd = fd;
	t->file_off = offset;
}

void ps_state_table_free(PsStateTable *t)
{
	if (!t)
		return;
	if (t->out)
		g_byte_array_unref(t->out);
	g_free(t->error);
	g_free(t);
}

bool ps_state_loading(const PsStateTable *t)
{
	return t->loading;
}

const char *ps_state_table_error(const PsStateTable *t)
{
	if (!t->error && t->loading && t->in != t->end)
		return "the table holds more arrays than the run names";
	return t->error;
}

bool ps_state_table_too_large(const PsStateTable *t)
{
	return t->too_large;
}

const uint8_t *ps_state_table_bytes(const PsStateTable *t, gsize *len)
{
	*len = t->out ? t->out->len : 0;
	return t->out ? t->out->data : NULL;
}

uint64_t ps_state_table_entries(const PsStateTable *t)
{
	return t->entries;
}

static gsize pad8(gsize n)
{
	return (n + 7) & ~(gsize)7;
}

/* Room for n more bytes in the payload: false (and nothing kept from here on) past G_MAXUINT. */
static bool room(PsStateTable *t, gsize n)
{
	if (!t->too_large && n <= (gsize)G_MAXUINT - t->out->len - 64)
		return true;
	t->too_large = true;
	g_byte_array_set_size(t->out, 0);
	return false;
}

static void put_head(PsStateTable *t, const char *name, uint64_t len, uint64_t kind)
{
	StateEntryHead h;

	memset(&h, 0, sizeof(h));
	g_strlcpy(h.name, name, sizeof(h.name));
	h.len = len;
	h.kind = kind;
	g_byte_array_append(t->out, (const guint8 *)&h, sizeof(h));
	t->entries++;
}

static void put_pad(PsStateTable *t)
{
	static const guint8 zero[8];

	g_byte_array_append(t->out, zero, (guint)(pad8(t->out->len) - t->out->len));
}

/* The next entry's data when it is `name` of len bytes and kind; NULL (error set) otherwise. */
static const uint8_t *take_head(PsStateTable *t, const char *name, uint64_t len, uint64_t kind)
{
	StateEntryHead h;

	if (t->error)
		return NULL;
	if ((gsize)(t->end - t->in) < sizeof(h)) {
		t->error = g_strdup_printf("the table ends before %s", name);
		return NULL;
	}
	memcpy(&h, t->in, sizeof(h));
	if (strncmp(h.name, name, sizeof(h.name)) || h.len != len || h.kind != kind) {
		t->error = g_strdup_printf("%s of %" G_GUINT64_FORMAT " bytes where the table has "
					   "%.32s of %" G_GUINT64_FORMAT,
					   name, len, h.name, h.len);
		return NULL;
	}
	t->in += sizeof(h);
	t->entries++;
	return t->in;
}

/* Steps past n bytes of data (padded to 8): false (error set) when the table is shorter. */
static bool take_data(PsStateTable *t, const char *name, gsize n)
{
	if ((gsize)(t->end - t->in) < pad8(n)) {
		t->error = g_strdup_printf("the table ends inside %s", name);
		return false;
	}
	t->in += pad8(n);
	return true;
}

void ps_state_array(PsStateTable *t, const char *name, void *p, gsize len)
{
	const uint8_t *d;

	if (!t->loading) {
		if (!room(t, sizeof(StateEntryHead) + len))
			return;
		put_head(t, name, len, PS_STATE_BYTES);
		if (len)
			g_byte_array_append(t->out, p, (guint)len);
		put_pad(t);
		return;
	}
	d = take_head(t, name, len, PS_STATE_BYTES);
	if (d && take_data(t, name, len) && len)
		memcpy(p, d, len);
}

static bool chunk_zero(const uint8_t *p, gsize n)
{
	uint64_t acc = 0, w;
	gsize i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

void ps_state_sparse(PsStateTable *t, const char *name, void *p, gsize len)
{
	gsize nchunks = (len + STATE_CHUNK - 1) / STATE_CHUNK, maplen = pad8((nchunks + 7) / 8);
	uint8_t *q = p;
	const uint8_t *d, *map;

	if (!t->loading) {
		guint at;

		if (!room(t, sizeof(StateEntryHead) + maplen + len))
			return;
		put_head(t, name, len, PS_STATE_SPARSE);
		at = t->out->len;
		g_byte_array_set_size(t->out, (guint)(at + maplen));
		memset(t->out->data + at, 0, maplen);
		for (gsize c = 0; c < nchunks; c++) {
			gsize n = MIN(STATE_CHUNK, len - c * STATE_CHUNK);

			if (chunk_zero(q + c * STATE_CHUNK, n))
				continue;
			t->out->data[at + c / 8] |= (uint8_t)(1u << (c % 8));
			g_byte_array_append(t->out, q + c * STATE_CHUNK, (guint)n);
		}
		put_pad(t);
		return;
	}
	d = take_head(t, name, len, PS_STATE_SPARSE);
	if (!d || !take_data(t, name, maplen))
		return;
	map = d;
	for (gsize c = 0; c < nchunks; c++) {
		gsize n = MIN(STATE_CHUNK, len - c * STATE_CHUNK);

		if (!(map[c / 8] >> (c % 8) & 1))
			continue;
		if ((gsize)(t->end - t->in) < n) {
			t->error = g_strdup_printf("the table ends inside %s", name);
			return;
		}
		memcpy(q + c * STATE_CHUNK, t->in, n);
		t->in += n;
	}
	/* the chunks lie back to back after the bitmap; the padding follows the last one */
	if ((gsize)(t->end - t->in) <
	    pad8((gsize)(t->in - (map + maplen))) - (gsize)(t->in - (map + maplen))) {
		t->error = g_strdup_printf("the table ends inside %s", name);
		return;
	}
	t->in = map + maplen + pad8((gsize)(t->in - (map + maplen)));
}

static gsize pad_page(gsize n)
{
	return (n + STATE_PAGE - 1) & ~(gsize)(STATE_PAGE - 1);
}

/* Maps len bytes of the table's file at off over p, copy-on-write; false: not mapped. */
static bool map_over(const PsStateTable *t, void *p, gsize len, uint64_t off)
{
	long page = sysconf(_SC_PAGESIZE);

	if (t->fd < 0 || page <= 0 || (uintptr_t)p % (uintptr_t)page || off % (uint64_t)page)
		return false;
	/* MAP_FIXED replaces the owner's pages in place: a failure may have unmapped them */
	if (mmap(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, t->fd, (off_t)off) ==
	    MAP_FAILED) {
		if (mmap(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
			g_error("%s: cannot map %" G_GSIZE_FORMAT " bytes back", G_STRLOC, len);
		return false;
	}
	return true;
}

/* The bytes of p's first pages up to its last one that is not all zero (len rounded up at most). */
static gsize mapped_stored(const uint8_t *p, gsize len)
{
	gsize n = pad_page(len);

	while (n && chunk_zero(p + n - STATE_PAGE, MIN(STATE_PAGE, len - (n - STATE_PAGE))))
		n -= STATE_PAGE;
	return n;
}

/* Zeroes [p + from, p + len) of a mapped array: fresh anonymous pages from the page at from. */
static void mapped_zero_tail(uint8_t *p, gsize from, gsize len)
{
	if (from >= len)
		return;
	if (mmap(p + from, pad_page(len) - from, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		memset(p + from, 0, len - from);
	else
		ps_advise_huge(p + from, pad_page(len) - from);
}

/*
 * A room's mapped array (ps_state_room): the file is mapped only up to the last 2 MiB boundary
 * of the address space inside the stored bytes, and the stored bytes past it are copied into
 * the room's own memory, which is zero there (the room's contract) and asks for huge pages.
 * A room grows past its stored end while the run adds to it, and its most recent entries, the
 * ones the run rewrites, are the last stored: mapped, each 4 KiB page of them was a fault of
 * its own (a copy-on-write, or a fresh page up to the next 2 MiB boundary, where the room's
 * huge pages begin); copied, they and the growth up to that boundary are one huge page
 * (ftrace-press-thp-6.18: policy.fo and recs, about 560 fewer page faults a warm run). The
 * copy is under 2 MiB an array.
 */
#define STATE_HUGE ((uintptr_t)2 << 20)

static gsize room_mapped_part(const void *p, gsize stored)
{
	uintptr_t a = (uintptr_t)p, end = (a + stored) & ~(STATE_HUGE - 1);

	return end > a ? (gsize)(end - a) : 0;
}

static void state_mapped(PsStateTable *t, const char *name, void *p, gsize len, bool in_room)
{
	const uint8_t *d;
	uint64_t skip, stored;
	gsize part;

	if (!t->loading) {
		guint at;

		stored = mapped_stored(p, len);
		if (!room(t, sizeof(StateEntryHead) + 16 + 2 * STATE_PAGE + stored))
			return;
		put_head(t, name, len, PS_STATE_MAPPED);
		skip = pad_page(t->out->len + 16) - (t->out->len + 16);
		g_byte_array_append(t->out, (const guint8 *)&stored, sizeof(stored));
		g_byte_array_append(t->out, (const guint8 *)&skip, sizeof(skip));
		at = t->out->len;
		g_byte_array_set_size(t->out, (guint)(at + skip + stored));
		memset(t->out->data + at, 0, skip);
		if (stored) {
			memcpy(t->out->data + at + skip, p, MIN(stored, len));
			memset(t->out->data + at + skip + MIN(stored, len), 0,
			       stored - MIN(stored, len));
		}
		return;
	}
	d = take_head(t, name, len, PS_STATE_MAPPED);
	if (!d || !take_data(t, name, 16))
		return;
	memcpy(&stored, d, sizeof(stored));
	memcpy(&skip, d + 8, sizeof(skip));
	if (stored % STATE_PAGE || stored > pad_page(len) || skip >= STATE_PAGE ||
	    (gsize)(t->end - t->in) < skip || (gsize)(t->in + skip - t->start) % STATE_PAGE ||
	    (gsize)(t->end - t->in) - skip < stored) {
		t->error = g_strdup_printf("the table ends inside %s", name);
		return;
	}
	d = t->in + skip;
	t->in = d + stored;
	if (in_room) {
		/* the room is zero past the copy: nothing to clear */
		part = room_mapped_part(p, MIN(stored, len));
		if (part && !map_over(t, p, part, t->file_off + (uint64_t)(d - t->start)))
			part = 0;
		memcpy((uint8_t *)p + part, d + part, MIN(stored, len) - part);
		return;
	}
	if (stored && !map_over(t, p, MIN(stored, len), t->file_off + (uint64_t)(d - t->start))) {
		memcpy(p, d, MIN(stored, len));
		if (stored < len)
			memset((uint8_t *)p + stored, 0, len - stored);
		return;
	}
	mapped_zero_tail(p, stored, len);
}

void ps_state_mapped(PsStateTable *t, const char *name, void *p, gsize len)
{
	state_mapped(t, name, p, len, false);
}

/*
 * Below this a room's array is restored sparse (zeroed and copied), from it mapped. A mapping
 * ends inside a huge page of the room, whose growth past it then faults 4 KiB pages (up to 512)
 * where a copy into the room faults one 2 MiB page: on ftrace-press-kswapd-6.18 (records 2.2 MB,
 * handles 2 MiB) mapping both cost 1,482 more page faults and 3-5 ms a warm run, on
 * ftrace-press-thp-6.18 (39 and 33.5 MB) it saved the zeroing and copying of 58 MB (the
 * restore 31.2 M -> 23.0 M instructions, 14 ms CPU).
 */
#define STATE_ROOM_MAP_MIN ((gsize)8 << 20)

void ps_state_room(PsStateTable *t, const char *name, void *p, gsize len)
{
	if (len >= STATE_ROOM_MAP_MIN)
		state_mapped(t, name, p, len, true);
	else
		ps_state_sparse(t, name, p, len);
}

uint64_t ps_state_count(PsStateTable *t, const char *name, uint64_t n)
{
	const uint8_t *d;
	uint64_t v = n;

	if (!t->loading) {
		if (room(t, sizeof(StateEntryHead) + sizeof(v))) {
			put_head(t, name, sizeof(v), PS_STATE_BYTES);
			g_byte_array_append(t->out, (const guint8 *)&v, sizeof(v));
		}
		return n;
	}
	d = take_head(t, name, sizeof(v), PS_STATE_BYTES);
	if (!d || !take_data(t, name, sizeof(v)))
		return 0;
	memcpy(&v, d, sizeof(v));
	return v;
}

char *ps_state_string(PsStateTable *t, const char *name, const char *str)
{
	uint64_t n = ps_state_count(t, name, str ? strlen(str) + 1 : 0);
	char *v;

	if (!n)
		return NULL;
	v = g_malloc(n);
	if (!t->loading)
		memcpy(v, str, n);
	ps_state_array(t, name, v, n);
	v[n - 1] = 0;
	return v;
}

/* The size of an entry's data (after its head) as laid out in the payload. */
static gsize entry_data_len(const StateEntryHead *h, const uint8_t *d, const uint8_t *end)
{
	gsize nchunks, maplen, n = 0;
	uint64_t skip;

	if (h->kind == PS_STATE_MAPPED) {
		uint64_t stored;

		if ((gsize)(end - d) < 16)
			return (gsize)(end - d) + 1;
		memcpy(&stored, d, sizeof(stored));
		memcpy(&skip, d + 8, sizeof(skip));
		return skip >= STATE_PAGE || stored > pad_page(h->len) ? (gsize)(end - d) + 1
								       : 16 + skip + stored;
	}
	if (h->kind != PS_STATE_SPARSE)
		return pad8(h->len);
	nchunks = (h->len + STATE_CHUNK - 1) / STATE_CHUNK;
	maplen = pad8((nchunks + 7) / 8);
	if ((gsize)(end - d) < maplen)
		return (gsize)(end - d);
	for (gsize c = 0; c < nchunks; c++)
		if (d[c / 8] >> (c % 8) & 1)
			n += MIN(STATE_CHUNK, h->len - c * STATE_CHUNK);
	return maplen + pad8(n);
}

char *ps_state_table_diff(const void *a, gsize alen, const void *b, gsize blen)
{
	const uint8_t *p = a, *q = b, *pe = p + alen, *qe = q + blen;
	uint64_t k = 0;

	while (p < pe && q < qe) {
		StateEntryHead ha, hb;
		gsize la, lb;

		if ((gsize)(pe - p) < sizeof(ha) || (gsize)(qe - q) < sizeof(hb))
			break;
		memcpy(&ha, p, sizeof(ha));
		memcpy(&hb, q, sizeof(hb));
		la = entry_data_len(&ha, p + sizeof(ha), pe);
		lb = entry_data_len(&hb, q + sizeof(hb), qe);
		if (memcmp(&ha, &hb, sizeof(ha)) || la != lb ||
		    memcmp(p + sizeof(ha), q + sizeof(hb), MIN(la, (gsize)(pe - p) - sizeof(ha)))) {
			gsize i = 0;

			while (i < la && i < lb && p[sizeof(ha) + i] == q[sizeof(hb) + i])
				i++;
			return g_strdup_printf(
			    "array %" G_GUINT64_FORMAT " (%.32s, %" G_GUINT64_FORMAT
			    " bytes) differs at byte %" G_GSIZE_FORMAT " of its data",
			    k, ha.name, ha.len, i);
		}
		p += sizeof(ha) + la;
		q += sizeof(hb) + lb;
		k++;
	}
	if (p == pe && q == qe)
		return NULL;
	return g_strdup_printf("one table ends after %" G_GUINT64_FORMAT " arrays", k);
}

uint64_t ps_state_table_count(const void *payload, gsize len)
{
	const uint8_t *p = payload, *end = p + len;
	uint64_t k = 0;

	while (p < end) {
		StateEntryHead h;
		gsize dl;

		if ((gsize)(end - p) < sizeof(h))
			return UINT64_MAX;
		memcpy(&h, p, sizeof(h));
		dl = entry_data_len(&h, p + sizeof(h), end);
		if (dl > (gsize)(end - p) - sizeof(h))
			return UINT64_MAX;
		p += sizeof(h) + dl;
		k++;
	}
	return k;
}
