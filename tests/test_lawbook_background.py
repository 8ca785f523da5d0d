"""The background of Chinese law at large against which the library's terms of art stand out: how it is counted
(eval/count_lawbook_words.py) and that the shipped table is the lawbook's."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

from assistant.language.vocabulary import BACKGROUND_FILE, background_documents, background_frequency

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from count_lawbook_words import document_frequency, law_documents, main, write_table  # noqa: E402


def _lawbook(root: Path) -> Path:
    (root / "法律" / "刑法").mkdir(parents=True)
    (root / "案例").mkdir()
    (root / "法律" / "甲法.md").write_text("第一条 涉密人员不得泄露国家秘密。涉密载体应当妥善保管。", encoding="utf-8")
    (root / "法律" / "刑法" / "乙法.md").write_text("第一条 当事人应当提供证据。", encoding="utf-8")
    (root / "案例" / "某案.md").write_text("法院认定涉密证据。", encoding="utf-8")
    return root


def test_documents_are_counted_once_each_and_case_reports_left_out(tmp_path: Path) -> None:
    lawbook = _lawbook(tmp_path / "lawbook")
    paths = law_documents(lawbook)
    assert [p.name for p in paths] == ["乙法.md", "甲法.md"]  # 案例/ is not law
    counts = document_frequency(p.read_text(encoding="utf-8") for p in paths)
    assert counts["涉密"] == 1  # twice in one document: one document
    assert counts["证据"] == 1 and counts["应当"] == 2
    assert not any(len(word) < 2 for word in counts)


def test_the_table_is_written_the_same_twice_and_read_back(tmp_path: Path) -> None:
    lawbook = _lawbook(tmp_path / "lawbook")
    first, second = tmp_path / "a.tsv.gz", tmp_path / "b.tsv.gz"
    assert main(["--lawbook", str(lawbook), "--out", str(first)]) == 0
    assert main(["--lawbook", str(lawbook), "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()  # no timestamp: a rerun changes nothing in git
    lines = gzip.open(first, "rt", encoding="utf-8").read().splitlines()
    assert lines[0] == "# documents\t2" and "涉密\t1" in lines


def test_an_empty_lawbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--lawbook", str(tmp_path), "--out", str(tmp_path / "x.tsv.gz")])


def test_the_shipped_table_is_the_lawbooks(shared_dir: Path) -> None:
    assert BACKGROUND_FILE.exists()
    assert background_documents() == 3449
    assert background_frequency("涉密") == 36 and background_frequency("证据") == 638
    assert background_frequency("一个从未出现的词") == 0
    lawbook = shared_dir / "lawbook"
    if lawbook.exists():  # where the lawbook lies beside the clone, the document count is checked against it
        assert len(law_documents(lawbook)) == background_documents()


def test_write_table_sorts_words(tmp_path: Path) -> None:
    from collections import Counter

    out = tmp_path / "t.tsv.gz"
    write_table(Counter({"乙乙": 2, "甲甲": 1}), 3, out)
    assert gzip.open(out, "rt", encoding="utf-8").read() == "# documents\t3\n乙乙\t2\n甲甲\t1\n"
