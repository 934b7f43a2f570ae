#!/bin/sh
# Markers but no deferred records, from the real kernel: with
# SFRAMETRACE_DEFER_OUTPUT=0 record leaves defer_output off the tracking
# event, and Linux 7.1.5 then writes no PERF_RECORD_CALLCHAIN_DEFERRED at
# all (kernel-abi.md) while every sample still ends in the marker. This is
# what a recorder set up wrong produces. Checked:
#   record             one warning line: samples wait, the kernel wrote none
#   script --show-deferred
#                      no record lines; samples with kernel frames only
#                      (a user-mode sample: its own ip)
#   report --stdio     exactly one stderr line explaining it
# Exit 77 (skip) when the VM cannot run here.
. "${SFT_SRC:?}/tests/vm/vm-common.sh"
vm_need deferred

prog=$SFT_VM_PROGS/vm_work_fp
vm_boot deferred vm -- "
SFRAMETRACE_DEFER_OUTPUT=0 $SFT_BIN record -g -F 1000 -o /out/n.data -- $prog 500 >/out/n.out 2>/out/n.err; echo \$? >/out/n.rc
" || bad "the guest's commands exited $?"
o=$tmp/vm
ks="--kallsyms $o/kallsyms"

[ "$(cat "$o/n.rc" 2>/dev/null)" = 0 ] || bad "record exited $(cat "$o/n.rc" 2>/dev/null): $(cat "$o/n.err" 2>/dev/null)"
n=$(grep -c "warning" "$o/n.err")
[ "$n" = 1 ] &&
	grep -Eq "^sframetrace record: warning: [0-9]+ samples wait for deferred user callchains but the kernel wrote none" "$o/n.err" ||
	bad "record: want one warning about the missing records, got: $(cat "$o/n.err")"

sft_host script -i "$o/n.data" $ks --show-deferred >"$tmp/show.out" 2>"$tmp/show.err" || bad "script exited $?"
grep -q "PERF_RECORD_CALLCHAIN_DEFERRED" "$tmp/show.out" && bad "the file has deferred records after all"
ns=$(grep -c "^vm_work_fp .* cpu-clock: " "$tmp/show.out")
[ "$ns" -ge 100 ] || bad "only $ns samples"
# A sample in user mode keeps its own ip as its one user frame.
nu=$(awk '/ cpu-clock: / { u = 0; next } /^\t/ && !/kernel\.kallsyms/ && u++ { n++ } END { print n + 0 }' "$tmp/show.out")
[ "$nu" = 0 ] || bad "$nu user frames beyond a sample's own ip, without records"

sft_host report --stdio -i "$o/n.data" $ks --no-children >"$tmp/rep.out" 2>"$tmp/rep.err" || bad "report exited $?"
[ "$(wc -l <"$tmp/rep.err")" -eq 1 ] &&
	grep -Eq "^sframetrace report: warning: [0-9]+ samples wait for deferred user callchains but the file has none" "$tmp/rep.err" ||
	bad "report: want one line explaining the missing records, got: $(cat "$tmp/rep.err")"

[ $fail -eq 0 ] || vm_show vm
finish "markers without deferred records"
