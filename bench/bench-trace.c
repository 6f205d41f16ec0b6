// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-trace.c - trace I/O throughput: writes N synthetic alloc/free events (default 2M) to a
 * plain and a gzip trace in a temporary directory, reads both back, and prints lines per second
 * for each, plus the parser alone on lines already in memory; then the same with allocations only
 * (~90-byte lines, the typical line of a real trace).
 *
 * A benchmark prints figures; nothing here is asserted. Usage: bench-trace [N].
 */
#include <glib/gstdio.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "mm/mm.h"
#include "trace/trace.h"

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
	g_rmdir(dir);
	return 0;
}
