"""Query adapter: a square matrix applied to the question's vector only, q' = normalise(W q).

Trained (eval/train_query_adapter.py) so that questions in everyday words land nearer the statute articles that
answer them. Passages are untouched, so nothing is re-indexed; a search costs one small matrix product. An adapter
belongs to one embedding model: its sidecar names the model, and applying it to another is refused. Adapters are
stored as NAME.npz (the matrix, float16) beside NAME.json (model, how and on what it was trained, its figures).

Measured on this project's own questions it did not earn a place in the product (eval/README.md, "Query adapter"),
so it lives here: eval/measure_query_adapter.py runs the product's CLI with it applied, for comparison.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.protocols import Embedder


def save_adapter(
    path: Path, matrix: np.ndarray, *, model: str, trained_on: dict, figures: dict,
    similarity_to_base: dict | None = None,
) -> None:
    """Write NAME.npz (matrix as float16) and NAME.json (model, training, figures, similarity line: {"line":
    [slope, intercept], ...}) for path NAME(.npz)."""
    matrix_path = path.with_suffix(".npz")
    matrix_path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(matrix_path, matrix=np.asarray(matrix, dtype=np.float16))
    sidecar = {"model": model, "dimension": int(matrix.shape[0]), "trained_on": trained_on, "figures": figures,
               "similarity_to_base": similarity_to_base or {"line": [1.0, 0.0]}}
    matrix_path.with_suffix(".json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8")


@dataclass(frozen=True)
class QueryAdapter:
    """The matrix, and the line mapping an adapted question's top similarity back to the base model's scale
    (retrieval's evidence is calibrated on base similarities, which crowd into 0.82-0.95; adapted ones do not)."""

    matrix: np.ndarray
    similarity_to_base: tuple[float, float] = (1.0, 0.0)


def load_adapter(path: Path, model: str, dimension: int) -> QueryAdapter:
    """Return the adapter (matrix as float32) after checking it was made for this model and dimension.

    Raises:
        ConfigError: the files are missing or unreadable, or the adapter belongs to another embedding model.
    """
    matrix_path = Path(path).with_suffix(".npz")
    sidecar_path = matrix_path.with_suffix(".json")
    if not matrix_path.is_file() or not sidecar_path.is_file():
        raise ConfigError(
            f"找不到查询适配器：需要 {matrix_path} 和 {sidecar_path} 两个文件。"
            "请先运行 eval/train_query_adapter.py --out 生成它们，或给出正确的路径。"
        )
    try:
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        with np.load(matrix_path) as data:
            matrix = np.asarray(data["matrix"], dtype=np.float32)
    except (OSError, ValueError, KeyError) as err:
        raise ConfigError(
            f"查询适配器文件无法读取：{matrix_path} / {sidecar_path}（{err}）。"
            "请用 eval/train_query_adapter.py 重新生成。"
        ) from err
    made_for = sidecar.get("model")
    if made_for != model:
        raise ConfigError(
            f"查询适配器与嵌入模型不符：{sidecar_path} 是为 {made_for!r} 训练的，当前嵌入模型是 {model!r}。"
            "适配器只能用于训练它的模型：请为当前模型重新训练（eval/train_query_adapter.py）。"
        )
    if matrix.shape != (dimension, dimension):
        raise ConfigError(
            f"查询适配器维度不符：{matrix_path} 的矩阵是 {matrix.shape}，嵌入模型 {model!r} 的向量是 {dimension} 维。"
            "请重新生成适配器（eval/train_query_adapter.py）。"
        )
    slope, intercept = sidecar.get("similarity_to_base", {}).get("line", (1.0, 0.0))
    return QueryAdapter(matrix, (float(slope), float(intercept)))


class QueryAdaptedEmbedder:
    """Wraps an embedder: passages pass through unchanged, each question's vector goes through the adapter."""

    def __init__(self, inner: Embedder, adapter: QueryAdapter) -> None:
        self.inner, self.matrix = inner, np.asarray(adapter.matrix, dtype=np.float32)
        self._slope, self._intercept = adapter.similarity_to_base
        self.name, self.dimension = inner.name, inner.dimension

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        """Return the inner embedder's passage vectors (the index is the base model's)."""
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        """Return normalise(W q) for the inner embedder's question vector q, in q's shape."""
        return self._moved(self.inner.embed_query(text))

    def embed_queries(self, texts):  # type: ignore[no-untyped-def]
        """Return normalise(W q) for each question, one row each."""
        return self._moved(self.inner.embed_queries(texts))

    def _moved(self, vectors: np.ndarray) -> np.ndarray:
        moved = np.asarray(vectors, dtype=np.float32) @ self.matrix.T
        return moved / np.maximum(np.linalg.norm(moved, axis=-1, keepdims=True), 1e-12)

    def to_base_similarity(self, similarity: float) -> float:
        """Return an adapted question's similarity on the base model's scale (a line fitted in training; it
        keeps the order, so only calibrated thresholds such as retrieval's evidence see the difference)."""
        return self._slope * similarity + self._intercept
