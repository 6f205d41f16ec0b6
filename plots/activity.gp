# SPDX-License-Identifier: GPL-2.0-or-later
# activity.gp - what the kernel's background and direct work did over simulated time: when each
# node's kswapd and kcompactd ran (one bar per daemon and node, from the samples' activity
# flags), how many allocations per second stalled in the slow path, direct reclaim or direct
# compaction, and OOM kills marked as vertical lines with the victim's pid. Reads
# timeline.csv, latency.csv and events.jsonl.
figure = 'activity'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'common.gpi'
load ARG0[1:strstrt(ARG0, figure) - 1] . 'run.gpi'

# Nodes, and the first zone row of each (the daemons are per node).
nodes = ''
do for [i = 1:nzones] {
	if (strstrt(nodes, sprintf(' %d ', znode(i))) == 0) { nodes = nodes . sprintf(' %d ', znode(i)) }
}
nnodes = words(nodes)
firstzone(n) = (fz = 0, sum [i = 1:nzones] (fz == 0 && znode(i) == n ? (fz = i, 0) : 0), fz)
stats timeline using (@t_s) nooutput
tmin = STATS_min
tmax = STATS_max
dt = STATS_records > nzones ? (tmax - tmin) / (STATS_records / nzones - 1) : 1
active = 0
stats timeline using (active = active + column('kswapd_active') + column('kcompactd_active'), 0) nooutput

# OOM kills from events.jsonl ({"t":NS,"type":"oom_kill",...,"pid":P,...}): "t pid" pairs.
# (gnuplot's own reader splits JSON lines at their quotes, so sed picks the two fields.)
oom = system(sprintf("grep '\"type\":\"oom_kill\"' '%s' 2>/dev/null | sed -n 's/^{\"t\":\\([0-9]*\\),.*\"pid\":\\(-*[0-9]*\\).*/\\1 \\2/p; s/^{\"t\":\\([0-9]*\\),.*/\\1 ?/p'", events))
noom = words(oom) / 2
oom_t = ''
oom_pid = ''
do for [k = 1:noom] {
	oom_t = oom_t . ' ' . word(oom, 2 * k - 1)
	oom_pid = oom_pid . ' ' . word(oom, 2 * k)
}
do for [k = 1:words(oom_t)] {
	set arrow k from real(word(oom_t, k)) / 1e9, graph 0 to real(word(oom_t, k)) / 1e9, graph 1 \
		nohead lc rgb '#d62728' lw 1.5 dt 2 front
}

set multiplot layout 2, 1 margins 0.14, 0.97, 0.14, 0.90 spacing 0.07, 0.12 \
	title sprintf('Reclaim, compaction and stalls - %s (%s pages)%s', run_name, page_str, \
	noom > 0 ? sprintf(', %d OOM kill%s', noom, noom > 1 ? 's' : '') : '') font ',14'
set xrange [tmin:tmax + dt / 2]

# Panel 1: daemon activity as bars, row 2n+1 kswapd and 2n kcompactd of node n.
set title 'kswapd and kcompactd (bars: running during the sample)'
set yrange [-0.6:2 * nnodes - 0.4]
set ytics ()
do for [n = 1:nnodes] {
	nd = int(word(nodes, n))
	set ytics add (sprintf('kswapd%d', nd) 2 * (n - 1) + 1, sprintf('kcompactd%d', nd) 2 * (n - 1))
}
set style fill solid 0.8 noborder
unset xlabel
unset key
if (active == 0) {
	set label 1 'no kswapd or kcompactd activity in this run' at graph 0.5, graph 0.5 center \
		tc rgb '#777777'
}
# Pids only while they stay legible; the lines mark every kill.
do for [k = 1:(noom <= 10 ? words(oom_t) : 0)] {
	set label 100 + k sprintf('OOM kill pid %s', word(oom_pid, k)) \
		at real(word(oom_t, k)) / 1e9, graph 1.04 center tc rgb '#d62728' font ',9'
}
plot for [n = 1:nnodes] timeline \
	using (@t_s):(inzone(firstzone(int(word(nodes, n))), column('kswapd_active') > 0 ? \
		2 * (n - 1) + 1 : NaN)):(dt / 2):(0.35) with boxxy lc rgb '#1f77b4', \
     for [n = 1:nnodes] timeline \
	using (@t_s):(inzone(firstzone(int(word(nodes, n))), column('kcompactd_active') > 0 ? \
		2 * (n - 1) : NaN)):(dt / 2):(0.35) with boxxy lc rgb '#2ca02c', \
     NaN notitle
unset label

# Panel 2: direct stalls per second of simulated time, by path.
set title 'allocations that stalled, per second of simulated time'
set yrange [0:*]
set ytics autofreq
set ylabel 'allocations / s'
set xlabel 'simulated time (s)'
set key at screen 0.5, screen 0.005 center bottom horizontal samplen 2
stalled = 0
stats latency using (strcol('path') eq 'slow' || strcol('path') eq 'reclaim' || \
	strcol('path') eq 'compaction' ? \
	(stalled = stalled + column('count'), 0) : 0) nooutput
if (stalled == 0) {
	set label 2 'no allocation entered the slow path' at graph 0.5, graph 0.5 center \
		tc rgb '#777777'
	set yrange [0:1]
	if (noom == 0) { unset key }
}
tmid = '(column("t_start_ns") + column("t_end_ns")) / 2e9'
rate(p) = strcol('path') eq p && column('t_end_ns') > column('t_start_ns') ? \
	column('count') / ((column('t_end_ns') - column('t_start_ns')) / 1e9) : NaN
plot latency using (@tmid):(rate('slow')) with linespoints ls 3 pt 7 ps 0.5 title 'slow path', \
     '' using (@tmid):(rate('reclaim')) with linespoints ls 2 pt 7 ps 0.5 title 'direct reclaim', \
     '' using (@tmid):(rate('compaction')) with linespoints ls 4 pt 7 ps 0.5 \
	title 'direct compaction', \
     NaN with lines lc rgb '#d62728' dt 2 title 'OOM kill'
unset multiplot
