# Shared helpers of the tests/cli/audit-*.sh tests (sourced, not run): the
# LD_AUDIT library's test programs, built into $tmp/a with the system gcc.
# Environment: SFT_BIN, SFT_SRC; the library is beside $SFT_BIN.

. "$SFT_SRC/tests/cli/record-common.sh"

audit_lib=$(dirname "$SFT_BIN")/libsframetrace-audit.so
[ -f "$audit_lib" ] || { echo "FAIL: $audit_lib was not built"; exit 1; }
progs=$SFT_SRC/tests/progs

need_gsframe() {
	command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
	echo 'int f(void){return 0;}' > "$tmp/gs.c"
	gcc -c -Wa,--gsframe -o "$tmp/gs.o" "$tmp/gs.c" 2>/dev/null ||
		skip "the assembler has no --gsframe (binutils < 2.40)"
}

# libaudit_a, _b, _d, _e with .sframe, _c without; audit_main linked to a,
# b, c (it dlopens d and dlmopens e).
build_audit_progs() {
	mkdir -p "$tmp/a"
	for l in a b c d e; do
		sf=-Wa,--gsframe
		[ $l = c ] && sf=
		gcc -O2 -fPIC -shared $sf -DLIBFN=audit_fn_$l -o "$tmp/a/libaudit_$l.so" \
			"$progs/audit_lib.c" || { echo "FAIL: cannot build libaudit_$l.so"; exit 1; }
	done
	gcc -O2 -Wa,--gsframe -o "$tmp/a/audit_main" "$progs/audit_main.c" \
		-L"$tmp/a" -Wl,-rpath,"$tmp/a" -laudit_a -laudit_b -laudit_c -ldl ||
		{ echo "FAIL: cannot build audit_main"; exit 1; }
	gcc -O2 -pthread -o "$tmp/a/audit_threads" "$progs/audit_threads.c" ||
		{ echo "FAIL: cannot build audit_threads"; exit 1; }
	gcc -O2 -fPIC -shared -o "$tmp/a/audit_other.so" "$progs/audit_other.c" ||
		{ echo "FAIL: cannot build audit_other.so"; exit 1; }
}

# Whether this kernel has sframe_register, as `probe` reports it.
has_sframe_register() {
	"$SFT_BIN" probe 2>/dev/null | grep -q '^sframe_register.*: yes'
}
