#!/bin/bash
# build-vcsim.sh - build the vSphere API simulator "vcsim" (and the CLI "govc") of govmomi 0.24.2
# from Debian bookworm packages only. Idempotent: re-running reuses packages and the source tarball.
#
# Debian ships govmomi 0.24.2 as a Go *library* (golang-github-vmware-govmomi-dev) without the
# vcsim/ and govc/ programs; those come from the Debian *source* package's orig tarball, fetched with
# a private deb-src apt configuration that reuses the machine's own Debian mirror (/etc/apt is not
# modified). A local patch (vcsim-exportvm.patch beside this script) adds VirtualMachine.ExportVm
# to the simulator, which vcsim does not implement, and fixes NFC GET downloads of non-empty files.
#
# Usage: build-vcsim.sh [WORK_DIR]   (default: $HOME/.cache/vcsim)  ->  WORK_DIR/bin/{vcsim,govc}
# (openssl is for the tests' throw-away CAs, not for the build.)
# Env:   SKIP_APT=1 skip apt-get;  NO_PATCH=1 stock simulator (no ExportVm);  NO_GOVC=1 skip govc
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
WORK_DIR="${1:-${WORK_DIR:-$HOME/.cache/vcsim}}"
OUT_DIR="$WORK_DIR/bin"
GOVMOMI_VER=0.24.2
PKGS="golang-go golang-github-vmware-govmomi-dev golang-github-kr-pretty-dev patch xz-utils ca-certificates openssl"
log() { echo "[build-vcsim $(date +%T)] $*"; }
T0=$(date +%s)
mkdir -p "$WORK_DIR" "$OUT_DIR"

# One build at a time per WORK_DIR: two test runs on one machine share ~/.cache/vcsim, and a
# second build deletes the source tree the first is compiling in. The second waits, then finds the
# binaries up to date.
exec 9>"$WORK_DIR/.build.lock"
flock 9

# Up to date already? (binaries newer than this script and the patch)
if [ -x "$OUT_DIR/vcsim" ] && [ "$OUT_DIR/vcsim" -nt "$0" ] && [ "$OUT_DIR/vcsim" -nt "$HERE/vcsim-exportvm.patch" ] \
   && { [ "${NO_GOVC:-0}" = 1 ] || [ -x "$OUT_DIR/govc" ]; }; then
  log "up to date: $OUT_DIR"; exit 0
fi

# 1. packages
if [ "${SKIP_APT:-0}" != 1 ]; then
  missing=""
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "build-vcsim.sh: missing packages:$missing; installing them needs root:" >&2
      echo "  run it as root, or: sudo apt-get install --no-install-recommends$missing" >&2
      exit 1
    fi
    log "apt-get install:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  fi
fi
GOVMOMI_SRC=/usr/share/gocode/src/github.com/vmware/govmomi
[ -d "$GOVMOMI_SRC/simulator" ] || { echo "missing $GOVMOMI_SRC (install golang-github-vmware-govmomi-dev)" >&2; exit 1; }
command -v go >/dev/null || { echo "go not found (install golang-go)" >&2; exit 1; }
log "$(go version); govmomi-dev $(dpkg-query -W -f='${Version}' golang-github-vmware-govmomi-dev)"

# 2. orig tarball of the Debian source package (holds vcsim/main.go and govc/)
SRC_DIR="$WORK_DIR/debsrc"
ORIG="$SRC_DIR/golang-github-vmware-govmomi_${GOVMOMI_VER}.orig.tar.xz"
if [ ! -s "$ORIG" ]; then
  # the machine's own Debian mirror, as configured for binary packages
  MIRROR=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -1)
  [ -n "$MIRROR" ] || MIRROR=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v -- '-security' | head -1)
  [ -n "$MIRROR" ] || { echo "no Debian mirror found in the apt configuration" >&2; exit 1; }
  APTD="$WORK_DIR/apt-src"
  mkdir -p "$APTD/parts" "$APTD/lists/partial" "$APTD/cache/archives/partial" "$SRC_DIR"
  printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$MIRROR" > "$APTD/parts/debsrc.sources"
  AO=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$APTD/parts"
      -o Dir::State::Lists="$APTD/lists" -o Dir::Cache="$APTD/cache")
  log "downloading the Debian source package golang-github-vmware-govmomi"
  apt-get "${AO[@]}" -qq update
  (cd "$SRC_DIR" && apt-get "${AO[@]}" source --download-only "golang-github-vmware-govmomi=${GOVMOMI_VER}-3" 2>&1 \
     | grep -v 'unsandboxed' || true)
  [ -s "$ORIG" ] || { echo "failed to download $ORIG" >&2; exit 1; }
fi
rm -rf "$SRC_DIR/govmomi-$GOVMOMI_VER"
tar -C "$SRC_DIR" -xJf "$ORIG" "govmomi-$GOVMOMI_VER/vcsim" "govmomi-$GOVMOMI_VER/govc"

# 3. private GOPATH: Debian's library tree + the vcsim/govc programs + the local patch
TREE="$WORK_DIR/gopath/src/github.com/vmware/govmomi"
rm -rf "$TREE"; mkdir -p "$(dirname "$TREE")"
cp -a "$GOVMOMI_SRC" "$TREE"
cp -a "$SRC_DIR/govmomi-$GOVMOMI_VER/vcsim" "$SRC_DIR/govmomi-$GOVMOMI_VER/govc" "$TREE/"
if [ "${NO_PATCH:-0}" != 1 ]; then
  log "applying vcsim-exportvm.patch"
  patch -d "$TREE" -p1 --forward --quiet < "$HERE/vcsim-exportvm.patch"
fi

# 4. build in GOPATH mode: every dependency comes from /usr/share/gocode, no module proxy
export GO111MODULE=off GOFLAGS= GOPATH="$WORK_DIR/gopath:/usr/share/gocode" GOCACHE="$WORK_DIR/gocache" CGO_ENABLED=0
cd "$TREE"
log "go build vcsim"
# one command per line: under set -e, a failed command on the left of && does not stop the script
go build -o "$OUT_DIR/vcsim.new" ./vcsim
mv -f "$OUT_DIR/vcsim.new" "$OUT_DIR/vcsim"
if [ "${NO_GOVC:-0}" != 1 ]; then
  log "go build govc"
  go build -o "$OUT_DIR/govc.new" ./govc
  mv -f "$OUT_DIR/govc.new" "$OUT_DIR/govc"
fi
log "done in $(( $(date +%s) - T0 ))s: $OUT_DIR"
