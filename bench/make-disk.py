#!/usr/bin/env python3
"""Writes the benchmark's source disk: a sparse raw file of VIRTUAL bytes with about ALLOCATED
bytes of data in scattered 4 MiB extents, half incompressible (random) and half compressible
(text-like), at deterministic offsets so that every run measures the same disk.

usage: make-disk.py OUTPUT VIRTUAL_GIB ALLOCATED_MIB [SEED]
"""
import os
import random
import sys

EXTENT = 4 << 20


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    path, virtual = sys.argv[1], int(float(sys.argv[2]) * (1 << 30))
    allocated, seed = int(sys.argv[3]) << 20, int(sys.argv[4]) if len(sys.argv) == 5 else 7
    extents = allocated // EXTENT
    slots = virtual // EXTENT
    if extents > slots:
        sys.exit("more data than the disk holds")
    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(slots), extents))
    words = [b"import", b"disk", b"harvester", b"volume", b"kernel", b"log", b"2026-11-24",
             b"INFO", b"WARN", b"request", b"served", b"bytes", b"in", b"ms"]
    with open(path, "wb") as out:
        out.truncate(virtual)
        for n, slot in enumerate(chosen):
            out.seek(slot * EXTENT)
            if n % 2 == 0:
                out.write(rng.randbytes(EXTENT))
            else:
                line = b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
                out.write((line * (EXTENT // len(line) + 1))[:EXTENT])
    print(f"{path}: {virtual} bytes virtual, {extents * EXTENT} bytes of data in {extents} extents")


if __name__ == "__main__":
    main()
