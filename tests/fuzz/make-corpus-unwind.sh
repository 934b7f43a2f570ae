#!/bin/sh
# Regenerate the seed corpus of fuzz_unwind (layout: see fuzz_unwind.c).
#
#   tests/fuzz/make-corpus-unwind.sh BUILD_DIR [OUT_DIR]
#                                   (default OUT_DIR: tests/fuzz/corpus/unwind)
#
# What it writes:
#   rec-v3-*, rec-v1-*  real samples: `sframetrace record --call-graph
#                       sframe,8192` (BUILD_DIR/sframetrace) of
#                       tests/fixtures/sframe/nested.v3 and of nested-v1 (built
#                       here exactly as tests/fuzz/CMakeLists.txt builds it),
#                       one seed per distinct user ip: spin's loop, the SIGPROF
#                       handler's write (through libc's signal trampoline),
#                       start-up code. Every word of the copy that points into
#                       nested.v3 / nested-v1 / libc / the vDSO becomes a tag
#                       (file, link-time address) and every pointer into the
#                       stack a tag (offset from sp), so the fuzzer's fake
#                       mappings resolve them to the same code and frames.
#   hand-*              small hand-made inputs: a frame-pointer chain from an
#                       anonymous map into nested-v1, a raw unmapped ip, an
#                       sp near 2^64, a zero-sized frame buffer, no stack
#                       bytes, sp not valid, registers in perf's layout,
#                       libc table ips with stack words pointing into libc.
# Needs perf_event_open (cpu-clock) and python3. Seeds from the recording
# depend on this machine's libc and vDSO; the fuzzer still runs them
# anywhere, only less deep.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD_DIR [OUT_DIR]" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
out=${2:-$here/corpus/unwind}
sft=${SFT:-$build/sframetrace}
libc=/usr/lib/x86_64-linux-gnu/libc.so.6
[ -x "$sft" ] || { echo "make-corpus-unwind: $sft: not built" >&2; exit 1; }

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The same command as tests/fuzz/CMakeLists.txt: the same text layout.
gcc -O2 -fomit-frame-pointer -Wa,--gsframe -o "$tmp/nested-v1" "$root/tests/fixtures/sframe/nested.c"
cp "$root/tests/fixtures/sframe/nested.v3" "$tmp/nested-v3"

for v in v3 v1; do
	"$sft" record -q -e cpu-clock -c 50000 --call-graph sframe,8192 -o "$tmp/$v.data" \
		-- "$tmp/nested-$v" "$tmp/$v.snap" >/dev/null 2>"$tmp/$v.err" ||
		{ cat "$tmp/$v.err" >&2; exit 1; }
done

rm -f "$out"/rec-* "$out"/hand-*
python3 - "$out" "$tmp" "$libc" <<'EOF'
import os, struct, sys

out, tmp, libc = sys.argv[1:4]
TAG_DSO, TAG_STACK, TAG_SP_BASE = 0x5f00, 0x5f10, 0x5f20
DSO_V3, DSO_V1, DSO_LIBC, DSO_VDSO, DSO_ANON, DSO_MISSING = range(6)
FL_IP_WORD, FL_NO_SP, FL_NULL_STACK, FL_EXTRA_REGS, FL_DELTA_SIGNED = 0x01, 0x06, 0x08, 0x10, 0x20
STACK_MAX = 16 * 1024

def tag_dso(k, vaddr):
    return (TAG_DSO + k) << 48 | (vaddr & 0xffffffff)

def tag_stack(off):
    return TAG_STACK << 48 | (off & 0xffffffff)

def header(flags, maxb, idx, delta, ipw, spw, bpw, regmask=0):
    return struct.pack('<BBHHHQQQ', flags, maxb, idx & 0xffff, delta & 0xffff,
                       regmask, ipw & (2**64 - 1), spw & (2**64 - 1), bpw & (2**64 - 1))

def loads(path):
    """PT_LOAD (offset, vaddr, filesz) of an ELF file."""
    with open(path, 'rb') as f:
        b = f.read(1 << 16)
    phoff, = struct.unpack_from('<Q', b, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', b, 0x36)
    res = []
    for i in range(phnum):
        p_type, _, off, vaddr, _, filesz = struct.unpack_from('<IIQQQQ', b, phoff + i * phentsize)
        if p_type == 1:
            res.append((off, vaddr, filesz))
    return res

def parse(path):
    """(maps by pid, samples): maps are (start, end, pgoff, filename);
    samples are (pid, regs dict, stack bytes)."""
    with open(path, 'rb') as f:
        d = f.read()
    if d[:8] != b'PERFILE2':
        sys.exit(f'{path}: not a perf.data file')
    attr_size, = struct.unpack_from('<Q', d, 16)
    a_off, a_size, d_off, d_size = struct.unpack_from('<QQQQ', d, 24)
    attrs = []
    for i in range(a_size // attr_size):
        base = a_off + i * attr_size
        sample_type, = struct.unpack_from('<Q', d, base + 24)
        regs_mask, = struct.unpack_from('<Q', d, base + 80)
        ids_off, ids_size = struct.unpack_from('<QQ', d, base + attr_size - 16)
        ids = struct.unpack_from(f'<{ids_size // 8}Q', d, ids_off) if ids_size else ()
        attrs.append((sample_type, regs_mask, ids))
    by_id = {i: a for a in attrs for i in a[2]}
    maps, samples = {}, []
    pos, end = d_off, d_off + d_size
    while pos + 8 <= end:
        typ, misc, size = struct.unpack_from('<IHH', d, pos)
        if size < 8:
            break
        body = pos + 8
        if typ in (1, 10):  # MMAP, MMAP2
            pid, tid, addr, ln, pgoff = struct.unpack_from('<IIQQQ', d, body)
            name_off = body + 32 + (32 if typ == 10 else 0)
            name = d[name_off:pos + size].split(b'\0')[0].decode(errors='replace')
            maps.setdefault(pid, []).insert(0, (addr, addr + ln, pgoff, name))
        elif typ == 9:  # SAMPLE
            p = body
            st, mask, _ = attrs[0]
            if len(attrs) > 1:
                ident, = struct.unpack_from('<Q', d, p)
                st, mask, _ = by_id[ident]
            if st & (1 << 16): p += 8           # IDENTIFIER
            if st & (1 << 0): p += 8            # IP
            pid = 0
            if st & (1 << 1):                   # TID
                pid, = struct.unpack_from('<I', d, p)
                p += 8
            for bit in (2, 3, 6, 9, 7, 8):      # TIME ADDR ID STREAM_ID CPU PERIOD
                if st & (1 << bit): p += 8
            if st & ((1 << 4) | (1 << 10) | (1 << 11)):
                sys.exit('make-corpus-unwind: READ/RAW/BRANCH_STACK samples not handled')
            if st & (1 << 5):                   # CALLCHAIN
                nr, = struct.unpack_from('<Q', d, p)
                p += 8 + 8 * nr
            regs = {}
            if st & (1 << 12):                  # REGS_USER
                abi, = struct.unpack_from('<Q', d, p)
                p += 8
                if abi:
                    for bit in range(64):
                        if mask >> bit & 1:
                            regs[bit], = struct.unpack_from('<Q', d, p)
                            p += 8
            stack = b''
            if st & (1 << 13):                  # STACK_USER
                ssz, = struct.unpack_from('<Q', d, p)
                p += 8
                if ssz:
                    dyn, = struct.unpack_from('<Q', d, p + ssz)
                    stack = d[p:p + min(ssz, dyn)]
            if 6 in regs and 7 in regs and 8 in regs and stack:
                samples.append((pid, regs, stack))
        pos += size
    return maps, samples

def relocator(pid_maps, files):
    """addr -> tagged word, for addresses inside the known files."""
    known = []
    for (start, end, pgoff, name) in pid_maps:
        k = None
        if name == '[vdso]':
            k, segs = DSO_VDSO, [(0, 0, end - start)]
        else:
            real = os.path.realpath(name) if name.startswith('/') else None
            for kk, fpath in files.items():
                if real and os.path.exists(real) and os.path.exists(fpath) and \
                        os.path.samefile(real, fpath):
                    k, segs = kk, loads(fpath)
        if k is not None:
            known.append((start, end, pgoff, k, segs))
    def reloc(addr):
        for (start, end, pgoff, k, segs) in known:
            if start <= addr < end:
                off = addr - start + pgoff
                for (soff, vaddr, filesz) in segs:
                    if soff <= off < soff + filesz:
                        return tag_dso(k, off - soff + vaddr), k
                return None, k
        return None, None
    return reloc

def seed_from(reloc, regs, stack):
    sp, ip, bp = regs[7], regs[8], regs[6]
    ipw, k = reloc(ip)
    if ipw is None:
        return None, None
    def word(v):
        t, _ = reloc(v)
        if t is not None:
            return t
        if sp - 0x10000 <= v < sp + 0x100000:
            return tag_stack(v - sp)
        return v
    spw = TAG_SP_BASE << 48 | (sp & 0xfff)   # keep the alignment of the real sp
    stack = stack[:STACK_MAX]
    n = len(stack) // 8
    words = struct.unpack_from(f'<{n}Q', stack)
    body = b''.join(struct.pack('<Q', word(w)) for w in words) + stack[8 * n:]
    return header(FL_IP_WORD, 0xff, 0, 0, ipw, spw, word(bp)) + body, ipw

for v, k in (('v3', DSO_V3), ('v1', DSO_V1)):
    maps, samples = parse(f'{tmp}/{v}.data')
    files = {k: f'{tmp}/nested-{v}', DSO_LIBC: libc}
    seeds, seen = [], set()
    for (pid, regs, stack) in samples:
        seed, ipw = seed_from(relocator(maps.get(pid, []), files), regs, stack)
        if seed is not None and ipw not in seen:
            seen.add(ipw)
            seeds.append(seed)
    # At most 8 per recording, spread over the run (start-up, spin, handler).
    step = max(1, len(seeds) // 8)
    for i, seed in enumerate(seeds[::step][:8]):
        with open(f'{out}/rec-{v}-{i}', 'wb') as f:
            f.write(seed)

def hand(name, data):
    with open(f'{out}/hand-{name}', 'wb') as f:
        f.write(data)

def words(*ws):
    return b''.join(struct.pack('<Q', w & (2**64 - 1)) for w in ws)

sp_base = TAG_SP_BASE << 48
# nested-v1's main from its symbol table, for return addresses into it.
def sym(path, name):
    with open(path, 'rb') as f:
        b = f.read()
    shoff, = struct.unpack_from('<Q', b, 0x28)
    shentsize, shnum = struct.unpack_from('<HH', b, 0x3a)
    secs = [struct.unpack_from('<IIQQQQIIQQ', b, shoff + i * shentsize) for i in range(shnum)]
    for (_, typ, _, _, off, size, link, _, _, ent) in secs:
        if typ == 2:  # SYMTAB
            stroff = secs[link][4]
            for j in range(size // ent):
                st_name, _, _, _, value, _ = struct.unpack_from('<IBBHQQ', b, off + j * ent)
                s = b[stroff + st_name:b.index(b'\0', stroff + st_name)].decode()
                if s == name:
                    return value
    sys.exit(f'{path}: no symbol {name}')
main_v1 = sym(f'{tmp}/nested-v1', 'main')
libc_text = [s for s in loads(libc) if s[1]][0][1]
level1_v1 = sym(f'{tmp}/nested-v1', 'level1')
# Frame-pointer chain from an anonymous map: bp -> [saved bp, ra] pairs.
hand('fp-chain-anon', header(FL_IP_WORD, 0xff, 0, 0, tag_dso(DSO_ANON, 0x100),
                             sp_base | 0x100, tag_stack(0x10))
     + words(0, 0, tag_stack(0x30), tag_dso(DSO_V1, level1_v1 + 9),
             0, 0, tag_stack(0x50), tag_dso(DSO_V1, main_v1 + 0x30), 0, 0, 0, 0))
# An unmapped raw ip, a few raw words.
hand('raw-ip-nomap', header(FL_IP_WORD, 16, 0, 0, 0x1234, sp_base, 0) + words(1, 2, 3))
# sp near 2^64: CFA arithmetic that wraps.
hand('sp-wrap', header(FL_IP_WORD, 0xff, 0, 0, tag_dso(DSO_V1, main_v1 + 4),
                       0xfffffffffffffff0, 0xfffffffffffffff8)
     + words(tag_dso(DSO_V1, main_v1 + 0x30), 0))
# A zero-sized frame buffer; no stack bytes; sp not valid.
hand('max-0', header(0, 0, 1, 2, 0, sp_base, 0) + words(tag_stack(8)))
hand('null-stack', header(FL_NULL_STACK, 0xff, 3, 7, 0, sp_base, 0) + words(1, 2))
hand('no-sp', header(FL_NO_SP, 8, 0, 0, 0, sp_base, 0))
# Registers as a sample carries them (perf's mask: all general registers,
# one value short with mask bit 6), the first stack words as their values.
hand('perf-regs', header(FL_EXTRA_REGS, 0xff, 500, 0x10, 0, sp_base | 0x40, tag_stack(0x40), 0xff7f)
     + words(*[tag_stack(8 * j) if j % 2 else tag_dso(DSO_LIBC, libc_text + 0x777 * j)
               for j in range(24)]))
# Table ips (into whatever the table holds at these indexes) with stack
# words pointing back into libc's text and into the stack.
for i, idx in enumerate((100, 1000, 2000)):
    hand(f'table-{i}', header(FL_DELTA_SIGNED if i == 2 else 0, 0xff, idx, 0x40 * i, 0,
                              sp_base | 0x88, tag_stack(0x100))
         + words(*[tag_dso(DSO_LIBC, libc_text + 0x1000 * j + 0x11) if j % 3 else tag_stack(8 * j + 16)
                   for j in range(64)]))
EOF
ls -l "$out"
du -sh "$out"
