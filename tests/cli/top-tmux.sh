#!/bin/sh
# top on a terminal (tmux): `sframetrace top -p PID` on a busy process shows
# its hot function as the top entry within a few seconds; the screen
# redraws to a new width when the pane is resized; q exits 0, and q,
# Ctrl-C and SIGTERM all leave the terminal settings as they were before
# (stty -g before and after, in the same pane).
# The truth: tests/progs/top_hot.c spends nearly all its time in
# sft_top_hot_spin.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) without tmux, gcc or
# perf_event_open.
set -u
. "$(dirname "$0")/top-common.sh"

need_tmux
need_perf_event
build_top_hot
start_hot 90

# A pane's program runs in a shell of its own, so stty and the exit status
# need a wrapper script: write it once.
cat >"$tmp/pane.sh" <<EOS
#!/bin/sh
# pane.sh NAME ARGS...: stty before, top in the foreground (its pid in
# NAME.pid), its status, stty after; then wait. The shell outlives the
# Ctrl-C meant for top (a trap, which top does not inherit).
name=\$1
shift
trap : INT
stty -g >"$tmp/\$name.before"
sh -c 'echo \$\$ >"\$0"; exec "\$@"' "$tmp/\$name.pid" "$SFT_BIN" top "\$@" 2>"$tmp/\$name.err"
echo \$? >"$tmp/\$name.rc"
stty -g >"$tmp/\$name.after"
sleep 600
EOS
chmod +x "$tmp/pane.sh"

# pane NAME ARGS...: a fresh 100x30 pane running pane.sh.
pane() {
	tm kill-server 2>/dev/null
	sleep 0.2
	p_name=$1
	shift
	rm -f "$tmp/$p_name".*
	tmux_start 100 30 "$tmp/pane.sh $p_name $*"
}

# first_entry SCREEN: the first table row under the column header.
first_entry() {
	awk 'h { print; exit } /^ +Overhead  Shared Object  Symbol/ { h = 1 }' "$1"
}

# ended NAME WHAT: top exited 0 and the terminal settings are back.
ended() {
	if ! wait_file "$tmp/$1.after" 10; then
		bad "$2: top did not exit within 10 s"
		capture "$tmp/$1.stuck"
		show "$tmp/$1.stuck" 10
		return
	fi
	rc=$(cat "$tmp/$1.rc")
	[ "$rc" -eq 0 ] || bad "$2: top exited $rc: $(head -n 3 "$tmp/$1.err")"
	if cmp -s "$tmp/$1.before" "$tmp/$1.after"; then
		echo "ok: $2: exit $rc, terminal settings restored"
	else
		bad "$2: terminal settings differ after top: $(cat "$tmp/$1.before") -> $(cat "$tmp/$1.after")"
	fi
	[ -s "$tmp/$1.err" ] && { bad "$2: top wrote to stderr:"; show "$tmp/$1.err"; }
	# The screen is the shell's again: no table left on it (alternate screen left).
	capture "$tmp/$1.end"
	grep -q 'PerfTop:' "$tmp/$1.end" && { bad "$2: top's screen is still shown:"; show "$tmp/$1.end" 10; }
}

# --- the hot function on top; resize; q ---
# Refreshes 5 s apart: the redraw after a resize cannot be the next refresh.
pane main -d 5 -p "$hot"
if wait_screen "$tmp/s1" 12 "/^ +Overhead  Shared Object  Symbol/ { h = 1; next }
	h { print (\$0 ~ /^ +[0-9.]+%  top_hot +\\[\\.\\] $HOT_FN\$/) ? \"yes\" : \"no\"; exit }"; then
	echo "ok: top entry within a few seconds: $(first_entry "$tmp/s1")"
	p=$(first_entry "$tmp/s1" | awk '{ sub("%", "", $1); print int($1) }')
	[ "$p" -ge 50 ] || bad "$HOT_FN has only $p%"
else
	bad "top -p $hot does not show $HOT_FN as the top entry within 10 s:"
	show "$tmp/s1"
fi
head -n 1 "$tmp/s1" | grep -q "^   PerfTop: .* irqs/sec .* lost: [0-9]*/[0-9]* .*cpu-clock" ||
	bad "no PerfTop header line (samples/s, lost, event): $(head -n 1 "$tmp/s1")"

# The rule under the header spans the pane: 100 wide, then 140 after the resize.
rule() {
	sed -n 2p "$1" | awk '/^-+$/ { print length($0); exit } { print 0 }'
}
w=$(rule "$tmp/s1")
[ "$w" -eq 100 ] || bad "the rule is $w wide in a 100-column pane"
tm resize-window -t t -x 140 -y 35
if wait_screen "$tmp/s2" 2 "NR == 2 { print length(\$0) == 140 && /^-+\$/ ? \"yes\" : \"no\"; exit }"; then
	echo "ok: resized to 140 columns: the rule is 140 wide"
else
	bad "after resizing to 140x35 the screen was not redrawn to 140 columns (rule: $(rule "$tmp/s2")):"
	show "$tmp/s2" 5
fi
# Rows still there, and the status line at the new bottom (line 35).
first_entry "$tmp/s2" | grep -q "$HOT_FN" || bad "after the resize $HOT_FN is not the top entry"
sed -n 35p "$tmp/s2" | grep -q "Press '?' for help" || bad "after the resize the status line is not on line 35"
tm resize-window -t t -x 70 -y 30
if wait_screen "$tmp/s3" 2 "NR == 2 { print length(\$0) == 70 && /^-+\$/ ? \"yes\" : \"no\"; exit }"; then
	echo "ok: resized to 70 columns"
else
	bad "after resizing to 70x30 the rule is not 70 wide:"
	show "$tmp/s3" 5
fi
# Help and back.
tm send-keys -t t '?'
wait_screen "$tmp/s4" 3 '/Press any key to close this help/ { print "yes"; exit }' ||
	bad "? shows no help"
tm send-keys -t t x
wait_screen "$tmp/s5" 3 'BEGIN { r = "yes" } /Press any key to close this help/ { r = "no" } END { print r }' ||
	bad "a key does not close the help"
tm send-keys -t t q
ended main "q"

# --- Ctrl-C and SIGTERM leave the terminal as it was too ---
pane intr -d 1 -p "$hot"
wait_screen "$tmp/i1" 10 '/PerfTop:/ { print "yes"; exit }' || bad "C-c run: no screen"
tm send-keys -t t C-c
ended intr "Ctrl-C"

pane term -d 1 -p "$hot"
wait_screen "$tmp/t1" 10 '/PerfTop:/ { print "yes"; exit }' || bad "SIGTERM run: no screen"
wait_file "$tmp/term.pid" 5 && kill -TERM "$(cat "$tmp/term.pid")"
ended term "SIGTERM"

# --count ends it by itself: exit 0 and the terminal restored.
pane count --count 2 -d 0.5 -p "$hot"
ended count "--count 2"

finish top-tmux
