#!/usr/bin/env bash
# capture-drops.sh: regenerate samples/vxlan-drops.trace on the lab (root): `cat trace` of a
# tracefs instance with net:net_dev_start_xmit, net:netif_rx, net:netif_receive_skb and
# skb:kfree_skb (options/stacktrace) during, from pod p1:
#   ping -c 2 10.244.2.7    the VXLAN double trip, delivered to p2
#   ping -c 2 10.244.2.99   no such pod: h2 decapsulates it and has no route (dropped on h2)
#   UDP to 10.244.2.7:9     nobody listens in p2 (dropped there, no socket)
# The README's example queries (vxanalyze query) run on it in tests/query.sh.
# Everything it creates (instance, the lab if it brought it up) is removed on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
T=/sys/kernel/tracing
inst="vxanalyze-drops-$$"
lab_was_up=0

cleanup() {
	[ -d "$T/instances/$inst" ] && { echo 0 > "$T/instances/$inst/tracing_on"; rmdir "$T/instances/$inst"; }
	[ "$lab_was_up" = 0 ] && bash "$here/lab.sh" down >/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "capture-drops.sh: run as root" >&2; exit 1; }
[ -d "$T/events" ] || mount -t tracefs nodev "$T" || exit 1
bash "$here/lab.sh" status >/dev/null 2>&1 && lab_was_up=1
bash "$here/lab.sh" up >/dev/null || exit 1

I="$T/instances/$inst"
mkdir "$I" || exit 1
echo 1 > "$I/options/stacktrace"
for e in net/net_dev_start_xmit net/netif_rx net/netif_receive_skb skb/kfree_skb; do
	echo 1 > "$I/events/$e/enable" || exit 1
done
ip netns exec p1 ping -c 1 -W 1 10.244.2.7 >/dev/null   # warm neighbours outside the capture
echo > "$I/trace"; echo 1 > "$I/tracing_on"
ip netns exec p1 ping -c 2 -i 0.2 10.244.2.7 >/dev/null || exit 1
ip netns exec p1 ping -c 2 -i 0.2 -W 1 10.244.2.99 >/dev/null   # fails: that is the point
ip netns exec p1 bash -c 'echo drop > /dev/udp/10.244.2.7/9'
sleep 0.2
echo 0 > "$I/tracing_on"
cat "$I/trace" > "$here/vxlan-drops.trace"
echo "vxlan-drops.trace: $(grep -c 'kfree_skb:' "$here/vxlan-drops.trace") kfree_skb events on kernel $(uname -r)"
