// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen_pagecache_stream.c - sequential reads of big files into the page cache at a set rate:
 * backups, `cat` of logs, a database scanning tables, media streaming.
 *
 * streams=N reader processes (one a cpu, round robin) each read one file of file-size bytes
 * front to back, then exit and a new reader starts on the next file. Every read goes through
 * readahead: on a sequential stream the kernel keeps a 128 KiB window (read_ahead_kb default)
 * ahead of the reader and fills it with large folios, here 64 KiB ones (gen.c explains the
 * folio size), allocated with readahead's GFP (GFP_HIGHUSER_MOVABLE|__GFP_NORETRY|__GFP_NOWARN),
 * kind file. The page cache is never freed by the trace: once free memory runs low, kswapd or
 * direct reclaim must evict it, which is the point of this workload. Each reader also owns a
 * 128 KiB user buffer (touched once) and each new file costs a dentry and an inode page now
 * and then (reclaimable slab, approximated as one 4 KiB page per 16 files).
 *
 * rate is the total over all streams (default 256 MiB/s: a SATA SSD, or a quarter of an NVMe
 * drive); one window of one stream is read every 128 KiB * streams / rate.
 */
#include "trace/gen-private.h"

#define PCS_WINDOW   (128ull << 10)
#define PCS_BUF	     (128ull << 10)
#define PCS_BUF_ADDR 0x7ffff0000000ull

typedef struct {
	PsGenTask *task;
	uint64_t pos; /* bytes of the file read so far */
} PcsStream;

static gboolean pagecache_stream_run(const char *out_path, double seconds, uint64_t seed,
				     GHashTable *params, GError **error)
{
	static const char *const known[] = {"streams", "rate", "file-size", "cpus", NULL};
	uint64_t streams, rate, file_size, cpus, window_ns, files = 0;
	PsGenEmitter *e;
	PcsStream *s;
	PsRng rng;
	int lane;

	if (!ps_gen_params_check(params, known, error) ||
	    !ps_gen_param_uint(params, "streams", 4, 1, 1024, &streams, error) ||
	    !ps_gen_param_size(params, "rate", 256ull << 20, 1ull << 20, 1ull << 40, &rate,
			       error) ||
	    !ps_gen_param_size(params, "file-size", 1ull << 30, PCS_WINDOW, 1ull << 44, &file_size,
			       error) ||
	    !ps_gen_param_uint(params, "cpus", MIN(streams, 4), 1, 1024, &cpus, error))
		return FALSE;
	e = ps_gen_emitter_new("pagecache-stream", out_path, (int)cpus, (int)streams, seconds,
			       error);
	if (!e)
		return FALSE;
	ps_rng_init(&rng, seed, "pagecache-stream");
	/* One lane a stream; the streams start out of step. */
	window_ns = PCS_WINDOW * streams * PS_GEN_NS_PER_S / rate;
	s = g_new0(PcsStream, streams);
	for (uint64_t i = 0; i < streams; i++)
		ps_gen_advance(e, (int)i, ps_gen_uniform(&rng, 0, window_ns));
	while ((lane = ps_gen_next_lane(e)) >= 0) {
		PcsStream *st = &s[lane];

		if (!st->task) {
			st->task = ps_gen_task_new(e, lane, "cat", 0);
			ps_gen_map(e, lane, st->task->pid, PCS_BUF_ADDR, PCS_BUF, false);
			ps_gen_task_touch(e, st->task, PCS_BUF_ADDR, PCS_BUF);
			if (files++ % 16 == 0)
				ps_gen_alloc(e, lane, PS_GEN_PID_KERNEL, -1, 4096,
					     PS_GFP_KERNEL | PS_GFP_RECLAIMABLE,
					     PS_KIND_SLAB_RECLAIMABLE);
			st->pos = 0;
		}
		ps_gen_pagecache(e, lane, st->pos, MIN(PCS_WINDOW, file_size - st->pos),
				 PS_GEN_GFP_READAHEAD);
		st->pos += MIN(PCS_WINDOW, file_size - st->pos);
		/* +-1/8 jitter: a device's service times are not a metronome. */
		ps_gen_advance(e, lane,
			       window_ns - window_ns / 8 + ps_rng_below(&rng, window_ns / 4 + 1));
		if (st->pos == file_size) {
			ps_gen_task_exit(e, st->task);
			st->task = NULL;
		}
	}
	for (uint64_t i = 0; i < streams; i++)
		ps_gen_task_free(s[i].task);
	g_free(s);
	return ps_gen_emitter_finish(e, error);
}

const PsGenerator ps_gen_pagecache_stream = {
    .name = "pagecache-stream",
    .summary = "sequential reads of big files into the page cache at a set rate; reclaim "
	       "must evict them",
    .params_help = "streams=4: concurrent sequential readers\n"
		   "rate=256M: bytes per second read, all streams together\n"
		   "file-size=1G: size of each file; a reader exits at its end and a new one "
		   "starts\n"
		   "cpus=min(streams,4): cpus of the recording; stream i runs on cpu i % cpus\n",
    .run = pagecache_stream_run,
};
