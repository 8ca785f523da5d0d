"""/api/v1: ask (whole or streamed), search, article lookup and the catalog, behind the chat's login rules."""

# No `from __future__ import annotations`: FastAPI must see the local Annotated dependency types.

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.payloads import answer_payload, article_payload, retrieval_payload, search_filters
from assistant.api.schemas import (
    AnswerOut,
    ArticleOut,
    AskRequest,
    ErrorOut,
    Filters,
    RegulationOut,
    SearchOut,
    SearchRequest,
)
from assistant.api.security import Caller
from assistant.api.service import ApiService
from assistant.api.sse import SSE_HEADERS, sse_frame
from assistant.errors import AssistantError
from assistant.records import Answer, SearchFilters

logger = logging.getLogger(__name__)

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Missing or invalid token"},
    422: {"model": ErrorOut, "description": "A field is missing or invalid; param names it"},
}


def _filters(filters: Filters | None) -> SearchFilters | None:
    if filters is None:
        return None
    return search_filters(filters.documents, filters.doc_types, filters.statuses, filters.current_only)


def caller_dependency(service: ApiService):  # type: ignore[no-untyped-def]
    """Return the FastAPI dependency that resolves (or refuses) the caller of a request."""

    # Declared so the OpenAPI schema (and the docs page's Authorize button) shows the Bearer scheme;
    # ApiGuard reads the header itself, since HTTP Basic with the chat's password is accepted too.
    bearer = HTTPBearer(auto_error=False, description="API token from `assistant users token NAME`")

    def caller(request: Request, _token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
        client = request.client.host if request.client else ""
        return service.guard.caller(request.headers.get("authorization"), client)

    return caller


def build_rest_router(service: ApiService) -> APIRouter:
    """Return the /api/v1 routes over service."""
    router = APIRouter(responses=ERRORS)
    Who = Annotated[Caller, Depends(caller_dependency(service))]

    @router.post("/ask", response_model=AnswerOut, summary="Answer a question with citations")
    def ask(body: AskRequest, caller: Who) -> dict[str, object]:
        """Answer from the indexed regulations; every claim carries [n] markers resolved in `citations`."""
        return service.ask_payload(caller, "api", body.question, body.history, _filters(body.filters))

    @router.post("/ask/stream", summary="Answer a question, streamed as server-sent events",
                 response_class=StreamingResponse,
                 responses={200: {"content": {"text/event-stream": {}},
                                  "description": "`delta` events ({text}), then one `answer` event (AnswerOut, "
                                                 "whose text replaces the deltas), or one `error` event."}})
    def ask_stream(body: AskRequest, caller: Who) -> StreamingResponse:
        """Stream the answer: text deltas as produced, then the checked answer with its citations."""
        parts = service.stream(caller, "api", body.question, body.history, _filters(body.filters))
        return StreamingResponse(_answer_events(service, parts), media_type="text/event-stream",
                                 headers=SSE_HEADERS)

    @router.post("/search", response_model=SearchOut, summary="Retrieve articles without answering")
    def search(body: SearchRequest, _caller: Who) -> dict[str, object]:
        """Return the articles retrieval ranks highest for the query (named articles first)."""
        result = service.search(body.query, _filters(body.filters), body.top_k)
        return {"query": result.query, "standalone_query": result.standalone_query,
                "evidence": round(result.evidence, 4), "retrieved": retrieval_payload(result)}

    @router.get("/articles/{document}/{article}", response_model=ArticleOut, summary="Look up one article",
                responses={404: {"model": ErrorOut, "description": "No such document, version or article"}})
    def article(
        document: Annotated[str, Path(description="Title (数据安全法), unique part of it, doc id or version id")],
        article: Annotated[str, Path(description="第二十一条, 第21条, 21 or a clause label such as 8.1.4.2")],
        _caller: Who,
        version: Annotated[str | None, Query(description="Version id or date (YYYY-MM-DD); default current")]
        = None,
    ) -> dict[str, object]:
        """Return the text and metadata of one article."""
        return article_payload(service.article(document, article, version))

    @router.get("/regulations", response_model=list[RegulationOut], summary="The catalog")
    def regulations(_caller: Who, history: Annotated[bool, Query(description="Include superseded versions")]
                    = False) -> list[dict[str, object]]:
        """Return the indexed regulations (current versions, or every version with history=true)."""
        return service.regulations(history)

    return router


def _answer_events(service: ApiService, parts: Iterator[str | Answer]) -> Iterator[str]:
    """Yield SSE frames: a `delta` per text piece, then the `answer`; an `error` frame if answering fails."""
    try:
        for part in parts:
            if isinstance(part, Answer):
                yield sse_frame(answer_payload(part, service.catalog), event="answer")
            else:
                yield sse_frame({"text": part}, event="delta")
    except AssistantError as err:
        yield sse_frame({"message": f"本次未能回答：{err}"}, event="error")
    except Exception:  # noqa: BLE001 - the stream has started; the client must still learn that it failed
        logger.exception("streamed answer failed")
        yield sse_frame({"message": "系统处理问题时出现内部错误，请稍后重试。"}, event="error")
