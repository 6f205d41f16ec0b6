# SPDX-License-Identifier: GPL-2.0-or-later
# compare-memory.gp - free memory, memory in use and the largest free block of every run over
# simulated time, machine-wide and in bytes, one line per run (runs of one trace on different
# configs, aligned on the first run's sample times). Reads compare_timeline.csv.
figure = 'compare-memory'
load ARG0[1:strstrt(ARG0, 'compare/' . figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'compare.gpi'

set multiplot layout 3, 1 margins 0.09, 0.97, 0.12, 0.91 spacing 0.07, 0.08 \
	title 'Memory of runs of one trace on different configs' font ',14'
set format y '%g'
unset xlabel
set title 'free memory'
set ylabel 'MiB'
set key at screen 0.5, screen 0.005 center bottom horizontal samplen 2
plot for [i = 1:nruns] ctimeline using (@t_s):(onrun(i, column('free_bytes') / MiB)) \
	with lines lw 2 lc rgb runcolor(i) title label(i)
unset key
set title 'memory in use (managed - free)'
plot for [i = 1:nruns] ctimeline using (@t_s):(onrun(i, column('used_bytes') / MiB)) \
	with lines lw 2 lc rgb runcolor(i)
set title 'largest free block (log scale)'
set logscale y 2
set ylabel 'MiB'
set xlabel 'simulated time (s)'
plot for [i = 1:nruns] ctimeline \
	using (@t_s):(onrun(i, column('largest_free_bytes') > 0 ? column('largest_free_bytes') / MiB : NaN)) \
	with steps lw 2 lc rgb runcolor(i)
unset multiplot
