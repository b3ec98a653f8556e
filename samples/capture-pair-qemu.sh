#!/usr/bin/env bash
# capture-pair-qemu.sh: regenerate samples/pair-a.db and samples/pair-b.db (root): both ends
# of 3 pings and 3 UDP datagrams across the VXLAN overlay, recorded by `vxanalyze record` on
# two hosts at once. Boots two Debian 6.1 guests under qemu (shared/qemu-kprobe/run.sh
# --pair: node a is h1 with pod p1, node b is h2 with pod p2, a real underlay between them;
# ~25-60 s under TCG), runs pair-guest.sh on each and brings the databases back; the
# databases lose the guest's kallsyms and are vacuumed to keep the samples small. Usage: capture-pair-qemu.sh [VXANALYZE]
# (default ../build/vxanalyze next to this directory). VX_PAIR_NAME=wire writes wire-a.db and
# wire-b.db instead (the samples of report --format pcapng: recorded with packet bytes).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VX_SHARED:-$here/../../shared}
run=$shared/qemu-kprobe/run.sh
bin=${1:-$here/../build/vxanalyze}
[ -f "$run" ] || { echo "capture-pair-qemu.sh: $run not found; set VX_SHARED" >&2; exit 1; }
[ -x "$bin" ] || { echo "capture-pair-qemu.sh: $bin not built" >&2; exit 1; }
out=${VX_PAIR_OUT:-$(mktemp -d /tmp/pair-capture.XXXXXX)}
[ -n "${VX_PAIR_OUT:-}" ] || trap 'rm -rf "$out"' EXIT
args=(--pair -q --out "$out" --add "$bin:/usr/bin/vxanalyze" --add "$here/pair-guest.sh:/vxa/pair-guest.sh"
      --cmd 'sh /vxa/pair-guest.sh a' --cmd-b 'sh /vxa/pair-guest.sh b')
# run.sh uses KVM only when asked (VXA_QEMU_ACCEL=kvm): TCG always works
bash "$run" "${args[@]}"
for n in a b; do
	f=$out/$n/files/$n.db
	[ -s "$f" ] || { echo "capture-pair-qemu.sh: node $n exported no database ($out/$n)" >&2; exit 1; }
	grep -a "record rc=" "$out/$n/guest.out" || true
	# the guest kernel's kallsyms (4 MB) only symbolises raw addresses, which an ftrace
	# recording has none of: drop it, and store with small pages
	sqlite3 "$f" "DELETE FROM capture_meta WHERE key = 'kallsyms'; PRAGMA journal_mode=DELETE;
		PRAGMA page_size=4096; VACUUM;" >/dev/null
	name=${VX_PAIR_NAME:-pair}
	cp "$f" "$here/$name-$n.db"
	echo "wrote $here/$name-$n.db ($(stat -c %s "$here/$name-$n.db") bytes)"
done
