#!/bin/sh
# `sframetrace script` agrees with `perf script` on a file perf recorded
# (perf record -g) and on one sframetrace recorded (record -g --call-graph
# fp), both of a frame-pointer build of hot: the sample header lines and the
# frame lines (address, sym+offset, (dso)) are identical, with the default
# fields and with -F comm,tid,time,ip,sym,dso. And `sframetrace script
# --folded` counts every sample once, and its hottest stack is the one perf
# script shows most often (comm;outermost;...;leaf, derived from perf
# script's frame lines of the same file), with the same count.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when perf,
# gcc or perf_event_open is missing.
set -u
. "$(dirname "$0")/report-common.sh"

need_perf
need_perf_event
build_fp hot hot
cd "$tmp" || exit 1

perf_record perf -g -e cpu-clock -o "$tmp/perf.data" -- ./hot 400
sft_record sft -g --call-graph fp -e cpu-clock -o "$tmp/sft.data" -- ./hot 400

# compare_script LABEL FILE script-args...: perf script and sframetrace
# script with the same arguments; header lines (not starting with a tab)
# and frame lines (starting with a tab) must be identical, in order.
compare_script() {
	cs_label=$1
	cs_f=$2
	shift 2
	cs_b=$tmp/script-$cs_label-$(echo "$*" | tr -c 'a-z0-9\n' '_')
	cs_what="script -i $(basename "$cs_f")${*:+ $*}"
	perf script -i "$cs_f" "$@" >"$cs_b.perf" 2>"$cs_b.perf.err" ||
		{ bad "$cs_label: perf $cs_what exited $?: $(head -n 3 "$cs_b.perf.err")"; return; }
	"$SFT_BIN" script -i "$cs_f" "$@" >"$cs_b.sft" 2>"$cs_b.sft.err" ||
		{ bad "$cs_label: sframetrace $cs_what exited $?: $(head -n 3 "$cs_b.sft.err")"; return; }
	if [ -s "$cs_b.sft.err" ]; then
		echo "note: $cs_label: sframetrace $cs_what said on stderr:"
		sed 's/^/    /' "$cs_b.sft.err" | head -n 5
	fi
	grep -v '^	' "$cs_b.perf" | grep -v '^$' >"$cs_b.perf.hdr"
	grep -v '^	' "$cs_b.sft" | grep -v '^$' >"$cs_b.sft.hdr"
	grep '^	' "$cs_b.perf" >"$cs_b.perf.frames"
	grep '^	' "$cs_b.sft" >"$cs_b.sft.frames"
	cs_nh=$(lines "$cs_b.perf.hdr")
	cs_nf=$(lines "$cs_b.perf.frames")
	if [ "$cs_nh" -lt 100 ] || [ "$cs_nf" -lt 100 ]; then
		bad "$cs_label: perf $cs_what printed only $cs_nh samples, $cs_nf frames"
		return
	fi
	cs_ok=1
	if ! diff -u --label "perf $cs_what (headers)" --label "sframetrace $cs_what (headers)" \
		"$cs_b.perf.hdr" "$cs_b.sft.hdr" >"$cs_b.diff"; then
		bad "$cs_label: sample header lines differ ($cs_what):"
		show_diff "$cs_b.diff"
		cs_ok=0
	fi
	if ! diff -u --label "perf $cs_what (frames)" --label "sframetrace $cs_what (frames)" \
		"$cs_b.perf.frames" "$cs_b.sft.frames" >"$cs_b.diff"; then
		bad "$cs_label: frame lines differ ($cs_what):"
		show_diff "$cs_b.diff"
		cs_ok=0
	fi
	[ $cs_ok -eq 1 ] && echo "ok: $cs_label: $cs_what: $cs_nh sample header lines and $cs_nf frame lines identical"
}

# perf_stacks FILE: from perf script's default output, one line per sample:
# "comm;outermost;...;leaf" (symbols without +offset).
perf_stacks() {
	awk '
	function flush() {
		if (comm == "")
			return
		s = comm
		for (i = n; i >= 1; i--)
			s = s ";" f[i]
		print s
		comm = ""
	}
	/^$/ { next }
	/^\t/ {
		sym = $2
		sub(/\+0x[0-9a-f]+$/, "", sym)
		f[++n] = sym
		next
	}
	{ flush(); comm = $1; n = 0 }
	END { flush() }' "$1"
}

# check_folded LABEL FILE: sframetrace script --folded against perf script.
check_folded() {
	cf_label=$1
	cf_f=$2
	cf_b=$tmp/folded-$cf_label
	perf script -i "$cf_f" >"$cf_b.perf" 2>/dev/null
	"$SFT_BIN" script --folded -i "$cf_f" >"$cf_b.sft" 2>"$cf_b.sft.err" ||
		{ bad "$cf_label: sframetrace script --folded exited $?: $(head -n 3 "$cf_b.sft.err")"; return; }
	cf_want=$(grep -v '^	' "$cf_b.perf" | grep -c -v '^$')
	cf_total=$(awk '{ t += $NF } END { print t + 0 }' "$cf_b.sft")
	if [ "$cf_total" -ne "$cf_want" ]; then
		bad "$cf_label: --folded counts $cf_total samples, perf script shows $cf_want"
	else
		echo "ok: $cf_label: --folded counts $cf_total samples, as many as perf script shows"
	fi
	# The expected hottest stack and its count, from perf's frame lines.
	perf_stacks "$cf_b.perf" | sort | uniq -c | sort -k1,1nr -k2 | head -n 1 >"$cf_b.want"
	read -r cf_wn cf_ws <"$cf_b.want"
	case $cf_ws in
	"hot;"*";main;"*hot_inner) ;;
	*) bad "$cf_label: perf script's hottest stack is not hot;...;main;...;hot_inner: '$cf_ws' ($cf_wn samples)"; return ;;
	esac
	cf_top=$(awk '$NF + 0 > max { max = $NF + 0; top = $0 } END { print top }' "$cf_b.sft")
	if [ "$cf_top" != "$cf_ws $cf_wn" ]; then
		bad "$cf_label: --folded's hottest stack is '$cf_top'; perf script's is '$cf_ws $cf_wn'"
	else
		echo "ok: $cf_label: --folded's hottest stack is perf script's: $cf_top"
	fi
}

for label in perf sft; do
	f=$tmp/$label.data
	compare_script "$label" "$f"
	compare_script "$label" "$f" -F comm,tid,time,ip,sym,dso
	check_folded "$label" "$f"
done

finish "sframetrace script agrees with perf script (default fields, -F, --folded)"
