#!/usr/bin/env python3
"""Build the .deb with CPack and check what it installs.

    check_deb.py --build DIR [--install]

Always: cpack builds the package; its control fields are checked; it is
unpacked with `dpkg -x` into a scratch root where the files must be where
Debian expects them, the unpacked binary must find its tools next to it
(`-l tools`, `tool NAME`), the man page must render with `man -l` and the
completion must load. With --install (root only; it changes the system):
`dpkg -i`, then the installed `bpfdeck`, `man bpfdeck` and the completion are
checked, then `dpkg -P` must remove every file again. Skipped (77) without
dpkg-deb, or with --install when bpfdeck is already installed by dpkg."""
import argparse, glob, os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SKIP = 77
errors = []


def err(msg):
    errors.append(msg)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def check_files(root, tools):
    want = ["usr/bin/bpfdeck", "usr/share/man/man8/bpfdeck.8.gz",
            "usr/share/bash-completion/completions/bpfdeck", "usr/share/doc/bpfdeck/copyright",
            "usr/share/bpfdeck/sessions/default.session"]
    want += ["usr/share/bpfdeck/tools/%s.bt" % t for t in tools]
    for f in want:
        if not os.path.isfile(os.path.join(root, f)):
            err("%s is not installed" % f)
    if not os.access(os.path.join(root, "usr/bin/bpfdeck"), os.X_OK):
        err("usr/bin/bpfdeck is not executable")


def check_binary(bpfdeck, tools, env=None):
    p = run([bpfdeck, "-l", "tools"], env=env)
    listed = [l.split()[0] for l in p.stdout.splitlines() if l.strip()]
    if p.returncode or listed != tools:
        err("%s -l tools: exit %d, %s; expected %s (%s)" % (bpfdeck, p.returncode, listed, tools,
                                                           p.stderr.strip()))
    p = run([bpfdeck, "tool", "fdleak"], env=env)
    if p.returncode != 1 or not p.stderr.startswith("USAGE: bpfdeck tool fdleak PID"):
        err("%s tool fdleak: exit %d, %r" % (bpfdeck, p.returncode, p.stderr))


def check_man(path_or_name):
    p = run(["man", "-P", "cat", "-l", path_or_name] if os.path.sep in path_or_name
            else ["man", "-P", "cat", path_or_name], env=dict(os.environ, MANWIDTH="100"))
    if p.returncode or "bpfdeck -l tools" not in p.stdout.replace("\u2010", "-"):
        err("man %s: exit %d, %d bytes of text (%s)" % (path_or_name, p.returncode,
                                                         len(p.stdout), p.stderr.strip()))


def check_completion(path):
    p = run(["bash", "-c", 'source "$1" && complete -p bpfdeck', "bash", path])
    if p.returncode or "_bpfdeck" not in p.stdout:
        err("completion %s does not load: %s" % (path, p.stderr.strip()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="the CMake build directory")
    ap.add_argument("--install", action="store_true", help="also dpkg -i and dpkg -P (root)")
    opts = ap.parse_args()
    for tool in ("cpack", "dpkg-deb", "man"):
        if not shutil.which(tool):
            print("deb: %s not found: skipped" % tool)
            return SKIP
    if opts.install:
        if os.geteuid() != 0:
            print("deb: --install needs root: skipped")
            return SKIP
        if run(["dpkg-query", "-W", "-f=${Status}", "bpfdeck"]).stdout.endswith("installed"):
            print("deb: bpfdeck is already installed by dpkg: not touching it, skipped")
            return SKIP
    tools = sorted(f[:-3] for f in os.listdir(os.path.join(SRC, "share", "tools")) if f.endswith(".bt"))
    work = tempfile.mkdtemp(prefix="debtest-", dir=opts.build)
    try:
        p = run(["cpack", "--config", os.path.join(opts.build, "CPackConfig.cmake"), "-B", work])
        debs = glob.glob(os.path.join(work, "bpfdeck_*.deb"))
        if p.returncode or len(debs) != 1:
            print("deb: cpack failed (exit %d):\n%s%s" % (p.returncode, p.stdout, p.stderr))
            return 1
        deb = debs[0]
        print("deb: built %s (%d kB)" % (os.path.basename(deb), os.path.getsize(deb) // 1024))
        ctl = run(["dpkg-deb", "-f", deb]).stdout
        for field, pat in (("Package", r"^bpfdeck$"), ("Architecture", r"^\S+$"),
                           ("Depends", r"\blibbpf1\b.*\blibelf1\b"), ("Maintainer", r"\S"),
                           ("Description", r"\S")):
            m = re.search(r"^%s: (.*)$" % field, ctl, re.M)
            if not m or not re.search(pat, m.group(1)):
                err("control field %s: %r" % (field, m.group(1) if m else None))
        root = os.path.join(work, "root")
        p = run(["dpkg-deb", "-x", deb, root])
        if p.returncode:
            err("dpkg-deb -x: " + p.stderr)
        check_files(root, tools)
        # the unpacked binary finds the tools next to it (BIN/../share/bpfdeck/tools)
        env = {k: v for k, v in os.environ.items() if k != "BPFDECK_TOOLS_DIR"}
        extra = os.path.join(root, "usr/share/bpfdeck/tools/zz-scratch-root.bt")
        with open(extra, "w") as f:
            f.write("#!/usr/bin/env bpfdeck\n// zz-scratch-root - only in the unpacked package\n"
                    "// requires: tracepoint\n// usage: bpfdeck tool zz-scratch-root PID\n")
        check_binary(os.path.join(root, "usr/bin/bpfdeck"), sorted(tools + ["zz-scratch-root"]), env)
        os.unlink(extra)
        check_man(os.path.join(root, "usr/share/man/man8/bpfdeck.8.gz"))
        check_completion(os.path.join(root, "usr/share/bash-completion/completions/bpfdeck"))

        if opts.install and not errors:
            p = run(["dpkg", "-i", deb])
            if p.returncode:
                err("dpkg -i: " + p.stdout + p.stderr)
            else:
                try:
                    check_binary("/usr/bin/bpfdeck", tools, env)
                    check_man("bpfdeck")
                    if run(["man", "-w", "bpfdeck"]).stdout.strip() != "/usr/share/man/man8/bpfdeck.8.gz":
                        err("man -w bpfdeck: " + run(["man", "-w", "bpfdeck"]).stdout)
                    check_completion("/usr/share/bash-completion/completions/bpfdeck")
                finally:
                    files = run(["dpkg", "-L", "bpfdeck"]).stdout.split()
                    p = run(["dpkg", "-P", "bpfdeck"])
                    if p.returncode:
                        err("dpkg -P: " + p.stdout + p.stderr)
                    left = [f for f in files if os.path.isfile(f)]
                    if left:
                        err("files left after dpkg -P: %s" % left)
                    if run(["dpkg-query", "-W", "-f=${Status}", "bpfdeck"]).stdout.endswith(" installed"):
                        err("dpkg still lists bpfdeck as installed")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for e in errors:
        print("deb: " + e)
    print("deb: %d problems" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
