"""The maintainers' console: upload, replace and remove documents, see the catalog and feedback.

Every action checks the caller's role on the server; hiding the tab from officials is only a courtesy.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.corpus.reports import IngestReport
from assistant.errors import AccessDeniedError, AssistantError
from assistant.records import DocumentVersion
from assistant.ui.audit import action_record
from assistant.ui.auth import ROLE_MAINTAINER, require_role
from assistant.ui.chat import escape_markdown as _md
from assistant.ui.context import UiContext
from assistant.ui.uploads import (
    UploadRefusedError,
    check_upload,
    discard_staged,
    discard_upload,
    stage_upload,
    uploaded_path,
)

logger = logging.getLogger(__name__)
_CJK = re.compile(r"[\u4e00-\u9fff]")

CATALOG_HEADERS = ["标题", "文档编号", "版本", "状态", "现行", "类型", "发布机关", "施行日期",
                   "条数", "解析警告", "入库时间（UTC）", "来源文件", "版本编号"]
FEEDBACK_HEADERS = ["时间", "用户", "问题", "有帮助", "意见", "引用"]
Progress = Callable[..., Any]


def catalog_rows(versions: Sequence[DocumentVersion]) -> list[list[object]]:
    """Return one table row per document version, current versions first within a title."""
    ordered = sorted(versions, key=lambda v: (v.meta.title, not v.is_current, v.meta.version or ""))
    return [
        [v.meta.title, v.doc_id, v.meta.version or "", v.meta.status, "是" if v.is_current else "否",
         v.meta.doc_type, v.meta.issuing_body or "", v.meta.effective_date or "", v.article_count,
         "；".join(v.warnings), v.added_at[:16].replace("T", " "), v.source_name, v.version_id]
        for v in ordered
    ]


def catalog_summary(versions: Sequence[DocumentVersion]) -> str:
    """Return one line counting documents, versions and articles of the current versions."""
    current = [v for v in versions if v.is_current]
    return (f"共 {len({v.doc_id for v in versions})} 部文档、{len(versions)} 个版本；"
            f"现行版本共 {sum(v.article_count for v in current)} 条。")


def feedback_rows(entries: Sequence[dict[str, object]]) -> list[list[object]]:
    """Return feedback entries as table rows."""
    return [[e.get("time", ""), e.get("user", ""), e.get("question", ""), "是" if e.get("helpful") else "否",
             e.get("comment", ""), "、".join(map(str, e.get("cited", []) or []))] for e in entries]


def report_progress(progress: Progress | None, stage: str) -> Callable[..., None]:
    """Return a library progress callback that forwards (done, total) to a Gradio progress bar."""

    def callback(*args: object) -> None:
        numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
        words = [a for a in args if isinstance(a, str)]
        desc = f"{stage}：{words[0]}" if words else stage
        if progress is None:
            return
        if len(numbers) >= 2 and numbers[-1]:
            progress((int(numbers[-2]), int(numbers[-1])), desc=desc)
        elif numbers:
            progress(float(numbers[0]), desc=desc)

    return callback


def _version_line(version: DocumentVersion) -> str:
    """Return a Markdown line describing an ingested version and its parse warnings."""
    # Titles, warnings and messages come from uploaded files: shown as text, never as Markdown or HTML.
    line = f"- 《{_md(version.meta.title)}》 版本 {_md(version.meta.version or '未注明')}：{version.article_count} 条"
    for warning in version.warnings:
        line += f"\n  - 【解析提示】{_md(warning)}"
    return line


def describe_report(ctx: UiContext, report: IngestReport, staged: Sequence[Path]) -> list[str]:
    """Return Markdown lines for an ingest report: added versions with warnings, skipped and rejected files."""
    lines = []
    for outcome in report.added:
        try:
            lines.append(_version_line(ctx.catalog.version(outcome.version_id or "")))
        except AssistantError:
            lines.append(f"- 《{_md(outcome.title or '')}》已入库")
    for outcome in report.skipped:
        lines.append(f"- 已跳过 {_md(Path(outcome.path).name)}：{_md(_hide_paths(outcome.message, staged))}")
    for outcome in report.rejected:
        message = _in_chinese(Path(outcome.path).name, _hide_paths(outcome.message, staged))
        lines.append(f"- 【未入库】{_md(Path(outcome.path).name)}：{_md(message)}")
    return lines


def _in_chinese(name: str, message: str) -> str:
    """Return a parser's refusal for the maintainer: in Chinese with the fix, the English detail kept after it."""
    if _CJK.search(message.replace(name, "")):
        return message
    return (f"无法读取文件 {name} 的内容（文件可能已损坏，或内容与扩展名不符）。请用原软件重新导出为 PDF、DOCX "
            f"或纯文本后再上传。技术信息：{message}")


def _hide_paths(message: str, staged: Sequence[Path]) -> str:
    """Return message with the server's staging paths reduced to the file names the maintainer uploaded."""
    for path in staged:
        message = message.replace(str(path), path.name)
    return message


def upload_meta(title: str = "", doc_type: str = "", issuing_body: str = "", status: str = "",
                effective_date: str = "") -> dict[str, str] | None:
    """Return the metadata a maintainer typed for an upload (blank fields keep what the parser found)."""
    meta = {"title": title, "doc_type": doc_type, "issuing_body": issuing_body, "status": status,
            "effective_date": effective_date}
    meta = {k: v.strip() for k, v in meta.items() if v and v.strip()}
    return meta or None


def _check_maintainer(ctx: UiContext, user: str, role: str | None, action: str) -> None:
    """Raise AccessDeniedError and log the refusal when the caller is not a maintainer."""
    try:
        require_role(role, ROLE_MAINTAINER)
    except AccessDeniedError:
        ctx.audit.append(action_record(user, "refused", attempted=action, role=role))
        logger.warning("console action refused user=%s role=%s action=%s", user, role, action)
        raise


def _stage(ctx: UiContext, user: str, action: str,
           files: Sequence[str | Path]) -> tuple[list[Path], list[str]]:
    """Return the uploads copied under safe names, and the refusal messages for the others.

    Only files inside the upload folder are taken: a handler's input path comes from the client, and a
    path naming any other server file (or a URL) would otherwise publish that file to every official.
    Each upload is deleted from the upload folder once copied or refused.
    """
    staged, refusals = [], []
    root = ctx.uploads_folder()
    for file in files:
        try:
            path = uploaded_path(file, root)
            try:
                safe = check_upload(path, path.name, max_mb=ctx.settings.ui.max_upload_mb,
                                    allowed_suffixes=tuple(ctx.settings.corpus.allowed_suffixes))
                staged.append(stage_upload(path, safe, ctx.settings.home / "uploads"))
            finally:
                discard_upload(path, root)
        except UploadRefusedError as err:
            ctx.audit.append(action_record(user, "refused", attempted=action, reason=str(err), path=str(file)[:500]))
            logger.warning("upload refused user=%s action=%s: %s", user, action, err)
            refusals.append(f"- 【已拒绝】{_md(str(err))}")
    return staged, refusals


def upload_documents(ctx: UiContext, user: str, role: str | None, files: Sequence[str | Path] | None,
                     progress: Progress | None = None, meta: dict[str, str] | None = None) -> str:
    """Add uploaded files to the library and return a Markdown report of what happened to each."""
    _check_maintainer(ctx, user, role, "upload")
    if not files:
        return "请先选择要上传的文件。"
    staged, lines = _stage(ctx, user, "upload", files)
    try:
        if staged:
            report = ctx.library.add(staged, meta=meta, progress=report_progress(progress, "入库"))
            lines = describe_report(ctx, report, staged) + lines
    except AssistantError as err:
        logger.warning("upload failed user=%s: %s", user, err)
        lines.append(f"- 【入库失败】{_md(_hide_paths(str(err), staged))}")
    finally:
        for path in staged:
            discard_staged(path)
    ctx.audit.append(action_record(user, "upload", files=[p.name for p in staged], result=lines))
    return "### 上传结果\n" + "\n".join(lines)


def replace_document(ctx: UiContext, user: str, role: str | None, doc_ref: str | None, file: str | Path | None,
                     progress: Progress | None = None, meta: dict[str, str] | None = None) -> str:
    """Replace a document with a new version from an uploaded file; return a Markdown report."""
    _check_maintainer(ctx, user, role, "replace")
    if not doc_ref or not file:
        return "请选择要替换的文档，并上传新版本文件。"
    staged, refusals = _stage(ctx, user, "replace", [file])
    if not staged:
        return "### 替换结果\n" + "\n".join(refusals)
    try:
        version = ctx.library.replace(doc_ref, staged[0], meta=meta, progress=report_progress(progress, "替换"))
        message = "### 替换结果\n" + _version_line(version)
    except AssistantError as err:
        logger.warning("replace failed user=%s doc=%s: %s", user, doc_ref, err)
        message = f"### 替换结果\n- 【替换失败】{_md(_hide_paths(str(err), staged))}"
    finally:
        discard_staged(staged[0])
    ctx.audit.append(action_record(user, "replace", document=doc_ref, file=staged[0].name, result=message))
    return message


def remove_document(ctx: UiContext, user: str, role: str | None, doc_ref: str | None, confirmed: bool) -> str:
    """Remove every version of a document; return a Markdown report."""
    _check_maintainer(ctx, user, role, "remove")
    if not doc_ref:
        return "请选择要删除的文档。"
    if not confirmed:
        return "删除不可撤销：请先勾选“确认删除”。"
    try:
        removed = ctx.library.remove(doc_ref)
        message = "### 删除结果\n" + "\n".join(
            f"- 已删除《{_md(v.meta.title)}》版本 {_md(v.meta.version or v.version_id)}" for v in removed
        )
    except AssistantError as err:
        logger.warning("remove failed user=%s doc=%s: %s", user, doc_ref, err)
        message = f"### 删除结果\n- 【删除失败】{_md(str(err))}"
    ctx.audit.append(action_record(user, "remove", document=doc_ref, result=message))
    return message
