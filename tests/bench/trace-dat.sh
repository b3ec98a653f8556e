#!/usr/bin/env bash
# trace-dat.sh: events per second of `vxanalyze import` (trace.dat into a fresh SQLite
# database, the store written) against `trace-cmd report > /dev/null` on the same file, their
# ratio, and the peak RSS of each. Not a test (timings vary).
# Usage: trace-dat.sh [-n PINGS] [FILE.dat]
#   FILE given: measure on it. Otherwise (root, lab up or startable) make a trace.dat of the
#   lab ping with PINGS pings (default 500, interval 10 ms) through samples/capture-tracedat.sh
#   (tracefs instance vxanalyze-tracedat-bench, `trace-cmd extract`, full kallsyms), in a
#   temporary directory removed afterwards.
# VXANALYZE=path picks the binary (default: build-release/vxanalyze, built or brought up to date first).
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pings=500
while getopts n: o; do
	case $o in
	n) pings=$OPTARG ;;
	*) echo "usage: $0 [-n PINGS] [FILE.dat]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
file=${1:-}
tmp=$(mktemp -d /tmp/vx-bench-tracedat.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

die() { echo "trace-dat.sh: $*" >&2; exit 1; }
command -v trace-cmd >/dev/null || die "trace-cmd not found: apt-get install trace-cmd"

vx=${VXANALYZE:-$root/build-release/vxanalyze}
# the default binary is always brought up to date (an old build-release measured old code)
if [ -z "${VXANALYZE:-}" ]; then
	echo "building $vx (Release)..." >&2
	cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
	cmake --build "$root/build-release" -j2 --target vxanalyze >/dev/null || die "build failed"
fi

if [ -z "$file" ]; then
	[ "$(id -u)" -eq 0 ] || die "recording needs root; or give a trace.dat file"
	file=$tmp/bench.trace.dat
	INST=vxanalyze-tracedat-bench OUT_DAT=$file OUT_TXT=$tmp/bench.trace PINGS=$pings \
	PING_INTERVAL=0.01 BUFFER_KB=16384 FULL_KALLSYMS=1 \
		bash "$root/samples/capture-tracedat.sh" > "$tmp/capture.log" 2>&1 ||
		{ cat "$tmp/capture.log" >&2; die "capture failed"; }
fi
[ -r "$file" ] || die "$file: not readable"

# run CMD... : wall seconds into $secs, peak RSS (KiB) into $rss
run() {
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$tmp/rss" "$@" || die "failed: $*"
	t1=$(date +%s%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
	rss=$(tail -1 "$tmp/rss")
}

# events as trace-cmd counts them: report lines of events, kernel_stack records not counted
events=$(trace-cmd report "$file" 2>/dev/null | grep -E '\[[0-9]+\] +[0-9]+\.[0-9]+: +[a-z_0-9]+:' |
	 grep -vc ' kernel_stack:')
[ "$events" -gt 0 ] || die "$file has no events"

best_vx=""; best_tc=""
for i in 1 2 3; do
	rm -f "$tmp/bench.db"
	run "$vx" import -q -d "$tmp/bench.db" "$file"
	vx_rss=$rss
	if [ -z "$best_vx" ] || awk -v a="$secs" -v b="$best_vx" 'BEGIN { exit !(a < b) }'; then best_vx=$secs; fi
	run sh -c 'trace-cmd report "$1" > /dev/null 2>&1' sh "$file"
	tc_rss=$rss
	if [ -z "$best_tc" ] || awk -v a="$secs" -v b="$best_tc" 'BEGIN { exit !(a < b) }'; then best_tc=$secs; fi
done
stored=$(sqlite3 "$tmp/bench.db" 'SELECT events FROM captures' 2>/dev/null || echo "?")

echo "file:             $file ($(stat -c %s "$file") bytes, $events events + their stacks, kernel $(uname -r))"
awk -v n="$events" -v v="$best_vx" -v p="$best_tc" -v vr="$vx_rss" -v pr="$tc_rss" -v st="$stored" 'BEGIN {
	printf "vxanalyze import: %8.3f s  %10.0f events/s  peak RSS %6d KiB  (%s events stored)\n", v, n / v, vr, st
	printf "trace-cmd report: %8.3f s  %10.0f events/s  peak RSS %6d KiB\n", p, n / p, pr
	printf "ratio:            %.2fx the events per second of trace-cmd report (best of 3 runs each)\n", p / v
}'
