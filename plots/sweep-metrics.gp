# SPDX-License-Identifier: GPL-2.0-or-later
# sweep-metrics.gp - one figure per metric of a sweep against one axis: a line per combination
# of the other axes (and traces, configs), each point the mean over seeds. Writes
# OUTDIR/METRIC.png for every metric of results.csv. Variables: data, meta (see sweep.gpi),
# outdir.
load ARG0[1:strstrt(ARG0, 'sweep-metrics.gp') - 1] . 'sweep.gpi'

set terminal pngcairo size 1000,650 noenhanced font 'Sans,11' linewidth 1.5 background rgb 'white'
set key below center horizontal samplen 3 width 1
do for [m = 1:nmetrics] {
	set output sprintf('%s/%s.png', outdir, metrics[m])
	set title sprintf('%s against %s', title_of(metrics[m]), xlabel) font ',13'
	set ylabel metrics[m]
	if (hasdata[m]) {
		eval yaxis(m)
		plot for [g = 1:ngroups] data index (g - 1) using 1:(column(m + 1)) \
			with linespoints ls ((g - 1) % 8 + 1) dt int((g - 1) / 8) + 1 title groups[g]
	} else {
		set label 1 'no data in results.csv' at graph 0.5, graph 0.5 center
		set yrange [0:1]
		plot 2 notitle
		unset label 1
		set yrange [*:*]
	}
	unset output
}
