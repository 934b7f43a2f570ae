#!/bin/sh
# A program built without frame pointers on the deferred VM, whose kernel
# walks user stacks with frame pointers only. progs/vm_work.c as
# vm_work_nofp (-fomit-frame-pointer, .sframe when the assembler makes
# one). Checked:
#   record -g          picks fp,defer; the kernel's stacks are one or two
#                      frames, and record says so in one warning line that
#                      suggests --call-graph sframe; few samples reach main
#   record --call-graph sframe
#                      stack copies unwound on the host (SFrame for the
#                      program, .eh_frame for libc): every sample in the
#                      program's code unwinds exactly down to main
#                      (check-stacks.awk), with kernel frames first
# Exit 77 (skip) when the VM cannot run here.
. "${SFT_SRC:?}/tests/vm/vm-common.sh"
vm_need deferred

prog=$SFT_VM_PROGS/vm_work_nofp
vm_boot deferred vm -- "
$SFT_BIN record -g -F 1000 -o /out/d.data -- $prog 800 >/out/d.out 2>/out/d.err; echo \$? >/out/d.rc
$SFT_BIN record --call-graph sframe -F 500 -o /out/s.data -- $prog 800 >/out/s.out 2>/out/s.err; echo \$? >/out/s.rc
" || bad "the guest's commands exited $?"
o=$tmp/vm
ks="--kallsyms $o/kallsyms"

for r in d s; do
	[ "$(cat "$o/$r.rc" 2>/dev/null)" = 0 ] ||
		bad "record ($r) exited $(cat "$o/$r.rc" 2>/dev/null): $(cat "$o/$r.err" 2>/dev/null)"
done
grep -q "^sframetrace record: call graphs: fp,defer " "$o/d.err" ||
	bad "record -g did not pick fp,defer: $(cat "$o/d.err")"
n=$(grep -c "warning" "$o/d.err")
w=$(grep "warning" "$o/d.err")
[ "$n" = 1 ] && echo "$w" |
	grep -Eq "^sframetrace record: warning: [0-9]+ of [0-9]+ deferred user stacks have at most 2 frames: .*--call-graph sframe" ||
	bad "record -g on an FP-less program: want one warning suggesting --call-graph sframe, got: $(cat "$o/d.err")"
grep -q "warning" "$o/s.err" && bad "record --call-graph sframe warned: $(grep warning "$o/s.err")"
[ $fail -eq 0 ] || { vm_show vm; finish "an FP-less program: defer, then sframe"; }

# stacks FILE: check-stacks.awk's summary as shell variables (c_samples ...)
stacks() {
	sft_host script -i "$1" $ks >"$tmp/script.out" 2>"$tmp/script.err" ||
		bad "script -i $1 exited $?: $(head -n 3 "$tmp/script.err")"
	awk -v comm=vm_work_nofp -v bin="$prog" -f "$SFT_SRC/tests/vm/check-stacks.awk" \
		"$tmp/script.out" >"$tmp/check.out"
	eval "$(tail -n 1 "$tmp/check.out" | awk '{ for (i = 1; i < NF; i += 2) printf "c_%s=%s\n", $i, $(i + 1) }')"
	echo "$(basename "$1"): $(tail -n 1 "$tmp/check.out")"
}

# The short stacks are the kernel's FP walk, not a bug of ours: they are
# what the warning is about. Most must miss main.
stacks "$o/d.data"
[ "$c_own" -ge 100 ] || bad "defer: only $c_own samples in the program's code"
[ $((c_main * 10)) -le "$c_own" ] || bad "defer: $c_main of $c_own samples reach main without frame pointers?"

stacks "$o/s.data"
grep "^BAD: " "$tmp/check.out"
[ -s "$tmp/script.err" ] && bad "script wrote to stderr: $(head -n 3 "$tmp/script.err")"
[ "$c_bad" = 0 ] || bad "sframe: $c_bad samples with wrong stacks (above)"
[ "$c_own" -ge 100 ] || bad "sframe: only $c_own samples in the program's code"
[ "$c_main" -eq "$c_own" ] || bad "sframe: $c_main of $c_own samples reach main"
[ "$c_kuser" -ge 50 ] || bad "sframe: only $c_kuser samples with kernel and user frames"

[ $fail -eq 0 ] || vm_show vm
finish "an FP-less program: defer, then sframe"
