# SPDX-License-Identifier: GPL-2.0-or-later
# fragmentation.gp - the unusable free space index and the fragmentation index (as
# /sys/kernel/debug/extfrag prints them) of every zone over simulated time, at the pageblock
# order and at the order of a 2 MiB block, one panel per zone. The unusable index is the share
# of free memory in blocks too small for the order (0 = all usable, 1 = none); the
# fragmentation index says why an allocation of that order would fail (towards 0: too little
# memory, towards 1: fragmentation; -1: it would not fail). Reads timeline.csv.
figure = 'fragmentation'
key_right = 0.97
load ARG0[1:strstrt(ARG0, figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'run.gpi'

same = pageblock_str eq '2 MiB'
set multiplot @PANELS \
	title sprintf('Fragmentation - %s (%s pages, pageblock %s)', run_name, page_str, \
	pageblock_str) font ',14'
set ylabel 'index'
set yrange [-1.1:1.1]
set ytics -1, 0.5, 1
do for [i = 1:nzones] {
	set title zlabel(i)
	eval panel_key(i)
	if (i > nzones - cols_for(nzones)) { set xlabel 'simulated time (s)' } else { unset xlabel }
	if (same) {
		plot timeline using (@t_s):(inzone(i, column('unusable_pb'))) with lines ls 1 lw 2 \
			title 'unusable index, 2 MiB', \
		     '' using (@t_s):(inzone(i, column('fragindex_pb'))) with lines ls 2 \
			title 'fragmentation index, 2 MiB'
	} else {
		plot timeline using (@t_s):(inzone(i, column('unusable_pb'))) with lines ls 1 lw 2 \
			title sprintf('unusable index, %s', pageblock_str), \
		     '' using (@t_s):(inzone(i, column('fragindex_pb'))) with lines ls 2 \
			title sprintf('fragmentation index, %s', pageblock_str), \
		     '' using (@t_s):(inzone(i, column('unusable_2m'))) with lines ls 4 lw 2 dt 2 \
			title 'unusable index, 2 MiB', \
		     '' using (@t_s):(inzone(i, column('fragindex_2m'))) with lines ls 3 dt 2 \
			title 'fragmentation index, 2 MiB'
	}
}
unset multiplot
