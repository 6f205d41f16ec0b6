// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-core.c - figures for the core model on a 1 TiB machine at 4 KiB and 64 KiB pages:
 * setup time (cold, then warm), peak RSS, bytes of page state per base page (reserved and
 * resident), and the order-0 allocation/free throughput through the per-cpu lists in events per
 * second.
 *
 * A benchmark prints figures; nothing here is asserted. It may read the wall clock (it is not
 * part of the simulation). Usage: bench-core [--quick] (quick: 64 GiB instead of 1 TiB, for CI).
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "policy/policy.h"

static void make_spec(PsMachineSpec *spec, uint32_t page_size, uint64_t bytes)
{
	static const int ratio[PS_MAX_NR_ZONES] = {256, 256, 32, 0, 0};
	uint64_t pages = bytes / page_size;
	uint64_t dma = (16ull << 20) / page_size, dma32 = (4ull << 30) / page_size;

	memset(spec, 0, sizeof(*spec));
	spec->page_size = page_size;
	ps_page_size_defaults(page_size, &spec->max_order, &spec->pageblock_order,
			      &spec->thp_order);
	spec->thp_built = true;
	spec->thp_mode = 1;
	spec->nr_cpus = 2;
	spec->nr_nodes = 1;
	spec->distance[0][0] = 10;
	spec->pcp_batch_scale_max = 5;
	spec->sysctl.min_free_kbytes = -1;
	spec->sysctl.user_min_free_kbytes = -1;
	spec->sysctl.watermark_scale_factor = 10;
	spec->sysctl.watermark_boost_factor = 15000;
	memcpy(spec->sysctl.lowmem_reserve_ratio, ratio, sizeof(ratio));
	spec->sysctl.extfrag_threshold = 500;
	spec->sysctl.stat_interval_ns = 1000000000ull;
	if (page_size == 4096) {
		spec->zones[0][PS_ZONE_DMA] = (PsZoneSpec){1, dma - 1, dma - 1, dma - 257, 0};
	}
	spec->zones[0][PS_ZONE_DMA32] =
	    (PsZoneSpec){(ps_pfn_t)dma, dma32 - dma, dma32 - dma, dma32 - dma, 0};
	spec->zones[0][PS_ZONE_NORMAL] =
	    (PsZoneSpec){(ps_pfn_t)dma32, pages - dma32, pages - dma32, pages - dma32 - 1024, 0};
}

static double now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Current resident set in KiB, from /proc/self/statm. */
static long rss_kb(void)
{
	g_autofree char *text = NULL;
	long size = 0, resident = 0;

	if (!g_file_get_contents("/proc/self/statm", &text, NULL, NULL))
		return 0;
	if (sscanf(text, "%ld %ld", &size, &resident) != 2)
		return 0;
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One machine of `bytes` at page_size: its setup, memory and pcp throughput; `label` names it. */
static void run(uint32_t page_size, uint64_t bytes, const char *label)
{
	PsMachineSpec spec;
	GError *error = NULL;
	PsMachine *m;
	double t0, c0, t_setup, c_setup, t_loop;
	uint64_t pages, state_bytes, events = 0;
	ps_pfn_t held[64];
	long rss0 = rss_kb(), rss1;

	make_spec(&spec, page_size, bytes);
	t0 = now_s();
	c0 = cpu_s();
	m = ps_machine_setup(&spec, &error);
	if (!m) {
		fprintf(stderr, "bench-core: %s\n", error->message);
		return;
	}
	t_setup = now_s() - t0;
	c_setup = cpu_s() - c0;
	rss1 = rss_kb();
	pages = m->map.end_pfn - m->map.base_pfn;
	state_bytes = pages * (sizeof(uint32_t) * 2 + 1) +
		      (pages >> m->pageblock_order) * (1 + 2 * sizeof(uint32_t));

	/* Warm the pcp, then alternate bursts of 64 allocations and 64 frees on cpu 0. */
	t0 = now_s();
	for (int round = 0; round < 200000; round++) {
		for (int i = 0; i < 64; i++) {
			PsAllocOutcome out;

			ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE, 0, 0, NULL, &out);
			held[i] = out.pfn;
		}
		for (int i = 0; i < 64; i++)
			ps_free_pages(m, held[i], 0, 0);
		events += 128;
	}
	t_loop = now_s() - t0;

	printf("%-6s %-5s %6.0f GiB  setup %7.3f s (%6.3f s CPU)  peak RSS %8.1f MiB  page state "
	       "%.3f B/page "
	       "(%.3f B/page resident)  pcp order-0 alloc+free %.2f M events/s\n",
	       page_size == 4096    ? "4K"
	       : page_size == 16384 ? "16K"
				    : "64K",
	       label, (double)bytes / (1ull << 30), t_setup, c_setup,
	       (double)peak_rss_kb() / 1024.0, (double)state_bytes / (double)pages,
	       (double)(rss1 - rss0) * 1024.0 / (double)pages, (double)events / t_loop / 1e6);
	ps_machine_free(m);
}

int main(int argc, char **argv)
{
	uint64_t bytes = 1ull << 40;

	if (argc > 1 && !strcmp(argv[1], "--quick"))
		bytes = 64ull << 30;
	printf("bench-core: machine of %.0f GiB, 1 node, 2 cpus\n", (double)bytes / (1ull << 30));
	/*
	 * The first setup is the first touch of its memory by this process; on a VM whose host
	 * hands memory to the guest on demand (free page reporting) that first touch is paid to
	 * the host, at a fraction of memory speed. The second 4K setup reuses the memory the first
	 * freed (warm): what setup costs on its own.
	 */
	run(4096, bytes, "cold");
	run(4096, bytes, "warm");
	run(65536, bytes, "warm");
	return 0;
}
