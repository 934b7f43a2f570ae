# Shared helpers of the tests/vm/*.sh tests (sourced, not run): find the
# VM runner and its kernels, skip (exit 77, with the reason) when they or
# QEMU are missing, boot a kernel with this build's sframetrace and the
# test programs inside, and bring back what the guest wrote to /out.
#
# Environment (set by tests/vm/CMakeLists.txt):
#   SFT_BIN       the sframetrace binary (copied into the guest, same path)
#   SFT_SRC       the source tree
#   SFT_VM_DIR    directory with `run` and bzImage-7.1.5-{deferred,sframe}
#   SFT_VM_PROGS  directory of the built test programs (copied in whole)
#   SFT_SANITIZE  ON in the ASan+UBSan build (the options go to the guest)
#   SFT_VM_KEEP   when set, the temporary directory is kept and named
#
# Typical use:
#   . "$SFT_SRC/tests/vm/vm-common.sh"
#   vm_need deferred
#   vm_boot deferred run1 -- "$SFT_BIN record -g -o /out/p.data -- $SFT_VM_PROGS/vm_work_fp"
#   sft_host script -i "$tmp/run1/p.data" ...   # on the host, guest kallsyms
# vm_boot takes -i PATH (more files for the guest, e.g. an audit library)
# before the `--`; the kernel is a name (deferred, sframe) or a path.

: "${SFT_BIN:?SFT_BIN must name the sframetrace binary}"
: "${SFT_SRC:?SFT_SRC must name the source tree}"
: "${SFT_VM_DIR:=$SFT_SRC/../shared/vm}"
: "${SFT_VM_PROGS:=}"
: "${SFT_SANITIZE:=OFF}"

fail=0

bad() {
	echo "FAIL: $*"
	fail=1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sft-vm.XXXXXX") || exit 1
# SFT_VM_KEEP=1 keeps the guest's files and the outputs for a look after.
if [ -n "${SFT_VM_KEEP:-}" ]; then
	trap 'echo "kept $tmp"' EXIT
else
	trap 'rm -rf "$tmp"' EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM

# vm_kernel NAME|PATH: the kernel image path.
vm_kernel() {
	case $1 in
	*/*) echo "$1" ;;
	*) echo "$SFT_VM_DIR/bzImage-7.1.5-$1" ;;
	esac
}

# vm_need [KERNEL...]: skip unless the runner, QEMU, cpio and the kernels
# are all here.
vm_need() {
	[ -x "$SFT_VM_DIR/run" ] ||
		skip "no VM runner at $SFT_VM_DIR/run (set SFT_VM_DIR to the directory with run and the kernels)"
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
		skip "qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)"
	command -v cpio >/dev/null 2>&1 || skip "cpio is not installed"
	for k in "$@"; do
		[ -f "$(vm_kernel "$k")" ] || skip "no kernel image $(vm_kernel "$k")"
	done
	[ -n "$SFT_VM_PROGS" ] && [ -d "$SFT_VM_PROGS" ] ||
		skip "SFT_VM_PROGS does not name the built test programs"
}

# vm_boot KERNEL NAME [-i PATH]... -- SHELL-COMMAND
# Boots KERNEL with sframetrace, $SFT_VM_PROGS and the -i paths inside,
# saves the guest's /proc/kallsyms (for report on the host), runs
# SHELL-COMMAND with `sh -c` in /out and unpacks /out into $tmp/NAME.
# The console (the command's stdout and stderr) is in $tmp/NAME.log.
# Returns the command's exit status; a VM that did not boot or finish
# (run's 124/125) is a failure, said once.
vm_boot() {
	kimg=$(vm_kernel "$1")
	kname=$1
	name=$2
	shift 2
	nopts=0
	for a in "$@"; do
		[ "$a" = -- ] && break
		nopts=$((nopts + 1))
	done
	[ $# -eq $((nopts + 2)) ] || { bad "vm_boot: want [-i PATH]... -- COMMAND"; return 1; }
	cmd=
	eval "cmd=\${$#}"
	# Keep the options: copy them behind the command, drop the front.
	i=0
	for a in "$@"; do
		i=$((i + 1))
		[ $i -le $nopts ] && set -- "$@" "$a"
	done
	shift $((nopts + 2))
	env=
	if [ "$SFT_SANITIZE" = ON ]; then
		# The host's settings do not reach the guest: pass the suite's.
		env="export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; "
	fi
	"$SFT_VM_DIR/run" -k "$kimg" -i "$SFT_BIN" -i "$SFT_VM_PROGS" -o "$tmp/$name" "$@" -- \
		sh -c "cat /proc/kallsyms > /out/kallsyms; $env$cmd" >"$tmp/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 125 ]; then
		bad "the VM ($kname) did not run the command (run exited $rc):"
		tail -n 5 "$tmp/$name.log" | sed 's/^/    | /'
	fi
	return $rc
}

# sft_host ARGS...: sframetrace on the host.
sft_host() {
	"$SFT_BIN" "$@"
}

# vm_show NAME: print a boot's console, indented (for a failure's context).
vm_show() {
	sed 's/^/    | /' "$tmp/$1.log" | head -n "${2:-40}"
}

finish() {
	if [ $fail -ne 0 ]; then
		echo "FAILED: $1"
		exit 1
	fi
	echo "PASS: $1"
	exit 0
}
