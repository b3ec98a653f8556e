#!/usr/bin/env bash
# deb.sh: `cpack -G DEB` in the build directory makes vxanalyze_<version>_<arch>.deb holding the
# binary (libperf linked in: no /opt/libperf at run time), vxanalyze-lab, the man page, the
# bash completion, the example queries and the copyright; its Depends, computed by
# dpkg-shlibdeps, name the runtime libraries and are met by this machine's packages. The
# package installs with `dpkg --root` into an empty root, where `vxanalyze --version` runs,
# `man -l` renders the page and the completion registers; `dpkg --root -r` removes it all.
# usage: deb.sh BUILD_DIR   (skips, 77, without cpack or dpkg)
set -u
build=$(cd "$1" && pwd)
for t in cpack dpkg dpkg-deb dpkg-shlibdeps; do
	command -v $t >/dev/null || { echo "SKIP: $t missing (apt-get install cmake dpkg-dev)"; exit 77; }
done
. "$(dirname "$0")/checks.sh"

version=$("$build/vxanalyze" --version | awk 'NR == 1 { print $2 }')
arch=$(dpkg --print-architecture)
(cd "$build" && cpack -G DEB -B "$tmp/pkg") >"$tmp/cpack.log" 2>&1 || { fail "cpack: $(tail -5 "$tmp/cpack.log")"; finish deb; }
deb=$tmp/pkg/vxanalyze_${version}_${arch}.deb
[ -s "$deb" ] && ok "cpack -G DEB made $(basename "$deb") ($(stat -c %s "$deb") bytes)" ||
	{ fail "no $(basename "$deb"): $(ls "$tmp/pkg")"; finish deb; }

dpkg-deb -c "$deb" | awk '{ print $6 }' > "$tmp/files"
for f in ./usr/bin/vxanalyze ./usr/bin/vxanalyze-lab ./usr/share/man/man1/vxanalyze.1 \
	 ./usr/share/bash-completion/completions/vxanalyze ./usr/share/vxanalyze/queries/drops-by-reason.sql \
	 ./usr/share/doc/vxanalyze/copyright; do
	grep -qx "$f" "$tmp/files" && ok "holds ${f#.}" || fail "lacks ${f#.}"
done
grep -q libperf "$tmp/files" && fail "ships a libperf file: $(grep libperf "$tmp/files")"

# Depends: computed from the binary's libraries, each met here (name, version)
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libtraceevent1 libtracefs1 libtracecmd1 libsqlite3-0 libzstd1 libbpf1 libcurl4 libc6; do
	echo "$depends" | grep -q "\b$lib\b" && ok "Depends names $lib" || fail "Depends lacks $lib: $depends"
done
echo "$depends" | grep -qi perf && fail "Depends names a libperf package: $depends"
echo "$depends" | tr ',' '\n' | while read -r alt; do
	met=0
	IFS='|' read -ra choices <<< "$alt"
	for c in "${choices[@]}"; do
		name=$(echo "$c" | awk '{ print $1 }')
		rel=$(echo "$c" | sed -n 's/.*(\([<>=]*\) *\([^)]*\)).*/\1 \2/p')
		have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null) || continue
		[ -z "$have" ] && continue
		if [ -n "$rel" ]; then
			set -- $rel
			op=$1; ver=$2
			case $op in '>=') op=ge ;; '<=') op=le ;; '>>') op=gt ;; '<<') op=lt ;; '=') op=eq ;; esac
			dpkg --compare-versions "$have" "$op" "$ver" || continue
		fi
		met=1
	done
	[ $met = 1 ] || echo "unmet: $alt"
done > "$tmp/unmet"
[ ! -s "$tmp/unmet" ] && ok "every Depends is met on this machine" || fail "$(cat "$tmp/unmet")"

# install into an empty root (its own dpkg database; the libraries are this machine's)
R=$tmp/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: > "$R/var/lib/dpkg/status"
dpkg --root="$R" --force-depends -i "$deb" >"$tmp/dpkg.log" 2>&1 || fail "dpkg -i: $(tail -3 "$tmp/dpkg.log")"
dpkg --root="$R" -s vxanalyze 2>/dev/null | grep -q "^Status: install ok installed" && ok "dpkg --root -i installed it" ||
	fail "dpkg --root -s: not installed"
vx=$R/usr/bin/vxanalyze
"$vx" --version > "$tmp/version" 2>&1 && grep -q "^vxanalyze $version" "$tmp/version" &&
	ok "vxanalyze --version: $(head -1 "$tmp/version")" || fail "--version: $(head -3 "$tmp/version")"
ldd "$vx" > "$tmp/ldd" 2>&1
grep -q "not found\|/opt/libperf" "$tmp/ldd" && fail "its libraries: $(grep "not found\|/opt/libperf" "$tmp/ldd")" ||
	ok "no library missing, none from /opt/libperf"
"$vx" import -q -d "$tmp/d.db" "$(dirname "$0")/../samples/vxlan-ping.trace" && "$vx" report -d "$tmp/d.db" |
	grep -q "encapsulation: vxlan" && ok "the installed binary imports and reports a sample" || fail "installed binary"
"$R/usr/bin/vxanalyze-lab" 2>&1 | grep -qi usage && ok "vxanalyze-lab prints its usage" || fail "vxanalyze-lab"
if command -v man >/dev/null; then
	man -l "$R/usr/share/man/man1/vxanalyze.1" > "$tmp/man.txt" 2>"$tmp/man.err" && [ ! -s "$tmp/man.err" ] &&
		grep -q "pcapng" "$tmp/man.txt" && ok "man -l renders the page" || fail "man -l: $(head -3 "$tmp/man.err")"
else
	echo "note: man missing, the page is not rendered (apt-get install man-db)"
fi
bash -c 'source "$1" && complete -p vxanalyze' _ "$R/usr/share/bash-completion/completions/vxanalyze" |
	grep -q "_vxanalyze vxanalyze" && ok "the completion registers for vxanalyze" || fail "completion"

dpkg --root="$R" -r vxanalyze >"$tmp/dpkg.log" 2>&1 || fail "dpkg -r: $(tail -3 "$tmp/dpkg.log")"
left=$(cd "$R" && find . -path ./var/lib/dpkg -prune -o \( -type f -print \))
[ -z "$left" ] && ok "dpkg --root -r removed every file" || fail "left after removal: $left"
finish "deb"
