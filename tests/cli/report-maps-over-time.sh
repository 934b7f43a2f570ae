#!/bin/sh
# Maps change over a process's life, and samples resolve against the maps
# of their time. tests/progs/dlphases dlopens libspin1.so and runs its
# spin_one, dlcloses it, dlopens libspin2.so (the same code, built from
# tests/progs/dlspin.c with another SPIN_NAME, so it likely lands at the
# same address) and runs spin_two, dlcloses it, then execs hot. Recorded
# with sframetrace record -g --call-graph fp and with perf record -g (all
# frame-pointer builds), `sframetrace script -F comm,time,sym,dso` must
# show: every spin_one frame in libspin1.so, every spin_two frame in
# libspin2.so, every hot_inner frame in hot under comm hot; all spin_one
# samples before all spin_two samples, all those before the hot_inner ones;
# at least 20 samples in each phase. The expectations come from the
# workload's own order of phases, not from any tool's output; perf
# script's view is checked the same way, as a witness that the workload
# ran as meant; and `script -F comm,time,ip,sym,dso` must be identical to
# perf script's.
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when perf,
# gcc or perf_event_open is missing.
set -u
. "$(dirname "$0")/report-common.sh"

need_perf
need_perf_event
build_fp hot hot
build_fp dlphases dlphases -ldl
build_fp libspin1.so dlspin -shared -fPIC -DSPIN_NAME=spin_one
build_fp libspin2.so dlspin -shared -fPIC -DSPIN_NAME=spin_two
cd "$tmp" || exit 1

ms=250
run="./dlphases $ms $tmp/libspin1.so $tmp/libspin2.so ./hot $ms"
sft_record sft -g --call-graph fp -e cpu-clock -o "$tmp/sft.data" -- $run
perf_record perf -g -e cpu-clock -o "$tmp/perf.data" -- $run

# phases FILE: read `script -F comm,time,sym,dso` output; print one line
# "ok N1 N2 N3" (samples per phase), or a line per violation.
phases() {
	awk '
	function base(p) {
		sub(/^\(/, "", p)
		sub(/\)$/, "", p)
		sub(/.*\//, "", p)
		return p
	}
	function flush() {
		if (comm == "" || cls == 0)
			return
		n[cls]++
		if (!(cls in tmin) || t < tmin[cls]) tmin[cls] = t
		if (!(cls in tmax) || t > tmax[cls]) tmax[cls] = t
	}
	/^$/ { next }
	/^\t/ {
		sym = $(NF - 1)
		dso = base($NF)
		c = 0
		if (sym == "spin_one") {
			c = 1
			if (dso != "libspin1.so") { print "spin_one in " dso " at " sprintf("%.6f", t); errs++ }
		} else if (sym == "spin_two") {
			c = 2
			if (dso != "libspin2.so") { print "spin_two in " dso " at " sprintf("%.6f", t); errs++ }
		} else if (sym == "hot_inner") {
			c = 3
			if (dso != "hot") { print "hot_inner in " dso " at " sprintf("%.6f", t); errs++ }
			if (comm != "hot") { print "hot_inner under comm " comm " at " sprintf("%.6f", t); errs++ }
		}
		if (c != 0) {
			if (cls != 0 && cls != c) { print "one sample at " sprintf("%.6f", t) " has frames of two phases"; errs++ }
			cls = c
		}
		next
	}
	{
		flush()
		comm = $1
		t = $2
		sub(/:$/, "", t)
		t += 0
		cls = 0
	}
	END {
		flush()
		for (c = 1; c <= 3; c++)
			if (n[c] < 20) { print "phase " c " has only " n[c] + 0 " samples (want >= 20)"; errs++ }
		if (n[1] && n[2] && tmax[1] >= tmin[2]) {
			printf "a spin_one sample (%.6f) is not before every spin_two sample (%.6f)\n", tmax[1], tmin[2]; errs++
		}
		if (n[2] && n[3] && tmax[2] >= tmin[3]) {
			printf "a spin_two sample (%.6f) is not before every hot_inner sample (%.6f)\n", tmax[2], tmin[3]; errs++
		}
		if (n[1] && n[3] && tmax[1] >= tmin[3]) {
			printf "a spin_one sample (%.6f) is not before every hot_inner sample (%.6f)\n", tmax[1], tmin[3]; errs++
		}
		if (!errs)
			print "ok", n[1], n[2], n[3]
	}' "$1"
}

for rec in sft perf; do
	f=$tmp/$rec.data
	"$SFT_BIN" script -F comm,time,sym,dso -i "$f" >"$tmp/$rec.sft-script" 2>"$tmp/$rec.sft-script.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "$rec.data: sframetrace script exited $rc: $(head -n 3 "$tmp/$rec.sft-script.err")"
		continue
	fi
	phases "$tmp/$rec.sft-script" >"$tmp/$rec.sft-phases"
	set -- $(head -n 1 "$tmp/$rec.sft-phases")
	if [ "${1:-}" = ok ]; then
		echo "ok: $rec.data: sframetrace script: spin_one x$2 (libspin1.so), then spin_two x$3 (libspin2.so), then hot_inner x$4 (hot)"
	else
		bad "$rec.data: sframetrace script -F comm,time,sym,dso:"
		sed 's/^/    /' "$tmp/$rec.sft-phases" | head -n 20
	fi

	# The witness: perf's view of the same file, by the same rules (perf
	# script prints no frames at all without the ip field).
	perf script -F comm,time,ip,sym,dso -i "$f" >"$tmp/$rec.perf-script" 2>/dev/null
	phases "$tmp/$rec.perf-script" >"$tmp/$rec.perf-phases"
	set -- $(head -n 1 "$tmp/$rec.perf-phases")
	if [ "${1:-}" = ok ]; then
		echo "ok: $rec.data: perf script sees the same phases: $2, $3, $4 samples"
	else
		echo "note: $rec.data: perf script does not see the phases as the workload ran them:"
		sed 's/^/    /' "$tmp/$rec.perf-phases" | head -n 10
	fi

	# And with the same fields, both tools print the same samples and frames.
	"$SFT_BIN" script -F comm,time,ip,sym,dso -i "$f" >"$tmp/$rec.sft-script-ip" 2>/dev/null
	if diff -u --label "perf script -F comm,time,ip,sym,dso -i $rec.data" \
		--label "sframetrace script -F comm,time,ip,sym,dso -i $rec.data" \
		"$tmp/$rec.perf-script" "$tmp/$rec.sft-script-ip" >"$tmp/$rec.diff"; then
		echo "ok: $rec.data: script -F comm,time,ip,sym,dso: identical to perf script's ($(lines "$tmp/$rec.perf-script") lines)"
	else
		bad "$rec.data: script -F comm,time,ip,sym,dso differs from perf script's:"
		show_diff "$tmp/$rec.diff"
	fi

	# Where the libraries were mapped (the test is sharper when the second
	# took the first one's place).
	perf script --show-mmap-events -i "$f" 2>/dev/null |
		awk '/PERF_RECORD_MMAP/ && /libspin[12]\.so$/ && / r-xp / {
			a = $0; sub(/.*\[/, "", a); sub(/\(.*/, "", a)
			l = $NF; sub(/.*\//, "", l)
			print l, a
		}' >"$tmp/$rec.mmaps"
	a1=$(awk '$1 == "libspin1.so" { print $2; exit }' "$tmp/$rec.mmaps")
	a2=$(awk '$1 == "libspin2.so" { print $2; exit }' "$tmp/$rec.mmaps")
	if [ -z "$a1" ] || [ -z "$a2" ]; then
		bad "$rec.data: perf script --show-mmap-events shows no executable map of libspin1.so ($a1) or libspin2.so ($a2)"
	elif [ "$a1" = "$a2" ]; then
		echo "note: $rec.data: libspin1.so and libspin2.so were both mapped at $a1 (the stronger case)"
	else
		echo "note: $rec.data: libspin1.so was mapped at $a1, libspin2.so at $a2 (not the same address)"
	fi
done

finish "samples resolve against the maps of their time (dlopen/dlclose/dlopen/exec)"
