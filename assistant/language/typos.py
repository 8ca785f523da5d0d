"""Pinyin-input typos -> the corpus's words: 数剧 -> 数据, 勒锁 -> 勒索, 网案法 -> 网安法.

Officials type with a pinyin input method, so a slip yields a character of the same sound (背份 for 备份).
Such a slip is a non-word: jieba, without its guessing model, falls back to single characters there, and the
pair never occurs in the corpus. A run of two or three such single characters is replaced by a word of the
same sound that the corpus uses (its keyword index says how often) and the dictionary knows, or by a domain word
officials use that no statute prints (个保法, 人脸: the vocabulary tables); a word the dictionary knows (同义, 窜改)
is left alone, since a real word mistaken for another cannot be told from one meant. A run with a function word or
numeral in it is replaced only by a domain word: 只说 or 一亿 are two words, not one mistyped. Two more slips are
read: a number in an article reference (底三条, 第十斯条), and pinyin letters left where no candidate was picked
(涉mi, 违fa, 病历shuju).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant.language.numerals import CN_NUMERAL, CN_NUMERAL_WITH_WAN
from assistant.language.segmentation import legal_tokenizer
from assistant.language.textnorm import normalize_text
from assistant.language.vocabulary import (
    colloquial_rules,
    concept_rules,
    load_abbreviations,
    load_aliases,
)

DocumentFrequency = Callable[[str], int]  # how many indexed units contain a term (a character bigram)

# A replacement must be a word the corpus uses more than by accident.
MIN_DOCUMENT_FREQUENCY = 3
# jieba's dictionary holds pairs almost nobody writes (数具 4, 新息 3, 保户 4, 转门 8 in its counts): typed where
# the corpus prints a word of the same sound, such a pair is a slip like any non-word. Words officials do mean
# (同义 66, 窜改 29, 一下 13,924, 同事 2,249) count far more and stay as typed.
RARE_WORD_FREQUENCY = 10
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Single-character words that sit between words rather than inside a mistyped one.
_FUNCTION_CHARS = frozenset(
    "是的了有给在也又和就都还把被让向对从各上里个这那我你他她它们吗呢吧啊不要说去来到得过着与及或并而但如只好完很"
    "才再已能会想做用找问多少几亿" + CN_NUMERAL_WITH_WAN
)


MAX_READINGS = 5000  # candidate strings kept while reading pinyin letters syllable by syllable
# Pinyin letters left in a Chinese question when no candidate was picked (涉mi, 违fa, 病历shuju), with the Chinese
# characters beside them; lower case only.
_PINYIN_RUN = re.compile(r"([\u4e00-\u9fff]?)(?<![A-Za-z])([a-z]{2,24})(?![A-Za-z])([\u4e00-\u9fff]?)")
# An article, paragraph or item reference with a slip of sound in it: 第 (or a character read di) and a number
# in which a character may be read like a numeral (史 for 十, 斯 for 四); at least one true numeral anchors it, so
# 是三条 (this is three articles) is not a reference.
_NUMERAL_LIKE = "[\u4e00-\u9fff]"
_ARTICLE_REFERENCE = re.compile(
    rf"[第底地弟帝递低滴抵](?=[^条款项]{{0,6}}[{CN_NUMERAL}])(?:[{CN_NUMERAL}]|{_NUMERAL_LIKE}){{1,6}}?[条款项]"
)


@dataclass(frozen=True)
class Correction:
    """A question with its slips replaced, and each replacement (typed, meant)."""

    text: str
    edits: tuple[tuple[str, str], ...] = ()


def correct_typos(text: str, frequency: DocumentFrequency) -> Correction:
    """Return text (normalised) with pinyin slips replaced by the corpus's words of the same sound."""
    edits: list[tuple[str, str]] = []
    normalized = _ARTICLE_REFERENCE.sub(lambda match: _mend_reference(match, edits), normalize_text(text))
    normalized = _PINYIN_RUN.sub(lambda match: _read_pinyin(match, frequency, edits), normalized)
    pieces: list[str] = []
    last = 0
    for match in _HAN_RUN.finditer(normalized):
        pieces.append(normalized[last : match.start()])
        pieces.append(_correct_run(match.group(0), frequency, edits))
        last = match.end()
    pieces.append(normalized[last:])
    return Correction("".join(pieces), tuple(edits))


def _read_pinyin(match: re.Match[str], frequency: DocumentFrequency, edits: list[tuple[str, str]]) -> str:
    """Return the corpus word a run of pinyin letters left in a Chinese question stands for (涉mi -> 涉密, 违fa ->
    违法, 病历shuju -> 病历数据), or the letters unchanged.

    One syllable is read with a Chinese neighbour (the pair must be a word the corpus uses); several as a dictionary
    word of those sounds the corpus uses. Upper case (AI, OA, App) is an abbreviation, not pinyin, and is never read.
    """
    before, letters, after = match.group(1), match.group(2), match.group(3)
    syllables = _syllables(letters)
    if not syllables:
        return match.group(0)
    chars = [_chars_of_sound().get(syllable, ()) for syllable in syllables]
    if len(syllables) == 1:
        # The notice names the pair read (「已按“涉密”理解“涉mi”」), not one character alone.
        pairs = [(frequency(before + c), before + letters, before + c, c) for c in chars[0] if before] + [
            (frequency(c + after), letters + after, c + after, c) for c in chars[0] if after]
        best = max(pairs, default=(0, "", "", ""))
        meant = best[3] if best[0] >= MIN_DOCUMENT_FREQUENCY else ""
        shown = (best[1], best[2])
    else:
        words = _words_of_sounds(syllables, frequency)
        # A word officials use first (监控), then a dictionary word, then the corpus's commonest run of characters.
        scored = [(w in _shorthand(), _dictionary_frequency(w) > 0, min(frequency(w[i : i + 2]) for i in
                   range(len(w) - 1)), w) for w in words]
        best_word = max(scored, default=(False, False, 0, ""))
        meant = best_word[3] if best_word[0] or best_word[2] >= MIN_DOCUMENT_FREQUENCY else ""
        shown = (letters, meant)
    if not meant:
        return match.group(0)
    edits.append(shown)
    return before + meant + after


def _syllables(letters: str) -> list[str] | None:
    """Return letters cut into toneless pinyin syllables (jiankong -> jian, kong), or None when they are not pinyin."""
    known = _chars_of_sound()
    cuts: list[list[str] | None] = [[]] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 6), end):
            if cuts[start] is not None and letters[start:end] in known:
                cuts[end] = [*cuts[start], letters[start:end]]  # type: ignore[misc]
                break
    return cuts[-1] if cuts[-1] and len(cuts[-1]) <= 6 else None


def _words_of_sounds(syllables: Sequence[str], frequency: DocumentFrequency) -> list[str]:
    """Return the strings read as the syllables, one character each, whose every character pair the corpus uses
    (or that officials' vocabulary holds): 数据 for shu ju, not one of the hundreds of pairs nobody writes."""
    words = list(_chars_of_sound().get(syllables[0], ()))
    for syllable in syllables[1:]:
        chars = _chars_of_sound().get(syllable, ())
        words = [w + c for w in words for c in chars
                 if frequency(w[-1] + c) >= MIN_DOCUMENT_FREQUENCY or (w + c) in _shorthand()]
        if not words or len(words) > MAX_READINGS:
            return []
    return words


@functools.lru_cache(maxsize=1)
def _chars_of_sound() -> dict[str, tuple[str, ...]]:
    """Return toneless pinyin -> the characters usually read so (数, 书, 输 … for shu)."""
    by_sound: dict[str, list[str]] = {}
    for char, reading in _readings().items():
        by_sound.setdefault(reading, []).append(char)
    return {sound: tuple(chars) for sound, chars in by_sound.items()}


def _mend_reference(match: re.Match[str], edits: list[tuple[str, str]]) -> str:
    """Return an article reference with its slips of sound mended (底三条 -> 第三条, 第十斯条 -> 第十四条)."""
    typed = match.group(0)
    meant = "".join(_numerals_by_sound().get(same_sound_key(char), char) if char not in CN_NUMERAL else char
                    for char in typed[1:-1])
    meant = "第" + meant + typed[-1]
    if meant != typed and all(char in CN_NUMERAL for char in meant[1:-1]):
        edits.append((typed, meant))
        return meant
    return typed


def read_slips(text: str, frequency: DocumentFrequency) -> tuple[str, tuple[str, ...]]:
    """Return the text to search (corrected when it had slips, else unchanged) and the notices saying so."""
    correction = correct_typos(text, frequency)
    return (correction.text, (typo_notice(correction),)) if correction.edits else (text, ())


def typo_notice(correction: Correction) -> str:
    """Return the sentence telling the reader how a slip was read (「已按“数据”理解“数剧”」), or ""."""
    if not correction.edits:
        return ""
    readings = "、".join(f"“{meant}”理解“{typed}”" for typed, meant in dict.fromkeys(correction.edits))
    return f"已按{readings}。"


def sound_alikes(char: str) -> tuple[str, ...]:
    """Return the other characters read like char (by each one's usual reading, tone ignored)."""
    return tuple(c for c in _chars_of_sound().get(reading_of(char), ()) if c != char)


def same_sound_key(text: str) -> str:
    """Return text with each character replaced by the first character of its sound (事件 and 时间 alike)."""
    canon = _canonical_sound()
    return "".join(canon.get(char, char) for char in text)


def _correct_run(run: str, frequency: DocumentFrequency, edits: list[tuple[str, str]]) -> str:
    """Return one run of Chinese characters with its slips replaced; each edit is appended to edits."""
    for start, end in _slip_windows(run):
        typed = run[start:end]
        if _seen(typed, frequency):
            continue
        meant = _best_candidate(typed, frequency)
        if meant:
            edits.append((typed, meant))
            run = run[:start] + meant + run[end:]
    return run


def _slip_windows(run: str) -> list[tuple[int, int]]:
    """Return spans of two or three consecutive single characters the dictionary could not place, and the
    dictionary's rarest pairs.

    A span holding a function word is kept only if it may be a slip of a domain word: 各保法 for 个保法.
    """
    spans, position = [], 0
    for word in legal_tokenizer().lcut(run, HMM=False):
        spans.append((position, position + len(word)))
        position += len(word)
    windows = []
    for index, (start, end) in enumerate(spans):
        if end - start == 2 and _dictionary_frequency(run[start:end]) < RARE_WORD_FREQUENCY:
            windows.append((start, end))
        if end - start != 1:
            continue
        following = [s for s in spans[index + 1 : index + 3] if s[1] - s[0] == 1]
        # The longer span first: 网案法 is one slip of 网安法, not 网案 of the everyday 网安 and a 法 left over.
        for count in (2, 1):
            if len(following) >= count and following[count - 1][0] == end + count - 1:
                windows.append((start, end + count))
    return windows


def _seen(word: str, frequency: DocumentFrequency) -> bool:
    """Return True when every character bigram of word occurs in the corpus, or word is a known abbreviation."""
    if word in _shorthand():
        return True
    return all(frequency(word[i : i + 2]) > 0 for i in range(len(word) - 1))


def _best_candidate(typed: str, frequency: DocumentFrequency) -> str | None:
    """Return the corpus word typed was most likely meant as, or None when none is convincing.

    Only a domain word (个保法, 人脸) may replace a span with a function word or numeral in it: 只说 or 一亿 are
    two words, not one mistyped, and no domain word sounds like them.

    A slip is one wrong character far more often than two: a candidate changing fewer characters wins over a more
    frequent one changing more (士间 is 时间 mistyped once, not 事件 mistyped twice).
    """
    ordinary = not any(char in _FUNCTION_CHARS for char in typed)
    best: tuple[int, int, str] | None = None
    for candidate in _same_sound(typed):
        if _swaps_function_words(typed, candidate) and candidate not in load_abbreviations():
            continue  # 它的 is no slip of 他的, nor 在招 of 再找; 各保法 is one of 个保法
        if candidate in _shorthand():
            strength = 10**9  # a word officials use (网安法, 等保, 人脸) stands for the statutes' words
        elif ordinary and _dictionary_frequency(candidate) > 0:
            strength = min(frequency(candidate[i : i + 2]) for i in range(len(candidate) - 1))
        else:
            continue
        changes = sum(a != b for a, b in zip(typed, candidate, strict=True))
        if strength >= MIN_DOCUMENT_FREQUENCY and (best is None or (-changes, strength) > best[:2]):
            best = (-changes, strength, candidate)
    return best[2] if best else None


def _swaps_function_words(typed: str, candidate: str) -> bool:
    """Return True when candidate differs from typed by putting one function character for another (它/他, 得/的):
    both are typed correctly far more often than by slip, so only a regulation's name may be meant."""
    return any(a != b and a in _FUNCTION_CHARS and b in _FUNCTION_CHARS for a, b in zip(typed, candidate, strict=True))


def _same_sound(word: str) -> Iterable[str]:
    """Yield the words that could be meant by word: a dictionary word or officials' shorthand of the same toneless
    pinyin, differing from it in one character (in either or both of a pair)."""
    allowed = 2 if len(word) == 2 else 1
    for candidate in _words_by_sound().get(same_sound_key(word), ()):
        if 0 < sum(a != b for a, b in zip(word, candidate, strict=True)) <= allowed:
            yield candidate


@functools.lru_cache(maxsize=1)
def _words_by_sound() -> dict[str, tuple[str, ...]]:
    """Return sound key -> the words of two or three characters a slip could stand for (the dictionary's and
    officials' shorthand). Built once: every same-sound string of a pair is up to thousands, and trying each against
    the dictionary took most of a question's correction time; one probe by sound finds the same words."""
    index: dict[str, list[str]] = {}
    words = [w for w, count in legal_tokenizer().FREQ.items() if count and 2 <= len(w) <= 3 and _HAN_RUN.fullmatch(w)]
    for word in dict.fromkeys([*words, *(w for w in _shorthand() if len(w) <= 3)]):
        index.setdefault(same_sound_key(word), []).append(word)
    return {key: tuple(found) for key, found in index.items()}


def reading_of(char: str) -> str:
    """Return a character's usual reading, toneless (shu for 数), or "" for one outside the table."""
    return _readings().get(char, "")


@functools.lru_cache(maxsize=1)
def _readings() -> dict[str, str]:
    """Return character -> its first reading, toneless, for the common CJK block (the one table of sounds)."""
    from pypinyin.pinyin_dict import pinyin_dict

    return {chr(code): _toneless(readings.split(",")[0]) for code, readings in pinyin_dict.items()
            if 0x4E00 <= code <= 0x9FFF}


@functools.lru_cache(maxsize=1)
def _canonical_sound() -> dict[str, str]:
    """Return character -> one character standing for its sound (the lowest code point read the same).

    Only the first reading counts: an input method offers 家 for jia, not for its rare reading gu.
    """
    lowest = {sound: min(chars) for sound, chars in _chars_of_sound().items()}
    return {char: lowest[sound] for char, sound in _readings().items()}


@functools.lru_cache(maxsize=1)
def _numerals_by_sound() -> dict[str, str]:
    """Return sound key -> the numeral read so (十 for shi, 四 for si)."""
    return {same_sound_key(numeral): numeral for numeral in CN_NUMERAL if numeral not in "〇两"}


def _toneless(reading: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def _shorthand() -> frozenset[str]:
    """Return the words officials use that no statute prints: shorthand (网安法, 等保, 关基) and the plain
    everyday words the concept and colloquial tables map (人脸, 渗透, 拷走)."""
    words = {*load_abbreviations(), *load_aliases()}
    for pattern in [p for p, _ in colloquial_rules()] + [p for p, _, _ in concept_rules()]:
        words.update(pattern.pattern.split("|"))
    return frozenset(w for w in words if 2 <= len(w) <= 4 and _HAN_RUN.fullmatch(w))


def _dictionary_frequency(word: str) -> int:
    return int(legal_tokenizer().FREQ.get(word) or 0)
