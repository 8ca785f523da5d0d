"""Training data of the query adapter: STARD questions, the lawbook articles that answer them, and negatives.

Used by eval/train_query_adapter.py. Each STARD question's gold articles are found in ../shared/lawbook (the file
by its `# ` title, compared as the scorer compares titles; the article by its label, parsed by the product's own
parser) and written as the product indexes them (indexer.article_units: titles, chapter headings, label, text), so
the adapter learns to reach the passages it will meet in the vector store. Negatives: a few non-gold articles of
each gold file (same law, wrong article: the hard case) and random articles of other files. Vectors are cached in
an .npz keyed by each text's SHA-256, so a rerun embeds nothing it has embedded before.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import CorpusError
from assistant.evaluation.matching import article_key, title_key
from assistant.indexing.indexer import article_units
from assistant.parsing.readers import read_source
from assistant.parsing.structure import parse_document
from assistant.records import Article, StoredArticle

MAX_FILE_BYTES = 50 * 1024 * 1024
# Article text past this is beyond the model's 512-token window anyway; cutting it keeps embedding time bounded.
MAX_PASSAGE_CHARS = 700


@dataclass(frozen=True)
class Pair:
    """One STARD question, its id and the pool indices of its gold articles."""

    question_id: str
    question: str
    gold: tuple[int, ...]


@dataclass
class AdapterData:
    """Questions and the article pool they are searched in (gold, same-file negatives, random negatives)."""

    pairs: list[Pair]
    passages: list[str]
    # pool index -> the file it came from, so a question's hard negatives can be looked up
    passage_file: list[str]
    hard_negatives: dict[str, list[int]]


def validation_share(question_id: str) -> bool:
    """Return True for the ~20% of questions held out for validation (first byte of SHA-256 of the id < 52)."""
    return hashlib.sha256(question_id.encode("utf-8")).digest()[0] < 52


def lawbook_titles(lawbook: Path) -> dict[str, list[Path]]:
    """Return title key -> the lawbook files with that `# ` title (民法典 is one file per 编, all one title)."""
    by_title: dict[str, list[Path]] = {}
    for path in sorted(lawbook.rglob("*.md")):
        with path.open(encoding="utf-8") as handle:
            first = handle.readline().strip()
        if first.startswith("# "):
            by_title.setdefault(title_key(first[2:].strip()), []).append(path)
    return by_title


def _passage(title: str, article: Article, ordinal: int) -> str:
    """Return the whole-article unit text the indexer would store for this article."""
    stored = StoredArticle(
        version_id="stard", doc_id="stard", ordinal=ordinal, article=article, title=title, doc_type="",
        status="", version=None, effective_date=None, issuing_body=None, is_current=True,
    )
    return article_units(stored, paragraph_min_chars=10**9)[0].text[:MAX_PASSAGE_CHARS]


class _Lawbook:
    """Parsed lawbook files on demand, each article's passage text by (file, article key)."""

    def __init__(self, lawbook: Path) -> None:
        self.titles = lawbook_titles(lawbook)
        self._parsed: dict[Path, list[tuple[tuple[int, int] | str, str]]] = {}

    def articles(self, path: Path) -> list[tuple[tuple[int, int] | str, str]]:
        if path not in self._parsed:
            try:
                doc = parse_document(read_source(path, max_bytes=MAX_FILE_BYTES))
            except CorpusError:  # a lawbook file with no articles (a header only) offers none
                self._parsed[path] = []
                return []
            self._parsed[path] = [
                (article_key(a.label), _passage(doc.meta.title, a, i)) for i, a in enumerate(doc.articles)
            ]
        return self._parsed[path]

    def find(self, document: str, label: str) -> tuple[Path, str] | None:
        """Return (file, passage) of a gold article, from the first file of that title that has the label."""
        wanted = article_key(label)
        for path in self.titles.get(title_key(document), []):
            for key, text in self.articles(path):
                if key == wanted:
                    return path, text
        return None


def build_data(
    queries: Path, lawbook: Path, *, hard_per_question: int, random_articles: int, seed: int, limit: int = 0
) -> AdapterData:
    """Return the questions with gold articles found in the lawbook and the pool of articles to rank
    (limit > 0: only the first limit questions, for a quick check)."""
    rng = random.Random(seed)
    book = _Lawbook(lawbook)
    passages: list[str] = []
    passage_file: list[str] = []
    index_of: dict[str, int] = {}

    def add(path: Path, text: str) -> int:
        if text not in index_of:
            index_of[text] = len(passages)
            passages.append(text)
            passage_file.append(str(path.relative_to(lawbook)))
        return index_of[text]

    pairs: list[Pair] = []
    hard: dict[str, list[int]] = {}
    lines = [line for line in queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    for line in lines[:limit] if limit > 0 else lines:
        record = json.loads(line)
        found = [book.find(g["document"], g["article"]) for g in record["gold"]]
        found = [f for f in found if f is not None]
        if not found:
            continue
        gold = tuple(sorted({add(path, text) for path, text in found}))
        pairs.append(Pair(record["id"], record["question"], gold))
        gold_texts = {text for _, text in found}
        negatives: list[int] = []
        for path in sorted({path for path, _ in found}):
            others = [text for _, text in book.articles(path) if text not in gold_texts]
            negatives += [add(path, text) for text in rng.sample(others, min(hard_per_question, len(others)))]
        hard[record["id"]] = negatives[:hard_per_question]
    all_files = sorted(p for paths in book.titles.values() for p in paths)
    while random_articles > 0:
        path = rng.choice(all_files)
        articles = book.articles(path)
        if articles:
            add(path, rng.choice(articles)[1])
            random_articles -= 1
    return AdapterData(pairs, passages, passage_file, hard)


def cached_vectors(
    texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], cache: Path, *, batch: int = 32, log=print
) -> np.ndarray:
    """Return one vector per text, embedding only those missing from the .npz cache (saved as it goes)."""
    store: dict[str, np.ndarray] = {}
    if cache.is_file():
        with np.load(cache) as data:
            store = {key: data[key] for key in data.files}
    digests = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    missing = sorted({d: i for i, d in enumerate(digests) if d not in store}.values())
    started = time.perf_counter()
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        for i, vector in zip(chunk, embed([texts[i] for i in chunk]), strict=True):
            store[digests[i]] = np.asarray(vector, dtype=np.float32)
        if (start // batch) % 20 == 19 or start + batch >= len(missing):
            np.savez(cache, **store)
            done = start + len(chunk)
            log(f"embedded {done}/{len(missing)} ({done / (time.perf_counter() - started):.1f}/s) -> {cache}")
    return np.stack([store[d] for d in digests]) if digests else np.zeros((0, 0), dtype=np.float32)
