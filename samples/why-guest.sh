#!/bin/sh
# why-guest.sh: runs INSIDE the qemu guest of shared/qemu-kprobe (Debian 6.1), started by
# capture-why-qemu.sh. Records, with stacks, the route lookups and the skb frees next to the
# packets' hops: first two pings p1 -> p2 across the lab (each hop decided by a lookup), then
# one ping each while h2, the remote host, holds a blackhole, an unreachable and a prohibit
# route for the pod (the forwarded packet dies in h2). Prints each trace between markers and
# removes what it placed (instance, routes).
T=/sys/kernel/tracing
I=$T/instances/vxanalyze-why
# %p prints "(____ptrval____)" until the kernel's random pool is ready; a blocking read of
# /dev/random makes the kernel gather its jitter entropy now, so skbaddr is a usable hash
head -c 1 /dev/random > /dev/null
mkdir $I || exit 1
echo 1 > $I/options/stacktrace
for e in net/net_dev_start_xmit net/netif_receive_skb net/netif_rx fib/fib_table_lookup \
	 skb/kfree_skb skb/consume_skb; do
	echo 1 > $I/events/$e/enable
done
ip netns exec p1 ping -c 1 -W 2 10.244.2.7 >/dev/null   # neighbours resolved outside the capture

capture() {	# NAME: trace one ping section, print it between markers
	echo "=== VXA-TRACE-BEGIN $1 ==="
	cat $I/trace
	echo "=== VXA-TRACE-END ==="
	echo > $I/trace
}

echo > $I/trace
echo 1 > $I/tracing_on
ip netns exec p1 ping -c 2 -i 0.2 -W 2 10.244.2.7 >/dev/null; echo "ping rc=$?"
echo 0 > $I/tracing_on
capture route

echo 1 > $I/tracing_on
for kind in blackhole unreachable prohibit; do
	ip -n h2 route replace $kind 10.244.2.7/32
	ip netns exec p1 ping -c 1 -W 1 10.244.2.7 >/dev/null; echo "$kind ping rc=$? (1 expected)"
	sleep 0.1
done
echo 0 > $I/tracing_on
ip -n h2 route replace 10.244.2.7/32 dev cali2
capture drops
ip netns exec p1 ping -c 1 -W 2 10.244.2.7 >/dev/null; echo "restored ping rc=$?"

echo 0 > $I/events/enable
rmdir $I
