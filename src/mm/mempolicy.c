// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mempolicy.c - the spelling of a memory policy: "MODE" or "MODE:NODES" as numactl and the
 * tmpfs mpol= option write it (mpol_parse_str of mm/mempolicy.c), e.g. "interleave:0,2-3".
 *
 * Only the text lives here, beside the GFP spelling (gfp.c): the trace format checks a proc
 * record's policy with it, and policy/ (which decides with a PsMempolicy) builds on it, so the
 * trace format does not depend on policy/. Unlike the kernel's parser this takes no relative or
 * static flags ("=static", "=relative"): traces never carry them.
 */
#include "mm/mm.h"

#include <gio/gio.h>
#include <string.h>

const char *const ps_mpol_mode_names[PS_NR_MPOL_MODES] = {
    [PS_MPOL_DEFAULT] = "default",
    [PS_MPOL_PREFERRED] = "preferred",
    [PS_MPOL_BIND] = "bind",
    [PS_MPOL_INTERLEAVE] = "interleave",
    [PS_MPOL_LOCAL] = "local",
    [PS_MPOL_PREFERRED_MANY] = "preferred_many",
    [PS_MPOL_WEIGHTED_INTERLEAVE] = "weighted_interleave",
};

gboolean ps_mpol_parse_str(const char *s, enum ps_mpol_mode *mode_out, uint64_t *nodes,
			   GError **error)
{
	const char *colon = strchr(s, ':');
	gsize mlen = colon ? (gsize)(colon - s) : strlen(s);
	int mode = -1;

	*nodes = 0;
	for (int i = 0; i < PS_NR_MPOL_MODES; i++)
		if (strlen(ps_mpol_mode_names[i]) == mlen &&
		    !strncmp(s, ps_mpol_mode_names[i], mlen))
			mode = i;
	if (mode < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "unknown policy mode in '%s' (default, local, preferred, bind, "
			    "interleave, weighted_interleave, preferred_many)",
			    s);
		return FALSE;
	}
	*mode_out = (enum ps_mpol_mode)mode;
	if (!colon) {
		if (mode != PS_MPOL_DEFAULT && mode != PS_MPOL_LOCAL) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "'%s' needs a node list, e.g. %s:0,1", s, s);
			return FALSE;
		}
		return TRUE;
	}
	if (mode == PS_MPOL_DEFAULT || mode == PS_MPOL_LOCAL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "'%.*s' takes no node list", (int)mlen, s);
		return FALSE;
	}
	/* "0,2-3": ranges and single nodes, each below PS_MAX_NODES. */
	for (const char *p = colon + 1;;) {
		char *end;
		guint64 a = g_ascii_strtoull(p, &end, 10), b = a;

		if (end == p || a >= PS_MAX_NODES)
			goto bad;
		p = end;
		if (*p == '-') {
			b = g_ascii_strtoull(p + 1, &end, 10);
			if (end == p + 1 || b >= PS_MAX_NODES || b < a)
				goto bad;
			p = end;
		}
		for (guint64 n = a; n <= b; n++)
			*nodes |= 1ull << n;
		if (!*p)
			return TRUE;
		if (*p != ',')
			goto bad;
		p++;
	}
bad:
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		    "bad node list in '%s' (nodes 0..%d, like 0,2-3)", s, PS_MAX_NODES - 1);
	return FALSE;
}
