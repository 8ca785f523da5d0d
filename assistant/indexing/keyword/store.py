"""Keyword-index storage: per-version segment files, the merged snapshot, merging and BM25 weights.

Pure functions over a folder and a `Merged` state; keyword.index.LexicalIndex decides when to call them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import scipy.sparse as sp

logger = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 3


class Merged:
    """Term counts of many versions' units in one matrix, with BM25 weights by term (CSC columns)."""

    def __init__(self, mode: str = "") -> None:
        self.mode = mode
        self.terms: list[str] = []
        self.vocab: dict[str, int] = {}
        self.unit_ids = np.zeros(0, dtype=object)
        self.unit_version = np.zeros(0, dtype=np.int32)
        self.versions: list[str] = []
        self.segments: dict[str, str] = {}  # version_id -> segment file it came from
        self.tf = sp.csr_matrix((0, 1), dtype=np.float32)
        self.weights: sp.csc_matrix | None = None
        self.total_len = 0.0  # sum of unit lengths, for the average length BM25 normalises by

    @property
    def n_units(self) -> int:
        """Return the number of rows."""
        return len(self.unit_ids)

    def term_ids(self, terms: Iterable[str]) -> list[int]:
        """Return the column of each term, adding unknown terms to the vocabulary."""
        ids = []
        for term in terms:
            index = self.vocab.get(term)
            if index is None:
                index = self.vocab[term] = len(self.terms)
                self.terms.append(term)
            ids.append(index)
        return ids

    def units_of(self, version_ids: Iterable[str]) -> np.ndarray:
        """Return a per-row flag: does the row belong to one of these versions."""
        wanted = set(version_ids)
        # One flag per version, looked up per unit: linear and vectorised (np.isin sorts).
        flags = np.fromiter((v in wanted for v in self.versions), dtype=bool, count=len(self.versions))
        return flags[self.unit_version] if len(self.unit_version) else np.zeros(0, dtype=bool)


def segment_name(version_id: str) -> str:
    """Return a fresh file name for a version's segment (unique, so readers never see a half-written one)."""
    digest = hashlib.sha1(version_id.encode("utf-8")).hexdigest()[:16]
    return f"{digest}-{uuid.uuid4().hex[:8]}.npz"


def write_segment(path: Path, units: Sequence[tuple[str, str]], tokenize: Callable[[str], list[str]]) -> None:
    """Write a version's units' term counts with its own term list (writers never share a vocabulary)."""
    rows = [Counter(tokenize(text)) for _, text in units]
    local_terms = sorted({t for row in rows for t in row})
    local = {t: i for i, t in enumerate(local_terms)}
    indptr, indices, data = [0], [], []
    for row in rows:
        indices.extend(local[t] for t in row)
        data.extend(row.values())
        indptr.append(len(indices))
    np.savez(
        path,
        unit_ids=np.array([u for u, _ in units], dtype=str),
        terms=np.array(local_terms, dtype=str),
        indptr=np.array(indptr, dtype=np.int64),
        indices=np.array(indices, dtype=np.int32),
        data=np.array(data, dtype=np.float32),
    )


def load_snapshot(folder: Path, mode: str) -> Merged:
    """Return the merged state saved last in folder/snapshot, arrays memory-mapped; empty if absent or stale."""
    state = Merged(mode)
    folder = folder / "snapshot"
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return state
    # Format 2 lacks total_len only (computed below), so snapshots written before the delta segments still load.
    if meta.get("format") not in (2, SNAPSHOT_FORMAT) or meta.get("mode") != mode:
        return state

    def array(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)

    terms = (folder / "terms.txt").read_text(encoding="utf-8")
    state.terms = terms.split("\n") if terms else []
    state.vocab = {t: i for i, t in enumerate(state.terms)}
    state.unit_ids = np.load(folder / "unit_ids.npy", allow_pickle=False).astype(object)
    state.unit_version = np.asarray(array("unit_version"))
    state.versions = list(meta["versions"])
    state.segments = dict(zip(state.versions, meta["segments"], strict=True))
    shape = (len(state.unit_ids), max(1, len(state.terms)))
    state.tf = sp.csr_matrix((array("tf_data"), array("tf_indices"), array("tf_indptr")), shape=shape)
    state.weights = sp.csc_matrix((array("w_data"), array("w_indices"), array("w_indptr")), shape=shape)
    state.total_len = float(meta["total_len"]) if "total_len" in meta else float(state.tf.data.sum())
    return state


def save_snapshot(folder: Path, state: Merged, file_lock: Callable[[], AbstractContextManager[object]]) -> None:
    """Write the merged state (term counts and BM25 weights) as plain arrays, then swap it in."""
    # A private temporary folder: the server and a CLI import may both compact at once.
    tmp = folder / f"snapshot.tmp-{uuid.uuid4().hex[:8]}"
    final, old = folder / "snapshot", folder / f"snapshot.old-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    assert state.weights is not None
    arrays = {
        "unit_ids": state.unit_ids.astype(str) if state.n_units else np.zeros(0, dtype=str),
        "unit_version": state.unit_version,
        "tf_data": state.tf.data, "tf_indices": state.tf.indices, "tf_indptr": state.tf.indptr,
        "w_data": state.weights.data, "w_indices": state.weights.indices, "w_indptr": state.weights.indptr,
    }
    for name, values in arrays.items():
        np.save(tmp / f"{name}.npy", np.ascontiguousarray(values), allow_pickle=False)
    (tmp / "terms.txt").write_text("\n".join(state.terms), encoding="utf-8")
    meta = {"format": SNAPSHOT_FORMAT, "mode": state.mode, "versions": state.versions,
            "segments": [state.segments[v] for v in state.versions], "total_len": state.total_len}
    # meta.json last: a snapshot folder without it is ignored and rebuilt from the segments.
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with file_lock():
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def merge(folder: Path, state: Merged, keep_versions: list[str], wanted: dict[str, str]) -> Merged:
    """Return state restricted to keep_versions plus the segments of every other version in wanted."""
    index_of = {v: i for i, v in enumerate(state.versions)}
    keep_mask = np.isin(state.unit_version, [index_of[v] for v in keep_versions])
    merged = Merged(state.mode)
    merged.terms, merged.vocab = list(state.terms), dict(state.vocab)
    blocks = [state.tf[keep_mask]] if state.n_units else []
    unit_ids = [state.unit_ids[keep_mask]]
    new_index = {v: i for i, v in enumerate(keep_versions)}
    remap = np.array([new_index.get(v, -1) for v in state.versions], dtype=np.int32)
    unit_version = [remap[state.unit_version[keep_mask]]] if state.n_units else []
    merged.versions = list(keep_versions)
    merged.segments = {v: state.segments[v] for v in keep_versions}
    for version_id, segment in wanted.items():
        if version_id in new_index:
            continue
        path = folder / "segments" / segment
        try:
            seg = np.load(path, allow_pickle=False)
        except (FileNotFoundError, OSError, ValueError):
            logger.warning("lexical segment missing version=%s file=%s: skipped", version_id, path)
            continue
        with seg:
            mapping = np.array(merged.term_ids(str(t) for t in seg["terms"]), dtype=np.int32)
            indices = mapping[seg["indices"]] if len(seg["indices"]) else seg["indices"].astype(np.int32)
            rows = sp.csr_matrix((seg["data"], indices, seg["indptr"]),
                                 shape=(len(seg["unit_ids"]), max(1, len(merged.terms))))
            unit_ids.append(seg["unit_ids"].astype(object))
        blocks.append(rows)
        unit_version.append(np.full(rows.shape[0], len(merged.versions), dtype=np.int32))
        merged.versions.append(version_id)
        merged.segments[version_id] = segment
    width = max(1, len(merged.terms))
    blocks = [sp.csr_matrix((b.data, b.indices, b.indptr), shape=(b.shape[0], width)) for b in blocks]
    merged.tf = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, width), dtype=np.float32)
    merged.unit_ids = np.concatenate(unit_ids) if unit_ids else np.zeros(0, dtype=object)
    merged.unit_version = np.concatenate(unit_version) if unit_version else np.zeros(0, dtype=np.int32)
    merged.total_len = float(merged.tf.data.sum())
    return merged


def bm25_weights(
    state: Merged, k1: float, b: float, base: Merged | None = None
) -> sp.csc_matrix:
    """Return state's BM25 weights; with base, statistics count base's units too (delta segments)."""
    tf = state.tf.tocsr().astype(np.float32)
    n_units = tf.shape[0]
    if n_units == 0:
        return sp.csc_matrix(tf)
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
    total_len, total_units = float(lengths.sum()), n_units
    if base is not None and base.n_units and base.weights is not None:
        # Document frequencies of the base are its weight columns' lengths; rows of versions removed since
        # the base was built still count (an approximation that lasts until the next compaction).
        base_df = np.diff(base.weights.indptr).astype(np.float32)
        ids = np.array([base.vocab.get(t, -1) for t in state.terms[: tf.shape[1]]], dtype=np.int64)
        known = ids >= 0
        df[: len(ids)][known] += base_df[ids[known]]
        total_len, total_units = total_len + base.total_len, total_units + base.n_units
    avg = max(total_len / total_units, 1.0)
    idf = np.log(1.0 + (total_units - df + 0.5) / (df + 0.5)).astype(np.float32)
    row_norm = np.repeat(k1 * (1 - b + b * lengths / avg), np.diff(tf.indptr))
    weighted = tf.copy()
    weighted.data = (tf.data * (k1 + 1) / (tf.data + row_norm)).astype(np.float32) * idf[tf.indices]
    return weighted.tocsc()


def top_hits(
    state: Merged, term_ids: list[int], n: int, excluded: np.ndarray | None
) -> list[tuple[str, float, float]]:
    """Return (unit id, score, coverage) of the n best rows for the term columns; excluded rows score 0."""
    weights = state.weights
    if weights is None or not term_ids or state.n_units == 0:
        return []
    scores = np.zeros(weights.shape[0], dtype=np.float32)
    # How many of the terms each row holds (its coverage), counted in the same pass: a column lists a row once.
    found = np.zeros(weights.shape[0], dtype=np.float32)
    for term_id in term_ids:
        start, end = weights.indptr[term_id], weights.indptr[term_id + 1]
        rows = weights.indices[start:end]
        scores[rows] += weights.data[start:end]
        found[rows] += 1.0
    if excluded is not None:
        scores[excluded] = 0.0
    count = min(n, int(np.count_nonzero(scores)))
    if count == 0:
        return []
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(str(state.unit_ids[i]), float(scores[i]), float(found[i])) for i in top]
