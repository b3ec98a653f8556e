#!/usr/bin/env bash
# fleet.sh: how fast `vxanalyze export` writes into ClickHouse and how long `vxanalyze fleet`
# takes over a fleet of flooded nodes, on clickhouse-server processes of its own
# (tests/clickhouse-lab.sh: free ports, a cluster "vx" of two shards, stopped by pid on
# exit). Not a test (timings vary). Targets: export >= 500,000 hop rows/s into one local
# server; fleet over 20 nodes' 3 s floods in <= 10 s on two local shards.
# Usage: fleet.sh [-s SECS] [-n NODES] [FILE.perf.data]
#   FILE given: every node is that capture under its own host name. Otherwise (root, lab up
#   or startable) a SECS-second flood (default 3) is recorded as tests/bench/run records its
#   floods (perf record -ag of net_dev_start_xmit, netif_receive_skb, fib_table_lookup).
# Prints the rows of the benchmark table (| measure | vxanalyze | reference | ratio |) last.
# VXANALYZE=path picks the binary (default: build-release/vxanalyze, built or brought up to date first).
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=3
nodes=20
while getopts s:n: o; do
	case $o in
	s) secs=$OPTARG ;;
	n) nodes=$OPTARG ;;
	*) echo "usage: $0 [-s SECS] [-n NODES] [FILE.perf.data]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
file=${1:-}
die() { echo "bench/fleet.sh: $*" >&2; exit 1; }
command -v clickhouse-server > /dev/null || die "clickhouse-server not found (bash .ci/setup installs it)"
command -v sqlite3 > /dev/null && [ -x /usr/bin/time ] || die "needs sqlite3 and /usr/bin/time"

tmp=$(mktemp -d /tmp/vx-bench-fleet.XXXXXX) || exit 1
. "$root/tests/clickhouse-lab.sh"
lab_was_up=1
cleanup() {
	ch_stop
	rm -rf "$tmp"
	[ "$lab_was_up" = 1 ] || bash "$root/samples/lab.sh" down > /dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

vx=${VXANALYZE:-$root/build-release/vxanalyze}
if [ -z "${VXANALYZE:-}" ]; then
	echo "building $vx (Release)..." >&2
	cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release > /dev/null &&
	cmake --build "$root/build-release" -j2 --target vxanalyze > /dev/null || die "build failed"
fi

if [ -z "$file" ]; then
	[ "$(id -u)" -eq 0 ] || die "recording needs root; or give a perf.data file"
	if ! bash "$root/samples/lab.sh" status > /dev/null 2>&1; then
		lab_was_up=0
		bash "$root/samples/lab.sh" up > /dev/null || die "the lab does not come up"
	fi
	file=$tmp/flood.perf.data
	echo "recording a ${secs} s flood..." >&2
	perf record -q -e net:net_dev_start_xmit -e net:netif_receive_skb -e fib:fib_table_lookup -ag \
		-o "$file" -- ip netns exec p1 ping -f -w "$secs" 10.244.2.7 > /dev/null 2> "$tmp/rec.log" ||
		{ cat "$tmp/rec.log" >&2; die "perf record failed"; }
fi
[ -r "$file" ] || die "$file: not readable"
"$vx" import -q -d "$tmp/node.db" "$file" 2> "$tmp/err" || die "import: $(cat "$tmp/err")"
ch_start "$tmp/ch" 2 || die "the ClickHouse servers do not start"

# node_db K: the capture as host nodeK (its own host name: a capture of its own for export)
node_db() {
	cp "$tmp/node.db" "$tmp/n$1.db" &&
	sqlite3 "$tmp/n$1.db" "DELETE FROM capture_meta WHERE key = 'hostname';
		INSERT INTO capture_meta (capture_id, key, value) SELECT id, 'hostname', 'node$1' FROM captures"
}
# timed CMD...: wall seconds into $secs_, CPU seconds of CMD into $cpu_
timed() {
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$tmp/time" "$@" || die "failed: $*"
	t1=$(date +%s%N)
	secs_=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	cpu_=$(tail -1 "$tmp/time" | awk '{ printf "%.2f", $1 + $2 }')
}

# --- export into one local server: best of 2, each into a database of its own ---
node_db 01 || die "node database"
# the server's own CPU time (user + system, clock ticks) tells its rate apart from the others' load
srv_ticks() { awk '{ print $14 + $15 }' "/proc/${CH_PID[0]}/stat"; }
srv_ticks_all() { for p in "${CH_PID[@]}"; do awk '{ print $14 + $15 }' "/proc/$p/stat"; done | awk '{ s += $1 } END { print s }'; }
hz=$(getconf CLK_TCK)
best=""; best_ins=""; best_srv=""
for i in 1 2; do
	s0=$(srv_ticks)
	timed sh -c '"$1" export -d "$2" --to "$3" > "$4"' sh "$vx" "$tmp/n01.db" "${CH_URL[0]}/one$i" "$tmp/export.out"
	srv=$(awk -v a="$s0" -v b="$(srv_ticks)" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	[ -z "$best_srv" ] || awk -v a="$srv" -v b="$best_srv" 'BEGIN { exit !(a < b) }' && best_srv=$srv
	hops=$(sed -n 's/.*journeys, \([0-9]*\) hops.*/\1/p' "$tmp/export.out")
	ins=$(sed -n 's/.*(\([0-9]*\) hop rows\/s into the server).*/\1/p' "$tmp/export.out")
	[ -n "$hops" ] && [ -n "$ins" ] || die "export said: $(cat "$tmp/export.out")"
	if [ -z "$best" ] || awk -v a="$secs_" -v b="$best" 'BEGIN { exit !(a < b) }'; then
		best=$secs_; best_cpu=$cpu_
	fi
	[ -z "$best_ins" ] || [ "$ins" -gt "$best_ins" ] && best_ins=$ins
done
journeys=$(sed -n 's/.*: \([0-9]*\) journeys,.*/\1/p' "$tmp/export.out")

# --- the fleet: every node exports its own database into the cluster ---
echo "exporting $nodes nodes into two shards..." >&2
t0=$(date +%s%N)
for k in $(seq -w 1 "$nodes"); do
	[ -f "$tmp/n$k.db" ] || node_db "$k" || die "node database $k"
	"$vx" export -q -d "$tmp/n$k.db" --to "${CH_URL[0]}/fleet" --cluster vx 2> "$tmp/err" || die "export of node $k: $(cat "$tmp/err")"
	rm -f "$tmp/n$k.db"
done
t1=$(date +%s%N)
all=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
fj=$(ch_sql 0 "SELECT count() FROM fleet.journeys")
fh=$(ch_sql 0 "SELECT count() FROM fleet.hops")
fbest=""
for i in 1 2; do
	s0=$(srv_ticks_all)
	timed sh -c '"$1" fleet --from "$2" --format json > "$3"' sh "$vx" "${CH_URL[0]}/fleet" "$tmp/fleet.json"
	srv=$(awk -v a="$s0" -v b="$(srv_ticks_all)" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	[ -z "$fbest" ] || awk -v a="$secs_" -v b="$fbest" 'BEGIN { exit !(a < b) }' && { fbest=$secs_; fsrv=$srv; }
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "| measure | vxanalyze | reference | ratio |"
echo "| --- | --- | --- | --- |"
echo "| export into one local ClickHouse ($hops hops, $journeys journeys of a $(du -m "$file" | cut -f1) MB perf.data; best of 2) | $best_ins hop rows/s into the server (its CPU: $best_srv s, $(awk -v h="$hops" -v t="$best_srv" 'BEGIN { printf "%.0f", (t > 0 ? h / t : 0) }') rows per CPU second); the whole export $best s ($(awk -v h="$hops" -v t="$best" 'BEGIN { printf "%.0f", h / t }') hop rows/s, vxanalyze CPU $best_cpu s) | target 500,000 rows/s | **$(awk -v a="$best_ins" 'BEGIN { printf "%.2fx", a / 500000 }')** |"
echo "| fleet over $nodes nodes ($fj journeys, $fh hops) on two local shards (best of 2; exporting them took $all s) | $fbest s (the two servers' CPU $fsrv s) | target 10 s | **$(awk -v a="$fbest" 'BEGIN { printf "%s", a <= 10 ? "within" : "over" }')** |"
echo "(load average $load)"
