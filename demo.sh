#!/usr/bin/env bash
# The main job, as a newcomer runs it on a fresh Debian machine: builds vmimport and a real vSphere
# API simulator (vcsim), shapes a VM with a real disk, imports it with `vmimport import` (visible
# progress, TLS verified against a throw-away CA), checks the converted disk byte for byte, prints
# where the disk, the Harvester manifests and the VM description are, and what to try next.
# Usage: ./demo.sh [--keep-running] [--boot] [OUTPUT_DIR]        (default: ./demo-output)
#   --keep-running  leave vcsim running, so that the commands the demo prints at its end work
#   --boot          then import a real Debian guest shaped like a VMware VM, converted to boot on
#                   virtio, and boot it under QEMU (about 6 more minutes the first time, as root)
# Without a VM platform at all: examples/demo-directory.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
args=()
out="$PWD/demo-output"
for arg in "$@"; do
  case "$arg" in
    --keep-running | --boot) args+=("$arg") ;;
    -*) echo "usage: ./demo.sh [--keep-running] [--boot] [OUTPUT_DIR]" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
exec "$root/provider-vmware/test-peer/demo-vcsim.sh" "${args[@]}" "$out"
