#!/usr/bin/env bash
# report-memory.sh: `report` memory does not grow with the number of events. A synthetic
# capture is made from the VXLAN ping sample by repeating its events with shifted times and
# skb addresses (every copy is a new set of journeys) at N and at 4N events; `report` in
# every format must succeed on both under the same address-space limit (ulimit -v), one
# that loading every event (about 1 KB each) would exceed at 4N.
# Then the same with a capture full of route lookups (the flood sample without free events,
# 39 % fib:fib_table_lookup): the lookups are joined to the kept journeys without being held,
# so the peak RSS at 4N is within a few MB of the one at N (holding them, ~140 bytes each,
# grew it by ~16 MB at these sizes), and the kept journeys still carry their routes. A
# filter on addresses needs every journey's routes as the journey ends: those lookups go to
# the store's temporary table, so `--filter 'dst 10.244.2.7'` does not grow either, and it
# keeps exactly the journeys whose routes (the sample has no packet headers) say so.
# usage: report-memory.sh VXANALYZE SAMPLES_DIR [EVENTS]   (skips, 77, under ASan)
set -u
vx=$1
samples=$2
n=${3:-60000}
limit_kb=${VX_REPORT_VM_KB:-160000}
[ -n "${VX_SANITIZE:-}" ] && { echo "skip: ASan reserves terabytes of address space"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "needs the sqlite3 CLI"

# make DB with about $2 events: the sample's 66 events, copied with time + k*1 s and
# skb + k*4096 (k = 0, 1, ...); copy copies-10 goes through caliX instead of cali2: new
# shapes whose first journey (6 (copies-10) + 1) is long after the journeys kept whole
make_db() {
	local db=$1 events=$2 copies
	"$vx" import -d "$db" "$samples/vxlan-ping.trace" > /dev/null 2>&1 || fail "import of the sample failed"
	copies=$(( events / 66 ))
	# schema 2: event_rows with interned strings (src/store/store.c); caliX is a new string
	sqlite3 "$db" "
		INSERT INTO strings(text) SELECT 'caliX' WHERE NOT EXISTS (SELECT 1 FROM strings WHERE text = 'caliX');
		WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $copies - 1)
		INSERT INTO event_rows(capture_id, ts_ns, cpu, pid, comm_id, name_id, dev_id, len, skb, stack_id,
				       fieldset_id, vals)
		SELECT e.capture_id, e.ts_ns + k.i * 1000000000, e.cpu, e.pid, e.comm_id, e.name_id,
		       CASE WHEN k.i = $copies - 10 AND e.dev_id = (SELECT id FROM strings WHERE text = 'cali2')
			    THEN (SELECT id FROM strings WHERE text = 'caliX') ELSE e.dev_id END, e.len,
		       CASE WHEN e.skb IS NULL THEN NULL ELSE e.skb + k.i * 4096 END, e.stack_id, e.fieldset_id, e.vals
		FROM event_rows e, k WHERE e.capture_id = 1 ORDER BY k.i, e.id;
		UPDATE captures SET events = (SELECT count(*) FROM event_rows), last_ts = (SELECT max(ts_ns) FROM event_rows);
		PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null || fail "cannot generate $db"
}

make_db "$tmp/1x.db" "$n"
make_db "$tmp/4x.db" $(( 4 * n ))
for db in 1x 4x; do
	events=$(sqlite3 "$tmp/$db.db" "SELECT count(*) FROM event_rows")
	for fmt in text json html dot folded chrome; do
		( ulimit -v "$limit_kb"; exec "$vx" report -d "$tmp/$db.db" --format "$fmt" -o "$tmp/out.$fmt" ) 2> "$tmp/err" ||
			fail "report --format $fmt on $events events does not fit in $limit_kb KB of address space: $(head -c 300 "$tmp/err")"
	done
	# the report is whole: every copy of the sample's journeys is counted
	python3 - "$tmp/out.json" "$events" <<'PY' || fail "json report on $db is not whole"
import json, sys
r = json.load(open(sys.argv[1]))
copies = int(sys.argv[2]) // 66
assert r["journeys_total"] == 6 * copies, (r["journeys_total"], copies)
assert r["journeys_left_out"] == r["journeys_total"] - len(r["journeys"])
assert sum(s["count"] for s in r["shapes"]) + r["other_shape_journeys"] == r["journeys_total"]
late = [s for s in r["shapes"] if any(h["dev"] == "caliX" for h in s["hops"])]
assert late and min(s["first_journey_id"] for s in late) == 6 * (copies - 10) + 1, late
assert all(s["count"] > 0 and s["hops"][1]["p50_ns"] is not None for s in r["shapes"])
PY
	echo "ok: $events events, every format under ulimit -v $limit_kb"
done

# make_lookups_db DB COPIES: the flood sample (782 events, 302 route lookups, no free events)
# copied COPIES times (COPIES >= 2), time + k*1 s, skb + k*2^32 (the copies' addresses never meet)
make_lookups_db() {
	local db=$1 copies=$2
	"$vx" import -d "$db" --kallsyms "$samples/flood.kallsyms" "$samples/flood-nofree.perf.data" > /dev/null 2>&1 ||
		fail "import of the flood sample failed"
	sqlite3 "$db" "
		WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $copies - 1)
		INSERT INTO event_rows(capture_id, ts_ns, cpu, pid, comm_id, name_id, dev_id, len, skb, stack_id,
				       fieldset_id, vals)
		SELECT e.capture_id, e.ts_ns + k.i * 1000000000, e.cpu, e.pid, e.comm_id, e.name_id, e.dev_id, e.len,
		       CASE WHEN e.skb IS NULL THEN NULL ELSE e.skb + k.i * 4294967296 END, e.stack_id, e.fieldset_id, e.vals
		FROM event_rows e, k WHERE e.capture_id = 1 ORDER BY k.i, e.id;
		UPDATE captures SET events = (SELECT count(*) FROM event_rows), last_ts = (SELECT max(ts_ns) FROM event_rows);
		PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null || fail "cannot generate $db"
}

# peak RSS in KB of `report -d DB --format FMT [ARGS...]` under the address-space limit
peak_kb() {
	python3 - "$limit_kb" "$vx" "$1" "$2" "$tmp/out.$2" "${@:3}" <<'PY'
import resource, subprocess, sys
limit = int(sys.argv[1]) * 1024
def lim():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
r = subprocess.run([sys.argv[2], "report", "-d", sys.argv[3], "--format", sys.argv[4], "-o", sys.argv[5]]
                   + sys.argv[6:], preexec_fn=lim, stderr=subprocess.PIPE)
if r.returncode:
    sys.exit("report failed: " + r.stderr.decode(errors="replace")[:300])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

lcopies=$(( n * 2 / 782 ))
"$vx" import -d "$tmp/l1.db" --kallsyms "$samples/flood.kallsyms" "$samples/flood-nofree.perf.data" > /dev/null 2>&1 ||
	fail "import of the flood sample failed"
"$vx" report -d "$tmp/l1.db" --format json -o "$tmp/one.json" || fail "report on the flood sample failed"
make_lookups_db "$tmp/l1x.db" "$lcopies"
make_lookups_db "$tmp/l4x.db" $(( 4 * lcopies ))
for fmt in json text; do
	a=$(peak_kb "$tmp/l1x.db" $fmt) || fail "report --format $fmt on $lcopies copies of the flood: $a"
	cp "$tmp/out.$fmt" "$tmp/l1x.$fmt"
	b=$(peak_kb "$tmp/l4x.db" $fmt) || fail "report --format $fmt on $(( 4 * lcopies )) copies of the flood: $b"
	echo "route lookups: report --format $fmt peak RSS $a KB at $(( lcopies * 782 )) events, $b KB at 4x"
	[ $(( b - a )) -le 6144 ] || fail "report --format $fmt grows with the route lookups: $a KB -> $b KB"
done
# the kept journeys of the 4x capture are the first copy's, with the same routes
python3 - "$tmp/one.json" "$tmp/out.json" "$lcopies" <<'PY' || fail "routes of the kept journeys differ"
import json, sys
one = json.load(open(sys.argv[1])); big = json.load(open(sys.argv[2])); copies = 4 * int(sys.argv[3])
assert big["journeys_total"] == one["journeys_total"] * copies, (big["journeys_total"], one["journeys_total"])
routes = lambda r, n: [[h.get("route") for h in j["hops"]] for j in r["journeys"][:n]]
n = len(one["journeys"])
assert n and sum(x is not None for j in routes(one, n) for x in j) > 0
assert routes(one, n) == routes(big, n)
PY
echo "ok: route lookups joined to the kept journeys without growing the report"

# --filter on an address: the routes of every journey, asked of the store, in bounded memory
for fmt in json text; do
	a=$(peak_kb "$tmp/l1x.db" $fmt --filter 'dst 10.244.2.7') || fail "report --filter dst on $lcopies copies: $a"
	cp "$tmp/out.$fmt" "$tmp/f1x.$fmt"
	b=$(peak_kb "$tmp/l4x.db" $fmt --filter 'dst 10.244.2.7') || fail "report --filter dst on $(( 4 * lcopies )) copies: $b"
	echo "route lookups: report --filter 'dst 10.244.2.7' --format $fmt peak RSS $a KB at 1x, $b KB at 4x"
	[ $(( b - a )) -le 6144 ] || fail "report --filter dst --format $fmt grows with the route lookups: $a KB -> $b KB"
done
"$vx" report -d "$tmp/l1.db" --format json --filter 'dst 10.244.2.7' -o "$tmp/f1.json" || fail "filtered report on the flood sample"
python3 - "$tmp/one.json" "$tmp/f1.json" "$tmp/out.json" "$lcopies" <<'PY' || fail "--filter dst does not keep the journeys its routes say"
import json, sys
one, f1, f4 = (json.load(open(p)) for p in sys.argv[1:4]); copies = 4 * int(sys.argv[4])
assert one["journeys_left_out"] == 0, "the sample's journeys should all be listed"
shape = lambda j: [(h["dev"], h["event"], json.dumps(h.get("route"), sort_keys=True)) for h in j["hops"]]
want = [shape(j) for j in one["journeys"] if any((h.get("route") or {}).get("dst") == "10.244.2.7" for h in j["hops"])]
got = [shape(j) for j in f1["journeys"]]
assert want and len(want) < one["journeys_total"], (len(want), one["journeys_total"])
assert sorted(got) == sorted(want) and f1["journeys_total"] == len(want), (len(got), len(want))
assert f4["journeys_total"] == len(want) * copies, (f4["journeys_total"], len(want), copies)
PY
echo "ok: --filter on an address keeps the journeys its routes say, without growing the report"
