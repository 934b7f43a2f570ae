#!/bin/sh
# .sframe registration for real, in the SFrame VM (Linux 7.1.5 with the
# SFrame user unwinder and sframe_register/sframe_unregister). Workload: the
# committed fixture tests/fixtures/vmreg (FP-less, SFrame V3, binutils 2.46):
# reg_app's hot code runs through librega/libregb (linked), libregd
# (dlopen'ed), forked workers (fork without exec) and librege (dlopen'ed
# after libregd's dlclose, usually at libregd's old address). The kernel
# registers only reg_app and the dynamic linker at exec: the libraries'
# frames unwind only when libsframetrace-audit.so registers them.
# Checked (the recordings run in the guest, script/report on the host):
#   probe                  finds sframe_register
#   record -g              picks fp,defer, injects the library (auto), the
#                          summary has 0 failures and re-registrations in
#                          the two forked children; the workload succeeds
#   with registration      >= 90% of the samples in each phase's hot leaf
#                          unwind through every library frame to main
#                          (also in the forked workers)
#   --register-sframe=never  no such sample reaches main: cut at the
#                          first library frame; record warns and points
#                          at the registration
#   unregister on dlclose  with a broken unregister syscall number, librege
#                          clashes with libregd's stale registration
#                          (EEXIST) and its stacks are cut; with the real
#                          one it registers and unwinds to main
# Exit 77 (skip) when the VM cannot run here.
. "${SFT_SRC:?}/tests/vm/vm-common.sh"
vm_need sframe

fx=$(cd "$SFT_FIXTURES/vmreg" && pwd -P)
lib=$(dirname "$SFT_BIN")/libsframetrace-audit.so
[ -f "$lib" ] || { bad "$lib was not built"; finish "sframe registration"; }
S=$SFT_BIN
app="$fx/reg_app 300"
# libc names the dynamic linker by its multiarch path, which the guest's
# copy of the host's libraries lacks without /etc/ld.so.cache.
ldso=/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
vm_boot sframe vm -i "$lib" -i "$fx" -i "$ldso" -- "
$S probe >/out/probe.txt 2>&1
SFRAMETRACE_AUDIT_LOG=/out/reg.log $S record -g -v -F 499 -o /out/reg.data -- $app >/out/reg.out 2>/out/reg.err; echo \$? >/out/reg.rc
$S record -g --register-sframe=never -F 499 -o /out/never.data -- $app >/out/never.out 2>/out/never.err; echo \$? >/out/never.rc
SFRAMETRACE_SFRAME_UNREGISTER_NR=4000 SFRAMETRACE_AUDIT_LOG=/out/nounreg.log $S record -g -F 499 -o /out/nounreg.data -- $app >/out/nounreg.out 2>/out/nounreg.err; echo \$? >/out/nounreg.rc
" || bad "the guest's commands exited $?"
o=$tmp/vm

grep -q '^sframe_register (472) *: yes' "$o/probe.txt" 2>/dev/null ||
	bad "probe does not find sframe_register: $(cat "$o/probe.txt" 2>/dev/null)"
for r in reg never nounreg; do
	[ "$(cat "$o/$r.rc" 2>/dev/null)" = 0 ] || bad "record ($r) exited $(cat "$o/$r.rc" 2>/dev/null): $(cat "$o/$r.err" 2>/dev/null)"
	grep -qx "reg_app: done" "$o/$r.out" 2>/dev/null || bad "reg_app ($r) did not finish: $(cat "$o/$r.out" 2>/dev/null)"
	grep -q "^sframetrace record: call graphs: fp,defer " "$o/$r.err" 2>/dev/null ||
		bad "record -g ($r) did not pick fp,defer"
done
[ $fail -eq 0 ] || { vm_show vm; finish "sframe registration"; }

grep -q "registration (3 processes): [1-9][0-9]* registered, [0-9]* without .sframe, 0 failed, 8 re-registered in forked children, 2 unregistered on close" "$o/reg.err" ||
	bad "registration summary: $(grep registration "$o/reg.err")"
grep -q "^sframetrace record: .sframe registration" "$o/never.err" && bad "--register-sframe=never still registered"
grep -q "warning" "$o/reg.err" && bad "record with registration warned: $(grep warning "$o/reg.err")"
grep -q "^sframetrace record: warning: .* only where .sframe is registered; record without --register-sframe=never" "$o/never.err" ||
	bad "--register-sframe=never: no warning pointing at registration: $(grep warning "$o/never.err")"
for l in rega regb regd rege; do
	grep -q "op=register result=ok .*path=$fx/lib$l.so\$" "$o/reg.log" || bad "lib$l.so not registered: $(grep "lib$l" "$o/reg.log")"
done
grep -q "op=register result=exec .*path=$fx/reg_app\$" "$o/reg.log" ||
	bad "reg_app: not reported as registered by the kernel at exec: $(grep "path=$fx/reg_app" "$o/reg.log")"
grep -q "op=unregister result=ok .*path=$fx/libregd.so\$" "$o/reg.log" || bad "libregd.so not unregistered"

# Folded stacks: "comm;outermost;...;leaf[;kernel...] COUNT".
fold() {
	sft_host script --folded -i "$o/$1.data" --kallsyms "$o/kallsyms" 2>"$tmp/$1.fold.err" >"$tmp/$1.fold" ||
		bad "script --folded ($1) failed: $(head -n 3 "$tmp/$1.fold.err")"
}
# share FILE LEAF CHAIN: "complete total" for the samples whose user leaf
# is LEAF; complete ones contain CHAIN (from main down to the leaf).
share() {
	awk -v leaf="$2" -v chain="$3" '
		{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s)
		  if (index(s ";", ";" leaf ";") == 0) next
		  total += n; if (index(s, chain) != 0) ok += n }
		END { printf "%d %d\n", ok, total }' "$tmp/$1.fold"
}
walk="rega_walk;rega_walk;rega_walk"
lib_chain="main;phase_lib;$walk;regb_spin"
fork_chain="main;phase_fork;worker;$walk;rega_walk;regb_spin"
dl_chain="main;phase_dl;regd_run;spin_cb_d;spin_here"
close_chain="main;phase_close;rege_run;spin_cb_e;spin_here"
for r in reg never nounreg; do fold $r; done

# complete FILE CHAIN: samples with the whole chain
complete() {
	awk -v chain="$2" '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s)
		if (index(s, chain) != 0) ok += n } END { print ok + 0 }' "$tmp/$1.fold"
}

# With registration: each phase's chain is there, whole.
for c in "$lib_chain" "$fork_chain" "$dl_chain" "$close_chain"; do
	n=$(complete reg "$c")
	echo "registered: $n samples in $c"
	[ "$n" -ge 20 ] || bad "registered: only $n samples unwind $c"
done
set -- $(share reg regb_spin "main;phase_")
echo "registered: regb_spin $1 of $2 reach main"
[ "$2" -gt 0 ] && [ $(( $1 * 100 )) -ge $(( $2 * 90 )) ] || bad "registered: only $1 of $2 regb_spin samples reach main"
set -- $(share reg spin_here "main;phase_")
echo "registered: spin_here $1 of $2 reach main"
[ "$2" -gt 0 ] && [ $(( $1 * 100 )) -ge $(( $2 * 90 )) ] || bad "registered: only $1 of $2 spin_here samples reach main"

# Without: the same leaves, cut at the first library frame.
for leaf in regb_spin spin_here; do
	set -- $(share never $leaf "main;")
	echo "never: $leaf $1 of $2 reach main"
	[ "$2" -ge 50 ] || bad "never: only $2 samples in $leaf"
	[ "$1" -eq 0 ] || bad "never: $1 $leaf samples unwound to main without registration"
done
[ "$(complete never "regd_run;spin_cb_d;spin_here")" -gt 0 ] ||
	bad "never: the executable's frames above libregd (registered at exec) did not unwind"

# A broken unregister: librege clashes with libregd's stale registration.
grep -q "op=unregister result=ENOSYS .*path=$fx/libregd.so\$" "$o/nounreg.log" || bad "nounreg: libregd's unregister did not fail"
grep -q "op=register result=EEXIST .*path=$fx/librege.so\$" "$o/nounreg.log" ||
	bad "nounreg: librege did not clash with the stale registration: $(grep librege "$o/nounreg.log")"
n=$(complete nounreg "$dl_chain")
[ "$n" -ge 20 ] || bad "nounreg: libregd's phase did not unwind ($n samples)"
n=$(complete nounreg "main;phase_close")
echo "nounreg: $n samples through librege reach main (registered: $(complete reg "$close_chain"))"
[ "$n" -eq 0 ] || bad "nounreg: $n samples through librege unwound despite the stale registration"
[ "$(complete nounreg "rege_run;spin_cb_e;spin_here")" -gt 0 ] || bad "nounreg: no sample in librege's phase"

finish "sframe registration through the audit library (linked, dlopen'ed, forked, dlclose'd)"
