# SPDX-License-Identifier: GPL-2.0-or-later
# compare-faults.gp - allocations per second of simulated time of every run, page faults
# included (a user fault is one base-page allocation, so the bigger page takes fewer of them
# for the same memory). From each run's latency windows. Reads compare_timeline.csv.
figure = 'compare-faults'
load ARG0[1:strstrt(ARG0, 'compare/' . figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'compare.gpi'

set title 'Allocations and page faults per second, runs of one trace' font ',14'
set ylabel 'allocations / s (log scale)'
set logscale y
# 1k, 100k, 1M rather than 1e+06
set format y '%.0s%c'
set bmargin 6
set key at screen 0.5, screen 0.005 center bottom horizontal samplen 2
plot for [i = 1:nruns] ctimeline \
	using (@t_s):(onrun(i, column('allocs_per_s') > 0 ? column('allocs_per_s') : NaN)) \
	with lines lw 2 lc rgb runcolor(i) title label(i)
