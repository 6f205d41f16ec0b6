/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * format-private.h - what the two halves of trace format v1 share: format.c (tables, parsing)
 * and format_write.c (checks, canonical lines).
 */
#ifndef PS_TRACE_FORMAT_PRIVATE_H
#define PS_TRACE_FORMAT_PRIVATE_H

#include "trace/trace.h"

/* Every key an event line may carry. Checklist: name table, ps_op_fields, parser, formatter. */
enum ps_trace_field {
	PS_F_T,
	PS_F_OP,
	PS_F_ID,
	PS_F_CPU,
	PS_F_PID,
	PS_F_ORDER,
	PS_F_BYTES,
	PS_F_GFP,
	PS_F_KIND,
	PS_F_NODE,
	PS_F_PFN,
	PS_F_COMM,
	PS_F_OOM_SCORE_ADJ,
	PS_F_ADDR,
	PS_F_LEN,
	PS_F_THP,
	PS_F_NAME,
	PS_F_VALUE,
	PS_F_EVENT,
	PS_F_MIGRATETYPE,
	PS_F_PERCPU_REFILL,
	PS_F_FALLBACK_ORDER,
	PS_F_FALLBACK_MIGRATETYPE,
	PS_F_FRAGMENTING,
	PS_F_CHANGE_OWNERSHIP,
	PS_F_MEMPOLICY,
	PS_F_FILE,
	PS_F_OFFSET,
	PS_F_REASON,
	PS_F_FAILED,
	PS_F_ZONE,
	PS_F_PAGES,
	PS_F_IRQ,
	PS_F_PARENT,
	PS_F_FORKED_BY,
	PS_F_PCP_LOCKED,
	PS_F_MEMCG,
	PS_F_ZONE_START,
	PS_F_MIGRATE_PFN,
	PS_F_FREE_PFN,
	PS_F_ZONE_END,
	PS_F_SYNC,
	PS_NR_TRACE_FIELDS
};

#define PS_FB(f) (UINT64_C(1) << PS_F_##f)

/* The key of each field, as a line spells it. */
extern const char *const ps_field_names[PS_NR_TRACE_FIELDS];

/*
 * The range of an int-typed field of op. Inline: the writer checks the fields of every event it
 * writes, and with a constant field the limits fold to constants (the calls were 27 M of
 * ftrace-build-6.18's import parse thread). Limits of the int-typed fields. The kernel's own bounds
 * where there is one: MAX_PAGE_ORDER is at most 15 on any page size pagesim models, PID_MAX_LIMIT
 * is 4194304, MAX_NUMNODES is 1024 (NODES_SHIFT 10), NR_CPUS is at most 8192,
 * OOM_SCORE_ADJ_{MIN,MAX} are -1000/1000.
 */
#define PS_TRACE_MAX_ORDER 15
#define PS_TRACE_MAX_PID   4194304
#define PS_TRACE_MAX_NODES 1024

static inline void ps_int_limits(enum ps_trace_op op, enum ps_trace_field f, int64_t *min,
				 int64_t *max)
{
	switch (f) {
	case PS_F_CPU:
		*min = 0;
		*max = PS_TRACE_MAX_CPUS - 1;
		return;
	case PS_F_PID:
		*min = 0;
		*max = PS_TRACE_MAX_PID;
		return;
	case PS_F_PARENT:
	case PS_F_FORKED_BY:
		/* a task: pid 0 (the idle task) forks only at boot */
		*min = 1;
		*max = PS_TRACE_MAX_PID;
		return;
	case PS_F_ORDER:
	case PS_F_FALLBACK_ORDER:
		*min = op == PS_OP_COMPACT ? -1 : 0;
		*max = PS_TRACE_MAX_ORDER;
		return;
	case PS_F_MIGRATETYPE:
	case PS_F_FALLBACK_MIGRATETYPE:
		/* MIGRATE_TYPES is at most 6 (with CMA); room for other builds */
		*min = 0;
		*max = 7;
		return;
	case PS_F_NODE:
		*min = 0;
		*max = PS_TRACE_MAX_NODES - 1;
		return;
	case PS_F_OOM_SCORE_ADJ:
		*min = -1000;
		*max = 1000;
		return;
	case PS_F_VALUE:
		if (op == PS_OP_DROP_CACHES) {
			*min = 1;
			*max = 3;
		} else {
			*min = INT64_MIN;
			*max = INT64_MAX;
		}
		return;
	default:
		g_assert_not_reached();
	}
}

/* "FIELD: must be an integer MIN..MAX, got GOT" in PS_TRACE_ERROR. */
void ps_set_int_error(GError **error, const char *field, int64_t min, int64_t max, const char *got);
/* The fields observed event ev needs that seen (field bits) lacks: 0 when complete. */
uint64_t ps_observed_missing(const PsTraceEvent *ev, uint64_t seen);
/* A memory policy in numactl's spelling (mm/mempolicy.c), as a trace record carries it. */
gboolean ps_check_mempolicy(const char *s, GError **error);
/* A cache_* file name: 1..63 bytes of printable ASCII but space. */
gboolean ps_check_file_name(const char *file, GError **error);
/* A vm sysctl name: [a-z0-9_]+. */
gboolean ps_check_sysctl_name(const char *name, GError **error);

/* Recent GFP masks cached per thread and direction (format.c parses, format_write.c prints). */
#define PS_GFP_CACHE_SLOTS 8

#endif
