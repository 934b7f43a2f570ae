#!/bin/sh
# Stopping `sframetrace record` early still gives a complete file:
#  - Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
#  - SIGTERM to record alone (record must end the workload itself)
# Each time record exits within a few seconds, FILE exists and no
# FILE.partial, perf reads it with exit 0 and nothing on stderr, it holds
# well over 1000 samples, and record printed its summary line with the
# same sample count perf sees. Recording over an existing FILE keeps the
# previous one as FILE.old.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) when perf, setsid, gcc with
# --gsframe, or perf_event_open is missing.
set -u
. "$(dirname "$0")/record-common.sh"

need_perf
need_perf_event
command -v setsid >/dev/null 2>&1 || skip "setsid is not installed"
build_prog hot

# check_file WHAT FILE ERRFILE: the file is complete and the summary right.
check_file() {
	what=$1
	f=$2
	[ -f "$f" ] || { bad "$what: $f does not exist"; return; }
	[ -e "$f.partial" ] && bad "$what: $f.partial left behind"
	run_perf_lost "$what.report" "$(summary_field "$3" lost)" report -i "$f" --stdio
	n=$(perf_samples "$f")
	[ "${n:-0}" -gt 1000 ] || bad "$what: perf counts ${n:-no} samples, want > 1000"
	grep -Eq "hot +\[\.\] hot_inner" "$tmp/$what.report.out" || bad "$what: perf report lacks hot_inner"
	grep -Eq "^\[ sframetrace record: Captured and wrote [0-9.]+ MB $f \([0-9]+ samples, [0-9]+ lost\) \]\$" "$3" ||
		bad "$what: no summary line: $(cat "$3")"
	s=$(summary_field "$3" samples)
	[ "${s:-x}" = "${n:-y}" ] || bad "$what: summary says ${s:-?} samples, perf counts ${n:-?}"
	l=$(summary_field "$3" lost)
	[ "${l:-x}" = 0 ] || echo "note: $what: $l lost"
	echo "$what: $n samples; $(grep '^\[ sframetrace' "$3")"
}

# 1. SIGINT to the process group: record and the workload both get it.
f=$tmp/int.data
setsid "$SFT_BIN" record -g -e cpu-clock -o "$f" -- "$tmp/hot" 20000 \
	>"$tmp/int.out" 2>"$tmp/int.err" &
rec=$!
bg_pids="$bg_pids $rec"
bg_groups="$bg_groups $rec"
sleep 1.5
pgid=$(awk '{ print $5 }' "/proc/$rec/stat" 2>/dev/null)
if [ -z "$pgid" ] || [ "$pgid" != "$rec" ]; then
	bad "record is not its own process group leader (pgid '${pgid:-?}')"
	pgid=$rec
fi
kill -INT -"$pgid"
start=$(date +%s)
wait_timeout "$rec" 10
took=$(($(date +%s) - start))
if [ "$waited_rc" = timeout ]; then
	bad "SIGINT: record did not exit within 10 s"
else
	echo "SIGINT: record exited $waited_rc after ${took}s"
	# The workload died of SIGINT too: 128 + 2, or 0 if record ended it.
	case $waited_rc in 0 | 130) ;; *) bad "SIGINT: record exited $waited_rc, want 130 (or 0)" ;; esac
	[ $took -le 5 ] || bad "SIGINT: record took ${took}s to exit"
	check_file sigint "$f" "$tmp/int.err"
fi
pgrep -g "$pgid" >/dev/null 2>&1 && bad "SIGINT: processes of group $pgid are still running"

# 2. SIGTERM to record only: it must stop the workload and finish the file.
f=$tmp/term.data
"$SFT_BIN" record -g -e cpu-clock -o "$f" -- "$tmp/hot" 20000 \
	>"$tmp/term.out" 2>"$tmp/term.err" &
rec=$!
bg_pids="$bg_pids $rec"
sleep 1.5
child=$(pgrep -P "$rec" | head -n 1)
kill -TERM "$rec"
start=$(date +%s)
wait_timeout "$rec" 10
took=$(($(date +%s) - start))
if [ "$waited_rc" = timeout ]; then
	bad "SIGTERM: record did not exit within 10 s"
else
	echo "SIGTERM: record exited $waited_rc after ${took}s"
	[ "$waited_rc" -eq 143 ] || bad "SIGTERM: record exited $waited_rc, want 143 (the workload's SIGTERM death)"
	[ $took -le 5 ] || bad "SIGTERM: record took ${took}s to exit"
	check_file sigterm "$f" "$tmp/term.err"
fi
if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
	bad "SIGTERM: the workload (pid $child) is still running"
	kill -KILL "$child" 2>/dev/null
fi

# 3. Recording over an existing file keeps it as FILE.old.
cp "$f" "$tmp/term.copy"
"$SFT_BIN" record -q -e cpu-clock -o "$f" -- "$tmp/hot" 100 >/dev/null 2>"$tmp/again.err"
rc=$?
[ $rc -eq 0 ] || bad "second record into $f exited $rc: $(cat "$tmp/again.err")"
if [ -f "$f.old" ]; then
	cmp -s "$f.old" "$tmp/term.copy" || bad "$f.old is not the previous $f"
else
	bad "the previous $f was not kept as $f.old"
fi
cmp -s "$f" "$tmp/term.copy" && bad "$f was not rewritten"
run_perf again.report report -i "$f" --stdio

finish "record finishes its file on SIGINT and SIGTERM"
