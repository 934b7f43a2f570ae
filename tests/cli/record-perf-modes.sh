#!/bin/sh
# `sframetrace record` in every call-graph mode this kernel supports (fp,
# sframe, dwarf, none), each file checked with Linux perf: report and
# script exit 0 with nothing on stderr and show hot_inner; the header has
# the features perf record writes; `perf evlist -v` shows the attr each mode
# must ask the kernel for; and for sframe and dwarf, perf unwinds our stack
# copies into hot_inner <- hot_outer <- main.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when perf,
# gcc with --gsframe, or perf_event_open is missing.
set -u
. "$(dirname "$0")/record-common.sh"

need_perf
need_perf_event
build_prog hot

# chain_stats FILE: "H F": samples whose leaf is hot_inner, and how many of
# those continue hot_outer, main in perf script's callchain.
chain_stats() {
	awk '
	/^[^ \t]/ || /^ +[^ ]+ +[0-9]+ / { n = 0; next }
	/^\t/ {
		sym = $2
		sub(/\+0x[0-9a-f]+$/, "", sym)
		n++
		f[n] = sym
		if (n == 1 && sym == "hot_inner") h++
		if (n == 3 && f[1] == "hot_inner" && f[2] == "hot_outer" && sym == "main") full++
	}
	END { print h + 0, full + 0 }' "$1"
}

check_mode() {
	mode=$1
	shift
	f=$tmp/$mode.data
	"$SFT_BIN" record -q -e cpu-clock "$@" -o "$f" -- "$tmp/hot" 500 \
		>"$tmp/$mode.rec.out" 2>"$tmp/$mode.rec.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "$mode: record exited $rc: $(head -n 3 "$tmp/$mode.rec.err")"
		return
	fi
	[ -s "$tmp/$mode.rec.err" ] && bad "$mode: record -q wrote to stderr: $(head -n 3 "$tmp/$mode.rec.err")"
	grep -q "^hot: " "$tmp/$mode.rec.out" || bad "$mode: the workload's output is missing"
	[ -f "$f" ] || { bad "$mode: no output file"; return; }
	[ -e "$f.partial" ] && bad "$mode: $f.partial left behind"

	run_perf "$mode.report" report -i "$f" --stdio
	run_perf "$mode.script" script -i "$f"
	run_perf "$mode.header" report --header-only -i "$f"
	run_perf "$mode.evlist" evlist -v -i "$f"

	grep -Eq "^ +[0-9.]+%.* hot +\[\.\] hot_inner" "$tmp/$mode.report.out" ||
		bad "$mode: perf report lacks hot_inner in hot"
	n=$(grep -c "hot_inner" "$tmp/$mode.script.out")
	[ "$n" -ge 200 ] || bad "$mode: perf script shows hot_inner $n times (want >= 200 in 0.5 s at 4 kHz)"

	# The build-id table names the workload, as perf record's would.
	run_perf "$mode.buildids" buildid-list -i "$f"
	bid=$(readelf -n "$tmp/hot" 2>/dev/null | sed -n 's/^ *Build ID: *//p')
	if [ -n "$bid" ]; then
		grep -qx "$bid $tmp/hot" "$tmp/$mode.buildids.out" ||
			bad "$mode: perf buildid-list lacks '$bid $tmp/hot': $(cat "$tmp/$mode.buildids.out")"
	fi

	h=$tmp/$mode.header.out
	for re in "hostname : $(uname -n)\$" \
		"os release : $(uname -r)\$" \
		"arch : $(uname -m)\$" \
		"nrcpus online : [1-9][0-9]*\$" \
		"nrcpus avail : [1-9][0-9]*\$" \
		"cpudesc : ." \
		"total memory : $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) kB\$" \
		"cmdline : .*sframetrace record .*-o $f -- $tmp/hot 500" \
		"event : name = cpu-clock, " \
		"time of first sample : [0-9]+\\.[0-9]+\$" \
		"time of last sample : [0-9]+\\.[0-9]+\$"; do
		grep -Eq "^# $re" "$h" || bad "$mode: header lacks '# $re'"
	done
	case $(uname -m) in
	x86_64 | i?86)
		grep -Eq "^# cpuid : [^,]+,[0-9]+,[0-9]+,[0-9]+\$" "$h" || bad "$mode: header lacks cpuid"
		;;
	*)
		grep -Eq "^# cpuid : ." "$h" || bad "$mode: header lacks cpuid"
		;;
	esac

	ev=$(grep "^cpu-clock: " "$tmp/$mode.evlist.out")
	[ -n "$ev" ] || { bad "$mode: perf evlist -v shows no cpu-clock event"; return; }
	st=$(echo "$ev" | sed -n 's/.*sample_type: \([A-Z_|]*\).*/\1/p')
	has() { echo "|$st|" | grep -q "|$1|"; }
	for b in IP TID TIME CPU PERIOD; do
		has $b || bad "$mode: sample_type $st lacks $b"
	done
	echo "$ev" | grep -q "sample_freq }: 4000," || bad "$mode: not sampling at 4000 Hz: $ev"
	echo "$ev" | grep -q "enable_on_exec: 1" || bad "$mode: enable_on_exec not set"
	case $mode in
	none)
		has CALLCHAIN && bad "$mode: sample_type $st has CALLCHAIN"
		has REGS_USER && bad "$mode: sample_type $st has REGS_USER"
		has STACK_USER && bad "$mode: sample_type $st has STACK_USER"
		;;
	fp)
		has CALLCHAIN || bad "$mode: sample_type $st lacks CALLCHAIN"
		has REGS_USER && bad "$mode: sample_type $st has REGS_USER"
		has STACK_USER && bad "$mode: sample_type $st has STACK_USER"
		echo "$ev" | grep -q "exclude_callchain_user: 1" && bad "$mode: exclude_callchain_user set"
		;;
	sframe | dwarf)
		has CALLCHAIN || bad "$mode: sample_type $st lacks CALLCHAIN"
		has REGS_USER || bad "$mode: sample_type $st lacks REGS_USER"
		has STACK_USER || bad "$mode: sample_type $st lacks STACK_USER"
		echo "$ev" | grep -q "exclude_callchain_user: 1" || bad "$mode: exclude_callchain_user not set"
		echo "$ev" | grep -q "sample_stack_user: 8192\$" || bad "$mode: sample_stack_user is not 8192: $ev"
		if [ "$mode" = sframe ]; then
			regs=0x1c0
		else
			regs=0xff0fff
		fi
		echo "$ev" | grep -q "sample_regs_user: $regs," || bad "$mode: sample_regs_user is not $regs: $ev"
		;;
	esac

	# perf unwinds our user stack copies: the whole chain, nearly always.
	case $mode in
	sframe | dwarf)
		set -- $(chain_stats "$tmp/$mode.script.out")
		[ "$1" -ge 200 ] || bad "$mode: only $1 samples with hot_inner as leaf"
		[ $(($2 * 100)) -ge $(($1 * 90)) ] ||
			bad "$mode: only $2 of $1 hot_inner samples unwind to hot_outer <- main"
		# And perf report's call graph of hot_inner has both callers.
		# With -S only hot_inner's samples are left; -G draws their
		# callers top-down: main, then hot_outer, then hot_inner.
		perf report -i "$f" --stdio --no-children -S hot_inner -G \
			>"$tmp/$mode.cg.out" 2>/dev/null
		order=$(grep -v '^#' "$tmp/$mode.cg.out" | sed 's/^[ |-]*//' |
			awk '$1 == "main" || $1 == "hot_outer" || $1 == "hot_inner" { printf "%s ", $1 }')
		case $order in
		"main hot_outer hot_inner "*) ;;
		*) bad "$mode: report call graph of hot_inner is not main -> hot_outer -> hot_inner: '$order'" ;;
		esac
		echo "$mode: $2 of $1 hot_inner samples unwound to main"
		;;
	esac
}

check_mode none
check_mode fp --call-graph fp
check_mode sframe --call-graph sframe
check_mode dwarf --call-graph dwarf

finish "perf reads sframetrace record's files in modes none, fp, sframe, dwarf"
