#!/bin/sh
# Run a libFuzzer target for a fixed time over a COPY of its committed corpus,
# so new inputs and crash artifacts land in the build tree, never in the
# source tree. Usage: run-fuzz.sh FUZZER CORPUS_DIR WORK_DIR SECONDS [ARGS...]
set -eu
if [ $# -lt 4 ]; then
	echo "usage: $0 FUZZER CORPUS_DIR WORK_DIR SECONDS [LIBFUZZER_ARGS...]" >&2
	exit 2
fi
fuzzer=$1 corpus=$2 work=$3 secs=$4
shift 4
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/"
echo "$fuzzer -max_total_time=$secs -timeout=5 -rss_limit_mb=2048 -artifact_prefix=$work/artifacts/ $* $work/corpus"
exec "$fuzzer" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/corpus"
