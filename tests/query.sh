#!/usr/bin/env bash
# query.sh: `vxanalyze query` on real captures: the three example queries (doc/queries/*.sql,
# which doc/queries.md must show verbatim, and nothing else as SQL) give the known answers on
# samples/vxlan-drops.trace; table, csv and json output; the database is opened read-only
# (every kind of write is refused with SQLite's error and the file is unchanged); bad SQL is
# one line of error and exit 1, usage errors exit 2.
# usage: query.sh VXANALYZE SAMPLES_DIR DOC_DIR QUERIES_PAGE
set -u
vx=$1
samples=$2
doc=$3
page=$4
. "$(dirname "$0")/checks.sh"
db=$tmp/q.db

"$vx" import -q -d "$db" "$samples/vxlan-drops.trace" "$samples/vxlan-ping.trace" || { echo "FAIL: import"; exit 1; }

# --- the page's queries are the files, and they answer what the capture shows ---
for f in "$doc"/queries/*.sql; do
	python3 - "$page" "$f" <<'PY' || fail "$(basename "$page") does not show $(basename "$f") verbatim"
import sys
page, sql = open(sys.argv[1]).read(), open(sys.argv[2]).read().strip()
assert "```sql\n" + sql + "\n```" in page
PY
done
python3 - "$page" "$doc"/queries/*.sql <<'PY' && ok "$(basename "$page") shows the query files and no other SQL" || fail "$(basename "$page") shows other SQL"
import re, sys
page = open(sys.argv[1]).read()
files = sorted(open(f).read().strip() for f in sys.argv[2:])
shown = sorted(re.findall(r"```sql\n(.*?)\n```", page, re.S))
assert len(files) == 3 and shown == files, (len(files), len(shown))
PY
"$vx" query -d "$db" -f json - <"$doc/queries/drops-by-reason.sql" >"$tmp/drops.json" 2>"$tmp/err" ||
	fail "drops-by-reason: $(cat "$tmp/err")"
python3 - "$tmp/drops.json" <<'PY' && ok "drops by reason: NO_SOCKET 3, IP_INNOROUTES 2 (ip_error)" || fail "drops by reason"
import json, sys
r = json.load(open(sys.argv[1]))
got = {x["reason"]: x["drops"] for x in r}
assert got == {"NO_SOCKET": 3, "IP_INNOROUTES": 2}, r
assert [x["reason"] for x in r] == ["NO_SOCKET", "IP_INNOROUTES"], r
assert "ip_error" in [x for x in r if x["reason"] == "IP_INNOROUTES"][0]["locations"]
PY
"$vx" query -d "$db" -f json - <"$doc/queries/journey.sql" >"$tmp/journey.json" 2>"$tmp/err" ||
	fail "journey: $(cat "$tmp/err")"
python3 - "$tmp/journey.json" <<'PY' && ok "one journey: 9 events up to the drop, none of the skb's next journey" || fail "journey"
import json, sys
r = json.load(open(sys.argv[1]))
assert [x["dev"] for x in r[:8]] == ["eth0", "cali1", "cali1", "vxlan.calico", "eth0", "eth0", "eth0",
                                     "vxlan.calico"], r
assert len(r) == 9 and r[-1]["name"] == "skb:kfree_skb" and r[-1]["reason"] == "IP_INNOROUTES", r
assert r[0]["t_us"] == 0 and all(a["t_us"] <= b["t_us"] for a, b in zip(r, r[1:]))
assert r[-1]["t_us"] < 1000, r[-1]  # the same skb 200 ms later is another journey
PY
"$vx" query -d "$db" -f json - <"$doc/queries/slowest-hop.sql" >"$tmp/slow.json" 2>"$tmp/err" ||
	fail "slowest-hop: $(cat "$tmp/err")"
python3 - "$tmp/slow.json" <<'PY' && ok "slowest hop per shape" || fail "slowest hop per shape"
import json, sys
r = json.load(open(sys.argv[1]))
shapes = {x["shape"]: x for x in r}
assert len(shapes) == len(r) >= 4, r
# the journeys to the missing pod end in a drop on h2 after decapsulation
drop = [x for x in r if x["shape"].endswith("vxlan.calico skb:kfree_skb")]
assert len(drop) == 1 and drop[0]["journeys"] == 2, r
# both vxlan-ping.trace and vxlan-drops.trace delivered pings: the same shape, summed
full = "eth0 cali1 cali1 vxlan.calico eth0 eth0 eth0 vxlan.calico cali2 eth0 eth0"
assert shapes[full]["journeys"] >= 5, shapes.get(full)
for x in r:
    assert x["max_us"] >= x["avg_us"] > 0 and " > " in x["slowest_hop"], x
PY

# --- formats ---
"$vx" query -d "$db" "SELECT id, format, events FROM captures ORDER BY id" >"$tmp/t.txt"
cat >"$tmp/t.want" <<'T'
id  format       events
--  -----------  ------
 1  ftrace-text     103
 2  ftrace-text      66
T
diff -u "$tmp/t.want" "$tmp/t.txt" >/dev/null && ok "table aligned, numbers right" || fail "table: $(cat "$tmp/t.txt")"
"$vx" query -d "$db" -f csv "SELECT 'a,b' AS x, 'say \"hi\"' AS y, NULL AS z, 2 AS n" >"$tmp/c.csv"
[ "$(cat "$tmp/c.csv")" = "$(printf 'x,y,z,n\r\n"a,b","say ""hi""",,2\r')" ] && ok "csv quoting" ||
	fail "csv: $(od -c "$tmp/c.csv" | head -3)"
"$vx" query -d "$db" -f json "SELECT frames, 0.5 AS r, NULL AS z, 7 AS i FROM stacks LIMIT 1" >"$tmp/j.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r)==1 and "\n" in r[0]["frames"] and r[0]["r"]==0.5 and r[0]["z"] is None and r[0]["i"]==7, r' "$tmp/j.json" &&
	ok "json types" || fail "json: $(head -c 300 "$tmp/j.json")"
"$vx" query -d "$db" "SELECT frames FROM stacks LIMIT 1" | awk 'NR > 2 && /\\n/ { f = 1 } END { exit !f }' &&
	ok "table shows newlines as \\n" || fail "table cell with a raw newline"
"$vx" query -d "$db" -f json "SELECT 1 WHERE 0" | python3 -c 'import json,sys; assert json.load(sys.stdin) == []' &&
	ok "no rows: []" || fail "json of no rows"

# --- read-only: SQLite's own refusal, exit 1, one line, file unchanged ---
sum_before=$(cat "$db"* | md5sum)
# (events is a view over event_rows since schema 2: the writes go to the tables)
for sql in "DELETE FROM event_rows" "INSERT INTO captures(source, format, imported_at) VALUES ('x', 'y', 'z')" \
	"UPDATE event_rows SET len = 0" "DROP TABLE stacks" "CREATE TABLE x(a)" "PRAGMA user_version = 9"; do
	"$vx" query -d "$db" "$sql" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "attempt to write a readonly database" "$tmp/err"; then
		ok "refused: $sql"
	else
		fail "'$sql' exited $rc: $(cat "$tmp/err")"
	fi
done
"$vx" query -d "$db" "DELETE FROM events" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "cannot modify events because it is a view" "$tmp/err" &&
	ok "refused: DELETE FROM events (the view)" || fail "DELETE FROM events: $(cat "$tmp/err")"
"$vx" query -d "$db" "VACUUM INTO '$tmp/copy.db'" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && [ ! -e "$tmp/copy.db" ] && ok "VACUUM INTO refused" || fail "VACUUM INTO wrote $tmp/copy.db"
"$vx" query -d "$db" "ATTACH '$tmp/new.db' AS n" >/dev/null 2>"$tmp/err"
[ $? = 1 ] && [ ! -e "$tmp/new.db" ] && ok "ATTACH refused" || fail "ATTACH created $tmp/new.db"
[ "$(cat "$db"* | md5sum)" = "$sum_before" ] && ok "database unchanged" || fail "the database changed"

# --- errors ---
expect() {
	local want=$1 pat=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc = "$want" ] && grep -q -- "$pat" "$tmp/err" && [ "$(grep -c 'error:' "$tmp/err")" = 1 ]; then
		ok "exit $want: $pat"
	else
		fail "'$*' exited $rc (wanted $want): $(head -3 "$tmp/err")"
	fi
}
expect 1 "^vxanalyze: error: query: no such table: nosuch$" "$vx" query -d "$db" "SELECT * FROM nosuch"
expect 1 'near "SELEKT": syntax error' "$vx" query -d "$db" "SELEKT 1"
expect 1 "one SQL statement at a time" "$vx" query -d "$db" "SELECT 1; SELECT 2"
expect 1 "no such database" "$vx" query -d "$tmp/none.db" "SELECT 1"
expect 2 "no SQL given" "$vx" query -d "$db"
expect 2 "unknown query format 'xml'" "$vx" query -d "$db" -f xml "SELECT 1"
"$vx" query -d "$db" "SELECT 1;  -- a comment" >/dev/null 2>&1 && ok "a trailing ';' and comment are fine" ||
	fail "trailing comment refused"
[ ! -e "$tmp/none.db" ] || fail "query created a database"

finish "query"
