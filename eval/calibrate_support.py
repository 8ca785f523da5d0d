"""Calibrate AnswerSettings.support_threshold: how much of a model sentence must come from the article it cites.

A model restates an article's sentence in its own words: clauses dropped, characters left out, connectives
added, 应当 turned into 要. Each sentence of every regulation in ../shared/corpus is restated that way
(seeded, so the run repeats) and scored with assistant.answering.citations.support against its own article (should
pass) and against the most similar other article of the same regulation (the misattribution the checker
must catch; near-duplicate articles are skipped). The threshold with the best balanced accuracy is
reported; the default in settings is taken from it.

    .venv/bin/python eval/calibrate_support.py [--corpus ../shared/corpus] [--out eval/results/support.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
from pathlib import Path

import assistant  # noqa: F401  (offline switches first)
from assistant.answering.citations import bigrams, support
from assistant.parsing.readers import read_source
from assistant.parsing.structure import parse_document

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONNECTIVES = ("根据规定，", "也就是说，", "简单来说，", "法律要求", "按照这一条，", "")
SWAPS = (("应当", "要"), ("应当", "必须"), ("不得", "不能"), ("或者", "或"), ("以及", "和"))
DUPLICATE = 0.9  # a "wrong" article this close says the same thing: not a misattribution


def restate(sentence: str, rng: random.Random) -> str:
    """Return the sentence as a model might restate it."""
    clauses = [c for c in re.split(r"[，、；]", sentence.rstrip("。；")) if c]
    kept = [c for c in clauses if rng.random() < 0.8] or clauses[:1]
    text = "，".join("".join(ch for ch in c if rng.random() > 0.15) for c in kept)
    for old, new in SWAPS:
        if old in text and rng.random() < 0.5:
            text = text.replace(old, new, 1)
    return rng.choice(CONNECTIVES) + text + "。"


def pairs(corpus: Path, seed: int = 7) -> tuple[list[float], list[float]]:
    """Return support scores of restated sentences against their own article and the closest other one."""
    rng = random.Random(seed)
    positives, negatives = [], []
    for path in sorted(corpus.glob("*.md")):
        articles = parse_document(read_source(path, max_bytes=50 * 1024 * 1024)).articles
        bags = [bigrams(a.text) for a in articles]
        for index, article in enumerate(articles):
            for sentence in re.findall(r"[^。；\n]{15,}[。；]", article.text):
                said = restate(sentence, rng)
                positives.append(support(said, bags[index]))
                others = [(support(said, bag), j) for j, bag in enumerate(bags) if j != index]
                others = [(score, j) for score, j in others if support(sentence, bags[j]) < DUPLICATE]
                if others:
                    negatives.append(max(others)[0])
    return positives, negatives


def best_threshold(positives: list[float], negatives: list[float]) -> dict[str, float]:
    """Return the threshold with the best balanced accuracy and its rates."""
    best = None
    for step in range(5, 96):
        threshold = step / 100
        kept = sum(p >= threshold for p in positives) / len(positives)
        caught = sum(n < threshold for n in negatives) / len(negatives)
        key = ((kept + caught) / 2, threshold)
        if best is None or key[0] > best[0][0]:
            best = (key, kept, caught)
    assert best is not None
    (balanced, threshold), kept, caught = best
    return {"threshold": threshold, "balanced_accuracy": round(balanced, 4), "true_kept": round(kept, 4),
            "misattributions_caught": round(caught, 4)}


def main() -> None:
    """Score the pairs, pick the threshold and print the record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=PROJECT_ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, help="JSON file for the calibration record.")
    args = parser.parse_args()
    positives, negatives = pairs(args.corpus)
    record = {
        "pairs": len(positives),
        "negatives": len(negatives),
        "positive_median": round(statistics.median(positives), 3),
        "negative_median": round(statistics.median(negatives), 3),
        "chosen": best_threshold(positives, negatives),
        "at_0.35": {"true_kept": round(sum(p >= 0.35 for p in positives) / len(positives), 4),
                    "misattributions_caught": round(sum(n < 0.35 for n in negatives) / len(negatives), 4)},
    }
    text = json.dumps(record, ensure_ascii=False, indent=1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    print(text)  # noqa: T201 - a script's report


if __name__ == "__main__":
    main()
