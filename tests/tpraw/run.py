#!/usr/bin/env python3
"""Tracepoints on raw tracepoint links (runtime/tpraw.c), checked in the kernel.

A tracepoint:CAT:NAME program that never reads its context is loaded as a raw
tracepoint program on NAME (it detaches in well under a millisecond instead of
two RCU grace periods); one that reads args stays a perf-event tracepoint; when
both kinds would share one tracepoint everything there is a perf event, so the
clauses still run in script order. No timing is asserted (bench/ measures it).

Usage: run.py --bpfdeck PATH CASE      (exit 0 pass, 1 fail, 77 skip)
       run.py --list
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from waiting import wait_for  # noqa: E402

SKIP = 77
NOTIFY = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"
BUSY = "tracepoint:sched:sched_switch"
EXEC = "tracepoint:sched:sched_process_exec"
# comm of the exec'd helper: its own name, so other processes' execs don't count
HELPER = "tpraw_true"


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def log(msg):
    print(f"tpraw: {msg}", flush=True)


def bpftool(*args):
    p = subprocess.run(["bpftool", "-j", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=60)
    try:
        return json.loads(p.stdout or b"[]")
    except ValueError:
        raise Fail(f"bpftool {' '.join(args)}: unreadable output")


def held(pid):
    """prog and link ids held by pid's fds, and its perf event fds."""
    out = {"prog": set(), "link": set(), "perf": 0}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = f.read()
        except OSError:
            continue
        out["perf"] += "perf_event" in target
        for kind in ("prog", "link"):
            m = re.search(rf"^{kind}_id:\s*(\d+)", info, re.M)
            if m:
                out[kind].add(int(m.group(1)))
    return out


def links_of(ids):
    """bpftool's view of the links with these ids."""
    return [l for l in bpftool("link", "show") if l.get("id") in ids]


def start(bpfdeck, script, tmp, extra_env=None):
    err = open(os.path.join(tmp, "stderr"), "w+")
    env = dict(os.environ, **{NOTIFY: "1"}, **(extra_env or {}))
    p = subprocess.Popen([bpfdeck, "-e", script], stdout=subprocess.PIPE, stderr=err,
                         env=env, text=True)
    if not wait_for(lambda: NOTIFY in open(err.name).read() or p.poll() is not None, 60, 0.05) \
            or p.poll() is not None:
        p.kill()
        out = p.communicate()[0]
        raise Fail(f"did not attach: {open(err.name).read()}{out}")
    return p, err


def stop(p, err):
    p.send_signal(signal.SIGINT)
    try:
        out = p.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        raise Fail("did not exit after SIGINT")
    err.seek(0)
    if p.returncode != 0:
        raise Fail(f"exit status {p.returncode}: {err.read()}")
    return out


def check_gone(ids):
    def gone():
        return not (ids["prog"] & {x["id"] for x in bpftool("prog", "show")}) and \
            not (ids["link"] & {x["id"] for x in bpftool("link", "show")})
    if not wait_for(gone, 15, 0.2):
        raise Fail(f"programs or links left in the kernel after exit: {ids}")


def count_of(out, name="@"):
    m = re.search(rf"^{re.escape(name)}: (\d+)$", out, re.M)
    if not m:
        raise Fail(f"no {name} in the output: {out!r}")
    return int(m.group(1))


def case_raw(bpfdeck, tmp):
    """a busy tracepoint whose program does not read args runs on a raw tracepoint link"""
    p, err = start(bpfdeck, f"{BUSY} {{ @ = count(); }}", tmp)
    try:
        ids = held(p.pid)
        links = links_of(ids["link"])
        types = sorted(l.get("type") for l in links)
        if not any(l.get("type") == "raw_tracepoint" and l.get("tp_name") == "sched_switch"
                   for l in links):
            raise Fail(f"no raw_tracepoint link on sched_switch among its links: {links}")
        if "perf_event" in types or ids["perf"]:
            raise Fail(f"it holds perf events ({ids['perf']}) or perf_event links: {types}")
        progs = [x for x in bpftool("prog", "show") if x.get("id") in ids["prog"]]
        if not any(x.get("type") == "raw_tracepoint" for x in progs):
            raise Fail(f"no raw_tracepoint program among its programs: {progs}")
    finally:
        out = stop(p, err)
    if count_of(out) <= 0:
        raise Fail(f"count is not positive: {out!r}")
    check_gone(ids)
    log(f"raw: links {types}, {out.strip().splitlines()[-1]}")


def case_raw_off(bpfdeck, tmp):
    """BPFDECK_RAW_TRACEPOINTS=0 keeps the perf-event tracepoint"""
    p, err = start(bpfdeck, f"{BUSY} {{ @ = count(); }}", tmp, {"BPFDECK_RAW_TRACEPOINTS": "0"})
    try:
        ids = held(p.pid)
        types = sorted(l.get("type") for l in links_of(ids["link"]))
    finally:
        out = stop(p, err)
    if types != ["perf_event"] or not ids["perf"]:
        raise Fail(f"expected one perf_event link, got {types} ({ids['perf']} perf fds)")
    if count_of(out) <= 0:
        raise Fail(f"count is not positive: {out!r}")
    check_gone(ids)


def case_args(bpfdeck, tmp):
    """a program that reads args stays a perf-event tracepoint and works"""
    p, err = start(bpfdeck, f"{BUSY} {{ @[args->next_pid >= 0] = count(); }}", tmp)
    try:
        ids = held(p.pid)
        types = sorted(l.get("type") for l in links_of(ids["link"]))
    finally:
        out = stop(p, err)
    if types != ["perf_event"] or not ids["perf"]:
        raise Fail(f"expected one perf_event link, got {types} ({ids['perf']} perf fds)")
    if count_of(out, "@[1]") <= 0:
        raise Fail(f"no events with args: {out!r}")
    check_gone(ids)


def helper_script(tmp, n):
    """A script that execs the helper n times; its path for -c."""
    helper = os.path.join(tmp, HELPER)
    shutil.copy("/bin/true", helper)
    sh = os.path.join(tmp, "run.sh")
    with open(sh, "w") as f:
        f.write("#!/bin/sh\n" + f"{helper}\n" * n)
    os.chmod(sh, 0o755)
    return sh


def ordered_run(bpfdeck, tmp, clauses, n=20):
    """Runs the clauses (each printf's "LABEL PID") on n execs of the helper
    and checks every exec printed the labels in script order. Returns the link
    types bpfdeck held while attached."""
    labels = [c[0] for c in clauses]
    script = "\n".join(f'{EXEC} /comm == "{HELPER}"/ {{ printf("{lab} %d\\n", {expr}); }}'
                       for lab, expr in clauses)
    # -c: the helper runs once every probe is attached
    sh = helper_script(tmp, n)
    p = subprocess.Popen([bpfdeck, "-c", sh, "-e", script], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Fail("did not exit")
    if p.returncode != 0:
        raise Fail(f"exit status {p.returncode}: {err}")
    seen = {}
    for line in out.splitlines():
        m = re.match(r"^(\w+) (\d+)$", line)
        if m:
            seen.setdefault(m.group(2), []).append(m.group(1))
    if len(seen) != n:
        raise Fail(f"expected {n} execs, saw {len(seen)}: {out!r}")
    bad = {pid: v for pid, v in seen.items() if v != labels}
    if bad:
        raise Fail(f"out of script order {labels}: {bad}")
    return out


def link_types_during(bpfdeck, tmp, clauses):
    """The link types a run of the clauses holds while attached (nothing fires)."""
    script = "\n".join(f'{EXEC} /comm == "{HELPER}"/ {{ printf("{lab} %d\\n", {expr}); }}'
                       for lab, expr in clauses)
    p, err = start(bpfdeck, script, tmp)
    try:
        ids = held(p.pid)
        types = sorted(l.get("type") for l in links_of(ids["link"]))
    finally:
        stop(p, err)
    check_gone(ids)
    return types


def case_mixed(bpfdeck, tmp):
    """clauses on one tracepoint, some reading args, run in script order"""
    for clauses in ([("A", "pid"), ("B", "args->pid"), ("C", "pid")],
                    [("A", "args->pid"), ("B", "pid")],
                    [("A", "pid"), ("B", "args->pid")]):
        types = link_types_during(bpfdeck, tmp, clauses)
        if types != ["perf_event"] * len(clauses):
            raise Fail(f"{clauses}: a mix on one tracepoint should be all perf events: {types}")
        ordered_run(bpfdeck, tmp, clauses)
        log(f"mixed {[c[1] for c in clauses]}: in order, links {types}")


def case_raw_order(bpfdeck, tmp):
    """clauses on one tracepoint none of which reads args: raw links, in script order"""
    clauses = [("A", "pid"), ("B", "tid"), ("C", "pid")]
    types = link_types_during(bpfdeck, tmp, clauses)
    if types != ["raw_tracepoint"] * len(clauses):
        raise Fail(f"expected {len(clauses)} raw_tracepoint links, got {types}")
    ordered_run(bpfdeck, tmp, clauses)
    log(f"raw order: in order, links {types}")


CASES = {"raw": case_raw, "raw-off": case_raw_off, "args": case_args, "mixed": case_mixed,
         "raw-order": case_raw_order}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bpfdeck")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("case", nargs="?")
    a = ap.parse_args()
    if a.list:
        for name, fn in CASES.items():
            print(f"{name}: {fn.__doc__}")
        return 0
    if a.case not in CASES or not a.bpfdeck:
        ap.error("need --bpfdeck and one of: " + " ".join(CASES))
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return SKIP
    if not shutil.which("bpftool"):
        print("SKIP: bpftool is not installed")
        return SKIP
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        print("SKIP: no kernel BTF: tracepoints stay perf events")
        return SKIP
    with tempfile.TemporaryDirectory(prefix=f"bpfdeck-tpraw-{a.case}-") as tmp:
        try:
            CASES[a.case](os.path.abspath(a.bpfdeck), tmp)
        except Skip as e:
            print(f"SKIP {a.case}: {e}")
            return SKIP
        except Fail as e:
            print(f"FAIL {a.case}: {e}")
            return 1
    print(f"PASS {a.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
