# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034 # the arrays are used by the scripts that source this
# The Debian packages the project needs, and an idempotent installer. Sourced by check.sh and
# demo.sh.

BUILD_PACKAGES=(meson ninja-build pkg-config gcc libc6-dev libelf-dev zlib1g-dev libzstd-dev
	liblzo2-dev libsnappy-dev libblkid-dev liblzma-dev libsystemd-dev)
TEST_PACKAGES=(shellcheck debootstrap qemu-utils qemu-system-x86 busybox-static kexec-tools cpio
	xz-utils zstd e2fsprogs makedumpfile
	python3-libkdumpfile crash
	openssh-server openssh-client socat nfs-ganesha nfs-ganesha-vfs)
# tests/fuzz/run.sh: clang and its libFuzzer runtime (the default build needs neither)
FUZZ_PACKAGES=(clang libclang-rt-14-dev)

install_packages() {
	local missing=() p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "Installing: ${missing[*]}" >&2
	# Refresh the package lists once, not on every run.
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
		apt-get update -qq
	fi
	# The tests start their own sshd and NFS server on loopback ports. Installing the packages
	# must not start (or enable at boot) the system's: policy-rc.d refuses every start during
	# the install, and the units of the daemons we installed are disabled afterwards. A daemon
	# the machine already had is left as it was.
	local guard=/usr/sbin/policy-rc.d guarded=0 daemons=() unit
	for p in "${missing[@]}"; do
		case "$p" in
		openssh-server) daemons+=(ssh.service ssh.socket) ;;
		nfs-ganesha) daemons+=(nfs-ganesha.service nfs-ganesha-lock.service) ;;
		esac
	done
	if [ ${#daemons[@]} -gt 0 ] && [ ! -e "$guard" ]; then
		printf '#!/bin/sh\n# installed by kdump-suite tests/packages.sh for one apt-get run\nexit 101\n' >"$guard"
		chmod 0755 "$guard"
		guarded=1
	fi
	local rc=0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || rc=$?
	[ "$guarded" = 0 ] || rm -f "$guard"
	for unit in "${daemons[@]}"; do
		systemctl disable "$unit" >/dev/null 2>&1 || true
	done
	return "$rc"
}
