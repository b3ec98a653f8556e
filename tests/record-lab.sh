#!/usr/bin/env bash
# record-lab.sh: `vxanalyze record` live on the VXLAN lab (root integration test).
# - record a pod ping (preset vxlan, --backend ftrace) and check the JSON report: a journey
#   cali1 -> vxlan.calico -> eth0 with overhead_bytes 50, a path that re-enters IP after encap;
#   without kprobes, --snaplen says once that no packet bytes come;
# - the same without --backend: the perf backend where `probes` says perf_event_open is
#   usable, else ftrace with the reason on stderr (checked by dropping CAP_PERFMON and
#   CAP_SYS_ADMIN with setpriv);
# - --filter 'dev vxlan.calico' stores only the pod ping's journeys and counts the underlay
#   ping's events as filtered (summary, text and JSON report), in both backends;
# - SIGINT in the middle of a record (ftrace: its instance is watched): no instance left,
#   the capture is kept;
# - `clean` removes a planted stale instance vxanalyze-<dead pid> and a stale spool;
# - a ping flood at the default ring loses at most FLOOD_LOSS_PCT % of the events (both
#   backends), loss is shown per CPU (summary and meta lost_cpuN, summing to the total),
#   SIGINT and SIGTERM mid-flood store the capture and leave no instance, kprobe or spool.
# Every record spools into $tmp/spool (TMPDIR), which must be empty at the end.
# Exit 77 (skipped) without root or tracefs. Brings the lab up if it is down and takes it
# down again only in that case (the lab may be shared).
# usage: record-lab.sh VXANALYZE LAB_SH
set -u
vx=$1
lab=$2
T=/sys/kernel/tracing
# sanitizer builds: ignore a leak inside libperf (see lsan.supp)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
grep -qw tracefs /proc/filesystems || { echo "SKIP: kernel has no tracefs"; exit 77; }
if ! mountpoint -q $T; then
	mount -t tracefs nodev $T 2>/dev/null || { echo "SKIP: tracefs not mountable at $T"; exit 77; }
fi
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }

tmp=$(mktemp -d)
mkdir "$tmp/spool"
export TMPDIR=$tmp/spool
brought_up=0
stale=""
cleanup() {
	[ -n "$stale" ] && rmdir "$T/instances/$stale" 2>/dev/null
	[ "$brought_up" = 1 ] && bash "$lab" down >/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# started PID: wait until recorder PID has created its instance (setup takes a moment; up
# to minutes under ASan on a loaded 2-CPU machine; gives up early when the recorder ends)
started() {
	local i=0
	while [ ! -d "$T/instances/vxanalyze-$1" ] && [ $i -lt 3000 ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1; i=$((i + 1))
	done
	[ -d "$T/instances/vxanalyze-$1" ] && return 0
	kill -0 "$1" 2>/dev/null && echo "recorder $1: no instance after 300 s" >&2 ||
		echo "recorder $1 ended before its instance was seen: $(cat "$tmp"/*.err 2>/dev/null | tail -5)" >&2
	return 1
}

if ! bash "$lab" status >/dev/null 2>&1; then
	bash "$lab" up >/dev/null || fail "lab up"
	brought_up=1
fi
db=$tmp/t.db

# ---- 1. record the pod ping, report, check the journey and the double IP trip
# in the background to know its pid: other recordings may run beside this test, and only
# this recorder's instance vxanalyze-<pid> is ours to check
"$vx" record -d "$db" --backend ftrace --preset vxlan -- ip netns exec p1 ping -c 3 10.244.2.7 \
	>"$tmp/rec.out" 2>"$tmp/rec.err" &
pid=$!
wait $pid || fail "record exited $?: $(cat "$tmp/rec.err")"
grep -q "^capture 1: " "$tmp/rec.out" || fail "record summary: $(cat "$tmp/rec.out")"
grep -q "^command: ip: exit status 0" "$tmp/rec.out" || fail "ping failed: $(cat "$tmp/rec.out")"
if [ ! -e $T/kprobe_events ]; then
	# one line says that the kprobes were replaced by tracepoints
	[ "$(grep -c 'no kprobes' "$tmp/rec.err")" = 1 ] || fail "kprobe fallback note: $(cat "$tmp/rec.err")"
	# --snaplen asks for packet bytes that only kprobes read: said once, the recording works
	"$vx" record -d "$tmp/s.db" --backend ftrace --snaplen 64 -- true >/dev/null 2>"$tmp/snap.err" ||
		fail "record --snaplen without kprobes: $(cat "$tmp/snap.err")"
	[ "$(grep -c -- '--snaplen 64: no packet bytes: this kernel has no kprobes' "$tmp/snap.err")" = 1 ] ||
		fail "--snaplen note: $(cat "$tmp/snap.err")"
	[ -z "$(sqlite3 "$tmp/s.db" "SELECT value FROM capture_meta WHERE key = 'snaplen'" 2>/dev/null)" ] ||
		fail "meta snaplen without bytes"
fi
[ -d "$T/instances/vxanalyze-$pid" ] && fail "the instance vxanalyze-$pid was left"
"$vx" report -d "$db" --format json -o "$tmp/r.json" || fail "report"
python3 - "$tmp/r.json" <<'PY' || fail "report content"
import json, sys
r = json.load(open(sys.argv[1]))
c = r["captures"]
assert len(c) == 1 and c[0]["format"] == "record-ftrace" and c[0]["events"] > 20, c
paths = {p["id"]: p for p in r["paths"]}
assert any(p["reenters_ip_after_encap"] and p["encap"] == "vxlan" for p in paths.values()), \
    "no path re-enters IP after vxlan encap"
def crosses(j):
    devs = [h["dev"] for h in j["hops"]]
    try:
        a = devs.index("cali1"); b = devs.index("vxlan.calico", a); devs.index("eth0", b)
    except ValueError:
        return False
    return True
js = [j for j in r["journeys"] if crosses(j)]
assert len(js) >= 3, [[h["dev"] for h in j["hops"]] for j in r["journeys"]]
assert all(j["overhead_bytes"] == 50 for j in js), [j["overhead_bytes"] for j in js]
# the underlay transmit's stack carries the double trip
assert any(paths[h["path_id"]]["reenters_ip_after_encap"] for j in js for h in j["hops"]
           if h["path_id"] is not None), "no hop of the journey has the re-entering path"
PY
"$vx" captures -d "$db" >/dev/null || fail "captures"

# ---- 2. without --backend: perf where `probes` says perf_event_open is usable (here: root),
# ftrace otherwise with one line saying why; the perf backend records the same story
want=record-ftrace
"$vx" probes --preset none | grep -q "^perf: .*record's default backend" && want=record-perf
"$vx" record -d "$db" --preset vxlan -- ip netns exec p1 ping -c 1 10.244.2.7 \
	>"$tmp/perf.out" 2>"$tmp/perf.err" || fail "record (default backend): $(cat "$tmp/perf.err")"
grep -q "^capture 2: .*(${want#record-} backend" "$tmp/perf.out" || fail "default backend is not ${want#record-}: $(cat "$tmp/perf.out")"
if [ $want = record-ftrace ]; then
	grep -q "recording with the ftrace backend: perf_event_open" "$tmp/perf.err" || fail "no reason for ftrace: $(cat "$tmp/perf.err")"
fi
"$vx" report -d "$db" --capture 2 --format json -o "$tmp/p.json" || fail "report capture 2"
WANT=$want python3 - "$tmp/p.json" <<'PY' || fail "default backend report content"
import json, os, sys
r = json.load(open(sys.argv[1]))
assert r["captures"][0]["format"] == os.environ["WANT"], r["captures"]
assert any(p["reenters_ip_after_encap"] for p in r["paths"]), "perf: no double trip"
assert any(j["overhead_bytes"] == 50 for j in r["journeys"]), "perf: no encap journey"
PY

# ---- 2a. where perf_event_open is denied (root without CAP_PERFMON and CAP_SYS_ADMIN, with
# perf_event_paranoid >= 1, as in many containers) record falls back to ftrace and says why
if command -v setpriv >/dev/null && [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 1 ]; then
	setpriv --inh-caps=-perfmon,-sys_admin --bounding-set=-perfmon,-sys_admin -- \
		"$vx" record -d "$tmp/fallback.db" --preset none -e net:net_dev_start_xmit -- \
		ip netns exec p1 ping -c 1 10.244.2.7 >"$tmp/fb.out" 2>"$tmp/fb.err" ||
		fail "record without perf_event_open: $(cat "$tmp/fb.err")"
	grep -q "^capture 1: .*(ftrace backend" "$tmp/fb.out" || fail "no ftrace fallback: $(cat "$tmp/fb.out")"
	[ "$(grep -c "warning: recording with the ftrace backend: perf_event_open is not permitted" "$tmp/fb.err")" = 1 ] ||
		fail "the fallback is not said once: $(cat "$tmp/fb.err")"
else
	echo "record-lab: no setpriv or perf_event_paranoid < 1: the ftrace fallback is not checked"
fi

# ---- 2b. --dev keeps only the net events of matching devices, in both backends
for be in ftrace perf; do
	"$vx" record -d "$tmp/dev-$be.db" --backend $be --dev 'cali*' -- ip netns exec p1 ping -c 1 10.244.2.7 \
		>/dev/null 2>&1 || fail "record --dev --backend $be"
	"$vx" report -d "$tmp/dev-$be.db" --format json -o "$tmp/dev-$be.json" || fail "report --dev $be"
	python3 - "$tmp/dev-$be.json" <<'PY' || fail "--dev cali* with backend $be"
import json, sys
r = json.load(open(sys.argv[1]))
devs = {h["dev"] for j in r["journeys"] for h in j["hops"] if h["event"].startswith("net:")}
assert devs and all(d.startswith("cali") for d in devs), devs
PY
done

# ---- 2d. drop reasons by name in both backends (the capture's own kfree_skb format): a ping
# into a blackhole route of h2 is dropped at ip_error (NOT_SPECIFIED); the command's pids
# are kept and its line opens the text report
ip -n h2 route add blackhole 10.244.2.88/32 || fail "blackhole route"
for be in ftrace perf; do
	"$vx" record -d "$tmp/bh-$be.db" --backend $be -- ip netns exec p1 ping -c 1 -W 1 10.244.2.88 \
		>/dev/null 2>&1
	"$vx" report -d "$tmp/bh-$be.db" --format json -o "$tmp/bh-$be.json" || fail "report blackhole $be"
	python3 - "$tmp/bh-$be.json" <<'PY' || { ip -n h2 route del blackhole 10.244.2.88/32; fail "drop reasons with backend $be"; }
import json, sys
r = json.load(open(sys.argv[1]))
d = [(x["reason"], x["location"]) for x in r["drops"]]
assert any(reason == "NOT_SPECIFIED" and loc.startswith("ip_error") for reason, loc in d), d
assert all(reason and not reason.isdigit() for reason, loc in d), d
assert r["commands"] and r["commands"][0]["command"] == "ip netns exec p1 ping -c 1 -W 1 10.244.2.88", r["commands"]
PY
	"$vx" report -d "$tmp/bh-$be.db" | grep -q "^ip netns exec p1 ping -c 1 -W 1 10.244.2.88 (pid [0-9]*): " ||
		{ ip -n h2 route del blackhole 10.244.2.88/32; fail "no command line ($be)"; }
done
ip -n h2 route del blackhole 10.244.2.88/32

# ---- 2c. --filter stores only the matching journeys, in both backends: the pod ping crosses
# vxlan.calico, the hosts' underlay ping does not and is counted as filtered, not lost
for be in ftrace perf; do
	"$vx" record -d "$tmp/filt-$be.db" --backend $be --filter 'dev vxlan.calico' -- sh -c \
		'ip netns exec p1 ping -c 1 10.244.2.7 && ip netns exec h1 ping -c 2 192.168.50.2' \
		>"$tmp/filt.out" 2>"$tmp/filt.err" || fail "record --filter --backend $be: $(cat "$tmp/filt.err")"
	grep -Eq "^filtered events: [1-9][0-9]* \(journeys not matching 'dev vxlan.calico'\)" "$tmp/filt.out" ||
		fail "record --filter summary ($be): $(cat "$tmp/filt.out")"
	"$vx" report -d "$tmp/filt-$be.db" --format json -o "$tmp/filt-$be.json" || fail "report --filter $be"
	"$vx" report -d "$tmp/filt-$be.db" | tr -s ' \n' '  ' |
		grep -q "[0-9] filtered out (journeys not matching 'dev vxlan.calico')" ||
		fail "text report does not show the filter ($be): $("$vx" report -d "$tmp/filt-$be.db" 2>&1 | head -3)"
	python3 - "$tmp/filt-$be.json" <<'PY' || fail "--filter 'dev vxlan.calico' with backend $be"
import json, sys
r = json.load(open(sys.argv[1]))
c = r["captures"][0]
assert c["filter"] == "dev vxlan.calico" and c["filtered_events"] > 0, c
assert r["journeys"] and r["journeys_total"] == len(r["journeys"]), r["journeys_total"]
for j in r["journeys"]:
    assert any(h["dev"] == "vxlan.calico" for h in j["hops"]), [h["dev"] for h in j["hops"]]
PY
done

# ---- 3. SIGINT in the middle: the command stops, nothing stays, the capture is kept
"$vx" record -d "$db" --backend ftrace -- sleep 5 >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
started $pid || fail "no instance vxanalyze-$pid while recording"
sleep 1
kill -INT $pid
start=$(date +%s)
wait $pid
rc=$?
# the command died of the signal (checked below); this only catches a recorder that hangs
[ $(( $(date +%s) - start )) -le 60 ] || fail "record did not stop within 60 s after SIGINT"
[ "$rc" = 0 ] || fail "record after SIGINT exited $rc: $(cat "$tmp/int.err")"
[ -d "$T/instances/vxanalyze-$pid" ] && fail "instance vxanalyze-$pid left after SIGINT"
grep -q "^capture 3: " "$tmp/int.out" || fail "SIGINT capture not kept: $(cat "$tmp/int.out")"
grep -q "killed by signal 2" "$tmp/int.out" || fail "command status after SIGINT: $(cat "$tmp/int.out")"
"$vx" captures -d "$db" | grep -q "sleep 5" || fail "captures does not list the interrupted record"

# ---- 4. clean removes an instance left by a killed recording
dead=999999
while kill -0 $dead 2>/dev/null; do dead=$((dead + 1)); done
stale=vxanalyze-$dead
mkdir "$T/instances/$stale" || fail "cannot plant $stale"
"$vx" clean >"$tmp/clean.out" || fail "clean exited $?"
[ -d "$T/instances/$stale" ] && fail "clean left $stale: $(cat "$tmp/clean.out")"
grep -q "removed instance $stale" "$tmp/clean.out" || fail "clean output: $(cat "$tmp/clean.out")"
stale=""
# ... and a spool directory left by a killed recording
mkdir "$TMPDIR/vxanalyze-$dead.AbC123" && : >"$TMPDIR/vxanalyze-$dead.AbC123/cpu0" ||
	fail "cannot plant a stale spool"
"$vx" clean >"$tmp/clean.out" || fail "clean exited $? on a stale spool"
[ -e "$TMPDIR/vxanalyze-$dead.AbC123" ] && fail "clean left the stale spool: $(cat "$tmp/clean.out")"
grep -q "removed spool .*vxanalyze-$dead.AbC123" "$tmp/clean.out" || fail "clean output: $(cat "$tmp/clean.out")"
# ... and leaves live ones alone
"$vx" record -d "$db" --backend ftrace -- sleep 5 >/dev/null 2>"$tmp/live.err" &
pid=$!
started $pid || fail "no instance vxanalyze-$pid while recording"
"$vx" clean >/dev/null || fail "clean during a record"
[ -d "$T/instances/vxanalyze-$pid" ] || fail "clean removed the live instance vxanalyze-$pid"
wait $pid || fail "record beside clean"

# ---- 5. the route preset on this kernel: three requests, three classes
rdb=$tmp/route.db
for r in 5.5.6.0/24 5.5.7.0/24 5.5.8.0/24; do ip -n h1 route del "$r" 2>/dev/null; done
"$vx" record -d "$rdb" --backend ftrace --preset route -- sh -c '
	ip -n h1 route add 5.5.6.0/24 via 192.168.50.2 dev eth0
	ip -n h1 route add 5.5.7.0/24 via 4.4.10.2 dev eth0 2>/dev/null
	ip -n h1 route add 5.5.8.0/24 via 4.4.10.2 dev eth0 onlink
	ip -n h1 route del 5.5.6.0/24; ip -n h1 route del 5.5.8.0/24' >/dev/null 2>"$tmp/route.err" &
pid=$!
wait $pid || fail "record --preset route: $(cat "$tmp/route.err")"
"$vx" report -d "$rdb" --format json -o "$tmp/route.json" || fail "route report"
python3 - "$tmp/route.json" <<'PY' || fail "route classes from a live recording"
import json, sys
r = json.load(open(sys.argv[1]))["routes"]
assert [q["class"] for q in r] == ["validated", "rejected", "onlink"], r
assert r[1]["extack"] == "Nexthop has invalid gateway", r[1]
PY
[ -d "$T/instances/vxanalyze-$pid" ] && fail "the instance vxanalyze-$pid is left after the route record"

# ---- 6. a flood: the recorder keeps up, loss is per CPU, signals mid-flood keep the capture
FLOOD_LOSS_PCT=1
flood=(ip netns exec p1 ping -q -f -w 2 10.244.2.7)
# kernel_clean WHAT PID: no instance, kprobe or spool of recorder PID is left (other
# engineers may be recording beside us: their instances are not ours to judge)
kernel_clean() {
	[ -d "$T/instances/vxanalyze-$2" ] && fail "$1: instance vxanalyze-$2 is left"
	if [ -e "$T/kprobe_events" ] && ! ls "$T/instances" | grep -q '^vxanalyze-'; then
		grep -q "vxanalyze/" "$T/kprobe_events" && fail "$1: kprobes are left: $(cat "$T/kprobe_events")"
	fi
	[ -z "$(ls -A "$TMPDIR")" ] || fail "$1: spool left in $TMPDIR: $(ls -A "$TMPDIR")"
}
# record_bg ARGS...: vxanalyze record in the background, its pid in $pid, stdout/err in
# $tmp/rec.out and $tmp/rec.err
record_bg() {
	"$vx" record "$@" >"$tmp/rec.out" 2>"$tmp/rec.err" &
	pid=$!
}
# loss_meta DB ID TOTAL: meta lost_cpuN for every CPU, summing to TOTAL
loss_meta() {
	python3 - "$1" "$2" "$3" "$(getconf _NPROCESSORS_CONF)" <<'PY'
import sqlite3, sys
db, cid, total, ncpu = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = dict(sqlite3.connect(db).execute(
    "select key, cast(value as text) from capture_meta where capture_id = ? and key like 'lost_cpu%'", (cid,)))
assert sorted(rows) == sorted("lost_cpu%d" % c for c in range(ncpu)), rows
assert sum(int(v) for v in rows.values()) == total, (rows, total)
PY
}
fdb=$tmp/flood.db
n=0
for be in ftrace perf; do
	n=$((n + 1))
	record_bg -d "$fdb" --backend $be -- "${flood[@]}"
	wait $pid || fail "flood record --backend $be: $(cat "$tmp/rec.err")"
	stored=$(awk '/^capture [0-9]+:/ { print $3 }' "$tmp/rec.out")
	line=$(grep '^lost events:' "$tmp/rec.out")
	lost=$(echo "$line" | awk '{ print $3 }')
	echo "flood --backend $be: $stored events stored, $line"
	# the summary shows every CPU
	echo "$line" | grep -Eq '^lost events: [0-9]+ \(cpu0=[0-9]+( cpu[0-9]+=[0-9]+)*\)$' ||
		fail "no per-CPU loss in the summary: $line"
	[ "$stored" -gt 10000 ] || fail "flood --backend $be stored only $stored events"
	[ $((lost * 100)) -le $((stored * FLOOD_LOSS_PCT)) ] ||
		fail "flood --backend $be lost $lost events of $((stored + lost)) (more than $FLOOD_LOSS_PCT %)"
	loss_meta "$fdb" $n "$lost" || fail "flood --backend $be: meta lost_cpuN"
	kernel_clean "flood --backend $be" $pid
done
# a ring of one page cannot keep up: the loss is counted, per CPU, and adds up
n=$((n + 1))
record_bg -d "$fdb" --backend ftrace --buffer-kb 4 -- "${flood[@]}"
wait $pid || fail "flood record --buffer-kb 4: $(cat "$tmp/rec.err")"
line=$(grep '^lost events:' "$tmp/rec.out")
lost=$(echo "$line" | awk '{ print $3 }')
[ "$lost" -gt 0 ] || fail "a 4 KiB ring under a flood lost nothing? $line"
sum=$(echo "$line" | grep -o 'cpu[0-9]*=[0-9]*' | awk -F= '{ s += $2 } END { print s + 0 }')
[ "$sum" = "$lost" ] || fail "per-CPU loss does not add up to the total: $line"
loss_meta "$fdb" $n "$lost" || fail "--buffer-kb 4: meta lost_cpuN"
grep -q "events were lost" "$tmp/rec.err" || fail "no warning about the loss: $(cat "$tmp/rec.err")"
kernel_clean "--buffer-kb 4" $pid
# SIGINT and SIGTERM to vxanalyze mid-flood: the capture is stored, nothing stays
for sig in INT TERM; do
	n=$((n + 1))
	record_bg -d "$fdb" --backend ftrace -- ip netns exec p1 ping -q -f -w 20 10.244.2.7
	started $pid || fail "no instance vxanalyze-$pid while recording"
	sleep 1
	ls -d "$TMPDIR"/vxanalyze-$pid.* >/dev/null 2>&1 || fail "no spool vxanalyze-$pid.* in $TMPDIR while recording"
	kill -$sig $pid
	wait $pid
	rc=$?
	[ "$rc" = 0 ] || fail "record after SIG$sig mid-flood exited $rc: $(cat "$tmp/rec.err")"
	grep -q "^capture $n: " "$tmp/rec.out" || fail "SIG$sig mid-flood: capture not stored: $(cat "$tmp/rec.out")"
	# the command got the signal: ping dies of SIGTERM, and stops early (with its summary) on SIGINT
	if ! grep -q "^command: ip: killed by signal" "$tmp/rec.out"; then
		ms=$(sed -n 's/.*packets transmitted.* time \([0-9]*\)ms.*/\1/p' "$tmp/rec.out")
		[ -n "$ms" ] && [ "$ms" -lt 10000 ] || fail "SIG$sig did not stop the command: $(cat "$tmp/rec.out")"
	fi
	stored=$(awk '/^capture [0-9]+:/ { print $3 }' "$tmp/rec.out")
	[ "$stored" -gt 1000 ] || fail "SIG$sig mid-flood stored only $stored events"
	kernel_clean "SIG$sig mid-flood" $pid
done

echo "record-lab: ok"
