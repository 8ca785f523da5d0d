"""/api/v1 over a real home: answers with structured citations, search, lookup, catalog, tokens, bad input."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from assistant.cli import main as cli_main
from assistant.ui.app import build_context, create_app
from assistant.ui.auth import save_user
from tests.api_fixtures import build_home

QUESTION = "数据处理者应当如何开展数据安全风险评估？"


@pytest.fixture(scope="module")
def home(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build_home(shared_corpus, tmp_path_factory.mktemp("api") / "home")


def _client(home, users_file: Path | None = None) -> TestClient:  # type: ignore[no-untyped-def]
    settings, catalog, library, assistant = home
    ctx = build_context(settings, users_file=users_file, assistant=assistant, library=library, catalog=catalog)
    return TestClient(create_app(ctx))


@pytest.fixture(scope="module")
def open_client(home):  # type: ignore[no-untyped-def]
    with _client(home) as client:
        yield client


def test_ask_answers_with_structured_citations_and_is_audited(open_client: TestClient, home) -> None:  # type: ignore[no-untyped-def]
    response = open_client.post("/api/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["declined"] is False and "[1]" in body["answer"]
    first = body["citations"][0]
    assert first["marker"] == 1 and first["document"] and first["article"].startswith("第")
    assert first["effective_date"] and first["version"] and first["status"] == "现行有效"
    assert first["quote"] and first["quote"][:10] in first["text"]
    assert body["retrieved"] and {"document", "article", "score", "via", "text"} <= set(body["retrieved"][0])
    settings = home[0]
    last = json.loads(settings.audit_log_path.read_text(encoding="utf-8").splitlines()[-1])
    assert last["event"] == "question" and last["channel"] == "api" and last["question"] == QUESTION
    assert last["user"] == "本机用户" and last["cited"]


def test_ask_streams_deltas_then_the_answer(open_client: TestClient) -> None:
    with open_client.stream("POST", "/api/v1/ask/stream", json={"question": QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        frames = [f for f in response.read().decode("utf-8").split("\n\n") if f.strip()]
    events = [f.split("\n")[0].removeprefix("event: ") for f in frames]
    assert events[0] == "delta" and events[-1] == "answer" and set(events) == {"delta", "answer"}
    answer = json.loads(frames[-1].split("data: ", 1)[1])
    assert answer["citations"] and "[1]" in answer["answer"]


def test_search_lookup_and_catalog(open_client: TestClient) -> None:
    found = open_client.post("/api/v1/search", json={"query": "数据安全法第二十一条", "top_k": 3}).json()
    assert len(found["retrieved"]) == 3
    assert found["retrieved"][0]["article"] == "第二十一条" and found["retrieved"][0]["via"] == "lookup"
    by_label = open_client.get("/api/v1/articles/数据安全法/第二十一条").json()
    by_number = open_client.get("/api/v1/articles/数据安全法/21").json()
    assert by_label == by_number and by_label["document"] == "中华人民共和国数据安全法"
    assert "数据分类分级保护制度" in by_label["text"]
    catalog = open_client.get("/api/v1/regulations").json()
    assert {r["document"] for r in catalog} >= {"中华人民共和国数据安全法", "中华人民共和国个人信息保护法"}
    assert all(r["is_current"] and r["articles"] > 0 for r in catalog)
    scoped = open_client.post("/api/v1/search", json={"query": "个人信息", "filters": {"documents": ["数据安全法"]}})
    assert {h["document"] for h in scoped.json()["retrieved"]} == {"中华人民共和国数据安全法"}


@pytest.mark.parametrize(("method", "path", "body", "status", "param", "words"), [
    ("post", "/api/v1/ask", {"question": ""}, 422, "question", "question"),
    ("post", "/api/v1/ask", {}, 422, "question", "缺少必填字段 question"),
    ("post", "/api/v1/ask", {"question": "x", "topk": 3}, 422, "topk", "不认识的字段 topk"),
    ("post", "/api/v1/ask", {"question": "x", "history": "not a list"}, 422, "history", "history"),
    ("post", "/api/v1/search", {"query": "数据", "top_k": 0}, 422, "top_k", "top_k"),
    ("post", "/api/v1/search", {"query": "数据", "filters": {"documents": "数据安全法"}}, 422, "filters.documents",
     "filters.documents"),
    ("get", "/api/v1/articles/数据安全法/第九十九条", None, 404, None, "没有 '第九十九条'"),
    ("get", "/api/v1/articles/不存在的法/第一条", None, 404, None, "不存在的法"),
    ("get", "/api/v1/nothing-here", None, 404, None, "没有这个接口"),
])
def test_bad_input_gets_a_json_error_naming_the_field(open_client: TestClient, method: str, path: str,
                                                      body: object, status: int, param: str | None,
                                                      words: str) -> None:
    response = open_client.request(method.upper(), path, json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["param"] == param and words in error["message"]
    assert "Traceback" not in response.text


def test_malformed_json_is_refused_plainly(open_client: TestClient) -> None:
    response = open_client.post("/api/v1/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    assert response.status_code == 422 and "不是有效的 JSON" in response.json()["error"]["message"]


def test_openapi_schema_and_offline_docs_page(open_client: TestClient) -> None:
    schema = open_client.get("/api/v1/openapi.json").json()
    assert {"/ask", "/ask/stream", "/search", "/articles/{document}/{article}", "/regulations"} <= set(schema["paths"])
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    page = open_client.get("/api/v1/docs").text
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page and "/api/v1/openapi.json" in page
    assert "cdn" not in page.lower() and "https://" not in page
    asset = open_client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


def test_with_a_users_file_a_token_is_required_and_revocable(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    users = tmp_path / "users.toml"
    save_user(users, "oa", "official", "official-pass")
    runner = CliRunner()
    created = runner.invoke(cli_main, ["users", "token", "oa", "--users-file", str(users)])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    stored = (tmp_path / "users.tokens.json").read_text(encoding="utf-8")
    assert token not in stored and "sha256" in stored
    assert runner.invoke(cli_main, ["users", "token", "nobody", "--users-file", str(users)]).exit_code != 0
    with _client(home, users) as client:
        missing = client.post("/api/v1/ask", json={"question": QUESTION})
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in missing.json()["error"]["message"]
        wrong = client.post("/api/v1/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer fgzs_x"})
        assert wrong.status_code == 401 and "无效" in wrong.json()["error"]["message"]
        assert client.get("/api/v1/regulations").status_code == 401
        good = client.post("/api/v1/ask", json={"question": QUESTION}, headers={"Authorization": f"Bearer {token}"})
        assert good.status_code == 200 and good.json()["citations"]
        basic = base64.b64encode(b"oa:official-pass").decode()
        assert client.get("/api/v1/regulations", headers={"Authorization": f"Basic {basic}"}).status_code == 200
        revoked = runner.invoke(cli_main, ["users", "token", "oa", "--users-file", str(users), "--revoke"])
        assert "Revoked 1" in revoked.output
        after = client.get("/api/v1/regulations", headers={"Authorization": f"Bearer {token}"})
        assert after.status_code == 401
    audit = home[0].audit_log_path.read_text(encoding="utf-8")
    assert '"user": "oa"' in audit and token not in audit


def test_basic_passwords_are_rate_limited_like_the_chat_login(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    users = tmp_path / "users.toml"
    save_user(users, "oa", "official", "official-pass")
    basic = {"Authorization": "Basic " + base64.b64encode(b"oa:official-pass").decode()}
    settings = home[0]
    limit = settings.ui.login_attempts_per_name
    with _client(home, users) as client:
        codes = [client.get("/api/v1/regulations", headers=basic).status_code for _ in range(limit + 2)]
        refused = client.get("/api/v1/regulations", headers=basic)
    # Right passwords too: each costs a bcrypt, so a loop of them must not take the server's cores.
    assert codes[:limit] == [200] * limit and codes[limit:] == [429, 429]
    assert refused.status_code == 429 and "访问令牌" in refused.json()["error"]["message"]
