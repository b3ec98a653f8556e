#!/usr/bin/env bash
# fleet.sh: `vxanalyze export` into ClickHouse and `vxanalyze fleet` from it, on servers of
# its own (tests/clickhouse-lab.sh: two clickhouse-server processes, free ports, a cluster
# "vx" of two shards; stopped by pid on exit, failure and signals). Twenty nodes made from
# the real two-host pair (samples/pair-a.db, pair-b.db): ten copies of each with their own
# host name, boot id and IP ids, each pair a_k/b_k a pair of hosts; every node exports its
# own database into the cluster; `fleet` agrees with `report` on one SQLite database holding
# all twenty (captures, journeys by host and end, drops, the joined journeys one by one,
# journeys left apart, the clock of the report's reference pair); rows are on both shards; a
# second export adds nothing; rows of an unfinished batch are never counted. The pair itself
# exported from both nodes into one server joins the same journeys as `report` on the
# merged database, and so does the pair of 6.1 guests with kprobes (truth-pair-a/b.db), with
# the same ends and drops. The 6.1 guest's journeys (clones delivered, segments, merges, NAT) end
# and drop as in report, and their links and NAT rewrites are exported as report shows them. Errors:
# server down, bad URLs, a table of another schema, ClickHouse's own error answer, no such
# cluster. Hostile host names stay escaped in the HTML page.
# Skips (77) when clickhouse-server is not installed.
# usage: fleet.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
. "$here/clickhouse-lab.sh"
cleanup() { ch_stop; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "needs the sqlite3 CLI"
command -v curl > /dev/null || fail "needs curl"

ch_start "$tmp/ch" 2
rc=$?
[ $rc -eq 77 ] && { echo "SKIP: clickhouse-server is not installed"; exit 77; }
[ $rc -eq 0 ] || fail "the ClickHouse servers do not start"
url0=${CH_URL[0]}
url1=${CH_URL[1]}

# --- twenty nodes from the pair: a_k and b_k, IP ids moved by k so that pairs differ ---
# (an IP id of 0 stays 0: those packets are told apart by their TCP sequence only, the same in
# every copy, so they are seen on all twenty hosts and left apart as ambiguous)
node_db() {	# node_db SRC DST HOST K
	cp "$1" "$2" || return 1
	sqlite3 "$2" "
		UPDATE capture_meta SET value = '$3' WHERE key = 'hostname';
		UPDATE capture_meta SET value = substr(value, 1, 24) || printf('%012d', $4 * 7 + length('$3'))
			WHERE key = 'boot_id';
		UPDATE fieldsets SET hash = hash + $4 * 1000003 + 17,
			fields = json_set(fields, '\$.ip_id', CAST(CASE WHEN CAST(json_extract(fields, '\$.ip_id') AS INTEGER) = 0
				THEN 0 ELSE (CAST(json_extract(fields, '\$.ip_id') AS INTEGER) - 1 + 4099 * $4) % 65535 + 1 END AS TEXT))
			WHERE json_extract(fields, '\$.ip_id') IS NOT NULL;
		UPDATE fieldsets SET fields = json_set(fields, '\$.in_ip_id', CAST(CASE WHEN CAST(json_extract(fields, '\$.in_ip_id') AS INTEGER) = 0
				THEN 0 ELSE (CAST(json_extract(fields, '\$.in_ip_id') AS INTEGER) - 1 + 4099 * $4) % 65535 + 1 END AS TEXT))
			WHERE json_extract(fields, '\$.in_ip_id') IS NOT NULL;"
}
dbs=()
for k in 0 1 2 3 4 5 6 7 8 9; do
	node_db "$samples/pair-a.db" "$tmp/a$k.db" "node-a$k" "$k" || fail "rewriting pair-a.db for node $k"
	node_db "$samples/pair-b.db" "$tmp/b$k.db" "node-b$k" "$k" || fail "rewriting pair-b.db for node $k"
	dbs+=("$tmp/a$k.db" "$tmp/b$k.db")
done
"$vx" import -q -d "$tmp/all.db" "${dbs[@]}" 2> "$tmp/err" || fail "merging the twenty nodes: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/all.db" 'SELECT count(*) FROM captures')" = 20 ] || fail "the merged database does not hold 20 captures"
"$vx" report -d "$tmp/all.db" --format json > "$tmp/report.json" 2> "$tmp/err" || fail "report: $(cat "$tmp/err")"

# --- every node exports its own database into the cluster ---
for d in "${dbs[@]}"; do
	"$vx" export -d "$d" --to "$url0/fleet" --cluster vx > "$tmp/out" 2> "$tmp/err" ||
		fail "export of $d: $(cat "$tmp/err")"
	grep -q "journeys, .* hops, .* drops as batch" "$tmp/out" || fail "export of $d says: $(cat "$tmp/out")"
done
n0=$(ch_sql 0 "SELECT count() FROM fleet.journeys_local")
n1=$(ch_sql 1 "SELECT count() FROM fleet.journeys_local")
c0=$(ch_sql 0 "SELECT count() FROM fleet.captures_local")
c1=$(ch_sql 1 "SELECT count() FROM fleet.captures_local")
[ "${n0:-0}" -gt 0 ] && [ "${n1:-0}" -gt 0 ] || fail "journeys are not on both shards: $n0 and $n1"
[ $((c0 + c1)) -eq 20 ] || fail "captures on the shards: $c0 + $c1, want 20"
[ "$(ch_sql 1 "SELECT count() FROM fleet.journeys")" -eq $((n0 + n1)) ] || fail "the Distributed table does not see both shards"

"$vx" fleet --from "$url0/fleet" --format json --max-joined 1000 > "$tmp/fleet.json" 2> "$tmp/err" ||
	fail "fleet: $(cat "$tmp/err")"
python3 - "$tmp/report.json" "$tmp/fleet.json" <<'PY' || fail "fleet and report disagree on the twenty nodes"
import json, sys
from collections import Counter
r = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[2]))
def check(what, a, b):
    if a != b:
        print(f"{what}: report {a!r}, fleet {b!r}", file=sys.stderr)
        sys.exit(1)
host_of = {c["id"]: c["host"] for c in r["captures"]}
check("captures", len(r["captures"]), f["captures"])
check("hosts", sorted(set(host_of.values())), [h["host"] for h in f["hosts"]])
check("events by host", Counter({c["host"]: c["events"] for c in r["captures"]}),
      Counter({h["host"]: h["events"] for h in f["hosts"]}))
assert r["journeys_left_out"] == 0, "the report must list every journey for this test"
check("journeys", r["journeys_total"], f["journeys_total"])
check("journeys by host and end", Counter((host_of[j["capture_id"]], j["end"]) for j in r["journeys"]),
      Counter({(h["host"], e): n for h in f["hosts"] for e, n in h["journeys_by_end"].items()}))
check("dropped by host", Counter(host_of[j["capture_id"]] for j in r["journeys"] if j["drop"]),
      Counter({h["host"]: h["dropped"] for h in f["hosts"] if h["dropped"]}))
check("drops", Counter({(d["reason"], d["location"]): d["count"] for d in r["drops"]}),
      sum((Counter({(d["reason"], d["location"]): d["count"]}) for d in f["drops"]), Counter()))
rj = {j["id"]: j for j in r["journeys"]}
joined = [x for x in r["joined_journeys"] if x["match"] == "headers"]
def part(host, skb, ts):
    return (host, skb, ts)
want = {frozenset(part(host_of[rj[i]["capture_id"]], rj[i]["skb"], rj[i]["hops"][0]["ts_ns"]) for i in x["journey_ids"])
        for x in joined}
got = {frozenset(part(p["host"], p["skb"], p["first_ts_ns"]) for p in x["journeys"]) for x in f["joined_journeys"]}
check("joined journeys", len(joined), f["joined_journeys_total"])
check("joined journeys, one by one", want, got)
check("journeys left apart", r["journeys_join_ambiguous"], f["journeys_join_ambiguous"])
assert len(joined) > 200 and r["journeys_join_ambiguous"] > 0, (len(joined), r["journeys_join_ambiguous"])
ref = r["captures"][0]["host"]
known = [c for c in r["captures"] if c["host"] != ref and c["clock_offset_ns"] is not None]
assert known, "the report knows no clock"
for c in known:
    a, b = sorted([ref, c["host"]])
    clk = [x for x in f["clocks"] if (x["host_a"], x["host_b"]) == (a, b)]
    assert clk, f"no clock of {a} and {b} in the fleet"
    sign = 1 if a == ref else -1
    check(f"clock of {c['host']}", (c["clock_offset_ns"], c["clock_uncertainty_ns"]),
          (sign * clk[0]["offset_ns"], clk[0]["uncertainty_ns"]))
check("pairs of known clocks", 10, sum(1 for x in f["clocks"] if x["offset_ns"] is not None))
PY

# --- a second export adds nothing; --cluster reads the same through remote() ---
"$vx" export -d "$tmp/all.db" --to "$url1/fleet" --cluster vx > "$tmp/out" 2> "$tmp/err" ||
	fail "second export: $(cat "$tmp/err")"
grep -q "nothing added" "$tmp/out" || fail "the second export says: $(cat "$tmp/out")"
[ "$(grep -c "already as batch" "$tmp/out")" -eq 20 ] || fail "the second export does not skip all 20: $(cat "$tmp/out")"
[ "$(ch_sql 0 "SELECT count() FROM fleet.captures_local")" -eq "$c0" ] &&
[ "$(ch_sql 1 "SELECT count() FROM fleet.journeys_local")" -eq "$n1" ] || fail "the second export added rows"
"$vx" fleet --from "clickhouse://default@127.0.0.1:${CH_HTTP[1]}/fleet" --cluster vx --format json --max-joined 1000 \
	> "$tmp/fleet2.json" 2> "$tmp/err" ||
	fail "fleet --cluster: $(cat "$tmp/err")"
python3 - "$tmp/fleet.json" "$tmp/fleet2.json" <<'PY' || fail "fleet through remote() differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):
    d.pop("source"), d.pop("cluster")
assert a == b, [k for k in a if a[k] != b[k]]
PY

# --- --host, text and HTML ---
"$vx" fleet --from "$url0/fleet" --host 'node-a[0-4]' --format json > "$tmp/a.json" || fail "fleet --host"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); h=[x["host"] for x in d["hosts"]]
assert h == ["node-a%d" % i for i in range(5)] and d["joined_journeys_total"] == 0 and d["captures"] == 5, h' "$tmp/a.json" ||
	fail "fleet --host node-a[0-4]"
"$vx" fleet --from "$url0/fleet" > "$tmp/f.txt" || fail "fleet text"
grep -q "^20 hosts, 20 captures" "$tmp/f.txt" && grep -q "joined journeys (packets seen on several hosts" "$tmp/f.txt" &&
	grep -q "node-a0 *node-b0 *-4.46 s" "$tmp/f.txt" || fail "the text report: $(head -5 "$tmp/f.txt")"
"$vx" fleet --from "$url0/fleet" --format html -o "$tmp/f.html" || fail "fleet html"
grep -q "Content-Security-Policy" "$tmp/f.html" && ! grep -qi "<script" "$tmp/f.html" || fail "the page has no CSP or a script"

# pair_both NAME: samples/NAME-a.db and NAME-b.db merged into one SQLite database and its
# report in $tmp/NAME.r.json; each exported from its own node into server 1's database NAME
# (dashes as underscores) and the fleet of it in $tmp/NAME.f.json
pair_both() {
	local db=${1//-/_} n
	"$vx" import -q -d "$tmp/$1.db" "$samples/$1-a.db" "$samples/$1-b.db" || fail "merging $1-a/b.db"
	"$vx" report -d "$tmp/$1.db" --format json > "$tmp/$1.r.json" || fail "report of $1-a/b.db"
	for n in a b; do
		"$vx" export -q -d "$samples/$1-$n.db" --to "$url1/$db" 2> "$tmp/err" || fail "export of $1-$n.db: $(cat "$tmp/err")"
	done
	"$vx" fleet --from "$url1/$db" --format json > "$tmp/$1.f.json" || fail "fleet of $1-a/b.db"
}

# --- the pair from both nodes into one server: the joins of report on the merged database ---
pair_both pair
python3 - "$tmp/pair.r.json" "$tmp/pair.f.json" <<'PY' || fail "the pair's joins differ"
import json, sys
r, f = (json.load(open(p)) for p in sys.argv[1:])
host_of = {c["id"]: c["host"] for c in r["captures"]}
rj = {j["id"]: j for j in r["journeys"]}
want = [frozenset((host_of[rj[i]["capture_id"]], rj[i]["skb"], rj[i]["hops"][0]["ts_ns"]) for i in x["journey_ids"])
        for x in r["joined_journeys"]]
got = [frozenset((p["host"], p["skb"], p["first_ts_ns"]) for p in x["journeys"]) for x in f["joined_journeys"]]
assert len(want) == 26 and set(want) == set(got) and len(got) == 26, (len(want), len(got))
w = {frozenset((host_of[rj[i]["capture_id"]], rj[i]["skb"], rj[i]["hops"][0]["ts_ns"]) for i in x["journey_ids"]):
     [h for h in x["hops"] if h["event"] == "wire"][0]["one_way_ns"] for x in r["joined_journeys"]}
for x in f["joined_journeys"]:
    k = frozenset((p["host"], p["skb"], p["first_ts_ns"]) for p in x["journeys"])
    assert x["one_way_ns"] == w[k], (x["one_way_ns"], w[k])
c = f["clocks"][0]
assert (c["host_a"], c["host_b"], c["offset_ns"], c["uncertainty_ns"]) == \
    ("node-a", "node-b", r["captures"][1]["clock_offset_ns"], r["captures"][1]["clock_uncertainty_ns"]), c
PY

# --- the two 6.1 guests (kprobes: clones, segments, merges, NAT) from both nodes into one
# server: the joins, ends and drops of report on the merged database ---
pair_both truth-pair
python3 - "$tmp/truth-pair.r.json" "$tmp/truth-pair.f.json" <<'PY' || fail "the truth pair: fleet and report disagree"
import json, sys
from collections import Counter
r, f = (json.load(open(p)) for p in sys.argv[1:])
host_of = {c["id"]: c["host"] for c in r["captures"]}
rj = {j["id"]: j for j in r["journeys"]}
assert r["journeys_total"] == len(rj) == f["journeys_total"], (r["journeys_total"], f["journeys_total"])
want = {frozenset((host_of[rj[i]["capture_id"]], rj[i]["skb"], rj[i]["hops"][0]["ts_ns"]) for i in x["journey_ids"])
        for x in r["joined_journeys"]}
got = {frozenset((p["host"], p["skb"], p["first_ts_ns"]) for p in x["journeys"]) for x in f["joined_journeys"]}
assert len(want) > 0 and want == got and f["joined_journeys_total"] == len(want), (len(want), len(got))
assert Counter((host_of[j["capture_id"]], j["end"]) for j in r["journeys"]) == \
    Counter({(h["host"], e): n for h in f["hosts"] for e, n in h["journeys_by_end"].items()})
assert Counter({(d["reason"], d["location"]): d["count"] for d in r["drops"]}) == \
    sum((Counter({(d["reason"], d["location"]): d["count"]}) for d in f["drops"]), Counter())
PY

# --- the 6.1 guest's verdicts: a ping whose replies reach ping's raw socket as clones (their
# originals freed with NO_SOCKET), segments and merges, NAT: the ends and drops of report ---
for t in ping gso nat; do
	"$vx" export -q -d "$samples/truth-$t.db" --to "$url1/truth_$t" 2> "$tmp/err" || fail "export of truth-$t.db: $(cat "$tmp/err")"
	"$vx" report -d "$samples/truth-$t.db" --format json > "$tmp/tr.json" || fail "report of truth-$t.db"
	"$vx" fleet --from "$url1/truth_$t" --format json > "$tmp/tf.json" || fail "fleet of truth-$t.db"
	python3 - "$tmp/tr.json" "$tmp/tf.json" <<'PY' || fail "truth-$t.db: fleet and report disagree"
import json, sys
from collections import Counter
r, f = (json.load(open(p)) for p in sys.argv[1:])
assert r["journeys_total"] == len(r["journeys"]), "report keeps every journey of these samples"
h, = f["hosts"]
assert Counter(j["end"] for j in r["journeys"]) == Counter(h["journeys_by_end"]), (h, r["verdicts"])
assert sum(1 for j in r["journeys"] if j["drop"]) == h["dropped"], h
assert Counter({(d["reason"], d["location"]): d["count"] for d in r["drops"]}) == \
    Counter({(d["reason"], d["location"]): d["count"] for d in f["drops"]}), (r["drops"], f["drops"])
PY
	# the links of every journey: its first hop's time, kind, role, the other journey's first
	# hop's time (0: none), hop and function, as report's journeys[].links
	ch_sql 1 "SELECT first_ts, kind, role, ofirst, hop, function FROM (SELECT first_ts, links.kind AS kind,
		links.role AS role, links.journey AS other, links.hop AS hop, links.function AS function
		FROM truth_$t.journeys ARRAY JOIN links) ANY LEFT JOIN (SELECT journey AS other, first_ts AS ofirst
		FROM truth_$t.journeys) USING other FORMAT TabSeparated" > "$tmp/tl.tsv" || fail "reading the links of truth-$t.db"
	python3 - "$tmp/tr.json" "$tmp/tl.tsv" "$t" <<'PY' || fail "truth-$t.db: the exported links differ from report's"
import json, sys
r = json.load(open(sys.argv[1]))
ts = {j["id"]: j["hops"][0]["ts_ns"] for j in r["journeys"]}
want = sorted((str(j["hops"][0]["ts_ns"]), l["kind"], l["role"], str(ts[l["journey_id"]] if l["journey_id"] else 0),
               str(l["hop"] if l["hop"] is not None else 4294967295), l["function"])
              for j in r["journeys"] for l in j["links"])
got = sorted(tuple(x.rstrip("\n").split("\t")) for x in open(sys.argv[2], encoding="utf-8"))
kinds = {"ping": {"clone"}, "gso": {"clone", "segment", "merge"}, "nat": {"clone"}}[sys.argv[3]]
assert {w[1] for w in want} >= kinds, (sys.argv[3], want[:3])
assert got == want, ([w for w in want if w not in got][:3], [g for g in got if g not in want][:3])
PY
done

# --- NAT: each rewrite report shows (the 6.1 guest's ping to a service address) is a packets row ---
"$vx" export -q -d "$samples/truth-nat.db" --to "$url1/nat" 2> "$tmp/err" || fail "export of truth-nat.db: $(cat "$tmp/err")"
"$vx" report -d "$samples/truth-nat.db" --format json > "$tmp/nat.json" || fail "report of truth-nat.db"
ch_sql 1 "SELECT j.first_ts, p.hop, p.nat_kind, p.nat_before, p.nat_after, p.nat_function FROM nat.packets p
	ANY INNER JOIN (SELECT jkey, first_ts FROM nat.journeys) j USING jkey WHERE p.nat_kind != ''
	FORMAT TabSeparated" > "$tmp/nat.tsv" || fail "reading the NAT rows"
python3 - "$tmp/nat.json" "$tmp/nat.tsv" <<'PY' || fail "the exported NAT differs from report's"
import json, sys
r = json.load(open(sys.argv[1]))
def tup(t):
    s = t["src"] + ("/%d" % t["sport"] if t["sport"] is not None else "") + " \u2192 " + t["dst"]
    s += "/%d" % t["dport"] if t["dport"] is not None else ""
    return s + (" id %d" % t["icmp_id"] if t["icmp_id"] is not None else "")
want = sorted((str(j["hops"][0]["ts_ns"]), str(i), h["nat"]["kind"], tup(h["nat"]["before"]), tup(h["nat"]["after"]),
               h["nat"]["function"] or "") for j in r["journeys"] for i, h in enumerate(j["hops"]) if h.get("nat"))
got = sorted(tuple(l.rstrip("\n").split("\t")) for l in open(sys.argv[2], encoding="utf-8"))
assert len(want) == 4 and {w[2] for w in want} == {"dnat", "snat"}, want
assert got == want, (got, want)
PY

# --- rows of a batch whose capture row never came are not counted ---
before=$("$vx" fleet --from "$url1/pair" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["journeys_total"], d["hops_total"], len(d["drops"]))')
ch_sql 1 "INSERT INTO pair.journeys (batch, host, host_key, journey, jkey, \`end\`) VALUES (42, 'node-a', 'x', 1, 1, 'freed')" &&
ch_sql 1 "INSERT INTO pair.hops (batch, host, journey, jkey, hop) VALUES (42, 'node-a', 1, 1, 0)" &&
ch_sql 1 "INSERT INTO pair.drops (batch, host, journey, reason) VALUES (42, 'node-a', 1, 'HALF')" || fail "writing a half batch"
after=$("$vx" fleet --from "$url1/pair" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["journeys_total"], d["hops_total"], len(d["drops"]))')
[ "$before" = "$after" ] || fail "rows of an unfinished batch were counted: $before, then $after"

# --- the join rules of report/join.c on made-up journeys (identities 1..6; hosts s1..s9):
# a chain s1-s2-s3 joins (3 parts); a chain of six hosts is one packet seen too often (more
# than 4 parts: its six journeys are left apart, though three rounds of labelling see its
# first four as one component); identity 3 seen twice on s1 and once on s2 is ambiguous,
# and so is what it is linked with (s2-s3 by identity 4): 4 journeys apart; two journeys of
# s4 with one identity are apart; a sender s5 and a receiver s6 join, ordered ---
"$vx" export -q -d "$samples/pair-a.db" --to "$url0/rules" || fail "export into rules"
base=$("$vx" fleet --from "$url0/rules" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["joined_journeys_total"], d["journeys_join_ambiguous"], d["journeys_with_identity"])')
rows=""
for b in 1 2 3 4 5 6 7 8 9; do
	rows="$rows($b, 's$b', 'k$b', 0, 0, 1),"
done
ch_sql 0 "INSERT INTO rules.captures (batch, host, host_key, first_ts, last_ts, events) VALUES ${rows%,}" ||
	fail "made-up captures"
# (batch = host, jkey, starts_rx, idents)
js="1 101 0 [11] | 2 102 1 [11,12] | 3 103 1 [12] |
    1 201 0 [21] | 2 202 1 [21,22] | 3 203 1 [22,23] | 4 204 1 [23,24] | 5 205 1 [24,25] | 6 206 1 [25] |
    1 301 0 [3] | 1 302 0 [3] | 2 303 1 [3,4] | 3 304 1 [4] |
    4 401 0 [5] | 4 402 0 [5] |
    5 501 0 [6] | 6 502 1 [6]"
rows=$(echo "$js" | tr '|' '\n' | awk 'NF == 4 { printf "(%s, '"'"'s%s'"'"', '"'"'k%s'"'"', %s, %s, %s, %s, %s, '"'"'freed'"'"', %s),", $1, $1, $1, $2, $2, 1000 * $2, 1000 * $2 + 10, $3, $4 }')
ch_sql 0 "INSERT INTO rules.journeys (batch, host, host_key, journey, jkey, first_ts, send_ts, starts_rx, \`end\`, idents) VALUES ${rows%,}" ||
	fail "made-up journeys"
"$vx" fleet --from "$url0/rules" --format json > "$tmp/rules.json" || fail "fleet of the made-up journeys"
python3 - "$tmp/rules.json" $base <<'PY' || fail "the join rules on made-up journeys"
import json, sys
d = json.load(open(sys.argv[1]))
j0, a0, i0 = map(int, sys.argv[2:5])
got = (d["joined_journeys_total"] - j0, d["journeys_join_ambiguous"] - a0, d["journeys_with_identity"] - i0)
assert got == (2, 12, 17), got
parts = sorted(tuple(p["host"] for p in x["journeys"]) for x in d["joined_journeys"] if x["journeys"][0]["host"].startswith("s"))
assert parts == [("s1", "s2", "s3"), ("s5", "s6")], parts
assert [x["ordered"] for x in d["joined_journeys"] if x["journeys"][0]["host"] == "s5"] == [True]
PY

# --- errors: one line, exit 1 ---
bad() {	# bad NAME PATTERN CMD...
	local name=$1 pat=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	[ $rc -eq 1 ] || fail "$name: exit $rc: $(cat "$tmp/err")"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "$name: not one line: $(cat "$tmp/err")"
	grep -q -- "$pat" "$tmp/err" || fail "$name says: $(cat "$tmp/err")"
}
down=$(ch_free_ports 1)
bad "server down" "clickhouse://127.0.0.1:$down/x: cannot reach the server: .*onnect" \
	"$vx" export -d "$samples/pair-a.db" --to "clickhouse://127.0.0.1:$down/x"
bad "fleet, server down" "cannot reach the server" "$vx" fleet --from "clickhouse://127.0.0.1:$down/x"
bad "http URL" "not a clickhouse:// URL" "$vx" export -d "$samples/pair-a.db" --to "http://127.0.0.1:8123/x"
bad "bad port" "the port is not a number" "$vx" export -d "$samples/pair-a.db" --to "clickhouse://127.0.0.1:99999/x"
bad "bad database" "the database name must be" "$vx" fleet --from "clickhouse://127.0.0.1:8123/a;drop"
bad "no host" "no host" "$vx" fleet --from "clickhouse:///x"
ch_sql 0 "CREATE DATABASE other" && ch_sql 0 "CREATE TABLE other.hops (batch String, x UInt8) ENGINE = Memory" ||
	fail "making a table of another schema"
bad "another schema" "table other.hops is not vxanalyze's: its column batch is String, vxanalyze's is UInt64" \
	"$vx" export -d "$samples/pair-a.db" --to "$url0/other"
[ -z "$(ch_sql 0 "SELECT name FROM system.tables WHERE database = 'other' AND name != 'hops'")" ] ||
	fail "the export into a database of another schema created tables there"
bad "read-only user" "Code: [0-9]*, DB::Exception: .*readonly" \
	"$vx" export -d "$samples/pair-a.db" --to "clickhouse://reader@127.0.0.1:${CH_HTTP[0]}/newdb"
bad "fleet as a read-only user" "Code: 164, DB::Exception: Cannot create table in readonly mode" \
	"$vx" fleet --from "clickhouse://reader@127.0.0.1:${CH_HTTP[0]}/fleet"
bad "fleet of nothing" "no table nothing.captures: nothing was exported" "$vx" fleet --from "$url0/nothing"
bad "no such cluster" "no cluster 'nope' in the server's remote_servers (it has: .*vx" \
	"$vx" export -d "$samples/pair-a.db" --to "$url0/fleet" --cluster nope

# --- a capture without a host name, and a hostile one given with --host ---
"$vx" import -q -d "$tmp/plain.db" "$samples/vxlan-ping.trace" || fail "import of vxlan-ping.trace"
bad "capture without host" "capture 1 names no host .*--host NAME" "$vx" export -d "$tmp/plain.db" --to "$url0/plain"
"$vx" export -q -d "$tmp/plain.db" --to "$url0/plain" --host '<script>alert(1)</script>'"$(printf '\033[31m')" ||
	fail "export --host"
"$vx" fleet --from "$url0/plain" --format html > "$tmp/p.html" || fail "fleet html of the hostile host"
! grep -qi "<script" "$tmp/p.html" && grep -q "&lt;script&gt;alert(1)&lt;/script&gt;" "$tmp/p.html" ||
	fail "the hostile host name is not escaped in the page"
"$vx" fleet --from "$url0/plain" > "$tmp/p.txt" || fail "fleet text of the hostile host"
! grep -q "$(printf '\033')" "$tmp/p.txt" || fail "an escape character reached the terminal"
echo "ok"
