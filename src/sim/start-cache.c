// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * start-cache.c - the started-state cache: the whole state of a policy run from a snapshot at
 * the moment its first record is read (after the snapshot's load, the pcp prefill, the stale
 * pass and the LRU and memcg seeds), kept so that the next run of the same inputs restores it
 * instead of building it again (on ftrace-press-kswapd-6.18 that build is about a third of a
 * warm run's instructions).
 *
 * That state is a function of the config, the snapshot dump, the files beside it and in the
 * --proc directory, the trace, and the binary; the entry is named after a sha256 of all of them
 * (start_key), and its header repeats that key with the payload's size, checksum and number of
 * arrays, checked on open. Never required, never trusted: a missing entry is written after a
 * cold start, a bad one is reported on stderr and ignored (then rewritten). Not for a start that
 * reads standard input. One exception, a bug trap: a whole entry of this binary's key whose
 * arrays are not the ones the walk names aborts the run (sim_start_restore), with a message
 * that says to delete it.
 *
 * The payload is one table of saved arrays (util/state.c), named by each owner's walk in a fixed
 * order (start_walk): engine queue, machine, policy, fidelity, fallback counts, snapshot, records,
 * memcgs, and the run's own counters and per-block arrays. A restore runs the same walk on a fresh
 * run of the same config, so it writes back every array where the cold start left it.
 *
 * PAGESIM_START_CACHE=off: neither read nor write. PAGESIM_START_CACHE=compare: on a valid entry,
 * build the state cold anyway, and abort unless the cold state, the entry and a second run
 * restored from the entry are the same bytes array by array (tests/sim/test-start-cache).
 * PAGESIM_START_CACHE=verbose: as the default, and a line on stderr says whether the start was
 * restored or built (and kept); in-process, ps_sim_start_restored tells. No output file says
 * which: a run writes the same bytes whatever the cache held.
 *
 * Nothing a restore would not rebuild may be saved: the --proc files are saved by name (their
 * directory is the current run's, ps_snapshot_paths_restore), and a queued event or list that
 * holds a heap pointer is asserted absent when saving (start_walk).
 *
 * Why the whole payload is summed on every open, though most of a mapped array is never read by
 * the run: the key says the entry was made from these inputs by this binary (never stale), the
 * sum that its bytes are still the ones written (never trusted), which a key cannot say: a disk
 * error, or a file renamed into place whose data a crash lost (entries are not fsync'd,
 * util/atomic.c) reads back as zeros of the right size. The trace cache and the loaded-state
 * cache (.snap) sum their whole payloads on open for the same reason; a sum checked lazily or
 * over a sample would let a run use bytes nobody checked. What the sum costs is kept down by
 * storing less instead: sparse and zero-tailed arrays keep only their nonzero pages
 * (util/state.c). It is memory-bound: ftrace-press-thp-6.18's 145 MB entry, about 10 ms of
 * CPU a warm run (0.125 instructions a byte, AVX2), half of it on a second thread where the
 * machine has another cpu (ps_checksum_sum splits a payload this large; the same sum).
 *
 * Layout (native byte order; the file never leaves the machine): StartHead, zeros to
 * START_PAYLOAD, then the payload (its mapped arrays start on pages of the file, util/state.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "sim/sim-private.h"
#include "util/util.h"

#define START_MAGIC "PSSTART\x04"
/* the payload's offset in the file: a page, so that its mapped arrays can be mapped in place */
#define START_PAYLOAD 4096

typedef struct {
	char magic[8];
	uint64_t size;	   /* payload bytes */
	uint64_t checksum; /* ps_checksum_sum of them */
	uint64_t entries;  /* arrays in the table */
	char key[96];	   /* the entry's name before ".start", NUL-terminated */
} StartHead;
G_STATIC_ASSERT(sizeof(StartHead) == 128);

typedef enum { START_USE, START_OFF, START_COMPARE, START_VERBOSE } StartMode;

/* Read once a run, by sim_start_entry (s->start_mode), so a bad value is reported once. */
static StartMode start_mode(void)
{
	const char *v = g_getenv("PAGESIM_START_CACHE");

	if (!v || !*v)
		return START_USE;
	if (!strcmp(v, "off"))
		return START_OFF;
	if (!strcmp(v, "compare"))
		return START_COMPARE;
	if (!strcmp(v, "verbose"))
		return START_VERBOSE;
	fprintf(stderr, "pagesim: PAGESIM_START_CACHE=%s: not off, compare or verbose; ignored\n",
		v);
	return START_USE;
}

/* The digest of a file through the digest memo, into h as "name digest\n"; false: none. */
static bool key_file(GChecksum *h, const char *label, const char *path, const char *cache_dir)
{
	g_autofree char *d = ps_file_digest_cached(path, cache_dir, NULL, NULL);

	if (!d)
		return false;
	g_checksum_update(h, (const guchar *)label, -1);
	g_checksum_update(h, (const guchar *)" ", 1);
	g_checksum_update(h, (const guchar *)d, -1);
	g_checksum_update(h, (const guchar *)"\n", 1);
	return true;
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, by name: the --proc files and the dump's siblings. */
static bool key_dir(GChecksum *h, const char *dir, const char *cache_dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	if (!d)
		return false;
	while ((n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, strcmp_p);
	g_checksum_update(h, (const guchar *)"dir\n", -1);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *p = g_build_filename(dir, names->pdata[i], NULL);

		if (!g_file_test(p, G_FILE_TEST_IS_REGULAR))
			continue;
		if (!key_file(h, names->pdata[i], p, cache_dir))
			return false;
	}
	return true;
}

/*
 * The key of a start, "INPUTS-EXE": INPUTS the sha256 of the run's config (as written back in
 * full), its seed and sample interval, the dump, every file in the --proc directory and beside
 * the dump, and the trace; EXE the first 16 hex digits of this binary's sha256. NULL when one of
 * them cannot be hashed (standard input, /proc/self/exe unreadable).
 */
static char *start_key(PsSim *s, const char *kpageflags, const char *proc_dir, const char *trace)
{
	g_autofree char *exe_digest = NULL;
	g_autoptr(GChecksum) h = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *cfg = ps_config_to_json_full(s->cfg);
	g_autofree char *kdir = g_path_get_dirname(kpageflags);
	g_autofree char *extra = NULL;
	const char *cache_dir = s->opts.trace_cache_dir;

	if (!exe || !strcmp(kpageflags, "-") || !strcmp(trace, "-"))
		return NULL;
	g_checksum_update(h, (const guchar *)START_MAGIC, 8);
	exe_digest = ps_file_digest_cached(exe, cache_dir, NULL, NULL);
	if (!exe_digest || !g_str_has_prefix(exe_digest, "sha256:") ||
	    strlen(exe_digest) < strlen("sha256:") + 16 ||
	    !key_file(h, "kpageflags", kpageflags, cache_dir))
		return NULL;
	if (s->opts.trace_digest) {
		g_checksum_update(h, (const guchar *)"trace ", -1);
		g_checksum_update(h, (const guchar *)s->opts.trace_digest, -1);
	} else if (!key_file(h, "trace", trace, cache_dir)) {
		return NULL;
	}
	if (!key_dir(h, kdir, cache_dir) || (proc_dir && !key_dir(h, proc_dir, cache_dir)))
		return NULL;
	extra =
	    g_strdup_printf("proc %d\nseed %" G_GUINT64_FORMAT "\nsample %" G_GUINT64_FORMAT "\n",
			    proc_dir != NULL, s->cfg->spec.seed, s->cfg->sampling.sample_ns);
	g_checksum_update(h, (const guchar *)extra, -1);
	g_checksum_update(h, (const guchar *)cfg, -1);
	return g_strdup_printf("%s-%.16s", g_checksum_get_string(h),
			       exe_digest + strlen("sha256:"));
}

/* ---- the walk ------------------------------------------------------------------------------ */

/* The run's own part: what a start changes in PsSim besides records, memcgs and the snapshot. */
static void sim_own_state(PsSim *s, PsStateTable *t)
{
	PsMachine *m = s->m;
	uint64_t nblocks = (m->map.end_pfn - m->map.base_pfn) >> m->pageblock_order;

	ps_state_array(t, "sim.pb_alloc", s->pb_alloc, sizeof(uint32_t) * nblocks * PS_MT_PCPTYPES);
	ps_state_array(t, "sim.pb_types", s->pb_types, nblocks);
	ps_state_array(t, "sim.busy_until", s->busy_until, sizeof(uint64_t) * (gsize)m->nr_cpus);
	ps_state_array(t, "sim.lru_batch", s->lru_batch, (gsize)m->nr_cpus);
	ps_state_array(t, "sim.oom_wait_ns", s->oom_wait_ns, sizeof(uint64_t) * (gsize)m->nr_cpus);
	ps_state_array(t, "sim.zone_lock_free", s->zone_lock_free,
		       sizeof(*s->zone_lock_free) * (gsize)m->nr_zones);
	ps_state_array(t, "sim.lru_lock_free", s->lru_lock_free,
		       sizeof(*s->lru_lock_free) * (gsize)m->nr_nodes);
	ps_state_array(t, "sim.node_direct", s->node_direct, sizeof(s->node_direct));
	ps_state_array(t, "sim.hists", s->hists, sizeof(s->hists));
	ps_state_array(t, "sim.run_hists", s->run_hists, sizeof(s->run_hists));
	ps_state_array(t, "sim.totals", &s->totals, sizeof(s->totals));
	ps_state_array(t, "sim.anomalies", s->anomalies, sizeof(s->anomalies));
	ps_state_array(t, "sim.cache", &s->cache, sizeof(s->cache));
	ps_state_array(t, "sim.snapshot_frees", &s->snapshot_frees, sizeof(s->snapshot_frees));
	ps_state_array(t, "sim.snapshot_lru_folios", &s->snapshot_lru_folios,
		       sizeof(s->snapshot_lru_folios));
	ps_state_array(t, "sim.snapshot_lru_pages", &s->snapshot_lru_pages,
		       sizeof(s->snapshot_lru_pages));
	ps_state_array(t, "sim.snapshot_folios_split", &s->snapshot_folios_split,
		       sizeof(s->snapshot_folios_split));
	ps_state_array(t, "sim.oom_no_victim", &s->oom_no_victim, sizeof(s->oom_no_victim));
	ps_state_array(t, "sim.pgtable_pages", &s->pgtable_pages, sizeof(s->pgtable_pages));
}

/*
 * Every owner's arrays, in one order. Checklist: state a start changes goes into its owner's
 * walk (ps_machine_state, ps_policy_state, ps_fidelity_state, ps_snapshot_state,
 * sim_recs_state, sim_memcg_state) or into sim_own_state; the compare mode shows a missed one
 * only if it differs in what is saved, the outputs of a restored run (the test) otherwise.
 */
static void start_walk(PsSim *s, PsStateTable *t)
{
	/*
	 * The page tables waiting for a grace period (process.c tables_free) are heap objects,
	 * and their events carry the pointer: saved, they would dangle in the run that restores
	 * them. None is queued before the first record; if that changes, they need a walk of
	 * their own. Checklist: an event type whose arg carries a pointer is asserted here.
	 */
	g_assert(ps_state_loading(t) || (g_queue_is_empty(s->rcu_tables) &&
					 !ps_engine_pending_type(s->e, s->ev_rcu_tables)));
	ps_engine_state(s->e, t);
	ps_machine_state(s->m, t);
	ps_policy_state(s->policy, t);
	ps_fidelity_state(s->fid, t);
	ps_fallback_stats_state(s->fallbacks, t);
	ps_snapshot_state(s->snap, s->m, t);
	sim_recs_state(s, t);
	sim_memcg_state(s, t);
	sim_own_state(s, t);
}

/* ---- entries ------------------------------------------------------------------------------- */

char *sim_start_entry(PsSim *s, const char *kpageflags, const char *proc_dir)
{
	g_autofree char *key = NULL, *name = NULL;

	s->start_mode = (uint8_t)start_mode();
	if (!s->place->model || !s->opts.trace_cache_dir || !s->opts.trace_path ||
	    s->start_mode == START_OFF)
		return NULL;
	key = start_key(s, kpageflags, proc_dir, s->opts.trace_path);
	if (!key)
		return NULL;
	name = g_strdup_printf("%s.start", key);
	return g_build_filename(s->opts.trace_cache_dir, name, NULL);
}

/* An entry open for a restore: the file mapped read-only, and its descriptor for the walk. */
typedef struct {
	int fd;
	uint8_t *data;
	gsize len;
} StartFile;

static void start_file_close(StartFile *f)
{
	if (f->data)
		munmap(f->data, f->len ? f->len : 1);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->data = NULL;
}

/*
 * Opens the entry: true, with its payload, when it is whole and made for its name's key. The
 * size is the descriptor's own (fstat), so the mapping never reaches past the file's end as it
 * was opened; an entry is only ever replaced by a rename (entry_write) or removed, never cut in
 * place, so a run that maps its arrays keeps the bytes it checked.
 */
static bool entry_open(const char *entry, StartFile *f, const uint8_t **payload, StartHead *h)
{
	g_autofree char *base = g_path_get_basename(entry), *why = NULL;
	struct stat st;
	void *map;

	f->fd = open(entry, O_RDONLY | O_CLOEXEC);
	f->data = NULL;
	f->len = 0;
	if (f->fd < 0) {
		if (errno != ENOENT)
			fprintf(stderr, "pagesim: cache %s: %s; ignored\n", entry,
				g_strerror(errno));
		return false;
	}
	if (fstat(f->fd, &st) || st.st_size < START_PAYLOAD) {
		why = g_strdup("cut short");
	} else {
		f->len = (gsize)st.st_size;
		/*
		 * The checksum reads every page of it at once: populated in the one call instead
		 * of a fault every fault-around window (ftrace-press-thp-6.18's entry, 158 MB
		 * when measured: about 2,100 fewer page faults a warm run).
		 */
		map = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f->fd, 0);
		if (map == MAP_FAILED)
			why = g_strdup_printf("cannot map: %s", g_strerror(errno));
		else
			f->data = map;
	}
	if (!why)
		memcpy(h, f->data, sizeof(*h));
	if (!why && (memcmp(h->magic, START_MAGIC, 8) || !memchr(h->key, 0, sizeof(h->key)) ||
		     strncmp(base, h->key, strlen(h->key)) || base[strlen(h->key)] != '.'))
		why = g_strdup("not a pagesim started state of these inputs");
	else if (!why && h->size != f->len - START_PAYLOAD)
		why =
		    g_strdup_printf("%" G_GSIZE_FORMAT " bytes, the header says %" G_GUINT64_FORMAT,
				    f->len - START_PAYLOAD, h->size);
	else if (!why && ps_checksum_sum(f->data + START_PAYLOAD, h->size) != h->checksum)
		why = g_strdup("checksum mismatch: the file is corrupt");
	else if (!why && ps_state_table_count(f->data + START_PAYLOAD, h->size) != h->entries)
		why = g_strdup_printf(
		    "%" G_GUINT64_FORMAT " arrays, the header says %" G_GUINT64_FORMAT,
		    ps_state_table_count(f->data + START_PAYLOAD, h->size), h->entries);
	if (why) {
		fprintf(stderr, "pagesim: cache %s: %s; ignored, starting cold\n", entry, why);
		start_file_close(f);
		return false;
	}
	ps_cache_touch(entry);
	*payload = f->data + START_PAYLOAD;
	return true;
}

bool sim_start_restore(PsSim *s, const char *entry, const char *kpageflags, const char *proc_dir)
{
	const uint8_t *payload = NULL;
	StartHead h;
	StartFile f;
	g_autoptr(PsStateTable) t = NULL;

	if (s->start_mode == START_COMPARE)
		return false; /* built cold, then compared (sim_start_keep) */
	if (!entry_open(entry, &f, &payload, &h))
		return false;
	s->snap = ps_snapshot_new(s->m, kpageflags);
	t = ps_state_table_new_load(payload, h.size);
	ps_state_table_set_file(t, f.fd, START_PAYLOAD);
	start_walk(s, t);
	start_file_close(&f); /* the arrays mapped from it keep the file */
	/* the key names this binary: a table it does not read is a bug, not a stale entry */
	if (ps_state_table_error(t))
		g_error(
		    "pagesim: cache %s: %s (a bug of this build's walk; delete the entry to run "
		    "without it)",
		    entry, ps_state_table_error(t));
	ps_snapshot_paths_restore(s->snap, proc_dir);
	s->started = true;
	if (s->start_mode == START_VERBOSE)
		fprintf(stderr, "pagesim: started state restored from %s\n", entry);
	return true;
}

/*
 * Removes the entries of the same inputs made by other builds (the name's INPUTS- prefix, another
 * EXE): each is tens to hundreds of MB and only its own binary reads it, so a rebuild would
 * otherwise leave one behind per recording. Two builds that run the same inputs by turns then
 * rewrite each other's entry (slower, never wrong).
 */
static void drop_other_builds(const char *dir, const char *name)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *dash = strchr(name, '-'), *n;
	gsize prefix;

	if (!d || !dash)
		return;
	prefix = (gsize)(dash - name) + 1;
	while ((n = g_dir_read_name(d)))
		if (!strncmp(n, name, prefix) && g_str_has_suffix(n, ".start") && strcmp(n, name)) {
			g_autofree char *p = g_build_filename(dir, n, NULL);

			g_unlink(p);
		}
}

static bool entry_write(const char *entry, const PsStateTable *t)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *dir = g_path_get_dirname(entry), *base = g_path_get_basename(entry);
	gsize len = 0;
	const uint8_t *bytes = ps_state_table_bytes(t, &len);
	PsAtomicFile *f;
	StartHead h;
	static const uint8_t zero[START_PAYLOAD - sizeof(StartHead)];

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, START_MAGIC, 8);
	h.size = len;
	h.checksum = ps_checksum_sum(bytes, len);
	h.entries = ps_state_table_entries(t);
	g_strlcpy(h.key, base, MIN(sizeof(h.key), (gsize)(strchr(base, '.') - base) + 1));
	if (g_mkdir_with_parents(dir, 0777) != 0) {
		fprintf(stderr, "pagesim: cache %s: %s; not kept\n", dir, g_strerror(errno));
		return false;
	}
	f = ps_atomic_file_new(entry, &local);
	if (f && (!ps_atomic_file_write(f, &h, sizeof(h), &local) ||
		  !ps_atomic_file_write(f, zero, sizeof(zero), &local) ||
		  !ps_atomic_file_write(f, bytes, len, &local)))
		g_clear_pointer(&f, ps_atomic_file_abort);
	if (!f || !ps_atomic_file_commit(f, &local)) { /* commit frees f either way */
		fprintf(stderr, "pagesim: cache: %s; not kept\n", local->message);
		return false;
	}
	drop_other_builds(dir, base);
	ps_cache_trim(dir, base);
	return true;
}

/* compare mode: the same table through a second run restored from it, byte for byte */
static void compare_restored(PsSim *s, const char *entry, const uint8_t *saved, gsize len,
			     const char *kpageflags)
{
	const uint8_t *payload = NULL;
	StartHead h;
	StartFile f;
	g_autoptr(GError) local = NULL;
	g_autoptr(PsSim) r = NULL;
	g_autoptr(PsStateTable) t = NULL, again = NULL;
	const uint8_t *bytes;
	gsize blen;
	g_autofree char *diff = NULL;

	if (!entry_open(entry, &f, &payload, &h))
		g_error("pagesim: compare: %s: cannot be read back", entry);
	diff = ps_state_table_diff(saved, len, payload, h.size);
	if (diff)
		g_error("pagesim: compare: the cold start and the entry %s: %s", entry, diff);
	r = ps_sim_new(s->cfg, &s->opts, &local);
	if (!r)
		g_error("pagesim: compare: %s", local->message);
	r->snap = ps_snapshot_new(r->m, kpageflags);
	t = ps_state_table_new_load(payload, h.size);
	/* mapped from the file, as sim_start_restore does, so the check covers that path */
	ps_state_table_set_file(t, f.fd, START_PAYLOAD);
	start_walk(r, t);
	if (ps_state_table_error(t))
		g_error("pagesim: compare: %s: %s", entry, ps_state_table_error(t));
	again = ps_state_table_new_save();
	start_walk(r, again);
	bytes = ps_state_table_bytes(again, &blen);
	g_clear_pointer(&diff, g_free);
	diff = ps_state_table_diff(saved, len, bytes, blen);
	if (diff)
		g_error("pagesim: compare: the cold start and the start restored from %s: %s",
			entry, diff);
	fprintf(stderr,
		"pagesim: compare: started state of %s: cold, entry and restored agree "
		"(%" G_GUINT64_FORMAT " arrays, %" G_GSIZE_FORMAT " bytes)\n",
		entry, ps_state_table_entries(again), blen);
	start_file_close(&f);
}

void sim_start_keep(PsSim *s, const char *entry, const char *kpageflags)
{
	g_autoptr(PsStateTable) t = NULL;
	const uint8_t *bytes;
	gsize len;

	if (!entry)
		return;
	t = ps_state_table_new_save();
	start_walk(s, t);
	if (ps_state_table_too_large(t)) {
		fprintf(stderr, "pagesim: cache %s: the started state is over 4 GiB; not kept\n",
			entry);
		return;
	}
	bytes = ps_state_table_bytes(t, &len);
	if (s->start_mode == START_COMPARE && g_file_test(entry, G_FILE_TEST_EXISTS)) {
		compare_restored(s, entry, bytes, len, kpageflags);
		return;
	}
	if (entry_write(entry, t) && s->start_mode == START_VERBOSE)
		fprintf(stderr, "pagesim: started state built, kept in %s\n", entry);
}

bool ps_sim_start_restored(const PsSim *s)
{
	return s->started;
}
