#!/bin/sh
# guest-conformance: runs inside a kernel-VM guest (run-vm.sh), as one of several
# guests sharing a queue of corpus suites.
#   guest-conformance.sh QUEUE_DIR "SUITE..." RUN.PY-ARGS...
# Takes suites in the order given, each that no other guest took first (mkdir on
# the read-write share is the lock), and runs tests/conformance/run.py on it (the
# suite "kprobe" is tests/kprobe/run.py on $BPFDECK_BIN, root $BPFDECK_ROOT);
# QUEUE_DIR/SUITE/out gets the output and QUEUE_DIR/SUITE/rc the exit status.
# A quiet guest lacks the background activity the corpus takes for granted (a
# page fault, a read, a context switch every so often): a small loop provides it.
# BPFDECK_BIN and BPFDECK_ROOT: the bpfdeck binary and the corpus root.
queue=$1
suites=$2
shift 2
runpy=$(dirname "$0")/../conformance/run.py
( while :; do /bin/true; /bin/sleep 0.2; done ) >/dev/null 2>&1 &
noise=$!
# A fresh kernel drops what its first bpf_trace_printk() writes (seen on 6.1: the
# first debugf() of a boot never reaches the trace buffer, the second does); the
# host's kernel is long past that, so spend the first one here.
"$BPFDECK_BIN" -e 'BEGIN { debugf("bpfdeck-vm warm-up"); exit(); }' >/dev/null 2>&1
# probe.kprobe_offset_module probes nf_tables, which a desktop or server has loaded
modprobe nf_tables 2>/dev/null
for s in $suites; do
	mkdir "$queue/$s" 2>/dev/null || continue
	echo "${BPFDECK_GUEST:-guest}: suite $s"
	echo "${BPFDECK_GUEST:-guest}" >"$queue/$s/guest"
	if [ "$s" = kprobe ]; then
		# not a corpus suite: bpfdeck's own kernel-probe tests (tests/kprobe)
		python3 "$(dirname "$0")/../kprobe/run.py" --bpfdeck "$BPFDECK_BIN" \
			--root "$BPFDECK_ROOT" >"$queue/$s/out" 2>&1
	else
		python3 "$runpy" "$@" --suite "$s" >"$queue/$s/out" 2>&1
	fi
	echo $? >"$queue/$s/rc"
	tail -n 1 "$queue/$s/out"
done
kill "$noise" 2>/dev/null
exit 0
