# SPDX-License-Identifier: GPL-2.0-or-later
# fallbacks.gp - the migratetype fallback matrix of a run: how many allocations of each
# migratetype (rows) were served from a free block of another type (columns), split into
# fragmenting fallbacks (the block taken was smaller than a pageblock, so two mobilities now
# share a pageblock) and non-fragmenting ones (a whole pageblock or more changed hands). Each
# cell gives the count and how many of those claimed the pageblock for the new type. Reads
# fallbacks.csv.
figure = 'fallbacks'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'run.gpi'

types = 'unmovable movable reclaimable'
# Totals per cell: k = 1 + alloc * 6 + fallback * 2 + fragmenting.
array total[18]
array claimed[18]
do for [k = 1:18] { total[k] = 0; claimed[k] = 0 }
tidx(s) = s eq 'unmovable' ? 0 : s eq 'movable' ? 1 : 2
cellk(a, b, f) = 1 + a * 6 + b * 2 + f
stats fallbacks using (k = cellk(tidx(strcol('alloc_mt')), tidx(strcol('fallback_mt')), \
	int(column('fragmenting'))), total[k] = total[k] + column('count'), \
	claimed[k] = claimed[k] + (column('claimed') > 0 ? column('count') : 0), 0) nooutput
grand = 0
do for [k = 1:18] { grand = grand + total[k] }

set print $cells
print 'x,y,fragmenting,total,claimed'
do for [a = 0:2] {
	do for [b = 0:2] {
		do for [f = 0:1] {
			k = cellk(a, b, f)
			print sprintf('%d,%d,%d,%d,%d', b, a, f, total[k], claimed[k])
		}
	}
}
unset print
stats $cells using 4 nooutput
cmax = STATS_max > 1 ? STATS_max : 2

set multiplot layout 1, 2 margins 0.12, 0.88, 0.16, 0.84 spacing 0.09, 0.1 \
	title sprintf("Migratetype fallbacks - %s (%d in all; pageblock %s)\nrows: type requested, columns: type of the free block used", \
	run_name, grand, pageblock_str) font ',14'
set xrange [-0.5:2.5]
set yrange [2.5:-0.5]
set xtics ('unmovable' 0, 'movable' 1, 'reclaimable' 2) scale 0
set ytics ('unmovable' 0, 'movable' 1, 'reclaimable' 2) scale 0
set xlabel 'fallback (free block) migratetype'
unset grid
unset key
set style fill solid 1.0 border lc rgb '#ffffff'
set logscale cb
set cbrange [1:*]
set format cb '%g'
set palette defined (0 '#fff5eb', 1 '#fdae6b', 2 '#e6550d', 3 '#7f2704')
unset colorbox
cellcol(n) = n > 0 ? n : NaN
celltext(n, c) = n > 0 ? sprintf("%d\n(%d claimed)", n, c) : (n == 0 ? '0' : '')
textcol(n, m) = n > 0 && log(n) > 0.6 * log(m > 1 ? m : 2) ? 0xffffff : 0x000000
if (cmax > 2) { set cbrange [1:cmax] }

do for [f = 1:0:-1] {
	set title (f ? 'fragmenting (block < pageblock)' : 'non-fragmenting (whole pageblocks)') \
		font ',12'
	if (f) { set ylabel 'requested migratetype' } else { unset ylabel }
	if (!f) { set colorbox user origin 0.9, 0.16 size 0.02, 0.68; set cblabel 'allocations' }
	plot $cells using 1:($3 == f ? $2 : NaN):(0.5):(0.5):(cellcol($4)) with boxxy fc palette, \
	     $cells using 1:($3 == f && $1 == $2 ? $2 : NaN):(0.5):(0.5) with boxxy \
		fc rgb '#eeeeee', \
	     $cells using 1:($3 == f ? $2 : NaN):(0.5):(0.5) with boxxy \
		lc rgb '#bbbbbb' fs empty border, \
	     $cells using 1:($3 == f ? $2 : NaN):($1 == $2 ? 'same type' : celltext($4, $5)):(textcol($4, cmax)) \
		with labels tc rgb variable font ',11'
}
unset multiplot
