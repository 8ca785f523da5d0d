"""Headless Chromium on the 版本对照 tab: both Cybersecurity Law texts side by side, opened by its link.

A home of its own holds the two versions shipped in corpus/regulations (hash embedder: the comparison needs no
model), so the one-regulation home of test_browser keeps its counts. The text a Markdown title could smuggle in is
shown as text: the only markup in the table is ours.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from assistant.ui.auth import save_user
from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORDS,
    PROJECT,
    _child,
    _child_env,
    _free_port,
    _login,
    _wait_healthy,
)

pytestmark = pytest.mark.browser

TEXTS = [PROJECT / "corpus" / "regulations" / name for name in ("网络安全法_2016.md", "网络安全法_2025修正.md")]
_INDEX = """
import sys
from pathlib import Path
from assistant import wiring
from assistant.settings import Settings
report = wiring.build_library(Settings()).add([Path(p) for p in sys.argv[1:]])
print(report.added[0].version_id.split("-")[0])
sys.exit(0 if len(report.added) == 2 else 1)
"""


@pytest.fixture(scope="module")
def versions_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Return (base URL, document id) of the app over a home with both Cybersecurity Law versions."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium; .ci/run installs it)")
    home = tmp_path_factory.mktemp("browser-versions") / "home"
    hashed = {"ASSISTANT_EMBEDDING__BACKEND": "hash"}
    index = subprocess.run(
        [sys.executable, "-c", _INDEX, *map(str, TEXTS)], cwd=PROJECT, capture_output=True, text=True, timeout=300,
        env=_child_env(home, **hashed),
    )
    assert index.returncode == 0, index.stderr[-2000:]
    doc_id = index.stdout.strip().splitlines()[-1]
    users = home / "users.toml"
    save_user(users, "official1", "official", PASSWORDS["official1"])
    port = _free_port()
    proc = _child(home, "import runpy; runpy.run_path('app.py', run_name='__main__')", ASSISTANT_UI__HOST="127.0.0.1",
                  ASSISTANT_UI__PORT=str(port), ASSISTANT_UI__USERS_FILE=str(users), **hashed)
    url = f"http://127.0.0.1:{port}"
    try:
        assert _wait_healthy(url, proc)["versions"] == 2
        yield url, doc_id
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(versions_server):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_the_comparison_link_opens_both_texts_side_by_side(browser, versions_server) -> None:  # type: ignore[no-untyped-def]
    url, doc_id = versions_server
    page = _login(browser, url, "official1")
    page.goto(f"{url}/?compare={doc_id}&article=第二十三条")
    page.wait_for_selector("table.compare")
    summary = page.locator(".compare-summary").inner_text()
    assert "2016-11-07 文本 → 2025-10-28 文本" in summary and "现行有效：2025-10-28" in summary
    first_row = page.locator("table.compare tbody tr").first.inner_text()
    assert "第二十一条" in first_row and "第二十三条" in first_row  # the asked article first, with its old number
    assert page.locator("table.compare ins").count() > 0 and page.locator("table.compare del").count() > 0
    assert page.locator("table.compare script, table.compare img, table.compare a").count() == 0
    assert page.outside == []
