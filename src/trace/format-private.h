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

/* The range of an int-typed field of op (the kernel's bounds where it has them). */
void ps_int_limits(enum ps_trace_op op, enum ps_trace_field f, int64_t *min, int64_t *max);
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
