// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * filecache.c - whole-file reads of gzip inputs through a cache of their inflated bytes.
 *
 * A snapshot's /proc/kpageflags dump is 8 bytes a pfn: 52 MB for a 6.5 M-page machine, shipped
 * gzip'd to ~100 KB. Inflating it takes longer than replaying the recording that goes with it,
 * every run. The first read keeps the inflated bytes in CACHE_DIR/HEX.raw (HEX: the sha256 of the
 * gzip file as stored, the same name ps_file_digest gives it); later reads map that file. Like
 * the trace cache (trace/cache.c) it is never required and never trusted: the header names the
 * digest of the file it was made from, its size and a checksum of the bytes, all checked on
 * every read; a stale or corrupt copy is reported on stderr, ignored and rewritten.
 *
 * Layout (native byte order, the file never leaves the machine): RawHead, then the bytes.
 *
 * The same directory remembers file digests (ps_file_digest_cached): every cache entry is named
 * after an input's sha256, and hashing a 4 MB trace and its 1 MB dump on each run is ~2.5 ms of a
 * 0.15 s warm run (and ~7 % of one under callgrind, which has no SHA-NI). DEV-INODE.digest holds
 * a DigestMemo: the file's identity (device, inode, size, mtime and ctime to the ns), a checksum
 * of 30 blocks read from it (both ends and 14 between) and the digest. A later call uses the
 * digest only when all of them match, so the memo is never stale: an edit in place that keeps
 * the size and sets the mtime back still sets ctime to the time of the edit, and a file
 * changed within 2 s of the hash is not remembered (so an edit in the same tick of a coarse
 * clock cannot match either; git's "racily clean" rule). The wall clock read for that decides
 * only whether to remember, never an output. Clock steps backwards by more than 2 s and file
 * systems that do not keep ctime would defeat the rule; the sampled blocks still catch most
 * edits there.
 *
 * The directory is capped (ps_cache_trim, after each large entry is written: started states,
 * trace cache entries, inflated dumps, snapshot entries): past $PAGESIM_CACHE_MAX bytes (default
 * 8 GiB; "off" or 0: no cap) the entries used longest ago are removed until it fits again. Each
 * reader stamps the entry's atime on a hit (ps_cache_touch), because a `relatime` mount (the
 * default) moves atime on a read only when it is not later than mtime or a day old: an entry read
 * by every run would otherwise keep its first read's time and go before one written later and
 * never read again.
 */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SUM_AVX2 1
#endif

#define RAW_MAGIC "PSRAW\0\0\x01"

typedef struct {
	char magic[8];
	uint64_t size;	   /* bytes after the header */
	uint64_t checksum; /* ps_checksum64 of them */
	char digest[80];   /* "sha256:HEX" of the gzip file */
	char pad[24];	   /* to 128 bytes, so the bytes are 8-aligned in the map */
} RawHead;
G_STATIC_ASSERT(sizeof(RawHead) == 128);

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

uint64_t ps_checksum64(const void *data, gsize len)
{
	const uint8_t *p = data;
	uint64_t h[4] = {1, 2, 3, 4}, w[4], t = 0;
	gsize i = 0;

	/* four independent lanes: the multiplies overlap (~4x one chain's speed) */
	for (; i + 32 <= len; i += 32) {
		memcpy(w, p + i, 32);
		h[0] = mix(h[0], w[0]);
		h[1] = mix(h[1], w[1]);
		h[2] = mix(h[2], w[2]);
		h[3] = mix(h[3], w[3]);
	}
	for (; i < len; i += 8) {
		uint64_t v = 0;

		memcpy(&v, p + i, MIN(8, len - i));
		h[0] = mix(h[0], v);
	}
	for (int k = 0; k < 4; k++)
		t = mix(t, h[k]);
	return mix(t, len);
}

/* ps_checksum_sum's words past the last whole 32 bytes (lane 0), then the lanes and len mixed. */
static uint64_t sum_finish(const uint8_t *p, gsize i, gsize len, uint64_t s1[4], uint64_t s2[4])
{
	uint64_t t = 0, w;

	for (; i < len; i += 8) {
		w = 0;
		memcpy(&w, p + i, MIN(8, len - i));
		s1[0] += w;
		s2[0] += s1[0];
	}
	for (int k = 0; k < 4; k++)
		t = mix(mix(t, s1[k]), s2[k]);
	return mix(t, len);
}

/* The sums through byte i of the whole 32-byte blocks of p into s1 and s2, word by word; returns i.
 */
static gsize sum_blocks_scalar(const uint8_t *p, gsize len, uint64_t s1[4], uint64_t s2[4])
{
	uint64_t w;
	gsize i = 0;

	for (int k = 0; k < 4; k++)
		s1[k] = s2[k] = 0;
	for (; i + 32 <= len; i += 32)
		for (int k = 0; k < 4; k++) {
			memcpy(&w, p + i + 8 * k, 8);
			s1[k] += w;
			s2[k] += s1[k];
		}
	return i;
}

uint64_t ps_checksum_sum_scalar(const void *data, gsize len)
{
	const uint8_t *p = data;
	uint64_t s1[4], s2[4];

	return sum_finish(p, sum_blocks_scalar(p, len, s1, s2), len, s1, s2);
}

#ifdef SUM_AVX2

/*
 * The same sum with its four lanes in one 256-bit register (lane k: the words at 32i + 8k, as
 * the SSE2 loop's two registers hold them), for CPUs with AVX2 (the build targets baseline
 * x86-64, so the choice is made at run time): about half the instructions a byte. The sums
 * through byte i of the whole 32-byte blocks into s1 and s2; returns i.
 */
__attribute__((target("avx2"))) static gsize sum_blocks_avx2(const uint8_t *p, gsize len,
							     uint64_t s1[4], uint64_t s2[4])
{
	__m256i a1 = _mm256_setzero_si256(), a2 = a1;
	gsize i = 0;

	for (; i + 64 <= len; i += 64) {
		a1 = _mm256_add_epi64(a1,
				      _mm256_loadu_si256((const __m256i *)(const void *)(p + i)));
		a2 = _mm256_add_epi64(a2, a1);
		a1 = _mm256_add_epi64(
		    a1, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32)));
		a2 = _mm256_add_epi64(a2, a1);
	}
	for (; i + 32 <= len; i += 32) {
		a1 = _mm256_add_epi64(a1,
				      _mm256_loadu_si256((const __m256i *)(const void *)(p + i)));
		a2 = _mm256_add_epi64(a2, a1);
	}
	_mm256_storeu_si256((__m256i *)(void *)s1, a1);
	_mm256_storeu_si256((__m256i *)(void *)s2, a2);
	return i;
}

static bool have_avx2(void)
{
	static gint known; /* 0: not asked yet, 1: no, 2: yes */
	gint k = g_atomic_int_get(&known);

	if (!k) {
		__builtin_cpu_init();
		k = __builtin_cpu_supports("avx2") ? 2 : 1;
		g_atomic_int_set(&known, k);
	}
	return k == 2;
}
#endif

#if defined(__SSE2__)
/* The same block sums as sum_blocks_scalar, two lanes of 64 bits a register. */
static gsize sum_blocks_sse2(const uint8_t *p, gsize len, uint64_t s1[4], uint64_t s2[4])
{
	gsize i = 0;
	__m128i a1 = _mm_setzero_si128(), a2 = a1, b1 = a1, b2 = a1;

	/* two lanes of 64 bits per register, two registers: sums and sums of the sums */
	for (; i + 32 <= len; i += 32) {
		a1 = _mm_add_epi64(a1, _mm_loadu_si128((const __m128i *)(const void *)(p + i)));
		b1 =
		    _mm_add_epi64(b1, _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16)));
		a2 = _mm_add_epi64(a2, a1);
		b2 = _mm_add_epi64(b2, b1);
	}
	_mm_storeu_si128((__m128i *)(void *)s1, a1);
	_mm_storeu_si128((__m128i *)(void *)(s1 + 2), b1);
	_mm_storeu_si128((__m128i *)(void *)s2, a2);
	_mm_storeu_si128((__m128i *)(void *)(s2 + 2), b2);
	return i;
}

uint64_t ps_checksum_sum_sse2(const void *data, gsize len)
{
	const uint8_t *p = data;
	uint64_t s1[4], s2[4];

	return sum_finish(p, sum_blocks_sse2(p, len, s1, s2), len, s1, s2);
}
#endif

/* The block sums of the best loop this CPU has (all three give the same s1, s2 and i). */
static gsize sum_blocks(const uint8_t *p, gsize len, uint64_t s1[4], uint64_t s2[4])
{
#ifdef SUM_AVX2
	if (have_avx2())
		return sum_blocks_avx2(p, len, s1, s2);
#endif
#if defined(__SSE2__)
	return sum_blocks_sse2(p, len, s1, s2);
#else
	return sum_blocks_scalar(p, len, s1, s2);
#endif
}

/*
 * A large payload's block sums on two threads: the second part's on a thread of its own while
 * this one does the first. The sums combine exactly (mod 2^64): a lane's s1 is the sum of its
 * words, so s1 = s1a + s1b; its s2 adds s1 once a block, so each of the second part's nb blocks
 * also adds the first part's s1a: s2 = s2a + s2b + nb * s1a. Same result as one pass, in about
 * half the wall time where a second core is idle (the loop is memory-bound: ~10 ms of a warm
 * ftrace-press-thp-6.18 run for its 145 MB started state); the CPU time is the same.
 */
#define SUM_SPLIT_MIN ((gsize)16 << 20)

typedef struct {
	const uint8_t *p;
	gsize len, done;
	uint64_t s1[4], s2[4];
} SumPart;

static gpointer sum_part_thread(gpointer data)
{
	SumPart *b = data;

	b->done = sum_blocks(b->p, b->len, b->s1, b->s2);
	return NULL;
}

static gsize sum_blocks_split(const uint8_t *p, gsize len, uint64_t s1[4], uint64_t s2[4])
{
	/* the first part whole 64-byte steps of the AVX2 loop, so its blocks end where it ends */
	gsize half = (len / 2) & ~(gsize)63;
	SumPart b = {.p = p + half, .len = len - half};
	GThread *t = g_thread_try_new("ps-sum", sum_part_thread, &b, NULL);

	if (!t)
		return sum_blocks(p, len, s1, s2);
	sum_blocks(p, half, s1, s2);
	g_thread_join(t);
	for (int k = 0; k < 4; k++) {
		s2[k] += b.s2[k] + (uint64_t)(b.done / 32) * s1[k];
		s1[k] += b.s1[k];
	}
	return half + b.done;
}

uint64_t ps_checksum_sum(const void *data, gsize len)
{
	const uint8_t *p = data;
	uint64_t s1[4], s2[4];
	gsize i = len >= SUM_SPLIT_MIN && g_get_num_processors() > 1
		      ? sum_blocks_split(p, len, s1, s2)
		      : sum_blocks(p, len, s1, s2);

	return sum_finish(p, i, len, s1, s2);
}

static bool is_gzip(const char *path)
{
	unsigned char m[2];
	FILE *f = fopen(path, "rb");
	bool yes;

	if (!f)
		return false;
	yes = fread(m, 1, 2, f) == 2 && m[0] == 0x1f && m[1] == 0x8b;
	fclose(f);
	return yes;
}

/* The cached copy at entry if it is whole and made from digest; NULL with *why otherwise. */
static GBytes *open_raw(const char *entry, const char *digest, char **why, bool *absent)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GMappedFile) map = g_mapped_file_new(entry, FALSE, &local);
	g_autoptr(GBytes) all = NULL;
	const char *data;
	gsize len;
	RawHead h;

	*absent = false;
	if (!map) {
		*absent = g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT);
		*why = g_strdup(local->message);
		return NULL;
	}
	data = g_mapped_file_get_contents(map);
	len = g_mapped_file_get_length(map);
	if (len < sizeof(h)) {
		*why = g_strdup("cut short");
		return NULL;
	}
	memcpy(&h, data, sizeof(h));
	if (memcmp(h.magic, RAW_MAGIC, 8) || memchr(h.digest, 0, sizeof(h.digest)) == NULL)
		*why = g_strdup("not a pagesim inflated copy");
	else if (strcmp(h.digest, digest))
		*why = g_strdup_printf("made from %s, not from this file (%s)", h.digest, digest);
	else if (h.size != len - sizeof(h))
		*why =
		    g_strdup_printf("%" G_GSIZE_FORMAT " bytes, the header says %" G_GUINT64_FORMAT,
				    len - sizeof(h), h.size);
	else if (ps_checksum64(data + sizeof(h), h.size) != h.checksum)
		*why = g_strdup("checksum mismatch: the file is corrupt");
	if (*why)
		return NULL;
	ps_cache_touch(entry);
	all = g_mapped_file_get_bytes(map);
	return g_bytes_new_from_bytes(all, sizeof(h), h.size);
}

static void write_raw(const char *entry, const char *cache_dir, const char *digest, GBytes *b)
{
	g_autoptr(GError) local = NULL;
	PsAtomicFile *f;
	gsize len;
	const void *data = g_bytes_get_data(b, &len);
	RawHead h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, RAW_MAGIC, 8);
	h.size = len;
	h.checksum = ps_checksum64(data, len);
	g_strlcpy(h.digest, digest, sizeof(h.digest));
	if (g_mkdir_with_parents(cache_dir, 0777) != 0) {
		fprintf(stderr, "pagesim: cache %s: %s; reading without it\n", cache_dir,
			g_strerror(errno));
		return;
	}
	f = ps_atomic_file_new(entry, &local);
	if (f && (!ps_atomic_file_write(f, &h, sizeof(h), &local) ||
		  !ps_atomic_file_write(f, data, len, &local)))
		g_clear_pointer(&f, ps_atomic_file_abort);
	if (!f || !ps_atomic_file_commit(f, &local)) /* commit frees f either way */
		fprintf(stderr, "pagesim: cache: %s; not kept\n", local->message);
	else
		ps_cache_trim(cache_dir, entry);
}

GBytes *ps_file_read_all_cached(const char *path, const char *cache_dir, GError **error)
{
	g_autofree char *digest = NULL, *name = NULL, *entry = NULL, *why = NULL;
	GBytes *b;
	bool absent;

	if (!cache_dir || !strcmp(path, "-") || !is_gzip(path))
		return ps_file_read_all(path, error);
	digest = ps_file_digest_cached(path, cache_dir, NULL, NULL);
	if (!digest)
		return ps_file_read_all(path, error);
	name = g_strconcat(digest + strlen("sha256:"), ".raw", NULL);
	entry = g_build_filename(cache_dir, name, NULL);
	b = open_raw(entry, digest, &why, &absent);
	if (b)
		return b;
	if (!absent)
		fprintf(stderr, "pagesim: cache %s: %s; ignored, inflating %s again\n", entry, why,
			path);
	b = ps_file_read_all(path, error);
	if (b)
		write_raw(entry, cache_dir, digest, b);
	return b;
}

/* ---- file digests remembered by the file's identity ---------------------------------------- */

#define MEMO_MAGIC     "PSDIGM\0\x01"
#define MEMO_SAMPLES   14	    /* 4 KiB blocks spread over the file, besides its two ends */
#define MEMO_END_BYTES (16u << 10)  /* read at each end: a gzip trailer's CRC and size are there */
#define MEMO_RACY_NS   2000000000LL /* a file changed this recently is hashed, not remembered */

typedef struct {
	char magic[8];
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint64_t sample;   /* memo_sample of the file */
	char digest[80];   /* "sha256:HEX" */
	uint64_t checksum; /* ps_checksum64 of the bytes above */
} DigestMemo;
G_STATIC_ASSERT(sizeof(DigestMemo) == 160);

/* ps_checksum64 of the file's first and last MEMO_END_BYTES and MEMO_SAMPLES blocks between. */
static bool memo_sample(int fd, uint64_t size, uint64_t *out)
{
	g_autofree uint8_t *buf = g_malloc(2 * MEMO_END_BYTES + MEMO_SAMPLES * 4096);
	gsize n = 0;
	uint64_t at[MEMO_SAMPLES + 2][2];

	at[0][0] = 0;
	at[0][1] = MIN(size, MEMO_END_BYTES);
	at[1][0] = size - MIN(size, MEMO_END_BYTES);
	at[1][1] = MIN(size, MEMO_END_BYTES);
	for (int i = 0; i < MEMO_SAMPLES; i++) {
		at[i + 2][0] = size / (MEMO_SAMPLES + 1) * (uint64_t)(i + 1);
		at[i + 2][1] = MIN(4096, size - at[i + 2][0]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(at); i++) {
		ssize_t r = pread(fd, buf + n, at[i][1], (off_t)at[i][0]);

		if (r < 0 || (uint64_t)r != at[i][1])
			return false;
		n += (gsize)r;
	}
	*out = ps_checksum64(buf, n);
	return true;
}

static void memo_fill(DigestMemo *h, const struct stat *st, uint64_t sample)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, MEMO_MAGIC, 8);
	h->dev = (uint64_t)st->st_dev;
	h->ino = (uint64_t)st->st_ino;
	h->size = (uint64_t)st->st_size;
	h->mtime_s = (int64_t)st->st_mtim.tv_sec;
	h->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
	h->ctime_s = (int64_t)st->st_ctim.tv_sec;
	h->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
	h->sample = sample;
}

/* The remembered digest at entry when it describes the file as it is now; NULL otherwise. */
static char *memo_read(const char *entry, const DigestMemo *now)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	DigestMemo h;

	if (!g_file_get_contents(entry, &text, &len, NULL) || len != sizeof(h))
		return NULL;
	memcpy(&h, text, sizeof(h));
	if (h.checksum != ps_checksum64(&h, offsetof(DigestMemo, checksum)) ||
	    !memchr(h.digest, 0, sizeof(h.digest)) || !g_str_has_prefix(h.digest, "sha256:") ||
	    memcmp(&h, now, offsetof(DigestMemo, digest)))
		return NULL;
	ps_cache_touch(entry);
	return g_strdup(h.digest);
}

static void memo_write(const char *entry, const char *cache_dir, DigestMemo *h, const char *digest)
{
	g_autoptr(GError) local = NULL;
	PsAtomicFile *f;

	g_strlcpy(h->digest, digest, sizeof(h->digest));
	h->checksum = ps_checksum64(h, offsetof(DigestMemo, checksum));
	if (g_mkdir_with_parents(cache_dir, 0777) != 0)
		return; /* the trace cache says why when it cannot use the directory */
	f = ps_atomic_file_new(entry, &local);
	if (f && !ps_atomic_file_write(f, h, sizeof(*h), &local))
		g_clear_pointer(&f, ps_atomic_file_abort);
	if (!f || !ps_atomic_file_commit(f, &local)) /* commit frees f either way */
		fprintf(stderr, "pagesim: cache: %s; not kept\n", local->message);
}

char *ps_file_digest_cached(const char *path, const char *cache_dir, bool *hit, GError **error)
{
	g_autofree char *name = NULL, *entry = NULL, *digest = NULL;
	struct stat st, after;
	struct timespec now;
	DigestMemo h;
	uint64_t sample;
	int64_t changed_ns;
	int fd;

	if (hit)
		*hit = false;
	if (!cache_dir || !strcmp(path, "-"))
		return ps_file_digest(path, error);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    !memo_sample(fd, (uint64_t)st.st_size, &sample)) {
		if (fd >= 0)
			close(fd);
		return ps_file_digest(path, error);
	}
	close(fd);
	memo_fill(&h, &st, sample);
	name = g_strdup_printf("%016" G_GINT64_MODIFIER "x-%016" G_GINT64_MODIFIER "x.digest",
			       h.dev, h.ino);
	entry = g_build_filename(cache_dir, name, NULL);
	digest = memo_read(entry, &h);
	if (digest) {
		if (hit)
			*hit = true;
		return g_steal_pointer(&digest);
	}
	digest = ps_file_digest(path, error);
	/*
	 * Remembered only when the file was last changed well before now and is unchanged after
	 * the hash: a later change then gets a ctime (which no call can set back) that differs.
	 */
	changed_ns = MAX((int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec,
			 (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
	if (digest && clock_gettime(CLOCK_REALTIME, &now) == 0 &&
	    (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec - changed_ns > MEMO_RACY_NS &&
	    stat(path, &after) == 0 && after.st_ino == st.st_ino && after.st_dev == st.st_dev &&
	    after.st_size == st.st_size && after.st_ctim.tv_sec == st.st_ctim.tv_sec &&
	    after.st_ctim.tv_nsec == st.st_ctim.tv_nsec)
		memo_write(entry, cache_dir, &h, digest);
	return g_steal_pointer(&digest);
}

/* ---- the directory's size cap ---------------------------------------------------------------- */

#define CACHE_MAX_DEFAULT ((uint64_t)8 << 30)

/* Every name the cache gives an entry ends in one of these; nothing else in the directory counts.
 */
static const char *const cache_suffixes[] = {".start", ".pstc", ".raw",	 ".snap",  ".memcg",
					     ".stale", ".pcp",	".walk", ".digest"};

uint64_t ps_cache_max_bytes(void)
{
	const char *v = g_getenv("PAGESIM_CACHE_MAX");
	static const char units[] = "KMGT";
	char *end = NULL;
	uint64_t n = 0; /* set whenever end moves past v */
	const char *u = NULL;

	if (!v || !*v)
		return CACHE_MAX_DEFAULT;
	if (!strcmp(v, "off"))
		return 0;
	errno = 0;
	/* g_ascii_strtoull takes a sign and leading space ("-5" would be 2^64 - 5: no cap) */
	if (g_ascii_isdigit(*v))
		n = g_ascii_strtoull(v, &end, 10);
	else
		end = (char *)v;
	if (errno || end == v ||
	    (*end && (end[1] || !(u = strchr(units, g_ascii_toupper(*end)))))) {
		static gint warned; /* said once a process: every entry written asks again */

		if (g_atomic_int_compare_and_exchange(&warned, 0, 1))
			fprintf(stderr,
				"pagesim: PAGESIM_CACHE_MAX=%s: not a size (bytes, or with K, M, G "
				"or T; off: no cap); the default, 8G, is used\n",
				v);
		return CACHE_MAX_DEFAULT;
	}
	if (*end)
		for (const char *k = units; k <= u; k++)
			n = n > UINT64_MAX >> 10 ? UINT64_MAX : n << 10;
	return n;
}

void ps_cache_touch(const char *entry)
{
	/* atime only: mtime stays the time it was written, and ctime moves (the digest memo reads
	 * the ctime of the files it names, never of cache entries) */
	const struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};

	/* a read-only or foreign cache directory: the entry is read all the same */
	(void)utimensat(AT_FDCWD, entry, now, 0);
}

typedef struct {
	char *name;
	uint64_t size;
	int64_t used_ns; /* the later of its atime and mtime: when it was last written or read */
} CacheFile;

static int cache_file_cmp(const void *a, const void *b)
{
	const CacheFile *x = a, *y = b;

	if (x->used_ns != y->used_ns)
		return x->used_ns < y->used_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool is_cache_entry(const char *name)
{
	if (name[0] == '.') /* PsAtomicFile's temporaries, being written */
		return false;
	for (gsize i = 0; i < G_N_ELEMENTS(cache_suffixes); i++)
		if (g_str_has_suffix(name, cache_suffixes[i]))
			return true;
	return false;
}

guint ps_cache_trim(const char *cache_dir, const char *keep)
{
	uint64_t cap = ps_cache_max_bytes(), total = 0, freed = 0;
	g_autoptr(GDir) d = NULL;
	g_autoptr(GArray) files = NULL;
	g_autofree char *keep_name = keep ? g_path_get_basename(keep) : NULL;
	const char *n;
	guint removed = 0;

	if (!cap || !cache_dir || !(d = g_dir_open(cache_dir, 0, NULL)))
		return 0;
	files = g_array_new(FALSE, FALSE, sizeof(CacheFile));
	while ((n = g_dir_read_name(d))) {
		g_autofree char *p = NULL;
		struct stat st;
		CacheFile f;

		if (!is_cache_entry(n))
			continue;
		p = g_build_filename(cache_dir, n, NULL);
		if (lstat(p, &st) || !S_ISREG(st.st_mode))
			continue;
		f.name = g_strdup(n);
		f.size = (uint64_t)st.st_size;
		f.used_ns = MAX((int64_t)st.st_atim.tv_sec * 1000000000LL + st.st_atim.tv_nsec,
				(int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
		total += f.size;
		g_array_append_val(files, f);
	}
	if (total > cap) {
		g_array_sort(files, cache_file_cmp);
		for (guint i = 0; i < files->len && total > cap; i++) {
			CacheFile *f = &g_array_index(files, CacheFile, i);
			g_autofree char *p = NULL;

			if (keep_name && !strcmp(f->name, keep_name))
				continue;
			p = g_build_filename(cache_dir, f->name, NULL);
			if (g_unlink(p))
				continue;
			total -= f->size;
			freed += f->size;
			removed++;
		}
		fprintf(stderr,
			"pagesim: cache %s: %u entries used longest ago removed (%" G_GUINT64_FORMAT
			" MB), over PAGESIM_CACHE_MAX (%" G_GUINT64_FORMAT " MB)\n",
			cache_dir, removed, freed >> 20, cap >> 20);
	}
	for (guint i = 0; i < files->len; i++)
		g_free(g_array_index(files, CacheFile, i).name);
	return removed;
}
