"""Chroma vector store holding our own vectors, on disk under home or on a Chroma server (same code path)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.errors import ConfigError
from assistant.protocols import Metadata
from assistant.records import VectorHit
from assistant.settings import Settings

logger = logging.getLogger(__name__)


def _chroma_settings():  # type: ignore[no-untyped-def]
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def persistent_client(settings: Settings):  # type: ignore[no-untyped-def]
    """Return a Chroma client on disk under settings.chroma_path, telemetry off."""
    import chromadb

    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=_chroma_settings())


def http_client(settings: Settings):  # type: ignore[no-untyped-def]
    """Return a client of the Chroma server at vectorstore.host:port, telemetry off."""
    import chromadb

    return chromadb.HttpClient(host=settings.vectorstore.host, port=settings.vectorstore.port,
                               settings=_chroma_settings())


# Chroma's default graph (M 16, construction ef 100, search ef 10) returned approximate neighbours: on the 24 texts a
# question's true top 30 by cosine lost up to 4 units (mean overlap 0.984), and two homes built from the same texts
# ranked a third of questions differently. A denser graph searched wider finds the exact top 30 there; the cost is a
# slower build and about twice the graph's memory, small beside the vectors themselves.
SEARCH_EF = 400
HNSW_SETTINGS = {"hnsw:space": "cosine", "hnsw:M": 32, "hnsw:construction_ef": 400, "hnsw:search_ef": SEARCH_EF}


def _search_wide(collection: Any) -> None:
    """Raise the search ef of a collection an older build created with Chroma's default (100): its graph stays as
    built, but searched wider it finds nearly the exact neighbours (top-30 overlap 0.984 -> 0.999 on the 24 texts)."""
    try:
        hnsw = (collection.configuration or {}).get("hnsw") or {}
        if hnsw.get("ef_search", SEARCH_EF) < SEARCH_EF:
            collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
            logger.info("vector store: search ef %s -> %s", hnsw.get("ef_search"), SEARCH_EF)
    except Exception as err:  # noqa: BLE001 - an older server without the setting searches as before
        logger.warning("vector store: could not widen the search (%s); results stay approximate", err)


class ChromaVectorStore:
    """Units (articles and paragraphs) with our vectors; a second collection records indexed versions.

    connect is persistent_client or http_client, chosen by wiring.build_vector_store; it is called here so a
    server that cannot be reached gets the error below.
    """

    def __init__(self, settings: Settings, connect: Callable[[Settings], Any]) -> None:
        self._settings, self._connect = settings, connect
        self._retired: Any = None  # Chroma's state for the folder before the last reopening
        self._open()

    def _open(self) -> None:
        settings, connect = self._settings, self._connect
        try:
            client = connect(settings)
            name = settings.vectorstore.collection
            # embedding_function=None: Chroma's default would download a model; we always pass vectors.
            units = client.get_or_create_collection(name, embedding_function=None, metadata=HNSW_SETTINGS)
            versions = client.get_or_create_collection(
                f"{name}-versions", embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            _search_wide(units)
            # Swapped together: a search in another thread finishes on the collections it started with.
            self._client, self._units, self._versions = client, units, versions
        except Exception as err:  # chromadb raises ValueError or bare Exceptions for connection failures
            if connect is http_client:
                raise ConfigError(
                    f"Cannot reach the Chroma server at {settings.vectorstore.host}:{settings.vectorstore.port} "
                    f"({err}). Start it with `chroma run --path DIR --port {settings.vectorstore.port}` "
                    "or set vectorstore.backend to persistent."
                ) from err
            if isinstance(err, ValueError):
                raise ConfigError(
                    f"Cannot open Chroma collection {settings.vectorstore.collection!r} under "
                    f"{settings.chroma_path}: {err}. Check vectorstore.collection or remove the folder to rebuild."
                ) from err
            raise
        self._batch = max(1, min(5000, int(self._client.get_max_batch_size())))

    def reopen(self) -> None:
        """Connect to the store on disk anew. A Chroma client keeps the vector index it loaded, so units another
        process wrote since (`assistant corpus add` while the app runs) stay unseen by its searches and reads until a
        new client loads them; a server's clients all see every write, so they keep their connection."""
        if self._connect is not persistent_client:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        # Chroma shares one client state per folder within a process (chromadb pinned <1.6 in pyproject.toml);
        # forgetting it makes the next client read the folder again. tests/test_vector_mirror.py runs the writer.
        folder = str(self._settings.chroma_path)
        replaced = SharedSystemClient._identifier_to_system.pop(folder, None)
        SharedSystemClient._identifier_to_refcount.pop(folder, None)
        self._open()
        # The state replaced the time before is stopped now, not this one: a search in another thread may still be
        # running on it. Unstopped, each reopening kept 4-5 MB; stopped one reopening late, 90 of them level off.
        if self._retired is not None:
            self._retired.stop()
        self._retired = replaced
        logger.info("vector store reopened: %s", folder)

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata], documents: Sequence[str]
    ) -> None:
        """Insert or replace units by id (idempotent)."""
        for start in range(0, len(ids), self._batch):
            end = start + self._batch
            self._units.upsert(
                ids=list(ids[start:end]),
                embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                metadatas=[dict(m) for m in metadatas[start:end]],
                documents=list(documents[start:end]),
            )

    def mark_version(self, version_id: str, unit_count: int) -> None:
        """Record that every unit of a version is stored (written last, so a crash leaves it unmarked)."""
        self._versions.upsert(
            ids=[version_id], embeddings=[[1.0]], metadatas=[{"units": unit_count}], documents=[version_id]
        )

    def remove_version(self, version_id: str) -> None:
        """Delete a version's units and its mark."""
        self._versions.delete(ids=[version_id])
        self._units.delete(where={"version_id": version_id})

    def version_ids(self) -> set[str]:
        """Return the versions whose units are all stored."""
        return set(self._versions.get(include=[])["ids"])

    def stored_dimension(self) -> int | None:
        """Return the dimension of the vectors already stored, or None while the store is empty."""
        sample = self._units.peek(1)
        embeddings = sample.get("embeddings")
        return len(embeddings[0]) if embeddings is not None and len(embeddings) else None

    def count(self) -> int:
        """Return the number of stored units."""
        return int(self._units.count())

    def query(
        self, vector: np.ndarray, n: int, version_ids: Sequence[str] | None = None, *, with_metadata: bool = False
    ) -> list[VectorHit]:
        """Return up to n units most similar to vector, optionally only from the given versions.

        Metadata is fetched only on request: it costs Chroma more than the search itself (measured 7 ms
        against 1 ms for 50 results), and unit ids already name their version.
        """
        if version_ids is not None and not version_ids:
            return []
        where = None
        if version_ids is not None:
            ids = list(version_ids)
            where = {"version_id": ids[0]} if len(ids) == 1 else {"version_id": {"$in": ids}}
        result = self._units.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=max(1, n),
            where=where,
            include=["metadatas", "distances"] if with_metadata else ["distances"],
        )
        metadatas = result["metadatas"][0] if with_metadata else [{}] * len(result["ids"][0])
        return [
            VectorHit(unit_id, 1.0 - float(distance), metadata or {})
            for unit_id, distance, metadata in zip(result["ids"][0], result["distances"][0], metadatas, strict=True)
        ]

    def export_units(self) -> tuple[list[str], np.ndarray, list[str]]:
        """Return every unit's id, vector (one row each) and version, read in pages (a copy kept in memory)."""
        ids: list[str] = []
        vectors: list[np.ndarray] = []
        versions: list[str] = []
        while True:
            page = self._units.get(include=["embeddings", "metadatas"], limit=self._batch, offset=len(ids))
            if not page["ids"]:
                break
            ids.extend(page["ids"])
            vectors.append(np.asarray(page["embeddings"], dtype=np.float32))
            versions.extend(str((meta or {}).get("version_id", "")) for meta in page["metadatas"])
        matrix = np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        return ids, matrix, versions

