#!/usr/bin/env python3
"""Get one process OOM-killed inside a small memory cgroup of its own.

The cgroup is created below the caller's own memory cgroup (v2, or the v1
memory controller), so the machine's memory is never at risk; it is removed
afterwards. Exit 77 (skip) when no memory cgroup can be made."""
import os, signal, subprocess, sys, time

LIMIT = 48 << 20


def own_cgroup():
    for line in open("/proc/self/cgroup"):
        hid, ctrls, path = line.rstrip("\n").split(":", 2)
        if "memory" in ctrls.split(","):
            for root in ("/sys/fs/cgroup/memory", "/sys/fs/cgroup"):
                if os.path.exists(root + path + "/memory.limit_in_bytes"):
                    return root + path, "v1"
        if hid == "0":
            for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
                d = root + path
                try:
                    if "memory" in open(d + "/cgroup.controllers").read().split():
                        return d, "v2"
                except OSError:
                    pass
    return None, None


parent, kind = own_cgroup()
if not parent:
    print("oom.py: no memory cgroup available", file=sys.stderr)
    sys.exit(77)
cg = os.path.join(parent, "bpfdeck-oomtest-%d" % os.getpid())
try:
    os.mkdir(cg)
except OSError as e:
    print("oom.py: cannot create %s: %s" % (cg, e), file=sys.stderr)
    sys.exit(77)
try:
    if kind == "v1":
        open(cg + "/memory.limit_in_bytes", "w").write(str(LIMIT))
    else:
        open(cg + "/memory.max", "w").write(str(LIMIT))
        try:
            open(cg + "/memory.swap.max", "w").write("0")
        except OSError:
            pass
    # the child joins the cgroup before it allocates: 'x' * N writes every page
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import os,sys; open(sys.argv[1] + '/cgroup.procs','w').write(str(os.getpid()));"
         "b = 'x' * (512 << 20); print('survived')", cg])
    rc = child.wait(timeout=60)
    print("oom.py: child exit status %d" % rc)
    sys.exit(0 if rc == -signal.SIGKILL else 1)
finally:
    for _ in range(50):
        try:
            os.rmdir(cg)
            break
        except OSError:
            time.sleep(0.1)
