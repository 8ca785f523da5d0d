"""`assistant mcp`: the MCP tools over stdio, for an agent (Claude Desktop, Cherry Studio, Dify ...) on this machine."""

from __future__ import annotations

import click

from assistant.cli import AppContext, fail, pass_app
from assistant.errors import AssistantError


@click.command("mcp")
@pass_app
def mcp(app: AppContext) -> None:
    """Serve the tools search_regulations, get_article, ask and list_regulations over stdio.

    An MCP client starts this command and talks to it over stdin/stdout; logs go to stderr. Questions are
    written to the audit log as the chat's are (channel mcp). The web server (`assistant serve`) offers the
    same tools over streamable HTTP at /mcp.

    \b
    Example client configuration:
        {"mcpServers": {"fagui": {"command": "assistant", "args": ["--home", "/srv/fagui/index", "mcp"]}}}
    """
    from assistant.api.mcp_server import build_mcp_server
    from assistant.api.security import ApiGuard
    from assistant.api.service import ApiService
    from assistant.ui.app import build_context

    try:
        # stdio reaches only the local user who started the command, like the rest of the CLI: no login.
        ctx = build_context(app.settings, host="127.0.0.1")
        server = build_mcp_server(ApiService(ctx, ApiGuard(None, None)))
    except AssistantError as err:
        raise fail(err) from err
    server.run("stdio")
