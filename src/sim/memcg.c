// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memcg.c - the memory cgroups of a real recording: which memcg each page of the starting
 * snapshot and each task of the trace is charged to, for the per-memcg lruvecs of
 * policy/reclaim.c (shrink_node_memcgs).
 *
 * Inputs (tools/pagesim-capture writes them beside kpageflags, at the same moments):
 * - PREFIXmemcgs: the memory controller's hierarchy, one line per cgroup,
 *   "INODE LIMIT PATH": the cgroup directory's inode number (what /proc/kpagecgroup reports,
 *   cgroup_ino), its limit in bytes (v1 memory.limit_in_bytes, v2 memory.max; "max" = none) and
 *   its path from the hierarchy's root ("/" is the root). '#' lines are comments.
 * - PREFIXkpagecgroup(.gz): /proc/kpagecgroup, one little-endian u64 per pfn from pfn 0, the
 *   inode number of the memcg the page is charged to (page_cgroup_ino), 0 for none.
 * - `proc` records' "memcg": the task's memcg path (pagesim import: the memory line of
 *   /proc/PID/cgroup at the start, cgroup:cgroup_attach_task for moves); a task without one
 *   inherits its fork parent's, else the root.
 *
 * Rules and what is left out (why acceptable):
 * - A folio is charged to the memcg of the task that allocates it (mem_cgroup_charge: anon to
 *   the mm's memcg, page cache to the current task's); kernel threads (no proc) charge the root.
 *   A task that moves keeps its pages where they are (cgroup v1 memory.move_charge_at_immigrate
 *   is 0 by default and deprecated; v2 never moves charges).
 * - page_cgroup_ino names the nearest *online* ancestor of an offline memcg (one whose cgroup
 *   was removed while pages still charge it): kpagecgroup cannot tell such zombie memcgs apart,
 *   so their pages join that ancestor's own lruvec. On the recording machines every shell
 *   command runs in a memcg of its own under /process_api, removed when it ends: the pages of
 *   earlier commands show as /process_api's. The kernel scans each zombie lruvec by its own size
 *   >> priority (at least SWAP_CLUSTER_MAX when that is 0: get_scan_count's "scrape out the
 *   remaining cache"). A policy run that starts from the recording's reclaim order rebuilds the
 *   zombies that order shows (snapshot-stale.c, policy/reclaim.c ps_memcg_split_offline) and
 *   the summary sums their pgsteal as "PARENT (offline children)"; the rest of such pages stay
 *   on the ancestor's own lists, scanned as one.
 * - Slab pages have no memcg in kpagecgroup (folio_memcg_check is NULL for a slab folio); the
 *   reclaimable slab list stays the node's (reclaim.c).
 * - Limits are read and counted (memcg.limited) but not enforced: no memcg of the recording
 *   machine has one.
 * - At most PS_MEMCG_MAX memcgs; one beyond is charged to its parent and counted (over_max).
 * Without these inputs every folio is the root's: the model is the one-lruvec model it was.
 *
 * What a dump says is kept in the trace cache's directory as runs of pfns charged alike (.memcg,
 * snapshot-cache.c's derived entries, named after the dump's digest, keyed by the map and the
 * memcgs file's inode -> id pairs): a warm run reads those instead of the 52 MB inflated dump.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim-private.h"
#include "util/util.h"

/* The id of a path already known, PS_MEMCG_NONE if not. */
static uint16_t memcg_lookup(PsSim *s, const char *path)
{
	gpointer v;

	if (!s->memcg_paths)
		return PS_MEMCG_NONE;
	v = g_hash_table_lookup(s->memcg_paths, path);
	return v ? (uint16_t)(GPOINTER_TO_UINT(v) - 1) : PS_MEMCG_NONE;
}

static void memcg_paths_init(PsSim *s)
{
	if (s->memcg_paths)
		return;
	s->memcg_paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_insert(s->memcg_paths, g_strdup("/"), GUINT_TO_POINTER(PS_MEMCG_ROOT + 1));
}

/* The parent path of a canonical path other than "/". */
static char *parent_path(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == path ? g_strdup("/") : g_strndup(path, (gsize)(slash - path));
}

/* The memcg of path, made (with its ancestors) when new, with sibling order key. */
static uint16_t memcg_make(PsSim *s, const char *path, uint64_t key, bool *made)
{
	uint16_t id = memcg_lookup(s, path), parent;
	g_autofree char *up = NULL;

	*made = false;
	if (id != PS_MEMCG_NONE)
		return id;
	up = parent_path(path);
	parent = memcg_make(s, up, key, made);
	id = ps_memcg_new(s->policy, parent, key);
	if (id == PS_MEMCG_NONE) {
		s->memcg.over_max++;
		id = parent;
	}
	g_hash_table_insert(s->memcg_paths, g_strdup(path), GUINT_TO_POINTER((guint)id + 1));
	*made = true;
	return id;
}

uint16_t sim_memcg_of_path(PsSim *s, const char *path)
{
	bool made;
	uint16_t id;

	/* the reader checked the spelling: absolute, no empty or dot component, no trailing / */
	if (!s->policy || !path[0])
		return PS_MEMCG_ROOT;
	memcg_paths_init(s);
	id = memcg_make(s, path, (1ull << 63) + s->memcg_trace_key, &made);
	if (made) {
		s->memcg_trace_key++;
		s->memcg.trace_memcgs++;
	}
	return id;
}

typedef struct {
	uint64_t ino, limit;
	char *path;
	int depth;
	uint64_t line;
} MemcgLine;

static int memcg_line_cmp(const void *a, const void *b)
{
	const MemcgLine *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void memcg_line_clear(gpointer p)
{
	g_free(((MemcgLine *)p)->path);
}

/* PREFIXmemcgs: the lines, checked (`file:line: field: what is wrong`). */
static GArray *read_memcgs(const char *path, GError **error)
{
	g_autoptr(GArray) lines = g_array_new(FALSE, TRUE, sizeof(MemcgLine));
	g_autofree char *text = NULL;
	g_auto(GStrv) rows = NULL;
	bool root = false;

	g_array_set_clear_func(lines, memcg_line_clear);
	if (!g_file_get_contents(path, &text, NULL, error))
		return NULL;
	rows = g_strsplit(text, "\n", -1);
	for (guint i = 0; rows[i]; i++) {
		MemcgLine l = {.line = i + 1};
		g_auto(GStrv) f = NULL;
		char *end;

		g_strstrip(rows[i]);
		if (!rows[i][0] || rows[i][0] == '#')
			continue;
		f = g_strsplit_set(rows[i], " \t", 3);
		if (g_strv_length(f) != 3 || !f[2][0]) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "%s:%u: line: not \"INODE LIMIT PATH\"", path, i + 1);
			return NULL;
		}
		l.ino = g_ascii_strtoull(f[0], &end, 10);
		if (end == f[0] || *end || !l.ino) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "%s:%u: inode: '%s' is not a positive number", path, i + 1,
				    f[0]);
			return NULL;
		}
		if (!strcmp(f[1], "max")) {
			l.limit = UINT64_MAX;
		} else {
			l.limit = g_ascii_strtoull(f[1], &end, 10);
			if (end == f[1] || *end) {
				g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					    "%s:%u: limit: '%s' is not a number of bytes or max",
					    path, i + 1, f[1]);
				return NULL;
			}
		}
		if (!ps_check_memcg_path(f[2], NULL)) {
			g_set_error(
			    error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s:%u: path: '%s' is not an absolute cgroup path of at most %d "
			    "bytes",
			    path, i + 1, f[2], PS_TRACE_MEMCG_MAX - 1);
			return NULL;
		}
		root |= !strcmp(f[2], "/");
		l.path = g_strdup(f[2]);
		for (const char *c = l.path; *c; c++)
			l.depth += *c == '/';
		if (!strcmp(l.path, "/"))
			l.depth = 0;
		g_array_append_val(lines, l);
	}
	if (!root) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s: path: no line for the root \"/\"", path);
		return NULL;
	}
	qsort(lines->data, lines->len, sizeof(MemcgLine), memcg_line_cmp);
	return g_steal_pointer(&lines);
}

/* The first of PREFIXkpagecgroup.gz, PREFIXkpagecgroup that exists, or NULL. */
static char *find_sibling(const char *kpageflags, const char *dir, const char *name)
{
	g_autofree char *gz = g_strconcat(name, ".gz", NULL);
	char *p = ps_snapshot_sibling(kpageflags, dir, gz);

	if (g_file_test(p, G_FILE_TEST_EXISTS))
		return p;
	g_free(p);
	p = ps_snapshot_sibling(kpageflags, dir, name);
	if (g_file_test(p, G_FILE_TEST_EXISTS))
		return p;
	g_free(p);
	return NULL;
}

/* Ends the run of what from start before i (no run for the root's or no memcg's pages: 0). */
static void run_end(GArray *runs, uint64_t start, uint64_t i, uint64_t what)
{
	PsMemcgRun r = {start, i - start, what};

	if (what && i > start)
		g_array_append_val(runs, r);
}

/* The memcg runs of a kpagecgroup dump's bytes; by_ino: inode -> memcg id + 1. */
static GArray *runs_of_dump(const PsMachine *m, const uint8_t *data, gsize size, GHashTable *by_ino)
{
	GArray *runs = g_array_new(FALSE, FALSE, sizeof(PsMemcgRun));
	uint64_t npages = m->map.end_pfn - m->map.base_pfn, last_ino = 0, start = 0, cur = 0;
	gpointer v = NULL; /* by_ino's value for last_ino */

	/*
	 * Neighbouring pfns are nearly always charged alike: the table is asked only when the
	 * inode changes (on a 6.5 M-page dump, a lookup per page was ~10 % of a warm run).
	 */
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t pfn = m->map.base_pfn + i, ino, what;

		if ((pfn + 1) * 8 > size) {
			/* the dump ends first (memory came online after it was read): the rest
			 * stays charged to the root, counted */
			run_end(runs, start, i, cur);
			run_end(runs, i, npages, PS_MEMCG_RUN_BEYOND);
			return runs;
		}
		memcpy(&ino, data + pfn * 8, 8);
		ino = GUINT64_FROM_LE(ino);
		if (ino && ino != last_ino) {
			last_ino = ino;
			v = g_hash_table_lookup(by_ino, &ino);
		}
		what = !ino ? 0 : !v ? PS_MEMCG_RUN_UNKNOWN : GPOINTER_TO_UINT(v) - 1;
		if (what != cur) {
			run_end(runs, start, i, cur);
			start = i;
			cur = what;
		}
	}
	run_end(runs, start, npages, cur);
	return runs;
}

/* s->snap_memcg_runs (those of a memcg) and the page counts from the runs. */
static void apply_runs(PsSim *s, const PsMemcgRun *run, uint64_t n)
{
	uint64_t npages = s->m->map.end_pfn - s->m->map.base_pfn;
	uint32_t nr_memcgs = ps_memcg_count(s->policy);

	s->snap_memcg_runs = g_array_new(FALSE, FALSE, sizeof(PsMemcgRun));
	for (uint64_t i = 0; i < n; i++) {
		g_assert(run[i].start < npages && run[i].len <= npages - run[i].start);
		g_assert(!i || run[i].start >= run[i - 1].start + run[i - 1].len);
		if (run[i].what == PS_MEMCG_RUN_UNKNOWN) {
			s->memcg.unknown_ino_pages += run[i].len;
		} else if (run[i].what == PS_MEMCG_RUN_BEYOND) {
			s->memcg.beyond_dump_pages += run[i].len;
		} else {
			g_assert(run[i].what != PS_MEMCG_ROOT && run[i].what < nr_memcgs);
			g_array_append_vals(s->snap_memcg_runs, &run[i], 1);
		}
	}
}

/*
 * The memcg runs of the dump at kpc into s: from the cache's entry for the dump's digest when
 * there is one for this map and these memcg ids (ids_key), else read from the dump (checked) and
 * kept there. Reading the dump costs a 52 MB inflated copy's checksum and a pass over its 6.5 M
 * inodes on every run; the runs of a recording's dump are a few thousand.
 */
static gboolean load_runs(PsSim *s, const char *kpc, GHashTable *by_ino, uint64_t ids_key,
			  GError **error)
{
	const char *cache_dir = s->opts.trace_cache_dir;
	const PsMachine *m = s->m;
	uint64_t v[4] = {m->map.base_pfn, m->map.end_pfn, ids_key, 1 /* the entry's format */};
	uint64_t key = ps_checksum64(v, sizeof(v)), n = 0;
	g_autofree char *digest = NULL, *entry = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GArray) runs = NULL;
	const void *items = NULL;
	const uint8_t *data;
	GMappedFile *map;
	gsize size;

	digest = cache_dir ? ps_file_digest_cached(kpc, cache_dir, NULL, NULL) : NULL;
	map = digest ? ps_derived_cache_lookup(cache_dir, PS_DERIVED_MEMCG, digest, key, &entry,
					       &items, &n)
		     : NULL;
	if (map) {
		apply_runs(s, items, n);
		g_mapped_file_unref(map);
		return TRUE;
	}
	bytes = ps_file_read_all_cached(kpc, cache_dir, error);
	if (!bytes)
		return FALSE;
	data = g_bytes_get_data(bytes, &size);
	if (size % 8) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s: size: %zu bytes is not a whole number of 8-byte entries", kpc,
			    size);
		return FALSE;
	}
	runs = runs_of_dump(m, data, size, by_ino);
	apply_runs(s, (const PsMemcgRun *)(void *)runs->data, runs->len);
	if (entry)
		ps_derived_cache_write(entry, PS_DERIVED_MEMCG, digest, key, runs->data, runs->len);
	return TRUE;
}

gboolean sim_memcg_load(PsSim *s, const char *kpageflags, GError **error)
{
	g_autofree char *dir = NULL, *tree = NULL, *kpc = NULL;
	g_autoptr(GArray) lines = NULL;
	g_autoptr(GHashTable) by_ino = NULL;
	g_autoptr(GArray) ids = NULL;

	if (!s->policy || !strcmp(kpageflags, "-"))
		return TRUE;
	dir = g_path_get_dirname(kpageflags);
	tree = ps_snapshot_sibling(kpageflags, dir, "memcgs");
	kpc = find_sibling(kpageflags, dir, "kpagecgroup");
	if (!g_file_test(tree, G_FILE_TEST_EXISTS) && !kpc)
		return TRUE;
	if (!kpc || !g_file_test(tree, G_FILE_TEST_EXISTS)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			    "%s: the snapshot has %s but no %s: the memcgs need both", kpageflags,
			    kpc ? kpc : tree, kpc ? tree : "kpagecgroup(.gz)");
		return FALSE;
	}
	lines = read_memcgs(tree, error);
	if (!lines)
		return FALSE;
	memcg_paths_init(s);
	by_ino = g_hash_table_new(g_int64_hash, g_int64_equal);
	/* each line's inode and id, in order: what the runs of a dump depend on besides the map */
	ids = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	for (guint i = 0; i < lines->len; i++) {
		MemcgLine *l = &g_array_index(lines, MemcgLine, i);
		bool made = false;
		uint16_t id = memcg_lookup(s, l->path);
		uint64_t pair[2];

		if (id == PS_MEMCG_NONE)
			id = memcg_make(s, l->path, l->ino, &made);
		s->memcg.snapshot_memcgs++;
		/* PAGE_COUNTER_MAX pages is "no limit" (v1 prints it in bytes) */
		if (l->limit < (1ull << 62))
			s->memcg.limited++;
		g_hash_table_insert(by_ino, &l->ino, GUINT_TO_POINTER((guint)id + 1));
		pair[0] = l->ino;
		pair[1] = id;
		g_array_append_vals(ids, pair, 2);
	}
	if (!load_runs(s, kpc, by_ino, ps_checksum64(ids->data, ids->len * sizeof(uint64_t)),
		       error))
		return FALSE;
	s->memcg.loaded = true;
	return TRUE;
}

void sim_memcg_seed(PsSim *s)
{
	const PsMachine *m = s->m;

	if (!s->snap_memcg_runs)
		return;
	if (!s->snap_rec) {
		g_clear_pointer(&s->snap_memcg_runs, g_array_unref);
		return;
	}
	/*
	 * pfn order, as sim_snapshot_lru_seed linked them: each memcg's list keeps that order.
	 * Only the pfns of a memcg's runs are looked at: most pages are the root's or no
	 * memcg's (a walk over every pfn was 68 M instructions on press-kswapd's session 13
	 * recording).
	 */
	for (guint r = 0; r < s->snap_memcg_runs->len; r++) {
		const PsMemcgRun *run = &g_array_index(s->snap_memcg_runs, PsMemcgRun, r);

		for (uint64_t i = run->start; i < run->start + run->len; i++) {
			uint32_t v = s->snap_rec[i];

			if (!v || (i && s->snap_rec[i - 1] == v) ||
			    !ps_lru_on_list(s->policy, v - 1))
				continue;
			ps_lru_set_memcg(s->policy, v - 1, (uint16_t)run->what);
			s->memcg.charged_folios++;
			s->memcg.charged_pages += 1ull << ps_page_order(m, m->map.base_pfn + i);
		}
	}
	/*
	 * Read by nothing from here on: dropped, so the started state neither saves nor restores
	 * them (ftrace-press-thp2-6.18: 4.2 MB, copied into fresh pages at each restore, 1,017
	 * page faults a warm run).
	 */
	g_clear_pointer(&s->snap_memcg_runs, g_array_unref);
}

cJSON *sim_memcg_to_json(const PsSim *s)
{
	cJSON *o;

	if (!s->memcg.loaded && !s->memcg.trace_memcgs)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "count", s->policy ? (double)ps_memcg_count(s->policy) : 1);
	cJSON_AddNumberToObject(o, "snapshot_memcgs", (double)s->memcg.snapshot_memcgs);
	cJSON_AddNumberToObject(o, "trace_memcgs", (double)s->memcg.trace_memcgs);
	cJSON_AddNumberToObject(o, "snapshot_charged_folios", (double)s->memcg.charged_folios);
	cJSON_AddNumberToObject(o, "snapshot_charged_pages", (double)s->memcg.charged_pages);
	cJSON_AddNumberToObject(o, "unknown_inode_pages", (double)s->memcg.unknown_ino_pages);
	cJSON_AddNumberToObject(o, "beyond_dump_pages", (double)s->memcg.beyond_dump_pages);
	cJSON_AddNumberToObject(o, "over_max", (double)s->memcg.over_max);
	cJSON_AddNumberToObject(o, "limited", (double)s->memcg.limited);
	if (s->policy && s->memcg_paths) {
		/* path -> pages reclaim took from the memcg's own lists, in id order */
		uint32_t n = ps_memcg_count(s->policy);
		g_autofree const char **name = g_new0(const char *, n);
		g_autofree uint64_t *offline = g_new0(uint64_t, n);
		uint16_t parent;
		GHashTableIter it;
		gpointer k, v;
		cJSON *st = cJSON_AddObjectToObject(o, "pgsteal");

		g_hash_table_iter_init(&it, s->memcg_paths);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			guint id = GPOINTER_TO_UINT(v) - 1;

			/* over_max paths share their parent's id: the first (shortest) names it */
			if (id < n && (!name[id] || strlen(k) < strlen(name[id]) ||
				       (strlen(k) == strlen(name[id]) && strcmp(k, name[id]) < 0)))
				name[id] = k;
		}
		for (uint32_t i = 0; i < n; i++)
			if (name[i])
				cJSON_AddNumberToObject(
				    st, name[i], (double)ps_memcg_pgsteal(s->policy, (uint16_t)i));
			else if (ps_memcg_offline(s->policy, (uint16_t)i, &parent))
				offline[parent] += ps_memcg_pgsteal(s->policy, (uint16_t)i);
		/* the offline memcgs made for the reclaim order (no path): summed per parent */
		for (uint32_t i = 0; i < n; i++)
			if (name[i] && offline[i]) {
				g_autofree char *key =
				    g_strdup_printf("%s (offline children)", name[i]);

				cJSON_AddNumberToObject(st, key, (double)offline[i]);
			}
	}
	return o;
}

/*
 * One memcg path of s->memcg_paths, for saving them in id order; paths that share an id (past
 * PS_MEMCG_MAX memcg_make falls back to the parent's) in strcmp order, so the order is total.
 */
typedef struct {
	const char *path;
	guint id;
} PathId;

static int path_id_cmp(const void *a, const void *b)
{
	guint x = ((const PathId *)a)->id, y = ((const PathId *)b)->id;

	if (x != y)
		return x < y ? -1 : 1;
	return strcmp(((const PathId *)a)->path, ((const PathId *)b)->path);
}

void sim_memcg_state(PsSim *s, PsStateTable *t)
{
	g_autoptr(GArray) paths = g_array_new(FALSE, FALSE, sizeof(PathId));
	uint64_t nruns, npaths;

	nruns =
	    ps_state_count(t, "memcg.runs.n", s->snap_memcg_runs ? s->snap_memcg_runs->len + 1 : 0);
	if (ps_state_loading(t) && nruns)
		s->snap_memcg_runs = g_array_new(FALSE, FALSE, sizeof(PsMemcgRun));
	if (nruns) {
		g_array_set_size(s->snap_memcg_runs, (guint)(nruns - 1));
		ps_state_array(t, "memcg.runs", s->snap_memcg_runs->data,
			       sizeof(PsMemcgRun) * (nruns - 1));
	}
	if (!ps_state_loading(t) && s->memcg_paths) {
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, s->memcg_paths);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			PathId p = {k, GPOINTER_TO_UINT(v)};

			g_array_append_val(paths, p);
		}
		g_array_sort(paths, path_id_cmp);
	}
	npaths = ps_state_count(t, "memcg.paths.n", s->memcg_paths ? paths->len + 1 : 0);
	if (ps_state_loading(t) && npaths)
		memcg_paths_init(s);
	for (uint64_t i = 0; npaths && i < npaths - 1; i++) {
		PathId p = i < paths->len ? g_array_index(paths, PathId, i) : (PathId){NULL, 0};
		char *path = ps_state_string(t, "memcg.path", p.path);
		uint64_t id = ps_state_count(t, "memcg.path.id", p.id);

		if (ps_state_loading(t) && path)
			g_hash_table_replace(s->memcg_paths, path, GUINT_TO_POINTER((guint)id));
		else
			g_free(path);
	}
	ps_state_array(t, "memcg.trace_key", &s->memcg_trace_key, sizeof(s->memcg_trace_key));
	ps_state_array(t, "memcg.stats", &s->memcg, sizeof(s->memcg));
}

void sim_memcg_free(PsSim *s)
{
	g_clear_pointer(&s->snap_memcg_runs, g_array_unref);
	g_clear_pointer(&s->memcg_paths, g_hash_table_destroy);
}
