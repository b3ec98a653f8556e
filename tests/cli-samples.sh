#!/usr/bin/env bash
# cli-samples.sh: the built vxanalyze on the bundled samples, end to end: import every
# sample, report as JSON, and check the story of the VXLAN capture and the JSON contract.
# usage: cli-samples.sh VXANALYZE SAMPLES_DIR
set -eu
vx=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/t.db

fail() { echo "FAIL: $*" >&2; exit 1; }

"$vx" import -d "$db" "$samples/vxlan-ping.trace" "$samples/route.trace" "$samples/seed-function-tracer.trace" \
	> "$tmp/import.out" || fail "import of the samples failed"
grep -q "vxlan-ping.trace: capture 1, ftrace-text, 66 events" "$tmp/import.out" || fail "import summary: $(cat "$tmp/import.out")"

# standard input works too, and is recorded as such
"$vx" import -d "$db" - < "$samples/vxlan-ping.trace_pipe" > "$tmp/stdin.out" || fail "import from stdin"
grep -q "<stdin>: capture 4" "$tmp/stdin.out" || fail "stdin import: $(cat "$tmp/stdin.out")"

"$vx" report -d "$db" --capture 1 --format json -o "$tmp/r.json" || fail "json report"
python3 - "$tmp/r.json" <<'PY' || fail "json report content"
import json, sys
r = json.load(open(sys.argv[1]))
assert set(r) >= {"captures", "paths", "journeys"}, r.keys()
c = r["captures"]
assert len(c) == 1 and c[0]["id"] == 1 and c[0]["format"] == "ftrace-text" and c[0]["events"] == 66, c
assert c[0]["lost_events"] == 0 and c[0]["truncated"] is False
paths = {p["id"]: p for p in r["paths"]}
for p in paths.values():
    assert set(p) >= {"id", "count", "event", "frames", "layers", "ip_passes", "encap", "reenters_ip_after_encap"}
    assert len(p["frames"]) == len(p["layers"])
    assert not any(f.startswith("trace_event_raw_event") for f in p["frames"])
assert sum(p["count"] for p in paths.values()) == 66
js = r["journeys"]
def devs(j): return [h["dev"] for h in j["hops"]]
req = [j for j in js if devs(j)[:5] == ["eth0", "cali1", "cali1", "vxlan.calico", "eth0"]]
assert len(req) == 3, [devs(j) for j in js]
for j in req:
    assert j["encap"] == "vxlan" and j["overhead_bytes"] == 50, j
    under = [h for h in j["hops"] if h["dev"] == "eth0" and h["len"] == 148]
    assert len(under) == 1
    p = paths[under[0]["path_id"]]
    assert p["reenters_ip_after_encap"] is True and p["ip_passes"] == 3 and p["encap"] == "vxlan", p
    assert "iptunnel_xmit" in p["frames"] and p["frames"].count("ip_output") >= 2
    ts = [h["ts_ns"] for h in j["hops"]]
    assert ts == sorted(ts)
rep = [j for j in js if devs(j)[:2] == ["eth0", "cali2"]]
assert len(rep) == 3 and all(j["overhead_bytes"] == 50 for j in rep)
PY

# the text report tells the story in words and fits 80 columns
"$vx" report -d "$db" --capture 1 > "$tmp/r.txt" || fail "text report"
grep -q "vxlan encapsulation by vxlan.calico, then back up through IP" "$tmp/r.txt" || fail "text: no encapsulation sentence"
grep -q "+50 bytes of outer headers" "$tmp/r.txt" || fail "text: no overhead"
grep -q -- "-- encapsulating host" "$tmp/r.txt" || fail "text: no namespace stretches"
grep -q "back up into the IP layer" "$tmp/r.txt" || fail "text: no IP re-entry sentence"
awk 'length > 80 { print "line " NR " is " length " columns: " $0; bad = 1 } END { exit bad }' "$tmp/r.txt" ||
	fail "text report wider than 80 columns"

# the route scenario: three requests, three classes, explained in words
"$vx" report -d "$db" --capture 2 --format json -o "$tmp/route.json" || fail "route json"
python3 - "$tmp/route.json" <<'PY' || fail "route classes"
import json, sys
r = json.load(open(sys.argv[1]))["routes"]
assert [q["class"] for q in r] == ["validated", "rejected", "onlink"], r
assert r[1]["extack"] == "Nexthop has invalid gateway" and r[1]["gateway"] == "4.4.10.2"
for q in r:
    assert set(q) >= {"ts_ns", "pid", "comm", "gateway", "dev", "class", "err", "extack", "path_id"}
PY
"$vx" report -d "$db" --capture 2 > "$tmp/route.txt"
grep -q "onlink told the kernel the" "$tmp/route.txt" || fail "route text: no onlink explanation"
grep -q 'said "Nexthop has invalid gateway"' "$tmp/route.txt" || fail "route text: no extack"

# the seed's function-tracer stack: 2 IP passes, vxlan, no re-entry
"$vx" report -d "$db" --capture 3 --format json -o "$tmp/seed.json"
python3 - "$tmp/seed.json" <<'PY' || fail "seed path"
import json, sys
p = json.load(open(sys.argv[1]))["paths"]
assert len(p) == 1 and p[0]["ip_passes"] == 2 and p[0]["encap"] == "vxlan" and p[0]["reenters_ip_after_encap"] is False, p
assert p[0]["event"] == "ftrace:function" and p[0]["frames"][0] == "iptunnel_xmit"
PY

# the same kernel path from `cat trace` and from trace_pipe is one stored stack
"$vx" report -d "$db" --format json -o "$tmp/all.json"
python3 - "$tmp/all.json" <<'PY' || fail "cross-capture stack sharing"
import json, sys
r = json.load(open(sys.argv[1]))
under = [p for p in r["paths"] if p["event"] == "net:net_dev_start_xmit" and p["reenters_ip_after_encap"]]
hops = [(j["capture_id"], h["path_id"]) for j in r["journeys"] for h in j["hops"] if h["dev"] == "eth0" and h["len"] == 148]
# one path although two captures (trace and trace_pipe) hold the underlay transmit
assert len(under) == 1 and under[0]["count"] == len(hops), [(p["id"], p["count"]) for p in under]
assert {c for c, _ in hops} == {1, 4} and {p for _, p in hops} == {under[0]["id"]}, hops
PY

# a flood without free events (samples/capture-flood.sh): one journey per packet, each
# saying how it ended; the JSON contract's "end" values (the verdict) and "end_rule" (how
# the journey rule saw it end)
"$vx" import -d "$tmp/flood.db" --kallsyms "$samples/flood.kallsyms" "$samples/flood-nofree.perf.data" \
	"$samples/flood-free.perf.data" > /dev/null || fail "import of the flood samples"
"$vx" report -d "$tmp/flood.db" --format json -o "$tmp/flood.json" || fail "flood json report"
python3 - "$tmp/flood.json" <<'PY' || fail "flood journeys"
import json, sys
from collections import Counter
js = json.load(open(sys.argv[1]))["journeys"]
for cap, rules, ends in ((1, {"reused", "capture_end"}, {"unknown"}), (2, {"freed"}, {"delivered", "dropped"})):
    j = [j for j in js if j["capture_id"] == cap]
    assert len(j) == 60 and all(x["encap"] == "vxlan" and len(x["hops"]) <= 9 for x in j), Counter(len(x["hops"]) for x in j)
    assert {x["end_rule"] for x in j} == rules, Counter(x["end_rule"] for x in j)
    assert {x["end"] for x in j} == ends, Counter(x["end"] for x in j)
    assert all((x["reuse_rule"] is None) == (x["end_rule"] != "reused") for x in j)
# with free events: the echo requests are consumed by icmp_rcv in the pod (delivered to the
# local stack), the replies dropped by ping_rcv (tracepoints only: the raw socket's clone
# is not seen); the drop summary counts the dropped ones only
j2 = [j for j in js if j["capture_id"] == 2]
assert Counter((x["end"], x["end_where"]) for x in j2) == {("delivered", "icmp_rcv"): 30,
                                                          ("dropped", "ping_rcv+0xb3/0xe0"): 30}, j2[0]
assert all(x["delivered_locally"] for x in j2 if x["end"] == "delivered")
r = json.load(open(sys.argv[1]))
assert r["verdicts"] == {"unknown": 60, "delivered": 30, "sent": 0, "dropped": 30, "merged": 0, "segmented": 0}, r["verdicts"]
assert sum(d["count"] for d in r["drops"]) == 30, r["drops"]
assert any(w.startswith("tracepoints only:") for w in r["warnings"]), r["warnings"]
assert r["commands"] == [] and all(x["links"] == [] and not x["from_command"] for x in js)
PY
"$vx" report -d "$tmp/flood.db" --capture 1 > "$tmp/flood.txt" || fail "flood text report"
tr '\n' ' ' < "$tmp/flood.txt" | sed 's/  */ /g' |
	grep -q "end: unknown; another packet used the address next (inferred): created by a send" ||
	fail "text: no journey end"
awk 'length > 80 { print "line " NR " is " length " columns: " $0; bad = 1 } END { exit bad }' "$tmp/flood.txt" ||
	fail "flood text report wider than 80 columns"

"$vx" captures -d "$db" | grep -q "<stdin>" || fail "captures list"
"$vx" captures -d "$db" --delete 4 >/dev/null || fail "captures --delete"
"$vx" captures -d "$db" | grep -q "<stdin>" && fail "capture 4 still listed after delete"
echo "cli-samples: ok"
