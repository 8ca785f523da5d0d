"""Hostile files, bounded: one of each kind (truncated/corrupted PDFs, random bytes, wrong encodings, enormous
lines, nested/huge/zip-bomb .docx, HTML bombs, regex bait ...) through Library.add in a time-limited worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.hostile_files import KINDS, run_all


@pytest.mark.slow
def test_each_hostile_kind_is_refused_cleanly_and_leaves_the_index_alone(shared_dir: Path) -> None:
    summary = run_all(per_kind=1, time_limit=60, seed=3, out_name=None, bomb_mb=64)
    assert summary["files"] == len(KINDS)
    bad = {k: v for k, v in summary["verdicts"].items() if k in ("exception", "hang", "unhandled", "unnamed")}
    assert not bad, summary["problems"]
    assert summary["index_untouched"], (summary["before"], summary["after"])
