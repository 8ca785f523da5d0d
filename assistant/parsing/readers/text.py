"""Markdown and plain text, in UTF-8 or GB18030/GBK, with the encoding detected rather than guessed."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from pathlib import Path

from assistant.errors import CorpusError
from assistant.records import SourceText

# Limits past which decoded text is not a document (the real corpus and the 3,501 lawbook files are far
# inside them: unreadable share at most 0.001, common-character share at least 0.37, top character 0.11,
# CJK share of Chinese-named files at least 0.68).
_MAX_UNREADABLE_SHARE = 0.05  # NUL and other controls, U+FFFD, private-use, unassigned, surrogates
_MIN_COMMON_SHARE = 0.2  # among ideographs: Shift-JIS or EUC-KR read as GB18030 scores about 0.0
_MIN_IDEOGRAPHS_JUDGED = 20
_MAX_TOP_CHAR_SHARE = 0.5  # EBCDIC read as ASCII ("ooo@ooo"), filler such as 200,000 x 第
_MIN_CHARS_JUDGED = 50
_MIN_CJK_SHARE_CHINESE_NAME = 0.05
_UNREADABLE_CATEGORIES = frozenset(("Cc", "Co", "Cn", "Cs"))
# Characters whose share tells a real Chinese decoding from mojibake.
_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef]")
_NON_SPACE = re.compile(r"\S")
_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
# Shares are judged on a sample: the start of a file tells its encoding as well as all of it.
_SAMPLE_CHARS = 200_000


# Frequent characters of Chinese legal text, simplified and traditional, to tell real text from mojibake.
_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
    "气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活"
    "设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则"
    "任取据处府研队按规规定应当条例办法违反责任罚款信息安全网络数据服务管理部门机关单位组织个人依照"
    "國們來時為會說產種動過對發現實體機當點業後還關與樣間義這麼問題經學進應條例辦法違責罰資訊網絡數據務"
)


def _common_share(text: str) -> float:
    """Return the share of CJK ideographs that are among the frequent characters of legal text."""
    ideographs = _IDEOGRAPH.findall(text[:_SAMPLE_CHARS])
    return sum(1 for ch in ideographs if ch in _COMMON) / len(ideographs) if ideographs else 0.0


def _cjk_share(text: str) -> float:
    """Return the share of non-space characters that are CJK ideographs or CJK punctuation."""
    sample = text[:_SAMPLE_CHARS]
    chars = len(_NON_SPACE.findall(sample))
    return len(_CJK.findall(sample)) / chars if chars else 0.0


def decode_bytes(content: bytes, path: Path) -> tuple[str, str]:
    """Return (text, encoding) for bytes in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK.

    Raises:
        CorpusError: the bytes decode as none of these.
    """
    text, encoding = _decode(content, path)
    problem = unreadable_problem(text)
    if problem:
        raise CorpusError(
            f"{path}: decoded as {encoding}, the text is not readable ({problem}); the file is in another "
            "encoding or is not a text document. Save the regulation as UTF-8 text (e.g. `iconv -f <its encoding> "
            "-t UTF-8 in.txt > out.txt`) and add it again."
        )
    return text, encoding


def unreadable_problem(text: str) -> str | None:
    """Return why decoded text is mojibake or not text at all (judged on a sample), or None when it reads."""
    sample = text[:_SAMPLE_CHARS]
    counts = Counter(ch for ch in sample if not ch.isspace())
    total = sum(counts.values())
    if not total:
        return None
    unreadable = sum(n for ch, n in counts.items() if ch == "\ufffd" or unicodedata.category(ch) in
                     _UNREADABLE_CATEGORIES)
    if unreadable / total > _MAX_UNREADABLE_SHARE:
        return (f"{unreadable / total:.0%} of the characters are NUL or other control, replacement (U+FFFD), "
                "private-use or unassigned characters")
    top, top_count = counts.most_common(1)[0]
    if total >= _MIN_CHARS_JUDGED and top_count / total > _MAX_TOP_CHAR_SHARE:
        return f"{top_count / total:.0%} of the characters are {top!r}"
    ideographs = sum(n for ch, n in counts.items() if "\u4e00" <= ch <= "\u9fff")
    if ideographs >= _MIN_IDEOGRAPHS_JUDGED:
        common = _common_share(sample)
        if common < _MIN_COMMON_SHARE:
            return f"only {common:.0%} of its Chinese characters are common ones, as in mojibake"
    return None


def check_chinese_named(text: str, path: Path) -> None:
    """Raise a CorpusError when a file with a Chinese name holds (almost) no Chinese text."""
    if not _IDEOGRAPH.search(Path(path).stem):
        return
    sample = text[:_SAMPLE_CHARS]
    if len(_NON_SPACE.findall(sample)) < _MIN_CHARS_JUDGED:
        return
    share = _cjk_share(sample)
    if share < _MIN_CJK_SHARE_CHINESE_NAME:
        raise CorpusError(
            f"{path}: the file name is Chinese but almost none of its text is ({share:.0%} Chinese "
            "characters); it is in an unexpected encoding or is not the regulation. Save the regulation as UTF-8 "
            "text and add it again."
        )


def _decode(content: bytes, path: Path) -> tuple[str, str]:
    """Return (text, encoding) by byte-order mark, UTF-8, then GB18030/Big5 detection."""
    if content.startswith(codecs.BOM_UTF8):
        return _strict(content[3:], "utf-8", path), "utf-8-sig"
    # The UTF-32 little-endian mark begins with the UTF-16 one, so it is tested first.
    if content.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _strict(content, "utf-32", path), "utf-32"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(content, "utf-16", path), "utf-16"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        # A download cut inside the last character is still UTF-8: keep everything before the cut.
        if err.reason == "unexpected end of data" and err.start >= len(content) - 3:
            return content[: err.start].decode("utf-8"), "utf-8"
    guessed = _charset_normalizer_guess(content)
    # GB18030 is a superset of GBK and GB2312: one strict decode covers all three.
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    # Big5 bytes also decode as GB18030 (into rare-character nonsense): when the detector names Big5, keep
    # whichever decoding reads as common Chinese.
    if guessed is not None and guessed[1].replace("-", "").lower() in ("big5", "cp950", "big5hkscs"):
        if text is None or _common_share(guessed[0]) >= _common_share(text):
            return guessed
    if text is not None and _cjk_share(text) >= 0.2:
        return text, "gb18030"
    if guessed is not None:
        return guessed
    raise CorpusError(
        f"{path}: the text is neither UTF-8 nor GB18030/GBK/Big5 (no encoding decodes it cleanly into Chinese "
        "text). Save the file as UTF-8 (e.g. `iconv -f <its encoding> -t UTF-8 in.txt > out.txt`) and add it again."
    )


def _strict(content: bytes, encoding: str, path: Path) -> str:
    """Return content decoded strictly, or raise a CorpusError naming the file and the encoding."""
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as err:
        raise CorpusError(
            f"{path}: the file starts with a {encoding} byte-order mark but is not valid {encoding} "
            f"(byte {err.start}). Save it again as UTF-8 and add it again."
        ) from err


def _charset_normalizer_guess(content: bytes) -> tuple[str, str] | None:
    """Return (text, encoding) when charset-normalizer finds a Chinese-looking decoding, else None."""
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    if best is None or best.encoding is None:
        return None
    try:
        text = content.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return (text, best.encoding) if _cjk_share(text) >= 0.2 else None


def _normalise_newlines(text: str) -> str:
    """Return text with CRLF/CR turned into LF, so offsets and line splits agree across readers."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_markdown(path: Path, content: bytes) -> SourceText:
    """Return a Markdown file's text as printed (comments are skipped later, by the parser)."""
    text, encoding = decode_bytes(content, path)
    check_chinese_named(text, path)
    return SourceText(path=str(path), text=_normalise_newlines(text), media_type="markdown", encoding=encoding)


def read_plain_text(path: Path, content: bytes) -> SourceText:
    """Return a plain text file's text."""
    text, encoding = decode_bytes(content, path)
    check_chinese_named(text, path)
    return SourceText(path=str(path), text=_normalise_newlines(text), media_type="text", encoding=encoding)
