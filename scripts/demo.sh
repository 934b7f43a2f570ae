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
"$sft" report --stdio -i "$out/perf.data" --no-children | sed -n '1,40p'
