#!/usr/bin/env bash
# query-memory.sh: `query` streams every format: 2 million rows of 100-character text go out
# as JSON, CSV and the aligned table under an address-space limit (ulimit -v) that holding
# the rows would exceed (about 220 MB of text); the table is sized on its first 1000 rows
# and a later cell wider than its column is cut with "…" (the last column never is).
# usage: query-memory.sh VXANALYZE SAMPLES_DIR   (skips, 77, under ASan)
set -u
vx=$1
samples=$2
limit_kb=${VX_QUERY_VM_KB:-160000}
[ -n "${VX_SANITIZE:-}" ] && { echo "skip: ASan reserves terabytes of address space"; exit 77; }
. "$(dirname "$0")/checks.sh"
db=$tmp/q.db
"$vx" import -q -d "$db" "$samples/vxlan-ping.trace" || { echo "FAIL: import"; exit 1; }

rows="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000)
      SELECT i, printf('%0100d', i) AS t FROM n"
for fmt in json csv table; do
	if (ulimit -v "$limit_kb"; "$vx" query -d "$db" -f "$fmt" "$rows" >"$tmp/out.$fmt" 2>"$tmp/err"); then
		n=$(grep -c '0000000000' "$tmp/out.$fmt")
		[ "$n" = 2000000 ] && ok "$fmt: 2,000,000 rows within ${limit_kb} KB of address space" ||
			fail "$fmt: $n rows written"
	else
		fail "$fmt: failed within ${limit_kb} KB: $(head -c 300 "$tmp/err")"
	fi
done

# sized on the first 1000 rows: the wider cell of row 1400 is cut, the last column never is
"$vx" query -d "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
	SELECT i, CASE WHEN i = 1400 THEN 'a wider value' ELSE 'xyz' END AS v,
	CASE WHEN i = 1401 THEN 'a wider last value' ELSE 'z' END AS last FROM n" >"$tmp/t" 2>"$tmp/err" ||
	fail "query: $(cat "$tmp/err")"
grep -qx "1400  a …  z" "$tmp/t" && grep -qx "1401  xyz  a wider last value" "$tmp/t" &&
	grep -qx "   1  xyz  z" "$tmp/t" && [ "$(wc -l <"$tmp/t")" = 1502 ] &&
	ok "table: sized on the first 1000 rows, a later wider cell cut with …, the last column whole" ||
	fail "table: $(sed -n '1,3p;1402,1404p' "$tmp/t")"
finish "query-memory"
