"""Console actions: maintainers only (checked on the server), safe uploads, reports, audit entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import AccessDeniedError
from assistant.settings import Settings
from assistant.ui import console
from assistant.ui.audit import AuditLog, read_jsonl
from assistant.ui.context import UiContext
from assistant.ui.feedback import FeedbackStore
from tests.ui_fakes import FakeAssistant, FakeCatalog, FakeLibrary, version_of


@pytest.fixture()
def ctx(settings: Settings) -> UiContext:
    catalog = FakeCatalog([version_of("数据安全法", "dsl", "dsl-1", articles=55)])
    return UiContext(settings=settings, assistant=FakeAssistant(), library=FakeLibrary(catalog), catalog=catalog,
                     authenticator=None, audit=AuditLog(settings.audit_log_path),
                     feedback=FeedbackStore(settings.feedback_path))


def _file(tmp_path: Path, name: str, text: str = "第一条 为了测试，制定本办法。") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_officials_are_refused_every_action_and_the_refusal_is_audited(ctx: UiContext, tmp_path: Path) -> None:
    upload = _file(tmp_path, "办法.md")
    for call in (
        lambda: console.upload_documents(ctx, "张三", "official", [upload]),
        lambda: console.replace_document(ctx, "张三", "official", "dsl", upload),
        lambda: console.remove_document(ctx, "张三", None, "dsl", True),
    ):
        with pytest.raises(AccessDeniedError):
            call()
    assert ctx.library.added == [] and len(ctx.catalog.versions()) == 1
    assert [r["attempted"] for r in read_jsonl(ctx.settings.audit_log_path)] == ["upload", "replace", "remove"]


def test_upload_reports_added_files_warnings_and_refusals(ctx: UiContext, tmp_path: Path) -> None:
    good = _file(tmp_path, "测试办法.md")
    bad = _file(tmp_path, "tool.exe")
    seen: list[tuple] = []
    report = console.upload_documents(ctx, "admin", "maintainer", [good, bad],
                                      progress=lambda value, desc="": seen.append((value, desc)))
    assert "《测试办法》 版本 2021-06-10：3 条" in report and "【解析提示】第3条编号不连续" in report
    assert "不支持的文件类型“.exe”" in report
    assert ctx.library.added == [("测试办法.md", good.read_bytes())]
    assert seen == [((1, 1), "入库")]
    assert not any((ctx.settings.home / "uploads").iterdir())  # staged copies are cleaned up
    entry = read_jsonl(ctx.settings.audit_log_path)[-1]
    assert entry["event"] == "upload" and entry["user"] == "admin" and entry["files"] == ["测试办法.md"]


def test_replace_and_remove(ctx: UiContext, tmp_path: Path) -> None:
    new = _file(tmp_path, "数据安全法2026.md")
    assert "版本 2021-06-10" in console.replace_document(ctx, "admin", "maintainer", "dsl", new)
    assert "替换失败" in console.replace_document(ctx, "admin", "maintainer", "nothing", new)
    assert "确认删除" in console.remove_document(ctx, "admin", "maintainer", "dsl", False)
    assert "已删除《数据安全法》" in console.remove_document(ctx, "admin", "maintainer", "dsl", True)
    assert ctx.catalog.versions() == []
    assert "删除失败" in console.remove_document(ctx, "admin", "maintainer", "dsl", True)


def test_catalog_rows_and_summary() -> None:
    versions = [version_of("数据安全法", "dsl", "dsl-1", articles=55, current=False),
                version_of("数据安全法", "dsl", "dsl-2", articles=56, warnings=("缺少施行日期",)),
                version_of("个人信息保护法", "pipl", "pipl-1", articles=74)]
    rows = console.catalog_rows(versions)
    assert [r[-1] for r in rows] == ["pipl-1", "dsl-2", "dsl-1"]
    assert rows[1][4] == "是" and rows[1][8] == 56 and rows[1][9] == "缺少施行日期"
    assert console.catalog_summary(versions) == "共 2 部文档、3 个版本；现行版本共 130 条。"


def test_upload_meta_keeps_only_filled_fields() -> None:
    assert console.upload_meta("", "", " ", "", "") is None
    assert console.upload_meta("某办法", "部门规章", "", "现行有效", "2026-01-01") == {
        "title": "某办法", "doc_type": "部门规章", "status": "现行有效", "effective_date": "2026-01-01"}


def test_titles_and_warnings_from_uploaded_files_are_shown_as_text() -> None:
    from markdown_it import MarkdownIt

    planted = "![x](http://attacker.example/t.png)[点](javascript:alert(1))<img src=x>"
    line = console._version_line(version_of(f"{planted}条例", "evil", "evil-1", warnings=(planted,)))
    rendered = MarkdownIt("commonmark", {"html": True}).render(line)
    assert "<img" not in rendered and "<a " not in rendered and "](http" not in line, rendered
    assert rendered.count("attacker.example/t.png") == 2  # still shown, as text
