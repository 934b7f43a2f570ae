#!/bin/sh
# Deferred callchains walked with SFrame by the kernel, in the sframe VM,
# on a static FP-less program whose .sframe (V3) binfmt_elf registers at
# exec: tests/fixtures/vm/vm_work_nofp.v3 (prebuilt with binutils 2.46; no
# registration from user space involved). Checked:
#   record -g          picks fp,defer; no short-stack warning (the same
#                      program built the same way gets one on the
#                      FP-only deferred kernel: vm-deferred-nofp)
#   script             every sample in the program's code unwinds exactly
#                      down to main, kernel frames first (check-stacks.awk)
#   report --stdio     nothing on stderr (every cookie resolved)
# Exit 77 (skip) when the VM cannot run here.
. "${SFT_SRC:?}/tests/vm/vm-common.sh"
vm_need sframe

prog=${SFT_FIXTURES:?}/vm/vm_work_nofp.v3
[ -x "$prog" ] || { echo "FAIL: no fixture $prog"; exit 1; }
vm_boot sframe vm -i "$prog" -- "
$SFT_BIN record -g -F 1000 -o /out/k.data -- $prog 800 >/out/k.out 2>/out/k.err; echo \$? >/out/k.rc
" || bad "the guest's commands exited $?"
o=$tmp/vm
ks="--kallsyms $o/kallsyms"

[ "$(cat "$o/k.rc" 2>/dev/null)" = 0 ] || bad "record exited $(cat "$o/k.rc" 2>/dev/null): $(cat "$o/k.err" 2>/dev/null)"
grep -q "^sframetrace record: call graphs: fp,defer " "$o/k.err" ||
	bad "record -g did not pick fp,defer: $(cat "$o/k.err")"
grep -q "warning" "$o/k.err" && bad "record warned: $(grep warning "$o/k.err")"
[ $fail -eq 0 ] || { vm_show vm; finish "kernel SFrame unwinding of a static program"; }

sft_host script -i "$o/k.data" $ks >"$tmp/script.out" 2>"$tmp/script.err" || bad "script exited $?"
awk -v comm=vm_work_nofp.v3 -v bin="$prog" -f "$SFT_SRC/tests/vm/check-stacks.awk" \
	"$tmp/script.out" >"$tmp/check.out"
grep "^BAD: " "$tmp/check.out"
echo "k.data: $(tail -n 1 "$tmp/check.out")"
eval "$(tail -n 1 "$tmp/check.out" | awk '{ for (i = 1; i < NF; i += 2) printf "c_%s=%s\n", $i, $(i + 1) }')"
[ "$c_bad" = 0 ] || bad "$c_bad samples with wrong stacks (above)"
[ "$c_nouser" = 0 ] || bad "$c_nouser samples without user frames"
[ "$c_own" -ge 200 ] || bad "only $c_own samples in the program's code"
[ "$c_main" -eq "$c_own" ] || bad "$c_main of $c_own samples reach main"
[ "$c_kuser" -ge 100 ] || bad "only $c_kuser samples with kernel and user frames"

sft_host report --stdio -i "$o/k.data" $ks --no-children -g none >"$tmp/rep.out" 2>"$tmp/rep.err" ||
	bad "report exited $?"
[ -s "$tmp/rep.err" ] && bad "report wrote to stderr: $(cat "$tmp/rep.err")"

[ $fail -eq 0 ] || vm_show vm
finish "kernel SFrame unwinding of a static program"
