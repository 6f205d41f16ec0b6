# SPDX-License-Identifier: GPL-2.0-or-later
# pageblocks.gp - the migratetype of every pageblock over simulated time, stacked (as
# /proc/pagetypeinfo counts them), and the mixed pageblocks: those holding allocated pages of a
# mobility other than their own, the lasting damage of fragmenting fallbacks. One panel per
# zone. Reads timeline.csv.
figure = 'pageblocks'
key_right = 0.92
panels_top = 0.86
panels_bottom = 0.19
load ARG0[1:strstrt(ARG0, figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'run.gpi'

pb(n) = column(n)
s1(i) = inzone(i, pb('pb_unmovable'))
s2(i) = inzone(i, pb('pb_unmovable') + pb('pb_reclaimable'))
s3(i) = inzone(i, pb('pb_unmovable') + pb('pb_reclaimable') + pb('pb_highatomic'))
s4(i) = inzone(i, pb('pb_unmovable') + pb('pb_reclaimable') + pb('pb_highatomic') + \
	pb('pb_isolate'))
s5(i) = inzone(i, pb('pb_unmovable') + pb('pb_reclaimable') + pb('pb_highatomic') + \
	pb('pb_isolate') + pb('pb_movable'))

set multiplot @PANELS \
	title sprintf("Pageblock migratetypes - %s (pageblock %s)\nareas: every pageblock by its type (left axis); " . \
		"lines: the minority types and the mixed pageblocks (right axis)", run_name, pageblock_str) \
	font ',14'
set ylabel 'areas: pageblocks, stacked'
set yrange [0:*]
set y2label 'lines: pageblocks' offset -1
set y2range [0:*]
set y2tics
set style fill solid 0.75 noborder
do for [i = 1:nzones] {
	set title zlabel(i)
	eval panel_key(i)
	if (i > nzones - cols_for(nzones)) { set xlabel 'simulated time (s)' } else { unset xlabel }
	# Areas: the composition (left axis). Lines: the minority types and the mixed pageblocks on
	# their own scale (right axis), since movable blocks usually outnumber them a hundredfold.
	plot timeline using (@t_s):(s4(i)):(s5(i)) with filledcurves lc rgb '#c6dbef' \
		title 'movable', \
	     '' using (@t_s):(s3(i)):(s4(i)) with filledcurves lc rgb '#bdbdbd' title 'isolate', \
	     '' using (@t_s):(s2(i)):(s3(i)) with filledcurves lc rgb '#fdd0a2' title 'highatomic', \
	     '' using (@t_s):(s1(i)):(s2(i)) with filledcurves lc rgb '#c7e9c0' \
		title 'reclaimable', \
	     '' using (@t_s):(0):(s1(i)) with filledcurves lc rgb '#fcbba1' title 'unmovable', \
	     '' using (@t_s):(inzone(i, pb('pb_unmovable'))) axes x1y2 with lines \
		lc rgb '#cb181d' lw 2 title 'unmovable blocks (right)', \
	     '' using (@t_s):(inzone(i, pb('pb_reclaimable'))) axes x1y2 with lines \
		lc rgb '#238b45' lw 2 title 'reclaimable blocks (right)', \
	     '' using (@t_s):(inzone(i, pb('pb_highatomic'))) axes x1y2 with lines \
		lc rgb '#d94801' lw 2 title 'highatomic blocks (right)', \
	     '' using (@t_s):(inzone(i, pb('mixed_pageblocks'))) axes x1y2 with lines \
		lc rgb '#000000' lw 2 dt 2 title 'mixed: holding pages of another type (right)'
}
unset multiplot
