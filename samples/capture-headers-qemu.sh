#!/usr/bin/env bash
# capture-headers-qemu.sh: regenerate samples/headers-6.1.trace, headers6-6.1.trace and
# vmlinux-6.1-skb.btf (root; needs a built vxanalyze, default build/vxanalyze, and libbpf-dev
# for btf-cut.c). Boots Debian's stock 6.1 kernel under qemu with the lab inside (shared/qemu-kprobe/run.sh, ~70 s under TCG on a loaded
# machine) and runs headers-guest.sh there: `vxanalyze record --preset vxlan` places its
# kprobes with the header fetch arguments computed from that kernel's BTF, and its command
# (headers-inner.sh) traces those kprobes with the net and fib tracepoints in a second
# instance (stacks, hash-ptr off) while p1 pings p2 twice, then again while h1 pings h2 over
# IPv6 (fd00::1 -> fd00::2 on the underlay). Keeps those traces as text, and the
# guest's /sys/kernel/btf/vmlinux cut down to sk_buff and net_device (btf-cut.c) for the
# offline BTF test (tests/test-record.c).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vx=${1:-$here/../build/vxanalyze}
shared=${VX_SHARED:-$here/../../shared}
run=$shared/qemu-kprobe/run.sh
[ -f "$run" ] || { echo "capture-headers-qemu.sh: $run not found; set VX_SHARED" >&2; exit 1; }
[ -x "$vx" ] || { echo "capture-headers-qemu.sh: $vx is not built" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args=(-q --out "$out" --add "$vx:/usr/bin/vxanalyze" --add "$here/headers-guest.sh:/vxa/headers-guest.sh"
      --add "$here/headers-inner.sh:/vxa/headers-inner.sh" --cmd 'sh /vxa/headers-guest.sh')
# run.sh uses KVM only when asked (VXA_QEMU_ACCEL=kvm): TCG always works
bash "$run" "${args[@]}"
tr -d '\r' < "$out/guest.out" > "$out/g"
sed -n '/=== VXA-TRACE-BEGIN headers ===/,/=== VXA-TRACE-END ===/p' "$out/g" | sed '1d;$d' > "$here/headers-6.1.trace"
[ -s "$here/headers-6.1.trace" ] || { echo "capture-headers-qemu.sh: headers-6.1.trace is empty" >&2; exit 1; }
echo "wrote $here/headers-6.1.trace ($(wc -l < "$here/headers-6.1.trace") lines)"
sed -n '/=== VXA-TRACE-BEGIN headers6 ===/,/=== VXA-TRACE-END ===/p' "$out/g" | sed '1d;$d' > "$here/headers6-6.1.trace"
[ -s "$here/headers6-6.1.trace" ] || { echo "capture-headers-qemu.sh: headers6-6.1.trace is empty" >&2; exit 1; }
echo "wrote $here/headers6-6.1.trace ($(wc -l < "$here/headers6-6.1.trace") lines)"
# the BTF, sent by vxa-export as base64 between markers
awk '/^=== VXA-FILE-END ===$/ { p = 0; next } /^=== VXA-FILE vmlinux-6.1.btf.gz ===$/ { p = 1; next } p' "$out/g" |
	base64 -d | gunzip > "$out/vmlinux.btf"
cc -O1 -o "$out/btf-cut" "$here/btf-cut.c" -lbpf
"$out/btf-cut" "$out/vmlinux.btf" "$here/vmlinux-6.1-skb.btf"
echo "wrote $here/vmlinux-6.1-skb.btf ($(wc -c < "$here/vmlinux-6.1-skb.btf") bytes); the expected offsets in"
echo "tests/test-record.c come from the whole BTF:"
bpftool btf dump file "$out/vmlinux.btf" format raw | awk "/STRUCT 'sk_buff' /,/^\[[0-9]+\] CONST/" |
	grep -E "sk_buff|'(len|head|data)' " || true
grep -E "rc=|kprobes left|^btf:" "$out/g"
