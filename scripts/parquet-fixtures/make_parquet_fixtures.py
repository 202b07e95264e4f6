"""Writes test/eval/fixtures/mc-parquet: a few splits of the multiple-choice fixtures of
test/eval/fixtures/mc as Parquet files, laid out and written as Hugging Face datasets ship them
(`<config>/<split>-00000-of-00001.parquet`, pyarrow, Snappy; one MMLU split also with GZIP, BROTLI and
ZSTD and LZ4 under codecs/), so the tests read Parquet the
project made instead of downloaded files.

Each split is written with the same column types as the Hub's copy (ARC's `choices` a struct of two
string lists, MMLU's `answer` an int64, HellaSwag's `label` a string and `ind` an int32,
Winogrande all strings). The MMLU file is cut into row groups of 2 and dictionary-encoded,
the others written with pyarrow's defaults.

Run from the repository root with a python3 that has pyarrow (e.g. the virtual environment of
../shared/tools/python-wheels/install-lm-eval.sh, which installs it with `datasets`):
    VENV/bin/python scripts/parquet-fixtures/make_parquet_fixtures.py
"""
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.getcwd()
SRC = os.path.join(ROOT, "test/eval/fixtures/mc")
OUT = os.path.join(ROOT, "test/eval/fixtures/mc-parquet")

S = pa.string()
SPLITS = [
    ("ai2_arc/ARC-Easy", ["test", "train", "validation"],
     pa.schema([("id", S), ("question", S), ("choices", pa.struct([("text", pa.list_(S)), ("label", pa.list_(S))])), ("answerKey", S)]), {}),
    ("mmlu/anatomy", ["test", "dev"],
     pa.schema([("question", S), ("subject", S), ("choices", pa.list_(S)), ("answer", pa.int64())]), {"row_group_size": 2, "use_dictionary": True}),
    ("hellaswag", ["validation", "train"],
     pa.schema([("ind", pa.int32()), ("activity_label", S), ("ctx_a", S), ("ctx_b", S), ("ctx", S), ("endings", pa.list_(S)),
                ("source_id", S), ("split", S), ("split_type", S), ("label", S)]), {}),
    ("winogrande/winogrande_xl", ["validation", "train"],
     pa.schema([("sentence", S), ("option1", S), ("option2", S), ("answer", S)]), {}),
]

for folder, splits, schema, options in SPLITS:
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
    for split in splits:
        with open(os.path.join(SRC, folder, f"{split}.jsonl"), encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        table = pa.Table.from_pylist(rows, schema=schema)
        path = os.path.join(OUT, folder, f"{split}-00000-of-00001.parquet")
        pq.write_table(table, path, compression="snappy", **options)
        print("wrote", os.path.relpath(path, ROOT), len(rows), "rows")

# The same MMLU split with each other codec pyarrow writes: those Node's zlib reads (GZIP, BROTLI;
# ZSTD, which Node 20's zlib lacks) and LZ4 (pyarrow writes it as LZ4_RAW), to check the reader
# decompresses every one to the same rows.
for codec in ["gzip", "brotli", "zstd", "lz4"]:
    with open(os.path.join(SRC, "mmlu/anatomy/test.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    folder = os.path.join(OUT, "codecs", codec)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "test-00000-of-00001.parquet")
    pq.write_table(pa.Table.from_pylist(rows, schema=SPLITS[1][2]), path, compression=codec, row_group_size=2)
    print("wrote", os.path.relpath(path, ROOT), len(rows), "rows,", codec)

# A file the reader must refuse: an int64 beyond 2^53 would lose digits as a JavaScript number.
os.makedirs(os.path.join(OUT, "bad"), exist_ok=True)
pq.write_table(pa.table({"question": ["q"], "answer": pa.array([2**60 + 1], pa.int64())}), os.path.join(OUT, "bad", "test-00000-of-00001.parquet"))
print("wrote test/eval/fixtures/mc-parquet/bad/test-00000-of-00001.parquet (int64 2**60 + 1)")
