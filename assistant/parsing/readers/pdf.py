"""PDF -> SourceText with a page map: running headers, footers and page numbers dropped, broken lines rejoined.

pypdf runs in a child process (pdf_worker.py) with a time and memory limit, so a hostile or damaged PDF ends
in a CorpusError instead of a hang or a crash.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from assistant.errors import CorpusError
from assistant.language.numerals import CN_NUMERAL
from assistant.records import SourceText

logger = logging.getLogger(__name__)

PDF_TIMEOUT_SECONDS = 120
PDF_MEMORY_BYTES = 3 * 1024**3
_WORKER = Path(__file__).with_name("pdf_worker.py")
_NUM = CN_NUMERAL
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[/，,、]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-—–]?\s*[IVXivx]{1,5}\s*[-—–]?)$"
)
_STRUCTURE_START = re.compile(
    rf"^(?:第[{_NUM}\d]+[条章节编](?:之[{_NUM}]+)?(?:\s|$)|[（(][{_NUM}\d]+[)）]|\d+[.．、](?!\d)|"
    r"附\s*则\s*$|目\s*录\s*$|Article\s+\d+|Chapter\s+[IVXLC\d]+)"
)
_TITLE_LIKE = re.compile(r"(?:法|条例|规定|办法|细则|规则|决定|解释)(?:[（(][^）)]{1,20}[）)])?$")
_SENTENCE_END = "。；：！？!?;:”」』）)"
_LABEL_HEAD = re.compile(rf"第[{_NUM}]*$")
_LABEL_TAIL = re.compile(rf"^[{_NUM}]*[条章节编]")
_CJK = r"\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
_CJK_DIGIT_SPACE = re.compile(rf"(?<=[{_CJK}])(?<!条) +(?=[0-9A-Za-z%])|(?<=[0-9A-Za-z%]) +(?=[{_CJK}])")


def _run_worker(path: Path) -> list[str]:
    """Return the raw text of each page, or raise CorpusError for encrypted, damaged or hostile PDFs."""
    command = [sys.executable, str(_WORKER), str(path), str(PDF_MEMORY_BYTES)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=PDF_TIMEOUT_SECONDS,
            check=False,
            env=os.environ.copy(),
        )
    except subprocess.TimeoutExpired as err:
        raise CorpusError(
            f"{path}: reading the PDF took longer than {PDF_TIMEOUT_SECONDS} s and was stopped (the file may be "
            "damaged or built to stall readers). Re-save it with a PDF printer or export the text, then add it again."
        ) from err
    try:
        report = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        raise CorpusError(
            f"{path}: the PDF reader failed on this file ({reason[0]}). The PDF is probably damaged or too large "
            "to read; re-save or re-export it and add it again."
        ) from err
    if report.get("error") == "encrypted":
        raise CorpusError(
            f"{path}: the PDF is encrypted ({report.get('detail')}). Remove the password "
            "(e.g. `qpdf --decrypt --password=… in.pdf out.pdf`) and add the decrypted file."
        )
    if report.get("error"):
        raise CorpusError(
            f"{path}: the PDF is damaged or truncated and cannot be read ({report.get('detail')}). "
            "Download or export it again and add the complete file."
        )
    return [str(page) for page in report["pages"]]


def _display_width(text: str) -> int:
    """Return the printed width of a line: CJK characters count two, others one."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Return the page-edge lines (first/last two) that repeat on at least half the pages: running heads."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = {_edge_key(line) for line in lines[:2] + lines[-2:]}
        counts.update(edge)
    threshold = max(3, len(pages) // 2)
    return {key for key, count in counts.items() if count >= threshold and key}


def _edge_key(line: str) -> str:
    """Return a line with digits and spaces folded, so "第 3 页" on every page counts as one line."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _clean_pages(raw_pages: list[str]) -> list[list[str]]:
    """Return each page's lines with running headers/footers and page numbers removed (trailing spaces kept)."""
    pages = [[line for line in text.replace("\r", "\n").split("\n") if line.strip()] for text in raw_pages]
    running = _running_lines(pages)
    cleaned = []
    for number, lines in enumerate(pages):
        edge = set(range(min(2, len(lines)))) | set(range(max(0, len(lines) - 2), len(lines)))
        if number == 0 and lines and _TITLE_LIKE.search(lines[0].strip()):
            edge.discard(0)  # a law's title used as running head is still the title on page 1
        kept = [
            line
            for index, line in enumerate(lines)
            if not _PAGE_NUMBER.match(line.strip()) and not (index in edge and _edge_key(line) in running)
        ]
        cleaned.append(kept)
    return cleaned


def _join_text(left: str, right: str) -> str:
    """Return two pieces of one paragraph joined: no space between CJK, one space between Latin words."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return left + " " + right
    return left + right


def _uses_trailing_space(lines: list[str]) -> bool:
    """Return True when paragraph-final lines carry a trailing space and wrapped lines mostly do not."""
    final = [line for line in lines if line.rstrip()[-1:] in "。；："]
    if len(final) < 5:
        return False
    marked = sum(1 for line in final if line != line.rstrip())
    return marked / len(final) >= 0.8


def rejoin_lines(pages: list[list[str]]) -> tuple[str, tuple[int, ...]]:
    """Return the text with wrapped lines rejoined into paragraphs, and the offset where each page starts."""
    all_lines = [line for lines in pages for line in lines]
    widths = sorted(_display_width(line.strip()) for line in all_lines)
    full = widths[int(len(widths) * 0.9)] if widths else 0
    trailing = _uses_trailing_space(all_lines)
    out: list[str] = []  # paragraphs
    page_starts: list[int] = []
    length = 0  # characters in "\n".join(out) so far
    open_paragraph = False
    for lines in pages:
        page_starts.append(length + (1 if out else 0) if not open_paragraph else length)
        for raw in lines:
            line = _CJK_DIGIT_SPACE.sub("", re.sub(r"[ \t\u00a0]+", " ", raw.strip()))
            starts_new = not open_paragraph or _STRUCTURE_START.match(line)
            broken_label = bool(out) and _LABEL_HEAD.search(out[-1]) and _LABEL_TAIL.match(line)
            if out and (broken_label or not starts_new):
                joined = _join_text(out[-1], line)
                length += len(joined) - len(out[-1])
                out[-1] = joined
            else:
                length += len(line) + (1 if out else 0)
                out.append(line)
            open_paragraph = not _ends_paragraph(raw, line, full, trailing)
    return "\n".join(out), tuple(page_starts)


def _ends_paragraph(raw: str, line: str, full: int, trailing: bool) -> bool:
    """Return True when a printed line closes its paragraph (short line, or sentence end at a paragraph mark)."""
    # A label cut in two (「第二十」) or a clause cut at a comma never ends a paragraph.
    if _LABEL_HEAD.search(line) or line[-1:] in "，、（《“":
        return False
    if _display_width(line) < 0.8 * full:
        return True
    if line[-1:] in _SENTENCE_END:
        return raw != raw.rstrip() if trailing else True
    return False


def read_pdf(path: Path, content: bytes) -> SourceText:
    """Return a PDF's text with page starts; raise CorpusError for scans, encryption and damage."""
    if not content.lstrip()[:5].startswith(b"%PDF"):
        raise CorpusError(
            f"{path}: the file is not a PDF (it does not start with %PDF). Check that it was saved as PDF, "
            "or give it the suffix of its real format."
        )
    raw_pages = _run_worker(path)
    if not raw_pages:
        raise CorpusError(f"{path}: the PDF has no pages. Export the document again and add the complete file.")
    chars = sum(len(re.sub(r"\s+", "", page)) for page in raw_pages)
    if chars < 10 * len(raw_pages) and max(len(page.strip()) for page in raw_pages) < 40:
        raise CorpusError(
            f"{path}: the PDF has no text layer ({len(raw_pages)} page(s), {chars} characters of text): it is "
            "probably a scanned image. Run OCR on it first (e.g. `ocrmypdf -l chi_sim in.pdf out.pdf`) "
            "and add the OCR'd PDF."
        )
    text, page_starts = rejoin_lines(_clean_pages(raw_pages))
    logger.debug("pdf path=%s pages=%d chars=%d", path, len(raw_pages), len(text))
    return SourceText(path=str(path), text=text, media_type="pdf", encoding=None, page_starts=page_starts)
