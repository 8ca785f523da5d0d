"""In-memory vector store and keyword index: small, deterministic, nothing written to disk.

They keep the VectorStore and KeywordIndex contracts of assistant/protocols.py (tests/contracts.py checks both
implementations of each), so tests and the offline demo setting (vectorstore.backend = "memory") run the whole
pipeline without Chroma or index files. Searches are exhaustive; ties are broken by unit id, so results never
depend on insertion order. Everything is lost when the process ends: reconcile re-indexes from the catalog.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from assistant.indexing.keyword.text import TOKENIZER_MODES, query_terms, tokenize
from assistant.protocols import Metadata
from assistant.records import KeywordHit, VectorHit


class MemoryVectorStore:
    """Units and their vectors in dictionaries; queries compare against every stored vector."""

    def __init__(self) -> None:
        self._units: dict[str, tuple[np.ndarray, dict[str, object]]] = {}
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata], documents: Sequence[str]
    ) -> None:
        """Insert or replace units by id (idempotent); the documents are not needed for searching."""
        with self._lock:
            for unit_id, vector, metadata in zip(ids, vectors, metadatas, strict=True):
                self._units[unit_id] = (np.asarray(vector, dtype=np.float32).copy(), dict(metadata))

    def stored_dimension(self) -> int | None:
        """Return the dimension of the vectors already stored, or None while the store is empty."""
        with self._lock:
            first = next(iter(self._units.values()), None)
        return None if first is None else int(first[0].shape[0])

    def mark_version(self, version_id: str, unit_count: int) -> None:
        """Record that every unit of a version is stored."""
        with self._lock:
            self._versions[version_id] = unit_count

    def remove_version(self, version_id: str) -> None:
        """Delete a version's units and its mark."""
        with self._lock:
            self._versions.pop(version_id, None)
            for unit_id in [u for u, (_, meta) in self._units.items() if meta.get("version_id") == version_id]:
                del self._units[unit_id]

    def version_ids(self) -> set[str]:
        """Return the versions whose units are all stored."""
        return set(self._versions)

    def count(self) -> int:
        """Return the number of stored units."""
        return len(self._units)

    def query(
        self, vector: np.ndarray, n: int, version_ids: Sequence[str] | None = None, *, with_metadata: bool = False
    ) -> list[VectorHit]:
        """Return up to n units by cosine similarity, optionally only from the given versions."""
        allowed = None if version_ids is None else set(version_ids)
        with self._lock:
            rows = [
                (unit_id, stored, meta)
                for unit_id, (stored, meta) in self._units.items()
                if allowed is None or meta.get("version_id") in allowed
            ]
        query = np.asarray(vector, dtype=np.float32)
        scored = sorted(((_cosine(query, stored), unit_id, meta) for unit_id, stored, meta in rows),
                        key=lambda row: (-row[0], row[1]))
        # As Chroma does, n below 1 still asks for one unit.
        return [VectorHit(u, sim, dict(meta) if with_metadata else {}) for sim, u, meta in scored[: max(1, n)]]

    def reopen(self) -> None:
        """Nothing to read again: this store is the process's own."""

    def export_units(self) -> tuple[list[str], np.ndarray, list[str]]:
        """Return every unit's id, vector (one row each) and version."""
        with self._lock:
            rows = sorted(self._units.items())
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32), []
        return ([u for u, _ in rows], np.stack([v for _, (v, _) in rows]),
                [str(meta.get("version_id", "")) for _, (_, meta) in rows])


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norms if norms else 0.0


class MemoryKeywordIndex:
    """BM25 (k1, b as LexicalIndex) over term counts kept per version in dictionaries."""

    def __init__(self, mode: str = "hybrid", k1: float = 1.2, b: float = 0.75) -> None:
        if mode not in TOKENIZER_MODES:
            raise ValueError(f"lexical tokenizer mode {mode!r} is not one of {TOKENIZER_MODES}")
        self.mode, self.k1, self.b = mode, k1, b
        self._versions: dict[str, dict[str, Counter[str]]] = {}
        self._lock = threading.Lock()

    def index_version(self, version_id: str, units: Sequence[tuple[str, str]]) -> None:
        """Store a version's units as (unit_id, text); replaces any earlier copy."""
        counted = {unit_id: Counter(tokenize(text, self.mode)) for unit_id, text in units}
        with self._lock:
            self._versions[version_id] = counted

    def remove_version(self, version_id: str) -> None:
        """Forget a version's units."""
        with self._lock:
            self._versions.pop(version_id, None)

    def version_ids(self) -> set[str]:
        """Return the indexed versions."""
        return set(self._versions)

    def unit_count(self) -> int:
        """Return the number of searchable units."""
        return sum(len(units) for units in self._versions.values())

    def search(self, query: str, n: int, version_ids: Iterable[str] | None = None) -> list[KeywordHit]:
        """Return the n units scoring highest for the query, optionally only from the given versions."""
        terms = query_terms(query, self.mode)
        if not terms:
            return []
        allowed = None if version_ids is None else set(version_ids)
        with self._lock:
            # Statistics over the whole index, as LexicalIndex computes them; the filter only picks results.
            units = [(u, counts) for units in self._versions.values() for u, counts in units.items()]
            searched = [
                (u, counts) for v, vunits in self._versions.items() if allowed is None or v in allowed
                for u, counts in vunits.items()
            ]
        if not units:
            return []
        average = sum(sum(c.values()) for _, c in units) / len(units)
        frequency = {t: sum(1 for _, c in units if t in c) for t in set(terms)}
        hits = []
        for unit_id, counts in searched:
            found = [t for t in terms if t in counts]
            if not found:
                continue
            length = sum(counts.values())
            score = sum(self._weight(counts[t], frequency[t], len(units), length, average) for t in found)
            hits.append(KeywordHit(unit_id, score, len(found) / len(terms)))
        hits.sort(key=lambda hit: (-hit.score, hit.unit_id))
        return hits[:n]

    def document_frequency(self, term: str) -> int:
        """Return how many units contain the term."""
        with self._lock:
            return sum(1 for units in self._versions.values() for counts in units.values() if term in counts)

    def _weight(self, tf: int, df: int, n_units: int, length: int, average: float) -> float:
        idf = math.log(1.0 + (n_units - df + 0.5) / (df + 0.5))
        return idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / max(average, 1e-9)))
