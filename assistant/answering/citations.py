"""Citation markers: parse [n], check every sentence against the source it cites, renumber, build Citation."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.language.textnorm import NOT_CONTENT, normalize_text
from assistant.records import Citation, StoredArticle

# Models write [1], [1][2], [1, 2], [1、2] or 【1】; all are read as markers.
_MARKER_GROUP = re.compile(r"[\[【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】]")
_SENTENCE_END = "。！？；!?;\n"
UNSUPPORTED_FLAG = "（此句未能在所引条文中核实）"


@dataclass(frozen=True)
class CheckedText:
    """An answer after checking: the corrected text, the sources it cites (old marker -> new), what changed."""

    text: str
    markers: tuple[int, ...]  # original source markers, in order of first mention; new marker = index + 1
    notices: tuple[str, ...]
    supported: int = 0  # claims left with a marker their source supports
    flagged: int = 0  # claims no source supports, marked UNSUPPORTED_FLAG


def build_citation(article: StoredArticle, marker: int, quote: str = "") -> Citation:
    """Return the Citation of one stored article under marker [n]."""
    return Citation(
        marker=marker,
        document=article.title,
        article=article.article.label,
        version=article.version,
        effective_date=article.effective_date,
        status=article.status,
        version_id=article.version_id,
        ordinal=article.ordinal,
        quote=quote,
    )


def render_citation(citation: Citation) -> str:
    """Return [n] 《title》第N条（版本 …，施行 …，status） as listed under an answer."""
    details = []
    if citation.version:
        details.append(f"版本 {citation.version}")
    if citation.effective_date:
        details.append(f"施行 {citation.effective_date}")
    if citation.status:
        details.append(citation.status)
    suffix = f"（{'，'.join(details)}）" if details else ""
    return f"[{citation.marker}] {citation.label}{suffix}"


def parse_markers(text: str) -> list[int]:
    """Return the marker numbers in text in order of appearance, repeats included."""
    numbers: list[int] = []
    for match in _MARKER_GROUP.finditer(text):
        numbers.extend(int(n) for n in re.split(r"\s*[,，、]\s*", match.group(1)))
    return numbers


def strip_markers(text: str) -> str:
    """Return text without any [n] markers."""
    return _MARKER_GROUP.sub("", text)


def split_sentences(text: str) -> list[str]:
    """Return text cut after each sentence end, markers that follow an end kept with their sentence."""
    pieces: list[str] = []
    start, index = 0, 0
    while index < len(text):
        if text[index] in _SENTENCE_END:
            index += 1
            # "……义务。[1]" puts the marker after the full stop; it still belongs to this sentence.
            while True:
                match = _MARKER_GROUP.match(text, index)
                if not match:
                    break
                index = match.end()
            pieces.append(text[start:index])
            start = index
        else:
            index += 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def bigrams(text: str) -> set[str]:
    """Return the character bigrams of the content characters (CJK, digits, letters) of text."""
    bag: set[str] = set()
    for run in NOT_CONTENT.split(normalize_text(strip_markers(text)).lower()):
        if len(run) == 1:
            bag.add(run)
        bag.update(run[i : i + 2] for i in range(len(run) - 1))
    return bag


def support(sentence: str, source: str | set[str]) -> float:
    """Return the share of the sentence's bigrams found in the source (0..1; 0 for an empty sentence)."""
    wanted = bigrams(sentence)
    if not wanted:
        return 0.0
    have = source if isinstance(source, set) else bigrams(source)
    return len(wanted & have) / len(wanted)


def is_claim(sentence: str) -> bool:
    """Return True when a sentence says enough (8+ content characters) to need a source."""
    return len(NOT_CONTENT.sub("", strip_markers(sentence))) >= 8


def check_text(text: str, sources: Mapping[int, str], threshold: float) -> CheckedText:
    """Return text with every marker checked against its source text, corrected and renumbered.

    A marker naming no source is removed; a cited sentence its source does not support is moved to the
    source that does, or flagged when none does; an uncited claim gets the marker of the source that
    supports it, or is flagged too.
    """
    source_bags = {marker: bigrams(body) for marker, body in sources.items()}
    notices: list[str] = []
    unknown: list[int] = []
    rewritten: list[str] = []
    supported, flagged, uncited_flagged = 0, 0, 0
    for sentence in split_sentences(text):
        body, trailer = _split_trailer(sentence)
        cited = parse_markers(sentence)
        unknown.extend(m for m in cited if m not in source_bags)
        cited = list(dict.fromkeys(m for m in cited if m in source_bags))
        clean = strip_markers(body).rstrip()
        if not is_claim(clean):
            rewritten.append(clean + _markers(cited) + trailer)
            continue
        kept, notice = _attribute(clean, cited, source_bags, threshold)
        if notice:
            notices.append(notice)
        if kept:
            supported += 1
            rewritten.append(clean + _markers(kept) + trailer)
        else:
            flagged += 1
            if not cited:
                uncited_flagged += 1
            rewritten.append(clean + UNSUPPORTED_FLAG + trailer)
    if uncited_flagged:
        notices.append(f"有{uncited_flagged}句未标注来源，且在所给条文中找不到依据，已标注待核实。")
    if unknown:
        listed = "".join(f"[{m}]" for m in dict.fromkeys(unknown))
        notices.insert(0, f"已删除没有对应来源的引用标记{listed}。")
    checked = _renumber("".join(rewritten), tuple(notices))
    return dataclasses.replace(checked, supported=supported, flagged=flagged)


def _attribute(
    claim: str, cited: Sequence[int], bags: Mapping[int, set[str]], threshold: float
) -> tuple[list[int], str]:
    """Return the markers a claim keeps (empty: unsupported) and the notice its correction needs."""
    scores = {m: support(claim, bag) for m, bag in bags.items()}
    kept = [m for m in cited if scores[m] >= threshold]
    best = max(scores, key=lambda m: scores[m], default=0)
    best_ok = bool(scores) and scores[best] >= threshold
    if kept:
        dropped = [m for m in cited if m not in kept]
        notice = f"「{_excerpt(claim)}」与{_markers(dropped)}不符，已删去该标注。" if dropped else ""
        return kept, notice
    if not cited:
        return ([best] if best_ok else []), ""  # the uncited count makes one notice for all of these
    if best_ok:
        return [best], f"「{_excerpt(claim)}」原标注{_markers(cited)}与该条不符，已改标为[{best}]。"
    return [], f"「{_excerpt(claim)}」在所引条文中找不到依据，已标注待核实。"


def _split_trailer(sentence: str) -> tuple[str, str]:
    """Return (sentence without its end mark, the end mark), markers after the end mark moved before it."""
    stripped = strip_markers(sentence)
    trail = ""
    while stripped and stripped[-1] in _SENTENCE_END:
        trail = stripped[-1] + trail
        stripped = stripped[:-1]
    # Keep the markers (wherever they stood) in the body so parse_markers still sees them.
    markers = "".join(f"[{m}]" for m in parse_markers(sentence))
    return stripped + markers, trail


def _markers(numbers: Sequence[int]) -> str:
    """Return [1][2] for (1, 2)."""
    return "".join(f"[{n}]" for n in numbers)


def _excerpt(sentence: str, width: int = 24) -> str:
    """Return the start of a sentence for a notice."""
    sentence = sentence.strip()
    return sentence if len(sentence) <= width else sentence[:width] + "…"


def _renumber(text: str, notices: tuple[str, ...]) -> CheckedText:
    """Return text with markers renumbered 1..n in order of first mention."""
    order: list[int] = []
    for marker in parse_markers(text):
        if marker not in order:
            order.append(marker)
    new_number = {old: index + 1 for index, old in enumerate(order)}

    def replace(match: re.Match[str]) -> str:
        numbers = re.split(r"\s*[,，、]\s*", match.group(1))
        return "".join(f"[{new_number[int(n)]}]" for n in numbers)

    return CheckedText(text=_MARKER_GROUP.sub(replace, text), markers=tuple(order), notices=notices)
