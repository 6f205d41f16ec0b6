// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * format.c - trace format v1, reading: the format's tables (ops, fields, limits), and one JSON
 * line to a PsTraceEvent (or the header to a PsTraceHeader). The way back, the checks on a
 * filled-in event and its canonical line, is format_write.c. workloads/README.md is the prose
 * version of the rules below and workloads/trace.schema.json the JSON Schema; the three change
 * together.
 *
 * Parsing leans on cJSON for the JSON grammar and string escapes, then walks the members in
 * order. cJSON keeps numbers only as doubles, which loses ids, pfns and addresses above 2^53, so
 * numbers are not taken from cJSON at all: util's JSON cursor walks the raw line in step with
 * cJSON's member list (cJSON keeps members in text order) and every integer field is read
 * exactly from its raw token, up to 2^64-1. Integer fields take integer notation only: "1.0" or
 * "1e3" in an integer field is a bug in whatever wrote the trace and is refused, not guessed at.
 *
 * GFP masks are parsed and printed by mm/gfp.c; both directions keep a tiny per-thread cache
 * because a trace uses a handful of distinct masks and the conversions allocate.
 */
#include "trace/trace.h"
#include "trace/format-private.h"

#include "core/core.h"
#include "mm/mm.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <string.h>

const char *const ps_trace_op_names[PS_NR_TRACE_OPS] = {
    [PS_OP_ALLOC] = "alloc",
    [PS_OP_FREE] = "free",
    [PS_OP_PROC] = "proc",
    [PS_OP_EXIT] = "exit",
    [PS_OP_MAP] = "map",
    [PS_OP_TOUCH] = "touch",
    [PS_OP_UNMAP] = "unmap",
    [PS_OP_COMPACT] = "compact",
    [PS_OP_SYSCTL] = "sysctl",
    [PS_OP_DROP_CACHES] = "drop_caches",
    [PS_OP_OBSERVED] = "observed",
    [PS_OP_CACHE_ADD] = "cache_add",
    [PS_OP_CACHE_REMOVE] = "cache_remove",
    [PS_OP_ZONE_GROW] = "zone_grow",
};

const char *const ps_cache_reason_names[PS_NR_CACHE_REASONS] = {
    [PS_CACHE_TRUNCATE] = "truncate", [PS_CACHE_UNLINK] = "unlink", [PS_CACHE_DROP] = "drop",
    [PS_CACHE_RECLAIM] = "reclaim",   [PS_CACHE_FAULT] = "fault",   [PS_CACHE_EXEC] = "exec",
    [PS_CACHE_WRITE] = "write",	      [PS_CACHE_SHMEM] = "shmem",
};

const char *const ps_free_reason_names[PS_NR_FREE_REASONS] = {
    [PS_FREE_UNSPEC] = "",
    [PS_FREE_RECLAIM_KSWAPD] = "reclaim_kswapd",
    [PS_FREE_RECLAIM_DIRECT] = "reclaim_direct",
    [PS_FREE_MIGRATED] = "migrated",
};

const char *const ps_observed_event_names[PS_NR_OBSERVED_EVENTS] = {
    [PS_OBS_ZONE_LOCKED] = "mm_page_alloc_zone_locked",
    [PS_OBS_PCPU_DRAIN] = "mm_page_pcpu_drain",
    [PS_OBS_EXTFRAG] = "mm_page_alloc_extfrag",
    [PS_OBS_COMPACTION_BEGIN] = "mm_compaction_begin",
    [PS_OBS_COMPACTION_END] = "mm_compaction_end",
    [PS_OBS_KCOMPACTD_WAKE] = "mm_compaction_kcompactd_wake",
    [PS_OBS_KSWAPD_WAKE] = "mm_vmscan_kswapd_wake",
    [PS_OBS_KSWAPD_SLEEP] = "mm_vmscan_kswapd_sleep",
    [PS_OBS_DIRECT_RECLAIM_BEGIN] = "mm_vmscan_direct_reclaim_begin",
    [PS_OBS_DIRECT_RECLAIM_END] = "mm_vmscan_direct_reclaim_end",
    [PS_OBS_COMPACTION_MIGRATEPAGES] = "mm_compaction_migratepages",
    [PS_OBS_COMPACTION_ISOLATE_FREEPAGES] = "mm_compaction_isolate_freepages",
    [PS_OBS_PAGE_ALLOC] = "mm_page_alloc",
    [PS_OBS_PAGE_FREE] = "mm_page_free",
    [PS_OBS_COMPACTION_FAST_ISOLATE_FREEPAGES] = "mm_compaction_fast_isolate_freepages",
};

const char *const ps_alloc_kind_names[PS_NR_ALLOC_KINDS] = {
    [PS_KIND_UNSPEC] = "",
    [PS_KIND_ANON] = "anon",
    [PS_KIND_FILE] = "file",
    [PS_KIND_SLAB_RECLAIMABLE] = "slab_reclaimable",
    [PS_KIND_KERNEL] = "kernel",
    [PS_KIND_SLAB] = "slab",
    [PS_KIND_PAGETABLE] = "pagetable",
    [PS_KIND_STACK] = "stack",
};

G_DEFINE_QUARK(ps_trace_error_quark, ps_trace_error)

const char *const ps_field_names[PS_NR_TRACE_FIELDS] = {
    [PS_F_T] = "t",
    [PS_F_OP] = "op",
    [PS_F_ID] = "id",
    [PS_F_CPU] = "cpu",
    [PS_F_PID] = "pid",
    [PS_F_ORDER] = "order",
    [PS_F_BYTES] = "bytes",
    [PS_F_GFP] = "gfp",
    [PS_F_KIND] = "kind",
    [PS_F_NODE] = "node",
    [PS_F_PFN] = "pfn",
    [PS_F_COMM] = "comm",
    [PS_F_OOM_SCORE_ADJ] = "oom_score_adj",
    [PS_F_ADDR] = "addr",
    [PS_F_LEN] = "len",
    [PS_F_THP] = "thp",
    [PS_F_NAME] = "name",
    [PS_F_VALUE] = "value",
    [PS_F_EVENT] = "event",
    [PS_F_MIGRATETYPE] = "migratetype",
    [PS_F_PERCPU_REFILL] = "percpu_refill",
    [PS_F_FALLBACK_ORDER] = "fallback_order",
    [PS_F_FALLBACK_MIGRATETYPE] = "fallback_migratetype",
    [PS_F_FRAGMENTING] = "fragmenting",
    [PS_F_CHANGE_OWNERSHIP] = "change_ownership",
    [PS_F_MEMPOLICY] = "mempolicy",
    [PS_F_FILE] = "file",
    [PS_F_OFFSET] = "offset",
    [PS_F_REASON] = "reason",
    [PS_F_FAILED] = "failed",
    [PS_F_ZONE] = "zone",
    [PS_F_PAGES] = "pages",
    [PS_F_IRQ] = "irq",
    [PS_F_PARENT] = "parent",
    [PS_F_FORKED_BY] = "forked_by",
    [PS_F_PCP_LOCKED] = "pcp_locked",
    [PS_F_MEMCG] = "memcg",
    [PS_F_ZONE_START] = "zone_start",
    [PS_F_MIGRATE_PFN] = "migrate_pfn",
    [PS_F_FREE_PFN] = "free_pfn",
    [PS_F_ZONE_END] = "zone_end",
    [PS_F_SYNC] = "sync",
};

const char *const ps_irq_ctx_names[PS_NR_IRQ_CTX] = {
    [PS_IRQ_NONE] = "",
    [PS_IRQ_SOFTIRQ] = "softirq",
    [PS_IRQ_HARDIRQ] = "hardirq",
    [PS_IRQ_NMI] = "nmi",
};

/* Which keys each op accepts, and which of them it requires (order/bytes: checked apart). */
static const struct {
	uint64_t allowed;
	uint64_t required;
} ps_op_fields[PS_NR_TRACE_OPS] = {
    [PS_OP_ALLOC] = {PS_FB(T) | PS_FB(OP) | PS_FB(ID) | PS_FB(CPU) | PS_FB(PID) | PS_FB(ORDER) |
			 PS_FB(BYTES) | PS_FB(GFP) | PS_FB(KIND) | PS_FB(NODE) | PS_FB(PFN) |
			 PS_FB(FAILED) | PS_FB(IRQ),
		     PS_FB(T) | PS_FB(OP) | PS_FB(ID) | PS_FB(CPU) | PS_FB(PID) | PS_FB(GFP)},
    [PS_OP_FREE] = {PS_FB(T) | PS_FB(OP) | PS_FB(ID) | PS_FB(CPU) | PS_FB(ORDER) | PS_FB(PFN) |
			PS_FB(REASON) | PS_FB(IRQ) | PS_FB(PCP_LOCKED),
		    PS_FB(T) | PS_FB(OP) | PS_FB(ID)},
    [PS_OP_PROC] = {PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(COMM) | PS_FB(OOM_SCORE_ADJ) |
			PS_FB(MEMPOLICY) | PS_FB(PARENT) | PS_FB(FORKED_BY) | PS_FB(MEMCG),
		    PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(COMM)},
    [PS_OP_EXIT] = {PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(CPU),
		    PS_FB(T) | PS_FB(OP) | PS_FB(PID)},
    [PS_OP_MAP] = {PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(ADDR) | PS_FB(LEN) | PS_FB(THP) |
		       PS_FB(CPU) | PS_FB(KIND),
		   PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(ADDR) | PS_FB(LEN)},
    [PS_OP_TOUCH] = {PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(ADDR) | PS_FB(LEN) | PS_FB(CPU) |
			 PS_FB(KIND),
		     PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(ADDR) | PS_FB(LEN)},
    [PS_OP_UNMAP] = {PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(ADDR) | PS_FB(LEN) | PS_FB(CPU),
		     PS_FB(T) | PS_FB(OP) | PS_FB(PID) | PS_FB(ADDR) | PS_FB(LEN)},
    [PS_OP_COMPACT] = {PS_FB(T) | PS_FB(OP) | PS_FB(ORDER) | PS_FB(CPU), PS_FB(T) | PS_FB(OP)},
    [PS_OP_SYSCTL] = {PS_FB(T) | PS_FB(OP) | PS_FB(NAME) | PS_FB(VALUE),
		      PS_FB(T) | PS_FB(OP) | PS_FB(NAME) | PS_FB(VALUE)},
    [PS_OP_DROP_CACHES] = {PS_FB(T) | PS_FB(OP) | PS_FB(VALUE), PS_FB(T) | PS_FB(OP)},
    [PS_OP_OBSERVED] = {PS_FB(T) | PS_FB(OP) | PS_FB(EVENT) | PS_FB(CPU) | PS_FB(PID) | PS_FB(PFN) |
			    PS_FB(ORDER) | PS_FB(MIGRATETYPE) | PS_FB(PERCPU_REFILL) |
			    PS_FB(FALLBACK_ORDER) | PS_FB(FALLBACK_MIGRATETYPE) |
			    PS_FB(FRAGMENTING) | PS_FB(CHANGE_OWNERSHIP) | PS_FB(GFP) |
			    PS_FB(VALUE) | PS_FB(LEN) | PS_FB(IRQ) | PS_FB(ZONE_START) |
			    PS_FB(MIGRATE_PFN) | PS_FB(FREE_PFN) | PS_FB(ZONE_END) | PS_FB(SYNC),
			PS_FB(T) | PS_FB(OP) | PS_FB(EVENT)},
    [PS_OP_CACHE_ADD] = {PS_FB(T) | PS_FB(OP) | PS_FB(FILE) | PS_FB(OFFSET) | PS_FB(LEN) |
			     PS_FB(REASON) | PS_FB(PID) | PS_FB(CPU),
			 PS_FB(T) | PS_FB(OP) | PS_FB(FILE) | PS_FB(OFFSET) | PS_FB(LEN)},
    [PS_OP_CACHE_REMOVE] = {PS_FB(T) | PS_FB(OP) | PS_FB(FILE) | PS_FB(OFFSET) | PS_FB(LEN) |
				PS_FB(REASON) | PS_FB(PID) | PS_FB(CPU),
			    PS_FB(T) | PS_FB(OP) | PS_FB(FILE) | PS_FB(OFFSET) | PS_FB(REASON)},
    [PS_OP_ZONE_GROW] = {PS_FB(T) | PS_FB(OP) | PS_FB(NODE) | PS_FB(ZONE) | PS_FB(PAGES) |
			     PS_FB(PFN),
			 PS_FB(T) | PS_FB(OP) | PS_FB(NODE) | PS_FB(ZONE) | PS_FB(PAGES)},
};

/*
 * What each observed event must carry besides t, op and event: the fields its tracepoint prints
 * that pinned replay and the fidelity report use (kernel-facts §10.6).
 */
#define PS_COMPACT_START_FIELDS                                                                    \
	(PS_FB(ZONE_START) | PS_FB(MIGRATE_PFN) | PS_FB(FREE_PFN) | PS_FB(ZONE_END) | PS_FB(SYNC))

static const uint64_t ps_observed_required[PS_NR_OBSERVED_EVENTS] = {
    [PS_OBS_ZONE_LOCKED] =
	PS_FB(CPU) | PS_FB(PFN) | PS_FB(ORDER) | PS_FB(MIGRATETYPE) | PS_FB(PERCPU_REFILL),
    [PS_OBS_PCPU_DRAIN] = PS_FB(CPU) | PS_FB(PFN) | PS_FB(ORDER) | PS_FB(MIGRATETYPE),
    [PS_OBS_EXTFRAG] = PS_FB(CPU) | PS_FB(PFN) | PS_FB(ORDER) | PS_FB(MIGRATETYPE) |
		       PS_FB(FALLBACK_ORDER) | PS_FB(FALLBACK_MIGRATETYPE) | PS_FB(FRAGMENTING) |
		       PS_FB(CHANGE_OWNERSHIP),
    [PS_OBS_COMPACTION_ISOLATE_FREEPAGES] = PS_FB(PFN),
    [PS_OBS_COMPACTION_FAST_ISOLATE_FREEPAGES] = PS_FB(PFN),
    [PS_OBS_PAGE_ALLOC] = PS_FB(CPU) | PS_FB(PFN) | PS_FB(ORDER),
    [PS_OBS_PAGE_FREE] = PS_FB(CPU) | PS_FB(PFN) | PS_FB(ORDER),
};

/* ---- small helpers ------------------------------------------------------------------------ */

/* A user string for an error message: quoted, non-printables escaped, at most ~40 bytes. */
static char *ps_quote(const char *s, gsize len)
{
	GString *out = g_string_sized_new(48);
	gsize i;

	g_string_append_c(out, '"');
	for (i = 0; i < len && i < 40; i++) {
		guchar c = (guchar)s[i];

		if (c == '"' || c == '\\')
			g_string_append_printf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_c(out, (char)c);
	}
	if (len > 40)
		g_string_append(out, "...");
	g_string_append_c(out, '"');
	return g_string_free(out, FALSE);
}

/*
 * cJSON decodes "\u0000" into a NUL that silently cuts the string (or key) short, so a line
 * holding one is refused like a line holding a raw NUL byte.
 */
static gboolean ps_set_nul_escape_error(GError **error)
{
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
		    "line contains an escaped NUL character (\\u0000)");
	return FALSE;
}

/* ---- typed readers ------------------------------------------------------------------------ */

void ps_set_int_error(GError **error, const char *field, int64_t min, int64_t max, const char *got)
{
	if (min == INT64_MIN && max == INT64_MAX)
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: must be a 64-bit integer, got %s", field, got);
	else
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: must be an integer %" PRId64 "..%" PRId64 ", got %s", field, min,
			    max, got);
}

static void ps_set_u64_error(GError **error, const char *field, uint64_t min, const char *got)
{
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
		    "%s: must be an integer %s, got %s", field, min ? "> 0" : ">= 0", got);
}

/* What a bad value was, for the "got ..." part: the raw token for numbers, else the type. */
static char *ps_got(const cJSON *item, const char *tok, gsize len)
{
	if (cJSON_IsNumber(item)) {
		if (len > 32)
			return g_strdup_printf("%.32s...", tok);
		return g_strndup(tok, len);
	}
	return g_strdup(ps_json_type_name(item));
}

static gboolean ps_read_u64(const cJSON *item, const char *tok, gsize len, const char *field,
			    uint64_t min, uint64_t *out, GError **error)
{
	g_autofree char *got = NULL;
	bool neg;
	uint64_t mag;

	/* "-0" is refused: no writer of this format produces it, so it is a damaged value */
	if (cJSON_IsNumber(item) && ps_json_integer_token(tok, len, &neg, &mag) && !neg &&
	    mag >= min) {
		*out = mag;
		return TRUE;
	}
	got = ps_got(item, tok, len);
	ps_set_u64_error(error, field, min, got);
	return FALSE;
}

static gboolean ps_read_int(const cJSON *item, const char *tok, gsize len, const char *field,
			    int64_t min, int64_t max, int64_t *out, GError **error)
{
	g_autofree char *got = NULL;
	bool neg;
	uint64_t mag;

	if (cJSON_IsNumber(item) && ps_json_integer_token(tok, len, &neg, &mag) &&
	    !(neg && mag == 0)) {
		int64_t v;
		bool fits;

		if (neg) {
			fits = mag <= (uint64_t)INT64_MAX + 1;
			v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
		} else {
			fits = mag <= (uint64_t)INT64_MAX;
			v = (int64_t)mag;
		}
		if (fits && v >= min && v <= max) {
			*out = v;
			return TRUE;
		}
	}
	got = ps_got(item, tok, len);
	ps_set_int_error(error, field, min, max, got);
	return FALSE;
}

/* A string value: valid UTF-8 of at most max_len bytes (NULs are refused for the whole line). */
static gboolean ps_read_string(const cJSON *item, const char *field, gsize max_len,
			       const char **out, GError **error)
{
	gsize len;

	if (!cJSON_IsString(item) || item->valuestring == NULL) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: must be a string, got %s", field, ps_json_type_name(item));
		return FALSE;
	}
	len = strlen(item->valuestring);
	if (!g_utf8_validate(item->valuestring, (gssize)len, NULL)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s: not valid UTF-8",
			    field);
		return FALSE;
	}
	if (len > max_len) {
		g_autofree char *q = ps_quote(item->valuestring, len);

		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: at most %" G_GSIZE_FORMAT " bytes, got %" G_GSIZE_FORMAT " (%s)",
			    field, max_len, len, q);
		return FALSE;
	}
	*out = item->valuestring;
	return TRUE;
}

/* ---- GFP caches --------------------------------------------------------------------------- */

/*
 * mm/gfp.c allocates on every call, and a trace repeats a handful of masks millions of times,
 * so each direction (the other is in format_write.c) keeps a few recent answers per thread
 * (plain arrays: nothing to free, so nothing for a leak checker to see at exit). Strings that do
 * not fit a slot are not cached.
 */
#define PS_GFP_PARSE_SLOT 96

static _Thread_local struct {
	char text[PS_GFP_PARSE_SLOT];
	uint64_t gfp;
} ps_gfp_parse_cache[PS_GFP_CACHE_SLOTS];
static _Thread_local unsigned ps_gfp_parse_next;

static gboolean ps_parse_gfp(const char *s, uint64_t *gfp, GError **error)
{
	gsize len = strlen(s);
	GError *local = NULL;
	unsigned i;

	for (i = 0; i < PS_GFP_CACHE_SLOTS; i++) {
		if (ps_gfp_parse_cache[i].text[0] && strcmp(ps_gfp_parse_cache[i].text, s) == 0) {
			*gfp = ps_gfp_parse_cache[i].gfp;
			return TRUE;
		}
	}
	if (!ps_gfp_parse(s, gfp, &local)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "gfp: %s", local->message);
		g_error_free(local);
		return FALSE;
	}
	if (len > 0 && len < PS_GFP_PARSE_SLOT) {
		i = ps_gfp_parse_next++ % PS_GFP_CACHE_SLOTS;
		memcpy(ps_gfp_parse_cache[i].text, s, len + 1);
		ps_gfp_parse_cache[i].gfp = *gfp;
	}
	return TRUE;
}

/* ---- event parser ------------------------------------------------------------------------- */

void ps_trace_event_init(PsTraceEvent *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->cpu = -1;
	ev->pid = -1;
	ev->order = -1;
	ev->node = -1;
	ev->kind = PS_KIND_UNSPEC;
	ev->migratetype = -1;
	ev->fallback_order = -1;
	ev->fallback_migratetype = -1;
	ev->percpu_refill = -1;
	ev->fragmenting = -1;
	ev->change_ownership = -1;
}

/* By first letter: a linear strcmp walk over every name showed up in profiles. */
static int ps_field_lookup(const char *key)
{
	int f = -1;

	switch (key[0]) {
	case 't':
		f = key[1] == '\0' ? PS_F_T : PS_F_THP;
		break;
	case 'o':
		f = key[1] == 'p'   ? PS_F_OP
		    : key[1] == 'r' ? PS_F_ORDER
		    : key[1] == 'f' ? PS_F_OFFSET
				    : PS_F_OOM_SCORE_ADJ;
		break;
	case 'r':
		f = PS_F_REASON;
		break;
	case 'i':
		f = key[1] == 'r' ? PS_F_IRQ : PS_F_ID;
		break;
	case 'c':
		f = key[1] == 'p' ? PS_F_CPU : key[1] == 'h' ? PS_F_CHANGE_OWNERSHIP : PS_F_COMM;
		break;
	case 'p':
		f = key[1] == 'i'   ? PS_F_PID
		    : key[1] == 'e' ? PS_F_PERCPU_REFILL
		    : key[1] == 'a' ? (key[2] == 'g' ? PS_F_PAGES : PS_F_PARENT)
		    : key[1] == 'c' ? PS_F_PCP_LOCKED
				    : PS_F_PFN;
		break;
	case 'z':
		/* zone, zone_start, zone_end; a shorter key fails the strcmp below */
		f = strlen(key) <= 5 ? PS_F_ZONE : key[5] == 's' ? PS_F_ZONE_START : PS_F_ZONE_END;
		break;
	case 's':
		f = PS_F_SYNC;
		break;
	case 'e':
		f = PS_F_EVENT;
		break;
	case 'm':
		f = key[1] != 'e'
			? (strlen(key) > 7 && key[7] == '_' ? PS_F_MIGRATE_PFN : PS_F_MIGRATETYPE)
		    : key[2] && key[3] == 'c' ? PS_F_MEMCG
					      : PS_F_MEMPOLICY;
		break;
	case 'f':
		if (key[1] == 'r')
			f = key[2] == 'e' ? PS_F_FREE_PFN
					  : PS_F_FRAGMENTING; /* key[2] may be NUL */
		else if (key[1] == 'a' && key[2] == 'i')
			f = PS_F_FAILED;
		else if (key[1] == 'i')
			f = PS_F_FILE;
		else if (key[1] == 'o')
			f = PS_F_FORKED_BY;
		else
			f = strlen(key) > 9 && key[9] == 'o' ? PS_F_FALLBACK_ORDER
							     : PS_F_FALLBACK_MIGRATETYPE;
		break;
	case 'b':
		f = PS_F_BYTES;
		break;
	case 'g':
		f = PS_F_GFP;
		break;
	case 'k':
		f = PS_F_KIND;
		break;
	case 'n':
		f = key[1] == 'o' ? PS_F_NODE : PS_F_NAME;
		break;
	case 'a':
		f = PS_F_ADDR;
		break;
	case 'l':
		f = PS_F_LEN;
		break;
	case 'v':
		f = PS_F_VALUE;
		break;
	default:
		return -1;
	}
	return strcmp(key, ps_field_names[f]) == 0 ? f : -1;
}

/* The cJSON steps shared by events and the header: a NUL-free line holding one JSON object. */
static cJSON *ps_parse_object(const char *line, gsize len, GError **error)
{
	const char *end = NULL;
	cJSON *root;
	gsize i;

	if (memchr(line, '\0', len) != NULL) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "line contains a NUL byte at column %zu",
			    (size_t)((const char *)memchr(line, '\0', len) - line) + 1);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(line, len, &end, false);
	if (root == NULL) {
		gsize col = end && end >= line && end <= line + len ? (gsize)(end - line) : 0;

		/* cJSON reports the last byte when the text simply stops */
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "not valid JSON at column %" G_GSIZE_FORMAT "%s", col + 1,
			    col + 1 >= len ? " (line cut short?)" : "");
		return NULL;
	}
	for (i = (gsize)(end - line); i < len; i++) {
		if ((guchar)line[i] > ' ') {
			g_set_error(
			    error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "unexpected text after the JSON object at column %" G_GSIZE_FORMAT,
			    i + 1);
			cJSON_Delete(root);
			return NULL;
		}
	}
	if (!cJSON_IsObject(root)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "line is %s, not a JSON object", ps_json_type_name(root));
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static gboolean ps_parse_op(const cJSON *root, enum ps_trace_op *op, GError **error)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "op");
	int i;

	if (item == NULL) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "op: missing%s",
			    cJSON_GetObjectItemCaseSensitive(root, "pagesim_trace")
				? " (a trace header, which only the first line may be)"
				: "");
		return FALSE;
	}
	if (!cJSON_IsString(item) || item->valuestring == NULL) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "op: must be a string, got %s", ps_json_type_name(item));
		return FALSE;
	}
	for (i = 0; i < PS_NR_TRACE_OPS; i++) {
		if (strcmp(item->valuestring, ps_trace_op_names[i]) == 0) {
			*op = (enum ps_trace_op)i;
			return TRUE;
		}
	}
	{
		g_autofree char *q = ps_quote(item->valuestring, strlen(item->valuestring));

		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "op: unknown op %s (alloc, free, proc, exit, map, touch, unmap, "
			    "compact, sysctl, drop_caches, observed)",
			    q);
	}
	return FALSE;
}

gboolean ps_check_mempolicy(const char *s, GError **error)
{
	enum ps_mpol_mode mode;
	uint64_t nodes;
	GError *local = NULL;

	if (ps_mpol_parse_str(s, &mode, &nodes, &local))
		return TRUE;
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "mempolicy: %s", local->message);
	g_error_free(local);
	return FALSE;
}

gboolean ps_check_sysctl_name(const char *name, GError **error)
{
	const char *p;

	if (name[0] == '\0') {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "name: must not be empty");
		return FALSE;
	}
	for (p = name; *p; p++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_') {
			g_autofree char *q = ps_quote(name, strlen(name));

			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "name: %s is not a vm sysctl name ([a-z0-9_])", q);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean ps_parse_kind(const char *s, enum ps_alloc_kind *kind, GError **error)
{
	g_autofree char *q = NULL;
	int k;

	for (k = PS_KIND_ANON; k < PS_NR_ALLOC_KINDS; k++) {
		if (strcmp(s, ps_alloc_kind_names[k]) == 0) {
			*kind = (enum ps_alloc_kind)k;
			return TRUE;
		}
	}
	q = ps_quote(s, strlen(s));
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
		    "kind: unknown kind %s (anon, file, slab_reclaimable, kernel, slab, pagetable, "
		    "stack)",
		    q);
	return FALSE;
}

/*
 * s as one of names[first..n) into *out, or "FIELD: unknown WHAT "s"[ SUFFIX] (LIST)" in error
 * (the enum-valued string fields).
 */
static gboolean ps_parse_name(const char *s, const char *const *names, int first, int n,
			      const char *what, const char *suffix, const char *list, int *out,
			      GError **error)
{
	g_autofree char *q = NULL;

	for (int i = first; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return TRUE;
		}
	}
	q = ps_quote(s, strlen(s));
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s %s%s (%s)", what, q, suffix,
		    list);
	return FALSE;
}

static gboolean ps_parse_reason(const char *s, bool add, enum ps_cache_reason *reason,
				GError **error)
{
	int r = 0;

	if (add ? !ps_parse_name(s, ps_cache_reason_names, PS_CACHE_FAULT, PS_NR_CACHE_REASONS,
				 "reason: unknown reason", " of a cache_add",
				 "fault, exec, write, shmem", &r, error)
		: !ps_parse_name(s, ps_cache_reason_names, 0, PS_NR_CACHE_REMOVE_REASONS,
				 "reason: unknown reason", "", "truncate, unlink, drop, reclaim",
				 &r, error))
		return FALSE;
	*reason = (enum ps_cache_reason)r;
	return TRUE;
}

static gboolean ps_parse_free_reason(const char *s, enum ps_free_reason *reason, GError **error)
{
	int r = 0;

	if (!ps_parse_name(s, ps_free_reason_names, PS_FREE_RECLAIM_KSWAPD, PS_NR_FREE_REASONS,
			   "reason: unknown reason", " of a free", "reclaim_kswapd, reclaim_direct",
			   &r, error))
		return FALSE;
	*reason = (enum ps_free_reason)r;
	return TRUE;
}

static gboolean ps_parse_irq(const char *s, int8_t *irq, GError **error)
{
	int c = 0;

	if (!ps_parse_name(s, ps_irq_ctx_names, PS_IRQ_SOFTIRQ, PS_NR_IRQ_CTX,
			   "irq: unknown context", "", "softirq, hardirq, nmi", &c, error))
		return FALSE;
	*irq = (int8_t)c;
	return TRUE;
}

gboolean ps_check_memcg_path(const char *path, GError **error)
{
	gsize len = strlen(path);
	const char *why = NULL;

	if (path[0] != '/')
		why = "must start with /";
	else if (len >= PS_TRACE_MEMCG_MAX)
		why = "is too long";
	else if (len > 1 && path[len - 1] == '/')
		why = "must not end with /";
	for (const char *p = path; !why && *p; p++) {
		if ((guchar)*p <= ' ' || (guchar)*p >= 0x7f)
			why = "must be printable ASCII without spaces";
		else if (*p == '/' && (p[1] == '/' || (p[1] == '.' && (!p[2] || p[2] == '/')) ||
				       (p[1] == '.' && p[2] == '.' && (!p[3] || p[3] == '/'))))
			why = "has an empty, . or .. name";
	}
	if (why) {
		g_autofree char *q = ps_quote(path, len);

		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "memcg: %s %s (at most %d bytes)", q, why, PS_TRACE_MEMCG_MAX - 1);
		return FALSE;
	}
	return TRUE;
}

gboolean ps_check_file_name(const char *file, GError **error)
{
	if (file[0] == '\0') {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "file: must not be empty");
		return FALSE;
	}
	for (const char *p = file; *p; p++) {
		if ((guchar)*p <= ' ' || (guchar)*p >= 0x7f) {
			g_autofree char *q = ps_quote(file, strlen(file));

			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "file: %s must be printable ASCII without spaces", q);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean ps_parse_observed_event(const char *s, enum ps_observed_event *event,
					GError **error)
{
	g_autofree char *q = NULL;
	int e;

	for (e = 0; e < PS_NR_OBSERVED_EVENTS; e++) {
		if (strcmp(s, ps_observed_event_names[e]) == 0) {
			*event = (enum ps_observed_event)e;
			return TRUE;
		}
	}
	q = ps_quote(s, strlen(s));
	g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
		    "event: unknown observed event %s (a kmem, compaction or vmscan tracepoint "
		    "name: mm_page_alloc_zone_locked, mm_page_pcpu_drain, ...)",
		    q);
	return FALSE;
}

/* A field an observed event needs but lacks: 0 when complete. */
uint64_t ps_observed_missing(const PsTraceEvent *ev, uint64_t seen)
{
	return ps_observed_required[ev->event] & ~seen;
}

/* One int-typed member of an event line into ev, within its limits. */
static gboolean ps_parse_int_member(PsTraceEvent *ev, enum ps_trace_field f, const cJSON *item,
				    const char *tok, gsize len, GError **error)
{
	int64_t min, max, v = 0;

	ps_int_limits(ev->op, f, &min, &max);
	if (!ps_read_int(item, tok, len, ps_field_names[f], min, max, &v, error))
		return FALSE;
	switch (f) {
	case PS_F_MIGRATETYPE:
		ev->migratetype = (int)v;
		break;
	case PS_F_FALLBACK_ORDER:
		ev->fallback_order = (int)v;
		break;
	case PS_F_FALLBACK_MIGRATETYPE:
		ev->fallback_migratetype = (int)v;
		break;
	case PS_F_CPU:
		ev->cpu = (int)v;
		break;
	case PS_F_PID:
		ev->pid = (int)v;
		break;
	case PS_F_ORDER:
		/* compact's order is its value: -1 is the whole zone (compact_memory) */
		if (ev->op == PS_OP_COMPACT)
			ev->value = v;
		else
			ev->order = (int)v;
		break;
	case PS_F_NODE:
		ev->node = (int)v;
		break;
	case PS_F_OOM_SCORE_ADJ:
		ev->oom_score_adj = (int)v;
		break;
	case PS_F_FORKED_BY:
		ev->forked_by = (int)v;
		break;
	default:
		ev->value = v;
		break;
	}
	return TRUE;
}

/* One member of an event line into ev. */
static gboolean ps_parse_member(PsTraceEvent *ev, enum ps_trace_field f, const cJSON *item,
				const char *tok, gsize len, GError **error)
{
	const char *name = ps_field_names[f];
	const char *s = NULL;
	int v;

	switch (f) {
	case PS_F_T:
		if (!ps_read_u64(item, tok, len, name, 0, &ev->t_ns, error))
			return FALSE;
		if (ev->t_ns > PS_TIME_MAX) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: %" PRIu64
				    " is beyond the simulated clock (at most %" PRIu64 " ns)",
				    name, ev->t_ns, (uint64_t)PS_TIME_MAX);
			return FALSE;
		}
		return TRUE;
	case PS_F_ID:
		return ps_read_u64(item, tok, len, name, 0, &ev->id, error);
	case PS_F_ZONE_START:
		ev->compact.has_start = true;
		return ps_read_u64(item, tok, len, name, 0, &ev->compact.zone_start, error);
	case PS_F_MIGRATE_PFN:
		return ps_read_u64(item, tok, len, name, 0, &ev->compact.migrate_pfn, error);
	case PS_F_FREE_PFN:
		return ps_read_u64(item, tok, len, name, 0, &ev->compact.free_pfn, error);
	case PS_F_ZONE_END:
		return ps_read_u64(item, tok, len, name, 0, &ev->compact.zone_end, error);
	case PS_F_SYNC:
		if (!cJSON_IsBool(item)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "sync: must be true or false, got %s", ps_json_type_name(item));
			return FALSE;
		}
		ev->compact.sync = cJSON_IsTrue(item);
		return TRUE;
	case PS_F_PFN:
		ev->has_pfn = true;
		return ps_read_u64(item, tok, len, name, 0, &ev->pfn, error);
	case PS_F_ADDR:
		return ps_read_u64(item, tok, len, name, 0, &ev->addr, error);
	case PS_F_BYTES:
		return ps_read_u64(item, tok, len, name, 1, &ev->bytes, error);
	case PS_F_LEN:
	case PS_F_PAGES:
		return ps_read_u64(item, tok, len, name, 1, &ev->len, error);
	case PS_F_ZONE:
		if (!ps_read_string(item, name, 64, &s, error))
			return FALSE;
		for (int z = 0; z < PS_MAX_NR_ZONES; z++)
			if (!strcmp(s, ps_zone_names[z])) {
				ev->value = z;
				return TRUE;
			}
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "zone: unknown zone \"%.32s\" (DMA, DMA32, Normal, Movable, Device)",
			    s);
		return FALSE;
	case PS_F_OFFSET:
		return ps_read_u64(item, tok, len, name, 0, &ev->offset, error);
	case PS_F_FILE:
		if (!ps_read_string(item, name, sizeof(ev->file) - 1, &s, error) ||
		    !ps_check_file_name(s, error))
			return FALSE;
		g_strlcpy(ev->file, s, sizeof(ev->file));
		return TRUE;
	case PS_F_REASON:
		if (!ps_read_string(item, name, 64, &s, error))
			return FALSE;
		if (ev->op == PS_OP_FREE)
			return ps_parse_free_reason(s, &ev->free_reason, error);
		return ps_parse_reason(s, ev->op == PS_OP_CACHE_ADD, &ev->reason, error);
	case PS_F_EVENT:
		if (!ps_read_string(item, name, 64, &s, error))
			return FALSE;
		return ps_parse_observed_event(s, &ev->event, error);
	case PS_F_IRQ:
		if (!ps_read_string(item, name, 64, &s, error))
			return FALSE;
		return ps_parse_irq(s, &ev->irq, error);
	case PS_F_PERCPU_REFILL:
	case PS_F_FRAGMENTING:
	case PS_F_CHANGE_OWNERSHIP:
	case PS_F_PCP_LOCKED:
		if (!cJSON_IsBool(item)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: must be true or false, got %s", name,
				    ps_json_type_name(item));
			return FALSE;
		}
		v = cJSON_IsTrue(item) ? 1 : 0;
		if (f == PS_F_PERCPU_REFILL)
			ev->percpu_refill = (int8_t)v;
		else if (f == PS_F_FRAGMENTING)
			ev->fragmenting = (int8_t)v;
		else if (f == PS_F_PCP_LOCKED)
			ev->pcp_locked = (int8_t)v;
		else
			ev->change_ownership = (int8_t)v;
		return TRUE;
	case PS_F_MIGRATETYPE:
	case PS_F_FALLBACK_ORDER:
	case PS_F_FALLBACK_MIGRATETYPE:
	case PS_F_CPU:
	case PS_F_PID:
	case PS_F_ORDER:
	case PS_F_NODE:
	case PS_F_OOM_SCORE_ADJ:
	case PS_F_VALUE:
	case PS_F_PARENT:
	case PS_F_FORKED_BY:
		return ps_parse_int_member(ev, f, item, tok, len, error);
	case PS_F_THP:
		if (!cJSON_IsBool(item)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "thp: must be true or false, got %s", ps_json_type_name(item));
			return FALSE;
		}
		ev->thp = cJSON_IsTrue(item);
		return TRUE;
	case PS_F_FAILED:
		if (!cJSON_IsBool(item)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "failed: must be true or false, got %s",
				    ps_json_type_name(item));
			return FALSE;
		}
		ev->failed = cJSON_IsTrue(item);
		return TRUE;
	case PS_F_GFP:
		if (!ps_read_string(item, name, 1023, &s, error))
			return FALSE;
		ev->has_gfp = true;
		return ps_parse_gfp(s, &ev->gfp, error);
	case PS_F_KIND:
		if (!ps_read_string(item, name, 64, &s, error))
			return FALSE;
		return ps_parse_kind(s, &ev->kind, error);
	case PS_F_COMM:
		if (!ps_read_string(item, name, sizeof(ev->comm) - 1, &s, error))
			return FALSE;
		g_strlcpy(ev->comm, s, sizeof(ev->comm));
		return TRUE;
	case PS_F_MEMCG:
		if (!ps_read_string(item, name, sizeof(ev->memcg) - 1, &s, error) ||
		    !ps_check_memcg_path(s, error))
			return FALSE;
		g_strlcpy(ev->memcg, s, sizeof(ev->memcg));
		return TRUE;
	case PS_F_MEMPOLICY:
		if (!ps_read_string(item, name, sizeof(ev->mempolicy) - 1, &s, error) ||
		    !ps_check_mempolicy(s, error))
			return FALSE;
		g_strlcpy(ev->mempolicy, s, sizeof(ev->mempolicy));
		return TRUE;
	case PS_F_NAME:
		if (!ps_read_string(item, name, sizeof(ev->name) - 1, &s, error))
			return FALSE;
		if (!ps_check_sysctl_name(s, error))
			return FALSE;
		g_strlcpy(ev->name, s, sizeof(ev->name));
		return TRUE;
	case PS_F_OP:
	case PS_NR_TRACE_FIELDS:
		break;
	}
	g_assert_not_reached();
}

static gboolean ps_parse_event(const cJSON *root, const char *line, gsize len, PsTraceEvent *ev,
			       GError **error)
{
	PsJsonCursor cur = {.p = line, .end = line + len};
	const cJSON *item;
	uint64_t seen = 0, allowed, missing;
	enum ps_trace_op op = PS_OP_ALLOC;

	if (!ps_parse_op(root, &op, error))
		return FALSE;
	ev->op = op;
	if (op == PS_OP_COMPACT)
		ev->value = -1;
	else if (op == PS_OP_DROP_CACHES)
		ev->value = 3;
	allowed = ps_op_fields[op].allowed;

	for (item = root->child; item != NULL; item = item->next) {
		const char *tok;
		gsize toklen;
		int f;

		ps_json_cursor_next_value(&cur, &tok, &toklen);
		if (cur.nul_escape)
			return ps_set_nul_escape_error(error);
		f = ps_field_lookup(item->string ? item->string : "");
		if (f < 0) {
			g_autofree char *q = ps_quote(item->string ? item->string : "",
						      item->string ? strlen(item->string) : 0);

			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s: unknown key",
				    q);
			return FALSE;
		}
		if (seen & (UINT64_C(1) << f)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s: given twice",
				    ps_field_names[f]);
			return FALSE;
		}
		seen |= UINT64_C(1) << f;
		if (!(allowed & (UINT64_C(1) << f))) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: not a field of op \"%s\"", ps_field_names[f],
				    ps_trace_op_names[op]);
			return FALSE;
		}
		if (f == PS_F_OP)
			continue;
		if (!ps_parse_member(ev, (enum ps_trace_field)f, item, tok, toklen, error))
			return FALSE;
	}

	missing = ps_op_fields[op].required & ~seen;
	if (missing) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: missing (required by op \"%s\")",
			    ps_field_names[g_bit_nth_lsf(missing, -1)], ps_trace_op_names[op]);
		return FALSE;
	}
	/* a compaction start is its five keys together (PsTraceEvent.compact) */
	missing = seen & PS_COMPACT_START_FIELDS ? PS_COMPACT_START_FIELDS & ~seen : 0;
	if (missing) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: missing (zone_start, migrate_pfn, free_pfn, zone_end and sync "
			    "come together)",
			    ps_field_names[g_bit_nth_lsf(missing, -1)]);
		return FALSE;
	}
	/*
	 * The rest are the checks of a filled-in event, the writer's (format_write.c): one place
	 * for what a record may not combine (order with bytes, a failed allocation's pfn, addr +
	 * len past 2^64, an observed event without the fields its tracepoint prints, ...), so that
	 * the reader and the writer refuse the same records.
	 */
	return ps_trace_event_check(ev, error);
}

gboolean ps_trace_parse_line(const char *line, gsize len, PsTraceEvent *ev, GError **error)
{
	cJSON *root;
	gboolean ok;

	g_return_val_if_fail(line != NULL || len == 0, FALSE);
	g_return_val_if_fail(ev != NULL, FALSE);

	ps_trace_event_init(ev);
	if (len == 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "empty line");
		return FALSE;
	}
	root = ps_parse_object(line, len, error);
	if (root == NULL)
		return FALSE;
	ok = ps_parse_event(root, line, len, ev, error);
	cJSON_Delete(root);
	return ok;
}

/* ---- header parser ------------------------------------------------------------------------ */

/*
 * The header's pcp_start against the rest of it: each list once, in ascending (cpu, order,
 * migratetype), a cpu below cpus, and a whole number of the recording's pages.
 */
static gboolean pcp_start_check(const PsTraceHeader *hdr, GError **error)
{
	if (!hdr->has_pcp_start)
		return TRUE;
	if (hdr->n_pcp_start < 0 || hdr->n_pcp_start > PS_TRACE_PCP_START_MAX) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "pcp_start: at most %d lists, got %d", PS_TRACE_PCP_START_MAX,
			    hdr->n_pcp_start);
		return FALSE;
	}
	if (hdr->n_pcp_start > 0 && !hdr->pcp_start) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "pcp_start: %d lists counted but none given", hdr->n_pcp_start);
		return FALSE;
	}
	for (int i = 0; i < hdr->n_pcp_start; i++) {
		const PsTracePcpStart *e = &hdr->pcp_start[i], *b = e - 1;
		const char *what = NULL;

		if (e->cpu >= hdr->cpus)
			what = "cpu: not below the header's cpus";
		else if (e->order > PS_TRACE_PCP_START_ORDER)
			what = "order: above PAGE_ALLOC_COSTLY_ORDER (3)";
		else if (e->migratetype > 2)
			what =
			    "migratetype: not a pcp list's (0 Unmovable, 1 Movable, 2 Reclaimable)";
		else if (!e->bytes || e->bytes % hdr->page_size)
			what = "bytes: not a positive multiple of page_size";
		else if (i && (e->cpu < b->cpu ||
			       (e->cpu == b->cpu &&
				(e->order < b->order ||
				 (e->order == b->order && e->migratetype <= b->migratetype)))))
			what = "not after the list before it (ascending cpu, order, migratetype, "
			       "each once)";
		if (what) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "pcp_start: list %d: %s", i + 1, what);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean ps_trace_header_check(const PsTraceHeader *hdr, GError **error)
{
	gsize len = strnlen(hdr->source, sizeof(hdr->source));

	if (hdr->version != PS_TRACE_VERSION) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "pagesim_trace: version %d is not supported (this build reads %d)",
			    hdr->version, PS_TRACE_VERSION);
		return FALSE;
	}
	if (len >= sizeof(hdr->source) || !g_utf8_validate(hdr->source, (gssize)len, NULL)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "source: must be valid UTF-8 of at most %zu bytes",
			    sizeof(hdr->source) - 1);
		return FALSE;
	}
	if (hdr->page_size < PS_TRACE_MIN_PAGE_SIZE || hdr->page_size > PS_TRACE_MAX_PAGE_SIZE ||
	    (hdr->page_size & (hdr->page_size - 1)) != 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "page_size: must be a power of two %d..%d, got %" PRIu32,
			    PS_TRACE_MIN_PAGE_SIZE, PS_TRACE_MAX_PAGE_SIZE, hdr->page_size);
		return FALSE;
	}
	if (hdr->cpus < 1 || hdr->cpus > PS_TRACE_MAX_CPUS) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "cpus: must be an integer 1..%d, got %d", PS_TRACE_MAX_CPUS, hdr->cpus);
		return FALSE;
	}
	len = strnlen(hdr->machine, sizeof(hdr->machine));
	if (len >= sizeof(hdr->machine) || !g_utf8_validate(hdr->machine, (gssize)len, NULL)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "machine: must be valid UTF-8 of at most %zu bytes",
			    sizeof(hdr->machine) - 1);
		return FALSE;
	}
	return pcp_start_check(hdr, error);
}

gboolean ps_trace_machine_read(const char *path, char *out, gsize size, GError **error)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	const char *nl;

	if (!g_file_get_contents(path, &text, &len, error))
		return FALSE;
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	nl = memchr(text, '\n', len);
	if (nl || memchr(text, '\0', len)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s:%d: machine: one line expected, more follow", path, nl ? 2 : 1);
		return FALSE;
	}
	if (!len || !g_utf8_validate(text, (gssize)len, NULL) || len >= size) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s:1: machine: %s", path,
			    !len	  ? "empty"
			    : len >= size ? "longer than the header's machine field"
					  : "not valid UTF-8");
		return FALSE;
	}
	memcpy(out, text, len + 1);
	return TRUE;
}

/* the required fields, then the optional ones */
enum {
	PS_H_VERSION,
	PS_H_SOURCE,
	PS_H_PAGE_SIZE,
	PS_H_CPUS,
	PS_H_MACHINE,
	PS_H_VMSTAT_UPDATE,
	PS_H_PCP_START,
	PS_NR_HEADER_FIELDS
};
enum { PS_NR_HEADER_REQUIRED = PS_H_MACHINE };
static const char *const ps_header_names[PS_NR_HEADER_FIELDS] = {
    "pagesim_trace", "source", "page_size", "cpus", "machine", "vmstat_update_ns", "pcp_start"};

/*
 * A whole number of a JSON array member: cJSON keeps only its double, exact up to 2^53 (a
 * pcp_start list of 8 PiB would not be).
 */
static bool json_whole(const cJSON *item, double max, uint64_t *out)
{
	if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > max ||
	    item->valuedouble != (double)(uint64_t)item->valuedouble)
		return false;
	*out = (uint64_t)item->valuedouble;
	return true;
}

/* The header's pcp_start: [[cpu, order, migratetype, bytes], ...]; ranges: pcp_start_check. */
static gboolean ps_read_pcp_start(const cJSON *item, PsTraceHeader *hdr, GError **error)
{
	const cJSON *e;
	int i = 0, n_lists;

	if (!cJSON_IsArray(item)) {
		g_set_error(
		    error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
		    "pcp_start: must be an array of [cpu, order, migratetype, bytes], got %s",
		    ps_json_type_name(item));
		return FALSE;
	}
	n_lists = cJSON_GetArraySize(item);
	if (n_lists > PS_TRACE_PCP_START_MAX) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "pcp_start: more than %d lists", PS_TRACE_PCP_START_MAX);
		return FALSE;
	}
	/* the header's own array, as long as the lists given (ps_trace_header_clear frees it) */
	g_free(hdr->pcp_start);
	hdr->pcp_start = n_lists ? g_new0(PsTracePcpStart, n_lists) : NULL;
	cJSON_ArrayForEach(e, item)
	{
		uint64_t v[4] = {0};
		const cJSON *f = cJSON_IsArray(e) ? e->child : NULL;
		int n = 0;

		for (; f && n < 4 && json_whole(f, 9007199254740992.0, &v[n]); f = f->next)
			n++;
		if (n != 4 || f || !cJSON_IsArray(e) || v[0] >= PS_TRACE_MAX_CPUS || v[1] > 255 ||
		    v[2] > 255) {
			g_set_error(
			    error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "pcp_start: list %d: must be [cpu, order, migratetype, bytes] of "
			    "whole numbers",
			    i + 1);
			return FALSE;
		}
		hdr->pcp_start[i] = (PsTracePcpStart){.cpu = (uint16_t)v[0],
						      .order = (uint8_t)v[1],
						      .migratetype = (uint8_t)v[2],
						      .bytes = v[3]};
		i++;
	}
	hdr->has_pcp_start = true;
	hdr->n_pcp_start = i;
	return TRUE;
}

static gboolean ps_parse_header_fields(const cJSON *root, const char *line, gsize len,
				       PsTraceHeader *hdr, GError **error)
{
	PsJsonCursor cur = {.p = line, .end = line + len};
	const cJSON *item;
	unsigned seen = 0;
	int f;

	if (cJSON_GetObjectItemCaseSensitive(root, "pagesim_trace") == NULL) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "pagesim_trace: missing: the first line must be the trace header");
		return FALSE;
	}
	for (item = root->child; item != NULL; item = item->next) {
		const char *tok, *s = NULL;
		const char *key = item->string ? item->string : "";
		gsize toklen;
		int64_t v = 0;

		ps_json_cursor_next_value(&cur, &tok, &toklen);
		if (cur.nul_escape)
			return ps_set_nul_escape_error(error);
		for (f = 0; f < PS_NR_HEADER_FIELDS; f++)
			if (strcmp(key, ps_header_names[f]) == 0)
				break;
		if (f == PS_NR_HEADER_FIELDS) {
			g_autofree char *q = ps_quote(key, strlen(key));

			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: unknown key in the header", q);
			return FALSE;
		}
		if (seen & (1u << f)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s: given twice",
				    ps_header_names[f]);
			return FALSE;
		}
		seen |= 1u << f;
		switch (f) {
		case PS_H_VERSION:
			if (!ps_read_int(item, tok, toklen, "pagesim_trace", 1, INT32_MAX, &v,
					 error))
				return FALSE;
			hdr->version = (int)v;
			break;
		case PS_H_SOURCE:
			if (!ps_read_string(item, "source", sizeof(hdr->source) - 1, &s, error))
				return FALSE;
			g_strlcpy(hdr->source, s, sizeof(hdr->source));
			break;
		case PS_H_PAGE_SIZE:
			if (!ps_read_int(item, tok, toklen, "page_size", 1, UINT32_MAX, &v, error))
				return FALSE;
			hdr->page_size = (uint32_t)v;
			break;
		case PS_H_CPUS:
			if (!ps_read_int(item, tok, toklen, "cpus", 1, PS_TRACE_MAX_CPUS, &v,
					 error))
				return FALSE;
			hdr->cpus = (int)v;
			break;
		case PS_H_MACHINE:
			if (!ps_read_string(item, "machine", sizeof(hdr->machine) - 1, &s, error))
				return FALSE;
			g_strlcpy(hdr->machine, s, sizeof(hdr->machine));
			break;
		case PS_H_VMSTAT_UPDATE:
			if (!ps_read_int(item, tok, toklen, "vmstat_update_ns", 0, INT64_MAX, &v,
					 error))
				return FALSE;
			hdr->has_vmstat_update = true;
			hdr->vmstat_update_ns = (uint64_t)v;
			break;
		case PS_H_PCP_START:
			if (!ps_read_pcp_start(item, hdr, error))
				return FALSE;
			break;
		default:
			g_assert_not_reached();
		}
	}
	for (f = 0; f < PS_NR_HEADER_REQUIRED; f++) {
		if (!(seen & (1u << f))) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: missing from the header", ps_header_names[f]);
			return FALSE;
		}
	}
	return ps_trace_header_check(hdr, error);
}

gboolean ps_trace_parse_header(const char *line, gsize len, PsTraceHeader *hdr, GError **error)
{
	cJSON *root;
	gboolean ok;

	g_return_val_if_fail(line != NULL || len == 0, FALSE);
	g_return_val_if_fail(hdr != NULL, FALSE);

	memset(hdr, 0, sizeof(*hdr));
	if (len == 0) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "missing header: the first line is empty");
		return FALSE;
	}
	root = ps_parse_object(line, len, error);
	if (root == NULL)
		return FALSE;
	ok = ps_parse_header_fields(root, line, len, hdr, error);
	cJSON_Delete(root);
	if (!ok)
		ps_trace_header_clear(hdr);
	return ok;
}

void ps_trace_header_clear(PsTraceHeader *hdr)
{
	g_clear_pointer(&hdr->pcp_start, g_free);
	hdr->n_pcp_start = 0;
	hdr->has_pcp_start = false;
}
