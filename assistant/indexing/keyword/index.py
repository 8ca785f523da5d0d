"""Keyword index: BM25 over units (articles and paragraphs), a merged snapshot plus small delta segments.

Persisted under home/lexical: one segment file per version (its units' term counts, with its own term
list, so writers never share a vocabulary file), a manifest naming the live segment of every version,
and a merged snapshot (memory-mapped on open). Searches score the snapshot, minus tombstoned rows (versions
removed or replaced since it was built), plus a delta: the versions the manifest has and the snapshot
lacks, merged in memory. Adding or removing one version therefore costs that version's size, in the
writer and at the next search of every reader; a restart loads the snapshot and the delta segments only.
The snapshot is rebuilt (compaction) when the delta grows past a share of it, in a background thread,
or at once when the delta is as large as the live snapshot (first build, bulk import).

The manifest records the tokenizer its segments were written with. When settings ask for another,
version_ids() reports no version as indexed, so Library.reconcile re-indexes every version; the new
segments are kept aside as "pending" and searches keep using the old ones until the pending set covers
every version, when the manifest switches over.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.indexing.keyword.store import (
    Merged,
    bm25_weights,
    load_snapshot,
    merge,
    save_snapshot,
    segment_name,
    top_hits,
    write_segment,
)
from assistant.indexing.keyword.text import TOKENIZER_MODES, query_terms, tokenize
from assistant.records import KeywordHit

__all__ = ["TOKENIZER_MODES", "KeywordHit", "LexicalIndex", "query_terms", "tokenize"]

logger = logging.getLogger(__name__)


class LexicalIndex:
    """BM25 over units, incremental per version, persisted under a folder."""

    def __init__(
        self,
        folder: Path,
        mode: str = "hybrid",
        k1: float = 1.2,
        b: float = 0.75,
        *,
        compact_share: float = 0.1,
        compact_min_units: int = 5_000,
        background: bool = True,
    ) -> None:
        if mode not in TOKENIZER_MODES:
            raise ValueError(f"lexical tokenizer mode {mode!r} is not one of {TOKENIZER_MODES}")
        self.folder, self.wanted_mode, self.k1, self.b = folder, mode, k1, b
        self.compact_share, self.compact_min_units, self.background = compact_share, compact_min_units, background
        (folder / "segments").mkdir(parents=True, exist_ok=True)
        built_with = self._read_all().get("mode")
        self.mode = built_with if built_with in TOKENIZER_MODES else mode  # the mode searches tokenise with
        self._warned = False
        self._warn_mismatch(self.mode)
        self._lock = threading.RLock()
        self._base = Merged(self.mode)
        self._base_loaded = False
        self._loaded_snapshot: int | None = None  # mtime of the snapshot the base was read from
        self._delta = Merged(self.mode)
        self._excluded: np.ndarray | None = None  # tombstoned rows of the base
        self._manifest_stamp: tuple[float, int] | None = None
        self._stale = True
        self._compactor: threading.Thread | None = None

    def _warn_mismatch(self, built_with: str) -> None:
        if built_with != self.wanted_mode and not self._warned:
            self._warned = True
            logger.warning(
                "keyword index folder=%s was built with lexical_tokenizer=%s but settings ask for %s: searching "
                "with %s until every version is re-indexed (opening a Library, e.g. `assistant corpus add`, does it)",
                self.folder, built_with, self.wanted_mode, built_with)

    # -- manifest ----------------------------------------------------------------------------------
    @property
    def _manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    @contextmanager
    def _file_lock(self):  # type: ignore[no-untyped-def]
        """Serialise manifest updates between processes (the CLI may ingest while the server runs)."""
        with open(self.folder / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self._manifest_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if data.get("mode") in TOKENIZER_MODES else {}

    def _read_manifest(self) -> dict[str, dict[str, object]]:
        """Return the searchable versions' entries (segment file, unit count)."""
        return dict(self._read_all().get("versions", {}))

    def _write_all(self, data: dict[str, Any]) -> None:
        tmp = self._manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._manifest_path)

    def _drop_segments(self, *entries: dict[str, object] | None) -> None:
        for entry in entries:
            if entry:
                (self.folder / "segments" / str(entry["segment"])).unlink(missing_ok=True)

    def _switch_if_complete(self, data: dict[str, Any]) -> None:
        """Make the pending (new-tokenizer) segments the live ones once they cover every live version."""
        pending = data.get("pending")
        if not pending or not set(data.get("versions", {})) <= set(pending["versions"]):
            return
        self._drop_segments(*data.get("versions", {}).values())
        data.clear()
        data.update(mode=pending["mode"], versions=pending["versions"])
        logger.info("keyword index folder=%s switched to lexical_tokenizer=%s", self.folder, data["mode"])

    def _snapshot_stamp(self) -> int | None:
        try:
            return (self.folder / "snapshot" / "meta.json").stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _stamp(self) -> tuple[float, int] | None:
        try:
            stat = self._manifest_path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    # -- writes ------------------------------------------------------------------------------------
    def index_version(self, version_id: str, units: Sequence[tuple[str, str]]) -> None:
        """Store a version's units as (unit_id, text) in the mode settings ask for; replaces any earlier copy."""
        name = segment_name(version_id)
        write_segment(self.folder / "segments" / name, units, lambda text: tokenize(text, self.wanted_mode))
        entry = {"segment": name, "units": len(units)}
        with self._lock, self._file_lock():
            data = self._read_all()
            live = data.get("versions", {})
            if not live or data.get("mode") == self.wanted_mode:
                data["mode"] = self.wanted_mode
                data["versions"] = live
                self._drop_segments(live.get(version_id))
                live[version_id] = entry
            else:
                pending = data.setdefault("pending", {"mode": self.wanted_mode, "versions": {}})
                if pending["mode"] != self.wanted_mode:  # a third tokenizer asked for mid-way
                    self._drop_segments(*pending["versions"].values())
                    pending.update(mode=self.wanted_mode, versions={})
                self._drop_segments(pending["versions"].get(version_id))
                pending["versions"][version_id] = entry
                self._switch_if_complete(data)
            self._write_all(data)
            self.mode, self._stale = data.get("mode", self.mode), True
        logger.info("lexical indexed version=%s units=%d", version_id, len(units))

    def remove_version(self, version_id: str) -> None:
        """Forget a version's units (its rows in the snapshot become tombstones until the next compaction)."""
        with self._lock, self._file_lock():
            data = self._read_all()
            old = data.get("versions", {}).pop(version_id, None)
            pending = data.get("pending")
            old_pending = pending["versions"].pop(version_id, None) if pending else None
            if old is None and old_pending is None:
                return
            self._drop_segments(old, old_pending)
            self._switch_if_complete(data)
            self._write_all(data)
            self.mode, self._stale = data.get("mode", self.mode), True

    def version_ids(self) -> set[str]:
        """Return the versions indexed with the tokenizer settings ask for (others need re-indexing)."""
        data = self._read_all()
        if data.get("mode", self.wanted_mode) == self.wanted_mode:
            return set(data.get("versions", {}))
        pending = data.get("pending") or {}
        return set(pending.get("versions", {})) if pending.get("mode") == self.wanted_mode else set()

    # -- snapshot and delta ------------------------------------------------------------------------
    def _refresh(self) -> None:
        """Bring base, tombstones and delta in line with the manifest; compact when the delta is large."""
        stamp = self._stamp()
        if not self._stale and stamp == self._manifest_stamp:
            return
        data = self._read_all()
        mode = data.get("mode", self.mode)
        if mode != self.mode:
            self._warn_mismatch(mode)
            self.mode = mode
        wanted = {v: str(entry["segment"]) for v, entry in data.get("versions", {}).items()}
        snapshot = self._snapshot_stamp()
        if not self._base_loaded or self._base.mode != mode or snapshot != self._loaded_snapshot:
            # Another process compacted: its snapshot is memory-mapped, so adopting it costs almost nothing.
            self._base, self._base_loaded, self._loaded_snapshot = load_snapshot(self.folder, mode), True, snapshot
        base = self._base
        live = [v for v in base.versions if wanted.get(v) == base.segments.get(v)]
        delta_wanted = {v: s for v, s in wanted.items() if base.segments.get(v) != s}
        dead = base.units_of(set(base.versions) - set(live))
        if dict(self._delta.segments) != delta_wanted:
            delta = merge(self.folder, Merged(mode), [], delta_wanted)
            # BM25 of delta rows uses the base's document frequencies and lengths plus the delta's own;
            # the base's weights keep the statistics of its last compaction. Scores drift slightly until
            # the next compaction recomputes everything; rankings stay close (tests/test_lexical.py checks).
            delta.weights = bm25_weights(delta, self.k1, self.b, base)
            self._delta = delta
        self._excluded = dead if dead.any() else None
        self._manifest_stamp, self._stale = stamp, False
        churn = self._delta.n_units + int(dead.sum())
        if churn and 2 * churn >= base.n_units - int(dead.sum()):
            self._compact_now(live, wanted)  # the delta is as big as what is kept: merging costs the same
        elif churn > max(self.compact_min_units, self.compact_share * base.n_units):
            self._compact_later()

    def _compact_now(self, live: list[str], wanted: dict[str, str]) -> None:
        state = merge(self.folder, self._base, live, wanted)
        state.weights = bm25_weights(state, self.k1, self.b)
        if state.n_units:
            save_snapshot(self.folder, state, self._file_lock)
            self._loaded_snapshot = self._snapshot_stamp()
        logger.info("lexical compacted versions=%d units=%d terms=%d", len(state.versions), state.n_units,
                    len(state.terms))
        self._base, self._delta, self._excluded = state, Merged(state.mode), None

    def _compact_later(self) -> None:
        if self._compactor is not None and self._compactor.is_alive():
            return
        if not self.background:
            self.compact()
            return
        self._compactor = threading.Thread(target=self._compact_safely, name="lexical-compact", daemon=True)
        self._compactor.start()

    def _compact_safely(self) -> None:
        try:
            self.compact()
        except Exception:  # a failed background compaction leaves base + delta serving; the next one retries
            logger.exception("lexical background compaction failed folder=%s", self.folder)

    def compact(self) -> None:
        """Merge the delta into a new snapshot and make it the base (searches go on meanwhile)."""
        with self._lock:
            base, loaded, data = self._base, self._base_loaded, self._read_all()
        mode = data.get("mode", self.mode)
        if not loaded or base.mode != mode:
            base = load_snapshot(self.folder, mode)  # merge into the saved snapshot, not from every segment
        wanted = {v: str(entry["segment"]) for v, entry in data.get("versions", {}).items()}
        live = [v for v in base.versions if wanted.get(v) == base.segments.get(v)]
        state = merge(self.folder, base, live, wanted)
        state.weights = bm25_weights(state, self.k1, self.b)
        save_snapshot(self.folder, state, self._file_lock)
        with self._lock:
            self._base, self._base_loaded, self._stale = state, True, True
            self._loaded_snapshot, self._delta = self._snapshot_stamp(), Merged(mode)
        logger.info("lexical compacted versions=%d units=%d", len(state.versions), state.n_units)

    def wait_for_compaction(self, timeout: float | None = None) -> None:
        """Block until a running background compaction ends (benchmarks and tests)."""
        if self._compactor is not None:
            self._compactor.join(timeout)

    # -- reads -------------------------------------------------------------------------------------
    def unit_count(self) -> int:
        """Return the number of units searchable now."""
        with self._lock:
            self._refresh()
            dead = int(self._excluded.sum()) if self._excluded is not None else 0
            return self._base.n_units - dead + self._delta.n_units

    def delta_units(self) -> int:
        """Return how many units are searched outside the snapshot (0 right after a compaction)."""
        with self._lock:
            self._refresh()
            return self._delta.n_units

    def document_frequency(self, term: str) -> int:
        """Return how many units contain the term (tombstoned rows count until the next compaction)."""
        with self._lock:
            self._refresh()
            return sum(_column_length(state, term) for state in (self._base, self._delta))

    def search(self, query: str, n: int, version_ids: Iterable[str] | None = None) -> list[KeywordHit]:
        """Return the n units scoring highest for the query, optionally only from the given versions."""
        with self._lock:
            self._refresh()
            terms = query_terms(query, self.mode)
            if not terms:
                return []
            allowed = None if version_ids is None else set(version_ids)
            hits: list[tuple[str, float, float]] = []
            for state, excluded in ((self._base, self._excluded), (self._delta, None)):
                if allowed is not None and state.n_units:
                    outside = ~state.units_of(allowed)
                    excluded = outside if excluded is None else (excluded | outside)
                ids = [state.vocab[t] for t in terms if t in state.vocab]
                hits.extend(top_hits(state, ids, n, excluded))
        hits.sort(key=lambda hit: -hit[1])
        return [KeywordHit(unit_id, score, found / len(terms)) for unit_id, score, found in hits[:n]]


def _column_length(state: Merged, term: str) -> int:
    """Return the number of rows of state holding term: its BM25 column's stored entries."""
    column = state.vocab.get(term)
    if column is None or state.weights is None or column >= state.weights.shape[1]:
        return 0
    return int(state.weights.indptr[column + 1] - state.weights.indptr[column])
