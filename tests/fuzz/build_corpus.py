#!/usr/bin/env python3
"""Build the fuzzers' seed corpus: one file per bpftrace program found in
the conformance corpus (PROG lines, -e '...' in RUN lines, scripts), the
reference guide and one-liners (bpftrace -e '...'), share/*.bt and the
bad-input catalogue. Files are named by content hash, so reruns are stable."""
import argparse
import hashlib
import os
import re
import shlex
import sys

E_ARG = re.compile(r"""(?:bpftrace|\{\{BPFTRACE\}\})\b[^\n]*?\s-e\s+('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def from_run_line(line):
    m = E_ARG.search(line)
    if not m:
        return None
    try:
        return shlex.split(m.group(1))[0]
    except ValueError:
        return m.group(1)[1:-1]


def conformance(root):
    out = []
    rt = os.path.join(root, "runtime")
    for name in sorted(os.listdir(rt)) if os.path.isdir(rt) else []:
        path = os.path.join(rt, name)
        if not os.path.isfile(path):
            continue
        with open(path, errors="surrogateescape") as f:
            for line in f:
                if line.startswith("PROG "):
                    out.append(line[5:].rstrip("\n"))
                elif line.startswith("RUN "):
                    p = from_run_line(line)
                    if p:
                        out.append(p)
    for sub in ("scripts", os.path.join("runtime", "scripts")):
        d = os.path.join(root, sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(".bt"):
                with open(os.path.join(d, name), errors="surrogateescape") as f:
                    out.append(f.read())
    return out


def docs(ref):
    out = []
    for name in sorted(os.listdir(ref)) if os.path.isdir(ref) else []:
        with open(os.path.join(ref, name), errors="surrogateescape") as f:
            for line in f:
                p = from_run_line(line)
                if p:
                    out.append(p)
    return out


def bt_files(d):
    out = []
    for dirpath, _, files in sorted(os.walk(d)) if os.path.isdir(d) else []:
        for name in sorted(files):
            if name.endswith(".bt"):
                with open(os.path.join(dirpath, name), "rb") as f:
                    out.append(f.read())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--shared", required=True, help="the ../shared directory")
    ap.add_argument("--source", required=True, help="the bpfdeck source tree")
    ap.add_argument("--stamp")
    a = ap.parse_args()

    progs = conformance(os.path.join(a.shared, "conformance"))
    progs += docs(os.path.join(a.shared, "reference"))
    progs += bt_files(os.path.join(a.source, "share"))
    progs += bt_files(os.path.join(a.source, "tests", "badinput", "cases"))
    os.makedirs(a.out, exist_ok=True)
    for old in os.listdir(a.out):
        os.unlink(os.path.join(a.out, old))
    seen = set()
    for p in progs:
        data = p if isinstance(p, bytes) else p.encode("utf-8", "surrogateescape")
        # the catalogue's 1 MB program is past every target's size limit
        if not data.strip() or len(data) > 16384:
            continue
        h = hashlib.sha1(data).hexdigest()[:16]
        if h in seen:
            continue
        seen.add(h)
        with open(os.path.join(a.out, h), "wb") as f:
            f.write(data)
    print(f"build_corpus: {len(seen)} seeds in {a.out}")
    if a.stamp:
        with open(a.stamp, "w") as f:
            f.write(f"{len(seen)}\n")
    return 0 if seen else 1


if __name__ == "__main__":
    sys.exit(main())
