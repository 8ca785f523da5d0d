"""MCP tools over the assistant: search_regulations, get_article, ask, list_regulations.

`assistant mcp` serves them over stdio to a local agent (the user who runs it owns the home, as with the CLI);
the web server serves them over streamable HTTP at /mcp, behind the same tokens as /api/v1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from assistant.api.errors import error_response
from assistant.api.payloads import article_payload, retrieval_payload, search_filters
from assistant.api.security import CHALLENGE, AuthRefused, Caller
from assistant.api.service import ApiService
from assistant.errors import AssistantError
from assistant.ui.auth import LOCAL_USER, ROLE_MAINTAINER

MCP_PATH = "/mcp"
INSTRUCTIONS = (
    "中国网络安全与数据法规问答。先用 list_regulations 查看收录法规；search_regulations 检索条文；"
    "get_article 取某法某条原文；ask 给出附 [n] 出处的回答（citations 字段列出出处）。"
)


def _caller(service: ApiService, ctx: Context) -> Caller:
    """Return who calls a tool: the token's user over HTTP, the local user over stdio."""
    headers = ctx.headers
    if headers is None:
        return Caller(LOCAL_USER, ROLE_MAINTAINER)
    try:
        return service.guard.caller(headers.get("authorization"))
    except AuthRefused as err:
        raise ToolError(err.message) from err


def build_mcp_server(service: ApiService) -> MCPServer:
    """Return the MCP server whose four tools call service."""
    server: MCPServer = MCPServer("fagui-assistant", title="网络安全与数据法规智能问答", instructions=INSTRUCTIONS)

    @server.tool()
    def search_regulations(query: str, top_k: int = 8, documents: list[str] | None = None) -> dict[str, Any]:
        """检索与问题最相关的法规条文（直接点名的条文排在最前）。documents 可限定法规标题或 id。"""
        if not 1 <= top_k <= 50:
            raise ToolError(f"top_k={top_k} 超出范围：请取 1 到 50。")
        try:
            result = service.search(query, search_filters(documents or ()), top_k)
        except AssistantError as err:
            raise ToolError(str(err)) from err
        return {"query": query, "evidence": round(result.evidence, 4), "retrieved": retrieval_payload(result)}

    @server.tool()
    def get_article(document: str, article: str, version: str | None = None) -> dict[str, Any]:
        """取某部法规某一条的原文与版本信息，如 document="数据安全法", article="第二十一条"（或 "21"）。"""
        try:
            return article_payload(service.article(document, article, version))
        except AssistantError as err:
            raise ToolError(str(err)) from err

    @server.tool()
    def ask(question: str, ctx: Context, history: list[str] | None = None) -> dict[str, Any]:
        """回答法规问题：answer 中每句带 [n] 标记，citations 给出对应的法规、条号、版本、施行日期和原文。"""
        if not question.strip():
            raise ToolError("question 为空：请写出要咨询的问题。")
        try:
            return service.ask_payload(_caller(service, ctx), "mcp", question, history or ())
        except AssistantError as err:
            raise ToolError(str(err)) from err

    @server.tool()
    def list_regulations(include_history: bool = False) -> dict[str, Any]:
        """列出收录的法规（默认仅现行版本；include_history=true 时含历史版本）。"""
        return {"regulations": service.regulations(include_history)}

    return server


class _TokenGate:
    """ASGI wrapper that refuses /mcp requests without a valid token before the MCP transport sees them."""

    def __init__(self, inner: Any, service: ApiService) -> None:
        self.inner, self.service = inner, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = scope.get("client") or ("", 0)
        try:
            self.service.guard.caller(headers.get("authorization"), client[0])
        except AuthRefused as err:
            response = error_response(err.status, err.message, "authentication_error", "Authorization",
                                      headers={"WWW-Authenticate": CHALLENGE})
            await response(scope, receive, send)
            return
        await self.inner(scope, receive, send)


def mount_mcp(app: FastAPI, service: ApiService) -> MCPServer:
    """Serve the MCP tools over streamable HTTP at /mcp on app, and run their session manager with app."""
    server = build_mcp_server(service)
    # Open on loopback: refuse Host/Origin headers of other sites (DNS rebinding). With login on,
    # the token is the protection and the server may be reached by any name.
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=service.guard.is_open,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )
    transport = server.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True,
                                           transport_security=security)
    for route in transport.routes:
        if isinstance(route, Route) and route.path == MCP_PATH:
            app.router.routes.append(Route(MCP_PATH, endpoint=_TokenGate(route.app, service)))
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: Any) -> AsyncIterator[Any]:
        async with server.session_manager.run(), outer(started) as state:
            yield state

    app.router.lifespan_context = lifespan
    return server
