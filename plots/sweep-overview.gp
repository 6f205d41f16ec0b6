# SPDX-License-Identifier: GPL-2.0-or-later
# sweep-overview.gp - the main metrics of a sweep against one axis on one page, a panel each:
# failed allocations, stall delay, tail latency, huge-page availability (unusable index at
# 2 MiB, largest free block), reclaim and compaction stalls, and the min_free_kbytes in effect.
# A line per combination of the other axes (and traces, configs), each point the mean over
# seeds. Variables: data, meta (see sweep.gpi), out.
load ARG0[1:strstrt(ARG0, 'sweep-overview.gp') - 1] . 'sweep.gpi'

panels = 'alloc_failed_pct carried_delay_ns p99_worst_window_ns unusable_index_2m largest_free_bytes thp_fallbacks allocstall compact_stall min_free_kbytes'
column_of(name) = sum [i = 1:nmetrics] (metrics[i] eq name ? i : 0)

set terminal pngcairo size 1500,1050 noenhanced font 'Sans,10' linewidth 1.5 background rgb 'white'
set output out
set multiplot layout 3, 3 margins 0.06, 0.98, 0.12, 0.93 spacing 0.07, 0.09 \
	title sprintf('Sweep over %s (mean over seeds)', xlabel) font ',14'
do for [p = 1:words(panels)] {
	name = word(panels, p)
	m = column_of(name)
	set title title_of(name) font ',11'
	if (p == 1) {
		set key at screen 0.5, screen 0.005 center bottom horizontal maxrows 2 samplen 2
	} else {
		unset key
	}
	if (m > 0 && hasdata[m]) {
		plot for [g = 1:ngroups] data index (g - 1) using 1:(column(m + 1)) \
			with linespoints ls ((g - 1) % 8 + 1) title groups[g]
	} else {
		set label 1 'no data' at graph 0.5, graph 0.5 center
		plot [][0:1] 2 notitle
		unset label 1
	}
}
unset multiplot
