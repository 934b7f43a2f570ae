#!/bin/sh
# Unwind a real interrupted stack with the SFrame unwind step. The fixture
# `nested` snapshots its registers and stack from a SIGPROF handler while in
# main -> level1 -> level2 -> recurse x6 -> level3 -> spin;
# sframe-unwind-check walks the snapshot with the binary's .sframe and must
# name exactly those frames, innermost first. Runs the committed V3 binary
# and V1 builds made here with the system toolchain.
set -u
: "${SFT_FIXTURES:?}" "${SFT_UNWIND_CHECK:?}"
dir=$SFT_FIXTURES/sframe
CC=${CC:-cc}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

expected="spin level3 recurse recurse recurse recurse recurse recurse level2 level1 main"
fail=0
ran=0

if [ ! -x "$SFT_UNWIND_CHECK" ]; then
	echo "FAIL: checker $SFT_UNWIND_CHECK not built"
	exit 1
fi

# check NAME BINARY: run it, unwind its snapshot, compare the frames.
check() {
	name=$1
	bin=$2
	snap=$tmp/$name.snap
	if command -v timeout > /dev/null 2>&1; then
		timeout 60 "$bin" "$snap" > "$tmp/$name.run" 2>&1
	else
		"$bin" "$snap" > "$tmp/$name.run" 2>&1
	fi
	rc=$?
	if [ $rc -ne 0 ] || [ ! -s "$snap" ]; then
		echo "FAIL: $name: running $bin exited $rc without a snapshot:"
		cat "$tmp/$name.run"
		fail=1
		return
	fi
	ran=$((ran + 1))
	"$SFT_UNWIND_CHECK" "$bin" "$snap" > "$tmp/$name.frames" 2> "$tmp/$name.log"
	rc=$?
	got=$(head -n 11 "$tmp/$name.frames" | tr '\n' ' ' | sed 's/ $//')
	if [ $rc -ne 0 ] || [ "$got" != "$expected" ]; then
		echo "FAIL: $name: checker exited $rc"
		echo "  expected: $expected"
		echo "  got:      $got"
		echo "  checker log:"
		sed 's/^/    /' "$tmp/$name.log"
		fail=1
	else
		echo "ok: $name: $(tr '\n' ' ' < "$tmp/$name.frames")($(tail -n 1 "$tmp/$name.log" | sed 's/^# //'))"
	fi
}

# The committed V3 binary (built with binutils 2.46).
v3=$dir/nested.v3
if [ ! -f "$v3" ]; then
	echo "FAIL: $v3 missing"
	fail=1
else
	# With no argument nested prints its usage and exits 2; any other
	# status means the binary cannot run here (loader, libc, CPU).
	"$v3" > "$tmp/v3.usage" 2>&1
	rc=$?
	if [ $rc -ne 2 ]; then
		echo "note: $v3 cannot run on this machine (exit $rc); V3 part skipped:"
		cat "$tmp/v3.usage"
	else
		check nested.v3 "$v3"
	fi
fi

# V1 builds with the system toolchain, with and without a frame pointer.
echo 'int main(void) { return 0; }' > "$tmp/probe.c"
if ! command -v "$CC" > /dev/null 2>&1; then
	echo "note: no C compiler ($CC); V1 part skipped"
elif ! "$CC" -Wa,--gsframe -c "$tmp/probe.c" -o "$tmp/probe.o" 2> /dev/null; then
	echo "note: the assembler lacks --gsframe; V1 part skipped"
else
	for v in "nested.v1 -fomit-frame-pointer" "nested-fp.v1 -fno-omit-frame-pointer"; do
		# shellcheck disable=SC2086 # split "name flag" on purpose
		set -- $v
		if "$CC" -O2 "$2" -Wa,--gsframe "$dir/nested.c" -o "$tmp/$1" 2> "$tmp/$1.cc"; then
			check "$1" "$tmp/$1"
		else
			echo "FAIL: building $1 failed:"
			cat "$tmp/$1.cc"
			fail=1
		fi
	done
fi

if [ $fail -eq 0 ] && [ $ran -eq 0 ]; then
	echo "SKIP: no fixture could be built and run here"
	exit 77
fi
exit $fail
