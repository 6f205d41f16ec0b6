# SPDX-License-Identifier: GPL-2.0-or-later
# compare-fragmentation.gp - the unusable free space index of every run over simulated time,
# machine-wide, at the order of a 2 MiB block (the same size on every run) and at each run's
# own pageblock (2 MiB at 4K, 32 MiB at 16K, 512 MiB at 64K): 0 = all free memory is in
# blocks that large, 1 = none is. Reads compare_timeline.csv.
figure = 'compare-fragmentation'
load ARG0[1:strstrt(ARG0, 'compare/' . figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'compare.gpi'

set multiplot layout 2, 1 margins 0.09, 0.97, 0.14, 0.91 spacing 0.07, 0.1 \
	title 'Unusable free space index of runs of one trace' font ',14'
set ylabel 'index'
unset xlabel
# From 0, scaled to the data: a fixed 0..1 flattens the differences that matter (a 0.13 peak).
stats ctimeline using (column('unusable_2m')) nooutput
ytop = STATS_max > 0 ? STATS_max * 1.1 : 0.01
set yrange [0:ytop]
set title 'at 2 MiB'
set key at screen 0.5, screen 0.005 center bottom horizontal samplen 2
plot for [i = 1:nruns] ctimeline using (@t_s):(onrun(i, column('unusable_2m'))) \
	with lines lw 2 lc rgb runcolor(i) title label(i)
unset key
set autoscale y  # stats keeps to the y range in force
stats ctimeline using (column('unusable_pb')) nooutput
ytop = STATS_max > 0 ? STATS_max * 1.1 : 0.01
set yrange [0:ytop]
set title "at each run's own pageblock size"
set xlabel 'simulated time (s)'
plot for [i = 1:nruns] ctimeline using (@t_s):(onrun(i, column('unusable_pb'))) \
	with lines lw 2 lc rgb runcolor(i)
unset multiplot
