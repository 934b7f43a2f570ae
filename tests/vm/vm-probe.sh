#!/bin/sh
# `sframetrace probe` inside the two test kernels (../shared/vm):
#   deferred kernel   defer_callchain: yes; sframe_register (472): no
#                     (ENOSYS); record -g would use fp,defer with frame
#                     pointers
#   sframe kernel     defer_callchain: yes; sframe_register (472): yes;
#                     record -g would use fp,defer with SFrame
# Exit 77 (skip) when the VMs cannot run here.
. "${SFT_SRC:?}/tests/vm/vm-common.sh"
vm_need deferred sframe

# want FILE LABEL VALUE-PREFIX: probe's "LABEL : VALUE" line
want() {
	grep -Eq "^$2 +: $3" "$1" ||
		bad "$(basename "$1"): want '$2: $3...', got: $(grep -E "^$2 " "$1")"
}

vm_boot deferred def -- "$SFT_BIN probe" || bad "probe in the deferred VM exited $?"
want "$tmp/def.log" "defer_callchain" "yes"
want "$tmp/def.log" "sframe_register \(472\)" "no \(Function not implemented\)"
want "$tmp/def.log" "record -g would use" "fp,defer \(the kernel walks user stacks with frame pointers\)"
want "$tmp/def.log" "kernel release" "7\.1\.5"

vm_boot sframe sfr -- "$SFT_BIN probe" || bad "probe in the sframe VM exited $?"
want "$tmp/sfr.log" "defer_callchain" "yes"
want "$tmp/sfr.log" "sframe_register \(472\)" "yes"
want "$tmp/sfr.log" "record -g would use" "fp,defer \(the kernel walks user stacks, with SFrame where registered\)"

[ $fail -eq 0 ] || { vm_show def; vm_show sfr; }
finish "probe in the deferred and sframe VMs"
