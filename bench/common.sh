# shellcheck shell=sh
# Shared start of the bench/*/run.sh scripts (sourced, not run): the source
# root, the build directory (the script's first argument, default
# ROOT/build; shifted away), the sframetrace and perf to measure (SFT,
# PERF), and what every benchmark needs: perf, GNU time, a built binary.
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build
if [ $# -gt 0 ]; then
	build=$(cd "$1" && pwd)
	shift
fi
sft=${SFT:-$build/sframetrace}
perf=${PERF:-perf}

command -v "$perf" >/dev/null 2>&1 || { echo "perf is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
if [ ! -x "$sft" ]; then
	cmake --build "$build" --target sframetrace >&2
fi
