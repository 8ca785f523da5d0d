"""Independent check of `assistant corpus compare`: a second alignment by a different method must agree.

The assistant pairs articles by character-bigram Dice similarity, greedily, best pairs first
(assistant/corpus/versions.py). This script pairs them by difflib.SequenceMatcher ratio over every pair of
articles and an optimal one-to-one assignment (Hungarian method, scipy.optimize.linear_sum_assignment),
reading the two texts straight from the Markdown files (its own article splitter, not the project's parser).
It then requires:
  - every pair either method scores at least 0.8 is found by the other one too, and
  - the same new-version articles are added (no counterpart at ratio 0.5 or more).

Usage:
    python eval/check_version_alignment.py OLD.md NEW.md COMPARE.jsonl [--out RESULT.json]
where COMPARE.jsonl is the output of `assistant corpus compare TITLE --json`. Exit status 1 on disagreement.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

STRONG = 0.8  # pairs at least this similar must agree
PAIRED = 0.5  # below this ratio the assignment's pair is not a counterpart: the new article is added
_ARTICLE = re.compile(r"^(第[零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)[ \u3000]*", re.MULTILINE)


def split_articles(path: Path) -> list[tuple[str, str]]:
    """Return (label, text without whitespace) for each article of a Markdown law text, headings dropped."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    marks = list(_ARTICLE.finditer(text))
    found = []
    for k, mark in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        body = "\n".join(line for line in text[mark.end():end].splitlines() if not line.startswith("#"))
        found.append((mark.group(1), re.sub(r"\s+", "", body)))
    return found


def independent_alignment(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> tuple[dict, set]:
    """Return ({(old label, new label): ratio} for assigned pairs at PAIRED or more, set of added new labels)."""
    ratio = np.zeros((len(old), len(new)))
    for i, (_, a) in enumerate(old):
        for j, (_, b) in enumerate(new):
            ratio[i, j] = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    rows, cols = linear_sum_assignment(-ratio)
    pairs = {(old[i][0], new[j][0]): float(ratio[i, j]) for i, j in zip(rows, cols, strict=True)
             if ratio[i, j] >= PAIRED}
    paired_new = {n for _, n in pairs}
    return pairs, {label for label, _ in new if label not in paired_new}


def check(old_path: Path, new_path: Path, compare_rows: list[dict]) -> dict:
    """Return the agreement report of the independent alignment and the assistant's rows."""
    pairs, added = independent_alignment(split_articles(old_path), split_articles(new_path))
    ours = {(r["old"], r["new"]): r["similarity"] for r in compare_rows if r.get("old") and r.get("new")}
    ours_added = {r["new"] for r in compare_rows if r.get("status") == "added"}
    strong_theirs = {p for p, score in pairs.items() if score >= STRONG}
    strong_ours = {p for p, score in ours.items() if score >= STRONG}
    missing_in_ours = sorted(strong_theirs - set(ours))
    missing_in_theirs = sorted(strong_ours - set(pairs))
    return {
        "independent_pairs": len(pairs), "independent_strong_pairs": len(strong_theirs),
        "assistant_pairs": len(ours), "assistant_strong_pairs": len(strong_ours),
        "strong_pairs_missing_from_assistant": missing_in_ours,
        "strong_pairs_missing_from_independent": missing_in_theirs,
        "added_independent": sorted(added), "added_assistant": sorted(ours_added),
        "agree": not missing_in_ours and not missing_in_theirs and added == ours_added,
    }


def main() -> int:
    """Run the check from the command line; print and optionally write the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("compare_jsonl", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.compare_jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = check(args.old, args.new, [r for r in rows if "summary" not in r])
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if report["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
