"""The offline demo settings end to end: in-memory vector store and keyword index, hash embedder, fake chat
model, all chosen by wiring from settings; the answer cites real articles of the real corpus files."""

from __future__ import annotations

from pathlib import Path

from assistant.answering.fake_llm import FakeChatModel
from assistant.indexing.memory import MemoryKeywordIndex, MemoryVectorStore
from assistant.settings import Settings
from assistant.wiring import build_assistant, build_catalog, build_indexer, build_library


def test_memory_backends_index_retrieve_and_answer_through_the_wiring(tmp_path: Path, shared_corpus: Path) -> None:
    settings = Settings(
        home=tmp_path / "home", embedding={"backend": "hash", "threads": 1}, vectorstore={"backend": "memory"},
        llm={"backend": "fake"}, answer={"decline_threshold": 0.1},
    )
    catalog = build_catalog(settings)
    indexer = build_indexer(settings)
    assert isinstance(indexer.vectors, MemoryVectorStore) and isinstance(indexer.lexical, MemoryKeywordIndex)
    library = build_library(settings, catalog, indexer)
    added = library.add([shared_corpus / "数据安全法.md"]).added
    assert len(added) == 1 and indexer.indexed_versions() == {added[0].version_id}
    assert not (settings.home / "chroma").exists() and not (settings.home / "lexical").exists()

    assistant = build_assistant(settings, catalog, indexer)
    assert isinstance(assistant.chat_model, FakeChatModel)
    answer = assistant.answer("数据安全法第二十一条规定了什么？")
    assert answer.citations[0].label == "《中华人民共和国数据安全法》第二十一条"
    hits = assistant.retriever.retrieve("国家建立数据分类分级保护制度").hits  # type: ignore[attr-defined]
    assert "第二十一条" in [h.article.article.label for h in hits[:3]]


def test_a_restart_rebuilds_the_memory_indexes_from_the_catalog(tmp_path: Path, shared_corpus: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1},
                        vectorstore={"backend": "memory"})
    build_library(settings).add([shared_corpus / "数据安全法.md"])
    fresh = build_indexer(settings)  # a new process: empty memory stores
    assert fresh.indexed_versions() == set()
    build_library(settings, indexer=fresh)  # reconcile re-indexes the ready versions
    assert len(fresh.indexed_versions()) == 1 and fresh.vectors.count() > 0
