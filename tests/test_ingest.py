"""Library: add, versions, replace, remove, bulk import, reconcile, and a real SIGKILL in the middle of ingesting."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.corpus.source_files import document_files
from assistant.errors import CorpusError, DocumentNotFoundError
from assistant.language.numerals import format_article_label
from assistant.records import STATUS_AMENDED, STATUS_IN_FORCE, STATUS_NOT_YET, Article, DocumentMeta, ParsedDocument
from assistant.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 27)


def build_indexer(settings: Settings):  # type: ignore[no-untyped-def]
    """Return the real Indexer over the settings' home, as the application builds it."""
    from assistant.wiring import build_indexer as build

    return build(settings)


def open_library(settings: Settings, today: date = TODAY, indexer=None) -> Library:  # type: ignore[no-untyped-def]
    return Library(settings, Catalog(settings.catalog_path), indexer or build_indexer(settings), today=lambda: today)


def write_law(folder: Path, name: str, title: str, *, articles: int = 4, promulgated: str = "2020年1月1日",
              effective: str = "2020年3月1日", salt: str = "", first: int = 1) -> Path:
    """Write a small regulation in the shared corpus's Markdown shape and return its path."""
    body = "\n\n".join(
        f"{format_article_label(n)} {title}的第{n}项规定{salt}：数据处理者应当履行第{n}项安全保护义务。"
        for n in range(first, first + articles)
    )
    text = f"# {title}\n\n（{promulgated}公布　自{effective}起施行）\n\n## 第一章 总则\n\n{body}\n"
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_agree(library: Library) -> None:
    """Catalog and indexes hold exactly the same versions, nothing half-done."""
    assert library.catalog.unfinished_versions() == []
    assert set(library.catalog.ready_version_ids()) == library.indexer.indexed_versions()


def test_two_cybersecurity_law_files_are_two_versions_of_one_document(settings: Settings,
                                                                      shared_corpus: Path) -> None:
    library = open_library(settings)
    report = library.add([shared_corpus / "网络安全法_2016.md", shared_corpus / "网络安全法_2025修正.md"])
    assert len(report.added) == 2, report
    assert "new version of document" in report.added[1].message
    versions = library.catalog.resolve("网络安全法")
    assert len({v.doc_id for v in versions}) == 1
    current, old = versions
    assert current.meta.version == "2025-10-28" and current.is_current and current.article_count == 81
    assert old.meta.version == "2016-11-07" and not old.is_current and old.article_count == 79
    assert old.meta.status == STATUS_AMENDED and old.superseded_by == current.version_id
    assert library.catalog.resolve("中华人民共和国网络安全法（2025修正）") == versions
    assert_agree(library)


def test_adding_in_reverse_order_gives_the_same_current_version(settings: Settings, shared_corpus: Path) -> None:
    library = open_library(settings)
    library.add([shared_corpus / "网络安全法_2025修正.md"])
    library.add([shared_corpus / "网络安全法_2016.md"])
    current = [v for v in library.catalog.versions() if v.is_current]
    assert [v.meta.version for v in current] == ["2025-10-28"]


def test_identical_file_is_skipped_not_duplicated(settings: Settings, tmp_path: Path) -> None:
    path = write_law(tmp_path / "in", "a.md", "测试数据管理办法")
    library = open_library(settings)
    first = library.add([path])
    copy = tmp_path / "in" / "copy-of-a.md"
    copy.write_bytes(path.read_bytes())
    second = library.add([path, copy])
    assert len(first.added) == 1 and len(second.skipped) == 2 and not second.added
    assert "identical" in second.skipped[0].message
    assert len(library.catalog.versions()) == 1
    assert len(list(settings.sources_dir.iterdir())) == 1
    assert_agree(library)


def test_source_is_kept_by_hash_and_articles_are_searchable_keys(settings: Settings, tmp_path: Path) -> None:
    path = write_law(tmp_path, "b.md", "测试网络管理规定", articles=6)
    library = open_library(settings)
    version_id = library.add([path]).added[0].version_id
    version = library.catalog.version(version_id)
    assert (settings.sources_dir / f"{version.sha256}.md").read_bytes() == path.read_bytes()
    assert [a.article.label for a in library.catalog.articles(version_id)][:2] == ["第一条", "第二条"]
    assert library.indexer.indexed_versions() == {version_id}


def test_version_not_yet_in_force_waits_for_its_date(settings: Settings, tmp_path: Path) -> None:
    library = open_library(settings)
    library.add([write_law(tmp_path, "old.md", "测试安全条例", promulgated="2020年1月1日", effective="2020年3月1日")])
    report = library.add([write_law(tmp_path, "new.md", "测试安全条例", promulgated="2026年10月1日",
                                    effective="2027年1月1日", salt="（修订）")])
    new = library.catalog.version(report.added[0].version_id)
    assert new.meta.status == STATUS_NOT_YET and not new.is_current
    assert "not current" in report.added[0].message
    later = open_library(settings, today=date(2027, 1, 1), indexer=library.indexer)  # reconcile re-derives flags
    assert later.catalog.version(new.version_id).is_current
    assert [v.meta.status for v in later.catalog.resolve("测试安全条例")] == [STATUS_IN_FORCE, STATUS_AMENDED]


def test_metadata_from_sidecar_and_command_line(settings: Settings, tmp_path: Path) -> None:
    path = write_law(tmp_path, "内部制度.md", "内部制度草稿")
    (tmp_path / "内部制度.meta.toml").write_text(
        'title = "某单位数据安全管理办法"\ntype = "内部制度"\nissuing_body = "某单位"\neffective = "2025-04-01"\n',
        encoding="utf-8",
    )
    library = open_library(settings)
    version = library.catalog.version(library.add([path], meta={"doc_number": "某发〔2025〕1号"}).added[0].version_id)
    assert (version.meta.title, version.meta.doc_type, version.meta.issuing_body) == (
        "某单位数据安全管理办法", "内部制度", "某单位")
    assert (version.meta.effective_date, version.meta.doc_number) == ("2025-04-01", "某发〔2025〕1号")
    bad = library.add([write_law(tmp_path, "x.md", "测试")], meta={"effective": "明年"})
    assert bad.rejected and "is not a date" in bad.rejected[0].message


def test_replace_keeps_history_and_substitutes_the_same_version(settings: Settings, tmp_path: Path) -> None:
    library = open_library(settings)
    old_id = library.add([write_law(tmp_path, "v1.md", "测试办法")]).added[0].version_id
    new = library.replace("测试办法", write_law(tmp_path, "v2.md", "测试办法（2024修订）", promulgated="2024年5月1日",
                                               effective="2024年6月1日"))
    assert new.is_current and library.catalog.version(old_id).superseded_by == new.version_id
    fixed = library.replace(new.doc_id, write_law(tmp_path, "v2b.md", "测试办法", promulgated="2024年5月1日",
                                                  effective="2024年6月1日", salt="（更正）"))
    ids = [v.version_id for v in library.catalog.resolve(new.doc_id)]
    assert ids == [fixed.version_id, old_id] and new.version_id not in ids
    with pytest.raises(CorpusError, match="identical"):
        library.replace(new.doc_id, tmp_path / "v2b.md")
    assert_agree(library)


def test_remove_document_or_one_version_keeps_sources(settings: Settings, tmp_path: Path) -> None:
    library = open_library(settings)
    library.add([write_law(tmp_path, "a1.md", "测试规定"),
                 write_law(tmp_path, "a2.md", "测试规定", promulgated="2022年1月1日", effective="2022年2月1日"),
                 write_law(tmp_path, "c.md", "其他测试条例")])
    first, second = sorted(library.catalog.resolve("测试规定"), key=lambda v: v.meta.version or "")
    assert [v.version_id for v in library.remove(first.version_id)] == [first.version_id]
    assert [v.version_id for v in library.catalog.resolve("测试规定")] == [second.version_id]
    removed = library.remove("测试规定")
    assert [v.version_id for v in removed] == [second.version_id]
    with pytest.raises(DocumentNotFoundError):
        library.catalog.resolve("测试规定")
    assert len(list(settings.sources_dir.iterdir())) == 3  # nothing a maintainer added is lost
    assert [e[1] for e in library.catalog.events()[:2]] == ["removed", "removed"]
    assert_agree(library)


def test_import_tree_reports_rejects_and_resumes(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    for i in range(5):
        write_law(root / f"sub{i % 2}", f"law{i}.md", f"测试法规第{i}号")
    (root / "empty.md").write_text("   \n", encoding="utf-8")
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 this is no pdf")
    (root / "README.md").write_text("# 说明\n", encoding="utf-8")
    (root / "notes.doc").write_bytes(b"old word file")
    calls: list[tuple[int, int]] = []
    library = open_library(settings)
    report = library.import_tree(root, progress=lambda done, total: calls.append((done, total)))
    assert len(report.added) == 5 and len(report.rejected) == 2 and not report.skipped
    assert {Path(o.path).name for o in report.rejected} == {"empty.md", "broken.pdf"}
    assert all(o.message for o in report.rejected)
    assert calls[-1] == (7, 7) and len(calls) == 7
    again = library.import_tree(root)
    assert not again.added and len(again.skipped) == 5 and len(again.rejected) == 2
    assert_agree(library)


def test_import_tree_without_resume_reparses(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write_law(root, "a.md", "测试重解析办法")
    library = open_library(settings)
    first = library.import_tree(root).added[0].version_id
    again = library.import_tree(root, resume=False)
    assert [o.version_id for o in again.added] == [first] and len(library.catalog.versions()) == 1
    assert [e[1] for e in library.catalog.events()[:1]] == ["reparsed"]
    assert_agree(library)


def test_add_parsed_is_idempotent(settings: Settings) -> None:
    parsed = ParsedDocument(
        meta=DocumentMeta(title="中华人民共和国测试法", doc_type="法律", version="2021-01-01"),
        articles=(Article(label="第一条", number=1, paragraphs=("为了测试，制定本法。",)),),
        structure="articles",
    )
    library = open_library(settings)
    first = library.add_parsed(parsed, source_name="laws.db#x.json", content=b'{"law": 1}')
    assert library.add_parsed(parsed, source_name="laws.db#x.json", content=b'{"law": 1}') == first
    with pytest.raises(CorpusError, match="already in"):
        library.add_parsed(parsed, source_name="laws.db#y.json", content=b'{"law": 2}')
    assert (settings.sources_dir / f"{first.sha256}.json").is_file()


def test_reconcile_purges_unfinished_and_reindexes_missing(settings: Settings, tmp_path: Path) -> None:
    library = open_library(settings)
    kept = library.add([write_law(tmp_path, "k.md", "测试保留办法")]).added[0].version_id
    lost = library.add([write_law(tmp_path, "l.md", "测试丢失办法")]).added[0].version_id
    library.indexer.remove_version(lost)  # an index lost a ready version
    # A crash between "catalog row in state indexing" and "ready": row and (partial) index entries exist.
    from assistant.corpus.catalog_schema import VersionRow
    from assistant.corpus.identity import make_doc_id

    row = VersionRow(
        version_id=make_doc_id("测试半途办法") + "-20200101", doc_id=make_doc_id("测试半途办法"),
        meta=DocumentMeta(title="测试半途办法", version="2020-01-01"), structure="articles", preamble="",
        source_name="h.md", stored_name="h.md", sha256="e" * 64, warnings=(),
        articles=(Article(label="第一条", number=1, paragraphs=("半途。",)),),
    )
    library.catalog.begin_version(row)
    library.indexer.index_version(library.catalog.pending_articles(row.version_id, TODAY))
    assert row.version_id in library.indexer.indexed_versions()
    reopened = open_library(settings, indexer=library.indexer)
    assert set(reopened.catalog.ready_version_ids()) == {kept, lost}
    assert_agree(reopened)
    assert reopened.catalog.events()[0][1] == "purged"


def test_a_tokenizer_change_rebuilds_only_the_keyword_side_on_reconcile(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = open_library(settings)
    added = {v.version_id for v in library.add([write_law(tmp_path, "k.md", "测试分词办法"),
                                               write_law(tmp_path, "m.md", "测试切换办法")]).added}
    retrieval = settings.retrieval.model_copy(update={"lexical_tokenizer": "jieba"})
    jieba = settings.model_copy(update={"retrieval": retrieval})
    indexer = build_indexer(jieba)
    assert indexer.indexed_versions() == set()  # keyword units in another tokenizer count as missing
    assert indexer.lexical.search("测试分词办法 安全保护义务", 1)  # yet searches keep using them meanwhile

    def no_embedding(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a tokenizer change must not re-embed")

    monkeypatch.setattr(indexer.embedder, "embed_documents", no_embedding)
    reopened = open_library(jieba, indexer=indexer)
    assert_agree(reopened)
    assert indexer.indexed_versions() == added and indexer.lexical.mode == "jieba"
    assert indexer.lexical.search("测试切换办法 安全保护义务", 1)[0].unit_id.split("#")[0] in added


class ProbingIndexer:
    """The real indexer (an IndexWriter), plus a look through a second connection at what readers see mid-update."""

    def __init__(self, real, catalog_path: Path) -> None:  # type: ignore[no-untyped-def]
        self.real, self.reader, self.seen = real, Catalog(catalog_path), []

    def index_version(self, articles: Sequence, progress=None) -> None:  # type: ignore[no-untyped-def]
        self.seen.append(sorted(v.version_id for v in self.reader.versions()))
        self.real.index_version(articles, progress)

    def remove_version(self, version_id: str) -> None:
        self.real.remove_version(version_id)

    def indexed_versions(self) -> set[str]:
        return self.real.indexed_versions()

    def index_keywords(self, articles: Sequence) -> None:  # type: ignore[no-untyped-def]
        self.real.index_keywords(articles)

    def keyword_only_gaps(self) -> set[str]:
        return self.real.keyword_only_gaps()


def test_readers_keep_seeing_the_last_state_during_an_update(settings: Settings, tmp_path: Path) -> None:
    probe = ProbingIndexer(build_indexer(settings), settings.catalog_path)
    library = open_library(settings, indexer=probe)
    first = library.add([write_law(tmp_path, "1.md", "测试甲办法")]).added[0].version_id
    library.add([write_law(tmp_path, "2.md", "测试乙办法")])
    assert probe.seen == [[], [first]]  # the version being indexed is never visible half-done


def test_a_second_writer_waits_for_the_lock(settings: Settings, tmp_path: Path) -> None:
    library = open_library(settings)
    library._lock.acquire()  # another writer (the web console) is in the middle of a change
    try:
        other = open_library(settings, indexer=library.indexer)  # opens without reconciling under its feet
        with pytest.raises(Exception, match="lock|Timeout|timeout"):
            with other._lock.acquire(timeout=0.2):
                pass
    finally:
        library._lock.release()


def test_two_writers_at_once_do_not_interleave(settings: Settings, tmp_path: Path) -> None:
    import threading

    batches = [
        [write_law(tmp_path / f"w{w}", f"{i}.md", f"测试并发写入办法{w}-{i}") for i in range(4)] for w in range(2)
    ]
    indexer = build_indexer(settings)
    writers = [open_library(settings, indexer=indexer), open_library(settings, indexer=indexer)]
    reports: list = [None, None]

    def work(n: int) -> None:
        reports[n] = writers[n].add(batches[n])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [len(r.added) for r in reports] == [4, 4]
    assert len(writers[0].catalog.versions()) == 8
    assert_agree(writers[0])


_CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from assistant.corpus.catalog import Catalog
    from assistant.corpus.library import Library
    from assistant.settings import Settings
    from tests.test_ingest import build_indexer
    home, root, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    settings = Settings(home=home, embedding={{"backend": "hash", "threads": 1}},
                        corpus={{"extra_dir": home / "none", "default_law_list": home / "none.txt"}})
    library = Library(settings, Catalog(settings.catalog_path), build_indexer(settings))
    print("ready", flush=True)
    if mode == "import":
        report = library.import_tree(root, progress=lambda done, total: print(done, flush=True))
        print(json.dumps({{"added": len(report.added), "skipped": len(report.skipped)}}), flush=True)
    else:
        catalog = library.catalog
        print(json.dumps({{
            "unfinished": catalog.unfinished_versions(),
            "ready": sorted(catalog.ready_version_ids()),
            "indexed": sorted(library.indexer.indexed_versions()),
            "titles": [v.meta.title for v in catalog.versions()],
            "shas": [v.sha256 for v in catalog.versions()],
        }}), flush=True)
    """
)


def _run_child(home: Path, root: Path, mode: str, kill: tuple[int, float] | None = None) -> str:
    """Run an ingest child; kill=(files, seconds) SIGKILLs it that long after its files-th file is through."""
    script = _CHILD.format()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with open(home.parent / f"child-{mode}.log", "a+", encoding="utf-8") as log:
        child = subprocess.Popen([sys.executable, "-c", script, str(home), str(root), mode], cwd=PROJECT_ROOT,
                                 stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        if kill is not None:
            files, seconds = kill
            for _ in range(files):
                child.stdout.readline()
            time.sleep(seconds)  # lands inside the next file's parse, copy, indexing or publishing
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            return ""
        out = child.stdout.read()  # the buffered reader, not communicate(): it already holds part of the output
        assert child.wait(timeout=300) == 0, log.seek(0) or log.read()[-3000:]
    return out.strip().splitlines()[-1]


def test_sigkill_at_random_moments_leaves_catalog_and_index_agreeing(tmp_path: Path) -> None:
    root, home = tmp_path / "tree", tmp_path / "home"
    titles = [f"测试断电恢复条例第{i}号" for i in range(12)]
    for i, title in enumerate(titles):
        write_law(root, f"{i:02d}.md", title, articles=40)
    rng = random.Random()
    seed = rng.randrange(1_000_000)
    rng.seed(seed)
    interrupted = []
    done = 0
    for _ in range(3):
        _run_child(home, root, "import", kill=(done + rng.randint(1, 2), rng.uniform(0.0, 0.3)))
        raw = sqlite3.connect(home / "catalog.sqlite3")  # as the kill left it, before reconciling
        counts = raw.execute("SELECT state = 'ready', count(*) FROM versions GROUP BY 1").fetchall()
        raw.close()
        interrupted.append((dict(counts).get(1, 0), dict(counts).get(0, 0)))
        state = json.loads(_run_child(home, root, "check"))  # opening the library reconciles
        assert state["unfinished"] == [], seed
        assert state["ready"] == state["indexed"], seed
        assert len(state["shas"]) == len(set(state["shas"])) and len(state["titles"]) == len(set(state["titles"]))
        done = len(state["ready"])
    print("ready/unfinished after each kill:", interrupted, "seed", seed)
    assert any(0 < ready < len(titles) for ready, _ in interrupted), (interrupted, seed)  # kills landed mid-run
    finished = json.loads(_run_child(home, root, "import"))
    state = json.loads(_run_child(home, root, "check"))
    assert sorted(state["titles"]) == sorted(titles), seed  # nothing lost, nothing doubled
    assert state["ready"] == state["indexed"] and state["unfinished"] == []
    assert finished["added"] + finished["skipped"] == len(titles)


def test_document_files_skips_readmes_sidecars_and_hidden(tmp_path: Path) -> None:
    for name in ("a.md", "b.pdf", "README.md", "a.meta.toml", ".hidden.md", "default_laws.txt", "x.exe"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in document_files(tmp_path, (".md", ".pdf", ".txt"))] == ["a.md", "b.pdf"]


def test_lawbook_sample_imports_without_stopping(settings: Settings, shared_dir: Path, tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    files = document_files(shared_dir / "lawbook", (".md",))[::400]
    for index, path in enumerate(files):
        (sample / f"{index:02d}").mkdir(parents=True)
        (sample / f"{index:02d}" / path.name).symlink_to(path)
    library = open_library(settings)
    report = library.import_tree(sample)
    assert len(report.outcomes) == len(files) >= 8
    assert len(report.added) >= len(files) - 2, [o.message for o in report.rejected]
    assert_agree(library)


def test_the_five_constitutional_amendments_import_as_five_documents(settings: Settings, shared_dir: Path) -> None:
    amendments = sorted((shared_dir / "lawbook" / "宪法").glob("宪法修正案*.md"))
    assert len(amendments) == 5, "../shared/lawbook/宪法 should hold the five 宪法修正案 files"
    library = open_library(settings)
    report = library.add(amendments)
    assert len(report.added) == 5, [o.message for o in report.rejected]
    versions = library.catalog.versions()
    assert len({v.doc_id for v in versions}) == 5
    assert all(v.is_current for v in versions)  # none supersedes another: they are separate instruments


def test_oversized_and_missing_files_are_rejected_with_the_fix(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1},
                        corpus={"max_file_mb": 0.001, "extra_dir": tmp_path / "c", "default_law_list": tmp_path / "l"})
    big = write_law(tmp_path, "big.md", "测试超大办法", articles=60)
    report = open_library(settings).add([big, tmp_path / "missing.md"])
    assert [o.outcome for o in report.outcomes] == ["rejected", "rejected"]
    assert "max_file_mb" in report.rejected[0].message and "missing.md" in report.rejected[1].message


def test_a_code_split_over_files_becomes_one_version(settings: Settings, tmp_path: Path) -> None:
    """The lawbook stores 民法典 as one file per 编, all titled 中华人民共和国民法典 with the same dates."""
    parts = [write_law(tmp_path / "code", f"{name}.md", "中华人民共和国测试法典", articles=3, first=first)
             for name, first in (("总则", 1), ("物权编", 4), ("合同编", 7))]
    library = open_library(settings)
    report = library.import_tree(tmp_path / "code")
    assert len(report.added) == 3 and "now holds" in report.added[-1].message
    (version,) = library.catalog.versions()
    assert version.article_count == 9 and version.version_id.endswith("-p3")
    assert [a.article.number for a in library.catalog.articles(version.version_id)] == list(range(1, 10))
    assert len(library.catalog.version_sources(version.version_id)) == 3
    again = library.import_tree(tmp_path / "code")
    assert not again.added and len(again.skipped) == 3
    overlapping = write_law(tmp_path, "copy.md", "中华人民共和国测试法典", articles=2, first=2, salt="（另一文本）")
    clash = library.add([overlapping])
    assert clash.skipped and "already in" in clash.skipped[0].message
    assert_agree(library)
    library.remove(version.doc_id)
    assert len(list(settings.sources_dir.iterdir())) == len(parts)
