#!/bin/sh
# Cross-check of lib/data's perf.data writer against Linux perf: a file
# built by data-writer-gen must be read by perf report/script with exit 0,
# nothing at all on stderr (perf's warnings go there), the generator's two
# hot functions in the report, and every feature we write in the header.
#
# usage: data-writer-perf.sh PATH-TO-data-writer-gen
# Exit 77 (skip) with the reason when perf is not installed.
set -u

gen=${1:?usage: $0 PATH-TO-data-writer-gen}
if ! command -v perf >/dev/null 2>&1; then
	echo "SKIP: perf is not installed"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sft-data-perf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
f=$tmp/perf.data
fail=0

bad() {
	echo "FAIL: $*"
	fail=1
}

"$gen" "$f" || { echo "FAIL: $gen exited $?"; exit 1; }

# run NAME perf-args...: stdout to $tmp/NAME.out; exit 0 and empty stderr.
run() {
	name=$1
	shift
	perf "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	[ $rc -eq 0 ] || bad "perf $* exited $rc"
	if [ -s "$tmp/$name.err" ]; then
		bad "perf $* wrote to stderr:"
		sed 's/^/    /' "$tmp/$name.err"
	fi
}

run report report -i "$f" --stdio
run script script -i "$f"
run header report --header-only -i "$f"
# -I adds the CPU topology
run headerI report --header-only -I -i "$f"

for fn in gen_hot_alpha gen_hot_beta; do
	grep -q "$fn" "$tmp/report.out" || bad "report lacks $fn"
	grep -q "$fn" "$tmp/script.out" || bad "script lacks $fn"
done
# 400 samples, 3 of 4 in alpha
grep -q "Samples: 400 " "$tmp/report.out" || bad "report does not count 400 samples"
grep -Eq "75\.00% .*gen_hot_alpha" "$tmp/report.out" || bad "alpha is not 75.00%"
[ "$(grep -c 'cpu-clock' "$tmp/script.out")" -eq 400 ] || bad "script does not list 400 samples"

check_header() {
	grep -Eq "^# $1" "$tmp/${2:-header}.out" || bad "header lacks '# $1'"
}
check_header "hostname : $(uname -n)\$"
check_header "os release : $(uname -r)\$"
check_header "perf version : sframetrace "
check_header "arch : $(uname -m)\$"
check_header "nrcpus online : [0-9]+"
check_header "nrcpus avail : [0-9]+"
check_header "cpudesc : ."
case $(uname -m) in
x86_64 | i?86) check_header "cpuid : [^,]+,[0-9]+,[0-9]+,[0-9]+" ;;
esac
check_header "total memory : $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) kB"
check_header "cmdline : $(readlink -f "$gen") $f"
check_header "event : name = cpu-clock, .*id = \\{ 1 \\}"
check_header "sibling threads : " headerI
check_header "CPU 0: Core ID [0-9]+, (Die ID [0-9]+, )?Socket ID" headerI
check_header "time of first sample : [0-9]+\\.[0-9]+"
check_header "time of last sample : [0-9]+\\.[0-9]+"

if [ $fail -ne 0 ]; then
	echo "--- perf report --header-only -I:"
	cat "$tmp/headerI.out"
	exit 1
fi
echo "PASS: perf $(perf version 2>/dev/null | awk '{ print $3 }') reads our perf.data without warnings"
exit 0
