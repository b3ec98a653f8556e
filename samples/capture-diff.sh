#!/usr/bin/env bash
# capture-diff.sh: regenerate the two captures `vxanalyze diff` is tested on (root):
#   diff-vxlan.trace   the lab as it is: p1 pings p2 across the VXLAN overlay
#   diff-direct.trace  the same ping a moment later with direct routing: each host routes the
#                      other's pod block via the other's underlay address on eth0 (no
#                      vxlan.calico, no encapsulation, no second trip through IP)
# Both are `cat trace` of one tracefs instance with net:net_dev_start_xmit, net:netif_rx,
# net:netif_receive_skb and options/stacktrace, during `ip netns exec p1 ping -c 3 -i 0.2
# 10.244.2.7`. The lab (samples/lab.sh) is shared: the direct routes are in place for about
# two seconds and the VXLAN routes are put back on every exit (also on failure and Ctrl-C);
# the lab is taken down again only when this script brought it up.
set -u
here=$(cd "$(dirname "$0")" && pwd)
T=/sys/kernel/tracing
inst="vxanalyze-diff-sample-$$"
lab_was_up=0
routes_changed=0

vxlan_routes() {
	ip -n h1 route replace 10.244.2.0/24 via 10.244.2.0 dev vxlan.calico onlink
	ip -n h2 route replace 10.244.1.0/24 via 10.244.1.0 dev vxlan.calico onlink
}

cleanup() {
	[ "$routes_changed" = 1 ] && vxlan_routes
	[ -d "$T/instances/$inst" ] && { echo 0 > "$T/instances/$inst/tracing_on"; rmdir "$T/instances/$inst"; }
	[ "$lab_was_up" = 0 ] && bash "$here/lab.sh" down >/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "capture-diff.sh: run as root" >&2; exit 1; }
[ -d "$T/events" ] || mount -t tracefs nodev "$T" || exit 1
bash "$here/lab.sh" status >/dev/null 2>&1 && lab_was_up=1
bash "$here/lab.sh" up >/dev/null || exit 1
# a lab just brought up sends IPv6 DAD and MLD reports for a few seconds: let them pass
[ "$lab_was_up" = 0 ] && sleep 5

I="$T/instances/$inst"
mkdir "$I" || exit 1
echo 1 > "$I/options/stacktrace"
for e in net/net_dev_start_xmit net/netif_rx net/netif_receive_skb; do
	echo 1 > "$I/events/$e/enable" || exit 1
done

# capture OUT: the ping, traced (neighbours warmed outside the capture)
capture() {
	ip netns exec p1 ping -c 1 -W 1 10.244.2.7 >/dev/null || return 1
	echo > "$I/trace"
	echo 1 > "$I/tracing_on"
	ip netns exec p1 ping -c 3 -i 0.2 -W 1 10.244.2.7 >/dev/null
	local rc=$?
	echo 0 > "$I/tracing_on"
	[ "$rc" = 0 ] || return 1
	cat "$I/trace" > "$1"
}

capture "$here/diff-vxlan.trace" || { echo "capture-diff.sh: the VXLAN ping failed" >&2; exit 1; }
routes_changed=1
ip -n h1 route replace 10.244.2.0/24 via 192.168.50.2 dev eth0 &&
ip -n h2 route replace 10.244.1.0/24 via 192.168.50.1 dev eth0 || exit 1
capture "$here/diff-direct.trace" || { echo "capture-diff.sh: the directly routed ping failed" >&2; exit 1; }
vxlan_routes && routes_changed=0
echo "diff samples written on kernel $(uname -r)"
