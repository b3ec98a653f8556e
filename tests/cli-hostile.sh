#!/usr/bin/env bash
# cli-hostile.sh: the command line on hostile inputs: every kept hostile file (tests/hostile/,
# fuzz crash inputs included) and freshly made ones (invalid UTF-8 and NUL bytes in comms
# and device names, 1 MB lines, 100k-frame stacks) give exit 0 or a one-line error, never a
# crash; the database passes PRAGMA integrity_check with no half capture; the JSON report
# stays valid JSON that python3 reads (strict UTF-8).
# usage: cli-hostile.sh VXANALYZE SAMPLES_DIR HOSTILE_DIR
set -u
vx=$1
samples=$2
hostile=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/t.db
fail() { echo "FAIL: $*" >&2; exit 1; }

check_db() {
	local ic bad
	ic=$(sqlite3 "$db" "PRAGMA integrity_check") || fail "sqlite3 cannot open $db"
	[ "$ic" = ok ] || fail "integrity_check: $ic"
	bad=$(sqlite3 "$db" "SELECT id FROM captures c WHERE events != (SELECT count(*) FROM events e WHERE e.capture_id = c.id)")
	[ -z "$bad" ] || fail "half capture(s): $bad"
}
check_json() {
	"$vx" report -d "$db" --format json -o "$tmp/r.json" 2> "$tmp/rerr" || fail "json report: $(cat "$tmp/rerr")"
	python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))' "$tmp/r.json" ||
		fail "the JSON report after $1 is not valid JSON"
}
# import FILE: exit 0, or 1 with exactly one "error:" line; never a crash or a sanitizer report
import_one() {
	local f=$1 rc
	timeout 60 "$vx" import -q -d "$db" "$f" > /dev/null 2> "$tmp/err"
	rc=$?
	grep -q "Sanitizer\|runtime error\|Segmentation\|Aborted" "$tmp/err" && fail "$f: crashed: $(head -5 "$tmp/err")"
	case $rc in
	0) ;;
	1) [ "$(grep -c 'error:' "$tmp/err")" = 1 ] || fail "$f: not one line of error: $(cat "$tmp/err")" ;;
	124) fail "$f: import did not finish within 60 s" ;;
	*) fail "$f: exit status $rc: $(head -5 "$tmp/err")" ;;
	esac
	check_db
}

n=0
for f in $(find "$hostile" -type f ! -name '.*' | sort); do
	import_one "$f"
	n=$((n + 1))
done
check_json "the kept hostile files"
echo "kept hostile files: $n imported or refused cleanly"

# invalid UTF-8 (lone continuation byte, UTF-16 surrogate, overlong, past U+10FFFF) in a
# comm and a device name, in ftrace text and perf script text
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
bad = [b"p\x80ng", b"p\xed\xa0\x80ng", b"caf\xe9", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"x\xe0\x80\xafy", b"<img/src=x/onerror=alert(1)>"]
with open(d + "/utf8.trace", "wb") as f:
    for i, s in enumerate(bad):
        f.write(b"  %s-%d [000] ..... 1.%06d: net_dev_queue: dev=%s skbaddr=0xffff00%d len=98\n" % (s.replace(b" ", b"_"), i + 1, 2 * i, s, i))
        f.write(b"  %s-%d [000] ..... 1.%06d: net_dev_xmit: dev=%s skbaddr=0xffff00%d len=98 rc=0\n" % (s.replace(b" ", b"_"), i + 1, 2 * i + 1, s, i))
with open(d + "/utf8.perf-script", "wb") as f:
    for i, s in enumerate(bad):
        f.write(b"%s %d [000] 1.%06d: net:net_dev_xmit: dev=%s skbaddr=0xffff00%d len=98\n\t ffffffff81000000 ip_output+0x1 ([kernel.kallsyms])\n\n" % (s.replace(b" ", b"_"), i + 1, i, s, i))
# NUL bytes in a comm and a device name
with open(d + "/nul.trace", "wb") as f:
    f.write(b"  pi\0g-1 [000] ..... 1.000000: net_dev_xmit: dev=et\0h0 skbaddr=0xffff1 len=98\n")
with open(d + "/nul.perf-script", "wb") as f:
    f.write(b"pi\0g 1 [000] 1.000000: net:net_dev_xmit: dev=et\0h0 skbaddr=0xffff1 len=98\n\n")
# 1 MB lines and a 100k-frame stack
big = b"a" * (1 << 20)
with open(d + "/big.trace", "wb") as f:
    f.write(b"  ping-1 [000] ..... 1.000000: net_dev_xmit: dev=eth0 skbaddr=0xffff1 msg=" + big + b"\n")
    f.write(b"  " + big + b"-1 [000] ..... 1.000001: net_dev_xmit: dev=" + big + b"\n")
    f.write(b"  ping-1 [000] ..... 1.000002: <stack trace>\n")
    for i in range(100000):
        f.write(b" => f%d+0x1/0x10\n" % i)
    f.write(big)
PY
for f in utf8.trace utf8.perf-script; do
	"$vx" import -q -d "$db" "$tmp/$f" 2> "$tmp/err" || fail "$f refused: $(cat "$tmp/err")"
	check_db
	check_json "$f"
done
python3 - "$tmp/r.json" <<'PY' || fail "the JSON report lost the hostile comms or devices"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
devs = {h["dev"] for j in r["journeys"] for h in j["hops"] if h.get("dev")}
assert "caf\ufffd" in devs, devs
assert "<img/src=x/onerror=alert(1)>" in devs, devs
PY
# every output, not just JSON, is valid UTF-8 for a strict reader (one decoder: src/core/utf8.c)
for fmt in text html dot folded chrome; do
	"$vx" report -d "$db" --verbose --format $fmt -o "$tmp/r.$fmt" 2> "$tmp/err" ||
		fail "$fmt report on invalid UTF-8: $(cat "$tmp/err")"
	python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8", "strict")' "$tmp/r.$fmt" ||
		fail "the $fmt report lets invalid UTF-8 through"
done
grep -q "caf$(printf '\357\277\275')" "$tmp/r.text" || fail "the text report does not show the replaced device name"
for f in nul.trace nul.perf-script big.trace; do
	import_one "$tmp/$f"
	check_json "$f"
done
"$vx" report -d "$db" > /dev/null || fail "text report on the hostile database"
"$vx" report -d "$db" --format html -o "$tmp/r.html" 2> /dev/null || true
echo "cli-hostile: ok"
