"""Split eval/version_probe.jsonl into a study half and a held-out half by the same id hash as split_scenarios.py.

Usage: .venv/bin/python eval/split_version_probe.py

Tune only on eval/version_probe_study.jsonl; score eval/version_probe_heldout.jsonl but do not tune on its failures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(EVAL_DIR))

from split_scenarios import half_of  # noqa: E402

SOURCE = EVAL_DIR / "version_probe.jsonl"
HALVES = {"dev": EVAL_DIR / "version_probe_study.jsonl", "sealed": EVAL_DIR / "version_probe_heldout.jsonl"}


def main() -> int:
    lines: dict[str, list[str]] = {name: [] for name in HALVES}
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            lines[half_of(json.loads(line)["id"])].append(line)
    for name, path in HALVES.items():
        path.write_text("".join(f"{line}\n" for line in lines[name]), encoding="utf-8")
        print(f"{path.name}: {len(lines[name])} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
