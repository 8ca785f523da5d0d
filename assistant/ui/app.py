"""The web app: Gradio Blocks for chat and console, mounted on FastAPI beside /health, behind the login."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from assistant.errors import ConfigError
from assistant.settings import Settings
from assistant.ui.audit import AuditLog, action_record
from assistant.ui.auth import (
    LOCAL_USER,
    ROLE_MAINTAINER,
    ROLE_NAMES,
    Authenticator,
    LoginResult,
    is_loopback,
    login_required,
)
from assistant.ui.chat_view import build_chat_tab, wire_chat
from assistant.ui.compare_view import build_compare_panel, compare_documents, load_panel, wire_compare
from assistant.ui.console_view import build_console_tab, console_state, wire_console
from assistant.ui.context import UiContext
from assistant.ui.feedback import FeedbackStore
from assistant.ui.filters import doc_type_choices, document_choices
from assistant.ui.gradio_refusals import audit_gradio_refusals
from assistant.ui.health import health_payload
from assistant.ui.library_view import build_library_tab, wire_library
from assistant.ui.login_route import add_login_route
from assistant.ui.model_status import ModelEndpointStatus
from assistant.ui.request_guard import RequestGuard
from assistant.ui.style import CSS, HEAD
from assistant.ui.upkeep import start_reconciling

logger = logging.getLogger(__name__)

TITLE = "网络安全与数据法规智能问答"
# System fonts only: a web font would make every browser call out to the internet.
THEME = gr.themes.Default(
    primary_hue="red",
    font=["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"],
)


def _login_recorder(audit: AuditLog) -> Callable[[LoginResult], None]:
    """Return the callback that writes each login attempt (name as logs may show it, outcome) to the audit log."""

    def record(result: LoginResult) -> None:
        audit.append(action_record(result.logged_name, "login", success=result.ok, reason=result.reason))

    return record


def auth_for(host: str, require_login: bool, users_file: Path | None,
             audit: AuditLog | None = None) -> Authenticator | None:
    """Return the login check the server must use, or None when it may run without login.

    Login is on beyond loopback, when require_login is set, and whenever a users file is given.
    """
    if users_file is not None:
        return Authenticator(users_file, _login_recorder(audit) if audit else None)
    if login_required(host, require_login):
        reason = f"the server listens on {host}, beyond this machine" if not is_loopback(host) else \
            "ui.require_login is set"
        raise ConfigError(
            f"Login is required because {reason}, but no users file is configured. Create one with "
            "'assistant users add NAME --role maintainer --users-file users.toml' and start with "
            "'--users-file users.toml' (or set ASSISTANT_UI__USERS_FILE)."
        )
    return None


def build_context(settings: Settings, *, host: str | None = None, users_file: Path | None = None,
                  assistant: object | None = None, library: object | None = None,
                  catalog: object | None = None) -> UiContext:
    """Return the UiContext for settings, building what is not given through assistant.wiring."""
    host = host or settings.ui.host
    audit = AuditLog(settings.audit_log_path)
    authenticator = auth_for(host, settings.ui.require_login, users_file or settings.ui.users_file, audit)
    if assistant is None or library is None or catalog is None:
        from assistant import wiring  # heavy: loads the embedder and the stores

        # One catalog and one indexer shared by the console's Library and the chat's Assistant, so a
        # document a maintainer adds is searchable at once.
        catalog = catalog or wiring.build_catalog(settings)
        indexer = wiring.build_indexer(settings, catalog=catalog)  # type: ignore[arg-type]
        library = library or wiring.build_library(settings, catalog, indexer)  # type: ignore[arg-type]
        assistant = assistant or wiring.build_assistant(settings, catalog, indexer)  # type: ignore[arg-type]
    return UiContext(settings=settings, assistant=assistant, library=library, catalog=catalog,  # type: ignore[arg-type]
                     authenticator=authenticator, audit=audit,
                     feedback=FeedbackStore(settings.feedback_path))


def _header(user: str, role: str | None, login_on: bool) -> str:
    """Return the Markdown line naming the user, their role and the logout link."""
    if role is None:
        return "账户无效，请[重新登录](/logout)。"
    who = f"当前用户：**{user}**（{ROLE_NAMES[role]}）"
    return f"{who} · [退出登录](/logout)" if login_on else f"{who} · 仅本机访问，未启用登录"


def build_blocks(ctx: UiContext) -> gr.Blocks:
    """Return the Blocks of the web chat: header, chat tab, 收录法规 tab and the maintainers' console tab."""
    # delete_cache: every 10 minutes, uploads and exports older than 30 minutes leave Gradio's cache (the
    # console also deletes each upload as soon as it has been handled).
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(600, 1800)) as blocks:
        gr.Markdown(f"## {TITLE}\n回答只依据已入库的法规原文，并逐句标注出处；无依据时会明确说明。")
        header = gr.Markdown(elem_id="user-header")
        with gr.Tabs() as tabs:
            with gr.Tab("咨询", id="chat"):
                chat = build_chat_tab(ctx)
            library = build_library_tab(ctx)
            with gr.Tab("版本对照", id="compare"):
                compare = build_compare_panel("compare")
            console = build_console_tab(ctx)
        wire_chat(ctx, chat)
        wire_library(ctx, library, blocks)
        wire_console(ctx, console, chat.documents)
        for panel in (compare, console.compare):
            wire_compare(ctx, panel)

        def on_load_compare(request: gr.Request):
            # A sources-panel link (?compare=DOC&article=...) opens the 版本对照 tab at that document.
            wanted = "compare" in dict(getattr(request, "query_params", None) or {})
            panel = load_panel(ctx, request)
            return (gr.Tabs(selected="compare") if wanted else gr.skip(), *panel,
                    gr.Dropdown(choices=compare_documents(ctx)))

        blocks.load(on_load_compare, None, [tabs, compare.document, compare.old, compare.new, compare.view,
                                            console.compare.document], api_visibility="private")

        def on_load(request: gr.Request):
            user, role = ctx.who(request)
            versions = ctx.catalog.versions(include_history=True)
            visible = role == ROLE_MAINTAINER
            return (_header(user if ctx.authenticator else LOCAL_USER, role, ctx.authenticator is not None),
                    gr.Tab(visible=visible), gr.Dropdown(choices=document_choices(versions)),
                    gr.CheckboxGroup(choices=doc_type_choices(versions)), *console_state(ctx, role))

        blocks.load(on_load, None, [header, console.tab, chat.documents, chat.doc_types, console.summary,
                                    console.table, console.replace_doc, console.remove_doc,
                                    console.feedback_table], api_visibility="private")
    return blocks


def create_app(ctx: UiContext) -> FastAPI:
    """Return the FastAPI app serving /health, the API (/api/v1, /v1, /mcp) and the Gradio page at /."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    model_status = ModelEndpointStatus(ctx.settings.llm)

    @app.get("/health")
    def health() -> JSONResponse:
        status, body = health_payload(ctx.catalog, model_status.report())
        return JSONResponse(body, status_code=status)

    from assistant.api.app import mount_api  # the machine-facing endpoints; mounted before Gradio takes "/"

    mount_api(app, ctx)
    # Gradio's own limit sits above ours so that a slightly-too-large file gets our Chinese refusal
    # (RequestGuard checks every uploaded file), while a huge one is still cut off before it fills the disk.
    transfer_limit = int(ctx.settings.ui.max_upload_mb * 2 * 1024 * 1024) + 1024 * 1024
    blocks = build_blocks(ctx)
    audit_gradio_refusals(blocks, ctx.audit)
    mounted: list = []
    if ctx.authenticator is not None:
        # Registered before the mount, so this /login answers instead of Gradio's.
        add_login_route(app, ctx.authenticator, ctx.audit, ctx.settings.ui.login_attempts_per_name,
                        ctx.settings.ui.login_attempts_per_address, lambda: mounted[0])
    app.add_middleware(RequestGuard, authenticator=ctx.authenticator, audit=ctx.audit,
                       gradio_app=lambda: mounted[0], max_upload_mb=ctx.settings.ui.max_upload_mb,
                       allowed_suffixes=tuple(ctx.settings.corpus.allowed_suffixes))
    gr.mount_gradio_app(
        app, blocks, path="/", auth=ctx.authenticator,
        auth_message="请使用维护人员分配的账户登录。", footer_links=[], run_history=False,
        max_file_size=transfer_limit, ssr_mode=False, mcp_server=False,
        theme=THEME, css=CSS, head=HEAD,
    )
    mounted.append(app.routes[-1].app)  # the Gradio app: its session tokens and cookie name
    # mount_gradio_app never marks the Blocks as launched, and Gradio only checks that an event's input file
    # was really uploaded (not a server path) once it is; RequestGuard checks the same before Gradio does.
    blocks.has_launched = True
    return app


def serve(settings: Settings, *, host: str | None = None, port: int | None = None,
          users_file: Path | None = None) -> None:
    """Build the assistant and run the web chat until interrupted."""
    import uvicorn

    host, port = host or settings.ui.host, port or settings.ui.port
    ctx = build_context(settings, host=host, users_file=users_file)
    stop_reconciling = start_reconciling(ctx.library)
    logger.warning("web chat on http://%s:%d login=%s", host, port, ctx.authenticator is not None)
    try:
        uvicorn.run(create_app(ctx), host=host, port=port, log_level="warning")
    finally:
        stop_reconciling.set()
