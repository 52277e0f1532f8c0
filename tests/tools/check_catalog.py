#!/usr/bin/env python3
"""The bundled tools as a catalogue: every share/tools/*.bt has the header the
`tool` subcommand and the docs rely on, every tool has a test case in run.py,
the tools the issue asks for are all there, `bpfdeck -l tools` lists them, and
a tool whose requirement is missing says so in one line and exits 1."""
import argparse, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
TOOLS = os.path.join(SRC, "share", "tools")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import run  # noqa: E402  (its CASES)

WANTED = """execsnoop opensnoop exitsnoop killsnoop syscount runqlat runqlen offcputime
wakeuptime biolatency biosnoop bitesize vfsstat tcpconnect tcpaccept tcpretrans tcplife
gethostlatency bashreadline oomkill capable qslower fdleak""".split()
FEATURES = {"kprobe", "uprobe", "tracepoint", "perf_event", "btf", "kfunc", "raw_tp_special",
            "kprobe_multi", "uprobe_multi", "iter:task", "iter:task_file", "uprobe refcount"}

errors = []


def err(msg):
    errors.append(msg)


def header(path):
    lines = open(path).read().split("\n")
    if lines[0] != "#!/usr/bin/env bpfdeck":
        err("%s: first line must be #!/usr/bin/env bpfdeck" % path)
    out = []
    for l in lines[1:]:
        if not l.startswith("//"):
            break
        out.append(l[2:].strip())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfdeck", required=True)
    opts = ap.parse_args()
    names = sorted(f[:-3] for f in os.listdir(TOOLS) if f.endswith(".bt"))
    for w in WANTED:
        if w not in names:
            err("tool %s is missing from share/tools" % w)
    for n in names:
        path = os.path.join(TOOLS, n + ".bt")
        h = header(path)
        text = "\n".join(h)
        if not h or not re.match(re.escape(n) + r" - \S", h[0]):
            err("%s: the header must start with '// %s - summary'" % (n, n))
        keys = {}
        for l in h:
            m = re.match(r"^(requires|prefer|fallback|usage):\s+(.*)$", l)
            if m:
                keys[m.group(1)] = m.group(2)
        if "requires" not in keys:
            err("%s: no '// requires:' line" % n)
        for r in re.split(r"[,\s]+", keys.get("requires", "")):
            if r and r not in FEATURES and not re.match(r"^tracepoint:\w+:\w+$", r):
                err("%s: unknown requirement %r" % (n, r))
        if not keys.get("usage", "").startswith("bpfdeck tool " + n):
            err("%s: '// usage:' must start with 'bpfdeck tool %s'" % (n, n))
        for k in ("prefer", "fallback"):
            if k in keys and keys[k] not in names:
                err("%s: %s: %s is not a tool" % (n, k, keys[k]))
        if not re.search(r"^Example", text, re.M):
            err("%s: the header has no example output" % n)
        if not re.search(r"^Overhead:", text, re.M):
            err("%s: the header has no 'Overhead:' note" % n)
        if n not in run.CASES:
            err("%s: no test case in tests/tools/run.py" % n)
    src = {n: open(os.path.join(TOOLS, n + ".bt")).read() for n in names}
    if "offcputime" in src and not ("kstack" in src["offcputime"] and "ustack" in src["offcputime"]):
        err("offcputime must key on kstack and ustack")
    if "fdleak" in src and "ustack" not in src["fdleak"]:
        err("fdleak must keep the user stack")
    for c in run.CASES:
        if c not in names:
            err("run.py has a case for %s, which is not a tool" % c)

    ls = subprocess.run([opts.bpfdeck, "-l", "tools"], capture_output=True, text=True)
    listed = [l.split()[0] for l in ls.stdout.splitlines() if l.strip()]
    if ls.returncode or listed != names:
        err("bpfdeck -l tools: exit %d, lists %s, expected %s" % (ls.returncode, listed, names))
    # a missing requirement: one line, exit 1 (BPFDECK_DISABLE_FEATURES plays the old kernel)
    for n, feat in (("execsnoop", "btf"), ("gethostlatency", "uprobe"), ("runqlen", "perf_event")):
        env = dict(os.environ, BPFDECK_DISABLE_FEATURES=feat)
        p = subprocess.run([opts.bpfdeck, "tool", n], capture_output=True, text=True, env=env,
                           timeout=60)
        want = "ERROR: tool %s needs %s (disabled by BPFDECK_DISABLE_FEATURES)\n" % (n, feat)
        if p.returncode != 1 or p.stderr != want or p.stdout:
            err("%s without %s: exit %d, stderr %r, expected exit 1 and %r"
                % (n, feat, p.returncode, p.stderr, want))
    for args, want in ((["tool", "no-such-tool"], "ERROR: no tool named 'no-such-tool'"),
                       (["tool", "fdleak"], "USAGE: bpfdeck tool fdleak PID"),
                       (["tool", "qslower"], "USAGE: bpfdeck tool qslower BINARY [MS]")):
        p = subprocess.run([opts.bpfdeck] + args, capture_output=True, text=True, timeout=60)
        if p.returncode != 1 or not p.stderr.startswith(want):
            err("bpfdeck %s: exit %d, stderr %r, expected exit 1 and %r..."
                % (" ".join(args), p.returncode, p.stderr, want))
    for e in errors:
        print("tools-catalog: " + e)
    print("tools-catalog: %d tools, %d problems" % (len(names), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
