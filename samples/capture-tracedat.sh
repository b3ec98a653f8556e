#!/usr/bin/env bash
# capture-tracedat.sh: regenerate samples/vxlan-ping.trace.dat (trace-cmd's default file
# format: version 7, zstd) and samples/vxlan-ping.same-run.trace (the ftrace text of the
# very same events, read from the instance just before the extract).
# Uses the shared lab (samples/lab.sh; brought up when down, never taken down) and one
# tracefs instance of its own, removed on exit and on failure. Root only.
#
# `trace-cmd record` cannot run on the project machine (enabling the function tracer fails
# with EPERM), so the events are recorded in a tracefs instance and saved with
# `trace-cmd extract -B`. kallsyms is cut down (see below) to keep each sample < 300 KB.
# Environment: OUT_DAT, OUT_TXT (output files), PINGS (3), PING_INTERVAL (1 s), INST (instance
# name), BUFFER_KB, FULL_KALLSYMS (see below) -- tests/bench/trace-dat.sh uses them.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
INST=${INST:-vxanalyze-tracedat-sample}
OUT_DAT=${OUT_DAT:-$HERE/vxlan-ping.trace.dat}
OUT_TXT=${OUT_TXT:-$HERE/vxlan-ping.same-run.trace}
PINGS=${PINGS:-3}
PING_INTERVAL=${PING_INTERVAL:-1}
# FULL_KALLSYMS=1 keeps the whole /proc/kallsyms in the file (the benchmark uses it)
FULL_KALLSYMS=${FULL_KALLSYMS:-0}
BUFFER_KB=${BUFFER_KB:-}	# per-cpu ring buffer size of the instance (default: the kernel's)
EVENTS="net_dev_start_xmit netif_receive_skb netif_rx"

die() { echo "capture-tracedat.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (tracefs, network namespaces)"
command -v trace-cmd >/dev/null || die "trace-cmd not found: apt-get install trace-cmd"

T=/sys/kernel/tracing
if [ ! -d "$T/instances" ]; then
	mount -t tracefs nodev "$T" 2>/dev/null || die "cannot mount tracefs at $T"
fi
I=$T/instances/$INST
WORK=$(mktemp -d /tmp/vxanalyze-tracedat.XXXXXX) || die "mktemp failed"

created=0
cleanup() {
	local e
	if [ "$created" = 1 ] && [ -d "$I" ]; then
		echo 0 > "$I/tracing_on" 2>/dev/null
		for e in $EVENTS; do echo 0 > "$I/events/net/$e/enable" 2>/dev/null; done
		echo 0 > "$I/options/stacktrace" 2>/dev/null
		rmdir "$I" 2>/dev/null || echo "capture-tracedat.sh: could not remove $I" >&2
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

bash "$HERE/lab.sh" status >/dev/null 2>&1 || bash "$HERE/lab.sh" up || die "the lab is not up"

[ -d "$I" ] && die "tracefs instance $INST exists already (another run?); remove it first"
mkdir "$I" || die "cannot create tracefs instance $I"
created=1
echo 0 > "$I/tracing_on"
if [ -n "$BUFFER_KB" ]; then
	echo "$BUFFER_KB" > "$I/buffer_size_kb" || die "cannot set buffer_size_kb"
fi
echo 1 > "$I/options/stacktrace" || die "cannot enable options/stacktrace"
for e in $EVENTS; do
	echo 1 > "$I/events/net/$e/enable" || die "cannot enable net:$e"
done
echo 1 > "$I/tracing_on"
ip netns exec p1 ping -q -c "$PINGS" -i "$PING_INTERVAL" 10.244.2.7 >/dev/null || die "ping failed"
echo 0 > "$I/tracing_on"

# reading `trace` does not consume the ring buffer: take the text first, then extract
cat "$I/trace" > "$WORK/same-run.trace" || die "cannot read $I/trace"

if [ "$FULL_KALLSYMS" != 1 ]; then
	# Keep only the kallsyms lines of the functions the stacks name, each followed by the
	# next symbol in address order so that an address is still resolved to its function
	# (tep resolves to the nearest symbol below). trace-cmd reads /proc/kallsyms, so it is
	# shown the reduced file through a bind mount in a private mount namespace.
	sed -n 's/^ *=> \([^ +]*\).*/\1/p' "$WORK/same-run.trace" | sort -u > "$WORK/names"
	sort /proc/kallsyms | awk 'NR == FNR { want[$1] = 1; next }
		keepnext { print; keepnext = 0 }
		($3 in want) { print; keepnext = 1 }' "$WORK/names" - | sort -u > "$WORK/kallsyms"
	[ -s "$WORK/kallsyms" ] || die "no stack symbols found in the trace (options/stacktrace off?)"
	(cd "$WORK" && unshare -m sh -c 'mount --bind kallsyms /proc/kallsyms &&
		trace-cmd extract -B '"$INST"' -o trace.dat') > "$WORK/extract.log" 2>&1 ||
		{ cat "$WORK/extract.log" >&2; die "trace-cmd extract failed"; }
else
	(cd "$WORK" && trace-cmd extract -B "$INST" -o trace.dat) > "$WORK/extract.log" 2>&1 ||
		{ cat "$WORK/extract.log" >&2; die "trace-cmd extract failed"; }
fi
[ -s "$WORK/trace.dat" ] || die "trace-cmd extract wrote no file"

cp "$WORK/trace.dat" "$OUT_DAT" && cp "$WORK/same-run.trace" "$OUT_TXT" || die "cannot write the samples"
echo "wrote $OUT_DAT ($(stat -c %s "$OUT_DAT") bytes) and $OUT_TXT" \
     "($(grep -c '^ *=>' "$OUT_TXT") stack lines); kernel $(uname -r)"
