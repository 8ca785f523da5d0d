"""The in-memory copy of Chroma's vectors: the store's contract, Chroma's answers, and fresh after any writer."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.indexing.mirror import MirroredVectorStore
from assistant.indexing.vectorstore import ChromaVectorStore
from assistant.settings import Settings
from assistant.wiring import build_assistant, build_indexer, build_vector_store
from tests.contracts import VectorStoreContract
from tests.test_ingest import write_law

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Stamp:
    """A generation counter standing in for the catalog's."""

    def __init__(self) -> None:
        self.value = 0

    def __call__(self) -> int:
        return self.value


class CountingStore:
    """A Chroma store that counts the searches it answers itself."""

    def __init__(self, store: ChromaVectorStore) -> None:
        self.store, self.searched = store, 0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.store, name)

    def query(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.searched += 1
        return self.store.query(*args, **kwargs)


class TestMirroredStore(VectorStoreContract):
    @pytest.fixture()
    def store(self, settings: Settings) -> MirroredVectorStore:
        return MirroredVectorStore(build_vector_store(settings), Stamp(), max_units=1000)


class TestMirroredServerStore(VectorStoreContract):
    """The copy of a Chroma server's vectors: read in pages over HTTP; the server needs no reopening."""

    @pytest.fixture()
    def store(self, settings: Settings, chroma_server: int) -> MirroredVectorStore:
        http = settings.model_copy(update={"vectorstore": settings.vectorstore.model_copy(update={
            "backend": "http", "port": chroma_server, "collection": f"t{uuid.uuid4().hex[:10]}"})})
        return MirroredVectorStore(build_vector_store(http), Stamp(), max_units=1000)


def _random_units(count: int, versions: int, dimension: int = 48) -> tuple[list[str], np.ndarray, list[str]]:
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(count, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    version_of = [f"v{i % versions}" for i in range(count)]
    return [f"{version_of[i]}#{i}" for i in range(count)], vectors, version_of


def test_answers_as_chroma_does_with_and_without_a_version_filter(settings: Settings) -> None:
    ids, vectors, version_of = _random_units(3000, 30)
    chroma = build_vector_store(settings)
    chroma.upsert(ids, vectors, [{"version_id": v} for v in version_of], [""] * len(ids))
    mirror = MirroredVectorStore(chroma, Stamp(), max_units=5000)
    assert mirror._copy is not None and len(mirror._copy.unit_ids) == 3000  # read when built, not when first asked
    rng = np.random.default_rng(3)
    for query in vectors[:30] + rng.normal(scale=0.3, size=(30, 48)).astype(np.float32):
        for versions in (None, ["v3"], ["v1", "v7", "v19", "v28"]):
            ours, theirs = mirror.query(query, 30, versions), chroma.query(query, 30, versions)
            assert [h.unit_id for h in ours] == [h.unit_id for h in theirs]
            assert [h.similarity for h in ours] == pytest.approx([h.similarity for h in theirs], abs=1e-5)
            if versions:
                assert {h.unit_id.split("#")[0] for h in ours} <= set(versions)


def test_ties_are_ordered_by_unit_id(settings: Settings) -> None:
    # Two versions of a law print many articles alike: equal vectors must come back in one order every time.
    same = np.ones((3, 4), dtype=np.float32) / 2.0
    chroma = build_vector_store(settings)
    chroma.upsert(["c#0", "a#0", "b#0"], same, [{"version_id": v} for v in "cab"], ["", "", ""])
    mirror = MirroredVectorStore(chroma, Stamp(), max_units=10)
    assert [h.unit_id for h in mirror.query(same[0], 3)] == ["a#0", "b#0", "c#0"]
    assert [h.unit_id for h in mirror.query(same[0], 2)] == ["a#0", "b#0"]


def test_searches_come_from_memory_until_the_stamp_moves(settings: Settings) -> None:
    ids, vectors, version_of = _random_units(40, 2, dimension=8)
    counting = CountingStore(build_vector_store(settings))
    counting.upsert(ids[:20], vectors[:20], [{"version_id": v} for v in version_of[:20]], [""] * 20)
    stamp = Stamp()
    mirror = MirroredVectorStore(counting, stamp, max_units=100)  # type: ignore[arg-type]
    assert mirror.query(vectors[0], 3)[0].unit_id == ids[0]
    # Another process (here: the store itself, not through the copy) adds units, then the catalog says so.
    counting.store.upsert(ids[20:], vectors[20:], [{"version_id": v} for v in version_of[20:]], [""] * 20)
    assert mirror.query(vectors[30], 1)[0].unit_id != ids[30]  # the copy as read, until the generation moves
    stamp.value += 1
    assert mirror.query(vectors[30], 1)[0].unit_id == ids[30]
    assert counting.searched == 0


def test_a_write_through_the_copy_is_searchable_at_once(settings: Settings) -> None:
    mirror = MirroredVectorStore(build_vector_store(settings), Stamp(), max_units=100)
    ids, vectors, version_of = _random_units(10, 2, dimension=8)
    mirror.upsert(ids[:5], vectors[:5], [{"version_id": v} for v in version_of[:5]], [""] * 5)
    assert mirror.query(vectors[0], 1)[0].unit_id == ids[0]
    mirror.upsert(ids[5:], vectors[5:], [{"version_id": v} for v in version_of[5:]], [""] * 5)
    assert mirror.query(vectors[7], 1)[0].unit_id == ids[7]
    mirror.remove_version("v1")
    assert all(h.unit_id.startswith("v0#") for h in mirror.query(vectors[7], 10))


def test_a_version_the_copy_lacks_is_searched_in_the_store(settings: Settings) -> None:
    ids, vectors, version_of = _random_units(20, 2, dimension=8)
    counting = CountingStore(build_vector_store(settings))
    counting.upsert(ids[:10], vectors[:10], [{"version_id": "v0"}] * 10, [""] * 10)
    mirror = MirroredVectorStore(counting, Stamp(), max_units=100)  # type: ignore[arg-type]
    mirror.query(vectors[0], 1)
    counting.store.upsert(ids[10:], vectors[10:], [{"version_id": "late"}] * 10, [""] * 10)  # same generation
    assert mirror.query(vectors[15], 1, ["late"])[0].unit_id == ids[15]
    assert counting.searched == 1


def test_a_store_over_the_limit_is_searched_by_its_own_index(settings: Settings) -> None:
    ids, vectors, version_of = _random_units(30, 3, dimension=8)
    counting = CountingStore(build_vector_store(settings))
    counting.upsert(ids, vectors, [{"version_id": v} for v in version_of], [""] * len(ids))
    mirror = MirroredVectorStore(counting, Stamp(), max_units=29)  # type: ignore[arg-type]
    assert mirror.query(vectors[4], 1)[0].unit_id == ids[4]
    assert mirror.query(vectors[5], 1, ["v2"])[0].unit_id == ids[5]
    assert counting.searched == 2


def test_an_empty_store_is_searched_until_a_write_through_the_copy(settings: Settings) -> None:
    # A fresh home: nothing to copy when the app starts; the first text added in it is copied with it.
    ids, vectors, version_of = _random_units(4, 1, dimension=8)
    counting = CountingStore(build_vector_store(settings))
    mirror = MirroredVectorStore(counting, Stamp(), max_units=100)  # type: ignore[arg-type]
    assert mirror.query(vectors[0], 3) == [] and counting.searched == 1
    mirror.upsert(ids, vectors, [{"version_id": v} for v in version_of], [""] * 4)
    assert mirror.query(vectors[2], 1)[0].unit_id == ids[2] and counting.searched == 1


def test_a_store_that_cannot_be_read_whole_is_searched_itself(settings: Settings, caplog) -> None:  # type: ignore[no-untyped-def]
    ids, vectors, version_of = _random_units(4, 1, dimension=8)
    counting = CountingStore(build_vector_store(settings))
    counting.upsert(ids, vectors, [{"version_id": v} for v in version_of], [""] * 4)

    def broken() -> None:
        raise RuntimeError("Error executing plan: Internal error: Error finding id")

    counting.export_units = broken  # type: ignore[method-assign]
    mirror = MirroredVectorStore(counting, Stamp(), max_units=100)  # type: ignore[arg-type]
    assert mirror.query(vectors[1], 1)[0].unit_id == ids[1] and counting.searched == 1
    assert "could not be copied to memory (Error executing plan" in caplog.text


def test_metadata_is_asked_of_the_store(settings: Settings) -> None:
    ids, vectors, version_of = _random_units(6, 2, dimension=8)
    counting = CountingStore(build_vector_store(settings))
    counting.upsert(ids, vectors, [{"version_id": v, "article_key": i} for v, i in zip(version_of, ids, strict=True)],
                    [""] * 6)
    mirror = MirroredVectorStore(counting, Stamp(), max_units=100)  # type: ignore[arg-type]
    assert mirror.query(vectors[2], 1, with_metadata=True)[0].metadata["article_key"] == ids[2]
    assert counting.searched == 1


def test_wiring_copies_chroma_for_questions_only(settings: Settings) -> None:
    catalog = Catalog(settings.catalog_path)
    assert isinstance(build_indexer(settings, catalog=catalog).vectors, MirroredVectorStore)
    assert isinstance(build_indexer(settings).vectors, ChromaVectorStore)  # the maintainers' CLI writes only
    off = settings.model_copy(update={"vectorstore": settings.vectorstore.model_copy(
        update={"memory_copy_max_units": 0})})
    unmirrored = build_indexer(off, catalog=catalog).vectors
    assert isinstance(unmirrored, MirroredVectorStore) and unmirrored._current() is None  # reopened, never copied
    memory = settings.model_copy(update={"vectorstore": settings.vectorstore.model_copy(update={"backend": "memory"})})
    assert not isinstance(build_indexer(memory, catalog=catalog).vectors, MirroredVectorStore)


def test_a_reopened_store_stops_the_state_it_replaced_one_reopening_later(settings: Settings) -> None:
    # Unstopped, every reopening kept Chroma's state for the folder (4-5 MB each); stopped at once, a search still
    # running on it in another thread would fail.
    from chromadb.api.shared_system_client import SharedSystemClient

    ids, vectors, version_of = _random_units(6, 2, dimension=8)
    store = build_vector_store(settings)
    store.upsert(ids, vectors, [{"version_id": v} for v in version_of], [""] * 6)
    states = []
    for _ in range(3):
        states.append(SharedSystemClient._identifier_to_system[str(settings.chroma_path)])
        store.reopen()
        assert store.query(vectors[3], 1)[0].unit_id == ids[3]
    assert [state._running for state in states] == [False, False, True]
    assert SharedSystemClient._identifier_to_system[str(settings.chroma_path)]._running


def test_reconcile_reindexing_a_version_moves_the_generation(settings: Settings, tmp_path: Path) -> None:
    today = date(2026, 12, 1)
    library = Library(settings, Catalog(settings.catalog_path), build_indexer(settings), today=lambda: today)
    lost = library.add([write_law(tmp_path, "l.md", "测试丢失办法")]).added[0].version_id
    library.indexer.remove_version(lost)  # an index lost a ready version, which another process re-indexes
    before = library.catalog.generation()
    library.reconcile()
    assert lost in library.indexer.indexed_versions()
    assert library.catalog.generation() > before
    unchanged = library.catalog.generation()
    library.reconcile()  # nothing to mend: nothing for readers to read again
    assert library.catalog.generation() == unchanged


@pytest.mark.parametrize("copy_limit", [50_000, 0], ids=["copied", "searched-in-chroma"])
def test_a_text_added_by_the_cli_in_another_process_is_found_by_a_running_assistant(
    settings: Settings, tmp_path: Path, copy_limit: int
) -> None:
    # Chroma's own client never sees another process's units; before the store was reopened on a new generation,
    # the vector search of a running app missed every text `assistant corpus add` put in meanwhile.
    settings = settings.model_copy(update={"vectorstore": settings.vectorstore.model_copy(
        update={"memory_copy_max_units": copy_limit})})
    home = settings.home
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ASSISTANT_EMBEDDING__BACKEND": "hash",
           "ASSISTANT_CORPUS__EXTRA_DIR": str(tmp_path / "corpus"),
           "ASSISTANT_CORPUS__DEFAULT_LAW_LIST": str(tmp_path / "no-list.txt")}

    def cli(*args: str) -> None:
        done = subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", "--home", str(home),
                               *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]

    cli("corpus", "add", str(write_law(tmp_path, "a.md", "测试甲办法")))
    assistant = build_assistant(settings)
    assert isinstance(assistant.retriever.indexer.vectors, MirroredVectorStore)
    question = "测试乙办法的第2项规定是什么？"
    before = assistant.retriever.retrieve(question)
    assert all(h.article.title != "测试乙办法" for h in before.hits)
    cli("corpus", "add", str(write_law(tmp_path, "b.md", "测试乙办法", salt="乙")))
    after = assistant.retriever.retrieve(question)
    assert after.hits and after.hits[0].article.title == "测试乙办法"
    vectors = assistant.retriever.indexer.vectors
    dense = vectors.query(assistant.retriever.indexer.embedder.embed_query(question), 50)
    assert any(h.unit_id.startswith(after.hits[0].article.version_id) for h in dense)
