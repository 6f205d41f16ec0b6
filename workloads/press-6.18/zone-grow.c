// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zone-grow - grow anonymous memory while memory blocks come online, so a zone grows in the
 * middle of a recording (pagesim issue 14 recording (d)).
 *
 *   zone-grow MIB BLOCK...
 *
 * Each BLOCK is the number N of an offline /sys/devices/system/memory/memoryN (record.sh
 * OFFLINE=... takes them offline before the recording). Maps MIB MiB of private anonymous memory
 * and first-writes it one base page at a time, in len(BLOCK) + 1 equal parts; after each part but
 * the last it writes "online" to the next block's state (online_pages: the block's pages join
 * the zone's managed/present and enter the buddy allocator), keeping all of its memory to the end.
 * Before and after each online it writes to $PAGESIM_TRACE_MARKER (pagesim-capture's
 * trace_marker) "pagesim-online: node=N zone=Z block=B start_pfn=P nr_pages=C state=STATE"
 * (STATE onlining, then online or failed; Z the first of the block's valid_zones before it is
 * onlined, the zone a plain "online" puts it in), so the trace says which pfns grew which zone
 * and when. Sets its own oom_score_adj to 1000 first.
 * Prints what it did.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEMDIR "/sys/devices/system/memory"

static unsigned long read_hex(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long v = 0;

	if (!f || fscanf(f, "%lx", &v) != 1) {
		perror(path);
		exit(1);
	}
	fclose(f);
	return v;
}

static int block_node(long block)
{
	char path[256];
	snprintf(path, sizeof(path), MEMDIR "/memory%ld", block);
	DIR *d = opendir(path);
	struct dirent *e;
	int node = -1;

	if (!d) {
		perror(path);
		exit(1);
	}
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' &&
		    e->d_name[4] <= '9')
			node = atoi(e->d_name + 4);
	closedir(d);
	return node;
}

static void marker(FILE *m, int node, const char *zone, long block, unsigned long pfn,
		   unsigned long pages, const char *state)
{
	if (!m)
		return;
	fprintf(m,
		"pagesim-online: node=%d zone=%s block=%ld start_pfn=%lu nr_pages=%lu state=%s\n",
		node, zone, block, pfn, pages, state);
	fflush(m);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: zone-grow MIB BLOCK...\n");
		return 2;
	}
	size_t bytes = strtoul(argv[1], NULL, 10) << 20;
	int nblocks = argc - 2;
	long pg = sysconf(_SC_PAGESIZE);
	unsigned long block_pages = read_hex(MEMDIR "/block_size_bytes") / (unsigned long)pg;
	const char *mpath = getenv("PAGESIM_TRACE_MARKER");
	FILE *m = mpath ? fopen(mpath, "w") : NULL;
	FILE *f = fopen("/proc/self/oom_score_adj", "w");

	if (!f || fprintf(f, "1000\n") < 0 || fclose(f) != 0) {
		perror("oom_score_adj");
		return 1;
	}
	if (mpath && !m) {
		perror(mpath);
		return 1;
	}
	char *mem = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(mem, bytes ? bytes : 1, MADV_NOHUGEPAGE);
	size_t touched = 0;
	int onlined = 0;
	for (int part = 0; part <= nblocks; part++) {
		size_t upto = bytes / (size_t)(nblocks + 1) * (size_t)(part + 1);
		if (part == nblocks)
			upto = bytes;
		for (; touched < upto; touched += (size_t)pg)
			mem[touched] = 1;
		if (part == nblocks)
			break;
		long block = strtol(argv[2 + part], NULL, 10);
		char path[256];
		snprintf(path, sizeof(path), MEMDIR "/memory%ld/phys_index", block);
		unsigned long pfn = read_hex(path) * block_pages;
		int node = block_node(block);
		char zone[64] = "";
		snprintf(path, sizeof(path), MEMDIR "/memory%ld/valid_zones", block);
		FILE *vz = fopen(path, "r");
		if (!vz || fscanf(vz, "%63s", zone) != 1) {
			perror(path);
			return 1;
		}
		fclose(vz);
		marker(m, node, zone, block, pfn, block_pages, "onlining");
		snprintf(path, sizeof(path), MEMDIR "/memory%ld/state", block);
		FILE *s = fopen(path, "w");
		int ok = s && fprintf(s, "online\n") > 0;
		ok = s && fclose(s) == 0 && ok;
		marker(m, node, zone, block, pfn, block_pages, ok ? "online" : "failed");
		if (!ok)
			fprintf(stderr, "zone-grow: memory%ld: online failed\n", block);
		onlined += ok;
		printf("zone-grow: memory%ld (pfn %lu, %lu pages, node %d) %s after %zu MiB\n",
		       block, pfn, block_pages, node, ok ? "online" : "FAILED", touched >> 20);
	}
	printf("zone-grow: %zu MiB anonymous, %d of %d blocks onlined\n", touched >> 20, onlined,
	       nblocks);
	return 0;
}
