"""A question restated with its legal concepts is searched by a composed vector: the question's vector moved toward
the concepts' cached vectors, with no model call for a term seen before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.indexing.embedding import CachedEmbedder, EmbeddingCache, HashEmbedder, compose_vector
from assistant.indexing.indexer import parse_unit_id
from assistant.retrieval.expansion import search_concepts
from assistant.retrieval.fusion import ArticleScore, evidence, roll_up, search_evidence
from assistant.settings import RetrievalSettings
from tests.e5_home import e5_home


class QuestionCounter(HashEmbedder):
    """Hash embedder that records the question-side texts it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.asked.append(text)
        return super().embed_query(text)


def test_a_term_is_embedded_once_per_home(tmp_path: Path) -> None:
    inner = QuestionCounter()
    embedder = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite3"))
    first = embedder.embed_terms(["敏感个人信息", "生物识别", "敏感个人信息"])
    assert inner.asked == ["敏感个人信息", "生物识别"] and first.shape == (3, inner.dimension)
    assert np.array_equal(first[0], inner.embed_query("敏感个人信息")) and np.array_equal(first[0], first[2])
    # A later process on the same home reads them from the cache file.
    inner.asked.clear()
    again = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite3")).embed_terms(["生物识别", "网络日志"])
    assert inner.asked == ["网络日志"] and np.array_equal(again[0], first[1])


def test_a_passage_vector_is_never_served_as_a_term_vector(tmp_path: Path) -> None:
    # e5 embeds a text differently as a passage and as a question: the two are cached apart.
    inner = QuestionCounter()
    embedder = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite3"))
    embedder.embed_documents(["网络日志"])
    embedder.embed_terms(["网络日志"])
    assert inner.asked == ["网络日志"]


def test_the_composed_vector_weighs_each_part_by_its_length() -> None:
    query, term = np.array([1.0, 0.0], dtype=np.float32), np.array([[0.0, 1.0]], dtype=np.float32)
    vector = compose_vector("四个汉字", query, ["两字"], term)
    assert np.isclose(np.linalg.norm(vector), 1.0)
    # Four characters of question against two of term counted double: equal pulls.
    assert np.allclose(vector, [np.sqrt(0.5), np.sqrt(0.5)])
    assert np.array_equal(compose_vector("问题", query, [], np.zeros((0, 2), dtype=np.float32)), query)


@pytest.fixture(scope="module")
def e5_indexer(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    texts = ["个人信息保护法.md", "网络安全法_2025修正.md", "国家网络安全事件报告管理办法.md", "数据安全法.md"]
    _, catalog, indexer = e5_home(shared_corpus, tmp_path_factory.mktemp("composed") / "home", texts)
    return catalog, indexer


@pytest.mark.parametrize(("question", "terms"), [
    ("单位食堂改用指纹打卡，要注意什么", ["生物识别", "敏感个人信息"]),
    ("网站首页被人改了挂了赌博链接", ["网络安全事件"]),
])
def test_the_concepts_bring_their_articles_forward(e5_indexer, question: str, terms: list[str]) -> None:  # type: ignore[no-untyped-def]
    catalog, indexer = e5_indexer

    def first_rank(hits) -> int:  # type: ignore[no-untyped-def]
        keys = [parse_unit_id(h.unit_id)[0] for h in hits]
        stored = catalog.articles_by_keys(keys)
        return next((i for i, k in enumerate(keys) if k in stored and terms[0] in stored[k].article.text), len(keys))

    plain = first_rank(indexer.search_dense(question, 30))
    composed = first_rank(indexer.search_dense_with_terms(question, terms, 30))
    assert composed < 5 and composed < plain, (composed, plain)


def test_an_unusable_cache_file_costs_embeddings_not_the_answer(tmp_path: Path) -> None:
    inner = QuestionCounter()
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    cache.close()  # every read and write now raises sqlite3.ProgrammingError, as a file gone bad would
    vectors = CachedEmbedder(inner, cache).embed_terms(["网络日志", "生物识别"])
    assert inner.asked == ["网络日志", "生物识别"] and np.array_equal(vectors[0], inner.embed_query("网络日志"))


def test_the_restated_question_counts_as_evidence(e5_indexer) -> None:  # type: ignore[no-untyped-def]
    # 病历, 国外的云: the library speaks of 医疗健康 (sensitive) information leaving the country, in other words.
    _, indexer = e5_indexer
    question, config = "医院的病历能不能传到国外的云上？", RetrievalSettings()
    scores = roll_up([(h.unit_id, h.similarity) for h in indexer.search_dense(question, 30)], [])
    literal = search_evidence(scores, config)
    search_concepts(indexer, question, [["医疗健康", "敏感个人信息"]], scores, None, 30, True, None)
    assert any(entry.concept_dense is not None for entry in scores.values())
    assert search_evidence(scores, config) > max(10 * literal, 0.05), literal  # 0.0009 -> 0.06 here


def test_evidence_takes_the_better_of_the_two_similarities() -> None:
    config = RetrievalSettings()
    plain, restated = ArticleScore("a#1", dense=0.80), ArticleScore("b#1", dense=0.78, concept_dense=0.90)
    assert search_evidence({"a#1": plain}, config) == evidence(0.80, 0.0, config.evidence_dense_weight,
                                                               config.evidence_coverage_weight, config.evidence_bias)
    assert search_evidence({"a#1": plain, "b#1": restated}, config) > search_evidence({"a#1": plain}, config)
