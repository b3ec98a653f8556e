#!/usr/bin/env bash
# capture-reasons.sh: regenerate samples/reasons.perf.data, reasons.perf-script.txt,
# reasons.kallsyms, reasons.trace.dat and reasons.trace on the lab (root; perf, trace-cmd):
# three drops the kernel gives reasons for, recorded at once by `perf record` (system-wide,
# callchains) and by a tracefs instance (options/stacktrace, saved with `trace-cmd extract`),
# with skb:kfree_skb and the net tracepoints, while pod p1
#   pings p2 once          its raw socket gets the reply; ping_rcv frees the original
#   pings 10.244.2.88      h2 holds a blackhole route for it: dropped at ip_error
#   pings 10.244.3.5       h1 routes 10.244.3.0/24 into vxlan.calico to a VTEP (10.244.3.0)
#                          with a neighbour entry but no fdb entry: vxlan_xmit has no target
# Both files carry the kernel's own skb:kfree_skb format, whose __print_symbolic table names
# the reasons. kallsyms is cut to the symbols the stacks need (and _text), as for the other
# samples. Everything it adds (routes, neighbour, instance, the lab if it brought it up) is
# removed on exit and on failure.
set -u
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
T=/sys/kernel/tracing
inst="vxanalyze-reasons-$$"
tmp=$(mktemp -d /tmp/vx-capture-reasons.XXXXXX) || exit 1
lab_was_up=0
perf_pid=""
events="net/net_dev_start_xmit net/netif_rx net/netif_receive_skb skb/kfree_skb"

die() { echo "capture-reasons.sh: $*" >&2; exit 1; }
cleanup() {
	[ -n "$perf_pid" ] && { kill -TERM "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null; }
	[ -d "$T/instances/$inst" ] && { echo 0 > "$T/instances/$inst/tracing_on"; rmdir "$T/instances/$inst"; }
	ip -n h2 route del blackhole 10.244.2.88/32 2>/dev/null
	ip -n h1 route del 10.244.3.0/24 2>/dev/null
	ip -n h1 neigh del 10.244.3.0 dev vxlan.calico 2>/dev/null
	[ "$lab_was_up" = 0 ] && bash "$here/lab.sh" down >/dev/null
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || die "run as root"
for c in perf trace-cmd; do command -v $c >/dev/null || die "$c not found (bash .ci/setup installs it)"; done
[ -d "$T/events" ] || mount -t tracefs nodev "$T" || die "cannot mount tracefs"
bash "$here/lab.sh" status >/dev/null 2>&1 && lab_was_up=1
bash "$here/lab.sh" up >/dev/null || die "the lab does not come up"
ip -n h2 route add blackhole 10.244.2.88/32 || die "blackhole route"
ip -n h1 route add 10.244.3.0/24 via 10.244.3.0 dev vxlan.calico onlink || die "route to 10.244.3.0/24"
ip -n h1 neigh add 10.244.3.0 lladdr 66:33:33:33:33:33 dev vxlan.calico nud permanent || die "neighbour"
ip netns exec p1 ping -c 1 -W 1 10.244.2.7 >/dev/null	# neighbours warm, outside the capture

I="$T/instances/$inst"
mkdir "$I" || die "cannot create $I"
echo 1 > "$I/options/stacktrace"
for e in $events; do echo 1 > "$I/events/$e/enable" || die "cannot enable $e"; done
perf record -q -e skb:kfree_skb -e net:net_dev_start_xmit -e net:netif_rx -e net:netif_receive_skb -ag \
	-o "$tmp/perf.data" 2>"$tmp/perf.log" &
perf_pid=$!
sleep 1.5
echo > "$I/trace"; echo 1 > "$I/tracing_on"
ip netns exec p1 ping -c 1 -W 1 10.244.2.7 >/dev/null || die "the ping to p2 failed"
ip netns exec p1 ping -c 1 -W 1 10.244.2.88 >/dev/null	# fails: that is the point
ip netns exec p1 ping -c 1 -W 1 10.244.3.5 >/dev/null	# fails too
sleep 0.3
echo 0 > "$I/tracing_on"
kill -INT "$perf_pid"; wait "$perf_pid"; perf_pid=""
[ -s "$tmp/perf.data" ] || { cat "$tmp/perf.log" >&2; die "perf record wrote nothing"; }
cat "$I/trace" > "$tmp/same-run.trace"
perf script -i "$tmp/perf.data" > "$tmp/script.txt" 2>/dev/null || die "perf script failed"

# the kallsyms both files' stacks need: each callchain address's symbol and the next one,
# the ftrace stacks' functions and the next one, and _text (capture-perf.sh, capture-tracedat.sh)
perf script -i "$tmp/perf.data" -F ip 2>/dev/null < /dev/null | awk '$1 ~ /^ffff/ { print $1 " B" }' |
	sort -u > "$tmp/addrs"
awk '$2 ~ /^[tTwW]$/ { print $1 " A " $0 }' /proc/kallsyms | sort -k1,1 -k2,2 > "$tmp/ksyms"
sort -m -k1,1 -k2,2 "$tmp/addrs" "$tmp/ksyms" | awk '
	$2 == "A" { line = $0; sub(/^[^ ]+ A /, "", line); if (want_next) { print line; want_next = 0 }
		    last = line; printed = 0; next }
	$2 == "B" && last != "" && !printed { print last; printed = 1; want_next = 1 }
' > "$tmp/kallsyms.part"
sed -n 's/^ *=> \([^ +]*\).*/\1/p' "$tmp/same-run.trace" | sort -u > "$tmp/names"
sort /proc/kallsyms | awk 'NR == FNR { want[$1] = 1; next }
	keepnext { print; keepnext = 0 }
	($3 in want) { print; keepnext = 1 }' "$tmp/names" - >> "$tmp/kallsyms.part"
awk '$3 == "_text"' /proc/kallsyms | cat - "$tmp/kallsyms.part" | sort -u > "$tmp/kallsyms"
(cd "$tmp" && unshare -m sh -c 'mount --bind kallsyms /proc/kallsyms && trace-cmd extract -B '"$inst"' -o trace.dat') \
	> "$tmp/extract.log" 2>&1 || { cat "$tmp/extract.log" >&2; die "trace-cmd extract failed"; }

cp "$tmp/perf.data" "$here/reasons.perf.data"
cp "$tmp/script.txt" "$here/reasons.perf-script.txt"
cp "$tmp/kallsyms" "$here/reasons.kallsyms"
cp "$tmp/trace.dat" "$here/reasons.trace.dat"
cp "$tmp/same-run.trace" "$here/reasons.trace"
echo "reasons: $(grep -c 'kfree_skb:' "$here/reasons.trace") kfree_skb events (ftrace), $(grep -c 'skb:kfree_skb' "$here/reasons.perf-script.txt") (perf) on kernel $(uname -r)"
grep -o 'reason: [A-Z_]*' "$here/reasons.trace" | sort | uniq -c
