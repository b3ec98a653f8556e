#!/bin/sh
# kprobe-guest.sh: runs INSIDE the qemu guest of shared/qemu-kprobe (Debian 6.1, kprobes on),
# started by capture-kprobe-qemu.sh. Places kprobes the way `vxanalyze record` would (vxlan and
# route presets, skb as fetch argument), adds the tracepoints, turns hash-ptr off so tracepoint
# skbaddr and kprobe skb print the same raw pointer, pings p1 -> p2 and makes three route
# requests, then prints the instance's trace between markers. Removes what it placed.
T=/sys/kernel/tracing
I=$T/instances/vxanalyze-sample
has() { grep -qE " $1\$" /proc/kallsyms; }
for f in iptunnel_xmit ip_output; do
	has $f && echo "p:vxanalyze/$f $f skb=%dx:x64" >> $T/kprobe_events
done
for f in fib_check_nh fib_check_nh_v4_gw netlink_recvmsg; do
	has $f && echo "p:vxanalyze/$f $f" >> $T/kprobe_events
done
echo 'r:vxanalyze/fib_check_nh_ret fib_check_nh ret=$retval:s32' >> $T/kprobe_events
mkdir $I
echo 1 > $I/options/stacktrace
echo 1 > $I/events/vxanalyze/enable
for e in net/net_dev_start_xmit net/netif_receive_skb net/netif_rx fib/fib_table_lookup netlink/netlink_extack; do
	echo 1 > $I/events/$e/enable
done
ip netns exec p1 ping -c 1 -W 2 10.244.2.7 >/dev/null
# twice: with hash-ptr on (the default: tracepoints print hashed skbaddr, strings are fine)
# and off (raw pointers that join kprobe skb arguments; 6.1 then prints empty strings)
n=0
for hp in 1 0; do
	n=$((n + 1))
	echo $hp > $I/options/hash-ptr
	echo > $I/trace
	echo 1 > $I/tracing_on
	ip netns exec p1 ping -c 2 -W 2 10.244.2.7 >/dev/null; echo "ping rc=$?"
	ip -n h1 route add 5.5.6.0/24 via 192.168.50.2 dev eth0; echo "valid rc=$?"
	ip -n h1 route add 5.5.7.0/24 via 4.4.10.2 dev eth0; echo "invalid rc=$?"
	ip -n h1 route add 5.5.8.0/24 via 4.4.10.2 dev eth0 onlink; echo "onlink rc=$?"
	echo 0 > $I/tracing_on
	echo "=== VXA-TRACE-BEGIN hash-ptr=$hp ==="
	cat $I/trace
	echo "=== VXA-TRACE-END ==="
	for r in 5.5.6.0/24 5.5.8.0/24; do ip -n h1 route del $r; done
done
echo 0 > $I/events/enable
rmdir $I
echo "-:vxanalyze/fib_check_nh_ret" >> $T/kprobe_events
for f in iptunnel_xmit ip_output fib_check_nh fib_check_nh_v4_gw netlink_recvmsg; do
	echo "-:vxanalyze/$f" >> $T/kprobe_events 2>/dev/null
done
echo "kprobes left: $(wc -l < $T/kprobe_events)"
