#!/usr/bin/env bash
# Installs the tools the tests use, from Debian packages, when they are missing.
set -euo pipefail

missing=()
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
# Debian's maven package brings a Java runtime, not the compiler the build needs
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
# provider-ova's tests serve OVAs over HTTPS with basic auth from a real nginx; openssl makes the
# throw-away CA
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# the operator tests' kubelet runs each container in a process group of its own (setsid) and
# kills the whole group (kill -KILL -- -pgid), as a container runtime would
command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
# provider-vmware's build-vcsim.sh builds one at a time per cache directory (flock, util-linux too)
command -v flock >/dev/null 2>&1 || missing+=(util-linux)
[ -x /bin/kill ] || [ -x /usr/bin/kill ] || missing+=(procps)

# boot-check: the test guest is built with mmdebstrap and booted under QEMU (BIOS and OVMF);
# without recommends, which would pull in a desktop's worth of QEMU's optional parts
boot_missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || boot_missing+=(qemu-system-x86)
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || boot_missing+=(ovmf)
command -v mmdebstrap >/dev/null 2>&1 || boot_missing+=(mmdebstrap)
command -v mcopy >/dev/null 2>&1 || boot_missing+=(mtools)
for tool in mkfs.fat:dosfstools sfdisk:fdisk mke2fs:e2fsprogs; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "${tool%%:*}" >/dev/null 2>&1 || boot_missing+=("${tool#*:}")
done
# guest conversion (converter-virt-v2v, boot-check's converted-guest ITs): virt-v2v-in-place runs
# nbdkit, which Debian's virt-v2v does not pull in; libguestfs boots its appliance with a kernel
# from /boot, so the machine needs one even in a container
command -v virt-v2v-in-place >/dev/null 2>&1 || boot_missing+=(virt-v2v)
command -v guestfish >/dev/null 2>&1 || boot_missing+=(libguestfs-tools)
command -v nbdkit >/dev/null 2>&1 || boot_missing+=(nbdkit)
ls /boot/vmlinuz-* >/dev/null 2>&1 || boot_missing+=(linux-image-amd64)

if [ $((${#missing[@]} + ${#boot_missing[@]})) -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps.sh: missing ${missing[*]} ${boot_missing[*]}; installing packages needs root:" >&2
    [ ${#missing[@]} -eq 0 ] || echo "  run it as root, or: sudo apt-get install ${missing[*]}" >&2
    [ ${#boot_missing[@]} -eq 0 ] ||
      echo "  run it as root, or: sudo apt-get install --no-install-recommends ${boot_missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ${#boot_missing[@]} -gt 0 ]; then
    echo "installing ${boot_missing[*]} (without recommends)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${boot_missing[@]}" >/dev/null
  fi
fi
