"""A folder's MANIFEST.tsv supplies metadata the file's own header lacks (the layout of ../shared/corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.sidecar import read_manifest_entry
from assistant.errors import CorpusError
from assistant.settings import Settings
from assistant.wiring import build_library

HEADER = "file\ttitle\tissuing_body\tdoc_number\tpromulgation_date\teffective_date\tstatus\n"
REGULATION = (
    "# 示范数据条例\n\n## 第一章 总则\n\n第一条 为了规范数据处理，制定本条例。\n\n"
    "第二条 本条例自公布之日起施行。\n"
)


def test_manifest_row_gives_dates_status_and_issuer(tmp_path: Path) -> None:
    (tmp_path / "pdf").mkdir()
    source = tmp_path / "pdf" / "示范.pdf"
    source.write_bytes(b"%PDF-1.4")
    (tmp_path / "MANIFEST.tsv").write_text(
        HEADER + "pdf/示范.pdf\t示范\t国务院\t国务院令第1号（主席令号未核对）\t2025-10-28（修正）；原法2016-11-07\t"
        "2026-01-01（修正决定施行）\t现行有效（自2026-01-01）\n",
        encoding="utf-8",
    )
    assert read_manifest_entry(source) == {
        "issuing_body": "国务院",
        "promulgated": "2025-10-28",
        "effective": "2026-01-01",
        "status": "现行有效",
    }


def test_file_not_listed_gets_nothing(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.tsv").write_text(HEADER + "other.md\tx\t国务院\t\t\t\t\n", encoding="utf-8")
    assert read_manifest_entry(tmp_path / "mine.md") == {}


def test_manifest_without_file_column_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.tsv").write_text("name\ttitle\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="MANIFEST.tsv.*'file' column"):
        read_manifest_entry(tmp_path / "mine.md")


def test_ingest_takes_manifest_below_sidecar(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "示范数据条例.md").write_text(REGULATION, encoding="utf-8")
    (folder / "MANIFEST.tsv").write_text(
        HEADER + "示范数据条例.md\t示范数据条例\t示范市人民政府\t\t2024-01-02\t2024-03-01\t现行有效\n", encoding="utf-8"
    )
    (folder / "示范数据条例.meta.toml").write_text('issuing_body = "示范市数据局"\n', encoding="utf-8")
    library = build_library(settings)
    report = library.add([folder])
    version = library.catalog.version(report.added[0].version_id)
    assert (version.meta.effective_date, version.meta.promulgation_date, version.meta.issuing_body) == (
        "2024-03-01",
        "2024-01-02",
        "示范市数据局",
    )


def test_shared_cybersecurity_law_2025_gets_its_effective_date(settings: Settings, shared_corpus: Path) -> None:
    library = build_library(settings)
    library.add([shared_corpus / "网络安全法_2016.md", shared_corpus / "网络安全法_2025修正.md"])
    current = [v for v in library.catalog.versions(include_history=True) if v.is_current]
    assert [(v.meta.version, v.meta.effective_date) for v in current] == [("2025-10-28", "2026-01-01")]


def test_file_name_near_the_length_limit_has_no_sidecar_and_still_ingests(settings: Settings, tmp_path: Path) -> None:
    from assistant.corpus.sidecar import read_sidecar, sidecar_path

    # 246 bytes: the file exists, but NAME.meta.toml (256 bytes) is beyond what the file system allows.
    source = tmp_path / ("示" * 82 + ".md")
    source.write_text(REGULATION, encoding="utf-8")
    assert len(source.name.encode()) == 249
    assert sidecar_path(source) is None and read_sidecar(source) == {} and read_manifest_entry(source) == {}
    report = build_library(settings).add([source])
    assert len(report.added) == 1 and not report.rejected, report
