"""Console actions: maintainers only (checked on the server), safe uploads, reports, audit entries."""

from __future__ import annotations

import uuid
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
def ctx(settings: Settings, tmp_path: Path) -> UiContext:
    catalog = FakeCatalog([version_of("数据安全法", "dsl", "dsl-1", articles=55)])
    return UiContext(settings=settings, assistant=FakeAssistant(), library=FakeLibrary(catalog), catalog=catalog,
                     authenticator=None, audit=AuditLog(settings.audit_log_path),
                     feedback=FeedbackStore(settings.feedback_path), upload_root=tmp_path / "uploads")


def _file(tmp_path: Path, name: str, text: str = "第一条 为了测试，制定本办法。") -> Path:
    """Write an upload the way Gradio does: in a folder of its own inside the upload folder."""
    folder = tmp_path / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / name
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
    content = good.read_bytes()
    bad = _file(tmp_path, "tool.exe")
    seen: list[tuple] = []
    report = console.upload_documents(ctx, "admin", "maintainer", [good, bad],
                                      progress=lambda value, desc="": seen.append((value, desc)))
    assert "《测试办法》 版本 2021-06-10：3 条" in report and "【解析提示】第3条编号不连续" in report
    assert "不支持的文件类型“.exe”" in report
    assert ctx.library.added == [("测试办法.md", content)]
    assert seen == [((1, 1), "入库")]
    assert not any((ctx.settings.home / "uploads").iterdir())  # staged copies are cleaned up
    assert not any((tmp_path / "uploads").iterdir())  # and the uploads themselves, handled or refused
    entry = read_jsonl(ctx.settings.audit_log_path)[-1]
    assert entry["event"] == "upload" and entry["user"] == "admin" and entry["files"] == ["测试办法.md"]


def test_replace_and_remove(ctx: UiContext, tmp_path: Path) -> None:
    new = _file(tmp_path, "数据安全法2026.md")
    assert "版本 2021-06-10" in console.replace_document(ctx, "admin", "maintainer", "dsl", new)
    again = _file(tmp_path, "数据安全法2026.md")
    assert "替换失败" in console.replace_document(ctx, "admin", "maintainer", "nothing", again)
    assert "确认删除" in console.remove_document(ctx, "admin", "maintainer", "dsl", False)
    assert "已删除《数据安全法》" in console.remove_document(ctx, "admin", "maintainer", "dsl", True)
    assert ctx.catalog.versions() == []
    assert "删除失败" in console.remove_document(ctx, "admin", "maintainer", "dsl", True)


@pytest.mark.parametrize("given", ["server", "README", "url", "relative", "link"])
def test_files_that_were_not_uploaded_are_refused_and_audited(ctx: UiContext, tmp_path: Path, given: str) -> None:
    """A handler's file path comes from the client: a server file, a URL or a link out of the upload folder is
    refused for upload and replace alike, with the offending path in the audit log."""
    secret = tmp_path / "server-secret.md"
    secret.write_text("第一条 服务器私密配置。", encoding="utf-8")
    link = tmp_path / "uploads" / "l1" / "看似上传.md"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    path = {"server": str(secret), "README": str(Path(__file__).resolve().parent.parent / "README.md"),
            "url": "http://127.0.0.1:9/secret.md", "relative": "../server-secret.md", "link": str(link)}[given]
    upload = console.upload_documents(ctx, "admin", "maintainer", [path])
    replace = console.replace_document(ctx, "admin", "maintainer", "dsl", path)
    assert "【已拒绝】" in upload and "【已拒绝】" in replace
    assert ("网址" if given == "url" else "不是通过本页面上传的文件") in upload
    assert ctx.library.added == [] and secret.exists()
    refusals = [r for r in read_jsonl(ctx.settings.audit_log_path) if r["event"] == "refused"]
    assert [r["attempted"] for r in refusals] == ["upload", "replace"] and refusals[0]["path"] == path


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
