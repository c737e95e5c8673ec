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

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps.sh: missing ${missing[*]}; installing packages needs root:" >&2
    echo "  run it as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "installing ${missing[*]}..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
