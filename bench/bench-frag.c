// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-frag.c - published anti-fragmentation effects, reproduced as directions:
 * compaction vs none (Gorman 2010), watermark boosting (Gorman 2018), proactive compaction
 * (Gupta 2020), grouping by mobility (Gorman 2005-2007) and the unmovable pageblock share under
 * 6.18's stealing rules (FB 2016). Prints each experiment's simulated figures next to the
 * published ones, on a 4K and a 64K config.
 *
 * usage: bench-frag [--page-size 4096|65536] [--big] [--seed N]
 *   without --page-size both sizes run; --big uses the 16 GiB 4K machines instead of the small
 *   test ones (the 64K runs always use arm64-64k-16g: a 512 MiB pageblock needs the room).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag-exp.h"

typedef gboolean (*ExpFn)(const FragOpts *o, FragExp *x, GError **error);

static void print_exp(const FragOpts *o, const FragExp *x)
{
	printf("%-3s %-10s %-46s\n", o->page_size == 65536 ? "64K" : "4K", x->name, x->metric);
	if (x->sim_b >= 0)
		printf("      %-18s %10.3f | %-18s %10.3f\n", x->label_a, x->sim_a, x->label_b,
		       x->sim_b);
	else
		printf("      %-18s %10.3f\n", x->label_a, x->sim_a);
	printf("      detail a: thp ok/fail %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
	       ", reclaimed %" G_GUINT64_FORMAT ", frag fallbacks %" G_GUINT64_FORMAT
	       ", compact stalls %" G_GUINT64_FORMAT ", migrated %" G_GUINT64_FORMAT
	       ", compaction p50 %.1f us, buddy p50 %.1f us\n",
	       x->a.probe_ok, x->a.probe_fail, x->a.pgsteal, x->a.frag_fallbacks,
	       x->a.compact_stall, x->a.migrated, x->a.compaction_p50_ns / 1e3,
	       x->a.fast_p50_ns / 1e3);
	if (x->sim_b >= 0)
		printf("      detail b: thp ok/fail %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
		       ", reclaimed %" G_GUINT64_FORMAT ", frag fallbacks %" G_GUINT64_FORMAT
		       ", compact stalls %" G_GUINT64_FORMAT ", migrated %" G_GUINT64_FORMAT
		       ", compaction p50 %.1f us, buddy p50 %.1f us\n",
		       x->b.probe_ok, x->b.probe_fail, x->b.pgsteal, x->b.frag_fallbacks,
		       x->b.compact_stall, x->b.migrated, x->b.compaction_p50_ns / 1e3,
		       x->b.fast_p50_ns / 1e3);
	printf("      published: %s\n", x->published);
}

int main(int argc, char **argv)
{
	static const ExpFn exps[] = {frag_exp_compaction, frag_exp_boost, frag_exp_proactive,
				     frag_exp_grouping, frag_exp_stealing};
	uint32_t sizes[2] = {4096, 65536};
	int nsizes = 2;
	FragOpts o = {.seed = 1};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--page-size") && i + 1 < argc) {
			sizes[0] = (uint32_t)strtoul(argv[++i], NULL, 10);
			nsizes = 1;
		} else if (!strcmp(argv[i], "--big")) {
			o.big = TRUE;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			o.seed = strtoull(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "usage: bench-frag [--page-size 4096|65536] [--big] "
					"[--seed N]\n");
			return 2;
		}
	}
	printf("pagesim anti-fragmentation experiments (simulated vs published)\n\n");
	for (int s = 0; s < nsizes; s++) {
		o.page_size = sizes[s];
		for (size_t e = 0; e < G_N_ELEMENTS(exps); e++) {
			FragExp x = {0};
			g_autoptr(GError) error = NULL;

			if (!exps[e](&o, &x, &error)) {
				fprintf(stderr, "bench-frag: %s\n", error->message);
				return 1;
			}
			print_exp(&o, &x);
			fflush(stdout);
		}
		printf("\n");
	}
	return 0;
}
