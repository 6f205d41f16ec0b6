# SPDX-License-Identifier: GPL-2.0-or-later
# compare-latency.gp - allocation latency per sampling window of every run: p50 (dashed) and
# p99 (solid), one panel per allocation path that any run used. Reads compare_latency.csv.
figure = 'compare-latency'
load ARG0[1:strstrt(ARG0, 'compare/' . figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'compare.gpi'

all_paths = 'pcp buddy slow reclaim compaction'
paths = ''
do for [p in all_paths] {
	n = 0
	stats clatency using (n = n + (strcol('path') eq p ? column('count') : 0), 0) nooutput
	if (n > 0) { paths = paths . ' ' . p }
}
npaths = words(paths)
onpath(i, p, v) = column('run') == i && strcol('path') eq p ? v / 1000.0 : NaN

set multiplot layout npaths, 1 margins 0.09, 0.97, 0.14, 0.91 spacing 0.07, 0.1 \
	title 'Allocation latency per window (p50 dashed, p99 solid), runs of one trace' font ',14'
set logscale y
set format y '%g'
set ylabel 'us (log scale)'
do for [k = 1:npaths] {
	p = word(paths, k)
	# Say what the panel cannot show: runs with no allocation on this path (at 16K and 64K the
	# buddy path is often unused), and runs whose p50 equals their p99 in every window (the
	# dashed line then lies under the solid one).
	absent = ''
	flat = ''
	do for [i = 1:nruns] {
		n = 0
		d = 0
		stats clatency using (column('run') == i && strcol('path') eq p ? \
			(n = n + column('count'), d = d + abs(column('p99_ns') - column('p50_ns')), 0) : 0) \
			nooutput
		if (n == 0) { absent = absent . ' ' . label(i) } else { if (d == 0) { flat = flat . ' ' . label(i) } }
	}
	note = ''
	if (strlen(absent) > 0) { note = note . sprintf('no %s-path allocations on%s', p, absent) }
	if (strlen(flat) > 0) { note = note . (strlen(note) > 0 ? '; ' : '') . sprintf('p50 = p99 in every window on%s', flat) }
	set label 1 note at graph 0.01, graph 0.93 left front boxed font ',10'
	set title sprintf('path: %s', p)
	if (k == 1) {
		set key at screen 0.5, screen 0.005 center bottom horizontal samplen 2
	} else {
		unset key
	}
	if (k == npaths) { set xlabel 'simulated time (s)' } else { unset xlabel }
	plot for [i = 1:nruns] clatency using (@t_s):(onpath(i, p, column('p99_ns'))) \
		with lines lw 2 lc rgb runcolor(i) title label(i), \
	     for [i = 1:nruns] clatency using (@t_s):(onpath(i, p, column('p50_ns'))) \
		with lines lw 1.5 dt 2 lc rgb runcolor(i) notitle
}
unset multiplot
