#!/bin/sh
# Tracepoint events: record mounts tracefs when needed, samples every hit,
# and writes the tracepoint formats (TRACING_DATA) so perf can decode the
# raw payloads: perf script must print the tracepoint's fields.
. "$(dirname "$0")/record-common.sh"

need_perf
need_perf_event
need_root
tp_dir=
for d in /sys/kernel/tracing/events /sys/kernel/debug/tracing/events; do
	[ -d "$d" ] && tp_dir=$d
done
if [ -z "$tp_dir" ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		skip "tracefs is not mounted and cannot be mounted here"
	tp_dir=/sys/kernel/tracing/events
fi
[ -r "$tp_dir/sched/sched_process_exec/id" ] || skip "no sched:sched_process_exec tracepoint"

f=$tmp/tp.data
"$SFT_BIN" record -q -e sched:sched_process_exec -e sched:sched_process_exit \
	-o "$f" -- sh -c '/bin/true; /bin/true; /bin/true' >"$tmp/rec.out" 2>"$tmp/rec.err"
rc=$?
[ $rc -eq 0 ] || bad "record exited $rc: $(cat "$tmp/rec.err")"
[ -s "$tmp/rec.err" ] && bad "record -q wrote to stderr: $(cat "$tmp/rec.err")"

run_perf report report -i "$f" --stdio
run_perf script script -i "$f"
run_perf header report --header-only -i "$f"
# sh execs once and starts three /bin/true: 4 execs, 4 exits.
execs=$(grep -c 'sched:sched_process_exec:' "$tmp/script.out")
exits=$(grep -c 'sched:sched_process_exit:' "$tmp/script.out")
[ "$execs" -eq 4 ] || bad "perf script shows $execs sched_process_exec hits, want 4"
[ "$exits" -eq 4 ] || bad "perf script shows $exits sched_process_exit hits, want 4"
# Decoded fields prove the format files made it into the file.
grep -q 'filename=/bin/true' "$tmp/script.out" ||
	bad "perf script did not decode the exec tracepoint's filename field"
grep -q 'event : name = sched:sched_process_exec' "$tmp/header.out" ||
	bad "header lacks the tracepoint event name"

"$SFT_BIN" record -q -e sched:no_such_tracepoint -o "$tmp/x.data" -- /bin/true \
	>"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
[ $rc -ne 0 ] || bad "an unknown tracepoint was accepted"
[ "$(lines "$tmp/bad.err")" -eq 1 ] || bad "unknown tracepoint: want one line, got: $(cat "$tmp/bad.err")"
grep -q 'no_such_tracepoint' "$tmp/bad.err" || bad "the error does not name the tracepoint"
[ -e "$tmp/x.data" ] && bad "a file was left for a failed recording"

finish "tracepoints recorded and decoded by perf"
