#!/usr/bin/env bash
# run-corpus: the kernel-VM tier: bpfdeck's kernel-probe tests (tests/kprobe) and
# the conformance corpus inside kernel-VM guests.
#   run-corpus.sh --bpfdeck BIN --root CROOT --share DIR --out DIR [--full] [--jobs N]
#                 [--suites "S..."] [--time-scale F] [--expected-dir DIR]
# By default the guests run tests/kprobe and the corpus tests that this host skips
# for lack of a kernel feature (run.py --list-kernel-skips: kprobes, fentry,
# kprobe_multi, ...): what the host tier cannot cover, in CI's time. --full (or
# BPFDECK_VM_FULL=1) runs every suite. Either way --jobs guests (default 2) take
# suites from one queue (largest first), and the results are merged like one
# run.py run: a line per test, REGRESSION lines against
# tests/conformance/expected-pass-vm-<kernel major.minor>.txt, a line per suite and
# the summary "N passed, N failed, N skipped". Exit status 1 on a regression or a
# suite that did not finish, 77 when no guest can be started here.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
full=${BPFDECK_VM_FULL:-0}
jobs=${BPFDECK_VM_JOBS:-}
scale=${BPFDECK_VM_TIME_SCALE:-3}
guest_timeout=${BPFDECK_VM_TIMEOUT:-}
expected_dir=$src/tests/conformance
# Largest first, so the guests finish close together; "kprobe" is tests/kprobe.
# (The default run puts kprobe first: it is most of that run.)
suites="call probe kprobe usdt basic builtin json-output array pointers tuples variable uprobe"
suites="$suites struct signed_ints file-output precedence signals intcast"
bpfdeck= root= share= out=

while [ $# -gt 0 ]; do
	case "$1" in
	--bpfdeck) bpfdeck=$2; shift 2 ;;
	--root) root=$2; shift 2 ;;
	--share) share=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--full) full=1; shift ;;
	--jobs) jobs=$2; shift 2 ;;
	--suites) suites=$2; shift 2 ;;
	--time-scale) scale=$2; shift 2 ;;
	--expected-dir) expected_dir=$2; shift 2 ;;
	*) echo "run-corpus: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$bpfdeck" ] && [ -n "$root" ] && [ -n "$share" ] && [ -n "$out" ] || {
	echo "usage: run-corpus.sh --bpfdeck BIN --root CROOT --share DIR --out DIR" >&2; exit 2; }

kernel=$("$here/run-vm.sh" --print-kernel) || exit $?
kver=${kernel##*/vmlinuz-}
series=$(echo "$kver" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
expected=$expected_dir/expected-pass-vm-$series.txt
if [ ! -f "$expected" ]; then
	echo "SKIP: kernel-VM tier: no expected-pass list for Linux $series ($expected)" >&2
	exit 77
fi

rm -rf "$out"
mkdir -p "$out/queue" "$out/logs"
start=$(date +%s)

runargs=()
if [ "$full" = 1 ]; then
	mode="full corpus"
	jobs=${jobs:-2}
	guest_timeout=${guest_timeout:-3600}
else
	# Only what this host cannot run; a suite with none of those is not booted for.
	ids=$out/kernel-ids.txt
	(cd "$root" && python3 "$src/tests/conformance/run.py" --bpftrace "$bpfdeck" \
		--root . --list-kernel-skips) >"$ids" || {
		echo "run-corpus: run.py --list-kernel-skips failed" >&2; exit 1; }
	# tests/kprobe first: it is the longest part here, the other guest takes the rest
	picked=kprobe
	for s in $suites; do
		if [ "$s" != kprobe ] && grep -q "^$s\." "$ids"; then picked="$picked $s"; fi
	done
	suites=$picked
	runargs=(--ids "$ids")
	mode="$(grep -c . "$ids") corpus tests this host skips for its kernel, and tests/kprobe"
	jobs=${jobs:-2}
	guest_timeout=${guest_timeout:-720}
fi
echo "run-corpus: $mode; suites: $suites"

# The corpus the test root's runtime/ links into: shared as well where the guest's
# own tmpfs on /tmp, /run or /var/tmp would hide it (a CI clone with ../shared in /tmp).
corpus_share=()
first=$(ls "$root/runtime" 2>/dev/null | head -n 1)
corpus=$([ -n "$first" ] && readlink -f "$root/runtime/$first")
corpus=${corpus%/runtime/*}
case "$corpus/" in /tmp/*|/run/*|/var/tmp/*) corpus_share=(-w "$corpus") ;; esac

# Boots guests NAME... on the queue and waits for them. 77 when none could start.
run_guests() {
	local pids=() names=("$@") i rc skipped=0
	for g in "${names[@]}"; do
		"$here/run-vm.sh" --kernel "$kernel" --smp 2 --memory 2G --timeout "$guest_timeout" -w "$share" "${corpus_share[@]}" \
			-l "$out/console-$g.txt" -C "$root" -e "BPFDECK_GUEST=$g" \
			-e "BPFDECK_BIN=$bpfdeck" -e "BPFDECK_ROOT=$root" -- \
			"$here/guest-conformance.sh" "$out/queue" "$suites" \
			--bpftrace "$bpfdeck" --root "$root" --expected "$expected" \
			--log-dir "$out/logs" --time-scale "$scale" "${runargs[@]}" \
			>"$out/guest-$g.txt" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
		rc=$?
		if [ $rc = 77 ]; then
			skipped=$((skipped + 1))
			tail -n 1 "$out/guest-${names[$i]}.txt" >&2
		elif [ $rc != 0 ]; then
			echo "run-corpus: guest ${names[$i]} exited $rc:" >&2
			grep -v '^\[' "$out/guest-${names[$i]}.txt" | tail -n 20 >&2
		fi
	done
	[ "$skipped" != "${#names[@]}" ] || return 77
}

names=()
for i in $(seq 1 "$jobs"); do names+=("g$i"); done
run_guests "${names[@]}"
[ $? = 77 ] && exit 77

# A guest kernel that oopses (6.1 under TCG has, once, in a BPF trampoline while
# fentry and kprobes came and went on one function) takes its suite down with
# it: say so, and run what it had not finished or failed once more in a fresh guest.
retry=()
for g in "${names[@]}"; do
	bug=$(grep -m1 -E 'BUG:|Oops|general protection fault|Kernel panic' "$out/console-$g.txt" 2>/dev/null)
	[ -n "$bug" ] || continue
	echo "run-corpus: the guest kernel of $g crashed: $bug (console: $out/console-$g.txt)"
	for d in "$out"/queue/*/; do
		d=${d%/}
		[ "$(cat "$d/guest" 2>/dev/null)" = "$g" ] || continue
		if [ "$(cat "$d/rc" 2>/dev/null)" != 0 ]; then
			mv "$d" "$d.crashed-$g"
			retry+=("$(basename "$d")")
		fi
	done
done
for d in "$out"/queue/*/; do
	d=${d%/}
	case "$d" in *.crashed-*) continue ;; esac
	[ -f "$d/rc" ] || { mv "$d" "$d.unfinished"; retry+=("$(basename "$d")"); }
done
if [ ${#retry[@]} -gt 0 ]; then
	echo "run-corpus: running ${retry[*]} again in a fresh guest"
	run_guests r1
fi

failed=0
pass=0 fail=0 skip=0 regressions=0 summary=
for s in $suites; do
	if [ ! -f "$out/queue/$s/rc" ]; then
		echo "INCOMPLETE suite $s (no guest finished it)"
		failed=1
		continue
	fi
	grep -E '^(PASS|FAIL|SKIP|REGRESSION|NEW-PASS) ' "$out/queue/$s/out" |
		if [ "$s" = kprobe ]; then sed 's/^\([A-Z-]*\) /\1 kprobe-tests: /'; else cat; fi
	if [ "$(cat "$out/queue/$s/rc")" != 0 ]; then
		failed=1
		[ "$s" = kprobe ] && grep -A12 '^FAIL ' "$out/queue/$s/out" | sed 's/^/    /'
	fi
	set -- $(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
		"$out/queue/$s/out" | tail -n 1)
	summary="$summary"$(printf '\n  %-12s %4s passed, %4s failed, %4s skipped' "$s" "${1:-0}" "${2:-0}" "${3:-0}")
	pass=$((pass + ${1:-0})) fail=$((fail + ${2:-0})) skip=$((skip + ${3:-0}))
	regressions=$((regressions + $(grep -c '^REGRESSION ' "$out/queue/$s/out")))
done
echo "kernel-VM tier: Linux $kver, $mode, $jobs guest(s), $(( $(date +%s) - start ))s; list $(basename "$expected")$summary"
echo "$pass passed, $fail failed, $skip skipped"
[ "$regressions" = 0 ] && [ "$failed" = 0 ]
