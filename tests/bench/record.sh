#!/usr/bin/env bash
# record.sh: does `vxanalyze record` keep up with a flood? Lost events and the ping rate of
# a lab flood (`ping -f -w SECS` from pod p1 to p2) under `vxanalyze record` (ftrace and perf
# backends, default buffers) against `perf record -ag` with the same tracepoints, plus
# the rate with nothing recording. Not a test: figures vary with the machine's other load.
# Usage (root; the lab is brought up if it is down and left up): record.sh [-s SECS] [-r RUNS]
#   SECS: flood length (default 3); RUNS: repetitions of each recorder (default 1), all printed.
# VXANALYZE=path picks the binary (default: build/vxanalyze).
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=3
runs=1
while getopts s:r: o; do
	case $o in
	s) secs=$OPTARG ;;
	r) runs=$OPTARG ;;
	*) echo "usage: $0 [-s SECS] [-r RUNS]" >&2; exit 2 ;;
	esac
done
die() { echo "record.sh: $*" >&2; exit 1; }
[ "$secs" -ge 1 ] && [ "$secs" -le 30 ] || die "-s: 1 to 30 seconds"
[ "$runs" -ge 1 ] && [ "$runs" -le 10 ] || die "-r: 1 to 10 runs"
[ "$(id -u)" -eq 0 ] || die "needs root (tracefs, perf tracepoints)"
command -v perf >/dev/null || die "perf not found: apt-get install linux-perf"
vx=${VXANALYZE:-$root/build/vxanalyze}
[ -x "$vx" ] || die "$vx: not built (cmake -S . -B build && cmake --build build -j2)"
bash "$root/samples/lab.sh" status >/dev/null || bash "$root/samples/lab.sh" up >/dev/null ||
	die "the lab does not come up"

tmp=$(mktemp -d /tmp/vx-bench-record.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# perf record gets the tracepoints that `vxanalyze record` records by default (its vxlan
# preset, those this kernel has: the FIB lookups too), so both record the same events
events=$("$vx" probes --preset vxlan 2>/dev/null | awk '$1 == "yes" && $2 == "tracepoint" { print $3 }' | xargs)
[ -n "$events" ] || die "vxanalyze probes --preset vxlan lists no tracepoint"
flood=(timeout $((secs + 10)) ip netns exec p1 ping -f -w "$secs" 10.244.2.7)

# ping_rate FILE: packets transmitted per second from ping's summary in FILE
ping_rate() {
	awk '/packets transmitted/ { n = $1; for (i = 1; i <= NF; i++) if ($i == "time") t = $(i + 1)
	     sub("ms", "", t); if (t > 0) printf "%d", n * 1000 / t }' "$1"
}

# each recorder: sets $stored, $lost, $rate (and $note when something failed)
rec_none() {
	"${flood[@]}" >"$tmp/ping" 2>&1
	stored=-; lost=-; rate=$(ping_rate "$tmp/ping")
}
rec_perf() {
	local e=()
	for ev in $events; do e+=(-e "$ev"); done
	timeout $((secs + 60)) perf record -q "${e[@]}" -ag -o "$tmp/perf.data" -- "${flood[@]}" \
		>"$tmp/ping" 2>"$tmp/perf.err"
	rate=$(ping_rate "$tmp/ping")
	# perf report --stats: "SAMPLE events: N" and "LOST_SAMPLES events" / "LOST events"
	perf report -i "$tmp/perf.data" --stats >"$tmp/stats" 2>/dev/null
	stored=$(awk '/SAMPLE events:/ && !/LOST/ { print $3; exit }' "$tmp/stats")
	# the lost samples themselves are in the LOST records' payloads: perf script sums them
	lost=$(perf script -i "$tmp/perf.data" --show-lost-events -F event 2>/dev/null |
		awk '/LOST/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }')
	rm -f "$tmp/perf.data"
}
rec_vx() {
	rm -f "$tmp/vx.db"*
	timeout $((secs + 300)) "$vx" record -d "$tmp/vx.db" --backend "$1" -- "${flood[@]}" \
		>"$tmp/vx.out" 2>"$tmp/vx.err"
	# the command's own output goes to the same stdout as the summary
	rate=$(ping_rate "$tmp/vx.out")
	stored=$(awk '/^capture [0-9]+:/ { print $3; exit }' "$tmp/vx.out")
	lost=$(awk '/^lost events:/ { print $3; exit }' "$tmp/vx.out")
	[ -n "$stored" ] || { note="vxanalyze failed: $(head -c 200 "$tmp/vx.err")"; stored=-; lost=-; }
}

# row NAME STORED LOST RATE LOSTRATIO RATERATIO: print, and keep for the medians
row() {
	printf '%-26s %10s %10s %9s %10s %10s\n' "$@"
	echo "$*" | sed 's/ (run [0-9]*)//' >>"$tmp/rows"
}
printf '%-26s %10s %10s %9s %10s %10s\n' recorder stored lost 'pings/s' 'lost/perf' 'rate/perf'
for run in $(seq "$runs"); do
	note=""
	rec_none; none_rate=$rate
	row "none (run $run)" - - "$none_rate" - -
	rec_perf; perf_lost=$lost; perf_rate=$rate
	row "perf record -ag" "$stored" "$lost" "$rate" 1.00 1.00
	for be in ftrace perf; do
		rec_vx $be
		lr=$(awk -v a="$lost" -v b="$perf_lost" 'BEGIN { if (a == "-") print "-"; else if (b > 0) printf "%.2f", a / b; else print (a > 0 ? "inf" : "1.00") }')
		rr=$(awk -v a="$rate" -v b="$perf_rate" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "-" }')
		row "vxanalyze --backend $be" "$stored" "$lost" "${rate:--}" "$lr" "$rr"
	done
	[ -n "$note" ] && echo "note: $note"
done
[ "$runs" -gt 1 ] || exit 0
# medians per recorder over the runs (ratios: median of the per-run ratios)
echo "median of $runs runs:"
python3 - "$tmp/rows" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    name = " ".join(f[:-5]); rows.setdefault(name, []).append(f[-5:])
def med(vals):
    v = [float(x) for x in vals if x not in ("-", "inf")]
    return "-" if not v else ("%.2f" % statistics.median(v) if any("." in x for x in vals) else "%d" % statistics.median(v))
for name, rs in rows.items():
    print("%-26s %10s %10s %9s %10s %10s" % ((name,) + tuple(med([r[i] for r in rs]) for i in range(5))))
PY
