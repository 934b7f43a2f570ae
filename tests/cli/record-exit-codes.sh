#!/bin/sh
# `sframetrace record -- CMD` exits with CMD's status (128 + signal when it
# was killed), and the errors before any workload runs -- a command that
# does not exist, an output path that cannot be created -- exit non-zero
# with exactly one line on stderr that names the culprit, and leave no
# output file (nor FILE.partial) behind.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) when perf_event_open is
# not permitted.
set -u
. "$(dirname "$0")/record-common.sh"

need_perf_event

# Workload exit status passes through; the file is complete each time.
for want_cmd in "0:exit 0" "3:exit 3" "139:kill -SEGV \$\$" "143:kill -TERM \$\$"; do
	want=${want_cmd%%:*}
	cmd=${want_cmd#*:}
	f=$tmp/x.data
	rm -f "$f" "$f.old"
	"$SFT_BIN" record -q -e cpu-clock -o "$f" -- sh -c "$cmd" >"$tmp/x.out" 2>"$tmp/x.err"
	rc=$?
	[ $rc -eq "$want" ] || bad "record -- sh -c '$cmd' exited $rc, want $want"
	[ -s "$tmp/x.err" ] && bad "record -q -- sh -c '$cmd' wrote to stderr: $(head -n 3 "$tmp/x.err")"
	[ -s "$f" ] || bad "record -- sh -c '$cmd' left no $f"
	[ -e "$f.partial" ] && bad "record -- sh -c '$cmd' left $f.partial"
	if command -v perf >/dev/null 2>&1 && [ -s "$f" ]; then
		perf report --header-only -i "$f" >"$tmp/x.hdr" 2>&1 ||
			bad "perf cannot read the file of sh -c '$cmd': $(head -n 3 "$tmp/x.hdr")"
	fi
done

# Without -q the summary still comes after a failing workload.
"$SFT_BIN" record -e cpu-clock -o "$tmp/s.data" -- sh -c 'exit 5' >/dev/null 2>"$tmp/s.err"
rc=$?
[ $rc -eq 5 ] || bad "record -- sh -c 'exit 5' exited $rc, want 5"
grep -q "^\[ sframetrace record: Captured and wrote .* $tmp/s.data (" "$tmp/s.err" ||
	bad "no summary after a workload that exits 5: $(cat "$tmp/s.err")"

# expect_error WHAT NAME FILE ARGS...: non-zero, one stderr line naming
# NAME, nothing created at FILE.
expect_error() {
	what=$1
	name=$2
	f=$3
	shift 3
	"$SFT_BIN" record "$@" >"$tmp/e.out" 2>"$tmp/e.err"
	rc=$?
	[ $rc -ne 0 ] || bad "$what: exited 0"
	if [ "$(lines "$tmp/e.err")" -ne 1 ]; then
		bad "$what: $(lines "$tmp/e.err") lines on stderr, want 1:"
		sed 's/^/    /' "$tmp/e.err"
	fi
	grep -qF -- "$name" "$tmp/e.err" || bad "$what: the error does not name $name: $(cat "$tmp/e.err")"
	[ -e "$f" ] && bad "$what: $f was created"
	[ -e "$f.partial" ] && bad "$what: $f.partial was left"
	echo "$what: exit $rc: $(head -n 1 "$tmp/e.err")"
}

f=$tmp/missing.data
expect_error "missing binary (path)" "$tmp/no-such-program" "$f" \
	-q -e cpu-clock -o "$f" -- "$tmp/no-such-program" arg
expect_error "missing binary (PATH lookup)" "sft-no-such-program-$$" "$f" \
	-q -e cpu-clock -o "$f" -- "sft-no-such-program-$$"
expect_error "missing binary without -q" "sft-no-such-program-$$" "$f" \
	-e cpu-clock -o "$f" -- "sft-no-such-program-$$"
# A file that is not executable.
: >"$tmp/not-exec"
chmod 644 "$tmp/not-exec"
expect_error "non-executable file" "$tmp/not-exec" "$f" \
	-q -e cpu-clock -o "$f" -- "$tmp/not-exec"

# Unwritable outputs; the workload must not run (it would leave a mark).
mark=$tmp/ran
f=$tmp/no-such-dir/out.data
expect_error "output in a missing directory" "$f" "$f" \
	-q -e cpu-clock -o "$f" -- sh -c ": >$mark"
[ -e "$mark" ] && bad "the workload ran although the output could not be created"
: >"$tmp/regular"
f=$tmp/regular/out.data
expect_error "output under a regular file" "$f" "$f" \
	-q -e cpu-clock -o "$f" -- sh -c ": >$mark"
[ -e "$mark" ] && bad "the workload ran although the output could not be created"
f=/proc/sft-record-test-$$.data
expect_error "output under /proc" "$f" "$f" \
	-q -e cpu-clock -o "$f" -- sh -c ": >$mark"
[ -e "$mark" ] && bad "the workload ran although the output could not be created"

finish "record passes exit codes through and fails cleanly"
