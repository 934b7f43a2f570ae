#!/bin/sh
# Regenerate the seed corpus of fuzz_sframe: raw .sframe sections.
#
#   tests/fuzz/make-corpus.sh [OUT_DIR]     (default: tests/fuzz/corpus/sframe)
#
# What it writes (each file is the bare section, as the fuzzer takes it):
#   v1-amd64-*.sframe   system gcc + binutils 2.40 (-Wa,--gsframe: SFrame V1),
#                       a linked program (with PLT FDEs) and an object file
#   v3-amd64-*.sframe   binutils 2.46 (-Wa,--gsframe-3: SFrame V3), the same
#                       program and object, plus an asm file with a signal
#                       frame and a flexible FDE (.cfi_def_cfa r10 / RA in r11)
#   v2-*.sframe         hand-made V2 sections (no toolchain here emits V2)
#                       for AMD64, AArch64 LE/BE and s390x: sorted and
#                       unsorted FDEs, PC-relative starts (erratum 1), a
#                       PCTYPE_MASK FDE, 1/2/4-byte FRE starts and data words,
#                       a mangled RA and an outermost FRE (erratum 2)
#   crash-*.sframe      NOT made here: inputs the fuzzer found to crash the
#                       library, kept as regression tests (see git log)
# Sections are extracted with `objcopy -O binary --only-section=.sframe`.
# Binutils 2.46 is taken from $SFRAME_TOOLCHAIN (default
# /work/shared/toolchain/bin); the V3 seeds are skipped if it is missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus/sframe}
tc=${SFRAME_TOOLCHAIN:-/work/shared/toolchain/bin}
cc=${CC_FOR_CORPUS:-gcc}

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/prog.c" <<'EOF'
#include <alloca.h>
#include <stdio.h>
#include <string.h>
__attribute__((noinline)) int leaf(int x) { return x * 3 + 1; }
__attribute__((noinline)) int rec(int n)
{
	return n <= 0 ? leaf(n) : rec(n - 1) + leaf(n);
}
/* alloca forces an FP-based CFA even with -fomit-frame-pointer. */
__attribute__((noinline)) int dyn(int n)
{
	char *p = alloca(n + 16);
	memset(p, n, n + 16);
	return p[n] + rec(n & 7);
}
int main(int argc, char **argv)
{
	(void)argv;
	printf("%d\n", dyn(argc * 10));
	return 0;
}
EOF

cat >"$tmp/flex.s" <<'EOF'
	.text
	/* Signal frame whose CFA moves to r10 and whose RA sits in r11:
	   binutils 2.46 encodes this as a flexible FDE (V3). */
	.globl	flexfn
	.type	flexfn, @function
flexfn:
	.cfi_startproc
	.cfi_signal_frame
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset rbp, -16
	movq	%rsp, %r10
	.cfi_def_cfa r10, 16
	movq	(%rsp), %r11
	.cfi_register rip, r11
	nop
	.cfi_def_cfa r10, 0
	nop
	popq	%rbp
	.cfi_def_cfa rsp, 8
	.cfi_offset rip, -8
	ret
	.cfi_endproc
	.size	flexfn, .-flexfn

	/* A signal trampoline-like frame: large CFA offset, saved FP. */
	.globl	sigtramp
	.type	sigtramp, @function
sigtramp:
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa rsp, 160
	.cfi_offset rip, -8
	.cfi_offset rbp, -48
	nop
	movq	$15, %rax
	syscall
	.cfi_endproc
	.size	sigtramp, .-sigtramp
	.section .note.GNU-stack,"",@progbits
EOF

cat >"$tmp/flexmain.c" <<'EOF'
void flexfn(void);
void sigtramp(void);
int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 5) {
		flexfn();
		sigtramp();
	}
	return 0;
}
EOF

extract() { # ELF OUT
	objcopy -O binary --only-section=.sframe "$1" "$2"
	[ -s "$2" ] || { echo "make-corpus: $1: no .sframe" >&2; exit 1; }
}

# V1: system gcc 12 + binutils 2.40.
$cc -O2 -fomit-frame-pointer -Wa,--gsframe "$tmp/prog.c" -o "$tmp/v1"
extract "$tmp/v1" "$out/v1-amd64-prog.sframe"
$cc -O2 -fomit-frame-pointer -Wa,--gsframe -c "$tmp/prog.c" -o "$tmp/v1.o"
extract "$tmp/v1.o" "$out/v1-amd64-obj.sframe"

# V3: binutils 2.46.
if [ -x "$tc/as" ]; then
	v3="$cc -B $tc/ -O2 -fomit-frame-pointer -Wa,--gsframe-3"
	$v3 "$tmp/prog.c" -o "$tmp/v3"
	extract "$tmp/v3" "$out/v3-amd64-prog.sframe"
	$v3 -c "$tmp/prog.c" -o "$tmp/v3.o"
	extract "$tmp/v3.o" "$out/v3-amd64-obj.sframe"
	$v3 "$tmp/flexmain.c" "$tmp/flex.s" -o "$tmp/flex3"
	extract "$tmp/flex3" "$out/v3-amd64-flex-signal.sframe"
else
	echo "make-corpus: $tc/as missing, skipping V3 seeds" >&2
fi

# V2: written from the format layout.
python3 - "$out" <<'EOF'
import struct, sys

out = sys.argv[1]
SORTED, PCREL = 0x1, 0x4
HDR, FDE = 28, 20

def fre_bytes(e, fre_type, start, base_sp, words, wsize, mangled=False):
    sfmt = {0: 'B', 1: 'H', 2: 'I'}[fre_type]
    wfmt = {1: 'b', 2: 'h', 4: 'i'}[wsize]
    size_code = {1: 0, 2: 1, 4: 2}[wsize]
    info = (1 if base_sp else 0) | (len(words) << 1) | (size_code << 5)
    if mangled:
        info |= 0x80
    b = struct.pack(e + sfmt + 'B', start, info)
    for w in words:
        b += struct.pack(e + wfmt, w)
    return b

def section(name, e, abi, flags, fixed_fp, fixed_ra, fdes, order=None):
    """fdes: (start_rel, size, info, rep, [(start, base_sp, words, wsize, mangled)]).
    start_rel is relative to the section start; converted for PCREL.
    order: the order in which FDEs are written (for unsorted sections)."""
    order = order or list(range(len(fdes)))
    fre_data, fde_recs, nfres = b'', [], 0
    for i in order:
        start, size, info, rep, fres = fdes[i]
        off = len(fre_data)
        for (s, sp, words, wsize, mangled) in fres:
            fre_data += fre_bytes(e, info & 0xf, s, sp, words, wsize, mangled)
        nfres += len(fres)
        fde_recs.append((start, size, off, len(fres), info, rep))
    fde_data = b''
    for k, (start, size, off, n, info, rep) in enumerate(fde_recs):
        if flags & PCREL:
            start -= HDR + k * FDE  # from the field itself
        fde_data += struct.pack(e + 'iIIIBBH', start, size, off, n, info, rep, 0)
    hdr = struct.pack(e + 'HBBBbbBIIIII', 0xdee2, 2, flags, abi, fixed_fp,
                      fixed_ra, 0, len(fdes), nfres, len(fre_data), 0,
                      len(fde_data))
    assert len(hdr) == HDR
    with open(f'{out}/{name}', 'wb') as f:
        f.write(hdr + fde_data + fre_data)

def info(fre_type=0, mask=False, pauth_b=False):
    return fre_type | (0x10 if mask else 0) | (0x20 if pauth_b else 0)

# AMD64: RA always at CFA-8 (fixed), FP tracked; words are CFA[, FP].
amd64 = [
    # leaf-ish function: push/pop around a call
    (0x100, 0x20, info(0), 0, [(0, True, [8], 1, False), (1, True, [16], 1, False),
                               (0x1e, True, [8], 1, False)]),
    # frame-pointer function: CFA moves to rbp
    (0x120, 0x40, info(0), 0, [(0, True, [8], 1, False), (1, True, [16, -16], 1, False),
                               (4, False, [16, -16], 1, False), (0x3f, True, [8], 1, False)]),
    # PLT-like block: PCTYPE_MASK, 16-byte repetition
    (0x200, 0x40, info(0, mask=True), 16, [(0, True, [8], 1, False),
                                          (11, True, [16], 1, False)]),
    # large function: 2-byte FRE starts and 2-byte data words
    (0x300, 0x1200, info(1), 0, [(0, True, [8], 2, False), (0x10, True, [0x1010], 2, False),
                                 (0x1100, False, [16, -16], 2, False)]),
    # outermost (_start-like): no data words means RA undefined (erratum 2)
    (0x1600, 0x30, info(0), 0, [(0, True, [], 1, False)]),
]
section('v2-amd64-sorted.sframe', '<', 3, SORTED, 0, -8, amd64)
# Same functions, PC-relative starts, FDEs not sorted (exercises the index).
section('v2-amd64-pcrel-unsorted.sframe', '<', 3, PCREL, 0, -8, amd64,
        order=[3, 0, 4, 2, 1])
# 4-byte FRE starts and data words, big frames.
section('v2-amd64-addr4.sframe', '<', 3, SORTED | PCREL, 0, -8, [
    (0x400, 0x30000, info(2), 0, [(0, True, [8], 4, False),
                                  (0x20000, True, [0x12345], 4, False),
                                  (0x2ffff, False, [16, -16], 4, False)]),
])

# AArch64: RA and FP tracked; words are CFA[, RA[, FP]].
aarch64 = [
    (0x100, 0x30, info(0), 0, [(0, True, [0], 1, False),
                               (4, True, [32, -24, -32], 1, True),
                               (8, False, [32, -24, -32], 1, True),
                               (0x2c, True, [0], 1, False)]),
    (0x140, 0x20, info(0, pauth_b=True), 0, [(0, True, [0], 1, False),
                                            (4, True, [16, -8, -16], 1, True)]),
    (0x180, 0x40, info(0, mask=True), 16, [(0, True, [0], 1, False)]),
]
section('v2-aarch64-le.sframe', '<', 2, SORTED | PCREL, 0, 0, aarch64)
section('v2-aarch64-be.sframe', '>', 1, SORTED, 0, 0, aarch64)

# s390x: CFA = base + word * 8 + 160 (binutils' SFRAME_V2_S390X_CFA_OFFSET_
# DECODE), so the word is (off - 160) / 8; RA/FP words are CFA offsets or an
# encoded register number ((reg << 1) | 1); an RA of 0 is padding (FP only).
def s390_cfa(off):
    return (off - 160) // 8
s390 = [
    (0x100, 0x40, info(0), 0, [(0, True, [s390_cfa(160)], 1, False),
                               (6, True, [s390_cfa(320), -48, -72], 1, False),
                               (0x30, False, [s390_cfa(320), -48, -72], 1, False)]),
    # RA and FP kept in registers (r0/r1 as scratch)
    (0x140, 0x20, info(0), 0, [(0, True, [s390_cfa(160)], 1, False),
                               (4, True, [s390_cfa(160), (0 << 1) | 1, (1 << 1) | 1], 1, False)]),
    # FP saved, RA not: RA word is padding
    (0x160, 0x20, info(0), 0, [(0, True, [s390_cfa(160)], 1, False),
                               (4, True, [s390_cfa(160), 0, -72], 1, False)]),
]
section('v2-s390x.sframe', '>', 4, SORTED | PCREL, 0, 0, s390)
EOF

ls -l "$out"
du -sh "$out"
