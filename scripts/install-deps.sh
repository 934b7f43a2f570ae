#!/bin/sh
# Installs what sframetrace needs to build and test on Debian 12 (as root).
# Used by the README's first command and by .ci/run, so a fresh machine
# needs nothing installed by hand. qemu-system-x86 and cpio boot the test
# kernels of ../shared/vm for tests/vm (they skip without them); like
# everything here, without recommended packages (QEMU's pull in a desktop).
# tmux drives the screen tests of top and of report's browser.
set -eu
export DEBIAN_FRONTEND=noninteractive
pkgs="build-essential cmake pkg-config binutils gcc
      libelf-dev libdw-dev libtraceevent-dev libncurses-dev libcmocka-dev
      clang libclang-rt-14-dev llvm-14 man-db linux-perf time
      qemu-system-x86 cpio tmux"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "install-deps: all dependencies present"
