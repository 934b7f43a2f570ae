# Shared helpers of the tests/cli/unwind-*.sh tests (sourced, not run), on
# top of report-common.sh (bad, skip, need_perf, sft_record, $tmp).
# The expected call chains come from the workloads' sources
# (tests/progs/uw_*.c) and, for glibc's own frames, from what perf shows for
# the same programs; never from sframetrace's output.

. "$(dirname "$0")/report-common.sh"

UW_CFLAGS="-O2 -g -fomit-frame-pointer -Wa,--gsframe"

# uw_gcc OUT gcc-args...: compile into $tmp/OUT (skip without gcc or
# --gsframe; fail on any other error).
uw_gcc() {
	ug_out=$1
	shift
	command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
	if ! gcc "$@" -o "$tmp/$ug_out" 2>"$tmp/gcc.err"; then
		if grep -q "gsframe" "$tmp/gcc.err"; then
			skip "the assembler does not know --gsframe (binutils < 2.41)"
		fi
		echo "FAIL: cannot build $ug_out: gcc $*:"
		cat "$tmp/gcc.err"
		exit 1
	fi
}

# build_uw NAME: tests/progs/NAME.c (and what it needs) -> $tmp/NAME,
# FP-less with SFrame (uw_noinfo: with no unwind information at all).
# shellcheck disable=SC2086 # UW_CFLAGS is a word list
build_uw() {
	bu_src=$SFT_SRC/tests/progs
	case $1 in
	uw_lib)
		uw_gcc libuwfn.so $UW_CFLAGS -fPIC -shared "$bu_src/uw_libfn.c"
		# shellcheck disable=SC2016 # $ORIGIN is for the dynamic linker
		uw_gcc uw_lib $UW_CFLAGS "$bu_src/uw_lib.c" -L"$tmp" -luwfn -Wl,-rpath,'$ORIGIN'
		;;
	uw_threads)
		uw_gcc uw_threads $UW_CFLAGS -pthread "$bu_src/uw_threads.c"
		;;
	uw_noinfo)
		uw_gcc uw_noinfo -O2 -fomit-frame-pointer -fno-asynchronous-unwind-tables \
			-fno-unwind-tables "$bu_src/uw_noinfo.c"
		;;
	*)
		uw_gcc "$1" $UW_CFLAGS "$bu_src/$1.c"
		;;
	esac
	# The binaries must really have what the tests assume.
	case $1 in
	uw_noinfo) ;;
	*)
		readelf -S "$tmp/$1" | grep -q ' \.sframe ' ||
			{ echo "FAIL: $tmp/$1 has no .sframe section"; exit 1; }
		;;
	esac
}

# uw_gcc_sfonly OUT SRC gcc-args...: as uw_gcc of one C file, but its CFI
# goes to .sframe alone (`.cfi_sections .sframe` ahead of gcc's assembly):
# no .eh_frame (and no .debug_frame) for its functions, so only an SFrame
# unwinder finds their callers.
uw_gcc_sfonly() {
	us_out=$1
	us_src=$2
	shift 2
	command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
	us_s=$tmp/$(basename "$us_out").sfonly.s
	if ! gcc "$@" -S -o "$us_s.in" "$us_src" 2>"$tmp/gcc.err"; then
		echo "FAIL: cannot compile $us_src: gcc $* -S:"
		cat "$tmp/gcc.err"
		exit 1
	fi
	{ printf '\t.cfi_sections .sframe\n'; cat "$us_s.in"; } >"$us_s"
	uw_gcc "$us_out" "$us_s" "$@"
}

# build_uw_sfonly NAME: uw_recurse or uw_lib (with its library) into
# $tmp/sfonly/, their own code with SFrame and no DWARF CFI.
build_uw_sfonly() {
	bs_src=$SFT_SRC/tests/progs
	mkdir -p "$tmp/sfonly"
	case $1 in
	uw_lib)
		uw_gcc_sfonly sfonly/libuwfn.so "$bs_src/uw_libfn.c" -O2 -g -fomit-frame-pointer -fPIC -shared
		# shellcheck disable=SC2016 # $ORIGIN is for the dynamic linker
		uw_gcc_sfonly sfonly/uw_lib "$bs_src/uw_lib.c" -O2 -g -fomit-frame-pointer \
			-L"$tmp/sfonly" -luwfn -Wl,-rpath,'$ORIGIN'
		bs_check="uw_lib libuwfn.so"
		;;
	*)
		uw_gcc_sfonly "sfonly/$1" "$bs_src/$1.c" -O2 -g -fomit-frame-pointer
		bs_check=$1
		;;
	esac
	for bs_b in $bs_check; do
		bs_f=$tmp/sfonly/$bs_b
		readelf -S "$bs_f" | grep -q ' \.sframe ' ||
			{ echo "FAIL: $bs_f has no .sframe section"; exit 1; }
		# No FDE of .eh_frame or .debug_frame may cover the hot function.
		bs_hot=$(nm "$bs_f" | awk -v h="$(uw_hot "$1")" '$3 == h { print $1 }')
		[ -n "$bs_hot" ] || bs_hot=$(nm "$bs_f" | awk '$3 == "lib_inner" { print $1 }')
		if readelf --debug-dump=frames "$bs_f" 2>/dev/null |
			awk -v a="$bs_hot" '
			BEGIN { x = 0; for (i = 1; i <= length(a); i++) x = x * 16 + index("0123456789abcdef", substr(a, i, 1)) - 1 }
			/ FDE / {
				split($NF, r, /[=.]+/)
				lo = 0; hi = 0
				for (i = 1; i <= length(r[2]); i++) lo = lo * 16 + index("0123456789abcdef", substr(r[2], i, 1)) - 1
				for (i = 1; i <= length(r[3]); i++) hi = hi * 16 + index("0123456789abcdef", substr(r[3], i, 1)) - 1
				if (x >= lo && x < hi) found = 1
			}
			END { exit !found }'; then
			echo "FAIL: $bs_f still has DWARF CFI for 0x$bs_hot"
			exit 1
		fi
	done
}

# The workloads of the unwind tests.
# shellcheck disable=SC2034 # used by the scripts that source this file
UW_PROGS="uw_recurse uw_lib uw_qsort uw_signal uw_threads"

# uw_hot NAME: the ERE (anchored by the caller) of the functions whose
# samples are checked: the program's hot functions.
uw_hot() {
	case $1 in
	uw_recurse) echo 'leaf' ;;
	uw_lib) echo 'app_hot' ;;
	uw_qsort) echo 'cmp_slow' ;;
	uw_signal) echo 'handler_work' ;;
	uw_threads) echo 'work_[ab]' ;;
	uw_noinfo) echo 'nounwind_hot' ;;
	*) echo "unknown workload $1" >&2; exit 1 ;;
	esac
}

# libc's own names (static functions such as __libc_start_call_main or
# start_thread) come from its separate debug info; without it perf (and
# we) cannot name those frames, and the expected chains accept any name
# there (the frame must still be in libc). Decided once, here (uw_libc
# runs in command substitutions).
uw_libc_named_v=no
uw_libc_path=$(ldd "$SFT_BIN" 2>/dev/null | awk '$1 == "libc.so.6" { print $3 }')
uw_libc_bid=$(readelf -n "$uw_libc_path" 2>/dev/null | sed -n 's/^ *Build ID: *//p')
if [ -n "$uw_libc_bid" ] &&
	[ -f "/usr/lib/debug/.build-id/$(echo "$uw_libc_bid" | cut -c1-2)/$(echo "$uw_libc_bid" | cut -c3-).debug" ]; then
	uw_libc_named_v=yes
else
	echo "note: no debug info for libc (${uw_libc_path:-not found}): any name is accepted for its frames"
fi

uw_libc_named() {
	[ $uw_libc_named_v = yes ]
}

# uw_libc NAME_ERE: the ERE of one frame in libc named NAME_ERE.
uw_libc() {
	if uw_libc_named; then
		echo "$1\\(libc\\.so\\.6\\)"
	else
		echo '[^ ]+\(libc\.so\.6\)'
	fi
}

# uw_expect NAME: the ERE of the whole user chain (as uw_chains prints it)
# of a sample in NAME's hot function, from its source (see tests/progs):
# frames "sym(dso basename)", innermost first, ending at the outermost
# frame perf shows for these programs (_start; clone3 for threads).
# Between main and _start glibc's __libc_start_call_main and
# __libc_start_main (perf: __libc_start_main@@GLIBC_2.34).
uw_expect() {
	ue_start="$(uw_libc __libc_start_call_main) $(uw_libc '__libc_start_main[^ ]*') _start\\($1\\)"
	case $1 in
	uw_recurse)
		echo "leaf\\(uw_recurse\\)( level\\(uw_recurse\\)){30} main\\(uw_recurse\\) $ue_start"
		;;
	uw_lib)
		echo "app_hot\\(uw_lib\\) lib_inner\\(libuwfn\\.so\\) lib_outer\\(libuwfn\\.so\\) app_call\\(uw_lib\\) main\\(uw_lib\\) $ue_start"
		;;
	uw_qsort)
		# glibc's merge sort recurses (msort_with_tmp.part.0 ...
		# __qsort_r): one or more frames in libc.
		echo "cmp_slow\\(uw_qsort\\)( [^ ]+\\(libc\\.so\\.6\\))+ sort_many\\(uw_qsort\\) main\\(uw_qsort\\) $ue_start"
		;;
	uw_signal)
		# The handler returns to libc's __restore_rt; perf names that
		# frame [unknown] (it looks up return address - 1: the nop
		# before __restore_rt). Then the interrupted busy_main.
		echo "handler_work\\(uw_signal\\) on_tick\\(uw_signal\\) (__restore_rt|\\[unknown\\])\\(libc\\.so\\.6\\) busy_main\\(uw_signal\\) main\\(uw_signal\\) $ue_start"
		;;
	uw_threads)
		echo "work_[ab]\\(uw_threads\\) worker\\(uw_threads\\) $(uw_libc start_thread) $(uw_libc '(__)?clone3')"
		;;
	esac
}

# uw_expect_text NAME: the expected chain, for people.
uw_expect_text() {
	case $1 in
	uw_recurse) echo "leaf <- level x30 <- main <- __libc_start_call_main <- __libc_start_main <- _start" ;;
	uw_lib) echo "app_hot <- lib_inner (libuwfn.so) <- lib_outer (libuwfn.so) <- app_call <- main <- __libc_start_call_main <- __libc_start_main <- _start" ;;
	uw_qsort) echo "cmp_slow <- (libc: msort_with_tmp ... __qsort_r) <- sort_many <- main <- __libc_start_call_main <- __libc_start_main <- _start" ;;
	uw_signal) echo "handler_work <- on_tick <- __restore_rt (libc) <- busy_main <- main <- __libc_start_call_main <- __libc_start_main <- _start" ;;
	uw_threads) echo "work_a|work_b <- worker <- start_thread <- clone3" ;;
	esac
}

# uw_reach NAME: the ERE (unanchored) of a chain that got back to the
# program's entry: main then libc's start (start_thread for threads).
uw_reach() {
	case $1 in
	uw_threads) echo " worker\\(uw_threads\\) $(uw_libc start_thread)" ;;
	*) echo " main\\($1\\) $(uw_libc __libc_start_call_main)" ;;
	esac
}

# uw_suffixes FILE...: the symbols of the binaries that carry a compiler
# suffix (.isra.N, .part.N, .constprop.N, .cold); in chains they count as
# the function they were made from, but only when the binary has them.
uw_suffixes() {
	nm "$@" 2>/dev/null | awk '$3 ~ /\.(isra|part|constprop)\.[0-9]+$|\.cold$/ { print $3 }' | sort -u
}

# uw_chains SCRIPT_OUT PROG HOT_ERE [SUFFIX_FILE]: from `script -F
# comm,tid,ip,sym,dso` output, one line per sample whose first frame is a
# user frame of PROG (dso basename) in a function matching HOT_ERE: its
# frames "sym(dso basename)" joined by blanks, innermost first. "(inlined)"
# frames are left out (not frames of the stack). Symbols listed in
# SUFFIX_FILE lose their compiler suffix.
uw_chains() {
	awk -v prog="$2" -v hot="^($3)\$" -v sfx="${4:-/dev/null}" '
	BEGIN {
		while ((getline s < sfx) > 0) {
			b = s
			sub(/\.(isra|part|constprop)\.[0-9]+$|\.cold$/, "", b)
			base[s] = b
		}
	}
	function flush() {
		if (n > 0 && fd[1] == prog && fs[1] ~ hot) {
			line = ""
			for (i = 1; i <= n; i++)
				line = line (i > 1 ? " " : "") fs[i] "(" fd[i] ")"
			print line
		}
		n = 0
	}
	/^$/ { next }
	/^[ \t]/ {
		l = $0
		sub(/^[ \t]+/, "", l)
		if (!match(l, / \([^()]*\)$/))
			next
		dso = substr(l, RSTART + 2, RLENGTH - 3)
		rest = substr(l, 1, RSTART - 1)
		if (dso == "inlined")
			next
		sub(/^[0-9a-f]+ /, "", rest)
		if (rest in base)
			rest = base[rest]
		sub(/.*\//, "", dso)
		n++
		fs[n] = rest
		fd[n] = dso
		next
	}
	{ flush() }
	END { flush() }' "$1"
}

# uw_show_bad CHAINS EXPECT_ERE: the most frequent chains not matching,
# with their counts (at most 3), indented.
uw_show_bad() {
	grep -Exv "$2" "$1" | sort | uniq -c | sort -k1,1nr | head -n 3 |
		sed 's/^ *\([0-9]*\) /    \1 x: /'
}

# uw_pct A B: A/B in percent, one decimal.
uw_pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }'
}
