#!/usr/bin/env bash
# screenshot-hosts.sh [VXANALYZE]: regenerate doc/two-hosts.png, the README's picture of two
# hosts, one journey: the "Across hosts" section of the HTML report of samples/pair-a.db and
# pair-b.db imported together (the first two joined ICMP echo requests), drawn by headless
# Chromium like screenshot.sh. Needs chromium. Default VXANALYZE: build/vxanalyze.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vx=$(realpath "${1:-$here/../build/vxanalyze}")
cd "$here/.."
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$vx" import -q -d "$T/pair.db" samples/pair-a.db samples/pair-b.db
"$vx" report -d "$T/pair.db" --html -o "$T/full.html"
# the page's head and the hosts section with its first two echo requests alone
python3 - "$T/full.html" "$T/hosts.html" <<'PY'
import sys
s = open(sys.argv[1]).read()
a = s.index('<section id="hosts">'); b = s.index('</section>', a)
parts = s[a:b].split('<h3>')
keep = [p for p in parts[1:] if 'echo request' in p][:2]
open(sys.argv[2], 'w').write(s[:s.index('<body')] + '<body>' + '<h3>'.join([parts[0]] + keep) + '</section></body></html>')
PY
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
	--user-data-dir="$T/profile" --window-size="${WIDTH:-1320},${HEIGHT:-458}" \
	--screenshot="$T/shot.png" "file://$T/hosts.html" >/dev/null 2>&1
[ -s "$T/shot.png" ] || { echo "screenshot-hosts.sh: chromium made no screenshot" >&2; exit 1; }
if command -v pngquant >/dev/null; then
	pngquant --force --output "$here/two-hosts.png" 64 "$T/shot.png"
else
	cp "$T/shot.png" "$here/two-hosts.png"
fi
echo "doc/two-hosts.png: $(wc -c <"$here/two-hosts.png") bytes"
