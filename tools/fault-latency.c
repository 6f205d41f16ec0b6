// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fault-latency.c - measures first-touch page-fault latency: maps fresh anonymous memory and
 * writes one byte per touch, in address order, timing each write with clock_gettime. Every
 * write is a first touch, so each timed interval is one page fault (handle_mm_fault, the page
 * allocation, zeroing, the PTE install) plus the two clock reads.
 *
 *   fault-latency [--size MIB] [--thp on|off] [--threads 1|2] [--stride BYTES]
 *                 [--label TEXT] [--hist FILE]
 *
 *   --size MIB     memory each thread touches (default 256)
 *   --thp on|off   madvise(MADV_HUGEPAGE) or madvise(MADV_NOHUGEPAGE) on the range (default off)
 *   --threads N    1, or 2: a second thread faults its own range at the same time (default 1)
 *   --stride B     bytes between touches: 4096 touches every 4 KiB page, 65536 one byte per
 *                  64 KiB (default: the page size)
 *   --label TEXT   first column of the output row (default "run")
 *   --hist FILE    also writes the whole distribution: one "upper_ns,count" line per
 *                  non-empty bucket of 1/16 of a doubling (report/hist.c's layout)
 *
 * Output, one CSV line after a header on stdout:
 *   label,threads,thp,stride,faults,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns,clock_ns
 * where clock_ns is the median cost of two back-to-back clock_gettime calls, measured first
 * and NOT subtracted (the figures are what the program saw). Percentiles are nearest-rank over
 * the exact samples of all threads together.
 *
 * Stand-alone build: cc -O2 -pthread -o fault-latency tools/fault-latency.c
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct worker {
	size_t size, stride;
	int thp;
	uint32_t *lat; /* ns per touch, capped at 2^32-1 */
	size_t n;
	pthread_barrier_t *start;
	int err;
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	volatile char *p;
	void *map;

	map = mmap(NULL, w->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		w->err = errno;
		pthread_barrier_wait(w->start);
		return NULL;
	}
	if (madvise(map, w->size, w->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0) {
		w->err = errno;
		pthread_barrier_wait(w->start);
		return NULL;
	}
	p = map;
	pthread_barrier_wait(w->start);
	for (size_t off = 0, i = 0; off < w->size; off += w->stride, i++) {
		uint64_t t0 = now_ns(), d;

		p[off] = 1;
		d = now_ns() - t0;
		w->lat[i] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	}
	munmap(map, w->size);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least ceil(q * n) samples at or below it. */
static uint32_t quantile(const uint32_t *v, size_t n, unsigned per_mille_x10)
{
	size_t rank = (n * per_mille_x10 + 9999) / 10000;

	if (rank == 0)
		rank = 1;
	return v[rank - 1];
}

static uint64_t clock_cost(void)
{
	uint32_t v[1001];

	for (int i = 0; i < 1001; i++) {
		uint64_t t0 = now_ns();

		v[i] = (uint32_t)(now_ns() - t0);
	}
	qsort(v, 1001, sizeof(v[0]), cmp_u32);
	return v[500];
}

/* The bucket of hist.c's layout: exact below 32, then 16 sub-buckets per power of two. */
static uint64_t bucket_upper(uint64_t v)
{
	unsigned e;
	uint64_t w;

	if (v < 32)
		return v;
	e = 63u - (unsigned)__builtin_clzll(v);
	w = 1ull << (e - 4);
	return (v / w) * w + w - 1;
}

static int write_hist(const char *path, const uint32_t *v, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "upper_ns,count\n");
	for (size_t i = 0; i < n;) {
		uint64_t up = bucket_upper(v[i]);
		size_t j = i;

		while (j < n && v[j] <= up)
			j++;
		fprintf(f, "%llu,%zu\n", (unsigned long long)up, j - i);
		i = j;
	}
	return fclose(f);
}

static void usage(void)
{
	fprintf(stderr, "usage: fault-latency [--size MIB] [--thp on|off] [--threads 1|2] "
			"[--stride BYTES] [--label TEXT] [--hist FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t size_mib = 256, stride = (size_t)sysconf(_SC_PAGESIZE), n_each, n = 0;
	int thp = 0, threads = 1;
	const char *label = "run", *hist = NULL;
	struct worker w[2];
	pthread_t tid[2];
	pthread_barrier_t start;
	uint32_t *all;
	uint64_t sum = 0, clk;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--size")) {
			size_mib = strtoul(v, &end, 10);
			if (*end || !size_mib)
				usage();
		} else if (!strcmp(a, "--thp")) {
			if (strcmp(v, "on") && strcmp(v, "off"))
				usage();
			thp = !strcmp(v, "on");
		} else if (!strcmp(a, "--threads")) {
			threads = atoi(v);
			if (threads != 1 && threads != 2)
				usage();
		} else if (!strcmp(a, "--stride")) {
			stride = strtoul(v, &end, 10);
			if (*end || !stride)
				usage();
		} else if (!strcmp(a, "--label")) {
			label = v;
		} else if (!strcmp(a, "--hist")) {
			hist = v;
		} else {
			usage();
		}
	}
	n_each = (size_mib << 20) / stride;
	all = calloc(n_each * (size_t)threads, sizeof(*all));
	if (!all) {
		perror("fault-latency: calloc");
		return 1;
	}
	/* Fault the sample array in first, so that its own faults are not timed. */
	memset(all, 0, n_each * (size_t)threads * sizeof(*all));
	clk = clock_cost();
	pthread_barrier_init(&start, NULL, (unsigned)threads);
	for (int t = 0; t < threads; t++) {
		w[t] = (struct worker){.size = size_mib << 20,
				       .stride = stride,
				       .thp = thp,
				       .lat = all + (size_t)t * n_each,
				       .n = n_each,
				       .start = &start};
		if (pthread_create(&tid[t], NULL, run_worker, &w[t])) {
			perror("fault-latency: pthread_create");
			return 1;
		}
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		if (w[t].err) {
			fprintf(stderr, "fault-latency: mmap/madvise: %s\n", strerror(w[t].err));
			return 1;
		}
		n += w[t].n;
	}
	qsort(all, n, sizeof(*all), cmp_u32);
	for (size_t i = 0; i < n; i++)
		sum += all[i];
	printf("label,threads,thp,stride,faults,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns,"
	       "clock_ns\n");
	printf("%s,%d,%s,%zu,%zu,%u,%u,%u,%u,%u,%llu,%llu\n", label, threads, thp ? "on" : "off",
	       stride, n, quantile(all, n, 5000), quantile(all, n, 9000), quantile(all, n, 9900),
	       quantile(all, n, 9990), all[n - 1], (unsigned long long)(sum / n),
	       (unsigned long long)clk);
	if (hist && write_hist(hist, all, n)) {
		perror(hist);
		return 1;
	}
	free(all);
	return 0;
}
