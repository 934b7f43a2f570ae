# Shared helpers of the tests/cli/top-*.sh and report-browser.sh tests
# (sourced, not run), on top of report-common.sh and record-common.sh (bad,
# skip, $tmp, cleanup of background processes, report_rows).
# The truth they check against: tests/progs/top_hot.c spends nearly all its
# time in sft_top_hot_spin, called by sft_top_hot_caller, called by main.

. "$(dirname "$0")/report-common.sh"

HOT_FN=sft_top_hot_spin

# build_top_hot: tests/progs/top_hot.c -> $tmp/top_hot, with frame pointers
# (so that a frame-pointer walk, the kernel's or the unwinder's fallback,
# gives whole stacks; the hot function is not a leaf, see its source).
build_top_hot() {
	command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
	if ! gcc -O2 -g -fno-omit-frame-pointer -o "$tmp/top_hot" \
		"$SFT_SRC/tests/progs/top_hot.c" 2>"$tmp/gcc.err"; then
		echo "FAIL: cannot build tests/progs/top_hot.c:"
		cat "$tmp/gcc.err"
		exit 1
	fi
}

# start_hot SECONDS: run top_hot in the background; $hot is its pid.
start_hot() {
	"$tmp/top_hot" "$1" >/dev/null &
	hot=$!
	bg_pids="$bg_pids $hot"
	sleep 0.3
}

need_tmux() {
	command -v tmux >/dev/null 2>&1 || skip "tmux is not installed (scripts/install-deps.sh installs it)"
}

# A tmux server of our own (-L), no user config; killed at exit.
tmux_sock=sft-test-$$
tm() {
	tmux -L "$tmux_sock" -f /dev/null "$@"
}
tmux_cleanup() {
	command -v tmux >/dev/null 2>&1 && tm kill-server 2>/dev/null
	cleanup
}
trap tmux_cleanup EXIT

# tmux_start W H CMD: a detached session "t" of W x H running CMD in sh.
tmux_start() {
	tm new-session -d -s t -x "$1" -y "$2" "$3" || {
		echo "FAIL: tmux cannot start a session"
		exit 1
	}
	# Sizes set by resize-window stay as given, whatever clients attach.
	tm set-option -g window-size manual 2>/dev/null
}

# capture FILE: the pane's text.
capture() {
	tm capture-pane -p -t t >"$1" 2>/dev/null
}

# wait_screen FILE SECONDS AWK-CONDITION: capture until the awk program
# (given the screen) prints "yes", at most SECONDS; returns 1 on timeout.
wait_screen() {
	ws_n=0
	while [ $ws_n -lt $(($2 * 10)) ]; do
		capture "$1"
		[ "$(awk "$3" "$1")" = yes ] && return 0
		sleep 0.1
		ws_n=$((ws_n + 1))
	done
	return 1
}

# wait_file FILE SECONDS: until FILE exists and is not empty.
wait_file() {
	wf_n=0
	while [ ! -s "$1" ] && [ $wf_n -lt $(($2 * 10)) ]; do
		sleep 0.1
		wf_n=$((wf_n + 1))
	done
	[ -s "$1" ]
}

# show FILE: a screen or output, indented, for a failure message.
show() {
	sed 's/^/    | /' "$1" | head -n "${2:-40}"
}

# graph_frames: read call-graph lines (report --stdio's or the browser's)
# on stdin, print one frame name per line: tree drawing ('|', '---',
# '--xx.xx%--') and indentation removed, empty lines dropped.
graph_frames() {
	sed -e 's/^[[:space:]|]*//' -e 's/^---//' -e 's/^--[0-9.]*%--//' \
		-e 's/[[:space:]]*$//' | grep -v '^$'
}

# graph_percents: the branch percentages of call-graph lines on stdin
# ('--xx.xx%--'), one per line, in order.
graph_percents() {
	grep -o -- '--[0-9.]*%--' | tr -d '-'
}
