#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# check-kdump-save.sh KDUMP_SAVE VMCORE_TOOL MKVMCORE SPECDIR [--real 6.1|6.12]
#
# The kdump-save program as the capture initramfs runs it (--no-action, since this is no
# capture kernel), in a private mount namespace with tmpfs targets:
#   - a saved dump: exit 0, vmcore-dmesg.txt, vmcore verified by 'vmcore verify', modes
#     0700/0600, kdump-save.log ending in the "saved:" line;
#   - a full disk: exit 3, vmcore.incomplete that 'vmcore info' reads as marked incomplete,
#     no vmcore, an earlier dump untouched, the log saying how many pages were saved;
#   - a kdump.conf that others may write: refused, the defaults used, the dump still saved;
#   - a raw target on a loop device: the capture, then --recover-raw, then nothing pending;
#   - the collector SIGKILLed from outside once its dump has grown: exit 3, vmcore.incomplete
#     marked and readable, no vmcore, the earlier dump untouched, the log saying so.
# With --real SERIES the input is the cached real fixture of that kernel (exit 77 without it).
# Exit 0 pass, 1 fail, 77 skipped.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
realvm="$here/../../../tests/realvm"

if [[ $# -lt 4 ]]; then
	echo "usage: $0 KDUMP_SAVE VMCORE_TOOL MKVMCORE SPECDIR [--real SERIES]" >&2
	exit 2
fi
ksave=$1 vmcore_tool=$2 mkvmcore=$3 specs=$4
real="${6:-}"
[[ "${5:-}" == --real && -n "$real" ]] || real=""

# A mount namespace of our own: every tmpfs goes when the script ends.
if [[ -z "${KSAVE_IN_NS:-}" ]] && [[ "$(id -u)" == 0 ]] &&
	unshare -m --propagation private true 2>/dev/null; then
	KSAVE_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
mounts=0
[[ -n "${KSAVE_IN_NS:-}" ]] && mounts=1

failures=0
log() { printf 'check-kdump-save: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }
ok() { log "ok: $*"; }

work="$(mktemp -d /tmp/check-kdump-save.XXXXXX)"
loopdev=""
cleanup() {
	[[ -n "$loopdev" ]] && losetup -d "$loopdev" 2>/dev/null
	grep -o " $work/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount "$m"; done
	rm -rf "$work"
}
trap cleanup EXIT

# tmpfs_dir NAME SIZE: a directory, a tmpfs of SIZE when we may mount one.
tmpfs_dir() {
	mkdir -p "$work/$1"
	if [[ "$mounts" == 1 ]]; then
		mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$work/$1" || return 1
	fi
	printf '%s\n' "$work/$1"
}

# conf NAME TEXT: a kdump.conf (root's, 0600) with TEXT.
conf() {
	printf '%s\n' "$2" >"$work/$1.conf"
	chmod 0600 "$work/$1.conf"
	printf '%s\n' "$work/$1.conf"
}

# save CONF VMCORE ROOT [ARGS]: run kdump-save; stderr in $work/out; the exit code in $rc.
save() {
	local config=$1 vmcore=$2 root=$3
	shift 3
	"$ksave" --config "$config" --vmcore "$vmcore" --root "$root" --proc "$work/proc" \
		--no-action --no-kmsg "$@" 2>"$work/out"
	rc=$?
}

info_field() { # FILE KEY: a field of 'vmcore info --json'
	"$vmcore_tool" info --json "$1" 2>/dev/null | sed -n "s/^  \"$2\": \\([^,]*\\),*$/\\1/p"
}

mkdir -p "$work/proc/sys/kernel"
echo capture >"$work/proc/sys/kernel/hostname"
echo "console=ttyS0" >"$work/proc/cmdline"

if [[ -n "$real" ]]; then
	# shellcheck source=../../../tests/realvm/lib.sh
	. "$realvm/lib.sh"
	# shellcheck source=../../../tests/realvm/fixture-path.sh
	. "$realvm/fixture-path.sh"
	if ! fixture="$(fixture_dir_for "$real")"; then
		log "no cached $real fixture (tests/realvm/fixtures.sh makes them): skipped"
		exit 77
	fi
	input="$fixture/vmcore"
	marker="$(sed -n 's/^marker=//p' "$fixture/meta")"
	big=256M small=16M host=""
else
	input="$work/agent.vmcore"
	"$mkvmcore" -o "$input" "$specs/agent-elf.spec" || { log "mkvmcore failed"; exit 1; }
	marker="KDUMP-AGENT-TEST marker"
	big=64M small=1M host=agenthost
fi
log "input: $input"

# ---- 1. a saved dump ----
root="$(tmpfs_dir saved "$big")" || exit 1
config="$(conf saved 'path /var/crash
core_collector makedumpfile-lite -z -d 31
final_action poweroff')"
save "$config" "$input" "$root"
dir="$(find "$root/var/crash" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
if [[ "$rc" != 0 || -z "$dir" ]]; then
	fail "saved: exit $rc, dir '$dir'"
	cat "$work/out" >&2
else
	[[ -z "$host" || "$(basename "$dir")" == "$host"-* ]] || fail "saved: dir name $dir"
	[[ "$(stat -c %a "$dir")" == 700 ]] || fail "saved: $dir is not 0700"
	for f in vmcore vmcore-dmesg.txt kdump-save.log; do
		[[ "$(stat -c %a "$dir/$f" 2>/dev/null)" == 600 ]] || fail "saved: $f is not 0600"
	done
	"$vmcore_tool" verify -q "$dir/vmcore" || fail "saved: vmcore verify"
	[[ "$(info_field "$dir/vmcore" complete)" == true ]] || fail "saved: not complete"
	grep -qF "$marker" "$dir/vmcore-dmesg.txt" || fail "saved: no marker in vmcore-dmesg.txt"
	tail -n 1 "$dir/kdump-save.log" | grep -q "\] saved: /var/crash/.*/vmcore on .*, complete, verified" ||
		fail "saved: the log's last line: $(tail -n 1 "$dir/kdump-save.log")"
	grep -q "final_action poweroff: not carried out (--no-action)" "$work/out" ||
		fail "saved: final_action not announced"
	ok "saved ($(stat -c %s "$dir/vmcore") bytes)"
fi

# ---- 2. a full disk ----
if [[ "$mounts" == 1 ]]; then
	root="$(tmpfs_dir full "$small")" || exit 1
	old="$root/var/crash/old-2020-01-01-00:00:00"
	mkdir -p "$old" && chmod 0700 "$root/var/crash" "$old"
	echo "an earlier dump" >"$old/vmcore" && echo "old log" >"$old/kdump-save.log"
	sum="$(sha256sum "$old/vmcore")"
	config="$(conf full 'path /var/crash
core_collector makedumpfile-lite -d 31')"
	save "$config" "$input" "$root"
	dir="$(find "$root/var/crash" -mindepth 1 -maxdepth 1 -type d ! -name 'old-*' | head -n 1)"
	if [[ "$rc" != 3 || -z "$dir" ]]; then
		fail "full disk: exit $rc (expected 3), dir '$dir'"
		cat "$work/out" >&2
	else
		[[ ! -e "$dir/vmcore" ]] || fail "full disk: a vmcore exists"
		[[ "$(info_field "$dir/vmcore.incomplete" marked_incomplete)" == true ]] ||
			fail "full disk: vmcore info does not read it as marked incomplete"
		[[ "$(info_field "$dir/vmcore.incomplete" complete)" == false ]] ||
			fail "full disk: vmcore info calls it complete"
		grep -q "No space left on device" "$dir/kdump-save.log" ||
			fail "full disk: the log does not name ENOSPC"
		grep -q "pages were saved" "$dir/kdump-save.log" ||
			fail "full disk: the log does not say how much was saved"
		tail -n 1 "$dir/kdump-save.log" | grep -q "\] error: incomplete: .*vmcore.incomplete" ||
			fail "full disk: the last line: $(tail -n 1 "$dir/kdump-save.log")"
		[[ "$(sha256sum "$old/vmcore")" == "$sum" ]] || fail "full disk: the earlier dump changed"
		grep -qF "$marker" "$dir/vmcore-dmesg.txt" || fail "full disk: no vmcore-dmesg.txt"
		verify="$("$vmcore_tool" verify "$dir/vmcore.incomplete" 2>&1)"
		grep -q "incomplete" <<<"$verify" ||
			fail "full disk: vmcore verify does not call it incomplete: $verify"
		ok "full disk ($(stat -c %s "$dir/vmcore.incomplete") bytes kept as vmcore.incomplete)"
	fi
else
	log "skipped: full disk (no tmpfs)"
fi

# ---- 3. a kdump.conf others may write is refused: the defaults save the dump ----
root="$(tmpfs_dir unsafe "$big")" || exit 1
config="$(conf unsafe "path /elsewhere
kdump_pre /bin/sh -c 'echo pwned >$work/pwned'")"
chmod 0666 "$config"
save "$config" "$input" "$root"
if [[ "$rc" != 0 ]] || [[ -e "$work/pwned" ]] ||
	! find "$root/var/crash" -name vmcore -type f | grep -q .; then
	fail "unsafe config: exit $rc, or its hook ran, or no dump in /var/crash"
	cat "$work/out" >&2
else
	grep -q "writable" "$work/out" || fail "unsafe config: no message about it"
	ok "a group/world-writable kdump.conf is refused"
fi

# ---- 4. raw: capture to a loop device, recover, nothing pending afterwards ----
if [[ "$mounts" == 1 ]] && truncate -s "$big" "$work/raw.img" &&
	loopdev="$(losetup -f --show "$work/raw.img" 2>/dev/null)"; then
	root="$(tmpfs_dir raw "$big")" || exit 1
	config="$(conf raw "raw $loopdev
path /var/crash")"
	save "$config" "$input" "$root"
	raw_rc=$rc
	"$ksave" --config "$config" --no-kmsg --recover-raw "$loopdev" --root "$root" \
		2>"$work/recover.out"
	rec_rc=$?
	"$ksave" --config "$config" --no-kmsg --recover-raw "$loopdev" --root "$root" \
		2>"$work/again.out"
	again_rc=$?
	dir="$(find "$root/var/crash" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
	if [[ "$raw_rc" != 0 || "$rec_rc" != 0 || -z "$dir" ]]; then
		fail "raw: capture exit $raw_rc, recovery exit $rec_rc"
		cat "$work/out" "$work/recover.out" >&2
	else
		"$vmcore_tool" verify -q "$dir/vmcore" || fail "raw: the recovered dump does not verify"
		grep -qF "$marker" "$dir/vmcore-dmesg.txt" || fail "raw: no vmcore-dmesg.txt"
		grep -q "saved: the flattened stream on raw $loopdev" "$dir/kdump-save.log" ||
			fail "raw: the capture's log is not in kdump-save.log"
		if [[ "$again_rc" != 0 ]] || ! grep -q "no dump is pending" "$work/again.out"; then
			fail "raw: the device was not cleared"
		fi
		ok "raw round trip on $loopdev"
	fi
else
	log "skipped: raw (no loop device or no tmpfs)"
fi

# ---- 5. the collector killed part way (SIGKILL from outside, once the dump has grown) ----
if [[ "$mounts" == 1 ]]; then
	if [[ -n "$real" ]]; then
		killin="$input" grown=33554432
	else
		# 128 MiB of random bytes: a second or two of zlib, long enough to catch it writing
		killin="$work/agent-128m.vmcore" grown=16777216
		if ! "$mkvmcore" -o "$killin" "$specs/agent-elf-128m.spec" ||
			! dd if=/dev/urandom of="$killin" bs=1M seek=1 count=127 conv=notrunc status=none; then
			log "mkvmcore failed"
			exit 1
		fi
	fi
	root="$(tmpfs_dir killed 1G)" || exit 1
	old="$root/var/crash/old-2020-01-01-00:00:00"
	mkdir -p "$old" && chmod 0700 "$root/var/crash" "$old"
	echo "an earlier dump" >"$old/vmcore" && echo "old log" >"$old/kdump-save.log"
	sum="$(sha256sum "$old/vmcore")"
	config="$(conf killed 'path /var/crash
core_collector makedumpfile-lite -c -d 0 --num-threads 1')"
	"$ksave" --config "$config" --vmcore "$killin" --root "$root" --proc "$work/proc" \
		--no-action --no-kmsg 2>"$work/out" &
	agent=$!
	# the collector is the agent's only child: once the dump has grown, SIGKILL it
	for _ in $(seq 1 1000); do
		f="$(find "$root/var/crash" -name vmcore.incomplete 2>/dev/null | head -n 1)"
		[[ -n "$f" && "$(stat -c %s "$f" 2>/dev/null || echo 0)" -gt "$grown" ]] && break
		sleep 0.01
	done
	child="$(pgrep -P "$agent" | head -n 1)"
	[[ -n "$child" ]] && kill -KILL "$child"
	wait "$agent"
	rc=$?
	dir="$(find "$root/var/crash" -mindepth 1 -maxdepth 1 -type d ! -name 'old-*' | head -n 1)"
	if [[ -z "$child" || "$rc" != 3 || -z "$dir" ]]; then
		fail "killed collector: child '$child', exit $rc (expected 3)"
		cat "$work/out" >&2
	else
		grep -q "the collector died of signal 9" "$dir/kdump-save.log" ||
			fail "killed collector: the log does not say so"
		tail -n 1 "$dir/kdump-save.log" | grep -q "\] error: incomplete: .*vmcore.incomplete" ||
			fail "killed collector: the last line: $(tail -n 1 "$dir/kdump-save.log")"
		[[ ! -e "$dir/vmcore" ]] || fail "killed collector: a vmcore exists"
		[[ "$(stat -c %a "$dir/vmcore.incomplete")" == 600 ]] ||
			fail "killed collector: vmcore.incomplete is not 0600"
		[[ "$(info_field "$dir/vmcore.incomplete" marked_incomplete)" == true ]] ||
			fail "killed collector: not marked incomplete"
		if [[ -n "$real" ]]; then
			"$vmcore_tool" dmesg "$dir/vmcore.incomplete" 2>/dev/null | grep -qF "$marker" ||
				fail "killed collector: the partial dump does not read"
		else
			# (the synthetic dump has no page tables: its log is read by physical address)
			page="$("$vmcore_tool" read "$dir/vmcore.incomplete" --phys 0x2000 --size 256 \
				--raw | tr -d '\0')"
			grep -qF "$marker" <<<"$page" || fail "killed collector: the partial dump does not read"
		fi
		verify="$("$vmcore_tool" verify "$dir/vmcore.incomplete" 2>&1)"
		grep -q "pages to dump were not saved" <<<"$verify" ||
			fail "killed collector: vmcore verify does not say what is missing: $verify"
		[[ "$(sha256sum "$old/vmcore")" == "$sum" ]] ||
			fail "killed collector: the earlier dump changed"
		ok "collector killed part way: $(stat -c %s "$dir/vmcore.incomplete") bytes kept as vmcore.incomplete"
	fi
	rm -f "$work/agent-128m.vmcore"
fi

if [[ "$failures" -gt 0 ]]; then
	log "$failures failure(s)"
	exit 1
fi
log "all passed"
