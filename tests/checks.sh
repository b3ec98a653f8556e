# checks.sh: sourced by the test scripts that run many checks and fail at the end (not run by
# itself): a temporary directory $tmp removed on exit, `ok MSG` and `fail MSG` that print
# and count, and `finish NAME` that exits 1 when a check failed.
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
finish() {
	[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
	echo "all $1 checks passed"
}
