#!/bin/sh
# sframetrace unwinds perf's own `perf record --call-graph dwarf` files as
# perf does: the FP-less workloads of the unwind tests (tests/progs/uw_*.c,
# built with -O2 -g -fomit-frame-pointer -Wa,--gsframe) recorded by perf
# with -e cpu-clock --call-graph dwarf; perf's DWARF unwinder is the
# reference.
#  - `report --stdio --no-children -g none -s comm,dso,sym` and
#    `--children -g none -s comm,dso,sym`: the same rows and the same
#    "# Samples:" / "# Event count" lines as perf report (children overhead
#    exists only through the unwound chains);
#  - `script -F comm,tid,time,ip,sym,dso`, with --no-inline (stack frames
#    only) and with perf's default inlined frames: the same samples in the
#    same order, and for at least 95% of them the same frame lines
#    (addresses included: perf shows a caller's return address - 1); the
#    differing samples are shown when there are any;
#  - report --unwinder dwarf (DWARF CFI only, as perf unwinds; also the
#    default for a dwarf recording, see sframetrace-report(1)): the same
#    --children rows as perf report, and --unwind-stats counts steps by
#    DWARF CFI and none by SFrame; the default must count none by SFrame
#    either.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when perf,
# gcc with --gsframe or perf_event_open is missing.
set -u
. "$(dirname "$0")/unwind-common.sh"

need_perf
need_perf_event
for p in $UW_PROGS; do
	build_uw "$p"
done
cd "$tmp" || exit 1

# sframetrace with --unwinder dwarf, for compare_report.
sft_dwarf=$tmp/sft-unwinder-dwarf
# shellcheck disable=SC2016 # the $ are for the wrapper
printf '#!/bin/sh\nc=$1\nshift\nexec "%s" "$c" --unwinder dwarf "$@"\n' "$SFT_BIN" >"$sft_dwarf"
chmod +x "$sft_dwarf" || exit 1

# script_samples FILE: one line per sample of script output: its header
# line, then its frame lines, joined by " | " (blanks squeezed).
script_samples() {
	awk '
	function flush() { if (s != "") print s; s = "" }
	/^$/ { flush(); next }
	/^[ \t]/ { l = $0; gsub(/[ \t]+/, " ", l); s = s " |" l; next }
	{ flush(); s = $0; sub(/[ \t]+$/, "", s) }
	END { flush() }' "$1"
}

# compare_script_samples LABEL FILE script-args...: perf script and
# sframetrace script with the same arguments, sample by sample.
compare_script_samples() {
	cs_label=$1
	cs_f=$2
	shift 2
	cs_b=$tmp/script-$(basename "$cs_f")-$(echo "$*" | tr -c 'a-z0-9\n' '_')
	cs_what="script -i $(basename "$cs_f") $*"
	perf script -i "$cs_f" "$@" >"$cs_b.perf" 2>"$cs_b.perf.err" ||
		{ bad "$cs_label: perf $cs_what exited $?: $(head -n 3 "$cs_b.perf.err")"; return; }
	"$SFT_BIN" script -i "$cs_f" "$@" >"$cs_b.sft" 2>"$cs_b.sft.err" ||
		{ bad "$cs_label: sframetrace $cs_what exited $?: $(head -n 3 "$cs_b.sft.err")"; return; }
	script_samples "$cs_b.perf" >"$cs_b.perf.s"
	script_samples "$cs_b.sft" >"$cs_b.sft.s"
	cs_np=$(lines "$cs_b.perf.s")
	cs_ns=$(lines "$cs_b.sft.s")
	if [ "$cs_np" -lt 200 ]; then
		bad "$cs_label: perf $cs_what shows only $cs_np samples"
		return
	fi
	if [ "$cs_np" -ne "$cs_ns" ]; then
		bad "$cs_label: $cs_what: perf shows $cs_np samples, sframetrace $cs_ns"
		return
	fi
	# Headers must pair up (the same samples in the same order) before
	# frames can be compared.
	sed 's/ |.*//' "$cs_b.perf.s" >"$cs_b.perf.h"
	sed 's/ |.*//' "$cs_b.sft.s" >"$cs_b.sft.h"
	if ! diff -u --label "perf $cs_what (headers)" --label "sframetrace $cs_what (headers)" \
		"$cs_b.perf.h" "$cs_b.sft.h" >"$cs_b.diff"; then
		bad "$cs_label: sample header lines differ ($cs_what):"
		show_diff "$cs_b.diff"
		return
	fi
	paste -d '\n' "$cs_b.perf.s" "$cs_b.sft.s" | awk '
		NR % 2 == 1 { p = $0; next }
		{ n++; if ($0 != p) print n }' >"$cs_b.bad"
	cs_nb=$(lines "$cs_b.bad")
	cs_same=$((cs_np - cs_nb))
	echo "$cs_label: $cs_what: $cs_same of $cs_np samples ($(uw_pct "$cs_same" "$cs_np")%) with identical frame lines"
	if [ $((cs_same * 100)) -lt $((cs_np * 95)) ]; then
		bad "$cs_label: only $cs_same of $cs_np samples have perf's frame lines ($cs_what)"
	fi
	if [ "$cs_nb" -gt 0 ]; then
		echo "    $cs_nb samples differ; the first ones (perf, then sframetrace):"
		for cs_i in $(head -n 3 "$cs_b.bad"); do
			sed -n "${cs_i}p" "$cs_b.perf.s" | tr '|' '\n' | sed 's/^/      perf:        /'
			sed -n "${cs_i}p" "$cs_b.sft.s" | tr '|' '\n' | sed 's/^/      sframetrace: /'
		done
	fi
}

# compare_children_close LABEL FILE [SFT]: --children rows of perf and of
# sframetrace with the same entries and each percentage within 0.25 points.
# Why not identical: perf's DWARF unwinder gives up on a rare frame (a pc in
# libc's PLT, a thread's very first instructions) that ours walks through,
# which moves a sample or two (0.05% each here) between caller entries.
# Self rows (--no-children) stay compared exactly above.
compare_children_close() {
	cc_label=$1
	cc_f=$2
	cc_sft=${3:-$SFT_BIN}
	perf report --stdio -i "$cc_f" --children -g none -s comm,dso,sym 2>/dev/null |
		report_rows >"$cc_f.cc.perf"
	"$cc_sft" report --stdio -i "$cc_f" --children -g none -s comm,dso,sym 2>/dev/null |
		report_rows >"$cc_f.cc.sft"
	if ! awk -v label="$cc_label" '
		function key(line,   k) { k = line; sub(/^ *[0-9.]+% +[0-9.]+% +/, "", k); return k }
		function pct(line,   a) { split(line, a, " "); sub(/%/, "", a[1]); return a[1] + 0 }
		FNR == NR { p[key($0)] = pct($0); next }
		{ k = key($0); seen[k] = 1
		  if (!(k in p)) { printf "    only in sframetrace: %s\n", $0; bad = 1; next }
		  d = pct($0) - p[k]; if (d < 0) d = -d
		  if (d > 0.25) { printf "    %s: perf %.2f%%, sframetrace %.2f%%\n", k, p[k], pct($0); bad = 1 } }
		END { for (k in p) if (!(k in seen)) { printf "    only in perf: %s\n", k; bad = 1 }
		      exit bad }' "$cc_f.cc.perf" "$cc_f.cc.sft"; then
		bad "$cc_label: --children rows differ by more than 0.25 points (above)"
	else
		echo "ok: $cc_label: --children rows: same entries, percentages within 0.25 points of perf's"
	fi
}

for p in $UW_PROGS; do
	f=$tmp/$p.perf.data
	perf_record "$p" --call-graph dwarf -e cpu-clock -o "$f" -- "./$p"
	echo "$p: $(perf_samples "$f") samples"
	compare_report "$p, perf dwarf" "$f" --no-children -g none -s comm,dso,sym
	compare_children_close "$p, perf dwarf" "$f"
	compare_script_samples "$p, perf dwarf" "$f" --no-inline -F comm,tid,time,ip,sym,dso
	compare_script_samples "$p, perf dwarf" "$f" -F comm,tid,time,ip,sym,dso

	# report --unwinder dwarf: DWARF CFI only, as perf; the same rows.
	compare_children_close "$p, perf dwarf, --unwinder dwarf" "$f" "$sft_dwarf"
	"$SFT_BIN" report --unwinder dwarf --unwind-stats -i "$f" >"$f.stats" 2>"$f.stats.err" ||
		{ bad "$p: sframetrace report --unwinder dwarf --unwind-stats exited $?: $(head -n 3 "$f.stats.err")"; continue; }
	nsf=$(sed -n 's/.*frames: *\([0-9]*\) by SFrame.*/\1/p' "$f.stats" | head -n 1)
	ncfi=$(sed -n 's/.*by SFrame, *\([0-9]*\) by DWARF CFI.*/\1/p' "$f.stats" | head -n 1)
	if [ -z "$nsf" ] || [ -z "$ncfi" ]; then
		bad "$p: report --unwind-stats prints no 'frames: N by SFrame, M by DWARF CFI' line:"
		sed 's/^/    /' "$f.stats" | head -n 20
	elif [ "$nsf" -ne 0 ] || [ "$ncfi" -eq 0 ]; then
		bad "$p: --unwinder dwarf took $nsf steps by SFrame and $ncfi by DWARF CFI (want DWARF CFI only):"
		sed 's/^/    /' "$f.stats" | head -n 20
	else
		echo "ok: $p: --unwinder dwarf: $ncfi steps by DWARF CFI, none by SFrame"
	fi
	# The default unwinder on a dwarf recording is DWARF CFI only too.
	"$SFT_BIN" report --unwind-stats -i "$f" >"$f.dstats" 2>/dev/null ||
		bad "$p: sframetrace report --unwind-stats failed"
	dsf=$(sed -n 's/.*frames: *\([0-9]*\) by SFrame.*/\1/p' "$f.dstats" | head -n 1)
	if [ "${dsf:-x}" != 0 ]; then
		bad "$p: the default unwinder took ${dsf:-?} steps by SFrame on a dwarf recording (want none)"
	else
		echo "ok: $p: default unwinder on a dwarf recording: DWARF CFI only"
	fi
done

finish "sframetrace report and script unwind perf's --call-graph dwarf files as perf does"
