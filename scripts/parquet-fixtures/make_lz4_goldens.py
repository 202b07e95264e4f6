"""Writes test/eval/fixtures/lz4-pages-golden.json: pages compressed by the reference LZ4 library
(python-lz4, which wraps lz4's C code), each as Parquet would carry it, with the bytes it decodes to.

- `raw`: one LZ4 block (`LZ4_RAW`, what pyarrow writes for compression='lz4').
- `hadoop`: the deprecated `LZ4` codec as parquet-mr and older Arrow wrote it: the data cut into
  blocks, each after its decoded and encoded sizes (4 bytes big-endian each).

The inputs cover what the decoder must get right: literal runs and matches longer than 15 and than
15 + 255 bytes (their lengths continue in extra bytes), matches that overlap the bytes they write
(offset smaller than length), incompressible bytes and an empty page.

Run from the repository root with a python3 that has lz4 (pip install lz4):
    python3 scripts/parquet-fixtures/make_lz4_goldens.py
"""
import base64
import json
import os
import random
import struct

import lz4.block

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test/eval/fixtures/lz4-pages-golden.json")

rng = random.Random(20261207)
words = "the quick brown fox jumps over a lazy dog while energy matrix court enzyme".split()
INPUTS = {
    "empty": b"",
    "short": b"abc",
    "text": " ".join(rng.choice(words) for _ in range(2000)).encode(),
    "overlapping run": b"x" * 5000 + b"yz" * 700,
    "long literals": bytes(rng.getrandbits(8) for _ in range(1000)),
    "unicode": ("Ünïcödé 数学 " * 300).encode(),
}


def hadoop(data: bytes, block_size: int) -> bytes:
    out = b""
    for i in range(0, max(len(data), 1), block_size):
        chunk = data[i : i + block_size]
        block = lz4.block.compress(chunk, store_size=False)
        out += struct.pack(">II", len(chunk), len(block)) + block
    return out


cases = []
for name, data in INPUTS.items():
    for mode in ["default", "high_compression"]:
        block = lz4.block.compress(data, store_size=False, mode=mode)
        cases.append({"name": f"{name} ({mode})", "codec": "raw", "compressed": base64.b64encode(block).decode(), "decoded": base64.b64encode(data).decode()})
    if data:
        cases.append({"name": f"{name} (hadoop, blocks of 1000)", "codec": "hadoop", "compressed": base64.b64encode(hadoop(data, 1000)).decode(), "decoded": base64.b64encode(data).decode()})

with open(OUT, "w", encoding="utf-8") as f:
    json.dump({"generator": "scripts/parquet-fixtures/make_lz4_goldens.py", "lz4": lz4.library_version_string(), "cases": cases}, f, indent=1)
    f.write("\n")
print("wrote", os.path.relpath(OUT, ROOT), len(cases), "pages")
