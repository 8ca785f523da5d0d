"""Hand-written fakes of the Assistant, Library and Catalog for the UI tests (same methods as the real ones)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from assistant.errors import DocumentNotFoundError
from assistant.records import (
    Answer,
    Article,
    Citation,
    DocumentMeta,
    DocumentVersion,
    Hit,
    RetrievalResult,
    SearchFilters,
    StoredArticle,
)

DSL_21 = StoredArticle(
    version_id="dsl-2021", doc_id="dsl", ordinal=20,
    article=Article(label="第二十一条", number=21, headings=("第三章 数据安全制度",),
                    paragraphs=("国家建立数据分类分级保护制度，对数据实行分类分级保护。",
                                "各地区、各部门应当确定本地区、本部门重要数据具体目录。")),
    title="中华人民共和国数据安全法", doc_type="法律", status="现行有效", version="2021-06-10",
    effective_date="2021-09-01", issuing_body="全国人民代表大会常务委员会", is_current=True,
)
DSL_45 = StoredArticle(
    version_id="dsl-2021", doc_id="dsl", ordinal=44,
    article=Article(label="第四十五条", number=45, headings=("第六章 法律责任",),
                    paragraphs=("开展数据处理活动的组织、个人不履行本法规定的数据安全保护义务的，处五万元以上五十万元以下罚款。",)),
    title="中华人民共和国数据安全法", doc_type="法律", status="现行有效", version="2021-06-10",
    effective_date="2021-09-01", issuing_body="全国人民代表大会常务委员会", is_current=True,
)
XSS_ARTICLE = StoredArticle(
    version_id="evil-1", doc_id="evil", ordinal=0,
    article=Article(label="第一条", number=1, paragraphs=("<script>alert(1)</script>本条文字。",)),
    title="<b>测试</b>办法", doc_type="其他", status="已废止", version=None, effective_date=None,
    issuing_body=None, is_current=False,
)


def citation_for(article: StoredArticle, marker: int, quote: str = "") -> Citation:
    """Return the citation of an article under a marker."""
    return Citation(marker=marker, document=article.title, article=article.article.label, version=article.version,
                    effective_date=article.effective_date, status=article.status, version_id=article.version_id,
                    ordinal=article.ordinal, quote=quote)


def make_answer(question: str, text: str = "国家建立数据分类分级保护制度[1]。", declined: bool = False,
                articles: Sequence[StoredArticle] = (DSL_21,), linked: Sequence[StoredArticle] = (DSL_45,)) -> Answer:
    """Return an answer citing articles in order, with linked articles in its retrieval."""
    citations = () if declined else tuple(citation_for(a, i) for i, a in enumerate(articles, 1))
    retrieval = RetrievalResult(query=question, standalone_query=question,
                                hits=tuple(Hit(article=a, score=1.0) for a in articles),
                                linked=tuple(Hit(article=a, score=0.5, via="linked") for a in linked))
    return Answer(question=question, text=text, declined=declined, citations=citations, retrieval=retrieval)


class FakeAssistant:
    """Streams an answer in three deltas, then the final Answer; records what it was asked."""

    def __init__(self, text: str = "国家建立数据分类分级保护制度[1]。", fail: Exception | None = None) -> None:
        self.text, self.fail = text, fail
        self.calls: list[tuple[str, tuple[str, ...], SearchFilters | None]] = []

    def answer(self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None) -> Answer:
        """Return the final answer."""
        return make_answer(question, self.text)

    def stream(self, question: str, history: Sequence[str] = (),
               filters: SearchFilters | None = None) -> Iterator[str | Answer]:
        """Yield the text in three pieces, then the Answer."""
        self.calls.append((question, tuple(history), filters))
        if self.fail:
            raise self.fail
        third = max(1, len(self.text) // 3)
        for start in range(0, len(self.text), third):
            yield self.text[start:start + third]
        yield make_answer(question, self.text)


def version_of(title: str, doc_id: str, version_id: str, *, articles: int = 3, current: bool = True,
               warnings: tuple[str, ...] = ()) -> DocumentVersion:
    """Return a catalog version record."""
    return DocumentVersion(version_id=version_id, doc_id=doc_id,
                           meta=DocumentMeta(title=title, doc_type="法律", version="2021-06-10"),
                           source_name=f"{doc_id}.md", sha256="0" * 64, article_count=articles,
                           warnings=warnings, is_current=current, added_at="2026-11-27T00:00:00+00:00")


class FakeCatalog:
    """Holds versions and articles in memory."""

    def __init__(self, versions: Sequence[DocumentVersion] = (), articles: Sequence[StoredArticle] = ()) -> None:
        self._versions = list(versions)
        self._articles = {a.key: a for a in articles}

    def versions(self, include_history: bool = True) -> list[DocumentVersion]:
        """Return the versions (current only unless include_history)."""
        return [v for v in self._versions if include_history or v.is_current]

    def version(self, version_id: str) -> DocumentVersion:
        """Return one version."""
        return next(v for v in self._versions if v.version_id == version_id)

    def articles_by_keys(self, keys: Iterable[str]) -> dict[str, StoredArticle]:
        """Return the known articles among keys."""
        return {k: self._articles[k] for k in keys if k in self._articles}


class FakeLibrary:
    """Records add/replace/remove calls; add reports every file as added."""

    def __init__(self, catalog: FakeCatalog) -> None:
        self.catalog = catalog
        self.added: list[tuple[str, bytes]] = []

    def add(self, paths: Iterable[Path], *, meta=None, progress=None):  # type: ignore[no-untyped-def]
        """Add files as new documents."""
        from assistant.corpus.reports import IngestOutcome, report_of

        paths = list(paths)
        outcomes = []
        for done, path in enumerate(paths, 1):
            self.added.append((path.name, path.read_bytes()))
            version = version_of(path.stem, path.stem, f"{path.stem}-v1", warnings=("第3条编号不连续",))
            self.catalog._versions.append(version)
            outcomes.append(IngestOutcome(str(path), "added", "ok", version.version_id, version.meta.title))
            if progress:
                progress(done, len(paths))
        return report_of(outcomes)

    def replace(self, doc_ref: str, path: Path, *, meta=None, progress=None) -> DocumentVersion:  # type: ignore[no-untyped-def]
        """Add a new version of doc_ref."""
        if doc_ref not in {v.doc_id for v in self.catalog.versions()}:
            raise DocumentNotFoundError(f"{doc_ref!r} names 0 documents; give one document id.")
        version = version_of(doc_ref, doc_ref, f"{doc_ref}-v2")
        self.catalog._versions.append(version)
        return version

    def remove(self, doc_ref: str) -> list[DocumentVersion]:
        """Remove every version of doc_ref."""
        gone = [v for v in self.catalog._versions if v.doc_id == doc_ref]
        if not gone:
            raise DocumentNotFoundError(f"{doc_ref!r} names nothing.")
        self.catalog._versions = [v for v in self.catalog._versions if v.doc_id != doc_ref]
        return gone
