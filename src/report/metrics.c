// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metrics.c - presenting the fragmentation indices of mm/vmstat.c: the debugfs text the kernel
 * prints for the unusable free space index and the fragmentation index, the 3-decimal form the
 * timeline uses, the free page counts that follow from per-order counts, and a parser for
 * /proc/buddyinfo, the one input these indices can be computed from on a real machine.
 *
 * Mirrors mm/vmstat.c (unusable_show_print, extfrag_show_print, walk_zones_in_node over
 * populated zones) and the NR_FREE_PAGES / NR_FREE_PAGES_BLOCKS accounting of mm/page_alloc.c
 * (kernel-facts §10.5, §13.8). The indices themselves are computed in mm/vmstat.c, the one place
 * compaction also reads them from; only their text is made here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

/* The domain's name, "ps_report_error_quark", is spelled with '_': clang-format would space a '-'.
 */
G_DEFINE_QUARK(ps_report_error_quark, ps_report_error)

unsigned ps_order_2m(const PsMachine *m)
{
	/* 2 MiB = 2^21 bytes; a page size above 2 MiB does not exist on the supported arches. */
	g_assert(m->page_shift <= 21);
	return MIN(21 - m->page_shift, m->max_order);
}

uint64_t ps_nr_free_pages_from_counts(const uint64_t *nr_free, unsigned nr_orders)
{
	uint64_t pages = 0;

	for (unsigned o = 0; o < nr_orders; o++)
		pages += nr_free[o] << o;
	return pages;
}

uint64_t ps_nr_free_pages_blocks_from_counts(const uint64_t *nr_free, unsigned nr_orders,
					     unsigned pageblock_order)
{
	uint64_t pages = 0;

	for (unsigned o = pageblock_order; o < nr_orders; o++)
		pages += nr_free[o] << o;
	return pages;
}

void ps_format_index(GString *out, int index)
{
	unsigned a = (unsigned)abs(index);

	g_string_append_printf(out, "%s%u.%03u", index < 0 ? "-" : "", a / 1000, a % 1000);
}

/*
 * The kernel prints index / 1000 and index % 1000 with C division. For -1000 that reads
 * "-1.000"; for a value in (-1000, 0) it reads " 0.-500". Keeping the arithmetic keeps the text
 * identical to debugfs in that corner too.
 */
void ps_format_unusable_index_line(GString *out, int node, const char *zone,
				   const uint64_t *nr_free, unsigned nr_orders)
{
	g_string_append_printf(out, "Node %d, zone %8s ", node, zone);
	for (unsigned o = 0; o < nr_orders; o++) {
		int index = ps_unusable_index(nr_free, nr_orders, o);

		g_string_append_printf(out, "%d.%03d ", index / 1000, index % 1000);
	}
	g_string_append_c(out, '\n');
}

void ps_format_extfrag_index_line(GString *out, int node, const char *zone, const uint64_t *nr_free,
				  unsigned nr_orders)
{
	g_string_append_printf(out, "Node %d, zone %8s ", node, zone);
	for (unsigned o = 0; o < nr_orders; o++) {
		int index = ps_fragmentation_index(nr_free, nr_orders, o);

		g_string_append_printf(out, "%2d.%03d ", index / 1000, index % 1000);
	}
	g_string_append_c(out, '\n');
}

/* debugfs walks the populated zones of every node (walk_zones_in_node with populated_zone). */
static void format_machine(PsMachine *m, GString *out, bool extfrag)
{
	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];
		uint64_t nr_free[PS_NR_ORDERS_MAX];

		if (!ps_zone_populated(z))
			continue;
		ps_zone_nr_free(z, m->nr_orders, nr_free);
		if (extfrag)
			ps_format_extfrag_index_line(out, z->node, ps_zone_names[z->type], nr_free,
						     m->nr_orders);
		else
			ps_format_unusable_index_line(out, z->node, ps_zone_names[z->type], nr_free,
						      m->nr_orders);
	}
}

void ps_format_unusable_index(PsMachine *m, GString *out)
{
	format_machine(m, out, false);
}

void ps_format_extfrag_index(PsMachine *m, GString *out)
{
	format_machine(m, out, true);
}

/* ---- /proc/buddyinfo ---------------------------------------------------------------------- */

static gboolean parse_error(GError **error, const char *name, unsigned line, const char *what,
			    const char *text)
{
	g_autofree char *line_text = g_strndup(text, strcspn(text, "\n"));
	/* The offending line is quoted with control bytes escaped: garbage is named, not echoed. */
	g_autofree char *shown = g_strescape(line_text, NULL);

	g_set_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE, "%s:%u: %s: '%s'", name, line,
		    what, shown);
	return FALSE;
}

/* The most free pages whose index arithmetic (pages x 1000) fits in 64 bits. */
#define PS_INDEX_MAX_FREE_PAGES (UINT64_MAX / 1000)

/* One line "Node N, zone NAME c0 c1 ... cMAX" into *bz. */
static gboolean parse_buddyinfo_line(const char *s, const char *name, unsigned line,
				     PsBuddyinfoZone *bz, GError **error)
{
	const char *p = s;
	char *end;
	guint64 v, total_pages = 0;
	size_t len;

	memset(bz, 0, sizeof(*bz));
	if (!g_str_has_prefix(p, "Node "))
		return parse_error(error, name, line, "expected 'Node N, zone NAME counts...'", s);
	p += 5;
	v = g_ascii_strtoull(p, &end, 10);
	if (end == p || *end != ',' || v >= PS_MAX_NODES)
		return parse_error(error, name, line, "bad node number", s);
	bz->node = (int)v;
	p = end + 1;
	while (*p == ' ')
		p++;
	if (!g_str_has_prefix(p, "zone "))
		return parse_error(error, name, line, "expected 'zone' after the node number", s);
	p += 5;
	while (*p == ' ')
		p++;
	len = strcspn(p, " \t\n");
	if (len == 0 || len >= sizeof(bz->zone))
		return parse_error(error, name, line, "bad zone name", s);
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(p[i]) && p[i] != '_')
			return parse_error(error, name, line, "bad zone name", s);
	memcpy(bz->zone, p, len);
	p += len;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0')
			break;
		if (!g_ascii_isdigit(*p))
			return parse_error(error, name, line, "a free block count is not a number",
					   s);
		if (bz->nr_orders == PS_NR_ORDERS_MAX)
			return parse_error(error, name, line, "more orders than any page size has",
					   s);
		errno = 0;
		v = g_ascii_strtoull(p, &end, 10);
		if (errno == ERANGE || (*end != ' ' && *end != '\t' && *end != '\n' && *end))
			return parse_error(error, name, line, "a free block count is not a number",
					   s);
		/*
		 * The indices are computed as the kernel's unusable_free_index and
		 * __fragmentation_index do, on free pages (count << order, summed) times 1000 in
		 * 64 bits: counts for which that overflows cannot have come from a kernel and would
		 * print nonsense.
		 */
		if (v > (PS_INDEX_MAX_FREE_PAGES >> bz->nr_orders) ||
		    total_pages > PS_INDEX_MAX_FREE_PAGES - (v << bz->nr_orders))
			return parse_error(error, name, line,
					   "free block counts out of range (free pages x 1000 "
					   "overflow 64 bits)",
					   s);
		total_pages += v << bz->nr_orders;
		bz->nr_free[bz->nr_orders++] = v;
		p = end;
	}
	if (bz->nr_orders == 0)
		return parse_error(error, name, line, "no free block counts", s);
	return TRUE;
}

GArray *ps_buddyinfo_parse(const char *text, const char *name, GError **error)
{
	g_autoptr(GArray) zones = g_array_new(FALSE, TRUE, sizeof(PsBuddyinfoZone));
	const char *s = text;
	unsigned line = 0, first_line = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		PsBuddyinfoZone bz;

		line++;
		/* Blank lines (a trailing one, say) carry nothing. */
		if (s[strspn(s, " \t")] != '\n' && s[strspn(s, " \t")] != '\0') {
			if (!parse_buddyinfo_line(s, name, line, &bz, error))
				return NULL;
			if (!zones->len) {
				first_line = line;
			} else if (bz.nr_orders !=
				   g_array_index(zones, PsBuddyinfoZone, 0).nr_orders) {
				g_autofree char *what = g_strdup_printf(
				    "%u free block counts, line %u has %u", bz.nr_orders,
				    first_line, g_array_index(zones, PsBuddyinfoZone, 0).nr_orders);

				parse_error(error, name, line, what, s);
				return NULL;
			}
			g_array_append_val(zones, bz);
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	if (!zones->len) {
		g_set_error(error, PS_REPORT_ERROR, PS_REPORT_ERROR_PARSE, "%s:%u: no zone lines",
			    name, line);
		return NULL;
	}
	return g_steal_pointer(&zones);
}
