#!/bin/sh
# report (and script) on bad input and bad options: the exit status, and
# one line on stderr that says what went wrong.
#   missing file                         255, names the file
#   bad magic                            255, "bad magic"
#   file cut in the middle of its data   0, "truncated", the rows before it
#   a record of size 0 inside the data   255, "offset 0x<where it is>"
#   unknown option                       2, names the option (then usage)
#   --sort nosuchkey                     2, names the key
# The damaged files are made with head/dd/printf from a real recording
# (sframetrace record -g --call-graph fp of hot); the data section's place
# comes from the file header (offset at bytes 40..47, size at 48..55).
# Environment: SFT_BIN, SFT_SRC. Exit 77 (skip) with the reason when gcc or
# perf_event_open is missing.
set -u
. "$(dirname "$0")/report-common.sh"

need_perf_event
build_fp hot hot
cd "$tmp" || exit 1
sft_record good -g --call-graph fp -e cpu-clock -o "$tmp/good.data" -- ./hot 300

# expect STATUS STEM ARGS...: run `sframetrace ARGS...`, stdout to
# $tmp/STEM.out, stderr to $tmp/STEM.err; the exit status must be STATUS.
expect() {
	ex_status=$1
	ex_stem=$2
	shift 2
	"$SFT_BIN" "$@" >"$tmp/$ex_stem.out" 2>"$tmp/$ex_stem.err"
	ex_rc=$?
	if [ $ex_rc -ne "$ex_status" ]; then
		bad "sframetrace $*: exit status $ex_rc, want $ex_status; stderr: $(head -n 3 "$tmp/$ex_stem.err")"
		return 1
	fi
	return 0
}

# one_line STEM WHAT PATTERN...: STEM.err is exactly one line holding every
# fixed-string PATTERN.
one_line() {
	ol_stem=$1
	ol_what=$2
	shift 2
	ol_n=$(lines "$tmp/$ol_stem.err")
	if [ "$ol_n" -ne 1 ]; then
		bad "$ol_what: stderr has $ol_n lines, want 1:"
		sed 's/^/    /' "$tmp/$ol_stem.err" | head -n 5
		return 1
	fi
	for ol_p in "$@"; do
		if ! grep -qF -- "$ol_p" "$tmp/$ol_stem.err"; then
			bad "$ol_what: stderr lacks '$ol_p': $(cat "$tmp/$ol_stem.err")"
			return 1
		fi
	done
	echo "ok: $ol_what: $(cat "$tmp/$ol_stem.err")"
}

set -- $(od -An -t u8 -j 40 -N 16 "$tmp/good.data")
data_off=${1:-0}
data_size=${2:-0}
fsize=$(wc -c <"$tmp/good.data" | tr -d ' ')
if [ "$data_off" -le 0 ] || [ "$data_size" -le 1000 ] || [ $((data_off + data_size)) -gt "$fsize" ]; then
	echo "FAIL: good.data's header gives data offset $data_off, size $data_size (file size $fsize)"
	exit 1
fi
echo "good.data: data section at $data_off, $data_size bytes, file $fsize bytes"

# The good file is good, to start with.
if expect 0 good report --stdio -i "$tmp/good.data" -g none; then
	[ -s "$tmp/good.err" ] && bad "report of the good file wrote to stderr: $(head -n 3 "$tmp/good.err")"
	report_rows "$tmp/good.out" >"$tmp/good.rows"
	grep -q hot_inner "$tmp/good.rows" || bad "report of the good file lacks hot_inner"
fi

for cmd in report script; do
	case $cmd in
	report) copts="--stdio -g none" ;;
	script) copts= ;;
	esac

	# Missing file.
	expect 255 $cmd-missing $cmd $copts -i "$tmp/no-such.data" &&
		one_line $cmd-missing "$cmd: missing file" "$tmp/no-such.data"

	# Bad magic: the good file with its first 8 bytes overwritten.
	cp "$tmp/good.data" "$tmp/magic.data"
	printf 'NOTPERF!' | dd of="$tmp/magic.data" bs=1 seek=0 conv=notrunc 2>/dev/null
	expect 255 $cmd-magic $cmd $copts -i "$tmp/magic.data" &&
		one_line $cmd-magic "$cmd: bad magic" "$tmp/magic.data" "bad magic"

	# Cut in the middle of the data section: what precedes is still shown.
	head -c $((data_off + data_size / 2)) "$tmp/good.data" >"$tmp/cut.data"
	if expect 0 $cmd-cut $cmd $copts -i "$tmp/cut.data"; then
		one_line $cmd-cut "$cmd: file cut in its data section" "$tmp/cut.data" "truncated"
		if [ $cmd = report ]; then
			report_rows "$tmp/$cmd-cut.out" | grep -q hot_inner ||
				bad "$cmd of the cut file shows no hot_inner row"
		else
			grep -q hot_inner "$tmp/$cmd-cut.out" ||
				bad "$cmd of the cut file shows no hot_inner sample"
		fi
	fi
done

# A record of size 0 in the middle of the data section: walk the records
# (u32 type, u16 misc, u16 size each) from the start of the data section to
# the first one past its middle, and zero that record's size.
zpos=$(od -An -v -t u1 -j "$data_off" -N "$data_size" "$tmp/good.data" |
	awk -v off="$data_off" -v half=$((data_size / 2)) '
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END {
		p = 0
		while (p + 8 <= n) {
			s = b[p + 6] + 256 * b[p + 7]
			if (s < 8) { print "bad"; exit }
			if (p >= half) { print off + p; exit }
			p += s
		}
		print "bad"
	}')
case $zpos in
"" | bad)
	bad "cannot walk good.data's records (got '$zpos')"
	;;
*)
	zhex=$(printf '0x%x' "$zpos")
	echo "zeroing the size of the record at offset $zpos ($zhex)"
	for cmd in report script; do
		case $cmd in
		report) copts="--stdio -g none" ;;
		script) copts= ;;
		esac
		cp "$tmp/good.data" "$tmp/zero.data"
		printf '\000\000' | dd of="$tmp/zero.data" bs=1 seek=$((zpos + 6)) conv=notrunc 2>/dev/null
		expect 255 $cmd-zero $cmd $copts -i "$tmp/zero.data" &&
			one_line $cmd-zero "$cmd: record of size 0" "$tmp/zero.data" "offset $zhex"
	done
	;;
esac

# Bad options: exit 2; the first line names the culprit (the usage text may
# follow, as perf prints it).
for cmd in report script; do
	"$SFT_BIN" $cmd --no-such-option -i "$tmp/good.data" >"$tmp/$cmd-opt.out" 2>"$tmp/$cmd-opt.err"
	rc=$?
	first=$(head -n 1 "$tmp/$cmd-opt.err")
	if [ $rc -ne 2 ]; then
		bad "$cmd --no-such-option: exit status $rc, want 2"
	elif ! echo "$first" | grep -qF -- "--no-such-option"; then
		bad "$cmd --no-such-option: the first line of stderr does not name it: '$first'"
	else
		echo "ok: $cmd: unknown option: $first"
	fi
	[ -s "$tmp/$cmd-opt.out" ] && bad "$cmd --no-such-option printed on stdout: $(head -n 2 "$tmp/$cmd-opt.out")"
done

"$SFT_BIN" report --stdio -i "$tmp/good.data" --sort nosuchkey >"$tmp/sort.out" 2>"$tmp/sort.err"
rc=$?
first=$(head -n 1 "$tmp/sort.err")
if [ $rc -ne 2 ]; then
	bad "report --sort nosuchkey: exit status $rc, want 2"
elif ! echo "$first" | grep -qF "nosuchkey"; then
	bad "report --sort nosuchkey: the first line of stderr does not name the key: '$first'"
else
	echo "ok: report: --sort nosuchkey: $first"
fi
[ -s "$tmp/sort.out" ] && bad "report --sort nosuchkey printed on stdout: $(head -n 2 "$tmp/sort.out")"

finish "report and script fail as they should on bad files and options"
