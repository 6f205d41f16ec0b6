// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-calibrate.c - prints the latency calibration table: the malloc benchmark simulated on
 * 4K and 64K pages with the default costs, beside the measured table, with the 64K/4K ratios and
 * the direction of each row (tests/common/calibrate.h says how the numbers are made). Exit status 1
 * if a direction differs from the measured one.
 *
 * Usage: bench-calibrate [SOURCE_DIR]   (default: the tree it was built from)
 */
#include <stdio.h>

#include "calibrate.h"

#ifndef PS_SOURCE_DIR
#define PS_SOURCE_DIR "."
#endif

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *tmp = g_dir_make_tmp("pagesim-calibrate-XXXXXX", &error);
	const char *src = argc > 1 ? argv[1] : PS_SOURCE_DIR;
	int wrong = 0;

	if (!tmp || !cal_run(src, tmp, &error)) {
		fprintf(stderr, "bench-calibrate: %s\n", error->message);
		return 2;
	}
	printf("us per malloc + write of first byte + free, loops of 1024 allocations\n"
	       "simulated: steady-state modelled kernel time per operation + %.3f us user space; "
	       "equal = within %.0f %%\n\n",
	       CAL_USER_US, CAL_EQUAL_TOL * 100);
	printf("%-8s | %9s %9s %7s %-10s | %9s %9s %7s %-10s | %s\n", "size", "meas 4K", "meas 64K",
	       "64K/4K", "direction", "sim 4K", "sim 64K", "64K/4K", "direction", "match");
	for (size_t i = 0; i < G_N_ELEMENTS(cal_rows); i++) {
		const CalRow *r = &cal_rows[i];
		int dm = cal_direction(r->measured_4k, r->measured_64k);
		int ds = cal_direction(r->sim_4k, r->sim_64k);

		wrong += dm != ds;
		printf("%-8s | %9.3f %9.3f %7.2f %-10s | %9.3f %9.3f %7.2f %-10s | %s\n", r->label,
		       r->measured_4k, r->measured_64k, r->measured_64k / r->measured_4k,
		       cal_direction_name(dm), r->sim_4k, r->sim_64k, r->sim_64k / r->sim_4k,
		       cal_direction_name(ds), dm == ds ? "yes" : "NO");
	}
	printf("\n%s\n", wrong ? "some directions differ" : "all directions match");
	cal_rm_rf(tmp);
	return wrong ? 1 : 0;
}
