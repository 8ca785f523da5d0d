"""The SQLite catalog: ids, version standing, the read API and its visibility rules."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.catalog_schema import VersionRow
from assistant.corpus.identity import assign_currency, is_same_version, make_doc_id, make_version_id
from assistant.errors import DocumentNotFoundError
from assistant.records import (
    STATUS_AMENDED,
    STATUS_IN_FORCE,
    STATUS_NOT_YET,
    STATUS_REPEALED,
    Article,
    DocumentMeta,
    DocumentVersion,
)

TODAY = date(2026, 11, 27)


def _articles(n: int, prefix: str = "内容") -> tuple[Article, ...]:
    return tuple(
        Article(label=f"第{i}条", number=i, headings=("第一章 总则",),
                paragraphs=(f"{prefix}{i}甲。", f"{prefix}{i}乙。"))
        for i in range(1, n + 1)
    )


def _row(title: str, version: str | None, sha: str, n: int = 3, **meta: str) -> VersionRow:
    doc_meta = DocumentMeta(title=title, doc_type="法律", version=version, promulgation_date=version, **meta)
    doc_id = make_doc_id(title)
    return VersionRow(
        version_id=make_version_id(doc_id, doc_meta, sha), doc_id=doc_id, meta=doc_meta, structure="articles",
        preamble="", source_name=f"{title}.md", stored_name=f"{sha}.md", sha256=sha, warnings=("注意",),
        articles=_articles(n),
    )


def _publish(catalog: Catalog, row: VersionRow) -> DocumentVersion:
    catalog.begin_version(row)
    return catalog.mark_ready(row.version_id, TODAY)


@pytest.fixture()
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog.sqlite3")


@pytest.mark.parametrize(
    "title",
    [
        "中华人民共和国网络安全法",
        "《中华人民共和国网络安全法》",
        "网络安全法（2016年原文）",
        "中华人民共和国网络安全法（2025修正）",
    ],
)
def test_doc_id_is_stable_across_title_spellings(title: str) -> None:
    assert make_doc_id(title) == make_doc_id("网络安全法")
    assert make_doc_id(title).isascii() and make_doc_id(title).isalnum() and len(make_doc_id(title)) == 12


def test_each_constitutional_amendment_is_its_own_document() -> None:
    # The year in 宪法修正案（1988年） names the instrument; it is no version note, unlike 网络安全法（2016年原文）.
    ids = {make_doc_id(f"中华人民共和国宪法修正案（{year}年）") for year in (1988, 1993, 1999, 2004, 2018)}
    assert len(ids) == 5
    assert make_doc_id("宪法修正案（2018年）(2018-03-11)") == make_doc_id("中华人民共和国宪法修正案（2018年）")
    assert make_doc_id("刑法修正案（十二）(2023-12-29)") == make_doc_id("中华人民共和国刑法修正案（十二）")
    assert make_doc_id("宪法修正案（2018年）") != make_doc_id("宪法")


def test_version_id_uses_the_version_date_or_a_hash_prefix() -> None:
    dated = DocumentMeta(title="数据安全法", version="2021-06-10")
    undated = DocumentMeta(title="数据安全法")
    assert make_version_id("dabc", dated, "f" * 64) == "dabc-20210610"
    assert make_version_id("dabc", undated, "0123456789" + "f" * 54) == "dabc-h0123456789"


def test_undated_text_with_the_same_effective_date_is_the_same_version() -> None:
    md = DocumentMeta(title="网络安全法", version="2016-11-07", effective_date="2017-06-01")
    pdf = DocumentMeta(title="网络安全法", effective_date="2017-06-01")
    amended = DocumentMeta(title="网络安全法", version="2025-10-28", effective_date="2026-01-01")
    assert is_same_version(pdf, "a" * 64, md, "b" * 64)
    assert not is_same_version(amended, "a" * 64, md, "b" * 64)


def _dv(vid: str, version: str | None, effective: str | None, added: str = "2026-01-01T00:00:00") -> DocumentVersion:
    meta = DocumentMeta(title="网络安全法", version=version, effective_date=effective)
    return DocumentVersion(version_id=vid, doc_id="d", meta=meta, source_name="x", sha256="s", article_count=1,
                           warnings=(), is_current=False, added_at=added)


@pytest.mark.parametrize(
    ("versions", "declared", "expected"),
    [
        # The 2025 amendment in force since 2026-01-01 supersedes the 2016 text.
        (
            [_dv("old", "2016-11-07", "2017-06-01"), _dv("new", "2025-10-28", "2026-01-01")],
            {},
            {"old": (False, STATUS_AMENDED, "new"), "new": (True, STATUS_IN_FORCE, None)},
        ),
        # An amendment not yet in force stays pending; the old text remains current.
        (
            [_dv("old", "2016-11-07", "2017-06-01"), _dv("new", "2026-10-01", "2027-01-01")],
            {},
            {"old": (True, STATUS_IN_FORCE, None), "new": (False, STATUS_NOT_YET, None)},
        ),
        # Order follows version dates, not the order of adding.
        (
            [_dv("new", "2025-10-28", None, "2026-01-01"), _dv("old", "2016-11-07", "2017-06-01", "2026-02-01")],
            {},
            {"old": (False, STATUS_AMENDED, "new"), "new": (True, STATUS_IN_FORCE, None)},
        ),
        # A repealed law has no current version.
        (
            [_dv("only", "2010-01-01", "2010-06-01")],
            {"only": STATUS_REPEALED},
            {"only": (False, STATUS_REPEALED, None)},
        ),
    ],
)
def test_assign_currency(versions: list[DocumentVersion], declared: dict[str, str], expected: dict) -> None:
    said = {v.version_id: declared.get(v.version_id, STATUS_IN_FORCE) for v in versions}
    got = assign_currency(versions, said, TODAY)
    assert {vid: (c.is_current, c.status, c.superseded_by) for vid, c in got.items()} == expected


def test_catalog_is_sqlite_in_wal_mode(catalog: Catalog) -> None:
    conn = sqlite3.connect(catalog.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"documents", "versions", "articles", "events"} <= {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }


def test_version_is_invisible_until_ready_and_articles_round_trip(catalog: Catalog) -> None:
    row = _row("中华人民共和国数据安全法", "2021-06-10", "a" * 64, n=4)
    start = catalog.generation()
    catalog.begin_version(row)
    assert catalog.versions() == []
    assert catalog.articles_by_keys([f"{row.version_id}#0"]) == {}
    with pytest.raises(DocumentNotFoundError):
        catalog.version(row.version_id)
    published = catalog.mark_ready(row.version_id, TODAY)
    assert catalog.generation() > start
    assert published.is_current and published.article_count == 4 and published.warnings == ("注意",)
    stored = catalog.articles(row.version_id)
    assert [s.article for s in stored] == list(row.articles)
    assert [s.key for s in stored] == [f"{row.version_id}#{i}" for i in range(4)]
    assert stored[0].title == "中华人民共和国数据安全法"
    assert stored[0].is_current and stored[0].status == STATUS_IN_FORCE
    found = catalog.articles_by_keys([f"{row.version_id}#2", f"{row.version_id}#9", "nonsense"])
    assert list(found) == [f"{row.version_id}#2"] and found[f"{row.version_id}#2"].article.number == 3
    assert [s.key for s in catalog.iter_articles()] == [s.key for s in stored]


def test_a_reader_sees_the_last_commit_while_a_writer_is_open(catalog: Catalog) -> None:
    _publish(catalog, _row("密码法", "2019-10-26", "c" * 64))
    writer = sqlite3.connect(catalog.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE versions SET title = '改了'")
    assert [v.meta.title for v in catalog.versions()] == ["密码法"]  # WAL: readers are not blocked
    writer.execute("ROLLBACK")


def test_versions_of_one_document_and_history(catalog: Catalog) -> None:
    old = _publish(catalog, _row("中华人民共和国网络安全法", "2016-11-07", "1" * 64, effective_date="2017-06-01"))
    new = _publish(catalog, _row("中华人民共和国网络安全法（2025修正）", "2025-10-28", "2" * 64,
                                 effective_date="2026-01-01"))
    assert old.doc_id == new.doc_id
    everything = {v.version_id: v for v in catalog.versions()}
    assert everything[new.version_id].is_current
    assert not everything[old.version_id].is_current
    assert everything[old.version_id].meta.status == STATUS_AMENDED
    assert everything[old.version_id].superseded_by == new.version_id
    assert [v.version_id for v in catalog.versions(include_history=False)] == [new.version_id]
    assert catalog.articles(old.version_id)[0].status == STATUS_AMENDED


def test_pending_version_becomes_current_when_its_date_comes(catalog: Catalog) -> None:
    old = _publish(catalog, _row("某某条例", "2020-01-01", "3" * 64, effective_date="2020-03-01"))
    new = _publish(catalog, _row("某某条例", "2026-10-01", "4" * 64, effective_date="2027-01-01"))
    assert catalog.version(new.version_id).meta.status == STATUS_NOT_YET
    assert catalog.version(old.version_id).is_current
    assert not catalog.refresh_currency(TODAY)
    assert catalog.refresh_currency(date(2027, 1, 1))
    assert catalog.version(new.version_id).is_current
    assert catalog.version(old.version_id).superseded_by == new.version_id


def test_resolve_accepts_ids_titles_and_unique_parts(catalog: Catalog) -> None:
    cyber = _publish(catalog, _row("中华人民共和国网络安全法", "2025-10-28", "5" * 64))
    data = _publish(catalog, _row("中华人民共和国数据安全法", "2021-06-10", "6" * 64))
    _publish(catalog, _row("网络数据安全管理条例", "2024-09-24", "7" * 64))
    assert catalog.resolve(cyber.version_id) == [cyber]
    assert catalog.resolve(cyber.doc_id) == [cyber]
    assert catalog.resolve("中华人民共和国网络安全法") == [cyber]
    assert catalog.resolve("《网络安全法》（2025修正）") == [cyber]
    assert catalog.resolve("数据安全法") == [data]
    assert catalog.resolve("管理条例")[0].meta.title == "网络数据安全管理条例"
    with pytest.raises(DocumentNotFoundError, match="matches 2 documents"):
        catalog.resolve("安全法")
    with pytest.raises(DocumentNotFoundError, match="no document matches"):
        catalog.resolve("刑法")


def test_resolve_names_amendments_apart_and_refuses_to_guess_between_them(catalog: Catalog) -> None:
    first = _publish(catalog, _row("中华人民共和国宪法修正案（1988年）", "1988-04-12", "a" * 64))
    last = _publish(catalog, _row("中华人民共和国宪法修正案（2018年）", "2018-03-11", "b" * 64))
    assert first.doc_id != last.doc_id
    assert catalog.resolve("宪法修正案（2018年）") == [last]
    with pytest.raises(DocumentNotFoundError, match="matches 2 documents"):
        catalog.resolve("宪法修正案")


def test_delete_version_logs_and_drops_an_empty_document(catalog: Catalog) -> None:
    version = _publish(catalog, _row("电子签名法", "2019-04-23", "8" * 64))
    catalog.mark_removing([version.version_id], TODAY)
    assert catalog.versions() == [] and catalog.unfinished_versions() == [version.version_id]
    catalog.delete_version(version.version_id, action="removed", detail="test")
    assert catalog.unfinished_versions() == [] and catalog.doc_ids() == []
    assert catalog.events()[0][1:3] == ("removed", version.version_id)


def test_reopening_keeps_everything(tmp_path: Path) -> None:
    first = Catalog(tmp_path / "c.sqlite3")
    version = _publish(first, _row("反间谍法", "2023-04-26", "9" * 64))
    generation = first.generation()
    first.close()
    again = Catalog(tmp_path / "c.sqlite3")
    assert again.versions() == [version] and again.generation() == generation


def test_an_older_catalog_keeps_filing_amendments_under_their_existing_document(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    catalog = Catalog(path)
    row = _row("中华人民共和国宪法修正案（1988年）", "1988-04-12", "c" * 64)
    old_style = replace(row, doc_id="dolderkey001", version_id="dolderkey001-19880412")
    _publish(catalog, old_style)
    # What a catalog written by the previous title rule holds: one key without the year, no title_keys mark.
    with catalog.transaction() as conn:
        conn.execute("DELETE FROM document_titles")
        conn.execute("INSERT INTO document_titles VALUES ('宪法修正案', 'dolderkey001')")
        conn.execute("DELETE FROM meta WHERE key = 'title_keys'")
    catalog.close()

    reopened = Catalog(path)
    assert reopened.doc_id_for_title("中华人民共和国宪法修正案（1988年）") == "dolderkey001"
    assert reopened.doc_id_for_title("宪法修正案（2018年）") is None  # never seen: a new document when added
    reopened.close()
