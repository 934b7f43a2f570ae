#!/bin/sh
# The command frame: --version, help and --help show the right man page (or
# the short usage when man is missing), unknown commands fail in one line.
set -u
bin=${SFT_BIN:?}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # description, condition result
	if [ "$2" -eq 0 ]; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}

"$bin" --version >"$tmp/v" 2>&1
grep -Eq '^sframetrace version [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/v"
check "--version prints the version" $?

if command -v man >/dev/null 2>&1; then
	for cmd in sframe record probe; do
		MANPAGER=cat MANWIDTH=100 "$bin" $cmd --help >"$tmp/h" 2>&1
		grep -q "sframetrace-$cmd - " "$tmp/h"
		check "$cmd --help shows sframetrace-$cmd(1)" $?
		MANPAGER=cat MANWIDTH=100 "$bin" help $cmd >"$tmp/h2" 2>&1
		cmp -s "$tmp/h" "$tmp/h2"
		check "help $cmd equals $cmd --help" $?
	done
	MANPAGER=cat MANWIDTH=100 "$bin" --help >"$tmp/h" 2>&1
	grep -q "sframetrace - profile" "$tmp/h"
	check "--help shows sframetrace(1)" $?
else
	echo "note: man is not installed; checking the usage fallback only"
fi

# Without man on PATH the short usage answers instead.
mkdir "$tmp/bin"
PATH="$tmp/bin" "$bin" sframe --help >"$tmp/u" 2>&1
grep -q "usage: sframetrace sframe" "$tmp/u"
check "usage fallback without man" $?

"$bin" frobnicate >"$tmp/o" 2>"$tmp/e"
rc=$?
[ $rc -ne 0 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q "'frobnicate' is not a sframetrace command" "$tmp/e"
check "unknown command: one line, non-zero" $?

"$bin" >"$tmp/o" 2>"$tmp/e"
[ $? -ne 0 ] && grep -q "usage: sframetrace" "$tmp/e"
check "no command: usage, non-zero" $?

exit $fail
