// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-calibrate.c - prints the latency calibration tables, measured beside simulated, each
 * cell marked "fit" (a figure the constants were fitted on) or "pred" (predicted):
 *
 *  1. the malloc benchmark on 4K and 64K pages (arm64) with the default costs, with the 64K/4K
 *     ratios and the direction of each row (tests/common/calibrate.h);
 *  2. first-touch fault latency on the x86 machine of workloads/fault-latency-6.18/: constants
 *     fitted on one set (one thread, THP off), the other sets predicted by replaying the
 *     recordings (tests/common/faultlat.h); it prints where the fitted constants are shipped
 *     (configs/x86_64-4k-16g.json "costs") and counts a difference from the fit as a failure.
 *
 * Exit status 1 if a direction differs from the measured one or a figure is outside the 25 %
 * band.
 *
 * Usage: bench-calibrate [SOURCE_DIR [PAGESIM]]   (default: the tree it was built from)
 */
#include <stdio.h>

#include "calibrate.h"
#include "faultlat.h"

#ifndef PS_PAGESIM_EXE
#define PS_PAGESIM_EXE "pagesim"
#endif

static int fl_row(const char *set, const char *what, double meas, double sim, bool fitted)
{
	bool ok = fl_in_band(meas, sim);

	printf("%-14s %-6s | %9.0f %9.0f | %+5.0f%% %-4s %s\n", set, what, meas, sim,
	       100 * (sim / meas - 1), fitted ? "fit" : "pred", ok ? "" : "OUTSIDE");
	return !ok;
}

/* Table 2; returns the number of figures outside the band, or -1 on error. */
static int fault_table(const char *src, const char *exe, const char *tmp)
{
	g_autoptr(GError) error = NULL;
	double m1[FL_NQ], m2[FL_NQ], mthp[FL_NQ], m64[FL_NQ], s1[FL_NQ], s2[FL_NQ], sthp = 0;
	FlFit fit, shipped = {0};
	int bad = 0;

	if (!fl_measured(src, "1t-thp-off", m1, &error) ||
	    !fl_measured(src, "2t-thp-off", m2, &error) ||
	    !fl_measured(src, "1t-thp-on", mthp, &error) ||
	    !fl_measured(src, "1t-stride64k", m64, &error))
		goto fail;
	fl_fit(m1, &fit);
	if (!fl_replay(exe, src, "1t", &fit, tmp, s1, &error) ||
	    !fl_replay(exe, src, "2t", &fit, tmp, s2, &error) ||
	    !fl_thp(exe, src, &fit, tmp, &sthp, &error))
		goto fail;
	printf("\nfirst-touch fault latency, ns (%s; best of the repeats in measured.csv)\n"
	       "fitted on 1t-thp-off p50 and p99: fault_ns = %" G_GUINT64_FORMAT
	       ", lru_add_folio_ns = %" G_GUINT64_FORMAT "; other costs default\n",
	       FL_DIR, fit.fault_ns, fit.lru_add_folio_ns);
	if (!fl_shipped(src, &shipped, &error))
		goto fail;
	printf("stored in %s \"costs\": fault_ns = %" G_GUINT64_FORMAT
	       ", lru_add_folio_ns = %" G_GUINT64_FORMAT " (%s)\n\n",
	       FL_CONFIG, shipped.fault_ns, shipped.lru_add_folio_ns,
	       shipped.fault_ns == fit.fault_ns && shipped.lru_add_folio_ns == fit.lru_add_folio_ns
		   ? "the fit"
		   : "DIFFERS from the fit: update the config");
	bad += shipped.fault_ns != fit.fault_ns || shipped.lru_add_folio_ns != fit.lru_add_folio_ns;
	printf("%-14s %-6s | %9s %9s | %s\n", "set", "figure", "measured", "simulated", "error");
	for (int k = 0; k < FL_NQ; k++)
		bad += fl_row("1t-thp-off", fl_qname[k], m1[k], s1[k], k == FL_P50 || k == FL_P99);
	for (int k = 0; k < FL_NQ; k++)
		bad += fl_row("2t-thp-off", fl_qname[k], m2[k], s2[k], false);
	bad += fl_row("1t-thp-on", "p99.9", mthp[FL_P999], sthp, false);
	for (int k = 0; k < FL_NQ; k++)
		bad += fl_row("1t-stride64k", fl_qname[k], m64[k], s1[k], false);
	return bad;
fail:
	fprintf(stderr, "bench-calibrate: %s\n", error->message);
	return -1;
}

#ifndef PS_SOURCE_DIR
#define PS_SOURCE_DIR "."
#endif

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *tmp = g_dir_make_tmp("pagesim-calibrate-XXXXXX", &error);
	const char *src = argc > 1 ? argv[1] : PS_SOURCE_DIR;
	const char *exe = argc > 2 ? argv[2] : PS_PAGESIM_EXE;
	int wrong = 0, bad;

	if (!tmp || !cal_run(src, tmp, &error)) {
		fprintf(stderr, "bench-calibrate: %s\n", error->message);
		return 2;
	}
	printf("us per malloc + write of first byte + free, loops of 1024 allocations\n"
	       "simulated: steady-state modelled kernel time per operation + %.3f us user space; "
	       "equal = within %.0f %%\n\n",
	       CAL_USER_US, CAL_EQUAL_TOL * 100);
	printf("%-8s | %9s %9s %7s %-10s | %9s %9s %7s %-10s | %-5s | %-12s %-12s\n", "size",
	       "meas 4K", "meas 64K", "64K/4K", "direction", "sim 4K", "sim 64K", "64K/4K",
	       "direction", "match", "4K error", "64K error");
	for (size_t i = 0; i < G_N_ELEMENTS(cal_rows); i++) {
		const CalRow *r = &cal_rows[i];
		int dm = cal_direction(r->measured_4k, r->measured_64k);
		int ds = cal_direction(r->sim_4k, r->sim_64k);

		wrong += dm != ds;
		wrong += !cal_in_band(r->measured_4k, r->sim_4k);
		wrong += !cal_in_band(r->measured_64k, r->sim_64k);
		printf("%-8s | %9.3f %9.3f %7.2f %-10s | %9.3f %9.3f %7.2f %-10s | %-5s | "
		       "%+5.0f%% %-5s %+5.0f%% %-5s\n",
		       r->label, r->measured_4k, r->measured_64k, r->measured_64k / r->measured_4k,
		       cal_direction_name(dm), r->sim_4k, r->sim_64k, r->sim_64k / r->sim_4k,
		       cal_direction_name(ds), dm == ds ? "yes" : "NO",
		       100 * (r->sim_4k / r->measured_4k - 1), r->fitted_4k ? "fit" : "pred",
		       100 * (r->sim_64k / r->measured_64k - 1), r->fitted_64k ? "fit" : "pred");
	}
	printf("\nfit: a cell the default costs were fitted on; pred: predicted. Band: within %.0f "
	       "%%\n",
	       CAL_BAND * 100);
	printf("%s\n", wrong ? "some directions differ or rows are outside the band"
			     : "all directions match, all rows within the band");
	bad = fault_table(src, exe, tmp);
	if (bad < 0) {
		cal_rm_rf(tmp);
		return 2;
	}
	wrong += bad;
	printf("\n%s\n", bad ? "some fault-latency figures are outside the band"
			     : "all fault-latency figures within the band");
	cal_rm_rf(tmp);
	return wrong ? 1 : 0;
}
