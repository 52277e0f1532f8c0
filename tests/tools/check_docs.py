#!/usr/bin/env python3
"""The man page and the bash completion against the tables they document.

The man page (share/man/bpfdeck.8) is written by hand, so this is what keeps
it true: it must render without groff warnings and name every option of
`bpfdeck --help` (generated from the option table), every workbench command
of `:help` (generated from the command table), every environment variable
the code reads, and every tool. The completion script is run in bash to see
that it completes options, tools and tracepoints."""
import argparse, glob, os, re, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
MAN = os.path.join(SRC, "share", "man", "bpfdeck.8")
COMPLETION = os.path.join(SRC, "share", "completion", "bpfdeck")
errors = []


def err(msg):
    errors.append(msg)


def help_options(bpfdeck):
    out = subprocess.run([bpfdeck, "--help"], capture_output=True, text=True).stdout
    opts, env, section = [], [], None
    for line in out.splitlines():
        if re.match(r"^[A-Z ]+:$", line):
            section = line
            continue
        m = re.match(r"^    (-[^\s,]+)(?:, (--\S+))?", line)
        if m and "OPTIONS" in (section or ""):
            opts += [o for o in m.groups() if o]
        m = re.match(r"^    ([A-Z_]+)\s", line)
        if m and section == "ENVIRONMENT:":
            env.append(m.group(1))
    return opts, env


def workbench_commands(bpfdeck):
    p = subprocess.run([bpfdeck, "--batch", "-"], input=":help\n", capture_output=True,
                       text=True, timeout=60)
    return re.findall(r"^  :(\w[\w-]*)", p.stdout, re.M)


def code_env_vars():
    names = set()
    for d in ("lang", "runtime", "ui", "src"):
        for path in glob.glob(os.path.join(SRC, d, "**", "*.c"), recursive=True):
            names.update(re.findall(r'getenv\("((?:BPFTRACE|BPFDECK)_[A-Z_]+|NO_COLOR)"\)',
                                    open(path, errors="replace").read()))
    return names


def rendered():
    """The man page as text, hyphens as typed."""
    env = dict(os.environ, MANWIDTH="200")
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P-cbou", MAN],
                           capture_output=True, text=True, env=env)
        if p.stderr.strip():
            err("groff warnings: " + p.stderr.strip())
        return p.stdout.replace("\u2010", "-").replace("\u2212", "-")
    return open(MAN).read().replace("\\-", "-")


def complete(line):
    """What the completion script offers for `bpfdeck LINE` (bash, no bash-completion)."""
    script = r'''
source "$1"
COMP_LINE="$2 $3"
COMP_POINT=${#COMP_LINE}
read -r -a COMP_WORDS <<<"$(printf '%s' "$COMP_LINE" | sed 's/:/ : /g')"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_bpfdeck
printf '%s\n' "${COMPREPLY[@]}"
'''
    p = subprocess.run(["bash", "-c", script, "bash", COMPLETION, opts.bpfdeck, line],
                       capture_output=True, text=True, timeout=60)
    return p.stdout.split()


def main():
    global opts
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfdeck", required=True)
    opts = ap.parse_args()
    text = rendered()
    words = set(re.findall(r"[-\w.:@]+", text))
    options, env = help_options(opts.bpfdeck)
    if len(options) < 10:
        err("could not read the options from bpfdeck --help: %s" % options)
    for o in options:
        if o not in words:
            err("man page: option %s (bpfdeck --help) is not documented" % o)
    for v in sorted(set(env) | code_env_vars()):
        if v not in words:
            err("man page: environment variable %s is not documented" % v)
    cmds = workbench_commands(opts.bpfdeck)
    if len(cmds) < 5:
        err("could not read the workbench commands from :help: %s" % cmds)
    for c in cmds:
        if ":" + c not in words:
            err("man page: workbench command :%s is not documented" % c)
    tools = sorted(f[:-3] for f in os.listdir(os.path.join(SRC, "share", "tools")) if f.endswith(".bt"))
    for t in tools:
        if t not in words:
            err("man page: tool %s is not documented" % t)
    for section in ("SYNOPSIS", "OPTIONS", "TOOLS", "WORKBENCH", "ENVIRONMENT", "EXIT STATUS",
                    "EXAMPLES"):
        if not re.search(r"^" + section + r"$", text, re.M):
            err("man page: no %s section" % section)

    got = complete("-")
    for o in options:
        if o not in got:
            err("completion: option %s is not offered after '-' (got %s)" % (o, got))
    for line, want in (("--i", ["--include", "--info"]), ("tool ex", ["execsnoop", "exitsnoop"]),
                       ("-q tool tcpl", ["tcplife"]), ("-f ", ["json", "text"]),
                       ("-l t", ["tools", "tracepoint:"])):
        if sorted(complete(line)) != sorted(want):
            err("completion of %r: %s, expected %s" % (line, complete(line), want))
    if os.path.isdir("/sys/kernel/tracing/events/sched"):
        got = complete("-l tracepoint:sched:sched_swi")
        if got != ["sched_switch"]:
            err("completion of '-l tracepoint:sched:sched_swi': %s, expected sched_switch" % got)
    for e in errors:
        print("docs: " + e)
    print("docs: %d options, %d commands, %d tools checked; %d problems"
          % (len(options), len(cmds), len(tools), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
