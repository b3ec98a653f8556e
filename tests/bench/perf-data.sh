#!/usr/bin/env bash
# perf-data.sh: samples per second of `vxanalyze import` (perf.data into a fresh SQLite
# database, the store written) against `perf script > /dev/null` on the same file, their
# ratio (wall clock, and CPU time: user + system of all threads, which depends less on the
# others' load on a shared machine), the peak RSS of each and the store's size against the
# perf.data's. Not a test (timings vary); the target is >= 10x (doc/benchmarks.md).
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

# run CMD... : wall seconds into $secs, CPU seconds (user + system) into $cpu, peak RSS
# (KiB) into $rss
run() {
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f '%M %U %S' -o "$tmp/rss" "$@" || die "failed: $*"
	t1=$(date +%s%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
	rss=$(tail -1 "$tmp/rss" | cut -d' ' -f1)
	cpu=$(tail -1 "$tmp/rss" | awk '{ printf "%.2f", $2 + $3 }')
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }

samples=$(perf script -i "$file" 2>/dev/null | grep -c '^[^[:space:]]')
[ "$samples" -gt 0 ] || die "$file has no samples"

best_vx=""; best_ps=""; cpu_vx=""; cpu_ps=""
for i in 1 2 3; do
	rm -f "$tmp/bench.db" "$tmp/bench.db-wal" "$tmp/bench.db-shm"
	run "$vx" import -q -d "$tmp/bench.db" "$file"
	vx_rss=$rss
	best_vx=$(min "$secs" "$best_vx"); cpu_vx=$(min "$cpu" "$cpu_vx")
	run sh -c 'perf script -i "$1" > /dev/null 2>&1' sh "$file"
	ps_rss=$rss
	best_ps=$(min "$secs" "$best_ps"); cpu_ps=$(min "$cpu" "$cpu_ps")
done
stored=$(sqlite3 "$tmp/bench.db" 'SELECT events FROM captures' 2>/dev/null || echo "?")
dbbytes=$(cat "$tmp/bench.db" "$tmp/bench.db-wal" 2>/dev/null | wc -c)

echo "file:        $file ($(stat -c %s "$file") bytes, $samples samples, kernel $(uname -r))"
awk -v n="$samples" -v v="$best_vx" -v p="$best_ps" -v vr="$vx_rss" -v pr="$ps_rss" -v st="$stored" \
    -v cv="$cpu_vx" -v cp="$cpu_ps" -v db="$dbbytes" -v f="$(stat -c %s "$file")" 'BEGIN {
	printf "vxanalyze import: %8.3f s (CPU %6.2f s)  %10.0f samples/s  peak RSS %6d KiB  (%s events stored)\n", v, cv, n / v, vr, st
	printf "perf script:      %8.3f s (CPU %6.2f s)  %10.0f samples/s  peak RSS %6d KiB\n", p, cp, n / p, pr
	printf "ratio:            %.1fx the samples per second of perf script, CPU time %.1fx (best of 3 runs each)\n", p / v, cp / cv
	printf "store:            %.1f MB, %.2f of the perf.data\n", db / 1048576, db / f
}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
