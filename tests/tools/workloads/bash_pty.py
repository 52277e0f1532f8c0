#!/usr/bin/env python3
"""Type commands into an interactive bash on a pseudo-terminal (so readline runs)."""
import os, pty, select, sys, time

lines = sys.argv[1:] or ["echo bpfdeck-readline-test"]
pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/bash", ["bash", "--norc", "--noprofile", "-i"])
out = b""


def drain(t, prompt=False):
    """Read what bash writes for t seconds, or until its next prompt."""
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
            if prompt and out.rstrip(b" ").endswith((b"#", b"$")):
                out = b""
                return


# type each line only at a prompt, when bash is inside readline()
drain(5, prompt=True)
for line in lines + ["exit"]:
    os.write(fd, line.encode() + b"\n")
    drain(5, prompt=True)
os.waitpid(pid, 0)
