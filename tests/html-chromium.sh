#!/usr/bin/env bash
# html-chromium.sh VXANALYZE SAMPLES_DIR ARTIFACTS_DIR: the HTML report of the lab's VXLAN
# ping (samples/vxlan-ping.trace) and route scenario (samples/route.trace) loaded in headless
# Chromium: the flow diagram has a hop node for every device of the journey and the IP
# re-entry, the page's script runs under its Content-Security-Policy, the console stays
# silent (no error, no blocked fetch), a hostile device name stays text; a screenshot is kept
# in ARTIFACTS_DIR. Also: `dot -Tsvg` accepts the dot output, the folded counts add up to
# the events with a stack, the chrome trace is JSON.
# Installs nothing: .ci/setup installs chromium and graphviz; exits 77 (skip) without chromium.
set -u

VX=$1
SAMPLES=$2
ART=$3
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ]; then
	echo "SKIP: $CHROMIUM not installed (apt-get install chromium, or run .ci/setup)"
	exit 77
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$ART"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# chromium_run OUTFILE LOGFILE ARGS...: one headless run with a throw-away profile, no network
chromium_run() {
	local out=$1 log=$2
	shift 2
	local prof
	prof=$(mktemp -d -p "$T")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --enable-logging=stderr --v=0 "$@" >"$out" 2>"$log"
}

# console_clean LOG WHAT: the page wrote nothing to the console (errors, CSP refusals)
console_clean() {
	if grep -E 'CONSOLE|Uncaught|Content Security Policy' "$1" >/dev/null; then
		fail "$2: the browser console is not silent:"
		grep -E 'CONSOLE|Uncaught|Content Security Policy' "$1" | head -5
	else
		ok "$2: console silent"
	fi
}

"$VX" import -d "$T/db" "$SAMPLES/vxlan-ping.trace" "$SAMPLES/route.trace" >"$T/import.out" ||
	{ echo "FAIL: import of the samples"; exit 1; }
events=$(awk '/ events$/ { s += $(NF - 1) } END { print s + 0 }' "$T/import.out")
"$VX" report -d "$T/db" --html -o "$T/report.html" || { echo "FAIL: report --html"; exit 1; }
cp "$T/report.html" "$ART/report-vxlan.html"
size=$(wc -c <"$T/report.html")
ok "report --html wrote $size bytes"

# --- the page as the browser builds it ---
chromium_run "$T/dom.html" "$T/dom.log" --dump-dom "file://$T/report.html"
[ -s "$T/dom.html" ] || fail "chromium dumped no DOM (log: $(tail -3 "$T/dom.log"))"
for dev in cali1 vxlan.calico eth0 cali2; do
	if grep -q "<g class=\"hop[^\"]*\"[^>]* data-dev=\"$dev\"" "$T/dom.html"; then
		ok "hop node for $dev"
	else
		fail "no hop node for device $dev in the diagram"
	fi
done
n=$(grep -o 'class="[^"]*\breenter\b[^"]*"' "$T/dom.html" | wc -l)
if [ "$n" -ge 1 ]; then ok "$n elements draw the IP re-entry"; else fail "no element with class reenter"; fi
grep -q '2nd pass through IP (ip_local_out)' "$T/dom.html" || fail "the re-entry is not labelled"
grep -q 'VXLAN +50 bytes' "$T/dom.html" || fail "the encapsulation is not annotated"
# the script ran (the policy allows the page's own script, by its hash): it opened the stack of the re-entering hop
if grep -q '<h4>hop [0-9]*: net:net_dev_start_xmit on eth0, 148 B' "$T/dom.html" &&
   grep -q '<span class="fn">iptunnel_xmit</span>' "$T/dom.html"; then
	ok "script ran: stack of the underlay transmit shown"
else
	fail "the page script did not show the featured hop's stack"
fi
grep -q 'Route events (4)' "$T/dom.html" || fail "route events section missing"
console_clean "$T/dom.log" "vxlan report"

chromium_run /dev/null "$T/shot.log" --screenshot="$ART/report-vxlan.png" --window-size=1400,1000 \
	"file://$T/report.html"
if [ -s "$ART/report-vxlan.png" ]; then ok "screenshot $ART/report-vxlan.png"; else fail "no screenshot"; fi
console_clean "$T/shot.log" "screenshot run"

# --- a hostile device name and comm are shown, never run ---
hostile='<img/src=x/onerror=document.title=1337>'
sed "s|dev=cali2 |dev=$hostile |; s|ping-8476|<img src=x onerror=alert(1)>-8476|" \
	"$SAMPLES/vxlan-ping.trace" >"$T/hostile.trace"
grep -qF "$hostile" "$T/hostile.trace" || fail "could not plant the hostile device name"
"$VX" import -d "$T/hdb" "$T/hostile.trace" >/dev/null && "$VX" report -d "$T/hdb" --html -o "$T/hostile.html" ||
	fail "report of the hostile capture"
chromium_run "$T/hdom.html" "$T/hdom.log" --dump-dom "file://$T/hostile.html"
if grep -q '<img' "$T/hdom.html" || grep -q '<title>1337' "$T/hdom.html"; then
	fail "the hostile device name became markup"
elif grep -qF 'data-dev="&lt;img/src=x/onerror=document.title=1337&gt;"' "$T/hdom.html" &&
     grep -qF 'data-comm="&lt;img src=x onerror=alert(1)&gt;"' "$T/hdom.html"; then
	ok "hostile device name and comm escaped"
else
	fail "hostile device name or comm not found as text"
fi
console_clean "$T/hdom.log" "hostile report"

# --- the other formats of the same analysis ---
"$VX" report -d "$T/db" --format dot -o "$T/report.dot" || fail "report --format dot"
if command -v dot >/dev/null; then
	if dot -Tsvg "$T/report.dot" -o "$ART/report-vxlan.svg" 2>"$T/dot.err" && ! [ -s "$T/dot.err" ]; then
		ok "dot -Tsvg accepts the dot output"
	else
		fail "dot -Tsvg: $(head -3 "$T/dot.err")"
	fi
else
	echo "note: graphviz not installed, dot output not checked"
fi
"$VX" report -d "$T/db" --format folded -o "$T/report.folded" || fail "report --format folded"
stacks=$(cat "$SAMPLES/vxlan-ping.trace" "$SAMPLES/route.trace" | grep -c '<stack trace>')
sum=$(awk '{ s += $NF } END { print s + 0 }' "$T/report.folded")
if [ "$sum" -eq "$stacks" ] && [ "$stacks" -gt 0 ]; then
	ok "folded counts add up to the $stacks stacks of the samples"
else
	fail "folded counts add up to $sum, the samples have $stacks stacks"
fi
"$VX" report -d "$T/db" --format chrome -o "$T/report.json" || fail "report --format chrome"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ev=[e for e in d["traceEvents"] if e["ph"]=="i"]; assert len(ev) == int(sys.argv[2]), len(ev); assert all(isinstance(e["ts"], (int, float)) for e in ev)' "$T/report.json" "$events" &&
		ok "chrome trace is JSON with one instant event for each of the $events events" ||
		fail "chrome trace is not the expected JSON"
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all html/dot/folded/chrome checks passed"
