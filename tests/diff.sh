#!/usr/bin/env bash
# diff.sh: `vxanalyze diff` on real captures (samples/capture-diff.sh): the lab's ping over
# VXLAN against the same ping with direct routing names the right paths and shapes (the
# double trip and the encapsulated underlay transmit only in the VXLAN capture, the direct
# forward only in the other), in text, JSON and HTML; a capture compared with itself shows
# no change; per-hop p50 changes and --threshold; bad ids and usage errors; exit codes.
# usage: diff.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
. "$(dirname "$0")/checks.sh"
db=$tmp/d.db

# 1 = VXLAN, 2 = direct routing, 3 = the older VXLAN ping (another run, same lab)
"$vx" import -q -d "$db" "$samples/diff-vxlan.trace" "$samples/diff-direct.trace" "$samples/vxlan-ping.trace" ||
	{ echo "FAIL: import"; exit 1; }

# --- VXLAN (A) against direct routing (B), text ---
"$vx" diff -d "$db" 1 2 >"$tmp/t" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ ! -s "$tmp/err" ] && ok "diff 1 2: exit 0, nothing on stderr" || fail "diff 1 2: exit $rc, $(cat "$tmp/err")"
grep -A1 "^double trip (encapsulation, then back up into IP): only in A$" "$tmp/t" |
	grep -q "^  (6 journeys, 2 paths), not in B$" &&
	ok "text: the double trip is only in the VXLAN capture" || fail "text: double trip line: $(grep '^double' "$tmp/t")"
grep -A2 -- "^  - only in A journeys 3 -> 0, 11 hops, vxlan, double trip$" "$tmp/t" |
	grep -q "vxlan.calico 98 xmit > *$" && grep -q "^        eth0 148 xmit > eth0 134 rx" "$tmp/t" &&
	ok "text: the 11-hop encapsulated shape (vxlan.calico 98, eth0 148) is only in A" ||
	fail "text: the encapsulated shape"
grep -A2 -- "^  + only in B journeys 0 -> 3, 9 hops$" "$tmp/t" |
	grep -q "eth0 98 xmit > cali1 84 rx > cali1 84 recv > eth0 98 xmit > eth0 84 rx >" &&
	ok "text: the 9-hop directly routed shape (forwarded out of eth0 at 98 bytes) is only in B" ||
	fail "text: the direct shape"
grep -A7 -- "^  - only in A net:net_dev_start_xmit, events 6 -> 0, vxlan, double trip$" "$tmp/t" |
	tr '\n' ' ' | tr -s ' ' | grep -q "dev_hard_start_xmit > vxlan_xmit > vxlan_xmit_one > iptunnel_xmit > ip_output >" &&
	ok "text: the underlay transmit inside vxlan_xmit is a path only in A" || fail "text: the vxlan path"
grep -q "^the captures differ" "$tmp/t" && ok "text: says the captures differ" || fail "text: no verdict"

# --- the same in JSON, and reversed ---
"$vx" diff -d "$db" --format json 1 2 >"$tmp/j" || fail "diff --format json 1 2"
"$vx" diff -d "$db" -f json 2 1 >"$tmp/r" || fail "diff -f json 2 1"
python3 - "$tmp/j" "$tmp/r" <<'PY' && ok "json: paths, shapes, double trip; B against A mirrors A against B" || fail "json"
import json, sys
d, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert d["a"]["id"] == 1 and d["b"]["id"] == 2 and d["changed"] is True
assert d["double_trip"] == {"a": True, "b": False, "changed": True}, d["double_trip"]
assert d["a"]["journeys_reenter"] == 6 and d["b"]["journeys_encap"] == 0
def devs(s): return [(h["dev"], h["len"]) for h in s["hops"]]
gone = [s for s in d["shapes"] if s["status"] == "removed" and s["reenters_ip_after_encap"]]
assert len(gone) == 2 and all(("eth0", 148) in devs(s) and s["encap"] == "vxlan" for s in gone), gone
new = [s for s in d["shapes"] if s["status"] == "added" and len(s["hops"]) == 9]
assert len(new) == 2 and all(s["count_b"] == 3 and s["count_a"] == 0 for s in new), new
assert not any(h["dev"] == "vxlan.calico" for s in new for h in s["hops"])
assert devs(new[0])[:5] in ([("eth0", 98), ("cali1", 84), ("cali1", 84), ("eth0", 98), ("eth0", 84)],
                            [("eth0", 98), ("cali2", 84), ("cali2", 84), ("eth0", 98), ("eth0", 84)]), new[0]
vx = [p for p in d["paths"] if "iptunnel_xmit" in p["frames"]]
assert vx and all(p["status"] == "removed" and p["count_b"] == 0 for p in vx), vx
assert any(p["reenters_ip_after_encap"] and p["event"] == "net:net_dev_start_xmit" for p in vx)
assert not any("vxlan_xmit" in p["frames"] for p in d["paths"] if p["count_b"])
assert d["paths_summary"]["removed"] == sum(p["status"] == "removed" for p in d["paths"]) >= 5
# the pod's transmit from raw_sendmsg is the same path in both
assert any(p["status"] == "same" and "raw_sendmsg" in p["frames"] for p in d["paths"])
# reversed: what was removed is added
flip = {"added": "removed", "removed": "added", "same": "same", "changed": "changed"}
assert r["double_trip"] == {"a": False, "b": True, "changed": True}
assert {k: r["shapes_summary"][flip[k]] for k in flip} == d["shapes_summary"]
assert {k: r["paths_summary"][flip[k]] for k in flip} == d["paths_summary"]
PY

# --- a capture compared with itself ---
for c in 1 2; do
	"$vx" diff -d "$db" --exit-code $c $c >"$tmp/s" 2>&1; rc=$?
	if [ $rc = 0 ] && grep -q "^no change" "$tmp/s" && grep -q "^paths (event + stack): 0 only in A, 0 only in B, 0 changed, [1-9][0-9]* same$" "$tmp/s" &&
	   grep -A1 "^shapes .*: 0 only in A, 0 only in B, 0 changed,$" "$tmp/s" | grep -q "^  [1-9][0-9]* same$" &&
	   ! grep -q "^  [-+~] " "$tmp/s"; then
		ok "diff $c $c: no change (text, --exit-code 0)"
	else
		fail "diff $c $c: exit $rc: $(head -20 "$tmp/s")"
	fi
	"$vx" diff -d "$db" -f json $c $c | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["changed"] is False and not d["double_trip"]["changed"]
assert all(x["status"] == "same" and x["count_a"] == x["count_b"] for x in d["paths"] + d["shapes"])
assert not any(h["changed"] for s in d["shapes"] for h in s["hops"])
assert d["paths_summary"]["same"] == len(d["paths"]) > 0 and d["shapes_summary"]["same"] == len(d["shapes"]) > 0
' && ok "diff -f json $c $c: every path and shape the same" || fail "diff -f json $c $c"
done

# --- per-hop p50 latency: two VXLAN runs have the same shapes at other speeds ---
"$vx" diff -d "$db" 3 1 >"$tmp/l" || fail "diff 3 1"
grep -q "^  ~ changed   journeys 3 -> 3, 11 hops, vxlan, double trip$" "$tmp/l" && grep -q "^      hop [0-9]* .*: p50 .* -> .* since the previous hop$" "$tmp/l" &&
	ok "two VXLAN runs: same shapes, p50 changes named per hop" || fail "latency changes: $(grep -c hop "$tmp/l")"
"$vx" diff -d "$db" --threshold 1000 3 1 >"$tmp/l2" || fail "diff --threshold 1000"
! grep -q "p50 .* -> " "$tmp/l2" && grep -q "^  2 same$" "$tmp/l2" &&
	ok "--threshold 1000: no latency change, the shapes are the same" || fail "--threshold 1000"

# --- HTML ---
"$vx" diff -d "$db" --html -o "$tmp/d.html" 1 2 || fail "diff --html -o"
grep -q "Content-Security-Policy" "$tmp/d.html" && ! grep -qi "<script" "$tmp/d.html" &&
	grep -q "The double trip through IP (encapsulation, then back up into IP) is only in A" "$tmp/d.html" &&
	grep -q 'class="st removed">only in A' "$tmp/d.html" && grep -q 'class="st added">only in B' "$tmp/d.html" &&
	grep -q "<li>iptunnel_xmit</li>" "$tmp/d.html" && [ ! -e "$tmp/d.html.tmp" ] &&
	ok "html: one page, no script, double trip and statuses" || fail "html"
"$vx" diff -d "$db" -f html 2 2 | grep -q "No change" && ok "html: self-diff says no change" || fail "html self-diff"

# --- errors and exit codes ---
"$vx" diff -d "$db" --exit-code 1 2 >/dev/null; rc=$?
[ $rc = 3 ] && ok "--exit-code: 3 when the captures differ" || fail "--exit-code gave $rc"
"$vx" diff -d "$db" 1 99 >"$tmp/o" 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && [ ! -s "$tmp/o" ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "no capture 99; 'vxanalyze captures' lists them" "$tmp/err" &&
	ok "unknown capture: exit 1, one line" || fail "unknown capture: exit $rc: $(cat "$tmp/err")"
"$vx" diff -d "$tmp/none.db" 1 2 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && [ ! -e "$tmp/none.db" ] && ok "missing database: exit 1, not created" || fail "missing database: $rc"
for args in "1" "1 2 3" "1 x" "0 1" "-t 0 1 2" "-f svg 1 2" "--frob 1 2"; do
	# shellcheck disable=SC2086
	"$vx" diff -d "$db" $args >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc = 2 ] && grep -q "^vxanalyze: error: \|^vxanalyze: " "$tmp/err" && ok "diff $args: usage error 2" ||
		fail "diff $args: exit $rc: $(head -1 "$tmp/err")"
done

finish "diff"
