#!/usr/bin/env bash
# capture-truth-qemu.sh: regenerate samples/truth-ping.db, truth-nat.db, truth-gso.db,
# truth-pair-a.db and truth-pair-b.db (root; a built vxanalyze, default build/vxanalyze; the
# host's nft, ethtool and sqlite3 are copied into the guests). Boots Debian's 6.1 kernel under
# qemu (shared/qemu-kprobe/run.sh, TCG) twice: one guest with the whole lab runs
# truth-guest.sh (a raw-socket ping, a ping to a service IP that h1 DNATs with nft, a TCP
# transfer whose VXLAN packets h1 segments in software), then two guests, one host each, run
# truth-pair-guest.sh (the DNATed ping and a TCP transfer, GRO on node b). Every recording
# is `vxanalyze record` with the default preset; the databases lose the guest's kallsyms
# (the recorder resolved the stacks already) and are vacuumed to keep the samples small.
# Usage: capture-truth-qemu.sh [VXANALYZE]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
run=""
for d in "${VX_SHARED:-}" "$here/../../shared" /work/shared; do
	[ -n "$d" ] && [ -f "$d/qemu-kprobe/run.sh" ] && { run=$d/qemu-kprobe/run.sh; break; }
done
bin=${1:-$here/../build/vxanalyze}
[ -n "$run" ] || { echo "capture-truth-qemu.sh: shared/qemu-kprobe/run.sh not found; set VX_SHARED" >&2; exit 1; }
[ -x "$bin" ] || { echo "capture-truth-qemu.sh: $bin not built" >&2; exit 1; }
for t in nft ethtool sqlite3; do
	command -v "$t" >/dev/null || { echo "capture-truth-qemu.sh: $t not found (apt-get install nftables ethtool sqlite3)" >&2; exit 1; }
done
out=$(mktemp -d /tmp/truth-capture.XXXXXX)
trap 'rm -rf "$out"' EXIT
# nftables' NAT in the guests (crc32c_generic first: libcrc32c needs it)
export VXA_EXTRA_MODULES="crc32c_generic nf_tables nft_chain_nat nft_nat"
adds=(--add "$bin:/usr/bin/vxanalyze" --add "$(command -v sqlite3):/usr/bin/sqlite3"
      --add "$(command -v nft):/usr/sbin/nft" --add "$(command -v ethtool):/usr/sbin/ethtool")

bash "$run" -q --out "$out/single" "${adds[@]}" --add "$here/truth-guest.sh:/vxt/truth-guest.sh" \
	--cmd 'sh /vxt/truth-guest.sh'
tr -d '\r' < "$out/single/guest.out" > "$out/g"
for n in ping nat gso; do
	awk -v f="=== VXA-FILE $n.db ===" '/^=== VXA-FILE-END ===$/ { p = 0; next } $0 == f { p = 1; next } p' "$out/g" |
		base64 -d > "$here/truth-$n.db"
	[ -s "$here/truth-$n.db" ] || { echo "capture-truth-qemu.sh: no $n.db from the guest ($out/single)" >&2; exit 1; }
	echo "wrote $here/truth-$n.db ($(stat -c %s "$here/truth-$n.db") bytes)"
done

bash "$run" --pair -q --out "$out/pair" "${adds[@]}" --add "$here/truth-pair-guest.sh:/vxa/truth-pair-guest.sh" \
	--cmd 'sh /vxa/truth-pair-guest.sh a' --cmd-b 'sh /vxa/truth-pair-guest.sh b'
for n in a b; do
	f=$out/pair/$n/files/$n.db
	[ -s "$f" ] || { echo "capture-truth-qemu.sh: node $n exported no database ($out/pair/$n)" >&2; exit 1; }
	cp "$f" "$here/truth-pair-$n.db"
	echo "wrote $here/truth-pair-$n.db ($(stat -c %s "$here/truth-pair-$n.db") bytes)"
done
