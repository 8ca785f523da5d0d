"""The domain vocabulary's data tables, loaded in one place: abbreviations of regulation titles, everyday words
mapped to statutory ones, and the legal terms that keep jieba from splitting words of art.

The tables live in language/data/ as plain text so maintainers can read and extend them without code.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Iterable
from pathlib import Path

from assistant.language.textnorm import normalize_text, normalize_title

DATA_DIR = Path(__file__).resolve().parent / "data"
ABBREVIATIONS_FILE = DATA_DIR / "abbreviations.tsv"
COLLOQUIAL_FILE = DATA_DIR / "colloquial.tsv"
LEGAL_TERMS_FILE = DATA_DIR / "legal_terms.txt"
# How many documents of Chinese law at large (../shared/lawbook) use each word: eval/count_lawbook_words.py.
BACKGROUND_FILE = DATA_DIR / "lawbook_document_frequency.tsv.gz"


def _table_rows(path: Path) -> list[list[str]]:
    """Return the tab-separated fields of a table's lines, blank lines and # comments skipped."""
    return _fields(path.read_text(encoding="utf-8").splitlines())


def _fields(lines: Iterable[str]) -> list[list[str]]:
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@functools.lru_cache(maxsize=1)
def load_abbreviations(path: Path = ABBREVIATIONS_FILE) -> dict[str, str]:
    """Return alias -> short title from the abbreviations table (lower-cased aliases)."""
    return {normalize_text(alias).lower(): normalize_title(target) for alias, target, *_ in _table_rows(path)}


@functools.lru_cache(maxsize=1)
def colloquial_rules(path: Path = COLLOQUIAL_FILE) -> list[tuple[re.Pattern[str], str]]:
    """Return (pattern of everyday words, statutory words to add) from the colloquial table."""
    return [(re.compile(pattern), words) for pattern, words, *_ in _table_rows(path)]


def expand_colloquial(query: str) -> str:
    """Return the query with statutory words added for everyday ones (关基 -> 关键信息基础设施, 删了 -> 删除) and
    for officials' shorthand of a concept (等保 -> 等级保护, 密评 -> 商用密码应用安全性评估)."""
    text = normalize_text(query).lower()
    extra = [words for pattern, words in colloquial_rules() if pattern.search(text)]
    added = " ".join(extra)
    extra += [full for short, full in concept_shorthand().items()
              if short in text and full not in text and full not in added]  # app: the colloquial table adds it
    extra = list(dict.fromkeys(extra))
    return " ".join([text, *extra]) if extra else text


@functools.lru_cache(maxsize=1)
def concept_shorthand() -> dict[str, str]:
    """Return the aliases that shorten a concept (等保 -> 等级保护), not a regulation's name (个保法): no text
    contains 等保, so a search must add the words it stands for; a regulation named is the title finder's job."""
    return {short.lower(): full for short, full in load_aliases().items() if not full.endswith("法")}


@functools.lru_cache(maxsize=1)
def load_legal_terms(path: Path = LEGAL_TERMS_FILE) -> tuple[str, ...]:
    """Return the terms of art listed for jieba (网络运营者, 个人信息处理者, 重要数据 …)."""
    return tuple(row[0].split()[0] for row in _table_rows(path) if row[0].strip())


ANSWER_TYPES_FILE = DATA_DIR / "answer_types.tsv"


@functools.lru_cache(maxsize=1)
def answer_type_rules(path: Path = ANSWER_TYPES_FILE) -> list[tuple[str, re.Pattern[str], re.Pattern[str], str]]:
    """Return (kind, what a question asks for, what an answering article says, example) from the answer types."""
    return [(kind, re.compile(asks), re.compile(says), example) for kind, asks, says, example, *_ in _table_rows(path)]


@functools.lru_cache(maxsize=1)
def answer_type_reasons(path: Path = ANSWER_TYPES_FILE) -> dict[str, str]:
    """Return kind -> the sentence a declining answer gives for it (法律法规不推荐…具体的厂商)."""
    return {row[0]: row[4] for row in _table_rows(path) if len(row) > 4}


ALIASES_FILE = DATA_DIR / "aliases.tsv"
PENALTY_WORDS_FILE = DATA_DIR / "penalty_words.tsv"


@functools.lru_cache(maxsize=1)
def load_aliases(path: Path = ALIASES_FILE) -> dict[str, str]:
    """Return abbreviation -> the statutes' words (关基 -> 关键信息基础设施) from the aliases table."""
    return {short: full for short, full, *_ in _table_rows(path)}


@functools.lru_cache(maxsize=1)
def _penalty_words(path: Path = PENALTY_WORDS_FILE) -> dict[str, re.Pattern[str]]:
    return {kind: re.compile(words) for kind, words, *_ in _table_rows(path)}


def penalty_question_words() -> re.Pattern[str]:
    """Return the pattern of words that make a question ask about penalties (怎么罚, 法律责任, 违反 …)."""
    return _penalty_words()["question"]


def sanction_words() -> re.Pattern[str]:
    """Return the pattern of words by which an article imposes a sanction (罚款, 责令, 吊销 …), to be read with
    the article's chapter or citations."""
    return _penalty_words()["sanction"]


def stated_sanction_words() -> re.Pattern[str]:
    """Return the pattern of words that state a sanction by themselves (罚款, 吊销 …; not 责令改正 alone)."""
    return _penalty_words()["stated_sanction"]


CONCEPTS_FILE = DATA_DIR / "concepts.tsv"


@functools.lru_cache(maxsize=1)
def concept_rules(path: Path = CONCEPTS_FILE) -> list[tuple[re.Pattern[str], tuple[str, ...], str]]:
    """Return (pattern of everyday words, legal concepts, example phrase) from the everyday-concepts table."""
    return [(re.compile(pattern), tuple(concepts.split()), example) for pattern, concepts, example in _table_rows(path)]


def everyday_concepts(query: str) -> list[str]:
    """Return the legal concepts the query's everyday words belong to (指纹打卡 -> 生物识别, 敏感个人信息)."""
    return list(dict.fromkeys(c for group in concept_groups(query) for c in group))


def concept_groups(query: str) -> list[tuple[str, ...]]:
    """Return the concepts of each table row the query's everyday words match, row by row (one situation each)."""
    return list(_concept_groups_of(normalize_text(query).lower()))


@functools.lru_cache(maxsize=4096)
def _concept_groups_of(text: str) -> tuple[tuple[str, ...], ...]:
    # A turn asks this of the same texts several times (scope, expansion, the decline's word check), and the
    # table has a few hundred patterns.
    return tuple(concepts for pattern, concepts, _ in concept_rules() if pattern.search(text))


@functools.lru_cache(maxsize=1)
def _background(path: Path = BACKGROUND_FILE) -> tuple[int, dict[str, int]]:
    with gzip.open(path, "rt", encoding="utf-8") as table:
        lines = table.read().splitlines()
    documents = int(lines[0].split("\t")[1])  # the header: # documents<TAB>3449
    return documents, {word: int(count) for word, count in _fields(lines)}


def background_frequency(word: str) -> int:
    """Return how many documents of Chinese law at large use the word (0 for a word none uses)."""
    return _background()[1].get(word, 0)


def background_documents() -> int:
    """Return how many documents of Chinese law at large the background frequencies were counted over."""
    return _background()[0]
