#!/bin/sh
# Runs libFuzzer targets: usage run.sh BUILD_DIR SECONDS TARGET...
#
# For each target it first replays every input of fuzz/corpus/<target>
# (seeds and the inputs of crashes found before, which must pass now),
# then fuzzes for SECONDS seconds.  New inputs go to
# BUILD_DIR/corpus/<target>, a crash input to BUILD_DIR/crashes/.  Exits
# non-zero on the first target that crashes, leaks or fails a check.
set -eu
build=$1
seconds=$2
shift 2

mkdir -p "$build/crashes"
for target in "$@"; do
	bin="$build/fuzz_$target"
	seeds="fuzz/corpus/$target"
	work="$build/corpus/$target"
	mkdir -p "$work"

	echo "fuzz: $target: replaying $(ls "$seeds" | wc -l) corpus inputs"
	"$bin" -runs=0 "$seeds" >"$build/$target.replay.log" 2>&1 || {
		tail -n 40 "$build/$target.replay.log"
		echo "fuzz: $target: a corpus input fails"
		exit 1
	}

	echo "fuzz: $target: fuzzing for $seconds s"
	"$bin" -max_total_time="$seconds" -max_len=12288 -timeout=10 \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix="$build/crashes/$target-" \
	    "$work" "$seeds" >"$build/$target.log" 2>&1 || {
		tail -n 60 "$build/$target.log"
		echo "fuzz: $target: crash; input in $build/crashes/"
		exit 1
	}
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' \
	    "$build/$target.log" | sed "s/^/fuzz: $target: /"
done
