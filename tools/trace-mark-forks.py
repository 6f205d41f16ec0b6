#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""trace-mark-forks.py IN OUT CHILD:FORKER... - name the forker of tasks made without a copy.

For a portable trace whose raw recording is gone (workloads/churn-portable.jsonl.gz and
churn256-thp-portable.jsonl.gz: their raw traces were not kept), this writes what
`pagesim import --portable` writes since it names the forker of a task whose fork copied no page
tables (a vfork, a thread: src/trace/import.c port_sched): the first `proc` record of each pid
CHILD gets `"forked_by":FORKER`, after `oom_score_adj` and `mempolicy` and before `memcg`, as the
trace writer orders the keys. Nothing else changes.

The pairs come from the recording's notes (sched_process_fork names the forker; the shipped
trace does not), so the tool checks what the trace can tell: CHILD's first record is its `proc`
record, which has neither `parent` nor `forked_by`, and FORKER has a `proc` record before it and
has not exited. It refuses a pair that fails a check or marks nothing.

OUT is gzip'd when it ends in .gz (mtime 0, no name: the same input gives the same bytes).
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracemark import mark  # noqa: E402


def parse_pairs(args):
    pairs = {}
    for a in args:
        m = re.fullmatch(r'([1-9][0-9]*):([1-9][0-9]*)', a)
        if not m:
            sys.exit(f'{a}: not CHILD:FORKER (two pids)')
        child, forker = int(m.group(1)), int(m.group(2))
        if child == forker or child in pairs:
            sys.exit(f'{a}: a task forked by itself, or named twice')
        pairs[child] = forker
    return pairs


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__.split('\n', 1)[0])
    src, dst = argv[1], argv[2]
    pairs = parse_pairs(argv[3:])
    seen = set()   # pids with a record so far
    live = set()   # pids with a proc record and no exit yet
    done = set()   # children marked

    def mark_line(n, line):
        if '"pid":' not in line:
            return None
        rec = json.loads(line)
        pid = rec.get('pid')
        new = None
        if pid in pairs and pid not in seen:
            if rec['op'] != 'proc' or 'parent' in rec or 'forked_by' in rec:
                sys.exit(f'{src}:{n}: pid {pid}: first record is not a proc record without '
                         'parent and forked_by')
            if pairs[pid] not in live:
                sys.exit(f'{src}:{n}: pid {pid}: forker {pairs[pid]} has no live task here')
            key = ',"memcg":' if '"memcg":' in line else '}'
            at = line.rindex(key)
            new = line[:at] + ',"forked_by":%d' % pairs[pid] + line[at:]
            if json.loads(new).get('forked_by') != pairs[pid]:
                sys.exit(f'{src}:{n}: could not mark')
            done.add(pid)
        seen.add(pid)
        if rec['op'] == 'proc':
            live.add(pid)
        elif rec['op'] == 'exit':
            live.discard(pid)
        return new

    mark(src, dst, mark_line, 'no record marked')
    missing = sorted(set(pairs) - done)
    if missing:
        sys.exit(f'{src}: no task {missing[0]}')


if __name__ == '__main__':
    main(sys.argv)
