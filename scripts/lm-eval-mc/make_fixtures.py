"""Writes the synthetic fixture documents of the multiple-choice goldens, in the Hugging Face schema of
each dataset (allenai/ai2_arc, Rowan/hellaswag, cais/mmlu, allenai/winogrande, baber/piqa,
truthfulqa/truthful_qa multiple_choice). The texts are made up from word lists (no dataset content);
they exercise what the prompts do: whitespace, Unicode, HellaSwag's [header]/[title] artifacts,
numeric ARC labels, several true TruthfulQA answers.

Usage: python3 make_fixtures.py OUT_DIR   (deterministic)
"""
import json
import os
import random
import sys

out = sys.argv[1]
rnd = random.Random(20)
NOUNS = ["the kettle", "a glacier", "the bicycle", "an orchard", "the comet", "a violin", "the café", "a lantern", "the river", "a magnet",
         "the naïve plan", "a thermostat", "the hammock", "a seed", "the moon", "an engine", "the ladder", "a sponge", "the tide", "a fossil"]
VERBS = ["melts", "rotates", "sinks", "glows", "expands", "freezes", "rusts", "floats", "hums", "cracks", "grows", "shrinks"]
ADJ = ["warm", "heavy", "bright", "quiet", "tiny", "ancient", "smooth", "green", "hollow", "sharp", "über-fast", "soft"]


def phrase(words=6):
    return " ".join(rnd.choice(NOUNS + VERBS + ADJ) for _ in range(words))


def sentence():
    return f"{rnd.choice(NOUNS).capitalize()} {rnd.choice(VERBS)} when it is {rnd.choice(ADJ)}"


def write(task_dir, split, rows):
    d = os.path.join(out, task_dir)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"{split}.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def arc(n, prefix, numeric_every=0):
    rows = []
    for i in range(n):
        k = rnd.choice([3, 4, 4, 4, 5])
        numeric = numeric_every and i % numeric_every == 0
        labels = [str(j + 1) for j in range(k)] if numeric else ["ABCDE"[j] for j in range(k)]
        texts = [phrase(rnd.randint(1, 5)) for _ in range(k)]
        if i % 5 == 2:
            texts[0] = texts[0] + " "  # a choice with a trailing space
        q = f"Which statement about {rnd.choice(NOUNS)} is true? {sentence()}."
        if i % 6 == 1:
            q = q + "  "
        rows.append({"id": f"{prefix}_{i}", "question": q, "choices": {"text": texts, "label": labels}, "answerKey": rnd.choice(labels)})
    return rows


write("ai2_arc/ARC-Easy", "test", arc(12, "Easy"))
write("ai2_arc/ARC-Easy", "train", arc(10, "EasyTrain"))
write("ai2_arc/ARC-Easy", "validation", arc(4, "EasyVal"))
write("ai2_arc/ARC-Challenge", "test", arc(8, "Chal", numeric_every=3))
write("ai2_arc/ARC-Challenge", "train", arc(6, "ChalTrain", numeric_every=2))


def hellaswag(n, split):
    rows = []
    for i in range(n):
        wiki = i % 2 == 0
        activity = rnd.choice(["Roof shingle removal", "Making a latte", "Home and Garden", "Cleaning windows"])
        ctx_a = sentence() + "." + (" [header] How to clean a lantern [title] Gather the cloth." if wiki else "")
        ctx_b = rnd.choice(["then", "the MAN", "she", "[step] they"]) + " " + phrase(3)
        endings = [phrase(rnd.randint(3, 9)) + (" [substeps] rinse it." if wiki and j == 1 else ".") + ("  " if j == 2 else "") for j in range(4)]
        rows.append({"ind": i * 7, "activity_label": activity, "ctx_a": ctx_a, "ctx_b": ctx_b, "ctx": ctx_a + " " + ctx_b,
                     "endings": endings, "source_id": f"activitynet~v_{i}" if not wiki else f"wikihow~{i}", "split": split,
                     "split_type": "indomain", "label": str(rnd.randrange(4))})
    return rows


write("hellaswag", "validation", hellaswag(10, "val"))
write("hellaswag", "train", hellaswag(8, "train"))

SUBJECTS = sys.argv[2].split(",") if len(sys.argv) > 2 else None


def mmlu_rows(subject, n):
    rows = []
    for _ in range(n):
        q = f"  In {subject.replace('_', ' ')}, what follows from: {sentence()}?\n" if rnd.random() < 0.3 else f"What is true of {rnd.choice(NOUNS)} in {subject.replace('_', ' ')}?"
        rows.append({"question": q, "subject": subject, "choices": [phrase(rnd.randint(1, 4)) for _ in range(4)], "answer": rnd.randrange(4)})
    return rows


for subject in SUBJECTS:
    write(f"mmlu/{subject}", "test", mmlu_rows(subject, 2 + (len(subject) % 2)))
    write(f"mmlu/{subject}", "dev", mmlu_rows(subject, 5))


def winogrande(n):
    rows = []
    for i in range(n):
        a, b = rnd.sample(NOUNS, 2)
        sentence_ = f"{a.capitalize()} could not hold {b} because _ was too {rnd.choice(ADJ)}." if i % 3 else f"_ {rnd.choice(VERBS)} faster than {b}, so we chose it."
        rows.append({"sentence": sentence_, "option1": a, "option2": b, "answer": rnd.choice(["1", "2"])})
    return rows


write("winogrande/winogrande_xl", "validation", winogrande(8))
write("winogrande/winogrande_xl", "train", winogrande(8))


def piqa(n):
    return [{"goal": f"How do I keep {rnd.choice(NOUNS)} {rnd.choice(ADJ)}?", "sol1": phrase(rnd.randint(2, 10)), "sol2": phrase(rnd.randint(2, 10)), "label": rnd.randrange(2)} for _ in range(n)]


write("piqa", "validation", piqa(8))
write("piqa", "train", piqa(6))


def truthfulqa(n):
    rows = []
    for _ in range(n):
        k1 = rnd.randint(3, 5)
        k2 = rnd.randint(4, 7)
        true2 = rnd.randint(1, k2 - 1)
        rows.append({"question": f"What happens if {rnd.choice(NOUNS)} {rnd.choice(VERBS)}?",
                     "mc1_targets": {"choices": [phrase(rnd.randint(2, 6)) + "." for _ in range(k1)], "labels": [1] + [0] * (k1 - 1)},
                     "mc2_targets": {"choices": [phrase(rnd.randint(2, 6)) + "." for _ in range(k2)], "labels": [1] * true2 + [0] * (k2 - true2)}})
    return rows


write("truthful_qa/multiple_choice", "validation", truthfulqa(6))
