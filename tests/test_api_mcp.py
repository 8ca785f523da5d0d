"""MCP clients against the real tools: over streamable HTTP on the served app, and over stdio (`assistant mcp`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from assistant.api.tokens import TokenStore, tokens_path_for
from assistant.ui.app import build_context, create_app
from assistant.ui.auth import save_user
from tests.api_fixtures import build_home, served

TOOLS = {"search_regulations", "get_article", "ask", "list_regulations"}


@pytest.fixture(scope="module")
def home(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build_home(shared_corpus, tmp_path_factory.mktemp("mcp") / "home")


async def _exercise(client: Client) -> dict[str, object]:
    """List the tools and call each one; return what they gave."""
    listed = {tool.name for tool in (await client.list_tools()).tools}
    article = await client.call_tool("get_article", {"document": "数据安全法", "article": "第二十一条"})
    missing = await client.call_tool("get_article", {"document": "数据安全法", "article": "第九十九条"})
    answer = await client.call_tool("ask", {"question": "重要数据的处理者应当履行哪些义务？"})
    found = await client.call_tool("search_regulations", {"query": "个人信息出境", "top_k": 3})
    catalog = await client.call_tool("list_regulations", {})
    return {"tools": listed, "article": article, "missing": missing, "answer": answer, "found": found,
            "catalog": catalog}


def _check(results: dict[str, object]) -> None:
    assert results["tools"] == TOOLS
    article = results["article"].structured_content  # type: ignore[attr-defined]
    assert article["document"] == "中华人民共和国数据安全法" and "数据分类分级保护制度" in article["text"]
    missing = results["missing"]
    assert missing.is_error and "第九十九条" in missing.content[0].text  # type: ignore[attr-defined]
    answer = results["answer"].structured_content  # type: ignore[attr-defined]
    assert "[1]" in answer["answer"] and answer["citations"][0]["text"]
    assert len(results["found"].structured_content["retrieved"]) == 3  # type: ignore[attr-defined]
    assert len(results["catalog"].structured_content["regulations"]) == 3  # type: ignore[attr-defined]


def test_mcp_over_http_lists_the_tools_and_needs_a_token(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, catalog, library, assistant = home
    users = tmp_path / "users.toml"
    save_user(users, "agent", "official", "official-pass")
    token = TokenStore(tokens_path_for(users)).create("agent")
    app = create_app(build_context(settings, users_file=users, assistant=assistant, library=library, catalog=catalog))
    with served(app) as base:
        refused = httpx.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                             headers={"Accept": "application/json, text/event-stream"})
        assert refused.status_code == 401 and "Authorization" in refused.json()["error"]["message"]

        async def run() -> dict[str, object]:
            import httpx2

            http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
            async with Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client:
                return await _exercise(client)

        _check(anyio.run(run))
    audit = settings.audit_log_path.read_text(encoding="utf-8")
    assert '"channel": "mcp"' in audit and '"user": "agent"' in audit


def test_assistant_mcp_serves_the_tools_over_stdio(home) -> None:  # type: ignore[no-untyped-def]
    settings = home[0]
    env = {**os.environ, "ASSISTANT_EMBEDDING__BACKEND": "hash", "ASSISTANT_ANSWER__DECLINE_THRESHOLD": "0.1",
           "ASSISTANT_CONFIG": str(settings.home / "no-such.toml"), "OMP_NUM_THREADS": "1"}
    command = str(Path(sys.executable).with_name("assistant"))
    params = StdioServerParameters(command=command, args=["--home", str(settings.home), "mcp"], env=env)

    async def run() -> dict[str, object]:
        async with Client(params) as client:
            return await _exercise(client)

    _check(anyio.run(run))
