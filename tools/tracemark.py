# SPDX-License-Identifier: GPL-2.0-or-later
"""tracemark.py - what the trace-mark-*.py tools share: reading a trace's lines, marking some and
writing the trace back (gzip'd when the name ends in .gz, with mtime 0 and no name, so the same
input gives the same bytes)."""
import gzip
import io
import sys


def read_lines(src):
    """The lines of trace src (gzip'd when it ends in .gz), newlines kept."""
    opener = gzip.open if src.endswith('.gz') else open
    with opener(src, 'rt', encoding='utf-8', newline='\n') as f:
        return list(f)


def write_trace(dst, lines):
    """Writes lines to dst, gzip'd when dst ends in .gz."""
    text = ''.join(lines).encode('utf-8')
    if dst.endswith('.gz'):
        buf = io.BytesIO()
        with gzip.GzipFile(filename='', mode='wb', fileobj=buf, mtime=0) as g:
            g.write(text)
        text = buf.getvalue()
    with open(dst, 'wb') as f:
        f.write(text)


def mark(src, dst, mark_line, none_found):
    """Writes src to dst with each line passed through mark_line(n, line), which returns the
    line marked or None to keep it; exits with none_found when no line was marked. Returns the
    lines marked."""
    out = []
    marked = 0
    for n, line in enumerate(read_lines(src), 1):
        new = mark_line(n, line)
        if new is not None:
            line = new
            marked += 1
        out.append(line)
    if not marked:
        sys.exit(f'{src}: {none_found}')
    write_trace(dst, out)
    return marked
