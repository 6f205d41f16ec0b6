// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * output.c - the run's output files: the writers of timeline.csv, latency.csv and events.jsonl
 * (DESIGN.md "Outputs").
 *
 * Every file is an atomic output file (util/atomic.c): a reader (or a later run comparing
 * outputs) sees either the old file or the whole new one, and an aborted or crashed run leaves
 * nothing under the final name.
 *
 * The writers format with integers only (indices in thousandths printed as "%d.%03d"), so the
 * bytes do not depend on the locale or on the floating point of the host. An I/O error while
 * sampling is remembered and returned by close, so that the simulation loop does not have to
 * check every row.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "policy/policy.h"
#include "report/report.h"

/* ---- a line-oriented writer with a sticky error ------------------------------------------- */

typedef struct {
	PsAtomicFile *file;
	GString *line; /* the row being built */
	GError *error; /* first write error; later writes are skipped */
} LineWriter;

static gboolean line_writer_init(LineWriter *w, const char *path, GError **error)
{
	w->file = ps_atomic_file_new(path, error);
	if (!w->file)
		return FALSE;
	w->line = g_string_sized_new(1024);
	w->error = NULL;
	return TRUE;
}

/* Writes w->line and empties it. */
static void line_writer_flush(LineWriter *w)
{
	if (!w->error)
		ps_atomic_file_write(w->file, w->line->str, w->line->len, &w->error);
	g_string_truncate(w->line, 0);
}

static gboolean line_writer_close(LineWriter *w, GError **error)
{
	g_string_free(w->line, TRUE);
	if (w->error) {
		g_propagate_error(error, w->error);
		ps_atomic_file_abort(w->file);
		return FALSE;
	}
	return ps_atomic_file_commit(w->file, error);
}

static void line_writer_abort(LineWriter *w)
{
	g_string_free(w->line, TRUE);
	g_clear_error(&w->error);
	ps_atomic_file_abort(w->file);
}

/* ",%" PRIu64 without printf: a timeline row has ~35 of them at every sample. */
static void append_u64(GString *s, uint64_t v)
{
	char buf[24];
	char *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	*--p = ',';
	g_string_append_len(s, p, buf + sizeof(buf) - p);
}

static void append_index(GString *s, int index)
{
	g_string_append_c(s, ',');
	ps_format_index(s, index);
}

/* ---- timeline.csv ------------------------------------------------------------------------- */

struct PsTimeline {
	LineWriter w;
	unsigned nr_orders; /* of the machine the header was written for */
	int nr_zones;
};

PsTimeline *ps_timeline_new(const char *path, const PsMachine *m, GError **error)
{
	PsTimeline *tl = g_new0(PsTimeline, 1);
	GString *h;

	if (!line_writer_init(&tl->w, path, error)) {
		g_free(tl);
		return NULL;
	}
	tl->nr_orders = m->nr_orders;
	tl->nr_zones = m->nr_zones;
	h = tl->w.line;
	g_string_append(h, "t_ns,node,zone,free_pages,free_bytes");
	for (unsigned o = 0; o < m->nr_orders; o++)
		g_string_append_printf(h, ",free_blocks_o%u", o);
	g_string_append(h, ",unusable_pb,fragindex_pb,unusable_2m,fragindex_2m"
			   ",largest_free_bytes,free_pageblocks");
	for (int mt = 0; mt < PS_MT_TYPES; mt++) {
		g_autofree char *lower = g_ascii_strdown(ps_migratetype_names[mt], -1);

		g_string_append_printf(h, ",pb_%s", lower);
	}
	g_string_append(h, ",mixed_pageblocks,wmark_min,wmark_low,wmark_high,boost,wmark_state"
			   ",kswapd_active,kcompactd_active,direct_reclaims,oom_kills\n");
	line_writer_flush(&tl->w);
	return tl;
}

/*
 * The watermark a zone is below, judged like an order-0 __zone_watermark_ok without reserves:
 * a check against a mark passes only when free > mark, so free == mark is already below it.
 */
static const char *wmark_state(const PsZone *z, uint64_t free_pages)
{
	if (free_pages <= ps_wmark_pages(z, PS_WMARK_MIN))
		return "below_min";
	if (free_pages <= ps_wmark_pages(z, PS_WMARK_LOW))
		return "below_low";
	if (free_pages <= ps_wmark_pages(z, PS_WMARK_HIGH))
		return "below_high";
	return "ok";
}

/*
 * pagetypeinfo_showblockcount_print (mm/vmstat.c): pageblocks by type over the zone's walk from
 * zone_start_pfn a pageblock at a time, the steps with memory only (PS_PAGEBLOCK_NOMEM: a hole,
 * offline memory). The timeline's pb_* columns and the pagetypeinfo file count the same way, so
 * the last timeline row and the final pagetypeinfo agree.
 */
void ps_zone_pageblock_counts(const PsMachine *m, const PsZone *z, uint64_t count[PS_MT_TYPES])
{
	uint64_t pb = m->pageblock_nr_pages;
	uint64_t steps = (z->spanned + pb - 1) / pb;

	/* the k-th step's pageblock is the first one's + k: its pfn moves by a whole pageblock */
	const uint8_t *mt0 =
	    &m->pageblock_mt[(z->start_pfn - m->map.base_pfn) >> m->pageblock_order];

	/*
	 * Two sets of counts, even and odd blocks: most blocks are of one type, and one set made
	 * each increment wait for the one before it (a load of the store just made), every
	 * pageblock of the machine at every sample. Indexed by the type and the no-memory bit
	 * together (the skip bit masked off), so a block without memory lands in a count of its
	 * own with no branch.
	 */
	enum { SLOTS = PS_PAGEBLOCK_NOMEM | PS_PAGEBLOCK_MT_MASK };
	uint64_t c[2][SLOTS + 1];
	uint64_t k = 0;

	memset(c, 0, sizeof(c));
	for (; k + 1 < steps; k += 2) {
		c[0][mt0[k] & SLOTS]++;
		c[1][mt0[k + 1] & SLOTS]++;
	}
	if (k < steps)
		c[0][mt0[k] & SLOTS]++;
	for (int mt = 0; mt < PS_MT_TYPES; mt++)
		count[mt] = c[0][mt] + c[1][mt];
}

void ps_timeline_sample(PsTimeline *tl, uint64_t t_ns, PsMachine *m, const PsZoneSampleExtra *extra)
{
	GString *s = tl->w.line;
	unsigned o2m = ps_order_2m(m);

	g_assert(m->nr_orders == tl->nr_orders && m->nr_zones == tl->nr_zones);
	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];
		uint64_t nr_free[PS_NR_ORDERS_MAX];
		uint64_t pb_count[PS_MT_TYPES];
		uint64_t free_pages, largest = 0;

		if (!ps_zone_populated(z))
			continue;
		ps_zone_nr_free(z, m->nr_orders, nr_free);
		free_pages = ps_zone_free_pages(z);
		for (unsigned o = m->nr_orders; o-- > 0;)
			if (nr_free[o]) {
				largest = ((uint64_t)m->page_size) << o;
				break;
			}
		ps_zone_pageblock_counts(m, z, pb_count);

		g_string_append_printf(s, "%" G_GUINT64_FORMAT ",%d,%s", t_ns, z->node,
				       ps_zone_names[z->type]);
		append_u64(s, free_pages);
		append_u64(s, free_pages * m->page_size);
		for (unsigned o = 0; o < m->nr_orders; o++)
			append_u64(s, nr_free[o]);
		append_index(s, ps_unusable_index(nr_free, m->nr_orders, m->pageblock_order));
		append_index(s, ps_fragmentation_index(nr_free, m->nr_orders, m->pageblock_order));
		append_index(s, ps_unusable_index(nr_free, m->nr_orders, o2m));
		append_index(s, ps_fragmentation_index(nr_free, m->nr_orders, o2m));
		append_u64(s, largest);
		append_u64(s, ps_nr_free_pages_blocks_from_counts(nr_free, m->nr_orders,
								  m->pageblock_order) >>
				  m->pageblock_order);
		for (int mt = 0; mt < PS_MT_TYPES; mt++)
			append_u64(s, pb_count[mt]);
		append_u64(s, extra ? extra[i].mixed_pageblocks : 0);
		append_u64(s, ps_wmark_pages(z, PS_WMARK_MIN));
		append_u64(s, ps_wmark_pages(z, PS_WMARK_LOW));
		append_u64(s, ps_wmark_pages(z, PS_WMARK_HIGH));
		append_u64(s, z->watermark_boost);
		g_string_append_printf(s, ",%s", wmark_state(z, free_pages));
		append_u64(s, extra ? extra[i].kswapd_active : 0);
		append_u64(s, extra ? extra[i].kcompactd_active : 0);
		append_u64(s, extra ? extra[i].direct_reclaims : 0);
		append_u64(s, extra ? extra[i].oom_kills : 0);
		g_string_append_c(s, '\n');
	}
	line_writer_flush(&tl->w);
}

gboolean ps_timeline_close(PsTimeline *tl, GError **error)
{
	gboolean ok = line_writer_close(&tl->w, error);

	g_free(tl);
	return ok;
}

void ps_timeline_abort(PsTimeline *tl)
{
	if (!tl)
		return;
	line_writer_abort(&tl->w);
	g_free(tl);
}

/* ---- latency.csv -------------------------------------------------------------------------- */

struct PsLatencyLog {
	LineWriter w;
};

PsLatencyLog *ps_latency_log_new(const char *path, GError **error)
{
	PsLatencyLog *l = g_new0(PsLatencyLog, 1);

	if (!line_writer_init(&l->w, path, error)) {
		g_free(l);
		return NULL;
	}
	g_string_append(l->w.line,
			"t_start_ns,t_end_ns,path,count,p50_ns,p90_ns,p99_ns,p999_ns,max_ns\n");
	line_writer_flush(&l->w);
	return l;
}

void ps_latency_log_window(PsLatencyLog *l, uint64_t t_start, uint64_t t_end, const PsHist *hists)
{
	static const double q[] = {0.5, 0.9, 0.99, 0.999};
	GString *s = l->w.line;

	g_assert(t_start <= t_end);
	for (int p = 0; p < PS_NR_LAT_ROWS; p++) {
		const PsHist *h = &hists[p];

		if (!h->count)
			continue;
		g_string_append_printf(s, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%s", t_start,
				       t_end, ps_lat_row_name(p));
		append_u64(s, h->count);
		for (size_t k = 0; k < G_N_ELEMENTS(q); k++)
			append_u64(s, ps_hist_quantile(h, q[k]));
		append_u64(s, h->max);
		g_string_append_c(s, '\n');
	}
	line_writer_flush(&l->w);
}

gboolean ps_latency_log_close(PsLatencyLog *l, GError **error)
{
	gboolean ok = line_writer_close(&l->w, error);

	g_free(l);
	return ok;
}

void ps_latency_log_abort(PsLatencyLog *l)
{
	if (!l)
		return;
	line_writer_abort(&l->w);
	g_free(l);
}

/* ---- events.jsonl ------------------------------------------------------------------------- */

struct PsEventLog {
	LineWriter w;
};

PsEventLog *ps_event_log_new(const char *path, GError **error)
{
	PsEventLog *l = g_new0(PsEventLog, 1);

	if (!line_writer_init(&l->w, path, error)) {
		g_free(l);
		return NULL;
	}
	return l;
}

/* A JSON string literal (RFC 8259 escapes; UTF-8 passes through). */
static void append_json_string(GString *s, const char *str)
{
	g_string_append_c(s, '"');
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		switch (*p) {
		case '"':
			g_string_append(s, "\\\"");
			break;
		case '\\':
			g_string_append(s, "\\\\");
			break;
		case '\n':
			g_string_append(s, "\\n");
			break;
		case '\t':
			g_string_append(s, "\\t");
			break;
		case '\r':
			g_string_append(s, "\\r");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(s, "\\u%04x", *p);
			else
				g_string_append_c(s, (char)*p);
		}
	}
	g_string_append_c(s, '"');
}

/*
 * "t" is written by hand rather than through cJSON: cJSON keeps numbers as doubles and prints
 * integers above INT_MAX with "%1.15g", which turns a nanosecond time past 11.5 days into an
 * exponent and loses digits.
 */
void ps_event_log_write(PsEventLog *l, uint64_t t_ns, const char *type, struct cJSON *fields)
{
	GString *s = l->w.line;

	g_string_append_printf(s, "{\"t\":%" G_GUINT64_FORMAT ",\"type\":", t_ns);
	append_json_string(s, type);
	if (fields) {
		char *body;
		size_t len;

		g_assert(cJSON_IsObject(fields));
		g_assert(!cJSON_GetObjectItemCaseSensitive(fields, "t") &&
			 !cJSON_GetObjectItemCaseSensitive(fields, "type"));
		body = cJSON_PrintUnformatted(fields);
		g_assert(body);
		len = strlen(body);
		g_assert(len >= 2 && body[0] == '{' && body[len - 1] == '}');
		if (len > 2) {
			g_string_append_c(s, ',');
			g_string_append_len(s, body + 1, (gssize)(len - 2));
		}
		cJSON_free(body);
		cJSON_Delete(fields);
	}
	g_string_append(s, "}\n");
	line_writer_flush(&l->w);
}

gboolean ps_event_log_close(PsEventLog *l, GError **error)
{
	gboolean ok = line_writer_close(&l->w, error);

	g_free(l);
	return ok;
}

void ps_event_log_abort(PsEventLog *l)
{
	if (!l)
		return;
	line_writer_abort(&l->w);
	g_free(l);
}
