#!/usr/bin/env python3
"""bench/workbench.py: the workbench rows of bench/run, measured on the real TUI in a
private tmux server (tmux -L bpfdeck-bench), read back with capture-pane.

Per round, one workbench: a one-tracepoint clause is typed (clause add: Enter to
"attached" on the screen, and bpfdeck's own :timing split), a 10k-key map is filled
(map poll and map pane redraw from :timing), the map stays idle for a while (CPU
the workbench uses meanwhile, from /proc/PID/task/*/schedstat), then a 100k-key map
(map poll). Prints one JSON line: lists of values per metric, or {"error": ...}.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOCK = "bpfdeck-bench"
TIMING = re.compile(r"last clause add: ([\d.]+) ms \(compile ([\d.]+), load ([\d.]+), attach ([\d.]+)\); "
                    r"last map poll: ([\d.]+) ms for (\d+) keys; last map pane redraw: ([\d.]+) ms "
                    r"\(max ([\d.]+), CPU ([\d.]+)\)")


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", SOCK] + list(args), capture_output=True, text=True,
                          check=check).stdout


def screen():
    return tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "wb")


def cpu_ns(pid):
    total = 0
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
    except OSError:
        pass
    return total


def wait_for(pred, timeout, step=0.002):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = screen()
        if pred(s):
            return s
        time.sleep(step)
    return None


def typed(line):
    tmux("send-keys", "-t", "wb", "-l", line)
    tmux("send-keys", "-t", "wb", "Enter")


def timing(n_before):
    """Runs :timing on a cleared output pane and returns its numbers."""
    typed(":cls")
    if not wait_for(lambda s: not TIMING.search(s), 5):
        raise RuntimeError(":cls left the output pane as it was")
    typed(":timing")
    s = wait_for(lambda s: TIMING.search(s), 5)
    if not s:
        raise RuntimeError(":timing printed nothing")
    return [float(x) for x in TIMING.findall(s)[-1]], 0


def fill(driver, nkeys, first):
    p = subprocess.Popen(["taskset", "-c", "1", driver, "close", str(first), str(nkeys)],
                         stdin=subprocess.PIPE, env=dict(os.environ, DRIVER_WAIT="1"))
    return p


def one_round(a, res):
    driver = os.path.join(HERE, "build", "driver")
    tmux("kill-server", check=False)
    env = "BPFTRACE_MAP_KEYS_MAX=%d" % (a.keys * 2)
    tmux("new-session", "-d", "-s", "wb", "-x", "250", "-y", "60",
         "exec env %s TERM=xterm-256color %s" % (env, a.bpfdeck))
    pid = int(tmux("list-panes", "-t", "wb", "-F", "#{pane_pid}").split()[0])
    ntiming = 0
    # the prompt is up when the screen shows anything at all
    if not wait_for(lambda s: s.strip(), 10, 0.01):
        raise RuntimeError("workbench did not start")
    time.sleep(0.5)

    def add(clause):
        before = screen().count("attached")
        t0 = time.monotonic()
        typed(clause)
        if not wait_for(lambda s: s.count("attached") > before, 10):
            raise RuntimeError("clause did not attach: " + screen()[-400:])
        return (time.monotonic() - t0) * 1e3

    # clause add: the first one (LLVM and BTF come up) and a second one
    first = add("tracepoint:syscalls:sys_enter_getppid { @a = count(); }")
    t, ntiming = timing(ntiming)
    res.setdefault("first_clause_add_ms", []).append(t[0])
    second = add("tracepoint:syscalls:sys_enter_getpid { @b = count(); }")
    t, ntiming = timing(ntiming)
    res.setdefault("clause_add_ms", []).append(t[0])
    res.setdefault("clause_add_compile_ms", []).append(t[1])
    res.setdefault("clause_add_load_ms", []).append(t[2])
    res.setdefault("clause_add_attach_ms", []).append(t[3])
    res.setdefault("clause_add_screen_ms", []).append(second)
    res.setdefault("first_clause_add_screen_ms", []).append(first)

    # 10k keys: poll and redraw of its table pane
    drv = fill(driver, 10000, 1000)
    add("tracepoint:syscalls:sys_enter_close /pid == %d/ { @k[args->fd] = count(); }" % drv.pid)
    drv.stdin.write(b"go\n")
    drv.stdin.close()
    drv.wait()
    time.sleep(2.5)         # two polls at the default 1 s interval
    t, ntiming = timing(ntiming)
    res.setdefault("poll10k_ms", []).append(t[4])
    res.setdefault("poll10k_keys", []).append(t[5])
    res.setdefault("redraw_ms", []).append(t[6])
    res.setdefault("redraw_max_ms", []).append(t[7])
    res.setdefault("redraw_max_cpu_ms", []).append(t[8])

    # idle: nothing new happens, maps are polled, panes stay as they are
    c0, w0 = cpu_ns(pid), time.monotonic()
    time.sleep(a.idle)
    res.setdefault("idle_cpu_pct", []).append((cpu_ns(pid) - c0) / ((time.monotonic() - w0) * 1e9) * 100)

    # 100k keys: one poll of the whole map
    drv = fill(driver, a.keys, 100000)
    add("tracepoint:syscalls:sys_enter_close /pid == %d/ { @big[args->fd] = count(); }" % drv.pid)
    drv.stdin.write(b"go\n")
    drv.stdin.close()
    drv.wait()
    time.sleep(2.5)
    t, ntiming = timing(ntiming)
    res.setdefault("poll_readout_ms", []).append(t[4])
    res.setdefault("poll_readout_keys", []).append(t[5])
    typed(":quit")
    end = time.monotonic() + 10
    while time.monotonic() < end and os.path.exists("/proc/%d" % pid):
        time.sleep(0.01)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfdeck", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keys", type=int, default=100000)
    ap.add_argument("--idle", type=float, default=5.0, help="seconds of idle CPU measurement")
    a = ap.parse_args()
    if not shutil.which("tmux"):
        print(json.dumps({"error": "n/a (no tmux to drive the workbench)"}))
        return
    out = subprocess.run([a.bpfdeck, "-h"], capture_output=True, text=True)
    if "workbench" not in out.stdout + out.stderr:
        print(json.dumps({"error": "n/a (workbench not built)"}))
        return
    res = {}
    try:
        for r in range(a.rounds):
            one_round(a, res)
            print("workbench round %d: %s" % (r, {k: round(v[-1], 1) for k, v in res.items()}),
                  file=sys.stderr, flush=True)
    except (RuntimeError, subprocess.CalledProcessError, ValueError) as e:
        if not res:
            print(json.dumps({"error": "n/a (%s)" % str(e)[:80]}))
            return
        res["partial"] = str(e)[:200]
    finally:
        tmux("kill-server", check=False)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
