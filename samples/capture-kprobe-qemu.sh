#!/usr/bin/env bash
# capture-kprobe-qemu.sh: regenerate samples/kprobe-6.1.trace (root). Boots Debian's stock 6.1
# kernel under qemu with the lab inside (shared/qemu-kprobe/run.sh, ~20 s plus a first-time
# download), runs kprobe-guest.sh there and keeps the instance's `trace` text: kprobes on
# iptunnel_xmit / ip_output (skb argument) / fib_check_nh / fib_check_nh_v4_gw /
# netlink_recvmsg, a kretprobe on fib_check_nh, and the net/fib/netlink tracepoints, all with
# stacks and raw pointers (hash-ptr off). This host's kernel has no kprobes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VX_SHARED:-$here/../../shared}
run=$shared/qemu-kprobe/run.sh
[ -x "$run" ] || [ -f "$run" ] || { echo "capture-kprobe-qemu.sh: $run not found; set VX_SHARED" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash "$run" -q --out "$out" --add "$here/kprobe-guest.sh:/vxa/kprobe-guest.sh" --cmd 'sh /vxa/kprobe-guest.sh'
sed -n '/=== VXA-TRACE-BEGIN ===/,/=== VXA-TRACE-END ===/p' "$out/guest.out" | sed '1d;$d' | tr -d '\r' \
	> "$here/kprobe-6.1.trace"
grep -E "rc=|kprobes left" "$out/guest.out" | tr -d '\r'
echo "wrote $here/kprobe-6.1.trace ($(wc -l < "$here/kprobe-6.1.trace") lines)"
