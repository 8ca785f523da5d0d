"""Reranking stage: a cross-encoder (local folder) or a /rerank server re-orders the fused top N.

Articles named in the question (lookups) stay first; the others among the first top_n are ordered by the
reranker's scores. The reranker runs under a time budget: when it fails or is too slow, the fused order is
kept and the answer carries a notice, so a sick GPU server slows no official down.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Protocol

import httpx

from assistant.errors import ConfigError, ModelError
from assistant.records import Hit

logger = logging.getLogger(__name__)

PASSAGE_CHARS = 600  # cross-encoders read ~512 tokens; an article's opening carries its subject
NOTICE_RERANK_FAILED = "重排序服务暂不可用，本次检索结果按融合排序给出。"


class Reranker(Protocol):
    """Scores passages against a query; higher means more relevant."""

    name: str

    def score(self, query: str, passages: Sequence[str]) -> list[float]: ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local model folder (bge-reranker, ms-marco ...)."""

    def __init__(self, model_path: Path, threads: int = 1) -> None:
        if not Path(model_path).is_dir():
            raise ConfigError(f"rerank.model_path {model_path} is not a folder; point it at a local cross-encoder "
                              "model (for example bge-reranker-v2-m3 downloaded beforehand).")
        import torch
        from sentence_transformers import CrossEncoder

        torch.set_num_threads(threads)
        self._model = CrossEncoder(str(model_path), device="cpu")
        self.name = f"cross-encoder-{Path(model_path).name}"

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        """Return the model's relevance score of each passage."""
        return [float(s) for s in self._model.predict([(query, p) for p in passages], show_progress_bar=False)]


class HttpReranker:
    """POST {base_url}/rerank in the TEI shape ({query, texts}) or the Jina/Xinference/vLLM shape
    ({model, query, documents}); both answer with an index and a score per passage."""

    def __init__(self, base_url: str, model: str = "", api: str = "tei", api_key: str = "",
                 timeout_s: float = 10.0) -> None:
        self.url, self.model, self.api = base_url.rstrip("/") + "/rerank", model, api
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(timeout=timeout_s, headers=headers)
        self.name = f"http-{api}-{model or 'default'}"

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        """Return the server's score of each passage, in input order."""
        if self.api == "tei":
            body: dict[str, object] = {"query": query, "texts": list(passages), "truncate": True}
        else:
            body = {"model": self.model, "query": query, "documents": list(passages), "top_n": len(passages)}
        try:
            response = self._http.post(self.url, json=body)
            response.raise_for_status()
            data = response.json()
            rows = data["results"] if isinstance(data, dict) else data
            scores = {int(r["index"]): float(r.get("relevance_score", r.get("score"))) for r in rows}
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as err:
            raise ModelError(f"rerank server {self.url} failed: {err}") from err
        if set(scores) != set(range(len(passages))):
            raise ModelError(f"rerank server {self.url} scored {len(scores)} of {len(passages)} passages.")
        return [scores[i] for i in range(len(passages))]


def passage_of(hit: Hit) -> str:
    """Return the text a reranker reads for a hit: title, article label and the article's opening."""
    article = hit.article
    return f"《{article.title}》{article.article.label} {article.article.text}"[:PASSAGE_CHARS]


class RerankStage:
    """Applies a Reranker to the first top_n hits within a time budget."""

    def __init__(self, reranker: Reranker, top_n: int = 20, budget_s: float = 3.0) -> None:
        self.reranker, self.top_n, self.budget_s = reranker, top_n, budget_s
        # Two workers: one stuck call (a hung server) must not make every later question time out.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rerank")

    def apply(self, query: str, hits: Sequence[Hit]) -> tuple[tuple[Hit, ...], str | None]:
        """Return (hits reordered, None), or (hits unchanged, notice) when the reranker fails or is late."""
        named = [h for h in hits if h.via == "lookup"]
        found = [h for h in hits if h.via != "lookup"]
        head, tail = found[: self.top_n], found[self.top_n :]
        if len(head) < 2:
            return tuple(hits), None
        future = self._pool.submit(self.reranker.score, query, [passage_of(h) for h in head])
        try:
            scores = future.result(timeout=self.budget_s)
        except FutureTimeout:
            logger.warning("rerank over budget reranker=%s budget_s=%.1f", self.reranker.name, self.budget_s)
            return tuple(hits), NOTICE_RERANK_FAILED
        except (ModelError, RuntimeError, ValueError) as err:
            logger.warning("rerank failed reranker=%s: %s", self.reranker.name, err)
            return tuple(hits), NOTICE_RERANK_FAILED
        order = sorted(range(len(head)), key=lambda i: -scores[i])  # stable: ties keep the fused order
        return (*named, *(head[i] for i in order), *tail), None
