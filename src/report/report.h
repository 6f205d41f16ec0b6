/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - observing a simulated machine: its state in the kernel's own /proc and debugfs
 * formats, the fragmentation index files, latency histograms, the migratetype fallback matrix,
 * and the run's output files (timeline.csv, latency.csv, events.jsonl).
 *
 * report/ reads the machine and never changes it: a run with reporting off reaches the same final
 * state. The indices themselves are mm/vmstat.c's; report/ only formats them.
 */
#ifndef PS_REPORT_H
#define PS_REPORT_H

#include <glib.h>

#include "mm/mm.h"
#include "util/util.h"

G_BEGIN_DECLS

/* ---- /proc formats (report/procfs.c), byte-for-byte in the layout of Linux 6.18 ----------- */

/* /proc/zoneinfo: every zone of every node, populated or not (kernel-facts §10.3). */
void ps_format_zoneinfo(PsMachine *m, GString *out);
/* /proc/buddyinfo: free blocks per order, populated zones only (§10.1). */
void ps_format_buddyinfo(PsMachine *m, GString *out);
/* /proc/pagetypeinfo: free blocks per order and migratetype, pageblocks per type (§10.2). */
void ps_format_pagetypeinfo(PsMachine *m, GString *out);
/*
 * A zone's pageblocks by migratetype as pagetypeinfo's "Number of blocks type" row counts them:
 * the steps of its walk from start_pfn that have memory (output.c).
 */
void ps_zone_pageblock_counts(const PsMachine *m, const PsZone *z, uint64_t count[PS_MT_TYPES]);
/* /proc/vmstat: zone, NUMA and node counters, then vm events, 6.18 names and order (§10.4). */
void ps_format_vmstat(PsMachine *m, GString *out);

/* ---- fragmentation index text and buddyinfo (report/metrics.c) ---------------------------- */

#include <gio/gio.h>
struct cJSON;

/* Order whose block is 2 MiB at this page size (9 at 4K, 7 at 16K, 5 at 64K). */
unsigned ps_order_2m(const PsMachine *m);
/* NR_FREE_PAGES and NR_FREE_PAGES_BLOCKS as they follow from the counts (kernel-facts §13.8). */
uint64_t ps_nr_free_pages_from_counts(const uint64_t *nr_free, unsigned nr_orders);
uint64_t ps_nr_free_pages_blocks_from_counts(const uint64_t *nr_free, unsigned nr_orders,
					     unsigned pageblock_order);
/* An index in thousandths as a decimal with 3 places: 972 -> "0.972", -1000 -> "-1.000". */
void ps_format_index(GString *out, int index);
/* Debugfs text, one line with its '\n': "Node %d, zone %8s " + per order "%d.%03d " (unusable)
 * or "%2d.%03d " (extfrag), like /sys/kernel/debug/extfrag/{unusable_index,extfrag_index}. */
void ps_format_unusable_index_line(GString *out, int node, const char *zone,
				   const uint64_t *nr_free, unsigned nr_orders);
void ps_format_extfrag_index_line(GString *out, int node, const char *zone, const uint64_t *nr_free,
				  unsigned nr_orders);
/* The whole debugfs file for a machine: one line per populated zone. */
void ps_format_unusable_index(PsMachine *m, GString *out);
void ps_format_extfrag_index(PsMachine *m, GString *out);

/* One line of /proc/buddyinfo. */
typedef struct {
	int node;
	char zone[16];
	unsigned nr_orders;
	uint64_t nr_free[PS_NR_ORDERS_MAX];
} PsBuddyinfoZone;
/*
 * Parses /proc/buddyinfo text (trailing spaces optional, blank lines ignored; every line must have
 * the same number of orders). Returns a GArray of PsBuddyinfoZone, or NULL with
 * "name:line: what is wrong: 'the line'" in *error.
 */
GArray *ps_buddyinfo_parse(const char *text, const char *name, GError **error);

#define PS_REPORT_ERROR (ps_report_error_quark())
GQuark ps_report_error_quark(void);
enum { PS_REPORT_ERROR_PARSE };

/* ---- latency histograms (report/hist.c) ---------------------------------------------------- */

/* Log-bucket histogram of nanosecond values, bounded memory: 16 linear sub-buckets per power of
 * two (relative error <= 1/16), exact max and count. last_v and last_i remember the latest value
 * added and its bucket (invariants: last_i == ps_hist_bucket(last_v), last_v <= max; all zero
 * holds them): a replay's samples repeat one value most of the time (kbuild: 96 % of its faults
 * cost the same), and a repeat then skips the bucket's arithmetic and the max. */
#define PS_HIST_BUCKETS (64 * 16)
typedef struct {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint64_t last_v;
	uint32_t last_i;
	uint32_t b[PS_HIST_BUCKETS];
} PsHist;
void ps_hist_reset(PsHist *h);
/* The bucket holding v: below 32 its own, then 16 sub-buckets per power of two (hist.c). */
static inline unsigned ps_hist_bucket(uint64_t v)
{
	unsigned e;

	if (v < 32)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* fls64(v) - 1 */
	return (e - 3) * 16 + (unsigned)((v >> (e - 4)) & 15);
}

/* Inline: every allocation and fault of a replay adds a sample or two. */
static inline void ps_hist_add(PsHist *h, uint64_t v)
{
	uint32_t n;

	h->count++;
	h->sum += v;
	if (G_UNLIKELY(v != h->last_v)) {
		h->last_v = v;
		h->last_i = ps_hist_bucket(v);
		if (v > h->max)
			h->max = v;
	}
	/* a bucket that wrapped past UINT32_MAX, seen in the sum the add made (a compare before it:
	 * ~7 instructions a sample) */
	n = ++h->b[h->last_i];
	g_assert(n != 0);
}

/*
 * n samples of value v, as n calls of ps_hist_add(h, v) in a row leave h (sim_op_touch adds a
 * run of equal fault latencies at once). A bucket that wraps past UINT32_MAX fails as there.
 */
static inline void ps_hist_add_n(PsHist *h, uint64_t v, uint32_t n)
{
	uint32_t b;

	if (!n)
		return;
	h->count += n;
	h->sum += v * n;
	if (v != h->last_v) {
		h->last_v = v;
		h->last_i = ps_hist_bucket(v);
		if (v > h->max)
			h->max = v;
	}
	b = h->b[h->last_i] + n;
	g_assert(b >= n);
	h->b[h->last_i] = b;
}
void ps_hist_merge(PsHist *into, const PsHist *from);
/* Value at quantile q in [0,1] (upper edge of the bucket holding it, capped at max); 0 if empty. */
uint64_t ps_hist_quantile(const PsHist *h, double q);
/* The largest value bucket i (ps_hist_bucket) holds. */
uint64_t ps_hist_bucket_upper(unsigned i);

/* ---- output files (report/output.c) -------------------------------------------------------- */

/* Outputs are atomic files (PsAtomicFile, ps_write_file_atomic: util/util.h). */

/* Per-zone facts the sampler cannot read from the machine itself, filled by the simulator. */
typedef struct {
	uint64_t mixed_pageblocks; /* pageblocks holding allocated pages of another mobility */
	uint32_t kswapd_active;	   /* 1 if the node's kswapd ran during the sample window */
	uint32_t kcompactd_active; /* likewise kcompactd */
	uint64_t direct_reclaims;  /* node's allocations that entered direct reclaim, this sample */
	uint64_t oom_kills;	   /* OOM kills since the previous sample (machine-wide) */
} PsZoneSampleExtra;

/*
 * timeline.csv: one row per sample and populated zone. Columns (header line first):
 *   t_ns,node,zone,free_pages,free_bytes,
 *   free_blocks_o0..free_blocks_o<MAX>  (one column per order of this machine)
 *   unusable_pb,fragindex_pb,unusable_2m,fragindex_2m  (3 decimals, like debugfs)
 *   largest_free_bytes,free_pageblocks,
 *   pb_unmovable,pb_movable,pb_reclaimable,pb_highatomic,pb_isolate,mixed_pageblocks,
 *   wmark_min,wmark_low,wmark_high  (boosted, pages)
 *   boost,wmark_state  (ok|below_high|below_low|below_min)
 *   kswapd_active,kcompactd_active,direct_reclaims,oom_kills
 * free_pages is NR_FREE_PAGES; free_pageblocks counts whole free pageblocks in the buddy; pb_*
 * count pageblocks as /proc/pagetypeinfo does; wmark_state names the highest mark with
 * free <= mark (an order-0 check against it fails).
 */
typedef struct PsTimeline PsTimeline;
PsTimeline *ps_timeline_new(const char *path, const PsMachine *m, GError **error);
void ps_timeline_sample(PsTimeline *tl, uint64_t t_ns, PsMachine *m,
			const PsZoneSampleExtra *extra /* [m->nr_zones] or NULL */);
gboolean ps_timeline_close(PsTimeline *tl, GError **error); /* commits and frees */
void ps_timeline_abort(PsTimeline *tl);

/*
 * Latency rows: the allocation paths (ps_alloc_path_names), then "fault": anonymous first-touch
 * page faults (touch records, and recorded allocations that stand for such a fault), whole
 * fault from entry to return, whatever path their allocation took. Those samples are in their
 * path's row as well; the fault row is what a program timing its first writes measures.
 * Then "file_fault": read faults of a file mapping (do_read_fault: fault-around maps page-cache
 * pages and allocates at most a PTE page, whose allocation is in its path's row), kept apart
 * because they allocate no page of their own and would otherwise pull the fault row's
 * quantiles down on portable traces. Its cost is the modelled fault entry (costs.fault_ns,
 * fitted to anonymous first writes) plus that PTE page: filemap_map_pages' work per PTE of
 * the fault-around window (16 at 4 KiB, 4 at 16 KiB, 1 at 64 KiB) is not costed, for want of a
 * measurement, so the row's figure does not vary with the page size beyond the PTE page.
 * Neither row is an allocation path: ps_lat_row_is_fault.
 */
#define PS_LAT_FAULT	  PS_NR_ALLOC_PATHS
#define PS_LAT_FILE_FAULT (PS_NR_ALLOC_PATHS + 1)
#define PS_NR_LAT_ROWS	  (PS_NR_ALLOC_PATHS + 2)
const char *ps_lat_row_name(int row);
/* true for a fault row's name (latency.csv, latency_hist.csv, summary.json "latency") */
bool ps_lat_row_is_fault(const char *name);

/* latency.csv: per window and latency row:
 *   t_start_ns,t_end_ns,path,count,p50_ns,p90_ns,p99_ns,p999_ns,max_ns
 * (rows only for those with count > 0, named by ps_lat_row_name). */
typedef struct PsLatencyLog PsLatencyLog;
PsLatencyLog *ps_latency_log_new(const char *path, GError **error);
void ps_latency_log_window(PsLatencyLog *l, uint64_t t_start, uint64_t t_end,
			   const PsHist *hists /* [PS_NR_LAT_ROWS] */);
gboolean ps_latency_log_close(PsLatencyLog *l, GError **error);
void ps_latency_log_abort(PsLatencyLog *l);

/* events.jsonl: one compact JSON object per line {"t":..,"type":"..", ...fields}; takes
 * ownership of `fields` (a cJSON object, may be NULL; must not hold "t" or "type"). */
typedef struct PsEventLog PsEventLog;
PsEventLog *ps_event_log_new(const char *path, GError **error);
void ps_event_log_write(PsEventLog *l, uint64_t t_ns, const char *type, struct cJSON *fields);
gboolean ps_event_log_close(PsEventLog *l, GError **error);
void ps_event_log_abort(PsEventLog *l);

/* ---- fallback matrix (report/fallbacks.c) ------------------------------------------------- */

/* Counts of migratetype fallbacks seen through the mm extfrag hook; writes fallbacks.csv:
 *   alloc_mt,fallback_mt,fragmenting,claimed,count  (every pcp-type combination, zeros too) */
typedef struct PsFallbackStats PsFallbackStats;
PsFallbackStats *ps_fallback_stats_new(const PsMachine *m);
void ps_fallback_stats_free(PsFallbackStats *f);
/* Its counts as a table of saved arrays (util/state.c). */
void ps_fallback_stats_state(PsFallbackStats *f, PsStateTable *t);
void ps_fallback_stats_attach(PsFallbackStats *f, PsMachine *m); /* registers the hook */
uint64_t ps_fallback_stats_count(const PsFallbackStats *f, enum ps_migratetype alloc_mt,
				 enum ps_migratetype fb_mt, bool fragmenting, bool claimed);
gboolean ps_fallback_stats_write(const PsFallbackStats *f, const char *path, GError **error);

/* ---- whole-run latency histograms (report/lathist.c) -------------------------------------- */

/* latency_hist.csv: path,upper_ns,count,cum_fraction - one row per non-empty bucket. */
gboolean ps_latency_hist_write(const char *path, const PsHist *hists /* [PS_NR_LAT_ROWS] */,
			       GError **error);

G_END_DECLS

#endif
