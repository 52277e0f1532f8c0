#!/usr/bin/env python3
"""tui_test: drives the real bpfdeck workbench screen in a tmux pseudo-terminal.

    tui_test.py --bpfdeck PATH [--session-dir DIR] TEST

Each TEST starts bpfdeck in its own tmux server (-L), types at the prompt
with send-keys, reads the screen with capture-pane, and checks the kernel side
with bpftool. Load comes from a python loop calling getppid() under a unique
comm, so other processes on the machine cannot disturb the counts.
Exit 0 pass, 1 fail, 77 skip (tmux missing).
"""
import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TESTS = {}
STDERR = []     # what each bpfdeck wrote to stderr, checked for sanitizer reports


def test(fn):
    TESTS[fn.__name__.replace("t_", "", 1)] = fn
    return fn


class Fail(Exception):
    pass


def log(*a):
    print(*a, flush=True)


class Load:
    """A process calling getppid() every few ms under its own comm."""

    def __init__(self, name, period=0.003):
        self.name = name
        code = (
            "import ctypes, os, time\n"
            "ctypes.CDLL(None).prctl(15, %r, 0, 0, 0)\n"
            "while True:\n"
            "    os.getppid()\n"
            "    time.sleep(%f)\n" % (name.encode(), period))
        self.p = subprocess.Popen([sys.executable, "-c", code])

    def stop(self):
        self.p.kill()
        self.p.wait()


class Tui:
    """bpfdeck in a detached tmux session of a fixed size."""

    def __init__(self, bpfdeck, args, cols=120, rows=40, env=None):
        self.sock = "bpfdeck-tui-%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000)
        self.tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
        self.errfile = os.path.join(self.tmp, "stderr")
        envs = {"BPFDECK_HISTORY": "/dev/null", "LANG": "C.UTF-8", "TERM": "screen"}
        envs.update(env or {})
        envstr = " ".join("%s=%s" % (k, shq(v)) for k, v in envs.items())
        # after bpfdeck: its status, then whether the terminal is back in cooked mode
        cmd = ("env %s %s %s 2>%s; echo \"EXIT=$?\"; "
               "stty -a | grep -o -- '-\\?icanon' | sed 's/^/TTY=/'; sleep 60") % (
                   envstr, shq(bpfdeck), " ".join(shq(a) for a in args), shq(self.errfile))
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d",
                        "-x", str(cols), "-y", str(rows), cmd], check=True)
        self.pane_pid = int(self.tmux("list-panes", "-F", "#{pane_pid}").strip())
        self.pid = None
        for _ in range(100):
            out = subprocess.run(["pgrep", "-P", str(self.pane_pid), "bpfdeck"],
                                 capture_output=True, text=True).stdout.split()
            if out:
                self.pid = int(out[0])
                break
            time.sleep(0.05)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock] + list(args), check=True,
                              capture_output=True, text=True).stdout

    def screen(self):
        return self.tmux("capture-pane", "-p")

    def type(self, text):
        # send-keys treats a trailing ';' as a command separator: send it apart
        if text.endswith(";"):
            self.tmux("send-keys", "-l", text[:-1])
            self.tmux("send-keys", "\\;")
        else:
            self.tmux("send-keys", "-l", text)

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def enter(self, text):
        self.type(text)
        self.keys("Enter")

    def wait(self, pred, what, timeout=8.0):
        end = time.time() + timeout
        s = ""
        while time.time() < end:
            s = self.screen()
            r = pred(s)
            if r:
                return r
            time.sleep(0.1)
        log("---- screen ----\n" + s + "\n----------------")
        raise Fail("timed out waiting for " + what)

    def wait_text(self, text, timeout=8.0):
        return self.wait(lambda s: text in s, repr(text), timeout)

    def alive(self):
        return self.pid is not None and os.path.exists("/proc/%d" % self.pid) and \
            open("/proc/%d/stat" % self.pid).read().split()[2] != "Z"

    def wait_exit(self, timeout=8.0):
        end = time.time() + timeout
        while time.time() < end:
            if not self.alive():
                return True
            time.sleep(0.05)
        raise Fail("bpfdeck did not exit")

    def close(self):
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        try:
            STDERR.append(open(self.errfile, errors="replace").read())
        except OSError:
            pass
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def shq(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


def scalar(screen, name):
    """The value shown for a counter in the scalars pane (None if absent)."""
    m = re.search(r"^%s\s+(\d+(?:\.\d+)?[kMG]?)\s" % re.escape(name), screen, re.M)
    if not m:
        return None
    v = m.group(1)
    mult = {"k": 1e3, "M": 1e6, "G": 1e9}.get(v[-1], 1)
    return float(v.rstrip("kMG")) * mult


def rising(tui, name, what):
    a = tui.wait(lambda s: scalar(s, name), "%s to show a count" % name)
    b = tui.wait(lambda s: (scalar(s, name) or 0) > a and scalar(s, name), "%s to rise" % name)
    log("  %s: %s -> %s (%s)" % (name, a, b, what))
    return b


def link_ids(tui, cid):
    """Link ids of clause cid, from :list in the output pane."""
    tui.enter(":cls")
    tui.wait(lambda s: "> :list" not in s, "the output pane to clear")
    tui.enter(":list")
    m = tui.wait(lambda s: re.search(r"^\s*%d (\w+)\s+links=([-\d,]+)" % cid, s, re.M),
                 ":list line of clause %d" % cid)
    return [] if m.group(2) == "-" else [int(x) for x in m.group(2).split(",")]


def kernel_links():
    out = subprocess.run(["bpftool", "-j", "link", "list"], capture_output=True, text=True)
    if out.returncode:
        raise Fail("bpftool link list failed: " + out.stderr)
    return {l["id"] for l in json.loads(out.stdout or "[]")}


def empty_session(tmp):
    path = os.path.join(tmp, "empty.session")
    with open(path, "w") as f:
        f.write("bpfdeck-session 1\n")
    return path


def clause(comm, body):
    return 'tracepoint:syscalls:sys_enter_getppid /comm == "%s"/ { %s }' % (comm, body)


def check_quit(tui, ids):
    """q asks while clauses are attached; y quits, restores the terminal, frees all."""
    tui.keys("Escape")
    time.sleep(0.2)
    tui.keys("q")
    tui.wait_text("quit? (y/n)")
    tui.keys("y")
    tui.wait_exit()
    tui.wait_text("EXIT=0")
    s = tui.wait(lambda s: re.search(r"TTY=(-?icanon)", s), "stty output")
    if s.group(1) != "icanon":
        raise Fail("terminal left in raw mode after quitting")
    left = set(ids) & kernel_links()
    if left:
        raise Fail("links still attached after quit: %s" % sorted(left))
    log("  quit: terminal restored, links %s released" % sorted(ids))


@test
def t_default(o):
    """The default session shows live data within a second or so."""
    tui = Tui(o.bpfdeck, [], env={"BPFDECK_DEFAULT_SESSION": o.default_session})
    try:
        t0 = time.time()
        tui.wait_text("4 attached")
        # the syscalls-per-process table has rows
        tui.wait(lambda s: int((re.search(r"@syscalls .*?(\d+) keys", s) or [0, "0"])[1]) > 0,
                 "rows in the @syscalls table", timeout=3)
        log("  live data after %.2f s" % (time.time() - t0))
        for pane in ("@syscall_us", "@kstacks"):
            tui.wait_text(pane)
        tui.keys("Escape")
        tui.keys("q")
        tui.wait_text("quit? (y/n)")
        tui.keys("y")
        tui.wait_exit()
    finally:
        tui.close()


@test
def t_clause(o):
    """Type clauses, watch counts rise, :edit, :rm (bpftool: only that link goes), quit."""
    tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
    comm = "tuiload%d" % (os.getpid() % 100000)
    load = Load(comm)
    tui = Tui(o.bpfdeck, ["--session", empty_session(tmp)])
    try:
        tui.wait_text("bpfdeck>")
        tui.enter(clause(comm, "@a = count();"))
        tui.wait_text("clause 1 attached")
        rising(tui, "@a", "clause 1 counting")
        # an unfinished clause continues on the next line
        tui.enter('tracepoint:syscalls:sys_enter_getppid /comm == "%s"/ {' % comm)
        tui.wait_text("...>")
        tui.enter("@b = count(); }")
        tui.wait_text("clause 2 attached")
        rising(tui, "@b", "clause 2 counting")
        l1, l2 = link_ids(tui, 1), link_ids(tui, 2)
        ks = kernel_links()
        if not l1 or not l2 or not set(l1 + l2) <= ks:
            raise Fail("clause links %s %s not all in bpftool's list" % (l1, l2))
        log("  links: clause 1 %s, clause 2 %s" % (l1, l2))
        # an error changes nothing and shows file:line:col with a caret
        tui.enter(clause(comm, "@a = nosuchfn();"))
        tui.wait(lambda s: re.search(r"prompt:1:\d+-\d+: ERROR: Unknown function: nosuchfn", s),
                 "the error with its location")
        tui.wait_text("~~~~~~~~")
        # :edit 1 puts it into the prompt; submitting replaces only clause 1, @a keeps data
        before = scalar(tui.screen(), "@a")
        tui.enter(":edit 1")
        tui.wait_text("edit 1>")
        tui.keys("C-a", "C-k")
        tui.enter(clause(comm, "@a = count(); @c = count();"))
        tui.wait_text("clause 1 replaced")
        after = rising(tui, "@c", "the edited clause counting")
        a_now = scalar(tui.screen(), "@a")
        if a_now is None or before is None or a_now < before:
            raise Fail("@a lost its data over :edit (%s -> %s)" % (before, a_now))
        l1e = link_ids(tui, 1)
        if set(l1e) & set(l1) or l2 != link_ids(tui, 2):
            raise Fail(":edit 1 should replace clause 1's link only (%s->%s, clause 2 %s)"
                       % (l1, l1e, l2))
        # :rm 1: only its link goes, clause 2 keeps counting, @a keeps its value
        a_before = scalar(tui.screen(), "@a")
        tui.enter(":rm 1")
        tui.wait_text("clause 1 removed")
        time.sleep(0.3)
        ks = kernel_links()
        if set(l1e) & ks:
            raise Fail("clause 1's link %s is still attached after :rm" % l1e)
        if not set(l2) <= ks:
            raise Fail("clause 2's link %s went away with :rm 1" % l2)
        rising(tui, "@b", "clause 2 still counting after :rm 1")
        time.sleep(1.2)
        a_after = scalar(tui.screen(), "@a")
        if a_after is None or a_after < a_before:
            raise Fail("@a lost its data after :rm 1 (%s -> %s)" % (a_before, a_after))
        log("  :rm 1: link %s gone, %s kept, @a kept %s" % (l1e, l2, a_after))
        # Esc leaves the prompt for the panes, Tab moves on, Esc comes back
        focus = r"^> (clauses|scalars|output|@\w+)  "
        tui.keys("Escape")
        first = tui.wait(lambda s: re.search(focus, s, re.M), "a focused pane").group(1)
        tui.keys("Tab")
        tui.wait(lambda s: (re.search(focus, s, re.M) or [0, first])[1] != first,
                 "Tab to focus another pane")
        tui.keys("Escape")
        tui.wait(lambda s: not re.search(focus, s, re.M), "Esc back to the prompt")
        check_quit(tui, l1 + l1e + l2)
    finally:
        load.stop()
        tui.close()
        shutil.rmtree(tmp, ignore_errors=True)


@test
def t_complete(o):
    """Tab completes tracepoint names, args-> fields and kernel functions, fast."""
    tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
    tui = Tui(o.bpfdeck, ["--session", empty_session(tmp)])
    try:
        tui.wait_text("bpfdeck>")
        tui.type("tracepoint:sysc")
        tui.keys("Tab")
        tui.wait_text("bpfdeck> tracepoint:syscalls:")
        tui.type("sys_enter_opena")
        tui.keys("Tab")
        tui.wait_text("bpfdeck> tracepoint:syscalls:sys_enter_openat")
        tui.type(" { @files[str(args->filen")
        tui.keys("Tab")
        tui.wait_text("args->filename")
        ms = tui.wait(lambda s: re.search(r"fields of syscalls:sys_enter_openat.*\[(\d+\.\d) ms\]",
                                          s), "the args-> completion note")
        log("  args-> completion in %s ms" % ms.group(1))
        tui.enter(")] = count(); }")
        tui.wait_text("clause 1 attached")
        tui.wait_text("@files")
        # kernel functions: the status line names where they come from
        tui.type("kprobe:vfs_rea")
        tui.keys("Tab")
        m = tui.wait(lambda s: re.search(r"kernel functions from ([^\n]*?) \((\d+)\).*\[(\d+\.\d) ms\]",
                                         s), "the kernel function source")
        log("  kernel functions: %s, %s names, first Tab %s ms" % m.groups())
        tui.keys("C-a", "C-k")
        tui.type("kprobe:tcp_")
        tui.keys("Tab")
        m = tui.wait(lambda s: re.search(r"(\d+) matches \[(\d+\.\d) ms\]: tcp_", s),
                     "a second kernel function completion")
        if float(m.group(2)) > 50:
            raise Fail("completion over indexed kernel symbols took %s ms" % m.group(2))
        log("  %s tcp_ functions in %s ms" % m.groups())
        tui.keys("C-a", "C-k")
        tui.type(":exp")
        tui.keys("Tab")
        tui.wait_text("bpfdeck> :export")
        tui.keys("C-a", "C-k")
        tui.enter(":quit")
        tui.wait_exit()
    finally:
        tui.close()
        shutil.rmtree(tmp, ignore_errors=True)


@test
def t_export(o):
    """:export writes a .bt that bpfdeck (and bpftrace 0.17, where installed) runs."""
    tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
    comm = "tuiexp%d" % (os.getpid() % 100000)
    out = os.path.join(tmp, "live.bt")
    load = Load(comm)
    tui = Tui(o.bpfdeck, ["--session", empty_session(tmp)])
    try:
        tui.wait_text("bpfdeck>")
        tui.enter(clause(comm, "@calls[comm] = count();"))
        tui.wait_text("clause 1 attached")
        tui.enter("interval:ms:300 { @ticks = count(); }")
        tui.wait_text("clause 2 attached")
        tui.enter(":disable 2")
        tui.wait_text("clause 2 disabled")
        tui.enter(":export " + out)
        tui.wait_text("exported 1 clause")
        text = open(out).read()
        if "@calls[comm] = count();" not in text or "// clause 2 (disabled" not in text:
            raise Fail("unexpected export:\n" + text)
        tui.enter(":quit")
        tui.wait_exit()
        runners = [[o.bpfdeck]]
        if shutil.which("bpftrace"):
            runners.append([shutil.which("bpftrace")])
        for r in runners:
            p = subprocess.run(["timeout", "-s", "INT", "3"] + r + [out], capture_output=True,
                               text=True)
            if "@calls[%s]:" % comm not in p.stdout:
                raise Fail("%s %s did not print @calls[%s]:\n%s\n%s" % (r[0], out, comm,
                                                                        p.stdout, p.stderr))
            log("  %s ran the export" % os.path.basename(r[0]))
    finally:
        load.stop()
        tui.close()
        shutil.rmtree(tmp, ignore_errors=True)


@test
def t_session(o):
    """:save writes a session; --session and :load bring it back; -i opens a script."""
    tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
    comm = "tuises%d" % (os.getpid() % 100000)
    path = os.path.join(tmp, "saved.session")
    load = Load(comm)
    tui = Tui(o.bpfdeck, ["--session", empty_session(tmp)])
    tui2 = tui3 = None
    try:
        tui.wait_text("bpfdeck>")
        tui.enter(clause(comm, "@s = count();"))
        tui.enter(clause(comm, "@h = hist(pid);"))
        tui.wait_text("clause 2 attached")
        tui.enter(":disable 2")
        tui.enter(":view @h pct")
        tui.wait_text("P50")
        tui.enter(":save " + path)
        tui.wait_text("session saved to")
        text = open(path).read()
        if not text.startswith("bpfdeck-session 1") or "clause disabled" not in text or \
                "view=pct" not in text:
            raise Fail("unexpected session file:\n" + text)
        # :load of a broken file changes nothing
        bad = os.path.join(tmp, "bad.session")
        with open(bad, "w") as f:
            f.write("bpfdeck-session 1\nclause attached 5\nnot enough lines\n")
        tui.enter(":load " + bad)
        tui.wait(lambda s: re.search(r"bad.session:2: the file ends before", s), "the load error")
        tui.wait_text("the current session is unchanged")
        tui.enter(":load " + path)
        tui.wait_text("session %s: 2 clauses" % path)
        rising(tui, "@s", "after :load")
        tui.enter(":quit")
        tui.wait_exit()
        # --session opens it with the layout it was saved with
        tui2 = Tui(o.bpfdeck, ["--session", path])
        tui2.wait(lambda s: re.search(r"1 attached, 1 disabled", s), "1 attached, 1 disabled")
        tui2.wait_text("P50")
        rising(tui2, "@s", "--session")
        tui2.enter(":quit")
        tui2.wait_exit()
        # -i FILE.bt: a script in the workbench
        script = os.path.join(tmp, "script.bt")
        with open(script, "w") as f:
            f.write("// a script\n%s\n\ninterval:s:1 { @sec = count(); }\n" %
                    clause(comm, "@i = count();"))
        tui3 = Tui(o.bpfdeck, ["-i", script])
        tui3.wait_text("2 attached")
        rising(tui3, "@i", "-i script")
        tui3.enter(":quit")
        tui3.wait_exit()
    finally:
        load.stop()
        for t in (tui, tui2, tui3):
            if t:
                t.close()
        shutil.rmtree(tmp, ignore_errors=True)


@test
def t_signals(o):
    """SIGTERM and a lost terminal release everything too."""
    tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
    comm = "tuisig%d" % (os.getpid() % 100000)
    try:
        for how in ("TERM", "INT", "hangup"):
            tui = Tui(o.bpfdeck, ["--session", empty_session(tmp)])
            try:
                tui.wait_text("bpfdeck>")
                tui.enter(clause(comm, "@x = count();"))
                tui.wait_text("clause 1 attached")
                ids = link_ids(tui, 1)
                if how == "hangup":
                    subprocess.run(["tmux", "-L", tui.sock, "kill-server"], check=True)
                else:
                    os.kill(tui.pid, getattr(signal, "SIG" + how))
                tui.wait_exit()
                time.sleep(0.2)
                left = set(ids) & kernel_links()
                if left:
                    raise Fail("links %s left after %s" % (sorted(left), how))
                log("  %s: exited, links %s released" % (how, ids))
            finally:
                tui.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@test
def t_small(o):
    """80x24 with NO_COLOR: everything is laid out, keys work, resize re-flows."""
    tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
    tui = Tui(o.bpfdeck, [], cols=80, rows=24,
              env={"NO_COLOR": "1", "BPFDECK_DEFAULT_SESSION": o.default_session})
    try:
        s = tui.wait_text("4 attached")
        tui.wait_text("@syscall_us")
        s = tui.screen()
        if len(s.splitlines()) > 24 or any(len(l) > 80 for l in s.splitlines()):
            raise Fail("screen overflows 80x24")
        tui.keys("F1")
        tui.wait_text("bpfdeck keys")
        tui.keys("x")
        tui.tmux("resize-window", "-x", "132", "-y", "40")
        tui.wait(lambda s: any(len(l.rstrip()) > 100 for l in s.splitlines()), "re-flow to 132")
        tui.enter(":interval 500")
        tui.wait_text("every 0.5s")
        tui.keys("Escape")
        tui.keys("p")
        tui.wait_text("PAUSED")
        tui.keys("p")
        tui.keys("i")
        tui.enter(":help")
        tui.wait_text("detach everything and leave")
        tui.enter(":quit")
        tui.wait_exit()
    finally:
        tui.close()
        shutil.rmtree(tmp, ignore_errors=True)


def stack_rows(screen):
    """(count, frames) of each summary line of a stack pane: leaf first, " < "-separated."""
    rows = []
    for m in re.finditer(r"^\s*(\d+(?:\.\d+)?[kMG]?) \S* [+-] (.+?)\s*$", screen, re.M):
        v = m.group(1)
        mult = {"k": 1e3, "M": 1e6, "G": 1e9}.get(v[-1], 1)
        rows.append((float(v.rstrip("kMG")) * mult, [f.split("+")[0] for f in m.group(2).split(" < ")]))
    return rows


def leaf_row(screen):
    """The stack pane's row for stackprog's stack_leaf calls, if shown."""
    for count, frames in stack_rows(screen):
        if frames[:4] == ["stack_leaf", "stack_middle", "stack_outer", "main"]:
            return count, frames
    return None


def folded_lines(path):
    """{stack: count} of a folded-stacks file, checking every line's form."""
    out = {}
    for line in open(path).read().splitlines():
        m = re.match(r"^(\S(?:.*\S)?) (\d+)$", line)
        if not m:
            raise Fail("not a folded-stacks line in %s: %r" % (path, line))
        out[m.group(1)] = int(m.group(2))
    return out


@test
def t_ustack(o):
    """A live ustack table of a running program: frames named, counts rising,
    expand/collapse, :export-folded root first; names kept after the exit."""
    tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
    prog = subprocess.Popen([o.stackprog, "60"])
    other = subprocess.Popen([o.stackprog, "60"])
    folded = os.path.join(tmp, "stacks.folded")
    tui = Tui(o.bpfdeck, ["--session", empty_session(tmp)])
    try:
        tui.wait_text("bpfdeck>")
        tui.enter("uprobe:%s:stack_leaf /pid == %d/ { @stacks[ustack] = count(); }" %
                  (o.stackprog, prog.pid))
        tui.wait_text("clause 1 attached")
        a = tui.wait(leaf_row, "a stack_leaf < stack_middle < stack_outer < main row")
        b = tui.wait(lambda s: (leaf_row(s) or (0,))[0] > a[0] and leaf_row(s), "its count to rise")
        log("  stack %s: %d -> %d" % (" < ".join(b[1]), a[0], b[0]))
        # Enter expands the stack into a line per frame, Left folds it again
        frame_line = r"^\s+stack_outer\+\d+\s*$"
        tui.keys("Escape")
        tui.wait(lambda s: re.search(r"^> (clauses|output|@\w+)  ", s, re.M), "a focused pane")
        for _ in range(6):
            if re.search(r"^> @stacks ", tui.screen(), re.M):
                break
            tui.keys("Tab")
            time.sleep(0.3)
        tui.wait(lambda s: re.search(r"^> @stacks ", s, re.M), "focus on the @stacks pane")
        tui.keys("Enter")
        tui.wait(lambda s: re.search(frame_line, s, re.M) and
                 re.search(r"^\s+main\+\d+\s*$", s, re.M), "the expanded stack, a frame per line")
        tui.keys("Left")
        tui.wait(lambda s: not re.search(frame_line, s, re.M), "the stack to fold back")
        tui.keys("i")
        # func of a uprobe, in a process no ustack clause sees: it must be named
        # after that process exits too. Its pane stays hidden, so nothing looks
        # the name up while the process lives: only the clause can have kept it.
        tui.enter(":hide @funcs")
        tui.enter("uprobe:%s:stack_middle /pid == %d/ { @funcs[func] = count(); }" %
                  (o.stackprog, other.pid))
        tui.wait_text("clause 2 attached")
        time.sleep(1.0)
        other.kill()
        other.wait()
        # :export-folded: one "root;...;leaf COUNT" line per stack
        tui.enter(":export-folded %s @funcs" % folded)
        tui.wait_text("@funcs holds no kstack or ustack")
        shown = leaf_row(tui.screen())[0]
        tui.enter(":export-folded " + folded)
        tui.wait_text("of @stacks to " + folded)
        lines = folded_lines(folded)
        top = max(lines, key=lines.get)
        if not re.search(r"(^|;)main;stack_outer;stack_middle;stack_leaf$", top) or \
                lines[top] < shown:
            raise Fail("folded stacks: expected main;stack_outer;stack_middle;stack_leaf with "
                       "at least %d, got:\n%s" % (shown, open(folded).read()))
        log("  folded: %s %d" % (top, lines[top]))
        # the process exits: its frames and func still resolve
        prog.kill()
        prog.wait()
        time.sleep(0.5)
        tui.enter(":export-folded " + folded)
        tui.wait(lambda s: s.count("of @stacks to " + folded) >= 2, "the second export")
        after = folded_lines(folded)
        if top not in after or after[top] < lines[top]:
            raise Fail("after the exit the folded stacks lost their names:\n" + open(folded).read())
        tui.enter(":print @funcs")
        m = tui.wait(lambda s: re.search(r"^@funcs\[(.*?)\]: (\d+)", s, re.M), ":print @funcs")
        if m.group(1) != "stack_middle":
            raise Fail("func after the process exited: @funcs[%s], expected stack_middle"
                       % m.group(1))
        log("  after the exit: @funcs[%s]: %s, folded %d" % (m.group(1), m.group(2), after[top]))
        tui.enter(":quit")
        tui.wait_exit()
    finally:
        for p in (prog, other):
            p.kill()
            p.wait()
        tui.close()
        shutil.rmtree(tmp, ignore_errors=True)


@test
def t_usercomplete(o):
    """Tab completes uprobe functions and USDT probes of the binary being typed."""
    tmp = tempfile.mkdtemp(prefix="bpfdeck-tui-")
    prog = subprocess.Popen([o.stackprog, "60"])
    tui = Tui(o.bpfdeck, ["--session", empty_session(tmp)])
    path = o.stackprog
    try:
        tui.wait_text("bpfdeck>")
        tui.type("uprobe:%s:ma" % path)
        tui.keys("Tab")
        tui.wait(lambda s: re.search(r"^bpfdeck> uprobe:%s:main$" % re.escape(path), s, re.M),
                 "uprobe:...:ma<Tab> to complete main")
        tui.wait(lambda s: re.search(r"ELF symbols of \S+ \(\d+\)", s), "the ELF symbols note")
        tui.keys("C-a", "C-k")
        tui.type("uprobe:%s:stack_" % path)
        tui.keys("Tab")
        m = tui.wait(lambda s: re.search(r"(\d+) matches \[[\d.]+ ms\]: (.*?) \(Tab again", s),
                     "the stack_ candidates")
        got = m.group(2).split()
        want = ["stack_cmp", "stack_leaf", "stack_middle", "stack_outer", "stack_sort"]
        if got != want:
            raise Fail("uprobe candidates %s, expected %s" % (got, want))
        tui.keys("C-a", "C-k")
        # a library by name, resolved as the probe resolves it (ld.so.cache)
        tui.type("uprobe:libc:mallo")
        tui.keys("Tab")
        # (the status line still shows the last completion until this one is done)
        tui.wait(lambda s: re.search(r"matches \[[\d.]+ ms\]: malloc\s+malloc_", s),
                 "libc's malloc candidates")
        tui.keys("C-a", "C-k")
        # USDT: provider:name of the notes; the common prefix first, then one
        tui.type("usdt:%s:" % path)
        tui.keys("Tab")
        tui.wait_text("bpfdeck> usdt:%s:stackprog:" % path)
        tui.wait(lambda s: re.search(r"2 matches: USDT probes \(.note.stapsdt\) of \S+ \(2\)", s),
                 "the USDT note")
        tui.keys("Tab")
        tui.wait(lambda s: "stackprog:idle" in s and "stackprog:tick" in s, "both probes listed")
        tui.type("t")
        tui.keys("Tab")
        tui.wait_text("bpfdeck> usdt:%s:stackprog:tick" % path)
        # what completion built attaches and counts
        tui.enter("{ @ticks = count(); }")
        tui.wait_text("clause 1 attached")
        rising(tui, "@ticks", "the completed usdt probe")
        # :export-folded's arguments: a file, then a map
        tui.type(":export-folded %s/emp" % tmp)
        tui.keys("Tab")
        tui.wait_text("bpfdeck> :export-folded %s/empty.session" % tmp)
        tui.type("@ti")
        tui.keys("Tab")
        tui.wait_text("bpfdeck> :export-folded %s/empty.session @ticks" % tmp)
        tui.keys("C-a", "C-k")
        tui.enter(":quit")
        tui.wait_exit()
    finally:
        prog.kill()
        prog.wait()
        tui.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfdeck", required=True)
    ap.add_argument("--default-session", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "../../share/sessions/default.session"))
    ap.add_argument("--stackprog", help="tests/tui/stackprog.c, built (ustack, usercomplete)")
    ap.add_argument("test", choices=sorted(TESTS))
    o = ap.parse_args()
    if not shutil.which("tmux"):
        print("SKIP: tmux is not installed (apt-get install tmux)")
        return 77
    o.bpfdeck = os.path.abspath(o.bpfdeck)
    o.default_session = os.path.abspath(o.default_session)
    if o.test in ("ustack", "usercomplete"):
        if not o.stackprog or not os.access(o.stackprog, os.X_OK):
            log("FAIL %s: --stackprog (the built tests/tui/stackprog) is needed" % o.test)
            return 1
        o.stackprog = os.path.abspath(o.stackprog)
    t0 = time.time()
    try:
        TESTS[o.test](o)
    except Fail as e:
        log("FAIL %s: %s" % (o.test, e))
        for err in STDERR:
            if err.strip():
                log("---- bpfdeck stderr ----\n" + err[-3000:])
        return 1
    for err in STDERR:
        if "Sanitizer" in err or "runtime error:" in err:
            log("FAIL %s: bpfdeck reported a memory error:\n%s" % (o.test, err[-6000:]))
            return 1
    log("PASS %s (%.1f s)" % (o.test, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
