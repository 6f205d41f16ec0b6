// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-trace.c - trace I/O throughput: writes N synthetic alloc/free events (default 2M) to a
 * plain and a gzip trace in a temporary directory, reads both back, and prints lines per second
 * for each, plus the parser alone on lines already in memory; then the same with allocations only
 * (~90-byte lines, the typical line of a real trace).
 * Then the binary trace cache (trace/cache.c): for the gzip trace and each shipped recording of
 * workloads/, the JSONL parse, the compile (parse + writing the entry) and the read of the entry
 * (best of 3), in records per second, and the entry's size.
 * Last, `pagesim import` of the real gzip'd tracefs recordings of ../shared/realdata (ftrace-*,
 * when present) into .jsonl.gz, best of 3: wall and CPU (all threads: the input is inflated and
 * the output compressed on threads of their own, util/lines.c and trace/writer.c) in lines per
 * second. And a trace-cmd trace.dat, imported the same way; its "lines" are events (and report's
 * header line): the one $PAGESIM_BENCH_TRACEDAT names, else the one kept from an earlier run
 * (bench-trace.dat in the trace cache directory, ps_trace_cache_dir_default), else one recorded
 * here by tools/pagesim-capture --trace-dat of a 128 MiB dd into the temporary directory (root,
 * tracefs and trace-cmd needed: it says which is missing; about 25 s, most of it the capture's
 * kpageflags snapshots) and kept there for the next runs. A recording is not a fixed workload:
 * the machine's other tasks are recorded too and the dd's page-cache pattern depends on what
 * memory is free, so each recording has other events and other lines per event; recording
 * afresh each run made the figure move with the recording, not with the importer. Kept, every
 * run imports the same file, and the figure moves only with the importer and the machine's
 * load; the line says which file and how many events, and removing the file records a new one
 * (whose figure is then not comparable with the old one's). None is shipped: a trace.dat
 * carries the machine's kallsyms.
 *
 * A benchmark prints figures; nothing here is asserted. Usage: bench-trace [N].
 */
#include <glib/gstdio.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mm/mm.h"
#include "trace/trace.h"

#ifndef PS_SOURCE_DIR
#define PS_SOURCE_DIR "."
#endif

/* A kbuild-like stream: allocations of mostly order 0, each freed a little later. */
static void make_event(uint64_t i, PsTraceEvent *ev)
{
	static const uint64_t gfps[] = {PS_GFP_HIGHUSER_MOVABLE | PS_GFP_ZERO, PS_GFP_KERNEL,
					PS_GFP_HIGHUSER_MOVABLE, PS_GFP_KERNEL_ACCOUNT};

	ps_trace_event_init(ev);
	ev->t_ns = i * 250;
	if (i % 2 == 0) {
		ev->op = PS_OP_ALLOC;
		ev->id = i / 2;
		ev->cpu = (int)(i / 2 % 4);
		ev->pid = 4000 + (int)(i / 64 % 300);
		ev->order = i % 16 == 0 ? 2 : 0;
		ev->has_gfp = true;
		ev->gfp = gfps[i / 2 % 4];
	} else {
		ev->op = PS_OP_FREE;
		ev->id = i / 2 > 8 ? i / 2 - 8 : 0;
		ev->cpu = (int)(i % 4);
	}
}

static double elapsed_s(gint64 start)
{
	return (double)(g_get_monotonic_time() - start) / 1e6;
}

/* Reads every record of path (through the cache in cache_dir when not NULL); seconds taken. */
static double read_all(const char *path, const char *cache_dir, uint64_t *n, bool *cached)
{
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();
	PsTraceReader *r = ps_trace_reader_open_cached(path, cache_dir, NULL, NULL, &error);
	PsTraceEvent ev;
	int rc;

	if (r == NULL)
		g_error("%s", error->message);
	*n = 0;
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		(*n)++;
	if (rc < 0)
		g_error("%s", error->message);
	*cached = ps_trace_reader_cached(r);
	ps_trace_reader_close(r);
	return elapsed_s(start);
}

/* CPU seconds of the whole process (every thread). */
static double process_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double thread_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * pagesim import of one recording into out, best of 3: wall, CPU of all threads, CPU of the
 * parsing thread (this one; the rest is inflate and deflate on their threads), and what two
 * idle cores would give: the parse thread and the others' total halved bound the wall time
 * from below (three threads on two cores), so lines / max(parse, all / 2) is the import speed
 * the CPU accounting allows when nothing else runs, a figure a loaded machine can still measure.
 */
static void bench_import(const char *in, const char *out)
{
	g_autofree char *dir = g_path_get_dirname(in);
	g_autofree char *name = g_path_get_basename(dir);
	double wall = 1e9, cpu = 1e9, main_cpu = 1e9;
	uint64_t lines = 0;

	for (int i = 0; i < 3; i++) {
		g_autoptr(GError) error = NULL;
		PsImportOptions opts = {0};
		PsImportStats st;
		gint64 start = g_get_monotonic_time();
		double c0 = process_cpu_s(), t0 = thread_cpu_s();

		if (!ps_trace_import(in, out, &opts, &st, &error))
			g_error("%s", error->message);
		wall = MIN(wall, elapsed_s(start));
		main_cpu = MIN(main_cpu, thread_cpu_s() - t0);
		cpu = MIN(cpu, process_cpu_s() - c0);
		lines = st.lines;
		g_unlink(out);
	}
	printf("import %-22s %8" G_GUINT64_FORMAT " lines  %6.3f s %5.2f M lines/s   CPU %6.3f s "
	       "(%.2f M lines/CPU-s), parse thread %6.3f s: two idle cores %.2f M lines/s\n",
	       name, lines, wall, (double)lines / wall / 1e6, cpu, (double)lines / cpu / 1e6,
	       main_cpu, (double)lines / MAX(main_cpu, cpu / 2) / 1e6);
}

/*
 * A trace.dat recorded by pagesim-capture --trace-dat into dir (a 128 MiB write of zeros to a file
 * there, so page-cache allocations and their frees); NULL, having said why, when none can be made.
 */
static char *record_tracedat(const char *dir)
{
	g_autofree char *capture =
	    g_build_filename(PS_SOURCE_DIR, "tools", "pagesim-capture", NULL);
	g_autofree char *rec = g_build_filename(dir, "capture", NULL);
	g_autofree char *file = g_build_filename(dir, "zeros", NULL);
	g_autofree char *cmd = g_strdup_printf(
	    "dd if=/dev/zero of='%s' bs=1M count=128 status=none; rm -f '%s'", file, file);
	g_autofree char *tc = g_find_program_in_path("trace-cmd");
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	const char *argv[] = {capture, "--trace-dat", "--buffer-kb", "65536", rec,
			      "--",    "sh",	      "-c",	     cmd,     NULL};
	int status = 0;

	if (geteuid() != 0 || !tc || !g_file_test(capture, G_FILE_TEST_IS_EXECUTABLE)) {
		printf("import of a trace.dat: PAGESIM_BENCH_TRACEDAT not set and none recorded "
		       "here (%s), skipped\n",
		       geteuid() != 0 ? "not root"
		       : !tc	      ? "no trace-cmd: scripts/deps.sh installs it"
				      : "no tools/pagesim-capture");
		return NULL;
	}
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
			  &err, &status, &error) ||
	    !g_spawn_check_wait_status(status, &error)) {
		printf("import of a trace.dat: pagesim-capture --trace-dat failed (%s%s%s), "
		       "skipped\n",
		       error->message, err && *err ? ": " : "", err ? g_strstrip(err) : "");
		return NULL;
	}
	return g_build_filename(rec, "trace.dat", NULL);
}

/*
 * The trace.dat the import figure reads: kept at cache_dir/bench-trace.dat once recorded (NULL
 * cache_dir: not kept, recorded into dir each run); NULL, having said why, when there is none.
 */
static char *kept_tracedat(const char *dir, const char *cache_dir)
{
	g_autofree char *kept =
	    cache_dir ? g_build_filename(cache_dir, "bench-trace.dat", NULL) : NULL;
	g_autofree char *dat = NULL, *bytes = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	if (kept && g_file_test(kept, G_FILE_TEST_IS_REGULAR)) {
		printf("import of a trace.dat: %s, kept from an earlier run (remove it to record "
		       "another; its figure is then not comparable)\n",
		       kept);
		return g_steal_pointer(&kept);
	}
	dat = record_tracedat(dir);
	if (!dat || !kept)
		return g_steal_pointer(&dat);
	if (g_mkdir_with_parents(cache_dir, 0777) != 0 ||
	    !g_file_get_contents(dat, &bytes, &len, &error) ||
	    !g_file_set_contents(kept, bytes, (gssize)len, &error)) {
		printf("import of a trace.dat: not kept in %s (%s): the next run records another\n",
		       cache_dir, error ? error->message : g_strerror(errno));
		return g_steal_pointer(&dat);
	}
	printf("import of a trace.dat: recorded now, kept as %s for the next runs\n", kept);
	return g_steal_pointer(&kept);
}

/*
 * Removes a flat directory of files this run wrote: record_tracedat's capture, and the binary
 * cache directory, which holds the digest memos (DEV-INODE.digest) of every trace it compiled
 * besides the entries bench_cache removes itself.
 */
static void remove_flat_dir(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *f = g_build_filename(path, name, NULL);

		g_unlink(f);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(path);
}

/* Parse, compile and cached read of one trace, best of 3 each. */
static void bench_cache(const char *path, const char *cache_dir)
{
	g_autofree char *base = g_path_get_basename(path);
	double parse = 1e9, compile, cached = 1e9;
	g_autoptr(GError) error = NULL;
	g_autofree char *entry = NULL;
	uint64_t n = 0;
	bool hit;
	GStatBuf st;
	gint64 start;

	for (int i = 0; i < 3; i++)
		parse = MIN(parse, read_all(path, NULL, &n, &hit));
	start = g_get_monotonic_time();
	if (!ps_trace_compile(path, NULL, cache_dir, NULL, &entry, NULL, &error))
		g_error("%s", error->message);
	compile = elapsed_s(start);
	for (int i = 0; i < 3; i++) {
		cached = MIN(cached, read_all(path, cache_dir, &n, &hit));
		if (!hit)
			g_error("%s: not read from the cache", path);
	}
	if (g_stat(entry, &st) != 0)
		st.st_size = 0;
	printf("%-28s %8" G_GUINT64_FORMAT " records  parse %6.2f M/s  compile %6.3f s  "
	       "cached read %6.1f M/s  (%.1f MB, %.1f bytes/record)\n",
	       base, n, (double)n / parse / 1e6, compile, (double)n / cached / 1e6,
	       (double)st.st_size / 1e6, (double)st.st_size / (double)MAX(n, 1));
	g_unlink(entry);
}

static void bench_file(const char *path, uint64_t n, bool alloc_only)
{
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr = {.version = 1, .source = "bench", .page_size = 4096, .cpus = 4};
	PsTraceWriter *w;
	PsTraceReader *r;
	PsTraceEvent ev;
	GStatBuf st;
	uint64_t i, got = 0;
	gint64 start;
	double ws, rs, mb;
	int rc;

	start = g_get_monotonic_time();
	w = ps_trace_writer_new(path, &hdr, &error);
	if (w == NULL)
		g_error("%s", error->message);
	for (i = 0; i < n; i++) {
		make_event(alloc_only ? 2 * i : i, &ev);
		if (!ps_trace_writer_write(w, &ev, &error))
			g_error("%s", error->message);
	}
	if (!ps_trace_writer_close(w, &error))
		g_error("%s", error->message);
	ws = elapsed_s(start);

	start = g_get_monotonic_time();
	r = ps_trace_reader_open(path, NULL, &error);
	if (r == NULL)
		g_error("%s", error->message);
	while ((rc = ps_trace_reader_next(r, &ev, &error)) == 1)
		got++;
	if (rc < 0)
		g_error("%s", error->message);
	ps_trace_reader_close(r);
	rs = elapsed_s(start);

	if (g_stat(path, &st) != 0)
		st.st_size = 0;
	mb = (double)st.st_size / 1e6;
	printf("%-12s %9.1f MB  write %6.2f s %6.2f M lines/s   read %6.2f s %6.2f M lines/s%s\n",
	       g_str_has_suffix(path, ".gz") ? "jsonl.gz" : "jsonl", mb, ws, (double)n / ws / 1e6,
	       rs, (double)got / rs / 1e6, alloc_only ? "   (allocs only)" : "");
	g_unlink(path);
}

/* The parser alone: the same lines over and over from memory (alloc_only: ~100-byte lines). */
static void bench_parse(uint64_t n, bool alloc_only)
{
	enum { NR_LINES = 1024 };
	char *lines[NR_LINES];
	gsize lens[NR_LINES];
	g_autoptr(GError) error = NULL;
	PsTraceEvent ev;
	char buf[PS_TRACE_EVENT_MAX];
	uint64_t i, bytes = 0;
	gint64 start;
	double s;

	for (i = 0; i < NR_LINES; i++) {
		make_event(alloc_only ? 2 * i : i, &ev);
		lens[i] = ps_trace_format_event(&ev, buf) - 1;
		lines[i] = g_strndup(buf, lens[i]);
	}
	start = g_get_monotonic_time();
	for (i = 0; i < n; i++) {
		if (!ps_trace_parse_line(lines[i % NR_LINES], lens[i % NR_LINES], &ev, &error))
			g_error("%s", error->message);
		bytes += lens[i % NR_LINES];
	}
	s = elapsed_s(start);
	printf("%-12s %9.1f MB  parse %6.2f s %6.2f M lines/s   (%.0f bytes/line)\n",
	       alloc_only ? "allocs only" : "in memory", (double)bytes / 1e6, s,
	       (double)n / s / 1e6, (double)bytes / (double)n);
	for (i = 0; i < NR_LINES; i++)
		g_free(lines[i]);
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *plain = NULL, *gz = NULL;
	uint64_t n = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 2000000;

	dir = g_dir_make_tmp("bench-trace-XXXXXX", &error);
	if (dir == NULL)
		g_error("%s", error->message);
	plain = g_build_filename(dir, "bench.jsonl", NULL);
	gz = g_build_filename(dir, "bench.jsonl.gz", NULL);

	printf("trace I/O, %" G_GUINT64_FORMAT " alloc/free events\n", n);
	bench_parse(n, false);
	bench_parse(n, true);
	bench_file(plain, n, false);
	bench_file(gz, n, false);
	bench_file(plain, n, true);
	bench_file(gz, n, true);

	printf("\nbinary trace cache (best of 3 reads)\n");
	{
		g_autofree char *cache_dir = g_build_filename(dir, "cache", NULL);
		g_autofree char *wdir = g_build_filename(PS_SOURCE_DIR, "workloads", NULL);
		g_autoptr(GDir) d = g_dir_open(wdir, 0, NULL);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		PsTraceHeader hdr = {.version = 1, .source = "bench", .page_size = 4096, .cpus = 4};
		PsTraceWriter *w = ps_trace_writer_new(gz, &hdr, &error);
		PsTraceEvent ev;
		const char *name;

		for (uint64_t i = 0; w && i < n; i++) {
			make_event(i, &ev);
			if (!ps_trace_writer_write(w, &ev, &error))
				g_error("%s", error->message);
		}
		if (!w || !ps_trace_writer_close(w, &error))
			g_error("%s", error->message);
		bench_cache(gz, cache_dir);
		g_unlink(gz);
		while (d && (name = g_dir_read_name(d)))
			if (g_str_has_suffix(name, ".jsonl.gz"))
				g_ptr_array_add(names, g_build_filename(wdir, name, NULL));
		g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
		for (guint i = 0; i < names->len; i++)
			bench_cache(g_ptr_array_index(names, i), cache_dir);
		remove_flat_dir(cache_dir);
	}

	printf("\nimport of gzip'd tracefs text into .jsonl.gz (best of 3)\n");
	{
		static const char *const recs[] = {"ftrace-build-6.18", "ftrace-compact-6.18"};
		const char *env = g_getenv("PAGESIM_REALDATA");
		g_autofree char *real =
		    env ? g_strdup(env)
			: g_build_filename(PS_SOURCE_DIR, "..", "shared", "realdata", NULL);
		g_autofree char *out = g_build_filename(dir, "import.jsonl.gz", NULL);

		for (size_t i = 0; i < G_N_ELEMENTS(recs); i++) {
			g_autofree char *in = g_build_filename(real, recs[i], "trace.txt.gz", NULL);

			if (g_file_test(in, G_FILE_TEST_IS_REGULAR))
				bench_import(in, out);
			else
				printf("import %s: %s absent, skipped\n", recs[i], in);
		}
		if (g_getenv("PAGESIM_BENCH_TRACEDAT")) {
			bench_import(g_getenv("PAGESIM_BENCH_TRACEDAT"), out);
		} else {
			g_autofree char *keep_dir = ps_trace_cache_dir_default();
			g_autofree char *dat = kept_tracedat(dir, keep_dir);
			g_autofree char *rec = g_build_filename(dir, "capture", NULL);

			if (dat)
				bench_import(dat, out);
			remove_flat_dir(rec);
		}
	}
	g_rmdir(dir);
	return 0;
}
