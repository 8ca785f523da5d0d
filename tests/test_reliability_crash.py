"""Crash safety, bounded: an ingestion stopped mid-version (in process and by kill -9) is reconciled on open."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.wiring import build_library
from benchmarks._common import check_consistency
from benchmarks.crash_test import run_trials


class _Abort(BaseException):
    """Stands for the process dying: nothing catches it."""


def test_stop_between_vector_and_keyword_writes_is_reconciled(settings, shared_corpus: Path) -> None:
    library = build_library(settings)
    library.add([shared_corpus / "密码法.md"])

    def die(*args: object, **kwargs: object) -> None:
        raise _Abort

    # The vectors of the new version are written, the keyword index and the ready flag are not.
    library.indexer.lexical.index_version = die  # type: ignore[method-assign]
    with pytest.raises(_Abort):
        library.add([shared_corpus / "数据安全法.md"])

    reopened = build_library(settings)  # reconciles
    state = check_consistency(reopened.catalog, reopened.indexer, settings)
    assert state.ok, state.problems
    assert state.ready == 1
    report = reopened.add([shared_corpus / "数据安全法.md"])
    assert len(report.added) == 1
    state = check_consistency(reopened.catalog, reopened.indexer, settings)
    assert state.ok and state.ready == 2, state.problems


@pytest.mark.slow
def test_kill_9_at_random_moments_leaves_catalog_and_index_agreeing(tmp_path: Path, shared_corpus: Path) -> None:
    summary = run_trials(tmp_path, kills=3, n_files=3, seed=5, log=lambda _: None, largest=False)
    for trial in summary["trials"]:
        assert trial["consistent"], trial
        assert trial["duplicates"] == 0, trial
    final = summary["final"]
    assert final["consistent"] and final["ready"] == 3, final
    assert final["missing"] == [] and final["duplicates"] == 0 and final["unknown"] == 0
