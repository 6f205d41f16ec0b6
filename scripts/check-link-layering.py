#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fails the build when a module's library uses a symbol of a module it does not list.

The include check (check-layering.py) sees #include lines; a function declared by hand
("void ps_foo(void);" in a .c file) slips past it and links all the same, because the CLI and
the tests link every library. This check looks at what the libraries actually use: for each
module, every undefined symbol of its objects (nm -u) that another module's library defines
(nm --defined-only) must belong to a module it lists in meson.build's module table.

Arguments: --nm NM --output OUTPUT, then for each module "--lib NAME USES PATH" (USES is a
comma-separated list, possibly empty). Errors read "src/mm/buddy.c: error: uses ps_foo of
module policy, ..."; on success OUTPUT is written (a header nobody includes).
"""
import argparse
import os
import subprocess
import sys


def nm(tool, path, *flags):
    """(object, type, symbol) for each symbol line of `nm flags path`."""
    out = subprocess.run([tool, *flags, path], check=True, capture_output=True, text=True).stdout
    obj = None
    for line in out.splitlines():
        if line.endswith(":") and " " not in line:
            obj = line[:-1]
            continue
        parts = line.split()
        if len(parts) >= 2:
            yield obj, parts[-2], parts[-1]


def source_of(module, obj):
    """meson names the object of src/mm/buddy.c "src_mm_buddy.c.o"."""
    prefix = f"src_{module}_"
    obj = os.path.basename(obj or "")
    if obj and obj.startswith(prefix) and obj.endswith(".o"):
        return f"src/{module}/{obj[len(prefix):-2]}"
    return f"libps-{module}.a({obj})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nm", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--lib", nargs=3, action="append", default=[],
                    metavar=("NAME", "USES", "PATH"))
    a = ap.parse_args()

    owner = {}
    for name, _, path in a.lib:
        for _, kind, sym in nm(a.nm, path, "-g", "--defined-only"):
            if kind not in ("U", "w", "v"):
                owner.setdefault(sym, name)
    errors = 0
    for name, uses, path in a.lib:
        allow = set(filter(None, uses.split(",")))
        seen = set()
        for obj, _, sym in nm(a.nm, path, "-u"):
            other = owner.get(sym)
            if other is None or other == name or other in allow or (obj, sym) in seen:
                continue
            seen.add((obj, sym))
            errors += 1
            listed = ", ".join(sorted(allow)) if allow else "no other module"
            print(f"{source_of(name, obj)}: error: uses {sym} of module {other}, which module "
                  f"{name} does not list (it may use {listed}; the module table is in "
                  f"meson.build)", file=sys.stderr)
    if errors:
        return 1
    with open(a.output, "w") as f:
        f.write("/* every library uses only symbols of the modules it lists */\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
