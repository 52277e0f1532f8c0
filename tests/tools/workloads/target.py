#!/usr/bin/env python3
"""A process for tools that trace one PID: prints "ready", waits for SIGUSR1,
then does MODE, prints "done" and sleeps until killed.
  getppid   1000 getppid(2) calls
  sleep     five 50 ms sleeps (off-CPU time, timer wakeups)
  nice      nice(-1), which needs CAP_SYS_NICE"""
import os, signal, sys, time

mode = sys.argv[1]
go = []
signal.signal(signal.SIGUSR1, lambda *a: go.append(1))
print("ready", flush=True)
while not go:
    signal.pause()
if mode == "getppid":
    for _ in range(1000):
        os.getppid()
elif mode == "sleep":
    for _ in range(5):
        time.sleep(0.05)
elif mode == "nice":
    os.nice(-1)
else:
    sys.exit("target.py: unknown mode %s" % mode)
print("done", flush=True)
while True:
    signal.pause()
