#!/usr/bin/env python3
"""The short fuzz run of CI: each libFuzzer target for N seconds.

Runs the targets of a -DBPFDECK_FUZZ=ON build from the seed corpus plus the
corpus earlier runs kept (FUZZ_DIR/corpus/TARGET), and writes a JUnit file
with one test case per target for tests/summary.py. A crash, leak or timeout
fails its target; the input is kept in FUZZ_DIR/artifacts/ and its report is
printed (symbolized afterwards: the symbolizer can hang inside a crashing
fuzzer). Once fixed, the input goes to tests/fuzz/regressions/TARGET/.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

TARGETS = ["fuzz_parse", "fuzz_sema", "fuzz_compile"]
HERE = os.path.dirname(os.path.abspath(__file__))


def run_target(build, target, seconds, jobs_dir):
    exe = os.path.join(build, "tests", "fuzz", target)
    seeds = os.path.join(build, "tests", "fuzz", "seeds")
    corpus = os.path.join(build, "corpus", target)
    arts = os.path.join(build, "artifacts", target)
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(arts, exist_ok=True)
    regress = os.path.join(HERE, "regressions", target)
    env = dict(os.environ, ASAN_OPTIONS="symbolize=0:detect_leaks=1",
               UBSAN_OPTIONS="symbolize=0:print_stacktrace=1:halt_on_error=1")
    argv = [exe, f"-max_total_time={seconds}", "-timeout=20", "-rss_limit_mb=3072",
            "-max_len=4096", f"-dict={os.path.join(HERE, 'bpftrace.dict')}",
            f"-artifact_prefix={arts}/", "-print_final_stats=1", corpus, seeds]
    if os.path.isdir(regress):
        argv.append(regress)
    log_path = os.path.join(jobs_dir, f"{target}.log")
    t0 = time.monotonic()
    with open(log_path, "wb") as log:
        try:
            rc = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                timeout=seconds + 300).returncode
        except subprocess.TimeoutExpired:
            rc = -1
    dt = time.monotonic() - t0
    with open(log_path, errors="replace") as f:
        text = f.read()
    execs = "?"
    for line in text.splitlines():
        if line.startswith("stat::number_of_executed_units:"):
            execs = line.split(":")[-1].strip()
    if rc == 0:
        return True, f"{target}: {execs} runs in {dt:.0f}s, nothing found", dt
    found = sorted(os.listdir(arts), key=lambda n: os.path.getmtime(os.path.join(arts, n)))
    msg = f"{target}: exit status {rc} after {dt:.0f}s ({execs} runs)"
    if found:
        art = os.path.join(arts, found[-1])
        msg += f"; input kept in {art}"
        # the report again, symbolized, from the kept input
        try:
            rep = subprocess.run([exe, art], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 timeout=120, env=dict(os.environ, ASAN_OPTIONS="symbolize=1"))
            msg += "\n" + rep.stdout.decode(errors="replace")[-6000:]
        except subprocess.TimeoutExpired:
            msg += "\n" + text[-6000:]
    else:
        msg += "\n" + text[-6000:]
    return False, msg, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="a -DBPFDECK_FUZZ=ON build directory")
    ap.add_argument("--seconds", type=int, default=60, help="per target")
    ap.add_argument("--junit", required=True)
    a = ap.parse_args()

    build = os.path.abspath(a.build)
    jobs = os.path.join(build, "fuzz-logs")
    os.makedirs(jobs, exist_ok=True)
    suite = ET.Element("testsuite", name="fuzz")
    failed = 0
    for t in TARGETS:
        case = ET.SubElement(suite, "testcase", name=f"fuzz-short-{t}", classname="fuzz")
        if not os.path.exists(os.path.join(build, "tests", "fuzz", t)):
            ET.SubElement(case, "failure", message="not built")
            print(f"fuzz: {t}: not built")
            failed += 1
            continue
        ok, msg, dt = run_target(build, t, a.seconds, jobs)
        case.set("time", f"{dt:.1f}")
        print(f"fuzz: {msg}", flush=True)
        if not ok:
            ET.SubElement(case, "failure", message=msg.splitlines()[0]).text = msg
            failed += 1
    suite.set("tests", str(len(TARGETS)))
    suite.set("failures", str(failed))
    ET.ElementTree(suite).write(a.junit, encoding="utf-8", xml_declaration=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
