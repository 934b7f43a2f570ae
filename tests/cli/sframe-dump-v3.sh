#!/bin/sh
# `sframetrace sframe FIXTURE` must print exactly what binutils 2.46
# `readelf --sframe` printed for each committed SFrame V3 fixture. When that
# toolchain is around, also check the committed output is not stale.
set -u
: "${SFT_BIN:?}" "${SFT_FIXTURES:?}"
dir=$SFT_FIXTURES/sframe
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

fail=0
n=0
for ref in "$dir"/*.v3.readelf; do
	[ -e "$ref" ] || break
	fix=${ref%.readelf}
	name=${fix##*/}
	n=$((n + 1))
	if [ ! -f "$fix" ]; then
		echo "FAIL: $name: fixture missing next to $ref"
		fail=1
		continue
	fi
	"$SFT_BIN" sframe "$fix" > "$tmp/$name.out" 2> "$tmp/$name.err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$tmp/$name.err" ]; then
		echo "FAIL: $name: sframetrace sframe exited $rc, stderr:"
		cat "$tmp/$name.err"
		fail=1
	fi
	if diff -u "$ref" "$tmp/$name.out" > "$tmp/$name.diff"; then
		echo "ok: $name: output equals readelf 2.46 ($(wc -l < "$ref") lines)"
	else
		echo "FAIL: $name: output differs from $ref (- readelf 2.46, + sframetrace):"
		cat "$tmp/$name.diff"
		fail=1
	fi
done
if [ $n -lt 3 ]; then
	echo "FAIL: expected at least 3 committed V3 fixtures in $dir, found $n"
	fail=1
fi

# Several files at once: readelf puts "\nFile: NAME\n" before each.
set --
: > "$tmp/multi.expected"
for ref in "$dir"/*.v3.readelf; do
	[ -e "$ref" ] || break
	set -- "$@" "${ref%.readelf}"
	printf '\nFile: %s\n' "${ref%.readelf}" >> "$tmp/multi.expected"
	cat "$ref" >> "$tmp/multi.expected"
done
"$SFT_BIN" sframe "$@" > "$tmp/multi.out" 2> "$tmp/multi.err"
rc=$?
if [ $rc -ne 0 ] || ! diff -u "$tmp/multi.expected" "$tmp/multi.out" > "$tmp/multi.diff"; then
	echo "FAIL: sframetrace sframe with $# files (exit $rc) differs from readelf's layout:"
	cat "$tmp/multi.err" "$tmp/multi.diff"
	fail=1
else
	echo "ok: $# files in one run, each under its 'File:' line"
fi

# Stale-fixture guard: a fresh readelf 2.46 run must match what is committed.
tc=${SFRAME_TOOLCHAIN:-${SFT_SRC:-$SFT_FIXTURES/../..}/../shared/toolchain/bin}
if [ -x "$tc/readelf" ]; then
	for ref in "$dir"/*.v3.readelf; do
		fix=${ref%.readelf}
		name=${fix##*/}
		"$tc/readelf" --sframe "$fix" > "$tmp/$name.fresh" 2>&1
		if diff -u "$ref" "$tmp/$name.fresh" > "$tmp/$name.fdiff"; then
			echo "ok: $name: committed .readelf matches $tc/readelf"
		else
			echo "FAIL: $name: committed $ref is stale vs $tc/readelf (run regen.sh):"
			cat "$tmp/$name.fdiff"
			fail=1
		fi
	done
else
	echo "note: no binutils 2.46 readelf at $tc (set SFRAME_TOOLCHAIN); stale-fixture check skipped"
fi
exit $fail
