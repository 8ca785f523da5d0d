"""Mounts the machine-facing endpoints on the web chat's FastAPI app, before Gradio takes the rest of the paths."""

from __future__ import annotations

from fastapi import FastAPI

from assistant.api.docs import add_docs_page
from assistant.api.errors import install_error_handlers
from assistant.api.mcp_server import mount_mcp
from assistant.api.openai_compat import build_openai_app
from assistant.api.routes import build_rest_router
from assistant.api.security import ApiGuard
from assistant.api.service import ApiService
from assistant.api.tokens import TokenStore, tokens_path_for
from assistant.ui.context import UiContext

API_PREFIX = "/api/v1"
OPENAI_PREFIX = "/v1"
API_DESCRIPTION = (
    "法规问答接口：回答附逐句出处（[n] 标记对应 citations），检索、条文查询与法规目录。\n\n"
    "认证：本机且未配置用户文件时开放；配置用户文件后（监听非本机地址时必需）每个请求须带 "
    "`Authorization: Bearer <令牌>`（`assistant users token 用户名` 生成），或以聊天账户的用户名密码作 HTTP Basic。"
)


def build_service(ctx: UiContext) -> ApiService:
    """Return the ApiService over ctx, with the token store beside the users file when login is on."""
    tokens = TokenStore(tokens_path_for(ctx.authenticator.path)) if ctx.authenticator else None
    return ApiService(ctx, ApiGuard(ctx.authenticator, tokens, ctx.settings.ui.login_attempts_per_name,
                                     ctx.settings.ui.login_attempts_per_address))


def build_rest_app(service: ApiService) -> FastAPI:
    """Return the /api/v1 application: routes, JSON errors, OpenAPI schema and the offline docs page."""
    app = FastAPI(title="网络安全与数据法规智能问答", version="1", description=API_DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    install_error_handlers(app)
    app.include_router(build_rest_router(service))
    add_docs_page(app)
    return app


def mount_api(app: FastAPI, ctx: UiContext) -> ApiService:
    """Mount /api/v1, the OpenAI-compatible /v1 and MCP's /mcp on app and return the service behind them."""
    service = build_service(ctx)
    app.mount(API_PREFIX, build_rest_app(service))
    app.mount(OPENAI_PREFIX, build_openai_app(service))
    mount_mcp(app, service)
    return service
