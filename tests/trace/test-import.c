// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-import.c - real traces in: the importers (ftrace, perf script, trace-cmd report), the
 * observed records of the trace format, the snapshot start and the pinned replay.
 *
 * The perf-script and trace-cmd samples in tests/data were recorded on the developer's Linux 6.18
 * VM (dd + a Python allocation, `perf record -e kmem:... -a`, `trace-cmd extract`). The two
 * realdata recordings are read from PAGESIM_REALDATA and skipped when absent; for them the
 * pinned replay must reproduce the free set of after.kpageflags.gz: DMA and DMA32 exactly, Normal
 * within 1.5 % (build) and 1 % (compact) of the real free pages.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <string.h>

#include <math.h>

#include "../common/test-util.h"
#include "../common/fixture.h"
#include "config/config.h"
#include "sim/sim-private.h"
#include "trace/trace.h"

static char *data_path(const char *name)
{
	return g_build_filename(g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".",
				"tests", "data", name, NULL);
}

/* Reads a trace back and counts its records per op. */
static void count_ops(const char *path, PsTraceHeader *hdr, uint64_t *ops)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = ps_trace_reader_open(path, hdr, &error);
	PsTraceEvent ev;
	int rc;

	g_assert_no_error(error);
	memset(ops, 0, sizeof(uint64_t) * PS_NR_TRACE_OPS);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		ops[ev.op]++;
	g_assert_no_error(error);
	g_assert_cmpint(rc, ==, 0);
}

static void import_sample(const char *name, PsImportFormat want, uint64_t allocs, uint64_t batched,
			  uint64_t zone_locked)
{
	g_autofree char *in = data_path(name);
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *out = g_build_filename(dir, "t.jsonl.gz", NULL);
	g_autoptr(GError) error = NULL;
	PsImportOptions opts = {0};
	PsImportStats st;
	PsTraceHeader hdr;
	uint64_t ops[PS_NR_TRACE_OPS];

	g_assert_true(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpint(st.detected, ==, want);
	g_assert_cmpint(st.cpus, ==, 2);
	g_assert_cmpuint(st.allocs, ==, allocs);
	g_assert_cmpuint(st.free_batched, ==, batched);
	g_assert_cmpuint(st.observed[PS_OBS_ZONE_LOCKED], ==, zone_locked);
	g_assert_cmpuint(st.unknown_events, ==, 0);
	count_ops(out, &hdr, ops);
	g_assert_cmpstr(hdr.source, ==, ps_import_format_names[want]);
	g_assert_cmpint(hdr.cpus, ==, 2);
	g_assert_cmpuint(ops[PS_OP_ALLOC], ==, allocs);
	g_assert_cmpuint(ops[PS_OP_FREE], ==, st.frees + st.free_unknown + st.free_inside_live);
	g_assert_cmpuint(ops[PS_OP_OBSERVED], ==, zone_locked);
	g_assert_cmpuint(ops[PS_OP_PROC], ==, st.procs);
	/* explicit --format gives the same */
	opts.format = want;
	g_assert_true(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_no_error(error);
	/* and the wrong one is refused */
	opts.format = want == PS_IMPORT_PERF ? PS_IMPORT_FTRACE : PS_IMPORT_PERF;
	g_assert_false(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_nonnull(strstr(error->message, "--format"));
	g_unlink(out);
	g_rmdir(dir);
}

/*
 * A --portable capture (tests/data/portable-excerpt-6.18.txt: lines of workloads/probe's
 * recording on this project's 6.18 x86 VM): the file writes, evictions and reads of two 6 KiB
 * files, and p-thp's 8 MiB MADV_HUGEPAGE region, faulted as four 2 MiB THPs.
 */
static void test_portable(void)
{
	g_autofree char *in = data_path("portable-excerpt-6.18.txt");
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *out = g_build_filename(dir, "t.jsonl", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsImportOptions opts = {.portable = true};
	PsImportStats st;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	uint64_t ops[PS_NR_TRACE_OPS] = {0}, touched = 0, added = 0, removed = 0, copied = 0;
	uint64_t file_touched = 0, writes = 0;
	bool thp_map = false;
	int rc;

	g_assert_true(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_no_error(error);
	r = ps_trace_reader_open(out, &hdr, &error);
	g_assert_no_error(error);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		ops[ev.op]++;
		/* nothing bound to the recorded page size */
		g_assert_cmpint(ev.order, ==, -1);
		g_assert_false(ev.has_pfn);
		/* each runs on the cpu its fault or syscall was recorded on (p-thp: cpu 0) */
		if (ev.op == PS_OP_MAP || ev.op == PS_OP_TOUCH || ev.op == PS_OP_UNMAP ||
		    ev.op == PS_OP_EXIT)
			g_assert_cmpint(ev.cpu, >=, 0);
		if (ev.op == PS_OP_EXIT)
			g_assert_cmpint(ev.cpu, ==, 0);
		if (ev.op == PS_OP_TOUCH && ev.kind == PS_KIND_FILE) {
			/* a read fault outside anonymous memory: one page, never in the THP region
			 */
			g_assert_cmpuint(ev.len, ==, 4096);
			g_assert_false(ev.addr >= 0x7f85dc200000 &&
				       ev.addr < 0x7f85dc200000 + (8 << 20));
			file_touched += ev.len;
		} else if (ev.op == PS_OP_TOUCH && ev.pid == 2203) {
			bool in_thp =
			    ev.addr >= 0x7f85dc200000 && ev.addr < 0x7f85dc200000 + (8 << 20);

			g_assert_cmpint(ev.cpu, ==, 0);
			*(in_thp ? &touched : &copied) += ev.len;
		}
		if (ev.op == PS_OP_MAP && ev.thp) {
			thp_map = true;
			g_assert_cmpint(ev.cpu, ==, 0);
			g_assert_cmphex(ev.addr, ==, 0x7f85dc200000);
			g_assert_cmpuint(ev.len, ==, 8 << 20);
		}
		if (ev.op == PS_OP_CACHE_ADD) {
			g_assert_true(g_str_has_prefix(ev.file, "254:0:10c00"));
			added += ev.len;
			if (ev.reason == PS_CACHE_WRITE) {
				/* a write's folio (__GFP_WRITE), a record each */
				g_assert_cmpuint(ev.len, ==, 4096);
				writes++;
			}
		}
		if (ev.op == PS_OP_CACHE_REMOVE) {
			g_assert_cmpint(ev.reason, ==, PS_CACHE_TRUNCATE);
			g_assert_cmpint(ev.pid, ==, 2190);
			removed += ev.len;
		}
		if (ev.op == PS_OP_ALLOC) {
			g_assert_cmpuint(ev.bytes, ==, 4096);
			g_assert_cmpint(ev.kind, ==, PS_KIND_KERNEL);
		}
	}
	g_assert_no_error(error);
	/* the four THP faults populated the whole region: 8 MiB of touches */
	g_assert_true(thp_map);
	g_assert_cmpuint(touched, ==, 8 << 20);
	/* the write faults (error_code 0x7) outside every mapping the excerpt shows (ld.so's
	 * data, the stack), a page each; the read faults (0x4, 0x14) are touches of kind file */
	g_assert_cmpuint(copied, ==, 6 * 4096);
	g_assert_cmpuint(st.port.faults_cow, >=, 6);
	g_assert_cmpuint(st.port.large_faults, ==, 4);
	/* two pages written per file (a write record per folio), evicted; read back: 2 + 1 pages
	 * (the excerpt stops) */
	g_assert_cmpuint(ops[PS_OP_CACHE_ADD], ==, 6);
	g_assert_cmpuint(writes, ==, 4);
	g_assert_cmpuint(added, ==, 3 * 8192 + 4096);
	g_assert_cmpuint(ops[PS_OP_CACHE_REMOVE], ==, 2);
	g_assert_cmpuint(removed, ==, 2 * 8192);
	g_assert_cmpuint(ops[PS_OP_EXIT], ==, 1);
	g_assert_cmpuint(st.port.forks, ==, 1);
	/* probe made no page table between its last fault and the fork: not taken for a copy */
	g_assert_cmpuint(st.port.fork_copies, ==, 0);
	/* faults outside any mapping the recording described are counted; the reads among them
	 * (the 25 faults less the 4 THP faults and the 7 copies: 14) map page-cache pages:
	 * touches of kind file */
	g_assert_cmpuint(st.port.faults, ==, 25);
	g_assert_cmpuint(st.port.faults_unknown, ==, 21);
	g_assert_cmpuint(st.port.file_touches, ==, 14);
	g_assert_cmpuint(st.port.file_touches, ==, file_touched / 4096);
	g_assert_cmpuint(st.port.file_touches + st.port.faults_cow + st.port.large_faults +
			     st.port.faults_repeat,
			 ==, st.port.faults);
	/* the four GFP_PGTABLE_USER pages (each THP's deposited table) are the simulator's */
	g_assert_cmpuint(st.port.pgtable_pages, ==, 4);
	g_assert_cmpuint(st.port.kernel_pages[PS_KIND_KERNEL], ==, 0);
	g_assert_cmpuint(ops[PS_OP_ALLOC], ==, 0);
	/* the plain import reads the same text, the portable events counted as unknown */
	opts.portable = false;
	g_assert_true(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.unknown_events, >, 0);
	g_unlink(out);
	g_rmdir(dir);
}

/* Removes a scratch output (import_bytes, import_portable) and its directory. */
static void cleanup(char *out)
{
	g_autofree char *dir = g_path_get_dirname(out);

	g_unlink(out);
	g_rmdir(dir);
	g_free(out);
}

/* Imports text --portable into a scratch file; the reader of what it wrote, its path in *out. */
static PsTraceReader *import_portable(const char *text, bool observed, PsImportStats *st,
				      char **out)
{
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.txt", NULL);
	g_autoptr(GError) error = NULL;
	PsImportOptions opts = {.portable = true, .portable_observed = observed};
	PsTraceHeader hdr;
	PsTraceReader *r;

	*out = g_build_filename(dir, "out.jsonl", NULL);
	g_assert_true(g_file_set_contents(in, text, -1, NULL));
	g_assert_true(ps_trace_import(in, *out, &opts, st, &error));
	g_assert_no_error(error);
	g_unlink(in);
	r = ps_trace_reader_open(*out, &hdr, &error);
	g_assert_no_error(error);
	return r;
}

/* A user page table allocated by sh-100 at T, and sh-100's fork of CHILD at T. */
#define PGT_ALLOC(T)                                                                               \
	"  sh-100  [000] .....  " T ": mm_page_alloc: page=01 pfn=0x100 order=0 migratetype=0 "    \
	"gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP\n"
#define FORK(T, CHILD)                                                                             \
	"  sh-100  [000] .....  " T ": sched_process_fork: comm=sh pid=100 child_comm=sh "         \
	"child_pid=" CHILD "\n"

/*
 * --portable: a fork after four page tables in the parent's context (dup_mm: the child's PGD
 * and the tables it copies) writes the child's `proc` with `parent`; a vfork right after a read
 * fault that made a PTE page and its PMD (two tables: a fault allocates three at most) and a
 * fork with no table since the task's last fault are forks of a shared mm, without: they name
 * their forker with `forked_by` instead (the scheduler places them as any new task).
 */
static void test_portable_fork(void)
{
	static const char *const lines[] = {
	    "# tracer: nop\n# entries-in-buffer/entries-written: 12/12   #P:2\n",
	    "  sh-100  [000] d....  1.000000: page_fault_user: address=0x7f0000001000 "
	    "ip=0x7f0000001000 error_code=0x14\n",
	    PGT_ALLOC("1.000001"),
	    PGT_ALLOC("1.000002"),
	    FORK("1.000003", "101"),
	    PGT_ALLOC("1.000004"),
	    PGT_ALLOC("1.000005"),
	    PGT_ALLOC("1.000006"),
	    PGT_ALLOC("1.000007"),
	    FORK("1.000008", "102"),
	    FORK("1.000009", "103"),
	    NULL,
	};
	g_autofree char *text = g_strjoinv("", (char **)lines);
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;
	PsTraceReader *r = import_portable(text, false, &st, &out);
	PsTraceEvent ev;
	int64_t parent[3] = {-1, -1, -1};
	int forked_by[3] = {-1, -1, -1};
	int rc;

	g_assert_cmpuint(st.port.forks, ==, 3);
	g_assert_cmpuint(st.port.fork_copies, ==, 1);
	g_assert_cmpuint(st.port.pgtable_pages, ==, 6);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		if (ev.op == PS_OP_PROC && ev.pid >= 101 && ev.pid <= 103) {
			parent[ev.pid - 101] = ev.value;
			forked_by[ev.pid - 101] = ev.forked_by;
		}
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpint(parent[0], ==, 0);
	g_assert_cmpint(parent[1], ==, 100);
	g_assert_cmpint(parent[2], ==, 0);
	g_assert_cmpint(forked_by[0], ==, 100);
	g_assert_cmpint(forked_by[1], ==, 0);
	g_assert_cmpint(forked_by[2], ==, 100);
	ps_trace_reader_close(r);
	cleanup(out);
}

/*
 * --portable: exceptions:page_fault_kernel on a user address is a fault of the task's memory
 * (here a write outside the mappings the recording shows: an anonymous page, a touch); on a
 * kernel address it is left out and counted.
 */
static void test_portable_kernel_fault(void)
{
	static const char text[] =
	    "# tracer: nop\n# entries-in-buffer/entries-written: 3/3   #P:2\n"
	    "  dd-7  [000] d....  1.000000: page_fault_kernel: address=0x7f5dfdbb5a10 "
	    "ip=__put_user_4 error_code=0x3\n"
	    "  dd-7  [000] d....  1.000001: page_fault_kernel: address=0xffffc90000123000 "
	    "ip=vmalloc_fault error_code=0x0\n"
	    "  dd-7  [000] d....  1.000002: page_fault_user: address=0x7f5dfdbb6000 "
	    "ip=0x7f5dfdbb6000 error_code=0x6\n";
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;
	PsTraceReader *r = import_portable(text, false, &st, &out);
	PsTraceEvent ev;
	uint64_t touches = 0;
	int rc;

	g_assert_cmpuint(st.port.faults, ==, 2);
	g_assert_cmpuint(st.port.faults_kernel, ==, 1);
	g_assert_cmpuint(st.port.faults_kernel_skipped, ==, 1);
	g_assert_cmpuint(st.port.faults_cow, ==, 2);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		if (ev.op == PS_OP_TOUCH) {
			g_assert_cmpint(ev.kind, !=, PS_KIND_FILE);
			g_assert_true(ev.addr == 0x7f5dfdbb5000 || ev.addr == 0x7f5dfdbb6000);
			touches++;
		}
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpuint(touches, ==, 2);
	ps_trace_reader_close(r);
	cleanup(out);
}

/* A reader loop ended at the trace's end, without an error, after want records. */
static void assert_read_all(const GError *error, int rc, guint n, guint want)
{
	g_assert_no_error(error);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpuint(n, ==, want);
}

/* An allocation of kworker-9 at T of pfn PFN, order ORDER with gfp GFP. */
#define KALLOC(T, PFN, ORDER, GFP)                                                                 \
	"  kworker-9  [001] .....  " T ": mm_page_alloc: page=01 pfn=" PFN " order=" ORDER         \
	" migratetype=0 gfp_flags=" GFP "\n"

/*
 * --portable: kernel memory by its GFP flags (port_kernel_kind): allocate_slab's first try for
 * a new slab (__GFP_COMP, __GFP_NOWARN, __GFP_NORETRY; GFP_NOWAIT has __GFP_NOWARN; an order
 * above the cache's minimum adds __GFP_NOMEMALLOC and drops __GFP_RECLAIM) is kind slab with the
 * recorded slab's bytes; __GFP_RECLAIMABLE slab_reclaimable; a second try without
 * __GFP_NORETRY, a pipe page and kmalloc_large's __GFP_COMP stay kernel.
 */
static void test_portable_slab(void)
{
	static const struct {
		enum ps_alloc_kind kind;
		uint64_t bytes;
	} want[] = {
	    {PS_KIND_SLAB, 4096},    {PS_KIND_SLAB, 4096},
	    {PS_KIND_SLAB, 32768},   {PS_KIND_SLAB_RECLAIMABLE, 4096},
	    {PS_KIND_KERNEL, 4096},  {PS_KIND_KERNEL, 4096},
	    {PS_KIND_KERNEL, 16384},
	};
	static const char *const lines[] = {
	    "# tracer: nop\n# entries-in-buffer/entries-written: 7/7   #P:2\n",
	    KALLOC("1.000000", "0x100", "0", "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP"),
	    KALLOC("1.000001", "0x101", "0", "GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP"),
	    KALLOC("1.000002", "0x108", "3",
		   "__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC"),
	    KALLOC("1.000003", "0x102", "0",
		   "GFP_KERNEL|__GFP_RECLAIMABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP"),
	    KALLOC("1.000004", "0x103", "0", "GFP_KERNEL|__GFP_COMP"),
	    KALLOC("1.000005", "0x104", "0", "GFP_HIGHUSER|__GFP_ACCOUNT"),
	    KALLOC("1.000006", "0x110", "2", "GFP_KERNEL|__GFP_COMP"),
	    NULL,
	};
	g_autofree char *text = g_strjoinv("", (char **)lines);
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;
	PsTraceReader *r = import_portable(text, false, &st, &out);
	PsTraceEvent ev;
	guint n = 0;
	int rc;

	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		if (ev.op != PS_OP_ALLOC)
			continue;
		g_assert_cmpuint(n, <, G_N_ELEMENTS(want));
		g_assert_cmpint(ev.kind, ==, want[n].kind);
		g_assert_cmpuint(ev.bytes, ==, want[n].bytes);
		n++;
	}
	assert_read_all(error, rc, n, G_N_ELEMENTS(want));
	g_assert_cmpuint(st.port.kernel_pages[PS_KIND_SLAB], ==, 1 + 1 + 8);
	g_assert_cmpuint(st.port.kernel_pages[PS_KIND_SLAB_RECLAIMABLE], ==, 1);
	g_assert_cmpuint(st.port.kernel_pages[PS_KIND_KERNEL], ==, 1 + 1 + 4);
	ps_trace_reader_close(r);
	cleanup(out);
}

/* A cache_add record a portable import must write: file, byte offset, bytes, reason. */
struct want_add {
	const char *file;
	uint64_t offset, len;
	enum ps_cache_reason reason;
};

/* Imports text (--portable) and checks its cache_add records, in order, against want. */
static void assert_cache_adds(const char *text, const struct want_add *want, guint n_want,
			      PsImportStats *st)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	PsTraceReader *r = import_portable(text, false, st, &out);
	PsTraceEvent ev;
	guint n = 0;
	int rc;

	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		if (ev.op != PS_OP_CACHE_ADD)
			continue;
		g_assert_cmpuint(n, <, n_want);
		g_assert_cmpstr(ev.file, ==, want[n].file);
		g_assert_cmpuint(ev.offset, ==, want[n].offset);
		g_assert_cmpuint(ev.len, ==, want[n].len);
		g_assert_cmpint(ev.reason, ==, want[n].reason);
		n++;
	}
	assert_read_all(error, rc, n, n_want);
	ps_trace_reader_close(r);
	cleanup(out);
}

/*
 * --portable: the cache_adds of a page_cache_ra_order window are named by how 6.18 opened it:
 * do_sync_mmap_readahead's read-around (size == ra_pages, async_size ra_pages / 4, order 0) is
 * reason fault, its VM_EXEC window (async_size 0) exec; a read's sync window (size 4,
 * async_size 3) and an async one (size == async_size) none. Adds of another task or file in
 * between keep their own, and so does a task whose window another task's window followed (the
 * reason is the task's own last window's: file_ra_state is per struct file).
 */
static void test_portable_ra_reason(void)
{
#define RA(T, INO, IDX, ORD, SIZE, ASYNC)                                                          \
	"  cc1-9  [000] .....  " T ": page_cache_ra_order: dev=254:0 ino=" INO " index=" IDX       \
	" order=" ORD " size=" SIZE " async_size=" ASYNC " ra_pages=2048\n"
#define ADD(T, INO, OFS)                                                                           \
	"  cc1-9  [000] .....  " T ": mm_filemap_add_to_page_cache: dev 254:0 ino " INO            \
	" pfn=0x1000 ofs=" OFS " order=0\n"
#define RA10(T, SIZE, ASYNC)                                                                       \
	"  cc1-10 [001] .....  " T ": page_cache_ra_order: dev=254:0 ino=d4 index=0 order=0"       \
	" size=" SIZE " async_size=" ASYNC " ra_pages=2048\n"
#define ADD10(T, OFS)                                                                              \
	"  cc1-10 [001] .....  " T ": mm_filemap_add_to_page_cache: dev 254:0 ino d4"              \
	" pfn=0x2000 ofs=" OFS " order=0\n"
	static const char text[] =
	    "# tracer: nop\n# entries-in-buffer/entries-written: 16/16   #P:2\n" RA(
		"1.000000", "a1", "0", "0", "4", "3") ADD("1.000001", "a1", "0")
		ADD("1.000002", "a1", "4096") RA("1.000003", "a1", "0", "0", "2048", "512")
		    ADD("1.000004", "a1", "8192") ADD("1.000005", "a1", "12288")
			ADD("1.000006", "b2", "0") RA("1.000007", "a1", "2048", "2", "2048", "2048")
			    ADD("1.000008", "a1", "8388608")
				RA("1.000009", "c3", "100", "0", "142", "0")
				    ADD("1.000010", "c3", "409600") ADD("1.000011", "c3", "413696")
					RA("1.000012", "d4", "0", "0", "2048", "512")
					    RA10("1.000013", "4", "3") ADD10("1.000014", "0")
						ADD("1.000015", "d4", "40960");
#undef RA
#undef ADD
#undef RA10
#undef ADD10
	static const struct want_add want[] = {
	    {"254:0:a1", 0, 8192, 0},
	    {"254:0:a1", 8192, 8192, PS_CACHE_FAULT},
	    {"254:0:b2", 0, 4096, 0},
	    {"254:0:a1", 8388608, 4096, 0},
	    {"254:0:c3", 409600, 8192, PS_CACHE_EXEC},
	    {"254:0:d4", 0, 4096, 0},
	    {"254:0:d4", 40960, 4096, PS_CACHE_FAULT},
	};
	PsImportStats st;

	assert_cache_adds(text, want, G_N_ELEMENTS(want), &st);
	g_assert_cmpuint(st.port.ra_windows, ==, 6);
	g_assert_cmpuint(st.port.ra_pages_max, ==, 2048);
	g_assert_cmpuint(st.port.cache_fault_bytes, ==, 12288);
	g_assert_cmpuint(st.port.cache_exec_bytes, ==, 8192);
}

/*
 * --portable: tmpfs pages (shmem_add_to_page_cache fires no tracepoint) are the movable
 * allocations whose pfn the recording deletes from the page cache later with no free or add of
 * it in between: a cache_add with reason shmem of the deleted range where the allocation was
 * (two adjacent pages, one record), before a disk file's add (no reason). A movable page freed
 * before the deletion of its pfn (0x502, then reused by the kernel) is not one.
 */
static void test_portable_shmem(void)
{
#define ALLOC(T, PFN)                                                                              \
	"  churn-7 [000] .....  " T ": mm_page_alloc: page=01 pfn=" PFN " order=0 migratetype=1 "  \
	"gfp_flags=GFP_HIGHUSER_MOVABLE\n"
#define DEL(T, PFN, OFS)                                                                           \
	"  churn-7 [000] d....  " T ": mm_filemap_delete_from_page_cache: dev 0:40 ino 2 pfn=" PFN \
	" ofs=" OFS " order=0\n"
	static const char text[] =
	    "# tracer: nop\n# entries-in-buffer/entries-written: 9/9   #P:2\n" ALLOC(
		"1.000000", "0x500") ALLOC("1.000001", "0x501")
		ALLOC("1.000002", "0x502") "  churn-7 [000] .....  1.000003: mm_page_free: page=01 "
					   "pfn=0x502 order=0\n"
					   "  churn-7 [000] .....  1.000004: "
					   "mm_filemap_add_to_page_cache: dev 254:0 ino e1 "
					   "pfn=0x600 ofs=0 order=0\n" DEL("1.000005", "0x500", "0")
					       DEL("1.000006", "0x501", "4096")
						   DEL("1.000007", "0x502", "8192");
#undef ALLOC
#undef DEL
	static const struct want_add want[] = {
	    {"0:40:2", 0, 8192, PS_CACHE_SHMEM},
	    {"254:0:e1", 0, 4096, 0},
	};
	PsImportStats st;

	assert_cache_adds(text, want, G_N_ELEMENTS(want), &st);
	g_assert_cmpuint(st.port.shmem_adds, ==, 2);
}

/*
 * --portable: a page_cache_ra_order of a task and file ends that task's pending cache_add
 * record of the file (port_ra), so a read()'s sync window (index 0, size 8, async_size 6) and
 * the async step the same read triggers (page_cache_async_ra: index 8, order 2) are two
 * records, 8 pages and 2, though their adds are adjacent and share a reason. In the second
 * case another task's window of the same file comes between task 9's adds: file_ra_state is per
 * struct file, so it does not cut task 9's record.
 */
static void test_portable_ra_cut(void)
{
#define RA(T, TASK, INO, IDX, ORD, SIZE, ASYNC)                                                    \
	"  cc1-" TASK "  [000] .....  " T ": page_cache_ra_order: dev=254:0 ino=" INO              \
	" index=" IDX " order=" ORD " size=" SIZE " async_size=" ASYNC " ra_pages=32\n"
#define ADD(T, INO, OFS)                                                                           \
	"  cc1-9  [000] .....  " T ": mm_filemap_add_to_page_cache: dev 254:0 ino " INO            \
	" pfn=0x1000 ofs=" OFS " order=0\n"
#define ADDS_0_3(T, INO)                                                                           \
	ADD(T "1", INO, "0")                                                                       \
	ADD(T "2", INO, "4096") ADD(T "3", INO, "8192") ADD(T "4", INO, "12288")
#define ADDS_4_7(T, INO)                                                                           \
	ADD(T "5", INO, "16384")                                                                   \
	ADD(T "6", INO, "20480") ADD(T "7", INO, "24576") ADD(T "8", INO, "28672")
	static const char text[] =
	    "# tracer: nop\n# entries-in-buffer/entries-written: 25/25   #P:2\n"
	    /* one task: sync window, adds 0-7, async step, adds 8-9 */
	    RA("1.000000", "9", "a1", "0", "0", "8", "6") ADDS_0_3("1.00000", "a1")
		ADDS_4_7("1.00000", "a1") RA("1.000010", "9", "a1", "8", "2", "8", "8")
		    ADD("1.000011", "a1", "32768") ADD("1.000012", "a1", "36864")
	    /* task 10's window of e5 between task 9's adds of e5 */
	    RA("2.000000", "9", "e5", "0", "0", "8", "6") ADDS_0_3("2.00000", "e5")
		RA("2.000005", "10", "e5", "0", "0", "4", "3") ADDS_4_7("2.00001", "e5")
		    RA("2.000020", "9", "e5", "8", "2", "8", "8") ADD("2.000021", "e5", "32768")
			ADD("2.000022", "e5", "36864");
#undef RA
#undef ADD
#undef ADDS_0_3
#undef ADDS_4_7
	static const struct want_add want[] = {
	    {"254:0:a1", 0, 8 * 4096, 0},
	    {"254:0:a1", 8 * 4096, 2 * 4096, 0},
	    {"254:0:e5", 0, 8 * 4096, 0},
	    {"254:0:e5", 8 * 4096, 2 * 4096, 0},
	};
	PsImportStats st;

	/* every add in text is task 9's (ADD) */
	assert_cache_adds(text, want, G_N_ELEMENTS(want), &st);
	g_assert_cmpuint(st.port.ra_windows, ==, 5);
	g_assert_cmpuint(st.port.cache_adds, ==, 20);
}

/*
 * --portable: a readahead page (readahead_gfp_mask: __GFP_NORETRY, no __GFP_NOMEMALLOC) freed
 * before any mm_filemap_add_to_page_cache of its pfn (filemap_add_folio failed, folio_put) is
 * kept as an alloc of kind file with the recorded size as bytes and its free, at their recorded
 * time and cpu: the frees halve the replay's pcp alloc_factor as the kernel's did. A readahead
 * page that was inserted, an anonymous page freed unadded and a THP fault's folio (its mask has
 * __GFP_NOMEMALLOC) stay left to the touch and cache records.
 */
static void test_portable_ra_pairs(void)
{
#define RA_GFP "GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP"
#define ALLOC(T, CPU, PFN, ORD, GFP)                                                               \
	"  cc1-9  [00" CPU "] .....  " T ": mm_page_alloc: page=01 pfn=" PFN " order=" ORD         \
	" migratetype=1 gfp_flags=" GFP "\n"
#define FREE(T, CPU, PFN, ORD)                                                                     \
	"  cc1-9  [00" CPU "] .....  " T ": mm_page_free: page=01 pfn=" PFN " order=" ORD "\n"
	static const char text[] =
	    "# tracer: nop\n# entries-in-buffer/entries-written: 10/10   #P:2\n" ALLOC(
		"1.000000", "1", "0x1000", "0", RA_GFP) FREE("1.000001", "1", "0x1000", "0")
		ALLOC("1.000002", "0", "0x1004", "2", RA_GFP) FREE("1.000003", "0", "0x1004", "2")
		    ALLOC("1.000004", "0", "0x2000", "0",
			  RA_GFP) "  cc1-9  [000] .....  1.000005: mm_filemap_add_to_page_cache: "
				  "dev 254:0 ino "
				  "a1 pfn=0x2000 ofs=0 order=0\n" FREE("1.000006", "0", "0x2000",
								       "0")
				      ALLOC("1.000007", "0", "0x3000", "0",
					    "GFP_HIGHUSER_MOVABLE|__GFP_ZERO")
					  FREE("1.000008", "0", "0x3000", "0")
					      ALLOC("1.000009", "0", "0x4000", "9",
						    "GFP_TRANSHUGE_LIGHT|__GFP_NORETRY")
						  FREE("1.000010", "0", "0x4000", "9");
#undef ALLOC
#undef FREE
#undef RA_GFP
	static const struct {
		enum ps_trace_op op;
		uint64_t t_ns, bytes;
		int cpu;
	} want[] = {
	    {PS_OP_ALLOC, 0, 4096, 1},
	    {PS_OP_FREE, 1000, 0, 1},
	    {PS_OP_ALLOC, 2000, 16384, 0},
	    {PS_OP_FREE, 3000, 0, 0},
	};
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;
	PsTraceReader *r = import_portable(text, false, &st, &out);
	PsTraceEvent ev;
	uint64_t id = 0;
	guint n = 0;
	int rc;

	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		if (ev.op != PS_OP_ALLOC && ev.op != PS_OP_FREE)
			continue;
		g_assert_cmpuint(n, <, G_N_ELEMENTS(want));
		g_assert_cmpint(ev.op, ==, want[n].op);
		g_assert_cmpuint(ev.t_ns, ==, want[n].t_ns);
		if (ev.op == PS_OP_ALLOC) {
			g_assert_cmpuint(ev.bytes, ==, want[n].bytes);
			g_assert_cmpint(ev.kind, ==, PS_KIND_FILE);
			g_assert_cmpint(ev.cpu, ==, want[n].cpu);
			g_assert_true(ev.gfp & PS_GFP_NORETRY);
			id = ev.id;
		} else {
			g_assert_cmpuint(ev.id, ==, id);
		}
		n++;
	}
	assert_read_all(error, rc, n, G_N_ELEMENTS(want));
	g_assert_cmpuint(st.port.ra_pairs, ==, 2);
	g_assert_cmpuint(st.port.ra_pair_pages, ==, 5);
	ps_trace_reader_close(r);
	cleanup(out);
}

/*
 * --portable --observed: the allocator's own events stay as observed records, and the first
 * allocation or free naming a pfn becomes an observed mm_page_alloc / mm_page_free (the pcp
 * lists and free folios at the start of a replay from the recording's own snapshot); a pfn named
 * before (by a refill, a free, an allocation) is not written again, except by the allocation
 * right after a pcp refill on its cpu: it ends the refill's run of zone_locked records, which
 * would otherwise join the next refill's (pagesim fidelity counts runs). Without --observed,
 * none.
 */
#define ZL(T, PFN)                                                                                 \
	"  cc-9  [001] d..3.  " T ": mm_page_alloc_zone_locked: page=01 pfn=" PFN " order=0 "      \
	"migratetype=1 percpu_refill=1\n"
#define PA(T, PFN)                                                                                 \
	"  cc-9  [001] .....  " T ": mm_page_alloc: page=01 pfn=" PFN " order=0 migratetype=1 "    \
	"gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO\n"
#define PF(T, PFN) "  cc-9  [001] .....  " T ": mm_page_free: page=01 pfn=" PFN " order=0\n"

static void test_portable_observed(void)
{
	static const char text[] = "# tracer: nop\n#P:2\n" ZL("1.000000", "0x200")
	    ZL("1.000000", "0x201") PA("1.000001", "0x200") PA("1.000002", "0x300")
		PF("1.000003", "0x300") PA("1.000004", "0x300") PF("1.000005", "0x400") PA(
		    "1.000006",
		    "0x400") "  cc-9  [001] d..2.  1.000007: mm_page_pcpu_drain: page=01 pfn=0x500 "
			     "order=0 migratetype=1\n" ZL("1.000008", "0x600")
				 PA("1.000009", "0x201") ZL("1.000010", "0x700")
				     PA("1.000011", "0x600");
	/* 0x200, 0x201 refilled first, 0x300 allocated first, 0x400 freed first, 0x500 drained;
	 * 0x200, 0x201 and 0x600 again as the allocations that end a refill's run */
	static const char want[] = "zl:200 zl:201 pa:200 pa:300 pf:400 dr:500 zl:600 pa:201 "
				   "zl:700 pa:600 ";
	static const char *const tag[PS_NR_OBSERVED_EVENTS] = {
	    [PS_OBS_ZONE_LOCKED] = "zl",
	    [PS_OBS_PAGE_ALLOC] = "pa",
	    [PS_OBS_PAGE_FREE] = "pf",
	    [PS_OBS_PCPU_DRAIN] = "dr",
	};
	g_autoptr(GError) error = NULL;

	for (int observed = 0; observed <= 1; observed++) {
		PsImportStats st;
		char *out = NULL;
		PsTraceReader *r = import_portable(text, observed, &st, &out);
		g_autoptr(GString) got = g_string_new(NULL);
		PsTraceEvent ev;
		int rc;

		while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
			if (ev.op != PS_OP_OBSERVED)
				continue;
			g_assert_true(ev.has_pfn);
			g_assert_cmpint(ev.cpu, ==, 1);
			g_assert_cmpint(ev.order, ==, 0);
			g_assert_cmpint(ev.event, <, PS_NR_OBSERVED_EVENTS);
			g_assert_nonnull(tag[ev.event]);
			if (ev.event == PS_OBS_PAGE_ALLOC)
				g_assert_cmphex(ev.gfp, ==, PS_GFP_HIGHUSER_MOVABLE | PS_GFP_ZERO);
			g_string_append_printf(got, "%s:%" PRIx64 " ", tag[ev.event], ev.pfn);
		}
		g_assert_cmpint(rc, ==, 0);
		g_assert_no_error(error);
		g_assert_cmpstr(got->str, ==, observed ? want : "");
		g_assert_cmpuint(st.observed[PS_OBS_PAGE_ALLOC], ==, observed ? 4 : 0);
		/* the user pages are still the touches' business */
		g_assert_cmpuint(st.port.user_pages, ==, 6);
		ps_trace_reader_close(r);
		cleanup(out);
	}
}

/* The recording machine (--machine, a MACHINE line) goes into the header; too long: an error. */
/* Imports text (written to in) into out with opts and reads the written trace's header. */
static gboolean import_header(const char *in, const char *out, const char *text,
			      const PsImportOptions *opts, PsTraceHeader *hdr, GError **error)
{
	PsImportStats st;
	PsTraceReader *r;

	g_assert_true(g_file_set_contents(in, text, -1, NULL));
	if (!ps_trace_import(in, out, opts, &st, error))
		return FALSE;
	r = ps_trace_reader_open(out, hdr, error);
	g_assert_nonnull(r);
	/* the reader's lists end with it: hdr gets its own (ps_trace_header_clear frees them) */
	hdr->pcp_start =
	    g_memdup2(hdr->pcp_start, (gsize)hdr->n_pcp_start * sizeof(*hdr->pcp_start));
	ps_trace_reader_close(r);
	return TRUE;
}

static void test_import_machine(void)
{
	static const char text[] = "# tracer: nop\n#P:2\n" PA("1.000001", "0x200");
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.txt", NULL);
	g_autofree char *out = g_build_filename(dir, "out.jsonl", NULL);
	g_autofree char *longer = g_strnfill(sizeof(((PsTraceHeader *)0)->machine), 'x');
	PsImportOptions opts = {.portable = true, .machine = "host=vm boot_id=b-1 kernel=6.18"};
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;

	g_assert_true(import_header(in, out, text, &opts, &hdr, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(hdr.machine, ==, "host=vm boot_id=b-1 kernel=6.18");
	ps_trace_header_clear(&hdr);
	opts.machine = longer;
	g_assert_false(import_header(in, out, text, &opts, &hdr, &error));
	g_assert_nonnull(strstr(error->message, "machine: at most"));
	g_unlink(in);
	g_unlink(out);
	g_rmdir(dir);
}

/*
 * The header's pcp_start (import.c, note_pcp_start): a page first named by a pcp-order
 * allocation on a cpu was on that cpu's list of its gfp's migratetype when tracing began, one
 * first named by a cpu's drain on that cpu's list of the traced migratetype; a page first named
 * by a refill, a free or an order above PAGE_ALLOC_COSTLY_ORDER is not; a later allocation of a
 * page named before adds nothing. An exact import writes no pcp_start.
 */
static void test_import_pcp_start(void)
{
	static const char text[] = "# tracer: nop\n#P:2\n" PA("1.000001", "0x200") PA(
	    "1.000002", "0x201") ZL("1.000003", "0x300") PA("1.000004", "0x300")
	    PF("1.000005", "0x400") PA("1.000006", "0x400") PA(
		"1.000007",
		"0x201") "  cc-9  [000] .....  1.000008: mm_page_alloc: page=01 pfn=0x500 order=2 "
			 "migratetype=0 gfp_flags=GFP_KERNEL\n"
			 "  cc-9  [000] .....  1.000009: mm_page_alloc: page=01 pfn=0x600 order=4 "
			 "migratetype=0 gfp_flags=GFP_KERNEL\n"
			 "  cc-9  [000] d..2.  1.000010: mm_page_pcpu_drain: page=01 pfn=0x700 "
			 "order=0 migratetype=2\n"
			 "  cc-9  [001] d..2.  1.000011: mm_page_pcpu_drain: page=01 pfn=0x800 "
			 "order=0 migratetype=1\n";
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.txt", NULL);
	g_autofree char *out = g_build_filename(dir, "out.jsonl", NULL);
	PsImportOptions opts = {.portable = true};
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;

	g_assert_true(import_header(in, out, text, &opts, &hdr, &error));
	g_assert_no_error(error);
	g_assert_true(hdr.has_pcp_start);
	g_assert_cmpint(hdr.n_pcp_start, ==, 3);
	/* cpu 0: order 0 Reclaimable (the drain), order 2 Unmovable (GFP_KERNEL) */
	g_assert_cmpuint(hdr.pcp_start[0].cpu, ==, 0);
	g_assert_cmpuint(hdr.pcp_start[0].order, ==, 0);
	g_assert_cmpuint(hdr.pcp_start[0].migratetype, ==, 2);
	g_assert_cmpuint(hdr.pcp_start[0].bytes, ==, 4096);
	g_assert_cmpuint(hdr.pcp_start[1].order, ==, 2);
	g_assert_cmpuint(hdr.pcp_start[1].migratetype, ==, 0);
	g_assert_cmpuint(hdr.pcp_start[1].bytes, ==, 4 * 4096);
	/* cpu 1: the drain of 0x800 (Movable) and the allocations of 0x200, 0x201 */
	g_assert_cmpuint(hdr.pcp_start[2].cpu, ==, 1);
	g_assert_cmpuint(hdr.pcp_start[2].order, ==, 0);
	g_assert_cmpuint(hdr.pcp_start[2].migratetype, ==, 1);
	g_assert_cmpuint(hdr.pcp_start[2].bytes, ==, 3 * 4096);
	ps_trace_header_clear(&hdr);
	opts.portable = false;
	g_assert_true(import_header(in, out, text, &opts, &hdr, &error));
	g_assert_no_error(error);
	g_assert_false(hdr.has_pcp_start);
	g_unlink(in);
	g_unlink(out);
	g_rmdir(dir);
}

/*
 * The header's vmstat_update_ns: the first pcp drain of a kworker (vmstat_update's
 * decay_pcp_high), from the first record; a task's own drain is no such run, and after a direct
 * reclaim a kworker's drain may be drain_all_pages', so nothing is said then. A line the import
 * keeps no record of (here an unknown event) before the first record does not move the origin.
 */
#define PCPD(TASK, T)                                                                              \
	"  " TASK "  [001] d..2.  " T ": mm_page_pcpu_drain: page=01 pfn=0x200 order=0 "           \
	"migratetype=1\n"
#define DIRECT_RECLAIM(T)                                                                          \
	"  cc-9  [001] .....  " T ": mm_vmscan_direct_reclaim_begin: order=0 "                     \
	"gfp_flags=GFP_KERNEL\n"

static void test_import_vmstat_update(void)
{
	static const char text[] = "# tracer: nop\n#P:2\n" PA("1.000001", "0x200")
	    PF("1.000002", "0x200") PCPD("cc-9", "1.500000") PCPD("kworker/1:0-22", "3.315379")
		PCPD("kworker/1:0-22", "4.315379");
	static const char reclaim[] = "# tracer: nop\n#P:2\n" PA("1.000001", "0x200")
	    DIRECT_RECLAIM("1.200000") PCPD("kworker/1:0-22", "3.315379");
	static const char unknown_first[] =
	    "# tracer: nop\n#P:2\n"
	    "  cc-9  [001] .....  0.500000: sched_switch: prev_comm=cc\n" PA("1.000001", "0x200")
		PCPD("kworker/1:0-22", "3.315379");
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.txt", NULL);
	g_autofree char *out = g_build_filename(dir, "out.jsonl", NULL);
	PsImportOptions opts = {0};
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;

	g_assert_true(import_header(in, out, text, &opts, &hdr, &error));
	g_assert_no_error(error);
	g_assert_true(hdr.has_vmstat_update);
	g_assert_cmpuint(hdr.vmstat_update_ns, ==, 2315378000u);
	g_assert_true(import_header(in, out, reclaim, &opts, &hdr, &error));
	g_assert_no_error(error);
	g_assert_false(hdr.has_vmstat_update);
	g_assert_true(import_header(in, out, unknown_first, &opts, &hdr, &error));
	g_assert_no_error(error);
	g_assert_true(hdr.has_vmstat_update);
	g_assert_cmpuint(hdr.vmstat_update_ns, ==, 2315378000u);
	g_unlink(in);
	g_unlink(out);
	g_rmdir(dir);
}

/*
 * A kernel fault outside every mapping known just before sched_process_exec is the new image's
 * (load_elf_binary's clear_user of the bss tail runs on the new mm before the exec event): its
 * touch comes after the unmap of the old image, not before it where the unmap would take it
 * back. One not followed by an exec is written at the task's next event.
 */
static void test_portable_exec_fault(void)
{
	static const char text[] =
	    "# tracer: nop\n#P:2\n"
	    "  sh-7  [000] d....  1.000000: page_fault_user: address=0x55550000 ip=0x1 "
	    "error_code=0x6\n"
	    "  sh-7  [000] d....  1.000001: page_fault_kernel: address=0x56660010 ip=clear_user "
	    "error_code=0x2\n"
	    "  cc-7  [000] .....  1.000002: sched_process_exec: filename=/bin/cc pid=7 "
	    "old_pid=7\n"
	    "  cc-7  [001] d....  1.000003: page_fault_kernel: address=0x57770000 "
	    "ip=copy_to_user error_code=0x2\n"
	    "  cc-7  [001] d....  1.000004: page_fault_user: address=0x58880000 ip=0x1 "
	    "error_code=0x6\n";
	static const struct {
		enum ps_trace_op op;
		uint64_t addr;
		int cpu;
	} want[] = {
	    {PS_OP_TOUCH, 0x55550000, 0}, {PS_OP_UNMAP, 0, 0},
	    {PS_OP_TOUCH, 0x56660000, 0}, {PS_OP_TOUCH, 0x57770000, 1},
	    {PS_OP_TOUCH, 0x58880000, 1},
	};
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;
	PsTraceReader *r = import_portable(text, false, &st, &out);
	PsTraceEvent ev;
	size_t n = 0;
	int rc;

	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1) {
		if (ev.op == PS_OP_PROC)
			continue;
		g_assert_cmpuint(n, <, G_N_ELEMENTS(want));
		g_assert_cmpint(ev.op, ==, want[n].op);
		g_assert_cmphex(ev.addr, ==, want[n].addr);
		g_assert_cmpint(ev.cpu, ==, want[n].cpu);
		n++;
	}
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
	g_assert_cmpuint(st.port.faults_kernel, ==, 2);
	/* the exec's argument pages are not written, and the import says how many at least */
	g_assert_cmpuint(st.port.execs, ==, 1);
	{
		g_autoptr(GString) stats = g_string_new(NULL);

		ps_import_stats_format(&st, stats);
		g_assert_nonnull(strstr(stats->str, "exec arguments and environment"));
		g_assert_nonnull(strstr(stats->str, "at least 1, one an exec"));
	}
	ps_trace_reader_close(r);
	cleanup(out);
}

static void test_perf(void)
{
	import_sample("perf-script-6.18.txt.gz", PS_IMPORT_PERF, 808, 296, 64);
}

/* The lines of a gzip-compressed file under tests/data. */
static char **gz_lines(const char *name)
{
	g_autofree char *in = data_path(name);
	g_autofree char *text = NULL;
	gsize len;
	g_autoptr(GZlibDecompressor) dec = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
	g_autoptr(GFile) f = g_file_new_for_path(in);
	g_autoptr(GInputStream) raw = G_INPUT_STREAM(g_file_read(f, NULL, NULL));
	g_autoptr(GInputStream) gz = NULL;
	g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable();

	g_assert_nonnull(raw);
	gz = g_converter_input_stream_new(raw, G_CONVERTER(dec));
	g_assert_cmpint(
	    g_output_stream_splice(mem, gz, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL), >, 0);
	len = g_memory_output_stream_get_data_size(G_MEMORY_OUTPUT_STREAM(mem));
	text = g_strndup(g_memory_output_stream_get_data(G_MEMORY_OUTPUT_STREAM(mem)), len);
	return g_strsplit(text, "\n", -1);
}

static void test_trace_cmd(void)
{
	uint64_t allocs = 0, batched = 0, zl = 0;
	/* expected counts straight from the text */
	char **lines = gz_lines("trace-cmd-report-6.18.txt.gz");

	for (int i = 0; lines[i]; i++) {
		allocs += strstr(lines[i], " mm_page_alloc: ") && !strstr(lines[i], "pfn=0x0 ");
		batched += strstr(lines[i], " mm_page_free_batched: ") != NULL;
		zl += strstr(lines[i], " mm_page_alloc_zone_locked: ") != NULL;
	}
	g_strfreev(lines);
	g_assert_cmpuint(allocs, >, 100);
	import_sample("trace-cmd-report-6.18.txt.gz", PS_IMPORT_TRACE_CMD, allocs, batched, zl);
}

/*
 * Imports len bytes of text (-1: up to its NUL) from a scratch in.txt into *out_path; opts NULL
 * for the defaults (an exact import).
 */
static gboolean import_bytes(const char *text, gssize len, const PsImportOptions *opts,
			     PsImportStats *st, char **out_path, GError **error)
{
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.txt", NULL);
	PsImportOptions defaults = {0};
	gboolean ok;

	*out_path = g_build_filename(dir, "out.jsonl", NULL);
	g_assert_true(g_file_set_contents(in, text, len, NULL));
	ok = ps_trace_import(in, *out_path, opts ? opts : &defaults, st, error);
	g_unlink(in);
	return ok;
}

static gboolean import_text(const char *text, PsImportStats *st, char **out_path, GError **error)
{
	return import_bytes(text, -1, NULL, st, out_path, error);
}

/* Refuses text, with an error holding want, and leaves no output file behind. */
static void refused(const char *text, gssize len, const char *want)
{
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;

	g_assert_false(import_bytes(text, len, NULL, &st, &out, &error));
	g_assert_nonnull(error);
	if (!strstr(error->message, want))
		g_error("'%s' does not say '%s'", error->message, want);
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	cleanup(out);
}

#define HDR "# tracer: nop\n# entries-in-buffer/entries-written: 4/4   #P:2\n"

static void test_ftrace_lines(void)
{
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;
	PsTraceHeader hdr;
	uint64_t ops[PS_NR_TRACE_OPS];
	const char *text = HDR
	    "  kworker/u4:1-events-99   [001] d..3.  10.000001: mm_page_alloc_zone_locked: "
	    "page=00000000aa pfn=0x1000 order=0 migratetype=1 percpu_refill=1\n"
	    "            cc1-42      [001] .....  10.000002: mm_page_alloc: page=0000000011 "
	    "pfn=0x1000 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO\n"
	    "            cc1-42      [000] .....  10.000003: mm_page_free: page=0000000011 "
	    "pfn=0x1000 order=0\n"
	    "            cc1-42      [000] ...2.  10.000003: mm_page_free_batched: "
	    "page=0000000011 pfn=0x1000 order=0\n"
	    "            cc1-42      [000] .....  10.000004: mm_page_free: page=0000000012 "
	    "pfn=0x2000 order=2\n"
	    "            cc1-42      [000] .....  10.000005: sched_switch: whatever\n"
	    "       python3-7        [000] .....  10.000006: mm_compaction_begin: zone_start=0x1 "
	    "migrate_pfn=0x1 free_pfn=0xe00 zone_end=0x1000, mode=sync\n"
	    "  kworker/0:1-11        [000] d..2.  10.000007: mm_page_pcpu_drain: page=00000000ab "
	    "pfn=0x1000 order=0 migratetype=1\n";

	g_assert_true(import_text(text, &st, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpint(st.detected, ==, PS_IMPORT_FTRACE);
	g_assert_cmpuint(st.allocs, ==, 1);
	g_assert_cmpuint(st.frees, ==, 1);
	g_assert_cmpuint(st.free_unknown, ==, 1); /* pfn 0x2000: the trace started mid-run */
	g_assert_cmpuint(st.free_batched, ==, 1);
	g_assert_cmpuint(st.unknown_events, ==, 1);
	g_assert_cmpuint(st.observed[PS_OBS_COMPACTION_BEGIN], ==, 1);
	g_assert_cmpuint(st.observed[PS_OBS_PCPU_DRAIN], ==, 1);
	g_assert_cmpuint(st.procs, ==, 4); /* comm with a '-' kept whole */
	count_ops(out, &hdr, ops);
	g_assert_cmpuint(ops[PS_OP_OBSERVED], ==, 3);
	g_assert_cmpuint(ops[PS_OP_FREE], ==, 2);
	cleanup(out);
}

/* text imported, each record put into a string by fmt. */
/* import_formatted with options (opts NULL: the defaults) */
static char *import_formatted_opts(const char *text, const PsImportOptions *opts, PsImportStats *st,
				   void (*fmt)(GString *seq, const PsTraceEvent *ev))
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	char *out = NULL;
	GString *seq = g_string_new(NULL);

	g_assert_true(import_bytes(text, -1, opts, st, &out, &error));
	g_assert_no_error(error);
	r = ps_trace_reader_open(out, &hdr, &error);
	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1)
		fmt(seq, &ev);
	g_assert_no_error(error);
	cleanup(out);
	return g_string_free(seq, FALSE);
}

static char *import_formatted(const char *text, PsImportStats *st,
			      void (*fmt)(GString *seq, const PsTraceEvent *ev))
{
	return import_formatted_opts(text, NULL, st, fmt);
}

static void fmt_record(GString *seq, const PsTraceEvent *ev)
{
	if (ev->op == PS_OP_PROC)
		return;
	g_string_append_printf(seq, "%s:%" PRIx64 "@%" PRIu64, ps_trace_op_names[ev->op], ev->pfn,
			       ev->t_ns);
	if (ev->value)
		g_string_append_printf(seq, "=%" PRId64, ev->value);
	if (ev->op == PS_OP_FREE && ev->free_reason != PS_FREE_UNSPEC)
		g_string_append_printf(seq, "~%s", ps_free_reason_names[ev->free_reason]);
	if (ev->op == PS_OP_ALLOC && ev->failed)
		g_string_append_c(seq, '!');
	if (ev->op == PS_OP_ALLOC && ev->kind != PS_KIND_UNSPEC)
		g_string_append_printf(seq, "+%s", ps_alloc_kind_names[ev->kind]);
	if (ev->irq != PS_IRQ_NONE)
		g_string_append_printf(seq, "^%s", ps_irq_ctx_names[ev->irq]);
	if (ev->op == PS_OP_COMPACT && ev->cpu >= 0)
		g_string_append_printf(seq, "/%d", ev->cpu);
	if (ev->pcp_locked)
		g_string_append_c(seq, '#');
	g_string_append_c(seq, ' ');
}

/*
 * Imports text; the records but proc as "op:pfn@t " (pfn in hex, 0 without one, t in ns), with
 * "=value" before the space when a record has one, "~reason" for a free's reason, "!" for a
 * failed alloc, "+kind" for an alloc's kind, "^softirq" (hardirq, nmi) for a record made in
 * interrupt context, "/cpu" for a compact record's cpu and "#" for a free that found its cpu's pcp
 * lock taken (pcp_locked).
 */
static char *import_records(const char *text, PsImportStats *st)
{
	return import_formatted(text, st, fmt_record);
}

/*
 * A failed mm_page_alloc (page=0, pfn=0) is an alloc record with failed: true ("!" below) and no
 * pfn; the allocation after it is an ordinary one.
 */
static void test_failed_alloc(void)
{
	PsImportStats st;
	g_autofree char *seq = import_records(
	    HDR
	    "           hog-42      [001] .....  10.000002: mm_page_alloc: page=0000000000000000 "
	    "pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE|__GFP_NORETRY|__GFP_THISNODE\n"
	    "           hog-42      [001] .....  10.000003: mm_page_alloc: page=0000000011 "
	    "pfn=0x1000 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE\n",
	    &st);

	g_assert_cmpstr(seq, ==, "alloc:0@0! alloc:1000@1000 ");
	g_assert_cmpuint(st.allocs, ==, 1);
	g_assert_cmpuint(st.alloc_failed, ==, 1);
}

/*
 * free_unref_folios: mm_page_free for every folio of the batch first, then each commit to the pcp
 * list (mm_page_free_batched) with its drains. The free records move to their commits, so the
 * drains fall between them as in the kernel; a free with no commit (order 4: freed to the buddy
 * inside the first loop) stays where it was recorded.
 */
static void test_batch_commits(void)
{
	PsImportStats st;
	g_autofree char *seq = NULL;
	const char *text = HDR
	    "  kdamond.0-77   [001] .....  10.000001: mm_page_free: page=01 pfn=0x1000 order=2\n"
	    "  kdamond.0-77   [001] .....  10.000002: mm_page_free: page=02 pfn=0x1004 order=2\n"
	    "  kdamond.0-77   [001] .....  10.000003: mm_page_free: page=03 pfn=0x1010 order=4\n"
	    "          cc1-42 [000] .....  10.000004: mm_page_alloc: page=04 pfn=0x2000 order=0 "
	    "migratetype=1 gfp_flags=GFP_KERNEL\n"
	    "  kdamond.0-77   [001] ...2.  10.000005: mm_page_free_batched: page=01 pfn=0x1000 "
	    "order=0\n"
	    "  kdamond.0-77   [001] d..3.  10.000006: mm_page_pcpu_drain: page=05 pfn=0x3000 "
	    "order=0 migratetype=1\n"
	    "  kdamond.0-77   [001] ...2.  10.000007: mm_page_free_batched: page=02 pfn=0x1004 "
	    "order=0\n"
	    "  kdamond.0-77   [001] d..3.  10.000008: mm_page_pcpu_drain: page=06 pfn=0x3001 "
	    "order=0 migratetype=1\n"
	    "  kdamond.0-77   [001] .....  10.000009: mm_page_free: page=07 pfn=0x1020 order=0\n"
	    "  kdamond.0-77   [001] ...2.  10.000010: mm_page_free_batched: page=08 pfn=0x5000 "
	    "order=0\n";

	seq = import_records(text, &st);
	g_assert_cmpuint(st.free_batched, ==, 3);
	g_assert_cmpuint(st.frees_at_commit, ==, 2);
	g_assert_cmpuint(st.free_batched_unmatched, ==, 1);
	/* times are ns from the first record (10.000001) */
	g_assert_cmpstr(seq, ==,
			"free:1010@2000 alloc:2000@3000 free:1000@4000 observed:3000@5000 "
			"free:1004@6000 observed:3001@7000 free:1020@8000 ");
}

/*
 * The hardirq/softirq character of the flags column (kernel/trace/trace_output.c: 's' softirq,
 * 'h' hardirq, 'H' hardirq during softirq, 'z'/'Z' NMI) becomes the record's irq; a batch-freed
 * page's free takes its commit line's context, not its mm_page_free's. Lines without the column
 * (trace-cmd report, perf script) have none.
 */
static void test_irq_context(void)
{
	PsImportStats st;
	g_autofree char *seq = import_records(
	    HDR
	    "  kdamond.0-77   [001] .....  10.000001: mm_page_free: page=01 pfn=0x1000 order=0\n"
	    "  kdamond.0-77   [001] ..s1.  10.000002: mm_page_free: page=02 pfn=0x1004 order=0\n"
	    "  kdamond.0-77   [001] .Ns..  10.000003: mm_page_free_batched: page=01 pfn=0x1000 "
	    "order=0\n"
	    "          cc1-42 [000] d.h2.  10.000004: mm_page_alloc: page=04 pfn=0x2000 order=0 "
	    "migratetype=1 gfp_flags=GFP_ATOMIC\n"
	    "          cc1-42 [000] d.H2.  10.000005: mm_page_pcpu_drain: page=05 pfn=0x3000 "
	    "order=0 migratetype=1\n"
	    "          cc1-42 [000] d.Z2.  10.000006: mm_page_free: page=04 pfn=0x2000 order=0\n"
	    "          cc1-42 [000] d..3.  10.000007: mm_page_pcpu_drain: page=06 pfn=0x3001 "
	    "order=0 migratetype=1\n"
	    "          cc1-42 [000]  10.000008: mm_page_alloc: page=07 pfn=0x4000 order=0 "
	    "migratetype=1 gfp_flags=GFP_KERNEL\n",
	    &st);

	g_assert_cmpstr(seq, ==,
			"free:1004@1000^softirq free:1000@2000^softirq alloc:2000@3000^hardirq "
			"observed:3000@4000^hardirq free:2000@5000^nmi observed:3001@6000 "
			"alloc:4000@7000 ");
}

/*
 * An interrupt inside free_unref_folios' commit loop (its softirqs after a drain, the task still
 * holding the pcp lock): the interrupt's free is written where it was recorded and leaves the
 * task's held frees held, so 0x1004 still moves to its commit after the drain. Releasing them
 * there put them before the drain (lab-churn-migrate/4k at 2.711 s: 22 frees), and a replay
 * counted them onto the pcp list before the kernel did.
 */
static void test_batch_interrupted(void)
{
	PsImportStats st;
	g_autofree char *seq = import_records(
	    HDR
	    "  workload-235   [001] .....  10.000001: mm_page_free: page=01 pfn=0x1000 order=0\n"
	    "  workload-235   [001] .....  10.000002: mm_page_free: page=02 pfn=0x1004 order=0\n"
	    "  workload-235   [001] .....  10.000003: mm_page_free_batched: page=01 pfn=0x1000 "
	    "order=0\n"
	    "  workload-235   [001] d....  10.000004: mm_page_pcpu_drain: page=05 pfn=0x3000 "
	    "order=0 migratetype=1\n"
	    "  workload-235   [001] ..s..  10.000005: mm_page_free: page=03 pfn=0x2000 order=0\n"
	    "  workload-235   [001] .....  10.000006: mm_page_free_batched: page=02 pfn=0x1004 "
	    "order=0\n",
	    &st);

	g_assert_cmpuint(st.frees_at_commit, ==, 2);
	g_assert_cmpuint(st.free_batched_unmatched, ==, 0);
	/* and the loop holds the pcp lock: the interrupt's free goes to the buddy (below) */
	g_assert_cmpuint(st.frees_pcp_locked, ==, 1);
	g_assert_cmpstr(seq, ==,
			"free:1000@2000 observed:3000@3000 free:2000@4000^softirq# "
			"free:1004@5000 ");
}

/*
 * free_unref_folios holds the cpu's pcp lock from its first commit to its last, so an interrupt's
 * free between two commits finds it taken (pcp_locked: __free_frozen_pages' pcp_spin_trylock
 * fails, free_one_page); one before the first commit (the loop of free_pages_prepare) or after
 * the last finds it free, as does one after the commits of the pcp orders when a held free of
 * another order (4 here, freed to the buddy in the first loop) has no commit to wait for.
 * Realdata qemu-arm64-4k: 37 softirq frees at 2.1148 s between two commits of churn's batch; a
 * refill at 2.2455 s takes 0x4a6ac, one of them, from the buddy.
 */
static void test_batch_pcp_locked(void)
{
	PsImportStats st;
	g_autofree char *seq = import_records(
	    HDR "  churn-269   [000] .....  10.000001: mm_page_free: page=01 pfn=0x1000 order=0\n"
		"  churn-269   [000] .....  10.000002: mm_page_free: page=02 pfn=0x1001 order=0\n"
		"  churn-269   [000] .....  10.000003: mm_page_free: page=03 pfn=0x1010 order=4\n"
		"  churn-269   [000] ..s..  10.000004: mm_page_free: page=04 pfn=0x2000 order=0\n"
		"  churn-269   [000] .....  10.000005: mm_page_free_batched: page=01 pfn=0x1000 "
		"order=0\n"
		"  churn-269   [000] ..s..  10.000006: mm_page_free: page=05 pfn=0x2001 order=0\n"
		"  churn-269   [000] ..s..  10.000007: mm_page_free: page=06 pfn=0x2002 order=0\n"
		"  churn-269   [000] .....  10.000008: mm_page_free_batched: page=02 pfn=0x1001 "
		"order=0\n"
		"  churn-269   [000] ..s..  10.000009: mm_page_free: page=07 pfn=0x2003 order=0\n",
	    &st);

	g_assert_cmpuint(st.frees_at_commit, ==, 2);
	g_assert_cmpuint(st.frees_pcp_locked, ==, 2);
	g_assert_cmpstr(
	    seq, ==,
	    "free:1010@2000 free:2000@3000^softirq free:1000@4000 free:2001@5000^softirq# "
	    "free:2002@6000^softirq# free:1001@7000 free:2003@8000^softirq ");
}

/*
 * A free held on an idle cpu while another cpu fills the ring is released where it was recorded;
 * its ring slot, reused by the next held free, still belongs to that one: releasing the idle
 * cpu's holds later must not release it, so it still moves to its commit.
 */
static void test_ring_full(void)
{
	PsImportStats st;
	g_autofree char *seq = NULL;
	GString *text = g_string_new(HDR);
	double t = 10.0;

	g_string_append_printf(
	    text, "  a-1 [001] .....  %.6f: mm_page_free: page=01 pfn=0x1000 order=0\n", t += 1e-6);
	/* with b's proc record, the ring's 8192 places are full after these */
	for (int i = 0; i < 8190; i++)
		g_string_append_printf(text,
				       "  b-2 [000] .....  %.6f: mm_page_alloc: page=02 pfn=0x%x "
				       "order=0 migratetype=1 gfp_flags=GFP_KERNEL\n",
				       t += 1e-6, 0x10000 + i);
	g_string_append_printf(
	    text,
	    "  b-2 [000] .....  %.6f: mm_page_free: page=03 pfn=0x10000 order=0\n"
	    "  a-1 [001] .....  %.6f: mm_page_alloc: page=04 pfn=0x2000 order=0 "
	    "migratetype=1 gfp_flags=GFP_KERNEL\n"
	    "  b-2 [000] ...2.  %.6f: mm_page_free_batched: page=03 pfn=0x10000 "
	    "order=0\n",
	    t + 1e-6, t + 2e-6, t + 3e-6);
	seq = import_records(text->str, &st);
	g_string_free(text, TRUE);
	g_assert_cmpuint(st.frees_at_commit, ==, 1);
	g_assert_cmpuint(st.free_batched_unmatched, ==, 0);
	/* the idle cpu's free first, at its own time; the last free at its commit's */
	g_assert_true(g_str_has_prefix(seq, "free:1000@0 alloc:10000@1000 "));
	g_assert_true(g_str_has_suffix(seq, "alloc:2000@8192000 free:10000@8193000 "));
}

/*
 * Compaction in a task's context without mm_compaction_try_to_compact_pages before it is a write
 * to /proc/sys/vm/compact_memory: one compact record per request (zones in upward order), none
 * for direct compaction or kcompactd.
 */
static void test_compact_requests(void)
{
	PsImportStats st;
	g_autofree char *seq = NULL;
	const char *text = HDR
	    "  python3-9  [000] .....  1.000001: mm_compaction_begin: zone_start=0x1 "
	    "migrate_pfn=0x1 free_pfn=0xe00 zone_end=0x1000, mode=sync\n"
	    "  python3-9  [000] .....  1.000002: mm_compaction_end: zone_start=0x1 "
	    "migrate_pfn=0xe00 free_pfn=0xe00 zone_end=0x1000, mode=sync status=complete\n"
	    "  python3-9  [000] .....  1.000003: mm_compaction_begin: zone_start=0x1000 "
	    "migrate_pfn=0x1000 free_pfn=0xffe00 zone_end=0x100000, mode=sync\n"
	    "  python3-9  [000] .....  1.000004: mm_compaction_end: zone_start=0x1000 "
	    "migrate_pfn=0xffe00 free_pfn=0xffe00 zone_end=0x100000, mode=sync status=complete\n"
	    "  kcompactd0-36 [001] .....  1.000005: mm_compaction_begin: zone_start=0x1000 "
	    "migrate_pfn=0x1000 free_pfn=0xffe00 zone_end=0x100000, mode=sync\n"
	    "  cc1-42     [001] .....  1.000006: mm_compaction_try_to_compact_pages: order=9 "
	    "gfp_mask=GFP_TRANSHUGE priority=2\n"
	    "  cc1-42     [001] .....  1.000007: mm_compaction_begin: zone_start=0x100000 "
	    "migrate_pfn=0x100000 free_pfn=0x17fe00 zone_end=0x180000, mode=async\n"
	    "  cc1-42     [001] .....  1.000008: mm_page_alloc: page=01 pfn=0x200 order=9 "
	    "migratetype=1 gfp_flags=GFP_TRANSHUGE\n"
	    "  python3-9  [001] .....  1.000009: mm_compaction_begin: zone_start=0x1 "
	    "migrate_pfn=0x1 free_pfn=0xe00 zone_end=0x1000, mode=sync\n"
	    "  python3-9  [001] .....  1.000010: mm_compaction_migratepages: nr_migrated=32 "
	    "nr_failed=0\n"
	    "  python3-9  [001] .....  1.000011: mm_compaction_end: zone_start=0x1 "
	    "migrate_pfn=0x100 free_pfn=0xe00 zone_end=0x1000, mode=sync status=contended\n"
	    "  ld-7       [001] .....  1.000012: mm_compaction_begin: zone_start=0x1000 "
	    "migrate_pfn=0x1000 free_pfn=0xffe00 zone_end=0x100000, mode=sync_light\n";

	seq = import_records(text, &st);
	g_assert_cmpuint(st.compact_requests, ==, 2);
	g_assert_cmpuint(st.observed[PS_OBS_COMPACTION_BEGIN], ==, 6);
	/*
	 * a compact record before each request's first begin, none for kcompactd, cc1 (direct) or
	 * ld (sync_light: not the sysctl's mode, though no try_to_compact_pages came first), each
	 * of order -1 (whole zones, as the sysctl compacts) on the writer's cpu (the second request
	 * ran on cpu 1: its migrated pages are freed to that cpu's pcp lists); an
	 * end's status is kept as enum compact_result + 1 (complete 6, contended 8), migratepages'
	 * count
	 */
	g_assert_cmpstr(seq, ==,
			"compact:0@0=-1/0 observed:0@0 observed:0@1000=6 observed:0@2000 "
			"observed:0@3000=6 observed:0@4000 observed:0@6000 alloc:200@7000 "
			"compact:0@8000=-1/1 observed:0@8000 observed:0@9000=32 observed:0@10000=8 "
			"observed:0@11000 ");
}

static void fmt_compact(GString *seq, const PsTraceEvent *ev)
{
	if (ev->op == PS_OP_COMPACT)
		g_string_append_printf(seq, "compact@%" PRIu64 "=%" PRId64 "/%d ", ev->t_ns,
				       ev->value, ev->cpu);
}

/*
 * --portable: a write to compact_memory (sync compaction in the task's context, zones upward, no
 * try_to_compact_pages first) is the same compact record as in an exact import, on the writer's
 * cpu, with or without --observed; a direct compaction (try_to_compact_pages first) is none.
 */
static void test_portable_compact(void)
{
	static const char text[] =
	    "# tracer: nop\n#P:2\n"
	    "  cc1-42     [000] .....  1.000001: mm_compaction_try_to_compact_pages: order=9 "
	    "gfp_mask=GFP_TRANSHUGE priority=2\n"
	    "  cc1-42     [000] .....  1.000002: mm_compaction_begin: zone_start=0x1 "
	    "migrate_pfn=0x1 free_pfn=0xe00 zone_end=0x1000, mode=sync\n"
	    "  python3-9  [001] .....  1.000003: mm_compaction_begin: zone_start=0x1 "
	    "migrate_pfn=0x1 free_pfn=0xe00 zone_end=0x1000, mode=sync\n"
	    "  python3-9  [001] .....  1.000004: mm_compaction_end: zone_start=0x1 "
	    "migrate_pfn=0xe00 free_pfn=0xe00 zone_end=0x1000, mode=sync status=complete\n"
	    "  python3-9  [001] .....  1.000005: mm_compaction_begin: zone_start=0x1000 "
	    "migrate_pfn=0x1000 free_pfn=0xffe00 zone_end=0x100000, mode=sync\n" PA("1.000006",
										    "0x200");

	for (int observed = 0; observed <= 1; observed++) {
		PsImportOptions opts = {.portable = true, .portable_observed = observed};
		PsImportStats st;
		g_autofree char *got = import_formatted_opts(text, &opts, &st, fmt_compact);

		/* one request (its two zones), at its first begin, 2 us after the trace's start */
		g_assert_cmpstr(got, ==, "compact@2000=-1/1 ");
		g_assert_cmpuint(st.compact_requests, ==, 1);
	}
}

static void fmt_compact_start(GString *seq, const PsTraceEvent *ev)
{
	if (ev->op != PS_OP_OBSERVED || ev->event != PS_OBS_COMPACTION_BEGIN)
		return;
	if (!ev->compact.has_start) {
		g_string_append(seq, "begin ");
		return;
	}
	g_string_append_printf(seq, "begin %" PRIx64 ":%" PRIx64 ":%" PRIx64 ":%" PRIx64 ":%d ",
			       ev->compact.zone_start, ev->compact.migrate_pfn,
			       ev->compact.free_pfn, ev->compact.zone_end, ev->compact.sync);
}

/*
 * mm_compaction_begin's scanner starts go into its observed record (PsTraceEvent.compact), sync
 * for any mode but async, in exact and portable imports; a line without them keeps none; a
 * line with some of them is an error naming the one missing.
 */
static void test_compact_start(void)
{
	static const char text[] =
	    "# tracer: nop\n#P:2\n"
	    "  kcompactd0-36 [001] .....  1.000001: mm_compaction_begin: zone_start=0x1000 "
	    "migrate_pfn=0x6400 free_pfn=0xbfe00 zone_end=0x100000, mode=sync_light\n"
	    "  cc1-42     [000] .....  1.000002: mm_compaction_begin: zone_start=0x100000 "
	    "migrate_pfn=0x100000 free_pfn=0x17fe00 zone_end=0x180000, mode=async\n"
	    "  cc1-42     [000] .....  1.000003: mm_compaction_begin: \n";
	PsImportStats st;

	for (int portable = 0; portable <= 1; portable++) {
		PsImportOptions opts = {.portable = portable, .portable_observed = portable};
		g_autofree char *got = import_formatted_opts(text, &opts, &st, fmt_compact_start);

		g_assert_cmpstr(got, ==,
				"begin 1000:6400:bfe00:100000:1 "
				"begin 100000:100000:17fe00:180000:0 begin ");
	}
	refused("# tracer: nop\n#P:2\n"
		"  cc1-42     [000] .....  1.000002: mm_compaction_begin: zone_start=0x100000 "
		"migrate_pfn=0x100000 zone_end=0x180000, mode=async\n",
		-1, "mm_compaction_begin: free_pfn: missing");
}

static void fmt_isolate(GString *seq, const PsTraceEvent *ev)
{
	if (ev->op != PS_OP_OBSERVED)
		return;
	g_assert_cmpint(ev->event, ==, PS_OBS_COMPACTION_ISOLATE_FREEPAGES);
	g_string_append_printf(seq, "%" PRIx64 "+%" PRIu64 "=%" PRId64 " ", ev->pfn, ev->len,
			       ev->value);
}

/*
 * mm_compaction_isolate_freepages: the walked range's start as pfn, its length as len, nr_taken
 * as value (a walk that stopped where it began has no len); a range that is not one is refused.
 */
static void test_isolate_freepages(void)
{
	PsImportStats st;
	g_autofree char *got = NULL;
	const char *text =
	    HDR "  churn-269  [000] .....  7.585449: mm_compaction_isolate_freepages: "
		"range=(0xbfe00 ~ 0xc0000) nr_scanned=512 nr_taken=0\n"
		"  churn-269  [000] .....  7.585590: mm_compaction_isolate_freepages: "
		"range=(0xbfc00 ~ 0xbfc88) nr_scanned=136 nr_taken=24\n"
		"  churn-269  [000] .....  7.585600: mm_compaction_isolate_freepages: "
		"range=(0xbfa00 ~ 0xbfa00) nr_scanned=0 nr_taken=0\n";

	got = import_formatted(text, &st, fmt_isolate);
	g_assert_cmpuint(st.observed[PS_OBS_COMPACTION_ISOLATE_FREEPAGES], ==, 3);
	g_assert_cmpstr(got, ==, "bfe00+512=0 bfc00+136=24 bfa00+0=0 ");
	refused(HDR "  churn-269  [000] .....  7.585449: mm_compaction_isolate_freepages: "
		    "range=(0xc0000 ~ 0xbfe00) nr_scanned=512 nr_taken=0\n",
		-1, "mm_compaction_isolate_freepages: range: ");
	refused(HDR "  churn-269  [000] .....  7.585449: mm_compaction_isolate_freepages: "
		    "range=(0xbfe00 ~ 0xc0000) nr_scanned=512\n",
		-1, "nr_taken");
}

static void fmt_fast_isolate(GString *seq, const PsTraceEvent *ev)
{
	if (ev->op != PS_OP_OBSERVED)
		return;
	g_assert_cmpint(ev->event, ==, PS_OBS_COMPACTION_FAST_ISOLATE_FREEPAGES);
	g_string_append_printf(seq, "%" PRIx64 "+%" PRIu64 "=%" PRId64 " ", ev->pfn, ev->len,
			       ev->value);
}

/*
 * mm_compaction_fast_isolate_freepages (same format): min_pfn as pfn, free_pfn - min_pfn as
 * len, nr_taken as value. A min_pfn above free_pfn (it wraps when the migrate scanner has
 * passed the free one: a line of a 6.18.44 recording) is kept as an empty range at free_pfn;
 * for the other isolate events such a range is still refused.
 */
static void test_fast_isolate_freepages(void)
{
	PsImportStats st;
	g_autofree char *got = NULL;
	const char *text =
	    HDR "  b.hog-21546  [000] .....  727.137788: mm_compaction_fast_isolate_freepages: "
		"range=(0x320800 ~ 0x5fe000) nr_scanned=2 nr_taken=128\n"
		"  b.hog-21546  [000] .....  727.159113: mm_compaction_fast_isolate_freepages: "
		"range=(0x80000000005ff600 ~ 0x5ff600) nr_scanned=795 nr_taken=0\n";

	got = import_formatted(text, &st, fmt_fast_isolate);
	g_assert_cmpuint(st.observed[PS_OBS_COMPACTION_FAST_ISOLATE_FREEPAGES], ==, 2);
	g_assert_cmpstr(got, ==, "320800+3004416=128 5ff600+0=0 ");
}

/*
 * migrate:remove_migration_pte then the same task's mm_page_free of a live allocation on that
 * cpu: the folio's old pages, written with a new id and reason migrated, and the allocation's id
 * moves to the pte's pfn (bits 47..PAGE_SHIFT), where a later free finds it. A free with another
 * record between, or of another task, stays an ordinary free; a pte that is not hexadecimal is
 * refused.
 */
static void fmt_alloc_free(GString *seq, const PsTraceEvent *ev)
{
	if (ev->op == PS_OP_ALLOC || ev->op == PS_OP_FREE)
		g_string_append_printf(seq, "%s:%" PRIx64 "#%" PRIu64 "%s ",
				       ps_trace_op_names[ev->op], ev->pfn, ev->id,
				       ps_free_reason_names[ev->free_reason]);
}

/*
 * alloc_pages_bulk's untraced takes (import.c, bulk_take): cpu 0's Unmovable list gets 0x200..0x202
 * from a refill; an allocation of 0x202 behind 0x201, which no later record allocates, writes
 * 0x201's allocation first (its later free finds it); the next refill finds 0x201 (freed, never
 * named again) still on the list and writes its allocation before it; an allocation behind 0x300,
 * which a later record allocates, writes nothing (rejected); a refill of the list while it still
 * holds 0x202 (freed, never named again) writes 0x202's allocation before it; that refill's page
 * 0x400 goes to the allocation after it.
 */
#define BZL(t, pfn)                                                                                \
	"  a-9  [000] .....  " t ": mm_page_alloc_zone_locked: page=01 pfn=" pfn                   \
	" order=0 migratetype=0 percpu_refill=1\n"
#define BAL(t, pfn)                                                                                \
	"  a-9  [000] .....  " t ": mm_page_alloc: page=01 pfn=" pfn " order=0 migratetype=0 "     \
	"gfp_flags=GFP_KERNEL\n"
#define BFR(t, pfn) "  a-9  [000] .....  " t ": mm_page_free: page=01 pfn=" pfn " order=0\n"

static void fmt_bulk(GString *seq, const PsTraceEvent *ev)
{
	if (ev->op == PS_OP_OBSERVED && ev->event == PS_OBS_ZONE_LOCKED)
		g_string_append_printf(seq, "zl:%" PRIx64 " ", ev->pfn);
	else
		fmt_alloc_free(seq, ev);
}

/* text's import, written by fmt, is want, with takes pages taken and rejected gaps */
static void assert_bulk_fmt(const char *text, void (*fmt)(GString *seq, const PsTraceEvent *ev),
			    guint64 takes, guint64 rejected, const char *want)
{
	PsImportStats st;
	g_autofree char *got = import_formatted(text, &st, fmt);

	g_assert_cmpuint(st.bulk_takes, ==, takes);
	g_assert_cmpuint(st.bulk_rejected, ==, rejected);
	g_assert_cmpstr(got, ==, want);
}

/* text's import (fmt_bulk) is want, with takes pages taken and rejected gaps */
static void assert_bulk(const char *text, guint64 takes, guint64 rejected, const char *want)
{
	assert_bulk_fmt(text, fmt_bulk, takes, rejected, want);
}

static void test_bulk_take(void)
{
	const char *text = HDR BZL("1.000001", "0x200") BZL("1.000002", "0x201")
	    BZL("1.000003", "0x202") BAL("1.000010", "0x200") BAL("1.000020", "0x202")
		BFR("2.000000", "0x201") BZL("3.000001", "0x300") BZL("3.000002", "0x301")
		    BAL("3.000010", "0x301") BAL("3.000020", "0x300") BFR("4.000001", "0x202")
			BZL("4.000002", "0x400") BAL("4.000010", "0x400");

	assert_bulk_fmt(text, fmt_alloc_free, 3, 1,
			"alloc:200#1 alloc:201#2 alloc:202#3 free:201#2 alloc:201#4 alloc:301#5 "
			"alloc:300#6 free:202#3 alloc:202#7 alloc:400#8 ");
}

/*
 * A refill alloc_pages_bulk needed (import.c, bulk_refill_end): cpu 0's refill of 0x200..0x201
 * serves a traced allocation of 0x200, so nothing is taken from it; the refill of 0x300..0x302
 * starts while the list holds 0x201 (taken before it, as in bulk_take), and its first two pages,
 * which no later record names but a free, are written as taken after the refill's last record
 * (and from the head only: 0x302 is allocated by a record after them, another task's free on
 * cpu 1 in between ends the refill).
 */
static void test_bulk_refill_take(void)
{
	const char *text = HDR BZL("1.000001", "0x200") BZL("1.000002", "0x201")
	    BAL("1.000010", "0x200") BZL("2.000001", "0x300") BZL("2.000002", "0x301")
		BZL("2.000003", "0x302") "  b-8  [001] .....  2.000004: mm_page_free: page=01 "
					 "pfn=0x500 order=0\n" BAL("2.000010", "0x302")
					     BFR("3.000001", "0x301") BFR("3.000002", "0x300")
						 BFR("3.000003", "0x201");

	assert_bulk(text, 3, 0,
		    "zl:200 zl:201 alloc:200#1 alloc:201#2 zl:300 zl:301 zl:302 alloc:300#3 "
		    "alloc:301#4 free:500#5 alloc:302#6 free:301#4 free:300#3 free:201#2 ");
}

/*
 * A refill at the trace's end (import.c, bulk_refill_end, review-rest s16 item 6): cpu 0's refill
 * of 0x200..0x202 and no later line naming those pages. Pages still on the pcp list when the
 * trace ends look the same as pages a bulk took and never freed, so nothing is written (2f0897d
 * wrote three allocations).
 */
static void test_bulk_refill_end_trace(void)
{
	const char *text = HDR BZL("1.000001", "0x200") BZL("1.000002", "0x201")
	    BZL("1.000003", "0x202") "  b-8  [001] .....  2.000000: mm_page_free: page=01 "
				     "pfn=0x500 order=0\n";

	assert_bulk(text, 0, 0, "zl:200 zl:201 zl:202 free:500#1 ");
}

/*
 * The realdata 16K case's shape (cat-245's vmalloc bulk at 2.474402 s): cpu 0's refill of
 * 0x200..0x204 serves a bulk; 0x200 and 0x202 are freed later with no allocation between (vfree:
 * the evidence of a take), 0x201 is never named again (taken ahead of 0x202: __rmqueue_pcplist
 * takes from the head), 0x203 and 0x204 are never named again either (no evidence: they may
 * still be listed), so three takes are written after the refill's last record and the two
 * pages behind stay on the list.
 */
static void test_bulk_refill_take_16k(void)
{
	const char *text = HDR BZL("1.000001", "0x200") BZL("1.000002", "0x201")
	    BZL("1.000003", "0x202") BZL("1.000004", "0x203")
		BZL("1.000005", "0x204") "  b-8  [001] .....  1.000006: mm_page_free: page=01 "
					 "pfn=0x500 order=0\n" BFR("2.000001", "0x202")
					     BFR("2.000002", "0x200");

	assert_bulk(text, 3, 0,
		    "zl:200 zl:201 zl:202 zl:203 zl:204 alloc:200#1 alloc:201#2 alloc:202#3 "
		    "free:500#4 free:202#3 free:200#1 ");
}

/*
 * alloc_pages_bulk takes from order-0 lists only (alloc_pages_bulk_noprof): an allocation from cpu
 * 0's order-2 Unmovable list behind 0x500, which no later record names, writes nothing (rejected).
 */
#define BZL2(t, pfn)                                                                               \
	"  a-9  [000] .....  " t ": mm_page_alloc_zone_locked: page=01 pfn=" pfn                   \
	" order=2 migratetype=0 percpu_refill=1\n"
#define BAL2(t, pfn)                                                                               \
	"  a-9  [000] .....  " t ": mm_page_alloc: page=01 pfn=" pfn " order=2 migratetype=0 "     \
	"gfp_flags=GFP_KERNEL\n"

static void test_bulk_take_order2(void)
{
	const char *text =
	    HDR BZL2("1.000001", "0x500") BZL2("1.000002", "0x504") BAL2("1.000010", "0x504");

	assert_bulk_fmt(text, fmt_alloc_free, 0, 1, "alloc:504#1 ");
}

/*
 * The first pass (import.c, prepass) names the pages the main pass names. Cpu 0's refill puts
 * 0x200 and 0x201 on its Unmovable list, and an allocation of 0x201 finds 0x200 ahead of it. A
 * later allocation of pfn 0512 (decimal, leading zero: 0x200 to the main pass) shows 0x200 was not
 * taken: rejected, nothing written (the first pass read 0512 as octal before, and took 0x200).
 * A comment line that looks like an allocation of 0x200 is a comment to both: 0x200 was taken
 * (the first pass counted it as a record before, and rejected the take).
 */
static void test_bulk_first_pass(void)
{
	const char *text = HDR BZL("1.000001", "0x200") BZL("1.000002", "0x201")
	    BAL("1.000010", "0x201") BAL("2.000000", "0512");
	const char *text2 = HDR BZL("1.000001", "0x200") BZL("1.000002", "0x201")
	    BAL("1.000010", "0x201") "#" BAL("2.000000", "0x200");

	assert_bulk_fmt(text, fmt_alloc_free, 0, 1, "alloc:201#1 alloc:200#2 ");
	assert_bulk_fmt(text2, fmt_alloc_free, 1, 0, "alloc:200#1 alloc:201#2 ");
}

/*
 * The main pass assumes what the first pass has not settled once it is far enough ahead (import.c,
 * prepass): with PsImportOptions.first_lead 1, an allocation of 0x201 behind 0x200, which no line
 * in the next 600 names, takes 0x200 on the assumption that none will; a later allocation of 0x200
 * shows it was not taken, so the import runs again without assuming and writes what waiting
 * writes (as test_bulk_first_pass). Where nothing names 0x200 again, the assumption holds: one
 * run, 0x200 taken. Never assuming (UINT64_MAX) and the default (the text is shorter than the
 * default lead) write the same without a second run.
 */
static void test_bulk_assumed(void)
{
	g_autoptr(GString) text = g_string_new(HDR BZL("1.000001", "0x200") BZL("1.000002", "0x201")
						   BAL("1.000010", "0x201"));
	g_autoptr(GString) text2 = NULL;
	static const uint64_t leads[] = {1, 0, UINT64_MAX};

	for (int i = 0; i < 600; i++) /* past what the first pass reads at a time (IMP_LEAD) */
		g_string_append(text, "# a comment line\n");
	text2 = g_string_new(text->str);
	g_string_append(text, BAL("2.000000", "0x200"));
	g_string_append(text2, BFR("2.000000", "0x201"));
	for (size_t i = 0; i < G_N_ELEMENTS(leads); i++) {
		PsImportOptions opts = {.first_lead = leads[i]};
		PsImportStats st;
		g_autofree char *got = import_formatted_opts(text->str, &opts, &st, fmt_alloc_free);
		g_autofree char *got2 = NULL;

		g_assert_cmpstr(got, ==, "alloc:201#1 alloc:200#2 ");
		g_assert_cmpuint(st.bulk_takes, ==, 0);
		g_assert_cmpuint(st.bulk_rejected, ==, 1);
		g_assert_cmpuint(st.first_reruns, ==, leads[i] == 1);
		got2 = import_formatted_opts(text2->str, &opts, &st, fmt_alloc_free);
		g_assert_cmpstr(got2, ==, "alloc:200#1 alloc:201#2 free:201#2 ");
		g_assert_cmpuint(st.bulk_takes, ==, 1);
		g_assert_cmpuint(st.first_reruns, ==, 0);
	}
}

static void test_migration_pte(void)
{
	PsImportStats st;
	g_autofree char *got = NULL;
	const char *text = HDR
	    "  a-9  [000] .....  1.000001: mm_page_alloc: page=01 pfn=0x100 order=0 "
	    "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
	    "  a-9  [000] .....  1.000002: mm_page_alloc: page=01 pfn=0x101 order=0 "
	    "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
	    "  a-9  [000] .....  2.000001: remove_migration_pte: addr=490000, "
	    "pte=6800005dce0bc3 order=0\n"
	    "  a-9  [000] .....  2.000002: mm_page_free: page=01 pfn=0x100 order=0\n"
	    "  a-9  [000] .....  2.000003: remove_migration_pte: addr=491000, "
	    "pte=6800005dce1bc3 order=0\n"
	    "  a-9  [000] .....  2.000004: mm_page_alloc_zone_locked: page=01 pfn=0x300 order=0 "
	    "migratetype=0 percpu_refill=1\n"
	    "  a-9  [000] .....  2.000004: mm_page_alloc: page=01 pfn=0x300 order=0 "
	    "migratetype=0 gfp_flags=GFP_KERNEL\n"
	    "  a-9  [000] .....  2.000005: mm_page_free: page=01 pfn=0x101 order=0\n"
	    "  a-9  [000] .....  3.000001: mm_page_free: page=01 pfn=0x5dce0 order=0\n";

	got = import_formatted(text, &st, fmt_alloc_free);
	g_assert_cmpuint(st.migration_ptes, ==, 2);
	g_assert_cmpuint(st.free_migrated, ==, 1);
	g_assert_cmpstr(got, ==,
			"alloc:100#1 alloc:101#2 free:100#3migrated alloc:300#4 free:101#2 "
			"free:5dce0#1 ");
	refused(HDR "  a-9  [000] .....  2.000001: remove_migration_pte: addr=490000, "
		    "pte=zz order=0\n",
		-1, "remove_migration_pte: pte: 'zz'");
}

/* The import of text: its migration counts and "op:pfn#id[reason] " records. */
static void assert_migration(const char *text, uint64_t ptes, uint64_t pte_pages,
			     uint64_t window_pages, uint64_t snapshot_pages, uint64_t new_frees,
			     const char *want)
{
	PsImportStats st;
	g_autofree char *got = import_formatted(text, &st, fmt_alloc_free);

	g_assert_cmpuint(st.migration_ptes, ==, ptes);
	g_assert_cmpuint(st.free_migrated, ==, pte_pages);
	g_assert_cmpuint(st.free_migrated_window, ==, window_pages);
	g_assert_cmpuint(st.free_migrated_snapshot, ==, snapshot_pages);
	g_assert_cmpuint(st.free_migrated_new, ==, new_frees);
	g_assert_cmpuint(st.unknown_events, ==, 0);
	g_assert_cmpstr(got, ==, want);
}

#define MIG_ALLOCS                                                                                 \
	HDR "  a-9  [000] .....  1.000001: mm_page_alloc: page=01 pfn=0x100 order=0 "              \
	    "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"                                       \
	    "  a-9  [000] .....  1.000002: mm_page_alloc: page=01 pfn=0x101 order=0 "              \
	    "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"

/*
 * Without remove_migration_pte: a free by the compacting task, on its cpu, of a live allocation
 * inside the range of the open migrate step (mm_compaction_isolate_migratepages with nr_taken >
 * 0, up to mm_compaction_migratepages) is a migrated folio's old pages (new id, reason
 * migrated), and a later free of a pfn no allocation names inside a range the free scanner
 * isolated (mm_compaction_isolate_freepages) takes the moved allocation's id. Frees of another
 * task, outside the range, in an interrupt or after the step stay ordinary, as does an unnamed
 * pfn outside the free scanner's ranges; an unnamed pfn in the step's range (allocated before the
 * trace started) is an old folio too.
 */
static void test_migration_window(void)
{
	assert_migration(
	    MIG_ALLOCS "  a-9  [000] .....  1.000003: mm_page_alloc: page=01 pfn=0x102 order=0 "
		       "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		       "  a-9  [000] .....  1.000004: mm_page_alloc: page=01 pfn=0x200 order=0 "
		       "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		       "  a-9  [000] .....  2.000001: mm_compaction_isolate_migratepages: "
		       "range=(0x100 ~ 0x180) nr_scanned=128 nr_taken=3\n"
		       "  a-9  [000] .....  2.000002: mm_compaction_isolate_freepages: "
		       "range=(0x400 ~ 0x440) nr_scanned=64 nr_taken=3\n"
		       "  a-9  [000] .....  2.000003: mm_page_free: page=01 pfn=0x100 order=0\n"
		       "  a-9  [000] .....  2.000004: mm_page_free: page=01 pfn=0x200 order=0\n"
		       "  a-9  [000] .....  2.000004: mm_page_free: page=01 pfn=0x140 order=0\n"
		       "  a-9  [000] ..s..  2.000004: mm_page_free: page=01 pfn=0x150 order=0\n"
		       "  b-10 [000] .....  2.000005: mm_page_free: page=01 pfn=0x101 order=0\n"
		       "  a-9  [000] .....  2.000006: mm_compaction_migratepages: nr_migrated=1 "
		       "nr_failed=0\n"
		       "  a-9  [000] .....  2.000007: mm_page_free: page=01 pfn=0x102 order=0\n"
		       "  a-9  [000] .....  3.000001: mm_page_free: page=01 pfn=0x500 order=0\n"
		       "  a-9  [000] .....  3.000002: mm_page_free: page=01 pfn=0x410 order=0\n",
	    0, 0, 2, 1, 1,
	    "alloc:100#1 alloc:101#2 alloc:102#3 alloc:200#4 free:100#5migrated free:200#4 "
	    "free:140#6migrated free:150#7 free:101#2 free:102#3 free:500#8 free:410#1 ");
}

/*
 * With remove_migration_pte records the migrate step's rule still takes the old folios no pte
 * mapped (unmapped page cache): on this machine's press-hog recording the pte rule alone found
 * 11,895 of the kernel's 80,124 migrated pages, both rules together all of them.
 */
static void test_migration_window_with_pte(void)
{
	assert_migration(
	    MIG_ALLOCS "  a-9  [000] .....  2.000001: mm_compaction_isolate_migratepages: "
		       "range=(0x100 ~ 0x180) nr_scanned=128 nr_taken=2\n"
		       "  a-9  [000] .....  2.000002: mm_migrate_pages_start: mode=MIGRATE_ASYNC "
		       "reason=compaction\n"
		       "  a-9  [000] .....  2.000003: remove_migration_pte: addr=490000, "
		       "pte=6800005dce0bc3 order=0\n"
		       "  a-9  [000] .....  2.000004: mm_page_free: page=01 pfn=0x100 order=0\n"
		       "  a-9  [000] .....  2.000005: mm_page_free: page=01 pfn=0x101 order=0\n"
		       "  a-9  [000] .....  2.000006: mm_migrate_pages: nr_succeeded=2 nr_failed=0 "
		       "nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 "
		       "mode=MIGRATE_ASYNC reason=compaction\n"
		       "  a-9  [000] .....  2.000006: mm_compaction_migratepages: nr_migrated=2 "
		       "nr_failed=0\n"
		       "  a-9  [000] .....  3.000001: mm_page_free: page=01 pfn=0x5dce0 order=0\n",
	    1, 1, 1, 0, 0,
	    "alloc:100#1 alloc:101#2 free:100#3migrated free:101#4migrated free:5dce0#1 ");
}

/*
 * Imports tests/data/NAME and checks the migrate-step rule against the kernel's own count: at
 * each mm_migrate_pages, the pages imported with reason migrated up to its time must be the
 * steps' nr_succeeded so far (migrate_pages_batch puts each migrated folio's old pages,
 * migrate_folio_done, before the tracepoint fires, and the rule must mark no other free).
 * Returns the pages marked; *st the import's counts.
 */
static uint64_t assert_steps_exact(const char *name, guint steps, PsImportStats *st)
{
	g_autofree char *in = data_path(name);
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *out = g_build_filename(dir, "t.jsonl.gz", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	g_autoptr(GArray) step_t = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	g_autoptr(GArray) step_n = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	char **lines = gz_lines(name);
	PsImportOptions opts = {0};
	PsTraceHeader hdr;
	PsTraceEvent ev;
	uint64_t t0 = 0, kernel = 0, marked = 0;
	bool have_t0 = false;
	guint s = 0;

	/* the steps from the text: time since the first event (the import's t 0), nr_succeeded */
	for (int i = 0; lines[i]; i++) {
		const char *ts = strstr(lines[i], "]");
		const char *nr = strstr(lines[i], " mm_migrate_pages: nr_succeeded=");
		unsigned long long sec, usec, n;
		uint64_t t;

		if (lines[i][0] == '#' || !ts || sscanf(ts, "] %*s %llu.%llu:", &sec, &usec) != 2)
			continue;
		t = (uint64_t)sec * 1000000000ull + (uint64_t)usec * 1000ull;
		if (!have_t0) {
			t0 = t;
			have_t0 = true;
		}
		if (!nr)
			continue;
		g_assert_cmpint(sscanf(nr, " mm_migrate_pages: nr_succeeded=%llu", &n), ==, 1);
		t -= t0;
		g_array_append_val(step_t, t);
		g_array_append_val(step_n, n);
	}
	g_strfreev(lines);
	g_assert_cmpuint(step_t->len, ==, steps);

	g_assert_true(ps_trace_import(in, out, &opts, st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st->unknown_events, ==, 0);
	r = ps_trace_reader_open(out, &hdr, &error);
	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1) {
		if (ev.op != PS_OP_FREE || ev.free_reason != PS_FREE_MIGRATED)
			continue;
		/* every step before this free's time has its count already */
		for (; s < step_t->len && g_array_index(step_t, uint64_t, s) < ev.t_ns; s++) {
			kernel += g_array_index(step_n, uint64_t, s);
			g_assert_cmpuint(marked, ==, kernel);
		}
		marked += 1ull << ev.order;
	}
	g_assert_no_error(error);
	for (; s < step_t->len; s++) {
		kernel += g_array_index(step_n, uint64_t, s);
		g_assert_cmpuint(marked, ==, kernel);
	}
	g_assert_cmpuint(st->free_migrated + st->free_migrated_window, ==, marked);
	g_unlink(out);
	g_rmdir(dir);
	return marked;
}

/*
 * The migrate-step rule on a real recording (tests/data/compact-migrate-excerpt: two cuts of a
 * 6.18 press-hog recording, as recorded, the other tasks' frees on the same cpus kept). a: one
 * direct compaction, 5 steps of page cache allocated before the cut (1,056 pages), while ld
 * frees 73 pages inside the open step's range on the compacting cpu (the pid test). b: seven
 * compactions, 20 steps, 661 pages, 297 of them by the remove_migration_pte rule. c and d (a
 * session-22 recording of the same run): in c a softirq frees a live page of another task on
 * the compacting cpu right after a remove_migration_pte (the pte rule must take task context
 * only: without, 5,988 pages against 5,987); in d the compacting task starts a 427-page step on
 * cpu 0 and ends it on cpu 1 (the step is the task's: keyed by cpu, 430 against 459).
 */
static void test_migrate_step_recording(void)
{
	PsImportStats st;

	g_assert_cmpuint(assert_steps_exact("compact-migrate-excerpt/trace-a-6.18.txt.gz", 5, &st),
			 ==, 1056);
	g_assert_cmpuint(st.free_migrated_snapshot, ==, 1056);
	g_assert_cmpuint(assert_steps_exact("compact-migrate-excerpt/trace-b-6.18.txt.gz", 20, &st),
			 ==, 661);
	g_assert_cmpuint(st.free_migrated, ==, 297);
	g_assert_cmpuint(st.free_migrated_window, ==, 364);
	g_assert_cmpuint(assert_steps_exact("compact-migrate-excerpt/trace-c-6.18.txt.gz", 35, &st),
			 ==, 5987);
	g_assert_cmpuint(st.free_migrated, ==, 10);
	g_assert_cmpuint(assert_steps_exact("compact-migrate-excerpt/trace-d-6.18.txt.gz", 2, &st),
			 ==, 459);
}

/*
 * The proc records of an imported trace as "pid@t=VALUE " each: VALUE the record's mempolicy, or
 * its memcg when memcg is set.
 */
static char *proc_values(const char *path, bool memcg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	GString *seq = g_string_new(NULL);

	r = ps_trace_reader_open(path, &hdr, &error);
	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1)
		if (ev.op == PS_OP_PROC)
			g_string_append_printf(seq, "%d@%" PRIu64 "=%s ", ev.pid, ev.t_ns,
					       memcg ? ev.memcg : ev.mempolicy);
	g_assert_no_error(error);
	return g_string_free(seq, FALSE);
}

/*
 * --tasks (pagesim-capture's before.tasks): a task it names starts in its memcg, one it does not
 * in the "*" line's (where the command started), a forked one in its parent's
 * (sched_process_fork), and cgroup_attach_task moves a task: a proc record at once when it was
 * seen, else in its first one. Without --tasks no proc record has a memcg. A bad line names
 * the file and line.
 */
static void test_tasks_memcg(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.txt", NULL);
	g_autofree char *tasks = g_build_filename(dir, "before.tasks", NULL);
	g_autofree char *out = g_build_filename(dir, "out.jsonl", NULL);
	const char *text =
	    HDR "  a-42  [000] .....  1.000001: mm_page_alloc: page=01 pfn=0x100 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  a-42  [000] .....  1.000002: sched_process_fork: comm=a pid=42 child_comm=a "
		"child_pid=50\n"
		"  a-50  [001] .....  1.000003: mm_page_alloc: page=01 pfn=0x101 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  sh-9  [000] .....  1.000004: cgroup_attach_task: dst_root=4 dst_id=9 "
		"dst_level=1 dst_path=/c pid=42 comm=a\n"
		"  sh-9  [000] .....  1.000005: cgroup_attach_task: dst_root=4 dst_id=9 "
		"dst_level=1 dst_path=/c pid=43 comm=b\n"
		"  b-43  [001] .....  1.000006: mm_page_alloc: page=01 pfn=0x103 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  d-44  [001] .....  1.000007: mm_page_alloc: page=01 pfn=0x104 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n";
	PsImportOptions opts = {.tasks = tasks};
	PsImportStats st;
	g_autofree char *seq = NULL;

	g_assert_true(g_file_set_contents(in, text, -1, NULL));
	g_assert_true(g_file_set_contents(tasks, "# x\n* /cmd\n42 /a\n43 /b/x\n", -1, NULL));
	g_assert_true(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.memcg_tasks, ==, 2);
	g_assert_cmpuint(st.memcg_moves, ==, 2);
	seq = proc_values(out, true);
	g_assert_cmpstr(seq, ==, "42@0=/a 50@2000=/a 42@3000=/c 43@5000=/c 44@6000=/cmd ");

	opts.tasks = NULL;
	g_assert_true(ps_trace_import(in, out, &opts, &st, &error));
	g_clear_pointer(&seq, g_free);
	seq = proc_values(out, true);
	g_assert_cmpstr(seq, ==, "42@0= 50@2000= 43@5000= 44@6000= ");

	opts.tasks = tasks;
	g_assert_true(g_file_set_contents(tasks, "42 /a\n43 b\n", -1, NULL));
	g_assert_false(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_nonnull(strstr(error->message, "before.tasks:2: memcg: \"b\" must start with /"));
}

/*
 * --mempolicy: from its timestamp on a pid's proc records carry the policy; a pid already seen
 * gets a proc record at that moment, one not yet seen carries it in its first.
 */
static void test_mempolicy(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.txt", NULL);
	g_autofree char *out = g_build_filename(dir, "out.jsonl", NULL);
	const char *args[] = {"42@1.000002=interleave:0-1", "43@1.000002=bind:1",
			      "42@1.000004=default"};
	const char *text =
	    HDR "  numa-42  [000] .....  1.000001: mm_page_alloc: page=01 pfn=0x100 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  numa-42  [000] .....  1.000003: mm_page_alloc: page=01 pfn=0x101 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  numa-42  [000] .....  1.000005: mm_page_alloc: page=01 pfn=0x102 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  bind-43  [001] .....  1.000006: mm_page_alloc: page=01 pfn=0x103 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n";
	PsImportMempolicy mp[3];
	PsImportOptions opts = {.mempolicies = mp, .n_mempolicies = 3};
	PsImportStats st;
	g_autofree char *seq = NULL;

	for (int i = 0; i < 3; i++) {
		g_assert_true(ps_import_mempolicy_parse(args[i], &mp[i], &error));
		g_assert_no_error(error);
	}
	g_assert_cmpint(mp[0].pid, ==, 42);
	g_assert_cmpuint(mp[0].ts_ns, ==, 1000002000ull);
	g_assert_cmpstr(mp[2].policy, ==, "");
	g_assert_true(g_file_set_contents(in, text, -1, NULL));
	g_assert_true(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.mempolicy_changes, ==, 2);
	seq = proc_values(out, false);
	g_assert_cmpstr(seq, ==, "42@0= 42@2000=interleave:0-1 42@4000= 43@5000=bind:1 ");

	/* bad arguments: file-free messages naming the part that is wrong */
	g_assert_false(ps_import_mempolicy_parse("42=bind:1", &mp[0], &error));
	g_assert_nonnull(strstr(error->message, "not PID@SECONDS=POLICY"));
	g_clear_error(&error);
	g_assert_false(ps_import_mempolicy_parse("x@1.5=bind:1", &mp[0], &error));
	g_assert_nonnull(strstr(error->message, "pid: 'x'"));
	g_clear_error(&error);
	g_assert_false(ps_import_mempolicy_parse("42@15=bind:1", &mp[0], &error));
	g_assert_nonnull(strstr(error->message, "timestamp: '15'"));
	g_clear_error(&error);
	g_assert_false(ps_import_mempolicy_parse("42@1.5=often:1", &mp[0], &error));
	g_assert_nonnull(strstr(error->message, "policy:"));
	g_clear_error(&error);
	/* out of time order */
	mp[0].ts_ns = 2000000000ull;
	g_assert_false(ps_trace_import(in, out, &opts, &st, &error));
	g_assert_nonnull(strstr(error->message, "change 2 is earlier than change 1"));
	g_unlink(in);
	g_unlink(out);
	g_rmdir(dir);
}

/*
 * Issue 18 item 4: a program's own "pagesim-mempolicy: POLICY" trace_marker lines set its policy
 * from their timestamp on; other markers are ignored; a bad policy names the line.
 */
static void test_mempolicy_marker(void)
{
	g_autoptr(GError) error = NULL;
	const char *text = HDR
	    "  numa-42  [000] .....  1.000001: mm_page_alloc: page=01 pfn=0x100 order=0 "
	    "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
	    "  numa-42  [000] .....  1.000002: tracing_mark_write: pagesim-mempolicy: "
	    "preferred:1\n"
	    "  numa-42  [000] .....  1.000003: tracing_mark_write: hello\n"
	    "  numa-43  [001] .....  1.000004: tracing_mark_write: pagesim-mempolicy: bind:0\n"
	    "  numa-43  [001] .....  1.000005: mm_page_alloc: page=01 pfn=0x101 order=0 "
	    "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
	    "  numa-42  [000] .....  1.000006: tracing_mark_write: pagesim-mempolicy: default\n";
	PsImportStats st;
	g_autofree char *seq = NULL;
	char *out = NULL;

	g_assert_true(import_text(text, &st, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.mempolicy_markers, ==, 3);
	seq = proc_values(out, false);
	g_assert_cmpstr(seq, ==, "42@0= 42@1000=preferred:1 43@3000= 43@3000=bind:0 42@5000= ");
	cleanup(out);

	refused(HDR "  numa-42  [000] .....  1.000002: tracing_mark_write: pagesim-mempolicy: "
		    "often:1\n",
		-1, "in.txt:3: tracing_mark_write: pagesim-mempolicy: policy:");
}

/*
 * Issue 14 item 4: pagesim-capture --zone-sample-ms writes "pagesim-zone:" markers; the import
 * counts them and sums each zone's growth from its first to its last sample (a zone that
 * shrank adds nothing); a sample missing a field names the line and the field.
 */
static void test_zone_samples(void)
{
	g_autoptr(GError) error = NULL;
	const char *text =
	    HDR "  capture-9  [000] .....  1.000001: tracing_mark_write: pagesim-zone: node=0 "
		"zone=DMA32 spanned=1044480 present=782336 managed=772850\n"
		"  capture-9  [000] .....  1.000001: tracing_mark_write: pagesim-zone: node=0 "
		"zone=Normal spanned=5505024 present=5505024 managed=524288\n"
		"  cc1-42     [001] .....  1.000002: mm_page_alloc: page=01 pfn=0x100 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  capture-9  [000] .....  1.100001: tracing_mark_write: pagesim-zone: node=0 "
		"zone=DMA32 spanned=1044480 present=782336 managed=772800\n"
		"  capture-9  [000] .....  1.100001: tracing_mark_write: pagesim-zone: node=0 "
		"zone=Normal spanned=5505024 present=5505024 managed=557056\n";
	PsImportStats st;
	g_autoptr(GString) fmt = g_string_new(NULL);
	char *out = NULL;

	g_assert_true(import_text(text, &st, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.zone_samples, ==, 4);
	g_assert_cmpuint(st.zone_managed_growth, ==, 557056 - 524288); /* 128 MiB; DMA32 shrank */
	g_assert_cmpuint(st.zone_spanned_growth, ==, 0);
	g_assert_cmpuint(st.allocs, ==, 1);
	ps_import_stats_format(&st, fmt);
	g_assert_nonnull(strstr(fmt->str, "zone samples (trace_marker): 4"));
	cleanup(out);

	/*
	 * trace-cmd's form of the same markers (report -t, and a trace.dat's lines): the event is
	 * named "print" and its text begins with the writer's ip, "tracing_mark_write: "; a print
	 * event of another writer is no marker
	 */
	g_assert_true(import_text(
	    HDR "  capture-9  [000]  1.000001: print:                tracing_mark_write: "
		"pagesim-zone: node=0 zone=Normal spanned=5505024 present=5505024 managed=524288\n"
		"  capture-9  [000]  1.000001: print:                other_writer: pagesim-zone: "
		"node=0 zone=Normal spanned=5505024 present=5505024 managed=1\n"
		"  cc1-42     [001]  1.000002: mm_page_alloc: page=01 pfn=0x100 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  capture-9  [000]  1.100001: print:                tracing_mark_write: "
		"pagesim-zone: node=0 zone=Normal spanned=5505024 present=5505024 managed=557056\n",
	    &st, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.zone_samples, ==, 2);
	g_assert_cmpuint(st.zone_managed_growth, ==, 557056 - 524288);
	cleanup(out);

	refused(HDR "  capture-9  [000] .....  1.000001: tracing_mark_write: pagesim-zone: node=0 "
		    "zone=Normal spanned=5 present=5\n",
		-1, "in.txt:3: tracing_mark_write: pagesim-zone: managed: missing");
	refused(HDR "  capture-9  [000] .....  1.000001: tracing_mark_write: pagesim-zone: node=x "
		    "zone=Normal spanned=5 present=5 managed=5\n",
		-1, "pagesim-zone: node: 'x' is not a number");
}

/*
 * Issue 14 item 4: "pagesim-online:" markers (press-6.18/zone-grow.c) around a memory block's
 * onlining. The writer's frees of never-allocated pfns inside the block between "onlining" and
 * "online" are online_pages() freeing the new memory: the first becomes a zone_grow record at
 * its time and all are dropped; other tasks' frees and pfns outside the block stay frees; an
 * onlining without such frees gets its record at "online", a failed one none.
 */
#define ONL(t, pfn, state)                                                                         \
	"  grow-50    [000] .....  " t ": tracing_mark_write: pagesim-online: node=0 zone=Normal " \
	"block=2 start_pfn=" pfn " nr_pages=2048 state=" state "\n"

static void test_zone_online(void)
{
	PsImportStats st;
	g_autofree char *seq = NULL;
	const char *text =
	    HDR ONL("1.000001", "4096",
		    "onlining") "  cc1-42     [001] .....  1.000002: "
				"mm_page_free: page=01 pfn=0x1000 order=10\n"
				"  grow-50    [000] .....  1.000003: mm_page_free: page=01 "
				"pfn=0x1000 order=10\n"
				"  grow-50    [000] .....  1.000004: mm_page_free: page=01 "
				"pfn=0x1400 order=10\n"
				"  grow-50    [000] .....  1.000005: mm_page_free: page=01 "
				"pfn=0x2000 order=0\n" ONL(
				    "1.000006", "4096",
				    "online") "  grow-50    [000] .....  1.000007: mm_page_alloc: "
					      "page=01 pfn=0x1000 order=0 migratetype=1 "
					      "gfp_flags=GFP_HIGHUSER_MOVABLE\n" ONL(
						  "1.000008", "6144", "onlining")
						  ONL("1.000009", "6144", "online")
						      ONL("1.000010", "8192", "onlining")
							  ONL("1.000011", "8192", "failed");

	seq = import_records(text, &st);
	g_assert_cmpuint(st.zone_grows, ==, 2);
	g_assert_cmpuint(st.zone_grow_pages, ==, 4096);
	g_assert_cmpuint(st.zone_grow_frees, ==, 2);
	g_assert_cmpuint(st.free_unknown, ==, 2); /* cc1's, and pfn 0x2000 outside the block */
	g_assert_cmpstr(seq, ==,
			"free:1000@1000 zone_grow:1000@2000=2 free:2000@4000 alloc:1000@6000 "
			"zone_grow:1800@8000=2 ");

	refused(HDR ONL("1.000001", "4096", "onlining") ONL("1.000002", "4096", "gone"), -1,
		"in.txt:4: tracing_mark_write: pagesim-online: state: 'gone' is not onlining");
	refused(HDR
		"  grow-50    [000] .....  1.000001: tracing_mark_write: pagesim-online: node=0 "
		"zone=HighMem block=2 start_pfn=4096 nr_pages=2048 state=onlining\n",
		-1, "in.txt:3: tracing_mark_write: pagesim-online: zone: unknown zone 'HighMem'");
	refused(HDR
		"  grow-50    [000] .....  1.000001: tracing_mark_write: pagesim-online: node=0 "
		"zone=Normal block=2 start_pfn=4096 state=onlining\n",
		-1, "in.txt:3: tracing_mark_write: pagesim-online: nr_pages: missing");
	refused(HDR
		"  grow-50    [000] .....  1.000001: tracing_mark_write: pagesim-online: node=0 "
		"zone=Normal block=2 start_pfn=4096 nr_pages=0 state=onlining\n",
		-1, "pagesim-online: nr_pages: '0' is not a number 1..2^32-1");
}

/*
 * Issue 14 item 3: frees inside kswapd or a direct reclaim are counted as the kernel's reclaim
 * and written with reason reclaim_kswapd / reclaim_direct; the others without a reason.
 */
static void test_reclaim_frees(void)
{
	PsImportStats st;
	g_autofree char *seq = NULL;
	const char *text =
	    HDR "  kswapd0-47 [000] .....  1.000001: mm_page_free: page=01 pfn=0x304 order=2\n"
		"  cc1-42     [001] .....  1.000002: mm_vmscan_direct_reclaim_begin: order=0 "
		"gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  cc1-42     [001] .....  1.000003: mm_page_free: page=01 pfn=0x301 order=0\n"
		"  ld-7       [000] .....  1.000004: mm_page_free: page=01 pfn=0x302 order=0\n"
		"  cc1-42     [001] .....  1.000005: mm_vmscan_direct_reclaim_end: nr_reclaimed=1\n"
		"  cc1-42     [001] .....  1.000006: mm_page_free: page=01 pfn=0x303 order=0\n"
		"  cc1-42     [001] .....  1.000007: mm_vmscan_node_reclaim_begin: nid=0 order=0 "
		"gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		"  cc1-42     [001] .....  1.000008: mm_page_free: page=01 pfn=0x305 order=1\n"
		"  cc1-42     [001] .....  1.000009: mm_vmscan_node_reclaim_end: nr_reclaimed=2\n";

	seq = import_records(text, &st);
	g_assert_cmpuint(st.free_reclaim_kswapd, ==, 4); /* pages: one order-2 folio */
	/* not ld's, not cc1's after the end; node reclaim's window counts as direct reclaim */
	g_assert_cmpuint(st.free_reclaim_direct, ==, 3);
	g_assert_cmpuint(st.node_reclaims, ==, 1);
	g_assert_nonnull(strstr(seq, "free:305@7000~reclaim_direct "));
	g_assert_cmpuint(st.free_unknown, ==, 5);
	g_assert_nonnull(strstr(seq, "free:304@0~reclaim_kswapd "));
	g_assert_nonnull(strstr(seq, "free:301@2000~reclaim_direct "));
	g_assert_nonnull(strstr(seq, "free:302@3000 "));
	g_assert_nonnull(strstr(seq, "free:303@5000 "));
}

/*
 * Page cache: an allocation whose pfn is then added to the page cache
 * (mm_filemap_add_to_page_cache, before its free) is written with kind file; the deletion is not
 * written, the free follows it. Other allocations keep no kind (the simulator derives it from the
 * GFP flags); an add of a pfn with no live allocation is counted. The same pfn allocated again
 * after its free is a new allocation, not page cache.
 */
static void test_page_cache(void)
{
	PsImportStats st;
	g_autofree char *seq = NULL;
	g_autoptr(GString) log = g_string_new(NULL);
	const char *text =
	    HDR "  dd-5 [000] .....  1.000001: mm_page_alloc: page=01 pfn=0x100 order=2 "
		"migratetype=0 gfp_flags=GFP_NOFS|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP\n"
		"  dd-5 [000] .....  1.000002: mm_filemap_add_to_page_cache: dev 0:3 ino fe00000 "
		"pfn=0x100 ofs=0 order=2\n"
		"  dd-5 [000] .....  1.000003: mm_page_alloc: page=01 pfn=0x200 order=0 "
		"migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO\n"
		"  dd-5 [000] .....  1.000004: mm_filemap_add_to_page_cache: dev 0:3 ino fe00000 "
		"pfn=0x300 ofs=16384 order=0\n"
		"  dd-5 [000] d....  1.000005: mm_filemap_delete_from_page_cache: dev 0:3 ino "
		"fe00000 pfn=0x100 ofs=0 order=2\n"
		"  dd-5 [000] .....  1.000006: mm_page_free: page=01 pfn=0x100 order=2\n"
		"  dd-5 [001] .....  1.000007: mm_page_alloc: page=01 pfn=0x100 order=2 "
		"migratetype=0 gfp_flags=GFP_KERNEL\n"
		"  dd-5 [001] .....  1.000008: mm_page_free: page=01 pfn=0x200 order=0\n"
		"  dd-5 [001] .....  1.000009: mm_filemap_add_to_page_cache: dev 0:3 ino fe00000 "
		"pfn=0x200 ofs=20480 order=0\n";

	seq = import_records(text, &st);
	g_assert_cmpstr(seq, ==,
			"alloc:100@0+file alloc:200@2000 free:100@5000 alloc:100@6000 "
			"free:200@7000 ");
	g_assert_cmpuint(st.page_cache_adds, ==, 3);
	g_assert_cmpuint(st.page_cache_allocs, ==, 1);
	g_assert_cmpuint(st.page_cache_pages, ==, 4);
	g_assert_cmpuint(st.page_cache_unmatched, ==, 2); /* 0x300, and 0x200 after its free */
	g_assert_cmpuint(st.unknown_events, ==, 0);
	ps_import_stats_format(&st, log);
	g_assert_nonnull(strstr(log->str, "allocations written with kind file 1 (4 pages)"));
}

/*
 * The page-cache hold: an allocation waits in the output for its mm_filemap_add_to_page_cache
 * for 4096 records (IMP_PC_HOLD, import.c); one added 4095 records later is page cache, one
 * added 4096 records later is counted as late and stays as recorded. The output keeps the
 * recorded order throughout.
 */
static void test_page_cache_hold(void)
{
	PsImportStats st;
	g_autoptr(GString) text = g_string_new(HDR);
	g_autoptr(GString) want = g_string_new(NULL);
	g_autofree char *seq = NULL;
	static const int between[] = {4095, 4096};
	uint64_t t = 0;

	for (int k = 0; k < 2; k++) {
		uint64_t pfn = 0x100 + (uint64_t)k;

		g_string_append_printf(text,
				       "  dd-5 [000] .....  1.%06" PRIu64
				       ": mm_page_alloc: page=01 "
				       "pfn=0x%" PRIx64 " order=0 migratetype=1 "
				       "gfp_flags=GFP_HIGHUSER_MOVABLE\n",
				       t, pfn);
		g_string_append_printf(want, "alloc:%" PRIx64 "@%" PRIu64 "%s ", pfn, t * 1000,
				       k == 0 ? "+file" : "");
		t++;
		for (int i = 0; i < between[k]; i++, t++) {
			uint64_t other = 0x100000 + t;

			g_string_append_printf(
			    text,
			    "  dd-5 [000] .....  1.%06" PRIu64 ": mm_page_alloc: page=01 "
			    "pfn=0x%" PRIx64 " order=0 migratetype=0 gfp_flags=GFP_KERNEL\n",
			    t, other);
			g_string_append_printf(want, "alloc:%" PRIx64 "@%" PRIu64 " ", other,
					       t * 1000);
		}
		g_string_append_printf(text,
				       "  dd-5 [000] .....  1.%06" PRIu64
				       ": mm_filemap_add_to_page_cache: dev 8:1 ino 10 "
				       "pfn=0x%" PRIx64 " ofs=0 order=0\n",
				       t, pfn);
	}
	seq = import_records(text->str, &st);
	g_assert_cmpstr(seq, ==, want->str);
	g_assert_cmpuint(st.page_cache_adds, ==, 2);
	g_assert_cmpuint(st.page_cache_allocs, ==, 1);
	g_assert_cmpuint(st.page_cache_unmatched, ==, 1);
	g_assert_cmpuint(st.page_cache_late, ==, 1);
}

/* Standard input is read in the same single pass: page cache found there too. */
static void test_page_cache_stdin(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *in = g_build_filename(dir, "in.txt", NULL);
	g_autofree char *out = g_build_filename(dir, "out.jsonl", NULL);
	g_autofree char *text = NULL;
	PsImportOptions opts = {.cpus = 2};
	PsImportStats st;
	int saved = dup(STDIN_FILENO), fd;
	gboolean ok;

	g_assert_true(g_file_set_contents(
	    in,
	    HDR "  dd-5 [000] .....  1.000001: mm_page_alloc: page=01 pfn=0x100 order=2 "
		"migratetype=0 gfp_flags=GFP_NOFS\n"
		"  dd-5 [000] .....  1.000002: mm_filemap_add_to_page_cache: dev 0:3 ino fe "
		"pfn=0x100 ofs=0 order=2\n",
	    -1, NULL));
	fd = open(in, O_RDONLY);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(dup2(fd, STDIN_FILENO), ==, STDIN_FILENO);
	close(fd);
	ok = ps_trace_import("-", out, &opts, &st, &error);
	g_assert_cmpint(dup2(saved, STDIN_FILENO), ==, STDIN_FILENO);
	close(saved);
	g_assert_no_error(error);
	g_assert_true(ok);
	g_assert_cmpuint(st.page_cache_allocs, ==, 1);
	g_assert_true(g_file_get_contents(out, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, "\"kind\":\"file\""));
	g_unlink(in);
	cleanup(g_steal_pointer(&out));
}

/*
 * Numbers: the plain decimal and 0x-hex values take a fast path (import.c plain_u64); whatever
 * it does not take is judged by g_ascii_strtoull as before. Both ends of the u64 range, upper-
 * case hex, and the values each must refuse.
 */
static void test_numbers(void)
{
	static const struct {
		const char *pfn;
		uint64_t want; /* 0: refused */
	} cases[] = {
	    {"0x1aF", 0x1af},
	    {"18446744073709551615", UINT64_MAX},
	    {"0xffffffffffffffff", UINT64_MAX},
	    {"+7", 7}, /* g_ascii_strtoull's sign, as before */
	    {"18446744073709551616", 0},
	    {"0x10000000000000000", 0},
	    {"0x", 0},
	    {"12a", 0},
	    {"0xg", 0},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf(
		    HDR "  cc1-42  [001] .....  10.0: mm_page_free: page=0 pfn=%s order=0\n",
		    cases[i].pfn);
		g_autoptr(GError) error = NULL;
		PsImportStats st;
		char *out = NULL;
		gboolean ok = import_text(text, &st, &out, &error);

		if (cases[i].want) {
			g_autoptr(PsTraceReader) r = NULL;
			PsTraceHeader hdr;
			PsTraceEvent ev;

			g_assert_no_error(error);
			g_assert_true(ok);
			r = ps_trace_reader_open(out, &hdr, &error);
			g_assert_no_error(error);
			do /* past the proc record */
				g_assert_cmpint(ps_trace_reader_next(r, &ev, &error), ==, 1);
			while (ev.op != PS_OP_FREE);
			g_assert_cmpuint(ev.pfn, ==, cases[i].want);
		} else {
			g_assert_false(ok);
			g_assert_nonnull(strstr(error->message, "is not a number"));
		}
		cleanup(out);
	}
}

static void test_malformed(void)
{
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;

	g_assert_false(import_text(HDR "          cc1-42  [001] .....  10.000002: mm_page_alloc: "
				       "page=0000000011 order=0 gfp_flags=GFP_KERNEL\n",
				   &st, &out, &error));
	g_assert_nonnull(strstr(error->message, "in.txt:3: mm_page_alloc: pfn: missing"));
	g_clear_error(&error);
	cleanup(out);
	g_assert_false(import_text(HDR "this is not a trace line\n", &st, &out, &error));
	g_assert_nonnull(strstr(error->message, "in.txt:3: not a trace event line"));
	g_clear_error(&error);
	cleanup(out);
	/* a cpu number past int (found by fuzz-import: it wrapped negative) */
	g_assert_false(
	    import_text(HDR "  cc1-42  [111111111111111111111001] .....  10.0: mm_page_free: "
			    "page=0 pfn=0x10 order=0\n",
			&st, &out, &error));
	g_assert_nonnull(strstr(error->message, "in.txt:3: not a trace event line: CPU number"));
	g_clear_error(&error);
	cleanup(out);
	g_assert_false(
	    import_text(HDR "  cc1-42  [001] .....  10.0: mm_page_alloc: page=0 pfn=0x10 order=0 "
			    "gfp_flags=GFP_KERNEL|__GFP_BOGUS\n",
			&st, &out, &error));
	g_assert_nonnull(strstr(error->message, "gfp_flags"));
	g_clear_error(&error);
	cleanup(out);
}

#define ALLOC_AT(ts)                                                                               \
	"  cc1-42  [001] .....  " ts ": mm_page_alloc: page=0 pfn=0x10 order=0 "                   \
	"gfp_flags=GFP_KERNEL\n"

/*
 * Timestamps past the u64 nanosecond range wrapped silently (99999999999999999.999999 s became
 * t 15908978685446380840, 18446745171.857318 s became 384 ns after the first event).
 */
static void test_timestamp_range(void)
{
	g_autoptr(GError) error = NULL;
	PsImportStats st;
	char *out = NULL;
	PsTraceHeader hdr;
	uint64_t ops[PS_NR_TRACE_OPS];

	refused(HDR ALLOC_AT("99999999999999999.999999"), -1,
		"in.txt:3: mm_page_alloc: timestamp: '99999999999999999.999999' is past the u64 "
		"nanosecond range");
	refused(HDR ALLOC_AT("1.000000") ALLOC_AT("18446745171.857318"), -1,
		"in.txt:4: mm_page_alloc: timestamp: '18446745171.857318' is past");
	refused(HDR ALLOC_AT("18446744073.709551616"), -1, "in.txt:3: mm_page_alloc: timestamp:");
	/* a counter clock (no fraction) is taken as ns: past 2^64 - 1 it is refused too */
	refused(HDR ALLOC_AT("18446744073709551616"), -1, "in.txt:3: mm_page_alloc: timestamp:");
	/* the last representable nanosecond is still taken */
	g_assert_true(import_text(HDR ALLOC_AT("18446744073.709551614")
				      ALLOC_AT("18446744073.709551615"),
				  &st, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.allocs, ==, 2);
	count_ops(out, &hdr, ops);
	g_assert_cmpuint(ops[PS_OP_ALLOC], ==, 2);
	cleanup(out);
}

/* Empty text, or text without a page-allocator event, gave a header-only trace and exit 0. */
static void test_no_events(void)
{
	refused("", -1, "in.txt: empty input");
	refused(HDR, -1, "in.txt: no page-allocator event");
	refused(HDR "  cc1-42  [001] .....  10.0: sched_switch: prev_comm=cc1\n"
		    "  cc1-42  [001] .....  10.1: mm_vmscan_lru_isolate: nr_taken=3\n",
		-1, "no page-allocator event (mm_page_alloc, mm_page_free, ...) in 4 lines");
}

/*
 * trace-cmd report's notice of dropped events ("CPU:1 [15055 EVENTS DROPPED]", or without a
 * count when the buffer did not say) was refused as "not a trace event line".
 */
static void test_events_dropped(void)
{
	PsImportStats st;
	g_autoptr(GError) error = NULL;
	char *out = NULL;

	g_assert_true(
	    import_text("cpus=2\n"
			"            CPU:1 [15055 EVENTS DROPPED]\n"
			"  cc1-42  [001]  10.000001: mm_page_alloc: page=0 pfn=0x10 order=0 "
			"migratetype=0 gfp_flags=GFP_KERNEL\n"
			"CPU:0 [EVENTS DROPPED]\n"
			"  cc1-42  [000]  10.000002: mm_page_free: page=0 pfn=0x10 order=0\n",
			&st, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.lost_events, ==, 15056);
	g_assert_cmpuint(st.comment_lines, ==, 3);
	g_assert_cmpuint(st.allocs, ==, 1);
	cleanup(out);
}

/*
 * libtraceevent 1.7 (trace-cmd report, and so a trace.dat) prints fragmenting=10 for every
 * mm_page_alloc_extfrag of a 6.18 kernel: it misreads the format's nested ternary. The import
 * recomputes it as fallback_order < pageblock_order from the same line, and counts it; without
 * a pageblock_order the value is refused, not guessed.
 */
static void test_extfrag_misprinted(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsImportStats st;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	char *out = NULL;
	int frag[3], n = 0;
#define EXTFRAG(ts, fb, fr)                                                                        \
	"  cc1-42  [001]  " ts ": mm_page_alloc_extfrag: page=0x1 pfn=0x1000 alloc_order=0 "       \
	"fallback_order=" fb " pageblock_order=9 alloc_migratetype=1 fallback_migratetype=0 "      \
	"fragmenting=" fr " change_ownership=0\n"

	g_assert_true(import_text("cpus=2\n" ALLOC_AT("10.000001") EXTFRAG("10.000002", "3", "10")
				      EXTFRAG("10.000003", "9", "10")
					  EXTFRAG("10.000004", "3", "0"),
				  &st, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.extfrag_fragmenting_derived, ==, 2);
	r = ps_trace_reader_open(out, &hdr, &error);
	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1)
		if (ev.op == PS_OP_OBSERVED && ev.event == PS_OBS_EXTFRAG && n < 3)
			frag[n++] = ev.fragmenting;
	g_assert_no_error(error);
	g_assert_cmpint(n, ==, 3);
	g_assert_cmpint(frag[0], ==, 1); /* 3 < 9 */
	g_assert_cmpint(frag[1], ==, 0); /* 9 < 9 is false */
	g_assert_cmpint(frag[2], ==, 0); /* a 0..1 value is the kernel's own: kept as printed */
	g_clear_pointer(&r, ps_trace_reader_close);
	cleanup(out);
	refused("cpus=2\n" ALLOC_AT("10.000001") "  cc1-42  [001]  10.000002: "
						 "mm_page_alloc_extfrag: page=0x1 pfn=0x1000 "
						 "alloc_order=0 fallback_order=3 "
						 "alloc_migratetype=1 fallback_migratetype=0 "
						 "fragmenting=10 change_ownership=0\n",
		-1, "fragmenting: '10' is not an integer 0..1");
#undef EXTFRAG
}

/* A NUL byte in a task name cut the name short ("ba\0sh" became "ba"). */
static void test_nul_byte(void)
{
	static const char text[] = HDR "  ba\0sh-42  [001] .....  10.0: mm_page_alloc: page=0 "
				       "pfn=0x10 order=0 gfp_flags=GFP_KERNEL\n";

	refused(text, sizeof(text) - 1, "in.txt:3: a NUL byte at column 5");
}

static void test_observed_format(void)
{
	g_autoptr(GError) error = NULL;
	const char *line =
	    "{\"t\":5,\"op\":\"observed\",\"event\":\"mm_page_alloc_extfrag\",\"cpu\":1,"
	    "\"pid\":42,\"pfn\":4096,\"order\":0,\"migratetype\":0,\"fallback_order\":10,"
	    "\"fallback_migratetype\":1,\"fragmenting\":false,\"change_ownership\":true}\n";
	PsTraceEvent ev;
	char buf[PS_TRACE_EVENT_MAX];
	gsize n;

	g_assert_true(ps_trace_parse_line(line, strlen(line) - 1, &ev, &error));
	g_assert_no_error(error);
	g_assert_cmpint(ev.event, ==, PS_OBS_EXTFRAG);
	g_assert_cmpint(ev.fallback_order, ==, 10);
	g_assert_cmpint(ev.change_ownership, ==, 1);
	n = ps_trace_format_event(&ev, buf);
	g_assert_cmpmem(buf, n, line, strlen(line));
	/* a zone_locked record without its percpu_refill is refused */
	line = "{\"t\":1,\"op\":\"observed\",\"event\":\"mm_page_alloc_zone_locked\",\"cpu\":0,"
	       "\"pfn\":1,\"order\":0,\"migratetype\":1}";
	g_assert_false(ps_trace_parse_line(line, strlen(line), &ev, &error));
	g_assert_nonnull(strstr(error->message, "percpu_refill: missing"));
	g_clear_error(&error);
	line = "{\"t\":1,\"op\":\"observed\",\"event\":\"mm_foo\"}";
	g_assert_false(ps_trace_parse_line(line, strlen(line), &ev, &error));
	g_assert_nonnull(strstr(error->message, "unknown observed event"));
	g_clear_error(&error);
	/* free takes the recorded order and pfn */
	line = "{\"t\":9,\"op\":\"free\",\"id\":3,\"cpu\":0,\"order\":2,\"pfn\":8192}\n";
	g_assert_true(ps_trace_parse_line(line, strlen(line) - 1, &ev, &error));
	n = ps_trace_format_event(&ev, buf);
	g_assert_cmpmem(buf, n, line, strlen(line));
}

/* ---- unknown-at-start blocks that compaction moves -------------------------------------- */

static ps_pfn_t take_block(PsMachine *m, PsZone *z, unsigned order)
{
	ps_pfn_t pfn = ps_rmqueue_smallest(m, z, order, PS_MT_MOVABLE);

	g_assert_cmpuint(pfn, !=, PS_PFN_NONE);
	ps_page_mark_allocated(m, z, pfn, order);
	return pfn;
}

/* What compaction does to a block: its contents go to a target taken for it, the block is freed. */
static void move_block(PsMachine *m, PsZone *z, PsSnapshot *snap, ps_pfn_t from, ps_pfn_t to,
		       unsigned order)
{
	ps_page_set_owner(m, to, PS_OWNER_UNKNOWN_AT_START);
	ps_snapshot_moved(snap, m, from, to);
	z->nr_allocated -= 1ull << order;
	ps_buddy_free(m, z, from, order, PS_FPI_NONE);
}

/*
 * A block the snapshot left allocated moves twice under compaction; the trace then frees part of
 * it, then the rest, by the pfns it recorded: both frees land where the block is now.
 */
static void test_snapshot_moved_block(void)
{
	PsMachineSpec spec;
	g_autoptr(PsMachine) m = NULL;
	PsSnapshot snap = {0};
	PsTraceEvent ev;
	PsZone *z;
	ps_pfn_t a, b, c;

	fixture_spec_1node(&spec, 4096, 1);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 4096, 8192, 8192);
	m = fixture_machine(&spec);
	z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	snap.owned = g_new0(uint8_t, (m->map.end_pfn - m->map.base_pfn + 7) / 8);
	snap.moved_to = g_hash_table_new(g_direct_hash, g_direct_equal);
	snap.moved_from = g_hash_table_new(g_direct_hash, g_direct_equal);
	snap.moved_bits = g_new0(uint8_t, (m->map.end_pfn - m->map.base_pfn + 7) / 8);
	/* a byte per MAX_PAGE_ORDER block (sim/snapshot.c moved_block) */
	snap.moved_blocks = g_new0(uint8_t, ((m->map.end_pfn - 1) >> m->max_order) -
						(m->map.base_pfn >> m->max_order) + 1);

	a = take_block(m, z, 2);
	b = take_block(m, z, 2);
	c = take_block(m, z, 2);
	ps_page_set_owner(m, a, PS_OWNER_UNKNOWN_AT_START);
	ps_snapshot_own(&snap, m, a, 2);
	move_block(m, z, &snap, a, b, 2);
	move_block(m, z, &snap, b, c, 2);
	g_assert_true(ps_snapshot_owns(&snap, m, c, 2));
	g_assert_false(ps_snapshot_owns(&snap, m, a, 0));
	g_assert_false(ps_snapshot_owns(&snap, m, b, 0));
	g_assert_cmpuint(snap.moved_pages, ==, 8);
	fixture_check(m);

	/* order 1 at a + 2: the upper half of what is at c now */
	ps_trace_event_init(&ev);
	ev.op = PS_OP_FREE;
	ev.has_pfn = true;
	ev.pfn = a + 2;
	ev.order = 1;
	g_assert_true(ps_snapshot_free_pages(&snap, m, &ev, 0));
	g_assert_false(ps_snapshot_owns(&snap, m, c + 2, 0));
	g_assert_true(ps_snapshot_owns(&snap, m, c, 1));
	fixture_check(m);
	/* then the lower half */
	ev.pfn = a;
	g_assert_true(ps_snapshot_free_pages(&snap, m, &ev, 0));
	g_assert_false(ps_snapshot_owns(&snap, m, c, 0));
	g_assert_cmpuint(snap.freed_pages, ==, 4);
	fixture_check(m);
	g_hash_table_unref(snap.moved_to);
	g_hash_table_unref(snap.moved_from);
	g_free(snap.moved_bits);
	g_free(snap.moved_blocks);
	g_free(snap.owned);
}

/*
 * A live capture reads /proc/kpageflags before tracing starts. A page free in that snapshot which
 * the trace then allocates from a pcp list (no refill recorded first) was refilled in between:
 * the rebuilt pcp lists take it off the free lists.
 */
static void test_snapshot_free_pcp_page(void)
{
	PsMachineSpec spec;
	g_autoptr(PsMachine) m = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ps-import-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "t.jsonl", NULL);
	PsTraceHeader hdr = {.version = PS_TRACE_VERSION, .page_size = 4096, .cpus = 2};
	PsTraceWriter *w;
	PsSnapshot snap = {0};
	PsTraceEvent ev;
	PsZone *z;
	ps_pfn_t pfn;
	int64_t free_before;
	PsPcpPrefill *pf;

	fixture_spec_1node(&spec, 4096, 2);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 4096, 8192, 8192);
	m = fixture_machine(&spec);
	z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	pfn = z->start_pfn + 1000;
	g_assert_cmpint(ps_page_state(m, pfn), ==, PS_PAGE_TAIL); /* inside a free block */
	snap.nr_blocks = (m->map.end_pfn - m->map.base_pfn) >> m->pageblock_order;
	snap.owned = g_new0(uint8_t, (m->map.end_pfn - m->map.base_pfn + 7) / 8);
	snap.votes = g_new0(uint16_t, snap.nr_blocks * PS_MT_PCPTYPES);
	snap.pcp_start = g_new0(int, m->nr_zones * m->nr_cpus);
	snap.pcp_start[z->idx * m->nr_cpus + 1] = 100;

	w = ps_trace_writer_new(path, &hdr, &error);
	g_assert_no_error(error);
	ps_trace_event_init(&ev);
	ev.op = PS_OP_ALLOC;
	ev.t_ns = 1000;
	ev.id = 1;
	ev.cpu = 1;
	ev.pid = 1;
	ev.order = 0;
	ev.pfn = pfn;
	ev.has_pfn = true;
	g_assert_true(ps_gfp_parse("GFP_HIGHUSER_MOVABLE", &ev.gfp, NULL));
	ev.has_gfp = true;
	g_assert_true(ps_trace_writer_write(w, &ev, &error));
	g_assert_true(ps_trace_writer_close(w, &error));
	g_assert_no_error(error);

	free_before = z->vm_stat[PS_NR_FREE_PAGES];
	pf = ps_snapshot_prefill_begin(&snap, m);
	ps_snapshot_prefill_feed(pf, &ev);
	ps_snapshot_prefill_end(pf);
	fixture_check(m);
	g_assert_cmpint(ps_page_state(m, pfn), ==, PS_PAGE_PCP);
	g_assert_cmpint(z->pcp[1].count, ==, 1);
	g_assert_cmpint(z->pcp[0].count, ==, 0);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, free_before - 1);
	g_assert_cmpuint(snap.pcp_taken_free, ==, 1);
	g_assert_cmpuint(snap.pcp_adopted, ==, 1);
	g_free(snap.owned);
	g_free(snap.votes);
	g_free(snap.pcp_start);
	g_unlink(path);
	g_rmdir(dir);
}

/*
 * A portable trace's "pcp_start":[] (import.c writes it when the recording named no page on a
 * start list) says the lists start with nothing the header fills, and the count walks are not
 * asked (snapshot-pcp.c, start_from_header_wanted): a warm start whose walk comes from the
 * cache reads no names for them (ps_snapshot_prefill_naming), and the end implies no start
 * count. The same walk without a header implies one (snap.pcp_start_counts). The walk: cpu 1
 * frees `frees` order-0 pages, the last one drained (a free-triggered drain ends the walk); the
 * start count is the one that first reaches the pcp's high (high_min, nr_pcp_high) at that free:
 * 40. The snapshot has no flagless kernel page, so no unnamed page is added either way.
 */
static PsPcpPrefill *pcp_start_empty_prefill(PsMachine *m, PsSnapshot *snap, GArray *words,
					     const PsTraceHeader *hdr)
{
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsPcpPrefill *pf;
	PsTraceEvent ev;
	int frees = z->pcp[1].high_min - 40;

	snap->nr_blocks = (m->map.end_pfn - m->map.base_pfn) >> m->pageblock_order;
	snap->owned = g_new0(uint8_t, (m->map.end_pfn - m->map.base_pfn + 7) / 8);
	snap->votes = g_new0(uint16_t, snap->nr_blocks * PS_MT_PCPTYPES);
	snap->kind = g_new0(uint8_t, m->map.end_pfn - m->map.base_pfn); /* none unnamed-able */
	snap->pcp_start = g_new0(int, m->nr_zones * m->nr_cpus);
	snap->pcp_start[z->idx * m->nr_cpus + 1] = 100;
	pf = ps_snapshot_prefill_begin(snap, m);
	if (words->len) { /* the walk from the cache, its names unread */
		g_assert_true(
		    ps_snapshot_prefill_walks_load(pf, (const uint32_t *)words->data, words->len));
		ps_snapshot_prefill_header(pf, hdr);
		return pf;
	}
	g_assert_cmpint(frees, >, 0);
	for (int i = 0; i <= frees; i++) {
		ps_trace_event_init(&ev);
		ev.t_ns = 1000 + (uint64_t)i;
		ev.cpu = 1;
		ev.order = 0;
		ev.pfn = z->start_pfn + 4000 + (ps_pfn_t)i;
		ev.has_pfn = true;
		if (i < frees) {
			ev.op = PS_OP_FREE;
			ev.id = (uint64_t)i + 1;
		} else { /* free_pcppages_bulk took the first page freed from the tail */
			ev.op = PS_OP_OBSERVED;
			ev.event = PS_OBS_PCPU_DRAIN;
			ev.pfn = z->start_pfn + 4000;
			ev.migratetype = PS_MT_MOVABLE;
		}
		g_assert_true(ps_snapshot_prefill_walking(pf));
		ps_snapshot_prefill_walk(pf, &ev);
	}
	g_assert_false(ps_snapshot_prefill_walking(pf));
	ps_snapshot_prefill_walks_save(pf, words);
	return pf;
}

static void test_snapshot_pcp_start_empty(void)
{
	PsTraceHeader empty = {.version = PS_TRACE_VERSION,
			       .page_size = 4096,
			       .cpus = 2,
			       .has_pcp_start = true,
			       .n_pcp_start = 0};
	g_autoptr(GArray) words = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 2);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 4096, 8192, 8192);
	/* the cold walk; then warm, without a header and with the empty pcp_start */
	for (int run = 0; run < 3; run++) {
		g_autoptr(PsMachine) m = fixture_machine(&spec);
		const PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
		PsSnapshot snap = {0};
		PsPcpPrefill *pf =
		    pcp_start_empty_prefill(m, &snap, words, run == 2 ? &empty : NULL);

		if (run == 1)
			g_assert_true(ps_snapshot_prefill_naming(pf));
		if (run == 2)
			g_assert_false(ps_snapshot_prefill_naming(pf));
		ps_snapshot_prefill_end(pf);
		fixture_check(m);
		if (run == 2) {
			g_assert_cmpuint(snap.pcp_start_counts->len, ==, 0);
		} else {
			const PsPcpStartCount *sc =
			    &g_array_index(snap.pcp_start_counts, PsPcpStartCount, 0);

			g_assert_cmpuint(snap.pcp_start_counts->len, ==, 1);
			g_assert_cmpint(sc->zone, ==, z->idx);
			g_assert_cmpint(sc->cpu, ==, 1);
			g_assert_cmpint(sc->rebuilt, ==, 0);
			g_assert_cmpint(sc->implied, ==, 40);
			g_assert_cmpint(sc->added, ==, 0);
		}
		g_free(snap.kind);
		g_free(snap.owned);
		g_free(snap.votes);
		g_free(snap.pcp_start);
		if (snap.pcp_start_counts)
			g_array_unref(snap.pcp_start_counts);
	}
}

/* ---- realdata: import, snapshot, pinned replay against after.kpageflags -------------------- */

typedef struct {
	const char *name;
	uint64_t allocs, zone_locked, drains;
	double normal_max_pct;
} Recording;

/* The ratio of one fidelity counter in a summary; NAN when it has none (0/0). */
static double fidelity_ratio(cJSON *sum, const char *counter)
{
	cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(sum, "fidelity"))
	{
		if (!strcmp(cJSON_GetObjectItem(c, "counter")->valuestring, counter)) {
			cJSON *r = cJSON_GetObjectItem(c, "ratio");

			return cJSON_IsNumber(r) ? r->valuedouble : NAN;
		}
	}
	g_error("no fidelity counter %s", counter);
	return 0;
}

/*
 * Policy mode on the same recording, from its snapshot and /proc files: the pageblock types
 * match pagetypeinfo's counts, every direct buddy allocation is made as the kernel made it, and
 * the pcp refills and drains (counts, and refilled pages) come within 10 % of the kernel's: the
 * agreement the pcp model is held to on a real recording, which differs from the simulation in
 * timing (vmstat work, interrupts) that the trace does not carry.
 */
static void policy_fidelity(const Recording *rec, const PsConfig *cfg, const char *trace,
			    const char *before, const char *dir, const char *tmp)
{
	g_autofree char *run = g_build_filename(tmp, "policy", NULL);
	g_autofree char *sum_path = g_build_filename(run, "summary.json", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	PsRunOptions ropts = {.out_dir = run};
	PsSim *sim = ps_sim_new(cfg, &ropts, &error);
	cJSON *sum, *z;

	g_assert_no_error(error);
	g_assert_true(ps_sim_load_snapshot(sim, before, dir, &error));
	g_assert_true(ps_sim_run(sim, trace, &error));
	g_assert_no_error(error);
	ps_sim_free(sim);
	g_assert_true(g_file_get_contents(sum_path, &text, NULL, NULL));
	sum = cJSON_Parse(text);
	cJSON_ArrayForEach(z, cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "snapshot"), "zones"))
	{
		cJSON *ours = cJSON_GetObjectItem(z, "pageblocks");
		cJSON *real = cJSON_GetObjectItem(z, "pageblocks_pagetypeinfo");

		if (strcmp(cJSON_GetObjectItem(z, "zone")->valuestring, "Normal") || !real)
			continue;
		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
			g_assert_cmpfloat(
			    cJSON_GetObjectItem(ours, ps_migratetype_names[mt])->valuedouble, ==,
			    cJSON_GetObjectItem(real, ps_migratetype_names[mt])->valuedouble);
	}
	g_assert_cmpfloat(fabs(fidelity_ratio(sum, "pcp_refill_pages") - 1.0), <=, 0.10);
	g_assert_cmpfloat(fabs(fidelity_ratio(sum, "pcp_refills") - 1.0), <=, 0.10);
	g_assert_cmpfloat(fabs(fidelity_ratio(sum, "pcp_drains") - 1.0), <=, 0.10);
	/* the movable lists' refills, where nearly all the traffic is */
	g_assert_cmpfloat(fabs(fidelity_ratio(sum, "refill_pages_movable") - 1.0), <=, 0.10);
	/*
	 * the compact_memory write of ftrace-compact-6.18 compacts the same three zones, and the
	 * Normal one ends COMPACT_CONTENDED as the kernel's did: a large folio that was there
	 * before the trace finds no target of its order behind order-0 leftovers
	 */
	if (!isnan(fidelity_ratio(sum, "compaction_runs")))
		g_assert_cmpfloat(fidelity_ratio(sum, "compaction_runs"), ==, 1.0);
	if (!isnan(fidelity_ratio(sum, "compaction_contended")))
		g_assert_cmpfloat(fidelity_ratio(sum, "compaction_contended"), ==, 1.0);
	/* and moves the kernel's pages: its batches, each moved from the top (289 vs 290) */
	if (!isnan(fidelity_ratio(sum, "pages_migrated")))
		g_assert_cmpfloat(fabs(fidelity_ratio(sum, "pages_migrated") - 1.0), <=, 0.10);
	/* 0/0 (no direct buddy allocations recorded) has no ratio */
	if (!isnan(fidelity_ratio(sum, "direct_buddy_allocs")))
		g_assert_cmpfloat(fidelity_ratio(sum, "direct_buddy_allocs"), ==, 1.0);
	cJSON_Delete(sum);
	ps_test_rm_rf(run);
}

static void test_realdata(gconstpointer data)
{
	const Recording *rec = data;
	const char *root = g_getenv("PAGESIM_REALDATA");
	g_autofree char *dir = root ? g_build_filename(root, rec->name, NULL) : NULL;
	g_autofree char *trace_txt = NULL, *zi_path = NULL, *before = NULL, *after = NULL;
	g_autofree char *zi_text = NULL, *tmp = NULL, *out = NULL, *run = NULL, *sum = NULL;
	g_autofree char *sum_text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PsConfig) cfg = ps_config_new();
	PsImportOptions iopts = {0};
	PsImportStats st;
	PsProcInput in;
	PsRunOptions ropts = {0};
	cJSON *js, *zones, *z;

	trace_txt = dir ? g_build_filename(dir, "trace.txt.gz", NULL) : NULL;
	if (!trace_txt || !g_file_test(trace_txt, G_FILE_TEST_EXISTS)) {
		g_test_skip("realdata not available");
		return;
	}
	zi_path = g_build_filename(dir, "before.zoneinfo", NULL);
	before = g_build_filename(dir, "before.kpageflags.gz", NULL);
	after = g_build_filename(dir, "after.kpageflags.gz", NULL);
	tmp = g_dir_make_tmp("ps-realdata-XXXXXX", NULL);
	out = g_build_filename(tmp, "trace.jsonl.gz", NULL);
	run = g_build_filename(tmp, "run", NULL);

	g_assert_true(ps_trace_import(trace_txt, out, &iopts, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.allocs, ==, rec->allocs);
	g_assert_cmpuint(st.observed[PS_OBS_ZONE_LOCKED], ==, rec->zone_locked);
	g_assert_cmpuint(st.observed[PS_OBS_PCPU_DRAIN], ==, rec->drains);
	g_assert_cmpuint(st.unknown_events, ==, 0);
	g_assert_cmpuint(st.entries_in_buffer, ==, st.entries_written);

	g_assert_true(g_file_get_contents(zi_path, &zi_text, NULL, NULL));
	ps_proc_input_init(&in);
	in.zoneinfo_text = zi_text;
	in.zoneinfo_path = zi_path;
	g_assert_true(ps_config_from_proc(&in, cfg, &error));
	g_assert_no_error(error);
	ropts.out_dir = run;
	g_assert_true(ps_pinned_run(cfg, &ropts, out, before, dir, after, &error));
	g_assert_no_error(error);

	sum = g_build_filename(run, "summary.json", NULL);
	g_assert_true(g_file_get_contents(sum, &sum_text, NULL, NULL));
	js = cJSON_Parse(sum_text);
	zones = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "compare_after"), "zones");
	g_assert_nonnull(zones);
	cJSON_ArrayForEach(z, zones)
	{
		const char *name = cJSON_GetObjectItem(z, "zone")->valuestring;
		double diff = cJSON_GetObjectItem(z, "differing_pages")->valuedouble;
		double pct = cJSON_GetObjectItem(z, "differing_pct_of_real_free")->valuedouble;

		if (g_test_verbose())
			g_printerr("%s %s: %.0f differing pages, %.3f %%\n", rec->name, name, diff,
				   pct);
		if (!strcmp(name, "Normal"))
			g_assert_cmpfloat(pct, <=, rec->normal_max_pct);
		else
			g_assert_cmpfloat(diff, ==, 0);
	}
	cJSON_Delete(js);
	policy_fidelity(rec, cfg, out, before, dir, tmp);
	{
		const char *names[] = {"summary.json", "timeline.csv", "buddyinfo", "pagetypeinfo",
				       "zoneinfo",     "vmstat",       "pinned.txt"};

		for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
			g_autofree char *p = g_build_filename(run, names[i], NULL);

			g_unlink(p);
		}
	}
	g_rmdir(run);
	g_unlink(out);
	g_rmdir(tmp);
}

static const Recording build_rec = {"ftrace-build-6.18", 115543, 58083, 5421, 1.5};
static const Recording compact_rec = {"ftrace-compact-6.18", 88713, 73528, 53519, 1.0};

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/trace/import/perf-script", test_perf);
	g_test_add_func("/trace/import/portable", test_portable);
	g_test_add_func("/trace/import/portable-fork", test_portable_fork);
	g_test_add_func("/trace/import/portable-kernel-fault", test_portable_kernel_fault);
	g_test_add_func("/trace/import/portable-slab", test_portable_slab);
	g_test_add_func("/trace/import/portable-ra-reason", test_portable_ra_reason);
	g_test_add_func("/trace/import/portable-shmem", test_portable_shmem);
	g_test_add_func("/trace/import/portable-ra-cut", test_portable_ra_cut);
	g_test_add_func("/trace/import/portable-ra-pairs", test_portable_ra_pairs);
	g_test_add_func("/trace/import/portable-observed", test_portable_observed);
	g_test_add_func("/trace/import/portable-compact", test_portable_compact);
	g_test_add_func("/trace/import/compact-start", test_compact_start);
	g_test_add_func("/trace/import/machine", test_import_machine);
	g_test_add_func("/trace/import/pcp-start", test_import_pcp_start);
	g_test_add_func("/trace/import/vmstat-update", test_import_vmstat_update);
	g_test_add_func("/trace/import/portable-exec-fault", test_portable_exec_fault);
	g_test_add_func("/trace/import/trace-cmd-report", test_trace_cmd);
	g_test_add_func("/trace/import/ftrace-lines", test_ftrace_lines);
	g_test_add_func("/trace/import/irq-context", test_irq_context);
	g_test_add_func("/trace/import/batch-interrupted", test_batch_interrupted);
	g_test_add_func("/trace/import/batch-pcp-locked", test_batch_pcp_locked);
	g_test_add_func("/trace/import/failed-alloc", test_failed_alloc);
	g_test_add_func("/trace/import/batch-commits", test_batch_commits);
	g_test_add_func("/trace/import/ring-full", test_ring_full);
	g_test_add_func("/trace/import/snapshot-moved-block", test_snapshot_moved_block);
	g_test_add_func("/trace/import/snapshot-free-pcp-page", test_snapshot_free_pcp_page);
	g_test_add_func("/trace/import/snapshot-pcp-start-empty", test_snapshot_pcp_start_empty);
	g_test_add_func("/trace/import/compact-requests", test_compact_requests);
	g_test_add_func("/trace/import/isolate-freepages", test_isolate_freepages);
	g_test_add_func("/trace/import/fast-isolate-freepages", test_fast_isolate_freepages);
	g_test_add_func("/trace/import/bulk-take", test_bulk_take);
	g_test_add_func("/trace/import/bulk-assumed", test_bulk_assumed);
	g_test_add_func("/trace/import/bulk-take-order2", test_bulk_take_order2);
	g_test_add_func("/trace/import/bulk-first-pass", test_bulk_first_pass);
	g_test_add_func("/trace/import/bulk-refill-take", test_bulk_refill_take);
	g_test_add_func("/trace/import/bulk-refill-end-trace", test_bulk_refill_end_trace);
	g_test_add_func("/trace/import/bulk-refill-take-16k", test_bulk_refill_take_16k);
	g_test_add_func("/trace/import/migration-pte", test_migration_pte);
	g_test_add_func("/trace/import/migration-window", test_migration_window);
	g_test_add_func("/trace/import/migration-window-with-pte", test_migration_window_with_pte);
	g_test_add_func("/trace/import/migrate-step-recording", test_migrate_step_recording);
	g_test_add_func("/trace/import/mempolicy", test_mempolicy);
	g_test_add_func("/trace/import/tasks-memcg", test_tasks_memcg);
	g_test_add_func("/trace/import/mempolicy-marker", test_mempolicy_marker);
	g_test_add_func("/trace/import/malformed", test_malformed);
	g_test_add_func("/trace/import/reclaim-frees", test_reclaim_frees);
	g_test_add_func("/trace/import/page-cache", test_page_cache);
	g_test_add_func("/trace/import/page-cache-hold", test_page_cache_hold);
	g_test_add_func("/trace/import/page-cache-stdin", test_page_cache_stdin);
	g_test_add_func("/trace/import/numbers", test_numbers);
	g_test_add_func("/trace/import/zone-samples", test_zone_samples);
	g_test_add_func("/trace/import/zone-online", test_zone_online);
	g_test_add_func("/trace/import/observed-format", test_observed_format);
	g_test_add_func("/trace/import/timestamp-range", test_timestamp_range);
	g_test_add_func("/trace/import/no-events", test_no_events);
	g_test_add_func("/trace/import/nul-byte", test_nul_byte);
	g_test_add_func("/trace/import/events-dropped", test_events_dropped);
	g_test_add_func("/trace/import/extfrag-misprinted", test_extfrag_misprinted);
	g_test_add_data_func("/trace/import/realdata/ftrace-build-6.18", &build_rec, test_realdata);
	g_test_add_data_func("/trace/import/realdata/ftrace-compact-6.18", &compact_rec,
			     test_realdata);
	return g_test_run();
}
