"""Shipped vectors: the default corpus's embeddings, exported once from a built home and seeded into new ones.

Embedding the default corpus with the bundled model takes minutes on two cores; seeding the embedding cache from
this file first makes a fresh `corpus init` embed only the texts the file lacks (none, while it is current). The
file is keyed like the cache: the model's name and the SHA-256 of each unit's text, so a text that changed (a new
parser, a corrected regulation) simply misses and is embedded as usual; a file for another model seeds nothing.
Vectors are stored as float16 (half the size, cosine to the float32 original above 0.9999) in a compressed npz.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.corpus.catalog import Catalog
from assistant.errors import ConfigError
from assistant.indexing.embedding import EmbeddingCache, text_digest
from assistant.indexing.indexer import article_units
from assistant.settings import Settings

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ShippedVectors:
    """The contents of a shipped-vectors file."""

    model: str
    digests: list[str]
    vectors: np.ndarray  # float32, one unit-length row per digest

    def as_dict(self) -> dict[str, np.ndarray]:
        """Return digest -> vector."""
        return dict(zip(self.digests, self.vectors, strict=True))


def unit_digests(catalog: Catalog, settings: Settings, version_ids: Iterable[str] | None = None) -> list[str]:
    """Return the cache keys (SHA-256 of the unit text) of every indexed unit of the given ready versions."""
    digests: dict[str, None] = {}
    for stored in catalog.iter_articles(version_ids):
        for unit in article_units(stored, settings.retrieval.paragraph_min_chars):
            digests[text_digest(unit.text)] = None
    return list(digests)


def export_vectors(cache: EmbeddingCache, model: str, digests: Iterable[str], path: Path) -> int:
    """Write the cached vectors of the given digests to path and return how many were written.

    Raises:
        ConfigError: some digests have no cached vector (the home was not indexed with this model).
    """
    wanted = sorted(set(digests))
    found = cache.get_many(model, wanted)
    missing = [d for d in wanted if d not in found]
    if missing:
        raise ConfigError(f"{len(missing)} of {len(wanted)} texts have no vector of model {model} in {cache.path}; "
                          "run `assistant corpus init` with that model on this home first.")
    keys = np.frombuffer(b"".join(bytes.fromhex(d) for d in wanted), dtype=np.uint8).reshape(len(wanted), 32)
    matrix = np.stack([found[d] for d in wanted]).astype(np.float16) if wanted else np.zeros((0, 0), np.float16)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part.npz")
    np.savez_compressed(partial, format=np.array(FORMAT_VERSION), model=np.array(model), sha256=keys, vectors=matrix)
    partial.replace(path)
    logger.info("exported vectors=%d model=%s path=%s bytes=%d", len(wanted), model, path, path.stat().st_size)
    return len(wanted)


def shipped_model(path: Path) -> str:
    """Return the model a shipped-vectors file was made with (reads only that field)."""
    with np.load(path, allow_pickle=False) as data:
        return str(data["model"])


def load_vectors(path: Path) -> ShippedVectors:
    """Return the contents of a shipped-vectors file, rows back in float32 and unit length.

    Raises:
        ConfigError: the file is not a shipped-vectors file of this format.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != FORMAT_VERSION:
                raise ConfigError(f"{path}: shipped-vectors format {int(data['format'])}, expected {FORMAT_VERSION}. "
                                  "Re-export it with `assistant corpus export-vectors`.")
            model, keys, matrix = str(data["model"]), data["sha256"], data["vectors"]
    except (OSError, KeyError, ValueError) as err:
        raise ConfigError(f"{path}: not a shipped-vectors file ({err}). Re-export it with "
                          "`assistant corpus export-vectors` or delete it.") from err
    vectors = matrix.astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return ShippedVectors(model, [bytes(row).hex() for row in keys], vectors)


def seed_cache(cache: EmbeddingCache, model: str, path: Path) -> int:
    """Copy the file's vectors the cache lacks into it when they are of `model`; return how many were added."""
    if shipped_model(path) != model:
        logger.info("shipped vectors are of model %s, this home embeds with %s: not seeded", shipped_model(path), model)
        return 0
    shipped = load_vectors(path)
    present = cache.get_many(model, shipped.digests)
    new = [(d, v) for d, v in zip(shipped.digests, shipped.vectors, strict=True) if d not in present]
    if new:
        cache.put_many(model, new)
    logger.info("seeded vectors=%d of %d from %s", len(new), len(shipped.digests), path)
    return len(new)
