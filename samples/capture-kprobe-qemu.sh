#!/usr/bin/env bash
# capture-kprobe-qemu.sh: regenerate samples/kprobe-6.1.trace and kprobe-6.1.rawptr.trace (root). Boots Debian's stock 6.1
# kernel under qemu with the lab inside (shared/qemu-kprobe/run.sh, ~20 s plus a first-time
# download), runs kprobe-guest.sh there and keeps the instance's `trace` text: kprobes on
# iptunnel_xmit / ip_output (skb argument) / fib_check_nh / fib_check_nh_v4_gw /
# netlink_recvmsg, a kretprobe on fib_check_nh, and the net/fib/netlink tracepoints, all with
# stacks; once with hash-ptr on (the default) and once off (raw pointers, so tracepoint
# skbaddr and kprobe skb join into one journey). This host's kernel has no kprobes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VX_SHARED:-$here/../../shared}
run=$shared/qemu-kprobe/run.sh
[ -x "$run" ] || [ -f "$run" ] || { echo "capture-kprobe-qemu.sh: $run not found; set VX_SHARED" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# run.sh uses KVM only when asked (VXA_QEMU_ACCEL=kvm): TCG takes ~20 s and always works
bash "$run" -q --out "$out" --add "$here/kprobe-guest.sh:/vxa/kprobe-guest.sh" --cmd 'sh /vxa/kprobe-guest.sh'
tr -d '\r' < "$out/guest.out" > "$out/g"
sed -n '/=== VXA-TRACE-BEGIN hash-ptr=1 ===/,/=== VXA-TRACE-END ===/p' "$out/g" | sed '1d;$d' > "$here/kprobe-6.1.trace"
sed -n '/=== VXA-TRACE-BEGIN hash-ptr=0 ===/,/=== VXA-TRACE-END ===/p' "$out/g" | sed '1d;$d' > "$here/kprobe-6.1.rawptr.trace"
grep -E "rc=|kprobes left" "$out/g"
for f in kprobe-6.1.trace kprobe-6.1.rawptr.trace; do
	[ -s "$here/$f" ] || { echo "capture-kprobe-qemu.sh: $f is empty" >&2; exit 1; }
	echo "wrote $here/$f ($(wc -l < "$here/$f") lines)"
done
