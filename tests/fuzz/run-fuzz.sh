#!/usr/bin/env bash
# run-fuzz.sh: run every libFuzzer target of a -DVX_FUZZ=ON build for a bounded time each and
# print, per target, the executions, the corpus size reached and the crashes found.
# usage: tests/fuzz/run-fuzz.sh SECONDS [BUILD_DIR] [TARGET...]   (BUILD_DIR default build-asan)
# Seeds: tests/fuzz/seeds/<target>/ and, for file formats, the samples cut into small pieces
# (libFuzzer works best on inputs of a few kilobytes). Crash inputs are left in
# $VX_FUZZ_OUT (default /tmp/vxfuzz) as crash-*/timeout-*/leak-*/oom-*; a crash makes the
# script exit 1: reproduce with `BUILD_DIR/tests/fuzz/fuzz-TARGET FILE`, fix, then keep the
# file in tests/hostile/fuzz-TARGET/ so that ctest replays it forever. Artifacts written by a
# child process (trace.dat's libtracecmd reader) while the fuzzer survived are replayed and
# not counted when the replay passes.
# The random seed is fixed (VX_FUZZ_SEED, default 1): the same build explores the same inputs
# on every machine, so what CI runs is what a developer ran before landing (a slower machine
# runs a prefix of it). An input counts as hung after 30 s, the hostile suite's limit under
# ASan: a trace.dat input forks its reading process from a fuzzer process of a few hundred MB,
# so one input takes 1 to 5 s under ASan on this 2-core machine (a mutated sample that the
# release build imports in 0.12 s) and more on a loaded one: CI once stopped at 10 s.
# VX_FUZZ_SEED=0 lets libFuzzer pick a new seed, for longer explorations.
set -u
secs=${1:?usage: run-fuzz.sh SECONDS [BUILD_DIR] [TARGET...]}
build=${2:-build-asan}
shift; [ $# -gt 0 ] && shift
root=${VX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
out=${VX_FUZZ_OUT:-/tmp/vxfuzz}
seed=${VX_FUZZ_SEED:-1}
bin=$build/tests/fuzz
mkdir -p "$out"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$bin"/fuzz-*; do
		[ -x "$f" ] && targets+=("${f##*/fuzz-}")
	done
fi
[ ${#targets[@]} -gt 0 ] || { echo "run-fuzz: no fuzz targets in $bin; build with -DVX_FUZZ=ON" >&2; exit 2; }

# samples each target is seeded with (besides tests/fuzz/seeds/<target>)
samples_for() {
	case $1 in
	ftrace-text) ls "$root"/samples/*.trace "$root"/samples/*.trace_pipe 2>/dev/null ;;
	perf-script) ls "$root"/samples/*.perf-script* 2>/dev/null ;;
	perf-data) ls "$root"/samples/*.perf.data 2>/dev/null ;;
	trace-dat) ls "$root"/samples/*.trace.dat 2>/dev/null ;;
	kallsyms) ls "$root"/samples/*kallsyms* 2>/dev/null ;;
	store-merge) ls "$root"/samples/pair-*.db 2>/dev/null ;;	# 150 KB each, under max_len
	esac
}
is_text() { case $1 in ftrace-text|perf-script|kallsyms) return 0 ;; esac; return 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
lsan_supp=$root/tests/lsan.supp
[ -f "$lsan_supp" ] && export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$lsan_supp}

printf '%-14s %10s %10s %8s %8s  %s\n' target seconds execs corpus crashes notes
total_crashes=0
for t in "${targets[@]}"; do
	corpus=$out/corpus-$t
	arts=$out/artifacts-$t
	# a fresh corpus each run: a corpus left by an earlier run would change what is explored
	rm -rf "$arts" "$corpus"
	mkdir -p "$corpus" "$arts"
	[ -d "$root/tests/fuzz/seeds/$t" ] && cp "$root/tests/fuzz/seeds/$t"/* "$corpus/" 2>/dev/null
	[ -d "$root/tests/hostile/fuzz-$t" ] && cp "$root/tests/hostile/fuzz-$t"/* "$corpus/" 2>/dev/null
	for s in $(samples_for "$t"); do
		b=$(basename "$s")
		if is_text "$t"; then
			# pieces of ~3 KB at line boundaries
			split -C 3000 -d -a 4 "$s" "$corpus/$b."
		else
			cp "$s" "$corpus/$b"
		fi
	done
	log=$out/$t.log
	# binary captures only make sense whole (perf.data keeps its tracing data at the end)
	maxlen=65536
	is_text "$t" || [ "$t" = payload ] || [ "$t" = json-flat ] || maxlen=262144
	"$bin/fuzz-$t" "$corpus" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 \
		-max_len=$maxlen -seed="$seed" -print_final_stats=1 -artifact_prefix="$arts/" > "$log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}')
	ncorp=$(ls "$corpus" | wc -l)
	crashes=$(ls "$arts" | wc -l)
	notes=""
	if [ $rc -eq 0 ] && [ "$crashes" -gt 0 ]; then
		# the fuzzer itself survived: the artifacts were written by a child process (the
		# trace.dat importer reads through libtracecmd in a child that may crash, and the
		# parent turns that into a one-line error). Count only inputs whose replay fails.
		isolated=0
		for a in "$arts"/*; do
			if "$bin/replay-$t" "$a" > /dev/null 2>&1; then
				isolated=$((isolated + 1))
				rm -f "$a"
			fi
		done
		crashes=$((crashes - isolated))
		notes="$isolated crashes inside the isolated reader process, handled"
	fi
	if [ "$crashes" -gt 0 ] || [ $rc -ne 0 ]; then
		notes="rc=$rc, see $log and $arts${notes:+; $notes}"
		[ "$crashes" -eq 0 ] && crashes=1
	fi
	total_crashes=$((total_crashes + crashes))
	printf '%-14s %10s %10s %8s %8s  %s\n' "$t" "$secs" "${execs:-?}" "$ncorp" "$crashes" "$notes"
done
[ $total_crashes -eq 0 ]
