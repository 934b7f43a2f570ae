# Shared helpers of the tests/cli/record-*.sh tests (sourced, not run).
# Environment: SFT_BIN (the sframetrace binary), SFT_SRC (source tree).
# Each helper that finds a missing prerequisite exits 77 with the reason.

: "${SFT_BIN:?SFT_BIN must name the sframetrace binary}"
: "${SFT_SRC:?SFT_SRC must name the source tree}"

fail=0
bg_pids=
bg_groups=

bad() {
	echo "FAIL: $*"
	fail=1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

cleanup() {
	for g in $bg_groups; do
		kill -KILL -"$g" 2>/dev/null
	done
	for p in $bg_pids; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sft-record.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need_perf() {
	command -v perf >/dev/null 2>&1 || skip "perf is not installed"
	perf version >/dev/null 2>&1 || skip "perf is installed but does not run (no perf for this kernel?)"
}

# A tiny recording must work: perf_event_open may be forbidden here.
need_perf_event() {
	"$SFT_BIN" record -q -e cpu-clock -o "$tmp/probe.data" -- true \
		>"$tmp/probe.out" 2>"$tmp/probe.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		if grep -q "permission denied" "$tmp/probe.err"; then
			skip "perf_event_open not permitted: $(head -n 1 "$tmp/probe.err")"
		fi
		echo "FAIL: sframetrace record of 'true' exited $rc:"
		cat "$tmp/probe.err"
		exit 1
	fi
	rm -f "$tmp/probe.data" "$tmp/probe.data.old"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root ($1)"
}

# build_prog NAME: tests/progs/NAME.c -> $tmp/NAME, FP-less with SFrame.
build_prog() {
	command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
	if ! gcc -O2 -g -fomit-frame-pointer -Wa,--gsframe -o "$tmp/$1" \
		"$SFT_SRC/tests/progs/$1.c" 2>"$tmp/gcc.err"; then
		if grep -q "gsframe" "$tmp/gcc.err"; then
			skip "the assembler does not know --gsframe (binutils < 2.41)"
		fi
		echo "FAIL: cannot build tests/progs/$1.c:"
		cat "$tmp/gcc.err"
		exit 1
	fi
}

# run_perf NAME perf-args...: stdout to $tmp/NAME.out; must exit 0 and
# write nothing at all to stderr (perf's warnings go there).
run_perf() {
	name=$1
	shift
	perf "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	[ $rc -eq 0 ] || bad "perf $* exited $rc"
	if [ -s "$tmp/$name.err" ]; then
		bad "perf $* wrote to stderr:"
		sed 's/^/    /' "$tmp/$name.err" | head -n 20
	fi
}

# run_perf_lost NAME LOST perf-args...: as run_perf, but when record
# reported LOST > 0 lost events, perf's warning about lost chunks (and only
# that) is allowed on stderr: losses come from a loaded machine, not from
# a broken file.
run_perf_lost() {
	name=$1
	nlost=$2
	shift 2
	perf "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	[ $rc -eq 0 ] || bad "perf $* exited $rc"
	if [ "$nlost" != 0 ]; then
		# With one-page buffers overflowing, the kernel may queue a LOST
		# record stamped before events already written in an earlier
		# round; perf then also counts "out of order events".
		grep -Ev '^(Warning:|Processed [0-9]+ events and lost [0-9]+ chunks!|Check IO/CPU overload!|[0-9]+ out of order events recorded\.|)$' \
			"$tmp/$name.err" >"$tmp/$name.err2"
		if [ -s "$tmp/$name.err" ] && ! [ -s "$tmp/$name.err2" ]; then
			echo "note: record lost $nlost events (machine busy?); perf warned about it"
		fi
		mv "$tmp/$name.err2" "$tmp/$name.err"
	fi
	if [ -s "$tmp/$name.err" ]; then
		bad "perf $* wrote to stderr:"
		sed 's/^/    /' "$tmp/$name.err" | head -n 20
	fi
}

# perf_samples FILE: number of PERF_RECORD_SAMPLE records perf counts.
perf_samples() {
	perf report --stats -i "$1" 2>/dev/null |
		awk '/SAMPLE events:/ { print $3; exit }'
}

# summary_field FILE samples|lost: the numbers of record's summary line
# "[ sframetrace record: Captured and wrote X MB F (N samples, M lost) ]".
summary_field() {
	sed -n 's/^\[ sframetrace record: Captured and wrote .* (\([0-9]*\) samples, \([0-9]*\) lost) \]$/\1 \2/p' "$1" |
		awk -v f="$2" '{ print (f == "samples") ? $1 : $2 }'
}

# lines FILE: number of lines.
lines() {
	wc -l <"$1" | tr -d ' '
}

# wait_timeout PID SECONDS: wait for a child of this shell, at most SECONDS;
# sets $waited_rc (or 'timeout' after killing it).
wait_timeout() {
	n=0
	while kill -0 "$1" 2>/dev/null; do
		# A zombie child still answers kill -0: check its state.
		st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
		[ "$st" = Z ] && break
		n=$((n + 1))
		if [ $n -gt $(($2 * 10)) ]; then
			kill -KILL "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			waited_rc=timeout
			return 1
		fi
		sleep 0.1
	done
	wait "$1"
	waited_rc=$?
	return 0
}

finish() {
	if [ $fail -ne 0 ]; then
		echo "FAILED: $1"
		exit 1
	fi
	echo "PASS: $1"
	exit 0
}
