#!/bin/sh
# Report-time unwinding of `record --call-graph sframe` stack copies of the
# committed SFrame V3 fixtures (tests/fixtures/sframe/, built with binutils
# 2.46 --gsframe-3; see its README.md).
# nested.v3 builds main -> level1 -> level2 -> recurse x6 -> level3 -> spin
# (nested.c) and spins until its 5 ms ITIMER_PROF tick; it is run 40 times
# under one recording. Among the samples whose first frame is spin in
# nested.v3, at least 99% must show exactly that chain (then glibc's
# __libc_start_call_main, __libc_start_main, and _start, as perf shows
# them), and report --unwind-stats must count at least 11 SFrame steps per
# such sample (spin, level3, 6 x recurse, level2, level1, main): the
# fixture also has .eh_frame, and the chain alone would not tell SFrame V3
# from the DWARF CFI fallback.
# flex.v3 and big.v3 run for microseconds in their own code: no sample can
# land there, so they are not sampled here (sframe-unwind-step.sh and
# sframe-dump-v3.sh test their SFrame).
# Environment: SFT_BIN, SFT_SRC, SFT_FIXTURES (default
# $SFT_SRC/tests/fixtures). Exit 77 (skip) with the reason when
# perf_event_open is missing or nested.v3 does not run here.
set -u
. "$(dirname "$0")/unwind-common.sh"

fix=${SFT_FIXTURES:-$SFT_SRC/tests/fixtures}/sframe
need_perf_event
[ -f "$fix/nested.v3" ] || { echo "FAIL: $fix/nested.v3 is missing"; exit 1; }
cd "$tmp" || exit 1
cp "$fix/nested.v3" "$tmp/nested.v3" && chmod +x "$tmp/nested.v3" || exit 1

# It must be V3, and it must run on this machine (its glibc, its CPU).
"$SFT_BIN" sframe "$tmp/nested.v3" >"$tmp/nested.dump" 2>&1 ||
	{ echo "FAIL: sframetrace sframe nested.v3 exited $?: $(head -n 3 "$tmp/nested.dump")"; exit 1; }
grep -q 'Version: SFRAME_VERSION_3' "$tmp/nested.dump" ||
	{ echo "FAIL: nested.v3 does not carry SFrame V3: $(grep Version "$tmp/nested.dump")"; exit 1; }
"$tmp/nested.v3" "$tmp/snap" >"$tmp/nested.out" 2>&1
rc=$?
[ $rc -eq 0 ] || skip "nested.v3 does not run here (exit $rc): $(head -n 2 "$tmp/nested.out")"
[ -s "$tmp/snap" ] || skip "nested.v3 wrote no snapshot: its SIGPROF never hit spin here"

for f in flex.v3 big.v3; do
	echo "note: $f not sampled: it runs for microseconds in its own code"
done

# 40 runs of about 5 ms of spin each.
# shellcheck disable=SC2016 # the loop is for the inner shell
sft_record nested --call-graph sframe -e cpu-clock -o "$tmp/nested.data" -- \
	sh -c 'i=0; while [ $i -lt 40 ]; do ./nested.v3 snap || exit 1; i=$((i + 1)); done'

"$SFT_BIN" script --no-inline -F comm,tid,ip,sym,dso -i "$tmp/nested.data" \
	>"$tmp/nested.script" 2>"$tmp/nested.script.err" ||
	{ echo "FAIL: sframetrace script exited $?: $(head -n 3 "$tmp/nested.script.err")"; exit 1; }
uw_suffixes "$tmp/nested.v3" >"$tmp/nested.sfx"
uw_chains "$tmp/nested.script" nested.v3 spin "$tmp/nested.sfx" >"$tmp/nested.chains"

start="$(uw_libc __libc_start_call_main) $(uw_libc '__libc_start_main[^ ]*') _start\\(nested\\.v3\\)"
want="spin\\(nested\\.v3\\) level3\\(nested\\.v3\\)( recurse\\(nested\\.v3\\)){6} level2\\(nested\\.v3\\) level1\\(nested\\.v3\\) main\\(nested\\.v3\\) $start"
h=$(lines "$tmp/nested.chains")
e=$(grep -Exc "$want" "$tmp/nested.chains")
echo "nested.v3, --call-graph sframe: $h samples in spin; exact chain: $e ($(uw_pct "$e" "$h")%)"
if [ "$h" -lt 50 ]; then
	bad "only $h samples in spin (want >= 50: 40 runs of ~5 ms at 4 kHz give ~800)"
elif [ $((e * 100)) -lt $((h * 99)) ]; then
	bad "only $e of $h spin samples ($(uw_pct "$e" "$h")%) have the chain spin <- level3 <- recurse x6 <- level2 <- level1 <- main <- __libc_start_call_main <- __libc_start_main <- _start; the most frequent others:"
	uw_show_bad "$tmp/nested.chains" "$want"
fi

# SFrame did those steps, not the DWARF CFI of the same binary.
"$SFT_BIN" report --unwind-stats -i "$tmp/nested.data" >"$tmp/nested.stats" 2>"$tmp/nested.stats.err" ||
	{ bad "sframetrace report --unwind-stats exited $?: $(head -n 3 "$tmp/nested.stats.err")"; }
nsf=$(sed -n 's/.*frames: *\([0-9]*\) by SFrame.*/\1/p' "$tmp/nested.stats")
if [ -z "$nsf" ]; then
	bad "report --unwind-stats prints no 'frames: N by SFrame' line:"
	sed 's/^/    /' "$tmp/nested.stats" | head -n 20
elif [ "$nsf" -lt $((h * 11)) ]; then
	bad "report --unwind-stats counts $nsf steps by SFrame; the $h spin samples alone need $((h * 11)) (11 each):"
	sed 's/^/    /' "$tmp/nested.stats" | head -n 20
else
	echo "ok: $nsf steps by SFrame (>= 11 x $h spin samples)"
fi

finish "sframe-mode stack copies of the SFrame V3 fixture nested.v3 unwind to main by SFrame"
