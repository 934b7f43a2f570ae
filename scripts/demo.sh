#!/bin/sh
# Builds the demo workload without frame pointers (with SFrame), records it
# with call graphs and prints the top of the report: one command from a
# fresh checkout to a real profile.
set -eu
cd "$(dirname "$0")/.."
sft=${SFRAMETRACE:-}
if [ -z "$sft" ]; then
	if [ -x build/sframetrace ]; then sft=build/sframetrace; else sft=sframetrace; fi
fi
out=${DEMO_DIR:-build/demo}
mkdir -p "$out"
gcc -O2 -g -fomit-frame-pointer -Wa,--gsframe examples/demo.c -o "$out/demo"
"$sft" sframe --check "$out/demo"
"$sft" record -g -o "$out/perf.data" -- "$out/demo"
echo
# sframetrace's own reader arrives with its report command; until then the
# same file is shown by perf, which reads it as its own.
if "$sft" report --help >/dev/null 2>&1; then
	"$sft" report --stdio -i "$out/perf.data" --no-children | sed -n '1,40p'
else
	perf report --stdio -i "$out/perf.data" --no-children 2>/dev/null | grep -v '^$' | sed -n '1,40p'
fi
