"""cases: what the Python test drivers made of named cases share (tests/cleanup,
tests/tpraw): their outcomes, the kernel objects a process holds, and main()."""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile

SKIP = 77


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def held_objects(pid):
    """prog/map/link ids and perf event count held by pid's fds."""
    out = {"prog": set(), "map": set(), "link": set(), "perf": 0}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = f.read()
        except OSError:
            continue
        if "perf_event" in target:
            out["perf"] += 1
        for kind in ("prog", "map", "link"):
            m = re.search(rf"^{kind}_id:\s*(\d+)", info, re.M)
            if m:
                out[kind].add(int(m.group(1)))
    return out


def bpftool_show(kind):
    """bpftool's JSON list of the kernel's objects of kind (prog, map, link)."""
    p = subprocess.run(["bpftool", "-j", kind, "show"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=60)
    try:
        return json.loads(p.stdout or b"[]")
    except ValueError:
        raise Fail(f"bpftool {kind} show: unreadable output")


def kernel_ids(kind):
    try:
        return {o["id"] for o in bpftool_show(kind)}
    except (KeyError, TypeError):
        raise Fail(f"bpftool {kind} show: unreadable output")


def run_cases(doc, cases, name, precheck=None):
    """The command line of a case driver: --list, or --bpfdeck PATH CASE run as
    root in a temporary directory; exit 0 pass, 1 fail, 77 skip. precheck()
    returns a reason to skip every case, or None."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bpfdeck")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("case", nargs="?")
    a = ap.parse_args()
    if a.list:
        for case, fn in cases.items():
            print(f"{case}: {fn.__doc__}")
        return 0
    if a.case not in cases or not a.bpfdeck:
        ap.error("need --bpfdeck and one of: " + " ".join(cases))
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return SKIP
    if not shutil.which("bpftool"):
        print("SKIP: bpftool is not installed")
        return SKIP
    why = precheck() if precheck else None
    if why:
        print(f"SKIP: {why}")
        return SKIP
    with tempfile.TemporaryDirectory(prefix=f"bpfdeck-{name}-{a.case}-") as tmp:
        try:
            cases[a.case](os.path.abspath(a.bpfdeck), tmp)
        except Skip as e:
            print(f"SKIP {a.case}: {e}")
            return SKIP
        except Fail as e:
            print(f"FAIL {a.case}: {e}")
            return 1
    print(f"PASS {a.case}")
    return 0
