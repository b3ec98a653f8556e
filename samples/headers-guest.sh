#!/bin/sh
# headers-guest.sh: runs INSIDE the qemu guest of shared/qemu-kprobe (Debian 6.1, kprobes on),
# started by capture-headers-qemu.sh. `vxanalyze record --preset vxlan` places its kprobes
# with the packet-header fetch arguments it computed from this kernel's BTF; while it records,
# its command (headers-inner.sh) enables those same kprobes, with the net and fib tracepoints,
# in a second instance of its own with stacks and hash-ptr off (raw skb pointers, so kprobe skb
# arguments and tracepoint skbaddr join), pings p1 -> p2 twice and keeps that instance's trace.
# Prints the kprobe definitions, the trace, vxanalyze's own report of the recording and the
# BTF offsets between markers, and sends the kernel's BTF (gzip) to the host (vxa-export).
# Then the same for an IPv6 ping between the hosts (fd00::1 -> fd00::2 on the underlay):
# its trace, and the recorder's own JSON report of it.
# Removes what it placed (the second instance; the recorder removes its own).
T=/sys/kernel/tracing
# %p prints "(____ptrval____)" until the random pool is ready (see why-guest.sh)
head -c 1 /dev/random > /dev/null
ip netns exec p1 ping -c 1 -W 2 10.244.2.7 >/dev/null   # neighbours resolved outside the capture
vxanalyze record -d /root/h.db --preset vxlan -- sh /vxa/headers-inner.sh
echo "record rc=$?"
echo "kprobes left: $(wc -l < $T/kprobe_events)"
echo "=== VXA-TRACE-BEGIN headers ==="
cat /root/headers.trace
echo "=== VXA-TRACE-END ==="
echo "=== VXA-REPORT-BEGIN ==="
vxanalyze report -d /root/h.db
echo "=== VXA-REPORT-END ==="
vxanalyze probes 2>&1 | grep '^btf:'
# IPv6: the underlay gets fd00::1 (h1) and fd00::2 (h2); h1 pings h2 (ip6_output, ip6_rcv)
ip -n h1 addr add fd00::1/64 dev eth0 nodad
ip -n h2 addr add fd00::2/64 dev eth0 nodad
ip netns exec h1 ping -6 -c 1 -W 2 fd00::2 >/dev/null; echo "ping6 warm-up rc=$?"
vxanalyze record -d /root/h6.db --preset vxlan -- sh /vxa/headers-inner.sh 6
echo "record6 rc=$?"
echo "=== VXA-TRACE-BEGIN headers6 ==="
cat /root/headers6.trace
echo "=== VXA-TRACE-END ==="
echo "=== VXA-JSON6-BEGIN ==="
vxanalyze report -d /root/h6.db --format json
echo "=== VXA-JSON6-END ==="
gzip -9 -c /sys/kernel/btf/vmlinux > /root/vmlinux-6.1.btf.gz
vxa-export /root/vmlinux-6.1.btf.gz
