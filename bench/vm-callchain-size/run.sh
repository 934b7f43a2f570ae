#!/bin/sh
# What deferred callchains save: bytes per sample and recording cost of
# --call-graph defer (the kernel walks the user stack with SFrame once per
# kernel entry and writes the frames) against sframe,8192 and dwarf,8192
# (the kernel copies 8 KiB of stack per sample; we unwind at report time),
# in the sframe VM of ../shared/vm, on a static FP-less program whose
# .sframe (V3) the kernel registers at exec.
#
#   bench/vm-callchain-size/run.sh [BUILD_DIR]
#
# Environment: SFT_VM_DIR (default ROOT/../shared/vm), ROUNDS (work per
# run, default 300 rounds of progs/vm_work.c: about 1.5 s in the VM), RUNS
# (default 3 per mode), FREQ (default 1000). The workload is the committed
# fixture tests/fixtures/vm/vm_work_nofp.v3 (see its README). In the guest,
# each run is
#   busybox time -f '%e %U %S' sframetrace record -q -F FREQ MODE -o F -- \
#       vm_work_nofp.v3 -v -n ROUNDS
# whose user+sys includes the workload (a child); the workload prints its
# own elapsed and CPU time (getrusage), so record's own CPU time is the
# difference. On the host: file size / samples, and the wall time of
# `sframetrace report --stdio --no-children` on each file.
set -eu
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
vmdir=${SFT_VM_DIR:-$root/../shared/vm}
rounds=${ROUNDS:-300}
runs=${RUNS:-3}
freq=${FREQ:-1000}
work=$root/tests/fixtures/vm/vm_work_nofp.v3
kernel=$vmdir/bzImage-7.1.5-sframe
[ -x "$vmdir/run" ] && [ -f "$kernel" ] || { echo "no VM runner or kernel in $vmdir (set SFT_VM_DIR)" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/sft-bench-vm.XXXXXX")
if [ -n "${KEEP:-}" ]; then trap 'echo "kept $out"' EXIT; else trap 'rm -rf "$out"' EXIT; fi

modes="none defer sframe,8192 dwarf,8192"
guest="cat /proc/kallsyms > /out/kallsyms
for i in \$(seq $runs); do
  for m in $modes; do
    if [ \$m = none ]; then
      busybox time -f 'time %e %U %S' $work -v -n $rounds >/out/\$m.\$i.txt 2>&1
    else
      busybox time -f 'time %e %U %S' $sft record -q -F $freq --call-graph \$m -o /out/\$m.\$i.data -- $work -v -n $rounds >/out/\$m.\$i.txt 2>&1
    fi
  done
done"
echo "# $vmdir/run -k $kernel -i $sft -i $work -- sh -c '<runs x modes>' (ROUNDS=$rounds RUNS=$runs FREQ=$freq)"
"$vmdir/run" -k "$kernel" -m 2G -i "$sft" -i "$work" -o "$out" -- sh -c "$guest" >"$out/console" 2>&1 ||
	{ echo "the VM failed:" >&2; tail -n 20 "$out/console" >&2; exit 1; }

# avg: mean of the numbers on stdin, 3 decimals
avg() {
	awk '{ s += $1; n++ } END { if (n) printf "%.3f", s / n; else print "-" }'
}

printf '%-12s %8s %10s %10s %9s %10s %10s %10s %10s\n' mode samples "bytes" "B/sample" "work_s" "work_cpu" "rec_cpu" "report_s" "stitched"
for m in $modes; do
	: >"$out/$m.samples"; : >"$out/$m.bytes"; : >"$out/$m.work"; : >"$out/$m.wcpu"
	: >"$out/$m.rcpu"; : >"$out/$m.rep"; : >"$out/$m.bps"
	for i in $(seq "$runs"); do
		t=$out/$m.$i.txt
		# vm_work: elapsed_ms E user_ms U sys_ms S ; time WALL USER SYS
		set -- $(sed -n 's/^vm_work: elapsed_ms \([0-9]*\) user_ms \([0-9]*\) sys_ms \([0-9]*\)$/\1 \2 \3/p' "$t") \
			$(sed -n 's/^time //p' "$t")
		[ $# -eq 6 ] || { echo "$m run $i: unexpected output:" >&2; cat "$t" >&2; exit 1; }
		echo "$1" | awk '{ print $1 / 1000 }' >>"$out/$m.work"
		echo "$2 $3" | awk '{ print ($1 + $2) / 1000 }' >>"$out/$m.wcpu"
		echo "$5 $6 $2 $3" | awk '{ print $1 + $2 - ($3 + $4) / 1000 }' >>"$out/$m.rcpu"
		[ "$m" = none ] && continue
		f=$out/$m.$i.data
		n=$("$sft" script -i "$f" --kallsyms "$out/kallsyms" 2>/dev/null | grep -c ' cpu-clock: ')
		b=$(stat -c %s "$f")
		echo "$n" >>"$out/$m.samples"
		echo "$b" >>"$out/$m.bytes"
		echo "$b $n" | awk '{ print $1 / $2 }' >>"$out/$m.bps"
		s=$(date +%s.%N)
		"$sft" report --stdio --no-children -i "$f" --kallsyms "$out/kallsyms" >/dev/null 2>&1
		e=$(date +%s.%N)
		echo "$s $e" | awk '{ print $2 - $1 }' >>"$out/$m.rep"
	done
	# user frames reaching main in the last file: the stacks are complete
	st=-
	if [ "$m" != none ]; then
		st=$("$sft" script -i "$out/$m.$runs.data" --kallsyms "$out/kallsyms" 2>/dev/null |
			awk -v comm=vm_work_nofp.v3 -v bin="$work" -f "$root/tests/vm/check-stacks.awk" |
			tail -n 1 | awk '{ print $6 "/" $4 }')
	fi
	printf '%-12s %8s %10s %10s %9s %10s %10s %10s %10s\n' "$m" \
		"$(avg <"$out/$m.samples" | sed 's/\..*//')" "$(avg <"$out/$m.bytes" | sed 's/\..*//')" \
		"$(avg <"$out/$m.bps" | sed 's/\(\.[0-9]\).*/\1/')" "$(avg <"$out/$m.work")" \
		"$(avg <"$out/$m.wcpu")" "$(avg <"$out/$m.rcpu")" "$(avg <"$out/$m.rep")" "$st"
done
echo "# work_s: the workload's elapsed time; work_cpu: its user+sys (the kernel's"
echo "# unwinding or stack copies are charged to it); rec_cpu: record's own user+sys;"
echo "# report_s: host wall time of report --stdio --no-children; stitched: samples in"
echo "# the program's code whose user stack reaches main / all such samples (last run)."
