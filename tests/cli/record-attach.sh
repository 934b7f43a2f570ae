#!/bin/sh
# Recording what already runs: -p PID and -t TID on a running hot process
# (stopped with SIGINT after ~1 s) show hot_inner; -a (system-wide, root)
# sees more than one command, the background hot among them; -C 0 records
# only CPU 0; -p of a pid that does not exist fails with one line and no
# file.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) when perf, gcc with
# --gsframe, or perf_event_open is missing; the -a/-C part needs root.
set -u
. "$(dirname "$0")/record-common.sh"

need_perf
need_perf_event
build_prog hot

"$tmp/hot" 30000 >/dev/null &
hot=$!
bg_pids="$bg_pids $hot"
sleep 0.3

# attach WHAT ARGS...: record ARGS for ~1 s, stop it with SIGINT, check.
attach() {
	what=$1
	shift
	f=$tmp/$what.data
	"$SFT_BIN" record -e cpu-clock "$@" -o "$f" >"$tmp/$what.out" 2>"$tmp/$what.err" &
	rec=$!
	sleep 1
	kill -INT "$rec"
	wait_timeout "$rec" 10
	if [ "$waited_rc" = timeout ]; then
		bad "$what: record did not stop within 10 s of SIGINT"
		return
	fi
	[ "$waited_rc" -eq 0 ] || bad "$what: record exited $waited_rc: $(head -n 3 "$tmp/$what.err")"
	kill -0 "$hot" 2>/dev/null || bad "$what: the attached process died"
	[ -f "$f" ] || { bad "$what: no $f"; return; }
	[ -e "$f.partial" ] && bad "$what: $f.partial left behind"
	run_perf_lost "$what.report" "$(summary_field "$tmp/$what.err" lost)" \
		report -i "$f" --stdio --no-children -g none --sort comm,pid,sym
	grep -Eq "^ +[0-9.]+% +hot +$hot:hot +\[\.\] hot_inner" "$tmp/$what.report.out" ||
		bad "$what: perf report lacks hot_inner in hot ($hot)"
	n=$(perf_samples "$f")
	# ~1 s at 4 kHz of a busy process; leave room for a loaded machine.
	[ "${n:-0}" -ge 400 ] || bad "$what: only ${n:-no} samples in ~1 s"
	s=$(summary_field "$tmp/$what.err" samples)
	[ "${s:-x}" = "${n:-y}" ] || bad "$what: summary says ${s:-?} samples, perf counts ${n:-?}"
	# Only the attached process was sampled.
	others=$(grep -Ev '^#|^$' "$tmp/$what.report.out" | grep -Ev "^ +[0-9.]+% +hot +$hot:hot " | head -n 3)
	[ -z "$others" ] || bad "$what: samples from other processes: $others"
	echo "$what: $n samples"
}

attach pid -p "$hot"
attach pid-g -g -p "$hot"
attach tid -t "$hot"

# -a needs root (or perf_event_paranoid <= 0); -C likewise.
if [ "$(id -u)" -ne 0 ] && [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 0 ]; then
	echo "note: not root and perf_event_paranoid > 0: -a and -C not tested"
else
	f=$tmp/all.data
	"$SFT_BIN" record -q -e cpu-clock -a -o "$f" -- sleep 1 >"$tmp/all.out" 2>"$tmp/all.err"
	rc=$?
	[ $rc -eq 0 ] || bad "-a -- sleep 1 exited $rc: $(head -n 3 "$tmp/all.err")"
	run_perf all.report report -i "$f" --stdio --sort comm,pid
	ncomm=$(grep -Ev '^#|^$' "$tmp/all.report.out" | awk '{ print $2 }' | sort -u | wc -l)
	[ "$ncomm" -gt 1 ] || bad "-a: samples from $ncomm command(s), want more than one"
	grep -Eq "^ +[0-9.]+% +hot +$hot:hot" "$tmp/all.report.out" || bad "-a: the background hot ($hot) is missing"
	# hot ran the whole second: it should be a big share of one CPU.
	grep -Eq "^ +[0-9.]+% +sleep +[0-9]+:sleep" "$tmp/all.report.out" ||
		echo "note: -a: no sample landed in sleep itself (it sleeps)"
	run_perf all.script script -i "$f" -F cpu
	ncpu=$(sort -u "$tmp/all.script.out" | wc -l)
	echo "-a: $ncomm commands on $ncpu cpu(s)"
	[ "$(nproc)" -gt 1 ] && [ "$ncpu" -lt 2 ] && bad "-a: samples from only $ncpu CPU on a $(nproc)-CPU machine"

	f=$tmp/cpu0.data
	"$SFT_BIN" record -q -e cpu-clock -C 0 -o "$f" -- sleep 0.5 >"$tmp/cpu0.out" 2>"$tmp/cpu0.err"
	rc=$?
	[ $rc -eq 0 ] || bad "-C 0 -- sleep 0.5 exited $rc: $(head -n 3 "$tmp/cpu0.err")"
	run_perf cpu0.script script -i "$f" -F cpu
	cpus=$(sort -u "$tmp/cpu0.script.out" | tr -d ' []' | tr '\n' ' ')
	[ "$cpus" = "000 " ] || bad "-C 0: samples on cpus '$cpus', want only 000"
	n=$(perf_samples "$f")
	[ "${n:-0}" -ge 100 ] || bad "-C 0: only ${n:-no} samples in 0.5 s"
	run_perf cpu0.evlist evlist -v -i "$f"
	grep -q "enable_on_exec: 1" "$tmp/cpu0.evlist.out" && bad "-C 0: enable_on_exec set in system-wide mode"
	echo "-C 0: $n samples on cpu $cpus"
fi

# A pid that does not exist: one line, non-zero, no file.
dead=$(sh -c 'echo $$')
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 7919)); done
f=$tmp/dead.data
"$SFT_BIN" record -e cpu-clock -p "$dead" -o "$f" >"$tmp/dead.out" 2>"$tmp/dead.err"
rc=$?
[ $rc -ne 0 ] || bad "-p $dead (no such process) exited 0"
[ "$(lines "$tmp/dead.err")" -eq 1 ] || bad "-p $dead: $(lines "$tmp/dead.err") lines on stderr, want 1: $(cat "$tmp/dead.err")"
grep -q "$dead" "$tmp/dead.err" || bad "-p $dead: the error does not name the pid: $(cat "$tmp/dead.err")"
[ -e "$f" ] && bad "-p $dead: $f was created"
echo "-p $dead: exit $rc: $(cat "$tmp/dead.err")"

"$SFT_BIN" record -e cpu-clock -t "$dead" -o "$f" >"$tmp/dead.out" 2>"$tmp/dead.err"
rc=$?
[ $rc -ne 0 ] || bad "-t $dead (no such thread) exited 0"
[ "$(lines "$tmp/dead.err")" -eq 1 ] || bad "-t $dead: $(lines "$tmp/dead.err") lines on stderr, want 1: $(cat "$tmp/dead.err")"
[ -e "$f" ] && bad "-t $dead: $f was created"
echo "-t $dead: exit $rc: $(cat "$tmp/dead.err")"

kill "$hot" 2>/dev/null
finish "record attaches with -p, -t, -a and -C"
