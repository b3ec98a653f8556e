#!/bin/sh
# truth-pair-guest.sh: runs INSIDE each guest of shared/qemu-kprobe's `run.sh --pair` (Debian
# 6.1, kprobes on), started by capture-truth-qemu.sh with its node (a or b). Node a (h1 with
# pod p1) rewrites the service IP 10.96.0.10 to p2 (10.244.2.7) with nft DNAT; both nodes
# record (default preset: kprobes with packet headers, the probes that follow clones, GSO
# segments and GRO merges, the tracepoints) while p1 pings the service IP twice and sends 64 KB
# over TCP to p2:5000, which node b's e1000 receive path merges by GRO. Node b records until
# node a says it is done; node a sends only once node b records (busybox nc on the underlay as
# a barrier, ports 7000 and 7001). Exports /tmp/<node>.db (vxa-export).
case $1 in
a|b)
	echo "node-$1" > /proc/sys/kernel/hostname
	if [ "$1" = a ]; then
		# the guest's root namespace is h1; the pod's MTU leaves room for the VXLAN headers
		# (no PMTU drops at ip_forward: the transfer's segments go out in bursts)
		nft add table ip nat
		nft add chain ip nat pre '{ type nat hook prerouting priority -100; }'
		nft add rule ip nat pre ip daddr 10.96.0.10 dnat to 10.244.2.7
		ip -n p1 link set eth0 mtu 1450
		what=a-traffic
	else
		ip netns exec p2 nc -l -p 5000 > /dev/null &
		what=b-wait
	fi
	vxanalyze -q record -d "/tmp/$1.db" -- sh /vxa/truth-pair-guest.sh "$what"
	echo "record rc=$?"
	sqlite3 "/tmp/$1.db" "DELETE FROM capture_meta WHERE key = 'kallsyms'; PRAGMA journal_mode=DELETE;
		PRAGMA page_size=4096; VACUUM;"
	vxa-export "/tmp/$1.db"
	;;
a-traffic)
	until nc -w 1 192.168.50.2 7000 </dev/null; do sleep 0.3; done
	ip netns exec p1 ping -c 2 10.96.0.10
	# bash's /dev/tcp writes it in 64 KB pieces (busybox nc in 1 KB ones: no GSO packets);
	# the write returns when the socket holds the data: wait for it to reach node b
	ip netns exec p1 bash -c 'dd if=/dev/zero bs=65536 count=1 2>/dev/null > /dev/tcp/10.244.2.7/5000'
	sleep 4
	nc -w 1 192.168.50.2 7001 </dev/null
	;;
b-wait)
	nc -l -p 7000 -e true
	nc -l -p 7001 -e true
	;;
esac
