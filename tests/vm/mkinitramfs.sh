#!/bin/sh
# mkinitramfs: the kernel-VM tier's initramfs, built from what is installed.
# busybox-static, the modules that put the host's root file system over 9p
# (Debian builds 9p and virtio-pci as modules) and tests/vm/init, as one
# gzip'd newc cpio. Usage: mkinitramfs.sh KERNEL_RELEASE OUTPUT [INIT]
set -eu

kver=${1:?usage: mkinitramfs.sh KERNEL_RELEASE OUTPUT [INIT]}
out=${2:?usage: mkinitramfs.sh KERNEL_RELEASE OUTPUT [INIT]}
init=${3:-$(dirname "$0")/init}
moddir=${MODULES_ROOT:-}/lib/modules/$kver
busybox=${BUSYBOX:-/bin/busybox}

# The modules the guest needs, leaves first; modules.dep gives the rest.
want="virtio_pci 9pnet_virtio 9p"

die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -d "$moddir" ] || die "$moddir is missing (install linux-image-amd64)"
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep is missing"
[ -x "$busybox" ] || die "$busybox is missing (install busybox-static)"
# A dynamically linked busybox (package busybox) would find no libc in the initramfs.
if command -v readelf >/dev/null && readelf -l "$busybox" | grep -q 'interpreter'; then
	die "$busybox is not statically linked (install busybox-static)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/dev" "$work/proc" "$work/sys" "$work/newroot" "$work/lib/modules"
cp "$busybox" "$work/bin/busybox"
cp "$init" "$work/init"
chmod 755 "$work/init" "$work/bin/busybox"

# modules.dep lines: "kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/netfs/netfs.ko ..."
# Emit dependencies before the module (depth first), each once.
seen=" "
order=""
add() {
	local path dep d
	path=$(awk -v m="$1" -F: '{
		n = $1; sub(/.*\//, "", n); sub(/\.ko(\..*)?$/, "", n); gsub(/-/, "_", n)
		if (n == m) { print $1; exit }
	}' "$moddir/modules.dep")
	[ -n "$path" ] || {
		grep -q "/$1.ko" "$moddir/modules.builtin" 2>/dev/null && return 0
		die "module $1 not found in $moddir"
	}
	case "$seen" in *" $path "*) return 0 ;; esac
	seen="$seen$path "
	for dep in $(awk -v p="$path" -F: '$1 == p { print $2 }' "$moddir/modules.dep"); do
		d=$(basename "$dep"); d=${d%%.ko*}
		add "$(echo "$d" | tr - _)"
	done
	order="$order $path"
}
for m in $want; do
	add "$m"
done
for path in $order; do
	base=$(basename "$path")
	case "$base" in
	*.ko) cp "$moddir/$path" "$work/lib/modules/" ;;
	*.ko.xz) xz -dc "$moddir/$path" >"$work/lib/modules/${base%.xz}" ;;
	*.ko.zst) zstd -qdc "$moddir/$path" >"$work/lib/modules/${base%.zst}" ;;
	*.ko.gz) gzip -dc "$moddir/$path" >"$work/lib/modules/${base%.gz}" ;;
	*) die "unknown module file $base" ;;
	esac
	base=${base%.ko*}.ko
	echo "$base" >>"$work/lib/modules/order"
done

mkdir -p "$(dirname "$out")"
# busybox's own cpio, so the host needs no cpio package.
(cd "$work" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -1 >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"   # atomic: guests booting in parallel may build it at once
echo "mkinitramfs: $out ($(wc -c <"$out") bytes; modules:$(tr '\n' ' ' <"$work/lib/modules/order"| sed 's/ $//;s/^/ /'))"
