#!/bin/sh
# headers-inner.sh: the command `vxanalyze record` runs in headers-guest.sh (qemu guest, 6.1):
# the recorder's kprobes (group vxanalyze, header fetch arguments from the BTF) exist now, so
# a second instance can enable them next to the tracepoints and keep its trace as text.
# usage: headers-inner.sh [6]   (6: an IPv6 ping between the hosts instead of the pod ping)
T=/sys/kernel/tracing
I=$T/instances/hsample
echo "=== VXA-KPROBES ==="
grep 'vxanalyze/' $T/kprobe_events
echo "=== VXA-KPROBES-END ==="
mkdir $I || exit 1
echo 1 > $I/options/stacktrace
echo 0 > $I/options/hash-ptr
echo 1 > $I/events/vxanalyze/enable
for e in net/net_dev_start_xmit net/netif_receive_skb net/netif_rx fib/fib_table_lookup; do
	echo 1 > $I/events/$e/enable
done
if [ "${1:-4}" = 6 ]; then	# IPv6 on the underlay, h1 -> h2 (headers-guest.sh adds fd00::1, ::2)
	ip netns exec h1 ping -6 -c 2 -i 0.2 -W 2 fd00::2 >/dev/null; echo "ping6 rc=$?"
else
	ip netns exec p1 ping -c 2 -i 0.2 -W 2 10.244.2.7 >/dev/null; echo "ping rc=$?"
fi
echo 0 > $I/tracing_on
cat $I/trace > /root/headers${1:-}.trace
echo 0 > $I/events/enable
rmdir $I
