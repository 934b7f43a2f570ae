#!/bin/sh
# Real .sframe registration: on a kernel with sframe_register, every object
# with .sframe that audit_main loads is registered (ok, or "exec" (EEXIST) for the
# executable the kernel registered at exec) and libaudit_d is unregistered
# with success on dlclose; record's summary has no failures. Skips where the
# kernel has no such syscall (tests/vm runs it on one that has).
. "$SFT_SRC/tests/cli/audit-common.sh"

has_sframe_register ||
	skip "this kernel has no sframe_register syscall ($("$SFT_BIN" probe 2>/dev/null | sed -n 's/^sframe_register[^:]*: *//p'))"
need_gsframe
need_perf_event
build_audit_progs

log=$tmp/audit.log
SFRAMETRACE_AUDIT_LOG=$log AUDIT_LIBDIR=$tmp/a "$SFT_BIN" record --register-sframe=auto \
	-e cpu-clock -o "$tmp/p.data" -- "$tmp/a/audit_main" "$tmp/maps" >"$tmp/out" 2>"$tmp/err" ||
	{ echo "FAIL: record failed"; cat "$tmp/err"; exit 1; }
for l in a b d; do
	grep -q "op=register result=ok .*path=$tmp/a/libaudit_$l.so\$" "$log" || bad "libaudit_$l.so not registered: $(grep "libaudit_$l" "$log")"
done
grep -q "op=register result=\(ok\|exec\) .*path=$tmp/a/audit_main\$" "$log" || bad "audit_main: $(grep "path=$tmp/a/audit_main" "$log")"
grep -q "op=unregister result=ok .*path=$tmp/a/libaudit_d.so\$" "$log" || bad "libaudit_d.so not unregistered: $(grep libaudit_d "$log")"
grep -q "registration (1 process): [1-9][0-9]* registered, [0-9]* without .sframe, 0 failed" "$tmp/err" ||
	bad "summary: $(grep registration "$tmp/err")"
[ $fail -eq 0 ] && echo "ok: registered and unregistered for real"
exit $fail
