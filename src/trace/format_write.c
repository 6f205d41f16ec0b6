// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * format_write.c - trace format v1, writing: the checks a filled-in PsTraceEvent must pass (what
 * the writer refuses to write, so that what it writes the reader accepts), and the event's or the
 * header's canonical line. Reading is format.c.
 *
 * Formatting is hand-written rather than built with cJSON_PrintUnformatted: the key order must be
 * fixed (t, op, then the op's fields) for byte-identical output, and building a cJSON tree per
 * event would cost several allocations for a line that is mostly integers.
 */
#include "trace/format-private.h"

#include "mm/mm.h"

#include <inttypes.h>
#include <string.h>

#define PS_GFP_FORMAT_SLOT 1024

static _Thread_local struct {
	bool valid;
	uint64_t gfp;
	gsize len;
	char text[PS_GFP_FORMAT_SLOT];
} ps_gfp_format_cache[PS_GFP_CACHE_SLOTS];
static _Thread_local unsigned ps_gfp_format_next;

/* The observed fields that are set in ev, as field bits (what the formatter writes). */
static uint64_t ps_observed_present(const PsTraceEvent *ev)
{
	return (ev->cpu >= 0 ? PS_FB(CPU) : 0) | (ev->pid >= 0 ? PS_FB(PID) : 0) |
	       (ev->has_pfn ? PS_FB(PFN) : 0) | (ev->order >= 0 ? PS_FB(ORDER) : 0) |
	       (ev->migratetype >= 0 ? PS_FB(MIGRATETYPE) : 0) |
	       (ev->percpu_refill >= 0 ? PS_FB(PERCPU_REFILL) : 0) |
	       (ev->fallback_order >= 0 ? PS_FB(FALLBACK_ORDER) : 0) |
	       (ev->fallback_migratetype >= 0 ? PS_FB(FALLBACK_MIGRATETYPE) : 0) |
	       (ev->fragmenting >= 0 ? PS_FB(FRAGMENTING) : 0) |
	       (ev->change_ownership >= 0 ? PS_FB(CHANGE_OWNERSHIP) : 0) |
	       (ev->has_gfp ? PS_FB(GFP) : 0) | (ev->len ? PS_FB(LEN) : 0);
}

/* ---- checks on a filled-in event (what the writer refuses to write) ----------------------- */

static G_GNUC_NO_INLINE gboolean ps_int_error(enum ps_trace_op op, enum ps_trace_field f, int64_t v,
					      GError **error)
{
	int64_t min, max;
	char got[24];

	ps_int_limits(op, f, &min, &max);
	g_snprintf(got, sizeof(got), "%" PRId64, v);
	ps_set_int_error(error, ps_field_names[f], min, max, got);
	return FALSE;
}

/* Inline, its error apart: the range test of a constant field is two compares. */
static inline gboolean ps_check_int(enum ps_trace_op op, enum ps_trace_field f, int64_t v,
				    GError **error)
{
	int64_t min, max;

	ps_int_limits(op, f, &min, &max);
	return (v >= min && v <= max) || ps_int_error(op, f, v, error);
}

/* A proc record's fork: by one task, and not by itself; with or without a copy, not both. */
static gboolean ps_check_fork(const PsTraceEvent *ev, GError **error)
{
	if (ev->value && ev->forked_by) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "forked_by: not with parent (a fork copied the parent's memory or did "
			    "not)");
		return FALSE;
	}
	if ((ev->value && ev->value == ev->pid) || (ev->forked_by && ev->forked_by == ev->pid)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: %d is the task itself", ev->value ? "parent" : "forked_by",
			    ev->pid);
		return FALSE;
	}
	return TRUE;
}

static gboolean ps_check_text(const char *field, const char *s, gsize size, GError **error)
{
	gsize len = strnlen(s, size);

	if (len >= size || !g_utf8_validate(s, (gssize)len, NULL)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: must be valid UTF-8 of at most %zu bytes", field,
			    (size_t)size - 1);
		return FALSE;
	}
	return TRUE;
}

/*
 * An observed compaction start (PsTraceEvent.compact): only mm_compaction_begin prints one, and
 * compact_zone clamps both scanners into the zone before it fires (6.14 mm/compaction.c: a
 * cached migrate pfn outside [zone_start, zone_end) restarts at zone_start, a free pfn outside
 * it at the zone's last pageblock, which a zone smaller than a pageblock may start below
 * zone_start).
 */
static gboolean ps_check_compact_start(const PsTraceEvent *ev, GError **error)
{
	const char *bad = NULL;

	if (ev->event != PS_OBS_COMPACTION_BEGIN) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "zone_start: not a field of observed event \"%s\"",
			    ps_observed_event_names[ev->event]);
		return FALSE;
	}
	if (ev->compact.zone_end <= ev->compact.zone_start)
		bad = "zone_end: must be above zone_start";
	else if (ev->compact.migrate_pfn < ev->compact.zone_start ||
		 ev->compact.migrate_pfn >= ev->compact.zone_end)
		bad = "migrate_pfn: must be in [zone_start, zone_end)";
	else if (ev->compact.free_pfn >= ev->compact.zone_end)
		bad = "free_pfn: must be below zone_end";
	if (bad)
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s", bad);
	return bad == NULL;
}

gboolean ps_trace_event_check(const PsTraceEvent *ev, GError **error)
{
	if ((unsigned)ev->op >= PS_NR_TRACE_OPS) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "op: unknown op %d",
			    (int)ev->op);
		return FALSE;
	}
	if ((unsigned)ev->irq >= PS_NR_IRQ_CTX) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "irq: unknown context %d",
			    (int)ev->irq);
		return FALSE;
	}
	if (ev->irq != PS_IRQ_NONE && ev->op != PS_OP_ALLOC && ev->op != PS_OP_FREE &&
	    ev->op != PS_OP_OBSERVED) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "irq: not a field of op \"%s\"", ps_trace_op_names[ev->op]);
		return FALSE;
	}
	if (ev->pcp_locked && (ev->op != PS_OP_FREE || ev->irq == PS_IRQ_NONE)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "pcp_locked: only an interrupt's free (with irq) finds its cpu's pcp "
			    "lock taken");
		return FALSE;
	}
	switch (ev->op) {
	case PS_OP_ALLOC:
		if (!ev->has_gfp) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "gfp: missing (required by op \"alloc\")");
			return FALSE;
		}
		if (ev->order >= 0 && ev->bytes > 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "bytes: only one of order and bytes may be given");
			return FALSE;
		}
		if (ev->order < 0 && ev->bytes == 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "order: missing (op \"alloc\" needs order or bytes)");
			return FALSE;
		}
		if ((unsigned)ev->kind >= PS_NR_ALLOC_KINDS) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "kind: unknown kind %d", (int)ev->kind);
			return FALSE;
		}
		if (ev->failed && ev->has_pfn) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "pfn: a failed allocation has no pfn");
			return FALSE;
		}
		return ps_check_int(ev->op, PS_F_CPU, ev->cpu, error) &&
		       ps_check_int(ev->op, PS_F_PID, ev->pid, error) &&
		       (ev->order < 0 || ps_check_int(ev->op, PS_F_ORDER, ev->order, error)) &&
		       (ev->node == -1 || ps_check_int(ev->op, PS_F_NODE, ev->node, error));
	case PS_OP_FREE:
		if ((unsigned)ev->free_reason >= PS_NR_FREE_REASONS) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "reason: unknown reason %d of a free", (int)ev->free_reason);
			return FALSE;
		}
		return (ev->cpu == -1 || ps_check_int(ev->op, PS_F_CPU, ev->cpu, error)) &&
		       (ev->order == -1 || ps_check_int(ev->op, PS_F_ORDER, ev->order, error));
	case PS_OP_OBSERVED:
		if ((unsigned)ev->event >= PS_NR_OBSERVED_EVENTS) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "event: unknown observed event %d", (int)ev->event);
			return FALSE;
		}
		if (ps_observed_missing(ev, ps_observed_present(ev))) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: missing (required by observed event \"%s\")",
				    ps_field_names[g_bit_nth_lsf(
					ps_observed_missing(ev, ps_observed_present(ev)), -1)],
				    ps_observed_event_names[ev->event]);
			return FALSE;
		}
		if (ev->compact.has_start && !ps_check_compact_start(ev, error))
			return FALSE;
		return (ev->cpu == -1 || ps_check_int(ev->op, PS_F_CPU, ev->cpu, error)) &&
		       (ev->pid == -1 || ps_check_int(ev->op, PS_F_PID, ev->pid, error)) &&
		       (ev->order == -1 || ps_check_int(ev->op, PS_F_ORDER, ev->order, error)) &&
		       (ev->migratetype == -1 ||
			ps_check_int(ev->op, PS_F_MIGRATETYPE, ev->migratetype, error)) &&
		       (ev->fallback_order == -1 ||
			ps_check_int(ev->op, PS_F_FALLBACK_ORDER, ev->fallback_order, error)) &&
		       (ev->fallback_migratetype == -1 ||
			ps_check_int(ev->op, PS_F_FALLBACK_MIGRATETYPE, ev->fallback_migratetype,
				     error));
	case PS_OP_PROC:
		return ps_check_int(ev->op, PS_F_PID, ev->pid, error) &&
		       ps_check_int(ev->op, PS_F_OOM_SCORE_ADJ, ev->oom_score_adj, error) &&
		       ps_check_text("comm", ev->comm, sizeof(ev->comm), error) &&
		       (!ev->value || ps_check_int(ev->op, PS_F_PARENT, ev->value, error)) &&
		       (!ev->forked_by ||
			ps_check_int(ev->op, PS_F_FORKED_BY, ev->forked_by, error)) &&
		       ps_check_fork(ev, error) &&
		       (!ev->mempolicy[0] || ps_check_mempolicy(ev->mempolicy, error)) &&
		       (!ev->memcg[0] || ps_check_memcg_path(ev->memcg, error));
	case PS_OP_EXIT:
		return ps_check_int(ev->op, PS_F_PID, ev->pid, error) &&
		       (ev->cpu == -1 || ps_check_int(ev->op, PS_F_CPU, ev->cpu, error));
	case PS_OP_MAP:
	case PS_OP_TOUCH:
	case PS_OP_UNMAP:
		if (!ps_check_int(ev->op, PS_F_PID, ev->pid, error) ||
		    (ev->cpu != -1 && !ps_check_int(ev->op, PS_F_CPU, ev->cpu, error)))
			return FALSE;
		if (ev->len == 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "len: must be an integer > 0, got 0");
			return FALSE;
		}
		if (ev->len > UINT64_MAX - ev->addr) {
			g_set_error(
			    error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "len: addr + len reaches 2^64, past the end of any address space");
			return FALSE;
		}
		if (ev->thp && ev->op != PS_OP_MAP) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "thp: not a field of op \"%s\"", ps_trace_op_names[ev->op]);
			return FALSE;
		}
		/* map, touch: "file" (a file mapping; a fault that maps a page-cache page) */
		if (ev->kind != PS_KIND_UNSPEC && ev->op == PS_OP_UNMAP) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "kind: not a field of op \"unmap\"");
			return FALSE;
		}
		if (ev->kind != PS_KIND_UNSPEC && ev->kind != PS_KIND_FILE &&
		    (ev->op == PS_OP_MAP || ev->kind != PS_KIND_ANON)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "kind: op \"%s\" takes only %s", ps_trace_op_names[ev->op],
				    ev->op == PS_OP_MAP ? "kind \"file\""
							: "kind \"file\" or \"anon\"");
			return FALSE;
		}
		return TRUE;
	case PS_OP_COMPACT:
		return ps_check_int(ev->op, PS_F_ORDER, ev->value, error) &&
		       (ev->cpu == -1 || ps_check_int(ev->op, PS_F_CPU, ev->cpu, error));
	case PS_OP_SYSCTL:
		return ps_check_text("name", ev->name, sizeof(ev->name), error) &&
		       ps_check_sysctl_name(ev->name, error);
	case PS_OP_DROP_CACHES:
		return ps_check_int(ev->op, PS_F_VALUE, ev->value, error);
	case PS_OP_CACHE_ADD:
	case PS_OP_CACHE_REMOVE:
		if (!ps_check_text("file", ev->file, sizeof(ev->file), error) ||
		    !ps_check_file_name(ev->file, error))
			return FALSE;
		if (ev->op == PS_OP_CACHE_ADD && ev->len == 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "len: must be an integer > 0, got 0");
			return FALSE;
		}
		if (ev->len > 0 && ev->len - 1 > UINT64_MAX - ev->offset) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "len: offset + len runs past the largest file offset");
			return FALSE;
		}
		if (ev->op == PS_OP_CACHE_REMOVE
			? (unsigned)ev->reason >= PS_NR_CACHE_REMOVE_REASONS
			: (ev->reason && ev->reason < PS_CACHE_FAULT) ||
			      (unsigned)ev->reason >= PS_NR_CACHE_REASONS) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "reason: unknown reason %d", (int)ev->reason);
			return FALSE;
		}
		return (ev->cpu == -1 || ps_check_int(ev->op, PS_F_CPU, ev->cpu, error)) &&
		       (ev->pid == -1 || ps_check_int(ev->op, PS_F_PID, ev->pid, error));
	case PS_OP_ZONE_GROW:
		if (ev->value < 0 || ev->value >= PS_MAX_NR_ZONES) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "zone: unknown zone %" PRId64, ev->value);
			return FALSE;
		}
		if (ev->len == 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "pages: must be an integer > 0, got 0");
			return FALSE;
		}
		if (ev->has_pfn && ev->len - 1 > UINT64_MAX - ev->pfn) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "pages: pfn + pages runs past the largest pfn");
			return FALSE;
		}
		return ps_check_int(ev->op, PS_F_NODE, ev->node, error);
	case PS_NR_TRACE_OPS:
		break;
	}
	g_assert_not_reached();
}

/* ---- formatter ---------------------------------------------------------------------------- */

static char *ps_put(char *p, const char *lit, gsize len)
{
	memcpy(p, lit, len);
	return p + len;
}

#define PS_PUT_LIT(p, lit) ps_put((p), (lit), sizeof(lit) - 1)

/* The four decimal digits of x (below 10,000) at e, two pairs from the table. */
static inline void ps_put_4digits(char *e, uint32_t x, const char *pairs)
{
	memcpy(e, pairs + 2 * (x / 100), 2);
	memcpy(e + 2, pairs + 2 * (x % 100), 2);
}

/*
 * Decimal digits, two at a time from the right (a division by 100 per pair, half the divisions
 * of one per digit: an import's records are mostly nanosecond times, ids and pfns); above 10^8
 * eight at a time, split by one 64-bit division and then in 32-bit arithmetic (session 24: the
 * nanosecond times' 13 digits; ps_put_u64 was 71 M of ftrace-build-6.18's 1,327 M parse-thread
 * instructions).
 */
static char *ps_put_u64(char *p, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
				    "31323334353637383940414243444546474849505152535455565758596061"
				    "62636465666768697071727374757677787980818283848586878889909192"
				    "93949596979899";
	static const uint64_t ten_to[19] = {10ull,
					    100ull,
					    1000ull,
					    10000ull,
					    100000ull,
					    1000000ull,
					    10000000ull,
					    100000000ull,
					    1000000000ull,
					    10000000000ull,
					    100000000000ull,
					    1000000000000ull,
					    10000000000000ull,
					    100000000000000ull,
					    1000000000000000ull,
					    10000000000000000ull,
					    100000000000000000ull,
					    1000000000000000000ull,
					    10000000000000000000ull};
	int len;
	char *e;
	uint32_t w;

	if (v < 10) {
		*p = (char)('0' + v); /* cpu, order, migratetype: most numbers of a record */
		return p + 1;
	}
	/*
	 * the digit count from the bit length b: a number of b bits has t = floor(b * log10(2))
	 * digits or t + 1 (1233 / 4096 stands for log10(2)); one comparison with 10^t tells which
	 */
	len = (int)(((unsigned)(64 - __builtin_clzll(v)) * 1233u) >> 12);
	len += v >= ten_to[len - 1];
	e = p + len;
	/* eight digits at a time while more are left, then pairs, in 32-bit arithmetic */
	while (v >= 100000000ull) {
		uint64_t q = v / 100000000ull;
		uint32_t r = (uint32_t)(v - q * 100000000ull);

		v = q;
		e -= 8;
		ps_put_4digits(e, r / 10000, pairs);
		ps_put_4digits(e + 4, r % 10000, pairs);
	}
	w = (uint32_t)v;
	while (w >= 100) {
		uint32_t r = w % 100;

		w /= 100;
		e -= 2;
		memcpy(e, pairs + 2 * r, 2);
	}
	if (w >= 10)
		memcpy(e - 2, pairs + 2 * w, 2);
	else
		e[-1] = (char)('0' + w);
	return p + len;
}

static char *ps_put_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return ps_put_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return ps_put_u64(p, (uint64_t)v);
}

/* A JSON string: quotes, backslashes and control characters escaped, other bytes as they are. */
static char *ps_put_str(char *p, const char *s, gsize max)
{
	static const char hex[] = "0123456789abcdef";
	gsize i;

	*p++ = '"';
	for (i = 0; i < max && s[i]; i++) {
		guchar c = (guchar)s[i];

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c == '\n') {
			p = PS_PUT_LIT(p, "\\n");
		} else if (c == '\t') {
			p = PS_PUT_LIT(p, "\\t");
		} else if (c < 0x20) {
			p = PS_PUT_LIT(p, "\\u00");
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	return p;
}

static char *ps_put_gfp(char *p, uint64_t gfp)
{
	g_autofree char *text = NULL;
	gsize len;
	unsigned i;

	for (i = 0; i < PS_GFP_CACHE_SLOTS; i++) {
		if (ps_gfp_format_cache[i].valid && ps_gfp_format_cache[i].gfp == gfp) {
			*p++ = '"';
			p = ps_put(p, ps_gfp_format_cache[i].text, ps_gfp_format_cache[i].len);
			*p++ = '"';
			return p;
		}
	}
	text = ps_gfp_format(gfp);
	len = strlen(text);
	/* the longest mask mm/gfp.c can print is well under a slot: every name plus leftover hex */
	g_assert(len < PS_GFP_FORMAT_SLOT);
	i = ps_gfp_format_next++ % PS_GFP_CACHE_SLOTS;
	ps_gfp_format_cache[i].valid = true;
	ps_gfp_format_cache[i].gfp = gfp;
	ps_gfp_format_cache[i].len = len;
	memcpy(ps_gfp_format_cache[i].text, text, len + 1);
	*p++ = '"';
	p = ps_put(p, text, len);
	*p++ = '"';
	return p;
}

static char *ps_put_bool(char *p, int8_t v)
{
	return v ? PS_PUT_LIT(p, "true") : PS_PUT_LIT(p, "false");
}

/*
 * A member after the first: ,"KEY":VALUE, KEY a string literal (its length a constant, as
 * PS_PUT_LIT's). One place for the spelling of a member the formatter writes some 50 times.
 */
#define PS_PUT_KEY(p, key)	   PS_PUT_LIT((p), ",\"" key "\":")
#define PS_PUT_KEY_I64(p, key, v)  ps_put_i64(PS_PUT_KEY((p), key), (v))
#define PS_PUT_KEY_U64(p, key, v)  ps_put_u64(PS_PUT_KEY((p), key), (v))
#define PS_PUT_KEY_BOOL(p, key, v) ps_put_bool(PS_PUT_KEY((p), key), (v))

/* observed: event, then the tracepoint's fields in a fixed order, unset ones left out. */
static char *ps_put_observed(char *p, const PsTraceEvent *ev)
{
	const char *name = ps_observed_event_names[ev->event];

	p = PS_PUT_LIT(p, ",\"event\":\"");
	p = ps_put(p, name, strlen(name));
	*p++ = '"';
	if (ev->cpu >= 0)
		p = PS_PUT_KEY_I64(p, "cpu", ev->cpu);
	if (ev->pid >= 0) {
		p = PS_PUT_KEY_I64(p, "pid", ev->pid);
	}
	if (ev->has_pfn)
		p = PS_PUT_KEY_U64(p, "pfn", ev->pfn);
	if (ev->order >= 0) {
		p = PS_PUT_KEY_I64(p, "order", ev->order);
	}
	if (ev->migratetype >= 0)
		p = PS_PUT_KEY_I64(p, "migratetype", ev->migratetype);
	if (ev->percpu_refill >= 0)
		p = PS_PUT_KEY_BOOL(p, "percpu_refill", ev->percpu_refill);
	if (ev->fallback_order >= 0)
		p = PS_PUT_KEY_I64(p, "fallback_order", ev->fallback_order);
	if (ev->fallback_migratetype >= 0) {
		p = PS_PUT_KEY_I64(p, "fallback_migratetype", ev->fallback_migratetype);
	}
	if (ev->fragmenting >= 0)
		p = PS_PUT_KEY_BOOL(p, "fragmenting", ev->fragmenting);
	if (ev->change_ownership >= 0)
		p = PS_PUT_KEY_BOOL(p, "change_ownership", ev->change_ownership);
	if (ev->has_gfp) {
		p = PS_PUT_LIT(p, ",\"gfp\":");
		p = ps_put_gfp(p, ev->gfp);
	}
	if (ev->len)
		p = PS_PUT_KEY_U64(p, "len", ev->len);
	if (ev->value) {
		p = PS_PUT_KEY_I64(p, "value", ev->value);
	}
	if (ev->compact.has_start) {
		p = PS_PUT_KEY_U64(p, "zone_start", ev->compact.zone_start);
		p = PS_PUT_KEY_U64(p, "migrate_pfn", ev->compact.migrate_pfn);
		p = PS_PUT_KEY_U64(p, "free_pfn", ev->compact.free_pfn);
		p = PS_PUT_KEY_U64(p, "zone_end", ev->compact.zone_end);
		p = PS_PUT_KEY_BOOL(p, "sync", ev->compact.sync);
	}
	return p;
}

gsize ps_trace_format_event(const PsTraceEvent *ev, char *buf)
{
	char *p = buf;

	p = PS_PUT_LIT(p, "{\"t\":");
	p = ps_put_u64(p, ev->t_ns);
	p = PS_PUT_LIT(p, ",\"op\":\"");
	p = ps_put(p, ps_trace_op_names[ev->op], strlen(ps_trace_op_names[ev->op]));
	*p++ = '"';

	switch (ev->op) {
	case PS_OP_ALLOC:
		p = PS_PUT_KEY_U64(p, "id", ev->id);
		p = PS_PUT_KEY_I64(p, "cpu", ev->cpu);
		p = PS_PUT_KEY_I64(p, "pid", ev->pid);
		if (ev->order >= 0) {
			p = PS_PUT_KEY_I64(p, "order", ev->order);
		} else {
			p = PS_PUT_KEY_U64(p, "bytes", ev->bytes);
		}
		p = PS_PUT_LIT(p, ",\"gfp\":");
		p = ps_put_gfp(p, ev->gfp);
		if (ev->kind != PS_KIND_UNSPEC) {
			p = PS_PUT_LIT(p, ",\"kind\":\"");
			p = ps_put(p, ps_alloc_kind_names[ev->kind],
				   strlen(ps_alloc_kind_names[ev->kind]));
			*p++ = '"';
		}
		if (ev->node >= 0)
			p = PS_PUT_KEY_I64(p, "node", ev->node);
		if (ev->has_pfn) {
			p = PS_PUT_KEY_U64(p, "pfn", ev->pfn);
		}
		if (ev->failed)
			p = PS_PUT_LIT(p, ",\"failed\":true");
		break;
	case PS_OP_FREE:
		p = PS_PUT_KEY_U64(p, "id", ev->id);
		if (ev->cpu >= 0)
			p = PS_PUT_KEY_I64(p, "cpu", ev->cpu);
		if (ev->order >= 0) {
			p = PS_PUT_KEY_I64(p, "order", ev->order);
		}
		if (ev->has_pfn)
			p = PS_PUT_KEY_U64(p, "pfn", ev->pfn);
		if (ev->free_reason != PS_FREE_UNSPEC) {
			p = PS_PUT_LIT(p, ",\"reason\":\"");
			p = ps_put(p, ps_free_reason_names[ev->free_reason],
				   strlen(ps_free_reason_names[ev->free_reason]));
			*p++ = '"';
		}
		break;
	case PS_OP_OBSERVED:
		p = ps_put_observed(p, ev);
		break;
	case PS_OP_PROC:
		p = PS_PUT_KEY_I64(p, "pid", ev->pid);
		p = PS_PUT_LIT(p, ",\"comm\":");
		p = ps_put_str(p, ev->comm, sizeof(ev->comm) - 1);
		p = PS_PUT_KEY_I64(p, "oom_score_adj", ev->oom_score_adj);
		if (ev->mempolicy[0]) {
			p = PS_PUT_LIT(p, ",\"mempolicy\":");
			p = ps_put_str(p, ev->mempolicy, sizeof(ev->mempolicy) - 1);
		}
		if (ev->value)
			p = PS_PUT_KEY_I64(p, "parent", ev->value);
		if (ev->forked_by)
			p = PS_PUT_KEY_I64(p, "forked_by", ev->forked_by);
		if (ev->memcg[0]) {
			p = PS_PUT_LIT(p, ",\"memcg\":");
			p = ps_put_str(p, ev->memcg, sizeof(ev->memcg) - 1);
		}
		break;
	case PS_OP_EXIT:
		p = PS_PUT_KEY_I64(p, "pid", ev->pid);
		if (ev->cpu >= 0)
			p = PS_PUT_KEY_I64(p, "cpu", ev->cpu);
		break;
	case PS_OP_MAP:
	case PS_OP_TOUCH:
	case PS_OP_UNMAP:
		p = PS_PUT_KEY_I64(p, "pid", ev->pid);
		p = PS_PUT_KEY_U64(p, "addr", ev->addr);
		p = PS_PUT_KEY_U64(p, "len", ev->len);
		if (ev->op == PS_OP_MAP && ev->thp)
			p = PS_PUT_LIT(p, ",\"thp\":true");
		if (ev->kind == PS_KIND_FILE)
			p = PS_PUT_LIT(p, ",\"kind\":\"file\"");
		else if (ev->kind == PS_KIND_ANON)
			p = PS_PUT_LIT(p, ",\"kind\":\"anon\"");
		if (ev->cpu >= 0)
			p = PS_PUT_KEY_I64(p, "cpu", ev->cpu);
		break;
	case PS_OP_COMPACT:
		if (ev->value >= 0)
			p = PS_PUT_KEY_I64(p, "order", ev->value);
		if (ev->cpu >= 0) {
			p = PS_PUT_KEY_I64(p, "cpu", ev->cpu);
		}
		break;
	case PS_OP_SYSCTL:
		p = PS_PUT_LIT(p, ",\"name\":");
		p = ps_put_str(p, ev->name, sizeof(ev->name) - 1);
		p = PS_PUT_KEY_I64(p, "value", ev->value);
		break;
	case PS_OP_DROP_CACHES:
		p = PS_PUT_KEY_I64(p, "value", ev->value);
		break;
	case PS_OP_CACHE_ADD:
	case PS_OP_CACHE_REMOVE:
		p = PS_PUT_LIT(p, ",\"file\":");
		p = ps_put_str(p, ev->file, sizeof(ev->file) - 1);
		p = PS_PUT_KEY_U64(p, "offset", ev->offset);
		if (ev->len)
			p = PS_PUT_KEY_U64(p, "len", ev->len);
		if (ev->op == PS_OP_CACHE_REMOVE || ev->reason >= PS_CACHE_FAULT) {
			p = PS_PUT_LIT(p, ",\"reason\":\"");
			p = ps_put(p, ps_cache_reason_names[ev->reason],
				   strlen(ps_cache_reason_names[ev->reason]));
			*p++ = '"';
		}
		if (ev->pid >= 0)
			p = PS_PUT_KEY_I64(p, "pid", ev->pid);
		if (ev->cpu >= 0) {
			p = PS_PUT_KEY_I64(p, "cpu", ev->cpu);
		}
		break;
	case PS_OP_ZONE_GROW:
		p = PS_PUT_KEY_I64(p, "node", ev->node);
		p = PS_PUT_LIT(p, ",\"zone\":\"");
		p = ps_put(p, ps_zone_names[ev->value], strlen(ps_zone_names[ev->value]));
		*p++ = '"';
		p = PS_PUT_KEY_U64(p, "pages", ev->len);
		if (ev->has_pfn)
			p = PS_PUT_KEY_U64(p, "pfn", ev->pfn);
		break;
	case PS_NR_TRACE_OPS:
		g_assert_not_reached();
	}
	if (ev->irq != PS_IRQ_NONE) {
		/* alloc, free and observed only (ps_trace_event_check) */
		p = PS_PUT_LIT(p, ",\"irq\":\"");
		p = ps_put(p, ps_irq_ctx_names[ev->irq], strlen(ps_irq_ctx_names[ev->irq]));
		*p++ = '"';
	}
	if (ev->pcp_locked) /* an interrupt's free only (ps_trace_event_check) */
		p = PS_PUT_LIT(p, ",\"pcp_locked\":true");
	p = PS_PUT_LIT(p, "}\n");
	g_assert(p - buf <= PS_TRACE_EVENT_MAX);
	return (gsize)(p - buf);
}

/* "[8191,3,2,18446744073709551615]," : the most a pcp_start list takes (trace.h) */
#define PCP_START_LIST_MAX 33

gsize ps_trace_header_max_len(const PsTraceHeader *hdr)
{
	return PS_TRACE_EVENT_MAX +
	       (hdr->has_pcp_start ? (gsize)MAX(hdr->n_pcp_start, 0) * PCP_START_LIST_MAX : 0);
}

gsize ps_trace_format_header(const PsTraceHeader *hdr, char *buf)
{
	char *p = buf;

	p = PS_PUT_LIT(p, "{\"pagesim_trace\":");
	p = ps_put_i64(p, hdr->version);
	p = PS_PUT_LIT(p, ",\"source\":");
	p = ps_put_str(p, hdr->source, sizeof(hdr->source) - 1);
	p = PS_PUT_KEY_U64(p, "page_size", hdr->page_size);
	p = PS_PUT_KEY_I64(p, "cpus", hdr->cpus);
	if (hdr->machine[0]) {
		p = PS_PUT_LIT(p, ",\"machine\":");
		p = ps_put_str(p, hdr->machine, sizeof(hdr->machine) - 1);
	}
	if (hdr->has_vmstat_update)
		p = PS_PUT_KEY_U64(p, "vmstat_update_ns", hdr->vmstat_update_ns);
	if (hdr->has_pcp_start) {
		p = PS_PUT_LIT(p, ",\"pcp_start\":[");
		for (int i = 0; i < hdr->n_pcp_start; i++) {
			const PsTracePcpStart *e = &hdr->pcp_start[i];

			if (i)
				*p++ = ',';
			*p++ = '[';
			p = ps_put_u64(p, e->cpu);
			*p++ = ',';
			p = ps_put_u64(p, e->order);
			*p++ = ',';
			p = ps_put_u64(p, e->migratetype);
			*p++ = ',';
			p = ps_put_u64(p, e->bytes);
			*p++ = ']';
		}
		*p++ = ']';
	}
	p = PS_PUT_LIT(p, "}\n");
	g_assert((gsize)(p - buf) <= ps_trace_header_max_len(hdr));
	return (gsize)(p - buf);
}
