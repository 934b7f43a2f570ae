# Checks the stacks of `sframetrace script` output (the default fields:
# a header line per sample, one line per frame "addr sym+off (dso)", a
# blank line) for the samples of one program built from progs/vm_work.c.
#   awk -v comm=vm_work_fp -v bin=/abs/path/vm_work_fp -f check-stacks.awk
# For every sample of that comm:
#   - no kernel frame may follow a user frame (kernel part, then user);
#   - a sample whose first user frame is one of the program's functions
#     (main, worker, run, *_phase, *_leaf, note) must unwind
#     exactly along the program's call graph (leaf -> phase -> run ->
#     main | worker): every frame of the program must be the caller of the
#     one before, ending in main or worker;
#     One exception: in a sample taken in user mode (no kernel frames) the
#     leaf may be at a function's first instructions or its last (before
#     `push %rbp; mov %rsp,%rbp`, after `pop %rbp`), where rbp is still
#     the caller's: a frame-pointer walk then skips the leaf's caller, so
#     there the leaf's next frame may be its caller's caller (for run:
#     the thread's start, start_thread or __libc_start_call_main);
#   - a sample that has those functions below a frame elsewhere (the
#     vDSO, libc, static or not) must still reach main or worker, without
#     the exact chain: the frame-pointer walk may skip one caller of code
#     without a frame.
# Samples of the dynamic linker's start, _start and the exit path have no
# frames in the program's functions (main, worker, run, *_phase, *_leaf,
# note) and are only counted. Prints one summary line
#   samples N own N main N worker N nouser N exit N kuser N bad N
# and, before it, up to 5 offending samples prefixed with "BAD: ".
# nouser counts samples without any user frame, except those taken on the
# way out (do_exit, do_group_exit, the exit syscalls; counted as exit): a
# task that will not return to user space gets no deferred user callchain
# (no marker, or a marker whose record never comes).
function caller_ok(callee, caller) {
	if (callee == "note") return caller == "user_leaf" || caller == "sys_leaf"
	if (callee == "user_leaf") return caller == "user_phase"
	if (callee == "sys_leaf") return caller == "sys_phase"
	if (callee == "user_phase" || callee == "sys_phase") return caller == "run"
	if (callee == "run") return caller == "main" || caller == "worker"
	return 0
}
function grand_ok(callee, caller,   m, k) {
	split("user_leaf sys_leaf user_phase sys_phase run", m, " ")
	for (k in m)
		if (caller_ok(callee, m[k]) && caller_ok(m[k], caller))
			return 1
	return 0
}
function flush(   i, seen_user, reason, first_user, reach, j) {
	if (!insample)
		return
	insample = 0
	if (hcomm != comm)
		return
	samples++
	seen_user = 0; reason = ""; first_user = 0; nuser = 0; nk = 0
	for (i = 1; i <= n; i++) {
		if (kern[i]) {
			nk++
			if (seen_user) reason = "kernel frame after a user frame"
		} else {
			nuser++
			if (!seen_user) first_user = i
			seen_user = 1
		}
	}
	exiting = 0
	for (i = 1; i <= n; i++)
		if (kern[i] && sym[i] ~ /^(do_exit|do_group_exit|__x64_sys_exit|__x64_sys_exit_group)$/)
			exiting = 1
	if (!nuser && exiting) nexit++
	else if (!nuser) nouser++
	if (nuser && nk) kuser++
	reach = ""
	for (i = 1; i <= n; i++)
		if (!kern[i] && dso[i] == bin && (sym[i] == "main" || sym[i] == "worker")) {
			reach = sym[i]
			break
		}
	# At run's first instruction in user mode the walk skips run's caller
	# (rbp is still the caller's): the thread's start is then next.
	entry_run = 0
	if (reach == "" && !nk && first_user && first_user < n && sym[first_user] == "run" &&
	    dso[first_user] == bin) {
		if (sym[first_user + 1] == "start_thread") reach = "worker"
		if (sym[first_user + 1] == "__libc_start_call_main") reach = "main"
		entry_run = reach != ""
	}
	own_sample = 0
	for (i = 1; i <= n; i++)
		if (!kern[i] && dso[i] == bin && sym[i] in ownfn)
			own_sample = 1
	if (own_sample) {
		own++
		if (reach == "main") to_main++
		if (reach == "worker") to_worker++
		if (reach == "")
			reason = reason (reason ? "; " : "") "does not reach main or worker"
		if (first_user && dso[first_user] == bin && sym[first_user] in ownfn && reach != "") {
			for (j = first_user; sym[j] != reach && !entry_run; j++)
				if (dso[j + 1] != bin || !(caller_ok(sym[j], sym[j + 1]) ||
				    (j == first_user && !nk && grand_ok(sym[j], sym[j + 1])))) {
					reason = reason (reason ? "; " : "") sym[j + 1] " is no caller of " sym[j]
					break
				}
		}
	}
	if (reason != "") {
		nbad++
		if (nbad <= 5) {
			print "BAD: " reason ":"
			print "BAD:   " header
			for (i = 1; i <= n; i++)
				print "BAD:   " line[i]
		}
	}
}
BEGIN {
	split("main worker run user_phase sys_phase user_leaf sys_leaf note", f, " ")
	for (i in f)
		ownfn[f[i]] = 1
}
/^[^\t ]/ && / cpu-clock: / {
	flush()
	insample = 1
	header = $0
	hcomm = $1
	n = 0
	next
}
/^\t/ && insample {
	n++
	line[n] = $0
	s = $0
	sub(/^[\t ]+[0-9a-f]+ /, "", s)
	d = s
	sub(/^.* \(/, "", d)
	sub(/\)$/, "", d)
	sub(/ \(.*$/, "", s)
	sub(/\+0x[0-9a-f]+$/, "", s)
	sym[n] = s
	dso[n] = d
	kern[n] = (d == "[kernel.kallsyms]")
	next
}
/^$/ { flush() }
END {
	flush()
	printf "samples %d own %d main %d worker %d nouser %d exit %d kuser %d bad %d\n",
	       samples, own, to_main, to_worker, nouser, nexit, kuser, nbad
}
