#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The ssh target through the programs, against a real OpenSSH server this test starts on
# 127.0.0.1 and a free port (its own host key, authorized_keys and $HOME in a temporary
# directory; nothing of the host's ssh setup is read or changed):
#   kdumpctl propagate   refused without a terminal or --yes; with --yes: the key made, the
#                        host key pinned (the server's own), the key installed with the
#                        administrator's login (an ssh-agent), once
#   kdump-save           a synthetic vmcore to the server: vmcore-dmesg.txt, vmcore.flat and
#                        vmcore.flat.sha256 (sha256sum -c), kdump-save.log
#   kdumpctl list        the dump, complete, its kernel; an incomplete one with its reason
#   kdumpctl fetch       back, rebuilt with makedumpfile-lite -R, 'vmcore verify' accepts it
#   failures             the server down (list fails; kdump-save exits 5 by dump_to_rootfs,
#                        the reason in the fallback's log), a wrong host key pinned
# Usage: ssh-host.sh BUILDDIR SOURCEDIR. Exit 0, 1, 77 (no sshd, not root).
set -euo pipefail

build="$(cd "${1:?usage: ssh-host.sh BUILDDIR SOURCEDIR}" && pwd)"
src="$(cd "${2:?usage: ssh-host.sh BUILDDIR SOURCEDIR}" && pwd)"
KDUMPCTL="$build/kdump/ctl/kdumpctl"
KSAVE="$build/kdump/agent/kdump-save"
VMCORE="$build/vmcore/vmcore"
MKVMCORE="$build/tests/gen/mkvmcore"
VMCORE_CMP="$build/tests/tools/vmcore-cmp"
SPECS="$src/kdump/agent/tests/specs"

skip() { echo "skip: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

[[ "$(id -u)" == 0 ]] || skip "needs root (kdump.conf must be root's; sshd logs in as root)"
[[ -x /usr/sbin/sshd ]] || skip "no /usr/sbin/sshd (apt-get install openssh-server)"
for p in ssh ssh-keygen ssh-agent ssh-add sha256sum; do
    command -v "$p" >/dev/null || skip "no $p"
done
for p in "$KDUMPCTL" "$KSAVE" "$VMCORE" "$MKVMCORE" "$VMCORE_CMP" "$build/makedumpfile-lite/makedumpfile-lite"; do
    [[ -x "$p" ]] || skip "not built: $p"
done
export PATH="$build/makedumpfile-lite:$PATH"

tmp="$(mktemp -d /tmp/ssh-host.XXXXXX)"
sshd_pid="" agent_pid=""
cleanup() {
    [[ -z "$sshd_pid" ]] || kill "$sshd_pid" 2>/dev/null || true
    [[ -z "$agent_pid" ]] || kill "$agent_pid" 2>/dev/null || true
    if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

# ---- the server ----
mkdir -p "$tmp/srv/home/.ssh" "$tmp/srv/dumps" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$tmp/srv/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/srv/other_host_key"
ssh-keygen -q -t ed25519 -N '' -C admin -f "$tmp/admin_key"
cp "$tmp/admin_key.pub" "$tmp/srv/home/.ssh/authorized_keys"
cat >"$tmp/srv/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $tmp/srv/host_key
AuthorizedKeysFile $tmp/srv/home/.ssh/authorized_keys
SetEnv HOME=$tmp/srv/home
PidFile none
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
EOF
start_sshd() {
    /usr/sbin/sshd -D -e -f "$tmp/srv/sshd_config" -p "$port" 2>>"$tmp/srv/sshd.log" &
    sshd_pid=$!
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    fail "sshd did not start: $(cat "$tmp/srv/sshd.log")"
}
start_sshd

# The administrator's own login, as propagate uses it: an agent holding the admin key.
eval "$(ssh-agent -s -a "$tmp/agent.sock")" >/dev/null
agent_pid="$SSH_AGENT_PID"
ssh-add -q "$tmp/admin_key"

# ---- the system kdumpctl works on (--root) ----
root="$tmp/root"
mkdir -p "$root/etc"
cat >"$root/etc/kdump.conf" <<EOF
ssh root@127.0.0.1:$port
path $tmp/srv/dumps
failure_action dump_to_rootfs
EOF
chmod 0644 "$root/etc/kdump.conf"
ctl() { "$KDUMPCTL" --root "$root" "$@"; }

# propagate without a terminal and without --yes: nothing is trusted blindly
rc=0
ctl propagate </dev/null >"$tmp/out" 2>&1 || rc=$?
[[ "$rc" == 1 ]] || fail "propagate without --yes: exit $rc: $(cat "$tmp/out")"
grep -q "no host key of \[127.0.0.1\]:$port is pinned" "$tmp/out" || fail "propagate: $(cat "$tmp/out")"
[[ ! -e "$root/var/lib/kdump-suite/known_hosts" ]] || fail "propagate pinned a key without asking"
grep -q "created the key" "$tmp/out" || fail "propagate: $(cat "$tmp/out")"
ok "propagate refuses to pin a host key without a terminal or --yes"

ctl propagate --yes </dev/null >"$tmp/out" 2>&1 || fail "propagate --yes: $(cat "$tmp/out")"
key="$root/root/.ssh/kdump_id_ed25519"
[[ -f "$key" && -f "$key.pub" ]] || fail "no key made: $(cat "$tmp/out")"
[[ "$(stat -c %a "$key")" == 600 ]] || fail "the key is mode $(stat -c %a "$key")"
grep -q "^ready: " "$tmp/out" || fail "propagate: $(cat "$tmp/out")"
# the pinned key is the server's own
pinned="$(awk '{print $2, $3}' "$root/var/lib/kdump-suite/known_hosts")"
[[ "$pinned" == "$(awk '{print $1, $2}' "$tmp/srv/host_key.pub")" ]] ||
    fail "pinned '$pinned', the server has $(cat "$tmp/srv/host_key.pub")"
grep -q "^\[127.0.0.1\]:$port " "$root/var/lib/kdump-suite/known_hosts" || fail "known_hosts name"
grep -qxF "$(cat "$key.pub")" "$tmp/srv/home/.ssh/authorized_keys" || fail "the key is not installed"
ok "propagate --yes: key made, installed, the server's host key pinned"

# again: the pinned key is used (no --yes needed), the key is not added twice
ctl propagate </dev/null >"$tmp/out" 2>&1 || fail "propagate again: $(cat "$tmp/out")"
grep -q "using the key" "$tmp/out" || fail "propagate again: $(cat "$tmp/out")"
grep -q KDUMP-KEY-PRESENT "$tmp/out" || fail "propagate again: $(cat "$tmp/out")"
[[ "$(wc -l <"$tmp/srv/home/.ssh/authorized_keys")" == 2 ]] || fail "authorized_keys grew"
ok "propagate again: nothing added, the pinned host key checked"

# ---- the capture: kdump-save as in the capture initramfs ----
"$MKVMCORE" -o "$tmp/vmcore" "$SPECS/agent-elf.spec"
# the agent's copy of the configuration names the key where the initramfs has it
sed "1a sshkey $key" "$root/etc/kdump.conf" >"$tmp/capture.conf"
chmod 0644 "$tmp/capture.conf"
kh="$root/var/lib/kdump-suite/known_hosts"
save() {
    "$KSAVE" --config "$tmp/capture.conf" --vmcore "$tmp/vmcore" --root "$root" \
        --no-action --no-kmsg --known-hosts "$kh" "$@"
}
save >"$tmp/save.out" 2>&1 || fail "kdump-save: exit $?: $(cat "$tmp/save.out")"
name="agenthost-2023-11-14-22:13:20"
d="$tmp/srv/dumps/$name"
for f in vmcore-dmesg.txt vmcore.flat vmcore.flat.sha256 kdump-save.log; do
    [[ -f "$d/$f" ]] || fail "no $f on the server: $(cat "$tmp/save.out")"
done
[[ ! -e "$d/vmcore.flat.incomplete" ]] || fail "vmcore.flat.incomplete left"
(cd "$d" && sha256sum --quiet -c vmcore.flat.sha256) || fail "sha256sum -c"
grep -q "saved: $d/vmcore.flat on ssh root@127.0.0.1:$port" "$d/kdump-save.log" || fail "final line"
ok "kdump-save: vmcore.flat on the server, sha256sum -c passes"

# an incomplete one beside it: a stream cut short, as a capture that lost the server leaves it
bad="$tmp/srv/dumps/agenthost-2024-01-02-03:04:05"
mkdir "$bad"
head -c 100000 "$d/vmcore.flat" >"$bad/vmcore.flat.incomplete"
cp "$d/vmcore-dmesg.txt" "$bad/"
printf 'error: incomplete: the stream to 127.0.0.1 was cut after 97.7 KiB (test)\n' >"$bad/kdump-save.log"

# ---- list ----
ctl list >"$tmp/list" 2>&1 || fail "list: $(cat "$tmp/list")"
grep -qE "complete +root@127.0.0.1:$tmp/srv/dumps/$name/vmcore.flat" "$tmp/list" || fail "list: $(cat "$tmp/list")"
grep -q "6.1.0-agent-test" "$tmp/list" || fail "list: no kernel release: $(cat "$tmp/list")"
grep -qE "incomplete +root@127.0.0.1:.*/agenthost-2024-01-02-03:04:05/vmcore.flat.incomplete" "$tmp/list" ||
    fail "list: $(cat "$tmp/list")"
grep -q "the stream to 127.0.0.1 was cut" "$tmp/list" || fail "list: no reason: $(cat "$tmp/list")"
ctl list --json >"$tmp/list.json" || fail "list --json"
/usr/bin/python3 - "$tmp/list.json" <<'EOF' || fail "list --json: $(cat "$tmp/list.json")"
import json, sys
d = json.load(open(sys.argv[1]))
states = {x["name"]: x["state"] for x in d["dumps"]}
assert states == {"agenthost-2023-11-14-22:13:20": "complete",
                  "agenthost-2024-01-02-03:04:05": "incomplete"}, states
EOF
ok "list: the dumps on the server, complete and incomplete (with the reason)"

# ---- fetch ----
ctl fetch "$name" "$tmp/fetched" >"$tmp/fetch" 2>&1 || fail "fetch: $(cat "$tmp/fetch")"
f="$tmp/fetched/$name"
[[ -f "$f/vmcore" && -f "$f/vmcore-dmesg.txt" && -f "$f/kdump-save.log" ]] || fail "fetch: $(ls -l "$f")"
[[ ! -e "$f/vmcore.flat" ]] || fail "fetch kept the stream"
grep -q "sha256 .* matches vmcore.flat.sha256" "$tmp/fetch" || fail "fetch: $(cat "$tmp/fetch")"
"$VMCORE" verify "$f/vmcore" >"$tmp/verify" 2>&1 || fail "vmcore verify: $(cat "$tmp/verify")"
# every page the capture saw is in the fetched dump, byte for byte
"$VMCORE_CMP" "$tmp/vmcore" "$f/vmcore" >"$tmp/cmp" 2>&1 || fail "vmcore-cmp: $(cat "$tmp/cmp")"
grep -q "KDUMP-AGENT-TEST marker" "$f/vmcore-dmesg.txt" || fail "vmcore-dmesg.txt"
ok "fetch: rebuilt with makedumpfile-lite -R, vmcore verify accepts it"

rc=0
ctl fetch agenthost-2024-01-02-03:04:05 "$tmp/fetched" >"$tmp/fetch2" 2>&1 || rc=$?
[[ "$rc" == 1 && -f "$tmp/fetched/agenthost-2024-01-02-03:04:05/vmcore.incomplete" ]] ||
    fail "fetch incomplete: exit $rc: $(cat "$tmp/fetch2")"
ok "fetch of an incomplete dump: vmcore.incomplete, exit 1"

rc=0
ctl fetch "$name" "$tmp/fetched" >"$tmp/fetch3" 2>&1 || rc=$?
if [[ "$rc" != 1 ]] || ! grep -q "File exists" "$tmp/fetch3"; then
    fail "fetch over an existing one: $rc: $(cat "$tmp/fetch3")"
fi
ok "fetch never writes over an earlier copy"

# ---- a host key that is not the pinned one ----
awk -v n="[127.0.0.1]:$port" '{print n, $1, $2}' "$tmp/srv/other_host_key.pub" >"$tmp/wrong_known_hosts"
rc=0
"$KSAVE" --config "$tmp/capture.conf" --vmcore "$tmp/vmcore" --root "$root" --no-action \
    --no-kmsg --known-hosts "$tmp/wrong_known_hosts" >"$tmp/save2.out" 2>&1 || rc=$?
[[ "$rc" == 5 ]] || fail "wrong host key: exit $rc: $(cat "$tmp/save2.out")"
grep -q "the host key of 127.0.0.1 is not the one pinned" "$tmp/save2.out" || fail "$(cat "$tmp/save2.out")"
ok "a host key that is not the pinned one: refused, dump_to_rootfs (exit 5)"

# ---- the server down ----
kill "$sshd_pid"
wait "$sshd_pid" 2>/dev/null || true
sshd_pid=""
rc=0
ctl list >"$tmp/list2" 2>&1 || rc=$?
if [[ "$rc" != 1 ]] || ! grep -q "cannot list" "$tmp/list2"; then
    fail "list with the server down: $rc $(cat "$tmp/list2")"
fi
# ... and still shows what failure_action dump_to_rootfs saved here (the wrong host key's)
grep -qE "complete +$tmp/srv/dumps/$name/vmcore\$" "$tmp/list2" ||
    fail "list with the server down: no local fallback: $(cat "$tmp/list2")"
rc=0
t0=$SECONDS
save --net-timeout 3 >"$tmp/save3.out" 2>&1 || rc=$?
[[ "$rc" == 5 ]] || fail "server down: exit $rc: $(cat "$tmp/save3.out")"
(( SECONDS - t0 < 60 )) || fail "server down: took $((SECONDS - t0)) s"
# the second fallback of the same crash: NAME.2 on the root filesystem
log="$root$tmp/srv/dumps/$name.2/kdump-save.log"
grep -q "no dump saved: cannot reach 127.0.0.1:$port" "$log" || fail "fallback log: $(cat "$log")"
grep -q "saved (by failure_action dump_to_rootfs)" "$log" || fail "fallback log: $(cat "$log")"
ok "the server down: list fails (the local fallback still listed), kdump-save falls back (exit 5) with the reason in its log"

# the next boot: status says what happened to the last capture
ctl status >"$tmp/status" 2>&1 || true
grep -q "warning last-capture-failed: the last capture could not save to the target and failure_action dump_to_rootfs saved it in $tmp/srv/dumps/$name.2 instead: no dump saved: cannot reach 127.0.0.1:$port" "$tmp/status" ||
    fail "status: $(cat "$tmp/status")"
ok "status: the last capture fell back to the root filesystem, and why"
echo "all passed"
