"""The development set is checked against the regulation texts it cites (../shared/corpus)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEVSET = PROJECT_ROOT / "eval" / "devset.jsonl"


def load_checker():  # type: ignore[no-untyped-def]
    """Return the eval/check_devset.py module (eval/ is not a package)."""
    spec = importlib.util.spec_from_file_location("check_devset", PROJECT_ROOT / "eval" / "check_devset.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["check_devset"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def load_devset() -> list[dict]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_devset_covers_every_category_with_enough_questions() -> None:
    records = load_devset()
    categories = Counter(r["category"] for r in records)
    assert len(records) >= 80
    assert set(categories) == load_checker().CATEGORIES
    assert categories["unanswerable"] >= 8 and categories["followup"] >= 5
    assert all(r.get("history") for r in records if r["category"] == "followup")


@pytest.mark.parametrize("parser", ["regex", "structure"])
def test_every_gold_article_and_key_point_is_in_the_corpus(shared_corpus: Path, parser: str) -> None:
    checker = load_checker()
    if parser == "structure" and importlib.util.find_spec("assistant.parsing.structure") is None:
        pytest.skip("assistant.parsing.structure not available")
    files = checker.load_corpus(shared_corpus, parser)
    count, problems = checker.check_file(DEVSET, files)
    assert problems == []
    assert count == len(load_devset())


def test_checker_reports_wrong_gold_with_line_numbers(shared_corpus: Path, tmp_path: Path) -> None:
    checker = load_checker()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "a", "question": "q", "gold": [{"document": "中华人民共和国网络安全法", "article": "第二十一条"}]}\n'
        "not json\n"
        '{"id": "b", "question": "q", "gold": [{"document": "数据安全法", "article": "第21条"}],'
        ' "key_points": ["不在条文里的话"]}\n',
        encoding="utf-8",
    )
    count, problems = checker.check_file(bad, checker.load_corpus(shared_corpus, "regex"))
    assert count == 2
    assert problems[0].startswith("line 1 (a): gold document") and "version" in problems[0]
    assert problems[1].startswith("line 2: not JSON")
    assert problems[2] == "line 3 (b): key point '不在条文里的话' is in no gold article"
