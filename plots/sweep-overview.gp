# SPDX-License-Identifier: GPL-2.0-or-later
# sweep-overview.gp - the main metrics of a sweep against one axis on one page, a panel each:
# failed allocations, stall delay, tail latency, huge-page availability (unusable index at
# 2 MiB, largest free block), reclaim and compaction stalls, and the min_free_kbytes in effect.
# A line per combination of the other axes (and traces, configs), each point the mean over
# seeds. Variables: data, meta (see sweep.gpi), out.
load ARG0[1:strstrt(ARG0, 'sweep-overview.gp') - 1] . 'sweep.gpi'

panels = 'alloc_failed_pct carried_delay_ns p99_worst_window_ns unusable_index_2m largest_free_bytes thp_fallbacks allocstall compact_stall min_free_kbytes'
column_of(name) = sum [i = 1:nmetrics] (metrics[i] eq name ? i : 0)

set terminal pngcairo size 1500,1100 noenhanced font 'Sans,10' linewidth 1.5 background rgb 'white'
set output out
# Panels placed by hand, 3 x 3 above a full-width strip for the legend: a key inside one panel
# of a multiplot layout cannot be wider than that panel.
KEY_H = 0.10
TOP = 0.95
panel_w = 1.0 / 3
panel_h = (TOP - KEY_H) / 3
set multiplot title sprintf('Sweep over %s (mean over seeds)', xlabel) font ',14'
unset key
do for [p = 1:words(panels)] {
	name = word(panels, p)
	m = column_of(name)
	set origin ((p - 1) % 3) * panel_w, KEY_H + (2 - int((p - 1) / 3)) * panel_h
	set size panel_w, panel_h
	set title title_of(name) font ',11'
	if (m > 0 && hasdata[m]) {
		eval yaxis(m)
		plot for [g = 1:ngroups] data index (g - 1) using 1:(column(m + 1)) \
			with linespoints ls ((g - 1) % 8 + 1) dt int((g - 1) / 8) + 1
	} else {
		set label 1 'no data' at graph 0.5, graph 0.5 center
		set yrange [0:1]
		plot 2 notitle
		unset label 1
	}
}
# The legend: the lines' styles and titles, drawn off-range in an empty full-width plot.
set origin 0, 0
set size 1, KEY_H
unset border
unset tics
unset xlabel
unset ylabel
unset title
unset grid
unset logscale x
set xrange [0:1]
set yrange [0:1]
set key center center horizontal maxrows 3 samplen 3 width 2 noopaque nobox
plot for [g = 1:ngroups] 2 with linespoints ls ((g - 1) % 8 + 1) dt int((g - 1) / 8) + 1 \
	title groups[g]
unset multiplot
