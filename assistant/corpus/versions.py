"""Article-by-article alignment of two versions of one document: pairs by text, not by number.

An amendment renumbers most articles (网络安全法 2016 第二十一条 is 2025 第二十三条), so numbers cannot pair
articles. Each article is paired with the article of the other version whose text is most alike (character
bigram Dice coefficient), one-to-one and best pairs first; then an article left over whose text is covered by
a neighbour of a pair is recorded as a split (one old article -> two new) or a merge (two old -> one new).
Last, a paragraph or item that left its article for another (2016 第六十九条第一项 went into 2025 第六十九条, the
rest became 第七十条) is recorded as a part pair beside the articles' own pairs.
Pure functions over (label, text) lists; assistant.corpus.alignment_store stores the result in the catalog.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.language.numerals import CN_NUMERAL_WITH_WAN

# Below this Dice similarity two articles are different provisions, not one provision reworded: articles of
# one law share much boilerplate (网络运营者应当…), and unrelated pairs of 网络安全法 stay under 0.45.
MATCH_THRESHOLD = 0.5
# Share of a left-over article's bigrams found in the article it was split from / merged into.
COVER_THRESHOLD = 0.7
# A paragraph or item this much covered by another article than its own counterpart moved there, if its own
# counterpart covers less than PART_STAYED of it; shorter parts (「（二）拒绝、阻碍监督检查的；」) are boilerplate.
PART_THRESHOLD = 0.75
PART_STAYED = 0.5
PART_MIN_CHARS = 12
# Bumped when align() starts finding pairs it did not: stored alignments of an older method are recomputed.
METHOD = 2
# Candidates scored exactly per article (ranked by shared bigrams first, so large documents stay cheap).
_CANDIDATES = 8
_SPACE = re.compile(r"\s+")

UNCHANGED = "unchanged"
AMENDED = "amended"
RENUMBERED = "renumbered"
ADDED = "added"
DELETED = "deleted"
SPLIT = "split"
MERGED = "merged"
PART = "part"  # a paragraph or item of the old article is in the new one; the articles' own pairs stand as well
STATUSES = (UNCHANGED, AMENDED, RENUMBERED, ADDED, DELETED, SPLIT, MERGED, PART)


@dataclass(frozen=True)
class Unit:
    """One article of a version as the aligner sees it: its label, its place and its text."""

    label: str
    ordinal: int
    text: str


@dataclass(frozen=True)
class Pair:
    """One row of an alignment: old and new article (either may be None), status and similarity 0..1.

    status is one of STATUSES or a combination joined by "+" (renumbered+amended, split+renumbered ...). For a
    part pair the similarity is the share of the article holding the paragraph or item that it makes up.
    """

    old_label: str | None
    new_label: str | None
    status: str
    similarity: float
    old_ordinal: int | None = None
    new_ordinal: int | None = None

    def as_json(self) -> dict[str, object]:
        """Return the row `corpus compare --json` prints."""
        return {"old": self.old_label, "new": self.new_label, "status": self.status,
                "similarity": round(self.similarity, 3)}


def comparable(text: str) -> str:
    """Return the text compared: whitespace dropped (line breaks of a source file are not changes)."""
    return _SPACE.sub("", text)


def _bigrams(text: str) -> Counter[str]:
    """Return the character bigrams of a text (a one-character text counts as its own bigram)."""
    return Counter(text[i:i + 2] for i in range(max(len(text) - 1, 1)))


def dice(a: Counter[str], b: Counter[str]) -> float:
    """Return the Dice coefficient of two bigram multisets: 1.0 for equal texts, 0.0 for nothing shared."""
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 1.0


def _covered(part: Counter[str], whole: Counter[str]) -> float:
    """Return the share of part's bigrams that also occur in whole."""
    size = sum(part.values())
    return sum((part & whole).values()) / size if size else 0.0


def _postings(texts: list[Counter[str]]) -> dict[str, list[int]]:
    """Return each bigram's list of the texts holding it (an inverted index)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for j, grams in enumerate(texts):
        for gram in grams:
            postings[gram].append(j)
    return postings


def _shortlist(grams: Counter[str], postings: dict[str, list[int]], count: int) -> list[int]:
    """Return the few texts sharing the most of grams' rarer bigrams: the only ones worth scoring exactly."""
    shared: Counter[int] = Counter()
    for gram in grams:
        hits = postings.get(gram, ())
        if len(hits) <= max(count // 2, 4):  # common bigrams (网络, 应当) rank nothing
            for j in hits:
                shared[j] += 1
    return [j for j, _ in shared.most_common(_CANDIDATES)]


def _candidates(olds: list[Counter[str]], news: list[Counter[str]]) -> list[tuple[float, int, int]]:
    """Return (similarity, i, j) for each old article and its most promising new articles, best first.

    Shared rare bigrams rank candidates (an inverted index), so only a few pairs per article are scored.
    """
    postings = _postings(news)
    scored = []
    for i, grams in enumerate(olds):
        picked = set(_shortlist(grams, postings, len(news))) | ({i} if i < len(news) else set())
        scored += [(dice(grams, news[j]), i, j) for j in picked]
    # Best similarity first; among equals the pair closest to the diagonal (order of the text is kept).
    return sorted(scored, key=lambda item: (-item[0], abs(item[1] - item[2]), item[1]))


def _status(old: Unit, new: Unit, *, identical: bool, extra: str = "") -> str:
    """Return the status of a pair: what changed between the two articles."""
    parts = [extra] if extra else []
    if old.label != new.label:
        parts.append(RENUMBERED)
    if not identical:
        parts.append(AMENDED)
    return "+".join(parts) or UNCHANGED


def align(old: Sequence[Unit], new: Sequence[Unit]) -> list[Pair]:
    """Return the alignment of two versions' articles, in the new version's order with deletions in place."""
    old_text = [comparable(u.text) for u in old]
    new_text = [comparable(u.text) for u in new]
    old_grams = [_bigrams(t) for t in old_text]
    new_grams = [_bigrams(t) for t in new_text]
    match: dict[int, tuple[int, float]] = {}  # old index -> (new index, similarity)
    taken: set[int] = set()
    for similarity, i, j in _candidates(old_grams, new_grams):
        if similarity < MATCH_THRESHOLD:
            break
        if i not in match and j not in taken:
            match[i] = (j, similarity)
            taken.add(j)
    extra = _splits_and_merges(old, new, old_grams, new_grams, match, taken)
    split_from = {i for i, _, status, _ in extra if status.startswith(SPLIT)}
    merged_into = {j for _, j, status, _ in extra if status.startswith(MERGED)}
    pairs: list[tuple[int | None, int | None, str, float]] = []
    for i, (j, similarity) in match.items():
        # Both parts of a split (both sources of a merge) say so, not only the part left over.
        kind = SPLIT if i in split_from else MERGED if j in merged_into else ""
        pairs.append((i, j, _status(old[i], new[j], identical=old_text[i] == new_text[j], extra=kind), similarity))
    pairs += extra
    paired_old = {p[0] for p in pairs if p[0] is not None}
    paired_new = {p[1] for p in pairs if p[1] is not None}
    pairs += [(None, j, ADDED, 0.0) for j in range(len(new)) if j not in paired_new]
    pairs += [(i, None, DELETED, 0.0) for i in range(len(old)) if i not in paired_old]
    pairs += _moved_parts(old, new, old_grams, new_grams, pairs)
    rows = [
        Pair(old[i].label if i is not None else None, new[j].label if j is not None else None, status,
             round(similarity, 4), old[i].ordinal if i is not None else None,
             new[j].ordinal if j is not None else None)
        for i, j, status, similarity in pairs
    ]
    return sorted(rows, key=_reading_order(old, new, match))


def _splits_and_merges(
    old: Sequence[Unit], new: Sequence[Unit], old_grams: list[Counter[str]], new_grams: list[Counter[str]],
    match: dict[int, tuple[int, float]], taken: set[int],
) -> list[tuple[int | None, int | None, str, float]]:
    """Return extra pairs for left-over articles that are part of a matched article of the other version.

    A new article next to the one its old article was matched with, covered by that old article's text, was
    split off it; an old article next to a matched one, covered by the new article, was merged into it.
    """
    extra: list[tuple[int | None, int | None, str, float]] = []
    by_new = {j: i for i, (j, _) in match.items()}
    for j in (j for j in range(len(new)) if j not in taken):
        for neighbour in (j - 1, j + 1):
            i = by_new.get(neighbour)
            if i is not None and _covered(new_grams[j], old_grams[i]) >= COVER_THRESHOLD:
                similarity = _covered(new_grams[j], old_grams[i])
                extra.append((i, j, _status(old[i], new[j], identical=False, extra=SPLIT), similarity))
                break
    for i in (i for i in range(len(old)) if i not in match):
        for neighbour in (i - 1, i + 1):
            if neighbour in match and _covered(old_grams[i], new_grams[match[neighbour][0]]) >= COVER_THRESHOLD:
                j = match[neighbour][0]
                similarity = _covered(old_grams[i], new_grams[j])
                extra.append((i, j, _status(old[i], new[j], identical=False, extra=MERGED), similarity))
                break
    return extra


def _parts(text: str) -> list[str]:
    """Return an article's paragraphs and items long enough to be told apart, as compared; [] for a single one."""
    parts = [comparable(line) for line in text.split("\n") if comparable(line)]
    return [part for part in parts if len(part) >= PART_MIN_CHARS] if len(parts) > 1 else []


def _moved_parts(
    old: Sequence[Unit], new: Sequence[Unit], old_grams: list[Counter[str]], new_grams: list[Counter[str]],
    pairs: Sequence[tuple[int | None, int | None, str, float]],
) -> list[tuple[int | None, int | None, str, float]]:
    """Return part pairs: a paragraph or item of one version found in another article of the other version.

    A part counts as moved when its own article's counterparts cover less than PART_STAYED of it and one other
    article covers PART_THRESHOLD or more (the best such article); each direction is read, old parts into new
    articles and new parts out of old ones, and a pair is listed once.
    """
    linked: dict[tuple[int, int], set[int]] = defaultdict(set)  # (side, index) -> counterpart indexes
    for i, j, _, _ in pairs:
        if i is not None and j is not None:
            linked[(0, i)].add(j)
            linked[(1, j)].add(i)
    found: dict[tuple[int, int], float] = {}
    for side, units, own_grams, other_grams in ((0, old, old_grams, new_grams), (1, new, new_grams, old_grams)):
        postings = _postings(other_grams)
        for k, unit in enumerate(units):
            own = linked.get((side, k), set())
            size = sum(own_grams[k].values())
            kept = [other_grams[m] for m in own]
            for part in _parts(unit.text):
                grams = _bigrams(part)
                elsewhere = [(m, other_grams[m]) for m in _shortlist(grams, postings, len(other_grams))
                             if m not in own]
                moved = _moved_to(grams, kept, elsewhere)
                if moved is not None:
                    key = (k, moved[1]) if side == 0 else (moved[1], k)
                    found[key] = max(found.get(key, 0.0), sum(grams.values()) / size if size else 0.0)
    return [(i, j, PART, share) for (i, j), share in found.items()]


def _moved_to(grams: Counter[str], kept: Sequence[Counter[str]],
              candidates: Sequence[tuple[int, Counter[str]]]) -> tuple[float, int] | None:
    """Return (coverage, index) of the candidate article a paragraph or item (its bigrams) moved to, or None.

    It moved when its own article's counterparts (kept) cover less than PART_STAYED of it and the best candidate
    covers PART_THRESHOLD or more.
    """
    if any(_covered(grams, own) >= PART_STAYED for own in kept):
        return None
    best = max(((_covered(grams, other), m) for m, other in candidates), default=(0.0, -1))
    return best if best[0] >= PART_THRESHOLD else None


def moved_part(old_text: str, new_text: str, *, old_kept: Sequence[str] = (),
               new_kept: Sequence[str] = ()) -> tuple[str, str] | None:
    """Return ("old" or "new", the paragraph or item) a part pair is about, found as align() found it.

    「（一）不按照有关部门的要求…的；」 of 2016 第六十九条 for its part pair with 2025 第六十九条. old_kept and
    new_kept are the texts of each article's own counterparts: a part they cover stayed (the lead-in 「网络运营者
    违反本法规定，有下列行为之一的…」 is in 2025 第七十条 too). None when no part qualifies.
    """
    scored = []
    for side, text, other, kept in (("old", old_text, new_text, old_kept), ("new", new_text, old_text, new_kept)):
        kept_grams = [_bigrams(comparable(k)) for k in kept]
        other_grams = [(0, _bigrams(comparable(other)))]
        for part in _parts(text):
            moved = _moved_to(_bigrams(part), kept_grams, other_grams)
            if moved is not None:
                scored.append((moved[0], side, part))
    best = max(scored, default=None)
    return (best[1], best[2]) if best else None


def _reading_order(old: Sequence[Unit], new: Sequence[Unit], match: dict[int, tuple[int, float]]):  # noqa: ANN202
    """Return a sort key listing pairs by the new text's order, a deleted article after its predecessor's pair."""
    new_index = {u.ordinal: j for j, u in enumerate(new)}
    old_index = {u.ordinal: i for i, u in enumerate(old)}

    def key(pair: Pair) -> tuple[float, float]:
        if pair.new_ordinal is not None:
            return (new_index[pair.new_ordinal], old_index.get(pair.old_ordinal, -1) if pair.old_ordinal is not None
                    else -1)
        i = old_index[pair.old_ordinal]  # type: ignore[index]
        before = [match[k][0] for k in match if k < i]
        return (max(before) + 0.5 if before else -0.5, i)

    return key


def summary(pairs: Sequence[Pair]) -> dict[str, int]:
    """Return counts by status component (a renumbered+amended pair counts under both), in STATUSES order."""
    counts = Counter(part for pair in pairs for part in pair.status.split("+"))
    return {status: counts[status] for status in STATUSES if counts[status]}


@dataclass(frozen=True)
class DiffPiece:
    """A run of text in a character diff: kind is "same", "insert" (only in new) or "delete" (only in old)."""

    kind: str
    text: str


def char_diff(old_text: str, new_text: str) -> list[DiffPiece]:
    """Return the character-level difference of two article texts (computed on demand, cheap per article)."""
    matcher = difflib.SequenceMatcher(None, old_text, new_text, autojunk=False)
    pieces: list[DiffPiece] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(DiffPiece("same", old_text[a0:a1]))
            continue
        if a1 > a0:
            pieces.append(DiffPiece("delete", old_text[a0:a1]))
        if b1 > b0:
            pieces.append(DiffPiece("insert", new_text[b0:b1]))
    return pieces


_AMOUNT = rf"[{CN_NUMERAL_WITH_WAN}亿\d.]+(?:万|亿)?元"
# A fine is stated as a range (一万元以上十万元以下) or as one amount; a range is compared whole, so that 一万元 moving
# from the top of one range to the bottom of another is not read as unchanged.
_MONEY = re.compile(rf"{_AMOUNT}以上{_AMOUNT}以下|{_AMOUNT}")


def changed_amounts(old_text: str, new_text: str) -> tuple[list[str], list[str]]:
    """Return the money amounts (ranges whole) only in the old text and those only in the new one, each once, in
    the order the texts state them (罚款 changes)."""
    before, after = dict.fromkeys(_MONEY.findall(old_text)), dict.fromkeys(_MONEY.findall(new_text))
    return [a for a in before if a not in after], [a for a in after if a not in before]


def added_phrases(old_text: str, new_text: str, *, min_chars: int = 4) -> list[str]:
    """Return the inserted runs of at least min_chars characters: the duties or words an amendment added."""
    return [p.text for p in char_diff(old_text, new_text) if p.kind == "insert" and len(p.text.strip()) >= min_chars]
