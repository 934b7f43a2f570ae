#!/bin/sh
# top --stdio: `top --stdio --count 2 -p PID` on a busy process prints two
# perf top tables whose top entry is its hot function; with -g that entry's
# call graph holds its callers; -K and -U hide kernel and user rows;
# system-wide `top -a --count 1` runs as root; bad input fails in one line
# with a non-zero status; --help and `help top` show the manual.
# The truth: tests/progs/top_hot.c spends nearly all its time in
# sft_top_hot_spin (caller sft_top_hot_caller, caller main).
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) without gcc or perf_event_open.
set -u
. "$(dirname "$0")/top-common.sh"

need_perf_event
build_top_hot
start_hot 60

# tables FILE: the number of tables (perf top's "PerfTop:" header lines).
tables() {
	grep -c '^   PerfTop: ' "$1"
}

# first_rows FILE: the first row of each table (the line after the blank
# line that follows the header's rule).
first_rows() {
	awk '/^   PerfTop: /{ t = 1; next } t == 1 && /^-+$/ { t = 2; next }
	     t == 2 && /^$/ { t = 3; next } t == 3 { print; t = 0 }' "$1"
}

# --- two tables, the hot function on top of both ---
"$SFT_BIN" top --stdio --count 2 -d 1 -p "$hot" >"$tmp/two.out" 2>"$tmp/two.err"
rc=$?
[ $rc -eq 0 ] || bad "top --stdio --count 2 -p $hot exited $rc: $(head -n 3 "$tmp/two.err")"
[ -s "$tmp/two.err" ] && { bad "top --stdio wrote to stderr:"; show "$tmp/two.err"; }
n=$(tables "$tmp/two.out")
[ "$n" -eq 2 ] || { bad "--count 2 printed $n tables, not 2:"; show "$tmp/two.out"; }
grep -q "^   PerfTop: .* \[4000Hz cpu-clock\],  (target_pid: $hot)\$" "$tmp/two.out" ||
	{ bad "no perf top header line naming 4000Hz cpu-clock and target_pid $hot:"; show "$tmp/two.out" 3; }
first_rows "$tmp/two.out" >"$tmp/two.first"
[ "$(lines "$tmp/two.first")" -eq 2 ] || bad "not two first rows"
while IFS= read -r row; do
	# "    99.12%  top_hot        [.] sft_top_hot_spin"
	if ! echo "$row" | grep -Eq "^ +[0-9]+\.[0-9]{2}%  top_hot +\[\.\] $HOT_FN\$"; then
		bad "a table's top entry is not top_hot's $HOT_FN: '$row'"
		continue
	fi
	p=$(echo "$row" | awk '{ sub("%", "", $1); print int($1) }')
	[ "$p" -ge 50 ] || bad "$HOT_FN has only $p% of a table: '$row'"
done <"$tmp/two.first"
# Only the target was sampled: every row is top_hot's or the kernel's
# (its system calls and interrupts) or its libraries'.
others=$(awk '/^ +[0-9.]+%  /' "$tmp/two.out" | grep -Ev '  (top_hot|\[kernel\]|\[vdso\]|libc\.so\.6|ld-linux-x86-64\.so\.2) +\[' | head -n 3)
[ -z "$others" ] || bad "rows of other programs under -p: $others"
[ $fail -eq 0 ] && echo "ok: two tables, $HOT_FN on top: $(tr '\n' '|' <"$tmp/two.first")"

# --- -g: the hot entry's call graph names its callers ---
"$SFT_BIN" top --stdio --count 1 -d 1.5 -g --no-children -E 1 -p "$hot" >"$tmp/g.out" 2>"$tmp/g.err"
rc=$?
[ $rc -eq 0 ] || bad "top -g exited $rc: $(head -n 3 "$tmp/g.err")"
first_rows "$tmp/g.out" | grep -Eq "  top_hot +\[\.\] $HOT_FN\$" ||
	{ bad "top -g --no-children: $HOT_FN is not the top entry:"; show "$tmp/g.out"; }
# The graph lines under the entry, innermost first (callee order).
awk 'f && /^$/ { exit } f { print } /^ +[0-9.]+%  top_hot/ { f = 1 }' "$tmp/g.out" |
	graph_frames >"$tmp/g.frames"
printf '%s\n' "$HOT_FN" sft_top_hot_caller main >"$tmp/g.want"
head -n 3 "$tmp/g.frames" | diff "$tmp/g.want" - >/dev/null ||
	{ bad "top -g: the hot entry's graph does not start $HOT_FN, sft_top_hot_caller, main:"; show "$tmp/g.out"; }
[ $fail -eq 0 ] && echo "ok: -g graph: $(tr '\n' ' ' <"$tmp/g.frames")"

# --- -K / -U ---
"$SFT_BIN" top --stdio --count 1 -d 1 -K -E 50 -p "$hot" >"$tmp/K.out" 2>&1 || bad "top -K failed"
grep -q ' \[k\] ' "$tmp/K.out" && { bad "-K still shows kernel rows:"; show "$tmp/K.out"; }
grep -q "\[\.\] $HOT_FN" "$tmp/K.out" || bad "-K hides $HOT_FN"
"$SFT_BIN" top --stdio --count 1 -d 1 -U -E 50 -p "$hot" >"$tmp/U.out" 2>&1 || bad "top -U failed"
grep -q ' \[\.\] ' "$tmp/U.out" && { bad "-U still shows user rows:"; show "$tmp/U.out"; }
echo "ok: -K and -U"

# --- system-wide, as root ---
if [ "$(id -u)" -eq 0 ]; then
	ncpu=$(getconf _NPROCESSORS_ONLN)
	word=CPUs
	[ "$ncpu" -eq 1 ] && word=CPU
	"$SFT_BIN" top -a --stdio --count 1 -d 1 -E 100 >"$tmp/a.out" 2>"$tmp/a.err"
	rc=$?
	[ $rc -eq 0 ] || bad "top -a --count 1 exited $rc: $(head -n 3 "$tmp/a.err")"
	[ -s "$tmp/a.err" ] && { bad "top -a wrote to stderr:"; show "$tmp/a.err"; }
	[ "$(tables "$tmp/a.out")" -eq 1 ] || bad "top -a --count 1 did not print one table"
	grep -q "(all, $ncpu $word)\$" "$tmp/a.out" || bad "top -a header does not say (all, $ncpu $word)"
	grep -Eq "  top_hot +\[\.\] $HOT_FN\$" "$tmp/a.out" ||
		{ bad "top -a does not show the busy $HOT_FN:"; show "$tmp/a.out"; }
	grep -q ' \[k\] ' "$tmp/a.out" || bad "top -a shows no kernel symbols"
	echo "ok: system-wide, $(awk '/^ +[0-9.]+%  /' "$tmp/a.out" | wc -l) rows"
else
	echo "note: not root: system-wide top not tested"
fi

# --- errors: one line, non-zero ---
# err NAME WANT-RC REGEX ARGS...: top ARGS must exit WANT-RC ("nz": any
# non-zero) with exactly one stderr line matching REGEX and no table.
err() {
	e_name=$1 e_rc=$2 e_re=$3
	shift 3
	"$SFT_BIN" top "$@" >"$tmp/e.out" 2>"$tmp/e.err"
	rc=$?
	if [ "$e_rc" = nz ]; then
		[ $rc -ne 0 ] || bad "$e_name: exited 0"
	else
		[ $rc -eq "$e_rc" ] || bad "$e_name: exited $rc, not $e_rc"
	fi
	[ "$(head -n 1 "$tmp/e.err" | grep -Ec "$e_re")" -eq 1 ] ||
		{ bad "$e_name: stderr does not say /$e_re/:"; show "$tmp/e.err"; }
	grep -q PerfTop "$tmp/e.out" && bad "$e_name: printed a table"
	case $e_name in
	unknown-option|missing-value|stray-argument) ;;   # the usage follows the line
	*) [ "$(lines "$tmp/e.err")" -eq 1 ] || { bad "$e_name: more than one line:"; show "$tmp/e.err"; } ;;
	esac
	echo "ok: $e_name: $(head -n 1 "$tmp/e.err")"
}
# A pid that does not exist: the top of the range, else downwards.
nopid=$(($(cat /proc/sys/kernel/pid_max) - 1))
while kill -0 "$nopid" 2>/dev/null; do nopid=$((nopid - 1)); done
err no-such-pid nz "^sframetrace: no such process: $nopid\$|^sframetrace top: no such process: $nopid\$" \
	--stdio --count 1 -p "$nopid"
err no-such-tid nz "no such process: $nopid\$" --stdio --count 1 -t "$nopid"
err bad-pid 2 "^sframetrace top: invalid pid list 'abc'\$" --stdio -p abc
err unknown-option 2 "^sframetrace top: unknown option '--frobnicate'\$" --stdio --frobnicate
err missing-value 2 "^sframetrace top: option '-d' needs a value\$" --stdio -d
err stray-argument 2 "^sframetrace top: unexpected argument 'extra'\$" --stdio extra
err bad-delay 2 "^sframetrace top: invalid delay 'soon'" --stdio -d soon
err bad-count 2 "^sframetrace top: invalid --count '0'" --stdio --count 0
err bad-event 2 "^sframetrace top: unknown event 'no-such-event'\$" --stdio -e no-such-event
err bad-sort 2 "^sframetrace top: --sort: unknown sort key 'bogus'" --stdio -s bogus
err bad-cpu 2 "^sframetrace top: invalid CPU list 'x'\$" --stdio -C x
err bad-call-graph 2 "^sframetrace top: invalid --call-graph 'bogus'" --stdio --call-graph bogus
err pid-and-all 2 "^sframetrace top: -p/-t cannot be combined with -a/-C\$" --stdio -a -p "$hot"
err tui-no-terminal 2 "^sframetrace top: --tui: standard output is not a terminal\$" --tui -p "$hot"

# Without permission: system-wide as nobody, where perf_event_paranoid forbids it.
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
if [ "$(id -u)" -eq 0 ] && [ "$paranoid" -gt 0 ] && command -v setpriv >/dev/null 2>&1; then
	if setpriv --reuid=65534 --regid=65534 --clear-groups "$SFT_BIN" --version >/dev/null 2>&1; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$SFT_BIN" top -a --stdio --count 1 >"$tmp/p.out" 2>"$tmp/p.err"
		rc=$?
		[ $rc -ne 0 ] || bad "top -a as nobody exited 0"
		if [ "$(lines "$tmp/p.err")" -eq 1 ] && grep -q "^sframetrace top: .*: permission denied (perf_event_paranoid is $paranoid" "$tmp/p.err"; then
			echo "ok: no permission: $(cat "$tmp/p.err")"
		else
			bad "top -a as nobody: not one 'permission denied' line:"
			show "$tmp/p.err"
		fi
	else
		echo "note: nobody cannot run $SFT_BIN: the permission error not tested"
	fi
else
	echo "note: not root, perf_event_paranoid <= 0 or no setpriv: the permission error not tested"
fi

# --- help ---
if command -v man >/dev/null 2>&1; then
	MANPAGER=cat MANWIDTH=100 "$SFT_BIN" top --help >"$tmp/h1" 2>&1
	grep -q "sframetrace-top - " "$tmp/h1" || { bad "top --help does not show sframetrace-top(1)"; show "$tmp/h1" 5; }
	MANPAGER=cat MANWIDTH=100 "$SFT_BIN" help top >"$tmp/h2" 2>&1
	cmp -s "$tmp/h1" "$tmp/h2" || bad "help top differs from top --help"
	echo "ok: top --help and help top show the manual"
fi
mkdir "$tmp/nobin"
PATH="$tmp/nobin" "$SFT_BIN" top --help >"$tmp/u" 2>&1
grep -q "usage: sframetrace top" "$tmp/u" || bad "top --help without man: no usage"

finish top-stdio
