"""The 版本对照 panel (chat tab and maintainers' console): choose a document and two versions, see them side by side.

A sources-panel link (?compare=DOC&article=第二十三条) opens the page at this panel with the article first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.corpus import alignment_store
from assistant.corpus.catalog import Catalog
from assistant.errors import AccessDeniedError, AssistantError
from assistant.ui.auth import ROLE_OFFICIAL, require_role
from assistant.ui.context import UiContext
from assistant.ui.sources import escape_text
from assistant.ui.version_view import multi_version_documents, render_comparison

_EMPTY = '<div class="sources-empty">选择有多个版本的法规，查看逐条对照（左为旧文本，右为新文本）。</div>'


@dataclass
class CompareParts:
    """The components of one 版本对照 panel."""

    document: Any
    old: Any
    new: Any
    changed_only: Any
    view: Any


def build_compare_panel(prefix: str) -> CompareParts:
    """Lay out a 版本对照 panel; prefix keeps the element ids of the chat's and the console's panels apart."""
    with gr.Row():
        document = gr.Dropdown(choices=[], label="法规（有多个版本的）", elem_id=f"{prefix}-document")
        old = gr.Dropdown(choices=[], label="旧版本", elem_id=f"{prefix}-old")
        new = gr.Dropdown(choices=[], label="新版本", elem_id=f"{prefix}-new")
        changed_only = gr.Checkbox(label="只看有变化的条文", value=False, elem_id=f"{prefix}-changed")
    view = gr.HTML(_EMPTY, elem_id=f"{prefix}-view")
    return CompareParts(document, old, new, changed_only, view)


def _catalog(ctx: UiContext) -> Catalog | None:
    return ctx.catalog if isinstance(ctx.catalog, Catalog) else None


def _check(ctx: UiContext, request: gr.Request | None) -> None:
    """Raise gr.Error in Chinese unless the request comes from a signed-in user."""
    try:
        require_role(ctx.who(request)[1], ROLE_OFFICIAL)
    except AccessDeniedError as err:
        raise gr.Error("未登录或账户无效，请重新登录。") from err


def version_choices(catalog: Catalog, doc_id: str) -> list[tuple[str, str]]:
    """Return (label, version id) of a document's versions, oldest first: 2016-11-07（已修改）."""
    versions = alignment_store.ordered_versions(catalog, doc_id)
    return [(f"{alignment_store.version_date(v)}（{v.meta.status}）", v.version_id) for v in versions]


def compare_html(ctx: UiContext, doc_id: str | None, old: str | None, new: str | None, changed_only: bool,
                 focus: str | None = None) -> str:
    """Return the comparison HTML, or a Chinese message saying what to choose or what went wrong."""
    catalog = _catalog(ctx)
    if catalog is None or not doc_id:
        return _EMPTY
    try:
        comparison = alignment_store.compare(catalog, doc_id, old, new)
    except AssistantError as err:
        return f'<div class="sources-empty">无法对照：{escape_text(str(err))}</div>'
    return render_comparison(catalog, comparison, changed_only=changed_only, focus=focus)


def choose_document(ctx: UiContext, doc_id: str | None, changed_only: bool, focus: str | None = None):
    """Return the updates after a document is chosen: its versions (two newest preselected) and the view."""
    catalog = _catalog(ctx)
    if catalog is None or not doc_id:
        return gr.Dropdown(choices=[], value=None), gr.Dropdown(choices=[], value=None), _EMPTY
    choices = version_choices(catalog, doc_id)
    old = choices[-2][1] if len(choices) > 1 else None
    new = choices[-1][1] if choices else None
    return (gr.Dropdown(choices=choices, value=old), gr.Dropdown(choices=choices, value=new),
            compare_html(ctx, doc_id, old, new, changed_only, focus))


def compare_documents(ctx: UiContext) -> list[tuple[str, str]]:
    """Return (title, doc id) of the documents with several versions."""
    catalog = _catalog(ctx)
    return multi_version_documents(catalog) if catalog is not None else []


def load_panel(ctx: UiContext, request: gr.Request | None) -> tuple[Any, ...]:
    """Return the panel's state on page load: documents to choose, and the one a ?compare= link names."""
    choices = compare_documents(ctx)
    params = dict(getattr(request, "query_params", None) or {})
    doc_id = params.get("compare")
    if doc_id not in {value for _, value in choices}:
        return gr.Dropdown(choices=choices, value=None), gr.skip(), gr.skip(), gr.skip()
    return (gr.Dropdown(choices=choices, value=doc_id),
            *choose_document(ctx, doc_id, False, params.get("article")))


def wire_compare(ctx: UiContext, parts: CompareParts) -> None:
    """Attach a panel's handlers (each checks the user first)."""
    p = parts

    def on_document(doc_id: str | None, changed_only: bool, request: gr.Request):
        _check(ctx, request)
        return choose_document(ctx, doc_id, changed_only)

    def on_versions(doc_id: str | None, old: str | None, new: str | None, changed_only: bool, request: gr.Request):
        _check(ctx, request)
        return compare_html(ctx, doc_id, old, new, changed_only)

    p.document.input(on_document, [p.document, p.changed_only], [p.old, p.new, p.view], api_visibility="private")
    for trigger in (p.old.input, p.new.input, p.changed_only.input):
        trigger(on_versions, [p.document, p.old, p.new, p.changed_only], p.view, api_visibility="private")
