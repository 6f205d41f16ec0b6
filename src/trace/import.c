// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * import.c - converting text recordings of the kernel's page-allocator tracepoints into a pagesim
 * trace: the tracefs `trace` / `trace_pipe` text, `perf script` output and `trace-cmd report`
 * output of the kmem, compaction and vmscan events (kernel-facts §10.6).
 *
 * The three tools print the same event payload (the tracepoint's print format, e.g.
 * `page=... pfn=0x14c68f order=0 migratetype=0 gfp_flags=GFP_KERNEL`); they differ only in the
 * prefix of a line:
 *   ftrace     `  capture.sh-12617   [001] d..3.  1098.147614: mm_page_alloc: ...`
 *   trace-cmd  `            bash-4257  [001]  2354.448127: mm_page_alloc:        ...`
 *   perf       `            perf  3848 [001]  2343.539416:   kmem:mm_page_alloc: ...`
 * so one parser reads all three: it finds the ` [CPU]` field, takes the comm and pid before it
 * (joined by '-' or by spaces), reads the optional irq-flags column's hardirq/softirq character
 * (an alloc, free or observed record's `irq`: softirq, hardirq, nmi), reads the timestamp and the
 * event name (dropping perf's `system:` prefix), then the key=value payload.
 *
 * What each event becomes:
 *   mm_page_alloc              alloc (pfn mapped to a fresh dense id); a failed one (page=0,
 *                              pfn=0) is written with failed: true, a fresh id and no pfn, and
 *                              counted (the --portable path only counts it)
 *   mm_page_free               free of the id live at that pfn; a pfn never seen allocated is a
 *                              page from before the trace started: free with a fresh id and the
 *                              recorded pfn and order, counted
 *                              A free by a kswapd task, or by a task between its direct reclaim
 *                              begin and end, is the kernel's own reclaim: counted
 *                              (free_reclaim_*, pages) and written with reason reclaim_kswapd /
 *                              reclaim_direct, which a policy replay does not repeat.
 *   mm_page_free_batched       the commit of a batch-freed page to the pcp list: the page's free
 *                              record moves from its mm_page_free to here (see Imp)
 *   mm_filemap_add_to_page_cache   its pfn's allocation, still live, is written with kind
 *                              "file": a page-cache folio, on the file LRU of a policy replay
 *                              (see pc_add)
 *   mm_filemap_delete_from_page_cache  recognised, not kept: the folio's free follows it
 *   zone_locked, pcpu_drain, extfrag, compaction begin/end, kcompactd wake, kswapd wake/sleep,
 *   direct reclaim begin/end   observed records
 *   compaction begin in a task, not direct     a `compact` record first: the compact_memory
 *                                              sysctl (see note_compaction)
 *   other compaction/vmscan/oom events        recognised and counted, not kept
 *   tracing_mark_write "pagesim-mempolicy: P"  the writing task's memory policy from then on
 *                                              (see note_marker); other markers are ignored
 *   anything else                             skipped and counted
 *   mm_vmscan_node_reclaim_begin/_end  not kept; the frees between them are the kernel's
 *                              reclaim, as in a direct reclaim window (see note_node_reclaim)
 *   (none)                     alloc_pages_bulk's takes off a pcp list, which have no event:
 *                              written as allocations where the trace proves them (see
 *                              bulk_take; not from standard input: a first pass reads it)
 * A `proc` record is written before the first record of each pid, and again when its comm
 * changes (exec). Memory policies: tracefs has no event for set_mempolicy() or mbind() unless
 * the kernel has syscall tracepoints (the qemu lab's kernels do not), so the caller states them
 * (opts->mempolicies: pid, the recording's timestamp, the policy); from that timestamp on the
 * pid's proc records carry the policy, and a proc record is written at that moment for a pid
 * already seen. A traced program can state its own instead, writing "pagesim-mempolicy: POLICY"
 * to trace_marker after each set_mempolicy() (tools/lab/numa-policies.c). The policy is the task's
 * (set_mempolicy), applied by the simulator to every allocation of the task without a node, as
 * alloc_pages() applies get_task_policy(); a VMA policy (mbind) given this way is approximated by
 * the task policy for the time given.
 *
 * Streaming: one line at a time; memory is the pfn -> id map of live allocations (bounded by
 * the pages a machine has) and the pid -> comm map. Time is nanoseconds from the first event;
 * a timestamp that goes backwards (per-cpu buffers merged with an unsynchronised clock) is
 * clamped to the previous one and counted, since the format requires time order.
 */
#include "trace/trace.h"
#include "trace/tracedat-private.h"

#include "mm/mm.h"
#include "util/util.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * s starts with prefix, a non-empty constant (g_str_has_prefix measures both strings: the rest
 * of a line). The first character first: most tests of a line fail there, without the call.
 * Inline, with a literal prefix, strlen is a constant. A function, so s is read once.
 */
static inline bool has_prefix(const char *s, const char *prefix)
{
	return s[0] == prefix[0] && strncmp(s, prefix, strlen(prefix)) == 0;
}

#define IMP_MAX_KV	     16
#define IMP_MAX_ZONE_SAMPLES 64 /* node/zone pairs "pagesim-zone:" markers may name */
#define IMP_MAX_ONLINING     16 /* "pagesim-online:" onlinings open at once */
#define IMP_GFP_SLOT	     96 /* a gfp_flags text longer than this is parsed each time */
#define IMP_GFP_SLOTS	     16

const char *const ps_import_format_names[PS_NR_IMPORT_FORMATS] = {
    [PS_IMPORT_AUTO] = "auto",
    [PS_IMPORT_FTRACE] = "ftrace",
    [PS_IMPORT_PERF] = "perf",
    [PS_IMPORT_TRACE_CMD] = "trace-cmd",
};

/* The next line of a recording (util's reader: plain or gzip), errors in PS_TRACE_ERROR. */
static int next_line(PsLineReader *in, char **line, gsize *len, GError **error)
{
	int rc = ps_line_reader_next(in, line, len, error);

	if (rc < 0)
		ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
					PS_TRACE_ERROR_PARSE);
	return rc;
}

/*
 * Inflated text kept in memory for the passes after the first (find_cpus, shmem_prepass, prepass,
 * then the main pass): a larger text is read again from the file for each, and one whose size hint
 * (plain size, gzip ISIZE) is already larger is never kept. ftrace-build-6.18 is 47 MB of text,
 * the 2-node qemu recording 242 MB. The cost is memory: a kept text holds its whole decoded size
 * for the import, so the 2-node recording's import peaks at 298 MB max RSS instead of 62 MB
 * (/usr/bin/time, 2.35 s -> 1.68 s wall), and imports run side by side (the tests) add up.
 */
#define IMP_KEEP_MAX ((gsize)512 << 20)
/* the first pass reads ahead of the main pass this many lines at a time (prepass) */
#define IMP_LEAD 256
/* lines ahead of the main pass past which the first pass's unsettled bits are assumed (prepass) */
#define IMP_ASSUME 4096
/*
 * LineHints kept (powers of two): the ring starts at IMP_HINTS and doubles while the first pass
 * reads further ahead of the main pass, up to IMP_HINTS_MAX (64 MiB); a line further ahead than
 * that gets none
 */
#define IMP_HINTS     65536
#define IMP_HINTS_MAX (1u << 20)

/* ---- one event line ------------------------------------------------------------------------ */

typedef struct {
	const char *comm; /* NUL-terminated inside the line buffer */
	int pid;
	int cpu;
	uint64_t ts_ns;
	bool ts_overflow;    /* past the u64 ns range: ts_ns is meaningless */
	const char *ts_text; /* the timestamp as written, ts_len bytes (for messages) */
	int ts_len;
	const char *event; /* without a "system:" prefix, NUL-terminated */
	bool pfn_ok;	   /* pfn: the "pfn" value as get_u64 reads it (from the first pass) */
	uint64_t pfn;
	int nkv;
	const char *key[IMP_MAX_KV]; /* NUL-terminated, without '=' */
	const char *val[IMP_MAX_KV]; /* NUL-terminated, trailing ',' removed */
	bool perf_style;	     /* "comm pid [cpu]" and "system:event" */
	bool has_flags;		     /* the irq-flags column was present */
	int8_t irq; /* its hardirq/softirq character (enum ps_irq_ctx): third of the column */
	/*
	 * Syscall tracepoints print "sys_mmap(addr: 0, len: 0x2000, ...)" on entry and
	 * "sys_mmap -> 0x7f..." on exit (perf: sys_enter_mmap: / sys_exit_mmap: with the same
	 * text): sys is the syscall name, args its "name: value" values in order, ret the exit's.
	 */
	int sys; /* 0 none, 1 enter, 2 exit */
	char sysname[24];
	int nargs;
	uint64_t args[6];
	uint64_t ret;
	char raw[96]; /* the payload's start as printed (filemap's "dev M:m ino I" has no '=') */
} Line;

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * "SECONDS.FRACTION" at p into nanoseconds (a counter clock without a fraction is taken as ns);
 * returns the end of the digits (p itself when there are none). *overflow is set when the value
 * is past the largest u64 nanosecond count (18446744073.709551615 s): wrapping it would put the
 * event at an arbitrary time.
 */
static const char *parse_timestamp(const char *p, uint64_t *ts_ns, bool *overflow)
{
	/* the fraction's first up to 9 digits, scaled to nanoseconds by how many there were */
	static const uint64_t scale[10] = {1000000000ull, 100000000ull, 10000000ull, 1000000ull,
					   100000ull,	  10000ull,	1000ull,     100ull,
					   10ull,	  1ull};
	uint64_t sec = 0, frac = 0;
	const char *d = p;

	*overflow = false;
	/* 19 digits cannot wrap a u64; checked one by one only past that */
	for (; is_digit(*p) && p - d < 19; p++)
		sec = sec * 10 + (uint64_t)(*p - '0');
	for (; is_digit(*p); p++) {
		uint64_t v = (uint64_t)(*p - '0');

		if (sec > (UINT64_MAX - v) / 10)
			*overflow = true;
		sec = sec * 10 + v;
	}
	if (*p != '.') {
		*ts_ns = sec;
		return p;
	}
	d = ++p;
	if (is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) &&
	    is_digit(p[4]) && is_digit(p[5]) && !is_digit(p[6])) {
		/* tracefs's microseconds: six digits, the common case in one step */
		frac = (uint64_t)(p[0] - '0') * 100000 + (uint64_t)(p[1] - '0') * 10000 +
		       (uint64_t)(p[2] - '0') * 1000 + (uint64_t)(p[3] - '0') * 100 +
		       (uint64_t)(p[4] - '0') * 10 + (uint64_t)(p[5] - '0');
		p += 6;
	} else {
		for (; is_digit(*p) && p - d < 9; p++)
			frac = frac * 10 + (uint64_t)(*p - '0');
	}
	frac *= scale[p - d];
	while (is_digit(*p))
		p++;
	if (sec > (UINT64_MAX - frac) / 1000000000ull)
		*overflow = true;
	*ts_ns = sec * 1000000000ull + frac;
	return p;
}

/* The bytes a payload token's key ends at: its end ('\0'), a space (no '=') or its '='. */
static const bool key_stop[256] = {['\0'] = true, [' '] = true, ['='] = true};

/* The payload at p: key=value tokens, split in place; anything else is ignored. */
static void split_payload(char *p, Line *l)
{
	while (*p) {
		char *k, *eq, *tok_end;

		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		k = p;
		eq = NULL;
		while (!key_stop[(unsigned char)*p])
			p++;
		if (*p == '=') {
			eq = p;
			p = strchrnul(p, ' ');
		}
		tok_end = p;
		if (*p)
			*p++ = '\0';
		if (!eq || l->nkv == IMP_MAX_KV)
			continue;
		*eq = '\0';
		/* "zone_end=0x1000," in the compaction events */
		if (tok_end > eq + 1 && tok_end[-1] == ',')
			tok_end[-1] = '\0';
		l->key[l->nkv] = k;
		l->val[l->nkv] = eq + 1;
		l->nkv++;
	}
}

/* "name: value, name: value" (hex or decimal values) or one return value, into l. */
static const char *split_sys_args(Line *l, char *p, bool enter)
{
	l->sys = enter ? 1 : 2;
	while (*p == ' ')
		p++;
	if (!enter) {
		char *end;

		/* -ENOMEM prints as 0xfffffffffffffff4: a u64 either way */
		l->ret = g_ascii_strtoull(p, &end, 0);
		return end == p ? "syscall exit without a return value" : NULL;
	}
	while (*p && *p != ')' && l->nargs < 6) {
		char *colon = strchr(p, ':'), *end;

		if (!colon)
			break;
		p = colon + 1;
		while (*p == ' ')
			p++;
		l->args[l->nargs++] = g_ascii_strtoull(p, &end, 0);
		if (end == p)
			return "syscall argument without a number";
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return NULL;
}

/* ftrace's "sys_mmap(addr: 0, ...)" and "sys_mmap -> 0x7f...": p is at '(' or " -> ". */
static const char *split_syscall(Line *l, char *p)
{
	bool enter = *p == '(';

	*p = '\0';
	g_strlcpy(l->sysname, l->event + 4, sizeof(l->sysname));
	return split_sys_args(l, enter ? p + 1 : p + 4, enter);
}

/*
 * The ` [CPU]` field of line s (len bytes): the first "[digits]" preceded by a space; its '[',
 * or NULL when there is none.
 */
static char *cpu_field(char *s, gsize len)
{
	char *b = s, *end = s + len, *p;

	for (;; b++) {
		b = memchr(b, '[', (gsize)(end - b));
		if (!b)
			return NULL;
		if (b > s && b[-1] == ' ' && is_digit(b[1])) {
			for (p = b + 1; is_digit(*p); p++)
				;
			if (*p == ']')
				return b;
		}
	}
}

/*
 * After "]" and its spaces at p: the optional flags column (d..3.: irqs-off, need-resched,
 * hardirq/softirq, ...), whose third character gives *irq, then the timestamp, whose start is
 * returned. *has_flags: the column was there.
 */
static char *flags_column(char *p, int8_t *irq, bool *has_flags)
{
	char *ts = p;

	*irq = PS_IRQ_NONE;
	*has_flags = false;
	while (*p && *p != ' ' && *p != ':')
		p++;
	if (*p != ' ')
		return ts;
	*has_flags = true;
	if (p - ts >= 3)
		*irq = ts[2] == 's'		      ? PS_IRQ_SOFTIRQ
		       : ts[2] == 'h' || ts[2] == 'H' ? PS_IRQ_HARDIRQ
		       : ts[2] == 'z' || ts[2] == 'Z' ? PS_IRQ_NMI
						      : PS_IRQ_NONE;
	while (*p == ' ')
		p++;
	return p;
}

/*
 * The end of the event name at ev: where ftrace's syscall line "sys_mmap(addr: ...)" or
 * "sys_mmap -> 0x..." has its '(' or " -> " (*syscall set), else the name's space (or the line's
 * end). Only a sys_ name can end at '(': strchrnul for the rest, most names run 13-30 characters.
 */
static char *event_end(char *ev, bool *syscall)
{
	char *p = ev;

	*syscall = false;
	if (has_prefix(p, "sys_")) {
		while (*p && *p != ' ' && *p != '(')
			p++;
		if (p > ev && (*p == '(' || (p[-1] != ':' && has_prefix(p, " -> ")))) {
			*syscall = true;
			return p;
		}
	}
	return strchrnul(p, ' ');
}

/* What an event name is, for the tests of its name on every line (EvMemo.kind, LineHint.kind) */
enum {
	EVK_MM_PAGE = 1,    /* "mm_page_..." */
	EVK_COMPACTION = 2, /* "mm_compaction_..." */
	EVK_NAMES = 4,	    /* a pfn's naming line's event (scan_names) */
	EVK_ALLOC = 8,	    /* mm_page_alloc */
	EVK_FREE = 16,	    /* mm_page_free */
	EVK_KNOWN = 128	    /* set: the rest is known (LineHint: the line was looked up) */
};

/*
 * An event name the first pass has seen, with what classify makes of it and its EVK_ bits:
 * a recording has a few dozen names, so classify's walk of strcmp calls and the prefix tests ran
 * on every line for the same answers (strcmp 59 M, strncmp 34 M of ftrace-build-6.18's parse
 * thread, most of it on event names). In Imp.ev_memo by a hash of the name; a name that does not
 * fit is looked up each time.
 */
#define EV_MEMO 64 /* a power of two */
typedef struct {
	char name[40];
	uint8_t len; /* 0: empty */
	int8_t cls, obs;
	uint8_t kind;
} EvMemo;

/*
 * What the first pass (scan_line) found of a line the main pass splits after it: where its
 * comm, ` [CPU]` field's '[', timestamp and event name are (bytes from the line's start), the
 * cpu, the timestamp's value, the flags column's irq and presence. The two passes read the same
 * bytes, and scan_line finds these as split_line does, so split_line takes them instead of finding
 * them again: ONE tokeniser of a line's prefix for both passes. Before, split_line found all but
 * the '[' and the flags column again (the leading spaces, header_text, the cpu's digits,
 * parse_timestamp, event_end, the "system:" colon: 88 M of ftrace-build-6.18's 1,310 M
 * parse-thread instructions); what is left to it is the pid (and the comm's end) and the payload.
 */
typedef struct {
	uint64_t line; /* the line's number (1 the first); 0: none */
	uint32_t span; /* the bytes it takes in the text (ps_line_reader_span), for the follower */
	bool scanned;  /* scan_line took it: the rest is set */
	uint64_t ts_ns;
	uint32_t comm_off; /* the first byte that is not a space */
	uint32_t b_off, ts_off;
	uint32_t ev_off; /* the event name, after a "system:" prefix */
	uint32_t ev_end; /* the ':' that ends the name, or a syscall line's '(' or " -> " */
	uint16_t cpu;
	uint8_t ts_len; /* as Line's: at most 64 */
	int8_t irq;
	bool has_flags, ts_overflow;
	bool syscall;	 /* ftrace's "sys_mmap(...)" / "sys_mmap -> ..." line */
	bool sys_prefix; /* the name had a "system:" prefix (perf) */
	/* the name's EvMemo: its EVK_ bits (EVK_KNOWN set when looked up), classify's answer */
	uint8_t kind;
	int8_t cls, obs;
	bool pfn_ok; /* pfn: its "pfn" value, read by scan_names (a pfn's naming line) */
	uint64_t pfn;
} LineHint;

/*
 * Splits an event line in place. Returns NULL on success or what is wrong. The ` [CPU]` field is
 * the anchor: the first "[digits]" preceded by a space. hint: the first pass's findings for this
 * line, or NULL.
 */
static const char *split_rest(Line *l, char *p, int mm_page);

static const char *split_line(char *s, gsize len, Line *l, const LineHint *hint)
{
	char *const line = s; /* s moves past the comm's leading spaces */
	char *b, *p, *q, *ts;
	bool syscall;

	/* not the arrays (0.5 KB a line): each is read only as far as its count or NUL */
	memset(l, 0, offsetof(Line, key));
	l->perf_style = l->has_flags = false;
	l->irq = PS_IRQ_NONE;
	l->sys = l->nargs = 0;
	l->ret = 0;
	l->sysname[0] = l->raw[0] = '\0';
	if (hint) {
		b = line + hint->b_off;
		l->cpu = hint->cpu;
	} else {
		long c = 0;

		b = cpu_field(s, len);
		if (!b)
			return "no [CPU] field";
		for (q = b + 1; is_digit(*q); q++) {
			c = c * 10 + (*q - '0');
			if (c >= PS_TRACE_MAX_CPUS)
				return "CPU number out of range";
		}
		l->cpu = (int)c;
	}
	/* comm and pid: "comm-pid" (ftrace, trace-cmd) or "comm pid" (perf) before the bracket */
	q = b - 1;
	while (q > s && q[-1] == ' ')
		q--;
	p = q;
	while (p > s && is_digit(p[-1]))
		p--;
	if (p == q || p == s)
		return "no PID before [CPU]";
	{
		long v = 0;

		for (char *d = p; is_digit(*d); d++) {
			v = v * 10 + (*d - '0');
			if (v > 4194304)
				return "PID out of range (above PID_MAX_LIMIT)";
		}
		l->pid = (int)v;
	}
	if (p[-1] == '-') {
		p[-1] = '\0';
	} else if (p[-1] == ' ') {
		l->perf_style = true;
		p[-1] = '\0';
		/* trim the spaces between comm and pid */
		for (q = p - 2; q >= s && *q == ' '; q--)
			*q = '\0';
	} else {
		return "no '-' or space between COMM and PID";
	}
	/*
	 * the comm's first byte: the line's first that is not a space, unless that was at or past
	 * the pid's separator, which is now a NUL (then the NUL that ends the spaces, as before)
	 */
	if (hint && line + hint->comm_off < p - 1) {
		l->comm = line + hint->comm_off;
	} else {
		while (*s == ' ')
			s++;
		l->comm = s;
	}
	if (hint) {
		/* the rest of the prefix as scan_line found it (it refuses a line split_line does)
		 */
		ts = line + hint->ts_off;
		l->irq = hint->irq;
		l->has_flags = hint->has_flags;
		l->ts_ns = hint->ts_ns;
		l->ts_overflow = hint->ts_overflow;
		l->ts_text = ts;
		l->ts_len = hint->ts_len;
		l->pfn_ok = hint->pfn_ok;
		l->pfn = hint->pfn;
		p = line + hint->ev_end;
		l->event = line + hint->ev_off;
		if (hint->syscall)
			return split_syscall(l, p);
		*p++ = '\0';
		l->perf_style |= hint->sys_prefix;
		return split_rest(l, p, hint->kind & EVK_KNOWN ? !!(hint->kind & EVK_MM_PAGE) : -1);
	}
	/* after "]": optional flags column, then "SECONDS.FRACTION:" */
	p = strchr(b, ']') + 1;
	while (*p == ' ')
		p++;
	ts = flags_column(p, &l->irq, &l->has_flags);
	p = (char *)parse_timestamp(ts, &l->ts_ns, &l->ts_overflow);
	if (p == ts)
		return "no timestamp";
	l->ts_text = ts;
	l->ts_len = (int)MIN(p - ts, 64);
	if (*p != ':')
		return "no ':' after the timestamp";
	p++;
	while (*p == ' ')
		p++;
	l->event = p;
	p = event_end(p, &syscall);
	if (syscall)
		return split_syscall(l, p);
	if (p == l->event || p[-1] != ':')
		return "no EVENT: after the timestamp";
	p[-1] = '\0';
	{
		char *colon = strchr(l->event, ':');

		if (colon) {
			l->event = colon + 1;
			l->perf_style = true;
		}
	}
	return split_rest(l, p, -1);
}

/*
 * split_line from the event name on (l->event terminated), p just past its ':'; mm_page: whether
 * the name starts "mm_page_" (EVK_MM_PAGE), -1 not known yet.
 */
static const char *split_rest(Line *l, char *p, int mm_page)
{
	const char *const name = l->event;

	if (l->event[0] == 'p' && strcmp(l->event, "print") == 0) {
		/*
		 * trace-cmd (report, and a trace.dat's lines) names a trace_marker write's event
		 * "print" and prints "print: tracing_mark_write: TEXT" where tracefs prints
		 * "tracing_mark_write: TEXT": the same marker
		 */
		char *r = p;

		while (*r == ' ')
			r++;
		if (has_prefix(r, "tracing_mark_write:")) {
			l->event = r;
			p = r + strlen("tracing_mark_write:");
			p[-1] = '\0';
		}
	}
	if (l->event[0] == 's' &&
	    (has_prefix(l->event, "sys_enter_") || has_prefix(l->event, "sys_exit_"))) {
		/* perf: "syscalls:sys_enter_mmap: addr: 0x..., ..." / "sys_exit_mmap: 0x..." */
		bool enter = l->event[4] == 'e' && l->event[5] == 'n';

		g_strlcpy(l->sysname, l->event + (enter ? 10 : 9), sizeof(l->sysname));
		return split_sys_args(l, p, enter);
	}
	/*
	 * raw is read by markers, the compaction events' range and filemap's dev, not by the
	 * mm_page_* events, most of a recording's lines
	 */
	if (mm_page < 0 || l->event != name)
		mm_page = has_prefix(l->event, "mm_page_");
	if (!mm_page) {
		const char *r = p;
		gsize n;

		while (*r == ' ')
			r++;
		/* as g_strlcpy, without reading the rest of the line */
		n = strnlen(r, sizeof(l->raw) - 1);
		memcpy(l->raw, r, n);
		l->raw[n] = '\0';
	}
	split_payload(p, l);
	return NULL;
}

static const char *kv(const Line *l, const char *key)
{
	/* the first character first: most keys of a line differ there (a strcmp call each) */
	for (int i = 0; i < l->nkv; i++)
		if (l->key[i][0] == key[0] && strcmp(l->key[i], key) == 0)
			return l->val[i];
	return NULL;
}

/* ---- the importer -------------------------------------------------------------------------- */

/*
 * Output is held back while a free may still move to its commit. free_unref_folios (the freeing
 * of a folio batch: LRU release, munmap, exit) first runs free_pages_prepare on every folio of
 * the batch, which fires mm_page_free, and only then puts them on the pcp list one by one, each
 * after its mm_page_free_batched, draining (mm_page_pcpu_drain) between them when the list runs
 * over. The page reaches the allocator at the second event, so that is where its free record
 * goes: a free of cpu c is held until the next record of c tells (its mm_page_free_batched moves
 * it there, with that time; anything else releases it where it was). Otherwise a batch's drains
 * would follow all of its frees, and the fidelity report would take several free_pcppages_bulk
 * calls for one (ftrace-build-6.18: 5 free_high drains of kdamond.0 looked like one).
 * Records behind a held free wait in a ring; when it is full the oldest held free is released.
 */
#define IMP_RING     8192  /* records; a power of two */
#define IMP_HELD_MAX 64	   /* frees of one cpu; a folio batch has at most 31 */
#define PORT_WRITE   0x100 /* a dropped pfn's value: allocated with __GFP_WRITE */
#define IMP_PC_HOLD  4096  /* records an allocation waits for its mm_filemap_add_to_page_cache */
#define IMP_PC_SLOTS 8192  /* im->pc: a power of two, at most half full */
G_STATIC_ASSERT(IMP_PC_SLOTS >= 2 * IMP_PC_HOLD && (IMP_PC_SLOTS & (IMP_PC_SLOTS - 1)) == 0);
G_STATIC_ASSERT(IMP_PC_HOLD < IMP_RING);

enum { OUT_READY, OUT_HELD, OUT_GONE, OUT_HELD_ALLOC };
enum { LAST_OTHER, LAST_FREE, LAST_BATCHED, LAST_COMMIT_DRAIN };

/*
 * A ring record: its event without the four text fields (comm, mempolicy, name, file/memcg), 156
 * of a PsTraceEvent's 376 bytes (x86-64), and those in a side array (OutText, by ring position)
 * only for an event that has one (a proc record; the allocations, frees and observed records that
 * fill the ring have none). The ring holds up to IMP_PC_HOLD records behind a held allocation:
 * whole events made that window 1.5 MB, which the copy in and the read out missed in the cache
 * (perf: the struct copy and the state load, 7 % of the parse thread); packed it is 0.65 MB.
 */
#define EV_PACKED                                                                                  \
	(PS_TRACE_EV_SEG1_END + (PS_TRACE_EV_SEG2_END - PS_TRACE_EV_SEG2) +                        \
	 (PS_TRACE_EV_SEG3_END - PS_TRACE_EV_SEG3) + (sizeof(PsTraceEvent) - PS_TRACE_EV_SEG4))

typedef struct {
	unsigned char p[EV_PACKED]; /* the event's fields but the texts, in order */
	uint8_t state;
	bool text; /* its texts are in the side array */
} OutRec;

typedef struct {
	char comm[sizeof(((PsTraceEvent *)0)->comm)];
	char mempolicy[sizeof(((PsTraceEvent *)0)->mempolicy)];
	char name[sizeof(((PsTraceEvent *)0)->name)];
	char file[sizeof(((PsTraceEvent *)0)->file)];
} OutText;

typedef struct {
	uint64_t seq[IMP_HELD_MAX]; /* ring positions of held frees, oldest first */
	int n;
	uint8_t last; /* LAST_*: what this cpu's previous record was */
	int8_t irq;   /* the held frees' context (enum ps_irq_ctx) */
} CpuHold;

/* A cpu's last migrate:remove_migration_pte (see note_migration). */
typedef struct {
	uint64_t pfn; /* the page it mapped: where the folio went */
	int pid;      /* of that record; -1: none, or another record of the cpu came since */
} MigPte;

/*
 * A task's open compaction migrate step (see note_compaction_window): from
 * mm_compaction_isolate_migratepages with nr_taken > 0 to the step's mm_compaction_migratepages.
 */
typedef struct {
	uint64_t start, end; /* the migrate scanner's range=(start ~ end) */
	int pid;	     /* the compacting task */
} CompWin;

/*
 * A table by pfn for the per-pfn state of alloc_pages_bulk's followed lists, the live allocations
 * and the first pass's last naming lines: one probe per line where a GHashTable cost a hash, a
 * bucket walk and an allocation per insert. The pfns come in runs (a pcp refill's rmqueue_bulk
 * takes a batch of pages split from one buddy block), so the slots are kept in leaves of
 * PFN_LEAF neighbouring pfns found through a directory of leaves (open addressing, linear probing,
 * no deletion) and the last leaf used: a pfn next to the previous one is in the same leaf, mostly
 * the same cache line. A table hashed by pfn scattered them: on ftrace-build-6.18 its 63 k pfns
 * filled three 3 MB tables whose probes missed the cache, 30 % of the parse thread's time (perf
 * cpu-clock samples on the first load of the probe) for 4 % of its instructions; the same pfns are
 * in 2,720 leaves of 64 (572 pageblocks). The cost is a text whose pfns are all apart: a leaf (1
 * KiB) each, against 48 bytes a pfn hashed; the 2-node qemu recording's 368 k pfns are in 5,766
 * leaves (import max RSS 332 -> 263 MB). A slot not yet written is zero, as an absent one reads:
 * every user takes a zero a or b for "none".
 */
#define PFN_LEAF_SHIFT 6
#define PFN_LEAF       (1u << PFN_LEAF_SHIFT)

typedef struct {
	uint64_t a;
	int64_t b;
} PfnSlot;

typedef struct {
	uint64_t key;  /* (pfn >> PFN_LEAF_SHIFT) + 1; 0: empty */
	PfnSlot *leaf; /* PFN_LEAF slots, zeroed when made */
} PfnDir;

typedef struct {
	PfnDir *d;
	size_t mask; /* directory entries - 1, a power of two */
	size_t n;    /* leaves */
	uint64_t last_key;
	PfnSlot *last_leaf;
} PfnTab;

static size_t pfntab_home(const PfnTab *t, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & t->mask;
}

/* The leaf of key; made (zeroed) when absent and add, else NULL then. */
static PfnSlot *pfntab_leaf(PfnTab *t, uint64_t key, bool add)
{
	size_t i;

	if (add && (t->n + 1) * 2 > t->mask + 1) {
		PfnTab g = {g_new0(PfnDir, t->d ? (t->mask + 1) * 2 : 1024),
			    t->d ? t->mask * 2 + 1 : 1023, t->n, 0, NULL};

		for (size_t j = 0; t->d && j <= t->mask; j++) {
			if (!t->d[j].key)
				continue;
			for (i = pfntab_home(&g, t->d[j].key); g.d[i].key; i = (i + 1) & g.mask)
				;
			g.d[i] = t->d[j];
		}
		g_free(t->d);
		*t = g;
	}
	if (!t->d)
		return NULL;
	for (i = pfntab_home(t, key); t->d[i].key; i = (i + 1) & t->mask)
		if (t->d[i].key == key)
			return t->d[i].leaf;
	if (!add)
		return NULL;
	t->n++;
	t->d[i].key = key;
	t->d[i].leaf = g_new0(PfnSlot, PFN_LEAF);
	return t->d[i].leaf;
}

/* pfn's slot (zero when never written); its leaf made when absent and add, else NULL then */
static inline PfnSlot *pfntab_get(PfnTab *t, uint64_t pfn, bool add)
{
	uint64_t key = (pfn >> PFN_LEAF_SHIFT) + 1;
	PfnSlot *leaf;

	if (key != t->last_key) {
		leaf = pfntab_leaf(t, key, add);
		if (!leaf)
			return NULL;
		t->last_key = key;
		t->last_leaf = leaf;
	}
	return &t->last_leaf[pfn & (PFN_LEAF - 1)];
}

static void pfntab_clear(PfnTab *t)
{
	for (size_t j = 0; t->d && j <= t->mask; j++)
		g_free(t->d[j].leaf);
	g_free(t->d);
	memset(t, 0, sizeof(*t));
}

/*
 * The first pass (first_step), read ahead of the main pass (see prepass). Per naming line (seq),
 * bits of Imp's bulk_next_ok / bulk_next_free and here of fin: its bits are final (the pfn's next
 * naming line has been read, and the line's interrupt run, if any, is decided); at the end of
 * the text all are.
 */
typedef struct {
	bool on;	   /* a first pass reads the text */
	bool bulk, vmstat; /* what it still looks for */
	bool eof;	   /* it has read the whole text */
	bool nul;	   /* it has read a line with a NUL byte */
	PsLineReader *in;  /* its own reader of a text not kept; NULL: im->in's */
	PsTraceDat *dat;   /* a trace.dat read a second time */
	uint64_t lines;	   /* lines (trace.dat events) read */
	uint64_t n;	   /* naming lines read */
	size_t words;	   /* room in the bit arrays, 64 naming lines a word */
	uint64_t *fin;	   /* [words] */
	PfnTab last;	   /* per pfn: its last naming line + 1 (a), that line's run + 1 (b) */
	GPtrArray *runs;   /* interrupt runs of frees: each its seqs (GArray of uint64_t) */
	struct FirstRun *run_st; /* [runs->len] */
	guint run_cap;
	int *open_run; /* [hdr.cpus]: the cpu's open run, -1 none */
	/*
	 * Assuming (see prepass): lines ahead of the main pass past which a line's bits not yet
	 * final are assumed (0: never); checks: the decisions that used an assumed line, checked
	 * at the end (first_check): per decision n << 1 | refill, for a refill its until, then the
	 * n lines
	 */
	uint64_t assume_after;
	GArray *checks;
} First;

typedef struct {
	PsLineReader *in; /* the text (kept for the passes after the first: next_pass), or */
	bool in_read;	  /* a pass has read from in */
	/*
	 * the main pass reads in's lines behind the first pass (ps_line_reader_follow); main_lines:
	 * the lines the main pass has taken
	 */
	bool follow;
	uint64_t main_lines;
	First first;
	EvMemo ev_memo[EV_MEMO]; /* the event names seen (ev_lookup) */
	EvMemo ev_spill;	 /* a name too long for them */
	/* with follow: the first pass's LineHint of the line numbered n at n & hints_mask */
	LineHint *hints;
	size_t hints_mask;
	/*
	 * the first pass read the whole kept text and found no NUL byte: the main pass, which reads
	 * the same bytes (a rewind, not a reopen), does not look for one in each line again
	 */
	bool nul_free;
	bool first_nul_free; /* the first pass's finding, until next_pass knows the text is kept */
	PsTraceDat *dat;     /* a trace.dat's events as report text */
	const char *dat_path;
	PsTraceWriter *w;
	PsImportStats *st;
	PsTraceHeader hdr;
	PfnTab live;	   /* per pfn, a: (id << 5 | order) + 1 of its live allocation, 0 none */
	uint64_t nr_live;  /* pfns with a live allocation */
	GHashTable *comms; /* pid -> comm (g_strdup) */
	/*
	 * note_proc's last lookup in comms (comm_pid's value, NULL none; comm_pid -1 nothing
	 * cached): consecutive lines are mostly one task's, and the lookup ran on every line
	 */
	int comm_pid;
	const char *comm_cached;
	uint64_t next_id;
	uint64_t t0, last_t;
	bool have_t0;
	/* the search for vmstat_update's first run (vmstat_note), in the main pass or the first
	 * (prepass) */
	bool vs_open; /* the main pass still looks */
	bool vs_have_t0;
	uint64_t vs_t0;
	GHashTable *compacting; /* pid -> CompactReq* of tasks inside a compaction request */
	OutRec *ring;		/* [IMP_RING], positions q_head .. q_tail - 1 */
	OutText *ring_text;	/* [IMP_RING]: the texts of the records that have one */
	uint64_t q_head, q_tail;
	CpuHold *hold; /* [hdr.cpus] */
	MigPte *mig;   /* [hdr.cpus] (note_migration) */
	GArray *cwin;  /* CompWin: the open migrate steps, one a task (note_compaction_window) */
	GArray *cfree; /* uint64_t start, end pairs: the free scanner's isolated ranges */
	GArray *moved; /* uint64_t id << 5 | order of allocations moved to an unnamed pfn */
	guint moved_head;
	GError *err;
	/* --portable (see the portable section below) */
	bool portable;
	GHashTable *tasks;	/* pid -> PTask* */
	GHashTable *dropped;	/* pfn -> order + 1 of user pages left to touch and cache ops,
				 * | PORT_WRITE for a write's folio */
	GHashTable *in_reclaim; /* pids between direct reclaim begin and end */
	GHashTable *named;	/* pfns an allocator event of the recording named (port_named) */
	bool port_observed;	/* opts->portable_observed */
	GArray *held_obs;	/* PsTraceEvent: observed records behind the pending cache record */
	/* [hdr.cpus], --observed: the cpu's last line was a pcp refill's mm_page_alloc_zone_locked
	 * (port_named); refill_end: the line being imported is the first after such a run */
	bool *refill_open;
	bool refill_end;
	/*
	 * The pcp lists at the start (note_pcp_start), a portable import only: the pfns an
	 * allocator event named, and per cpu, order (up to PS_TRACE_PCP_START_ORDER) and pcp
	 * migratetype the pages first named by a pcp allocation or drain of that cpu
	 */
	GHashTable *start_named;
	uint64_t *start_pages; /* [(cpu * (PS_TRACE_PCP_START_ORDER + 1) + order) * 3 + mt] */
	/* the zones "pagesim-zone:" markers named: first and last managed / spanned */
	struct {
		int node;
		char zone[16];
		uint64_t managed[2], spanned[2];
	} zs[IMP_MAX_ZONE_SAMPLES];
	int nr_zs;
	/* "pagesim-online: ... state=onlining" windows still open (see note_online) */
	struct {
		int pid, node, zone;
		uint64_t pfn, pages;
		bool grown; /* its zone_grow record is written */
	} onl[IMP_MAX_ONLINING];
	int nr_onl;
	PsTraceEvent pending; /* a cache_add / cache_remove still growing */
	bool have_pending;
	GHashTable *shmem;    /* movable allocation number -> ShmemAdd* (shmem_prepass) */
	GHashTable *ra_pairs; /* movable allocation numbers of failed readahead pages (same) */
	/* allocations held until their page-cache fate is known (exact; see pc_hold): an open
	 * addressing table pfn -> ring position, IMP_PC_SLOTS slots, and the held ones in order */
	struct PcSlot {
		uint64_t pfn; /* + 1; 0: empty */
		uint64_t seq;
	} * pc;
	uint64_t movable_seq; /* movable allocations so far */
	/* opts->mempolicies: the next one to apply; pid -> current policy (g_strdup) */
	const PsImportMempolicy *mpols;
	int n_mpols, next_mpol;
	GHashTable *policies;
	/* pid -> memcg path (the tasks file, then cgroup_attach_task); memcg_start: the tasks
	 * file's "*" line, the memcg of a task first seen in the trace; NULL: no tasks file */
	GHashTable *memcgs;
	char *memcg_start;
	/* recent gfp_flags texts and their masks (mm/gfp.c splits and allocates on every call) */
	struct {
		char text[IMP_GFP_SLOT];
		uint64_t gfp;
	} gfp_memo[IMP_GFP_SLOTS];
	unsigned gfp_next;
	int pmd_order; /* the recording's PMD order: the pcp lists take it (pcp_allowed_order) */
	/* the cpu column of the portable line being imported: its map, touch, unmap and exit
	 * records run on it (the fault's or the syscall's cpu, as the page allocations did) */
	int port_cpu;
	/*
	 * alloc_pages_bulk's untraced takes (see bulk_take): the naming lines so far (bulk_seq),
	 * whether it is on (bulk_on), the first pass's bit per naming line (set: the pfn's next
	 * naming line is an mm_page_free, or there is none; asked through first_known), the
	 * same bit when that next line is an mm_page_free only (bulk_next_free: the page was
	 * allocated in between, untraced), the
	 * pcp lists as the trace shows them (bulk_lists by cpu, order and migratetype: the first
	 * and last of its entries in bulk_ent; bulk_pfn: pfn -> its entry, a) and each pfn's
	 * pageblock type as a record last named it (bulk_pfn: pfn -> migratetype + 1, b)
	 */
	uint64_t bulk_seq;
	bool bulk_on;
	uint64_t *bulk_next_ok;
	uint64_t *bulk_next_free;
	struct BulkList {
		uint32_t head, tail; /* entries (index + 1 in bulk_ent); 0: empty */
	} * bulk_lists;
	struct BulkEnt *bulk_ent; /* [bulk_ent_cap]: the followed pages, a pool */
	uint32_t bulk_ent_cap, bulk_ent_used, bulk_ent_free; /* free: a chain by next, 0 none */
	PfnTab bulk_pfn;
	int *bulk_refill;     /* per cpu: the list its refill records fill now + 1, else 0 */
	GArray *bulk_assumed; /* uint64_t: a decision's lines with assumed bits (first_note) */
	/* a refill that may go on (bulk_refill_end): its last record, its list + 1 */
	PsTraceEvent bulk_end_ev;
	int bulk_end_list;
} Imp;

/*
 * im->in at the first line for a pass over the text at path: opened (kept, unless this first pass
 * is the last), else rewound to the kept text, else (standard input, a text past IMP_KEEP_MAX)
 * opened again. last: the main pass, which takes its lines in place.
 */
static gboolean next_pass(Imp *im, const char *path, bool last, GError **error)
{
	im->nul_free = false;
	if (im->in && im->in_read && ps_line_reader_rewind(im->in, last))
		im->nul_free = last && im->first_nul_free;
	else if (im->in && im->in_read)
		g_clear_pointer(&im->in, ps_line_reader_close);
	if (!im->in) {
		im->in =
		    last ? ps_line_reader_open(path, PS_TRACE_LINE_MAX, error)
			 : ps_line_reader_open_kept(path, PS_TRACE_LINE_MAX, IMP_KEEP_MAX, error);
		if (!im->in) {
			ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
						PS_TRACE_ERROR_PARSE);
			return FALSE;
		}
	}
	im->in_read = true;
	return TRUE;
}

/* What a task's compaction events belong to (see note_compaction). */
typedef struct {
	bool direct;	     /* mm_compaction_try_to_compact_pages came first */
	bool requested;	     /* a compact record was written for this request */
	uint64_t zone_start; /* of its latest mm_compaction_begin */
} CompactReq;

static gboolean line_error(Imp *im, GError **error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean line_error(Imp *im, GError **error, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (im->dat)
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: event %" PRIu64 ": %s", im->dat_path, ps_tracedat_events(im->dat),
			    msg);
	else
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s:%" PRIu64 ": %s",
			    ps_line_reader_name(im->in),
			    im->follow ? ps_line_reader_behind_line(im->in)
				       : ps_line_reader_line(im->in),
			    msg);
	return FALSE;
}

/* ps_gfp_parse through im's memo of recent texts; the error is ps_gfp_parse's. */
static gboolean parse_gfp(Imp *im, const char *s, uint64_t *gfp, GError **error)
{
	gsize len = strnlen(s, IMP_GFP_SLOT);
	unsigned i;

	if (len > 0 && len < IMP_GFP_SLOT) {
		for (i = 0; i < IMP_GFP_SLOTS; i++) {
			if (memcmp(im->gfp_memo[i].text, s, len + 1) == 0) {
				*gfp = im->gfp_memo[i].gfp;
				return TRUE;
			}
		}
	}
	if (!ps_gfp_parse(s, gfp, error))
		return FALSE;
	if (len > 0 && len < IMP_GFP_SLOT) {
		i = im->gfp_next++ % IMP_GFP_SLOTS;
		memcpy(im->gfp_memo[i].text, s, len + 1);
		im->gfp_memo[i].gfp = *gfp;
	}
	return TRUE;
}

/* A character's value as a hex digit; 16 for any other character. */
static const uint8_t hex_value[256] = {
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    0,	1,  2,	3,  4,	5,  6,	7,  8,	9,  16, 16, 16, 16, 16, 16, 16, 10, 11, 12, 13, 14, 15, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
};

/*
 * The common value at v: decimal digits, or 0x and hex digits, within u64 (what g_ascii_strtoull
 * gives for it, without its locale-free set-up and sign handling); *stop: the first character
 * past the digits. False for a value without digits or past u64.
 */
static bool plain_u64_to(const char *v, const char **stop, uint64_t *out)
{
	uint64_t x = 0;
	const char *p = v;

	if (p[0] == '0' && p[1] == 'x') {
		for (p += 2;; p++) {
			unsigned d = hex_value[(guchar)*p];

			if (d > 15)
				break;
			if (x >> 60)
				return false;
			x = x << 4 | d;
		}
		if (p == v + 2)
			return false;
	} else {
		/* 19 digits cannot wrap a u64; checked one by one only past that */
		for (; is_digit(*p) && p - v < 19; p++)
			x = x * 10 + (uint64_t)(*p - '0');
		for (; is_digit(*p); p++) {
			uint64_t d = (uint64_t)(*p - '0');

			if (x > (UINT64_MAX - d) / 10)
				return false;
			x = x * 10 + d;
		}
		if (p == v)
			return false;
	}
	*stop = p;
	*out = x;
	return true;
}

/*
 * A whole value of the common form (plain_u64_to); false for anything else: the caller asks
 * g_ascii_strtoull, which judges it as before.
 */
static bool plain_u64(const char *v, uint64_t *out)
{
	const char *stop;

	return plain_u64_to(v, &stop, out) && !*stop;
}

static gboolean get_u64(Imp *im, const Line *l, const char *key, uint64_t *out, GError **error)
{
	const char *v;
	char *end = NULL;

	/* a naming line's pfn as the first pass read it (scan_kv and scan_u64 read it as here) */
	if (l->pfn_ok && key[0] == 'p' && key[1] == 'f' && key[2] == 'n' && !key[3]) {
		*out = l->pfn;
		return TRUE;
	}
	v = kv(l, key);
	if (!v)
		return line_error(im, error, "%s: %s: missing", l->event, key);
	if (plain_u64(v, out))
		return TRUE;
	errno = 0;
	*out = g_ascii_strtoull(v, &end, v[0] == '0' && v[1] == 'x' ? 16 : 10);
	if (end == v || *end || errno)
		return line_error(im, error, "%s: %s: '%s' is not a number", l->event, key, v);
	return TRUE;
}

/* A count into ev->value (clamped to its range). */
static gboolean get_value(Imp *im, const Line *l, const char *key, PsTraceEvent *ev, GError **error)
{
	uint64_t n;

	if (!get_u64(im, l, key, &n, error))
		return FALSE;
	ev->value = (int64_t)MIN(n, (uint64_t)INT64_MAX);
	return TRUE;
}

static gboolean get_int(Imp *im, const Line *l, const char *key, int lo, int hi, int *out,
			GError **error)
{
	const char *v = kv(l, key);
	char *end = NULL;
	gint64 x;

	if (!v)
		return line_error(im, error, "%s: %s: missing", l->event, key);
	if (is_digit(v[0]) && !v[1] && v[0] - '0' >= lo && v[0] - '0' <= hi) {
		*out = v[0] - '0'; /* an order, a migratetype */
		return TRUE;
	}
	x = g_ascii_strtoll(v, &end, 10);
	if (end == v || *end || x < lo || x > hi)
		return line_error(im, error, "%s: %s: '%s' is not an integer %d..%d", l->event, key,
				  v, lo, hi);
	*out = (int)x;
	return TRUE;
}

static gboolean write_out(Imp *im, const PsTraceEvent *ev, GError **error)
{
	GError *local = NULL;

	if (!ps_trace_writer_write(im->w, ev, &local)) {
		line_error(im, error, "%s", local->message);
		g_error_free(local);
		return FALSE;
	}
	return TRUE;
}

#define RING(im, seq) (&(im)->ring[(seq) & (IMP_RING - 1)])

/* ev into the ring record at seq (see OutRec). */
static void ring_pack(Imp *im, uint64_t seq, const PsTraceEvent *ev)
{
	OutRec *o = RING(im, seq);
	const unsigned char *e = (const unsigned char *)ev;
	unsigned char *p = o->p;

	memcpy(p, e, PS_TRACE_EV_SEG1_END);
	p += PS_TRACE_EV_SEG1_END;
	memcpy(p, e + PS_TRACE_EV_SEG2, PS_TRACE_EV_SEG2_END - PS_TRACE_EV_SEG2);
	p += PS_TRACE_EV_SEG2_END - PS_TRACE_EV_SEG2;
	memcpy(p, e + PS_TRACE_EV_SEG3, PS_TRACE_EV_SEG3_END - PS_TRACE_EV_SEG3);
	p += PS_TRACE_EV_SEG3_END - PS_TRACE_EV_SEG3;
	memcpy(p, e + PS_TRACE_EV_SEG4, sizeof(PsTraceEvent) - PS_TRACE_EV_SEG4);
	/* file shares its bytes with an observed begin's compaction start, which starts with a
	 * pfn whose low byte may be 0 */
	o->text = ev->comm[0] || ev->mempolicy[0] || ev->name[0] || ev->file[0] ||
		  (ev->op == PS_OP_OBSERVED && ev->compact.has_start);
	if (o->text) {
		OutText *t = &im->ring_text[seq & (IMP_RING - 1)];

		memcpy(t->comm, ev->comm, sizeof(t->comm));
		memcpy(t->mempolicy, ev->mempolicy, sizeof(t->mempolicy));
		memcpy(t->name, ev->name, sizeof(t->name));
		memcpy(t->file, ev->file, sizeof(t->file));
	}
}

/* The event of the ring record at seq (empty texts when it has none, as ps_trace_event_init). */
static void ring_unpack(const Imp *im, uint64_t seq, PsTraceEvent *ev)
{
	const OutRec *o = RING(im, seq);
	unsigned char *e = (unsigned char *)ev;
	const unsigned char *p = o->p;

	memcpy(e, p, PS_TRACE_EV_SEG1_END);
	p += PS_TRACE_EV_SEG1_END;
	memcpy(e + PS_TRACE_EV_SEG2, p, PS_TRACE_EV_SEG2_END - PS_TRACE_EV_SEG2);
	p += PS_TRACE_EV_SEG2_END - PS_TRACE_EV_SEG2;
	memcpy(e + PS_TRACE_EV_SEG3, p, PS_TRACE_EV_SEG3_END - PS_TRACE_EV_SEG3);
	p += PS_TRACE_EV_SEG3_END - PS_TRACE_EV_SEG3;
	memcpy(e + PS_TRACE_EV_SEG4, p, sizeof(PsTraceEvent) - PS_TRACE_EV_SEG4);
	if (o->text) {
		const OutText *t = &im->ring_text[seq & (IMP_RING - 1)];

		memcpy(ev->comm, t->comm, sizeof(t->comm));
		memcpy(ev->mempolicy, t->mempolicy, sizeof(t->mempolicy));
		memcpy(ev->name, t->name, sizeof(t->name));
		memcpy(ev->file, t->file, sizeof(t->file));
	} else {
		memset(ev->comm, 0, sizeof(ev->comm));
		memset(ev->mempolicy, 0, sizeof(ev->mempolicy));
		memset(ev->name, 0, sizeof(ev->name));
		memset(ev->file, 0, sizeof(ev->file));
	}
}

/* Fields of the first packed part, which is laid out as in a PsTraceEvent. */
#define RING_FIELD(o, field, out)                                                                  \
	memcpy(&(out), (o)->p + offsetof(PsTraceEvent, field), sizeof(out))
#define RING_SET_FIELD(o, field, in)                                                               \
	memcpy((o)->p + offsetof(PsTraceEvent, field), &(in), sizeof(in))
G_STATIC_ASSERT(offsetof(PsTraceEvent, pfn) + sizeof(uint64_t) <= PS_TRACE_EV_SEG1_END &&
		offsetof(PsTraceEvent, order) + sizeof(int) <= PS_TRACE_EV_SEG1_END &&
		offsetof(PsTraceEvent, kind) + sizeof(enum ps_alloc_kind) <= PS_TRACE_EV_SEG1_END);

static uint64_t ring_pfn(const Imp *im, uint64_t seq)
{
	uint64_t pfn;

	RING_FIELD(RING(im, seq), pfn, pfn);
	return pfn;
}

static int ring_order(const Imp *im, uint64_t seq)
{
	int order;

	RING_FIELD(RING(im, seq), order, order);
	return order;
}

/*
 * The allocations held for the page cache (see do_alloc): im->pc maps each one's pfn to its ring
 * position, open addressing with linear probing, no tombstones (deletion shifts back).
 * Hand-written rather than another GHashTable like `live`: IMP_PC_HOLD bounds it to half of a
 * fixed array (no resize, no allocation, no hash callback) on the parse thread's per-allocation
 * path, which bench-trace measures (issue 16 item 3).
 */
static uint64_t pc_home(uint64_t pfn)
{
	return ((pfn * 0x9e3779b97f4a7c15ull) >> 40) & (IMP_PC_SLOTS - 1);
}

/* pfn's slot, or the empty one where it would go. */
static struct PcSlot *pc_slot(Imp *im, uint64_t pfn)
{
	for (uint64_t i = pc_home(pfn);; i = (i + 1) & (IMP_PC_SLOTS - 1))
		if (im->pc[i].pfn == pfn + 1 || im->pc[i].pfn == 0)
			return &im->pc[i];
}

static void pc_remove(Imp *im, struct PcSlot *slot)
{
	uint64_t i = (uint64_t)(slot - im->pc), j = i;

	for (;;) {
		uint64_t home;

		j = (j + 1) & (IMP_PC_SLOTS - 1);
		if (!im->pc[j].pfn)
			break;
		/* j's entry may fill the hole at i unless its home lies cyclically in (i, j] */
		home = pc_home(im->pc[j].pfn - 1);
		if (i <= j ? home <= i || home > j : home <= i && home > j) {
			im->pc[i] = im->pc[j];
			i = j;
		}
	}
	im->pc[i].pfn = 0;
}

/*
 * The held allocation of pfn, if any, leaves the hold: a page-cache folio when file, otherwise
 * an allocation written as recorded. Whether one was held.
 */
static bool pc_take(Imp *im, uint64_t pfn, bool file)
{
	struct PcSlot *sl = pc_slot(im, pfn);
	OutRec *o;

	if (!sl->pfn)
		return false;
	o = RING(im, sl->seq);
	if (file) {
		enum ps_alloc_kind kind = PS_KIND_FILE;

		RING_SET_FIELD(o, kind, kind);
		im->st->page_cache_allocs++;
		im->st->page_cache_pages += 1ull << ring_order(im, sl->seq);
	}
	o->state = OUT_READY;
	pc_remove(im, sl);
	return true;
}

/* Writes the ring's records up to the first held one. */
static gboolean flush_ring(Imp *im, GError **error)
{
	for (; im->q_head < im->q_tail; im->q_head++) {
		OutRec *o = RING(im, im->q_head);

		if (o->state == OUT_HELD || o->state == OUT_HELD_ALLOC)
			break;
		if (o->state == OUT_READY) {
			PsTraceEvent ev;

			ring_unpack(im, im->q_head, &ev);
			if (!write_out(im, &ev, error))
				return FALSE;
		}
	}
	return TRUE;
}

/* A held position still in the ring (one released when the ring was full has left it). */
static OutRec *held_at(Imp *im, uint64_t seq)
{
	OutRec *o = RING(im, seq);

	return seq >= im->q_head && o->state == OUT_HELD ? o : NULL;
}

static void release(Imp *im, uint64_t seq)
{
	OutRec *o = held_at(im, seq);

	if (o)
		o->state = OUT_READY;
	else if (seq >= im->q_head && RING(im, seq)->state == OUT_HELD_ALLOC)
		pc_take(im, ring_pfn(im, seq), false);
}

/* The held frees of cpu: where they were recorded is where they happened. */
static gboolean release_cpu(Imp *im, int cpu, GError **error)
{
	CpuHold *h = &im->hold[cpu];

	for (int i = 0; i < h->n; i++)
		release(im, h->seq[i]);
	h->n = 0;
	return flush_ring(im, error);
}

/* Queues a record (held: a free that may still move); straight out when nothing waits. */
static gboolean write_ev_state(Imp *im, const PsTraceEvent *ev, uint8_t state, GError **error)
{
	OutRec *o;

	if (state == OUT_READY && im->q_head == im->q_tail)
		return write_out(im, ev, error);
	/* an allocation held IMP_PC_HOLD records is no page-cache folio the trace shows */
	if (im->pc && im->q_tail >= IMP_PC_HOLD && im->q_tail - IMP_PC_HOLD >= im->q_head &&
	    RING(im, im->q_tail - IMP_PC_HOLD)->state == OUT_HELD_ALLOC) {
		pc_take(im, ring_pfn(im, im->q_tail - IMP_PC_HOLD), false);
		if (!flush_ring(im, error))
			return FALSE;
	}
	if (im->q_tail - im->q_head == IMP_RING) {
		/* full: its head is a held free (a held allocation left at IMP_PC_HOLD) */
		release(im, im->q_head);
		if (!flush_ring(im, error))
			return FALSE;
	}
	o = RING(im, im->q_tail);
	ring_pack(im, im->q_tail++, ev);
	o->state = state;
	return TRUE;
}

static void bulk_remove(Imp *im, uint64_t pfn);
static gboolean flush_pending(Imp *im, GError **error);
static gboolean port_write_observed(Imp *im, const PsTraceEvent *ev, GError **error);

static gboolean write_ev(Imp *im, const PsTraceEvent *ev, GError **error)
{
	/* a portable import's cache range still growing goes first: time order */
	if (im->have_pending && !flush_pending(im, error))
		return FALSE;
	return write_ev_state(im, ev, OUT_READY, error);
}

/*
 * Whether the task of cpu is inside free_unref_folios' loop of commits, holding the cpu's pcp
 * lock (Linux 6.18 mm/page_alloc.c): the loop takes the lock (pcp_spin_trylock) for the first
 * folio it commits and drops it after the last, and it commits, in order, the folios whose
 * mm_page_free came first and whose order a pcp list takes (pcp_allowed_order: the others went
 * to the buddy in the preparing loop). So once a commit is seen (LAST_BATCHED, or a drain right
 * after one) the lock is held while such a held free still waits for its commit.
 */
static bool in_commit_loop(Imp *im, const CpuHold *h)
{
	if (h->irq != PS_IRQ_NONE || (h->last != LAST_BATCHED && h->last != LAST_COMMIT_DRAIN))
		return false;
	for (int i = 0; i < h->n; i++) {
		OutRec *o = held_at(im, h->seq[i]);
		int order = o ? ring_order(im, h->seq[i]) : -1;

		if (order >= 0 && (order <= PS_PAGE_ALLOC_COSTLY_ORDER || order == im->pmd_order))
			return true;
	}
	return false;
}

/* A free of ev->cpu: held until the cpu's next record says whether it moves (see Imp). */
static gboolean hold_free(Imp *im, const PsTraceEvent *ev, GError **error)
{
	CpuHold *h = &im->hold[ev->cpu];

	/*
	 * An interrupt's free while the task's frees wait for their commits: the interrupt ran
	 * inside the task's free_unref_folios (its softirqs on the exit of a hardware interrupt),
	 * so it ends nothing of the task's batch. It is a free_frozen_pages of its own, committed
	 * where recorded (mm_page_free_batched is free_unref_folios' alone). Inside the loop of
	 * commits the task holds the pcp lock: __free_frozen_pages' pcp_spin_trylock fails and the
	 * page goes to the buddy (free_one_page, no tracepoint), which the record says with
	 * pcp_locked. Realdata qemu-arm64-4k cpu 0 at 2.1148 s (5.762 s in trace.txt): 37 softirq
	 * frees between two commits of churn's batch; the kernel's next drain (2.1153 s) came 37
	 * frees later than a pcp that took them would have drained, and freed free_count pages
	 * that leave them out (104 of 141). Simplification: the lock is per zone, and a free of
	 * another zone's page than the batch's would take that zone's.
	 */
	if (h->n && h->irq == PS_IRQ_NONE && ev->irq != PS_IRQ_NONE) {
		PsTraceEvent locked;

		if (ev->op != PS_OP_FREE || !in_commit_loop(im, h))
			return write_ev_state(im, ev, OUT_READY, error);
		locked = *ev;
		locked.pcp_locked = 1;
		if (im->bulk_on)
			bulk_remove(im, ev->pfn); /* to the buddy */
		im->st->frees_pcp_locked++;
		return write_ev_state(im, &locked, OUT_READY, error);
	}
	if (h->last == LAST_BATCHED || h->last == LAST_COMMIT_DRAIN) {
		/* the batch's commits are over: its frees without one were freed where recorded */
		if (!release_cpu(im, ev->cpu, error))
			return FALSE;
	}
	if (h->n == IMP_HELD_MAX) {
		release(im, h->seq[0]);
		memmove(h->seq, h->seq + 1, sizeof(h->seq[0]) * (IMP_HELD_MAX - 1));
		h->n--;
		if (!flush_ring(im, error))
			return FALSE;
	}
	if (!h->n)
		h->irq = ev->irq;
	h->seq[h->n++] = im->q_tail;
	h->last = LAST_FREE;
	return write_ev_state(im, ev, OUT_HELD, error);
}

/*
 * mm_page_free_batched of pfn on cpu at time t: its held free moves here. Held frees before it
 * had no commit in this batch (orders the pcp lists do not take are freed to the buddy inside
 * free_pages_prepare's loop) and are released where they were.
 */
static gboolean commit_free(Imp *im, int cpu, uint64_t pfn, uint64_t t, int8_t irq, GError **error)
{
	CpuHold *h = &im->hold[cpu];
	PsTraceEvent ev;

	h->last = LAST_BATCHED;
	for (int i = 0; i < h->n; i++) {
		OutRec *o = held_at(im, h->seq[i]);

		if (!o || ring_pfn(im, h->seq[i]) != pfn)
			continue;
		for (int j = 0; j < i; j++)
			release(im, h->seq[j]);
		ring_unpack(im, h->seq[i], &ev);
		o->state = OUT_GONE;
		h->n -= i + 1;
		memmove(h->seq, h->seq + i + 1, sizeof(h->seq[0]) * (size_t)h->n);
		ev.t_ns = t;
		ev.irq = irq; /* the commit's context, not the mm_page_free's */
		im->st->frees_at_commit++;
		return flush_ring(im, error) && write_ev(im, &ev, error);
	}
	im->st->free_batched_unmatched++; /* its mm_page_free came before the trace started */
	return TRUE;
}

/*
 * Any other record of cpu: a drain may belong to a batch's commits, the rest end them; an
 * interrupt's record ends no batch of the task it interrupted (see hold_free).
 */
static gboolean note_cpu_record(Imp *im, int cpu, bool drain, int8_t irq, GError **error)
{
	CpuHold *h = &im->hold[cpu];

	if (h->n && h->irq == PS_IRQ_NONE && irq != PS_IRQ_NONE)
		return TRUE;
	if (drain && (h->last == LAST_BATCHED || h->last == LAST_COMMIT_DRAIN)) {
		h->last = LAST_COMMIT_DRAIN;
		return TRUE;
	}
	h->last = LAST_OTHER;
	return h->n ? release_cpu(im, cpu, error) : TRUE;
}

/* A proc record before the first record of a pid, and when its comm changes. */
static gboolean note_proc(Imp *im, const Line *l, uint64_t t, GError **error)
{
	const char *old = l->pid == im->comm_pid
			      ? im->comm_cached
			      : g_hash_table_lookup(im->comms, GINT_TO_POINTER(l->pid));
	const char *pol;
	PsTraceEvent ev;
	char comm[16];

	/*
	 * The same task name as before, most lines: old is a valid name (or "?") of at most 15
	 * bytes, so the line's name cut to 15 bytes is old when its first 15 bytes are
	 */
	im->comm_pid = l->pid;
	im->comm_cached = old;
	if (old && strncmp(old, l->comm, sizeof(comm) - 1) == 0)
		return TRUE;
	g_strlcpy(comm, l->comm, sizeof(comm));
	if (!g_utf8_validate(comm, -1, NULL))
		g_strlcpy(comm, "?", sizeof(comm));
	if (old && strcmp(old, comm) == 0)
		return TRUE;
	if (old)
		im->st->comm_changes++;
	im->comm_cached = g_strdup(comm);
	g_hash_table_insert(im->comms, GINT_TO_POINTER(l->pid), (gpointer)im->comm_cached);
	ps_trace_event_init(&ev);
	ev.t_ns = t;
	ev.op = PS_OP_PROC;
	ev.pid = l->pid;
	g_strlcpy(ev.comm, comm, sizeof(ev.comm));
	pol = g_hash_table_lookup(im->policies, GINT_TO_POINTER(l->pid));
	if (pol)
		g_strlcpy(ev.mempolicy, pol, sizeof(ev.mempolicy));
	if (im->memcgs) {
		const char *cg = g_hash_table_lookup(im->memcgs, GINT_TO_POINTER(l->pid));

		if (!cg) {
			/* first seen in the trace: started where the command did */
			cg = im->memcg_start;
			g_hash_table_insert(im->memcgs, GINT_TO_POINTER(l->pid), g_strdup(cg));
		}
		g_strlcpy(ev.memcg, cg, sizeof(ev.memcg));
	}
	im->st->procs++;
	return write_ev(im, &ev, error);
}

/*
 * pagesim-capture's tasks file: "PID PATH" per task, "* PATH" the capture's own memcg; '#'
 * lines are comments. A bad line is an error naming it (`file:line: field: what is wrong`).
 */
static gboolean read_tasks(Imp *im, const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) rows = NULL;

	if (!g_file_get_contents(path, &text, NULL, error))
		return FALSE;
	im->memcgs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	rows = g_strsplit(text, "\n", -1);
	for (guint i = 0; rows[i]; i++) {
		g_auto(GStrv) f = NULL;
		g_autoptr(GError) local = NULL;
		char *end;
		uint64_t pid;

		g_strstrip(rows[i]);
		if (!rows[i][0] || rows[i][0] == '#')
			continue;
		f = g_strsplit(rows[i], " ", 2);
		if (g_strv_length(f) != 2) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s:%u: line: not \"PID PATH\"", path, i + 1);
			return FALSE;
		}
		if (!ps_check_memcg_path(f[1], &local)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE, "%s:%u: %s", path,
				    i + 1, local->message);
			return FALSE;
		}
		if (!strcmp(f[0], "*")) {
			g_free(im->memcg_start);
			im->memcg_start = g_strdup(f[1]);
			continue;
		}
		pid = g_ascii_strtoull(f[0], &end, 10);
		if (end == f[0] || *end || pid > 4194304) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s:%u: pid: '%s' is not a pid or *", path, i + 1, f[0]);
			return FALSE;
		}
		g_hash_table_insert(im->memcgs, GINT_TO_POINTER((int)pid), g_strdup(f[1]));
		im->st->memcg_tasks++;
	}
	if (!im->memcg_start)
		im->memcg_start = g_strdup("/");
	return TRUE;
}

/*
 * sched_process_fork with a tasks file: the child starts in the forking task's memcg
 * (cgroup_post_fork). A child never seen before is otherwise taken to start where the command
 * did, which other users' tasks forked meanwhile do not.
 */
static void note_fork_memcg(Imp *im, const Line *l)
{
	const char *cp = kv(l, "child_pid"), *cg;
	char *end;
	uint64_t child;

	if (!im->memcgs || !cp)
		return;
	child = g_ascii_strtoull(cp, &end, 10);
	if (end == cp || *end || !child || child > 4194304)
		return; /* the portable pass reports a bad child_pid */
	cg = g_hash_table_lookup(im->memcgs, GINT_TO_POINTER(l->pid));
	g_hash_table_insert(im->memcgs, GINT_TO_POINTER((int)child),
			    g_strdup(cg ? cg : im->memcg_start));
}

/*
 * cgroup_attach_task (pagesim-capture filters it to the memory hierarchy): task `pid` moved to
 * memcg dst_path. Its later proc records carry it; a task already seen gets one now. Its pages
 * stay charged where they are (sim/memcg.c).
 */
static gboolean note_attach(Imp *im, const Line *l, uint64_t t, GError **error)
{
	const char *path = kv(l, "dst_path"), *pids = kv(l, "pid"), *comm;
	g_autoptr(GError) local = NULL;
	PsTraceEvent ev;
	char *end;
	uint64_t pid;

	if (!im->memcgs) {
		im->st->known_skipped++;
		return TRUE; /* no tasks file: no memcgs at all */
	}
	if (!path || !ps_check_memcg_path(path, &local))
		return line_error(im, error, "cgroup_attach_task: dst_path: %s",
				  local ? local->message : "missing");
	pid = pids ? g_ascii_strtoull(pids, &end, 10) : 0;
	if (!pids || end == pids || *end || pid > 4194304)
		return line_error(im, error, "cgroup_attach_task: pid: missing or bad");
	g_hash_table_insert(im->memcgs, GINT_TO_POINTER((int)pid), g_strdup(path));
	im->st->memcg_moves++;
	comm = g_hash_table_lookup(im->comms, GINT_TO_POINTER((int)pid));
	if (!comm)
		return TRUE; /* its first proc record will carry it */
	ps_trace_event_init(&ev);
	ev.t_ns = t;
	ev.op = PS_OP_PROC;
	ev.pid = (int)pid;
	g_strlcpy(ev.comm, comm, sizeof(ev.comm));
	comm = g_hash_table_lookup(im->policies, GINT_TO_POINTER((int)pid));
	if (comm)
		g_strlcpy(ev.mempolicy, comm, sizeof(ev.mempolicy));
	g_strlcpy(ev.memcg, path, sizeof(ev.memcg));
	return write_ev(im, &ev, error);
}

/*
 * pid's policy becomes `policy` ("" for the default) at trace time t: later proc records carry
 * it, and a pid already seen gets a proc record now, with its comm and the new policy.
 */
static gboolean set_mempolicy(Imp *im, int pid, const char *policy, uint64_t t, GError **error)
{
	const char *comm = g_hash_table_lookup(im->comms, GINT_TO_POINTER(pid));
	PsTraceEvent ev;

	if (policy[0])
		g_hash_table_insert(im->policies, GINT_TO_POINTER(pid), g_strdup(policy));
	else
		g_hash_table_remove(im->policies, GINT_TO_POINTER(pid));
	if (!comm)
		return TRUE; /* its first proc record will carry it */
	ps_trace_event_init(&ev);
	ev.t_ns = t;
	ev.op = PS_OP_PROC;
	ev.pid = pid;
	g_strlcpy(ev.comm, comm, sizeof(ev.comm));
	g_strlcpy(ev.mempolicy, policy, sizeof(ev.mempolicy));
	im->st->mempolicy_changes++;
	return write_ev(im, &ev, error);
}

/* The --mempolicy changes due by the recording's timestamp ts_ns. */
static gboolean note_mempolicies(Imp *im, uint64_t ts_ns, uint64_t t, GError **error)
{
	while (im->next_mpol < im->n_mpols && im->mpols[im->next_mpol].ts_ns <= ts_ns) {
		const PsImportMempolicy *mp = &im->mpols[im->next_mpol++];

		if (!set_mempolicy(im, mp->pid, mp->policy, t, error))
			return FALSE;
	}
	return TRUE;
}

/*
 * A "pagesim-mempolicy: POLICY" line the traced program wrote to trace_marker right after its
 * set_mempolicy() (tools/lab/numa-policies.c): the writing task's policy from here on. POLICY
 * is what --mempolicy takes after '='; a bad one is an error naming the line.
 */
/* The KEY=VALUE words of a marker: val[k] points at keys[k]'s value in tok, or stays NULL. */
static void marker_values(char **tok, const char *const *keys, size_t n, const char **val)
{
	for (int i = 0; tok[i]; i++) {
		const char *eq = strchr(tok[i], '=');

		for (size_t k = 0; eq && k < n; k++)
			if ((size_t)(eq - tok[i]) == strlen(keys[k]) &&
			    strncmp(tok[i], keys[k], strlen(keys[k])) == 0)
				val[k] = eq + 1;
	}
}

/*
 * A "pagesim-zone: node=N zone=NAME spanned=S present=P managed=M" line pagesim-capture
 * --zone-sample-ms wrote from /proc/zoneinfo while tracing: counted, and each zone's growth
 * between its first and last sample summed into the stats (zones grow while recording when the
 * kernel initialises memory lazily or memory is hot-added; tracefs has no event for it).
 */
static gboolean note_zone_sample(Imp *im, const Line *l, GError **error)
{
	g_auto(GStrv) tok = g_strsplit_set(l->raw + strlen("pagesim-zone:"), " \t", -1);
	static const char *const keys[] = {"node", "zone", "spanned", "present", "managed"};
	const char *val[G_N_ELEMENTS(keys)] = {NULL};
	uint64_t num[G_N_ELEMENTS(keys)] = {0};
	int z;

	marker_values(tok, keys, G_N_ELEMENTS(keys), val);
	for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
		if (!val[k] || !val[k][0])
			return line_error(im, error,
					  "tracing_mark_write: pagesim-zone: %s: missing", keys[k]);
		if (k != 1 && !g_ascii_string_to_unsigned(val[k], 10, 0,
							  k == 0 ? PS_MAX_NODES - 1 : G_MAXUINT64,
							  &num[k], NULL))
			return line_error(im, error,
					  "tracing_mark_write: pagesim-zone: %s: '%s' is not a "
					  "number%s",
					  keys[k], val[k], k == 0 ? " below the node limit" : "");
	}
	if (strlen(val[1]) >= sizeof(im->zs[0].zone))
		return line_error(
		    im, error, "tracing_mark_write: pagesim-zone: zone: '%s' is too long", val[1]);
	for (z = 0; z < im->nr_zs; z++)
		if (im->zs[z].node == (int)num[0] && strcmp(im->zs[z].zone, val[1]) == 0)
			break;
	if (z == im->nr_zs) {
		if (z == IMP_MAX_ZONE_SAMPLES)
			return line_error(im, error,
					  "tracing_mark_write: pagesim-zone: more than %d zones",
					  IMP_MAX_ZONE_SAMPLES);
		im->nr_zs++;
		im->zs[z].node = (int)num[0];
		g_strlcpy(im->zs[z].zone, val[1], sizeof(im->zs[z].zone));
		im->zs[z].managed[0] = num[4];
		im->zs[z].spanned[0] = num[2];
	}
	im->zs[z].managed[1] = num[4];
	im->zs[z].spanned[1] = num[2];
	im->st->zone_samples++;
	return TRUE;
}

/* A zone_grow record of onlining window i, at t. */
static gboolean write_zone_grow(Imp *im, int i, uint64_t t, GError **error)
{
	PsTraceEvent ev;

	ps_trace_event_init(&ev);
	ev.t_ns = t;
	ev.op = PS_OP_ZONE_GROW;
	ev.node = im->onl[i].node;
	ev.value = im->onl[i].zone;
	ev.pfn = im->onl[i].pfn;
	ev.has_pfn = true;
	ev.len = im->onl[i].pages;
	im->onl[i].grown = true;
	im->st->zone_grows++;
	im->st->zone_grow_pages += ev.len;
	return write_ev(im, &ev, error);
}

/*
 * "pagesim-online: node=N zone=Z block=B start_pfn=P nr_pages=C state=S" lines a traced program
 * writes around its write of "online" to a memory block's state (workloads/press-6.18/zone-grow.c):
 * S onlining opens a window for the writing task, online or failed closes it. online_pages()
 * frees the new range from that task through __free_pages_core(): mm_page_free events of pfns in
 * [P, P + C) that were never allocated. The first of them becomes a zone_grow record (node, zone,
 * pfn P, pages C) at its time, and all of them are dropped: replaying the record frees the range
 * as the kernel did. A window closed by "online" without any such free (the free events not
 * recorded) gets its record at the closing marker.
 */
static gboolean note_online(Imp *im, const Line *l, uint64_t t, GError **error)
{
	g_auto(GStrv) tok = g_strsplit_set(l->raw + strlen("pagesim-online:"), " \t", -1);
	static const char *const keys[] = {"node", "zone", "start_pfn", "nr_pages", "state"};
	const char *val[G_N_ELEMENTS(keys)] = {NULL};
	uint64_t num[G_N_ELEMENTS(keys)] = {0};
	int i, zone = -1;

	marker_values(tok, keys, G_N_ELEMENTS(keys), val);
	for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
		if (!val[k] || !val[k][0])
			return line_error(
			    im, error, "tracing_mark_write: pagesim-online: %s: missing", keys[k]);
		if ((k == 0 || k == 2 || k == 3) &&
		    !g_ascii_string_to_unsigned(val[k], 10, k == 3 ? 1 : 0,
						k == 0 ? PS_MAX_NODES - 1 : G_MAXUINT32, &num[k],
						NULL))
			return line_error(im, error,
					  "tracing_mark_write: pagesim-online: %s: '%s' is not a "
					  "number %s",
					  keys[k], val[k],
					  k == 0   ? "below the node limit"
					  : k == 3 ? "1..2^32-1"
						   : "below 2^32");
	}
	for (int z = 0; z < PS_MAX_NR_ZONES; z++)
		if (strcmp(val[1], ps_zone_names[z]) == 0)
			zone = z;
	if (zone < 0)
		return line_error(im, error,
				  "tracing_mark_write: pagesim-online: zone: unknown zone '%s'",
				  val[1]);
	for (i = 0; i < im->nr_onl; i++)
		if (im->onl[i].pid == l->pid)
			break;
	if (strcmp(val[4], "onlining") == 0) {
		if (i == im->nr_onl && i == IMP_MAX_ONLINING)
			return line_error(im, error,
					  "tracing_mark_write: pagesim-online: more than %d "
					  "onlinings at once",
					  IMP_MAX_ONLINING);
		if (i == im->nr_onl)
			im->nr_onl++;
		im->onl[i].pid = l->pid;
		im->onl[i].node = (int)num[0];
		im->onl[i].zone = zone;
		im->onl[i].pfn = num[2];
		im->onl[i].pages = num[3];
		im->onl[i].grown = false;
		return TRUE;
	}
	if (strcmp(val[4], "online") != 0 && strcmp(val[4], "failed") != 0)
		return line_error(
		    im, error,
		    "tracing_mark_write: pagesim-online: state: '%s' is not onlining, "
		    "online or failed",
		    val[4]);
	if (i == im->nr_onl)
		return TRUE; /* its onlining marker came before the trace started */
	if (strcmp(val[4], "online") == 0 && !im->onl[i].grown && !write_zone_grow(im, i, t, error))
		return FALSE;
	im->onl[i] = im->onl[--im->nr_onl];
	return TRUE;
}

/*
 * A free of pfn by pid inside an onlining window, of a page never allocated: the kernel freeing
 * onlined memory (note_online). Returns 1 when it was, after writing the window's zone_grow
 * record if it is the first; 0 when not; -1 on error.
 */
static int online_free(Imp *im, int pid, uint64_t pfn, uint64_t t, GError **error)
{
	for (int i = 0; i < im->nr_onl; i++) {
		if (im->onl[i].pid != pid || pfn < im->onl[i].pfn ||
		    pfn - im->onl[i].pfn >= im->onl[i].pages)
			continue;
		if (!im->onl[i].grown && !write_zone_grow(im, i, t, error))
			return -1;
		im->st->zone_grow_frees++;
		return 1;
	}
	return 0;
}

static gboolean note_marker(Imp *im, const Line *l, uint64_t t, GError **error)
{
	static const char tag[] = "pagesim-mempolicy:";
	g_autofree char *pol = NULL;
	g_autoptr(GError) local = NULL;
	enum ps_mpol_mode mode;
	uint64_t nodes;

	if (has_prefix(l->raw, "pagesim-zone:"))
		return note_zone_sample(im, l, error);
	if (has_prefix(l->raw, "pagesim-online:"))
		return note_online(im, l, t, error);
	if (!g_str_has_prefix(l->raw, tag))
		return TRUE; /* some other program's marker */
	pol = g_strstrip(g_strdup(l->raw + strlen(tag)));
	if (strcmp(pol, "default") == 0)
		pol[0] = '\0';
	else if (strlen(pol) >= sizeof(((PsTraceEvent *)0)->mempolicy) ||
		 !ps_mpol_parse_str(pol, &mode, &nodes, &local))
		return line_error(im, error, "tracing_mark_write: %s policy: %s", tag,
				  local ? local->message : "longer than 63 characters");
	im->st->mempolicy_markers++;
	return note_proc(im, l, t, error) && set_mempolicy(im, l->pid, pol, t, error);
}

gboolean ps_import_mempolicy_parse(const char *arg, PsImportMempolicy *out, GError **error)
{
	const char *at = strchr(arg, '@'), *eq = at ? strchr(at, '=') : NULL;
	g_autofree char *pid_s = NULL, *ts_s = NULL;
	enum ps_mpol_mode mode;
	uint64_t nodes, pid;
	bool overflow;
	const char *end;

	memset(out, 0, sizeof(*out));
	if (!at || !eq) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "--mempolicy: '%s': not PID@SECONDS=POLICY", arg);
		return FALSE;
	}
	pid_s = g_strndup(arg, (gsize)(at - arg));
	ts_s = g_strndup(at + 1, (gsize)(eq - at - 1));
	if (!g_ascii_string_to_unsigned(pid_s, 10, 0, G_MAXINT, &pid, NULL)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "--mempolicy: '%s': pid: '%s' is not a number 0..%d", arg, pid_s,
			    G_MAXINT);
		return FALSE;
	}
	end = parse_timestamp(ts_s, &out->ts_ns, &overflow);
	if (end == ts_s || *end || overflow || !strchr(ts_s, '.')) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "--mempolicy: '%s': timestamp: '%s' is not the recording's seconds "
			    "(e.g. 6.733527)",
			    arg, ts_s);
		return FALSE;
	}
	out->pid = (int)pid;
	if (eq[1] && strcmp(eq + 1, "default") != 0) {
		g_autoptr(GError) local = NULL;

		if (strlen(eq + 1) >= sizeof(out->policy) ||
		    !ps_mpol_parse_str(eq + 1, &mode, &nodes, &local)) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "--mempolicy: '%s': policy: %s", arg,
				    local ? local->message : "longer than 63 characters");
			return FALSE;
		}
		g_strlcpy(out->policy, eq + 1, sizeof(out->policy));
	}
	return TRUE;
}

enum ev_class {
	EVC_ALLOC,
	EVC_FREE,
	EVC_FREE_BATCHED,
	EVC_OBSERVED,
	EVC_COMPACT_DIRECT, /* mm_compaction_try_to_compact_pages: not kept, but see note_compaction
			     */
	EVC_MIGRATE_PTE,    /* remove_migration_pte: see note_migration */
	EVC_KNOWN,	    /* recognised, not kept */
	EVC_UNKNOWN
};

static enum ev_class classify(const char *name, enum ps_observed_event *obs)
{
	if (name[0] == 'm' && name[1] == 'm' && name[2] == '_') {
		if (strcmp(name, "mm_page_alloc") == 0)
			return EVC_ALLOC;
		if (strcmp(name, "mm_page_free") == 0)
			return EVC_FREE;
		if (strcmp(name, "mm_page_free_batched") == 0)
			return EVC_FREE_BATCHED;
		/* the commonest observed events before the walk of all their names */
		{
			static const enum ps_observed_event first[] = {PS_OBS_ZONE_LOCKED,
								       PS_OBS_PCPU_DRAIN};

			for (size_t k = 0; k < G_N_ELEMENTS(first); k++)
				if (strcmp(name, ps_observed_event_names[first[k]]) == 0) {
					*obs = first[k];
					return EVC_OBSERVED;
				}
		}
		for (int e = 0; e < PS_NR_OBSERVED_EVENTS; e++)
			if (strcmp(name, ps_observed_event_names[e]) == 0) {
				*obs = (enum ps_observed_event)e;
				return EVC_OBSERVED;
			}
		if (strcmp(name, "mm_compaction_try_to_compact_pages") == 0)
			return EVC_COMPACT_DIRECT;
		if (has_prefix(name, "mm_compaction_") || has_prefix(name, "mm_vmscan_") ||
		    has_prefix(name, "mm_page_") || has_prefix(name, "mm_filemap_") ||
		    has_prefix(name, "mm_setup_per_zone") || has_prefix(name, "mm_migrate_pages") ||
		    strcmp(name, "mm_calculate_totalreserve_pages") == 0)
			return EVC_KNOWN;
	}
	if (strcmp(name, "remove_migration_pte") == 0)
		return EVC_MIGRATE_PTE;
	if (strcmp(name, "mark_victim") == 0 || strcmp(name, "reclaim_retry_zone") == 0 ||
	    strcmp(name, "compact_retry") == 0 || strcmp(name, "wake_reaper") == 0 ||
	    g_str_has_suffix(name, "_task_reaping"))
		return EVC_KNOWN;
	return EVC_UNKNOWN;
}

/* The EvMemo of event name (len bytes, NUL-terminated): found, else made (see EvMemo). */
static const EvMemo *ev_lookup(Imp *im, const char *name, size_t len)
{
	EvMemo *m =
	    &im->ev_memo[(len * 7 + (guchar)name[len ? len - 1 : 0] * 3 + (guchar)name[len / 2]) &
			 (EV_MEMO - 1)];
	enum ps_observed_event obs = PS_OBS_ZONE_LOCKED;

	if (m->len == len && memcmp(m->name, name, len) == 0)
		return m;
	if (len == 0 || len >= sizeof(m->name))
		m = &im->ev_spill;
	m->len = (uint8_t)MIN(len, sizeof(m->name) - 1);
	memcpy(m->name, name, m->len);
	m->cls = (int8_t)classify(name, &obs);
	m->obs = (int8_t)obs;
	m->kind = EVK_KNOWN;
	if (has_prefix(name, "mm_page_")) {
		m->kind |= EVK_MM_PAGE;
		if (strcmp(name + 8, "alloc") == 0)
			m->kind |= EVK_ALLOC | EVK_NAMES;
		else if (strcmp(name + 8, "free") == 0)
			m->kind |= EVK_FREE | EVK_NAMES;
		else if (strcmp(name + 8, "alloc_zone_locked") == 0 ||
			 strcmp(name + 8, "pcpu_drain") == 0)
			m->kind |= EVK_NAMES;
	}
	if (has_prefix(name, "mm_compaction_"))
		m->kind |= EVK_COMPACTION;
	return m;
}

/*
 * The live allocations by pfn, in a PfnTab (the slot of a pfn freed stays, its a 0): as a
 * GHashTable the lookups, inserts and removes were 0.11 G of ftrace-build-6.18's 1.51 G
 * parse-thread instructions. Nothing walks the table, so its order reaches no output.
 */
static void live_put(Imp *im, uint64_t pfn, uint64_t id, int order)
{
	PfnSlot *ps = pfntab_get(&im->live, pfn, true);

	if (!ps->a)
		im->nr_live++;
	ps->a = ((id << 5) | (uint64_t)order) + 1;
}

static void live_remove(Imp *im, uint64_t pfn)
{
	PfnSlot *ps = pfntab_get(&im->live, pfn, false);

	if (ps && ps->a) {
		ps->a = 0;
		im->nr_live--;
	}
}

static bool live_get(Imp *im, uint64_t pfn, uint64_t *id, int *order)
{
	const PfnSlot *ps = pfntab_get(&im->live, pfn, false);
	uint64_t v = ps ? ps->a : 0;

	if (!v)
		return false;
	v--;
	*id = v >> 5;
	*order = (int)(v & 31);
	return true;
}

/*
 * alloc_pages_bulk's untraced takes. alloc_pages_bulk_noprof (mm/page_alloc.c) fills its array
 * with __rmqueue_pcplist from the head of the cpu's pcp list of the gfp's migratetype and emits no
 * mm_page_alloc (only __alloc_frozen_pages_noprof does); a refill it needs (rmqueue_bulk) is
 * traced as usual. vmalloc's vm_area_alloc_pages uses it for order-0 areas, among them every
 * vmap'd kernel stack (alloc_thread_stack_node, THREADINFO_GFP without __GFP_ACCOUNT): at 4K
 * pages a 16 KiB stack is a bulk of 4; at 16K and 64K it is one page, which alloc_pages_bulk
 * hands to the single-page allocator (traced). So the trace shows a take only by its gap. The
 * pcp lists are followed here as the records show them (a refill appends at the tail in order, a
 * pcp free pushes at the head, a drain or an allocation takes its page off), and pages are
 * missing from a list when
 *   - an allocation from it names a page behind them (bulk_take), or
 *   - a refill of it begins while it still holds them: rmqueue_bulk runs for an empty list only
 *     (bulk_refill),
 * and no later record allocates, refills or drains them: the next record naming each is a free
 * (vfree), or there is none (a live or cached stack). Each such page is then written as an
 * allocation of its own, at that record's instant, cpu and task, with the list's order and a gfp
 * of its migratetype (GFP_KERNEL | __GFP_ZERO for Unmovable, the stacks'): a policy replay takes
 * its own pages off the head there as the kernel did, and the pages' later frees find them
 * allocated. Only order-0 lists: alloc_pages_bulk_noprof takes from
 * pcp->lists[order_to_pindex(mt, 0)] alone. Counted in bulk_takes (pages) and bulk_rejected (a
 * list holding a page some later record names that way, or a gap on a list of order 1 to 3: the
 * followed list is not the kernel's there, nothing is written).
 * Which pages are named again is known from a first pass over the input, ahead of the main pass
 * (prepass: a file or a trace.dat read twice); reading standard input, nothing is written and
 * nothing counted. A free's
 * page goes on the list of its pageblock's type as a record named it (a refill, a drain, or the gfp
 * of its allocation); a free of a page no record typed is not followed. An interrupt's free that
 * found the pcp lock taken went to the buddy (free_one_page, no record); pcp_locked marks only
 * those inside free_unref_folios' commits (hold_free). So a run of interrupt frees on a cpu of
 * which one page is next taken by a refill (from the buddy, then) went there whole, and none of its
 * pages counts as taken: lab-churn-migrate/64k cpu 0 at 9.6827 s, 26 softirq frees while
 * cat-252 held the lock, 9 of them refilled at 10.6097 s; the other 17 are free in the
 * kernel's mid snapshot (test-qemu.c), not taken.
 * Realdata qemu-arm64-4k-6.18.2: 11 takes of 4 Unmovable pages each, at churn's forks and those
 * of the mid snapshot's script; the first (2.2508 s: softirq frees of 0x4a6da, 0x4a661, 0x4a6e0
 * and 0x4a729 onto cpu 0's list, then churn-269 allocates 0x4a73a from behind them) was cpu 0's
 * first page that the policy replay gave out wrong, and with them the policy replay's free
 * blocks at mid are the kernel's at orders 2 to 10 (125 and 169 at orders 0 and 1 against 123
 * and 170; 129, 169, 114, 89, 11 at orders 0 to 4 before). 16K: 73 pages, 31 of them at
 * refills and 42 after them (bulk_refill_end: vmalloc bulks of 16 pages around 2.47 s by cat-245,
 * the mid snapshot's reader of buddyinfo); the first such (2.474402 s, 7 pages before the refill
 * and 9 after it) was cpu 0's first page the policy replay gave out wrong, as the replay's own
 * refill came after cpu 1's drain at 2.474511 s and took the pages that drain freed. With it the
 * 16K replay's free set at mid is the kernel's (mid.kpageflags) page for page. 64K: none.
 */
#define BULK_LISTS(im) ((im)->hdr.cpus * (PS_PAGE_ALLOC_COSTLY_ORDER + 1) * PS_MT_PCPTYPES)

/*
 * A page on a followed list. Entries live in one pool (im->bulk_ent) and link by index, so that
 * following the lists allocates nothing per record: with a GQueue of heap entries, malloc, free
 * and GSlice took 0.12 G of ftrace-build-6.18's 1.8 G parse-thread instructions.
 */
typedef struct BulkEnt {
	uint64_t pfn;
	uint64_t seq; /* the naming line that put it on the list */
	int list;
	uint32_t prev, next; /* on the list (index + 1); next also chains the free entries */
} BulkEnt;

#define BULK_ENT(im, i) (&(im)->bulk_ent[(i)-1])

/* The main pass's count of naming lines: l names pfn (the first pass's scan_names). */
static uint64_t bulk_name(Imp *im, uint64_t pfn)
{
	(void)pfn;
	return im->bulk_seq++;
}

/* Entry i off its list, back to the pool. */
static void bulk_unlink(Imp *im, uint32_t i)
{
	BulkEnt *e = BULK_ENT(im, i);
	struct BulkList *q = &im->bulk_lists[e->list];

	if (e->prev)
		BULK_ENT(im, e->prev)->next = e->next;
	else
		q->head = e->next;
	if (e->next)
		BULK_ENT(im, e->next)->prev = e->prev;
	else
		q->tail = e->prev;
	e->next = im->bulk_ent_free;
	im->bulk_ent_free = i;
}

static void bulk_remove(Imp *im, uint64_t pfn)
{
	PfnSlot *ps = pfntab_get(&im->bulk_pfn, pfn, false);

	if (!ps || !ps->a)
		return;
	bulk_unlink(im, (uint32_t)ps->a);
	ps->a = 0;
}

static void bulk_put(Imp *im, uint64_t pfn, uint64_t seq, int cpu, int order, int mt, bool head)
{
	PfnSlot *ps = pfntab_get(&im->bulk_pfn, pfn, true);
	struct BulkList *q;
	uint32_t i;
	BulkEnt *e;

	if (ps->a)
		bulk_unlink(im, (uint32_t)ps->a);
	ps->a = 0;
	if (cpu < 0 || cpu >= im->hdr.cpus || order < 0 || order > PS_PAGE_ALLOC_COSTLY_ORDER ||
	    mt < 0 || mt >= PS_MT_PCPTYPES)
		return;
	if (im->bulk_ent_free) {
		i = im->bulk_ent_free;
		im->bulk_ent_free = BULK_ENT(im, i)->next;
	} else {
		if (im->bulk_ent_used == im->bulk_ent_cap) {
			im->bulk_ent_cap = MAX(1024, im->bulk_ent_cap * 2);
			im->bulk_ent = g_renew(BulkEnt, im->bulk_ent, im->bulk_ent_cap);
		}
		i = ++im->bulk_ent_used;
	}
	e = BULK_ENT(im, i);
	e->pfn = pfn;
	e->seq = seq;
	e->list = (cpu * (PS_PAGE_ALLOC_COSTLY_ORDER + 1) + order) * PS_MT_PCPTYPES + mt;
	q = &im->bulk_lists[e->list];
	if (head) {
		e->prev = 0;
		e->next = q->head;
		if (q->head)
			BULK_ENT(im, q->head)->prev = i;
		else
			q->tail = i;
		q->head = i;
	} else {
		e->next = 0;
		e->prev = q->tail;
		if (q->tail)
			BULK_ENT(im, q->tail)->next = i;
		else
			q->head = i;
		q->tail = i;
	}
	ps->a = i;
}

static void bulk_type(Imp *im, uint64_t pfn, int mt)
{
	pfntab_get(&im->bulk_pfn, pfn, true)->b = mt + 1;
}

/* A pcp free of pfn on cpu: onto the head of its block's list, when a record typed it. */
static void bulk_free(Imp *im, uint64_t pfn, int cpu, int order, uint64_t seq)
{
	const PfnSlot *ps = pfntab_get(&im->bulk_pfn, pfn, false);
	int mt = ps ? (int)ps->b - 1 : -1;

	if (mt < 0)
		bulk_remove(im, pfn);
	else
		bulk_put(im, pfn, seq, cpu, order, mt, true);
}

static void bit_set(uint64_t *a, uint64_t q)
{
	a[q / 64] |= 1ull << (q % 64);
}

static bool bit_get(const uint64_t *a, uint64_t q)
{
	return a[q / 64] & (1ull << (q % 64));
}

static bool first_known(const Imp *im, uint64_t seq, bool *ok, bool *free, bool *assumed);
static void first_note(Imp *im, const uint64_t *seqs, guint n, bool refill, uint64_t until);
static gboolean first_read_on(Imp *im, GError **error);

/*
 * The pages ahead of entry `until` on list (all of it when 0) as alloc_pages_bulk's take,
 * written as allocations at ev's instant, cpu and task, when no later record names one but a
 * free; else counted in bulk_rejected and nothing is written.
 */
static gboolean bulk_emit(Imp *im, int list, uint32_t until, const PsTraceEvent *ev, GError **error)
{
	static const uint64_t gfp[PS_MT_PCPTYPES] = {PS_GFP_KERNEL | PS_GFP_ZERO,
						     PS_GFP_HIGHUSER_MOVABLE,
						     PS_GFP_KERNEL | PS_GFP_RECLAIMABLE};
	struct BulkList *q = &im->bulk_lists[list];
	int order = list / PS_MT_PCPTYPES % (PS_PAGE_ALLOC_COSTLY_ORDER + 1);

	if (q->head == until)
		return TRUE;
	/*
	 * alloc_pages_bulk_noprof takes only from pcp->lists[order_to_pindex(mt, 0)]: a gap on a
	 * list of higher order is no bulk take, only a sign that the followed list is not the
	 * kernel's
	 */
	if (order != 0) {
		im->st->bulk_rejected++;
		return TRUE;
	}
	/*
	 * one page with a clear bit refuses the take: the first pass reads on only while none has;
	 * a take on assumed bits is checked at the end
	 */
	for (bool open = true; open;) {
		open = false;
		g_array_set_size(im->bulk_assumed, 0);
		for (uint32_t a = q->head; a != until; a = BULK_ENT(im, a)->next) {
			uint64_t seq = BULK_ENT(im, a)->seq;
			bool ok, free, assumed;

			if (!first_known(im, seq, &ok, &free, &assumed)) {
				open = true;
			} else if (!ok) {
				im->st->bulk_rejected++;
				return TRUE;
			} else if (assumed) {
				g_array_append_val(im->bulk_assumed, seq);
			}
		}
		if (open && !first_read_on(im, error))
			return FALSE;
	}
	if (im->bulk_assumed->len)
		first_note(im, (const uint64_t *)(void *)im->bulk_assumed->data,
			   im->bulk_assumed->len, false, 0);
	while (q->head != until) {
		uint64_t pfn = BULK_ENT(im, q->head)->pfn;
		PsTraceEvent take;

		ps_trace_event_init(&take);
		take.t_ns = ev->t_ns;
		take.op = PS_OP_ALLOC;
		take.id = ++im->next_id;
		take.cpu = ev->cpu;
		take.pid = ev->pid;
		take.irq = ev->irq;
		take.order = order;
		take.gfp = gfp[list % PS_MT_PCPTYPES];
		take.has_gfp = true;
		take.pfn = pfn;
		take.has_pfn = true;
		live_put(im, pfn, take.id, order);
		im->st->bulk_takes += 1ull << order;
		bulk_remove(im, pfn);
		if (!write_ev(im, &take, error))
			return FALSE;
	}
	return TRUE;
}

/*
 * Before an allocation of pfn from cpu's list (ev: its cpu, task, order and instant): the pages
 * ahead of it there. Then pfn leaves the followed lists.
 */
static gboolean bulk_take(Imp *im, uint64_t pfn, const PsTraceEvent *ev, GError **error)
{
	const PfnSlot *ps = pfntab_get(&im->bulk_pfn, pfn, false);
	uint32_t i = ps ? (uint32_t)ps->a : 0;
	const BulkEnt *e = i ? BULK_ENT(im, i) : NULL;

	im->bulk_refill[ev->cpu] = 0;
	if (e && e->list / ((PS_PAGE_ALLOC_COSTLY_ORDER + 1) * PS_MT_PCPTYPES) == ev->cpu &&
	    e->list / PS_MT_PCPTYPES % (PS_PAGE_ALLOC_COSTLY_ORDER + 1) == ev->order &&
	    !bulk_emit(im, e->list, i, ev, error))
		return FALSE;
	bulk_remove(im, pfn);
	return TRUE;
}

/*
 * A refill (ev, the first of its records): rmqueue_bulk runs for an empty list only
 * (__rmqueue_pcplist), so what the followed list still holds left it untraced before.
 */
static gboolean bulk_refill(Imp *im, const PsTraceEvent *ev, GError **error)
{
	int list;

	if (ev->cpu < 0 || ev->cpu >= im->hdr.cpus || ev->order < 0 ||
	    ev->order > PS_PAGE_ALLOC_COSTLY_ORDER || ev->migratetype < 0 ||
	    ev->migratetype >= PS_MT_PCPTYPES)
		return TRUE;
	list = (ev->cpu * (PS_PAGE_ALLOC_COSTLY_ORDER + 1) + ev->order) * PS_MT_PCPTYPES +
	       ev->migratetype;
	if (im->bulk_refill[ev->cpu] == list + 1)
		return TRUE; /* a later record of the same refill */
	im->bulk_refill[ev->cpu] = list + 1;
	return bulk_emit(im, list, 0, ev, error);
}

/*
 * After a refill's last record (bulk_end_ev; called at the next record that is not one of the
 * refill's, so that no record of that cpu splits its run): a refill alloc_pages_bulk needed goes
 * on serving the bulk from the list's head, the loop calling __rmqueue_pcplist again once
 * rmqueue_bulk returns. The bulk's size is not traced, so a page counts as taken only with
 * evidence: its next naming line is an mm_page_free (bulk_next_free), so something allocated it
 * in between and no record did. The pages ahead of the last such page were taken before it
 * (__rmqueue_pcplist takes from the head), when no later record allocates, refills or drains
 * them (next named by a free, or never). All these are written as allocations at the refill's
 * last record. A page never named again is no evidence alone: a page still on the pcp list
 * when the trace ends looks the same, so a refill with no such free behind it takes nothing
 * (review-rest s16 item 6). A refill for a traced allocation gives that allocation its first
 * page, which the allocation's record names, so nothing is taken from it. Order-0 lists only
 * (bulk_emit).
 */
static gboolean bulk_refill_end(Imp *im, GError **error)
{
	int list = im->bulk_end_list - 1;
	uint32_t a, until;
	uint64_t nuntil;

	if (list < 0)
		return TRUE;
	im->bulk_end_list = 0;
	if (list / PS_MT_PCPTYPES % (PS_PAGE_ALLOC_COSTLY_ORDER + 1) != 0)
		return TRUE;
	/*
	 * the first pass reads on while a page before the first with a clear bit is not known; a
	 * decision on assumed bits is checked at the end: the pages it read and how many it took
	 */
	for (bool open = true; open;) {
		bool any = false;

		open = false;
		until = im->bulk_lists[list].head;
		nuntil = 0;
		g_array_set_size(im->bulk_assumed, 0);
		for (a = until; a; a = BULK_ENT(im, a)->next) {
			uint64_t seq = BULK_ENT(im, a)->seq;
			bool ok, free, assumed;

			if (!first_known(im, seq, &ok, &free, &assumed)) {
				open = true;
				break;
			}
			if (!ok)
				break;
			any |= assumed;
			g_array_append_val(im->bulk_assumed, seq);
			if (free) {
				until = BULK_ENT(im, a)->next;
				nuntil = im->bulk_assumed->len;
			}
		}
		if (open && !first_read_on(im, error))
			return FALSE;
		if (!open && any)
			first_note(im, (const uint64_t *)(void *)im->bulk_assumed->data,
				   im->bulk_assumed->len, true, nuntil);
	}
	return bulk_emit(im, list, until, &im->bulk_end_ev, error);
}

static gboolean do_alloc(Imp *im, const Line *l, PsTraceEvent *ev, GError **error)
{
	uint64_t pfn, old_id;
	int order, old_order;
	const char *gfps = kv(l, "gfp_flags");
	GError *local = NULL;

	if (!get_u64(im, l, "pfn", &pfn, error) ||
	    !get_int(im, l, "order", 0, PS_NR_ORDERS_MAX - 1, &order, error))
		return FALSE;
	if (!gfps)
		return line_error(im, error, "mm_page_alloc: gfp_flags: missing");
	if (!parse_gfp(im, gfps, &ev->gfp, &local)) {
		line_error(im, error, "mm_page_alloc: gfp_flags: %s", local->message);
		g_error_free(local);
		return FALSE;
	}
	ev->op = PS_OP_ALLOC;
	ev->has_gfp = true;
	ev->cpu = l->cpu;
	ev->pid = l->pid;
	ev->order = order;
	if (pfn != 0 && im->bulk_on) {
		bulk_name(im, pfn);
		bulk_type(im, pfn, ps_gfp_migratetype(ev->gfp));
		if (!bulk_take(im, pfn, ev, error))
			return FALSE;
	}
	ev->id = ++im->next_id;
	if (pfn == 0) {
		/* page=(null) pfn=0: the allocation failed; a policy replay makes the attempt */
		im->st->alloc_failed++;
		ev->failed = true;
		return write_ev(im, ev, error);
	}
	if (live_get(im, pfn, &old_id, &old_order))
		im->st->alloc_live_pfn++; /* its free was not recorded: the new one replaces it */
	ev->pfn = pfn;
	ev->has_pfn = true;
	live_put(im, pfn, ev->id, order);
	im->st->allocs++;
	if (im->pc) {
		/* held for the page cache (see below); an older one of the pfn was not page cache
		 */
		struct PcSlot *sl;

		pc_take(im, pfn, false);
		if (!write_ev_state(im, ev, OUT_HELD_ALLOC, error))
			return FALSE;
		sl = pc_slot(im, pfn);
		sl->pfn = pfn + 1;
		sl->seq = im->q_tail - 1;
		return flush_ring(im, error);
	}
	return write_ev(im, ev, error);
}

/*
 * Page cache in an exact import. A page-cache folio is allocated first (filemap_alloc_folio:
 * page_cache_ra_unbounded / page_cache_ra_order for readahead, __filemap_get_folio for a write)
 * and then inserted by filemap_add_folio, which fires mm_filemap_add_to_page_cache and puts the
 * folio on the LRU (folio_add_lru). Its mm_page_alloc says nothing of this: a block device's
 * or a filesystem's metadata mapping asks GFP_NOFS (unmovable), so the simulator's kind from the
 * GFP flags makes it kernel memory no LRU holds, and a regular file's GFP_HIGHUSER_MOVABLE folio
 * anonymous memory. So each successful allocation is held in the output ring (do_alloc) until
 * its pfn is added to the page cache (written with kind "file", the trace format's own word for
 * page cache: policy replay links it on the file LRU, where node reclaim, kswapd and direct
 * reclaim can take it, and skips the recording kernel's own reclaim of it), freed, or allocated
 * again, or until IMP_PC_HOLD records have followed it; the records behind it wait in the ring,
 * so the output keeps the recorded order and one pass over the input does (standard input too).
 * The bound: filemap_add_folio runs right after the allocation in the same task (its memcg
 * charge and xarray node allocation come between; the recordings with filemap events show at
 * most 17 lines between the two), so IMP_PC_HOLD = 4096 records is room for other cpus' events
 * and a charge's reclaim. An add of a pfn whose allocation is live but no longer held (past the
 * hold, or added twice) is counted in page_cache_late and the allocation stays as written.
 * Rejected: a new record at the add's time (an id joining the page cache): a format addition
 * for the few microseconds between a folio's allocation and its insertion, when nothing can
 * reclaim it. The deletion (mm_filemap_delete_from_page_cache) is not written: the folio
 * leaves the LRU when it is freed, which the recording's mm_page_free says (truncation puts the
 * folios right after deleting them; the kernel's reclaim frees them with reason reclaim_*).
 */
static gboolean pc_add(Imp *im, const Line *l, GError **error)
{
	const char *pfns = kv(l, "pfn");
	uint64_t pfn, id;
	int order;

	if (!pfns)
		return TRUE;
	pfn = g_ascii_strtoull(pfns, NULL, 0);
	im->st->page_cache_adds++;
	if (pc_take(im, pfn, true))
		return flush_ring(im, error);
	im->st->page_cache_unmatched++;
	if (live_get(im, pfn, &id, &order))
		im->st->page_cache_late++;
	return TRUE;
}

/*
 * Migration (mm/migrate.c, migrate_pages_batch): after a folio's copy, remove_migration_ptes
 * maps the new folio where the old one was mapped (migrate:remove_migration_pte, "addr=%lx,
 * pte=%lx order=%d", once per pte), then migrate_folio_done puts the old folio, whose free is
 * the cpu's next record (mm_page_free) in task context (an interrupt's free may come between:
 * press-thp, session 22, an RCU free in softirq on the migrating task's cpu). So an mm_page_free
 * of a live allocation, in task context, right after a remove_migration_pte of the same task on
 * that cpu is the old pages of a migrated folio: the
 * allocation lives on at the pte's pfn, under its id, and the free is written with a new id and
 * reason "migrated" (pinned replay frees the old pages by pfn; policy replay skips it, its own
 * compaction moves its own pages). The pte's pfn is bits 47..PAGE_SHIFT (arm64 and x86-64 with
 * physical addresses below 256 TiB), aligned down to the freed order. A migrated folio no pte
 * maps (page cache nobody mapped) has no such record: its free stays an ordinary free.
 */
static gboolean note_migration(Imp *im, const Line *l, GError **error)
{
	const char *pte = kv(l, "pte");
	unsigned shift = (unsigned)g_bit_nth_lsf(im->hdr.page_size, -1);
	char *end = NULL;
	uint64_t v;

	if (l->cpu >= im->hdr.cpus)
		return TRUE;
	v = pte ? g_ascii_strtoull(pte, &end, 16) : 0;
	if (!pte || end == pte || (*end && *end != ','))
		return line_error(im, error, "%s: pte: '%s' is not a hexadecimal pte", l->event,
				  pte ? pte : "(missing)");
	im->mig[l->cpu].pfn = (v & 0x0000fffffffff000ull) >> shift;
	im->mig[l->cpu].pid = l->pid;
	im->st->migration_ptes++;
	return TRUE;
}

/*
 * Without remove_migration_pte records (the qemu lab's event list has none), the old pages of
 * migrated folios are still known by where they are freed: compact_zone isolates a batch of
 * folios from the migrate scanner's range (mm_compaction_isolate_migratepages, "range=(0x%lx ~
 * 0x%lx) nr_scanned=%lu nr_taken=%lu"), then migrate_pages moves them and migrate_folio_done
 * puts each old folio in the compacting task before the step ends with
 * mm_compaction_migratepages. The step is the task's, not its cpu's: a task preempted inside
 * migrate_pages goes on on another cpu (press-thp, session 22: a 427-page step opened on cpu 0
 * freed its last 9 pages and closed on cpu 1). A free there of a live allocation inside that range
 * is such an old folio: it gets reason "migrated" (the allocation lives on at a pfn no record
 * names, so its id waits in im->moved). The new folio came from the free scanner (compaction_alloc
 * takes the pages mm_compaction_isolate_freepages counted): a later free of a pfn no allocation
 * names inside one of those ranges is such a new folio, and takes the oldest waiting id of its
 * order (which id is unknown; the order of the moves is kept). With remove_migration_pte records
 * note_migration knows the new pfn of a mapped folio first; this rule takes the rest (page cache
 * nobody mapped). A free there of a pfn no allocation names (allocated before the trace started)
 * is an old folio too: reason migrated, its data lives on where the trace cannot say.
 */
static guint cwin_find(const Imp *im, int pid)
{
	for (guint i = 0; i < im->cwin->len; i++)
		if (g_array_index(im->cwin, CompWin, i).pid == pid)
			return i;
	return G_MAXUINT;
}

static void note_compaction_window(Imp *im, const Line *l)
{
	unsigned long long start, end;
	const char *taken;
	guint i;

	if (strcmp(l->event, "mm_compaction_isolate_migratepages") == 0) {
		taken = kv(l, "nr_taken");
		if ((i = cwin_find(im, l->pid)) != G_MAXUINT)
			g_array_remove_index_fast(im->cwin, i);
		if (sscanf(l->raw, "range=(%llx ~ %llx)", &start, &end) == 2 && end > start &&
		    taken && g_ascii_strtoull(taken, NULL, 10) > 0) {
			CompWin w = {.start = start, .end = end, .pid = l->pid};

			g_array_append_val(im->cwin, w);
		}
	} else if (strcmp(l->event, "mm_compaction_isolate_freepages") == 0 ||
		   strcmp(l->event, "mm_compaction_fast_isolate_freepages") == 0) {
		if (sscanf(l->raw, "range=(%llx ~ %llx)", &start, &end) == 2 && end > start) {
			uint64_t r[2] = {start, end};

			g_array_append_vals(im->cfree, r, 2);
		}
	} else if (strcmp(l->event, "mm_compaction_migratepages") == 0 ||
		   strcmp(l->event, "mm_compaction_end") == 0) {
		if ((i = cwin_find(im, l->pid)) != G_MAXUINT)
			g_array_remove_index_fast(im->cwin, i);
	}
}

/*
 * A free in the open migrate step of its task (note_compaction_window): by the compacting task,
 * in task context, of a pfn in the step's range. On a recording of this machine (6.18.44, press-hog
 * 384 MiB MADV_HUGEPAGE; 949 steps, 80,124 pages migrated) these frees were exactly each step's
 * mm_migrate_pages nr_succeeded, the remove_migration_pte rule (note_migration) only the 13,549 of
 * them a pte mapped: so the step rule also runs with ptes, for the frees that rule left. That
 * recording is kept outside the repository (/work/notes/keep/cmig-s21-rec, 27 MB); an excerpt of
 * it, two cuts with 8 compactions, 25 steps and 1,717 pages, is tests/data/compact-migrate-excerpt
 * (SOURCE.md says how it was cut), and /trace/import/migrate-step-recording holds the two rules
 * to its nr_succeeded step by step.
 */
static bool in_migrate_step(const Imp *im, const Line *l, uint64_t pfn)
{
	const CompWin *w;
	guint i;

	if (l->irq != PS_IRQ_NONE || (i = cwin_find(im, l->pid)) == G_MAXUINT)
		return false;
	w = &g_array_index(im->cwin, CompWin, i);
	return pfn >= w->start && pfn < w->end;
}

/* A free of pfn no allocation names: the new folio of a migration (note_compaction_window)? */
static bool moved_take(Imp *im, uint64_t pfn, int order, uint64_t *id)
{
	const uint64_t *r = (const uint64_t *)(void *)im->cfree->data;
	bool in = false;

	if (im->moved_head >= im->moved->len)
		return false; /* no migrated folio waits: skip the range walk (cfree only grows) */
	for (guint i = 0; i + 1 < im->cfree->len && !in; i += 2)
		in = pfn >= r[i] && pfn < r[i + 1];
	if (!in)
		return false;
	for (guint i = im->moved_head; i < im->moved->len; i++) {
		uint64_t *mv = &g_array_index(im->moved, uint64_t, i);

		if (*mv == UINT64_MAX || (int)(*mv & 31) != order)
			continue;
		*id = *mv >> 5;
		*mv = UINT64_MAX;
		while (im->moved_head < im->moved->len &&
		       g_array_index(im->moved, uint64_t, im->moved_head) == UINT64_MAX)
			im->moved_head++;
		return true;
	}
	return false;
}

static gboolean do_free(Imp *im, const Line *l, PsTraceEvent *ev, GError **error)
{
	uint64_t pfn, id;
	int order, lorder;

	if (!get_u64(im, l, "pfn", &pfn, error) ||
	    !get_int(im, l, "order", 0, PS_NR_ORDERS_MAX - 1, &order, error))
		return FALSE;
	ev->op = PS_OP_FREE;
	ev->cpu = l->cpu;
	if (im->bulk_on) {
		uint64_t seq = bulk_name(im, pfn);

		if (l->cpu >= 0 && l->cpu < im->hdr.cpus)
			im->bulk_refill[l->cpu] = 0;
		if (order <= PS_PAGE_ALLOC_COSTLY_ORDER)
			bulk_free(im, pfn, l->cpu, order, seq);
		else
			bulk_remove(im, pfn);
	}
	/* the kernel's reclaim freed it (shrink_folio_list in kswapd or in a direct reclaim) */
	if (has_prefix(l->comm, "kswapd")) {
		im->st->free_reclaim_kswapd += 1ull << order;
		ev->free_reason = PS_FREE_RECLAIM_KSWAPD;
	} else if (g_hash_table_contains(im->in_reclaim, GINT_TO_POINTER(l->pid))) {
		im->st->free_reclaim_direct += 1ull << order;
		ev->free_reason = PS_FREE_RECLAIM_DIRECT;
	}
	if (im->pc && pc_take(im, pfn, false) && !flush_ring(im, error))
		return FALSE; /* freed before added to the page cache */
	ev->order = order;
	ev->pfn = pfn;
	ev->has_pfn = true;
	if (im->nr_onl && !live_get(im, pfn, &id, &lorder)) {
		int r = online_free(im, l->pid, pfn, ev->t_ns, error);

		if (r)
			return r > 0;
	}
	if (live_get(im, pfn, &id, &lorder)) {
		MigPte *mp = l->cpu < im->hdr.cpus ? &im->mig[l->cpu] : NULL;
		uint64_t dst = mp ? mp->pfn & ~((1ull << order) - 1) : 0, did;
		int dorder;

		live_remove(im, pfn);
		if (mp && mp->pid == l->pid && l->irq == PS_IRQ_NONE && lorder == order &&
		    dst != pfn && !live_get(im, dst, &did, &dorder)) {
			/* a migrated folio's old pages: the allocation moved to dst */
			mp->pid = -1;
			live_put(im, dst, id, order);
			im->st->free_migrated += 1ull << order;
			ev->free_reason = PS_FREE_MIGRATED;
			ev->id = ++im->next_id;
			return hold_free(im, ev, error);
		}
		if (in_migrate_step(im, l, pfn)) {
			/* an old folio put by migrate_folio_done (note_compaction_window) */
			uint64_t mv = id << 5 | (uint64_t)order;

			im->st->free_migrated_window += 1ull << order;
			g_array_append_val(im->moved, mv);
			ev->free_reason = PS_FREE_MIGRATED;
			ev->id = ++im->next_id;
			return hold_free(im, ev, error);
		}
		if (lorder != order)
			im->st->free_order_mismatch++;
		ev->id = id;
		im->st->frees++;
	} else {
		bool inside = false;

		for (int o = 1; o < PS_NR_ORDERS_MAX && !inside; o++) {
			uint64_t head = pfn & ~((1ull << o) - 1);

			inside = live_get(im, head, &id, &lorder) && lorder >= o &&
				 pfn < head + (1ull << lorder);
		}
		if (!inside && in_migrate_step(im, l, pfn)) {
			/*
			 * an old folio allocated before the trace started (a snapshot page): the
			 * kernel moved its data, it did not free it (note_compaction_window)
			 */
			im->st->free_migrated_window += 1ull << order;
			im->st->free_migrated_snapshot += 1ull << order;
			ev->free_reason = PS_FREE_MIGRATED;
			ev->id = ++im->next_id;
			return hold_free(im, ev, error);
		}
		if (!inside && moved_take(im, pfn, order, &id)) {
			im->st->free_migrated_new++;
			ev->id = id;
			return hold_free(im, ev, error);
		}
		if (inside)
			im->st->free_inside_live++;
		else
			im->st->free_unknown++;
		ev->id = ++im->next_id;
	}
	return hold_free(im, ev, error);
}

/*
 * __node_reclaim (vm.zone_reclaim_mode) fires mm_vmscan_node_reclaim_begin and _end around its
 * shrink_node calls in the allocating task: the frees between them are the kernel's reclaim, as
 * in a direct reclaim window (pgsteal_direct counts them too), so they get reason reclaim_direct.
 * Only when the recording has these events: the qemu lab's default event list lacks them.
 */
static void note_node_reclaim(Imp *im, const Line *l)
{
	if (strcmp(l->event, "mm_vmscan_node_reclaim_begin") == 0) {
		im->st->node_reclaims++;
		g_hash_table_add(im->in_reclaim, GINT_TO_POINTER(l->pid));
	} else if (strcmp(l->event, "mm_vmscan_node_reclaim_end") == 0) {
		g_hash_table_remove(im->in_reclaim, GINT_TO_POINTER(l->pid));
	}
}

static gboolean do_observed(Imp *im, const Line *l, enum ps_observed_event obs, PsTraceEvent *ev,
			    GError **error)
{
	int v;

	ev->op = PS_OP_OBSERVED;
	ev->event = obs;
	ev->cpu = l->cpu;
	ev->pid = l->pid;
	switch (obs) {
	case PS_OBS_ZONE_LOCKED:
	case PS_OBS_PCPU_DRAIN:
		if (!get_u64(im, l, "pfn", &ev->pfn, error) ||
		    !get_int(im, l, "order", 0, PS_NR_ORDERS_MAX - 1, &ev->order, error) ||
		    !get_int(im, l, "migratetype", 0, 7, &ev->migratetype, error))
			return FALSE;
		ev->has_pfn = true;
		if (obs == PS_OBS_ZONE_LOCKED) {
			if (!get_int(im, l, "percpu_refill", 0, 1, &v, error))
				return FALSE;
			ev->percpu_refill = (int8_t)v;
		}
		if (im->bulk_on) {
			uint64_t seq = bulk_name(im, ev->pfn);

			bulk_type(im, ev->pfn, ev->migratetype);
			if (obs == PS_OBS_ZONE_LOCKED && ev->percpu_refill) {
				int list = (l->cpu * (PS_PAGE_ALLOC_COSTLY_ORDER + 1) + ev->order) *
					       PS_MT_PCPTYPES +
					   ev->migratetype;

				if (im->bulk_end_list && im->bulk_end_list != list + 1 &&
				    !bulk_refill_end(im, error))
					return FALSE;
				if (!bulk_refill(im, ev, error))
					return FALSE;
				bulk_put(im, ev->pfn, seq, l->cpu, ev->order, ev->migratetype,
					 false);
				if (l->cpu >= 0 && l->cpu < im->hdr.cpus && ev->order >= 0 &&
				    ev->order <= PS_PAGE_ALLOC_COSTLY_ORDER &&
				    ev->migratetype >= 0 && ev->migratetype < PS_MT_PCPTYPES) {
					im->bulk_end_ev = *ev;
					im->bulk_end_list = list + 1;
				}
			} else {
				if (im->bulk_end_list && !bulk_refill_end(im, error))
					return FALSE;
				if (l->cpu >= 0 && l->cpu < im->hdr.cpus)
					im->bulk_refill[l->cpu] = 0;
				bulk_remove(im, ev->pfn);
			}
		}
		break;
	case PS_OBS_EXTFRAG:
		if (!get_u64(im, l, "pfn", &ev->pfn, error) ||
		    !get_int(im, l, "alloc_order", 0, PS_NR_ORDERS_MAX - 1, &ev->order, error) ||
		    !get_int(im, l, "fallback_order", 0, PS_NR_ORDERS_MAX - 1, &ev->fallback_order,
			     error) ||
		    !get_int(im, l, "alloc_migratetype", 0, 7, &ev->migratetype, error) ||
		    !get_int(im, l, "fallback_migratetype", 0, 7, &ev->fallback_migratetype, error))
			return FALSE;
		ev->has_pfn = true;
		/*
		 * The kernel prints fragmenting as fallback_order < pageblock_order. libtraceevent
		 * 1.7 (trace-cmd report, trace.dat) misreads that nested-ternary expression of the
		 * 6.18 format and prints 10 for every event, while pageblock_order, a plain
		 * ternary, comes out right. A value outside 0..1 beside a pageblock_order is
		 * therefore recomputed from the two orders the line does print, and counted.
		 */
		if (!get_int(im, l, "fragmenting", 0, INT_MAX, &v, error))
			return FALSE;
		if (v > 1 && kv(l, "pageblock_order")) {
			int pb;

			if (!get_int(im, l, "pageblock_order", 0, PS_NR_ORDERS_MAX - 1, &pb, error))
				return FALSE;
			v = ev->fallback_order < pb;
			im->st->extfrag_fragmenting_derived++;
		} else if (v > 1) {
			return line_error(im, error, "%s: fragmenting: '%s' is not an integer 0..1",
					  l->event, kv(l, "fragmenting"));
		}
		ev->fragmenting = (int8_t)v;
		if (!get_int(im, l, "change_ownership", 0, 1, &v, error))
			return FALSE;
		ev->change_ownership = (int8_t)v;
		break;
	case PS_OBS_KSWAPD_WAKE:
	case PS_OBS_KCOMPACTD_WAKE:
	case PS_OBS_DIRECT_RECLAIM_BEGIN:
		if (kv(l, "order") &&
		    !get_int(im, l, "order", 0, PS_NR_ORDERS_MAX - 1, &ev->order, error))
			return FALSE;
		if (obs == PS_OBS_DIRECT_RECLAIM_BEGIN)
			g_hash_table_add(im->in_reclaim, GINT_TO_POINTER(l->pid));
		if (obs == PS_OBS_DIRECT_RECLAIM_BEGIN && kv(l, "gfp_flags")) {
			GError *local = NULL;

			if (!parse_gfp(im, kv(l, "gfp_flags"), &ev->gfp, &local)) {
				line_error(im, error, "%s: gfp_flags: %s", l->event,
					   local->message);
				g_error_free(local);
				return FALSE;
			}
			ev->has_gfp = true;
		}
		break;
	case PS_OBS_DIRECT_RECLAIM_END:
		if (kv(l, "nr_reclaimed") && !get_value(im, l, "nr_reclaimed", ev, error))
			return FALSE;
		g_hash_table_remove(im->in_reclaim, GINT_TO_POINTER(l->pid));
		break;
	case PS_OBS_COMPACTION_END:
		/* value: the status as enum compact_result + 1 (0: not printed) */
		if (kv(l, "status")) {
			const char *st = kv(l, "status");
			int r;

			for (r = 0; r < PS_NR_COMPACT_RESULTS; r++)
				if (strcmp(st, ps_compact_result_names[r]) == 0)
					break;
			if (r == PS_NR_COMPACT_RESULTS)
				return line_error(im, error,
						  "%s: status: '%s' is not a compaction result",
						  l->event, st);
			ev->value = r + 1;
		}
		break;
	case PS_OBS_COMPACTION_MIGRATEPAGES:
		if (!get_value(im, l, "nr_migrated", ev, error))
			return FALSE;
		break;
	case PS_OBS_COMPACTION_ISOLATE_FREEPAGES:
	case PS_OBS_COMPACTION_FAST_ISOLATE_FREEPAGES: {
		/* "range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu", both from the class
		 * mm_compaction_isolate_template (include/trace/events/compaction.h) */
		unsigned long long start, end;
		int n = sscanf(l->raw, "range=(%llx ~ %llx)", &start, &end);

		if (n == 2 && end < start && obs == PS_OBS_COMPACTION_FAST_ISOLATE_FREEPAGES)
			/*
			 * min_pfn = free_pfn - (free_pfn - migrate_pfn) / 2 wraps when the
			 * migrate scanner has passed the free one (unsigned; seen on 6.18.44:
			 * "range=(0x80000000005ff600 ~ 0x5ff600) nr_taken=0"): no block is at or
			 * above it, so the search takes none. Kept as an empty range at free_pfn.
			 */
			start = end;
		if (n != 2 || end < start)
			return line_error(im, error, "%s: range: '%s' is not (0xSTART ~ 0xEND)",
					  l->event, l->raw);
		if (!get_value(im, l, "nr_taken", ev, error))
			return FALSE;
		ev->pfn = start;
		ev->has_pfn = true;
		ev->len = end - start;
		break;
	}
	case PS_OBS_COMPACTION_BEGIN:
		/*
		 * "zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s"
		 * (include/trace/events/compaction.h): where compact_zone's scanners started,
		 * kept for the fidelity report (PsTraceEvent.compact). A line with none of them
		 * (another tracepoint format) keeps none; with some, all must be there.
		 */
		if (kv(l, "zone_start") || kv(l, "migrate_pfn") || kv(l, "free_pfn") ||
		    kv(l, "zone_end") || kv(l, "mode")) {
			const char *mode = kv(l, "mode");

			if (!get_u64(im, l, "zone_start", &ev->compact.zone_start, error) ||
			    !get_u64(im, l, "migrate_pfn", &ev->compact.migrate_pfn, error) ||
			    !get_u64(im, l, "free_pfn", &ev->compact.free_pfn, error) ||
			    !get_u64(im, l, "zone_end", &ev->compact.zone_end, error))
				return FALSE;
			if (!mode)
				return line_error(im, error, "%s: mode: missing", l->event);
			/* the tracepoint prints sync for any mode but MIGRATE_ASYNC */
			ev->compact.sync = strcmp(mode, "async") != 0;
			ev->compact.has_start = true;
		}
		break;
	case PS_OBS_KSWAPD_SLEEP:
	case PS_OBS_PAGE_ALLOC: /* written by port_named */
	case PS_OBS_PAGE_FREE:
	case PS_NR_OBSERVED_EVENTS:
		break;
	}
	im->st->observed[obs]++;
	return im->portable ? port_write_observed(im, ev, error) : write_ev(im, ev, error);
}

/* Header lines and tool notices: counted. */
/*
 * A line of a header or comment (s after its leading spaces): empty, "# ...", or trace-cmd
 * report's "cpus=N", "version = ...", "CPU ..." and "trace-cmd: ..." lines. Event lines are told
 * by their first character mostly (a task's name).
 */
static bool header_text(const char *s)
{
	if (*s != '\0' && *s != '#' && *s != 'c' && *s != 'v' && *s != 'C' && *s != 't')
		return false;
	/* the second character first: most lines left are events of "cc1", "cat", ... */
	return !*s || *s == '#' || (s[1] == 'p' && has_prefix(s, "cpus=")) ||
	       (s[1] == 'e' && has_prefix(s, "version =")) ||
	       (s[1] == 'P' && has_prefix(s, "CPU ")) ||
	       (s[1] == 'r' && has_prefix(s, "trace-cmd:"));
}

static bool non_event_line(Imp *im, const char *s)
{
	while (*s == ' ')
		s++;
	if (!header_text(s))
		return false;
	if (!*s)
		return true;
	if (*s == '#') {
		const char *p = strstr(s, "entries-in-buffer/entries-written:");
		const char *np = strstr(s, "#P:");

		if (p) {
			uint64_t a = 0, b = 0;

			if (sscanf(p + 34, " %" SCNu64 "/%" SCNu64, &a, &b) == 2) {
				im->st->entries_in_buffer = a;
				im->st->entries_written = b;
			}
		}
		if (np && !im->st->cpus_from_input)
			im->st->cpus_from_input = atoi(np + 3);
		if (strstr(s, "tracer:"))
			im->st->detected = PS_IMPORT_FTRACE;
	} else if (*s == 'c') {
		im->st->cpus_from_input = atoi(s + 5);
		im->st->detected = PS_IMPORT_TRACE_CMD;
	}
	im->st->comment_lines++;
	return true;
}

/*
 * A lost-events notice (a line that is not an event: it has no " [CPU]" field): counted. Asked
 * only of lines that are not events, since it looks through the whole line.
 */
static bool lost_events_line(Imp *im, const char *s)
{
	const char *lost = strstr(s, "LOST ");

	while (*s == ' ')
		s++;
	if (lost && strstr(s, "EVENTS]")) {
		im->st->lost_events += g_ascii_strtoull(lost + 5, NULL, 10);
		im->st->comment_lines++;
		return true;
	}
	/* trace-cmd report: "CPU:1 [15055 EVENTS DROPPED]", or without a count */
	if (has_prefix(s, "CPU:") && strstr(s, "EVENTS DROPPED]")) {
		const char *n = strchr(s, '[');

		im->st->lost_events += MAX(g_ascii_strtoull(n + 1, NULL, 10), 1);
		im->st->comment_lines++;
		return true;
	}
	return false;
}

/*
 * Compaction a task asked for. mm_compaction_begin fires once per zone compact_zone works on.
 * kcompactd's runs (woken or proactive) are the model's own; a direct compaction announces
 * itself with mm_compaction_try_to_compact_pages and ends at the task's next allocation. Any
 * other MIGRATE_SYNC run in a task's context (mode=sync: direct compaction gets there only at
 * its last priority, so a recording without try_to_compact_pages rarely misleads) is a write to
 * /proc/sys/vm/compact_memory: compact_nodes walks every node's zones upward, so a begin at a
 * higher zone_start than the task's previous one continues the same request. Each request becomes
 * one `compact` record, written before its first begin, which policy replay carries out (every
 * zone, as the sysctl does; a write to one node's /sys/devices/system/node/nodeN/compact looks the
 * same and is taken as the sysctl). A portable import (port_line) writes the same records.
 */
static gboolean note_compaction(Imp *im, const Line *l, enum ev_class cls,
				enum ps_observed_event obs, uint64_t t, GError **error)
{
	gpointer key = GINT_TO_POINTER(l->pid);
	CompactReq *req = g_hash_table_lookup(im->compacting, key);
	bool begin = cls == EVC_OBSERVED && obs == PS_OBS_COMPACTION_BEGIN;
	uint64_t zone_start = 0;
	PsTraceEvent ev;

	if (cls == EVC_ALLOC) {
		if (req)
			g_hash_table_remove(im->compacting, key);
		return TRUE;
	}
	/* the sysctl compacts MIGRATE_SYNC; async and sync_light runs are direct or kcompactd's */
	if (cls != EVC_COMPACT_DIRECT &&
	    (!begin || has_prefix(l->comm, "kcompactd") || g_strcmp0(kv(l, "mode"), "sync")))
		return TRUE;
	if (begin && !get_u64(im, l, "zone_start", &zone_start, error))
		return FALSE;
	if (!req) {
		req = g_new0(CompactReq, 1);
		g_hash_table_insert(im->compacting, key, req);
	}
	if (cls == EVC_COMPACT_DIRECT) {
		req->direct = true;
		return TRUE;
	}
	if (req->direct || (req->requested && zone_start > req->zone_start)) {
		req->zone_start = zone_start;
		return TRUE;
	}
	req->requested = true;
	req->zone_start = zone_start;
	ps_trace_event_init(&ev);
	ev.t_ns = t;
	ev.op = PS_OP_COMPACT;
	ev.value = -1; /* the whole zones, as compact_memory does (not order 0) */
	/*
	 * The writer's cpu: migrate_pages puts each migrated folio's old page on this cpu's pcp
	 * (compact-portable: its 19,602 migrated pages on cpu 1's list, which then drains while
	 * the workload unmaps; replayed on cpu 0 they would drain there instead)
	 */
	ev.cpu = l->cpu;
	im->st->compact_requests++;
	return write_ev(im, &ev, error);
}

/* ---- portable import ---------------------------------------------------------------------- */

/*
 * --portable: what memory is for, not which pages held it. Per task the importer keeps the
 * mappings the syscall tracepoints describe (mmap/munmap/brk/mremap/madvise, inherited at fork,
 * dropped at exec) and the recorded pages it has touched:
 *   sys_exit_mmap of MAP_ANONYMOUS   map; of a file: map of kind file (the fd's inode is not
 *                                    in the recording: the simulator knows the range only)
 *   munmap, brk shrink               unmap; brk growth: map
 *   mremap                           in place: map or unmap the difference; moved: unmap, map,
 *                                    and a touch of every page the old range had touched
 *   madvise HUGEPAGE / NOHUGEPAGE    map with thp true / false over the anonymous part
 *   madvise DONTNEED / REMOVE        unmap + map: the pages go, the mapping stays
 *   page_fault_user in an anonymous mapping, first time for that recorded page: touch of it;
 *   page_fault_kernel on a user address  the same (the kernel writing the task's memory:
 *                                    copy_to_user, clear_user); on a kernel address counted
 *   mm_filemap_add_to_page_cache     cache_add (file "MAJ:MIN:INO"), adjacent ones merged
 *                                    up to the task's next page_cache_ra_order of the file
 *                                    (a new window: a new record)
 *   mm_filemap_delete_from_page_cache cache_remove; reason reclaim in kswapd or direct reclaim,
 *                                    else truncate (the tracepoint does not tell truncate,
 *                                    unlink and invalidation apart; the simulator treats them
 *                                    alike)
 *   mm_page_alloc with __GFP_MOVABLE  left to the records above (user memory), counted
 *   GFP_PGTABLE_USER order 0         left to the simulator (its page tables, every level),
 *                                    counted
 *   exactly GFP_NOWAIT, order 0      left to the simulator (its mmu_gather batch pages), counted:
 *                                    __get_free_page(GFP_NOWAIT) of tlb_next_batch and
 *                                    tlb_remove_table; in recordings on this project's VM every
 *                                    such page came inside munmap/brk, after the task's
 *                                    sched_process_exit (exit_mmap) or just before its
 *                                    sched_process_exec (the old mm's exit_mmap). Slab pages
 *                                    taken GFP_NOWAIT carry __GFP_COMP and stay kernel pages.
 *   other mm_page_alloc / free        alloc with bytes (the recorded block's size) and a kind
 *                                    from the GFP flags (port_kernel_kind: slab_reclaimable,
 *                                    slab for allocate_slab's mask, else kernel: not
 *                                    attributed further); the simulator packs slab records
 *                                    into slab pages of its own size (sim/slab.c)
 *   sched_process_fork / exec / exit proc (with `parent` when the parent made page tables
 *                                    first: a fork that copied its mm, else `forked_by`: a
 *                                    vfork or a thread) / unmaps of the old image / exit
 *                                    (group_dead)
 * Faults outside the anonymous mappings known (the initial stack, file mappings, the ELF image)
 * are counted: a write fault in a private one is a touch (the copy is anonymous memory), a read
 * fault or a fault in a shared file mapping a touch of kind file (the page cache mapped: the
 * simulator makes its PTE page and gathers the entry at unmap). Threads: sched_process_fork
 * cannot tell a thread from a process, so each task id is a process of its own.
 * With --observed (opts->portable_observed) the allocator's events stay `observed` records and
 * each pfn's first allocation or free becomes one (port_named): pfns of the recording machine,
 * for a replay from its own snapshot.
 */
#define PAGE_4K 4096ull

/* PV_FILE: a private file mapping (a write fault copies the page: anonymous memory); PV_SHARED:
 * a shared one (writes dirty the page cache) */
enum { PV_ANON, PV_FILE, PV_SHARED };

typedef struct {
	uint64_t start, end;
	uint8_t kind;
	bool thp;
} PVma;

typedef struct {
	GArray *vmas;	       /* PVma */
	GHashTable *touched;   /* recorded page number -> 1 */
	uint64_t brk;	       /* current break; 0 = unknown */
	uint64_t last_fault;   /* address of the last first touch (anonymous), 0 = none */
	uint64_t repeat_write; /* page of the last fault if it was a write to a touched page, + 1 */
	uint64_t stray;	       /* pages touched outside every mapping known (stack, ELF image) */
	uint64_t pgt_allocs;   /* user page tables allocated since its last fault or syscall */
	GArray *held;	       /* HeldFault: kernel faults waiting for the task's next event */
	int sys;	       /* pending syscall: SYS_* */
	uint64_t a[6];
	/*
	 * The task's last page_cache_ra_order window (port_ra): its file ("" none) and the reason
	 * of the cache_adds it brings (PS_CACHE_FAULT, PS_CACHE_EXEC; 0: a read's). Per task, as
	 * the kernel's file_ra_state is per struct file: with one for the whole recording, a
	 * task's adds after another task's window took that window's reason (or lost their own).
	 */
	char ra_file[PS_TRACE_FILE_MAX];
	enum ps_cache_reason ra_reason;
} PTask;

enum { SYS_NONE, SYS_MMAP, SYS_MUNMAP, SYS_BRK, SYS_MREMAP, SYS_MADVISE };

/*
 * A kernel-mode fault on a user address outside every mapping known, held until the task's next
 * event of its own: load_elf_binary writes the new image (clear_user of the bss tail, padzero)
 * after begin_new_exec switched to the new mm and before sched_process_exec fires, so such a
 * fault followed by the exec belongs to the new image, not to the old one the exec unmaps. In
 * build-portable's recording (Dec 2026) 891 kernel faults came right before an exec (294 execs);
 * written before it, each was unmapped at once and the new image faulted its page tables again.
 */
typedef struct {
	uint64_t addr;
	int cpu;
	bool write;
} HeldFault;
/*
 * The page tables a task allocated between its last fault or syscall and sched_process_fork
 * that say the fork copied its mm: dup_mm makes the child's PGD and copies at least the tables
 * of its stack, one a level (4 on the 4-level recording machines: x86-64, arm64 4K 48-bit); a
 * fault's walk finds the PGD and allocates 3 at most, so a vfork just after a read fault that
 * made a PTE page is not taken for a copy (2 such forks in build-portable's recording).
 */
#define PORT_FORK_MIN_TABLES 4

static void ptask_free(gpointer p)
{
	PTask *t = p;

	g_array_unref(t->vmas);
	g_hash_table_unref(t->touched);
	if (t->held)
		g_array_unref(t->held);
	g_free(t);
}

static PTask *ptask_new(void)
{
	PTask *t = g_new0(PTask, 1);

	t->vmas = g_array_new(FALSE, FALSE, sizeof(PVma));
	t->touched = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	return t;
}

static PTask *ptask(Imp *im, int pid)
{
	PTask *t = g_hash_table_lookup(im->tasks, GINT_TO_POINTER(pid));

	if (!t) {
		t = ptask_new();
		g_hash_table_insert(im->tasks, GINT_TO_POINTER(pid), t);
	}
	return t;
}

/* Writes the cache record still growing, if any. */
static gboolean flush_pending(Imp *im, GError **error)
{
	/* cleared first: write_ev calls back here while it is set */
	if (!im->have_pending)
		return TRUE;
	im->have_pending = false;
	if (!write_ev(im, &im->pending, error))
		return FALSE;
	for (guint i = 0; im->held_obs && i < im->held_obs->len; i++)
		if (!write_ev(im, &g_array_index(im->held_obs, PsTraceEvent, i), error))
			return FALSE;
	if (im->held_obs)
		g_array_set_size(im->held_obs, 0);
	return TRUE;
}

/*
 * An observed record of a portable import (--observed): behind a cache record still growing, so
 * that it does not cut the merge of adjacent pages short (cache_add ranges the same with and
 * without --observed), written after it (time order: the range began first).
 */
static gboolean port_write_observed(Imp *im, const PsTraceEvent *ev, GError **error)
{
	if (!im->have_pending)
		return write_ev(im, ev, error);
	if (!im->held_obs)
		im->held_obs = g_array_new(FALSE, FALSE, sizeof(PsTraceEvent));
	g_array_append_val(im->held_obs, *ev);
	return TRUE;
}

static gboolean port_write(Imp *im, const PsTraceEvent *ev, GError **error)
{
	return write_ev(im, ev, error);
}

/* map, touch or unmap of [addr, addr + len); kind PS_KIND_FILE on map and touch: file memory */
static gboolean emit_range_kind(Imp *im, enum ps_trace_op op, int pid, uint64_t t, uint64_t addr,
				uint64_t len, bool thp, enum ps_alloc_kind kind, GError **error)
{
	PsTraceEvent ev;

	if (!len)
		return TRUE;
	ps_trace_event_init(&ev);
	ev.kind = op == PS_OP_UNMAP ? PS_KIND_UNSPEC : kind;
	ev.t_ns = t;
	ev.op = op;
	ev.pid = pid;
	ev.addr = addr;
	ev.len = len;
	ev.thp = op == PS_OP_MAP && thp;
	ev.cpu = im->port_cpu;
	if (op == PS_OP_MAP)
		im->st->port.maps++;
	else if (op == PS_OP_UNMAP)
		im->st->port.unmaps++;
	else if (kind == PS_KIND_FILE)
		im->st->port.file_touches++;
	else if (kind == PS_KIND_ANON)
		; /* port_cow counts it */
	else
		im->st->port.touches++;
	return port_write(im, &ev, error);
}

static gboolean emit_range(Imp *im, enum ps_trace_op op, int pid, uint64_t t, uint64_t addr,
			   uint64_t len, bool thp, GError **error)
{
	return emit_range_kind(im, op, pid, t, addr, len, thp, PS_KIND_UNSPEC, error);
}

/* The kind of the map record of a mapping of kind PV_*. */
static enum ps_alloc_kind pv_map_kind(uint8_t kind)
{
	return kind == PV_ANON ? PS_KIND_UNSPEC : PS_KIND_FILE;
}

/* Removes [start, end) from t's mappings (the part of a mapping outside it stays). */
static void vmas_cut(PTask *t, uint64_t start, uint64_t end)
{
	for (guint i = 0; i < t->vmas->len;) {
		PVma *v = &g_array_index(t->vmas, PVma, i);

		if (v->end <= start || v->start >= end) {
			i++;
		} else if (v->start >= start && v->end <= end) {
			g_array_remove_index(t->vmas, i);
		} else if (v->start < start && v->end > end) {
			PVma tail = *v;

			tail.start = end;
			v->end = start;
			g_array_insert_val(t->vmas, i + 1, tail);
			i += 2;
		} else {
			if (v->start < start)
				v->end = start;
			else
				v->start = end;
			i++;
		}
	}
}

static const PVma *vma_at(const PTask *t, uint64_t addr)
{
	for (guint i = 0; i < t->vmas->len; i++) {
		const PVma *v = &g_array_index(t->vmas, PVma, i);

		if (v->start <= addr && addr < v->end)
			return v;
	}
	return NULL;
}

static gboolean touched_in(gpointer key, gpointer value, gpointer range)
{
	uint64_t a = (uint64_t) * (gint64 *)key * PAGE_4K;
	const uint64_t *r = range;

	(void)value;
	return a >= r[0] && a < r[1];
}

/* Forgets the touched pages of [start, end): by page or by entry, whichever is fewer. */
static void untouch(PTask *t, uint64_t start, uint64_t end)
{
	uint64_t r[2] = {start & ~(PAGE_4K - 1), end};

	if ((end - r[0]) / PAGE_4K > g_hash_table_size(t->touched)) {
		g_hash_table_foreach_remove(t->touched, touched_in, r);
		return;
	}
	for (uint64_t a = r[0]; a < end; a += PAGE_4K) {
		gint64 k = (gint64)(a / PAGE_4K);

		g_hash_table_remove(t->touched, &k);
	}
}

/* unmap of the anonymous parts of [start, end), which leave t's mappings. */
static gboolean unmap_range(Imp *im, PTask *t, int pid, uint64_t ts, uint64_t start, uint64_t end,
			    bool keep, GError **error)
{
	GArray *parts = g_array_new(FALSE, FALSE, sizeof(PVma));
	gboolean ok = TRUE;

	for (guint i = 0; i < t->vmas->len; i++) {
		PVma v = g_array_index(t->vmas, PVma, i);

		if (v.end <= start || v.start >= end)
			continue;
		v.start = MAX(v.start, start);
		v.end = MIN(v.end, end);
		g_array_append_val(parts, v);
	}
	/* every mapping: its copied pages (write faults) and its page-cache PTEs go with it */
	for (guint i = 0; i < parts->len && ok; i++) {
		const PVma *v = &g_array_index(parts, PVma, i);

		ok = emit_range(im, PS_OP_UNMAP, pid, ts, v->start, v->end - v->start, false,
				error) &&
		     (!keep || emit_range_kind(im, PS_OP_MAP, pid, ts, v->start, v->end - v->start,
					       v->thp, pv_map_kind(v->kind), error));
	}
	untouch(t, start, end);
	if (!keep)
		vmas_cut(t, start, end);
	g_array_unref(parts);
	return ok;
}

static gboolean map_range(Imp *im, PTask *t, int pid, uint64_t ts, uint64_t start, uint64_t end,
			  uint8_t kind, GError **error)
{
	PVma v = {start, end, kind, false};

	if (end <= start)
		return TRUE;
	/* MAP_FIXED over old mappings: the old pages go */
	if (!unmap_range(im, t, pid, ts, start, end, false, error))
		return FALSE;
	g_array_append_val(t->vmas, v);
	return emit_range_kind(im, PS_OP_MAP, pid, ts, start, end - start, false, pv_map_kind(kind),
			       error);
}

static uint64_t page_up(uint64_t x)
{
	return (x + PAGE_4K - 1) & ~(PAGE_4K - 1);
}

/* Linux returns -errno as an unsigned long: the top 4095 values are errors. */
static bool sys_failed(uint64_t ret)
{
	return ret >= (uint64_t)-4095;
}

static gboolean port_syscall(Imp *im, const Line *l, uint64_t ts, GError **error)
{
	PTask *t = ptask(im, l->pid);
	static const char *const names[] = {"", "mmap", "munmap", "brk", "mremap", "madvise"};
	int sys = SYS_NONE;
	uint64_t r = l->ret, *a = t->a;

	for (int i = 1; i < (int)G_N_ELEMENTS(names); i++)
		if (strcmp(l->sysname, names[i]) == 0)
			sys = i;
	if (sys == SYS_NONE) {
		im->st->known_skipped++;
		return TRUE;
	}
	if (l->sys == 1) {
		t->sys = sys;
		memset(t->a, 0, sizeof(t->a));
		memcpy(t->a, l->args, sizeof(uint64_t) * (size_t)MIN(l->nargs, 6));
		return TRUE;
	}
	if (t->sys != sys) {
		im->st->port.syscalls_unmatched++;
		return TRUE;
	}
	t->sys = SYS_NONE;
	if (sys == SYS_BRK) {
		/* brk(0) reads the break; a move maps or unmaps between the old and new one */
		uint64_t old = t->brk;

		t->brk = r;
		if (!old || r == old)
			return TRUE;
		im->st->port.brk_moves++;
		if (r > old)
			return map_range(im, t, l->pid, ts, page_up(old), page_up(r), PV_ANON,
					 error);
		return unmap_range(im, t, l->pid, ts, page_up(r), page_up(old), false, error);
	}
	if (sys_failed(r))
		return TRUE;
	switch (sys) {
	case SYS_MMAP:
		/* addr, len, prot, flags (MAP_ANONYMOUS 0x20), fd, off */
		/* flags: MAP_ANONYMOUS 0x20; MAP_SHARED 0x1 (MAP_SHARED_VALIDATE 0x3) */
		return map_range(im, t, l->pid, ts, r, r + page_up(a[1]),
				 (a[3] & 0x20)	? PV_ANON
				 : (a[3] & 0x1) ? PV_SHARED
						: PV_FILE,
				 error);
	case SYS_MUNMAP:
		return unmap_range(im, t, l->pid, ts, a[0], a[0] + page_up(a[1]), false, error);
	case SYS_MREMAP: {
		/* addr, old_len, new_len, flags, new_addr */
		uint64_t o = page_up(a[1]), n = page_up(a[2]);
		const PVma *v = vma_at(t, a[0]);
		uint8_t kind = v ? v->kind : PV_FILE;
		GArray *moved;

		im->st->port.mremaps++;
		if (r == a[0]) {
			if (n > o)
				return map_range(im, t, l->pid, ts, a[0] + o, a[0] + n, kind,
						 error);
			return unmap_range(im, t, l->pid, ts, a[0] + n, a[0] + o, false, error);
		}
		/* moved: the pages go with the mapping */
		moved = g_array_new(FALSE, FALSE, sizeof(uint64_t));
		for (uint64_t p = a[0]; p < a[0] + MIN(o, n); p += PAGE_4K) {
			gint64 k = (gint64)(p / PAGE_4K);

			if (g_hash_table_contains(t->touched, &k)) {
				uint64_t to = r + (p - a[0]);

				g_array_append_val(moved, to);
			}
		}
		if (!unmap_range(im, t, l->pid, ts, a[0], a[0] + o, false, error) ||
		    !map_range(im, t, l->pid, ts, r, r + n, kind, error)) {
			g_array_unref(moved);
			return FALSE;
		}
		for (guint i = 0; i < moved->len; i++) {
			uint64_t p = g_array_index(moved, uint64_t, i);
			gint64 *k = g_new(gint64, 1);

			*k = (gint64)(p / PAGE_4K);
			g_hash_table_add(t->touched, k);
			if (!emit_range(im, PS_OP_TOUCH, l->pid, ts, p, PAGE_4K, false, error)) {
				g_array_unref(moved);
				return FALSE;
			}
		}
		g_array_unref(moved);
		return TRUE;
	}
	case SYS_MADVISE: {
		/* start, len_in, behavior: MADV_DONTNEED 4, MADV_REMOVE 9, MADV_HUGEPAGE 14,
		 * MADV_NOHUGEPAGE 15 */
		uint64_t start = a[0], end = a[0] + page_up(a[1]);

		if (a[2] == 4 || a[2] == 9) {
			im->st->port.madv_dontneed++;
			return unmap_range(im, t, l->pid, ts, start, end, true, error);
		}
		if (a[2] != 14 && a[2] != 15) {
			im->st->port.madv_other++;
			return TRUE;
		}
		im->st->port.madv_thp++;
		for (guint i = 0; i < t->vmas->len; i++) {
			PVma *v = &g_array_index(t->vmas, PVma, i);
			uint64_t s0 = MAX(v->start, start), e0 = MIN(v->end, end);

			if (v->kind != PV_ANON || s0 >= e0)
				continue;
			/* the whole mapping takes the flag (the kernel splits the VMA; the
			 * simulator's map replaces the range and keeps its pages) */
			if (!emit_range(im, PS_OP_MAP, l->pid, ts, s0, e0 - s0, a[2] == 14, error))
				return FALSE;
			if (s0 == v->start && e0 == v->end)
				v->thp = a[2] == 14;
		}
		return TRUE;
	}
	}
	return TRUE;
}

/*
 * The lowest kernel address of the recording machine: x86-64's with 4-level paging
 * (0xffff800000000000), above every user address of 4- and 5-level paging (TASK_SIZE_MAX at
 * most 2^56 - 4096). A kernel-mode fault below it is the kernel touching user memory.
 */
#define PORT_KERNEL_ADDR 0xffff800000000000ull

/* A fault of task pid at addr (write: x86 X86_PF_WRITE; perf's page-faults event has none). */
static gboolean port_fault_at(Imp *im, int pid, uint64_t ts, uint64_t addr, bool kernel, bool write,
			      GError **error)
{
	PTask *t = ptask(im, pid);
	const PVma *v;
	gint64 *k;

	if (kernel) {
		/*
		 * exceptions:page_fault_kernel: a fault in kernel mode. On a user address it is a
		 * fault of the task's memory like a user one (copy_to_user into a buffer not
		 * touched yet, clear_user of a new image's bss tail); on the kernel's own
		 * addresses (vmalloc, a bad pointer) it is no memory of the task's.
		 */
		if (addr >= PORT_KERNEL_ADDR) {
			im->st->port.faults_kernel_skipped++;
			return TRUE;
		}
		im->st->port.faults_kernel++;
	}
	im->st->port.faults++;
	t->last_fault = 0;
	t->repeat_write = 0;
	v = vma_at(t, addr);
	if (!v || v->kind != PV_ANON) {
		if (!v)
			im->st->port.faults_unknown++;
		else
			im->st->port.faults_file++;
		/*
		 * A write fault in a private file mapping (do_cow_fault, wp_page_copy) or in
		 * memory execve set up without a syscall of the recording (the stack, the ELF
		 * image's data and bss: all private) gets an anonymous page. Reads map the page
		 * cache or the zero page: nothing.
		 */
		if (!write || (v && v->kind == PV_SHARED)) {
			/*
			 * do_read_fault / do_shared_fault: a page-cache page mapped (or the zero
			 * page, in the stack: the simulator takes it for a file page). Each fault
			 * is written: a present page was not faulted again unless it went.
			 */
			if (!v)
				t->stray++;
			return emit_range_kind(im, PS_OP_TOUCH, pid, ts, addr & ~(PAGE_4K - 1),
					       PAGE_4K, false, PS_KIND_FILE, error);
		}
		im->st->port.faults_cow++;
		if (!v)
			t->stray++;
	}
	k = g_new(gint64, 1);
	*k = (gint64)(addr / PAGE_4K);
	if (g_hash_table_contains(t->touched, k)) {
		g_free(k);
		im->st->port.faults_repeat++;
		/* a write to a page the task has: a copy when an order-0 page without
		 * __GFP_ZERO follows (port_cow) */
		if (write)
			t->repeat_write = (addr & ~(PAGE_4K - 1)) + 1;
		return TRUE;
	}
	g_hash_table_add(t->touched, k);
	t->last_fault = addr;
	return emit_range(im, PS_OP_TOUCH, pid, ts, addr & ~(PAGE_4K - 1), PAGE_4K, false, error);
}

/* The task's held kernel faults, as faults at ts on the cpus they were recorded on. */
static gboolean port_flush_held(Imp *im, int pid, uint64_t ts, GError **error)
{
	PTask *t = g_hash_table_lookup(im->tasks, GINT_TO_POINTER(pid));
	int cpu = im->port_cpu;
	gboolean ok = TRUE;

	if (!t || !t->held || !t->held->len)
		return TRUE;
	for (guint i = 0; ok && i < t->held->len; i++) {
		const HeldFault *h = &g_array_index(t->held, HeldFault, i);

		im->port_cpu = h->cpu;
		ok = port_fault_at(im, pid, ts, h->addr, true, h->write, error);
	}
	im->port_cpu = cpu;
	g_array_set_size(t->held, 0);
	return ok;
}

static int cmp_int(const void *a, const void *b)
{
	int x = GPOINTER_TO_INT(*(const gpointer *)a), y = GPOINTER_TO_INT(*(const gpointer *)b);

	return (x > y) - (x < y);
}

/* The end of the recording: every task's held kernel faults, in pid order. */
static gboolean port_flush_all_held(Imp *im, GError **error)
{
	guint n = 0;
	g_autofree gpointer *pids = g_hash_table_get_keys_as_array(im->tasks, &n);
	gboolean ok = TRUE;

	qsort(pids, n, sizeof(pids[0]), cmp_int);
	for (guint i = 0; ok && i < n; i++)
		ok = port_flush_held(im, GPOINTER_TO_INT(pids[i]), im->last_t, error);
	return ok;
}

static gboolean port_fault(Imp *im, const Line *l, uint64_t ts, bool kernel, GError **error)
{
	const char *ec = kv(l, "error_code");
	bool write = ec && (strtoull(ec, NULL, 16) & 0x2);
	uint64_t addr;
	PTask *t;

	if (!get_u64(im, l, "address", &addr, error))
		return FALSE;
	t = ptask(im, l->pid);
	if (kernel && addr < PORT_KERNEL_ADDR && !vma_at(t, addr)) {
		HeldFault h = {addr, l->cpu, write};

		if (!t->held)
			t->held = g_array_new(FALSE, FALSE, sizeof(HeldFault));
		g_array_append_val(t->held, h);
		return TRUE;
	}
	if (!port_flush_held(im, l->pid, ts, error))
		return FALSE;
	return port_fault_at(im, l->pid, ts, addr, kernel, write, error);
}

/*
 * An order-0 movable page without __GFP_ZERO right after a task's write fault on a page it has
 * touched is wp_page_copy's copy of a page it shares (with a forked child, which keeps the old
 * one): a touch of kind anon, which copies the page. (A write to the zero page takes a zeroed
 * page, which the first touch already made.)
 */
static gboolean port_cow(Imp *im, const Line *l, uint64_t ts, uint64_t gfp, int order,
			 GError **error)
{
	PTask *t = g_hash_table_lookup(im->tasks, GINT_TO_POINTER(l->pid));
	uint64_t page;

	if (!t || !t->repeat_write)
		return TRUE;
	page = t->repeat_write - 1;
	t->repeat_write = 0;
	if (order != 0 || (gfp & (PS_GFP_ZERO | PS_GFP_WRITE)))
		return TRUE;
	im->st->port.cow_copies++;
	return emit_range_kind(im, PS_OP_TOUCH, l->pid, ts, page, PAGE_4K, false, PS_KIND_ANON,
			       error);
}

/*
 * A large movable folio right after a task's first touch of an anonymous page is that fault's
 * folio (do_huge_pmd_anonymous_page, alloc_anon_folio): the recording kernel populated its whole
 * aligned range, which the one fault event does not show. Touches for the rest of it, inside
 * the mapping.
 */
static gboolean port_large_fault(Imp *im, const Line *l, uint64_t ts, int order, GError **error)
{
	PTask *t = g_hash_table_lookup(im->tasks, GINT_TO_POINTER(l->pid));
	uint64_t bytes = PAGE_4K << order, base, end;
	const PVma *v;

	if (!t || !t->last_fault || !(v = vma_at(t, t->last_fault)))
		return TRUE;
	base = MAX(t->last_fault & ~(bytes - 1), v->start);
	end = MIN((t->last_fault & ~(bytes - 1)) + bytes, v->end);
	t->last_fault = 0;
	im->st->port.large_faults++;
	/* the untouched pages of the range, in runs: one touch record a run */
	for (uint64_t a = base, run = 0; a <= end; a += PAGE_4K) {
		gint64 *k = NULL;
		bool fresh = false;

		if (a < end) {
			k = g_new(gint64, 1);
			*k = (gint64)(a / PAGE_4K);
			fresh = !g_hash_table_contains(t->touched, k);
		}
		if (fresh) {
			g_hash_table_add(t->touched, k);
			if (!run)
				run = a;
			continue;
		}
		g_free(k);
		if (run && !emit_range(im, PS_OP_TOUCH, l->pid, ts, run, a - run, false, error))
			return FALSE;
		run = 0;
	}
	return TRUE;
}

static gboolean port_sched(Imp *im, const Line *l, uint64_t ts, GError **error)
{
	if (strcmp(l->event, "sched_process_fork") == 0) {
		const char *cp = kv(l, "child_pid"), *cc = kv(l, "child_comm");
		PTask *parent = ptask(im, l->pid), *child;
		int pid = cp ? atoi(cp) : -1;
		PsTraceEvent ev;

		if (pid <= 0 || pid > 4194304)
			return line_error(im, error,
					  "sched_process_fork: child_pid: missing or bad");
		im->st->port.forks++;
		child = ptask_new();
		g_array_append_vals(child->vmas, parent->vmas->data, parent->vmas->len);
		child->brk = parent->brk;
		/* the parent's pages outside the known mappings (its stack) are the child's too */
		child->stray = parent->stray;
		g_hash_table_replace(im->tasks, GINT_TO_POINTER(pid), child);
		/* the child's own name from the start (note_proc would wait for its first line) */
		ps_trace_event_init(&ev);
		ev.t_ns = ts;
		ev.op = PS_OP_PROC;
		ev.pid = pid;
		g_strlcpy(ev.comm, cc && g_utf8_validate(cc, -1, NULL) ? cc : "?", sizeof(ev.comm));
		/*
		 * dup_mm (a fork without CLONE_VM) allocates the child's PGD and copies page
		 * tables in the parent's context before sched_process_fork fires; a vfork or a
		 * thread shares the mm and allocates none. The simulator copies the tables. Either
		 * way the scheduler places the new task (wake_up_new_task), so one without a copy
		 * names its forker too (forked_by).
		 */
		if (parent->pgt_allocs >= PORT_FORK_MIN_TABLES && l->pid > 0) {
			ev.value = l->pid;
			im->st->port.fork_copies++;
		} else if (l->pid > 0 && l->pid != pid) {
			ev.forked_by = l->pid;
		}
		parent->pgt_allocs = 0;
		g_hash_table_insert(im->comms, GINT_TO_POINTER(pid), g_strdup(ev.comm));
		im->comm_pid = -1; /* note_proc's cached value may be the one replaced */
		im->st->procs++;
		/* the child's inherited anonymous mappings: its COW faults are its own pages */
		if (!port_write(im, &ev, error))
			return FALSE;
		for (guint i = 0; i < child->vmas->len; i++) {
			const PVma *v = &g_array_index(child->vmas, PVma, i);

			if (!emit_range_kind(im, PS_OP_MAP, pid, ts, v->start, v->end - v->start,
					     v->thp, pv_map_kind(v->kind), error))
				return FALSE;
		}
		return TRUE;
	}
	if (strcmp(l->event, "sched_process_exec") == 0) {
		PTask *t = ptask(im, l->pid);

		im->st->port.execs++;
		t->pgt_allocs = 0;
		/* a new mm: the old image's memory goes; pages outside every mapping known
		 * (stack, ELF data) with one unmap of the whole user range */
		if (!unmap_range(im, t, l->pid, ts, 0, UINT64_MAX, false, error))
			return FALSE;
		if (t->stray &&
		    !emit_range(im, PS_OP_UNMAP, l->pid, ts, 0, 1ull << 56, false, error))
			return FALSE;
		t->stray = 0;
		g_array_set_size(t->vmas, 0);
		t->brk = 0;
		return TRUE;
	}
	if (strcmp(l->event, "sched_process_exit") == 0) {
		const char *gd = kv(l, "group_dead");
		PsTraceEvent ev;

		if (gd && strcmp(gd, "true") != 0)
			return TRUE; /* a thread; the process lives on */
		im->st->port.exits++;
		g_hash_table_remove(im->tasks, GINT_TO_POINTER(l->pid));
		ps_trace_event_init(&ev);
		ev.t_ns = ts;
		ev.op = PS_OP_EXIT;
		ev.pid = l->pid;
		ev.cpu = l->cpu;
		return port_write(im, &ev, error);
	}
	im->st->known_skipped++;
	return TRUE;
}

/* mm_filemap_add_to_page_cache / _delete_: "dev M:m ino I pfn=... ofs=BYTES order=O". */
static gboolean cache_record(Imp *im, const PsTraceEvent *e, GError **error);

static gboolean port_filemap(Imp *im, const Line *l, uint64_t ts, bool add, GError **error)
{
	unsigned maj = 0, min = 0;
	char ino[24] = "";
	uint64_t ofs;
	int order;
	PsTraceEvent ev;

	if (sscanf(l->raw, "dev %u:%u ino %23s", &maj, &min, ino) != 3)
		return line_error(im, error, "%s: dev and ino: not \"dev M:m ino I\"", l->event);
	if (!get_u64(im, l, "ofs", &ofs, error) ||
	    !get_int(im, l, "order", 0, PS_NR_ORDERS_MAX - 1, &order, error))
		return FALSE;
	ps_trace_event_init(&ev);
	ev.t_ns = ts;
	ev.op = add ? PS_OP_CACHE_ADD : PS_OP_CACHE_REMOVE;
	g_snprintf(ev.file, sizeof(ev.file), "%u:%u:%s", maj, min, ino);
	ev.offset = ofs;
	ev.len = (uint64_t)im->hdr.page_size << order;
	ev.pid = l->pid;
	ev.cpu = l->cpu;
	if (!add) {
		bool reclaim = has_prefix(l->comm, "kswapd") ||
			       g_hash_table_contains(im->in_reclaim, GINT_TO_POINTER(l->pid));

		ev.reason = reclaim ? PS_CACHE_RECLAIM : PS_CACHE_TRUNCATE;
		im->st->port.cache_removes++;
		im->st->port.cache_remove_bytes += ev.len;
		im->st->port.cache_removes_reclaim += reclaim;
	} else {
		/* inside a fault's readahead window of this task and file */
		const PTask *t = g_hash_table_lookup(im->tasks, GINT_TO_POINTER(ev.pid));

		const char *pfns = kv(l, "pfn");
		gpointer v =
		    pfns ? g_hash_table_lookup(im->dropped,
					       (gpointer)(uintptr_t)g_ascii_strtoull(pfns, NULL, 0))
			 : NULL;

		im->st->port.cache_adds++;
		im->st->port.cache_add_bytes += ev.len;
		if (GPOINTER_TO_INT(v) & PORT_WRITE)
			/* a write's folio: its size is the write's (fgf_set_order), kept as one
			 * record of its own */
			ev.reason = PS_CACHE_WRITE;
		else if (t && strcmp(t->ra_file, ev.file) == 0)
			ev.reason = t->ra_reason;
		im->st->port.cache_fault_bytes += ev.reason == PS_CACHE_FAULT ? ev.len : 0;
		im->st->port.cache_exec_bytes += ev.reason == PS_CACHE_EXEC ? ev.len : 0;
	}
	return cache_record(im, &ev, error);
}

/*
 * page_cache_ra_order: "dev=M:m ino=I index=X order=O size=S async_size=A ra_pages=R", the
 * window whose pages the task's next mm_filemap_add_to_page_cache of that file add (kept per
 * task: two tasks faulting one file in turn each keep their own window's reason). Which
 * window it is follows from how 6.18 set it: do_sync_mmap_readahead's read-around is S == R,
 * A == R / 4 at order 0, its VM_EXEC window A == 0 (a read's sync window has A >= 1 unless
 * R is 1 page, an async one A == S); those adds are cache_adds with reason fault / exec.
 */
static gboolean port_ra(Imp *im, const Line *l, GError **error)
{
	const char *dev = kv(l, "dev"), *ino = kv(l, "ino");
	uint64_t size, async, ra_pages;
	PTask *t;
	int order;

	if (!dev || !ino)
		return line_error(im, error, "%s: dev and ino: missing", l->event);
	if (!get_u64(im, l, "size", &size, error) || !get_u64(im, l, "async_size", &async, error) ||
	    !get_u64(im, l, "ra_pages", &ra_pages, error) ||
	    !get_int(im, l, "order", 0, PS_NR_ORDERS_MAX - 1, &order, error))
		return FALSE;
	t = ptask(im, l->pid);
	g_snprintf(t->ra_file, sizeof(t->ra_file), "%s:%s", dev, ino);
	/* a new window of this task's file: its adds are a record of their own, not merged
	 * into the last window's (a read()'s sync window and the async step the same read
	 * triggers are two page_cache_ra_order calls, and the model reads each as a window) */
	if (im->have_pending && im->pending.op == PS_OP_CACHE_ADD && im->pending.pid == l->pid &&
	    strcmp(im->pending.file, t->ra_file) == 0 && !flush_pending(im, error))
		return FALSE;
	if (async == 0 && size > 0 && ra_pages > 1)
		t->ra_reason = PS_CACHE_EXEC;
	else if (order == 0 && size == ra_pages && async == ra_pages / 4 && async != size)
		t->ra_reason = PS_CACHE_FAULT;
	else
		t->ra_reason = 0;
	im->st->port.ra_windows++;
	im->st->port.ra_pages_max = MAX(im->st->port.ra_pages_max, ra_pages);
	return TRUE;
}

/* A cache record: the next page of the same file by the same task joins the pending range. */
static gboolean cache_record(Imp *im, const PsTraceEvent *e, GError **error)
{
	PsTraceEvent ev = *e;
	PsTraceEvent *p = &im->pending;

	/* the next page of the same file by the same task: one range */
	if (im->have_pending && p->op == ev.op && p->pid == ev.pid && p->reason == ev.reason &&
	    ev.reason != PS_CACHE_WRITE && !strcmp(p->file, ev.file) &&
	    p->offset + p->len == ev.offset) {
		p->len += ev.len;
		return TRUE;
	}
	if (!flush_pending(im, error))
		return FALSE;
	*p = ev;
	im->have_pending = true;
	return TRUE;
}

/*
 * The same first pass finds the readahead pages the kernel freed without inserting them: a
 * movable allocation with readahead_gfp_mask's __GFP_NORETRY (and no __GFP_NOMEMALLOC: a THP
 * fault's mask has it) whose pfn is freed with no mm_filemap_add_to_page_cache of it in between.
 * page_cache_ra_unbounded and ra_alloc_folio (mm/readahead.c) put the new folio when
 * filemap_add_folio fails (another task inserted that index first: two compilers faulting one
 * file), a free on the allocating cpu that halves its pcp alloc_factor
 * (free_frozen_page_commit). Left out, the replay's pcp never saw those frees and its refill
 * batches grew where the kernel's shrank (build-portable of Dec 2026: 3205 such pairs, freed
 * 0-41 us after their allocation). They are written as an alloc of kind file, with the
 * recorded size as bytes, and its free (port_page).
 *
 * tmpfs/shmem page cache: shmem_add_to_page_cache fires no filemap tracepoint (and this kernel
 * has no kprobes to add one), but the removal does (truncate_inode_folio ->
 * filemap_remove_folio -> mm_filemap_delete_from_page_cache). A movable allocation whose pfn
 * the recording later deletes from the page cache, with neither a free nor a
 * mm_filemap_add_to_page_cache of that pfn in between, was such a page: a first pass over the
 * recording finds them, and the import writes a cache_add of the deleted file range where the
 * allocation was, with reason shmem: the simulator sizes its folios as shmem_alloc_and_add_folio
 * does (shmem_enabled), not by its readahead model. Pages that stay in tmpfs past the
 * recording's end, or that migration moved before their deletion, are not found. The simulator
 * keeps them as the kernel does: page cache on the anon LRU, reclaimable only to swap
 * (sim/pagecache.c shmem_folio_add).
 */
typedef struct {
	char file[40];
	uint64_t offset;
	unsigned order;
} ShmemAdd;

#define RA_SEQ_BIT ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1))

static gboolean shmem_prepass(Imp *im, const char *path, GError **error)
{
	g_autoptr(GHashTable) pending = g_hash_table_new(g_direct_hash, g_direct_equal);
	PsLineReader *in;
	uint64_t seq = 0;
	char *s;
	gsize len;
	int rc;

	if (!next_pass(im, path, false, error))
		return FALSE;
	in = im->in;
	im->shmem = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	im->ra_pairs = g_hash_table_new(g_direct_hash, g_direct_equal);
	while ((rc = next_line(in, &s, &len, error)) == 1) {
		const char *pfns, *gfps;
		uint64_t pfn, gfp;
		Line l;

		/* anything but an event line is the main pass's to judge */
		if (!strstr(s, "mm_") || split_line(s, len, &l, NULL) || !(pfns = kv(&l, "pfn")))
			continue;
		pfn = g_ascii_strtoull(pfns, NULL, 0);
		if (strcmp(l.event, "mm_page_alloc") == 0) {
			if (!pfn || !(gfps = kv(&l, "gfp_flags")) ||
			    !parse_gfp(im, gfps, &gfp, NULL))
				continue;
			/* the top bit: a readahead allocation (see above) */
			if (gfp & PS_GFP_MOVABLE)
				g_hash_table_insert(
				    pending, (gpointer)(uintptr_t)pfn,
				    (gpointer)(uintptr_t)(++seq |
							  ((gfp & PS_GFP_NORETRY) &&
								   !(gfp & PS_GFP_NOMEMALLOC)
							       ? RA_SEQ_BIT
							       : 0)));
			else
				g_hash_table_remove(pending, (gpointer)(uintptr_t)pfn);
		} else if (strcmp(l.event, "mm_page_free") == 0) {
			uintptr_t at =
			    (uintptr_t)g_hash_table_lookup(pending, (gpointer)(uintptr_t)pfn);

			if (at & RA_SEQ_BIT)
				g_hash_table_add(im->ra_pairs,
						 (gpointer)(uintptr_t)(at & ~RA_SEQ_BIT));
			g_hash_table_remove(pending, (gpointer)(uintptr_t)pfn);
		} else if (strcmp(l.event, "mm_filemap_add_to_page_cache") == 0) {
			g_hash_table_remove(pending, (gpointer)(uintptr_t)pfn);
		} else if (strcmp(l.event, "mm_filemap_delete_from_page_cache") == 0) {
			gpointer at = g_hash_table_lookup(pending, (gpointer)(uintptr_t)pfn);
			unsigned maj, min;
			char ino[24];
			const char *ofs = kv(&l, "ofs"), *ord = kv(&l, "order");
			ShmemAdd *a;

			at = (gpointer)((uintptr_t)at & ~RA_SEQ_BIT);
			if (!at || !ofs || !ord ||
			    sscanf(l.raw, "dev %u:%u ino %23s", &maj, &min, ino) != 3)
				continue;
			g_hash_table_remove(pending, (gpointer)(uintptr_t)pfn);
			a = g_new0(ShmemAdd, 1);
			g_snprintf(a->file, sizeof(a->file), "%u:%u:%s", maj, min, ino);
			a->offset = g_ascii_strtoull(ofs, NULL, 0);
			a->order = (unsigned)MIN(atoi(ord), PS_NR_ORDERS_MAX - 1);
			g_hash_table_insert(im->shmem, at, a);
		}
	}
	return rc == 0;
}

/*
 * Whether import_line stamps a line of this event with a trace time (trace_time): the line that
 * sets the trace's first instant. Kept beside import_line's order of tests: a portable import
 * stamps every event line; an exact one its markers and the events it keeps (not migration PTE
 * lines, unknown events or known ones it skips).
 */
static bool line_timed(const Imp *im, const char *event)
{
	enum ps_observed_event obs;
	enum ev_class cls;

	if (im->portable || strcmp(event, "tracing_mark_write") == 0)
		return true;
	cls = classify(event, &obs);
	return cls != EVC_MIGRATE_PTE && cls != EVC_UNKNOWN && cls != EVC_KNOWN;
}

/*
 * When the recording shows vmstat_update (mm/vmstat.c) running, for the header's
 * vmstat_update_ns: the first mm_page_pcpu_drain of a kworker task. vmstat_update runs from the
 * per-cpu mm_percpu_wq work, and its refresh_cpu_vm_stats -> decay_pcp_high drains a pcp whose
 * count is above the decayed high (free_pcppages_bulk); on the qemu lab's recordings each such
 * first drain is batch << PCP_BATCH_SCALE_MAX pages (2016 at 4K, 480 at 16K, 96 at 64K), the
 * count - (batch << SCALE_MAX) arm of the decay. drain_all_pages also drains from kworkers
 * (drain_local_pages_wq): after a direct reclaim (__alloc_pages_direct_reclaim), so the search
 * stops at the first direct or node reclaim; compaction's drain is compact_zone's
 * drain_local_pages, in the compacting task (the 64K recording's THP fault compacts at 2.37 s,
 * before kworker/0:1's first drain at 3.08 s). The run re-arms with round_jiffies_relative(HZ), so
 * its runs on every cpu sit on one grid of whole jiffy seconds: on the 4K recording kworker/0:1
 * drains at 5.891, 7.910 and 8.898 s and kworker/1:0 at 6.928 s.
 *
 * vmstat_note takes the event lines in order and returns false once the search is over. The
 * main pass asks it of each line while im->vs_open, and the writer puts the header in front of
 * the records at the end (ps_trace_writer_new_header_last); only when the output is standard
 * output, where nothing can go in front, does the first pass (prepass, with scan_line's view of
 * a line) ask it. A first pass of its own cost more than the import's parse of the lines it read
 * (ftrace-build-6.18's first kworker drain is at line 250 k of 307 k: 0.5 G of its 3.5 G
 * instructions went there, inflate included) and the header's copy costs a copy of the
 * compressed output. A trace.dat's events go through the same main pass, so it gets the key as
 * its `trace-cmd report` text does (e2e import-tracedat compares the two imports byte for byte;
 * before, a live recording with a kworker drain in it made them differ). Nothing is found from
 * standard input, or for a trace.dat written to standard output (the first pass does not ask it
 * there).
 */
static bool vmstat_note(Imp *im, const char *event, const char *comm, const char *ts)
{
	uint64_t ts_ns;
	bool overflow;

	/* the first record's instant, as trace_time takes it in the main pass */
	if (!im->vs_have_t0 && line_timed(im, event)) {
		parse_timestamp(ts, &im->vs_t0, &overflow);
		im->vs_have_t0 = true;
	}
	/* "mm_v" or "mm_page_p" first (stops at the name's end): the strcmp calls on few lines */
	if (event[0] != 'm' || event[1] != 'm' || event[2] != '_')
		return true;
	if (event[3] == 'v' && (strcmp(event, "mm_vmscan_direct_reclaim_begin") == 0 ||
				strcmp(event, "mm_vmscan_node_reclaim_begin") == 0))
		return false;
	if (has_prefix(event + 3, "page_p") && strcmp(event, "mm_page_pcpu_drain") == 0 &&
	    has_prefix(comm, "kworker/")) {
		parse_timestamp(ts, &ts_ns, &overflow);
		im->hdr.has_vmstat_update = true;
		im->hdr.vmstat_update_ns = ts_ns >= im->vs_t0 ? ts_ns - im->vs_t0 : 0;
		return false;
	}
	return true;
}

/*
 * A line as the first pass (prepass) reads it: only what it needs, with scan_line instead of
 * split_line: the cpu, the irq column, the event name, the comm's start, the timestamp's text
 * and the pfn, leaving the payload unsplit. Before, the bulk decision read every line again with
 * split_line (382cd17): 0.66 G of ftrace-build-6.18's 2.07 G parse-thread instructions,
 * split_line alone 0.26 G of them.
 */
typedef struct {
	int cpu;
	int8_t irq;	     /* the irq column's hardirq/softirq character (enum ps_irq_ctx) */
	const char *comm;    /* where the comm starts (not terminated) */
	const char *ts;	     /* the timestamp's text */
	char *event;	     /* NUL-terminated in place, without a "system:" prefix */
	const char *payload; /* after "EVENT:"; NULL for a syscall line */
	const char *b;	     /* the ` [CPU]` field's '[' */
	bool has_flags;	     /* the flags column was there */
	uint64_t ts_ns;	     /* the timestamp's value, as parse_timestamp reads it */
	bool ts_overflow;
	int ts_len; /* as Line's */
	/* where the name ends (see LineHint.ev_end), and what kind of name it was */
	const char *ev_end;
	bool syscall, sys_prefix;
} Scan;

/*
 * Line s as split_line reads it, as far as Scan goes; false for a line split_line refuses or the
 * main pass takes for a header line (non_event_line). Only the event name is terminated in place.
 * A line the main pass refuses on what is not read here (its pid, a timestamp past the u64
 * nanoseconds, a cpu not below the trace's) ends the import there, so what this pass made of it
 * reaches no output.
 */
static bool scan_line(char *s, gsize len, Scan *sc)
{
	char *b, *p, *ts, *ev;
	const char *t = s;
	bool syscall, has_flags;
	int c = 0;

	while (*t == ' ')
		t++;
	if (!*t || header_text(t))
		return false;
	sc->comm = t;
	b = cpu_field(s, len);
	if (!b)
		return false;
	for (p = b + 1; is_digit(*p); p++) {
		c = c * 10 + (*p - '0');
		if (c >= PS_TRACE_MAX_CPUS)
			return false;
	}
	sc->cpu = c;
	sc->b = b;
	for (p++; *p == ' '; p++)
		;
	ts = flags_column(p, &sc->irq, &has_flags);
	sc->has_flags = has_flags;
	p = (char *)parse_timestamp(ts, &sc->ts_ns, &sc->ts_overflow);
	if (p == ts)
		return false;
	if (*p != ':')
		return false;
	sc->ts = ts;
	sc->ts_len = (int)MIN(p - ts, 64);
	for (p++; *p == ' '; p++)
		;
	ev = p;
	p = event_end(ev, &syscall);
	sc->syscall = syscall;
	sc->sys_prefix = false;
	if (syscall) {
		sc->ev_end = p;
		*p = '\0'; /* as split_syscall: the name, no payload */
		sc->event = ev;
		sc->payload = NULL;
		return true;
	}
	if (p == ev || p[-1] != ':')
		return false;
	p[-1] = '\0';
	sc->ev_end = p - 1;
	{
		char *colon = strchr(ev, ':');

		sc->event = colon ? colon + 1 : ev;
		sc->sys_prefix = colon != NULL;
	}
	sc->payload = p;
	return true;
}

/*
 * The value of key in a payload as split_payload and kv read it (the first of the first
 * IMP_MAX_KV key=value tokens), [*v, *v_end) without a trailing ','; false when absent.
 */
static bool scan_kv(const char *p, const char *key, const char **v, const char **v_end)
{
	size_t klen = strlen(key);
	int nkv = 0;

	while (*p && nkv < IMP_MAX_KV) {
		const char *k, *e;

		while (*p == ' ')
			p++;
		k = p;
		while (!key_stop[(unsigned char)*p])
			p++;
		if (*p != '=')
			continue;
		e = strchrnul(p, ' ');
		nkv++;
		if ((size_t)(p - k) == klen && memcmp(k, key, klen) == 0) {
			*v = p + 1;
			*v_end = e > p + 1 && e[-1] == ',' ? e - 1 : e;
			return true;
		}
		p = e;
	}
	return false;
}

/* A pfn as get_u64 reads it; false for a value it refuses (the main pass stops there). */
static bool scan_u64(const char *v, const char *v_end, uint64_t *out)
{
	char buf[64], *end = NULL;
	const char *stop;

	if (plain_u64_to(v, &stop, out) && stop == v_end)
		return true;
	if (v_end - v >= (ptrdiff_t)sizeof(buf))
		return false;
	memcpy(buf, v, (size_t)(v_end - v));
	buf[v_end - v] = '\0';
	errno = 0;
	*out = g_ascii_strtoull(buf, &end, buf[0] == '0' && buf[1] == 'x' ? 16 : 10);
	return end != buf && !*end && !errno;
}

/*
 * Whether a scanned line names its pfn for alloc_pages_bulk's rule (see bulk_take): an
 * mm_page_alloc of a page, an mm_page_free, a refill's mm_page_alloc_zone_locked or an
 * mm_page_pcpu_drain; *free: it is an mm_page_free. The same lines the main pass counts with
 * bulk_name.
 */
static bool scan_names(const Scan *sc, uint8_t kind, uint64_t *pfn, bool *free, bool *pfn_ok)
{
	const char *v, *v_end;
	bool alloc;

	/* kind: the name's EvMemo bits; *pfn_ok: *pfn was read */
	*pfn_ok = false;
	if (!sc->payload || !(kind & EVK_NAMES))
		return false;
	alloc = kind & EVK_ALLOC;
	*free = kind & EVK_FREE;
	if (!scan_kv(sc->payload, "pfn", &v, &v_end) || !scan_u64(v, v_end, pfn))
		return false;
	*pfn_ok = true;
	return !alloc || *pfn != 0;
}

/* An interrupt run of frees in the first pass (First.runs). */
struct FirstRun {
	uint32_t pending; /* members whose pfn has had no naming line since */
	bool closed;	  /* its cpu has had a naming line since that is no interrupt's free */
	bool locked;	  /* a refill took one of its pages: the whole run went to the buddy */
};

/* Run r decided: its members' bits final, cleared when it is locked. */
static void first_run_final(Imp *im, First *f, guint r)
{
	GArray *seqs = g_ptr_array_index(f->runs, r);

	for (guint j = 0; j < seqs->len; j++) {
		uint64_t q = g_array_index(seqs, uint64_t, j);

		if (f->run_st[r].locked) {
			im->bulk_next_ok[q / 64] &= ~(1ull << (q % 64));
			im->bulk_next_free[q / 64] &= ~(1ull << (q % 64));
		}
		bit_set(f->fin, q);
	}
	g_array_set_size(seqs, 0);
}

/*
 * Naming line f->n (sc, of pfn; free: an mm_page_free): the pfn's previous naming line is decided
 * (bit set when this one is a free), unless its interrupt run still waits; this one joins its
 * cpu's interrupt run when it is an interrupt's free, else closes that run.
 */
static void first_naming(Imp *im, First *f, const Scan *sc, uint64_t pfn, bool free)
{
	PfnSlot *ps = pfntab_get(&f->last, pfn, true);
	uint64_t prev = ps->a, n = f->n;
	int r = (int)ps->b - 1; /* the run of the previous naming line */
	struct FirstRun *run;

	if (n / 64 >= f->words) {
		size_t w = f->words;

		f->words = MAX(1024, w * 2);
		f->fin = g_renew(uint64_t, f->fin, f->words);
		im->bulk_next_ok = g_renew(uint64_t, im->bulk_next_ok, f->words);
		im->bulk_next_free = g_renew(uint64_t, im->bulk_next_free, f->words);
		memset(f->fin + w, 0, (f->words - w) * sizeof(uint64_t));
		memset(im->bulk_next_ok + w, 0, (f->words - w) * sizeof(uint64_t));
		memset(im->bulk_next_free + w, 0, (f->words - w) * sizeof(uint64_t));
	}
	if (prev) {
		uint64_t q = prev - 1;

		run = r >= 0 ? &f->run_st[r] : NULL;
		/* a refill that takes a page an interrupt freed: that free went to the buddy */
		if (run && !run->locked && sc->event[8] == 'a' && sc->event[13] == '_') {
			run->locked = true;
			first_run_final(im, f, (guint)r);
		}
		if (free && (!run || !run->locked)) {
			bit_set(im->bulk_next_ok, q);
			bit_set(im->bulk_next_free, q);
		}
		/* a line not followed by a free has its bits clear for good, whatever its run */
		if (!run || !free)
			bit_set(f->fin, q);
		if (run && !run->locked && --run->pending == 0 && run->closed)
			first_run_final(im, f, (guint)r);
	}
	ps->b = 0;
	if (sc->cpu < im->hdr.cpus) {
		int *o = &f->open_run[sc->cpu];

		if (free && sc->irq != PS_IRQ_NONE) {
			if (*o < 0) {
				*o = (int)f->runs->len;
				g_ptr_array_add(f->runs,
						g_array_new(FALSE, FALSE, sizeof(uint64_t)));
				if (f->runs->len > f->run_cap) {
					f->run_cap = MAX(64, f->run_cap * 2);
					f->run_st = g_renew(struct FirstRun, f->run_st, f->run_cap);
				}
				f->run_st[*o] = (struct FirstRun){0};
			}
			run = &f->run_st[*o];
			if (run->locked) {
				bit_set(f->fin, n);
			} else {
				g_array_append_val(g_ptr_array_index(f->runs, *o), n);
				run->pending++;
			}
			ps->b = *o + 1;
		} else if (*o >= 0) {
			run = &f->run_st[*o];
			run->closed = true;
			if (!run->locked && run->pending == 0)
				first_run_final(im, f, (guint)*o);
			*o = -1;
		}
	}
	ps->a = n + 1;
	f->n++;
}

/* The end of the text: a pfn's last naming line is set unless its run was locked; all final. */
static void first_end(Imp *im, First *f)
{
	for (size_t j = 0; f->last.d && j <= f->last.mask; j++) {
		for (unsigned i = 0; f->last.d[j].key && i < PFN_LEAF; i++) {
			const PfnSlot *ps = &f->last.d[j].leaf[i];

			if (ps->a && (!ps->b || !f->run_st[ps->b - 1].locked))
				bit_set(im->bulk_next_ok, ps->a - 1);
		}
	}
	pfntab_clear(&f->last);
	g_clear_pointer(&f->runs, g_ptr_array_unref);
	f->eof = true;
}

/*
 * The hint ring twice the size: the first pass is as many lines ahead of the main pass as it holds
 * (first_known lets it run on to twice the main pass's line). Each kept hint moves to its line's
 * place in the larger ring.
 */
static void hints_grow(Imp *im)
{
	size_t n = (im->hints_mask + 1) * 2;
	LineHint *h = g_new0(LineHint, n);

	for (size_t i = 0; i <= im->hints_mask; i++)
		if (im->hints[i].line)
			h[im->hints[i].line & (n - 1)] = im->hints[i];
	g_free(im->hints);
	im->hints = h;
	im->hints_mask = n - 1;
}

/* The first pass's next line: 1 read, 0 the end (all its findings final), -1 an error. */
static int first_step(Imp *im, GError **error)
{
	First *f = &im->first;
	char *s;
	gsize len;
	Scan sc;
	uint64_t pfn = 0;
	bool free;
	int rc;
	LineHint *h = NULL;
	uint8_t kind = 0;
	bool pfn_ok = false;

	if (f->eof)
		return 0;
	rc = f->dat ? ps_tracedat_next(f->dat, &s, &len, error)
		    : next_line(f->in ? f->in : im->in, &s, &len, error);
	if (rc == 0)
		first_end(im, f);
	if (rc != 1)
		return rc;
	f->lines++;
	if (im->hints) {
		/* the lines the main pass has not taken, and its current one, stay */
		if (f->lines - im->main_lines >= im->hints_mask &&
		    im->hints_mask + 1 < IMP_HINTS_MAX)
			hints_grow(im);
		/* lines are at most PS_TRACE_LINE_MAX bytes: the span and offsets fit */
		h = &im->hints[f->lines & im->hints_mask];
		h->line = f->lines;
		h->span = (uint32_t)ps_line_reader_span(im->in);
		h->scanned = false;
	}
	if (memchr(s, '\0', len)) {
		f->nul = true;
		return 1;
	}
	if (!scan_line(s, len, &sc))
		return 1;
	if (h) {
		h->scanned = true;
		h->ts_ns = sc.ts_ns;
		h->comm_off = (uint32_t)(sc.comm - s);
		h->b_off = (uint32_t)(sc.b - s);
		h->ts_off = (uint32_t)(sc.ts - s);
		h->ev_off = (uint32_t)(sc.event - s);
		h->ev_end = (uint32_t)(sc.ev_end - s);
		h->cpu = (uint16_t)sc.cpu;
		h->ts_len = (uint8_t)sc.ts_len;
		h->irq = sc.irq;
		h->has_flags = sc.has_flags;
		h->ts_overflow = sc.ts_overflow;
		h->syscall = sc.syscall;
		h->sys_prefix = sc.sys_prefix;
	}
	if (h || f->bulk) {
		const EvMemo *m = ev_lookup(im, sc.event, (size_t)(sc.ev_end - sc.event));

		kind = m->kind;
		if (h) {
			h->kind = m->kind;
			h->cls = m->cls;
			h->obs = m->obs;
		}
	}
	if (f->vmstat && !vmstat_note(im, sc.event, sc.comm, sc.ts))
		f->vmstat = false;
	if (f->bulk && scan_names(&sc, kind, &pfn, &free, &pfn_ok))
		first_naming(im, f, &sc, pfn, free);
	if (h) {
		/* the main pass's get_u64 of "pfn" takes it */
		h->pfn_ok = pfn_ok;
		h->pfn = pfn;
	}
	return 1;
}

/*
 * Naming line seq's bits as the main pass may take them now: true, *ok and *free, when they are
 * final; when they are not but the first pass is assume_after lines ahead of the main pass, and as
 * many as the main pass has read (so it reads ahead to twice the main pass's line), true and
 * *assumed:
 * the bits the end of the text would give if no later line changed them (no naming line
 * follows, or the line's run is never locked: bulk_next_ok set, bulk_next_free as it is);
 * false: not known yet.
 */
static bool first_known(const Imp *im, uint64_t seq, bool *ok, bool *free, bool *assumed)
{
	const First *f = &im->first;

	*assumed = false;
	if (f->eof || (seq < f->n && bit_get(f->fin, seq))) {
		*ok = seq < f->n && bit_get(im->bulk_next_ok, seq);
		*free = *ok && bit_get(im->bulk_next_free, seq);
		return true;
	}
	if (!f->assume_after || seq >= f->n ||
	    f->lines - im->main_lines < MAX(f->assume_after, im->main_lines))
		return false;
	*assumed = *ok = true;
	*free = bit_get(im->bulk_next_free, seq);
	return true;
}

/* A decision that used assumed bits (first_known), to check at the end: n lines, until. */
static void first_note(Imp *im, const uint64_t *seqs, guint n, bool refill, uint64_t until)
{
	uint64_t head = (uint64_t)n << 1 | refill;

	g_array_append_val(im->first.checks, head);
	if (refill)
		g_array_append_val(im->first.checks, until);
	g_array_append_vals(im->first.checks, seqs, n);
}

/*
 * At the end (all bits final): whether every decision that used assumed bits came out as the
 * final bits make it. An allocation's take (bulk_emit) needed its assumed lines set; a refill's
 * end (bulk_refill_end), the same count of pages ahead of the last free in the set run it read.
 * The main pass's state follows from the decisions alone, so when they all hold, its output is
 * what it would have been had it waited for the bits.
 */
static bool first_check(const Imp *im)
{
	const GArray *c = im->first.checks;

	for (guint i = 0; c && i < c->len;) {
		uint64_t head = g_array_index(c, uint64_t, i++), n = head >> 1, until = 0, u = 0;
		bool refill = head & 1;

		if (refill)
			until = g_array_index(c, uint64_t, i++);
		for (uint64_t j = 0; j < n; j++) {
			uint64_t seq = g_array_index(c, uint64_t, i + j);
			bool ok = bit_get(im->bulk_next_ok, seq);

			if (!ok && !refill)
				return false;
			if (!ok)
				break;
			if (bit_get(im->bulk_next_free, seq))
				u = j + 1;
		}
		if (refill && u != until)
			return false;
		i += (guint)n;
	}
	return true;
}

/* The first pass IMP_LEAD lines further (or to the end), for bits not yet final; FALSE: error. */
static gboolean first_read_on(Imp *im, GError **error)
{
	int rc = 1;

	for (int i = 0; i < IMP_LEAD && (rc = first_step(im, error)) == 1; i++)
		;
	return rc >= 0;
}

/*
 * The first pass over the input, when one is needed: alloc_pages_bulk's naming lines (bulk: the
 * bits of bulk_next_ok: a naming line's bit is set when the pfn's next naming line is an
 * mm_page_free or there is none, and its page was not in an interrupt's run of frees that went to
 * the buddy; and of bulk_next_free: the same, a free only) and, for standard output,
 * vmstat_update's first run (vmstat: vmstat_note over the lines until it is done, before the header
 * is written).
 *
 * With bulk, the first pass runs ahead of the main pass instead of before it (main_next): the main
 * pass takes a line only once the first pass has read it, and a bit the main pass asks for
 * (first_known) that depends on lines not yet read makes the first pass read on. Before, the first
 * pass read the whole text before the main pass began, so the text's inflate and the first pass
 * ran before the parse and the output's deflate (ftrace-build-6.18: 0.161 s wall for a parse
 * thread of 0.124 s, idle).
 *
 * How far on: a bit can depend on the end of the text (a page no later line names is taken as a
 * live stack's), and waiting for it would bring the old order back: ftrace-build-6.18's first
 * refill (bulk_refill_end, line 76) asks for four pages a bulk took that no later line names, so
 * the main pass would wait for the whole text there. So once the first pass is IMP_ASSUME lines
 * ahead, and as far ahead as the main pass has come, a bit not yet final is assumed to be what the
 * end would make it if no later line changed it, and each decision made on assumed bits is
 * noted (first_note). At the end, when all bits are final, the decisions are checked
 * (first_check): the main pass's state follows from them alone, so if each comes out the same the
 * output is the one the main pass would have written had it waited. If one does not, the import
 * runs again without assuming (import_run: first_reruns; a header written first to standard
 * output cannot be taken back, so there the main pass waits instead). On the realdata recordings
 * no decision fails even assuming one line ahead without the doubling: with IMP_ASSUME lines
 * alone, qemu-arm64-4k-numa-6.18.2 needs a second run up to 262144 (a page named again 300 k
 * lines on), with the doubling none does from 4096 up (2026-12-06).
 *
 * A kept text is read once: the main pass follows
 * the first on the same buffer (ps_line_reader_follow) and takes its lines in place; a text not
 * kept (past IMP_KEEP_MAX) gets a second reader for the first pass, a trace.dat a second
 * PsTraceDat. How far ahead is deterministic (IMP_LEAD lines at a time, and what the bits need),
 * never what the inflate thread has ready, so errors come at the same lines every time. The main
 * pass skips its NUL check while the first pass, reading the same buffer ahead, has found none.
 * An error of the first pass (a line past PS_TRACE_LINE_MAX, a damaged gzip member) ends the
 * import when the first pass reaches it, as a single pass reading the text would.
 *
 * Without bulk (a portable import writing to standard output), the first pass reads before the
 * main pass until vmstat_note is done, and the main pass reads the text again (next_pass).
 */
static gboolean prepass(Imp *im, const char *path, bool bulk, bool vmstat, uint64_t assume_after,
			GError **error)
{
	First *f = &im->first;
	int rc = 1;

	f->on = bulk;
	f->bulk = bulk;
	f->vmstat = vmstat;
	if (!bulk) {
		if (!next_pass(im, path, false, error))
			return FALSE;
		while (f->vmstat && (rc = first_step(im, error)) == 1)
			;
		im->first_nul_free = rc == 0 && !f->nul;
		return rc >= 0;
	}
	f->open_run = g_new(int, im->hdr.cpus);
	for (int c = 0; c < im->hdr.cpus; c++)
		f->open_run[c] = -1;
	f->runs = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	f->assume_after = assume_after;
	f->checks = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	if (im->dat) {
		f->dat = ps_tracedat_open(path, error);
		if (!f->dat)
			return FALSE;
	} else {
		if (!im->in)
			im->in =
			    ps_line_reader_open_kept(path, PS_TRACE_LINE_MAX, IMP_KEEP_MAX, error);
		im->follow = im->in && ps_line_reader_follow(im->in);
		if (im->follow) {
			im->hints = g_new0(LineHint, IMP_HINTS);
			im->hints_mask = IMP_HINTS - 1;
		}
		if (im->in && !im->follow) {
			/* not kept: the first pass on a reader of its own */
			g_clear_pointer(&im->in, ps_line_reader_close);
			im->in = ps_line_reader_open(path, PS_TRACE_LINE_MAX, error);
			f->in = im->in ? ps_line_reader_open(path, PS_TRACE_LINE_MAX, error) : NULL;
		}
		if (!im->in || (!im->follow && !f->in)) {
			ps_util_error_to_domain(error, PS_TRACE_ERROR, PS_TRACE_ERROR_IO,
						PS_TRACE_ERROR_PARSE);
			return FALSE;
		}
		im->in_read = true;
	}
	/* a header written first: vmstat_update's run before the main pass begins */
	while (f->vmstat && (rc = first_step(im, error)) == 1)
		;
	return rc >= 0;
}

/* The main pass's next line, once the first pass (when on) has read it; as next_line. */
static int main_next(Imp *im, char **s, gsize *len, GError **error)
{
	First *f = &im->first;
	int rc = 1;

	if (f->on && f->lines <= im->main_lines) {
		for (int i = 0; i < IMP_LEAD && (rc = first_step(im, error)) == 1; i++)
			;
		if (rc < 0)
			return -1;
	}
	if (f->on)
		im->nul_free = im->follow && !f->nul;
	if (im->dat)
		rc = ps_tracedat_next(im->dat, s, len, error);
	else if (im->follow) {
		/* hints exist when following: the line's span, as the first pass read it */
		const LineHint *h = &im->hints[(im->main_lines + 1) & im->hints_mask];

		rc = ps_line_reader_next_behind_span(
		    im->in, h->line == im->main_lines + 1 ? h->span : 0, s, len);
	} else
		rc = next_line(im->in, s, len, error);
	im->main_lines += rc == 1;
	return rc;
}

static void first_clear(First *f)
{
	ps_line_reader_close(f->in);
	ps_tracedat_close(f->dat);
	g_free(f->fin);
	pfntab_clear(&f->last);
	if (f->runs)
		g_ptr_array_unref(f->runs);
	g_free(f->run_st);
	g_free(f->open_run);
	if (f->checks)
		g_array_unref(f->checks);
}

/* The cache_add of a movable allocation shmem_prepass found to be a tmpfs page. */
static gboolean shmem_add(Imp *im, const Line *l, uint64_t ts, GError **error)
{
	const ShmemAdd *a = g_hash_table_lookup(im->shmem, (gpointer)(uintptr_t)im->movable_seq);
	PsTraceEvent ev;

	if (!a)
		return TRUE;
	ps_trace_event_init(&ev);
	ev.t_ns = ts;
	ev.op = PS_OP_CACHE_ADD;
	ev.reason = PS_CACHE_SHMEM;
	g_strlcpy(ev.file, a->file, sizeof(ev.file));
	ev.offset = a->offset;
	ev.len = (uint64_t)im->hdr.page_size << a->order;
	ev.pid = l->pid;
	ev.cpu = l->cpu;
	im->st->port.shmem_adds++;
	im->st->port.cache_adds++;
	im->st->port.cache_add_bytes += ev.len;
	return cache_record(im, &ev, error);
}

/*
 * --observed: the allocator's own events in a portable import, kept as `observed` records as the
 * exact import keeps them (pfns of the recorded page size: a policy replay only counts them,
 * `pagesim fidelity` compares against them), and the first allocation or free naming each pfn as an
 * observed mm_page_alloc / mm_page_free: with the snapshot of the recording, the simulator starts
 * from the pcp lists and free LRU folios the records of the exact import show
 * (snapshot-pcp.c, snapshot-stale.c: both read the first record naming a pfn). Without them a
 * portable replay of build-portable started with empty pcp lists (62,306 pages on them in
 * zoneinfo, 30,150 of them rebuilt from the exact import) and refilled 130 times, 41,555 pages,
 * where the exact import's replay refilled 95 times, 18,137 pages (observed 84, 18,900).
 * Also kept: the allocation or free right after a pcp refill on its cpu (im->refill_end), even
 * when an earlier record named its pfn. `pagesim fidelity` counts a refill as a run of
 * mm_page_alloc_zone_locked records on one cpu with no other record of that cpu in between;
 * without it two refills whose allocations a portable import leaves to touch records joined
 * into one (the idle build recording: 124 refills counted, 137 in the text).
 */
static gboolean port_named(Imp *im, const Line *l, uint64_t ts, enum ps_observed_event obs,
			   uint64_t pfn, int order, uint64_t gfp, GError **error)
{
	PsTraceEvent ev;

	if ((!g_hash_table_add(im->named, (gpointer)(uintptr_t)pfn) && !im->refill_end) ||
	    (obs != PS_OBS_PAGE_ALLOC && obs != PS_OBS_PAGE_FREE))
		return TRUE;
	ps_trace_event_init(&ev);
	ev.t_ns = ts;
	ev.op = PS_OP_OBSERVED;
	ev.event = obs;
	ev.cpu = l->cpu;
	ev.pid = l->pid;
	ev.irq = l->irq;
	ev.pfn = pfn;
	ev.has_pfn = true;
	ev.order = order;
	if (obs == PS_OBS_PAGE_ALLOC) {
		ev.gfp = gfp;
		ev.has_gfp = true;
	}
	im->st->observed[obs]++;
	return port_write_observed(im, &ev, error);
}

static gboolean port_observed(Imp *im, const Line *l, uint64_t ts, enum ps_observed_event obs,
			      GError **error)
{
	PsTraceEvent ev;

	ps_trace_event_init(&ev);
	ev.t_ns = ts;
	ev.irq = l->irq;
	if (!do_observed(im, l, obs, &ev, error))
		return FALSE;
	im->refill_open[l->cpu] = obs == PS_OBS_ZONE_LOCKED && ev.percpu_refill == 1;
	return !ev.has_pfn || port_named(im, l, ts, obs, ev.pfn, ev.order, 0, error);
}

/*
 * A kernel allocation of a portable import, written as an alloc of BYTES (the recorded size; the
 * simulated page size rounds it up) and KIND at its recorded time and cpu; its free follows as
 * any kernel page's (port_page).
 */
static gboolean port_kernel_alloc(Imp *im, const Line *l, uint64_t pfn, int order,
				  enum ps_alloc_kind kind, PsTraceEvent *ev, GError **error)
{
	ev->op = PS_OP_ALLOC;
	ev->has_gfp = true;
	ev->id = ++im->next_id;
	ev->cpu = l->cpu;
	ev->pid = l->pid;
	ev->bytes = (uint64_t)im->hdr.page_size << order;
	ev->kind = kind;
	live_put(im, pfn, ev->id, order);
	im->st->allocs++;
	return port_write(im, ev, error);
}

/* A readahead page the kernel freed without inserting it (shmem_prepass): a kernel pair of kind
 * file. */
static gboolean port_ra_pair(Imp *im, const Line *l, uint64_t pfn, int order, PsTraceEvent *ev,
			     GError **error)
{
	im->st->port.user_pages -= 1ull << order;
	g_hash_table_remove(im->dropped, (gpointer)(uintptr_t)pfn);
	im->st->port.ra_pairs++;
	im->st->port.ra_pair_pages += 1ull << order;
	return port_kernel_alloc(im, l, pfn, order, PS_KIND_FILE, ev, error);
}

/*
 * The kind of a kernel allocation of a portable import (neither user memory, a user page table
 * nor an mmu_gather batch page): slab_reclaimable for __GFP_RECLAIMABLE (SLAB_RECLAIM_ACCOUNT
 * caches: kmem_cache_open sets it in allocflags), slab for the mask allocate_slab gives a new
 * slab's first try (read in mm/slub.c of 6.14-rc2, AOSC-Tracking/ubuntu-kernel-next-linux): the
 * cache's gfp | __GFP_NOWARN | __GFP_NORETRY with allocflags' __GFP_COMP (with __GFP_NOMEMALLOC
 * and without __GFP_RECLAIM when it asks for more than the cache's minimum order), else kernel.
 * Not told apart (limits): a slab's second try at the minimum order (the cache's gfp |
 * __GFP_COMP, no __GFP_NORETRY) and kmalloc_large's pages (gfp | __GFP_COMP: the kernel counts
 * them as unreclaimable slab too) stay kernel; a non-slab allocation with the first try's mask
 * (page_frag_cache_refill's order-3 __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY |
 * __GFP_NOMEMALLOC) is taken for slab.
 */
static enum ps_alloc_kind port_kernel_kind(uint64_t gfp)
{
	const uint64_t first_try = PS_GFP_COMP | PS_GFP_NOWARN | PS_GFP_NORETRY;

	if (gfp & PS_GFP_RECLAIMABLE)
		return PS_KIND_SLAB_RECLAIMABLE;
	return (gfp & first_try) == first_try ? PS_KIND_SLAB : PS_KIND_KERNEL;
}

/* mm_page_alloc / mm_page_free in a portable import: kernel memory as bytes + kind. */
static gboolean port_page(Imp *im, const Line *l, uint64_t ts, bool alloc, GError **error)
{
	uint64_t pfn;
	int order;
	PsTraceEvent ev;

	if (!get_u64(im, l, "pfn", &pfn, error) ||
	    !get_int(im, l, "order", 0, PS_NR_ORDERS_MAX - 1, &order, error))
		return FALSE;
	if (!alloc && im->port_observed &&
	    !port_named(im, l, ts, PS_OBS_PAGE_FREE, pfn, order, 0, error))
		return FALSE;
	ps_trace_event_init(&ev);
	ev.t_ns = ts;
	if (alloc) {
		const char *gfps = kv(l, "gfp_flags");
		GError *local = NULL;

		if (pfn == 0) {
			im->st->alloc_failed++;
			return TRUE;
		}
		if (!gfps)
			return line_error(im, error, "mm_page_alloc: gfp_flags: missing");
		if (!parse_gfp(im, gfps, &ev.gfp, &local)) {
			line_error(im, error, "mm_page_alloc: gfp_flags: %s", local->message);
			g_error_free(local);
			return FALSE;
		}
		if (im->port_observed &&
		    !port_named(im, l, ts, PS_OBS_PAGE_ALLOC, pfn, order, ev.gfp, error))
			return FALSE;
		live_remove(im, pfn);
		if (ev.gfp & PS_GFP_MOVABLE) {
			/* user memory: the touch and cache records say it; a write's folio
			 * (__GFP_WRITE: write_begin's __filemap_get_folio) marked for its
			 * cache_add (port_filemap) */
			im->st->port.user_pages += 1ull << order;
			g_hash_table_insert(
			    im->dropped, (gpointer)(uintptr_t)pfn,
			    GINT_TO_POINTER((order + 1) |
					    (ev.gfp & PS_GFP_WRITE ? PORT_WRITE : 0)));
			im->movable_seq++;
			if (im->ra_pairs && g_hash_table_contains(
						im->ra_pairs, (gpointer)(uintptr_t)im->movable_seq))
				return port_ra_pair(im, l, pfn, order, &ev, error);
			if (im->shmem && !shmem_add(im, l, ts, error))
				return FALSE;
			if (!port_cow(im, l, ts, ev.gfp, order, error))
				return FALSE;
			/* vma_thp_gfp_mask's GFP_TRANSHUGE(_LIGHT) has __GFP_NOMEMALLOC;
			 * readahead's large folios do not */
			return order > 0 && (ev.gfp & PS_GFP_NOMEMALLOC)
				   ? port_large_fault(im, l, ts, order, error)
				   : TRUE;
		}
		if (order == 0 && (ev.gfp & ~PS_GFP_COMP) == PS_GFP_PGTABLE_USER) {
			/* a user page table (GFP_PGTABLE_USER): the simulator makes its own, one
			 * PTE page per PMD range of its page size and the levels above; a fork
			 * that follows copied the task's mm (port_sched) */
			im->st->port.pgtable_pages++;
			if (l->pid > 0)
				ptask(im, l->pid)->pgt_allocs++;
			g_hash_table_insert(im->dropped, (gpointer)(uintptr_t)pfn,
					    GINT_TO_POINTER(order + 1));
			return TRUE;
		}
		if (order == 0 && ev.gfp == PS_GFP_NOWAIT) {
			/* an mmu_gather batch page (tlb_next_batch, tlb_remove_table): the
			 * simulator gathers its own unmaps in pages of its size */
			im->st->port.gather_pages++;
			g_hash_table_insert(im->dropped, (gpointer)(uintptr_t)pfn,
					    GINT_TO_POINTER(order + 1));
			return TRUE;
		}
		{
			enum ps_alloc_kind kind = port_kernel_kind(ev.gfp);

			im->st->port.kernel_pages[kind] += 1ull << order;
			return port_kernel_alloc(im, l, pfn, order, kind, &ev, error);
		}
	}
	if (g_hash_table_remove(im->dropped, (gpointer)(uintptr_t)pfn)) {
		im->st->port.kernel_frees_dropped++;
		return TRUE;
	}
	{
		uint64_t id;
		int lorder;

		if (!live_get(im, pfn, &id, &lorder)) {
			/* allocated before the recording, or a user page: not ours to free */
			im->st->free_unknown++;
			return TRUE;
		}
		live_remove(im, pfn);
		ev.op = PS_OP_FREE;
		ev.id = id;
		im->st->frees++;
		return port_write(im, &ev, error);
	}
}

/*
 * The pcp lists at the start, as the snapshot start's prefill finds them in an exact trace
 * (sim/snapshot-pcp.c, prefill_candidate), from the pfns a portable trace does not keep: a page
 * was on cpu's list of (order, migratetype) when tracing began when the first allocator event
 * naming it is a pcp-order mm_page_alloc on that cpu (rmqueue_pcplist took it from the list's
 * head; the list is the gfp's migratetype) or a mm_page_pcpu_drain of that cpu
 * (free_pcppages_bulk took it from the tail; the list is the traced migratetype). Any other
 * first word (a refill's mm_page_alloc_zone_locked, a free, an extfrag claim) put the page
 * there itself or says nothing of the start. Lines whose pfn or order cannot be read are left
 * to the paths that check them. Orders above PAGE_ALLOC_COSTLY_ORDER (the THP pcp list) are
 * not counted: the recordings' start lists hold none.
 */
static void note_pcp_start(Imp *im, const Line *l, enum ev_class cls, enum ps_observed_event obs)
{
	const char *v = kv(l, "pfn"), *o = kv(l, "order");
	bool drain = cls == EVC_OBSERVED && obs == PS_OBS_PCPU_DRAIN;
	uint64_t pfn, order, mt;

	if (!(cls == EVC_ALLOC || cls == EVC_FREE || cls == EVC_FREE_BATCHED ||
	      (cls == EVC_OBSERVED &&
	       (obs == PS_OBS_ZONE_LOCKED || drain || obs == PS_OBS_EXTFRAG))) ||
	    !v || !plain_u64(v, &pfn) || (cls == EVC_ALLOC && pfn == 0) || l->cpu < 0 ||
	    l->cpu >= im->hdr.cpus)
		return;
	/* a drain that no pcp list could hold leaves the pfn's state as it was */
	if (drain && (!o || !plain_u64(o, &order) || order > PS_TRACE_PCP_START_ORDER ||
		      !kv(l, "migratetype") || !plain_u64(kv(l, "migratetype"), &mt) ||
		      mt >= PS_MT_PCPTYPES))
		return;
	if (!g_hash_table_add(im->start_named, (gpointer)(uintptr_t)pfn))
		return;
	if (cls == EVC_ALLOC) {
		const char *gfps = kv(l, "gfp_flags");
		uint64_t gfp;

		if (!o || !plain_u64(o, &order) || order > PS_TRACE_PCP_START_ORDER || !gfps ||
		    !parse_gfp(im, gfps, &gfp, NULL))
			return;
		mt = ps_gfp_migratetype(gfp);
		if (mt >= PS_MT_PCPTYPES)
			return;
	} else if (!drain) {
		return;
	}
	im->start_pages[((uint64_t)l->cpu * (PS_TRACE_PCP_START_ORDER + 1) + order) *
			    PS_MT_PCPTYPES +
			mt] += 1ull << order;
}

/* The header's pcp_start from note_pcp_start's count: the lists that held a page. */
static void pcp_start_header(Imp *im)
{
	int n = 0;

	/* the array's length: every list of the recording's cpus, at most the header's bound */
	im->hdr.pcp_start =
	    g_new0(PsTracePcpStart,
		   MIN((gsize)im->hdr.cpus * (PS_TRACE_PCP_START_ORDER + 1) * PS_MT_PCPTYPES,
		       (gsize)PS_TRACE_PCP_START_MAX));
	for (int c = 0; c < im->hdr.cpus; c++)
		for (int o = 0; o <= PS_TRACE_PCP_START_ORDER; o++)
			for (int mt = 0; mt < PS_MT_PCPTYPES; mt++) {
				uint64_t pages =
				    im->start_pages[((uint64_t)c * (PS_TRACE_PCP_START_ORDER + 1) +
						     (uint64_t)o) *
							PS_MT_PCPTYPES +
						    (uint64_t)mt];

				if (!pages)
					continue;
				im->st->port.pcp_start_pages += pages;
				if (n == PS_TRACE_PCP_START_MAX) {
					im->st->port.pcp_start_left_out += pages;
					continue;
				}
				im->hdr.pcp_start[n++] =
				    (PsTracePcpStart){.cpu = (uint16_t)c,
						      .order = (uint8_t)o,
						      .migratetype = (uint8_t)mt,
						      .bytes = pages * im->hdr.page_size};
			}
	im->hdr.has_pcp_start = true;
	im->hdr.n_pcp_start = n;
	im->st->port.pcp_start_lists = (uint64_t)n;
}

/* One line of a portable import (after the prefix and time are known). */
static gboolean port_line(Imp *im, const Line *l, uint64_t t, GError **error)
{
	const char *e = l->event;
	enum ps_observed_event obs = PS_OBS_ZONE_LOCKED;
	enum ev_class cls;

	im->port_cpu = l->cpu;
	if (im->port_observed) {
		/* a refill's run ends here: the allocation or free it served keeps the run's end
		 * in the trace (port_named), which would otherwise join the cpu's next refill */
		im->refill_end = im->refill_open[l->cpu];
		im->refill_open[l->cpu] = false;
	}
	if (l->sys || strcmp(e, "page_fault_user") == 0 || strcmp(e, "page_fault_kernel") == 0) {
		PTask *pt = g_hash_table_lookup(im->tasks, GINT_TO_POINTER(l->pid));

		/* a fork's page-table allocations come after the task's last fault or syscall */
		if (pt)
			pt->pgt_allocs = 0;
	}
	if (l->sys)
		return note_proc(im, l, t, error) && port_flush_held(im, l->pid, t, error) &&
		       port_syscall(im, l, t, error);
	if (strcmp(e, "page_fault_user") == 0 || strcmp(e, "page_fault_kernel") == 0)
		return note_proc(im, l, t, error) && port_fault(im, l, t, e[11] == 'k', error);
	if (strcmp(e, "sched_process_exec") == 0)
		/* the held kernel faults wrote the new image: after the old one's unmap */
		return port_sched(im, l, t, error) && port_flush_held(im, l->pid, t, error);
	if (has_prefix(e, "sched_process_"))
		return port_flush_held(im, l->pid, t, error) && port_sched(im, l, t, error);
	if (strcmp(e, "mm_filemap_add_to_page_cache") == 0 ||
	    strcmp(e, "mm_filemap_delete_from_page_cache") == 0)
		return note_proc(im, l, t, error) && port_filemap(im, l, t, e[11] == 'a', error);
	/* the other allocator events: classified once for the compaction request and the rest */
	cls = has_prefix(e, "mm_") ? classify(e, &obs) : EVC_UNKNOWN;
	if (im->start_named)
		note_pcp_start(im, l, cls, obs);
	/* a write to compact_memory is the workload's: a compact record */
	if ((cls == EVC_ALLOC || has_prefix(e, "mm_compaction_")) &&
	    !note_compaction(im, l, cls, obs, t, error))
		return FALSE;
	if (cls == EVC_ALLOC || cls == EVC_FREE)
		return note_proc(im, l, t, error) && port_page(im, l, t, cls == EVC_ALLOC, error);
	if (strcmp(e, "mm_vmscan_direct_reclaim_begin") == 0)
		g_hash_table_add(im->in_reclaim, GINT_TO_POINTER(l->pid));
	else if (strcmp(e, "mm_vmscan_direct_reclaim_end") == 0)
		g_hash_table_remove(im->in_reclaim, GINT_TO_POINTER(l->pid));
	else
		note_node_reclaim(im, l);
	if (im->port_observed) {
		if (cls == EVC_OBSERVED)
			return port_observed(im, l, t, obs, error);
		if (cls == EVC_FREE_BATCHED) {
			uint64_t pfn;

			return get_u64(im, l, "pfn", &pfn, error) &&
			       port_named(im, l, t, PS_OBS_PAGE_FREE, pfn, 0, 0, error);
		}
	}
	if (strcmp(e, "page_cache_ra_order") == 0 && !port_ra(im, l, error))
		return FALSE;
	if (has_prefix(e, "mm_") || has_prefix(e, "page_cache_ra")) {
		/* allocator-internal and readahead events: the simulator decides them itself */
		im->st->port.observed_skipped++;
		return TRUE;
	}
	im->st->unknown_events++;
	return TRUE;
}

/*
 * A recorded timestamp as trace time: nanoseconds since the first event imported, never going
 * back (a later event stamped earlier, as per-cpu ring buffers interleave, is clamped and
 * counted).
 */
static uint64_t trace_time(Imp *im, uint64_t ts_ns)
{
	uint64_t t;

	if (!im->have_t0) {
		im->t0 = ts_ns;
		im->have_t0 = true;
	}
	t = ts_ns >= im->t0 ? ts_ns - im->t0 : 0;
	if (t < im->last_t) {
		im->st->time_clamped++;
		t = im->last_t;
	}
	im->last_t = t;
	return t;
}

static gboolean import_line(Imp *im, char *s, gsize len, GError **error)
{
	Line l;
	const char *what;
	enum ps_observed_event obs = PS_OBS_ZONE_LOCKED;
	enum ev_class cls;
	PsTraceEvent ev;
	uint64_t t;
	const char *hint_event = NULL; /* the name the hint's kind, cls and obs are of */
	uint8_t kind = 0;
	int8_t h_cls = 0, h_obs = 0;

	im->st->lines++;
	if (!im->nul_free && memchr(s, '\0', len))
		/* tracefs never prints one: every C string reading the line would stop there */
		return line_error(
		    im, error, "a NUL byte at column %d: a task name or value would be cut short",
		    (int)((const char *)memchr(s, '\0', len) - s) + 1);
	{
		/* hints exist only when following the first pass (im->hints NULL otherwise) */
		const LineHint *h =
		    im->follow && im->hints ? &im->hints[im->main_lines & im->hints_mask] : NULL;

		if (h && (h->line != im->main_lines || !h->scanned))
			h = NULL;
		/* a line scan_line took is no header line (it refuses those as non_event_line) */
		if (!h && non_event_line(im, s))
			return TRUE;
		what = split_line(s, len, &l, h);
		if (h && (h->kind & EVK_KNOWN)) {
			/* copied: a first pass the main pass runs below may move the ring */
			hint_event = s + h->ev_off;
			kind = h->kind;
			h_cls = h->cls;
			h_obs = h->obs;
		}
	}
	if (what && strcmp(what, "no [CPU] field") == 0 && lost_events_line(im, s))
		return TRUE;
	if (what)
		return line_error(im, error, "not a trace event line: %s", what);
	if (im->st->detected == PS_IMPORT_AUTO)
		im->st->detected = l.perf_style ? PS_IMPORT_PERF : PS_IMPORT_FTRACE;
	if (l.cpu >= im->hdr.cpus)
		return line_error(im, error, "cpu %d is not below the trace's cpus (%d)", l.cpu,
				  im->hdr.cpus);
	if (l.ts_overflow)
		return line_error(im, error,
				  "%s: timestamp: '%.*s' is past the u64 nanosecond range "
				  "(18446744073.709551615 s)",
				  l.event, l.ts_len, l.ts_text);
	if (im->vs_open)
		im->vs_open = vmstat_note(im, l.event, l.comm, l.ts_text);
	/* the first character first: these strcmp calls ran on every line */
	if (l.event[0] == 'c' && strcmp(l.event, "cgroup_attach_task") == 0)
		return note_attach(im, &l, trace_time(im, l.ts_ns), error);
	if (l.event[0] == 's' && strcmp(l.event, "sched_process_fork") == 0) {
		note_fork_memcg(im, &l);
		if (!im->portable) {
			/* pagesim-capture takes it for the memcgs only */
			im->st->known_skipped++;
			return TRUE;
		}
	}
	if (im->portable) {
		t = trace_time(im, l.ts_ns);
		if (!note_mempolicies(im, l.ts_ns, t, error))
			return FALSE;
		return port_line(im, &l, t, error);
	}
	if (l.event[0] == 't' && strcmp(l.event, "tracing_mark_write") == 0) {
		t = trace_time(im, l.ts_ns);
		return note_mempolicies(im, l.ts_ns, t, error) && note_marker(im, &l, t, error);
	}
	/* the name as the first pass looked it up (split_rest may have renamed a "print") */
	if (l.event == hint_event) {
		cls = (enum ev_class)h_cls;
		obs = (enum ps_observed_event)h_obs;
	} else {
		kind = 0;
		cls = classify(l.event, &obs);
	}
	if (cls == EVC_MIGRATE_PTE)
		return note_migration(im, &l, error);
	if (kind ? (kind & EVK_COMPACTION) : has_prefix(l.event, "mm_compaction_"))
		note_compaction_window(im, &l);
	if (cls != EVC_FREE && l.cpu < im->hdr.cpus)
		im->mig[l.cpu].pid = -1;
	if (cls == EVC_UNKNOWN) {
		im->st->unknown_events++;
		return TRUE;
	}
	if (cls == EVC_KNOWN) {
		im->st->known_skipped++;
		note_node_reclaim(im, &l);
		return !im->pc || strcmp(l.event, "mm_filemap_add_to_page_cache") != 0 ||
		       pc_add(im, &l, error);
	}
	t = trace_time(im, l.ts_ns); /* the lines line_timed() names */
	/* a refill's records go on in zone_locked lines (do_observed), past a claim's extfrag */
	if (im->bulk_end_list &&
	    !(cls == EVC_OBSERVED && (obs == PS_OBS_ZONE_LOCKED || obs == PS_OBS_EXTFRAG)) &&
	    !bulk_refill_end(im, error))
		return FALSE;
	if (cls == EVC_FREE_BATCHED) {
		uint64_t pfn;

		im->st->free_batched++;
		return get_u64(im, &l, "pfn", &pfn, error) &&
		       commit_free(im, l.cpu, pfn, t, l.irq, error);
	}
	if (cls != EVC_FREE &&
	    !note_cpu_record(im, l.cpu, cls == EVC_OBSERVED && obs == PS_OBS_PCPU_DRAIN, l.irq,
			     error))
		return FALSE;
	if (!note_compaction(im, &l, cls, obs, t, error))
		return FALSE;
	if (cls == EVC_COMPACT_DIRECT) {
		im->st->known_skipped++;
		return TRUE;
	}
	if (!note_mempolicies(im, l.ts_ns, t, error) || !note_proc(im, &l, t, error))
		return FALSE;
	ps_trace_event_init(&ev);
	ev.t_ns = t;
	ev.irq = l.irq;
	switch (cls) {
	case EVC_ALLOC:
		return do_alloc(im, &l, &ev, error);
	case EVC_FREE:
		return do_free(im, &l, &ev, error);
	case EVC_OBSERVED:
		return do_observed(im, &l, obs, &ev, error);
	default:
		g_assert_not_reached();
	}
}

/*
 * The CPU count of a recording: the ftrace header's #P:, trace-cmd's cpus=, or for perf (which
 * prints neither) the highest cpu seen + 1, from a first pass over the file.
 */
static gboolean find_cpus(Imp *im, const char *path, int *cpus, PsImportFormat *detected,
			  GError **error)
{
	PsLineReader *li;
	char *s;
	gsize len;
	int rc, max_cpu = -1;
	uint64_t events = 0;

	if (!next_pass(im, path, false, error))
		return FALSE;
	li = im->in;
	while ((rc = next_line(li, &s, &len, error)) == 1) {
		const char *t = s;
		Line l;

		while (*t == ' ')
			t++;
		if (has_prefix(t, "cpus=")) {
			*cpus = atoi(t + 5);
			*detected = PS_IMPORT_TRACE_CMD;
			break;
		}
		if (*t == '#') {
			const char *np = strstr(t, "#P:");

			if (np) {
				*cpus = atoi(np + 3);
				*detected = PS_IMPORT_FTRACE;
				break;
			}
			continue;
		}
		if (!*t || split_line(s, len, &l, NULL))
			continue;
		if (*detected == PS_IMPORT_AUTO)
			*detected = l.perf_style ? PS_IMPORT_PERF : PS_IMPORT_FTRACE;
		max_cpu = MAX(max_cpu, l.cpu);
		/* a text with a header says so in its first lines */
		if (++events == 1000 && *detected != PS_IMPORT_PERF)
			break;
	}
	if (rc < 0)
		return FALSE;
	if (*cpus <= 0)
		*cpus = max_cpu + 1;
	if (*cpus <= 0)
		*cpus = 1;
	return TRUE;
}

/*
 * One import; assume: the main pass may assume bits the first pass has not settled (prepass),
 * *rerun set (and FALSE, no error) when an assumption turned out wrong.
 */
static gboolean import_run(const char *in_path, const char *out_path, const PsImportOptions *opts,
			   PsImportStats *st, bool assume, bool *rerun, GError **error)
{
	Imp im = {0};
	char *s;
	gsize len;
	int rc, cpus = opts->cpus;
	PsImportFormat detected = PS_IMPORT_AUTO;
	gboolean ok = FALSE;
	bool header_last = false;

	memset(st, 0, sizeof(*st));
	if (opts->machine && strlen(opts->machine) >= sizeof(im.hdr.machine)) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "machine: at most %zu bytes", sizeof(im.hdr.machine) - 1);
		return FALSE;
	}
	if (ps_tracedat_is(in_path)) {
		/* trace-cmd's binary file: its events as `trace-cmd report -t` lines */
		im.dat = ps_tracedat_open(in_path, error);
		if (!im.dat)
			return FALSE;
		if (cpus <= 0)
			cpus = ps_tracedat_cpus(im.dat);
		detected = PS_IMPORT_TRACE_CMD;
	} else if (cpus <= 0) {
		if (strcmp(in_path, "-") == 0) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "<stdin>: the CPU count cannot be read ahead from standard "
				    "input: give --cpus");
			return FALSE;
		}
		if (!find_cpus(&im, in_path, &cpus, &detected, error)) {
			ps_line_reader_close(im.in);
			return FALSE;
		}
	}
	if (cpus > PS_TRACE_MAX_CPUS) {
		g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: %d cpus, more than the format allows (%d)", in_path, cpus,
			    PS_TRACE_MAX_CPUS);
		goto out;
	}
	st->detected = detected; /* what the text looks like; --format is checked against it */
	im.st = st;
	im.hdr.version = PS_TRACE_VERSION;
	im.hdr.page_size = opts->page_size ? opts->page_size : 4096;
	{
		unsigned max_order, pageblock_order, thp_order;

		/* HPAGE_PMD_ORDER: a page of 8-byte entries maps a PMD (page shift - 3) */
		im.pmd_order = ps_page_size_defaults(im.hdr.page_size, &max_order, &pageblock_order,
						     &thp_order)
				   ? (int)thp_order
				   : g_bit_nth_lsf(im.hdr.page_size, -1) - 3;
	}
	im.hdr.cpus = cpus;
	if (opts->machine)
		g_strlcpy(im.hdr.machine, opts->machine, sizeof(im.hdr.machine));
	if (im.dat)
		im.dat_path = in_path;
	im.comms = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	im.comm_pid = -1;
	im.compacting = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	im.ring = g_new(OutRec, IMP_RING);
	im.ring_text = g_new(OutText, IMP_RING);
	im.hold = g_new0(CpuHold, cpus);
	im.mig = g_new0(MigPte, cpus);
	im.cwin = g_array_new(FALSE, FALSE, sizeof(CompWin));
	im.cfree = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	im.moved = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	for (int c = 0; c < cpus; c++)
		im.mig[c].pid = -1;
	im.portable = opts->portable;
	st->portable = opts->portable;
	/* tmpfs pages: known from their deletion later on (a file can be read twice) */
	if (im.portable && !im.dat && strcmp(in_path, "-") != 0 &&
	    !shmem_prepass(&im, in_path, error))
		goto out;
	/*
	 * vmstat_update's grid: known from a kworker's pcp drain (vmstat_note), in the main pass
	 * with the header written last, or first for standard output
	 */
	header_last = strcmp(in_path, "-") != 0 && strcmp(out_path, "-") != 0;
	im.vs_open = header_last;
	/*
	 * alloc_pages_bulk's untraced takes: known from the pages' later records (bulk_take); one
	 * first pass reads what both need
	 */
	if (strcmp(in_path, "-") != 0 && (!im.portable || (!im.dat && !header_last)) &&
	    !prepass(&im, in_path, !im.portable, !im.dat && !header_last,
		     /* a header written first has gone out: no second run then */
		     !assume || !header_last || opts->first_lead == UINT64_MAX ? 0
		     : opts->first_lead					       ? opts->first_lead
									       : IMP_ASSUME,
		     error))
		goto out;
	if (!im.portable && strcmp(in_path, "-") != 0) {
		im.bulk_on = true;
		im.bulk_lists = g_new0(struct BulkList, BULK_LISTS(&im));
		im.bulk_refill = g_new0(int, cpus);
		im.bulk_assumed = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	} else if (!im.portable) {
		g_printerr(
		    "pagesim import: reading standard input, alloc_pages_bulk's untraced takes "
		    "are not written (they need a first pass; give the file's path)\n");
	}
	/* page-cache folios: known from their insertion after their allocation (pc_add) */
	if (!im.portable)
		im.pc = g_new0(struct PcSlot, IMP_PC_SLOTS);
	im.tasks = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, ptask_free);
	im.dropped = g_hash_table_new(g_direct_hash, g_direct_equal);
	im.named = g_hash_table_new(g_direct_hash, g_direct_equal);
	im.port_observed = opts->portable && opts->portable_observed;
	im.refill_open = g_new0(bool, cpus);
	/* the header's pcp_start: only in a header written last (it is known at the end) */
	if (im.portable && header_last) {
		im.start_named = g_hash_table_new(g_direct_hash, g_direct_equal);
		im.start_pages =
		    g_new0(uint64_t, (gsize)cpus * (PS_TRACE_PCP_START_ORDER + 1) * PS_MT_PCPTYPES);
	}
	im.in_reclaim = g_hash_table_new(g_direct_hash, g_direct_equal);
	im.policies = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	if (opts->tasks && !read_tasks(&im, opts->tasks, error))
		goto out;
	im.mpols = opts->mempolicies;
	im.n_mpols = opts->mempolicies ? opts->n_mempolicies : 0;
	for (int i = 1; i < im.n_mpols; i++) {
		if (im.mpols[i].ts_ns < im.mpols[i - 1].ts_ns) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "--mempolicy: change %d is earlier than change %d before it",
				    i + 1, i);
			goto out;
		}
	}
	{
		PsImportFormat src = opts->format != PS_IMPORT_AUTO ? opts->format : st->detected;

		/* stdin with --cpus: the text has not been seen yet; it is ftrace unless it says */
		if (src == PS_IMPORT_AUTO)
			src = PS_IMPORT_FTRACE;
		g_strlcpy(im.hdr.source, ps_import_format_names[src], sizeof(im.hdr.source));
	}
	if (!im.dat && !im.first.on && !next_pass(&im, in_path, true, error))
		goto out;
	im.w = header_last ? ps_trace_writer_new_header_last(out_path, &im.hdr, error)
			   : ps_trace_writer_new(out_path, &im.hdr, error);
	if (!im.w)
		goto out;
	while ((rc = main_next(&im, &s, &len, error)) == 1)
		if (!import_line(&im, s, len, error))
			break;
	if (rc == 0 && im.portable && !port_flush_all_held(&im, error))
		rc = -1;
	if (rc == 0 && im.bulk_on && !bulk_refill_end(&im, error))
		rc = -1;
	if (rc == 0 && !flush_pending(&im, error))
		rc = -1;
	if (rc == 0) {
		/* the end: allocations still held were not page cache, frees still held were
		 * freed where recorded */
		for (uint64_t q = im.q_head; im.pc && q < im.q_tail; q++)
			if (RING(&im, q)->state == OUT_HELD_ALLOC)
				pc_take(&im, ring_pfn(&im, q), false);
		for (int c = 0; c < cpus && rc == 0; c++)
			if (!release_cpu(&im, c, error))
				rc = -1;
		for (int z = 0; z < im.nr_zs; z++) {
			/* growth only: a zone that shrank (offlined memory) adds nothing */
			if (im.zs[z].managed[1] > im.zs[z].managed[0])
				st->zone_managed_growth +=
				    im.zs[z].managed[1] - im.zs[z].managed[0];
			if (im.zs[z].spanned[1] > im.zs[z].spanned[0])
				st->zone_spanned_growth +=
				    im.zs[z].spanned[1] - im.zs[z].spanned[0];
		}
	}
	if (rc == 0 && !first_check(&im)) {
		*rerun = true;
		rc = -1;
	}
	if (rc != 0) {
		ps_trace_writer_abort(g_steal_pointer(&im.w));
		goto out;
	}
	if (opts->format != PS_IMPORT_AUTO && st->detected != opts->format &&
	    st->detected != PS_IMPORT_AUTO) {
		/* the prefix styles of ftrace and trace-cmd text are the same */
		bool same =
		    (opts->format == PS_IMPORT_TRACE_CMD || opts->format == PS_IMPORT_FTRACE) &&
		    (st->detected == PS_IMPORT_TRACE_CMD || st->detected == PS_IMPORT_FTRACE);

		if (!same) {
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: --format %s given, but the text is %s output", in_path,
				    ps_import_format_names[opts->format],
				    ps_import_format_names[st->detected]);
			ps_trace_writer_abort(g_steal_pointer(&im.w));
			goto out;
		}
		st->detected = opts->format;
	}
	st->records = ps_trace_writer_count(im.w);
	if (st->records == 0) {
		/* a header-only trace would replay as an idle machine and look like a result */
		if (st->lines == 0)
			g_set_error(error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
				    "%s: empty input: no trace event line",
				    im.dat ? in_path : ps_line_reader_name(im.in));
		else
			g_set_error(
			    error, PS_TRACE_ERROR, PS_TRACE_ERROR_PARSE,
			    "%s: no page-allocator event (mm_page_alloc, mm_page_free, ...) "
			    "in %" PRIu64 " lines (%" PRIu64 " of other events, %" PRIu64
			    " recognised but not kept)",
			    im.dat ? in_path : ps_line_reader_name(im.in), st->lines,
			    st->unknown_events, st->known_skipped);
		ps_trace_writer_abort(g_steal_pointer(&im.w));
		goto out;
	}
	st->cpus = cpus;
	st->live_at_end = im.nr_live;
	if (im.start_named)
		pcp_start_header(&im);
	ok = header_last ? ps_trace_writer_close_header(g_steal_pointer(&im.w), &im.hdr, error)
			 : ps_trace_writer_close(g_steal_pointer(&im.w), error);
out:
	first_clear(&im.first);
	ps_line_reader_close(im.in);
	ps_tracedat_close(im.dat);
	pfntab_clear(&im.live);
	if (im.comms)
		g_hash_table_unref(im.comms);
	if (im.compacting)
		g_hash_table_unref(im.compacting);
	g_free(im.ring);
	g_free(im.ring_text);
	g_free(im.hints);
	g_free(im.hold);
	g_free(im.mig);
	g_array_free(im.cwin, TRUE);
	g_free(im.refill_open);
	g_array_unref(im.cfree);
	g_array_unref(im.moved);
	if (im.tasks)
		g_hash_table_unref(im.tasks);
	if (im.dropped)
		g_hash_table_unref(im.dropped);
	if (im.named)
		g_hash_table_unref(im.named);
	if (im.start_named)
		g_hash_table_unref(im.start_named);
	g_free(im.start_pages);
	ps_trace_header_clear(&im.hdr);
	if (im.held_obs)
		g_array_unref(im.held_obs);
	if (im.shmem)
		g_hash_table_unref(im.shmem);
	if (im.ra_pairs)
		g_hash_table_unref(im.ra_pairs);
	g_free(im.pc);
	g_free(im.bulk_lists);
	g_free(im.bulk_ent);
	g_free(im.bulk_refill);
	if (im.bulk_assumed)
		g_array_unref(im.bulk_assumed);
	pfntab_clear(&im.bulk_pfn);
	g_free(im.bulk_next_ok);
	g_free(im.bulk_next_free);
	if (im.in_reclaim)
		g_hash_table_unref(im.in_reclaim);
	if (im.policies)
		g_hash_table_unref(im.policies);
	if (im.memcgs)
		g_hash_table_unref(im.memcgs);
	g_free(im.memcg_start);
	return ok;
}

gboolean ps_trace_import(const char *in_path, const char *out_path, const PsImportOptions *opts,
			 PsImportStats *st, GError **error)
{
	bool rerun = false;

	if (import_run(in_path, out_path, opts, st, true, &rerun, error))
		return TRUE;
	if (!rerun)
		return FALSE;
	if (!import_run(in_path, out_path, opts, st, false, &rerun, error))
		return FALSE;
	st->first_reruns = 1;
	return TRUE;
}

/* The portable import's account: where the recorded pages and faults went. */
static void port_stats_format(const PsImportStats *st, GString *out)
{
	const PsImportPortable *p = &st->port;
	uint64_t kernel = 0, all;

	for (int k = 0; k < PS_NR_ALLOC_KINDS; k++)
		kernel += p->kernel_pages[k];
	all = MAX(p->user_pages + p->pgtable_pages + p->gather_pages + kernel, 1);
	g_string_append_printf(
	    out,
	    "portable: recorded pages allocated %" PRIu64 ": user (anon and page cache, left to "
	    "touch and cache records) %" PRIu64 " (%.1f %%), user page tables (GFP_PGTABLE_USER, "
	    "left to the simulator) %" PRIu64 " (%.1f %%), mmu_gather batch pages (GFP_NOWAIT, "
	    "left to the simulator) %" PRIu64 " (%.1f %%), kernel as bytes+kind %" PRIu64
	    " (%.1f %%: slab_reclaimable %" PRIu64 ", slab (allocate_slab's mask) %" PRIu64
	    ", kernel not attributed further %" PRIu64 "), raw order records 0\n",
	    p->user_pages + p->pgtable_pages + p->gather_pages + kernel, p->user_pages,
	    100.0 * (double)p->user_pages / (double)all, p->pgtable_pages,
	    100.0 * (double)p->pgtable_pages / (double)all, p->gather_pages,
	    100.0 * (double)p->gather_pages / (double)all, kernel,
	    100.0 * (double)kernel / (double)all, p->kernel_pages[PS_KIND_SLAB_RECLAIMABLE],
	    p->kernel_pages[PS_KIND_SLAB], p->kernel_pages[PS_KIND_KERNEL]);
	g_string_append_printf(
	    out,
	    "portable: user faults %" PRIu64 ": touch records of anonymous pages %" PRIu64
	    " (%" PRIu64 " faults served by a large folio, its range touched), repeats %" PRIu64
	    ", in file mappings %" PRIu64 ", in no mapping known (stack, ELF image, mappings "
	    "from before the recording) %" PRIu64 "; of these two, write faults (copied: "
	    "anonymous pages, touched) %" PRIu64 ", the rest touch records of kind file (a "
	    "page-cache page mapped) %" PRIu64 "; repeat write faults that copied a shared page "
	    "(touch records of kind anon) %" PRIu64 "; kernel-mode faults on user addresses "
	    "(page_fault_kernel, in the above) %" PRIu64 ", on kernel addresses (left out) %" PRIu64
	    "\n",
	    p->faults, p->touches, p->large_faults, p->faults_repeat, p->faults_file,
	    p->faults_unknown, p->faults_cow, p->file_touches, p->cow_copies, p->faults_kernel,
	    p->faults_kernel_skipped);
	g_string_append_printf(
	    out,
	    "portable: page cache added %" PRIu64 " pages in %" PRIu64 " KiB (tmpfs pages found "
	    "by their later deletion %" PRIu64 "; readahead pages freed before any insertion, "
	    "filemap_add_folio having failed, kept as alloc+free pairs of kind file: %" PRIu64
	    " pairs, %" PRIu64 " pages), removed %" PRIu64 " pages in %" PRIu64 " KiB (%" PRIu64
	    " by reclaim); maps %" PRIu64 ", unmaps %" PRIu64 ", brk moves %" PRIu64
	    ", mremaps %" PRIu64 ", madvise thp %" PRIu64 " dontneed %" PRIu64 " other %" PRIu64
	    "; forks %" PRIu64 " (copying the mm, "
	    "`parent` set: %" PRIu64 "), execs %" PRIu64 ", exits %" PRIu64
	    "; syscall exits without entry %" PRIu64 "; allocator events left out %" PRIu64 "\n",
	    p->cache_adds, p->cache_add_bytes / 1024, p->shmem_adds, p->ra_pairs, p->ra_pair_pages,
	    p->cache_removes, p->cache_remove_bytes / 1024, p->cache_removes_reclaim, p->maps,
	    p->unmaps, p->brk_moves, p->mremaps, p->madv_thp, p->madv_dontneed, p->madv_other,
	    p->forks, p->fork_copies, p->execs, p->exits, p->syscalls_unmatched,
	    p->observed_skipped);
	if (p->ra_windows)
		g_string_append_printf(out,
				       "portable: readahead windows (page_cache_ra_order) %" PRIu64
				       " (ra_pages up to %" PRIu64 ": a replay's config "
				       "page_cache.read_ahead_kb of the recording machine is that "
				       "many pages); page cache added by faults: mmap read-around "
				       "%" PRIu64 " KiB, VM_EXEC windows %" PRIu64
				       " KiB (cache_add "
				       "reason fault / exec)\n",
				       p->ra_windows, p->ra_pages_max, p->cache_fault_bytes / 1024,
				       p->cache_exec_bytes / 1024);
	/*
	 * exec's copy_strings fills the new stack's argument and environment pages through
	 * get_user_pages_remote: no fault event, and nothing recorded gives their size
	 * (sys_enter_execve has the argv/envp pointers only; bprm->p would take a kprobe event,
	 * which the 6.18 kernel recorded on is built without). The filename is always copied, so
	 * each exec filled at least one page that no record touches.
	 */
	if (p->pcp_start_pages)
		g_string_append_printf(
		    out,
		    "portable: pcp lists at the start (first named by a pcp allocation or drain): "
		    "%" PRIu64 " pages on %" PRIu64 " lists, in the header's pcp_start; left out "
		    "(more than %d lists) %" PRIu64 " pages\n",
		    p->pcp_start_pages, p->pcp_start_lists, PS_TRACE_PCP_START_MAX,
		    p->pcp_start_left_out);
	if (p->execs)
		g_string_append_printf(
		    out,
		    "portable: not written: the pages of exec arguments and environment (filled by "
		    "copy_strings through get_user_pages, no fault event, size not recorded): at "
		    "least %" PRIu64 ", one an exec\n",
		    p->execs);
}

void ps_import_stats_format(const PsImportStats *st, GString *out)
{
	if (st->portable)
		port_stats_format(st, out);
	g_string_append_printf(
	    out, "format %s, %d cpus: %" PRIu64 " lines, %" PRIu64 " records written\n",
	    ps_import_format_names[st->detected], st->cpus, st->lines, st->records);
	g_string_append_printf(out,
			       "  allocs %" PRIu64 " (failed: %" PRIu64 "), frees %" PRIu64
			       ", procs %" PRIu64 " (comm changes %" PRIu64 ")\n",
			       st->allocs, st->alloc_failed, st->frees, st->procs,
			       st->comm_changes);
	if (st->mempolicy_changes)
		g_string_append_printf(out,
				       "  mempolicy changes (--mempolicy, markers): %" PRIu64 "\n",
				       st->mempolicy_changes);
	if (st->memcg_tasks || st->memcg_moves)
		g_string_append_printf(out,
				       "  memcgs: %" PRIu64 " tasks (tasks file), %" PRIu64
				       " moves (cgroup_attach_task)\n",
				       st->memcg_tasks, st->memcg_moves);
	if (st->mempolicy_markers)
		g_string_append_printf(out, "  mempolicy markers (trace_marker): %" PRIu64 "\n",
				       st->mempolicy_markers);
	if (st->zone_samples)
		g_string_append_printf(
		    out,
		    "  zone samples (trace_marker): %" PRIu64
		    "; growth from first to last: managed %" PRIu64 " pages, spanned %" PRIu64
		    " pages (samples alone are not replayed)\n",
		    st->zone_samples, st->zone_managed_growth, st->zone_spanned_growth);
	if (st->zone_grows)
		g_string_append_printf(out,
				       "  zone growth (pagesim-online markers): %" PRIu64
				       " zone_grow records, %" PRIu64
				       " pages; the kernel's %" PRIu64
				       " frees of the onlined pages folded into them\n",
				       st->zone_grows, st->zone_grow_pages, st->zone_grow_frees);
	if (st->extfrag_fragmenting_derived)
		g_string_append_printf(
		    out,
		    "  mm_page_alloc_extfrag lines whose fragmenting was misprinted "
		    "(libtraceevent), recomputed from the orders: %" PRIu64 "\n",
		    st->extfrag_fragmenting_derived);
	g_string_append_printf(out,
			       "  frees of pages allocated before the trace started: %" PRIu64
			       " (inside a larger live block: %" PRIu64 ")\n",
			       st->free_unknown, st->free_inside_live);
	g_string_append_printf(
	    out,
	    "  pages freed by the kernel's reclaim (reason reclaim_*): kswapd %" PRIu64
	    ", direct reclaim %" PRIu64 " (node reclaims among the windows: %" PRIu64 ")\n",
	    st->free_reclaim_kswapd, st->free_reclaim_direct, st->node_reclaims);
	if (st->migration_ptes)
		g_string_append_printf(out,
				       "  remove_migration_pte records %" PRIu64
				       "; old pages of migrated folios (reason migrated) %" PRIu64
				       "\n",
				       st->migration_ptes, st->free_migrated);
	if (st->free_migrated_window)
		g_string_append_printf(out,
				       "  old pages of migrated folios freed inside a compaction "
				       "migrate step (reason migrated): %" PRIu64
				       " (allocated before the trace started: %" PRIu64
				       "); later frees of their new folios: %" PRIu64 "\n",
				       st->free_migrated_window, st->free_migrated_snapshot,
				       st->free_migrated_new);
	if (st->page_cache_adds)
		g_string_append_printf(
		    out,
		    "  page cache (mm_filemap_add_to_page_cache) %" PRIu64
		    ": allocations written with kind file %" PRIu64 " (%" PRIu64
		    " pages), adds of a pfn allocated before the trace started %" PRIu64
		    " (of a live allocation past the hold of " G_STRINGIFY(
			IMP_PC_HOLD) " records, or added twice: %" PRIu64 ")\n",
		    st->page_cache_adds, st->page_cache_allocs, st->page_cache_pages,
		    st->page_cache_unmatched, st->page_cache_late);
	g_string_append_printf(out,
			       "  free order differs from alloc: %" PRIu64
			       ", alloc of a live pfn (free not recorded): %" PRIu64
			       ", allocations live at the end: %" PRIu64 "\n",
			       st->free_order_mismatch, st->alloc_live_pfn, st->live_at_end);
	g_string_append_printf(out, "  observed:");
	for (int e = 0; e < PS_NR_OBSERVED_EVENTS; e++)
		if (st->observed[e])
			g_string_append_printf(out, " %s %" PRIu64, ps_observed_event_names[e],
					       st->observed[e]);
	g_string_append_printf(out, "\n");
	if (st->compact_requests)
		g_string_append_printf(
		    out,
		    "  compaction asked for through /proc/sys/vm/compact_memory: "
		    "%" PRIu64 " (written as compact records)\n",
		    st->compact_requests);
	g_string_append_printf(
	    out,
	    "  mm_page_free_batched %" PRIu64 " (frees moved to it %" PRIu64
	    ", not matched to a held mm_page_free %" PRIu64 "), recognised but not kept %" PRIu64
	    ", unknown events skipped %" PRIu64 ", header/comment lines %" PRIu64
	    ", timestamps clamped %" PRIu64 "\n",
	    st->free_batched, st->frees_at_commit, st->free_batched_unmatched, st->known_skipped,
	    st->unknown_events, st->comment_lines, st->time_clamped);
	if (st->frees_pcp_locked)
		g_string_append_printf(
		    out,
		    "  interrupt frees inside a batch's commits (pcp lock taken, "
		    "to the buddy): %" PRIu64 "\n",
		    st->frees_pcp_locked);
	if (st->bulk_takes || st->bulk_rejected)
		g_string_append_printf(
		    out,
		    "  pages alloc_pages_bulk took untraced (allocations written): "
		    "%" PRIu64 "; allocations behind pages named again: %" PRIu64 "\n",
		    st->bulk_takes, st->bulk_rejected);
	if (st->entries_written || st->lost_events) {
		uint64_t lost = st->lost_events;

		if (st->entries_written > st->entries_in_buffer)
			lost += st->entries_written - st->entries_in_buffer;
		g_string_append_printf(out, "  events lost by the recorder: %" PRIu64 "%s\n", lost,
				       lost ? " (the trace is incomplete)" : "");
	}
	if (st->first_reruns)
		g_string_append(out,
				"  read twice: a page named again far ahead undid what the main "
				"pass had assumed of it (import.c, prepass)\n");
}
