#!/usr/bin/env python3
"""Load and loss (issue 9): two producers at full rate for 30 s.

Two hammer processes, one per CPU, call getppid(2) as fast as they can while
four bpfdeck consumers trace them at once, each with its own ring buffer: the
one-shot in text mode and in JSON mode (with a one-page ring buffer, so events
are certainly lost) with a printf per call, the one-shot counting per thread
into a full map, and the workbench in tmux with the printf. Checks:

  - no consumer crashes, and each one's RSS (sampled every second) stays within
    RSS_GROWTH_MAX of what it was once the load was on;
  - text and JSON: events printed + events reported lost == calls the hammers
    made, exactly ("Lost N events" / {"type": "lost_events", ...} as bpftrace
    0.17 prints them): a lost event is counted, never silent;
  - the workbench's status line and clause list show the lost events;
  - a map that is full (BPFTRACE_MAP_KEYS_MAX=1, one key per hammer) under -k:
    every failed update is a map_update_elem warning or a lost event, as in
    bpftrace 0.17 (which warns only with -k), and the key that fit counts all
    of its hammer's calls.

Usage: run.py --bpfdeck PATH --hammer PATH [--seconds 30]   (exit 0/1, 77 skip)
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
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from waiting import wait_for  # noqa: E402

SKIP = 77
COMM = "bpfdeck_load"
PROG = 'tracepoint:syscalls:sys_enter_getppid /comm == "%s"/ { printf("ev\\n"); }' % COMM
MAP_FULL_PROG = 'tracepoint:syscalls:sys_enter_getppid /comm == "%s"/ { @[tid] = count(); }' % COMM
TRACEPOINT = "syscalls/sys_enter_getppid"
# A per-event leak over millions of events grows far past this; what a run
# legitimately allocates (format buffers, stdio, ncurses) stays well below it.
RSS_GROWTH_MAX = 32 << 20
# The RSS reached this many seconds into the load is the baseline of the bound.
RSS_WARMUP = 5
SANITIZER = re.compile(r"Sanitizer|runtime error|Segmentation fault|Aborted|core dumped")


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def log(msg):
    print(f"load: {msg}", flush=True)


def rss_of(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class OneShot:
    """bpfdeck -e PROG with its stdout read (and tallied) by a thread as it comes."""

    prog = PROG

    def __init__(self, name, bpfdeck, tmp, args=(), env=None):
        self.name = name
        self.events = self.lost = self.lost_lines = 0
        self.other = []
        self.attached = threading.Event()
        self.errf = open(os.path.join(tmp, f"{name}.stderr"), "w+")
        # "Attaching N probes" comes before the probes attach (as in bpftrace
        # 0.17); the notice on stderr comes after
        self.p = subprocess.Popen([bpfdeck, *args, "-e", self.prog], stdout=subprocess.PIPE,
                                  stderr=self.errf,
                                  env=dict(os.environ, __BPFTRACE_NOTIFY_PROBES_ATTACHED="1",
                                           **(env or {})))
        self.pid = self.p.pid
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        rest = b""
        while True:
            chunk = self.p.stdout.read1(1 << 20)
            if not chunk:
                break
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                self.line(line)
        if rest:
            self.line(rest)

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        try:
            rc = self.p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise Fail(f"{self.name}: still running 120 s after SIGINT")
        self.reader.join()
        self.errf.seek(0)
        err = self.errf.read()
        if rc != 0 or SANITIZER.search(err):
            raise Fail(f"{self.name}: exit status {rc}, stderr:\n{err[-2000:]}")
        return err


class Text(OneShot):
    LOST = re.compile(rb"Lost (\d+) events")

    def line(self, line):
        if line == b"ev":
            self.events += 1
        elif m := self.LOST.fullmatch(line):
            self.lost += int(m.group(1))
            self.lost_lines += 1
        elif line == b"Attaching 1 probe...":
            self.attached.set()
        elif line:
            self.other.append(line)


class Json(OneShot):
    EVENT = b'{"type": "printf", "data": "ev\\n"}'

    def line(self, line):
        if line == self.EVENT:
            self.events += 1
            return
        if not line:
            return
        try:
            obj = json.loads(line)
        except ValueError:
            self.other.append(line)
            return
        if obj.get("type") == "lost_events" and set(obj) == {"type", "data"} and \
                list(obj["data"]) == ["events"]:
            self.lost += obj["data"]["events"]
            self.lost_lines += 1
        elif obj == {"type": "attached_probes", "data": {"probes": 1}}:
            self.attached.set()
        else:
            self.other.append(line)


class MapFull(Text):
    """-k on a map with room for one key: events are the failed updates' warnings."""
    prog = MAP_FULL_PROG
    # the columns are bpftrace's (the conformance corpus checks them)
    WARNING = re.compile(rb"stdin:1:\d+-\d+: WARNING: Failed to map_update_elem: "
                         rb"Argument list too long \(-7\)")
    SOURCE = MAP_FULL_PROG.encode()
    CARET = re.compile(rb" +~{7}")
    ENTRY = re.compile(rb"@\[(\d+)\]: (\d+)")

    def __init__(self, *args, **kw):
        self.entries = {}
        super().__init__(*args, **kw)

    def line(self, line):
        if self.WARNING.fullmatch(line):
            self.events += 1
        elif line == self.SOURCE or self.CARET.fullmatch(line):
            pass
        elif m := self.ENTRY.fullmatch(line):
            self.entries[int(m.group(1))] = int(m.group(2))
        else:
            super().line(line)


class Workbench:
    """The TUI in a tmux pane, on an empty session, with PROG typed at its prompt."""

    def __init__(self, bpfdeck, tmp):
        self.name = "workbench"
        self.session = f"bpfdeck-load-{os.getpid()}"
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        empty = os.path.join(tmp, "empty.session")
        with open(empty, "w") as f:
            f.write("bpfdeck-session 1\n")
        self.errpath = os.path.join(tmp, "workbench.stderr")
        # exec: the pane's process is bpfdeck itself, so its pid is the pane's;
        # a one-page ring buffer, as for JSON: the workbench drains fast enough
        # to lose nothing on a quick machine otherwise
        cmd = (f"exec env HOME={home} XDG_STATE_HOME={home}/.state XDG_CONFIG_HOME={home}/.config "
               f"BPFTRACE_PERF_RB_PAGES=1 {bpfdeck} --session {empty} 2>{self.errpath}")
        subprocess.run(["tmux", "kill-session", "-t", self.session], stderr=subprocess.DEVNULL)
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, "-x", "200", "-y", "50",
                        cmd], check=True)
        self.pid = int(subprocess.run(["tmux", "list-panes", "-t", self.session, "-F",
                                       "#{pane_pid}"], stdout=subprocess.PIPE, text=True,
                                      check=True).stdout.split()[0])
        if not wait_for(lambda: "bpfdeck>" in self.screen(), 30):
            raise Fail("the workbench shows no prompt:\n" + self.screen())
        self.type(PROG)
        if not wait_for(lambda: re.search(r"\b1 attached\b", self.screen()), 30):
            raise Fail("the workbench did not attach the clause:\n" + self.screen())

    def screen(self):
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session],
                              stdout=subprocess.PIPE, text=True).stdout

    def type(self, text):
        subprocess.run(["tmux", "send-keys", "-t", self.session, "-l", text], check=True)
        subprocess.run(["tmux", "send-keys", "-t", self.session, "Enter"], check=True)

    def alive(self):
        try:
            with open(f"/proc/{self.pid}/comm") as f:
                return f.read().strip() == "bpfdeck"
        except OSError:
            return False

    def lost_shown(self):
        """(status line's lost count, clause list's LOST column) once both show one."""
        s = self.screen()
        status = re.search(r"attached .*\blost (\d+)", s)
        # the column abbreviates from 100000 on: 1.23M
        row = re.search(r"^\s*1 attached\s+\S+\s+([\d.]+)([kMG]?)\s", s, re.M)
        if status and row:
            scale = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[row.group(2)]
            return int(status.group(1)), float(row.group(1)) * scale
        return None

    def stop(self):
        self.type(":quit")
        if not wait_for(lambda: not self.alive(), 60):
            raise Fail("the workbench did not quit:\n" + self.screen())
        with open(self.errpath) as f:
            err = f.read()
        if SANITIZER.search(err):
            raise Fail(f"workbench: stderr:\n{err[-2000:]}")

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.session], stderr=subprocess.DEVNULL)


def check_rss(c, samples):
    """samples: RSS per second of load; the bound is over the warm-up baseline."""
    if len(samples) <= RSS_WARMUP:
        raise Fail(f"{c.name}: too few RSS samples ({samples})")
    base, peak = samples[RSS_WARMUP], max(samples[RSS_WARMUP:])
    mib = [round(s / (1 << 20), 1) for s in samples]
    log(f"{c.name}: RSS MiB per second {mib}")
    if peak - base > RSS_GROWTH_MAX:
        raise Fail(f"{c.name}: RSS grew {(peak - base) >> 20} MiB under load "
                   f"(from {base >> 20} MiB at {RSS_WARMUP} s): unbounded?")


def check_counts(c, calls):
    log(f"{c.name}: {c.events} events printed + {c.lost} lost in {c.lost_lines} reports "
        f"= {c.events + c.lost}; the hammers made {calls} calls")
    if c.other:
        raise Fail(f"{c.name}: unexpected output lines: {c.other[:5]}")
    if c.events + c.lost != calls:
        raise Fail(f"{c.name}: {calls - c.events - c.lost} events neither printed nor "
                   "reported lost" if c.events + c.lost < calls else
                   f"{c.name}: {c.events + c.lost - calls} events more than calls")


def check_map_full(c, calls):
    """calls: {hammer pid: calls}; one key fit, the other's every update failed."""
    log(f"{c.name}: map {c.entries}, {c.events} map_update_elem warnings + {c.lost} lost "
        f"in {c.lost_lines} reports; the hammers made {calls}")
    if c.other:
        raise Fail(f"{c.name}: unexpected output lines: {c.other[:5]}")
    if len(c.entries) != 1 or not set(c.entries) <= set(calls):
        raise Fail(f"{c.name}: expected one hammer's key in the full map, got {c.entries}")
    (fit, n), = c.entries.items()
    other = [calls[p] for p in calls if p != fit][0]
    if n != calls[fit]:
        raise Fail(f"{c.name}: the key that fit counted {n} of {calls[fit]} calls")
    if c.events + c.lost != other:
        raise Fail(f"{c.name}: {other - c.events - c.lost} failed map updates neither "
                   "warned about nor reported lost")


def run(args, tmp):
    if os.geteuid() != 0:
        raise Skip("needs root")
    if not any(os.path.isdir(os.path.join(d, "events", TRACEPOINT))
               for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing")):
        raise Skip(f"no {TRACEPOINT} tracepoint")
    cpus = sorted(os.sched_getaffinity(0))
    consumers = [Text("text", args.bpfdeck, tmp),
                 Json("json", args.bpfdeck, tmp, ["-f", "json"],
                      {"BPFTRACE_PERF_RB_PAGES": "1"}),
                 MapFull("map-full", args.bpfdeck, tmp, ["-k"], {"BPFTRACE_MAP_KEYS_MAX": "1"})]
    wb = None
    hammers = []
    try:
        for c in consumers:
            notified = wait_for(lambda: "__BPFTRACE_NOTIFY_PROBES_ATTACHED" in
                                open(c.errf.name).read(), 60, 0.05)
            if not notified or not c.attached.wait(60):
                raise Fail(f"{c.name}: did not attach: " + c.stop())
        if shutil.which("tmux"):
            wb = Workbench(args.bpfdeck, tmp)
            consumers.append(wb)
        else:
            log("tmux is not installed: the workbench part is skipped")
        for i in range(2):
            hammers.append(subprocess.Popen([args.hammer, COMM, str(cpus[i % len(cpus)])],
                                            stdout=subprocess.PIPE, text=True))
        log(f"{len(hammers)} hammers on CPUs {[cpus[i % len(cpus)] for i in range(2)]} "
            f"for {args.seconds} s")
        rss = {c.name: [] for c in consumers}
        for _ in range(args.seconds):
            time.sleep(1)
            for c in consumers:
                r = rss_of(c.pid) if c.alive() else None
                if r is None:
                    raise Fail(f"{c.name}: died under load")
                rss[c.name].append(r)
        per_pid = {}
        for h in hammers:
            h.send_signal(signal.SIGTERM)
            out, _ = h.communicate(timeout=60)
            if h.returncode != 0:
                raise Fail(f"hammer: exit status {h.returncode}")
            per_pid[h.pid] = int(out)
        hammers = []
        calls = sum(per_pid.values())
        log(f"{calls} calls in {args.seconds} s")
        for c in consumers:
            check_rss(c, rss[c.name])
        if wb:
            # what is still in the ring buffer drains first; then the numbers stay
            shown = wait_for(wb.lost_shown, 60)
            if not shown:
                raise Fail("the workbench shows no lost events:\n" + wb.screen())
            log(f"workbench: status line lost {shown[0]}, clause list LOST {shown[1]}")
            if not 0 < shown[0] <= calls or abs(shown[1] - shown[0]) > shown[0] * 0.01:
                raise Fail(f"workbench: lost counts {shown} do not fit {calls} calls:\n"
                           + wb.screen())
            wb.stop()
        for c in consumers:
            if c is not wb:
                c.stop()
                if isinstance(c, MapFull):
                    check_map_full(c, per_pid)
                else:
                    check_counts(c, calls)
        if not consumers[1].lost:
            raise Fail("json: a one-page ring buffer lost nothing: the loss path went untested")
    finally:
        for h in hammers:
            h.kill()
        for c in consumers:
            if c is wb:
                wb.close()
            elif c.alive():
                c.p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfdeck", required=True)
    ap.add_argument("--hammer", required=True)
    ap.add_argument("--seconds", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bpfdeck-load-") as tmp:
        try:
            run(args, tmp)
        except Skip as e:
            print(f"SKIP load: {e}")
            return SKIP
        except Fail as e:
            print(f"FAIL load: {e}")
            return 1
    print("PASS load")
    return 0


if __name__ == "__main__":
    sys.exit(main())
