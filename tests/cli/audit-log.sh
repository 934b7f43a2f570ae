#!/bin/sh
# The LD_AUDIT library's debug log against the objects' own program headers:
# audit_main (with .sframe) links libaudit_a, _b (with) and _c (without),
# dlopens libaudit_d and dlmopens libaudit_e into a new namespace (with),
# then dlcloses both. Each logged .sframe and text range must equal
# `readelf -lW` of that object plus its load bias, taken from the program's
# own /proc/self/maps; _c is logged as skipped, _e registered in its own
# namespace (lmid > 0), _d and _e unregistered on dlclose; record's summary
# and -v list agree with readelf's count.
. "$SFT_SRC/tests/cli/audit-common.sh"

need_gsframe
need_perf_event
build_audit_progs

for l in a b d e; do
	readelf -lW "$tmp/a/libaudit_$l.so" | grep -q GNU_SFRAME ||
		skip "the linker made no PT_GNU_SFRAME for libaudit_$l.so"
done
readelf -lW "$tmp/a/libaudit_c.so" | grep -q GNU_SFRAME &&
	{ echo "FAIL: libaudit_c.so was built without --gsframe but has PT_GNU_SFRAME"; exit 1; }

log=$tmp/audit.log
SFRAMETRACE_AUDIT_LOG=$log AUDIT_LIBDIR=$tmp/a "$SFT_BIN" record --register-sframe=always -v \
	-e cpu-clock -o "$tmp/p.data" -- "$tmp/a/audit_main" "$tmp/maps" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: record exited $rc"; cat "$tmp/err"; exit 1; }
[ -s "$log" ] || { echo "FAIL: the audit library wrote no log"; cat "$tmp/err"; exit 1; }
[ -s "$tmp/maps" ] || { echo "FAIL: audit_main wrote no maps"; exit 1; }

main=$tmp/a/audit_main
pid=$(sed -n "s|^sframetrace-audit pid=\([0-9]*\) op=register .* path=$main\$|\1|p" "$log" | head -n 1)
[ -n "$pid" ] || { echo "FAIL: no register line for $main"; cat "$log"; exit 1; }
# Paths as the maps show them (/lib is /usr/lib on a merged-/usr system).
grep "^sframetrace-audit pid=$pid " "$log" | while IFS= read -r line; do
	p=${line##* path=}
	case $p in /*) p=$(readlink -f "$p");; esac
	printf '%s path=%s\n' "${line% path=*}" "$p"
done > "$tmp/mine"

# readelf -lW: "KIND START SIZE" of PT_GNU_SFRAME and of the executable
# PT_LOAD span, and FIRST = the first PT_LOAD's address.
phdrs() {
	readelf -lW "$1" | awk '
		function h(s) { return s }
		$1 == "GNU_SFRAME" { print "sframe", $3, $6 }
		$1 == "LOAD" { if (first == "") first = $3
			if ($0 ~ / R?W?E /) { print "xload", $3, $6 } }
		END { print "first", first }'
}

# bias_of PATH TEXT: the load bias of the copy of PATH whose text is at
# TEXT (a dlmopen'ed namespace maps libc again): the highest place below
# TEXT where /proc/self/maps shows the file at offset 0, minus the page of
# its first PT_LOAD.
bias_of() {
	start=$(awk -v p="$1" -v t="$2" '$6 == p && $3 == "00000000" { split($1, a, "-"); print a[1] }' "$tmp/maps" |
		while read -r a; do [ $(( 0x$a )) -le $(( $2 )) ] && echo "$a"; done | tail -n 1)
	[ -n "$start" ] || return 1
	first=$(phdrs "$1" | awk '$1 == "first" { print $2 }')
	echo $(( 0x$start - ($first & ~4095) ))
}

field() {  # field NAME LINE: the value of NAME=... (sframe=0xA+0xB -> "0xA 0xB")
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | tr '+' ' '
}

checked=0
registered=
while IFS= read -r line; do
	path=${line##* path=}
	op=$(field op "$line")
	res=$(field result "$line")
	case $path in /*) ;; *) continue;; esac   # linux-vdso.so.1 has no file
	set -- $(field text "$line")
	tstart=$1 tsize=$2
	bias=$(bias_of "$path" "$tstart") || { bad "$path is logged but not in the program's maps"; continue; }
	set -- $(field sframe "$line")
	sstart=$1 ssize=$2
	want_s=$(phdrs "$path" | awk '$1 == "sframe" { print $2, $3 }')
	xl=$(phdrs "$path" | awk '$1 == "xload" { s = $2 + 0; if (lo == "" || s < lo) lo = $2; hi = $2; sz = $3 } END { if (lo != "") print lo, hi, sz }')
	set -- $xl
	# One executable PT_LOAD in every object here; a span check suffices.
	[ $# -eq 3 ] || { bad "$path: no executable PT_LOAD in readelf"; continue; }
	[ $(( tstart )) -eq $(( bias + $1 )) ] ||
		bad "$path: text start $tstart, readelf+bias says $(printf '0x%x' $(( bias + $1 )))"
	[ $(( tsize )) -eq $(( $2 + $3 - $1 )) ] ||
		bad "$path: text size $tsize, readelf says $(printf '0x%x' $(( $2 + $3 - $1 )))"
	case $op in
	register|unregister)
		[ -n "$want_s" ] || { bad "$path: $op logged, readelf shows no GNU_SFRAME"; continue; }
		set -- $want_s
		[ $(( sstart )) -eq $(( bias + $1 )) ] ||
			bad "$path: .sframe start $sstart, readelf+bias says $(printf '0x%x' $(( bias + $1 )))"
		[ $(( ssize )) -eq $(( $2 )) ] || bad "$path: .sframe size $ssize, readelf says $2"
		if has_sframe_register; then
			case $res in ok|exec) ;; *) bad "$path: $op result $res on a kernel with the syscall";; esac
		else
			[ "$res" = ENOSYS ] || bad "$path: $op result $res, expected ENOSYS on this kernel"
		fi
		[ $op = register ] && registered="$registered $path"
		;;
	skip)
		[ -z "$want_s" ] || bad "$path: logged as skipped but readelf shows GNU_SFRAME"
		[ "$res" = no-sframe ] || bad "$path: skipped as $res"
		;;
	*) bad "unexpected op '$op': $line";;
	esac
	checked=$((checked + 1))
done < "$tmp/mine"

# Every object with .sframe in the maps is registered, the others skipped.
for p in $(awk '$6 ~ /^\// && $3 == "00000000" { print $6 }' "$tmp/maps" | sort -u); do
	case $p in "$(readlink -f "$audit_lib")") continue;; esac
	head -c 4 "$p" 2>/dev/null | grep -q ELF || continue
	if readelf -lW "$p" | grep -q GNU_SFRAME; then
		case " $registered " in *" $p "*) ;; *)
			# The audit library's own namespace (its libc copy) is not audited.
			grep -q "path=$p\$" "$tmp/mine" || bad "$p has .sframe but was not registered";;
		esac
	else
		grep -q "op=skip result=no-sframe .*path=$p\$" "$tmp/mine" || bad "$p has no .sframe but was not logged as skipped"
	fi
done
for l in a b d e; do
	case " $registered " in *" $tmp/a/libaudit_$l.so "*) ;; *) bad "libaudit_$l.so not registered";; esac
done
grep -q "op=skip result=no-sframe .*path=$tmp/a/libaudit_c.so\$" "$tmp/mine" ||
	bad "libaudit_c.so (no .sframe) is not logged as skipped"
grep -q "op=register .* lmid=[1-9][0-9]* path=$tmp/a/libaudit_e.so\$" "$tmp/mine" ||
	bad "libaudit_e.so (dlmopen) is not registered in a namespace of its own"
# dlclose unregisters libaudit_d and _e; exit leaves the rest to the kernel.
for l in d e; do
	grep -q "op=unregister .*path=$tmp/a/libaudit_$l.so\$" "$tmp/mine" || bad "libaudit_$l.so was not unregistered on dlclose"
done
[ "$(grep -c "op=unregister" "$tmp/mine")" -eq 2 ] || bad "unregister lines other than libaudit_d's and _e's: $(grep op=unregister "$tmp/mine")"
[ $checked -ge 7 ] || bad "only $checked log lines checked"

# record's summary: registered + failed = the objects readelf says have
# .sframe, plus the failed unregister (no syscall here).
n=$(( $(echo $registered | wc -w) + $(grep "op=unregister" "$tmp/mine" | grep -vc "result=ok") ))
sum=$(sed -n 's/.*registration (1 process): \([0-9]*\) registered, [0-9]* without .sframe, \([0-9]*\) failed.*/\1 \2/p' "$tmp/err")
[ -n "$sum" ] || bad "no registration summary: $(cat "$tmp/err")"
set -- $sum
[ $(( $1 + $2 )) -eq "$n" ] || bad "summary counts $1 registered + $2 failed, readelf-checked calls: $n"
grep -q "no .sframe *$tmp/a/libaudit_c.so (pid $pid)" "$tmp/err" || bad "-v does not list libaudit_c.so as without .sframe"
grep -q "\(unregistered\|unreg failed\) *$tmp/a/libaudit_d.so" "$tmp/err" || bad "-v does not list libaudit_d.so as unregistered"
# The workload ran normally: its output is its own.
printf 'a %s\n' "$(sed -n 's/^a //p' "$tmp/out")" | grep -q '^a [0-9]' || bad "audit_main output: $(cat "$tmp/out")"

[ $fail -eq 0 ] && echo "ok: $checked log lines match readelf + /proc/self/maps"
exit $fail
