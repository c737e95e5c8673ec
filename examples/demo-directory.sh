#!/usr/bin/env bash
# An import from the example "directory" source provider, end to end, without any VM platform:
#   1. builds vmimport and the example "directory" source provider;
#   2. makes a source VM "web01" with two real disks (a qcow2 and a sparse raw, 1 GiB each,
#      with random data in scattered places), powered on;
#   3. writes the resources.yaml a user would apply (Secret + source + VirtualMachineImport);
#   4. runs `vmimport validate`, `vmimport inspect` and `vmimport import` with visible progress;
#   5. checks the converted disks against the source with `qemu-img compare`, and prints the
#      commands to try next (the source VM and resources.yaml stay in OUTPUT_DIR for them).
# Usage: examples/demo-directory.sh [OUTPUT_DIR]        (default: ./demo-directory-output)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$PWD/demo-directory-output}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)

"$root/scripts/install-test-deps.sh"

examples_jar="$root/examples/target/examples-0.1.0-SNAPSHOT.jar"
if [ ! -f "$examples_jar" ] || [ -n "$(find "$root"/*/src "$root"/pom.xml "$root"/*/pom.xml -newer "$examples_jar" -print -quit)" ]; then
  echo "== building vmimport and the example provider: about a minute the first time" >&2
  if ! build_log="$(cd "$root" && mvn -B -q -DskipTests -DskipITs -Dspotless.check.skip=true \
    -pl vmimport-cli,examples -am package 2>&1)"; then
    printf '%s\n' "$build_log" | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^$' >&2
    echo "demo: building vmimport failed; see the messages above" >&2
    exit 1
  fi
fi

echo "== making source VM web01 in $out/source"
rm -rf "$out/source"
vm="$out/source/web01"
mkdir -p "$vm"
qemu-img create -q -f raw "$work/boot.raw" 1G
qemu-img create -q -f raw "$vm/disk1.raw" 1G
for offset in 1 200 600 1000; do
  dd if=/dev/urandom of="$work/boot.raw" bs=1M count=8 seek="$offset" conv=notrunc status=none
  dd if=/dev/urandom of="$vm/disk1.raw" bs=1M count=4 seek="$((offset + 3))" conv=notrunc status=none
done
qemu-img convert -f raw -O qcow2 "$work/boot.raw" "$vm/disk0.qcow2"
cat > "$vm/vm.json" <<'JSON'
{"id": "vm-1001", "cpus": 4, "coresPerSocket": 2, "memoryMiB": 4096,
 "firmware": "efi", "secureBoot": true, "tpm": true, "description": "demo web server",
 "disks": [{"file": "disk0.qcow2", "bus": "virtio", "bootOrder": 1},
           {"file": "disk1.raw", "bus": "sata", "bootOrder": 2}],
 "nics": [{"mac": "00:50:56:aa:bb:01", "model": "virtio", "network": "prod"},
          {"mac": "00:50:56:aa:bb:02", "model": "e1000", "network": "backup"}]}
JSON
echo on > "$vm/power"
echo "demo:s3cret-demo" > "$out/source/.credentials"

cat > "$out/resources.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: lab-credentials
  namespace: default
stringData:
  username: demo
  password: s3cret-demo
---
apiVersion: migration.harvesterhci.io/v1beta1
kind: DirectorySource
metadata:
  name: lab
  namespace: default
spec:
  path: $out/source
  credentials:
    name: lab-credentials
    namespace: default
---
apiVersion: migration.harvesterhci.io/v1beta1
kind: VirtualMachineImport
metadata:
  name: web01
  namespace: default
spec:
  virtualMachineName: web01
  networkMapping:
  - sourceNetwork: prod
    destinationNetwork: default/vlan1
  sourceCluster:
    apiVersion: migration.harvesterhci.io/v1beta1
    kind: DirectorySource
    name: lab
    namespace: default
YAML
echo "== resources.yaml"
sed 's/^/    /' "$out/resources.yaml"

export VMIMPORT_CLASSPATH="$examples_jar"
echo "== vmimport validate"
"$root/vmimport" validate -f "$out/resources.yaml"
echo "== vmimport inspect -o yaml"
"$root/vmimport" inspect -f "$out/resources.yaml" -o yaml
echo "== vmimport import --output-dir $out"
"$root/vmimport" import -f "$out/resources.yaml" --output-dir "$out"

echo "== checking the converted disks against the source"
qemu-img compare -q "$out/default/web01/disk-0.qcow2" "$work/boot.raw" && echo "disk-0.qcow2 = source disk0 (boot)"
qemu-img compare -q "$out/default/web01/disk-1.qcow2" "$vm/disk1.raw" && echo "disk-1.qcow2 = source disk1"
echo "source VM power state now: $(cat "$vm/power")"
echo
echo "converted disks, the VM description and the Harvester manifests are in $out/default/web01:"
ls -l "$out/default/web01"
echo
echo "== next, try (from $root; the example provider must be on the class path):"
echo "    export VMIMPORT_CLASSPATH=$examples_jar"
echo "    ./vmimport validate -f $out/resources.yaml"
echo "    ./vmimport inspect  -f $out/resources.yaml -o json"
echo "    ./vmimport serve $out      # serves the disks to a Harvester cluster; then $out/default/web01/README.md"
echo "demo done in $(($(date +%s) - t0)) s"
