"""Frozen records passed between the stages: parsed documents, catalog entries, hits, answers.

Glossary: regulation 法规, chapter 章, section 节, article 条, paragraph 款, item 项.
Labels are kept as printed (article_label="第二十一条"); numbers as ints (article_no=21).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Document types as maintainers know them; free text is allowed, these are the usual ones.
DOCUMENT_TYPES = (
    "法律", "行政法规", "部门规章", "规范性文件", "地方性法规", "司法解释", "国家标准", "内部制度", "其他",
)
# Status of a version, as printed in Chinese legal databases.
STATUS_IN_FORCE = "现行有效"
STATUS_AMENDED = "已修改"
STATUS_REPEALED = "已废止"
STATUS_NOT_YET = "尚未施行"
STATUSES = (STATUS_IN_FORCE, STATUS_AMENDED, STATUS_REPEALED, STATUS_NOT_YET)


@dataclass(frozen=True)
class SourceText:
    """Text read from a file, with where each page starts so a position maps back to a page."""

    path: str
    text: str
    media_type: str  # "markdown", "text", "html", "docx", "pdf"
    encoding: str | None = None
    page_starts: tuple[int, ...] = ()  # character offset where page i+1 begins; empty when unpaged

    def page_at(self, offset: int) -> int | None:
        """Return the 1-based page holding character offset, or None for unpaged text."""
        if not self.page_starts:
            return None
        page = 0
        for index, start in enumerate(self.page_starts):
            if start <= offset:
                page = index
            else:
                break
        return page + 1


@dataclass(frozen=True)
class DocumentMeta:
    """What a maintainer and a citation need to know about one version of a document."""

    title: str
    doc_type: str = "其他"
    issuing_body: str | None = None
    doc_number: str | None = None  # 文号
    promulgation_date: str | None = None  # YYYY-MM-DD
    effective_date: str | None = None  # YYYY-MM-DD
    status: str = STATUS_IN_FORCE
    version: str | None = None  # YYYY-MM-DD of the text's own latest adoption/amendment
    amendment_dates: tuple[str, ...] = ()
    standard_code: str | None = None  # GB/T 22239—2019 for clause-numbered standards


@dataclass(frozen=True)
class Article:
    """One citable unit: an article (条), a clause of a standard, or a paragraph of an unstructured text."""

    label: str  # as printed: 第二十一条 / 第二百五十三条之一 / 8.1.4.2 / 第3段
    number: int  # 21; for clauses and paragraphs the running ordinal
    suffix: int = 0  # 之一 -> 1
    kind: str = "article"  # "article" | "clause" | "paragraph" | "annex" (text under a heading after the last article)
    headings: tuple[str, ...] = ()  # ("第三章 网络运行安全", "第一节 一般规定")
    paragraphs: tuple[str, ...] = ()  # 款, each with its 项 lines kept inside
    page: int | None = None
    clause_title: str | None = None  # 访问控制 for "8.1.4.2 访问控制"

    @property
    def text(self) -> str:
        """Return the full article text, paragraphs separated by newlines."""
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class ParsedDocument:
    """A document split along its own structure, with its header metadata and parse warnings."""

    meta: DocumentMeta
    articles: tuple[Article, ...]
    structure: str  # "articles" | "clauses" | "paragraphs"
    warnings: tuple[str, ...] = ()
    preamble: str = ""


@dataclass(frozen=True)
class DocumentVersion:
    """One version of a document as the catalog holds it."""

    version_id: str  # stable id of this version (doc_id + version date or hash prefix)
    doc_id: str  # stable id shared by all versions of a document
    meta: DocumentMeta
    source_name: str
    sha256: str
    article_count: int
    warnings: tuple[str, ...]
    is_current: bool
    added_at: str  # ISO timestamp
    structure: str = "articles"
    superseded_by: str | None = None


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored in the catalog, with enough of its document to cite it."""

    version_id: str
    doc_id: str
    ordinal: int  # position in the document, 0-based
    article: Article
    title: str
    doc_type: str
    status: str
    version: str | None
    effective_date: str | None
    issuing_body: str | None
    is_current: bool

    @property
    def key(self) -> str:
        """Return the id shared by the catalog, the vector store and the keyword index."""
        return f"{self.version_id}#{self.ordinal}"


@dataclass(frozen=True)
class Hit:
    """A retrieved article with its fused score and why it was found."""

    article: StoredArticle
    score: float
    paragraphs: tuple[int, ...] = ()  # 0-based 款 that matched best, strongest first
    dense_rank: int | None = None
    lexical_rank: int | None = None
    # "lookup" | "hybrid" | "dense" | "lexical" | "linked" | "version" (an amendment overview) | "outline" (the first
    # and last article of a text's divisions) | "chapter" (one division's articles): retrieval/outline.py | "facts"
    # (each version's commencement article, for a question about the document): retrieval/document_facts.py
    via: str = "hybrid"


@dataclass(frozen=True)
class LookupResult:
    """Outcome of a direct reference such as 数据安全法第二十一条."""

    reference: str  # the text that was recognised
    title: str | None  # the document matched, or None when no title matched
    label: str  # the article label asked for
    article: StoredArticle | None  # None when the document has no such article
    message: str = ""  # explanation shown when the article does not exist


@dataclass(frozen=True)
class VersionLink:
    """An article retrieval found and its counterpart in another version of its document (paired by text)."""

    article: StoredArticle
    counterpart: StoredArticle | None  # None: the other version has no counterpart (added / deleted article)
    other_version_id: str
    other_version: str | None  # the other version's date, e.g. 2016-11-07
    status: str  # renumbered+amended, unchanged, added, deleted ... (assistant.corpus.versions)
    similarity: float


@dataclass(frozen=True)
class RetrievalResult:
    """What retrieval hands the answer stage."""

    query: str  # the question as asked
    standalone_query: str  # after follow-up rewriting
    hits: tuple[Hit, ...]
    lookups: tuple[LookupResult, ...] = ()
    linked: tuple[Hit, ...] = ()  # e.g. penalty articles of cited obligations
    top_score: float = 0.0
    evidence: float = 0.0  # calibrated confidence that the corpus answers the question, 0..1
    notices: tuple[str, ...] = ()  # fallbacks the reader should know about (a reranker that failed)
    versions: tuple[VersionLink, ...] = ()  # version questions: found articles and their other-version counterparts
    documents: tuple[DocumentVersion, ...] = ()  # a question about the documents themselves: their catalog records
    denied: tuple[str, ...] = ()  # statuses the asker says they lack (「不是关基」 -> 关键信息基础设施), not searched


@dataclass(frozen=True)
class Citation:
    """A numbered source in an answer, resolving to one article of one version."""

    marker: int  # [1] -> 1
    document: str  # title as printed
    article: str  # label as printed
    version: str | None
    effective_date: str | None
    status: str
    version_id: str
    ordinal: int
    quote: str = ""  # the part of the article the answer relies on

    @property
    def label(self) -> str:
        """Return 《title》第N条 as shown to the reader."""
        return f"《{self.document}》{self.article}"


@dataclass(frozen=True)
class Answer:
    """The one answer object that feeds the chat, `assistant ask` and evaluation results."""

    question: str
    text: str
    declined: bool
    citations: tuple[Citation, ...]
    retrieval: RetrievalResult | None
    notices: tuple[str, ...] = ()  # corrections and fallbacks the user should know about
    mode: str = "composer"  # "composer" | "model"
    latency_ms: float = 0.0
    extra: dict[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class SearchFilters:
    """Scope chosen by the user: which regulations, types, bodies and statuses to search."""

    documents: tuple[str, ...] = ()  # doc ids or titles
    doc_types: tuple[str, ...] = ()
    issuing_bodies: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    current_only: bool = False

    @property
    def is_empty(self) -> bool:
        """Return True when nothing narrows the search."""
        return not (self.documents or self.doc_types or self.issuing_bodies or self.statuses or self.current_only)


@dataclass(frozen=True)
class VectorHit:
    """One unit found by similarity: its id, cosine similarity and stored metadata (empty unless asked for)."""

    unit_id: str
    similarity: float
    metadata: Mapping[str, object]


@dataclass(frozen=True)
class KeywordHit:
    """One unit found by keywords: its id, BM25 score and the share of query terms it contains."""

    unit_id: str
    score: float
    coverage: float
