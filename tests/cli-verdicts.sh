#!/usr/bin/env bash
# cli-verdicts.sh: what happened to each packet, through the binary, on the recorder's own
# captures of the 6.1 guest (samples/capture-truth-qemu.sh): the text report opens with the
# command's one-line verdict and its journeys, shows links at their hops and NAT at its hop;
# the JSON contract's links (on both journeys), nat, end and commands; the HTML page's
# command line and the journeys drawn under their parent; a tracepoint-only capture says once
# what it cannot follow; a database recorded before (no command_pids) reports as before.
set -u
vx=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# text: the command's line first (after the captures), its journeys before the others
"$vx" report -d "$samples/truth-ping.db" > "$tmp/ping.txt" || fail "text report of truth-ping.db"
line=$(grep -n "^ip netns exec p1 ping -c 3 10.244.2.7 (pid [0-9]*): " "$tmp/ping.txt" | cut -d: -f1)
[ -n "$line" ] || fail "text: no command line"
first=$(grep -n "^journey " "$tmp/ping.txt" | head -1 | cut -d: -f1)
[ "$line" -lt "$first" ] || fail "text: the command's line is not before the journeys"
tr '\n' ' ' < "$tmp/ping.txt" | sed 's/  */ /g' > "$tmp/ping.flat"
grep -q "3 echo replies delivered to ping (pid [0-9]*); 0 dropped" "$tmp/ping.flat" || fail "text: the replies' verdict"
mine=$(grep -n "^the command's packets, and what they led to:" "$tmp/ping.txt" | cut -d: -f1)
other=$(grep -n "^the other traffic, by shape:" "$tmp/ping.txt" | cut -d: -f1)
[ -n "$mine" ] && [ -n "$other" ] && [ "$mine" -lt "$other" ] || fail "text: sections in the wrong order"
grep -q "↳ cloned into journey [0-9]* (skb_clone)" "$tmp/ping.txt" || fail "text: no clone at its hop"
grep -q "↰ a clone of journey [0-9]*, from its hop [0-9]* (skb_clone)" "$tmp/ping.txt" || fail "text: no parent"
grep -q "end: delivered to ping (pid [0-9]*) at sock_queue_rcv, through a clone of it; the skb was freed" \
	"$tmp/ping.flat" || fail "text: the original's end"
grep -q "dropped at ping_rcv\|dropped at icmp_rcv" "$tmp/ping.txt" && fail "text: a delivered reply counted as dropped"
grep -q "tracepoints only" "$tmp/ping.txt" && fail "text: a capture with kprobes said it follows nothing"
awk 'length > 80 { bad = 1 } END { exit bad }' "$tmp/ping.txt" || fail "text wider than 80 columns"

# JSON: links on both journeys, verdicts, NAT, the command
for s in ping nat gso; do
	"$vx" report -d "$samples/truth-$s.db" --format json -o "$tmp/$s.json" || fail "json report of truth-$s.db"
done
python3 - "$tmp" <<'PY' || fail "json contract"
import json, sys
from collections import Counter
d = sys.argv[1]
ENDS = {"delivered", "sent", "dropped", "merged", "segmented", "unknown"}
for name in ("ping", "nat", "gso"):
    r = json.load(open(f"{d}/{name}.json"))
    js = {j["id"]: j for j in r["journeys"]}
    for j in js.values():
        assert j["end"] in ENDS and j["end_rule"] in {"freed", "reused", "silence", "capture_end"}, j["end"]
        assert (j["reuse_rule"] is None) == (j["end_rule"] != "reused")
        for l in j["links"]:
            assert l["kind"] in {"clone", "copy", "segment", "merge"} and l["role"] in {"parent", "child"}, l
            o = js.get(l["journey_id"])
            if o is None:
                continue
            back = [m for m in o["links"] if m["journey_id"] == j["id"] and m["kind"] == l["kind"]
                    and m["role"] != l["role"] and m["hop"] == l["other_hop"] and m["other_hop"] == l["hop"]]
            assert back, (name, j["id"], l, o["links"])
    assert sum(r["verdicts"].values()) == r["journeys_total"], r["verdicts"]
    assert sum(x["count"] for x in r["drops"]) == r["verdicts"]["dropped"], (r["drops"], r["verdicts"])
    assert len(r["commands"]) == 1 and r["commands"][0]["pids"], r["commands"]
    assert not any(w.startswith("tracepoints only") for w in r["warnings"]), r["warnings"]
ping = json.load(open(f"{d}/ping.json"))
c = ping["commands"][0]
assert c["command"] == "ip netns exec p1 ping -c 3 10.244.2.7", c
assert {(p["what"], p["end"]): p["count"] for p in c["packets"]}[("echo reply", "delivered")] == 3, c
rep = [j for j in ping["journeys"] if j["via_clone"]]
assert len(rep) == 3 and all(j["drop"] and j["delivered_to"]["comm"] == "ping" and j["from_command"] for j in rep), rep
nat = json.load(open(f"{d}/nat.json"))
kinds = Counter(h["nat"]["kind"] for j in nat["journeys"] for h in j["hops"] if h["nat"])
assert kinds == {"dnat": 2, "snat": 2}, kinds
dn = [h["nat"] for j in nat["journeys"] for h in j["hops"] if h["nat"] and h["nat"]["kind"] == "dnat"][0]
assert dn["before"]["dst"] == "10.96.0.10" and dn["after"]["dst"] == "10.244.2.7" and dn["function"] == "nf_nat_manip", dn
assert dn["before"]["sport"] is None and dn["before"]["icmp_id"] == dn["after"]["icmp_id"], dn
assert nat["commands"][0]["summary"].endswith("; 0 dropped"), nat["commands"][0]["summary"]
assert not any(j["end"] == "dropped" for j in nat["journeys"] if j["from_command"]), nat["drops"]
gso = json.load(open(f"{d}/gso.json"))
assert gso["verdicts"]["segmented"] > 0 and gso["verdicts"]["merged"] > 0, gso["verdicts"]
PY

# HTML: the command's line, a journey drawn under its parent with the hop it came from
"$vx" report -d "$samples/truth-ping.db" --format html -o "$tmp/ping.html" || fail "html report"
grep -q '<p class="cmdline"><b>ip netns exec p1 ping -c 3 10.244.2.7 (pid [0-9]*): ' "$tmp/ping.html" ||
	fail "html: no command line"
grep -q '<div class="child"><p class="sub">↳ at hop #[0-9]*: clone, journey [0-9]* (skb_clone): delivered to ping' \
	"$tmp/ping.html" || fail "html: no clone drawn under its parent"
grep -q '<g class="link">' "$tmp/ping.html" || fail "html: no link marked in a diagram"
"$vx" report -d "$samples/truth-nat.db" --format html -o "$tmp/nat.html" || fail "html report of truth-nat.db"
grep -q '<g class="nat"><text [^>]*>dnat 10.244.2.7</text>' "$tmp/nat.html" || fail "html: no dnat at its hop"

# tracepoints only: said once in each format; an import has no command and keeps its order
"$vx" import -q -d "$tmp/tp.db" "$samples/vxlan-drops.trace" || fail "import of vxlan-drops.trace"
"$vx" report -d "$tmp/tp.db" > "$tmp/tp.txt" || fail "text report, tracepoints only"
[ "$(grep -c "^tracepoints only: a packet is followed while it keeps its skb" "$tmp/tp.txt")" = 1 ] ||
	fail "text: the tracepoint-only sentence not exactly once"
grep -q "the command's packets" "$tmp/tp.txt" && fail "text: an import split by a command"
"$vx" report -d "$tmp/tp.db" --format html -o "$tmp/tp.html" || fail "html report, tracepoints only"
[ "$(grep -c '<p class="follow">tracepoints only' "$tmp/tp.html")" = 1 ] || fail "html: the sentence not once"

# a database recorded before the command's pids were kept: no command line, the same report
"$vx" report -d "$samples/pair-a.db" > "$tmp/old.txt" || fail "report of an older database"
grep -q "(pid [0-9]*): " "$tmp/old.txt" && fail "an older database has no command's pids"
grep -q "^journey ends: " "$tmp/old.txt" || fail "older database: no ends"
# drop reasons by name in every input (samples/capture-reasons.sh: the blackhole, vxlan_xmit
# and ping_rcv drops of one run, recorded by perf and by a tracefs instance): the binary files'
# numbers named through their own skb:kfree_skb format, the texts as they printed them
for f in reasons.perf.data reasons.trace.dat reasons.perf-script.txt reasons.trace; do
	rm -f "$tmp/r.db"
	"$vx" import -q -d "$tmp/r.db" --kallsyms "$samples/reasons.kallsyms" "$samples/$f" || fail "import $f"
	"$vx" report -d "$tmp/r.db" --format json -o "$tmp/r-$f.json" || fail "report $f"
	python3 - "$tmp/r-$f.json" "$f" <<'PY' || fail "reason names of $f"
import json, sys
d = {(x["reason"], x["location"].split("+")[0]) for x in json.load(open(sys.argv[1]))["drops"]}
want = {("NOT_SPECIFIED", "ip_error"), ("NO_TX_TARGET", "vxlan_xmit"), ("NO_SOCKET", "ping_rcv")}
assert want <= d, (sys.argv[2], d)
assert not any(r.isdigit() for r, _ in d), d
PY
done
# a database stored before reasons were named (numbers, no table): UNKNOWN(n), not a number
"$vx" report -d "$samples/pair-a.db" --format json | python3 -c '
import json, sys
d = [x["reason"] for x in json.load(sys.stdin)["drops"]]
assert d and all(r.startswith("UNKNOWN(") for r in d), d' || fail "an older database reads UNKNOWN(n)"
echo "cli-verdicts: ok"
