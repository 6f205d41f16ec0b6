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
import gzip
import io
import json
import sys

NOWARN = {'__GFP_NOWARN', 'GFP_NOWAIT', 'GFP_TRANSHUGE', 'GFP_TRANSHUGE_LIGHT'}


def slab_mask(gfp):
    names = set(gfp.split('|'))
    return ('__GFP_COMP' in names and '__GFP_NORETRY' in names and bool(names & NOWARN)
            and '__GFP_RECLAIMABLE' not in names)


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.split('\n', 1)[0])
    src, dst = argv[1], argv[2]
    opener = gzip.open if src.endswith('.gz') else open
    out = []
    marked = 0
    with opener(src, 'rt', encoding='utf-8', newline='\n') as f:
        for n, line in enumerate(f, 1):
            if '"kind":"slab"' in line:
                sys.exit(f'{src}:{n}: a record of kind slab already')
            if '"op":"alloc"' in line and '"kind":"kernel"' in line:
                rec = json.loads(line)
                if 'bytes' not in rec:
                    sys.exit(f'{src}:{n}: a kernel alloc without bytes (not a portable trace)')
                if slab_mask(rec.get('gfp', '')):
                    if line.count('"kind":"kernel"') != 1:
                        sys.exit(f'{src}:{n}: no single "kind" key to mark')
                    line = line.replace('"kind":"kernel"', '"kind":"slab"')
                    marked += 1
            out.append(line)
    if not marked:
        sys.exit(f'{src}: no kernel alloc with allocate_slab\'s GFP flags')
    text = ''.join(out).encode('utf-8')
    if dst.endswith('.gz'):
        buf = io.BytesIO()
        with gzip.GzipFile(filename='', mode='wb', fileobj=buf, mtime=0) as g:
            g.write(text)
        text = buf.getvalue()
    with open(dst, 'wb') as f:
        f.write(text)
    print(f'{marked} kernel alloc records marked slab', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv)
