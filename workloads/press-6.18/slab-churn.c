// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * slab-churn - slab and page-cache churn with anonymous growth on a nearly full zone (pagesim
 * issue 14 recording (c)).
 *
 *   slab-churn DIR ROUNDS FILES ANON_MIB [FILL]
 *
 * With FILL, before the rounds it first-writes anonymous memory (kept to the end) until the
 * Normal zone's free pages (/proc/zoneinfo, node 0) are at most its high watermark + FILL
 * pages, so that the rounds start on a nearly full zone whatever the machine had free.
 * In each of ROUNDS rounds: creates FILES small files (1-4 KiB, written, the last one fsync'ed:
 * ext4 inodes and dentries in reclaimable slab, one page-cache page each, journal buffers),
 * reads back and unlinks the previous round's files, and first-writes ANON_MIB / ROUNDS MiB more
 * anonymous memory (kept to the end). The slab a round grows claims pageblocks for
 * MIGRATE_RECLAIMABLE; the next round's unlinks free much of it again, into those blocks, and the
 * anonymous (movable) memory that follows, on a zone with little free memory left, falls back
 * into them (fallbacks of MIGRATE_MOVABLE: MIGRATE_RECLAIMABLE, then MIGRATE_UNMOVABLE); a
 * fragmenting fallback boosts the watermark and wakes kswapd. The files left are removed at the
 * end.
 * Sets its own oom_score_adj to 1000 first, so that an OOM kill, if the machine runs out, picks
 * this program and nothing else. Prints what it did.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Node 0 Normal's "pages free" and "high" from /proc/zoneinfo; 0 when not found. */
static int normal_free(long *free_pages, long *high)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	int in = 0, got = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && got < 2) {
		if (!strncmp(line, "Node", 4))
			in = strstr(line, "Normal") != NULL;
		else if (in && sscanf(line, " pages free %ld", free_pages) == 1)
			got++;
		else if (in && sscanf(line, " high %ld", high) == 1)
			got++;
	}
	fclose(f);
	return got == 2;
}

static void name(char *buf, size_t len, const char *dir, long round, long i)
{
	snprintf(buf, len, "%s/r%ld/f%ld", dir, round, i);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: slab-churn DIR ROUNDS FILES ANON_MIB [FILL]\n");
		return 2;
	}
	const char *dir = argv[1];
	long rounds = strtol(argv[2], NULL, 10), files = strtol(argv[3], NULL, 10);
	size_t anon = strtoul(argv[4], NULL, 10) << 20;
	long pg = sysconf(_SC_PAGESIZE);
	static char data[4096], back[4096];
	char path[4096];
	long created = 0, unlinked = 0, reads = 0;
	FILE *f = fopen("/proc/self/oom_score_adj", "w");

	if (!f || fprintf(f, "1000\n") < 0 || fclose(f) != 0) {
		perror("oom_score_adj");
		return 1;
	}
	if (rounds < 1 || files < 1) {
		fprintf(stderr, "slab-churn: ROUNDS and FILES must be >= 1\n");
		return 2;
	}
	memset(data, 'p', sizeof(data));
	char *mem = mmap(NULL, anon ? anon : 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(mem, anon ? anon : 1, MADV_NOHUGEPAGE);
	size_t filled = 0;
	if (argc > 5) {
		long margin = strtol(argv[5], NULL, 10), fr = 0, hi = 0;
		size_t chunk = 4 << 20;

		while (normal_free(&fr, &hi) && fr > hi + margin) {
			char *c = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (c == MAP_FAILED)
				break;
			madvise(c, chunk, MADV_NOHUGEPAGE);
			for (size_t o = 0; o < chunk; o += (size_t)pg)
				c[o] = 1;
			filled += chunk;
		}
		printf("slab-churn: filled %zu MiB (Normal free %ld, high %ld)\n", filled >> 20, fr,
		       hi);
		fflush(stdout);
	}
	mkdir(dir, 0755);
	size_t touched = 0;
	for (long r = 0; r < rounds; r++) {
		snprintf(path, sizeof(path), "%s/r%ld", dir, r);
		if (mkdir(path, 0755) != 0) {
			perror(path);
			return 1;
		}
		for (long i = 0; i < files; i++) {
			name(path, sizeof(path), dir, r, i);
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			size_t len = 1024 + (size_t)(i % 4) * 1024;

			if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
				perror(path);
				return 1;
			}
			if (i == files - 1)
				fsync(fd);
			close(fd);
			created++;
		}
		for (long i = 0; r > 0 && i < files; i++) {
			name(path, sizeof(path), dir, r - 1, i);
			int fd = open(path, O_RDONLY);

			if (fd >= 0) {
				if (read(fd, back, sizeof(back)) > 0)
					reads++;
				close(fd);
			}
		}
		for (long i = 0; r > 0 && i < files; i++) {
			name(path, sizeof(path), dir, r - 1, i);
			unlinked += unlink(path) == 0;
		}
		size_t upto = anon / (size_t)rounds * (size_t)(r + 1);
		for (; touched < upto; touched += (size_t)pg)
			mem[touched] = 1;
	}
	for (long r = 0; r < rounds; r++) {
		for (long i = 0; i < files; i++) {
			name(path, sizeof(path), dir, r, i);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/r%ld", dir, r);
		rmdir(path);
	}
	rmdir(dir);
	printf("slab-churn: %ld rounds, %ld files created, %ld read back, %ld unlinked in the "
	       "rounds, %zu MiB anonymous\n",
	       rounds, created, reads, unlinked, touched >> 20);
	return 0;
}
