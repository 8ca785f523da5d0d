"""Keyword index: Chinese tokenisation (character bigrams + jieba words), BM25 on scipy sparse matrices.

Persisted under home/lexical: one segment file per version (its units' term counts, with its own term
list, so writers never share a vocabulary file) plus a merged snapshot that makes opening fast. Adding
or removing a version touches one segment and the manifest; the merged matrix is rebuilt lazily at the
next search, so a bulk import of thousands of versions is not quadratic.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from assistant.textnorm import normalize_text

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
TOKENIZER_MODES = ("bigram", "jieba", "hybrid")
_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:[./-][a-z0-9]+)*")
# Question words carry no legal content; as bigrams they would match random articles.
_QUERY_NOISE = re.compile(
    r"请问|什么|怎么|怎样|如何|哪些|哪个|哪里|是否|有没有|能不能|可不可以|可以吗|吗|呢|吧|一下|我们|我"
)
SNAPSHOT_FORMAT = 2


@functools.lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(DATA_DIR / "legal_terms.txt"))
    return tokenizer


def tokenize(text: str, mode: str = "hybrid") -> list[str]:
    """Return the terms of normalised text: character bigrams, jieba words, or bigrams plus long words."""
    text = normalize_text(text).lower()
    terms: list[str] = []
    for run in _RUNS.findall(text):
        if not ("\u3400" <= run[0] <= "\u9fff"):
            terms.append(run)
            continue
        if mode in ("bigram", "hybrid"):
            if len(run) > 1:
                terms.extend(run[i : i + 2] for i in range(len(run) - 1))
            else:
                terms.append(run)
        if mode in ("jieba", "hybrid"):
            words = _jieba().lcut_for_search(run) if len(run) > 1 else [run]
            # In hybrid mode two-character words are already bigrams; only longer words add information.
            terms.extend(w for w in words if mode == "jieba" or len(w) > 2)
    return terms


@functools.lru_cache(maxsize=1)
def _colloquial() -> list[tuple[re.Pattern[str], str]]:
    rules = []
    for line in (DATA_DIR / "colloquial.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, words = line.split("\t")[:2]
            rules.append((re.compile(pattern), words))
    return rules


def expand_colloquial(query: str) -> str:
    """Return the query with statutory words added for everyday ones (关基 -> 关键信息基础设施, 删了 -> 删除)."""
    text = normalize_text(query).lower()
    extra = [words for pattern, words in _colloquial() if pattern.search(text)]
    return " ".join([text, *extra]) if extra else text


def query_terms(query: str, mode: str = "hybrid") -> list[str]:
    """Return the distinct terms of a question, question words removed."""
    cleaned = _QUERY_NOISE.sub(" ", normalize_text(query).lower())
    return list(dict.fromkeys(tokenize(cleaned, mode)))


@dataclass(frozen=True)
class LexicalHit:
    """One unit found by keywords: its id, BM25 score and the share of query terms it contains."""

    unit_id: str
    score: float
    coverage: float


def _segment_name(version_id: str) -> str:
    digest = hashlib.sha1(version_id.encode("utf-8")).hexdigest()[:16]
    return f"{digest}-{uuid.uuid4().hex[:8]}.npz"


class _Merged:
    """The in-memory state: every unit's term counts in one matrix plus BM25 weights by term."""

    def __init__(self) -> None:
        self.terms: list[str] = []
        self.vocab: dict[str, int] = {}
        self.unit_ids = np.zeros(0, dtype=object)
        self.unit_version = np.zeros(0, dtype=np.int32)
        self.versions: list[str] = []
        self.segments: dict[str, str] = {}  # version_id -> segment file it came from
        self.tf = sp.csr_matrix((0, 0), dtype=np.float32)
        self.weights: sp.csc_matrix | None = None

    def term_ids(self, terms: Iterable[str]) -> list[int]:
        ids = []
        for term in terms:
            index = self.vocab.get(term)
            if index is None:
                index = self.vocab[term] = len(self.terms)
                self.terms.append(term)
            ids.append(index)
        return ids


class LexicalIndex:
    """BM25 over units (articles and paragraphs), incremental per version, persisted under a folder."""

    def __init__(self, folder: Path, mode: str = "hybrid", k1: float = 1.2, b: float = 0.75) -> None:
        if mode not in TOKENIZER_MODES:
            raise ValueError(f"lexical tokenizer mode {mode!r} is not one of {TOKENIZER_MODES}")
        self.folder, self.mode, self.k1, self.b = folder, mode, k1, b
        (folder / "segments").mkdir(parents=True, exist_ok=True)
        built_with = self._built_mode()
        if built_with and built_with != mode:
            # Terms of a built index must be read the way they were written; a new tokeniser setting
            # applies once the folder is rebuilt (delete it; Library.reconcile re-indexes from the catalog).
            logger.warning("lexical index folder=%s was built with mode=%s; using it, not mode=%s",
                           folder, built_with, mode)
            self.mode = built_with
        self._lock = threading.RLock()
        self._state = _Merged()
        self._manifest_stamp: tuple[float, int] | None = None
        self._stale = True

    # -- persistence -------------------------------------------------------------------------------
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

    def _built_mode(self) -> str | None:
        try:
            mode = json.loads(self._manifest_path.read_text(encoding="utf-8")).get("mode")
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return mode if mode in TOKENIZER_MODES else None

    def _read_manifest(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self._manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        if data.get("mode") != self.mode:
            logger.warning("lexical index folder=%s built with mode=%s, not %s: ignoring it",
                           self.folder, data.get("mode"), self.mode)
            return {}
        return data["versions"]

    def _write_manifest(self, versions: dict[str, dict[str, object]]) -> None:
        tmp = self._manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"mode": self.mode, "versions": versions}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._manifest_path)

    def _stamp(self) -> tuple[float, int] | None:
        try:
            stat = self._manifest_path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime, stat.st_size)

    # -- writes ------------------------------------------------------------------------------------
    def index_version(self, version_id: str, units: Sequence[tuple[str, str]]) -> None:
        """Store a version's units as (unit_id, text); replaces any earlier copy of the version."""
        rows = [Counter(tokenize(text, self.mode)) for _, text in units]
        local_terms = sorted({t for row in rows for t in row})
        local = {t: i for i, t in enumerate(local_terms)}
        indptr, indices, data = [0], [], []
        for row in rows:
            indices.extend(local[t] for t in row)
            data.extend(row.values())
            indptr.append(len(indices))
        name = _segment_name(version_id)
        np.savez(
            self.folder / "segments" / name,
            unit_ids=np.array([u for u, _ in units], dtype=str),
            terms=np.array(local_terms, dtype=str),
            indptr=np.array(indptr, dtype=np.int64),
            indices=np.array(indices, dtype=np.int32),
            data=np.array(data, dtype=np.float32),
        )
        with self._lock, self._file_lock():
            manifest = self._read_manifest()
            old = manifest.get(version_id)
            manifest[version_id] = {"segment": name, "units": len(units)}
            self._write_manifest(manifest)
            if old:
                (self.folder / "segments" / str(old["segment"])).unlink(missing_ok=True)
            self._stale = True
        logger.info("lexical indexed version=%s units=%d", version_id, len(units))

    def remove_version(self, version_id: str) -> None:
        """Forget a version's units."""
        with self._lock, self._file_lock():
            manifest = self._read_manifest()
            old = manifest.pop(version_id, None)
            if old is None:
                return
            self._write_manifest(manifest)
            (self.folder / "segments" / str(old["segment"])).unlink(missing_ok=True)
            self._stale = True

    def version_ids(self) -> set[str]:
        """Return the versions the index holds."""
        return set(self._read_manifest())

    # -- merge -------------------------------------------------------------------------------------
    def _load_snapshot(self) -> _Merged:
        """Return the merged state saved last, arrays memory-mapped so opening reads almost nothing."""
        state = _Merged()
        folder = self.folder / "snapshot"
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return state
        if meta.get("format") != SNAPSHOT_FORMAT or meta.get("mode") != self.mode:
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
        shape = (len(state.unit_ids), len(state.terms))
        state.tf = sp.csr_matrix((array("tf_data"), array("tf_indices"), array("tf_indptr")), shape=shape)
        state.weights = sp.csc_matrix((array("w_data"), array("w_indices"), array("w_indptr")), shape=shape)
        return state

    def _save_snapshot(self, state: _Merged) -> None:
        """Write the merged state (term counts and BM25 weights) as plain arrays, then swap it in."""
        # A private temporary folder: the server and a CLI import may both refresh at once.
        tmp = self.folder / f"snapshot.tmp-{uuid.uuid4().hex[:8]}"
        final, old = self.folder / "snapshot", self.folder / f"snapshot.old-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        weights = state.weights if state.weights is not None else self._bm25_weights(state)
        arrays = {
            "unit_ids": state.unit_ids.astype(str) if len(state.unit_ids) else np.zeros(0, dtype=str),
            "unit_version": state.unit_version,
            "tf_data": state.tf.data, "tf_indices": state.tf.indices, "tf_indptr": state.tf.indptr,
            "w_data": weights.data, "w_indices": weights.indices, "w_indptr": weights.indptr,
        }
        for name, values in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(values), allow_pickle=False)
        (tmp / "terms.txt").write_text("\n".join(state.terms), encoding="utf-8")
        meta = {"format": SNAPSHOT_FORMAT, "mode": self.mode, "versions": state.versions,
                "segments": [state.segments[v] for v in state.versions]}
        # meta.json last: a snapshot folder without it is ignored and rebuilt from the segments.
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        with self._file_lock():
            if final.exists():
                os.replace(final, old)
            os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)

    def _refresh(self) -> None:
        """Bring the merged matrix in line with the manifest: drop removed versions, add new segments."""
        stamp = self._stamp()
        if not self._stale and stamp == self._manifest_stamp:
            return
        manifest = self._read_manifest()
        state = self._state if self._state.versions or self._state.terms else self._load_snapshot()
        wanted = {v: str(entry["segment"]) for v, entry in manifest.items()}
        keep_versions = [v for v in state.versions if wanted.get(v) == state.segments.get(v)]
        changed = len(keep_versions) != len(state.versions) or len(keep_versions) != len(wanted)
        if changed:
            state = self._merge(state, keep_versions, wanted)
            state.weights = self._bm25_weights(state)
            self._save_snapshot(state)
        elif state.weights is None:
            state.weights = self._bm25_weights(state)
        self._state, self._manifest_stamp, self._stale = state, stamp, False

    def _merge(self, state: _Merged, keep_versions: list[str], wanted: dict[str, str]) -> _Merged:
        index_of = {v: i for i, v in enumerate(state.versions)}
        keep_mask = np.isin(state.unit_version, [index_of[v] for v in keep_versions])
        merged = _Merged()
        merged.terms, merged.vocab = state.terms, state.vocab
        blocks = [state.tf[keep_mask]] if len(state.unit_ids) else []
        unit_ids = [state.unit_ids[keep_mask]]
        new_index = {v: i for i, v in enumerate(keep_versions)}
        unit_version = [np.array([new_index[state.versions[i]] for i in state.unit_version[keep_mask]], dtype=np.int32)]
        merged.versions = list(keep_versions)
        merged.segments = {v: state.segments[v] for v in keep_versions}
        for version_id, segment in wanted.items():
            if version_id in new_index:
                continue
            path = self.folder / "segments" / segment
            if not path.is_file():
                logger.warning("lexical segment missing version=%s file=%s: skipped", version_id, path)
                continue
            with np.load(path, allow_pickle=False) as seg:
                mapping = np.array(merged.term_ids(str(t) for t in seg["terms"]), dtype=np.int32)
                rows = sp.csr_matrix(
                    (seg["data"], mapping[seg["indices"]] if len(seg["indices"]) else seg["indices"], seg["indptr"]),
                    shape=(len(seg["unit_ids"]), max(1, len(merged.terms))),
                )
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
        logger.info("lexical merged versions=%d units=%d terms=%d", len(merged.versions), len(merged.unit_ids),
                    len(merged.terms))
        return merged

    def _bm25_weights(self, state: _Merged) -> sp.csc_matrix:
        tf = state.tf.tocsr().astype(np.float32)
        n_units = tf.shape[0]
        if n_units == 0:
            return sp.csc_matrix(tf)
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        avg = max(float(lengths.mean()), 1.0)
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
        idf = np.log(1.0 + (n_units - df + 0.5) / (df + 0.5)).astype(np.float32)
        row_norm = np.repeat(self.k1 * (1 - self.b + self.b * lengths / avg), np.diff(tf.indptr))
        weighted = tf.copy()
        weighted.data = (tf.data * (self.k1 + 1) / (tf.data + row_norm)).astype(np.float32) * idf[tf.indices]
        return weighted.tocsc()

    # -- reads -------------------------------------------------------------------------------------
    def unit_count(self) -> int:
        """Return the number of units searchable now."""
        with self._lock:
            self._refresh()
            return len(self._state.unit_ids)

    def search(self, query: str, n: int, version_ids: Iterable[str] | None = None) -> list[LexicalHit]:
        """Return the n units scoring highest for the query, optionally only from the given versions."""
        terms = query_terms(query, self.mode)
        with self._lock:
            self._refresh()
            state = self._state
            weights = state.weights
            if not terms or weights is None or weights.shape[0] == 0:
                return []
            ids = [state.vocab[t] for t in terms if t in state.vocab]
            scores = np.zeros(weights.shape[0], dtype=np.float32)
            for term_id in ids:
                start, end = weights.indptr[term_id], weights.indptr[term_id + 1]
                scores[weights.indices[start:end]] += weights.data[start:end]
            if version_ids is not None:
                wanted = set(version_ids)
                # One flag per version, looked up per unit: linear and vectorised (np.isin sorts).
                keep = np.fromiter((v in wanted for v in state.versions), dtype=bool, count=len(state.versions))
                scores[~keep[state.unit_version]] = 0.0
            count = min(n, int(np.count_nonzero(scores)))
            if count == 0:
                return []
            top = np.argpartition(-scores, count - 1)[:count]
            top = top[np.argsort(-scores[top], kind="stable")]
            coverage = self._coverage(weights, ids, top, len(terms))
            return [
                LexicalHit(str(state.unit_ids[i]), float(scores[i]), float(c))
                for i, c in zip(top, coverage, strict=True)
            ]

    @staticmethod
    def _coverage(weights: sp.csc_matrix, ids: list[int], rows: np.ndarray, n_terms: int) -> np.ndarray:
        """Return, per row, the share of the query's terms that occur in it."""
        found = np.zeros(len(rows), dtype=np.float32)
        for term_id in ids:
            column = weights.indices[weights.indptr[term_id] : weights.indptr[term_id + 1]]
            found += np.isin(rows, column)
        return found / max(n_terms, 1)
