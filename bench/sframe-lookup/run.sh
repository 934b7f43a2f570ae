#!/bin/sh
# Build a large SFrame fixture and time sframe-lookup-bench on it.
#
#   bench/sframe-lookup/run.sh [BUILD_DIR] [-- BENCH_ARGS...]
#
# BUILD_DIR (default ./build) is a configured CMake build of this tree; the
# bench binary is built there if missing. The fixture is a program of
# $FUNCS (default 5000) generated functions of varying size and frame shape,
# compiled with system gcc -O2 -fomit-frame-pointer -Wa,--gsframe (SFrame V1)
# and, when binutils 2.46 is in $SFRAME_TOOLCHAIN, again with --gsframe-3
# (V3). Files matching tests/fixtures/sframe/*.v3 are benchmarked as well.
# The fixtures stay in BUILD_DIR/bench/sframe-lookup/fixture, so every
# printed command line reproduces its number.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	build=$(cd "$1" && pwd)
	shift
fi
[ "${1:-}" = "--" ] && shift
funcs=${FUNCS:-5000}
tc=${SFRAME_TOOLCHAIN:-/work/shared/toolchain/bin}
cc=${CC_FOR_FIXTURE:-gcc}

bench=$build/bench/sframe-lookup/sframe-lookup-bench
if [ ! -x "$bench" ]; then
	cmake --build "$build" --target sframe-lookup-bench >&2
fi
fix=$build/bench/sframe-lookup/fixture
mkdir -p "$fix"

# Why a generated program: real binaries are either tiny or not SFrame-built
# here; this one has many FDEs (binary search depth) and several FREs per
# function (stack adjustments, pushes around calls, alloca => FP-based CFA).
gen=$fix/large.c
if [ ! -s "$gen" ] || [ "$(head -1 "$gen")" != "/* $funcs functions */" ]; then
	{
		echo "/* $funcs functions */"
		echo '#include <alloca.h>'
		echo '#include <string.h>'
		echo 'volatile long sink[64];'
		echo '__attribute__((noinline)) long f0(long x) { return x + 1; }'
		i=1
		while [ "$i" -lt "$funcs" ]; do
			p=$((i - 1))
			q=$(( (i * 7919 + 13) % i ))
			n=$(( (i * 37) % 23 + 1 ))
			printf '__attribute__((noinline)) long f%d(long x)\n{\n' "$i"
			printf '\tlong a = x ^ %d, b = x;\n' "$i"
			case $((i % 5)) in
			0)	# dynamic frame: CFA based on the frame pointer
				printf '\tchar *p = alloca((x & 63) + 16);\n'
				printf '\tmemset(p, (int)x, (x & 63) + 16);\n'
				printf '\ta += p[x & 15];\n' ;;
			1|2)	# fixed local array: one stack adjustment
				printf '\tvolatile long buf[%d];\n' $(( (i % 13) * 4 + 2 ))
				printf '\tbuf[0] = a; buf[1] = b;\n'
				printf '\ta += buf[x & 1];\n' ;;
			*)	;;
			esac
			j=0
			while [ "$j" -lt "$n" ]; do
				printf '\ta = a * %d + (b >> %d); sink[%d] = a;\n' \
					$((2 * j + 3)) $((j % 7)) $(( (i + j) % 64 ))
				j=$((j + 1))
			done
			printf '\tif (a & 1)\n\t\ta += f%d(a >> 1);\n' "$p"
			printf '\tif ((b & 6) == 6)\n\t\tb += f%d(b - 1);\n' "$q"
			printf '\treturn a + b;\n}\n'
			i=$((i + 1))
		done
		printf 'int main(int argc, char **argv)\n{\n'
		printf '\t(void)argv;\n\treturn (int)f%d(argc);\n}\n' $((funcs - 1))
	} >"$gen.tmp"
	mv "$gen.tmp" "$gen"
	rm -f "$fix/large-v1" "$fix/large-v3"
fi

run() { # BENCH_ARGS... FILE
	set -- "$bench" "$@"
	echo "\$ $*"
	"$@"
	echo
}

if [ ! -x "$fix/large-v1" ]; then
	echo "building $fix/large-v1 ($funcs functions, SFrame V1) ..." >&2
	$cc -O2 -fomit-frame-pointer -Wa,--gsframe "$gen" -o "$fix/large-v1"
fi
files=$fix/large-v1
if [ -x "$tc/as" ]; then
	if [ ! -x "$fix/large-v3" ]; then
		echo "building $fix/large-v3 ($funcs functions, SFrame V3) ..." >&2
		$cc -B "$tc/" -O2 -fomit-frame-pointer -Wa,--gsframe-3 "$gen" \
			-o "$fix/large-v3"
	fi
	files="$files $fix/large-v3"
fi
for f in "$root"/tests/fixtures/sframe/*.v3; do
	[ -f "$f" ] && files="$files $f"
done

for f in $files; do
	run "$@" "$f"
done
