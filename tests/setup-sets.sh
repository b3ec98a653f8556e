#!/usr/bin/env bash
# setup-sets.sh: the two sets of .ci/setup. The user set (--user: building and running) names
# none of the test tools, and none of them comes in through its dependencies (the closure of
# Depends and Pre-Depends that apt-get --no-install-recommends installs, from apt-cache); the
# full set (the default) is the user set plus every test tool; .ci/run uses the full set and
# the README's first command the user set.
# usage: setup-sets.sh SOURCE_DIR   (the closure is skipped without apt-cache)
set -u
src=$1
. "$(dirname "$0")/checks.sh"
setup=$src/.ci/setup
tools="chromium clang llvm libclang-rt-14-dev tshark wireshark-common graphviz clickhouse-server
       clickhouse-client curl libcmocka-dev linux-perf trace-cmd python3 sqlite3 groff-base"

bash "$setup" --user --list | awk '{ print $1 }' | sort -u > "$tmp/user" || fail ".ci/setup --user --list"
bash "$setup" --list | awk '{ print $1 }' | sort -u > "$tmp/full" || fail ".ci/setup --list"
printf '%s\n' $tools | sort -u > "$tmp/tools"
[ -s "$tmp/user" ] && [ -s "$tmp/full" ] || fail "empty package lists"
both=$(comm -12 "$tmp/user" "$tmp/tools")
[ -z "$both" ] && ok "the user set names no test tool ($(wc -l < "$tmp/user") packages)" ||
	fail "the user set names test tools: $both"
for need in build-essential cmake pkg-config libtraceevent-dev libtracefs-dev libtracecmd-dev libsqlite3-dev \
	    libzstd-dev libbpf-dev libcurl4-openssl-dev linux-source-6.12; do
	grep -qx "$need" "$tmp/user" || fail "the user set lacks $need (building needs it)"
done
missing=$(comm -23 "$tmp/user" "$tmp/full")
[ -z "$missing" ] && ok "the full set holds the user set" || fail "the full set lacks $missing"
missing=$(comm -23 "$tmp/tools" "$tmp/full" | grep -v wireshark-common)
[ -z "$missing" ] && ok "the full set holds every test tool" || fail "the full set lacks $missing"
bash "$setup" --bogus >/dev/null 2>&1
[ $? = 2 ] && ok "an unknown option is a usage error" || fail ".ci/setup --bogus"

# what apt would bring in for the user set: Depends and Pre-Depends, recursively
if command -v apt-cache >/dev/null; then
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
		--no-enhances $(cat "$tmp/user") 2>/dev/null | grep -v '^ ' | tr -d '<>' | sort -u > "$tmp/closure"
	if [ "$(wc -l < "$tmp/closure")" -gt "$(wc -l < "$tmp/user")" ]; then
		both=$(comm -12 "$tmp/closure" "$tmp/tools")
		[ -z "$both" ] && ok "no test tool among the $(wc -l < "$tmp/closure") packages the user set pulls in" ||
			fail "the user set pulls in test tools: $both"
	else
		echo "note: apt-cache knows too little here (no apt lists?): the dependency closure is not checked"
	fi
fi

# who uses which set
grep -q 'bash .ci/setup &&' "$src/.ci/run" && ! grep -q -- '--user' "$src/.ci/run" &&
	ok ".ci/run installs the full set" || fail ".ci/run does not run the full .ci/setup"
if [ -f "$src/README.md" ]; then
	grep -q 'bash .ci/setup --user' "$src/README.md" && ok "the README's set-up command installs the user set" ||
		fail "the README's set-up command is not 'bash .ci/setup --user'"
fi
finish "setup-sets"
