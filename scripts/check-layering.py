#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fails the build when a file of a src/ module includes what the module may not use.

Run by meson, one custom target per module, before that module compiles. It reads every .c and
.h file of src/MODULE/ and checks each #include of a project header:

  - "MODULE/x.h" (its own headers, -private.h ones included): always allowed;
  - "OTHER/x.h": only when OTHER is in --allow (the modules MODULE lists in meson.build's
    module table), and never an OTHER/*-private.h;
  - anything else under src/ or the source tree ("x.h", "../x.h", "bench/x.h"): refused, so
    that a module header is always named "<module>/<file>.h" and the rule above can see it.

Errors are printed as "path:line: error: ..." for each offending line; the exit status is 1 if
there was any. On success it writes OUTPUT (a header nobody includes: the targets that must wait
for the check list it among their sources) and DEPFILE, which names every file read and the
module directory itself, so that editing, adding or removing a file there runs the check again.

Why a script and not per-module include directories: headers are included as "mm/mm.h" from
one -Isrc, and exposing only some module folders would need a copied or symlinked tree per
library, whose compiler errors ("No such file") would not say which rule was broken.
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--srcdir", required=True, help="project source root")
    ap.add_argument("--module", required=True, help="the module checked: src/MODULE/")
    ap.add_argument("--modules", required=True, help="comma-separated: every module of src/")
    ap.add_argument("--allow", default="", help="comma-separated: modules MODULE may include")
    ap.add_argument("--output", required=True)
    ap.add_argument("--depfile", required=True)
    a = ap.parse_args()

    modules = set(filter(None, a.modules.split(",")))
    allow = [m for m in a.allow.split(",") if m]
    moddir = os.path.join(a.srcdir, "src", a.module)
    files = sorted(f for f in os.listdir(moddir) if f.endswith((".c", ".h")))
    uses = ", ".join(allow) if allow else "no other module"
    errors = 0

    def error(rel, lineno, inc, what):
        nonlocal errors
        errors += 1
        print(f"{rel}:{lineno}: error: #include {inc}: {what}", file=sys.stderr)

    for name in files:
        path = os.path.join(moddir, name)
        rel = os.path.join("src", a.module, name)
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                quoted, target = m.group(1) == '"', m.group(2)
                shown = f'"{target}"' if quoted else f"<{target}>"
                top, sep, rest = target.partition("/")
                if sep and top == a.module:
                    continue
                if sep and top in modules:
                    if top not in allow:
                        error(rel, lineno, shown,
                              f"module {a.module} does not depend on {top} (it may use "
                              f"{uses}; the module table is in meson.build)")
                    elif rest.endswith("-private.h"):
                        error(rel, lineno, shown,
                              f"{rest} is private to {top}; use {top}'s public header")
                elif quoted:
                    error(rel, lineno, shown,
                          'not a header of a src/ module; name one as "<module>/<file>.h"')

    if errors:
        if os.path.exists(a.output):
            os.remove(a.output)
        return 1
    with open(a.output, "w") as f:
        f.write(f"/* src/{a.module}/ includes only its own headers and those of: {uses} */\n")
    with open(a.depfile, "w") as f:
        deps = [moddir] + [os.path.join(moddir, n) for n in files]
        f.write(a.output + ": " + " ".join(d.replace(" ", "\\ ") for d in deps) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
