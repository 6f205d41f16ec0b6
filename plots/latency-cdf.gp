# SPDX-License-Identifier: GPL-2.0-or-later
# latency-cdf.gp - the distribution of allocation latency over the whole run, per path: the
# fraction of allocations at or below a latency (a CDF, log latency axis), from the run's
# whole-run histograms (bucket upper edges, relative error below 1/16). Reads latency_hist.csv.
figure = 'latency-cdf'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'run.gpi'

all_paths = 'pcp buddy slow reclaim compaction fault file_fault'
paths = ''
counts = ''
do for [p in all_paths] {
	n = 0
	stats lathist using (n = n + (strcol('path') eq p ? column('count') : 0), 0) nooutput
	if (n > 0) { paths = paths . ' ' . p; counts = counts . sprintf(' %d', n) }
}
npaths = words(paths)

set title sprintf('Allocation latency distribution - %s (%s pages)', run_name, page_str) \
	font ',14'
set xlabel 'latency (us, log scale)'
set ylabel 'fraction of allocations (faults) at or below'
set logscale x
set format x '%g'
set yrange [0:1.02]
set ytics 0.1
set key bottom right
onpath(p, v) = strcol('path') eq p ? v : NaN
plot for [i = 1:npaths] lathist \
	using (column('upper_ns') / 1000.0):(onpath(word(paths, i), column('cum_fraction'))) \
	with steps ls i lw 2 title sprintf('%s (%s %s)', word(paths, i), word(counts, i), \
		(word(paths, i) eq 'fault' || word(paths, i) eq 'file_fault') ? 'faults' : 'allocations')
