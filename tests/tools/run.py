#!/usr/bin/env python3
"""Run bundled tools (share/tools/*.bt) against workloads they trace, check output.

    run.py --bpfdeck PATH [--bpftrace] [--bin DIR] [NAME...]

Each case starts `bpfdeck tool NAME ARGS` (or, with --bpftrace, the oracle:
`bpftrace share/tools/NAME.bt ARGS`), waits for the tool's header line (printed
from BEGIN, so every probe is attached by then), runs a workload that makes the
events the tool reports, stops the tool with SIGINT the way a user would, and
checks the output for lines only that workload can have produced (its PID, a
random marker, a port it chose).

Substitutions in commands and patterns: {py} this Python, {pycomm} its comm,
{wl} the workload scripts (tests/tools/workloads), {bin} the built workload
programs, {workdir} a scratch directory on a real disk, {mark} a random
marker, {wpid} the workload's PID, {pid} the target's PID (cases that trace a
process started before the tool), and KEY from any "KEY=VALUE" line the
workload prints. Exit status: 0 pass, 1 fail, 77 skip (not root, or a
workload that cannot run here).
"""
import argparse
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SKIP = 77


class Fail(Exception):
    pass


class Skip(Exception):
    pass


# ------------------------------------------------------------------ checks
def need(pattern, min_count=1):
    """At least min_count output lines match pattern (a regex, substituted)."""
    return ("need", pattern, min_count)


def never(pattern):
    """No output line matches pattern."""
    return ("never", pattern, 0)


def blocks(start, contains, min_count=1, max_count=None, min_value=None):
    """Map entries printed over several lines (stacks): at least min_count (and
    at most max_count) entries whose first line matches start and whose text
    contains `contains`; with min_value, their values must add up to that."""
    return ("blocks", (start, contains, max_count, min_value), min_count)


def split_blocks(text):
    """bpftrace map entries: from a line starting with '@' to the next one."""
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("@"):
            if cur is not None:
                out.append(cur)
            cur = [line]
        elif cur is not None:
            cur.append(line)
    if cur is not None:
        out.append(cur)
    return ["\n".join(b) for b in out]


def hist_total(text, name):
    """The sum of the counts of histogram @name in text."""
    m = re.search(r"^" + re.escape(name) + r":\s*\n((?:\[.*\n?)+)", text, re.M)
    if not m:
        return 0
    return sum(int(x) for x in re.findall(r"^\[[^\])\n]*[\])]\s+(\d+) \|", m.group(1), re.M))


def check(out, checks, subs):
    lines = out.splitlines()
    for kind, arg, count in checks:
        if kind in ("need", "never"):
            pat = re.compile(arg.format(**subs))
            n = sum(1 for l in lines if pat.search(l))
            if kind == "need" and n < count:
                raise Fail("expected %d line(s) matching %r, found %d" % (count, pat.pattern, n))
            if kind == "never" and n:
                raise Fail("expected no line matching %r, found %d" % (pat.pattern, n))
        elif kind == "blocks":
            start, contains, max_count, min_value = arg
            spat = re.compile(start.format(**subs))
            cpat = re.compile(contains.format(**subs))
            found = [b for b in split_blocks(out) if spat.search(b.split("\n")[0]) and cpat.search(b)]
            if len(found) < count or (max_count is not None and len(found) > max_count):
                raise Fail("expected %s%s entries starting %r containing %r, found %d" % (
                    count, "" if max_count is None else "..%d" % max_count, spat.pattern,
                    cpat.pattern, len(found)))
            if min_value is not None:
                total = sum(int(re.search(r"\]: (\d+)$", b, re.M).group(1)) for b in found)
                if total < min_value:
                    raise Fail("entries %r containing %r add up to %d, expected >= %d" % (
                        spat.pattern, cpat.pattern, total, min_value))
        elif kind == "hist":
            name, minimum = arg
            total = hist_total(out, name)
            if total < minimum:
                raise Fail("histogram %s holds %d values, expected >= %d" % (name, total, minimum))


def hist(name, minimum):
    return ("hist", (name, minimum), 0)


# ------------------------------------------------------------------- cases
# args: the tool's arguments. target: a process started before the tool
# (its PID is {pid}; it prints "ready", then "done" once its events are made).
# workload: what makes the events. settle: seconds to let
# events drain before SIGINT. rc: the tool's expected exit status.
PYSLEEPS = "{py} -c 'import time\nfor i in range(5): time.sleep(0.05)'"
TARGET = "{py} {wl}/target.py"

CASES = {
    "execsnoop": dict(
        workload="{py} -c \"import subprocess\n"
                 "subprocess.run(['/bin/echo', 'bpfdeck-{mark}'])\n"
                 "try: subprocess.run(['/nonexistent/bpfdeck-{mark}'])\n"
                 "except OSError: pass\"",
        checks=[need(r"^\d+\s+\d+\s+{wpid}\s+/bin/echo bpfdeck-{mark}$"),
                need(r"^\d+\s+\d+\s+{wpid}\s+/nonexistent/bpfdeck-{mark}$"),
                need(r"^\d+\s+\d+\s+{wpid}\s+\(exec failed: -2\)$")]),
    "opensnoop": dict(
        workload="{py} -c \"import os; os.chdir('{workdir}')\n"
                 "open('opensnoop-{mark}', 'w').close()\n"
                 "try: open('/nonexistent/opensnoop-{mark}')\n"
                 "except OSError: pass\"",
        checks=[need(r"^{wpid}\s+{pycomm}\s+\d+\s+0 opensnoop-{mark}$"),
                need(r"^{wpid}\s+{pycomm}\s+-1\s+2 /nonexistent/opensnoop-{mark}$")]),
    "exitsnoop": dict(
        workload="{py} -c \"import subprocess, time\n"
                 "subprocess.run(['/bin/sh', '-c', 'exit 3'])\n"
                 "p = subprocess.Popen(['/bin/sleep', '5']); time.sleep(0.3)\n"
                 "p.terminate(); p.wait()\"",
        checks=[need(r"^\d\d:\d\d:\d\d\s+\d+\s+{wpid}\s+sh\s+\d+ code 3$"),
                need(r"^\d\d:\d\d:\d\d\s+\d+\s+{wpid}\s+sleep\s+[1-9]\d* signal 15$")]),
    "killsnoop": dict(
        workload="{py} -c \"import os, subprocess\n"
                 "p = subprocess.Popen(['/bin/sleep', '5']); print('child=%d' % p.pid)\n"
                 "os.kill(p.pid, 15); p.wait()\n"
                 "try: os.kill(4194303, 0)\n"
                 "except OSError: pass\"",
        checks=[need(r"^\d\d:\d\d:\d\d\s+{wpid}\s+{pycomm}\s+15\s+{child}\s+0$"),
                need(r"^\d\d:\d\d:\d\d\s+{wpid}\s+{pycomm}\s+0\s+4194303\s+-3$")]),
    "syscount": dict(
        target=TARGET + " getppid", args=["{pid}"],
        workload="kill -USR1 {pid}", settle=0.5,
        checks=[need(r"^Top 15 system calls:$"),
                need(r"^@syscalls\[getppid\]: 1000$"),
                need(r"^@procs\[{pid}, {pycomm}\]: \d+$")]),
    "runqlat": dict(
        workload=PYSLEEPS,
        checks=[need(r"^@usecs:"), hist("@usecs", 5)]),
    "runqlen": dict(
        workload="sleep 1",
        checks=[need(r"^@runqlen:"), hist("@runqlen", 50)]),
    "offcputime": dict(
        target=TARGET + " sleep", args=["{pid}"],
        workload="kill -USR1 {pid}", settle=0.8,
        checks=[blocks(r"^@us\[{pycomm}, $", r"do_nanosleep", min_value=200000)]),
    "wakeuptime": dict(
        target=TARGET + " sleep", args=["{pid}"],
        workload="kill -USR1 {pid}", settle=0.8,
        checks=[blocks(r"^@us\[", r"hrtimer_wakeup[\s\S]*, {pycomm}\]: \d+$",
                       min_value=200000)]),
    # dd makes 32 requests; on a shared, loaded machine a few can be missed
    "biolatency": dict(
        workload="dd if=/dev/zero of={workdir}/bio-{mark} bs=4k count=32 oflag=direct",
        checks=[need(r"^@usecs:"), hist("@usecs", 24)]),
    "biosnoop": dict(
        workload="dd if=/dev/zero of={workdir}/bio-{mark} bs=4k count=32 oflag=direct",
        checks=[need(r"^\d+\s+dd\s+{wpid}\s+\d+,\d+\s+W\S*\s+\d+\s+4096\s+\d+$", 24)]),
    "bitesize": dict(
        workload="dd if=/dev/zero of={workdir}/bio-{mark} bs=4k count=32 oflag=direct",
        checks=[need(r"^@bytes\[dd\]:"), hist("@bytes[dd]", 24)]),
    "vfsstat": dict(
        workload="{py} -c \"import os\n"
                 "for i in range(20): os.close(os.open('{workdir}/vfs-{mark}', os.O_CREAT | os.O_RDWR))\"",
        settle=1.5,
        checks=[need(r"^\d\d:\d\d:\d\d$"), need(r"^@\[open\]: ([2-9]\d|\d{{3,}})$")]),
    "vfsstat.kprobe": dict(workload="true", needs_kprobe=True,
                           checks=[need(r"^@\[vfs_read\]: \d+$")]),
    "tcpconnect": dict(
        workload="{py} {wl}/tcp.py",
        checks=[need(r"^\d\d:\d\d:\d\d\s+{wpid}\s+{pycomm}\s+4\s+127\.0\.0\.1\s+{port4}$"),
                need(r"^\d\d:\d\d:\d\d\s+{wpid}\s+{pycomm}\s+6\s+::1\s+{port6}$")]),
    "tcpaccept": dict(
        workload="{py} {wl}/tcp.py",
        checks=[need(r"^\d\d:\d\d:\d\d\s+{wpid}\s+{pycomm}\s+4\s+127\.0\.0\.1\s+{cport4}\s+"
                     r"127\.0\.0\.1\s+{port4}$"),
                need(r"^\d\d:\d\d:\d\d\s+{wpid}\s+{pycomm}\s+6\s+::1\s+{cport6}\s+::1\s+{port6}$")]),
    "tcplife": dict(
        workload="{py} {wl}/tcp.py",
        checks=[need(r"^{wpid}\s+{pycomm}\s+127\.0\.0\.1\s+{cport4}\s+127\.0\.0\.1\s+{port4}\s+19\s+4\s+\d+$"),
                need(r"^{wpid}\s+{pycomm}\s+127\.0\.0\.1\s+{port4}\s+127\.0\.0\.1\s+{cport4}\s+4\s+19\s+\d+$"),
                need(r"^{wpid}\s+{pycomm}\s+::1\s+{cport6}\s+::1\s+{port6}\s+19\s+4\s+\d+$")]),
    "tcpretrans": dict(
        workload="{py} {wl}/tcp.py retrans",
        checks=[need(r"^\d\d:\d\d:\d\d\s+4\s+127\.0\.0\.1\s+\d+\s+127\.0\.0\.1\s+{port4}\s+SYN_SENT$")]),
    "gethostlatency": dict(
        workload="{py} -c \"import socket; socket.getaddrinfo('localhost', 80)\"",
        checks=[need(r"^\d\d:\d\d:\d\d\s+{wpid}\s+{pycomm}\s+\d+ localhost$")]),
    "bashreadline": dict(
        workload="{py} {wl}/bash_pty.py 'echo bpfdeck-{mark}'",
        checks=[need(r"^\d\d:\d\d:\d\d\s+\d+\s+echo bpfdeck-{mark}$")]),
    "oomkill": dict(
        workload="{py} {wl}/oom.py",
        checks=[need(r"^\d\d:\d\d:\d\d\s+(\d+)\s+{pycomm}\s+(\d+)\s+{pycomm}\s+0\s+\d+\s+\d+")]),
    "capable": dict(
        target=TARGET + " nice", args=["{pid}"],
        workload="kill -USR1 {pid}", settle=0.5,
        checks=[need(r"^\d\d:\d\d:\d\d\s+0\s+{pid}\s+{pycomm}\s+23\s+CAP_SYS_NICE\s+0$"),
                never(r"^\d\d:\d\d:\d\d\s+\d+\s+(?!{pid}\s)\d+\s")]),
    "capable.kprobe": dict(workload="true", needs_kprobe=True,
                           checks=[need(r"CAP_")]),
    "qslower": dict(
        args=["{bin}/qserver", "20"], needs_bin="qserver",
        workload="{bin}/qserver 6",
        checks=[need(r"^\d+\s+{wpid}\s+[1-9]\d+\.\d{{3}} SELECT \* FROM slow_table WHERE id = 42$", 3),
                never(r"SELECT 1$")]),
    "fdleak": dict(
        target="{bin}/fdleak_victim 3", args=["{pid}"], needs_bin="fdleak_victim",
        workload="kill -USR1 {pid}", settle=0.5,
        checks=[blocks(r"^@fd\[{pid}, \d+\]:", r"\bleak_one\+\d+", 3, 3),
                blocks(r"^@fd\[{pid}, \d+\]:", r"pipe2\+\d+", 2, 2),
                never(r"\bopen_and_close\+")]),
}


def kernel_has_kprobes(bpfdeck):
    """The kernel's answer, from bpfdeck --info ("kprobe: yes")."""
    try:
        info = subprocess.run([bpfdeck, "--info"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    m = re.search(r"^\s*kprobe: (\S+)", info.stdout + info.stderr, re.M)
    return bool(m and m.group(1) == "yes")


def start(cmd, **kw):
    """A shell command line is exec'd by the shell, so the PID is the program's."""
    if isinstance(cmd, str):
        cmd = ["/bin/sh", "-c", "exec " + cmd]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True, **kw)


def stop(p, sig=signal.SIGKILL):
    if p and p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except OSError:
            pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def run_case(name, case, opts):
    subs = dict(py=sys.executable, pycomm=os.path.basename(sys.executable)[:15],
                wl=os.path.join(HERE, "workloads"), bin=opts.bin, workdir=opts.workdir,
                mark="%08x" % random.getrandbits(32))
    if case.get("needs_bin") and not os.access(os.path.join(opts.bin, case["needs_bin"]), os.X_OK):
        raise Skip("workload program %s/%s was not built" % (opts.bin, case["needs_bin"]))
    negative = case.get("needs_kprobe") and not kernel_has_kprobes(opts.bpfdeck)
    if negative and opts.bpftrace:
        raise Skip("needs kprobes, which this kernel does not have")
    target = None
    tool = None
    logs = []
    try:
        if case.get("target"):
            target = start(case["target"].format(**subs), stdout=subprocess.PIPE, text=True)
            line = target.stdout.readline()     # "ready": its signal handler is set
            if not line.startswith("ready"):
                raise Fail("target %r did not start: %r" % (case["target"], line))
            subs["pid"] = str(target.pid)
        args = [a.format(**subs) for a in case.get("args", [])]
        if opts.bpftrace:
            cmd = ["bpftrace", os.path.join(SRC, "share", "tools", name + ".bt")] + args
        else:
            cmd = [opts.bpfdeck, "tool", name] + args
        out_path = os.path.join(opts.workdir, name + ".out")
        err_path = os.path.join(opts.workdir, name + ".err")
        # "Attaching N probes..." and BEGIN's output come before the probes attach
        # (as in bpftrace 0.17): wait for the attached notice on stderr instead
        env = dict(os.environ, __BPFTRACE_NOTIFY_PROBES_ATTACHED="1")
        with open(out_path, "w") as out_f, open(err_path, "w") as err_f:
            tool = start(cmd, stdout=out_f, stderr=err_f, env=env)
        logs = [out_path, err_path]
        deadline = time.time() + opts.attach_timeout

        def attached():
            with open(err_path) as f:
                return "__BPFTRACE_NOTIFY_PROBES_ATTACHED" in f.read()
        while time.time() < deadline and tool.poll() is None and not attached():
            time.sleep(0.05)
        if negative:
            # no kprobes here: the tool must say so in one line and fail
            rc = tool.wait(timeout=30)
            err = open(err_path).read()
            want = "ERROR: tool %s needs kprobe" % name
            if rc == 0 or not err.startswith(want) or err.count("\n") != 1:
                raise Fail("expected exit != 0 and one line %r..., got exit %d, stderr %r"
                           % (want, rc, err))
            return "needs kprobe (checked the one-line message)"
        if tool.poll() is not None:
            raise Fail("tool exited (status %d) before printing its header" % tool.returncode)
        if not os.path.getsize(out_path):
            raise Fail("no header from the tool within %d s" % opts.attach_timeout)
        if opts.bpftrace:
            time.sleep(1)   # under load bpftrace 0.17 may print BEGIN's output before it attaches all
        wl = start(case["workload"].format(**subs), stdout=subprocess.PIPE, text=True)
        subs["wpid"] = str(wl.pid)
        try:
            wl_out, _ = wl.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            stop(wl)
            raise Fail("workload did not finish in 90 s")
        if wl.returncode == SKIP:
            raise Skip("workload cannot run here")
        if target:
            # the target prints "done" when it has made its events
            line = ""
            while not line.startswith("done"):
                line = target.stdout.readline()     # blocks: the case's timeout bounds it
                if not line:
                    raise Fail("the target exited (status %s) before printing done"
                               % target.poll())
        for line in wl_out.splitlines():
            m = re.match(r"^(\w+)=(.*)$", line)
            if m:
                subs[m.group(1)] = m.group(2)
        time.sleep(case.get("settle", 0.3))
        os.killpg(tool.pid, signal.SIGINT)
        try:
            # bpftrace detaches syscall tracepoints one by one (~50 ms each, far more under load)
            rc = tool.wait(timeout=300 if opts.bpftrace else 60)
        except subprocess.TimeoutExpired:
            raise Fail("tool did not exit within %d s of SIGINT" % (300 if opts.bpftrace else 60))
        out = open(out_path).read()
        if rc != case.get("rc", 0):
            raise Fail("tool exited with status %d" % rc)
        check(out, case["checks"], subs)
        return "ok"
    except Fail as e:
        msg = ["%s: FAIL: %s" % (name, e), "command: %s" % " ".join(map(shlex.quote, cmd if tool else []))]
        for path in logs:
            text = open(path).read()
            if len(text) > 6000:
                text = text[:3000] + "\n[...]\n" + text[-3000:]
            msg.append("---- %s:\n%s" % (os.path.basename(path), text))
        raise Fail("\n".join(msg))
    finally:
        stop(tool)
        stop(target)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpfdeck", default=os.path.join(SRC, "build", "src", "bpfdeck"))
    ap.add_argument("--bpftrace", action="store_true", help="run the tools under bpftrace (the oracle)")
    ap.add_argument("--bin", default=os.path.join(SRC, "build", "tests", "tools", "workloads"),
                    help="the built workload programs")
    ap.add_argument("--workdir", help="scratch directory on a real disk (default: a new one "
                    "under the current directory)")
    ap.add_argument("--attach-timeout", type=int, default=60)
    ap.add_argument("--attempts", type=int, default=2, help="runs of a case before it fails")
    ap.add_argument("--list", action="store_true", help="print the case names")
    ap.add_argument("names", nargs="*")
    opts = ap.parse_args()
    if opts.list:
        print("\n".join(sorted(CASES)))
        return 0
    if os.geteuid() != 0:
        print("tools: not root: skipped")
        return SKIP
    names = opts.names or sorted(CASES)
    for n in names:
        if n not in CASES:
            print("tools: no test case for %r" % n)
            return 1
    workdir = tempfile.mkdtemp(prefix="tooltest-", dir=opts.workdir or os.getcwd())
    opts.workdir = workdir
    failed = skipped = 0
    for n in names:
        # A second attempt, because this machine is shared: other tracers' bursts
        # can overflow a ring buffer and a loaded CPU can stall a workload. A tool
        # that is broken fails both; the first failure is printed either way.
        for attempt in range(1, opts.attempts + 1):
            t0 = time.time()
            try:
                what = run_case(n, CASES[n], opts)
                print("%s: %s (%.1f s%s)" % (n, what, time.time() - t0,
                                            ", attempt %d" % attempt if attempt > 1 else ""),
                      flush=True)
                break
            except Skip as e:
                skipped += 1
                print("%s: SKIP: %s" % (n, e), flush=True)
                break
            except Fail as e:
                print(str(e), flush=True)
                if attempt == opts.attempts:
                    failed += 1
                else:
                    print("%s: trying again" % n, flush=True)
    subprocess.run(["rm", "-rf", workdir])
    if failed:
        return 1
    return SKIP if skipped == len(names) else 0


if __name__ == "__main__":
    sys.exit(main())
