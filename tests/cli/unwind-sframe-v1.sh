#!/bin/sh
# Report-time unwinding of `record --call-graph sframe` stack copies, on
# programs built here with -O2 -g -fomit-frame-pointer -Wa,--gsframe (SFrame
# V1 from the system binutils): uw_recurse (30 recursive frames), uw_lib (a
# shared library and a callback back into the program), uw_qsort (through
# libc, which has no .sframe: DWARF CFI), uw_signal (through a signal
# frame), uw_threads (three threads, stacks ending at clone3).
# For each, among the samples whose first frame is a user frame in the
# program's hot function, `sframetrace script` must show exactly the caller
# chain the source gives (tests/progs/uw_*.c; glibc's frames as perf shows
# them; script --no-inline: stack frames only) for at least 99%. Then the
# same programs recorded with --call-graph fp (the kernel's frame-pointer
# walk, useless without frame pointers) must get back to main
# (start_thread) in fewer than half of those
# samples: the chains come from our unwinder, not from the kernel. And
# uw_recurse and uw_lib built with `.cfi_sections .sframe` (their code has
# .sframe and no .eh_frame) must unwind as well: SFrame, not DWARF CFI.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when gcc
# with --gsframe or perf_event_open is missing.
set -u
. "$(dirname "$0")/unwind-common.sh"

need_perf_event
for p in $UW_PROGS; do
	build_uw "$p"
done
cd "$tmp" || exit 1

# check_prog PROG MODE [DIR]: record DIR/PROG (default: the build in $tmp)
# with --call-graph MODE and check the chains of its hot samples in
# sframetrace script.
check_prog() {
	cp_p=$1
	cp_mode=$2
	cp_dir=${3:-.}
	cp_l="$cp_p${3:+ ($3)}"
	cp_f=$tmp/$cp_p.$cp_mode${3:+.$3}
	sft_record "$cp_p.$cp_mode" --call-graph "$cp_mode" -e cpu-clock -o "$cp_f.data" -- "$cp_dir/$cp_p"
	# --no-inline: one line per stack frame (the default adds inlined
	# calls and, as perf, can print an inlined name instead of a frame's).
	if ! "$SFT_BIN" script --no-inline -F comm,tid,ip,sym,dso -i "$cp_f.data" \
		>"$cp_f.script" 2>"$cp_f.script.err"; then
		bad "$cp_l, $cp_mode: sframetrace script exited $?: $(head -n 3 "$cp_f.script.err")"
		return
	fi
	[ -s "$cp_f.script.err" ] && echo "note: $cp_l, $cp_mode: script said: $(head -n 3 "$cp_f.script.err")"
	uw_suffixes "$cp_dir/$cp_p" "$cp_dir/libuwfn.so" >"$cp_f.sfx"
	uw_chains "$cp_f.script" "$cp_p" "$(uw_hot "$cp_p")" "$cp_f.sfx" >"$cp_f.chains"
	cp_want=$(uw_expect "$cp_p")
	cp_h=$(lines "$cp_f.chains")
	cp_e=$(grep -Exc "$cp_want" "$cp_f.chains")
	cp_r=$(grep -Ec "$(uw_reach "$cp_p")" "$cp_f.chains")
	echo "$cp_l, --call-graph $cp_mode: $cp_h samples in $(uw_hot "$cp_p"); exact chain: $cp_e ($(uw_pct "$cp_e" "$cp_h")%); back to main/start_thread: $cp_r ($(uw_pct "$cp_r" "$cp_h")%)"
	if [ "$cp_h" -lt 200 ]; then
		bad "$cp_l, $cp_mode: only $cp_h samples in $(uw_hot "$cp_p") (want >= 200; at 4 kHz 0.5 s gives ~2000)"
		return
	fi
	case $cp_mode in
	sframe)
		if [ $((cp_e * 100)) -lt $((cp_h * 99)) ]; then
			bad "$cp_l, sframe: only $cp_e of $cp_h samples ($(uw_pct "$cp_e" "$cp_h")%) have the chain $(uw_expect_text "$cp_p"); the most frequent others:"
			uw_show_bad "$cp_f.chains" "$cp_want"
			# What perf's DWARF unwinder makes of the same file: does
			# the file hold what an unwinder needs?
			if command -v perf >/dev/null 2>&1; then
				perf script --no-inline -F comm,tid,ip,sym,dso -i "$cp_f.data" \
					>"$cp_f.perf" 2>/dev/null
				uw_chains "$cp_f.perf" "$cp_p" "$(uw_hot "$cp_p")" "$cp_f.sfx" >"$cp_f.perf.chains"
				cp_pe=$(grep -Exc "$cp_want" "$cp_f.perf.chains")
				echo "    (perf script unwinds $cp_pe of $(lines "$cp_f.perf.chains") such samples of this file to that chain)"
			fi
		fi
		;;
	fp)
		# Without frame pointers the kernel's walk cannot get far.
		if [ $((cp_r * 2)) -ge "$cp_h" ]; then
			bad "$cp_l, fp: $cp_r of $cp_h samples ($(uw_pct "$cp_r" "$cp_h")%) got back to main/start_thread by the kernel's frame-pointer walk of an FP-less build: the sframe results above may not be the unwinder's work"
		fi
		;;
	esac
}

for p in $UW_PROGS; do
	check_prog "$p" sframe
	check_prog "$p" fp
done

# The same chains when the programs' (and the library's) own code has
# .sframe and no DWARF CFI at all: SFrame alone must do it.
for p in uw_recurse uw_lib; do
	build_uw_sfonly "$p"
	check_prog "$p" sframe sfonly
done

finish "sframe-mode stack copies of FP-less SFrame V1 programs unwind to main (fp mode does not)"
