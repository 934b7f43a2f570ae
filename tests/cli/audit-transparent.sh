#!/bin/sh
# The LD_AUDIT library changes nothing a workload does, and is injected only
# when asked: `--register-sframe=auto` on a kernel without sframe_register
# injects nothing; `always` does, and /bin/ls, `sh -c` and a multi-threaded
# program that forks give byte-identical stdout, stderr and exit status with
# and without it; a workload that already has LD_AUDIT keeps its own library
# and gets ours too.
. "$SFT_SRC/tests/cli/audit-common.sh"

need_perf_event
command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
build_audit_progs

rec() {  # rec MODE OUT CMD...: record quietly, the workload's output to OUT.*
	mode=$1 out=$2
	shift 2
	"$SFT_BIN" record -q --register-sframe="$mode" -e cpu-clock -o "$tmp/p.data" -- "$@" \
		>"$out.stdout" 2>"$out.stderr"
	echo $? > "$out.status"
}

# Which LD_AUDIT the workload sees.
rec auto "$tmp/auto" sh -c 'echo "LD_AUDIT=$LD_AUDIT"'
rec always "$tmp/always" sh -c 'echo "LD_AUDIT=$LD_AUDIT"'
rec never "$tmp/never" sh -c 'echo "LD_AUDIT=$LD_AUDIT"'
lib=$(readlink -f "$audit_lib")
grep -qx "LD_AUDIT=$lib" "$tmp/always.stdout" || bad "always: the workload saw $(cat "$tmp/always.stdout")"
grep -qx "LD_AUDIT=" "$tmp/never.stdout" || bad "never: the workload saw $(cat "$tmp/never.stdout")"
if has_sframe_register; then
	grep -qx "LD_AUDIT=$lib" "$tmp/auto.stdout" || bad "auto with sframe_register: the workload saw $(cat "$tmp/auto.stdout")"
else
	grep -qx "LD_AUDIT=" "$tmp/auto.stdout" || bad "auto without sframe_register injected: $(cat "$tmp/auto.stdout")"
	"$SFT_BIN" record -v -e cpu-clock -o "$tmp/p.data" -- true 2>"$tmp/v.err" >/dev/null
	grep -q "registration: off (sframe_register ([0-9]*): " "$tmp/v.err" ||
		bad "record -v does not say why registration is off: $(cat "$tmp/v.err")"
fi

# Byte-identical behaviour with and without the library (and without record).
n=0
check_same() {
	n=$((n + 1))
	rec always "$tmp/w$n" "$@"
	rec never "$tmp/n$n" "$@"
	"$@" >"$tmp/d$n.stdout" 2>"$tmp/d$n.stderr"
	echo $? > "$tmp/d$n.status"
	for f in stdout stderr status; do
		cmp -s "$tmp/w$n.$f" "$tmp/n$n.$f" || bad "'$*': $f differs with the library: $(diff "$tmp/n$n.$f" "$tmp/w$n.$f" | head -5)"
		cmp -s "$tmp/d$n.$f" "$tmp/n$n.$f" || bad "'$*': $f differs under record: $(diff "$tmp/d$n.$f" "$tmp/n$n.$f" | head -5)"
	done
}
check_same /bin/ls -l /bin/sh "$SFT_SRC/tests/progs"
check_same /bin/ls /nonexistent-sframetrace-path
check_same sh -c 'echo out; echo err >&2; ls "$0" | wc -l; exit 3' "$SFT_SRC/tests"
check_same "$tmp/a/audit_threads"
[ "$(cat "$tmp/w4.status")" = 5 ] || bad "audit_threads exited $(cat "$tmp/w4.status"), expected 5"
grep -q '^child status 7$' "$tmp/w4.stdout" || bad "audit_threads' forked child did not run: $(cat "$tmp/w4.stdout")"
[ "$(cat "$tmp/w2.status")" -ne 0 ] || bad "ls of a missing path exited 0"

# A workload with its own LD_AUDIT: both libraries are loaded.
rm -f "$tmp/other.log" "$tmp/ours.log"
AUDIT_OTHER_LOG=$tmp/other.log LD_AUDIT=$tmp/a/audit_other.so SFRAMETRACE_AUDIT_LOG=$tmp/ours.log \
	rec always "$tmp/both" sh -c 'echo "LD_AUDIT=$LD_AUDIT"'
grep -qx "LD_AUDIT=$tmp/a/audit_other.so:$lib" "$tmp/both.stdout" ||
	bad "LD_AUDIT was not appended to: $(cat "$tmp/both.stdout")"
grep -q '^other (main)$' "$tmp/other.log" 2>/dev/null || bad "the workload's own audit library did not run"
grep -q 'op=skip\|op=register' "$tmp/ours.log" 2>/dev/null || bad "our audit library did not run beside the workload's own"

[ $fail -eq 0 ] && echo "ok: auto/always/never injection, $n workloads byte-identical, LD_AUDIT appended"
exit $fail
