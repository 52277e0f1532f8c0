#!/usr/bin/env python3
"""The bad-input catalogue: malformed programs must be refused cleanly.

Every case is run as `bpfdeck FILE` (a few also as -e and on stdin) and must:
  - exit with status 1, without a signal or a sanitizer report;
  - print its first error as FILE:LINE:COL-END: ERROR: ..., followed by the
    source line and a caret line marking the span (bpftrace 0.17's layout,
    which prints neither when the line is empty or past the end);
  - match the case's expectation (line, a message regex, and the column where
    it is the point of the case; exact columns are the conformance suite's job);
  - make no bpf()/perf_event_open call that loads or attaches anything
    (checked with strace when it is installed and --no-strace is not given);
  - finish within the time limit.

Cases are cases/*.bt (header: `// expect: LINE:COL REGEX`, COL may be *;
`// xfail: WHY` for a known gap: reported, not failed, until it passes) plus
generated ones below (1 MB programs, deep nesting, NUL bytes, invalid UTF-8).
"""
import argparse
import concurrent.futures
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HEADER_RE = re.compile(rb"^//\s*(expect|xfail):\s*(.*?)\s*$")
DIAG_RE = re.compile(rb"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)-(?P<end>\d+): ERROR: (?P<msg>.*)$")
SPAN_RE = re.compile(rb"^(?P<file>.+?):(?P<line>\d+)-(?P<line2>\d+): ERROR: (?P<msg>.*)$")
SANITIZER_RE = re.compile(rb"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:")
# bpf() commands that put something in the kernel that could run
STRACE_BAD_RE = re.compile(
    r"bpf\((BPF_PROG_LOAD|BPF_LINK_CREATE|BPF_RAW_TRACEPOINT_OPEN|BPF_PROG_ATTACH)|perf_event_open\(")


# lang/diag.h's DIAG_MAX_ERRORS: errors printed before "too many errors"
MAX_ERRORS = 50


class Case:
    def __init__(self, name, data, expect=None, xfail=None, mode="file", limit=None):
        self.name = name
        self.data = data            # bytes
        self.expect = expect        # (line, col, regex bytes) or None
        self.xfail = xfail
        self.mode = mode            # file, e, stdin
        self.limit = limit


def parse_expect(text):
    m = re.match(rb"(\d+):(\d+|\*)\s+(.*)$", text)
    if not m:
        raise ValueError(f"bad expect line: {text!r}")
    return int(m.group(1)), None if m.group(2) == b"*" else int(m.group(2)), m.group(3)


def load_cases(d):
    cases = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".bt"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        expect = xfail = None
        for line in data.split(b"\n"):
            m = HEADER_RE.match(line)
            if not m:
                break
            if m.group(1) == b"expect":
                expect = parse_expect(m.group(2))
            else:
                xfail = m.group(2).decode(errors="replace")
        cases.append(Case(name[:-3], data, expect, xfail))
    return cases


def generated_cases():
    """Inputs too big or too binary to check in as files."""
    rnd = random.Random(9)
    mb = 1 << 20
    c = []

    def add(name, data, expect=None, **kw):
        if isinstance(data, str):
            data = data.encode()
        if expect and isinstance(expect[2], str):
            expect = (expect[0], expect[1], expect[2].encode())
        c.append(Case(name, data, expect, **kw))

    # 1 MB programs: the error is at the very end, found quickly, printed once
    clause = "BEGIN { @x = 1; }\n"
    n = mb // len(clause)
    add("mb_syntax_error_at_end", clause * n + "BEGIN { @x = ; }\n",
        (n + 1, 14, r"syntax error, unexpected ;"))
    body = "\t@x = 1;\n"
    n = mb // len(body)
    add("mb_sema_error_at_end", "BEGIN {\n" + body * n + "\tnosuchfunc();\n}\n",
        (n + 2, 2, r"Unknown function: nosuchfunc"))
    add("mb_many_sema_errors", "BEGIN { nosuch(); }\n" * (mb // 20),
        (1, 9, r"Unknown function: nosuch"))
    add("mb_printable_garbage",
        "".join(rnd.choice("abc{}()[];:@$#/*+-=!<>\"' \n\t0123") for _ in range(mb)))
    add("mb_random_bytes", bytes(rnd.randrange(256) for _ in range(mb)))
    add("mb_unterminated_comment", "BEGIN { exit(); }\n/*" + "x" * mb,
        (2, 1, r"end of file during comment"))
    # deep nesting: the parser's stack, then the tree's depth, are bounded
    add("deep_parens", "BEGIN { $x = " + "(" * 100000 + "1" + ")" * 100000 + "; }\n",
        (1, 14, r"nested too deeply"))
    add("deep_left_chain", "BEGIN { $x = 1" + " + 1" * 100000 + "; }\n",
        (1, None, r"nested too deeply"))
    add("deep_unary", "BEGIN { $x = " + "!" * 100000 + "1; }\n",
        (1, None, r"nested too deeply"))
    add("deep_if", "BEGIN { " + "if (1) { " * 5000 + "}" * 5000 + " }\n",
        (1, None, r"nested too deeply"))
    add("deep_else_if", "BEGIN { $x = 1; if ($x) { }" + " else if ($x) { }" * 20000 + " }\n",
        (1, None, r"nested too deeply"))
    add("deep_field_chain", "BEGIN { $x = 1; @y = $x" + ".a" * 100000 + "; }\n",
        (1, None, r"nested too deeply"))
    add("deep_ternary", "BEGIN { $x = " + "1 ? " * 20000 + "1" + " : 2" * 20000 + "; }\n",
        (1, None, r"nested too deeply"))
    add("deep_cast", "BEGIN { $x = " + "(uint8)" * 50000 + "1; }\n",
        (1, None, r"nested too deeply"))
    # NUL bytes: an error at the NUL, and never a silently shortened program
    # (an error's column is where its run of non-blank text starts, as in bpftrace)
    add("nul_in_code", b"BEGIN { @x = 1;\0 }\n", (1, 14, r"invalid character '\\x00'"))
    add("nul_in_string", b'BEGIN { printf("a\0b\\n"); }\n', (1, None, r"."))
    add("nul_in_comment_is_reported", b"BEGIN { exit(); } // \0\nBEGIN { nosuch(); }\n",
        (1, 19, r"invalid character '\\x00'"))
    add("nul_after_program", b"BEGIN { exit(); }\n\0", (2, 1, r"invalid character '\\x00'"))
    add("nul_only", b"\0\0\0", (1, 1, r"invalid character '\\x00'"))
    # invalid UTF-8 (and valid UTF-8 where bpftrace takes none)
    add("utf8_invalid_byte", b"BEGIN { @x = \xff; }\n", (1, 14, r"invalid character '\\xff'"))
    add("utf8_overlong", b"BEGIN { @x = \xc0\xaf; }\n", (1, 14, r"invalid character"))
    add("utf8_surrogate", b"BEGIN { @x = \xed\xa0\x80; }\n", (1, 14, r"invalid character"))
    add("utf8_truncated_at_eof", b"BEGIN { exit(); } \xe2\x82", (1, None, r"invalid character"))
    add("utf8_in_identifier", "BEGIN { @\u00e9t\u00e9 = 1; }\n", (1, None, r"invalid character"))
    add("utf8_in_attach_point", "tracepoint:sysc\u00e4lls:x { }\n", (1, None, r"."))
    add("utf8_before_error", "/* \u00e9\u00e9\u00e9 */ BEGIN { nosuch(); }\n",
        (1, 22, r"Unknown function: nosuch"))   # columns count bytes
    # the same reporting for -e and stdin
    add("e_missing_brace", "BEGIN { printf(\"x\\n\");", (1, None, r"unexpected end of file"),
        mode="e")
    add("e_unknown_function", "BEGIN { nosuch(); }", (1, 9, r"Unknown function: nosuch"),
        mode="e")
    add("stdin_type_mismatch", "BEGIN { @x = 1; @x = \"s\"; }\n",
        (1, 17, r"Type mismatch for @x"), mode="stdin")
    add("empty_file", b"", (1, 1, r"."))
    return c


def expand_tabs(line):
    return line.replace(b"\t", b"    ")


def source_line(data, n):
    """Line n (from 1) as the CLI shows it: NULs as blanks, CR dropped."""
    lines = data.split(b"\n")
    if n < 1 or n > len(lines):
        return None
    s = lines[n - 1].replace(b"\0", b" ")
    return s[:-1] if s.endswith(b"\r") else s


def check_caret(data, lines, i, line, col, end):
    """lines[i] is the diagnostic; the source and caret lines follow."""
    src = source_line(data, line)
    if not src:
        # bpftrace prints neither for an empty or missing line
        return None
    shown = expand_tabs(src)
    if i + 1 >= len(lines):
        return "no source line after the diagnostic"
    if lines[i + 1] != shown:
        return f"source line shown as {lines[i + 1][:80]!r}, expected {shown[:80]!r}"
    if i + 2 >= len(lines):
        return "no caret line"
    caret = lines[i + 2]
    if not re.fullmatch(rb"[ ~]*", caret):
        return f"caret line {caret[:80]!r} is not spaces and '~'"
    # the marks sit under [col, end) of the raw line, each tab four wide
    want = bytearray()
    for x, ch in enumerate(src[:max(end - 1, 0)]):
        want += (b" " if x < col - 1 else b"~") * (4 if ch == 9 else 1)
    if caret != bytes(want):
        return f"caret line {caret[:80]!r} does not mark columns {col}-{end}"
    return None


def strace_ok():
    return shutil.which("strace") is not None


def run_case(case, bpfdeck, tmp, use_strace, timeout, env):
    path = os.path.join(tmp, case.name + ".bt")
    with open(path, "wb") as f:
        f.write(case.data)
    if case.mode == "e":
        argv, shown, stdin = [bpfdeck, "-e", case.data.decode("utf-8", "surrogateescape")], b"stdin", None
    elif case.mode == "stdin":
        argv, shown, stdin = [bpfdeck, "-"], b"stdin", case.data
    else:
        argv, shown, stdin = [bpfdeck, path], path.encode(), None
    slog = os.path.join(tmp, case.name + ".strace")
    if use_strace:
        argv = ["strace", "-f", "-qq", "-e", "trace=bpf,perf_event_open", "-o", slog] + argv
    t0 = time.monotonic()
    # its own process group: on a timeout strace and bpfdeck go together (killing
    # strace alone detaches a bpfdeck that keeps running, its programs loaded)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(stdin, timeout=case.limit or timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return [f"did not finish within {case.limit or timeout}s"], 0.0
    p = subprocess.CompletedProcess(argv, proc.returncode, out, err)
    dt = time.monotonic() - t0
    problems = []
    if p.returncode < 0 or p.returncode >= 128:
        problems.append(f"crashed: exit status {p.returncode}")
    elif p.returncode != 1:
        problems.append(f"exit status {p.returncode}, expected 1")
    if SANITIZER_RE.search(p.stderr):
        m = SANITIZER_RE.search(p.stderr)
        problems.append("sanitizer report: " +
                        p.stderr[max(0, m.start() - 200):m.start() + 600].decode(errors="replace"))
    lines = p.stderr.split(b"\n")
    first = None
    for i, line in enumerate(lines):
        if b"ERROR" in line:
            first = i
            break
    if first is None:
        problems.append("no ERROR line on stderr")
    else:
        m = DIAG_RE.match(lines[first])
        if not m:
            if SPAN_RE.match(lines[first]):
                problems.append(f"error has a line span but no column: {lines[first][:120]!r}")
            else:
                problems.append(f"first error has no FILE:LINE:COL: {lines[first][:120]!r}")
        else:
            line, col, end = int(m.group("line")), int(m.group("col")), int(m.group("end"))
            if m.group("file") != shown:
                problems.append(f"error names file {m.group('file')!r}, expected {shown!r}")
            why = check_caret(case.data, lines, first, line, col, end)
            if why:
                problems.append(why)
            if case.expect:
                eline, ecol, ere = case.expect
                if line != eline or (ecol is not None and col != ecol):
                    problems.append(f"error at {line}:{col}, expected {eline}:{ecol if ecol else '*'}")
                if not re.search(ere, m.group("msg")):
                    problems.append(f"message {m.group('msg')[:120]!r} does not match {ere!r}")
    nerr = sum(1 for l in lines if re.match(rb"^(.+?:\d+[:-]\d+.*: )?ERROR: ", l))
    if nerr > MAX_ERRORS + 1:
        problems.append(f"{nerr} errors printed: more than {MAX_ERRORS} and a 'too many errors' line")
    if p.stdout.strip():
        problems.append(f"printed on stdout: {p.stdout[:120]!r}")
    if use_strace and os.path.exists(slog):
        with open(slog, errors="replace") as f:
            bad = [l.strip() for l in f if STRACE_BAD_RE.search(l)]
        if bad:
            problems.append("loaded or attached something: " + "; ".join(bad[:3]))
    return problems, dt


def bpf_prog_ids():
    if not shutil.which("bpftool"):
        return None
    try:
        out = subprocess.run(["bpftool", "prog", "show"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=30).stdout.decode(errors="replace")
    except (subprocess.TimeoutExpired, OSError):
        return None
    return set(re.findall(r"^(\d+):", out, re.M))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bpfdeck", required=True)
    ap.add_argument("--cases", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases"))
    ap.add_argument("--filter", default="", help="regex on case names")
    ap.add_argument("--no-strace", action="store_true",
                    help="skip the strace check (sanitizer builds: LeakSanitizer cannot run traced)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    ap.add_argument("--no-generated", action="store_true")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1, help="cases run at once")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()

    cases = load_cases(a.cases) + ([] if a.no_generated else generated_cases())
    cases = [c for c in cases if re.search(a.filter, c.name)]
    use_strace = not a.no_strace and strace_ok()
    if not a.no_strace and not use_strace:
        print("badinput: strace not installed: the nothing-loaded check is skipped")
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if use_strace:
        # LeakSanitizer cannot stop a traced process's threads
        env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
    before = bpf_prog_ids()
    failed, xfailed, xpassed, passed = [], [], [], 0
    with tempfile.TemporaryDirectory(prefix="bpfdeck-badinput-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=max(a.j, 1)) as pool:
        runs = [pool.submit(run_case, case, a.bpfdeck, tmp, use_strace, a.timeout, env)
                for case in cases]
        for case, fut in zip(cases, runs):
            problems, dt = fut.result()
            if case.xfail:
                if problems:
                    xfailed.append(case.name)
                    print(f"XFAIL {case.name}: {case.xfail}")
                    if a.v:
                        for p in problems:
                            print(f"    {p}")
                else:
                    xpassed.append(case.name)
                    print(f"XPASS {case.name}: passes now; remove its xfail line")
                continue
            if problems:
                failed.append(case.name)
                print(f"FAIL  {case.name} ({dt:.2f}s)")
                for p in problems:
                    print(f"    {p}")
            else:
                passed += 1
                if a.v:
                    print(f"ok    {case.name} ({dt:.2f}s)")
    after = bpf_prog_ids()
    if before is not None and after is not None:
        left = after - before
        if left:
            # other runs on this machine may own them: a hint, the strace check decides
            print(f"badinput: note: {len(left)} BPF programs appeared during the run "
                  f"(ids {sorted(left, key=int)[:10]})")
    print(f"badinput: {passed} passed, {len(failed)} failed, {len(xfailed)} known gaps (xfail), "
          f"{len(xpassed)} unexpectedly passing")
    if failed:
        print("badinput: failed: " + " ".join(failed))
    return 1 if failed or xpassed else 0


if __name__ == "__main__":
    sys.exit(main())
