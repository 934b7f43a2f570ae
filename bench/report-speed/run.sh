#!/bin/sh
# Speed and memory of `sframetrace report --stdio` against `perf report
# --stdio` on one large perf.data file recorded by perf: a multi-process,
# frame-pointer-built workload with call chains (perf record -g -e
# cpu-clock), at least MIN_SAMPLES samples. Both reports run with the same
# options, alternating, RUNS times per option set; the script prints median
# wall time, the perf/sframetrace ratio, peak RSS, whether the two outputs
# agree, and the command lines behind every number; the same block is
# left in BUILD_DIR/bench/report-speed/results.txt.
#
#   bench/report-speed/run.sh [BUILD_DIR]
#
# Environment: RUNS (default 5), FREQ (default 20000), DURATION (CPU
# seconds each workload process runs, default 4), CHILDREN (workload
# processes, default 4; samples come to about FREQ*DURATION*CHILDREN),
# MIN_SAMPLES (default 200000; fewer is an error), EVENT (default
# cpu-clock), SFT (sframetrace binary, default BUILD_DIR/sframetrace),
# PERF (perf), REUSE=1 keeps an existing recording with enough samples.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/../common.sh"
runs=${RUNS:-5}
freq=${FREQ:-20000}
duration=${DURATION:-4}
children=${CHILDREN:-4}
min_samples=${MIN_SAMPLES:-200000}
event=${EVENT:-cpu-clock}
reuse=${REUSE:-0}


out=$build/bench/report-speed
mkdir -p "$out"
work=$out/work
data=$out/perf.data
# Rebuilt only when the source changed: a new binary under a kept
# recording (REUSE=1) would not match the build id perf recorded.
src=$root/bench/report-speed/work.c
if [ ! -x "$work" ] || [ -n "$(find "$src" -newer "$work")" ]; then
	gcc -O2 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -o "$work" "$src"
fi

# --- the recording ---------------------------------------------------------
record_cmd="$perf record -q -g -e $event -F $freq -o $data -- $work $duration $children"

# samples FILE: "SAMPLES CHAINED FRAMES" -- all samples, those whose call
# chain has at least two entries, and the entries over all samples, as perf
# script prints them (one line per entry, a blank line after each sample).
samples() {
	total=$("$perf" report --stats -i "$1" 2>/dev/null | awk '/SAMPLE events:/ { print $3; exit }')
	"$perf" script -F ip -i "$1" 2>/dev/null | awk -v total="${total:-0}" '
		NF { d++; frames++; next }
		{ if (d >= 2) chained++; d = 0 }
		END { if (d >= 2) chained++; printf "%d %d %d\n", total, chained, frames }'
}

if [ "$reuse" = 1 ] && [ -s "$data" ] && [ -s "$out/samples" ] &&
	[ "$(cut -d' ' -f2 "$out/samples")" -ge "$min_samples" ]; then
	echo "# reusing $data" >&2
else
	echo "# recording: $record_cmd" >&2
	$record_cmd >/dev/null 2>"$out/record.err" || { cat "$out/record.err" >&2; exit 1; }
	samples "$data" >"$out/samples"
fi
read -r n_samples n_chained n_frames <"$out/samples"
"$perf" evlist -v -i "$data" 2>/dev/null | grep -q 'sample_type:.*CALLCHAIN' ||
	{ echo "$data: samples have no call chains" >&2; exit 1; }
if [ "$n_chained" -lt "$min_samples" ]; then
	echo "$data: $n_chained samples with call chains, fewer than $min_samples;" \
		"raise DURATION or FREQ" >&2
	exit 1
fi

# --- the reports -----------------------------------------------------------
# one NAME CMD...: one run of CMD under /usr/bin/time, its output in
# NAME.out, "wall_s peak_rss_kB" appended to NAME.times. The wall time is
# taken with date around the run: time's %e has only 10 ms steps, coarse
# for runs of a few tenths of a second; the peak RSS is time's %M.
one() {
	name=$1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f "%M" -o "$out/$name.t" "$@" >"$out/$name.out" 2>"$out/$name.err" || {
		echo "$name: '$*' failed:" >&2
		cat "$out/$name.err" >&2
		exit 1
	}
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000)) $(cat "$out/$name.t")" |
		awk '{ printf "%.3f %d\n", $1 / 1000, $2 }' >>"$out/$name.times"
}

# median FILE COLUMN
median() {
	sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# rows FILE: the report's lines without perf's comments and blank lines,
# which hold the header, the tips and nothing measured.
rows() {
	grep -v '^#' "$1" | grep -v '^[[:space:]]*$' || true
}

# entries FILE: only the entry lines (percentages first), sorted, so a
# different order of equal entries or a different call-graph tree below
# them does not hide whether the entries themselves agree.
entries() {
	grep -E '^ +[0-9.]+%' "$1" | sed 's/[[:space:]]*$//' | sort || true
}

# option_set NAME OPTIONS...: RUNS runs of each report with OPTIONS, alternating,
# after one warm-up run of each (not counted) so both read a cached file.
results=
option_set() {
	set_name=$1
	shift
	: >"$out/perf-$set_name.times"
	: >"$out/sft-$set_name.times"
	one "perf-$set_name" "$perf" report -i "$data" "$@"
	one "sft-$set_name" "$sft" report -i "$data" "$@"
	: >"$out/perf-$set_name.times"
	: >"$out/sft-$set_name.times"
	i=0
	while [ $i -lt "$runs" ]; do
		one "perf-$set_name" "$perf" report -i "$data" "$@"
		one "sft-$set_name" "$sft" report -i "$data" "$@"
		i=$((i + 1))
	done
	echo "$perf report -i $data $*" >>"$out/commands"
	echo "$sft report -i $data $*" >>"$out/commands"
	rows "$out/perf-$set_name.out" >"$out/perf-$set_name.rows"
	rows "$out/sft-$set_name.out" >"$out/sft-$set_name.rows"
	diff "$out/perf-$set_name.rows" "$out/sft-$set_name.rows" >"$out/$set_name.diff" || true
	entries "$out/perf-$set_name.out" >"$out/perf-$set_name.entries"
	entries "$out/sft-$set_name.out" >"$out/sft-$set_name.entries"
	diff "$out/perf-$set_name.entries" "$out/sft-$set_name.entries" >"$out/$set_name.entries.diff" || true
	results="$results $set_name"
}

# report SET: one result line per option set.
report() {
	s=$1
	pw=$(median "$out/perf-$s.times" 1)
	sw=$(median "$out/sft-$s.times" 1)
	pm=$(sort -n -k2,2 "$out/perf-$s.times" | tail -1 | cut -d' ' -f2)
	sm=$(sort -n -k2,2 "$out/sft-$s.times" | tail -1 | cut -d' ' -f2)
	nd=$(grep -c '^[<>]' "$out/$s.diff" || true)
	ne=$(grep -c '^[<>]' "$out/$s.entries.diff" || true)
	nr=$(wc -l <"$out/perf-$s.rows")
	if [ "$nd" -eq 0 ]; then
		agree="yes ($nr lines)"
	elif [ "$ne" -eq 0 ]; then
		agree="entries yes, $nd/$nr lines differ"
	else
		agree="NO: $nd/$nr lines, $ne entry lines differ"
	fi
	awk -v s="$s" -v pw="$pw" -v sw="$sw" -v pm="$pm" -v sm="$sm" -v agree="$agree" 'BEGIN {
		printf "%-10s %8.3f %8.3f %8.2fx %9.0f %9.0f   %s\n", s, pw, sw, pw / sw,
			pm / 1024, sm / 1024, agree }'
}

# Measure first, then write the summary to results.txt and print it.
: >"$out/commands"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
option_set g-none --stdio --no-children -g none -s comm,dso,sym
option_set default --stdio
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "# report-speed $(date -u '+%Y-%m-%d %H:%M UTC'): $(uname -r), $(nproc) CPUs" \
		"($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $("$perf" version)"
	echo "# sframetrace $("$sft" --version 2>/dev/null | awk '{ print $NF }')" \
		"(tree $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)): $sft"
	echo "# recording: $(du -m "$data" | cut -f1) MB, $n_samples samples, $n_chained with call chains" \
		"of 2+ entries, $(awk -v f="$n_frames" -v n="$n_samples" 'BEGIN { printf "%.1f", n ? f / n : 0 }') entries per sample"
	echo "# $runs runs of each report per option set, alternating, after one warm-up run each;" \
		"load average $load_before before, $load_after after"
	printf '\n%-10s %8s %8s %9s %9s %9s   %s\n' options perf_s sft_s perf/sft perf_MB sft_MB "outputs agree"
	for s in $results; do
		report "$s"
	done
	echo
	echo "# g-none:  --stdio --no-children -g none -s comm,dso,sym"
	echo "# default: --stdio (--children, call graphs)"
	echo "# times: median wall seconds (date +%s%N around each run); MB: largest peak RSS of any run"
	echo "# (/usr/bin/time -f %M); perf/sft > 1: sframetrace is faster. Outputs are compared without"
	echo "# '#' and blank lines (diff in $out/SET.diff), and as sorted entry lines alone, which"
	echo "# ignores order and call-graph trees ($out/SET.entries.diff)."
	echo "#   $record_cmd"
	sed 's/^/#   /' "$out/commands"
	echo "# reproduce: RUNS=$runs FREQ=$freq DURATION=$duration CHILDREN=$children EVENT=$event $0 $build"
} >"$out/results.txt"
cat "$out/results.txt"
