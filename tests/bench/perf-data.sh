#!/usr/bin/env bash
# perf-data.sh: samples per second of `vxanalyze import` (perf.data into a fresh SQLite
# database, the store written) against `perf script > /dev/null` on the same file, their
# ratio, and the peak RSS of each. Not a test (timings vary); the issue's target is >= 10x.
# Usage: perf-data.sh [-n PINGS] [FILE.perf.data]
#   FILE given: measure on it. Otherwise (root, lab up or startable) record a file of the
#   lab ping with PINGS pings (default 2000, interval 1 ms) like samples/capture-perf.sh does.
# VXANALYZE=path picks the binary (default: build-release/vxanalyze, built or brought up to date first).
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pings=2000
while getopts n: o; do
	case $o in
	n) pings=$OPTARG ;;
	*) echo "usage: $0 [-n PINGS] [FILE.perf.data]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
file=${1:-}
tmp=$(mktemp -d /tmp/vx-bench-perf.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

die() { echo "perf-data.sh: $*" >&2; exit 1; }
command -v perf >/dev/null || die "perf not found: apt-get install linux-perf"

vx=${VXANALYZE:-$root/build-release/vxanalyze}
# the default binary is always brought up to date (an old build-release measured old code)
if [ -z "${VXANALYZE:-}" ]; then
	echo "building $vx (Release)..." >&2
	cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
	cmake --build "$root/build-release" -j2 --target vxanalyze >/dev/null || die "build failed"
fi

if [ -z "$file" ]; then
	[ "$(id -u)" -eq 0 ] || die "recording needs root; or give a perf.data file"
	bash "$root/samples/lab.sh" status >/dev/null || bash "$root/samples/lab.sh" up >/dev/null ||
		die "the lab does not come up"
	file=$tmp/bench.perf.data
	perf record -e net:net_dev_start_xmit -e net:netif_receive_skb -e net:netif_rx -ag \
		-o "$file" -- ip netns exec p1 ping -q -c "$pings" -i 0.001 10.244.2.7 \
		>/dev/null 2>"$tmp/record.log" || { cat "$tmp/record.log" >&2; die "perf record failed"; }
fi
[ -r "$file" ] || die "$file: not readable"

# now_ns; run CMD... : wall seconds into $secs, peak RSS (KiB) into $rss
run() {
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$tmp/rss" "$@" || die "failed: $*"
	t1=$(date +%s%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
	rss=$(tail -1 "$tmp/rss")
}

samples=$(perf script -i "$file" 2>/dev/null | grep -c '^[^[:space:]]')
[ "$samples" -gt 0 ] || die "$file has no samples"

best_vx=""; best_ps=""
for i in 1 2 3; do
	rm -f "$tmp/bench.db"
	run "$vx" import -q -d "$tmp/bench.db" "$file"
	vx_rss=$rss
	if [ -z "$best_vx" ] || awk -v a="$secs" -v b="$best_vx" 'BEGIN { exit !(a < b) }'; then best_vx=$secs; fi
	run sh -c 'perf script -i "$1" > /dev/null 2>&1' sh "$file"
	ps_rss=$rss
	if [ -z "$best_ps" ] || awk -v a="$secs" -v b="$best_ps" 'BEGIN { exit !(a < b) }'; then best_ps=$secs; fi
done
stored=$(sqlite3 "$tmp/bench.db" 'SELECT events FROM captures' 2>/dev/null || echo "?")

echo "file:        $file ($(stat -c %s "$file") bytes, $samples samples, kernel $(uname -r))"
awk -v n="$samples" -v v="$best_vx" -v p="$best_ps" -v vr="$vx_rss" -v pr="$ps_rss" -v st="$stored" 'BEGIN {
	printf "vxanalyze import: %8.3f s  %10.0f samples/s  peak RSS %6d KiB  (%s events stored)\n", v, n / v, vr, st
	printf "perf script:      %8.3f s  %10.0f samples/s  peak RSS %6d KiB\n", p, n / p, pr
	printf "ratio:            %.1fx the samples per second of perf script (best of 3 runs each)\n", p / v
}'
