#!/bin/sh
# pair-guest.sh: runs INSIDE each guest of shared/qemu-kprobe's `run.sh --pair` (Debian 6.1,
# kprobes on), started by capture-pair-qemu.sh with its node (a or b). Names the host (node-a,
# node-b: the guests have no host name of their own), then records with `vxanalyze record`
# (default preset: kprobes with packet headers and the tracepoints) both ends of 3 pings
# p1 -> p2 and 3 UDP datagrams p1 -> p2:5000 (p2 has no listener: each comes back as an ICMP
# port unreachable). Node b records until node a says it is done; node a sends only once
# node b records (busybox nc on the underlay as a barrier, ports 7000 and 7001).
# Exports /tmp/<node>.db to the host (vxa-export). `a-traffic` and `b-wait` are what each
# node's recording runs.
case $1 in
a|b)
	echo "node-$1" > /proc/sys/kernel/hostname
	[ "$1" = a ] && what=a-traffic || what=b-wait
	vxanalyze -q record -d "/tmp/$1.db" -- sh /vxa/pair-guest.sh "$what"
	echo "record rc=$?"
	vxa-export "/tmp/$1.db"
	;;
a-traffic)
	until nc -w 1 192.168.50.2 7000 </dev/null; do sleep 0.3; done
	ip netns exec p1 ping -c 3 10.244.2.7
	# bash's /dev/udp: one datagram per redirection (busybox nc has no -u)
	ip netns exec p1 bash -c 'for i in 1 2 3; do echo "$i" > /dev/udp/10.244.2.7/5000; sleep 0.2; done'
	sleep 0.3
	nc -w 1 192.168.50.2 7001 </dev/null
	;;
b-wait)
	nc -l -p 7000 -e true
	nc -l -p 7001 -e true
	;;
esac
