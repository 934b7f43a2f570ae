#!/bin/sh
# Overhead of `sframetrace record` against `perf record` on the same
# FP-less CPU-bound workload, same event, same rate, comparable call-graph
# mode. Prints medians of RUNS runs per configuration, the slowdown of each
# recorder against the plain run, the sframetrace/perf ratio, file size and
# bytes per sample, and the command lines behind every number.
#
#   bench/record-overhead/run.sh [BUILD_DIR]
#
# Environment: RUNS (default 5), FREQ (default 4000), ROUNDS (workload
# size, default 300000, about 2 s here), EVENT (default cpu-clock),
# SFT (sframetrace binary, default BUILD_DIR/sframetrace), PERF (perf).
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/../common.sh"
runs=${RUNS:-5}
freq=${FREQ:-4000}
rounds=${ROUNDS:-300000}
event=${EVENT:-cpu-clock}


out=$build/bench/record-overhead
mkdir -p "$out"
work=$out/work
gcc -O2 -fomit-frame-pointer -Wa,--gsframe -o "$work" "$root/bench/record-overhead/work.c"

# measure NAME CMD...: run CMD $runs times; NAME.times gets "wall user+sys"
# per run. The recorders write $out/NAME.data (kept for inspection).
measure() {
	name=$1
	shift
	: >"$out/$name.times"
	i=0
	while [ $i -lt "$runs" ]; do
		/usr/bin/time -f "%e %U %S" -o "$out/$name.t" "$@" >/dev/null 2>"$out/$name.err" || {
			echo "$name: '$*' failed:" >&2
			cat "$out/$name.err" >&2
			exit 1
		}
		awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$out/$name.t" >>"$out/$name.times"
		i=$((i + 1))
	done
}

# median FILE COLUMN
median() {
	sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

samples_of() {
	"$perf" report --stats -i "$1" 2>/dev/null | awk '/SAMPLE events:/ { print $3; exit }'
}

# The plain run is measured around each pair as well, so a drifting
# machine load shows up in the numbers rather than in the ratios.
echo "# record-overhead: $(uname -r), $(nproc) CPUs, $("$perf" version), sframetrace $("$sft" --version 2>/dev/null | awk '{ print $NF }')"
echo "# workload: $work $rounds   ($runs runs each, medians; event $event, -F $freq)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure plain "$work" "$rounds"
plain_wall=$(median "$out/plain.times" 1)
plain_cpu=$(median "$out/plain.times" 2)
printf '\n%-14s %-12s %8s %8s %9s %9s %8s %10s %9s\n' config recorder wall_s cpu_s slowdown cpu_x "size_MB" samples "B/sample"
printf '%-14s %-12s %8s %8s %9s %9s %8s %10s %9s\n' plain - "$plain_wall" "$plain_cpu" 1.00 1.00 - - -

row() {
	config=$1
	who=$2
	name=$3
	w=$(median "$out/$name.times" 1)
	c=$(median "$out/$name.times" 2)
	size=$(stat -c %s "$out/$name.data")
	n=$(samples_of "$out/$name.data")
	awk -v cfg="$config" -v who="$who" -v w="$w" -v c="$c" -v pw="$plain_wall" -v pc="$plain_cpu" \
		-v size="$size" -v n="${n:-0}" 'BEGIN {
		printf "%-14s %-12s %8.2f %8.2f %8.2fx %8.2fx %8.1f %10d %9s\n", cfg, who, w, c,
			w / pw, c / pc, size / 1048576, n, n ? sprintf("%.0f", size / n) : "-" }'
	echo "$w" >"$out/$name.wall"
}

ratio() {
	p=$(cat "$out/$1.wall")
	s=$(cat "$out/$2.wall")
	awk -v p="$p" -v s="$s" -v pw="$plain_wall" -v cfg="$3" 'BEGIN {
		ov_p = p - pw; ov_s = s - pw
		printf "%-14s sframetrace/perf wall %.2f; overhead %.2fs vs %.2fs", cfg, s / p, ov_s, ov_p
		if (ov_p > 0.02) printf " (%.2fx)", ov_s / ov_p
		printf "\n" }'
}

# config NAME PERF_CG SFT_CG: one configuration, perf then sframetrace.
ratios=
config() {
	cfg=$1
	pcg=$2
	scg=$3
	set -- -q -e "$event" -F "$freq"
	# shellcheck disable=SC2086
	measure "perf-$cfg" "$perf" record "$@" $pcg -o "$out/perf-$cfg.data" -- "$work" "$rounds"
	# shellcheck disable=SC2086
	measure "sft-$cfg" "$sft" record "$@" $scg -o "$out/sft-$cfg.data" -- "$work" "$rounds"
	row "$cfg" perf "perf-$cfg"
	row "$cfg" sframetrace "sft-$cfg"
	ratios="$ratios $cfg"
	echo "$perf record $* $pcg -o $out/perf-$cfg.data -- $work $rounds" >>"$out/commands"
	echo "$sft record $* $scg -o $out/sft-$cfg.data -- $work $rounds" >>"$out/commands"
}

: >"$out/commands"
config no-g "" ""
config fp "--call-graph fp" "--call-graph fp"
config copy-8192 "--call-graph dwarf,8192" "--call-graph sframe,8192"
config dwarf "--call-graph dwarf" "--call-graph dwarf"

# Fixed cost of each recorder: recording `true`.
measure perf-startup "$perf" record -q -e "$event" -F "$freq" -o "$out/perf-startup.data" -- true
measure sft-startup "$sft" record -q -e "$event" -F "$freq" -o "$out/sft-startup.data" -- true
echo "$perf record -q -e $event -F $freq -o $out/perf-startup.data -- true" >>"$out/commands"
echo "$sft record -q -e $event -F $freq -o $out/sft-startup.data -- true" >>"$out/commands"
echo
echo "startup (record -- true): perf $(median "$out/perf-startup.times" 1)s wall $(median "$out/perf-startup.times" 2)s cpu;" \
	"sframetrace $(median "$out/sft-startup.times" 1)s wall $(median "$out/sft-startup.times" 2)s cpu"
for c in $ratios; do
	ratio "perf-$c" "sft-$c" "$c"
done
echo
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# each number is the median of $runs runs of (under /usr/bin/time -f '%e %U %S'):"
echo "#   $work $rounds"
sed 's/^/#   /' "$out/commands"
echo "# reproduce: RUNS=$runs FREQ=$freq ROUNDS=$rounds EVENT=$event $0 $build"
