#!/usr/bin/env bash
# cli-errors.sh: bad input gets a one-line error naming the file and a non-zero exit, and
# the database stays consistent (nothing half-imported).
# usage: cli-errors.sh VXANALYZE SAMPLES_DIR
set -u
vx=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/t.db

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS PATTERN CMD...: exit status STATUS, stderr one line matching PATTERN
expect() {
	local want=$1 pat=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	local got=$?
	[ "$got" = "$want" ] || fail "'$*' exited $got, wanted $want; stderr: $(cat "$tmp/err")"
	grep -q -- "$pat" "$tmp/err" || fail "'$*': stderr does not match '$pat': $(cat "$tmp/err")"
	grep -q "Segmentation\|Aborted\|AddressSanitizer" "$tmp/err" && fail "'$*' crashed"
	return 0
}

expect 1 "nothing.trace: cannot open: No such file" "$vx" import -d "$db" "$tmp/nothing.trace"
printf 'Dear reader,\nthis is a letter.\n' > "$tmp/letter.txt"
expect 1 "letter.txt: not a capture vxanalyze can read" "$vx" import -d "$db" "$tmp/letter.txt"
: > "$tmp/empty"
expect 1 "empty: empty file" "$vx" import -d "$db" "$tmp/empty"
expect 1 "is a directory" "$vx" import -d "$db" "$tmp"
expect 2 "unknown format 'nope'" "$vx" import -d "$db" --format nope "$samples/route.trace"
expect 2 "'frobnicate' is not a vxanalyze command" "$vx" frobnicate
expect 1 "no such database" "$vx" report -d "$tmp/none.db"
expect 2 "unknown report format 'pdf'" "$vx" report -d "$db" --format pdf
[ -e "$tmp/none.db" ] && fail "report created a database"

# one good and one bad file: the good one is imported, the bad one reported, exit 1
expect 1 "letter.txt: not a capture" "$vx" import -d "$db" "$samples/route.trace" "$tmp/letter.txt"
n=$("$vx" captures -d "$db" | tail -n +2 | wc -l)
[ "$n" = 1 ] || fail "expected exactly one capture after a partly failed import, got $n"
expect 1 "no capture 42" "$vx" report -d "$db" --capture 42

# a truncated trace imports what is complete
head -c 20000 "$samples/vxlan-ping.trace" > "$tmp/cut.trace"
"$vx" import -d "$db" "$tmp/cut.trace" > "$tmp/out" 2> "$tmp/err" || fail "truncated text trace was refused"

# a foreign file as database
printf 'not sqlite at all, but long enough to be looked at...........................\n' > "$tmp/foreign.db"
expect 1 "foreign.db" "$vx" report -d "$tmp/foreign.db"

# a report that cannot be written leaves no file behind
expect 1 "cannot write" "$vx" report -d "$db" -o "$tmp/no/such/dir/r.txt"

# help tells the truth: every format listed by the import help is accepted by --format
for f in $("$vx" import --help | sed -n '/^formats:/,$p' | tail -n +2 | awk '{print $1}'); do
	"$vx" import -d "$tmp/h.db" --format "$f" "$tmp/letter.txt" > /dev/null 2>&1
	[ $? -ne 2 ] || fail "import --help lists format $f but --format refuses it"
done
for f in $("$vx" report --help | sed -n '/^formats:/,$p' | tail -n +2 | awk '{print $1}'); do
	if [ "$f" = pcapng ]; then
		# packet bytes come from kprobes, and this capture has none: a clean error (1), not 2
		"$vx" report -d "$db" --format pcapng -o "$tmp/r.$f" 2>/dev/null
		[ $? = 1 ] || fail "report --format pcapng without bytes: not the one-line error"
		continue
	fi
	"$vx" report -d "$db" --format "$f" -o "$tmp/r.$f" || fail "report --help lists format $f but it fails"
done
# a bad --filter is a usage error (2) that points at its column, before the database is read
expect 2 "filter: column 6: expected an address after 'host'" "$vx" report -d "$db" --filter "host bogus"
expect 2 "filter: column 7: expected ')'" "$vx" report -d "$db" --filter "(encap"
# import/record --filter: the same one-line usage error, before anything is read or recorded
n0=$("$vx" captures -d "$db" | tail -n +2 | wc -l)
expect 2 "filter: column 16: expected 'and', 'or' or the end" "$vx" import -d "$db" --filter "icmp and dev x y" \
	"$samples/vxlan-ping.trace"
expect 2 "filter: column 1: expected host" "$vx" record -d "$db" --filter "and" -- true
n=$("$vx" captures -d "$db" | tail -n +2 | wc -l)
[ "$n" = "$n0" ] || fail "a bad --filter added a capture ($n0 -> $n)"
echo "cli-errors: ok"
