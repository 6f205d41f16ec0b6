#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Output guard: digests of every output of every shipped workload on every shipped config, of
both real recordings' pinned and policy replays, of `config show` for every shipped config and of
the shipped recordings' conversions, compared with tests/guard/digests.txt.

A change that is meant to leave behaviour alone (a restructure, a speed-up) must leave every
digest as it was. A change that is meant to alter behaviour regenerates the file with
`PAGESIM_GUARD_UPDATE=1` and says in its commit message which digests moved and why.

summary.json's "wall" object (elapsed time, events/s) is the one part of a run that differs
between identical runs; it is dropped before hashing.

usage: guard.py PAGESIM_BINARY
"""
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile

src = os.environ.get("PAGESIM_SRCDIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
realdata = os.environ.get("PAGESIM_REALDATA") or os.path.join(src, "..", "shared", "realdata")
digests_path = os.path.join(src, "tests", "guard", "digests.txt")
RECORDINGS = ["ftrace-build-6.18", "ftrace-compact-6.18"]


def run(argv, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if p.returncode != 0:
        sys.stderr.write("guard: %s failed (%d):\n%s\n" % (" ".join(argv), p.returncode,
                                                          p.stderr.decode(errors="replace")))
        sys.exit(1)
    return p.stdout


def digest_bytes(data):
    for prefix, name in PREFIXES:
        data = data.replace(prefix.encode(), name.encode())
    return hashlib.sha256(data).hexdigest()[:16]


# Outputs name their inputs by path; the checkout, shared/ and the temporary directory are
# somewhere else on every machine, so they are replaced by names before hashing.
PREFIXES = []


def digest_file(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    for prefix, name in PREFIXES:
        data = data.replace(prefix.encode(), name.encode())
    if os.path.basename(path) == "summary.json":
        obj = json.loads(data)
        obj.pop("wall", None)
        data = json.dumps(obj, sort_keys=True).encode()
    return digest_bytes(data)


def digest_rundir(key, rundir, out):
    for name in sorted(os.listdir(rundir)):
        path = os.path.join(rundir, name)
        if os.path.isfile(path):
            out[key + "/" + name] = digest_file(path)


def collect(exe, tmp):
    out = {}
    configs = sorted(f for f in os.listdir(os.path.join(src, "configs")) if f.endswith(".json"))
    workloads = sorted(f for f in os.listdir(os.path.join(src, "workloads"))
                       if f.endswith(".jsonl.gz"))
    for c in configs:
        cpath = os.path.join(src, "configs", c)
        out["config-show/" + c] = digest_bytes(run([exe, "config", "show", cpath]))
        for w in workloads:
            rundir = os.path.join(tmp, "run")
            run([exe, "run", "-q", "-c", cpath, "-t", os.path.join(src, "workloads", w),
                 "-o", rundir])
            digest_rundir("run/%s/%s" % (c[:-5], w.split(".")[0]), rundir, out)
    # The recordings are named relative to shared/ (the config's name and digest carry the
    # zoneinfo's path as given), so the digests do not depend on where shared/ is.
    shared = os.path.dirname(os.path.abspath(realdata))
    for rec in RECORDINGS:
        if not os.path.isdir(os.path.join(realdata, rec)):
            continue
        # workloads/REC/ ships the recording's snapshot files: they must stay its own.
        shipped = os.path.join(src, "workloads", rec)
        for name in sorted(os.listdir(shipped)):
            with open(os.path.join(shipped, name), "rb") as a, \
                    open(os.path.join(realdata, rec, name), "rb") as b:
                if a.read() != b.read():
                    sys.exit("guard: workloads/%s/%s differs from shared/realdata's" % (rec, name))
        r = os.path.join("realdata", rec)
        conv = os.path.join(tmp, rec + ".jsonl.gz")
        run([exe, "import", os.path.join(r, "trace.txt.gz"), "-o", conv], cwd=shared)
        out["import/" + rec] = digest_file(conv)
        cfg = os.path.join(tmp, rec + ".json")
        run([exe, "config", "from-proc", "--zoneinfo", os.path.join(r, "before.zoneinfo"),
             "-o", cfg], cwd=shared)
        out["from-proc/" + rec] = digest_file(cfg)
        for mode in ("pinned", "policy"):
            rundir = os.path.join(tmp, "run")
            argv = [exe, "run", "-q", "-c", cfg, "-t", conv, "--snapshot",
                    os.path.join(r, "before.kpageflags.gz"), "--proc", r, "--mode", mode,
                    "-o", rundir]
            if mode == "pinned":
                argv += ["--compare-after", os.path.join(r, "after.kpageflags.gz")]
            run(argv, cwd=shared)
            digest_rundir("realdata/%s/%s" % (rec, mode), rundir, out)
            if mode == "policy":
                out["realdata/%s/fidelity" % rec] = digest_bytes(run([exe, "fidelity", rundir]))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: guard.py PAGESIM_BINARY")
    exe = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="pagesim-guard-") as tmp:
        PREFIXES[:] = [(os.path.realpath(tmp), "$TMP"), (tmp, "$TMP"),
                       (os.path.realpath(realdata), "$REALDATA"), (realdata, "$REALDATA"),
                       (os.path.realpath(src), "$SRC"), (src, "$SRC")]
        got = collect(exe, tmp)
    if os.environ.get("PAGESIM_GUARD_UPDATE"):
        with open(digests_path + ".tmp", "w") as f:
            for k in sorted(got):
                f.write("%s %s\n" % (got[k], k))
        os.replace(digests_path + ".tmp", digests_path)
        print("guard: wrote %d digests to %s" % (len(got), digests_path))
        return
    want = {}
    with open(digests_path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if len(parts) != 2:
                sys.exit("%s:%d: expected 'DIGEST KEY'" % (digests_path, n))
            want[parts[1]] = parts[0]
    if not any(k.startswith("realdata/") for k in got):
        print("guard: ../shared/realdata absent: the recordings' replays are not checked")
        want = {k: v for k, v in want.items()
                if not k.startswith(("realdata/", "import/", "from-proc/"))}
    bad = 0
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            print("guard: %s: expected %s, got %s" % (k, want.get(k, "(none)"), got.get(k, "(none)")))
            bad += 1
    if bad:
        sys.exit("guard: %d of %d digests differ; if the change is meant to alter behaviour, "
                 "rerun with PAGESIM_GUARD_UPDATE=1 and say why in the commit" % (bad, len(want)))
    print("guard: %d digests as recorded" % len(got))


main()
