"""Split eval/scenarios.jsonl into a development half and a sealed half by a fixed hash of each question's id.

Usage: .venv/bin/python eval/split_scenarios.py [--check]

Tune only on eval/scenarios_dev.jsonl; score eval/scenarios_sealed.jsonl and report it, but do not read its failures
question by question. The split depends on the id alone (SHA-256, first byte even -> dev), so adding questions never
moves an existing one between halves. --check exits 1 when the two files are not what the split gives.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent
SOURCE = EVAL_DIR / "scenarios.jsonl"
HALVES = {"dev": EVAL_DIR / "scenarios_dev.jsonl", "sealed": EVAL_DIR / "scenarios_sealed.jsonl"}


def half_of(question_id: str) -> str:
    """Return "dev" or "sealed" for a question id."""
    return "dev" if hashlib.sha256(question_id.encode("utf-8")).digest()[0] % 2 == 0 else "sealed"


def split_lines(source: Path = SOURCE) -> dict[str, str]:
    """Return each half's file text, lines in the source's order."""
    halves: dict[str, list[str]] = {name: [] for name in HALVES}
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            halves[half_of(json.loads(line)["id"])].append(line)
    return {name: "".join(f"{line}\n" for line in lines) for name, lines in halves.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that the halves are current")
    args = parser.parse_args()
    stale = []
    for name, text in split_lines().items():
        path = HALVES[name]
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{path.name}: {text.count(chr(10))} questions")
    if stale:
        print(f"stale: {', '.join(stale)}; run: .venv/bin/python eval/split_scenarios.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
