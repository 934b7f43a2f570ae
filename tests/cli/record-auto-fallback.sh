#!/bin/sh
# `record -g` (mode auto) says which call-graph mode it picked and why, in
# one line, and asks the kernel for what that mode needs; `--call-graph
# defer` / `fp,defer` on a kernel without deferred callchains fails with
# one clear line and leaves no file. Which branch is checked follows
# `sframetrace probe`: on a kernel with defer_callchain, -g must pick
# fp,defer instead.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) when perf, gcc with
# --gsframe, or perf_event_open is missing.
set -u
. "$(dirname "$0")/record-common.sh"

need_perf
need_perf_event
build_prog hot

"$SFT_BIN" probe >"$tmp/probe.txt" 2>&1 || bad "sframetrace probe exited $?"
if grep -Eq "^defer_callchain +: yes" "$tmp/probe.txt"; then
	have_defer=1
elif grep -Eq "^defer_callchain +: no" "$tmp/probe.txt"; then
	have_defer=0
else
	echo "FAIL: sframetrace probe does not say whether defer_callchain works:"
	cat "$tmp/probe.txt"
	exit 1
fi
would=$(sed -n 's/^record -g would use *: //p' "$tmp/probe.txt")
if [ $have_defer -eq 1 ]; then
	case $would in fp,defer*) ;; *) bad "probe: defer_callchain yes but -g would use '$would'" ;; esac
else
	case $would in sframe*) ;; *) bad "probe: defer_callchain no but -g would use '$would'" ;; esac
fi
echo "kernel $(uname -r): defer_callchain $([ $have_defer -eq 1 ] && echo yes || echo no)"

# -g: one line about the mode (the other stderr line is the summary).
f=$tmp/g.data
"$SFT_BIN" record -g -e cpu-clock -o "$f" -- "$tmp/hot" 300 >/dev/null 2>"$tmp/g.err"
rc=$?
[ $rc -eq 0 ] || bad "record -g exited $rc"
grep -v '^\[ sframetrace record: Captured and wrote ' "$tmp/g.err" >"$tmp/g.mode"
[ "$(lines "$tmp/g.err")" -eq 2 ] || bad "record -g wrote $(lines "$tmp/g.err") lines to stderr, want the mode line and the summary"
[ "$(lines "$tmp/g.mode")" -eq 1 ] || bad "record -g wrote $(lines "$tmp/g.mode") lines besides the summary, want 1"
mode_line=$(cat "$tmp/g.mode")
echo "record -g said: $mode_line"
run_perf g.evlist evlist -v -i "$f"
ev=$(grep "^cpu-clock: " "$tmp/g.evlist.out")

if [ $have_defer -eq 0 ]; then
	case $mode_line in
	"sframetrace record: "*sframe*defer*) ;;
	*) bad "record -g's mode line does not say sframe and why (defer): '$mode_line'" ;;
	esac
	echo "$mode_line" | grep -q "fp,defer" && bad "record -g claims fp,defer on a kernel without it"
	for b in CALLCHAIN REGS_USER STACK_USER; do
		echo "$ev" | grep -Eq "sample_type: [A-Z_|]*\\b$b\\b" || bad "-g: sample_type lacks $b: $ev"
	done
	echo "$ev" | grep -q "sample_regs_user: 0x1c0," || bad "-g: sample_regs_user is not 0x1c0 (sframe): $ev"
	echo "$ev" | grep -q "exclude_callchain_user: 1" || bad "-g: exclude_callchain_user not set: $ev"

	# An explicit defer cannot fall back: one line, non-zero, no file.
	for cg in defer fp,defer; do
		f=$tmp/d.data
		"$SFT_BIN" record -e cpu-clock --call-graph "$cg" -o "$f" -- "$tmp/hot" 100 \
			>"$tmp/d.out" 2>"$tmp/d.err"
		rc=$?
		[ $rc -ne 0 ] || bad "--call-graph $cg exited 0 on a kernel without defer_callchain"
		[ "$(lines "$tmp/d.err")" -eq 1 ] || {
			bad "--call-graph $cg wrote $(lines "$tmp/d.err") lines to stderr, want 1:"
			sed 's/^/    /' "$tmp/d.err"
		}
		grep -q "defer" "$tmp/d.err" || bad "--call-graph $cg: the error does not mention defer: $(cat "$tmp/d.err")"
		grep -q "^hot: " "$tmp/d.out" && bad "--call-graph $cg ran the workload anyway"
		[ -e "$f" ] && bad "--call-graph $cg left $f"
		[ -e "$f.partial" ] && bad "--call-graph $cg left $f.partial"
		echo "--call-graph $cg: exit $rc: $(cat "$tmp/d.err")"
		# -q silences chatter, not errors.
		"$SFT_BIN" record -q -e cpu-clock --call-graph "$cg" -o "$f" -- "$tmp/hot" 100 \
			>/dev/null 2>"$tmp/dq.err"
		rc=$?
		[ $rc -ne 0 ] || bad "-q --call-graph $cg exited 0"
		grep -q "defer" "$tmp/dq.err" || bad "-q --call-graph $cg said nothing about defer"
	done
else
	case $mode_line in
	"sframetrace record: "*fp,defer*) ;;
	*) bad "record -g's mode line does not say fp,defer: '$mode_line'" ;;
	esac
	echo "$ev" | grep -Eq "sample_type: [A-Z_|]*\\bCALLCHAIN\\b" || bad "-g: sample_type lacks CALLCHAIN: $ev"
	echo "$ev" | grep -Eq "sample_type: [A-Z_|]*\\bSTACK_USER\\b" && bad "-g: sample_type has STACK_USER in fp,defer mode: $ev"
	for cg in defer fp,defer; do
		"$SFT_BIN" record -q -e cpu-clock --call-graph "$cg" -o "$tmp/d.data" -- "$tmp/hot" 100 \
			>/dev/null 2>"$tmp/d.err"
		rc=$?
		[ $rc -eq 0 ] || bad "--call-graph $cg exited $rc on a kernel with defer_callchain: $(cat "$tmp/d.err")"
	done
fi

finish "record -g picks and explains its call-graph mode"
