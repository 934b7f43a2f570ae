#!/bin/sh
# Ring buffer overflow: with one-page buffers (-m 1), a high rate and user
# stack copies, the kernel drops samples and says so with PERF_RECORD_LOST.
# record must count them in its summary (the same total perf finds in the
# file), keep the samples that fit, and still write a file perf reads with
# exit 0 and no complaint other than the lost chunks themselves.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) when perf, gcc with
# --gsframe or perf_event_open is missing, or nothing was lost.
set -u
. "$(dirname "$0")/record-common.sh"

need_perf
need_perf_event
build_prog hot

# file_lost FILE: "RECORDS TOTAL" of the PERF_RECORD_LOST records in FILE.
file_lost() {
	perf report -D -i "$1" 2>/dev/null |
		sed -n 's/.*PERF_RECORD_LOST: .*lost:\([0-9]*\).*/\1/p' |
		awk '{ n++; s += $1 } END { print n + 0, s + 0 }'
}

# 1. Samples that fit a page, more of them than the reader keeps up with.
f=$tmp/lost.data
"$SFT_BIN" record -e cpu-clock -m 1 -F 50000 --call-graph dwarf,2048 -o "$f" -- "$tmp/hot" 1000 \
	>"$tmp/lost.out" 2>"$tmp/lost.err"
rc=$?
[ $rc -eq 0 ] || bad "record exited $rc: $(head -n 3 "$tmp/lost.err")"
grep -q "throttling" "$tmp/lost.err" && echo "note: $(grep throttling "$tmp/lost.err")"
s=$(summary_field "$tmp/lost.err" samples)
m=$(summary_field "$tmp/lost.err" lost)
[ -n "$m" ] || { echo "FAIL: no summary line: $(cat "$tmp/lost.err")"; exit 1; }
if [ "$m" -eq 0 ]; then
	skip "nothing was lost with -m 1 at 50 kHz (this machine keeps up)"
fi
set -- $(file_lost "$f")
echo "summary: $s samples, $m lost; file: $1 LOST records totalling $2"
[ "$1" -gt 0 ] || bad "the summary says $m lost but the file has no LOST record"
[ "$2" -eq "$m" ] || bad "the summary says $m lost, the file's LOST records add up to $2"
n=$(perf_samples "$f")
[ "${n:-x}" = "$s" ] || bad "the summary says $s samples, perf counts ${n:-?}"
[ "${n:-0}" -gt 100 ] || bad "only ${n:-no} samples kept"
run_perf_lost lost.report "$m" report -i "$f" --stdio
grep -Eq "hot +\[\.\] hot_inner" "$tmp/lost.report.out" || bad "perf report lacks hot_inner"
run_perf_lost lost.script "$m" script -i "$f"
run_perf lost.header report --header-only -i "$f"

# 2. Samples bigger than the whole buffer: every one is lost, and the
# file is still well-formed (perf then has no samples to report).
f=$tmp/all-lost.data
"$SFT_BIN" record -e cpu-clock -m 1 -F 20000 --call-graph dwarf,65528 -o "$f" -- "$tmp/hot" 300 \
	>"$tmp/all.out" 2>"$tmp/all.err"
rc=$?
[ $rc -eq 0 ] || bad "dwarf,65528 -m 1: record exited $rc: $(head -n 3 "$tmp/all.err")"
s=$(summary_field "$tmp/all.err" samples)
m=$(summary_field "$tmp/all.err" lost)
echo "dwarf,65528 -m 1: summary: ${s:-?} samples, ${m:-?} lost"
[ "${s:-x}" = 0 ] || bad "dwarf,65528 -m 1: ${s:-?} samples kept, want 0 (a sample is larger than a page)"
[ "${m:-0}" -gt 100 ] || bad "dwarf,65528 -m 1: only ${m:-?} lost"
set -- $(file_lost "$f")
[ "$2" -eq "${m:-0}" ] || bad "dwarf,65528 -m 1: the summary says ${m:-?} lost, the file's LOST records add up to $2"
run_perf all.header report --header-only -i "$f"
run_perf_lost all.stats "${m:-0}" report --stats -i "$f"

finish "record counts lost events and writes a readable file"
