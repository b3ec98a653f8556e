#!/usr/bin/env bash
# capture-why-qemu.sh: regenerate samples/why-route-6.1.trace and samples/why-drops-6.1.trace
# (root). Boots Debian's stock 6.1 kernel under qemu with the lab inside
# (shared/qemu-kprobe/run.sh, ~20 s), runs why-guest.sh there and keeps the instance's trace
# text: fib:fib_table_lookup, skb:kfree_skb / consume_skb and the net tracepoints with stacks,
# for two pings across the lab, then one ping each against a blackhole, an unreachable and a
# prohibit route on the remote host. A guest of its own, so no other traffic of this machine
# is in the capture.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VX_SHARED:-$here/../../shared}
run=$shared/qemu-kprobe/run.sh
[ -f "$run" ] || { echo "capture-why-qemu.sh: $run not found; set VX_SHARED" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# run.sh uses KVM only when asked (VXA_QEMU_ACCEL=kvm): TCG always works
bash "$run" -q --out "$out" --add "$here/why-guest.sh:/vxa/why-guest.sh" --cmd 'sh /vxa/why-guest.sh'
tr -d '\r' < "$out/guest.out" > "$out/g"
for part in route drops; do
	sed -n "/=== VXA-TRACE-BEGIN $part ===/,/=== VXA-TRACE-END ===/p" "$out/g" | sed '1d;$d' \
		> "$here/why-$part-6.1.trace"
	[ -s "$here/why-$part-6.1.trace" ] || { echo "capture-why-qemu.sh: why-$part-6.1.trace is empty" >&2; exit 1; }
	echo "wrote $here/why-$part-6.1.trace ($(wc -l < "$here/why-$part-6.1.trace") lines)"
done
grep -E "rc=" "$out/g"
