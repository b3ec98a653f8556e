#!/usr/bin/env bash
# hostile-output.sh: captures and databases from someone else, every output read as hostile.
# Hostile values (</script><script>, <img onerror>, quote-breaking attributes " onmouseover="
# and ', ESC sequences \e]0;owned\a and \e[2J, a C1 CSI, a lone surrogate and an overlong
# '/', U+2028/2029, a bidi override, 1 MB strings) are planted in every text field: the host
# (import --host, 100 KB too, hostname meta), the source, comm, device and frame (an ftrace text made
# from samples/vxlan-ping.trace and samples/route.trace with the names replaced), and, with
# the sqlite3 CLI, the kernel release, import time, format, boot id, metadata keys and
# values, strings, stack frames and field names of the database. Then every output runs:
# report text (with --color=always too), json, html, dot, folded, chrome; diff text, json,
# html; query table, csv (in a pipe and on a pseudo-terminal), json; captures, captures -v;
# import messages (file names with ESC, a foreign database, the duplicate-capture warning)
# and errors that quote them. Each must be valid UTF-8; terminal text holds no control
# byte but \n and \t (and SGR colour with --color=always) and none of C1, U+2028/9, bidi
# controls; JSON parses and cannot close a <script>; HTML has no markup but its own (one
# script, no on* attribute, no <img>) and a policy that allows only its own script and
# style; dot is accepted by Graphviz; folded lines stay "frame;...;event count". With
# chromium (skipped without it): the page's script still runs, the title stays, and script
# planted into the page past the escaper is refused by the policy.
# usage: hostile-output.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
. "$(dirname "$0")/checks.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
command -v sqlite3 >/dev/null || { echo "FAIL: needs the sqlite3 CLI"; exit 1; }
h=$tmp/h.db

# --- the hostile values, the captures, the database ---
python3 - "$tmp" "$samples" <<'PY' || { echo "FAIL: could not make the hostile captures"; exit 1; }
import os, sys
tmp, samples = sys.argv[1], sys.argv[2]
# one name without blanks (comm, device, frame), one with everything
name = (b"</script><script>document.title='owned'</script><img/src=x/onerror=document.title='owned'>"
        b"\"/onmouseover=\"document.title='owned'\"'\x1b]0;owned\x07\x1b[2J\xc2\x9b31m"
        b"\xed\xa0\x80\xc0\xaf\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xae")
words = name + b" \" onmouseover=\"document.title='owned' ' <img src=x onerror=document.title='owned'>"
# the same in valid UTF-8 (JSON of the database: field names)
jsonsafe = words.replace(b"\xed\xa0\x80", b"").replace(b"\xc0\xaf", b"")
big = b"\x1b[2J" + b"M" * (1 << 20)
open(tmp + "/bighost", "wb").write(b"\x1b[2J" + b"H" * 100000)	# an argument holds 128 KB
open(tmp + "/name", "wb").write(name)
open(tmp + "/words", "wb").write(words)
open(tmp + "/json", "wb").write(jsonsafe)
open(tmp + "/big", "wb").write(big)
def plant(src, dst, comm, devs):
    out = []
    for line in open(src, "rb").read().split(b"\n"):
        line = line.replace(comm + b"-", b"x" + name + b"-", 1)
        for d in devs:
            line = line.replace(b"dev=" + d + b" ", b"dev=" + d + name + b" ")
        if line.startswith(b" => ip_output") or line.startswith(b" => fib_table_lookup"):
            line = line + name
        out.append(line)
    open(dst, "wb").write(b"\n".join(out))
plant(samples + "/vxlan-ping.trace", tmp + "/vxlan.trace", b"ping", [b"cali1", b"cali2"])
plant(samples + "/route.trace", tmp + "/route.trace", b"ip", [b"eth0"])
# the same capture under a file name with ESC and a newline in it
open((tmp + "/esc\x1b]0;owned\x07\n.trace").encode(), "wb").write(open(tmp + "/vxlan.trace", "rb").read())
PY
name=$(cat "$tmp/name")
words=$(cat "$tmp/words")
grep -qF "dev=cali1$name" "$tmp/vxlan.trace" && grep -qF "$name-" "$tmp/route.trace" ||
	fail "the names were not planted in the captures"

# import messages: the hostile file name, host, and a foreign database
"$vx" import -d "$h" "$samples/pair-a.db" "$samples/pair-b.db" >"$tmp/imp.out" 2>"$tmp/imp.err" &&
	"$vx" import -d "$h" --host "$words" "$tmp/vxlan.trace" >>"$tmp/imp.out" 2>>"$tmp/imp.err" &&
	"$vx" import -d "$h" --host "$(cat "$tmp/bighost")" "$tmp/route.trace" >>"$tmp/imp.out" 2>>"$tmp/imp.err" &&
	"$vx" import -d "$tmp/other.db" "$tmp"/esc*.trace >>"$tmp/imp.out" 2>>"$tmp/imp.err" ||
	fail "import of the hostile captures: $(head -c 600 "$tmp/imp.err")"
"$vx" import -d "$tmp/other.db" "$tmp/nothere$name.trace" >>"$tmp/imp.out" 2>>"$tmp/imp.err" &&
	fail "import of a missing file succeeded"

# the database's own strings, as someone else's database may hold them
q() { sqlite3 "$h" "$1" || fail "sqlite3: $1"; }
sqlite3 "$h" <<SQL || fail "planting in the database"
CREATE TEMP TABLE v(name BLOB, words BLOB, json TEXT, big BLOB);
INSERT INTO v VALUES(CAST(readfile('$tmp/name') AS TEXT), CAST(readfile('$tmp/words') AS TEXT),
                     CAST(readfile('$tmp/json') AS TEXT), CAST(readfile('$tmp/big') AS TEXT));
UPDATE captures SET source = source || (SELECT words FROM v), kernel_release = (SELECT words FROM v),
       imported_at = (SELECT words FROM v);
UPDATE captures SET source = (SELECT big FROM v) WHERE id = 2;
UPDATE captures SET format = (SELECT name FROM v) WHERE id = 4;
UPDATE capture_meta SET value = (SELECT words FROM v) || '-' || capture_id WHERE key IN ('hostname', 'boot_id', 'kernel_release');
INSERT INTO capture_meta SELECT id, (SELECT words FROM v), (SELECT words FROM v) FROM captures;
INSERT INTO capture_meta SELECT id, 'big', (SELECT big FROM v) FROM captures;
UPDATE strings SET text = text || (SELECT name FROM v)
       WHERE id IN (SELECT comm_id FROM event_rows UNION SELECT dev_id FROM event_rows);
UPDATE strings SET text = (SELECT big FROM v) WHERE id = (SELECT comm_id FROM event_rows WHERE capture_id = 1 LIMIT 1);
UPDATE stacks SET frames = replace(frames, 'dev_hard_start_xmit', 'dev_hard_start_xmit' || (SELECT name FROM v));
UPDATE stacks SET frames = replace(frames, 'netif_rx_internal', (SELECT big FROM v)) WHERE id = (SELECT min(id) FROM stacks WHERE frames LIKE '%netif_rx_internal%');
UPDATE fieldsets SET fields = json_patch(fields, json_object((SELECT json FROM v), (SELECT json FROM v)));
SQL
[ "$(q "SELECT count(*) FROM capture_meta WHERE key = 'hostname' AND value LIKE '%onmouseover%'")" -ge 3 ] ||
	fail "the host names were not planted"

# --- what each kind of output may hold ---
# term FILE WHAT [sgr]: valid UTF-8, no control byte but \n \t (SGR colour with "sgr"), no
# C1, U+2028/9 or bidi control
term() {
	python3 - "$1" "${3:-}" <<'PY' && ok "$2: clean terminal text" || fail "$2: not clean terminal text"
import re, sys
b = open(sys.argv[1], "rb").read()
if sys.argv[2] == "sgr":
    b = re.sub(rb"\x1b\[[0-9;]*m", b"", b)
try:
    t = b.decode("utf-8", "strict")
except UnicodeDecodeError as e:
    sys.exit("invalid UTF-8 at %d: %r" % (e.start, b[max(0, e.start - 20):e.start + 10]))
bad = [c for c in set(t) if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
       or c in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
if bad:
    i = min(t.index(c) for c in bad)
    sys.exit("%s at %d: %r" % (", ".join("U+%04X" % ord(c) for c in bad), i, t[max(0, i - 30):i + 10]))
PY
}
# js FILE WHAT: JSON, valid UTF-8, nothing that ends a <script> or a JavaScript line
js() {
	python3 - "$1" <<'PY' && ok "$2: JSON, inert in a <script>" || fail "$2: not JSON or not inert"
import json, sys
b = open(sys.argv[1], "rb").read()
json.loads(b.decode("utf-8", "strict"))
for bad in (b"</", b"<!--", "\u2028".encode(), "\u2029".encode()):
    if bad in b:
        sys.exit("%r in the JSON" % bad)
PY
}
# page FILE WHAT NSCRIPTS: HTML whose only markup is its own
page() {
	python3 - "$1" "$3" <<'PY' && ok "$2: no markup but its own" || fail "$2: capture text became markup"
import html.parser, re, sys
b = open(sys.argv[1], "rb").read()
t = b.decode("utf-8", "strict")
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.bad, self.csp = 0, [], None
    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        if tag in ("img", "iframe", "object", "embed", "link", "base", "form", "svg:script"):
            self.bad.append("<%s>" % tag)
        for k, v in attrs:
            if k.startswith("on") or k in ("src", "href", "srcdoc", "formaction") or "'" in k or '"' in k:
                self.bad.append("<%s %s=%r>" % (tag, k, v))
        d = dict(attrs)
        if tag == "meta" and d.get("http-equiv") == "Content-Security-Policy":
            self.csp = d.get("content")
p = P()
p.feed(t)
if p.bad:
    sys.exit("foreign markup: %s" % p.bad[:5])
if p.scripts != int(sys.argv[2]):
    sys.exit("%d script elements, want %s" % (p.scripts, sys.argv[2]))
if not p.csp or "unsafe-inline" in p.csp or not p.csp.startswith("default-src 'none'"):
    sys.exit("policy: %r" % p.csp)
want = "script-src 'sha256-" if int(sys.argv[2]) else "script-src 'none'"
if want not in p.csp:
    sys.exit("policy without %s: %r" % (want, p.csp))
PY
}

# --- report ---
for fmt in text json html dot folded chrome; do
	"$vx" report -d "$h" --format "$fmt" -v -n 50 -o "$tmp/r.$fmt" 2>"$tmp/err" ||
		fail "report --format $fmt: $(head -c 300 "$tmp/err")"
	term "$tmp/err" "report --format $fmt: standard error"
done
grep -q "onmouseover" "$tmp/r.text" && grep -q "hosts:" "$tmp/r.text" ||
	fail "the text report does not show the planted host names (no joined hosts?)"
term "$tmp/r.text" "report text"
"$vx" report -d "$h" --color=always -v >"$tmp/r.color" 2>&1 || fail "report --color=always"
grep -q $'\e\\[1m' "$tmp/r.color" || fail "report --color=always wrote no colour"
term "$tmp/r.color" "report text --color=always" sgr
js "$tmp/r.json" "report json"
js "$tmp/r.chrome" "report chrome"
grep -q "Across hosts" "$tmp/r.html" || fail "the HTML report has no joined-hosts section"
page "$tmp/r.html" "report html" 1
python3 - "$tmp/r.dot" <<'PY' && ok "report dot: valid UTF-8, hostile text only inside quoted strings" || fail "report dot"
import re, sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "strict")
# outside the double-quoted strings, only dot's own syntax
rest = re.sub(r'"([^"\\]|\\.)*"', '""', t)
if "owned" in rest or "<" in rest or "\x1b" in t:
    sys.exit("hostile text outside a dot string")
PY
if command -v dot >/dev/null; then
	dot -Tsvg "$tmp/r.dot" -o "$tmp/r.svg" 2>"$tmp/dot.err" && ! [ -s "$tmp/dot.err" ] &&
		ok "dot -Tsvg accepts the dot output" || fail "dot -Tsvg: $(head -3 "$tmp/dot.err")"
fi
term "$tmp/r.folded" "report folded"
grep -qvE '^[^ ;]+(;[^ ;]+)* [0-9]+$' "$tmp/r.folded" && fail "a folded line is not 'frame;...;event count'" ||
	ok "report folded: every line is frame;...;event count"
grep -q "onmouseover" "$tmp/r.folded" || fail "the folded output lost the planted frame"

# --- diff ---
for fmt in text json html; do
	"$vx" diff -d "$h" --format "$fmt" -v 1 3 >"$tmp/d.$fmt" 2>"$tmp/err" || fail "diff --format $fmt: $(head -c 300 "$tmp/err")"
done
term "$tmp/d.text" "diff text"
grep -q "onmouseover" "$tmp/d.text" || fail "the text diff does not show the planted names"
js "$tmp/d.json" "diff json"
page "$tmp/d.html" "diff html" 0

# --- query ---
sql="SELECT c.id, c.source, c.format, c.kernel_release, c.imported_at, m.key, m.value, s.frames
     FROM captures c JOIN capture_meta m ON m.capture_id = c.id JOIN stacks s ON s.id % 4 = c.id % 4"
"$vx" query -d "$h" "$sql" >"$tmp/q.table" 2>"$tmp/err" || fail "query table: $(cat "$tmp/err")"
term "$tmp/q.table" "query table"
"$vx" query -d "$h" "SELECT * FROM events" >"$tmp/q2.table" || fail "query table of the events"
term "$tmp/q2.table" "query table of the events"
"$vx" query -d "$h" -f json "$sql" >"$tmp/q.json" || fail "query json"
js "$tmp/q.json" "query json"
"$vx" query -d "$h" -f csv "$sql" >"$tmp/q.csv" || fail "query csv"
python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8", "strict")' "$tmp/q.csv" &&
	ok "query csv in a pipe: valid UTF-8" || fail "query csv in a pipe: invalid UTF-8"
if command -v script >/dev/null; then
	script -qec "$vx query -d $h -f csv \"SELECT source, value FROM captures JOIN capture_meta ON capture_id = id\"" \
		/dev/null >"$tmp/q.tty" 2>&1 </dev/null
	tr -d '\r' <"$tmp/q.tty" >"$tmp/q.tty2"
	term "$tmp/q.tty2" "query csv on a terminal"
fi

# --- captures, import messages, errors ---
"$vx" captures -d "$h" >"$tmp/c.out" 2>&1 || fail "captures"
term "$tmp/c.out" "captures"
"$vx" captures -v -d "$h" >"$tmp/cv.out" 2>&1 || fail "captures -v"
term "$tmp/cv.out" "captures -v"
grep -q "onmouseover" "$tmp/cv.out" || fail "captures -v does not show the planted kernel release"
sqlite3 "$h" "UPDATE captures SET format = 'ftrace-text', imported_at = '2024-01-01 00:00:00'" ||
	fail "sqlite3: restoring the format"	# what an import may refuse is the store's business
"$vx" import -d "$tmp/t.db" "$h" >>"$tmp/imp.out" 2>>"$tmp/imp.err" ||
	fail "import of the hostile database: $(head -c 600 "$tmp/imp.err")"
"$vx" import -d "$tmp/t.db" "$h" >>"$tmp/imp.out" 2>>"$tmp/imp.err"	# the captures with a boot id are skipped
grep -q "here already (boot id" "$tmp/imp.err" || fail "no duplicate-capture warning: $(head -c 300 "$tmp/imp.err")"
grep -q "host .*onmouseover" "$tmp/imp.out" || fail "import does not name the planted hosts"
grep -q "nothere" "$tmp/imp.err" || fail "no error for the missing file"
term "$tmp/imp.out" "import messages"
term "$tmp/imp.err" "import warnings and errors"
"$vx" report -d "$tmp/t.db" -o "$tmp/t.text" 2>"$tmp/err" && term "$tmp/t.text" "report of the imported database" ||
	fail "report of the imported hostile database: $(cat "$tmp/err")"

# --- in the browser ---
if [ -x "$CHROMIUM" ]; then
	chromium_dom() {	# chromium_dom PAGE OUT LOG
		local prof
		prof=$(mktemp -d -p "$tmp")
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$prof" --enable-logging=stderr --v=0 --dump-dom "file://$1" >"$2" 2>"$3"
	}
	chromium_dom "$tmp/r.html" "$tmp/dom" "$tmp/dom.log"
	grep -q "<title>vxanalyze: 4 captures</title>" "$tmp/dom" && ! grep -q "<title>owned" "$tmp/dom" &&
		ok "chromium: the title stays" || fail "chromium: the title changed: $(grep -o '<title>[^<]*' "$tmp/dom")"
	grep -q '<h4>hop [0-9]*: ' "$tmp/dom" && ok "chromium: the page's own script ran (a hop's stack shown)" ||
		fail "chromium: the page's script did not run"
	! grep -E 'Uncaught|Content Security Policy' "$tmp/dom.log" >/dev/null && ok "chromium: console silent" ||
		fail "chromium console: $(grep -E 'Uncaught|Content Security Policy' "$tmp/dom.log" | head -3)"
	# script that got past the escaper would still not run: plant it into the page itself
	sed "s|</body>|<img src=x onerror=\"document.title='owned'\"><script>document.title='owned'</script></body>|" \
		"$tmp/r.html" >"$tmp/planted.html"
	chromium_dom "$tmp/planted.html" "$tmp/pdom" "$tmp/pdom.log"
	grep -q "<title>vxanalyze: 4 captures</title>" "$tmp/pdom" &&
		grep -q "Content Security Policy" "$tmp/pdom.log" &&
		ok "chromium: script planted into the page is refused by its policy" ||
		fail "chromium: planted script ran or was not refused: $(grep -o '<title>[^<]*' "$tmp/pdom")"
	chromium_dom "$tmp/d.html" "$tmp/ddom" "$tmp/ddom.log"
	grep -q "<title>vxanalyze diff: capture 1 and 3</title>" "$tmp/ddom" &&
		! grep -E 'Uncaught|Content Security Policy' "$tmp/ddom.log" >/dev/null &&
		ok "chromium: the diff page loads under its policy, title unchanged" || fail "chromium: the diff page"
else
	echo "note: $CHROMIUM not installed, the pages were not loaded in a browser"
fi
finish "hostile-output"
