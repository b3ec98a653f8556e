#!/usr/bin/env bash
# screenshot.sh [VXANALYZE]: regenerate doc/double-trip.png, the README's picture of the
# double trip: the HTML report of samples/vxlan-ping.trace (the lab's VXLAN ping) drawn by
# headless Chromium, as tests/html-chromium.sh runs it (throw-away profile, no network).
# Needs chromium (.ci/setup installs it). Default VXANALYZE: build/vxanalyze.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vx=$(realpath "${1:-$here/../build/vxanalyze}")
cd "$here/.."	# the report names the capture as imported: samples/vxlan-ping.trace
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$vx" import -q -d "$T/demo.db" samples/vxlan-ping.trace
"$vx" report -d "$T/demo.db" --html -n 1 -o "$T/ping.html"
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
	--user-data-dir="$T/profile" --window-size="${WIDTH:-1200},${HEIGHT:-900}" \
	--screenshot="$T/shot.png" "file://$T/ping.html" >/dev/null 2>&1
[ -s "$T/shot.png" ] || { echo "screenshot.sh: chromium made no screenshot" >&2; exit 1; }
# smaller without losing the text: a 64-colour palette when pngquant is there
if command -v pngquant >/dev/null; then
	pngquant --force --output "$here/double-trip.png" 64 "$T/shot.png"
else
	cp "$T/shot.png" "$here/double-trip.png"
fi
echo "doc/double-trip.png: $(wc -c <"$here/double-trip.png") bytes"
