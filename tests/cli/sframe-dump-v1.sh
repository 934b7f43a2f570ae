#!/bin/sh
# Build small programs with the system toolchain's SFrame V1 (binutils 2.40
# `as --gsframe`) and compare `sframetrace sframe` with the system
# `readelf --sframe` field by field: header version/flags/counts, each
# function's pc/size/attributes/PC type, each FRE's start/CFA/FP/RA.
# readelf 2.40 has no notion of a fixed RA offset and prints RA `u` on AMD64;
# we print binutils 2.46 style, so where our header has "CFA fixed RA offset"
# we require `f` where 2.40 printed `u`.
set -u
: "${SFT_BIN:?}" "${SFT_FIXTURES:?}"
src=$SFT_FIXTURES/sframe
CC=${CC:-cc}
READELF=${READELF:-readelf}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

if ! command -v "$CC" > /dev/null 2>&1; then
	echo "SKIP: no C compiler ($CC)"
	exit 77
fi
echo 'int main(void) { return 0; }' > "$tmp/probe.c"
if ! "$CC" -O2 -Wa,--gsframe -c "$tmp/probe.c" -o "$tmp/probe.o" 2> "$tmp/probe.err"; then
	echo "SKIP: the assembler does not support --gsframe:"
	cat "$tmp/probe.err"
	exit 77
fi
if ! "$READELF" --sframe "$tmp/probe.o" > /dev/null 2>&1; then
	echo "SKIP: $READELF does not support --sframe"
	exit 77
fi

# Turn readelf-style output into one record per line. With fixra=1, an RA
# column of `u` (readelf 2.40's way of saying "fixed offset") becomes `f`.
normalize() {
	awk -v fixra="$2" '
	function flush() { if (inflags) { print "flags", flags; inflags = 0 } }
	/^ *Flags:/ { flush(); flags = $2; inflags = 1; next }
	inflags && /^ +SFRAME_F_[A-Z_]+,?$/ { flags = flags $1; next }
	{ flush() }
	/^ *Version:/ { print "version", $2; next }
	/^ *CFA fixed FP offset:/ { print "fixed-fp", $NF; next }
	/^ *CFA fixed RA offset:/ { next }
	/^ *Num FDEs:/ { print "num-fdes", $NF; next }
	/^ *Num FREs:/ { print "num-fres", $NF; next }
	/^ *func idx / { sub(/^ +/, ""); print "func", $0; next }
	/^ *STARTPC/ { print "pctype", ($1 == "STARTPC[m]" ? "mask" : "inc"); next }
	/^ *[0-9a-f]+ +[^ ]+ +[^ ]+ +[^ ]+ *$/ {
		ra = $4
		if (fixra && ra == "u")
			ra = "f"
		print "fre", $1, "cfa=" $2, "fp=" $3, "ra=" ra
		next
	}
	/^ *$/ { next }
	/^Contents of the SFrame section/ { print "section"; next }
	/^ *(Header|Function Index) :/ { next }
	{ print "unparsed", $0 }
	END { flush() }' "$1"
}

build() {
	name=$1
	shift
	if ! "$CC" -O2 -Wa,--gsframe "$@" -o "$tmp/$name" 2> "$tmp/$name.cc.err"; then
		echo "FAIL: building $name failed:"
		cat "$tmp/$name.cc.err"
		fail=1
		return 1
	fi
	return 0
}

fail=0
progs=""
build nested -fomit-frame-pointer "$src/nested.c" && progs="$progs nested"
build nested-fp -fno-omit-frame-pointer "$src/nested.c" && progs="$progs nested-fp"
build big -fomit-frame-pointer "$src/big.c" && progs="$progs big"
build big-nopie -fomit-frame-pointer -no-pie "$src/big.c" && progs="$progs big-nopie"
build big.so -fomit-frame-pointer -fPIC -shared "$src/big.c" && progs="$progs big.so"
cp "$tmp/probe.o" "$tmp/probe-obj" && progs="$progs probe-obj"

for p in $progs; do
	bin=$tmp/$p
	"$READELF" --sframe "$bin" > "$tmp/$p.theirs" 2> "$tmp/$p.theirs.err"
	"$SFT_BIN" sframe "$bin" > "$tmp/$p.ours" 2> "$tmp/$p.ours.err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$tmp/$p.ours.err" ]; then
		echo "FAIL: $p: sframetrace sframe exited $rc, stderr:"
		cat "$tmp/$p.ours.err"
		fail=1
		continue
	fi
	if ! grep -q 'Version: SFRAME_VERSION_1' "$tmp/$p.theirs"; then
		echo "FAIL: $p: system readelf does not show SFrame V1:"
		head -5 "$tmp/$p.theirs"
		fail=1
		continue
	fi
	fixra=0
	if grep -q '^ *CFA fixed RA offset: -8$' "$tmp/$p.ours"; then
		fixra=1
	elif [ "$(uname -m)" = x86_64 ]; then
		echo "FAIL: $p: no 'CFA fixed RA offset: -8' line in our AMD64 header"
		fail=1
	fi
	normalize "$tmp/$p.theirs" "$fixra" > "$tmp/$p.theirs.rec"
	normalize "$tmp/$p.ours" 0 > "$tmp/$p.ours.rec"
	if grep -q '^unparsed' "$tmp/$p.ours.rec" "$tmp/$p.theirs.rec"; then
		echo "FAIL: $p: lines the comparison does not understand:"
		grep '^unparsed' "$tmp/$p.ours.rec" "$tmp/$p.theirs.rec"
		fail=1
	fi
	if diff -u "$tmp/$p.theirs.rec" "$tmp/$p.ours.rec" > "$tmp/$p.diff"; then
		echo "ok: $p: $(grep -c '^func' "$tmp/$p.ours.rec") FDEs, $(grep -c '^fre' "$tmp/$p.ours.rec") FREs agree with $READELF"
	else
		echo "FAIL: $p: records differ (- system readelf, + sframetrace):"
		cat "$tmp/$p.diff"
		fail=1
	fi
done

# The programs must still exercise what they are here for.
if [ -f "$tmp/nested.ours.rec" ] && ! grep -q '^pctype mask' "$tmp/nested.ours.rec"; then
	echo "FAIL: nested: no PCTYPE_MASK ([m]) FDE (expected from the PLT)"
	fail=1
fi
if [ -f "$tmp/nested-fp.ours.rec" ] && ! grep -q 'fp=c-16' "$tmp/nested-fp.ours.rec"; then
	echo "FAIL: nested-fp: no FRE saving the frame pointer (fp=c-16)"
	fail=1
fi
# ADDR2: an FRE starting 256 or more bytes into a (non-mask) function.
if [ -f "$tmp/big.ours.rec" ] && ! awk '
	$1 == "func" { split($0, a, /pc = 0x|, size/); pc = a[2]; next }
	$1 == "pctype" { mask = ($2 == "mask"); next }
	$1 == "fre" && !mask {
		if (hex($2) - hex(pc) >= 256) found = 1
	}
	function hex(s,   i, v) {
		v = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	END { exit !found }' "$tmp/big.ours.rec"; then
	echo "FAIL: big: no FRE starts 256+ bytes into a function (FRE type ADDR2 not exercised)"
	fail=1
fi
exit $fail
