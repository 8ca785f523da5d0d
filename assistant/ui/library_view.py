"""The 收录法规 tab: what the library holds (title, type, issuing body, version, effective date, status, article
count), searchable with a text box, so officials can see whether a regulation is covered before asking.

Cells are plain strings in a Dataframe of datatype "str", which the page shows as text, never as HTML or Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.corpus.library_listing import LIBRARY_HEADERS, library_rows, library_summary
from assistant.errors import AccessDeniedError
from assistant.ui.auth import ROLE_OFFICIAL, require_role
from assistant.ui.chat import escape_markdown
from assistant.ui.context import UiContext


@dataclass
class LibraryParts:
    """The components of the 收录法规 tab."""

    summary: Any
    search: Any
    table: Any


def build_library_tab(ctx: UiContext) -> LibraryParts:
    """Lay out the 收录法规 tab (filled on page load and on every change of the search box)."""
    with gr.Tab("收录法规", id="library", elem_id="library-tab"):
        summary = gr.Markdown(elem_id="library-summary")
        search = gr.Textbox(placeholder="输入标题、发布机关、类型或年份筛选，例如：数据 国务院", show_label=False,
                            max_length=200, elem_id="library-search")
        table = gr.Dataframe(headers=list(LIBRARY_HEADERS), datatype="str", interactive=False, wrap=True,
                             label="已收录的法规（含历史版本）", elem_id="library-table")
    return LibraryParts(summary, search, table)


def library_view(ctx: UiContext, query: str, request: gr.Request) -> tuple[str, list[list[str]]]:
    """Return the summary line and the rows matching query, for a user allowed to chat."""
    _, role = ctx.who(request)
    try:
        require_role(role, ROLE_OFFICIAL)
    except AccessDeniedError as err:
        raise gr.Error("未登录或账户无效，请重新登录。") from err
    versions = ctx.catalog.versions(include_history=True)
    rows = library_rows(versions, query or "")
    # The summary is Markdown: the query echoed in it must not become a link or an image.
    summary = library_summary(versions, len(rows))
    if query and query.strip():
        summary += f" 检索词：{escape_markdown(query.strip())}"
    return summary, rows


def wire_library(ctx: UiContext, parts: LibraryParts, blocks: gr.Blocks) -> None:
    """Fill the tab when the page loads and whenever the search text changes."""

    def refresh(query: str, request: gr.Request) -> tuple[str, list[list[str]]]:
        return library_view(ctx, query, request)

    outputs = [parts.summary, parts.table]
    blocks.load(refresh, [parts.search], outputs, api_visibility="private")
    parts.search.change(refresh, [parts.search], outputs, api_visibility="private", trigger_mode="always_last")
