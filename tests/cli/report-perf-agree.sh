#!/bin/sh
# `sframetrace report --stdio` agrees with `perf report --stdio` on files
# perf recorded: the same rows in the same order with the same percentages,
# and the same "# Samples:" and "# Event count" lines, for self and children
# overhead sorted by comm,dso,sym / dso,sym / comm,pid (and cpu,comm on a
# system-wide file), and for the default call-graph output with
# --no-children. Recordings, all of frame-pointer builds (-g is perf's fp
# walk): (a) perf record -g of hot and of a shell running two renamed copies
# of it in parallel; (b) the same without -g; (c) perf record -a -g while
# those copies run; (d) a pipe recording (-o -) read back with -i -.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when perf,
# gcc or perf_event_open is missing.
set -u
. "$(dirname "$0")/report-common.sh"

need_perf
need_perf_event
build_fp hot hot
cp "$tmp/hot" "$tmp/hot_a" && cp "$tmp/hot" "$tmp/hot_b" || exit 1
cd "$tmp" || exit 1

# The multi-process workload: sh forks two differently named copies.
multi="./hot_a 300 & ./hot_b 300 & wait"

perf_record g -g -e cpu-clock -o "$tmp/g.data" -- ./hot 400
perf_record mg -g -e cpu-clock -o "$tmp/mg.data" -- sh -c "$multi"
perf_record n -e cpu-clock -o "$tmp/n.data" -- ./hot 400
perf_record mn -e cpu-clock -o "$tmp/mn.data" -- sh -c "$multi"

# (c) system-wide while the two copies keep both CPUs (or two of them) busy.
sh -c "./hot_a 1200 & ./hot_b 1200 & wait" >/dev/null &
bg_pids="$bg_pids $!"
sleep 0.2
perf_record a -a -g -e cpu-clock -o "$tmp/a.data" -- sleep 0.5
wait

# (d) a pipe recording: perf writes the stream to stdout.
perf record -N -g -e cpu-clock -o - -- ./hot 300 >"$tmp/p.pipe" 2>"$tmp/p.rec.err" ||
	{ echo "FAIL: perf record -o - exited $?: $(head -n 3 "$tmp/p.rec.err")"; exit 1; }
perf record -N -g -e cpu-clock -o - -- sh -c "$multi" >"$tmp/mp.pipe" 2>"$tmp/mp.rec.err" ||
	{ echo "FAIL: perf record -o - exited $?: $(head -n 3 "$tmp/mp.rec.err")"; exit 1; }

# C++: perf shows demangled names (methods, templates, lambdas, thunks).
cxx=
if command -v g++ >/dev/null 2>&1 &&
	g++ -O1 -fno-omit-frame-pointer -o "$tmp/cxx_hot" "$SFT_SRC/tests/progs/cxx_hot.cc" 2>"$tmp/gxx.err"; then
	perf_record cxx -g -e cpu-clock -o "$tmp/cxx.data" -- ./cxx_hot 3000
	cxx=cxx
else
	echo "note: no g++ here: the C++ names case is left out"
fi

for f in g mg n mn a $cxx; do
	echo "$f.data: $(perf_samples "$tmp/$f.data") samples"
done

compare_report_set "perf -g, hot" "$tmp/g.data"
compare_report_set "perf -g, two processes" "$tmp/mg.data"
compare_report_set "perf without -g, hot" "$tmp/n.data"
compare_report_set "perf without -g, two processes" "$tmp/mn.data"
compare_report_set "perf -a -g" "$tmp/a.data"
compare_report "perf -a -g" "$tmp/a.data" --no-children -g none -s cpu,comm
compare_report "perf -a -g" "$tmp/a.data" --children -g none -s cpu,comm
[ -n "$cxx" ] && compare_report_set "perf -g, C++" "$tmp/cxx.data"
compare_report_set "perf -g pipe, hot" "<$tmp/p.pipe"
compare_report_set "perf -g pipe, two processes" "<$tmp/mp.pipe"

# The two-process (and system-wide) files must really have both copies, or the comparisons
# above tested less than they claim.
for f in mg mn a; do
	perf report --stdio -i "$tmp/$f.data" --no-children -g none -s comm >"$tmp/$f.comms" 2>/dev/null
	for c in hot_a hot_b; do
		report_rows "$tmp/$f.comms" | grep -Eq "^ +[0-9.]+% +$c\$" ||
			bad "$f.data: perf report shows no samples of comm $c: the workload did not run as meant"
	done
done

finish "sframetrace report agrees with perf report on perf's files (-g, no -g, -a, pipe)"
