#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""churn-placement.py RUNDIR... - where the scheduler ran churn's tasks in a qemu-lab run.

For each run directory of ../shared/qemu-lab/run.sh with churn.c (its trace.txt.gz), prints the
page allocations (mm_page_alloc, any order) of churn's parent and of its children on each cpu up
to the `mid` snapshot, as tests/data/lab-churn-repeats/*/placement keeps them:

    parent PID cpu0 N cpu1 N
    children cpu0 N cpu1 N
    child PID cpu0 N cpu1 N        (one line per child, in the order they first allocated)

churn's tasks are those named `churn` or `workload` (run.sh's binary name differs between lab
versions); the parent is the first of them to appear in the trace. The mid point is the first
trace line of the first `sh` after churn's first line (snap.sh of mid, forked by churn), as
tests/sim/test-churn-portable.c takes it from the import. Only the trace is read.
"""
import gzip
import re
import sys

LINE = re.compile(r'^\s*(.+?)-(\d+)\s+\[(\d+)\]')
ALLOC = 'mm_page_alloc:'


def placement(run_dir):
    parent = None
    per = {}  # pid -> {cpu: allocations}
    order = []
    with gzip.open(run_dir + '/trace.txt.gz', 'rt', errors='replace') as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            comm, pid, cpu = m.group(1), int(m.group(2)), int(m.group(3))
            if comm in ('churn', 'workload'):
                if parent is None:
                    parent = pid
            elif comm == 'sh' and parent is not None:
                break
            else:
                continue
            if ALLOC not in line:
                continue
            if pid not in per:
                per[pid] = {}
                order.append(pid)
            per[pid][cpu] = per[pid].get(cpu, 0) + 1
    if parent is None:
        raise SystemExit('%s: no churn or workload task in the trace' % run_dir)
    return parent, per, order


def cpus(counts, nr):
    return ' '.join('cpu%d %d' % (c, counts.get(c, 0)) for c in range(nr))


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    for d in argv[1:]:
        parent, per, order = placement(d.rstrip('/'))
        nr = max([2] + [c + 1 for v in per.values() for c in v])
        kids = {}
        for pid in order:
            if pid != parent:
                for c, n in per[pid].items():
                    kids[c] = kids.get(c, 0) + n
        if len(argv) > 2:
            print('# ' + d)
        print('parent %d %s' % (parent, cpus(per.get(parent, {}), nr)))
        print('children %s' % cpus(kids, nr))
        for pid in order:
            if pid != parent:
                print('child %d %s' % (pid, cpus(per[pid], nr)))


if __name__ == '__main__':
    main(sys.argv)
