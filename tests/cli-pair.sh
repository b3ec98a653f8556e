#!/usr/bin/env bash
# cli-pair.sh: `vxanalyze import OTHER.db` and the two-host report on the real two-host
# captures samples/pair-a.db and pair-b.db (samples/capture-pair-qemu.sh). Importing a
# database twice skips what is there (never counted twice); a database of another schema
# version, a damaged one, a non-vxanalyze one and the target itself get one-line errors and
# leave the target as it was; `import --host` names a file's host; the report joins the
# halves (JSON contract: captures[].host/boot_id/clock_offset_ns/clock_uncertainty_ns,
# hops[].host, journeys[].hosts/partial, joined_journeys) in text, JSON and HTML; with
# --max-journeys 5 the JSON lists the first 5 of each host, and with node-a's capture grown
# past the 1000 journeys kept in detail node-b's first journeys are still kept and joined;
# with node-a recording 1200 journeys before node-b began, the kept windows are aligned on
# one clock (captures[].kept_from_ns) and the halves join all the same.
# usage: cli-pair.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "needs the sqlite3 CLI"
db=$tmp/t.db
ncap() { sqlite3 "$1" "SELECT count(*) || ',' || (SELECT count(*) FROM event_rows) FROM captures"; }

# --- import a database, twice ---
"$vx" import -d "$db" "$samples/pair-a.db" "$samples/pair-b.db" > "$tmp/out" 2> "$tmp/err" ||
	fail "import of the pair samples: $(cat "$tmp/err")"
grep -q "host node-a" "$tmp/out" && grep -q "host node-b" "$tmp/out" || fail "import does not name the hosts: $(cat "$tmp/out")"
ev_a=$(sqlite3 "$samples/pair-a.db" "SELECT count(*) FROM event_rows")
ev_b=$(sqlite3 "$samples/pair-b.db" "SELECT count(*) FROM event_rows")
[ "$(ncap "$db")" = "2,$((ev_a + ev_b))" ] || fail "after the import: $(ncap "$db"), want 2,$((ev_a + ev_b))"
before=$(ncap "$db")
"$vx" import -d "$db" "$samples/pair-a.db" > "$tmp/out" 2> "$tmp/err"
[ $? -eq 1 ] || fail "importing pair-a.db twice does not fail"
grep -q "is capture 1 here already (boot id" "$tmp/err" || fail "second import says: $(cat "$tmp/err")"
grep -q "every capture of it is here already; nothing imported" "$tmp/err" || fail "no final word: $(cat "$tmp/err")"
[ "$(ncap "$db")" = "$before" ] || fail "second import changed the database: $(ncap "$db")"
# a database holding both, into one that holds b: a is copied, b skipped (exit 0)
"$vx" import -d "$tmp/b.db" "$samples/pair-b.db" > /dev/null 2>&1 || fail "import of pair-b.db"
"$vx" import -d "$tmp/b.db" "$db" > "$tmp/out" 2> "$tmp/err" || fail "import of a database with a known capture fails: $(cat "$tmp/err")"
grep -q "t.db: capture 2 is capture 1 here already" "$tmp/err" || fail "the known capture is not reported: $(cat "$tmp/err")"
[ "$(ncap "$tmp/b.db")" = "$before" ] || fail "merged database holds $(ncap "$tmp/b.db"), want $before"
"$vx" query -d "$tmp/b.db" --format csv "SELECT value FROM capture_meta WHERE key='imported_from'" | grep -q "t.db (capture 1)" ||
	fail "no imported_from meta"

# --- bad databases: one line, exit 1, target untouched ---
bad() {	# bad NAME FILE PATTERN
	"$vx" import -d "$db" "$2" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ $rc -eq 1 ] || fail "$1: exit $rc"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "$1: not one line: $(cat "$tmp/err")"
	grep -q -- "$3" "$tmp/err" || fail "$1 says: $(cat "$tmp/err")"
	[ "$(ncap "$db")" = "$before" ] || fail "$1 changed the database"
}
cp "$samples/pair-a.db" "$tmp/v1.db" && sqlite3 "$tmp/v1.db" "PRAGMA user_version=1"
bad "schema 1" "$tmp/v1.db" "v1.db: schema 1: made by an older vxanalyze"
cp "$samples/pair-a.db" "$tmp/v9.db" && sqlite3 "$tmp/v9.db" "PRAGMA user_version=9"
bad "schema 9" "$tmp/v9.db" "v9.db: database schema version 9, this vxanalyze reads version 2"
sqlite3 "$tmp/other.db" "CREATE TABLE t(x); INSERT INTO t VALUES(1)"
bad "another program's database" "$tmp/other.db" "other.db: not a vxanalyze database"
cp "$samples/pair-a.db" "$tmp/dmg.db"
pagesize=$(sqlite3 "$tmp/dmg.db" "PRAGMA page_size")
page=$(sqlite3 "$tmp/dmg.db" "SELECT pageno FROM dbstat WHERE name='event_rows' AND pagetype='leaf' ORDER BY path LIMIT 1")
[ -n "$page" ] || fail "no leaf page of event_rows in pair-a.db"
dd if=/dev/zero of="$tmp/dmg.db" bs="$pagesize" seek=$((page - 1)) count=1 conv=notrunc 2> /dev/null
bad "damaged page" "$tmp/dmg.db" "dmg.db: damaged database"
head -c 20000 "$samples/pair-a.db" > "$tmp/cut.db"
bad "cut database" "$tmp/cut.db" "cut.db: "
bad "itself" "$db" "is the database being imported into"

# --- import --host names a file's host ---
"$vx" import -d "$tmp/h.db" --host h1 "$samples/vxlan-ping.trace" > /dev/null 2>&1 || fail "import --host"
"$vx" report -d "$tmp/h.db" --format json > "$tmp/h.json" || fail "report of --host import"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["captures"][0]; assert c["host"]=="h1" and c["boot_id"] is None, c' "$tmp/h.json" ||
	fail "--host not in captures[].host"

# --- the joined report ---
"$vx" report -d "$db" --format json > "$tmp/r.json" || fail "json report"
python3 - "$tmp/r.json" <<'PY' || fail "json report of the pair"
import json, sys
d = json.load(open(sys.argv[1]))
caps = {c["id"]: c for c in d["captures"]}
assert caps[1]["host"] == "node-a" and caps[2]["host"] == "node-b", caps
assert len(caps[1]["boot_id"]) == 36 and caps[1]["boot_id"] != caps[2]["boot_id"]
assert caps[1]["clock_offset_ns"] == 0 and caps[1]["clock_uncertainty_ns"] == 0
assert isinstance(caps[2]["clock_offset_ns"], int) and caps[2]["clock_uncertainty_ns"] > 0
J = d["joined_journeys"]
echo = [j for j in J if j["pkt"] and j["pkt"]["proto"] == 1 and j["pkt"].get("icmp_type") in (0, 8)]
assert len(echo) == 6, len(echo)          # 3 pings: requests and replies
for j in J:
    hosts = {h["host"] for h in j["hops"] if h["event"] != "wire"}
    assert hosts == {"node-a", "node-b"}, hosts
    assert j["hosts"][0] != j["hosts"][1]
    wire = [h for h in j["hops"] if h["event"] == "wire"]
    assert len(wire) == 1 and wire[0]["uncertainty_ns"] > 0, wire
    # one time line: aligned times never run backwards by more than the uncertainty across the wire
    i = j["hops"].index(wire[0])
    assert j["hops"][i + 1]["aligned_ts_ns"] >= j["hops"][0]["aligned_ts_ns"] - wire[0]["uncertainty_ns"]
req = [j for j in echo if j["pkt"]["icmp_type"] == 8]
assert all(j["hosts"] == ["node-a", "node-b"] for j in req)
by_id = {j["id"]: j for j in d["journeys"]}
for j in req:  # the sender's part holds the double trip through IP
    assert by_id[j["journey_ids"][0]]["reenters_ip_after_encap"], j["journey_ids"]
for j in d["journeys"]:
    assert all("host" in h for h in j["hops"])
    assert j["partial"] == (j["joined_id"] is None)
    assert j["hosts"] == (["node-a"] if j["capture_id"] == 1 else ["node-b"]) or len(j["hosts"]) == 2
assert any(j["partial"] for j in d["journeys"]) and d["journeys_join_ambiguous"] == 0
assert all(j["match"] == "headers" for j in J)
PY
# a few journeys listed (--max-journeys): the first of each host, so both halves of the
# joined journeys among them are listed; journeys_left_out counts the rest
"$vx" report -d "$db" --format json --max-journeys 5 > "$tmp/r5.json" || fail "json report --max-journeys 5"
python3 - "$tmp/r.json" "$tmp/r5.json" <<'PY' || fail "json report of the pair with --max-journeys 5"
import json, sys
d, d5 = (json.load(open(f)) for f in sys.argv[1:3])
for cap in (1, 2):
    want = [j["id"] for j in d["journeys"] if j["capture_id"] == cap][:5]
    got = [j["id"] for j in d5["journeys"] if j["capture_id"] == cap]
    assert got == want, (cap, got, want)
assert d5["journeys_total"] == d["journeys_total"]
assert d5["journeys_left_out"] == d5["journeys_total"] - len(d5["journeys"]) == d["journeys_total"] - 10
assert len(d5["joined_journeys"]) == len(d["joined_journeys"]) > 0
PY
# at volume: node-a's capture grows past the 1000 journeys kept in detail (40 copies of its
# events without the kprobe ones, so without headers, each 10 s after the last, other skbs);
# node-b's capture comes second, yet its first journeys are kept too and the halves join
cp "$db" "$tmp/vol.db"
sqlite3 "$tmp/vol.db" "
	WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 40)
	INSERT INTO event_rows(capture_id, ts_ns, cpu, pid, comm_id, name_id, dev_id, len, skb, stack_id, fieldset_id, vals)
	SELECT e.capture_id, e.ts_ns + k.i * 10000000000, e.cpu, e.pid, e.comm_id, e.name_id, e.dev_id, e.len,
	       CASE WHEN e.skb IS NULL THEN NULL ELSE e.skb + k.i * 1048576 END, e.stack_id, e.fieldset_id, e.vals
	FROM event_rows e, k WHERE e.capture_id = 1
	  AND e.name_id NOT IN (SELECT id FROM strings WHERE text LIKE 'vxanalyze:%') ORDER BY k.i, e.id;
	UPDATE captures SET events = (SELECT count(*) FROM event_rows e WHERE e.capture_id = captures.id),
	       last_ts = (SELECT max(ts_ns) FROM event_rows e WHERE e.capture_id = captures.id)" ||
	fail "cannot make the volume database"
"$vx" report -d "$tmp/vol.db" --format json > "$tmp/vol.json" || fail "json report at volume"
python3 - "$tmp/r.json" "$tmp/vol.json" <<'PY' || fail "json report of the pair at volume"
import json, sys
d, v = (json.load(open(f)) for f in sys.argv[1:3])
a = [j for j in v["journeys"] if j["capture_id"] == 1]
b = [j for j in v["journeys"] if j["capture_id"] == 2]
assert v["journeys_total"] > 1000 + len(b) and len(a) == 1000, (v["journeys_total"], len(a))
assert [j["id"] for j in b] == [v["journeys_total"] - len(b) + 1 + i for i in range(len(b))]
assert len(b) == len([j for j in d["journeys"] if j["capture_id"] == 2])
assert v["journeys_left_out"] == v["journeys_total"] - len(v["journeys"])
hd = lambda r: sorted(json.dumps(j["pkt"], sort_keys=True) for j in r["joined_journeys"] if j["match"] == "headers")
assert hd(v) == hd(d) and len(hd(d)) > 0, (len(hd(v)), len(hd(d)))
assert v["captures"][1]["clock_offset_ns"] == d["captures"][1]["clock_offset_ns"]
PY
# node-a recording long before node-b: 1200 journeys of node-a (copies without headers, 7 to
# 35 s before its capture) come before node-b's first; each host's first 1000 would not
# overlap, the windows aligned on one clock do: node-a keeps from the journey whose other
# half is node-b's first, and the report joins what the whole join does
cp "$db" "$tmp/early.db"
sqlite3 "$tmp/early.db" "
	WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 40)
	INSERT INTO event_rows(capture_id, ts_ns, cpu, pid, comm_id, name_id, dev_id, len, skb, stack_id, fieldset_id, vals)
	SELECT e.capture_id, e.ts_ns - 7000000000 - k.i * 700000000, e.cpu, e.pid, e.comm_id, e.name_id, e.dev_id, e.len,
	       CASE WHEN e.skb IS NULL THEN NULL ELSE e.skb + k.i * 1048576 END, e.stack_id, e.fieldset_id, e.vals
	FROM event_rows e, k WHERE e.capture_id = 1
	  AND e.name_id NOT IN (SELECT id FROM strings WHERE text LIKE 'vxanalyze:%') ORDER BY k.i, e.id;
	UPDATE captures SET events = (SELECT count(*) FROM event_rows e WHERE e.capture_id = captures.id),
	       first_ts = (SELECT min(ts_ns) FROM event_rows e WHERE e.capture_id = captures.id)" ||
	fail "cannot make the early database"
"$vx" report -d "$tmp/early.db" --format json > "$tmp/early.json" || fail "json report, node-a early"
python3 - "$tmp/r.json" "$tmp/early.json" <<'PY' || fail "json report of the pair, node-a recording early"
import json, sys
d, e = (json.load(open(f)) for f in sys.argv[1:3])
a = [j for j in e["journeys"] if j["capture_id"] == 1]
b = [j for j in e["journeys"] if j["capture_id"] == 2]
n_early = e["journeys_total"] - d["journeys_total"]
assert n_early > 1000, n_early
# node-a's window starts at its 16th journey of the capture (the 15 before node-b began are out)
assert [j["id"] for j in a] == list(range(n_early + 16, n_early + 16 + len(a))), [j["id"] for j in a][:3]
assert len(a) == len([j for j in d["journeys"] if j["capture_id"] == 1]) - 15
assert [j["id"] for j in b] == [j["id"] + n_early for j in d["journeys"] if j["capture_id"] == 2]
assert e["captures"][0]["kept_from_ns"] is not None and e["captures"][1]["kept_from_ns"] is None
assert d["captures"][0]["kept_from_ns"] is None and d["captures"][1]["kept_from_ns"] is None
assert e["journeys_left_out"] == e["journeys_total"] - len(e["journeys"])
hd = lambda r: sorted(json.dumps(j["pkt"], sort_keys=True) for j in r["joined_journeys"] if j["match"] == "headers")
assert hd(e) == hd(d) and len(hd(d)) > 0, (len(hd(e)), len(hd(d)))
assert e["captures"][1]["clock_offset_ns"] == d["captures"][1]["clock_offset_ns"]
PY
"$vx" report -d "$db" --color=never > "$tmp/r.txt" || fail "text report"
grep -q "node-b: clock .* ± .* against node-a" "$tmp/r.txt" || fail "text: no clock offset"
grep -q "^joined journey .*: icmp 10.244.1.5 → 10.244.2.7 echo request" "$tmp/r.txt" || fail "text: no joined echo request"
grep -q "== wire node-a → node-b: one way .* ± " "$tmp/r.txt" || fail "text: no wire hop"
grep -q "partial: no other host's capture holds this packet" "$tmp/r.txt" || fail "text: no partial journey"
"$vx" report -d "$db" --format html -o "$tmp/r.html" || fail "html report"
grep -q 'class="hostlane"' "$tmp/r.html" && grep -q 'class="wire"' "$tmp/r.html" || fail "html: no host lanes"
# tracepoints alone (the kprobe events taken out of the same captures): inferred joins
cp "$db" "$tmp/tp.db"
sqlite3 "$tmp/tp.db" "DELETE FROM event_rows WHERE name_id IN (SELECT id FROM strings WHERE text LIKE 'vxanalyze:%');
	UPDATE captures SET events = (SELECT count(*) FROM event_rows e WHERE e.capture_id = captures.id)"
"$vx" report -d "$tmp/tp.db" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
J = d["joined_journeys"]
assert len(J) >= 6 and all(j["match"] == "inferred" and j["pkt"] is None for j in J), [j["match"] for j in J]
assert d["captures"][1]["clock_offset_ns"] is not None' || fail "tracepoint-only captures: no inferred joins"
"$vx" report -d "$tmp/tp.db" --color=never | grep -q "12 inferred without headers from their flow, lengths and order" || fail "text: inferred not said"
# one host alone: no joins, nothing marked partial
"$vx" report -d "$tmp/h.db" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["joined_journeys"]==[] and not any(j["partial"] for j in d["journeys"])' ||
	fail "a one-host report joins or marks partial"
echo "ok: import of databases (twice, other schema, damaged, foreign, itself), --host, joined report"
