// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * press-hog - grow anonymous memory into a machine whose free memory is nearly gone, so the
 * kernel reclaims (pagesim issue 14 recordings).
 *
 *   press-hog MIB [thp]
 *
 * Maps MIB MiB of private anonymous memory (with "thp": madvise(MADV_HUGEPAGE), so with THP
 * defrag "madvise" the faults reclaim and compact directly) and first-writes it one base page
 * at a time, keeping all of it (MAP_NORESERVE: a size above what overcommit allows still maps,
 * so the program can end in an OOM kill). Sets its own oom_score_adj to 1000 first, so that an OOM
 * kill, if the machine runs out, picks this program and nothing else. Prints what it touched.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: press-hog MIB [thp]\n");
		return 2;
	}
	size_t mib = strtoul(argv[1], NULL, 10);
	int thp = argc > 2 && strcmp(argv[2], "thp") == 0;
	FILE *f = fopen("/proc/self/oom_score_adj", "w");
	if (!f || fprintf(f, "1000\n") < 0 || fclose(f) != 0) {
		perror("oom_score_adj");
		return 1;
	}
	size_t len = mib << 20;
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0)
		perror("madvise");
	for (size_t off = 0; off < len; off += (size_t)pg)
		p[off] = 1;
	printf("press-hog: touched %zu MiB (%s)\n", mib, thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE");
	return 0;
}
