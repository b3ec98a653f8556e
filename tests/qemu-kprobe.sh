#!/usr/bin/env bash
# qemu-kprobe.sh: the kprobe path of `vxanalyze record`, which this project's host kernel
# (CONFIG_KPROBES off) cannot run: boots Debian's stock 6.1 kernel under qemu with the VXLAN
# lab inside (shared/qemu-kprobe/run.sh) and checks there that
#  - record --preset vxlan places kprobes iptunnel_xmit / ip_output with skb + len fetch args,
#    captures them with kernel stacks, joins them to the tracepoints' journeys by skb (the
#    outer ip_output carries len 134 = 84 + 50), and the double IP trip shows in a path;
#  - record --preset route captures fib_check_nh, netlink_recvmsg and the kretprobe's
#    ret=-101 for an invalid gateway (and ret=0 for an onlink route);
#  - --backend perf records the same kprobes with callchains;
#  - no kprobe and no instance remain after each run, after SIGINT, and after `clean`
#    following a SIGKILLed run; `clean` beside a live recording of the perf backend (no
#    instance, a spool directory) keeps its kprobes;
#  - what happened to each packet (samples/truth-guest.sh, the same recordings as the
#    samples): a busybox ping on a raw socket has no dropped echo reply, clone links and 3
#    replies delivered to ping; a ping to a service IP rewritten by nft DNAT in h1 shows a dnat
#    and an snat with the NAT function and drops nothing; software GSO of the tunnelled TCP
#    packets links each segment, whose journey reaches the wire; then two guests (--pair,
#    samples/truth-pair-guest.sh): GRO merges on node b link into their heads, and the DNATed
#    pings are still joined across the hosts;
#  - record --filter 'icmp and dst 10.244.2.7' (the default backend: perf) stores only the echo requests' journeys
#    (matched through the kprobe headers) and counts the rest as filtered; ip6_output and
#    ip6_rcv read an IPv6 echo's header (fd00::1 -> fd00::2 on the underlay);
#  - record --snaplen 128 of 3 pings, with each backend, then report --format pcapng: tshark on
#    the host finds >= 3 pod echo requests to 10.244.2.7, >= 3 inside VXLAN with VNI 4096
#    (-d udp.port==4789,vxlan), interfaces named by the devices, a comment on every packet
#    (without tshark on the host those checks are skipped, said on stdout).
# Needs root; about 20-40 s (TCG), more on the first run (qemu packages, a 70 MB kernel .deb
# cached under /var/cache/vxa-qemu). Not part of ctest: run it by hand or in a CI job that
# allows it:   bash tests/qemu-kprobe.sh build/vxanalyze
# run.sh is found at $VX_SHARED/qemu-kprobe/run.sh, ../shared/qemu-kprobe/run.sh (next to the
# clone) or /work/shared/qemu-kprobe/run.sh.
set -u
vx=${1:-build/vxanalyze}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (qemu-kprobe/run.sh installs packages, mknod)"; exit 77; }
[ -x "$vx" ] || { echo "FAIL: $vx is not an executable (build first)" >&2; exit 1; }
run=""
for d in "${VX_SHARED:-}" "$root/../shared" /work/shared; do
	[ -n "$d" ] && [ -f "$d/qemu-kprobe/run.sh" ] && { run=$d/qemu-kprobe/run.sh; break; }
done
[ -n "$run" ] || { echo "SKIP: shared/qemu-kprobe/run.sh not found (set VX_SHARED)"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$tmp/guest.sh" <<'GUEST'
#!/bin/sh
# runs inside the guest (dash, busybox, iproute2); prints, the host checks
T=/sys/kernel/tracing
DB=/root/k.db
state() { # after a run: what is left of kprobes and instances
	echo "VXT-LEFT $1 kprobes=[$(cat $T/kprobe_events | tr '\n' ';')] instances=[$(ls $T/instances | tr '\n' ' ')]"
}
started() { # wait until recorder $1 has its instance (setup is slow under TCG), then 1 s more
	i=0
	while [ ! -d $T/instances/vxanalyze-$1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
}
echo "=== probes"
vxanalyze probes --preset all
echo "=== record vxlan"
vxanalyze record -d $DB --backend ftrace --preset vxlan -- ip netns exec p1 ping -c 3 10.244.2.7
echo "VXT-RC vxlan $?"
state vxlan
echo "=== record route"
vxanalyze record -d $DB --backend ftrace --preset route -- sh -c \
  'ip -n h1 route add 10.244.3.0/24 via 10.244.3.0 dev vxlan.calico onlink; ip -n h1 route add 10.9.9.0/24 via 10.99.99.99 dev eth0'
echo "VXT-RC route $?"
state route
echo "=== record perf"
vxanalyze record -d $DB --backend perf --preset vxlan -- ip netns exec p1 ping -c 1 10.244.2.7
echo "VXT-RC perf $?"
state perf
echo "=== SIGINT"
vxanalyze record -d $DB --backend ftrace -- sleep 5 &
p=$!
started $p
echo "VXT-DURING kprobes=[$(cat $T/kprobe_events | tr '\n' ';')]"
kill -INT $p
wait $p
echo "VXT-RC sigint $?"
state sigint
echo "=== SIGKILL + clean"
vxanalyze record -d $DB --backend ftrace -- sleep 5 &
p=$!
started $p
kill -KILL $p
wait $p
state sigkill
vxanalyze clean
echo "VXT-RC clean $?"
state clean
echo "=== busy: a probe of group vxanalyze that is not ours"
echo 'p:vxanalyze/ip_output ip_output' >> $T/kprobe_events
vxanalyze record -d $DB --backend ftrace -- true
echo "VXT-RC busy $?"
vxanalyze clean
state busy
echo "=== refused: a kprobe-blacklisted function, after the preset's probes were placed"
bl=$(awk '{print $2}' /sys/kernel/debug/kprobes/blacklist | grep -E '^[A-Za-z0-9_]+$' | while read f; do
	grep -q " [tT] $f\$" /proc/kallsyms && { echo $f; break; }; done)
echo "VXT-BLACKLISTED $bl"
vxanalyze record -d $DB --backend ftrace --probe "$bl" -- true
echo "VXT-RC refused $?"
state refused
echo "=== clean beside a live recording of the default (perf) backend: no instance, its spool"
vxanalyze record -d /root/live.db -- sleep 5 &
p=$!
i=0
while ! ls -d /tmp/vxanalyze-$p.* >/dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
vxanalyze clean > /root/clean-live.out 2>&1
echo "VXT-RC cleanlive $?"
sed 's/^/VXT-CLEANLIVE /' /root/clean-live.out
wait $p
echo "VXT-RC perflive $?"
state perflive
echo "=== record --filter, and IPv6 headers"
ip -n h1 addr add fd00::1/64 dev eth0 nodad
ip -n h2 addr add fd00::2/64 dev eth0 nodad
vxanalyze record -d /root/f.db --filter 'icmp and dst 10.244.2.7' -- sh -c \
  'ip netns exec p1 ping -c 2 10.244.2.7 && ip netns exec h1 ping -6 -c 2 fd00::2' > /root/f.out 2>&1
echo "VXT-RC filter $?"
sed 's/^/VXT-FOUT /' /root/f.out
state filter
vxanalyze record -d /root/f6.db --filter 'icmp6 and host fd00::2' -- ip netns exec h1 ping -6 -c 2 fd00::2 \
  > /root/f6.out 2>&1
echo "VXT-RC filter6 $?"
sed 's/^/VXT-FOUT /' /root/f6.out
echo "VXT-FJSON-BEGIN"
vxanalyze report -d /root/f.db --format json
echo "VXT-FJSON-END"
echo "VXT-F6JSON-BEGIN"
vxanalyze report -d /root/f6.db --format json
echo "VXT-F6JSON-END"
echo "=== record --snaplen 128, report --format pcapng, with each backend"
for be in perf ftrace; do
	vxanalyze record -d /root/s-$be.db --backend $be --snaplen 128 -- ip netns exec p1 ping -c 3 10.244.2.7 \
		> /root/s.out 2>&1
	echo "VXT-RC snap$be $?"
	sed 's/^/VXT-SOUT /' /root/s.out
	state snap$be
	sqlite3 /root/s-$be.db "select 'VXT-SNAPLEN', '$be', value from capture_meta where key = 'snaplen';"
	vxanalyze report -d /root/s-$be.db --format pcapng -o /root/s-$be.pcapng
	echo "VXT-RC pcapng$be $?"
	vxa-export /root/s-$be.pcapng
done
echo "=== database"
sqlite3 $DB "select 'VXT-CAP', id, format, events, lost_events from captures;"
sqlite3 $DB "select 'VXT-EV', capture_id, name, count(*), count(stack_id) from events group by capture_id, name;"
sqlite3 $DB "select 'VXT-LEN', e.capture_id, e.name, e.len, s.depth from events e left join stacks s on s.id = e.stack_id where e.name like 'vxanalyze:%' group by e.capture_id, e.name, e.len;"
sqlite3 $DB "select 'VXT-RET', fields from events where name = 'vxanalyze:fib_check_nh_ret';"
sqlite3 $DB "select 'VXT-META', capture_id, key, replace(value, char(10), ';') from capture_meta where key in ('kprobes', 'clock', 'kernel_release', 'backend');"
sqlite3 $DB "select 'VXT-KALLSYMS', capture_id, length(value) from capture_meta where key = 'kallsyms';"
echo "=== btf"
vxanalyze probes 2>&1 | grep '^btf:' | sed 's/^/VXT-/'
echo "=== report"
echo "VXT-JSON-BEGIN"
vxanalyze report -d $DB --capture 1 --format json
echo "VXT-JSON-END"
echo "=== truth"
sh /vxt/truth-guest.sh
exit 0
GUEST

out=$tmp/out
command -v sqlite3 >/dev/null || { echo "SKIP: needs the sqlite3 shell (apt-get install sqlite3)"; exit 77; }
for t in nft ethtool; do
	command -v $t >/dev/null || { echo "SKIP: needs $t (apt-get install nftables ethtool)"; exit 77; }
done
# nftables' NAT in the guests (crc32c_generic first: libcrc32c needs it)
export VXA_EXTRA_MODULES="crc32c_generic nf_tables nft_chain_nat nft_nat"
tools=(--add "$vx:/usr/bin/vxanalyze" --add "$(command -v sqlite3):/usr/bin/sqlite3"
       --add "$(command -v nft):/usr/sbin/nft" --add "$(command -v ethtool):/usr/sbin/ethtool")
runargs=(-q --out "$out" "${tools[@]}" --add "$root/samples/truth-guest.sh:/vxt/truth-guest.sh"
	 --add "$tmp/guest.sh:/vxt/guest.sh" --cmd 'sh /vxt/guest.sh')
export VXA_QEMU_TIMEOUT=${VXA_QEMU_TIMEOUT:-300}
# run.sh uses TCG unless VXA_QEMU_ACCEL=kvm: a nested /dev/kvm can hang the guest at boot
bash "$run" "${runargs[@]}" || fail "run.sh exited $? (see $out)"
g=$out/guest.out
[ -s "$g" ] || fail "no guest output"
[ -n "${VXT_KEEP:-}" ] && cp "$g" "$VXT_KEEP"

python3 - "$g" <<'PY' || { sed -n '/=== probes/,/VXT-JSON-BEGIN/p' "$g" >&2; fail "checks on the guest output"; }
import json, re, sys
text = open(sys.argv[1]).read()
lines = text.splitlines()
def grab(tag):
    return [l.split("|") for l in lines if l.startswith(tag + "|")]
rc = dict(re.findall(r"^VXT-RC (\w+) (\d+)$", text, re.M))
left = dict(re.findall(r"^VXT-LEFT (\w+) (.*)$", text, re.M))
for step in ("vxlan", "route", "perf", "sigint", "clean", "busy", "refused", "perflive", "filter",
             "snapperf", "snapftrace"):
    if step not in ("busy", "refused"):
        assert rc.get(step) == "0", ("exit status", step, rc)
    assert left[step] == "kprobes=[] instances=[]", ("left behind after", step, left[step])
# errors name the probe and the reason, and fail the recording
assert rc["busy"] == "1" and re.search(r"error: probe vxanalyze/ip_output: busy", text), rc
bl = re.search(r"^VXT-BLACKLISTED (\w+)$", text, re.M).group(1)
assert rc["refused"] == "1", rc
assert re.search(r"error: probe %s on %s: kernel refused it" % (bl, bl), text), "refused message"
# a SIGKILLed run leaves its kprobes and instance: that is what clean is for
assert "vxanalyze/" in left["sigkill"] and "vxanalyze-" in left["sigkill"], left["sigkill"]
assert re.search(r"^VXT-DURING kprobes=\[p:vxanalyze/", text, re.M), "kprobes not placed while recording"
# clean beside a live perf-backend recording (no instance, only its spool) keeps its kprobes
assert rc["cleanlive"] == "0", rc
assert re.search(r"^VXT-CLEANLIVE kprobes of group vxanalyze kept: vxanalyze pid \d+ is recording$", text, re.M), \
    [l for l in lines if l.startswith("VXT-CLEANLIVE")]

caps = {int(c[1]): c for c in grab("VXT-CAP")}
assert caps[1][2] == "record-ftrace" and caps[3][2] == "record-perf", caps
ev = {}
for _, cap, name, n, nst in grab("VXT-EV"):
    ev[(int(cap), name)] = (int(n), int(nst))
for cap, name in ((1, "vxanalyze:ip_output"), (1, "vxanalyze:iptunnel_xmit"),
                  (2, "vxanalyze:fib_check_nh"), (2, "vxanalyze:netlink_recvmsg"),
                  (2, "vxanalyze:fib_check_nh_ret"), (3, "vxanalyze:ip_output"),
                  (3, "vxanalyze:iptunnel_xmit")):
    n, nst = ev.get((cap, name), (0, 0))
    assert n > 0, ("no events", cap, name, ev)
    if not name.endswith("_ret"):
        assert nst == n, ("events without stack", cap, name, n, nst)
# per ping (request + reply): 2 iptunnel_xmit and 8 ip_output hits (README of qemu-kprobe)
assert ev[(1, "vxanalyze:iptunnel_xmit")][0] >= 6, ev[(1, "vxanalyze:iptunnel_xmit")]
assert ev[(1, "vxanalyze:ip_output")][0] >= 24, ev[(1, "vxanalyze:ip_output")]
lens = {(int(c), n, l) for _, c, n, l, d in grab("VXT-LEN")}
# skb->len fetched at its BTF offset: 84 for the inner packet, 134 after VXLAN encapsulation
assert (1, "vxanalyze:ip_output", "84") in lens and (1, "vxanalyze:ip_output", "134") in lens, lens
rets = [json.loads(f[1])["ret"] for f in grab("VXT-RET")]
assert "-101" in rets and "0" in rets, rets
meta = {(int(m[1]), m[2]): m[3] for m in grab("VXT-META")}
assert "p:vxanalyze/ip_output ip_output skb=%dx:x64" in meta[(1, "kprobes")], meta
assert "r:vxanalyze/fib_check_nh_ret fib_check_nh ret=$retval:s32" in meta[(2, "kprobes")], meta
assert all(int(k[2]) > 100000 for k in grab("VXT-KALLSYMS")), "kallsyms not stored"

js = json.loads(text.split("VXT-JSON-BEGIN\n", 1)[1].split("VXT-JSON-END", 1)[0])
paths = {p["id"]: p for p in js["paths"]}
dbl = [p for p in paths.values() if p["event"].endswith("ip_output") and p["reenters_ip_after_encap"]]
assert dbl, "no ip_output kprobe path re-entering IP after encap"
# the kprobe events join the tracepoints' journeys through skb == skbaddr
mixed = [j for j in js["journeys"]
         if any(h["event"].endswith("ip_output") for h in j["hops"])
         and any(h["event"].endswith("net_dev_start_xmit") for h in j["hops"])
         and j["overhead_bytes"] == 50]
assert mixed, "no journey joining kprobe and tracepoint hops with +50 bytes"
# packet headers read through the guest's own BTF offsets (record-btf.c), not a table
assert re.search(r"^VXT-btf: +yes: sk_buff", text, re.M), "no BTF layout in the guest"
assert "ip_src=+12(+" in meta[(1, "kprobes")] and "vx_w1=+12(+" in meta[(1, "kprobes")], meta[(1, "kprobes")]
hops = [h for j in js["journeys"] for h in j["hops"]]
pk = [(h["event"].split(":")[-1], h["pkt"]) for h in hops if h.get("pkt")]
req = [p for e, p in pk if e == "ip_output" and p["proto"] == 1 and p.get("icmp_type") == 8
       and p["src"] == "10.244.1.5" and p["dst"] == "10.244.2.7"]
rep = [p for e, p in pk if e == "ip_output" and p["proto"] == 1 and p.get("icmp_type") == 0
       and p["src"] == "10.244.2.7" and p["dst"] == "10.244.1.5"]
assert req and rep, ("no echo request/reply read at ip_output", pk[:6])
assert len({p["icmp_seq"] for p in req}) >= 3, ("ICMP sequences of 3 pings", req)
tun = [p for e, p in pk if e == "iptunnel_xmit"]
assert tun and all(p["vni"] == 4096 and p["dport"] == 4789 and p["proto"] == 17 for p in tun), tun
assert any(p["src"] == "192.168.50.1" and p["dst"] == "192.168.50.2" and p["inner"]["src"] == "10.244.1.5"
           and p["inner"]["proto"] == 1 for p in tun), tun
assert any(e == "ip_rcv" and p["proto"] == 1 for e, p in pk), "no header read on the receive side"
# one packet, one identity: every header-reading hop of a journey agrees on the inner packet
for j in js["journeys"]:
    ids = {(p["inner"] if p.get("vni") is not None else p)["icmp_seq"]
           for p in (h.get("pkt") for h in j["hops"]) if p and (p.get("inner") or p).get("proto") == 1
           and (p["inner"] if p.get("vni") is not None else p).get("icmp_seq") is not None}
    assert len(ids) <= 1, ("one journey, several ICMP sequences", j["id"], ids)
# the route lookup that decided a transmit is found across the kprobe hops (ip_output runs
# between the lookup and the transmit): the pod's and the tunnel's transmits show theirs
routed = {(h["dev"], h["route"]["gw"]) for j in js["journeys"] for h in j["hops"] if h.get("route")}
assert ("vxlan.calico", "10.244.2.0") in routed and ("eth0", "169.254.1.1") in routed, routed
# record --filter: only the echo requests' journeys are stored (the replies, the IPv6 ping
# and the neighbour discovery are counted as filtered), matched through the kprobe headers
assert rc["filter6"] == "0", rc
assert re.search(r"^VXT-FOUT filtered events: [1-9][0-9]* \(journeys not matching 'icmp and dst 10.244.2.7'\)",
                 text, re.M), "record --filter summary"
fj = json.loads(text.split("VXT-FJSON-BEGIN\n", 1)[1].split("VXT-FJSON-END", 1)[0])
assert fj["captures"][0]["filter"] == "icmp and dst 10.244.2.7" and fj["captures"][0]["filtered_events"] > 0, fj["captures"]
seqs = set()
for j in fj["journeys"]:
    pk = [h["pkt"] for h in j["hops"] if h.get("pkt")]
    pk = [p.get("inner") or p for p in pk]
    assert any(p["proto"] == 1 and p["dst"] == "10.244.2.7" for p in pk), ("kept a journey that does not match", pk)
    seqs |= {p["icmp_seq"] for p in pk if p.get("icmp_type") == 8}
assert seqs == {0, 1}, ("the two echo requests", seqs)
# IPv6: ip6_output / ip6_rcv read the echo's header (next header 58, id, sequence)
f6 = json.loads(text.split("VXT-F6JSON-BEGIN\n", 1)[1].split("VXT-F6JSON-END", 1)[0])
p6 = [(h["event"].split(":")[-1], h["pkt"]) for j in f6["journeys"] for h in j["hops"] if h.get("pkt")]
echo6 = [(e, p) for e, p in p6 if p.get("ip_version") == 6 and p["proto"] == 58 and p.get("icmp_type") in (128, 129)]
assert {e for e, p in echo6} >= {"ip6_output", "ip6_rcv"}, p6
assert {(p["src"], p["dst"], p["icmp_type"], p["icmp_seq"]) for e, p in echo6} == \
    {("fd00::1", "fd00::2", 128, 0), ("fd00::2", "fd00::1", 129, 0), ("fd00::1", "fd00::2", 128, 1),
     ("fd00::2", "fd00::1", 129, 1)}, echo6
for j in f6["journeys"]:	# each kept journey matches 'icmp6 and host fd00::2' through a header
    assert any(h.get("pkt") and h["pkt"]["proto"] == 58 and "fd00::2" in (h["pkt"]["src"], h["pkt"]["dst"])
               for h in j["hops"]), ("kept a journey that does not match", j["hops"])
print("IPv6 echo at ip6_output:", next(p for e, p in echo6 if e == "ip6_output"))
print("record --filter: kept", len(fj["journeys"]), "journeys, filtered", fj["captures"][0]["filtered_events"], "events")
print("packet at the tunnel:", tun[0])
print("kprobe events per capture:", {k: v for k, v in ev.items() if k[1].startswith("vxanalyze:")})
print("double-trip ip_output path:", " <- ".join(dbl[0]["frames"][:8]))
PY
grep -q '^VXT-RC pcapngperf 0$' "$g" && grep -q '^VXT-RC pcapngftrace 0$' "$g" ||
	fail "report --format pcapng in the guest: $(grep '^VXT-RC pcapng' "$g")"
for be in perf ftrace; do
	grep -q "^VXT-SNAPLEN|$be|128$" "$g" || fail "$be: capture meta snaplen is not 128"
done
# the pcapng files the guest sent (vxa-export: base64 between markers)
mkdir -p "$tmp/files"
awk -v dir="$tmp/files" '
	/^=== VXA-FILE-END ===$/ { if (f != "") close(cmd); f = ""; next }
	/^=== VXA-FILE .* ===$/ { f = $3; gsub(/[^A-Za-z0-9._-]/, "_", f); cmd = "base64 -d > \"" dir "/" f "\""; next }
	f != "" { print | cmd }' "$g"
if command -v tshark >/dev/null; then
	for be in perf ftrace; do
		f=$tmp/files/s-$be.pcapng
		[ -s "$f" ] || fail "$be: no pcapng came back from the guest"
		ts() { tshark -r "$f" -d udp.port==4789,vxlan "$@" 2>/dev/null; }
		req=$(ts -Y 'icmp.type == 8 && ip.dst == 10.244.2.7 && !vxlan' | wc -l)
		vxl=$(ts -Y 'vxlan.vni == 4096 && icmp.type == 8 && ip.dst == 10.244.2.7' | wc -l)
		[ "$req" -ge 3 ] || fail "$be: $req pod echo requests to 10.244.2.7 in the pcapng"
		[ "$vxl" -ge 3 ] || fail "$be: $vxl echo requests inside VXLAN VNI 4096 in the pcapng"
		ifs=$(ts -T fields -e frame.interface_name | sort -u | tr '\n' ' ')
		[ -n "$ifs" ] && [ -z "$(echo $ifs | tr ' ' '\n' | grep -vxE 'eth0|cali1|cali2|vxlan.calico|lo')" ] ||
			fail "$be: interface names are not the devices: $ifs"
		nc=$(ts -T fields -e frame.comment | grep -cvE '^journey [0-9]+ hop [0-9]+ [a-z0-9_]+ \([a-z]+\)')
		[ "$nc" = 0 ] || fail "$be: $nc packets without a journey/hop comment"
		echo "pcapng ($be backend): $(ts | wc -l) packets, $req echo requests to 10.244.2.7, $vxl in VXLAN VNI 4096, interfaces $ifs"
	done
else
	echo "note: tshark missing on this host: the pcapng files are not read back (apt-get install tshark)"
fi
# what happened to each packet: the truth-guest.sh databases, read by the binary on the host
tr -d '\r' < "$g" > "$tmp/g"
for n in ping nat gso; do
	awk -v f="=== VXA-FILE $n.db ===" '/^=== VXA-FILE-END ===$/ { p = 0; next } $0 == f { p = 1; next } p' "$tmp/g" |
		base64 -d > "$tmp/$n.db"
	"$vx" report -d "$tmp/$n.db" --format json -o "$tmp/$n.json" || fail "report of the guest's $n.db"
done
# two guests: GRO on node b, the DNATed ping joined across the hosts
bash "$run" --pair -q --out "$tmp/pair" "${tools[@]}" --add "$root/samples/truth-pair-guest.sh:/vxa/truth-pair-guest.sh" \
	--cmd 'sh /vxa/truth-pair-guest.sh a' --cmd-b 'sh /vxa/truth-pair-guest.sh b' || fail "run.sh --pair exited $?"
"$vx" import -q -d "$tmp/pair.db" "$tmp/pair/a/files/a.db" "$tmp/pair/b/files/b.db" || fail "import of the pair's databases"
"$vx" report -d "$tmp/pair.db" --format json -o "$tmp/pair.json" || fail "report of the pair"
python3 - "$tmp" <<'PY' || fail "what happened to each packet"
import json, sys
d = sys.argv[1]
def load(n):
    r = json.load(open(f"{d}/{n}.json"))
    return r, {j["id"]: j for j in r["journeys"]}
def first_pkt(j):
    for h in j["hops"]:
        p = h.get("pkt")
        if p and p.get("vni") is None:
            return p
    return None
# a ping on a raw socket: every echo reply delivered to ping through its clone, none dropped
r, js = load("ping")
replies = [j for j in js.values() if (first_pkt(j) or {}).get("icmp_type") == 0 and not j["hops"][0]["event"].endswith("_ret")]
assert len(replies) == 3, [(j["id"], j["end"]) for j in replies]
for j in replies:
    assert j["end"] == "delivered" and j["via_clone"] and j["delivered_to"]["comm"] == "ping", (j["id"], j["end"], j["delivered_to"])
    kids = [js[l["journey_id"]] for l in j["links"] if l["kind"] == "clone" and l["role"] == "child" and l["journey_id"] in js]
    assert any(k["end"] == "delivered" and k["delivered_to"]["comm"] == "ping" for k in kids), j["links"]
assert not any(x["location"] and x["location"].split("+")[0] in ("icmp_rcv", "ping_rcv") for x in r["drops"]), r["drops"]
assert "3 echo replies delivered to ping (pid " in r["commands"][0]["summary"], r["commands"][0]["summary"]
assert all(not x["reason"].isdigit() for x in r["drops"]), r["drops"]
# DNAT to the service IP: a dnat and an snat per ping, by the NAT function, nothing dropped
r, js = load("nat")
nats = [h["nat"] for j in js.values() for h in j["hops"] if h["nat"]]
assert sorted(n["kind"] for n in nats) == ["dnat", "dnat", "snat", "snat"], nats
assert all(n["function"] for n in nats), nats
assert not any(j["end"] == "dropped" for j in js.values() if j["from_command"]), r["drops"]
# software GSO: each segment's journey reaches the wire (the underlay's transmit, then a receive)
r, js = load("gso")
seg = 0
for j in js.values():
    if j["end"] != "segmented":
        continue
    for l in j["links"]:
        if l["kind"] != "segment" or l["role"] != "child" or l["journey_id"] not in js:
            continue
        hops = js[l["journey_id"]]["hops"]
        assert any(a["event"] == "net:net_dev_start_xmit" and a["dev"] == "eth0" and b["event"].startswith("net:netif_")
                   for a, b in zip(hops, hops[1:])), [h["event"] for h in hops]
        seg += 1
assert seg >= 4, seg
# two hosts: GRO merges link into their heads; the DNATed echo requests joined across them
r, js = load("pair")
merged = [j for j in js.values() if j["end"] == "merged"]
assert merged and all(any(l["kind"] == "merge" and l["role"] == "parent" for l in j["links"]) for j in merged), len(merged)
natj = [jd for jd in r["joined_journeys"] if any(h["nat"] for i in jd["journey_ids"] if i in js for h in js[i]["hops"])]
assert len(natj) >= 2 and all(len(jd["hosts"]) == 2 for jd in natj), natj
print("truth: %d clone-delivered replies, %d NAT rewrites, %d segments, %d merges, %d NATed joins"
      % (len(replies), len(nats), seg, len(merged), len(natj)))
PY
echo "qemu-kprobe: ok (guest output: keep it with VXT_KEEP=FILE)"
