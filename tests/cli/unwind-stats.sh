#!/bin/sh
# `sframetrace report --unwind-stats`: the accounting of report-time
# unwinding (samples unwound; how many reached the outermost frame, were
# truncated by the stack copy size, stopped for lack of unwind info (and in
# which DSOs), stopped on bad data; frames found by SFrame, DWARF CFI and
# the frame pointer), checked against what `sframetrace script --no-inline`
# shows of the same file and against the workloads' sources:
#  (a) uw_recurse (tests/progs/uw_recurse.c: leaf under 30 level frames of
#      80 bytes, FP-less, with SFrame), --call-graph sframe (8 KiB copies):
#      every sample counted once; none truncated or on bad data (the stack
#      is ~3 KiB deep); "outermost" = the samples whose chain ends at the
#      program's _start; each "no unwind info in DSO" count = the samples
#      whose chain ends elsewhere in DSO; every leaf sample back to main; at
#      least 32 SFrame steps (leaf, 30 x level, main) and 2 DWARF CFI steps
#      (glibc's __libc_start_call_main and __libc_start_main: libc has no
#      .sframe) per leaf sample.
#  (b) the same with --call-graph sframe,512: at least every leaf sample is
#      truncated, and none of them reaches main (1 to 7 level frames fit).
#  (c) uw_noinfo (no .sframe, .eh_frame or .debug_frame for its code, %rbp
#      zeroed): its samples in nounwind_hot stop for lack of unwind info,
#      and the stats name $tmp/uw_noinfo with that count.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when gcc
# with --gsframe or perf_event_open is missing.
set -u
. "$(dirname "$0")/unwind-common.sh"

need_perf_event
build_uw uw_recurse
build_uw uw_noinfo
cd "$tmp" || exit 1

# stats_parse STATS_FILE: the numbers as "key value" lines: samples,
# outermost, truncated, noinfo, nomap, bad, limit, frames, sframe, cfi, fp,
# and "dso PATH COUNT" for each "no unwind info in PATH" line.
stats_parse() {
	awk '
	/samples unwound/ { print "samples", $1; next }
	/%/ {
		k = ""
		if (/outermost/) k = "outermost"
		else if (/truncated/) k = "truncated"
		else if (/lack of unwind info/) k = "noinfo"
		else if (/outside every map/) k = "nomap"
		else if (/bad data/) k = "bad"
		else if (/frame limit/) k = "limit"
		if (k != "") print k, $1
		next
	}
	/no unwind info in / {
		p = $0
		sub(/.*no unwind info in /, "", p)
		print "dso", p, $1
		next
	}
	/frames:/ {
		print "frames", $1
		l = $0
		if (match(l, /[0-9]+ by SFrame/)) print "sframe", substr(l, RSTART, RLENGTH) + 0
		if (match(l, /[0-9]+ by DWARF CFI/)) print "cfi", substr(l, RSTART, RLENGTH) + 0
		if (match(l, /[0-9]+ by frame pointer/)) print "fp", substr(l, RSTART, RLENGTH) + 0
	}' "$1"
}

# st KEY: a number of the parsed stats in $st_file ("" when missing).
st() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$st_file"
}

# stats_of LABEL DATA: run report --unwind-stats and script --no-inline on
# DATA; sets $st_file (parsed), $sc_file (script output). Returns 1 (after
# bad) when either fails or the stats lack a number.
stats_of() {
	so_label=$1
	so_d=$2
	st_file=$so_d.st
	sc_file=$so_d.script
	"$SFT_BIN" report --unwind-stats -i "$so_d" >"$so_d.stats" 2>"$so_d.stats.err" ||
		{ bad "$so_label: report --unwind-stats exited $?: $(head -n 3 "$so_d.stats.err")"; return 1; }
	echo "$so_label: report --unwind-stats:"
	sed 's/^/    /' "$so_d.stats"
	stats_parse "$so_d.stats" >"$st_file"
	for k in samples outermost truncated noinfo nomap bad limit frames sframe cfi fp; do
		if [ -z "$(st $k)" ]; then
			bad "$so_label: report --unwind-stats prints no '$k' number"
			return 1
		fi
	done
	"$SFT_BIN" script --no-inline -F comm,tid,ip,sym,dso -i "$so_d" >"$sc_file" 2>"$so_d.script.err" ||
		{ bad "$so_label: script exited $?: $(head -n 3 "$so_d.script.err")"; return 1; }
	return 0
}

# last_frames SCRIPT: per sample, its last (outermost) frame as
# "sym(dso basename)".
last_frames() {
	awk '
	function flush() { if (n) print last; n = 0 }
	/^$/ { flush(); next }
	/^[ \t]/ {
		l = $0
		sub(/^[ \t]+[0-9a-f]+ /, "", l)
		if (l ~ /\(inlined\)$/)
			next
		d = l
		sub(/ \([^()]*\)$/, "", l)
		sub(/.* \(/, "", d)
		sub(/\)$/, "", d)
		sub(/.*\//, "", d)
		last = l "(" d ")"
		n++
		next
	}
	{ flush() }
	END { flush() }' "$1"
}

# check_common LABEL PROG: the checks every recording gets: the stop
# reasons add up to the samples, which are all the file's samples; the
# outermost count is the chains ending at PROG's _start; each DSO's
# no-info count is the chains ending elsewhere in it.
check_common() {
	cc_label=$1
	cc_p=$2
	cc_n=$(st samples)
	cc_sum=$(($(st outermost) + $(st truncated) + $(st noinfo) + $(st nomap) + $(st bad) + $(st limit)))
	[ "$cc_sum" -eq "$cc_n" ] ||
		bad "$cc_label: the stop reasons add up to $cc_sum, not to the $cc_n samples unwound"
	cc_ns=$(grep -c '^[^[:space:]]' "$sc_file")
	[ "$cc_n" -eq "$cc_ns" ] ||
		bad "$cc_label: $cc_n samples unwound; script shows $cc_ns samples, each with a stack copy"
	last_frames "$sc_file" >"$sc_file.last"
	cc_out=$(grep -c "^_start($cc_p)\$" "$sc_file.last")
	[ "$(st outermost)" -eq "$cc_out" ] ||
		bad "$cc_label: $(st outermost) samples reached the outermost frame; script shows $cc_out chains ending at _start in $cc_p"
	cc_dsum=0
	awk '$1 == "dso" { print $2, $3 }' "$st_file" >"$st_file.dsos"
	while read -r cc_path cc_cnt; do
		cc_b=$(basename "$cc_path")
		cc_want=$(grep -F "($cc_b)" "$sc_file.last" | grep -vc "^_start($cc_p)\$")
		if [ "$(st truncated)" -eq 0 ] && [ "$(st bad)" -eq 0 ] && [ "$cc_cnt" -ne "$cc_want" ]; then
			bad "$cc_label: 'no unwind info in $cc_path' counts $cc_cnt; script shows $cc_want chains ending in $cc_b (not at _start of $cc_p)"
		fi
		cc_dsum=$((cc_dsum + cc_cnt))
	done <"$st_file.dsos"
	[ "$cc_dsum" -eq "$(st noinfo)" ] ||
		bad "$cc_label: the 'no unwind info in' lines add up to $cc_dsum, not to the $(st noinfo) samples stopped for lack of unwind info"
	# The report's header summary, when it has one, says the same.
	"$SFT_BIN" report --stdio --no-children -g none -i "${sc_file%.script}" >"$sc_file.rep" 2>/dev/null
	cc_sum_line=$(grep -i '^# User stacks unwound' "$sc_file.rep")
	if [ -n "$cc_sum_line" ]; then
		echo "$cc_sum_line" | grep -q " $cc_n samples, $(st outermost) reached the outermost frame," ||
			bad "$cc_label: report's header line disagrees with --unwind-stats ($cc_n samples, $(st outermost) outermost): $cc_sum_line"
	fi
}

# (a) 8 KiB copies.
sft_record a --call-graph sframe -e cpu-clock -o "$tmp/a.data" -- ./uw_recurse
if stats_of "uw_recurse, sframe" "$tmp/a.data"; then
	check_common "uw_recurse, sframe" uw_recurse
	[ "$(st truncated)" -eq 0 ] ||
		bad "uw_recurse, sframe: $(st truncated) samples truncated by an 8 KiB copy of a ~3 KiB deep stack"
	# A rare sample (ld.so at start-up, a libc epilogue) may end on data the
	# walk refuses; the leaf samples below must all be complete regardless.
	if [ $(($(st bad) * 200)) -gt "$(st samples)" ]; then
		bad "uw_recurse, sframe: $(st bad) of $(st samples) samples stopped on bad data (want at most 0.5%):"
		grep "bad data in" "$st_file" | sed 's/^/    /'
	elif [ "$(st bad)" -ne 0 ]; then
		echo "note: uw_recurse, sframe: $(st bad) samples stopped on bad data: $(grep 'bad data in' "$st_file" | sed 's/^ *//' | tr '\n' ';')"
	fi
	uw_chains "$sc_file" uw_recurse leaf >"$sc_file.leaf"
	h=$(lines "$sc_file.leaf")
	r=$(grep -Ec "$(uw_reach uw_recurse)" "$sc_file.leaf")
	echo "uw_recurse, sframe: $h leaf samples, $r back to main; $(st outermost) of $(st samples) samples reached the outermost frame"
	if [ "$h" -lt 200 ]; then
		bad "uw_recurse, sframe: only $h leaf samples (want >= 200)"
	else
		[ "$r" -eq "$h" ] || bad "uw_recurse, sframe: only $r of $h leaf samples get back to main"
		[ "$r" -le "$(st outermost)" ] ||
			bad "uw_recurse, sframe: $r leaf samples reach main but only $(st outermost) reached the outermost frame"
		[ "$(st sframe)" -ge $((h * 32)) ] ||
			bad "uw_recurse, sframe: $(st sframe) steps by SFrame; the $h leaf samples alone take $((h * 32)) (leaf, 30 x level, main)"
		[ "$(st cfi)" -ge $((h * 2)) ] ||
			bad "uw_recurse, sframe: $(st cfi) steps by DWARF CFI; the $h leaf samples alone take $((h * 2)) (libc's start frames)"
	fi
fi

# (b) 512-byte copies: leaf's callers run out of stack after a few levels.
sft_record b --call-graph sframe,512 -e cpu-clock -o "$tmp/b.data" -- ./uw_recurse
if stats_of "uw_recurse, sframe,512" "$tmp/b.data"; then
	check_common "uw_recurse, sframe,512" uw_recurse
	uw_chains "$sc_file" uw_recurse leaf >"$sc_file.leaf"
	h=$(lines "$sc_file.leaf")
	echo "uw_recurse, sframe,512: $h leaf samples, $(st truncated) of $(st samples) samples truncated"
	if [ "$h" -lt 200 ]; then
		bad "uw_recurse, sframe,512: only $h leaf samples (want >= 200)"
	else
		[ "$(st truncated)" -ge "$h" ] ||
			bad "uw_recurse, sframe,512: $(st truncated) samples truncated; every one of the $h leaf samples needs more than 512 bytes of stack to reach main"
		n=$(grep -c 'main(' "$sc_file.leaf")
		[ "$n" -eq 0 ] || bad "uw_recurse, sframe,512: $n leaf samples reach main out of a 512-byte copy"
		# 512 bytes hold leaf's frame and at most 6 level frames of 80
		# bytes (7 return addresses); at least the first must be found.
		awk '{ k = gsub(/level\(uw_recurse\)/, "&"); if (k < 1 || k > 7) print }' \
			"$sc_file.leaf" >"$sc_file.odd"
		if [ -s "$sc_file.odd" ]; then
			bad "uw_recurse, sframe,512: $(lines "$sc_file.odd") leaf samples without 1 to 7 level frames, e.g.:"
			sort "$sc_file.odd" | uniq -c | sort -k1,1nr | head -n 3 | sed 's/^/    /'
		fi
	fi
fi

# (c) no unwind information at all.
sft_record c --call-graph sframe -e cpu-clock -o "$tmp/c.data" -- ./uw_noinfo
if stats_of "uw_noinfo, sframe" "$tmp/c.data"; then
	check_common "uw_noinfo, sframe" uw_noinfo
	uw_chains "$sc_file" uw_noinfo nounwind_hot >"$sc_file.hot"
	h=$(lines "$sc_file.hot")
	one=$(grep -cx 'nounwind_hot(uw_noinfo)' "$sc_file.hot")
	cnt=$(awk -v p="$tmp/uw_noinfo" '$1 == "dso" && $2 == p { print $3 }' "$st_file")
	echo "uw_noinfo, sframe: $h samples in nounwind_hot, $one of them stop there; no unwind info in uw_noinfo: ${cnt:-none}"
	if [ "$h" -lt 100 ]; then
		bad "uw_noinfo, sframe: only $h samples in nounwind_hot (want >= 100)"
	else
		[ $((one * 100)) -ge $((h * 99)) ] ||
			bad "uw_noinfo, sframe: only $one of $h samples in nounwind_hot stop there (it has no unwind info and %rbp = 0)"
		if [ -z "$cnt" ]; then
			bad "uw_noinfo, sframe: report --unwind-stats has no 'no unwind info in $tmp/uw_noinfo' line"
		elif [ "$cnt" -lt "$one" ]; then
			bad "uw_noinfo, sframe: 'no unwind info in $tmp/uw_noinfo' counts $cnt; $one samples stop in nounwind_hot"
		fi
	fi
fi

finish "report --unwind-stats accounts for every walk as script shows it"
