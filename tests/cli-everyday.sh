#!/usr/bin/env bash
# cli-everyday.sh: the everyday surface of every command: `help CMD` is `CMD --help`; exit
# status 0 ok, 1 error, 2 usage for every command; -q and -v before or after the command;
# --version names the libraries; the text report is coloured only on a terminal, never with
# NO_COLOR or --color=never, always with --color=always; the import progress bar shows under
# a pseudo-terminal (script -qc) and never in a pipe or with -q.
# usage: cli-everyday.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
. "$(dirname "$0")/checks.sh"
db=$tmp/e.db
ESC=$(printf '\033')
commands="import report query diff captures record probes clean"

"$vx" import -q -d "$db" "$samples/vxlan-ping.trace" || { echo "FAIL: import"; exit 1; }

# --- help ---
for c in $commands; do
	"$vx" help "$c" >"$tmp/a" 2>&1; ra=$?
	"$vx" "$c" --help >"$tmp/b" 2>&1; rb=$?
	if [ $ra = 0 ] && [ $rb = 0 ] && cmp -s "$tmp/a" "$tmp/b" && grep -q "^usage: vxanalyze $c " "$tmp/a"; then
		ok "help $c = $c --help"
	else
		fail "help $c ($ra) differs from $c --help ($rb)"
	fi
	"$vx" "$c" -h | cmp -s - "$tmp/b" || fail "$c -h differs from $c --help"
	"$vx" --help | grep -q "^  $c " || fail "vxanalyze --help does not list $c"
	# every option the help lists is accepted by the command (no usage error)
	for o in $(grep -o -- '--[a-z][a-z-]*' "$tmp/b" | sort -u); do
		"$vx" "$c" "$o" --help >/dev/null 2>&1
		[ $? = 2 ] && ! "$vx" "$c" "$o" x --help >/dev/null 2>&1 && [ $? = 2 ] &&
			fail "$c --help lists $o but $c refuses it"
	done
done
"$vx" help frobnicate >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "'frobnicate' is not a vxanalyze command" "$tmp/err" && ok "help of no command: exit 2" ||
	fail "help frobnicate"
"$vx" help >/dev/null && ok "help alone: exit 0" || fail "help alone"

# --- exit status: 2 for every kind of usage error, on every command ---
for c in $commands; do
	"$vx" "$c" --no-such-option >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && grep -q "unknown option '--no-such-option'" "$tmp/err" || fail "$c --no-such-option exited $rc"
done
expect() {
	local want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ $rc = "$want" ] && ok "exit $want: ${*#$vx }" || fail "'$*' exited $rc, wanted $want: $(head -2 "$tmp/err")"
}
expect 2 "$vx"
expect 2 "$vx" --frobnicate
expect 2 "$vx" import -d "$db"
expect 2 "$vx" import -d
expect 2 "$vx" report -d "$db" --capture x
expect 2 "$vx" report -d "$db" -n many
expect 2 "$vx" report -d "$db" --color=sometimes
expect 2 "$vx" report -d "$db" extra
expect 2 "$vx" captures -d "$db" --delete abc
expect 2 "$vx" captures -d "$db" extra
expect 2 "$vx" query -d "$db"
expect 2 "$vx" record -d "$db"
expect 2 "$vx" record --backend nope -- true
expect 2 "$vx" probes extra
expect 2 "$vx" clean extra
expect 1 "$vx" report -d "$tmp/none.db"
expect 1 "$vx" captures -d "$tmp/none.db"
expect 1 "$vx" query -d "$db" "SELECT nope"
expect 1 "$vx" import -d "$db" "$tmp/none.trace"
expect 1 "$vx" captures -d "$db" --delete 99
expect 0 "$vx" captures -d "$db"
expect 0 "$vx" query -d "$db" "SELECT 1"

# --- version ---
"$vx" --version >"$tmp/v"
sqlite_v=$(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')
if grep -q "^vxanalyze [0-9]" "$tmp/v" && grep -q "^sqlite  *$sqlite_v (running" "$tmp/v" &&
   grep -q "^libtraceevent  *$(pkg-config --modversion libtraceevent) " "$tmp/v" &&
   grep -q "^libtracefs  *$(pkg-config --modversion libtracefs) " "$tmp/v" &&
   grep -q "^libtracecmd  *$(pkg-config --modversion libtracecmd) " "$tmp/v" && grep -q "build time" "$tmp/v"; then
	ok "--version: sqlite $sqlite_v, trace libraries from pkg-config"
else
	fail "--version: $(cat "$tmp/v")"
fi

# --- -q and -v, before or after the command ---
{ cat "$samples/vxlan-ping.trace"; echo "this line is no trace event"; } >"$tmp/cut.trace"
"$vx" import -d "$tmp/w.db" "$tmp/cut.trace" >/dev/null 2>"$tmp/err"
grep -q "warning:" "$tmp/err" || fail "the cut trace gives no warning (test premise)"
for args in "-q import" "import -q" "--quiet import" "import --quiet"; do
	# shellcheck disable=SC2086
	"$vx" ${args% *} ${args#* } -d "$tmp/w.db" "$tmp/cut.trace" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 0 ] && [ ! -s "$tmp/err" ] && [ ! -s "$tmp/out" ] && ok "'$args' silences warnings" ||
		fail "'$args' (exit $rc) printed: $(cat "$tmp/err" "$tmp/out")"
done
"$vx" -q report -d "$tmp/none.db" 2>"$tmp/err"
[ $? = 1 ] && grep -q "error:" "$tmp/err" && ok "-q keeps errors" || fail "-q hid an error"
for args in "-v query" "query -v"; do
	# shellcheck disable=SC2086
	"$vx" $args -d "$db" "SELECT 1" >/dev/null 2>"$tmp/err"
	grep -q "^vxanalyze: 1 rows in" "$tmp/err" && ok "'$args' says more" || fail "'$args': $(cat "$tmp/err")"
done
"$vx" -v import -d "$tmp/v.db" "$samples/route.trace" 2>&1 >/dev/null | grep -q "route.trace: [0-9.]* s" &&
	ok "-v import times it" || fail "-v import"
"$vx" report -d "$db" >"$tmp/short"
"$vx" -v report -d "$db" >"$tmp/long"
[ "$(wc -l <"$tmp/long")" -gt "$(wc -l <"$tmp/short")" ] && ok "-v before report: whole stacks" || fail "-v report"
"$vx" captures -v -d "$db" | grep -q "imported at" && ok "captures -v" || fail "captures -v"

# --- colour ---
has_color() { grep -q "$ESC\[" "$1"; }
"$vx" report -d "$db" >"$tmp/plain"
has_color "$tmp/plain" && fail "colour in a pipe" || ok "no colour in a pipe"
"$vx" report -d "$db" --color=always >"$tmp/col"
if has_color "$tmp/col" && grep -q "${ESC}\[1;31m  the packet went back up into the IP layer" "$tmp/col"; then
	ok "--color=always colours (the IP re-entry in bold red)"
else
	fail "--color=always did not colour"
fi
sed "s/$ESC\[[0-9;]*m//g" "$tmp/col" | cmp -s - "$tmp/plain" && ok "colours change nothing else" ||
	fail "the coloured report differs from the plain one beyond colours"
NO_COLOR=1 "$vx" report -d "$db" --color=always | has_color /dev/stdin && ok "--color=always beats NO_COLOR" ||
	fail "--color=always lost to NO_COLOR"
if command -v script >/dev/null; then
	# under a pseudo-terminal: colour by default, none with NO_COLOR or --color=never
	TERM=xterm script -qec "$vx report -d $db" /dev/null >"$tmp/tty" </dev/null
	has_color "$tmp/tty" && ok "colour on a terminal" || fail "no colour on a terminal"
	TERM=xterm NO_COLOR=1 script -qec "$vx report -d $db" /dev/null >"$tmp/tty" </dev/null
	has_color "$tmp/tty" && fail "colour on a terminal despite NO_COLOR" || ok "NO_COLOR honoured on a terminal"
	TERM=xterm script -qec "$vx report -d $db --color=never" /dev/null >"$tmp/tty" </dev/null
	has_color "$tmp/tty" && fail "colour with --color=never" || ok "--color=never on a terminal"

	# --- progress bar: under a pty (forced at once by VX_PROGRESS_DELAY_MS=0), never in a pipe ---
	big=$samples/vxlan-ping.trace
	TERM=xterm VX_PROGRESS_DELAY_MS=0 script -qec "$vx import -d $tmp/p1.db $big >/dev/null" /dev/null \
		>"$tmp/pty" </dev/null
	if grep -q "vxlan-ping.trace \[####################\] 100% .* of .*/s" "$tmp/pty" && grep -q "$ESC\[K" "$tmp/pty"; then
		ok "progress bar on a terminal"
	else
		fail "no progress bar under a pty: $(od -c "$tmp/pty" | head -5)"
	fi
	TERM=xterm script -qec "$vx import -d $tmp/p2.db $big >/dev/null" /dev/null >"$tmp/pty" </dev/null
	grep -q "%" "$tmp/pty" && fail "progress bar before the one-second delay" || ok "no bar for an import under a second"
	TERM=xterm VX_PROGRESS_DELAY_MS=0 script -qec "$vx import -q -d $tmp/p3.db $big" /dev/null >"$tmp/pty" </dev/null
	grep -q "%" "$tmp/pty" && fail "progress bar despite -q" || ok "no bar with -q"
	# the perf.data reader reads with pread: its offset reaches the bar too
	TERM=xterm VX_PROGRESS_DELAY_MS=0 script -qec "$vx import -d $tmp/p4.db --kallsyms $samples/vxlan-ping.kallsyms $samples/vxlan-ping.perf.data >/dev/null" /dev/null \
		>"$tmp/pty" </dev/null
	grep -q "vxlan-ping.perf.data \[[#.]*\] *[0-9]*% " "$tmp/pty" && ok "progress bar for perf.data" ||
		fail "no progress bar for perf.data: $(od -c "$tmp/pty" | head -3)"
else
	echo "note: script(1) missing: terminal checks skipped"
fi
VX_PROGRESS_DELAY_MS=0 "$vx" import -d "$tmp/p5.db" "$samples/vxlan-ping.trace" 2>"$tmp/err" >/dev/null
[ -s "$tmp/err" ] && fail "progress output in a pipe: $(od -c "$tmp/err" | head -3)" || ok "no bar in a pipe"

finish "everyday"
