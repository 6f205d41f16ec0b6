# SPDX-License-Identifier: GPL-2.0-or-later
# free-by-order.gp - where the free memory of every zone sits by block order, over simulated
# time: a heatmap of order x time whose colour is the free memory in blocks of that order
# (free_blocks_oN x 2^N x page size, MiB, log colour scale), one panel per zone. Memory moving
# to low orders is fragmentation. Reads timeline.csv.
figure = 'free-by-order'
key_right = 0.88
load ARG0[1:strstrt(ARG0, figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'run.gpi'

# The orders of this machine: the free_blocks_oN columns of the header.
stats timeline using 1 nooutput
ncols = STATS_columns
norders = 0
stats timeline every ::0::0 using (norders = sum [c = 1:ncols] \
	(strstrt(columnhead(c), 'free_blocks_o') == 1 ? 1 : 0), 0) nooutput
# Sample spacing (s), for the width of a cell.
stats timeline using (@t_s) nooutput
dt = STATS_records > nzones ? (STATS_max - STATS_min) / (STATS_records / nzones - 1) : 1
set xrange [STATS_min:STATS_max + dt / 2]
ocol(o) = sprintf('free_blocks_o%d', o)
cell(i, o) = (v = inzone(i, column(ocol(o)) * 2**o * page_size / MiB), v > 0 ? v : NaN)

set multiplot @PANELS \
	title sprintf('Free memory by block order - %s (%s pages, order 0 = %s)', \
	run_name, page_str, page_str) font ',14'
set ylabel 'order'
set yrange [-0.5:norders - 0.5]
set ytics 1
if (norders > 11) { set ytics 2 }
set logscale cb
set cblabel 'MiB (log scale)'
unset key
set format cb '%g'
# viridis-like; white (no cell) means no free block of that order.
set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')
set style fill solid noborder
do for [i = 1:nzones] {
	set title zlabel(i)
	if (i > nzones - cols_for(nzones)) { set xlabel 'simulated time (s)' } else { unset xlabel }
	plot for [o = 0:norders - 1] timeline using (@t_s):(o):(dt * 0.53):(0.5):(cell(i, o)) \
		with boxxy fc palette
}
unset multiplot
