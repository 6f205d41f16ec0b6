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
 */
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
}

GBytes *ps_file_read_all_cached(const char *path, const char *cache_dir, GError **error)
{
	g_autofree char *digest = NULL, *name = NULL, *entry = NULL, *why = NULL;
	GBytes *b;
	bool absent;

	if (!cache_dir || !strcmp(path, "-") || !is_gzip(path))
		return ps_file_read_all(path, error);
	digest = ps_file_digest(path, NULL);
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
