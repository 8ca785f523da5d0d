"""The development set and the officials' scenario set are checked against the texts they cite (../shared/corpus)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEVSET = PROJECT_ROOT / "eval" / "devset.jsonl"
SCENARIOS = PROJECT_ROOT / "eval" / "scenarios.jsonl"
FRESH = PROJECT_ROOT / "eval" / "fresh_officials.jsonl"
FRESH2 = PROJECT_ROOT / "eval" / "fresh2_officials.jsonl"  # held out: scored, never studied
MULTI = PROJECT_ROOT / "eval" / "multi_regulation_probe.jsonl"
STUDY = PROJECT_ROOT / "eval" / "study_officials.jsonl"
TRAIN = PROJECT_ROOT / "eval" / "train_officials.jsonl"
VERSION3 = PROJECT_ROOT / "eval" / "version_probe3.jsonl"
BOUNDARY = PROJECT_ROOT / "eval" / "boundary_officials.jsonl"


def load_checker():  # type: ignore[no-untyped-def]
    """Return the eval/check_devset.py module (eval/ is not a package)."""
    spec = importlib.util.spec_from_file_location("check_devset", PROJECT_ROOT / "eval" / "check_devset.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["check_devset"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def load_questions(path: Path = DEVSET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_devset() -> list[dict]:
    return load_questions(DEVSET)


def test_devset_covers_every_category_with_enough_questions() -> None:
    records = load_devset()
    categories = Counter(r["category"] for r in records)
    assert len(records) >= 80
    assert set(categories) == load_checker().CATEGORIES - {"missing_regulation"}
    assert categories["unanswerable"] >= 8 and categories["followup"] >= 5
    assert all(r.get("history") for r in records if r["category"] == "followup")


def test_scenario_set_has_the_mix_officials_ask() -> None:
    records = load_questions(SCENARIOS)
    categories = Counter(r["category"] for r in records)
    total = len(records)
    assert total >= 300 and len({r["id"] for r in records}) == total
    assert set(categories) <= load_checker().CATEGORIES
    documents = [{g["document"] for g in r.get("gold", [])} for r in records if not r.get("gold_any")]
    two_regulations = [names for names in documents if len(names) >= 2]
    assert len(two_regulations) >= 0.2 * total
    assert categories["version"] >= 0.1 * total
    declined = [r for r in records if r.get("answerable") is False]
    assert len(declined) >= 0.1 * total and categories["missing_regulation"] >= 0.05 * total
    assert all(not r.get("gold") for r in declined)
    assert categories["followup"] >= 0.1 * total
    assert all(r.get("history") for r in records if r["category"] == "followup")
    assert categories["traditional"] + categories["typo"] >= 0.2 * total
    assert all(r.get("role") and r.get("system") for r in records), "every scenario names its asker and system"


def test_scenario_halves_are_the_fixed_hash_split() -> None:
    spec = importlib.util.spec_from_file_location("split_scenarios", PROJECT_ROOT / "eval" / "split_scenarios.py")
    splitter = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(splitter)  # type: ignore[union-attr]
    for name, text in splitter.split_lines().items():
        assert splitter.HALVES[name].read_text(encoding="utf-8") == text, "run: eval/split_scenarios.py"
    halves = {name: load_questions(path) for name, path in splitter.HALVES.items()}
    assert sum(map(len, halves.values())) == len(load_questions(SCENARIOS))
    assert min(map(len, halves.values())) >= 0.4 * len(load_questions(SCENARIOS))


@pytest.mark.parametrize(
    "questions", [DEVSET, SCENARIOS, FRESH, FRESH2, MULTI, STUDY, TRAIN, VERSION3, BOUNDARY],
    ids=["devset", "scenarios", "fresh", "fresh2", "multi", "study", "train", "version3", "boundary"]
)
@pytest.mark.parametrize("parser", ["regex", "structure"])
def test_every_gold_article_and_key_point_is_in_the_corpus(shared_corpus: Path, parser: str, questions: Path) -> None:
    checker = load_checker()
    files = checker.load_corpus(shared_corpus, parser)
    count, problems = checker.check_file(questions, files)
    assert problems == []
    assert count == len(load_questions(questions))


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
