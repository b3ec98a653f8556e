#!/usr/bin/env bash
# store-trust.sh: databases from elsewhere are opened without trusting them (doc/trust.md):
#  - a rollback journal planted beside a database, naming a victim file as its super-journal,
#    deletes nothing: import (source or target), captures, query, report and diff leave the
#    victim, the database and the journal as they were, and make no -wal/-shm beside it;
#  - a failed import leaves the target's `.dump` identical: a database without captures
#    (whose stacks, kept with their hashes, carry other frames: they never shadow a later
#    import), a view, trigger, table or index that is not vxanalyze's, a value over the
#    bound, the time bound, a value of the wrong type, malformed JSON, a missing reference;
#  - file names are never URIs (-d file:t.db writes "file:t.db"), the same file is found
#    by its inode whatever its name;
#  - query refuses PRAGMA journal_mode=X and fts3_tokenizer() in one line;
#  - a stack deeper than 512 frames is cut, counted and said.
# usage: store-trust.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
. "$(dirname "$0")/checks.sh"
command -v sqlite3 > /dev/null || { echo "FAIL: needs the sqlite3 CLI"; exit 1; }

mine=$tmp/mine.db
"$vx" import -q -d "$mine" "$samples/route.trace" "$samples/vxlan-ping.trace" || { echo "FAIL: import"; exit 1; }
cp "$samples/pair-a.db" "$tmp/a.db"
cp "$samples/pair-b.db" "$tmp/b.db"

# one_line CMD...: runs CMD (stderr to $tmp/err); ok when it exits 1 with one line of error
# (within a minute: a foreign view once hung the import for ever)
one_line() {
	timeout 60 "$@" > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	[ $rc = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ]
}

# refused NAME FILE PATTERN [TARGET]: importing FILE into TARGET (default: a fresh copy of
# $mine) fails in one line matching PATTERN and leaves TARGET's dump as it was
refused() {
	local name=$1 file=$2 pat=$3 target=${4:-$tmp/target.db} before
	[ $# -gt 3 ] || cp "$mine" "$target"
	before=$(sqlite3 "$target" .dump | md5sum)
	if ! one_line "$vx" import -d "$target" "$file"; then
		fail "$name: import exited otherwise than 1 with one line: $(head -3 "$tmp/err")"
	elif ! grep -q -- "$pat" "$tmp/err"; then
		fail "$name: unclear error: $(cat "$tmp/err")"
	else
		ok "$name: refused ($(cut -c1-100 "$tmp/err"))"
	fi
	[ "$(sqlite3 "$target" .dump | md5sum)" = "$before" ] || fail "$name: the failed import changed $target"
}

# copy_with NAME SQL: $tmp/NAME.db, a copy of pair-a.db changed by SQL
copy_with() {
	cp "$samples/pair-a.db" "$tmp/$1.db"
	sqlite3 "$tmp/$1.db" "$2" || fail "sqlite3 cannot make $1.db"
}

# --- a planted journal whose super-journal is a victim file ---
plant_journal() {
	python3 - "$1" "$2" <<'PY'
import os, struct, sys
db, victim = sys.argv[1], sys.argv[2]
head = open(db, "rb").read(100)
page = struct.unpack(">H", head[16:18])[0] or 65536
magic = bytes.fromhex("d9d505f920a163d7")
# header: magic, no page records, checksum seed, the database's size, sector and page size
hdr = (magic + struct.pack(">IIIII", 0, 0, os.path.getsize(db) // page, 512, page)).ljust(512, b"\0")
name = victim.encode()
tail = struct.pack(">I", 0x40000000 // page + 1) + name + struct.pack(">II", len(name), sum(name)) + magic
open(db + "-journal", "wb").write(hdr + tail)
PY
}
cp "$samples/pair-a.db" "$tmp/hj.db"
echo precious > "$tmp/victim"
plant_journal "$tmp/hj.db" "$tmp/victim"
sum=$(cat "$tmp/hj.db" "$tmp/hj.db-journal" | md5sum)
for cmd in import-source import-target captures query report diff; do
	case $cmd in
	import-source) cp "$mine" "$tmp/hj-into.db" && one_line "$vx" import -d "$tmp/hj-into.db" "$tmp/hj.db" ;;
	import-target) one_line "$vx" import -d "$tmp/hj.db" "$samples/route.trace" ;;
	query) one_line "$vx" query -d "$tmp/hj.db" "SELECT 1" ;;
	diff) one_line "$vx" diff -d "$tmp/hj.db" 1 1 ;;
	*) one_line "$vx" "$cmd" -d "$tmp/hj.db" ;;
	esac || fail "planted journal, $cmd: not refused in one line: $(head -3 "$tmp/err")"
	was=$fails
	[ "$(cat "$tmp/victim" 2>/dev/null)" = precious ] || fail "planted journal, $cmd: the victim file is gone"
	[ "$(cat "$tmp/hj.db" "$tmp/hj.db-journal" 2>/dev/null | md5sum)" = "$sum" ] ||
		fail "planted journal, $cmd: changed the database or the journal"
	[ ! -e "$tmp/hj.db-wal" ] && [ ! -e "$tmp/hj.db-shm" ] || fail "planted journal, $cmd: made a -wal or -shm"
	[ $fails = $was ] && ok "planted journal, $cmd: the victim, the database and the journal are untouched ($(cut -c1-80 "$tmp/err"))"
	# the next command meets the same files
	echo precious > "$tmp/victim"
	cp "$samples/pair-a.db" "$tmp/hj.db"
	rm -f "$tmp/hj.db-wal" "$tmp/hj.db-shm"
	plant_journal "$tmp/hj.db" "$tmp/victim"
done
# an empty -journal beside a database from elsewhere: imported, the file left as it is
cp "$samples/pair-a.db" "$tmp/ej.db"
: > "$tmp/ej.db-journal"
sum=$(md5sum < "$tmp/ej.db")
"$vx" import -q -d "$tmp/ej-into.db" "$tmp/ej.db" 2> "$tmp/err" || fail "a database with an empty -journal: $(cat "$tmp/err")"
[ "$(md5sum < "$tmp/ej.db")" = "$sum" ] && [ ! -e "$tmp/ej.db-wal" ] && [ ! -e "$tmp/ej.db-shm" ] &&
	ok "an empty -journal: the source is read, not changed (no switch to WAL)" ||
	fail "importing a database with an empty -journal changed it or made a -wal/-shm"

# --- a failed import changes nothing; stacks of a database are never trusted ---
# a database without captures whose stacks carry other frames (hashes kept)
copy_with nocap "DELETE FROM event_rows; DELETE FROM capture_meta; DELETE FROM captures;
	UPDATE stacks SET frames = 'planted_frame', depth = 1"
cp "$mine" "$tmp/g.db"
refused "no captures, planted stacks" "$tmp/nocap.db" "without captures; nothing imported" "$tmp/g.db"
"$vx" import -q -d "$tmp/g.db" "$tmp/a.db" || fail "the genuine import after the planted stacks"
[ "$(sqlite3 "$tmp/g.db" "SELECT count(*) FROM stacks WHERE frames LIKE '%planted%'")" = 0 ] &&
	ok "planted stacks: none in the database, the genuine import has its own frames" ||
	fail "planted stacks: the genuine import shows the planted frames"
# a capture whose stack (used by pair-b.db too) has other frames under the genuine hash
sqlite3 "$tmp/shared.db" "ATTACH '$tmp/a.db' AS a; ATTACH '$tmp/b.db' AS b;
	SELECT x.id FROM a.stacks x JOIN b.stacks y ON y.frames = x.frames ORDER BY x.id LIMIT 1" > "$tmp/shared" ||
	fail "sqlite3 cannot find a stack of both samples"
copy_with evil "UPDATE stacks SET frames = 'planted_frame', depth = 1 WHERE id = $(cat "$tmp/shared")"
frames_of() {
	sqlite3 "$1" "SELECT group_concat(frames, '|') FROM (SELECT DISTINCT s.frames FROM event_rows e
		JOIN stacks s ON s.id = e.stack_id JOIN capture_meta m ON m.capture_id = e.capture_id
		AND m.key = 'hostname' AND CAST(m.value AS TEXT) = 'node-b' ORDER BY 1)"
}
"$vx" import -q -d "$tmp/evil-into.db" "$tmp/evil.db" "$tmp/b.db" || fail "import of evil.db and pair-b.db"
"$vx" import -q -d "$tmp/b-alone.db" "$tmp/b.db" || fail "import of pair-b.db"
[ -n "$(frames_of "$tmp/b-alone.db")" ] && [ "$(frames_of "$tmp/evil-into.db")" = "$(frames_of "$tmp/b-alone.db")" ] &&
	ok "a planted stack under a genuine hash does not shadow the next import's" ||
	fail "pair-b.db imported after evil.db shows other stacks than imported alone"

# --- the schema must be vxanalyze's own ---
copy_with view "DROP TABLE strings; CREATE VIEW strings AS WITH RECURSIVE r(i) AS
	(SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT i AS id, 'x' AS text FROM r"
start=$(date +%s)
refused "a view named strings (endless)" "$tmp/view.db" "not a vxanalyze database: its view strings"
[ $(($(date +%s) - start)) -lt 10 ] || fail "the view: the refusal took $(($(date +%s) - start)) s"
one_line "$vx" report -d "$tmp/view.db" && grep -q "its view strings" "$tmp/err" && ok "report refuses the view" ||
	fail "report of a database with a foreign view: $(cat "$tmp/err")"
copy_with trigger "CREATE TRIGGER t AFTER INSERT ON captures BEGIN DELETE FROM strings; END"
refused "a trigger" "$tmp/trigger.db" "its trigger t is not one vxanalyze makes"
copy_with extra "CREATE TABLE extra(x)"
refused "another table" "$tmp/extra.db" "its table extra"
copy_with index "DROP INDEX events_capture_ts; CREATE INDEX events_capture_ts ON event_rows(capture_id, abs(ts_ns))"
refused "an index of expressions" "$tmp/index.db" "its index events_capture_ts"
copy_with gencol "DROP VIEW events; DROP TABLE strings; CREATE TABLE strings(id INTEGER PRIMARY KEY, t TEXT,
	text TEXT GENERATED ALWAYS AS (t || t) VIRTUAL)"
refused "a table named like ours" "$tmp/gencol.db" "its table strings"

# --- bounds: a value's size, the time ---
copy_with big "INSERT INTO capture_meta VALUES(1, 'big', zeroblob(70 * 1024 * 1024))"
refused "a 70 MiB value" "$tmp/big.db" "a value over 64 MiB"
rm -f "$tmp/big.db"
before=$(sqlite3 "$mine" .dump | md5sum)
if VXANALYZE_IMPORT_TIMEOUT=0.000001 one_line "$vx" import -d "$mine" "$tmp/b.db" && grep -q "stopped reading it after" "$tmp/err"; then
	ok "the time bound: $(cut -c1-100 "$tmp/err")"
else
	fail "the time bound did not stop the import: $(cat "$tmp/err")"
fi
[ "$(sqlite3 "$mine" .dump | md5sum)" = "$before" ] || fail "the time bound left a change in $mine"

# --- every value copied is checked ---
copy_with ts "UPDATE event_rows SET ts_ns = 'abc' WHERE id = (SELECT max(id) FROM event_rows)"
refused "ts_ns of text" "$tmp/ts.db" "ts_ns is text, not an integer"
copy_with cpu "UPDATE event_rows SET cpu = 1.5 WHERE id = (SELECT max(id) FROM event_rows)"
refused "cpu of a real" "$tmp/cpu.db" "cpu is a real"
copy_with vals "UPDATE event_rows SET vals = '{\"a\":' WHERE id = (SELECT max(id) FROM event_rows)"
refused "malformed vals" "$tmp/vals.db" "vals is not a JSON object"
copy_with nested "UPDATE event_rows SET vals = '{\"a\":{\"b\":\"c\"}}' WHERE id = (SELECT max(id) FROM event_rows)"
refused "nested vals" "$tmp/nested.db" "vals is not a JSON object of text values"
copy_with fields "UPDATE fieldsets SET fields = '{bad' WHERE id = (SELECT fieldset_id FROM event_rows LIMIT 1)"
refused "malformed fields" "$tmp/fields.db" "its fields are not a JSON object"
copy_with fmt "UPDATE fieldsets SET skb_fmt = '%.999999999c' WHERE skb_fmt IS NOT NULL"
refused "an skb format of its own" "$tmp/fmt.db" "field set [0-9]* of its events: skb_fmt"
copy_with comm "UPDATE event_rows SET comm_id = 999999 WHERE id = (SELECT max(id) FROM event_rows)"
refused "a missing comm" "$tmp/comm.db" "string 999999 of its events is missing"
copy_with stack "UPDATE event_rows SET stack_id = 999999 WHERE id = (SELECT max(id) FROM event_rows)"
refused "a missing stack" "$tmp/stack.db" "stack 999999 of its events is missing"
copy_with fs "UPDATE event_rows SET fieldset_id = 999999 WHERE id = (SELECT max(id) FROM event_rows)"
refused "a missing field set" "$tmp/fs.db" "field set 999999 of its events is missing"
copy_with depth "UPDATE stacks SET depth = depth + 1 WHERE id = (SELECT stack_id FROM event_rows WHERE stack_id IS NOT NULL LIMIT 1)"
refused "a stack's depth" "$tmp/depth.db" "its depth is"
copy_with count "UPDATE captures SET events = events + 1"
refused "a capture counting more events" "$tmp/count.db" "counts .* events but holds"
copy_with key "UPDATE capture_meta SET key = CAST(x'41004200' AS TEXT) WHERE key = 'boot_id'"
refused "a metadata key with a NUL" "$tmp/key.db" "a metadata key holds a NUL byte"

# --- file names are names ---
mkdir "$tmp/names"
cp "$samples/pair-a.db" "$tmp/names/x.db"
cp "$samples/pair-b.db" "$tmp/names/file:x.db"
(cd "$tmp/names" && "$vx" import -q -d file:t.db file:x.db) 2> "$tmp/err" || fail "import -d file:t.db file:x.db: $(cat "$tmp/err")"
[ -f "$tmp/names/file:t.db" ] && [ ! -e "$tmp/names/t.db" ] && ok "-d file:t.db writes a file named file:t.db" ||
	fail "-d file:t.db did not write file:t.db: $(ls "$tmp/names")"
[ "$(sqlite3 "$tmp/names/file:t.db" "SELECT CAST(value AS TEXT) FROM capture_meta WHERE key = 'hostname'")" = node-b ] &&
	ok "a file named file:x.db is imported, not x.db" || fail "file:x.db: another file was imported"
before=$(sqlite3 "$mine" .dump | md5sum)
ln "$mine" "$tmp/link.db"
for other in "$tmp/./mine.db" "$tmp/link.db"; do
	one_line "$vx" import -d "$mine" "$other" && grep -q "is the database being imported into" "$tmp/err" &&
		ok "the same file under another name ($(basename "$other")) is found" ||
		fail "the same file as $other: $(cat "$tmp/err")"
done
[ "$(sqlite3 "$mine" .dump | md5sum)" = "$before" ] || fail "the same file: $mine changed"
# a file named file:mine.db is that file, not mine.db (which would be merged into itself)
cp "$mine" "$tmp/mine-copy.db"
cp "$samples/pair-b.db" "$tmp/file:mine.db"
(cd "$tmp" && "$vx" import -q -d mine-copy.db file:mine.db) 2> "$tmp/err" &&
	[ "$(sqlite3 "$tmp/mine-copy.db" "SELECT count(*) FROM capture_meta WHERE key = 'hostname' AND CAST(value AS TEXT) = 'node-b'")" = 1 ] &&
	ok "a file named file:mine.db is imported, not mine.db" || fail "file:mine.db: $(cat "$tmp/err")"

# --- query: a read-only refusal, no pointers ---
sum=$(cat "$mine" | md5sum)
one_line "$vx" query -d "$mine" "PRAGMA journal_mode=delete" && grep -q "opened read-only" "$tmp/err" &&
	! grep -q "disk I/O" "$tmp/err" && ok "PRAGMA journal_mode=delete: $(cat "$tmp/err")" ||
	fail "PRAGMA journal_mode=delete: $(cat "$tmp/err")"
one_line "$vx" query -d "$mine" "SELECT hex(fts3_tokenizer('simple'))" && grep -q "fts3_tokenizer(): not available" "$tmp/err" &&
	ok "fts3_tokenizer() refused" || fail "fts3_tokenizer() in query: $(cat "$tmp/out" "$tmp/err")"
[ "$(cat "$mine" | md5sum)" = "$sum" ] || fail "query changed the database"

# --- a stack deeper than 512 frames is cut and said ---
python3 - "$samples/vxlan-ping.trace" "$tmp/deep.trace" <<'PY'
import sys
out, done = [], False
for line in open(sys.argv[1]).read().split("\n"):
    out.append(line)
    if not done and line.endswith("<stack trace>"):
        out += [" => deep_frame_%d" % k for k in range(600)]
        done = True
open(sys.argv[2], "w").write("\n".join(out))
PY
"$vx" import -d "$tmp/deep.db" "$tmp/deep.trace" > "$tmp/out" 2> "$tmp/err" || fail "import of a deep stack"
grep -q "1 events had a kernel stack deeper than 512 frames" "$tmp/err" &&
	[ "$(sqlite3 "$tmp/deep.db" "SELECT CAST(value AS TEXT) FROM capture_meta WHERE key = 'stacks_cut'")" = 1 ] &&
	[ "$(sqlite3 "$tmp/deep.db" "SELECT max(depth) FROM stacks")" = 512 ] &&
	ok "a stack of 600 frames: cut at 512, counted and said" || fail "a deep stack: $(cat "$tmp/err")"

finish "store-trust"
