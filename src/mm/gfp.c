// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gfp.c - GFP flags: the printed form of the kmem tracepoints, and the two questions the
 * allocator asks of a mask (highest zone, migratetype).
 *
 * Mirrors show_gfp_flags() of include/trace/events/mmflags.h as printed by
 * trace_print_flags_seq() (kernel/trace/trace_output.c), and gfp_zone() / gfp_migratetype() of
 * include/linux/gfp.h, for the x86-64 / arm64 6.18 build described in kernel-facts §10.7: no
 * KASAN_HW_TAGS and no LOCKDEP (so no SKIP_ZERO, SKIP_KASAN, NOLOCKDEP bits), SLAB_OBJ_EXT on
 * (__GFP_NO_OBJ_EXT is bit 24 and is in the printer's table).
 *
 * Printing walks one table once: composites first, most bits first, then __GFP_RECLAIM, then
 * the single flags in bit order. An entry is printed when all its bits are still set, and its
 * bits are then removed; whatever no entry covers is printed last as "0x%lx". Because the walk
 * is greedy, table order decides the name: 0xc00 prints as GFP_NOIO, never as __GFP_RECLAIM.
 *
 * Parsing accepts everything the printer can produce plus the spellings a person would write
 * (__GFP_DMA, __GFP_RECLAIM, decimal or hex numbers as any token, "none" and "0" for an empty
 * mask). It does not require canonical order; ps_gfp_format gives the canonical form back.
 *
 * gfp_zone: the kernel encodes its answer in the GFP_ZONE_TABLE constant; a switch over the
 * four zone-modifier bits says the same thing readably. The kernel only catches an invalid
 * combination with CONFIG_DEBUG_VM (GFP_ZONE_BAD); here it is always reported, as
 * PS_MAX_NR_ZONES, so the caller can refuse the request.
 */
#include "mm/mm.h"

#include <errno.h>
#include <string.h>

typedef struct {
	uint64_t mask;
	const char *name;
} PsGfpName;

/*
 * Printer table, in the kernel's order (__def_gfpflag_names). Checklist: a new bit goes into
 * mm.h and into this table at its bit position; a new composite goes before __GFP_RECLAIM,
 * after every composite that is a superset of it.
 */
static const PsGfpName ps_gfp_names[] = {
    {PS_GFP_TRANSHUGE, "GFP_TRANSHUGE"},
    {PS_GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"},
    {PS_GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"},
    {PS_GFP_HIGHUSER, "GFP_HIGHUSER"},
    {PS_GFP_USER, "GFP_USER"},
    {PS_GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT"},
    {PS_GFP_KERNEL, "GFP_KERNEL"},
    {PS_GFP_NOFS, "GFP_NOFS"},
    {PS_GFP_ATOMIC, "GFP_ATOMIC"},
    {PS_GFP_NOIO, "GFP_NOIO"},
    {PS_GFP_NOWAIT, "GFP_NOWAIT"},
    {PS_GFP_DMA, "GFP_DMA"},
    {PS_GFP_DMA32, "GFP_DMA32"},
    {PS_GFP_RECLAIM, "__GFP_RECLAIM"},
    /* single bits, in bit order */
    {PS_GFP_DMA, "__GFP_DMA"},
    {PS_GFP_HIGHMEM, "__GFP_HIGHMEM"},
    {PS_GFP_DMA32, "__GFP_DMA32"},
    {PS_GFP_MOVABLE, "__GFP_MOVABLE"},
    {PS_GFP_RECLAIMABLE, "__GFP_RECLAIMABLE"},
    {PS_GFP_HIGH, "__GFP_HIGH"},
    {PS_GFP_IO, "__GFP_IO"},
    {PS_GFP_FS, "__GFP_FS"},
    {PS_GFP_ZERO, "__GFP_ZERO"},
    {PS_GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"},
    {PS_GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"},
    {PS_GFP_WRITE, "__GFP_WRITE"},
    {PS_GFP_NOWARN, "__GFP_NOWARN"},
    {PS_GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL"},
    {PS_GFP_NOFAIL, "__GFP_NOFAIL"},
    {PS_GFP_NORETRY, "__GFP_NORETRY"},
    {PS_GFP_MEMALLOC, "__GFP_MEMALLOC"},
    {PS_GFP_COMP, "__GFP_COMP"},
    {PS_GFP_NOMEMALLOC, "__GFP_NOMEMALLOC"},
    {PS_GFP_HARDWALL, "__GFP_HARDWALL"},
    {PS_GFP_THISNODE, "__GFP_THISNODE"},
    {PS_GFP_ACCOUNT, "__GFP_ACCOUNT"},
    {PS_GFP_ZEROTAGS, "__GFP_ZEROTAGS"},
    {PS_GFP_NO_OBJ_EXT, "__GFP_NO_OBJ_EXT"},
};

/* A decimal or 0x-prefixed hexadecimal number; no sign, no spaces, no trailing junk. */
static gboolean ps_gfp_parse_number(const char *tok, uint64_t *val)
{
	const char *digits = tok;
	unsigned base = 10;
	char *end = NULL;
	guint64 v;

	if (tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
		digits = tok + 2;
		base = 16;
		if (!g_ascii_isxdigit(digits[0]))
			return FALSE;
	} else if (!g_ascii_isdigit(digits[0])) {
		return FALSE;
	}
	errno = 0;
	v = g_ascii_strtoull(digits, &end, base);
	if (errno != 0 || *end != '\0')
		return FALSE;
	*val = v;
	return TRUE;
}

static gboolean ps_gfp_parse_token(const char *tok, uint64_t *val)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(ps_gfp_names); i++) {
		if (strcmp(tok, ps_gfp_names[i].name) == 0) {
			*val = ps_gfp_names[i].mask;
			return TRUE;
		}
	}
	return ps_gfp_parse_number(tok, val);
}

gboolean ps_gfp_parse(const char *s, uint64_t *gfp, GError **error)
{
	g_auto(GStrv) tokens = NULL;
	g_autofree char *copy = NULL;
	uint64_t acc = 0;
	size_t i;

	g_return_val_if_fail(s != NULL && gfp != NULL, FALSE);

	copy = g_strstrip(g_strdup(s));
	if (strcmp(copy, "none") == 0) {
		*gfp = 0;
		return TRUE;
	}
	if (copy[0] == '\0') {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC, "empty GFP mask");
		return FALSE;
	}

	tokens = g_strsplit(copy, "|", -1);
	for (i = 0; tokens[i]; i++) {
		uint64_t v = 0;
		char *tok = g_strstrip(tokens[i]);

		if (tok[0] == '\0') {
			g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
				    "empty flag name in GFP mask \"%s\"", copy);
			return FALSE;
		}
		if (!ps_gfp_parse_token(tok, &v)) {
			g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
				    "unknown GFP flag \"%s\" in \"%s\"", tok, copy);
			return FALSE;
		}
		acc |= v;
	}
	*gfp = acc;
	return TRUE;
}

char *ps_gfp_format(uint64_t gfp)
{
	GString *out;
	size_t i;

	if (gfp == 0)
		return g_strdup("none");

	out = g_string_sized_new(64);
	for (i = 0; i < G_N_ELEMENTS(ps_gfp_names) && gfp; i++) {
		uint64_t mask = ps_gfp_names[i].mask;

		if ((gfp & mask) != mask)
			continue;
		gfp &= ~mask;
		if (out->len)
			g_string_append_c(out, '|');
		g_string_append(out, ps_gfp_names[i].name);
	}
	if (gfp) {
		if (out->len)
			g_string_append_c(out, '|');
		g_string_append_printf(out, "0x%" G_GINT64_MODIFIER "x", (guint64)gfp);
	}
	return g_string_free(out, FALSE);
}
