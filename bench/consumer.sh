#!/usr/bin/env bash
# Plays Harvester's image controller: asks for the image's length, downloads it, and checks that
# it arrived whole and is a disk image (what CDI sniffs first). Records the bytes received.
# usage: consumer.sh URL OUTPUT_FILE
set -euo pipefail
url=$1 out=$2
length=$(curl -sSfI "$url" | tr -d '\r' | awk 'tolower($1) == "content-length:" { print $2 }')
curl -sSf -o "$out" "$url"
got=$(stat -c %s "$out")
if [ "$got" != "$length" ]; then
  echo "consumer: received $got of $length bytes from $url" >&2
  exit 1
fi
qemu-img info "$out" >/dev/null
echo "$got" > "$out.bytes"
