#!/usr/bin/env python3
"""Runtime conformance runner for bpfdeck.

Runs the bpftrace-0.17 runtime-test corpus (the directive format described in
shared/conformance/TESTPROGS.md, Part A) against a bpftrace-compatible binary.

Usage (from anywhere; the test root is given with --root):

    python3 run.py --bpftrace PATH --root CROOT [--expected FILE]
                   [--write-expected FILE] [--suite NAME]... [--filter GLOB]...
                   [--log-dir DIR] [-v]

Output: one line per test (``PASS suite.NAME``, ``FAIL suite.NAME`` or
``SKIP suite.NAME (reason)``), then with --expected ``REGRESSION suite.NAME``
and ``NEW-PASS suite.NAME`` lines, and finally exactly one summary line
``N passed, N failed, N skipped``.

Exit status: with --expected, 1 iff there is a regression; without it, 1 iff
any test failed.  2 on usage or corpus parse errors.

Only the Python standard library is used.
"""

import argparse
import errno
import fnmatch
import os
import platform
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ATTACH_TIMEOUT = 5          # seconds until bpftrace must report attachment
NOTIFY_LINE = b"__BPFTRACE_NOTIFY_PROBES_ATTACHED\n"
TERM_GRACE = 10             # seconds to wait for output after SIGTERM
KILL_GRACE = 2              # seconds to wait for output after SIGKILL
REQUIRES_TIMEOUT = 60       # safety net; the original runner had none
BEFORE_POLL = 0.1

# REQUIRES_FEATURE name -> substring of `bpftrace --info`
FEATURES = {
    "loop": "Loop support: yes",
    "btf": "btf: yes",
    "kfunc": "kfunc: yes",
    "dpath": "dpath: yes",
    "uprobe_refcount":
        "uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount): yes",
    "iter:task": "iter:task: yes",
    "iter:task_file": "iter:task_file: yes",
    "libpath_resolv": "bcc library path resolution: yes",
    "kprobe_multi": "kprobe_multi: yes",
    "skboutput": "skboutput: yes",
    "signal": "send_signal: yes",
    "dwarf": "libdw (DWARF support): yes",
    "aot": None,  # decided by the presence of the AOT runtime binary
}

KEYWORDS = {
    "NAME", "RUN", "PROG", "EXPECT", "TIMEOUT", "BEFORE", "AFTER",
    "MIN_KERNEL", "MAX_KERNEL", "REQUIRES", "REQUIRES_FEATURE", "ENV",
    "ARCH", "WILL_FAIL",
}


class ParseError(Exception):
    pass


class Test:
    def __init__(self, suite, lineno):
        self.suite = suite
        self.lineno = lineno
        self.name = ""
        self.run = None
        self.prog = None
        self.expect = None
        self.timeout = None
        self.before = None
        self.after = None
        self.min_kernel = None
        self.max_kernel = None
        self.requires = []
        self.features = []        # (name, negated)
        self.env = {}
        self.arch = None
        self.will_fail = False

    @property
    def id(self):
        return "%s.%s" % (self.suite, self.name)


# --------------------------------------------------------------------------
# Parsing (A.2)

def parse_block(lines, suite):
    test = Test(suite, lines[0][0])
    for lineno, line in lines:
        words = line.split()
        if not words:
            raise ParseError("%s:%d: line without a directive" % (suite, lineno))
        key = words[0]
        value = " ".join(words[1:])
        where = "%s:%d" % (suite, lineno)
        if key not in KEYWORDS:
            raise ParseError("%s: unknown directive %r" % (where, key))
        if key == "NAME":
            test.name = value
        elif key == "RUN":
            test.run = value
        elif key == "PROG":
            test.prog = value
        elif key == "EXPECT":
            test.expect = value
        elif key == "TIMEOUT":
            try:
                test.timeout = int(value)
            except ValueError:
                raise ParseError("%s: bad TIMEOUT %r" % (where, value))
        elif key == "BEFORE":
            test.before = value
        elif key == "AFTER":
            test.after = value
        elif key == "MIN_KERNEL":
            test.min_kernel = value
        elif key == "MAX_KERNEL":
            test.max_kernel = value
        elif key == "REQUIRES":
            test.requires.append(value)
        elif key == "REQUIRES_FEATURE":
            for f in value.split():
                neg = f.startswith("!")
                name = f[1:] if neg else f
                if name not in FEATURES:
                    raise ParseError("%s: unknown feature %r" % (where, name))
                test.features.append((name, neg))
        elif key == "ENV":
            for item in value.split():
                if "=" not in item:
                    raise ParseError("%s: bad ENV entry %r" % (where, item))
                k, v = item.split("=", 1)
                test.env[k] = v
        elif key == "ARCH":
            test.arch = [a.strip().lower() for a in value.split("|") if a.strip()]
        elif key == "WILL_FAIL":
            test.will_fail = True

    where = "%s:%d" % (suite, test.lineno)
    if not test.name:
        raise ParseError("%s: test NAME is required" % where)
    if test.run is None and test.prog is None:
        raise ParseError("%s: %s: RUN or PROG is required" % (where, test.name))
    if test.run is not None and test.prog is not None:
        raise ParseError("%s: %s: both RUN and PROG given" % (where, test.name))
    if test.expect is None:
        raise ParseError("%s: %s: EXPECT is required" % (where, test.name))
    if test.timeout is None:
        raise ParseError("%s: %s: TIMEOUT is required" % (where, test.name))
    return test


def parse_suite(path, machine):
    suite = os.path.basename(path)
    tests = []
    block = []
    with open(path, "r", encoding="utf-8", newline="\n") as f:
        lines = f.readlines()
    for lineno, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue          # dropped, but does not end the block
        if line == "\n":
            if block:
                tests.append(parse_block(block, suite))
            block = []
            continue
        block.append((lineno, line))
    if block:
        tests.append(parse_block(block, suite))
    # ARCH is applied at parse time.
    return [t for t in tests if t.arch is None or machine in t.arch]


# --------------------------------------------------------------------------
# Helpers

def loose_version(s):
    parts = []
    for p in re.findall(r"\d+|[A-Za-z]+", s):
        parts.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return parts


def kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
        return True
    except OSError as e:
        if e.errno not in (errno.ESRCH, errno.EPERM):
            raise
        return False


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except OSError:
        return False


def wait_group_gone(pgid, limit):
    end = time.monotonic() + limit
    while group_alive(pgid) and time.monotonic() < end:
        time.sleep(0.02)


def find_tool(name):
    path = shutil.which(name)
    if path:
        return path
    for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        cand = os.path.join(d, name)
        if os.access(cand, os.X_OK):
            return cand
    return name


def to_text(data):
    # The original runner read the pipe in text mode (universal newlines).
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def safe_filename(s):
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", s).strip("_")[:150] or "test"


class Result:
    def __init__(self, status, reason="", output="", log=""):
        self.status = status      # PASS / FAIL / SKIP
        self.reason = reason
        self.output = output
        self.log = log


# --------------------------------------------------------------------------
# Runner

class Runner:
    def __init__(self, args):
        self.args = args
        self.root = os.path.abspath(args.root)
        self.real_bpftrace = os.path.abspath(args.bpftrace)
        self.bindir = tempfile.mkdtemp(prefix="bpfdeck-conformance-")
        self.bpftrace = os.path.join(self.bindir, "bpftrace")
        os.symlink(self.real_bpftrace, self.bpftrace)
        aotrt = args.bpftrace_aotrt
        if aotrt is None:
            cand = os.path.join(os.path.dirname(self.real_bpftrace),
                                "bpftrace-aotrt")
            aotrt = cand if os.path.exists(cand) else None
        self.aotrt = os.path.join(self.bindir, "aot", "bpftrace-aotrt")
        self.has_aotrt = False
        if aotrt:
            os.makedirs(os.path.dirname(self.aotrt))
            os.symlink(os.path.abspath(aotrt), self.aotrt)
            self.has_aotrt = True
        self.pidof = find_tool("pidof")
        self.scale = args.time_scale
        self._info = None
        self.kernel = platform.release()

    def cleanup(self):
        shutil.rmtree(self.bindir, ignore_errors=True)

    # --- requirements -----------------------------------------------------

    def info(self):
        if self._info is None:
            try:
                p = subprocess.run([self.bpftrace, "--info"],
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL,
                                   cwd=self.root, timeout=60)
                self._info = to_text(p.stdout)
            except (OSError, subprocess.SubprocessError) as e:
                self._info = ""
                sys.stderr.write("warning: `bpftrace --info` failed: %s\n" % e)
        return self._info

    def has_feature(self, name):
        if name == "aot":
            return self.has_aotrt
        return FEATURES[name] in self.info()

    # Probe types a test attaches, as they open a clause or an attach point: at
    # the start of a program, after '}' or ',' or a quote (RUN -e '...', -l "...").
    KERNEL_PROBES = re.compile(
        r"""(?:^|[}\n,'"]\s*)(kprobe|kretprobe|kr|k|kfunc|kretfunc|fr|f|fentry|fexit):""")
    KERNEL_KIND = {"kprobe": "kprobe", "kretprobe": "kprobe", "k": "kprobe",
                   "kr": "kprobe", "kfunc": "kfunc", "kretfunc": "kfunc",
                   "f": "kfunc", "fr": "kfunc", "fentry": "kfunc", "fexit": "kfunc"}

    def kernel_cannot(self, test):
        """Why this kernel cannot run the test's kprobes/kfuncs, from the binary's
        own `--info` lines "  kprobe: no (REASON)" (bpfdeck attaches either kind
        with the other, so only both missing counts); None to run it. Tests that
        expect an error run anyway: their message comes first."""
        if test.will_fail:
            return None
        text = test.prog or test.run or ""
        for m in re.finditer(r"runtime/scripts/\S+", text):
            try:
                with open(os.path.join(self.root, m.group(0)), encoding="utf-8") as f:
                    text += "\n" + f.read()
            except OSError:
                pass
        kinds = set(self.KERNEL_KIND[m.group(1)]
                    for m in self.KERNEL_PROBES.finditer(text))
        if not kinds:
            return None
        missing = dict(re.findall(r"^  (kprobe|kfunc): no \((.*)\)$", self.info(), re.M))
        if "kprobe" in missing and "kfunc" in missing:
            return "; ".join("%s: no (%s)" % (k, missing[k]) for k in sorted(kinds))
        return None

    # REQUIRES_FEATURE names that the kernel decides (not how bpftrace was built).
    KERNEL_FEATURES = ("btf", "kfunc", "dpath", "iter:task", "iter:task_file",
                       "kprobe_multi", "skboutput", "signal", "loop")

    def kernel_skip(self, test):
        """Why this kernel skips the test for lack of a kernel feature (kernel
        probes, a kernel REQUIRES_FEATURE, MIN/MAX_KERNEL), else None: the
        kernel-VM tier runs these in a guest (--list-kernel-skips)."""
        why = self.kernel_cannot(test)
        if why:
            return "kernel: %s" % why
        for name, neg in test.features:
            if name in self.KERNEL_FEATURES and self.has_feature(name) == neg:
                return "REQUIRES_FEATURE %s%s" % ("!" if neg else "", name)
        if test.min_kernel and \
                loose_version(self.kernel) < loose_version(test.min_kernel):
            return "MIN_KERNEL %s" % test.min_kernel
        if test.max_kernel and \
                loose_version(self.kernel) > loose_version(test.max_kernel):
            return "MAX_KERNEL %s" % test.max_kernel
        return None

    def check_requires(self, test, log):
        env = {"PATH": "%s:%s" % (self.bindir, os.environ.get("PATH", ""))}
        for req in test.requires:
            p = subprocess.Popen(req, shell=True, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=env,
                                 cwd=self.root, start_new_session=True)
            try:
                rc = p.wait(timeout=REQUIRES_TIMEOUT)
            except subprocess.TimeoutExpired:
                kill_group(p.pid, signal.SIGKILL)
                p.wait()
                log.append("REQUIRES timed out: %s" % req)
                return Result("FAIL", "REQUIRES timed out: %s" % req)
            finally:
                kill_group(p.pid, signal.SIGKILL)
            if rc != 0:
                return Result("SKIP", "REQUIRES %s" % req)
        why = self.kernel_cannot(test)
        if why:
            return Result("SKIP", "kernel: %s" % why)
        for name, neg in test.features:
            have = self.has_feature(name)
            if have == neg:
                return Result("SKIP", "REQUIRES_FEATURE %s%s" %
                              ("!" if neg else "", name))
        if test.min_kernel and \
                loose_version(self.kernel) < loose_version(test.min_kernel):
            return Result("SKIP", "MIN_KERNEL %s" % test.min_kernel)
        if test.max_kernel and \
                loose_version(self.kernel) > loose_version(test.max_kernel):
            return Result("SKIP", "MAX_KERNEL %s" % test.max_kernel)
        return None

    # --- processes --------------------------------------------------------

    def pidof_first(self, name):
        try:
            p = subprocess.run([self.pidof, name], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL)
        except OSError:
            return None
        if p.returncode != 0:
            return None
        pids = p.stdout.decode().split()
        return pids[0] if pids else None

    def bpf_command(self, test):
        if test.prog is not None:
            return "%s -e '%s'" % (self.bpftrace, test.prog)
        cmd = test.run.replace("{{BPFTRACE}}", self.bpftrace)
        cmd = cmd.replace("{{BPFTRACE_AOTRT}}", self.aotrt)
        return cmd

    def run_test(self, test):
        log = ["test: %s (%s:%d)" % (test.id, test.suite, test.lineno)]
        res = self.check_requires(test, log)
        if res is not None:
            res.log = "\n".join(log + ["result: %s %s" % (res.status, res.reason)])
            return res

        aux = tempfile.TemporaryFile()   # output of BEFORE / AFTER
        before = after = proc = None
        groups = []
        output = bytearray()
        timed_out = False
        try:
            # BEFORE, and the wait for its process to appear.
            child_name = None
            if test.before:
                log.append("before: %s" % test.before)
                before = subprocess.Popen(test.before, shell=True,
                                          stdin=subprocess.DEVNULL,
                                          stdout=aux, stderr=subprocess.STDOUT,
                                          cwd=self.root,
                                          start_new_session=True)
                groups.append(before.pid)
                child_name = os.path.basename(test.before.split()[-1])
                waited = 0.0
                while self.pidof_first(child_name) is None:
                    time.sleep(BEFORE_POLL)
                    waited += BEFORE_POLL
                    if waited > test.timeout * self.scale:
                        log.append("timed out waiting for BEFORE process %r"
                                   % child_name)
                        return Result("FAIL", "BEFORE process %s did not appear"
                                      % child_name, "", "\n".join(log))

            cmd = self.bpf_command(test)
            if test.before and "{{BEFORE_PID}}" in cmd:
                pid = self.pidof_first(child_name)
                if pid is None:
                    log.append("BEFORE process %r vanished" % child_name)
                    return Result("FAIL", "BEFORE process vanished", "",
                                  "\n".join(log))
                cmd = cmd.replace("{{BEFORE_PID}}", pid)
            log.append("command: %s" % cmd)

            env = {
                "test": test.name,
                "__BPFTRACE_NOTIFY_PROBES_ATTACHED": "1",
                "__BPFTRACE_NOTIFY_AOT_PORTABILITY_DISABLED": "1",
                "BPFTRACE_VERIFY_LLVM_IR": "1",
            }
            env.update(test.env)
            if test.env:
                log.append("env: %s" % " ".join("%s=%s" % kv
                                                for kv in test.env.items()))

            start = time.monotonic()
            proc = subprocess.Popen(cmd, shell=True, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env,
                                    cwd=self.root, start_new_session=True)
            groups.append(proc.pid)
            fd = proc.stdout.fileno()
            os.set_blocking(fd, False)
            deadline = start + ATTACH_TIMEOUT * self.scale
            attached = False
            eof = False
            scan_from = 0

            while True:
                if eof and proc.poll() is not None:
                    break
                now = time.monotonic()
                if now >= deadline:
                    timed_out = True
                    break
                if eof:
                    time.sleep(min(0.02, deadline - now))
                    continue
                r, _, _ = select.select([fd], [], [], min(0.1, deadline - now))
                if not r:
                    continue
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    eof = True
                    continue
                output += chunk
                if not attached:
                    # Look for the notification as a complete line.
                    while True:
                        nl = output.find(b"\n", scan_from)
                        if nl < 0:
                            break
                        line = bytes(output[scan_from:nl + 1])
                        scan_from = nl + 1
                        if line == NOTIFY_LINE:
                            attached = True
                            deadline = time.monotonic() + test.timeout * self.scale
                            log.append("attached after %.2fs" %
                                       (time.monotonic() - start))
                            if test.after:
                                log.append("after: %s" % test.after)
                                after = subprocess.Popen(
                                    test.after, shell=True,
                                    stdin=subprocess.DEVNULL, stdout=aux,
                                    stderr=subprocess.STDOUT, cwd=self.root,
                                    start_new_session=True)
                                groups.append(after.pid)
                            break

            if timed_out:
                log.append("timeout after %.2fs (%s); sending SIGTERM" %
                           (time.monotonic() - start,
                            "attached" if attached else "not attached"))
                kill_group(proc.pid, signal.SIGTERM)
                output += self.drain(proc, fd, TERM_GRACE)
                if proc.poll() is None or not self._eof:
                    kill_group(proc.pid, signal.SIGKILL)
                    output += self.drain(proc, fd, KILL_GRACE)
        finally:
            for pgid in groups:
                kill_group(pgid, signal.SIGKILL)
            for p in (proc, before, after):
                if p is not None:
                    try:
                        p.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        pass
            for pgid in groups:
                wait_group_gone(pgid, 5)
            if proc is not None:
                proc.stdout.close()
            aux.seek(0)
            aux_out = aux.read()
            aux.close()

        text = to_text(bytes(output))
        rc = proc.returncode
        log.append("exit status: %s%s" % (rc, " (timed out)" if timed_out else ""))
        log.append("expect: %s" % test.expect)
        try:
            if timed_out:
                matched = re.search(test.expect, text) is not None
            else:
                matched = re.search(test.expect, text, re.M) is not None
        except re.error as e:
            matched = False
            log.append("bad EXPECT regex: %s" % e)

        if timed_out:
            ok = matched
            reason = "" if ok else "timeout, output did not match"
        elif not matched:
            ok = False
            reason = "output did not match"
        elif rc != 0 and not test.will_fail:
            ok = False
            reason = "exit status %s" % rc
        else:
            ok = True
            reason = ""
        status = "PASS" if ok else "FAIL"
        log.append("result: %s %s" % (status, reason))
        log.append("---- output ----")
        log.append(text.rstrip("\n"))
        if aux_out:
            log.append("---- BEFORE/AFTER output ----")
            log.append(to_text(aux_out).rstrip("\n"))
        return Result(status, reason, text, "\n".join(log))

    _eof = False

    def drain(self, proc, fd, limit):
        """Collect output until EOF and process exit, or `limit` seconds."""
        data = bytearray()
        end = time.monotonic() + limit
        self._eof = False
        while time.monotonic() < end:
            if self._eof:
                if proc.poll() is not None:
                    break
                time.sleep(0.02)
                continue
            r, _, _ = select.select([fd], [], [],
                                    max(0.0, min(0.1, end - time.monotonic())))
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self._eof = True
                continue
            data += chunk
        return bytes(data)


# --------------------------------------------------------------------------
# Expected-pass lists

def read_id_list(path):
    ids = []
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            ids.append(line)
    return ids


# --------------------------------------------------------------------------
# Helper cross-checks (TESTPROGS.md Part D); they do not run bpftrace.

TESTPROGS = [
    "array_access", "complex_struct", "mountns_wrapper", "simple_struct",
    "stack_args", "struct_array", "struct_walk", "syscall",
    "two_usdt_semaphore_tests", "uprobe_library", "uprobe_namesan",
    "uprobe_negative_retval", "uprobe_test", "usdt_args", "usdt_inlined",
    "usdt_lib", "usdt_multiple_locations", "usdt_quoted_probe",
    "usdt_semaphore_test", "usdt_sized_args", "usdt_test", "wait4_ru",
]
OPTIONAL_TESTPROGS = {"struct_array"}
USDT_LOCATIONS = {
    "usdt_args": 32, "usdt_multiple_locations": 6, "usdt_test": 3,
    "usdt_sized_args": 3, "usdt_inlined": 2, "usdt_quoted_probe": 1,
    "usdt_semaphore_test": 1, "usdt_lib": 0,
}
SHOULD_NOT_SKIP = ["usdt_test", "usdt_lib", "usdt_multiple_locations",
                   "usdt_quoted_probe", "usdt_semaphore_test", "usdt_args",
                   "usdt_inlined"]


def check_helpers(root):
    problems = []
    progs = os.path.join(root, "testprogs")
    libs = os.path.join(root, "testlibs")

    def tool(*argv):
        p = subprocess.run(list(argv), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return p.stdout.decode("utf-8", "replace")

    def check(cond, what):
        print("%s %s" % ("ok  " if cond else "FAIL", what))
        if not cond:
            problems.append(what)

    present = sorted(os.listdir(progs)) if os.path.isdir(progs) else []
    extra = [n for n in present if n not in TESTPROGS]
    missing = [n for n in TESTPROGS
               if n not in present and n not in OPTIONAL_TESTPROGS]
    check(not extra, "testprogs/ holds only the helper executables%s" %
          (" (extra: %s)" % " ".join(extra) if extra else ""))
    check(not missing, "all helper executables present%s" %
          (" (missing: %s)" % " ".join(missing) if missing else ""))
    for n in present:
        if n in TESTPROGS:
            path = os.path.join(progs, n)
            hdr = tool("readelf", "-h", path)
            check(re.search(r"Type:\s+EXEC", hdr) is not None,
                  "%s is a non-PIE executable (ELF type EXEC)" % n)
            check(".symtab" in tool("readelf", "-S", "-W", path),
                  "%s is not stripped" % n)

    total = 0
    for n, want in sorted(USDT_LOCATIONS.items()):
        notes = tool("readelf", "-n", os.path.join(progs, n))
        got = notes.count("stapsdt ")
        total += got
        check(got == want, "%s has %d USDT locations (found %d)" % (n, want, got))
    check(total == 48, "48 USDT locations in ./testprogs/usdt* (found %d)" % total)
    usdt_globbed = sorted(n for n in present if n.startswith("usdt"))
    check(usdt_globbed == sorted(USDT_LOCATIONS),
          "./testprogs/usdt* matches exactly the eight usdt executables")
    check([n for n in present if n.startswith("usdt_test")] == ["usdt_test"],
          "./testprogs/usdt_test* matches only usdt_test")

    notes = tool("readelf", "-n", os.path.join(progs, "usdt_semaphore_test"))
    m = re.search(r"Semaphore: 0x([0-9a-f]+)", notes)
    check(m is not None and int(m.group(1), 16) != 0,
          "usdt_semaphore_test records a non-zero semaphore address")
    notes = tool("readelf", "-n", os.path.join(progs, "usdt_quoted_probe"))
    check(re.search(r'Name: "probe1"$', notes, re.M) is not None,
          'usdt_quoted_probe note name is "probe1" (with quotes)')
    notes = tool("readelf", "-n", os.path.join(progs, "usdt_args"))
    args = re.findall(r"Arguments: (\S+)", notes)
    for form, rx in (("%rax", r"@%rax$"), ("%eax", r"@%eax$"),
                     ("%ax", r"@%ax$"), ("%al", r"@%al$"),
                     ("$immediate", r"@\$-?\d+$"),
                     ("disp(%reg)", r"@-?\d+\(%\w+\)$"),
                     ("disp(%reg,%reg,8)", r"@-?\d+\(%\w+,%\w+,8\)$")):
        check(any(re.search(rx, a) for a in args),
              "usdt_args has a %s operand" % form)

    syms = tool("nm", "-S", os.path.join(progs, "uprobe_test"))
    for sym, size in (("GLOBAL_A", 4), ("GLOBAL_B", 4), ("GLOBAL_C", 4),
                      ("GLOBAL_D", 1)):
        m = re.search(r"^[0-9a-f]+ ([0-9a-f]+) [Dd] %s$" % sym, syms, re.M)
        check(m is not None and int(m.group(1), 16) == size,
              "uprobe_test %s has size %d in .data" % (sym, size))
    check(re.search(r" T fn\$$", tool("nm", os.path.join(progs, "uprobe_namesan")),
                    re.M) is not None, "uprobe_namesan defines fn$")
    check(re.search(r" T fun$", tool("nm", "-D", os.path.join(libs, "libsimple.so")),
                    re.M) is not None, "libsimple.so exports fun")
    dyn = tool("readelf", "-d", os.path.join(progs, "usdt_lib"))
    check("[libusdt_tp.so]" in dyn, "usdt_lib NEEDs libusdt_tp.so")
    m = re.search(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[(.*)\]", dyn)
    check(m is not None and "testlibs" in m.group(1),
          "usdt_lib has a runpath reaching testlibs/")

    for n in SHOULD_NOT_SKIP:
        try:
            rc = subprocess.run([os.path.join(progs, n), "should_not_skip"],
                                cwd=root, timeout=5, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        except OSError as e:
            rc = str(e)
        check(rc == 0, "%s should_not_skip exits 0 at once (got %s)" % (n, rc))

    for lib in ("libsimple.so", "libusdt_tp.so"):
        path = os.path.join(libs, lib)
        try:
            mode = os.stat(path).st_mode
            check(mode & 0o111 == 0, "testlibs/%s has no execute bits" % lib)
        except OSError:
            check(False, "testlibs/%s exists" % lib)

    print("%d problem(s)" % len(problems))
    return 1 if problems else 0


EXPECTED_HEADER = """\
# Conformance tests (suite.NAME) that bpfdeck is expected to pass.
# Used by tests/conformance/run.py --expected; a listed test that does not
# pass is reported as a REGRESSION. One id per line; '#' starts a comment.
"""


def main():
    ap = argparse.ArgumentParser(
        description="Run the bpftrace runtime-test corpus against a binary.")
    ap.add_argument("--bpftrace",
                    help="the bpftrace-compatible binary under test (required "
                         "unless --check-helpers)")
    ap.add_argument("--bpftrace-aotrt", default=None,
                    help="AOT runtime for {{BPFTRACE_AOTRT}} (unused by the corpus)")
    ap.add_argument("--root", default=".",
                    help="test root holding runtime/, testprogs/, testlibs/")
    ap.add_argument("--expected", help="file listing ids expected to pass")
    ap.add_argument("--write-expected", help="write the ids that passed here")
    ap.add_argument("--suite", action="append", default=[],
                    help="run only this suite (repeatable)")
    ap.add_argument("--filter", action="append", default=[],
                    help="glob over suite.NAME (repeatable; any may match)")
    ap.add_argument("--ids", help="run only the tests whose ids this file lists "
                    "(one a line, '#' comments)")
    ap.add_argument("--list-kernel-skips", action="store_true",
                    help="only print the ids of the selected tests that this kernel "
                         "skips for lack of a kernel feature, with the reason after "
                         "a '#', and exit (runs no test)")
    ap.add_argument("--log-dir", help="keep each test's output in this directory")
    ap.add_argument("--time-scale", type=float,
                    default=float(os.environ.get("BPFDECK_TEST_TIME_SCALE", "1")),
                    help="multiply the attach timeout and each TIMEOUT by this (an "
                         "emulated machine is slower; default $BPFDECK_TEST_TIME_SCALE or 1)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print the output of failing tests")
    ap.add_argument("--check-helpers", action="store_true",
                    help="only run the TESTPROGS.md Part D cross-checks on the "
                         "helpers in --root (readelf/nm); does not run bpftrace")
    args = ap.parse_args()

    if args.check_helpers:
        return check_helpers(os.path.abspath(args.root))
    # the helper programs see it too: uprobe_test stays alive that much longer
    os.environ["BPFDECK_TEST_TIME_SCALE"] = "%g" % args.time_scale
    if not args.bpftrace:
        ap.error("--bpftrace is required")

    if os.geteuid() != 0:
        sys.stderr.write("warning: the runtime tests assume root\n")

    root = os.path.abspath(args.root)
    runtime_dir = os.path.join(root, "runtime")
    if not os.path.isdir(runtime_dir):
        sys.stderr.write("error: %s has no runtime/ directory\n" % root)
        return 2
    if not os.path.exists(args.bpftrace):
        sys.stderr.write("error: %s does not exist\n" % args.bpftrace)
        return 2

    machine = platform.machine().lower()
    suites = sorted(n for n in os.listdir(runtime_dir)
                    if os.path.isfile(os.path.join(runtime_dir, n)))
    if args.suite:
        unknown = [s for s in args.suite if s not in suites]
        if unknown:
            sys.stderr.write("error: unknown suite(s): %s\n" % ", ".join(unknown))
            return 2

    # Parse every suite (so that a corpus error is always reported and the
    # full set of ids is known), then select.
    all_tests = []
    try:
        for s in suites:
            all_tests.extend(parse_suite(os.path.join(runtime_dir, s), machine))
    except ParseError as e:
        sys.stderr.write("error: %s\n" % e)
        return 2
    known_ids = set(t.id for t in all_tests)

    tests = all_tests
    if args.suite:
        tests = [t for t in tests if t.suite in args.suite]
    if args.filter:
        tests = [t for t in tests
                 if any(fnmatch.fnmatchcase(t.id, g) for g in args.filter)]

    if args.ids:
        try:
            ids = set(read_id_list(args.ids))
        except OSError as e:
            sys.stderr.write("error: %s\n" % e)
            return 2
        tests = [t for t in tests if t.id in ids]

    if args.list_kernel_skips:
        runner = Runner(args)
        try:
            for t in tests:
                why = runner.kernel_skip(t)
                if why:
                    print("%s  # %s" % (t.id, why))
        finally:
            runner.cleanup()
        return 0

    disabled = set(x for x in os.environ.get("RUNTIME_TEST_DISABLE", "").split(",")
                   if x)

    expected = None
    if args.expected:
        try:
            expected = read_id_list(args.expected)
        except OSError as e:
            sys.stderr.write("error: %s\n" % e)
            return 2

    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)

    def on_term(signum, frame):
        # Turn SIGTERM (e.g. a ctest timeout) into an interrupt so that the
        # process groups of the current test are killed on the way out.
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)

    runner = Runner(args)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    status_by_id = {}          # id -> aggregated status
    selected = set()           # ids that were selected (not disabled)
    log_names = set()
    interrupted = False
    try:
        for t in tests:
            if t.id in disabled:
                res = Result("SKIP", "RUNTIME_TEST_DISABLE")
            else:
                selected.add(t.id)
                res = runner.run_test(t)
            counts[res.status] += 1
            if res.status == "SKIP":
                print("SKIP %s (%s)" % (t.id, res.reason), flush=True)
            else:
                print("%s %s" % (res.status, t.id), flush=True)
            if res.status == "FAIL" and args.verbose:
                sys.stdout.write("    reason: %s\n" % res.reason)
                for line in (res.output or "").rstrip("\n").split("\n"):
                    sys.stdout.write("    | %s\n" % line)
                sys.stdout.flush()
            prev = status_by_id.get(t.id)
            if t.id in disabled:
                pass
            elif res.status == "FAIL" or prev == "FAIL":
                status_by_id[t.id] = "FAIL"
            elif res.status == "PASS" or prev == "PASS":
                status_by_id[t.id] = "PASS"
            else:
                status_by_id[t.id] = "SKIP"
            if args.log_dir and res.log:
                base = safe_filename(t.id)
                name, n = base, 1
                while name in log_names:
                    n += 1
                    name = "%s.%d" % (base, n)
                log_names.add(name)
                with open(os.path.join(args.log_dir, name + ".log"), "w",
                          encoding="utf-8", errors="replace") as f:
                    f.write(res.log + "\n")
    except KeyboardInterrupt:
        interrupted = True
        sys.stderr.write("interrupted\n")
    finally:
        runner.cleanup()

    passed_ids = [i for i, s in status_by_id.items() if s == "PASS"]
    regressions = []
    if expected is not None:
        exp_set = set(expected)
        not_run = [i for i in expected if i not in selected]
        unknown = [i for i in expected if i not in known_ids]
        for i in unknown:
            sys.stderr.write("note: expected test %s is not in the corpus "
                             "(or not for this architecture)\n" % i)
        for i in expected:
            if i in selected and status_by_id.get(i) != "PASS":
                if i not in regressions:
                    regressions.append(i)
                    print("REGRESSION %s" % i)
        for i in passed_ids:
            if i not in exp_set:
                print("NEW-PASS %s" % i)
        if not_run:
            sys.stderr.write("note: %d expected test(s) were not run "
                             "(not selected, disabled or unknown)\n" % len(not_run))

    if args.write_expected and not interrupted:
        ids = list(passed_ids)
        if expected is not None:
            # Keep expected ids of the corpus that were not run this time
            # (partial runs); drop ids that no longer exist.
            ids += [i for i in expected
                    if i not in selected and i in known_ids and i not in ids]
        with open(args.write_expected, "w", encoding="utf-8") as f:
            f.write(EXPECTED_HEADER)
            for i in sorted(set(ids)):
                f.write(i + "\n")

    print("%d passed, %d failed, %d skipped" %
          (counts["PASS"], counts["FAIL"], counts["SKIP"]), flush=True)
    if interrupted:
        return 130
    if expected is not None:
        return 1 if regressions else 0
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
