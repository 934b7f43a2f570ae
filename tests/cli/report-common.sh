# Shared helpers of the tests/cli/report-*.sh and script-*.sh tests
# (sourced, not run), on top of record-common.sh (bad, skip, need_perf, $tmp).
# The expected output of every comparison comes from Linux perf reading the
# same file, never from sframetrace itself.

. "$(dirname "$0")/record-common.sh"

# build_fp OUT SRC [gcc args...]: tests/progs/SRC.c -> $tmp/OUT, built with
# frame pointers so that the kernel's FP walk (perf record -g, sframetrace
# record --call-graph fp) gives whole user call chains.  (gcc 12 still
# leaves them out of leaf functions that need no stack frame: a sample in
# such a leaf skips its caller, for perf and for us alike.)
build_fp() {
	bf_out=$1
	bf_src=$2
	shift 2
	command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
	if ! gcc -O2 -g -fno-omit-frame-pointer "$@" -o "$tmp/$bf_out" \
		"$SFT_SRC/tests/progs/$bf_src.c" 2>"$tmp/gcc.err"; then
		echo "FAIL: cannot build tests/progs/$bf_src.c:"
		cat "$tmp/gcc.err"
		exit 1
	fi
}

# perf_record NAME perf-record-args...: run perf record (stdout to
# $tmp/NAME.rec.out unless -o - sends the data there); it must exit 0.
# -N keeps the test's throw-away binaries out of ~/.debug; it changes
# nothing in the file.
perf_record() {
	pr_name=$1
	shift
	perf record -N "$@" >"$tmp/$pr_name.rec.out" 2>"$tmp/$pr_name.rec.err"
	pr_rc=$?
	if [ $pr_rc -ne 0 ]; then
		echo "FAIL: perf record $* exited $pr_rc:"
		sed 's/^/    /' "$tmp/$pr_name.rec.err" | head -n 20
		exit 1
	fi
}

# sft_record NAME sframetrace-record-args...: as perf_record, for ours.
sft_record() {
	sr_name=$1
	shift
	"$SFT_BIN" record "$@" >"$tmp/$sr_name.rec.out" 2>"$tmp/$sr_name.rec.err"
	sr_rc=$?
	if [ $sr_rc -ne 0 ]; then
		echo "FAIL: sframetrace record $* exited $sr_rc:"
		sed 's/^/    /' "$tmp/$sr_name.rec.err" | head -n 20
		exit 1
	fi
}

# report_rows FILE: the rows of a report --stdio output: lines not
# starting with '#', trailing blanks stripped, empty lines dropped.
report_rows() {
	grep -v '^#' "$1" | sed 's/[[:space:]]*$//' | grep -v '^$'
}

# report_counts FILE: its "# Samples:" and "# Event count" header lines.
report_counts() {
	grep -E '^# (Samples:|Event count)' "$1" | sed 's/[[:space:]]*$//'
}

# show_diff FILE: print a diff, indented, at most 80 lines.
show_diff() {
	sed 's/^/    /' "$1" | head -n 40
	sd_n=$(wc -l <"$1")
	[ "$sd_n" -le 40 ] || echo "    ... ($sd_n lines of diff in all)"
}

cmp_n=0

# compare_report LABEL INPUT report-args...: run `perf report --stdio` and
# `sframetrace report --stdio` with the same arguments on INPUT (a file, or
# "<FILE" to feed FILE on stdin with -i -); their rows and their sample and
# event count header lines must be identical.
compare_report() {
	cr_label=$1
	cr_in=$2
	shift 2
	cmp_n=$((cmp_n + 1))
	cr_b=$tmp/cmp$cmp_n
	case $cr_in in
	"<"*)
		cr_f=${cr_in#<}
		perf report --stdio -i - "$@" <"$cr_f" >"$cr_b.perf" 2>"$cr_b.perf.err"
		cr_prc=$?
		"$SFT_BIN" report --stdio -i - "$@" <"$cr_f" >"$cr_b.sft" 2>"$cr_b.sft.err"
		cr_src=$?
		cr_what="report -i - $* <$(basename "$cr_f")"
		;;
	*)
		perf report --stdio -i "$cr_in" "$@" >"$cr_b.perf" 2>"$cr_b.perf.err"
		cr_prc=$?
		"$SFT_BIN" report --stdio -i "$cr_in" "$@" >"$cr_b.sft" 2>"$cr_b.sft.err"
		cr_src=$?
		cr_what="report -i $(basename "$cr_in") $*"
		;;
	esac
	if [ $cr_prc -ne 0 ]; then
		bad "$cr_label: perf $cr_what exited $cr_prc: $(head -n 3 "$cr_b.perf.err")"
		return
	fi
	if [ $cr_src -ne 0 ]; then
		bad "$cr_label: sframetrace $cr_what exited $cr_src: $(head -n 3 "$cr_b.sft.err")"
		return
	fi
	if [ -s "$cr_b.sft.err" ]; then
		echo "note: $cr_label: sframetrace $cr_what said on stderr:"
		sed 's/^/    /' "$cr_b.sft.err" | head -n 5
	fi
	report_rows "$cr_b.perf" >"$cr_b.perf.rows"
	report_rows "$cr_b.sft" >"$cr_b.sft.rows"
	report_counts "$cr_b.perf" >"$cr_b.perf.counts"
	report_counts "$cr_b.sft" >"$cr_b.sft.counts"
	cr_rows=$(lines "$cr_b.perf.rows")
	if [ "$cr_rows" -eq 0 ]; then
		bad "$cr_label: perf $cr_what printed no rows"
		return
	fi
	if [ "$(lines "$cr_b.perf.counts")" -ne 2 ]; then
		bad "$cr_label: perf $cr_what printed no '# Samples:' and '# Event count' lines"
		return
	fi
	cr_ok=1
	if ! diff -u --label "perf $cr_what" --label "sframetrace $cr_what" \
		"$cr_b.perf.counts" "$cr_b.sft.counts" >"$cr_b.diff"; then
		bad "$cr_label: '# Samples:' / '# Event count' lines differ ($cr_what):"
		show_diff "$cr_b.diff"
		cr_ok=0
	fi
	if ! diff -u --label "perf $cr_what" --label "sframetrace $cr_what" \
		"$cr_b.perf.rows" "$cr_b.sft.rows" >"$cr_b.diff"; then
		bad "$cr_label: rows differ ($cr_what):"
		show_diff "$cr_b.diff"
		cr_ok=0
	fi
	[ $cr_ok -eq 1 ] && echo "ok: $cr_label: $cr_what: $cr_rows rows and the sample/event counts identical"
}

# compare_report_set LABEL INPUT: the comparisons every recording gets:
# self and children overhead per comm,dso,sym, per dso,sym and per
# comm,pid without call graphs, and the default call-graph output with
# --no-children (its call chain lines included).
compare_report_set() {
	crs_label=$1
	crs_in=$2
	for crs_keys in comm,dso,sym dso,sym comm,pid; do
		compare_report "$crs_label" "$crs_in" --no-children -g none -s $crs_keys
		compare_report "$crs_label" "$crs_in" --children -g none -s $crs_keys
	done
	compare_report "$crs_label" "$crs_in" --no-children
	compare_report "$crs_label" "$crs_in" --no-children -s dso,sym
}
