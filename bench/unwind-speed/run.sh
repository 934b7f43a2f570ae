#!/bin/sh
# Report-time unwinding speed: `sframetrace report` unwinding stack copies
# with SFrame against `perf report` unwinding them with DWARF CFI, on the
# same FP-less workload (work.c, -O2 -g -fomit-frame-pointer -Wa,--gsframe)
# recorded once by each tool with the same stack size, frequency and event:
#
#   perf record        --call-graph dwarf,STACK  -F FREQ -e EVENT  -> perf.data
#   sframetrace record --call-graph sframe,STACK -F FREQ -e EVENT  -> sft.data
#
# Then, for two option sets (`--stdio --no-children -g none`, g-none, and
# `--stdio`, default: children and call graphs), RUNS runs of each of these
# reports, alternating, after one warm-up run of each:
#
#   perf@perf    perf report on perf.data (perf's DWARF unwinder)
#   sft@sft      sframetrace report on sft.data (SFrame, then CFI, then FP)
#   sftcfi@sft   sframetrace report --unwinder dwarf on sft.data (CFI only)
#   perf@sft     perf report on sft.data (perf unwinds our copies)
#   sft@perf     sframetrace report on perf.data (DWARF CFI only: its default
#                for a dwarf recording)
#
# and prints median wall and CPU times, peak RSS, the perf/sframetrace
# ratios, frames unwound per second (frames from `report --unwind-stats`
# over the report's median wall time), and whether the g-none rows of the
# two tools agree on the same file (also with sframetrace --no-inline). perf report with -g none does not
# unwind at all; sframetrace unwinds every stack copy whatever the options,
# so g-none is perf's cheapest case against sframetrace's full cost.
#
#   bench/unwind-speed/run.sh [BUILD_DIR]
#
# Environment: RUNS (default 5), FREQ (default 4000), DURATION (CPU seconds
# of the workload, default 4), STACK (stack copy bytes, default 8192),
# EVENT (default cpu-clock), SFT (sframetrace binary, default
# BUILD_DIR/sframetrace), PERF (perf), REUSE=1 keeps existing recordings.
# Everything stays in BUILD_DIR/bench/unwind-speed/ (the summary in
# results.txt); the last lines of the output are the command lines behind
# every number.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/../common.sh"
runs=${RUNS:-5}
freq=${FREQ:-4000}
duration=${DURATION:-4}
stack=${STACK:-8192}
event=${EVENT:-cpu-clock}
reuse=${REUSE:-0}


out=$build/bench/unwind-speed
mkdir -p "$out"
work=$out/work
pdata=$out/perf.data
sdata=$out/sft.data
# Rebuilt only when the source changed: a new binary under kept
# recordings (REUSE=1) would not match what they recorded.
src=$root/bench/unwind-speed/work.c
if [ ! -x "$work" ] || [ -n "$(find "$src" -newer "$work")" ]; then
	gcc -O2 -g -fomit-frame-pointer -Wa,--gsframe -o "$work" "$src"
fi

# --- the recordings --------------------------------------------------------
perf_rec="$perf record -q --call-graph dwarf,$stack -F $freq -e $event -o $pdata -- $work $duration"
sft_rec="$sft record -q --call-graph sframe,$stack -F $freq -e $event -o $sdata -- $work $duration"

# nsamples FILE: SAMPLE records, as perf counts them.
nsamples() {
	"$perf" report --stats -i "$1" 2>/dev/null | awk '/SAMPLE events:/ { print $3; exit }'
}

if [ "$reuse" = 1 ] && [ -s "$pdata" ] && [ -s "$sdata" ]; then
	echo "# reusing $pdata and $sdata" >&2
else
	echo "# recording: $perf_rec" >&2
	$perf_rec >/dev/null 2>"$out/record.err" || { cat "$out/record.err" >&2; exit 1; }
	echo "# recording: $sft_rec" >&2
	$sft_rec >/dev/null 2>"$out/record.err" || { cat "$out/record.err" >&2; exit 1; }
fi
p_samples=$(nsamples "$pdata")
s_samples=$(nsamples "$sdata")

# frames FILE [OPTIONS]: frames unwound over the whole file, from
# --unwind-stats ("N frames: ..."), and the samples that reached the
# outermost frame, as "FRAMES OUTERMOST SAMPLES".
frames() {
	f=$1
	shift
	"$sft" report -i "$f" --unwind-stats "$@" >"$out/stats.tmp" 2>/dev/null ||
		{ echo "$sft report -i $f --unwind-stats $* failed" >&2; exit 1; }
	awk '/samples unwound/ { n = $1 } /reached the outermost/ { o = $1 }
		/ frames: / { f = $1 } END { printf "%d %d %d\n", f, o, n }' "$out/stats.tmp"
}
read -r s_frames s_outer s_unw <<EOF
$(frames "$sdata")
EOF
read -r c_frames c_outer c_unw <<EOF
$(frames "$sdata" --unwinder dwarf)
EOF
read -r sp_frames sp_outer sp_unw <<EOF
$(frames "$pdata")
EOF
echo "$sft report -i $sdata --unwind-stats [--unwinder dwarf]" >"$out/commands"
echo "$sft report -i $pdata --unwind-stats" >>"$out/commands"

# --- the reports -----------------------------------------------------------
# one NAME CMD...: one run of CMD; its output in NAME.out, and
# "wall_s cpu_s peak_rss_kB" appended to NAME.times. Wall time from date
# around the run (time's %e has 10 ms steps); CPU time (user + sys) and
# peak RSS from /usr/bin/time: on a loaded machine CPU time is the
# steadier number.
one() {
	name=$1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f "%U %S %M" -o "$out/$name.t" "$@" >"$out/$name.out" 2>"$out/$name.err" || {
		echo "$name: '$*' failed:" >&2
		cat "$out/$name.err" >&2
		exit 1
	}
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000)) $(cat "$out/$name.t")" |
		awk '{ printf "%.3f %.2f %d\n", $1 / 1000, $2 + $3, $4 }' >>"$out/$name.times"
}

# median FILE COLUMN
median() {
	sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# rows FILE: the report's lines without '#' comments and blank lines.
rows() {
	grep -v '^#' "$1" | grep -v '^[[:space:]]*$' | sed 's/[[:space:]]*$//' || true
}

# run_cmd CONFIG SET OPTIONS...: the command of one configuration.
configs="perf@perf sft@sft sftcfi@sft perf@sft sft@perf"
run_cmd() {
	c=$1
	s=$2
	shift 2
	case $c in
	perf@perf) one "$c-$s" "$perf" report -i "$pdata" "$@" ;;
	sft@sft) one "$c-$s" "$sft" report -i "$sdata" "$@" ;;
	sftcfi@sft) one "$c-$s" "$sft" report -i "$sdata" --unwinder dwarf "$@" ;;
	perf@sft) one "$c-$s" "$perf" report -i "$sdata" "$@" ;;
	sft@perf) one "$c-$s" "$sft" report -i "$pdata" "$@" ;;
	esac
}

# option_set NAME OPTIONS...: a warm-up run of each configuration, then
# RUNS rounds of all of them in turn.
sets=
option_set() {
	s=$1
	shift
	for c in $configs; do
		run_cmd "$c" "$s" "$@"
	done
	for c in $configs; do
		: >"$out/$c-$s.times"
	done
	i=0
	while [ $i -lt "$runs" ]; do
		for c in $configs; do
			run_cmd "$c" "$s" "$@"
		done
		i=$((i + 1))
	done
	echo "$perf report -i $pdata $*" >>"$out/commands"
	echo "$sft report -i $sdata $*" >>"$out/commands"
	echo "$sft report -i $sdata --unwinder dwarf $*" >>"$out/commands"
	echo "$perf report -i $sdata $*" >>"$out/commands"
	echo "$sft report -i $pdata $*" >>"$out/commands"
	sets="$sets $s"
}

# agree A B: do the rows of two outputs agree? (diff in A_vs_B.diff)
agree() {
	rows "$out/$1.out" >"$out/$1.rows"
	rows "$out/$2.out" >"$out/$2.rows"
	diff "$out/$1.rows" "$out/$2.rows" >"$out/$1_vs_$2.diff" || true
	nd=$(grep -c '^[<>]' "$out/$1_vs_$2.diff" || true)
	nr=$(wc -l <"$out/$1.rows")
	if [ "$nd" -eq 0 ]; then
		echo "yes ($nr rows)"
	else
		echo "NO: $nd lines of $nr rows differ ($out/$1_vs_$2.diff)"
	fi
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
option_set g-none --stdio --no-children -g none
option_set default --stdio
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# Untimed: sframetrace names a sample after the innermost inlined function
# at its ip, perf report after the symbol; --no-inline shows whether that
# is the only difference.
one noinl@sft-g-none "$sft" report -i "$sdata" --stdio --no-children -g none --no-inline
one noinl@perf-g-none "$sft" report -i "$pdata" --stdio --no-children -g none --no-inline
echo "$sft report -i $sdata|$pdata --stdio --no-children -g none --no-inline" >>"$out/commands"

# col CONFIG SET COLUMN: median of one column (1 wall, 2 cpu); peak RSS in MB.
col() { median "$out/$1-$2.times" "$3"; }
mb() { sort -n -k3,3 "$out/$1-$2.times" | tail -1 | awk '{ printf "%.0f", $3 / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

{
	echo "# unwind-speed $(date -u '+%Y-%m-%d %H:%M UTC'): $(uname -r), $(nproc) CPUs" \
		"($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $("$perf" version)"
	echo "# sframetrace $("$sft" --version 2>/dev/null | awk '{ print $NF }')" \
		"(tree $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)," \
		"$(awk -F= '/^CMAKE_BUILD_TYPE:/ { t = $2 } END { print t ? t : "RelWithDebInfo" }' \
			"$build/CMakeCache.txt" 2>/dev/null)): $sft"
	echo "# perf.data: $(du -m "$pdata" | cut -f1) MB, $p_samples samples;" \
		"sft.data: $(du -m "$sdata" | cut -f1) MB, $s_samples samples"
	echo "# frames unwound by sframetrace: sft.data $s_frames ($s_outer/$s_unw samples to the" \
		"outermost frame), sft.data --unwinder dwarf $c_frames ($c_outer/$c_unw)," \
		"perf.data $sp_frames ($sp_outer/$sp_unw)"
	echo "# $runs runs of each report per option set, alternating, after one warm-up run each;" \
		"load average $load_before before, $load_after after"
	echo
	printf '%-10s %-12s %8s %8s %7s\n' options report wall_s cpu_s MB
	for s in $sets; do
		for c in $configs; do
			printf '%-10s %-12s %8s %8s %7s\n' "$s" "$c" "$(col "$c" "$s" 1)" \
				"$(col "$c" "$s" 2)" "$(mb "$c" "$s")"
		done
	done
	echo
	printf '%-44s %-15s %-15s\n' "perf/sframetrace (wall, cpu)" g-none default
	line() {
		printf '%-44s' "$1"
		for s in $sets; do
			printf ' %-15s' "$(ratio "$(col "$2" "$s" 1)" "$(col "$3" "$s" 1)") $(ratio "$(col "$2" "$s" 2)" "$(col "$3" "$s" 2)")"
		done
		echo
	}
	line "each on its own file (perf@perf/sft@sft)" perf@perf sft@sft
	line "our file (perf@sft/sft@sft)" perf@sft sft@sft
	line "perf's file (perf@perf/sft@perf)" perf@perf sft@perf
	line "perf vs our CFI unwinder (perf@perf/sftcfi@sft)" perf@perf sftcfi@sft
	line "our CFI vs SFrame (sftcfi@sft/sft@sft)" sftcfi@sft sft@sft
	echo
	printf '%-44s' "frames/s, sframetrace (frames / median wall)"
	for s in $sets; do
		printf ' %-15s' "$(awk -v f="$s_frames" -v t="$(col sft@sft "$s" 1)" 'BEGIN { printf "%.0f", (t > 0 ? f / t : 0) }')"
	done
	echo
	printf '%-44s' "frames/s, same file, --unwinder dwarf"
	for s in $sets; do
		printf ' %-15s' "$(awk -v f="$c_frames" -v t="$(col sftcfi@sft "$s" 1)" 'BEGIN { printf "%.0f", (t > 0 ? f / t : 0) }')"
	done
	echo
	echo
	echo "g-none rows agree, same file:"
	echo "  sft.data  (perf@sft vs sft@sft):     $(agree perf@sft-g-none sft@sft-g-none)"
	echo "  perf.data (perf@perf vs sft@perf):   $(agree perf@perf-g-none sft@perf-g-none)"
	echo "  sft.data, sframe vs dwarf unwinder:  $(agree sft@sft-g-none sftcfi@sft-g-none)"
	echo "  sft.data,  sframetrace --no-inline:  $(agree perf@sft-g-none noinl@sft-g-none)"
	echo "  perf.data, sframetrace --no-inline:  $(agree perf@perf-g-none noinl@perf-g-none)"
	echo
	echo "# g-none: --stdio --no-children -g none; default: --stdio (children, call graphs)"
	echo "# wall: median seconds (date +%s%N around each run); cpu: median user+sys (/usr/bin/time);"
	echo "# MB: largest peak RSS. Ratios > 1: sframetrace is faster. perf report -g none does not"
	echo "# unwind; sframetrace report always does."
	echo "#   $perf_rec"
	echo "#   $sft_rec"
	sed 's/^/#   /' "$out/commands"
	echo "# reproduce: RUNS=$runs FREQ=$freq DURATION=$duration STACK=$stack EVENT=$event $0 $build"
} >"$out/results.txt"
cat "$out/results.txt"
