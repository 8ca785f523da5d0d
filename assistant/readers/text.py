"""Markdown and plain text, in UTF-8 or GB18030/GBK, with the encoding detected rather than guessed."""

from __future__ import annotations

import codecs
from pathlib import Path

from assistant.errors import CorpusError
from assistant.records import SourceText

# Characters whose share tells a real Chinese decoding from mojibake.
_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x3000, 0x303F), (0xFF00, 0xFFEF))


def _cjk_share(text: str) -> float:
    """Return the share of non-space characters that are CJK ideographs or CJK punctuation."""
    chars = [ch for ch in text if not ch.isspace()]
    if not chars:
        return 0.0
    hits = sum(1 for ch in chars if any(lo <= ord(ch) <= hi for lo, hi in _CJK_RANGES))
    return hits / len(chars)


def decode_bytes(content: bytes, path: Path) -> tuple[str, str]:
    """Return (text, encoding) for bytes in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK.

    Raises:
        CorpusError: the bytes decode as none of these.
    """
    if content.startswith(codecs.BOM_UTF8):
        return _strict(content[3:], "utf-8", path), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(content, "utf-16", path), "utf-16"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guessed = _charset_normalizer_guess(content)
    # Big5 bytes also decode as GB18030 (into nonsense): trust the detector when it names Big5.
    if guessed is not None and guessed[1].replace("-", "").lower() in ("big5", "cp950", "big5hkscs"):
        return guessed
    # GB18030 is a superset of GBK and GB2312: one strict decode covers all three.
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        text = None
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
    return SourceText(path=str(path), text=_normalise_newlines(text), media_type="markdown", encoding=encoding)


def read_plain_text(path: Path, content: bytes) -> SourceText:
    """Return a plain text file's text."""
    text, encoding = decode_bytes(content, path)
    return SourceText(path=str(path), text=_normalise_newlines(text), media_type="text", encoding=encoding)
