#!/usr/bin/env bash
# cli-pcapng.sh: `report --format pcapng` on samples/wire-a.db and wire-b.db (both ends of 3
# pings, 3 UDP datagrams and a TCP barrier across the VXLAN lab, recorded by two 6.1 guests
# with --snaplen 128), read back by tshark: the pods' echo requests, the VXLAN packets with
# VNI 4096 (-d udp.port==4789,vxlan), the tunnel's transmit as an exported UDP PDU, interface
# names host:device, a comment on every packet, time order across the two aligned clocks;
# --capture, --filter and --journey choose the packets; a capture without bytes is a one-line
# error and no file; the html report's command line for a journey writes that journey.
# usage: cli-pcapng.sh VXANALYZE SAMPLES_DIR     (skips, 77, without tshark: bash .ci/setup)
set -u
vx=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
samples=$2
command -v tshark >/dev/null || { echo "SKIP: tshark missing (apt-get install tshark, or bash .ci/setup)"; exit 77; }
. "$(dirname "$0")/checks.sh"
db=$tmp/w.db
ts() { tshark -r "$1" -d udp.port==4789,vxlan "${@:2}" 2>/dev/null; }

"$vx" import -q -d "$db" "$samples/wire-a.db" "$samples/wire-b.db" || fail "import the two samples"
"$vx" report -d "$db" --format pcapng -o "$tmp/all.pcapng" 2>"$tmp/err" && [ ! -s "$tmp/err" ] ||
	fail "report --format pcapng: $(head -3 "$tmp/err")"
n=$(ts "$tmp/all.pcapng" | wc -l)
[ "$n" -ge 100 ] && ok "tshark reads $n packets" || fail "tshark reads $n packets"
req=$(ts "$tmp/all.pcapng" -Y 'icmp.type == 8 && ip.dst == 10.244.2.7 && !vxlan' | wc -l)
[ "$req" -ge 3 ] && ok "$req pod echo requests to 10.244.2.7" || fail "$req pod echo requests to 10.244.2.7"
vxl=$(ts "$tmp/all.pcapng" -Y 'vxlan.vni == 4096 && icmp.type == 8 && ip.dst == 10.244.2.7' | wc -l)
[ "$vxl" -ge 3 ] && ok "$vxl echo requests inside VXLAN with VNI 4096" || fail "$vxl inside VXLAN VNI 4096"
pdu=$(ts "$tmp/all.pcapng" -Y 'exported_pdu && udp.dstport == 4789 && vxlan.vni == 4096' -T fields -e frame.comment |
	grep -c 'iptunnel_xmit (tunnel)')
[ "$pdu" -ge 6 ] && ok "$pdu tunnel transmits as exported UDP with the VXLAN inside" || fail "$pdu tunnel transmits"
eth=$(ts "$tmp/all.pcapng" -Y 'eth.type == 0x0800' -T fields -e frame.comment | grep -c ' ip_rcv (ip) ')
[ "$eth" -ge 6 ] && ok "$eth receives as Ethernet frames (the MAC header before skb->data)" ||
	fail "$eth receives as Ethernet"
ts "$tmp/all.pcapng" -T fields -e frame.interface_name | sort -u > "$tmp/ifs"
printf '%s\n' node-a:cali1 node-a:eth0 node-a:vxlan.calico node-b:cali2 node-b:eth0 node-b:vxlan.calico |
	cmp -s - "$tmp/ifs" && ok "interfaces are the hosts' devices: $(tr '\n' ' ' < "$tmp/ifs")" ||
	fail "interfaces: $(tr '\n' ' ' < "$tmp/ifs")"
nc=$(ts "$tmp/all.pcapng" -T fields -e frame.comment | grep -cvE '^journey [0-9]+ hop [0-9]+ [a-z0-9_]+ \([a-z]+\) node-[ab]')
[ "$nc" = 0 ] && ok "every packet's comment names journey, hop, function, layer and host" ||
	fail "$nc packets without such a comment"
ts "$tmp/all.pcapng" -T fields -e frame.comment | grep -q '^journey [0-9]* hop 8 iptunnel_xmit (tunnel) node-a, joined journey [0-9]*$' &&
	ok "a comment as the issue spells it: journey J hop 8 iptunnel_xmit (tunnel) node-a" ||
	fail "no iptunnel_xmit hop comment"
ts "$tmp/all.pcapng" -T fields -e frame.time_epoch | sort -c -g 2>/dev/null &&
	ok "packets in time order (node-b's clock aligned on node-a's)" || fail "packets out of time order"

# --capture, --filter, --journey
"$vx" report -d "$db" --capture 1 --format pcapng -o "$tmp/a.pcapng" || fail "--capture 1"
ts "$tmp/a.pcapng" -T fields -e frame.interface_name | sort -u > "$tmp/ifs"
printf '%s\n' cali1 eth0 vxlan.calico | cmp -s - "$tmp/ifs" &&
	ok "--capture 1: node-a's packets alone, on interfaces named by device alone (one host)" ||
	fail "--capture 1: interfaces $(tr '\n' ' ' < "$tmp/ifs")"
"$vx" report -d "$db" --filter 'udp and port 5000' --format pcapng -o "$tmp/u.pcapng" || fail "--filter"
nu=$(ts "$tmp/u.pcapng" | wc -l)
nnot=$(ts "$tmp/u.pcapng" -Y '!(udp.dstport == 5000 || udp.srcport == 5000 || icmp.type == 3)' | wc -l)
[ "$nu" -gt 0 ] && [ "$nnot" = 0 ] && ok "--filter 'udp and port 5000': $nu packets, all of those datagrams" ||
	fail "--filter gave $nu packets, $nnot others"
j=$(ts "$tmp/all.pcapng" -Y 'icmp.type == 8 && !vxlan' -T fields -e frame.comment | head -1 | awk '{print $2}')
"$vx" report -d "$db" --format pcapng --journey "$j" -o "$tmp/j.pcapng" || fail "--journey $j"
ts "$tmp/j.pcapng" -T fields -e frame.comment | grep -qv "^journey $j " && fail "--journey $j has other journeys" ||
	ok "--journey $j: $(ts "$tmp/j.pcapng" | wc -l) packets of that journey"
"$vx" report -d "$db" --format pcapng | tshark -r - 2>/dev/null | grep -q ICMP && ok "to a pipe: tshark -r -" ||
	fail "pcapng to a pipe"

# errors: one line, exit status, no file left
"$vx" report -d "$db" --format pcapng --journey 100000 -o "$tmp/none.pcapng" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && [ ! -e "$tmp/none.pcapng" ] && [ ! -e "$tmp/none.pcapng.tmp" ] &&
	ok "--journey beyond the report: $(cat "$tmp/err")" || fail "--journey 100000: rc $rc, $(cat "$tmp/err")"
"$vx" import -q -d "$tmp/t.db" "$samples/vxlan-ping.trace" || fail "import vxlan-ping.trace"
"$vx" report -d "$tmp/t.db" --format pcapng -o "$tmp/t.pcapng" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "no packet bytes" "$tmp/err" && [ ! -e "$tmp/t.pcapng" ] &&
	ok "a capture without bytes: one line, no file: $(cat "$tmp/err")" || fail "no bytes: rc $rc, $(cat "$tmp/err")"
"$vx" report -d "$tmp/t.db" --format pcapng > "$tmp/t.out" 2>"$tmp/err"
[ $? = 1 ] && [ ! -s "$tmp/t.out" ] && ok "nothing written to standard output either" || fail "bytes on stdout"
"$vx" report -d "$db" --format text --journey 1 >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "pcapng" "$tmp/err" && ok "--journey without pcapng is a usage error" || fail "--journey with text"

# the html report names each journey's pcapng command; running it writes that journey
"$vx" report -d "$db" --capture 1 --html -o "$tmp/r.html" || fail "html report"
cmdline=$(grep -o 'vxanalyze report -d [^<]* --format pcapng --journey [0-9]* -o journey-[0-9]*.pcapng' "$tmp/r.html" | head -1)
if [ -n "$cmdline" ]; then
	ok "html: $cmdline"
	jn=$(echo "$cmdline" | sed 's/.*--journey \([0-9]*\).*/\1/')
	(cd "$tmp" && eval "\"$vx\" ${cmdline#vxanalyze }") || fail "the html's command fails"
	ts "$tmp/journey-$jn.pcapng" -T fields -e frame.comment | grep -q "^journey $jn hop" &&
		ok "its command writes journey $jn's packets" || fail "journey-$jn.pcapng"
else
	fail "the html report names no pcapng command"
fi
finish "pcapng"
