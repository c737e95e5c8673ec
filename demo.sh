#!/usr/bin/env bash
# The main job, as a newcomer runs it on a fresh Debian machine: builds vmimport and a real vSphere
# API simulator (vcsim), shapes a VM with a real disk, imports it with `vmimport import` (visible
# progress, TLS verified against a throw-away CA), checks the converted disk byte for byte, prints
# where the disk, the Harvester manifests and the VM description are, and stops vcsim.
# Usage: ./demo.sh [OUTPUT_DIR]        (default: ./demo-output)
# Without a VM platform at all: examples/demo-directory.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$root/provider-vmware/test-peer/demo-vcsim.sh" "${1:-$PWD/demo-output}"
