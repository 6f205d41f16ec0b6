#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""trace-mark-shmem.py IN OUT DEV - mark a portable trace's tmpfs page cache as `reason` `shmem`.

For a portable trace whose raw recording is gone (workloads/churn-portable.jsonl.gz: its raw
trace was not kept), this writes what `pagesim import --portable` writes since it marks the
`cache_add` records of tmpfs/shmem pages (src/trace/import.c shmem_add): every `cache_add` of a
file on device DEV (the recording's tmpfs, `MAJ:MIN` as the import names files `MAJ:MIN:INO`)
gets `"reason":"shmem"`, after `len` as the trace writer orders the keys. Nothing else changes.

The import writes a file of a device without a block device (major 0) only from its shmem pass:
tmpfs adds fire no mm_filemap_add_to_page_cache, so a `cache_add` of DEV came from there. The
tool refuses a trace where a `cache_add` of DEV already has a reason, or where none is found.

OUT is gzip'd when it ends in .gz (mtime 0, no name: the same input gives the same bytes).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracemark import mark  # noqa: E402


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__.split('\n', 1)[0])
    src, dst, dev = argv[1], argv[2], argv[3]
    if dev.count(':') != 1 or not all(p.isdigit() for p in dev.split(':')):
        sys.exit(f'{dev}: not MAJ:MIN')
    prefix = '"file":"' + dev + ':'
    def mark_line(n, line):
        if '"op":"cache_add"' not in line or prefix not in line:
            return None
        rec = json.loads(line)
        if 'reason' in rec:
            sys.exit(f'{src}:{n}: a cache_add of {dev} with a reason already')
        key = ',"len":%d' % rec['len']
        if line.count(key) != 1:
            sys.exit(f'{src}:{n}: no single "len" key to mark after')
        return line.replace(key, key + ',"reason":"shmem"')

    marked = mark(src, dst, mark_line, f'no cache_add of a file on {dev}')
    print(f'{marked} cache_add records of {dev} marked shmem', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv)
