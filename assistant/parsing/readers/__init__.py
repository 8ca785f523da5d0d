"""File -> SourceText: one reader per format, chosen by suffix, with the size and emptiness checks shared."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from assistant.errors import CorpusError, UnsupportedFileError
from assistant.records import SourceText

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".docx", ".pdf")


def _reader_for(suffix: str) -> Callable[[Path, bytes], SourceText] | None:
    """Return the reader function for a lower-case suffix, importing its module only when needed."""
    if suffix in (".md", ".markdown"):
        from assistant.parsing.readers.text import read_markdown

        return read_markdown
    if suffix == ".txt":
        from assistant.parsing.readers.text import read_plain_text

        return read_plain_text
    if suffix in (".html", ".htm"):
        from assistant.parsing.readers.html import read_html

        return read_html
    if suffix == ".docx":
        from assistant.parsing.readers.docx import read_docx

        return read_docx
    if suffix == ".pdf":
        from assistant.parsing.readers.pdf import read_pdf

        return read_pdf
    return None


def read_source(path: Path, *, max_bytes: int) -> SourceText:
    """Return the text of a regulation file (Markdown, text, HTML, .docx or PDF).

    Raises:
        UnsupportedFileError: the suffix is not one the readers understand.
        CorpusError: the file is missing, empty, larger than max_bytes, or cannot be decoded.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = _reader_for(suffix)
    if reader is None:
        raise UnsupportedFileError(
            f"{path}: unsupported file type {suffix or '(no suffix)'!r}. "
            f"Convert it to one of {', '.join(SUPPORTED_SUFFIXES)} and add it again."
        )
    try:
        size = path.stat().st_size
    except FileNotFoundError as err:
        raise CorpusError(f"{path}: file not found. Check the path and try again.") from err
    except OSError as err:
        raise CorpusError(f"{path}: cannot be read ({err.strerror}). Check its permissions.") from err
    if size > max_bytes:
        raise CorpusError(
            f"{path}: file is {size / 1048576:.1f} MiB, larger than the limit of {max_bytes / 1048576:.1f} MiB. "
            "Split the document, or raise corpus.max_file_mb in the settings."
        )
    try:
        content = path.read_bytes()
    except OSError as err:
        raise CorpusError(f"{path}: cannot be read ({err.strerror}). Check its permissions.") from err
    if not content.strip():
        raise CorpusError(f"{path}: the file is empty. Export the document again and add the complete file.")
    source = reader(path, content)
    if not source.text.strip():
        raise CorpusError(
            f"{path}: no text could be extracted from this {source.media_type} file. "
            "Check that it holds the regulation's text, not only images."
        )
    logger.debug("read path=%s media_type=%s chars=%d", path, source.media_type, len(source.text))
    return source
