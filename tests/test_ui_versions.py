"""版本对照 in the web app: the sources-panel note, the side-by-side view (escaped), the panel's handlers."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from assistant import wiring
from assistant.corpus.catalog import Catalog
from assistant.settings import Settings
from assistant.ui.app import build_blocks, build_context
from assistant.ui.auth import save_user
from assistant.ui.sources import render_sources
from assistant.ui.version_view import comparison_href, version_note, version_notes
from tests.ui_fakes import FakeAssistant


def _handler(blocks: gr.Blocks, name: str):  # type: ignore[no-untyped-def]
    return next(f.fn for f in blocks.fns.values() if getattr(f.fn, "__name__", "") == name)


@pytest.fixture()
def catalog(settings: Settings, shared_corpus: Path) -> Catalog:
    library = wiring.build_library(settings)
    library.add([shared_corpus / "网络安全法_2016.md", shared_corpus / "网络安全法_2025修正.md"])
    return library.catalog


def _article(catalog: Catalog, year: str, label: str):  # type: ignore[no-untyped-def]
    version = next(v for v in catalog.versions() if (v.meta.version or "").startswith(year))
    return next(a for a in catalog.articles(version.version_id) if a.article.label == label)


def test_sources_note_says_where_the_article_is_in_the_other_version(catalog: Catalog) -> None:
    new = _article(catalog, "2025", "第二十三条")
    note, href = version_note(catalog, new)
    assert note == "2016年文本第二十一条，现为第二十三条（有修改）"
    assert href == comparison_href(new.doc_id, "第二十三条") and href.startswith("?compare=")
    old = _article(catalog, "2016", "第二十一条")
    assert version_note(catalog, old)[0] == "现行2025年文本中为第二十三条（有修改）"
    deleted = _article(catalog, "2016", "第六十六条")
    assert version_note(catalog, deleted)[0] == "2025年文本中没有对应条文（已删除或并入其他条文）"
    added = _article(catalog, "2025", "第三条")
    assert version_note(catalog, added)[0] == "2025年文本新增，2016年文本中没有对应条文"
    # An item that moved to another article: both ends say so, after the article's own counterpart.
    split = _article(catalog, "2016", "第六十九条")
    assert version_note(catalog, split)[0] == "现行2025年文本中为第七十条（有修改）；部分内容现见2025年文本第六十九条"
    took = _article(catalog, "2025", "第六十九条")
    assert version_note(catalog, took)[0] == ("2016年文本第六十八条，现为第六十九条（有修改）；"
                                              "2016年文本第六十九条的部分内容移入此条")


def test_sources_panel_shows_the_note_with_a_link(catalog: Catalog, settings: Settings) -> None:
    assistant = wiring.build_assistant(settings, catalog)
    answer = assistant.answer("网络安全法第二十三条规定了什么？")
    html = render_sources(answer, versions=version_notes(catalog))
    assert "2016年文本第二十一条，现为第二十三条（有修改）" in html
    assert 'target="_blank"' in html and "版本对照</a>" in html and "?compare=" in html
    assert "版本对照" not in render_sources(answer)  # without the catalog's notes, no note


def test_compare_tab_opens_from_a_link_and_marks_changes(catalog: Catalog, settings: Settings,
                                                         tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    save_user(users, "张三", "official", "official-pass")
    ctx = build_context(settings, users_file=users, assistant=FakeAssistant(),
                        library=wiring.build_library(settings, catalog), catalog=catalog)
    blocks = build_blocks(ctx)
    doc_id = catalog.versions()[0].doc_id
    request = SimpleNamespace(username="张三", query_params={"compare": doc_id, "article": "第二十三条"})
    tabs, document, old, new, view, console_docs = _handler(blocks, "on_load_compare")(request)
    assert tabs.selected == "compare" and document.value == doc_id
    assert [label for label, _ in old.choices] == ["2016-11-07（已修改）", "2025-10-28（现行有效）"]
    assert old.value.endswith("20161107") and new.value.endswith("20251028")
    assert "新增 5" in view and "删除 3" in view
    first_row = view.split("<tbody>")[1].split("</tr>")[0]
    assert 'class="focus"' in first_row and "第二十一条" in first_row and "第二十三条" in first_row
    assert "<ins>" in view and "<del>" in view
    on_versions = _handler(blocks, "on_versions")
    changed = on_versions(doc_id, old.value, new.value, True, request)
    assert changed.count("<tr") < view.count("<tr") and "条号变化、有修改" in changed
    with pytest.raises(gr.Error, match="未登录"):
        on_versions(doc_id, old.value, new.value, True, SimpleNamespace(username="stranger", query_params={}))


def test_comparison_escapes_document_text(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    head = "# 示范办法\n\n（{}发布）\n\n"
    (folder / "old.md").write_text(head.format("2020年1月1日") + "第一条 旧文<b>粗</b>本。\n\n第二条 不变的条文。\n",
                                   encoding="utf-8")
    (folder / "new.md").write_text(head.format("2024年1月1日") + "第一条 新文<script>x()</script>本。\n\n"
                                   "第二条 不变的条文。\n", encoding="utf-8")
    library = wiring.build_library(settings)
    report = library.add([folder / "old.md", folder / "new.md"])
    assert len(report.added) == 2, report.outcomes
    from assistant.corpus.alignment_store import compare
    from assistant.ui.version_view import render_comparison

    view = render_comparison(library.catalog, compare(library.catalog, "示范办法"))
    assert "<script>" not in view and "<b>" not in view
    assert "&lt;script&gt;" in view and "&lt;b&gt;" in view


def test_a_part_row_marks_the_piece_that_moved_instead_of_diffing_two_provisions(catalog: Catalog) -> None:
    from assistant.corpus import alignment_store
    from assistant.ui.version_view import render_comparison

    view = render_comparison(catalog, alignment_store.compare(catalog, "网络安全法"), changed_only=True)
    assert "部分内容移入 4" in view.split("<tbody>")[0]  # the summary counts them
    rows = [row for row in view.split("<tbody>")[1].split("</tr>") if "部分内容移入" in row]
    assert len(rows) == 4  # 第十八条 -> 第二十条, 第六十九条 -> 第六十九条, 第六十四条 and 第七十条 -> 第七十一条
    item = next(row for row in rows if row.count("第六十九条") == 2)
    assert "<mark>（一）不按照有关部门的要求" in item
    assert "<ins>" not in item and "<del>" not in item
