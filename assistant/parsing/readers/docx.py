"""Word .docx -> text: paragraphs in order, tables row by row (cells separated by a tab)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from assistant.errors import CorpusError
from assistant.parsing.readers.docx_numbering import numbering_state
from assistant.records import SourceText

# A regulation's word/document.xml is a few MB; these bounds stop zip bombs and pathological files early.
MAX_DOCUMENT_XML_BYTES = 32 * 1024 * 1024
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


def _check_package(path: Path, content: bytes) -> None:
    """Raise CorpusError unless content is a zip whose unpacked size is plausible for a Word document."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        raise CorpusError(
            f"{path}: not a readable Word .docx file (not a complete zip package: {err}). If it is an old .doc "
            "file, save it as .docx in Word or LibreOffice; otherwise export it again and add the complete file."
        ) from err
    document = sum(entry.file_size for entry in entries if entry.filename == "word/document.xml")
    total = sum(entry.file_size for entry in entries)
    if document > MAX_DOCUMENT_XML_BYTES or total > MAX_UNPACKED_BYTES:
        raise CorpusError(
            f"{path}: the .docx unpacks to {total / 1048576:.0f} MiB (document body {document / 1048576:.0f} MiB), "
            "far more than any regulation needs; it may be a zip bomb. Save the text as a new .docx, .txt or PDF."
        )


def _table_lines(table) -> list[str]:  # type: ignore[no-untyped-def]
    """Return one line per table row, the distinct cell texts separated by tabs (merged cells once)."""
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            lines.append("\t".join(cells))
    return lines


def read_docx(path: Path, content: bytes) -> SourceText:
    """Return a .docx document's text: body paragraphs and tables in document order."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import LxmlError

    _check_package(path, content)
    try:
        document = Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError, EOFError) as err:
        raise CorpusError(
            f"{path}: not a readable Word .docx file ({type(err).__name__}: {err}). If it is an old .doc file, "
            "save it as .docx in Word or LibreOffice; otherwise export it again and add the complete file."
        ) from err
    numbering = numbering_state(document)
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
            continue
        label = numbering.label_for(block._p)
        text = block.text.strip()
        if label and text:
            # 「第%1条」 is followed by a tab or space in Word; a space keeps the parser's label rule.
            text = f"{label} {text}" if label.endswith(("条", "章", "节", "编")) else label + text
        if text:
            lines.append(text)
    return SourceText(path=str(path), text="\n".join(lines), media_type="docx", encoding=None)
