#!/bin/sh
# truth-guest.sh: runs inside the 6.1 guest (capture-truth-qemu.sh): three recordings with
# the vxlan preset, each exported as a database: a busybox ping on a raw socket (clones of
# the echo replies), a ping to a service IP that h1 rewrites with nft DNAT, and a TCP bulk
# transfer whose tunnelled GSO packets h1 segments in software.
T=/sys/kernel/tracing
echo "=== functions"
for f in skb_clone __pskb_copy_fclone __skb_gso_segment skb_gro_receive nf_nat_manip_pkt nf_nat_ipv4_manip_pkt \
	__sock_queue_rcv_skb skb_copy_datagram_iter tcp_queue_rcv; do
	echo "VXT-FN $f $(grep -c "^$f\( \|$\)" $T/available_filter_functions)"
done
echo "=== ping"
vxanalyze record -d /root/ping.db -- ip netns exec p1 ping -c 3 10.244.2.7
echo "VXT-RC ping $?"
echo "=== nat"
ip netns exec h1 nft add table ip nat
ip netns exec h1 nft add chain ip nat pre '{ type nat hook prerouting priority -100; }'
ip netns exec h1 nft add rule ip nat pre ip daddr 10.96.0.10 dnat to 10.244.2.7
vxanalyze record -d /root/nat.db -- ip netns exec p1 ping -c 2 10.96.0.10
echo "VXT-RC nat $?"
ip netns exec h1 nft delete table ip nat
echo "=== gso"
ip netns exec h1 ethtool -K eth0 tx-udp_tnl-segmentation off tx-udp_tnl-csum-segmentation off
ip netns exec p2 nc -l -p 5000 > /dev/null &
sleep 0.5
# bash's /dev/tcp writes 64 KB at once (busybox nc 1 KB pieces, which make no GSO packets)
vxanalyze record -d /root/gso.db -- ip netns exec p1 bash -c \
	'dd if=/dev/zero bs=65536 count=1 2>/dev/null > /dev/tcp/10.244.2.7/5000; sleep 2'
echo "VXT-RC gso $?"
for n in ping nat gso; do
	sqlite3 /root/$n.db "DELETE FROM capture_meta WHERE key = 'kallsyms'; PRAGMA journal_mode=DELETE; PRAGMA page_size=4096; VACUUM;"
	vxa-export /root/$n.db
done
for n in ping nat gso; do
	echo "=== report $n"
	vxanalyze report -d /root/$n.db | head -150
done
