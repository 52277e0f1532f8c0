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
import os
import re
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cases import Fail, bpftool_show, held_objects, kernel_ids, run_cases  # noqa: E402
from waiting import wait_for  # noqa: E402

NOTIFY = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"
BUSY = "tracepoint:sched:sched_switch"
EXEC = "tracepoint:sched:sched_process_exec"
# comm of the exec'd helper: its own name, so other processes' execs don't count
HELPER = "tpraw_true"


def log(msg):
    print(f"tpraw: {msg}", flush=True)


def links_of(ids):
    """bpftool's view of the links with these ids."""
    return [l for l in bpftool_show("link") if l.get("id") in ids]


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
        return not (ids["prog"] & kernel_ids("prog")) and not (ids["link"] & kernel_ids("link"))
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
        ids = held_objects(p.pid)
        links = links_of(ids["link"])
        types = sorted(l.get("type") for l in links)
        if not any(l.get("type") == "raw_tracepoint" and l.get("tp_name") == "sched_switch"
                   for l in links):
            raise Fail(f"no raw_tracepoint link on sched_switch among its links: {links}")
        if "perf_event" in types or ids["perf"]:
            raise Fail(f"it holds perf events ({ids['perf']}) or perf_event links: {types}")
        progs = [x for x in bpftool_show("prog") if x.get("id") in ids["prog"]]
        if not any(x.get("type") == "raw_tracepoint" for x in progs):
            raise Fail(f"no raw_tracepoint program among its programs: {progs}")
    finally:
        out = stop(p, err)
    if count_of(out) <= 0:
        raise Fail(f"count is not positive: {out!r}")
    check_gone(ids)
    log(f"raw: links {types}, {out.strip().splitlines()[-1]}")


def held_run(bpfdeck, tmp, script, env=None):
    """Runs script until SIGINT; what it held while attached: (ids, link types, stdout)."""
    p, err = start(bpfdeck, script, tmp, env)
    try:
        ids = held_objects(p.pid)
        types = sorted(l.get("type") for l in links_of(ids["link"]))
    finally:
        out = stop(p, err)
    check_gone(ids)
    return ids, types, out


def expect_perf(ids, types):
    if types != ["perf_event"] or not ids["perf"]:
        raise Fail(f"expected one perf_event link, got {types} ({ids['perf']} perf fds)")


def case_raw_off(bpfdeck, tmp):
    """BPFDECK_RAW_TRACEPOINTS=0 keeps the perf-event tracepoint"""
    ids, types, out = held_run(bpfdeck, tmp, f"{BUSY} {{ @ = count(); }}",
                               {"BPFDECK_RAW_TRACEPOINTS": "0"})
    expect_perf(ids, types)
    if count_of(out) <= 0:
        raise Fail(f"count is not positive: {out!r}")


def case_args(bpfdeck, tmp):
    """a program that reads args stays a perf-event tracepoint and works"""
    ids, types, out = held_run(bpfdeck, tmp, f"{BUSY} {{ @[args->next_pid >= 0] = count(); }}")
    expect_perf(ids, types)
    if count_of(out, "@[1]") <= 0:
        raise Fail(f"no events with args: {out!r}")


def helper_script(tmp, n):
    """A script that execs the helper n times; its path for -c."""
    helper = os.path.join(tmp, HELPER)
    shutil.copy("/bin/true", helper)
    sh = os.path.join(tmp, "run.sh")
    with open(sh, "w") as f:
        f.write("#!/bin/sh\n" + f"{helper}\n" * n)
    os.chmod(sh, 0o755)
    return sh


def exec_script(clauses):
    """One clause per (label, expr) on the helper's exec, printing "LABEL EXPR"."""
    return "\n".join(f'{EXEC} /comm == "{HELPER}"/ {{ printf("{lab} %d\\n", {expr}); }}'
                      for lab, expr in clauses)


def ordered_run(bpfdeck, tmp, clauses, n=20):
    """Runs the clauses (each printf's "LABEL PID") on n execs of the helper
    and checks every exec printed the labels in script order. Returns the link
    types bpfdeck held while attached."""
    labels = [c[0] for c in clauses]
    script = exec_script(clauses)
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
    return held_run(bpfdeck, tmp, exec_script(clauses))[1]


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
    return run_cases(__doc__, CASES, "tpraw",
                     lambda: None if os.path.exists("/sys/kernel/btf/vmlinux") else
                     "no kernel BTF: tracepoints stay perf events")


if __name__ == "__main__":
    sys.exit(main())
