#!/bin/sh
# `sframetrace report --stdio` agrees with `perf report --stdio` on files
# sframetrace record wrote: `record -g --call-graph fp` and `record` without
# a call graph, of hot and of a shell running two renamed copies of it in
# parallel (all frame-pointer builds). Each file gets the comparisons of
# report-perf-agree.sh: the same rows in the same order with the same
# percentages, and the same "# Samples:" and "# Event count" lines, for self
# and children overhead sorted by comm,dso,sym / dso,sym / comm,pid, and the
# default call-graph output with --no-children.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when perf,
# gcc or perf_event_open is missing.
set -u
. "$(dirname "$0")/report-common.sh"

need_perf
need_perf_event
build_fp hot hot
cp "$tmp/hot" "$tmp/hot_a" && cp "$tmp/hot" "$tmp/hot_b" || exit 1
cd "$tmp" || exit 1

multi="./hot_a 300 & ./hot_b 300 & wait"

sft_record fp -g --call-graph fp -e cpu-clock -o "$tmp/fp.data" -- ./hot 400
sft_record mfp -g --call-graph fp -e cpu-clock -o "$tmp/mfp.data" -- sh -c "$multi"
sft_record none -e cpu-clock -o "$tmp/none.data" -- ./hot 400
sft_record mnone -e cpu-clock -o "$tmp/mnone.data" -- sh -c "$multi"

for f in fp mfp none mnone; do
	echo "$f.data: $(perf_samples "$tmp/$f.data") samples"
done

# The files are what record was asked for: perf sees call chains in the
# fp files and none in the others.
for f in fp mfp none mnone; do
	perf evlist -v -i "$tmp/$f.data" >"$tmp/$f.evlist" 2>/dev/null
	case $f in
	*fp) grep -q "sample_type:.*CALLCHAIN" "$tmp/$f.evlist" ||
		bad "$f.data: perf evlist shows no CALLCHAIN: $(cat "$tmp/$f.evlist")" ;;
	*) grep -q "sample_type:.*CALLCHAIN" "$tmp/$f.evlist" &&
		bad "$f.data: perf evlist shows CALLCHAIN: $(cat "$tmp/$f.evlist")" ;;
	esac
done

compare_report_set "record -g fp, hot" "$tmp/fp.data"
compare_report_set "record -g fp, two processes" "$tmp/mfp.data"
compare_report_set "record, hot" "$tmp/none.data"
compare_report_set "record, two processes" "$tmp/mnone.data"

# The two-process files must really hold both copies.
for f in mfp mnone; do
	perf report --stdio -i "$tmp/$f.data" --no-children -g none -s comm >"$tmp/$f.comms" 2>/dev/null
	for c in hot_a hot_b; do
		report_rows "$tmp/$f.comms" | grep -Eq "^ +[0-9.]+% +$c\$" ||
			bad "$f.data: perf report shows no samples of comm $c: the workload did not run as meant"
	done
done

finish "sframetrace report agrees with perf report on sframetrace record's files (fp, none)"
