#!/usr/bin/env bash
# capture-perf.sh: regenerate the perf samples of the VXLAN lab ping (see samples/README.md).
# Records the same 3-ping scenario in three perf.data forms at once (file mode, pipe mode
# `-o -`, zstd `-z`), converts the file one with `perf script`, and saves the slice of
# /proc/kallsyms its stacks need (perf.data does not embed kallsyms). Root; uses lab.sh.
# It never takes the lab down (the lab is shared); it only removes its own temp files.
# Usage: capture-perf.sh [OUTDIR]   (default: the directory of this script)
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
events="-e net:net_dev_start_xmit -e net:netif_receive_skb -e net:netif_rx"
tmp=""
bg_pids=""

die() { echo "capture-perf.sh: $*" >&2; exit 1; }

cleanup() {
	local p
	for p in $bg_pids; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" -eq 0 ] || die "must run as root (perf -a, network namespaces)"
command -v perf >/dev/null || die "perf not found: apt-get install linux-perf"
bash "$here/lab.sh" status >/dev/null || bash "$here/lab.sh" up || die "the lab does not come up"
tmp=$(mktemp -d /tmp/vx-capture-perf.XXXXXX) || die "mktemp failed"

# The pipe-mode and zstd recorders run system-wide around the file-mode one, so all three
# see the same kernel events (the tests compare them within the file capture's time span).
perf record $events -ag -o - > "$tmp/pipe.data" 2>"$tmp/pipe.log" &
bg_pids="$!"
perf record $events -ag -z -o "$tmp/zstd.data" 2>"$tmp/zstd.log" &
bg_pids="$bg_pids $!"
sleep 1.5
perf record $events -ag -o "$tmp/file.data" -- ip netns exec p1 ping -c 3 10.244.2.7 \
	>"$tmp/ping.log" 2>&1 || { cat "$tmp/ping.log" >&2; die "perf record (file mode) failed"; }
sleep 0.5
for p in $bg_pids; do
	kill -TERM "$p" 2>/dev/null
	wait "$p"
done
bg_pids=""
[ -s "$tmp/pipe.data" ] && [ -s "$tmp/zstd.data" ] || die "a background perf record wrote nothing"

perf script -i "$tmp/file.data" > "$tmp/script.txt" 2>/dev/null || die "perf script failed"

# kallsyms slice: for every callchain address of the three files, the text symbol that
# contains it and the one after it (which bounds the first), so lookups stay exact.
# Symbols sort before addresses ("A" < "B") so an address at a symbol's start finds it.
for f in file pipe zstd; do
	perf script -i "$tmp/$f.data" -F ip 2>/dev/null < /dev/null
done | awk '$1 ~ /^ffff/ { print $1 " B" }' | sort -u > "$tmp/addrs"
awk '$2 ~ /^[tTwW]$/ { print $1 " A " $0 }' /proc/kallsyms | sort -k1,1 -k2,2 > "$tmp/ksyms"
sort -m -k1,1 -k2,2 "$tmp/addrs" "$tmp/ksyms" | awk '
	$2 == "A" { line = $0; sub(/^[^ ]+ A /, "", line); if (want_next) { print line; want_next = 0 }
		    last = line; printed = 0; next }
	$2 == "B" && last != "" && !printed { print last; printed = 1; want_next = 1 }
' > "$tmp/kallsyms.part"
# _text too: importers compare it with the capture's kernel map to detect another boot (KASLR)
awk '$3 == "_text"' /proc/kallsyms | cat - "$tmp/kallsyms.part" | sort -u > "$tmp/kallsyms"

cp "$tmp/file.data" "$out/vxlan-ping.perf.data"
cp "$tmp/pipe.data" "$out/vxlan-ping.pipe.perf.data"
cp "$tmp/zstd.data" "$out/vxlan-ping.zstd.perf.data"
cp "$tmp/script.txt" "$out/vxlan-ping.perf-script.txt"
cp "$tmp/kallsyms" "$out/vxlan-ping.kallsyms"
chmod 644 "$out"/vxlan-ping.*perf.data
n=$(grep -c '^[^[:space:]]' "$out/vxlan-ping.perf-script.txt")
echo "capture-perf.sh: $n samples on $(uname -r) into $out/vxlan-ping.{perf.data,pipe.perf.data,zstd.perf.data,perf-script.txt,kallsyms}"
ls -l "$out"/vxlan-ping.*perf* "$out/vxlan-ping.kallsyms"
