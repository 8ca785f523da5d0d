"""The maintainers' tab: catalog table, upload, replace, remove and feedback, each checked on the server."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.errors import AccessDeniedError
from assistant.records import DOCUMENT_TYPES, STATUSES
from assistant.ui import console
from assistant.ui.auth import ROLE_MAINTAINER
from assistant.ui.compare_view import CompareParts, build_compare_panel
from assistant.ui.context import UiContext
from assistant.ui.filters import document_choices
from assistant.ui.gradio_refusals import AuditedRefusal


@dataclass
class ConsoleParts:
    """The components of the console tab."""

    tab: Any
    summary: Any
    table: Any
    refresh: Any
    upload_files: Any
    upload: Any
    upload_result: Any
    replace_doc: Any
    replace_file: Any
    replace: Any
    replace_result: Any
    remove_doc: Any
    remove_confirm: Any
    remove: Any
    remove_result: Any
    feedback_table: Any
    meta_fields: list[Any]
    compare: CompareParts


def build_console_tab(ctx: UiContext) -> ConsoleParts:
    """Lay out the console tab, hidden until a maintainer's page load shows it."""
    suffixes = list(ctx.settings.corpus.allowed_suffixes)
    limit = f"单个文件不超过 {ctx.settings.ui.max_upload_mb:g} MB；支持 {'、'.join(suffixes)}"
    with gr.Tab("维护", id="console", visible=False, elem_id="console-tab") as tab:
        summary = gr.Markdown(elem_id="catalog-summary")
        table = gr.Dataframe(headers=console.CATALOG_HEADERS, interactive=False, wrap=True,
                             label="文档目录", elem_id="catalog-table")
        refresh = gr.Button("刷新目录", size="sm")
        with gr.Accordion("文档信息（可选；留空则采用文件中识别的信息，用于上传与替换）", open=False):
            with gr.Row():
                meta_fields = [
                    gr.Textbox(label="标题", max_length=200),
                    gr.Dropdown(choices=list(DOCUMENT_TYPES), label="文件类型", allow_custom_value=True, value=None),
                    gr.Textbox(label="发布机关", max_length=200),
                    gr.Dropdown(choices=list(STATUSES), label="状态", value=None),
                    gr.Textbox(label="施行日期", placeholder="YYYY-MM-DD", max_length=20),
                ]
        with gr.Accordion("上传新文档", open=True):
            upload_files = gr.File(file_count="multiple", file_types=suffixes, type="filepath",
                                   label=f"选择文件（{limit}）", elem_id="upload-files")
            upload = gr.Button("上传并入库", variant="primary", elem_id="upload")
            upload_result = gr.Markdown(elem_id="upload-result")
        with gr.Accordion("替换为新版本", open=False):
            replace_doc = gr.Dropdown(choices=[], label="要替换的文档")
            replace_file = gr.File(file_count="single", file_types=suffixes, type="filepath", label="新版本文件")
            replace = gr.Button("替换")
            replace_result = gr.Markdown()
        with gr.Accordion("删除文档", open=False):
            remove_doc = gr.Dropdown(choices=[], label="要删除的文档（全部版本）")
            remove_confirm = gr.Checkbox(label="确认删除（不可撤销）")
            remove = gr.Button("删除", variant="stop")
            remove_result = gr.Markdown()
        with gr.Accordion("用户反馈（最新 50 条）", open=False):
            feedback_table = gr.Dataframe(headers=console.FEEDBACK_HEADERS, interactive=False, wrap=True)
        with gr.Accordion("版本对照（逐条比较同一法规的两个版本）", open=False):
            compare = build_compare_panel("console-compare")
    return ConsoleParts(tab, summary, table, refresh, upload_files, upload, upload_result, replace_doc,
                        replace_file, replace, replace_result, remove_doc, remove_confirm, remove,
                        remove_result, feedback_table, meta_fields, compare)


def console_state(ctx: UiContext, role: str | None) -> tuple:
    """Return (summary, catalog rows, document dropdown, document dropdown, feedback rows) for a role."""
    if role != ROLE_MAINTAINER:
        empty = gr.Dropdown(choices=[], value=None)
        return "", [], empty, empty, []
    versions = ctx.catalog.versions(include_history=True)
    choices = document_choices(versions)
    return (console.catalog_summary(versions), console.catalog_rows(versions),
            gr.Dropdown(choices=choices, value=None), gr.Dropdown(choices=choices, value=None),
            console.feedback_rows(ctx.feedback.latest(50)))


def _guard(fn):  # type: ignore[no-untyped-def]
    """Turn an AccessDeniedError of a console action into a Chinese error notice in the page."""

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AccessDeniedError as err:
            raise AuditedRefusal(str(err)) from err  # console._check_maintainer audited it

    return wrapped


def wire_console(ctx: UiContext, parts: ConsoleParts, chat_documents: Any) -> None:
    """Attach the console's handlers; every one checks the maintainer role itself."""
    p = parts
    state_outputs = [p.summary, p.table, p.replace_doc, p.remove_doc, p.feedback_table]

    def refresh_all(request: gr.Request):
        _, role = ctx.who(request)
        return console_state(ctx, role)

    def refresh_chat_documents():
        return gr.Dropdown(choices=document_choices(ctx.catalog.versions(include_history=True)))

    @_guard
    def on_upload(files: list | None, title: str, doc_type: str, body: str, status: str, effective: str,
                  request: gr.Request, progress=gr.Progress()):  # noqa: B008
        user, role = ctx.who(request)
        meta = console.upload_meta(title, doc_type or "", body, status or "", effective)
        return console.upload_documents(ctx, user, role, files, progress, meta), None

    @_guard
    def on_replace(doc_ref: str | None, file: str | None, title: str, doc_type: str, body: str, status: str,
                   effective: str, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        user, role = ctx.who(request)
        meta = console.upload_meta(title, doc_type or "", body, status or "", effective)
        return console.replace_document(ctx, user, role, doc_ref, file, progress, meta), None

    @_guard
    def on_remove(doc_ref: str | None, confirmed: bool, request: gr.Request):
        user, role = ctx.who(request)
        return console.remove_document(ctx, user, role, doc_ref, confirmed), False

    p.refresh.click(refresh_all, None, state_outputs, api_visibility="private")
    actions = [
        (p.upload, on_upload, [p.upload_files, *p.meta_fields], [p.upload_result, p.upload_files]),
        (p.replace, on_replace, [p.replace_doc, p.replace_file, *p.meta_fields], [p.replace_result, p.replace_file]),
        (p.remove, on_remove, [p.remove_doc, p.remove_confirm], [p.remove_result, p.remove_confirm]),
    ]
    for button, handler, inputs, outputs in actions:
        button.click(handler, inputs, outputs, api_visibility="private", concurrency_limit=1,
                     concurrency_id="library").then(
            refresh_all, None, state_outputs, api_visibility="private"
        ).then(refresh_chat_documents, None, chat_documents, api_visibility="private")
