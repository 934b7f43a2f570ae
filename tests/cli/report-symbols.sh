#!/bin/sh
# Where report finds a binary's symbols, and when it must refuse them.
# (a) A frame-pointer build of tests/progs/symvariant.c is split the usual
#     way (objcopy --only-keep-debug, strip --strip-all, objcopy
#     --add-gnu-debuglink) and recorded with sframetrace record -g
#     --call-graph fp: report -g none --no-children -s sym shows hot_inner
#     with the percentage perf report shows for it (or, should this perf
#     not follow the debuglink, at least the symbol nm lists in prog.debug);
#     with prog.debug moved away, hot_inner is gone (so it came from there).
# (b) The binary is then rebuilt with -DVARIANT=2, which changes its build
#     id but no function's address: report exits 0, says on stderr that the
#     binary "changed since recording", naming it, and shows the binary's
#     samples as unresolved addresses, hot_inner nowhere; together they
#     weigh what perf gave the binary before the rebuild.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when perf,
# gcc, binutils or perf_event_open is missing.
set -u
. "$(dirname "$0")/report-common.sh"

need_perf
need_perf_event
for t in objcopy strip nm readelf; do
	command -v $t >/dev/null 2>&1 || skip "$t (binutils) is not installed"
done
build_fp prog symvariant
cd "$tmp" || exit 1

objcopy --only-keep-debug prog prog.debug && strip --strip-all prog &&
	objcopy --add-gnu-debuglink=prog.debug prog || { echo "FAIL: cannot split prog's debug info"; exit 1; }
nm prog >"$tmp/nm.prog" 2>&1
nm -D prog >>"$tmp/nm.prog" 2>&1
grep -q hot_inner "$tmp/nm.prog" && { echo "FAIL: the stripped prog still names hot_inner"; exit 1; }
inner_addr=$(nm prog.debug | awk '$3 == "hot_inner" { print $1 }')
[ -n "$inner_addr" ] || { echo "FAIL: nm lists no hot_inner in prog.debug"; exit 1; }
old_bid=$(readelf -n prog | sed -n 's/^ *Build ID: *//p')

sft_record prog -g --call-graph fp -e cpu-clock -o "$tmp/prog.data" -- ./prog 400

# inner_row FILE: hot_inner's row of a report output.
inner_row() {
	report_rows "$1" | grep -E '\[\.\] hot_inner$'
}

# (a) The debuglink.
opts="-g none --no-children -s sym"
perf report --stdio -i "$tmp/prog.data" $opts >"$tmp/a.perf" 2>"$tmp/a.perf.err"
"$SFT_BIN" report --stdio -i "$tmp/prog.data" $opts >"$tmp/a.sft" 2>"$tmp/a.sft.err"
rc=$?
[ $rc -eq 0 ] || bad "(a) sframetrace report $opts exited $rc: $(head -n 3 "$tmp/a.sft.err")"
[ -s "$tmp/a.sft.err" ] && bad "(a) sframetrace report $opts wrote to stderr: $(head -n 3 "$tmp/a.sft.err")"
want=$(inner_row "$tmp/a.perf")
got=$(inner_row "$tmp/a.sft")
if [ -n "$want" ]; then
	if [ "$got" = "$want" ]; then
		echo "ok: (a) hot_inner through the debuglink, as perf shows it: $got"
	else
		bad "(a) report $opts: perf shows '$want', sframetrace '${got:-no hot_inner row}'"
		report_rows "$tmp/a.sft" | head -n 5 | sed 's/^/    /'
	fi
else
	echo "note: (a) perf report did not follow the debuglink; checking against nm prog.debug"
	if [ -n "$got" ]; then
		echo "ok: (a) hot_inner (at 0x$inner_addr in prog.debug) through the debuglink: $got"
	else
		bad "(a) report $opts shows no hot_inner, which nm lists in prog.debug:"
		report_rows "$tmp/a.sft" | head -n 5 | sed 's/^/    /'
	fi
fi

# Without prog.debug nothing knows prog's symbols any more.
mv prog.debug prog.debug.away
"$SFT_BIN" report --stdio -i "$tmp/prog.data" $opts >"$tmp/a2.sft" 2>"$tmp/a2.sft.err"
rc=$?
[ $rc -eq 0 ] || bad "(a) without prog.debug, report exited $rc: $(head -n 3 "$tmp/a2.sft.err")"
if [ -n "$(inner_row "$tmp/a2.sft")" ]; then
	bad "(a) without prog.debug, report still shows hot_inner: where from?"
else
	echo "ok: (a) without prog.debug, hot_inner is not shown: $(report_rows "$tmp/a2.sft" | head -n 1)"
fi
mv prog.debug.away prog.debug

# What perf gives prog as a whole, before the rebuild.
perf report --stdio -i "$tmp/prog.data" -g none --no-children -s dso >"$tmp/dso.perf" 2>/dev/null
prog_pct=$(report_rows "$tmp/dso.perf" | awk '$2 == "prog" { sub(/%/, "", $1); print $1 }')
[ -n "$prog_pct" ] || bad "perf report -s dso shows no row for prog"

# (b) Rebuilt after recording: another build id, the same addresses.
build_fp prog symvariant -DVARIANT=2
new_bid=$(readelf -n prog | sed -n 's/^ *Build ID: *//p')
[ "$new_bid" != "$old_bid" ] || { echo "FAIL: the rebuild kept build id $old_bid"; exit 1; }
new_addr=$(nm prog | awk '$3 == "hot_inner" { print $1 }')
if [ "$new_addr" = "$inner_addr" ]; then
	echo "note: (b) hot_inner is at 0x$new_addr in both builds: only the build id tells them apart"
else
	echo "note: (b) hot_inner moved from 0x$inner_addr to 0x$new_addr"
fi
opts="-g none --no-children -s dso,sym"
"$SFT_BIN" report --stdio -i "$tmp/prog.data" $opts >"$tmp/b.sft" 2>"$tmp/b.sft.err"
rc=$?
[ $rc -eq 0 ] || bad "(b) report of the changed binary exited $rc (want 0)"
if grep -q "changed since recording" "$tmp/b.sft.err" && grep -q "$tmp/prog" "$tmp/b.sft.err"; then
	echo "ok: (b) stderr: $(grep "changed since recording" "$tmp/b.sft.err" | head -n 1)"
else
	bad "(b) stderr does not say that $tmp/prog changed since recording:"
	sed 's/^/    /' "$tmp/b.sft.err" | head -n 5
fi
report_rows "$tmp/b.sft" | awk '$2 == "prog"' >"$tmp/b.prog-rows"
if grep -q hot_inner "$tmp/b.sft"; then
	bad "(b) hot_inner is still attributed although prog changed:"
	grep hot_inner "$tmp/b.sft" | head -n 3 | sed 's/^/    /'
fi
if grep -Evq '\[\.\] 0x[0-9a-f]+$' "$tmp/b.prog-rows"; then
	bad "(b) rows of prog that are not unresolved addresses:"
	grep -Ev '\[\.\] 0x[0-9a-f]+$' "$tmp/b.prog-rows" | head -n 5 | sed 's/^/    /'
fi
if ! [ -s "$tmp/b.prog-rows" ]; then
	bad "(b) no rows for prog at all:"
	report_rows "$tmp/b.sft" | head -n 5 | sed 's/^/    /'
else
	# The unresolved rows carry all of prog's samples: their percentages
	# add up to perf's for prog, give or take the rounding of each row.
	n=$(lines "$tmp/b.prog-rows")
	sum=$(awk '{ sub(/%/, "", $1); s += $1 } END { printf "%.2f", s }' "$tmp/b.prog-rows")
	if [ -n "$prog_pct" ] && awk -v s="$sum" -v p="$prog_pct" -v n="$n" \
		'BEGIN { d = s - p; if (d < 0) d = -d; exit !(d <= 0.005 * n + 0.005) }'; then
		echo "ok: (b) prog's $n rows are unresolved addresses, together $sum% (perf gave prog $prog_pct% before the rebuild)"
	else
		bad "(b) prog's $n unresolved rows add up to $sum%, perf gave prog ${prog_pct:-?}%"
	fi
fi

finish "report finds symbols through a debuglink and refuses a rebuilt binary's"
