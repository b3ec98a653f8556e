#!/usr/bin/env bash
# capture-ftrace.sh: regenerate the ftrace-text samples on the lab (root).
#   vxlan-ping.trace         `cat trace` of a tracefs instance: net:net_dev_start_xmit,
#                            net:netif_rx, net:netif_receive_skb with options/stacktrace during
#                            `ip netns exec p1 ping -c 3 10.244.2.7` (header, irq-info column)
#   vxlan-ping.trace_pipe    the same events read from trace_pipe with irq-info off and
#                            record-tgid on (no header, "(tgid)" column, no irq-info column)
#   route.trace              fib:fib_table_lookup + netlink:netlink_extack with stacks during
#                            three `ip route add` in h1: valid gateway, invalid gateway, onlink
# Everything it creates (instance, lab if it brought it up, routes) is removed on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
T=/sys/kernel/tracing
inst="vxanalyze-sample-$$"
lab_was_up=0

cleanup() {
	[ -d "$T/instances/$inst" ] && { echo 0 > "$T/instances/$inst/tracing_on"; rmdir "$T/instances/$inst"; }
	for r in 5.5.6.0/24 5.5.7.0/24 5.5.8.0/24; do ip -n h1 route del "$r" 2>/dev/null; done
	[ "$lab_was_up" = 0 ] && bash "$here/lab.sh" down >/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "capture-ftrace.sh: run as root" >&2; exit 1; }
[ -d "$T/events" ] || mount -t tracefs nodev "$T" || exit 1
bash "$here/lab.sh" status >/dev/null 2>&1 && lab_was_up=1
bash "$here/lab.sh" up >/dev/null || exit 1

I="$T/instances/$inst"
mkdir "$I" || exit 1
echo 1 > "$I/options/stacktrace"
enable() { for e in "$@"; do echo 1 > "$I/events/$e/enable" || exit 1; done; }
disable_all() { echo 0 > "$I/events/enable"; echo > "$I/trace"; }

# 1. vxlan ping, `cat trace`
enable net/net_dev_start_xmit net/netif_rx net/netif_receive_skb
ip netns exec p1 ping -c 1 -W 1 10.244.2.7 >/dev/null   # warm neighbours outside the capture
echo > "$I/trace"; echo 1 > "$I/tracing_on"
ip netns exec p1 ping -c 3 -i 0.2 10.244.2.7 >/dev/null || exit 1
echo 0 > "$I/tracing_on"
cat "$I/trace" > "$here/vxlan-ping.trace"

# 2. the same from trace_pipe, other columns
echo > "$I/trace"
echo 0 > "$I/options/irq-info"; echo 1 > "$I/options/record-tgid"
timeout 4 cat "$I/trace_pipe" > "$here/vxlan-ping.trace_pipe" &
reader=$!
sleep 0.3; echo 1 > "$I/tracing_on"
ip netns exec p1 ping -c 2 -i 0.2 10.244.2.7 >/dev/null || exit 1
sleep 0.5; echo 0 > "$I/tracing_on"
wait $reader
echo 1 > "$I/options/irq-info"; echo 0 > "$I/options/record-tgid"
disable_all

# 3. route requests
enable fib/fib_table_lookup netlink/netlink_extack
echo 1 > "$I/tracing_on"
ip -n h1 route add 5.5.6.0/24 via 192.168.50.2 dev eth0            # valid gateway
ip -n h1 route add 5.5.7.0/24 via 4.4.10.2 dev eth0 2>/dev/null    # invalid: must fail
ip -n h1 route add 5.5.8.0/24 via 4.4.10.2 dev eth0 onlink         # onlink: accepted
echo 0 > "$I/tracing_on"
cat "$I/trace" > "$here/route.trace"
echo "samples written on kernel $(uname -r)"
