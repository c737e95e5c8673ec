#!/usr/bin/env bash
# The main job against a real vSphere API, as a newcomer runs it on a fresh Debian machine:
#   1. builds vcsim/govc (test-peer/vcsim/build-vcsim.sh), the vmimport CLI and provider-vmware;
#   2. makes a throw-away CA and starts vcsim on 127.0.0.1 serving a certificate it signed
#      (vmimport verifies TLS with that CA from the Secret: no insecure mode);
#   3. shapes VM "web01" (EFI, 2 vCPU, 1 GiB, a vmxnet3 NIC on a DVS portgroup) whose disk is a real
#      streamOptimized VMDK made from known content;
#   4. writes resources.yaml (Secret + VmwareSource + VirtualMachineImport) and runs
#      `vmimport validate`, `vmimport inspect` and `vmimport import --output-dir` with progress;
#   5. checks the converted disk against the known content, prints where the results are and the
#      commands to try next, and stops vcsim (by its PID, also on failure) unless --keep-running.
#   With --boot, then: builds a small Debian guest shaped like a VMware VM (boot-check's script,
#   cached), makes it the disk of VM "db01" on an NVMe controller, imports it (NVMe becomes bus
#   virtio, so the guest is converted with virt-v2v-in-place), and boots the imported disk under
#   QEMU on the bus the imported VM names, until the guest's console says it is up.
# Every step says how long it took.
# Usage: provider-vmware/test-peer/demo-vcsim.sh [--keep-running] [--boot] [OUTPUT_DIR]
#        (default: ./demo-vcsim-output); resources.yaml is kept in OUTPUT_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
keep_running=0
boot=0
out_arg=""
for arg in "$@"; do
  case "$arg" in
    --keep-running) keep_running=1 ;;
    --boot) boot=1 ;;
    -*) echo "usage: demo-vcsim.sh [--keep-running] [--boot] [OUTPUT_DIR]" >&2; exit 2 ;;
    *) out_arg="$arg" ;;
  esac
done
out="$(realpath -m "${out_arg:-$PWD/demo-vcsim-output}")"
vcsim_dir="${VCSIM_DIR:-$HOME/.cache/vcsim}"
work="$(mktemp -d)"
vcsim_pid=""
t0=$(date +%s)
step_start=$t0
# prints how long the step since the last call took
took() {
  local now; now=$(date +%s)
  echo "   ($1: $((now - step_start)) s)"
  step_start=$now
}
cleanup() {
  local status=$?
  if [ -n "$vcsim_pid" ] && kill -0 "$vcsim_pid" 2>/dev/null; then
    if [ "$keep_running" = 1 ] && [ "$status" = 0 ]; then
      echo "== vcsim keeps running (pid $vcsim_pid); stop it with: kill $vcsim_pid"
    else
      kill "$vcsim_pid"; wait "$vcsim_pid" 2>/dev/null || true; echo "== vcsim (pid $vcsim_pid) stopped"
    fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -x "$root/scripts/install-test-deps.sh" ]; then
  "$root/scripts/install-test-deps.sh"
fi
for tool in qemu-img openssl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install qemu-utils openssl)" >&2; exit 1; }
done

echo "== building vcsim and govc in $vcsim_dir"
"$here/vcsim/build-vcsim.sh" "$vcsim_dir"
govc="$vcsim_dir/bin/govc"

echo "== building vmimport (the CLI includes provider-vmware): about a minute the first time"
if ! build_log="$(cd "$root" && mvn -B -q -DskipTests -DskipITs -Dspotless.check.skip=true \
  -pl vmimport-cli -am package 2>&1)"; then
  printf '%s\n' "$build_log" | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^$' >&2
  echo "demo: building vmimport failed; see the messages above" >&2
  exit 1
fi
took "building vcsim and vmimport"

echo "== making a CA and a certificate for 127.0.0.1"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -keyout "$work/ca.key" -out "$work/ca.crt" \
  -subj "/CN=vmimport demo CA" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/server.key" -out "$work/server.csr" \
  -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/server.ext"
openssl x509 -req -days 1 -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
  -CAcreateserial -out "$work/server.crt" -extfile "$work/server.ext" 2>/dev/null

echo "== starting vcsim on 127.0.0.1"
"$vcsim_dir/bin/vcsim" -l 127.0.0.1:0 -username demo -password 's3cret-demo' \
  -tlscert "$work/server.crt" -tlskey "$work/server.key" > "$work/vcsim.out" 2>&1 &
vcsim_pid=$!
url=""
for _ in $(seq 1 60); do
  url="$(grep -o 'GOVC_URL=[^ ]*' "$work/vcsim.out" | head -1 | cut -d= -f2- || true)"
  [ -n "$url" ] && break
  kill -0 "$vcsim_pid" 2>/dev/null || { cat "$work/vcsim.out" >&2; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { echo "vcsim did not start in 30 s:" >&2; cat "$work/vcsim.out" >&2; exit 1; }
port="$(echo "$url" | sed -E 's#.*@127\.0\.0\.1:([0-9]+)/sdk#\1#')"
echo "vcsim pid $vcsim_pid at https://127.0.0.1:$port/sdk"
took "starting vcsim"
export GOVC_URL="$url" GOVC_TLS_CA_CERTS="$work/ca.crt"

echo "== shaping VM web01 with govc"
"$govc" dvs.portgroup.add -dvs DVS0 -type earlyBinding -nports 16 -vlan 100 PG-Prod >/dev/null
"$govc" folder.create /DC0/vm/Migrate >/dev/null
"$govc" vm.create -folder /DC0/vm/Migrate -pool /DC0/host/DC0_C0/Resources -ds LocalDS_0 \
  -c 2 -m 1024 -g ubuntu64Guest -firmware efi -net PG-Prod -net.adapter vmxnet3 \
  -net.address 00:50:56:aa:bb:01 -disk 256MB -on=false web01
"$govc" vm.change -vm web01 -annotation "demo web server"
qemu-img create -q -f raw "$work/web01.raw" 256M
for offset in 0 40 130 250; do
  dd if=/dev/urandom of="$work/web01.raw" bs=1M count=4 seek="$offset" conv=notrunc status=none
done
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/web01.raw" "$work/web01.vmdk"
"$govc" datastore.upload -ds LocalDS_0 "$work/web01.vmdk" web01/web01.vmdk >/dev/null
echo "web01's disk: a streamOptimized VMDK of $(du -h "$work/web01.vmdk" | cut -f1) holding 16 MiB of random data in 256 MiB"
took "shaping web01"

mkdir -p "$out"
cat > "$out/resources.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: vcsim-credentials
  namespace: default
stringData:
  username: demo
  password: s3cret-demo
  caCert: |
$(sed 's/^/    /' "$work/ca.crt")
---
apiVersion: migration.harvesterhci.io/v1beta1
kind: VmwareSource
metadata:
  name: vcsim
  namespace: default
spec:
  endpoint: https://127.0.0.1:$port/sdk
  dc: DC0
  credentials:
    name: vcsim-credentials
    namespace: default
---
apiVersion: migration.harvesterhci.io/v1beta1
kind: VirtualMachineImport
metadata:
  name: web01
  namespace: default
spec:
  virtualMachineName: web01
  folder: Migrate
  networkMapping:
  - sourceNetwork: PG-Prod
    destinationNetwork: default/vlan100
  sourceCluster:
    apiVersion: migration.harvesterhci.io/v1beta1
    kind: VmwareSource
    name: vcsim
    namespace: default
YAML
echo "== resources.yaml (the CA certificate shortened here)"
awk '/BEGIN CERTIFICATE/{print; print "      ..."; skip=1; next} /END CERTIFICATE/{skip=0} !skip' \
  "$out/resources.yaml" | sed 's/^/    /'

echo "== vmimport validate"
"$root/vmimport" validate -f "$out/resources.yaml"
echo "== vmimport inspect -o yaml"
"$root/vmimport" inspect -f "$out/resources.yaml" -o yaml
took "validate and inspect"
echo "== vmimport import --output-dir $out"
"$root/vmimport" import -f "$out/resources.yaml" --output-dir "$out"
took "import"

echo "== checking the converted disk against web01's content"
disk="$(ls "$out"/default/web01/disk-0.* | head -1)"
qemu-img compare -q "$disk" "$work/web01.raw" && echo "$(basename "$disk") = web01's disk, byte for byte"
echo
echo "converted disk:     $disk"
echo "VM description:     $(ls "$out"/default/web01/*.json | head -1)"
echo "Harvester manifests: $out/default/web01/images.yaml, manifests.yaml (how to apply: README.md)"
echo "resources:          $out/resources.yaml"
ls -l "$out/default/web01"
echo
echo "== next, try (from $root):"
echo "    ./vmimport validate -f $out/resources.yaml"
echo "    ./vmimport inspect  -f $out/resources.yaml -o json"
echo "    ./vmimport import   -f $out/resources.yaml --output-dir $out"
if [ "$keep_running" != 1 ]; then
  echo "  (these three need vcsim: run ./demo.sh --keep-running to leave it running)"
fi
echo "    ./vmimport serve $out      # serves the disk to a Harvester cluster; then $out/default/web01/README.md"

if [ "$boot" = 1 ]; then
  echo
  echo "== --boot: a real guest, imported and booted"
  guest_dir="${GUEST_DIR:-$HOME/.cache/vmimport/demo-guest}"
  guest_script="$root/boot-check/test-peer/guest/build-guest.sh"
  if [ -s "$guest_dir/vmware-guest.vmdk" ] && [ "$guest_dir/vmware-guest.vmdk" -nt "$guest_script" ]; then
    echo "reusing the guest built earlier in $guest_dir"
  else
    echo "building a Debian 12 guest shaped like a VMware VM (no virtio driver in its initramfs,"
    echo "root named /dev/sda1) into $guest_dir: about 5 minutes, as root"
    [ "$(id -u)" = 0 ] || { echo "demo --boot: building the guest needs root (mmdebstrap)" >&2; exit 1; }
    mkdir -p "$out"
    if ! FIRMWARE=bios bash "$guest_script" "$guest_dir" > "$out/guest-build.log" 2>&1; then
      tail -20 "$out/guest-build.log" >&2
      echo "demo --boot: building the guest failed; the whole log: $out/guest-build.log" >&2
      exit 1
    fi
  fi
  took "guest"
  guest_mib=$(( $(qemu-img info --output=json "$guest_dir/vmware-guest.vmdk" \
    | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p' | head -1) / 1048576 ))
  "$govc" vm.create -folder /DC0/vm/Migrate -pool /DC0/host/DC0_C0/Resources -ds LocalDS_0 \
    -c 2 -m 1024 -g debian10_64Guest -firmware bios -net PG-Prod -net.adapter vmxnet3 \
    -net.address 00:50:56:aa:bb:11 -disk "${guest_mib}MB" -disk.controller nvme -on=false db01
  "$govc" datastore.upload -ds LocalDS_0 "$guest_dir/vmware-guest.vmdk" db01/db01.vmdk >/dev/null
  echo "VM db01: the guest's disk on an NVMe controller (its initramfs has no driver for the virtio"
  echo "disk KubeVirt will give it)"
  sed -e '/^kind: VirtualMachineImport/,$d' "$out/resources.yaml" > "$out/resources-db01.yaml"
  cat >> "$out/resources-db01.yaml" <<YAML
kind: VirtualMachineImport
metadata:
  name: db01
  namespace: default
spec:
  virtualMachineName: db01
  folder: Migrate
  networkMapping:
  - sourceNetwork: PG-Prod
    destinationNetwork: default/vlan100
  sourceCluster:
    apiVersion: migration.harvesterhci.io/v1beta1
    kind: VmwareSource
    name: vcsim
    namespace: default
YAML
  took "shaping db01"
  echo "== vmimport import db01: its disk becomes virtio, so the guest is converted (a few minutes)"
  "$root/vmimport" import -f "$out/resources-db01.yaml" --output-dir "$out"
  took "import with guest conversion"
  db01_disk="$(ls "$out"/default/db01/disk-0.* | head -1)"
  # the bus the imported VirtualMachine gives the disk, as KubeVirt would run it
  vm_bus="$(sed -n 's/^ *bus: *//p' "$out/default/db01/manifests.yaml" | head -1)"
  case "$vm_bus" in
    virtio) qemu_bus=virtio-blk ;;
    scsi) qemu_bus=virtio-scsi ;;
    sata) qemu_bus=sata ;;
    *) echo "demo --boot: the imported VM's disk has bus '$vm_bus', which this demo cannot boot" >&2; exit 1 ;;
  esac
  echo "== booting $db01_disk on bus $vm_bus ($qemu_bus), as KubeVirt runs it (QEMU, TCG)"
  serial="$out/default/db01/serial.log"
  if FIRMWARE=bios SMP=2 bash "$root/boot-check/test-peer/guest/boot-check.sh" \
      "$db01_disk" "$qemu_bus" 600 "$serial" > "$out/default/db01/boot.out" 2>&1; then
    echo "the guest's console says:"
    grep -a -m1 'VMIMPORT-BOOT-OK' "$serial" | sed 's/^/    /'
    took "boot"
  else
    cat "$out/default/db01/boot.out" >&2
    echo "demo --boot: the imported guest did not boot; its console: $serial" >&2
    exit 1
  fi
fi
echo "demo done in $(($(date +%s) - t0)) s"
