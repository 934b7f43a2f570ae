#!/bin/sh
# Deferred user callchains in per-CPU mode (record -a) in the deferred VM.
# The kernel writes a per-CPU event's deferred records only when that
# buffer's tracking event has defer_output with mmap/comm/task
# (kernel-abi.md: without the sideband bits there are none). Workload:
# progs/vm_work.c with frame pointers and one worker thread, so both CPUs
# run it. Checked on the host:
#   record -a -g       picks fp,defer, no warning, exit 0
#   script             the program's samples: kernel then user frames,
#                      exact call chains down to main or worker, none
#                      without user frames (check-stacks.awk)
#   --show-deferred    records in both CPUs' buffers (the cpu column),
#                      of the program and of other processes
#   report --stdio     nothing on stderr: every cookie, of every process
#                      sampled, resolved
# Exit 77 (skip) when the VM cannot run here.
. "${SFT_SRC:?}/tests/vm/vm-common.sh"
vm_need deferred

prog=$SFT_VM_PROGS/vm_work_fp
vm_boot deferred vm -- "
$SFT_BIN record -a -g -F 1000 -o /out/a.data -- $prog -t 1 1000 >/out/a.out 2>/out/a.err; echo \$? >/out/a.rc
" || bad "the guest's commands exited $?"
o=$tmp/vm
ks="--kallsyms $o/kallsyms"

[ "$(cat "$o/a.rc" 2>/dev/null)" = 0 ] || bad "record -a exited $(cat "$o/a.rc" 2>/dev/null): $(cat "$o/a.err" 2>/dev/null)"
grep -q "^sframetrace record: call graphs: fp,defer " "$o/a.err" ||
	bad "record -a -g did not pick fp,defer: $(cat "$o/a.err")"
grep -q "warning" "$o/a.err" && bad "record -a warned: $(grep warning "$o/a.err")"
[ $fail -eq 0 ] || { vm_show vm; finish "deferred callchains with record -a"; }

sft_host script -i "$o/a.data" $ks >"$tmp/script.out" 2>"$tmp/script.err" || bad "script exited $?"
[ -s "$tmp/script.err" ] && bad "script wrote to stderr: $(head -n 3 "$tmp/script.err")"
awk -v comm=vm_work_fp -v bin="$prog" -f "$SFT_SRC/tests/vm/check-stacks.awk" \
	"$tmp/script.out" >"$tmp/check.out"
grep "^BAD: " "$tmp/check.out"
echo "a.data: $(tail -n 1 "$tmp/check.out")"
eval "$(tail -n 1 "$tmp/check.out" | awk '{ for (i = 1; i < NF; i += 2) printf "c_%s=%s\n", $i, $(i + 1) }')"
[ "$c_bad" = 0 ] || bad "$c_bad samples with wrong stacks (above)"
[ "$c_nouser" = 0 ] || bad "$c_nouser samples of the program without user frames"
[ "$c_main" -ge 100 ] || bad "only $c_main samples reach main"
[ "$c_worker" -ge 100 ] || bad "only $c_worker samples reach worker"
[ "$c_kuser" -ge 100 ] || bad "only $c_kuser samples with kernel and user frames"

sft_host script -i "$o/a.data" $ks --show-deferred >"$tmp/show.out" 2>&1 || bad "script --show-deferred exited $?"
for cpu in 000 001; do
	n=$(grep -c "^vm_work_fp .* \[$cpu\] .*: PERF_RECORD_CALLCHAIN_DEFERRED cookie " "$tmp/show.out")
	[ "$n" -ge 10 ] || bad "only $n deferred records of the program in CPU $cpu's buffer"
done
others=$(grep ": PERF_RECORD_CALLCHAIN_DEFERRED cookie " "$tmp/show.out" | grep -vc "^vm_work_fp ")
echo "records of other processes: $others"

sft_host report --stdio -i "$o/a.data" $ks --no-children -g none >"$tmp/rep.out" 2>"$tmp/rep.err" ||
	bad "report exited $?"
[ -s "$tmp/rep.err" ] && bad "report wrote to stderr: $(cat "$tmp/rep.err")"

[ $fail -eq 0 ] || vm_show vm
finish "deferred callchains with record -a"
