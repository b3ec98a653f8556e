#!/usr/bin/env bash
# capture-flood.sh: regenerate the flood samples (see samples/README.md): `ping -f` from pod p1
# to pod p2 across the lab's VXLAN overlay recorded by perf, once without and once with the skb
# free events, plus the slice of /proc/kallsyms their callchains need. Root; uses lab.sh.
# Leaves the lab as it found it (brings it up only when `lab.sh status` says it is down, and then
# takes it down again) and removes every file it creates, also on error and Ctrl-C.
# Usage: capture-flood.sh [OUTDIR]   (default: the directory of this script)
#        PINGS=30 (pings per capture)
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
pings=${PINGS:-30}
# the events of the issue's capture (fib lookups carry no skb: they must not disturb journeys)
events="-e net:net_dev_start_xmit -e net:netif_receive_skb -e fib:fib_table_lookup"
free_events="-e skb:kfree_skb -e skb:consume_skb"
names="flood-nofree.perf.data flood-free.perf.data flood.kallsyms"
tmp=""
lab_was_down=0
installing=0

die() { echo "capture-flood.sh: $*" >&2; exit 1; }

cleanup() {
	local n
	[ -n "$tmp" ] && rm -rf "$tmp"
	# a copy cut short by an interruption leaves no half file behind
	if [ "$installing" -eq 1 ]; then
		for n in $names; do rm -f "$out/.$n.tmp.$$"; done
	fi
	if [ "$lab_was_down" -eq 1 ]; then
		bash "$here/lab.sh" down >/dev/null 2>&1
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || die "must run as root (perf -a, network namespaces)"
command -v perf >/dev/null || die "perf not found: apt-get install linux-perf"
[ -d "$out" ] && [ -w "$out" ] || die "cannot write to $out"
[ "$pings" -gt 0 ] 2>/dev/null || die "PINGS must be a positive number, not '$pings'"
if ! bash "$here/lab.sh" status >/dev/null 2>&1; then
	lab_was_down=1
	bash "$here/lab.sh" up >/dev/null || die "the lab does not come up"
fi
tmp=$(mktemp -d /tmp/vx-capture-flood.XXXXXX) || die "mktemp failed"

# flood NAME EXTRA_EVENTS: one perf.data of `ping -f -c $pings` p1 -> p2
flood() {
	perf record $events $2 -ag -o "$tmp/$1" -- ip netns exec p1 ping -f -c "$pings" 10.244.2.7 \
		>"$tmp/$1.log" 2>&1 || { cat "$tmp/$1.log" >&2; die "perf record of $1 failed"; }
	grep -q "^$pings packets transmitted, $pings received" "$tmp/$1.log" ||
		{ cat "$tmp/$1.log" >&2; die "$1: the flood lost pings"; }
}
flood flood-nofree.perf.data ""
flood flood-free.perf.data "$free_events"

# kallsyms slice (as capture-perf.sh): for every callchain address of both files, the text
# symbol that contains it and the one after it (which bounds the first), and _text, which the
# importer compares with the capture's kernel map to tell another boot (KASLR)
for f in flood-nofree.perf.data flood-free.perf.data; do
	perf script -i "$tmp/$f" -F ip 2>/dev/null < /dev/null
done | awk '$1 ~ /^ffff/ { print $1 " B" }' | sort -u > "$tmp/addrs"
[ -s "$tmp/addrs" ] || die "the captures hold no kernel callchain"
awk '$2 ~ /^[tTwW]$/ { print $1 " A " $0 }' /proc/kallsyms | sort -k1,1 -k2,2 > "$tmp/ksyms"
sort -m -k1,1 -k2,2 "$tmp/addrs" "$tmp/ksyms" | awk '
	$2 == "A" { line = $0; sub(/^[^ ]+ A /, "", line); if (want_next) { print line; want_next = 0 }
		    last = line; printed = 0; next }
	$2 == "B" && last != "" && !printed { print last; printed = 1; want_next = 1 }
' > "$tmp/kallsyms.part"
awk '$3 == "_text"' /proc/kallsyms | cat - "$tmp/kallsyms.part" | sort -u > "$tmp/flood.kallsyms"

# install: copy next to the target, then rename, so an interruption leaves the old sample
installing=1
for n in $names; do
	cp "$tmp/$n" "$out/.$n.tmp.$$" || die "cannot write $out/$n"
	chmod 644 "$out/.$n.tmp.$$"
done
for n in $names; do
	mv -f "$out/.$n.tmp.$$" "$out/$n" || die "cannot write $out/$n"
done
installing=0
for n in flood-nofree.perf.data flood-free.perf.data; do
	echo "capture-flood.sh: $n: $(perf script -i "$out/$n" -F event 2>/dev/null < /dev/null | wc -l) samples, $pings pings on $(uname -r)"
done
ls -l "$out"/flood-*.perf.data "$out/flood.kallsyms"
