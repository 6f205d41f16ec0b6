# SPDX-License-Identifier: GPL-2.0-or-later
# latency.gp - allocation latency percentiles (p50, p90, p99, p99.9, max) per sampling window
# over simulated time, one panel per allocation path that served any allocation (pcp, buddy,
# slow, reclaim, compaction), one for first-touch faults whole (fault) and one for read faults
# of file mappings (file_fault: they map page cache and allocate at most a PTE page), the
# p50-p99 band shaded. Latencies are the modelled costs of configs/README.md "costs"; a fault's latency
# includes the fault itself and the clearing of the page. Reads latency.csv.
figure = 'latency'
key_right = 0.97
load ARG0[1:strstrt(ARG0, figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'run.gpi'

all_paths = 'pcp buddy slow reclaim compaction fault file_fault'
paths = ''
do for [p in all_paths] {
	n = 0
	stats latency using (n = n + (strcol('path') eq p ? column('count') : 0), 0) nooutput
	if (n > 0) { paths = paths . ' ' . p }
}
npaths = words(paths)
tmid = '(column("t_start_ns") + column("t_end_ns")) / 2e9'
onpath(p, v) = strcol('path') eq p ? v / 1000.0 : NaN

set multiplot layout npaths, 1 margins 0.08, key_right, 0.14, 0.90 spacing 0.07, 0.10 \
	title sprintf('Allocation latency per window - %s (%s pages)', run_name, page_str) \
	font ',14'
set ylabel 'latency (us, log scale)'
set logscale y
set format y '%g'
do for [i = 1:npaths] {
	p = word(paths, i)
	# Equal percentiles draw one line over another: say so rather than let p50 vanish.
	d = 0
	stats latency using (strcol('path') eq p ? \
		(d = d + abs(column('p99_ns') - column('p50_ns')), 0) : 0) nooutput
	if (d == 0) {
		set label 1 'p50 = p90 = p99 in every window: one line' at graph 0.01, graph 0.93 left front boxed font ',10'
	} else {
		unset label 1
	}
	set title (p eq 'fault' ? 'first-touch faults, whole' : \
		   p eq 'file_fault' ? 'file read faults (page cache mapped), whole' : sprintf('path: %s', p))
	eval panel_key(i)
	if (i == npaths) { set xlabel 'simulated time (s)' } else { unset xlabel }
	plot latency using (@tmid):(onpath(p, column('p50_ns'))):(onpath(p, column('p99_ns'))) \
		with filledcurves fc rgb '#c6dbef' fs solid 0.6 noborder title 'p50-p99', \
	     '' using (@tmid):(onpath(p, column('p50_ns'))) with lines ls 1 lw 2 title 'p50', \
	     '' using (@tmid):(onpath(p, column('p90_ns'))) with lines ls 4 title 'p90', \
	     '' using (@tmid):(onpath(p, column('p99_ns'))) with lines ls 3 title 'p99', \
	     '' using (@tmid):(onpath(p, column('p999_ns'))) with lines ls 2 title 'p99.9', \
	     '' using (@tmid):(onpath(p, column('max_ns'))) with points ls 8 pt 7 ps 0.4 title 'max'
}
unset multiplot
