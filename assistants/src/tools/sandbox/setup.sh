#!/bin/sh
# Builds a code-tool sandbox and runs one command in it. Started by sandbox.ts as
#   timeout -s KILL <s> unshare --mount --pid --fork --kill-child --ipc --uts [--net] -- /bin/sh setup.sh ARGS -- CMD...
# so this script runs as root, as pid 1 of a fresh pid namespace, in a private mount namespace.
# It mounts a minimal root (tmpfs) holding /usr read-only, a few /etc files, /dev nodes, a private
# /tmp, a fresh /proc (only this namespace's processes) and the workspace at /workspace, pivots
# into it, then runs CMD as the workspace's own unprivileged uid with no capabilities,
# no_new_privs and resource limits. It stays pid 1 (as root) so that when the command ends, or
# when sandbox.ts kills `unshare` (this process then gets SIGKILL through --kill-child), the
# kernel kills every process left in the namespace.
# (The command runs in the background so this shell stays pid 1; its stdin is passed explicitly
# through fd 4 because sh gives background jobs /dev/null otherwise.)
# Protocol on fd 3: "R" once the sandbox is built, then "X<status>" when the command ended.
set -eu

root=$1 ws=$2 uid=$3 gid=$4 nproc=$5 cpu=$6 as=$7 fsize=$8 nofile=$9
shift 9
tmpsize=$1 nbinds=$2
shift 2

ro_bind() { # ro_bind HOST TARGET: bind HOST read-only at TARGET inside the new root
  if [ -d "$1" ]; then mkdir -p "$2"; else mkdir -p "$(dirname "$2")"; : > "$2"; fi
  mount --bind "$1" "$2"
  mount -o remount,bind,ro,nosuid,nodev "$2"
}

mount -t tmpfs -o size=8m,mode=755,nosuid,nodev sandbox-root "$root"
ro_bind /usr "$root/usr"
for l in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$root/$l"
  elif [ -d "/$l" ]; then ro_bind "/$l" "$root/$l"
  fi
done

# /etc: only what the dynamic linker and coreutils need, plus a passwd naming the sandbox user.
mkdir -p "$root/etc"
for f in ld.so.cache ld.so.conf ld.so.conf.d alternatives localtime; do
  if [ -e "/etc/$f" ]; then ro_bind "/etc/$f" "$root/etc/$f"; fi
done
printf 'root:x:0:0::/:/usr/sbin/nologin\nsandbox:x:%s:%s::/workspace:/bin/bash\n' "$uid" "$gid" > "$root/etc/passwd"
printf 'root:x:0:\nsandbox:x:%s:\n' "$gid" > "$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' > "$root/etc/nsswitch.conf"

mkdir -p "$root/dev"
for n in null zero full random urandom; do
  : > "$root/dev/$n"
  mount --bind "/dev/$n" "$root/dev/$n"
done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

mkdir -p "$root/tmp" "$root/proc" "$root/workspace"
mount -t tmpfs -o "size=$tmpsize,mode=1777,nosuid,nodev" sandbox-tmp "$root/tmp"
mount --bind "$ws" "$root/workspace"
mount -o remount,bind,nosuid,nodev "$root/workspace"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"

i=0
while [ "$i" -lt "$nbinds" ]; do
  ro_bind "$1" "$root$2"
  shift 2
  i=$((i + 1))
done
[ "$1" = "--" ] && shift

cd "$root"
mkdir .old-root
pivot_root . .old-root
umount -l /.old-root
rmdir /.old-root
mount -o remount,bind,ro / 2>/dev/null || true
cd /workspace

printf R >&3
status=0
exec 4<&0
setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- \
  prlimit --nproc="$nproc" --cpu="$cpu:$((cpu + 1))" --as="$as" --fsize="$fsize" --nofile="$nofile" --core=0 -- \
  "$@" <&4 4<&- 3>&- &
wait $! || status=$?
printf 'X%s' "$status" >&3
exit "$status"
