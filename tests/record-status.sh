#!/usr/bin/env bash
# record-status.sh: `vxanalyze record` shows the events captured and lost while the command
# runs, on the terminal's last row only: under a pseudo-terminal (script -qc, 16 rows of 100)
# the line is drawn outside the scrolling region, counts the command's events, and the screen
# afterwards (rendered by tests/vt-screen.py) holds the command's output intact and no status;
# with -q, and with standard error in a pipe or a file, no line and no escape sequence at all.
# Records a ping on the loopback with net:net_dev_start_xmit (no lab needed): on the terminal
# with each backend (ftrace with --dev lo, filtered in the kernel; perf without it), the rest
# with ftrace. Needs root and tracefs like every recording: skipped (77) without them.
# usage: record-status.sh VXANALYZE TESTS_DIR
set -u
vx=$1
tests=$2
[ "$(id -u)" = 0 ] || { echo "skip: not root"; exit 77; }
command -v script >/dev/null || { echo "skip: no script(1)"; exit 77; }
{ [ -d /sys/kernel/tracing/events/net/net_dev_start_xmit ] ||
  { mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && [ -d /sys/kernel/tracing/events/net ]; }; } ||
	{ echo "skip: no tracefs with net:net_dev_start_xmit"; exit 77; }
. "$(dirname "$0")/checks.sh"
# sanitizer builds: the leak inside libperf is suppressed (lsan.supp), and the list of used
# suppressions LSan prints at exit would land on the terminal and push the ping's lines off it
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp}:print_suppressions=0
ESC=$(printf '\033')
ev="--backend ftrace --preset none -e net:net_dev_start_xmit --dev lo -- ping -c 6 -i 0.3 127.0.0.1"

# --- on a terminal, with each backend (perf: no --dev, whose filter it applies only when
# decoding; its count is every sample moved into the spool) ---
for be in ftrace perf; do
if [ $be = ftrace ]; then bev=$ev; else bev="--backend perf --preset none -e net:net_dev_start_xmit -- ping -c 6 -i 0.3 127.0.0.1"; fi
script -qc "stty rows 16 cols 100; for i in 1 2 3 4 5 6 7 8; do echo line \$i; done; $vx record -d $tmp/t-$be.db $bev" \
	/dev/null >"$tmp/tty" 2>&1 </dev/null || fail "record --backend $be under script: exit $?"
BE=$be python3 - "$tmp/tty" "$tests/vt-screen.py" <<'PY' && ok "tty ($be): a status line on row 16 with the events so far; ping's output intact, the row cleared at the end" || fail "tty status line ($be)"
import os, re, sys, importlib.util
spec = importlib.util.spec_from_file_location("vt", sys.argv[2]); vt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vt)
d = open(sys.argv[1], encoding="utf-8", newline="").read()
# the region is set to rows 1-15 before the command starts, and given back at the end
assert "\x1b[1;15r" in d and d.index("\x1b[1;15r") < d.index("PING"), d[:200]
end = d.rindex("\x1b[r")
assert end > d.rindex("icmp_seq=6"), "the region is given back before the command ended"
draws = [m for m in re.finditer(r"\x1b7\x1b\[16;1H\x1b\[2K(vxanalyze record: (\d+) events, (\d+) lost, "
                                r"[0-9.]+ MiB spooled, [0-9.]+ s)\x1b8", d)]
assert len(draws) >= 2, [m.group(1) for m in draws]
counts = [int(m.group(2)) for m in draws]
# 2 per ping on lo; other programs' traffic on lo (a test machine is shared) only adds
assert counts == sorted(counts) and 2 <= counts[-1], counts
assert all(int(m.group(3)) == 0 for m in draws)
# while recording: the status on the last row, the command's output above it
mid = vt.render(d[:draws[1].end()], 16, 100)
assert mid[15].startswith("vxanalyze record: "), mid
assert any(l.startswith("64 bytes from 127.0.0.1: icmp_seq=") for l in mid[:15]), mid
# afterwards: every ping line whole, no status left, the summary below
screen = vt.render(d, 16, 100)
text = "\n".join(screen)
assert "vxanalyze record:" not in text, screen
for seq in range(1, 7):
    assert any(re.fullmatch(r"64 bytes from 127\.0\.0\.1: icmp_seq=%d ttl=64 time=[0-9.]+ ms" % seq, l)
               for l in screen), screen
stored = [int(m.group(1)) for l in screen
          for m in [re.fullmatch(r"capture 1: (\d+) events \(%s backend, 1 tracepoints\) stored in .*" % os.environ["BE"], l)] if m]
assert stored and stored[0] >= 12 and counts[-1] <= stored[0], (stored, counts, screen)
PY
done

# --- -q on a terminal: nothing ---
script -qc "stty rows 16 cols 100; $vx -q record -d $tmp/q.db $ev" /dev/null >"$tmp/q" 2>&1 </dev/null ||
	fail "record -q under script: exit $?"
grep -q "icmp_seq=6" "$tmp/q" && ! grep -q "vxanalyze record:" "$tmp/q" && ! grep -q "$ESC" "$tmp/q" &&
	ok "-q: no status line, no escape sequence" || fail "-q drew something: $(cat -v "$tmp/q" | head -5)"

# --- standard error in a pipe and in a file: nothing ---
"$vx" record -d "$tmp/p.db" $ev 2>&1 >"$tmp/out" | cat >"$tmp/pipe"
! grep -q "vxanalyze record:" "$tmp/pipe" && ! grep -q "$ESC" "$tmp/pipe" "$tmp/out" && [ "$(sed -n 's/^capture 1: \([0-9]*\) events.*/\1/p' "$tmp/out")" -ge 12 ] 2>/dev/null &&
	ok "stderr in a pipe: no status line, no escape sequence" || fail "pipe: $(cat -v "$tmp/pipe" | head -5)"
"$vx" record -d "$tmp/f.db" $ev >"$tmp/out2" 2>"$tmp/err"
! grep -q "vxanalyze record:" "$tmp/err" && ! grep -q "$ESC" "$tmp/err" &&
	ok "stderr in a file: no status line" || fail "file: $(cat -v "$tmp/err" | head -5)"

finish "record status"
