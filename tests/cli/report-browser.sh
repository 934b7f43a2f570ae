#!/bin/sh
# report's browser (tmux): on a terminal `sframetrace report` opens the
# browser, its first entry is report --stdio's first row, Enter unfolds a
# call graph whose frames and branch percentages are those report --stdio
# prints under that entry (in the same order; default, --no-children,
# every branch with threshold 0, fractal), Enter again folds it, the /
# filter leaves the matching rows, q exits 0 and the terminal is
# given back; --tui without a terminal and --stdio in one are refused /
# honoured. The recording is of tests/progs/top_hot.c with frame pointers,
# so the frames must also hold its known chain (sft_top_hot_spin called by
# sft_top_hot_caller called by main).
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) without tmux, gcc or
# perf_event_open.
set -u
. "$(dirname "$0")/top-common.sh"

need_tmux
need_perf_event
build_top_hot
"$SFT_BIN" record -q --call-graph fp -e cpu-clock -F 2000 -o "$tmp/perf.data" -- "$tmp/top_hot" 1.5 \
	>"$tmp/rec.out" 2>"$tmp/rec.err" || { bad "record failed: $(head -n 3 "$tmp/rec.err")"; finish report-browser; }

# The text view is the reference. By default (call graphs) the first entry
# has children; --no-children makes the hot function the first entry: both.
check() { # NAME report-args...
	c_name=$1
	shift
	"$SFT_BIN" report --stdio -i "$tmp/perf.data" "$@" >"$tmp/$c_name.stdio" 2>"$tmp/$c_name.stdio.err" ||
		{ bad "$c_name: report --stdio failed"; return; }
	# first row and the graph lines under it, up to the blank line
	report_rows "$tmp/$c_name.stdio" | head -n 1 >"$tmp/$c_name.row"
	awk 'f && /^$/ { exit } f { print } !f && /^ +[0-9.]+%/ { f = 1 }' "$tmp/$c_name.stdio" \
		>"$tmp/$c_name.graph"
	graph_frames <"$tmp/$c_name.graph" >"$tmp/$c_name.want"
	graph_percents <"$tmp/$c_name.graph" >"$tmp/$c_name.wantp"
	[ -s "$tmp/$c_name.want" ] || { bad "$c_name: report --stdio prints no call graph under its first entry"; return; }
	grep -qx "$HOT_FN" "$tmp/$c_name.want" && grep -qx sft_top_hot_caller "$tmp/$c_name.want" &&
		grep -qx main "$tmp/$c_name.want" ||
		bad "$c_name: report --stdio's graph lacks $HOT_FN / sft_top_hot_caller / main: $(tr '\n' ' ' <"$tmp/$c_name.want")"

	tm kill-server 2>/dev/null
	sleep 0.2
	rm -f "$tmp/$c_name.rc" "$tmp/$c_name.before" "$tmp/$c_name.after"
	tmux_start 200 60 "stty -g >$tmp/$c_name.before; $SFT_BIN report -i $tmp/perf.data $* 2>$tmp/$c_name.err; echo \$? >$tmp/$c_name.rc; stty -g >$tmp/$c_name.after; sleep 600"
	if ! wait_screen "$tmp/$c_name.s1" 10 '/Press .\?. for help/ { print "yes"; exit }'; then
		bad "$c_name: report on a terminal shows no browser:"
		show "$tmp/$c_name.s1"
		return
	fi
	head -n 1 "$tmp/$c_name.s1" | grep -q "^Samples: [0-9]*K* of event 'cpu-clock', Event count (approx.): [0-9]*" ||
		bad "$c_name: no 'Samples: ... of event' title: $(head -n 1 "$tmp/$c_name.s1")"
	# Line 4 is the first entry: '+' (a graph to unfold) and the stdio row.
	sed -n 4p "$tmp/$c_name.s1" | sed 's/[[:space:]]*$//' >"$tmp/$c_name.brow"
	if [ "$(cut -c1 "$tmp/$c_name.brow")" != "+" ]; then
		bad "$c_name: the first entry has no '+' to unfold: $(cat "$tmp/$c_name.brow")"
	fi
	if [ "$(cut -c2- "$tmp/$c_name.brow")" != "$(cat "$tmp/$c_name.row")" ]; then
		bad "$c_name: first entry differs from report --stdio's first row:"
		echo "    browser: $(cut -c2- "$tmp/$c_name.brow")"
		echo "    stdio:   $(cat "$tmp/$c_name.row")"
	fi
	# Line 5 is the second entry (folded graphs show nothing).
	sed -n 5p "$tmp/$c_name.s1" | grep -Eq '^[+ ] +[0-9]+\.[0-9]{2}%' ||
		bad "$c_name: a graph shows before Enter: $(sed -n 5p "$tmp/$c_name.s1")"

	tm send-keys -t t Enter
	wait_screen "$tmp/$c_name.s2" 5 'NR == 4 { print /^-/ ? "yes" : "no"; exit }' ||
		bad "$c_name: Enter does not unfold the first entry (no '-' mark):"
	# the graph lines: from line 5 up to the next entry row
	awk 'NR > 4 && /^[+ -] +[0-9]+\.[0-9][0-9]%/ { exit } NR > 4 { print }' "$tmp/$c_name.s2" |
		grep -v "^Press '?' for help" >"$tmp/$c_name.bgraph"
	graph_frames <"$tmp/$c_name.bgraph" >"$tmp/$c_name.got"
	graph_percents <"$tmp/$c_name.bgraph" >"$tmp/$c_name.gotp"
	cmp -s "$tmp/$c_name.wantp" "$tmp/$c_name.gotp" ||
		bad "$c_name: branch percentages differ: stdio $(tr '\n' ' ' <"$tmp/$c_name.wantp"), browser $(tr '\n' ' ' <"$tmp/$c_name.gotp")"
	if diff -u --label "report --stdio" --label "browser" "$tmp/$c_name.want" "$tmp/$c_name.got" >"$tmp/$c_name.diff"; then
		echo "ok: $c_name: Enter unfolds $(lines "$tmp/$c_name.got") frames, as report --stdio: $(tr '\n' ' ' <"$tmp/$c_name.got")"
	else
		bad "$c_name: the unfolded graph's frames differ from report --stdio's:"
		show "$tmp/$c_name.diff"
		show "$tmp/$c_name.s2" 30
	fi
	tm send-keys -t t Enter
	wait_screen "$tmp/$c_name.s3" 5 'NR == 4 { print /^\+/ ? "yes" : "no"; exit }' ||
		bad "$c_name: Enter again does not fold it"
	tm send-keys -t t q
	if wait_file "$tmp/$c_name.after" 10; then
		[ "$(cat "$tmp/$c_name.rc")" -eq 0 ] || bad "$c_name: report exited $(cat "$tmp/$c_name.rc")"
		[ -s "$tmp/$c_name.err" ] && { bad "$c_name: report wrote to stderr:"; show "$tmp/$c_name.err"; }
		cmp -s "$tmp/$c_name.before" "$tmp/$c_name.after" || bad "$c_name: terminal settings changed"
	else
		bad "$c_name: q did not end report"
	fi
}
check default
check no-children --no-children
# Threshold 0: the hot path branches into the kernel frames of interrupts.
check branches -g graph,0
check fractal -g fractal,0 --no-children

# The filter: only matching symbols stay.
tm kill-server 2>/dev/null
sleep 0.2
tmux_start 200 60 "$SFT_BIN report --no-children -i $tmp/perf.data; sleep 600"
wait_screen "$tmp/f0" 10 '/Press .\?. for help/ { print "yes"; exit }' || bad "filter: no browser"
tm send-keys -t t / hot_sp Enter
if wait_screen "$tmp/f1" 5 '/\[filter: hot_sp\]/ { print "yes"; exit }'; then
	n=$(awk 'NR > 3 && /^[+ -] +[0-9]+\.[0-9][0-9]%/' "$tmp/f1" | wc -l)
	m=$(awk 'NR > 3 && /^[+ -] +[0-9]+\.[0-9][0-9]%/ && /\[\.\] sft_top_hot_spin$/' "$tmp/f1" | wc -l)
	[ "$n" -eq 1 ] && [ "$m" -eq 1 ] || { bad "filter 'hot_sp': $n rows, $m of them sft_top_hot_spin:"; show "$tmp/f1" 10; }
	echo "ok: filter 'hot_sp' leaves the one row of $HOT_FN"
else
	bad "/ caller Enter shows no filter"
	show "$tmp/f1" 10
fi

# Off a terminal: --tui is refused in one line, the default is text.
"$SFT_BIN" report --tui -i "$tmp/perf.data" >"$tmp/t.out" 2>"$tmp/t.err"
rc=$?
[ $rc -eq 2 ] && [ "$(lines "$tmp/t.err")" -eq 1 ] &&
	grep -q "^sframetrace report: --tui: standard output is not a terminal$" "$tmp/t.err" ||
	bad "report --tui into a file: exit $rc, $(cat "$tmp/t.err")"
"$SFT_BIN" report -i "$tmp/perf.data" >"$tmp/d.out" 2>/dev/null
cmp -s "$tmp/d.out" "$tmp/default.stdio" || bad "report into a file is not the --stdio text"
# --stdio on a terminal prints the text, no browser.
tm kill-server 2>/dev/null
sleep 0.2
tmux_start 200 60 "$SFT_BIN report --stdio --no-children -g none -i $tmp/perf.data; echo done >$tmp/x.done; sleep 600"
if wait_file "$tmp/x.done" 10; then
	capture "$tmp/x1"
	grep -q "Press '?' for help" "$tmp/x1" && bad "report --stdio on a terminal opened the browser"
	grep -Eq "^ +[0-9.]+% +top_hot +top_hot +\[\.\] $HOT_FN\$" "$tmp/x1" ||
		{ bad "report --stdio on a terminal does not print the text:"; show "$tmp/x1" 20; }
else
	bad "report --stdio on a terminal did not end"
fi

finish report-browser
