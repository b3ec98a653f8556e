#!/usr/bin/env bash
# lab.sh: bring up / tear down the Calico-like two-host VXLAN lab in network namespaces.
# Hosts h1/h2 (underlay eth0 192.168.50.1/.2), pods p1 (10.244.1.5) and p2 (10.244.2.7),
# vxlan.calico VNI 4096. Only touches namespaces it names; `down` removes all of them.
# Usage: lab.sh up|down|status   (root)
set -u

NS="h1 h2 p1 p2"
VTEP_MAC1=66:00:00:00:01:01
VTEP_MAC2=66:00:00:00:02:01

die() { echo "lab.sh: $*" >&2; exit 1; }

lab_down() {
	local n
	for n in $NS; do
		ip netns del "$n" 2>/dev/null
	done
	return 0
}

lab_status() {
	local n up=0
	for n in $NS; do
		if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$n"; then
			up=$((up + 1))
		fi
	done
	if [ "$up" -eq 4 ] && ip netns exec p1 ping -c 1 -W 2 10.244.2.7 >/dev/null 2>&1; then
		echo "lab: up (p1 10.244.1.5 -> p2 10.244.2.7 reachable over vxlan.calico)"
		return 0
	fi
	echo "lab: down ($up of 4 namespaces present)"
	return 1
}

# pod_up POD HOST CALI POD_IP POD_MAC CALI_MAC
pod_up() {
	local pod=$1 host=$2 cali=$3 ip=$4 pmac=$5 cmac=$6
	ip link add "$cali" netns "$host" type veth peer name eth0 netns "$pod" || return 1
	ip -n "$pod" link set eth0 address "$pmac" &&
	ip -n "$host" link set "$cali" address "$cmac" &&
	ip -n "$pod" link set lo up &&
	ip -n "$pod" link set eth0 up &&
	ip -n "$host" link set "$cali" up &&
	ip -n "$pod" addr add "$ip/32" dev eth0 &&
	ip -n "$pod" route add 169.254.1.1 dev eth0 &&
	ip -n "$pod" route add default via 169.254.1.1 dev eth0 &&
	ip -n "$pod" neigh replace 169.254.1.1 lladdr "$cmac" dev eth0 nud permanent &&
	ip netns exec "$host" sysctl -qw "net.ipv4.conf.$cali.proxy_arp=1" &&
	ip -n "$host" route add "$ip/32" dev "$cali"
}

# host_vxlan HOST LOCAL_IP REMOTE_IP OWN_MAC REMOTE_MAC OWN_VTEP REMOTE_VTEP REMOTE_BLOCK
host_vxlan() {
	local h=$1 lip=$2 rip=$3 mac=$4 rmac=$5 vtep=$6 rvtep=$7 block=$8
	ip -n "$h" link add vxlan.calico type vxlan id 4096 local "$lip" dev eth0 dstport 4789 nolearning &&
	ip -n "$h" link set vxlan.calico address "$mac" &&
	ip -n "$h" addr add "$vtep/32" dev vxlan.calico &&
	ip -n "$h" link set vxlan.calico up &&
	ip -n "$h" route add "$block" via "$rvtep" dev vxlan.calico onlink &&
	ip -n "$h" neigh replace "$rvtep" lladdr "$rmac" dev vxlan.calico nud permanent &&
	bridge -n "$h" fdb add "$rmac" dev vxlan.calico dst "$rip"
}

lab_up() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (creates network namespaces)"
	if lab_status >/dev/null 2>&1; then
		echo "lab: already up"
		return 0
	fi
	lab_down
	local n
	for n in $NS; do ip netns add "$n" || return 1; done
	ip link add eth0 netns h1 type veth peer name eth0 netns h2 || return 1
	for n in h1 h2; do
		ip -n "$n" link set lo up || return 1
		ip -n "$n" link set eth0 up || return 1
		ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 || return 1
	done
	ip -n h1 addr add 192.168.50.1/24 dev eth0 &&
	ip -n h2 addr add 192.168.50.2/24 dev eth0 &&
	pod_up p1 h1 cali1 10.244.1.5 02:00:0a:f4:01:05 ee:ee:ee:ee:01:01 &&
	pod_up p2 h2 cali2 10.244.2.7 02:00:0a:f4:02:07 ee:ee:ee:ee:02:02 &&
	host_vxlan h1 192.168.50.1 192.168.50.2 $VTEP_MAC1 $VTEP_MAC2 10.244.1.0 10.244.2.0 10.244.2.0/24 &&
	host_vxlan h2 192.168.50.2 192.168.50.1 $VTEP_MAC2 $VTEP_MAC1 10.244.2.0 10.244.1.0 10.244.1.0/24 ||
		return 1
	# first ping resolves the underlay neighbours; it must work for the lab to count as up
	ip netns exec p1 ping -c 1 -W 2 10.244.2.7 >/dev/null 2>&1 || return 1
	echo "lab: up"
}

case "${1:-}" in
up)
	if ! lab_up; then
		lab_down
		die "bringing the lab up failed; everything it created was removed"
	fi
	;;
down) lab_down; echo "lab: down" ;;
status) lab_status ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
