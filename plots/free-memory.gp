# SPDX-License-Identifier: GPL-2.0-or-later
# free-memory.gp - free memory of every zone over simulated time, with the zone's min, low and
# high watermarks (boosted, as the allocator sees them), one panel per zone. Reads timeline.csv.
figure = 'free-memory'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'run.gpi'

set multiplot @PANELS \
	title sprintf('Free memory and watermarks - %s (%s pages)', run_name, page_str) font ',14'
set ylabel 'MiB (log scale)'
set logscale y
set format y '%g'
do for [i = 1:nzones] {
	set title zlabel(i)
	eval panel_key(i)
	if (i > nzones - cols_for(nzones)) { set xlabel 'simulated time (s)' } else { unset xlabel }
	plot timeline using (@t_s):(inzone(i, column('free_bytes') / MiB)) with lines ls 1 lw 2 title 'free', \
	     '' using (@t_s):(inzone(i, column('wmark_high') * page_size / MiB)) with lines ls 4 dt 2 title 'high', \
	     '' using (@t_s):(inzone(i, column('wmark_low') * page_size / MiB)) with lines ls 3 dt 2 title 'low', \
	     '' using (@t_s):(inzone(i, column('wmark_min') * page_size / MiB)) with lines ls 2 dt 2 title 'min'
}
unset multiplot
