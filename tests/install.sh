#!/usr/bin/env bash
# install.sh: `cmake --install BUILD --prefix P` puts the binary, the lab script as
# vxanalyze-lab, the man page and the bash completion where man and bash-completion look;
# the man page renders without a groff warning and documents every option of every
# command's --help (both come from src/cli/help.c); the completion offers commands, options,
# --format values, presets and the capture ids of the database.
# usage: install.sh BUILD_DIR SAMPLES_DIR
set -u
build=$1
samples=$2
. "$(dirname "$0")/checks.sh"
P=$tmp/prefix

cmake --install "$build" --prefix "$P" >"$tmp/install.log" 2>&1 || { echo "FAIL: cmake --install: $(tail -3 "$tmp/install.log")"; exit 1; }
vx=$P/bin/vxanalyze
man1=$P/share/man/man1/vxanalyze.1
comp=$P/share/bash-completion/completions/vxanalyze
for f in "$vx" "$P/bin/vxanalyze-lab"; do [ -x "$f" ] && ok "installed $f" || fail "$f missing or not executable"; done
for f in "$man1" "$comp" "$P/share/vxanalyze/queries/drops-by-reason.sql"; do
	[ -s "$f" ] && ok "installed ${f#$P/}" || fail "${f#$P/} missing"
done
"$P/bin/vxanalyze-lab" 2>&1 | grep -q "usage\|Usage" && ok "vxanalyze-lab runs (prints its usage)" ||
	fail "vxanalyze-lab does not run"
"$vx" --version >/dev/null || fail "the installed binary does not run"

# --- the man page ---
if command -v groff >/dev/null; then
	groff -man -Tutf8 -ww -z "$man1" 2>"$tmp/groff.err"
	[ $? = 0 ] && [ ! -s "$tmp/groff.err" ] && ok "groff -man -ww: no warning" ||
		fail "groff warns: $(head -5 "$tmp/groff.err")"
	groff -man -Tutf8 -rLL=100n -P-cbou "$man1" 2>/dev/null >"$tmp/man.txt"
	for c in import report query captures record probes clean; do
		grep -q "^   $c$" "$tmp/man.txt" || fail "man page has no section for $c"
		for o in $("$vx" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			grep -q -- "$o" "$tmp/man.txt" || fail "man page lacks $c's option $o"
		done
	done
	tr -s ' \n' ' ' <"$tmp/man.txt" >"$tmp/man.flat"
	grep -q "EXIT STATUS 0 success 1 an error: .* 2 a usage error" "$tmp/man.flat" &&
	   grep -q "ENVIRONMENT NO_COLOR when set" "$tmp/man.flat" &&
		ok "man page: every option of every --help, exit status, environment" || fail "man page sections"
else
	echo "note: groff missing, rendering not checked (apt-get install groff-base)"
fi
if command -v man >/dev/null; then
	MANPATH=$P/share/man man -w vxanalyze 2>/dev/null | grep -q "$man1" && ok "man finds it under the prefix" ||
		fail "man -w vxanalyze does not find $man1"
	man -l "$man1" >/dev/null 2>"$tmp/man.err" && [ ! -s "$tmp/man.err" ] && ok "man -l renders" ||
		fail "man -l: $(head -3 "$tmp/man.err")"
fi

# --- bash completion ---
db=$tmp/c.db
"$vx" import -q -d "$db" "$samples/vxlan-ping.trace" "$samples/route.trace" || fail "import for completion"
complete_line() {
	PATH=$P/bin:$PATH bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
		_vxanalyze 2>/dev/null
		echo "${COMPREPLY[*]}"' _ "$comp" "$@"
}
check() {
	local want=$1
	shift
	local got
	got=$(complete_line "$@")
	[ "$got" = "$want" ] && ok "complete '$*' -> $want" || fail "complete '$*' gave '$got', wanted '$want'"
}
bash -n "$comp" || fail "the completion script is not valid bash"
check "report record" vxanalyze re
check "query" vxanalyze -q qu
check "text json html dot folded chrome pcapng" vxanalyze report --format ""
check "ftrace-text perf-data perf-script trace-dat" vxanalyze import -f ""
check "table csv json" vxanalyze query --format ""
check "vxlan route all none" vxanalyze record --preset ""
check "auto always never" vxanalyze report --color = ""
check "1 2" vxanalyze report -d "$db" --capture ""
check "2" vxanalyze captures --db "$db" --delete 2
check "--db --delete --verbose --quiet --help" vxanalyze captures --
check "--capture --color" vxanalyze report --c
check "clean" vxanalyze help cl
check "diff" vxanalyze di
check "text json html" vxanalyze diff --format ""
check "1 2" vxanalyze diff -d "$db" ""
check "1 2" vxanalyze diff -d "$db" 1 ""
PATH=$P/bin:$PATH bash -c 'source "$1"; complete -p vxanalyze' _ "$comp" | grep -q "_vxanalyze vxanalyze" &&
	ok "complete -F _vxanalyze vxanalyze" || fail "the script does not register the completion"

finish "install"
