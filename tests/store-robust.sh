#!/usr/bin/env bash
# store-robust.sh: the store survives what happens to real databases:
#  - an import killed with SIGKILL half-way leaves a database that passes PRAGMA
#    integrity_check and holds no half capture (every listed capture has all its events);
#  - another process can list and report while an import is running (WAL);
#  - an import into an empty store (rollback journal while it runs): WAL and both event
#    indexes afterwards; its capture reports as it does imported next to another; failed
#    or killed, it leaves the database as before (WAL, indexes, nothing of the capture);
#    read-only commands never roll a journal back (they refuse a hot one in one line and
#    leave the files as they are), the next import into the database does;
#  - a read-only database file, or one in a read-only directory, gives a clear error for
#    import and still works for captures/report;
#  - a database of another schema version or of another program gives a clear error.
# usage: store-robust.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
tmp=$(mktemp -d)
chmod 755 "$tmp"
bg=
cleanup() {
	[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "needs the sqlite3 CLI (apt-get install sqlite3)"

# every capture counts exactly the events it holds, and SQLite finds nothing wrong
check_db() {
	local db=$1 ic bad
	ic=$(sqlite3 "$db" "PRAGMA integrity_check") || fail "sqlite3 cannot open $db"
	[ "$ic" = ok ] || fail "integrity_check of $db: $ic"
	bad=$(sqlite3 "$db" "SELECT id FROM captures c WHERE events != (SELECT count(*) FROM events e WHERE e.capture_id = c.id)")
	[ -z "$bad" ] || fail "half capture(s) in $db: $bad"
	bad=$(sqlite3 "$db" "SELECT count(*) FROM events WHERE capture_id NOT IN (SELECT id FROM captures)")
	[ "$bad" = 0 ] || fail "$bad events without a capture in $db"
}

# a big trace: the sample's events repeated to about 200k events (10 x 300 copies)
grep '^#' "$samples/vxlan-ping.trace" > "$tmp/chunk"
for i in $(seq 300); do grep -v '^#' "$samples/vxlan-ping.trace"; done > "$tmp/body"
cp "$tmp/chunk" "$tmp/big.trace"
for i in $(seq 10); do cat "$tmp/body" >> "$tmp/big.trace"; done
rm -f "$tmp/body" "$tmp/chunk"

db=$tmp/t.db
"$vx" import -q -d "$db" "$samples/route.trace" || fail "import of route.trace"

# kill_import DB: SIGKILL an import of the big trace into DB 0.3 s after it started
kill_import() {
	"$vx" import -q -d "$1" "$tmp/big.trace" > /dev/null 2>&1 &
	bg=$!
	sleep 0.3
	kill -0 "$bg" 2>/dev/null || fail "the big import finished within 0.3 s; make the trace bigger"
	kill -9 "$bg"
	wait "$bg" 2>/dev/null
	bg=
}

# 1. SIGKILL in the middle of an import
kill_import "$db"
check_db "$db"
n=$(sqlite3 "$db" "SELECT count(*) FROM captures")
[ "$n" = 1 ] || fail "after the killed import the database lists $n captures, wanted 1"
"$vx" captures -d "$db" > "$tmp/out" || fail "captures after a killed import"
"$vx" report -d "$db" > /dev/null || fail "report after a killed import"
echo "killed import: database consistent, no half capture"

# 2. readers while an import runs
"$vx" import -q -d "$db" "$tmp/big.trace" > "$tmp/import.out" 2>&1 &
bg=$!
sleep 0.3
kill -0 "$bg" 2>/dev/null || fail "the big import finished within 0.3 s; make the trace bigger"
start=$(date +%s%N)
timeout 5 "$vx" captures -d "$db" > "$tmp/out" 2> "$tmp/err" || fail "captures during an import: $(cat "$tmp/err")"
timeout 5 "$vx" report -d "$db" --capture 1 --format json -o "$tmp/r.json" 2> "$tmp/err" ||
	fail "report during an import: $(cat "$tmp/err")"
took=$((($(date +%s%N) - start) / 1000000))
kill -0 "$bg" 2>/dev/null || echo "note: the import ended while the readers ran (${took} ms)"
[ "$(tail -n +2 "$tmp/out" | wc -l)" = 1 ] || fail "a reader saw the capture being imported: $(cat "$tmp/out")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/r.json" || fail "report during an import is not JSON"
wait "$bg" || fail "the import next to readers failed: $(cat "$tmp/import.out")"
bg=
check_db "$db"
[ "$(sqlite3 "$db" "SELECT events FROM captures WHERE id = 2")" -gt 150000 ] || fail "big import incomplete"
echo "readers during an import: ok (${took} ms)"

# 2b. imports into an empty store: WAL and the event indexes afterwards, the same report
# as the WAL path gives, and nothing left by a failed or a killed import
wal_and_indexes() {
	local db=$1 what=$2 mode idx
	mode=$(sqlite3 "$db" "PRAGMA journal_mode") || fail "$what: sqlite3 cannot open $db"
	[ "$mode" = wal ] || fail "$what: journal mode $mode, wanted wal"
	[ ! -e "$db-journal" ] || fail "$what: $db-journal left behind"
	idx=$(sqlite3 "$db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM pragma_index_list('event_rows') ORDER BY name)")
	[ "$idx" = "events_capture_skb_ts events_capture_ts" ] || fail "$what: event_rows indexes: '$idx'"
	[ "$(sqlite3 "$db" "SELECT partial FROM pragma_index_list('event_rows') WHERE name = 'events_capture_skb_ts'")" = 1 ] ||
		fail "$what: events_capture_skb_ts holds the events without an skb address too"
}
fl="--kallsyms $samples/flood.kallsyms $samples/flood-nofree.perf.data"
"$vx" import -q -d "$tmp/e1.db" $fl || fail "import into an empty store"
wal_and_indexes "$tmp/e1.db" "import into an empty store"
check_db "$tmp/e1.db"
"$vx" import -q -d "$tmp/e2.db" "$samples/route.trace" && "$vx" import -q -d "$tmp/e2.db" $fl ||
	fail "two imports into one store"
wal_and_indexes "$tmp/e2.db" "second import"
check_db "$tmp/e2.db"
"$vx" report -d "$tmp/e1.db" --capture 1 --format json -o "$tmp/e1.json" &&
	"$vx" report -d "$tmp/e2.db" --capture 2 --format json -o "$tmp/e2.json" &&
	"$vx" report -d "$tmp/e2.db" --capture 1 --format json -o "$tmp/e2-1.json" || fail "reports of the two stores"
python3 - "$tmp/e1.json" "$tmp/e2.json" "$tmp/e2-1.json" <<'PY' || fail "the capture imported alone reports otherwise than next to another"
import json, sys
def norm(v):
    if isinstance(v, dict):
        return {k: 0 if k in ("id", "capture_id") else norm(x) for k, x in v.items() if k != "imported_at"}
    return [norm(x) for x in v] if isinstance(v, list) else v
a, b, r = (json.load(open(f)) for f in sys.argv[1:])
assert len(a["journeys"]) == 60 and a["captures"][0]["events"] == 782, (len(a["journeys"]), a["captures"])
assert norm(a) == norm(b)
assert r["captures"][0]["source"].endswith("route.trace") and [q["class"] for q in r["routes"]] == ["validated", "rejected", "onlink"]
PY
# --filter removes events through events_capture_skb_ts inside the import's transaction
"$vx" import -d "$tmp/e5.db" --filter 'host 10.9.9.9' "$samples/vxlan-ping.trace" > "$tmp/out" ||
	fail "import --filter into an empty store"
grep -q "0 events (66 filtered out by 'host 10.9.9.9')" "$tmp/out" || fail "import --filter: $(cat "$tmp/out")"
[ "$(sqlite3 "$tmp/e5.db" "SELECT count(*) FROM event_rows")" = 0 ] || fail "import --filter left events"
wal_and_indexes "$tmp/e5.db" "import --filter into an empty store"
check_db "$tmp/e5.db"
# a perf.data whose third compressed record is damaged: an error after the import began
python3 - "$samples/vxlan-ping.zstd.perf.data" "$tmp/bad.perf.data" <<'PY' || fail "cannot make the damaged perf.data"
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off, size = struct.unpack_from("<QQ", b, 40)
p, comp = off, []
while p < off + size:
    t, _, sz = struct.unpack_from("<IHH", b, p)
    if t == 81:
        comp.append((p, sz))
    p += sz
p, sz = comp[2]
for i in range(p + 24, p + sz):
    b[i] ^= 0x5a
open(sys.argv[2], "wb").write(b)
PY
for db in "$tmp/e3.db" "$tmp/e2.db"; do
	before=$(sqlite3 "$db" "SELECT count(*) FROM captures" 2>/dev/null || echo 0)
	"$vx" import -q -d "$db" --kallsyms "$samples/vxlan-ping.kallsyms" "$tmp/bad.perf.data" 2> "$tmp/err" &&
		fail "the damaged perf.data imported into $db"
	grep -q "does not decompress" "$tmp/err" || fail "damaged perf.data: $(cat "$tmp/err")"
	[ "$(sqlite3 "$db" "SELECT count(*) FROM captures")" = "$before" ] || fail "the failed import left a capture in $db"
	wal_and_indexes "$db" "failed import into $db"
	check_db "$db"
done
# killed: read-only commands never roll a journal back nor change the files (a journal
# may come with a database from elsewhere); the next import into the database does
kill_import "$tmp/e4.db"
[ -e "$tmp/e4.db-journal" ] || fail "the killed import into an empty store left no rollback journal (did it use one?)"
sum=$(cat "$tmp/e4.db" "$tmp/e4.db-journal" | md5sum)
# killed before its commit, the import wrote none of the database's pages: the journal is
# not hot and the database reads as before
"$vx" captures -d "$tmp/e4.db" > "$tmp/out" 2> "$tmp/err" || fail "captures after a killed import into an empty store: $(cat "$tmp/err")"
[ "$(tail -n +2 "$tmp/out" | wc -l)" = 0 ] || fail "a capture after the killed import: $(cat "$tmp/out")"
[ "$(cat "$tmp/e4.db" "$tmp/e4.db-journal" | md5sum)" = "$sum" ] || fail "captures changed the database or its journal"
[ ! -e "$tmp/e4.db-wal" ] && [ ! -e "$tmp/e4.db-shm" ] || fail "captures made a -wal or -shm beside the killed import's database"
"$vx" import -q -d "$tmp/e4.db" "$samples/route.trace" || fail "import after the killed import"
wal_and_indexes "$tmp/e4.db" "import after the killed import"
check_db "$tmp/e4.db"
# a hot journal (a writer killed after it wrote pages: SQLite's own, forced by a tiny cache)
cp "$tmp/e2.db" "$tmp/hot.db"
ncap=$(sqlite3 "$tmp/hot.db" "SELECT count(*) FROM captures")
python3 - "$tmp/hot.db" <<'PY' || fail "cannot make a hot journal"
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=delete"); c.execute("PRAGMA cache_size=1"); c.execute("BEGIN")
c.execute("DELETE FROM event_rows"); c.execute("DELETE FROM captures")
os._exit(0)
PY
[ "$(head -c 8 "$tmp/hot.db-journal" | od -An -tx1 | tr -d ' ')" = d9d505f920a163d7 ] || fail "the journal is not hot"
sum=$(cat "$tmp/hot.db" "$tmp/hot.db-journal" | md5sum)
for cmd in captures report query diff; do
	case $cmd in
	query) args=("SELECT 1") ;;
	diff) args=(1 2) ;;
	*) args=() ;;
	esac
	"$vx" $cmd -d "$tmp/hot.db" "${args[@]}" > "$tmp/out" 2> "$tmp/err" && fail "'$cmd' read a database with a hot journal"
	grep -q "hot.db-journal.*the next import into it ('vxanalyze import -d $tmp/hot.db FILE')" "$tmp/err" ||
		fail "'$cmd' on a hot journal: unclear error: $(cat "$tmp/err")"
	[ "$(wc -l < "$tmp/err")" = 1 ] || fail "'$cmd' on a hot journal: more than one line: $(cat "$tmp/err")"
	[ "$(cat "$tmp/hot.db" "$tmp/hot.db-journal" | md5sum)" = "$sum" ] || fail "'$cmd' changed the database or its journal"
done
"$vx" import -q -d "$tmp/hot.db" "$samples/route.trace" || fail "import into the database with a hot journal"
[ ! -e "$tmp/hot.db-journal" ] || fail "the import left the hot journal"
[ "$(sqlite3 "$tmp/hot.db" "SELECT count(*) FROM captures")" = $((ncap + 1)) ] || fail "the hot journal was not rolled back"
wal_and_indexes "$tmp/hot.db" "import after a hot journal"
check_db "$tmp/hot.db"
# from a pipe (trace_pipe, which may last): the WAL from the start, readers not held up
cat "$tmp/big.trace" | "$vx" import -q -d "$tmp/e6.db" - > /dev/null 2>&1 &
bg=$!
sleep 0.3
kill -0 "$bg" 2>/dev/null || fail "the big import from a pipe finished within 0.3 s; make the trace bigger"
[ -e "$tmp/e6.db-wal" ] && [ ! -e "$tmp/e6.db-journal" ] || fail "the import from a pipe does not write through the WAL"
timeout 5 "$vx" captures -d "$tmp/e6.db" > "$tmp/out" 2> "$tmp/err" || fail "captures during an import from a pipe: $(cat "$tmp/err")"
wait "$bg" || fail "the import from a pipe failed"
bg=
wal_and_indexes "$tmp/e6.db" "import from a pipe"
check_db "$tmp/e6.db"
echo "imports into an empty store: WAL and indexes after, same report, nothing left when failed or killed; a pipe's through the WAL"

# 3. read-only database file, and a database in a read-only directory. Root ignores
# permissions, so those checks run as nobody.
as_user=()
if [ "$(id -u)" = 0 ]; then
	command -v setpriv > /dev/null || fail "needs setpriv (util-linux) to test permissions as root"
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
ro=$tmp/ro
mkdir "$ro"
"$vx" import -q -d "$ro/t.db" "$samples/route.trace" || fail "import into $ro"
[ ${#as_user[@]} -gt 0 ] && chown -R 65534:65534 "$ro"
chmod 444 "$ro/t.db"
"${as_user[@]}" "$vx" import -d "$ro/t.db" "$samples/route.trace" > "$tmp/out" 2> "$tmp/err" &&
	fail "import into a read-only database succeeded"
grep -q "t.db: database is read-only" "$tmp/err" || fail "read-only database: unclear error: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/err")" = 1 ] || fail "read-only database: more than one line: $(cat "$tmp/err")"
"${as_user[@]}" "$vx" report -d "$ro/t.db" > /dev/null 2> "$tmp/err" || fail "report on a read-only database: $(cat "$tmp/err")"
"${as_user[@]}" "$vx" captures -d "$ro/t.db" > /dev/null 2> "$tmp/err" || fail "captures on a read-only database: $(cat "$tmp/err")"

rod=$tmp/rodir
mkdir "$rod"
"$vx" import -q -d "$rod/t.db" "$samples/route.trace" || fail "import into $rod"
[ ${#as_user[@]} -gt 0 ] && chown 65534:65534 "$rod/t.db"
chmod 555 "$rod"
"${as_user[@]}" "$vx" import -d "$rod/t.db" "$samples/route.trace" > "$tmp/out" 2> "$tmp/err" &&
	fail "import into a read-only directory succeeded"
grep -q "cannot write in directory" "$tmp/err" || fail "read-only directory: unclear error: $(cat "$tmp/err")"
"${as_user[@]}" "$vx" report -d "$rod/t.db" > /dev/null 2> "$tmp/err" || fail "report in a read-only directory: $(cat "$tmp/err")"
"${as_user[@]}" "$vx" captures -d "$rod/t.db" > "$tmp/out" 2> "$tmp/err" || fail "captures in a read-only directory: $(cat "$tmp/err")"
grep -q route.trace "$tmp/out" || fail "captures in a read-only directory: $(cat "$tmp/out")"
chmod 755 "$rod"
echo "read-only file and directory: clear errors for import, reports work"

# 4. another schema version, another program's database
cp "$ro/t.db" "$tmp/v7.db"
chmod 644 "$tmp/v7.db"
sqlite3 "$tmp/v7.db" "PRAGMA user_version = 7" || fail "sqlite3 cannot set the version"
for cmd in "import -d $tmp/v7.db $samples/route.trace" "report -d $tmp/v7.db" "captures -d $tmp/v7.db"; do
	$vx $cmd > /dev/null 2> "$tmp/err" && fail "'$cmd' accepted schema version 7"
	grep -q "schema version 7, this vxanalyze reads version" "$tmp/err" || fail "'$cmd': unclear error: $(cat "$tmp/err")"
done
sqlite3 "$tmp/other.db" "CREATE TABLE t(x); INSERT INTO t VALUES(1)"
for cmd in "import -d $tmp/other.db $samples/route.trace" "report -d $tmp/other.db"; do
	$vx $cmd > /dev/null 2> "$tmp/err" && fail "'$cmd' accepted another program's database"
	grep -q "not a vxanalyze database" "$tmp/err" || fail "'$cmd': unclear error: $(cat "$tmp/err")"
done
head -c 8192 /dev/urandom > "$tmp/noise.db"
$vx report -d "$tmp/noise.db" > /dev/null 2> "$tmp/err" && fail "report accepted random bytes as a database"
grep -q "noise.db: not a vxanalyze database" "$tmp/err" || fail "random bytes: unclear error: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/other.db" "SELECT count(*) FROM sqlite_master")" = 1 ] || fail "import changed another program's database"
echo "foreign and other-version databases: clear errors, left untouched"
echo "store-robust: ok"
