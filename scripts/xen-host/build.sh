#!/usr/bin/env bash
# Build the Xen 4.17 test host images from Debian 12 packages only.
#
# Output (in $XEN_HOST_DIR, default <repo>/.xen-host, gitignored):
#   out/xen              gunzipped xen-4.17-amd64 (multiboot kernel for qemu -kernel)
#   out/vmlinuz          Debian dom0 kernel (linux-image-6.1.0-*-amd64)
#   out/dom0-initrd.gz   dom0 root (busybox, xl + xenstored + xenconsoled, dropbear,
#                        modules, /init, /root/{vmlinuz,domU-initrd.gz,domu.cfg})
#   ssh/id_ed25519       client key authorised in dom0 (root)
#   ssh/host_key.pub     dom0's dropbear host key (public part, OpenSSH format)
#   debs/                downloaded .debs (cache); root/ their extraction
#
# Idempotent: the packages are downloaded once (debs/.complete) and the images are
# rebuilt only when this script, the init scripts or the package set changed
# (out/.stamp). FORCE=1 rebuilds the images, REFRESH=1 also re-downloads.
# Needs root (for dpkg-deb -x ownership and apt-get download), apt-get, gzip, ssh-keygen.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
W=${XEN_HOST_DIR:-$REPO/.xen-host}
DEBS=$W/debs
ROOT=$W/root
OUT=$W/out
STAGE=$W/stage
export DEBIAN_FRONTEND=noninteractive

log() { printf '[xen-host build %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"
command -v apt-get >/dev/null || die "apt-get not found (Debian 12 host required)"
command -v ssh-keygen >/dev/null || die "ssh-keygen not found (apt-get install openssh-client)"

mkdir -p "$W" "$DEBS" "$OUT" "$W/ssh"
exec 9>"$W/build.lock"
flock 9

T0=$(date +%s.%N)

# Fixed package set (the linux-image is resolved from linux-image-amd64 at download time).
PKGS=(
  xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
  libxenmisc4.17 libxenstore4 libxencall1 libxenevtchn1 libxenforeignmemory1
  libxengnttab1 libxentoollog1 libxenhypfs1 libxendevicemodel1 libxentoolcore1
  libyajl2 libext2fs2 liblzma5 libuuid1 libzstd1 zlib1g libc6 libgcc-s1
  libncurses6 libtinfo6 libgmp10
  busybox-static dropbear-bin libcrypt1 libtomcrypt1 libtommath1
)
# dom0 kernel modules, loaded in this order by /init.
MODULES=(xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc e1000)

# ---------------------------------------------------------------- 1. packages
if [ "${REFRESH:-0}" = 1 ] || [ ! -f "$DEBS/.complete" ]; then
  log "apt-get update"
  apt-get update -qq
  KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$KPKG" ] || die "cannot resolve linux-image-amd64's kernel package"
  log "downloading ${#PKGS[@]} packages + $KPKG"
  rm -f "$DEBS"/*.deb "$DEBS/.complete"
  # apt drops privileges to _apt; let it write here.
  chmod 777 "$DEBS" 2>/dev/null || true
  (cd "$DEBS" && apt-get download -q "${PKGS[@]}" "$KPKG" >/dev/null)
  chmod 755 "$DEBS"
  ls "$DEBS"/*.deb | sed 's#.*/##' | sort >"$DEBS/.complete"
  rm -rf "$ROOT"
fi

DEBLIST=$(cat "$DEBS/.complete")
STAMP=$( { echo "$DEBLIST"; cat "$HERE/build.sh" "$HERE/dom0-init.sh" "$HERE/domu-init.sh"; } | sha256sum | cut -c1-16)

if [ "${FORCE:-0}" != 1 ] && [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$STAMP" ] \
   && [ -s "$OUT/xen" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/dom0-initrd.gz" ] \
   && [ -s "$W/ssh/id_ed25519" ]; then
  log "images up to date (stamp $STAMP)"
  exit 0
fi

# ---------------------------------------------------------------- 2. extract
if [ ! -f "$ROOT/.complete" ]; then
  log "extracting packages"
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  for d in "$DEBS"/*.deb; do dpkg-deb -x "$d" "$ROOT"; done
  touch "$ROOT/.complete"
fi

KVER=$(ls "$ROOT/lib/modules" | head -n1)
[ -n "$KVER" ] && [ -f "$ROOT/boot/vmlinuz-$KVER" ] || die "no kernel in $ROOT/boot"
XENBIN=/usr/lib/xen-4.17/bin
LDSO=$ROOT/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
LIBPATH=$ROOT/lib/x86_64-linux-gnu:$ROOT/usr/lib/x86_64-linux-gnu
BB=$ROOT/bin/busybox
[ -x "$BB" ] && [ -x "$LDSO" ] || die "busybox or ld.so missing from extraction"

# ---------------------------------------------------------------- 3. keys
if [ ! -s "$W/ssh/id_ed25519" ]; then
  log "generating client ssh key"
  rm -f "$W/ssh/id_ed25519" "$W/ssh/id_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C virtkit-xen-host -f "$W/ssh/id_ed25519"
fi
if [ ! -s "$W/ssh/dropbear_ed25519_host_key" ]; then
  log "generating dom0 host key (dropbearkey)"
  "$LDSO" --library-path "$LIBPATH" "$ROOT/usr/bin/dropbearkey" -t ed25519 \
      -f "$W/ssh/dropbear_ed25519_host_key" >/dev/null 2>&1
fi
"$LDSO" --library-path "$LIBPATH" "$ROOT/usr/bin/dropbearkey" -y \
    -f "$W/ssh/dropbear_ed25519_host_key" 2>/dev/null | awk '/^ssh-ed25519 /{print $1, $2}' \
    >"$W/ssh/host_key.pub"
[ -s "$W/ssh/host_key.pub" ] || die "could not read dropbear host key"

# ---------------------------------------------------------------- helpers
# Copy the shared-library closure of binaries (resolved inside $ROOT only) to $1/lib/...
copy_libs() {
  local dest=$1; shift
  local b line lib
  for b in "$@"; do
    while read -r line; do
      case $line in
        *"=> not found"*) die "unresolved library for $b: $line" ;;
        *linux-vdso*|"") continue ;;
        *"=> "*) lib=${line#*=> }; lib=${lib%% (*} ;;
        *) continue ;;
      esac
      case $lib in
        "$ROOT"/*) ;;
        lib64/*|/lib64/*) continue ;;   # the interpreter; copied explicitly
        *) die "library of $b resolved outside the Debian extraction: $lib" ;;
      esac
      [ -e "$dest/lib/x86_64-linux-gnu/$(basename "$lib")" ] || \
        cp -L "$lib" "$dest/lib/x86_64-linux-gnu/$(basename "$lib")"
    done < <("$LDSO" --library-path "$LIBPATH" --list "$b")
  done
}

bb_links() {   # busybox + applet symlinks in $1
  local dest=$1 a
  install -D -m755 "$BB" "$dest/bin/busybox"
  for a in $("$BB" --list-full); do
    [ -e "$dest/$a" ] || { mkdir -p "$dest/$(dirname "$a")"; ln -s /bin/busybox "$dest/$a"; }
  done
}

mkcpio() {     # mkcpio <dir> <out.gz>
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) \
    | gzip -6 -n >"$2.tmp"
  mv "$2.tmp" "$2"
}

# ---------------------------------------------------------------- 4. domU initrd
log "building domU initrd"
rm -rf "$STAGE"; mkdir -p "$STAGE/domu" "$STAGE/dom0"
D=$STAGE/domu
mkdir -p "$D"/{proc,sys,dev,tmp,root,etc}
bb_links "$D"
rm -f "$D/sbin/poweroff"
printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' >"$D/sbin/poweroff"
chmod 755 "$D/sbin/poweroff"
install -m755 "$HERE/domu-init.sh" "$D/init"
mkcpio "$D" "$STAGE/domU-initrd.gz"

# ---------------------------------------------------------------- 5. dom0 initrd
log "building dom0 initrd (kernel $KVER)"
R=$STAGE/dom0
mkdir -p "$R"/{proc,sys,dev,tmp,run,root/.ssh,etc/dropbear,etc/xen,lib/x86_64-linux-gnu,lib64,lib/modules} \
         "$R"/{usr/bin,usr/sbin,var/lib/xen,var/log/xen,var/lock,$XENBIN}
ln -s /run "$R/var/run"
chmod 700 "$R/root" "$R/root/.ssh"
chmod 1777 "$R/tmp"
bb_links "$R"

BINS=()
for b in xl xenstored xenconsoled xen-init-dom0 xenconsole libxl-save-helper; do
  install -m755 "$ROOT$XENBIN/$b" "$R$XENBIN/$b"; BINS+=("$ROOT$XENBIN/$b")
done
install -m755 "$ROOT/usr/sbin/dropbear" "$R/usr/sbin/dropbear"; BINS+=("$ROOT/usr/sbin/dropbear")
install -m755 "$ROOT/usr/bin/xenstore" "$R/usr/bin/xenstore"; BINS+=("$ROOT/usr/bin/xenstore")
for t in chmod exists list ls read rm watch write control; do ln -s xenstore "$R/usr/bin/xenstore-$t"; done
for b in xl xenstored xenconsoled xen-init-dom0 xenconsole; do ln -sf "$XENBIN/$b" "$R/usr/sbin/$b"; done

copy_libs "$R" "${BINS[@]}"
# pthread_cancel dlopen()s libgcc_s; without it `xl create` aborts.
cp -L "$ROOT/lib/x86_64-linux-gnu/libgcc_s.so.1" "$R/lib/x86_64-linux-gnu/"
cp -L "$LDSO" "$R/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/lib64/ld-linux-x86-64.so.2"
cp "$ROOT/etc/xen/xl.conf" "$R/etc/xen/xl.conf"

# kernel modules (flat), with a check that their dependencies are in the list
for m in "${MODULES[@]}"; do
  f=$(find "$ROOT/lib/modules/$KVER/kernel" -name "$m.ko*" | head -n1)
  [ -n "$f" ] || die "module $m not found in linux-image $KVER"
  case $f in *.ko) ;; *) die "compressed module $f not supported" ;; esac
  cp "$f" "$R/lib/modules/$m.ko"
  deps=$(grep -a -o 'depends=[^[:cntrl:]]*' "$f" | head -n1 | cut -d= -f2 | tr , ' ')
  for dep in $deps; do
    case " ${MODULES[*]} " in *" $dep "*) ;; *) die "module $m needs $dep (add it to MODULES)" ;; esac
  done
done
printf '%s\n' "${MODULES[@]}" >"$R/etc/modules"

# users, ssh
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
echo 'root:*:19000:0:99999:7:::' >"$R/etc/shadow"; chmod 600 "$R/etc/shadow"
echo 'root:x:0:' >"$R/etc/group"
printf '/bin/sh\n/bin/ash\n' >"$R/etc/shells"
echo xen-host >"$R/etc/hostname"
printf '127.0.0.1 localhost xen-host\n' >"$R/etc/hosts"
install -m600 "$W/ssh/id_ed25519.pub" "$R/root/.ssh/authorized_keys"
install -m600 "$W/ssh/dropbear_ed25519_host_key" "$R/etc/dropbear/dropbear_ed25519_host_key"
cat >"$R/root/.profile" <<EOF
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$XENBIN
EOF

# PV domU payload
cp "$ROOT/boot/vmlinuz-$KVER" "$R/root/vmlinuz"
cp "$STAGE/domU-initrd.gz" "$R/root/domU-initrd.gz"
cat >"$R/root/domu.cfg" <<'EOF'
# Example PV guest: Debian's dom0 kernel + a busybox initrd that prints
# "DOMU-ALIVE <kernel release>" on hvc0 and idles. /sbin/poweroff exists, so
# `xl shutdown` works.
name    = "domU"
type    = "pv"
kernel  = "/root/vmlinuz"
ramdisk = "/root/domU-initrd.gz"
cmdline = "console=hvc0 rdinit=/init quiet"
memory  = 128
vcpus   = 1
on_poweroff = "destroy"
on_reboot   = "restart"
on_crash    = "preserve"
EOF

install -m755 "$HERE/dom0-init.sh" "$R/init"
echo "$STAMP" >"$R/etc/xen-host-build"

log "packing dom0 initrd"
mkcpio "$R" "$OUT/dom0-initrd.gz"
gzip -dc "$ROOT/boot/xen-4.17-amd64.gz" >"$OUT/xen.tmp" && mv "$OUT/xen.tmp" "$OUT/xen"
cp "$ROOT/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
rm -rf "$STAGE"
echo "$STAMP" >"$OUT/.stamp"

T1=$(date +%s.%N)
log "done in $(awk "BEGIN{printf \"%.1f\", $T1-$T0}") s: $(du -h "$OUT/dom0-initrd.gz" | cut -f1) dom0 initrd, kernel $KVER"
