#!/bin/sh
# Regenerate the seed corpus of fuzz_perfdata: small perf.data files and
# saved pipe streams (each well under 20 KB).
#
#   tests/fuzz/make-corpus-perfdata.sh [OUT_DIR [DATA_WRITER_GEN]]
#       OUT_DIR          default: tests/fuzz/corpus/perfdata
#       DATA_WRITER_GEN  the built tests/unit data-writer-gen (optional;
#                        e.g. build/tests/unit/data-writer-gen)
#
# What it writes:
#   perf-file*.data    Linux perf 6.1, `perf record -e cpu-clock -c 100000`
#                      of /bin/true, with and without -g (skipped, with a
#                      message, when perf is missing or cannot record)
#   perf-pipe*.data    the same with `-o -`: the pipe format saved to a file
#   writer.data        lib/data's writer (data-writer-gen), when given
#   hand-file.data     a PERFILE2 file written from the layout here: two
#                      attrs whose samples use nearly every sample_type field
#                      (callchain with context markers, user regs and stack,
#                      group read, raw, branch stack with hw_idx, weight,
#                      data_src, transaction, intr regs), COMM/MMAP2/FORK/
#                      EXIT/LOST/LOST_SAMPLES/FINISHED_ROUND records, and
#                      hostname, osrelease, arch, nrcpus, total_mem, cmdline,
#                      event_desc, build_id and sample_time features
#   hand-killed.data   the same with data size 0 and no features (a recording
#                      killed before its header was written)
#   hand-pipe.data     the same events as a pipe stream: HEADER_ATTR,
#                      EVENT_UPDATE names, TRACING_DATA with its payload,
#                      HEADER_BUILD_ID, HEADER_FEATURE records, an AUXTRACE
#                      record with payload, then the data records
#   crash-*.data       NOT made here: inputs the fuzzer found to break the
#                      library, kept as regression tests once fixed
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus/perfdata}
gen=${2:-}

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Real perf output. -N: no build-id cache side effects in ~/.debug.
if command -v perf >/dev/null 2>&1; then
	rec() { # NAME perf-record-args...
		name=$1
		shift
		if perf record -q -N -e cpu-clock -c 100000 "$@" -o "$tmp/$name" \
			-- /bin/true >/dev/null 2>&1; then
			cp "$tmp/$name" "$out/$name"
		else
			echo "make-corpus-perfdata: perf record $* failed, skipping $name" >&2
		fi
	}
	recpipe() { # NAME perf-record-args...
		name=$1
		shift
		if perf record -q -N -e cpu-clock -c 100000 "$@" -o - \
			-- /bin/true >"$tmp/$name" 2>/dev/null; then
			cp "$tmp/$name" "$out/$name"
		else
			echo "make-corpus-perfdata: perf record -o - $* failed, skipping $name" >&2
		fi
	}
	rec perf-file.data
	rec perf-file-g.data -g
	recpipe perf-pipe.data
	recpipe perf-pipe-g.data -g
else
	echo "make-corpus-perfdata: perf not installed, skipping the perf seeds" >&2
fi

if [ -n "$gen" ]; then
	"$gen" "$tmp/writer.data"
	cp "$tmp/writer.data" "$out/writer.data"
fi

python3 - "$out" <<'EOF'
import struct, sys

out = sys.argv[1]

# perf_event_attr bits (include/uapi/linux/perf_event.h)
IP, TID, TIME, ADDR, READ, CALLCHAIN, ID, CPU, PERIOD, STREAM_ID, RAW, \
    BRANCH_STACK, REGS_USER, STACK_USER, WEIGHT, DATA_SRC, IDENTIFIER, \
    TRANSACTION, REGS_INTR = [1 << i for i in range(19)]
FMT_TOTAL_TIME_ENABLED, FMT_TOTAL_TIME_RUNNING, FMT_ID, FMT_GROUP = 1, 2, 4, 8
F_DISABLED, F_MMAP, F_COMM, F_SAMPLE_ID_ALL, F_MMAP2 = 1, 1 << 8, 1 << 9, 1 << 18, 1 << 23
BRANCH_HW_INDEX = 1 << 17
CTX_KERNEL, CTX_USER = (1 << 64) - 128, (1 << 64) - 512
MISC_KERNEL, MISC_USER, MISC_BUILD_ID_SIZE = 1, 2, 1 << 15

def attr(config, sample_type, read_format=0, branch=0, regs_user=0, stack_user=0,
         regs_intr=0):
    """perf_event_attr, PERF_ATTR_SIZE_VER7 (128) bytes."""
    b = struct.pack('<IIQQQQQIIQQQQIiQIHH', 1, 128, config, 100000, sample_type,
                    read_format, F_DISABLED | F_MMAP | F_COMM | F_SAMPLE_ID_ALL | F_MMAP2,
                    0, 0, 0, 0, branch, regs_user, stack_user, 0, regs_intr, 0, 0, 0)
    b += bytes(128 - len(b))
    assert len(b) == 128
    return b

T1 = IDENTIFIER | IP | TID | TIME | CPU | PERIOD | CALLCHAIN | REGS_USER | STACK_USER
T2 = (IDENTIFIER | IP | TID | TIME | READ | RAW | BRANCH_STACK | WEIGHT | DATA_SRC |
      TRANSACTION | REGS_INTR)
A1 = attr(0, T1, regs_user=0x1ff, stack_user=64)       # cpu-clock
A2 = attr(1, T2, read_format=FMT_GROUP | FMT_ID | FMT_TOTAL_TIME_ENABLED,
          branch=BRANCH_HW_INDEX, regs_intr=0x3)      # task-clock
IDS1, IDS2 = [7, 8], [9]
PID, TID_ = 4321, 4322

def rec(type_, body, misc=0):
    return struct.pack('<IHH', type_, misc, 8 + len(body)) + body

def trailer1(time):
    # sample_id_all for T1: TID, TIME, CPU, IDENTIFIER
    return struct.pack('<IIQIIQ', PID, TID_, time, 1, 0, IDS1[0])

def data_records():
    r = []
    r.append(rec(3, struct.pack('<II', PID, TID_) + b'worker\0\0' + trailer1(100), MISC_USER))
    r.append(rec(7, struct.pack('<IIIIQ', PID, 1, TID_, 1, 101) + trailer1(101)))   # FORK
    name = b'/usr/bin/worker'.ljust(24, b'\0')
    r.append(rec(10, struct.pack('<IIQQQIIQQII', PID, TID_, 0x400000, 0x2000, 0x1000,
                                 8, 1, 1234, 0, 5, 2) + name + trailer1(102), MISC_USER))
    name = b'/usr/lib/libc.so.6'.ljust(24, b'\0')
    r.append(rec(10, struct.pack('<IIQQQIIQQII', PID, TID_, 0x7f0000000000, 0x100000, 0,
                                 8, 2, 99, 0, 5, 2) + name + trailer1(103), MISC_USER))
    # T1 sample: kernel and user callchain, user regs and a stack copy
    s = struct.pack('<QQIIQIIQ', IDS1[0], 0x401010, PID, TID_, 200, 1, 0, 100000)
    s += struct.pack('<5Q', 4, CTX_KERNEL, 0xffffffff81000010, CTX_USER, 0x7f0000001234)
    s += struct.pack('<Q', 2) + struct.pack('<9Q', *range(0x1000, 0x1009))
    s += struct.pack('<Q', 64) + bytes(range(64)) + struct.pack('<Q', 48)
    r.append(rec(9, s, MISC_USER))
    r.append(rec(68, b''))                                                          # FINISHED_ROUND
    # T2 sample: group read, raw, branch stack with hw_idx, weight...
    s = struct.pack('<QQIIQ', IDS2[0], 0x401020, PID, TID_, 201)
    s += struct.pack('<QQ', 2, 5000) + struct.pack('<4Q', 11, IDS2[0], 12, 99)
    s += struct.pack('<I', 12) + b'rawpayload!!'
    s += struct.pack('<QQ', 1, 0) + struct.pack('<3Q', 0x401000, 0x401020, 0)
    s += struct.pack('<QQQ', 50, 0x1234, 0)
    s += struct.pack('<Q', 2) + struct.pack('<2Q', 0xaa, 0xbb)
    s += bytes(-len(s) % 8)
    r.append(rec(9, s, MISC_USER))
    r.append(rec(2, struct.pack('<QQ', 7, 3) + trailer1(202)))                      # LOST
    r.append(rec(13, struct.pack('<Q', 2) + trailer1(203)))                         # LOST_SAMPLES
    r.append(rec(4, struct.pack('<IIIIQ', PID, 1, TID_, 1, 300) + trailer1(300)))   # EXIT
    r.append(rec(68, b''))
    return b''.join(r)

def hstring(s):
    b = s.encode() + b'\0'
    b += bytes(-len(b) % 64)
    return struct.pack('<I', len(b)) + b

def build_id_rec(pid, misc, bid, name):
    f = name.encode() + b'\0'
    f += bytes(-len(f) % 64)
    field = bid + bytes(20 - len(bid)) + bytes([len(bid)]) + bytes(3)
    return rec(67, struct.pack('<i', pid) + field + f, misc | MISC_BUILD_ID_SIZE)

BUILD_IDS = build_id_rec(-1, MISC_USER, bytes(range(1, 21)), '/usr/bin/worker') + \
    build_id_rec(-1, MISC_KERNEL, bytes(range(0x40, 0x50)), '[kernel.kallsyms]')

def event_desc():
    b = struct.pack('<II', 2, 128)
    for a, name, ids in ((A1, 'cpu-clock', IDS1), (A2, 'task-clock', IDS2)):
        b += a + struct.pack('<I', len(ids)) + hstring(name) + struct.pack('<%dQ' % len(ids), *ids)
    return b

def cmdline(args):
    return struct.pack('<I', len(args)) + b''.join(hstring(a) for a in args)

FEATURES = [   # (bit, payload), in bit order
    (2, BUILD_IDS),
    (3, hstring('seed-host')),
    (4, hstring('6.1.0-seed')),
    (6, hstring('x86_64')),
    (7, struct.pack('<II', 4, 4)),
    (10, struct.pack('<Q', 8000000)),
    (11, cmdline(['/usr/bin/sframetrace', 'record', '-g', '--', 'worker'])),
    (12, event_desc()),
    (21, struct.pack('<QQ', 100, 300)),
]

def perf_file(data, features, data_size=None):
    hdr = 104
    ids = struct.pack('<3Q', *(IDS1 + IDS2))
    ids_off = hdr
    attrs_off = ids_off + len(ids)
    attrs = A1 + struct.pack('<QQ', ids_off, 16) + A2 + struct.pack('<QQ', ids_off + 16, 8)
    data_off = attrs_off + len(attrs)
    index_off = data_off + len(data)
    payload_off = index_off + 16 * len(features)
    index, payloads, flags = b'', b'', [0, 0, 0, 0]
    for bit, p in features:
        index += struct.pack('<QQ', payload_off + len(payloads), len(p))
        payloads += p
        flags[bit // 64] |= 1 << (bit % 64)
    h = b'PERFILE2' + struct.pack('<QQ', hdr, 128 + 16)
    h += struct.pack('<QQ', attrs_off, len(attrs))
    h += struct.pack('<QQ', data_off, len(data) if data_size is None else data_size)
    h += struct.pack('<QQ', 0, 0) + struct.pack('<4Q', *flags)
    assert len(h) == hdr
    return h + ids + attrs + data + index + payloads

def pipe_stream(data):
    s = b'PERFILE2' + struct.pack('<Q', 16)
    s += rec(64, A1 + struct.pack('<2Q', *IDS1))
    s += rec(64, A2 + struct.pack('<Q', *IDS2))
    s += rec(78, struct.pack('<QQ', 2, IDS1[1]) + b'cpu-clock\0'.ljust(16, b'\0'))
    s += rec(78, struct.pack('<QQ', 2, IDS2[0]) + b'task-clock\0'.ljust(16, b'\0'))
    s += rec(78, struct.pack('<QQ', 1, IDS2[0]) + b'msec\0\0\0\0')             # unit
    tracing = b'\x17\x08\x44tracing0.6' + bytes(11)
    s += rec(66, struct.pack('<II', len(tracing), 0)) + tracing
    s += BUILD_IDS
    for bit, p in FEATURES:
        if bit not in (2, 12):
            s += rec(80, struct.pack('<Q', bit) + p)
    s += rec(71, struct.pack('<QQQIIII', 16, 0, 0x1234, 0, TID_, 1, 0)) + bytes(range(16))
    return s + data

data = data_records()
with open(f'{out}/hand-file.data', 'wb') as f:
    f.write(perf_file(data, FEATURES))
with open(f'{out}/hand-killed.data', 'wb') as f:
    f.write(perf_file(data, [], data_size=0))
with open(f'{out}/hand-pipe.data', 'wb') as f:
    f.write(pipe_stream(data))
EOF

# perf writes its files 0600; the corpus is plain source.
chmod 644 "$out"/*.data
ls -l "$out"
du -sh "$out"
