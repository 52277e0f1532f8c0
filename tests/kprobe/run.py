#!/usr/bin/env python3
"""bpfdeck's own kernel-probe tests: kprobe/kretprobe/kfunc/kretfunc, iter,
watchpoint, the attach-method fallbacks and their messages.

    run.py --bpfdeck PATH [--filter GLOB]... [-v]

Every case says what it needs from the kernel (read from `bpfdeck --info`);
cases whose needs are not met are skipped with the reason. On a kernel without
kprobes and fentry (the development host) the "cannot attach" messages are
checked; on one with both (the kernel-VM tier) the probes themselves, and the
fallbacks by hiding one method with BPFDECK_DISABLE_FEATURES. After each case
no BPF program of the case may be left in the kernel.

Exit status: 0 all passed or skipped, 1 a failure, 77 nothing could run.
Only the Python standard library is used.
"""

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time

TIMEOUT = 60            # seconds per case; an emulated kernel is slow


class Case:
    def __init__(self, name, prog, expect=(), rc=0, needs=(), env=None, cmd=None,
                 args=(), absent=(), stdout=None, check=None):
        self.name = name
        self.prog = prog            # -e program, or None (args alone)
        self.expect = list(expect)  # regexes the combined output must match
        self.absent = list(absent)  # regexes it must not match
        self.rc = rc
        self.needs = list(needs)    # feature names ("kprobe", "!kprobe", ...)
        self.env = env or {}
        self.cmd = cmd              # -c command: runs once the probes are attached
        self.args = list(args)      # more bpfdeck arguments
        self.stdout = stdout
        self.check = check          # check() -> reasons it failed, after the run


SLEEP = "/bin/sleep 0.2"
PCAP = "/tmp/bpfdeck-kprobe-skb.pcap"
# a SYN over loopback goes out through __dev_queue_xmit (nothing needs to listen;
# dev_queue_xmit itself is an inline wrapper since 5.19). Needs the corpus root.
CONNECT = "./testprogs/syscall connect 127.0.0.1 9"


def check_pcap():
    """PCAP is a raw-IP pcap file holding at least one IPv4 packet."""
    import struct
    try:
        with open(PCAP, "rb") as f:
            data = f.read()
    except OSError as e:
        return ["no pcap file: %s" % e]
    if len(data) < 24:
        return ["pcap file of %d bytes" % len(data)]
    magic, major, minor, _, _, snap, link = struct.unpack("<IHHiIII", data[:24])
    why = []
    if (magic, major, minor, link) != (0xa1b2c3d4, 2, 4, 101):
        why.append("pcap header %x %d.%d link %d" % (magic, major, minor, link))
    pos, ipv4 = 24, 0
    while pos + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        if abs(sec - time.time()) > 3600 or usec >= 1000000:
            why.append("packet time %d.%06d is not now" % (sec, usec))
        if len(pkt) >= 20 and pkt[0] == 0x45 and pkt[9] == 6:
            ipv4 += 1
        pos += 16 + incl
    if pos != len(data):
        why.append("pcap records end at %d of %d bytes" % (pos, len(data)))
    if not ipv4:
        why.append("no IPv4 TCP packet in the pcap file")
    return why

READ = "/bin/cat /etc/hostname"
NO_KPROBE = {"BPFDECK_DISABLE_FEATURES": "kprobe"}
NO_KFUNC = {"BPFDECK_DISABLE_FEATURES": "kfunc"}
NO_BOTH = {"BPFDECK_DISABLE_FEATURES": "kprobe,kfunc"}

CASES = [
    # ---- where nothing can attach: the message, in the user's terms ----
    Case("no kprobes: kprobe message",
         "kprobe:do_nanosleep { printf(\"hit\\n\"); exit(); }",
         [r"ERROR: kprobe:do_nanosleep: this kernel has no kprobes \(CONFIG_KPROBES off\); "
          r"try tracepoint:syscalls:sys_enter_nanosleep\n"],
         rc=1, needs=["!kprobe", "!kfunc", "kconfig_kprobes_off"]),
    Case("no kprobes: kretprobe suggests the exit tracepoint",
         "kretprobe:do_nanosleep { exit(); }",
         [r"kretprobe:do_nanosleep: this kernel has no kprobes \(.*\); "
          r"try tracepoint:syscalls:sys_exit_nanosleep"],
         rc=1, needs=["!kprobe", "!kfunc"]),
    Case("no kprobes: vfs_read suggests sys_enter_read",
         "k:vfs_read { exit(); }",
         [r"kprobe:vfs_read: this kernel has no kprobes \(.*\); "
          r"try tracepoint:syscalls:sys_enter_read"],
         rc=1, needs=["!kprobe", "!kfunc"]),
    Case("no kprobes: wildcard",
         "kprobe:ksys_* { exit(); }",
         [r"kprobe:ksys_\*: this kernel has no kprobes"],
         rc=1, needs=["!kprobe", "!kfunc"], absent=[r"Attaching"]),
    Case("no fentry and no kprobes: kfunc message",
         "kfunc:vfs_read { exit(); }",
         [r"kfunc:vfs_read: this kernel (refuses fentry programs \(EPERM\)|[^;]*) and has "
          r"no kprobes \(.*\); try tracepoint:syscalls:sys_enter_read"],
         rc=1, needs=["!kprobe", "!kfunc"]),
    Case("no fentry and no kprobes: fexit spelling",
         "fexit:vfs_read { exit(); }",
         [r"fexit:vfs_read: this kernel .* and has no kprobes"],
         rc=1, needs=["!kprobe", "!kfunc"]),
    Case("both hidden: kprobe message",
         "kprobe:do_nanosleep { exit(); }",
         [r"kprobe:do_nanosleep: this kernel has no kprobes \(disabled by "
          r"BPFDECK_DISABLE_FEATURES\); try tracepoint:syscalls:sys_enter_nanosleep"],
         rc=1, env=NO_BOTH),
    Case("a tracepoint still works",
         "tracepoint:syscalls:sys_enter_clock_nanosleep { printf(\"tp hit\\n\"); exit(); }",
         [r"tp hit"], cmd=SLEEP, needs=["tracefs"]),

    # ---- spec errors come before the kernel's answer, on any kernel ----
    Case("kprobe with two arguments",
         "kprobe:syscalls:sys_exit_nanosleep { exit(); }",
         [r"kprobe probe type requires 1 argument"], rc=1),
    Case("no such kernel function",
         "kprobe:bpfdeck_no_such_function { exit(); }",
         [r"no kernel function 'bpfdeck_no_such_function'"], rc=1, needs=["kallsyms"]),
    Case("offset outside the function",
         "kprobe:vfs_read+1000000 { exit(); }",
         [r"Offset outside the function bounds \('vfs_read' size is \d+\)"], rc=1,
         needs=["kallsyms"]),
    Case("kretprobe takes no offset",
         "kretprobe:vfs_read+4 { exit(); }",
         [r"a return probe cannot take an offset"], rc=1),
    Case("kfunc takes no offset",
         "kfunc:vfs_read+4 { exit(); }",
         [r"kfunc probes take no offset"], rc=1),
    Case("too many programs",
         "k:* { @[probe] = count(); }",
         [r"BPFTRACE_MAX_BPF_PROGS"], rc=1),

    # ---- kprobes ----
    Case("kprobe", "kprobe:do_nanosleep { printf(\"SUCCESS %s\\n\", probe); exit(); }",
         [r"SUCCESS kprobe:do_nanosleep"], cmd=SLEEP, needs=["kprobe"]),
    Case("kprobe arguments", "kprobe:vfs_read { printf(\"count %d\\n\", arg2 > 0); exit(); }",
         [r"count 1"], cmd=READ, needs=["kprobe"]),
    Case("kprobe offset", "kprobe:vfs_read+0 { printf(\"hit\\n\"); exit(); }",
         [r"hit"], cmd=READ, needs=["kprobe"]),
    Case("kprobe func", "kprobe:vfs_read { printf(\"%s\\n\", func); exit(); }",
         [r"^vfs_read$"], cmd=READ, needs=["kprobe"]),
    Case("kretprobe retval",
         "kretprobe:vfs_read /comm == \"cat\"/ { printf(\"ret %d\\n\", retval > 0); exit(); }",
         [r"ret 1"], cmd=READ, needs=["kprobe"]),
    Case("kprobe wildcard, probe builtin",
         "kprobe:do_nanoslee* { printf(\"%s\\n\", probe); exit(); }",
         [r"Attaching 1 probe", r"kprobe:do_nanosleep"], cmd=SLEEP, needs=["kprobe"]),
    Case("kprobe wildcard over many functions",
         "kprobe:vfs_* { @[probe] = count(); } interval:ms:300 { exit(); }",
         [r"Attaching \d\d+ probes", r"@\[kprobe:vfs_read\]: \d+"], cmd=READ,
         needs=["kprobe"]),
    Case("kprobe in a module",
         "kprobe:9p:v9fs_file_open { printf(\"%s\\n\", probe); exit(); } "
         "interval:s:5 { printf(\"no 9p activity\\n\"); exit(); }",
         [r"kprobe:9p:v9fs_file_open"], cmd=READ, needs=["kprobe", "module_9p"]),
    Case("kprobe wildcard in a module",
         "kprobe:9p:v9fs_* { @[probe] = count(); } interval:s:2 { exit(); }",
         [r"@\[kprobe:9p:v9fs_\w+\]: \d+"], cmd=READ, needs=["kprobe", "module_9p"]),
    Case("kprobe on an unknown module",
         "kprobe:bpfdeck_no_module:vfs_read { exit(); }",
         [r"'bpfdeck_no_module' is no loaded kernel module"], rc=1),

    Case("override needs --unsafe", "kprobe:vfs_read { override(-1); }",
         [r"override\(\) is an unsafe function being used in safe mode"], rc=1,
         needs=["kprobe"]),
    Case("override with --unsafe on a function without error injection",
         "kprobe:vfs_read /comm == \"bpfdeck_none\"/ { override(-1); }",
         [r"ERROR: .*(override\(\) \(kernel helper bpf_override_return\) cannot be used in "
          r"kprobe probes on this kernel|error injection)"], rc=255, args=["--unsafe"],
         needs=["kprobe"]),

    # ---- kfunc / fentry ----
    Case("kfunc args", "kfunc:vfs_read { printf(\"count %d\\n\", args->count > 0); exit(); }",
         [r"count 1"], cmd=READ, needs=["kfunc"]),
    Case("kretfunc retval",
         "kretfunc:vfs_read /comm == \"cat\"/ { printf(\"ret %d %d\\n\", retval > 0, "
         "args->count > 0); exit(); }",
         [r"ret 1 1"], cmd=READ, needs=["kfunc"]),
    Case("fentry spelling", "fentry:do_nanosleep { printf(\"%s\\n\", probe); exit(); }",
         [r"fentry:do_nanosleep"], cmd=SLEEP, needs=["kfunc"]),
    Case("skboutput writes packets to a pcap file",
         "kfunc:__dev_queue_xmit { $r = skboutput(\"" + PCAP + "\", args->skb, args->skb->len, "
         "14); if ($r == 0) { printf(\"OK\\n\"); exit(); } }",
         [r"^OK$"], cmd=CONNECT, needs=["kfunc", "skboutput", "corpus"], check=check_pcap),
    Case("skboutput needs kfunc",
         "tracepoint:syscalls:sys_enter_read { $r = skboutput(\"x.pcap\", 0, 0, 0); }",
         [r"ERROR: (BPF_FUNC_skb_output is not available for your kernel version|"
          r"The skboutput function can only be used with 'kfunc', 'kretfunc' probes)"], rc=1),
    Case("a helper the probe may not call is shown at the call",
         "kfunc:vfs_read { print(path(args->file->f_path)); }",
         [r"^stdin:1:18-48: ERROR: helper bpf_d_path not supported in probe\n"
          r"kfunc:vfs_read \{ print\(path\(args->file->f_path\)\); \}\n {17}~{30}$"],
         rc=255, cmd=READ, needs=["kfunc", "dpath"]),
    Case("kfunc wildcard", "kfunc:vfs_rea* { printf(\"hit\\n\"); exit(); }",
         [r"hit"], cmd=READ, needs=["kfunc"]),
    Case("kfunc in a module",
         "kfunc:9p:v9fs_file_open { printf(\"%s %d\\n\", probe, args->file != 0); exit(); }",
         [r"kfunc:9p:v9fs_file_open 1"], cmd=READ, needs=["kfunc", "module_9p"]),
    Case("kfunc without BTF", "kfunc:bpfdeck_no_such_function { exit(); }",
         [r"no BTF for kernel function 'bpfdeck_no_such_function'"], rc=1, needs=["btf"]),

    # ---- fallbacks: the other method, with a one-line notice ----
    Case("kprobe falls back to fentry",
         "kprobe:do_nanosleep { printf(\"hit %s %d\\n\", probe, arg0 != 0); exit(); }",
         [r"(?m)^WARNING: kprobe:do_nanosleep: this kernel has no kprobes \(disabled by "
          r"BPFDECK_DISABLE_FEATURES\); attaching with fentry instead$",
          r"hit kprobe:do_nanosleep 1"],
         cmd=SLEEP, env=NO_KPROBE, needs=["kfunc"]),
    Case("kretprobe falls back to fexit",
         "kretprobe:vfs_read /comm == \"cat\"/ { printf(\"ret %d\\n\", retval > 0); exit(); }",
         [r"attaching with fexit instead", r"ret 1"], cmd=READ, env=NO_KPROBE,
         needs=["kfunc"]),
    Case("kprobe at an offset cannot fall back",
         "kprobe:vfs_read+4 { exit(); }",
         [r"kprobe:vfs_read\+4: this kernel has no kprobes \(.*\); fentry cannot attach at "
          r"an offset"], rc=1, env=NO_KPROBE, needs=["kfunc"]),
    Case("kfunc falls back to a kprobe",
         "kfunc:vfs_read { printf(\"count %d %s\\n\", args->count > 0, probe); exit(); }",
         [r"(?m)^WARNING: kfunc:vfs_read: this kernel has fentry disabled "
          r"\(BPFDECK_DISABLE_FEATURES\); attaching with a kprobe instead$",
          r"count 1 kfunc:vfs_read"], cmd=READ, env=NO_KFUNC, needs=["kprobe"]),
    Case("kretfunc falls back to a kretprobe",
         "kretfunc:vfs_read /comm == \"cat\"/ { printf(\"ret %d\\n\", retval > 0); exit(); }",
         [r"attaching with a kretprobe instead", r"ret 1"], cmd=READ, env=NO_KFUNC,
         needs=["kprobe"]),

    # ---- raw tracepoints (no kprobes needed) ----
    Case("rawtracepoint arguments",
         "rawtracepoint:sched_switch { printf(\"prev %d\\n\", arg1 != 0); exit(); }",
         [r"prev 1"], cmd=SLEEP),
    Case("rawtracepoint: more arguments than it has",
         "rawtracepoint:sched_switch { printf(\"%d\\n\", arg9); exit(); }",
         [r"reads more arguments \(argN\) than the raw tracepoint has"], rc=255),
    Case("rawtracepoint: no such tracepoint",
         "rawtracepoint:bpfdeck_no_such_event { exit(); }",
         [r"rawtracepoint:bpfdeck_no_such_event: no such raw tracepoint"], rc=255),

    Case("tracepoint falls back to a raw tracepoint",
         "tracepoint:sched:sched_switch { printf(\"prev %d\\n\", arg1 != 0); exit(); }",
         [r"(?m)^WARNING: tracepoint:sched:sched_switch: tracefs is disabled by "
          r"BPFDECK_DISABLE_FEATURES; attaching as a raw tracepoint instead$", r"prev 1"],
         cmd=SLEEP, env={"BPFDECK_DISABLE_FEATURES": "tracefs"}),
    Case("syscall tracepoints have no raw tracepoint",
         "tracepoint:syscalls:sys_enter_read { exit(); }",
         [r"tracepoint:syscalls:sys_enter_read: tracefs is disabled by BPFDECK_DISABLE_FEATURES; "
          r"syscall tracepoints have none of their own \(rawtracepoint:sys_enter sees every "
          r"system call, its number in arg1\)"], rc=1,
         env={"BPFDECK_DISABLE_FEATURES": "tracefs"}),

    # ---- iterators, watchpoints ----
    Case("iter:task", "iter:task { @n = count(); } END { printf(\"tasks %d\\n\", @n > 1); }",
         [r"tasks 1"], needs=["iter_task"]),
    Case("iter:task_file", "iter:task_file { @n = count(); } END { printf(\"files %d\\n\", @n > 1); }",
         [r"files 1"], needs=["iter_task_file"]),
    Case("watchpoint on a kernel variable",
         "watchpoint:{jiffies}:8:w { printf(\"written\\n\"); exit(); } "
         "interval:s:10 { printf(\"not written\\n\"); exit(); }",
         [r"written|this machine has no hardware breakpoints"], rc=None,
         needs=["jiffies"], absent=[r"not written"]),
    Case("watchpoint length", "watchpoint:0x1000:3:w { exit(); }",
         [r"watchpoint length must be one of \(1,2,4,8\)"], rc=1),

    # ---- the feature table ----
    Case("--info names the function list and fallbacks", None,
         [r"(?m)^  kprobe: (yes|no \(.+\))$", r"(?m)^  kfunc: (yes|no \(.+\))$",
          r"(?m)^  kernel functions from: (available_filter_functions|BTF|/proc/kallsyms)",
          r"attach fallbacks: "],
         args=["--info"]),
]


# Kernel names of the programs these cases load: the probe, as bpftool shows it
# (other tests and daemons may load programs meanwhile).
OUR_PROGS = ("kprobe", "kretprobe", "kfunc", "kretfunc", "fentry", "fexit", "iter",
             "watchpoint", "tracepoint", "interval", "BEGIN", "END", "k_", "kr_", "f_")


def run(argv, env=None, timeout=TIMEOUT, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=e, timeout=timeout, cwd=cwd)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as ex:
        return None, (ex.stdout or b"").decode("utf-8", "replace") + "\n[timed out]"


def kallsyms_addr(name):
    try:
        with open("/proc/kallsyms") as f:
            for line in f:
                w = line.split()
                if len(w) >= 3 and w[2] == name and int(w[0], 16):
                    return "0x" + w[0]
    except OSError:
        pass
    return None


def features(bpfdeck):
    rc, info = run([bpfdeck, "--info"])
    sect = info.split("\nbpfdeck\n", 1)[-1]

    def yes(name):
        return re.search(r"(?m)^  %s: yes$" % re.escape(name), sect) is not None

    def kconfig_off():
        for path in ("/proc/config.gz",):
            try:
                import gzip
                with gzip.open(path, "rt") as f:
                    return "# CONFIG_KPROBES is not set" in f.read()
            except OSError:
                pass
        return False

    # what the kernel says, for the skip lines: "kprobe: no (CONFIG_KPROBES is off)"
    f_why = dict(re.findall(r"(?m)^  (kprobe|kfunc): (no \(.*\))$", sect))
    f = {
        "kprobe": yes("kprobe"),
        "kfunc": yes("kfunc"),
        "btf": os.path.exists("/sys/kernel/btf/vmlinux"),
        "tracefs": os.path.isdir("/sys/kernel/tracing/events"),
        "kallsyms": kallsyms_addr("vfs_read") is not None,
        "module_9p": os.path.isdir("/sys/module/9p"),
        "jiffies": kallsyms_addr("jiffies_64") is not None,
        "iter_task": re.search(r"(?m)^  iter:task: yes$", info) is not None,
        "iter_task_file": re.search(r"(?m)^  iter:task_file: yes$", info) is not None,
        "kconfig_kprobes_off": kconfig_off(),
        "skboutput": re.search(r"(?m)^  skboutput: yes$", info) is not None,
        "dpath": re.search(r"(?m)^  dpath: yes$", info) is not None,
    }
    return f, f_why, info


def bpf_progs():
    """ids -> names of the kernel's BPF programs (bpftool), or None without it."""
    tool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    if not os.access(tool, os.X_OK):
        return None
    rc, out = run([tool, "-j", "prog", "show"], timeout=30)
    if rc != 0:
        return None
    try:
        return {p["id"]: p.get("name", "") for p in json.loads(out)}
    except ValueError:
        return None


CORPUS_KERNEL_TESTS = ("probe.kprobe", "probe.kretprobe", "probe.kfunc", "probe.kretfunc")


def corpus_skips(bpfdeck, root, feats, feat_why):
    """Where neither kprobes nor fentry work, the corpus runner skips the
    kprobe/kfunc tests naming the kernel's reason, as bpfdeck --info gives it."""
    name = "corpus kernel-probe tests skip with the kernel's reason"
    if feats["kprobe"] or feats["kfunc"] or not feats["corpus"]:
        return "SKIP", ["SKIP %s (needs !kprobe, !kfunc, corpus)" % name]
    runpy = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "conformance", "run.py")
    root = os.path.abspath(root)
    argv = [sys.executable, runpy, "--bpftrace", bpfdeck, "--root", root]
    for t in CORPUS_KERNEL_TESTS:
        argv += ["--filter", t]
    rc, out = run(argv, cwd=root)
    why = []
    for t in CORPUS_KERNEL_TESTS:
        kind = "kfunc" if t.endswith("func") else "kprobe"
        line = "SKIP %s (kernel: %s: %s)" % (t, kind, feat_why.get(kind, "no ("))
        if line not in out.split("\n"):
            why.append("no line %r" % line)
    if rc != 0:
        why.append("exit status %s" % rc)
    status = "FAIL" if why else "PASS"
    return status, ["%s %s" % (status, name)] + why + ["| " + l for l in out.rstrip().split("\n")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpfdeck", required=True)
    ap.add_argument("--root", default=None,
                    help="conformance test root (for kprobe_order.bt); optional")
    ap.add_argument("--filter", action="append", default=[])
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    bpfdeck = os.path.abspath(args.bpfdeck)
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return 77

    feats, feat_why, info = features(bpfdeck)
    feats["corpus"] = bool(args.root and os.path.isdir(
        os.path.join(args.root, "runtime", "scripts")))
    print("kernel %s: %s" % (os.uname().release,
                             ", ".join("%s=%s" % kv for kv in sorted(feats.items()))))
    jiffies = kallsyms_addr("jiffies_64")
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    after = None
    for c in CASES:
        if args.filter and not any(fnmatch.fnmatchcase(c.name, g) for g in args.filter):
            continue
        unmet = [n for n in c.needs
                 if (n.startswith("!") and feats.get(n[1:])) or
                 (not n.startswith("!") and not feats.get(n))]
        if unmet:
            counts["SKIP"] += 1
            print("SKIP %s (needs %s)" % (c.name, ", ".join(
                "%s: %s" % (n, feat_why[n]) if n in feat_why else n for n in unmet)))
            continue
        argv = [bpfdeck]
        prog = c.prog
        if prog and "{jiffies}" in prog:
            prog = prog.replace("{jiffies}", jiffies or "0")
        if prog is not None:
            argv += ["-e", prog]
        argv += c.args
        if c.cmd:
            argv += ["-c", c.cmd]
        # the previous case's last look serves as this one's "before" (bpftool
        # is slow in an emulated guest)
        before = after if after is not None else bpf_progs()
        if c.check and os.path.exists(PCAP):
            os.unlink(PCAP)
        start = time.monotonic()
        rc, out = run(argv, c.env, cwd=args.root or None)
        took = time.monotonic() - start
        why = []
        if c.rc is not None and rc != c.rc:
            why.append("exit status %s, expected %s" % (rc, c.rc))
        for rx in c.expect:
            if not re.search(rx, out, re.M):
                why.append("no match for /%s/" % rx)
        for rx in c.absent:
            if re.search(rx, out, re.M):
                why.append("unexpected /%s/" % rx)
        if c.check:
            why += c.check()
        # Nothing of the run may stay in the kernel (programs go after an RCU
        # grace period or two, so give them a moment).
        after = None
        if before is not None:
            for _ in range(40):
                after = bpf_progs() or {}
                left = {i: n for i, n in after.items()
                        if i not in before and n.startswith(OUR_PROGS)}
                if not left:
                    break
                time.sleep(0.1)
            if left:
                why.append("left in the kernel: %s" % ", ".join(
                    "%d %s" % kv for kv in sorted(left.items())))
        status = "FAIL" if why else "PASS"
        counts[status] += 1
        print("%s %s (%.1fs)" % (status, c.name, took))
        if why or args.verbose:
            for w in why:
                print("    " + w)
            print("    $ " + " ".join(repr(a) if " " in a else a for a in argv))
            for line in out.rstrip("\n").split("\n"):
                print("    | " + line)
        sys.stdout.flush()
    if not args.filter:
        status, lines = corpus_skips(bpfdeck, args.root, feats, feat_why)
        counts[status] += 1
        print(lines[0])
        for line in lines[1:] if status != "PASS" or args.verbose else []:
            print("    " + line)
    print("%d passed, %d failed, %d skipped" % (counts["PASS"], counts["FAIL"], counts["SKIP"]))
    if counts["FAIL"]:
        return 1
    return 0 if counts["PASS"] else 77


if __name__ == "__main__":
    sys.exit(main())
