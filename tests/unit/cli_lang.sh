#!/bin/sh
# cli_lang: the language end to end through the CLI: for-loops and len() over
# maps (loaded with BTF func_info by the loader), options after the script file,
# and bpftrace's whole-program checks. Usage: cli_lang.sh BPFDECK. 77: no BPF here.
bpfdeck=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

if ! "$bpfdeck" -q -e 'BEGIN { exit(); }' >/dev/null 2>&1; then
	echo "skip: cannot load BPF programs here"
	exit 77
fi

# expect NAME WANT-FILE GOT-FILE (blank lines, maps printed at exit, left out)
expect() {
	grep -v '^$' "$3" >"$3.nb"
	if cmp -s "$2" "$3.nb"; then
		echo "ok   $1"
	else
		echo "FAIL $1"; diff "$2" "$3.nb"; fails=$((fails + 1))
	fi
}

cat >"$tmp/for.bt" <<'BT'
BEGIN {
	@a[1] = 10; @a[2] = 20; @a[3] = 30;
	@s["x"] = "hello";
	$sum = 0;
	for ($kv : @a) {
		$sum += $kv.1;
		@twice[$kv.0] = $kv.1 * 2;
		for ($e : @s) { @seen[$e.0, $e.1] = $kv.0; }
		if ($kv.0 == 0) { break; }
	}
	printf("len=%d twice=%d sum=%d seen=%d\n", len(@a), len(@twice), $sum, len(@seen));
	clear(@a); clear(@s); clear(@twice); clear(@seen);
	exit();
}
BT
printf 'len=3 twice=3 sum=60 seen=1\n' >"$tmp/for.want"
"$bpfdeck" -q "$tmp/for.bt" >"$tmp/for.got" 2>&1
expect "for-loop and len()" "$tmp/for.want" "$tmp/for.got"

# options after the script, as GNU getopt permutes them; "--" ends them
printf '%s\n' 'BEGIN { printf("%s %s\n", str($1), str($2)); exit(); }' >"$tmp/args.bt"
printf 'x -v\n' >"$tmp/args.want"
"$bpfdeck" "$tmp/args.bt" x -q -- -v >"$tmp/args.got" 2>&1
expect "options after the script" "$tmp/args.want" "$tmp/args.got"

printf 'BEGIN { exit(); }\nBEGIN { exit(); }\n' >"$tmp/two.bt"
printf '%s:1-2: ERROR: More than one BEGIN probe defined\nrc=1\n' "$tmp/two.bt" >"$tmp/two.want"
"$bpfdeck" "$tmp/two.bt" >"$tmp/two.got" 2>&1
echo "rc=$?" >>"$tmp/two.got"
expect "two BEGIN probes" "$tmp/two.want" "$tmp/two.got"

printf '%s\n' 'BEGIN { printf("%d %d\n", sizeof(buf("abc", 2)), sizeof(ustack)); exit(); }' >"$tmp/sz.bt"
printf '3 8\n' >"$tmp/sz.want"
"$bpfdeck" -q "$tmp/sz.bt" >"$tmp/sz.got" 2>&1
expect "sizeof as bpftrace" "$tmp/sz.want" "$tmp/sz.got"

# kernel types from BTF, as bpftrace -l/-lv lists them
if [ -r /sys/kernel/btf/vmlinux ]; then
	printf 'struct task_struct\n' >"$tmp/l.want"
	"$bpfdeck" -l 'struct task_struct' >"$tmp/l.got" 2>&1
	expect "-l struct" "$tmp/l.want" "$tmp/l.got"
	"$bpfdeck" -lv 'struct task_struct' >"$tmp/lv.got" 2>&1
	if head -1 "$tmp/lv.got" | grep -qx 'struct task_struct {' &&
	   grep -q '^	pid_t pid;$' "$tmp/lv.got" && grep -qx '};' "$tmp/lv.got"; then
		echo "ok   -lv struct"
	else
		echo "FAIL -lv struct"; head -5 "$tmp/lv.got"; fails=$((fails + 1))
	fi
fi

[ "$fails" -eq 0 ]
