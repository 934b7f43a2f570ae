#!/bin/sh
# Error handling of `sframetrace sframe`: unusable inputs give exactly one
# line `sframetrace: FILE: ...` on stderr and a non-zero exit; --check
# accepts the committed fixtures (exit 0, FDE/FRE counts) and rejects copies
# whose .sframe was corrupted (exit 1, naming the rule that failed).
set -u
: "${SFT_BIN:?}" "${SFT_FIXTURES:?}"
dir=$SFT_FIXTURES/sframe
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# expect_error WHAT FILE: non-zero exit, one stderr line naming FILE.
expect_error() {
	what=$1
	file=$2
	"$SFT_BIN" sframe "$file" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	lines=$(wc -l < "$tmp/err")
	if [ $rc -eq 0 ]; then
		echo "FAIL: $what: exit 0, expected an error"
		fail=1
	elif [ "$lines" -ne 1 ]; then
		echo "FAIL: $what: expected one line on stderr, got $lines:"
		cat "$tmp/err"
		fail=1
	elif ! grep -q "^sframetrace: $file: ." "$tmp/err"; then
		echo "FAIL: $what: stderr is not 'sframetrace: $file: message':"
		cat "$tmp/err"
		fail=1
	else
		echo "ok: $what: exit $rc: $(cat "$tmp/err")"
	fi
}

expect_error "missing file" "$tmp/does-not-exist"
printf 'this is not an ELF file\n' > "$tmp/text.txt"
expect_error "text file" "$tmp/text.txt"
: > "$tmp/empty"
expect_error "empty file" "$tmp/empty"

# An ELF file without .sframe: build one if we can, else use /bin/true.
noframe=""
echo 'int main(void) { return 0; }' > "$tmp/plain.c"
if ${CC:-cc} -O2 "$tmp/plain.c" -o "$tmp/plain" 2> /dev/null; then
	noframe=$tmp/plain
elif [ -f /bin/true ]; then
	noframe=/bin/true
fi
if [ -n "$noframe" ] && command -v readelf > /dev/null 2>&1 &&
   readelf -SW "$noframe" | grep -q '\.sframe'; then
	echo "note: $noframe has a .sframe section; no-sframe case skipped"
	noframe=""
fi
if [ -n "$noframe" ]; then
	expect_error "ELF without .sframe" "$noframe"
else
	echo "note: no ELF file without .sframe available; that case skipped"
fi

# Usage errors exit 2.
"$SFT_BIN" sframe > /dev/null 2>&1
rc=$?
if [ $rc -ne 2 ]; then
	echo "FAIL: 'sframetrace sframe' without a file: exit $rc, expected 2"
	fail=1
else
	echo "ok: no file argument: exit 2"
fi
"$SFT_BIN" sframe --check "$tmp/does-not-exist" > /dev/null 2>&1
rc=$?
if [ $rc -ne 2 ]; then
	echo "FAIL: --check on a missing file: exit $rc, expected 2"
	fail=1
else
	echo "ok: --check on a missing file: exit 2"
fi

# --check on every committed fixture: valid, and the counts readelf printed.
for ref in "$dir"/*.v3.readelf; do
	[ -e "$ref" ] || break
	fix=${ref%.readelf}
	name=${fix##*/}
	nfdes=$(sed -n 's/^ *Num FDEs: *//p' "$ref")
	nfres=$(sed -n 's/^ *Num FREs: *//p' "$ref")
	"$SFT_BIN" sframe --check "$fix" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: --check $name: exit $rc, expected 0:"
		cat "$tmp/out" "$tmp/err"
		fail=1
	elif ! grep -Eq "(^|[^0-9])$nfdes FDEs" "$tmp/out" ||
	     ! grep -Eq "(^|[^0-9])$nfres FREs" "$tmp/out"; then
		echo "FAIL: --check $name: summary lacks '$nfdes FDEs' / '$nfres FREs':"
		cat "$tmp/out"
		fail=1
	else
		echo "ok: --check $name: $(head -1 "$tmp/out")"
	fi
done

# Corrupted copies. The .sframe file offset comes from the section headers.
le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
poke() { # poke FILE OFFSET BYTE(decimal)
	# shellcheck disable=SC2059 # the format is the octal escape itself
	printf "$(printf '\\%03o' "$3")" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Section header table: e_shoff (8 bytes at 0x28), e_shentsize (0x3a),
# e_shnum (0x3c), e_shstrndx (0x3e); ELF64 little-endian only.
sframe_offset() {
	f=$1
	shoff=$(od -An -tu8 -j 40 -N8 "$f" | tr -d ' ')
	shentsize=$(od -An -tu2 -j 58 -N2 "$f" | tr -d ' ')
	shnum=$(od -An -tu2 -j 60 -N2 "$f" | tr -d ' ')
	i=0
	while [ $i -lt "$shnum" ]; do
		h=$((shoff + i * shentsize))
		if [ "$(le32 "$f" $((h + 4)))" = $((0x6ffffff4)) ]; then
			od -An -tu8 -j $((h + 24)) -N8 "$f" | tr -d ' '
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}

fix=$dir/nested.v3
if [ ! -f "$fix" ]; then
	echo "FAIL: $fix missing"
	exit 1
fi
off=$(sframe_offset "$fix") || {
	echo "FAIL: no SHT_GNU_SFRAME section header in $fix"
	exit 1
}
if command -v readelf > /dev/null 2>&1; then
	# Cross-check the hand-rolled lookup against readelf -SW.
	r=$(readelf -SW "$fix" | awk '$0 ~ /\.sframe/ { for (i = 1; i <= NF; i++) if ($i ~ /\.sframe$/) print $(i + 3) }')
	if [ -n "$r" ] && [ $((0x$r)) -ne "$off" ]; then
		echo "FAIL: .sframe offset $off disagrees with readelf -SW (0x$r)"
		fail=1
	fi
fi
echo "note: .sframe of nested.v3 at file offset $off"

# corrupt NAME RULE OFFSET BYTE: copy, patch one byte, expect exit 1 and RULE.
corrupt() {
	name=$1
	rule=$2
	cp "$fix" "$tmp/$name"
	poke "$tmp/$name" "$3" "$4"
	"$SFT_BIN" sframe --check "$tmp/$name" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	cat "$tmp/out" "$tmp/err" > "$tmp/all"
	if [ $rc -ne 1 ]; then
		echo "FAIL: --check $name: exit $rc, expected 1:"
		cat "$tmp/all"
		fail=1
	elif ! grep -Eq "(\\[$rule\\]|(^|[ :])$rule:)" "$tmp/all"; then
		echo "FAIL: --check $name: no line names rule '$rule':"
		cat "$tmp/all"
		fail=1
	else
		echo "ok: --check $name: exit 1: $(grep -E "$rule" "$tmp/all" | head -1)"
	fi
	# The dump must refuse it too, or at least not crash.
	"$SFT_BIN" sframe "$tmp/$name" > /dev/null 2> "$tmp/err"
	rc=$?
	if [ $rc -gt 2 ]; then
		echo "FAIL: sframe $name (dump): exit $rc (crash?)"
		cat "$tmp/err"
		fail=1
	fi
}

corrupt bad-version version $((off + 2)) 127
corrupt bad-flags flags $((off + 3)) $(( $(u8 "$fix" $((off + 3))) | 128 ))
corrupt bad-num-fres num-fres $((off + 12)) $(( ($(u8 "$fix" $((off + 12))) + 1) & 255 ))

# V3: FDE 0's attributes live in the FRE sub-section at its attr offset;
# byte 2 there is the info byte, whose low four bits are the FRE type.
auxlen=$(u8 "$fix" $((off + 7)))
fdeoff=$(le32 "$fix" $((off + 20)))
freoff=$(le32 "$fix" $((off + 24)))
hdr=$((off + 28 + auxlen))
attr=$(le32 "$fix" $((hdr + fdeoff + 12)))
info_at=$((hdr + freoff + attr + 2))
corrupt bad-fre-type fde-fre-type $info_at $(( ($(u8 "$fix" $info_at) & 0xf0) | 0x0f ))
exit $fail
