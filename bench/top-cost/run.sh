#!/bin/sh
# What top costs: CPU time (user + system) of `perf top --stdio` and of
# `sframetrace top --stdio` over the same SECS seconds, system-wide, at the
# same rate, on the same busy workload (one spinning process per CPU), in
# three settings: no call graphs (`plain`), frame-pointer call graphs
# (`fp`), and stack copies (`copy`: perf --call-graph dwarf,8192,
# sframetrace --call-graph sframe,8192). Prints each tool's CPU seconds,
# the share of one CPU, the samples it lost, and sframetrace/perf.
#
#   bench/top-cost/run.sh [BUILD_DIR]
#
# Environment: SECS (default 10), FREQ (default 4000), CONFIGS (default
# "plain fp copy"), SFT, PERF.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/../common.sh"
secs=${SECS:-10}
freq=${FREQ:-4000}
configs=${CONFIGS:-plain fp copy}
[ "$(id -u)" -eq 0 ] || [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 0 ] ||
	{ echo "system-wide top needs root or perf_event_paranoid <= 0" >&2; exit 1; }

out=$build/bench/top-cost
mkdir -p "$out"
work=$out/work
# Frame pointers for the fp setting, .sframe for the copy setting where the assembler has it.
gcc -O2 -fno-omit-frame-pointer -Wa,--gsframe -o "$work" "$root/bench/top-cost/work.c" 2>/dev/null ||
	gcc -O2 -fno-omit-frame-pointer -o "$work" "$root/bench/top-cost/work.c"

args_of() { # CONFIG TOOL: the call-graph arguments
	case $1/$2 in
	plain/*) ;;
	fp/*) echo "--call-graph fp" ;;
	copy/perf) echo "--call-graph dwarf,8192" ;;
	copy/sft) echo "--call-graph sframe,8192" ;;
	esac
}

# measure NAME TOOL-CMD...: run the workload for SECS + 4 s, the tool for
# SECS s (stopped with SIGINT) under /usr/bin/time; NAME.cpu gets user+sys.
measure() {
	name=$1
	shift
	"$work" $((secs + 4)) >/dev/null &
	wpid=$!
	sleep 1
	# perf top --stdio reads keys from stdin: give it one that stays open and silent.
	sleep $((secs + 3)) | /usr/bin/time -f "%U %S" -o "$out/$name.t" \
		timeout -s INT "$secs" "$@" >"$out/$name.out" 2>"$out/$name.err" || true
	wait "$wpid"
	# (time says first when the command exited non-zero: timeout's 124 does)
	tail -n 1 "$out/$name.t" | awk '{ printf "%.2f\n", $1 + $2 }' >"$out/$name.cpu"
	echo "$*" >"$out/$name.cmd"
}

# lost NAME: the total of the last "lost: X/TOTAL" header.
lost_of() {
	grep -o 'lost: [0-9]*/[0-9]*' "$out/$1.out" | tail -n 1 | sed 's,.*/,,'
}

echo "# top-cost: $(uname -r), $(nproc) CPUs, $("$perf" version), sframetrace $("$sft" --version 2>/dev/null | awk '{ print $NF }')"
echo "# workload: $work (one busy process per CPU); each tool -a -F $freq -e cpu-clock --stdio for $secs s"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-8s %12s %12s %10s %10s %10s %10s %9s\n' config perf_cpu_s sft_cpu_s perf_%cpu sft_%cpu perf_lost sft_lost sft/perf
for c in $configs; do
	# shellcheck disable=SC2046
	measure "$c.perf" "$perf" top --stdio -a -F "$freq" -e cpu-clock -d 2 $(args_of "$c" perf)
	# shellcheck disable=SC2046
	measure "$c.sft" "$sft" top --stdio -a -F "$freq" -e cpu-clock -d 2 $(args_of "$c" sft)
	p=$(cat "$out/$c.perf.cpu")
	s=$(cat "$out/$c.sft.cpu")
	awk -v c="$c" -v p="$p" -v s="$s" -v t="$secs" -v pl="$(lost_of "$c.perf")" -v sl="$(lost_of "$c.sft")" 'BEGIN {
		printf("%-8s %12.2f %12.2f %9.1f%% %9.1f%% %10s %10s %8.2fx\n", c, p, s,
			100 * p / t, 100 * s / t, pl == "" ? "?" : pl, sl == "" ? "?" : sl, p > 0 ? s / p : 0) }'
done
echo
echo "# commands (each under: sleep | /usr/bin/time -f '%U %S' timeout -s INT $secs ...):"
for c in $configs; do
	echo "#   $(cat "$out/$c.perf.cmd")"
	echo "#   $(cat "$out/$c.sft.cmd")"
done
echo "# outputs in $out"
