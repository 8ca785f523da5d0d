"""Count, for every word of Chinese law at large, how many documents use it: the background against which a
library's own terms of art stand out (涉密 is used by 36 of 3,449 documents, 证据 by 638).

Reads ../shared/lawbook (laws, administrative regulations, judicial interpretations, local regulations; the case
reports under 案例/ are left out: they are not law), cuts each document with jieba's own dictionary, as the
decline decision cuts questions (`decline.subject_words`), and writes word<TAB>documents for the words of two or
more Chinese characters, sorted, gzip-compressed without a timestamp so that a rerun writes the same bytes.

Usage:
    python eval/count_lawbook_words.py [--lawbook ../shared/lawbook] [--out assistant/language/data/...]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.language.segmentation import plain_jieba  # noqa: E402
from assistant.language.vocabulary import BACKGROUND_FILE  # noqa: E402

_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
CASES = "案例"  # case reports: stories about law, not law


def law_documents(lawbook: Path) -> list[Path]:
    """Return the lawbook's Markdown documents, case reports left out, in a fixed order."""
    return sorted(p for p in lawbook.rglob("*.md") if CASES not in p.relative_to(lawbook).parts)


def document_frequency(texts: Iterable[str]) -> collections.Counter[str]:
    """Return word -> number of texts using it, for the words of two or more Chinese characters."""
    counts: collections.Counter[str] = collections.Counter()
    for text in texts:
        counts.update({word for word in plain_jieba().cut(text) if _WORD.match(word)})
    return counts


def write_table(counts: collections.Counter[str], documents: int, out: Path) -> None:
    """Write the counts as a gzip TSV whose first line says how many documents were counted."""
    lines = [f"# documents\t{documents}\n", *(f"{word}\t{n}\n" for word, n in sorted(counts.items()))]
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed:
        packed.write("".join(lines).encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lawbook", type=Path, default=ROOT.parent / "shared" / "lawbook")
    parser.add_argument("--out", type=Path, default=BACKGROUND_FILE)
    args = parser.parse_args(argv)
    paths = law_documents(args.lawbook)
    if not paths:
        parser.error(f"no Markdown documents under {args.lawbook}: pass --lawbook with the lawbook's folder")
    counts = document_frequency(p.read_text(encoding="utf-8") for p in paths)
    write_table(counts, len(paths), args.out)
    print(f"{len(paths)} documents, {len(counts)} words -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
