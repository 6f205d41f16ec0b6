/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trace.h - pagesim traces: the JSON Lines format v1 (optionally gzip-compressed), a streaming
 * reader and a writer shared by generators and importers, and the workload generators.
 *
 * A trace is a header object line followed by one event per line, times in nanoseconds from the
 * trace start (workloads/README.md documents every field; workloads/trace.schema.json is the
 * JSON Schema). trace/ hands plain structs to the rest and knows nothing of the model.
 */
#ifndef PS_TRACE_H
#define PS_TRACE_H

#include <glib.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

#define PS_TRACE_VERSION 1

#define PS_TRACE_MAX_CPUS      8192 /* NR_CPUS bound: cpus in the header, cpu fields below it */
#define PS_TRACE_MIN_PAGE_SIZE 4096 /* page_size in the header: a power of two in this range */
#define PS_TRACE_MAX_PAGE_SIZE 65536
#define PS_TRACE_EVENT_MAX     4096	 /* bytes a formatted event or header line can take */
#define PS_TRACE_LINE_MAX      (1 << 20) /* longest line the reader accepts, bytes */

enum ps_trace_op {
	PS_OP_ALLOC,
	PS_OP_FREE,
	PS_OP_PROC,
	PS_OP_EXIT,
	PS_OP_MAP,
	PS_OP_TOUCH,
	PS_OP_UNMAP,
	PS_OP_COMPACT,
	PS_OP_SYSCTL,
	PS_OP_DROP_CACHES,
	PS_OP_OBSERVED,
	PS_OP_CACHE_ADD,    /* page cache brought in over (file, offset, len) */
	PS_OP_CACHE_REMOVE, /* page cache of (file, offset, len) removed, for a reason */
	PS_OP_ZONE_GROW,    /* a zone grew: pages came online (memory hotplug, late init) */
	PS_NR_TRACE_OPS
};
extern const char *const ps_trace_op_names[PS_NR_TRACE_OPS]; /* "alloc", "free", ... */

/* What an allocation is for (reclaim and the claim heuristic depend on it). */
enum ps_alloc_kind {
	PS_KIND_UNSPEC, /* not given: derived from the GFP flags by the simulator */
	PS_KIND_ANON,
	PS_KIND_FILE,
	PS_KIND_SLAB_RECLAIMABLE,
	PS_KIND_KERNEL,	   /* unmovable kernel memory nothing more is known of ("other") */
	PS_KIND_SLAB,	   /* unreclaimable slab */
	PS_KIND_PAGETABLE, /* page-table pages */
	PS_KIND_STACK,	   /* one kernel stack: THREAD_SIZE of the simulated machine */
	PS_NR_ALLOC_KINDS
};
extern const char *const ps_alloc_kind_names[PS_NR_ALLOC_KINDS]; /* "", "anon", "file", ... */

/*
 * Why page cache went (cache_remove's `reason`) or came (cache_add's: none for a read or
 * readahead, "fault" or "exec" for the window a page fault read, do_sync_mmap_readahead,
 * "write" for a folio a write made, "shmem" for tmpfs/shmem pages).
 */
enum ps_cache_reason {
	PS_CACHE_TRUNCATE, /* truncate_inode_pages_range of a shrinking file */
	PS_CACHE_UNLINK,   /* the last link and user went: the whole mapping */
	PS_CACHE_DROP,	   /* drop_caches, fadvise(DONTNEED), invalidate_mapping_pages */
	PS_CACHE_RECLAIM,  /* the recording kernel's reclaim evicted it */
	PS_NR_CACHE_REMOVE_REASONS,
	/* cache_add: mmap read-around of a fault (ra_pages around it, order 0) */
	PS_CACHE_FAULT = PS_NR_CACHE_REMOVE_REASONS,
	PS_CACHE_EXEC, /* cache_add: a fault's window in a VM_EXEC mapping (no async mark) */
	/* cache_add: one folio a write made (write_begin -> __filemap_get_folio, its order from
	 * the write's length), not readahead */
	PS_CACHE_WRITE,
	/* cache_add: tmpfs/shmem page cache (shmem_get_folio_gfp -> shmem_alloc_and_add_folio),
	 * its folio sizes from shmem_enabled, not readahead */
	PS_CACHE_SHMEM,
	PS_NR_CACHE_REASONS
};
extern const char *const ps_cache_reason_names[PS_NR_CACHE_REASONS];

/*
 * Who freed a page (free's optional `reason`), named after the kernel's pgsteal_kswapd and
 * pgsteal_direct: the recording kernel's own reclaim, which a policy replay does not repeat.
 */
enum ps_free_reason {
	PS_FREE_UNSPEC,		/* not given: an ordinary free */
	PS_FREE_RECLAIM_KSWAPD, /* in a kswapd task */
	PS_FREE_RECLAIM_DIRECT, /* in a task between its direct reclaim begin and end */
	PS_FREE_MIGRATED,	/* a migrated folio's old pages: its data lives on where
				   remove_migration_pte put it, under the allocation's id */
	PS_NR_FREE_REASONS
};
extern const char *const ps_free_reason_names[PS_NR_FREE_REASONS]; /* "", "reclaim_kswapd", .. */

/*
 * The context a recorded event ran in (optional `irq` on alloc, free and observed records): the
 * hardirq/softirq column of the ftrace line ("d.s1.": 's' softirq, 'h' hardirq, 'H' hardirq
 * during softirq, 'z'/'Z' NMI; kernel/trace/trace_output.c). A task's own records have none.
 */
enum ps_irq_ctx {
	PS_IRQ_NONE,	/* task context (or not recorded) */
	PS_IRQ_SOFTIRQ, /* 's' */
	PS_IRQ_HARDIRQ, /* 'h', 'H' */
	PS_IRQ_NMI,	/* 'z', 'Z' */
	PS_NR_IRQ_CTX
};
extern const char *const ps_irq_ctx_names[PS_NR_IRQ_CTX]; /* "", "softirq", "hardirq", "nmi" */

#define PS_TRACE_FILE_MAX 64 /* bytes of a `file` name with its NUL */
/* bytes of a `proc` record's memcg path with its NUL (it shares the `file` name's room) */
#define PS_TRACE_MEMCG_MAX PS_TRACE_FILE_MAX

/*
 * The allocator-internal kernel events an `observed` record carries (importers keep them; policy
 * replay only counts them, pinned replay follows them, the fidelity report compares against
 * them). Named in traces by their tracepoint names.
 */
enum ps_observed_event {
	PS_OBS_ZONE_LOCKED,		/* mm_page_alloc_zone_locked */
	PS_OBS_PCPU_DRAIN,		/* mm_page_pcpu_drain */
	PS_OBS_EXTFRAG,			/* mm_page_alloc_extfrag */
	PS_OBS_COMPACTION_BEGIN,	/* mm_compaction_begin */
	PS_OBS_COMPACTION_END,		/* mm_compaction_end */
	PS_OBS_KCOMPACTD_WAKE,		/* mm_compaction_kcompactd_wake */
	PS_OBS_KSWAPD_WAKE,		/* mm_vmscan_kswapd_wake */
	PS_OBS_KSWAPD_SLEEP,		/* mm_vmscan_kswapd_sleep */
	PS_OBS_DIRECT_RECLAIM_BEGIN,	/* mm_vmscan_direct_reclaim_begin */
	PS_OBS_DIRECT_RECLAIM_END,	/* mm_vmscan_direct_reclaim_end */
	PS_OBS_COMPACTION_MIGRATEPAGES, /* mm_compaction_migratepages */
	/*
	 * mm_compaction_isolate_freepages: isolate_freepages_block's walk, pfn = the range's start,
	 * len = pfns walked to where it stopped (the printed end - start; absent when 0), value =
	 * nr_taken, the free pages it took as migration targets (no per-page tracepoint)
	 */
	PS_OBS_COMPACTION_ISOLATE_FREEPAGES,
	/*
	 * mm_page_alloc / mm_page_free of a page no earlier allocator event of the recording
	 * named, in a --portable import (its allocations are touch and bytes records without a
	 * pfn): the recording's first word on that pfn, which the snapshot start reads (the pcp
	 * lists at the start, snapshot-pcp.c; LRU folios free at the start, snapshot-stale.c)
	 */
	PS_OBS_PAGE_ALLOC,
	PS_OBS_PAGE_FREE,
	/*
	 * mm_compaction_fast_isolate_freepages: fast_isolate_freepages' search of the free lists,
	 * pfn = min_pfn (the range's start, the lowest block it may take), len = the free scanner's
	 * free_pfn - min_pfn, value = nr_taken: 0, or the one free block (1 << order pages) it took
	 * off a MOVABLE free list as a migration target (no per-page tracepoint)
	 */
	PS_OBS_COMPACTION_FAST_ISOLATE_FREEPAGES,
	PS_NR_OBSERVED_EVENTS
};
extern const char *const ps_observed_event_names[PS_NR_OBSERVED_EVENTS];

/*
 * One pcp list of one cpu at the start of a recording, as a portable import found it (the
 * header's pcp_start): the bytes of recorded pages that list held when tracing began, as far
 * as the recording names them (import.c, note_pcp_start).
 */
typedef struct {
	uint16_t cpu;
	uint8_t order;	     /* the list's order (at most PS_TRACE_PCP_START_ORDER) */
	uint8_t migratetype; /* the list's type: 0 Unmovable, 1 Movable, 2 Reclaimable */
	uint8_t pad[4];	     /* zero: the trace cache keeps the lists' bytes (cache.c) */
	uint64_t bytes;	     /* pages of the recording's page size, in bytes */
} PsTracePcpStart;

/*
 * pcp_start: lists of orders up to PAGE_ALLOC_COSTLY_ORDER, up to this many in a header: every
 * list (3 pcp types of 4 orders) of 2,048 cpus. The bound is the header line's: a list takes at
 * most 33 characters ("[8191,3,2,N]," with a 20-digit N), so 24,576 of them stay under 811 KiB,
 * inside PS_TRACE_LINE_MAX, the longest line the reader takes back. A portable import of a
 * machine with more (non-empty) lists leaves the rest out and says so (import.c).
 */
#define PS_TRACE_PCP_START_ORDER 3
#define PS_TRACE_PCP_START_MAX	 24576

/* The header line. */
typedef struct {
	int version;	    /* pagesim_trace */
	char source[32];    /* "gen:kbuild", "ftrace", "perf", "trace-cmd", ... */
	uint32_t page_size; /* page size of the recording, bytes */
	int cpus;	    /* CPUs of the recording (cpu fields are < cpus) */
	/*
	 * Optional: the machine and boot the recording was made on, as pagesim-capture's MACHINE
	 * file says it ("host=NAME boot_id=UUID kernel=RELEASE"); "" when not known. Records with
	 * pfns (observed, pinned) hold only on that boot's snapshot: a replay from a snapshot whose
	 * directory names another machine warns (sim/snapshot.c).
	 */
	char machine[160];
	/*
	 * Optional: when the recording shows mm/vmstat.c's vmstat_update running, ns from the first
	 * record (pagesim import: the first pcp drain a kworker recorded, see import.c). It re-arms
	 * itself with round_jiffies_relative(sysctl_stat_interval), so every cpu's runs sit on one
	 * grid of whole jiffy seconds, whose phase against the trace's clock this gives; the
	 * model's pcp decay runs on that grid (sim/replay.c). has_vmstat_update false: unknown.
	 */
	bool has_vmstat_update;
	uint64_t vmstat_update_ns;
	/*
	 * Optional: a portable import's pcp lists at the start (PsTracePcpStart, ascending cpu,
	 * order, migratetype, no list twice, no zero bytes). A portable trace has no per-page
	 * records for the snapshot start's walk to count from (sim/snapshot-pcp.c); a replay
	 * from the recording's snapshot fills these lists from it. has_pcp_start false: not
	 * known (an exact import, a generated trace, an older portable import).
	 * pcp_start is a flat array of n_pcp_start lists, as long as the recording needs (NULL
	 * when there are none). Who filled the header owns it: ps_trace_parse_header's caller
	 * frees it with ps_trace_header_clear; a header a reader hands out (ps_trace_reader_open
	 * and _open_cached) borrows the reader's, valid until the reader is closed, and is not
	 * cleared. A copy of a header shares the array.
	 */
	bool has_pcp_start;
	int n_pcp_start;
	PsTracePcpStart *pcp_start;
} PsTraceHeader;

/*
 * One event. Fields not used by an op keep their "unset" values: -1 for cpu/pid/order/node,
 * 0 for the rest, has_* false.
 */
typedef struct {
	uint64_t t_ns;
	enum ps_trace_op op;
	uint64_t id;	/* alloc, free */
	int cpu;	/* alloc, free (-1 = the allocating cpu), observed, cache_*, exit, map,
			   touch, unmap (-1 = none: the simulator picks one) */
	int pid;	/* alloc, proc, exit, map, touch, unmap, cache_* */
	int order;	/* alloc: recorded page count as an order; -1 when bytes is used */
	uint64_t bytes; /* alloc: requested size, rounded up to the simulated page size */
	uint64_t gfp;	/* alloc: GFP bits */
	bool has_gfp;
	enum ps_alloc_kind kind; /* alloc */
	int node;		 /* alloc: requested node, -1 = none; zone_grow: the zone's */
	uint64_t pfn;		 /* alloc: recorded pfn; zone_grow: first pfn that came online */
	bool has_pfn;
	bool failed;	    /* alloc: the recording's allocation failed (it has no pfn) */
	char comm[16];	    /* proc: TASK_COMM_LEN */
	char mempolicy[64]; /* proc: the task's memory policy, numactl style ("interleave:0,1");
			       empty = default (local) */
	int oom_score_adj;  /* proc: -1000..1000 */
	int forked_by;	    /* proc: the task whose fork made this one without a copy of its
			       memory (vfork, a thread; key "forked_by"; 0 = none or unknown) */
	uint64_t addr;	    /* map, touch, unmap: virtual address, bytes */
	uint64_t len;	    /* map, touch, unmap, cache_*: length, bytes; zone_grow: pages
			       (key "pages"), from pfn when has_pfn */
	bool thp;	    /* map: the range is madvise(MADV_HUGEPAGE) */
	char name[64];	    /* sysctl: name as under /proc/sys/vm, e.g. "min_free_kbytes" */
	int64_t value;	    /* sysctl: value; compact: order (-1 = whole zones); observed: value;
			       zone_grow: the zone (enum ps_zone_type, key "zone" by name);
			       proc: the forking task whose memory this one's copies (key
			       "parent"; 0 = none) */
	/* observed (free takes order and pfn too); -1 = unset for every int below */
	enum ps_observed_event event;
	int migratetype;
	int fallback_order;
	int fallback_migratetype;
	int8_t percpu_refill; /* 0/1 */
	int8_t fragmenting;
	int8_t change_ownership;
	int8_t irq; /* alloc, free, observed: enum ps_irq_ctx, key "irq" by name */
	/*
	 * free, key "pcp_locked" (an interrupt's free only): an interrupt's free on a cpu whose
	 * task held the pcp lock, which free_frozen_pages sends to the buddy (free_one_page) when
	 * pcp_spin_trylock fails. An importer writes it for a free inside the task's
	 * free_unref_folios commits (import.c, in_commit_loop); the replay sets it too as it reads
	 * a record after a drain or a refill (replay.c, note_pcp_lock)
	 */
	int8_t pcp_locked;
	/* cache_add, cache_remove: the file ("dev:inode" from an importer), a byte range in it
	 * (offset, and len: 0 in cache_remove = to the end of the file) and why it went */
	union {
		char file[PS_TRACE_FILE_MAX];
		/* proc: the task's memory cgroup, its path in the memory controller's hierarchy
		 * ("/" the root; empty = unknown: the fork parent's, else the root) */
		char memcg[PS_TRACE_MEMCG_MAX];
		/*
		 * observed mm_compaction_begin, keys "zone_start", "migrate_pfn", "free_pfn",
		 * "zone_end" and "sync", all or none (has_start): where compact_zone started, as
		 * the tracepoint prints it after the scanners' starts are clamped to the zone
		 * (6.14 mm/compaction.c compact_zone): the zone's span [zone_start, zone_end), the
		 * migrate and free scanners' first pfns, and sync for any mode but MIGRATE_ASYNC
		 * (mode=sync). Imports before Dec 2026 have none
		 */
		struct {
			uint64_t zone_start, migrate_pfn, free_pfn, zone_end;
			bool has_start;
			bool sync;
		} compact;
	};
	uint64_t offset;
	enum ps_cache_reason reason;
	enum ps_free_reason free_reason; /* free: its `reason` */
	/* set by the reader: the line of the trace the event was read from (0: not from a file),
	 * so that an error found when the event runs, later than it was read, names it */
	uint64_t line;
} PsTraceEvent;

/*
 * A PsTraceEvent's fields but its texts (comm, mempolicy, name and the file/memcg/compact union)
 * lie in four byte ranges: [0, SEG1_END), [SEG2, SEG2_END), [SEG3, SEG3_END) and [SEG4, the
 * end), 156 of its 376 bytes on x86-64. The importer's ring packs them; the replay copies only
 * them for a record that waits for its cpu and has no text.
 */
#define PS_TRACE_EV_SEG1_END offsetof(PsTraceEvent, comm)
#define PS_TRACE_EV_SEG2     offsetof(PsTraceEvent, oom_score_adj)
#define PS_TRACE_EV_SEG2_END offsetof(PsTraceEvent, name)
#define PS_TRACE_EV_SEG3     offsetof(PsTraceEvent, value)
#define PS_TRACE_EV_SEG3_END offsetof(PsTraceEvent, file)
#define PS_TRACE_EV_SEG4     offsetof(PsTraceEvent, offset)

void ps_trace_event_init(PsTraceEvent *ev);
/*
 * A memory cgroup path as a `proc` record and pagesim-capture's memcgs file carry it: "/" or
 * '/'-separated names of printable ASCII without spaces, no empty, "." or ".." name, at most
 * PS_TRACE_MEMCG_MAX - 1 bytes. error may be NULL.
 */
gboolean ps_check_memcg_path(const char *path, GError **error);

#define PS_TRACE_ERROR (ps_trace_error_quark())
GQuark ps_trace_error_quark(void);
enum { PS_TRACE_ERROR_PARSE, PS_TRACE_ERROR_IO };

/*
 * Parses one event line (no trailing newline needed). Errors name the field and what is wrong
 * ("order: must be an integer 0..15"), without file:line (the reader adds it).
 */
gboolean ps_trace_parse_line(const char *line, gsize len, PsTraceEvent *ev, GError **error);
/* Parses the header line. */
gboolean ps_trace_parse_header(const char *line, gsize len, PsTraceHeader *hdr, GError **error);
/* Frees what ps_trace_parse_header allocated in hdr (its pcp_start); hdr stays a valid header. */
void ps_trace_header_clear(PsTraceHeader *hdr);

/*
 * The checks the parser makes, on a filled-in event or header: what the writer refuses to write
 * (cross-record checks, time order and cpu < cpus, are the reader's and the writer's).
 */
gboolean ps_trace_event_check(const PsTraceEvent *ev, GError **error);
gboolean ps_trace_header_check(const PsTraceHeader *hdr, GError **error);

/*
 * A MACHINE file as pagesim-capture writes it (one line, "host=NAME boot_id=UUID
 * kernel=RELEASE") into out (size bytes, at least 2), the newline dropped. FALSE with
 * "PATH:LINE: machine: what is wrong" when it cannot be read, has more than one line, is empty,
 * not UTF-8 or longer than size - 1 bytes.
 */
gboolean ps_trace_machine_read(const char *path, char *out, gsize size, GError **error);
/*
 * The canonical line of a checked event or header, newline included, into buf (at least
 * PS_TRACE_EVENT_MAX bytes for an event, ps_trace_header_max_len(hdr) for a header, not
 * NUL-terminated); returns its length. Parsing a canonical line and formatting it again gives
 * the same bytes.
 */
gsize ps_trace_format_event(const PsTraceEvent *ev, char *buf);
gsize ps_trace_format_header(const PsTraceHeader *hdr, char *buf);
/* The longest line ps_trace_format_header can make of hdr: PS_TRACE_EVENT_MAX and its lists'. */
gsize ps_trace_header_max_len(const PsTraceHeader *hdr);

/* ---- reader ------------------------------------------------------------------------------- */

typedef struct PsTraceReader PsTraceReader;

/* Opens a trace ("-" = standard input), gzip detected by magic bytes, and reads the header. */
PsTraceReader *ps_trace_reader_open(const char *path, PsTraceHeader *hdr, GError **error);
/*
 * Next event: 1 = *ev filled, 0 = end of trace, -1 = error ("file:line: field: what is wrong").
 * Checks that time never goes backwards and that cpu is below the header's cpus. Memory stays
 * constant whatever the trace length (lines are capped at PS_TRACE_LINE_MAX).
 */
int ps_trace_reader_next(PsTraceReader *r, PsTraceEvent *ev, GError **error);
/*
 * The same without a copy: *ev points at the reader's own record, valid until the next call to
 * either, a rewind or the close (a record is ~370 bytes, copied 2-3 times a record was ~10 % of
 * a replay from the cache).
 */
int ps_trace_reader_next_ref(PsTraceReader *r, const PsTraceEvent **ev, GError **error);
/*
 * A cache entry's decoder (trace/cache.c), for a loop that takes every record of a cached reader:
 * ps_trace_reader_cache_in gives it (NULL when the reader parses JSONL), and ps_cache_in_next(c)
 * is ps_trace_reader_next_ref(r) without the reader's frame and test (~9 instructions a record
 * of a replay). Next record: 1, 0 at the end, -1 with "PATH: record N: ..." when the payload is
 * inconsistent. *ev points at the decoder's record (the base of the next one's delta): valid
 * until the next call or a rewind.
 */
typedef struct PsCacheIn PsCacheIn;
PsCacheIn *ps_trace_reader_cache_in(PsTraceReader *r);
int ps_cache_in_next(PsCacheIn *c, const PsTraceEvent **ev, GError **error);
uint64_t ps_trace_reader_line(const PsTraceReader *r); /* line number of the last event */
const char *ps_trace_reader_path(const PsTraceReader *r);
uint64_t ps_trace_reader_count(const PsTraceReader *r); /* events handed out so far */
/* Events in the whole trace when the reader knows it ahead (a cache entry), else 0. */
uint64_t ps_trace_reader_total(const PsTraceReader *r);
void ps_trace_reader_close(PsTraceReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsTraceReader, ps_trace_reader_close)

/* ---- binary trace cache (trace/cache.c; the format is documented there) ------------------- */

/*
 * The cache directory: $PAGESIM_TRACE_CACHE when set ("" or "off": NULL, no cache), else
 * g_get_user_cache_dir()/pagesim. Newly allocated.
 */
char *ps_trace_cache_dir_default(void);
/* DIR/HEX-KEY.pstc for a "sha256:HEX" digest, KEY this build's record layout key. */
char *ps_trace_cache_entry_path(const char *cache_dir, const char *digest);

/*
 * ps_trace_reader_open through the cache in cache_dir (NULL: no cache, as ps_trace_reader_open).
 * digest: the file's "sha256:..." when the caller has it, else computed here. A valid entry is
 * mapped and read instead of the JSONL; without one, the JSONL is parsed and, when the whole
 * trace has been read without error, a new entry is written atomically (an entry that exists but
 * is stale or corrupt is reported on stderr, ignored and replaced). Events, errors and line
 * numbers are the same either way. A compiled trace (pagesim trace compile -o) given as path is
 * read directly, by either open.
 */
PsTraceReader *ps_trace_reader_open_cached(const char *path, const char *cache_dir,
					   const char *digest, PsTraceHeader *hdr, GError **error);
/* Whether events come from a compiled trace or cache entry (then the reader can rewind). */
bool ps_trace_reader_cached(const PsTraceReader *r);
/* The trace's digest when it was worked out on open (open_cached), else NULL. */
const char *ps_trace_reader_digest(const PsTraceReader *r);

/* A position of a cached reader to come back to (ps_trace_reader_cached only). */
typedef struct {
	uint64_t pos, count, last_t_ns, last_line;
	PsTraceEvent prev[PS_NR_TRACE_OPS]; /* the decoder's base of each op */
} PsTraceReaderMark;
void ps_trace_reader_mark(const PsTraceReader *r, PsTraceReaderMark *m);
void ps_trace_reader_rewind(PsTraceReader *r, const PsTraceReaderMark *m);

/*
 * Compiles a JSONL trace: into its cache entry in cache_dir when out_path is NULL (nothing is
 * parsed when a valid entry exists), else into the file out_path. digest may be NULL. *written
 * (may be NULL) gets the path written, *records (may be NULL) the number of records.
 */
gboolean ps_trace_compile(const char *path, const char *out_path, const char *cache_dir,
			  const char *digest, char **written, uint64_t *records, GError **error);

/* ---- writer ------------------------------------------------------------------------------- */

typedef struct PsTraceWriter PsTraceWriter;

/*
 * The writer's libdeflate level for ".gz" outputs (writer.c says why 1). Fixed: a change changes
 * every gzip'd trace's bytes, not its text.
 */
#define PS_WRITER_GZ_LEVEL 1

/*
 * Writes to a temporary name beside `path` and renames on a successful close, so an interrupted
 * run never leaves a half-written trace under the final name; "-" = standard output. A path
 * ending in ".gz" is gzip-compressed. Output is canonical (fixed key order, no spaces), so the
 * same events always give the same bytes.
 */
PsTraceWriter *ps_trace_writer_new(const char *path, const PsTraceHeader *hdr, GError **error);
/*
 * Refuses (FALSE, nothing written) an event that fails ps_trace_event_check, goes back in time or
 * names a cpu >= the header's cpus; the writer stays usable. After an I/O error every call fails
 * and close aborts.
 */
gboolean ps_trace_writer_write(PsTraceWriter *w, const PsTraceEvent *ev, GError **error);
gboolean ps_trace_writer_close(PsTraceWriter *w, GError **error); /* also frees */
/*
 * As ps_trace_writer_new, but the header line is written at close (ps_trace_writer_close_header),
 * in front of the records: for a header that says what the records showed. hdr's cpus bounds the
 * records and the final header must have the same. Not for standard output. The text is what
 * ps_trace_writer_new with the final header gives; the close copies the file once.
 */
PsTraceWriter *ps_trace_writer_new_header_last(const char *path, const PsTraceHeader *hdr,
					       GError **error);
/* The close of a header_last writer, with the header to put in front (also frees). */
gboolean ps_trace_writer_close_header(PsTraceWriter *w, const PsTraceHeader *hdr, GError **error);
void ps_trace_writer_abort(PsTraceWriter *w); /* removes the temp file, frees */
uint64_t ps_trace_writer_count(const PsTraceWriter *w);

/* ---- importers (trace/import.c) ----------------------------------------------------------- */

/* Text formats of recorded kernel tracepoints that `pagesim import` reads. */
typedef enum {
	PS_IMPORT_AUTO, /* from the text itself */
	PS_IMPORT_FTRACE,
	PS_IMPORT_PERF,
	PS_IMPORT_TRACE_CMD,
	PS_NR_IMPORT_FORMATS
} PsImportFormat;
extern const char *const ps_import_format_names[PS_NR_IMPORT_FORMATS]; /* "ftrace", ... */

typedef struct {
	PsImportFormat format;
	uint32_t page_size; /* of the recording machine; 0 = 4096 */
	int cpus;	    /* 0 = from the text (#P:, cpus=, or the highest cpu seen) */
	/*
	 * What memory is for instead of which pages held it (a --portable capture): VMAs, first
	 * touches, page-cache ranges, kernel memory as bytes + kind; no `order` records.
	 */
	bool portable;
	/*
	 * With portable: also the recording's allocator events as `observed` records, and the first
	 * mm_page_alloc / mm_page_free naming each pfn as an observed one. They are pfns of the
	 * recording machine: a replay from that machine's own snapshot starts from the pcp lists
	 * and free LRU folios they show, as the exact import's would; from another machine's
	 * snapshot they would be wrong (so not by default).
	 */
	bool portable_observed;
	/*
	 * Task memory policies the recording cannot show (set_mempolicy leaves no event the
	 * importer reads): from ts_ns on, pid's proc records carry policy. Sorted by ts_ns.
	 */
	const struct PsImportMempolicy *mempolicies;
	int n_mempolicies;
	/* the header's machine (PsTraceHeader.machine), NULL or "": none */
	const char *machine;
	/*
	 * pagesim-capture's before.tasks (NULL: none): "PID PATH" the memcg of each task when
	 * tracing started, "* PATH" the capture's own (where the command and any task first seen
	 * in the trace start); proc records carry the task's memcg, cgroup_attach_task lines move
	 * it
	 */
	const char *tasks;
	/*
	 * How far (lines) the first pass reads ahead of the main pass before the main pass assumes
	 * what a later line could still change (see import.c's prepass); 0: the default,
	 * UINT64_MAX: never assume, wait. The output is the same for every value: a test's knob.
	 */
	uint64_t first_lead;
} PsImportOptions;

/* One --mempolicy PID@SECONDS=POLICY of `pagesim import`. */
typedef struct PsImportMempolicy {
	int pid;
	uint64_t ts_ns;	 /* the recording's own timestamp (tracefs seconds), in ns */
	char policy[64]; /* numactl spelling; empty = default */
} PsImportMempolicy;

/* "PID@SECONDS=POLICY" (POLICY empty or "default" = the default policy) into *out. */
gboolean ps_import_mempolicy_parse(const char *arg, PsImportMempolicy *out, GError **error);

/* What a portable import made of the recording (import.c). */
typedef struct {
	uint64_t user_pages;			  /* movable pages allocated: anon and page cache */
	uint64_t kernel_pages[PS_NR_ALLOC_KINDS]; /* other pages, written as bytes + kind */
	uint64_t pgtable_pages;		/* GFP_PGTABLE_USER order-0 pages: the simulator's own */
	uint64_t gather_pages;		/* GFP_NOWAIT order-0 pages (mmu_gather): the simulator's */
	uint64_t kernel_frees_dropped;	/* frees of dropped (user) pages */
	uint64_t faults, faults_repeat; /* user faults; of them on a page already touched */
	uint64_t faults_file, faults_unknown; /* in a file mapping; in no mapping we know */
	uint64_t faults_cow; /* write faults of those two: an anonymous page (touch records) */
	/* page_fault_kernel: on user addresses (in faults above), on the kernel's own (left out) */
	uint64_t faults_kernel, faults_kernel_skipped;
	uint64_t shmem_adds; /* cache_add records of tmpfs pages found by their deletion */
	/* readahead pages freed before any page-cache insertion (filemap_add_folio failed):
	 * written as alloc + free pairs of kind file; pairs and pages */
	uint64_t ra_pairs, ra_pair_pages;
	uint64_t touches;      /* touch records (one recorded page each) */
	uint64_t file_touches; /* touch records of kind file: reads outside anonymous memory */
	uint64_t cow_copies;   /* touch records of kind anon: repeat write faults that copied */
	uint64_t large_faults; /* large folios that served a first touch: their range touched */
	uint64_t maps, unmaps, brk_moves, mremaps, madv_thp, madv_dontneed, madv_other;
	uint64_t forks, execs, exits;
	uint64_t fork_copies; /* forks that copied the mm (page tables before the fork) */
	uint64_t cache_adds, cache_add_bytes; /* records, bytes */
	uint64_t ra_windows;		      /* page_cache_ra_order events (port_ra) */
	uint64_t ra_pages_max; /* their largest ra_pages: the recording's read_ahead_kb in pages */
	uint64_t cache_fault_bytes, cache_exec_bytes; /* added in fault / exec windows */
	uint64_t cache_removes, cache_remove_bytes;   /* records, bytes */
	uint64_t cache_removes_reclaim;		      /* of them in kswapd or direct reclaim */
	uint64_t syscalls_unmatched;		      /* an exit without its entry */
	uint64_t observed_skipped;		      /* allocator-internal events left out */
	/* the header's pcp_start (import.c, note_pcp_start): pages, lists written, pages of
	 * lists past PS_TRACE_PCP_START_MAX left out */
	uint64_t pcp_start_pages, pcp_start_lists, pcp_start_left_out;
} PsImportPortable;

/* What an import found; printed by ps_import_stats_format (the trace header has no room). */
typedef struct {
	PsImportFormat detected;
	int cpus;
	uint64_t lines, records, procs, comm_changes;
	uint64_t mempolicy_changes; /* proc records written for --mempolicy or a marker */
	uint64_t memcg_tasks;	    /* tasks the tasks file named */
	uint64_t memcg_moves;	    /* cgroup_attach_task lines (memory hierarchy) */
	uint64_t mempolicy_markers; /* "pagesim-mempolicy:" trace_marker lines read */
	/* "pagesim-zone:" trace_marker lines (pagesim-capture --zone-sample-ms), and how much the
	 * zones they name grew between their first and last sample (pages, summed over zones) */
	uint64_t zone_samples, zone_managed_growth, zone_spanned_growth;
	/* zone_grow records written from "pagesim-online:" markers, their pages, and the kernel's
	 * mm_page_free events of the onlined pages they replace (not written) */
	uint64_t zone_grows, zone_grow_pages, zone_grow_frees;
	uint64_t allocs, alloc_failed, frees;
	uint64_t free_unknown;	      /* pfn never seen allocated: the trace started mid-run */
	uint64_t free_inside_live;    /* pfn inside a larger live allocation */
	uint64_t free_order_mismatch; /* freed with another order than allocated */
	uint64_t alloc_live_pfn;      /* allocated again while live: its free was not recorded */
	/* pages of mm_page_free in the kernel's own reclaim: by kswapd*, or by a task between its
	 * mm_vmscan_direct_reclaim_begin (or _node_reclaim_begin) and _end (written with reason
	 * reclaim_*: see import.c); node_reclaims counts the mm_vmscan_node_reclaim_begin lines */
	uint64_t free_reclaim_kswapd, free_reclaim_direct, node_reclaims;
	/* migrate:remove_migration_pte records read, and the pages of migrated folios' old pages
	 * freed right after one (reason migrated: their allocations moved on) */
	uint64_t migration_ptes, free_migrated;
	uint64_t free_migrated_window; /* pages: reason migrated from a compaction step */
	uint64_t free_migrated_new;    /* frees given the id of such a moved allocation */
	uint64_t
	    free_migrated_snapshot; /* pages of free_migrated_window allocated before the trace */
	/* page cache (exact import, see pc_add in import.c): the mm_filemap_add_to_page_cache
	 * lines, the allocations written with kind file for them and their pages, and the adds
	 * matching no held allocation (allocated before the trace started, inside a larger block,
	 * or: page_cache_late, of a live allocation past the hold or added twice) */
	uint64_t page_cache_adds, page_cache_allocs, page_cache_pages, page_cache_unmatched;
	uint64_t page_cache_late;
	uint64_t live_at_end;
	uint64_t observed[PS_NR_OBSERVED_EVENTS];
	uint64_t free_batched, known_skipped, unknown_events, comment_lines, time_clamped;
	uint64_t frees_at_commit;	 /* frees moved to their mm_page_free_batched */
	uint64_t free_batched_unmatched; /* mm_page_free_batched without a held mm_page_free */
	uint64_t frees_pcp_locked;	 /* interrupt frees inside free_unref_folios' commits */
	uint64_t bulk_takes;	   /* pages alloc_pages_bulk took untraced: allocations written */
	uint64_t bulk_rejected;	   /* allocations behind pages named again: nothing written */
	uint64_t compact_requests; /* compact_memory writes seen: compact records */
	uint64_t extfrag_fragmenting_derived; /* misprinted by libtraceevent: see import.c */
	uint64_t lost_events; /* "[LOST N EVENTS]", report's "CPU:N [N EVENTS DROPPED]" notices */
	uint64_t entries_in_buffer, entries_written; /* ftrace header, 0 if absent */
	int cpus_from_input;
	bool portable;
	PsImportPortable port;
	/* the main pass ran again without assuming: an assumption of its first run was wrong */
	uint64_t first_reruns;
} PsImportStats;

/*
 * Converts a recording (plain or gzip text, "-" = standard input with opts->cpus set) into a
 * trace at out_path (".gz" compresses). Streaming, constant memory but for the live-pfn map.
 * A malformed line is an error "file:line: what is wrong"; unknown events are counted.
 */
gboolean ps_trace_import(const char *in_path, const char *out_path, const PsImportOptions *opts,
			 PsImportStats *stats, GError **error);
void ps_import_stats_format(const PsImportStats *stats, GString *out);

/* ---- generators (trace/gen_*.c) ------------------------------------------------------------ */

typedef struct {
	const char *name;
	const char *summary;
	const char *params_help; /* "key=default: meaning" lines */
	/*
	 * Writes the workload to out_path ("-" = standard output) through a PsTraceWriter whose
	 * header it fills (source "gen:NAME"). params maps key -> value strings; unknown keys and
	 * bad values are errors naming the key. Same (seconds, seed, params) -> same bytes.
	 */
	gboolean (*run)(const char *out_path, double seconds, uint64_t seed, GHashTable *params,
			GError **error);
} PsGenerator;

extern const PsGenerator *const ps_generators[];
extern const size_t ps_nr_generators;
const PsGenerator *ps_generator_find(const char *name);

G_END_DECLS

#endif
