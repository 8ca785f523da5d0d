"""Request and response bodies of /api/v1, as the OpenAPI schema shows them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_QUESTION_CHARS = 8000  # the assistant cuts at answer.max_question_chars with a notice; this refuses abuse


class Filters(BaseModel):
    """Which regulations a question may draw on; empty lists mean no restriction."""

    model_config = ConfigDict(extra="forbid")
    documents: list[str] = Field([], max_length=50, description="Document titles or ids (see /regulations).")
    doc_types: list[str] = Field([], max_length=20, description="Document types: 法律, 行政法规, 部门规章 ...")
    statuses: list[str] = Field([], max_length=4, description="现行有效, 已修改, 已废止, 尚未施行.")
    current_only: bool = Field(False, description="Only versions in force today.")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS, description="The question, in Chinese.")
    history: list[str] = Field([], max_length=20, description="Earlier questions of this conversation, oldest first.")
    filters: Filters | None = None


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS, description="What to search for.")
    top_k: int = Field(10, ge=1, le=50, description="How many articles to return.")
    filters: Filters | None = None


class ArticleOut(BaseModel):
    document: str
    article: str
    version: str | None
    version_id: str
    effective_date: str | None
    status: str
    is_current: bool
    doc_type: str
    issuing_body: str | None
    headings: list[str]
    text: str


class HitOut(ArticleOut):
    score: float
    via: str = Field(description="lookup (named in the question), hybrid, dense, lexical, linked or version (an "
                     "amendment overview: the articles an amendment added, deleted or amended), outline (a question "
                     "about a text's structure: the first and last article of each chapter and section) or chapter "
                     "(one chapter's articles) or facts (a question about the document itself, its status, dates, "
                     "issuing body or 文号: the article stating when each version takes effect).")


class CitationOut(BaseModel):
    marker: int = Field(description="The n of the [n] marker in the answer text.")
    document: str
    article: str
    version: str | None
    effective_date: str | None
    status: str
    version_id: str
    quote: str = Field(description="The part of the article the answer relies on.")
    text: str = Field(description="The full text of the article.")


class AnswerOut(BaseModel):
    question: str
    answer: str = Field(description="Answer text; every claim ends with [n] markers pointing into citations.")
    declined: bool = Field(description="True when the corpus does not answer the question.")
    mode: str = Field(description="composer (quoted from the articles) or model (language model, checked).")
    notices: list[str]
    citations: list[CitationOut]
    retrieved: list[HitOut]
    latency_ms: float


class SearchOut(BaseModel):
    query: str
    standalone_query: str
    evidence: float = Field(description="Calibrated confidence (0..1) that the corpus answers the query.")
    retrieved: list[HitOut]


class RegulationOut(BaseModel):
    document: str
    doc_id: str
    version_id: str
    version: str | None
    doc_type: str
    issuing_body: str | None
    doc_number: str | None
    promulgation_date: str | None
    effective_date: str | None
    status: str
    is_current: bool
    articles: int


class ErrorBody(BaseModel):
    message: str = Field(description="What is wrong and how to fix it (Chinese).")
    type: str = Field(description="invalid_request_error, authentication_error, not_found_error or server_error.")
    param: str | None = Field(None, description="The field at fault, as a dotted path (filters.documents).")
    code: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
