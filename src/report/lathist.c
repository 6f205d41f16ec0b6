// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lathist.c - the whole-run latency histogram of every allocation path, for latency CDFs.
 *
 * latency.csv gives percentiles per sampling window, which cannot be combined into a whole-run
 * distribution (percentiles do not add). The simulator therefore merges each window's
 * histograms into run-long ones and this file writes them once at the end, in the histogram's
 * own buckets (relative error below 1/16, report/hist.c):
 *
 * latency_hist.csv: path,upper_ns,count,cum_fraction - one row per path and non-empty bucket,
 * buckets ascending; upper_ns is the bucket's upper edge (capped at the path's exact maximum,
 * as the quantiles are), cum_fraction the fraction of that path's allocations at or below it
 * (6 decimals, computed in integers so that the bytes do not depend on the host's floating
 * point). Paths without allocations have no rows.
 */
#include "policy/policy.h"
#include "report/report.h"

const char *ps_lat_row_name(int row)
{
	g_assert(row >= 0 && row < PS_NR_LAT_ROWS);
	if (row == PS_LAT_FAULT)
		return "fault";
	if (row == PS_LAT_FILE_FAULT)
		return "file_fault";
	return ps_alloc_path_names[row];
}

bool ps_lat_row_is_fault(const char *name)
{
	return !strcmp(name, "fault") || !strcmp(name, "file_fault");
}

gboolean ps_latency_hist_write(const char *path, const PsHist *hists, GError **error)
{
	g_autoptr(GString) s = g_string_new("path,upper_ns,count,cum_fraction\n");

	for (int p = 0; p < PS_NR_LAT_ROWS; p++) {
		const PsHist *h = &hists[p];
		uint64_t cum = 0;

		for (unsigned i = 0; i < PS_HIST_BUCKETS && cum < h->count; i++) {
			uint64_t millionths;

			if (!h->b[i])
				continue;
			cum += h->b[i];
			/* Rounded to nearest; cum <= count < 2^44 keeps the product in range. */
			millionths = (cum * 1000000u + h->count / 2) / h->count;
			g_string_append_printf(s,
					       "%s,%" G_GUINT64_FORMAT ",%u,%" G_GUINT64_FORMAT
					       ".%06" G_GUINT64_FORMAT "\n",
					       ps_lat_row_name(p),
					       MIN(ps_hist_bucket_upper(i), h->max), h->b[i],
					       millionths / 1000000u, millionths % 1000000u);
		}
	}
	return ps_write_file_atomic(path, s->str, s->len, error);
}
