#!/usr/bin/env bash
# The disk-path benchmark: one command, builds its own input, prints a table and, last, one JSON
# line. Scenario: a VM whose disk is 8 GiB virtual with 1.5 GiB of data in scattered extents (half
# random, half text), exported as a streamOptimized VMDK through vcsim's NFC lease; a run ends when
# a consumer playing Harvester has downloaded the published image and checked it. Measured:
#   ours      this project's import (stream decode to qcow2, image server)
#   upstream  download the VMDK to scratch, qemu-img convert -O raw, serve over plain HTTP
#   dd        the machine's limit: writing the allocated bytes once (conv=fdatasync)
# plus the same import at twice the size, and a VM with two such disks. The OVA case packs the same
# VMDK into an OVA (descriptor, SHA-256 manifest, disk) served over plain http by nginx on 127.0.0.1:
#   ours      provider-ova streams the disk out of the archive (range requests) into the same pipeline
#   upstream  download the OVA to scratch, extract the VMDK, qemu-img convert -O raw, serve
# Work files go to $BENCH_DIR (default /tmp/vmimport-bench; needs about 25 GB free).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-/tmp/vmimport-bench}"
vcsim_dir="${VCSIM_DIR:-$HOME/.cache/vcsim}"
mkdir -p "$work/inputs"
vcsim_pid="" http_pid="" nginx_pid=""
cleanup() {
  for pid in $http_pid $vcsim_pid $nginx_pid; do kill "$pid" 2>/dev/null || true; done
  rm -f "$work"/run/*.polling
}
trap cleanup EXIT
log() { echo "== $*" >&2; }

"$root/scripts/install-test-deps.sh"
bench_missing=()
for tool in curl:curl python3:python3 bc:bc /usr/bin/time:time; do
  command -v "${tool%%:*}" >/dev/null || bench_missing+=("${tool#*:}")
done
if [ ${#bench_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench/run.sh: missing ${bench_missing[*]}; installing packages needs root:" >&2
    echo "  run it as root, or: sudo apt-get install ${bench_missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq && apt-get install -y -qq "${bench_missing[@]}" >/dev/null
fi

log "building vcsim and the benchmark's import process"
"$root/provider-vmware/test-peer/vcsim/build-vcsim.sh" "$vcsim_dir" >&2
(cd "$root" && mvn -B -q -DskipTests -DskipITs -Dspotless.check.skip=true -pl bench -am package \
  dependency:build-classpath -Dmdep.outputFile=target/classpath.txt) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^$' >&2 || true
cp="$root/bench/target/vmimport-bench-0.1.0-SNAPSHOT.jar:$(cat "$root/bench/target/classpath.txt")"
java_opts=(-Xmx192m -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

small_alloc_mib=1536 large_alloc_mib=3072
make_input() { # name virtual_gib allocated_mib
  if [ ! -f "$work/inputs/$1.vmdk" ]; then
    log "making input $1: $2 GiB virtual, $3 MiB of data"
    python3 "$root/bench/make-disk.py" "$work/inputs/$1.raw" "$2" "$3" >&2
    qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/inputs/$1.raw" "$work/inputs/$1.vmdk.tmp"
    mv "$work/inputs/$1.vmdk.tmp" "$work/inputs/$1.vmdk"
  fi
}
make_input small 8 "$small_alloc_mib"
make_input large 16 "$large_alloc_mib"

# An OVA as vSphere lays it out: descriptor first, then the manifest, then the disk.
make_ova() { # name input virtual_gib
  local dir="$work/inputs/$1.d"
  [ -f "$work/inputs/$1.ova" ] && return
  log "making input $1.ova from $2.vmdk"
  rm -rf "$dir"; mkdir -p "$dir"
  ln "$work/inputs/$2.vmdk" "$dir/$1-disk1.vmdk"
  cat > "$dir/$1.ovf" <<OVF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References>
    <File ovf:href="$1-disk1.vmdk" ovf:id="file1" ovf:size="$(stat -c %s "$dir/$1-disk1.vmdk")"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="$3" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection>
    <Info>The list of logical networks</Info>
    <Network ovf:name="VM Network"><Description>The VM Network network</Description></Network>
  </NetworkSection>
  <VirtualSystem ovf:id="$1">
    <Info>A virtual machine</Info>
    <Name>$1</Name>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>$1</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>
      </System>
      <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:ElementName>1 virtual CPU(s)</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>1024MB of memory</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>1024</rasd:VirtualQuantity></Item>
      <Item><rasd:Address>0</rasd:Address><rasd:ElementName>SCSI controller 0</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>lsilogic</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>Hard disk 1</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>7</rasd:AddressOnParent><rasd:AutomaticAllocation>true</rasd:AutomaticAllocation><rasd:Connection>VM Network</rasd:Connection><rasd:ElementName>Network adapter 1</rasd:ElementName><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
OVF
  (cd "$dir" && for f in "$1.ovf" "$1-disk1.vmdk"; do echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"; done) > "$dir/$1.mf"
  tar -C "$dir" -cf "$work/inputs/$1.ova.tmp" "$1.ovf" "$1.mf" "$1-disk1.vmdk"
  rm -rf "$dir"
  mv "$work/inputs/$1.ova.tmp" "$work/inputs/$1.ova"
}
make_ova ova small 8

log "starting vcsim"
"$vcsim_dir/bin/vcsim" -l 127.0.0.1:0 -username bench -password bench-pass > "$work/vcsim.out" 2>&1 &
vcsim_pid=$!
for _ in $(seq 60); do grep -q GOVC_URL "$work/vcsim.out" && break; sleep 0.5; done
port=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/vcsim.out" | head -1 | cut -d: -f2)
[ -n "$port" ] || { cat "$work/vcsim.out" >&2; exit 1; }
endpoint="https://127.0.0.1:$port/sdk"
export GOVC_URL="https://bench:bench-pass@127.0.0.1:$port/sdk" GOVC_INSECURE=1
govc="$vcsim_dir/bin/govc"
shape() { # vm size_gib input...
  local vm=$1 size=$2; shift 2
  "$govc" vm.create -ds LocalDS_0 -pool /DC0/host/DC0_C0/Resources -net "VM Network" -disk "${size}G" -on=false "$vm" >/dev/null
  local n=0
  for input in "$@"; do
    if [ "$n" -gt 0 ]; then
      "$govc" vm.disk.create -vm "$vm" -ds LocalDS_0 -name "$vm/data$n" -size "${size}G" >/dev/null
      "$govc" datastore.upload -ds LocalDS_0 "$work/inputs/$input.vmdk" "$vm/data$n.vmdk" >/dev/null
    else
      "$govc" datastore.upload -ds LocalDS_0 "$work/inputs/$input.vmdk" "$vm/$vm.vmdk" >/dev/null
    fi
    n=$((n + 1))
  done
}
log "shaping VMs"
shape small1 8 small
shape large1 16 large
shape two1 8 small small

# nginx (from install-test-deps.sh) serves the OVA: one process, 127.0.0.1 only, range requests on
nginx_dir="$work/nginx"
rm -rf "$nginx_dir"; mkdir -p "$nginx_dir/tmp"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$nginx_dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $nginx_dir/tmp/body;
  proxy_temp_path $nginx_dir/tmp/proxy;
  fastcgi_temp_path $nginx_dir/tmp/fastcgi;
  uwsgi_temp_path $nginx_dir/tmp/uwsgi;
  scgi_temp_path $nginx_dir/tmp/scgi;
  default_type application/octet-stream;
  sendfile on;
  server { listen 127.0.0.1:$nginx_port; root $work/inputs; }
}
CONF
log "starting nginx for the OVA"
/usr/sbin/nginx -p "$nginx_dir" -c "$nginx_dir/nginx.conf" > "$nginx_dir/nginx.out" 2>&1 &
nginx_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null -r 0-0 "http://127.0.0.1:$nginx_port/ova.ova" && break; sleep 0.1; done
ova_url="http://127.0.0.1:$nginx_port/ova.ova"

now() { date +%s.%N; }
# peak allocated bytes of a directory, sampled every 100 ms while $2.polling exists
poll_peak() {
  local dir=$1 out=$2 max=0 size
  while [ -e "$out.polling" ]; do
    size=$(du -sB1 "$dir" 2>/dev/null | cut -f1)
    [ "${size:-0}" -gt "$max" ] && max=$size
    sleep 0.1
  done
  echo "$max" > "$out"
}
start_poll() { touch "$2.polling"; poll_peak "$1" "$2" & poll_pid=$!; }
stop_poll() { rm -f "$1.polling"; wait "$poll_pid"; }
# Every run starts from the same memory state: written back, and (as root) with the page cache
# dropped. Without that, a run after the 4 GB of uploads to vcsim spent twice the system time in
# page reclaim, and timings depended on what ran before. The source VMDK is then read from disk,
# as a real datastore's would be.
fresh_run() {
  rm -rf "$work/run"; mkdir -p "$work/run/scratch" "$work/run/consumer"; sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}
check_same() { # consumer_file source_raw
  qemu-img compare -q "$1" "$2" || { echo "MISMATCH: $1 differs from $2" >&2; exit 1; }
}

ours() { # vm sources... -> sets wall rss_kib scratch sent
  local vm=$1; shift
  fresh_run
  start_poll "$work/run/scratch" "$work/run/peak"
  local t0; t0=$(now)
  /usr/bin/time -f %M -o "$work/run/rss" java "${java_opts[@]}" -cp "$cp" io.vmimport.bench.BenchImport \
    import "$endpoint" bench bench-pass "$vm" "$work/run/scratch" "$root/bench/consumer.sh" "$work/run/consumer"
  wall=$(echo "$(now) - $t0" | bc)
  stop_poll "$work/run/peak"
  rss_kib=$(tail -1 "$work/run/rss"); scratch=$(cat "$work/run/peak")
  sent=$(cat "$work/run/consumer"/*.bytes | paste -sd+ | bc)
  local i=0
  for src in "$@"; do check_same "$work/run/consumer/disk-$i.qcow2" "$work/inputs/$src.raw"; i=$((i + 1)); done
}

upstream() { # vm source
  fresh_run
  local http_port; http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory "$work/run/scratch" "$http_port" >/dev/null 2>&1 &
  http_pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$http_port/" && break; sleep 0.1; done
  start_poll "$work/run/scratch" "$work/run/peak"
  local t0; t0=$(now)
  java "${java_opts[@]}" -cp "$cp" io.vmimport.bench.BenchImport download "$endpoint" bench bench-pass "$1" "$work/run/scratch"
  qemu-img convert -f vmdk -O raw "$work/run/scratch/0.vmdk" "$work/run/scratch/disk.raw"
  "$root/bench/consumer.sh" "http://127.0.0.1:$http_port/disk.raw" "$work/run/consumer/disk.raw"
  wall=$(echo "$(now) - $t0" | bc)
  stop_poll "$work/run/peak"
  kill "$http_pid"; wait "$http_pid" 2>/dev/null || true; http_pid=""
  scratch=$(cat "$work/run/peak"); sent=$(cat "$work/run/consumer/disk.raw.bytes")
  check_same "$work/run/consumer/disk.raw" "$work/inputs/$2.raw"
}

ours_ova() { # url vm source -> sets wall rss_kib scratch sent
  fresh_run
  start_poll "$work/run/scratch" "$work/run/peak"
  local t0; t0=$(now)
  /usr/bin/time -f %M -o "$work/run/rss" java "${java_opts[@]}" -cp "$cp" io.vmimport.bench.BenchImport \
    ova "$1" "$2" "$work/run/scratch" "$root/bench/consumer.sh" "$work/run/consumer"
  wall=$(echo "$(now) - $t0" | bc)
  stop_poll "$work/run/peak"
  rss_kib=$(tail -1 "$work/run/rss"); scratch=$(cat "$work/run/peak")
  sent=$(cat "$work/run/consumer"/*.bytes | paste -sd+ | bc)
  check_same "$work/run/consumer/disk-0.qcow2" "$work/inputs/$3.raw"
}

# vm-import-controller's OVA path: the archive downloaded whole, its disk extracted beside it, then
# converted to a full raw file that is served
upstream_ova() { # url disk_file source
  fresh_run
  local http_port; http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory "$work/run/scratch" "$http_port" >/dev/null 2>&1 &
  http_pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$http_port/" && break; sleep 0.1; done
  start_poll "$work/run/scratch" "$work/run/peak"
  local t0; t0=$(now)
  curl -sSf -o "$work/run/scratch/vm.ova" "$1"
  tar -C "$work/run/scratch" -xf "$work/run/scratch/vm.ova" "$2"
  qemu-img convert -f vmdk -O raw "$work/run/scratch/$2" "$work/run/scratch/disk.raw"
  "$root/bench/consumer.sh" "http://127.0.0.1:$http_port/disk.raw" "$work/run/consumer/disk.raw"
  wall=$(echo "$(now) - $t0" | bc)
  stop_poll "$work/run/peak"
  kill "$http_pid"; wait "$http_pid" 2>/dev/null || true; http_pid=""
  scratch=$(cat "$work/run/peak"); sent=$(cat "$work/run/consumer/disk.raw.bytes")
  check_same "$work/run/consumer/disk.raw" "$work/inputs/$3.raw"
}

write_once() { # allocated_mib
  fresh_run
  local t0; t0=$(now)
  dd if=/dev/zero of="$work/run/scratch/once" bs=4M count=$(($1 / 4)) conv=fdatasync status=none
  wall=$(echo "$(now) - $t0" | bc)
}

log "run: ours, 8 GiB disk with 1.5 GiB of data"; ours small1 small
ours_wall=$wall ours_rss=$rss_kib ours_scratch=$scratch ours_sent=$sent
log "run: upstream-style pipeline, same disk"; upstream small1 small
up_wall=$wall up_scratch=$scratch up_sent=$sent
log "run: dd of the allocated bytes"; write_once "$small_alloc_mib"
dd_wall=$wall
log "run: ours, 16 GiB disk with 3 GiB of data"; ours large1 large
large_wall=$wall large_rss=$rss_kib large_scratch=$scratch large_sent=$sent
log "run: ours, VM with two 8 GiB disks"; ours two1 small small
two_wall=$wall two_rss=$rss_kib two_scratch=$scratch two_sent=$sent
log "run: ours, the same disk in an OVA over http"; ours_ova "$ova_url" ova small
ova_wall=$wall ova_rss=$rss_kib ova_scratch=$scratch ova_sent=$sent
log "run: upstream-style OVA pipeline, same OVA"; upstream_ova "$ova_url" ova-disk1.vmdk small
up_ova_wall=$wall up_ova_scratch=$scratch up_ova_sent=$sent
rm -rf "$work/run"

small_alloc=$((small_alloc_mib << 20)) large_alloc=$((large_alloc_mib << 20))
mib() { echo "scale=1; $1 / 1048576" | bc; }
ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }
printf '\n%-34s %10s %14s %14s %12s\n' "run" "wall s" "peak scratch" "sent to Harv." "peak RSS" 
printf '%-34s %10.2f %11s MiB %11s MiB %8s MiB\n' \
  "ours, 8 GiB / 1.5 GiB data" "$ours_wall" "$(mib "$ours_scratch")" "$(mib "$ours_sent")" "$(mib $((ours_rss * 1024)))" \
  "upstream-style, same disk" "$up_wall" "$(mib "$up_scratch")" "$(mib "$up_sent")" "-" \
  "dd of the allocated bytes" "$dd_wall" "-" "-" "-" \
  "ours, 16 GiB / 3 GiB data" "$large_wall" "$(mib "$large_scratch")" "$(mib "$large_sent")" "$(mib $((large_rss * 1024)))" \
  "ours, two 8 GiB / 1.5 GiB disks" "$two_wall" "$(mib "$two_scratch")" "$(mib "$two_sent")" "$(mib $((two_rss * 1024)))" \
  "ours, OVA (http), 8 GiB / 1.5 GiB" "$ova_wall" "$(mib "$ova_scratch")" "$(mib "$ova_sent")" "$(mib $((ova_rss * 1024)))" \
  "upstream-style OVA, same OVA" "$up_ova_wall" "$(mib "$up_ova_scratch")" "$(mib "$up_ova_sent")" "-"
echo
printf '{"wall_ratio_vs_upstream": %s, "wall_ratio_vs_write_once": %s, "scratch_ratio": %s, "rss_mib_small": %s, "rss_mib_large": %s, "bytes_ratio": %s, "two_disk_ratio": %s, "ova_wall_ratio_vs_upstream": %s, "ova_scratch_ratio": %s, "rss_mib_ova": %s}\n' \
  "$(ratio "$ours_wall" "$up_wall")" "$(ratio "$ours_wall" "$dd_wall")" "$(ratio "$ours_scratch" "$small_alloc")" \
  "$(mib $((ours_rss * 1024)))" "$(mib $((large_rss * 1024)))" "$(ratio "$ours_sent" "$small_alloc")" "$(ratio "$two_wall" "$ours_wall")" \
  "$(ratio "$ova_wall" "$up_ova_wall")" "$(ratio "$ova_scratch" "$small_alloc")" "$(mib $((ova_rss * 1024)))"
