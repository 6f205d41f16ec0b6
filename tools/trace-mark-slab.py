#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""trace-mark-slab.py IN OUT - mark a portable trace's slab pages as `kind` `slab`.

For a portable trace whose raw recording is gone (workloads/churn-portable.jsonl.gz: its raw
trace was not kept), this writes what `pagesim import --portable` writes since it tells slab
pages from other kernel memory (src/trace/import.c port_kernel_kind): an `alloc` of kind
`kernel` whose GFP flags hold __GFP_COMP, __GFP_NORETRY and __GFP_NOWARN (allocate_slab's first
try for a new slab; GFP_NOWAIT, GFP_TRANSHUGE and GFP_TRANSHUGE_LIGHT carry __GFP_NOWARN) and
not __GFP_RECLAIMABLE (those are slab_reclaimable already) gets `"kind":"slab"`. Nothing else
changes: `bytes` stays the recorded block's size, as the import writes it.

The tool refuses a trace that has a record of kind `slab` already, or no record to mark.
OUT is gzip'd when it ends in .gz (mtime 0, no name: the same input gives the same bytes).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracemark import mark  # noqa: E402

NOWARN = {'__GFP_NOWARN', 'GFP_NOWAIT', 'GFP_TRANSHUGE', 'GFP_TRANSHUGE_LIGHT'}


def slab_mask(gfp):
    names = set(gfp.split('|'))
    return ('__GFP_COMP' in names and '__GFP_NORETRY' in names and bool(names & NOWARN)
            and '__GFP_RECLAIMABLE' not in names)


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.split('\n', 1)[0])
    src, dst = argv[1], argv[2]
    def mark_line(n, line):
        if '"kind":"slab"' in line:
            sys.exit(f'{src}:{n}: a record of kind slab already')
        if '"op":"alloc"' not in line or '"kind":"kernel"' not in line:
            return None
        rec = json.loads(line)
        if 'bytes' not in rec:
            sys.exit(f'{src}:{n}: a kernel alloc without bytes (not a portable trace)')
        if not slab_mask(rec.get('gfp', '')):
            return None
        if line.count('"kind":"kernel"') != 1:
            sys.exit(f'{src}:{n}: no single "kind" key to mark')
        return line.replace('"kind":"kernel"', '"kind":"slab"')

    marked = mark(src, dst, mark_line, "no kernel alloc with allocate_slab's GFP flags")
    print(f'{marked} kernel alloc records marked slab', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv)
