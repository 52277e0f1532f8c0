#!/usr/bin/env python3
"""Leak tests: bpfdeck leaves nothing behind on any way out.

Each case runs bpfdeck, records the kernel objects the process holds while it
runs (prog/map/link ids from /proc/PID/fdinfo) and, after it is gone, checks
with bpftool that every one of them is gone too; that nothing was pinned under
/sys/fs/bpf; that no tracefs probe events were left; that a -c child is gone;
and, for the ways out that are not a kill, that END ran and the maps printed.
Where the path is graceful, strace also shows every link and perf event fd was
closed by bpfdeck itself before it exited (not just by the kernel after).

Usage: run.py --bpfdeck PATH CASE      (exit 0 pass, 1 fail, 77 skip)
       run.py --list
"""
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cases import Fail, Skip, held_objects, kernel_ids, run_cases  # noqa: E402
from waiting import wait_for  # noqa: E402

NOTIFY = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"
TRACEFS_EVENTS = ["/sys/kernel/tracing/uprobe_events", "/sys/kernel/tracing/kprobe_events",
                  "/sys/kernel/tracing/dynamic_events"]
BPFFS = "/sys/fs/bpf"

PROG = ("tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); }\n"
        "interval:ms:50 { @ticks = count(); }\n"
        "END { printf(\"END ran\\n\"); }\n")


def log(msg):
    print(f"cleanup: {msg}", flush=True)


# ------------------------------------------------------------ kernel state

def pinned():
    found = set()
    for root, dirs, files in os.walk(BPFFS):
        for n in files + dirs:
            found.add(os.path.join(root, n))
    return found


def tracefs_events():
    lines = set()
    for path in TRACEFS_EVENTS:
        try:
            with open(path) as f:
                lines |= {l.strip() for l in f if l.strip()}
        except OSError:
            pass
    return lines


class Baseline:
    def __init__(self):
        self.pinned = pinned()
        self.events = tracefs_events()


def check_gone(held, base, pid, what):
    """Everything held is gone from the kernel; nothing pinned or left in tracefs."""
    deadline = time.monotonic() + 15
    while True:
        left = {k: held[k] & kernel_ids(k) for k in ("prog", "map", "link")}
        if not any(left.values()):
            break
        if time.monotonic() > deadline:
            raise Fail(f"{what}: still in the kernel after exit: "
                       + ", ".join(f"{k} ids {sorted(v)}" for k, v in left.items() if v))
        time.sleep(0.2)
    new_pins = pinned() - base.pinned
    if new_pins:
        raise Fail(f"{what}: pinned objects appeared: {sorted(new_pins)}")
    new_events = tracefs_events() - base.events
    mine = [e for e in new_events if str(pid) in e or "bpfdeck" in e]
    if mine:
        raise Fail(f"{what}: tracefs probe events left behind: {mine}")
    log(f"{what}: {len(held['prog'])} progs, {len(held['map'])} maps, "
        f"{len(held['link'])} links, {held['perf']} perf events held; all gone after exit")


# ------------------------------------------------------------ running bpfdeck

class Run:
    """bpfdeck (optionally under strace) with stdout/stderr in files."""

    def __init__(self, argv, tmp, strace=False, stdin=subprocess.DEVNULL, preexec=None, env=None):
        self.out_path = os.path.join(tmp, "stdout")
        self.err_path = os.path.join(tmp, "stderr")
        self.strace_log = os.path.join(tmp, "strace") if strace else None
        env = dict(env or os.environ)
        env[NOTIFY] = "1"
        # LeakSanitizer cannot run under ptrace; sanitizer reports still fail the case
        if strace:
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        if strace:
            argv = ["strace", "-f", "-qq", "-o", self.strace_log,
                    "-e", "trace=bpf,perf_event_open,close,exit_group,dup,dup2,dup3"] + argv
        self.outf = open(self.out_path, "wb")
        self.errf = open(self.err_path, "wb")
        self.p = subprocess.Popen(argv, stdin=stdin, stdout=self.outf, stderr=self.errf,
                                  preexec_fn=preexec, env=env)
        self.pid = self.p.pid
        if strace:
            self.pid = self._traced_child()

    def _traced_child(self):
        """strace's child once it has become bpfdeck (before exec it is strace)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                for t in os.listdir(f"/proc/{self.p.pid}/task"):
                    with open(f"/proc/{self.p.pid}/task/{t}/children") as f:
                        for kid in f.read().split():
                            if comm_of(int(kid)) == "bpfdeck":
                                return int(kid)
            except OSError:
                pass
            time.sleep(0.02)
        raise Fail("strace did not start bpfdeck")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_attached(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if NOTIFY in self.stderr():
                return
            if self.p.poll() is not None:
                raise Fail(f"bpfdeck exited ({self.p.returncode}) before attaching:\n{self.stderr()}")
            time.sleep(0.05)
        raise Fail("bpfdeck did not attach within %ds:\n%s" % (timeout, self.stderr()))

    def wait(self, timeout=60):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise Fail(f"bpfdeck did not exit within {timeout}s")
        finally:
            self.outf.close()
            self.errf.close()
        return rc

    def signal(self, sig):
        os.kill(self.pid, sig)


def sanitizer_check(run):
    err = run.stderr()
    if re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", err):
        raise Fail("sanitizer report:\n" + err[-3000:])


def closed_before_exit(run):
    """From strace: every link, perf event and program fd bpfdeck opened was
    closed before exit_group (a kill makes the kernel do it; we must not need that)."""
    open_fds = {}
    made = {"link": 0, "perf": 0, "prog": 0}
    call = re.compile(r"^(\d+)\s+(.*)$")
    unfinished = {}
    with open(run.strace_log, errors="replace") as f:
        for raw in f:
            m = call.match(raw.rstrip("\n"))
            if not m:
                continue
            tid, rest = m.groups()
            if rest.endswith("<unfinished ...>"):
                unfinished[tid] = rest[: -len("<unfinished ...>")]
                continue
            r = re.match(r"<\.\.\. (\w+) resumed>(.*)$", rest)
            if r and tid in unfinished:
                rest = unfinished.pop(tid) + r.group(2)
            ret = re.search(r"\)\s+=\s+(-?\d+)", rest)
            if not ret:
                continue
            rv = int(ret.group(1))
            kind = None
            if rest.startswith("bpf(BPF_LINK_CREATE") or rest.startswith("bpf(BPF_RAW_TRACEPOINT_OPEN"):
                kind = "link"
            elif rest.startswith("perf_event_open("):
                kind = "perf"
            elif rest.startswith("bpf(BPF_PROG_LOAD"):
                kind = "prog"
            if kind and rv >= 0:
                open_fds[rv] = kind
                made[kind] += 1
            elif rest.startswith("close(") and rv == 0:
                fd = int(re.match(r"close\((\d+)", rest).group(1))
                open_fds.pop(fd, None)
            elif rest.startswith(("dup2(", "dup3(")) and rv >= 0:
                open_fds.pop(rv, None)
    left = {}
    for fd, kind in open_fds.items():
        left.setdefault(kind, []).append(fd)
    if left:
        raise Fail("still open at exit (the kernel had to clean up): "
                   + ", ".join(f"{k} fds {sorted(v)}" for k, v in left.items()))
    log(f"strace: {made['prog']} programs, {made['link']} links, {made['perf']} perf events "
        "opened, all closed by bpfdeck before exit")
    return made


# ------------------------------------------------------------ one-shot cases

def oneshot(bpfdeck, tmp, prog, stop, strace=True, extra=(), expect_rc=0, expect_end=True,
            preexec=None):
    base = Baseline()
    path = os.path.join(tmp, "prog.bt")
    with open(path, "w") as f:
        f.write(prog)
    run = Run([bpfdeck, *extra, path], tmp, strace=strace and shutil.which("strace"),
              preexec=preexec)
    run.wait_attached()
    held = wait_for(lambda: (lambda h: h if h["prog"] and h["link"] else None)(
        held_objects(run.pid)), 10)
    if not held:
        raise Fail(f"no programs or links held by pid {run.pid} ({comm_of(run.pid)}) while "
                   f"running: {held_objects(run.pid)}")
    child = children_of(run.pid)
    stop(run)
    rc = run.wait()
    sanitizer_check(run)
    if expect_rc is not None and rc != expect_rc:
        raise Fail(f"exit status {rc}, expected {expect_rc}:\n{run.stderr()}")
    if expect_end and "END ran" not in run.stdout():
        raise Fail(f"END did not run:\n{run.stdout()}\n{run.stderr()}")
    if expect_end and "@ticks" not in run.stdout():
        raise Fail(f"maps were not printed at exit:\n{run.stdout()}")
    check_gone(held, base, run.pid, "one-shot")
    if run.strace_log and os.path.exists(run.strace_log):
        closed_before_exit(run)
    for c in child:
        if pid_alive(c):
            raise Fail(f"-c child {c} still running after bpfdeck exited")
    return run


def children_of(pid):
    kids = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except OSError:
        pass
    return kids


def comm_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "gone"


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def case_exit(bpfdeck, tmp):
    """exit() in a probe: detach, END, maps, exit 0."""
    prog = PROG + "interval:ms:700 { exit(); }\n"
    oneshot(bpfdeck, tmp, prog, lambda r: None)


def signal_case(sig):
    def case(bpfdeck, tmp):
        oneshot(bpfdeck, tmp, PROG, lambda r: r.signal(sig))
    case.__doc__ = f"{signal.Signals(sig).name}: detach, END, maps, exit 0."
    return case


def case_sigkill(bpfdeck, tmp):
    """SIGKILL: no chance to clean up; nothing pinned, so the kernel's fd cleanup frees all."""
    oneshot(bpfdeck, tmp, PROG, lambda r: r.signal(signal.SIGKILL), strace=False,
            expect_rc=-signal.SIGKILL, expect_end=False)


def case_child(bpfdeck, tmp):
    """-c CMD, stopped by SIGINT: the child is killed and reaped too."""
    oneshot(bpfdeck, tmp, PROG, lambda r: r.signal(signal.SIGINT),
            extra=["-c", "/bin/sleep 600"])


def case_sigkill_child(bpfdeck, tmp):
    """SIGKILL with a -c child: the kernel frees the BPF objects; the child must not outlive us."""
    base = Baseline()
    path = os.path.join(tmp, "prog.bt")
    with open(path, "w") as f:
        f.write(PROG)
    run = Run([bpfdeck, "-c", "/bin/sleep 600", path], tmp)
    run.wait_attached()
    held = wait_for(lambda: (lambda h: h if h["link"] else None)(held_objects(run.pid)), 10)
    kids = children_of(run.pid)
    if not held or not kids:
        raise Fail(f"nothing attached or no child: {held}, children {kids}")
    run.signal(signal.SIGKILL)
    run.wait()
    check_gone(held, base, run.pid, "SIGKILL with a child")
    alive = [k for k in kids if wait_for(lambda: not pid_alive(k), 5) is None]
    for k in alive:
        os.kill(k, signal.SIGKILL)      # ours: do not leave it behind either
    if alive:
        raise Fail(f"the -c child {alive} outlived a SIGKILLed bpfdeck")


def case_end_only(bpfdeck, tmp):
    """A program whose only way out is END after SIGINT, with the maps it filled."""
    oneshot(bpfdeck, tmp, PROG, lambda r: (time.sleep(0.5), r.signal(signal.SIGINT)))


def case_attach_fail(bpfdeck, tmp):
    """Attaching N probes fails half-way (out of fds): what was attached is detached."""
    if not shutil.which("strace"):
        raise Skip("strace is needed to see the half-way attach")
    base = Baseline()
    path = os.path.join(tmp, "prog.bt")
    with open(path, "w") as f:
        # not syscalls: those may share one raw tracepoint link; these take
        # a perf event and a link each, so the fds run out after a few dozen
        f.write("tracepoint:sched:*, tracepoint:timer:*, tracepoint:kmem:*, tracepoint:irq:* "
                "{ @[probe] = count(); }\n")
    limit = 48

    def lower_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    run = Run([bpfdeck, path], tmp, strace=True, preexec=lower_fds)
    rc = run.wait(timeout=120)
    sanitizer_check(run)
    err = run.stderr()
    if rc == 0:
        raise Fail(f"attaching with {limit} fds succeeded; nothing was tested:\n{err}")
    if "attach" not in err.lower():
        raise Fail(f"did not fail while attaching (status {rc}):\n{err[-2000:]}")
    if "ulimit -n" not in err:
        raise Fail(f"the attach error does not say what to change:\n{err[-2000:]}")
    made = closed_before_exit(run)
    if made["link"] + made["perf"] < 2:
        raise Fail(f"failed before attaching anything (status {rc}):\n{err[-2000:]}")
    if NOTIFY in err:
        raise Fail("reported its probes attached after a failed attach")
    check_gone({"prog": set(), "map": set(), "link": set(), "perf": 0}, base, run.pid,
               "attach failure")
    log(f"attach failure half-way: exit status {rc}: {err.strip().splitlines()[-1]}")


def case_load_fail(bpfdeck, tmp):
    """The verifier rejects clause 3 of 3: clauses 1 and 2 are unloaded, nothing attached."""
    if not shutil.which("strace"):
        raise Skip("strace is needed to see the loads")
    base = Baseline()
    path = os.path.join(tmp, "prog.bt")
    with open(path, "w") as f:
        f.write(PROG + "BEGIN { while (1) { } }\n")
    run = Run([bpfdeck, path], tmp, strace=True)
    rc = run.wait()
    sanitizer_check(run)
    err = run.stderr()
    if rc == 0 or "clause at" not in err:
        raise Fail(f"no load error naming the clause (status {rc}):\n{err}")
    made = closed_before_exit(run)
    if made["prog"] < 2:
        raise Fail(f"only {made['prog']} programs loaded before the rejection")
    if made["link"] or made["perf"]:
        raise Fail("probes were attached although loading failed")
    check_gone({"prog": set(), "map": set(), "link": set(), "perf": 0}, base, run.pid,
               "load failure")


def case_stdout_closed(bpfdeck, tmp):
    """The reader of stdout goes away (| head -1): bpfdeck stops and cleans up."""
    base = Baseline()
    env = dict(os.environ, **{NOTIFY: "1"})
    errf = open(os.path.join(tmp, "stderr"), "wb")
    p = subprocess.Popen([bpfdeck, "-e", 'interval:ms:20 { printf("tick\\n"); }'],
                         stdout=subprocess.PIPE, stderr=errf, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(errf.name, "rb") as f:
            if NOTIFY.encode() in f.read():
                break
        time.sleep(0.05)
    held = held_objects(p.pid)
    p.stdout.readline()
    p.stdout.close()        # as `head -1` exiting does
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Fail("bpfdeck kept running after its stdout reader went away")
    errf.close()
    log(f"stdout closed: exit status {rc}")
    check_gone(held, base, p.pid, "stdout closed")


def tmux_run(session, cmd, width=200, height=50):
    subprocess.run(["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y",
                    str(height), cmd], check=True)
    out = subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"],
                         stdout=subprocess.PIPE, text=True, check=True).stdout.split()
    return int(out[0])


def tmux_capture(session):
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], stdout=subprocess.PIPE,
                          text=True).stdout


def find_bpfdeck(pane_pid, timeout=10):
    """The bpfdeck process in a pane (the pane runs it directly or via a shell)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in [pane_pid] + children_of(pane_pid):
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "bpfdeck":
                        return pid
            except OSError:
                pass
        time.sleep(0.05)
    return None


def case_terminal_closed(bpfdeck, tmp):
    """One-shot in a terminal that is closed (tmux kill-session: SIGHUP)."""
    if not shutil.which("tmux"):
        raise Skip("tmux is not installed")
    base = Baseline()
    path = os.path.join(tmp, "prog.bt")
    with open(path, "w") as f:
        f.write(PROG)
    session = f"bpfdeck-cleanup-{os.getpid()}"
    pane = tmux_run(session, f"{bpfdeck} {path}")
    pid = find_bpfdeck(pane)
    if not pid:
        raise Fail("bpfdeck did not start in tmux")
    held = wait_for(lambda: (lambda h: h if h["link"] else None)(held_objects(pid)), 30)
    if not held:
        raise Fail("bpfdeck attached nothing in tmux:\n" + tmux_capture(session))
    subprocess.run(["tmux", "kill-session", "-t", session])
    if not wait_for(lambda: not pid_alive(pid), 30):
        raise Fail("bpfdeck kept running after its terminal closed")
    check_gone(held, base, pid, "terminal closed")


# ------------------------------------------------------------ workbench cases

def workbench_batch(bpfdeck):
    h = subprocess.run([bpfdeck, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True).stdout
    if "--batch" not in h:
        raise Skip("the workbench's --batch mode is not built yet")


def workbench_tui(bpfdeck, tmp):
    """Starts `bpfdeck` (no args: the TUI) in tmux; returns (session, pid) or skips."""
    if not shutil.which("tmux"):
        raise Skip("tmux is not installed")
    session = f"bpfdeck-wb-{os.getpid()}"
    home = os.path.join(tmp, "home")
    os.makedirs(home, exist_ok=True)
    pane = tmux_run(session, f"env HOME={home} XDG_STATE_HOME={home}/.state "
                             f"XDG_CONFIG_HOME={home}/.config {bpfdeck}; sleep 30")
    pid = find_bpfdeck(pane, timeout=5)
    time.sleep(1.0)
    if not pid or not pid_alive(pid):
        screen = tmux_capture(session)
        subprocess.run(["tmux", "kill-session", "-t", session])
        if re.search(r"Sanitizer|runtime error|Segmentation|Aborted|core dumped", screen):
            raise Fail("the workbench crashed on start:\n" + screen)
        raise Skip("`bpfdeck` with no arguments does not open the workbench yet: "
                   + (screen.strip().splitlines() or ["(no output)"])[-1][:200])
    return session, pid


def tmux_type(session, text):
    subprocess.run(["tmux", "send-keys", "-t", session, "-l", text], check=True)
    subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)


def case_wb_clause_removed(bpfdeck, tmp):
    """Workbench: a removed clause's programs and links are gone while the rest run on."""
    workbench_batch(bpfdeck)
    base = Baseline()
    p = subprocess.Popen([bpfdeck, "--batch", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def say(line):
        p.stdin.write(line + "\n")
        p.stdin.flush()

    say("tracepoint:syscalls:sys_enter_openat { @a[comm] = count(); }")
    one = wait_for(lambda: (lambda h: h if h["link"] else None)(held_objects(p.pid)), 30)
    if not one:
        p.kill()
        raise Fail("clause 1 attached nothing")
    say("interval:ms:100 { @b = count(); }")
    both = wait_for(lambda: (lambda h: h if len(h["link"]) > len(one["link"]) else None)(
        held_objects(p.pid)), 30)
    if not both:
        p.kill()
        raise Fail("clause 2 attached nothing")
    say(":rm 1")
    after = wait_for(lambda: (lambda h: h if not (one["link"] & h["link"]) else None)(
        held_objects(p.pid)), 15)
    if not after:
        p.kill()
        raise Fail(f"clause 1's links {sorted(one['link'])} still held after :rm 1")
    # the kernel frees a closed program after an RCU grace period: give it a moment
    dropped = one["prog"] - after["prog"]
    wait_for(lambda: not (one["link"] & kernel_ids("link")) and
             not (dropped & kernel_ids("prog")), 10, step=0.2)
    gone_links = one["link"] & kernel_ids("link")
    gone_progs = dropped & kernel_ids("prog")
    if gone_links or gone_progs:
        p.kill()
        raise Fail(f"after :rm 1 the kernel still has links {sorted(gone_links)}, "
                   f"progs {sorted(gone_progs)}")
    if not (both["link"] - one["link"]) <= after["link"]:
        p.kill()
        raise Fail("removing clause 1 detached clause 2 too")
    say(":quit")
    p.stdin.close()
    p.wait(timeout=60)
    log("clause removed: its links and programs left the kernel while clause 2 kept running")
    check_gone(both, base, p.pid, "workbench quit")


def case_wb_sigkill(bpfdeck, tmp):
    """Workbench killed with SIGKILL: the kernel frees everything; its session file is intact."""
    session, pid = workbench_tui(bpfdeck, tmp)
    base = Baseline()
    try:
        tmux_type(session, "tracepoint:syscalls:sys_enter_openat { @a[comm] = count(); }")
        held = wait_for(lambda: (lambda h: h if h["link"] else None)(held_objects(pid)), 30)
        if not held:
            raise Fail("the clause typed into the workbench attached nothing:\n"
                       + tmux_capture(session))
        save = os.path.join(tmp, "s.session")
        tmux_type(session, f":save {save}")
        if not wait_for(lambda: os.path.exists(save), 10):
            raise Fail(":save wrote nothing:\n" + tmux_capture(session))
        with open(save, "rb") as f:
            saved = f.read()
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not pid_alive(pid), 10)
        check_gone(held, base, pid, "workbench SIGKILL")
        with open(save, "rb") as f:
            if f.read() != saved:
                raise Fail("the saved session file changed when the workbench was killed")
        if [n for n in os.listdir(tmp) if n.startswith("s.session") and n != "s.session"]:
            raise Fail(f"temporary session files left: {os.listdir(tmp)}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)


def case_wb_terminal_closed(bpfdeck, tmp):
    """Workbench whose terminal is closed (SIGHUP): it detaches everything and exits."""
    session, pid = workbench_tui(bpfdeck, tmp)
    base = Baseline()
    try:
        tmux_type(session, "interval:ms:100 { @b = count(); }")
        held = wait_for(lambda: (lambda h: h if h["link"] else None)(held_objects(pid)), 30)
        if not held:
            raise Fail("the clause typed into the workbench attached nothing:\n"
                       + tmux_capture(session))
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)
    if not wait_for(lambda: not pid_alive(pid), 30):
        raise Fail("the workbench kept running after its terminal closed")
    check_gone(held, base, pid, "workbench terminal closed")


def wb_batch(bpfdeck, lines, *args):
    p = subprocess.run([bpfdeck, *args, "--batch", "-"], input="".join(l + "\n" for l in lines),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    if p.returncode < 0 or re.search(r"Sanitizer|runtime error", p.stdout):
        raise Fail(f"bpfdeck {' '.join(args)} --batch crashed ({p.returncode}):\n{p.stdout}")
    return p.stdout


def case_wb_session_corrupt(bpfdeck, tmp):
    """A corrupt session file gives a clear error and loses nothing else."""
    workbench_batch(bpfdeck)
    good = os.path.join(tmp, "good.session")
    bad = os.path.join(tmp, "bad.session")
    clauses = ["interval:ms:100 { @b = count(); }", "BEGIN { @a = 1; }"]
    out = wb_batch(bpfdeck, clauses + [":view @b table", f":save {good}", ":quit"])
    if not os.path.exists(good):
        raise Fail(f":save wrote no session file:\n{out}")
    with open(good, "rb") as f:
        good_bytes = f.read()
    leftovers = [n for n in os.listdir(tmp) if n not in ("good.session",)]
    if leftovers:
        raise Fail(f"saving left temporary files: {leftovers}")
    out = wb_batch(bpfdeck, [":quit"], "--session", good)
    if "session %s: 2 clauses" % good not in out:
        raise Fail(f"the saved session does not open with its 2 clauses:\n{out}")

    def refused(name, data):
        """data as bad.session: a clear error naming it (not its directory), nothing lost."""
        with open(bad, "wb") as f:
            f.write(data)
        out = wb_batch(bpfdeck, [":quit"], "--session", bad)
        # the temporary directory's name says "corrupt": match without it
        msg = out.replace(tmp + "/", "")
        if not re.search(r"(?m)^ERROR: bad\.session(:\d+)?: .*(error|invalid|not a|unsupported|"
                         r"ends|expected|NUL|unknown|must|follow|takes)", msg):
            raise Fail(f"{name} session: no clear error naming the file:\n{out}")
        if re.search(r"clause \d+ attached|session .*: \d+ clause", out):
            raise Fail(f"{name} session: opened anyway:\n{out}")
        with open(good, "rb") as f:
            if f.read() != good_bytes:
                raise Fail(f"loading the {name} session changed another session file")
        return msg.strip().splitlines()[0][:160]

    corruptions = {
        "garbage": bytes(range(256)) * 4,
        "empty": b"",
        "nul": good_bytes.replace(b"\n", b"\0", 1),
        "after-end": good_bytes + b"clause attached 1\nBEGIN { exit(); }\n",
        "bad-count": good_bytes.replace(b"clause attached 1", b"clause attached 99", 1),
        "bad-flag": good_bytes.replace(b" sealed", b" seald", 1),
    }
    for name, data in corruptions.items():
        log(f"corrupt session ({name}): {refused(name, data)}")
    # a file cut short anywhere is refused: at each line's start and middle, and
    # inside "end" (without just its last newline nothing is lost). The one cut it
    # cannot see is right after "bpfdeck-session 1": a valid, empty, hand-written
    # session.
    magic = good_bytes.index(b" sealed")
    cuts, pos = set(), 0
    for line in good_bytes.splitlines(keepends=True):
        cuts |= {pos, pos + len(line) // 2}
        pos += len(line)
    cuts = sorted((cuts | {len(good_bytes) - 2}) - {magic})
    for cut in cuts:
        refused(f"cut at byte {cut}", good_bytes[:cut])
    log(f"a session cut short at any of {len(cuts)} points is refused")
    os.mkdir(os.path.join(tmp, "dir.session"))
    out = wb_batch(bpfdeck, [":quit"], "--session", os.path.join(tmp, "dir.session"))
    if "dir.session: Is a directory" not in out:
        raise Fail(f"a directory as session: no clear error:\n{out}")
    # :load of a corrupt session while one runs keeps the running one whole
    with open(bad, "wb") as f:
        f.write(good_bytes[: len(good_bytes) // 2])
    after = os.path.join(tmp, "after.session")
    out = wb_batch(bpfdeck, [clauses[0], f":load {bad}", f":save {after}", ":quit"])
    if "the current session is unchanged" not in out:
        raise Fail(f":load of a corrupt session: no word that nothing changed:\n{out}")
    with open(after) as f:
        kept = f.read()
    if f"clause attached 1\n{clauses[0]}\n" not in kept or clauses[1] in kept:
        raise Fail(f":load of a corrupt session changed the running one:\n{kept}")
    log(":load of a corrupt session left the running session as it was")
    # hand-written sessions (unsealed, no "end") still open
    with open(bad, "w") as f:
        f.write("bpfdeck-session 1\n# by hand\nclause attached 1\n" + clauses[1] + "\n")
    out = wb_batch(bpfdeck, [":quit"], "--session", bad)
    if "bad.session: 1 clause" not in out:
        raise Fail(f"a hand-written session without \"end\" does not open:\n{out}")


CASES = {
    "exit": case_exit,
    "sigint": signal_case(signal.SIGINT),
    "sigterm": signal_case(signal.SIGTERM),
    "sighup": signal_case(signal.SIGHUP),
    "sigkill": case_sigkill,
    "sigkill-child": case_sigkill_child,
    "end-after-signal": case_end_only,
    "child": case_child,
    "attach-fail-midway": case_attach_fail,
    "load-fail-midway": case_load_fail,
    "stdout-closed": case_stdout_closed,
    "terminal-closed": case_terminal_closed,
    "wb-clause-removed": case_wb_clause_removed,
    "wb-sigkill": case_wb_sigkill,
    "wb-terminal-closed": case_wb_terminal_closed,
    "wb-session-corrupt": case_wb_session_corrupt,
}


def main():
    return run_cases(__doc__, CASES, "cleanup")


if __name__ == "__main__":
    sys.exit(main())
