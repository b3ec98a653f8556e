#!/usr/bin/env bash
# store-damaged.sh: a damaged page of a real database fails the report with SQLite's own
# message instead of a shorter report (issue 15, defect 3). The first leaf page of `event_rows`
# (then of the skb index and of `stacks`) is overwritten with zeros; `report` in every format
# must exit non-zero saying "database disk image is malformed" (but for folded, which does
# not read the skb index).
# usage: store-damaged.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "needs the sqlite3 CLI (apt-get install sqlite3)"

"$vx" import -d "$tmp/good.db" "$samples/vxlan-ping.trace" > /dev/null 2>&1 || fail "import of the sample failed"
"$vx" import -d "$tmp/good.db" "$samples/route.trace" > /dev/null 2>&1 || fail "import of the route sample failed"
sqlite3 "$tmp/good.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
pagesize=$(sqlite3 "$tmp/good.db" "PRAGMA page_size")

for what in event_rows events_capture_skb_ts stacks; do
	page=$(sqlite3 "$tmp/good.db" "SELECT pageno FROM dbstat WHERE name='$what' AND pagetype='leaf' ORDER BY path LIMIT 1") ||
		fail "sqlite3 has no dbstat table"
	[ -n "$page" ] || fail "no leaf page of $what"
	cp "$tmp/good.db" "$tmp/bad.db"
	dd if=/dev/zero of="$tmp/bad.db" bs="$pagesize" seek=$((page - 1)) count=1 conv=notrunc 2> /dev/null
	for fmt in text json html dot folded chrome; do
		# folded reads the paths alone, never the skb index
		[ "$what" = events_capture_skb_ts ] && [ "$fmt" = folded ] && continue
		"$vx" report -d "$tmp/bad.db" --format "$fmt" > "$tmp/out" 2> "$tmp/err"
		rc=$?
		[ "$rc" -ne 0 ] || fail "report --format $fmt exits 0 on a damaged $what page"
		grep -q "database disk image is malformed" "$tmp/err" ||
			fail "report --format $fmt on a damaged $what page says: $(cat "$tmp/err")"
		[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "report --format $fmt: more than one error line"
	done
done
# the good copy still reports
"$vx" report -d "$tmp/good.db" --format json > /dev/null || fail "report of the undamaged database failed"
echo "ok: a damaged events, index or stacks page fails the report in every format"
